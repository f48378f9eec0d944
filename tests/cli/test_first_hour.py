"""What a new user reaches for in the first hour: several devices at once, filters, groups,
scenes, an energy price, energy periods as python-kasa's users know them, rules by number,
effects, a live view, and hints that name a command showing what they talk about.

Every test runs the real ``kasacloud`` command against a real local cloud (demo house). Tests
that change shared state put it back, or use a cloud of their own.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cli_helpers import (
    DEMO_EMAIL,
    DEMO_PASSWORD,
    SECRET_EMAIL,
    SECRET_PASSWORD,
    Kc,
    json_of,
)

from kasacloud.client.effects import EFFECTS
from kasacloud.client.home import HOME_FILE, EnergyPrice, Home, HomeStore, account_key
from kasacloud.server import LocalCloud


@pytest.fixture(scope="module")
def house() -> Iterator[LocalCloud]:
    """A demo house of this module's own (these tests switch, rename and erase)."""
    with LocalCloud() as running:
        yield running


# -- several devices, groups, filters ---------------------------------------------------------


def test_several_devices_one_result_each(kc_house: Kc) -> None:
    both = json_of(kc_house, "on", "Kettle", "Fridge")
    assert both["failed"] == 0
    assert [(r["device"]["alias"], r["ok"], r["is_on"]) for r in both["results"]] == [
        ("Kettle", True, True),
        ("Fridge", True, True),
    ]
    human = kc_house("off", "Kettle", "Fridge")
    assert human.code == 0
    assert "2 of 2 done" in human.out
    # --all reaches the offline garage plug too: its row says why, and the exit code is 5
    every = kc_house("--json", "off", "--all")
    assert every.code == 5
    data = every.json()
    assert data["failed"] == 1
    garage = next(r for r in data["results"] if not r["ok"])
    assert garage["device"]["alias"] == "Garage plug"
    assert garage["error"]["error"] == "offline"
    assert sum(1 for r in data["results"] if r["ok"]) == len(data["results"]) - 1
    assert "1 failed" in kc_house("off", "--all").out
    # one device keeps the shape of earlier releases
    assert set(json_of(kc_house, "on", "Kettle")) == {"device", "is_on"}
    # usage errors
    assert kc_house("on").code == 2
    assert "--all" in kc_house("on").err
    assert kc_house("on", "Kettle", "--all").code == 2
    assert kc_house("on", "Kettle", "Fridge", "--outlet", "1").code == 2


def test_a_failure_in_the_middle_does_not_stop_the_others(kc_house: Kc) -> None:
    run = kc_house("--json", "toggle", "Hall lamp", "Garage", "Porch")
    assert run.code == 5
    rows = run.json()["results"]
    assert [r["ok"] for r in rows] == [True, False, True]
    kc_house("toggle", "Hall lamp", "Porch")  # back as they were


def test_groups_are_used_as_at_names(kc_house: Kc) -> None:
    made = json_of(kc_house, "group", "add", "Living-room", "Living room", "Hall lamp")
    assert made["group"] == "Living-room"
    assert made["size"] == 2
    assert json_of(kc_house, "group", "add", "living-room", "Reading", "Hall lamp")["size"] == 3
    listed = json_of(kc_house, "group", "list")["groups"]
    assert [g["name"] for g in listed] == ["Living-room"]
    assert [d["alias"] for d in listed[0]["devices"]] == [
        "Living room bulb",
        "Hall lamp",
        "Reading light",
    ]
    on = json_of(kc_house, "on", "@living-room")
    assert [r["device"]["alias"] for r in on["results"]] == [
        "Living room bulb",
        "Hall lamp",
        "Reading light",
    ]
    assert all(r["is_on"] for r in on["results"])
    # a device named twice (directly and through the group) is switched once
    twice = json_of(kc_house, "off", "@living-room", "Hall lamp")
    assert len(twice["results"]) == 3
    unknown = kc_house("on", "@kitchen")
    assert unknown.code == 4
    assert "no group 'kitchen'" in unknown.err
    assert "kasacloud group list" in unknown.err
    removed = json_of(kc_house, "group", "rm", "living-room", "Hall lamp")
    assert removed["size"] == 2
    assert kc_house("group", "remove", "living-room", "Kettle").code == 2  # not in it
    assert json_of(kc_house, "group", "delete", "living-room")["removed"] == "all"
    assert "No groups yet" in kc_house("group", "list").out
    bad = kc_house("group", "add", "!!", "Kettle")
    assert bad.code == 2
    assert "cannot be a group name" in bad.err


