"""The cloud binding: ``cnCloud`` on plugs, ``smartlife.iot.common.cloud`` on bulbs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from kasacloud.protocol import commands
from kasacloud.sim.capabilities.base import Call, Capability, Handler, JsonDict, invalid

if TYPE_CHECKING:
    from kasacloud.sim.device import SimulatedDevice


class CloudCapability(Capability):
    """``get_info``, ``bind``, ``unbind``, ``set_server_url``.

    The device reports itself bound (``binded`` 1) to its owner, the account e-mail passed to
    ``build_device`` or set by the server (:meth:`set_binding`), on the configured cloud host;
    without an owner it is unbound (``binded`` 0, empty ``username``).
    """

    key = "cloud"

    def __init__(self, device: SimulatedDevice) -> None:
        super().__init__(device)
        self.username = ""
        self.bound = 0
        self.server = device.cloud_server
        self.set_binding(device.owner, device.cloud_server)

    def set_binding(self, username: str | None, server: str) -> None:
        """Bound to ``username`` (None or empty: to no account) on ``server``."""
        self.username, self.bound = (username, 1) if username else ("", 0)
        self.server = server

    def routes(self) -> Mapping[str, Mapping[str, Handler]]:
        """Methods of the cloud module."""
        return {
            self.profile.modules.cloud: {
                commands.GET_INFO: self.get_info,
                commands.BIND: self.bind,
                commands.UNBIND: self.unbind,
                commands.SET_SERVER_URL: self.set_server_url,
            }
        }

    def get_info(self, params: JsonDict, call: Call) -> JsonDict:
        """Binding and connection state."""
        return {
            "username": self.username,
            "server": self.server,
            "binded": self.bound,
            "cld_connection": 1,
            "illegalType": 0,
            "stopConnect": 0,
            "tcspStatus": 1,
            "fwDlPage": "",
            "tcspInfo": "",
            "fwNotifyType": -1,
        }

    def bind(self, params: JsonDict, call: Call) -> JsonDict:
        """Bind to an account (``username``, ``password``; the password is not checked here)."""
        username = params.get("username")
        if not isinstance(username, str) or not username or "password" not in params:
            raise invalid("bind needs username and password")
        self.username, self.bound = username, 1
        self.device.touch()
        return {}

    def unbind(self, params: JsonDict, call: Call) -> JsonDict:
        """Leave the account."""
        self.username, self.bound = "", 0
        self.device.touch()
        return {}

    def set_server_url(self, params: JsonDict, call: Call) -> JsonDict:
        """Point the device at another cloud host."""
        server = params.get("server")
        if not isinstance(server, str) or not server:
            raise invalid("server must be a host name")
        self.server = server
        self.device.touch()
        return {}

    def snapshot(self) -> JsonDict:
        """Binding state."""
        return {"username": self.username, "binded": self.bound, "server": self.server}

    def restore(self, state: JsonDict) -> None:
        """Binding state."""
        self.username = str(state.get("username", self.username))
        self.bound = int(state.get("binded", self.bound))
        self.server = str(state.get("server", self.server))
