"""The dashboard's pure parts: chart layout, colour conversion, formatting, grouping."""

from __future__ import annotations

import asyncio

import pytest

from kasacloud.web.charts import bar_chart
from kasacloud.web.views import (
    DeviceView,
    OutletView,
    format_power,
    group_devices,
    hex_to_hue_saturation,
    hsv_to_hex,
    rooms_of,
    scene_state_text,
    summary_text,
)


def test_bars_scale_to_the_largest_value_and_keep_their_order():
    chart = bar_chart([("1", "1 May", 0.5), ("2", "2 May", 2.0), ("3", "3 May", 0.0)])
    heights = [b.height for b in chart.bars]
    assert heights[1] > heights[0] > heights[2] == 0
    assert [b.label for b in chart.bars] == ["1", "2", "3"]
    assert all(b.y + b.height == chart.baseline_y for b in chart.bars)
    assert chart.total == pytest.approx(2.5)
    # The top grid line is a round number at or above the largest bar.
    assert float(chart.ticks[-1].label) >= 2.0


def test_an_empty_history_still_draws_a_chart():
    chart = bar_chart([("1", "1 May", 0.0)] * 30, label_every=5)
    assert len(chart.bars) == 30
    assert sum(b.show_label for b in chart.bars) == 6
    assert chart.bars[-1].show_label  # the latest day is always labelled


@pytest.mark.parametrize(
    ("color", "hue", "saturation"),
    [("#ff0000", 0, 100), ("#00ff00", 120, 100), ("#0000ff", 240, 100), ("#ffffff", 0, 0)],
)
def test_colour_round_trip(color, hue, saturation):
    assert hex_to_hue_saturation(color) == (hue, saturation)
    assert hsv_to_hex(hue, saturation) == color


@pytest.mark.parametrize("bad", ["red", "#12345", "#gggggg", ""])
def test_a_malformed_colour_is_refused(bad):
    with pytest.raises(ValueError, match=r"colour|invalid literal"):
        hex_to_hue_saturation(bad)


def test_power_formatting():
    assert format_power(None) is None
    assert format_power(0) == "0.0 W"
    assert format_power(12.345) == "12.3 W"
    assert format_power(1850) == "1.85 kW"


def _device(name: str, kind: str, **kw) -> DeviceView:
    return DeviceView(id=name.lower(), name=name, model="M", kind=kind, online=True, **kw)


def test_devices_are_grouped_by_kind_and_sorted_by_name():
    devices = [
        _device("Lamp", "bulb", is_on=True),
        _device("kettle", "plug", is_on=False),
        _device("Desk", "strip", outlets=[OutletView("d0", "A", True)]),
        _device("Aquarium", "plug", is_on=True),
        _device("Hall", "dimmer", is_on=True),
        _device("Strip", "light_strip", is_on=False),
    ]
    groups = group_devices(devices)
    assert [g.title for g in groups] == ["Lights", "Plugs", "Power strips", "Switches and dimmers"]
    assert [d.name for d in groups[1].devices] == ["Aquarium", "kettle"]
    assert [d.name for d in groups[0].devices] == ["Lamp", "Strip"]


def test_state_text_and_summary():
    strip = _device(
        "Desk", "strip", outlets=[OutletView("a", "A", True), OutletView("b", "B", False)]
    )
    offline = DeviceView(id="g", name="Garage", model="M", kind="plug", online=False)
    plug = _device("Kettle", "plug", is_on=True, has_energy=True, power_w=1500.0)
    assert strip.state_text == "1 of 2 on"
    assert offline.state_text == "Offline"
    assert plug.state_text == "On"
    assert summary_text([strip, offline, plug]) == "3 devices · 2 on · 1 offline · 1.50 kW in use"


def test_digest_ignores_power_but_not_state():
    a = _device("Kettle", "plug", is_on=True, has_energy=True, power_w=10.0)
    b = _device("Kettle", "plug", is_on=True, has_energy=True, power_w=20.0)
    c = _device("Kettle", "plug", is_on=False, has_energy=True, power_w=10.0)
    assert a.digest == b.digest != c.digest


def test_session_caps_are_separate():
    # In a thread of its own: the browser tests' Playwright keeps an event loop on this one.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _session_caps()).result()


async def _session_caps() -> None:
    from kasacloud.web.sessions import SessionStore

    closed: list[object] = []

    async def close(client: object) -> None:
        closed.append(client)

    store = SessionStore(max_anonymous=3, max_signed_in=2, closer=close)
    signed = []
    for name in ("first", "second", "third"):
        session = await store.create()
        session = await store.rotate(session)  # what sign-in does
        session.client = name
        signed.append(session)
    # Over the signed-in cap: the least recently used signed-in session was signed out.
    assert closed == ["first"]
    assert [s.id for s in store.all() if s.signed_in] == [signed[1].id, signed[2].id]
    for _ in range(10):
        await store.create()
    assert sum(s.signed_in for s in store.all()) == 2
    assert sum(not s.signed_in for s in store.all()) == 3
    assert store.get(signed[2].id) is signed[2]


