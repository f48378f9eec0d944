"""kasacloud's client: an account's Kasa devices through TP-Link's cloud, async and blocking.

Start with :class:`KasaCloud` (re-exported as ``kasacloud.KasaCloud``); the blocking twin is
:class:`kasacloud.sync.KasaCloud`. docs/guide.md walks through it.
"""

from __future__ import annotations

from kasacloud.client.cloud import URL_ENV, KasaCloud
from kasacloud.client.devices import (
    HSV,
    AwayRule,
    Bulb,
    CountdownRule,
    Device,
    Dimmer,
    LightStrip,
    Outlet,
    Plug,
    ScheduleRule,
    Strip,
    WallSwitch,
)
from kasacloud.client.energy import EnergyDay, EnergyMonth, EnergyReading
from kasacloud.client.errors import (
    AmbiguousDeviceError,
    AuthenticationError,
    CloudConnectionError,
    CloudTimeoutError,
    DeviceError,
    DeviceOfflineError,
    InvalidArgumentError,
    KasaCloudError,
    MfaChallenge,
    NotFoundError,
    ProtocolError,
    RateLimitedError,
    TokenExpiredError,
    VerificationRequired,
)
from kasacloud.client.redact import redact
from kasacloud.client.retry import RetryPolicy
from kasacloud.client.secrets import Secret
from kasacloud.client.tokens import (
    FileTokenStore,
    KeyringTokenStore,
    MemoryTokenStore,
    Tokens,
    TokenStore,
    installation_terminal_id,
)

__all__ = [
    "HSV",
    "URL_ENV",
    "AmbiguousDeviceError",
    "AuthenticationError",
    "AwayRule",
    "Bulb",
    "CloudConnectionError",
    "CloudTimeoutError",
    "CountdownRule",
    "Device",
    "DeviceError",
    "DeviceOfflineError",
    "Dimmer",
    "EnergyDay",
    "EnergyMonth",
    "EnergyReading",
    "FileTokenStore",
    "InvalidArgumentError",
    "KasaCloud",
    "KasaCloudError",
    "KeyringTokenStore",
    "LightStrip",
    "MemoryTokenStore",
    "MfaChallenge",
    "NotFoundError",
    "Outlet",
    "Plug",
    "ProtocolError",
    "RateLimitedError",
    "RetryPolicy",
    "ScheduleRule",
    "Secret",
    "Strip",
    "TokenExpiredError",
    "TokenStore",
    "Tokens",
    "VerificationRequired",
    "WallSwitch",
    "installation_terminal_id",
    "redact",
]
