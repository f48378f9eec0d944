"""Malformed requests (issue 11, point 1): never a 5xx or a traceback, one log line each, the
connection kept open, and nothing half-applied, in memory or on disk.

Every case the hardening review found is reproduced here on one keep-alive connection.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from server_helpers import TERMINAL, Api, RawConnection

from kasacloud.protocol import assumptions, signing
from kasacloud.protocol.signing import KASA_APP
from kasacloud.server import LocalCloud, ServerConfig
from kasacloud.server.devices import DeviceKit

DEEP = 1000
LONG_NUMBER = "9" * 5000
LOGIN = "/api/v2/account/login"
REFRESH = "/api/v2/account/refreshToken"


@pytest.fixture
def cloud(tmp_path: Path, device_kit: DeviceKit | None) -> Iterator[LocalCloud]:
    config = ServerConfig(account_rate_limit=None, address_rate_limit=None)
    with LocalCloud(data_dir=tmp_path, config=config, kit=device_kit) as running:
        yield running


@pytest.fixture
def session(cloud: LocalCloud) -> Iterator[tuple[Api, str, str]]:
    with Api(cloud.url) as api:
        token = api.token()
        plug = next(d for d in api.devices(token) if d["status"] == 1)
        yield api, token, plug["deviceId"]


def _v1(method: str, params: dict[str, Any]) -> bytes:
    return json.dumps({"method": method, "params": params}).encode()


def _signed(path: str, raw: bytes) -> dict[str, str]:
    return {"Content-Type": "application/json", **signing.sign(KASA_APP, raw, path)}


def _cases(token: str, device: str) -> list[tuple[str, str, bytes, dict[str, str] | None, int]]:
    """(name, path, body, headers or None for plain JSON, expected error_code)."""
    nested = "[" * DEEP + "]" * DEEP
    deep_data = '{"a":' * DEEP + "1" + "}" * DEEP
    pass_params = {"token": token, "deviceId": device}
    surrogate_token = b'{"method":"getDeviceList","params":{"token":"\\ud800"}}'
    refresh_surrogate = (
        b'{"appType":"Kasa_Android_Mix","refreshToken":"\\udfff","terminalUUID":"t"}'
    )
    v2_deep = b'{"cloudUserName":' + nested.encode() + b"}"
    v2_number = b'{"cloudUserName":"a@b.c","cloudPassword":' + LONG_NUMBER.encode() + b"}"
    alias_surrogate = (
        b'{"method":"setAlias","params":{"token":"%s","deviceId":"%s","alias":"\\ud800"}}'
        % (token.encode(), device.encode())
    )
    json_format = assumptions.MALFORMED_BODY_CODE
    return [
        ("deep body", "/", b'{"method":"getDeviceList","params":' + nested.encode() + b"}", None,
         json_format),
        ("deep V2 body", LOGIN, v2_deep, _signed(LOGIN, v2_deep), json_format),
        ("deep requestData string", "/", _v1("passthrough", {**pass_params,
         "requestData": deep_data}), None, -20107),
        ("deep requestData object", "/",
         b'{"method":"passthrough","params":{"token":"%s","deviceId":"%s","requestData":%s}}'
         % (token.encode(), device.encode(), deep_data.encode()), None, json_format),
        ("long number", "/", b'{"method":"helloCloud","params":{"n":' + LONG_NUMBER.encode()
         + b"}}", None, json_format),
        ("long number V2", LOGIN, v2_number, _signed(LOGIN, v2_number), json_format),
        ("long number in requestData", "/", _v1("passthrough", {**pass_params,
         "requestData": '{"system":{"set_relay_state":{"state":' + LONG_NUMBER + "}}}"}), None,
         -20107),
        ("infinite float", "/", b'{"method":"helloCloud","params":{"n":1e999}}', None,
         json_format),
        ("NaN", "/", b'{"method":"helloCloud","params":{"n":NaN}}', None, json_format),
        ("surrogate token", "/", surrogate_token, None, json_format),
        ("surrogate refresh token", REFRESH, refresh_surrogate,
         _signed(REFRESH, refresh_surrogate), json_format),
        ("surrogate alias", "/", alias_surrogate, None, json_format),
        ("surrogate in requestData", "/", _v1("passthrough", {**pass_params,
         "requestData": '{"system":{"set_dev_alias":{"alias":"\\ud800"}}}'}), None, -20107),
        ("not UTF-8", "/", b'{"method":"helloCloud","params":{"x":"\xff\xfe"}}', None,
         json_format),
        ("not JSON", "/", b"method=login", None, json_format),
        ("a JSON array", "/", b"[1, 2]", None, json_format),
        ("method not a string", "/", b'{"method": 7}', None, -20103),
        ("params not an object", "/", b'{"method":"getDeviceList","params":"x"}', None, -20107),
        ("token a list", "/", _v1("getDeviceList", {"token": [token]}), None, -20652),
        ("deviceId a number", "/", _v1("passthrough", {"token": token, "deviceId": 7,
         "requestData": "{}"}), None, -20107),
        ("terminal a dict", "/", _v1("login", {"cloudUserName": "a@b.c", "cloudPassword": "x",
         "terminalUUID": {"a": 1}}), None, -20107),
        ("terminal too long", "/", _v1("login", {"cloudUserName": "a@b.c", "cloudPassword": "x",
         "terminalUUID": "t" * 500}), None, -20107),
        ("requestData a number", "/", _v1("passthrough", {**pass_params, "requestData": 5}),
         None, -20107),
        ("non-ASCII signature header", "/", _v1("helloCloud", {}),
         {"X-Authorization": "Timestamp=1, Nonce=\xe9, AccessKey=\xe9, Signature=\xe9",
          "Content-MD5": "\xe9t\xe9"}, -20104),
        ("NaN timestamp", "/", _v1("helloCloud", {}), {"Content-MD5": signing.content_md5(
         _v1("helloCloud", {})), "X-Authorization": "Timestamp=nan, Nonce=n, AccessKey="
         f"{KASA_APP.access_key}, Signature=00"}, -20104),
    ]  # fmt: skip


def test_every_malformed_request_gets_an_error_answer_on_a_connection_that_stays_open(
    cloud: LocalCloud, session: tuple[Api, str, str], caplog: pytest.LogCaptureFixture
) -> None:
    api, token, device = session
    caplog.set_level(logging.INFO)
    with RawConnection(cloud.url) as conn:
        for name, path, body, headers, code in _cases(token, device):
            caplog.clear()
            status, answer_headers, content = conn.post(path, body, headers)
            assert status == 200, name
            assert answer_headers.get("connection", "").lower() != "close", name
            answer = json.loads(content)
            assert answer["error_code"] == code, (name, answer)
            assert isinstance(answer["msg"], str), name
            assert answer["msg"], name
            server_lines = [  # uvicorn's access log, when on, adds its own line to every request
                r
                for r in caplog.records
                if r.name.startswith(("kasacloud", "uvicorn")) and r.name != "uvicorn.access"
            ]
            assert len(server_lines) == 1, (name, [r.getMessage() for r in server_lines])
            assert server_lines[0].exc_info is None, name
            assert "Traceback" not in caplog.text, name
        # The same connection still serves a good call, and nothing changed on the device.
        status, _, content = conn.post("/", _v1("getDeviceList", {"token": token}))
        assert status == 200
        assert json.loads(content)["error_code"] == 0
    assert "\ud800" not in json.dumps(api.devices(token), ensure_ascii=False)


@pytest.mark.parametrize(
    "alias", ["", "   ", "x" * (assumptions.ALIAS_MAX_CHARS + 1), "a\nb", "nul\x00", "tab\t", 42]
)
def test_bad_aliases_change_nothing(
    cloud: LocalCloud, session: tuple[Api, str, str], alias: Any
) -> None:
    api, token, device = session
    before = api.sysinfo(token, device)["alias"]
    answer = api.v1("setAlias", {"token": token, "deviceId": device, "alias": alias})
    assert answer["error_code"] == -20572
    assert answer["msg"].startswith("alias format is incorrect: ")  # and which rule
    assert api.sysinfo(token, device)["alias"] == before
    assert next(d for d in api.devices(token) if d["deviceId"] == device)["alias"] == before


def test_aliases_with_emoji_and_accents_are_fine(session: tuple[Api, str, str]) -> None:
    api, token, device = session
    for alias in (
        "Lampe du séjour",
        "Desk 💡",
        "👩\u200d💻 corner",
        "x" * assumptions.ALIAS_MAX_CHARS,
    ):
        assert api.v1("setAlias", {"token": token, "deviceId": device, "alias": alias}) == {
            "error_code": 0,
            "result": {},
        }
        assert api.sysinfo(token, device)["alias"] == alias


def _refuse_device_writes(db: Path) -> None:
    """A real fault in the real store: SQLite itself refuses every device update."""
    with sqlite3.connect(db) as other:
        other.execute(
            "CREATE TRIGGER refuse BEFORE UPDATE ON devices"
            " BEGIN SELECT RAISE(ABORT, 'the disk said no'); END"
        )


def _allow_device_writes(db: Path) -> None:
    with sqlite3.connect(db) as other:
        other.execute("DROP TRIGGER refuse")


def test_a_write_that_cannot_be_stored_is_rolled_back(
    tmp_path: Path, device_kit: DeviceKit | None, caplog: pytest.LogCaptureFixture
) -> None:
    with LocalCloud(data_dir=tmp_path, kit=device_kit) as cloud, Api(cloud.url) as api:
        token = api.token()
        plug = next(
            d["deviceId"]
            for d in api.devices(token)
            if d["status"] == 1 and "relay_state" in api.sysinfo(token, d["deviceId"])
        )
        before = api.sysinfo(token, plug)
        _refuse_device_writes(tmp_path / "kasacloud.db")
        renamed = api.v1("setAlias", {"token": token, "deviceId": plug, "alias": "Renamed"})
        assert renamed["error_code"] == assumptions.PERSIST_FAILED_CODE
        assert "nothing changed" in renamed["msg"]
        switch = {"system": {"set_relay_state": {"state": 1 - before["relay_state"]}}}
        assert api.passthrough(token, plug, switch)["error_code"] == assumptions.PERSIST_FAILED_CODE
        after = api.sysinfo(token, plug)
        assert (after["alias"], after["relay_state"]) == (before["alias"], before["relay_state"])
        listed = next(d for d in api.devices(token) if d["deviceId"] == plug)
        assert listed["alias"] == before["alias"]
        assert not [r for r in caplog.records if r.exc_info]
        # Once the store takes writes again, the same calls work and are kept.
        _allow_device_writes(tmp_path / "kasacloud.db")
        assert (
            api.v1("setAlias", {"token": token, "deviceId": plug, "alias": "Renamed"})["error_code"]
            == 0
        )
    with LocalCloud(data_dir=tmp_path, kit=device_kit) as again, Api(again.url) as api:
        token = api.token()
        assert api.sysinfo(token, plug)["alias"] == "Renamed"
        assert api.sysinfo(token, plug)["relay_state"] == before["relay_state"]


def test_an_unexpected_failure_is_answered_not_a_500(
    cloud: LocalCloud, session: tuple[Api, str, str], caplog: pytest.LogCaptureFixture
) -> None:
    """A bug in a handler (here: the store closed under the server) is still the cloud's shape."""
    api, token, _ = session
    caplog.set_level(logging.INFO)
    cloud.service.store.close()
    with RawConnection(cloud.url) as conn:
        login = _v1(
            "login",
            {
                "cloudUserName": "demo@example.com",
                "cloudPassword": "demo",
                "terminalUUID": TERMINAL,
            },
        )
        status, _, content = conn.post("/", login)
        assert status == 200
        assert json.loads(content)["error_code"] == -1
        status, _, content = conn.post("/", _v1("getDeviceList", {"token": token}))
        assert (status, json.loads(content)["error_code"]) == (200, 0)
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(failures) == 1
    assert failures[0].exc_info is None
    assert "ProgrammingError" in failures[0].getMessage()
    del api
