"""The client's HTTP layer on aiohttp: a caller's shared session, TLS per request, redaction."""

from __future__ import annotations

import logging
import ssl
import uuid

import aiohttp
import pytest
from client_helpers import DEMO, client
from fault_proxy import FaultProxy
from test_tls import _ca, _leaf, _pem, x509

from kasacloud import KasaCloud
from kasacloud.client.errors import (
    AuthenticationError,
    CloudConnectionError,
    InvalidArgumentError,
    KasaCloudError,
)
from kasacloud.client.redact import MASK
from kasacloud.client.tls import ssl_context
from kasacloud.server import LocalCloud
from kasacloud.sync import KasaCloud as SyncKasaCloud

pytestmark = pytest.mark.anyio


async def test_a_shared_session_is_used_and_never_closed(shared_cloud: LocalCloud) -> None:
    sent: list[str] = []

    async def on_start(_s: object, _c: object, params: aiohttp.TraceRequestStartParams) -> None:
        sent.append(params.url.path)

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_start)
    async with aiohttp.ClientSession(trace_configs=[trace], raise_for_status=True) as shared:
        for _ in range(2):
            async with client(shared_cloud.url, session=shared) as cloud:
                assert cloud.session.http is shared
                await cloud.login(*DEMO)
                devices = await cloud.devices()
                assert devices
            assert not shared.closed  # aclose() left the caller's session open
        assert "/api/v2/account/login" in sent
        with pytest.raises(AuthenticationError):  # a cloud error, whatever the session's settings
            async with client(shared_cloud.url, session=shared) as cloud:
                await cloud.login("nobody@example.com", "demo")
    async with client(shared_cloud.url, session=shared) as cloud:
        with pytest.raises(KasaCloudError, match="ClientSession given to KasaCloud"):
            await cloud.login(*DEMO)


async def test_wrong_session_arguments_are_refused() -> None:
    with pytest.raises(InvalidArgumentError, match=r"aiohttp\.ClientSession"):
        KasaCloud(session=object())  # type: ignore[arg-type]
    async with aiohttp.ClientSession() as shared:
        with pytest.raises(InvalidArgumentError, match="async"):
            SyncKasaCloud(session=shared)


async def test_use_after_aclose_is_a_clear_error(shared_cloud: LocalCloud) -> None:
    cloud = client(shared_cloud.url)
    await cloud.login(*DEMO)
    await cloud.aclose()
    await cloud.aclose()  # twice is harmless
    with pytest.raises(KasaCloudError, match="closed"):
        await cloud.devices()


@pytest.mark.skipif(x509 is None, reason="needs the cryptography package (test extras)")
async def test_tls_context_goes_with_each_request_even_on_a_shared_session(
    shared_cloud: LocalCloud, tmp_path
) -> None:
    # a cloud behind TLS whose CA is in no trust store (like TP-Link's own CA)
    ca = _ca("test cloud CA")
    server_tls = _leaf(ca, "localhost", tmp_path, "cloud")
    (tmp_path / "ca.pem").write_bytes(_pem(ca[0]))
    with FaultProxy(shared_cloud.url, tls=server_tls) as proxy:
        assert proxy.url.startswith("https://")
        trusting = ssl_context([tmp_path / "ca.pem"])
        # a session made with no TLS setup at all: the client's context goes with each request
        async with aiohttp.ClientSession() as shared:
            async with client(proxy.url, verify=trusting, session=shared) as cloud:
                await cloud.login(*DEMO)
                assert await cloud.devices()
            # the same session, with the default context (public roots + TP-Link's): refused
            async with client(proxy.url, session=shared) as cloud:
                with pytest.raises(CloudConnectionError):
                    await cloud.login(*DEMO)
        async with client(proxy.url, verify=trusting) as cloud:  # and on the client's own pool
            await cloud.login(*DEMO)
            assert await cloud.device_list()


async def test_http_loggers_never_show_a_token(caplog) -> None:
    caplog.set_level(logging.DEBUG)
    url = "https://n-wap.tplinkcloud.com/?appName=Kasa_Android&token=SECRET-TOKEN-1&termID=x"
    # what aiohttp and asyncio may log: a URL in the arguments, an error whose text names it
    logging.getLogger("aiohttp.client").debug("request to %s", url)
    logging.getLogger("asyncio").warning("Unclosed response %s", aiohttp.client.URL(url))
    request_info = aiohttp.RequestInfo(aiohttp.client.URL(url), "POST", {}, aiohttp.client.URL(url))
    try:
        raise aiohttp.ClientResponseError(request_info, (), status=500)
    except aiohttp.ClientResponseError:
        logging.getLogger("aiohttp.internal").exception("failed")
    text = caplog.text
    assert "SECRET-TOKEN-1" not in text
    assert text.count(MASK) >= 3
    assert "failed" in text


def test_a_sync_client_makes_its_own_session(shared_cloud: LocalCloud) -> None:
    with SyncKasaCloud(url=shared_cloud.url, terminal_id=str(uuid.uuid4())) as cloud:
        cloud.login(*DEMO)
        assert isinstance(cloud.aio.session.http, aiohttp.ClientSession)
        assert cloud.devices()
    assert ssl.SSLContext  # the module is used for the fixtures' types


async def test_connections_are_kept_alive_and_bounded_by_max_concurrency(
    shared_cloud: LocalCloud,
) -> None:
    opened = reused = 0

    async def on_create(_s: object, _c: object, _p: object) -> None:
        nonlocal opened
        opened += 1

    async def on_reuse(_s: object, _c: object, _p: object) -> None:
        nonlocal reused
        reused += 1

    async with client(shared_cloud.url, max_concurrency=3) as cloud:
        trace = aiohttp.TraceConfig()
        trace.on_connection_create_end.append(on_create)
        trace.on_connection_reuseconn.append(on_reuse)
        trace.freeze()
        cloud.session.http.trace_configs.append(trace)
        await cloud.login(*DEMO)
        kettle = await cloud.device("Kettle")
        for _ in range(5):
            await kettle.update()  # one after another: one connection, kept alive
        assert opened == 1
        devices = await cloud.devices()
        await cloud.update_all(devices)  # a fan-out: never more connections than max_concurrency
        assert opened <= 3
        assert reused >= cloud.stats.requests - 3
