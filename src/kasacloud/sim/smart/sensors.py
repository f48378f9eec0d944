"""Readings of hub sensors that change with the simulated clock, deterministic from the sensor's id.

Nothing is stored: a reading is a function of the time and the id, so a thousand idle sensors cost
nothing, a test that advances the clock by an hour sees an hour of events, and a restart shows the
same history.

- temperature and humidity: a daily swing around a base, plus a little noise per quarter hour;
- contact (T110), motion (T100), button (S200B): events in slots of :data:`EVENT_SLOT_S`; in each
  slot an event happens or not (about one slot in three), at a point of the slot given by the id.
  A contact sensor is open for :data:`OPEN_S` after its event, a motion sensor "detected" for
  :data:`DETECTED_S`.
"""

from __future__ import annotations

import math
from typing import Any, Final

from kasacloud.sim.history import unit_noise

EVENT_SLOT_S: Final = 20 * 60
OPEN_S: Final = 120
DETECTED_S: Final = 60
QUARTER_S: Final = 15 * 60
_DAY_S: Final = 86_400


def temperature_c(seed: str, now_s: float, base_c: float = 21.0) -> float:
    """Degrees Celsius, one decimal: warmest mid-afternoon (UTC), +-2.5 degrees over a day."""
    phase = 2 * math.pi * ((now_s % _DAY_S) / _DAY_S - 0.375)
    noise = 0.3 * unit_noise(seed, "t", int(now_s // QUARTER_S))
    return round(base_c + 2.5 * math.sin(phase) + noise, 1)


def humidity_pct(seed: str, now_s: float, base_pct: float = 50.0) -> int:
    """Relative humidity in %, highest when it is coolest."""
    phase = 2 * math.pi * ((now_s % _DAY_S) / _DAY_S - 0.375)
    noise = 1.5 * unit_noise(seed, "h", int(now_s // QUARTER_S))
    return max(0, min(100, round(base_pct - 8 * math.sin(phase) + noise)))


def _event_in_slot(seed: str, slot: int) -> int | None:
    """The time of the event in ``slot``, or None when the slot has none."""
    if unit_noise(seed, "e", slot) > -0.33:  # two slots in three are quiet
        return None
    offset = (unit_noise(seed, "o", slot) + 1) / 2 * (EVENT_SLOT_S - 1)
    return slot * EVENT_SLOT_S + int(offset)


def events_between(seed: str, start_s: float, end_s: float, limit: int = 1000) -> list[int]:
    """Event times in ``(start_s, end_s]``, newest first, at most ``limit``."""
    found: list[int] = []
    slot = int(end_s // EVENT_SLOT_S)
    first = int(start_s // EVENT_SLOT_S)
    while slot >= first and len(found) < limit:
        at = _event_in_slot(seed, slot)
        if at is not None and start_s < at <= end_s:
            found.append(at)
        slot -= 1
    return found


def last_event(seed: str, now_s: float, within_s: float) -> int | None:
    """The newest event at or before ``now_s`` and no older than ``within_s``."""
    events = events_between(seed, now_s - within_s, now_s, limit=1)
    return events[0] if events else None


def trigger_logs(
    seed: str, event: str, now_s: float, *, start_id: int = 0, page: int = 5
) -> dict[str, Any]:
    """A ``get_trigger_logs`` answer over the last 7 days: newest first, ``page`` of them.

    Each event's ``id`` is its slot number, so ids grow with time as the device's do; ``start_id``
    (python-kasa sends 0) asks for events older than that id.
    """
    events = events_between(seed, now_s - 7 * _DAY_S, now_s, limit=1000)
    if start_id:
        events = [t for t in events if t // EVENT_SLOT_S < start_id]
    logs = [
        {
            "event": event,
            "eventId": f"{seed[:8]}-{t // EVENT_SLOT_S:x}",
            "id": t // EVENT_SLOT_S,
            "timestamp": t,
        }
        for t in events[:page]
    ]
    return {"logs": logs, "start_id": start_id, "sum": len(events)}
