"""The wire fuzz suite's settings and fixtures.

CI runs a few thousand examples in all (each test's budget is in its ``@settings``); the long run
multiplies them: ``python3 dev.py fuzz`` (or ``KASACLOUD_FUZZ_SCALE=20 pytest tests/fuzz``).
Examples are derandomized in CI, so a run is repeatable; the long run explores afresh.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from fuzz_helpers import SCALE
from hypothesis import HealthCheck, settings

from kasacloud.server import LocalCloud, LoginPolicy, ServerConfig

settings.register_profile(
    "kasacloud-fuzz",
    deadline=None,
    database=None,
    derandomize=SCALE <= 1,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("kasacloud-fuzz")

MFA_EMAIL = "mfa@example.com"
DEMO = ("demo@example.com", "demo")


@dataclass
class Target:
    """A running cloud and what a valid request needs: tokens, device and outlet ids."""

    cloud: LocalCloud
    token: str
    refresh_token: str
    device_ids: list[str]
    child_ids: list[str]

    @property
    def url(self) -> str:
        return self.cloud.url


def fuzz_config() -> ServerConfig:
    # Limits off and a lenient login policy: the fuzzer's wrong passwords must not turn every
    # later answer into -20004 (the policy itself is tested in tests/server).
    lenient = LoginPolicy(
        address_free_failures=10**6,
        address_block_failures=10**6,
        account_protect_failures=10**6,
        mfa_max_wrong_codes=10**6,
    )
    return ServerConfig(
        account_rate_limit=None,
        address_rate_limit=None,
        login_policy=lenient,
        body_timeout_s=5,
        scrypt_n=2**10,  # a cheaper hash: the fuzzer signs in hundreds of times
    )


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
