"""The CLI's settings: the global options, the environment, and what ``login`` remembered.

Precedence, highest first: the command line, the environment (``KASACLOUD_URL``,
``KASA_USERNAME``, ``KASA_PASSWORD``, ``KASACLOUD_CONFIG_DIR``), the profile written by
``kasacloud login``, the defaults.
Files live in the config directory (platformdirs' user config dir for ``kasacloud``, or
``--config-dir``/``KASACLOUD_CONFIG_DIR``): ``profile.json`` (cloud URL, user name, protocol; no
secret) and ``tokens.json`` (the library's :class:`~kasacloud.FileTokenStore`, mode 0600).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import platformdirs

from kasacloud.cli.errors import CliError, ExitCode

Protocol = Literal["v1", "v2"]

PROFILE_FILE = "profile.json"
TOKENS_FILE = "tokens.json"
CONFIG_DIR_ENV = "KASACLOUD_CONFIG_DIR"


def default_config_dir() -> Path:
    """``$KASACLOUD_CONFIG_DIR``, else the platform's user config directory for kasacloud."""
    if env := os.environ.get(CONFIG_DIR_ENV):
        return Path(env).expanduser()
    return Path(platformdirs.user_config_dir("kasacloud", appauthor=False))


@dataclass
class Profile:
    """What ``login`` remembers so later commands need no options: never a secret."""

    cloud_url: str | None = None
    username: str | None = None
    protocol: Protocol | None = None

    @classmethod
    def load(cls, directory: Path) -> Profile:
        """Read ``profile.json``; a missing file is an empty profile."""
        path = directory / PROFILE_FILE
        try:
            data: Any = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError) as exc:
            raise CliError(
                f"Cannot read {path}: {exc}.",
                hint="Delete the file and run 'kasacloud login' again.",
            ) from None
        if not isinstance(data, dict):
            return cls()
        protocol = data.get("protocol")
        return cls(
            cloud_url=data.get("cloud_url") if isinstance(data.get("cloud_url"), str) else None,
            username=data.get("username") if isinstance(data.get("username"), str) else None,
            protocol=protocol if protocol in ("v1", "v2") else None,
        )

    def save(self, directory: Path) -> None:
        """Write ``profile.json`` (creating the directory, private to the user)."""
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        data = {"cloud_url": self.cloud_url, "username": self.username, "protocol": self.protocol}
        (directory / PROFILE_FILE).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")

    @staticmethod
    def remove(directory: Path) -> bool:
        """Forget the profile; True if there was one."""
        try:
            (directory / PROFILE_FILE).unlink()
        except FileNotFoundError:
            return False
        return True


@dataclass
class Settings:
    """The global options after parsing (``None``: not given on the command line or environment)."""

    cloud_url: str | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    protocol: Protocol | None = None
    as_json: bool = False
    debug: bool = False
    timeout_s: float | None = None
    retries: int | None = None
    """Retries of a failed request (transient errors, the rate limit); ``None``: the library's."""
    config_dir: Path | None = None
    _profile: Profile | None = field(default=None, repr=False)

    @property
    def directory(self) -> Path:
        """Where the profile and tokens live."""
        return self.config_dir or default_config_dir()

    @property
    def tokens_path(self) -> Path:
        """The token store's file."""
        return self.directory / TOKENS_FILE

    @property
    def profile(self) -> Profile:
        """The profile ``login`` saved (read once)."""
        if self._profile is None:
            self._profile = Profile.load(self.directory)
        return self._profile

    def effective_cloud_url(self) -> str | None:
        """``--cloud``, else the cloud of the last login; ``None`` means TP-Link's own cloud."""
        return self.cloud_url or self.profile.cloud_url

    def effective_username(self) -> str | None:
        """``--username``, else the account of the last login."""
        return self.username or self.profile.username

    def effective_protocol(self) -> Protocol:
        """``--protocol``, else the protocol of the last login, else V2 (what the Kasa app uses)."""
        return self.protocol or self.profile.protocol or "v2"

    def require_username(self) -> str:
        """The account name, or a clear error saying how to give one."""
        username = self.effective_username()
        if not username:
            raise CliError(
                "Not signed in.",
                hint="Run 'kasacloud login' first (or pass --username / set KASA_USERNAME).",
                exit_code=ExitCode.AUTH,
            )
        return username
