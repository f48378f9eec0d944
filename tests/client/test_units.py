"""The client's pure parts: secrets, redaction, errors, energy, retries, rate limiter, selection,
device classes from real captures, rules, token stores, terminal id."""

from __future__ import annotations

import json
import os
import pickle
import random
import stat
from pathlib import Path
from typing import Any

import pytest

from captures import capture_params
from kasacloud import (
    AmbiguousDeviceError,
    AuthenticationError,
    Bulb,
    Dimmer,
    EnergyReading,
    FileTokenStore,
    LightStrip,
    MemoryTokenStore,
    NotFoundError,
    Plug,
    Secret,
    Strip,
    Tokens,
    WallSwitch,
    redact,
)
from kasacloud.client import errors as E
from kasacloud.client.devices import device_class
from kasacloud.client.devices.modules import AwayRule, CountdownRule, ScheduleRule
from kasacloud.client.devices.modules.light import color_temp_range_k
from kasacloud.client.energy import days_from_raw, months_from_raw
from kasacloud.client.ratelimit import RateLimiter
from kasacloud.client.redact import redact_url
from kasacloud.client.retry import RetryPolicy
from kasacloud.client.selector import select
from kasacloud.client.tokens import KeyringTokenStore, installation_terminal_id
from kasacloud.protocol.errors import ERRORS, Retry

# ---- secrets and redaction --------------------------------------------------------------------


def test_secret_hides_itself() -> None:
    s = Secret("hunter2")
    assert "hunter2" not in repr(s) + str(s) + f"{s}" + f"{s!r}" + repr([s]) + repr({"k": s})
    assert s.reveal() == "hunter2"
    assert s == Secret("hunter2")
    assert s != Secret("x")
    with pytest.raises(TypeError):
        pickle.dumps(s)


def test_tokens_and_challenge_reprs_hide_secrets() -> None:
    tokens = Tokens("me@x", Secret("tok-123"), Secret("ref-456"), "https://h")
    challenge = E.MfaChallenge("p1", (1, 2), 2, "me@x", "https://h", Secret("pw-789"))
    error = E.VerificationRequired("2-step verification required", challenge=challenge, code=-20677)
    text = repr(tokens) + str(tokens) + repr(challenge) + repr(error) + str(error)
    for secret in ("tok-123", "ref-456", "pw-789"):
        assert secret not in text


def test_redact_masks_keys_urls_and_embedded_json() -> None:
    body = {
        "method": "passthrough",
        "params": {
            "token": "T1",
            "deviceId": "D",
            "requestData": json.dumps({"cnCloud": {"bind": {"username": "u", "password": "P1"}}}),
            "nested": [{"refreshToken": "R1"}, {"cloudPassword": Secret("P2")}],
            "url": "https://h/?token=T2&termID=x",
        },
        "X-Authorization": "Signature=abc",
        "code": "123456",
    }
    text = json.dumps(redact(body))
    for secret in ("T1", "P1", "R1", "P2", "T2", "abc", "123456"):
        assert secret not in text
    assert '"deviceId": "D"' in text
    assert "termID=x" in text
    assert body["params"]["token"] == "T1"  # pure: the argument is unchanged
    assert "T3" not in redact_url("http://h/p?appName=a&token=T3")
    assert redact("token=T4 and more") == "token=******** and more"


# ---- errors -----------------------------------------------------------------------------------


