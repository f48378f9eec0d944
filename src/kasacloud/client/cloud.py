"""The async facade: :class:`KasaCloud`, an account's devices through TP-Link's cloud."""

from __future__ import annotations

import functools
import inspect
import logging
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
from kasacloud.client.devices.smart import absorb as absorb_smart
from kasacloud.client.devices.smart import listing_requests, update_requests
from kasacloud.client.devices.smart import multiple as smart_multiple
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
from kasacloud.protocol import assumptions, hosts
from kasacloud.protocol import commands as C
from kasacloud.protocol import smart as S
from kasacloud.protocol.signing import KASA_APP, TAPO_APP, AppKey

logger: Final = logging.getLogger("kasacloud.client")

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
        tapo: also sign in the Tapo app (its own key pair and tokens, same account), which
            lists and drives SMART devices (Tapo, Kasa hardware since 2022). If that side
            fails, Kasa devices still work, a warning is logged and SMART calls raise
            :class:`SmartUnavailableError` saying why.
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
        tapo: bool = True,
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
        self._tapo: CloudSession | None = None
        # the Tapo app is V2 only: a V1 client's default V1 host is not its entry
        tapo_url = (
            self.url if (protocol == "v2" or url or os.environ.get(URL_ENV)) else hosts.V2_URL
        )
        if tapo:
            # the same account through the Tapo app: its own tokens (under their own key), the
            # same pool, in-flight bound and rate limiter; SMART calls are always V2
            self._tapo = CloudSession(
                url=tapo_url,
                protocol="v2",
                app=TAPO_APP,
                terminal_id=self._session.terminal_id,
                timeout_s=timeout_s,
                retry=self._session.retry,
                limiter=self._session.limiter,
                max_concurrency=max_concurrency,
                verify=context,
                http_session=session,
                token_store=self.token_store,
                store_key=tapo_store_key(self.url),
                on_tokens_changed=None,
                request_data_as_string=request_data_as_string,
                share_with=self._session,
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
        if self._tapo is not None:
            await self._tapo.aclose()

    # ---- account ----------------------------------------------------------------------------

    @property
    def session(self) -> CloudSession:
        """The wire session (for diagnostics: ``stats``, ``terminal_id``)."""
        return self._session

    @property
    def tapo_session(self) -> CloudSession | None:
        """The Tapo app's side (SMART devices), ``None`` when made with ``tapo=False``."""
        return self._tapo

    @property
    def tapo_error(self) -> E.KasaCloudError | None:
        """Why the Tapo side cannot be used (its sign-in failed), else ``None``."""
        return self._tapo.unavailable if self._tapo is not None else None

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
            tokens = await self._session.login(username, secret, mfa_type=mfa_type)
        except E.VerificationRequired as exc:
            if self.mfa_callback is None:
                raise
            code = await self._ask_code(exc.challenge)
            return await self.verify_login(exc.challenge, code)
        await self._login_tapo(username, secret, mfa_type)
        return tokens

    async def _login_tapo(self, username: str, password: Secret, mfa_type: MfaType) -> None:
        """Sign in the Tapo side; a failure is kept (and logged), never raised.

        After a verified Kasa login the terminal is bound (``terminalBindEnabled``), so the Tapo
        login from the same terminal asks no second code (``MFA_BIND_SKIPS_LATER_MFA``); where it
        still asks, the ``mfa_callback`` is asked again, else the Tapo side is left out.
        """
        tapo = self._tapo
        if tapo is None:
            return
        try:
            try:
                await tapo.login(username, password, mfa_type=mfa_type)
            except E.VerificationRequired as exc:
                if self.mfa_callback is None:
                    raise E.AuthenticationError(
                        "the Tapo app asks for a 2-step verification code of its own: pass "
                        "mfa_callback to KasaCloud",
                        code=exc.code,
                    ) from None
                code = await self._ask_code(exc.challenge)
                await tapo.verify_login(exc.challenge, code)
        except E.KasaCloudError as exc:
            tapo.unavailable = exc
            logger.warning(
                "Tapo sign-in failed (%s): Kasa devices work, SMART (Tapo) devices cannot be "
                "reached",
                exc,
            )
            return
        tapo.unavailable = None

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
        tokens = await self._session.verify_login(challenge, code)
        await self._login_tapo(challenge.username, challenge.password, "email")
        return tokens

    async def resend_code(self, challenge: E.MfaChallenge) -> None:
        """Ask the cloud to send a fresh verification code for ``challenge``."""
        await self._session.request_code(challenge)

    async def logout(self) -> None:
        """Forget the session (both apps'), here and in the token store."""
        self._session.forget()
        if self._tapo is not None:
            self._tapo.forget()

    # ---- devices ----------------------------------------------------------------------------

    async def device_list(self) -> list[dict[str, Any]]:
        """The raw getDeviceList entries of both apps, each device once (no device requests).

        The Kasa app's list, then the Tapo app's (its ``alias`` base64-decoded); a device in
        both is listed once, with the Tapo entry (``assumptions.DEVICE_LIST_DUPLICATE_WINS``).
        When the Tapo side is not signed in (or its session cannot be renewed), a warning is
        logged and the Kasa list is returned; other failures (timeouts, rate limits) raise as
        the Kasa list's would.
        """
        entries = _entries(await self._session.call("getDeviceList"))
        tapo = self._tapo
        if tapo is None:
            return entries
        if tapo.unavailable is None and tapo.tokens is None and tapo.resume() is None:
            tapo.unavailable = E.AuthenticationError(
                "the Tapo side is not signed in (a session from before it was): log in again"
            )
        if tapo.unavailable is not None:
            logger.warning("SMART (Tapo) devices are not listed: %s", tapo.unavailable)
            return entries
        try:
            smart_entries = [_decoded(e) for e in _entries(await tapo.call("getDeviceList"))]
        except E.AuthenticationError as exc:
            # the Tapo session died and cannot be renewed: Kasa devices go on, the reason is kept
            tapo.unavailable = exc
            logger.warning("SMART (Tapo) devices are not listed: %s", exc)
            return entries
        return merge_device_lists(entries, smart_entries)

    async def _build(self, entry: dict[str, Any], *, update: bool = False) -> Device:
        """Type a list entry: read its sysinfo (with ``update``: everything ``update()`` reads).

        A device that is offline, or does not answer in time, is built from its entry alone,
        marked ``is_online == False``: one silent device must not fail a whole listing.
        """
        if S.is_smart_device_type(entry.get("deviceType")):
            return await self._build_smart(entry, update=update)
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

    def _smart_session(self) -> CloudSession:
        if self._tapo is None:
            session = self._session  # tapo=False: SMART calls go the Kasa way and answer -20571
            return session
        return self._tapo

    async def _build_smart(self, entry: dict[str, Any], *, update: bool) -> Device:
        """Type a SMART entry from its ``component_nego`` (one ``multipleRequest``).

        With ``update``, the readings every SMART meter, LED and clock have ride along; a device
        that reads more (a strip's outlets' meters) is updated once more.
        """
        session = self._smart_session()
        device = from_cloud(session, entry, None, {})
        listed_online = entry.get("status") == 1
        if not listed_online:
            return device
        requests = listing_requests(update=update)
        try:
            answer = await session.smart_passthrough(
                device.device_id, smart_multiple(requests), base_url=entry.get("appServerUrl")
            )
        except (E.DeviceOfflineError, E.CloudTimeoutError):
            return device  # listed online, but it lost its connection meanwhile
        except E.SmartUnavailableError:
            device.is_online = True  # listed online; its calls say why they cannot be made
            return device
        probe = from_cloud(session, entry, None, {})
        absorb_smart(probe, requests, answer)  # learns the components, then the class
        device = from_cloud(session, entry, None, probe.components)
        device.smart_child_components = probe.smart_child_components
        absorb_smart(device, requests, answer)
        await device._more_smart_children()  # a hub with more than a page of sensors
        if update:
            sent = {r["method"] for r in requests}
            if any(r["method"] not in sent for r in update_requests(device)):
                await device.update()
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


def tapo_store_key(url: str) -> str:
    """The token store key of the Tapo side of the cloud at ``url``."""
    return f"tapo:{url}"


def _entries(result: dict[str, Any]) -> list[dict[str, Any]]:
    entries = result.get("deviceList")
    if not isinstance(entries, list):
        raise E.ProtocolError("getDeviceList answer has no deviceList")
    return [dict(e) for e in entries if isinstance(e, dict)]


def _decoded(entry: dict[str, Any]) -> dict[str, Any]:
    """A Tapo list entry with its base64 ``alias`` decoded (kept as is when it is not base64)."""
    alias = entry.get("alias")
    if isinstance(alias, str) and S.is_smart_device_type(entry.get("deviceType")):
        entry["alias"] = S.decode_text(alias) or alias
    return entry


def merge_device_lists(
    kasa: list[dict[str, Any]], tapo: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Both apps' lists as one, each ``deviceId`` once (the winner: see ``assumptions``)."""
    tapo_wins = assumptions.DEVICE_LIST_DUPLICATE_WINS == "tapo"
    by_id = {str(e.get("deviceId")): e for e in tapo}
    merged = []
    seen: set[str] = set()
    for entry in kasa:
        device_id = str(entry.get("deviceId"))
        seen.add(device_id)
        merged.append(by_id[device_id] if tapo_wins and device_id in by_id else entry)
    merged += [e for e in tapo if str(e.get("deviceId")) not in seen]
    return merged
