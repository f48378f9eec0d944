"""Helpers for the dashboard's tests: the browser's settings, screen sizes, and signing in."""

from __future__ import annotations

import os
from typing import Any

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
