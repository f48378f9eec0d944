"""SMART devices on the LAN adopted into the cloud, end to end.

A simulated P110 runs in its own process (`kasacloud simulate`, KLAP for its owner's TP-Link ID), is
adopted with that TP-Link ID (`kasacloud adopt --device-login ...`), and is then driven through the
cloud's SMART passthrough while python-kasa drives it on the LAN: both see the device's one state.
Stopping the device process makes the cloud answer -20571.

Adoption by discovery (`kasacloud adopt --discover --device-login ...`) finds SMART devices by their
UDP 20002 answers, over either LAN transport (KLAP, AES), and the cloud bridges them.
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
from kasa import Credentials, Discover
from lan_helpers import free_port, private_address, run_kasa

from captures import smart_capture_files
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
DISCOVER_HOSTS = (private_address(41), private_address(42))


def kasacloud(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kasacloud", *args],
        capture_output=True, text=True, timeout=60, check=False, env=env,
        stdin=subprocess.DEVNULL,  # never a terminal: nothing may wait for a typed password
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


async def _lan_state(host: str) -> tuple[bool, str]:
    """What python-kasa sees on the LAN: on/off and alias."""
    found = await Discover.discover_single(host, credentials=Credentials(*OWNER),
                                           discovery_timeout=5)  # fmt: skip
    assert found is not None, f"nothing answered discovery at {host}"
    try:
        await found.update()
        return bool(found.is_on), str(found.alias)
    finally:
        await found.disconnect()


@pytest.mark.anyio
async def test_smart_devices_adopted_by_discovery(simulate: Any, tmp_path: Path) -> None:
    plug_host, dimmer_host = DISCOVER_HOSTS
    aes_capture = next(p for p in smart_capture_files() if p.name.startswith("P110(EU)"))
    plug_port, dimmer_port = free_port(plug_host), free_port(dimmer_host)
    owner = ("--device-login", OWNER[0], "--device-password", OWNER[1])
    # A plug whose capture says AES, and a dimmer that speaks KLAP: each on an address of its own
    # (python-kasa's discovery takes one answer per address, as real devices have one each).
    plugs = simulate(
        "--device", f"{aes_capture}=Kettle", "--address", plug_host,
        "--http-port", str(plug_port), *owner,
    )  # fmt: skip
    dimmer = simulate(
        "--device", "KS225(US)_1.0=Hall", "--address", dimmer_host,
        "--http-port", str(dimmer_port), *owner,
    )  # fmt: skip
    assert plugs.lines[0].endswith("(SMART, AES)")
    assert dimmer.lines[0].endswith("(SMART, KLAP)")
    ids = {line.split()[0]: line.split()[3] for line in plugs.lines[:1] + dimmer.lines[:1]}
    cloud_dir = tmp_path / "cloud"
    CloudService(cloud_dir).close()
    where = ("--account", DEMO[0], "--data-dir", str(cloud_dir), "--timeout", "2")

    # Without the owner's TP-Link ID: the SMART device is named, not adopted.
    # (A password in the environment alone is no TP-Link ID: ignored, not an error.)
    env = {**os.environ, "KASACLOUD_DEVICE_PASSWORD": OWNER[1]}
    unowned = kasacloud("adopt", "--discover", "--target", plug_host, *where, env=env)
    assert unowned.returncode == 1
    assert f"1 SMART device(s) answered too ({plug_host}): give --device-login" in unowned.stderr
    assert "no Kasa IOT device answered discovery" in unowned.stderr

    # A wrong password: nothing SMART adopted, a clear error, no secret echoed.
    wrong = kasacloud(
        "adopt", "--discover", "--target", dimmer_host, *where,
        "--device-login", OWNER[0], "--device-password", "wrong",
    )  # fmt: skip
    assert wrong.returncode == 1
    assert f"not adopted: the SMART device at {dimmer_host}:{dimmer_port} cannot be read" in (
        wrong.stderr
    )
    assert "Traceback" not in wrong.stderr

    # No password anywhere and no terminal to ask on: a usage error, not a hang.
    unasked = kasacloud("adopt", "--discover", "--target", dimmer_host, *where,
                        "--device-login", OWNER[0])  # fmt: skip
    assert unasked.returncode == 2
    assert "KASACLOUD_DEVICE_PASSWORD" in unasked.stderr

    alone = kasacloud("adopt", "--discover", "--target", plug_host, *where,
                      "--device-password", OWNER[1])  # fmt: skip
    assert alone.returncode == 2
    assert "--device-password goes with --device-login" in alone.stderr

    adopted: dict[str, dict[str, Any]] = {}
    for target in (plug_host, dimmer_host):
        run = kasacloud("adopt", "--discover", "--target", target, *where,
                        "--device-login", OWNER[0], "--json", env=env)  # fmt: skip
        assert run.returncode == 0, run.stderr
        assert OWNER[1] not in run.stdout + run.stderr
        adopted.update({f"{d['host']}:{d['port']}": d for d in json.loads(run.stdout)})
    assert {k: d["deviceId"] for k, d in adopted.items()} == ids
    assert adopted[f"{plug_host}:{plug_port}"]["encryption"] == "AES"
    assert adopted[f"{dimmer_host}:{dimmer_port}"]["encryption"] == "KLAP"
    credentials = cloud_dir / "lan-credentials.json"
    assert credentials.stat().st_mode & 0o777 == 0o600
    assert OWNER[1] not in credentials.read_text()

    kit = with_lan(sim_kit(), timeout_s=2.0, probe_interval_s=0.2)
    with LocalCloud(data_dir=cloud_dir, kit=kit) as cloud:
        tapo = Tapo(cloud.url)
        listed = {e["deviceId"]: e for e in tapo.devices()}
        for key, host in ((f"{plug_host}:{plug_port}", plug_host),
                          (f"{dimmer_host}:{dimmer_port}", dimmer_host)):  # fmt: skip
            device_id = ids[key]
            assert listed[device_id]["status"] == 1
            for on in (True, False, True):
                answer = tapo.call(device_id, "set_device_info", {"device_on": on})
                assert answer["error_code"] == 0, answer
                read = tapo.call(device_id, "get_device_info")
                reply = json.loads(read["result"]["responseData"])
                lan_on, lan_alias = await _lan_state(host)
                # The cloud and python-kasa on the LAN see the device's one state.
                assert reply["result"]["device_on"] is on
                assert lan_on is on
                assert smart.decode_text(reply["result"]["nickname"]) == lan_alias
            assert smart.decode_text(listed[device_id]["alias"]) == lan_alias

        # Restarted devices forget their sessions: the bridge signs in again on the next call.
        for process in (plugs, dimmer):
            process.stop()
            process.start()
        for device_id in ids.values():
            answer = tapo.call(device_id, "get_device_info")
            assert answer["error_code"] == 0, answer
