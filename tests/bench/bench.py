#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""The benchmark suite of gemsync (docs/performance.md).

Each benchmark starts real daemons on 127.0.0.1 in temporary directories
(tests/integration/gslib.py), runs a workload and prints one line per
figure: name, value, unit, and the target and ceiling it is compared with.
Nothing here asserts on time: the machines are shared and noisy. --smoke
runs every benchmark with small sizes and checks only that every figure
is produced and well formed (CTest: bench.smoke).

  GS_BIN_DIR=build python3 tests/bench/bench.py [--smoke] [--json]
      [--only ceiling,initial,propagation,insync,footprint,admin,series,growth,stall,export,country]
      [--seed N] [--check] [--sites N]
  python3 tests/bench/bench.py --table FIGURES.json   (a --json run as Markdown)

Workloads come from gs_bulk (tests/tools) with a fixed seed: events and
resources in French of ~600 bytes, several author sites, creations and
edits. The ceiling (gs_ceiling) is measured in the same run, on one core,
with the project's own code: Ed25519 verification of a change, unsealing
its body, batched inserts into the real schema. Sync rates are also given
as a ratio to the slowest of the three.
"""
import argparse
import datetime
import json
import math
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from gslib import GEMSYNC, TOOLS, Net, wait_until  # noqa: E402

BENCHES = ["ceiling", "initial", "propagation", "insync", "footprint", "admin", "series",
           "growth", "stall", "export", "country"]

# Sizes of the full run (the issue's) and of the smoke run (CI).
FULL = dict(sync_changes=100000, sync_authors=20, prop_sites=16, prop_degree=3,
            prop_events=50, insync_changes=100000, insync_authors=50, insync_peers=4,
            insync_rounds=30, idle_s=60, admin_events=10000, admin_list_calls=20,
            admin_add_calls=50, admin_seq_adds=1000, series=500,
            growth=[10000, 100000, 1000000], ceiling_s=2.0, stall_chain=4800,
            stall_flood=100000, export_events=10000, export_runs=3,
            country_sites=350, country_events=20, country_steady=120)
SMOKE = dict(sync_changes=2000, sync_authors=20, prop_sites=4, prop_degree=3,
             prop_events=4, insync_changes=2000, insync_authors=50, insync_peers=4,
             insync_rounds=3, idle_s=3, admin_events=300, admin_list_calls=3,
             admin_add_calls=5, admin_seq_adds=20, series=20,
             growth=[500, 1000, 2000], ceiling_s=0.3, stall_chain=300, stall_flood=5000,
             export_events=300, export_runs=2,
             country_sites=50, country_events=5, country_steady=35)

# Sites of the benchmarks run with the daemon's defaults (gslib's test
# configuration has short intervals and debug logs): rounds every 30 s,
# heartbeats every 10 s, info logs.
INFO = "[sync]\ninterval = 30\n[network]\nheartbeat = 10\n[daemon]\nlog_level = info\n"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def log(msg):
    sys.stderr.write(f"[bench {time.strftime('%H:%M:%S')}] {msg}\n")
    sys.stderr.flush()


# -- measures of a process (Linux /proc) --

def cpu_s(pid):
    """User + system CPU time of a process, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return (int(rest[11]) + int(rest[12])) / CLK_TCK


def thread_cpu_s(pid):
    """CPU seconds per kind of thread of a process: "loop" (the main
    thread, which applies), "verify" (gs-verify workers) and "other"."""
    out = {"loop": 0.0, "verify": 0.0, "other": 0.0}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                rest = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                comm = f.read().strip()
        except OSError:
            continue            # a thread that ended meanwhile
        kind = "loop" if int(tid) == pid else "verify" if comm == "gs-verify" else "other"
        out[kind] += (int(rest[11]) + int(rest[12])) / CLK_TCK
    return out


