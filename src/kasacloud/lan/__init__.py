"""kasacloud on the LAN: devices served over the LAN, and LAN devices hosted by the cloud.

- :mod:`kasacloud.lan.serve`: :class:`LanServer` serves simulated devices on loopback addresses
  (TCP 9999 and UDP discovery), as ``kasacloud simulate`` does;
- :mod:`kasacloud.lan.transport`: :class:`LanQuery`, a python-kasa connection to one device;
- :mod:`kasacloud.lan.hosted`: :class:`BridgedDevice`, a LAN device the cloud hosts (a
  ``HostedDevice``), and :func:`with_lan`, which adds those to a device kit;
- :mod:`kasacloud.lan.discovery`: :func:`read_device`, :func:`discover`, :func:`discover_lan`;
- :mod:`kasacloud.lan.adoption`: :func:`adopt` (``kasacloud adopt``);
- :mod:`kasacloud.lan.klap`: SMART devices served over KLAP or AES and UDP 20002 (needs aiohttp);
- :mod:`kasacloud.lan.aes`: the device side of the AES (``securePassthrough``) transport;
- :mod:`kasacloud.lan.smart_bridge`: SMART LAN devices adopted and hosted by the cloud.

The server knows none of this: it sees hosted devices only (:mod:`kasacloud.server.devices`).
"""

from __future__ import annotations

from kasacloud.lan.addresses import BridgeError, is_bridged, parse_host, profile_ref
from kasacloud.lan.adoption import adopt
from kasacloud.lan.discovery import Found, LanDiscovery, discover, discover_lan, read_device
from kasacloud.lan.hosted import BridgedDevice, cloud_info_of, with_lan
from kasacloud.lan.serve import (
    LOOPBACK_BROADCAST,
    Endpoint,
    LanAddressError,
    LanServer,
    ServableDevice,
    check_loopback,
    plan_endpoints,
)
from kasacloud.lan.smart_bridge import (
    BridgedSmartDevice,
    FoundSmart,
    adopt_smart,
    read_smart_device,
)
from kasacloud.lan.transport import LanQuery

__all__ = [
    "LOOPBACK_BROADCAST",
    "BridgeError",
    "BridgedDevice",
    "BridgedSmartDevice",
    "Endpoint",
    "Found",
    "FoundSmart",
    "LanAddressError",
    "LanDiscovery",
    "LanQuery",
    "LanServer",
    "ServableDevice",
    "adopt",
    "adopt_smart",
    "check_loopback",
    "cloud_info_of",
    "discover",
    "discover_lan",
    "is_bridged",
    "parse_host",
    "plan_endpoints",
    "profile_ref",
    "read_device",
    "read_smart_device",
    "with_lan",
]
