# SPDX-License-Identifier: AGPL-3.0-or-later
"""Hostile peers over the real wire (docs/internals/reliability.md, "Bad
input from a peer" 1-4 and 12, "Refused connections" 13).

Site A is the target. B is a trusted peer of A whose key gs_junk borrows
(B's own daemon is stopped, so every message from B's key is ours). C is
an honest peer of A. After each kind of bad input A must still answer the
CLI, hold exactly the same data, sync with C both ways, count what it
refused, and keep its memory bounded. Connections without CURVE, with a
wrong server key or with an unknown client key must get nothing, and the
unknown key must be listed in `site pending`.
"""
import os
import subprocess
import threading
import time

from gslib import GEMSYNCD, TOOLS, Net, run_tests, wait_until

JUNK = os.path.join(TOOLS, "gs_junk")


def _asan():
    with open(GEMSYNCD, "rb") as f:
        return b"__asan_init" in f.read()


# generous: what matters is that it does not grow with the junk; the
# sanitizer's quarantine and shadow memory alone take hundreds of MiB
RSS_LIMIT_KIB = (2048 if _asan() else 500) * 1024


def event_ids(site):
    return sorted(e["id"] for e in site.events() if not e["deleted"])


def rss_kib(site):
    with open(f"/proc/{site.proc.pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def junk(mode, key_site, target, *extra, timeout=300):
    """Runs gs_junk; returns its summary line as a dict of strings."""
    r = subprocess.run([JUNK, mode, key_site.data, target.endpoint, target.id, *extra],
                       capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"gs_junk {mode} exited {r.returncode}: {r.stderr}{r.stdout}"
    line = [ln for ln in r.stdout.splitlines() if ln.startswith("gs_junk:")]
    assert line, r.stdout
    print(f"  {line[-1]}", flush=True)
    return dict(kv.split("=", 1) for kv in line[-1].split()[1:])


# The slowest `gemsync status` allowed while a long chain or a flood is
# applied (issue 17, reliability case 27): generous for a busy CI machine;
# before the loop was bounded per turn, the chain held it for 9 s or more.
STATUS_BOUND_S = 2.0


class CliLatency:
    """Calls `status` on a site in a loop while junk is sent and applied;
    records every answer's latency, the slowest, and the calls that failed
    (the CLI gives up after GEMSYNC_TIMEOUT, 30 s). Bounded in calls and
    in time. With bound=None it only prints (its figures depend on the
    machine); with a bound, a slower answer or a failed call fails the
    test, the one wall-clock assertion the issue asks for."""

    MAX_CALLS, MAX_S = 10000, 900

    def __init__(self, site, bound=None):
        self.site, self.worst, self.calls, self.failures = site, 0.0, 0, 0
        self.bound, self.latencies = bound, []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        end = time.monotonic() + self.MAX_S
        for _ in range(self.MAX_CALLS):
            if self.stop.is_set() or time.monotonic() > end:
                break
            t0 = time.monotonic()
            r = self.site.run("--json", "status", timeout=60)
            dt = time.monotonic() - t0
            self.latencies.append(dt)
            self.worst = max(self.worst, dt)
            self.calls += 1
            self.failures += r.returncode != 0
            time.sleep(0.05)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, exc_type, *exc):
        self.stop.set()
        self.thread.join(timeout=90)
        lat = sorted(self.latencies)
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else 0.0
        print(f"  CLI status during the junk: {self.calls} calls, {self.failures} failed, "
              f"p99 {p99:.2f}s, slowest {self.worst:.2f}s", flush=True)
        if exc_type is None and self.bound is not None:
            assert self.calls > 0, "no status call was made"
            assert self.failures == 0 and self.worst <= self.bound, (
                f"STALL: {self.site.name}'s loop was blocked: slowest status "
                f"{self.worst:.2f}s (bound {self.bound}s), {self.failures} calls failed")
        return False


def refused_from(site, peer_id):
    for p in site.j("peer", "list")["peers"]:
        if p["site_id"] == peer_id:
            return p["refused"]
    return 0


class World:
    """A (target), B (trusted, stopped: its key is gs_junk's), C (honest)."""

    def __init__(self, net):
        self.net = net
        self.a = net.started("GEM Le Rebond")
        self.b = net.started("GEM La Passerelle")
        self.c = net.started("GEM L'Envol")
        a, b, c = self.a, self.b, self.c
        self.b_id = b.id
        a.peer(b)
        a.peer(c)
        c.peer(a)
        b.stop()
        self.event = a.add_event("Sortie au musée", "2030-12-05T14:00:00+01:00", "outing",
                                 "--capacity", "12")
        ec = c.add_event("Atelier écriture", "2030-12-01T14:00:00+01:00")
        wait_until(lambda: ec in event_ids(a) and self.event in event_ids(c), timeout=40,
                   what="A and C in sync before any junk")
        self.n = 0

    def snapshot(self):
        st = self.a.status()
        return {"changes": st["changes"], "items": st["items"], "refused": st["refused"],
                "peer_refused": refused_from(self.a, self.b_id),
                "event": self.a.cli("--json", "event", "show", self.event)}

    def check_after(self, before, what):
        """A serves, holds the same data, syncs with C both ways, RSS bounded."""
        a, c = self.a, self.c
        assert a.alive(), f"A does not answer after {what}"
        after = self.snapshot()
        assert after["changes"] == before["changes"], (what, before, after)
        assert after["items"] == before["items"], (what, before, after)
        assert after["event"] == before["event"], f"event changed after {what}"
        self.n += 1
        ec = c.add_event(f"Groupe de parole n°{self.n}", "2030-11-02T14:00:00+01:00")
        ea = a.add_event(f"Repas partagé n°{self.n}", "2030-11-03T12:00:00+01:00")
        wait_until(lambda: ec in event_ids(a), timeout=40, interval=0.25,
                   what=f"C's event at A after {what}")
        wait_until(lambda: ea in event_ids(c), timeout=40, interval=0.25,
                   what=f"A's event at C after {what}")
        rss = rss_kib(a)
        print(f"  {what}: A VmRSS {rss} KiB, peak {a.peak_rss_kib()} KiB, refused "
              f"{before['refused']} -> {after['refused']}", flush=True)
        assert rss < RSS_LIMIT_KIB, f"A uses {rss} KiB after {what}"
        return after


def bad_input_tests(w):
    a, b = w.a, w.b

    def test_garbage_frames():
        before = w.snapshot()
        r = junk("garbage", b, a, "1000", "1")
        assert r["probe"] == "answered", r
        after = w.check_after(before, "garbage")
        # an undecodable frame is counted against the peer that sent it
        assert after["refused"] - before["refused"] >= 990, (before, after)
        assert after["peer_refused"] - before["peer_refused"] >= 990, (before, after)

    def test_truncated_frames():
        before = w.snapshot()
        r = junk("truncated", b, a, "1000", "2")
        assert r["probe"] == "answered", r
        after = w.check_after(before, "truncated")
        # every cut leaves a frame that fails to decode or carries no message
        assert after["refused"] - before["refused"] >= 1000, (before, after)
        assert after["peer_refused"] - before["peer_refused"] >= 1000, (before, after)

    def test_oversized_frame():
        before = w.snapshot()
        r = junk("oversized", b, a, "1", "3")
        # ZMQ_MAXMSGSIZE: the daemon drops that connection, and takes the
        # same client back once it reconnects
        assert r["dropped"] == "1", r
        assert r["probe"] == "answered", r
        w.check_after(before, "oversized")

    def test_absurd_counts():
        before = w.snapshot()
        with CliLatency(a):
            r = junk("counts", b, a, "1", "4")
        # every step was answered in turn (steps= gives each one's seconds)
        assert r["probe"] == "answered" and "!" not in r["steps"], r
        # the 100,000-change batch is refused as a whole, with a Refuse
        assert int(r["refuses"]) >= 1, r
        after = w.check_after(before, "counts")
        # ... and so are the 4,096 junk changes of the last batch, one by one
        assert after["refused"] - before["refused"] >= 100000 + 4096, (before, after)
        pending = a.status()["pending_sites"]
        print(f"  counts: A pending_sites {pending} after 100,000 unknown authors", flush=True)
        assert pending <= 1000 + 10, pending

    def test_unknown_message_types():
        before = w.snapshot()
        r = junk("unknown", b, a, "1", "5")
        assert r["probe"] == "answered", r
        # version 0 is answered with a Refuse (too old)
        assert int(r["refuses"]) >= 1, r
        after = w.check_after(before, "unknown")
        # fields 99 and 8, odd field numbers and wire types, no message
        assert after["refused"] - before["refused"] >= 5, (before, after)

    def test_flood_100000():
        before = w.snapshot()
        with CliLatency(a, bound=STATUS_BOUND_S):
            r = junk("flood", b, a, "100000", "6")
        assert int(r["frames"]) == 100000, r
        # the probe's answer comes after A processed the whole flood
        assert r["probe"] == "answered", r
        w.check_after(before, "flood")

    def test_long_chain_5000():
        # a trusted peer sends one item's chain of 4,800 valid changes (its
        # own item: the owner's budget is 5,000, the last 100 for rescues)
        # (the cap of an item): all are applied, the CLI served all along
        before = w.snapshot()
        want = before["changes"] + 4800
        with CliLatency(a, bound=STATUS_BOUND_S):
            r = junk("chain", b, a, "4800", "7", timeout=600)
            assert r["probe"] == "answered", r
            wait_until(lambda: a.status()["changes"] >= want, timeout=600, interval=0.5,
                       what="the 4,800 changes of the chain applied at A")
        st = a.status()
        assert st["changes"] == want, (before, st)
        assert st["items"]["event"] == before["items"]["event"] + 1, (before, st)
        def chain_titles(site):
            return [t for t in (e["fields"].get("title", "") for e in site.events())
                    if t.startswith("Chaîne")]
        assert chain_titles(a) == ["Chaîne n°4799"], chain_titles(a)
        # A still syncs with the honest peer both ways
        w.n += 1
        ec = w.c.add_event(f"Groupe de parole n°{w.n}", "2030-11-02T14:00:00+01:00")
        ea = a.add_event(f"Repas partagé n°{w.n}", "2030-11-03T12:00:00+01:00")
        wait_until(lambda: ec in event_ids(a), timeout=40, interval=0.25,
                   what="C's event at A after the chain")
        wait_until(lambda: ea in event_ids(w.c), timeout=40, interval=0.25,
                   what="A's event at C after the chain")
        rss = rss_kib(a)
        assert rss < RSS_LIMIT_KIB, f"A uses {rss} KiB after the chain"

    def test_flood_100000_changes():
        # a trusted peer sends 100,000 valid changes (new events) in
        # batches of 4,096: all applied, the CLI served all along
        before = w.snapshot()
        want = before["changes"] + 100000
        with CliLatency(a, bound=STATUS_BOUND_S):
            r = junk("events", b, a, "100000", "8", timeout=600)
            assert r["probe"] == "answered", r
            wait_until(lambda: a.status()["changes"] >= want, timeout=600, interval=0.5,
                       what="the 100,000 changes applied at A")
        st = a.status()
        assert st["changes"] == want, (before, st)
        assert st["items"]["event"] == before["items"]["event"] + 100000, (before, st)

    return [test_garbage_frames, test_truncated_frames, test_oversized_frame,
            test_absurd_counts, test_unknown_message_types, test_flood_100000,
            test_long_chain_5000, test_flood_100000_changes]


def refused_connection_tests(w):
    a, b = w.a, w.b

    def test_plain_client_gets_nothing():
        before = w.snapshot()
        r = junk("plain", b, a, "2", timeout=60)
        assert r["received"] == "0" and r["handshakes"] == "0", r
        w.check_after(before, "plain")

    def test_wrong_server_key_gets_nothing():
        before = w.snapshot()
        r = junk("wrongkey", b, a, "2", timeout=60)
        assert r["received"] == "0" and r["handshakes"] == "0", r
        w.check_after(before, "wrongkey")

    def test_unknown_client_key_gets_nothing_and_is_pending():
        before = w.snapshot()
        r = junk("unknownkey", b, a, "3", timeout=60)
        # an unknown key may complete the handshake, so that its hello can
        # say who it is (site pending, invitations: sync-protocol.md,
        # "Joining"), but it is sent nothing and nothing it sends is used
        assert r["received"] == "0", r
        key = r["transport_key"]
        assert len(key) == 64, r
        wait_until(lambda: any(p.get("transport_key") == key
                               for p in a.j("site", "pending")["pending"]),
                   timeout=20, what="the unknown key in site pending")
        w.check_after(before, "unknownkey")

    def test_stranger_hellos_written_once_read_bounded():
        # a site A does not know (its daemon never runs: gs_junk has its key)
        d = w.net.site("GEM Inconnu")
        d.init()
        before = w.snapshot()
        r = junk("hellos", d, a, "100", timeout=120)
        assert r["refuses"] == "1", r   # the last hello read: all were
        pend = [p for p in a.j("site", "pending")["pending"] if p.get("site_id") == d.id]
        assert len(pend) == 1, a.j("site", "pending")
        # 101 hellos in a minute, one announce written: the first
        assert pend[0]["name"] == "Inondation 0", pend[0]
        assert a.status()["strangers_unread"] == 0
        # past 120 messages a minute from the key, none is decoded
        junk("hellos", d, a, "150", timeout=120)
        wait_until(lambda: a.status()["strangers_unread"] >= 150 - 19, timeout=30,
                   what="the stranger's hellos past the limit dropped unread")
        pend = [p for p in a.j("site", "pending")["pending"] if p.get("site_id") == d.id]
        assert pend[0]["name"] == "Inondation 0", pend[0]
        w.check_after(before, "hellos")

    return [test_plain_client_gets_nothing, test_wrong_server_key_gets_nothing,
            test_unknown_client_key_gets_nothing_and_is_pending,
            test_stranger_hellos_written_once_read_bounded]


if __name__ == "__main__":
    with Net() as net:
        world = World(net)
        run_tests(bad_input_tests(world) + refused_connection_tests(world))
