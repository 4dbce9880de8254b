# SPDX-License-Identifier: AGPL-3.0-or-later
"""Storage at rest (issue 2): item bodies sealed on disk, a wrong storage
key refused without touching the database, a tampered body detected and
never shown as valid, unsafe key file permissions refused, passphrase
wrapping."""
import glob
import json
import os
import shutil
import sqlite3
import subprocess

from gslib import EXIT_REFUSED, GEMSYNCD, Net, run_tests, sha256, wait_until

TITLE = "Sortie secrète au jardin des Plantes 7f3a9c"


def db_files(site):
    return sorted(glob.glob(os.path.join(site.data, "gemsync.db*")))


def test_plaintext_not_on_disk():
    with Net() as net:
        s = net.started("GEM Le Rebond")
        e = s.add_event(TITLE, "2030-05-01T14:00:00+02:00", "outing",
                        "--description", "Rendez-vous 7f3a9c devant la grille")
        assert s.j("event", "show", e)["fields"]["title"] == TITLE
        files = db_files(s)
        assert any(f.endswith("-wal") for f in files), files   # checked while running
        needles = [TITLE.encode(), "7f3a9c".encode(), "jardin des Plantes".encode()]
        for f in files:
            data = open(f, "rb").read()
            for n in needles:
                assert n not in data, f"{n!r} found in {f}"
        s.stop()
        for f in db_files(s):
            data = open(f, "rb").read()
            for n in needles:
                assert n not in data, f"{n!r} found in {f} after stop"


def test_wrong_storage_key_refused_and_db_untouched():
    with Net() as net:
        s = net.started("GEM Le Rebond")
        s.add_event("Atelier écriture", "2030-05-01T14:00:00+02:00")
        s.stop()
        other = net.site("GEM Autre")
        other.init()
        key = os.path.join(s.data, "storage.key")
        os.rename(key, key + ".orig")
        with open(os.path.join(other.data, "storage.key"), "rb") as f:
            wrong = f.read()
        fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, wrong)
        os.close(fd)
        before = {f: sha256(f) for f in db_files(s)}
        r = subprocess.run([GEMSYNCD, "-c", s.conf], capture_output=True, text=True, timeout=30)
        assert r.returncode != 0
        assert "mauvaise clé de stockage" in r.stderr, r.stderr
        assert "rien n'a été modifié" in r.stderr
        after = {f: sha256(f) for f in db_files(s) if f in before}
        assert before == after, "database files untouched"
        os.replace(key + ".orig", key)
        s.start()
        assert [e["fields"]["title"] for e in s.events()] == ["Atelier écriture"]


def test_missing_key_and_loose_permissions():
    with Net() as net:
        s = net.started("GEM Le Rebond")
        s.stop()
        key = os.path.join(s.data, "storage.key")
        os.chmod(key, 0o644)
        r = subprocess.run([GEMSYNCD, "-c", s.conf], capture_output=True, text=True, timeout=30)
        assert r.returncode != 0 and "0600" in r.stderr, r.stderr
        os.chmod(key, 0o600)
        os.rename(key, key + ".away")
        r = subprocess.run([GEMSYNCD, "-c", s.conf], capture_output=True, text=True, timeout=30)
        assert r.returncode != 0 and "storage.key" in r.stderr, r.stderr
        os.rename(key + ".away", key)
        s.start()


