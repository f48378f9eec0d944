"""kasacloud: TP-Link Kasa smart devices through the TP-Link cloud.

The client library: :class:`KasaCloud` (async) here, its blocking twin in :mod:`kasacloud.sync`;
the wire protocol in :mod:`kasacloud.protocol`; the compatible server in :mod:`kasacloud.server`.
See docs/guide.md.
"""

from __future__ import annotations

__version__ = "0.1.0"

# The public API is the client's, listed once, in kasacloud.client.__all__.
from kasacloud.client import *  # noqa: F403
from kasacloud.client import __all__ as _client_all

__all__ = ["__version__", *_client_all]
