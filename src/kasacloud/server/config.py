"""The server's knobs: token lifetimes, limits, app keys, body size, regions, in one dataclass."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Literal

from kasacloud.protocol import assumptions
from kasacloud.protocol.signing import KNOWN_APPS, AppKey

DAY_S = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most ``requests`` in any ``window_s`` seconds (a token bucket refilled evenly)."""

    requests: int
    window_s: float


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    """How failed logins are counted and answered (see docs/server.md, "Hardening").

    Failures are counted per source address and per account, and forgotten ``window_s`` after
    the last one. Example: the defaults let an address fail 5 times freely, then make it wait
    1, 2, 4 ... up to 60 s between tries, and refuse it for 15 minutes after 30 failures.
    """

    window_s: float = 900.0
    """Failures are forgotten this long after the last one (per address, per account)."""
    address_free_failures: int = 5
    """Failures an address may make before it is slowed."""
    address_first_delay_s: float = 1.0
    """The first wait imposed on a slowed address; each further failure doubles it."""
    address_max_delay_s: float = 60.0
    """The longest wait between two tries of a slowed address."""
    address_block_failures: int = 30
    """Failures after which an address is refused outright, for ``address_block_s``."""
    address_block_s: float = 900.0
    """How long a blocked address is refused."""
    account_protect_failures: int = 10
    """Failures on one account (from anywhere) after which only addresses without recent
    failures may try it. The account is never locked for those: its owner is not locked out."""
    mfa_max_wrong_codes: int = 10
    """Wrong 2-step codes per account (across MFA processes) before code checks are refused
    until the window has passed."""

    def __post_init__(self) -> None:
        for name in ("address_free_failures", "address_block_failures", "account_protect_failures"):
            if getattr(self, name) < 1:
                raise ValueError(f"LoginPolicy.{name} must be at least 1")


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """Everything an operator (or a test) may tune. The defaults suit a small real deployment.

    Example::

        ServerConfig(token_lifetime_s=60, regions=("eu-west-1", "us-east-1"))
    """

    regions: tuple[str, ...] = ("eu-west-1",)
    """Regions served, one port each; the first is the default home of new accounts and devices."""
    token_lifetime_s: float = 30 * DAY_S
    """How long a token lasts; then device calls answer -20651."""
    refresh_token_lifetime_s: float = 180 * DAY_S
    """How long a refresh token lasts; then refreshToken answers -20655."""
    login_policy: LoginPolicy = LoginPolicy()
    """How failed logins slow and refuse the addresses that make them (never the owner)."""
    trusted_proxies: tuple[str, ...] = ()
    """Addresses or networks (``"10.0.0.0/8"``) of reverse proxies whose ``X-Forwarded-For`` is
    believed; the source address of a request comes from it only when its peer is one of them."""
    account_rate_limit: RateLimit | None = RateLimit(1200, 60.0)
    """Calls per account (device calls and account calls once authenticated); None: no limit."""
    address_rate_limit: RateLimit | None = RateLimit(60, 60.0)
    """Account calls (login, refresh, MFA) per source address; None: no limit."""
    terminal_rate_limit: RateLimit | None = None
    """Account calls per terminal UUID as well; None (the default): no such limit. The terminal
    id is chosen by the client, so it cannot replace the limit per address."""
    app_keys: tuple[AppKey, ...] = KNOWN_APPS
    """App key pairs whose V2 signatures are accepted."""
    app_types: tuple[str, ...] = assumptions.KNOWN_APP_TYPES
    """``appType`` values V2 account calls accept (Kasa's and Tapo's apps by default); a call
    without one, or with another, answers -20104 or -20107."""
    max_body_bytes: int = 256 * 1024
    """Larger request bodies are refused (HTTP 413)."""
    max_header_bytes: int = 64 * 1024
    """A connection whose request headers grow past this is closed."""
    header_timeout_s: float = 10.0
    """A request's headers must be complete this long after the connection opened (or after the
    previous answer on it); else the connection is closed."""
    body_timeout_s: float = 30.0
    """A request's whole body must arrive this long after its headers; else the connection is
    closed."""
    keep_alive_timeout_s: float = 5.0
    """An idle keep-alive connection is closed after this long."""
    max_connections: int | None = 1000
    """Open connections plus requests being answered, past which requests get HTTP 503 (the one
    5xx the server gives); None: no cap. Keep it under the process's open-file limit."""
    mfa_code_lifetime_s: float = 600.0
    """How long an e-mailed verification code stays valid."""
    mfa_max_attempts: int = 5
    """Wrong codes before an MFA process is dropped (the user must log in again)."""
    mfa_answer: Literal["nested", "outer"] = "nested"
    """How login says -20677: "nested" (outer ``error_code`` 0, ``result.errorCode`` "-20677")
    or "outer" (``error_code`` -20677). TP-Link's cloud has been seen answering both ways, so a
    client should be tested against both."""
    device_timeout_s: float = 10.0
    """A device that does not answer a passthrough in this time gives -20002."""
    scrypt_n: int = 2**14
    """scrypt cost of password hashes (r=8, p=1): about 50 ms and 16 MiB per hash."""

    def __post_init__(self) -> None:
        if not self.regions:
            raise ValueError("ServerConfig.regions must name at least one region")
        if len(set(self.regions)) != len(self.regions):
            raise ValueError("ServerConfig.regions must not repeat a region")
        if self.mfa_answer not in ("nested", "outer"):
            raise ValueError("ServerConfig.mfa_answer must be 'nested' or 'outer'")
        for entry in self.trusted_proxies:
            try:
                ipaddress.ip_network(entry.strip(), strict=False)
            except ValueError:
                raise ValueError(
                    f"ServerConfig.trusted_proxies: {entry!r} is not an IP address or network"
                    " (e.g. 10.0.0.0/8)"
                ) from None

    @property
    def default_region(self) -> str:
        """The first region: home of accounts and devices that name none."""
        return self.regions[0]
