"""Client benchmark: kasacloud beside raw aiohttp (the floor) and tplink-cloud-api (a peer).

Everything runs in one run against one server process of its own (``kasacloud serve`` with 10
accounts of ``--devices`` simulated devices each, no rate limit), so that the client's process
holds only the client and the numbers compare like with like:

1. *Per call, one after another*: ``device.update()`` of ``--sequential`` devices, beside raw
   aiohttp sending the very same signed V2 passthroughs (recorded from kasacloud's own wire).
2. *32 in flight*: ``update_all()`` of every device at ``max_concurrency=32``, beside raw aiohttp
   sending the same requests 32 at a time.
3. *The account, end to end*: log in, list, and read the state and realtime energy of every
   device: kasacloud's ``login()`` + ``devices(update=True)`` beside tplink-cloud-api 5.2
   (``TPLinkDeviceManager``, ``get_devices()``, then ``asyncio.gather`` over ``get_sys_info()`` of
   every device and ``get_power_usage_realtime()`` of those with a meter: the way its API invites).
4. ``devices(update=True)`` at ``max_concurrency`` 8, 32 and 128.
5. A fan-out over 10 accounts at once (10 clients, ``devices(update=True)`` each), in a child
   process so that its peak RSS is the client's alone.

Each timing is the best of ``--repeat`` runs, interleaved. Targets (issue "Speed"): 1 and 2 within
1.3x of raw aiohttp; 3 at least 3x faster than the peer; 4 within 20% of the best of the three.

    python -m benchmarks client [--devices=1000] [--sequential=200] [--repeat=3] [--accounts=10]
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp

from kasacloud import KasaCloud
from kasacloud.protocol import signing

DEFAULTS: dict[str, float] = {"devices": 1000, "sequential": 200, "repeat": 3, "accounts": 10}
PASSWORD = "bench"
CONCURRENCY = 32
TARGET_RAW = 1.3
TARGET_PEER = 3.0
TARGET_SPREAD = 1.2


def _email(i: int) -> str:
    return f"bench{i}@example.com"


def _options(argv: list[str]) -> dict[str, float]:
    opts = dict(DEFAULTS)
    for arg in argv:
        key, _, value = arg.lstrip("-").partition("=")
        if key in opts and value:
            opts[key] = float(value)
    return opts


def _seed(accounts: int, n: int) -> dict[str, Any]:
    # plugs with and without a meter, and bulbs: three kinds of update query; 30% metered
    plugs, metered = n * 6 // 10, n * 3 // 10
    return {
        "accounts": [
            {
                "email": _email(i),
                "password": PASSWORD,
                "devices": [
                    {"model": "HS103(US)_2.1", "alias": "Plug {n}", "count": plugs},
                    {"model": "KP115(US)_1.0", "alias": "Meter {n}", "count": metered},
                    {"model": "KL130(US)_1.0", "alias": "Bulb {n}", "count": n - plugs - metered},
                ],
            }
            for i in range(accounts)
        ]
    }


def _client(url: str, email: str = _email(0), **kwargs: Any) -> KasaCloud:
    kwargs.setdefault("max_concurrency", CONCURRENCY)
    return KasaCloud(
        url=url, terminal_id=str(uuid.uuid4()), rate_limit_per_s=math.inf, timeout_s=60, **kwargs
    )


# ---- the server, in a process of its own --------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def _server(accounts: int, n: int) -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="kasacloud-bench-") as tmp:
        seed = Path(tmp) / "seed.json"
        seed.write_text(json.dumps(_seed(accounts, n)))
        port = _free_port()
        command = [
            sys.executable, "-m", "kasacloud", "serve", "--seed", str(seed), "--port", str(port),
            "--data-dir", str(Path(tmp) / "data"), "--no-rate-limit",
            # the peer opens a session (a connection) per call, all at once
            "--max-connections", "0",
        ]  # fmt: skip
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 300
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"the server exited: {process.stderr.read().decode()}")  # type: ignore[union-attr]
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError("the server did not start within 300 s")
                time.sleep(0.2)
            print(f"  server: {accounts} accounts of {n} devices, pid {process.pid}, "
                  f"up in {time.perf_counter() - start:.1f} s")  # fmt: skip
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(30)


# ---- raw aiohttp: the same signed requests, nothing else ----------------------------------


class Recorded:
    """The passthroughs kasacloud sent (URL with its query, and body), to be replayed raw."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, bytes]] = []
        self.trace = aiohttp.TraceConfig()
        self.trace.on_request_start.append(self._start)
        self.trace.on_request_chunk_sent.append(self._chunk)
        self.trace.on_request_end.append(self._end)

    async def _start(self, _s: Any, context: Any, params: aiohttp.TraceRequestStartParams) -> None:
        context.url, context.body = str(params.url), b""

    async def _chunk(
        self, _s: Any, context: Any, params: aiohttp.TraceRequestChunkSentParams
    ) -> None:
        context.body += params.chunk

    async def _end(self, _s: Any, context: Any, _params: Any) -> None:
        if b'"passthrough"' in context.body:
            self.requests.append((context.url, context.body))


