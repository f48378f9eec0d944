"""The seed format: parsing, errors, generated devices, the example seed, device files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from server_helpers import Api

from captures import require_captures
from kasacloud.server import LocalCloud
from kasacloud.server.devices import DeviceKit
from kasacloud.server.seed import SeedError, load_seed, parse_seed

ROOT = Path(__file__).resolve().parents[2]


def test_count_generates_aliases() -> None:
    seed = parse_seed(
        {
            "accounts": [
                {
                    "email": "a@x.org",
                    "password": "p",
                    "devices": [
                        {"model": "HS103", "alias": "Plug {n}", "count": 3},
                        {"model": "HS103", "alias": "Lamp", "count": 2},
                        {"model": "HS103", "alias": "Solo"},
                    ],
                }
            ]
        }
    )
    devices = seed.accounts[0].devices
    assert devices[0].aliases() == ["Plug 1", "Plug 2", "Plug 3"]
    assert devices[1].aliases() == ["Lamp 1", "Lamp 2"]
    assert devices[2].aliases() == ["Solo"]


@pytest.mark.parametrize(
    ("seed", "message"),
    [
        ([], "JSON object"),
        ({"accounts": []}, "non-empty"),
        ({"accounts": [{"password": "p"}]}, "email"),
        ({"accounts": [{"email": "a@x.org"}]}, "password"),
        ({"accounts": [{"email": "a@x.org", "password": "p"}] * 2}, "twice"),
        ({"accounts": [{"email": "a@x.org", "password": "p", "devices": [{}]}]}, "model"),
        ({"accounts": [{"email": "a@x.org", "password": "p", "mfa": "yes"}]}, "mfa"),
        (
            {
                "accounts": [
                    {
                        "email": "a@x.org",
                        "password": "p",
                        "devices": [{"model": "HS103", "count": 0}],
                    }
                ]
            },
            "count",
        ),
    ],
)
def test_bad_seeds_say_what_is_wrong(seed: object, message: str) -> None:
    with pytest.raises(SeedError, match=message):
        parse_seed(seed)


def test_unreadable_seed_file(tmp_path: Path) -> None:
    with pytest.raises(SeedError, match="cannot read"):
        load_seed(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    with pytest.raises(SeedError, match="not valid JSON"):
        load_seed(bad)


def test_example_seed_starts(device_kit: DeviceKit | None) -> None:
    example = ROOT / "examples" / "seed.json"
    with LocalCloud(seed=example, kit=device_kit, regions=["eu-west-1", "us-east-1"]) as cloud:
        data = json.loads(example.read_text())
        first = data["accounts"][0]
        with Api(cloud.url) as api:
            assert api.devices(api.token(first["email"], first["password"]))


@pytest.mark.slow
def test_a_thousand_devices(device_kit: DeviceKit | None) -> None:
    seed = {
        "accounts": [
            {
                "email": "many@example.com",
                "password": "pw",
                "devices": [{"model": "HS103", "alias": "Plug {n}", "count": 1000}],
            }
        ]
    }
    with LocalCloud(seed=seed, kit=device_kit) as cloud, Api(cloud.url) as api:
        devices = api.devices(api.token("many@example.com", "pw"))
        assert len(devices) == 1000
        assert len({d["deviceId"] for d in devices}) == 1000
        assert {d["alias"] for d in devices} == {f"Plug {n}" for n in range(1, 1001)}


def test_device_from_a_capture_is_bound_to_the_demo_account(tmp_path: Path) -> None:
    capture = sorted(require_captures().glob("HS110*.json"))[0]
    with LocalCloud(devices=[capture], data_dir=tmp_path) as cloud, Api(cloud.url) as api:
        token = api.token()
        models = [d["deviceModel"] for d in api.devices(token)]
        assert capture.name.split("_")[0] in models
        count = len(models)
    # Restarting with the same --device does not add it twice.
    with LocalCloud(devices=[capture], data_dir=tmp_path) as cloud, Api(cloud.url) as api:
        assert len(api.devices(api.token())) == count


def test_seed_fields_and_a_profile_file_bound_to_the_seeds_first_account(tmp_path: Path) -> None:
    profiles = ROOT / "src" / "kasacloud" / "sim" / "profiles"
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "dimmer.json").write_bytes((profiles / "HS220(US)_1.0.json").read_bytes())
    extra = tmp_path / "extra-bulb.json"  # our profile format, given like --device FILE
    extra.write_bytes((profiles / "KL120(US)_1.0.json").read_bytes())
    seed = tmp_path / "seed.json"
    seed.write_text(
        json.dumps(
            {
                "accounts": [
                    {
                        "email": "carol@example.com",
                        "password": "carol-pw",
                        "nickname": "Carol",
                        "country_code": "US",
                        "devices": [
                            {"profile": "mine/dimmer.json", "alias": "Stairs"},
                            {"model": "HS103", "alias": "Spare", "online": False},
                        ],
                    },
                    {"email": "dave@example.com", "password": "dave-pw", "mfa": True},
                ]
            }
        )
    )
    data = tmp_path / "data"
    with LocalCloud(seed=seed, devices=[extra], data_dir=data) as cloud, Api(cloud.url) as api:
        carol = api.login("carol@example.com", "carol-pw")
        assert (carol["nickname"], carol["countryCode"]) == ("Carol", "US")
        listed = {d["alias"]: d for d in api.devices(carol["token"])}
        assert listed["Stairs"]["deviceModel"] == "HS220(US)"  # a profile file, seed-relative
        assert listed["Spare"]["status"] == 0
        bulb = [d for d in listed.values() if d["deviceModel"] == "KL120(US)"]
        assert len(bulb) == 1  # --device: bound to the seed's first account
        assert bulb[0]["status"] == 1
        # dave has 2-step verification: V1 login is refused, V2 asks for a code.
        dave = {"cloudUserName": "dave@example.com", "cloudPassword": "dave-pw"}
        refused = api.v1("login", {**dave, "terminalUUID": "t"})
        assert refused["error_code"] == -23003
        body = api.v2_login_body("dave@example.com", "dave-pw")
        mfa = api.signed("/api/v2/account/login", body)
        assert mfa["result"]["errorCode"] == "-20677"
        assert cloud.device_ids("dave@example.com") == []
