"""A tiny HTTP client for the server tests: real requests on loopback, nothing mocked."""

from __future__ import annotations

import json
from typing import Any

import httpx

from kasacloud.protocol import signing
from kasacloud.protocol.signing import KASA_APP, AppKey

DEMO = ("demo@example.com", "demo")
TERMINAL = "3c1e9a1e-0000-4000-8000-000000000001"
TIMEOUT = httpx.Timeout(10.0)


class Api:
    """Calls one server URL the way clients do."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.http = httpx.Client(timeout=TIMEOUT)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def v1(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        query: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        body = {"method": method, "params": params or {}}
        r = self.http.post(self.url + "/", json=body, params=query)
        assert r.status_code == 200, r.text
        return r.json()

    def login(
        self,
        email: str = DEMO[0],
        password: str = DEMO[1],
        *,
        terminal: str = TERMINAL,
        refresh: bool = False,
    ) -> dict[str, Any]:
        answer = self.v1(
            "login",
            {
                "appType": "Kasa_Android",
                "cloudUserName": email,
                "cloudPassword": password,
                "terminalUUID": terminal,
                "refreshTokenNeeded": refresh,
            },
        )
        assert answer["error_code"] == 0, answer
        return answer["result"]

    def token(self, email: str = DEMO[0], password: str = DEMO[1]) -> str:
        return str(self.login(email, password)["token"])

    def devices(self, token: str) -> list[dict[str, Any]]:
        answer = self.v1("getDeviceList", {"token": token})
        assert answer["error_code"] == 0, answer
        return list(answer["result"]["deviceList"])

    def passthrough(
        self, token: str, device_id: str, request: dict[str, Any], *, url: str | None = None
    ) -> dict[str, Any]:
        body = {
            "method": "passthrough",
            "params": {"deviceId": device_id, "token": token, "requestData": json.dumps(request)},
        }
        r = self.http.post((url or self.url) + "/", json=body)
        answer = r.json()
        if answer["error_code"] != 0:
            return answer
        return {"error_code": 0, "response": json.loads(answer["result"]["responseData"])}

    def sysinfo(self, token: str, device_id: str) -> dict[str, Any]:
        answer = self.passthrough(token, device_id, {"system": {"get_sysinfo": None}})
        assert answer["error_code"] == 0, answer
        return dict(answer["response"]["system"]["get_sysinfo"])

    def signed(
        self,
        path: str,
        body: dict[str, Any] | bytes,
        *,
        app: AppKey = KASA_APP,
        query: dict[str, str] | None = None,
        url: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        sign = signing.sign(app, raw, path)
        all_headers = {"Content-Type": "application/json;charset=UTF-8", **sign, **(headers or {})}
        r = self.http.post((url or self.url) + path, content=raw, headers=all_headers, params=query)
        assert r.status_code == 200, r.text
        return r.json()

    def v2_login_body(
        self, email: str = DEMO[0], password: str = DEMO[1], terminal: str = TERMINAL
    ) -> dict[str, Any]:
        return {
            "appType": "Kasa_Android_Mix",
            "appVersion": "3.4.451",
            "cloudPassword": password,
            "cloudUserName": email,
            "platform": "Android",
            "refreshTokenNeeded": True,
            "supportBindAccount": False,
            "terminalUUID": terminal,
            "terminalName": "test",
            "terminalMeta": "test",
        }


class RawConnection:
    """One keep-alive HTTP/1.1 connection, by hand: proves the server keeps it open after errors.

    httpx would reconnect behind the caller's back; this does not: a request on a connection the
    server closed fails here.
    """

    def __init__(self, url: str, timeout_s: float = 10.0) -> None:
        import socket
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        self.host = f"{parts.hostname}:{parts.port}"
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout_s)
        self.buffer = b""

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> RawConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def post(
        self, path: str, body: bytes, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        """Send one request; return (status, headers with lower-case names, body)."""
        lines = [f"POST {path} HTTP/1.1", f"Host: {self.host}", f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in (headers or {"Content-Type": "application/json"}).items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        head = self._read_until(b"\r\n\r\n")
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

    def _read_until(self, marker: bytes) -> bytes:
        while marker not in self.buffer:
            self._fill()
        head, _, self.buffer = self.buffer.partition(marker)
        return head

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self.buffer += chunk
