"""Building blocks of the wire fuzz suite: a grammar of valid requests, mutations, a raw client.

Requests are value trees encoded by hand, so that a tree can hold what ``json.dumps`` cannot
write: a document nested a thousand deep, a 5,000-digit number, ``NaN``, bytes that are not
UTF-8, a lone surrogate escape. :class:`Raw` leaves carry those bytes as they are.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from kasacloud.protocol import commands
from kasacloud.server import LocalCloud, LoginPolicy, ServerConfig

SCALE = int(os.environ.get("KASACLOUD_FUZZ_SCALE", "1"))
"""Multiplies every test's number of examples: 1 in CI, more for `python3 dev.py fuzz`."""


def budget(examples: int) -> int:
    """A test's number of examples at the current scale."""
    return examples * max(1, SCALE)


def fuzz_settings(examples: int) -> settings:
    """A fuzz test's settings: its budget at the current scale, no deadline (a request over
    loopback on a loaded machine is slow, not wrong), no example database (nothing written to
    the work tree), derandomized in CI so that a run is repeatable."""
    return settings(
        max_examples=budget(examples),
        deadline=None,
        database=None,
        derandomize=SCALE <= 1,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


MFA_EMAIL = "mfa@example.com"
DEMO = ("demo@example.com", "demo")


@dataclass
class Target:
    """A running cloud and what a valid request needs: tokens, device and outlet ids."""

    cloud: LocalCloud
    token: str
    refresh_token: str
    device_ids: list[str]
    child_ids: list[str]

    @property
    def url(self) -> str:
        return self.cloud.url


def fuzz_config() -> ServerConfig:
    # Limits off and a lenient login policy: the fuzzer's wrong passwords must not turn every
    # later answer into -20004 (the policy itself is tested in tests/server).
    lenient = LoginPolicy(
        address_free_failures=10**6,
        address_block_failures=10**6,
        account_protect_failures=10**6,
        mfa_max_wrong_codes=10**6,
    )
    return ServerConfig(
        account_rate_limit=None,
        address_rate_limit=None,
        login_policy=lenient,
        body_timeout_s=5,
        scrypt_n=2**10,  # a cheaper hash: the fuzzer signs in hundreds of times
    )


@dataclass(frozen=True)
class Raw:
    """A leaf written to the body exactly as these bytes."""

    data: bytes


def encode(value: Any) -> bytes:
    """Encode a value tree as JSON text, :class:`Raw` leaves verbatim."""
    if isinstance(value, Raw):
        return value.data
    if isinstance(value, dict):
        items = [json.dumps(str(k)).encode() + b":" + encode(v) for k, v in value.items()]
        return b"{" + b",".join(items) + b"}"
    if isinstance(value, list | tuple):
        return b"[" + b",".join(encode(v) for v in value) + b"]"
    return json.dumps(value).encode()


# --- mutations ----------------------------------------------------------------------------

deep_nesting = st.integers(30, 1500).map(lambda n: Raw(b"[" * n + b"]" * n))
deep_objects = st.integers(30, 1200).map(lambda n: Raw(b'{"a":' * n + b"1" + b"}" * n))
long_numbers = st.integers(33, 6000).map(lambda n: Raw(b"9" * n))
non_finite = st.sampled_from([b"NaN", b"Infinity", b"-Infinity", b"1e999", b"-1e400"]).map(Raw)
lone_surrogates = st.sampled_from(
    [b'"\\ud800"', b'"\\udfff"', b'"x\\ud83d"', b'"\\udc00\\ud800"', b'"a\\ud800b"']
).map(Raw)
not_utf8 = st.sampled_from([b'"\xff"', b'"\xed\xa0\x80"', b'"\xc3"', b'"\x80abc"']).map(Raw)
odd_text = st.text(
    alphabet=st.characters(codec="utf-8", categories=["Cc", "Cf", "Zl", "Zp", "So", "Lo", "Zs"]),
    max_size=40,
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    odd_text,
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
mutants = st.one_of(
    deep_nesting,
    deep_objects,
    long_numbers,
    non_finite,
    lone_surrogates,
    not_utf8,
    json_values,
    st.text(min_size=1000, max_size=5000),
)


@st.composite
def mutated(draw: st.DrawFn, value: dict[str, Any]) -> dict[str, Any]:
    """``value`` with some of its leaves (or keys) replaced by mutants, or left valid."""
    out = dict(value)
    for key in list(out):
        if draw(st.integers(0, 4)) == 0:
            out[key] = draw(mutants)
    if draw(st.integers(0, 5)) == 0:
        out[draw(st.one_of(st.text(max_size=10), st.sampled_from(["\ud800x"])))] = draw(mutants)
    if out and draw(st.integers(0, 8)) == 0:
        del out[draw(st.sampled_from(sorted(out)))]
    return out


@st.composite
def byte_mutated(draw: st.DrawFn, body: bytes) -> bytes:
    """Mostly ``body`` itself; sometimes cut short, padded with garbage, or with a byte changed."""
    choice = draw(st.integers(0, 9))
    if choice == 0 and body:
        return body[: draw(st.integers(0, len(body) - 1))]
    if choice == 1:
        return body + draw(st.binary(min_size=1, max_size=20))
    if choice == 2 and body:
        at = draw(st.integers(0, len(body) - 1))
        return body[:at] + draw(st.binary(min_size=1, max_size=3)) + body[at + 1 :]
    if choice == 3:
        return draw(st.binary(max_size=200))
    return body


# --- device commands (requestData) --------------------------------------------------------

_COMMANDS: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    commands.SYSTEM: {
        commands.GET_SYSINFO: st.none(),
        commands.SET_RELAY_STATE: st.fixed_dictionaries({"state": st.sampled_from([0, 1])}),
        commands.SET_LED_OFF: st.fixed_dictionaries({"off": st.sampled_from([0, 1])}),
        commands.SET_DEV_ALIAS: st.fixed_dictionaries({"alias": st.text(max_size=40)}),
    },
    commands.EMETER: {
        commands.GET_REALTIME: st.none(),
        commands.GET_DAYSTAT: st.fixed_dictionaries(
            {"year": st.integers(1990, 2100), "month": st.integers(0, 13)}
        ),
        commands.GET_MONTHSTAT: st.fixed_dictionaries({"year": st.integers(1990, 2100)}),
    },
    commands.LIGHTING: {
        commands.GET_LIGHT_STATE: st.none(),
        commands.TRANSITION_LIGHT_STATE: st.fixed_dictionaries(
            {},
            optional={
                "on_off": st.sampled_from([0, 1]),
                "brightness": st.integers(-5, 110),
                "hue": st.integers(-5, 400),
                "saturation": st.integers(-5, 110),
                "color_temp": st.integers(0, 10000),
                "transition_period": st.integers(0, 20000),
            },
        ),
    },
    commands.DIMMER: {
        commands.SET_BRIGHTNESS: st.fixed_dictionaries({"brightness": st.integers(-5, 110)}),
        commands.GET_DIMMER_PARAMETERS: st.none(),
    },
    commands.COUNT_DOWN: {
        commands.GET_RULES: st.none(),
        commands.ADD_RULE: st.fixed_dictionaries(
            {
                "enable": st.sampled_from([0, 1]),
                "delay": st.integers(-10, 100000),
                "act": st.sampled_from([0, 1]),
                "name": st.text(max_size=20),
            }
        ),
        commands.DELETE_ALL_RULES: st.none(),
    },
    commands.SCHEDULE: {commands.GET_RULES: st.none(), commands.GET_NEXT_ACTION: st.none()},
    commands.TIME: {
        commands.GET_TIME: st.none(),
        commands.SET_TIMEZONE: st.fixed_dictionaries({"index": st.integers(-5, 120)}),
    },
    commands.CLOUD: {commands.GET_INFO: st.none()},
}


@st.composite
def device_request(draw: st.DrawFn, child_ids: list[str]) -> dict[str, Any]:
    """A device command of a few modules, maybe addressed to outlets, maybe mutated."""
    request: dict[str, Any] = {}
    for module in draw(st.lists(st.sampled_from(sorted(_COMMANDS)), min_size=1, max_size=3)):
        methods = _COMMANDS[module]
        name = draw(st.sampled_from(sorted(methods)))
        args = draw(methods[name])
        if isinstance(args, dict) and draw(st.integers(0, 3)) == 0:
            args = draw(mutated(args))
        request[module] = {name: args}
    if child_ids and draw(st.integers(0, 4)) == 0:
        request["context"] = {"child_ids": draw(st.lists(st.sampled_from(child_ids), max_size=2))}
    if draw(st.integers(0, 6)) == 0:
        request[draw(st.text(max_size=12))] = draw(mutants)
    return request


def request_data(request: dict[str, Any], as_string: bool) -> Any:
    """``requestData`` as the JSON string most clients send, or as the object itself."""
    if as_string:
        # Bytes that are not UTF-8 become lone surrogates here, escaped by the outer encoding.
        return encode(request).decode("utf-8", "surrogateescape")
    return request


# --- the wire -----------------------------------------------------------------------------


def query_string(params: dict[str, str]) -> str:
    """Percent-encode a query (keys and values may hold any byte, as latin-1 text)."""

    def part(text: str) -> str:
        return quote(text.encode("utf-8", "surrogatepass"), safe="")

    return "&".join(f"{part(k)}={part(v)}" for k, v in params.items())


class RawConnection:
    """One keep-alive HTTP/1.1 connection; a request on a connection the server dropped fails."""

    def __init__(self, url: str, timeout_s: float = 20.0) -> None:
        parts = urlsplit(url)
        self.address = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.host = f"{self.address[0]}:{self.address[1]}"
        self.timeout_s = timeout_s
        self.sock: socket.socket | None = None
        self.buffer = b""
        self.connects = 0

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def reconnect(self) -> None:
        self.close()
        self.sock = socket.create_connection(self.address, timeout=self.timeout_s)
        self.buffer = b""
        self.connects += 1

    def post(
        self, target: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        """Send one request; return (status, lower-case headers, body).

        Raises:
            ConnectionError: the server closed the connection.
        """
        if self.sock is None:
            self.reconnect()
        assert self.sock is not None
        lines = [f"POST {target} HTTP/1.1", f"Host: {self.host}", f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        answer_headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            answer_headers[name.strip().lower()] = value.strip()
        length = int(answer_headers.get("content-length", "0"))
        while len(self.buffer) < length:
            self._fill()
        content, self.buffer = self.buffer[:length], self.buffer[length:]
        return int(status_line.split()[1]), answer_headers, content

    def _fill(self) -> None:
        assert self.sock is not None
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self.buffer += chunk


def assert_cloud_answer(
    status: int, headers: dict[str, str], content: bytes, sent: bytes
) -> dict[str, Any]:
    """The answer is the cloud's error shape (or a success), never a 5xx, on an open connection."""
    shown = sent[:300]
    assert status < 500, (status, content[:300], shown)
    assert status in (200, 413), (status, content[:300], shown)
    assert headers.get("connection", "").lower() != "close", shown
    answer = json.loads(content)
    assert isinstance(answer, dict), shown
    code = answer.get("error_code")
    assert isinstance(code, int), (answer, shown)
    assert not isinstance(code, bool), (answer, shown)
    if code == 0:
        assert isinstance(answer.get("result"), dict), (answer, shown)
    else:
        assert isinstance(answer.get("msg"), str), (answer, shown)
        assert answer["msg"], (answer, shown)
    return answer