def test_tampered_body_detected():
    with Net() as net:
        s = net.started("GEM Le Rebond")
        good = s.add_event("Atelier écriture", "2030-05-01T14:00:00+02:00")
        bad = s.add_event("Marche douce au parc", "2030-05-02T10:00:00+02:00", "physical")
        s.stop()
        db = sqlite3.connect(os.path.join(s.data, "gemsync.db"))
        row = db.execute("SELECT rowid, body FROM changes WHERE item = ?",
                         (bytes.fromhex(bad),)).fetchone()
        body = bytearray(row[1])
        body[len(body) // 2] ^= 0x01
        db.execute("UPDATE changes SET body = ? WHERE rowid = ?", (bytes(body), row[0]))
        db.commit()
        db.close()
        s.start()
        assert s.status()["corrupt"] == 1
        r = s.run("event", "show", bad)
        assert r.returncode == EXIT_REFUSED and "altérées" in r.stderr, (r.returncode, r.stderr)
        listed = {e["id"]: e for e in s.events()}
        assert listed[bad].get("corrupt") is True and "fields" not in listed[bad]
        assert listed[good]["fields"]["title"] == "Atelier écriture"
        assert "altér" in s.tail_log(100) or "corrupt" in s.tail_log(100)


FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


def test_schema1_database_migrates():
    """A site written by the previous release (schema 1: no items table, an
    index on change IDs; tests/integration/fixtures/site-schema1, a
    throwaway test site with its keys) starts under this one: the schema
    is migrated, the item states are computed once, and the site shows the
    same events and keeps working."""
    with Net() as net:
        s = net.site("GEM Le Rebond")
        os.makedirs(s.data, mode=0o700)
        src = os.path.join(FIXTURES, "site-schema1")
        for f in os.listdir(src):
            shutil.copy(os.path.join(src, f), s.data)
            os.chmod(os.path.join(s.data, f), 0o600)   # git keeps no modes
        s.start()
        assert "schema migrated from version 1 to 5" in s.tail_log(50)
        with open(os.path.join(FIXTURES, "site-schema1.events.json")) as f:
            want = json.load(f)
        assert json.loads(s.shared_cli("event", "list", "--all")) == want
        db = sqlite3.connect(os.path.join(s.data, "gemsync.db"))
        assert db.execute("PRAGMA user_version").fetchone()[0] == 5
        assert db.execute("SELECT COUNT(*) FROM items").fetchone()[0] == 3
        db.close()
        e = s.add_event("Repas partagé", "2030-06-01T12:00:00+02:00", "convivial")
        assert e in {x["id"] for x in s.events()}
        s.stop()
        s.start()        # a second start migrates nothing and computes nothing
        assert s.tail_log(50).count("computing the state") == 1


def test_schema3_database_migrates():
    """A site written by schema 3 (every item with a stored state;
    fixtures/site-schema3, made by fixtures/make-site-schema3.py) starts
    under schema 5: items of one change lose their stored state, which is
    derived from the change when read, and every list and view prints the
    same bytes as before; an edit stores a (compressed) state again, a new
    item of one change stores none."""
    with Net() as net:
        s = net.site("GEM Le Rebond")
        os.makedirs(s.data, mode=0o700)
        src = os.path.join(FIXTURES, "site-schema3")
        for f in os.listdir(src):
            shutil.copy(os.path.join(src, f), s.data)
            os.chmod(os.path.join(s.data, f), 0o600)
        with open(src + ".json") as f:
            want = json.load(f)
        s.start()
        assert "schema migrated from version 3 to 5" in s.tail_log(50)
        assert s.shared_cli("event", "list", "--all") == want["list"]
        assert s.shared_cli("resource", "list") == want["resources"]
        for e, shown in want["show"].items():
            assert s.shared_cli("event", "show", e) == shown, e
        db = sqlite3.connect(os.path.join(s.data, "gemsync.db"))
        assert db.execute("PRAGMA user_version").fetchone()[0] == 5
        rows = db.execute("SELECT nchanges, state IS NULL FROM items").fetchall()
        assert len(rows) == 5 and all((n == 1) == bool(null) for n, null in rows), rows
        db.close()
        single = want["single"]
        s.j("event", "edit", single, "--title", "Atelier écriture du mardi")
        e = s.add_event("Repas partagé", "2030-06-01T12:00:00+02:00", "convivial")
        s.stop()
        db = sqlite3.connect(os.path.join(s.data, "gemsync.db"))
        state = dict(db.execute("SELECT id, state IS NULL FROM items").fetchall())
        db.close()
        assert state[bytes.fromhex(single)] == 0 and state[bytes.fromhex(e)] == 1
        s.start()
        assert s.tail_log(50).count("schema migrated") == 1
        assert s.j("event", "show", single)["fields"]["title"] == "Atelier écriture du mardi"
        assert s.j("event", "show", e)["fields"]["title"] == "Repas partagé"
        assert s.shared_cli("event", "show", want["edited"]) == want["show"][want["edited"]]


def test_passphrase_wrapped_key():
    with Net() as net:
        s = net.site("GEM Le Rebond")
        pf = os.path.join(s.dir, "passphrase")
        fd = os.open(pf, os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(fd, b"correct horse battery staple\n")
        os.close(fd)
        s.init("--passphrase-file", pf)
        r = subprocess.run([GEMSYNCD, "-c", s.conf], capture_output=True, text=True, timeout=30)
        assert r.returncode != 0 and "phrase secrète" in r.stderr, r.stderr
        s.start(env={"GEMSYNC_PASSPHRASE": "wrong horse"}, wait=False)
        wait_until(lambda: s.proc.poll() is not None, timeout=30, what="refusal")
        assert s.proc.returncode != 0
        s.start(env={"GEMSYNC_PASSPHRASE": "correct horse battery staple"})
        s.add_event("Atelier écriture", "2030-05-01T14:00:00+02:00")


if __name__ == "__main__":
    run_tests([test_plaintext_not_on_disk, test_wrong_storage_key_refused_and_db_untouched,
               test_missing_key_and_loose_permissions, test_tampered_body_detected,
               test_schema1_database_migrates, test_schema3_database_migrates,
               test_passphrase_wrapped_key])
