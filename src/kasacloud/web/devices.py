"""Every call the dashboard makes into the client library, in one module.

The request handlers in :mod:`kasacloud.web.app` never touch a library device directly: they call
the functions here, which read devices into :class:`~kasacloud.web.views.DeviceView` values and
run commands. When the library's API moves, this is the one file to follow it.
"""

from __future__ import annotations

import asyncio
import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from kasacloud.client import KasaCloud
from kasacloud.client.errors import DeviceOfflineError, KasaCloudError, NotFoundError
from kasacloud.client.tokens import MemoryTokenStore
from kasacloud.web.messages import human_message
from kasacloud.web.sessions import WebSession
from kasacloud.web.views import DeviceView, LightView, OutletView

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


async def login(client: Any, email: str, password: str) -> None:
    """First sign-in step; raises ``VerificationRequired`` when a code is needed."""
    await client.login(email, password)


async def verify_login(client: Any, challenge: Any, code: str) -> None:
    """Second sign-in step, with the code the user received."""
    await client.verify_login(challenge, code)


async def close_client(client: Any) -> None:
    """Forget a client's tokens and close its connections."""
    try:
        await client.logout()
    finally:
        await client.aclose()


# -- reading devices -----------------------------------------------------------------------------


_KINDS = {"wall_switch": "switch", "light_strip": "lightstrip"}


def _kind(device: Any) -> str:
    kind = str(getattr(device, "kind", "device"))
    return _KINDS.get(kind, kind)


def _cache(session: WebSession) -> dict[str, Any]:
    return session.devices


def name_of(session: WebSession, device_id: str) -> str | None:
    """The name of a device the session has seen (for messages), or ``None``."""
    device = _cache(session).get(device_id)
    return None if device is None else str(device.alias)


def _power(device: Any) -> float | None:
    reading = device.realtime
    return None if reading is None else reading.power_w


def _view(device: Any, error: Exception | None = None) -> DeviceView:
    """Read a device (after ``update()``, or after ``error`` from it) into a view."""
    view = DeviceView(
        id=device.device_id,
        name=device.alias,
        model=device.model,
        kind=_kind(device),
        online=bool(device.is_online),
    )
    if isinstance(error, DeviceOfflineError):
        view.online = False
        return view
    if error is not None:
        view.error = human_message(error, device_name=view.name)
        return view
    if not view.online:
        return view
    if view.kind == "strip":
        for child in device.children:
            view.outlets.append(
                OutletView(
                    id=child.device_id,
                    name=child.alias or f"Outlet {child.index + 1}",
                    is_on=bool(child.is_on),
                    has_energy=child.has_energy,
                    power_w=_power(child) if child.has_energy else None,
                )
            )
        # A strip that meters each outlet: the tile shows the sum, the charts the outlets' sum.
        view.has_energy = view.has_energy_history = any(o.has_energy for o in view.outlets)
        view.power_w = _power(device) if view.has_energy else None
        return view
    if view.kind != "device":
        view.is_on = bool(device.is_on)
    if device.has_energy and device.realtime is not None:
        view.has_energy = view.has_energy_history = True
        view.power_w = _power(device)
    if view.kind in {"bulb", "lightstrip"}:
        temp_range = device.color_temp_range_k or (0, 0)
        hsv = device.hsv
        view.light = LightView(
            is_dimmable=device.is_dimmable,
            is_color=device.is_color,
            is_variable_color_temp=device.is_variable_color_temp,
            brightness=device.brightness or 0,
            hue=hsv.hue if hsv else 0,
            saturation=hsv.saturation if hsv else 0,
            color_temp_k=device.color_temp_k or 0,
            temp_min_k=temp_range[0],
            temp_max_k=temp_range[1],
        )
    elif view.kind == "dimmer":
        view.light = LightView(
            is_dimmable=True,
            is_color=False,
            is_variable_color_temp=False,
            brightness=device.brightness,
            hue=0,
            saturation=0,
            color_temp_k=0,
            temp_min_k=0,
            temp_max_k=0,
            brightness_min=1,
        )
    return view


