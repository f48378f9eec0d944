"""The real ``kasacloud`` executable: exit codes, output without a terminal, demo, progress."""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from cli_helpers import CLEAN_ENV, DEMO_EMAIL, DEMO_PASSWORD, Kc

from kasacloud.server import LocalCloud, RateLimit, ServerConfig
from kasacloud.server.devices import DeviceKit


def _env(config_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV}
    env["KASACLOUD_CONFIG_DIR"] = str(config_dir)
    return env


def _kasacloud(config_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kasacloud", *args],
        env=_env(config_dir),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_exit_codes_and_plain_output_of_the_real_process(
    cloud: LocalCloud, signed_in_dir: Path, tmp_path: Path
) -> None:
    ok = _kasacloud(signed_in_dir, "devices")
    assert ok.returncode == 0
    assert "\x1b[" not in ok.stdout  # no colour without a terminal
    assert "Kettle" in ok.stdout
    assert _kasacloud(signed_in_dir, "devices", "--bogus").returncode == 2
    assert _kasacloud(signed_in_dir, "info", "nothing like it").returncode == 4
    assert _kasacloud(signed_in_dir, "on", "Garage").returncode == 5
    not_signed = _kasacloud(tmp_path, "--cloud", cloud.url, "devices")
    assert not_signed.returncode == 3
    assert "Traceback" not in not_signed.stderr
    unreachable = _kasacloud(tmp_path, "--cloud", "http://127.0.0.1:9", "--username", "a@b.c",
                             "--password", "x", "--timeout", "2", "devices")  # fmt: skip
    assert unreachable.returncode == 8
    error = json.loads(_kasacloud(signed_in_dir, "--json", "on", "Garage").stderr)
    assert error["exit_code"] == 5


def test_rate_limited_is_exit_6_and_retries_says_how_often_to_try(kc: Kc) -> None:
    config = ServerConfig(account_rate_limit=RateLimit(4, 3600.0))
    with LocalCloud(config=config) as limited:
        login = f"{DEMO_EMAIL}\n{DEMO_PASSWORD}\n"
        assert kc("--cloud", limited.url, "login", input=login).code == 0
        # --retries 0: the first -20004 is final (the library would otherwise wait 2 s, then 4 s)
        codes = [kc("--retries", "0", "on", "Hall lamp").code for _ in range(4)]
        assert codes[-1] == 6
        assert set(codes) <= {0, 6}
        error = kc("--retries", "0", "--json", "on", "Hall lamp").error_json()
        assert error["error"] == "rate_limited"
        assert error["cloud_code"] == -20004
        # --retries 1: exactly one more try (the trace shows both), then the same exit code
        once = kc("--retries", "1", "--debug", "devices")
        assert once.code == 6
        assert once.err.count("-> POST") == 2


def test_exit_1_2_7_for_other_usage_and_device_errors(signed: Kc, fake_kit: DeviceKit) -> None:
    # a server that answers, but not as a Kasa cloud: exit 1, with a hint
    with LocalCloud(kit=fake_kit) as fake:
        env = {"KASA_USERNAME": DEMO_EMAIL, "KASA_PASSWORD": DEMO_PASSWORD}
        other = signed("--cloud", fake.url + "/not-the-api", "devices", env=env)
        assert other.code == 1, other.err
        assert "--cloud" in other.err
        # the fake plug does not know "reboot": the device refuses, exit 7
        refused = signed("--cloud", fake.url, "--json", "reboot", "Kettle", env=env)
        assert refused.code == 7, refused.err
        assert refused.error_json()["error"] == "device_error"
    # click's own usage errors go through the same printer, as JSON with --json
    usage = signed("light", "Living room", "--hsv", "400", "1", "1", "--json")
    assert usage.code == 2
    error = usage.error_json()
    assert error["error"] == "usage"
    assert error["exit_code"] == 2
    assert error["message"] == "Invalid value for '--hsv': 400 is not in the range 0<=x<=360."
    assert error["hint"].endswith(" light --help'.")
    human = signed("--timeout", "soon", "devices")
    assert human.code == 2
    assert human.err.startswith("Error: Invalid value for '--timeout'")


def _read_until(fd: int, wanted: bytes, timeout_s: float = 60.0) -> bytes:
    """Read a pty until ``wanted`` shows; fail with what was seen rather than hang."""
    seen = b""
    deadline = time.monotonic() + timeout_s
    while wanted not in seen:
        left = deadline - time.monotonic()
        ready, _, _ = select.select([fd], [], [], max(left, 0))
        assert ready, f"no {wanted!r} within {timeout_s} s; seen {seen!r}"
        chunk = os.read(fd, 1024)
        assert chunk, seen
        seen += chunk
    return seen


def _interrupt_until_exit(proc: subprocess.Popen[bytes], fd: int, timeout_s: float = 60.0) -> bytes:
    """Press Ctrl-C (SIGINT) until the process exits, reading its pty meanwhile.

    Ctrl-C is pressed again after half a second of silence, as a person would: a SIGINT that
    lands in the instant between the prompt being written and the terminal read starting is lost
    inside CPython's readline loop. Once the process answers, no more presses. A prompt that
    ignores Ctrl-C (one run inside the event loop) never exits, and fails this.
    """
    out = b""
    deadline = time.monotonic() + timeout_s
    next_press = 0.0
    while time.monotonic() < deadline:
        if not out and proc.poll() is None and time.monotonic() >= next_press:
            proc.send_signal(signal.SIGINT)
            next_press = time.monotonic() + 0.5
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the other side closed: the process is gone
                break
            out += chunk
        elif proc.poll() is not None:
            break
    try:
        proc.wait(timeout=max(deadline - time.monotonic(), 1))
    finally:
        os.close(fd)
    return out


def test_ctrl_c_at_a_prompt_is_exit_130(cloud: LocalCloud, tmp_path: Path) -> None:
    main, replica = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kasacloud", "--cloud", cloud.url, "login"],
        env={**_env(tmp_path), "TERM": "dumb"},
        stdin=replica,
        stdout=subprocess.PIPE,
        stderr=replica,
    )
    os.close(replica)
    _read_until(main, b"E-mail")
    rest = _interrupt_until_exit(proc, main)
    assert proc.returncode == 130, rest
    assert b"Stopped." in rest
    assert b"Traceback" not in rest


