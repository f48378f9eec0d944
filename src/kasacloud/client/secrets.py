"""A string that does not show itself: passwords and tokens travel as :class:`Secret`.

A log line, a traceback or a ``repr`` of any object holding a :class:`Secret` prints ``'********'``;
the value comes out only through :meth:`Secret.reveal`, at the one place that puts it on the wire.
"""

from __future__ import annotations

import hmac
from typing import Final

MASK: Final = "********"


class Secret:
    """A secret string whose ``repr`` and ``str`` hide the value.

    >>> s = Secret("hunter2")
    >>> s, str(s), s.reveal()
    (Secret('********'), '********', 'hunter2')
    """

    __slots__ = ("_value",)

    def __init__(self, value: str | Secret) -> None:
        self._value = value.reveal() if isinstance(value, Secret) else str(value)

    def reveal(self) -> str:
        """The secret itself: call this only where the value goes on the wire or to a store."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return MASK

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        # constant time: an equality test must not become a timing oracle
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> tuple[object, ...]:
        # pickling would write the value out; refuse rather than leak it by accident
        raise TypeError("a Secret cannot be pickled")


def reveal(value: str | Secret | None) -> str | None:
    """``value`` as a plain string (``None`` stays ``None``)."""
    if value is None:
        return None
    return value.reveal() if isinstance(value, Secret) else value
