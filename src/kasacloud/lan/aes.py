"""The device side of SMART's older LAN transport, "AES" (``securePassthrough``).

Older SMART firmware (the captures' discovery says ``encrypt_type`` AES) does not speak KLAP. All
of it is ``POST /app`` with a JSON body (python-kasa's ``kasa/transports/aestransport.py`` is the
reference client):

1. ``{"method": "handshake", "params": {"key": "<client RSA public key, PEM>"}}``: the device
   picks a 16-byte AES key and a 16-byte IV, encrypts ``key + iv`` with the client's key
   (RSA PKCS#1 v1.5) and answers ``{"error_code": 0, "result": {"key": "<base64>"}}`` with a
   ``TP_SESSIONID`` cookie (and ``TIMEOUT``, the session's lifetime in seconds);
2. ``{"method": "securePassthrough", "params": {"request": "<base64 AES-128-CBC>"}}`` carries
   every request of the session, the answer likewise in ``result.response``. The first must be
   ``login_device`` with ``username`` = base64(sha1-hex(email)) and either ``password`` =
   base64(password) (login version 1) or ``password2`` = base64(sha1-hex(password)) (version 2);
   it answers a ``token``, which the client then puts in the URL (``/app?token=...``).

Errors, as python-kasa reads them: an unknown session cookie is 9999 (session timeout: the client
starts a new handshake), a wrong TP-Link ID -1501 (login error), a request before login or with
another token -1501 too, an undecipherable payload -1005, JSON that is not a request -1003.

This module is only the protocol state of one device (no sockets): :class:`AesDevicePort` turns
one ``POST /app`` body into its answer. :class:`kasacloud.lan.klap.KlapServer` serves it over HTTP.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from cryptography.hazmat.primitives import padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

SESSION_TIMEOUT: Final = 9999
LOGIN_ERROR: Final = -1501
AES_DECODE_FAIL: Final = -1005
JSON_DECODE_FAIL: Final = -1003
METHOD_NOT_SUPPORTED: Final = -1002
HANDSHAKE_FAILED: Final = 1100
MIN_RSA_BITS: Final = 1024
MAX_RSA_BITS: Final = 4096
"""Client keys outside this range are refused: too weak, or costly to encrypt for."""


def _sha1_hex(data: bytes) -> str:
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@dataclass(frozen=True, slots=True, repr=False)
class AesLogin:
    """The ``login_device`` values that prove a TP-Link ID (base64 strings; never logged)."""

    username: str
    password: str
    password2: str

    @classmethod
    def of(cls, email: str, password: str) -> AesLogin:
        """The values python-kasa sends for ``email``/``password`` (login versions 1 and 2)."""
        return cls(
            username=_b64(_sha1_hex(email.encode()).encode()),
            password=_b64(password.encode()),
            password2=_b64(_sha1_hex(password.encode()).encode()),
        )

    def accepts(self, params: Mapping[str, Any]) -> bool:
        """Whether ``login_device`` params name this TP-Link ID (either login version)."""
        username = params.get("username")
        if not isinstance(username, str) or not _same(username, self.username):
            return False
        password2 = params.get("password2")
        if isinstance(password2, str):
            return _same(password2, self.password2)
        password = params.get("password")
        return isinstance(password, str) and _same(password, self.password)

    def __repr__(self) -> str:
        return "AesLogin(<redacted>)"


def _same(given: str, expected: str) -> bool:
    return secrets.compare_digest(given.encode(), expected.encode())


class AesSessionCipher:
    """AES-128-CBC with PKCS#7 padding and base64, one key and IV for a whole session."""

    def __init__(self, key: bytes, iv: bytes) -> None:
        if len(key) != 16 or len(iv) != 16:
            raise ValueError("the AES key and IV are 16 bytes each")
        self._key = key
        self._iv = iv

    def _cipher(self) -> Cipher[modes.CBC]:
        return Cipher(algorithms.AES(self._key), modes.CBC(self._iv))

    def encrypt(self, plaintext: bytes) -> str:
        """The base64 ciphertext of ``plaintext``."""
        padder = padding.PKCS7(128).padder()
        padded = padder.update(plaintext) + padder.finalize()
        encryptor = self._cipher().encryptor()
        return _b64(encryptor.update(padded) + encryptor.finalize())

    def decrypt(self, text: str) -> bytes:
        """The plaintext of base64 ``text``; ValueError if it is not base64 or badly padded."""
        raw = base64.b64decode(text.encode(), validate=True)
        if not raw or len(raw) % 16:
            raise ValueError("not whole AES blocks")
        decryptor = self._cipher().decryptor()
        padded = decryptor.update(raw) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        return bytes(unpadder.update(padded) + unpadder.finalize())

    def __repr__(self) -> str:
        return "AesSessionCipher(<redacted>)"


