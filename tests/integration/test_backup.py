# SPDX-License-Identifier: AGPL-3.0-or-later
"""Backup, restore, moving to a new PC (docs/internals/reliability.md,
"Restore from an older backup"): `gemsync backup` while the daemon runs,
wipe, `gemsync restore`, and no equivocation: a restored site refuses
local writes (« rattrapage en cours ») until it has fetched from its
peers the changes it signed after the backup, then its next write
continues its sequence and every peer accepts it. A backup taken while
a peer pushes thousands of changes restores to a sound, consistent
database."""
import os
import pty
import select
import shutil
import signal
import sqlite3
import subprocess
import time

from gslib import EXIT_OK, EXIT_REFUSED, GEMSYNC, TOOLS, Net, run_tests, wait_until

PASS = "une phrase secrète de test, assez longue"


def integrity(path):
    db = sqlite3.connect(path)
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()


def contiguous(path):
    """Every author's sequences run 1..max with no hole: a torn copy
    (some changes of a batch and not the others) would break this."""
    db = sqlite3.connect(path)
    try:
        rows = db.execute("SELECT count(*), max(seq), min(seq) FROM changes "
                          "GROUP BY author").fetchall()
        total = db.execute("SELECT count(*) FROM changes").fetchone()[0]
    finally:
        db.close()
    return all(n == hi and lo == 1 for n, hi, lo in rows), total


def passphrase_file(net, text=PASS, name="phrase"):
    path = os.path.join(net.root, name)
    with open(path, "w") as f:
        f.write(text + "\n")
    os.chmod(path, 0o600)
    return path


def mesh(sites):
    for x in sites:
        for y in sites:
            if x is not y:
                x.peer(y)


def same_changes(sites):
    counts = [s.status()["changes"] for s in sites]
    return len(set(counts)) == 1


def test_restore_catches_up_before_writing():
    with Net() as net:
        a = net.started("GEM Le Rebond")
        b = net.started("GEM La Passerelle")
        c = net.started("GEM Les Ailes")
        sites = [a, b, c]
        mesh(sites)
        for i in range(3):
            a.add_event(f"Atelier avant {i}")
        wait_until(lambda: same_changes(sites), timeout=60, what="first sync")
        pf = passphrase_file(net)
        bk = os.path.join(net.root, "rebond.gsb")
        r = a.run("backup", bk, "--with-keys", "--passphrase-file", pf)
        assert r.returncode == EXIT_OK and "Sauvegarde écrite" in r.stdout, r
        assert r.stderr == "", r.stderr
        r = a.run("backup", bk, "--with-keys", "--passphrase-file", pf)
        assert r.returncode == EXIT_REFUSED and "existe" in r.stderr, r   # never overwritten
        assert os.stat(bk).st_mode & 0o077 == 0
        seq_backup = a.status()["seq"]

        # A writes after the backup, and those changes reach its peers
        later = [a.add_event(f"Atelier après {i}") for i in range(4)]
        seq_after = a.status()["seq"]
        assert seq_after >= seq_backup + 4
        for s in (b, c):
            wait_until(lambda s=s: all(e in {x["id"] for x in s.events()} for e in later),
                       timeout=60, what=f"{s.name} holds A's later changes")

        # the PC dies: wipe, then restore the older backup
        a.stop()
        shutil.rmtree(a.data)
        bad = passphrase_file(net, "pas la bonne phrase", "mauvaise")
        r = a.run("restore", bk, "--passphrase-file", bad)
        assert r.returncode == EXIT_REFUSED, (r.returncode, r.stderr)
        assert "phrase secrète fausse" in r.stderr, r.stderr
        assert not os.path.exists(os.path.join(a.data, "gemsync.db"))
        assert not os.path.exists(os.path.join(a.data, "site.key"))
        r = a.run("restore", bk, "--passphrase-file", pf)
        assert r.returncode == EXIT_OK, r.stderr
        assert integrity(os.path.join(a.data, "gemsync.db")) == "ok"
        # a second restore over it is refused without --force
        r = a.run("restore", bk, "--passphrase-file", pf)
        assert r.returncode == EXIT_REFUSED and "existe déjà" in r.stderr, r.stderr

        # peers away: A stays catching up and refuses to sign
        b.stop()
        c.stop()
        a.start()
        st = a.status()
        assert st["catching_up"] is True and st["seq"] == seq_backup, st
        assert "Rattrapage en cours" in a.cli("status")
        r = a.run("event", "add", "--title", "Trop tôt", "--kind", "workshop",
                  "--start", "2030-06-01T14:00:00+02:00")
        assert r.returncode == EXIT_REFUSED, (r.returncode, r.stdout)
        assert "rattrapage en cours" in r.stderr and "gemsync status" in r.stderr, r.stderr
        assert a.status()["seq"] == seq_backup

        # peers back: A fetches its own later changes, then accepts writes
        b.start()
        c.start()
        wait_until(lambda: not a.status()["catching_up"], timeout=90,
                   what="A ends its catch-up")
        assert a.status()["seq"] >= seq_after
        new = a.add_event("Atelier après la restauration")
        for s in sites:
            wait_until(lambda s=s: new in {x["id"] for x in s.events()}, timeout=60,
                       what=f"{s.name} accepts A's new write")
        wait_until(lambda: same_changes(sites), timeout=60, what="all converge")
        for s in sites:
            st = s.status()
            assert st["equivocations"] == 0, (s.name, st)
            assert st["refused"] == 0, (s.name, st)
        assert a.shared_cli("event", "list", "--all") == b.shared_cli("event", "list", "--all")


