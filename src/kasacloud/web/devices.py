"""Every call the dashboard makes into the client library, in one module.

The request handlers in :mod:`kasacloud.web.app` never touch a library device directly: they call
the functions here, which read devices into :class:`~kasacloud.web.views.DeviceView` values and
run commands. When the library's API moves, this is the one file to follow it.
"""

from __future__ import annotations

import asyncio
import calendar
import contextlib
import datetime as dt
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, cast

from kasacloud.agent.history import SqliteHistory
from kasacloud.client import Bulb, Device, Dimmer, KasaCloud, Outlet, Strip
from kasacloud.client.devices.feature import FeatureType
from kasacloud.client.devices.modules import (
    AwayRule,
    CountdownRule,
    Energy,
    Rule,
    Rules,
    ScheduleRule,
)
from kasacloud.client.devices.view import view as device_view
from kasacloud.client.errors import (
    DeviceError,
    DeviceOfflineError,
    KasaCloudError,
    MfaChallenge,
    NotFoundError,
)
from kasacloud.client.home import SceneDevice, apply, capture
from kasacloud.client.tokens import MemoryTokenStore
from kasacloud.protocol import commands as C
from kasacloud.protocol import families
from kasacloud.protocol.assumptions import COUNTDOWN_REMAIN_KEY
from kasacloud.protocol.errors import DEVICE_METHOD_NOT_SUPPORTED, DEVICE_MODULE_NOT_SUPPORTED
from kasacloud.web.errors import Conflict, DeviceLacks, InvalidInput, NameTaken
from kasacloud.web.messages import human_message
from kasacloud.web.sessions import WebSession
from kasacloud.web.views import (
    DeviceDetail,
    DeviceView,
    FeatureView,
    LightView,
    OutletView,
    RuleGroup,
    RuleView,
    clock_text,
    days_text,
    duration_text,
)

UNSUPPORTED_CODES = (DEVICE_MODULE_NOT_SUPPORTED, DEVICE_METHOD_NOT_SUPPORTED)

DAYS_SHOWN = 30
MONTHS_SHOWN = 12


def new_client(cloud_url: str | None, protocol: str | None) -> KasaCloud:
    """A signed-out :class:`kasacloud.KasaCloud` whose tokens stay in this process's memory."""
    return KasaCloud(
        url=cloud_url,
        protocol="v1" if protocol == "v1" else "v2",
        # Explicit, though it is the default: the dashboard never writes a token to disk.
        token_store=MemoryTokenStore(),
    )


async def login(client: KasaCloud, email: str, password: str) -> None:
    """First sign-in step; raises ``VerificationRequired`` when a code is needed."""
    await client.login(email, password)


async def verify_login(client: KasaCloud, challenge: MfaChallenge, code: str) -> None:
    """Second sign-in step, with the code the user received."""
    await client.verify_login(challenge, code)


async def close_client(client: KasaCloud) -> None:
    """Forget a client's tokens and close its connections."""
    try:
        await client.logout()
    finally:
        await client.aclose()


# -- reading devices -----------------------------------------------------------------------------


def _cache(session: WebSession) -> dict[str, Device]:
    return session.devices


def _client(session: WebSession) -> KasaCloud:
    if session.client is None:  # the ``signed_in`` check comes first: this is a bug
        raise RuntimeError("the session is not signed in")
    return session.client


def _known(session: WebSession, device_id: str) -> Device | None:
    """A device (or an outlet of a strip) the session has seen, by id."""
    cache = _cache(session)
    if device_id in cache:
        return cache[device_id]
    for device in cache.values():
        if isinstance(device, Strip):
            for outlet in device.children:
                if outlet.device_id == device_id:
                    return outlet
    return None


def name_of(session: WebSession, device_id: str) -> str | None:
    """The name of a device the session has seen (for messages), or ``None``."""
    device = _known(session, device_id)
    return None if device is None else device.alias


