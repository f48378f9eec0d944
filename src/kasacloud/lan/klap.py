"""Serve simulated SMART devices on the LAN: KLAP or AES over HTTP, and UDP 20002 discovery.

Each device speaks one of SMART's two LAN transports, as real ones do: KLAP, or the older "AES"
(``securePassthrough`` after an RSA key exchange, :mod:`kasacloud.lan.aes`), on ``POST /app``.

KLAP (PROTOCOL.md section 6, LAN side; python-kasa's ``kasa/transports/klaptransport.py`` is the
reference client), version 2 of its handshake, the one SMART devices speak:

- ``POST /app/handshake1`` with a 16-byte local seed -> a 16-byte remote seed and
  ``sha256(local_seed + remote_seed + auth_hash)``, and a ``TP_SESSIONID`` cookie;
- ``POST /app/handshake2`` with ``sha256(remote_seed + local_seed + auth_hash)``: 200 if it
  matches (the client knows the owner's TP-Link ID), 403 if not;
- ``POST /app/request?seq=N``: a 32-byte SHA-256 signature, then the SMART request encrypted
  with AES-128-CBC (key, IV and signature key derived from both seeds and the auth hash; the
  sequence number ends the IV). The answer is encrypted with the same sequence number.

``auth_hash`` is ``sha256(sha1(email) + sha1(password))`` of the device owner's TP-Link ID.

Discovery: a datagram to UDP 20002 (its 16-byte header and body are not looked at) is answered
with a 16-byte header and the device's ``discovery_result`` JSON, with its address, MAC and id,
``mgt_encrypt_schm.encrypt_type`` the transport it serves (KLAP or AES), ``lv`` 2 and its HTTP
port: python-kasa picks its transport from that.

Only loopback addresses are accepted, as for :mod:`kasacloud.lan.serve`. Needs the ``lan`` extra
(python-kasa, which brings aiohttp and cryptography): import this module only to serve.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import secrets
import struct
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol, cast

from aiohttp import web
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from kasacloud.lan.aes import AesDevicePort, AesLogin
from kasacloud.lan.serve import LOOPBACK_BROADCAST, Endpoint, check_loopback, udp_socket

log = logging.getLogger("kasacloud.lan.klap")

DEFAULT_HTTP_PORT: Final = 80
DISCOVERY_PORT: Final = 20002
SESSION_COOKIE: Final = "TP_SESSIONID"
TIMEOUT_COOKIE: Final = "TIMEOUT"
SESSION_LIFETIME_S: Final = 86_400
MAX_SESSIONS: Final = 64
"""Sessions kept per device; the oldest is dropped beyond this (clients that never came back)."""
MAX_BODY_BYTES: Final = 64 * 1024
_DISCOVERY_HEADER: Final = bytes.fromhex("02000001") + bytes(12)
_SIGNED_LONG = struct.Struct(">i")
KLAP: Final = "KLAP"
AES: Final = "AES"
ENCRYPTIONS: Final = (KLAP, AES)
"""The LAN transports served, by their names in discovery's ``encrypt_type``."""


def encryption_of_discovery(discovery: Mapping[str, Any]) -> str:
    """The transport a capture's ``discovery_result`` announces: AES or (otherwise) KLAP.

    ``mgt_encrypt_schm.encrypt_type`` first, then ``encrypt_info.sym_schm`` (python-kasa reads
    them in that order); a capture that says neither, or something else, is served KLAP.
    """
    schm = discovery.get("mgt_encrypt_schm")
    announced = schm.get("encrypt_type") if isinstance(schm, Mapping) else None
    if not announced:
        info = discovery.get("encrypt_info")
        announced = info.get("sym_schm") if isinstance(info, Mapping) else None
    return AES if str(announced or "").upper() == AES else KLAP


