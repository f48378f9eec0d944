"""The dashboard's forms and JSON endpoints, fuzzed (issue 11, point 2).

Signed out and signed in, with and without the CSRF token: sign-in and code forms, switching,
light settings, energy queries and device pages, with field values and device ids from a grammar
of valid ones plus mutations. No answer may be a 5xx (the dashboard answers 502 only when the
cloud fails, and the cloud here is healthy), and JSON endpoints answer JSON.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fuzz_helpers import DEMO, MFA_EMAIL, Target, fuzz_settings, odd_text
from hypothesis import given
from hypothesis import strategies as st

from kasacloud.agent.history import Meter, SqliteHistory
from kasacloud.client.home import Home, HomeStore, SceneDevice, account_key
from kasacloud.web import DashboardServer

form_text = st.one_of(
    st.text(max_size=30),
    odd_text,
    st.sampled_from(["", "true", "false", "1", "0", "on", "-1", "1e999", "nan", "inf", "9" * 5000]),
    st.integers(-(10**6), 10**6).map(str),
    st.floats().map(str),
    st.sampled_from(["#ff0000", "#FFF", "#zzzzzz", "red", "#"]),
)


@pytest.fixture(scope="module")
def dashboard(
    target: Target, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DashboardServer]:
    """The dashboard, with a home file (a room, a scene) and a recorded history of its own."""
    where = tmp_path_factory.mktemp("dashboard")
    home_file, history_file = where / "home.json", where / "history.sqlite3"
    some = target.device_ids[:3]
    HomeStore(home_file).save(
        account_key(target.url, DEMO[0]),
        Home(
            groups={"Kitchen": some, "Gone": ["NOSUCHDEVICE"]},
            scenes={"Evening": [SceneDevice(i, is_on=True, brightness=40) for i in some]},
        ),
    )
    history = SqliteHistory(history_file)
    try:
        for device_id in target.device_ids + target.child_ids:
            history.record_days(Meter(device_id, "m"), [(dt.date(2025, 1, 1), 1.0)])
            history.record_months(Meter(device_id, "m"), [(2025, 1, 1.0)])
    finally:
        history.close()
    with DashboardServer(
        target.url, poll_interval_s=60, home_file=home_file, history_file=history_file
    ) as server:
        yield server


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)


@pytest.fixture(scope="module")
def signed_in(dashboard: DashboardServer) -> Iterator[tuple[httpx.Client, str]]:
    with httpx.Client(base_url=dashboard.url, timeout=30, follow_redirects=False) as http:
        token = _csrf(http.get("/signin").text)
        answer = http.post(
            "/signin", data={"email": DEMO[0], "password": DEMO[1], "csrf_token": token}
        )
        assert answer.status_code == 303, answer.text
        yield http, _csrf(http.get("/").text)


def _check(response: httpx.Response, wants_json: bool) -> None:
    assert response.status_code < 500, (response.status_code, response.text[:300])
    if wants_json and response.status_code not in (303,):
        assert response.headers["content-type"].startswith("application/json"), response.text[:200]
        assert isinstance(response.json(), dict)


# Ids that still route to the endpoint (no "/" nor "%2F"): the router's own 404 is plain text.
device_ids = st.text(alphabet="0123456789ABCDEFabcdef.-_~", min_size=1, max_size=44)


@fuzz_settings(150)
@given(data=st.data())
def test_signed_in_forms_and_json(
    target: Target, signed_in: tuple[httpx.Client, str], data: st.DataObject
) -> None:
    http, token = signed_in
    device = data.draw(st.sampled_from(target.device_ids) | device_ids)
    child = data.draw(st.sampled_from(target.child_ids) | st.text(max_size=44))
    wants_json = data.draw(st.booleans())
    headers = {"Accept": "application/json"} if wants_json else {}
    if data.draw(st.integers(0, 4)):
        ascii_text = st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=20)
        headers["X-CSRF-Token"] = data.draw(st.sampled_from([token, token]) | ascii_text)
    action = data.draw(st.sampled_from(["toggle", "light", "energy", "tile", "page"]))
    if action in ("toggle", "light"):
        fields = (
            {"on": form_text, "outlet": st.sampled_from([child]) | form_text}
            if action == "toggle"
            else {"brightness": form_text, "color_temp_k": form_text, "color": form_text}
        )
        form: dict[str, Any] = data.draw(st.fixed_dictionaries({}, optional=fields))
        if data.draw(st.booleans()):
            form["csrf_token"] = token
        response = http.post(f"/api/devices/{device}/{action}", data=form, headers=headers)
        _check(response, wants_json)
    elif action == "energy":
        period = data.draw(st.sampled_from(["days", "months"]) | form_text)
        response = http.get(f"/api/devices/{device}/energy", params={"period": period})
        _check(response, True)
    elif action == "tile":
        _check(http.get(f"/devices/{device}/tile", headers=headers), False)
    else:
        _check(http.get(f"/devices/{device}/energy", headers=headers), False)


@fuzz_settings(60)
@given(data=st.data())
def test_sign_in_and_code_forms(dashboard: DashboardServer, data: st.DataObject) -> None:
    with httpx.Client(base_url=dashboard.url, timeout=30, follow_redirects=False) as http:
        token = _csrf(http.get("/signin").text)
        form = data.draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "email": st.sampled_from([DEMO[0], MFA_EMAIL]) | form_text,
                    "password": st.sampled_from([DEMO[1], "wrong"]) | form_text,
                },
            )
        )
        if data.draw(st.integers(0, 4)):
            form["csrf_token"] = data.draw(st.sampled_from([token, token]) | st.text(max_size=30))
        answer = http.post("/signin", data=form)
        _check(answer, False)
        if answer.status_code == 303 and answer.headers["location"].endswith("/verify"):
            page = http.get("/signin/verify")
            _check(page, False)
            code = {"code": data.draw(form_text), "csrf_token": _csrf(page.text)}
            _check(http.post("/signin/verify", data=code), False)
        _check(http.post("/signout", data={"csrf_token": token}), False)


@fuzz_settings(120)
@given(data=st.data())
def test_rooms_scenes_and_recorded_history(
    target: Target, signed_in: tuple[httpx.Client, str], data: st.DataObject
) -> None:
    """All on / all off, scenes (apply, save, delete) and the recorded-history periods."""
    http, token = signed_in
    wants_json = data.draw(st.booleans())
    headers = {"Accept": "application/json"} if wants_json else {}
    if data.draw(st.integers(0, 4)):
        headers["X-CSRF-Token"] = token
    names = st.sampled_from(["Kitchen", "kitchen", "@Kitchen", "*", "Gone", "Evening"]) | form_text
    ids = st.sampled_from(target.device_ids + target.child_ids) | device_ids | form_text
    action = data.draw(st.sampled_from(["room", "apply", "save", "delete", "energy", "csv"]))
    if action in ("energy", "csv"):
        device = data.draw(st.sampled_from(target.device_ids) | device_ids)
        periods = st.sampled_from(["recorded", "", "2025-01", "2025"]) | form_text
        params = data.draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "period": st.sampled_from(["days", "months"]) | form_text,
                    "month": periods,
                    "year": periods,
                },
            )
        )
        if action == "energy":
            _check(http.get(f"/api/devices/{device}/energy", params=params), True)
            _check(http.get(f"/devices/{device}/energy", params=params), False)
        else:
            _check(http.get(f"/devices/{device}/energy.csv", params=params), False)
        return
    fields: dict[str, Any] = {
        "room": {"room": names, "on": form_text},
        "apply": {"scene": names},
        "save": {"name": names, "device": st.lists(ids, max_size=4)},
        "delete": {"scene": st.sampled_from(["Nope"]) | form_text},
    }[action]
    form: dict[str, Any] = data.draw(st.fixed_dictionaries({}, optional=fields))
    if data.draw(st.booleans()):
        form["csrf_token"] = token
    path = {
        "room": "/api/rooms/power",
        "apply": "/api/scenes/apply",
        "save": "/api/scenes",
        "delete": "/api/scenes/delete",
    }[action]
    response = http.post(path, data=form, headers=headers)
    _check(response, wants_json)
    if response.status_code in (400, 409):
        error = response.json()["error"] if wants_json else ""
        assert not wants_json or error.endswith((".", "”")), error
