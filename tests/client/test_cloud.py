"""The async client against the real local server: login, devices, tokens, errors, regions."""

from __future__ import annotations

import dataclasses
import json
import logging
import math
from typing import Any

import anyio
import pytest
from client_helpers import DEMO, MFA, Recorder, client

from kasacloud import (
    AmbiguousDeviceError,
    AuthenticationError,
    Bulb,
    Dimmer,
    FileTokenStore,
    InvalidArgumentError,
    LightStrip,
    MemoryTokenStore,
    NotFoundError,
    Plug,
    Strip,
    TokenExpiredError,
    VerificationRequired,
    WallSwitch,
)
from kasacloud.client.errors import DeviceOfflineError, ProtocolError, RateLimitedError
from kasacloud.client.retry import RetryPolicy
from kasacloud.server import LocalCloud, ServerConfig
from kasacloud.sync import KasaCloud as KasaCloud_sync

pytestmark = pytest.mark.anyio

DAY_S = 24 * 3600

EXPECTED_KINDS = {
    "Hall lamp": Plug,
    "Kettle": Plug,
    "Fridge": Plug,
    "Office strip": Strip,
    "TV strip": Strip,
    "Living room bulb": Bulb,
    "Reading light": Bulb,
    "TV backlight": LightStrip,
    "Dining dimmer": Dimmer,
    "Porch light": WallSwitch,
    "Garage plug": Plug,
}


@pytest.mark.parametrize("protocol", ["v2", "v1"])
async def test_every_family_is_typed_and_updates(local_cloud: LocalCloud, protocol: str) -> None:
    async with client(local_cloud.url, protocol=protocol) as cloud:
        await cloud.login(*DEMO)
        devices = {d.alias: d for d in await cloud.devices()}
        assert {a: type(d) for a, d in devices.items()} == EXPECTED_KINDS
        garage = devices.pop("Garage plug")
        assert not garage.is_online
        errors = await cloud.update_all(list(devices.values()))
        assert errors == [None] * len(devices)
        for device in devices.values():
            assert device.is_online
            assert device.time is not None
        strip = devices["Office strip"]
        assert isinstance(strip, Strip)
        assert len(strip.children) == 6
        assert all(o.device_id == f"{strip.device_id}{i:02d}" for i, o in enumerate(strip.children))
        assert strip.realtime is not None
        assert strip.children[0].realtime is not None
        assert isinstance(devices["TV backlight"], LightStrip)
        assert devices["TV backlight"].length


async def test_one_update_is_one_request(local_cloud: LocalCloud) -> None:
    async with client(local_cloud.url) as cloud:
        await cloud.login(*DEMO)
        kettle = await cloud.device("Kettle")
        recorder = Recorder(cloud)
        await kettle.update()
        assert len(recorder.requests) == 1
        request = json.loads(recorder.bodies()[0]["params"]["requestData"])
        assert set(request) >= {"system", "emeter", "time"}
        assert kettle.realtime is not None
        assert kettle.realtime.voltage_v is not None


async def test_switching_plug_outlet_and_lights(local_cloud: LocalCloud) -> None:
    async with client(local_cloud.url) as cloud:
        await cloud.login(*DEMO)
        lamp = await cloud.device("Hall lamp")
        await lamp.turn_off()
        assert local_cloud.device(lamp.device_id).passthrough  # the hosted device exists
        assert await lamp.toggle() is True
        again = await cloud.device(lamp.device_id)
        assert again.is_on
        await lamp.set_led(False)
        await lamp.update()
        assert lamp.led is False

        strip = await cloud.device("TV strip")
        assert isinstance(strip, Strip)
        outlet = strip.outlet("Outlet 2")
        await outlet.turn_on()
        await strip.turn_off()  # every outlet
        fresh = await cloud.device("TV strip")
        assert isinstance(fresh, Strip)
        assert [o.is_on for o in fresh.children] == [False, False, False]
        await outlet.turn_on()
        fresh = await cloud.device("TV strip")
        assert isinstance(fresh, Strip)
        assert [o.is_on for o in fresh.children] == [False, True, False]
        await outlet.set_alias("Console")
        fresh = await cloud.device("TV strip")
        assert isinstance(fresh, Strip)
        assert fresh.outlet(1).alias == "Console"

        bulb = await cloud.device("Reading light")  # KL120: tunable 2700-5000, no colour
        assert isinstance(bulb, Bulb)
        assert bulb.color_temp_range_k == (2700, 5000)
        recorder = Recorder(cloud)
        with pytest.raises(InvalidArgumentError):
            await bulb.set_color_temp(6500)
        with pytest.raises(InvalidArgumentError):
            await bulb.set_hsv(10, 10)
        with pytest.raises(InvalidArgumentError):
            await bulb.set_brightness(101)
        assert recorder.requests == []  # checked before any request
        await bulb.set_color_temp(3000, brightness=60)
        await bulb.update()
        assert (bulb.color_temp_k, bulb.brightness, bulb.is_on) == (3000, 60, True)
        await bulb.turn_off(transition_ms=0)
        await bulb.update()
        assert not bulb.is_on

        colour = await cloud.device("Living room bulb")
        assert isinstance(colour, Bulb)
        await colour.set_hsv(120, 50, 40)
        await colour.update()
        assert colour.hsv == (120, 50, 40)

        dimmer = await cloud.device("Dining dimmer")
        assert isinstance(dimmer, Dimmer)
        await dimmer.set_brightness(25)
        await dimmer.turn_on()
        await dimmer.update()
        assert (dimmer.brightness, dimmer.is_on) == (25, True)

        backlight = await cloud.device("TV backlight")
        assert isinstance(backlight, LightStrip)
        await backlight.set_hsv(300, 90, 70)
        await backlight.update()
        assert backlight.hsv == (300, 90, 70)


