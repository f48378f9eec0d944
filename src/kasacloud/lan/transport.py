"""A python-kasa connection to one IOT device on the LAN.

Failures are sorted into the two outcomes the cloud reports differently: unreachable (-20571) and
too slow (-20002).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from typing import Any, Final

from kasacloud.protocol import commands, families

DEFAULT_TIMEOUT_S: Final = 5.0
"""How long a bridged device has to answer; shorter than the server's ``device_timeout_s``, so the
bridge, which knows whether the device was reached at all, decides between -20571 and -20002."""
SYSINFO_QUERY: Final[dict[str, Any]] = {"system": {"get_sysinfo": {}}}


def sysinfo_of(answer: dict[str, Any]) -> dict[str, Any] | None:
    """The sysinfo inside a device's answer (either system module), or None."""
    for module in (commands.SYSTEM, commands.BULB_SYSTEM):
        try:
            return families.method_result(answer, module, commands.GET_SYSINFO)
        except families.AnswerError:
            continue
    return None


class Unreachable(Exception):
    """The device could not be reached at all (refused, no route, connect timeout)."""


class TooSlow(Exception):
    """The device was reached but did not answer in time."""


class LanQuery:
    """One device's python-kasa connection: send a request dict, get the response dict.

    python-kasa's ``IotProtocol`` over ``XorTransport`` does the framing, the cipher, and one
    retry on a stale kept-alive connection. Connection errors are sorted into "unreachable" and
    "too slow" here, the two outcomes the cloud reports differently.
    """

    def __init__(self, host: str, port: int, timeout_s: float) -> None:
        from kasa import DeviceConfig
        from kasa.protocols import IotProtocol
        from kasa.transports import XorTransport

        self.host = host
        self.port = port
        self.timeout_s = timeout_s
        # python-kasa's timeout is whole seconds; our own asyncio timeout below is the exact one.
        config = DeviceConfig(host=host, port_override=port, timeout=max(1, math.ceil(timeout_s)))
        self._protocol = IotProtocol(transport=XorTransport(config=config))

    async def query(self, request: dict[str, Any]) -> dict[str, Any]:
        """Forward ``request`` and return the device's answer as it is.

        Raises:
            Unreachable: the device cannot be connected to.
            TooSlow: it was connected but did not answer in time.
        """
        from kasa.exceptions import KasaException
        from kasa.exceptions import TimeoutError as KasaTimeoutError

        try:
            async with asyncio.timeout(self.timeout_s):
                answer = await self._protocol.query(request, retry_count=1)
        except (TimeoutError, KasaTimeoutError) as exc:
            await self._reset()
            # python-kasa raises the same TimeoutError for a connect and for an answer that never
            # came; its message names the phase. A connect timeout is an unreachable device.
            if "connecting" in str(exc):
                raise Unreachable(str(exc)) from exc
            raise TooSlow(str(exc) or "no answer in time") from exc
        except (KasaException, OSError) as exc:
            await self._reset()
            raise Unreachable(str(exc)) from exc
        if not isinstance(answer, dict):
            raise Unreachable(f"unexpected answer {type(answer).__name__}")
        return answer

    async def _reset(self) -> None:
        with contextlib.suppress(Exception):
            await self._protocol.close()

    async def close(self) -> None:
        """Close the connection (the next query opens a new one)."""
        await self._reset()
