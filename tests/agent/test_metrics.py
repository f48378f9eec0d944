"""The agent's /metrics against the real server's simulated devices, linted by promtool."""

from __future__ import annotations

import subprocess

import httpx
import pytest
from agent_helpers import DEMO, fast_config, require_tool, running_agent, signed_in_client, until
from prometheus_client.parser import text_string_to_metric_families

from kasacloud import KasaCloud, Strip
from kasacloud.server import LocalCloud

pytestmark = pytest.mark.anyio


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def reading(
    all_samples: dict[tuple[str, tuple[tuple[str, str], ...]], float],
    name: str,
    device_id: str,
    outlet: str = "",
) -> float:
    return all_samples[(name, (("device_id", device_id), ("outlet", outlet)))]


EXPECTED = {
    "state": "kasa_relay_on",
    "current_power": "kasa_power_watts",
    "total_energy": "kasa_energy_kwh_total",
    "today_energy": "kasa_energy_today_kwh",
    "voltage": "kasa_voltage_volts",
    "current": "kasa_current_amperes",
    "rssi": "kasa_rssi_dbm",
    "brightness": "kasa_brightness_percent",
    "color_temp": "kasa_color_temp_kelvin",
}
"""Feature id -> the metric the issue names (and the few we add), written out independently."""


async def scrape(url: str) -> str:
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


async def test_metrics_are_the_devices_readings_and_pass_promtool(
    home: LocalCloud, cloud: KasaCloud
) -> None:
    home.clock.speed = 0  # frozen: the devices read the same now as when the agent read them
    config = fast_config(metrics_host="127.0.0.1", metrics_port=0)
    async with running_agent(cloud, config) as running:
        assert running.metrics is not None
        await until(lambda: running.agent.health.polls >= 2)
        text = await scrape(running.metrics.url)

    # what the cloud says, through a client of its own
    async with signed_in_client(home.url) as other:
        await other.login(*DEMO)
        devices = await other.devices(update=True)
    got = samples(text)
    metered = 0
    for device in devices:
        online = reading(got, "kasa_device_online", device.device_id)
        assert online == (1.0 if device.is_online else 0.0)
        if not device.is_online:
            continue
        parts = [(device, "")]
        if isinstance(device, Strip):
            parts += [(outlet, str(outlet.index + 1)) for outlet in device.children]
        for part, outlet in parts:
            for feature_id, name in EXPECTED.items():
                feature = part.features.get(feature_id)
                if feature is None or feature.value is None:
                    continue
                value = reading(got, name, device.device_id, outlet)
                assert value == float(feature.value), (part.alias, feature_id)
                metered += feature_id == "current_power"
    assert metered == 12  # 2 plugs, a strip and its 6 outlets, 3 bulbs that report power

    # the info gauge carries the names; readings carry ids only (a rename splits nothing)
    kettle = next(d for d in devices if d.alias == "Kettle")
    info = [
        (labels, value)
        for (name, labels), value in got.items()
        if name == "kasa_device_info" and ("device_id", kettle.device_id) in labels
    ]
    assert len(info) == 1
    labels = dict(info[0][0])
    assert labels["alias"] == "Kettle"
    assert labels["model"] == kettle.model
    assert labels["fw_version"] == kettle.fw_ver
    assert labels["hw_version"] == kettle.hw_ver
    assert info[0][1] == 1.0
    reading_labels = {
        key
        for (name, labels_), _ in got.items()
        if name.startswith("kasa_") and not name.startswith(("kasa_agent", "kasa_device_info"))
        for key, _ in labels_
    }
    assert reading_labels == {"device_id", "outlet"}

    # the agent's own health
    assert got[("kasa_agent_cloud_requests_total", ())] >= len(devices)
    assert got[("kasa_agent_last_success_timestamp_seconds", ())] > 0
    assert got[("kasa_agent_rate_limit_waits_total", ())] == 0

    # TYPE lines: the energy total is a counter, the rest gauges
    assert "# TYPE kasa_energy_kwh_total counter" in text
    assert "# TYPE kasa_power_watts gauge" in text

    promtool = require_tool("promtool", "prometheus")
    lint = subprocess.run(  # noqa: ASYNC221 - a short lint of a string, after the agent stopped
        [promtool, "check", "metrics"], input=text, capture_output=True, text=True, timeout=60
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert lint.stdout.strip() == "", lint.stdout  # not even a warning


async def test_an_offline_device_is_zero_online_and_has_no_readings(
    home: LocalCloud, cloud: KasaCloud
) -> None:
    kettle = next(d for d in await cloud.devices() if d.alias == "Kettle")
    config = fast_config(metrics_host="127.0.0.1", metrics_port=0)
    async with running_agent(cloud, config) as running:
        assert running.metrics is not None
        await until(lambda: running.agent.listed)
        assert (
            reading(
                samples(await scrape(running.metrics.url)), "kasa_power_watts", kettle.device_id
            )
            >= 0
        )
        home.set_online(kettle.device_id, False)
        await until(lambda: not running.agent.fleet[kettle.device_id].online)
        got = samples(await scrape(running.metrics.url))
    assert reading(got, "kasa_device_online", kettle.device_id) == 0.0
    assert ("kasa_power_watts", (("device_id", kettle.device_id), ("outlet", ""))) not in got