def mem_kib(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {key} for {pid}")


def run_ms(cmd, timeout=120):
    """Runs a command; returns (milliseconds, stdout). Raises if it fails."""
    t0 = time.monotonic()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    ms = (time.monotonic() - t0) * 1000
    if r.returncode != 0:
        raise RuntimeError(f"{cmd[0]} exited {r.returncode}: {r.stderr.strip()}")
    return ms, r.stdout


def run_to_file_ms(cmd, path, timeout=120):
    """Runs a command with its output going to a file, as `cmd > path`
    would: the time is the command's own, not that of a reader decoding
    megabytes of output. Returns milliseconds; raises if it fails."""
    with open(path, "wb") as out:
        t0 = time.monotonic()
        r = subprocess.run(cmd, stdout=out, stderr=subprocess.PIPE, timeout=timeout)
        ms = (time.monotonic() - t0) * 1000
    if r.returncode != 0:
        raise RuntimeError(f"{cmd[0]} exited {r.returncode}: {r.stderr.decode(errors='replace')}")
    return ms


def start(site, timeout=600):
    """Starts a site's daemon and waits until it answers `status` (loading
    a million changes takes a while: longer bounds than gslib's)."""
    site.start(wait=False)

    def up():
        if site.proc.poll() is not None:
            raise RuntimeError(f"{site.name} exited: {site.tail_log()}")
        return site.run("--json", "status", timeout=120, cli_timeout=60).returncode == 0
    wait_until(up, timeout=timeout, interval=0.5, what=f"{site.name} to answer")


def bulk(dirs, count, authors, seed, edits=30, resources=20, timeout=3600):
    """Writes count changes of `authors` seeded authors into stopped sites."""
    cmd = [os.path.join(TOOLS, "gs_bulk"), "--authors", str(authors), "--seed", str(seed),
           "--edits", str(edits), "--resources", str(resources), str(count), *dirs]
    _, out = run_ms(cmd, timeout=timeout)
    return json.loads(out.strip().splitlines()[-1])


def slope(xs, ys):
    """Least-squares slope of log(y) against log(x)."""
    lx = [math.log(x) for x in xs]
    ly = [math.log(y) for y in ys]
    mx, my = statistics.fmean(lx), statistics.fmean(ly)
    den = sum((a - mx) ** 2 for a in lx)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / den


def percentile(values, p):
    """Nearest-rank percentile."""
    v = sorted(values)
    return v[max(0, math.ceil(p / 100 * len(v)) - 1)]


# -- results --

class Results:
    """Figures in the order measured; each compared with a target or not."""

    def __init__(self):
        self.figures = []
        self.ceiling = None      # slowest single-core cost, per second

    def add(self, name, value, unit, op=None, target=None, ceiling=None, note=""):
        fig = {"name": name, "value": value, "unit": unit, "op": op, "target": target,
               "ceiling": ceiling, "note": note}
        if op is not None and value is not None:
            fig["meets_target"] = {"<": value < target, "<=": value <= target,
                                   ">=": value >= target}[op]
        self.figures.append(fig)
        print(line(fig), flush=True)
        return fig

    def missing(self, name, unit, why):
        return self.add(name, None, unit, note=f"not measured: {why}")

    def rate(self, name, value, unit, op=None, target=None, note="", ratio_target=None):
        """A sync rate, also as a ratio to the ceiling measured in this run
        (compared with ratio_target, else with what target is of it)."""
        self.add(name, round(value), unit, op, target, ceiling=self.ceiling, note=note)
        if self.ceiling:
            if ratio_target is None and op == ">=":
                ratio_target = round(target / self.ceiling, 3)
            self.add(name + "_ratio", round(value / self.ceiling, 3), "x ceiling",
                     ">=" if op == ">=" else None, ratio_target,
                     note=f"of the slowest single-core cost, {self.ceiling:.0f}/s")


def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 100 else f"{v:.0f}"
    return str(v)


def line(fig):
    cmp = []
    if fig["op"]:
        cmp.append(f"target {fig['op']} {fmt(fig['target'])}")
    if fig["ceiling"]:
        cmp.append(f"ceiling {fig['ceiling']:.0f}/s")
    if fig.get("meets_target") is False:
        cmp.append("MISSED")
    if fig["note"]:
        cmp.append(fig["note"])
    return f"{fig['name']:<34} {fmt(fig['value']):>10} {fig['unit']:<12} {'; '.join(cmp)}"


# -- the benchmarks --

def bench_ceiling(cfg, res, work):
    _, out = run_ms([os.path.join(TOOLS, "gs_ceiling"), "--seconds", str(cfg["ceiling_s"]),
                     work], timeout=120)
    c = json.loads(out)
    res.ceiling = c["slowest_per_s"]
    note = f"one core, {c['body_bytes']} B body"
    res.add("ceiling.verify", round(c["verify_per_s"]), "changes/s",
            note=note + ", gs_change_verify (Ed25519 + BLAKE2b)")
    res.add("ceiling.unseal", round(c["unseal_per_s"]), "bodies/s",
            note=note + ", gs_vault_unseal (XChaCha20-Poly1305)")
    res.add("ceiling.insert", round(c["insert_per_s"]), "changes/s",
            note=f"gs_store inserts, real schema, {c['insert_batch']} per transaction")
    res.add("ceiling.slowest", round(c["slowest_per_s"]), "changes/s",
            note="the slowest of the three: the single-core bound")


def size_label(n):
    """100000 -> 100k, 1000000 -> 1M: the suffix of per-size figures."""
    for div, suffix in ((1000000, "M"), (1000, "k")):
        if n >= div and n % div == 0:
            return f"{n // div}{suffix}"
    return str(n)


class WalPoller:
    """Polls the size of a database's -wal file every 20 ms in a thread,
    keeping the largest seen (bounded: stops at stop())."""

    def __init__(self, db):
        self.path = db + "-wal"
        self.peak = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self):
        while not self._stop.wait(0.02):
            try:
                self.peak = max(self.peak, os.path.getsize(self.path))
            except OSError:
                pass

    def stop(self):
        self._stop.set()
        self._t.join(timeout=5)
        return self.peak


def disk_after_checkpoint(site):
    """The bytes of a stopped site's database after a TRUNCATE checkpoint
    (everything: changes, item states, indexes, free pages)."""
    import sqlite3
    path = os.path.join(site.data, "gemsync.db")
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        db.close()
    return os.path.getsize(path)