# Every code of PROTOCOL.md's table and the class a caller catches it as. A code added to the table
# without a decision here fails test_the_table_and_the_mapping_agree.
EXPECTED_ERROR_CLASS: dict[int, type[E.KasaCloudError]] = {
    -1: E.KasaCloudError,
    -10100: E.ProtocolError,
    -20002: E.CloudTimeoutError,
    -20004: E.RateLimitedError,
    -20103: E.ProtocolError,
    -20104: E.ProtocolError,
    -20107: E.ProtocolError,
    -20212: E.ProtocolError,
    -20501: E.NotFoundError,
    -20506: E.NotFoundError,
    -20507: E.NotFoundError,
    -20571: E.DeviceOfflineError,
    -20572: E.ProtocolError,
    -20580: E.NotFoundError,
    -20600: E.AuthenticationError,
    -20601: E.AuthenticationError,
    -20651: E.TokenExpiredError,
    -20652: E.TokenExpiredError,
    -20655: E.TokenExpiredError,
    -20675: E.AuthenticationError,
    -20677: E.AuthenticationError,
    -23003: E.AuthenticationError,
}

RETRIED_WITH_BACKOFF = {-20002, -20004}  # PROTOCOL.md: R; -20571 "R slowly" only when asked


def test_the_table_and_the_mapping_agree() -> None:
    assert set(EXPECTED_ERROR_CLASS) == set(ERRORS)


@pytest.mark.parametrize("code", sorted(ERRORS))
def test_every_cloud_code_maps_to_its_typed_error(code: int) -> None:
    error = E.from_code(code, "the cloud's words")
    assert type(error) is EXPECTED_ERROR_CLASS[code]
    assert error.code == code
    assert "the cloud's words" in error.message
    assert str(code) in str(error)
    without_text = E.from_code(code)
    assert without_text.message.startswith(ERRORS[code].message)  # the table's own text


@pytest.mark.parametrize("code", sorted(ERRORS))
def test_every_code_in_the_nested_form_is_read(code: int) -> None:
    from kasacloud.protocol.envelope import nested_failure, parse_reply

    reply = parse_reply(nested_failure(code, {"MFAProcessId": "p"}, msg="nested words"))
    assert (reply.error_code, reply.msg) == (code, "nested words")
    error = E.from_code(reply.error_code, reply.msg)
    assert type(error) is EXPECTED_ERROR_CLASS[code]
    assert "nested words" in str(error)


@pytest.mark.parametrize("code", sorted(ERRORS))
def test_only_what_the_table_marks_retryable_is_retried(code: int) -> None:
    kind = ERRORS[code].retry
    assert RetryPolicy().retries(kind) == (code in RETRIED_WITH_BACKOFF)
    assert RetryPolicy(retry_offline=True).retries(kind) == (
        code in RETRIED_WITH_BACKOFF | {-20571}
    )


def test_unknown_code_and_device_error() -> None:
    assert type(E.from_code(-99999)) is E.KasaCloudError
    err = E.device_error(-1, None, module="emeter", method="get_realtime")
    assert err.err_code == -1
    assert "module not support" in str(err)
    assert "emeter" in str(err)
    assert issubclass(E.InvalidArgumentError, ValueError)
    assert issubclass(E.AmbiguousDeviceError, E.NotFoundError)


# ---- energy -----------------------------------------------------------------------------------


def test_v1_and_v2_readings_of_the_same_load_are_equal() -> None:
    v1 = EnergyReading.from_raw({"power": 1500.5, "voltage": 230.1, "current": 6.52, "total": 12.3})
    v2 = EnergyReading.from_raw(
        {"power_mw": 1500500, "voltage_mv": 230100, "current_ma": 6520, "total_wh": 12300}
    )
    assert v1 == v2
    assert v1.raw != v2.raw
    bulb = EnergyReading.from_raw({"power_mw": 8400})
    assert (bulb.power_w, bulb.voltage_v, bulb.current_a) == (8.4, None, None)


def test_history_is_normalized_and_sorted() -> None:
    days = days_from_raw(
        {"day_list": [{"year": 2024, "month": 5, "day": 2, "energy_wh": 1500},
                      {"year": 2024, "month": 5, "day": 1, "energy": 0.25}]}
    )  # fmt: skip
    assert [(d.date.day, d.energy_kwh) for d in days] == [(1, 0.25), (2, 1.5)]
    months = months_from_raw({"month_list": [{"year": 2024, "month": 4, "energy_wh": 30000}]})
    assert [(m.month, m.energy_kwh) for m in months] == [(4, 30.0)]


