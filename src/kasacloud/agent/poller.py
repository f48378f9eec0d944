"""The agent: one poller, one request budget, many outputs.

:class:`Agent` reads the account's device list (every ``device_list_interval_s``), every device's
state and meter (every ``state_interval_s``) and the meters' day/month totals (every
``history_interval_s``), each request drawn from one :class:`~kasacloud.agent.budget.RequestBudget`.
After each read it hands a fresh fleet of :class:`~kasacloud.agent.snapshot.DeviceSnapshot` to
the outputs. Commands (from MQTT) go through :meth:`Agent.submit`; they take the budget before
any waiting poll and the new state is handed to the outputs as soon as the cloud confirms it.

Failures are reported (the log, and :class:`AgentHealth` for the metrics) and survived: an
offline device is shown unavailable and watched through the cheap device list until it is back;
the cloud's rate limit (-20004) and an unreachable cloud make the poller wait longer and longer
(doubling, up to ``max_backoff_s``); an expired session that cannot be refreshed is reported with
what to do, and retried at the slowest pace.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import anyio
from anyio.abc import TaskStatus

from kasacloud.agent.budget import COMMAND, POLL, RequestBudget
from kasacloud.agent.config import AgentConfig
from kasacloud.agent.snapshot import DeviceSnapshot, fleet
from kasacloud.client import (
    AuthenticationError,
    CloudConnectionError,
    CloudTimeoutError,
    Device,
    DeviceOfflineError,
    Hub,
    InvalidArgumentError,
    KasaCloud,
    KasaCloudError,
    RateLimitedError,
    Strip,
)

logger = logging.getLogger("kasacloud.agent")


@dataclass
class AgentHealth:
    """What the agent did, for its own metrics."""

    polls: int = 0
    """Completed state polls (device list reads included)."""
    errors: Counter[str] = field(default_factory=Counter)
    """Errors by code (the cloud's ``error_code``, or the error's kind when it has none)."""
    rate_limit_waits: int = 0
    """Times the cloud's rate limit (-20004) made the agent back off."""
    last_success: float | None = None
    """Unix time of the last poll that went through."""
    commands: int = 0
    backoff_s: float = 0.0
    """The wait in force after the last failure (0: none)."""

    def record(self, error: BaseException) -> None:
        """Count an error under its code."""
        code = getattr(error, "code", None)
        self.errors[str(code) if code is not None else type(error).__name__] += 1


@dataclass(frozen=True, slots=True)
class Command:
    """A change asked for by an output: set ``feature_id`` of ``device_id`` to ``value``.

    ``feature_id == "light"`` takes a dict of ``state`` (bool), ``brightness`` (%),
    ``color_temp`` (K) and ``hs`` ((hue, saturation)), as one light command.
    """

    device_id: str
    feature_id: str
    value: Any


class Output(Protocol):
    """Something the agent feeds (MQTT, metrics, history are built on it)."""

    async def publish(self, fleet: Mapping[str, DeviceSnapshot], *, listed: bool) -> None:
        """Take the fleet after a read or a command (``listed``: the device list was read)."""


_RANK: tuple[type[KasaCloudError], ...] = (
    RateLimitedError,
    AuthenticationError,
    CloudConnectionError,
    DeviceOfflineError,
    CloudTimeoutError,
)


def _rank(error: KasaCloudError) -> int:
    for i, kind in enumerate(_RANK):
        if isinstance(error, kind):
            return i
    return len(_RANK)


def _leaves(group: BaseExceptionGroup[BaseException]) -> Iterator[BaseException]:
    for error in group.exceptions:
        if isinstance(error, BaseExceptionGroup):
            yield from _leaves(error)
        else:
            yield error


@contextlib.contextmanager
def one_error() -> Iterator[None]:
    """Turn a group of client errors (concurrent reads: a strip's outlets) into the weightiest."""
    try:
        yield
    except ExceptionGroup as group:
        leaves = list(_leaves(group))
        errors = [e for e in leaves if isinstance(e, KasaCloudError)]
        if errors and len(errors) == len(leaves):
            raise min(errors, key=_rank) from None
        raise