async def _raw(
    http: aiohttp.ClientSession, requests: list[tuple[str, bytes]], concurrency: int
) -> tuple[float, float]:
    """Send ``requests`` with aiohttp alone: wall and CPU time.

    Each body is built and signed per call from the device command, as any program doing this
    job must (the command as a JSON string inside the JSON envelope), and each answer decoded.
    """
    gate = asyncio.Semaphore(concurrency)
    commands = []
    for url, body in requests:
        envelope = json.loads(body)
        commands.append(
            (url, envelope["params"]["deviceId"], json.loads(envelope["params"]["requestData"]))
        )

    async def one(url: str, device_id: str, command: dict[str, Any]) -> None:
        body = json.dumps(
            {
                "method": "passthrough",
                "params": {"deviceId": device_id, "requestData": json.dumps(command)},
            },
            separators=(",", ":"),
        ).encode()
        headers = {"Content-Type": "application/json;charset=UTF-8"}
        headers.update(signing.sign(signing.KASA_APP, body, "/"))
        async with gate:
            for attempt in (1, 2):
                try:
                    async with http.post(url, data=body, headers=headers) as response:
                        answer = json.loads(await response.read())
                    break
                except aiohttp.ClientConnectionError:
                    # the server closed an idle keep-alive connection as it was reused: once
                    # more, as kasacloud would (it retries a connection failure with a backoff)
                    if attempt == 2:
                        raise
        assert answer["error_code"] == 0, answer
        json.loads(answer["result"]["responseData"])

    with _Timer() as timer:
        if concurrency == 1:
            for command in commands:
                await one(*command)
        else:
            await asyncio.gather(*(one(*command) for command in commands))
    return timer.wall, timer.cpu


def _per_call(measured: tuple[float, float], calls: int) -> tuple[float, float]:
    return measured[0] / calls, measured[1] / calls


class _Timer:
    """Wall time and this process's CPU time (the client's own work, whatever the server does)."""

    def __enter__(self) -> _Timer:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu


# ---- the phases ---------------------------------------------------------------------------


