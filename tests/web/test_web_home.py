"""Rooms, scenes, the shared energy price and the recorded history, over plain HTTP.

The real dashboard on a free loopback port, signed in to a real local cloud (demo house), and the
real ``kasacloud`` command (in-process, click's runner) on the same config dir: a room or a scene
made on one side is used on the other. What the simulated devices did is read from them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from web_helpers import DEMO, JSON, csrf_of, device_id, relay, sysinfo

from kasacloud.agent.config import default_history_path
from kasacloud.agent.history import Meter, SqliteHistory
from kasacloud.cli.main import cli
from kasacloud.client.home import account_key
from kasacloud.server import LocalCloud
from kasacloud.web import DashboardServer


@pytest.fixture
def kc(local_cloud: LocalCloud, own_dirs: Path) -> Any:
    """``kasacloud ...`` on the test's config dir (the one the dashboard reads), signed in."""

    def run(*args: str, code: int = 0) -> Any:
        result = CliRunner().invoke(
            cli,
            ["--json", *args],
            env={"KASACLOUD_CONFIG_DIR": str(own_dirs / "config"), "KASA_PASSWORD": None},
            catch_exceptions=False,
        )
        assert result.exit_code == code, (args, result.stdout, result.stderr)
        return json.loads(result.stdout) if result.stdout.strip() else None

    login = CliRunner().invoke(
        cli,
        ["--cloud", local_cloud.url, "login"],
        input=f"{DEMO['email']}\n{DEMO['password']}\n",
        env={"KASACLOUD_CONFIG_DIR": str(own_dirs / "config")},
        catch_exceptions=False,
    )
    assert login.exit_code == 0, login.stderr
    return run


def light_state(cloud: LocalCloud, alias: str) -> dict[str, Any]:
    state = sysinfo(cloud, alias)["light_state"]
    return state if state.get("on_off") else {**state, **state.get("dft_on_state", {})}


def sections(html: str) -> list[str]:
    return re.findall(r'<h2 id="room-\d+">([^<]+?) <span class="count">', html)


def test_rooms_made_in_the_cli_and_all_on_all_off(http, kc, local_cloud):
    kc("group", "add", "Kitchen", "Kettle", "Fridge")
    kc("group", "add", "Bedroom", "Reading light")
    page = http.get("/")
    assert page.status_code == 200
    assert sections(page.text) == ["Bedroom", "Kitchen", "Other devices"]
    other = page.text.split('data-room="*"')[1]
    assert "Hall lamp" in other
    assert "Kettle" not in other

    hall_before = relay(local_cloud, "Hall lamp")
    on = http.post("/api/rooms/power", data={"room": "kitchen", "on": "true"}, headers=JSON)
    assert on.status_code == 200, on.text
    assert on.json()["message"] == "Kitchen: 2 devices on."
    assert len(on.json()["tiles"]) == 2
    assert (relay(local_cloud, "Kettle"), relay(local_cloud, "Fridge")) == (1, 1)
    off = http.post("/api/rooms/power", data={"room": "Kitchen", "on": "false"}, headers=JSON)
    assert off.status_code == 200, off.text
    assert (relay(local_cloud, "Kettle"), relay(local_cloud, "Fridge")) == (0, 0)
    assert all('aria-checked="false"' in tile for tile in off.json()["tiles"])
    assert relay(local_cloud, "Hall lamp") == hall_before  # not in the room

    # The CLI's change shows on the next page load: the room lost a device.
    kc("group", "remove", "Kitchen", "Fridge")
    assert "Fridge" in http.get("/").text.split('data-room="*"')[1]


def test_other_devices_all_off_and_an_offline_device_is_named(http, kc, local_cloud):
    kc("group", "add", "Kitchen", "Kettle")
    kc("on", "Hall lamp", "Fridge")
    answer = http.post("/api/rooms/power", data={"room": "*", "on": "false"}, headers=JSON)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    # The demo house's garage plug is unplugged: the others are switched, and it is named.
    assert "Garage plug" in body["error"]
    assert "offline" in body["error"]
    assert (relay(local_cloud, "Hall lamp"), relay(local_cloud, "Fridge")) == (0, 0)
    plain = http.post("/api/rooms/power", data={"room": "*", "on": "true"})
    assert plain.status_code == 303  # a plain form lands back on the page, with the messages
    assert "devices on" in http.get("/").text
    assert relay(local_cloud, "Hall lamp") == 1


