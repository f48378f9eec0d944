"""Commands on several devices: names, ``@group``s and ``--all``, with one result per device.

``kasacloud on kettle fridge``, ``off --all`` and ``on @living-room`` run the same action on
each device in turn; every device gets its own result (done, or the error), and the command
exits non-zero if any failed, with the exit code of the first failure.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kasacloud.cli.errors import CliError, ExitCode, classify, usage_error
from kasacloud.cli.output import Column, Listing
from kasacloud.cli.session import choose, label, ref
from kasacloud.cli.settings import Settings
from kasacloud.client import Device, KasaCloud, NotFoundError, Strip
from kasacloud.client.home import HOME_FILE, Home, HomeStore, account_key


def home_store(current: Settings) -> HomeStore:
    """The config dir's ``home.json``."""
    return HomeStore(current.directory / HOME_FILE)


def home_account(current: Settings) -> str:
    """The signed-in account's key in ``home.json`` (its e-mail and cloud)."""
    return account_key(current.effective_cloud_url(), current.require_username())


def load_home(current: Settings) -> Home:
    """The signed-in account's groups, scenes and price."""
    return home_store(current).load(home_account(current))


def save_home(current: Settings, home: Home) -> None:
    """Keep the signed-in account's groups, scenes and price."""
    home_store(current).save(home_account(current), home)


async def choose_one(cloud: KasaCloud, selector: str, outlet: str | None = None) -> Device:
    """:func:`choose`, whose "no such outlet" hint names the command that lists the outlets."""
    try:
        return await choose(cloud, selector, outlet)
    except NotFoundError as exc:
        if outlet is None:
            raise
        raise CliError(
            str(exc),
            hint=f"Run 'kasacloud info {quoted(selector)}' to see its outlets.",
            exit_code=ExitCode.NOT_FOUND,
        ) from None


def quoted(text: str) -> str:
    """A name as a shell command line needs it: in double quotes when it has a space."""
    return f'"{text}"' if " " in text else text


def by_id(devices: Sequence[Device]) -> dict[str, Device]:
    """Devices and strips' outlets by device id."""
    found: dict[str, Device] = {}
    for device in devices:
        found[device.device_id] = device
        if isinstance(device, Strip):
            found.update({o.device_id: o for o in device.children})
    return found


async def group_members(
    cloud: KasaCloud, home: Home, name: str, devices: list[Device] | None = None
) -> list[Device]:
    """The devices of group ``name`` (``@`` optional), in the group's order."""
    stored = home.find(home.groups, name)
    if stored is None:
        known = ", ".join(f"@{g}" for g in sorted(home.groups)) or "none yet"
        raise CliError(
            f"There is no group {name.removeprefix('@')!r} (groups: {known}).",
            hint="Run 'kasacloud group list' to see them, 'kasacloud group add NAME DEVICE...' "
            "to make one.",
            exit_code=ExitCode.NOT_FOUND,
        )
    every = by_id(devices if devices is not None else await cloud.devices())
    missing = [i for i in home.groups[stored] if i not in every]
    if missing:
        raise CliError(
            f"Group @{stored} names {len(missing)} device(s) this account no longer has.",
            hint=f"Run 'kasacloud group remove {stored} {missing[0]}' to drop it.",
            exit_code=ExitCode.NOT_FOUND,
        )
    return [every[i] for i in home.groups[stored]]


async def resolve(
    current: Settings,
    cloud: KasaCloud,
    selectors: Sequence[str],
    *,
    every: bool = False,
    outlet: str | None = None,
) -> list[Device]:
    """The devices named by ``selectors`` (names, ids, ``@group``) or all of them, in order.

    A device named twice (directly and through a group) is acted on once.
    """
    if every and selectors:
        raise usage_error("Give devices or --all, not both.", hint="Leave one out.")
    if not every and not selectors:
        raise usage_error(
            "Which device?",
            hint="Name one or more (an id, a name, or @GROUP), or use --all.",
        )
    if outlet is not None and (every or len(selectors) != 1 or selectors[0].startswith("@")):
        raise usage_error("--outlet goes with one strip.", hint="Name the strip alone.")
    if every:
        # "all" means every device that switches: a hub or a sensor has no on/off to be refused
        return [d for d in await cloud.devices() if _switches(d)]
    home: Home | None = None
    chosen: dict[str, Device] = {}
    for selector in selectors:
        if selector.startswith("@"):
            home = home or load_home(current)
            for device in await group_members(cloud, home, selector):
                chosen.setdefault(device.device_id, device)
        else:
            device = await choose_one(cloud, selector, outlet)
            chosen.setdefault(device.device_id, device)
    return list(chosen.values())


def _switches(device: Device) -> bool:
    """Whether a device has an on/off (an offline one: whether its family has)."""
    if "state" in device.features:
        return True
    return not device.is_online and device.kind not in ("hub", "sensor", "device")


def is_single(selectors: Sequence[str], every: bool) -> bool:
    """Whether the command line named one device directly (its result keeps the old shape)."""
    return not every and len(selectors) == 1 and not selectors[0].startswith("@")


@dataclass
class Results(Listing):
    """One row per device: ``{"device", "ok", "error"?, ...}``; exits with the first failure."""

    exit_code: int = field(default=0)

    def to_json(self) -> Any:
        """``{"failed": N, "results": [...]}``, without the rows' texts for people."""
        people = ("label", "result_text")
        rows = [{k: v for k, v in row.items() if k not in people} for row in self.rows]
        return {**self.meta, self.key: rows}


def _result_text(row: dict[str, Any]) -> str:
    if row["ok"]:
        return str(row.get("result_text", "done"))
    return f"failed: {row['error']['message']}"


RESULT_COLUMNS = (
    Column("device", "Device", compute=lambda row: str(row["label"])),
    Column("ok", "Result", compute=_result_text),
)


async def for_each(
    devices: Sequence[Device],
    action: Callable[[Device], Awaitable[dict[str, Any]]],
    *,
    title: str,
    describe: Callable[[dict[str, Any]], str] = lambda data: "done",
) -> Results:
    """Run ``action`` on each device; one row per device, the failures included.

    ``action`` returns the fields of its row (``{"is_on": True}``); what it raises is the row's
    ``error`` (as printed on stderr for one device, ``{"error", "exit_code", "message"...}``).
    """
    rows: list[dict[str, Any]] = []
    first_failure = 0
    for device in devices:
        row: dict[str, Any] = {"device": ref(device), "label": label(device)}
        try:
            data = await action(device)
        except Exception as exc:
            error = classify(exc)
            row.update({"ok": False, "error": error.to_json()})
            first_failure = first_failure or int(error.exit_code)
        else:
            row.update({"ok": True, **data, "result_text": describe(data)})
        rows.append(row)
    failed = sum(1 for r in rows if not r["ok"])
    listing = Results(
        "results",
        rows,
        RESULT_COLUMNS,
        meta={"failed": failed},
        title=title,
        footer=f"{len(rows) - failed} of {len(rows)} done"
        + (f", {failed} failed" if failed else ""),
        exit_code=first_failure,
    )
    return listing