@pytest.mark.parametrize("highest", [0.004, 0.047, 0.9, 1.0, 3.8, 12.3, 38.0, 99.0, 250.0, 1234.0])
def test_ticks_are_at_one_two_or_five_times_a_power_of_ten(highest):
    import math

    chart = bar_chart([("a", "a", highest / 3), ("b", "b", highest)])
    values = [float(t.label) for t in chart.ticks]
    step = values[1] - values[0]
    mantissa = step / 10 ** math.floor(math.log10(step) + 1e-9)
    assert round(mantissa, 6) in {1.0, 2.0, 5.0}, values
    assert values[0] == 0
    assert values[-1] >= highest  # the tallest bar fits under the top line
    assert values[-1] - step < highest  # and no empty band of grid above it
    assert 2 <= len(values) <= 6


def test_day_labels_say_the_month_and_at_most_seven_show():
    import datetime as dt

    from kasacloud.web.devices import _day_point

    first = dt.date(2026, 11, 20)
    points = [_day_point(first + dt.timedelta(days=i), 1.0) for i in range(30)]
    chart = bar_chart([(p.label, p.title, p.energy_kwh) for p in points])
    shown = [b.label for b in chart.bars if b.show_label]
    assert 2 <= len(shown) <= 7
    assert shown[-1] == "19 Dec"  # the newest bar is labelled, with its month
    assert "Nov" in " ".join(shown)
    assert chart.bars[0].title == "20 November 2026: 1.000 kWh"


def test_feature_values_read_with_their_units():
    import datetime as dt

    from kasacloud.web.views import duration_text, format_value

    assert format_value(61.234, "W", "sensor") == "61.2 W"
    assert format_value(0.41234, "kWh", "sensor") == "0.412 kWh"
    assert format_value(-62, "dBm", "sensor") == "-62 dBm"
    assert format_value(40, "%", "number") == "40%"
    assert format_value(True, None, "binary_sensor") == "Yes"
    assert format_value(False, None, "switch") == "Off"
    assert format_value(None, "V", "sensor") == "—"
    assert format_value((240, 100, 80), None, "number").startswith("hue 240°")
    assert format_value(dt.datetime(2026, 3, 4, 7, 5), None, "sensor") == "4 Mar 2026, 07:05"
    assert [duration_text(s) for s in (59, 60, 61, 3600, 5400)] == [
        "59 s", "1 min", "1 min 1 s", "1 h", "1 h 30 min"
    ]  # fmt: skip


def test_next_run_of_a_weekly_rule():
    import datetime as dt

    from kasacloud.web.devices import _next_weekly

    wednesday = dt.datetime(2026, 12, 2, 8, 0)  # a Wednesday
    weekdays = (False, True, True, True, True, True, False)
    assert _next_weekly(wednesday, 7 * 60, weekdays) == dt.datetime(2026, 12, 3, 7, 0)
    assert _next_weekly(wednesday, 9 * 60, weekdays) == dt.datetime(2026, 12, 2, 9, 0)
    friday_evening = dt.datetime(2026, 12, 4, 23, 0)
    assert _next_weekly(friday_evening, 7 * 60, weekdays) == dt.datetime(2026, 12, 7, 7, 0)
    assert _next_weekly(wednesday, 7 * 60, (False,) * 7) is None


def test_rooms_sort_by_name_and_the_rest_are_other_devices():
    devices = [
        _device("Lamp", "bulb", is_on=True),
        _device("Kettle", "plug", is_on=False),
        _device(
            "Desk", "strip", outlets=[OutletView("d0", "A", True), OutletView("d1", "B", True)]
        ),
        _device("Fan", "plug", is_on=True),
    ]
    groups = {"office": ["d1", "gone"], "Kitchen": ["kettle", "lamp"], "Empty": []}
    rooms = rooms_of(devices, groups, {"d0": "desk", "d1": "desk"})
    assert [r.title for r in rooms] == ["Empty", "Kitchen", "office", "Other devices"]
    empty, kitchen, office, other = rooms
    assert empty.devices == []
    assert [d.name for d in kitchen.devices] == ["Kettle", "Lamp"]
    # A room of one outlet shows its strip's tile, and switches only that outlet.
    assert [d.name for d in office.devices] == ["Desk"]
    assert (office.member_ids, office.missing) == (["d1"], 1)
    assert [d.name for d in other.devices] == ["Fan"]
    assert (other.key, kitchen.key) == ("*", "Kitchen")


def test_all_on_and_all_off_leave_out_a_hub():
    devices = [_device("Hub", "hub"), _device("Lamp", "bulb", is_on=True)]
    [room] = rooms_of(devices, {"Hall": ["hub", "lamp"]}, {})
    assert [d.name for d in room.devices] == ["Hub", "Lamp"]
    assert room.member_ids == ["lamp"]


def test_a_device_in_two_rooms_has_one_tile():
    devices = [_device("Lamp", "bulb", is_on=True)]
    rooms = rooms_of(devices, {"A": ["lamp"], "B": ["lamp"]}, {})
    assert [len(r.devices) for r in rooms] == [1, 0]
    assert rooms[1].member_ids == ["lamp"]  # all on / all off of B still switches it


def test_scene_state_text():
    assert scene_state_text(True, 40, (240, 100, 40), None) == "on, 40 %, hue 240°"
    assert scene_state_text(True, None, None, None) == "on"
    assert scene_state_text(False, 40, None, 2700) == "off"