def _view(device: Device, error: Exception | None = None) -> DeviceView:
    """Read a device (after ``update()``, or after ``error`` from it) into a tile's view.

    Built on the library's one view of a device (:func:`kasacloud.client.devices.view.view`, the
    same that the CLI's ``devices --json`` and ``info`` print); this adds what a tile needs.
    """
    seen = device_view(device)
    view = DeviceView(
        id=seen.id,
        name=seen.name,
        model=seen.model,
        kind=seen.kind,
        online=seen.online,
        parent_id=seen.parent[0] if seen.parent else None,
    )
    if isinstance(error, DeviceOfflineError):
        view.online = False
        return view
    if error is not None:
        view.error = human_message(error, device_name=view.name)
        return view
    if not view.online:
        return view
    values = {f["id"]: f["value"] for f in seen.features}
    led = values.get("led")
    view.led = led if isinstance(led, bool) else None
    if seen.outlets:
        for outlet in seen.outlets:
            view.outlets.append(
                OutletView(
                    id=outlet.id,
                    name=outlet.name,
                    is_on=bool(outlet.is_on),
                    has_energy=outlet.has_energy,
                    power_w=outlet.power_w if outlet.has_energy else None,
                )
            )
        # A strip that meters each outlet: the tile shows the sum, the charts the outlets' sum.
        view.has_energy = view.has_energy_history = any(o.has_energy for o in view.outlets)
        view.power_w = seen.power_w if view.has_energy else None
        return view
    if seen.sensors:  # a hub: its sensors' readings
        view.sensors = [(s.name, s.readings()) for s in seen.sensors]
        return view
    if view.kind != "device":
        view.is_on = bool(seen.is_on)
    if seen.has_energy and seen.power_w is not None:
        view.has_energy = view.has_energy_history = True
        view.power_w = seen.power_w
    light = seen.light
    if light is not None:
        low, high = light.color_temp_range_k or (0, 0)
        hsv = light.hsv or (0, 0, 0)
        dimmer = isinstance(device, Dimmer)
        view.light = LightView(
            is_dimmable=light.is_dimmable,
            is_color=light.is_color,
            is_variable_color_temp=light.is_variable_color_temp,
            brightness=light.brightness_pct or 0,
            hue=hsv[0],
            saturation=hsv[1],
            color_temp_k=light.color_temp_k or 0,
            temp_min_k=low,
            temp_max_k=high,
            brightness_min=1 if dimmer else light.brightness_min,
        )
    return view


async def _read(device: Device) -> DeviceView:
    if not device.is_online:
        return _view(device)
    try:
        await device.update()
    except KasaCloudError as error:
        if isinstance(error, NotFoundError):
            raise
        return _view(device, error)
    return _view(device)


async def read_all(session: WebSession) -> list[DeviceView]:
    """Every device of the account, each updated (one passthrough each, concurrently).

    The page polls this every few seconds, so it costs one device list plus one update per
    device: the library's device objects are kept in the session and rebuilt only when the list
    changed (a device added, removed, gone offline or back online).

    A device that fails to answer becomes an offline or "not responding" view; only errors about
    the account itself (an expired session, the cloud unreachable) propagate.
    """
    client = _client(session)
    entries = await client.device_list()
    listed = {str(e.get("deviceId")): e.get("status") == 1 for e in entries}
    cache = _cache(session)
    if set(listed) != set(cache) or any(
        online != cache[device_id].is_online for device_id, online in listed.items()
    ):
        devices = await client.devices()
        cache.clear()
        cache.update({d.device_id: d for d in devices})
    ordered = [cache[device_id] for device_id in listed if device_id in cache]
    return list(await asyncio.gather(*(_read(d) for d in ordered)))


async def _device(session: WebSession, device_id: str) -> Device:
    """The device (or outlet) with this id; raises ``NotFoundError`` when there is none."""
    device = _known(session, device_id)
    if device is None:
        cache = _cache(session)
        cache.update({d.device_id: d for d in await _client(session).devices()})
        device = _known(session, device_id)
    if device is None:
        raise NotFoundError(f"no device {device_id}")
    return device


async def read_one(session: WebSession, device_id: str) -> DeviceView:
    """One device, updated."""
    return await _read(await _device(session, device_id))


# -- commands ------------------------------------------------------------------------------------


async def switch(
    session: WebSession, device_id: str, *, on: bool | None, outlet_id: str | None
) -> None:
    """Switch a device, or one outlet of a strip, on or off (``on=None``: the other way)."""
    device = await _device(session, device_id)
    target = device
    if outlet_id is not None:
        children = device.children if isinstance(device, Strip) else []
        matches = [c for c in children if c.device_id == outlet_id]
        if not matches:
            raise NotFoundError(f"no outlet {outlet_id}")
        target = matches[0]
    if on is None:
        on = not target.is_on
    if on:
        await target.turn_on()
    else:
        await target.turn_off()


