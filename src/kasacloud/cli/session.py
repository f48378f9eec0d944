"""The CLI's link to the client library: a signed-in :class:`~kasacloud.KasaCloud`, and devices.

Everything the commands need from the library goes through here: building the client from the
settings (token file, terminal id, timeout), choosing a device (and a strip's outlet), and the one
JSON shape of a device that every command reuses.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from kasacloud.cli.errors import CliError, ExitCode, usage_error
from kasacloud.cli.settings import Settings
from kasacloud.client import (
    Device,
    FileTokenStore,
    Hub,
    KasaCloud,
    MfaChallenge,
    NotFoundError,
    Outlet,
    RetryPolicy,
    Secret,
    Strip,
    VerificationRequired,
    installation_terminal_id,
)
from kasacloud.client.cloud import DEFAULT_TIMEOUT_S
from kasacloud.client.devices.view import view

NOT_SIGNED_IN_HINT = "Run 'kasacloud login' first (it remembers the cloud and the account)."
PENDING_FILE = "pending-verification.json"


@dataclass(frozen=True)
class PendingVerification:
    """A 2-step verification left open, so that ``kasacloud login --code CODE`` can finish it.

    A login without a terminal cannot ask for the code; it keeps what the second step needs (no
    password: the second run gives it again) in ``pending-verification.json``, mode 0600.
    """

    cloud_url: str
    username: str
    process_id: str
    supported_types: tuple[int, ...]
    mfa_type: int
    app_server_url: str

    @classmethod
    def of(cls, cloud_url: str, challenge: MfaChallenge) -> PendingVerification:
        """What to keep of ``challenge`` (asked at ``cloud_url``)."""
        return cls(
            cloud_url=cloud_url,
            username=challenge.username,
            process_id=challenge.process_id,
            supported_types=tuple(challenge.supported_types),
            mfa_type=challenge.mfa_type,
            app_server_url=challenge.app_server_url,
        )

    def challenge(self, password: str) -> MfaChallenge:
        """The library's challenge again, with the password of this run."""
        return MfaChallenge(
            process_id=self.process_id,
            supported_types=self.supported_types,
            mfa_type=self.mfa_type,
            username=self.username,
            app_server_url=self.app_server_url,
            password=Secret(password),
        )

    def save(self, directory: Path) -> None:
        """Write the file, readable by the user only."""
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = directory / PENDING_FILE
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(asdict(self), file, indent=2)

    @classmethod
    def load(cls, directory: Path) -> PendingVerification | None:
        """The open verification, or ``None`` (no file, or one this version cannot read)."""
        try:
            data = json.loads((directory / PENDING_FILE).read_text(encoding="utf-8"))
            data["supported_types"] = tuple(data["supported_types"])
            return cls(**data)
        except (OSError, ValueError, TypeError, KeyError):
            return None

    @staticmethod
    def remove(directory: Path) -> None:
        """Forget the open verification (after it succeeded, or at logout)."""
        with contextlib.suppress(FileNotFoundError):
            (directory / PENDING_FILE).unlink()


def code_sent(current: Settings, cloud_url: str, challenge: MfaChallenge) -> CliError:
    """Keep ``challenge`` for ``login --code``, and the error that says how to finish."""
    PendingVerification.of(cloud_url, challenge).save(current.directory)
    where = "by e-mail" if challenge.by_email else "to the Kasa app"
    return CliError(
        f"{challenge.username} uses 2-step verification: a code was sent {where}.",
        hint="Finish with 'kasacloud login --code CODE' (the password again, by prompt or "
        "KASA_PASSWORD), or run 'kasacloud login' in a terminal.",
        exit_code=ExitCode.AUTH,
    )


def make_cloud(
    current: Settings,
    *,
    mfa_callback: Callable[[MfaChallenge], str | Awaitable[str]] | None = None,
) -> KasaCloud:
    """A client for the settings' cloud, with the token file and terminal id of the config dir."""
    directory = current.directory
    retry = (
        RetryPolicy() if current.retries is None else RetryPolicy(max_attempts=current.retries + 1)
    )
    return KasaCloud(
        url=current.effective_cloud_url(),
        protocol=current.effective_protocol(),
        token_store=FileTokenStore(current.tokens_path),
        terminal_id=installation_terminal_id(directory),
        timeout_s=current.timeout_s or DEFAULT_TIMEOUT_S,
        retry=retry,
        mfa_callback=mfa_callback,
    )


