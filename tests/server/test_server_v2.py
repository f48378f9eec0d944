"""V2 over real HTTP: signed account calls, 2-step verification, signed device calls on ``/``."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from server_helpers import DEMO, TERMINAL, Api

from kasacloud.protocol import assumptions, signing
from kasacloud.protocol.envelope import parse_reply
from kasacloud.protocol.signing import KASA_APP, TAPO_APP, AppKey
from kasacloud.server import LocalCloud, ServerConfig
from kasacloud.server.devices import DeviceKit

MFA = ("mfa@example.com", "demo")
ACCOUNT = "/api/v2/account/"


@pytest.fixture
def api(local_cloud: LocalCloud) -> Iterator[Api]:
    with Api(local_cloud.url) as client:
        yield client


def test_status_and_url_then_login_with_both_app_keys(api: Api, local_cloud: LocalCloud) -> None:
    status = api.signed(
        ACCOUNT + "getAccountStatusAndUrl",
        {"appType": "Kasa_Android_Mix", "cloudUserName": DEMO[0]},
    )
    assert status == {"error_code": 0, "result": {"appServerUrl": local_cloud.url}}
    for app in (KASA_APP, TAPO_APP):
        answer = api.signed(ACCOUNT + "login", api.v2_login_body(), app=app)
        assert answer["error_code"] == 0, answer
        assert {"accountId", "token", "refreshToken", "email"} <= answer["result"].keys()


def test_v2_refresh_token(api: Api) -> None:
    login = api.signed(ACCOUNT + "login", api.v2_login_body())["result"]
    body = {
        "appType": "Kasa_Android_Mix",
        "refreshToken": login["refreshToken"],
        "terminalUUID": TERMINAL,
    }
    answer = api.signed(ACCOUNT + "refreshToken", body)
    assert answer["error_code"] == 0
    assert api.devices(answer["result"]["token"])


@pytest.mark.parametrize(
    "tamper",
    ["no-signature", "no-md5", "wrong-md5", "wrong-signature", "unknown-key", "old-timestamp"],
)
def test_bad_or_missing_signature_is_refused(api: Api, tamper: str) -> None:
    body = json.dumps(api.v2_login_body()).encode()
    path = ACCOUNT + "login"
    headers = signing.sign(KASA_APP, body, path)
    if tamper == "no-signature":
        del headers[signing.AUTHORIZATION_HEADER]
    elif tamper == "no-md5":
        del headers[signing.CONTENT_MD5_HEADER]
    elif tamper == "wrong-md5":
        headers[signing.CONTENT_MD5_HEADER] = signing.content_md5(b"other")
    elif tamper == "wrong-signature":
        headers = signing.sign(AppKey("x", "x", KASA_APP.access_key, "wrong"), body, path)
    elif tamper == "unknown-key":
        headers = signing.sign(AppKey("x", "x", "0" * 32, KASA_APP.secret_key), body, path)
    elif tamper == "old-timestamp":
        headers = signing.sign(KASA_APP, body, path, timestamp="1000000000")
    r = api.http.post(api.url + path, content=body, headers=headers)
    assert r.status_code == 200
    answer = r.json()
    assert answer["error_code"] == assumptions.SIGNATURE_ERROR_CODE
    assert "token" not in json.dumps(answer)


def test_signature_over_another_path_is_refused(api: Api) -> None:
    body = json.dumps(api.v2_login_body()).encode()
    headers = signing.sign(KASA_APP, body, "/")
    answer = api.http.post(api.url + ACCOUNT + "login", content=body, headers=headers).json()
    assert answer["error_code"] == assumptions.SIGNATURE_ERROR_CODE


def test_fixed_timestamp_is_accepted(api: Api) -> None:
    body = json.dumps(api.v2_login_body()).encode()
    headers = signing.sign(KASA_APP, body, ACCOUNT + "login", timestamp="9999999999")
    answer = api.http.post(api.url + ACCOUNT + "login", content=body, headers=headers).json()
    assert answer["error_code"] == 0


def test_app_keys_are_configurable(device_kit: DeviceKit | None) -> None:
    mine = AppKey("mine", "Mine_App", "a" * 32, "b" * 32)
    config = ServerConfig(app_keys=(mine,))
    with LocalCloud(config=config, kit=device_kit) as cloud, Api(cloud.url) as api:
        assert api.signed(ACCOUNT + "login", api.v2_login_body(), app=mine)["error_code"] == 0
        refused = api.signed(ACCOUNT + "login", api.v2_login_body(), app=KASA_APP)
        assert refused["error_code"] == assumptions.SIGNATURE_ERROR_CODE


def test_signed_device_calls_on_root(api: Api) -> None:
    token = api.signed(ACCOUNT + "login", api.v2_login_body())["result"]["token"]
    answer = api.signed("/", {"method": "getDeviceList", "params": {}}, query={"token": token})
    assert answer["error_code"] == 0
    device = next(d for d in answer["result"]["deviceList"] if d["status"] == 1)
    request = {"system": {"get_sysinfo": None}}
    body = {
        "method": "passthrough",
        "params": {"deviceId": device["deviceId"], "requestData": json.dumps(request)},
    }
    answer = api.signed("/", body, query={"token": token})
    assert answer["error_code"] == 0
    assert "get_sysinfo" in json.loads(answer["result"]["responseData"])["system"]
    # A V2 token works on V1 calls, and a V1 token on signed calls.
    assert api.devices(token)
    v1_token = api.token()
    signed_list = api.signed("/", {"method": "getDeviceList"}, query={"token": v1_token})
    assert signed_list["error_code"] == 0


def test_device_call_with_a_bad_signature_is_refused(api: Api) -> None:
    token = api.token()
    body = json.dumps({"method": "getDeviceList", "params": {"token": token}}).encode()
    headers = signing.sign(KASA_APP, body, "/")
    headers[signing.AUTHORIZATION_HEADER] = headers[signing.AUTHORIZATION_HEADER].replace(
        "Signature=", "Signature=00"
    )
    answer = api.http.post(api.url + "/", content=body, headers=headers).json()
    assert answer["error_code"] == assumptions.SIGNATURE_ERROR_CODE
    assert "result" not in answer


def _mfa_login(api: Api, terminal: str = TERMINAL) -> dict:
    return api.signed(ACCOUNT + "login", api.v2_login_body(*MFA, terminal=terminal))


def test_mfa_login_flow(
    api: Api, local_cloud: LocalCloud, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    answer = _mfa_login(api)
    # The nested form: outer 0, result.errorCode "-20677" (a string), as PROTOCOL.md shows.
    assert answer["error_code"] == 0
    result = answer["result"]
    assert result["errorCode"] == "-20677"
    assert result["MFAProcessId"]
    assert set(result["supportedMFATypes"]) >= {assumptions.MFA_TYPE_EMAIL}
    assert "token" not in result
    assert parse_reply(answer).error_code == -20677
    credentials = {
        k: v for k, v in api.v2_login_body(*MFA).items() if k in assumptions.MFA_CODE_REQUEST_BODY
    }
    sent = api.signed(ACCOUNT + "getEmailVC4TerminalMFA", credentials)
    assert sent["error_code"] == 0
    codes = local_cloud.mfa_codes(MFA[0])
    assert len(codes) == 1
    assert len(codes[0]) == assumptions.MFA_CODE_DIGITS
    # The outbox file in the data dir has the same code.
    outbox = (local_cloud.data_dir / "mfa-outbox.jsonl").read_text().splitlines()
    assert json.loads(outbox[-1])["code"] == codes[0]
    check = {
        **credentials,
        "MFAProcessId": result["MFAProcessId"],
        "MFAType": assumptions.MFA_TYPE_EMAIL,
        "terminalBindEnabled": True,
    }
    wrong = "000000" if codes[0] != "000000" else "111111"
    refused = api.signed(ACCOUNT + "checkMFACodeAndLogin", {**check, "code": wrong})
    assert parse_reply(refused).error_code == assumptions.MFA_WRONG_CODE_ERROR
    done = api.signed(ACCOUNT + "checkMFACodeAndLogin", {**check, "code": codes[0]})
    assert done["error_code"] == 0
    assert done["result"]["token"]
    assert api.v1("getDeviceList", {"token": done["result"]["token"]})["error_code"] == 0
    # terminalBindEnabled: the same terminal logs in without a code now; another still needs one.
    again = _mfa_login(api)
    assert again["error_code"] == 0
    assert again["result"]["token"]
    assert _mfa_login(api, terminal="another-terminal")["result"]["errorCode"] == "-20677"
    server_log = [r.getMessage() for r in caplog.records if r.name.startswith("kasacloud")]
    assert any("verification code" in line for line in server_log)
    assert not any(codes[0] in line for line in server_log)


def test_mfa_can_be_answered_in_the_outer_form() -> None:
    config = ServerConfig(mfa_answer="outer")
    with LocalCloud(config=config) as cloud, Api(cloud.url) as api:
        answer = _mfa_login(api)
        assert answer["error_code"] == -20677
        assert answer["msg"]
        assert answer["result"]["MFAProcessId"]
        assert set(answer["result"]["supportedMFATypes"]) >= {assumptions.MFA_TYPE_EMAIL}
        assert "errorCode" not in answer["result"]
        assert "token" not in answer["result"]


def test_mfa_code_expires_and_process_is_single_use(api: Api, local_cloud: LocalCloud) -> None:
    process = _mfa_login(api)["result"]["MFAProcessId"]
    credentials = {
        k: v for k, v in api.v2_login_body(*MFA).items() if k in assumptions.MFA_CODE_REQUEST_BODY
    }
    api.signed(ACCOUNT + "getPushVC4TerminalMFA", credentials)
    code = local_cloud.mfa_codes(MFA[0])[-1]
    local_cloud.clock.advance(local_cloud.config.mfa_code_lifetime_s + 1)
    check = {**credentials, "MFAProcessId": process, "MFAType": 1, "code": code}
    assert parse_reply(api.signed(ACCOUNT + "checkMFACodeAndLogin", check)).error_code == (
        assumptions.MFA_WRONG_CODE_ERROR
    )
    api.signed(ACCOUNT + "getEmailVC4TerminalMFA", credentials)
    fresh = local_cloud.mfa_codes(MFA[0])[-1]
    assert api.signed(ACCOUNT + "checkMFACodeAndLogin", {**check, "code": fresh})["error_code"] == 0
    reused = api.signed(ACCOUNT + "checkMFACodeAndLogin", {**check, "code": fresh})
    assert parse_reply(reused).error_code == assumptions.MFA_WRONG_CODE_ERROR


def test_v1_login_of_an_mfa_account_is_refused(api: Api) -> None:
    answer = api.v1(
        "login", {"cloudUserName": MFA[0], "cloudPassword": MFA[1], "terminalUUID": TERMINAL}
    )
    assert answer["error_code"] == -23003


def test_unknown_v2_call(api: Api) -> None:
    assert api.signed(ACCOUNT + "noSuchCall", {})["error_code"] == -20103


def _post_signed(api: Api, path: str, body: dict[str, object], **sign: str) -> dict[str, object]:
    raw = json.dumps(body).encode()
    headers = {"Content-Type": "application/json", **signing.sign(KASA_APP, raw, path, **sign)}
    return dict(api.http.post(api.url + path, content=raw, headers=headers).json())


@pytest.mark.parametrize("timestamp", ["nan", "NaN", "inf", "-inf", "1e999", "", "12x", "100"])
def test_non_finite_and_out_of_window_timestamps_are_refused(api: Api, timestamp: str) -> None:
    answer = _post_signed(api, ACCOUNT + "login", api.v2_login_body(), timestamp=timestamp)
    assert answer == {
        "error_code": assumptions.SIGNATURE_ERROR_CODE,
        "msg": assumptions.SIGNATURE_ERROR_MESSAGE,
    }


def test_the_fixed_timestamp_stays_accepted(api: Api) -> None:
    fixed = assumptions.FIXED_TIMESTAMP
    answer = _post_signed(api, ACCOUNT + "login", api.v2_login_body(), timestamp=fixed)
    assert answer["error_code"] == 0


@pytest.mark.parametrize("timestamp", [None, assumptions.FIXED_TIMESTAMP])
def test_an_exact_replay_is_refused_within_the_retention_window(
    api: Api, local_cloud: LocalCloud, timestamp: str | None
) -> None:
    """The nonce is remembered by the server's own clock, so the fixed timestamp is covered too."""
    raw = json.dumps(api.v2_login_body()).encode()
    path = ACCOUNT + "login"
    stamp = {"timestamp": timestamp} if timestamp else {}
    headers = {"Content-Type": "application/json", **signing.sign(KASA_APP, raw, path, **stamp)}
    first = api.http.post(api.url + path, content=raw, headers=headers).json()
    assert first["error_code"] == 0
    local_cloud.clock.advance(assumptions.NONCE_RETENTION_S - 5)
    replay = api.http.post(api.url + path, content=raw, headers=headers).json()
    assert replay == {
        "error_code": assumptions.SIGNATURE_ERROR_CODE,
        "msg": assumptions.REPLAYED_NONCE_MESSAGE,
    }
    # A signed device call on / is covered the same way.
    token = first["result"]["token"]
    device_call = json.dumps({"method": "getDeviceList", "params": {}}).encode()
    signed = {"Content-Type": "application/json", **signing.sign(KASA_APP, device_call, "/")}
    codes = [
        api.http.post(
            api.url + "/", content=device_call, headers=signed, params={"token": token}
        ).json()["error_code"]
        for _ in range(2)
    ]
    assert codes == [0, assumptions.SIGNATURE_ERROR_CODE]


