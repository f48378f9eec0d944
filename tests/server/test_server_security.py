"""Security: hashed passwords, random tokens, no secret in logs or in the store."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from server_helpers import Api

from kasacloud.server import LocalCloud
from kasacloud.server.accounts import hash_password, verify_password
from kasacloud.server.devices import DeviceKit

PASSWORD = "Correct-Horse-Battery-Staple-42"
SEED: dict[str, Any] = {
    "accounts": [
        {
            "email": "carol@example.com",
            "password": PASSWORD,
            "devices": [{"model": "HS103", "alias": "Lamp"}],
        }
    ]
}


def test_password_hashes_are_salted_scrypt() -> None:
    # a password no base64 text can hold by chance ("_" and "!" are not in its alphabet)
    password = "pass_word!"
    first, second = hash_password(password, 2**14), hash_password(password, 2**14)
    assert first.startswith("scrypt$16384$")
    assert first != second  # salted
    assert password not in first
    assert verify_password(password, first)
    assert not verify_password("pass_Word!", first)
    assert not verify_password(password, "garbage")


def test_no_secret_in_logs_or_store(
    caplog: pytest.LogCaptureFixture, tmp_path: Path, device_kit: DeviceKit | None
) -> None:
    caplog.set_level(logging.DEBUG)
    secrets: list[str] = [PASSWORD]
    with LocalCloud(seed=SEED, data_dir=tmp_path, kit=device_kit) as cloud, Api(cloud.url) as api:
        login = api.login("carol@example.com", PASSWORD, refresh=True)
        secrets += [login["token"], login["refreshToken"]]
        bad = {"cloudUserName": "carol@example.com", "cloudPassword": "bad-guess-9"}
        assert api.v1("login", {**bad, "terminalUUID": "t"})["error_code"] == -20601
        secrets.append("bad-guess-9")
        token = login["token"]
        device = api.devices(token)[0]["deviceId"]
        body = {
            "method": "passthrough",
            "params": {"deviceId": device, "requestData": '{"system":{"get_sysinfo":null}}'},
        }
        assert api.http.post(cloud.url + "/", json=body, params={"token": token}).status_code == 200
        api.v1("setAlias", {"token": token, "deviceId": device, "alias": "Desk"})
        refreshed = api.v1("refreshToken", {"refreshToken": login["refreshToken"]})["result"]
        secrets += [refreshed["token"], refreshed["refreshToken"]]
        v2 = api.signed("/api/v2/account/login", api.v2_login_body("carol@example.com", PASSWORD))
        secrets += [v2["result"]["token"], v2["result"]["refreshToken"]]
    # The server's side: our loggers and uvicorn's (httpx, the test's client, logs its own URLs).
    server_records = [r for r in caplog.records if r.name.startswith(("kasacloud", "uvicorn"))]
    assert any(r.name.startswith("kasacloud.server") for r in server_records)
    text = "\n".join(f"{r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in server_records)
    for secret in secrets:
        assert secret not in text
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("kasacloud.db*"))
    for secret in secrets:
        assert secret.encode() not in stored


def test_tokens_are_random(local_cloud: LocalCloud) -> None:
    with Api(local_cloud.url) as api:
        tokens = {api.token() for _ in range(3)}
    assert len(tokens) == 3
    assert all(len(t) >= 40 for t in tokens)


def test_the_store_and_the_code_outbox_are_private_to_their_owner(tmp_path: Path) -> None:
    data_dir = tmp_path / "new-data-dir"
    with LocalCloud(data_dir=data_dir) as cloud, Api(cloud.url) as api:
        body = api.v2_login_body("mfa@example.com", "demo")
        assert api.signed("/api/v2/account/login", body)["result"]["errorCode"] == "-20677"
        fields = ("appType", "cloudUserName", "cloudPassword", "terminalUUID")
        sent = api.signed("/api/v2/account/getEmailVC4TerminalMFA", {k: body[k] for k in fields})
        assert sent["error_code"] == 0
        assert cloud.mfa_codes("mfa@example.com")
    assert data_dir.stat().st_mode & 0o777 == 0o700
    private = [p for p in data_dir.iterdir() if p.name.startswith(("kasacloud.db", "mfa-outbox"))]
    assert {p.name for p in private} >= {"kasacloud.db", "mfa-outbox.jsonl"}
    for path in private:
        assert path.stat().st_mode & 0o077 == 0, path.name
