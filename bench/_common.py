"""Shared helpers for the benchmarks (not a test module; each bench_*.py runs on its own)."""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def pin_one_core() -> str:
    """Run on one CPU, so "events/s on one core" means what it says (Linux only)."""
    try:
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    except (AttributeError, OSError) as exc:  # pragma: no cover - non-Linux
        return f"not pinned ({exc})"


def calibrate() -> float:
    """A fixed pure-Python workload, best of 3, in million loop steps per second.

    On a shared VM the same code runs several times slower when neighbours are busy; this figure,
    printed next to each result, says how fast the CPU was at the time.
    """
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        total = 0
        for i in range(1_000_000):
            total += i * i % 7
        best = min(best, time.perf_counter() - t0)
    return 1.0 / best


def machine() -> str:
    return f"{load()}; CPU speed {calibrate():.2f} M loop steps/s (best of 3)"


def code_state() -> str:
    """The commit and how many files differ from it (the tree changes while people work)."""
    import subprocess

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    dirty = len([ln for ln in git("status", "--short").splitlines() if ln.strip()])
    return f"commit {git('rev-parse', '--short', 'HEAD')} with {dirty} changed/new paths"


def load() -> str:
    """The machine's load averages and CPU count, to judge how noisy a figure may be."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs"


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def median(values: list[float]) -> float:
    return statistics.median(values)


def profile_top(profiler: cProfile.Profile, n: int = 25, sort: str = "cumulative") -> str:
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(sort).print_stats(n)
    return out.getvalue()


class Verdict:
    """Collects target checks; `exit()` ends the process non-zero if any was missed."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.missed: list[str] = []

    def check(self, label: str, ok: bool, detail: str) -> bool:
        status = "OK  " if ok else "MISS"
        print(f"  [{status}] {label}: {detail}")
        if not ok:
            self.missed.append(label)
        return ok

    def exit(self) -> None:
        if self.missed:
            print(f"{self.name}: TARGET MISSED: {', '.join(self.missed)}")
            sys.exit(1)
        print(f"{self.name}: all targets met")
        sys.exit(0)
