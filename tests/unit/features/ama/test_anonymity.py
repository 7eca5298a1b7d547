"""An anonymous asker is visible to nobody through Porch: not in any message others get, not in
the Outbox, the audit log, the logs, the metrics or the export. Only replies addressed to the
asker (their confirmation, a refused self-vote, a decline reason) carry their id, as recipient."""

import json
import logging
from datetime import timedelta

import httpx
import pytest
from sqlmodel import select

from bot.core.actions import ACTION_ADAPTER, PublishHome
from bot.core.events import HomeOpened
from bot.store.models import AuditEntry, OutboxItem, PromptRecord, TimerRecord
from bot.testing.builders import T0, command, picked, reacted
from bot.web.app import make_app
from tests.unit.features.ama.kit import by_key, harness

ASKER = "asker-7f3a9c"


def home_opened(member: str) -> HomeOpened:
    return HomeOpened(platform="memory", dedupe_key=f"home:{member}", occurred_at=T0, member=member)


def _addressed_to_asker(action: dict[str, object]) -> bool:
    return action.get("member") == ASKER


async def test_an_anonymous_askers_id_appears_in_nothing_anybody_else_can_see(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with harness(database_url) as h:
        await h.send(command("dana", '/ama start "Layoffs?" --host @lee --moderated'))
        await h.send(command(ASKER, "/ama ask Is my team safe?"))
        await h.send(command(ASKER, "/ama ask --channel #general Rude one", direct=True))
        await h.send(picked("mo", "ama:1:q:1:review", "approve"))
        await h.send(command(ASKER, '/ama edit 1 "Is my team safe in 2027?"'))
        message = by_key(h, "ama:1:q:1").message_id
        await h.send(command(ASKER, "/ama vote 1"), reacted(ASKER, message, "👍"))
        await h.send(picked(ASKER, "ama:1:q:1", "up"), command("bob", "/ama vote 1"))
        await h.send(command("lee", '/ama decline 2 "Not the place."'))
        await h.send(command("lee", "/ama list"), command("lee", "/ama next"))
        await h.send(home_opened("lee"), home_opened("mo"), home_opened("dana"))
        await h.send(command("lee", '/ama answer 1 "Yes."'), command("lee", "/ama end"))
        await h.advance(timedelta(seconds=5))
        await h.send(command("lee", "/ama export"))
        export = h.adapter.texts()[-1]
        transport = httpx.ASGITransport(app=make_app(h.porch))
        async with httpx.AsyncClient(transport=transport, base_url="http://porch") as client:
            metrics = (await client.get("/metrics")).text
        assert "porch_events_total" in metrics
        assert export.startswith("# AMA: Layoffs?") and "anonymous" in export

        seen_by_others = [
            ACTION_ADAPTER.dump_json(e.action).decode()
            for e in h.adapter.executed
            if getattr(e.action, "member", None) != ASKER
        ]
        with h.store.transaction() as s:
            outbox = [
                json.dumps({"key": o.key, "rate_key": o.rate_key, "action": o.action})
                for o in s.exec(select(OutboxItem))
                if not _addressed_to_asker(o.action)
            ]
            audit = [json.dumps(a.model_dump(mode="json")) for a in s.exec(select(AuditEntry))]
            timers = [json.dumps(t.model_dump(mode="json")) for t in s.exec(select(TimerRecord))]
            prompts = [json.dumps(p.model_dump(mode="json")) for p in s.exec(select(PromptRecord))]
        everything = {
            "adapter output": seen_by_others,
            "outbox rows": outbox,
            "audit": audit,
            "timers": timers,
            "prompts": prompts,
            "logs": [caplog.text],
            "metrics": [metrics],
            "export": [export],
        }
        assert len(seen_by_others) > 10 and len(outbox) > 10 and audit
        homes = [e for e in h.adapter.executed if isinstance(e.action, PublishHome)]
        assert len(homes) == 3 and all("Layoffs?" in e.action.message.text for e in homes)
        leaks = {where: [x for x in texts if ASKER in x] for where, texts in everything.items()}
        assert leaks == {where: [] for where in everything}
        private = [
            e.action.message.text  # type: ignore[union-attr]
            for e in h.adapter.executed
            if getattr(e.action, "member", None) == ASKER
        ]
        assert (
            sum(t.startswith("You cannot vote for your own question (#1).") for t in private) == 3
        )
        assert any(t.startswith('Your question #2 in "Layoffs?" was declined') for t in private)
