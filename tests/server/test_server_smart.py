"""SMART devices through the cloud, over real HTTP: the Tapo app's sign-in, its device list, and
``/api/v2/common/passthrough`` (signed), spoken with a plain HTTP client as the apps speak it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from server_helpers import DEMO, Api

from captures import smart_capture_files, smart_capture_params
from kasacloud.protocol import assumptions, smart
from kasacloud.protocol.errors import ErrorCode
from kasacloud.protocol.signing import KASA_APP, TAPO_APP, AppKey
from kasacloud.server import LocalCloud, ServerConfig
from kasacloud.sim.smart import LazySmartDevice

ACCOUNT = "/api/v2/account/"
PASSTHROUGH = assumptions.TAPO_PASSTHROUGH_PATH
NO_LIMITS = ServerConfig(account_rate_limit=None, address_rate_limit=None)


class Tapo:
    """The Tapo app's calls, against one server."""

    def __init__(self, api: Api, app: AppKey = TAPO_APP) -> None:
        self.api = api
        self.app = app
        body = {**api.v2_login_body(), "appType": app.app_type}
        answer = api.signed(ACCOUNT + "login", body, app=app)
        assert answer["error_code"] == 0, answer
        self.token = str(answer["result"]["token"])

    def devices(self) -> list[dict[str, Any]]:
        answer = self.api.signed(
            "/", {"method": "getDeviceList", "params": {}}, app=self.app,
            query={"token": self.token},
        )  # fmt: skip
        assert answer["error_code"] == 0, answer
        return list(answer["result"]["deviceList"])

    def raw(self, device_id: str, request_data: object) -> dict[str, Any]:
        body = {"deviceId": device_id, "requestData": request_data}
        return self.api.signed(PASSTHROUGH, body, app=self.app, query={"token": self.token})

    def call(self, device_id: str, method: str, params: dict[str, Any] | None = None) -> Any:
        """One SMART request as a JSON string; the device's answer, decoded."""
        answer = self.raw(device_id, json.dumps(smart.smart_request(method, params)))
        assert answer["error_code"] == 0, answer
        response = answer["result"]["responseData"]
        assert isinstance(response, str)  # answered in the form asked
        return json.loads(response)

    def ok(self, device_id: str, method: str, params: dict[str, Any] | None = None) -> Any:
        answer = self.call(device_id, method, params)
        assert answer["error_code"] == 0, (method, answer)
        return answer.get("result")


@pytest.fixture(scope="module")
def cloud() -> Iterator[LocalCloud]:
    with LocalCloud(config=NO_LIMITS) as running:
        yield running


@pytest.fixture
def api(cloud: LocalCloud) -> Iterator[Api]:
    with Api(cloud.url) as client:
        yield client


def _by_alias(entries: list[dict[str, Any]], alias: str) -> dict[str, Any]:
    return next(e for e in entries if e["alias"] == alias)


def test_the_tapo_app_lists_smart_devices_with_base64_aliases(api: Api, cloud: LocalCloud) -> None:
    tapo = Tapo(api).devices()
    assert tapo
    assert all(e["deviceType"].startswith("SMART.") for e in tapo)
    names = {smart.decode_text(e["alias"]) for e in tapo}
    assert {"Coffee machine", "Bedroom strip", "Sofa lamp", "Tapo hub", "Stairs dimmer"} <= names
    entry = next(e for e in tapo if smart.decode_text(e["alias"]) == "Coffee machine")
    assert entry["deviceModel"] == "P110(EU)"
    assert entry["appServerUrl"] == cloud.url
    assert entry["status"] == 1
    for key in ("deviceId", "deviceMac", "deviceHwVer", "fwVer", "deviceRegion", "oemId", "hwId"):
        assert entry[key], key
    # The Kasa app: every IOT device, and the SMART ones the documented choice names.
    kasa = api.devices(api.token())
    assert any(e["deviceType"].startswith("IOT.") for e in kasa)
    kasa_types = assumptions.SMART_TYPES_IN_KASA_APP
    wanted = {e["deviceId"] for e in tapo if e["deviceType"].startswith(kasa_types)}
    assert {e["deviceId"] for e in kasa if e["deviceType"].startswith("SMART.")} == wanted
    # Signed with the Kasa key, the same V1 list is the Kasa app's.
    assert {e["deviceId"] for e in Tapo(api, KASA_APP).devices()} == {e["deviceId"] for e in kasa}


