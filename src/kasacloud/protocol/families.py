"""The device vocabulary both sides share: families, outlet ids, answer shapes, name limits.

The client types a listed device from these rules, the simulator builds its devices with them and
the server checks names against them, so that "what kind of device is this" has one answer.

>>> classify(device_type="IOT.SMARTPLUGSWITCH", sysinfo={"children": [], "child_num": 3})
<Family.STRIP: 'strip'>
>>> family_named("lightstrip")  # the names of profile and seed files written before 0.2
<Family.LIGHT_STRIP: 'light_strip'>
>>> outlet_id("8006" + "0" * 36, 2)[-2:]
'02'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any, Final

from kasacloud.protocol import assumptions
from kasacloud.protocol import commands as C


class Family(StrEnum):
    """What a device is, whatever its model: the client's ``Device.kind`` values.

    These strings are public: the CLI's JSON (``kind``) and the dashboard use them.
    """

    PLUG = "plug"
    WALL_SWITCH = "wall_switch"
    DIMMER = "dimmer"
    STRIP = "strip"
    OUTLET = "outlet"
    BULB = "bulb"
    LIGHT_STRIP = "light_strip"
    HUB = "hub"
    """A SMART hub (H100, KH100): its children are sensors."""
    SENSOR = "sensor"
    """A hub's child that reports readings (temperature, humidity, contact, motion, button)."""
    OTHER = "device"
    """Listed but not driven (cameras, and kinds this library does not know)."""

    @property
    def is_light(self) -> bool:
        """Bulbs and light strips (a dimmer is a switch with brightness)."""
        return self in (Family.BULB, Family.LIGHT_STRIP)

    @property
    def noun(self) -> str:
        """How a person names the family: ``"wall switch"``, ``"light strip"``."""
        return _NOUNS[self]


_NOUNS: Final[dict[Family, str]] = {
    Family.PLUG: "plug",
    Family.WALL_SWITCH: "switch",
    Family.DIMMER: "dimmer",
    Family.STRIP: "power strip",
    Family.OUTLET: "outlet",
    Family.BULB: "bulb",
    Family.LIGHT_STRIP: "light strip",
    Family.HUB: "hub",
    Family.SENSOR: "sensor",
    Family.OTHER: "device",
}

LEGACY_FAMILY_NAMES: Final[dict[str, Family]] = {
    "switch": Family.WALL_SWITCH,
    "lightstrip": Family.LIGHT_STRIP,
}
"""The simulator's own names before 0.2, still accepted in profile and seed files."""


def family_named(name: str) -> Family:
    """The family called ``name`` (today's names, or the legacy ``switch``/``lightstrip``).

    Raises:
        ValueError: no family has that name; the message lists the names there are.
    """
    if name in LEGACY_FAMILY_NAMES:
        return LEGACY_FAMILY_NAMES[name]
    try:
        return Family(name)
    except ValueError:
        known = ", ".join(f.value for f in Family if f is not Family.OTHER)
        raise ValueError(f"unknown device family {name!r}: expected one of {known}") from None


# Model prefixes, for devices listed offline (no sysinfo to look at). These are IOT models only.
_STRIP_MODELS: Final = ("HS300", "HS107", "KP303", "KP400", "KP200", "EP40", "HS1071")
_DIMMER_MODELS: Final = ("HS220", "KS220", "ES20M", "KS230", "KP405")
_SWITCH_MODELS: Final = ("HS200", "HS210", "KS200", "KS205", "KS200M")
_LIGHT_STRIP_MODELS: Final = ("KL400", "KL420", "KL430")


def model_prefix(model: str) -> str:
    """A model name without its region, upper case: ``"hs110(EU)"`` -> ``"HS110"``."""
    return model.split("(", 1)[0].strip().upper()


def classify(
    *,
    device_type: str = "",
    model: str = "",
    sysinfo: Mapping[str, Any] | None = None,
    modules: Sequence[str] = (),
) -> Family:
    """The family of an IOT device: from its sysinfo when there is one, else type and model.

    ``modules`` are wire modules the device is known to answer (a capture's top-level keys): a
    bulb with ``smartlife.iot.lightStrip`` is a light strip even if its sysinfo lacks ``length``.
    """
    prefix = model_prefix(model or str((sysinfo or {}).get("model") or ""))
    if sysinfo:
        kind = str(sysinfo.get("type") or sysinfo.get("mic_type") or device_type).lower()
        name = str(sysinfo.get("dev_name") or sysinfo.get("description") or "").lower()
        if "smartbulb" in kind:
            strip = "length" in sysinfo or C.LIGHT_STRIP in modules
            return Family.LIGHT_STRIP if strip else Family.BULB
        if "smartplug" in kind:
            if "children" in sysinfo or "child_num" in sysinfo:
                return Family.STRIP
            if "dimmer" in name or "brightness" in sysinfo:
                return Family.DIMMER
            if "switch" in name or "light" in name:
                return Family.WALL_SWITCH
            return Family.PLUG
    if device_type == C.DEVICE_TYPE_BULB:
        return Family.LIGHT_STRIP if prefix.startswith(_LIGHT_STRIP_MODELS) else Family.BULB
    if device_type in (C.DEVICE_TYPE_PLUG, C.DEVICE_TYPE_RANGE_EXTENDER):
        for models, family in (
            (_STRIP_MODELS, Family.STRIP),
            (_DIMMER_MODELS, Family.DIMMER),
            (_SWITCH_MODELS, Family.WALL_SWITCH),
        ):
            if prefix.startswith(models):
                return family
        return Family.PLUG
    return Family.OTHER


