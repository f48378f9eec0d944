"""The shared device vocabulary: one classification for the client and the simulator."""

from __future__ import annotations

import json

import pytest
from tests.captures import capture_params

from kasacloud.client.devices import device_class
from kasacloud.protocol import families
from kasacloud.protocol.families import Family
from kasacloud.sim.profile import Profile


@pytest.mark.parametrize("capture", capture_params())
def test_client_and_simulator_classify_every_capture_alike(capture) -> None:
    assert capture is not None, "the captures are missing"
    data = json.loads(capture.read_text(encoding="utf-8"))
    sysinfo = data["system"]["get_sysinfo"]
    profile = Profile.from_capture(capture)
    entry = {"deviceType": sysinfo.get("type") or sysinfo.get("mic_type"), "deviceModel": ""}
    assert device_class(entry, sysinfo).kind == profile.family.value


@pytest.mark.parametrize(
    ("model", "device_type", "family"),
    [
        ("HS300(US)", "IOT.SMARTPLUGSWITCH", Family.STRIP),
        ("HS220(US)", "IOT.SMARTPLUGSWITCH", Family.DIMMER),
        ("KS200M(US)", "IOT.SMARTPLUGSWITCH", Family.WALL_SWITCH),
        ("HS110(EU)", "IOT.SMARTPLUGSWITCH", Family.PLUG),
        ("KL430(US)", "IOT.SMARTBULB", Family.LIGHT_STRIP),
        ("KL130(EU)", "IOT.SMARTBULB", Family.BULB),
        ("NC200", "IOT.IPCAMERA", Family.OTHER),
    ],
)
def test_offline_devices_are_classified_from_type_and_model(model, device_type, family) -> None:
    assert families.classify(device_type=device_type, model=model) is family


def test_legacy_family_names_still_load() -> None:
    assert families.family_named("switch") is Family.WALL_SWITCH
    assert families.family_named("lightstrip") is Family.LIGHT_STRIP
    assert families.family_named("strip") is Family.STRIP
    with pytest.raises(ValueError, match=r"unknown device family 'toaster'.*plug"):
        families.family_named("toaster")


def test_outlet_ids_from_full_ids_and_from_bare_indexes() -> None:
    parent = "A" * 40
    assert families.outlet_ids(parent, [{"id": parent + "00"}, {"id": "01"}]) == [
        parent + "00",
        parent + "01",
    ]
    assert families.child_matches(parent, {"id": "01"}, parent + "01")
    assert families.child_matches(parent, {"id": parent + "01"}, parent + "01")
    assert not families.child_matches(parent, {"id": "02"}, parent + "01")
    with pytest.raises(ValueError, match=r"0\.\.99"):
        families.outlet_id(parent, -1)


def test_method_answer_round_trip_and_errors() -> None:
    answer = {"system": {"get_sysinfo": families.method_answer({"alias": "x"})}}
    assert families.method_result(answer, "system", "get_sysinfo") == {"alias": "x"}
    with pytest.raises(families.AnswerError) as missing:
        families.method_result(answer, "emeter", "get_realtime")
    assert missing.value.err_code is None
    module_error = {"emeter": {"err_code": -1, "err_msg": "module not support"}}
    with pytest.raises(families.AnswerError, match="module not support") as refused:
        families.method_result(module_error, "emeter", "get_realtime")
    assert (refused.value.err_code, refused.value.module) == (-1, "emeter")
    method_error = {"system": {"reboot": families.method_answer(err_code=-3)}}
    with pytest.raises(families.AnswerError) as bad:
        families.method_result(method_error, "system", "reboot")
    assert bad.value.err_code == -3


@pytest.mark.parametrize(
    ("alias", "problem"),
    [
        ("Kettle", None),
        ("x" * families.ALIAS_MAX_CHARS, None),
        ("x" * (families.ALIAS_MAX_CHARS + 1), "at most"),
        ("   ", "empty"),
        ("a\nb", "control"),
        ("\ud800", "surrogate"),
        (42, "text"),
    ],
)
def test_alias_rule(alias, problem) -> None:
    found = families.alias_problem(alias)
    assert found is None if problem is None else problem in (found or "")