def test_common_passthrough_in_kind_and_errors(api: Api) -> None:
    tapo = Tapo(api)
    entries = {smart.decode_text(e["alias"]): e["deviceId"] for e in tapo.devices()}
    plug = entries["Coffee machine"]
    info = tapo.ok(plug, "get_device_info")
    assert smart.decode_text(info["nickname"]) == "Coffee machine"
    # requestData as an object is answered as an object.
    as_object = tapo.raw(plug, smart.smart_request("get_device_info"))
    assert as_object["error_code"] == 0
    assert as_object["result"]["responseData"]["result"]["device_id"] == plug
    for on in (True, False):
        assert tapo.ok(plug, "set_device_info", {"device_on": on}) == {}
        assert tapo.ok(plug, "get_device_info")["device_on"] is on
    wanted = [{"method": "get_device_info"}, {"method": "get_current_power"}, {"method": "nope"}]
    batch = tapo.ok(plug, "multipleRequest", {"requests": wanted})
    assert [r["error_code"] for r in batch["responses"]] == [0, 0, -1002]
    assert tapo.call(plug, "nope") == {"error_code": -1002}
    assert tapo.call(plug, "set_device_info", {"brightness": "x"}) == {"error_code": -1008}
    # Cloud errors: not JSON, someone else's device, no token, unsigned.
    assert tapo.raw(plug, "{not json")["error_code"] == ErrorCode.ARGS_INVALID
    assert tapo.raw("0" * 40, "{}")["error_code"] == ErrorCode.DEVICE_NOT_FOUND
    body = {"deviceId": plug, "requestData": "{}"}
    no_token = api.signed(PASSTHROUGH, body, app=TAPO_APP)
    assert no_token["error_code"] != 0
    unsigned = api.http.post(api.url + PASSTHROUGH, json=body, params={"token": tapo.token})
    assert unsigned.json()["error_code"] == assumptions.SIGNATURE_ERROR_CODE


def test_each_app_s_endpoint_refuses_the_other_family(api: Api) -> None:
    token = api.token()
    lamp = _by_alias(api.devices(token), "Hall lamp")["deviceId"]
    tapo = Tapo(api)
    dimmer = next(
        e["deviceId"] for e in tapo.devices() if smart.decode_text(e["alias"]) == "Stairs dimmer"
    )
    assert api.passthrough(token, dimmer, {"system": {"get_sysinfo": None}})["error_code"] == (
        ErrorCode.DEVICE_OFFLINE
    )
    answer = tapo.raw(lamp, json.dumps(smart.smart_request("get_device_info")))
    assert answer["error_code"] == assumptions.IOT_DEVICE_ON_SMART_PASSTHROUGH_CODE


def test_hub_sensors_and_energy_move_with_the_clock(api: Api, cloud: LocalCloud) -> None:
    tapo = Tapo(api)
    entries = {smart.decode_text(e["alias"]): e["deviceId"] for e in tapo.devices()}
    hub, plug = entries["Tapo hub"], entries["Coffee machine"]
    children = tapo.ok(hub, "get_child_device_list")["child_device_list"]
    assert {c["model"] for c in children} == {"T310", "T110"}
    climate = next(c for c in children if c["model"] == "T310")["device_id"]
    tapo.ok(plug, "set_device_info", {"device_on": True})
    before = tapo.ok(plug, "get_energy_usage")
    temps = set()
    for _ in range(12):
        cloud.clock.advance(1800)
        inner = tapo.ok(
            hub, "control_child",
            {"device_id": climate, "requestData": {"method": "get_device_info"}},
        )  # fmt: skip
        temps.add(inner["responseData"]["result"]["current_temp"])
    assert len(temps) > 1
    after = tapo.ok(plug, "get_energy_usage")
    assert after["month_energy"] > before["month_energy"]
    now = int(cloud.clock.now())
    hours = tapo.ok(
        plug, "get_energy_data",
        {"start_timestamp": now - 6 * 3600, "end_timestamp": now, "interval": 60},
    )  # fmt: skip
    assert len(hours["data"]) == 7
    assert sum(hours["data"][:-1]) > 0


