"""The one exception of the SMART simulator: a method answered with the device's error code."""

from __future__ import annotations


class SmartDeviceError(Exception):
    """A method's answer is an error code (the device's own table, ``SmartErrorCode``)."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = int(code)
