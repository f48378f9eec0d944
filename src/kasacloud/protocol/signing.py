"""V2 request signing: ``Content-MD5`` and the HMAC-SHA1 ``X-Authorization`` header.

``Signature = hex(HMAC-SHA1(secret_key, md5 + LF + timestamp + LF + nonce + LF + path))`` where the
path has no query string (``/`` for device calls). The app key pairs are public: the community
extracted them from the Android apps.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from kasacloud.protocol import assumptions


@dataclass(frozen=True, slots=True)
class AppKey:
    """An app's identity towards the V2 cloud: its ``appType`` and access/secret key pair."""

    name: str
    app_type: str
    access_key: str
    secret_key: str = field(repr=False)


KASA_APP: Final = AppKey(
    "kasa",
    "Kasa_Android_Mix",
    "e37525375f8845999bcc56d5e6faa76d",
    "314bc6700b3140ca80bc655e527cb062",
)
TAPO_APP: Final = AppKey(
    "tapo",
    "TP-Link_Tapo_Android",
    "4d11b6b9d5ea4d19a829adbb9714b057",
    "6ed7d97f3e73467f8a5bab90b577ba4c",
)
KNOWN_APPS: Final = (KASA_APP, TAPO_APP)

AUTHORIZATION_HEADER: Final = "X-Authorization"
CONTENT_MD5_HEADER: Final = "Content-MD5"


class SignatureError(ValueError):
    """A V2 request's signature is missing, malformed or wrong; the message says which."""


@dataclass(frozen=True, slots=True)
class Verified:
    """What a valid signature vouches for: the app whose key signed, the nonce and timestamp."""

    app: AppKey
    nonce: str
    timestamp: str


def _same(given: str, expected: str) -> bool:
    """Constant-time comparison that also takes non-ASCII input (headers may hold any byte)."""
    return hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )


def content_md5(body: bytes) -> str:
    """``base64(md5(body))``, the value of the ``Content-MD5`` header."""
    return base64.b64encode(hashlib.md5(body, usedforsecurity=False).digest()).decode("ascii")


def signature(secret_key: str, md5: str, timestamp: str, nonce: str, path: str) -> str:
    """The hex HMAC-SHA1 signature over ``md5``, ``timestamp``, ``nonce`` and ``path``."""
    message = f"{md5}\n{timestamp}\n{nonce}\n{path}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha1).hexdigest()


def sign(
    app: AppKey,
    body: bytes,
    path: str,
    *,
    timestamp: str | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """Return the headers that sign a request: ``Content-MD5`` and ``X-Authorization``.

    ``path`` is the URL path without its query string. ``timestamp`` defaults to the current Unix
    time, ``nonce`` to a fresh UUID4.
    """
    md5 = content_md5(body)
    ts = timestamp if timestamp is not None else str(int(time.time()))
    nonce = nonce if nonce is not None else str(uuid.uuid4())
    sig = signature(app.secret_key, md5, ts, nonce, path)
    return {
        CONTENT_MD5_HEADER: md5,
        AUTHORIZATION_HEADER: (
            f"Timestamp={ts}, Nonce={nonce}, AccessKey={app.access_key}, Signature={sig}"
        ),
    }


def parse_authorization(value: str) -> dict[str, str]:
    """Split an ``X-Authorization`` value into its ``Key=value`` parts.

    Raises:
        SignatureError: when a part is malformed or one of the four parts is missing.
    """
    parts: dict[str, str] = {}
    for item in value.split(","):
        key, sep, val = item.strip().partition("=")
        if not sep or not key:
            raise SignatureError(f"malformed X-Authorization part {item.strip()!r}")
        parts[key] = val
    missing = [k for k in ("Timestamp", "Nonce", "AccessKey", "Signature") if not parts.get(k)]
    if missing:
        raise SignatureError(f"X-Authorization lacks {', '.join(missing)}")
    return parts


def verify(
    headers: Mapping[str, str],
    body: bytes,
    path: str,
    apps: Iterable[AppKey] = KNOWN_APPS,
    *,
    now: float | None = None,
) -> AppKey:
    """Check a signed request; return the app whose key signed it (see :func:`check`).

    Raises:
        SignatureError: with a message that says what is wrong.
    """
    return check(headers, body, path, apps, now=now).app


def check(
    headers: Mapping[str, str],
    body: bytes,
    path: str,
    apps: Iterable[AppKey] = KNOWN_APPS,
    *,
    now: float | None = None,
) -> Verified:
    """Check a signed request; return what the signature vouches for.

    ``headers`` must look up case-insensitively (as Starlette's and httpx's do). Timestamps are
    accepted when they are the fixed ``9999999999`` or a finite number within
    ``SIGNATURE_MAX_SKEW_S`` of now. Whether the nonce was seen before is the server's to check
    (it needs memory): see ``NONCE_RETENTION_S``.

    Raises:
        SignatureError: with a message that says what is wrong.
    """
    md5 = headers.get(CONTENT_MD5_HEADER)
    if not md5:
        raise SignatureError("the Content-MD5 header is missing")
    if not _same(md5, content_md5(body)):
        raise SignatureError("Content-MD5 does not match the body")
    auth = headers.get(AUTHORIZATION_HEADER)
    if not auth:
        raise SignatureError("the X-Authorization header is missing")
    parts = parse_authorization(auth)
    app = next((a for a in apps if a.access_key == parts["AccessKey"]), None)
    if app is None:
        raise SignatureError("unknown AccessKey")
    ts = parts["Timestamp"]
    if ts != assumptions.FIXED_TIMESTAMP:
        try:
            stamp = float(ts)
        except ValueError:
            raise SignatureError("Timestamp is not a number") from None
        if not math.isfinite(stamp):  # nan would pass any comparison with the window
            raise SignatureError("Timestamp is not a finite number")
        if abs(stamp - (time.time() if now is None else now)) > assumptions.SIGNATURE_MAX_SKEW_S:
            raise SignatureError("Timestamp is too far from the server's clock")
    nonce = parts["Nonce"]
    if len(nonce) > assumptions.MAX_NONCE_CHARS:
        raise SignatureError(f"Nonce is longer than {assumptions.MAX_NONCE_CHARS} characters")
    expected = signature(app.secret_key, md5, ts, nonce, path)
    if not _same(expected, parts["Signature"].lower()):
        raise SignatureError("Signature does not match")
    return Verified(app, nonce, ts)