def test_groups_scenes_and_price_are_per_account(
    kc_house: Kc, secret_cloud: LocalCloud, tmp_path: Path
) -> None:
    assert json_of(kc_house, "group", "add", "mine", "Kettle")["size"] == 1
    assert json_of(kc_house, "price", "0.25", "--currency", "EUR")["price"]["per_kwh"] == 0.25
    # the same config dir, signed in to another account: none of it shows
    other = kc_house(
        "--cloud", secret_cloud.url, "login", input=f"{SECRET_EMAIL}\n{SECRET_PASSWORD}\n"
    )
    assert other.code == 0, other.err
    assert json_of(kc_house, "group", "list")["groups"] == []
    assert json_of(kc_house, "price")["price"] is None
    assert json_of(kc_house, "scene", "list")["scenes"] == []
    # and the file that holds them is the user's alone
    home_file = next(tmp_path.rglob(HOME_FILE))
    assert stat.S_IMODE(home_file.stat().st_mode) == 0o600
    stored = json.loads(home_file.read_text())["accounts"]
    assert len(stored) == 1  # the other account has not saved anything yet


def test_home_store_keeps_each_account_apart(tmp_path: Path) -> None:
    store = HomeStore(tmp_path / HOME_FILE)
    a = account_key("http://127.0.0.1:1", "A@example.com")
    b = account_key("http://127.0.0.1:2", "a@example.com")  # same e-mail, another cloud
    assert a != b
    store.save(a, Home(groups={"x": ["1"]}, price=EnergyPrice(0.3, "EUR")))
    store.save(b, Home(groups={"y": ["2"]}))
    assert store.load(a).groups == {"x": ["1"]}
    assert store.load(a).price == EnergyPrice(0.3, "EUR")
    assert store.load(b).groups == {"y": ["2"]}
    assert store.load(b).price is None
    assert store.load(account_key(None, "c@example.com")) == Home()
    assert not [p for p in tmp_path.iterdir() if p.name != HOME_FILE]  # no temp file left


def test_devices_filters(kc_house: Kc) -> None:
    every = json_of(kc_house, "devices")["devices"]
    bulbs = json_of(kc_house, "devices", "--kind", "bulb")["devices"]
    assert bulbs
    assert {d["kind"] for d in bulbs} == {"bulb"}
    lights = json_of(kc_house, "devices", "--kind", "bulb", "--kind", "light_strip")["devices"]
    assert {d["kind"] for d in lights} == {"bulb", "light_strip"}
    offline = json_of(kc_house, "devices", "--offline")["devices"]
    assert [d["alias"] for d in offline] == ["Garage plug"]
    assert len(json_of(kc_house, "devices", "--online")["devices"]) == len(every) - 1
    meters = json_of(kc_house, "devices", "--energy")["devices"]
    assert meters
    assert all(d["has_energy"] for d in meters)
    assert len(meters) == sum(1 for d in every if d["has_energy"])
    kc_house("on", "Kettle")
    kc_house("off", "Fridge")
    on = {d["alias"] for d in json_of(kc_house, "devices", "--on")["devices"]}
    off = {d["alias"] for d in json_of(kc_house, "devices", "--off")["devices"]}
    assert "Kettle" in on
    assert "Fridge" in off
    assert not on & off
    assert "Garage plug" not in on | off  # offline: neither
    human = kc_house("devices", "--kind", "dimmer")
    dimmers = sum(1 for d in every if d["kind"] == "dimmer")  # an IOT and a SMART one
    assert dimmers >= 1
    assert f"{dimmers} of {len(every)} devices" in human.out
    assert "No device matches." in kc_house("devices", "--kind", "dimmer", "--offline").out