# ---- SMART devices -----------------------------------------------------------------------------

SMART_SENSOR_TYPES: Final = ("SMART.TAPOSENSOR", "SMART.KASAENERGY")


def component_ids(component_nego: Mapping[str, Any] | None) -> dict[str, int]:
    """``{component id: ver_code}`` of a ``component_nego`` answer (or a child's component list)."""
    found: dict[str, int] = {}
    for item in (component_nego or {}).get("component_list") or []:
        if isinstance(item, Mapping) and isinstance(item.get("id"), str):
            code = item.get("ver_code")
            found[item["id"]] = code if isinstance(code, int) and not isinstance(code, bool) else 1
    return found


def classify_smart_device(
    *, device_type: str, components: Mapping[str, int], info: Mapping[str, Any] | None = None
) -> Family:
    """The client's family of a SMART device (or child), from ``component_nego`` and type.

    Unlike :func:`classify_smart` (the simulator's naming), hubs and their sensors are families
    of their own here (``hub``, ``sensor``), and a multi-gang switch is a strip of its gangs.

    No model names: what the device says it can do decides. A hub's type names it; a device with
    children (``control_child``) is a strip of them; a light strip has ``light_strip``; a bulb is
    a ``TAPOBULB``; a switch with ``brightness`` is a dimmer; a child without an on/off state
    (``device_on``) is a sensor.

    >>> classify_smart_device(device_type="SMART.TAPOPLUG", components={"device": 2, "led": 1})
    <Family.PLUG: 'plug'>
    """
    kind = device_type.upper()
    has = components.__contains__
    if kind.startswith(SMART_HUB_TYPES):
        return Family.HUB
    if "CAMERA" in kind:
        return Family.OTHER
    if kind.startswith(SMART_SENSOR_TYPES):
        return Family.SENSOR
    if has("control_child") and has("child_device"):
        return Family.STRIP
    if info is not None and "device_on" not in info:
        return Family.SENSOR  # nothing to switch: a child that only reports
    if has("light_strip"):
        return Family.LIGHT_STRIP
    if "BULB" in kind:
        return Family.BULB
    if "SWITCH" in kind:
        return Family.DIMMER if has("brightness") else Family.WALL_SWITCH
    if "PLUG" in kind:
        return Family.DIMMER if has("brightness") else Family.PLUG
    return Family.OTHER


# ---- strip outlets ------------------------------------------------------------------------------


def outlet_id(parent_id: str, index: int) -> str:
    """The id of a strip's outlet: the parent's id and a 2-digit, zero-based index."""
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index <= 99:
        raise ValueError(f"outlet index must be 0..99, got {index!r}")
    return f"{parent_id}{index:02d}"


def outlet_ids(parent_id: str, children: Sequence[Mapping[str, Any]]) -> list[str]:
    """The full ids of a strip's ``children``, in order.

    Real strips report full ids; some firmware reports only the 2-digit index, and then the id is
    the parent's with that index appended.
    """
    ids = []
    for i, child in enumerate(children):
        cid = str(child.get("id", ""))
        ids.append(
            cid if cid.startswith(parent_id) and cid != parent_id else outlet_id(parent_id, i)
        )
    return ids


def child_matches(parent_id: str, child: Mapping[str, Any], wanted_id: str) -> bool:
    """Whether a ``children`` entry is the outlet ``wanted_id`` (by full id or 2-digit suffix)."""
    cid = str(child.get("id", ""))
    return cid == wanted_id or (
        wanted_id.startswith(parent_id) and cid == wanted_id[len(parent_id) :]
    )


# ---- the module/method answer shape -------------------------------------------------------------


class AnswerError(ValueError):
    """A device answer that says ``err_code != 0``, or lacks what was asked.

    ``err_code`` is ``None`` when the part is missing (a malformed answer, not a device error).
    """

    def __init__(self, message: str, *, err_code: int | None, module: str, method: str) -> None:
        super().__init__(message)
        self.err_code = err_code
        self.module = module
        self.method = method


def method_answer(result: Mapping[str, Any] | None = None, *, err_code: int = 0) -> dict[str, Any]:
    """One method's answer as devices send it: its fields plus ``err_code``."""
    return {**(result or {}), "err_code": err_code}


