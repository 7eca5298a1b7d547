"""Health, readiness and metrics over HTTP (the ASGI app, no network)."""

import httpx

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