def test_a_scene_saved_in_the_dashboard_is_the_clis_and_back(http, kc, local_cloud):
    bulb = device_id(local_cloud, "Living room bulb")
    kettle = device_id(local_cloud, "Kettle")
    kc("on", "Kettle", "Living room bulb")
    kc("light", "Living room bulb", "--brightness", "30")
    saved = http.post("/api/scenes", data={"name": "Evening", "device": [bulb, kettle]})
    assert saved.status_code == 303
    page = http.get("/").text
    assert "Scene “Evening” saved: 2 devices." in page
    assert 'data-scene="Evening"' in page
    shown = kc("scene", "show", "Evening")
    states = {row["device"]["alias"]: row for row in shown["devices"]}
    assert states["Kettle"]["is_on"] is True
    assert states["Living room bulb"]["brightness"] == 30

    kc("off", "Kettle")
    kc("light", "Living room bulb", "--brightness", "80")
    applied = http.post("/api/scenes/apply", data={"scene": "evening"}, headers=JSON)
    assert applied.status_code == 200, applied.text
    assert applied.json()["message"] == "Scene “Evening”: 2 devices set."
    assert relay(local_cloud, "Kettle") == 1
    assert light_state(local_cloud, "Living room bulb")["brightness"] == 30

    kc("scene", "save", "Night", "Kettle")  # the other way: the CLI's scene, on the page
    kc("on", "Kettle")
    assert 'data-scene="Night"' in http.get("/").text
    night = http.post("/api/scenes/apply", data={"scene": "Night"}, headers=JSON)
    assert night.status_code == 200, night.text
    assert relay(local_cloud, "Kettle") == 1  # saved while on

    deleted = http.post("/api/scenes/delete", data={"scene": "Evening"}, headers=JSON)
    assert deleted.status_code == 200
    assert [s["name"] for s in kc("scene", "list")["scenes"]] == ["Night"]


@pytest.mark.parametrize(
    ("path", "form", "status", "sentence"),
    [
        ("/api/rooms/power", {"room": "Attic", "on": "true"}, 409, "There is no room “Attic”"),
        ("/api/rooms/power", {"room": "Kitchen", "on": "maybe"}, 400, "on or off"),
        ("/api/rooms/power", {"on": "true"}, 400, "the room's name"),
        ("/api/scenes", {"name": "!!", "device": "x"}, 400, "cannot be a scene name"),
        ("/api/scenes", {"name": "Empty"}, 400, "at least one device"),
        ("/api/scenes", {"name": "Gone", "device": "NOSUCH"}, 409, "no longer on this account"),
        ("/api/scenes", {"name": "Garage", "device": "@garage"}, 409, "is offline"),
        ("/api/scenes/apply", {"scene": "Nope"}, 409, "There is no scene “Nope”"),
        ("/api/scenes/delete", {}, 400, "the scene's name"),
    ],
)
def test_bad_input_is_a_sentence(http, kc, local_cloud, path, form, status, sentence):
    kc("group", "add", "Kitchen", "Kettle")
    if form.get("device") == "@garage":
        form = {**form, "device": device_id(local_cloud, "Garage plug")}
    answer = http.post(path, data=form, headers=JSON)
    assert answer.status_code == status, answer.text
    assert sentence in answer.json()["error"]


def test_home_forms_need_the_csrf_token(http, kc):
    kc("group", "add", "Kitchen", "Kettle")
    del http.headers["X-CSRF-Token"]
    for path in ("/api/rooms/power", "/api/scenes", "/api/scenes/apply", "/api/scenes/delete"):
        answer = http.post(path, data={"room": "Kitchen", "on": "true"}, headers=JSON)
        assert answer.status_code == 403, path


def test_a_scene_of_an_outlet_and_a_room_of_an_outlet(http, kc, local_cloud):
    strip = device_id(local_cloud, "TV strip")
    outlet = f"{strip}01"
    saved = http.post("/api/scenes", data={"name": "TV", "device": outlet}, headers=JSON)
    assert saved.status_code == 200, saved.text
    [state] = kc("scene", "show", "TV")["devices"]
    assert state["device"]["id"] == outlet


def test_an_unreadable_home_file_is_a_message_not_a_crash(http, own_dirs, local_cloud):
    home = own_dirs / "config" / "home.json"
    home.parent.mkdir(parents=True, exist_ok=True)
    home.write_text("{not json", encoding="utf-8")
    page = http.get("/")
    assert page.status_code == 200
    assert "Rooms and scenes are not available" in page.text
    answer = http.post("/api/scenes/apply", data={"scene": "x"}, headers=JSON)
    assert answer.status_code == 409
    assert "cannot read" in answer.json()["error"]
    key = account_key(local_cloud.url, DEMO["email"])  # valid JSON of the wrong shape
    home.write_text(
        json.dumps({"version": 1, "accounts": {key: {"groups": ["not", "a", "dict"]}}}),
        encoding="utf-8",
    )
    page = http.get("/")
    assert page.status_code == 200
    assert "is not a kasacloud home file" in page.text


# -- the price the CLI keeps -------------------------------------------------------------------


def test_the_price_from_kasacloud_price_gives_costs(http, kc, local_cloud):
    kettle = device_id(local_cloud, "Kettle")
    kc("price", "0.5", "--currency", "EUR")
    api = http.get(f"/api/devices/{kettle}/energy", params={"period": "days"}).json()
    assert api["price_per_kwh"] == 0.5
    assert api["currency"] == "EUR"
    assert api["cost"] == pytest.approx(api["total_kwh"] * 0.5, abs=1e-3)
    page = http.get(f"/devices/{kettle}/energy").text
    assert "price 0.5 EUR per kWh" in page
    rows = list(csv.reader(io.StringIO(http.get(f"/devices/{kettle}/energy.csv").text)))
    assert rows[0] == ["date", "energy_kwh", "cost_EUR"]
    kc("price", "--clear")
    assert "price_per_kwh" not in http.get(f"/api/devices/{kettle}/energy").json()


