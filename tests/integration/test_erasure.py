# SPDX-License-Identifier: AGPL-3.0-or-later
"""Erasure across the network (issue 17): `event delete --erase` at A
drops the content of every change of the event on every site, the site
stopped during the erasure and a site that joins afterwards included:
neither the plaintext nor the sealed bodies (the ciphertext a leaked
storage key would open) stay in gemsync.db, -wal or -shm; the event
reads as deleted and erased everywhere; a later edit is refused."""
import os
import sqlite3

from gslib import Net, run_tests, wait_until

SECRET = "Zorglub-Mirabelle-4417"


def db_files(site):
    base = os.path.join(site.data, "gemsync.db")
    return [p for p in (base, base + "-wal", base + "-shm") if os.path.exists(p)]


def sealed_blobs(site, item):
    """The sealed bodies and state of item as stored now (read-only)."""
    path = os.path.join(site.data, "gemsync.db")
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        key = bytes.fromhex(item)
        bodies = [r[0] for r in db.execute(
            "SELECT body FROM changes WHERE item = ? AND body IS NOT NULL", (key,))]
        states = [r[0] for r in db.execute("SELECT state FROM items WHERE id = ?", (key,))]
    finally:
        db.close()
    return bodies, states


def leftovers(site, needles):
    """Which needles (bytes) are found in the site's database files."""
    found = []
    for p in db_files(site):
        with open(p, "rb") as f:
            data = f.read()
        for n in needles:
            if n in data:
                found.append((os.path.basename(p), n[:8].hex()))
    return found


def needles_of(blobs):
    # a 48-byte slice from inside each ciphertext (after the 24-byte nonce)
    return [b[24:72] for b in blobs if len(b) >= 72]


def erased_at(site, item):
    try:
        shown = site.j("event", "show", item)
    except Exception:
        return False
    return shown["deleted"] and shown.get("erased") is True


def test_erasure_reaches_every_site():
    with Net() as net:
        a = net.started("GEM Le Rebond")
        b = net.started("GEM La Passerelle")
        c = net.started("GEM L'Envol")
        for x, y in ((a, b), (b, a), (a, c), (c, a), (b, c), (c, b)):
            x.peer(y)
        e = a.add_event(f"Atelier {SECRET}", "2030-09-01T14:00:00+02:00", "workshop",
                        "--description", f"Suivi de {SECRET}, diagnostic")
        a.j("event", "edit", e, "--place", f"Chez {SECRET}")
        keep = a.add_event("Atelier chant", "2030-09-02T14:00:00+02:00")
        for s in (b, c):
            wait_until(lambda s=s: s.j("event", "show", e)["fields"].get("place") ==
                       f"Chez {SECRET}", timeout=30, what=f"the edit at {s.name}")
        plain = SECRET.encode()
        needles = {}
        for s in (a, b, c):
            bodies, states = sealed_blobs(s, e)
            assert len(bodies) == 2 and len(states) == 1
            needles[s.name] = needles_of(bodies + states) + [plain]
        c.stop()
        out = a.cli("event", "delete", "--erase", e)
        assert "supprimé" in out
        wait_until(lambda: erased_at(b, e), timeout=30, what="the erasure at B")
        for s in (a, b):
            shown = s.j("event", "show", e)
            assert shown["deleted"] is True and shown["erased"] is True
            assert SECRET not in s.cli("--json", "event", "show", e)
            assert SECRET not in s.cli("--json", "event", "list", "--all")
            # the daemon truncated its WAL after the erasure
            wait_until(lambda s=s: leftovers(s, needles[s.name]) == [], timeout=20,
                       what=f"no trace at {s.name}: {leftovers(s, needles[s.name])}")
        # a later edit is refused, in French
        r = a.run("event", "edit", e, "--title", "Atelier repris")
        assert r.returncode == 1 and "effacé" in r.stderr, (r.returncode, r.stderr)
        # the site stopped during the erasure gets it when it comes back
        c.start()
        wait_until(lambda: erased_at(c, e), timeout=60, interval=0.5,
                   what="the erasure at C after its restart")
        wait_until(lambda: leftovers(c, needles[c.name]) == [], timeout=20,
                   what=f"no trace at C: {leftovers(c, needles[c.name])}")
        assert SECRET not in c.cli("--json", "event", "list", "--all")
        # a site that joins afterwards gets headers without bodies, and the proof
        d = net.started("GEM Le Phare")
        d.peer(b, "--introducer")   # so D trusts A, whose changes B relays
        b.peer(d)
        wait_until(lambda: erased_at(d, e) and keep in {x["id"] for x in d.events()},
                   timeout=60, interval=0.5, what="the erased event at D")
        assert leftovers(d, [plain]) == []
        assert d.j("event", "show", e)["owner"] == a.id
        # the erasure survives restarts, and nothing comes back
        for s in (a, b, c, d):
            s.stop()
            assert leftovers(s, needles.get(s.name, []) + [plain]) == [], s.name
            s.start()
            assert erased_at(s, e), s.name
        other = a.j("event", "show", keep)
        assert other["deleted"] is False and other["fields"]["title"] == "Atelier chant"


def test_contact_in_free_text_warns():
    with Net() as net:
        a = net.started("GEM Le Rebond")
        r = a.run("--json", "event", "add", "--title", "Atelier avec Marie 06 12 34 56 78",
                  "--kind", "workshop", "--start", "2030-09-01T14:00:00+02:00")
        assert r.returncode == 0, r.stderr          # warned, not refused
        assert "« title »" in r.stderr and "numéro de téléphone" in r.stderr, r.stderr
        assert "champs de contact" in r.stderr
        e = __import__("json").loads(r.stdout)["id"]
        r = a.run("event", "edit", e, "--description", "écrire à marie.d@exemple.fr")
        assert r.returncode == 0 and "adresse e-mail" in r.stderr, r.stderr
        r = a.run("event", "edit", e, "--place", "Salle 2, 12 rue Neuve")
        assert r.returncode == 0 and "attention" not in r.stderr, r.stderr


if __name__ == "__main__":
    run_tests([test_erasure_reaches_every_site, test_contact_in_free_text_warns])
