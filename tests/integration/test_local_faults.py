# SPDX-License-Identifier: AGPL-3.0-or-later
"""Bad local conditions (docs/internals/reliability.md 17-19, 24): a full
disk, a read-only data dir, a corrupted database, and 1,000 concurrent CLI
calls while syncing. Each gets a clear error, loses nothing, and the daemon
keeps serving."""
import concurrent.futures
import os
import sqlite3
import subprocess

from gslib import EXIT_REFUSED, GEMSYNCD, TOOLS, Net, Skip, run_tests, sha256, wait_until


def mount_tmpfs(path, size):
    os.makedirs(path, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", path],
                       capture_output=True, text=True)
    return r.returncode == 0


def umount(path):
    subprocess.run(["umount", "-l", path], capture_output=True)


def test_full_disk():
    with Net() as net:
        s = net.site("GEM Le Rebond")
        if not mount_tmpfs(s.data, "6m"):
            raise Skip("cannot mount a tmpfs (not root?)")
        try:
            s.init()
            s.start()
            acked = [s.add_event(f"Atelier n°{i}", "2030-06-01T14:00:00+02:00") for i in range(20)]
            filler = os.path.join(s.data, "filler")
            with open(filler, "wb") as f:
                try:
                    while True:
                        f.write(b"\0" * 65536)
                        f.flush()
                except OSError:
                    pass
            refused = 0
            for i in range(30):
                r = s.run("--json", "event", "add", "--title", f"Sortie n°{i}",
                          "--kind", "outing", "--start", "2030-06-02T14:00:00+02:00",
                          "--description", "d" * 3900)
                if r.returncode == 0:
                    import json
                    acked.append(json.loads(r.stdout)["id"])
                else:
                    assert r.returncode == EXIT_REFUSED, (r.returncode, r.stderr)
                    assert "disque plein" in r.stderr, r.stderr
                    refused += 1
            assert refused > 0, "the disk never filled up"
            assert s.alive(), "the daemon keeps serving on a full disk"
            held = {e["id"] for e in s.events()}
            assert set(acked) <= held
            os.unlink(filler)
            acked.append(s.add_event("Après le ménage", "2030-06-03T14:00:00+02:00"))
            s.stop()
            s.start()
            held = {e["id"] for e in s.events()}
            missing = set(acked) - held
            print(f"full disk: {refused} writes refused, {len(acked)} acknowledged, "
                  f"{len(missing)} lost", flush=True)
            assert not missing
        finally:
            s.stop()
            umount(s.data)


def fill(path, leave):
    """Fills the file system of path until about leave bytes are left."""
    st = os.statvfs(os.path.dirname(path))
    room = st.f_bavail * st.f_frsize - leave
    with open(path, "wb") as f:
        while room > 0:
            n = min(room, 1 << 20)
            try:
                f.write(b"\0" * n)
                f.flush()
            except OSError:
                break
            room -= n


def integrity(site):
    db = sqlite3.connect(os.path.join(site.data, "gemsync.db"))
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()


