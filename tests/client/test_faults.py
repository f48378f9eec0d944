"""Every public client call through a fault-injecting proxy: typed errors only, no hang.

The proxy (``fault_proxy.py``) sits on loopback between the client and a real local cloud and
drops, resets, delays past the client's timeout, answers 5xx, truncates and garbles. Whatever it
does, a call either succeeds or raises a :class:`KasaCloudError` subclass (never an
``ExceptionGroup``, never another exception), within a bound the client's own timeouts and retries
set; the ``fail_after`` guards only catch a hang.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import anyio
import pytest
from client_helpers import DEMO, MFA
from fault_proxy import FAULTS, FaultProxy, always, at_random

from kasacloud import KasaCloud, Strip
from kasacloud.client.errors import KasaCloudError, VerificationRequired
from kasacloud.client.retry import RetryPolicy
from kasacloud.server import LocalCloud, LoginPolicy, ServerConfig
from kasacloud.sync import KasaCloud as SyncKasaCloud

pytestmark = pytest.mark.anyio

TIMEOUT_S = 0.25
RETRY = RetryPolicy(max_attempts=2, base_delay_s=0.01, rate_limited_base_delay_s=0.01)
HANG_GUARD_S = 30.0  # far above any call's own bound (attempts x timeout); only a hang reaches it

Call = tuple[str, Callable[[], Awaitable[Any]]]


@pytest.fixture(scope="module")
def cloud_and_proxy() -> Iterator[tuple[LocalCloud, FaultProxy]]:
    # Wrong passwords and codes are part of the calls driven here, many times from 127.0.0.1:
    # login protection (tested in tests/server) must not slow the address down meanwhile.
    lenient = LoginPolicy(
        address_free_failures=10**6,
        address_block_failures=10**6,
        account_protect_failures=10**6,
        mfa_max_wrong_codes=10**6,
    )
    config = ServerConfig(account_rate_limit=None, address_rate_limit=None, login_policy=lenient)
    # the real simulated demo house
    with (
        LocalCloud(config=config) as server,
        FaultProxy(server.url, delay_s=TIMEOUT_S * 4) as proxy,
    ):
        yield server, proxy


def _client(url: str) -> KasaCloud:
    # a generous timeout while preparing (a loaded machine must not fail the set-up); the tests
    # set the short one when the faults start
    return KasaCloud(
        url=url, terminal_id=str(uuid.uuid4()), timeout_s=30, retry=RETRY,
        rate_limit_per_s=float("inf"),
    )  # fmt: skip


def _public_calls(cloud: KasaCloud, devices: dict[str, Any], challenge: Any) -> list[Call]:
    """Every public call of the client and of each device family, with valid arguments."""
    kettle, strip = devices["Kettle"], devices["Office strip"]
    bulb, light_strip, dimmer = (
        devices["Living room bulb"],
        devices["TV backlight"],
        devices["Dining dimmer"],
    )
    assert isinstance(strip, Strip)
    p = functools.partial
    return [
        ("login", p(cloud.login, *DEMO)),
        ("device_list", cloud.device_list),
        ("devices", cloud.devices),
        ("devices(update)", p(cloud.devices, update=True)),
        ("device", p(cloud.device, "Kettle")),
        ("device(update)", p(cloud.device, "Office strip", update=True)),
        ("update_all", p(cloud.update_all, list(devices.values()))),
        ("resend_code", p(cloud.resend_code, challenge)),
        ("verify_login", p(cloud.verify_login, challenge, "000000")),
        ("plug.update", kettle.update),
        ("plug.turn_on", kettle.turn_on),
        ("plug.turn_off", kettle.turn_off),
        ("plug.toggle", kettle.toggle),
        ("plug.set_led", p(kettle.set_led, True)),
        ("plug.get_time", kettle.get_time),
        ("plug.set_alias", p(kettle.set_alias, "Kettle")),
        ("plug.raw", p(kettle.raw, {"system": {"get_sysinfo": None}})),
        ("plug.energy.get_realtime", kettle.energy.get_realtime),
        ("plug.energy.get_daily", kettle.energy.get_daily),
        ("plug.energy.get_monthly", kettle.energy.get_monthly),
        ("plug.schedule.list", kettle.schedule.list),
        ("strip.update", strip.update),
        ("outlet.turn_on", strip.children[0].turn_on),
        ("outlet.update", strip.children[1].update),
        ("bulb.set_brightness", p(bulb.set_brightness, 40)),
        ("bulb.set_hsv", p(bulb.set_hsv, 120, 50, 60)),
        ("bulb.set_color_temp", p(bulb.set_color_temp, 3000)),
        ("light_strip.update", light_strip.update),
        ("dimmer.set_brightness", p(dimmer.set_brightness, 30)),
    ]


async def _prepared(proxy: FaultProxy) -> tuple[KasaCloud, dict[str, Any], Any]:
    """A client logged in through the proxy (faithful for now), its devices and an MFA challenge."""
    proxy.plan = always("pass")
    cloud = _client(proxy.url)
    with pytest.raises(VerificationRequired) as info:
        await cloud.login(*MFA)
    await cloud.login(*DEMO)
    devices = {d.alias: d for d in await cloud.devices(update=True)}
    cloud.session.timeout_s = TIMEOUT_S
    return cloud, devices, info.value.challenge


def _typed_or_none(outcome: object, name: str) -> None:
    assert outcome is None or isinstance(outcome, KasaCloudError), (name, repr(outcome))


async def _drive(name: str, call: Callable[[], Awaitable[Any]]) -> BaseException | None:
    """Run one call under the hang guard; return what it raised (None: it succeeded)."""
    try:
        with anyio.fail_after(HANG_GUARD_S):
            result = await call()
    except KasaCloudError as exc:
        return exc  # a KasaCloudError is never a group: an ExceptionGroup falls through
    except TimeoutError:
        pytest.fail(f"{name} hung past {HANG_GUARD_S} s")
    # anything else (an ExceptionGroup, a KeyError) fails the test with its traceback
    if name == "update_all":  # it reports each device's error instead of raising
        for outcome in result:
            _typed_or_none(outcome, name)
    return None


@pytest.mark.parametrize(
    "fault", [pytest.param(f, marks=pytest.mark.slow) if f == "delay" else f for f in FAULTS]
)
async def test_every_public_call_under_each_fault(
    cloud_and_proxy: tuple[LocalCloud, FaultProxy], fault: str
) -> None:
    _, proxy = cloud_and_proxy
    cloud, devices, challenge = await _prepared(proxy)
    async with cloud:
        proxy.plan = always(fault)
        raised = {
            name: await _drive(name, call)
            for name, call in _public_calls(cloud, devices, challenge)
        }
    # every call makes a request and every request is faulted: all must fail, typed; except that
    # a success envelope is a success for a call that reads nothing from it
    failed = {name for name, error in raised.items() if error is not None}
    may_pass = {"update_all"} | ({"resend_code"} if fault == "wrong_shape" else set())
    assert failed >= set(raised) - may_pass, set(raised) - failed
    assert proxy.counts.get(fault, 0) >= len(failed)


@pytest.mark.parametrize("fault", ["reset", "wrong_shape", "5xx"])
async def test_a_strip_whose_outlets_fail_raises_one_typed_error(
    cloud_and_proxy: tuple[LocalCloud, FaultProxy], fault: str
) -> None:
    # the outlets' meter reads carry a "context"; only they fail, the strip's own read succeeds
    _, proxy = cloud_and_proxy
    cloud, devices, _ = await _prepared(proxy)
    async with cloud:
        strip = devices["Office strip"]
        proxy.plan = lambda body: fault if b"child_ids" in body else "pass"
        for call in (strip.update, functools.partial(cloud.devices, update=True)):
            with anyio.fail_after(HANG_GUARD_S), pytest.raises(KasaCloudError) as info:
                await call()
            assert not isinstance(info.value, BaseExceptionGroup)
            notes = getattr(info.value, "__notes__", [])
            if notes:  # several outlets failed before the first failure stopped the rest
                assert f"{len(notes) + 1} of " in str(info.value)


async def test_random_faults_over_many_rounds(
    cloud_and_proxy: tuple[LocalCloud, FaultProxy],
) -> None:
    _, proxy = cloud_and_proxy
    cloud, devices, challenge = await _prepared(proxy)
    fast = set(FAULTS) - {"delay"}  # delays are covered above; here they would only add time
    outcomes: list[BaseException | None] = []
    async with cloud:
        proxy.plan = at_random(0.15, seed=11, faults=tuple(sorted(fast)))
        for _ in range(3):
            for name, call in _public_calls(cloud, devices, challenge):
                if name in ("verify_login", "resend_code"):
                    continue
                outcomes.append(await _drive(name, call))
    assert any(o is None for o in outcomes)
    assert any(o is not None for o in outcomes)


def test_the_blocking_client_under_faults(cloud_and_proxy: tuple[LocalCloud, FaultProxy]) -> None:
    _, proxy = cloud_and_proxy
    proxy.plan = always("pass")
    with SyncKasaCloud(url=proxy.url, terminal_id=str(uuid.uuid4()), retry=RETRY) as cloud:
        cloud.login(*DEMO)
        strip = cloud.device("Office strip")
        cloud.aio.session.timeout_s = TIMEOUT_S
        for fault in FAULTS:
            proxy.plan = always(fault)
            for call in (cloud.devices, strip.update, strip.children[0].turn_off):
                with pytest.raises(KasaCloudError) as info:
                    call()
                assert not isinstance(info.value, BaseExceptionGroup)
