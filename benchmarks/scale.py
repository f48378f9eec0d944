"""Scale benchmark: a server of many simulated devices, started fresh (seeding) and from its store.

Seeds ``--accounts`` accounts of ``--per-account`` devices each (a mix of plugs, energy plugs,
dimmers, bulbs and strips), in a server process of its own on a free 127.0.0.1 port, and prints:

- start time: from starting the process to the server answering; "build": from the process's
  first line to the service built and its port bound (seeding or reading the store); "CPU": the
  CPU time the process had used by then (all threads: a busy machine stretches wall time, not
  this);
- RSS of the server process once started, and its peak (VmHWM);
- getDeviceList time for one account (first call, then the median of a few);
- get_sysinfo of each device of that account, one after another, and the RSS after it (the
  devices' bodies are built on first use);
- the same again after a restart from the store (SIGTERM, then a new process on the same data dir).

The default is small enough for ``python3 dev.py bench``; ``--accounts=100`` gives the 100,000
devices of the target (under 30 s to start, under 2 GiB).

    python -m benchmarks scale [--accounts=10] [--per-account=1000]
"""

from __future__ import annotations

import json
import multiprocessing
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

DEFAULTS = {"accounts": 10, "per_account": 1000}
MIX = (  # (model, share of an account's devices)
    ("HS103(US)", 0.35),
    ("HS110(EU)", 0.25),
    ("HS220(US)", 0.10),
    ("KL130(US)", 0.15),
    ("KP303(US)", 0.05),
    ("HS300(US)", 0.10),
)
PASSWORD = "scale-bench"  # a throwaway account of a temporary data dir


def seed(accounts: int, per_account: int) -> dict[str, Any]:
    """The seed: ``accounts`` accounts of ``per_account`` devices each, in the MIX."""
    devices = []
    left = per_account
    for i, (model, share) in enumerate(MIX):
        count = left if i == len(MIX) - 1 else round(per_account * share)
        left -= count
        if count > 0:
            devices.append({"model": model, "alias": f"{model} {{n}}", "count": count})
    return {
        "accounts": [
            {"email": f"user{n}@example.com", "password": PASSWORD, "devices": devices}
            for n in range(accounts)
        ]
    }