def method_result(response: Mapping[str, Any], module: str, method: str) -> dict[str, Any]:
    """The answer of ``module.method`` inside ``{module: {method: {...}}}``, without ``err_code``.

    A module may answer an error for all its methods (``{module: {"err_code": -1}}``), or one
    method may (``{module: {method: {"err_code": -2}}}``).

    Raises:
        AnswerError: the device answered an error (``err_code`` set), or the answer lacks the
            module or the method (``err_code is None``).
    """
    part = response.get(module)
    if not isinstance(part, Mapping):
        raise AnswerError(
            f"the device's answer lacks {module!r}", err_code=None, module=module, method=method
        )
    if part.get("err_code", 0) not in (0, None) and method not in part:
        raise AnswerError(
            str(part.get("err_msg") or ""), err_code=int(part["err_code"]), module=module,
            method=method,
        )  # fmt: skip
    result = part.get(method)
    if not isinstance(result, Mapping):
        raise AnswerError(
            f"the device's answer lacks {module}.{method}", err_code=None, module=module,
            method=method,
        )  # fmt: skip
    code = result.get("err_code", 0)
    if code not in (0, None):
        raise AnswerError(
            str(result.get("err_msg") or ""), err_code=int(code), module=module, method=method
        )
    return {k: v for k, v in result.items() if k != "err_code"}


# ---- names --------------------------------------------------------------------------------------

ALIAS_MAX_CHARS: Final = assumptions.ALIAS_MAX_CHARS
"""The longest device name, in characters (see :mod:`kasacloud.protocol.assumptions`)."""


def alias_problem(alias: object) -> str | None:
    """Why ``alias`` cannot be a device's name, or ``None`` when it can.

    A name is text of 1 to :data:`ALIAS_MAX_CHARS` characters, not only spaces, with no control
    characters and no lone surrogates (which no device or JSON encoder can store).
    """
    if not isinstance(alias, str):
        return f"a name is text, got {type(alias).__name__}"
    if not alias.strip():
        return "a name cannot be empty"
    if len(alias) > ALIAS_MAX_CHARS:
        return f"a name has at most {ALIAS_MAX_CHARS} characters, this one has {len(alias)}"
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in alias):
        return "a name cannot hold control characters (new lines, tabs)"
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in alias):
        return "a name cannot hold unpaired surrogate characters"
    return None


# ---- SMART devices (Tapo, and Kasa hardware since 2022) ------------------------------------------

SMART_HUB_TYPES: Final = ("SMART.TAPOHUB", "SMART.KASAHUB")


def classify_smart(
    components: Mapping[str, int] | Sequence[str],
    *,
    device_type: str = "",
    child_categories: Sequence[str] = (),
) -> Family:
    """The family of a SMART device, from its ``component_nego`` ids (never its model name).

    ``child_categories`` are the ``category`` of its children (``plug.powerstrip.sub-plug``,
    ``subg.trigger.contact-sensor`` ...). A hub, and a hub's sensors, are ``Family.OTHER``: what
    they show are their children's readings, not a state of their own.

    >>> classify_smart(["device", "brightness", "color", "color_temperature"])
    <Family.BULB: 'bulb'>
    >>> classify_smart(["device", "control_child"], child_categories=["plug.powerstrip.sub-plug"])
    <Family.STRIP: 'strip'>
    """
    ids = set(components)
    kind = device_type.upper()
    if kind in SMART_HUB_TYPES or any(c.startswith("subg.") for c in child_categories):
        return Family.OTHER
    if "light_strip" in ids or "light_strip_lighting_effect" in ids:
        return Family.LIGHT_STRIP
    if {"color", "color_temperature"} & ids or kind.endswith("BULB"):
        return Family.BULB
    if child_categories and ("child_device" in ids or "control_child" in ids):
        if any("powerstrip" in c or c.endswith("sub-plug") for c in child_categories):
            return Family.STRIP
        return Family.WALL_SWITCH  # a multi-gang switch (KS240): its gangs are the children
    if "brightness" in ids:
        return Family.DIMMER
    if kind.endswith("SWITCH"):
        return Family.WALL_SWITCH
    if kind.endswith(("PLUG", "ENERGY")) or "device" in ids:
        return Family.PLUG
    return Family.OTHER


def classify_smart_child(category: str, components: Mapping[str, int] | Sequence[str]) -> Family:
    """The family of a SMART device's child: a strip's outlet, a gang, or a hub's sensor."""
    ids = set(components)
    if category.startswith("subg."):
        return Family.OTHER
    if "powerstrip" in category or category.endswith("sub-plug"):
        return Family.OUTLET
    if "brightness" in ids or category.endswith("sub-dimmer"):
        return Family.DIMMER
    return Family.WALL_SWITCH
