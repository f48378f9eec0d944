"""The async facade: :class:`KasaCloud`, an account's devices through TP-Link's cloud."""

from __future__ import annotations

import functools
import inspect
import math
import os
import ssl
import uuid
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Final, Self

import aiohttp
import anyio
import anyio.to_thread

from kasacloud.client import errors as E
from kasacloud.client.concurrency import gather
from kasacloud.client.devices import Device, covers, from_cloud, listing_query
from kasacloud.client.ratelimit import RateLimiter
from kasacloud.client.retry import RetryPolicy
from kasacloud.client.secrets import Secret
from kasacloud.client.selector import select
from kasacloud.client.session import CloudSession, MfaType, SessionStats
from kasacloud.client.tls import default_ssl_context
from kasacloud.client.tokens import (
    MemoryTokenStore,
    ProtocolVersion,
    Tokens,
    TokensChanged,
    TokenStore,
    existing_terminal_id,
    installation_terminal_id,
)
from kasacloud.protocol import commands as C
from kasacloud.protocol import hosts
from kasacloud.protocol.signing import KASA_APP, AppKey

URL_ENV: Final = "KASACLOUD_URL"
"""Environment variable overriding the cloud URL (e.g. a local kasacloud server)."""

DEFAULT_RATE_PER_S: Final = 15.0
DEFAULT_BURST: Final = 60
DEFAULT_TIMEOUT_S: Final = 15.0
DEFAULT_MAX_CONCURRENCY: Final = 32

MfaCallback = Callable[[E.MfaChallenge], "str | Awaitable[str]"]
"""Asked for the verification code during :meth:`KasaCloud.login`; may be sync or async."""

_SYSINFO: Final = {C.SYSTEM: {C.GET_SYSINFO: None}}


def _terminal_id(explicit: str | None, store: TokenStore) -> str:
    """The terminal id to present: explicit, else the installation's.

    A client that keeps its tokens in memory only writes nothing to the user's config dir: it
    reuses the installation's id if one exists (made by an earlier persisted session, e.g. the
    CLI's), else a fresh one for this process.
    """
    if explicit:
        return explicit
    if isinstance(store, MemoryTokenStore):
        return existing_terminal_id() or str(uuid.uuid4())
    return installation_terminal_id()


def _is_listed_online(entry: dict[str, Any]) -> bool:
    return entry.get("status") == 1 and not str(entry.get("deviceType", "")).startswith(
        C.TAPO_DEVICE_PREFIX
    )


