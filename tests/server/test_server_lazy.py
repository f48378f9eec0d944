"""A server of many devices: built on first use, kept across restarts, writes committed together."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
from server_helpers import TIMEOUT, Api

from kasacloud.server import LocalCloud
from kasacloud.sim import SimulatedDevice

SEED = {
    "accounts": [
        {
            "email": "many@example.com",
            "password": "pw",
            "devices": [
                {"model": "HS110(EU)", "alias": "Meter {n}", "count": 3},
                {"model": "HS300(US)", "alias": "Strip {n}", "count": 2},
                {"model": "HS103(US)", "alias": "Plug {n}", "count": 24},
            ],
        },
        {"email": "other@example.com", "password": "pw", "devices": [{"model": "KL130(US)"}]},
    ]
}
ACCOUNT = ("many@example.com", "pw")


def _sim(cloud: LocalCloud, device_id: str) -> SimulatedDevice:
    device = cloud.device(device_id)
    assert isinstance(device, SimulatedDevice)
    return device


def _history(api: Api, token: str, device_id: str, year: int, month: int) -> dict[str, Any]:
    """Last month's days and the year's months: the past, which must not change."""
    request = {
        "emeter": {"get_daystat": {"year": year, "month": month}, "get_monthstat": {"year": year}}
    }
    answer = api.passthrough(token, device_id, request)["response"]["emeter"]
    assert answer["get_daystat"]["err_code"] == 0, answer
    return {
        "days": answer["get_daystat"]["day_list"],
        "months": [m for m in answer["get_monthstat"]["month_list"] if m["month"] <= month],
    }


def _last_month(cloud: LocalCloud, device_id: str) -> tuple[int, int]:
    now = _sim(cloud, device_id).local_time(cloud.clock.now())
    return (now.year, now.month - 1) if now.month > 1 else (now.year - 1, 12)


def test_devices_are_built_on_first_use_and_keep_their_history_across_a_restart(
    tmp_path: Path,
) -> None:
    with LocalCloud(seed=SEED, data_dir=tmp_path) as cloud, Api(cloud.url) as api:
        token = api.token(*ACCOUNT)
        listed = api.devices(token)
        assert len(listed) == 29
        meter = next(d["deviceId"] for d in listed if d["alias"] == "Meter 1")
        # Listing builds nothing: only the device asked something is built.
        assert not any(_sim(cloud, d["deviceId"]).is_built for d in listed)
        assert not _sim(cloud, meter).is_built
        year, month = _last_month(cloud, meter)
        before = _history(api, token, meter, year, month)
        assert len(before["days"]) >= 3  # synthesized past use
        assert before["months"]
        assert _sim(cloud, meter).is_built
        assert sum(_sim(cloud, d["deviceId"]).is_built for d in listed) == 1
    with LocalCloud(data_dir=tmp_path) as cloud, Api(cloud.url) as api:
        token = api.token(*ACCOUNT)
        again = {d["deviceId"]: d for d in api.devices(token)}
        assert len(again) == 29
        assert again[meter]["alias"] == "Meter 1"
        assert not _sim(cloud, meter).is_built
        after = _history(api, token, meter, year, month)
        # The synthesized past is the same after the restart, not made up again.
        assert after == before


async def _switch_all(url: str, token: str, device_ids: list[str], state: int) -> list[int]:
    async with httpx.AsyncClient(timeout=TIMEOUT) as http:

        async def switch(device_id: str) -> int:
            request = {"system": {"set_relay_state": {"state": state}}}
            body = {
                "method": "passthrough",
                "params": {
                    "deviceId": device_id,
                    "token": token,
                    "requestData": json.dumps(request),
                },
            }
            answer = (await http.post(url + "/", json=body)).json()
            inner = json.loads(answer["result"]["responseData"])
            return int(answer["error_code"]) or int(inner["system"]["set_relay_state"]["err_code"])

        return list(await asyncio.gather(*(switch(d) for d in device_ids)))


def test_concurrent_writes_each_survive_a_restart(tmp_path: Path) -> None:
    with LocalCloud(seed=SEED, data_dir=tmp_path) as cloud, Api(cloud.url) as api:
        token = api.token(*ACCOUNT)
        plugs = [d["deviceId"] for d in api.devices(token) if d["alias"].startswith("Plug")]
        assert len(plugs) == 24
        states = {
            device_id: int(api.sysinfo(token, device_id)["relay_state"]) for device_id in plugs
        }
        wanted = {device_id: 1 - state for device_id, state in states.items()}
        on = [d for d, s in wanted.items() if s == 1]
        off = [d for d, s in wanted.items() if s == 0]
        assert asyncio.run(_switch_all(cloud.url, token, on, 1)) == [0] * len(on)
        assert asyncio.run(_switch_all(cloud.url, token, off, 0)) == [0] * len(off)
    with LocalCloud(data_dir=tmp_path) as cloud, Api(cloud.url) as api:
        token = api.token(*ACCOUNT)
        for device_id, state in wanted.items():
            assert int(api.sysinfo(token, device_id)["relay_state"]) == state, device_id
