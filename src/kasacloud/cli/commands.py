"""Every command of ``kasacloud`` (but ``serve``, which the server adds), for main.py."""

from __future__ import annotations

import click

from kasacloud.cli import account, demo, devices, energy, feature, groups, light, rules, watch

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
    light.effects,
    rules.schedule,
    rules.countdown,
    rules.away,
    groups.group,
    groups.scene,
    groups.price,
    watch.watch,
    demo.demo,
]
