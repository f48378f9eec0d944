"""kasacloud: TP-Link Kasa smart devices through the TP-Link cloud.

The client library lives in :mod:`kasacloud.client` (re-exported here once it exists), the wire protocol
in :mod:`kasacloud.protocol`, the compatible server in :mod:`kasacloud.server`.
"""

from __future__ import annotations

__version__ = "0.1.0"
