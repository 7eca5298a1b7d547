"""Intro pairings: random groups among opted-in members, avoiding recent pairs. Pure.

The randomness is seeded from the occurrence key, so running the same occurrence again (a
restart mid-way, a second replica) draws exactly the same groups.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from itertools import combinations

ATTEMPTS = 200

Group = tuple[str, ...]


def seed_of(occurrence: str) -> int:
    return int.from_bytes(hashlib.sha256(occurrence.encode()).digest()[:8], "big")


def pairs_in(group: Group) -> list[frozenset[str]]:
    return [frozenset(p) for p in combinations(group, 2)]


def make_groups(
    members: Sequence[str],
    recent: set[frozenset[str]],
    *,
    size: int,
    seed: int,
) -> list[Group]:
    """Groups of `size` (one group takes the leftover member), with the fewest repeated pairs.

    Tries up to `ATTEMPTS` shuffles and keeps the first without a recent pair, else the best.
    Fewer than two members make no group.
    """
    pool = sorted(set(members))
    if len(pool) < 2:
        return []
    rng = random.Random(seed)
    best: list[Group] = []
    best_repeats = -1
    for _ in range(ATTEMPTS):
        rng.shuffle(pool)
        groups = _chunk(pool, size)
        repeats = sum(1 for g in groups for p in pairs_in(g) if p in recent)
        if best_repeats < 0 or repeats < best_repeats:
            best, best_repeats = groups, repeats
        if repeats == 0:
            break
    return [tuple(sorted(g)) for g in best]


def _chunk(pool: list[str], size: int) -> list[Group]:
    groups = [tuple(pool[i : i + size]) for i in range(0, len(pool), size)]
    if len(groups) > 1 and len(groups[-1]) < 2:
        groups[-2] = groups[-2] + groups[-1]
        groups.pop()
    return groups
