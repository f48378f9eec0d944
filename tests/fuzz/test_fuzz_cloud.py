"""The cloud's whole wire, fuzzed (issue 11, point 2): V1 calls, V2 account calls, signed V2
device calls (the V1 envelope on ``/`` and SMART's common passthrough), and their query strings
and headers.

Each example is a request from a grammar of valid ones (real methods, a real token, real device
ids, real device commands), with mutations: nesting past any limit, numbers of thousands of
digits, NaN, lone surrogates, bytes that are not UTF-8, wrong types, missing and unknown keys,
cut or padded bodies, bad signatures. Every answer must be the cloud's own shape, never a 5xx,
on a keep-alive connection the server keeps open.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fuzz_helpers import (
    DEMO,
    MFA_EMAIL,
    RawConnection,
    Target,
    assert_cloud_answer,
    byte_mutated,
    device_request,
    encode,
    fuzz_settings,
    mutants,
    mutated,
    odd_text,
    query_string,
    request_data,
)
from hypothesis import given
from hypothesis import strategies as st

from kasacloud.protocol import assumptions, signing
from kasacloud.protocol.signing import KASA_APP, TAPO_APP
from kasacloud.server import v1, v2

JSON_HEADERS = {"Content-Type": "application/json"}
emails = st.sampled_from([DEMO[0], MFA_EMAIL, "nobody@example.com", "DEMO@example.com "]) | st.text(
    max_size=40
)
passwords = st.sampled_from([DEMO[1], "wrong"]) | st.text(max_size=40)
terminals = st.text(max_size=40) | st.just(str(uuid.uuid4()))


@pytest.fixture(scope="module")
def conn(target: Target) -> Iterator[RawConnection]:
    connection = RawConnection(target.url)
    yield connection
    connection.close()


def _not_http(headers: dict[str, str]) -> bool:
    """Whether a header value holds a control character, which HTTP itself forbids."""
    return any((ord(c) < 0x20 and c != "\t") or ord(c) == 0x7F for v in headers.values() for c in v)


def send(
    conn: RawConnection, path: str, body: bytes, headers: dict[str, str]
) -> dict[str, Any] | None:
    """Send one request on the shared connection and check the answer (None: refused as not
    HTTP at all, by the HTTP parser, before the app; allowed only for such requests)."""
    try:
        status, answer_headers, content = conn.post(path, body, headers)
    except ConnectionError:
        conn.close()  # the next example starts on a new connection
        raise AssertionError(f"the server dropped the connection after {body[:300]!r}") from None
    if status == 400 and _not_http(headers):
        conn.close()  # the parser answers 400 and closes: not a request
        return None
    try:
        return assert_cloud_answer(status, answer_headers, content, body)
    except AssertionError:
        conn.close()  # so that the next example does not fail for this one
        raise


@st.composite
def v1_body(draw: st.DrawFn, target: Target) -> dict[str, Any]:
    """A V1 envelope: a real method with plausible params, sometimes mutated."""
    method = draw(st.sampled_from([*v1.METHODS, "getAppServiceUrl"]) | st.text(max_size=20))
    token = draw(st.sampled_from([target.token, target.token, None]) | st.text(max_size=50))
    device = draw(st.sampled_from(target.device_ids) | st.text(max_size=45))
    params: dict[str, Any]
    if method == "login":
        params = {
            "appType": "Kasa_Android",
            "cloudUserName": draw(emails),
            "cloudPassword": draw(passwords),
            "terminalUUID": draw(terminals),
            "refreshTokenNeeded": draw(st.booleans()),
        }
    elif method == "refreshToken":
        params = {"refreshToken": draw(st.text(max_size=60)), "terminalUUID": draw(terminals)}
    elif method == "passthrough":
        request = draw(device_request(target.child_ids))
        as_string = draw(st.booleans())
        params = {
            "token": token,
            "deviceId": device,
            "requestData": request_data(request, as_string),
        }
    elif method == "setAlias":
        params = {
            "token": token,
            "deviceId": device,
            "alias": draw(st.text(max_size=40) | odd_text),
        }
    elif method == "unbindDevice":
        # Never a real device: unbinding the account's own would leave later examples nothing.
        params = {
            "token": token,
            "deviceId": draw(st.text(max_size=45)),
            "cloudUserName": draw(emails),
        }
    else:
        params = {"token": token}
    if params.get("token") is None:
        params.pop("token", None)
    if draw(st.integers(0, 3)) == 0:
        params = draw(mutated(params))
    body: dict[str, Any] = {"method": method, "params": params}
    if draw(st.integers(0, 6)) == 0:
        body = draw(mutated(body))
    return body


@fuzz_settings(500)
@given(data=st.data())
def test_v1_calls(target: Target, conn: RawConnection, data: st.DataObject) -> None:
    body = data.draw(byte_mutated(encode(data.draw(v1_body(target)))))
    send(conn, "/", body, JSON_HEADERS)


@st.composite
def v2_account_body(draw: st.DrawFn) -> dict[str, Any]:
    fields: dict[str, st.SearchStrategy[Any]] = {
        "appType": st.sampled_from([*assumptions.KNOWN_APP_TYPES, "Evil<script>", ""]),
        "appVersion": st.just("3.4.451"),
        "platform": st.just("Android"),
        "cloudUserName": emails,
        "cloudPassword": passwords,
        "terminalUUID": terminals,
        "terminalName": st.text(max_size=20),
        "refreshTokenNeeded": st.booleans(),
        "refreshToken": st.text(max_size=60),
        "code": st.text(max_size=8) | st.integers(0, 999999),
        "MFAProcessId": st.text(max_size=40),
        "MFAType": st.integers(0, 3),
        "terminalBindEnabled": st.booleans(),
    }
    chosen = draw(st.sets(st.sampled_from(sorted(fields)), min_size=0, max_size=len(fields)))
    body = {k: draw(fields[k]) for k in sorted(chosen | {"appType", "cloudUserName"})}
    if draw(st.integers(0, 3)) == 0:
        body = draw(mutated(body))
    return body


header_text = st.text(
    alphabet=st.characters(min_codepoint=32, max_codepoint=126)
    | st.characters(min_codepoint=0xA0, max_codepoint=0xFF),
    max_size=120,
)


@st.composite
def signature_headers(draw: st.DrawFn, raw: bytes, path: str) -> dict[str, str]:
    """Valid signature headers, or ones with one thing wrong."""
    app = draw(st.sampled_from([KASA_APP, TAPO_APP]))
    timestamp = draw(
        st.sampled_from(
            [None, None, None, assumptions.FIXED_TIMESTAMP, "nan", "inf", "-inf", "1e999", "x", "1"]
        )
    )
    nonce = draw(st.sampled_from([None, None, None, "same-nonce-every-time", "n" * 100]))
    headers = {**JSON_HEADERS, **signing.sign(app, raw, path, timestamp=timestamp, nonce=nonce)}
    tamper = draw(st.integers(0, 9))
    if tamper == 0:
        headers[signing.CONTENT_MD5_HEADER] = draw(
            st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=30)
        )
    elif tamper == 1:
        headers[signing.AUTHORIZATION_HEADER] = draw(
            st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=120)
        )
    elif tamper == 2:
        del headers[signing.AUTHORIZATION_HEADER]
    elif tamper == 3:
        headers[signing.AUTHORIZATION_HEADER] = headers[signing.AUTHORIZATION_HEADER].replace(
            app.access_key, "0" * 32
        )
    return headers


@fuzz_settings(400)
@given(data=st.data())
def test_v2_account_calls(conn: RawConnection, data: st.DataObject) -> None:
    name = data.draw(
        st.sampled_from(sorted(v2.CALLS))
        | st.text(alphabet="abcdefghijklmnopqrstuvwxyzAB019_", min_size=1, max_size=20)
    )
    path = "/api/v2/account/" + name
    raw = data.draw(byte_mutated(encode(data.draw(v2_account_body()))))
    send(conn, path, raw, data.draw(signature_headers(raw, path)))


@fuzz_settings(250)
@given(data=st.data())
def test_v2_signed_device_calls(target: Target, conn: RawConnection, data: st.DataObject) -> None:
    body = data.draw(v1_body(target))
    if isinstance(body.get("params"), dict):
        body["params"].pop("token", None)  # V2 carries it in the query string
    raw = data.draw(byte_mutated(encode(body)))
    token = data.draw(st.sampled_from([target.token, target.token]) | st.text(max_size=50))
    query = query_string({"token": token, "appName": "Kasa_Android_Mix", "termID": "fuzz"})
    send(conn, "/?" + query, raw, data.draw(signature_headers(raw, "/")))


smart_methods = st.sampled_from(
    ["get_device_info", "component_nego", "get_energy_usage", "get_current_power",
     "set_device_info", "get_child_device_list", "multipleRequest", "control_child", "nope"]
)  # fmt: skip


@st.composite
def smart_request_data(draw: st.DrawFn, target: Target) -> Any:
    """A SMART request (maybe a batch, maybe to a child), maybe mutated, as string or object."""
    method = draw(smart_methods)
    params: dict[str, Any] = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "device_on": st.booleans(),
                "brightness": st.integers(-5, 110),
                "nickname": st.text(max_size=20),
                "device_id": st.sampled_from(target.child_ids) | st.text(max_size=20),
            },
        )
    )
    if method == "multipleRequest":
        params = {
            "requests": [{"method": draw(smart_methods)} for _ in range(draw(st.integers(0, 3)))]
        }
    request: dict[str, Any] = {"method": method, "params": params}
    if draw(st.integers(0, 3)) == 0:
        request = draw(mutated(request))
    return request_data(request, draw(st.booleans()))


@fuzz_settings(150)
@given(data=st.data())
def test_v2_smart_passthrough(target: Target, conn: RawConnection, data: st.DataObject) -> None:
    body: dict[str, Any] = {
        "deviceId": data.draw(st.sampled_from(target.device_ids) | st.text(max_size=45)),
        "requestData": data.draw(smart_request_data(target)),
    }
    if data.draw(st.integers(0, 3)) == 0:
        body = data.draw(mutated(body))
    raw = data.draw(byte_mutated(encode(body)))
    token = data.draw(st.sampled_from([target.token, target.token]) | st.text(max_size=50))
    path = assumptions.TAPO_PASSTHROUGH_PATH
    query = query_string({"token": token, "appName": "TP-Link_Tapo_Android", "termID": "fuzz"})
    send(conn, f"{path}?{query}", raw, data.draw(signature_headers(raw, path)))


@fuzz_settings(150)
@given(data=st.data())
def test_query_strings_and_headers(
    target: Target, conn: RawConnection, data: st.DataObject
) -> None:
    # What HTTP allows in a header value: visible ASCII, spaces, and bytes past 0xA0 (obs-text;
    # C1 controls are refused by the HTTP parser itself, with a 400, before the app sees them).
    latin = st.text(
        alphabet=st.characters(min_codepoint=32, max_codepoint=126)
        | st.characters(min_codepoint=0xA0, max_codepoint=0xFF),
        max_size=60,
    )
    query = data.draw(
        st.dictionaries(
            st.sampled_from(["token", "termID", "appName", "x"]) | latin,
            latin | mutants.map(str),
            max_size=4,
        )
    )
    body = encode(
        {
            "method": data.draw(st.sampled_from(["getDeviceList", "helloCloud", "login"])),
            "params": {},
        }
    )
    headers = {
        "Content-Type": data.draw(
            st.sampled_from(
                ["application/json", "text/plain", "", "application/json;charset=UTF-16"]
            )
            | latin
        ),
        **data.draw(
            st.dictionaries(
                st.sampled_from(
                    ["X-Forwarded-For", "Accept-Encoding", "X-Authorization", "Cookie", "X-Fuzz"]
                ),
                latin,
                max_size=3,
            )
        ),
    }
    send(conn, "/?" + query_string(query), body, headers)
    del target


def test_the_suite_reached_past_the_parser(target: Target) -> None:
    """The grammar is real: a valid passthrough built the fuzzer's way works."""
    conn = RawConnection(target.url)
    try:
        request = {"system": {"get_sysinfo": None}}
        body = encode(
            {
                "method": "passthrough",
                "params": {
                    "token": target.token,
                    "deviceId": target.device_ids[0],
                    "requestData": request_data(request, True),
                },
            }
        )
        answer = send(conn, "/", body, JSON_HEADERS)
        assert answer is not None
        assert answer["error_code"] == 0
        raw = encode({"appType": "Kasa_Android_Mix", "cloudUserName": DEMO[0]})
        path = "/api/v2/account/getAccountStatusAndUrl"
        headers = {**JSON_HEADERS, **signing.sign(KASA_APP, raw, path)}
        answer = send(conn, path, raw, headers)
        assert answer is not None
        assert answer["error_code"] == 0
    finally:
        conn.close()
