"""The Deliverer: carries Outbox rows out through the adapters, reliably and politely.

Per pass it takes the due rows in order, spends tokens from the adapter's and the channel's
bucket, claims each row, and executes it. Rows of one channel go one at a time and in order; a
channel that is out of tokens or told to wait holds back its later rows, other channels go on.
Failures are typed: `RateLimited` waits exactly as long as the platform said (not an attempt),
`Transient` backs off exponentially with jitter, anything permanent is dead-lettered with its
reason, and so is a row that failed `max_attempts` times.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.core.actions import ACTION_ADAPTER, Action, Delivered, MessageRef
from bot.core.adapter import Adapter, DeliveryContext
from bot.core.clock import Clock
from bot.core.errors import PlatformError, PorchError, RateLimited, Transient, Unsupported
from bot.delivery import outbox
from bot.delivery.ratelimit import RateLimiter
from bot.metrics import Metrics
from bot.store.db import Store
from bot.store.models import OutboxItem

log = logging.getLogger(__name__)

REFERENCE_WAIT = timedelta(seconds=1)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base: float = 2.0
    cap: float = 900.0

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Exponential back-off with jitter in [50%, 100%] of the step, so retries spread out."""
        step = min(self.cap, self.base * 2 ** max(0, attempt - 1))
        return float(step * (0.5 + rng.random() / 2))


