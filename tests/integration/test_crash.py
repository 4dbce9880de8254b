# SPDX-License-Identifier: AGPL-3.0-or-later
"""Crashes (docs/internals/reliability.md, "Crashes" 14-15): kill -9 at random points of a large
initial sync, repeated, and kill -9 during local writes, ten rounds. Nothing
acknowledged is lost, nothing is half-applied, and the database stays
sound."""
import json
import os
import random
import sqlite3
import subprocess
import threading
import time

from gslib import TOOLS, Net, run_tests, wait_until


def integrity(site):
    db = sqlite3.connect(os.path.join(site.data, "gemsync.db"))
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()


def test_kill9_during_initial_sync():
    rng = random.Random(int(os.environ.get("GS_SEED", random.randrange(1 << 30))))
    with Net() as net:
        slow = "batch_changes = 8\ncredits = 1"   # many small batches: many kill points
        a = net.site("GEM Le Rebond", extra=slow)
        a.init()
        r = subprocess.run([os.path.join(TOOLS, "gs_bulk"), a.data, "15000"],
                           capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stderr
        a.start()
        b = net.started("GEM Nouveau", extra=slow)
        total = a.status()["changes"]
        a.peer(b)
        b.peer(a)
        kills = 0
        for frac in sorted(rng.uniform(0.05, 0.9) for _ in range(4)):
            # a random point of the sync: kill as soon as it is passed
            wait_until(lambda: b.status()["changes"] >= frac * total, timeout=120,
                       interval=0.01, what="progress before the kill")
            held = b.status()["changes"]
            if held > total:
                break
            b.kill9()
            kills += 1
            print(f"kill -9 with {held} of {total + 1} changes held", flush=True)
            assert integrity(b) == "ok"
            b.start()
        # both hold A's history plus both site profiles
        wait_until(lambda: b.status()["changes"] == a.status()["changes"] == total + 1,
                   timeout=300, interval=0.5, what="sync completes after the kills")
        print(f"initial sync survived {kills} kill -9", flush=True)
        assert kills >= 1
        assert a.shared_cli("event", "list", "--all") == b.shared_cli("event", "list", "--all")
        b.stop()
        assert integrity(b) == "ok"


def kill9_round(s, rng, n):
    """Writes through the CLI from a thread, kills the daemon with -9 after
    a random number of acknowledged writes, and checks that every
    acknowledged write survived and the database is sound."""
    acked, stop = [], threading.Event()
    want = rng.randint(5, 40)

    def writer():
        i = 0
        while not stop.is_set() and i < 2000:
            r = s.run("--json", "event", "add", "--title", f"Atelier {n}-{i}", "--kind",
                      "workshop", "--start", "2030-06-01T14:00:00+02:00", timeout=30,
                      cli_timeout=3)
            if r.returncode == 0:
                acked.append(json.loads(r.stdout)["id"])
            elif r.returncode == 3:
                break   # the daemon is gone: the write was not acknowledged
            i += 1

    t = threading.Thread(target=writer)
    t.start()
    try:
        wait_until(lambda: len(acked) >= want, timeout=120, interval=0.005)
        s.kill9()
    finally:
        stop.set()
        t.join(timeout=60)
    assert integrity(s) == "ok"
    s.start()
    held = {e["id"] for e in s.events()}
    missing = [e for e in acked if e not in held]
    print(f"round {n}: {len(acked)} acknowledged writes before kill -9, "
          f"{len(missing)} missing", flush=True)
    assert not missing, missing
    return held


def test_kill9_during_local_writes():
    """Ten rounds, each killed at a random point of a stream of writes."""
    rng = random.Random(int(os.environ.get("GS_SEED", random.randrange(1 << 30))))
    with Net() as net:
        s = net.started("GEM Le Rebond")
        before = set()
        for n in range(10):
            held = kill9_round(s, rng, n)
            assert before <= held, "a later round lost an earlier write"
            before = held
        s.stop()
        assert integrity(s) == "ok"


if __name__ == "__main__":
    run_tests([test_kill9_during_initial_sync, test_kill9_during_local_writes])
