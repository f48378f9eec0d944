"""docs/cli.md's JSON table, row by row, against what the real commands print; and the human form.

The keys of every documented object are read from the document itself, so a command that drops,
renames or adds a key, or a row nobody runs, fails here.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import DEMO_EMAIL, DEMO_PASSWORD, Kc

from kasacloud.server import LocalCloud

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
_ROW = re.compile(r"^\| (?P<what>.+?) \| `\{(?P<keys>.*)\}` \|$")
_KEY = re.compile(r'"(\w+)"(\??)')


def documented() -> dict[str, tuple[set[str], set[str]]]:
    """``{row: (required keys, optional keys)}`` of the JSON table in docs/cli.md."""
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## JSON output") :]
    rows: dict[str, tuple[set[str], set[str]]] = {}
    for line in section.splitlines():
        if m := _ROW.match(line):
            keys = _KEY.findall(m["keys"])
            rows[m["what"]] = ({k for k, o in keys if not o}, {k for k, o in keys if o})
    return rows


def _first(rows: list[dict[str, Any]], **match: Any) -> dict[str, Any]:
    return next(r for r in rows if all(r.get(k) == v for k, v in match.items()))


def _samples(signed: Kc, kc: Kc, cloud: LocalCloud, tmp_path: Path) -> dict[str, list[Any]]:
    """Every documented row: the objects the real commands printed for it."""

    def j(*args: str, code: int = 0, **kw: Any) -> Any:
        run = signed("--json", *args, **kw)
        assert run.code == code, (args, run.err)
        return run.json() if code == 0 else run.error_json()

    month = dt.date.today().strftime("%Y-%m")
    start = (dt.date.today() - dt.timedelta(days=2)).isoformat()
    login = kc("--cloud", cloud.url, "--json", "login", input=f"{DEMO_EMAIL}\n{DEMO_PASSWORD}\n")
    logout = kc("--json", "logout").json()
    logout_again = kc("--cloud", cloud.url, "--json", "logout").json()
    devices = j("devices")
    strip = _first(devices["devices"], alias="Office strip")
    info_plug, info_strip = j("info", "Kettle"), j("info", "Office strip")
    info_outlet, info_bulb = j("info", "Office strip", "-o", "2"), j("info", "Living room")
    info_dimmer, info_offline = j("info", "Dining"), j("info", "Garage")
    on, off = j("on", "Hall lamp"), j("off", "Office strip", "-o", "3")
    toggled = j("toggle", "Hall lamp")
    days = j("energy", "Fridge", "--month", month)
    months = j("energy", "Fridge", "--year", month[:4])
    exported = j("export", "Kettle", "Office strip", "Garage", "--from", start, "--format", "json")
    written = j("export", "Kettle", "Garage", "--from", start, "-o", str(tmp_path / "e.json"))
    prices = [j("price"), j("price", "0.3", "--currency", "EUR")]
    priced_days = j("energy", "Fridge", "--month", month)
    priced_months = j("energy", "Fridge", "--year", month[:4])
    priced_export = j("export", "Fridge", "--from", start, "--format", "json")
    prices.append(j("price", "--clear"))
    several_run = signed("--json", "toggle", "Hall lamp", "Garage")
    assert several_run.code == 5, several_run.err
    several = several_run.json()
    j("toggle", "Hall lamp")
    watch_run = signed("--json", "watch", "Kettle", "Garage", "--count", "1")
    assert watch_run.code == 0, watch_run.err
    watched = json.loads(watch_run.out)
    effect = j("light", "TV backlight", "--effect", "rainbow")
    effects = j("effects")
    group_made = j("group", "add", "contract", "Kettle", "Fridge")
    groups = j("group", "list")
    group_removed = [j("group", "rm", "contract", "Fridge"), j("group", "rm", "contract")]
    scene_saved = j("scene", "save", "contract", "Hall lamp", "Living room")
    scene_shown = j("scene", "show", "contract")
    scenes = j("scene", "list")
    scene_applied = j("scene", "apply", "contract")
    scene_removed = j("scene", "rm", "contract")
    with LocalCloud() as spare:  # erasing a meter is for a cloud of its own
        assert kc("--cloud", spare.url, "login", input=f"{DEMO_EMAIL}\n{DEMO_PASSWORD}\n").code == 0
        erase_run = kc("--json", "energy", "Kettle", "--erase", "--yes")
        assert erase_run.code == 0, erase_run.err
        erased = erase_run.json()
    schedule = j("schedule", "add", "Kettle", "--at", "06:15", "--action", "on")
    countdown = j("countdown", "add", "Kettle", "--delay", "5m", "--action", "off")
    away = j("away", "add", "Porch", "--from", "19:00", "--to", "22:00", "--days", "weekends")
    listed = [j(kind, "list", device) for kind, device in
              (("schedule", "Kettle"), ("countdown", "Kettle"), ("away", "Porch"))]  # fmt: skip
    changed = [
        j("schedule", "edit", "Kettle", "1", "--at", "06:30"),
        j("schedule", "disable", "Kettle", schedule["added"][:8]),
        j("countdown", "enable", "Kettle", "1"),
        j("away", "disable", "Porch", "--all"),
        j("away", "enable", "Porch", "--all"),
    ]
    removed = [
        j("schedule", "remove", "Kettle", schedule["added"]),
        j("countdown", "remove", "Kettle", "--all"),
        j("away", "remove", "Porch", away["added"]),
    ]
    renamed = j("alias", "Porch", "Front porch")
    j("alias", "Front porch", "Porch light")
    errors = [j("info", "light", code=4), j("on", "Garage", code=5), j("bogus-command", code=2)]
    rebooted = j("reboot", "TV strip", "--delay", "3")
    cloud.clock.advance(120)  # back online for the other tests
    feature_lists = [j("feature", "Kettle"), j("feature", "Living room"), j("feature", "Dining")]
    features_set = [j("feature", "Reading", "brightness"), j("feature", "Hall lamp", "state", "on")]
    lights = [j("light", "Living room", "--hsv", "120", "50", "60"), j("light", "Reading"),
              j("light", "Dining")]  # fmt: skip
    return {
        "`login`": [login.json()] if login.code == 0 else [],
        "`logout`": [logout, logout_again],
        "`devices`": [devices],
        "a `devices` entry": devices["devices"],
        "an `outlets` entry": strip["outlets"],
        "a `sensors` entry (a hub's)": _first(devices["devices"], alias="Tapo hub")["sensors"],
        "`info`": [
            info_plug,
            info_strip,
            info_outlet,
            info_bulb,
            info_dimmer,
            info_offline,
            j("info", "Tapo hub"),
        ],
        "`feature DEVICE`": feature_lists,
        "a `features` entry": [f for listing in feature_lists for f in listing["features"]],
        "`feature DEVICE FEATURE [VALUE]`": features_set,
        "`info`'s `energy`": [info_plug["energy"], info_strip["energy"], info_outlet["energy"]],
        "a device reference (`device`)": [on["device"], off["device"], days["device"]],
        "`on`, `off`, `toggle`": [on, off, toggled],
        "several devices (`on`/`off`/`toggle`, `scene apply`)": [several, scene_applied],
        "a `results` entry": several["results"] + scene_applied["results"],
        "`energy`": [j("energy", "Fridge"), j("energy", "Office strip", "-o", "1")],
        "`energy --month YYYY-MM`": [days, priced_days],
        "a `days` entry": days["days"] + priced_days["days"],
        "`energy --year YYYY`": [months, priced_months],
        "a `months` entry": months["months"] + priced_months["months"],
        "`energy --erase`": [erased],
        "`price`": prices,
        "`export --format json`": [exported, priced_export],
        "an export record (CSV columns)": exported["records"] + priced_export["records"],
        "a `skipped` entry": exported["skipped"] + written["skipped"],
        "`export --output FILE`": [written],
        "`watch --json` (one object per line)": [watched],
        "a `watch` reading": watched["devices"],
        "`light` (and `info`'s `light`, without `device`)": [
            *lights,
            effect,
            *({"device": None, **i["light"]} for i in (info_bulb, info_dimmer)),
        ],
        "`effects`": [effects],
        "an `effects` entry": effects["effects"],
        "`schedule`/`countdown`/`away` `edit`, `enable`, `disable`": changed,
        "`group list`": [groups],
        "a `groups` entry": groups["groups"],
        "a group's device": groups["groups"][0]["devices"] + group_made["devices"],
        "`group add`": [group_made],
        "`group remove`": group_removed,
        "`scene save`, `scene show`": [scene_saved, scene_shown],
        "a scene's device": scene_saved["devices"],
        "`scene list`": [scenes],
        "a `scenes` entry": scenes["scenes"],
        "`scene remove`": [scene_removed],
        "`schedule`/`countdown`/`away` `list`": listed,
        "`schedule`/`countdown`/`away` `add`": [schedule, countdown, away],
        "a schedule rule": schedule["rules"],
        "a countdown rule": countdown["rules"],
        "an away rule": away["rules"],
        "`schedule`/`countdown`/`away` `remove`": removed,
        "`led`": [j("led", "Fridge"), j("led", "Fridge", "on")],
        "`alias`": [renamed],
        "`reboot`": [rebooted],
        "an error (on stderr)": errors,
    }


def test_every_documented_json_object_is_what_the_commands_print(
    signed: Kc, kc: Kc, cloud: LocalCloud, tmp_path: Path
) -> None:
    rows = documented()
    samples = _samples(signed, kc, cloud, tmp_path)
    assert set(rows) == set(samples), "a documented row nobody runs, or a run nobody documents"
    optional_seen: set[tuple[str, str]] = set()
    for what, objects in samples.items():
        required, optional = rows[what]
        assert objects, f"{what}: nothing printed"
        for obj in objects:
            keys = set(obj)
            assert required <= keys, f"{what}: missing {required - keys} in {sorted(keys)}"
            assert keys <= required | optional, f"{what}: undocumented {keys - required - optional}"
            optional_seen |= {(what, k) for k in keys & optional}
    documented_optional = {(what, k) for what, (_, opt) in rows.items() for k in opt}
    assert documented_optional <= optional_seen, "an optional key no sample shows"


def test_json_values_are_in_the_documented_units(signed: Kc) -> None:
    kettle = signed("--json", "energy", "Kettle").json()
    assert 100 < kettle["voltage_v"] < 260  # volts, not millivolts
    assert kettle["total_kwh"] < 100_000  # kWh, not Wh
    colour = signed("--json", "light", "Living room", "--hsv", "200", "80", "70").json()
    assert colour["color_temp_k"] == 0  # documented: 0 while a colour shows
    assert colour["hsv"] == [200, 80, 70]
    white = signed("--json", "light", "Living room", "--temp", "4000").json()
    assert white["color_temp_k"] == 4000
    assert signed("--json", "light", "Dining").json()["color_temp_k"] is None


# Every command's human form: a table with units, never JSON, never a traceback.
HUMAN: list[tuple[tuple[str, ...], Callable[[str], bool]]] = [
    (("devices",), lambda out: "Kettle" in out and "17 devices, 16 online" in out),
    (("info", "Fridge"), lambda out: "Wi-Fi signal" in out and " dBm" in out and " W" in out),
    (("on", "Hall lamp"), lambda out: "Hall lamp" in out and "on" in out),
    (("off", "Office strip", "-o", "5"), lambda out: "outlet 5 of Office strip" in out),
    (("toggle", "Office strip", "-o", "5"), lambda out: "on" in out),
    (("energy", "Fridge"), lambda out: " W" in out and " V" in out and " A" in out),
    (("energy", "Fridge", "--year", str(dt.date.today().year)), lambda out: "kWh" in out),
    (("light", "Reading", "--temp", "2700"), lambda out: "2700 K" in out),
    (("led", "Fridge"), lambda out: "LED" in out),
    (("schedule", "list", "Kettle"), lambda out: "schedule rules" in out),
    (("countdown", "list", "Office strip", "-o", "1"), lambda out: "countdown rules" in out),
    (("away", "list", "Hall"), lambda out: "away rules" in out),
    (
        ("raw", "Fridge", '{"system": {"get_sysinfo": null}}'),
        lambda out: '"alias": "Fridge"' in out,
    ),
]


@pytest.mark.parametrize(("args", "check"), HUMAN, ids=[" ".join(a[:2]) for a, _ in HUMAN])
def test_human_form(signed: Kc, args: tuple[str, ...], check: Callable[[str], bool]) -> None:
    run = signed(*args)
    assert run.code == 0, run.err
    assert check(run.out), run.out
    assert not run.out.lstrip().startswith("{") or args[0] == "raw"
    assert run.err == ""


def test_human_form_of_rule_changes_rename_and_reboot(signed: Kc, cloud: LocalCloud) -> None:
    added = signed("schedule", "add", "Fridge", "--at", "sunset", "--action", "off", "--once")
    assert added.code == 0
    assert "sunset" in added.out
    assert "Added rule" in added.out
    rule_id = signed("--json", "schedule", "list", "Fridge").json()["rules"][-1]["id"]
    removed = signed("schedule", "remove", "Fridge", rule_id)
    assert f"Removed schedule rule {rule_id} of Fridge." in removed.out
    countdown = signed("countdown", "add", "Fridge", "--delay", "1h30m", "--action", "off")
    assert "1h 30m" in countdown.out
    assert "Time left" in countdown.out
    assert "Removed every countdown rule" in signed("countdown", "remove", "Fridge", "--all").out
    renamed = signed("alias", "Kettle", "Tea kettle")
    assert "Was" in renamed.out
    assert "Tea kettle" in renamed.out
    assert signed("alias", "Tea kettle", "Kettle").code == 0
    rebooted = signed("reboot", "TV strip", "--delay", "5")
    assert "TV strip reboots in 5 s." in rebooted.out
    cloud.clock.advance(120)


def test_a_colour_bulb_in_colour_mode_has_no_colour_temperature(signed: Kc) -> None:
    colour = signed("light", "Living room", "--hsv", "30", "60", "80")
    assert "hue 30°, saturation 60 %, value 80 %" in colour.out
    assert "0 K" not in colour.out
    temperature_line = next(x for x in colour.out.splitlines() if "Colour temperature" in x)
    assert temperature_line.split()[-1] == "-"
    light_line = next(x for x in signed("info", "Living room").out.splitlines() if "Light" in x)
    assert "hue 30°" in light_line
    assert " K" not in light_line
    white = signed("light", "Living room", "--temp", "3500")
    assert "3500 K" in white.out
    colour_line = next(x for x in white.out.splitlines() if x.startswith("Colour "))
    assert colour_line.split()[-1] == "-"  # the hue it keeps is not what it shows
    info = signed("info", "Living room")
    assert "3500 K" in info.out
    assert "hue" not in info.out
