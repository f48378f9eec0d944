"""The blocking twin of :class:`kasacloud.KasaCloud`: the same API, without ``await``.

It is a thin layer, not a second client: the async client runs on a private event loop in a
background thread (anyio's blocking portal), and every coroutine method of the client, of its
devices and of their capabilities is wrapped generically to run there and wait for the answer.

Example::

    from kasacloud.sync import KasaCloud

    with KasaCloud() as cloud:
        cloud.login("me@example.com", "password")
        kettle = cloud.device("kettle")
        kettle.turn_on()
        kettle.update()
        print(kettle.realtime.power_w)
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import inspect
import threading
import weakref
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any, Final, Self

import anyio
from anyio.from_thread import BlockingPortal

from kasacloud.client import errors as E
from kasacloud.client.cloud import KasaCloud as AsyncKasaCloud
from kasacloud.client.devices.modules import Module
from kasacloud.client.secrets import Secret
from kasacloud.client.session import MfaType, SessionStats
from kasacloud.client.tokens import Tokens

__all__ = ["Blocking", "KasaCloud"]

CLOSE_TIMEOUT_S: Final = 10.0
"""How long closing (or the interpreter's exit) waits for the connection pool and the loop."""

_CLOSED_MESSAGE: Final = "this KasaCloud is closed: create a new one to make more calls"


class _LoopThread:
    """An event loop in a daemon thread, and a blocking portal into it.

    A daemon thread, so that a client nobody closed cannot keep the interpreter alive (anyio's
    ``start_blocking_portal`` runs its loop in a pool thread, which the interpreter waits for at
    exit: forever). The client still closes itself at exit or when garbage-collected, through the
    ``weakref.finalize`` of :class:`KasaCloud`.
    """

    def __init__(self) -> None:
        self._ready = threading.Event()
        self._portal: BlockingPortal | None = None
        self._lock = threading.Lock()
        self.closed = False
        self._thread = threading.Thread(target=self._run, name="kasacloud-sync", daemon=True)
        self._thread.start()
        if not self._ready.wait(CLOSE_TIMEOUT_S) or self._portal is None:
            raise E.KasaCloudError("the blocking client's event loop did not start")

    def _run(self) -> None:
        async def serve() -> None:
            async with BlockingPortal() as portal:
                self._portal = portal
                self._ready.set()
                await portal.sleep_until_stopped()

        try:
            anyio.run(serve, backend="asyncio")
        finally:
            self._ready.set()  # a loop that failed to start must not leave the caller waiting

    def call(self, func: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> Any:
        """Run ``func(*args, **kwargs)`` on the loop and wait for its result."""
        portal = self._portal
        if self.closed or portal is None:
            raise E.KasaCloudError(_CLOSED_MESSAGE)
        if threading.current_thread() is self._thread:
            raise E.KasaCloudError(
                "a blocking KasaCloud cannot be called from its own event loop: use the "
                "async kasacloud.KasaCloud there"
            )  # fmt: skip
        try:
            return portal.call(functools.partial(func, *args, **kwargs))
        except (concurrent.futures.CancelledError, RuntimeError) as exc:
            if self.closed:  # closed by another thread while this call was in flight
                raise E.KasaCloudError(_CLOSED_MESSAGE) from None
            raise exc

    def shutdown(self, aclose: Callable[[], Awaitable[None]]) -> None:
        """Run ``aclose`` on the loop, then stop it; idempotent, bounded in time, any thread."""
        with self._lock:
            if self.closed:
                return
            self.closed = True
            portal = self._portal
            if portal is None or threading.current_thread() is self._thread:
                return
            # closing is best effort and bounded: the loop is stopped whatever aclose does
            with contextlib.suppress(Exception):
                portal.start_task_soon(aclose).result(CLOSE_TIMEOUT_S)
            # calls still in flight are cancelled: their callers get the "closed" error
            with contextlib.suppress(Exception):
                portal.start_task_soon(portal.stop, True).result(CLOSE_TIMEOUT_S)
            self._thread.join(CLOSE_TIMEOUT_S)


def _wrap(owner: KasaCloud, value: Any) -> Any:
    """Wrap what the async side hands out so that its coroutine methods block instead."""
    from kasacloud.client.devices.device import Device
    from kasacloud.client.devices.feature import Feature

    if isinstance(value, Device | Module | Feature):
        return Blocking(owner, value)
    if isinstance(value, list):
        return [_wrap(owner, v) for v in value]
    if isinstance(value, Mapping) and any(
        isinstance(v, Device | Module | Feature) for v in value.values()
    ):
        # device.features, device.modules: the same keys, blocking views as values
        return {k: _wrap(owner, v) for k, v in value.items()}
    return value


class Blocking:
    """A blocking view of an async object (a device, one of its modules, or a feature).

    Attribute reads pass through; coroutine methods become blocking methods with the same
    arguments; devices and capabilities they return are wrapped too. ``unwrap()`` gives the async
    object back. A view keeps its client alive; after the client is closed its methods raise
    :class:`~kasacloud.KasaCloudError`.
    """

    __slots__ = ("_owner", "_target")

    def __init__(self, owner: KasaCloud, target: Any) -> None:
        object.__setattr__(self, "_owner", owner)
        object.__setattr__(self, "_target", target)

    def unwrap(self) -> Any:
        """The async object behind this view."""
        return self._target

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if inspect.iscoroutinefunction(value):
            owner = self._owner

            @functools.wraps(value)
            def blocking(*args: Any, **kwargs: Any) -> Any:
                return owner._call(value, *args, **kwargs)

            return blocking
        return _wrap(self._owner, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self._target).__name__} attributes are read-only here")

    def __dir__(self) -> list[str]:
        return sorted(set(dir(self._target)) | {"unwrap"})

    def __repr__(self) -> str:
        return repr(self._target)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Blocking):
            return bool(self._target is other._target)
        return NotImplemented

    def __hash__(self) -> int:
        return id(self._target)


