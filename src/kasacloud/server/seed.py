"""The seed format: the accounts and devices a fresh data dir starts with.

A seed is JSON (a file, or an already-parsed dict)::

    {
      "accounts": [
        {
          "email": "alice@example.com",      # required
          "password": "secret",              # required
          "nickname": "Alice",               # optional, default: the e-mail's local part
          "region": "eu-west-1",             # optional, default: the server's first region
          "country_code": "GB",              # optional
          "mfa": false,                      # optional: 2-step verification on
          "devices": [
            {"model": "HS110(EU)", "alias": "Kettle"},
            {"profile": "captures/HS300.json", "alias": "Desk strip", "online": false},
            {"model": "HS103(US)", "alias": "Plug {n}", "count": 500, "region": "us-east-1"}
          ]
        }
      ]
    }

A device names a built-in profile (``model`` or ``profile``) or a file (``profile``: a path,
relative to the seed file; our profile format or a python-kasa capture). ``count`` makes that many
copies; ``{n}`` in the alias becomes 1, 2, ... (without it, `` n`` is appended when count > 1).
See docs/server.md.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class SeedError(ValueError):
    """A seed that cannot be used; the message says where and why."""


MAX_SEED_DEVICES = 100_000


@dataclass(frozen=True, slots=True)
class SeedDevice:
    """Devices of one seed entry (``count`` of them)."""

    profile: str
    alias: str | None
    region: str | None
    online: bool = True
    count: int = 1

    def aliases(self) -> list[str | None]:
        """The alias of each copy."""
        if self.count == 1:
            return [self.alias.replace("{n}", "1") if self.alias else None]
        base = self.alias or "Device {n}"
        if "{n}" not in base:
            base += " {n}"
        return [base.replace("{n}", str(n)) for n in range(1, self.count + 1)]


@dataclass(frozen=True, slots=True)
class SeedAccount:
    """An account and its devices."""

    email: str
    password: str = field(repr=False)
    nickname: str | None = None
    region: str | None = None
    country_code: str = "GB"
    mfa: bool = False
    devices: tuple[SeedDevice, ...] = ()


@dataclass(frozen=True, slots=True)
class Seed:
    """A parsed seed."""

    accounts: tuple[SeedAccount, ...]


def load_seed(source: str | Path | Mapping[str, Any]) -> Seed:
    """Read a seed from a file path or a parsed dict.

    Raises:
        SeedError: the file cannot be read, is not JSON, or does not follow the format.
    """
    base: Path | None = None
    if isinstance(source, Mapping):
        data: Any = source
    else:
        path = Path(source)
        base = path.resolve().parent
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise SeedError(f"cannot read seed {path}: {exc.strerror or exc}") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise SeedError(f"seed {path} is not valid JSON: {exc}") from None
    return parse_seed(data, base)


def _get(obj: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = obj.get(key)
    wrong = not isinstance(value, kind) or (isinstance(value, bool) and kind is int)
    if value is not None and wrong:
        raise SeedError(f"{where}: {key!r} has the wrong type")
    return value


def parse_seed(data: object, base: Path | None = None) -> Seed:
    """Check and convert a parsed seed; relative profile paths resolve against ``base``."""
    if not isinstance(data, Mapping):
        raise SeedError("a seed is a JSON object with an 'accounts' list")
    raw_accounts = data.get("accounts")
    if not isinstance(raw_accounts, list) or not raw_accounts:
        raise SeedError("a seed needs a non-empty 'accounts' list")
    accounts: list[SeedAccount] = []
    seen: set[str] = set()
    total = 0
    for i, raw in enumerate(raw_accounts):
        where = f"accounts[{i}]"
        if not isinstance(raw, Mapping):
            raise SeedError(f"{where} is not an object")
        email = _get(raw, "email", str, where)
        password = _get(raw, "password", str, where)
        if not email or "@" not in email:
            raise SeedError(f"{where}: 'email' is missing or not an e-mail address")
        if not password:
            raise SeedError(f"{where}: 'password' is missing")
        if email.lower() in seen:
            raise SeedError(f"{where}: e-mail {email} appears twice")
        seen.add(email.lower())
        devices: list[SeedDevice] = []
        raw_devices = raw.get("devices", [])
        if not isinstance(raw_devices, list):
            raise SeedError(f"{where}: 'devices' is not a list")
        for j, dev in enumerate(raw_devices):
            dwhere = f"{where}.devices[{j}]"
            if not isinstance(dev, Mapping):
                raise SeedError(f"{dwhere} is not an object")
            profile = _get(dev, "profile", str, dwhere) or _get(dev, "model", str, dwhere)
            if not profile:
                raise SeedError(f"{dwhere}: needs 'model' or 'profile'")
            if base is not None and _looks_like_path(profile):
                candidate = base / profile
                if candidate.exists():
                    profile = str(candidate)
            count = _get(dev, "count", int, dwhere)
            count = 1 if count is None else count
            if count < 1:
                raise SeedError(f"{dwhere}: 'count' must be at least 1")
            total += count
            if total > MAX_SEED_DEVICES:
                raise SeedError(f"a seed may hold at most {MAX_SEED_DEVICES} devices")
            online = _get(dev, "online", bool, dwhere)
            devices.append(
                SeedDevice(
                    profile=profile,
                    alias=_get(dev, "alias", str, dwhere),
                    region=_get(dev, "region", str, dwhere),
                    online=True if online is None else online,
                    count=count,
                )
            )
        mfa = _get(raw, "mfa", bool, where)
        accounts.append(
            SeedAccount(
                email=email,
                password=password,
                nickname=_get(raw, "nickname", str, where),
                region=_get(raw, "region", str, where),
                country_code=_get(raw, "country_code", str, where) or "GB",
                mfa=bool(mfa),
                devices=tuple(devices),
            )
        )
    return Seed(tuple(accounts))


def _looks_like_path(profile: str) -> bool:
    return profile.endswith(".json") or "/" in profile or "\\" in profile
