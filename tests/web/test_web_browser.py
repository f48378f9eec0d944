"""The dashboard in a real browser (Debian's Chromium through Playwright) against the real servers.

Each test starts a fresh local cloud (the demo house) and the dashboard, and checks what a person
sees and what the cloud's devices really did. No sleeps: Playwright's ``expect`` waits for the
page, and the checks of the devices wait for the dashboard's answer to arrive first.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect
from web_helpers import PHONE, device_id, sign_in, sysinfo

from kasacloud.server import LocalCloud
from kasacloud.web import DashboardServer

pytestmark = pytest.mark.browser

LIGHTING = "smartlife.iot.smartbulb.lightingservice"


def light_state(cloud: LocalCloud, alias: str) -> dict[str, Any]:
    device: Any = cloud.device(device_id(cloud, alias))
    return device.handle({LIGHTING: {"get_light_state": None}})[LIGHTING]["get_light_state"]


def tile(page: Any, name: str) -> Any:
    return page.locator("article.tile").filter(
        has=page.get_by_role("heading", name=name, exact=True)
    )


def test_sign_in_shows_every_device_grouped(page, dashboard):
    page.goto(dashboard.url)
    expect(page).to_have_url(dashboard.url + "signin")
    sign_in(page, dashboard.url)
    for group in ("Lights", "Plugs", "Power strips", "Switches and dimmers"):
        expect(page.get_by_role("heading", name=group)).to_be_visible()
    lamp = tile(page, "Hall lamp")
    expect(lamp).to_contain_text("HS103(US)")
    expect(lamp.get_by_role("switch", name="Hall lamp: Power")).to_be_visible()
    # The demo's unplugged garage plug is shown as offline, with no controls.
    garage = tile(page, "Garage plug")
    expect(garage).to_contain_text("Offline")
    expect(garage.get_by_role("switch")).to_have_count(0)


def test_toggle_a_plug_switches_the_cloud_device(page, dashboard, local_cloud):
    sign_in(page, dashboard.url)
    assert sysinfo(local_cloud, "Hall lamp")["relay_state"] == 1
    switch = page.get_by_role("switch", name="Hall lamp: Power")
    expect(switch).to_have_attribute("aria-checked", "true")
    switch.click()
    expect(switch).to_have_attribute("aria-checked", "false")
    expect(tile(page, "Hall lamp").locator("[data-state]")).to_have_text("Off")
    assert sysinfo(local_cloud, "Hall lamp")["relay_state"] == 0


def test_switch_one_outlet_of_a_strip(page, dashboard, local_cloud):
    sign_in(page, dashboard.url)
    before = [c["state"] for c in sysinfo(local_cloud, "Office strip")["children"]]
    assert before[1] == 1
    outlet = page.get_by_role("switch", name="Office strip, outlet Outlet 2: Outlet 2")
    outlet.click()
    expect(outlet).to_have_attribute("aria-checked", "false")
    after = [c["state"] for c in sysinfo(local_cloud, "Office strip")["children"]]
    assert after == [*before[:1], 0, *before[2:]]  # only that outlet moved


def test_set_a_bulbs_colour_brightness_and_temperature(page, dashboard, local_cloud):
    sign_in(page, dashboard.url)
    bulb = tile(page, "Living room bulb")
    temperature = bulb.locator('output[for^="temp-"]')
    mode = bulb.locator("[data-light-mode]")
    with page.expect_response(lambda r: r.url.endswith("/light") and r.ok):
        bulb.get_by_label("Colour", exact=True).fill("#00ff00")
    state = light_state(local_cloud, "Living room bulb")
    assert (state["hue"], state["saturation"], state["color_temp"]) == (120, 100, 0)
    # Showing a colour: the page says so, and does not claim a colour temperature.
    expect(mode).to_have_text("Colour")
    expect(temperature).to_have_text("—")
    expect(bulb.get_by_label("Colour temperature")).to_have_attribute(
        "aria-valuetext", "not in use, the light shows a colour"
    )

    with page.expect_response(lambda r: r.url.endswith("/light") and r.ok):
        bulb.get_by_label("Brightness").fill("30")
    assert light_state(local_cloud, "Living room bulb")["brightness"] == 30
    expect(bulb.locator('output[for^="brightness-"]')).to_have_text("30%")

    with page.expect_response(lambda r: r.url.endswith("/light") and r.ok):
        bulb.get_by_label("Colour temperature").fill("4000")
    assert light_state(local_cloud, "Living room bulb")["color_temp"] == 4000
    expect(temperature).to_have_text("4000 K")
    expect(mode).to_have_text("White, 4000 K")
    expect(bulb.get_by_label("Colour temperature")).not_to_have_attribute(
        "aria-valuetext", re.compile(".")
    )

    # Back to a colour: the temperature is shown as not in use again.
    with page.expect_response(lambda r: r.url.endswith("/light") and r.ok):
        bulb.get_by_label("Colour", exact=True).fill("#0000ff")
    expect(mode).to_have_text("Colour")
    expect(temperature).to_have_text("—")


def test_dimmer_brightness(page, dashboard, local_cloud):
    sign_in(page, dashboard.url)
    with page.expect_response(lambda r: r.url.endswith("/light") and r.ok):
        tile(page, "Dining dimmer").get_by_label("Brightness").fill("25")
    assert sysinfo(local_cloud, "Dining dimmer")["brightness"] == 25


def test_power_figure_updates_without_a_reload(page, dashboard, local_cloud):
    sign_in(page, dashboard.url)
    page.evaluate("window.__sameDocument = true")
    power = page.locator(f'[data-power="{device_id(local_cloud, "Fridge")}"]')
    first = power.inner_text()
    assert first.endswith(" W")
    # The simulated meter varies a little from one minute to the next: let minutes pass until
    # the figure on the page moves (almost always the first minute does).
    for attempt in range(5):
        local_cloud.clock.advance(60)
        try:
            expect(power).not_to_have_text(first, timeout=5_000)
            break
        except AssertionError:
            if attempt == 4:
                raise
    # And a plug switched on elsewhere (the Kasa app, a schedule) shows its power here.
    kettle: Any = local_cloud.device(device_id(local_cloud, "Kettle"))
    kettle.handle({"system": {"set_relay_state": {"state": 0}}})
    kettle_power = page.locator(f'[data-power="{device_id(local_cloud, "Kettle")}"]')
    expect(kettle_power).to_have_text("0.0 W")
    kettle.handle({"system": {"set_relay_state": {"state": 1}}})
    expect(kettle_power).not_to_have_text("0.0 W")
    expect(page.get_by_role("switch", name="Kettle: Power")).to_have_attribute(
        "aria-checked", "true"
    )
    assert page.evaluate("window.__sameDocument") is True  # no reload happened


def test_open_an_energy_chart(page, dashboard):
    sign_in(page, dashboard.url)
    tile(page, "Kettle").get_by_role("link", name="Energy history of Kettle").click()
    expect(page.get_by_role("heading", name="Energy: Kettle")).to_be_visible()
    days = page.locator('svg[data-chart="days"] rect.bar')
    months = page.locator('svg[data-chart="months"] rect.bar')
    expect(days).to_have_count(30)
    expect(months).to_have_count(12)
    heights = [
        float(h) for h in days.evaluate_all("bars => bars.map(b => b.getAttribute('height'))")
    ]
    assert max(heights) > 0  # the simulated kettle has a history
    page.get_by_text("Show as a table").first.click()
    expect(page.get_by_role("table").first).to_be_visible()
    # The strip's chart adds up its outlets.
    page.get_by_role("link", name="All devices").click()
    tile(page, "Office strip").get_by_role("link", name="Energy history of Office strip").click()
    expect(page.locator('svg[data-chart="months"] rect.bar')).to_have_count(12)


def test_sign_in_with_a_verification_code(page, dashboard, local_cloud):
    page.goto(dashboard.url)
    page.get_by_label("E-mail address").fill("mfa@example.com")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Enter the verification code")).to_be_visible()
    page.get_by_label("Verification code", exact=True).fill("000000x")
    page.get_by_role("button", name="Verify and sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("code is not right")
    code = local_cloud.mfa_codes("mfa@example.com")[-1]
    page.get_by_label("Verification code", exact=True).fill(code)
    page.get_by_role("button", name="Verify and sign in").click()
    expect(page.get_by_role("heading", name="Your devices")).to_be_visible()
    expect(page.get_by_text("mfa@example.com")).to_be_visible()


def test_errors_are_messages_a_person_understands(page, dashboard, local_cloud):
    page.goto(dashboard.url)
    page.get_by_label("E-mail address").fill("demo@example.com")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text(
        "The e-mail address or the password is not right. Check both and try again."
    )
    sign_in(page, dashboard.url)
    # The plug loses its connection after the page was drawn: the click says so, in words.
    local_cloud.set_online(device_id(local_cloud, "Hall lamp"), False)
    page.get_by_role("switch", name="Hall lamp: Power").click()
    expect(page.get_by_role("alert")).to_contain_text("“Hall lamp” is offline")
    expect(tile(page, "Hall lamp")).to_contain_text("Offline")


def test_keyboard_only(page, dashboard, local_cloud):
    page.goto(dashboard.url)
    page.keyboard.type("demo@example.com")  # the e-mail field has focus on arrival
    page.keyboard.press("Tab")
    page.keyboard.type("demo")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your devices")).to_be_visible()
    # Tab through the page until the plug's switch has focus, then press Space.
    switch = page.get_by_role("switch", name="Hall lamp: Power")
    for _ in range(80):
        page.keyboard.press("Tab")
        if switch.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("the switch cannot be reached with Tab")
    outline = switch.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none", "a focused control must show a focus ring"
    page.keyboard.press("Space")
    expect(switch).to_have_attribute("aria-checked", "false")
    expect(switch).to_be_focused()  # focus stays on the control after the tile is redrawn
    assert sysinfo(local_cloud, "Hall lamp")["relay_state"] == 0


def test_phone_sized_screen(browser, dashboard, local_cloud):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        sign_in(page, dashboard.url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], "the page scrolls sideways on a phone"
        tiles = page.locator("article.tile")
        boxes = [tiles.nth(i).bounding_box() for i in range(3)]
        assert len({round(b["x"]) for b in boxes}) == 1, "tiles stack in one column on a phone"
        switch = page.get_by_role("switch", name="Hall lamp: Power")
        box = switch.bounding_box()
        assert box["height"] >= 40, "touch targets are big enough for a finger"
        switch.tap()
        expect(switch).to_have_attribute("aria-checked", "false")
        assert sysinfo(local_cloud, "Hall lamp")["relay_state"] == 0
    finally:
        context.close()


def test_sign_out(page, dashboard):
    sign_in(page, dashboard.url)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.goto(dashboard.url)
    expect(page).to_have_url(dashboard.url + "signin")


def test_dashboard_server_fixture_is_loopback(dashboard: DashboardServer):
    assert dashboard.url.startswith("http://127.0.0.1:")
