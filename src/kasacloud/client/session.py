"""The async cloud session: HTTP, both protocol generations, tokens, retries, rate limit, regions.

One :class:`CloudSession` per :class:`~kasacloud.KasaCloud`, holding one pooled
``aiohttp.ClientSession`` (its own, made on first use, or the caller's, which it never closes).
TLS settings and timeouts go with each request, not with the session, so that a shared session
needs no setup. Everything that goes on the wire goes through :meth:`CloudSession._run`,
which applies, in one place and in this order of precedence:

- the token policy: on -20651 the refresh token is used once, single-flight (concurrent calls that
  hit the same expired token wait for one refresh); on -20655 (and -20652/-20675) a full login when
  the credentials are held;
- -20212 "Incorrect service entry address": resend once to the host the answer names;
- retries with exponential backoff and jitter for what the error table marks retryable, bounded by
  :class:`~kasacloud.client.retry.RetryPolicy`; never after a wrong password;
- a timeout on every exchange, and the client-side rate limiter before every request.

Secrets: V1 carries the token in the body; V2 requires ``?token=`` in the query string (the
protocol), so URLs are never logged with their query, and the DEBUG trace is redacted.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import ssl
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

import aiohttp
import anyio
import yarl

from kasacloud.client import errors as E
from kasacloud.client.ratelimit import RateLimiter
from kasacloud.client.redact import install_log_redaction, redact
from kasacloud.client.retry import RetryPolicy
from kasacloud.client.secrets import Secret
from kasacloud.client.tokens import ProtocolVersion, Tokens, TokensChanged, TokenStore
from kasacloud.protocol import assumptions, hosts, request_data, signing
from kasacloud.protocol.envelope import EnvelopeError, Reply, parse_reply
from kasacloud.protocol.errors import ErrorCode, Retry, lookup

logger: Final = logging.getLogger("kasacloud.client")
"""DEBUG: one redacted line per request and per answer (what the CLI's ``--debug`` shows)."""

# the HTTP stack's loggers (and asyncio's, which reports unclosed sessions) may show a URL, and a
# V2 URL carries the token
install_log_redaction()

_JSON_SEPARATORS: Final = (",", ":")
_TOO_MANY_REQUESTS: Final = 429
_MAX_TARGETS: Final = 64

MfaType = Literal["email", "push"]


@dataclass(slots=True)
class SessionStats:
    """Counters of what the session did (for benchmarks and diagnostics)."""

    requests: int = 0
    retries: int = 0
    refreshes: int = 0
    logins: int = 0
    redirects: int = 0


class _Transient(Exception):
    """A failure before any cloud answer: timeout, connection, HTTP 5xx. Retried with backoff."""

    def __init__(self, error: E.KasaCloudError, kind: Retry = Retry.BACKOFF) -> None:
        super().__init__(error)
        self.error = error
        self.kind = kind


def _base(url: str) -> str:
    return url.rstrip("/")


class CloudSession:
    """The wire side of a :class:`~kasacloud.KasaCloud`; devices make their calls through it."""

    def __init__(
        self,
        *,
        url: str,
        protocol: ProtocolVersion,
        app: signing.AppKey,
        terminal_id: str,
        timeout_s: float,
        retry: RetryPolicy,
        limiter: RateLimiter,
        max_concurrency: int,
        verify: ssl.SSLContext,
        http_session: aiohttp.ClientSession | None,
        token_store: TokenStore,
        store_key: str,
        on_tokens_changed: TokensChanged | None,
        request_data_as_string: bool,
    ) -> None:
        if not isinstance(timeout_s, int | float) or not timeout_s > 0:
            raise E.InvalidArgumentError(f"timeout_s must be a positive number, got {timeout_s!r}")
        if not isinstance(max_concurrency, int) or max_concurrency < 1:
            raise E.InvalidArgumentError(
                f"max_concurrency must be a whole number >= 1, got {max_concurrency!r}"
            )
        self.url = _base(url)
        self.protocol: ProtocolVersion = protocol
        self.app = app
        self.terminal_id = terminal_id
        self.timeout_s = timeout_s
        self.retry = retry
        self.limiter = limiter
        self.request_data_as_string = request_data_as_string
        self.max_concurrency = max_concurrency
        """Requests in flight at once; fan-outs over devices run this many tasks at most."""
        self.stats = SessionStats()
        self._store = token_store
        self._store_key = store_key
        self._on_tokens_changed = on_tokens_changed
        self._tokens: Tokens | None = None
        self._credentials: tuple[str, Secret] | None = None
        self._renew_lock = anyio.Lock()
        # asyncio's semaphore does not yield when a slot is free (anyio's does: one more loop
        # iteration per request); the HTTP stack is asyncio's anyway
        self._slots = asyncio.Semaphore(max_concurrency)
        self._targets: dict[tuple[str, tuple[tuple[str, str], ...]], yarl.URL] = {}
        # per request: TP-Link's CA beside the system store, whatever session carries it
        self._ssl = verify
        self._http: aiohttp.ClientSession | None = http_session
        self._owns_http = http_session is None
        self._closed = False
        self._user_agent = hosts.V2_USER_AGENT if protocol == "v2" else hosts.V1_USER_AGENT

    # ---- lifecycle and state ----------------------------------------------------------------

    @property
    def http(self) -> aiohttp.ClientSession:
        """The ``aiohttp.ClientSession`` in use (made on first use when none was given).

        Raises:
            KasaCloudError: this client was closed, or the caller's session was.
        """
        if self._closed:
            raise E.KasaCloudError("this KasaCloud is closed: create a new one")
        if self._http is None:
            # made here, not in __init__: an aiohttp session belongs to the running event loop
            # keep-alive with aiohttp's idle timeout; as many connections as requests in flight
            connector = aiohttp.TCPConnector(limit=self.max_concurrency, limit_per_host=0)
            self._http = aiohttp.ClientSession(connector=connector)
        elif self._http.closed:
            raise E.KasaCloudError(
                "the aiohttp.ClientSession given to KasaCloud(session=...) is closed"
            )
        return self._http

    async def aclose(self) -> None:
        """Close the connection pool if it is ours (a caller's session is left open)."""
        self._closed = True
        http, self._http = self._http, None
        if http is not None and self._owns_http and not http.closed:
            await http.close()

    @property
    def tokens(self) -> Tokens | None:
        """The current tokens (``None`` before login or resume)."""
        return self._tokens

    def forget(self) -> None:
        """Drop tokens and credentials, here and in the store."""
        self._tokens = None
        self._credentials = None
        self._store.clear(self._store_key)
        if self._on_tokens_changed:
            self._on_tokens_changed(None)

    def resume(self) -> Tokens | None:
        """Adopt tokens from the store, if it has any for this cloud."""
        if self._tokens is None:
            self._tokens = self._store.load(self._store_key)
        return self._tokens

    def _set_tokens(self, tokens: Tokens) -> None:
        self._tokens = tokens
        self._store.save(self._store_key, tokens)
        if self._on_tokens_changed:
            self._on_tokens_changed(tokens)

    # ---- one exchange -----------------------------------------------------------------------

    async def _exchange(
        self,
        base_url: str,
        path: str,
        body: Mapping[str, Any],
        *,
        query: Mapping[str, str] | None,
        signed: bool,
    ) -> Reply:
        """Send one request and decode its envelope; no retry here.

        Raises:
            _Transient: timeout, connection failure, HTTP 5xx/429.
            ProtocolError: the answer is not a cloud envelope.
        """
        content = json.dumps(body, separators=_JSON_SEPARATORS).encode()
        headers = {"Content-Type": "application/json;charset=UTF-8", "User-Agent": self._user_agent}
        if signed:
            headers.update(signing.sign(self.app, content, path))
        url = _base(base_url) + path
        debug = logger.isEnabledFor(logging.DEBUG)
        if debug:
            # the URL without its query: V2 puts the token there
            logger.debug("-> POST %s %s", url, json.dumps(redact(dict(body))))
        http = self.http
        target = self._target(url, query)
        await self.limiter.acquire()
        self.stats.requests += 1
        try:
            async with (
                self._slots,
                http.post(
                    target,
                    data=content,
                    headers=headers,
                    ssl=self._ssl,
                    timeout=aiohttp.ClientTimeout(total=self.timeout_s),
                    allow_redirects=False,  # the cloud's redirect is -20212, handled in _run
                    raise_for_status=False,  # whatever a shared session's default is
                ) as response,
            ):
                status = response.status
                raw = await response.read()
        except TimeoutError:  # aiohttp's timeouts are TimeoutErrors too
            raise _Transient(
                E.CloudTimeoutError(f"no answer from {url} within {self.timeout_s:g} s")
            ) from None
        except (aiohttp.ClientError, OSError) as exc:
            # the exception's text can include the URL, and with it a V2 token: say only the kind
            raise _Transient(
                E.CloudConnectionError(f"cannot reach {url}: {type(exc).__name__}")
            ) from None
        if debug:
            # redact the whole answer, then shorten: a cut JSON text could not be parsed to redact
            logger.debug("<- %s %s %s", status, url, str(redact(raw))[:4000])
        try:
            decoded = json.loads(raw)
        except ValueError:  # not JSON, or not UTF-8
            decoded = None
        if isinstance(decoded, dict) and "error_code" in decoded:
            try:
                return parse_reply(decoded)
            except EnvelopeError as exc:
                raise E.ProtocolError(f"malformed answer from {url}: {exc}") from None
        if status == _TOO_MANY_REQUESTS:
            raise _Transient(E.RateLimitedError(f"HTTP 429 from {url}"), kind=Retry.LONG_BACKOFF)
        if status >= 500:
            raise _Transient(E.CloudConnectionError(f"HTTP {status} from {url}"))
        raise E.ProtocolError(f"HTTP {status} from {url}: not a cloud answer")

    def _target(self, url: str, query: Mapping[str, str] | None) -> yarl.URL:
        """``url`` with ``query``, parsed and encoded once per host and token, not per request."""
        key = (url, tuple(query.items()) if query else ())
        target = self._targets.get(key)
        if target is None:
            if len(self._targets) >= _MAX_TARGETS:  # old tokens' URLs: drop, do not grow
                self._targets.clear()
            target = yarl.URL(url).with_query(query) if query else yarl.URL(url)
            self._targets[key] = target
        return target

    # ---- the policy loop --------------------------------------------------------------------

    async def _run(
        self,
        send: Callable[[str, Tokens | None], Awaitable[Reply]],
        base_url: str,
        *,
        authed: bool,
        accept: frozenset[int] = frozenset(),
    ) -> tuple[Reply, str]:
        """Run ``send`` under the token, redirect and retry policy.

        Returns the answer and the host that gave it. Codes in ``accept`` are returned, not raised.
        """
        attempt = 0
        refreshed = relogged = redirected = False
        while True:
            tokens = await self._current_tokens() if authed else None
            error: E.KasaCloudError | None = None
            reply: Reply | None = None
            try:
                reply = await send(base_url, tokens)
            except _Transient as exc:
                kind, error = exc.kind, exc.error
            if reply is not None:
                if reply.ok or reply.error_code in accept:
                    return reply, base_url
                code = reply.error_code
                kind = lookup(code).retry
                if authed and code == ErrorCode.TOKEN_EXPIRED and not refreshed:
                    refreshed = True
                    await self._renew(tokens, code, full_login=False)
                    continue
                if authed and kind in (Retry.REFRESH, Retry.RELOGIN) and not relogged:
                    relogged = refreshed = True
                    await self._renew(tokens, code, full_login=True)
                    continue
                if kind is Retry.REDIRECT and not redirected:
                    target = reply.result.get("appServerUrl")
                    if isinstance(target, str) and target:
                        redirected = True
                        self.stats.redirects += 1
                        logger.debug("following -20212 to %s", target)
                        base_url = target
                        continue
            attempt += 1
            if self.retry.retries(kind) and attempt < self.retry.max_attempts:
                self.stats.retries += 1
                await anyio.sleep(self.retry.delay_s(kind, attempt))
                continue
            if error is not None:
                raise error
            assert reply is not None
            raise E.from_code(reply.error_code, reply.msg)

    async def _current_tokens(self) -> Tokens:
        tokens = self._tokens or self.resume()
        if tokens is None:
            if self._credentials is None:
                raise E.AuthenticationError("not logged in: call login() first")
            await self._renew(None, None, full_login=True)
            tokens = self._tokens
            assert tokens is not None
        return tokens

    async def _renew(self, used: Tokens | None, code: int | None, *, full_login: bool) -> None:
        """Refresh (or log in again) once for everyone who hit the same dead token."""
        async with self._renew_lock:
            current = self._tokens
            if current is not None and (used is None or current.token != used.token):
                return  # another task renewed while this one waited: single flight
            stored = self._store.load(self._store_key)
            if stored is not None and (used is None or stored.token != used.token):
                self._tokens = stored  # another process (CLI, dashboard) renewed it
                return
            if not full_login and current is not None and current.refresh_token:
                try:
                    await self._refresh(current)
                    return
                except E.TokenExpiredError as exc:
                    code = exc.code  # the refresh token is dead too: fall through to a login
                except E.AuthenticationError as exc:
                    code = exc.code
            if self._credentials is not None:
                username, password = self._credentials
                reply, host = await self._login_request(username, password)
                if reply.error_code == ErrorCode.MFA_REQUIRED:
                    raise E.TokenExpiredError(
                        "the session expired and this account needs 2-step verification", code=code
                    )
                self._adopt_login(username, reply, host)
                return
            raise E.TokenExpiredError(
                "the session expired and cannot be renewed without the password: log in", code=code
            )

    # ---- V1-envelope calls (all device calls, and all of V1) --------------------------------

    async def call(
        self, method: str, params: Mapping[str, Any] | None = None, *, base_url: str | None = None
    ) -> dict[str, Any]:
        """An authenticated V1-envelope call; returns its ``result``.

        ``getDeviceList``, ``passthrough``, ``setAlias``...: on the account's host or ``base_url``.
        """

        async def send(host: str, tokens: Tokens | None) -> Reply:
            assert tokens is not None
            token = tokens.token.reveal()
            body_params = dict(params or {})
            if self.protocol == "v1" or tokens.protocol == "v1":
                body_params["token"] = token  # V1: in the body, never in the URL
                return await self._exchange(
                    host, "/", {"method": method, "params": body_params},
                    query=self._v1_query(), signed=False,
                )  # fmt: skip
            return await self._exchange(
                host, "/", {"method": method, "params": body_params},
                query=hosts.v2_query(self.terminal_id, token), signed=True,
            )  # fmt: skip

        tokens = await self._current_tokens()
        reply, _ = await self._run(send, base_url or tokens.app_server_url or self.url, authed=True)
        return reply.result

    async def passthrough(
        self,
        device_id: str,
        request: Mapping[str, Any],
        *,
        base_url: str | None = None,
        as_string: bool | None = None,
    ) -> dict[str, Any]:
        """Send a device command (``requestData``) and return the decoded ``responseData``.

        ``as_string`` sends ``requestData`` as a JSON string (the default) or as an object; the
        answer is accepted in either form.
        """
        form = self.request_data_as_string if as_string is None else as_string
        params = {
            "deviceId": device_id,
            "requestData": request_data.encode(request, as_string=form),
        }
        result = await self.call("passthrough", params, base_url=base_url)
        if "responseData" not in result:
            raise E.ProtocolError("passthrough answer has no responseData")
        try:
            data, _ = request_data.decode(result["responseData"])
        except request_data.RequestDataError as exc:
            raise E.ProtocolError(f"responseData: {exc}") from None
        return data

    def _v1_query(self) -> dict[str, str]:
        return {
            "appName": hosts.V1_APP_TYPE,
            "termID": self.terminal_id,
            "appVer": hosts.APP_VERSION,
            "ospf": "Android 14",
            "netType": "wifi",
            "locale": "en_US",
        }

    # ---- account calls ----------------------------------------------------------------------

    async def _account(
        self,
        call: str,
        body: Mapping[str, Any],
        base_url: str,
        *,
        accept: frozenset[int] = frozenset(),
    ) -> tuple[Reply, str]:
        """A V2 account call (``POST /api/v2/account/<call>``, signed) or its V1 equivalent."""
        if self.protocol == "v2":
            path = hosts.V2_ACCOUNT_PATH + call

            async def send(host: str, _tokens: Tokens | None) -> Reply:
                return await self._exchange(
                    host, path, body, query=hosts.v2_query(self.terminal_id), signed=True
                )
        else:

            async def send(host: str, _tokens: Tokens | None) -> Reply:
                envelope = {"method": call, "params": dict(body)}
                return await self._exchange(
                    host, "/", envelope, query=self._v1_query(), signed=False
                )

        return await self._run(send, base_url, authed=False, accept=accept)

    async def _login_request(self, username: str, password: Secret) -> tuple[Reply, str]:
        """Send the login itself; an MFA answer is returned, other errors raised."""
        self.stats.logins += 1
        mfa = frozenset({ErrorCode.MFA_REQUIRED})
        if self.protocol == "v1":
            body: dict[str, Any] = {
                "appType": hosts.V1_APP_TYPE,
                "cloudUserName": username,
                "cloudPassword": password.reveal(),
                "terminalUUID": self.terminal_id,
                "refreshTokenNeeded": True,
            }
            return await self._account("login", body, self.url, accept=mfa)
        status, _ = await self._account(
            "getAccountStatusAndUrl",
            {"appType": self.app.app_type, "cloudUserName": username},
            self.url,
        )
        regional = status.result.get("appServerUrl")
        host = regional if isinstance(regional, str) and regional else self.url
        body = {
            "appType": self.app.app_type,
            "appVersion": hosts.APP_VERSION,
            "cloudPassword": password.reveal(),
            "cloudUserName": username,
            "platform": "Android",
            "refreshTokenNeeded": True,
            "supportBindAccount": False,
            "terminalUUID": self.terminal_id,
            "terminalName": "kasacloud",
            "terminalMeta": "kasacloud",
        }
        return await self._account("login", body, host, accept=mfa)

    def _adopt_login(self, username: str, reply: Reply, host: str) -> Tokens:
        result = reply.result
        token = result.get("token")
        if not isinstance(token, str) or not token:
            raise E.ProtocolError("login answer has no token")
        refresh = result.get("refreshToken")
        account_id = result.get("accountId")
        tokens = Tokens(
            username=username,
            token=Secret(token),
            refresh_token=Secret(refresh) if isinstance(refresh, str) and refresh else None,
            app_server_url=_base(host),
            protocol=self.protocol,
            account_id=str(account_id) if account_id is not None else None,
        )
        self._set_tokens(tokens)
        return tokens

    async def login(
        self, username: str, password: Secret, *, mfa_type: MfaType = "email"
    ) -> Tokens:
        """Log in; on 2-step verification, ask for a code and raise :class:`VerificationRequired`.

        The credentials are kept in memory (as :class:`Secret`) so that a dead refresh token can
        be replaced by a new login without the caller.
        """
        reply, host = await self._login_request(username, password)
        if reply.error_code == ErrorCode.MFA_REQUIRED:
            challenge = await self._start_mfa(username, password, reply, host, mfa_type)
            raise E.VerificationRequired(
                "2-step verification required: a code was sent "
                + ("by e-mail" if challenge.by_email else "to the Kasa app"),
                challenge=challenge,
                code=reply.error_code,
            )
        self._credentials = (username, password)
        return self._adopt_login(username, reply, host)

    async def _start_mfa(
        self, username: str, password: Secret, reply: Reply, host: str, mfa_type: MfaType
    ) -> E.MfaChallenge:
        process_id = reply.result.get("MFAProcessId")
        raw_types = reply.result.get("supportedMFATypes") or [assumptions.MFA_TYPE_EMAIL]
        supported = tuple(int(t) for t in raw_types if str(t).lstrip("-").isdigit())
        wanted = assumptions.MFA_TYPE_PUSH if mfa_type == "push" else assumptions.MFA_TYPE_EMAIL
        chosen = wanted if wanted in supported or not supported else supported[0]
        if not isinstance(process_id, str) or not process_id:
            raise E.ProtocolError(
                "2-step verification answer has no process id", code=reply.error_code
            )
        call = (
            "getEmailVC4TerminalMFA"
            if chosen == assumptions.MFA_TYPE_EMAIL
            else ("getPushVC4TerminalMFA")
        )
        if self.protocol == "v2":
            values = {
                "appType": self.app.app_type,
                "cloudUserName": username,
                "cloudPassword": password.reveal(),
                "terminalUUID": self.terminal_id,
            }
            body = {k: values[k] for k in assumptions.MFA_CODE_REQUEST_BODY}
            await self._account(call, body, host)
        return E.MfaChallenge(
            process_id=process_id,
            supported_types=supported,
            mfa_type=chosen,
            username=username,
            app_server_url=_base(host),
            password=password,
        )

    async def request_code(self, challenge: E.MfaChallenge) -> None:
        """Send a fresh verification code for ``challenge`` (the first one expired or was lost)."""
        call = "getEmailVC4TerminalMFA" if challenge.by_email else "getPushVC4TerminalMFA"
        values = {
            "appType": self.app.app_type,
            "cloudUserName": challenge.username,
            "cloudPassword": challenge.password.reveal(),
            "terminalUUID": self.terminal_id,
        }
        body = {k: values[k] for k in assumptions.MFA_CODE_REQUEST_BODY}
        await self._account(call, body, challenge.app_server_url)

    async def verify_login(self, challenge: E.MfaChallenge, code: str) -> Tokens:
        """The second step: send the code; on success the session is logged in."""
        body = {
            "appType": self.app.app_type,
            "cloudUserName": challenge.username,
            "cloudPassword": challenge.password.reveal(),
            "code": str(code).strip(),
            "MFAProcessId": challenge.process_id,
            "MFAType": challenge.mfa_type,
            "terminalUUID": self.terminal_id,
            "terminalBindEnabled": True,
        }
        try:
            reply, host = await self._account(
                "checkMFACodeAndLogin", body, challenge.app_server_url
            )
        except E.ProtocolError as exc:
            if exc.code == assumptions.MFA_WRONG_CODE_ERROR:
                raise E.AuthenticationError(
                    f"verification code rejected: {exc.message}", code=exc.code
                ) from None
            raise
        self._credentials = (challenge.username, challenge.password)
        return self._adopt_login(challenge.username, reply, host)

    async def _refresh(self, current: Tokens) -> None:
        assert current.refresh_token is not None
        self.stats.refreshes += 1
        app_type = self.app.app_type if self.protocol == "v2" else hosts.V1_APP_TYPE
        body = {
            "appType": app_type,
            "refreshToken": current.refresh_token.reveal(),
            "terminalUUID": self.terminal_id,
        }
        reply, _ = await self._account("refreshToken", body, current.app_server_url or self.url)
        token = reply.result.get("token")
        if not isinstance(token, str) or not token:
            raise E.ProtocolError("refreshToken answer has no token")
        rotated = reply.result.get("refreshToken")
        new_refresh = (
            Secret(rotated)
            if assumptions.REFRESH_MAY_ROTATE and isinstance(rotated, str) and rotated
            else current.refresh_token
        )
        self._set_tokens(
            Tokens(
                username=current.username,
                token=Secret(token),
                refresh_token=new_refresh,
                app_server_url=current.app_server_url,
                protocol=current.protocol,
                account_id=current.account_id,
            )
        )

    def __repr__(self) -> str:
        user = self._tokens.username if self._tokens else None
        return f"CloudSession(url={self.url!r}, protocol={self.protocol!r}, user={user!r})"


UNLIMITED: Final = math.inf