async def _read(device: Any) -> DeviceView:
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
    client = session.client
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


async def _device(session: WebSession, device_id: str) -> Any:
    cache = _cache(session)
    if device_id not in cache:
        cache.update({d.device_id: d for d in await session.client.devices()})
    try:
        return cache[device_id]
    except KeyError:
        raise NotFoundError(f"no device {device_id}") from None


async def read_one(session: WebSession, device_id: str) -> DeviceView:
    """One device, updated."""
    return await _read(await _device(session, device_id))


def describe_invalid(session: WebSession, device_id: str, error: Exception) -> str:
    """The message for a value the device (or the form) cannot take."""
    name = name_of(session, device_id) or "The device"
    detail = getattr(error, "message", None) or str(error)
    return f"“{name}” cannot take that value: {detail}."


# -- commands ------------------------------------------------------------------------------------


async def switch(
    session: WebSession, device_id: str, *, on: bool | None, outlet_id: str | None
) -> None:
    """Switch a device, or one outlet of a strip, on or off (``on=None``: the other way)."""
    device = await _device(session, device_id)
    target = device
    if outlet_id is not None:
        matches = [c for c in device.children if c.device_id == outlet_id]
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
    kind = _kind(device)
    if kind not in {"bulb", "lightstrip", "dimmer"}:
        raise ValueError("it is not a light")
    if (hue_saturation is not None or color_temp_k is not None) and kind == "dimmer":
        raise ValueError("a dimmer has only brightness")
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


def _meters(device: Any) -> list[Any]:
    if _kind(device) == "strip":
        # A strip meters each outlet (the query needs the outlet's context): add them up.
        return [child.energy for child in device.children if child.has_energy]
    return [device.energy] if device.has_energy else []


def _today(device: Any) -> dt.date:
    # The device's own date, when it told us: history is kept in device time, which for a
    # simulated device can be far from ours.
    when = device.time
    return when.date() if isinstance(when, dt.datetime) else dt.date.today()


async def energy_history(session: WebSession, device_id: str, period: str) -> list[EnergyPoint]:
    """The last 30 days (``period="days"``) or 12 months (``"months"``) of energy, oldest first.

    Days or months the device has no record of count as 0 kWh, so the chart has no gaps. For a
    strip that meters each outlet, the figures are the outlets' sum.
    """
    device = await _device(session, device_id)
    meters = _meters(device)
    if not meters:
        raise ValueError("has no energy meter")
    today = _today(device)
    totals: dict[str, float] = {}
    if period == "days":
        first = today - dt.timedelta(days=DAYS_SHOWN - 1)
        months = sorted({(first.year, first.month), (today.year, today.month)})
        for meter in meters:
            for year, month in months:
                for day in await meter.get_daily(year, month):
                    key = day.date.isoformat()
                    totals[key] = totals.get(key, 0.0) + day.energy_kwh
        points = []
        for offset in range(DAYS_SHOWN):
            date = first + dt.timedelta(days=offset)
            key = date.isoformat()
            value = totals.get(key, 0.0)
            title = f"{date.day} {calendar.month_name[date.month]} {date.year}: {value:.3f} kWh"
            points.append(EnergyPoint(key, str(date.day), title, value))
        return points
    years = sorted({today.year - 1, today.year})
    for meter in meters:
        for year in years:
            for entry in await meter.get_monthly(year):
                key = f"{entry.year:04d}-{entry.month:02d}"
                totals[key] = totals.get(key, 0.0) + entry.energy_kwh
    points = []
    year, month = today.year, today.month
    keys = []
    for _ in range(MONTHS_SHOWN):
        keys.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    for year, month in reversed(keys):
        key = f"{year:04d}-{month:02d}"
        value = totals.get(key, 0.0)
        title = f"{calendar.month_name[month]} {year}: {value:.3f} kWh"
        points.append(EnergyPoint(key, calendar.month_abbr[month], title, value))
    return points
