#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Benchmarks of gemsync, printing their figures (not run by CTest: the
machines are shared and noisy, so nothing here asserts on time).

  GS_BIN_DIR=build python3 tests/bench/bench_sync.py [--changes N]

- initial sync of N changes (default 100,000) to a new site: time,
  changes per second, CPU per change of each daemon's threads (the loop
  thread, the verify threads, ZeroMQ's), peak RSS of both daemons;
- cost of an anti-entropy round between sites in sync, in bytes;
- local writes through the CLI: acknowledged writes per second
  (synchronous=FULL: each one is on disk before the CLI returns);
- startup time of a daemon holding N changes (load and merge).
"""
import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from gslib import TOOLS, Net, wait_until  # noqa: E402


def traffic(*sites):
    total = 0
    for s in sites:
        st = s.status()
        total += st["bytes_sent"] + st["bytes_received"]
    return total


def thread_cpu(pid):
    """CPU seconds per thread kind of a process: the loop thread ("loop"),
    and the others by name (gs-verify, ZMQbg/...), from /proc."""
    hz = os.sysconf("SC_CLK_TCK")
    out = {}
    for t in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{t}/comm") as f:
                name = "loop" if t == str(pid) else f.read().strip()
            with open(f"/proc/{pid}/task/{t}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[name] = out.get(name, 0) + (int(fields[11]) + int(fields[12])) / hz
    return out


def cpu_per_change(before, after, n):
    us = {k: 1e6 * (v - before.get(k, 0)) / n for k, v in after.items()}
    return ", ".join(f"{k} {v:.0f}" for k, v in sorted(us.items()) if v >= 0.5)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--changes", type=int, default=100000)
    ap.add_argument("--writes", type=int, default=300)
    args = ap.parse_args()
    quiet = "interval = 3600"
    with Net() as net:
        a = net.site("GEM Source", extra=quiet)
        a.init()
        t0 = time.monotonic()
        subprocess.run([os.path.join(TOOLS, "gs_bulk"), a.data, str(args.changes)], check=True,
                       capture_output=True)
        print(f"bulk write of {args.changes} changes: {time.monotonic() - t0:.1f}s")
        t0 = time.monotonic()
        a.start()
        print(f"startup with {args.changes} changes (load, unseal, index): "
              f"{time.monotonic() - t0:.2f}s, RSS {a.peak_rss_kib() / 1024:.1f} MiB")
        b = net.started("GEM Nouveau", extra=quiet)
        total = a.status()["changes"]
        cpu_a, cpu_b = thread_cpu(a.proc.pid), thread_cpu(b.proc.pid)
        t0 = time.monotonic()
        a.peer(b)
        b.peer(a)
        wait_until(lambda: b.status()["changes"] >= total, timeout=3600, interval=0.5,
                   what="initial sync")
        took = time.monotonic() - t0
        print(f"initial sync of {total} changes: {took:.1f}s, {total / took:.0f} changes/s")
        print("CPU per change received, us: receiving daemon "
              f"{cpu_per_change(cpu_b, thread_cpu(b.proc.pid), total)}; sending daemon "
              f"{cpu_per_change(cpu_a, thread_cpu(a.proc.pid), total)}")
        print(f"peak RSS: receiving daemon {b.peak_rss_kib() / 1024:.1f} MiB, "
              f"sending daemon {a.peak_rss_kib() / 1024:.1f} MiB")
        time.sleep(2)
        before = traffic(a, b)
        rounds = a.status()["rounds"]
        a.j("sync")
        wait_until(lambda: a.status()["rounds"] > rounds, timeout=30)
        time.sleep(2)
        print(f"anti-entropy round between sites in sync ({total} changes, 2 authors): "
              f"{traffic(a, b) - before} bytes")
        t0 = time.monotonic()
        for i in range(args.writes):
            a.cli("event", "add", "--title", f"Atelier n°{i}", "--kind", "workshop",
                  "--start", "2031-01-01T14:00:00+01:00")
        took = time.monotonic() - t0
        print(f"local writes through the CLI: {args.writes / took:.0f} acknowledged writes/s "
              f"({1000 * took / args.writes:.1f} ms each, CLI process start included)")


if __name__ == "__main__":
    main()
