"""Which app a call comes from (Kasa or Tapo), what its device list shows, SMART renames.

PROTOCOL.md section 6. The app of a call is the key pair that signed it (V2), or the ``appType``
in the query string (unsigned V1). Each app lists its own devices (:func:`listed_for`, the
choice recorded in ``protocol/assumptions.py``); the Tapo list's ``alias`` is base64.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from kasacloud.protocol import assumptions, smart
from kasacloud.protocol.errors import ErrorCode
from kasacloud.protocol.signing import TAPO_APP, AppKey
from kasacloud.server.faults import Fault
from kasacloud.server.registry import HostedEntry, Registry

KASA: Final = "kasa"
TAPO: Final = TAPO_APP.name


def app_of(signed_by: AppKey | None, query: Mapping[str, str]) -> str:
    """The app a call comes from: the signing key's app, else the query's ``appType``."""
    if signed_by is not None:
        return signed_by.name
    app_type = query.get("appType", "")
    return TAPO if "tapo" in app_type.lower() else KASA


def is_smart(entry: HostedEntry) -> bool:
    """Whether a hosted device speaks the SMART command set (``deviceType`` ``SMART.*``)."""
    return smart.is_smart_device_type(entry.device.cloud_info().get("deviceType"))


def listed_for(app: str, entry: HostedEntry) -> bool:
    """Whether ``app``'s device list shows ``entry`` (see ``protocol/assumptions.py``)."""
    device_type = str(entry.device.cloud_info().get("deviceType", ""))
    if not smart.is_smart_device_type(device_type):
        return app != TAPO or assumptions.TAPO_APP_LISTS_IOT_DEVICES
    if app == TAPO:
        return True
    return device_type.startswith(assumptions.SMART_TYPES_IN_KASA_APP)


def list_entry(app: str, entry: dict[str, Any]) -> dict[str, Any]:
    """A list entry as ``app`` sees it: the Tapo list's ``alias`` is base64 of the name."""
    if app == TAPO and smart.is_smart_device_type(entry.get("deviceType")):
        return {**entry, "alias": smart.encode_text(str(entry.get("alias", "")))}
    return entry


async def set_smart_alias(registry: Registry, entry: HostedEntry, alias: str) -> None:
    """Rename a SMART device: ``set_device_info`` with its base64 ``nickname``.

    Raises:
        Fault: -20571 if the device is offline, -20572 if it refuses the name.
    """
    if not entry.is_online():
        raise Fault(assumptions.OFFLINE_SETALIAS_CODE)
    request = smart.smart_request("set_device_info", {"nickname": smart.encode_text(alias)})
    answer = await registry.passthrough(entry, request)
    if smart.error_code_of(answer) != 0:
        raise Fault(ErrorCode.ALIAS_FORMAT)
