"""Helpers for the dashboard's tests: the browser's settings, screen sizes, signing in, and
reading the simulated devices behind the dashboard."""

from __future__ import annotations

import os
import re
from typing import Any

from kasacloud.server import LocalCloud

CHROMIUM = os.environ.get("KASACLOUD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}
# Long enough for a slow CI machine; no test waits for it unless something is broken.
EXPECT_TIMEOUT_MS = 15_000


def sign_in(page: Any, url: str, email: str = DEMO_EMAIL, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the form, as a person would."""
    from playwright.sync_api import expect

    page.goto(url)
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your devices")).to_be_visible()


DEMO = {"email": DEMO_EMAIL, "password": DEMO_PASSWORD}
"""The demo account, as the sign-in form's fields."""
JSON = {"Accept": "application/json"}
"""Headers that ask the dashboard for JSON rather than a page."""


def csrf_of(html: str) -> str:
    """The CSRF token of a page's forms."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def device_id(cloud: LocalCloud, alias: str) -> str:
    """The id of the simulated device called ``alias``."""
    for candidate in cloud.device_ids():
        if cloud.device(candidate).cloud_info()["alias"] == alias:
            return candidate
    raise KeyError(alias)


def sysinfo(cloud: LocalCloud, alias: str) -> dict[str, Any]:
    """What the simulated device itself says (not what the dashboard shows)."""
    device: Any = cloud.device(device_id(cloud, alias))
    info: dict[str, Any] = device.handle({"system": {"get_sysinfo": None}})["system"]["get_sysinfo"]
    return info


def relay(cloud: LocalCloud, alias: str) -> int:
    """The simulated device's relay state (1: on)."""
    return int(sysinfo(cloud, alias)["relay_state"])
