"""Server benchmark: passthrough requests per second and p50/p99 latency on loopback.

Beside the cloud it measures, in the same run and with the same client, a minimal handler on the
same ASGI stack (Starlette on uvicorn, same loop and HTTP implementation): the local ceiling. The
ratio cloud/ceiling is the number to watch; absolute numbers depend on the machine.

Each server runs in a process of its own (so the client does not share its interpreter), on a
free 127.0.0.1 port. Bounded: at most ``--requests`` requests and ``--seconds`` seconds per phase.

    python -m benchmarks server [--requests=4000] [--seconds=10] [--concurrency=16]
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

DEFAULTS = {"requests": 4000, "seconds": 10.0, "concurrency": 16}
REQUEST = {"system": {"get_sysinfo": None}}


def _serve_baseline(ports: Any) -> None:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from kasacloud.server.runner import bind

    answer = {"error_code": 0, "result": {"responseData": json.dumps({"system": {}})}}

    async def handler(request: Request) -> JSONResponse:
        json.loads(await request.body())
        return JSONResponse(answer)

    import uvicorn

    app = Starlette(routes=[Route("/", handler, methods=["POST"])])
    sock = bind("127.0.0.1", 0)
    ports.put(sock.getsockname()[1])
    config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])


def _serve_cloud(ports: Any, data_dir: str) -> None:
    import dataclasses

    from kasacloud.server.config import ServerConfig
    from kasacloud.server.runner import bind_regions, make_server
    from kasacloud.server.service import CloudService

    config = dataclasses.replace(ServerConfig(), account_rate_limit=None, address_rate_limit=None)
    service = CloudService(Path(data_dir), config=config)
    sockets = bind_regions(service, "127.0.0.1", 0)
    ports.put(sockets[0].getsockname()[1])
    make_server(service).run(sockets=sockets)


@dataclass
class Result:
    name: str
    count: int
    seconds: float
    latencies_ms: list[float]
    errors: int

    @property
    def rps(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


class _Connection:
    """A bare HTTP/1.1 keep-alive connection: the load generator must cost less than the server.

    httpx is used for setup; in the timed loop it would be the bottleneck, hiding the server's
    own cost (and pushing the ratio towards 1).
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, url: str) -> _Connection:
        host, port = url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        return cls(reader, writer)

    async def post(self, request: bytes) -> tuple[int, bytes]:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


def _raw_request(url: str, body: dict[str, Any]) -> bytes:
    payload = json.dumps(body).encode()
    host = url.removeprefix("http://")
    return (
        f"POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    ).encode() + payload


async def _load(name: str, url: str, body: dict[str, Any], opts: dict[str, Any]) -> Result:
    request = _raw_request(url, body)
    latencies: list[float] = []
    errors = 0
    remaining = int(opts["requests"])
    connections = [await _Connection.open(url) for _ in range(int(opts["concurrency"]))]
    try:
        for conn in connections:  # warm up
            for _ in range(5):
                await conn.post(request)
        deadline = time.perf_counter() + float(opts["seconds"])

        async def worker(conn: _Connection) -> None:
            nonlocal remaining, errors
            while remaining > 0 and time.perf_counter() < deadline:
                remaining -= 1
                started = time.perf_counter()
                status, answer = await asyncio.wait_for(conn.post(request), timeout=10)
                latencies.append((time.perf_counter() - started) * 1000)
                if status != 200 or json.loads(answer).get("error_code") != 0:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker(c) for c in connections))
        elapsed = time.perf_counter() - started
    finally:
        for conn in connections:
            conn.close()
    return Result(name, len(latencies), elapsed, latencies, errors)


def _start(target: Any, *args: Any) -> tuple[Any, str]:
    ctx = multiprocessing.get_context("spawn")
    ports = ctx.Queue()
    proc = ctx.Process(target=target, args=(ports, *args), daemon=True)
    proc.start()
    port = ports.get(timeout=60)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:  # wait until it answers
        try:
            httpx.post(url + "/", content=b"{}", timeout=2)
            return proc, url
        except httpx.TransportError:
            if time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("the server did not start") from None
            time.sleep(0.05)


def _options(argv: list[str]) -> dict[str, Any]:
    opts: dict[str, Any] = dict(DEFAULTS)
    for arg in argv:
        key, _, value = arg.lstrip("-").partition("=")
        if key in opts and value:
            opts[key] = type(DEFAULTS[key])(value)
    opts["requests"] = min(int(opts["requests"]), 100_000)
    opts["seconds"] = min(float(opts["seconds"]), 120.0)
    return opts


async def _cloud_body(url: str) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=10) as client:
        login = await client.post(
            url + "/",
            json={
                "method": "login",
                "params": {
                    "cloudUserName": "demo@example.com",
                    "cloudPassword": "demo",
                    "terminalUUID": "bench",
                },
            },
        )
        token = login.json()["result"]["token"]
        listing = await client.post(
            url + "/", json={"method": "getDeviceList", "params": {"token": token}}
        )
        device = next(d for d in listing.json()["result"]["deviceList"] if d["status"] == 1)
    return {
        "method": "passthrough",
        "params": {
            "deviceId": device["deviceId"],
            "token": token,
            "requestData": json.dumps(REQUEST),
        },
    }


def main(argv: list[str]) -> int:
    opts = _options(argv)
    print(
        f"server benchmark: passthrough get_sysinfo on 127.0.0.1, {opts['concurrency']} concurrent,"
        f" at most {opts['requests']} requests / {opts['seconds']:.0f} s per phase"
    )
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="kasacloud-bench-") as data_dir:
        for name, target, args in (
            ("minimal handler (ceiling)", _serve_baseline, ()),
            ("kasacloud passthrough", _serve_cloud, (data_dir,)),
        ):
            proc, url = _start(target, *args)
            try:
                body = (
                    asyncio.run(_cloud_body(url))
                    if target is _serve_cloud
                    else {"method": "passthrough", "params": {"requestData": json.dumps(REQUEST)}}
                )
                results.append(asyncio.run(_load(name, url, body, opts)))
            finally:
                proc.terminate()
                proc.join(timeout=10)
    print(f"{'':28} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'count':>7} {'errors':>6}")
    for r in results:
        print(
            f"{r.name:28} {r.rps:9.0f} {r.pct(50):8.2f} {r.pct(99):8.2f} {r.count:7d} {r.errors:6d}"
        )
    ceiling, cloud = results
    ratio = cloud.rps / ceiling.rps if ceiling.rps else 0.0
    print(
        f"ratio kasacloud/ceiling: {ratio:.2f}"
        f" (mean latency {statistics.fmean(cloud.latencies_ms):.2f} ms)"
    )
    return 1 if cloud.errors else 0
