"""Choosing a device by id or name: an id, an exact alias, or a unique part of an alias."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from kasacloud.client import errors as E


class Named(Protocol):
    """Anything with an id and an alias."""

    @property
    def device_id(self) -> str:
        """The id."""
        ...

    @property
    def alias(self) -> str:
        """The alias."""
        ...


T = TypeVar("T", bound=Named)


def select(items: Sequence[T], selector: str) -> T:
    """The one item ``selector`` names.

    Tried in order: an exact id (case-insensitive), an exact alias, an alias equal up to case,
    then a case-insensitive part of an alias. A step that matches several items stops the search.

    Raises:
        NotFoundError: nothing matches.
        AmbiguousDeviceError: several items match; its ``candidates`` lists them.
    """
    if not isinstance(selector, str):
        raise E.InvalidArgumentError(
            f"a device selector is an id or an alias (text), got {selector!r}"
        )
    wanted = selector.strip()
    if not wanted:
        raise E.InvalidArgumentError("a device selector must not be empty")
    folded = wanted.casefold()
    steps = (
        lambda i: i.device_id.casefold() == folded,
        lambda i: i.alias == wanted,
        lambda i: i.alias.casefold() == folded,
        lambda i: folded in i.alias.casefold(),
    )
    for matches in steps:
        found = [item for item in items if matches(item)]
        if len(found) == 1:
            return found[0]
        if found:
            raise E.AmbiguousDeviceError(wanted, [(i.alias, i.device_id) for i in found])
    raise E.NotFoundError(f"no device matches {wanted!r}")
