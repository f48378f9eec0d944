"""V1 on ``POST /`` over real HTTP: login, refreshToken, getDeviceList, passthrough, setAlias,
unbindDevice, and the error shapes."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from server_helpers import DEMO, TERMINAL, Api

from kasacloud.server import LocalCloud

LIST_FIELDS = {
    "deviceType",
    "role",
    "fwVer",
    "appServerUrl",
    "deviceRegion",
    "deviceId",
    "deviceName",
    "deviceHwVer",
    "alias",
    "deviceMac",
    "oemId",
    "deviceModel",
    "hwId",
    "fwId",
    "isSameRegion",
    "status",
}


@pytest.fixture
def api(local_cloud: LocalCloud) -> Iterator[Api]:
    with Api(local_cloud.url) as client:
        yield client


@pytest.fixture(scope="module")
def shared(shared_cloud: LocalCloud) -> Iterator[tuple[Api, str]]:
    with Api(shared_cloud.url) as client:
        yield client, client.token()


def test_login_answers_account_fields_and_refresh_token_only_when_asked(api: Api) -> None:
    plain = api.login()
    assert plain["email"] == DEMO[0]
    assert {"accountId", "regTime", "countryCode", "nickname", "token"} <= plain.keys()
    assert "refreshToken" not in plain
    assert "refreshToken" in api.login(refresh=True)
    answer = api.v1(
        "login",
        {
            "cloudUserName": DEMO[0],
            "cloudPassword": DEMO[1],
            "terminalUUID": TERMINAL,
            "refreshTokenNeeded": "true",
        },
    )
    assert answer["result"]["refreshToken"]


def test_login_requires_terminal_uuid_and_ignores_extra_keys(api: Api) -> None:
    answer = api.v1("login", {"cloudUserName": DEMO[0], "cloudPassword": DEMO[1]})
    assert answer["error_code"] == -20104
    assert "result" not in answer
    body = {
        "method": "login",
        "url": "https://wap.tplinkcloud.com",
        "params": {
            "cloudUserName": DEMO[0],
            "cloudPassword": DEMO[1],
            "terminalUUID": "",
            "extra": 1,
        },
    }
    assert api.http.post(api.url + "/", json=body).json()["error_code"] == 0


def test_refresh_token_gives_a_working_token_and_rotates(api: Api) -> None:
    first = api.login(refresh=True)
    answer = api.v1(
        "refreshToken", {"refreshToken": first["refreshToken"], "terminalUUID": TERMINAL}
    )
    assert answer["error_code"] == 0
    new = answer["result"]
    assert new["token"] != first["token"]
    assert api.devices(new["token"])
    again = api.v1("refreshToken", {"refreshToken": first["refreshToken"]})
    assert again["error_code"] == -20652  # the old refresh token was rotated away
    assert api.v1("refreshToken", {"refreshToken": new["refreshToken"]})["error_code"] == 0


def test_device_list_has_every_field(shared: tuple[Api, str], shared_cloud: LocalCloud) -> None:
    api, token = shared
    devices = api.devices(token)
    assert devices
    for device in devices:
        assert set(device) >= LIST_FIELDS
        assert device["appServerUrl"] == shared_cloud.url
        assert len(device["deviceId"]) == 40
        assert device["status"] in (0, 1)
        assert device["isSameRegion"] is True
        for key in ("deviceType", "fwVer", "deviceName", "deviceModel", "deviceMac", "oemId"):
            assert device[key], key
    assert {d["status"] for d in devices} == {0, 1}  # the demo house has an unplugged device


def test_token_in_query_string_works(shared: tuple[Api, str]) -> None:
    api, token = shared
    answer = api.v1("getDeviceList", {}, query={"token": token, "appName": "Kasa_Android"})
    assert answer["error_code"] == 0


def _online(api: Api, token: str) -> list[dict[str, object]]:
    return [d for d in api.devices(token) if d["status"] == 1]


def test_passthrough_string_and_object_forms_are_mirrored(shared: tuple[Api, str]) -> None:
    api, token = shared
    device_id = _online(api, token)[0]["deviceId"]
    request = {"system": {"get_sysinfo": None}}
    for form in (json.dumps(request), request):
        body = {
            "method": "passthrough",
            "params": {"deviceId": device_id, "token": token, "requestData": form},
        }
        answer = api.http.post(api.url + "/", json=body).json()
        assert answer["error_code"] == 0
        data = answer["result"]["responseData"]
        assert isinstance(data, type(form))
        decoded = json.loads(data) if isinstance(data, str) else data
        assert decoded["system"]["get_sysinfo"]["err_code"] == 0


def test_passthrough_several_modules_and_module_errors(shared: tuple[Api, str]) -> None:
    api, token = shared
    kettle = next(d for d in _online(api, token) if d["alias"] == "Kettle")  # HS110: has emeter
    request = {
        "system": {"get_sysinfo": {}, "no_such_method": {}},
        "emeter": {"get_realtime": {}},
        "time": {"get_time": None},
        "no.such.module": {"x": None},
        "schedule": {"add_rule": {"sact": 7}},
    }
    answer = api.passthrough(token, str(kettle["deviceId"]), request)
    assert answer["error_code"] == 0  # device errors stay inside responseData
    response = answer["response"]
    assert set(response) == set(request)
    assert response["system"]["get_sysinfo"]["err_code"] == 0
    assert response["system"]["get_sysinfo"]["deviceId"] == kettle["deviceId"]
    assert response["system"]["no_such_method"] == {"err_code": -2, "err_msg": "member not support"}
    assert response["emeter"]["get_realtime"]["err_code"] == 0
    assert "power" in response["emeter"]["get_realtime"]  # V1 units on the HS110 hw 1
    assert response["time"]["get_time"]["err_code"] == 0
    assert response["no.such.module"] == {"err_code": -1, "err_msg": "module not support"}
    assert response["schedule"]["add_rule"] == {"err_code": -3, "err_msg": "invalid argument"}


def test_passthrough_to_a_strip_outlet(api: Api, local_cloud: LocalCloud) -> None:
    token = api.token()
    strips = []
    for device in _online(api, token):
        info = api.passthrough(token, str(device["deviceId"]), {"system": {"get_sysinfo": {}}})
        sysinfo = info["response"]["system"]["get_sysinfo"]
        if sysinfo.get("children"):
            strips.append((device["deviceId"], sysinfo["children"]))
    assert strips, "the demo house has a strip"
    strip_id, children = strips[0]
    child = children[0]["id"]
    if len(child) == 2:  # some firmware reports only the index
        child = f"{strip_id}{child}"
    request = {"context": {"child_ids": [child]}, "system": {"set_relay_state": {"state": 1}}}
    answer = api.passthrough(token, str(strip_id), request)
    assert answer["error_code"] == 0
    after = api.passthrough(token, str(strip_id), {"system": {"get_sysinfo": {}}})
    states = [c["state"] for c in after["response"]["system"]["get_sysinfo"]["children"]]
    assert states[0] == 1
    assert states[1:] == [c["state"] for c in children[1:]]


def test_set_alias_changes_the_device_and_the_list(api: Api) -> None:
    token = api.token()
    device_id = str(_online(api, token)[0]["deviceId"])
    answer = api.v1("setAlias", {"token": token, "deviceId": device_id, "alias": "Renamed"})
    assert answer["error_code"] == 0
    listed = {d["deviceId"]: d["alias"] for d in api.devices(token)}
    assert listed[device_id] == "Renamed"
    info = api.passthrough(token, device_id, {"system": {"get_sysinfo": None}})
    assert info["response"]["system"]["get_sysinfo"]["alias"] == "Renamed"
    bad = api.v1("setAlias", {"token": token, "deviceId": device_id, "alias": ""})
    assert bad["error_code"] == -20572


def _cloud_module(device: dict[str, object]) -> str:
    return "smartlife.iot.common.cloud" if device["deviceType"] == "IOT.SMARTBULB" else "cnCloud"


def test_bound_devices_report_their_owner_and_server(api: Api, local_cloud: LocalCloud) -> None:
    token = api.token()
    online = _online(api, token)
    assert {_cloud_module(d) for d in online} == {"cnCloud", "smartlife.iot.common.cloud"}
    for device in online:
        module = _cloud_module(device)
        answer = api.passthrough(token, str(device["deviceId"]), {module: {"get_info": None}})
        info = answer["response"][module]["get_info"]
        assert (info["err_code"], info["binded"], info["username"]) == (0, 1, DEMO[0])
        assert info["server"] == "127.0.0.1"  # the host of the device's appServerUrl


def test_unbind_device_removes_it_from_the_account(api: Api, local_cloud: LocalCloud) -> None:
    token = api.token()
    device_id = str(_online(api, token)[0]["deviceId"])
    answer = api.v1(
        "unbindDevice", {"token": token, "deviceId": device_id, "cloudUserName": DEMO[0]}
    )
    assert answer["error_code"] == 0
    assert device_id not in {d["deviceId"] for d in api.devices(token)}
    gone = api.passthrough(token, device_id, {"system": {"get_sysinfo": None}})
    assert gone["error_code"] == -20580
    # The device itself now says it is bound to no account.
    module = _cloud_module({"deviceType": local_cloud.device(device_id).cloud_info()["deviceType"]})
    device = local_cloud.device(device_id)
    info = device.handle({module: {"get_info": None}})[module]["get_info"]  # type: ignore[attr-defined]
    assert (info["binded"], info["username"]) == (0, "")
    other = api.v1("unbindDevice", {"token": token, "deviceId": device_id})
    assert other["error_code"] == -20580


@pytest.mark.parametrize(
    ("method", "params", "code"),
    [
        ("noSuchMethod", {}, -20103),
        ("getDeviceList", {}, -20652),
        ("getDeviceList", {"token": "not-a-token"}, -20652),
        ("login", {"cloudUserName": DEMO[0], "terminalUUID": "t"}, -20104),
        ("refreshToken", {}, -20104),
    ],
)
def test_error_shapes(shared: tuple[Api, str], method: str, params: dict, code: int) -> None:
    api, _ = shared
    answer = api.v1(method, params)
    assert answer["error_code"] == code
    assert isinstance(answer["msg"], str)
    assert answer["msg"]
    assert "result" not in answer


def test_device_errors(shared: tuple[Api, str]) -> None:
    api, token = shared
    devices = api.devices(token)
    offline = next(d for d in devices if d["status"] == 0)
    online = next(d for d in devices if d["status"] == 1)
    request = {"system": {"get_sysinfo": None}}
    assert api.passthrough(token, str(offline["deviceId"]), request)["error_code"] == -20571
    assert api.passthrough(token, "0" * 40, request)["error_code"] == -20501
    missing = api.v1("passthrough", {"token": token, "requestData": "{}"})
    assert missing["error_code"] == -20104
    no_data = api.v1("passthrough", {"token": token, "deviceId": online["deviceId"]})
    assert no_data["error_code"] == -20104


def test_body_that_is_not_json(shared: tuple[Api, str]) -> None:
    api, _ = shared
    for raw in (b"not json", b"\xff\xfe", b""):
        r = api.http.post(api.url + "/", content=raw)
        assert r.status_code == 200
        answer = r.json()
        assert answer.keys() == {"error_code", "msg"}
        assert answer["error_code"] == -10100
        # The cloud's own message, and what was wrong with the body
        assert answer["msg"].startswith("JSON format error: ")


def test_oversized_body_is_refused(shared: tuple[Api, str], shared_cloud: LocalCloud) -> None:
    api, token = shared
    big = "x" * (shared_cloud.config.max_body_bytes + 1)
    body = {"method": "getDeviceList", "params": {"token": token, "pad": big}}
    r = api.http.post(api.url + "/", json=body)
    assert r.status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: the server must count
        yield b'{"method":"getDeviceList","params":{"pad":"'
        for _ in range(shared_cloud.config.max_body_bytes // 1024 + 1):
            yield b"x" * 1024
        yield b'"}}'

    r = api.http.post(api.url + "/", content=chunks())
    assert r.status_code == 413


def test_get_is_not_a_cloud_call(shared: tuple[Api, str]) -> None:
    api, _ = shared
    assert api.http.get(api.url + "/").status_code == 405


def test_http_stack_is_real(shared_cloud: LocalCloud) -> None:
    # The URL is a real loopback port: a plain httpx call from outside the test helpers works.
    r = httpx.post(shared_cloud.url + "/", json={"method": "helloCloud"}, timeout=10)
    assert r.json() == {"error_code": 0, "result": {}}


@pytest.mark.anyio
async def test_local_cloud_as_async_context_manager(device_kit: object) -> None:
    async with LocalCloud(kit=device_kit) as cloud:  # type: ignore[arg-type]
        async with httpx.AsyncClient(timeout=10) as client:
            r = await client.post(cloud.url + "/", json={"method": "helloCloud"})
        assert r.json()["error_code"] == 0
        assert cloud.mfa_codes("demo@example.com") == []
