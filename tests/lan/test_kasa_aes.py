"""python-kasa against simulated SMART devices served over the older "AES" LAN transport.

``kasacloud simulate`` (in another process) serves the device over ``POST /app`` (RSA handshake,
``login_device``, ``securePassthrough``) on a loopback address of this test process's own;
python-kasa's ``kasa`` command and library pick their AES transport from the discovery answer,
or are told to (``--encrypt-type aes``, a ``DeviceConfig``), read and switch the device, and are
refused with a wrong password.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from kasa import Credentials, Device, DeviceConfig, Discover
from kasa.deviceconfig import DeviceConnectionParameters, DeviceEncryptionType, DeviceFamily
from kasa.exceptions import AuthenticationError
from lan_helpers import free_port, private_address, run_kasa

from captures import smart_capture_files

pytestmark = pytest.mark.slow

LOGIN = ("demo@example.com", "demo")
ADDRESS = {i: private_address(i) for i in range(30, 40)}


def kasa(host: str, *args: str, password: str = LOGIN[1]) -> Any:
    return run_kasa("--host", host, "--username", LOGIN[0], "--password", password, *args)


def test_kasa_command_finds_reads_and_switches_an_aes_device(simulate: Any) -> None:
    host = ADDRESS[30]
    port = free_port(host)
    sim = simulate(
        "--device", "P110(EU)_1.0=Kettle", "--address", host, "--http-port", str(port),
        "--encryption", "aes",
    )  # fmt: skip
    assert sim.lines[0].startswith(f"{host}:{port}  P110(EU)  'Kettle'")
    assert sim.lines[0].endswith("(SMART, AES)")
    state = kasa(host, "state")  # by discovery: the answer says AES, python-kasa follows
    assert state.returncode == 0, state.stderr
    assert "== Kettle - P110 ==" in state.stdout
    assert "Device state: False" in state.stdout
    for command, shown in (("on", "True"), ("off", "False"), ("on", "True")):
        switched = kasa(host, command)
        assert switched.returncode == 0, switched.stderr
        assert f"Device state: {shown}" in kasa(host, "state").stdout
    renamed = kasa(host, "alias", "Teapot")
    assert renamed.returncode == 0, renamed.stderr

    # Without discovery, told the transport: login version 2 (python-kasa's default) and 1.
    for version in ("2", "1"):
        direct = kasa(
            host, "--port", str(port), "--device-family", "SMART.TAPOPLUG",
            "--encrypt-type", "aes", "--login-version", version, "state",
        )  # fmt: skip
        assert direct.returncode == 0, direct.stderr
        assert "== Teapot - P110 ==" in direct.stdout
        assert "Device state: True" in direct.stdout

    # A device answers one transport: KLAP's handshake is not there.
    klap = kasa(host, "--port", str(port), "--type", "smart", "--encrypt-type", "klap", "state")
    assert klap.returncode != 0
    assert "404" in klap.stdout + klap.stderr


def test_a_wrong_password_is_refused_over_aes(simulate: Any) -> None:
    host = ADDRESS[31]
    port = free_port(host)
    simulate(
        "--device", "KS225(US)_1.0", "--address", host, "--http-port", str(port),
        "--encryption", "aes", "--device-login", "owner@example.com",
        "--device-password", "s3cret",
    )  # fmt: skip
    refused = run_kasa(
        "--host", host, "--username", "owner@example.com", "--password", "wrong", "state"
    )
    assert refused.returncode != 0
    assert "LOGIN_ERROR" in refused.stdout + refused.stderr
    assert "s3cret" not in refused.stdout + refused.stderr
    other = kasa(host, "state")  # the demo account is not this device's owner
    assert other.returncode != 0
    accepted = run_kasa(
        "--host", host, "--username", "owner@example.com", "--password", "s3cret", "state"
    )
    assert accepted.returncode == 0, accepted.stderr
    assert "KS225" in accepted.stdout


def _aes_config(host: str, port: int, password: str, login_version: int | None) -> DeviceConfig:
    connection = DeviceConnectionParameters(
        DeviceFamily.SmartTapoPlug, DeviceEncryptionType.Aes, login_version=login_version,
        http_port=port,
    )  # fmt: skip
    return DeviceConfig(
        host=host,
        timeout=5,
        credentials=Credentials(LOGIN[0], password),
        connection_type=connection,
    )


@pytest.mark.anyio
async def test_python_kasa_library_over_aes(simulate: Any) -> None:
    aes_captures = [
        p
        for p in smart_capture_files()
        if json.loads(p.read_text(encoding="utf-8"))
        .get("discovery_result", {})
        .get("result", {})
        .get("mgt_encrypt_schm", {})
        .get("encrypt_type")
        == "AES"
    ]
    assert aes_captures, "no AES capture in ../shared/fixtures/kasa-smart"
    plug = next(p for p in aes_captures if p.name.startswith("P110"))
    host, strip_host = ADDRESS[32], ADDRESS[33]
    port = free_port(host)
    strip = next(p for p in aes_captures if p.name.startswith("KS240"))
    sim = simulate(
        "--device", f"{plug}=Desk", "--device", f"{strip}=Gangs", "--address", host,
        "--address", strip_host, "--http-port", str(port),
    )  # fmt: skip
    assert all(line.endswith("(SMART, AES)") for line in sim.lines[:2])  # as the captures say

    found = await Discover.discover_single(
        host, credentials=Credentials(*LOGIN), discovery_timeout=5
    )
    assert found is not None
    try:
        assert found.config.connection_type.encryption_type is DeviceEncryptionType.Aes
        await found.update()
        assert found.alias == "Desk"
        await found.turn_on()
        await found.update()
        assert found.is_on
    finally:
        await found.disconnect()

    # Told the transport, login version 1 (the password itself, base64): the same device.
    device = await Device.connect(config=_aes_config(host, port, LOGIN[1], None))
    try:
        assert device.is_on
        await device.turn_off()
        await device.update()
        assert not device.is_on
    finally:
        await device.disconnect()

    gangs = await Device.connect(config=_aes_config(strip_host, port, LOGIN[1], 2))
    try:
        assert len(gangs.children) > 1
        first = gangs.children[0]
        await first.turn_on()
        await gangs.update()
        assert gangs.children[0].is_on
    finally:
        await gangs.disconnect()

    with pytest.raises(AuthenticationError):
        await Device.connect(config=_aes_config(host, port, "wrong", 2))


def test_encryption_klap_overrides_an_aes_capture(simulate: Any) -> None:
    capture = next(p for p in smart_capture_files() if p.name.startswith("P100"))
    host = ADDRESS[35]
    port = free_port(host)
    sim = simulate("--device", f"{capture}=Fan", "--address", host, "--http-port", str(port),
                   "--encryption", "KLAP")  # fmt: skip
    assert sim.lines[0].endswith("(SMART, KLAP)")
    state = kasa(host, "state")
    assert state.returncode == 0, state.stderr
    assert "== Fan - P100 ==" in state.stdout
    aes = kasa(host, "--port", str(port), "--type", "smart", "--encrypt-type", "aes", "state")
    assert aes.returncode != 0  # KLAP only now: no POST /app


class _RawAes:
    """The AES transport's wire, spoken by hand: what python-kasa does not show (error codes)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx.Client(timeout=10)
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=1024)
        self.cipher: Cipher[modes.CBC] | None = None

    def post(self, body: dict[str, Any], token: str | None = None) -> dict[str, Any]:
        params = {"token": token} if token else None
        response = self.http.post(self.url, json=body, params=params)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def handshake(self) -> None:
        pem = self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        answer = self.post({"method": "handshake", "params": {"key": pem.decode()}})
        assert answer["error_code"] == 0, answer
        assert self.http.cookies.get("TP_SESSIONID")
        key_iv = self.private.decrypt(base64.b64decode(answer["result"]["key"]),
                                      rsa_padding.PKCS1v15())  # fmt: skip
        self.cipher = Cipher(algorithms.AES(key_iv[:16]), modes.CBC(key_iv[16:]))

    def secure(self, request: dict[str, Any], token: str | None = None) -> dict[str, Any]:
        assert self.cipher is not None
        padder = padding.PKCS7(128).padder()
        data = padder.update(json.dumps(request).encode()) + padder.finalize()
        encryptor = self.cipher.encryptor()
        sealed = base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode()
        outer = self.post(
            {"method": "securePassthrough", "params": {"request": sealed}}, token=token
        )
        if outer["error_code"] != 0:
            return outer
        decryptor = self.cipher.decryptor()
        padded = decryptor.update(base64.b64decode(outer["result"]["response"]))
        unpadder = padding.PKCS7(128).unpadder()
        plain = unpadder.update(padded + decryptor.finalize()) + unpadder.finalize()
        return dict(json.loads(plain))


