"""The blocking twin: the same API without await, against the real local server."""

from __future__ import annotations

import uuid

import pytest

from kasacloud import AuthenticationError, DeviceOfflineError, ScheduleRule, VerificationRequired
from kasacloud.client.devices import Strip
from kasacloud.server import LocalCloud
from kasacloud.sync import Blocking, KasaCloud

DEMO = ("demo@example.com", "demo")


def test_sync_client_drives_devices(local_cloud: LocalCloud) -> None:
    with KasaCloud(url=local_cloud.url, terminal_id=str(uuid.uuid4())) as cloud:
        cloud.login(*DEMO)
        assert cloud.is_logged_in
        assert cloud.username == DEMO[0]
        devices = cloud.devices()
        assert all(isinstance(d, Blocking) for d in devices)
        kettle = cloud.device("kettle")
        kettle.turn_on()
        kettle.update()
        assert kettle.is_on
        assert kettle.realtime.power_w is not None
        assert kettle.energy.get_monthly() is not None
        rule = kettle.schedule.add(ScheduleRule(turn_on=False, start_min=60))
        assert [r.id for r in kettle.schedule.list()] == [rule.id]
        strip = cloud.device("Office strip")
        assert isinstance(strip.unwrap(), Strip)
        outlet = strip.children[2]
        outlet.turn_on()
        strip.update()
        assert strip.outlet(2).is_on
        assert cloud.update_all(devices)[:3] == [None, None, None]
        updated = {d.alias: d for d in cloud.devices(update=True)}
        assert updated["Kettle"].realtime.power_w is not None
        assert updated["Kettle"].time is not None
        assert cloud.device("Fridge", update=True).realtime is not None
        with pytest.raises(DeviceOfflineError):
            cloud.device("Garage").turn_on()


def test_sync_two_step_login_and_errors(local_cloud: LocalCloud) -> None:
    with KasaCloud(url=local_cloud.url, protocol="v2", terminal_id=str(uuid.uuid4())) as cloud:
        with pytest.raises(AuthenticationError):
            cloud.login(DEMO[0], "wrong")
        with pytest.raises(VerificationRequired) as info:
            cloud.login("mfa@example.com", "demo")
        cloud.verify_login(info.value.challenge, local_cloud.mfa_codes("mfa@example.com")[-1])
        assert cloud.devices() == []
    with pytest.raises(Exception, match="closed"):
        cloud.devices()


def test_sync_mfa_callback(local_cloud: LocalCloud) -> None:
    def ask(challenge: object) -> str:  # a blocking prompt, run off the event loop
        return local_cloud.mfa_codes("mfa@example.com")[-1]

    with KasaCloud(url=local_cloud.url, mfa_callback=ask, terminal_id=str(uuid.uuid4())) as cloud:
        cloud.login("mfa@example.com", "demo")
        assert cloud.username == "mfa@example.com"


def test_sync_features_and_modules_block_too(local_cloud: LocalCloud) -> None:
    with KasaCloud(url=local_cloud.url, terminal_id=str(uuid.uuid4())) as cloud:
        cloud.login(*DEMO)
        kettle = cloud.device("Kettle", update=True)
        state = kettle.features["state"]
        assert isinstance(state, Blocking)
        state.set_value(True)
        kettle.update()
        assert kettle.features["state"].value is True
        state.set_value(False)
        kettle.update()
        assert kettle.is_on is False
        assert all(isinstance(m, Blocking) for m in kettle.modules.values())
