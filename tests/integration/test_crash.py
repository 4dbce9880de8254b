# SPDX-License-Identifier: AGPL-3.0-or-later
"""Crashes (RELIABILITY.md 14-15): kill -9 at random points of a large
initial sync, repeated, and kill -9 during local writes. Nothing
acknowledged is lost, nothing is half-applied, and the database stays
sound."""
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
        a = net.site("GEM Le Rebond")
        a.init()
        r = subprocess.run([os.path.join(TOOLS, "gs_bulk"), a.data, "8000"],
                           capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stderr
        a.start()
        b = net.started("GEM Nouveau")
        total = a.status()["changes"]
        a.peer(b)
        b.peer(a)
        kills = 0
        for _ in range(4):
            target = b.status()["changes"] + rng.randint(200, 1500)
            if target >= total:
                break
            try:
                wait_until(lambda: b.status()["changes"] >= target, timeout=120, interval=0.05,
                           what="some progress before the kill")
            except AssertionError:
                break
            b.kill9()
            kills += 1
            assert integrity(b) == "ok"
            b.start()
        wait_until(lambda: b.status()["changes"] == total, timeout=300, interval=0.5,
                   what="sync completes after the kills")
        print(f"initial sync survived {kills} kill -9", flush=True)
        assert kills >= 1
        assert a.cli("--json", "event", "list", "--all") == b.cli("--json", "event", "list", "--all")
        b.stop()
        assert integrity(b) == "ok"


def test_kill9_during_local_writes():
    with Net() as net:
        s = net.started("GEM Le Rebond")
        acked, stop = [], threading.Event()

        def writer():
            i = 0
            while not stop.is_set() and i < 2000:
                r = s.run("--json", "event", "add", "--title", f"Atelier n°{i}", "--kind",
                          "workshop", "--start", "2030-06-01T14:00:00+02:00", timeout=30)
                if r.returncode == 0:
                    import json
                    acked.append(json.loads(r.stdout)["id"])
                elif r.returncode == 3:
                    break   # the daemon is gone: the write was not acknowledged
                i += 1

        t = threading.Thread(target=writer)
        t.start()
        wait_until(lambda: len(acked) >= 40, timeout=120, interval=0.02)
        s.kill9()
        stop.set()
        t.join(timeout=60)
        assert integrity(s) == "ok"
        s.start()
        held = {e["id"] for e in s.events()}
        missing = [e for e in acked if e not in held]
        print(f"{len(acked)} acknowledged writes before kill -9, {len(missing)} missing", flush=True)
        assert not missing, missing


if __name__ == "__main__":
    run_tests([test_kill9_during_initial_sync, test_kill9_during_local_writes])