def test_renaming_a_smart_device_through_v1_set_alias(api: Api) -> None:
    token = api.token()
    tapo = Tapo(api)

    def names() -> dict[str | None, str]:
        return {smart.decode_text(e["alias"]): e["deviceId"] for e in tapo.devices()}

    dimmer = names()["Stairs dimmer"]
    answer = api.v1("setAlias", {"token": token, "deviceId": dimmer, "alias": "Landing dimmer"})
    assert answer["error_code"] == 0, answer
    assert names()["Landing dimmer"] == dimmer
    assert smart.decode_text(tapo.ok(dimmer, "get_device_info")["nickname"]) == "Landing dimmer"
    too_long = api.v1("setAlias", {"token": token, "deviceId": dimmer, "alias": "x" * 200})
    assert too_long["error_code"] == ErrorCode.ALIAS_FORMAT
    api.v1("setAlias", {"token": token, "deviceId": dimmer, "alias": "Stairs dimmer"})


def test_smart_state_survives_a_restart(tmp_path: Path) -> None:
    with LocalCloud(data_dir=tmp_path, config=NO_LIMITS) as first, Api(first.url) as api:
        tapo = Tapo(api)
        lamp = next(
            e["deviceId"] for e in tapo.devices() if smart.decode_text(e["alias"]) == "Sofa lamp"
        )
        tapo.ok(lamp, "set_device_info", {"hue": 200, "saturation": 70, "brightness": 35})
    with LocalCloud(data_dir=tmp_path, config=NO_LIMITS) as second, Api(second.url) as api:
        info = Tapo(api).ok(lamp, "get_device_info")
        assert (info["hue"], info["saturation"], info["brightness"]) == (200, 70, 35)


@pytest.fixture(scope="module")
def capture_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    """One server hosting every SMART capture (``kasacloud serve --device FILE`` each)."""
    files = smart_capture_files()
    seed = {"accounts": [{"email": DEMO[0], "password": DEMO[1], "devices": []}]}
    data_dir = tmp_path_factory.mktemp("smart-captures")
    with LocalCloud(seed=seed, data_dir=data_dir, config=NO_LIMITS, devices=files) as running:
        yield running


@pytest.mark.parametrize("path", smart_capture_params())
def test_every_capture_served_through_the_cloud(
    path: Path | None, capture_cloud: LocalCloud
) -> None:
    if path is None:
        pytest.fail("the SMART captures are missing (../shared/fixtures/kasa-smart)")
    data = json.loads(path.read_text(encoding="utf-8"))
    model = data["discovery_result"]["result"]["device_model"]
    with Api(capture_cloud.url) as api:
        tapo = Tapo(api)
        entry = next(
            e
            for e in tapo.devices()
            if e["deviceModel"] == model and e["fwVer"] == data["get_device_info"]["fw_ver"]
        )
        assert entry["deviceType"] == data["get_device_info"]["type"]
        assert entry["deviceHwVer"] == data["get_device_info"]["hw_ver"]
        device_id = entry["deviceId"]
        assert tapo.ok(device_id, "component_nego") == data["component_nego"]
        info = tapo.ok(device_id, "get_device_info")
        assert set(data["get_device_info"]) <= set(info)
        assert info["model"] == data["get_device_info"]["model"]
        assert smart.decode_text(info["nickname"]) == smart.decode_text(entry["alias"])
        methods = [m for m in data if m.startswith("get_") and m != "get_device_info"]
        batch = tapo.ok(
            device_id, "multipleRequest", {"requests": [{"method": m} for m in methods]}
        )
        assert [r["method"] for r in batch["responses"]] == methods
        assert all(r["error_code"] == 0 for r in batch["responses"]), batch
        for response in batch["responses"]:
            captured = data[response["method"]]
            if isinstance(captured, dict):
                assert set(captured) <= set(response["result"]), response["method"]
        if "device_on" in info:
            tapo.ok(device_id, "set_device_info", {"device_on": not info["device_on"]})
            assert tapo.ok(device_id, "get_device_info")["device_on"] is not info["device_on"]


