"""Client benchmark: ``update()`` of every device of a 1,000-device account, and the client's
per-call overhead over raw httpx doing the same requests, measured in the same run.

Phase 1 (throughput): the server without a rate limit; kasacloud's ``update_all`` of every device
(one batched, signed V2 passthrough each) beside raw httpx sending the same signed requests at the
same concurrency. Their difference per call is the client's overhead. Then ``devices()`` followed
by ``update_all()`` (two round trips per device) beside ``devices(update=True)`` (one).

Phase 2 (rate limited): the server allows ``--server-rate`` calls per second per account (bursts of
as many); the client paces itself a little under it. The wall time stands beside the lower bound
the server allows, ``(calls - burst) / rate``, and no call may be refused with -20004.

The server runs in a background thread of this process (kasacloud.server.LocalCloud), so both
sides share the interpreter: absolute numbers are pessimistic, the difference is what matters.

    python -m benchmarks client [--devices=1000] [--concurrency=32] [--server-rate=100]
"""

from __future__ import annotations

import asyncio
import json
import math
import time
import uuid
from typing import Any

import httpx

from kasacloud import KasaCloud, MemoryTokenStore
from kasacloud.client.devices import Device
from kasacloud.protocol import hosts, request_data, signing
from kasacloud.server import LocalCloud, RateLimit, ServerConfig

DEFAULTS: dict[str, float] = {"devices": 1000, "concurrency": 32, "server-rate": 100}
EMAIL, PASSWORD = "bench@example.com", "bench"


def _options(argv: list[str]) -> dict[str, float]:
    opts = dict(DEFAULTS)
    for arg in argv:
        key, _, value = arg.lstrip("-").partition("=")
        if key in opts and value:
            opts[key] = float(value)
    return opts


def _seed(n: int) -> dict[str, Any]:
    # plugs with and without a meter, and bulbs: three kinds of update query
    plugs, metered = n * 6 // 10, n * 3 // 10
    return {
        "accounts": [
            {
                "email": EMAIL,
                "password": PASSWORD,
                "devices": [
                    {"model": "HS103(US)_2.1", "alias": "Plug {n}", "count": plugs},
                    {"model": "KP115(US)_1.0", "alias": "Meter {n}", "count": metered},
                    {"model": "KL130(US)_1.0", "alias": "Bulb {n}", "count": n - plugs - metered},
                ],
            }
        ]
    }


async def _raw_updates(
    cloud: KasaCloud, devices: list[Device], queries: list[dict[str, Any]], concurrency: int
) -> float:
    """The same signed V2 passthroughs with httpx alone; returns the wall time."""
    tokens = cloud.tokens
    assert tokens is not None
    query = hosts.v2_query(cloud.terminal_id, tokens.token.reveal())
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as http:

        async def one(device: Device, request: dict[str, Any]) -> None:
            body = {
                "method": "passthrough",
                "params": {
                    "deviceId": device.device_id,
                    "requestData": request_data.encode(request),
                },
            }
            content = json.dumps(body, separators=(",", ":")).encode()
            headers = {"Content-Type": "application/json;charset=UTF-8"}
            headers.update(signing.sign(signing.KASA_APP, content, "/"))
            async with gate:
                r = await http.post(
                    device.app_server_url + "/", content=content, headers=headers, params=query
                )
            answer = r.json()
            assert answer["error_code"] == 0, answer
            request_data.decode(answer["result"]["responseData"])

        start = time.perf_counter()
        await asyncio.gather(*(one(d, q) for d, q in zip(devices, queries, strict=True)))
        return time.perf_counter() - start


def _update_query(device: Device) -> dict[str, Any]:
    """What ``device.update()`` sends (rebuilt here so that raw httpx sends the same)."""
    from kasacloud.client.devices.device import merge_queries

    parts = [{"system": {"get_sysinfo": None}}]
    parts += [{m.wire_name: m.query()} for m in device._all_modules() if m.query()]
    return merge_queries(*parts)


