"""A fault-injecting HTTP/1.1 proxy on loopback, between a client and a real local cloud.

It forwards each request to the upstream and, as its plan says, answers it faithfully or with a
fault: the connection dropped, reset (RST), the answer delayed past the client's timeout, an HTTP
5xx page, the body truncated, garbage bytes, or JSON that is not a cloud envelope, or
a success envelope of the wrong shape.
URLs of the upstream inside answers (``appServerUrl``) are rewritten to the proxy, so that every
later call comes through it too.

It runs its own event loop in a daemon thread, so async and blocking clients can use it alike.
Only 127.0.0.1 is ever dialled.
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import ssl
import struct
import threading
from collections.abc import Callable
from typing import Final

FAULTS: Final = (
    "drop",
    "reset",
    "delay",
    "5xx",
    "truncate",
    "garbage",
    "not_envelope",
    "wrong_shape",
)
"""Every fault the proxy can inject (``"pass"`` forwards faithfully)."""

MAX_HEAD: Final = 64 * 1024
MAX_BODY: Final = 4 * 1024 * 1024

Plan = Callable[[bytes], str]
"""Given a request body, the fault to apply to it (or ``"pass"``)."""


def always(fault: str) -> Plan:
    return lambda _body: fault


def at_random(rate: float, seed: int, faults: tuple[str, ...] = FAULTS) -> Plan:
    rng = random.Random(seed)
    return lambda _body: rng.choice(faults) if rng.random() < rate else "pass"


class FaultProxy:
    """``with FaultProxy(upstream_url) as proxy:`` then point the client at ``proxy.url``."""

    def __init__(
        self, upstream_url: str, *, delay_s: float = 1.0, tls: ssl.SSLContext | None = None
    ) -> None:
        host_port = upstream_url.split("://", 1)[1].rstrip("/")
        host, port = host_port.rsplit(":", 1)
        assert host == "127.0.0.1", "the fault proxy only forwards to loopback"
        self.upstream = (host, int(port))
        self.upstream_url = upstream_url.rstrip("/")
        self.delay_s = delay_s
        self.tls = tls  # with a server context, clients speak HTTPS to https://localhost:<port>
        self.plan: Plan = always("pass")
        self.counts: dict[str, int] = {}
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    @property
    def url(self) -> str:
        if self.tls is not None:
            return f"https://localhost:{self.port}"
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        future.result(timeout=10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.tls)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        await self._server.wait_closed()

    # ---- one client connection ------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        try:
            while True:
                request = await _read_message(reader)
                if request is None:
                    return
                head, body = request
                fault = self.plan(body)
                self.counts[fault] = self.counts.get(fault, 0) + 1
                if fault == "drop":
                    return
                if fault == "reset" and self.tls is None:
                    sock = writer.get_extra_info("socket")
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    writer.transport.abort()
                    return
                if fault == "reset":  # under TLS: the connection cut without a TLS goodbye
                    writer.transport.abort()
                    return
                if fault == "delay":
                    await asyncio.sleep(self.delay_s)
                    return
                if fault == "5xx":
                    page = b"<html><body>502 Bad Gateway</body></html>"
                    writer.write(_response(502, "Bad Gateway", page, "text/html"))
                    await writer.drain()
                    continue
                if upstream is None:
                    upstream = await asyncio.open_connection(*self.upstream)
                up_reader, up_writer = upstream
                up_writer.write(head + body)
                await up_writer.drain()
                answer = await _read_message(up_reader)
                if answer is None:
                    return
                answer_head, answer_body = answer
                answer_body = answer_body.replace(self.upstream_url.encode(), self.url.encode())
                status = int(answer_head.split(b" ", 2)[1])
                if fault == "truncate":
                    full = _response(status, "OK", answer_body, "application/json")
                    writer.write(full[: len(full) - max(1, len(answer_body) // 2)])
                    await writer.drain()
                    return
                if fault == "garbage":
                    noise = random.Random(len(answer_body)).randbytes(max(8, len(answer_body)))
                    writer.write(_response(200, "OK", noise, "application/json"))
                elif fault == "not_envelope":
                    writer.write(_response(200, "OK", b'[{"result": {}}]', "application/json"))
                elif fault == "wrong_shape":
                    shape = {"error_code": 0, "result": {"responseData": "{not json", "token": 7}}
                    text = json.dumps(shape).encode()
                    writer.write(_response(200, "OK", text, "application/json"))
                else:
                    writer.write(_response(status, "OK", answer_body, "application/json"))
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            return
        finally:
            self._writers.discard(writer)
            if upstream is not None:
                upstream[1].close()
            if not writer.transport.is_closing():
                writer.close()


async def _read_message(reader: asyncio.StreamReader) -> tuple[bytes, bytes] | None:
    """One HTTP/1.1 message framed by Content-Length (what both sides here send)."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    except asyncio.LimitOverrunError:
        return None
    if len(head) > MAX_HEAD:
        return None
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if length > MAX_BODY:
        return None
    body = await reader.readexactly(length) if length else b""
    return head, body


def _response(status: int, reason: str, body: bytes, content_type: str) -> bytes:
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        f"Content-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: keep-alive\r\n\r\n"
    ).encode()
    return head + body
