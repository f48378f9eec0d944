"""`kasacloud web` as a person runs it: a real process on 127.0.0.1, signing in to --cloud."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from kasacloud.server import LocalCloud


def test_kasacloud_web_serves_on_loopback_only(local_cloud: LocalCloud, tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "kasacloud", "web", "--cloud", local_cloud.url, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.match(r"Dashboard: (http://127\.0\.0\.1:(\d+)/)  \(Ctrl-C to stop\)", line)
        assert match, line
        url, port = match.group(1), int(match.group(2))
        # Bound to 127.0.0.1 itself, not to every address: another loopback address is refused.
        with socket.socket() as other, socket.socket() as bound:
            assert other.connect_ex(("127.0.0.2", port)) != 0
            assert bound.connect_ex(("127.0.0.1", port)) == 0
        with httpx.Client(base_url=url, timeout=30, follow_redirects=True) as http:
            form = http.get("/signin")
            assert form.status_code == 200
            assert local_cloud.url.split("//")[1].rstrip("/") in form.text  # the --cloud named
            token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
            assert token
            signed_in = http.post(
                "/signin",
                data={"email": "demo@example.com", "password": "demo", "csrf_token": token[1]},
            )
            assert signed_in.status_code == 200
            assert "Your devices" in signed_in.text  # signed in to the --cloud given
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err  # Ctrl-C is the normal way to stop it
    assert "Dashboard stopped." in out


def test_kasacloud_web_uses_the_clis_rooms_from_its_config_dir(
    local_cloud: LocalCloud, tmp_path: Path
) -> None:
    from kasacloud.client.home import HOME_FILE, Home, HomeStore, account_key

    config = tmp_path / "elsewhere"
    kettle = next(
        i
        for i in local_cloud.device_ids()
        if local_cloud.device(i).cloud_info()["alias"] == "Kettle"
    )
    HomeStore(config / HOME_FILE).save(
        account_key(local_cloud.url, "demo@example.com"), Home(groups={"Kitchen": [kettle]})
    )
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path)}
    env.pop("KASACLOUD_CONFIG_DIR", None)
    command = [sys.executable, "-m", "kasacloud", "--config-dir", str(config), "web"]
    command += ["--cloud", local_cloud.url, "--port", "0", "--max-connections", "50"]
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.match(r"Dashboard: (http://127\.0\.0\.1:\d+/)", line)
        assert match, line + (proc.stderr.read() if proc.poll() is not None and proc.stderr else "")
        with httpx.Client(base_url=match.group(1), timeout=30, follow_redirects=True) as http:
            token = re.search(r'name="csrf_token" value="([^"]+)"', http.get("/signin").text)
            assert token
            page = http.post(
                "/signin",
                data={"email": "demo@example.com", "password": "demo", "csrf_token": token[1]},
            )
        assert 'data-room="Kitchen"' in page.text  # --config-dir's home.json, as the CLI's
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    assert proc.returncode == 0
