"""Serve simulated devices over the Kasa LAN protocol: TCP 9999 framing and UDP discovery.

Each device listens on its own loopback address (``127.0.0.2``, ``127.0.0.3``, ...: all of
``127.0.0.0/8`` is loopback on Linux) or its own port, so LAN clients such as python-kasa's ``kasa``
command can discover, read and switch it exactly as they would a real plug. The device object is the
one owner of its state: the LAN server only moves bytes to and from ``device.handle``.

Only loopback addresses are accepted: a simulator must never answer (or broadcast) on a real
network.

Example::

    server = LanServer([(Endpoint("127.0.0.2", 9999), device)])
    async with server:
        await server.serve_forever()
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

from kasacloud.protocol import lan

_LOG = logging.getLogger(__name__)

LOOPBACK_BROADCAST = "127.255.255.255"
"""Where LAN clients send discovery to reach every simulated device (``kasa --target ...``)."""
IDLE_TIMEOUT_S = 120.0
"""A TCP connection quiet for this long is closed, so forgotten clients do not pile up."""
_MAX_UDP_BYTES = 65_535


class LanAddressError(ValueError):
    """An address the simulator refuses to serve on: not an IPv4 loopback address."""


class _Silent(Exception):
    """The device is down (rebooting): drop the request without an answer."""


class ServableDevice(Protocol):
    """What the LAN server needs of a device: answer one decoded request, synchronously.

    ``kasacloud.sim`` devices satisfy it; the answer carries module errors inside it, as a real
    device's does.
    """

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        """Answer one request (several modules, an optional ``context``) with the response dict."""
        ...


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where one device listens: a loopback IPv4 address and a port (TCP and UDP alike).

    Port 0 asks for a free port at start; :attr:`LanServer.endpoints` then holds the real one.
    """

    host: str
    port: int = lan.DEFAULT_PORT

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


def check_loopback(host: str) -> str:
    """Return ``host`` normalised if it is an IPv4 loopback address (127.0.0.0/8).

    Raises:
        LanAddressError: for anything else, including names and IPv6.
    """
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise LanAddressError(f"{host!r} is not an IP address (use 127.x.y.z)") from None
    if address.version != 4 or not address.is_loopback:
        raise LanAddressError(
            f"{host} is not a loopback address: simulated devices only listen on 127.0.0.0/8"
        )
    if str(address) == LOOPBACK_BROADCAST:
        raise LanAddressError(f"{host} is the loopback broadcast address, not a device address")
    return str(address)


def plan_endpoints(count: int, hosts: Sequence[str], port: int) -> list[Endpoint]:
    """Give ``count`` devices an endpoint each.

    - no hosts: ``127.0.0.2``, ``127.0.0.3``, ... all on ``port``;
    - one host per device: each on ``port``;
    - one host for several devices: consecutive ports from ``port`` (0: a free port each).

    Raises:
        LanAddressError: on a non-loopback host, a repeated endpoint, or a count mismatch.
    """
    if count < 1:
        raise LanAddressError("nothing to serve: give at least one device")
    if not 0 <= port <= 65_535:
        raise LanAddressError(f"port {port} is out of range 0..65535")
    checked = [check_loopback(h) for h in hosts]
    if not checked:
        base = ipaddress.IPv4Address("127.0.0.2")
        if count > 250:
            raise LanAddressError(f"{count} devices is too many for automatic addresses")
        return [Endpoint(str(base + i), port) for i in range(count)]
    if len(checked) == count:
        endpoints = [Endpoint(h, port) for h in checked]
    elif len(checked) == 1:
        if port == 0:
            endpoints = [Endpoint(checked[0], 0) for _ in range(count)]
        else:
            if port + count - 1 > 65_535:
                raise LanAddressError(f"ports {port}..{port + count - 1} run past 65535")
            endpoints = [Endpoint(checked[0], port + i) for i in range(count)]
    else:
        raise LanAddressError(
            f"{len(checked)} addresses for {count} devices: give one address per device, "
            "or a single address (the devices then take consecutive ports)"
        )
    named = [e for e in endpoints if e.port != 0]
    if len(set(named)) != len(named):
        raise LanAddressError("two devices would share one address and port")
    return endpoints


