"""Login protection that cannot be turned against an account's owner.

Modelled on what mature identity services do ("smart lockout"): failures are counted per source
address and per account (by e-mail, whether or not an account has it, so that both kinds answer
alike). The address that fails is slowed, with delays that double, and then refused for a while.
An account that failed too often from anywhere is *protected*: addresses with recent failures
may no longer try it, but an address without recent failures (its owner's, most likely) still
may, so a stranger elsewhere can never lock the owner out. Tokens and refresh tokens are never
looked at here: sessions already signed in are untouched.

2-step codes are counted per account, across MFA processes: opening a new process does not
reset the count.
"""

from __future__ import annotations

import ipaddress
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

from kasacloud.protocol import assumptions
from kasacloud.server.config import LoginPolicy
from kasacloud.server.faults import Fault

log = logging.getLogger("kasacloud.server.login")

_MAX_RECORDS = 100_000
"""Records kept per kind; past it, forgotten failures go first, then the oldest."""


@dataclass(slots=True)
class _Record:
    failures: int = 0
    last_failure: float = 0.0
    blocked_until: float = 0.0


def address_key(address: str) -> str:
    """What failures are counted by: an IPv4 address, or an IPv6 address's /64 network.

    One IPv6 subscriber usually holds a whole /64, so counting single v6 addresses would let one
    attacker try from billions of them.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)


class _Records:
    """Failure records by key, each forgotten ``window_s`` after its last failure."""

    def __init__(self, window_s: float) -> None:
        self._window_s = window_s
        self._records: dict[str, _Record] = {}

    def get(self, key: str, now: float) -> _Record:
        """The key's record as of ``now`` (a fresh one if its failures are forgotten)."""
        record = self._records.get(key)
        if record is None:
            return _Record()
        if now - record.last_failure > self._window_s and record.blocked_until <= now:
            del self._records[key]
            return _Record()
        return record

    def fail(self, key: str, now: float) -> _Record:
        """Count one failure for ``key``."""
        record = self.get(key, now)
        record.failures += 1
        record.last_failure = now
        self._records.pop(key, None)
        self._records[key] = record  # most recent last: the oldest go first when full
        if len(self._records) > _MAX_RECORDS:
            self._forget(now)
        return record

    def _forget(self, now: float) -> None:
        for key in [k for k in self._records if self.get(k, now).failures == 0]:
            self._records.pop(key, None)
        excess = len(self._records) - _MAX_RECORDS * 9 // 10
        for key in list(self._records)[: max(0, excess)]:
            del self._records[key]


class LoginGuard:
    """Decides, before any password is hashed, whether a login attempt may go ahead."""

    def __init__(self, policy: LoginPolicy, now: Callable[[], float]) -> None:
        self.policy = policy
        self._now = now
        self._addresses = _Records(policy.window_s)
        self._accounts = _Records(policy.window_s)
        self._codes = _Records(policy.window_s)

    # --- passwords --------------------------------------------------------------------------

    def before_attempt(self, address: str, email: str) -> None:
        """Refuse the attempt if the address is slowed or blocked, or the account protected.

        The decision depends only on the failures recorded for this address and this e-mail,
        never on whether an account has that e-mail.

        Raises:
            Fault: ``THROTTLED_LOGIN_CODE`` for a slowed or blocked address,
                ``LOCKOUT_ERROR_CODE`` for a protected account tried from an address with
                recent failures.
        """
        policy, now = self.policy, self._now()
        address_record = self._addresses.get(address_key(address), now)
        if address_record.blocked_until > now:
            minutes = math.ceil((address_record.blocked_until - now) / 60)
            raise Fault(
                assumptions.THROTTLED_LOGIN_CODE,
                f"Too many failed logins from this address: try again in {minutes} min",
            )
        extra = address_record.failures - policy.address_free_failures
        if extra >= 0:
            delay = min(policy.address_max_delay_s, policy.address_first_delay_s * 2.0**extra)
            wait = address_record.last_failure + delay - now
            if wait > 0:
                raise Fault(
                    assumptions.THROTTLED_LOGIN_CODE,
                    f"Too many failed logins from this address: wait {math.ceil(wait)} s"
                    " before trying again",
                )
        account_record = self._accounts.get(_email_key(email), now)
        if account_record.failures >= policy.account_protect_failures and address_record.failures:
            raise Fault(assumptions.LOCKOUT_ERROR_CODE, assumptions.LOCKOUT_MESSAGE)

    def failed(self, address: str, email: str) -> None:
        """Count a wrong password (or unknown e-mail) from ``address`` for ``email``."""
        now = self._now()
        self.address_failed(address)
        account_record = self._accounts.fail(_email_key(email), now)
        if account_record.failures == self.policy.account_protect_failures:
            log.warning(
                "an account is protected after %d failed logins: only addresses without recent"
                " failures may try it",
                account_record.failures,
            )

    def address_failed(self, address: str) -> None:
        """Count a failure (a password or a 2-step code) against ``address`` only."""
        now = self._now()
        record = self._addresses.fail(address_key(address), now)
        if record.failures >= self.policy.address_block_failures and record.blocked_until <= now:
            record.blocked_until = now + self.policy.address_block_s
            log.warning(
                "address %s refused for %.0f s after %d failed logins",
                address_key(address),
                self.policy.address_block_s,
                record.failures,
            )

    # --- 2-step codes -----------------------------------------------------------------------

    def before_code(self, account_id: str) -> None:
        """Refuse a code check while the account's wrong codes are over the limit.

        Raises:
            Fault: ``THROTTLED_LOGIN_CODE``.
        """
        record = self._codes.get(account_id, self._now())
        if record.failures >= self.policy.mfa_max_wrong_codes:
            raise Fault(
                assumptions.THROTTLED_LOGIN_CODE,
                "Too many wrong verification codes for this account: try again later",
            )

    def code_failed(self, account_id: str, address: str) -> None:
        """Count a wrong 2-step code for the account (across processes) and the address."""
        self._codes.fail(account_id, self._now())
        self.address_failed(address)


def _email_key(email: str) -> str:
    return email.strip().lower()
