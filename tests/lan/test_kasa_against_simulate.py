"""python-kasa, a LAN client written by others, against `kasacloud simulate` in another process.

Its ``kasa`` command and its library discover, read and switch the simulated devices; what they
change is what the device reports afterwards, however it is asked.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kasa import Device, DeviceConfig, Discover
from lan_helpers import run_kasa

pytestmark = pytest.mark.slow

PLUG = "HS110(US)_1.0"
STRIP = "HS300(US)_2.0"


def sysinfo(host: str, port: int) -> dict:
    result = run_kasa("--host", host, "--port", str(port), "--type", "plug", "--json", "sysinfo")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_kasa_command_reads_and_switches(simulate, lan_port: int) -> None:
    sim = simulate("--device", f"{PLUG}=Kettle", "--address", "127.0.0.2", "--port", str(lan_port))
    assert sim.lines[0].startswith(f"127.0.0.2:{lan_port}  HS110(US)  'Kettle'")

    # Without --type, kasa first finds the device by UDP discovery sent to its address.
    state = run_kasa("--host", "127.0.0.2", "--port", str(lan_port), "state")
    assert state.returncode == 0, state.stderr
    assert "Kettle - HS110" in state.stdout

    for command, relay in (("off", 0), ("on", 1), ("off", 0)):
        switched = run_kasa(
            "--host", "127.0.0.2", "--port", str(lan_port), "--type", "plug", command
        )
        assert switched.returncode == 0, switched.stderr
        assert sysinfo("127.0.0.2", lan_port)["relay_state"] == relay

    renamed = run_kasa(
        "--host", "127.0.0.2", "--port", str(lan_port), "--type", "plug", "alias", "Teapot"
    )
    assert renamed.returncode == 0, renamed.stderr
    assert sysinfo("127.0.0.2", lan_port)["alias"] == "Teapot"


def test_kasa_discover_finds_every_device(simulate, lan_port: int) -> None:
    simulate(
        "--device", f"{PLUG}=Kettle", "--device", f"{STRIP}=Desk",
        "--address", "127.0.0.2", "--address", "127.0.0.3", "--port", str(lan_port),
    )  # fmt: skip
    found = run_kasa(
        "--target", "127.255.255.255", "--port", str(lan_port), "--discovery-timeout", "2",
        "discover", "list",
    )  # fmt: skip
    assert found.returncode == 0, found.stderr
    rows = {line.split()[0]: line for line in found.stdout.splitlines() if line[:4] == "127."}
    # Both devices answer. (Simulated SMART devices of other runs on this machine answer the
    # broadcast to UDP 20002 that python-kasa also sends; they are not this test's.)
    assert {"127.0.0.2", "127.0.0.3"} <= set(rows)
    assert rows["127.0.0.2"].split()[1:2] == ["HS110"]
    assert rows["127.0.0.2"].endswith("Kettle")
    assert rows["127.0.0.3"].split()[1:2] == ["HS300"]
    assert rows["127.0.0.3"].endswith("Desk")


@pytest.mark.anyio
async def test_python_kasa_library(simulate, lan_port: int, tmp_path: Path) -> None:
    args = ["--device", f"{STRIP}=Desk", "--address", "127.0.0.3", "--port", str(lan_port)]
    sim = simulate(*args, "--data-dir", str(tmp_path))

    found = await Discover.discover_single("127.0.0.3", port=lan_port, discovery_timeout=5)
    assert found is not None
    try:
        await found.update()
        assert (found.model, found.alias) == ("HS300", "Desk")
        assert len(found.children) == 6
    finally:
        await found.disconnect()

    config = DeviceConfig(host="127.0.0.3", port_override=lan_port, timeout=5)
    config.connection_type = found.config.connection_type
    strip = await Device.connect(config=config)
    try:
        before = [c.is_on for c in strip.children]
        await strip.children[2].turn_on()
        await strip.children[2].turn_off()
        await strip.update()
        assert strip.children[2].is_on is False
        assert [c.is_on for c in strip.children] == [*before[:2], False, *before[3:]]
    finally:
        await strip.disconnect()

    # The state outlives the process: a device stopped and started again is as it was.
    assert sim.stop() == 0
    simulate(*args, "--data-dir", str(tmp_path))
    strip = await Device.connect(config=config)
    try:
        assert strip.children[2].is_on is False
    finally:
        await strip.disconnect()


def test_bad_input_is_one_line_and_non_zero(simulate, lan_port: int) -> None:
    from click.testing import CliRunner

    from kasacloud.cli.main import cli

    runner = CliRunner()
    refused = runner.invoke(cli, ["simulate", "--device", PLUG, "--address", "192.0.2.2"])
    assert refused.exit_code == 2
    assert "not a loopback address" in refused.output
    unknown = runner.invoke(cli, ["simulate", "--device", "no-such-profile"])
    assert unknown.exit_code == 1
    assert unknown.output.count("\n") == 1
    assert "no-such-profile" in unknown.output

    simulate("--device", PLUG, "--address", "127.0.0.2", "--port", str(lan_port))
    taken = runner.invoke(
        cli, ["simulate", "--device", PLUG, "--address", "127.0.0.2", "--port", str(lan_port)]
    )
    assert taken.exit_code == 1
    assert "cannot listen" in taken.output