@asynccontextmanager
async def signed_in(current: Settings) -> AsyncIterator[KasaCloud]:
    """A client with a session: the stored token, else a login from ``KASA_PASSWORD``/options.

    The library refreshes an expired token by itself (the refresh token is stored too), so a
    password is needed only for the first login.
    """
    async with make_cloud(current) as cloud:
        username = current.effective_username()
        stored = cloud.tokens
        wrong_account = stored is not None and username is not None and stored.username != username
        if stored is None or wrong_account:
            if not (username and current.password):
                raise CliError(
                    "Not signed in"
                    + (f" as {username}" if wrong_account else "")
                    + f" to {cloud.url}.",
                    hint=NOT_SIGNED_IN_HINT,
                    exit_code=ExitCode.AUTH,
                )
            try:
                await cloud.login(username, current.password)
            except VerificationRequired as exc:
                raise code_sent(current, cloud.url, exc.challenge) from None
        yield cloud


OFFLINE_HINT = "The device has no cloud connection: check its power and Wi-Fi."


def require_online(device: Device) -> None:
    """Fail with exit 5 when the device is listed offline (its last known state would mislead)."""
    if not device.is_online:
        raise CliError(
            f"{label(device)} is offline.", hint=OFFLINE_HINT, exit_code=ExitCode.OFFLINE
        )


def parse_outlet(value: str | None) -> int | str | None:
    """``--outlet``: a number counts from 1 (as printed on the strip); anything else is a name."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        number = int(text)
        if number < 1:
            raise usage_error(
                f"--outlet {value} is not an outlet number.",
                hint="Outlets count from 1; or give the outlet's name.",
            )
        return number - 1
    if not text:
        raise usage_error("--outlet is empty.", hint="Give an outlet number (from 1) or name.")
    return text


async def choose(cloud: KasaCloud, selector: str, outlet: str | None = None) -> Device:
    """The device ``selector`` names (id, alias, or unique part of an alias), or its outlet (a
    hub's: its sensor)."""  # noqa: D205, D209
    device = await cloud.device(selector)
    which = parse_outlet(outlet)
    if which is None:
        return device
    if isinstance(device, Hub):
        if not device.children:
            await device.update()  # a listed hub knows its sensors once read
        return device.sensor(which)
    if not isinstance(device, Strip):
        raise usage_error(
            f"{device.alias!r} is a {device.kind}, not a power strip: --outlet does not apply.",
            hint="Leave --outlet out.",
        )
    return device.outlet(which) if isinstance(which, str) else _outlet_by_number(device, which)


def _outlet_by_number(strip: Strip, index: int) -> Outlet:
    if not strip.children:
        raise NotFoundError(f"{strip.alias!r} reports no outlets (is it offline?)")
    if index >= len(strip.children):
        raise NotFoundError(
            f"{strip.alias!r} has {len(strip.children)} outlets; there is no outlet {index + 1}",
        )
    return strip.children[index]


def ref(device: Device) -> dict[str, Any]:
    """How results name a device: ``{"id", "alias"}`` (plus ``outlet``, ``parent`` for outlets)."""
    return view(device).ref_json()


def label(device: Device) -> str:
    """How messages name a device: its alias, with the strip for an outlet."""
    if isinstance(device, Outlet):
        number = device.index + 1
        return f"{device.alias or f'outlet {number}'} (outlet {number} of {device.parent.alias})"
    return device.alias or device.device_id


def is_on(device: Device) -> bool | None:
    """On/off, or ``None`` when unknown (offline) or meaningless (a camera)."""
    return view(device).is_on


def summary(device: Device) -> dict[str, Any]:
    """The ``devices`` entry of one device (schema in docs/cli.md): the shared device view."""
    return view(device).to_json()


def light_json(device: Device) -> dict[str, Any] | None:
    """A light's state (bulbs, light strips, dimmers), or ``None`` for other devices."""
    light = view(device).light
    return light.to_json() if light is not None else None