class KasaCloud:
    """A TP-Link cloud account and its Kasa devices (async).

    Example::

        async with KasaCloud() as cloud:
            await cloud.login("me@example.com", "password")
            for device in await cloud.devices():
                print(device.alias, device.is_on)

    Args:
        url: the cloud's entry URL; default ``$KASACLOUD_URL``, else TP-Link's (V2
            ``https://n-wap.tplinkcloud.com``, V1 ``https://wap.tplinkcloud.com``).
        protocol: ``"v2"`` (signed, what the Kasa app uses; default) or ``"v1"``.
        token_store: where tokens are kept between runs (default: memory only).
        on_tokens_changed: called with new tokens after login/refresh, ``None`` after logout.
        terminal_id: this client's terminal UUID; default: one per installation, persisted in
            the config dir when ``token_store`` persists (with the memory store nothing is
            written: an existing installation id is reused, else one is made for the process).
        mfa_callback: asked for the 2-step verification code during :meth:`login` (sync or
            async); without it, :meth:`login` raises :class:`VerificationRequired`.
        timeout_s: the limit of every HTTP exchange.
        retry: bounds of automatic retries (see :class:`RetryPolicy`).
        rate_limit_per_s, rate_limit_burst: the client-side rate limit (``math.inf``: none).
        max_concurrency: requests in flight at once (also the connection pool size).
        verify: an ``ssl.SSLContext`` to use instead of the default (system + certifi + TP-Link
            CA); ``False`` is refused: verification is never turned off. It goes with each
            request, so it applies on a shared ``session`` too.
        session: an ``aiohttp.ClientSession`` to send through (e.g. Home Assistant's shared one);
            kasacloud never closes it. Default: a pooled session of its own, made on first use
            and closed by :meth:`aclose`.
        request_data_as_string: send ``requestData`` as a JSON string (default) or an object.
        app: the app identity V2 requests are signed with.
    """

    def __init__(
        self,
        *,
        url: str | None = None,
        protocol: ProtocolVersion = "v2",
        token_store: TokenStore | None = None,
        on_tokens_changed: TokensChanged | None = None,
        terminal_id: str | None = None,
        mfa_callback: MfaCallback | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        retry: RetryPolicy | None = None,
        rate_limit_per_s: float = DEFAULT_RATE_PER_S,
        rate_limit_burst: int = DEFAULT_BURST,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        verify: ssl.SSLContext | None = None,
        request_data_as_string: bool = True,
        app: AppKey = KASA_APP,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        if protocol not in ("v1", "v2"):
            raise E.InvalidArgumentError(f"protocol must be 'v1' or 'v2', got {protocol!r}")
        if verify is False:  # type: ignore[comparison-overlap]
            raise E.InvalidArgumentError("TLS verification cannot be turned off")
        if session is not None and not isinstance(session, aiohttp.ClientSession):
            raise E.InvalidArgumentError(
                f"session must be an aiohttp.ClientSession, got {type(session).__name__}"
            )
        default = hosts.V2_URL if protocol == "v2" else hosts.V1_URL
        self.url = (url or os.environ.get(URL_ENV) or default).rstrip("/")
        """The cloud's entry URL."""
        self.protocol: ProtocolVersion = protocol
        self.token_store: TokenStore = (
            token_store if token_store is not None else MemoryTokenStore()
        )
        self.mfa_callback = mfa_callback
        # for every https host the client may be sent to (regions, devices' appServerUrl)
        context = verify or default_ssl_context()
        self._session = CloudSession(
            url=self.url,
            protocol=protocol,
            app=app,
            terminal_id=_terminal_id(terminal_id, self.token_store),
            timeout_s=timeout_s,
            retry=retry or RetryPolicy(),
            limiter=RateLimiter(rate_limit_per_s, rate_limit_burst),
            max_concurrency=max_concurrency,
            verify=context,
            http_session=session,
            token_store=self.token_store,
            store_key=self.url,
            on_tokens_changed=on_tokens_changed,
            request_data_as_string=request_data_as_string,
        )

    # ---- lifecycle --------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool, unless it is a caller's ``session`` (tokens stay stored)."""
        await self._session.aclose()

    # ---- account ----------------------------------------------------------------------------

    @property
    def session(self) -> CloudSession:
        """The wire session (for diagnostics: ``stats``, ``terminal_id``)."""
        return self._session

    @property
    def stats(self) -> SessionStats:
        """Counters: requests, retries, refreshes, logins, redirects."""
        return self._session.stats

    @property
    def terminal_id(self) -> str:
        """The terminal UUID this client presents."""
        return self._session.terminal_id

    @property
    def tokens(self) -> Tokens | None:
        """The session's tokens (``None`` before login; loaded from the store on first use)."""
        return self._session.tokens or self._session.resume()

    @property
    def is_logged_in(self) -> bool:
        """Whether the client has a session (its own, or one from the token store)."""
        return self.tokens is not None

    @property
    def username(self) -> str | None:
        """The logged-in account's e-mail."""
        tokens = self.tokens
        return tokens.username if tokens else None

    async def login(
        self,
        username: str,
        password: str | Secret,
        *,
        mfa_type: MfaType = "email",
    ) -> Tokens:
        """Log in with an e-mail and password.

        With 2-step verification, a code is sent (``mfa_type``: ``"email"`` or ``"push"``); then
        the ``mfa_callback`` is asked for it, or, without one, :class:`VerificationRequired` is
        raised: pass its ``challenge`` and the code to :meth:`verify_login`.

        Raises:
            AuthenticationError: wrong e-mail or password (never retried), or V1 refused.
            VerificationRequired: 2-step verification and no ``mfa_callback``.
        """
        secret = Secret(password)
        try:
            return await self._session.login(username, secret, mfa_type=mfa_type)
        except E.VerificationRequired as exc:
            if self.mfa_callback is None:
                raise
            code = await self._ask_code(exc.challenge)
            return await self.verify_login(exc.challenge, code)

    async def _ask_code(self, challenge: E.MfaChallenge) -> str:
        callback = self.mfa_callback
        assert callback is not None
        if inspect.iscoroutinefunction(callback):
            answer = await callback(challenge)
        else:
            # a blocking prompt (input()) must not stall the event loop
            answer = await anyio.to_thread.run_sync(callback, challenge)
            if inspect.isawaitable(answer):
                answer = await answer
        return str(answer)

    async def verify_login(self, challenge: E.MfaChallenge, code: str) -> Tokens:
        """The second step of a 2-step-verification login: send the code the user received.

        Raises:
            AuthenticationError: the code is wrong or expired.
        """
        return await self._session.verify_login(challenge, code)

    async def resend_code(self, challenge: E.MfaChallenge) -> None:
        """Ask the cloud to send a fresh verification code for ``challenge``."""
        await self._session.request_code(challenge)

    async def logout(self) -> None:
        """Forget the session, here and in the token store."""
        self._session.forget()

    # ---- devices ----------------------------------------------------------------------------

    async def device_list(self) -> list[dict[str, Any]]:
        """The raw getDeviceList entries (no request to the devices)."""
        result = await self._session.call("getDeviceList")
        entries = result.get("deviceList")
        if not isinstance(entries, list):
            raise E.ProtocolError("getDeviceList answer has no deviceList")
        return [dict(e) for e in entries if isinstance(e, dict)]

    async def _build(self, entry: dict[str, Any], *, update: bool = False) -> Device:
        """Type a list entry: read its sysinfo (with ``update``: everything ``update()`` reads).

        A device that is offline, or does not answer in time, is built from its entry alone,
        marked ``is_online == False``: one silent device must not fail a whole listing.
        """
        sysinfo: dict[str, Any] | None = None
        response: dict[str, Any] = {}
        request = listing_query(entry) if update else _SYSINFO
        if _is_listed_online(entry):
            try:
                response = await self._session.passthrough(
                    str(entry.get("deviceId")), request, base_url=entry.get("appServerUrl")
                )
                sysinfo = dict(response[C.SYSTEM][C.GET_SYSINFO])
                sysinfo.pop("err_code", None)
            except (E.DeviceOfflineError, E.CloudTimeoutError):
                sysinfo = None  # listed online, but it lost its connection meanwhile
            except (KeyError, TypeError):
                raise E.ProtocolError("sysinfo answer is malformed") from None
        device = from_cloud(self._session, entry, sysinfo)
        if update and device.is_online:
            if covers(request, device.update_query()):
                device.absorb_update(response, request)  # the listing's answer was the update
            else:
                await device.update()  # a family that reads more than the listing asked
            await device._update_children()
        return device

    async def devices(self, *, update: bool = False) -> list[Device]:
        """Every device of the account, typed, with its sysinfo read (concurrently).

        With ``update=True`` each device's read is a full :meth:`Device.update` (energy reading,
        clock) in the same single passthrough, so that no second round trip is needed.

        Offline devices (and devices that do not answer in time) are included with
        ``is_online == False``; their commands raise :class:`DeviceOfflineError`.
        """
        entries = await self.device_list()
        return await gather(
            [functools.partial(self._build, entry, update=update) for entry in entries],
            limit=self._session.max_concurrency,
        )

    async def device(self, selector: str, *, update: bool = False) -> Device:
        """One device: by id, exact alias, or a unique case-insensitive part of an alias.

        ``update=True`` reads what :meth:`Device.update` reads, in the same single passthrough.

        Raises:
            NotFoundError: nothing matches.
            AmbiguousDeviceError: several devices match; ``candidates`` lists them.
        """
        if not isinstance(selector, str) or not selector.strip():
            raise E.InvalidArgumentError(
                f"a device selector is an id or an alias (text), got {selector!r}"
            )
        entries = await self.device_list()
        stubs = [from_cloud(self._session, e, None) for e in entries]
        chosen = select(stubs, selector)
        return await self._build(chosen.entry, update=update)

    async def update_all(self, devices: list[Device]) -> list[BaseException | None]:
        """``update()`` every device concurrently; return each one's error (``None``: updated)."""

        async def one(device: Device) -> BaseException | None:
            if not device.is_online:
                return E.DeviceOfflineError(f"{device.alias} is offline", code=-20571)
            try:
                await device.update()
            except E.KasaCloudError as exc:
                return exc
            return None

        return await gather(
            [functools.partial(one, d) for d in devices], limit=self._session.max_concurrency
        )

    def __repr__(self) -> str:
        return f"KasaCloud(url={self.url!r}, protocol={self.protocol!r}, user={self.username!r})"


NO_RATE_LIMIT: Final = math.inf
"""Pass as ``rate_limit_per_s`` to disable the client-side rate limiter."""
