"""What kasacloud keeps about a home that the cloud does not: groups (rooms), scenes, energy price.

TP-Link's cloud has no API for the Kasa app's rooms and scenes that we know of, so kasacloud keeps
its own, in one small JSON file (``home.json`` in the config dir), one entry per account: the
groups, scenes and price of one account never show for another. The CLI uses this module; the
dashboard can share it. Example::

    store = HomeStore(config_dir / HOME_FILE)
    home = store.load(account_key(cloud.url, "me@example.com"))
    home.groups["living-room"] = [lamp.device_id, tv.device_id]
    store.save(account_key(cloud.url, "me@example.com"), home)
    await apply_scene(await cloud.devices(), home.scenes["evening"])
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kasacloud.client.devices import Bulb, Device, Dimmer, Strip
from kasacloud.client.errors import InvalidArgumentError

HOME_FILE = "home.json"
_VERSION = 1
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,39}$")


def account_key(cloud_url: str | None, username: str) -> str:
    """The key of one account's entry: its e-mail and its cloud (an e-mail may exist on two)."""
    return f"{username.strip().lower()} at {(cloud_url or 'TP-Link cloud').rstrip('/')}"


def check_name(name: str, what: str) -> str:
    """A group or scene name: 1 to 40 letters, digits, spaces, ``_.-``, starting with one."""
    text = name.strip().removeprefix("@")
    if not _NAME.match(text):
        raise InvalidArgumentError(
            f"{name!r} cannot be a {what} name: use 1 to 40 letters, digits, spaces, '-', '_' "
            "or '.', starting with a letter or digit"
        )
    return text


@dataclass(frozen=True)
class EnergyPrice:
    """What one kWh costs, in a currency (a label: ``EUR``, ``$``, ``kr``)."""

    per_kwh: float
    currency: str = ""

    def __post_init__(self) -> None:
        if not 0 <= self.per_kwh < 1000:
            raise InvalidArgumentError(f"a price per kWh is 0 to 1000, got {self.per_kwh!r}")

    def cost(self, energy_kwh: float) -> float:
        """The cost of ``energy_kwh``, rounded to 4 decimals."""
        return round(energy_kwh * self.per_kwh, 4)

    def text(self, energy_kwh: float) -> str:
        """The cost as people read it: ``1.23 EUR``."""
        return f"{self.cost(energy_kwh):.2f} {self.currency}".rstrip()


@dataclass(frozen=True)
class SceneDevice:
    """One device's state in a scene: on or off, and for a light its brightness and colour."""

    device_id: str
    is_on: bool
    brightness: int | None = None
    hsv: tuple[int, int, int] | None = None
    color_temp_k: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The stored form (and the CLI's JSON)."""
        return {
            "id": self.device_id,
            "is_on": self.is_on,
            "brightness": self.brightness,
            "hsv": list(self.hsv) if self.hsv is not None else None,
            "color_temp_k": self.color_temp_k,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SceneDevice:
        """Read the stored form."""
        hsv = data.get("hsv")
        return cls(
            device_id=str(data["id"]),
            is_on=bool(data.get("is_on")),
            brightness=data.get("brightness"),
            hsv=(int(hsv[0]), int(hsv[1]), int(hsv[2])) if isinstance(hsv, list) else None,
            color_temp_k=data.get("color_temp_k"),
        )


@dataclass
class Home:
    """One account's groups (name to device ids), scenes (name to states) and energy price."""

    groups: dict[str, list[str]] = field(default_factory=dict)
    scenes: dict[str, list[SceneDevice]] = field(default_factory=dict)
    price: EnergyPrice | None = None

    def find(self, names: Iterable[str], name: str) -> str | None:
        """The stored name matching ``name`` (case-insensitive, a leading ``@`` ignored)."""
        wanted = name.strip().removeprefix("@").lower()
        return next((n for n in names if n.lower() == wanted), None)

    def to_json(self) -> dict[str, Any]:
        """The stored form."""
        return {
            "groups": {name: list(ids) for name, ids in sorted(self.groups.items())},
            "scenes": {
                name: [d.to_json() for d in devices]
                for name, devices in sorted(self.scenes.items())
            },
            "price": None
            if self.price is None
            else {"per_kwh": self.price.per_kwh, "currency": self.price.currency},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Home:
        """Read the stored form (unknown keys are ignored)."""
        price = data.get("price")
        return cls(
            groups={str(k): [str(i) for i in v] for k, v in (data.get("groups") or {}).items()},
            scenes={
                str(k): [SceneDevice.from_json(d) for d in v]
                for k, v in (data.get("scenes") or {}).items()
            },
            price=EnergyPrice(float(price["per_kwh"]), str(price.get("currency", "")))
            if isinstance(price, dict)
            else None,
        )


class HomeStore:
    """``home.json``: every account's :class:`Home`, keyed by :func:`account_key`."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"version": _VERSION, "accounts": {}}
        except (OSError, ValueError) as exc:
            raise InvalidArgumentError(f"cannot read {self.path}: {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get("accounts"), dict):
            raise InvalidArgumentError(f"{self.path} is not a kasacloud home file")
        return data

    def load(self, account: str) -> Home:
        """The account's home (empty if nothing was kept)."""
        return Home.from_json(self._read()["accounts"].get(account) or {})

    def save(self, account: str, home: Home) -> None:
        """Write the account's home, keeping the others' (atomically, private to the user)."""
        data = self._read()
        data["accounts"][account] = home.to_json()
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".home-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                json.dump(data, file, indent=2, sort_keys=True)
                file.write("\n")
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise


def capture(device: Device) -> SceneDevice:
    """A device's state now (from its last update), for a scene."""
    if isinstance(device, Bulb):
        color_temp = device.color_temp_k or None
        hsv = device.hsv if device.is_color and not color_temp else None
        return SceneDevice(
            device.device_id,
            device.is_on,
            brightness=device.brightness,
            hsv=(hsv[0], hsv[1], hsv[2]) if hsv is not None else None,
            color_temp_k=color_temp if device.is_variable_color_temp else None,
        )
    if isinstance(device, Dimmer):
        return SceneDevice(device.device_id, device.is_on, brightness=device.brightness)
    return SceneDevice(device.device_id, device.is_on)


async def apply(device: Device, state: SceneDevice) -> None:
    """Put ``device`` in the scene's ``state``: light settings first, then on or off."""
    if not state.is_on:
        await device.turn_off()
        return
    if isinstance(device, Bulb):
        if state.hsv is not None and device.is_color:
            await device.set_hsv(*state.hsv)
        elif state.color_temp_k and device.is_variable_color_temp:
            await device.set_color_temp(state.color_temp_k, brightness=state.brightness)
        elif state.brightness and device.is_dimmable:
            await device.set_brightness(state.brightness)
    elif isinstance(device, Dimmer) and state.brightness:
        await device.set_brightness(state.brightness)
    await device.turn_on()


def rename_clash(devices: Sequence[Device], renamed: Device, new_alias: str) -> Device | None:
    """Another device (or outlet) already called ``new_alias`` (case-insensitive), if any.

    Two devices of one name make the name ambiguous for every later command; callers refuse
    such a rename unless the user insists.
    """
    wanted = new_alias.strip().lower()
    for device in devices:
        candidates: list[Device] = [device]
        if isinstance(device, Strip):
            candidates += list(device.children)
        for candidate in candidates:
            if candidate.device_id != renamed.device_id and candidate.alias.lower() == wanted:
                return candidate
    return None
