"""Server-side sessions for the dashboard.

The browser holds only a random session id, in an HttpOnly, SameSite cookie. Everything else (the
signed-in client with its cloud tokens, a sign-in waiting for its verification code, the CSRF
token, a message for the next page) stays here, in memory: cloud tokens never reach the browser.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kasacloud.client import Device, KasaCloud
    from kasacloud.client.errors import MfaChallenge

SESSION_COOKIE = "kasacloud_session"
"""The name of the cookie that carries the session id."""

CSRF_HEADER = "x-csrf-token"
"""The header the dashboard's JavaScript sends the CSRF token in."""

CSRF_FIELD = "csrf_token"
"""The form field plain HTML forms send the CSRF token in."""


@dataclass
class PendingSignIn:
    """A sign-in that waits for its verification code (2-step verification).

    ``client`` is the half-signed-in client; ``challenge`` is what the library's "verification
    required" error carried, which the second step needs.
    """

    email: str
    client: KasaCloud
    challenge: MfaChallenge


@dataclass
class WebSession:
    """One browser's session: what it is signed in as, and its CSRF token."""

    id: str
    csrf_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    email: str | None = None
    client: KasaCloud | None = None
    """The signed-in :class:`kasacloud.KasaCloud`, or ``None`` before sign-in."""
    pending: PendingSignIn | None = None
    devices: dict[str, Device] = field(default_factory=dict)
    """The library's device objects from the last device list, by device id."""
    flash: list[tuple[str, str]] = field(default_factory=list)
    """Messages for the next page a plain form lands on: ``(kind, text)``, kind error or info."""
    last_used: float = field(default_factory=time.monotonic)

    @property
    def signed_in(self) -> bool:
        """Whether this session holds a signed-in client."""
        return self.client is not None

    def check_csrf(self, token: str | None) -> bool:
        """Whether ``token`` is this session's CSRF token (compared in constant time)."""
        return token is not None and hmac.compare_digest(token.encode(), self.csrf_token.encode())

    def take_flash(self) -> list[tuple[str, str]]:
        """Return and forget the messages waiting for the next page."""
        messages, self.flash = self.flash, []
        return messages


Closer = Callable[["KasaCloud"], Awaitable[None]]


class SessionStore:
    """Sessions in memory, keyed by a random id, forgotten after ``idle_timeout_s`` unused.

    Sessions do not survive a restart on purpose: a restart signs everyone out, so no cloud token
    is ever written to disk by the dashboard.

    Two separate caps bound memory. Anyone can open the sign-in page, so anonymous sessions are
    capped at ``max_anonymous`` and the least recently used one is dropped to make room: a flood
    of anonymous visits can only push out other anonymous visits. Sessions that hold a client
    (signed in, or waiting for a verification code) need the account's password to create and
    are capped separately at ``max_signed_in``.
    """

    def __init__(
        self,
        *,
        idle_timeout_s: float = 12 * 3600,
        max_anonymous: int = 1000,
        max_signed_in: int = 200,
        closer: Closer,
    ) -> None:
        self._sessions: dict[str, WebSession] = {}
        self._idle_timeout_s = idle_timeout_s
        self._max_anonymous = max_anonymous
        self._max_signed_in = max_signed_in
        self._close_client = closer

    def __len__(self) -> int:
        return len(self._sessions)

    def all(self) -> list[WebSession]:
        """Every session held (for diagnostics and tests)."""
        return list(self._sessions.values())

    def get(self, session_id: str | None) -> WebSession | None:
        """The live session with this id, or ``None``."""
        if not session_id:
            return None
        session = self._sessions.get(session_id)
        if session is None:
            return None
        now = time.monotonic()
        if now - session.last_used > self._idle_timeout_s:
            return None
        session.last_used = now
        return session

    async def create(self) -> WebSession:
        """A new, signed-out session with a fresh id and CSRF token."""
        await self.expire_idle()
        await self._evict(anonymous=True, keep=None, limit=self._max_anonymous - 1)
        session = WebSession(id=secrets.token_urlsafe(32))
        self._sessions[session.id] = session
        return session

    async def holds_client(self, session: WebSession) -> None:
        """``session`` now holds a client (signed in, or waiting for its code): count it so.

        It no longer counts against the anonymous cap; if the signed-in cap is exceeded, the
        least recently used other session that holds a client is signed out.
        """
        await self._evict(anonymous=False, keep=session, limit=self._max_signed_in)

    async def _evict(self, *, anonymous: bool, keep: WebSession | None, limit: int) -> None:
        def holds(s: WebSession) -> bool:
            return s.client is not None or s.pending is not None

        group = [s for s in self._sessions.values() if holds(s) != anonymous and s is not keep]
        excess = len(group) + (0 if keep is None else 1) - max(limit, 0)
        for session in sorted(group, key=lambda s: s.last_used)[: max(excess, 0)]:
            await self.discard(session)

    async def rotate(self, session: WebSession) -> WebSession:
        """Give ``session`` a new id and CSRF token (on sign-in, against session fixation)."""
        self._sessions.pop(session.id, None)
        session.id = secrets.token_urlsafe(32)
        session.csrf_token = secrets.token_urlsafe(32)
        self._sessions[session.id] = session
        await self.holds_client(session)
        return session

    async def sign_out(self, session: WebSession) -> None:
        """Close the session's clients and forget who it was signed in as."""
        clients = [session.client, session.pending.client if session.pending else None]
        session.client = None
        session.pending = None
        session.email = None
        session.devices = {}
        for client in clients:
            if client is not None:
                await self._close_client(client)

    async def discard(self, session: WebSession) -> None:
        """Sign the session out and forget it."""
        self._sessions.pop(session.id, None)
        await self.sign_out(session)

    async def expire_idle(self) -> None:
        """Forget sessions unused for longer than the idle timeout."""
        now = time.monotonic()
        for session in list(self._sessions.values()):
            if now - session.last_used > self._idle_timeout_s:
                await self.discard(session)

    async def close(self) -> None:
        """Sign every session out (on shutdown)."""
        for session in list(self._sessions.values()):
            await self.discard(session)
