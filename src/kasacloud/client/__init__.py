"""kasacloud's client: an account's Kasa devices through TP-Link's cloud, async and blocking.

Start with :class:`KasaCloud` (re-exported as ``kasacloud.KasaCloud``); the blocking twin is
:class:`kasacloud.sync.KasaCloud`. docs/guide.md walks through it.
"""

from __future__ import annotations

from kasacloud.client.cloud import DEFAULT_TIMEOUT_S, NO_RATE_LIMIT, URL_ENV, KasaCloud
from kasacloud.client.devices import (
    HSV,
    Away,
    AwayRule,
    Bulb,
    Countdown,
    CountdownRule,
    Device,
    Dimmer,
    LightStrip,
    Outlet,
    Plug,
    Rule,
    Rules,
    Schedule,
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
    existing_terminal_id,
    installation_terminal_id,
)

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "HSV",
    "NO_RATE_LIMIT",
    "URL_ENV",
    "AmbiguousDeviceError",
    "AuthenticationError",
    "Away",
    "AwayRule",
    "Bulb",
    "CloudConnectionError",
    "CloudTimeoutError",
    "Countdown",
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
    "Rule",
    "Rules",
    "Schedule",
    "ScheduleRule",
    "Secret",
    "Strip",
    "TokenExpiredError",
    "TokenStore",
    "Tokens",
    "VerificationRequired",
    "WallSwitch",
    "existing_terminal_id",
    "installation_terminal_id",
    "redact",
]
