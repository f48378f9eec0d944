"""The dashboard over plain HTTP: sessions, cookies, CSRF, redirects, headers, and no token leaks.

Real requests (httpx) to the real dashboard, which signs in to a real local cloud.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from web_helpers import DEMO, csrf_of

from kasacloud.server import LocalCloud
from kasacloud.web import DashboardServer


@pytest.fixture
def http(dashboard: DashboardServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=dashboard.url, timeout=30, follow_redirects=False) as client:
        yield client


def sign_in(http: httpx.Client, email: str = DEMO["email"], password: str = DEMO["password"]):
    page = http.get("/signin")
    return http.post(
        "/signin", data={"email": email, "password": password, "csrf_token": csrf_of(page.text)}
    )


def test_pages_need_a_session(http):
    response = http.get("/")
    assert response.status_code == 303
    assert response.headers["location"] == "/signin"
    api = http.get("/api/devices", headers={"Accept": "application/json"})
    assert api.status_code == 401
    assert "sign in" in api.json()["error"]


def test_the_session_cookie_is_httponly_and_samesite(http):
    response = http.get("/signin")
    assert response.status_code == 200
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("kasacloud_session=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
    assert "Path=/" in cookie


def test_security_headers(http):
    response = http.get("/signin")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


def test_sign_in_without_the_csrf_token_is_refused(http):
    http.get("/signin")
    response = http.post("/signin", data=DEMO)
    assert response.status_code == 403
    assert "security token" in response.text
    wrong = http.post("/signin", data={**DEMO, "csrf_token": "forged"})
    assert wrong.status_code == 403


def test_a_post_from_another_origin_is_refused(http):
    token = csrf_of(http.get("/signin").text)
    response = http.post(
        "/signin",
        data={**DEMO, "csrf_token": token},
        headers={"Origin": "http://evil.example"},
    )
    assert response.status_code == 403


def test_a_foreign_host_name_is_refused(dashboard):
    # DNS rebinding: a page on another site reaching 127.0.0.1 through a name of its own.
    response = httpx.get(dashboard.url + "signin", headers={"Host": "attacker.example"})
    assert response.status_code == 421


def test_wrong_password_is_a_readable_message(http):
    response = sign_in(http, password="wrong")
    assert response.status_code == 401
    assert "e-mail address or the password is not right" in response.text


def test_unknown_pages_and_bad_period(http):
    assert http.get("/nope").status_code == 404
    assert sign_in(http).status_code == 303
    response = http.get("/api/devices/x/energy?period=weeks")
    assert response.status_code == 400


def _signed_in(http: httpx.Client) -> str:
    """Sign in; return the CSRF token of the signed-in session."""
    before = http.get("/signin").cookies.get("kasacloud_session") or http.cookies.get(
        "kasacloud_session"
    )
    response = sign_in(http)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    # A new session id on sign-in: an id planted before is worth nothing after (fixation).
    assert http.cookies.get("kasacloud_session") != before
    return csrf_of(http.get("/").text)


def _plug_id(cloud: LocalCloud, alias: str) -> str:
    return next(i for i in cloud.device_ids() if cloud.device(i).cloud_info()["alias"] == alias)


def _relay(cloud: LocalCloud, device_id: str) -> int:
    device: Any = cloud.device(device_id)
    return device.handle({"system": {"get_sysinfo": None}})["system"]["get_sysinfo"]["relay_state"]


def test_every_state_change_needs_the_csrf_token(http, local_cloud):
    token = _signed_in(http)
    plug = _plug_id(local_cloud, "Hall lamp")
    json_accept = {"Accept": "application/json"}
    for path, data in [
        (f"/api/devices/{plug}/toggle", {"on": "false"}),
        (f"/api/devices/{plug}/light", {"brightness": "10"}),
        ("/signout", {}),
    ]:
        missing = http.post(path, data=data, headers=json_accept)
        assert missing.status_code == 403, path
        assert "security token" in missing.json()["error"]
        forged = http.post(path, data=data, headers={**json_accept, "X-CSRF-Token": "forged"})
        assert forged.status_code == 403, path
    assert _relay(local_cloud, plug) == 1  # nothing happened
    # With the token (header or form field), the same request goes through.
    ok = http.post(
        f"/api/devices/{plug}/toggle",
        data={"on": "false"},
        headers={**json_accept, "X-CSRF-Token": token},
    )
    assert ok.status_code == 200
    assert ok.json()["device"]["is_on"] is False
    assert _relay(local_cloud, plug) == 0
    form = http.post(f"/api/devices/{plug}/toggle", data={"on": "true", "csrf_token": token})
    assert form.status_code == 303  # a plain form lands back on the dashboard
    assert _relay(local_cloud, plug) == 1
    # GET never changes anything.
    assert http.get(f"/api/devices/{plug}/toggle").status_code == 405


def test_cloud_tokens_never_reach_the_browser(http, dashboard, local_cloud):
    _signed_in(http)
    [session] = [s for s in dashboard.app.state.dashboard.sessions.all() if s.signed_in]
    tokens = session.client.tokens
    secrets = [tokens.token.reveal()]
    if tokens.refresh_token is not None:
        secrets.append(tokens.refresh_token.reveal())
    kettle = _plug_id(local_cloud, "Kettle")
    pages = [
        http.get("/"),
        http.get("/api/devices", headers={"Accept": "application/json"}),
        http.get(f"/devices/{kettle}/tile"),
        http.get(f"/devices/{kettle}/energy"),
        http.get(f"/api/devices/{kettle}/energy?period=days"),
        http.get(f"/api/devices/{kettle}/energy?period=months"),
        http.get("/static/app.js"),
    ]
    for response in pages:
        assert response.status_code == 200, response.url
        visible = response.text + " ".join(f"{k}: {v}" for k, v in response.headers.items())
        for secret in secrets:
            assert secret not in visible, response.url
    for secret in secrets:
        assert all(secret not in value for value in http.cookies.values())


def test_energy_json(http, local_cloud):
    _signed_in(http)
    kettle = _plug_id(local_cloud, "Kettle")
    days = http.get(f"/api/devices/{kettle}/energy?period=days").json()
    months = http.get(f"/api/devices/{kettle}/energy?period=months").json()
    assert days["unit"] == months["unit"] == "kWh"
    assert len(days["points"]) == 30
    assert len(months["points"]) == 12
    assert sum(p["energy_kwh"] for p in months["points"]) > 0
    keys = [p["key"] for p in days["points"]]
    assert keys == sorted(keys)
    lamp = _plug_id(local_cloud, "Hall lamp")  # no energy meter
    response = http.get(f"/api/devices/{lamp}/energy?period=days")
    assert response.status_code == 400
    assert "no energy meter" in response.json()["error"]


def test_invalid_values_are_refused_with_a_message(http, local_cloud):
    token = _signed_in(http)
    bulb = _plug_id(local_cloud, "Reading light")  # KL120: 2700-5000 K
    headers = {"Accept": "application/json", "X-CSRF-Token": token}
    response = http.post(
        f"/api/devices/{bulb}/light", data={"color_temp_k": "9000"}, headers=headers
    )
    assert response.status_code == 400
    assert "Reading light" in response.json()["error"]
    assert "html" in response.json()  # the tile, redrawn with the device's real state
    unknown = http.post("/api/devices/0000/toggle", data={}, headers=headers)
    assert unknown.status_code == 404
    assert "no longer on this account" in unknown.json()["error"]


def test_sign_out_forgets_the_session(http):
    token = _signed_in(http)
    response = http.post("/signout", data={"csrf_token": token})
    assert response.status_code == 303
    assert http.get("/").status_code == 303


def test_an_unreachable_cloud_is_a_readable_message():
    with (
        DashboardServer("http://127.0.0.1:9") as dead,
        httpx.Client(base_url=dead.url, timeout=60) as client,
    ):
        response = sign_in(client)
    assert response.status_code == 502
    assert "The cloud cannot be reached" in response.text


def test_a_flood_of_anonymous_visits_cannot_sign_anyone_out(local_cloud):
    # Anonymous sessions have their own cap; a signed-in session is never dropped to make room.
    with (
        DashboardServer(local_cloud.url, max_anonymous_sessions=5) as dashboard,
        httpx.Client(base_url=dashboard.url, timeout=30, follow_redirects=False) as http,
    ):
        _signed_in(http)
        for _ in range(30):  # fresh browsers, no cookies: a new anonymous session each
            assert httpx.get(dashboard.url + "signin", timeout=30).status_code == 200
        sessions = dashboard.app.state.dashboard.sessions.all()
        assert len(sessions) <= 6, "anonymous sessions are capped"
        assert sum(s.signed_in for s in sessions) == 1
        page = http.get("/")
        assert page.status_code == 200, "the signed-in session survived the flood"
        assert "Your devices" in page.text
