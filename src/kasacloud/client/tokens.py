"""Where a session's tokens live between runs, and the installation's terminal id.

A :class:`TokenStore` keeps :class:`Tokens` under a key (kasacloud uses the cloud URL, so one
session per cloud). Three stores ship: :class:`FileTokenStore` (a JSON file, mode 0600, in the
user's config dir), :class:`KeyringTokenStore` (the OS keyring; ``pip install kasacloud[keyring]``)
and :class:`MemoryTokenStore` (nothing persisted). Write your own by implementing the three methods.

The terminal id (``terminalUUID``/``termID``) is one per installation, persisted by
:func:`installation_terminal_id`: the cloud ties "skip 2-step verification on this terminal" to it.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal, Protocol, runtime_checkable

import platformdirs

from kasacloud.client.secrets import Secret

CONFIG_DIR_ENV: Final = "KASACLOUD_CONFIG_DIR"
"""Environment variable overriding the config directory (tests, containers, portable installs)."""

APP_NAME: Final = "kasacloud"

ProtocolVersion = Literal["v1", "v2"]


def config_dir() -> Path:
    """Kasacloud's config directory: ``$KASACLOUD_CONFIG_DIR``, else the user's config dir."""
    override = os.environ.get(CONFIG_DIR_ENV)
    return Path(override) if override else Path(platformdirs.user_config_dir(APP_NAME))


@dataclass(frozen=True, slots=True)
class Tokens:
    """A logged-in session: enough to make calls and to renew itself without the password."""

    username: str
    token: Secret = field(repr=False)
    refresh_token: Secret | None = field(default=None, repr=False)
    app_server_url: str = ""
    """The account's (regional) host: where account and device-list calls go."""
    protocol: ProtocolVersion = "v2"
    account_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The stored form (it holds the secrets: only a :class:`TokenStore` should call this)."""
        return {
            "username": self.username,
            "token": self.token.reveal(),
            "refresh_token": self.refresh_token.reveal() if self.refresh_token else None,
            "app_server_url": self.app_server_url,
            "protocol": self.protocol,
            "account_id": self.account_id,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Tokens:
        """Rebuild tokens from :meth:`to_json`'s form."""
        refresh = data.get("refresh_token")
        protocol: ProtocolVersion = "v1" if data.get("protocol") == "v1" else "v2"
        return cls(
            username=str(data["username"]),
            token=Secret(str(data["token"])),
            refresh_token=Secret(str(refresh)) if refresh else None,
            app_server_url=str(data.get("app_server_url") or ""),
            protocol=protocol,
            account_id=data.get("account_id"),
        )


TokensChanged = Callable[[Tokens | None], None]
"""Called with the new tokens after a login or a refresh, and with ``None`` after a logout."""


@runtime_checkable
class TokenStore(Protocol):
    """Keeps tokens between runs. Methods are blocking and quick (a file, a keyring entry)."""

    def load(self, key: str) -> Tokens | None:
        """The tokens saved under ``key``, or ``None``."""
        ...

    def save(self, key: str, tokens: Tokens) -> None:
        """Save ``tokens`` under ``key``, replacing what was there."""
        ...

    def clear(self, key: str) -> None:
        """Forget the tokens under ``key`` (no error when there are none)."""
        ...


