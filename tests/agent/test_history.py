"""The energy history: back-filled from the devices, kept after they forget, read by export."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import anyio
from agent_helpers import DEMO, fast_config, running_agent, signed_in_client, until
from click.testing import CliRunner

from kasacloud import Device, KasaCloud
from kasacloud.agent import SqliteHistory
from kasacloud.agent.poller import meters
from kasacloud.cli.main import cli
from kasacloud.server import LocalCloud, ServerConfig


async def _device_days(cloud: KasaCloud) -> dict[tuple[str, dt.date], float]:
    """Every day every meter keeps, asked of the devices themselves."""
    out: dict[tuple[str, dt.date], float] = {}
    devices = await cloud.devices(update=True)
    for meter in meters(devices):
        assert meter.energy is not None
        today = meter.time.date() if meter.time else _parent_today(meter)
        months = {(today.year, today.month)}
        back = today.replace(day=1) - dt.timedelta(days=1)
        months |= {
            (back.year, back.month),
            (
                (back.replace(day=1) - dt.timedelta(days=1)).year,
                (back.replace(day=1) - dt.timedelta(days=1)).month,
            ),
        }
        for year, month in sorted(months):
            for day in await meter.energy.get_daily(year, month):
                out[(meter.device_id, day.date)] = day.energy_kwh
    return out


def _parent_today(meter: Device) -> dt.date:
    parent = getattr(meter, "parent", None)
    assert parent is not None
    assert parent.time is not None
    return parent.time.date()


async def _record(url: str, path: Path) -> dict[tuple[str, dt.date], float]:
    """Run the agent (history only) until every meter is recorded; the devices' own days."""
    async with signed_in_client(url) as cloud:
        await cloud.login(*DEMO)
        config = fast_config(history_path=path, history_interval_s=3600)
        async with running_agent(cloud, config) as running:
            await until(lambda: running.agent.health.polls >= 2)
        return await _device_days(cloud)


def _stored(path: Path) -> dict[tuple[str, dt.date], float]:
    store = SqliteHistory(path)
    try:
        return {
            (d.meter.meter_id, d.date): d.energy_kwh
            for d in store.days(dt.date(2000, 1, 1), dt.date(2100, 1, 1))
        }
    finally:
        store.close()


def test_history_back_fills_keeps_what_devices_forget_and_export_reads_it(tmp_path: Path) -> None:
    path = tmp_path / "data" / "history.sqlite3"
    config_dir = tmp_path / "config"
    server = ServerConfig(account_rate_limit=None, terminal_rate_limit=None)
    with LocalCloud(config=server) as home:
        home.clock.speed = 0

        # first run: every day the devices keep is back-filled
        first = anyio.run(_record, home.url, path)
        stored = _stored(path)
        assert len({meter for meter, _ in first}) >= 8  # plugs and outlets
        assert len(first) > 8 * 30
        for key, kwh in first.items():
            assert stored[key] == kwh, key
        assert (path.stat().st_mode & 0o777) == 0o600
        first_days = sorted({day for _, day in first})
        start, end = first_days[0], first_days[-1]

        # a gap of 40 days: the next run fills it in from the devices
        home.clock.advance(40 * 86400)
        second = anyio.run(_record, home.url, path)
        stored = _stored(path)
        new_days = {key for key in second if key[1] > end}
        assert new_days, "the devices report days after the gap"
        for key in new_days:
            assert stored[key] == second[key], key

        # the devices forget the oldest days; the history still has them
        home.clock.advance(40 * 86400)
        third = anyio.run(_device_days_now, home.url)
        forgotten = [key for key in first if key not in third]
        assert forgotten, "after 80 days the devices no longer keep the first days"

        # export reads them from the history, with no option: the default data dir
        runner = CliRunner()
        env = {
            "KASACLOUD_CONFIG_DIR": str(config_dir),
            "KASACLOUD_DATA_DIR": str(path.parent),
            "KASA_PASSWORD": DEMO[1],
            "KASACLOUD_URL": None,
        }
        login = runner.invoke(cli, ["--cloud", home.url, "-u", DEMO[0], "login"], env=env)
        assert login.exit_code == 0, login.output
        out = tmp_path / "energy.json"
        result = runner.invoke(
            cli,
            ["export", "--from", start.isoformat(), "--to", end.isoformat(), "-o", str(out)],
            env=env,
        )
        assert result.exit_code == 0, result.output
        records = json.loads(out.read_text())["records"]
        exported = {(r["device_id"], dt.date.fromisoformat(r["date"])): r for r in records}
        latest = {**first, **second}  # the second run re-read the first run's partial last day
        for key in forgotten:
            assert exported[key]["energy_kwh"] == round(latest[key], 6), key
        outlet_records = [r for r in records if r["outlet"] is not None]
        assert outlet_records
        assert all(" / " in r["alias"] for r in outlet_records)


async def _device_days_now(url: str) -> dict[tuple[str, dt.date], float]:
    async with signed_in_client(url) as cloud:
        await cloud.login(*DEMO)
        return await _device_days(cloud)