def test_progress_bar_only_on_a_terminal(signed_in_dir: Path, tmp_path: Path) -> None:
    main, replica = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kasacloud", "export", "Fridge", "-o", str(tmp_path / "e.csv")],
        env={**_env(signed_in_dir), "TERM": "xterm", "COLUMNS": "100"},
        stdout=subprocess.PIPE,
        stderr=replica,
        text=True,
    )
    os.close(replica)
    chunks = []
    while True:
        try:
            data = os.read(main, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(main)
    assert proc.returncode == 0
    assert b"Reading energy history" in b"".join(chunks)
    piped = _kasacloud(signed_in_dir, "export", "Fridge", "-o", str(tmp_path / "f.csv"))
    assert "Reading energy history" not in piped.stderr


def _start_demo(
    config_dir: Path, *args: str, command: list[str] | None = None
) -> tuple[subprocess.Popen[str], str]:
    """Start the demo (its own session, as from a terminal); return it and its banner."""
    proc = subprocess.Popen(
        command or [sys.executable, "-m", "kasacloud", "demo", "--port", "0", *args],
        env=_env(config_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert proc.stdout is not None
    banner = []
    for line in proc.stdout:
        banner.append(line)
        if "Ctrl-C" in line:
            break
    return proc, "".join(banner)


def _banner_path(banner: str, label: str) -> Path:
    line = next(x for x in banner.splitlines() if x.strip().startswith(label))
    return Path(line.split(":", 1)[1].split(" (")[0].strip())


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


def test_demo_starts_signs_in_prints_what_to_try_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    # the demo's usual port is taken (say, by another demo): it takes a free one and says so
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    taken_port = taken.getsockname()[1]
    proc, text = _start_demo(tmp_path, "--port", str(taken_port), "--web-port", "0")
    assert "Cloud:      http://127.0.0.1:" in text
    assert f"127.0.0.1:{taken_port}\n" not in text
    assert "Dashboard:" in text
    assert "kasacloud devices" in text
    demo_config = _banner_path(text, "Config dir:")
    demo_data = _banner_path(text, "Data dir:")
    assert demo_config != tmp_path
    # the hints carry the demo's config dir once, as an export line, before the commands
    assert text.count("KASACLOUD_CONFIG_DIR") == 1
    assert f"  export KASACLOUD_CONFIG_DIR={demo_config}\n" in text
    # pasted into a new shell (no virtualenv, none of our variables), the hints work as printed
    lines = [x.strip() for x in text.splitlines()]
    first = lines.index("Try, from another terminal (paste the first lines once):") + 1
    setup = [x for x in lines[first:] if x.startswith((". ", "export "))]
    devices_line = lines[first + len(setup)]
    assert devices_line.endswith("kasacloud devices")
    fresh = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    pasted = subprocess.run(["bash", "-c", "\n".join([*setup, devices_line])], env=fresh,
                            capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert pasted.returncode == 0, (setup, devices_line, pasted.stderr)
    assert "Kettle" in pasted.stdout
    # where the 2-step codes go
    assert f"its codes are written to {demo_data / 'mfa-outbox.jsonl'}" in text
    # the CLI is signed in there: another process lists the demo house without a password
    listed = _kasacloud(demo_config, "--json", "devices")
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)["devices"]) >= 10
    assert not tmp_path.exists() or not any(tmp_path.iterdir())  # the user's dir: untouched
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    taken.close()
    assert proc.returncode == 0, err
    assert f"Port {taken_port} is taken" in err
    assert "stopped" in out
    assert not demo_config.exists()  # removed at exit (no --keep)
    assert not demo_data.exists()


def test_the_demos_dashboard_shows_the_rooms_of_the_demos_cli(tmp_path: Path) -> None:
    import re

    import httpx

    proc, text = _start_demo(tmp_path, "--web-port", "0")
    try:
        demo_config = _banner_path(text, "Config dir:")
        url = re.search(r"Dashboard:\s+(http://\S+)", text)
        assert url, text
        made = _kasacloud(demo_config, "group", "add", "Kitchen", "Kettle", "Fridge")
        assert made.returncode == 0, made.stderr
        with httpx.Client(base_url=url[1], timeout=30, follow_redirects=True) as http:
            form = http.get("/signin").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', form)
            assert token
            page = http.post(
                "/signin",
                data={"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "csrf_token": token[1]},
            )
        assert page.status_code == 200
        assert 'data-room="Kitchen"' in page.text  # the demo CLI's room, on the demo's page
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)
    assert proc.returncode == 0


def test_a_killed_demo_leaves_the_users_session_as_it_was(
    cloud: LocalCloud, signed_in_dir: Path, tmp_path: Path
) -> None:
    before = _snapshot(signed_in_dir)
    for how in (signal.SIGKILL, signal.SIGHUP):
        keep = ["--keep"] if how == signal.SIGKILL else []
        proc, banner = _start_demo(signed_in_dir, "--no-web", *keep)
        demo_config = _banner_path(banner, "Config dir:")
        os.killpg(proc.pid, how)  # kill -9, or the terminal closed
        proc.communicate(timeout=60)
        assert _snapshot(signed_in_dir) == before
        if how == signal.SIGHUP:  # a clean stop: the demo's own dirs are gone
            assert proc.returncode == 0
            assert not demo_config.exists()
        else:
            shutil.rmtree(demo_config.parent)
    # the user's own session still works, against the user's own cloud
    ok = _kasacloud(signed_in_dir, "--json", "devices")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["devices"]


def test_ctrl_c_on_dev_py_demo_exits_quietly(tmp_path: Path) -> None:
    dev_py = Path(__file__).resolve().parents[2] / "dev.py"
    proc, banner = _start_demo(
        tmp_path, command=[sys.executable, str(dev_py), "demo", "--port", "0", "--no-web", "--keep"]
    )
    assert "kasacloud demo is running" in banner
    kept = _banner_path(banner, "Config dir:").parent
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C at a terminal: the whole foreground group
    out, err = proc.communicate(timeout=60)
    assert proc.returncode in (0, 130), err
    assert "Traceback" not in err
    assert f"kept {kept}" in out
    assert kept.exists()
    shutil.rmtree(kept)


def test_shell_completion_as_documented(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "kasacloud"
    env = {**_env(tmp_path), "_KASACLOUD_COMPLETE": "bash_source"}
    source = subprocess.run([str(script)], env=env, capture_output=True, text=True, timeout=60)
    assert source.returncode == 0
    assert "complete -o nosort -F _kasacloud_completion kasacloud" in source.stdout
    words = {
        "_KASACLOUD_COMPLETE": "bash_complete",
        "COMP_WORDS": "kasacloud sce",
        "COMP_CWORD": "1",
    }
    done = subprocess.run([str(script)], env={**_env(tmp_path), **words}, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert "plain,scene" in done.stdout.splitlines()
    doc = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text(encoding="utf-8")
    assert '"$(_KASACLOUD_COMPLETE=bash_source kasacloud)"' in doc


def test_dev_py_runs_the_virtualenvs_kasacloud(tmp_path: Path) -> None:
    dev_py = Path(__file__).resolve().parents[2] / "dev.py"
    command = [sys.executable, str(dev_py), "kasacloud", "--version"]
    run = subprocess.run(command, env=_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("kasacloud, version")


def test_ctrl_c_ends_watch_quietly(signed_in_dir: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "kasacloud", "watch", "Kettle", "--interval", "1"],
        env=_env(signed_in_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()  # a reading: it is watching
    assert "Kettle" in first
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Stopped watching." in err
    assert "Traceback" not in err


def test_ctrl_c_on_a_dev_py_job_is_exit_130_whatever_the_job_says(tmp_path: Path) -> None:
    dev_py = Path(__file__).resolve().parents[2] / "dev.py"
    # a job that answers Ctrl-C with its own code (pytest says 2), once it is running
    ready = tmp_path / "ready"
    job = (
        "import pathlib, signal, sys, time\n"
        "signal.signal(signal.SIGINT, lambda *_: sys.exit(2))\n"
        f"pathlib.Path({str(ready)!r}).touch()\n"
        "time.sleep(30)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, str(dev_py), "shell", "-c", job],  # dev.py's shell is $SHELL
        env={**_env(tmp_path), "SHELL": sys.executable},
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while not ready.exists():
        assert time.monotonic() < deadline, "the job did not start"
        assert proc.poll() is None, "the job ended before Ctrl-C"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C at a terminal: the whole foreground group
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert "dev.py: interrupted." in err


def test_dev_py_bench_help_prints_help_and_runs_nothing(tmp_path: Path) -> None:
    dev_py = Path(__file__).resolve().parents[2] / "dev.py"
    done = subprocess.run(
        [sys.executable, str(dev_py), "bench", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    for name in ("server:", "client:", "scale:"):
        assert name in done.stdout
    # No benchmark started: the server's prints this heading first thing.
    assert "server benchmark: passthrough on 127.0.0.1" not in done.stdout