def _rss_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process, in KiB (Linux)."""
    fields: dict[str, int] = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                fields[name] = int(value.split()[0])
    return fields.get("VmRSS", 0), fields.get("VmHWM", 0)


def _serve(report: Any, data_dir: str, seed_data: dict[str, Any] | None) -> None:
    started = time.perf_counter()
    import dataclasses

    from kasacloud.server.config import ServerConfig
    from kasacloud.server.runner import bind_regions, make_server
    from kasacloud.server.service import CloudService

    config = dataclasses.replace(ServerConfig(), account_rate_limit=None, terminal_rate_limit=None)
    service = CloudService(Path(data_dir), config=config, seed=seed_data)
    sockets = bind_regions(service, "127.0.0.1", 0)
    report.put((sockets[0].getsockname()[1], time.perf_counter() - started, time.process_time()))
    make_server(service).run(sockets=sockets)


def _post(client: httpx.Client, url: str, body: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = client.post(url + "/", json=body).json()
    if answer.get("error_code") != 0:
        raise RuntimeError(f"{body['method']} answered {answer.get('error_code')}")
    return answer


def _phase(name: str, data_dir: str, seed_data: dict[str, Any] | None, per: int) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    report = ctx.Queue()
    began = time.perf_counter()
    proc = ctx.Process(target=_serve, args=(report, data_dir, seed_data), daemon=True)
    proc.start()
    try:
        port, built_s, cpu_s = report.get(timeout=600)
        url = f"http://127.0.0.1:{port}"
        with httpx.Client(timeout=60) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    client.post(url + "/", content=b"{}")
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise RuntimeError("the server did not start") from None
                    time.sleep(0.02)
            ready_s = time.perf_counter() - began
            rss, hwm = _rss_kib(proc.pid)
            token = _post(
                client,
                url,
                {
                    "method": "login",
                    "params": {
                        "cloudUserName": "user0@example.com",
                        "cloudPassword": PASSWORD,
                        "terminalUUID": "scale-bench",
                    },
                },
            )["result"]["token"]
            listing = {"method": "getDeviceList", "params": {"token": token}}
            timings = []
            for _ in range(5):
                t0 = time.perf_counter()
                answer = _post(client, url, listing)
                timings.append((time.perf_counter() - t0) * 1000)
            found = answer["result"]["deviceList"]
            if len(found) != per:
                raise RuntimeError(f"getDeviceList gave {len(found)} devices, not {per}")
            rss_after, hwm_after = _rss_kib(proc.pid)
            # Every device of the account asked once: what using them costs (lazy bodies built).
            t0 = time.perf_counter()
            for device in found:
                _post(
                    client,
                    url,
                    {
                        "method": "passthrough",
                        "params": {
                            "token": token,
                            "deviceId": device["deviceId"],
                            "requestData": {"system": {"get_sysinfo": None}},
                        },
                    },
                )
            read_all_s = time.perf_counter() - t0
            rss_used, hwm_used = _rss_kib(proc.pid)
    finally:
        proc.terminate()
        proc.join(timeout=60)
        if proc.is_alive():
            proc.kill()
    return {
        "phase": name,
        "start_s": ready_s,
        "build_s": built_s,
        "cpu_s": cpu_s,
        "rss_mib": rss / 1024,
        "peak_mib": max(hwm, hwm_after, hwm_used) / 1024,
        "rss_after_list_mib": rss_after / 1024,
        "rss_after_use_mib": rss_used / 1024,
        "read_all_s": read_all_s,
        "list_first_ms": timings[0],
        "list_median_ms": statistics.median(timings[1:]),
    }


def _options(argv: list[str]) -> dict[str, int]:
    opts = dict(DEFAULTS)
    for arg in argv:
        key, _, value = arg.lstrip("-").replace("-", "_").partition("=")
        if key in opts and value:
            opts[key] = int(value)
    opts["accounts"] = max(1, min(opts["accounts"], 100))
    opts["per_account"] = max(1, min(opts["per_account"], 1000))
    return opts


def main(argv: list[str]) -> int:
    opts = _options(argv)
    accounts, per = opts["accounts"], opts["per_account"]
    print(
        f"scale benchmark: {accounts * per:,} simulated devices ({accounts} accounts of {per:,}),"
        " server on 127.0.0.1"
    )
    seed_data = seed(accounts, per)
    results = []
    with tempfile.TemporaryDirectory(prefix="kasacloud-scale-") as data_dir:
        results.append(_phase("first start (seeding)", data_dir, seed_data, per))
        db = Path(data_dir, "kasacloud.db")
        store_mib = sum(
            p.stat().st_size for p in Path(data_dir).iterdir() if p.name.startswith(db.name)
        ) / (1024 * 1024)
        results.append(_phase("restart from the store", data_dir, None, per))
    print(
        f"{'':24} {'start s':>8} {'build s':>8} {'CPU s':>6} {'RSS MiB':>8} {'peak MiB':>9}"
        f" {'list 1st ms':>12} {'list ms':>8} {'read all s':>11} {'RSS after':>10}"
    )
    for r in results:
        print(
            f"{r['phase']:24} {r['start_s']:8.1f} {r['build_s']:8.1f} {r['cpu_s']:6.1f}"
            f" {r['rss_mib']:8.0f}"
            f" {r['peak_mib']:9.0f} {r['list_first_ms']:12.1f} {r['list_median_ms']:8.1f}"
            f" {r['read_all_s']:11.1f} {r['rss_after_use_mib']:10.0f}"
        )
    print(
        f"store on disk: {store_mib:.0f} MiB; list: getDeviceList of an account of {per:,};"
        f" read all: get_sysinfo of each of its devices, one after another (RSS after, MiB)"
    )
    if os.environ.get("KASACLOUD_BENCH_JSON"):
        print(json.dumps(results))
    return 0
