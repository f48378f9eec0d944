"""The device's own view of its cloud binding: ``cnCloud.get_info``."""

from __future__ import annotations

from typing import Any

from kasacloud.client.devices.modules.base import Module
from kasacloud.protocol import commands as C


class CloudInfo(Module):
    """Read-only cloud connection info: ``username``, ``server``, ``binded``, ``cld_connection``."""

    key = Module.Cloud

    async def get_info(self) -> dict[str, Any]:
        """The device's ``get_info`` answer."""
        return await self.call(C.GET_INFO)
