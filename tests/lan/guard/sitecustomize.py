"""Started with every Python process the LAN tests run: keep it on loopback (see loopback_guard)."""

import os

if os.environ.get("KASACLOUD_LOOPBACK_GUARD"):
    import loopback_guard

    loopback_guard.install()
