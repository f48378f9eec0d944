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


# Generous deadlines: they only stop a broken run from hanging, they are not what is tested. On a
# loaded machine (2 cores, other test processes) a start or an fsync can take seconds.
START_DEADLINE_S = 120.0
REQUEST_TIMEOUT = httpx.Timeout(120.0)
WRITES_BEFORE_KILL = 60


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
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)  # the process closed its output (it ended)

    threading.Thread(target=pump, daemon=True).start()
    while True:
        try:
            line = lines.get(timeout=START_DEADLINE_S)
        except queue.Empty:
            line = None
        if line is None:
            proc.kill()
            proc.wait()
            pytest.fail("kasacloud serve did not print its URL")
        if match := re.search(r"listening on (http://127\.0\.0\.1:\d+)", line):
            return proc, match.group(1)


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait()


class _Writer(threading.Thread):
    """Writes relay states and aliases one after another until the server dies under it.

    ``acked`` holds the last value the server acknowledged per (device, kind); ``in_flight`` the
    one write sent but not yet answered (the kill may land before or after it is stored). Any
    failure before the kill is kept in ``error`` and fails the test with its cause.
    """

    def __init__(self, url: str, token: str, devices: list[str]) -> None:
        super().__init__(name="kill-9-writer", daemon=True)
        self.url, self.token, self.devices = url, token, devices
        self.acked: dict[tuple[str, str], Any] = {}
        self.in_flight: dict[tuple[str, str], Any] = {}
        self.count = 0
        self.progress = threading.Condition()
        self.killed = threading.Event()
        self.error: str | None = None

    def _body(self, i: int) -> tuple[tuple[str, str], Any, dict[str, Any]]:
        device = self.devices[i % len(self.devices)]
        if i % 2:
            value: Any = (i // 2) % 2
            data = json.dumps({"system": {"set_relay_state": {"state": value}}})
            params = {"deviceId": device, "token": self.token, "requestData": data}
            return (device, "relay"), value, {"method": "passthrough", "params": params}
        value = f"write {i}"
        params = {"deviceId": device, "token": self.token, "alias": value}
        return (device, "alias"), value, {"method": "setAlias", "params": params}

    def run(self) -> None:
        with httpx.Client(timeout=REQUEST_TIMEOUT) as client:
            i = 0
            while True:
                key, value, body = self._body(i)
                self.in_flight = {key: value}
                try:
                    answer = client.post(self.url + "/", json=body).json()
                except httpx.TransportError as exc:
                    if not self.killed.is_set():
                        self.error = f"request {i} failed before the kill: {exc!r}"
                    break  # after the kill: the server died mid-request, as intended
                if answer.get("error_code") != 0:
                    self.error = f"request {i} answered {answer}"
                    break
                self.acked[key] = value
                self.in_flight = {}
                i += 1
                with self.progress:
                    self.count = i
                    self.progress.notify_all()
        with self.progress:
            self.progress.notify_all()

    def wait_for(self, writes: int) -> None:
        """Block until ``writes`` were acknowledged (or the writer stopped)."""
        with self.progress:
            self.progress.wait_for(
                lambda: self.count >= writes or not self.is_alive() or self.error is not None,
                timeout=START_DEADLINE_S * 2,
            )


@pytest.mark.slow
def test_kill_9_loses_no_acknowledged_write(tmp_path: Path) -> None:
    proc, url = _start(tmp_path)
    try:
        with Api(url) as api:
            api.http.timeout = REQUEST_TIMEOUT
            token = api.token()
            devices = [
                d["deviceId"]
                for d in api.devices(token)
                if d["status"] == 1 and "relay_state" in api.sysinfo(token, d["deviceId"])
            ]
        assert len(devices) >= 2
        writer = _Writer(url, token, devices)
        writer.start()
        writer.wait_for(WRITES_BEFORE_KILL)
        assert writer.error is None, writer.error
        assert writer.count >= WRITES_BEFORE_KILL, "the writer stalled before the kill"
        writer.killed.set()
        proc.send_signal(signal.SIGKILL)  # while the writer keeps writing: mid-stream
        proc.wait()
        writer.join(timeout=START_DEADLINE_S)
        assert not writer.is_alive()
        assert writer.error is None, writer.error
    finally:
        _stop(proc)

    proc, url = _start(tmp_path)
    try:
        with Api(url) as api:
            api.http.timeout = REQUEST_TIMEOUT
            token = api.token()
            listed = {d["deviceId"]: d for d in api.devices(token)}
            checked = 0
            for (device, kind), value in writer.acked.items():
                allowed = {value, writer.in_flight.get((device, kind), value)}
                if kind == "alias":
                    assert listed[device]["alias"] in allowed
                else:
                    assert _relay(api, token, device) in allowed
                checked += 1
            assert checked >= 2
        proc.send_signal(signal.SIGINT)  # Ctrl-C: a clean shutdown
        assert proc.wait(timeout=START_DEADLINE_S) == 0
    finally:
        _stop(proc)


def test_serve_builds_app_server_url_from_public_url(tmp_path: Path) -> None:
    public = "https://eu-wap.cloud.example.test"
    proc, url = _start(tmp_path, "--public-url", public, "--mfa-answer", "outer")
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
            # --mfa-answer outer: -20677 as the outer error_code
            mfa = api.signed("/api/v2/account/login", api.v2_login_body("mfa@example.com", "demo"))
            assert mfa["error_code"] == -20677
            assert mfa["result"]["MFAProcessId"]
    finally:
        proc.terminate()
        assert proc.wait(timeout=START_DEADLINE_S) == 0  # Ctrl-C / SIGTERM: a clean shutdown
