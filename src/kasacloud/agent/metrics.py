"""Prometheus: ``/metrics`` with the fleet's readings and the agent's own health.

Readings carry ``device_id`` and ``outlet`` labels only (``outlet`` is the outlet number of a
strip's outlet, with the strip's ``device_id``; empty for anything else), so that a rename does
not split a series; ``kasa_device_info`` (value 1) carries the alias, model, kind and versions
to join on. A strip's own readings (``outlet=""``) are the sum of its outlets': sum over
``outlet=""`` to count each meter once.

The collector reads the agent's latest fleet snapshot at scrape time, from the HTTP server's
thread: the snapshot is immutable and replaced whole, so no lock is needed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from kasacloud import __version__
from kasacloud.agent.mapping import metric_spec, metric_value
from kasacloud.agent.poller import Agent

READING_LABELS = ["device_id", "outlet"]


def _labels(device_id: str, parent_id: str | None, outlet: int | None) -> list[str]:
    if parent_id is not None and outlet is not None:
        return [parent_id, str(outlet)]
    return [device_id, ""]


class FleetCollector(Collector):
    """Builds every metric family from the agent's latest snapshot, at each scrape."""

    def __init__(self, agent: Agent) -> None:
        self.agent = agent

    def collect(self) -> Iterator[Metric]:
        """The families of one scrape."""
        fleet = self.agent.fleet
        online = GaugeMetricFamily(
            "kasa_device_online", "1 when the device has a cloud connection.", labels=READING_LABELS
        )
        info = GaugeMetricFamily(
            "kasa_device_info",
            "Descriptive labels of a device (value 1): join on device_id and outlet.",
            labels=[*READING_LABELS, "alias", "model", "kind", "hw_version", "fw_version"],
        )
        families: dict[str, GaugeMetricFamily | CounterMetricFamily] = {}
        for device in fleet.values():
            labels = _labels(device.device_id, device.parent_id, device.outlet)
            online.add_metric(labels, 1.0 if device.online else 0.0)
            info.add_metric(
                [
                    *labels,
                    device.alias,
                    device.model,
                    device.kind,
                    device.hw_version,
                    device.fw_version,
                ],
                1.0,
            )
            for feature in device.features.values():
                spec = metric_spec(feature)
                value = metric_value(feature)
                if spec is None or value is None:
                    continue
                family = families.get(spec.name)
                if family is None:
                    maker = CounterMetricFamily if spec.kind == "counter" else GaugeMetricFamily
                    family = maker(spec.name, spec.help, labels=READING_LABELS)
                    families[spec.name] = family
                family.add_metric(labels, value)
        yield online
        yield info
        yield from (families[name] for name in sorted(families))
        yield from self._health()

    def _health(self) -> Iterator[Metric]:
        agent = self.agent
        health = agent.health
        requests = CounterMetricFamily(
            "kasa_agent_cloud_requests", "Requests the agent sent to the cloud."
        )
        requests.add_metric([], float(agent.cloud.stats.requests))
        yield requests
        errors = CounterMetricFamily(
            "kasa_agent_errors", "Errors the agent met, by the cloud's error code.", labels=["code"]
        )
        for code, count in sorted(health.errors.items()):
            errors.add_metric([code], float(count))
        yield errors
        waits = CounterMetricFamily(
            "kasa_agent_rate_limit_waits", "Times the cloud's rate limit (-20004) made it wait."
        )
        waits.add_metric([], float(health.rate_limit_waits))
        yield waits
        commands = CounterMetricFamily("kasa_agent_commands", "Commands carried out.")
        commands.add_metric([], float(health.commands))
        yield commands
        polls = CounterMetricFamily("kasa_agent_polls", "Polls that went through.")
        polls.add_metric([], float(health.polls))
        yield polls
        last = GaugeMetricFamily(
            "kasa_agent_last_success_timestamp_seconds",
            "Unix time of the last poll that went through (0: none yet).",
        )
        last.add_metric([], float(health.last_success or 0.0))
        yield last
        backoff = GaugeMetricFamily(
            "kasa_agent_backoff_seconds", "The wait in force after failures (0: none)."
        )
        backoff.add_metric([], float(health.backoff_s))
        yield backoff
        build = GaugeMetricFamily(
            "kasa_agent_build_info", "The agent's version (value 1).", labels=["version"]
        )
        build.add_metric([__version__], 1.0)
        yield build


class MetricsServer:
    """``/metrics`` on ``host:port`` (0: a free port), in a thread of its own."""

    def __init__(self, agent: Agent, host: str, port: int) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(FleetCollector(agent))
        self.host = host
        self.port = port
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        """Start serving; return the URL of ``/metrics``."""
        self._server, self._thread = start_http_server(self.port, self.host, self.registry)
        self.port = int(self._server.server_port)
        return self.url

    @property
    def url(self) -> str:
        """``http://HOST:PORT/metrics``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/metrics"

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None