@pytest.mark.parametrize(
    ("app_type", "code"),
    [
        (None, -20104),
        ("Evil<script>", -20107),
        ("", -20107),
        (7, -20107),
        ("kasa_android_mix", -20107),
    ],
)
def test_unknown_app_types_are_refused(api: Api, app_type: object, code: int) -> None:
    body = {k: v for k, v in api.v2_login_body().items() if k != "appType"}
    if app_type is not None:
        body["appType"] = app_type
    answer = api.signed(ACCOUNT + "login", body)
    assert answer["error_code"] == code
    assert "token" not in answer.get("result", {})
    status = api.signed(ACCOUNT + "getAccountStatusAndUrl", {**body, "cloudUserName": DEMO[0]})
    assert status["error_code"] == code


def test_kasa_and_tapo_app_types_are_known_and_the_list_is_configurable(
    device_kit: DeviceKit | None,
) -> None:
    for app_type in ("Kasa_Android_Mix", "TP-Link_Tapo_Android"):
        assert app_type in ServerConfig().app_types
    config = ServerConfig(app_types=("Kasa_iOS_Mix",))
    with LocalCloud(config=config, kit=device_kit) as cloud, Api(cloud.url) as api:
        body = api.v2_login_body()
        assert api.signed(ACCOUNT + "login", body)["error_code"] == -20107
        assert api.signed(ACCOUNT + "login", {**body, "appType": "Kasa_iOS_Mix"})["error_code"] == 0
