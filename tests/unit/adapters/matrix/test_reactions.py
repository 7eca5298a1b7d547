"""The reaction log in the data directory: survives a restart, forgets the oldest beyond its size."""

from __future__ import annotations

from pathlib import Path

from adapters.matrix.reactions import ReactionLog


def test_a_reaction_is_remembered_across_a_restart(tmp_path: Path) -> None:
    log = ReactionLog(tmp_path)
    log.remember("$r1", "$msg", "2️⃣")
    log.remember("$r1", "$msg", "2️⃣")  # a batch read again after a crash
    log.close()
    again = ReactionLog(tmp_path)
    assert again.get("$r1") == ("$msg", "2️⃣")
    assert again.get("$unknown") is None
    assert list(again) == ["$r1"] and len(again) == 1
    again.close()


def test_only_the_most_recent_reactions_are_kept(tmp_path: Path) -> None:
    log = ReactionLog(tmp_path, kept=100)
    for n in range(1_000):
        log.remember(f"$r{n}", "$msg", "👍")
    assert 100 <= len(log) < 600
    assert "$r999" in log and "$r0" not in log
    log.close()
