"""Rooms and scenes on the main screen in a real browser, at desktop (1280) and phone (390) widths.

Rooms are written where ``kasacloud group`` keeps them (``home.json`` in the config dir, through
the library's :class:`~kasacloud.client.home.HomeStore`); what a person then does (all on, all off,
save a scene, apply it) is checked on the page and on the simulated devices. Every screen is
checked with axe-core (no serious or critical violation) and must not scroll sideways.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import assert_accessible, assert_fits
from playwright.sync_api import expect
from web_helpers import DEMO_EMAIL, device_id, relay, sign_in

from kasacloud.client.home import HOME_FILE, Home, HomeStore, account_key
from kasacloud.server import LocalCloud

pytestmark = pytest.mark.browser


def make_rooms(cloud: LocalCloud, rooms: dict[str, list[str]]) -> None:
    """Rooms as ``kasacloud group add`` keeps them, for the demo account."""
    store = HomeStore(Path(os.environ["KASACLOUD_CONFIG_DIR"]) / HOME_FILE)
    home = Home(
        groups={name: [device_id(cloud, a) for a in aliases] for name, aliases in rooms.items()}
    )
    store.save(account_key(cloud.url, DEMO_EMAIL), home)


def power(page: Any, name: str) -> Any:
    return page.get_by_role("switch", name=f"{name}: Power")


def test_rooms_all_on_and_all_off(screen, dashboard, local_cloud):
    page = screen
    make_rooms(local_cloud, {"Kitchen": ["Kettle", "Fridge"], "Bedroom": ["Reading light"]})
    sign_in(page, dashboard.url)
    headings = page.locator("section.room h2")
    expect(headings).to_have_count(3)
    expect(headings.nth(0)).to_contain_text("Bedroom")
    expect(headings.nth(1)).to_contain_text("Kitchen")
    expect(headings.nth(2)).to_contain_text("Other devices")
    kitchen = page.locator('section[data-room="Kitchen"]')
    expect(kitchen.get_by_role("heading", name="Kettle")).to_be_visible()
    assert_fits(page)
    assert_accessible(page)

    with page.expect_response(lambda r: "/api/rooms/power" in r.url and r.ok):
        page.get_by_role("button", name="All off in Kitchen").click()
    expect(power(page, "Kettle")).to_have_attribute("aria-checked", "false")
    expect(power(page, "Fridge")).to_have_attribute("aria-checked", "false")
    expect(page.locator("#messages")).to_contain_text("Kitchen: 2 devices off.")
    assert (relay(local_cloud, "Kettle"), relay(local_cloud, "Fridge")) == (0, 0)
    hall = relay(local_cloud, "Hall lamp")

    with page.expect_response(lambda r: "/api/rooms/power" in r.url and r.ok):
        page.get_by_role("button", name="All on in Kitchen").click()
    expect(power(page, "Kettle")).to_have_attribute("aria-checked", "true")
    expect(power(page, "Fridge")).to_have_attribute("aria-checked", "true")
    assert (relay(local_cloud, "Kettle"), relay(local_cloud, "Fridge")) == (1, 1)
    assert relay(local_cloud, "Hall lamp") == hall  # another room's device is left alone


def test_save_a_scene_and_apply_it(screen, dashboard, local_cloud):
    page = screen
    make_rooms(local_cloud, {"Kitchen": ["Kettle"]})
    sign_in(page, dashboard.url)
    saved_state = relay(local_cloud, "Kettle")
    scenes = page.locator("section.scenes")
    expect(scenes).to_contain_text("No scenes yet")
    scenes.get_by_text("Save a scene").click()
    scenes.get_by_label("Scene name").fill("Movie night")
    scenes.get_by_role("checkbox", name="Kettle", exact=True).check()
    scenes.get_by_role("checkbox", name="Hall lamp", exact=True).check()
    expect(scenes.get_by_role("checkbox", name="Garage plug (offline)")).to_be_disabled()
    assert_fits(page)
    assert_accessible(page)  # the open form, its labels and its fieldset
    scenes.get_by_role("button", name="Save the scene").click()
    expect(page.locator("#messages")).to_contain_text("Scene “Movie night” saved: 2 devices.")
    apply = page.get_by_role("button", name="Apply the scene Movie night")
    expect(apply).to_be_visible()
    assert_accessible(page)

    power(page, "Kettle").click()  # change it, then let the scene put it back
    expect(power(page, "Kettle")).to_have_attribute(
        "aria-checked", "false" if saved_state else "true"
    )
    assert relay(local_cloud, "Kettle") != saved_state
    with page.expect_response(lambda r: "/api/scenes/apply" in r.url and r.ok):
        apply.click()
    expect(power(page, "Kettle")).to_have_attribute(
        "aria-checked", "true" if saved_state else "false"
    )
    expect(page.locator("#messages")).to_contain_text("Scene “Movie night”: 2 devices set.")
    assert relay(local_cloud, "Kettle") == saved_state

    page.get_by_role("button", name="Delete the scene Movie night").click()
    expect(page.locator("#messages")).to_contain_text("Scene “Movie night” deleted.")
    expect(page.get_by_role("button", name="Apply the scene Movie night")).to_have_count(0)


def test_recorded_history_is_offered_on_the_energy_page(screen, dashboard, local_cloud):
    import datetime as dt

    from kasacloud.agent.config import default_history_path
    from kasacloud.agent.history import Meter, SqliteHistory

    page = screen
    kettle = device_id(local_cloud, "Kettle")
    store = SqliteHistory(default_history_path())
    try:
        start = dt.date(2025, 1, 1)
        store.record_days(
            Meter(kettle, "Kettle"), [(start + dt.timedelta(days=n), 0.1 * n) for n in range(90)]
        )
        store.record_months(Meter(kettle, "Kettle"), [(2025, 1, 46.5), (2025, 2, 124.6)])
    finally:
        store.close()
    sign_in(page, dashboard.url)
    page.goto(f"{dashboard.url}devices/{kettle}/energy")
    page.get_by_label("Days of").select_option(label="Recorded history (1 Jan 2025 – 31 Mar 2025)")
    page.get_by_label("Months of").select_option(value="recorded")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="Recorded history, days")).to_be_visible()
    expect(page.get_by_role("heading", name="Recorded history, months")).to_be_visible()
    expect(page.locator('[data-chart="days"] rect.bar')).to_have_count(90)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV of Recorded history, days").click()
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert lines[0] == "date,energy_kwh"
    assert lines[1:3] == ["2025-01-01,0.000", "2025-01-02,0.100"]
    assert len(lines) == 91
    assert_fits(page)
    assert_accessible(page)