# ---- retries and rate limiting ----------------------------------------------------------------


def test_retry_policy_follows_the_table_and_bounds_delays() -> None:
    policy = RetryPolicy(base_delay_s=1, rate_limited_base_delay_s=4, max_delay_s=10)
    assert policy.retries(Retry.BACKOFF)
    assert policy.retries(Retry.LONG_BACKOFF)
    for kind in (Retry.NEVER, Retry.REFRESH, Retry.RELOGIN, Retry.REDIRECT, Retry.SLOW):
        assert not policy.retries(kind)
    assert RetryPolicy(retry_offline=True).retries(Retry.SLOW)
    assert not policy.retries(ERRORS[-20601].retry)  # a wrong password: never
    rng = random.Random(1)
    for attempt in range(1, 10):
        delay = policy.delay_s(Retry.BACKOFF, attempt, rng)
        ceiling = min(10, 2 ** (attempt - 1))
        assert ceiling / 2 <= delay <= ceiling
    assert policy.delay_s(Retry.LONG_BACKOFF, 1, rng) >= 2  # rate limited: a longer wait
    delays = {policy.delay_s(Retry.BACKOFF, 3, rng) for _ in range(20)}
    assert len(delays) > 1  # jitter


def test_rate_limiter_bucket() -> None:
    now = [0.0]
    limiter = RateLimiter(2.0, burst=3, clock=lambda: now[0])
    assert [limiter.try_acquire() for _ in range(3)] == [0, 0, 0]
    assert limiter.try_acquire() == pytest.approx(0.5)
    now[0] += 0.5
    assert limiter.try_acquire() == 0
    now[0] += 100
    assert [limiter.try_acquire() for _ in range(4)][-1] > 0  # never more than the burst
    with pytest.raises(ValueError, match="positive"):
        RateLimiter(0)


# ---- selection and device classes -------------------------------------------------------------


class Named:
    def __init__(self, device_id: str, alias: str) -> None:
        self.device_id, self.alias = device_id, alias


def test_selector_rules() -> None:
    items = [Named("AA01", "Kettle"), Named("BB02", "Office strip"), Named("CC03", "TV strip"),
             Named("DD04", "Lamp"), Named("EE05", "lamp")]  # fmt: skip
    assert select(items, "aa01").alias == "Kettle"
    assert select(items, "ket").alias == "Kettle"
    assert select(items, "Lamp").device_id == "DD04"  # exact alias beats case-insensitive
    with pytest.raises(AmbiguousDeviceError) as info:
        select(items, "STRIP")
    assert info.value.candidates == [("Office strip", "BB02"), ("TV strip", "CC03")]
    with pytest.raises(NotFoundError):
        select(items, "sauna")


EXPECTED_CLASS = {
    "EP25": Plug, "HS100": Plug, "HS110": Plug, "KP105": Plug, "KP115": Plug, "KP125": Plug,
    "HS200": WallSwitch, "KS200M": WallSwitch, "HS220": Dimmer, "HS300": Strip, "KP303": Strip,
    "KL120": Bulb, "KL130": Bulb, "KL430": LightStrip,
}  # fmt: skip


@pytest.mark.parametrize("path", capture_params())
def test_device_class_from_capture_and_from_list_entry(path: Path) -> None:
    data = json.loads(path.read_text())
    sysinfo = data["system"]["get_sysinfo"]
    model = sysinfo["model"]
    expected = EXPECTED_CLASS[model.split("(")[0]]
    device_type = sysinfo.get("type") or sysinfo.get("mic_type")
    entry = {"deviceType": device_type, "deviceModel": model, "status": 1, "deviceId": "0" * 40}
    assert device_class(entry, sysinfo) is expected
    assert device_class({**entry, "status": 0}, None) is expected  # offline: from the model
    device = expected(None, entry, sysinfo)  # type: ignore[arg-type]
    assert device.has_energy == (
        "ENE" in str(sysinfo.get("feature", "")) or expected in (Bulb, LightStrip)
    )
    if isinstance(device, Strip):
        assert len(device.children) == sysinfo["child_num"]
        assert device.children[1].device_id == "0" * 40 + "01"
    if isinstance(device, Bulb):
        assert device.is_on == bool(sysinfo["light_state"]["on_off"])
        assert device.brightness is not None


