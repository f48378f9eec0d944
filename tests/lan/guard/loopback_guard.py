"""Keep the LAN tests on loopback: refuse (and record) any packet meant for outside 127.0.0.0/8.

Installed in the tests' own process by ``tests/lan/conftest.py`` and, through ``sitecustomize.py``
in this directory (put on ``PYTHONPATH``), in every Python process they start: ``kasacloud
simulate``, ``kasacloud adopt`` and python-kasa's ``kasa``. Every way a Python socket reaches
another host goes through one of the calls wrapped here: ``connect``/``connect_ex`` (TCP, and
connected UDP), ``sendto``/``sendmsg`` (UDP), and ``getaddrinfo`` (a name lookup would ask a DNS
server). A refused call raises ``PermissionError`` and is written to the file named by
``KASACLOUD_LOOPBACK_GUARD``, which the tests' fixture checks after each test, so that code which
swallows the error (a device "unreachable") still fails the test.

Binding is allowed anywhere (python-kasa's discovery binds ``0.0.0.0``): binding sends nothing.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from typing import Any

ENV = "KASACLOUD_LOOPBACK_GUARD"
_original = {
    "connect": socket.socket.connect,
    "connect_ex": socket.socket.connect_ex,
    "sendto": socket.socket.sendto,
    "sendmsg": socket.socket.sendmsg,
    "getaddrinfo": socket.getaddrinfo,
}


def _is_loopback(host: Any) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    try:
        address = ipaddress.ip_address(str(host).split("%")[0])
    except ValueError:
        return False
    if address.version == 6:
        return address.is_loopback  # ::1
    return address in ipaddress.ip_network("127.0.0.0/8")


def _refuse(what: str, target: Any) -> None:
    log = os.environ.get(ENV)
    if log:
        with open(log, "a", encoding="utf-8") as file:
            file.write(f"{os.getpid()} {what} {target!r}\n")
    raise PermissionError(f"the LAN tests may only reach 127.0.0.0/8; refused {what} {target!r}")


def _check(sock: socket.socket, what: str, address: Any) -> None:
    inet = sock.family in (socket.AF_INET, socket.AF_INET6)
    if inet and isinstance(address, tuple) and not _is_loopback(address[0]):
        _refuse(what, address)


def _connect(self: socket.socket, address: Any) -> None:
    _check(self, "connect", address)
    _original["connect"](self, address)


def _connect_ex(self: socket.socket, address: Any) -> int:
    _check(self, "connect", address)
    return int(_original["connect_ex"](self, address))


def _sendto(self: socket.socket, data: Any, *args: Any) -> int:
    _check(self, "sendto", args[-1] if args else None)
    return int(_original["sendto"](self, data, *args))


def _sendmsg(self: socket.socket, buffers: Any, *args: Any) -> int:
    if len(args) >= 3:
        _check(self, "sendmsg", args[2])
    return int(_original["sendmsg"](self, buffers, *args))


def _getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if host is not None:
        text = host.decode("ascii", "replace") if isinstance(host, bytes) else str(host)
        try:
            # A literal address needs no lookup; binding a wildcard is fine (nothing is sent).
            literal = ipaddress.ip_address(text.split("%")[0])
        except ValueError:
            if text != "localhost":
                _refuse("name lookup", text)
        else:
            if not literal.is_unspecified and not _is_loopback(text):
                _refuse("getaddrinfo", text)
    return _original["getaddrinfo"](host, *args, **kwargs)


def install() -> None:
    """Wrap the socket calls in this process (idempotent)."""
    socket.socket.connect = _connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _connect_ex  # type: ignore[method-assign]
    socket.socket.sendto = _sendto  # type: ignore[method-assign,assignment]
    socket.socket.sendmsg = _sendmsg  # type: ignore[method-assign]
    socket.getaddrinfo = _getaddrinfo


def take_violations() -> list[str]:
    """The refused calls recorded so far (in any process), forgetting them."""
    log = os.environ.get(ENV)
    if not log or not os.path.exists(log):
        return []
    with open(log, encoding="utf-8") as file:
        lines = [line.rstrip("\n") for line in file if line.strip()]
    with open(log, "w", encoding="utf-8"):
        pass
    return lines
