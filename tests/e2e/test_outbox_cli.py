"""`porch outbox`: what is pending or dead, and another try for dead items."""

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.core.actions import Post
from bot.core.message import Message
from bot.delivery import outbox
from bot.store.db import Store
from bot.store.migrate import upgrade


def porch(*args: str) -> subprocess.CompletedProcess[str]:
    """The real `porch` command, with no PORCH_* setting of the caller's environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORCH_")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
        stdin=subprocess.DEVNULL,
    )


def test_dead_items_are_listed_with_their_reason_and_can_be_retried(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'porch.db'}"
    store = Store(url)
    upgrade(store)
    now = datetime.now(UTC)
    with store.transaction() as s:
        outbox.enqueue(
            s,
            key="welcome:alice",
            action=Post(platform="slack", channel="C1", message=Message(text="hi")),
            now=now,
        )
        (item,) = outbox.due(s, now=now, limit=1)
        assert item.id is not None
        outbox.dead_letter(s, item_id=item.id, reason="PlatformError: missing_scope: chat:write")
    store.dispose()

    listed = porch("outbox", "--db", url)
    assert listed.returncode == 0, listed.stderr
    assert "dead: 1" in listed.stdout
    assert "welcome:alice  PlatformError: missing_scope: chat:write" in listed.stdout

    retried = porch("outbox", "--db", url, "--retry", str(item.id))
    assert "1 item(s) queued again." in retried.stdout
    assert "pending: 1" in porch("outbox", "--db", url).stdout


def test_a_status_that_does_not_exist_is_refused_with_the_ones_that_do(tmp_path: Path) -> None:
    result = porch("outbox", "--db", f"sqlite:///{tmp_path / 'porch.db'}", "--status", "ded")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "--status 'ded' is not a status (did you mean 'dead'?); "
        "use one of: pending, in_flight, done, dead"
    )


def test_retrying_an_item_that_is_missing_or_not_dead_names_it_and_queues_nothing(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'porch.db'}"
    store = Store(url)
    upgrade(store)
    now = datetime.now(UTC)
    with store.transaction() as s:
        for key in ("welcome:alice", "welcome:bob"):
            outbox.enqueue(
                s,
                key=key,
                action=Post(platform="slack", channel="C1", message=Message(text="hi")),
                now=now,
            )
        dead, pending = outbox.due(s, now=now, limit=2)
        assert dead.id is not None and pending.id is not None
        outbox.dead_letter(s, item_id=dead.id, reason="PlatformError: channel_not_found")
    store.dispose()

    result = porch("outbox", "--db", url, "--retry", str(dead.id), "--retry", str(pending.id))
    result_missing = porch("outbox", "--db", url, "--retry", "999")
    assert result.returncode == result_missing.returncode == 2
    assert f"#{pending.id} is pending, not dead." in result.stderr
    assert "There is no outbox item #999." in result_missing.stderr
    assert "Nothing was queued again" in result.stderr
    assert "dead: 1  pending: 1" in porch("outbox", "--db", url).stdout