def test_color_temperature_ranges() -> None:
    assert color_temp_range_k("KL130(EU)") == (2500, 9000)
    assert color_temp_range_k("KL120(US)") == (2700, 5000)
    assert color_temp_range_k("LB120(US)") == (2500, 6500)


# ---- rules ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rule",
    [
        ScheduleRule(turn_on=False, start_min=1320, weekdays=(False,) + (True,) * 5 + (False,),
                     time_option="sunset", name="Night", id="R1"),
        CountdownRule(delay_s=90, turn_on=True, id="C1"),
        AwayRule(start_min=1080, end_min=1380, frequency=3, id="A1"),
    ],
)  # fmt: skip
def test_rules_round_trip(rule: Any) -> None:
    again = type(rule).from_wire(rule.to_wire())
    assert again == rule


@pytest.mark.parametrize(
    "rule",
    [
        ScheduleRule(turn_on=True, start_min="07:00"),  # type: ignore[arg-type]
        ScheduleRule(turn_on=True, start_min=60, weekdays=(True,) * 6),
        ScheduleRule(turn_on=True, start_min=60, time_option="noon"),  # type: ignore[arg-type]
        CountdownRule(delay_s=1.5, turn_on=True),  # type: ignore[arg-type]
        CountdownRule(delay_s="60", turn_on=True),  # type: ignore[arg-type]
        AwayRule(start_min=60, end_min=None),  # type: ignore[arg-type]
    ],
    ids=["start-text", "six-days", "time-option", "delay-float", "delay-text", "end-none"],
)
def test_bad_rule_values_are_invalid_arguments_not_tracebacks(rule: Any) -> None:
    with pytest.raises(E.InvalidArgumentError):
        rule.to_wire()


def test_rules_check_values_and_keep_unknown_fields() -> None:
    with pytest.raises(E.InvalidArgumentError):
        ScheduleRule(turn_on=True, start_min=1440).to_wire()
    with pytest.raises(E.InvalidArgumentError):
        CountdownRule(delay_s=0, turn_on=True).to_wire()
    rule = ScheduleRule.from_wire({"id": "X", "sact": 1, "smin": 60, "latitude": 5, "force": 0})
    assert rule.to_wire()["latitude"] == 5


# ---- token stores and terminal id -------------------------------------------------------------


TOKENS = Tokens("me@x", Secret("tok"), Secret("ref"), "https://h", "v2", "42")


def test_file_store_is_private_atomic_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "tokens.json"
    store = FileTokenStore(path)
    assert store.load("k") is None
    store.save("k", TOKENS)
    store.save("other", TOKENS)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert FileTokenStore(path).load("k") == TOKENS
    store.clear("k")
    assert store.load("k") is None
    assert store.load("other") == TOKENS
    assert [p.name for p in path.parent.iterdir()] == ["tokens.json"]  # no temp file left
    path.write_text("{not json")
    assert store.load("other") is None  # a damaged file is not fatal


def test_file_store_default_location(private_config_dir: Path) -> None:
    store = FileTokenStore()
    store.save("k", TOKENS)
    assert store.path == private_config_dir / "tokens.json"
    assert store.path.exists()


def test_memory_store() -> None:
    store = MemoryTokenStore()
    store.save("k", TOKENS)
    assert store.load("k") == TOKENS
    store.clear("k")
    store.clear("k")
    assert store.load("k") is None