class MemoryTokenStore:
    """Tokens in memory only: lost when the process ends."""

    def __init__(self) -> None:
        self._tokens: dict[str, Tokens] = {}

    def load(self, key: str) -> Tokens | None:
        """The tokens saved under ``key``, or ``None``."""
        return self._tokens.get(key)

    def save(self, key: str, tokens: Tokens) -> None:
        """Save ``tokens`` under ``key``."""
        self._tokens[key] = tokens

    def clear(self, key: str) -> None:
        """Forget the tokens under ``key``."""
        self._tokens.pop(key, None)

    def __repr__(self) -> str:
        return f"MemoryTokenStore(keys={sorted(self._tokens)!r})"


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, readable by the owner only (0600)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # mkstemp creates the file 0600 from the start: the secret is never world-readable, not even
    # between a write and a chmod; os.replace makes the switch atomic for concurrent readers.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class FileTokenStore:
    """Tokens in a JSON file (mode 0600), by default ``<config dir>/tokens.json``."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else config_dir() / "tokens.json"
        self._lock = threading.Lock()

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            # a damaged file must not stop the user from logging in again, which rewrites it
            return {}
        return data if isinstance(data, dict) else {}

    def load(self, key: str) -> Tokens | None:
        """The tokens saved under ``key``, or ``None``."""
        entry = self._read().get(key)
        if not isinstance(entry, dict):
            return None
        try:
            return Tokens.from_json(entry)
        except (KeyError, TypeError):
            return None

    def save(self, key: str, tokens: Tokens) -> None:
        """Save ``tokens`` under ``key`` (atomic rewrite of the file, mode 0600)."""
        with self._lock:
            data = self._read()
            data[key] = tokens.to_json()
            _write_private(self.path, json.dumps(data, indent=2, sort_keys=True))

    def clear(self, key: str) -> None:
        """Forget the tokens under ``key``."""
        with self._lock:
            data = self._read()
            if data.pop(key, None) is not None:
                _write_private(self.path, json.dumps(data, indent=2, sort_keys=True))

    def __repr__(self) -> str:
        return f"FileTokenStore({str(self.path)!r})"


class KeyringTokenStore:
    """Tokens in the operating system's keyring (``pip install 'kasacloud[keyring]'``)."""

    def __init__(self, service: str = APP_NAME) -> None:
        try:
            import keyring
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise ImportError(
                "KeyringTokenStore needs the 'keyring' package: pip install 'kasacloud[keyring]'"
            ) from exc
        self._keyring = keyring
        self.service = service

    def load(self, key: str) -> Tokens | None:
        """The tokens saved under ``key``, or ``None``."""
        text = self._keyring.get_password(self.service, key)
        if not text:
            return None
        try:
            return Tokens.from_json(json.loads(text))
        except (ValueError, KeyError, TypeError):
            return None

    def save(self, key: str, tokens: Tokens) -> None:
        """Save ``tokens`` under ``key``."""
        self._keyring.set_password(self.service, key, json.dumps(tokens.to_json()))

    def clear(self, key: str) -> None:
        """Forget the tokens under ``key``."""
        errors = getattr(self._keyring, "errors", None)
        missing = getattr(errors, "PasswordDeleteError", LookupError)
        with contextlib.suppress(missing):
            self._keyring.delete_password(self.service, key)

    def __repr__(self) -> str:
        return f"KeyringTokenStore(service={self.service!r})"


_TERMINAL_LOCK = threading.Lock()


def _terminal_id_path(directory: str | os.PathLike[str] | None) -> Path:
    return (Path(directory) if directory is not None else config_dir()) / "terminal-id"


def _read_terminal_id(path: Path) -> str | None:
    try:
        existing = path.read_text(encoding="utf-8").strip()
    except (OSError, ValueError):
        return None
    return existing or None


def existing_terminal_id(directory: str | os.PathLike[str] | None = None) -> str | None:
    """The installation's terminal id if one was made before, else ``None``; never writes."""
    with _TERMINAL_LOCK:
        return _read_terminal_id(_terminal_id_path(directory))


def installation_terminal_id(directory: str | os.PathLike[str] | None = None) -> str:
    """Return the installation's terminal id, made once and kept in ``<config dir>/terminal-id``.

    If the directory cannot be written, a fresh id is returned (and 2-step verification may be
    asked again next time). :class:`~kasacloud.KasaCloud` calls this only for a token store that
    persists (a file, the keyring, your own); with :class:`MemoryTokenStore` it writes nothing.
    """
    path = _terminal_id_path(directory)
    with _TERMINAL_LOCK:
        existing = _read_terminal_id(path)
        if existing:
            return existing
        new = str(uuid.uuid4())
        with contextlib.suppress(OSError):
            _write_private(path, new + "\n")
        return new
