"""Login protection (issue 11, point 3): the address that fails is slowed, then refused; the
account is never locked against an address without recent failures; an unknown e-mail and a
real account with the same history answer alike and cost the same hashing; 2-step codes are
throttled per account across processes; X-Forwarded-For counts only from trusted proxies.

Several source addresses on loopback: the server trusts 127.0.0.1 as a proxy here, and each
request names its client in ``X-Forwarded-For`` (documentation addresses, RFC 5737).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from server_helpers import TERMINAL, Api

from kasacloud.protocol import assumptions
from kasacloud.server import LocalCloud, LoginPolicy, ServerConfig
from kasacloud.server.accounts import Accounts
from kasacloud.server.devices import DeviceKit

ALICE = ("alice@example.com", "alice-password")
GHOST = "ghost@example.com"
MFA = ("mfa@example.com", "mfa-password")
SEED: dict[str, Any] = {
    "accounts": [
        {"email": ALICE[0], "password": ALICE[1], "devices": [{"model": "HS103"}]},
        {"email": MFA[0], "password": MFA[1], "mfa": True},
    ]
}
ATTACKER, OWNER, OTHER = "203.0.113.66", "198.51.100.7", "192.0.2.1"
POLICY = LoginPolicy(
    window_s=900,
    address_free_failures=3,
    address_first_delay_s=10,
    address_max_delay_s=40,
    address_block_failures=8,
    address_block_s=600,
    account_protect_failures=5,
    mfa_max_wrong_codes=3,
)
ACCOUNT = "/api/v2/account/"
THROTTLED, LOCKED, WRONG = assumptions.THROTTLED_LOGIN_CODE, assumptions.LOCKOUT_ERROR_CODE, -20601


def _config(**changes: Any) -> ServerConfig:
    base = ServerConfig(
        login_policy=POLICY, trusted_proxies=("127.0.0.1",), address_rate_limit=None
    )
    return dataclasses.replace(base, **changes)


@pytest.fixture
def cloud(device_kit: DeviceKit | None) -> Iterator[LocalCloud]:
    with LocalCloud(seed=SEED, config=_config(), kit=device_kit) as running:
        yield running


@pytest.fixture
def api(cloud: LocalCloud) -> Iterator[Api]:
    with Api(cloud.url) as client:
        yield client


def login(
    api: Api, email: str, password: str, source: str | None, terminal: str = TERMINAL
) -> dict[str, Any]:
    params = {"cloudUserName": email, "cloudPassword": password, "terminalUUID": terminal}
    headers = {"X-Forwarded-For": source} if source else {}
    body = {"method": "login", "params": params}
    return dict(api.http.post(api.url + "/", json=body, headers=headers).json())


def code(answer: dict[str, Any]) -> int:
    return int(answer["error_code"])


def test_the_failing_address_is_slowed_with_growing_delays_then_refused(
    device_kit: DeviceKit | None,
) -> None:
    # Only the address part of the policy here: the account is not protected on the way.
    config = _config(login_policy=dataclasses.replace(POLICY, account_protect_failures=100))
    with LocalCloud(seed=SEED, config=config, kit=device_kit) as cloud, Api(cloud.url) as api:
        _slowed_then_refused(cloud, api)


def _slowed_then_refused(cloud: LocalCloud, api: Api) -> None:
    for _ in range(POLICY.address_free_failures):
        assert code(login(api, ALICE[0], "guess", ATTACKER)) == WRONG
    waits = []
    for _ in range(POLICY.address_block_failures - POLICY.address_free_failures):
        slowed = login(api, ALICE[0], ALICE[1], ATTACKER)  # even the right password waits
        assert code(slowed) == THROTTLED
        waits.append(int(slowed["msg"].split("wait ")[1].split(" s")[0]))
        cloud.clock.advance(waits[-1])
        assert code(login(api, ALICE[0], "guess", ATTACKER)) == WRONG
    assert waits == [10, 20, 40, 40, 40]
    # Past address_block_failures the address is refused outright, for address_block_s.
    cloud.clock.advance(POLICY.address_max_delay_s)
    blocked = login(api, ALICE[0], ALICE[1], ATTACKER)
    assert code(blocked) == THROTTLED
    assert "try again in 10 min" in blocked["msg"]
    cloud.clock.advance(POLICY.address_block_s - POLICY.address_max_delay_s - 1)
    assert code(login(api, ALICE[0], ALICE[1], ATTACKER)) == THROTTLED
    # Meanwhile the owner, elsewhere, was never refused; and later the address may try again.
    assert code(login(api, ALICE[0], ALICE[1], OWNER)) == 0
    cloud.clock.advance(POLICY.window_s)
    assert code(login(api, ALICE[0], ALICE[1], ATTACKER)) == 0


def test_a_stranger_cannot_lock_the_owner_out(cloud: LocalCloud, api: Api) -> None:
    session = api.v1(
        "login",
        {"cloudUserName": ALICE[0], "cloudPassword": ALICE[1], "terminalUUID": TERMINAL,
         "refreshTokenNeeded": True},
    )["result"]  # fmt: skip
    # Failures from many addresses: the account becomes protected.
    attackers = [f"203.0.113.{i}" for i in range(1, POLICY.account_protect_failures + 1)]
    for address in attackers:
        assert code(login(api, ALICE[0], "guess", address)) == WRONG
    for address in attackers:  # an address with recent failures may no longer try it
        refused = login(api, ALICE[0], ALICE[1], address)
        assert code(refused) == LOCKED
        assert refused["msg"] == assumptions.LOCKOUT_MESSAGE
    # The owner, from an address without failures, signs in as usual.
    assert code(login(api, ALICE[0], ALICE[1], OWNER)) == 0
    # Sessions that hold a token or a refresh token are never touched.
    assert code(api.v1("getDeviceList", {"token": session["token"]})) == 0
    assert code(api.v1("refreshToken", {"refreshToken": session["refreshToken"]})) == 0
    # Another account tried from those addresses is not protected (but those addresses are
    # still counted: this one has 1 failure of its 3 free ones).
    assert code(login(api, MFA[0], "guess", attackers[0])) == WRONG


def test_a_new_terminal_id_per_try_changes_nothing(api: Api) -> None:
    for i in range(POLICY.address_free_failures):
        assert code(login(api, ALICE[0], "guess", ATTACKER, terminal=f"t-{i}")) == WRONG
    assert code(login(api, ALICE[0], ALICE[1], ATTACKER, terminal="brand-new")) == THROTTLED


def _history(cloud: LocalCloud, api: Api, email: str, source: str) -> list[tuple[Any, ...]]:
    """Answers and hashing work along one history of failures, ending protected and blocked."""
    accounts: Accounts = cloud.service.accounts
    steps: list[tuple[Any, ...]] = []

    def attempt(password: str, address: str) -> None:
        before = accounts.password_checks
        answer = login(api, email, password, address)
        steps.append((address == source, answer, accounts.password_checks - before))

    for _ in range(POLICY.address_free_failures):
        attempt("guess", source)
    attempt("guess", source)  # slowed
    cloud.clock.advance(POLICY.address_first_delay_s)
    attempt("guess", source)
    # Failures from elsewhere protect the account; then this address may not try it.
    for i in range(POLICY.account_protect_failures):
        attempt("guess", f"{source.rsplit('.', 1)[0]}.{200 + i}")
    cloud.clock.advance(POLICY.address_max_delay_s)
    attempt("guess", source)
    return steps


def test_an_unknown_account_answers_and_works_as_a_real_one(
    device_kit: DeviceKit | None,
) -> None:
    histories = []
    for email in (ALICE[0], GHOST):
        with (
            LocalCloud(seed=SEED, config=_config(), kit=device_kit) as cloud,
            Api(cloud.url) as api,
        ):
            histories.append(_history(cloud, api, email, OTHER))
    real, unknown = histories
    assert real == unknown
    answers = [code(step[1]) for step in real]
    assert answers == [WRONG] * 3 + [THROTTLED, WRONG] + [WRONG] * 5 + [LOCKED]
    # One scrypt hash for every attempt that got as far as a password check, none for refusals.
    assert [step[2] for step in real] == [1 if c == WRONG else 0 for c in answers]


def test_unknown_accounts_hash_against_a_decoy_with_the_same_parameters(
    cloud: LocalCloud,
) -> None:
    accounts = cloud.service.accounts
    alice = accounts.by_email(ALICE[0])
    assert alice is not None
    decoy = accounts._decoy_hash  # the structure is the point: same scheme, cost and sizes
    assert decoy.split("$")[:4] == alice.password_hash.split("$")[:4]
    assert [len(part) for part in decoy.split("$")[4:]] == [
        len(part) for part in alice.password_hash.split("$")[4:]
    ]


def test_x_forwarded_for_counts_only_from_trusted_proxies(device_kit: DeviceKit | None) -> None:
    # Not trusted: every try comes from 127.0.0.1, whatever the header claims.
    untrusted = _config(trusted_proxies=())
    with LocalCloud(seed=SEED, config=untrusted, kit=device_kit) as cloud, Api(cloud.url) as api:
        for i in range(POLICY.address_free_failures):
            assert code(login(api, ALICE[0], "guess", f"192.0.2.{i}")) == WRONG
        assert code(login(api, ALICE[0], ALICE[1], "192.0.2.99")) == THROTTLED
    # Trusted: the rightmost address that is not a trusted proxy is the client; what the client
    # wrote to the left of it is not believed.
    trusted = _config(trusted_proxies=("127.0.0.1", "10.0.0.0/8"))
    with LocalCloud(seed=SEED, config=trusted, kit=device_kit) as cloud, Api(cloud.url) as api:
        for i in range(POLICY.address_free_failures):
            chain = f"198.18.0.{i}, {ATTACKER}, 10.1.2.3"
            assert code(login(api, ALICE[0], "guess", chain)) == WRONG
        assert code(login(api, ALICE[0], ALICE[1], f"6.6.6.6, {ATTACKER}")) == THROTTLED
        assert code(login(api, ALICE[0], ALICE[1], OWNER)) == 0
    with pytest.raises(ValueError, match="not an IP address or network"):
        ServerConfig(trusted_proxies=("proxy.example.com",))


def _mfa_process(api: Api, source: str) -> str:
    body = api.v2_login_body(*MFA)
    answer = api.signed(ACCOUNT + "login", body, headers={"X-Forwarded-For": source})
    assert answer["result"]["errorCode"] == "-20677", answer
    return str(answer["result"]["MFAProcessId"])


def _check_code(api: Api, process: str, value: str, source: str) -> dict[str, Any]:
    body = {
        **api.v2_login_body(*MFA),
        "code": value,
        "MFAProcessId": process,
        "MFAType": assumptions.MFA_TYPE_EMAIL,
        "terminalBindEnabled": False,
    }
    return api.signed(ACCOUNT + "checkMFACodeAndLogin", body, headers={"X-Forwarded-For": source})


def _send_code(api: Api, source: str) -> None:
    body = {
        k: v for k, v in api.v2_login_body(*MFA).items() if k in assumptions.MFA_CODE_REQUEST_BODY
    }
    sent = api.signed(ACCOUNT + "getEmailVC4TerminalMFA", body, headers={"X-Forwarded-For": source})
    assert sent["error_code"] == 0


def test_two_step_codes_are_throttled_per_account_across_processes(
    cloud: LocalCloud, api: Api
) -> None:
    # One wrong code per new process, each from a new address: the account's count goes on.
    for i in range(POLICY.mfa_max_wrong_codes):
        process = _mfa_process(api, f"198.51.100.{i + 10}")
        wrong = _check_code(api, process, "000000", f"198.51.100.{i + 10}")
        assert code(wrong) == assumptions.MFA_WRONG_CODE_ERROR
    process = _mfa_process(api, OWNER)
    _send_code(api, OWNER)
    right = cloud.mfa_codes(MFA[0])[-1]
    throttled = _check_code(api, process, right, OWNER)
    assert code(throttled) == THROTTLED
    assert "verification codes" in throttled["msg"]
    # After the window, a fresh code works.
    cloud.clock.advance(POLICY.window_s + 1)
    process = _mfa_process(api, OWNER)
    _send_code(api, OWNER)
    assert code(_check_code(api, process, cloud.mfa_codes(MFA[0])[-1], OWNER)) == 0
