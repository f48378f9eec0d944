"""The blocking client's life: never closed, closed twice, used after close, closed elsewhere."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import textwrap
import threading
import time
import uuid

import pytest
from client_helpers import DEMO

from kasacloud import KasaCloudError
from kasacloud.server import LocalCloud, ServerConfig
from kasacloud.sync import KasaCloud

EXIT_GUARD_S = 90  # only a hang reaches it


@pytest.mark.parametrize("variant", ["plain", "device_kept", "thread_in_flight"])
def test_a_script_that_never_closes_its_client_exits(
    shared_cloud: LocalCloud, tmp_path, variant: str
) -> None:
    script = textwrap.dedent(
        f"""
        import sys, threading
        import kasacloud.sync
        c = kasacloud.sync.KasaCloud(url=sys.argv[1])
        c.login({DEMO[0]!r}, {DEMO[1]!r})
        devices = c.devices()
        print(len(devices), "devices")
        if {variant!r} == "device_kept":
            kettle = c.device("Kettle")
            kettle.update()
            del c  # the device view keeps its client alive; the exit must still close it
            print("kettle", kettle.is_on is not None)
        if {variant!r} == "thread_in_flight":
            # a non-daemon thread of the script's own, still calling when the main thread ends
            def loop():
                for _ in range(3):
                    c.device_list()
                print("thread done", flush=True)
            threading.Thread(target=loop).start()
        """
    )
    env = dict(os.environ, KASACLOUD_CONFIG_DIR=str(tmp_path / "config"))
    done = subprocess.run(
        [sys.executable, "-c", script, shared_cloud.url],
        capture_output=True, text=True, timeout=EXIT_GUARD_S, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "devices" in done.stdout
    assert "Traceback" not in done.stderr
    assert "Unclosed" not in done.stderr  # the pool was closed at exit, not abandoned
    if variant == "device_kept":
        assert "kettle True" in done.stdout
    if variant == "thread_in_flight":
        assert "thread done" in done.stdout


def _client(url: str) -> KasaCloud:
    return KasaCloud(url=url, terminal_id=str(uuid.uuid4()))


def test_close_twice_and_use_after_close(shared_cloud: LocalCloud) -> None:
    cloud = _client(shared_cloud.url)
    cloud.login(*DEMO)
    kettle = cloud.device("Kettle")
    loop_thread = cloud._loop._thread
    cloud.close()
    cloud.close()
    assert cloud.closed
    assert not loop_thread.is_alive()
    for call in (cloud.devices, kettle.update, kettle.turn_on, lambda: cloud.login(*DEMO)):
        with pytest.raises(KasaCloudError, match="closed: create a new one"):
            call()
    with cloud:  # a context manager over a closed client closes nothing twice
        pass


def test_close_from_another_thread_while_a_call_is_in_flight(fake_kit) -> None:
    config = ServerConfig(device_timeout_s=60)
    with LocalCloud(config=config, kit=fake_kit) as server:
        cloud = KasaCloud(url=server.url, terminal_id=str(uuid.uuid4()), timeout_s=60)
        cloud.login(*DEMO)
        kettle = cloud.device("Kettle")
        server.device(kettle.unwrap().device_id).hang = True  # type: ignore[attr-defined]
        errors: list[BaseException] = []

        def call() -> None:
            try:
                kettle.turn_on()
            except BaseException as exc:
                errors.append(exc)

        caller = threading.Thread(target=call)
        caller.start()
        closer = threading.Thread(target=cloud.close)
        # let the call reach the hanging device (if it has not yet, it is refused as closed:
        # the same outcome, asserted below)
        time.sleep(0.5)
        closer.start()
        closer.join(EXIT_GUARD_S)
        caller.join(EXIT_GUARD_S)
        assert not closer.is_alive()
        assert not caller.is_alive()
        assert cloud.closed
        assert len(errors) == 1
        assert isinstance(errors[0], KasaCloudError), repr(errors[0])
        assert "closed" in str(errors[0])


def test_a_client_nobody_keeps_closes_itself(shared_cloud: LocalCloud) -> None:
    cloud = _client(shared_cloud.url)
    cloud.login(*DEMO)
    loop_thread = cloud._loop._thread
    assert loop_thread.is_alive()
    del cloud
    gc.collect()
    loop_thread.join(EXIT_GUARD_S)
    assert not loop_thread.is_alive()
