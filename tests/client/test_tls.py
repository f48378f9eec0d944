"""TLS trusts TP-Link's CA beside the system store and certifi, never instead of them."""

from __future__ import annotations

import datetime as dt
import os
import ssl
from pathlib import Path

import certifi
import pytest

from kasacloud.client.tls import ssl_context, tplink_ca_pem


def test_the_bundled_chain_is_tplinks_ca() -> None:
    pem = tplink_ca_pem()
    assert pem.count("BEGIN CERTIFICATE") == 2
    ctx = ssl.create_default_context(cadata=pem)
    names = {dict(x[0] for x in c["subject"])["commonName"] for c in ctx.get_ca_certs()}
    assert names == {"TP-LINK CA P1", "tp-link-CA"}


def test_default_context_keeps_public_roots_and_verifies() -> None:
    ctx = ssl_context()
    assert ctx.verify_mode == ssl.CERT_REQUIRED
    assert ctx.check_hostname
    certifi_count = len(ssl.create_default_context(cafile=certifi.where()).get_ca_certs())
    names = [dict(x[0] for x in c["subject"]).get("commonName") for c in ctx.get_ca_certs()]
    assert "TP-LINK CA P1" in names
    assert "tp-link-CA" in names
    assert len(names) >= certifi_count + 2  # beside the public roots, not instead


try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
except ImportError:  # pragma: no cover - depends on the environment
    x509 = None  # type: ignore[assignment]


def _ca(name: str) -> tuple[object, object]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _leaf(ca: tuple[object, object], host: str, directory: Path, name: str) -> ssl.SSLContext:
    ca_cert, ca_key = ca
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
        .issuer_name(ca_cert.subject)  # type: ignore[attr-defined]
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .sign(ca_key, hashes.SHA256())  # type: ignore[arg-type]
    )
    cert_file, key_file = directory / f"{name}.pem", directory / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_file, key_file)
    return server


def _handshake(client: ssl.SSLContext, server: ssl.SSLContext, host: str) -> None:
    """A TLS handshake in memory (no sockets): raises ssl.SSLError when the client refuses."""
    c_in, c_out, s_in, s_out = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
    c = client.wrap_bio(c_in, c_out, server_hostname=host)
    s = server.wrap_bio(s_in, s_out, server_side=True)
    done = {"c": False, "s": False}
    for _ in range(10):
        for side, obj in (("c", c), ("s", s)):
            if not done[side]:
                try:
                    obj.do_handshake()
                    done[side] = True
                except ssl.SSLWantReadError:
                    pass
        s_in.write(c_out.read())
        c_in.write(s_out.read())
        if all(done.values()):
            return
    raise AssertionError("handshake did not finish")


def _pem(cert: object) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)  # type: ignore[attr-defined]


def test_extra_ca_is_trusted_beside_the_system_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if x509 is None:
        if os.environ.get("CI") == "true":
            pytest.fail("the TLS test needs the 'cryptography' package (add it to the test extra)")
        pytest.skip("needs the 'cryptography' package to make test CAs (not installed here)")
    system, tplink, stranger = _ca("System Root"), _ca("TP-LINK CA P1 (test)"), _ca("Stranger")
    (tmp_path / "system.pem").write_bytes(_pem(system[0]))
    (tmp_path / "tplink.pem").write_bytes(_pem(tplink[0]))
    # stand in for the operating system's store: OpenSSL's default verify file
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "system.pem"))
    ctx = ssl_context([tmp_path / "tplink.pem"])
    _handshake(ctx, _leaf(system, "public.example", tmp_path, "a"), "public.example")
    _handshake(ctx, _leaf(tplink, "n-wap.example", tmp_path, "b"), "n-wap.example")
    with pytest.raises(ssl.SSLCertVerificationError):
        _handshake(ctx, _leaf(stranger, "evil.example", tmp_path, "c"), "evil.example")
    with pytest.raises(ssl.SSLCertVerificationError):  # hostnames are checked too
        _handshake(ctx, _leaf(tplink, "n-wap.example", tmp_path, "d"), "other.example")
