"""Every command of ``kasacloud`` (but ``serve``, which the server adds), for main.py."""

from __future__ import annotations

import click

from kasacloud.cli import account, demo, devices, energy, feature, light, rules

COMMANDS: list[click.Command] = [
    account.login,
    account.logout,
    devices.devices,
    devices.info,
    feature.feature,
    devices.turn_on,
    devices.turn_off,
    devices.toggle,
    devices.led,
    devices.alias,
    devices.reboot,
    devices.raw,
    energy.energy,
    energy.export,
    light.light,
    rules.schedule,
    rules.countdown,
    rules.away,
    demo.demo,
]
