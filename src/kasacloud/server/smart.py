"""``POST /api/v2/common/passthrough``: SMART requests to SMART devices (PROTOCOL.md section 6).

Signed like every V2 call, the token in the query string, a flat body ``{"deviceId",
"requestData"}``; ``requestData`` and ``responseData`` are a JSON string or an object, answered in
the form asked. An IOT device reached here answers
:data:`~kasacloud.protocol.assumptions.IOT_DEVICE_ON_SMART_PASSTHROUGH_CODE`; a SMART device reached
through the V1 ``passthrough`` answers -20571 (:mod:`kasacloud.server.v1`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from kasacloud.protocol import assumptions, envelope, request_data
from kasacloud.protocol.errors import ErrorCode
from kasacloud.server.apps import is_smart
from kasacloud.server.calls import Call, require
from kasacloud.server.faults import Fault
from kasacloud.server.v1 import authenticate

log = logging.getLogger("kasacloud.server.smart")


async def common_passthrough(call: Call, payload: object) -> dict[str, Any]:
    """``POST /api/v2/common/passthrough``: a SMART request to a device, answered in kind."""
    if not isinstance(payload, Mapping):
        return envelope.failure(ErrorCode.JSON_FORMAT)
    try:
        account = authenticate(call, payload)
        entry = call.service.registry.owned(account, payload.get("deviceId"))
        require(payload, "requestData")
        try:
            request, as_string = request_data.decode(payload["requestData"])
        except request_data.RequestDataError as exc:
            raise Fault(ErrorCode.ARGS_INVALID, f"args is invalid: requestData {exc}") from None
        if not is_smart(entry):
            raise Fault(assumptions.IOT_DEVICE_ON_SMART_PASSTHROUGH_CODE)
        response = await call.service.registry.passthrough(entry, request)
    except Fault as fault:
        log.info("SMART passthrough answered %d", fault.code)
        return fault.body()
    return envelope.success({"responseData": request_data.encode(response, as_string=as_string)})
