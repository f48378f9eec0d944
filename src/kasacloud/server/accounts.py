"""Accounts: password hashes, tokens, login protection, and 2-step verification.

Passwords are kept only as scrypt hashes (salted, slow: run off the event loop). Tokens are
``secrets.token_urlsafe`` strings; the server keeps only their SHA-256, in memory and in the store,
so neither a log line nor a copy of the database gives a usable token away.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio.to_thread

from kasacloud.protocol import assumptions
from kasacloud.protocol.errors import ErrorCode
from kasacloud.server.config import ServerConfig
from kasacloud.server.faults import Fault
from kasacloud.server.login_guard import LoginGuard
from kasacloud.server.store import AccountRow, Store, TokenRow

log = logging.getLogger("kasacloud.server.accounts")

ACCESS = "access"
REFRESH = "refresh"
_SCRYPT_R = 8
_SCRYPT_P = 1


def hash_password(password: str, n: int) -> str:
    """A salted scrypt hash, as ``scrypt$n$r$p$salt$key`` (base64 parts)."""
    salt = secrets.token_bytes(16)
    key = _scrypt(password, salt, n, _SCRYPT_R, _SCRYPT_P)
    b64 = base64.b64encode
    return f"scrypt${n}${_SCRYPT_R}${_SCRYPT_P}${b64(salt).decode()}${b64(key).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a hash made by :func:`hash_password` (constant time)."""
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(key)
        actual = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(expected, actual)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=256 * n * r, dklen=32)