async def set_light(
    session: WebSession,
    device_id: str,
    *,
    brightness: int | None,
    hue_saturation: tuple[int, int] | None,
    color_temp_k: int | None,
) -> None:
    """Set a light's (or a dimmer's) brightness, colour or colour temperature."""
    device = await _device(session, device_id)
    if isinstance(device, Dimmer):
        if hue_saturation is not None or color_temp_k is not None:
            raise DeviceLacks("is a dimmer: it has only brightness")
        if brightness is not None:
            await device.set_brightness(brightness)
        return
    if not isinstance(device, Bulb):
        raise DeviceLacks("is not a light")
    if hue_saturation is not None:
        await device.set_hsv(*hue_saturation)
    if color_temp_k is not None:
        await device.set_color_temp(color_temp_k)
    if brightness is not None:
        await device.set_brightness(brightness)


# -- energy --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EnergyPoint:
    """One bar of an energy chart."""

    key: str
    """``"2026-03-14"`` or ``"2026-03"``."""
    label: str
    title: str
    energy_kwh: float


def _meters(device: Device) -> list[Energy]:
    if isinstance(device, Strip):
        # A strip meters each outlet (the query needs the outlet's context): add them up.
        return [child.energy for child in device.children if child.energy and child.has_energy]
    return [device.energy] if device.energy and device.has_energy else []


def _today(device: Device) -> dt.date:
    # The device's own date, when it told us: history is kept in device time, which for a
    # simulated device can be far from ours.
    when = device.time
    return when.date() if isinstance(when, dt.datetime) else dt.date.today()


@dataclass(frozen=True, slots=True)
class EnergyHistory:
    """The bars of one energy chart and what they cover."""

    period: str
    """``days`` or ``months``."""
    key: str
    """What is shown: ``last-30-days``, ``last-12-months``, ``2026-03`` (its days), ``2026``."""
    title: str
    """``"Last 30 days (3 Nov – 2 Dec 2026)"``, ``"March 2026"``, ``"2026"``."""
    points: list[EnergyPoint]
    today: dt.date


def _day_point(date: dt.date, value: float) -> EnergyPoint:
    title = f"{date.day} {calendar.month_name[date.month]} {date.year}: {value:.3f} kWh"
    # The short label says the month: "3 Nov" (a day number alone is ambiguous across months).
    return EnergyPoint(
        date.isoformat(), f"{date.day} {calendar.month_abbr[date.month]}", title, value
    )


def _month_point(year: int, month: int, value: float) -> EnergyPoint:
    title = f"{calendar.month_name[month]} {year}: {value:.3f} kWh"
    return EnergyPoint(f"{year:04d}-{month:02d}", calendar.month_abbr[month], title, value)


async def energy_history(
    session: WebSession,
    device_id: str,
    period: str,
    *,
    year: int | None = None,
    month: int | None = None,
) -> EnergyHistory:
    """Energy per day or per month, oldest first.

    ``period="days"``: the last 30 days, or every day of ``year``-``month`` (up to today);
    ``period="months"``: the last 12 months, or every month of ``year`` (up to this month). Days
    or months the device has no record of count as 0 kWh, so the chart has no gaps. For a strip
    that meters each outlet, the figures are the outlets' sum. "Today" is the device's date.
    """
    device = await _device(session, device_id)
    meters = _meters(device)
    if not meters:
        raise DeviceLacks("has no energy meter")
    today = _today(device)
    totals: dict[str, float] = {}
    if period == "days":
        if year is not None and month is not None:
            first = dt.date(year, month, 1)
            if first > today:
                raise InvalidInput(f"{calendar.month_name[month]} {year} has not begun yet.")
            last = min(dt.date(year, month, calendar.monthrange(year, month)[1]), today)
            key, title = f"{year:04d}-{month:02d}", f"{calendar.month_name[month]} {year}"
        else:
            first, last = today - dt.timedelta(days=DAYS_SHOWN - 1), today
            key = "last-30-days"
            title = f"Last 30 days ({first:%-d %b} – {last:%-d %b %Y})"
        months = sorted({(first.year, first.month), (last.year, last.month)})
        for meter in meters:
            for y, m in months:
                for day in await meter.get_daily(y, m):
                    totals[day.date.isoformat()] = (
                        totals.get(day.date.isoformat(), 0.0) + day.energy_kwh
                    )
        count = (last - first).days + 1
        dates = [first + dt.timedelta(days=offset) for offset in range(count)]
        points = [_day_point(d, totals.get(d.isoformat(), 0.0)) for d in dates]
        return EnergyHistory("days", key, title, points, today)
    if year is not None:
        if year > today.year:
            raise InvalidInput(f"{year} has not begun yet.")
        keys = [(year, m) for m in range(1, 13) if (year, m) <= (today.year, today.month)]
        key, title = f"{year:04d}", str(year)
    else:
        y, m = today.year, today.month
        keys = []
        for _ in range(MONTHS_SHOWN):
            keys.append((y, m))
            y, m = (y, m - 1) if m > 1 else (y - 1, 12)
        keys.reverse()
        key = "last-12-months"
        title = (
            f"Last 12 months ({calendar.month_abbr[keys[0][1]]} {keys[0][0]} – "
            f"{calendar.month_abbr[keys[-1][1]]} {keys[-1][0]})"
        )
    for meter in meters:
        for y in sorted({y for y, _ in keys}):
            for entry in await meter.get_monthly(y):
                k = f"{entry.year:04d}-{entry.month:02d}"
                totals[k] = totals.get(k, 0.0) + entry.energy_kwh
    points = [_month_point(y, m, totals.get(f"{y:04d}-{m:02d}", 0.0)) for y, m in keys]
    return EnergyHistory("months", key, title, points, today)


