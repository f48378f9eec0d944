"""A cloud client written by others, unchanged, against kasacloud's server.

tplink-cloud-api (PyPI) was written for TP-Link's own cloud: V2 signed requests, region discovery
through getAccountStatusAndUrl, V1-envelope passthrough to each device's ``appServerUrl``, strip
outlets through ``context.child_ids``. The only thing these tests change is the host it talks to.
What the client sees is checked against the server's own simulated devices.
"""

from __future__ import annotations

from typing import Any

import pytest
from tplinkcloud import TPLinkDeviceManager
from tplinkcloud.exceptions import TPLinkAuthError, TPLinkMFARequiredError

from kasacloud.server import LocalCloud, ServerConfig

pytestmark = pytest.mark.anyio


def _sysinfo(cloud: LocalCloud, device_id: str, child_id: str | None = None) -> dict[str, Any]:
    """What the server's simulated device itself says (not through any client)."""
    request: dict[str, Any] = {"system": {"get_sysinfo": None}}
    if child_id is not None:
        request["context"] = {"child_ids": [child_id]}
    info: dict[str, Any] = cloud.device(device_id).handle(request)["system"]["get_sysinfo"]
    return info


def _manager(cloud: LocalCloud, password: str = "demo") -> TPLinkDeviceManager:
    return TPLinkDeviceManager(
        "demo@example.com", password, tplink_cloud_api_host=cloud.url, include_tapo=False
    )


async def test_it_signs_in_lists_the_house_and_its_outlets(local_cloud: LocalCloud) -> None:
    manager = _manager(local_cloud)
    devices = await manager.get_devices()
    aliases = [d.get_alias() for d in devices]
    for alias in ("Kettle", "Fridge", "Office strip", "TV strip", "Living room bulb"):
        assert alias in aliases
    assert "Garage plug" in aliases  # offline devices are listed too
    office = await manager.find_device("Office strip")
    outlets = [d for d in devices if d.child_id and d.device_id == office.device_id]
    server_children = _sysinfo(local_cloud, office.device_id)["children"]
    assert [o.child_id for o in outlets] == [c["id"] for c in server_children]
    assert [o.get_alias() for o in outlets] == [c["alias"] for c in server_children]


async def test_it_switches_a_plug_and_the_server_sees_it(local_cloud: LocalCloud) -> None:
    manager = _manager(local_cloud)
    kettle = await manager.find_device("Kettle")
    await kettle.power_on()
    assert _sysinfo(local_cloud, kettle.device_id)["relay_state"] == 1
    assert await kettle.is_on()
    await kettle.power_off()
    assert _sysinfo(local_cloud, kettle.device_id)["relay_state"] == 0
    assert await kettle.is_off()


async def test_it_switches_one_outlet_of_a_strip(local_cloud: LocalCloud) -> None:
    manager = _manager(local_cloud)
    office = await manager.find_device("Office strip")
    outlets = [
        d for d in await manager.get_devices() if d.child_id and d.device_id == office.device_id
    ]
    second = outlets[1]
    before = {c["id"]: c["state"] for c in _sysinfo(local_cloud, office.device_id)["children"]}
    await second.power_off()
    after = {c["id"]: c["state"] for c in _sysinfo(local_cloud, office.device_id)["children"]}
    assert after[second.child_id] == 0
    assert {k: v for k, v in after.items() if k != second.child_id} == {
        k: v for k, v in before.items() if k != second.child_id
    }
    await second.power_on()
    after = {c["id"]: c["state"] for c in _sysinfo(local_cloud, office.device_id)["children"]}
    assert after[second.child_id] == 1


async def test_it_reads_energy_in_the_devices_own_units(local_cloud: LocalCloud) -> None:
    manager = _manager(local_cloud)
    fridge = await manager.find_device("Fridge")  # V2 units: milliwatts, millivolts
    reading = await fridge.get_power_usage_realtime()
    assert reading.power_mw > 10_000  # a running fridge draws tens of watts
    assert 100_000 < reading.voltage_mv < 260_000
    kettle = await manager.find_device("Kettle")  # V1 units: watts, volts (floats)
    await kettle.power_on()
    v1 = await kettle.get_power_usage_realtime()
    assert 100 < v1.voltage_mv < 260  # the client keeps V1's volts under its _mv name
    assert v1.power_mw > 100


def test_a_wrong_password_is_an_authentication_error(local_cloud: LocalCloud) -> None:
    with pytest.raises(TPLinkAuthError) as raised:
        _manager(local_cloud, password="not-the-password")
    assert raised.value.error_code == -20601


def test_it_recognises_2_step_verification_in_the_outer_form() -> None:
    # tplink-cloud-api reads -20677 only from the outer error_code; kasacloud's server can answer
    # that way (ServerConfig.mfa_answer / `kasacloud serve --mfa-answer outer`).
    with LocalCloud(config=ServerConfig(mfa_answer="outer")) as cloud:
        with pytest.raises(TPLinkMFARequiredError) as raised:
            TPLinkDeviceManager(
                "mfa@example.com", "demo", tplink_cloud_api_host=cloud.url, include_tapo=False
            )
        assert raised.value.error_code == -20677
