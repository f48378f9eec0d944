"""The cloud bridged to the LAN, end to end.

A simulated device runs in its own process (`kasacloud simulate`), is adopted into an account
(`kasacloud adopt`), and is then driven through our server over HTTP and, at the same time, over
the LAN by python-kasa's `kasa` command: both see one state, the device's. Killing the device
process makes the cloud report it offline; starting it again brings it back.

Most tests speak the V1 API with httpx, to see the exact wire answers; one drives the adopted
device through our client library (`kasacloud.KasaCloud`).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from lan_helpers import run_kasa

from kasacloud.lan import Found, adopt, with_lan
from kasacloud.protocol.errors import ErrorCode
from kasacloud.server import LocalCloud
from kasacloud.server.service import CloudService
from kasacloud.server.store import Store
from kasacloud.sim import SimClock, build_device
from kasacloud.sim.kit import sim_kit

pytestmark = pytest.mark.slow

DEMO = ("demo@example.com", "demo")
PLUG = "HS110(US)_1.0"
WAIT_S = 30.0


class V1:
    """The V1 calls these tests need, against one server."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx.Client(timeout=30)
        answer = self.call(
            "login",
            {
                "appType": "Kasa_Android",
                "cloudUserName": DEMO[0],
                "cloudPassword": DEMO[1],
                "terminalUUID": "lan-e2e",
            },
        )
        self.token = answer["result"]["token"]

    def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        response = self.http.post(self.url + "/", json={"method": method, "params": params})
        assert response.status_code == 200, response.text
        return response.json()

    def device(self, device_id: str) -> dict[str, Any]:
        answer = self.call("getDeviceList", {"token": self.token})
        assert answer["error_code"] == 0, answer
        (entry,) = [d for d in answer["result"]["deviceList"] if d["deviceId"] == device_id]
        return entry

    def passthrough(self, device_id: str, request: dict[str, Any]) -> dict[str, Any]:
        params = {"deviceId": device_id, "token": self.token, "requestData": json.dumps(request)}
        return self.call("passthrough", params)

    def answer(self, device_id: str, request: dict[str, Any]) -> dict[str, Any]:
        reply = self.passthrough(device_id, request)
        assert reply["error_code"] == 0, reply
        return json.loads(reply["result"]["responseData"])

    def wait_status(self, device_id: str, status: int) -> None:
        """Poll getDeviceList until the device shows ``status`` (bounded)."""
        deadline = time.monotonic() + WAIT_S
        while self.device(device_id)["status"] != status:
            assert time.monotonic() < deadline, f"status never became {status}"
            time.sleep(0.05)

    def close(self) -> None:
        self.http.close()