async def _against_raw(url: str, n: int, sequential: int, repeat: int) -> dict[str, float]:
    recorded = Recorded()
    recording = aiohttp.ClientSession(trace_configs=[recorded.trace])
    async with recording, _client(url, session=recording) as cloud:
        await cloud.login(_email(0), PASSWORD)
        devices = await cloud.devices()
        assert len(devices) == n, len(devices)
        errors = await cloud.update_all(devices)  # what update() sends, on the wire
        assert errors == [None] * n, [e for e in errors if e][:3]
    requests = recorded.requests[-n:]
    assert len(requests) == n
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with _client(url) as cloud, aiohttp.ClientSession(connector=connector) as raw_http:
        await cloud.login(_email(0), PASSWORD)
        devices = await cloud.devices()
        await cloud.update_all(devices[:50])  # warm both: connections, caches
        await _raw(raw_http, requests[:50], CONCURRENCY)
        # one after another: small blocks, alternating, so that both see the same machine (the
        # median block stands: a block hit by another process's burst does not decide)
        lib_seq: list[tuple[float, float]] = []
        raw_seq: list[tuple[float, float]] = []
        block = max(1, sequential // 8)
        for _ in range(repeat):
            for first in range(0, sequential, block):
                with _Timer() as timer:
                    for device in devices[first : first + block]:
                        await device.update()
                lib_seq.append((timer.wall / block, timer.cpu / block))
                raw_seq.append(
                    _per_call(await _raw(raw_http, requests[first : first + block], 1), block)
                )
        lib_par, raw_par = [], []
        for _ in range(repeat):
            before = cloud.stats.requests
            with _Timer() as timer:
                errors = await cloud.update_all(devices)
            lib_par.append((timer.wall, timer.cpu))
            assert errors == [None] * n, [e for e in errors if e][:3]
            assert cloud.stats.requests - before == n  # one request per update()
            raw_par.append(await _raw(raw_http, requests, CONCURRENCY))
    seq_lib, seq_lib_cpu = (statistics.median(v) * 1000 for v in zip(*lib_seq, strict=True))
    seq_raw, seq_raw_cpu = (statistics.median(v) * 1000 for v in zip(*raw_seq, strict=True))
    print(f"  1. one after another ({sequential} calls x {repeat}, median of blocks of {block}): "
          f"kasacloud {seq_lib:.2f} ms/call, raw aiohttp {seq_raw:.2f} ms/call: "
          f"x{seq_lib / seq_raw:.2f} (target <= {TARGET_RAW}) "
          f"{_verdict(seq_lib / seq_raw <= TARGET_RAW)}; "
          f"client CPU {seq_lib_cpu:.2f} vs {seq_raw_cpu:.2f} ms/call")  # fmt: skip
    (par_lib, par_lib_cpu), (par_raw, par_raw_cpu) = min(lib_par), min(raw_par)
    print(f"  2. {CONCURRENCY} in flight ({n} calls): kasacloud {par_lib:.2f} s "
          f"({n / par_lib:.0f}/s), raw aiohttp {par_raw:.2f} s ({n / par_raw:.0f}/s): "
          f"x{par_lib / par_raw:.2f} (target <= {TARGET_RAW}) "
          f"{_verdict(par_lib / par_raw <= TARGET_RAW)}; client CPU "
          f"{par_lib_cpu / n * 1000:.2f} vs {par_raw_cpu / n * 1000:.2f} ms/call")  # fmt: skip
    return {"sequential": seq_lib / seq_raw, "in_flight": par_lib / par_raw}


async def _kasacloud_account(url: str, n: int, concurrency: int = CONCURRENCY) -> float:
    start = time.perf_counter()
    async with _client(url, max_concurrency=concurrency) as cloud:
        await cloud.login(_email(0), PASSWORD)
        devices = await cloud.devices(update=True)
        elapsed = time.perf_counter() - start
    assert len(devices) == n
    metered = [d for d in devices if d.realtime is not None]
    assert len(metered) >= n * 3 // 10, len(metered)  # bulbs meter too: more work than asked
    return elapsed


async def _peer_account(url: str, n: int) -> float:
    from tplinkcloud import TPLinkDeviceManager

    start = time.perf_counter()
    manager = TPLinkDeviceManager(
        _email(0), PASSWORD, tplink_cloud_api_host=url, include_tapo=False, cache_devices=False
    )
    devices = await manager.get_devices()
    metered = [d for d in devices if d.has_emeter()]
    await asyncio.gather(
        *(d.get_sys_info() for d in devices), *(d.get_power_usage_realtime() for d in metered)
    )
    elapsed = time.perf_counter() - start
    assert len(devices) == n, len(devices)
    assert len(metered) == n * 3 // 10, len(metered)
    return elapsed


async def _against_peer(url: str, n: int, repeat: int) -> float:
    ours, peer = [], []
    for _ in range(repeat):
        ours.append(await _kasacloud_account(url, n))
        peer.append(await _peer_account(url, n))
    best_ours, best_peer = min(ours), min(peer)
    ratio = best_peer / best_ours
    print(f"  3. log in, list, state + realtime energy of {n} devices: kasacloud "
          f"{best_ours:.2f} s, tplink-cloud-api {best_peer:.2f} s: kasacloud {ratio:.1f}x "
          f"faster (target >= {TARGET_PEER}) {_verdict(ratio >= TARGET_PEER)}")  # fmt: skip
    return ratio


async def _listing_requests(url: str, n: int) -> list[tuple[str, bytes]]:
    """The passthroughs of ``devices(update=True)``, as kasacloud sends them."""
    recorded = Recorded()
    recording = aiohttp.ClientSession(trace_configs=[recorded.trace])
    async with recording, _client(url, session=recording) as cloud:
        await cloud.login(_email(0), PASSWORD)
        assert len(await cloud.devices(update=True)) == n
    return recorded.requests[-n:]


async def _concurrency_spread(url: str, n: int, repeat: int) -> float:
    levels = (8, 32, 128)
    times: dict[int, float] = {}
    raw_times: dict[int, float] = {}
    clients = {c: _client(url, max_concurrency=c) for c in levels}
    requests = await _listing_requests(url, n)
    try:
        for cloud in clients.values():
            await cloud.login(_email(0), PASSWORD)
            await cloud.devices()  # warm the pool
        for turn in range(repeat):
            for concurrency in levels if turn % 2 == 0 else levels[::-1]:  # neither always first
                start = time.perf_counter()
                devices = await clients[concurrency].devices(update=True)
                elapsed = time.perf_counter() - start
                assert len(devices) == n
                times[concurrency] = min(times.get(concurrency, math.inf), elapsed)
                # the same passthroughs, raw, as many in flight (the listing itself aside)
                connector = aiohttp.TCPConnector(limit=concurrency)
                async with aiohttp.ClientSession(connector=connector) as raw_http:
                    raw, _ = await _raw(raw_http, requests, concurrency)
                raw_times[concurrency] = min(raw_times.get(concurrency, math.inf), raw)
    finally:
        for cloud in clients.values():
            await cloud.aclose()
    best = min(times.values())
    spread = max(times.values()) / best
    shown = ", ".join(f"{c}: {times[c]:.2f} s" for c in levels)
    print(f"  4. devices(update=True) of {n}, logged in, by max_concurrency: {shown}; slowest "
          f"x{spread:.2f} of the best (target <= {TARGET_SPREAD}) "
          f"{_verdict(spread <= TARGET_SPREAD)}")  # fmt: skip
    raw_spread = max(raw_times.values()) / min(raw_times.values())
    shown = ", ".join(f"{c}: {raw_times[c]:.2f} s" for c in levels)
    print(f"     the same {n} passthroughs with raw aiohttp at those levels: {shown}; slowest "
          f"x{raw_spread:.2f} of its best (what the server allows)")  # fmt: skip
    return spread


async def _fan_out(url: str, accounts: int, n: int) -> None:
    async def one(i: int) -> int:
        async with _client(url) as cloud:
            await cloud.login(_email(i), PASSWORD)
            return len(await cloud.devices(update=True))

    start = time.perf_counter()
    counts = await asyncio.gather(*(one(i) for i in range(accounts)))
    elapsed = time.perf_counter() - start
    assert counts == [n] * accounts, counts
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"seconds": elapsed, "devices": sum(counts), "peak_rss_mib": peak_mib}))