def test_an_explicit_price_overrides_the_shared_one(local_cloud, kc):
    kc("price", "0.5", "--currency", "EUR")
    kettle = device_id(local_cloud, "Kettle")
    with (
        DashboardServer(local_cloud.url, price_per_kwh=0.25, currency="USD") as dashboard,
        httpx.Client(base_url=dashboard.url, timeout=30) as client,
    ):
        token = csrf_of(client.get("/signin").text)
        client.post("/signin", data={**DEMO, "csrf_token": token})
        api = client.get(f"/api/devices/{kettle}/energy").json()
    assert (api["price_per_kwh"], api["currency"]) == (0.25, "USD")


# -- the agent's recorded history --------------------------------------------------------------


def _record(meter_id: str, alias: str, days: dict[dt.date, float]) -> Path:
    """Days in the agent's own store, at the default path the agent writes and export reads."""
    path = default_history_path()
    store = SqliteHistory(path)
    try:
        store.record_days(Meter(meter_id, alias), days.items())
        months: dict[tuple[int, int], float] = {}
        for day, kwh in days.items():
            months[(day.year, day.month)] = months.get((day.year, day.month), 0.0) + kwh
        store.record_months(Meter(meter_id, alias), [(y, m, k) for (y, m), k in months.items()])
    finally:
        store.close()
    return path


def test_recorded_history_is_a_period_with_its_chart_and_csv(http, local_cloud):
    kettle = device_id(local_cloud, "Kettle")
    assert "Recorded history" not in http.get(f"/devices/{kettle}/energy").text
    missing = http.get(
        f"/api/devices/{kettle}/energy", params={"period": "days", "month": "recorded"}
    )
    assert missing.status_code == 409
    assert "kasacloud agent" in missing.json()["error"]

    start = dt.date(2025, 1, 30)
    days = {start: 1.5, start + dt.timedelta(days=2): 2.25, dt.date(2025, 3, 1): 0.5}
    _record(kettle, "Kettle", days)
    page = http.get(f"/devices/{kettle}/energy")
    assert "Recorded history (30 Jan 2025 – 1 Mar 2025)" in page.text
    chart = http.get(f"/devices/{kettle}/energy", params={"month": "recorded", "year": "recorded"})
    assert chart.status_code == 200, chart.text
    assert "Recorded history, days (30 Jan 2025 – 1 Mar 2025)" in chart.text
    assert "Recorded history, months (Jan 2025 – Mar 2025)" in chart.text
    assert "month=recorded" in chart.text
    assert "year=recorded" in chart.text

    api = http.get(
        f"/api/devices/{kettle}/energy", params={"period": "days", "month": "recorded"}
    ).json()
    assert api["shown"] == "recorded"
    assert len(api["points"]) == 31  # 30 Jan to 1 Mar, the days between counted as 0
    assert api["total_kwh"] == pytest.approx(4.25)
    response = http.get(
        f"/devices/{kettle}/energy.csv", params={"period": "months", "year": "recorded"}
    )
    assert response.status_code == 200
    assert "kettle-energy-recorded-months.csv" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows == [
        ["month", "energy_kwh"],
        ["2025-01", "1.500"],
        ["2025-02", "2.250"],
        ["2025-03", "0.500"],
    ]


def test_a_strips_recorded_history_is_its_outlets_sum(http, local_cloud):
    strip = device_id(local_cloud, "Office strip")
    day = dt.date(2025, 6, 1)
    _record(f"{strip}00", "Office strip / 1", {day: 1.0})
    _record(f"{strip}01", "Office strip / 2", {day: 0.25})
    api = http.get(
        f"/api/devices/{strip}/energy", params={"period": "days", "month": "recorded"}
    ).json()
    assert api["points"] == [{"key": "2025-06-01", "energy_kwh": 1.25}]


# -- the dashboard's own server: a connection cap ------------------------------------------


def test_kasacloud_web_caps_its_connections(local_cloud):
    # uvicorn counts open connections, the one being answered included: 2 lets one in at a time.
    with DashboardServer(local_cloud.url, max_connections=2) as dashboard:
        host, port = dashboard.url.split("//")[1].rstrip("/").split(":")
        with socket.create_connection((host, int(port))) as idle:
            # One connection open and silent: the next request is over the cap.
            idle.sendall(b"GET /signin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert idle.recv(12).startswith(b"HTTP/1.1 200")
            over = httpx.get(dashboard.url + "signin", timeout=30)
    assert over.status_code == 503


def test_kasacloud_web_closes_a_connection_whose_headers_never_end(dashboard):
    host, port = dashboard.url.split("//")[1].rstrip("/").split(":")
    with socket.create_connection((host, int(port)), timeout=60) as slow:
        slow.sendall(b"GET /signin HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half: ")
        # The server's read deadline (10 s for the headers) closes it: recv sees the end.
        assert slow.recv(1024) == b""
