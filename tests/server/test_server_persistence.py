"""Persistence: state survives a restart, and a kill -9 loses no acknowledged write."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from server_helpers import Api

from kasacloud.server import LocalCloud
from kasacloud.server.devices import DeviceKit

SYSINFO = {"system": {"get_sysinfo": None}}


def _relay(api: Api, token: str, device_id: str) -> int:
    answer = api.passthrough(token, device_id, SYSINFO)
    return int(answer["response"]["system"]["get_sysinfo"]["relay_state"])


def test_state_survives_a_restart(tmp_path: Path, device_kit: DeviceKit | None) -> None:
    with LocalCloud(data_dir=tmp_path, kit=device_kit) as cloud, Api(cloud.url) as api:
        login = api.login(refresh=True)
        token = login["token"]
        devices = [d for d in api.devices(token) if d["status"] == 1]
        plugs = [d for d in devices if "relay_state" in api.sysinfo(token, d["deviceId"])]
        renamed, switched, unbound = (
            plugs[0]["deviceId"],
            plugs[1]["deviceId"],
            plugs[2]["deviceId"],
        )
        api.v1("setAlias", {"token": token, "deviceId": renamed, "alias": "Survivor"})
        before = _relay(api, token, switched)
        request = {"system": {"set_relay_state": {"state": 1 - before}}}
        assert api.passthrough(token, switched, request)["error_code"] == 0
        api.v1("unbindDevice", {"token": token, "deviceId": unbound})
        account_id = login["accountId"]
        count = len(api.devices(token))
    with LocalCloud(data_dir=tmp_path, kit=device_kit) as cloud, Api(cloud.url) as api:
        # The old token still works: tokens are stored (hashed) too.
        listed = {d["deviceId"]: d for d in api.devices(token)}
        assert len(listed) == count
        assert listed[renamed]["alias"] == "Survivor"
        assert unbound not in listed
        # Rebuilt from the store, the unbound device says it is bound to no account.
        info = cloud.device(unbound).handle({"cnCloud": {"get_info": None}})  # type: ignore[attr-defined]
        assert info["cnCloud"]["get_info"]["binded"] == 0
        assert _relay(api, token, switched) == 1 - before
        assert api.login()["accountId"] == account_id
        assert api.v1("refreshToken", {"refreshToken": login["refreshToken"]})["error_code"] == 0


def test_seed_is_applied_once(tmp_path: Path, device_kit: DeviceKit | None) -> None:
    seed = {
        "accounts": [
            {
                "email": "a@example.com",
                "password": "pw",
                "devices": [{"model": "HS103", "alias": "One"}],
            }
        ]
    }
    with LocalCloud(seed=seed, data_dir=tmp_path, kit=device_kit) as cloud, Api(cloud.url) as api:
        assert len(api.devices(api.token("a@example.com", "pw"))) == 1
    other = {"accounts": [{"email": "b@example.com", "password": "pw"}]}
    with LocalCloud(seed=other, data_dir=tmp_path, kit=device_kit) as cloud, Api(cloud.url) as api:
        assert len(api.devices(api.token("a@example.com", "pw"))) == 1
        assert (
            api.v1(
                "login",
                {"cloudUserName": "b@example.com", "cloudPassword": "pw", "terminalUUID": "t"},
            )["error_code"]
            == -20601
        )


# --- kill -9 --------------------------------------------------------------------------------


def _start(data_dir: Path, *extra: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kasacloud",
            "serve",
            "--port",
            "0",
            "--data-dir",
            str(data_dir),
            "--no-rate-limit",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    while True:
        try:
            line = lines.get(timeout=60)
        except queue.Empty:
            proc.kill()
            pytest.fail("kasacloud serve did not print its URL")
        if match := re.search(r"listening on (http://127\.0\.0\.1:\d+)", line):
            return proc, match.group(1)


@pytest.mark.slow
def test_kill_9_loses_no_acknowledged_write(tmp_path: Path) -> None:
    proc, url = _start(tmp_path)
    try:
        with Api(url) as api:
            token = api.token()
            devices = [
                d["deviceId"]
                for d in api.devices(token)
                if d["status"] == 1
                and "relay_state"
                in api.passthrough(token, d["deviceId"], SYSINFO)["response"]["system"][
                    "get_sysinfo"
                ]
            ]
        acked: dict[tuple[str, str], Any] = {}
        in_flight: dict[tuple[str, str], Any] = {}
        enough = threading.Event()
        stop = threading.Event()

        def stream() -> None:
            client = httpx.Client(timeout=10)
            i = 0
            try:
                while not stop.is_set():
                    device = devices[i % len(devices)]
                    if i % 2:
                        key, value = (device, "relay"), (i // 2) % 2
                        data = json.dumps({"system": {"set_relay_state": {"state": value}}})
                        params = {"deviceId": device, "token": token, "requestData": data}
                        body = {"method": "passthrough", "params": params}
                    else:
                        key, value = (device, "alias"), f"write {i}"
                        params = {"deviceId": device, "token": token, "alias": value}
                        body = {"method": "setAlias", "params": params}
                    in_flight.clear()
                    in_flight[key] = value
                    answer = client.post(url + "/", json=body).json()
                    assert answer["error_code"] == 0, answer
                    acked[key] = value
                    in_flight.clear()
                    i += 1
                    if i >= 60:
                        enough.set()
            except httpx.TransportError:
                pass  # the server was killed mid-request
            finally:
                client.close()

        writer = threading.Thread(target=stream)
        writer.start()
        assert enough.wait(timeout=60)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        stop.set()
        writer.join(timeout=20)
        assert not writer.is_alive()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)

    proc, url = _start(tmp_path)
    try:
        with Api(url) as api:
            token = api.token()
            listed = {d["deviceId"]: d for d in api.devices(token)}
            checked = 0
            for (device, kind), value in acked.items():
                allowed = {value, in_flight.get((device, kind), value)}
                if kind == "alias":
                    assert listed[device]["alias"] in allowed
                else:
                    assert _relay(api, token, device) in allowed
                checked += 1
            assert checked >= 2
        proc.send_signal(signal.SIGINT)  # Ctrl-C: a clean shutdown
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def test_serve_builds_app_server_url_from_public_url(tmp_path: Path) -> None:
    public = "https://eu-wap.cloud.example.test"
    proc, url = _start(tmp_path, "--public-url", public)
    try:
        with Api(url) as api:
            token = api.token()
            devices = api.devices(token)
            assert {d["appServerUrl"] for d in devices} == {public}
            # A bound device names its owner and this cloud's public host, as a real one would.
            plug = next(d for d in devices if d["status"] == 1 and d["deviceModel"] == "HS103(US)")
            answer = api.passthrough(token, plug["deviceId"], {"cnCloud": {"get_info": None}})
            info = answer["response"]["cnCloud"]["get_info"]
            assert (info["binded"], info["username"]) == (1, "demo@example.com")
            assert info["server"] == "eu-wap.cloud.example.test"
    finally:
        proc.terminate()
        assert proc.wait(timeout=20) == 0  # Ctrl-C / SIGTERM: a clean shutdown
