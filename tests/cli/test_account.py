"""login, logout, stored sessions, 2-step verification, --debug redaction."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

from cli_helpers import (
    CLEAN_ENV,
    DEMO_EMAIL,
    DEMO_PASSWORD,
    MFA_EMAIL,
    SECRET_EMAIL,
    SECRET_PASSWORD,
    Kc,
    make_runner,
)

from kasacloud.server import LocalCloud


def test_login_prompts_stores_a_private_token_and_never_the_password(
    secret_cloud: LocalCloud, kc: Kc, config_dir: Path
) -> None:
    run = kc("--cloud", secret_cloud.url, "login", input=f"{SECRET_EMAIL}\n{SECRET_PASSWORD}\n")
    assert run.code == 0, run.err
    assert "E-mail" in run.err
    assert "Password" in run.err
    assert "Signed in" in run.out
    assert SECRET_EMAIL in run.out
    tokens = config_dir / "tokens.json"
    assert stat.S_IMODE(tokens.stat().st_mode) == 0o600
    assert SECRET_PASSWORD not in run.out + run.err
    for path in config_dir.iterdir():
        assert SECRET_PASSWORD not in path.read_text()
    profile = json.loads((config_dir / "profile.json").read_text())
    assert profile == {"cloud_url": secret_cloud.url, "username": SECRET_EMAIL, "protocol": "v2"}


def test_login_json_output(cloud: LocalCloud, kc: Kc) -> None:
    run = kc("--cloud", cloud.url, "--json", "login", input=f"{DEMO_EMAIL}\n{DEMO_PASSWORD}\n")
    assert run.code == 0, run.err
    data = run.json()
    assert data["username"] == DEMO_EMAIL
    assert data["cloud"] == cloud.url
    assert data["protocol"] == "v2"
    assert "token" not in json.dumps(data)


def test_later_commands_run_on_the_stored_token_without_password(cloud: LocalCloud, kc: Kc) -> None:
    assert kc("--cloud", cloud.url, "login", input=f"{DEMO_EMAIL}\n{DEMO_PASSWORD}\n").code == 0
    run = kc("--json", "devices")  # no --cloud, no username, no password: the profile and token
    assert run.code == 0, run.err
    assert any(d["alias"] == "Kettle" for d in run.json()["devices"])


def test_an_expired_token_is_refreshed_without_the_password(
    local_cloud: LocalCloud, kc: Kc
) -> None:
    assert kc("--cloud", local_cloud.url, "--protocol", "v1", "login",
              input=f"{DEMO_EMAIL}\n{DEMO_PASSWORD}\n").code == 0  # fmt: skip
    local_cloud.clock.advance(local_cloud.config.token_lifetime_s + 3600)
    run = kc("--json", "info", "Kettle")
    assert run.code == 0, run.err
    assert run.json()["alias"] == "Kettle"


def test_username_and_password_from_the_environment(cloud: LocalCloud, kc: Kc) -> None:
    env = {"KASA_USERNAME": DEMO_EMAIL, "KASA_PASSWORD": DEMO_PASSWORD, "KASACLOUD_URL": cloud.url}
    run = kc("login", env=env)
    assert run.code == 0, run.err
    assert "Password" not in run.err


def test_wrong_password_is_an_authentication_error(cloud: LocalCloud, kc: Kc) -> None:
    run = kc("--cloud", cloud.url, "login", input=f"{DEMO_EMAIL}\nnot-the-password\n")
    assert run.code == 3
    assert "Error:" in run.err
    assert "not-the-password" not in run.err + run.out
    run = kc("--cloud", cloud.url, "--json", "login", input=f"{DEMO_EMAIL}\nnope-nope\n")
    assert run.code == 3
    assert run.error_json()["error"] == "auth"
    assert run.error_json()["exit_code"] == 3


def test_missing_password_with_closed_stdin_is_a_clear_error(cloud: LocalCloud, kc: Kc) -> None:
    run = kc("--cloud", cloud.url, "login", input=f"{DEMO_EMAIL}\n")
    assert run.code == 3
    assert "No password given" in run.err
    assert "Traceback" not in run.err


def test_not_signed_in(cloud: LocalCloud, kc: Kc) -> None:
    run = kc("--cloud", cloud.url, "devices")
    assert run.code == 3
    assert "Not signed in" in run.err
    assert "kasacloud login" in run.err


def test_logout_forgets_the_session(cloud: LocalCloud, kc: Kc, config_dir: Path) -> None:
    assert kc("--cloud", cloud.url, "login", input=f"{DEMO_EMAIL}\n{DEMO_PASSWORD}\n").code == 0
    run = kc("logout")
    assert run.code == 0
    assert "Signed" in run.out
    assert "out of" in run.out
    assert not (config_dir / "profile.json").exists()
    assert kc("--cloud", cloud.url, "devices").code == 3
    run = kc("--cloud", cloud.url, "--json", "logout")
    assert run.code == 0
    assert run.json()["signed_out"] is False


def test_debug_traces_requests_with_every_secret_redacted(secret_cloud: LocalCloud, kc: Kc) -> None:
    login = f"{SECRET_EMAIL}\n{SECRET_PASSWORD}\n"
    run = kc("--cloud", secret_cloud.url, "--debug", "login", input=login)
    assert run.code == 0, run.err
    assert "kasacloud.client" in run.err
    assert "login" in run.err
    assert SECRET_PASSWORD not in run.err + run.out
    run2 = kc("--debug", "--password", SECRET_PASSWORD, "devices")
    assert run2.code == 0
    assert SECRET_PASSWORD not in run2.err + run2.out
    assert "passthrough" in run2.err or "getDeviceList" in run2.err


def test_debug_never_shows_the_token(secret_cloud: LocalCloud, kc: Kc, config_dir: Path) -> None:
    login = f"{SECRET_EMAIL}\n{SECRET_PASSWORD}\n"
    assert kc("--cloud", secret_cloud.url, "login", input=login).code == 0
    stored = json.loads((config_dir / "tokens.json").read_text())
    secrets = [v for entry in stored.values() for k, v in entry.items()
               if k in ("token", "refresh_token") and v]  # fmt: skip
    assert secrets
    run = kc("--debug", "info", "Kettle")
    assert run.code == 0
    for secret in secrets:
        assert secret not in run.err
        assert secret not in run.out


def test_login_with_two_step_verification_prompts_for_the_code(
    cloud: LocalCloud, tmp_path: Path
) -> None:
    """A real process: the code only exists once the login asked for it, as for a person."""
    env = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV}
    env["KASACLOUD_CONFIG_DIR"] = str(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "kasacloud", "--cloud", cloud.url, "login"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    assert proc.stdin is not None
    before = len(cloud.mfa_codes(MFA_EMAIL))
    proc.stdin.write(f"{MFA_EMAIL}\n{DEMO_PASSWORD}\n")
    proc.stdin.flush()
    while len(cloud.mfa_codes(MFA_EMAIL)) == before and proc.poll() is None:
        time.sleep(0.05)
    code = cloud.mfa_codes(MFA_EMAIL)[-1]
    out, err = proc.communicate(f"{code}\n", timeout=60)
    assert proc.returncode == 0, err
    assert "Verification code" in err
    assert "2-step verification" in err
    assert MFA_EMAIL in out
    assert code not in out
    # the session works afterwards, without password or code
    run = make_runner(tmp_path)("--json", "devices")
    assert run.code == 0
    assert run.json() == {"devices": []}


def test_a_wrong_verification_code_is_an_authentication_error(cloud: LocalCloud, kc: Kc) -> None:
    run = kc("--cloud", cloud.url, "login", input=f"{MFA_EMAIL}\n{DEMO_PASSWORD}\n000000x\n")
    assert run.code == 3
    assert "Verification code" in run.err


def test_scripted_two_step_verification_with_login_code(
    cloud: LocalCloud, kc: Kc, config_dir: Path
) -> None:
    """No terminal: the first login has the code sent and exits 3; --code finishes it."""
    env = {"KASA_PASSWORD": DEMO_PASSWORD}
    first = kc("--cloud", cloud.url, "--json", "login", input=f"{MFA_EMAIL}\n", env=env)
    assert first.code == 3
    error = first.error_json()
    assert error["error"] == "auth"
    assert "a code was sent" in error["message"]
    assert "login --code" in error["hint"]
    pending = config_dir / "pending-verification.json"
    assert stat.S_IMODE(pending.stat().st_mode) == 0o600
    assert DEMO_PASSWORD not in pending.read_text()
    code = cloud.mfa_codes(MFA_EMAIL)[-1]

    wrong = kc("login", "--code", "000000x", input="", env=env)  # the cloud and e-mail are kept
    assert wrong.code == 3
    assert "Check the code" in wrong.err

    done = kc("--json", "login", "--code", code, input="", env=env)
    assert done.code == 0, done.err
    assert done.json()["username"] == MFA_EMAIL
    assert done.json()["cloud"] == cloud.url
    assert not pending.exists()
    assert kc("--json", "devices").json() == {"devices": []}  # signed in, no password needed


def test_login_code_without_a_pending_verification(cloud: LocalCloud, kc: Kc) -> None:
    env = {"KASA_USERNAME": MFA_EMAIL, "KASA_PASSWORD": DEMO_PASSWORD}
    run = kc("--cloud", cloud.url, "login", "--code", "123456", env=env)
    assert run.code == 3
    assert "No 2-step verification is waiting" in run.err
    assert "without --code first" in run.err


def test_a_command_signing_in_from_the_environment_keeps_the_verification(
    cloud: LocalCloud, kc: Kc
) -> None:
    env = {"KASA_USERNAME": MFA_EMAIL, "KASA_PASSWORD": DEMO_PASSWORD, "KASACLOUD_URL": cloud.url}
    run = kc("devices", env=env)
    assert run.code == 3
    assert "login --code" in run.err
    done = kc("login", "--code", cloud.mfa_codes(MFA_EMAIL)[-1], env=env)
    assert done.code == 0, done.err
    assert kc("devices", env=env).code == 0
