"""SMART classification from ``component_nego``, over every capture (expectations: its README)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from captures import smart_capture_params
from kasacloud.protocol.families import Family, classify_smart, classify_smart_child

# The kinds the captures' README gives each file (by file name), not a rule of the code.
README_KINDS = {
    "P100": Family.PLUG, "P110": Family.PLUG, "P110M": Family.PLUG, "P115": Family.PLUG,
    "KP125M": Family.PLUG, "EP25": Family.PLUG, "P125M": Family.PLUG,
    "P300": Family.STRIP, "P304M": Family.STRIP, "EP40M": Family.STRIP,
    "L530E": Family.BULB, "L535E": Family.BULB, "L630": Family.BULB, "L510E": Family.BULB,
    "L900-5": Family.LIGHT_STRIP, "L920-5": Family.LIGHT_STRIP, "L930-5": Family.LIGHT_STRIP,
    "HS200": Family.WALL_SWITCH, "KS205": Family.WALL_SWITCH, "KS240": Family.WALL_SWITCH,
    "HS220": Family.DIMMER, "KS225": Family.DIMMER, "S500D": Family.DIMMER,
    "H100": Family.OTHER, "KH100": Family.OTHER,
}  # fmt: skip


@pytest.mark.parametrize("path", smart_capture_params())
def test_every_capture_is_classified_from_its_components(path: Path | None) -> None:
    if path is None:
        pytest.fail("the SMART captures are missing (../shared/fixtures/kasa-smart)")
    data = json.loads(path.read_text(encoding="utf-8"))
    ids = [c["id"] for c in data["component_nego"]["component_list"]]
    children = data.get("get_child_device_list", {}).get("child_device_list", [])
    family = classify_smart(
        ids,
        device_type=data["get_device_info"]["type"],
        child_categories=[c.get("category", "") for c in children],
    )
    assert family is README_KINDS[path.name.split("(")[0]]
    lists = data.get("get_child_device_component_list", {}).get("child_component_list", [])
    parts = {c["device_id"]: [x["id"] for x in c["component_list"]] for c in lists}
    for child in children:
        kind = classify_smart_child(child.get("category", ""), parts.get(child["device_id"], []))
        if family is Family.STRIP:
            assert kind is Family.OUTLET
        elif family is Family.OTHER:
            assert kind is Family.OTHER  # hub sensors, valves, buttons
        else:
            assert kind in (Family.DIMMER, Family.WALL_SWITCH)  # KS240's gangs