def initial_sync(cfg, n, seed):
    """A holds n changes of sync_authors authors; B joins empty with A as
    introducer. Returns (changes, seconds, B's peak RSS KiB, gen seconds,
    B's CPU seconds during the sync, disk) where disk holds B's database
    bytes after a checkpoint once stopped ("bytes"), the largest size
    its WAL reached during the sync ("wal_peak") and the changes B received
    from A that it already held ("resent": batches sent twice)."""
    with Net() as net:
        a = net.site("GEM Source", extra=INFO)
        a.init()
        t0 = time.monotonic()
        bulk([a.data], n, cfg["sync_authors"], seed)
        gen = time.monotonic() - t0
        start(a)
        b = net.started("GEM Nouveau", town="Vienne", department="38", extra=INFO)
        want = a.status()["changes"]
        a.peer(b)
        t0 = time.monotonic()
        cpu0 = cpu_s(b.proc.pid)
        threads0 = thread_cpu_s(b.proc.pid)
        sender0 = cpu_s(a.proc.pid)
        wal = WalPoller(os.path.join(b.data, "gemsync.db"))
        # what a new site's admin does: add the regional hub, trusted to
        # introduce the sites it trusts
        b.peer(a, "--introducer")
        # at least 300 changes/s, or the run is not worth waiting for
        wait_until(lambda: b.status()["changes"] >= want, timeout=60 + n / 300,
                   interval=0.25 if n <= 200000 else 1.0, what=f"{want} changes at B")
        took = time.monotonic() - t0
        cpu = cpu_s(b.proc.pid) - cpu0
        threads = {k: v - threads0[k] for k, v in thread_cpu_s(b.proc.pid).items()}
        threads["sender"] = cpu_s(a.proc.pid) - sender0
        wal_peak = wal.stop()
        peers = b.j("peer", "list")["peers"]
        lack = [p for p in peers if p["we_lack"] != 0]
        if lack:
            raise RuntimeError(f"B still lacks changes after the sync: {lack}")
        resent = sum(p.get("duplicates", 0) for p in peers)
        rss = b.peak_rss_kib()
        b.stop()
        disk = {"bytes": disk_after_checkpoint(b), "wal_peak": wal_peak, "resent": resent,
                "threads": threads}
        return want, took, rss, gen, cpu, disk


def add_disk(res, n, got, disk):
    """disk.bytes_per_change_<size> once per size."""
    name = f"disk.bytes_per_change_{size_label(n)}"
    if any(f["name"] == name for f in res.figures):
        return
    res.add(name, round(disk["bytes"] / got), "B", "<=", 1024,
            note=f"{disk['bytes']} B database after a checkpoint, {got} changes; "
                 "deterministic for a seed")


def bench_initial(cfg, res, seed, cache):
    n = cfg["sync_changes"]
    log(f"initial sync of {n} changes from {cfg['sync_authors']} authors")
    got, took, rss, gen, cpu, disk = initial_sync(cfg, n, seed)
    cache[n] = (got, took, rss, disk)
    # issue 18: both cores doing useful work, at least one core's ceiling
    res.rate("initial_sync.rate", got / took, "changes/s", ">=", 15000,
             note=f"{got} changes from {cfg['sync_authors']} authors in {took:.1f} s",
             ratio_target=1.0)
    res.add("initial_sync.peak_rss", round(rss / 1024, 1), "MiB",
            note="VmHWM of the joining site")
    res.add("initial_sync.cpu_per_change", round(cpu / got * 1e6, 1), "us",
            note="utime + stime of the joining site (every thread) during the sync, "
                 "per change; CPU tick 10 ms")
    th = disk["threads"]
    res.add("initial_sync.loop_cpu_per_change", round(th["loop"] / got * 1e6, 1), "us", "<=", 25,
            note="the joining site's loop thread (decode, check, merge, seal, SQLite, and "
                 "the verifications it does while it would wait), per change")
    res.add("initial_sync.verify_cpu_per_change", round(th["verify"] / got * 1e6, 1), "us",
            note="the joining site's gs-verify threads, per change")
    res.add("initial_sync.sender_cpu_per_change", round(th["sender"] / got * 1e6, 1), "us",
            note="the sending site, every thread, per change: it shares the two cores, "
                 "which bounds rate_ratio")
    add_disk(res, n, got, disk)
    res.add("disk.wal_peak", round(disk["wal_peak"] / 1048576, 1), "MiB", "<=", 64,
            note="largest -wal file of the joining site during the sync, polled every 20 ms")


def regular_graph(n, d, rng):
    """A connected random d-regular simple graph on n nodes (pairing model)."""
    for _ in range(1000):
        stubs = [i for i in range(n) for _ in range(d)]
        rng.shuffle(stubs)
        edges = set()
        ok = True
        for i in range(0, len(stubs), 2):
            u, v = sorted((stubs[i], stubs[i + 1]))
            if u == v or (u, v) in edges:
                ok = False
                break
            edges.add((u, v))
        if not ok:
            continue
        seen, todo = {0}, [0]
        while todo:
            u = todo.pop()
            for a, b in edges:
                for x, y in ((a, b), (b, a)):
                    if x == u and y not in seen:
                        seen.add(y)
                        todo.append(y)
        if len(seen) == n:
            return sorted(edges)
    raise RuntimeError(f"no connected {d}-regular graph on {n} nodes")


def trust_all(sites):
    """Every admin trusts the network's sites (the list the federation
    keeps), as `gemsync site trust` does; peers are added after."""
    for s in sites:
        for o in sites:
            if o is not s:
                s.cli("site", "trust", o.id)


def show_json(site, item):
    """Popen of `event show ITEM --json` at site (CLI exit 4 while absent)."""
    env = dict(os.environ, GEMSYNC_TIMEOUT="10")
    return subprocess.Popen([GEMSYNC, "-c", site.conf, "--json", "event", "show", item],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env=env)