async def _throughput(n: int, concurrency: int) -> None:
    config = ServerConfig(account_rate_limit=None, address_rate_limit=None)
    async with LocalCloud(seed=_seed(n), config=config) as server:
        store = MemoryTokenStore()
        async with KasaCloud(
            url=server.url,
            token_store=store,
            terminal_id=str(uuid.uuid4()),
            rate_limit_per_s=math.inf,
            max_concurrency=concurrency,
        ) as cloud:
            await cloud.login(EMAIL, PASSWORD)
            start = time.perf_counter()
            devices = await cloud.devices()
            listing_s = time.perf_counter() - start
            assert len(devices) == n, len(devices)
            queries = [_update_query(d) for d in devices]
            # warm both paths once (connections, caches), then measure each twice, interleaved
            await _raw_updates(cloud, devices[:50], queries[:50], concurrency)
            await cloud.update_all(devices[:50])
            raw, lib = [], []
            for _ in range(2):
                raw.append(await _raw_updates(cloud, devices, queries, concurrency))
                before = cloud.stats.requests
                start = time.perf_counter()
                errors = await cloud.update_all(devices)
                lib.append(time.perf_counter() - start)
                assert errors == [None] * n, [e for e in errors if e][:3]
                assert cloud.stats.requests - before == n  # one request per update()
            best_raw, best_lib = min(raw), min(lib)
            start = time.perf_counter()
            await cloud.devices()
            warm_listing_s = time.perf_counter() - start
            before = cloud.stats.requests
            start = time.perf_counter()
            full = await cloud.devices(update=True)
            full_s = time.perf_counter() - start
            full_requests = cloud.stats.requests - before
            assert all(d.time is not None for d in full)  # updated: the clock was read too
            print(f"  devices() of {n} devices (list + {n} sysinfo reads): {listing_s:.2f} s")
            print(f"  devices() again, warm:                   {warm_listing_s:.2f} s")
            print(f"  devices(), then update_all():            {warm_listing_s + best_lib:.2f} s "
                  f"({1 + 2 * n} requests)")  # fmt: skip
            print(f"  devices(update=True):                    {full_s:.2f} s "
                  f"({full_requests} requests)")  # fmt: skip
            print(f"  update() of every device, kasacloud:     {best_lib:.2f} s "
                  f"({n / best_lib:.0f} updates/s)")  # fmt: skip
            print(f"  the same requests, raw httpx:            {best_raw:.2f} s "
                  f"({n / best_raw:.0f} requests/s)")  # fmt: skip
            overhead_ms = (best_lib - best_raw) / n * 1000
            print(f"  client overhead per call: {overhead_ms:+.3f} ms "
                  f"(x{best_lib / best_raw:.2f} of raw, concurrency {concurrency})")  # fmt: skip


async def _rate_limited(n: int, concurrency: int, server_rate: float) -> None:
    burst = int(server_rate)
    limit = RateLimit(burst, burst / server_rate)  # `burst` calls per window: rate, bucket size
    config = ServerConfig(account_rate_limit=limit, address_rate_limit=None)
    async with LocalCloud(seed=_seed(n), config=config) as server:
        # list the devices with a throwaway fast client (and the server clock refilled)
        store = MemoryTokenStore()
        async with KasaCloud(
            url=server.url, token_store=store, terminal_id=str(uuid.uuid4()),
            rate_limit_per_s=server_rate * 0.95, rate_limit_burst=max(1, burst // 2),
            max_concurrency=concurrency,
        ) as cloud:  # fmt: skip
            await cloud.login(EMAIL, PASSWORD)
            devices = await cloud.devices()
            server.clock.advance(3600)  # the server's bucket is full again
            await asyncio.sleep(burst / server_rate)  # and so is the client's
            retries_before = cloud.stats.retries
            start = time.perf_counter()
            errors = await cloud.update_all(devices)
            wall = time.perf_counter() - start
            assert errors == [None] * n, [e for e in errors if e][:3]
            bound = max(0.0, (n - burst) / server_rate)
            print(f"  server limit {server_rate:g} calls/s per account, bursts of {burst}; "
                  f"client paced at {server_rate * 0.95:g}/s")  # fmt: skip
            print(f"  update() of {n} devices: {wall:.2f} s; lower bound the server allows "
                  f"{bound:.2f} s (x{wall / bound if bound else float('nan'):.2f}); "
                  f"-20004 retries: {cloud.stats.retries - retries_before}")  # fmt: skip


def main(argv: list[str]) -> int:
    opts = _options(argv)
    n, concurrency = int(opts["devices"]), int(opts["concurrency"])
    print(f"client benchmark: {n} simulated devices, concurrency {concurrency}")
    print("phase 1: throughput (no server rate limit)")
    asyncio.run(_throughput(n, concurrency))
    print("phase 2: under the server's rate limit")
    asyncio.run(_rate_limited(n, concurrency, opts["server-rate"]))
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