def test_keyring_store(monkeypatch: pytest.MonkeyPatch) -> None:
    keyring = pytest.importorskip("keyring")
    from keyring.backend import KeyringBackend
    from keyring.errors import PasswordDeleteError

    class InMemory(KeyringBackend):  # a keyring backend: the library's own plug-in interface
        priority = 1  # type: ignore[assignment]

        def __init__(self) -> None:
            self.data: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.data.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.data[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            if (service, username) not in self.data:
                raise PasswordDeleteError(username)
            del self.data[(service, username)]

    backend = InMemory()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        store = KeyringTokenStore()
        store.save("https://cloud", TOKENS)
        assert store.load("https://cloud") == TOKENS
        assert ("kasacloud", "https://cloud") in backend.data
        store.clear("https://cloud")
        store.clear("https://cloud")
        assert store.load("https://cloud") is None
    finally:
        keyring.set_keyring(previous)


def test_terminal_id_is_made_once_and_kept(tmp_path: Path) -> None:
    first = installation_terminal_id(tmp_path)
    assert installation_terminal_id(tmp_path) == first
    assert stat.S_IMODE((tmp_path / "terminal-id").stat().st_mode) == 0o600
    assert installation_terminal_id(tmp_path / "other") != first


def test_persisting_clients_use_the_installation_terminal_id(private_config_dir: Path) -> None:
    from kasacloud import KasaCloud

    assert os.environ["KASACLOUD_CONFIG_DIR"] == str(private_config_dir)
    memory = KasaCloud(url="http://127.0.0.1:9")  # default store: memory, nothing written
    assert not private_config_dir.exists()
    filed = KasaCloud(url="http://127.0.0.1:9", token_store=FileTokenStore(Path("/nonexistent")))
    assert filed.terminal_id == installation_terminal_id(private_config_dir)
    assert (private_config_dir / "terminal-id").exists()
    assert memory.terminal_id != filed.terminal_id  # there was none to reuse yet
    later = KasaCloud(url="http://127.0.0.1:9")
    assert later.terminal_id == filed.terminal_id  # reused once it exists, never written
    assert KasaCloud(url="http://127.0.0.1:9", terminal_id="mine").terminal_id == "mine"


def test_url_defaults_and_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    from kasacloud import KasaCloud

    assert KasaCloud().url == "https://n-wap.tplinkcloud.com"
    assert KasaCloud(protocol="v1").url == "https://wap.tplinkcloud.com"
    monkeypatch.setenv("KASACLOUD_URL", "http://127.0.0.1:1234/")
    assert KasaCloud().url == "http://127.0.0.1:1234"
    assert KasaCloud(url="http://other:1").url == "http://other:1"
    with pytest.raises(E.InvalidArgumentError):
        KasaCloud(protocol="v3")  # type: ignore[arg-type]


def test_authentication_error_hierarchy() -> None:
    assert issubclass(E.VerificationRequired, AuthenticationError)
    assert issubclass(E.TokenExpiredError, AuthenticationError)


# ---- bad input is an InvalidArgumentError, never a traceback of another kind ------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: __import__("kasacloud").KasaCloud(url="http://h", timeout_s=0),
        lambda: __import__("kasacloud").KasaCloud(url="http://h", timeout_s="15"),
        lambda: __import__("kasacloud").KasaCloud(url="http://h", max_concurrency=0),
        lambda: __import__("kasacloud").KasaCloud(url="http://h", rate_limit_per_s=0),
        lambda: RetryPolicy(max_attempts=0),
        lambda: select([Named("AA01", "Kettle")], 42),  # type: ignore[type-var]
        lambda: select([Named("AA01", "Kettle")], "  "),
    ],
    ids=["timeout-0", "timeout-text", "concurrency-0", "rate-0", "attempts-0", "selector-int",
         "selector-blank"],
)  # fmt: skip
def test_bad_arguments_raise_invalid_argument(make: Any) -> None:
    with pytest.raises(E.InvalidArgumentError):
        make()