def token_hash(token: str) -> str:
    """The form in which a token is kept: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(slots=True)
class Account:
    """A cloud account."""

    account_id: str
    email: str
    password_hash: str = field(repr=False)
    nickname: str
    region: str
    country_code: str
    reg_time: str
    mfa: bool

    def to_row(self) -> AccountRow:
        """The stored form."""
        return AccountRow(
            self.account_id,
            self.email,
            self.password_hash,
            self.nickname,
            self.region,
            self.country_code,
            self.reg_time,
            self.mfa,
        )

    def login_result(self) -> dict[str, Any]:
        """The account part of a login answer (tokens are added beside it)."""
        return {
            "accountId": self.account_id,
            "regTime": self.reg_time,
            "countryCode": self.country_code,
            "riskDetected": 0,
            "nickname": self.nickname,
            "email": self.email,
        }


@dataclass(slots=True)
class MfaProcess:
    """One pending 2-step verification: created by a login that needs it."""

    process_id: str
    account_id: str
    terminal: str
    codes: list[tuple[str, float]] = field(default_factory=list)
    """(code, expires_at) pairs sent so far; any unexpired one is accepted."""
    attempts: int = 0


@dataclass(frozen=True, slots=True)
class SentCode:
    """A verification code as "delivered": what the outbox holds."""

    email: str
    code: str
    mfa_type: int
    sent_at: float


class MfaOutbox:
    """Where verification codes are "sent": memory, and ``mfa-outbox.jsonl`` in the data dir.

    The operator reads codes from the file (one JSON object a line: time, email, type, code); tests
    read them through :meth:`codes`. The log only says that a code was written, never the code.
    """

    FILENAME = "mfa-outbox.jsonl"

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / self.FILENAME
        self._sent: list[SentCode] = []
        self._lock = threading.Lock()

    def deliver(self, sent: SentCode) -> None:
        """Append a code to the outbox file and to memory."""
        line = json.dumps(
            {"time": sent.sent_at, "email": sent.email, "type": sent.mfa_type, "code": sent.code}
        )
        with self._lock:
            # Codes are secrets while they last: the outbox is its owner's alone.
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as out:
                out.write(line + "\n")
            self._sent.append(sent)
        log.info("verification code for an account written to %s", self.path)

    def codes(self, email: str) -> list[str]:
        """Codes sent to ``email``, oldest first."""
        wanted = email.strip().lower()
        with self._lock:
            return [s.code for s in self._sent if s.email == wanted]


class Accounts:
    """Every account, token and MFA process: in memory, written through to the store."""

    def __init__(
        self, store: Store, config: ServerConfig, now: Callable[[], float], outbox: MfaOutbox
    ) -> None:
        self._store = store
        self._config = config
        self._now = now
        self.outbox = outbox
        self._by_email: dict[str, Account] = {}
        self._by_id: dict[str, Account] = {}
        self._tokens: dict[str, TokenRow] = {}
        self._trusted: set[tuple[str, str]] = set()
        self.guard = LoginGuard(config.login_policy, now)
        """Failed logins per source address and per account (see :mod:`.login_guard`)."""
        self.password_checks = 0
        """Password hashes computed by :meth:`check_password`, known e-mail or not."""
        self._mfa: dict[str, MfaProcess] = {}
        # A hash to check against when the e-mail is unknown, so that both answers cost the same
        # work (same scrypt parameters as a new account's) and take as long.
        self._decoy_hash = hash_password(secrets.token_urlsafe(), config.scrypt_n)
        for row in store.load_accounts():
            self._add(Account(**{f: getattr(row, f) for f in AccountRow.__slots__}))
        for tok in store.load_tokens(not_expired_before=now() - 7 * 24 * 3600):
            self._tokens[tok.token_hash] = tok
        self._trusted.update(store.load_trusted_terminals())

    def _add(self, account: Account) -> None:
        self._by_email[account.email] = account
        self._by_id[account.account_id] = account

    # --- creating ---------------------------------------------------------------------------

    def make(
        self,
        email: str,
        password: str,
        *,
        region: str,
        nickname: str | None = None,
        country_code: str = "GB",
        mfa: bool = False,
    ) -> Account:
        """Build a new account (hashing its password: slow); :meth:`add_all` stores it."""
        email = email.strip().lower()
        account_id = str(secrets.randbelow(90_000_000) + 10_000_000)
        while account_id in self._by_id:
            account_id = str(secrets.randbelow(90_000_000) + 10_000_000)
        return Account(
            account_id=account_id,
            email=email,
            password_hash=hash_password(password, self._config.scrypt_n),
            nickname=nickname or email.split("@")[0],
            region=region,
            country_code=country_code,
            reg_time=time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(self._now())),
            mfa=mfa,
        )

    def add_all(self, accounts: list[Account]) -> None:
        """Store new accounts (one transaction) and make them known."""
        for account in accounts:
            if account.email in self._by_email:
                raise ValueError(f"two accounts with the e-mail {account.email}")
        self._store.put_accounts([a.to_row() for a in accounts])
        for account in accounts:
            self._add(account)

    # --- looking up -------------------------------------------------------------------------

    def by_email(self, email: str) -> Account | None:
        """The account with this e-mail (case-insensitive), or None."""
        return self._by_email.get(email.strip().lower())

    def by_id(self, account_id: str) -> Account | None:
        """The account with this id, or None."""
        return self._by_id.get(account_id)

    def all(self) -> list[Account]:
        """Every account, in creation order."""
        return list(self._by_id.values())

    # --- passwords --------------------------------------------------------------------------

    async def check_password(self, email: str, password: str, *, source: str) -> Account:
        """Return the account if the password is right; ``source`` is the client's address.

        An unknown e-mail goes through exactly the same steps as a known one (the login guard,
        one scrypt hash against a decoy, the failure counted), so that no answer, code or amount
        of work tells which e-mails have accounts.

        Raises:
            Fault: -20601 for a wrong password or unknown e-mail; the login guard's codes
                (-20004, -20675) while the address is slowed or the account protected.
        """
        self.guard.before_attempt(source, email)
        account = self.by_email(email)
        stored = account.password_hash if account is not None else self._decoy_hash
        ok = False
        if len(password) <= assumptions.MAX_CREDENTIAL_CHARS:
            self.password_checks += 1
            ok = await anyio.to_thread.run_sync(verify_password, password, stored)
        if account is None or not ok:
            self.guard.failed(source, email)
            raise Fault(
                ErrorCode.WRONG_CREDENTIALS
                if account is not None
                else assumptions.UNKNOWN_ACCOUNT_LOGIN_CODE
            )
        return account

    # --- tokens -----------------------------------------------------------------------------

    async def issue(self, account: Account, terminal: str, *, refresh: bool) -> dict[str, str]:
        """Mint a token (and a refresh token if asked); return them as login result keys."""
        now = self._now()
        token = secrets.token_urlsafe(32)
        rows = [
            TokenRow(
                token_hash(token),
                ACCESS,
                account.account_id,
                terminal,
                now + self._config.token_lifetime_s,
            )
        ]
        out = {"token": token}
        if refresh:
            refresh_token = secrets.token_urlsafe(32)
            rows.append(
                TokenRow(
                    token_hash(refresh_token),
                    REFRESH,
                    account.account_id,
                    terminal,
                    now + self._config.refresh_token_lifetime_s,
                )
            )
            out["refreshToken"] = refresh_token
        await anyio.to_thread.run_sync(self._store.put_tokens, rows)
        for row in rows:
            self._tokens[row.token_hash] = row
        return out

    def account_for_token(self, token: object) -> Account:
        """The account a token belongs to.

        Raises:
            Fault: -20652 for a missing or unknown token, -20651 for an expired one.
        """
        if not isinstance(token, str) or not token:
            raise Fault(ErrorCode.TOKEN_INVALID)
        row = self._tokens.get(token_hash(token))
        if row is None or row.kind != ACCESS:
            raise Fault(ErrorCode.TOKEN_INVALID)
        if row.expires_at <= self._now():
            raise Fault(ErrorCode.TOKEN_EXPIRED)
        account = self._by_id.get(row.account_id)
        if account is None:
            raise Fault(ErrorCode.TOKEN_INVALID)
        return account

    async def refresh(self, refresh_token: object) -> dict[str, str]:
        """A new token for a refresh token, and a new refresh token (the old one is revoked).

        Raises:
            Fault: -20652 for an unknown refresh token, -20655 for an expired one.
        """
        if not isinstance(refresh_token, str) or not refresh_token:
            raise Fault(ErrorCode.PARAMETER_MISSING)
        old_hash = token_hash(refresh_token)
        row = self._tokens.get(old_hash)
        if row is None or row.kind != REFRESH:
            raise Fault(ErrorCode.TOKEN_INVALID)
        if row.expires_at <= self._now():
            raise Fault(ErrorCode.REFRESH_TOKEN_EXPIRED)
        account = self._by_id.get(row.account_id)
        if account is None:
            raise Fault(ErrorCode.TOKEN_INVALID)
        rotate = assumptions.REFRESH_MAY_ROTATE
        out = await self.issue(account, row.terminal, refresh=rotate)
        if rotate:
            del self._tokens[old_hash]
            await anyio.to_thread.run_sync(self._store.put_tokens, [], [old_hash])
        return out

    # --- 2-step verification ----------------------------------------------------------------

    def needs_mfa(self, account: Account, terminal: str) -> bool:
        """Whether a login of ``account`` from ``terminal`` must pass 2-step verification."""
        return account.mfa and (account.account_id, terminal) not in self._trusted

    def start_mfa(self, account: Account, terminal: str) -> MfaProcess:
        """Open an MFA process (a login that needs verification answers its id)."""
        process = MfaProcess(secrets.token_hex(16), account.account_id, terminal)
        self._mfa[process.process_id] = process
        return process

    def send_code(self, account: Account, terminal: str, mfa_type: int) -> None:
        """Send a fresh code to the newest MFA process of (account, terminal); open one if none."""
        process = next(
            (
                p
                for p in reversed(self._mfa.values())
                if p.account_id == account.account_id and p.terminal == terminal
            ),
            None,
        ) or self.start_mfa(account, terminal)
        digits = assumptions.MFA_CODE_DIGITS
        code = f"{secrets.randbelow(10**digits):0{digits}d}"
        now = self._now()
        process.codes.append((code, now + self._config.mfa_code_lifetime_s))
        self.outbox.deliver(SentCode(account.email, code, mfa_type, now))

    async def check_code(
        self,
        account: Account,
        process_id: object,
        code: object,
        terminal: str,
        *,
        bind: bool,
        source: str,
    ) -> None:
        """Accept a code for an MFA process, or raise.

        Wrong codes are counted per account across all its MFA processes (and against the
        ``source`` address): past ``LoginPolicy.mfa_max_wrong_codes`` no code is checked until the
        window has passed.

        Raises:
            Fault: ``MFA_WRONG_CODE_ERROR`` for an unknown process, a wrong or expired code;
                ``THROTTLED_LOGIN_CODE`` while the account's codes are throttled.
        """
        self.guard.before_code(account.account_id)
        process = self._mfa.get(process_id) if isinstance(process_id, str) else None
        if process is None or process.account_id != account.account_id:
            self.guard.code_failed(account.account_id, source)
            raise Fault(assumptions.MFA_WRONG_CODE_ERROR, "MFA process not found")
        now = self._now()
        valid = any(
            isinstance(code, str | int) and hmac.compare_digest(str(code), c) and exp > now
            for c, exp in process.codes
        )
        if not valid:
            self.guard.code_failed(account.account_id, source)
            process.attempts += 1
            if process.attempts >= self._config.mfa_max_attempts:
                del self._mfa[process.process_id]
            raise Fault(assumptions.MFA_WRONG_CODE_ERROR, "verification code is wrong or expired")
        del self._mfa[process.process_id]
        if bind and assumptions.MFA_BIND_SKIPS_LATER_MFA:
            # Stored first: memory never trusts a terminal the store would forget.
            await anyio.to_thread.run_sync(self._store.trust_terminal, account.account_id, terminal)
            self._trusted.add((account.account_id, terminal))
