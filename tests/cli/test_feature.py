"""``kasacloud feature``: list, read and set features, human and --json, against the local cloud."""

from __future__ import annotations

from cli_helpers import Kc


def test_feature_lists_every_feature_with_values_and_units(signed: Kc) -> None:
    data = signed("--json", "feature", "Kettle").json()
    assert data["device"]["alias"] == "Kettle"
    by_id = {f["id"]: f for f in data["features"]}
    assert {"state", "current_power", "voltage", "current", "total_energy", "led"} <= set(by_id)
    assert by_id["current_power"]["unit"] == "W"
    assert by_id["voltage"]["value"] > 100
    assert by_id["state"]["type"] == "switch"
    assert by_id["state"]["writable"] is True
    assert by_id["voltage"]["writable"] is False
    human = signed("feature", "Kettle")
    assert human.code == 0
    assert "Current power" in human.out
    assert " V" in human.out
    assert "on|off" in human.out  # what a switch takes


def test_feature_reads_and_sets_one(signed: Kc) -> None:
    one = signed("--json", "feature", "Living room bulb", "brightness").json()
    assert one["feature"]["id"] == "brightness"
    assert one["feature"]["range"] == [0, 100]
    hsv = signed("--json", "feature", "Living room bulb", "hsv", "240,100,80").json()
    assert hsv["feature"]["value"] == [240, 100, 80]
    again = signed("--json", "feature", "Living room bulb", "brightness").json()
    assert again["feature"]["value"] == 80
    human = signed("feature", "Living room bulb", "state", "off")
    assert human.code == 0
    assert "off" in human.out
    assert (
        signed("--json", "feature", "Living room bulb", "state").json()["feature"]["value"] is False
    )


def test_feature_of_an_outlet(signed: Kc) -> None:
    data = signed("--json", "feature", "Office strip", "--outlet", "2", "state", "on").json()
    assert data["device"]["outlet"] == 2
    assert data["feature"]["value"] is True
    listed = signed("--json", "feature", "Office strip", "--outlet", "2").json()
    assert "current_power" in {f["id"] for f in listed["features"]}


def test_feature_errors_say_what_would_work(signed: Kc) -> None:
    unknown = signed("--json", "feature", "Kettle", "colour")
    assert unknown.code == 4
    err = unknown.error_json()
    assert "no feature 'colour'" in err["message"]
    assert "current_power" in err["message"]
    bad = signed("--json", "feature", "Reading light", "color_temp", "9000")
    assert bad.code == 2
    assert "between 2700 and 5000" in bad.error_json()["message"]
    reading = signed("feature", "Kettle", "voltage", "230")
    assert reading.code == 2
    assert "is a reading" in reading.err
    words = signed("feature", "Kettle", "state", "maybe")
    assert words.code == 2
    assert "on or off" in words.err
    offline = signed("feature", "Garage plug")
    assert offline.code == 5
