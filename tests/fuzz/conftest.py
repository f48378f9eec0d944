"""The wire fuzz suite's settings and fixtures.

CI runs about 1,650 examples in all (each test's budget is in its ``@fuzz_settings``); the long run
multiplies them: ``python3 dev.py fuzz`` (or ``KASACLOUD_FUZZ_SCALE=20 pytest tests/fuzz``).
Examples are derandomized in CI, so a run is repeatable; the long run explores afresh.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fuzz_helpers import DEMO, Target, fuzz_config

from kasacloud.server import LocalCloud


@pytest.fixture(scope="module")
def target() -> Iterator[Target]:
    with LocalCloud(config=fuzz_config()) as cloud, httpx.Client(timeout=20) as http:
        params = {
            "cloudUserName": DEMO[0],
            "cloudPassword": DEMO[1],
            "terminalUUID": "fuzz-terminal",
            "refreshTokenNeeded": True,
        }
        login = http.post(cloud.url + "/", json={"method": "login", "params": params}).json()
        token = login["result"]["token"]
        listed = http.post(
            cloud.url + "/", json={"method": "getDeviceList", "params": {"token": token}}
        ).json()["result"]["deviceList"]
        device_ids = [d["deviceId"] for d in listed]
        child_ids = [f"{d}{i:02d}" for d in device_ids for i in range(2)]
        yield Target(cloud, token, login["result"]["refreshToken"], device_ids, child_ids)
