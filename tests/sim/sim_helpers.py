"""Small helpers shared by the simulator tests."""

from __future__ import annotations

from typing import Any

from kasacloud.sim import SimulatedDevice


def shape(value: Any) -> Any:
    """The structure of a JSON value: dict keys, list element shapes, scalar type names."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted({repr(shape(v)) for v in value})
    return type(value).__name__


def call(device: SimulatedDevice, module: str, method: str, params: Any = None, **ctx: Any) -> Any:
    """One method's answer."""
    request: dict[str, Any] = {module: {method: params}}
    if ctx:
        request["context"] = ctx
    return device.handle(request)[module][method]


def sysinfo(device: SimulatedDevice) -> dict[str, Any]:
    info = call(device, "system", "get_sysinfo")
    assert info["err_code"] == 0
    return info  # type: ignore[no-any-return]


def shape_matches(actual: Any, expected: Any) -> bool:
    """Like ``shape(a) == shape(b)``, except that an empty list matches any list."""
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and set(actual) == set(expected)
            and all(shape_matches(actual[k], expected[k]) for k in expected)
        )
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return False
        if not actual or not expected:
            return True
        return all(any(shape_matches(a, e) for e in expected) for a in actual)
    return type(actual) is type(expected)