def _fan_out_in_child(url: str, accounts: int, n: int) -> None:
    command = [sys.executable, "-m", "benchmarks.client", f"--fan-out-child={url}",
               f"--accounts={accounts}", f"--devices={n}"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"the fan-out failed: {done.stderr[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"  5. fan-out: {result['devices']} devices over {accounts} accounts at once, "
          f"devices(update=True) each: {result['seconds']:.2f} s "
          f"({result['devices'] / result['seconds']:.0f} devices/s); "
          f"client peak RSS {result['peak_rss_mib']:.0f} MiB")  # fmt: skip


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def main(argv: list[str]) -> int:
    opts = _options(argv)
    n, accounts = int(opts["devices"]), int(opts["accounts"])
    child = [a.split("=", 1)[1] for a in argv if a.startswith("--fan-out-child=")]
    if child:
        asyncio.run(_fan_out(child[0], accounts, n))
        return 0
    sequential, repeat = min(n, int(opts["sequential"])), max(1, int(opts["repeat"]))
    print(f"client benchmark: {accounts} accounts of {n} devices, one server process "
          f"(python {sys.version.split()[0]}, {os.cpu_count()} cores)")  # fmt: skip
    with _server(accounts, n) as url:
        asyncio.run(_against_raw(url, n, sequential, repeat))
        asyncio.run(_against_peer(url, n, repeat))
        asyncio.run(_concurrency_spread(url, n, repeat))
        _fan_out_in_child(url, accounts, n)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
