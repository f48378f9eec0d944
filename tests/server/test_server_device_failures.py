"""A device that hangs, raises Fault, or fails: the server answers a cloud error, never a 500."""

from __future__ import annotations

import dataclasses

from server_helpers import Api

from kasacloud.server import LocalCloud, ServerConfig
from kasacloud.server.devices import DeviceKit

SYSINFO = {"system": {"get_sysinfo": None}}


def test_device_failures_become_cloud_errors(fake_kit: DeviceKit) -> None:
    config = dataclasses.replace(ServerConfig(), device_timeout_s=0.2)
    with LocalCloud(config=config, kit=fake_kit) as cloud, Api(cloud.url) as api:
        token = api.token()
        device_id = next(d["deviceId"] for d in api.devices(token) if d["status"] == 1)
        device = cloud.device(device_id)
        device.fault = -20571  # type: ignore[attr-defined]
        assert api.passthrough(token, device_id, SYSINFO)["error_code"] == -20571
        device.fault = None  # type: ignore[attr-defined]
        device.broken = True  # type: ignore[attr-defined]
        assert api.passthrough(token, device_id, SYSINFO) == {
            "error_code": -1,
            "msg": "unknow error",
        }
        device.broken = False  # type: ignore[attr-defined]
        device.hang = True  # type: ignore[attr-defined]
        assert api.passthrough(token, device_id, SYSINFO)["error_code"] == -20002
        device.hang = False  # type: ignore[attr-defined]
        assert api.passthrough(token, device_id, SYSINFO)["error_code"] == 0
        cloud.set_online(device_id, False)
        assert api.passthrough(token, device_id, SYSINFO)["error_code"] == -20571
        status = {d["deviceId"]: d["status"] for d in api.devices(token)}
        assert status[device_id] == 0
        renamed = api.v1("setAlias", {"token": token, "deviceId": device_id, "alias": "x"})
        assert renamed["error_code"] == -20571
