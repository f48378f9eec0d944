"""TLS for TP-Link's cloud: the usual roots, plus TP-Link's private CA beside them.

The V2 hosts (``n-wap.tplinkcloud.com`` and its regional twins) present certificates issued by
"TP-LINK CA P1" under TP-Link's own root "tp-link-CA", which is in no public trust store. The
bundled ``certs/tplink-ca-chain.pem`` adds that CA *beside* the system store and certifi's roots,
never instead of them, and verification is never turned off.
"""

from __future__ import annotations

import functools
import os
import ssl
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

import certifi

TPLINK_CA_RESOURCE = "certs/tplink-ca-chain.pem"


def tplink_ca_pem() -> str:
    """The bundled TP-Link CA chain (PEM text)."""
    return (resources.files("kasacloud.client") / TPLINK_CA_RESOURCE).read_text(encoding="ascii")


def ssl_context(
    extra_ca_files: Iterable[str | os.PathLike[str]] = (),
    *,
    include_tplink_ca: bool = True,
) -> ssl.SSLContext:
    """A verifying client context trusting the system store, certifi, TP-Link's CA and any extras.

    Args:
        extra_ca_files: more PEM files to trust (a corporate proxy's CA, a test CA).
        include_tplink_ca: add the bundled TP-Link chain (on by default).
    """
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)  # system store, hostname checks on
    ctx.load_verify_locations(cafile=certifi.where())
    if include_tplink_ca:
        ctx.load_verify_locations(cadata=tplink_ca_pem())
    for path in extra_ca_files:
        ctx.load_verify_locations(cafile=str(Path(path)))
    return ctx


@functools.cache
def default_ssl_context() -> ssl.SSLContext:
    """The context every client uses unless given its own: :func:`ssl_context` with no extras.

    Made once per process (loading the stores costs milliseconds) and shared: a client's context
    is only read, and goes with each request, so a shared ``aiohttp`` session needs no setup.
    """
    return ssl_context()
