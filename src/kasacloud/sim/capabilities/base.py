"""What every capability shares: the handler signature, device errors, the power interface."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from kasacloud.protocol import errors

if TYPE_CHECKING:
    from kasacloud.sim.device import SimulatedDevice

JsonDict = dict[str, Any]


class DeviceError(Exception):
    """A device-level error: answered as ``{"err_code": code, "err_msg": message}``."""

    def __init__(self, code: int, message: str | None = None) -> None:
        self.code = code
        self.message = message or errors.DEVICE_ERRORS.get(code, "unknown error")
        super().__init__(f"{code} {self.message}")

    def as_answer(self) -> JsonDict:
        """The error as the device answers it."""
        return {"err_code": self.code, "err_msg": self.message}


def invalid(reason: str = "") -> DeviceError:
    """-3 "invalid argument" (``reason`` is for our logs and tests, not sent on the wire)."""
    error = DeviceError(errors.DEVICE_INVALID_ARGUMENT)
    error.add_note(reason)
    return error


@dataclass(frozen=True, slots=True)
class Call:
    """One method call inside a request: when it is handled, and which outlets it targets."""

    now_s: float
    children: tuple[int, ...] | None
    """Outlet indices from ``context.child_ids``; ``None`` when the call is for the device."""


Handler = Callable[[JsonDict, Call], JsonDict]
"""A method: takes its parameters (``{}`` for ``null``) and answers without ``err_code``."""


class PowerControl(Protocol):
    """The capability that switches the load: relay, outlets, a bulb's or a strip's light.

    ``child`` is an outlet index on strips, ``None`` for the device itself. Rules use this to
    act; energy meters use it to know the draw.
    """

    def is_on(self, child: int | None) -> bool:
        """Whether the load is switched on."""
        ...

    def power_w(self, child: int | None) -> float:
        """Steady draw of the load now, in watts (0 while off)."""
        ...

    def switch(self, child: int | None, on: bool, now_s: float, light: JsonDict | None) -> None:
        """Switch on or off (``light``: a bulb schedule's light state, ignored elsewhere)."""
        ...


class Capability:
    """One behaviour of a device (a relay, an energy meter, a rule table...).

    Subclasses set ``key`` (the name a profile lists), declare their methods in
    :meth:`routes`, write their part of ``get_sysinfo`` in :meth:`contribute_sysinfo`, and keep
    their persistent state in :meth:`snapshot` / :meth:`restore`.
    """

    key: ClassVar[str]

    def __init__(self, device: SimulatedDevice) -> None:
        self.device = device
        self.profile = device.profile

    def routes(self) -> Mapping[str, Mapping[str, Handler]]:
        """``module -> method -> handler`` for what this capability answers."""
        return {}

    def contribute_sysinfo(self, info: JsonDict, now_s: float) -> None:
        """Write this capability's fields into a ``get_sysinfo`` answer."""

    def snapshot(self) -> JsonDict:
        """Persistent state, JSON-ready."""
        return {}

    def restore(self, state: JsonDict) -> None:
        """Load state written by :meth:`snapshot`."""

    def next_event_s(self, after_s: float) -> float | None:
        """The first time strictly after ``after_s`` when this capability acts on its own."""
        return None

    def fire(self, at_s: float) -> None:
        """Act at ``at_s``, a time :meth:`next_event_s` returned."""


def require_int(params: Mapping[str, Any], name: str, low: int, high: int) -> int:
    """Read an integer parameter within ``[low, high]``, or raise -3."""
    value = params.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(f"{name} must be an integer")
    if not low <= value <= high:
        raise invalid(f"{name} must be within {low}..{high}")
    return value


def optional_int(params: Mapping[str, Any], name: str, low: int, high: int) -> int | None:
    """Like :func:`require_int`, but ``None`` when the parameter is absent."""
    if name not in params:
        return None
    return require_int(params, name, low, high)
