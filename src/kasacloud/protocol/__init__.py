"""The wire protocol of TP-Link's cloud, shared by kasacloud's client and server. Pure: no I/O.

- :mod:`~kasacloud.protocol.envelope`: the V1 JSON envelope and how answers are read;
- :mod:`~kasacloud.protocol.request_data`: the passthrough ``requestData`` codec;
- :mod:`~kasacloud.protocol.signing`: V2 ``Content-MD5`` and ``X-Authorization``;
- :mod:`~kasacloud.protocol.errors`: the error table, with retry policy;
- :mod:`~kasacloud.protocol.commands`: the device command vocabulary;
- :mod:`~kasacloud.protocol.hosts`: TP-Link's hosts and app identity;
- :mod:`~kasacloud.protocol.assumptions`: every detail not yet confirmed, in one place.
"""

from __future__ import annotations

from kasacloud.protocol import (
    assumptions,
    commands,
    envelope,
    errors,
    hosts,
    request_data,
    signing,
)
from kasacloud.protocol.envelope import Reply, parse_reply
from kasacloud.protocol.errors import ERRORS, CloudError, ErrorCode, Retry, lookup
from kasacloud.protocol.signing import KASA_APP, KNOWN_APPS, TAPO_APP, AppKey, SignatureError

__all__ = [
    "ERRORS",
    "KASA_APP",
    "KNOWN_APPS",
    "TAPO_APP",
    "AppKey",
    "CloudError",
    "ErrorCode",
    "Reply",
    "Retry",
    "SignatureError",
    "assumptions",
    "commands",
    "envelope",
    "errors",
    "hosts",
    "lookup",
    "parse_reply",
    "request_data",
    "signing",
]
