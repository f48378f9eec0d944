"""Helpers for the client tests: clients pointed at a running LocalCloud, request recording."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from multidict import CIMultiDict
from yarl import URL

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


@dataclass
class Sent:
    """One request as it went on the wire."""

    url: URL
    headers: CIMultiDict[str]
    content: bytes = field(default=b"")


class Recorder:
    """Records every request a client sends (an aiohttp trace hook: the real wire, unmocked)."""

    def __init__(self, cloud: KasaCloud) -> None:
        self.requests: list[Sent] = []
        trace = aiohttp.TraceConfig()
        trace.on_request_start.append(self._start)
        trace.on_request_chunk_sent.append(self._chunk)
        trace.freeze()
        cloud.session.http.trace_configs.append(trace)

    async def _start(self, _session: Any, context: Any, params: Any) -> None:
        context.sent = Sent(params.url, CIMultiDict(params.headers))  # one context per request
        self.requests.append(context.sent)

    async def _chunk(self, _session: Any, context: Any, params: Any) -> None:
        context.sent.content += params.chunk

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests]
