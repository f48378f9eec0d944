"""V2 replay protection: every signed request's nonce, remembered for a while by the server's clock.

A signature proves only that someone holding an app's (public) key signed the bytes; a copy of a
captured request would verify again. Remembering each nonce for ``NONCE_RETENTION_S`` from when the
server first saw it refuses an exact replay within that window, whatever timestamp it carries (the
fixed ``9999999999`` included, which the skew check cannot bound).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from kasacloud.protocol import assumptions


class NonceCache:
    """Nonces seen in the last ``retention_s`` seconds, at most ``capacity`` of them.

    Past the capacity the oldest are forgotten first: memory stays bounded whatever a client
    sends (the app keys are public, so anyone can sign).
    """

    def __init__(
        self,
        now: Callable[[], float],
        retention_s: float = assumptions.NONCE_RETENTION_S,
        capacity: int = assumptions.NONCE_CACHE_SIZE,
    ) -> None:
        self._now = now
        self._retention_s = retention_s
        self._capacity = capacity
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_use(self, nonce: str) -> bool:
        """Record ``nonce``; False if it was already seen within the retention window."""
        now = self._now()
        seen = self._seen
        while seen:
            oldest, at = next(iter(seen.items()))
            if now - at <= self._retention_s and len(seen) < self._capacity:
                break
            del seen[oldest]
        if nonce in seen:
            return False
        seen[nonce] = now
        return True

    def __len__(self) -> int:
        return len(self._seen)
