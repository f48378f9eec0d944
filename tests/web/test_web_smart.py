"""The dashboard shows SMART devices: the P110 as a plug, the hub with its sensors' readings."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from kasacloud.web import DashboardServer


@pytest.fixture
def http(dashboard: DashboardServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=dashboard.url, timeout=30, follow_redirects=True) as client:
        yield client


def test_the_dashboard_shows_smart_devices_and_the_hub_with_its_readings(
    http: httpx.Client, dashboard: DashboardServer
) -> None:
    page = http.get("/signin")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    data = {"email": "demo@example.com", "password": "demo", "csrf_token": token.group(1)}
    home = http.post("/signin", data=data)
    assert home.status_code == 200
    html = http.get("/").text
    for name in ("Coffee machine", "Bedroom strip", "Sofa lamp", "Stairs dimmer", "Tapo hub"):
        assert name in html
    assert "Hubs and sensors" in html
    assert "Living room climate" in html
    assert "Temperature" in html
    assert "°C" in html
    assert "Front door" in html
    [session] = [s for s in dashboard.app.state.dashboard.sessions.all() if s.signed_in]
    tapo = session.client.tapo_session
    assert tapo is not None
    assert tapo.tokens is not None
    assert tapo.tokens.token.reveal() not in html
