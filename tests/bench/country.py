#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""A national network on one machine (issue 18): N sites (France has
about 700 GEMs) on 127.0.0.1, wired as a random graph of degree 4.

Every site is started with the daemon's default settings (rounds every
30 s, heartbeats every 10 s, info logs), its data dir on disk, its port
taken from a free range below the kernel's ephemeral ports. Each link is
a pair of `gemsync peer add --introducer` (each end the introducer of the
other): a site's admin trusts its neighbours, and the neighbours' trust
travels along the graph, so everyone ends up trusting everyone without
N x N `site trust` calls. One more site, the absent one, joins like the
others, then is stopped for the whole run and restarted at its end.

The links are added at the pace the network takes them in: 24 at a time
(6 CLI processes at once), each group once the daemons together use less
than one core (read from /proc, at most 60 s); a `peer add` waits up to
120 s for its answer and is sent again, 3 times at most.

Figures (one line each, as bench.py prints them):
  country.wiring_s, country.wiring_cpu  from the first peer add until
      every site holds every site's profile: seconds, and the CPU of
      every daemon meanwhile
  country.intro_sent_site, country.intro_received_site,
  country.trusted_site    introduction messages a site sent and received
      while wired, and the sites it trusted because of them (means; the
      status's "introductions" counters)
  country.propagation_p50/_p99/_max  an event added at a random site,
      the time until every other running site holds it (received -
      created, the latest site), over --events events
  country.steady_cpu      CPU of every daemon over --steady seconds, in %
      of one core (utime + stime, /proc/PID/stat)
  country.rss_total, country.rss_site_max, country.rss_site_median
  country.pss_total, country.private_site_median  the same without
      counting the shared libraries' pages once per daemon
  country.bytes_per_round payload bytes (sent + received, halved) per
      round started, over the same time
  country.catch_up        seconds until the absent site, restarted, holds
      what its neighbours hold

  GS_BIN_DIR=build python3 tests/bench/country.py --sites 50 [--wire-only] [--json]
  python3 tests/bench/bench.py --only country [--sites N]

Every wait is bounded in count and time; every daemon is stopped by its
PID.
"""
import argparse
import concurrent.futures
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import bench  # noqa: E402
from gslib import Net, wait_until  # noqa: E402

TOWNS = ["Lyon", "Marseille", "Lille", "Rennes", "Nantes", "Bordeaux", "Toulouse",
         "Strasbourg", "Dijon", "Limoges", "Clermont-Ferrand", "Montpellier", "Nice",
         "Rouen", "Caen", "Brest", "Amiens", "Reims", "Metz", "Besançon", "Orléans",
         "Tours", "Poitiers", "Pau", "Perpignan", "Ajaccio", "Grenoble", "Vienne"]
WORKERS = 6   # CLI processes at once (2 cores, shared)


def free_ports(n, lo=20000):
    """n TCP ports on 127.0.0.1, free right now, below the ephemeral range
    (outgoing connections never take them)."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            hi = int(f.read().split()[0])
    except OSError:
        hi = 32768
    ports = []
    for port in range(lo, hi):
        if len(ports) == n:
            return ports
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
            ports.append(port)
        except OSError:
            pass
        finally:
            s.close()
    raise RuntimeError(f"only {len(ports)} free ports between {lo} and {hi}, {n} needed")


def pmap(fn, xs, workers=WORKERS):
    with concurrent.futures.ThreadPoolExecutor(workers) as ex:
        return list(ex.map(fn, xs))


def graph(n, d, rng):
    """A connected random simple graph on n nodes, every degree d (n*d
    even) or d and one d+1."""
    if n <= d:
        return sorted((u, v) for u in range(n) for v in range(u + 1, n))
    if n * d % 2 == 0:
        return bench.regular_graph(n, d, rng)
    edges = bench.regular_graph(n - 1, d, rng)
    others = rng.sample(range(n - 1), d)
    return sorted(edges + [(u, n - 1) for u in others])


def start_all(sites):
    """Initialises and starts every site, then waits until each answers."""
    def init(s):
        s.init()
    pmap(init, sites)
    for s in sites:
        s.start(wait=False)

    def up(s):
        def ok():
            if s.proc.poll() is not None:
                raise RuntimeError(f"{s.name} exited: {s.tail_log()}")
            return s.run("--json", "status", timeout=60).returncode == 0
        wait_until(ok, timeout=120 + len(sites) * 0.2, interval=0.5, what=f"{s.name} to answer")
    pmap(up, sites)


def stop_all(sites):
    """SIGTERM to every running daemon at once, then waits for each."""
    for s in sites:
        if s.proc is not None and s.proc.poll() is None:
            s.proc.send_signal(signal.SIGTERM)
    for s in sites:
        if s.proc is not None:
            try:
                s.proc.wait(timeout=30)
            except Exception:  # noqa: BLE001 - killed below, by its PID
                s.proc.kill()
                s.proc.wait(timeout=10)


def counts(sites):
    return pmap(lambda s: s.status()["changes"], sites)


def settle(sites, want, timeout):
    """Waits until every site holds `want` changes at least; asks only the
    sites that did not yet (700 status calls every 2 s are a load)."""
    left = list(sites)

    def done():
        nonlocal left
        left = [s for s, k in zip(left, counts(left)) if k < want]
        return True if not left else None
    wait_until(done, timeout=timeout, interval=2.0, what=f"{want} changes at every site")


def daemons_cpu(sites):
    """utime + stime of every running daemon, in seconds."""
    return sum(bench.cpu_s(s.proc.pid) for s in sites if s.proc is not None)


def calm(sites, window=1.0, busy=1.0, limit=60.0):
    """Waits until the daemons together use less than `busy` cores over
    `window` seconds (the network has taken in the last links), at most
    `limit` seconds. Reads /proc only: asking 700 daemons is a load."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        c0, t0 = daemons_cpu(sites), time.monotonic()
        time.sleep(window)
        if (daemons_cpu(sites) - c0) / (time.monotonic() - t0) < busy:
            return


def peer_add(u, v, tries=3):
    """`gemsync peer add --introducer` at u for v. A daemon busy taking
    in introductions may answer late: the CLI waits up to 120 s, and a
    request without an answer is sent again (adding a peer twice is the
    same as once), `tries` times at most."""
    for k in range(tries):
        try:
            r = u.run("--json", "peer", "add", v.id, v.endpoint, "--name", v.name,
                      "--introducer", timeout=150, cli_timeout=120)
        except subprocess.TimeoutExpired:
            bench.log(f"country: peer add at {u.name} timed out (try {k + 1} of {tries})")
            continue
        if r.returncode == 0:
            return
        bench.log(f"country: peer add at {u.name} failed (try {k + 1} of {tries}): "
                  f"{r.stderr.strip()[:200]}")
    raise RuntimeError(f"{u.name}: peer add {v.name} failed {tries} times "
                       f"(load average {os.getloadavg()[0]:.1f})")


def wire(sites, links, chunk=24):
    """Adds the links `chunk` at a time (WORKERS CLI processes at once),
    each chunk once the daemons have calmed down after the previous one."""
    def link(uv):
        u, v = uv
        peer_add(u, v)
        peer_add(v, u)
    for i in range(0, len(links), chunk):
        pmap(link, links[i:i + chunk])
        calm(sites)


INTRO_KEYS = ("sent", "sent_sites", "full_sent", "received", "received_sites", "trusted",
              "batches")


def intro_totals(sites):
    """The sum over every site of its status's introduction counters."""
    st = pmap(lambda s: s.status().get("introductions", {}), sites)
    return {k: sum(x.get(k, 0) for x in st) for k in INTRO_KEYS}


def parse_ms(s):
    return bench.parse_time(s) * 1000


def propagation(sites, events, rng, gap):
    """Adds `events` events at random sites, `gap` seconds apart; returns,
    for each, the latest received - created over every other site (ms)."""
    made = {}
    for i in range(events):
        origin = rng.choice(sites)
        e = origin.add_event(f"Sortie régionale n°{i}", f"2031-{1 + i % 12:02d}-"
                             f"{1 + i % 28:02d}T14:00:00+01:00", "outing",
                             "--place", "Musée des Beaux-Arts, 69001 Lyon")
        made[e] = origin
        time.sleep(gap)
    worst = {e: 0.0 for e in made}
    pending = list(sites)
    deadline = time.monotonic() + 60 + len(sites) * 0.2
    for _ in range(30):   # bounded in count and time
        def look(s):
            items = {it["id"]: it for it in s.events()}
            return s, items
        left = []
        for s, items in pmap(look, pending):
            missing = [e for e in made if e not in items]
            if missing:
                left.append(s)
                continue
            for e, origin in made.items():
                if s is origin:
                    continue
                it = items[e]
                worst[e] = max(worst[e], parse_ms(it["received"]) - parse_ms(it["created"]))
        pending = left
        if not pending or time.monotonic() > deadline:
            break
        time.sleep(2)
    if pending:
        raise RuntimeError(f"{len(pending)} sites still lack events, e.g. {pending[0].name}")
    return list(worst.values())


def rollup(pid):
    """Pss and private (clean + dirty) KiB of a process: what it costs
    the machine, its share of shared library pages included once."""
    vals = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for ln in f:
            parts = ln.split()
            if len(parts) >= 2 and parts[0].endswith(":") and parts[1].isdigit():
                vals[parts[0][:-1]] = int(parts[1])
    return vals["Pss"], vals["Private_Clean"] + vals["Private_Dirty"]


def snapshot(sites):
    st = pmap(lambda s: s.status(), sites)
    return (sum(x["bytes_sent"] + x["bytes_received"] for x in st) / 2,
            sum(x["rounds"] for x in st),
            sum(bench.cpu_s(s.proc.pid) for s in sites))


def run(res, n, seed, events=20, steady=300, degree=4, gap=1.0, root=None, wire_only=False):
    """Builds the network of n running sites plus the absent one, and
    adds the figures to res (a bench.Results)."""
    rng = random.Random(seed)
    load = os.getloadavg()[0]
    bench.log(f"country: {n} sites + 1 absent, degree {degree}, load average {load:.2f}")
    t_all = time.monotonic()
    ports = free_ports(n + 1)
    edges = graph(n, degree, rng)
    with Net() as net:
        if root:
            net.root = root
        sites = [net.site(f"GEM {TOWNS[k % len(TOWNS)]} {k}", town=TOWNS[k % len(TOWNS)],
                          extra=bench.INFO, port=ports[k]) for k in range(n)]
        absent = net.site("GEM Absent", town="Aurillac", department="15", extra=bench.INFO,
                          port=ports[n])
        allsites = sites + [absent]
        try:
            t0 = time.monotonic()
            start_all(allsites)
            pmap(lambda s: s.id, allsites)
            bench.log(f"country: {n + 1} daemons up in {time.monotonic() - t0:.0f} s")
            links = [(sites[u], sites[v]) for u, v in edges]
            links += [(absent, o) for o in rng.sample(sites, min(2, n))]
            t0, c0 = time.monotonic(), daemons_cpu(allsites)
            wire(allsites, links)
            # every site's profile is one change: n + 1 of them everywhere
            settle(allsites, n + 1, timeout=120 + n)
            wired, cpu = time.monotonic() - t0, daemons_cpu(allsites) - c0
            bench.log(f"country: {len(links)} links, every site trusting every other, in "
                      f"{wired:.0f} s, {cpu:.0f} s of CPU, load average "
                      f"{os.getloadavg()[0]:.1f}")
            it = intro_totals(allsites)
            m = n + 1
            note = (f"{m} sites, {len(links)} links, from the first peer add until every "
                    f"site holds every profile; load average {load:.2f} before")
            res.add("country.wiring_s", round(wired, 1), "s", note=note)
            res.add("country.wiring_cpu", round(cpu, 1), "s", note=note + ", every "
                    "daemon's utime + stime")
            res.add("country.intro_sent_site", round(it["sent"] / m, 1), "messages",
                    note=f"introduction messages a site sent while wired (mean; "
                    f"{it['full_sent'] / m:.1f} of them every site it trusts, "
                    f"{it['sent_sites'] / m:.0f} site keys in all; passed on "
                    f"{it['batches'] / m:.1f} times)")
            res.add("country.intro_received_site", round(it["received"] / m, 1), "messages",
                    note=f"introduction messages a site received from its introducers (mean; "
                    f"{it['received_sites'] / m:.0f} site keys)")
            res.add("country.trusted_site", round(it["trusted"] / m, 1), "sites",
                    note="trust decisions a site wrote because of introductions (mean)")
            bench.log("country: introductions " + ", ".join(f"{k} {v / m:.1f}"
                                                            for k, v in it.items()) +
                      " per site")
            if wire_only:
                return
            absent.stop()
            busy = os.getloadavg()[0]
            lat = propagation(sites, events, rng, gap)
            note = (f"{len(lat)} events, {n} sites, degree {degree}, default settings; "
                    f"received - created, the latest site; load average {load:.2f} before "
                    f"the run, {busy:.2f} before the events")
            res.add("country.propagation_p50", round(statistics.median(lat), 1), "ms",
                    note=note)
            res.add("country.propagation_p99", round(bench.percentile(lat, 99), 1), "ms",
                    "<=", 1000, note=note)
            res.add("country.propagation_max", round(max(lat), 1), "ms", note=note)
            bench.log(f"country: steady state for {steady} s")
            b0, r0, c0 = snapshot(sites)
            t0 = time.monotonic()
            time.sleep(steady)
            took = time.monotonic() - t0
            b1, r1, c1 = snapshot(sites)
            rss = [bench.mem_kib(s.proc.pid, "VmRSS") for s in sites]
            pss, private = zip(*(rollup(s.proc.pid) for s in sites))
            note = f"{n} sites, {steady} s, load average {os.getloadavg()[0]:.2f} at the end"
            res.add("country.steady_cpu", round((c1 - c0) / took * 100, 2), "% of a core",
                    "<=", 25, note=note + f", every daemon's utime + stime")
            res.add("country.rss_total", round(sum(rss) / 1024, 1), "MiB", note=note)
            res.add("country.rss_site_max", round(max(rss) / 1024, 1), "MiB", "<=", 12,
                    note=note)
            res.add("country.rss_site_median", round(statistics.median(rss) / 1024, 1),
                    "MiB", note=note)
            res.add("country.pss_total", round(sum(pss) / 1024, 1), "MiB",
                    note=note + ", every daemon's Pss (shared library pages counted once)")
            res.add("country.private_site_median", round(statistics.median(private) / 1024, 1),
                    "MiB", note=note + ", a daemon's own pages (Private_Clean + "
                    "Private_Dirty); the rest of its RSS is libraries shared by all")
            rounds = r1 - r0
            res.add("country.bytes_per_round", round((b1 - b0) / rounds) if rounds else 0,
                    "B", note=note + f", {rounds} rounds")
            want = max(counts(sites))
            t0 = time.monotonic()
            absent.start(wait=False)
            wait_until(lambda: absent.run("--json", "status", timeout=30).returncode == 0
                       and absent.status()["changes"] >= want,
                       timeout=120, interval=0.25, what="the absent site caught up")
            res.add("country.catch_up", round(time.monotonic() - t0, 2), "s",
                    note=f"the site stopped during the run, from its restart until it holds "
                         f"{want} changes (process start included)")
        finally:
            stop_all(allsites)
    bench.log(f"country: done in {time.monotonic() - t_all:.0f} s")


FIGURES = ["country.wiring_s", "country.wiring_cpu", "country.intro_sent_site",
           "country.intro_received_site", "country.trusted_site", "country.propagation_p50", "country.propagation_p99", "country.propagation_max",
           "country.steady_cpu", "country.rss_total", "country.rss_site_max",
           "country.rss_site_median", "country.pss_total", "country.private_site_median",
           "country.bytes_per_round", "country.catch_up"]


def main():
    ap = argparse.ArgumentParser(description="a national network of gemsync sites on one "
                                 "machine (docs/performance.md)")
    ap.add_argument("--sites", type=int, default=350)
    ap.add_argument("--events", type=int, default=20)
    ap.add_argument("--steady", type=int, default=300, help="seconds of steady state")
    ap.add_argument("--seed", type=int, default=int(os.environ.get("GS_SEED", "2026")))
    ap.add_argument("--wire-only", action="store_true",
                    help="stop once the sites are wired (the wiring figures only)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    res = bench.Results()
    out = sys.stdout
    if args.json:
        sys.stdout = sys.stderr
    run(res, args.sites, args.seed, args.events, args.steady, wire_only=args.wire_only)
    if args.json:
        sys.stdout = out
        print(json.dumps(res.figures, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