def _login(email: str, password: str) -> dict[str, Any]:
    import hashlib

    def b64_sha1(text: str) -> str:
        digest = hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()
        return base64.b64encode(digest.encode()).decode()

    return {"method": "login_device", "params": {"username": b64_sha1(email),
                                                  "password2": b64_sha1(password)}}  # fmt: skip


def test_the_aes_wire_and_its_error_codes(simulate: Any) -> None:
    host = ADDRESS[34]
    port = free_port(host)
    simulate("--device", "P110(EU)_1.0", "--address", host, "--http-port", str(port),
             "--encryption", "aes")  # fmt: skip
    raw = _RawAes(f"http://{host}:{port}/app")
    # Before any handshake: an unknown session (9999, the client starts over).
    assert raw.post({"method": "securePassthrough", "params": {"request": "AAAA"}}) == {
        "error_code": 9999
    }
    assert raw.post({"method": "handshake", "params": {"key": "not a key"}})["error_code"] == 1100
    raw.handshake()
    # Logged in not yet: refused, as with another session's token.
    assert raw.secure({"method": "get_device_info"})["error_code"] == -1501
    assert raw.secure(_login(LOGIN[0], "wrong")) == {"error_code": -1501}
    logged = raw.secure(_login(*LOGIN))
    assert logged["error_code"] == 0
    token = logged["result"]["token"]
    assert raw.secure({"method": "get_device_info"}, token="0" * 32)["error_code"] == -1501
    info = raw.secure({"method": "get_device_info"}, token=token)
    assert info["error_code"] == 0
    assert info["result"]["model"] == "P110"
    assert raw.secure({"method": "no_such_method"}, token=token) == {"error_code": -1002}
    garbled = raw.post({"method": "securePassthrough", "params": {"request": "%%%"}}, token=token)
    assert garbled == {"error_code": -1005}
