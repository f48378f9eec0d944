"""The LAN server of the simulator: TCP framing, UDP discovery, loopback only.

These tests speak the wire protocol themselves, over real sockets on loopback addresses, to a
minimal device: what is tested here is the server, not the device behind it.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from typing import Any

import pytest

from kasacloud.lan.serve import Endpoint, LanAddressError, LanServer, check_loopback, plan_endpoints
from kasacloud.protocol import lan

pytestmark = pytest.mark.anyio


class EchoPlug:
    """A device with one relay: just enough behaviour to see requests reach it."""

    def __init__(self, alias: str) -> None:
        self.alias = alias
        self.relay_state = 0
        self.requests: list[dict[str, Any]] = []

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(request)
        system = request.get("system", {})
        out: dict[str, Any] = {}
        if "set_relay_state" in system:
            self.relay_state = system["set_relay_state"]["state"]
            out["set_relay_state"] = {"err_code": 0}
        if "get_sysinfo" in system:
            out["get_sysinfo"] = {
                "alias": self.alias,
                "relay_state": self.relay_state,
                "err_code": 0,
            }
        answer: dict[str, Any] = {"system": out}
        for module in request:
            if module not in ("system", "context"):
                answer[module] = {"err_code": -1, "err_msg": "module not support"}
        return answer


async def tcp_query(host: str, port: int, *requests: dict[str, Any]) -> list[dict[str, Any]]:
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 5)
    try:
        answers = []
        for request in requests:
            writer.write(lan.encode_frame(request))
            await writer.drain()
            length = lan.decode_frame_length(await asyncio.wait_for(reader.readexactly(4), 5))
            answers.append(
                lan.decode_payload(await asyncio.wait_for(reader.readexactly(length), 5))
            )
        return answers
    finally:
        writer.close()
        await writer.wait_closed()


def udp_query(target: str, port: int, expect: int) -> dict[str, dict[str, Any]]:
    """Send the discovery query; collect ``expect`` answers keyed by the answering address."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(5)
        sock.sendto(lan.encode_datagram(lan.DISCOVERY_QUERY), (target, port))
        found: dict[str, dict[str, Any]] = {}
        while len(found) < expect:
            data, (host, from_port) = sock.recvfrom(65535)
            assert from_port == port
            found[host] = lan.decode_datagram(data)
        return found


async def test_tcp_requests_reach_the_device(lan_port: int) -> None:
    plug = EchoPlug("Kettle")
    async with LanServer([(Endpoint("127.0.0.2", lan_port), plug)]):
        on, info, unknown = await tcp_query(
            "127.0.0.2",
            lan_port,
            {"system": {"set_relay_state": {"state": 1}}},
            {"system": {"get_sysinfo": None}},
            {"emeter": {"get_realtime": {}}},
        )
    assert on == {"system": {"set_relay_state": {"err_code": 0}}}
    assert info["system"]["get_sysinfo"]["relay_state"] == 1
    assert unknown["emeter"] == {"err_code": -1, "err_msg": "module not support"}
    assert plug.relay_state == 1


async def test_unicast_and_broadcast_discovery(lan_port: int) -> None:
    plugs = {"127.0.0.2": EchoPlug("One"), "127.0.0.3": EchoPlug("Two")}
    async with LanServer([(Endpoint(h, lan_port), p) for h, p in plugs.items()]):
        unicast = await asyncio.to_thread(udp_query, "127.0.0.3", lan_port, 1)
        broadcast = await asyncio.to_thread(udp_query, "127.255.255.255", lan_port, 2)
    assert unicast["127.0.0.3"]["system"]["get_sysinfo"]["alias"] == "Two"
    assert {h: a["system"]["get_sysinfo"]["alias"] for h, a in broadcast.items()} == {
        "127.0.0.2": "One",
        "127.0.0.3": "Two",
    }


async def test_port_zero_gets_a_real_port() -> None:
    server = LanServer([(Endpoint("127.0.0.2", 0), EchoPlug("A"))])
    async with server:
        ((endpoint, _),) = server.endpoints
        assert endpoint.port != 0
        (answer,) = await tcp_query("127.0.0.2", endpoint.port, {"system": {"get_sysinfo": {}}})
    assert answer["system"]["get_sysinfo"]["alias"] == "A"


async def test_garbage_closes_the_connection_but_not_the_server(lan_port: int) -> None:
    async with LanServer([(Endpoint("127.0.0.2", lan_port), EchoPlug("A"))]):
        reader, writer = await asyncio.open_connection("127.0.0.2", lan_port)
        writer.write(struct.pack(">I", 3) + lan.encrypt(b"[1]"))
        await writer.drain()
        assert await asyncio.wait_for(reader.read(), 5) == b""  # closed by the server
        writer.close()
        (answer,) = await tcp_query("127.0.0.2", lan_port, {"system": {"get_sysinfo": {}}})
    assert answer["system"]["get_sysinfo"]["alias"] == "A"


async def test_address_in_use_is_an_error_and_leaves_nothing_open(lan_port: int) -> None:
    async with LanServer([(Endpoint("127.0.0.2", lan_port), EchoPlug("A"))]):
        second = LanServer(
            [
                (Endpoint("127.0.0.3", lan_port), EchoPlug("B")),
                (Endpoint("127.0.0.2", lan_port), EchoPlug("C")),
            ]
        )
        with pytest.raises(OSError, match="in use"):
            await second.start()
    # Both stopped: the first address and port can be bound again.
    async with LanServer([(Endpoint("127.0.0.3", lan_port), EchoPlug("B"))]):
        pass


@pytest.mark.parametrize("host", ["192.0.2.2", "0.0.0.0", "::1", "localhost", "127.255.255.255"])
def test_only_loopback_addresses(host: str) -> None:
    with pytest.raises(LanAddressError):
        check_loopback(host)
    with pytest.raises(LanAddressError):
        LanServer([(Endpoint(host, 9999), EchoPlug("A"))])


def test_plan_endpoints() -> None:
    assert plan_endpoints(2, [], 9999) == [Endpoint("127.0.0.2", 9999), Endpoint("127.0.0.3", 9999)]
    assert plan_endpoints(2, ["127.1.2.3"], 10000) == [
        Endpoint("127.1.2.3", 10000),
        Endpoint("127.1.2.3", 10001),
    ]
    with pytest.raises(LanAddressError, match="one address per device"):
        plan_endpoints(3, ["127.0.0.2", "127.0.0.3"], 9999)
    with pytest.raises(LanAddressError, match="share"):
        plan_endpoints(2, ["127.0.0.2", "127.0.0.2"], 9999)
    with pytest.raises(LanAddressError, match="at least one"):
        plan_endpoints(0, [], 9999)