# -- the device page -----------------------------------------------------------------------------


def features_of(device: Device) -> list[FeatureView]:
    """The device's features (state, readings, settings), each with its value and unit.

    Read from the device model's ``device.features``, in the library's order.
    """
    return [
        FeatureView(
            id=f.id,
            name=f.name,
            type=f.type.value,
            category=f.category.value,
            value=f.value,
            unit=f.unit,
            minimum=f.minimum,
            maximum=f.maximum,
            step=f.step,
            choices=list(f.choices or ()),
            writable=f.writable,
        )
        for f in device.features.values()
    ]


def _details(device: Device) -> list[tuple[str, str]]:
    holder = device.parent if isinstance(device, Outlet) else device
    rssi = holder.rssi
    rows = [
        ("Model", holder.model),
        ("Hardware", holder.hw_ver or "—"),
        ("Firmware", holder.fw_ver or "—"),
        ("MAC address", holder.mac or "—"),
        ("Signal", f"{rssi} dBm ({signal_text(rssi)})" if rssi is not None else "—"),
        ("Region", holder.region or "—"),
        ("Device id", device.device_id),
    ]
    return rows


def signal_text(rssi: int) -> str:
    """A Wi-Fi signal in words, as the Kasa app rates it."""
    if rssi >= -55:
        return "excellent"
    if rssi >= -67:
        return "good"
    if rssi >= -75:
        return "fair"
    return "weak"


_ACTION = {True: "Turn on", False: "Turn off"}


