"""Fixtures shared by the whole suite: the anyio backend and running local clouds.

``local_cloud`` is a fresh cloud with the demo house per test; ``shared_cloud`` is one cloud for
the whole session, for tests that only read. ``fake_kit`` is a tiny stand-in device family that
the server tests use where the point is the server, not the simulated devices.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest

from kasacloud.server import LocalCloud, ServerConfig
from kasacloud.server.devices import DemoDevice, DeviceKit


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class FakeClock:
    def __init__(self) -> None:
        import time

        self._now = time.time()

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds


class FakeDevice:
    """A plug (or, with profile "strip", a 2-outlet strip) answering a few system commands."""

    def __init__(
        self,
        profile: str,
        *,
        device_id: str,
        alias: str | None,
        clock: Any,
        state: dict[str, Any] | None,
        region: str | None,
    ) -> None:
        if profile.startswith("bad"):
            raise ValueError(f"unknown profile {profile!r}")
        self.device_id = device_id
        self.profile = profile
        self.state: dict[str, Any] = state or {"alias": alias or f"Fake {profile}", "relay": 0}
        self.state.setdefault("children", [0, 0] if profile == "strip" else [])
        self.revision = 0
        self.online = True
        self.hang = False
        self.fault: int | None = None
        self.broken = False

    def cloud_info(self) -> dict[str, Any]:
        digest = hashlib.sha256(self.device_id.encode()).hexdigest().upper()
        return {
            "deviceType": "IOT.SMARTPLUGSWITCH",
            "fwVer": "1.0.0 Build 000000 Rel.000000",
            "deviceName": "Fake plug",
            "deviceHwVer": "1.0",
            "deviceModel": f"FAKE-{self.profile}",
            "deviceMac": digest[:12],
            "oemId": digest[:32],
            "hwId": digest[32:64],
            "fwId": digest[:32],
            "alias": self.state["alias"],
        }

    def is_online(self) -> bool:
        return self.online

    def state_revision(self) -> int:
        return self.revision

    def snapshot(self) -> dict[str, Any]:
        return dict(self.state)

    async def passthrough(self, request: dict[str, Any]) -> dict[str, Any]:
        if self.hang:
            import anyio

            await anyio.sleep(3600)
        if self.fault is not None:
            from kasacloud.server.faults import Fault

            raise Fault(self.fault)
        if self.broken:
            raise RuntimeError("the device's own bug")
        out: dict[str, Any] = {}
        children = (request.get("context") or {}).get("child_ids")
        for module, methods in request.items():
            if module == "context":
                continue
            if module != "system":
                out[module] = {"err_code": -1, "err_msg": "module not support"}
                continue
            answers: dict[str, Any] = {}
            for method, args in (methods or {}).items():
                if method == "get_sysinfo":
                    answers[method] = {
                        "alias": self.state["alias"],
                        "relay_state": self.state["relay"],
                        "deviceId": self.device_id,
                        "children": [
                            {"id": f"{self.device_id}{i:02d}", "state": s}
                            for i, s in enumerate(self.state["children"])
                        ],
                        "err_code": 0,
                    }
                elif method == "set_relay_state":
                    if children:
                        for cid in children:
                            self.state["children"][int(cid[-2:])] = args["state"]
                    else:
                        self.state["relay"] = args["state"]
                    self.revision += 1
                    answers[method] = {"err_code": 0}
                elif method == "set_dev_alias":
                    self.state["alias"] = args["alias"]
                    self.revision += 1
                    answers[method] = {"err_code": 0}
                else:
                    answers[method] = {"err_code": -2, "err_msg": "member not support"}
            out[module] = answers
        return out


def make_fake_kit() -> DeviceKit:
    house = [
        DemoDevice("plug", "Kettle"),
        DemoDevice("strip", "Desk strip"),
        DemoDevice("plug", "Garage", online=False),
    ]
    return DeviceKit(build=FakeDevice, demo_house=house, new_clock=FakeClock)


@pytest.fixture
def fake_kit() -> DeviceKit:
    return make_fake_kit()


def _default_kit() -> DeviceKit | None:
    """The real simulated devices once kasacloud.sim provides them, else the fake."""
    from kasacloud import sim

    ready = all(hasattr(sim, n) for n in ("build_device", "load_profile", "DEMO_HOUSE", "SimClock"))
    return None if ready else make_fake_kit()


@pytest.fixture
def device_kit() -> DeviceKit | None:
    """The kit for tests that start their own LocalCloud (None: the real simulated devices)."""
    return _default_kit()


@pytest.fixture
def local_cloud() -> Iterator[LocalCloud]:
    with LocalCloud(kit=_default_kit()) as cloud:
        yield cloud


@pytest.fixture(scope="session")
def shared_cloud() -> Iterator[LocalCloud]:
    # Rate limits off: the whole session's tests share one account and terminal here; tests of
    # the limits start a cloud of their own with the limits they need.
    config = ServerConfig(account_rate_limit=None, address_rate_limit=None)
    with LocalCloud(config=config, kit=_default_kit()) as cloud:
        yield cloud
