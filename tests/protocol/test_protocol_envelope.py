"""The envelope: building answers, and reading outer and nested error codes."""

from __future__ import annotations

import pytest

from kasacloud.protocol import envelope, errors
from kasacloud.protocol.envelope import EnvelopeError, parse_reply
from kasacloud.protocol.errors import ErrorCode, Retry


def test_success_and_failure_shapes() -> None:
    assert envelope.request("login", {"a": 1}) == {"method": "login", "params": {"a": 1}}
    assert envelope.success() == {"error_code": 0, "result": {}}
    assert envelope.failure(-20601) == {"error_code": -20601, "msg": "Incorrect email or password"}
    redirect = envelope.failure(-20212, result={"appServerUrl": "https://x"})
    assert redirect["result"] == {"appServerUrl": "https://x"}


def test_parse_outer_codes() -> None:
    ok = parse_reply({"error_code": 0, "result": {"token": "t"}})
    assert ok.ok
    assert ok.result == {"token": "t"}
    bad = parse_reply({"error_code": -20651, "msg": "Token expired"})
    assert not bad.ok
    assert (bad.error_code, bad.msg) == (-20651, "Token expired")
    assert parse_reply({"error_code": "-20652"}).error_code == -20652
    assert parse_reply({"error_code": -20571}).msg == "Device is offline"  # default message


def test_parse_nested_mfa_code() -> None:
    body = envelope.nested_failure(-20677, {"MFAProcessId": "p", "supportedMFATypes": [2]})
    assert body["error_code"] == 0
    assert body["result"]["errorCode"] == "-20677"
    reply = parse_reply(body)
    assert reply.error_code == ErrorCode.MFA_REQUIRED
    assert reply.result["MFAProcessId"] == "p"
    assert not reply.ok
    # The outer code wins when it is set.
    assert parse_reply({"error_code": -20601, "result": {"errorCode": "-20677"}}).error_code == (
        -20601
    )
    # A nested code of 0 is success.
    assert parse_reply({"error_code": 0, "result": {"errorCode": "0"}}).ok


@pytest.mark.parametrize("body", [None, [], "x", {}, {"error_code": None}, {"error_code": True}])
def test_parse_refuses_non_envelopes(body: object) -> None:
    with pytest.raises(EnvelopeError):
        parse_reply(body)


def test_error_table() -> None:
    assert errors.lookup(-20651).retry is Retry.REFRESH
    assert errors.lookup(-20601).retry is Retry.NEVER
    assert errors.lookup(-20004).retry is Retry.LONG_BACKOFF
    assert errors.lookup(-20212).retry is Retry.REDIRECT
    unknown = errors.lookup(-99999)
    assert unknown.retry is Retry.NEVER
    for code in ErrorCode:
        if code != ErrorCode.OK:
            assert code in errors.ERRORS, code
