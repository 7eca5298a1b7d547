"""Run every benchmark (bench/bench_*.py) in order, keep going after a miss, summarize.

Run: .venv/bin/python bench/run_all.py [NAME ...]   (e.g. `inbox startup`; default: all)
Exits non-zero if any benchmark missed a target. (`make bench` runs the same files but stops at
the first miss.)
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    wanted = sys.argv[1:]
    files = sorted(HERE.glob("bench_*.py"))
    if wanted:
        files = [f for f in files if any(w in f.stem for w in wanted)]
    results = []
    for path in files:
        print(f"== {path.relative_to(HERE.parent)}", flush=True)
        start = time.perf_counter()
        code = subprocess.call([sys.executable, str(path)], cwd=HERE.parent)
        results.append((path.stem, code, time.perf_counter() - start))
    print("\nsummary:")
    for name, code, wall in results:
        print(f"  {name:20s} {'ok' if code == 0 else f'MISSED (exit {code})':18s} {wall:7.1f} s")
    return 0 if all(code == 0 for _, code, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
