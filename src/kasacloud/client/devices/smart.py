"""The SMART side of a device's update: one ``multipleRequest``, its answers shared out.

:func:`update_requests` is what :meth:`Device.update` sends for a SMART device: the device info,
every module's reads, the child list and, for children that read more than their info (a strip
outlet's meter), a nested ``control_child`` ``multipleRequest``: one round trip in all (hubs with
more than one page of children page on). :func:`absorb` takes the answer: components, info,
children, then each module's part.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from kasacloud.client import errors as E
from kasacloud.client.devices.modules.smart import SmartModule
from kasacloud.protocol import families
from kasacloud.protocol import smart as S

if TYPE_CHECKING:
    from kasacloud.client.devices.device import Device

GET_DEVICE_INFO: Final = "get_device_info"
CHILD_LIST: Final = "get_child_device_list"
CHILD_COMPONENTS: Final = "get_child_device_component_list"

LISTING_READS: Final = (
    "get_energy_usage",
    "get_current_power",
    "get_emeter_data",
    "get_led_info",
    "get_device_time",
    "get_lighting_effect",
    "get_on_off_gradually_info",
)
"""Reads a listing with ``update=True`` adds before the device is typed (every read a SMART module
makes, so that the listing is the device's one round trip); a device without one answers
"unknown method" for it, which costs a few bytes and tells what it lacks."""

Answer = tuple[str, int, dict[str, Any]]
"""One batched method's ``(method, error_code, result)``."""


def listing_requests(*, update: bool) -> list[dict[str, Any]]:
    """What typing a listed SMART device reads: components, info, children (and readings)."""
    reads: list[dict[str, Any]] = [
        {"method": S.COMPONENT_NEGO},
        {"method": GET_DEVICE_INFO},
        {"method": CHILD_LIST, "params": {"start_index": 0}},
        {"method": CHILD_COMPONENTS, "params": {"start_index": 0}},
    ]
    if update:
        reads += [{"method": m} for m in LISTING_READS]
    return reads


def smart_modules_of(device: Device) -> list[SmartModule]:
    """The device's SMART modules that still read (not found unsupported)."""
    return [
        m
        for m in device.modules.values()
        if isinstance(m, SmartModule) and m.supported is not False
    ]


def update_requests(device: Device) -> list[dict[str, Any]]:
    """What one update of ``device`` sends, batched in one ``multipleRequest``."""
    reads: list[dict[str, Any]] = []
    if not device.components:
        reads.append({"method": S.COMPONENT_NEGO})
    reads.append({"method": GET_DEVICE_INFO})
    for module in smart_modules_of(device):
        reads += module.requests()
    if device.has_component("child_device") or not device.components:
        reads.append({"method": CHILD_LIST, "params": {"start_index": 0}})
        known = device.smart_child_components
        infos = device.smart_child_infos
        if not infos or any(str(i.get("device_id")) not in known for i in infos):
            reads.append({"method": CHILD_COMPONENTS, "params": {"start_index": 0}})
        for child in getattr(device, "children", ()):
            child_reads = [r for m in smart_modules_of(child) for r in m.requests()]
            if child_reads:
                reads.append(child_request(child.device_id, multiple(child_reads)))
    return reads


def multiple(requests: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A ``multipleRequest`` of ``requests`` (without the time stamp: nested ones need none)."""
    return {"method": S.MULTIPLE_REQUEST, "params": {"requests": [dict(r) for r in requests]}}


def child_request(child_id: str, request: Mapping[str, Any]) -> dict[str, Any]:
    """``control_child``: ``request`` for the child ``child_id``."""
    return {
        "method": S.CONTROL_CHILD,
        "params": {"device_id": child_id, "requestData": dict(request)},
    }


def result_of(answer: object, *, method: str, device_id: str) -> dict[str, Any]:
    """The ``result`` of a SMART answer; raise the device's error.

    Raises:
        DeviceError: ``error_code != 0`` (the device's own code).
        ProtocolError: not a SMART answer.
    """
    code = S.error_code_of(answer)
    if code is None:
        raise E.ProtocolError(f"the device's answer to {method} is not a SMART answer")
    if code != 0:
        name = _error_name(code)
        raise E.device_error(code, name, module="smart", method=method, device_id=device_id)
    assert isinstance(answer, Mapping)
    result = answer.get("result")
    return dict(result) if isinstance(result, Mapping) else {}


def _error_name(code: int) -> str:
    try:
        return S.SmartErrorCode(code).name.lower().replace("_", " ")
    except ValueError:
        return "the device refused the request"


def batch_answers(
    requests: Sequence[Mapping[str, Any]], answer: object, device_id: str
) -> list[Answer]:
    """The answers of a ``multipleRequest``, in the order of ``requests``.

    Raises:
        DeviceError, ProtocolError: the batch itself failed or is malformed.
    """
    result = result_of(answer, method=S.MULTIPLE_REQUEST, device_id=device_id)
    responses = result.get("responses")
    if not isinstance(responses, list):
        raise E.ProtocolError("the device's multipleRequest answer has no responses")
    out: list[Answer] = []
    for request, response in zip(requests, responses, strict=False):
        method = str(request.get("method"))
        if not isinstance(response, Mapping):
            raise E.ProtocolError(f"malformed answer to {method} in a multipleRequest")
        code = S.error_code_of(response)
        body = response.get("result")
        out.append(
            (
                method,
                code if code is not None else 0,
                dict(body) if isinstance(body, Mapping) else {},
            )
        )
    return out


def absorb(device: Device, requests: Sequence[Mapping[str, Any]], answer: object) -> None:
    """Take the answer to ``requests`` (:func:`update_requests` or :func:`listing_requests`)."""
    answers = batch_answers(requests, answer, device.device_id)
    by_method: dict[str, Answer] = {}
    for item in answers:
        by_method.setdefault(item[0], item)
    learned = False
    if S.COMPONENT_NEGO in by_method:
        _, code, result = by_method[S.COMPONENT_NEGO]
        if code == 0 and not device.components:
            device.components = families.component_ids(result)
            learned = True
    if GET_DEVICE_INFO in by_method:
        method, code, result = by_method[GET_DEVICE_INFO]
        if code != 0:
            result_of({"error_code": code}, method=method, device_id=device.device_id)
        device.absorb_smart_info(result, rebuild=learned)
    if CHILD_COMPONENTS in by_method and by_method[CHILD_COMPONENTS][1] == 0:
        for item in by_method[CHILD_COMPONENTS][2].get("child_component_list") or []:
            if isinstance(item, Mapping) and item.get("device_id") is not None:
                device.smart_child_components[str(item["device_id"])] = families.component_ids(item)
    if CHILD_LIST in by_method and by_method[CHILD_LIST][1] == 0:
        listing = by_method[CHILD_LIST][2]
        infos = [dict(i) for i in listing.get("child_device_list") or [] if isinstance(i, Mapping)]
        device.smart_child_infos = infos
        device.smart_child_total = int(listing.get("sum") or len(infos))
        device.sync_smart_children()
    modules = smart_modules_of(device)
    children = {c.device_id: c for c in getattr(device, "children", ())}
    for (method, code, result), request in zip(answers, requests, strict=False):
        if method == S.CONTROL_CHILD:
            params = request.get("params") or {}
            child = children.get(str(params.get("device_id")))
            if child is not None and code == 0:
                nested = params.get("requestData") or {}
                data = result.get("responseData")
                _absorb_modules(
                    child, batch_answers(nested["params"]["requests"], data, child.device_id)
                )
            continue
        _absorb_modules(device, [(method, code, result)], modules)
    device.refresh_features()
    for child in children.values():
        child.refresh_features()


def _absorb_modules(
    device: Device, answers: Sequence[Answer], modules: Sequence[SmartModule] | None = None
) -> None:
    for method, code, result in answers:
        for module in modules if modules is not None else smart_modules_of(device):
            if any(r.get("method") == method for r in module.requests()):
                module.absorb_answer(method, code, result)
