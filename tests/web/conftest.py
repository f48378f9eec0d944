"""Fixtures for the dashboard's tests: a real local cloud, the real dashboard, a real browser.

The browser is Debian's Chromium (``/usr/bin/chromium``) driven by Playwright; Playwright's own
browser download does not work on the machines this project is built on. Without Chromium a
developer's run skips the browser tests with the reason shown; a CI run (``CI=true``) fails them
instead, so that CI can never pass by skipping.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from web_helpers import CHROMIUM, CHROMIUM_ARGS, DEMO, DESKTOP, EXPECT_TIMEOUT_MS, csrf_of

from kasacloud.server import LocalCloud
from kasacloud.web import DashboardServer


@pytest.fixture(autouse=True)
def own_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config dir and a data dir of the test's own: the dashboard's defaults (rooms, scenes and
    price in ``home.json``, the agent's energy history) are never the developer's real ones."""
    monkeypatch.setenv("KASACLOUD_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("KASACLOUD_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


@pytest.fixture
def http(dashboard: DashboardServer) -> Iterator[httpx.Client]:
    """An HTTP client signed in to the dashboard as the demo account, with its CSRF header."""
    with httpx.Client(base_url=dashboard.url, timeout=30, follow_redirects=False) as client:
        token = csrf_of(client.get("/signin").text)
        answer = client.post("/signin", data={**DEMO, "csrf_token": token})
        assert answer.status_code == 303, answer.text
        client.headers["X-CSRF-Token"] = csrf_of(client.get("/").text)
        yield client


@pytest.fixture
def dashboard(local_cloud: LocalCloud) -> Iterator[DashboardServer]:
    """The dashboard on a free loopback port, signed in to nobody, polling every half second."""
    with DashboardServer(local_cloud.url, poll_interval_s=0.5) as server:
        yield server


def _chromium_or_skip() -> str:
    path = shutil.which(CHROMIUM) or (CHROMIUM if Path(CHROMIUM).exists() else None)
    if path:
        return path
    reason = (
        f"Chromium not found at {CHROMIUM}: install Debian's package (apt-get install chromium) "
        "or set KASACLOUD_CHROMIUM"
    )
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}. CI must run the browser tests, not skip them.")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium per test module.

    Not per session: Playwright's sync API keeps an event loop running on the main thread while it
    is open, and any asyncio test collected after the browser tests would then fail to start its
    own.
    """
    executable = _chromium_or_skip()
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


SIZES = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
"""The two screens every new page is tested at."""


@contextmanager
def _fresh_page(browser: Any, options: dict[str, Any]) -> Iterator[Any]:
    """A page in a fresh browser context (no cookies); fails the test on a JavaScript error."""
    context = browser.new_context(**options)
    context.set_default_timeout(EXPECT_TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page at desktop size."""
    with _fresh_page(browser, {"viewport": DESKTOP}) as fresh:
        yield fresh


@pytest.fixture(params=sorted(SIZES))
def screen(request: Any, browser: Any) -> Iterator[Any]:
    """A fresh page at each size of :data:`SIZES` (``page.size_name`` says which)."""
    with _fresh_page(browser, SIZES[request.param]) as fresh:
        fresh.size_name = request.param
        yield fresh
