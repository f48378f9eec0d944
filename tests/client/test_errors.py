"""The exception tree: message first, context as keywords, one table from codes to classes."""

from __future__ import annotations

import pytest
from client_helpers import DEMO, client

from kasacloud import DeviceError, DeviceOfflineError, KasaCloudError, NotFoundError
from kasacloud.client import errors as E
from kasacloud.server import LocalCloud

pytestmark = pytest.mark.anyio


def test_errors_take_the_message_first_and_context_as_keywords() -> None:
    error = DeviceOfflineError("Kettle is offline", code=-20571, device_id="80AB")
    assert (error.message, error.code, error.device_id) == ("Kettle is offline", -20571, "80AB")
    assert str(error) == "Kettle is offline (error -20571)"
    assert repr(error) == "DeviceOfflineError('Kettle is offline', code=-20571, device_id='80AB')"
    plain = NotFoundError("no such device")
    assert plain.code is None
    assert str(plain) == "no such device"
    device = E.device_error(-2, None, module="emeter", method="get_daystat", device_id="80AB")
    assert isinstance(device, DeviceError)
    assert (device.err_code, device.module, device.method) == (-2, "emeter", "get_daystat")
    assert str(device).startswith("emeter.get_daystat: ")
    assert isinstance(E.from_code(-20571), DeviceOfflineError)
    assert isinstance(E.from_code(-12345, "new"), KasaCloudError)


async def test_a_device_error_names_the_device(shared_cloud: LocalCloud) -> None:
    async with client(shared_cloud.url) as cloud:
        await cloud.login(*DEMO)
        garage = await cloud.device("Garage plug")
        with pytest.raises(DeviceOfflineError) as info:
            await garage.turn_on()
        assert info.value.device_id == garage.device_id
        assert "Garage plug is offline" in str(info.value)
