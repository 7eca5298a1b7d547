"""Health, readiness and metrics over HTTP (the ASGI app, no network)."""

import socket

import httpx
import pytest

from bot.compose import _listen, parse_bind
from bot.core.errors import CannotStart
from bot.testing.builders import command
from bot.testing.harness import Harness
from bot.web.app import make_app


def _client(h: Harness) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=make_app(h.porch)), base_url="http://porch"
    )


async def test_healthz_answers_while_the_process_lives(harness: Harness) -> None:
    async with _client(harness) as client:
        response = await client.get("/healthz")
    assert (response.status_code, response.text) == (200, "ok")


async def test_readyz_is_ready_once_started_and_not_after_stopping(harness: Harness) -> None:
    async with _client(harness) as client:
        ready = await client.get("/readyz")
        await harness.porch.stop()
        stopped = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"ready": True, "platforms": ["memory"]}
    assert stopped.status_code == 503 and "adapters are not started" in stopped.json()["problems"]


async def test_metrics_count_events_duplicates_and_deliveries_without_member_ids(
    harness: Harness,
) -> None:
    event = command("alice-secret-id", "/porch ping")
    await harness.send(event, event)
    async with _client(harness) as client:
        text = (await client.get("/metrics")).text
    assert 'porch_events_total{kind="CommandInvoked"} 1.0' in text
    assert "porch_events_duplicate_total 1.0" in text
    assert 'porch_outbox_delivered_total{platform="memory"} 1.0' in text
    assert "alice-secret-id" not in text


@pytest.mark.parametrize("bind", ["nonsense", "127.0.0.1:abc", "127.0.0.1:99999", "127.0.0.1:0"])
def test_an_http_address_without_a_usable_port_is_refused_with_an_example(bind: str) -> None:
    with pytest.raises(CannotStart, match=r"--http wants HOST:PORT .* such as 127.0.0.1:8080"):
        parse_bind(bind)


def test_an_http_address_without_a_host_listens_on_the_loopback() -> None:
    assert parse_bind(":8080") == ("127.0.0.1", 8080)


def test_a_port_already_in_use_is_refused_before_porch_starts() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(CannotStart, match=f"cannot listen on 127.0.0.1:{port}: .*in use"):
            _listen(f"127.0.0.1:{port}")


def test_a_host_that_is_no_address_is_refused_with_what_to_use_instead() -> None:
    with pytest.raises(
        CannotStart, match=r"cannot listen on 999\.1\.1\.1:8080: .*127\.0\.0\.1:8080"
    ):
        _listen("999.1.1.1:8080")
