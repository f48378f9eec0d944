"""Read deadlines and the connection cap (issue 11, point 5), with slow clients on loopback.

The server's deadlines are shortened to half a second here; every wait in these tests is bounded
by a generous deadline of its own, so a server that never cuts a connection fails the test
instead of hanging it.
"""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from server_helpers import Api

from kasacloud.server import LocalCloud, ServerConfig
from kasacloud.server.devices import DeviceKit

SHORT_S = 0.5
GIVE_UP_S = 30.0
"""How long a test waits for the server to cut its slow connections before failing."""


@pytest.fixture
def cloud(device_kit: DeviceKit | None) -> Iterator[LocalCloud]:
    config = ServerConfig(
        header_timeout_s=SHORT_S,
        body_timeout_s=SHORT_S,
        keep_alive_timeout_s=SHORT_S,
        max_header_bytes=16 * 1024,
        max_connections=500,
        address_rate_limit=None,
    )
    with LocalCloud(config=config, kit=device_kit) as running:
        yield running


def _connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    sock.setblocking(False)
    return sock


def _closed_by_server(sock: socket.socket) -> bool:
    """Whether the server closed this connection (EOF or reset); reads what is pending."""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return True
    except BlockingIOError:
        return False
    except ConnectionError:
        return True


def _wait_until_all_closed(socks: list[socket.socket], api: Api, token: str) -> int:
    """Wait (bounded) until the server has closed every socket; serve normal calls meanwhile.

    Returns how many normal calls were answered while the slow clients hung on.
    """
    open_socks = list(socks)
    served = 0
    deadline = time.monotonic() + GIVE_UP_S
    while open_socks and time.monotonic() < deadline:
        assert api.v1("getDeviceList", {"token": token})["error_code"] == 0
        served += 1
        readable, _, _ = select.select(open_socks, [], [], 0.2)
        for sock in readable:
            if _closed_by_server(sock):
                open_socks.remove(sock)
    assert not open_socks, f"{len(open_socks)} slow connections still open after {GIVE_UP_S} s"
    return served


def test_slow_clients_are_cut_off_while_normal_clients_are_served(cloud: LocalCloud) -> None:
    with Api(cloud.url) as api:
        token = api.token()
        silent = [_connect(cloud.url) for _ in range(40)]
        half_headers = [_connect(cloud.url) for _ in range(40)]
        for sock in half_headers:
            sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n")
        half_bodies = [_connect(cloud.url) for _ in range(40)]
        for sock in half_bodies:
            sock.sendall(b'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"method":')
        idle_after_a_call = [_connect(cloud.url) for _ in range(20)]
        for sock in idle_after_a_call:
            sock.sendall(
                b'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 24\r\n\r\n{"method":"helloCloud"}'
            )
        slow = silent + half_headers + half_bodies + idle_after_a_call
        try:
            served = _wait_until_all_closed(slow, api, token)
        finally:
            for sock in slow:
                sock.close()
        assert served >= 1
        assert api.v1("getDeviceList", {"token": token})["error_code"] == 0


def test_a_request_that_trickles_in_is_cut_at_its_deadline(cloud: LocalCloud) -> None:
    """A byte every tenth of a second keeps uvicorn's keep-alive timer from ever firing."""
    for head in (
        b"POST / HTTP/1.1\r\nHost: x\r\nX-Slow: ",
        b"POST / HTTP/1.1\r\nContent-Length: 999\r\n\r\n",
    ):
        sock = _connect(cloud.url)
        sock.sendall(head)
        cut = False
        deadline = time.monotonic() + GIVE_UP_S
        try:
            while not cut and time.monotonic() < deadline:
                try:
                    sock.send(b"a")
                except (BlockingIOError, ConnectionError):
                    cut = True
                    break
                select.select([sock], [], [], 0.1)
                cut = _closed_by_server(sock)
        finally:
            sock.close()
        assert cut, head


def test_oversized_headers_close_the_connection(cloud: LocalCloud) -> None:
    sock = _connect(cloud.url)
    try:
        sock.setblocking(True)
        sock.settimeout(GIVE_UP_S)
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n")
        closed = False
        try:
            for _ in range(100):  # 100 x 1 KiB of header lines, far past 16 KiB
                sock.sendall(b"X-Pad: " + b"p" * 1017 + b"\r\n")
        except ConnectionError:
            closed = True
        if not closed:
            sock.setblocking(False)
            deadline = time.monotonic() + GIVE_UP_S
            while not closed and time.monotonic() < deadline:
                select.select([sock], [], [], 0.2)
                closed = _closed_by_server(sock)
        assert closed
    finally:
        sock.close()


def test_past_the_connection_cap_requests_get_503(device_kit: DeviceKit | None) -> None:
    """The one 5xx the server gives: more connections than ``max_connections``, on purpose."""
    config = ServerConfig(max_connections=8, header_timeout_s=GIVE_UP_S, address_rate_limit=None)
    with LocalCloud(config=config, kit=device_kit) as cloud:
        hogs = [_connect(cloud.url) for _ in range(8)]
        try:
            time.sleep(0.2)  # let the server accept them all (not an assertion on time)
            with Api(cloud.url) as api:
                answer = api.http.post(api.url + "/", json={"method": "helloCloud"})
                assert answer.status_code == 503
        finally:
            for sock in hogs:
                sock.close()
        with Api(cloud.url) as api:
            deadline = time.monotonic() + GIVE_UP_S
            status = 0
            while status != 200 and time.monotonic() < deadline:
                status = api.http.post(api.url + "/", json={"method": "helloCloud"}).status_code
                time.sleep(0.05)
            assert status == 200