async def test_energy_is_normalized_and_history_reads(local_cloud: LocalCloud) -> None:
    async with client(local_cloud.url) as cloud:
        await cloud.login(*DEMO)
        kettle, fridge = await cloud.device("Kettle"), await cloud.device("Fridge")
        await kettle.turn_on()
        await kettle.update()
        await fridge.update()
        v1, v2 = kettle.realtime, fridge.realtime
        assert v1 is not None
        assert v2 is not None
        assert "power" in v1.raw
        assert "power_mw" in v2.raw
        assert v2.power_w == pytest.approx(v2.raw["power_mw"] / 1000)
        assert v2.total_kwh == pytest.approx(v2.raw["total_wh"] / 1000)
        assert v1.power_w == pytest.approx(v1.raw["power"])
        assert 100 < v1.voltage_v < 260
        assert 100 < v2.voltage_v < 260
        local_cloud.clock.advance(3 * DAY_S)
        assert fridge.energy is not None
        days = await fridge.energy.get_daily()
        months = await fridge.energy.get_monthly()
        assert days
        assert months
        assert all(d.energy_kwh >= 0 for d in days)
        assert sum(m.energy_kwh for m in months) > 0


async def test_energy_history_defaults_to_the_devices_month_not_this_computers(
    local_cloud: LocalCloud,
) -> None:
    local_cloud.clock.advance(45 * DAY_S)  # the devices' clock is now in another month
    async with client(local_cloud.url) as cloud:
        await cloud.login(*DEMO)
        fridge = await cloud.device("Fridge")
        await fridge.update()
        assert fridge.time is not None
        device_day = fridge.time.date()
        assert fridge.energy is not None
        days = await fridge.energy.get_daily()
        assert {(d.date.year, d.date.month) for d in days} == {(device_day.year, device_day.month)}
        assert device_day in {d.date for d in days}
        months = await fridge.energy.get_monthly()
        assert {m.year for m in months} == {device_day.year}


async def test_rules_list_add_edit_delete(local_cloud: LocalCloud) -> None:
    from kasacloud import AwayRule, CountdownRule, ScheduleRule

    async with client(local_cloud.url) as cloud:
        await cloud.login(*DEMO)
        for name in ("Hall lamp", "Living room bulb"):
            device = await cloud.device(name)
            assert device.schedule
            assert device.countdown
            assert device.away
            rule = await device.schedule.add(ScheduleRule(turn_on=True, start_min=420, name="W"))
            assert rule.id
            await device.schedule.edit(dataclasses.replace(rule, start_min=450))
            listed = await device.schedule.list()
            assert [(r.id, r.start_min, r.turn_on) for r in listed] == [(rule.id, 450, True)]
            await device.schedule.delete(rule)
            assert await device.schedule.list() == []

            count = await device.countdown.add(CountdownRule(delay_s=60, turn_on=False))
            assert [r.delay_s for r in await device.countdown.list()] == [60]
            await device.countdown.delete(count)
            await device.away.add(AwayRule(start_min=1080, end_min=1380))
            assert [(r.start_min, r.end_min) for r in await device.away.list()] == [(1080, 1380)]
            await device.away.delete_all()
            assert await device.away.list() == []


async def test_raw_and_request_data_as_object(local_cloud: LocalCloud) -> None:
    async with client(local_cloud.url, request_data_as_string=False) as cloud:
        await cloud.login(*DEMO)
        recorder = Recorder(cloud)
        kettle = await cloud.device("Kettle")
        answer = await kettle.raw({"system": {"get_sysinfo": {}}})
        assert answer["system"]["get_sysinfo"]["alias"] == "Kettle"
        sent = recorder.bodies()[-1]["params"]["requestData"]
        assert isinstance(sent, dict)  # an object, and the object-form answer was read


