"""The device page and the energy page in a real browser, at desktop (1280) and phone (390) widths.

What a person does (open a device, switch its LED, add and remove a schedule, rename it, reboot
it, pick an energy period, download the CSV) and what the simulated device really did. Every page
is checked with axe-core (bundled by the axe-playwright-python package): no serious or critical
violation.
"""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import assert_accessible, assert_fits
from playwright.sync_api import expect
from web_helpers import device_id, sign_in

from kasacloud.server import LocalCloud

pytestmark = pytest.mark.browser


def ask(cloud: LocalCloud, alias: str, module: str, method: str) -> dict[str, Any]:
    device: Any = cloud.device(device_id(cloud, alias))
    return device.handle({module: {method: None}})[module][method]


def open_device(page: Any, name: str) -> None:
    tile = page.locator("article.tile").filter(
        has=page.get_by_role("heading", name=name, exact=True)
    )
    tile.get_by_role("link", name=f"Details of {name}").click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()


def test_device_page_led_schedule_rename_reboot(screen, dashboard, local_cloud):
    page = screen
    sign_in(page, dashboard.url)
    open_device(page, "Hall lamp")
    assert_fits(page)
    for text in ("HS103(US)", "Firmware", "MAC address", "Signal strength", "Region"):
        expect(page.get_by_text(text, exact=False).first).to_be_visible()

    led = page.get_by_role("switch", name="Hall lamp: Status LED")
    expect(led).to_have_attribute("aria-checked", "true")
    led.click()
    expect(led).to_have_attribute("aria-checked", "false")
    assert ask(local_cloud, "Hall lamp", "system", "get_sysinfo")["led_off"] == 1

    schedules = page.locator('[data-rules="schedule"]')
    schedules.get_by_text("Add a schedule").click()
    form = schedules.locator("details.rule-add form")
    form.get_by_label("Time").fill("06:45")
    form.get_by_label("Turn off").check()
    form.get_by_label("Sun").uncheck()
    form.get_by_label("Sat").uncheck()
    form.get_by_label("Name (optional)").fill("Morning")
    with page.expect_response(lambda r: "/rules/schedule" in r.url and r.ok):
        form.get_by_role("button", name="Add").click()
    rule = page.locator('[data-rules="schedule"] li.rule')
    expect(rule).to_contain_text("Morning: Turn off, 06:45, weekdays")
    expect(rule).to_contain_text("Next:")
    expect(page.get_by_role("status").or_(page.locator("#messages"))).to_contain_text(
        "Schedule added."
    )
    [wire] = ask(local_cloud, "Hall lamp", "schedule", "get_rules")["rule_list"]
    assert (wire["smin"], wire["sact"], wire["wday"]) == (405, 0, [0, 1, 1, 1, 1, 1, 0])

    rule.get_by_role("button", name="Disable Morning").click()
    expect(rule.get_by_role("button", name="Enable Morning")).to_be_visible()
    assert ask(local_cloud, "Hall lamp", "schedule", "get_rules")["rule_list"][0]["enable"] == 0
    rule.get_by_role("button", name="Delete Morning").click()
    expect(page.locator('[data-rules="schedule"]')).to_contain_text("None yet.")
    assert ask(local_cloud, "Hall lamp", "schedule", "get_rules")["rule_list"] == []

    name = page.get_by_label("New name")
    name.fill("Kettle")
    page.get_by_role("button", name="Rename").click()
    expect(page.get_by_role("alert")).to_contain_text("Another device is already called “Kettle”")
    assert ask(local_cloud, "Hall lamp", "system", "get_sysinfo")["alias"] == "Hall lamp"
    page.get_by_label("New name").fill("Hallway")
    page.get_by_role("button", name="Rename").click()
    expect(page.get_by_role("heading", name="Hallway", level=1)).to_be_visible()
    assert ask(local_cloud, "Hallway", "system", "get_sysinfo")["alias"] == "Hallway"
    assert_accessible(page)

    page.get_by_role("link", name="Reboot…").click()
    expect(page.get_by_role("heading", name="Reboot “Hallway”?")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Reboot now").click()
    expect(page.get_by_text("“Hallway” is rebooting")).to_be_visible()


def test_a_timer_counts_down_on_the_page(screen, dashboard, local_cloud):
    page = screen
    sign_in(page, dashboard.url)
    open_device(page, "Kettle")
    timer = page.locator('[data-rules="countdown"]')
    timer.get_by_text("Set a timer").click()
    timer.get_by_label("After (minutes)").fill("45")
    timer.get_by_label("Turn off").check()
    timer.get_by_role("button", name="Start the timer").click()
    # The simulated clock runs on while the page loads: a second may already have gone.
    expect(timer.locator("li.rule")).to_contain_text(
        re.compile(r"Time left: (45 min|44 min \d+ s)")
    )
    local_cloud.clock.advance(15 * 60)
    page.reload()
    expect(page.locator('[data-rules="countdown"] li.rule')).to_contain_text(
        re.compile(r"Time left: (30 min|29 min \d+ s)")
    )


def test_energy_page_period_totals_csv_and_readable_charts(screen, dashboard, local_cloud):
    page = screen
    sign_in(page, dashboard.url)
    page.goto(dashboard.url + f"devices/{device_id(local_cloud, 'Kettle')}/energy")
    expect(page.get_by_role("heading", name="Energy: Kettle")).to_be_visible()
    assert_fits(page)
    # Axis text renders at 10-16 CSS px whatever the width (the SVG scales; its text must not).
    sizes = page.eval_on_selector_all(
        "svg.chart text",
        "els => els.map(t => parseFloat(getComputedStyle(t).fontSize)"
        " * t.ownerSVGElement.getScreenCTM().a)",
    )
    assert sizes
    assert 10 <= min(sizes) <= max(sizes) <= 16, (page.size_name, min(sizes), max(sizes))
    # Ticks at round values (1, 2 or 5 times a power of ten), day labels that say the month.
    ticks = [
        float(t)
        for t in page.locator('svg[data-chart="days"] text[text-anchor="end"]').all_text_contents()
    ]
    step = ticks[1] - ticks[0]
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert round(mantissa, 6) in {1.0, 2.0, 5.0}, ticks
    labels = page.locator('svg[data-chart="days"] text[text-anchor="middle"]').all_text_contents()
    assert all(re.fullmatch(r"\d{1,2} [A-Z][a-z]{2}", label) for label in labels), labels
    assert_accessible(page)

    # Choose the days of last month: the chart and its total follow.
    choice = page.get_by_label("Days of")
    options = choice.locator("option").all_inner_texts()
    choice.select_option(label=options[2])
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name=re.compile(re.escape(options[2])))).to_be_visible()
    days = page.locator('svg[data-chart="days"] rect.bar')
    assert 28 <= days.count() <= 31
    with page.expect_download() as download_info:
        page.get_by_role("link", name=f"Download CSV of {options[2]}").click()
    download = download_info.value
    assert download.suggested_filename.startswith("kettle-energy-")
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert rows[0] == ["date", "energy_kwh"]
    assert len(rows) - 1 == days.count()
    total = float(page.locator('[data-total="days"]').inner_text().split()[0])
    assert sum(float(r[1]) for r in rows[1:]) == pytest.approx(total, abs=0.05)  # shown rounded


