"""The device kit of the simulated devices: how the server builds them from profile references."""

from __future__ import annotations

from typing import Any

from kasacloud.server.devices import DemoDevice, DeviceKit, HostedDevice


def sim_kit() -> DeviceKit:
    """The simulated devices of :mod:`kasacloud.sim`."""
    from kasacloud import sim

    def build(
        profile: str,
        *,
        device_id: str,
        alias: str | None,
        clock: Any,
        state: dict[str, Any] | None,
        region: str | None,
    ) -> HostedDevice:
        device: HostedDevice = sim.build_any(
            profile,
            device_id=device_id,
            alias=alias,
            clock=clock,
            state=state,
            region=region,
            # Built on first use: a server of 100,000 devices starts in seconds, and holds in
            # memory only the devices somebody asked something.
            lazy=True,
        )
        return device

    house = [_demo_device(d) for d in sim.DEMO_HOUSE]
    return DeviceKit(build=build, demo_house=house, new_clock=sim.SimClock)


def _demo_device(entry: Any) -> DemoDevice:
    """Read one DEMO_HOUSE entry, whether a tuple or an object with attributes."""
    if isinstance(entry, tuple | list):
        return DemoDevice(str(entry[0]), str(entry[1]), bool(entry[2]) if len(entry) > 2 else True)
    if isinstance(entry, dict):
        return DemoDevice(
            str(entry["profile"]), str(entry["alias"]), bool(entry.get("online", True))
        )
    return DemoDevice(str(entry.profile), str(entry.alias), bool(getattr(entry, "online", True)))
