"""The outlets of a power strip (HS300, KP303...): children addressed by ``context.child_ids``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kasacloud.protocol import commands
from kasacloud.sim.capabilities.base import (
    Call,
    Capability,
    Handler,
    JsonDict,
    require_int,
)
from kasacloud.sim.capabilities.relay import Switch
from kasacloud.sim.profile import MASKED_NAME

if TYPE_CHECKING:
    from kasacloud.sim.device import SimulatedDevice


@dataclass
class Outlet:
    """One outlet: its own alias and relay."""

    alias: str
    switch: Switch = field(default_factory=Switch)


class OutletsCapability(Capability):
    """A strip's outlets: ``children`` in sysinfo, ``set_relay_state`` per outlet or all.

    Without a context, ``set_relay_state`` switches every outlet (as the strips do); with
    ``context.child_ids`` only those. Aliases of outlets change through ``set_dev_alias`` with a
    context (see the system capability).
    """

    key = "outlets"

    def __init__(self, device: SimulatedDevice) -> None:
        super().__init__(device)
        now_s = device.clock.now()
        templates: list[Any] = list(self.profile.sysinfo.get("children", []))
        self.outlets: list[Outlet] = []
        for index in range(self.profile.outlet_count):
            template = templates[index] if index < len(templates) else {}
            alias = str(template.get("alias", ""))
            if not alias or MASKED_NAME in alias:
                alias = f"Outlet {index + 1}"
            switch = Switch.from_sysinfo(
                template.get("state", 0), template.get("on_time", 0), now_s
            )
            self.outlets.append(Outlet(alias=alias, switch=switch))
        self._child_keys = (
            list(templates[0]) if templates else ["id", "state", "alias", "on_time", "next_action"]
        )
        device.power = self

    def routes(self) -> Mapping[str, Mapping[str, Handler]]:
        """``system.set_relay_state``."""
        return {commands.SYSTEM: {commands.SET_RELAY_STATE: self.set_relay_state}}

    def targeted(self, call: Call) -> list[int]:
        """Outlets a call is for: its context, or all of them."""
        if call.children is None:
            return list(range(len(self.outlets)))
        return list(call.children)

    def set_relay_state(self, params: JsonDict, call: Call) -> JsonDict:
        """Switch the outlets of the context (all without one)."""
        on = bool(require_int(params, "state", 0, 1))
        for index in self.targeted(call):
            self.switch(index, on, call.now_s, None)
        return {}

    def contribute_sysinfo(self, info: JsonDict, now_s: float) -> None:
        """``children`` (and ``child_num``)."""
        children = []
        for index, outlet in enumerate(self.outlets):
            values: dict[str, Any] = {
                "id": self.device.child_ids[index],
                "state": int(outlet.switch.on),
                "alias": outlet.alias,
                "on_time": outlet.switch.on_time_s(now_s),
                "next_action": self.device.next_action(index, now_s),
            }
            children.append({k: values[k] for k in self._child_keys if k in values})
        info["children"] = children
        info["child_num"] = len(children)

    # PowerControl
    def is_on(self, child: int | None) -> bool:
        """Whether an outlet is on (the strip itself: any outlet on)."""
        if child is None:
            return any(o.switch.on for o in self.outlets)
        return self.outlets[child].switch.on

    def power_w(self, child: int | None) -> float:
        """An outlet's draw (the strip: the sum)."""
        if child is None:
            return sum(self.power_w(i) for i in range(len(self.outlets)))
        return self.device.nominal_power_w(child) if self.outlets[child].switch.on else 0.0

    def switch(self, child: int | None, on: bool, now_s: float, light: JsonDict | None) -> None:
        """Switch one outlet (``None``: all)."""
        indices = range(len(self.outlets)) if child is None else [child]
        for index in indices:
            if self.outlets[index].switch.set(on, now_s):
                self.device.touch()

    def snapshot(self) -> JsonDict:
        """Aliases and relays of the outlets."""
        return {
            "outlets": [{"alias": o.alias, **o.switch.snapshot()} for o in self.outlets],
        }

    def restore(self, state: JsonDict) -> None:
        """Aliases and relays of the outlets."""
        for outlet, saved in zip(self.outlets, state.get("outlets", []), strict=False):
            outlet.alias = str(saved.get("alias", outlet.alias))
            outlet.switch.restore(saved)
