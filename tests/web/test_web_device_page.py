"""The device page, its forms and the energy periods over plain HTTP, against the real servers.

Each check reads what the simulated device really did (its rules, its alias, its LED) through the
local cloud, not what the dashboard says it did.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import httpx
import pytest
from web_helpers import DEMO, JSON, csrf_of, device_id

from kasacloud.server import LocalCloud
from kasacloud.web import DashboardServer


def ask(cloud: LocalCloud, alias: str, module: str, method: str) -> dict[str, Any]:
    device: Any = cloud.device(device_id(cloud, alias))
    return device.handle({module: {method: None}})[module][method]


def rules(cloud: LocalCloud, alias: str, module: str = "schedule") -> list[dict[str, Any]]:
    return ask(cloud, alias, module, "get_rules")["rule_list"]


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_every_device_and_outlet_has_a_page(http, local_cloud):
    lamp = device_id(local_cloud, "Hall lamp")
    page = text_of(http.get(f"/devices/{lamp}").text)
    for expected in ("Hall lamp", "HS103(US)", "Schedules", "Timer (countdown)", "Away mode",
                     "Firmware", "MAC address", "Signal", "Region", "Reboot…"):  # fmt: skip
        assert expected in page, expected
    kettle = text_of(http.get(f"/devices/{device_id(local_cloud, 'Kettle')}").text)
    for expected in ("Current power", " W", "Voltage", " V", "Total energy", "kWh", "This month"):
        assert expected in kettle, expected
    bulb = text_of(http.get(f"/devices/{device_id(local_cloud, 'Living room bulb')}").text)
    assert "Brightness" in bulb
    assert "Colour temperature" in bulb
    strip_id = device_id(local_cloud, "Office strip")
    strip = http.get(f"/devices/{strip_id}").text
    outlet_ids = re.findall(rf'href="/devices/({strip_id}\w+)"', strip)
    assert len(outlet_ids) >= 2, "the strip's page links each outlet's page"
    outlet = http.get(f"/devices/{outlet_ids[1]}")
    assert outlet.status_code == 200
    assert "Office strip" in outlet.text
    assert "Schedules" in outlet.text
    assert "Reboot…" not in outlet.text  # the strip reboots, not one outlet


def test_a_device_not_on_the_account_is_a_real_404(http):
    response = http.get("/devices/0000000000000000000000000000000000000000")
    assert response.status_code == 404
    assert "No such device" in response.text
    assert "Your devices" not in response.text  # not the dashboard with a message on it
    assert http.get("/devices/nope/energy").status_code == 404
    assert http.get("/nope/at/all").status_code == 404


def test_rename_is_refused_when_the_name_is_taken_unless_confirmed(http, local_cloud):
    lamp = device_id(local_cloud, "Hall lamp")
    taken = http.post(f"/api/devices/{lamp}/rename", data={"name": "kettle"}, headers=JSON)
    assert taken.status_code == 409
    assert "already called" in taken.json()["error"]
    assert ask(local_cloud, "Hall lamp", "system", "get_sysinfo")["alias"] == "Hall lamp"
    confirmed = http.post(
        f"/api/devices/{lamp}/rename", data={"name": "Kettle", "confirm": "yes"}, headers=JSON
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["message"] == "Renamed to “Kettle”."
    device: Any = local_cloud.device(lamp)
    assert device.handle({"system": {"get_sysinfo": None}})["system"]["get_sysinfo"]["alias"] == (
        "Kettle"
    )
    free = http.post(f"/api/devices/{lamp}/rename", data={"name": "Porch lamp"}, headers=JSON)
    assert free.status_code == 200
    for bad in ("", "   ", "x" * 32, "tab\there"):
        response = http.post(f"/api/devices/{lamp}/rename", data={"name": bad}, headers=JSON)
        assert response.status_code == 400, bad
        assert "cannot be a name" in response.json()["error"]


def test_led_is_a_feature_set_through_the_page(http, local_cloud):
    lamp = device_id(local_cloud, "Hall lamp")
    off = http.post(
        f"/api/devices/{lamp}/features/led", data={"value": "false", "view": "page"}, headers=JSON
    )
    assert off.status_code == 200, off.text
    assert ask(local_cloud, "Hall lamp", "system", "get_sysinfo")["led_off"] == 1
    # The answer is the device page's panel, redrawn: its LED row says Off.
    row = r'data-feature="led"><th scope="row">Status LED</th><td>Off<'
    assert re.search(row, off.json()["html"])
    assert http.post(f"/api/devices/{lamp}/features/led", data={"value": "true"}).status_code == 303
    assert ask(local_cloud, "Hall lamp", "system", "get_sysinfo")["led_off"] == 0
    bulb = device_id(local_cloud, "Reading light")  # KL120: 2700-5000 K
    temp = http.post(
        f"/api/devices/{bulb}/features/color_temp", data={"value": "4000"}, headers=JSON
    )
    assert temp.status_code == 200
    light = "smartlife.iot.smartbulb.lightingservice"
    assert ask(local_cloud, "Reading light", light, "get_light_state")["color_temp"] == 4000
    for feature, value, says in [
        ("led", "maybe", "on or off"),
        ("nope", "1", "no setting"),
        ("state", "", "value"),
    ]:
        response = http.post(
            f"/api/devices/{lamp}/features/{feature}", data={"value": value}, headers=JSON
        )
        assert response.status_code == 400, (feature, value)
        assert says in response.json()["error"]
    out_of_range = http.post(
        f"/api/devices/{bulb}/features/color_temp", data={"value": "9000"}, headers=JSON
    )
    assert out_of_range.status_code == 400
    assert "between 2700 and 5000" in out_of_range.json()["error"]


def test_schedules_add_edit_disable_enable_delete(http, local_cloud):
    lamp = device_id(local_cloud, "Hall lamp")
    base = f"/api/devices/{lamp}/rules/schedule"
    form = {"action": "on", "time": "07:30", "day": ["mon", "wed", "fri"], "name": "Wake",
            "view": "page"}  # fmt: skip
    added = http.post(base, data=form, headers=JSON)
    assert added.status_code == 200, added.text
    [rule] = rules(local_cloud, "Hall lamp")
    assert (rule["smin"], rule["sact"], rule["wday"], rule["name"]) == (
        450, 1, [0, 1, 0, 1, 0, 1, 0], "Wake"
    )  # fmt: skip
    html = text_of(added.json()["html"])
    assert "Wake" in html
    assert "07:30, Mon, Wed, Fri" in html
    assert "Next:" in html
    edited = http.post(
        f"{base}/{rule['id']}",
        data={"action": "off", "time": "22:15", "day": ["sat", "sun"], "name": "Night"},
        headers=JSON,
    )
    assert edited.status_code == 200, edited.text
    [rule] = rules(local_cloud, "Hall lamp")
    assert (rule["smin"], rule["sact"], rule["wday"], rule["name"]) == (
        1335, 0, [1, 0, 0, 0, 0, 0, 1], "Night"
    )  # fmt: skip
    disabled = http.post(f"{base}/{rule['id']}/enable", data={"enabled": "false"}, headers=JSON)
    assert disabled.status_code == 200
    assert rules(local_cloud, "Hall lamp")[0]["enable"] == 0
    assert http.post(f"{base}/{rule['id']}/enable", data={"enabled": "true"}).status_code == 303
    assert rules(local_cloud, "Hall lamp")[0]["enable"] == 1
    deleted = http.post(f"{base}/{rule['id']}/delete", headers=JSON)
    assert deleted.status_code == 200
    assert rules(local_cloud, "Hall lamp") == []
    gone = http.post(f"{base}/{rule['id']}/delete", headers=JSON)
    assert gone.status_code == 400
    assert "no longer on the device" in gone.json()["error"]


def test_a_timer_shows_its_time_left_and_away_mode_its_next_run(http, local_cloud):
    lamp = device_id(local_cloud, "Hall lamp")
    timer = http.post(
        f"/api/devices/{lamp}/rules/countdown",
        data={"action": "off", "minutes": "30", "view": "page"},
        headers=JSON,
    )
    assert timer.status_code == 200, timer.text
    [rule] = rules(local_cloud, "Hall lamp", "count_down")
    assert (rule["delay"], rule["act"]) == (1800, 0)
    # The simulated clock runs on in real time too: a second may have gone.
    assert re.search(r"Time left: (30 min|29 min \d+ s)", text_of(timer.json()["html"]))
    local_cloud.clock.advance(600)
    page = text_of(http.get(f"/devices/{lamp}").text)
    assert re.search(r"Time left: (20 min|19 min \d+ s)", page)
    away = http.post(
        f"/api/devices/{lamp}/rules/away",
        data={"start": "18:00", "end": "23:00", "day": ["sun", "mon", "tue", "wed", "thu",
                                                        "fri", "sat"], "view": "page"},
        headers=JSON,
    )  # fmt: skip
    assert away.status_code == 200, away.text
    [rule] = rules(local_cloud, "Hall lamp", "anti_theft")
    assert (rule["smin"], rule["emin"]) == (1080, 1380)
    assert "18:00–23:00, every day" in text_of(away.json()["html"])


@pytest.mark.parametrize(
    ("kind", "form", "says"),
    [
        ("schedule", {"action": "on", "time": "25:00", "day": "mon"}, "time of day"),
        ("schedule", {"action": "on", "time": "07:00"}, "at least one day"),
        ("schedule", {"action": "sideways", "time": "07:00", "day": "mon"}, "turn on or turn off"),
        ("schedule", {"action": "on", "time": "07:00", "day": "someday"}, "not a day"),
        ("schedule", {"action": "on", "time_option": "noon", "day": "mon"}, "sunrise or sunset"),
        ("schedule", {"action": "on", "time": "07:00", "day": "mon", "name": "n" * 40}, "32"),
        ("countdown", {"action": "on", "minutes": "0"}, "1 to 1440"),
        ("countdown", {"action": "on", "minutes": "lots"}, "whole number"),
        ("away", {"start": "18:00", "end": "18:00", "day": "mon"}, "end time"),
        ("nonsense", {}, "not a kind of rule"),
    ],
)
def test_bad_rule_forms_are_400_with_a_message(http, local_cloud, kind, form, says):
    lamp = device_id(local_cloud, "Hall lamp")
    response = http.post(f"/api/devices/{lamp}/rules/{kind}", data=form, headers=JSON)
    assert response.status_code == 400, response.text
    assert says in response.json()["error"]
    assert rules(local_cloud, "Hall lamp") == []


def test_reboot_needs_a_confirmation(http, local_cloud):
    lamp = device_id(local_cloud, "Hall lamp")
    confirm = http.get(f"/devices/{lamp}/reboot")
    assert confirm.status_code == 200
    assert "Reboot “Hall lamp”?" in confirm.text
    unconfirmed = http.post(f"/api/devices/{lamp}/reboot", headers=JSON)
    assert unconfirmed.status_code == 400
    assert "confirm" in unconfirmed.json()["error"]
    done = http.post(
        f"/api/devices/{lamp}/reboot", data={"confirm": "yes", "back": f"/devices/{lamp}"}
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/devices/{lamp}"
    assert "is rebooting" in http.get(f"/devices/{lamp}").text
    local_cloud.clock.advance(5)
    device: Any = local_cloud.device(lamp)
    assert not device.is_online(), "the device rebooted (it is offline for a while)"


def test_a_plain_form_cannot_send_the_browser_elsewhere(http, local_cloud):
    lamp = device_id(local_cloud, "Hall lamp")
    for back in ("//evil.example/", "https://evil.example/"):
        response = http.post(f"/api/devices/{lamp}/toggle", data={"on": "true", "back": back})
        assert response.status_code == 303
        assert response.headers["location"] == "/"


def test_energy_of_a_chosen_month_and_year_with_csv(http, local_cloud):
    kettle = device_id(local_cloud, "Kettle")
    now = http.get(f"/api/devices/{kettle}/energy?period=days").json()
    month = now["points"][-1]["key"][:7]
    year = month[:4]
    days = http.get(f"/api/devices/{kettle}/energy?period=days&month={month}").json()
    assert days["shown"] == month
    assert all(p["key"].startswith(month) for p in days["points"])
    assert days["points"][0]["key"].endswith("-01")
    months = http.get(f"/api/devices/{kettle}/energy?period=months&year={year}").json()
    assert next(p["key"] for p in months["points"]) == f"{year}-01"
    assert months["total_kwh"] == pytest.approx(sum(p["energy_kwh"] for p in months["points"]))
    page = http.get(f"/devices/{kettle}/energy?month={month}&year={year}")
    assert page.status_code == 200
    download = http.get(f"/devices/{kettle}/energy.csv?period=days&month={month}")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert f'filename="kettle-energy-{month}.csv"' in download.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(download.text)))
    assert table[0] == ["date", "energy_kwh"]
    assert [row[0] for row in table[1:]] == [p["key"] for p in days["points"]]
    assert [float(row[1]) for row in table[1:]] == pytest.approx(
        [p["energy_kwh"] for p in days["points"]], abs=0.0005
    )
    for query in ("period=days&month=2026-13", "period=days&month=march", "period=months&year=26",
                  "period=weeks", "period=days&month=2999-01"):  # fmt: skip
        response = http.get(f"/api/devices/{kettle}/energy?{query}")
        assert response.status_code == 400, query
        assert response.json()["error"]


def test_energy_cost_when_a_price_is_set(local_cloud):
    with (
        DashboardServer(local_cloud.url, price_per_kwh=0.25, currency="EUR") as dashboard,
        httpx.Client(base_url=dashboard.url, timeout=30) as http,
    ):
        token = csrf_of(http.get("/signin").text)
        http.post("/signin", data={**DEMO, "csrf_token": token})
        kettle = device_id(local_cloud, "Kettle")
        months = http.get(f"/api/devices/{kettle}/energy?period=months").json()
        assert months["cost"] == pytest.approx(months["total_kwh"] * 0.25, abs=0.0001)
        assert months["currency"] == "EUR"
        page = text_of(http.get(f"/devices/{kettle}/energy").text)
        assert f"cost {months['total_kwh'] * 0.25:.2f} EUR" in page
        table = list(csv.reader(io.StringIO(http.get(f"/devices/{kettle}/energy.csv").text)))
        assert table[0] == ["date", "energy_kwh", "cost_EUR"]


def test_junk_in_every_new_form_is_never_a_server_error(http, local_cloud):
    # A bounded sweep of odd values through every new endpoint: 4xx with a message, never 5xx.
    lamp = device_id(local_cloud, "Hall lamp")
    junk = ["", " ", "-1", "1e309", "nan", "\x00", "😀" * 40, "07:60", "9" * 30, "<script>"]
    paths = [
        ("rename", "name"),
        ("features/led", "value"),
        ("features/state", "value"),
        ("rules/schedule", "time"),
        ("rules/countdown", "minutes"),
        ("rules/away", "start"),
        ("rules/schedule/1/enable", "enabled"),
        ("reboot", "confirm"),
        ("light", "brightness"),
        ("light", "color"),
    ]
    for path, field in paths:
        for value in junk:
            response = http.post(
                f"/api/devices/{lamp}/{path}", data={field: value, "day": value}, headers=JSON
            )
            assert response.status_code < 500, (path, field, value, response.text)
            assert response.json().get("error") or response.status_code == 200
    kettle = device_id(local_cloud, "Kettle")
    for name in ("month", "year"):
        for value in junk:
            params = {"period": "days" if name == "month" else "months", name: value}
            response = http.get(f"/devices/{kettle}/energy.csv", params=params)
            assert response.status_code < 500, params


def test_plain_forms_carry_the_csrf_token(http, local_cloud):
    # Without JavaScript the token travels in each form's field: it must be filled in everywhere.
    for path in ("/", f"/devices/{device_id(local_cloud, 'Living room bulb')}",
                 f"/devices/{device_id(local_cloud, 'Office strip')}"):  # fmt: skip
        html = http.get(path).text
        fields = re.findall(r'name="csrf_token" value="([^"]*)"', html)
        assert len(fields) > 3, path
        assert all(fields), f"{path} has a form without its CSRF token"


def smart_rules(cloud: LocalCloud, alias: str, noun: str) -> list[dict[str, Any]]:
    """A SMART device's rules, asked of the simulated device itself."""
    device: Any = cloud.device(device_id(cloud, alias))
    answer = device.handle({"method": f"get_{noun}_rules", "params": {}})
    assert answer["error_code"] == 0, answer
    return answer["result"]["rule_list"]


