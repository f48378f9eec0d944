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

import functools
import inspect
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

from anyio.from_thread import BlockingPortal, start_blocking_portal

from kasacloud.client import errors as E
from kasacloud.client.cloud import KasaCloud as AsyncKasaCloud
from kasacloud.client.devices.modules import Module
from kasacloud.client.secrets import Secret
from kasacloud.client.session import MfaType, SessionStats
from kasacloud.client.tokens import Tokens

__all__ = ["Blocking", "KasaCloud"]


def _wrap(portal: BlockingPortal, value: Any) -> Any:
    """Wrap what the async side hands out so that its coroutine methods block instead."""
    from kasacloud.client.devices.device import Device

    if isinstance(value, Device | Module):
        return Blocking(portal, value)
    if isinstance(value, list):
        return [_wrap(portal, v) for v in value]
    return value


class Blocking:
    """A blocking view of an async object (a device, or one of its capabilities).

    Attribute reads pass through; coroutine methods become blocking methods with the same
    arguments; devices and capabilities they return are wrapped too. ``unwrap()`` gives the async
    object back.
    """

    __slots__ = ("_portal", "_target")

    def __init__(self, portal: BlockingPortal, target: Any) -> None:
        object.__setattr__(self, "_portal", portal)
        object.__setattr__(self, "_target", target)

    def unwrap(self) -> Any:
        """The async object behind this view."""
        return self._target

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if inspect.iscoroutinefunction(value):
            portal = self._portal

            @functools.wraps(value)
            def blocking(*args: Any, **kwargs: Any) -> Any:
                return _wrap(portal, portal.call(functools.partial(value, *args, **kwargs)))

            return blocking
        return _wrap(self._portal, value)

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
    Use it as a context manager, or call :meth:`close`.
    """

    def __init__(self, **kwargs: Any) -> None:
        self._portal_cm = start_blocking_portal(backend="asyncio")
        self._portal = self._portal_cm.__enter__()

        async def make() -> AsyncKasaCloud:
            # built inside the loop so that its HTTP pool belongs to that loop
            return AsyncKasaCloud(**kwargs)

        try:
            self._cloud: AsyncKasaCloud = self._portal.call(make)
        except BaseException:
            self._portal_cm.__exit__(None, None, None)
            raise
        self._closed = False

    def _call(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self._closed:
            raise E.KasaCloudError("this KasaCloud is closed")
        return _wrap(self._portal, self._portal.call(functools.partial(func, *args, **kwargs)))

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
        """Close the connection pool and stop the background loop."""
        if self._closed:
            return
        try:
            self._portal.call(self._cloud.aclose)
        finally:
            self._closed = True
            self._portal_cm.__exit__(None, None, None)

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