def test_restore_without_keys_needs_them():
    with Net() as net:
        a = net.started("GEM Le Rebond")
        a.add_event("Atelier")
        bk = os.path.join(net.root, "sans-cles.gsb")
        a.cli("backup", bk)
        keys = os.path.join(net.root, "cles")
        os.makedirs(keys)
        for f in ("site.key", "storage.key"):
            shutil.copy2(os.path.join(a.data, f), keys)
        seq = a.status()["seq"]
        a.stop()
        shutil.rmtree(a.data)
        r = a.run("restore", bk)
        assert r.returncode == EXIT_REFUSED, r.stderr
        assert "ne contient pas les clés" in r.stderr and "site.key" in r.stderr, r.stderr
        assert not os.path.exists(os.path.join(a.data, "gemsync.db"))
        for f in ("site.key", "storage.key"):
            shutil.copy2(os.path.join(keys, f), a.data)
        r = a.run("restore", bk)
        assert r.returncode == EXIT_OK, r.stderr
        a.start()
        st = a.status()
        assert st["catching_up"] is True and st["seq"] == seq, st
        # no peer at all: the documented escape hatch ends it by hand
        out = a.cli("sync", "--force-end-catchup")
        assert "Rattrapage terminé" in out, out
        assert a.status()["catching_up"] is False
        a.add_event("Atelier après")
        assert a.status()["seq"] == seq + 1


PROMPTS = ["Phrase secrète de la sauvegarde : ".encode(), "encore une fois : ".encode()]


def on_terminal(site, answers, *args, timeout=60):
    """Runs the CLI on a pseudo-terminal, typing each answer after each
    prompt; returns (exit code, everything it printed). Bounded in time;
    the child is killed by its PID if it overstays."""
    pid, fd = pty.fork()
    if pid == 0:
        env = {k: v for k, v in os.environ.items() if k != "GEMSYNC_BACKUP_PASSPHRASE"}
        os.execve(GEMSYNC, [GEMSYNC, "-c", site.conf, *args], env)
    out, left, deadline = b"", list(answers), time.monotonic() + timeout
    status = None
    try:
        while time.monotonic() < deadline:
            r, _, _ = select.select([fd], [], [], 0.2)
            chunk = b""
            if r:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:      # EIO: the child closed the terminal
                    chunk = b""
            out += chunk
            # answer a prompt once it is shown (echo is off by then), and
            # only once: input typed earlier would be flushed
            prompts = sum(out.count(p) for p in PROMPTS)
            if chunk and left and prompts > len(answers) - len(left):
                os.write(fd, (left.pop(0) + "\n").encode())
            if status is None:
                done, st = os.waitpid(pid, os.WNOHANG)
                if done:
                    status = st
            if status is not None and not chunk:
                return os.waitstatus_to_exitcode(status), out.decode(errors="replace")
        if status is None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        raise AssertionError(f"CLI on a terminal did not finish: {out!r}")
    finally:
        os.close(fd)


def test_passphrase_typed_at_the_terminal():
    with Net() as net:
        a = net.started("GEM Le Rebond")
        a.add_event("Atelier")
        bk = os.path.join(net.root, "clavier.gsb")
        rc, out = on_terminal(a, [PASS, "pas pareil"], "backup", bk, "--with-keys")
        assert rc == 2 and "diffèrent" in out, (rc, out)
        assert not os.path.exists(bk)
        rc, out = on_terminal(a, [PASS, PASS], "backup", bk, "--with-keys")
        assert rc == EXIT_OK and "Sauvegarde écrite" in out and PASS not in out, (rc, out)
        seq = a.status()["seq"]
        a.stop()
        shutil.rmtree(a.data)
        rc, out = on_terminal(a, [PASS], "restore", bk)
        assert rc == EXIT_OK and "site restauré" in out, (rc, out)
        a.start()
        assert a.status()["seq"] == seq and a.status()["catching_up"] is True


def test_backup_under_load_is_consistent():
    with Net() as net:
        slow = "batch_changes = 64\ncredits = 2"
        b = net.site("GEM La Passerelle", extra=slow)
        b.init()
        r = subprocess.run([os.path.join(TOOLS, "gs_bulk"), b.data, "10000"],
                           capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stderr
        b.start()
        a = net.started("GEM Le Rebond", extra=slow)
        total = b.status()["changes"] + 1      # and A's own profile
        a.peer(b)
        b.peer(a)
        wait_until(lambda: a.status()["changes"] > 100, timeout=120,
                   what="B's push under way")
        taken, mid = [], 0
        for i in range(40):
            before = a.status()["changes"]
            path = os.path.join(net.root, f"charge-{i}.gsb")
            a.cli("backup", path)
            after = a.status()["changes"]
            taken.append(path)
            if before < after:
                mid += 1
            if after >= total:
                break
        print(f"{len(taken)} backups, {mid} taken while changes arrived", flush=True)
        assert mid >= 1, "no backup overlapped B's push"
        wait_until(lambda: a.status()["changes"] == total, timeout=300,
                   what="the push completes")
        keys = [os.path.join(a.data, f) for f in ("site.key", "storage.key")]
        for n, path in enumerate(taken):
            # each backup restores to a sound site that a start would accept
            copy = net.site(f"Copie {n}")
            os.makedirs(copy.data, mode=0o700)
            for k in keys:
                shutil.copy2(k, copy.data)
            r = copy.run("restore", path)
            assert r.returncode == EXIT_OK, r.stderr
            db = os.path.join(copy.data, "gemsync.db")
            assert integrity(db) == "ok"
            ok, held = contiguous(db)
            assert ok, f"backup {n}: a hole in an author's sequence"
            assert 0 < held <= total
            shutil.rmtree(copy.dir)


if __name__ == "__main__":
    run_tests([
        test_restore_catches_up_before_writing,
        test_restore_without_keys_needs_them,
        test_passphrase_typed_at_the_terminal,
        test_backup_under_load_is_consistent,
    ])