HandledCallback = Callable[[Endpoint, ServableDevice], None]
"""Called after each request a device answered (for example to persist its state)."""


class _DiscoveryProtocol(asyncio.DatagramProtocol):
    """Answers datagrams sent to one device's own address (unicast discovery and commands)."""

    def __init__(self, server: LanServer, index: int) -> None:
        self._server = server
        self._index = index
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # asyncio's selector transport does not subclass DatagramTransport; it has its methods.
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self._server._answer_datagram(self._index, data, addr)

    def error_received(self, exc: Exception) -> None:
        # An ICMP "port unreachable" from a client that already left; nothing to do.
        _LOG.debug("UDP error on a device socket: %s", exc)


class _BroadcastProtocol(asyncio.DatagramProtocol):
    """Receives datagrams sent to 127.255.255.255 and has every device on that port answer."""

    def __init__(self, server: LanServer, port: int) -> None:
        self._server = server
        self._port = port

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        for index, (endpoint, _device) in enumerate(self._server.endpoints):
            if endpoint.port == self._port:
                self._server._answer_datagram(index, data, addr)

    def error_received(self, exc: Exception) -> None:
        _LOG.debug("UDP error on the broadcast socket: %s", exc)


class LanServer:
    """Serves devices on the LAN protocol: a TCP listener and a UDP responder per device.

    Devices on the same port also answer discovery broadcast to ``127.255.255.255`` on that port,
    each from its own address, so a client learns every device from one broadcast.
    """

    def __init__(
        self,
        devices: Iterable[tuple[Endpoint, ServableDevice]],
        *,
        discovery: bool = True,
        on_handled: HandledCallback | None = None,
        idle_timeout_s: float = IDLE_TIMEOUT_S,
    ) -> None:
        self._devices = [(Endpoint(check_loopback(e.host), e.port), d) for e, d in devices]
        self._discovery = discovery
        self._on_handled = on_handled
        self._idle_timeout_s = idle_timeout_s
        self._tcp: list[asyncio.Server] = []
        self._udp: list[_DiscoveryProtocol] = []
        self._broadcast: list[asyncio.DatagramTransport] = []
        self._connections: set[asyncio.Task[None]] = set()
        self._started = False

    @property
    def endpoints(self) -> list[tuple[Endpoint, ServableDevice]]:
        """Each device with its endpoint (real ports once started)."""
        return list(self._devices)

    async def start(self) -> None:
        """Bind every socket; on any failure, close what was opened and raise ``OSError``."""
        if self._started:
            return
        self._started = True
        try:
            for index in range(len(self._devices)):
                await self._start_device(index)
            if self._discovery:
                for port in sorted({e.port for e, _ in self._devices}):
                    await self._start_broadcast(port)
        except BaseException:
            await self.close()
            raise

    async def _start_device(self, index: int) -> None:
        endpoint, device = self._devices[index]

        async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await self._serve_connection(index, reader, writer)

        server = await asyncio.start_server(on_connect, endpoint.host, endpoint.port)
        self._tcp.append(server)
        port = int(server.sockets[0].getsockname()[1])
        if port != endpoint.port:
            endpoint = Endpoint(endpoint.host, port)
            self._devices[index] = (endpoint, device)
        if self._discovery:
            loop = asyncio.get_running_loop()
            protocol = _DiscoveryProtocol(self, index)
            # SO_REUSEADDR: a second simulator on another address must still be able to bind its
            # own device sockets and the shared broadcast address on the same port.
            sock = udp_socket((endpoint.host, port))
            await loop.create_datagram_endpoint(lambda: protocol, sock=sock)
            self._udp.append(protocol)

    async def _start_broadcast(self, port: int) -> None:
        loop = asyncio.get_running_loop()
        sock = udp_socket((LOOPBACK_BROADCAST, port))
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _BroadcastProtocol(self, port), sock=sock
        )
        self._broadcast.append(transport)

    async def serve_forever(self) -> None:
        """Serve until cancelled (Ctrl-C in the CLI)."""
        await self.start()
        await asyncio.Event().wait()

    async def close(self) -> None:
        """Stop listening and drop open connections; safe to call more than once."""
        for server in self._tcp:
            server.close()
        for protocol in self._udp:
            if protocol.transport is not None:
                protocol.transport.close()
        for transport in self._broadcast:
            transport.close()
        for task in list(self._connections):
            task.cancel()
        if self._connections:
            await asyncio.gather(*self._connections, return_exceptions=True)
        for server in self._tcp:
            with contextlib.suppress(Exception):
                await server.wait_closed()
        self._tcp.clear()
        self._udp.clear()
        self._broadcast.clear()

    async def __aenter__(self) -> LanServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _handle(self, index: int, request: dict[str, Any]) -> dict[str, Any]:
        endpoint, device = self._devices[index]
        is_online = getattr(device, "is_online", None)
        if callable(is_online) and not is_online():
            # A rebooting device does not answer on the LAN either: the client sees silence.
            raise _Silent
        response = device.handle(request)
        if self._on_handled is not None:
            self._on_handled(endpoint, device)
        return response

    def _answer_datagram(self, index: int, data: bytes, addr: tuple[str | Any, int]) -> None:
        try:
            request = lan.decode_datagram(data)
        except lan.LanProtocolError as exc:
            # Other clients' probes (for example the newer 20002 protocol) are not ours to answer.
            _LOG.debug("ignoring a datagram from %s: %s", addr, exc)
            return
        try:
            response = self._handle(index, request)
        except _Silent:
            return
        except Exception:
            _LOG.exception("device at %s failed on a datagram", self._devices[index][0])
            return
        payload = lan.encode_datagram(response)
        if len(payload) > _MAX_UDP_BYTES:
            _LOG.warning("answer of %d bytes is too large for a datagram", len(payload))
            return
        transport = self._udp[index].transport
        if transport is not None and not transport.is_closing():
            # Answer from the device's own socket: clients key devices by the reply's source.
            transport.sendto(payload, addr)

    async def _serve_connection(
        self, index: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        peer = writer.get_extra_info("peername")
        try:
            # Bounded by the idle timeout: a request/response loop, as long as the client talks.
            while True:
                async with asyncio.timeout(self._idle_timeout_s):
                    header = await reader.readexactly(4)
                    length = lan.decode_frame_length(header)
                    payload = await reader.readexactly(length)
                request = lan.decode_payload(payload)
                response = self._handle(index, request)
                writer.write(lan.encode_frame(response))
                await writer.drain()
        except asyncio.IncompleteReadError:
            pass  # the client closed the connection, as clients do between polls
        except (TimeoutError, ConnectionError, _Silent):
            pass
        except asyncio.CancelledError:
            # Only close() cancels these handler tasks; asyncio's stream callback would report a
            # cancelled handler as an error, so the handler ends normally instead.
            pass
        except lan.LanProtocolError as exc:
            # A real device drops a connection it cannot understand; do the same.
            _LOG.info("closing connection from %s: %s", peer, exc)
        except Exception:
            _LOG.exception("device at %s failed on a request", self._devices[index][0])
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


def udp_socket(address: tuple[str, int]) -> socket.socket:
    """A non-blocking UDP socket bound to ``address`` with SO_REUSEADDR (several simulators, and
    the shared loopback broadcast address, on one port)."""  # noqa: D205, D209
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except BaseException:
        sock.close()
        raise
    sock.setblocking(False)
    return sock