def test_white_mode_shows_no_stale_colour(page, dashboard, local_cloud):
    sign_in(page, dashboard.url)
    bulb = page.locator("article.tile").filter(
        has=page.get_by_role("heading", name="Living room bulb", exact=True)
    )
    colour = bulb.get_by_label("Colour", exact=True)
    with page.expect_response(lambda r: r.url.endswith("/light") and r.ok):
        colour.fill("#00ff00")
    expect(colour).to_have_attribute("data-in-use", "true")
    expect(colour).to_have_value("#00ff00")
    with page.expect_response(lambda r: r.url.endswith("/light") and r.ok):
        bulb.get_by_label("Colour temperature").fill("4000")
    # White now: the swatch no longer shows the old green.
    expect(colour).to_have_attribute("data-in-use", "false")
    expect(colour).not_to_have_value("#00ff00")
    expect(bulb.get_by_text("Not in use: the light shows white")).to_be_visible()


def test_the_device_page_follows_changes_made_elsewhere(page, dashboard, local_cloud):
    sign_in(page, dashboard.url)
    open_device(page, "Fridge")
    page.evaluate("window.__sameDocument = true")
    switch = page.get_by_role("switch", name="Fridge: Power")
    expect(switch).to_have_attribute("aria-checked", "true")
    fridge: Any = local_cloud.device(device_id(local_cloud, "Fridge"))
    fridge.handle({"system": {"set_relay_state": {"state": 0}}})
    expect(switch).to_have_attribute("aria-checked", "false")
    assert page.evaluate("window.__sameDocument") is True


