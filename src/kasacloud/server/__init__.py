"""kasacloud.server: a TP-Link-cloud-compatible server hosting simulated devices.

- :class:`LocalCloud`: the whole server in a background thread, for tests and demos;
- :class:`ServerConfig`: its knobs (token lifetimes, rate limits, app keys, regions ...);
- ``kasacloud serve``: the same server from the command line (see docs/server.md).
"""

from __future__ import annotations

from kasacloud.server.config import LoginPolicy, RateLimit, ServerConfig
from kasacloud.server.local import LocalCloud

__all__ = ["LocalCloud", "LoginPolicy", "RateLimit", "ServerConfig"]
