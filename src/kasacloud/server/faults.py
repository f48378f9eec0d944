"""The one exception a handler raises to answer with a cloud error."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kasacloud.protocol import envelope
from kasacloud.protocol.errors import default_message


class Fault(Exception):
    """A cloud error answer: HTTP 200, ``{"error_code": code, "msg": ...}`` (and maybe a result)."""

    def __init__(
        self, code: int, msg: str | None = None, result: Mapping[str, Any] | None = None
    ) -> None:
        self.code = code
        self.msg = msg or default_message(code)
        self.result = dict(result) if result is not None else None
        super().__init__(f"{code} {self.msg}")

    def body(self) -> dict[str, Any]:
        """The JSON answer."""
        return envelope.failure(self.code, self.msg, self.result)