def test_a_smart_plugs_rules_from_its_page(http, local_cloud):
    plug = device_id(local_cloud, "Coffee machine")
    page = text_of(http.get(f"/devices/{plug}").text)
    for expected in ("Schedules", "Timer (countdown)", "Away mode"):
        assert expected in page
    base = f"/api/devices/{plug}/rules/schedule"
    form = {"action": "on", "time": "07:30", "day": ["mon", "wed", "fri"], "view": "page"}
    added = http.post(base, data=form, headers=JSON)
    assert added.status_code == 200, added.text
    [rule] = smart_rules(local_cloud, "Coffee machine", "schedule")
    assert (rule["s_min"], rule["desired_states"], rule["week_day"], rule["mode"]) == (
        450, {"on": True}, 0b0101010, "repeat"
    )  # fmt: skip
    assert "07:30, Mon, Wed, Fri" in text_of(added.json()["html"])
    edited = http.post(
        f"{base}/{rule['id']}",
        data={"action": "off", "time": "22:15", "day": ["sat", "sun"]},
        headers=JSON,
    )
    assert edited.status_code == 200, edited.text
    [rule] = smart_rules(local_cloud, "Coffee machine", "schedule")
    assert (rule["s_min"], rule["desired_states"]["on"], rule["week_day"]) == (
        1335,
        False,
        0b1000001,
    )
    disabled = http.post(f"{base}/{rule['id']}/enable", data={"enabled": "false"}, headers=JSON)
    assert disabled.status_code == 200
    assert smart_rules(local_cloud, "Coffee machine", "schedule")[0]["enable"] is False
    assert http.post(f"{base}/{rule['id']}/delete", headers=JSON).status_code == 200
    assert smart_rules(local_cloud, "Coffee machine", "schedule") == []

    timer = http.post(
        f"/api/devices/{plug}/rules/countdown",
        data={"action": "off", "minutes": "30", "view": "page"},
        headers=JSON,
    )
    assert timer.status_code == 200, timer.text
    [rule] = smart_rules(local_cloud, "Coffee machine", "countdown")
    assert (rule["delay"], rule["desired_states"]) == (1800, {"on": False})
    assert re.search(r"Time left: (30 min|29 min \d+ s)", text_of(timer.json()["html"]))
    local_cloud.clock.advance(600)
    page = text_of(http.get(f"/devices/{plug}").text)
    assert re.search(r"Time left: (20 min|19 min \d+ s)", page)

    away = http.post(
        f"/api/devices/{plug}/rules/away",
        data={"start": "18:00", "end": "23:00", "day": ["sat", "sun"], "view": "page"},
        headers=JSON,
    )
    assert away.status_code == 200, away.text
    [rule] = smart_rules(local_cloud, "Coffee machine", "antitheft")
    assert (rule["s_min"], rule["e_min"], rule["week_day"]) == (1080, 1380, 0b1000001)
    assert "18:00–23:00, weekends" in text_of(away.json()["html"])