def wrap_session_key(public_key_pem: str, key_and_iv: bytes) -> str:
    """``key_and_iv`` encrypted for the client's RSA key (PKCS#1 v1.5), base64.

    Raises:
        ValueError: the PEM is not an RSA public key of 1024..4096 bits.
    """
    try:
        public_key = serialization.load_pem_public_key(public_key_pem.encode())
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not a PEM public key: {exc}") from None
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise ValueError("not an RSA key")
    if not MIN_RSA_BITS <= public_key.key_size <= MAX_RSA_BITS:
        raise ValueError(f"an RSA key of {public_key.key_size} bits")
    return _b64(public_key.encrypt(key_and_iv, rsa_padding.PKCS1v15()))


@dataclass(slots=True, repr=False)
class _Session:
    cipher: AesSessionCipher
    token: str | None = None


@dataclass(frozen=True, slots=True)
class AesAnswer:
    """What to answer one ``POST /app``: the JSON body, and a new session id to set as cookie."""

    body: dict[str, Any]
    new_session: str | None = None


@dataclass(slots=True)
class AesDevicePort:
    """One device's AES transport state: its sessions, and who may log in.

    ``handle`` answers a SMART request once the client is logged in (the device's own answer,
    errors included); nothing of the TP-Link ID or the session keys is ever logged.
    """

    login: AesLogin
    handle: Callable[[Mapping[str, Any]], dict[str, Any]]
    max_sessions: int = 64
    _sessions: OrderedDict[str, _Session] = field(default_factory=OrderedDict)

    def answer(self, body: bytes, session_id: str | None, token: str | None) -> AesAnswer:
        """Answer the body of one ``POST /app`` sent with cookie ``session_id`` and ``token``."""
        try:
            request = json.loads(body)
        except ValueError:
            return AesAnswer({"error_code": JSON_DECODE_FAIL})
        if not isinstance(request, dict):
            return AesAnswer({"error_code": JSON_DECODE_FAIL})
        params = request.get("params")
        params = params if isinstance(params, dict) else {}
        method = request.get("method")
        if method == "handshake":
            return self._handshake(params)
        if method != "securePassthrough":
            # Unencrypted requests other than the handshake are not served (a real device's way).
            return AesAnswer({"error_code": METHOD_NOT_SUPPORTED})
        session = self._sessions.get(session_id or "")
        if session is None:
            return AesAnswer({"error_code": SESSION_TIMEOUT})
        inner = self._secure(session, params, token)
        if isinstance(inner, int):
            return AesAnswer({"error_code": inner})
        encrypted = session.cipher.encrypt(json.dumps(inner, separators=(",", ":")).encode())
        return AesAnswer({"error_code": 0, "result": {"response": encrypted}})

    def _handshake(self, params: Mapping[str, Any]) -> AesAnswer:
        pem = params.get("key")
        key, iv = secrets.token_bytes(16), secrets.token_bytes(16)
        try:
            if not isinstance(pem, str):
                raise ValueError("no key")
            wrapped = wrap_session_key(pem, key + iv)
        except ValueError:
            return AesAnswer({"error_code": HANDSHAKE_FAILED})
        session_id = secrets.token_hex(16).upper()
        self._sessions[session_id] = _Session(AesSessionCipher(key, iv))
        # Bounded: clients that never come back must not grow the table for ever.
        while len(self._sessions) > self.max_sessions:
            self._sessions.popitem(last=False)
        return AesAnswer({"error_code": 0, "result": {"key": wrapped}}, new_session=session_id)

    def _secure(
        self, session: _Session, params: Mapping[str, Any], token: str | None
    ) -> dict[str, Any] | int:
        """The inner answer of a ``securePassthrough``, or an outer error code."""
        text = params.get("request")
        if not isinstance(text, str):
            return AES_DECODE_FAIL
        try:
            inner = json.loads(session.cipher.decrypt(text))
        except ValueError:
            return AES_DECODE_FAIL
        if not isinstance(inner, dict):
            return {"error_code": JSON_DECODE_FAIL}
        if inner.get("method") == "login_device":
            inner_params = inner.get("params")
            if not isinstance(inner_params, dict) or not self.login.accepts(inner_params):
                session.token = None
                return {"error_code": LOGIN_ERROR}
            session.token = secrets.token_hex(16).upper()
            return {"error_code": 0, "result": {"token": session.token}}
        if session.token is None or token is None or not _same(token, session.token):
            return LOGIN_ERROR
        return self.handle(inner)
