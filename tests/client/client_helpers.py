"""Helpers for the client tests: clients pointed at a running LocalCloud, request recording."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx

from kasacloud import KasaCloud
from kasacloud.client.retry import RetryPolicy

DEMO = ("demo@example.com", "demo")
MFA = ("mfa@example.com", "demo")
FAST_RETRY = RetryPolicy(max_attempts=3, base_delay_s=0.01, rate_limited_base_delay_s=0.01)


def client(url: str, **kwargs: Any) -> KasaCloud:
    """An async client with a fresh terminal id and quick retries."""
    kwargs.setdefault("terminal_id", str(uuid.uuid4()))
    kwargs.setdefault("retry", FAST_RETRY)
    return KasaCloud(url=url, **kwargs)


class Recorder:
    """Records every request a client sends (an httpx event hook: the real wire, unmocked)."""

    def __init__(self, cloud: KasaCloud) -> None:
        self.requests: list[httpx.Request] = []
        cloud.session._http.event_hooks["request"].append(self._record)

    async def _record(self, request: httpx.Request) -> None:
        self.requests.append(request)

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests]
