"""Prometheus metrics, one registry per running Porch (tests run several side by side).

Labels are platforms, event kinds and statuses: never member ids, channel ids or text.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.events = Counter("porch_events_total", "Inbound events handled", ["kind"], registry=r)
        self.duplicates = Counter(
            "porch_events_duplicate_total", "Inbound events dropped as already seen", registry=r
        )
        self.handler_errors = Counter(
            "porch_handler_errors_total", "Unexpected errors while handling events", registry=r
        )
        self.delivered = Counter(
            "porch_outbox_delivered_total", "Effects delivered", ["platform"], registry=r
        )
        self.retried = Counter(
            "porch_outbox_retries_total",
            "Delivery attempts to retry",
            ["platform", "why"],
            registry=r,
        )
        self.dead = Counter(
            "porch_outbox_dead_total", "Effects dead-lettered", ["platform"], registry=r
        )
        self.pending = Gauge("porch_outbox_pending", "Effects waiting for delivery", registry=r)
        self.delivery_seconds = Histogram(
            "porch_delivery_seconds",
            "Time from an effect's creation to its delivery",
            ["platform"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600),
            registry=r,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