class KasaCloud:
    """The blocking :class:`kasacloud.KasaCloud`: same arguments, same methods, no ``await``.

    Devices come back as :class:`Blocking` views whose methods block (``device.turn_on()``).
    Use it as a context manager, or call :meth:`close` (from any thread; twice is harmless). A
    client that is never closed closes itself when it is garbage-collected or the interpreter
    exits, and never keeps the interpreter alive. Calls after :meth:`close` raise
    :class:`~kasacloud.KasaCloudError`.
    """

    def __init__(self, **kwargs: Any) -> None:
        if kwargs.get("session") is not None:
            # an aiohttp session belongs to its caller's event loop, not to this client's own
            raise E.InvalidArgumentError(
                "session= is for the async kasacloud.KasaCloud; the blocking one makes its own"
            )
        self._loop = _LoopThread()

        async def make() -> AsyncKasaCloud:
            # built inside the loop so that its HTTP pool belongs to that loop
            return AsyncKasaCloud(**kwargs)

        async def nothing() -> None:
            return None

        try:
            self._cloud: AsyncKasaCloud = self._loop.call(make)
        except BaseException:
            self._loop.shutdown(nothing)
            raise
        # not a method of self: the finalizer must not keep the client alive
        self._finalizer = weakref.finalize(self, self._loop.shutdown, self._cloud.aclose)

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called (or the client closed itself)."""
        return self._loop.closed

    def _call(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return _wrap(self, self._loop.call(func, *args, **kwargs))

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool and stop the background loop (idempotent, any thread).

        Calls in flight in other threads are cancelled and raise
        :class:`~kasacloud.KasaCloudError`.
        """
        self._finalizer()
        self._loop.shutdown(self._cloud.aclose)  # a no-op, or waits for a close under way

    @property
    def aio(self) -> AsyncKasaCloud:
        """The async client behind this one."""
        return self._cloud

    # the facade: one line per method, the work is done by the async client
    def login(
        self, username: str, password: str | Secret, *, mfa_type: MfaType = "email"
    ) -> Tokens:
        """See :meth:`kasacloud.KasaCloud.login`."""
        tokens: Tokens = self._call(self._cloud.login, username, password, mfa_type=mfa_type)
        return tokens

    def verify_login(self, challenge: E.MfaChallenge, code: str) -> Tokens:
        """See :meth:`kasacloud.KasaCloud.verify_login`."""
        tokens: Tokens = self._call(self._cloud.verify_login, challenge, code)
        return tokens

    def resend_code(self, challenge: E.MfaChallenge) -> None:
        """See :meth:`kasacloud.KasaCloud.resend_code`."""
        self._call(self._cloud.resend_code, challenge)

    def logout(self) -> None:
        """See :meth:`kasacloud.KasaCloud.logout`."""
        self._call(self._cloud.logout)

    def device_list(self) -> list[dict[str, Any]]:
        """See :meth:`kasacloud.KasaCloud.device_list`."""
        entries: list[dict[str, Any]] = self._call(self._cloud.device_list)
        return entries

    def devices(self, *, update: bool = False) -> list[Any]:
        """See :meth:`kasacloud.KasaCloud.devices`; the devices are :class:`Blocking` views."""
        devices: list[Any] = self._call(self._cloud.devices, update=update)
        return devices

    def device(self, selector: str, *, update: bool = False) -> Any:
        """See :meth:`kasacloud.KasaCloud.device`; the device is a :class:`Blocking` view."""
        return self._call(self._cloud.device, selector, update=update)

    def update_all(self, devices: list[Any]) -> list[BaseException | None]:
        """See :meth:`kasacloud.KasaCloud.update_all`."""
        targets = [d.unwrap() if isinstance(d, Blocking) else d for d in devices]
        outcome: list[BaseException | None] = self._call(self._cloud.update_all, targets)
        return outcome

    @property
    def url(self) -> str:
        """The cloud's entry URL."""
        return self._cloud.url

    @property
    def tokens(self) -> Tokens | None:
        """The session's tokens."""
        return self._cloud.tokens

    @property
    def is_logged_in(self) -> bool:
        """Whether the client has a session."""
        return self._cloud.is_logged_in

    @property
    def username(self) -> str | None:
        """The logged-in account's e-mail."""
        return self._cloud.username

    @property
    def terminal_id(self) -> str:
        """The terminal UUID this client presents."""
        return self._cloud.terminal_id

    @property
    def stats(self) -> SessionStats:
        """Counters: requests, retries, refreshes, logins, redirects."""
        return self._cloud.stats

    def __repr__(self) -> str:
        return repr(self._cloud).replace("KasaCloud(", "sync.KasaCloud(", 1)
