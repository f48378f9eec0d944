"""Every device command, human and --json, with its exit codes, against the real local cloud."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from cli_helpers import Kc

from kasacloud.server import LocalCloud


def test_devices_human_and_json(signed: Kc) -> None:
    human = signed("devices")
    assert human.code == 0
    assert "Kettle" in human.out
    assert "offline" in human.out  # the garage plug
    assert "of 6 on" in human.out  # the office strip
    data = signed("devices", "--json").json()  # --json after the command works too
    kettle = next(d for d in data["devices"] if d["alias"] == "Kettle")
    assert set(kettle) >= {"id", "alias", "kind", "model", "online", "is_on", "has_energy"}
    assert kettle["kind"] == "plug"
    assert kettle["has_energy"] is True
    strip = next(d for d in data["devices"] if d["alias"] == "Office strip")
    assert [o["outlet"] for o in strip["outlets"]] == [1, 2, 3, 4, 5, 6]


def test_info_by_part_of_alias_and_by_id(signed: Kc) -> None:
    data = signed("--json", "info", "kett").json()
    assert data["alias"] == "Kettle"
    assert data["energy"]["voltage_v"] > 100  # normalized to volts
    by_id = signed("--json", "info", data["id"]).json()
    assert by_id["id"] == data["id"]
    human = signed("info", "Kettle")
    assert "Power" in human.out
    assert " W" in human.out
    assert "kWh" in human.out


def test_ambiguous_choice_lists_the_candidates(signed: Kc) -> None:
    run = signed("info", "light")
    assert run.code == 4
    assert "Reading light" in run.err
    assert "TV backlight" in run.err
    error = signed("--json", "info", "light").error_json()
    assert error["error"] == "not_found"
    assert {c["alias"] for c in error["candidates"]} >= {"Reading light", "TV backlight"}


def test_unknown_device_and_outlet(signed: Kc) -> None:
    assert signed("info", "no such thing").code == 4
    assert signed("on", "Office strip", "--outlet", "9").code == 4
    run = signed("on", "Kettle", "--outlet", "1")
    assert run.code == 2
    assert "not a power strip" in run.err


def test_on_off_toggle(signed: Kc) -> None:
    assert signed("--json", "on", "Hall lamp").json()["is_on"] is True
    assert signed("--json", "info", "Hall lamp").json()["is_on"] is True
    assert signed("--json", "off", "Hall lamp").json()["is_on"] is False
    run = signed("toggle", "Hall lamp")
    assert run.code == 0
    assert "on" in run.out
    assert signed("--json", "info", "Hall lamp").json()["is_on"] is True


def test_strip_outlet_by_number_and_name(signed: Kc) -> None:
    off = signed("--json", "off", "Office strip", "--outlet", "2").json()
    assert off["device"]["outlet"] == 2
    assert off["is_on"] is False
    on = signed("--json", "on", "Office strip", "-o", "Outlet 2").json()
    assert on["is_on"] is True
    outlets = signed("--json", "info", "Office strip").json()["outlets"]
    assert outlets[1]["is_on"] is True


def test_offline_device(signed: Kc) -> None:
    run = signed("on", "Garage")
    assert run.code == 5
    assert "offline" in run.err
    assert signed("--json", "on", "Garage").error_json()["error"] == "offline"


def test_led_alias_reboot(signed: Kc, cloud: LocalCloud) -> None:
    assert signed("--json", "led", "Fridge", "off").json()["led"] is False
    assert signed("--json", "led", "Fridge").json()["led"] is False
    assert signed("led", "Fridge", "on").code == 0
    renamed = signed("--json", "alias", "Porch", "Front porch").json()
    assert renamed["old_alias"] == "Porch light"
    assert renamed["alias"] == "Front porch"
    assert signed("alias", "Front porch", "Porch light").code == 0
    assert signed("alias", "Porch light", "x" * 40).code == 2
    reboot = signed("--json", "reboot", "TV strip", "--delay", "2").json()
    assert reboot["rebooting"] is True
    assert reboot["delay_s"] == 2
    cloud.clock.advance(120)  # let it come back for the other tests


def test_raw_json_in_json_out(signed: Kc) -> None:
    run = signed("raw", "Kettle", '{"system": {"get_sysinfo": null}}')
    assert run.code == 0
    assert json.loads(run.out)["system"]["get_sysinfo"]["alias"] == "Kettle"
    piped = signed("raw", "Kettle", input='{"emeter": {"get_realtime": {}}}')
    assert "get_realtime" in json.loads(piped.out)["emeter"]
    bad = signed("raw", "Kettle", "{not json")
    assert bad.code == 2
    assert "not JSON" in bad.err


def test_energy_realtime_days_months(signed: Kc) -> None:
    now = signed("--json", "energy", "Fridge").json()
    assert set(now) >= {"device", "power_w", "voltage_v", "current_a", "total_kwh", "raw"}
    assert "Power" in signed("energy", "Fridge").out
    month = dt.date.today().strftime("%Y-%m")
    days = signed("--json", "energy", "Fridge", "--day", month).json()
    assert days["unit"] == "kWh"
    assert days["days"]
    assert all(d["date"].startswith(month) for d in days["days"])
    assert "Energy (kWh)" in signed("energy", "Fridge", "--day", month).out
    year = str(dt.date.today().year)
    months = signed("--json", "energy", "Office strip", "--month", year).json()
    assert months["months"]
    assert months["total_kwh"] > 0
    outlet = signed("--json", "energy", "Office strip", "--outlet", "1").json()
    assert outlet["device"]["outlet"] == 1
    assert signed("energy", "Fridge", "--day", "2024-13").code == 2
    assert signed("energy", "Hall lamp").code == 2


def test_export_csv_file_and_json_stdout(signed: Kc, tmp_path: Path) -> None:
    start = (dt.date.today() - dt.timedelta(days=3)).isoformat()
    target = tmp_path / "energy.csv"
    run = signed("export", "--from", start, "--output", str(target))
    assert run.code == 0
    assert "Wrote" in run.out
    lines = target.read_text().splitlines()
    assert lines[0] == "device_id,alias,outlet,date,energy_kwh"
    assert any(",Kettle,," in line for line in lines)
    assert any("Office strip / Outlet 1,1," in line for line in lines)
    data = signed("--json", "export", "Fridge", "Kettle", "--from", start).json()
    assert {r["alias"] for r in data["records"]} == {"Fridge", "Kettle"}
    assert data["unit"] == "kWh"
    assert all(r["date"] >= start for r in data["records"])
    assert signed("export", "--from", "2025-05-01", "--to", "2025-04-01").code == 2
    assert signed("export", "--from", "yesterday-ish").code == 2


def test_light(signed: Kc) -> None:
    colour = signed("--json", "light", "Living room", "--hsv", "240", "100", "80").json()
    assert colour["hsv"] == [240, 100, 80]
    assert colour["is_on"] is True
    warm = signed("--json", "light", "Reading", "--temp", "3000", "--brightness", "40").json()
    assert warm["color_temp_k"] == 3000
    assert warm["brightness_pct"] == 40
    dimmer = signed("light", "Dining", "--brightness", "30", "--transition", "500")
    assert dimmer.code == 0
    assert "30 %" in dimmer.out
    assert signed("--json", "light", "Reading", "--off").json()["is_on"] is False
    assert signed("light", "Kettle").code == 2
    assert signed("light", "Reading", "--temp", "3000", "--hsv", "1", "2", "3").code == 2
    assert signed("light", "Living room", "--brightness", "101").code == 2


def test_schedule_countdown_away(signed: Kc) -> None:
    added = signed(
        "--json", "schedule", "add", "Kettle", "--at", "07:30", "--action", "on", "--days",
        "mon,wed,fri",
    ).json()  # fmt: skip
    rule = next(r for r in added["rules"] if r["id"] == added["added"])
    assert rule["at"] == "07:30"
    assert rule["days"] == "mon,wed,fri"
    listed = signed("schedule", "list", "Kettle")
    assert "07:30" in listed.out
    assert signed("schedule", "remove", "Kettle", added["added"]).code == 0
    assert signed("schedule", "remove", "Kettle", "NOPE").code == 4
    assert signed("schedule", "add", "Kettle", "--at", "25:00", "--action", "on").code == 2
    assert signed("schedule", "list", "Office strip").code == 2  # rules belong to outlets

    countdown = signed(
        "--json", "countdown", "add", "Office strip", "-o", "3", "--delay", "10m", "--action",
        "on",
    ).json()  # fmt: skip
    assert countdown["rules"][0]["delay_s"] == 600
    assert signed("countdown", "remove", "Office strip", "-o", "3", "--all").code == 0
    assert signed("--json", "countdown", "list", "Office strip", "-o", "3").json()["rules"] == []

    away = signed("--json", "away", "add", "Hall", "--from", "18:00", "--to", "23:00").json()
    assert away["rules"][0]["from"] == "18:00"
    assert "18:00" in signed("away", "list", "Hall").out
    assert signed("away", "remove", "Hall", "--all").code == 0


def test_an_offline_device_is_exit_5_for_every_command_not_a_guess(signed: Kc) -> None:
    for args in (
        ("energy", "Garage"),
        ("led", "Garage"),
        ("schedule", "list", "Garage"),
        ("raw", "Garage", '{"system": {"get_sysinfo": null}}'),
        ("export", "Garage"),
    ):
        run = signed(*args)
        assert run.code == 5, (args, run.out, run.err)
        assert "offline" in run.err
        assert run.out == ""
    info = signed("--json", "info", "Garage")  # info shows what the cloud knows, exit 0
    assert info.json()["online"] is False
    assert info.json()["led"] is None


def test_export_of_named_devices_without_meters_fails(signed: Kc, tmp_path: Path) -> None:
    none = signed("export", "Hall lamp", "Garage")
    assert none.code == 2
    assert "Nothing to export" in none.err
    assert "Hall lamp: no energy meter" in none.err
    some = signed("--json", "export", "Kettle", "Hall lamp", "--from", "2026-01-01", "--to",
                  "2026-01-02")  # fmt: skip
    assert some.code == 0
    assert some.json()["skipped"][0]["reason"] == "no energy meter"
    missing_dir = signed("export", "Kettle", "-o", str(tmp_path / "no" / "such" / "e.csv"))
    assert missing_dir.code == 2
    assert "does not exist" in missing_dir.err
    one = signed("export", "Kettle", "--from", "2026-01-01", "--to", "2026-01-01", "-o",
                 str(tmp_path / "one.csv"))  # fmt: skip
    assert "(1 meter," in one.out


def test_light_refusals_name_the_option_and_the_range(signed: Kc) -> None:
    no_colour = signed("light", "Reading", "--hsv", "10", "10", "10")
    assert no_colour.code == 2
    assert "has no colour: --hsv does not apply" in no_colour.err
    out_of_range = signed("--json", "light", "Reading", "--temp", "9000")
    assert out_of_range.code == 2
    assert out_of_range.error_json()["message"] == (
        "--temp 9000: Reading light (KL120(US)) takes 2700 to 5000 K."
    )
    dimmer = signed("light", "Dining", "--temp", "3000")
    assert dimmer.code == 2
    assert "dimmer" in dimmer.err


def test_raw_and_alias_say_what_is_missing(signed: Kc) -> None:
    empty = signed("raw", "Kettle", input="")
    assert empty.code == 2
    assert "no JSON request" in empty.err
    assert (
        signed("--json", "raw", "Kettle", '{"system": {"get_sysinfo": null}}').json()["system"][
            "get_sysinfo"
        ]["alias"]
        == "Kettle"
    )
    blank = signed("alias", "Kettle", "  ")
    assert blank.code == 2
    assert "Give a name." in blank.err