async def test_selector(local_cloud: LocalCloud) -> None:
    async with client(local_cloud.url) as cloud:
        await cloud.login(*DEMO)
        assert (await cloud.device("KETTLE")).alias == "Kettle"
        with pytest.raises(AmbiguousDeviceError) as info:
            await cloud.device("strip")
        assert sorted(a for a, _ in info.value.candidates) == ["Office strip", "TV strip"]
        assert "Office strip" in str(info.value)
        with pytest.raises(NotFoundError):
            await cloud.device("sauna")


async def test_offline_device_raises_without_request(local_cloud: LocalCloud) -> None:
    async with client(local_cloud.url) as cloud:
        await cloud.login(*DEMO)
        garage = await cloud.device("Garage plug")
        assert not garage.is_online
        assert type(garage) is Plug
        recorder = Recorder(cloud)
        with pytest.raises(DeviceOfflineError) as info:
            await garage.turn_on()
        assert info.value.code == -20571
        assert recorder.requests == []
        lamp = await cloud.device("Hall lamp")
        local_cloud.set_online(lamp.device_id, False)  # unplugged after it was listed
        with pytest.raises(DeviceOfflineError):
            await lamp.turn_on()
        assert not lamp.is_online
        listed = {d.alias: d.is_online for d in await cloud.devices()}
        assert listed["Hall lamp"] is False


async def test_v1_token_travels_in_the_body_never_the_url(local_cloud: LocalCloud) -> None:
    async with client(local_cloud.url, protocol="v1") as cloud:
        recorder = Recorder(cloud)
        await cloud.login(*DEMO)
        await (await cloud.device("Kettle")).update()
        assert cloud.tokens is not None
        token = cloud.tokens.token.reveal()
        for request in recorder.requests[1:]:
            assert "token" not in request.url.query
            assert token not in str(request.url)
            assert json.loads(request.content)["params"]["token"] == token
        assert all("X-Authorization" not in r.headers for r in recorder.requests)


async def test_v2_signs_every_request_and_finds_the_region(local_cloud: LocalCloud) -> None:
    async with client(local_cloud.url) as cloud:
        recorder = Recorder(cloud)
        await cloud.login(*DEMO)
        await cloud.devices()
        paths = [r.url.path for r in recorder.requests]
        assert paths[:2] == ["/api/v2/account/getAccountStatusAndUrl", "/api/v2/account/login"]
        assert all(
            "X-Authorization" in r.headers and "Content-MD5" in r.headers for r in recorder.requests
        )


async def test_regions_and_redirect_once() -> None:
    seed = {
        "accounts": [
            {"email": "us@example.com", "password": "pw", "region": "us-east-1", "mfa": True,
             "devices": [{"model": "HS103(US)_2.1", "alias": "Lamp"}]},
        ]
    }  # fmt: skip
    async with LocalCloud(seed=seed, regions=["eu-west-1", "us-east-1"]) as server:
        eu, us = server.region_urls["eu-west-1"], server.region_urls["us-east-1"]
        async with client(eu) as cloud:
            with pytest.raises(VerificationRequired) as info:
                await cloud.login("us@example.com", "pw")
            challenge = info.value.challenge
            assert challenge.app_server_url == us  # found through getAccountStatusAndUrl
            # send the second step to the wrong region: -20212 names the right one, followed once
            wrong = dataclasses.replace(challenge, app_server_url=eu)
            await cloud.verify_login(wrong, server.mfa_codes("us@example.com")[-1])
            assert cloud.stats.redirects == 1
            assert cloud.tokens is not None
            assert cloud.tokens.app_server_url == us
            (lamp,) = await cloud.devices()
            await lamp.turn_on()


@pytest.mark.parametrize("mfa_answer", ["nested", "outer"])
async def test_two_step_verification_api_and_callback(mfa_answer: str) -> None:
    # TP-Link's cloud says -20677 both as a nested result.errorCode and as the outer error_code
    config = ServerConfig(mfa_answer=mfa_answer)
    async with LocalCloud(config=config) as local_cloud:
        await _two_step_verification_api_and_callback(local_cloud)


async def _two_step_verification_api_and_callback(local_cloud: LocalCloud) -> None:
    async with client(local_cloud.url) as cloud:
        with pytest.raises(VerificationRequired) as info:
            await cloud.login(*MFA)
        challenge = info.value.challenge
        assert challenge.by_email
        assert challenge.username == MFA[0]
        for text in (repr(challenge), str(info.value), repr(info.value)):
            assert MFA[1] not in text.replace("demo@", "")
        with pytest.raises(AuthenticationError, match="verification code"):
            await cloud.verify_login(challenge, "000000")
        await cloud.resend_code(challenge)
        await cloud.verify_login(challenge, local_cloud.mfa_codes(MFA[0])[-1])
        assert cloud.username == MFA[0]
        assert await cloud.devices() == []

    asked: list[str] = []

    async def code(challenge: object) -> str:
        asked.append(type(challenge).__name__)
        return local_cloud.mfa_codes(MFA[0])[-1]

    async with client(local_cloud.url, mfa_callback=code) as cloud:
        await cloud.login(*MFA)
        assert asked == ["MfaChallenge"]
        assert cloud.is_logged_in