def kasacloud(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kasacloud", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def lan_sysinfo(host: str, port: int) -> dict[str, Any]:
    result = run_kasa("--host", host, "--port", str(port), "--type", "plug", "--json", "sysinfo")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def fresh_cloud_dir(path: Path) -> Path:
    CloudService(path).close()  # a fresh data dir holds the demo accounts
    return path


def test_adopted_device_end_to_end(simulate, lan_port: int, tmp_path: Path) -> None:
    host = "127.0.0.4"
    device_args = ["--device", f"{PLUG}=Kettle", "--address", host, "--port", str(lan_port)]
    sim_args = [*device_args, "--data-dir", str(tmp_path / "sim")]
    sim = simulate(*sim_args)
    device_id = sim.lines[0].split()[-1]
    cloud_dir = fresh_cloud_dir(tmp_path / "cloud")

    adopted = kasacloud(
        "adopt", "--host", f"{host}:{lan_port}", "--account", DEMO[0], "--data-dir", str(cloud_dir)
    )
    assert adopted.returncode == 0, adopted.stderr
    assert f"adopted {host}:{lan_port}  HS110(US)  'Kettle'  {device_id}" in adopted.stdout
    # A running server does not see it until restarted: adopt says so.
    assert "restart `kasacloud serve` to host them" in adopted.stdout

    kit = with_lan(sim_kit(), timeout_s=2.0, probe_interval_s=0.2)
    with LocalCloud(data_dir=cloud_dir, kit=kit) as cloud:
        api = V1(cloud.url)
        try:
            listed = api.device(device_id)
            assert listed["status"] == 1
            assert (listed["alias"], listed["deviceModel"]) == ("Kettle", "HS110(US)")
            assert listed["deviceType"] == "IOT.SMARTPLUGSWITCH"

            # One owner of state: the cloud switches, the LAN sees it; and the other way round.
            switched = api.answer(device_id, {"system": {"set_relay_state": {"state": 1}}})
            assert switched["system"]["set_relay_state"]["err_code"] == 0
            assert lan_sysinfo(host, lan_port)["relay_state"] == 1
            off = run_kasa("--host", host, "--port", str(lan_port), "--type", "plug", "off")
            assert off.returncode == 0, off.stderr
            info = api.answer(device_id, {"system": {"get_sysinfo": None}})
            assert info["system"]["get_sysinfo"]["relay_state"] == 0

            # The device's own errors come back inside responseData, the outer code stays 0.
            odd = api.answer(device_id, {"no.such.module": {"get": {}}, "system": {"nope": {}}})
            assert odd["no.such.module"]["err_code"] != 0
            assert odd["system"]["nope"]["err_code"] != 0

            # Unplugged: passthrough answers -20571 and the list shows it offline.
            sim.kill()
            gone = api.passthrough(device_id, {"system": {"get_sysinfo": None}})
            assert gone["error_code"] == ErrorCode.DEVICE_OFFLINE
            api.wait_status(device_id, 0)

            # Plugged in again: online once it answers, with the state it had.
            simulate(*sim_args)
            api.wait_status(device_id, 1)
            info = api.answer(device_id, {"system": {"get_sysinfo": None}})
            assert info["system"]["get_sysinfo"]["relay_state"] == 0
            assert info["system"]["get_sysinfo"]["deviceId"] == device_id
        finally:
            api.close()


def test_adopt_by_discovery(simulate, lan_port: int, tmp_path: Path) -> None:
    sim = simulate(
        "--device", f"{PLUG}=Kettle", "--device", "HS300(US)_2.0=Desk",
        "--address", "127.0.0.2", "--address", "127.0.0.3", "--port", str(lan_port),
    )  # fmt: skip
    ids = {line.split()[0]: line.split()[-1] for line in sim.lines[:2]}
    cloud_dir = fresh_cloud_dir(tmp_path / "cloud")
    adopted = kasacloud(
        "adopt", "--discover", "--target", "127.255.255.255", "--port", str(lan_port),
        "--account", DEMO[0], "--data-dir", str(cloud_dir), "--timeout", "2", "--json",
    )  # fmt: skip
    assert adopted.returncode == 0, adopted.stderr
    got = {f"{d['host']}:{d['port']}": d["deviceId"] for d in json.loads(adopted.stdout)}
    assert got == ids

    # No kit given: the server's default, the one `kasacloud serve` runs, hosts adopted devices.
    with LocalCloud(data_dir=cloud_dir) as cloud:
        api = V1(cloud.url)
        try:
            strip_id = ids[f"127.0.0.3:{lan_port}"]
            assert api.device(strip_id)["alias"] == "Desk"
            # Strip outlets keep the device's own ids: the cloud uses the device's id too.
            outlet = f"{strip_id}01"
            answer = api.answer(
                strip_id,
                {
                    "context": {"child_ids": [outlet]},
                    "system": {"set_relay_state": {"state": 0}},
                },
            )
            assert answer["system"]["set_relay_state"]["err_code"] == 0
            info = lan_sysinfo("127.0.0.3", lan_port)
            assert [c["state"] for c in info["children"] if c["id"] == outlet] == [0]
        finally:
            api.close()


def test_adopt_refuses_clearly(lan_port: int, tmp_path: Path) -> None:
    missing = kasacloud(
        "adopt", "--host", f"127.0.0.2:{lan_port}", "--account", DEMO[0],
        "--data-dir", str(tmp_path / "none"),
    )  # fmt: skip
    assert missing.returncode == 1
    assert "run `kasacloud serve" in missing.stderr
    cloud_dir = fresh_cloud_dir(tmp_path / "cloud")
    nobody = kasacloud(
        "adopt", "--host", f"127.0.0.2:{lan_port}", "--account", DEMO[0],
        "--data-dir", str(cloud_dir), "--timeout", "1",
    )  # fmt: skip
    assert nobody.returncode == 1
    assert "no Kasa device answers" in nobody.stderr
    assert len(nobody.stderr.strip().splitlines()) == 1
    usage = kasacloud("adopt", "--discover", "--account", DEMO[0])
    assert usage.returncode == 2
    assert "--target" in usage.stderr


def test_too_slow_is_20002_and_unreachable_is_20571(lan_port: int, tmp_path: Path) -> None:
    host = "127.0.0.5"
    cloud_dir = tmp_path / "cloud"
    service = CloudService(cloud_dir)
    try:
        plug = build_device(PLUG, device_id="AB" * 20, alias="Slow", clock=SimClock())
        sysinfo = plug.handle({"system": {"get_sysinfo": None}})["system"]["get_sysinfo"]
        adopt(service.store, DEMO[0], Found(host, lan_port, sysinfo))
    finally:
        service.close()
    assert any(r.profile == f"lan:{host}:{lan_port}" for r in Store(cloud_dir).load_devices())

    # Something that accepts connections and never answers: the kernel completes the handshake.
    silent = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    silent.bind((host, lan_port))
    silent.listen(8)
    kit = with_lan(sim_kit(), timeout_s=0.5, probe_interval_s=3600)
    try:
        with LocalCloud(data_dir=cloud_dir, kit=kit) as cloud:
            api = V1(cloud.url)
            try:
                slow = api.passthrough("AB" * 20, {"system": {"get_sysinfo": None}})
                assert slow["error_code"] == ErrorCode.REQUEST_TIMEOUT
                silent.close()
                gone = api.passthrough("AB" * 20, {"system": {"get_sysinfo": None}})
                assert gone["error_code"] == ErrorCode.DEVICE_OFFLINE
                # While offline, the list still names it from what it last said about itself.
                listed = api.device("AB" * 20)
                assert (listed["status"], listed["alias"]) == (0, "Slow")
            finally:
                api.close()
    finally:
        silent.close()


@pytest.mark.anyio
async def test_our_client_drives_an_adopted_device(simulate, lan_port: int, tmp_path: Path) -> None:
    from kasacloud import KasaCloud
    from kasacloud.client import errors

    host = "127.0.0.6"
    sim_args = ["--device", f"{PLUG}=LAN kettle", "--address", host, "--port", str(lan_port)]
    sim = simulate(*sim_args)
    device_id = sim.lines[0].split()[-1]
    cloud_dir = fresh_cloud_dir(tmp_path / "cloud")
    adopted = kasacloud(
        "adopt", "--host", f"{host}:{lan_port}", "--account", DEMO[0], "--data-dir", str(cloud_dir)
    )
    assert adopted.returncode == 0, adopted.stderr

    kit = with_lan(sim_kit(), timeout_s=2.0, probe_interval_s=0.2)
    async with LocalCloud(data_dir=cloud_dir, kit=kit) as cloud, KasaCloud(url=cloud.url) as client:
        await client.login(*DEMO)
        kettle = await client.device(device_id)
        assert (kettle.alias, kettle.model) == ("LAN kettle", "HS110(US)")
        await kettle.turn_on()
        assert lan_sysinfo(host, lan_port)["relay_state"] == 1
        off = run_kasa("--host", host, "--port", str(lan_port), "--type", "plug", "off")
        assert off.returncode == 0, off.stderr
        await kettle.update()
        assert kettle.is_on is False

        sim.kill()
        with pytest.raises(errors.DeviceOfflineError) as caught:
            await kettle.turn_on()
        assert caught.value.code == ErrorCode.DEVICE_OFFLINE
