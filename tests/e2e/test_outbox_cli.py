"""`porch outbox`: what is pending or dead, and another try for dead items."""

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.core.actions import Post
from bot.core.message import Message
from bot.delivery import outbox
from bot.store.db import Store
from bot.store.migrate import upgrade


def _porch(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
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

    listed = _porch("outbox", "--db", url)
    assert listed.returncode == 0, listed.stderr
    assert "dead: 1" in listed.stdout
    assert "welcome:alice  PlatformError: missing_scope: chat:write" in listed.stdout

    retried = _porch("outbox", "--db", url, "--retry", str(item.id))
    assert "1 item(s) queued again." in retried.stdout
    assert "pending: 1" in _porch("outbox", "--db", url).stdout