# -- hints and renames ------------------------------------------------------------------------


def test_hints_name_a_command_that_shows_what_they_talk_about(kc_house: Kc) -> None:
    outlet = kc_house("on", "Office strip", "--outlet", "9")
    assert outlet.code == 4
    assert 'kasacloud info "Office strip"' in outlet.err
    named = kc_house("on", "Office strip", "--outlet", "Nope")
    assert named.code == 4
    assert 'kasacloud info "Office strip"' in named.err
    no_meter = kc_house("energy", "Hall lamp")
    assert no_meter.code == 2
    assert "kasacloud devices --energy" in no_meter.err
    # and that command does show what the hint means
    assert "Hall lamp" not in kc_house("devices", "--energy").out
    strip_outlets = kc_house("info", "Office strip").out
    assert "1:Outlet 1" in strip_outlets


def test_rename_to_a_taken_name_is_refused_unless_forced(kc_house: Kc) -> None:
    refused = kc_house("alias", "Kettle", "fridge")
    assert refused.code == 2
    assert "already called 'Fridge'" in refused.err
    assert "--force" in refused.err
    assert json_of(kc_house, "info", "Kettle")["alias"] == "Kettle"  # unchanged
    outlet = kc_house("alias", "Kettle", "Outlet 3")  # an outlet's name counts too
    assert outlet.code == 2
    assert "outlet 3 of Office strip" in outlet.err
    forced = json_of(kc_house, "alias", "Kettle", "Fridge", "--force")
    assert forced["alias"] == "Fridge"
    assert kc_house("info", "Fridge").code == 4  # ambiguous now, as warned
    assert json_of(kc_house, "alias", forced["device"]["id"], "Kettle")["alias"] == "Kettle"
    same = json_of(kc_house, "alias", "Kettle", "kettle")  # its own name, other case: fine
    assert same["alias"] == "kettle"
    kc_house("alias", "kettle", "Kettle")


# -- energy -----------------------------------------------------------------------------------


def _months_ago(months: int) -> tuple[int, int]:
    today = dt.date.today()
    index = today.year * 12 + today.month - 1 - months
    return index // 12, index % 12 + 1


def test_energy_periods_as_python_kasa_users_know_them(kc_house: Kc) -> None:
    year = dt.date.today().year
    month = dt.date.today().strftime("%Y-%m")
    months = json_of(kc_house, "energy", "Fridge", "--year", str(year))
    assert months["year"] == year
    assert months["months"]
    days = json_of(kc_house, "energy", "Fridge", "--month", month)
    assert days["month"] == dt.date.today().month
    assert all(d["date"].startswith(month) for d in days["days"])
    # the forms of earlier releases still work, with a note of the new one
    old_days = kc_house("--json", "energy", "Fridge", "--day", month)
    assert old_days.code == 0
    assert json.loads(old_days.out) == days
    assert f"--month {month}" in old_days.err
    old_months = kc_house("--json", "energy", "Fridge", "--month", str(year))
    assert json.loads(old_months.out) == months
    assert f"--year {year}" in old_months.err
    # hours: a clear error on a device that keeps none, naming what it does keep
    hours = kc_house("energy", "Fridge", "--day", f"{month}-01")
    assert hours.code == 2
    assert "not per hour" in hours.err
    assert f"--month {month}" in hours.err
    # bad forms say what each option takes
    for args in (("--day", "2026-13-01"), ("--month", "2026-5-x"), ("--year", "26")):
        bad = kc_house("energy", "Fridge", *args)
        assert bad.code == 2, args
        assert "--year YYYY" in bad.err
    assert kc_house("energy", "Fridge", "--year", str(year), "--month", month).code == 2