def test_a_seed_names_a_smart_capture_and_offline_is_20571(tmp_path: Path) -> None:
    files = smart_capture_files("KS240*.json")
    if not files:
        pytest.fail("the SMART captures are missing (../shared/fixtures/kasa-smart)")
    seed = {
        "accounts": [
            {
                "email": DEMO[0], "password": DEMO[1],
                "devices": [
                    {"profile": str(files[0]), "alias": "Fan and light"},
                    {"profile": "P110(EU)", "alias": "Unplugged", "online": False},
                ],
            }
        ]
    }  # fmt: skip
    with LocalCloud(seed=seed, data_dir=tmp_path, config=NO_LIMITS) as cloud, Api(cloud.url) as api:
        tapo = Tapo(api)
        entries = {smart.decode_text(e["alias"]): e for e in tapo.devices()}
        switch = entries["Fan and light"]
        assert switch["deviceModel"] == "KS240(US)"
        gangs = tapo.ok(switch["deviceId"], "get_child_device_list")["child_device_list"]
        fan = next(g for g in gangs if "fan_speed_level" in g)
        request = smart.smart_request("set_device_info", {"fan_speed_level": 3})
        inner = tapo.ok(
            switch["deviceId"], "control_child",
            {"device_id": fan["device_id"], "requestData": request},
        )  # fmt: skip
        assert inner["responseData"]["error_code"] == 0
        gangs = tapo.ok(switch["deviceId"], "get_child_device_list")["child_device_list"]
        assert next(g for g in gangs if g["device_id"] == fan["device_id"])["fan_speed_level"] == 3
        offline = entries["Unplugged"]
        assert offline["status"] == 0
        answer = tapo.raw(offline["deviceId"], json.dumps(smart.smart_request("get_device_info")))
        assert answer["error_code"] == ErrorCode.DEVICE_OFFLINE


def test_smart_devices_are_built_on_first_use_and_keep_their_past_across_a_restart(
    tmp_path: Path,
) -> None:
    seed = {
        "accounts": [
            {
                "email": DEMO[0],
                "password": DEMO[1],
                "devices": [{"model": "P110(EU)", "alias": "Plug {n}", "count": 5}],
            }
        ]
    }

    def hosted(cloud: LocalCloud, device_id: str) -> LazySmartDevice:
        device = cloud.device(device_id)
        assert isinstance(device, LazySmartDevice)
        return device

    def week(tapo: Tapo, device_id: str, now_s: float) -> list[int]:
        end = int(now_s) // 86_400 * 86_400
        params = {"start_timestamp": end - 7 * 86_400, "end_timestamp": end - 1, "interval": 1440}
        return list(tapo.ok(device_id, "get_energy_data", params)["data"])

    with LocalCloud(seed=seed, data_dir=tmp_path, config=NO_LIMITS) as first, Api(first.url) as api:
        tapo = Tapo(api)
        listed = tapo.devices()
        assert len(listed) == 5
        ids = [e["deviceId"] for e in listed]
        # Listing builds nothing; only the device asked something is built.
        assert not any(hosted(first, i).is_built for i in ids)
        used = next(e["deviceId"] for e in listed if smart.decode_text(e["alias"]) == "Plug 1")
        before = week(tapo, used, first.clock.now())
        assert sum(before) > 0, "a synthesized past"
        assert [hosted(first, i).is_built for i in ids].count(True) == 1
        now_s = first.clock.now()
    with LocalCloud(data_dir=tmp_path, config=NO_LIMITS) as second, Api(second.url) as api:
        tapo = Tapo(api)
        again = {e["deviceId"]: e for e in tapo.devices()}
        assert smart.decode_text(again[used]["alias"]) == "Plug 1"
        assert not any(hosted(second, i).is_built for i in again)
        # The same past after the restart, for the used device and an unused one alike.
        assert week(tapo, used, now_s) == before
        unused = next(i for i in ids if i != used)
        assert sum(week(tapo, unused, now_s)) > 0