async def test_v1_login_of_a_2fa_account_is_refused(local_cloud: LocalCloud) -> None:
    async with client(local_cloud.url, protocol="v1") as cloud:
        with pytest.raises(AuthenticationError) as info:
            await cloud.login(*MFA)
        assert info.value.code == -23003
        assert "v2" in str(info.value)


async def test_wrong_password_is_never_retried(local_cloud: LocalCloud) -> None:
    async with client(local_cloud.url) as cloud:
        recorder = Recorder(cloud)
        with pytest.raises(AuthenticationError) as info:
            await cloud.login(DEMO[0], "nope")
        assert info.value.code == -20601
        assert [r.url.path.rsplit("/", 1)[-1] for r in recorder.requests] == [
            "getAccountStatusAndUrl",
            "login",
        ]
        assert "nope" not in repr(info.value) + str(info.value)


async def test_expired_token_refreshes_once_for_100_concurrent_calls(
    local_cloud: LocalCloud,
) -> None:
    async with client(local_cloud.url, rate_limit_per_s=math.inf) as cloud:
        await cloud.login(*DEMO)
        assert cloud.tokens is not None
        old = cloud.tokens.token
        kettle = await cloud.device("Kettle")
        local_cloud.clock.advance(31 * DAY_S)  # past the token lifetime, within the refresh's
        results: list[bool] = []

        async def call() -> None:
            await kettle.update()
            results.append(kettle.is_online)

        async with anyio.create_task_group() as tg:
            for _ in range(100):
                tg.start_soon(call)
        assert len(results) == 100
        assert cloud.stats.refreshes == 1
        assert cloud.stats.logins == 1
        assert cloud.tokens.token != old


async def test_dead_refresh_token_logs_in_again_or_raises(local_cloud: LocalCloud) -> None:
    store = MemoryTokenStore()
    async with client(local_cloud.url, token_store=store) as cloud:
        await cloud.login(*DEMO)
        local_cloud.clock.advance(200 * DAY_S)  # token and refresh token both expired
        await cloud.devices()  # -20651, refresh -> -20655, full login with the held password
        assert cloud.stats.refreshes == 1
        assert cloud.stats.logins == 2
    local_cloud.clock.advance(200 * DAY_S)
    async with client(local_cloud.url, token_store=store) as later:  # no password this time
        with pytest.raises(TokenExpiredError) as info:
            await later.devices()
        assert info.value.code == -20655


async def test_garbage_token_without_password(local_cloud: LocalCloud) -> None:
    from kasacloud import Secret, Tokens

    store = MemoryTokenStore()
    store.save(local_cloud.url, Tokens("demo@example.com", Secret("bogus"), None, local_cloud.url))
    async with client(local_cloud.url, token_store=store) as cloud:
        with pytest.raises(TokenExpiredError) as info:
            await cloud.devices()
        assert info.value.code == -20652


async def test_session_resumes_from_a_file_store(local_cloud: LocalCloud, tmp_path) -> None:
    store = FileTokenStore(tmp_path / "tokens.json")
    seen = []
    async with client(local_cloud.url, token_store=store, on_tokens_changed=seen.append) as c:
        await c.login(*DEMO)
    assert (tmp_path / "tokens.json").stat().st_mode & 0o777 == 0o600
    assert len(seen) == 1
    assert seen[0].username == DEMO[0]
    async with client(local_cloud.url, token_store=store) as cloud:
        assert len(await cloud.devices()) == len(EXPECTED_KINDS)
        await cloud.logout()
        assert store.load(local_cloud.url) is None
        assert not cloud.is_logged_in
        with pytest.raises(AuthenticationError, match="not logged in"):
            await cloud.devices()


async def test_protocol_errors_from_the_cloud(local_cloud: LocalCloud) -> None:
    async with client(local_cloud.url) as cloud:
        await cloud.login(*DEMO)
        with pytest.raises(ProtocolError) as info:
            await cloud.session.call("noSuchMethod")
        assert info.value.code == -20103
        with pytest.raises(ProtocolError) as info:
            await cloud.session.call("passthrough", {"requestData": "{}"})
        assert info.value.code == -20104
        with pytest.raises(NotFoundError) as info:
            await cloud.session.passthrough("0" * 40, {"system": {"get_sysinfo": None}})
        assert info.value.code == -20501