def parse_time(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def propagate_one(sites, origin, i):
    """Adds an event at origin; returns (seconds until visible at every
    other site, method)."""
    title = f"Sortie au musée des Beaux-Arts n°{i}"
    t0 = time.monotonic()
    item = origin.add_event(title, f"2031-{1 + i % 12:02d}-{1 + i % 28:02d}T14:00:00+01:00",
                            "outing", "--place", "Musée des Beaux-Arts, 69001 Lyon")
    pending = [s for s in sites if s is not origin]
    seen = {}
    deadline = t0 + 30
    for _ in range(3000):  # bounded in count and time
        procs = [(s, show_json(s, item)) for s in pending]
        left = []
        for s, p in procs:
            out, _ = p.communicate(timeout=30)
            if p.returncode == 0:
                seen[s.name] = (time.monotonic() - t0, json.loads(out))
            else:
                left.append(s)
        pending = left
        if not pending or time.monotonic() > deadline:
            break
    if pending:
        raise RuntimeError(f"event {item} not visible at {[s.name for s in pending]} after 30 s")
    docs = [d for _, d in seen.values()]
    if all("received" in d and "created" in d for d in docs):
        return max(parse_time(d["received"]) - parse_time(d["created"]) for d in docs), \
            "received - created"
    return max(t for t, _ in seen.values()), "polling event show"


def bench_propagation(cfg, res, seed):
    n, d = cfg["prop_sites"], cfg["prop_degree"]
    rng = random.Random(seed)
    edges = regular_graph(n, d, rng)
    log(f"propagation over {n} sites, random {d}-regular graph ({len(edges)} links)")
    towns = ["Lyon", "Villeurbanne", "Vienne", "Grenoble", "Saint-Étienne", "Roanne",
             "Valence", "Annecy", "Chambéry", "Privas", "Aurillac", "Bourg-en-Bresse",
             "Montélimar", "Le Puy-en-Velay", "Villefranche-sur-Saône", "Bourgoin-Jallieu"]
    with Net() as net:
        sites = [net.site(f"GEM {towns[k % len(towns)]} {k}", town=towns[k % len(towns)],
                          extra=INFO) for k in range(n)]
        for s in sites:
            s.init()
            s.start()
        trust_all(sites)
        for u, v in edges:
            sites[u].peer(sites[v])
            sites[v].peer(sites[u])
        total = None

        def settled():
            counts = [s.status()["changes"] for s in sites]
            return counts[0] if len(set(counts)) == 1 and counts[0] >= n else None
        total = wait_until(settled, timeout=120, interval=0.5, what="profiles everywhere")
        wait_until(lambda: all(p["connected"] for s in sites for p in s.j("peer", "list")["peers"]),
                   timeout=60, interval=0.5, what="every link connected")
        lat, methods = [], set()
        for i in range(cfg["prop_events"]):
            origin = sites[rng.randrange(n)]
            t, m = propagate_one(sites, origin, i)
            lat.append(t * 1000)
            methods.add(m)
        method = ", ".join(sorted(methods))
        if "polling event show" in methods:
            method += " (no \"received\" key yet: upper bound, with CLI polling load)"
        log(f"{len(lat)} events over {total} changes; method: {method}")
        # the same again with one core kept busy by another process
        busy, how = start_busy_core()
        try:
            loaded = []
            for i in range(cfg["prop_events"]):
                origin = sites[rng.randrange(n)]
                t, _ = propagate_one(sites, origin, 1000 + i)
                loaded.append(t * 1000)
        finally:
            stop_pid(busy)
        log(f"{len(loaded)} events with one core busy ({how})")
    note = f"{len(lat)} events, {n} sites, degree {d}; {method}"
    res.add("propagation.p50", round(statistics.median(lat), 1), "ms", "<", 100, note=note)
    res.add("propagation.p99", round(percentile(lat, 99), 1), "ms", "<", 500, note=note)
    note = f"{len(loaded)} events, {n} sites, degree {d}, one core busy: {how}"
    res.add("propagation.p99_loaded", round(percentile(loaded, 99), 1), "ms", "<=", 60,
            note=note)


def start_busy_core():
    """A process that keeps one core busy: stress-ng --cpu 1 where Debian's
    stress-ng is installed, else a Python busy loop. Returns (Popen, how);
    the caller stops it by its PID (stop_pid)."""
    if shutil.which("stress-ng"):
        p = subprocess.Popen(["stress-ng", "--cpu", "1", "--timeout", "600s", "--quiet"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return p, "stress-ng --cpu 1"
    p = subprocess.Popen([sys.executable, "-c", "while True: pass"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return p, "a Python busy loop (stress-ng not installed)"


def stop_pid(p):
    """Stops a process we started, by its PID: TERM, then KILL after 5 s."""
    p.terminate()
    try:
        p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait(timeout=5)


def in_sync_net(cfg, net, seed):
    """A hub and insync_peers sites holding the same insync_changes changes
    of insync_authors authors (written by gs_bulk into every site), peered
    hub <-> each, connected and in sync."""
    names = ["GEM Le Rebond", "GEM La Passerelle", "GEM L'Envol", "GEM Le Phare",
             "GEM L'Escale", "GEM Le Lien", "GEM L'Horizon", "GEM La Boussole"]
    sites = [net.site(names[k % len(names)] + (f" {k}" if k >= len(names) else ""),
                      extra=INFO) for k in range(cfg["insync_peers"] + 1)]
    for s in sites:
        s.init()
    bulk([s.data for s in sites], cfg["insync_changes"], cfg["insync_authors"], seed + 1)
    for s in sites:
        start(s)
    trust_all(sites)
    hub = sites[0]
    for s in sites[1:]:
        hub.peer(s)
        s.peer(hub)

    def in_sync():
        counts = {s.status()["changes"] for s in sites}
        peers = hub.j("peer", "list")["peers"]
        return len(counts) == 1 and all(p["connected"] and p["they_lack"] == 0
                                        and p["we_lack"] == 0 for p in peers)
    wait_until(in_sync, timeout=60 + cfg["insync_changes"] / 1000, interval=0.5,
               what="sites in sync")
    return hub, sites


def bench_insync(cfg, res, sites):
    log(f"anti-entropy rounds between {len(sites)} sites in sync")
    time.sleep(2)  # let the last acks and summaries land

    def snap():
        st = [s.status() for s in sites]
        return (sum(x["bytes_sent"] + x["bytes_received"] for x in st) / 2,
                sum(x["rounds"] for x in st), sum(cpu_s(s.proc.pid) for s in sites))
    b0, r0, c0 = snap()
    hub = sites[0]
    for _ in range(cfg["insync_rounds"]):
        for s in sites:
            s.j("sync")
        time.sleep(0.3)
    time.sleep(1.5)
    b1, r1, c1 = snap()
    rounds = r1 - r0
    if rounds <= 0:
        raise RuntimeError("no round was counted")
    if any(p["they_lack"] or p["we_lack"] for p in hub.j("peer", "list")["peers"]):
        raise RuntimeError("the sites were not in sync any more")
    note = (f"{rounds} rounds, {cfg['insync_changes']} changes of {cfg['insync_authors']} "
            f"authors, both ends of every round")
    res.add("in_sync.bytes_per_round", round((b1 - b0) / rounds), "B", "<", 4096, note=note)
    res.add("in_sync.cpu_per_round", round((c1 - c0) * 1000 / rounds, 3), "ms", "<", 1,
            note=note + f", CPU tick {1000 / CLK_TCK:.0f} ms, status and sync requests included")
    return hub


def bench_footprint(cfg, res, hub):
    idle = cfg["idle_s"]
    log(f"idle footprint of a site with {hub.status()['changes']} changes, {idle} s")
    peers = hub.j("peer", "list")["peers"]
    connected = sum(1 for p in peers if p["connected"])
    c0 = cpu_s(hub.proc.pid)
    t0 = time.monotonic()
    time.sleep(idle)
    cpu = (cpu_s(hub.proc.pid) - c0) / (time.monotonic() - t0) * 100
    rss = mem_kib(hub.proc.pid, "VmRSS")
    note = f"{hub.status()['changes']} changes, {connected} peers connected"
    res.add("footprint.idle_rss", round(rss / 1024, 1), "MiB", "<", 16, note=note)
    res.add("footprint.idle_cpu", round(cpu, 3), "% of a core", "<", 0.1,
            note=note + f", over {idle} s (default sync interval)")


def bench_admin(cfg, res, seed):
    n = cfg["admin_events"]
    log(f"admin latency with {n} events")
    with Net() as net:
        a = net.site("GEM La Passerelle", extra=INFO)
        a.init()
        bulk([a.data], n, 20, seed + 2, edits=0, resources=0)
        start(a)
        base = [GEMSYNC, "-c", a.conf]
        times = []
        listing = os.path.join(net.root, "events.json")
        for _ in range(cfg["admin_list_calls"]):
            times.append(run_to_file_ms(base + ["--json", "event", "list"], listing))
        with open(listing, encoding="utf-8") as f:
            listed = len(json.load(f)["items"])
        if listed < n:
            raise RuntimeError(f"event list shows {listed} events, not {n}")
        res.add("admin.event_list", round(statistics.median(times), 1), "ms", "<", 100,
                note=f"median of {len(times)} whole `gemsync event list --json > file` calls, "
                     f"{listed} events, {os.path.getsize(listing) >> 20} MiB")
        add = ["event", "add", "--title", "Atelier écriture", "--kind", "workshop",
               "--start", "2031-03-04T14:00:00+01:00", "--place",
               "Maison des associations, 69007 Lyon"]
        times = [run_ms(base + add)[0] for _ in range(cfg["admin_add_calls"])]
        res.add("admin.event_add", round(statistics.median(times), 2), "ms", "<", 5,
                note=f"median of {len(times)} whole `gemsync event add` calls "
                     "(durable: synchronous=FULL)")
        _, out = run_ms([os.path.join(TOOLS, "gs_ctlbench"), f"ipc://{a.data}/control.sock",
                         "item.add", str(cfg["admin_add_calls"]), "type=event",
                         "f=title=Atelier écriture", "f=kind=workshop",
                         "f=start=2031-03-04T14:00:00+01:00"])
        c = json.loads(out)
        res.add("admin.event_add_request", round(c["median_ms"], 2), "ms", "<", 5,
                note=f"median of {c['count']} item.add control requests alone")
        k = cfg["admin_seq_adds"]
        t0 = time.monotonic()
        for _ in range(k):
            run_ms(base + add)
        took = time.monotonic() - t0
        res.add("admin.sequential_adds", round(k / took, 1), "adds/s",
                note=f"{k} sequential `gemsync event add`, each durable before the next")


def bench_series(cfg, res):
    """`event list --json` over weekly series: each one item, listed as
    one row per date of a one-year window (issue 14)."""
    n = cfg["series"]
    log(f"series list with {n} weekly series")
    with Net() as net:
        a = net.site("GEM L'Envol", extra=INFO)
        a.init()
        start(a)
        run_ms([os.path.join(TOOLS, "gs_ctlbench"), f"ipc://{a.data}/control.sock",
                "item.add", str(n), "type=event", "f=title=Atelier écriture",
                "f=kind=workshop", "f=start=2031-01-07T14:00:00+01:00",
                "f=end=2031-01-07T16:00:00+01:00",
                "f=place=Maison des associations, 69007 Lyon",
                "f=rrule=FREQ=WEEKLY;BYDAY=TU", "f=timezone=Europe/Paris"], timeout=600)
        base = [GEMSYNC, "-c", a.conf]
        listing = os.path.join(net.root, "series.json")
        cmd = base + ["--json", "event", "list", "--from", "2031-01-01"]
        times = [run_to_file_ms(cmd, listing) for _ in range(cfg["admin_list_calls"])]
        with open(listing, encoding="utf-8") as f:
            items = json.load(f)["items"]
        # the Tuesdays of 2031: 7 January to 30 December
        if len(items) != 52 * n or not all(i.get("series") for i in items):
            raise RuntimeError(f"event list shows {len(items)} rows, not {52 * n} dates")
        res.add("admin.series_list", round(statistics.median(times), 1), "ms", "<", 150,
                note=f"median of {len(times)} whole `gemsync event list --json --from D > "
                     f"file` calls, {n} weekly series over one year, {len(items)} rows, "
                     f"{os.path.getsize(listing) >> 20} MiB")
        # the first list expands every series with libical; the others find
        # the expansions in the daemon's cache
        res.add("admin.series_list_cold", round(times[0], 1), "ms",
                note="the first of those calls, every series expanded (no cache yet)")


def timed_runs(cmd, runs, daemon_pid):
    """Whole-process times of runs of cmd (ms), each with the 1-minute
    load average just before it, as the house rule asks, and the CPU time
    of each (the command's own, and the daemon's while it ran, in ms): on
    a busy machine the wall time waits for the CPU, the CPU time much
    less."""
    import resource
    times, loads, cpus = [], [], []
    for _ in range(runs):
        loads.append(os.getloadavg()[0])
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        d0 = cpu_s(daemon_pid)
        times.append(run_ms(cmd, timeout=300)[0])
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cli = (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)
        cpus.append((cli + cpu_s(daemon_pid) - d0) * 1000)
    return times, loads, cpus


def bench_export(cfg, res, seed):
    """What reaches members (issue 15): the calendar feed of every event
    and the week's programme (page and calendar), whole `gemsync`
    processes, over a network of n events (gs_bulk: 2031 and 2032)."""
    n = cfg["export_events"]
    log(f"export ics and programme with {n} events")
    with Net() as net:
        a = net.site("GEM La Passerelle", extra=INFO)
        a.init()
        bulk([a.data], n, 20, seed + 5, edits=0, resources=0)
        start(a)
        base = [GEMSYNC, "-c", a.conf]
        ics = os.path.join(net.root, "reseau.ics")
        cmd = base + ["export", "ics", "--from", "2031-01-01", "--to", "2032-12-31",
                      "--members", "-o", ics]
        times, loads, cpus = timed_runs(cmd, cfg["export_runs"], a.proc.pid)
        with open(ics, "rb") as f:
            vevents = f.read().count(b"BEGIN:VEVENT\r\n")
        if vevents != n:
            raise RuntimeError(f"export ics wrote {vevents} events, not {n}")
        res.add("export.ics", round(statistics.median(times), 1), "ms", "<", 300,
                note=f"median of {len(times)} whole `gemsync export ics --members -o FILE` "
                     f"calls, {vevents} events, {os.path.getsize(ics) >> 10} KiB; load "
                     f"average before each: {', '.join(f'{x:.1f}' for x in loads)}")
        res.add("export.ics_cpu", round(statistics.median(cpus), 1), "ms",
                note="median CPU time of those calls: gemsync's own and gemsyncd's while "
                     "it ran (daemon ticks of 10 ms)")
        out = os.path.join(net.root, "programme")
        cmd = base + ["programme", "--week", "--from", "2031-06-10", "--members", "-o", out]
        times, loads, cpus = timed_runs(cmd, cfg["export_runs"], a.proc.pid)
        with open(os.path.join(out, "index.html"), encoding="utf-8") as f:
            shown = f.read().count('<li class="event"')
        res.add("export.programme", round(statistics.median(times), 1), "ms", "<", 300,
                note=f"median of {len(times)} whole `gemsync programme --week --members -o "
                     f"DIR` calls, {shown} events of {n} in the week (page and .ics); load "
                     f"average before each: {', '.join(f'{x:.1f}' for x in loads)}")
        res.add("export.programme_cpu", round(statistics.median(cpus), 1), "ms",
                note="median CPU time of those calls: gemsync's own and gemsyncd's while "
                     "it ran (daemon ticks of 10 ms)")


def bench_growth(cfg, res, seed, cache):
    sizes = cfg["growth"]
    pts = []
    for n in sizes:
        if n in cache:
            got, took, rss, disk = cache[n]
        else:
            log(f"growth: initial sync of {n} changes")
            got, took, rss, _, _, disk = initial_sync(cfg, n, seed)
            cache[n] = (got, took, rss, disk)
        pts.append((got, took, rss))
        res.rate(f"growth.sync_rate_{n}", got / took, "changes/s",
                 note=f"{got} changes in {took:.1f} s")
        res.add(f"growth.peak_rss_{n}", round(rss / 1024, 1), "MiB",
                "<=" if n >= 1000000 else None, 48 if n >= 1000000 else None,
                note=f"VmHWM of B; {disk.get('resent', 0)} changes it received twice")
        add_disk(res, n, got, disk)
    xs = [p[0] for p in pts]
    res.add("growth.time_exponent", round(slope(xs, [p[1] for p in pts]), 3), "", "<=", 1,
            note="log-log slope of sync time against changes, " + "/".join(map(str, sizes)))
    res.add("growth.rss_exponent", round(slope(xs, [p[2] for p in pts]), 3), "", "<=", 1,
            note="log-log slope of B's peak RSS against changes")


class StatusPoller:
    """Calls `gemsync --json status` back to back in a thread, bounded in
    calls and time, and keeps each call's latency (ms)."""

    def __init__(self, site, max_calls=20000, max_s=900):
        import threading
        self.site, self.max_calls, self.max_s = site, max_calls, max_s
        self.ms, self.failed = [], 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        end = time.monotonic() + self.max_s
        for _ in range(self.max_calls):
            if self.stop.is_set() or time.monotonic() > end:
                break
            t0 = time.monotonic()
            r = self.site.run("--json", "status", timeout=90, cli_timeout=60)
            self.ms.append((time.monotonic() - t0) * 1000)
            self.failed += r.returncode != 0
            time.sleep(0.01)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=120)
        return False


def bench_stall(cfg, res, seed):
    """p99 of `gemsync status` while a trusted peer's 5,000-change chain on
    one item, then a flood of 100,000 small messages, then 100,000 valid
    changes (new events), are applied (issue 17, reliability case 27).
    gs_junk sends them with B's key."""
    junk = os.path.join(TOOLS, "gs_junk")
    n, flood = cfg["stall_chain"], cfg["stall_flood"]
    log(f"status latency under a {n}-change chain and a {flood}-message flood")
    with Net() as net:
        a = net.site("GEM Le Rebond", extra=INFO)
        b = net.site("GEM La Passerelle", extra=INFO)
        for s in (a, b):
            s.init()
            start(s)
        a.peer(b)
        b.stop()
        before = a.status()["changes"]
        with StatusPoller(a) as poll:
            run_ms([junk, "chain", b.data, a.endpoint, a.id, str(n), str(seed)], timeout=900)
            wait_until(lambda: a.status()["changes"] >= before + n, timeout=900, interval=0.2,
                       what=f"the {n} changes of the chain applied")
        if not poll.ms:
            raise RuntimeError("no status call during the chain")
        res.add("stall.status_p99_chain", round(percentile(poll.ms, 99), 1), "ms", "<", 200,
                note=f"p99 of {len(poll.ms)} `gemsync --json status` calls while a "
                     f"{n}-change chain on one item is applied; slowest "
                     f"{max(poll.ms):.0f} ms, {poll.failed} failed")
        with StatusPoller(a) as poll:
            run_ms([junk, "flood", b.data, a.endpoint, a.id, str(flood), str(seed)],
                   timeout=900)
        if not poll.ms:
            raise RuntimeError("no status call during the flood")
        res.add("stall.status_p99_flood", round(percentile(poll.ms, 99), 1), "ms", "<", 200,
                note=f"p99 of {len(poll.ms)} status calls while {flood} messages are "
                     f"received and handled; slowest {max(poll.ms):.0f} ms, "
                     f"{poll.failed} failed")
        before = a.status()["changes"]
        with StatusPoller(a) as poll:
            run_ms([junk, "events", b.data, a.endpoint, a.id, str(flood), str(seed)],
                   timeout=900)
            wait_until(lambda: a.status()["changes"] >= before + flood, timeout=900,
                       interval=0.2, what=f"the {flood} new events applied")
        if not poll.ms:
            raise RuntimeError("no status call during the events")
        res.add("stall.status_p99_changes", round(percentile(poll.ms, 99), 1), "ms", "<", 200,
                note=f"p99 of {len(poll.ms)} status calls while {flood} valid changes "
                     f"(new events, batches of 4096) are verified and applied; slowest "
                     f"{max(poll.ms):.0f} ms, {poll.failed} failed")


def bench_country(cfg, res, seed):
    """A national network on one machine (tests/bench/country.py)."""
    import country
    country.run(res, cfg["country_sites"], seed, cfg["country_events"], cfg["country_steady"])


def expected(cfg, only):
    """Names of every figure the benchmarks in `only` produce."""
    names = []
    if any(b in only for b in ("ceiling", "initial", "growth")):
        names += ["ceiling.verify", "ceiling.unseal", "ceiling.insert", "ceiling.slowest"]
    if "initial" in only:
        names += ["initial_sync.rate", "initial_sync.rate_ratio", "initial_sync.peak_rss",
                  "initial_sync.cpu_per_change", "initial_sync.loop_cpu_per_change",
                  "initial_sync.verify_cpu_per_change", "initial_sync.sender_cpu_per_change",
                  f"disk.bytes_per_change_{size_label(cfg['sync_changes'])}", "disk.wal_peak"]
    if "propagation" in only:
        names += ["propagation.p50", "propagation.p99", "propagation.p99_loaded"]
    if "insync" in only:
        names += ["in_sync.bytes_per_round", "in_sync.cpu_per_round"]
    if "footprint" in only:
        names += ["footprint.idle_rss", "footprint.idle_cpu"]
    if "admin" in only:
        names += ["admin.event_list", "admin.event_add", "admin.event_add_request",
                  "admin.sequential_adds"]
    if "series" in only:
        names += ["admin.series_list", "admin.series_list_cold"]
    if "growth" in only:
        for n in cfg["growth"]:
            names += [f"growth.sync_rate_{n}", f"growth.sync_rate_{n}_ratio",
                      f"growth.peak_rss_{n}"]
            if "initial" not in only or n != cfg["sync_changes"]:
                names.append(f"disk.bytes_per_change_{size_label(n)}")
        names += ["growth.time_exponent", "growth.rss_exponent"]
    if "stall" in only:
        names += ["stall.status_p99_chain", "stall.status_p99_flood",
                  "stall.status_p99_changes"]
    if "export" in only:
        names += ["export.ics", "export.ics_cpu", "export.programme",
                  "export.programme_cpu"]
    if "country" in only:
        import country
        names += country.FIGURES
    return names


def check(cfg, only, figures):
    """Problems with the figures: missing, repeated or malformed. Never
    looks at what a value is, only that it is one."""
    problems = []
    by_name = {}
    for f in figures:
        if f["name"] in by_name:
            problems.append(f"{f['name']}: reported twice")
        by_name[f["name"]] = f
        v = f["value"]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            problems.append(f"{f['name']}: value {v!r} is not a finite number")
        elif v < 0 and not f["name"].endswith("_exponent"):
            problems.append(f"{f['name']}: negative value {v}")
        if not isinstance(f["unit"], str):
            problems.append(f"{f['name']}: no unit")
        if f["op"] is not None and not isinstance(f["target"], (int, float)):
            problems.append(f"{f['name']}: compared with no target")
    for n in expected(cfg, only):
        if n not in by_name:
            problems.append(f"{n}: not produced")
    return problems


def machine():
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as f:
            for ln in f:
                if ln.startswith("model name"):
                    cpu = ln.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, {platform.system()} {platform.release()}"


def commit():
    r = subprocess.run(["git", "-C", os.path.dirname(os.path.abspath(__file__)), "rev-parse",
                        "--short", "HEAD"], capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else ""


def table(path):
    """Prints the figures of a --json document as a Markdown table."""
    with open(path) as f:
        doc = json.load(f)
    print(f"Run of {doc['date']}, commit {doc['commit']}, seed {doc['seed']}, "
          f"{doc['seconds']} s; machine: {doc['machine']}.\n")
    print("| figure | value | unit | target | meets it | ceiling | how |")
    print("|---|---|---|---|---|---|---|")
    for f in doc["figures"]:
        tgt = f"{f['op']} {fmt(f['target'])}" if f["op"] else ""
        meets = {True: "yes", False: "**no**"}.get(f.get("meets_target"), "")
        ceil = f"{f['ceiling']:.0f}/s" if f["ceiling"] else ""
        print(f"| `{f['name']}` | {fmt(f['value'])} | {f['unit']} | {tgt} | {meets} | {ceil} "
              f"| {f['note']} |")
    for fl in doc["failed"]:
        print(f"\nFailed: {fl}")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--table":
        table(sys.argv[2])
        return 0
    ap = argparse.ArgumentParser(description="gemsync benchmarks (docs/performance.md); "
                                 "--table FILE prints a --json document as Markdown")
    ap.add_argument("--smoke", action="store_true", help="small sizes (CI)")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    ap.add_argument("--only", default=",".join(BENCHES),
                    help="comma-separated subset of: " + ",".join(BENCHES))
    ap.add_argument("--check", action="store_true",
                    help="exit non-zero unless every figure is produced and well formed")
    ap.add_argument("--seed", type=int, default=int(os.environ.get("GS_SEED", "2026")))
    ap.add_argument("--sites", type=int, help="sites of the country benchmark "
                    "(default 350, smoke 50; country.py --sites 700 is the issue's size)")
    args = ap.parse_args()
    only = [b.strip() for b in args.only.split(",") if b.strip()]
    bad = [b for b in only if b not in BENCHES]
    if bad:
        ap.error(f"unknown benchmark {bad}; choose from {BENCHES}")
    cfg = dict(SMOKE if args.smoke else FULL)
    if args.sites:
        cfg["country_sites"] = args.sites
    res = Results()
    out = sys.stdout
    if args.json:
        sys.stdout = sys.stderr  # result lines go to stderr, JSON alone to stdout
    started = time.monotonic()
    failed = []
    cache = {}
    with tempfile.TemporaryDirectory(prefix="gemsync-bench-") as work:
        # the ceiling first: sync rates are given as a ratio to it
        if any(b in only for b in ("ceiling", "initial", "growth")):
            bench_ceiling(cfg, res, work)
        steps = [("initial", lambda: bench_initial(cfg, res, args.seed, cache)),
                 ("propagation", lambda: bench_propagation(cfg, res, args.seed)),
                 ("insync", None), ("admin", lambda: bench_admin(cfg, res, args.seed)),
                 ("series", lambda: bench_series(cfg, res)),
                 ("growth", lambda: bench_growth(cfg, res, args.seed, cache)),
                 ("stall", lambda: bench_stall(cfg, res, args.seed)),
                 ("export", lambda: bench_export(cfg, res, args.seed)),
                 ("country", lambda: bench_country(cfg, res, args.seed))]
        for name, fn in steps:
            if name == "insync":
                if "insync" in only or "footprint" in only:
                    try:
                        with Net() as net:
                            hub, sites = in_sync_net(cfg, net, args.seed)
                            if "insync" in only:
                                bench_insync(cfg, res, sites)
                            if "footprint" in only:
                                bench_footprint(cfg, res, hub)
                    except Exception as e:  # noqa: BLE001 - report, go on
                        failed.append(("insync/footprint", e))
                        log(f"insync/footprint failed: {e}")
                continue
            if name not in only:
                continue
            try:
                fn()
            except Exception as e:  # noqa: BLE001 - report, go on
                failed.append((name, e))
                log(f"{name} failed: {e}")
    took = time.monotonic() - started
    log(f"done in {took:.0f} s")
    doc = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
           "machine": machine(), "commit": commit(), "smoke": args.smoke, "seed": args.seed,
           "seconds": round(took), "benchmarks": only,
           "failed": [f"{n}: {e}" for n, e in failed], "figures": res.figures}
    if args.json:
        sys.stdout = out
        print(json.dumps(doc, ensure_ascii=False, indent=1))
    if args.check:
        problems = check(cfg, only, res.figures)
        for p in problems:
            log(f"check: {p}")
        if problems:
            return 1
        log(f"check: all {len(res.figures)} figures produced and well formed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
