"""The device sources a stock server hosts: simulated devices, plus adopted LAN devices.

LAN devices are adopted with ``kasacloud adopt`` (profiles ``lan:HOST:PORT``).

The server (:mod:`kasacloud.server`) knows only the hosted-device contract
(:mod:`kasacloud.server.devices`); this is the one place that names the sources it gets by default.
"""

from __future__ import annotations

from kasacloud.lan import with_lan
from kasacloud.server.devices import DeviceKit
from kasacloud.sim.kit import sim_kit


def default_kit() -> DeviceKit:
    """Simulated devices (:mod:`kasacloud.sim`) and bridged LAN devices (:mod:`kasacloud.lan`)."""
    return with_lan(sim_kit())