async def test_another_accounts_device_is_not_found(local_cloud: LocalCloud) -> None:
    async with client(local_cloud.url) as demo:
        await demo.login(*DEMO)
        kettle = await demo.device("Kettle")
    async with client(local_cloud.url, protocol="v2") as other:
        with pytest.raises(VerificationRequired) as info:
            await other.login(*MFA)
        await other.verify_login(info.value.challenge, local_cloud.mfa_codes(MFA[0])[-1])
        with pytest.raises(NotFoundError) as err:
            await other.session.passthrough(kettle.device_id, {"system": {"get_sysinfo": None}})
        assert err.value.code == -20580


async def test_lockout_is_an_authentication_error(local_cloud: LocalCloud) -> None:
    async with client(local_cloud.url) as cloud:
        codes = []
        for _ in range(local_cloud.config.max_failed_logins + 1):
            with pytest.raises(AuthenticationError) as info:
                await cloud.login(DEMO[0], "wrong")
            codes.append(info.value.code)
        assert codes[-1] == -20675


async def test_rate_limit_server_side_and_client_side() -> None:
    from kasacloud.server import RateLimit

    # the server allows 10 calls per second per account, in bursts of 10
    config = ServerConfig(account_rate_limit=RateLimit(10, 1.0))
    async with LocalCloud(config=config) as server:
        fast = client(server.url, rate_limit_per_s=math.inf)
        async with fast:
            await fast.login(*DEMO)

            retries_before_last = 0

            async def hammer() -> None:
                nonlocal retries_before_last
                for _ in range(40):
                    retries_before_last = fast.stats.retries
                    await fast.device_list()

            with pytest.raises(RateLimitedError) as info:
                await hammer()
            assert info.value.code == -20004
            # the call that failed was retried twice with backoff, then given up (earlier calls
            # may have been retried too: the server's bucket refills in real time, and a busy
            # machine makes the 40 calls slow enough for a refill)
            assert fast.stats.retries - retries_before_last == 2
        server.clock.advance(60)  # the server's bucket refills
        paced = client(server.url, rate_limit_per_s=8, rate_limit_burst=4)
        async with paced:
            await paced.login(*DEMO)
            devices = await paced.devices()  # 1 list + 10 sysinfo reads, paced under the limit
            for _ in range(6):
                await paced.device_list()
            assert len(devices) == len(EXPECTED_KINDS)
            assert paced.stats.retries == 0


async def test_device_timeout_is_retried_then_raised(fake_kit) -> None:
    from kasacloud import CloudTimeoutError

    config = ServerConfig(device_timeout_s=0.2)
    async with LocalCloud(config=config, kit=fake_kit) as server, client(server.url) as cloud:
        await cloud.login(*DEMO)
        kettle = await cloud.device("Kettle")
        server.device(kettle.device_id).hang = True  # type: ignore[attr-defined]
        with pytest.raises(CloudTimeoutError) as info:
            await kettle.turn_on()
        assert info.value.code == -20002
        assert cloud.stats.retries == 2


async def test_client_timeout(fake_kit) -> None:
    from kasacloud import CloudTimeoutError

    # the server gives up on the device (-20002) after the client gave up on the server, so that
    # no request is left hanging when the server stops
    config = ServerConfig(device_timeout_s=0.6)
    fast_fail = RetryPolicy(max_attempts=1)
    async with (
        LocalCloud(config=config, kit=fake_kit) as server,
        client(server.url, timeout_s=30, retry=fast_fail) as cloud,
    ):
        await cloud.login(*DEMO)  # a password check can take longer than 0.3 s on a busy machine
        kettle = await cloud.device("Kettle")
        cloud.session.timeout_s = 0.3  # read per exchange
        server.device(kettle.device_id).hang = True  # type: ignore[attr-defined]
        with pytest.raises(CloudTimeoutError) as info:
            await kettle.turn_on()
        assert info.value.code is None