class Agent:
    """Poll ``cloud``'s devices within ``config``'s budget and feed ``outputs``.

    Example::

        async with signed_in(settings) as cloud:
            agent = Agent(cloud, AgentConfig(state_interval_s=60))
            agent.add_output(my_output)
            await agent.run()          # until cancelled
    """

    def __init__(
        self,
        cloud: KasaCloud,
        config: AgentConfig,
        *,
        history: Any = None,
    ) -> None:
        self.cloud = cloud
        self.config = config
        self.health = AgentHealth()
        self.fleet: dict[str, DeviceSnapshot] = {}
        """The latest snapshot of every device and outlet (replaced whole, never changed)."""
        self.devices: list[Device] = []
        self.history = history
        """A :class:`~kasacloud.agent.history.HistoryRecorder`, or ``None``."""
        self._outputs: list[Output] = []
        self._budget: RequestBudget | None = None
        self._commands: Any = None
        self._wake: anyio.Event | None = None
        self._relist = False
        self.listed = False
        """Whether the device list has been read at least once."""

    # ---- wiring ---------------------------------------------------------------------------

    def add_output(self, output: Output) -> None:
        """Feed ``output`` after every read and command."""
        self._outputs.append(output)

    @property
    def budget(self) -> RequestBudget:
        """The request budget (exists while :meth:`run` runs)."""
        if self._budget is None:
            raise RuntimeError("the agent is not running")
        return self._budget

    async def submit(self, command: Command) -> None:
        """Queue a command; it runs before any waiting poll."""
        if self._commands is None:
            raise RuntimeError("the agent is not running")
        await self._commands.send(command)

    def poll_now(self) -> None:
        """Read every device's state now instead of at the next interval."""
        if self._wake is not None:
            self._wake.set()

    # ---- running --------------------------------------------------------------------------

    async def run(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Poll and serve commands until cancelled."""
        self._budget = RequestBudget(self.config.requests_per_minute)
        send, receive = anyio.create_memory_object_stream[Command](64)
        self._commands = send
        self._wake = anyio.Event()
        async with anyio.create_task_group() as tg:
            tg.start_soon(self._serve_commands, receive)
            task_status.started()
            await self._poll_loop()

    async def _publish(self, *, listed: bool = False) -> None:
        self.fleet = fleet(self.devices)
        for output in self._outputs:
            try:
                await output.publish(self.fleet, listed=listed)
            except Exception:  # one output's trouble must not stop the others, nor the poller
                logger.exception("an output failed to take the new state")

    def _backoff(self, failures: int) -> float:
        base = self.config.state_interval_s
        return float(min(self.config.max_backoff_s, base * 2.0 ** max(0, failures - 1)))

    async def _poll_loop(self) -> None:
        next_list = next_state = -math.inf
        next_history = -math.inf if self.history is not None else math.inf
        failures = 0
        while True:
            now = time.monotonic()
            delay: float
            try:
                read = False
                if not self.listed or self._relist or now >= next_list:
                    await self._list()
                    next_list = now + self.config.device_list_interval_s
                    next_state = now + self.config.state_interval_s
                    read = True
                elif now >= next_state:
                    await self._update()
                    next_state = now + self.config.state_interval_s
                    read = True
                if self.history is not None and now >= next_history:
                    with one_error():
                        await self.history.collect(self.devices, self.budget)
                    next_history = now + self.config.history_interval_s
                if failures:
                    logger.info("polling works again")
                failures = 0
                self.health.backoff_s = 0.0
                if read:
                    self.health.polls += 1
                    self.health.last_success = time.time()
                delay = max(0.0, min(next_list, next_state, next_history) - time.monotonic())
            except RateLimitedError as exc:
                failures += 1
                self.health.record(exc)
                self.health.rate_limit_waits += 1
                delay = self._backoff(failures)
                logger.warning("the cloud's rate limit (%s): next try in %.0f s", exc, delay)
            except AuthenticationError as exc:
                failures += 1
                self.health.record(exc)
                delay = self.config.max_backoff_s
                logger.error(
                    "the session is no longer valid (%s): run 'kasacloud login' again; "
                    "next try in %.0f s",
                    exc,
                    delay,
                )
                await self._all_offline()
            except (CloudConnectionError, CloudTimeoutError) as exc:
                failures += 1
                self.health.record(exc)
                delay = self._backoff(failures)
                logger.warning("the cloud cannot be reached (%s): next try in %.0f s", exc, delay)
                await self._all_offline()
            except KasaCloudError as exc:
                failures += 1
                self.health.record(exc)
                delay = self._backoff(failures)
                logger.warning("polling failed (%s): next try in %.0f s", exc, delay)
            self.health.backoff_s = delay if failures else 0.0
            assert self._wake is not None
            with anyio.move_on_after(delay):
                await self._wake.wait()
            if self._wake.is_set():
                self._wake = anyio.Event()
                next_state = -math.inf

    async def _all_offline(self) -> None:
        """The cloud cannot tell: show every device unavailable until it can."""
        for device in self.devices:
            device.is_online = False
        self._relist = True
        await self._publish()

    async def _list(self) -> None:
        """Read the device list and every online device's state (one passthrough each)."""
        # one request for the list and one per device (a metered strip's outlets too); before
        # the first listing the size is unknown: a whole burst
        known = sum(self._cost(d) for d in self.devices)
        await self.budget.acquire(1 + known if self.devices else int(self.budget.burst), POLL)
        with one_error():
            devices = await self.cloud.devices(update=True)
        added = {d.device_id for d in devices} - {d.device_id for d in self.devices}
        gone = {d.device_id for d in self.devices} - {d.device_id for d in devices}
        if self.listed:
            for device_id in sorted(added):
                logger.info("device %s joined", device_id)
            for device_id in sorted(gone):
                logger.info("device %s left the account", device_id)
        else:
            logger.info("%d devices in the account", len(devices))
        self.devices = devices
        self.listed = True
        self._relist = False
        offline = [d.alias for d in devices if not d.is_online]
        if offline:
            logger.info("offline: %s", ", ".join(offline))
        await self._publish(listed=True)

    @staticmethod
    def _cost(device: Device) -> int:
        if isinstance(device, Strip) and device.energy is not None:
            return 1 + len(device.children)
        return 1

    async def _update(self) -> None:
        """Read every online device once; watch offline ones through the device list."""
        if any(not d.is_online for d in self.devices):
            await self.budget.acquire(1, POLL)
            entries = {str(e.get("deviceId")): e for e in await self.cloud.device_list()}
            back = [
                d
                for d in self.devices
                if not d.is_online and entries.get(d.device_id, {}).get("status") == 1
            ]
            if back or set(entries) != {d.device_id for d in self.devices}:
                await self._list()  # a device came back, joined or left: read them all again
                return
        changed = False
        for device in list(self.devices):
            if not device.is_online:
                continue
            await self.budget.acquire(self._cost(device), POLL)
            try:
                with one_error():
                    await device.update()
            except DeviceOfflineError:
                logger.info("%s went offline", device.alias)
            except CloudTimeoutError as exc:
                self.health.record(exc)
                logger.warning("%s did not answer in time", device.alias)
            except (RateLimitedError, AuthenticationError, CloudConnectionError):
                raise
            except KasaCloudError as exc:
                self.health.record(exc)
                logger.warning("reading %s failed: %s", device.alias, exc)
            changed = True
            # publish as each device is read: a command's new state must not wait for the rest
            await self._publish()
        if not changed:
            await self._publish()

    # ---- commands -------------------------------------------------------------------------

    def find(self, device_id: str) -> Device | None:
        """The device (strip outlet, hub sensor) with ``device_id`` among those last listed."""
        for device in self.devices:
            if device.device_id == device_id:
                return device
            if isinstance(device, Strip | Hub):
                for child in device.children:
                    if child.device_id == device_id:
                        return child
        return None

    async def _serve_commands(self, receive: Any) -> None:
        async with receive:
            async for command in receive:
                await self.execute(command)

    async def execute(self, command: Command) -> bool:
        """Run one command now (budget first, before polls); publish the new state at once."""
        device = self.find(command.device_id)
        if device is None:
            logger.warning("command for unknown device %s ignored", command.device_id)
            return False
        try:
            await self.budget.acquire(1, COMMAND)
            await _apply(device, command)
            self.health.commands += 1
            logger.info("%s: %s = %r", device.alias, command.feature_id, command.value)
            ok = True
        except KasaCloudError as exc:
            self.health.record(exc)
            if isinstance(exc, RateLimitedError):
                self.health.rate_limit_waits += 1
            logger.warning("%s: %s failed: %s", device.alias, command.feature_id, exc)
            ok = False
        await self._publish()
        return ok


async def _apply(device: Device, command: Command) -> None:
    """Carry out ``command`` on ``device`` through its features (validated, one request each)."""
    if command.feature_id == "light":
        await _apply_light(device, dict(command.value))
        return
    feature = device.features.get(command.feature_id)
    if feature is None or not feature.writable:
        raise InvalidArgumentError(f"{device.alias!r} has no settable {command.feature_id!r}")
    await feature.set_value(command.value)


async def _apply_light(device: Device, light: dict[str, Any]) -> None:
    """An HA JSON light command: off, or on with a brightness, colour temperature or colour.

    One request where the device takes the parts together (a colour with its brightness, a
    colour temperature with a brightness), else one per part.
    """
    features = device.features
    state = features["state"]
    if light.get("state") is False:
        await state.set_value(False)
        return
    brightness = light.get("brightness")
    brightness = None if brightness is None else max(0, min(100, round(float(brightness))))
    if light.get("hs") is not None and "hsv" in features:
        hue, saturation = light["hs"]
        value = brightness if brightness is not None else features["brightness"].value
        await features["hsv"].set_value(
            (round(float(hue)) % 360, round(float(saturation)), int(value or 100))
        )
    elif light.get("color_temp") is not None and "color_temp" in features:
        kelvin = round(float(light["color_temp"]))
        set_color_temp = getattr(device, "set_color_temp", None)
        if brightness is not None and set_color_temp is not None:
            await set_color_temp(kelvin, brightness=brightness)
        else:
            await features["color_temp"].set_value(kelvin)
    elif brightness is not None and "brightness" in features:
        await features["brightness"].set_value(brightness)
    if not state.value and brightness != 0:
        await state.set_value(True)  # HA's "ON" with a brightness: on, whatever the device does


def meters(devices: Sequence[Device]) -> list[Device]:
    """The energy meters among ``devices``: a metered strip's outlets, else the device itself."""
    out: list[Device] = []
    for device in devices:
        if isinstance(device, Strip):
            if device.energy is not None:
                out.extend(device.children)
        elif device.has_energy and device.energy is not None:
            out.append(device)
    return out


__all__ = ["Agent", "AgentHealth", "Command", "Output", "meters"]
