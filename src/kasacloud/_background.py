"""uvicorn in a background thread: how LocalCloud and DashboardServer run beside a caller."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Sequence

import uvicorn

START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 15.0


class BackgroundServer:
    """Run ``server`` on already bound ``sockets`` in a daemon thread.

    :meth:`start` returns once uvicorn accepts connections (or raises ``RuntimeError``);
    :meth:`stop` asks it to finish and waits for the thread.
    """

    def __init__(self, server: uvicorn.Server, sockets: Sequence[socket.socket], name: str) -> None:
        self.server = server
        self._sockets = list(sockets)
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": self._sockets}, name=name, daemon=True
        )

    def start(self, timeout_s: float = START_TIMEOUT_S) -> None:
        """Start the thread; return once the server is up."""
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self._thread.name} did not start")
            time.sleep(0.01)

    def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> None:
        """Ask the server to exit, wait for its thread, and close the sockets."""
        self.server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=timeout_s)
        for sock in self._sockets:
            sock.close()