@pytest.mark.parametrize("protocol", ["v2", "v1"])
async def test_no_log_of_any_library_shows_a_token(
    local_cloud: LocalCloud, caplog, protocol: str
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger: ours, aiohttp's, asyncio's, anyio's
    async with client(local_cloud.url, protocol=protocol) as cloud:
        await cloud.login(*DEMO)
        await (await cloud.device("Kettle")).update()
        assert cloud.tokens is not None
        assert cloud.tokens.refresh_token is not None
        secrets = [cloud.tokens.token.reveal(), cloud.tokens.refresh_token.reveal()]
    # the client's side only: the in-process server's own logs (uvicorn's access log) are the
    # server's business
    lines = [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if not r.name.startswith(("uvicorn", "kasacloud.server"))
    ]
    assert any(line.startswith("kasacloud.client: -> POST") for line in lines)
    for secret in secrets:
        assert [line for line in lines if secret in line] == []


async def test_debug_trace_has_no_secret(local_cloud: LocalCloud, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="kasacloud.client")
    async with client(local_cloud.url) as cloud:
        await cloud.login(*DEMO)
        await (await cloud.device("Kettle")).update()
        assert cloud.tokens is not None
        assert cloud.tokens.refresh_token is not None
        secrets = [cloud.tokens.token.reveal(), cloud.tokens.refresh_token.reveal()]
        local_cloud.clock.advance(31 * DAY_S)
        await cloud.devices()  # a refresh, in the trace too
        secrets.append(cloud.tokens.token.reveal())
        state = repr(cloud) + repr(cloud.session) + repr(cloud.tokens)
    text = caplog.text
    assert "getDeviceList" in text
    assert "cloudPassword" in text
    for secret in [*secrets, DEMO[1] + '"']:
        assert secret not in text
        assert secret not in state


# ---- review of issue 4: listing with update, terminal id, errors, ranges, same-load meters ----


def _passthroughs_by_device(recorder: Recorder) -> dict[str, int]:
    counts: dict[str, int] = {}
    for body in recorder.bodies():
        if body.get("method") == "passthrough":
            device_id = body["params"]["deviceId"]
            counts[device_id] = counts.get(device_id, 0) + 1
    return counts


async def test_devices_with_update_reads_everything_in_one_round_trip(
    local_cloud: LocalCloud,
) -> None:
    async with client(local_cloud.url) as cloud:
        await cloud.login(*DEMO)
        recorder = Recorder(cloud)
        devices = {d.alias: d for d in await cloud.devices(update=True)}
        counts = _passthroughs_by_device(recorder)
        assert {a: type(d) for a, d in devices.items()} == EXPECTED_KINDS
        office = devices["Office strip"]
        assert isinstance(office, Strip)
        for alias, device in devices.items():
            if not device.is_online:
                assert alias == "Garage plug"
                assert device.device_id not in counts
                continue
            assert device.time is not None, alias  # the clock was read in the listing's request
            # one passthrough each; a metering strip adds one per outlet (one context each)
            expected = 1 + (len(office.children) if device is office else 0)
            assert counts[device.device_id] == expected, alias
        for alias in ("Kettle", "Fridge", "Living room bulb"):
            assert devices[alias].realtime is not None, alias
        assert all(o.realtime is not None for o in office.children)
        assert office.realtime is not None
        assert devices["Hall lamp"].realtime is None  # HS103: no meter, asked and ignored

        # the same numbers as the two-step way (list, then update)
        kettle = await cloud.device("Kettle")
        assert kettle.realtime is None  # the listing read sysinfo only
        await kettle.update()
        assert kettle.realtime is not None
        assert kettle.realtime.voltage_v == pytest.approx(devices["Kettle"].realtime.voltage_v)
        chosen = await cloud.device("Fridge", update=True)
        assert chosen.realtime is not None
        assert chosen.time is not None


async def test_a_device_that_does_not_answer_does_not_fail_the_listing(fake_kit) -> None:
    config = ServerConfig(device_timeout_s=0.2)
    async with LocalCloud(config=config, kit=fake_kit) as server, client(server.url) as cloud:
        await cloud.login(*DEMO)
        kettle = await cloud.device("Kettle")
        server.device(kettle.device_id).hang = True  # type: ignore[attr-defined]
        listed = {d.alias: d.is_online for d in await cloud.devices()}
        assert listed == {"Kettle": False, "Desk strip": True, "Garage": False}


async def test_a_memory_session_writes_nothing_in_the_users_home(
    local_cloud: LocalCloud, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home, xdg = tmp_path / "home", tmp_path / "xdg"
    home.mkdir()
    xdg.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    monkeypatch.delenv("KASACLOUD_CONFIG_DIR", raising=False)
    from kasacloud import KasaCloud

    for store in (None, MemoryTokenStore()):
        async with KasaCloud(url=local_cloud.url, token_store=store) as cloud:
            await cloud.login(*DEMO)
            await (await cloud.device("Kettle")).update()
    with KasaCloud_sync(url=local_cloud.url) as blocking:
        blocking.login(*DEMO)
    assert list(home.rglob("*")) == []
    assert list(xdg.rglob("*")) == []

    # a persisted session keeps one terminal id per installation, in the config dir
    async with KasaCloud(url=local_cloud.url, token_store=FileTokenStore()) as filed:
        await filed.login(*DEMO)
    written = xdg / "kasacloud" / "terminal-id"
    assert written.read_text().strip() == filed.terminal_id
    assert (xdg / "kasacloud" / "tokens.json").exists()
    async with KasaCloud(url=local_cloud.url) as memory:  # reuses it, still writes nothing
        assert memory.terminal_id == filed.terminal_id
    assert sorted(p.name for p in xdg.rglob("*")) == ["kasacloud", "terminal-id", "tokens.json"]


async def test_a_rule_of_the_wrong_kind_is_refused_before_any_request(
    local_cloud: LocalCloud,
) -> None:
    from kasacloud import AwayRule, CountdownRule, Rules, ScheduleRule

    async with client(local_cloud.url) as cloud:
        await cloud.login(*DEMO)
        lamp = await cloud.device("Hall lamp")
        modules: list[Rules[Any]] = [lamp.schedule, lamp.countdown, lamp.away]  # type: ignore[list-item]
        rules = [
            ScheduleRule(turn_on=True, start_min=60),
            CountdownRule(delay_s=60, turn_on=True),
            AwayRule(start_min=60, end_min=120),
        ]
        recorder = Recorder(cloud)
        for i, module in enumerate(modules):
            wrong = rules[(i + 1) % 3]
            with pytest.raises(InvalidArgumentError, match="Hall lamp"):
                await module.add(wrong)
            with pytest.raises(InvalidArgumentError):
                await module.edit(dataclasses.replace(wrong, id="X"))
            with pytest.raises(InvalidArgumentError):
                await module.delete(dataclasses.replace(wrong, id="X"))
        assert recorder.requests == []
        added = await modules[0].add(rules[0])
        assert isinstance(added, ScheduleRule)
        assert added.id


async def test_range_errors_name_the_device_and_its_model(local_cloud: LocalCloud) -> None:
    async with client(local_cloud.url) as cloud:
        await cloud.login(*DEMO)
        bulb = await cloud.device("Reading light")
        assert isinstance(bulb, Bulb)
        with pytest.raises(InvalidArgumentError) as info:
            await bulb.set_color_temp(9000)
        text = str(info.value)
        assert "'Reading light' (KL120(US))" in text
        assert "between 2700 and 5000, got 9000" in text
        with pytest.raises(InvalidArgumentError, match=r"Reading light.*not a colour light"):
            await bulb.set_hsv(10, 10)
        dimmer = await cloud.device("Dining dimmer")
        assert isinstance(dimmer, Dimmer)
        with pytest.raises(InvalidArgumentError, match="brightness of 'Dining dimmer'"):
            await dimmer.set_brightness(101)


def _device_call(case: str, device_id: str) -> tuple[str, dict[str, Any]]:
    if case == "alias":  # an alias the cloud refuses
        return "setAlias", {"deviceId": device_id, "alias": " "}
    request: dict[str, Any] = {"system": {"get_sysinfo": None}}
    if case == "foreign-outlet":  # an outlet id that is not this device's
        request["context"] = {"child_ids": ["0" * 42]}
    else:
        device_id = "F" * 40  # nobody's device
    return "passthrough", {"deviceId": device_id, "requestData": json.dumps(request)}


@pytest.mark.parametrize(
    ("case", "expected_code", "expected_class"),
    [
        ("alias", -20572, ProtocolError),
        ("foreign-outlet", -20107, ProtocolError),
        ("unknown-device", -20501, NotFoundError),
    ],
)
async def test_cloud_errors_of_device_calls_are_typed_and_not_retried(
    local_cloud: LocalCloud, case: str, expected_code: int, expected_class: type[Exception]
) -> None:
    async with client(local_cloud.url) as cloud:
        await cloud.login(*DEMO)
        kettle = await cloud.device("Kettle")
        method, params = _device_call(case, kettle.device_id)
        recorder = Recorder(cloud)
        with pytest.raises(expected_class) as info:
            await cloud.session.call(method, params)
        assert info.value.code == expected_code  # type: ignore[attr-defined]
        assert len(recorder.requests) == 1
        assert cloud.stats.retries == 0


async def test_a_device_that_fails_is_a_generic_error_not_retried(fake_kit) -> None:
    from kasacloud import KasaCloudError

    async with LocalCloud(kit=fake_kit) as server, client(server.url) as cloud:
        await cloud.login(*DEMO)
        kettle = await cloud.device("Kettle")
        server.device(kettle.device_id).broken = True  # type: ignore[attr-defined]
        with pytest.raises(KasaCloudError) as info:
            await kettle.turn_on()
        assert type(info.value) is KasaCloudError
        assert info.value.code == -1
        assert cloud.stats.retries == 0


def _twin_kit() -> Any:
    """Real simulated meters: an HS110 hw1 (V1 units) and a KP115 (V2 units) with the same load.

    Both are built from the same noise seed and read one frozen clock, so the load, its wobble,
    the mains voltage and the synthesized history are the same; only the units differ. The
    hosted objects present the server's own ids (HostedDevice is the server's plug-in point).
    """
    from kasacloud import sim
    from kasacloud.server.devices import DemoDevice, DeviceKit

    v1 = sim.load_profile("HS110(US)_1.0")
    v2 = dataclasses.replace(sim.load_profile("KP115(US)_1.0"), power_w=v1.power_w)
    assert (v1.emeter_units, v2.emeter_units, v1.voltage_v) == ("v1", "v2", v2.voltage_v)
    twin_seed = "5A" * 20

    class SameLoad:
        def __init__(self, device_id: str, inner: Any) -> None:
            self.device_id = device_id
            self._inner = inner

        def cloud_info(self) -> dict[str, Any]:
            return dict(self._inner.cloud_info())

        def is_online(self) -> bool:
            return bool(self._inner.is_online())

        async def passthrough(self, request: dict[str, Any]) -> dict[str, Any]:
            return dict(await self._inner.passthrough(request))

        def state_revision(self) -> int:
            return int(self._inner.state_revision())

        def snapshot(self) -> dict[str, Any]:
            return dict(self._inner.snapshot())

    def build(profile: str, *, device_id: str, alias: Any, clock: Any, state: Any, region: Any):
        chosen = v1 if profile == "v1" else v2
        inner = sim.build_device(chosen, device_id=twin_seed, alias=alias, clock=clock)
        return SameLoad(device_id, inner)

    frozen = sim.SimClock(speed=0)
    house = [DemoDevice("v1", "Kettle"), DemoDevice("v2", "Kettle twin")]
    return DeviceKit(build=build, demo_house=house, new_clock=lambda: frozen)


@pytest.mark.parametrize("protocol", ["v2", "v1"])
async def test_v1_and_v2_meters_under_the_same_load_give_the_same_numbers(protocol: str) -> None:
    async with (
        LocalCloud(kit=_twin_kit()) as server,
        client(server.url, protocol=protocol) as cloud,
    ):
        await cloud.login(*DEMO)
        old, new = await cloud.device("Kettle"), await cloud.device("Kettle twin")
        assert (old.model, new.model) == ("HS110(US)", "KP115(US)")
        for plug in (old, new):
            await plug.turn_on()
            await plug.update()
        a, b = old.realtime, new.realtime
        assert a is not None
        assert b is not None
        assert set(a.raw) >= {"power", "voltage", "current", "total"}  # W, V, A, kWh
        assert set(b.raw) >= {"power_mw", "voltage_mv", "current_ma", "total_wh"}
        assert a.power_w is not None
        assert a.power_w > 1000  # a kettle's load, in watts (not mW, not kW)
        assert b.power_w == pytest.approx(a.power_w, abs=0.001)
        assert b.voltage_v == pytest.approx(a.voltage_v, abs=0.001)
        assert b.current_a == pytest.approx(a.current_a, abs=0.001)
        assert b.total_kwh == pytest.approx(a.total_kwh, abs=0.001)
        assert old.energy is not None
        assert new.energy is not None
        days_a, days_b = await old.energy.get_daily(), await new.energy.get_daily()
        assert [d.date for d in days_a] == [d.date for d in days_b]
        assert sum(d.energy_kwh for d in days_a) > 1
        for x, y in zip(days_a, days_b, strict=True):
            assert y.energy_kwh == pytest.approx(x.energy_kwh, abs=0.001)
        months_a, months_b = await old.energy.get_monthly(), await new.energy.get_monthly()
        assert [(m.year, m.month) for m in months_a] == [(m.year, m.month) for m in months_b]
        for x, y in zip(months_a, months_b, strict=True):
            assert y.energy_kwh == pytest.approx(x.energy_kwh, abs=0.001)


async def test_bad_device_arguments_are_refused_before_any_request(
    local_cloud: LocalCloud,
) -> None:
    async with client(local_cloud.url) as cloud:
        await cloud.login(*DEMO)
        lamp = await cloud.device("Hall lamp")
        recorder = Recorder(cloud)
        for bad in (
            lambda: lamp.set_alias(42),  # type: ignore[arg-type]
            lambda: lamp.set_alias("   "),
            lambda: lamp.reboot(delay_s="soon"),  # type: ignore[arg-type]
            lambda: lamp.reboot(delay_s=-1),
            lambda: cloud.device(7),  # type: ignore[arg-type]
        ):
            with pytest.raises(InvalidArgumentError):
                await bad()
        assert recorder.requests == []


@pytest.mark.parametrize("name", ["Hall lamp", "Living room bulb"])  # system vs smartlife module
async def test_reboot_takes_the_device_offline_for_a_while_and_time_reads(
    local_cloud: LocalCloud, name: str
) -> None:
    import datetime as dt

    async with client(local_cloud.url) as cloud:
        await cloud.login(*DEMO)
        device = await cloud.device(name, update=True)
        assert isinstance(device.time, dt.datetime)
        now = await device.get_time()
        assert now is not None
        assert abs((now - device.time).total_seconds()) < 120
        await device.reboot(delay_s=1)
        local_cloud.clock.advance(2)
        with pytest.raises(DeviceOfflineError):
            await device.update()
        assert not device.is_online
        local_cloud.clock.advance(600)
        again = await cloud.device(name, update=True)
        assert again.is_online
        assert again.time is not None
        assert again.time >= device.time
