"""A SMART device on the LAN adopted into the cloud, end to end.

A simulated P110 runs in its own process (`kasacloud simulate`, KLAP for its owner's TP-Link ID), is
adopted with that TP-Link ID (`kasacloud adopt --device-login ...`), and is then driven through the
cloud's SMART passthrough while python-kasa drives it on the LAN: both see the device's one state.
Stopping the device process makes the cloud answer -20571.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from lan_helpers import free_port, private_address, run_kasa

from kasacloud.lan import with_lan
from kasacloud.protocol import assumptions, signing, smart
from kasacloud.protocol.errors import ErrorCode
from kasacloud.server import LocalCloud
from kasacloud.server.service import CloudService
from kasacloud.sim.kit import sim_kit

pytestmark = pytest.mark.slow

OWNER = ("owner@example.com", "n0t-the-demo")
DEMO = ("demo@example.com", "demo")
HOST = private_address(18)


def kasacloud(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kasacloud", *args],
        capture_output=True, text=True, timeout=60, check=False, env=env,
    )  # fmt: skip


class Tapo:
    """The Tapo app's signed calls against one server."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx.Client(timeout=30)
        body = {
            "appType": signing.TAPO_APP.app_type, "cloudUserName": DEMO[0],
            "cloudPassword": DEMO[1], "terminalUUID": "smart-bridge",
        }  # fmt: skip
        self.token = self.post("/api/v2/account/login", body)["result"]["token"]

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        raw = json.dumps(body).encode()
        headers = {"Content-Type": "application/json", **signing.sign(signing.TAPO_APP, raw, path)}
        params = {"token": self.token} if hasattr(self, "token") else None
        response = self.http.post(self.url + path, content=raw, headers=headers, params=params)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def devices(self) -> list[dict[str, Any]]:
        answer = self.post("/", {"method": "getDeviceList", "params": {}})
        assert answer["error_code"] == 0, answer
        return list(answer["result"]["deviceList"])

    def call(self, device_id: str, method: str, params: dict[str, Any] | None = None) -> Any:
        request = json.dumps(smart.smart_request(method, params))
        return self.post(
            assumptions.TAPO_PASSTHROUGH_PATH, {"deviceId": device_id, "requestData": request}
        )


def test_adopted_smart_device_end_to_end(simulate: Any, tmp_path: Path) -> None:
    port = free_port(HOST)
    sim = simulate(
        "--device", "P110(EU)_1.0=Kettle", "--address", HOST, "--http-port", str(port),
        "--device-login", OWNER[0], "--device-password", OWNER[1],
    )  # fmt: skip
    device_id = sim.lines[0].split()[3]
    cloud_dir = tmp_path / "cloud"
    CloudService(cloud_dir).close()

    wrong = kasacloud(
        "adopt", "--host", HOST, "--account", DEMO[0], "--data-dir", str(cloud_dir),
        "--timeout", "2", "--device-login", OWNER[0], "--device-password", "wrong",
    )  # fmt: skip
    assert wrong.returncode == 1
    assert "cannot be read" in wrong.stderr
    assert "wrong" not in wrong.stderr.replace("--device-password", "")

    env = {**os.environ, "KASACLOUD_DEVICE_PASSWORD": OWNER[1]}  # not on the command line
    adopted = kasacloud(
        "adopt", "--host", HOST, "--account", DEMO[0], "--data-dir", str(cloud_dir),
        "--timeout", "2", "--device-login", OWNER[0], env=env,
    )  # fmt: skip
    assert adopted.returncode == 0, adopted.stderr
    assert f"adopted {HOST}:{port}  P110(EU)  'Kettle'  {device_id}  (SMART)" in adopted.stdout
    credentials = cloud_dir / "lan-credentials.json"
    assert credentials.stat().st_mode & 0o777 == 0o600
    assert OWNER[1] not in credentials.read_text()
    assert OWNER[1] not in adopted.stdout + adopted.stderr

    kit = with_lan(sim_kit(), timeout_s=2.0, probe_interval_s=0.2)
    with LocalCloud(data_dir=cloud_dir, kit=kit) as cloud:
        tapo = Tapo(cloud.url)
        (entry,) = [e for e in tapo.devices() if e["deviceId"] == device_id]
        assert smart.decode_text(entry["alias"]) == "Kettle"
        assert entry["deviceType"] == "SMART.TAPOPLUG"
        assert entry["status"] == 1

        # The cloud switches; the LAN (python-kasa) sees it. And the other way round.
        answer = tapo.call(device_id, "set_device_info", {"device_on": True})
        assert answer["error_code"] == 0, answer
        lan = ("--host", HOST, "--username", OWNER[0], "--password", OWNER[1])
        assert "Device state: True" in run_kasa(*lan, "state").stdout
        assert run_kasa(*lan, "off").returncode == 0
        info = json.loads(tapo.call(device_id, "get_device_info")["result"]["responseData"])
        assert info["result"]["device_on"] is False
        # The device's own errors come through untouched.
        unknown = json.loads(tapo.call(device_id, "no_such_method")["result"]["responseData"])
        assert unknown == {"error_code": -1002}

        sim.stop()
        assert tapo.call(device_id, "get_device_info")["error_code"] == ErrorCode.DEVICE_OFFLINE
