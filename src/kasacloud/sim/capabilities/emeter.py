"""The energy meter: ``emeter`` on plugs and strips, ``smartlife.iot.common.emeter`` on bulbs.

Units depend on the hardware generation (PROTOCOL.md section 5):

- ``v1`` (HS110 hw 1): ``current`` A, ``voltage`` V, ``power`` W, ``total`` kWh, floats;
  daily and monthly ``energy`` in kWh;
- ``v2`` (HS110 hw 4, KP115, KP125, EP25, HS300 outlets): ``current_ma``, ``voltage_mv``,
  ``power_mw``, ``total_wh``, integers; ``energy_wh``;
- ``bulb``: ``power_mw`` (and ``total_wh`` where the model reports it); ``energy_wh``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kasacloud.protocol import commands
from kasacloud.sim.capabilities.base import (
    Call,
    Capability,
    Handler,
    JsonDict,
    require_int,
)
from kasacloud.sim.history import Meter, unit_noise


class EmeterCapability(Capability):
    """``get_realtime``, ``get_daystat``, ``get_monthstat``, ``erase_emeter_stat``.

    On a strip each outlet has its own meter: a call with ``context.child_ids`` reads the first
    outlet named; a call without a context reads the whole strip (the sum of its outlets).
    """

    key = "emeter"

    def routes(self) -> Mapping[str, Mapping[str, Handler]]:
        """Methods of the energy meter."""
        return {
            self.profile.modules.emeter: {
                commands.GET_REALTIME: self.get_realtime,
                commands.GET_DAYSTAT: self.get_daystat,
                commands.GET_MONTHSTAT: self.get_monthstat,
                commands.ERASE_EMETER_STAT: self.erase_emeter_stat,
            }
        }

    def _targets(self, call: Call) -> list[int | None]:
        if call.children:
            return [call.children[0]]
        return self.device.targets()

    def _meters(self, call: Call) -> list[Meter]:
        return [self.device.meters[t] for t in self._targets(call)]

    def get_realtime(self, params: JsonDict, call: Call) -> JsonDict:
        """Instant readings and the lifetime total, in the model's units."""
        power = self.device.power
        targets = self._targets(call)
        minute = int(call.now_s // 60)
        power_w = 0.0
        for target in targets:
            if power is not None and power.is_on(target):
                seed = self.device.device_id if target is None else self.device.child_ids[target]
                # A real load wobbles by a percent or two between readings.
                power_w += power.power_w(target) * (1.0 + 0.02 * unit_noise(seed, minute))
        voltage_v = self.profile.voltage_v * (
            1.0 + 0.01 * unit_noise(self.device.device_id, "v", minute)
        )
        current_a = power_w / voltage_v
        total_wh = sum(self.device.meters[t].total_wh for t in targets)
        values: dict[str, Any]
        if self.profile.emeter_units == "v1":
            values = {
                "current": round(current_a, 6),
                "voltage": round(voltage_v, 6),
                "power": round(power_w, 6),
                "total": round(total_wh / 1000.0, 3),
            }
        else:
            values = {
                "current_ma": round(current_a * 1000.0),
                "voltage_mv": round(voltage_v * 1000.0),
                "power_mw": round(power_w * 1000.0),
                "total_wh": round(total_wh),
                "slot_id": targets[0] if len(targets) == 1 and targets[0] is not None else 0,
            }
        keys = self.profile.emeter_realtime_keys or tuple(values)
        return {k: values[k] for k in keys if k in values}

    def _energy(self, amount_wh: float) -> tuple[str, float | int]:
        if self.profile.emeter_units == "v1":
            return "energy", round(amount_wh / 1000.0, 3)
        return "energy_wh", round(amount_wh)

    def get_daystat(self, params: JsonDict, call: Call) -> JsonDict:
        """Daily energy of one month (``year``, ``month``)."""
        year = require_int(params, "year", 2000, 2099)
        month = require_int(params, "month", 1, 12)
        per_day: dict[int, float] = {}
        for meter in self._meters(call):
            for day, amount in meter.energy_wh.day_list(year, month):
                per_day[day] = per_day.get(day, 0.0) + amount
        day_list = []
        for day, amount in sorted(per_day.items()):
            name, value = self._energy(amount)
            day_list.append({"year": year, "month": month, "day": day, name: value})
        return {"day_list": day_list}

    def get_monthstat(self, params: JsonDict, call: Call) -> JsonDict:
        """Monthly energy of one year (``year``)."""
        year = require_int(params, "year", 2000, 2099)
        per_month: dict[int, float] = {}
        for meter in self._meters(call):
            for month, amount in meter.energy_wh.month_list(year):
                per_month[month] = per_month.get(month, 0.0) + amount
        month_list = []
        for month, amount in sorted(per_month.items()):
            name, value = self._energy(amount)
            month_list.append({"year": year, "month": month, name: value})
        return {"month_list": month_list}

    def erase_emeter_stat(self, params: JsonDict, call: Call) -> JsonDict:
        """Forget the history and the lifetime total (of the context's outlets, or all)."""
        targets = list(call.children) if call.children else self.device.targets()
        for target in targets:
            meter = self.device.meters[target]
            meter.energy_wh.clear()
            meter.total_wh = 0.0
        self.device.touch()
        return {}