def test_an_old_month_says_what_the_device_keeps(kc_house: Kc) -> None:
    year, month = _months_ago(4)
    totals = json_of(kc_house, "energy", "Fridge", "--year", str(year))["months"]
    month_total = next(m["energy_kwh"] for m in totals if m["month"] == f"{year}-{month:02d}")
    assert month_total > 0
    run = kc_house("energy", "Fridge", "--month", f"{year}-{month:02d}")
    assert run.code == 0
    assert "No energy recorded" not in run.out
    assert "about the last 30 days" in run.out
    assert f"{month_total:.3f} kWh" in run.out
    assert f"--year {year}" in run.out
    assert json_of(kc_house, "energy", "Fridge", "--month", f"{year}-{month:02d}")["days"] == []
    # where there truly is none, it says so
    assert "No energy recorded in 2020." in kc_house("energy", "Fridge", "--year", "2020").out


def _dashboard_energy(house: LocalCloud, device_id: str) -> tuple[dict[str, Any], str]:
    """The dashboard's ``/api/devices/ID/energy?period=days`` answer and its energy page."""
    from kasacloud.web.serve import DashboardServer

    dashboard = DashboardServer(house.url, port=0).start()
    try:
        with httpx.Client(base_url=dashboard.url, timeout=30) as http:
            page = http.get("/signin")
            token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
            http.post(
                "/signin",
                data={"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "csrf_token": token},
            )
            api = http.get(f"/api/devices/{device_id}/energy?period=days").json()
            html = http.get(f"/devices/{device_id}/energy").text
    finally:
        dashboard.stop()
    return api, html


def _dashboard_days(house: LocalCloud, device_id: str) -> dict[str, float]:
    api, _ = _dashboard_energy(house, device_id)
    return {p["key"]: p["energy_kwh"] for p in api["points"]}


def test_energy_export_and_the_dashboard_agree(kc_house: Kc, house: LocalCloud) -> None:
    today = dt.date.today()
    month = today.strftime("%Y-%m")
    days = json_of(kc_house, "energy", "Office strip", "--month", month)
    assert days["unit"] == "kWh"
    exported = json_of(kc_house, "export", "Office strip", "--from", month, "--format", "json")
    assert exported["unit"] == "kWh"
    per_day: dict[str, float] = {}
    for record in exported["records"]:  # one record per outlet and day; the strip is their sum
        per_day[record["date"]] = per_day.get(record["date"], 0.0) + record["energy_kwh"]
    by_energy = {d["date"]: d["energy_kwh"] for d in days["days"]}
    assert by_energy.keys() == per_day.keys()
    for date, kwh in by_energy.items():
        assert kwh == pytest.approx(per_day[date], abs=1e-5)
    assert days["total_kwh"] == pytest.approx(exported["total_kwh"], abs=1e-5)
    chart = _dashboard_days(house, days["device"]["id"])
    for date, kwh in by_energy.items():
        assert chart[date] == pytest.approx(kwh, abs=1e-5)
    # the month's total from the months view: the same energy, to the device's rounding
    months = json_of(kc_house, "energy", "Office strip", "--year", str(today.year))["months"]
    this_month = next(m["energy_kwh"] for m in months if m["month"] == month)
    assert this_month == pytest.approx(days["total_kwh"], abs=0.01)


def test_export_states_the_range_it_has(kc_house: Kc, tmp_path: Path) -> None:
    year, month = _months_ago(3)
    start = f"{year}-{month:02d}"
    data = json_of(kc_house, "export", "Fridge", "--from", start, "--format", "json")
    assert data["from"] == f"{start}-01"
    assert data["records_from"] > data["from"]  # devices keep about 30 days of daily history
    assert data["records_to"] == max(r["date"] for r in data["records"])
    assert data["records_from"] == min(r["date"] for r in data["records"])
    written = kc_house("export", "Fridge", "--from", start, "-o", str(tmp_path / "e.csv"))
    assert written.code == 0
    assert f"days {data['records_from']} to {data['records_to']} of the asked" in written.out
    piped = kc_house("export", "Fridge", "--from", start)
    assert f"days {data['records_from']} to" in piped.err  # stdout holds the CSV only
    assert piped.out.startswith("device_id,alias,outlet,date,energy_kwh\n")


def test_energy_price_adds_cost(kc_house: Kc, tmp_path: Path) -> None:
    month = dt.date.today().strftime("%Y-%m")
    assert json_of(kc_house, "price")["price"] is None
    set_ = json_of(kc_house, "price", "0.5", "--currency", "EUR")
    assert set_["price"] == {"per_kwh": 0.5, "currency": "EUR"}
    assert "0.5 EUR per kWh" in kc_house("price").out
    days = json_of(kc_house, "energy", "Fridge", "--month", month)
    assert days["currency"] == "EUR"
    assert days["price_per_kwh"] == 0.5
    assert days["cost"] == pytest.approx(days["total_kwh"] * 0.5, abs=1e-4)
    assert all(d["cost"] == pytest.approx(d["energy_kwh"] * 0.5, abs=1e-4) for d in days["days"])
    human = kc_house("energy", "Fridge", "--month", month)
    assert "Cost (EUR)" in human.out
    assert f"{days['total_kwh'] * 0.5:.2f} EUR" in human.out
    exported = json_of(kc_house, "export", "Fridge", "--format", "json")
    assert exported["currency"] == "EUR"
    assert all(r["cost"] == pytest.approx(r["energy_kwh"] * 0.5) for r in exported["records"])
    csv_text = kc_house("export", "Fridge").out
    assert csv_text.startswith("device_id,alias,outlet,date,energy_kwh,cost\n")
    # --currency alone relabels; --clear forgets
    assert json_of(kc_house, "price", "--currency", "USD")["price"] == {
        "per_kwh": 0.5,
        "currency": "USD",
    }
    assert json_of(kc_house, "price", "--clear")["price"] is None
    assert "cost" not in json_of(kc_house, "energy", "Fridge", "--month", month)
    assert kc_house("price", "-1").code == 2
    assert kc_house("price", "--currency", "EUR").code == 2  # nothing to label


def test_energy_erase_asks_first(kc_house: Kc) -> None:
    before = json_of(kc_house, "energy", "Kettle")["total_kwh"]
    assert before > 0
    no = kc_house("energy", "Kettle", "--erase", input="n\n")
    assert no.code == 130
    assert "Erase the energy history" in no.err
    assert "Nothing erased." in no.err
    assert json_of(kc_house, "energy", "Kettle")["total_kwh"] == pytest.approx(before, rel=0.01)
    yes = kc_house("energy", "Kettle", "--erase", input="y\n")
    assert yes.code == 0, yes.err
    assert "Erased the energy history of Kettle." in yes.out
    assert json_of(kc_house, "energy", "Kettle")["total_kwh"] < before
    month = dt.date.today().strftime("%Y-%m")
    assert (
        sum(
            d["energy_kwh"] for d in json_of(kc_house, "energy", "Kettle", "--month", month)["days"]
        )
        < 0.1
    )
    erased = json_of(kc_house, "energy", "Fridge", "--outlet", "1", "--erase", "--yes", code=2)
    assert "not a power strip" in erased["message"]
    assert kc_house("energy", "Kettle", "--erase", "--year", "2026", "--yes").code == 2


# -- rules ------------------------------------------------------------------------------------


def test_rules_by_position_and_id_prefix(kc_house: Kc) -> None:
    first = json_of(
        kc_house,
        "schedule",
        "add",
        "Porch",
        "--at",
        "06:15",
        "--action",
        "on",
        "--days",
        "weekdays",
    )
    second = json_of(
        kc_house, "schedule", "add", "Porch", "--at", "22:00", "--action", "off", "--once"
    )
    rules = second["rules"]
    assert [r["position"] for r in rules] == [1, 2]
    assert [r["repeat"] for r in rules] == [True, False]
    assert all(r["next_run"] for r in rules)
    next_run = dt.datetime.fromisoformat(rules[0]["next_run"])
    assert next_run.strftime("%H:%M") == "06:15"
    assert next_run.weekday() < 5  # weekdays
    table = kc_house("schedule", "list", "Porch").out
    assert "weekly" in table
    assert "once" in table
    assert "Next run" in table
    # disable by position: no next run, and the table says so
    disabled = json_of(kc_house, "schedule", "disable", "Porch", "1")
    assert disabled["changed"] == first["added"]
    assert disabled["rules"][0]["enabled"] is False
    assert disabled["rules"][0]["next_run"] is None
    assert json_of(kc_house, "schedule", "enable", "Porch", first["added"][:6])["rules"][0][
        "enabled"
    ]
    # edit by an id prefix: only what is given changes
    edited = json_of(
        kc_house,
        "schedule",
        "edit",
        "Porch",
        second["added"][:5].lower(),
        "--at",
        "23:30",
        "--repeat",
    )
    rule = edited["rules"][1]
    assert (rule["at"], rule["repeat"], rule["action"]) == ("23:30", True, "off")
    assert kc_house("schedule", "edit", "Porch", "2").code == 2  # nothing to change
    missing = kc_house("schedule", "rm", "Porch", "7")
    assert missing.code == 4
    assert "no rule #7" in missing.err
    assert "kasacloud schedule list Porch" in missing.err
    assert kc_house("schedule", "delete", "Porch", "FFFFFFFF").code == 4
    assert json_of(kc_house, "schedule", "rm", "Porch", "1")["removed"] == first["added"]
    assert json_of(kc_house, "schedule", "delete", "Porch", "1")["removed"] == second["added"]
    # the whole table
    assert json_of(kc_house, "schedule", "disable", "Porch", "--all")["enabled"] is False
    assert json_of(kc_house, "schedule", "enable", "Porch", "--all")["enabled"] is True


def test_one_countdown_at_a_time_with_its_time_left(kc_house: Kc, house: LocalCloud) -> None:
    added = json_of(kc_house, "countdown", "add", "Fridge", "--delay", "10m", "--action", "off")
    assert 595 <= added["rules"][0]["remain_s"] <= 600  # the clock runs while we ask
    house.clock.advance(90)
    listed = json_of(kc_house, "countdown", "list", "Fridge")["rules"][0]
    assert 505 <= listed["remain_s"] <= 510
    table = kc_house("countdown", "list", "Fridge").out
    assert "Time left" in table
    assert "8m " in table
    second = kc_house("countdown", "add", "Fridge", "--delay", "5m", "--action", "on")
    assert second.code == 2
    assert "already has a countdown (off after 10m, 8m " in second.err
    assert "kasacloud countdown rm Fridge 1" in second.err
    assert len(json_of(kc_house, "countdown", "list", "Fridge")["rules"]) == 1
    # edit restarts it with the new delay
    edited = json_of(kc_house, "countdown", "edit", "Fridge", "1", "--delay", "2m")
    assert 115 <= edited["rules"][0]["remain_s"] <= 120
    assert json_of(kc_house, "countdown", "rm", "Fridge", "1")["removed"] == added["added"]


# -- scenes, effects, watch -------------------------------------------------------------------


def test_scenes_save_and_apply(kc_house: Kc) -> None:
    json_of(kc_house, "light", "Living room", "--hsv", "120", "80", "60")
    json_of(kc_house, "light", "Reading", "--temp", "3000", "--brightness", "40")
    json_of(kc_house, "off", "Kettle")
    saved = json_of(kc_house, "scene", "save", "Evening", "Living room", "Reading", "Kettle")
    assert saved["scene"] == "Evening"
    states = {d["device"]["alias"]: d for d in saved["devices"]}
    assert states["Living room bulb"]["hsv"] == [120, 80, 60]
    assert states["Reading light"]["color_temp_k"] == 3000
    assert states["Reading light"]["brightness"] == 40
    assert states["Kettle"]["is_on"] is False
    # everything changes, then the scene puts it back in one command
    json_of(kc_house, "light", "Living room", "--temp", "5000")
    json_of(kc_house, "off", "Reading")
    json_of(kc_house, "on", "Kettle")
    applied = json_of(kc_house, "scene", "apply", "evening")
    assert applied["failed"] == 0
    assert len(applied["results"]) == 3
    bulb = json_of(kc_house, "light", "Living room")
    assert bulb["hsv"] == [120, 80, 60]
    assert bulb["is_on"] is True
    reading = json_of(kc_house, "light", "Reading")
    assert (reading["is_on"], reading["color_temp_k"], reading["brightness_pct"]) == (
        True,
        3000,
        40,
    )
    assert json_of(kc_house, "info", "Kettle")["is_on"] is False
    assert [s["name"] for s in json_of(kc_house, "scene", "list")["scenes"]] == ["Evening"]
    assert "hue 120°" in kc_house("scene", "show", "Evening").out
    offline = kc_house("scene", "save", "x", "Garage")
    assert offline.code == 5
    assert kc_house("scene", "apply", "nothing").code == 4
    assert json_of(kc_house, "scene", "rm", "Evening")["removed"] is True
    assert "No scenes yet" in kc_house("scene", "list").out


def test_light_strip_effects(kc_house: Kc) -> None:
    listed = json_of(kc_house, "effects")["effects"]
    assert [e["name"] for e in listed] == [e.name for e in EFFECTS.values()]
    assert "Aurora" in kc_house("effects").out
    started = json_of(kc_house, "light", "TV backlight", "--effect", "aur", "--brightness", "40")
    assert started["effect"] == "Aurora"
    assert started["is_on"] is True
    raw = json.loads(kc_house("raw", "TV backlight", '{"system": {"get_sysinfo": null}}').out)
    state = raw["system"]["get_sysinfo"]["lighting_effect_state"]
    assert (state["name"], state["enable"], state["brightness"]) == ("Aurora", 1, 40)
    bulb = kc_house("light", "Living room", "--effect", "aurora")
    assert bulb.code == 2
    assert "effects are for light strips" in bulb.err
    assert "kasacloud devices --kind light_strip" in bulb.err
    unknown = kc_house("light", "TV backlight", "--effect", "disco")
    assert unknown.code == 2
    assert "kasacloud effects" in unknown.err
    assert kc_house("light", "TV backlight", "--effect", "aurora", "--hsv", "1", "1", "1").code == 2


def test_watch_shows_power_and_state(kc_house: Kc) -> None:
    kc_house("on", "Kettle")
    lines = kc_house("watch", "Kettle", "Hall lamp", "--interval", "1", "--count", "2")
    assert lines.code == 0, lines.err
    rows = lines.out.strip().splitlines()
    assert len(rows) == 4  # two devices, two readings
    kettle = [r for r in rows if "Kettle" in r]
    assert len(kettle) == 2
    assert all(" on " in r and r.endswith(" W") for r in kettle)
    json_lines = kc_house("--json", "watch", "@nothing", "--count", "1")
    assert json_lines.code == 4  # an unknown group, before any reading
    readings = kc_house("--json", "watch", "Kettle", "Garage", "--count", "2", "--interval", "1")
    assert readings.code == 0
    objects = [json.loads(line) for line in readings.out.strip().splitlines()]
    assert len(objects) == 2
    for reading in objects:
        dt.datetime.fromisoformat(reading["time"])
        kettle_row, garage_row = reading["devices"]
        assert kettle_row["is_on"] is True
        assert kettle_row["power_w"] > 0
        assert (garage_row["online"], garage_row["power_w"]) == (False, None)
    kc_house("off", "Kettle")


def test_watch_keeps_within_the_rate_limit(kc_house: Kc) -> None:
    from kasacloud.cli.watch import min_interval_s
    from kasacloud.client.cloud import DEFAULT_RATE_PER_S

    # every device and the six metered outlets of the office strip: a second is not enough
    run = kc_house("--json", "watch", "--interval", "1", "--count", "1")
    assert run.code == 0, run.err
    assert "Reading every" in run.err
    assert "rate limit" in run.err
    assert min_interval_s(1) == 1.0
    many = int(DEFAULT_RATE_PER_S * 4)
    assert many / min_interval_s(many) <= DEFAULT_RATE_PER_S / 2


def test_watch_counts_a_metered_strips_outlets(kc_house: Kc) -> None:
    """A metered strip's power is its outlets' sum (read with it, one request per outlet)."""
    assert kc_house("on", "Office strip").code == 0  # earlier tests may have switched it off
    strip = json_of(kc_house, "watch", "Office strip", "--count", "1")
    assert strip["devices"][0]["power_w"] > 0  # the outlets' sum
    outlet_power = [
        json_of(kc_house, "energy", "Office strip", "-o", str(n))["power_w"] for n in range(1, 7)
    ]
    assert strip["devices"][0]["power_w"] == pytest.approx(sum(outlet_power), rel=0.2)


def test_the_home_file_is_not_a_secret_but_is_private(kc_house: Kc, tmp_path: Path) -> None:
    kc_house("price", "0.2")
    path = tmp_path / "config" / HOME_FILE
    assert path.exists()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    data = json.loads(path.read_text())
    assert "token" not in json.dumps(data).lower()


def test_every_hint_of_the_demo_runs_as_printed(
    kc_house: Kc, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shlex

    from kasacloud.cli.demo import TRY

    monkeypatch.chdir(tmp_path)  # `export --output energy.csv` writes here
    kc_house("countdown", "remove", "Kettle", "--all")  # the hints add one: a device holds one
    month = dt.date.today().strftime("%Y-%m")
    for line in TRY:
        args = shlex.split(line.format(month=month))[1:]
        if args == ["watch"]:
            args += ["--count", "1"]  # it runs until Ctrl-C otherwise
        run = kc_house(*args)
        assert run.code == 0, (line, run.err)
        assert "Note:" not in run.err, line  # no old forms in the hints
    assert (tmp_path / "energy.csv").exists()


def test_every_command_of_the_readme_tour_runs_as_printed(
    kc_house: Kc, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shlex

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    tour = readme[readme.index("## A tour") :]
    block = tour[tour.index("```sh\n") + 6 : tour.index("```\n", tour.index("```sh\n") + 6)]
    monkeypatch.chdir(tmp_path)
    kc_house("countdown", "remove", "Kettle", "--all")  # the tour adds one: a device holds one
    ran = 0
    for line in block.splitlines():
        for part in line.split("#")[0].split("&&"):
            args = shlex.split(part)
            if not args or args[1:] == ["login"]:  # login prompts: tested on its own
                continue
            assert args[0] == "kasacloud", line
            args = args[1:] + (["--count", "1"] if args[1:] == ["watch"] else [])
            run = kc_house(*args)
            assert run.code == 0, (line, run.err)
            assert "Note:" not in run.err, line
            ran += 1
    assert ran >= 9


def test_a_transition_with_nothing_to_change_is_an_error(kc_house: Kc) -> None:
    run = kc_house("light", "Living room", "--transition", "1000")
    assert run.code == 2
    assert "nothing is to change" in run.err
    assert json_of(kc_house, "light", "Living room", "--on", "--transition", "500")["is_on"] is True


def test_export_of_nothing_uses_the_words_of_energy(kc_house: Kc, tmp_path: Path) -> None:
    written = kc_house("export", "Fridge", "--from", "2021-01", "--to", "2021-02",
                       "-o", str(tmp_path / "old.csv"))  # fmt: skip
    assert written.code == 0, written.err
    assert "no energy recorded in 2021-01-01 to 2021-02-28" in written.out
    assert "No energy recorded in 2020." in kc_house("energy", "Fridge", "--year", "2020").out


def test_help_lists_remove_once_and_names_its_aliases(kc: Kc) -> None:
    for group in ("schedule", "countdown", "away", "group", "scene"):
        listed = [line.split()[0] for line in kc(group, "--help").out.splitlines()
                  if line.startswith("  ") and line.split()]  # fmt: skip
        assert "remove" in listed, group
        assert "rm" not in listed, group
        assert "delete" not in listed, group
        assert "also: delete, rm" in " ".join(kc(group, "remove", "--help").out.split())
        alias_help = kc(group, "rm", "--help").out.replace(f"{group} rm ", f"{group} remove ")
        assert alias_help == kc(group, "remove", "--help").out