def test_full_disk_during_peer_batch():
    """The disk fills while a peer's batches are applied: each batch is
    rolled back whole, the daemon keeps serving, and once there is room
    again the sync completes and the database is sound."""
    with Net() as net:
        a = net.site("GEM Le Rebond")
        a.init()
        r = subprocess.run([os.path.join(TOOLS, "gs_bulk"), a.data, "6000"],
                           capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stderr
        a.start()
        b = net.site("GEM Nouveau")
        if not mount_tmpfs(b.data, "24m"):
            raise Skip("cannot mount a tmpfs (not root?)")
        try:
            b.init()
            b.start()
            total = a.status()["changes"]
            filler = os.path.join(b.data, "filler")
            fill(filler, 3 << 20)      # room for part of the sync only
            a.peer(b)
            b.peer(a)
            wait_until(lambda: "disk full" in b.tail_log(200),
                       timeout=120, interval=0.2, what="the disk fills during the sync")
            assert b.alive(), "the daemon keeps serving on a full disk"
            held = b.status()["changes"]
            assert held < total, (held, total)
            os.unlink(filler)
            b.j("sync")
            wait_until(lambda: b.status()["changes"] == a.status()["changes"], timeout=300,
                       interval=0.5, what="the sync completes once there is room")
            print(f"full disk during a peer batch: {held} of {total} changes held when "
                  f"full, then all", flush=True)
            assert a.shared_cli("event", "list", "--all") == b.shared_cli("event", "list", "--all")
            b.stop()
            assert integrity(b) == "ok"
        finally:
            b.stop()
            umount(b.data)


def test_read_only_data_dir():
    with Net() as net:
        s = net.site("GEM Le Rebond")
        if not mount_tmpfs(s.data, "8m"):
            raise Skip("cannot mount a tmpfs (not root?)")
        try:
            s.init()
            s.start()
            e = s.add_event("Atelier écriture", "2030-06-01T14:00:00+02:00")
            s.stop()
            r = subprocess.run(["mount", "-o", "remount,ro", s.data], capture_output=True,
                               text=True)
            assert r.returncode == 0, r.stderr
            r = subprocess.run([GEMSYNCD, "-c", s.conf], capture_output=True, text=True,
                               timeout=30)
            assert r.returncode != 0
            assert "lecture seule" in r.stderr or "read-only" in r.stderr, r.stderr
            subprocess.run(["mount", "-o", "remount,rw", s.data], check=True)
            s.start()
            assert [x["id"] for x in s.events()] == [e]
        finally:
            s.stop()
            umount(s.data)


def test_corrupted_database():
    with Net() as net:
        s = net.started("GEM Le Rebond")
        s.add_event("Atelier écriture", "2030-06-01T14:00:00+02:00")
        s.stop()
        db = os.path.join(s.data, "gemsync.db")
        with open(db, "r+b") as f:
            f.write(os.urandom(100))
        before = sha256(db)
        r = subprocess.run([GEMSYNCD, "-c", s.conf], capture_output=True, text=True, timeout=30)
        assert r.returncode != 0
        assert "gemsync.db" in r.stderr and ("corrompu" in r.stderr or "corrupted" in r.stderr), \
            r.stderr
        assert sha256(db) == before, "the damaged file is left as it was, for recovery"


def test_concurrent_cli_calls_while_syncing():
    with Net() as net:
        a = net.site("GEM Le Rebond")
        a.init()
        r = subprocess.run([os.path.join(TOOLS, "gs_bulk"), a.data, "6000"],
                           capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stderr
        a.start()
        b = net.started("GEM Nouveau")
        e = a.events()[0]["id"]
        a.peer(b)
        b.peer(a)
        calls = []
        for i in range(1000):
            site = a if i % 2 else b
            calls.append((site, ["--json", "status"] if i % 3 == 0 else
                          ["--json", "event", "show", e] if i % 3 == 1 else
                          ["--json", "peer", "list"]))

        def call(c):
            site, args = c
            r = site.run(*args, timeout=120, cli_timeout=60)
            return r.returncode, r.stderr

        with concurrent.futures.ThreadPoolExecutor(max_workers=48) as pool:
            results = list(pool.map(call, calls))
        # b may not hold the event yet: "not found" is a correct answer there
        failed = [r for r, c in zip(results, calls) if r[0] != 0 and
                  not (r[0] == 4 and c[0] is b)]
        print(f"1000 concurrent CLI calls: {len(failed)} failed", flush=True)
        assert not failed, failed[:5]
        wait_until(lambda: b.status()["changes"] == a.status()["changes"], timeout=300,
                   interval=0.5, what="sync completes")


if __name__ == "__main__":
    run_tests([test_full_disk, test_full_disk_during_peer_batch, test_read_only_data_dir, test_corrupted_database,
               test_concurrent_cli_calls_while_syncing])