class KlapDevice(Protocol):
    """What the KLAP server needs of a device: its identity, and answering a SMART request."""

    device_id: str

    def handle(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """Answer one SMART request."""
        ...

    def discovery_result(self, host: str, http_port: int) -> dict[str, Any]:
        """The ``result`` of the device's UDP 20002 answer, for ``host``."""
        ...


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _sha1(data: bytes) -> bytes:
    return hashlib.sha1(data, usedforsecurity=False).digest()


def auth_hash(email: str, password: str) -> bytes:
    """KLAP v2's auth hash of a TP-Link ID."""
    return _sha256(_sha1(email.encode()) + _sha1(password.encode()))


class KlapCipher:
    """The encryption of one established session (both seeds and the auth hash)."""

    def __init__(self, local_seed: bytes, remote_seed: bytes, user_hash: bytes) -> None:
        seeds = local_seed + remote_seed + user_hash
        self._key = _sha256(b"lsk" + seeds)[:16]
        self._iv = _sha256(b"iv" + seeds)[:12]
        self._sig = _sha256(b"ldk" + seeds)[:28]
        self._algorithm = algorithms.AES(self._key)

    def _cipher(self, seq: int) -> Cipher[modes.CBC]:
        return Cipher(self._algorithm, modes.CBC(self._iv + _SIGNED_LONG.pack(seq)))

    def decrypt(self, seq: int, payload: bytes) -> bytes:
        """The plaintext of a request; ValueError if its signature or padding is wrong."""
        signature, ciphertext = payload[:32], payload[32:]
        expected = _sha256(self._sig + _SIGNED_LONG.pack(seq) + ciphertext)
        if not ciphertext or not secrets.compare_digest(signature, expected):
            raise ValueError("bad signature")
        decryptor = self._cipher(seq).decryptor()
        padded = decryptor.update(ciphertext) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        return bytes(unpadder.update(padded) + unpadder.finalize())

    def encrypt(self, seq: int, plaintext: bytes) -> bytes:
        """An answer: its signature, then the ciphertext."""
        padder = padding.PKCS7(128).padder()
        padded = padder.update(plaintext) + padder.finalize()
        encryptor = self._cipher(seq).encryptor()
        ciphertext = encryptor.update(padded) + encryptor.finalize()
        return _sha256(self._sig + _SIGNED_LONG.pack(seq) + ciphertext) + ciphertext


@dataclass(slots=True)
class _Session:
    local_seed: bytes
    remote_seed: bytes
    cipher: KlapCipher | None = None


HandledCallback = Callable[[Endpoint, KlapDevice], None]


class KlapServer:
    """Serves SMART devices: an HTTP listener (KLAP or AES) and a UDP 20002 responder per device.

    Each ``Endpoint``'s port is the HTTP port (80 by default, 0 for a free one); discovery is on
    UDP 20002 of the device's address, and on ``127.255.255.255:20002`` for broadcasts.
    ``encryptions`` gives each device's transport (:data:`KLAP` or :data:`AES`, in the order of
    ``devices``; all KLAP when omitted); both accept only the TP-Link ID ``email``/``password``.
    """

    def __init__(
        self,
        devices: Iterable[tuple[Endpoint, KlapDevice]],
        *,
        email: str,
        password: str,
        discovery: bool = True,
        discovery_port: int = DISCOVERY_PORT,
        on_handled: HandledCallback | None = None,
        encryptions: Sequence[str] | None = None,
    ) -> None:
        self._devices = [(Endpoint(check_loopback(e.host), e.port), d) for e, d in devices]
        chosen = [KLAP] * len(self._devices) if encryptions is None else list(encryptions)
        if len(chosen) != len(self._devices) or any(e not in ENCRYPTIONS for e in chosen):
            raise ValueError(f"one encryption per device, each one of {', '.join(ENCRYPTIONS)}")
        self._encryptions = chosen
        self._hash = auth_hash(email, password)
        self._aes_login = AesLogin.of(email, password)
        self._aes: dict[int, AesDevicePort] = {}
        self._discovery = discovery
        self._discovery_port = discovery_port
        self._on_handled = on_handled
        self._sessions: list[OrderedDict[str, _Session]] = [OrderedDict() for _ in self._devices]
        self._runners: list[web.AppRunner] = []
        self._broadcast: asyncio.DatagramTransport | None = None
        self._udp: list[asyncio.DatagramTransport] = []
        self._started = False

    @property
    def endpoints(self) -> list[tuple[Endpoint, KlapDevice]]:
        """Each device with its endpoint (real HTTP ports once started)."""
        return list(self._devices)

    @property
    def encryptions(self) -> list[str]:
        """The transport each device serves (KLAP or AES), in the order of :attr:`endpoints`."""
        return list(self._encryptions)

    async def start(self) -> None:
        """Bind every socket; on failure close what was opened and raise ``OSError``."""
        if self._started:
            return
        self._started = True
        try:
            for index in range(len(self._devices)):
                await self._start_http(index)
            if self._discovery:
                for index in range(len(self._devices)):
                    await self._start_udp(index, self._devices[index][0].host)
                await self._start_udp(None, LOOPBACK_BROADCAST)
        except BaseException:
            await self.close()
            raise

    async def _start_http(self, index: int) -> None:
        app = web.Application(client_max_size=MAX_BODY_BYTES)

        async def handshake1(request: web.Request) -> web.StreamResponse:
            return await self._handshake1(index, request)

        async def handshake2(request: web.Request) -> web.StreamResponse:
            return await self._handshake2(index, request)

        async def query(request: web.Request) -> web.StreamResponse:
            return await self._request(index, request)

        async def aes(request: web.Request) -> web.StreamResponse:
            return await self._aes_request(index, request)

        # A device answers one transport: the other one's paths are not there (404), as on a
        # real device.
        if self._encryptions[index] == AES:
            app.router.add_post("/app", aes)
        else:
            app.router.add_post("/app/handshake1", handshake1)
            app.router.add_post("/app/handshake2", handshake2)
            app.router.add_post("/app/request", query)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        self._runners.append(runner)
        endpoint, device = self._devices[index]
        site = web.TCPSite(runner, endpoint.host, endpoint.port)
        await site.start()
        server = cast(Any, site)._server
        port = int(server.sockets[0].getsockname()[1])
        if port != endpoint.port:
            self._devices[index] = (Endpoint(endpoint.host, port), device)

    async def _start_udp(self, index: int | None, host: str) -> None:
        loop = asyncio.get_running_loop()
        server = self

        class Responder(asyncio.DatagramProtocol):
            transport: asyncio.DatagramTransport | None = None

            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                self.transport = cast(asyncio.DatagramTransport, transport)

            def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
                targets = range(len(server._devices)) if index is None else [index]
                for target in targets:
                    server._answer_discovery(target, addr)

            def error_received(self, exc: Exception) -> None:
                log.debug("UDP error on a discovery socket: %s", exc)

        sock = udp_socket((host, self._discovery_port))
        transport, _ = await loop.create_datagram_endpoint(Responder, sock=sock)
        if index is not None:
            self._udp.append(transport)
        else:
            self._broadcast = transport

    def _answer_discovery(self, index: int, addr: tuple[str | Any, int]) -> None:
        endpoint, device = self._devices[index]
        result = device.discovery_result(endpoint.host, endpoint.port)
        schm = result.get("mgt_encrypt_schm")
        schm = dict(schm) if isinstance(schm, Mapping) else {"is_support_https": False, "lv": 2}
        schm.update({"encrypt_type": self._encryptions[index], "http_port": endpoint.port})
        result = {**result, "mgt_encrypt_schm": schm}
        # encrypt_info is the capture's own discovery key exchange: never replayed.
        result.pop("encrypt_info", None)
        payload = _DISCOVERY_HEADER + json.dumps({"error_code": 0, "result": result}).encode()
        if index < len(self._udp) and not self._udp[index].is_closing():
            # From the device's own socket: clients key devices by the reply's source address.
            self._udp[index].sendto(payload, addr)

    async def serve_forever(self) -> None:
        """Serve until cancelled."""
        await self.start()
        await asyncio.Event().wait()

    async def close(self) -> None:
        """Stop listening; safe to call more than once."""
        for transport in self._udp:
            transport.close()
        if self._broadcast is not None:
            self._broadcast.close()
            self._broadcast = None
        for runner in self._runners:
            with contextlib.suppress(Exception):
                await runner.cleanup()
        self._udp.clear()
        self._runners.clear()

    async def __aenter__(self) -> KlapServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # --- KLAP -------------------------------------------------------------------------------

    def _online(self, index: int) -> bool:
        is_online = getattr(self._devices[index][1], "is_online", None)
        return not callable(is_online) or bool(is_online())

    async def _handshake1(self, index: int, request: web.Request) -> web.StreamResponse:
        if not self._online(index):
            raise web.HTTPServiceUnavailable
        local_seed = await request.read()
        if len(local_seed) != 16:
            return web.Response(status=400)
        remote_seed = secrets.token_bytes(16)
        session_id = secrets.token_hex(16).upper()
        sessions = self._sessions[index]
        sessions[session_id] = _Session(local_seed, remote_seed)
        while len(sessions) > MAX_SESSIONS:
            sessions.popitem(last=False)
        body = remote_seed + _sha256(local_seed + remote_seed + self._hash)
        response = web.Response(body=body, content_type="application/octet-stream")
        response.set_cookie(SESSION_COOKIE, session_id)
        response.set_cookie(TIMEOUT_COOKIE, str(SESSION_LIFETIME_S))
        return response

    async def _handshake2(self, index: int, request: web.Request) -> web.StreamResponse:
        session = self._sessions[index].get(request.cookies.get(SESSION_COOKIE, ""))
        body = await request.read()
        if session is None:
            return web.Response(status=403)
        expected = _sha256(session.remote_seed + session.local_seed + self._hash)
        if not secrets.compare_digest(body, expected):
            # Someone without the owner's TP-Link ID: refused, and nothing is logged of it.
            return web.Response(status=403)
        session.cipher = KlapCipher(session.local_seed, session.remote_seed, self._hash)
        return web.Response(status=200)

    async def _request(self, index: int, request: web.Request) -> web.StreamResponse:
        if not self._online(index):
            raise web.HTTPServiceUnavailable
        session = self._sessions[index].get(request.cookies.get(SESSION_COOKIE, ""))
        seq_text = request.query.get("seq", "")
        if session is None or session.cipher is None:
            return web.Response(status=403)
        try:
            seq = int(seq_text)
            _SIGNED_LONG.pack(seq)
            plaintext = session.cipher.decrypt(seq, await request.read())
            smart_request = json.loads(plaintext)
        except (ValueError, struct.error) as exc:
            log.info("refused a KLAP request to %s: %s", self._devices[index][0], exc)
            return web.Response(status=400)
        endpoint, device = self._devices[index]
        if not isinstance(smart_request, dict):
            answer: dict[str, Any] = {"error_code": -1003}
        else:
            answer = device.handle(smart_request)
            if self._on_handled is not None:
                self._on_handled(endpoint, device)
        body = session.cipher.encrypt(seq, json.dumps(answer, separators=(",", ":")).encode())
        return web.Response(body=body, content_type="application/octet-stream")

    # --- AES (securePassthrough) ------------------------------------------------------------

    def _aes_port(self, index: int) -> AesDevicePort:
        port = self._aes.get(index)
        if port is None:
            endpoint, device = self._devices[index]

            def handle(request: Mapping[str, Any]) -> dict[str, Any]:
                answer = device.handle(request)
                if self._on_handled is not None:
                    self._on_handled(endpoint, device)
                return answer

            port = self._aes[index] = AesDevicePort(self._aes_login, handle, MAX_SESSIONS)
        return port

    async def _aes_request(self, index: int, request: web.Request) -> web.StreamResponse:
        if not self._online(index):
            raise web.HTTPServiceUnavailable
        body = await request.read()
        token = request.query.get("token")
        answer = self._aes_port(index).answer(body, request.cookies.get(SESSION_COOKIE), token)
        response = web.json_response(answer.body)
        if answer.new_session is not None:
            response.set_cookie(SESSION_COOKIE, answer.new_session)
            response.set_cookie(TIMEOUT_COOKIE, str(SESSION_LIFETIME_S))
        return response