def _next_weekly(now: dt.datetime, minute: int, weekdays: tuple[bool, ...]) -> dt.datetime | None:
    """The next time of day ``minute`` on one of ``weekdays`` (Sunday first) after ``now``."""
    for ahead in range(8):
        day = now.date() + dt.timedelta(days=ahead)
        if not weekdays[(day.weekday() + 1) % 7]:
            continue
        at = dt.datetime.combine(day, dt.time(minute // 60, minute % 60))
        if at > now.replace(tzinfo=None):
            return at
    return None


def _when_text(at: dt.datetime, now: dt.datetime) -> str:
    if at.date() == now.date():
        return f"today, {at:%H:%M}"
    if at.date() == now.date() + dt.timedelta(days=1):
        return f"tomorrow, {at:%H:%M}"
    return f"{at:%a %-d %b}, {at:%H:%M}"


def _schedule_view(rule: ScheduleRule, now: dt.datetime | None) -> RuleView:
    option = rule.time_option
    at = clock_text(rule.start_min) if option == "time" else option
    view = RuleView(
        kind="schedule",
        id=rule.id or "",
        name=rule.name,
        enabled=rule.enabled,
        action_text=_ACTION[rule.turn_on],
        when_text=f"{at}, {days_text(rule.weekdays)}" + ("" if rule.repeat else " (once)"),
        turn_on=rule.turn_on,
        start=clock_text(rule.start_min) if option == "time" else "00:00",
        weekdays=rule.weekdays,
        time_option=option,
    )
    if rule.enabled and now is not None:
        if option == "time":
            nxt = _next_weekly(now, rule.start_min, rule.weekdays)
            view.next_text = f"Next: {_when_text(nxt, now)}" if nxt else None
        else:
            view.next_text = f"Next: at {option}"
    elif not rule.enabled:
        view.next_text = "Disabled: does not run"
    return view


def _away_view(rule: AwayRule, now: dt.datetime | None) -> RuleView:
    view = RuleView(
        kind="away",
        id=rule.id or "",
        name=rule.name,
        enabled=rule.enabled,
        action_text="On and off at random",
        when_text=f"{clock_text(rule.start_min)}–{clock_text(rule.end_min)}, "
        f"{days_text(rule.weekdays)}",
        start=clock_text(rule.start_min),
        end=clock_text(rule.end_min),
        weekdays=rule.weekdays,
    )
    if not rule.enabled:
        view.next_text = "Disabled: does not run"
    elif now is not None:
        nxt = _next_weekly(now, rule.start_min, rule.weekdays)
        view.next_text = f"Next: {_when_text(nxt, now)}" if nxt else None
    return view


def _countdown_view(
    rule: CountdownRule, now: dt.datetime | None, next_action: dict[str, Any] | None
) -> RuleView:
    view = RuleView(
        kind="countdown",
        id=rule.id or "",
        name=rule.name,
        enabled=rule.enabled,
        action_text=_ACTION[rule.turn_on],
        when_text=f"{duration_text(rule.delay_s)} after it is set",
        turn_on=rule.turn_on,
        delay_min=max(1, round(rule.delay_s / 60)),
    )
    if not rule.enabled:
        view.next_text = "Disabled: does not run"
        return view
    # The device tells when its next action runs (sysinfo's ``next_action``, or the timer
    # module's ``get_next_action``): for a running timer that is its end, in seconds of the
    # device's day.
    if next_action and next_action.get("type") == 2 and str(next_action.get("id")) == rule.id:
        at_s = next_action.get("schd_sec", next_action.get("schd_time"))
        if isinstance(at_s, int) and now is not None:
            now_s = now.hour * 3600 + now.minute * 60 + now.second
            view.next_text = f"Time left: {duration_text((at_s - now_s) % 86400)}"
    # Otherwise the rule's own seconds left, where the device lists them (SMART devices do).
    remain = rule.raw.get(COUNTDOWN_REMAIN_KEY)
    if not view.next_text and isinstance(remain, int) and not isinstance(remain, bool) and remain:
        view.next_text = f"Time left: {duration_text(remain)}"
    return view


async def _rule_group(
    kind: str,
    title: str,
    module: Rules[Any] | None,
    make: Callable[[Any], RuleView],
) -> RuleGroup:
    group = RuleGroup(kind, title)
    if module is None or module.supported is False:
        group.supported = False
        return group
    try:
        group.rules = [make(rule) for rule in await module.list()]
    except DeviceError as error:
        if error.err_code in UNSUPPORTED_CODES:
            group.supported = False
        else:
            group.error = human_message(error, device_name=module.device.alias)
    return group


async def _timer_next_action(device: Device) -> dict[str, Any] | None:
    """When the timer fires: sysinfo's ``next_action`` if it is the timer, else the timer's own."""
    from_sysinfo = device.sysinfo.get("next_action")
    if isinstance(from_sysinfo, dict) and from_sysinfo.get("type") == 2:
        return from_sysinfo
    if device.countdown is None or device.is_smart:
        return None  # SMART countdowns list their own time left (``remain``)
    try:
        return await device.countdown.call(C.GET_NEXT_ACTION)
    except DeviceError:
        return None  # not every firmware answers it; the page then shows no time left


async def read_detail(session: WebSession, device_id: str) -> DeviceDetail:
    """The device page of a device or an outlet: state, features, rules, details and energy."""
    device = await _device(session, device_id)
    view = await _read(device)
    detail = DeviceDetail(
        view=view, features=[], details=_details(device), watch_digest=view.digest
    )
    if isinstance(device, Outlet):
        detail.watch_digest = _view(device.parent).digest
        detail.is_outlet = True
        detail.can_reboot = False  # the strip reboots, from its own page
        detail.parent_id = device.parent.device_id
        detail.parent_name = device.parent.alias
    if not view.online or view.error:
        return detail
    detail.features = features_of(device)
    now = device.time or (device.parent.time if isinstance(device, Outlet) else None)
    detail.device_time = now
    if isinstance(device, Strip):
        return detail  # rules and meters are per outlet: on the outlets' pages
    timer_enabled = False
    if device.countdown is not None and device.countdown.supported is not False:
        with contextlib.suppress(DeviceError):
            timer_enabled = any(r.enabled for r in await device.countdown.list())
    next_action = await _timer_next_action(device) if timer_enabled else None
    detail.rule_groups = list(
        await asyncio.gather(
            _rule_group("schedule", "Schedules", device.schedule, lambda r: _schedule_view(r, now)),
            _rule_group(
                "countdown",
                "Timer (countdown)",
                device.countdown,
                lambda r: _countdown_view(r, now, next_action),
            ),
            _rule_group("away", "Away mode", device.away, lambda r: _away_view(r, now)),
        )
    )
    for feature_id, attribute in (
        ("today_energy", "energy_today_kwh"),
        ("month_energy", "energy_month_kwh"),
    ):
        feature = device.features.get(feature_id)
        if feature is not None and isinstance(feature.value, int | float):
            setattr(detail, attribute, float(feature.value))
    return detail


# -- the device page's commands -----------------------------------------------------------------


def _all_names(session: WebSession) -> dict[str, str]:
    """Every device's and outlet's name, by id."""
    names: dict[str, str] = {}
    for device in _cache(session).values():
        names[device.device_id] = device.alias
        if isinstance(device, Strip):
            for outlet in device.children:
                names[outlet.device_id] = outlet.alias
    return names


async def rename(session: WebSession, device_id: str, name: str, *, confirmed: bool) -> None:
    """Rename a device or an outlet; refused when another device has the name, unless confirmed.

    Two devices of one name make the CLI's ``kasacloud on NAME`` and voice assistants ambiguous.
    """
    device = await _device(session, device_id)
    name = name.strip()
    problem = families.alias_problem(name)
    if problem is not None:
        raise InvalidInput(f"“{name[:40]}” cannot be a name: {problem}.")
    taken = [
        other_id
        for other_id, other in _all_names(session).items()
        if other_id != device_id and other.casefold() == name.casefold()
    ]
    if taken and not confirmed:
        raise NameTaken(name)
    await device.set_alias(name)


async def reboot(session: WebSession, device_id: str) -> None:
    """Reboot a device (it goes offline for a minute or so)."""
    device = await _device(session, device_id)
    if isinstance(device, Outlet):
        raise DeviceLacks("is an outlet: reboot its strip, from the strip's page")
    await device.reboot(1)


async def set_feature(session: WebSession, device_id: str, feature_id: str, value: str) -> None:
    """Set one writable feature from its form value (``true``/``false``, ``40``, ``240,100,80``).

    The library checks the value against the feature's type and range before it sends anything.
    """
    device = await _device(session, device_id)
    writable = {f.id: f for f in device.features.values() if f.writable}
    feature = writable.get(feature_id)
    if feature is None:
        raise InvalidInput(
            f"“{device.alias}” has no setting “{feature_id[:40]}”"
            + (f"; it has: {', '.join(sorted(writable))}." if writable else ".")
        )
    if feature.type is FeatureType.SWITCH:
        await feature.set_value(parse_bool(value, feature.name))
        return
    await feature.set_value(feature.parse(value))


def parse_bool(value: str, label: str) -> bool:
    """``true``/``false`` (also ``on``/``off``, ``1``/``0``) from a form."""
    text = value.strip().lower()
    if text in {"1", "true", "on", "yes"}:
        return True
    if text in {"0", "false", "off", "no"}:
        return False
    raise InvalidInput(f"{label} is on or off (true or false), not “{value[:40]}”.")


RuleKind = str
RULE_KINDS = ("schedule", "countdown", "away")


def _rules_module(device: Device, kind: RuleKind) -> Rules[Any]:
    module: Rules[Any] | None = {
        "schedule": device.schedule,
        "countdown": device.countdown,
        "away": device.away,
    }.get(kind)
    if module is None or module.supported is False:
        raise DeviceLacks(f"has no {kind} rules")
    return module


async def _find_rule(module: Rules[Any], rule_id: str) -> Rule:
    for rule in await module.list():
        if rule.id == rule_id:
            return cast(Rule, rule)
    raise InvalidInput("That rule is no longer on the device. Reload the page to see its rules.")


async def add_rule(session: WebSession, device_id: str, kind: RuleKind, rule: Rule) -> None:
    """Add a schedule, countdown or away rule."""
    device = await _device(session, device_id)
    module = _rules_module(device, kind)
    if kind == "countdown":
        # Devices keep one timer: a new one replaces the old.
        await module.delete_all()
    await module.add(rule)


async def edit_rule(
    session: WebSession, device_id: str, kind: RuleKind, rule_id: str, rule: Rule
) -> None:
    """Replace a rule by ``rule`` (the fields this page does not edit are kept)."""
    device = await _device(session, device_id)
    module = _rules_module(device, kind)
    old = await _find_rule(module, rule_id)
    await module.edit(replace(rule, id=rule_id, raw=old.raw))


async def set_rule_enabled(
    session: WebSession, device_id: str, kind: RuleKind, rule_id: str, enabled: bool
) -> None:
    """Enable or disable one rule."""
    device = await _device(session, device_id)
    module = _rules_module(device, kind)
    old = await _find_rule(module, rule_id)
    await module.edit(replace(old, enabled=enabled))


async def delete_rule(session: WebSession, device_id: str, kind: RuleKind, rule_id: str) -> None:
    """Delete one rule."""
    device = await _device(session, device_id)
    module = _rules_module(device, kind)
    await _find_rule(module, rule_id)
    await module.delete(rule_id)


# -- rooms and scenes ----------------------------------------------------------------------------


def known_ids(session: WebSession) -> dict[str, Device]:
    """Every device and outlet of the last device list, by id."""
    found: dict[str, Device] = {}
    for device in _cache(session).values():
        found[device.device_id] = device
        if isinstance(device, Strip):
            found.update({o.device_id: o for o in device.children})
    return found


def holder_id(session: WebSession, device_id: str) -> str | None:
    """The id of the tile that shows ``device_id``: its own, or its strip's for an outlet."""
    device = _known(session, device_id)
    if device is None:
        return None
    return device.parent.device_id if isinstance(device, Outlet) else device.device_id


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one device of a room or a scene did: ``error`` is a sentence, or ``None``."""

    device_id: str
    name: str
    error: str | None = None


async def _each(
    session: WebSession, device_ids: list[str], act: Callable[[Device], Any]
) -> list[Outcome]:
    """Run ``act`` on each device (concurrently); one failure does not stop the others."""

    async def one(device_id: str) -> Outcome:
        try:
            device = await _device(session, device_id)
        except NotFoundError:
            return Outcome(device_id, device_id, f"A device ({device_id}) is no longer here.")
        try:
            await act(device)
        except KasaCloudError as error:
            return Outcome(device_id, device.alias, human_message(error, device_name=device.alias))
        return Outcome(device_id, device.alias)

    return list(await asyncio.gather(*(one(i) for i in device_ids)))


async def switch_many(session: WebSession, device_ids: list[str], *, on: bool) -> list[Outcome]:
    """Switch several devices or outlets on or off (a room's all-on / all-off)."""

    async def act(device: Device) -> None:
        if on:
            await device.turn_on()
        else:
            await device.turn_off()

    return await _each(session, device_ids, act)


async def capture_scene(session: WebSession, device_ids: list[str]) -> list[SceneDevice]:
    """The state of these devices now, for a new scene; refuses an offline or unknown one."""
    states = []
    for device_id in device_ids:
        try:
            device = await _device(session, device_id)
        except NotFoundError:
            raise Conflict(
                "One of the chosen devices is no longer on this account. Reload the page."
            ) from None
        holder = device.parent if isinstance(device, Outlet) else device
        if not holder.is_online:
            raise Conflict(
                f"“{device.alias}” is offline: its state is not known. Leave it out of the "
                "scene, or try again once it is online."
            )
        await holder.update()
        states.append(capture(device))
    return states


async def apply_scene(session: WebSession, states: list[SceneDevice]) -> list[Outcome]:
    """Put each device of a scene in its saved state (the library's :func:`home.apply`)."""
    if not _cache(session):
        await read_all(session)
    known = known_ids(session)
    if any(s.device_id not in known for s in states):  # the list may be older than the scene
        _cache(session).clear()
        await read_all(session)
        known = known_ids(session)
    missing = [s.device_id for s in states if s.device_id not in known]
    if missing:
        raise Conflict(
            f"This scene has {len(missing)} device(s) the account no longer has: save it again "
            "with the devices you have."
        )
    by_id = {s.device_id: s for s in states}

    async def act(device: Device) -> None:
        await apply(device, by_id[device.device_id])

    return await _each(session, [s.device_id for s in states], act)


# -- the agent's recorded history ----------------------------------------------------------------

RECORDED_DAYS_SHOWN = 731
"""At most this many recorded days in one chart (two years; the newest are kept)."""


def meter_ids(device: Device) -> list[str]:
    """The ids the agent records a device's energy under: its own, or each metered outlet's."""
    if isinstance(device, Strip):
        return [c.device_id for c in device.children if c.energy and c.has_energy]
    return [device.device_id] if device.energy and device.has_energy else []


def _open_history(path: Path | None) -> SqliteHistory | None:
    if path is None:
        return None
    try:
        return SqliteHistory.open_existing(path)
    except (OSError, sqlite3.Error):
        return None  # a history that cannot be read is no worse than none


def _recorded_range(path: Path | None, ids: list[str]) -> tuple[dt.date, dt.date] | None:
    store = _open_history(path)
    if store is None or not ids:
        return None
    try:
        last = max((d for d in (store.last_day(i) for i in ids) if d), default=None)
        if last is None:
            return None
        days = store.days(dt.date(1970, 1, 1), last, ids)
        return (days[0].date, last) if days else None
    finally:
        store.close()


async def recorded_range(
    session: WebSession, device_id: str, path: Path | None
) -> tuple[dt.date, dt.date] | None:
    """The first and last day the agent recorded for this device (``None``: none recorded)."""
    device = await _device(session, device_id)
    return await asyncio.to_thread(_recorded_range, path, meter_ids(device))


def _read_recorded(
    path: Path | None, ids: list[str], period: str
) -> tuple[dict[str, float], list[str]]:
    """Recorded kWh by ``YYYY-MM-DD`` (days) or ``YYYY-MM`` (months), summed over meters."""
    store = _open_history(path)
    if store is None or not ids:
        return {}, []
    try:
        totals: dict[str, float] = {}
        if period == "days":
            for day in store.days(dt.date(1970, 1, 1), dt.date(9999, 12, 31), ids):
                key = day.date.isoformat()
                totals[key] = totals.get(key, 0.0) + day.energy_kwh
        else:
            for month in store.months((1970, 1), (9999, 12), ids):
                key = f"{month.year:04d}-{month.month:02d}"
                totals[key] = totals.get(key, 0.0) + month.energy_kwh
        return totals, sorted(totals)
    finally:
        store.close()


async def recorded_history(
    session: WebSession, device_id: str, period: str, path: Path | None
) -> EnergyHistory:
    """What ``kasacloud agent`` recorded for this device, per day or per month, oldest first.

    From the first recorded day (or month) to the last, days without a record counting 0 kWh so
    that the chart has no gaps; at most :data:`RECORDED_DAYS_SHOWN` days, the newest. A strip's
    figures are its outlets' sum, as on its other charts.
    """
    device = await _device(session, device_id)
    ids = meter_ids(device)
    if not ids:
        raise DeviceLacks("has no energy meter")
    totals, keys = await asyncio.to_thread(_read_recorded, path, ids, period)
    if not keys:
        raise Conflict(
            f"No energy history is recorded for “{device.alias}”: 'kasacloud agent' records it "
            "(daily and monthly energy, kept for longer than the device keeps it)."
        )
    today = _today(device)
    if period == "days":
        first, last = dt.date.fromisoformat(keys[0]), dt.date.fromisoformat(keys[-1])
        first = max(first, last - dt.timedelta(days=RECORDED_DAYS_SHOWN - 1))
        dates = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
        points = [_day_point(d, totals.get(d.isoformat(), 0.0)) for d in dates]
        title = f"Recorded history, days ({first:%-d %b %Y} – {last:%-d %b %Y})"
        return EnergyHistory("days", "recorded", title, points, today)
    y, m = (int(part) for part in keys[0].split("-"))
    end = tuple(int(part) for part in keys[-1].split("-"))
    months: list[tuple[int, int]] = []
    while (y, m) <= end:
        months.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    months = months[-RECORDED_DAYS_SHOWN:]
    points = [_month_point(y, m, totals.get(f"{y:04d}-{m:02d}", 0.0)) for y, m in months]
    # A month's short label is its name alone; over several years it needs the year too.
    if months[0][0] != months[-1][0]:
        points = [
            replace(p, label=f"{calendar.month_abbr[m]} {y % 100:02d}")
            for p, (y, m) in zip(points, months, strict=True)
        ]
    first_y, first_m = months[0]
    last_y, last_m = months[-1]
    title = (
        f"Recorded history, months ({calendar.month_abbr[first_m]} {first_y} – "
        f"{calendar.month_abbr[last_m]} {last_y})"
    )
    return EnergyHistory("months", "recorded", title, points, today)
