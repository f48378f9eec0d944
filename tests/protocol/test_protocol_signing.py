"""V2 signing: known answers, the header format, and verification."""

from __future__ import annotations

import base64
import hashlib
import hmac

import httpx
import pytest

from kasacloud.protocol import assumptions, signing
from kasacloud.protocol.signing import KASA_APP, KNOWN_APPS, TAPO_APP, AppKey, SignatureError

BODY = b'{"method":"getDeviceList"}'


def test_content_md5_known_answers() -> None:
    # RFC 1321 test suite: md5("") and md5("abc"), base64 encoded.
    assert (
        signing.content_md5(b"")
        == base64.b64encode(bytes.fromhex("d41d8cd98f00b204e9800998ecf8427e")).decode()
    )
    assert (
        signing.content_md5(b"abc")
        == base64.b64encode(bytes.fromhex("900150983cd24fb0d6963f7d28e17f72")).decode()
    )


def test_hmac_sha1_known_answer() -> None:
    # RFC 2202 test case 2 through the same primitive the signature uses.
    digest = hmac.new(b"Jefe", b"what do ya want for nothing?", hashlib.sha1).hexdigest()
    assert digest == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"


def test_signature_known_answers() -> None:
    md5 = signing.content_md5(BODY)
    assert md5 == "zV3b84BUr2koM3b1/M18dw=="
    sig = signing.signature(KASA_APP.secret_key, md5, "9999999999", "2b2c-nonce", "/")
    assert sig == "2ff4620ca404bde0301eee39a4d2e89a5c65f345"
    empty = signing.signature(
        TAPO_APP.secret_key, signing.content_md5(b""), "1700000000", "n", "/api/v2/account/login"
    )
    assert empty == "9878844af72474958082885ef4c825ec556f7be3"


def test_signature_is_hmac_sha1_over_the_documented_string() -> None:
    md5 = signing.content_md5(BODY)
    message = f"{md5}\n123\nabc\n/api/v2/account/login".encode()
    expected = hmac.new(KASA_APP.secret_key.encode(), message, hashlib.sha1).hexdigest()
    assert signing.signature(KASA_APP.secret_key, md5, "123", "abc", "/api/v2/account/login") == (
        expected
    )


def test_sign_builds_both_headers() -> None:
    headers = signing.sign(KASA_APP, BODY, "/", timestamp="9999999999", nonce="2b2c-nonce")
    assert headers["Content-MD5"] == "zV3b84BUr2koM3b1/M18dw=="
    assert headers["X-Authorization"] == (
        "Timestamp=9999999999, Nonce=2b2c-nonce, "
        f"AccessKey={KASA_APP.access_key}, Signature=2ff4620ca404bde0301eee39a4d2e89a5c65f345"
    )


def test_secret_key_is_not_in_repr() -> None:
    assert KASA_APP.secret_key not in repr(KASA_APP)


@pytest.mark.parametrize("app", KNOWN_APPS)
def test_verify_round_trip_with_case_insensitive_headers(app: AppKey) -> None:
    headers = httpx.Headers(signing.sign(app, BODY, "/"))
    lowered = httpx.Headers({k.lower(): v for k, v in headers.items()})
    assert signing.verify(lowered, BODY, "/") == app


def test_verify_fixed_timestamp_and_skew() -> None:
    old = signing.sign(KASA_APP, BODY, "/", timestamp="1000")
    with pytest.raises(SignatureError, match="Timestamp"):
        signing.verify(
            httpx.Headers(old), BODY, "/", now=1000 + assumptions.SIGNATURE_MAX_SKEW_S + 1
        )
    assert signing.verify(httpx.Headers(old), BODY, "/", now=1000 + 10) == KASA_APP
    fixed = signing.sign(KASA_APP, BODY, "/", timestamp=assumptions.FIXED_TIMESTAMP)
    assert signing.verify(httpx.Headers(fixed), BODY, "/", now=0) == KASA_APP


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda h: h.pop("Content-MD5"), "Content-MD5 header is missing"),
        (lambda h: h.pop("X-Authorization"), "X-Authorization header is missing"),
        (lambda h: h.update({"Content-MD5": signing.content_md5(b"x")}), "does not match the body"),
        (lambda h: h.update({"X-Authorization": "Timestamp=1"}), "lacks"),
        (lambda h: h.update({"X-Authorization": "garbage"}), "malformed"),
    ],
)
def test_verify_says_what_is_wrong(change, message: str) -> None:
    headers = signing.sign(KASA_APP, BODY, "/")
    change(headers)
    with pytest.raises(SignatureError, match=message):
        signing.verify(httpx.Headers(headers), BODY, "/")


def test_verify_refuses_other_path_key_and_apps() -> None:
    headers = httpx.Headers(signing.sign(KASA_APP, BODY, "/"))
    with pytest.raises(SignatureError, match="Signature does not match"):
        signing.verify(headers, BODY, "/api/v2/account/login")
    with pytest.raises(SignatureError, match="unknown AccessKey"):
        signing.verify(headers, BODY, "/", apps=[TAPO_APP])
    forged = httpx.Headers(signing.sign(AppKey("x", "x", KASA_APP.access_key, "nope"), BODY, "/"))
    with pytest.raises(SignatureError, match="Signature does not match"):
        signing.verify(forged, BODY, "/")


def test_parse_authorization() -> None:
    parts = signing.parse_authorization("Timestamp=1, Nonce=n, AccessKey=a, Signature=s")
    assert parts == {"Timestamp": "1", "Nonce": "n", "AccessKey": "a", "Signature": "s"}
