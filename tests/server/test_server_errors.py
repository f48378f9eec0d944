"""Errors shaped as the real cloud shapes them: lockout, expiry, rate limits, other accounts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from server_helpers import TERMINAL, Api

from kasacloud.protocol import assumptions
from kasacloud.server import LocalCloud, RateLimit, ServerConfig
from kasacloud.server.devices import DeviceKit

ALICE = ("alice@example.com", "alice-password")
BOB = ("bob@example.com", "bob-password")
SEED: dict[str, Any] = {
    "accounts": [
        {
            "email": ALICE[0],
            "password": ALICE[1],
            "devices": [{"model": "HS103", "alias": "Alice plug"}],
        },
        {
            "email": BOB[0],
            "password": BOB[1],
            "devices": [
                {"model": "HS103", "alias": "Bob plug"},
                {"model": "HS103", "alias": "Bob spare", "online": False},
            ],
        },
    ]
}


@pytest.fixture
def two_accounts(device_kit: DeviceKit | None) -> Iterator[tuple[LocalCloud, Api]]:
    with LocalCloud(seed=SEED, kit=device_kit) as cloud, Api(cloud.url) as api:
        yield cloud, api


def _login(api: Api, email: str, password: str) -> dict[str, Any]:
    return api.v1(
        "login", {"cloudUserName": email, "cloudPassword": password, "terminalUUID": TERMINAL}
    )


def test_wrong_password_and_unknown_account(two_accounts: tuple[LocalCloud, Api]) -> None:
    _, api = two_accounts
    wrong = _login(api, ALICE[0], "nope")
    assert wrong == {"error_code": -20601, "msg": "Incorrect email or password"}
    assert _login(api, "nobody@example.com", "x")["error_code"] == (
        assumptions.UNKNOWN_ACCOUNT_LOGIN_CODE
    )
    assert _login(api, ALICE[0].upper(), ALICE[1])["error_code"] == 0  # e-mails ignore case


def test_repeated_failures_slow_the_address_not_the_account(
    two_accounts: tuple[LocalCloud, Api],
) -> None:
    """The address that fails is slowed (-20004); the account is not locked (the full policy is
    tested in test_server_login_guard.py)."""
    cloud, api = two_accounts
    policy = cloud.config.login_policy
    for _ in range(policy.address_free_failures):
        assert _login(api, ALICE[0], "nope")["error_code"] == -20601
    slowed = _login(api, ALICE[0], ALICE[1])
    assert slowed["error_code"] == assumptions.THROTTLED_LOGIN_CODE
    assert "wait" in slowed["msg"]
    assert _login(api, BOB[0], BOB[1])["error_code"] == assumptions.THROTTLED_LOGIN_CODE
    cloud.clock.advance(policy.address_first_delay_s)
    assert _login(api, ALICE[0], ALICE[1])["error_code"] == 0


def test_another_accounts_device_is_refused(two_accounts: tuple[LocalCloud, Api]) -> None:
    cloud, api = two_accounts
    alice = _login(api, *ALICE)["result"]["token"]
    bob = _login(api, *BOB)["result"]["token"]
    alice_ids = {d["deviceId"] for d in api.devices(alice)}
    bob_ids = {d["deviceId"] for d in api.devices(bob)}
    assert len(alice_ids) == 1
    assert len(bob_ids) == 2
    assert not alice_ids & bob_ids
    request = {"system": {"set_relay_state": {"state": 1}}}
    for bob_device in bob_ids:
        before = cloud.device(bob_device).state_revision()
        answer = api.passthrough(alice, bob_device, request)
        assert answer["error_code"] == -20580
        assert cloud.device(bob_device).state_revision() == before
        for method, extra in (("setAlias", {"alias": "mine"}), ("unbindDevice", {})):
            params = {"token": alice, "deviceId": bob_device, **extra}
            assert api.v1(method, params)["error_code"] == -20580
    assert {d["deviceId"] for d in api.devices(bob)} == bob_ids
    # An outlet id of Bob's strip sent with Alice's own device id must not reach Bob's device.
    alice_device = next(iter(alice_ids))
    bob_device = next(iter(bob_ids))
    sneaky = {"context": {"child_ids": [f"{bob_device}00"]}, **request}
    before = cloud.device(bob_device).state_revision()
    assert api.passthrough(alice, alice_device, sneaky)["error_code"] == -20107
    assert cloud.device(bob_device).state_revision() == before


def test_offline_device(two_accounts: tuple[LocalCloud, Api]) -> None:
    _, api = two_accounts
    bob = _login(api, *BOB)["result"]["token"]
    offline = next(d for d in api.devices(bob) if d["status"] == 0)
    request = {"system": {"get_sysinfo": None}}
    assert api.passthrough(bob, offline["deviceId"], request) == {
        "error_code": -20571,
        "msg": "Device is offline",
    }


def test_token_and_refresh_token_expiry(device_kit: DeviceKit | None) -> None:
    config = ServerConfig(token_lifetime_s=60, refresh_token_lifetime_s=600)
    with LocalCloud(config=config, kit=device_kit) as cloud, Api(cloud.url) as api:
        login = api.login(refresh=True)
        assert api.v1("getDeviceList", {"token": login["token"]})["error_code"] == 0
        cloud.clock.advance(61)
        expired = api.v1("getDeviceList", {"token": login["token"]})
        assert expired == {"error_code": -20651, "msg": "Token expired"}
        refreshed = api.v1("refreshToken", {"refreshToken": login["refreshToken"]})
        assert refreshed["error_code"] == 0
        cloud.clock.advance(601)
        late = api.v1("refreshToken", {"refreshToken": refreshed["result"]["refreshToken"]})
        assert late["error_code"] == -20655


def test_rate_limit_per_account(device_kit: DeviceKit | None) -> None:
    config = ServerConfig(account_rate_limit=RateLimit(5, 60))
    with LocalCloud(config=config, kit=device_kit) as cloud, Api(cloud.url) as api:
        token = api.token()
        codes = [api.v1("getDeviceList", {"token": token})["error_code"] for _ in range(6)]
        assert codes == [0] * 5 + [-20004]
        cloud.clock.advance(60)
        assert api.v1("getDeviceList", {"token": token})["error_code"] == 0


def test_rate_limit_per_address(device_kit: DeviceKit | None) -> None:
    config = ServerConfig(address_rate_limit=RateLimit(3, 60))
    with LocalCloud(config=config, kit=device_kit) as cloud, Api(cloud.url) as api:
        params = {"cloudUserName": "demo@example.com", "cloudPassword": "x", "terminalUUID": "t1"}
        codes = [api.v1("login", params)["error_code"] for _ in range(4)]
        assert codes == [-20601] * 3 + [-20004]
        # A new terminal id from the same address is no way round it: clients choose those.
        assert api.v1("login", {**params, "terminalUUID": "t2"})["error_code"] == -20004
        cloud.clock.advance(60)
        assert api.v1("login", {**params, "cloudPassword": "demo"})["error_code"] == 0


def test_rate_limit_per_terminal_is_optional(device_kit: DeviceKit | None) -> None:
    config = ServerConfig(address_rate_limit=None, terminal_rate_limit=RateLimit(2, 60))
    with LocalCloud(config=config, kit=device_kit) as cloud, Api(cloud.url) as api:
        params = {
            "cloudUserName": "demo@example.com",
            "cloudPassword": "demo",
            "terminalUUID": "t1",
        }
        codes = [api.v1("login", params)["error_code"] for _ in range(3)]
        assert codes == [0, 0, -20004]
        assert api.v1("login", {**params, "terminalUUID": "t2"})["error_code"] == 0
        del cloud
