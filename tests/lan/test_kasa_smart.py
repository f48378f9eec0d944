"""python-kasa against simulated SMART devices: KLAP over HTTP and UDP 20002 discovery, on loopback.

``kasacloud simulate`` serves the devices in another process; python-kasa's ``kasa`` command and its
library find them by discovery sent to their address, sign in with the TP-Link ID the simulator
was given, read and switch them. Every SMART capture is served once and read by the library.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kasa import Credentials, Device, Discover
from lan_helpers import SimulateProcess, free_port, private_address, run_kasa

from captures import smart_capture_files, smart_capture_params

pytestmark = pytest.mark.slow

LOGIN = ("demo@example.com", "demo")
ADDRESS = {i: private_address(i) for i in range(10, 20)}
CREDENTIALS = Credentials(*LOGIN)


def kasa(host: str, *args: str, password: str = LOGIN[1]) -> Any:
    return run_kasa("--host", host, "--username", LOGIN[0], "--password", password, *args)


def test_kasa_command_reads_and_switches_a_smart_plug(simulate: Any) -> None:
    port = free_port(ADDRESS[12])
    sim = simulate(
        "--device", "P110(EU)_1.0=Kettle", "--address", ADDRESS[12], "--http-port", str(port)
    )
    assert sim.lines[0].startswith(f"{ADDRESS[12]}:{port}  P110(EU)  'Kettle'")
    state = kasa(ADDRESS[12], "state")
    assert state.returncode == 0, state.stderr
    assert "== Kettle - P110 ==" in state.stdout
    assert "Device state: False" in state.stdout
    for command, shown in (("on", "True"), ("off", "False"), ("on", "True")):
        switched = kasa(ADDRESS[12], command)
        assert switched.returncode == 0, switched.stderr
        assert f"Device state: {shown}" in kasa(ADDRESS[12], "state").stdout
    energy = kasa(ADDRESS[12], "--json", "feature", "current_consumption")
    assert energy.returncode == 0, energy.stderr
    assert json.loads(energy.stdout) > 0  # watts, while on
    renamed = kasa(ADDRESS[12], "alias", "Teapot")
    assert renamed.returncode == 0, renamed.stderr
    assert "== Teapot - P110 ==" in kasa(ADDRESS[12], "state").stdout


def test_a_wrong_tp_link_id_is_refused(simulate: Any) -> None:
    port = free_port(ADDRESS[13])
    simulate(
        "--device", "KS225(US)_1.0", "--address", ADDRESS[13], "--http-port", str(port),
        "--device-login", "owner@example.com", "--device-password", "s3cret",
    )  # fmt: skip
    refused = kasa(ADDRESS[13], "state")  # the demo account is not this device's owner
    assert refused.returncode != 0
    assert "s3cret" not in refused.stdout + refused.stderr
    accepted = run_kasa(
        "--host", ADDRESS[13], "--username", "owner@example.com", "--password", "s3cret", "state"
    )
    assert accepted.returncode == 0, accepted.stderr
    assert "KS225" in accepted.stdout


async def _connect(host: str) -> Device:
    found = await Discover.discover_single(host, credentials=CREDENTIALS, discovery_timeout=5)
    assert found is not None, f"nothing answered discovery at {host}"
    await found.update()
    return found


@pytest.mark.anyio
async def test_python_kasa_library_drives_strip_hub_and_bulb(simulate: Any) -> None:
    port = free_port(ADDRESS[14])
    simulate(
        "--device", "P300(EU)_1.0=Strip", "--device", "H100(EU)_1.0=Hub",
        "--device", "L530E(EU)_3.0=Lamp",
        "--address", ADDRESS[14], "--address", ADDRESS[15], "--address", ADDRESS[16],
        "--http-port", str(port),
    )  # fmt: skip
    strip = await _connect(ADDRESS[14])
    hub = await _connect(ADDRESS[15])
    lamp = await _connect(ADDRESS[16])
    try:
        assert (strip.model, strip.alias) == ("P300", "Strip")
        assert [c.alias for c in strip.children] == ["Bedside lamp", "Phone charger", "Radio"]
        radio = strip.children[2]
        await radio.turn_on()
        await strip.update()
        assert strip.children[2].is_on
        await strip.children[2].turn_off()
        await strip.update()
        assert not strip.children[2].is_on

        assert {c.model for c in hub.children} == {"T310", "T110"}
        climate = next(c for c in hub.children if c.model == "T310")
        assert isinstance(climate.features["temperature"].value, float)
        assert 0 <= climate.features["humidity"].value <= 100
        door = next(c for c in hub.children if c.model == "T110")
        assert door.features["is_open"].value in (True, False)

        light = lamp.modules["Light"]
        await light.set_hsv(200, 60, 40)
        await lamp.update()
        assert tuple(lamp.modules["Light"].hsv) == (200, 60, 40)
        await light.set_color_temp(4000)
        await lamp.update()
        assert lamp.modules["Light"].color_temp == 4000
    finally:
        for device in (strip, hub, lamp):
            await device.disconnect()


def _read(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def every_capture() -> Iterator[dict[str, str]]:
    """One simulator serving every SMART capture, each on its own address: path -> address."""
    files = smart_capture_files()
    addresses = {str(f): private_address(100 + i) for i, f in enumerate(files)}
    args: list[str] = []
    for path, address in addresses.items():
        args += ["--device", path, "--address", address]
    process = SimulateProcess(*args, "--http-port", "0") if files else None
    if process is not None:
        process.start()
    try:
        yield addresses
    finally:
        if process is not None:
            process.stop()


@pytest.mark.anyio
@pytest.mark.parametrize("path", smart_capture_params())
async def test_python_kasa_reads_every_capture(
    path: Path | None, every_capture: dict[str, str]
) -> None:
    if path is None:
        pytest.fail("the SMART captures are missing (../shared/fixtures/kasa-smart)")
    data = _read(path)
    info = data["get_device_info"]
    device = await _connect(every_capture[str(path)])
    announced = data.get("discovery_result", {}).get("result", {}).get("mgt_encrypt_schm", {})
    try:
        # Served over the transport the capture announces (KLAP or AES), which python-kasa took.
        encryption = device.config.connection_type.encryption_type.value
        assert encryption == (announced.get("encrypt_type") or "KLAP")
        assert device.model == info["model"]
        assert device.hw_info["hw_ver"] == info["hw_ver"]
        assert device.hw_info["sw_ver"] == info["fw_ver"]
        children = data.get("get_child_device_list", {}).get("child_device_list", [])
        assert len(device.children) == len(children)
        if "device_on" in info:
            await device.turn_on()
            await device.update()
            assert device.is_on
            await device.turn_off()
            await device.update()
            assert not device.is_on
    finally:
        await device.disconnect()


def test_two_smart_devices_on_one_address_is_a_usage_error() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "kasacloud", "simulate", "--device", "P110(EU)_1.0",
         "--device", "KS225(US)_1.0", "--address", ADDRESS[19]],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "SMART devices need an address each" in result.stderr
    assert "Traceback" not in result.stderr