class Deliverer:
    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        adapters: Mapping[str, Adapter],
        metrics: Metrics,
        policy: RetryPolicy | None = None,
        concurrency: int = 16,
        batch: int = 500,
        rng: random.Random | None = None,
        on_dead: Callable[[Session, OutboxItem, str], None] | None = None,
    ) -> None:
        """`on_dead` runs in the dead-lettering transaction (to tell the managers, say)."""
        self._on_dead = on_dead
        self._store = store
        self._clock = clock
        self._adapters = adapters
        self._metrics = metrics
        self._policy = policy or RetryPolicy()
        self._limiter = RateLimiter({p: a.rate_budget for p, a in adapters.items()})
        self._concurrency = concurrency
        self._batch = batch
        self._rng = rng or random.Random()

    async def deliver_due(self) -> datetime | None:
        """One pass over the due rows. Returns when the next pass is worth making, if ever."""
        now = self._clock.now()
        with self._store.transaction() as session:
            rows = outbox.due(session, now=now, limit=self._batch)
        chosen, wake, again_now = self._choose(rows, now)
        claimed = []
        with self._store.transaction() as session:
            for row in chosen:
                assert row.id is not None
                if outbox.claim(session, item_id=row.id, now=now):
                    claimed.append(row)
        await asyncio.gather(*(self._deliver(row) for row in claimed))
        if again_now or (len(rows) == self._batch and claimed):
            return self._clock.now()
        with self._store.transaction() as session:
            later = outbox.next_due_after(session, now)
        return min((t for t in (later, wake) if t is not None), default=None)

    def _choose(
        self, rows: list[OutboxItem], now: datetime
    ) -> tuple[list[OutboxItem], datetime | None, bool]:
        """Pick the rows to deliver now: one per channel, in order, within the rate budgets.

        Returns the chosen rows, when a budget will next allow a held row, and whether rows were
        held back only by this pass's own choices (then the next pass is due at once).
        """
        chosen: list[OutboxItem] = []
        held: set[str] = set()
        going: set[str] = set()
        wake: datetime | None = None
        again_now = False
        exhausted: set[str] = set()
        for row in rows:
            if row.platform in exhausted:
                continue
            if row.rate_key in held:
                again_now = again_now or row.rate_key in going
                continue
            held.add(row.rate_key)
            if len(chosen) >= self._concurrency:
                again_now = True
                break
            if row.platform not in self._adapters:
                self._dead(row, f"no adapter for platform '{row.platform}' is running")
                continue
            platform_wait = self._limiter.platform_wait(row.platform, now)
            if platform_wait > 0:
                # The whole platform is out of budget: no other row of it can go either.
                exhausted.add(row.platform)
                wake = _earliest(wake, now + timedelta(seconds=platform_wait))
                continue
            wait = self._limiter.try_take(row.platform, row.rate_key, now)
            if wait > 0:
                wake = _earliest(wake, now + timedelta(seconds=wait))
                continue
            chosen.append(row)
            going.add(row.rate_key)
        return chosen, wake, again_now

    async def _deliver(self, row: OutboxItem) -> None:
        assert row.id is not None
        adapter = self._adapters[row.platform]
        try:
            action = self._resolve(ACTION_ADAPTER.validate_python(row.action))
            result = await adapter.execute(
                action, DeliveryContext(key=row.key, outbox_id=row.id, maybe_sent=row.maybe_sent)
            )
        except outbox.NotYetDelivered as exc:
            self._later(row, REFERENCE_WAIT, f"waits for {exc}", count=False, why="reference")
        except RateLimited as exc:
            self._limiter.pause(
                row.platform, row.rate_key, exc.scope, self._clock.now(), exc.retry_after
            )
            self._later(row, timedelta(seconds=exc.retry_after), str(exc), count=False, why="rate")
        except Transient as exc:
            self._transient(row, f"transient: {exc}")
        except (Unsupported, PlatformError) as exc:
            self._dead(row, f"{type(exc).__name__}: {exc}")
        except PorchError as exc:
            self._dead(row, f"{type(exc).__name__}: {exc}")
        except Exception as exc:  # an adapter bug must not stop delivery of everything else
            log.exception("unexpected error delivering outbox item %s", row.id)
            self._transient(row, f"unexpected {type(exc).__name__}: {exc}")
        else:
            self._done(row, result)

    def _resolve(self, action: Action) -> Action:
        target = getattr(action, "target", None)
        thread = getattr(action, "thread", None)
        if not any(isinstance(r, MessageRef) and r.effect_key for r in (target, thread)):
            return action
        with self._store.transaction() as session:
            updates: dict[str, object] = {}
            if isinstance(target, MessageRef) and target.effect_key:
                updates["target"], channel = outbox.locate(session, target)
                if channel and hasattr(action, "channel"):
                    updates["channel"] = channel  # the message is where it was delivered
            if isinstance(thread, MessageRef) and thread.effect_key:
                updates["thread"] = outbox.resolve(session, thread)
        return action.model_copy(update=updates)

    def _done(self, row: OutboxItem, result: Delivered) -> None:
        assert row.id is not None
        now = self._clock.now()
        with self._store.transaction() as session:
            outbox.complete(session, item_id=row.id, delivered=result, now=now)
        self._metrics.delivered.labels(row.platform).inc()
        self._metrics.delivery_seconds.labels(row.platform).observe(
            max(0.0, (now - row.created_at).total_seconds())
        )

    def _transient(self, row: OutboxItem, error: str) -> None:
        attempts = row.attempts + 1
        if attempts >= self._policy.max_attempts:
            self._dead(row, f"gave up after {attempts} attempts; last error: {error}")
            return
        delay = timedelta(seconds=self._policy.backoff(attempts, self._rng))
        self._later(row, delay, error, count=True, why="transient")

    def _later(
        self, row: OutboxItem, delay: timedelta, error: str, *, count: bool, why: str
    ) -> None:
        assert row.id is not None
        with self._store.transaction() as session:
            outbox.retry_later(
                session,
                item_id=row.id,
                when=self._clock.now() + delay,
                error=error,
                count_attempt=count,
            )
        self._metrics.retried.labels(row.platform, why).inc()

    def _dead(self, row: OutboxItem, reason: str) -> None:
        assert row.id is not None
        log.warning("outbox item %s (%s) dead-lettered: %s", row.id, row.key, reason)
        with self._store.transaction() as session:
            outbox.dead_letter(session, item_id=row.id, reason=reason)
            if self._on_dead is not None:
                self._on_dead(session, row, reason)
        self._metrics.dead.labels(row.platform).inc()


def _earliest(current: datetime | None, candidate: datetime) -> datetime:
    return candidate if current is None else min(current, candidate)
