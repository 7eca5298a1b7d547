"""`porch run --http` start-up: time to /readyz == 200 and idle memory, on the terminal chat.

Each run spawns `porch run --http 127.0.0.1:PORT` with its standard input, output and error on a
pseudo-terminal (so the interactive terminal chat runs, as for a person), a fresh SQLite file
database in a temp dir (PORCH_DATABASE_URL) and the temp dir as working directory (the demo
community). It polls /readyz every 5 ms from spawn until it answers 200, waits 3 s, reads VmRSS
from /proc/PID/status, then types `:quit` and expects the process to exit 0 within 10 s.

Run: .venv/bin/python bench/bench_startup.py [--runs 5] [--importtime]
Targets (issue 2, "Figures"): ready in under 1.5 s (median of 5 runs); idle RSS under 120 MB.
"""

from __future__ import annotations

import argparse
import http.client
import os
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from _common import ROOT, Verdict, machine, median

PORCH = ROOT / ".venv" / "bin" / "porch"
READY_TARGET = 1.5
RSS_TARGET_MB = 120.0
IDLE = 3.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def readyz(port: int) -> int | None:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        conn.request("GET", "/readyz")
        status = conn.getresponse().status
        conn.close()
        return status
    except OSError:
        return None


def rss_mb(pid: int) -> tuple[float, float]:
    """VmRSS and VmHWM (peak) of a process, in MB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values.get("VmRSS", float("nan")), values.get("VmHWM", float("nan"))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Sample:
    ready: float | None
    ready_cpu: float | None
    first_status: float | None
    rss: float | None
    hwm: float | None
    exited: bool
    code: int | None
    output: str


class Drain(threading.Thread):
    """Reads the pty so the child never blocks on a full terminal buffer."""

    def __init__(self, fd: int) -> None:
        super().__init__(daemon=True)
        self.fd = fd
        self.chunks: list[bytes] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if ready:
                try:
                    data = os.read(self.fd, 65536)
                except OSError:
                    return
                if not data:
                    return
                self.chunks.append(data)

    def text(self) -> str:
        return b"".join(self.chunks).decode("utf-8", "replace")


def one_run(
    timeout: float = 30.0, profile_argv: list[str] | None = None, idle: float = IDLE
) -> Sample:
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="porch-bench-startup-") as tmp:
        env = dict(os.environ)
        env.pop("PORCH_CONFIG", None)
        env["PORCH_DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'porch.db'}"
        master, slave = os.openpty()
        drain = Drain(master)
        drain.start()
        t0 = time.perf_counter()
        argv = [str(PORCH), "run", "--http", f"127.0.0.1:{port}"]
        if profile_argv is not None:
            argv = [*profile_argv, *argv]
        proc = subprocess.Popen(
            argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=tmp,
            env=env,
            start_new_session=True,
        )
        os.close(slave)
        ready = first = ready_cpu = None
        try:
            while time.perf_counter() - t0 < timeout and proc.poll() is None:
                status = readyz(port)
                if status is not None and first is None:
                    first = time.perf_counter() - t0
                if status == 200:
                    ready = time.perf_counter() - t0
                    ready_cpu = cpu_seconds(proc.pid)
                    break
                time.sleep(0.005)
            rss = hwm = None
            if ready is not None:
                time.sleep(idle)
                if proc.poll() is None:
                    rss, hwm = rss_mb(proc.pid)
            exited = False
            if proc.poll() is None:
                os.write(master, b":quit\n")
                try:
                    proc.wait(timeout=10)
                    exited = True
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            return Sample(ready, ready_cpu, first, rss, hwm, exited, proc.returncode, drain.text())
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            drain.stop.set()
            drain.join(timeout=1)
            os.close(master)


def import_profile() -> None:
    """Where the import time goes: `python -X importtime -c 'import bot.cli, bot.compose ...'`."""
    code = "import bot.cli, bot.compose, bot.web.app, uvicorn, adapters.shell.runner"
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    ).stderr
    rows = []
    for line in out.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        self_us, cum_us, name = line.removeprefix("import time:").split("|")
        rows.append((int(cum_us), int(self_us), name.rstrip()))
    depth = min(len(n) - len(n.lstrip()) for _, _, n in rows)
    top = [r for r in rows if len(r[2]) - len(r[2].lstrip()) <= depth + 2]
    total = sum(c for c, _, n in rows if len(n) - len(n.lstrip()) == depth)
    print(f"  import time of the start-up modules: {total / 1e6:.2f} s (top-level, cumulative)")
    for cum, _, name in sorted(top, reverse=True)[:20]:
        print(f"    {cum / 1e3:8.1f} ms  {name.strip()}")


def run_profile() -> None:
    """One start-up under a profiler (pyinstrument if installed, else cProfile), quit when ready."""
    import importlib.util

    with tempfile.TemporaryDirectory(prefix="porch-bench-prof-") as tmp:
        if importlib.util.find_spec("pyinstrument") is not None:
            out = Path(tmp) / "startup.txt"
            argv = [sys.executable, "-m", "pyinstrument", "-r", "text", "-o", str(out)]
            s = one_run(profile_argv=argv, idle=0.0)
            print(f"  profiled run (pyinstrument, whole process, quit when ready): ready {s.ready}")
            if out.exists():
                print(out.read_text())
            return
        import pstats

        out = Path(tmp) / "startup.prof"
        s = one_run(profile_argv=[sys.executable, "-m", "cProfile", "-o", str(out)], idle=0.0)
        print(f"  profiled run (cProfile, whole process, quit when ready): ready {s.ready}")
        if out.exists():
            pstats.Stats(str(out)).strip_dirs().sort_stats("cumulative").print_stats(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--importtime", action="store_true", help="print the import-time profile")
    parser.add_argument("--profile", action="store_true", help="profile one start-up")
    args = parser.parse_args()
    print(
        f"bench_startup: `porch run --http 127.0.0.1:PORT` on a pty, fresh SQLite DB, "
        f"{args.runs} runs"
    )
    print(f"  at start: {machine()}")
    verdict = Verdict("bench_startup")
    samples = []
    for i in range(args.runs):
        s = one_run()
        samples.append(s)
        ready = f"{s.ready:.3f} s ({s.ready_cpu:.2f} s CPU)" if s.ready is not None else "never"
        first = f"{s.first_status:.3f} s" if s.first_status is not None else "never"
        rss = f"{s.rss:.1f} MB (peak {s.hwm:.1f} MB)" if s.rss is not None else "n/a"
        print(
            f"  run {i + 1}: /readyz 200 after {ready} (first HTTP answer {first}); "
            f"RSS after {IDLE:.0f} s idle {rss}; :quit -> "
            + (f"exit {s.code}" if s.exited else f"did not exit (killed, code {s.code})")
        )
        if s.ready is None or not s.exited:
            print("    output:\n" + "\n".join("      " + ln for ln in s.output.splitlines()[-30:]))

    readies = [s.ready for s in samples if s.ready is not None]
    rsses = [s.rss for s in samples if s.rss is not None]
    print(f"  at end: {machine()}")
    print("figures:")
    med = median(readies) if len(readies) == len(samples) else float("inf")
    verdict.check(
        f"ready median of {len(samples)} < {READY_TARGET} s",
        med < READY_TARGET,
        f"median {med:.3f} s (min {min(readies, default=float('nan')):.3f}, "
        f"max {max(readies, default=float('nan')):.3f})",
    )
    cpus = [s.ready_cpu for s in samples if s.ready_cpu is not None]
    if cpus:
        print(
            f"  info: CPU time used by the process until ready: median {median(cpus):.2f} s "
            f"(start-up is one thread: about the wall time on an idle machine)"
        )
    worst = max(rsses) if len(rsses) == len(samples) else float("inf")
    verdict.check(
        f"idle RSS < {RSS_TARGET_MB:.0f} MB",
        worst < RSS_TARGET_MB,
        f"median {median(rsses) if rsses else float('nan'):.1f} MB, max {worst:.1f} MB",
    )
    verdict.check(
        ":quit ends the process with exit code 0",
        all(s.exited and s.code == 0 for s in samples),
        ", ".join(str(s.code) for s in samples),
    )
    if args.importtime or verdict.missed:
        import_profile()
    if args.profile:
        run_profile()
    verdict.exit()


if __name__ == "__main__":
    main()
