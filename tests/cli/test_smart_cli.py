"""The CLI drives SMART devices (Tapo, new Kasa) as it drives IOT ones, against the local cloud.

The demo house has a P110 ("Coffee machine"), a P300 ("Bedroom strip"), an L530 ("Sofa lamp"),
an L900 ("Worktop light strip"), a KS225 ("Stairs dimmer") and an H100 ("Tapo hub") with a T310
and a T110.
"""

from __future__ import annotations

import datetime as dt
import json

from cli_helpers import Kc

from kasacloud.protocol import smart


def test_devices_lists_smart_devices_and_the_hub_with_its_sensors(signed: Kc) -> None:
    listing = signed("--json", "devices").json()["devices"]
    by_alias = {d["alias"]: d for d in listing}
    assert by_alias["Coffee machine"]["kind"] == "plug"
    assert by_alias["Bedroom strip"]["kind"] == "strip"
    assert len(by_alias["Bedroom strip"]["outlets"]) == 3
    assert by_alias["Sofa lamp"]["kind"] == "bulb"
    assert by_alias["Worktop light strip"]["kind"] == "light_strip"
    assert by_alias["Stairs dimmer"]["kind"] == "dimmer"
    hub = by_alias["Tapo hub"]
    assert hub["kind"] == "hub"
    assert hub["is_on"] is None
    sensors = {s["model"]: {f["id"]: f for f in s["features"]} for s in hub["sensors"]}
    assert sensors["T310"]["temperature"]["unit"] == "°C"
    assert isinstance(sensors["T310"]["humidity"]["value"], int | float)
    assert isinstance(sensors["T110"]["is_open"]["value"], bool)
    human = signed("info", "Tapo hub")
    assert human.code == 0, human.err
    assert "Sensors" in human.out
    assert "Temperature" in human.out
    assert "°C" in human.out


def test_on_off_toggle_and_info_on_a_smart_plug(signed: Kc) -> None:
    assert signed("on", "Coffee machine").code == 0
    assert signed("--json", "info", "Coffee machine").json()["is_on"] is True
    assert signed("toggle", "Coffee machine").code == 0
    info = signed("--json", "info", "Coffee machine").json()
    assert info["is_on"] is False
    features = {f["id"]: f for f in info["features"]}
    assert features["current_power"]["unit"] == "W"
    assert features["today_energy"]["unit"] == "kWh"
    assert info["model"] == "P110(EU)"
    off = signed("off", "Bedroom strip", "-o", "1")
    assert off.code == 0, off.err
    outlets = signed("--json", "info", "Bedroom strip").json()["outlets"]
    assert outlets[0]["is_on"] is False


def test_energy_and_its_history_on_a_smart_plug(signed: Kc) -> None:
    now = signed("--json", "energy", "Coffee machine")
    assert now.code == 0, now.err
    month = dt.date.today().strftime("%Y-%m")
    days = signed("--json", "energy", "Coffee machine", "--day", month)
    assert days.code == 0, days.err
    assert json.dumps(days.json())  # JSON-ready
    human = signed("energy", "Coffee machine", "--day", month)
    assert human.code == 0
    assert "kWh" in human.out
    start = (dt.date.today() - dt.timedelta(days=3)).isoformat()
    exported = signed("export", "Coffee machine", "--from", start, "--format", "csv")
    assert exported.code == 0, exported.err
    rows = [line for line in exported.out.splitlines()[1:] if line.strip()]
    assert len(rows) >= 3
    assert all("Coffee machine" in row for row in rows)


def test_light_led_alias_feature_and_raw_on_smart_devices(signed: Kc) -> None:
    lit = signed("light", "Sofa lamp", "--brightness", "40")
    assert lit.code == 0, lit.err
    light = signed("--json", "info", "Sofa lamp").json()["light"]
    assert light["brightness_pct"] == 40
    assert signed("--json", "feature", "Stairs dimmer", "brightness", "25").code == 0
    assert (
        signed("--json", "feature", "Stairs dimmer", "brightness").json()["feature"]["value"] == 25
    )
    assert signed("led", "Coffee machine", "off").code == 0
    assert signed("--json", "info", "Coffee machine").json()["led"] is False
    assert signed("led", "Coffee machine", "on").code == 0
    renamed = signed("alias", "Coffee machine", "Espresso")
    assert renamed.code == 0, renamed.err
    answer = signed("raw", "Espresso", '{"method": "get_device_info"}').json()
    assert answer["error_code"] == 0
    assert smart.decode_text(answer["result"]["nickname"]) == "Espresso"
    assert signed("alias", "Espresso", "Coffee machine").code == 0
    unknown = signed("raw", "Coffee machine", '{"method": "no_such_method"}').json()
    assert unknown["error_code"] == smart.SmartErrorCode.UNKNOWN_METHOD