def test_no_serious_accessibility_violation_on_any_page(screen, dashboard, local_cloud):
    page = screen
    page.goto(dashboard.url + "signin")
    assert_accessible(page)
    sign_in(page, dashboard.url)
    assert_accessible(page)
    strip = device_id(local_cloud, "Office strip")
    pages = [
        f"devices/{device_id(local_cloud, 'Living room bulb')}",
        f"devices/{device_id(local_cloud, 'Dining dimmer')}",
        f"devices/{strip}",
        f"devices/{device_id(local_cloud, 'Garage plug')}",
        f"devices/{device_id(local_cloud, 'Office strip')}/energy",
        "devices/0000000000000000000000000000000000000000",
    ]
    for path in pages:
        page.goto(dashboard.url + path)
        expect(page.locator("h1")).to_be_visible()
        assert_fits(page)
        assert_accessible(page)
    # An outlet's own page, reached from its strip's.
    page.goto(dashboard.url + f"devices/{strip}")
    outlet = page.get_by_role("link", name=re.compile(r"^Details of ")).first
    outlet.click()
    expect(page.get_by_role("link", name="Office strip")).to_be_visible()
    assert_accessible(page)
    page.goto(dashboard.url + "devices/0000000000000000000000000000000000000000")
    expect(page.get_by_role("heading", name="No such device")).to_be_visible()


def test_light_outlet_edit_and_away_controls_of_the_device_page(screen, dashboard, local_cloud):
    page = screen
    sign_in(page, dashboard.url)
    open_device(page, "Living room bulb")
    with page.expect_response(lambda r: r.url.endswith("/light") and r.ok):
        page.get_by_label("Brightness").fill("35")
    light = "smartlife.iot.smartbulb.lightingservice"
    assert ask(local_cloud, "Living room bulb", light, "get_light_state")["brightness"] == 35
    expect(page.locator("table.features")).to_contain_text("35%")

    # An outlet has its own page, with its own switch and rules.
    page.goto(dashboard.url + f"devices/{device_id(local_cloud, 'Office strip')}")
    page.get_by_role("link", name=re.compile(r"^Details of ")).nth(1).click()
    expect(page.get_by_role("link", name="Office strip")).to_be_visible()
    switch = page.get_by_role("switch", name=re.compile(r": Power$"))
    before = switch.get_attribute("aria-checked")
    switch.click()
    expect(switch).not_to_have_attribute("aria-checked", before)
    children = ask(local_cloud, "Office strip", "system", "get_sysinfo")["children"]
    assert children[1]["state"] == (0 if before == "true" else 1)
    assert_accessible(page)

    # A schedule of the outlet through its form, then edited.
    schedules = page.locator('[data-rules="schedule"]')
    schedules.get_by_text("Add a schedule").click()
    schedules.locator("details.rule-add").get_by_label("Time").fill("19:00")
    schedules.locator("details.rule-add").get_by_role("button", name="Add").click()
    rule = page.locator('[data-rules="schedule"] li.rule')
    expect(rule).to_contain_text("Schedule: Turn on, 19:00, every day")
    rule.get_by_text("Edit").click()
    rule.get_by_label("Time").fill("21:15")
    rule.get_by_label("Turn off").check()
    rule.get_by_role("button", name="Save").click()
    expect(page.locator('[data-rules="schedule"] li.rule')).to_contain_text("Turn off, 21:15")
    strip_rules = ask(local_cloud, "Office strip", "schedule", "get_rules")["rule_list"]
    assert strip_rules == [], "the rule is the outlet's (sent with its context), not the strip's"


def test_energy_months_of_a_year(page, dashboard, local_cloud):
    sign_in(page, dashboard.url)
    page.goto(dashboard.url + f"devices/{device_id(local_cloud, 'Kettle')}/energy")
    year = page.get_by_label("Months of").locator("option").nth(1).inner_text()
    page.get_by_label("Months of").select_option(label=year)
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name=re.compile(rf"^{year}"))).to_be_visible()
    bars = page.locator('svg[data-chart="months"] rect.bar')
    assert 1 <= bars.count() <= 12
    labels = page.locator('svg[data-chart="months"] text[text-anchor="middle"]')
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    shown = labels.all_text_contents()
    assert shown
    assert all(label in months for label in shown)
    assert months.index(shown[0]) <= 1  # January (or, when every other is labelled, February)
