"""Several regions at once, one port each: homes, redirects and per-region appServerUrls."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from server_helpers import Api

from kasacloud.server import LocalCloud, ServerConfig
from kasacloud.server.config import LoginPolicy
from kasacloud.server.devices import DeviceKit

EU, US = "eu-west-1", "us-east-1"
SEED: dict[str, Any] = {
    "accounts": [
        {
            "email": "eu@example.com",
            "password": "pw-eu",
            "region": EU,
            "devices": [
                {"model": "HS103", "alias": "home"},
                {"model": "HS103", "alias": "abroad", "region": US},
            ],
        },
        {"email": "us@example.com", "password": "pw-us", "region": US, "country_code": "US"},
    ]
}
ACCOUNT = "/api/v2/account/"


@pytest.fixture
def cloud(device_kit: DeviceKit | None) -> Iterator[LocalCloud]:
    # Failed logins from this one address are not slowed here: the tests compare their answers.
    config = ServerConfig(login_policy=LoginPolicy(address_free_failures=50))
    with LocalCloud(seed=SEED, config=config, regions=[EU, US], kit=device_kit) as running:
        yield running


def test_one_port_per_region(cloud: LocalCloud) -> None:
    urls = cloud.region_urls
    assert set(urls) == {EU, US}
    assert urls[EU] != urls[US]
    assert cloud.url == urls[EU]


def test_v2_login_on_the_wrong_region_names_the_right_one(cloud: LocalCloud) -> None:
    eu_url, us_url = cloud.region_urls[EU], cloud.region_urls[US]
    with Api(eu_url) as api:
        body = api.v2_login_body("us@example.com", "pw-us")
        wrong = api.signed(ACCOUNT + "login", body)
        assert wrong["error_code"] == -20212
        assert wrong["result"]["appServerUrl"] == us_url
        assert "token" not in wrong["result"]
        right = api.signed(ACCOUNT + "login", body, url=wrong["result"]["appServerUrl"])
        assert right["error_code"] == 0
        assert right["result"]["token"]


def test_devices_report_their_own_region(cloud: LocalCloud) -> None:
    with Api(cloud.region_urls[EU]) as api:
        token = api.token("eu@example.com", "pw-eu")
        listed = {d["alias"]: d for d in api.devices(token)}
        assert listed["home"]["appServerUrl"] == cloud.region_urls[EU]
        assert listed["home"]["deviceRegion"] == EU
        assert listed["home"]["isSameRegion"] is True
        abroad = listed["abroad"]
        assert abroad["appServerUrl"] == cloud.region_urls[US]
        assert abroad["deviceRegion"] == US
        assert abroad["isSameRegion"] is False
        answer = api.passthrough(
            token, abroad["deviceId"], {"system": {"get_sysinfo": None}}, url=abroad["appServerUrl"]
        )
        assert answer["error_code"] == 0


def test_regions_reveal_no_account_without_its_password(cloud: LocalCloud) -> None:
    """getAccountStatusAndUrl and a wrong password on the wrong region say nothing of the account.

    Whether an e-mail has an account, and where, is only told to whoever knows its password.
    """
    for region, url in cloud.region_urls.items():
        with Api(url) as api:
            status = {
                email: api.signed(
                    ACCOUNT + "getAccountStatusAndUrl",
                    {"appType": "Kasa_Android_Mix", "cloudUserName": email},
                )
                for email in ("us@example.com", "eu@example.com", "nobody@example.com")
            }
            assert {s["result"]["appServerUrl"] for s in status.values()} == {url}, region
            wrong = {
                email: api.signed(ACCOUNT + "login", api.v2_login_body(email, "wrong-password"))
                for email in ("us@example.com", "eu@example.com", "nobody@example.com")
            }
            assert all(w == wrong["nobody@example.com"] for w in wrong.values()), wrong
            assert wrong["nobody@example.com"]["error_code"] == -20601
