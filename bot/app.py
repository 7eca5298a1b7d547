"""The composition root: one running Porch, its store, clock, adapters, features and loops.

Construction does no I/O. `start()` recovers what a crash left in flight, starts the adapters and
the loops; `stop()` cancels everything `start()` began. `settle()` is the deterministic twin of
the loops for scripted runs and tests: it delivers and fires everything due *now*, until quiet.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from bot.config.loader import Directory
from bot.config.schema import PorchConfig
from bot.core.actions import Capability, DirectMessage
from bot.core.adapter import Adapter
from bot.core.clock import Clock, FakeClock
from bot.core.events import Event
from bot.core.message import Message
from bot.core.roles import ids_on_platform
from bot.delivery import inbox, outbox
from bot.delivery.deliverer import Deliverer, RetryPolicy
from bot.dispatcher import Dispatcher, FeatureFailed
from bot.features.ama.feature import Ama
from bot.features.base import Context, Feature, FeatureForms, Services
from bot.features.builtin import Builtin
from bot.features.engagement.feature import Engagement
from bot.features.home import Home
from bot.features.moderation.feature import Moderation
from bot.features.onboarding import Onboarding
from bot.features.rituals.feature import Rituals
from bot.i18n.catalogue import Catalogue
from bot.metrics import Metrics
from bot.schedule import timers
from bot.store.db import Store
from bot.store.models import OutboxItem

log = logging.getLogger(__name__)

IDLE_POLL = timedelta(seconds=30)
DEAD_NOTICE = "dead-notice:"
HOUSEKEEPING_EVERY = timedelta(hours=1)
INBOX_KEEP = timedelta(days=7)
"""Far longer than any platform redelivers an event (Slack retries for about an hour)."""


def default_features() -> list[Feature]:
    """Every feature Porch ships, in routing order."""
    return [Builtin(), Onboarding(), Ama(), Engagement(), Rituals(), Moderation(), Home()]


async def advance(porch: Porch, clock: FakeClock, target: datetime) -> None:
    """Move a fake clock to `target`, stopping at every due timer and delivery on the way.

    This is how scripted runs and tests let days pass: as they would, minus the waiting.
    """
    await porch.settle()
    while (upcoming := porch.next_wakeup()) is not None and upcoming <= target:
        clock.set(max(upcoming, clock.now()))
        await porch.settle()
    clock.set(target)
    await porch.settle()


class Porch:
    def __init__(
        self,
        *,
        config: PorchConfig,
        store: Store,
        clock: Clock,
        adapters: Sequence[Adapter],
        features: Iterable[Feature] | None = None,
        catalogue: Catalogue | None = None,
        retry: RetryPolicy | None = None,
        playbooks: Mapping[str, Any] | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        self.adapters = {a.platform: a for a in adapters}
        self.metrics = Metrics()
        self.services = Services(
            config=config,
            directory=Directory(config),
            catalogue=catalogue or Catalogue.load(),
            capabilities={a.platform: a.capabilities for a in adapters},
            features=tuple(features if features is not None else default_features()),
            playbooks=dict(playbooks or {}),
        )
        self.dispatcher = Dispatcher(services=self.services, metrics=self.metrics)
        self._offer_forms(adapters)
        self.deliverer = Deliverer(
            store=store,
            clock=clock,
            adapters=self.adapters,
            metrics=self.metrics,
            policy=retry,
            on_dead=self._tell_managers,
        )
        self._wake = asyncio.Event()
        self._delivery_due: datetime | None = None
        self._housekept: datetime | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.ready = False

    def _offer_forms(self, adapters: Sequence[Adapter]) -> None:
        """Adapters with modals open the features' forms themselves (see `bot.core.forms`)."""
        desk = FeatureForms(self.services, self.store.transaction, self.clock.now)
        for adapter in adapters:
            use_forms = getattr(adapter, "use_forms", None)
            if Capability.MODAL in adapter.capabilities and use_forms is not None:
                use_forms(desk)

    # -- the path of an event ---------------------------------------------------------------

    async def handle(self, event: Event) -> bool:
        """Handle one inbound event; False if it was a duplicate. Safe to call from any adapter."""
        now = self.clock.now()
        try:
            with self.store.transaction() as session:
                handled = self.dispatcher.dispatch(session, event, now)
        except FeatureFailed as failed:
            # Rolled back; claim the event again and explain, without the feature's changes.
            with self.store.transaction() as session:
                handled = self.dispatcher.dispatch(session, event, now, failure=failed)
        self._wake.set()
        return handled

    async def fire_due_timers(self) -> int:
        fired = 0
        while True:
            with self.store.transaction() as session:
                batch = timers.due(session, now=self.clock.now())
            if not batch:
                return fired
            for event in batch:
                await self.handle(event)
                fired += 1

    async def settle(self, max_passes: int = 10_000) -> None:
        """Fire and deliver everything due now, until nothing is (scripted runs, tests)."""
        for _ in range(max_passes):
            self._wake.clear()
            fired = await self.fire_due_timers()
            next_at = self._delivery_due = await self.deliverer.deliver_due()
            now = self.clock.now()
            new_work = (
                self._wake.is_set()
            )  # effects enqueued during the pass (a dead-letter notice)
            if not fired and not new_work and (next_at is None or next_at > now):
                return
        raise RuntimeError("Porch did not settle: effects keep coming due")

    def housekeeping(self) -> None:
        """Forget what no longer needs remembering; at most once per `HOUSEKEEPING_EVERY`."""
        now = self.clock.now()
        if self._housekept is not None and now - self._housekept < HOUSEKEEPING_EVERY:
            return
        self._housekept = now
        retention = timedelta(days=self.config.retention_days)
        with self.store.transaction() as session:
            pruned = inbox.prune(session, older_than=INBOX_KEEP, now=now)
            scrubbed = outbox.scrub_delivered(session, older_than=now - retention)
        if pruned or scrubbed:
            log.info(
                "forgot %d inbox keys and the content of %d delivered effects", pruned, scrubbed
            )

    def next_wakeup(self) -> datetime | None:
        """When there is next something to do: a timer, or what the Deliverer last asked for."""
        with self.store.transaction() as session:
            candidates = [timers.next_due_at(session), self._delivery_due]
        return min((c for c in candidates if c is not None), default=None)

    # -- running -------------------------------------------------------------------------------

    def _tell_managers(self, session: Session, row: OutboxItem, reason: str) -> None:
        """An effect that can never be delivered is news for the community's managers on that
        platform (a missing permission says which one); the operator also sees it in `porch outbox`."""
        channel = row.action.get("channel")
        if row.key.startswith(DEAD_NOTICE) or not isinstance(channel, str):
            return
        community = self.services.directory.community_of(row.platform, channel)
        if community is None:
            return
        what = self.services.catalogue.text(
            "delivery.dead",
            community.locale,
            action=row.action.get("kind", "?"),
            channel=channel,
            reason=reason,
        )
        for manager in ids_on_platform(community.managers, row.platform):
            action = DirectMessage(
                platform=row.platform, member=manager, message=Message(text=what)
            )
            outbox.enqueue(
                session,
                key=f"{DEAD_NOTICE}{row.key}:{manager}",
                action=action,
                now=self.clock.now(),
            )
        self._wake.set()

    def wake(self) -> None:
        """New work may be due (an adapter event, a moved clock): let the loop look now."""
        self._wake.set()

    async def start(self, *, loops: bool = True) -> None:
        """Recover, start the adapters, and (unless a script drives `settle()`) the loops."""
        with self.store.transaction() as session:
            recovered = outbox.recover_stale(
                session, now=self.clock.now(), everything=not self.store.is_postgres
            )
        if recovered:
            log.warning("%d effects were in flight when Porch stopped; re-checking them", recovered)
        self._start_features()
        for adapter in self.adapters.values():
            await adapter.start(self.handle)
        if loops:
            self._tasks.append(asyncio.create_task(self._loop(), name="porch-loop"))
        self.ready = True

    def _start_features(self) -> None:
        with self.store.transaction() as session:
            for community in self.config.communities:
                for platform in community.channels:
                    if platform not in self.adapters:
                        continue
                    ctx = Context(
                        session=session,
                        now=self.clock.now(),
                        community=community,
                        platform=platform,
                        services=self.services,
                    )
                    for feature in self.services.features:
                        feature.on_start(ctx)

    async def stop(self) -> None:
        self.ready = False
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        for adapter in self.adapters.values():
            await adapter.stop()

    async def _loop(self) -> None:
        """Fire timers and deliver effects as they come due; sleep until the next one or a wake-up."""
        while True:
            self._wake.clear()
            try:
                await self.fire_due_timers()
                self._delivery_due = await self.deliverer.deliver_due()
                self.housekeeping()
            except Exception:
                log.exception("the delivery loop failed; retrying shortly")
                self._delivery_due = self.clock.now() + timedelta(seconds=5)
            until = min(
                self.next_wakeup() or self.clock.now() + IDLE_POLL, self.clock.now() + IDLE_POLL
            )
            if until <= self.clock.now():
                await asyncio.sleep(0)
                continue
            sleeper = asyncio.create_task(self.clock.sleep_until(until))
            waker = asyncio.create_task(self._wake.wait())
            _, pending = await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
