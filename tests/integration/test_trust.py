#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Trust that spreads correctly (issue 16): the signing key sealed by the
passphrase, signed revocations that travel, equivocation proofs that
travel."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from gslib import GEMSYNCD, TOOLS, Net, ini_merge, run_tests, wait_until  # noqa: E402


def write_pass(site, text="phrase de passe du GEM\n"):
    path = os.path.join(site.dir, "passphrase")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


def set_conf(site, extra):
    with open(site.conf) as f:
        text = f.read()
    with open(site.conf, "w") as f:
        f.write(ini_merge(text + "\n" + extra))


def start_fails(site):
    r = subprocess.run([GEMSYNCD, "-c", site.conf], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode != 0, r.stderr
    return r.stderr


def key_bytes(site):
    with open(os.path.join(site.data, "site.key"), "rb") as f:
        return f.read()


def test_signing_key_sealed_at_init():
    with Net() as net:
        s = net.site("Sceau")
        pf = write_pass(s)
        s.init("--passphrase-file", pf)
        key = key_bytes(s)
        assert key[:4] == b"GSK2" and len(key) == 141, key[:4]
        err = start_fails(s)
        assert "protégée par la phrase secrète" in err, err
        assert "passphrase_file" in err, err
        set_conf(s, f"[storage]\npassphrase_file = {pf}\n")
        s.start()
        s.add_event("Atelier sous clé")
        assert len(s.events()) == 1


def test_signing_key_sealed_on_first_start():
    """A site made without a passphrase: its raw key is sealed on the
    first start with one, and from then on needs it."""
    with Net() as net:
        s = net.site("Migration")
        s.init()
        raw = key_bytes(s)
        assert raw[:4] == b"GSK1" and len(raw) == 68
        seed, pk = raw[4:36], raw[36:68]
        pf = write_pass(s)
        set_conf(s, f"[storage]\npassphrase_file = {pf}\n")
        s.start()
        sid = s.id
        s.add_event("Avant")
        s.stop()
        key = key_bytes(s)
        assert key[:4] == b"GSK2", key[:4]
        assert seed not in key and pk not in key
        assert not os.path.exists(os.path.join(s.data, "site.key.new"))
        # without the passphrase: a clear French refusal
        set_conf(s, "[storage]\npassphrase_file =\n")
        err = start_fails(s)
        assert "protégée par la phrase secrète" in err, err
        # a wrong one
        write_pass(s, "pas la bonne\n")
        set_conf(s, f"[storage]\npassphrase_file = {pf}\n")
        err = start_fails(s)
        assert "ne déverrouille pas la clé du site" in err, err
        write_pass(s)
        s.start()
        assert s.j("id")["site_id"] == sid
        s.add_event("Après")
        assert len(s.events()) == 2


def ids(site):
    return {e["id"] for e in site.events()}


def site_row(site, sid):
    for s in site.j("site", "list")["sites"]:
        if s["site_id"] == sid:
            return s
    return None


def revoked(site, sid):
    row = site_row(site, sid)
    return row is not None and row.get("revoked") is not None


def forge(key_dir, target, seq, title):
    return subprocess.run([os.path.join(TOOLS, "gs_forge"), key_dir, target.endpoint,
                           target.id, "event", "auto", str(seq), "-", f"title={title}",
                           "kind=workshop", "start=2030-06-01T14:00:00+02:00"],
                          capture_output=True, text=True, timeout=60)


def test_revocation_two_hops():
    """I revokes X; B trusts X through I, C through B: the revocation
    reaches C two hops away and stops X's new changes there."""
    with Net() as net:
        x = net.started("GEM Volé")
        i = net.started("GEM Pivot")
        b = net.started("GEM Relais")
        c = net.started("GEM Lointain")
        i.peer(x)
        x.peer(i)
        b.peer(i, "--introducer")
        i.peer(b)
        c.peer(b, "--introducer")
        b.peer(c)
        e1 = x.add_event("Atelier d'avant")
        wait_until(lambda: e1 in ids(c), timeout=60, what="X's event at C")
        assert site_row(b, x.id)["introduced_by"] == i.id
        assert site_row(c, x.id)["introduced_by"] == b.id
        out = i.cli("site", "revoke", x.id, "--reason", "ordinateur volé")
        assert "Site révoqué" in out, out
        for s in (i, b, c):
            wait_until(lambda: revoked(s, x.id), timeout=60,
                       what=f"the revocation at {s.name}")
        assert site_row(i, x.id)["revoked"]["by"] == i.id
        assert site_row(b, x.id)["revoked"]["by"] == i.id
        assert site_row(c, x.id)["revoked"]["by"] == b.id   # passed on by B
        # a second revocation of the same site by I is refused, nothing lost
        r = i.run("site", "revoke", x.id)
        assert r.returncode == 1 and "déjà" in r.stderr, r.stderr
        # what X wrote before stays, marked
        for s in (i, b, c):
            assert s.j("event", "show", e1)["owner_revoked"] is True
        assert "site révoqué" in c.cli("event", "show", e1)
        assert "RÉVOQUÉ" in c.cli("site", "list")
        rs = c.status()["revoked_sites"]
        assert [(r["site_id"], r["by"]) for r in rs] == [(x.id, b.id)], rs
        assert "le site GEM Volé est révoqué" in c.cli("status")
        # X (which does not know) writes again and reaches I and C directly
        before = {s.name: s.status()["refused"] for s in (i, c)}
        x.peer(c)
        e2 = x.add_event("Atelier d'après")
        for s in (i, c):
            wait_until(lambda: s.status()["refused"] > before[s.name], timeout=60,
                       what=f"X's new change refused at {s.name}")
        for s in (i, b, c):
            assert e2 not in ids(s) and e1 in ids(s)
        px = [p for p in i.j("peer", "list")["peers"] if p["site_id"] == x.id][0]
        assert px["refused_by_reason"].get("REVOKED", 0) >= 1, px


def test_self_revocation_everywhere():
    """X revokes its own key: A (which trusts X directly) and B (through
    A) refuse what the key signs afterwards, even sent by a thief."""
    with Net() as net:
        x = net.started("GEM Perdu")
        a = net.started("GEM Voisin")
        b = net.started("GEM Second")
        a.peer(x)
        x.peer(a)
        b.peer(a, "--introducer")
        a.peer(b)
        e1 = x.add_event("Avant la perte")
        wait_until(lambda: e1 in ids(b), timeout=60, what="X's event at B")
        r = x.run("key", "revoke")
        assert r.returncode == 2 and "--yes" in r.stderr, r.stderr
        x.cli("key", "revoke", "--yes", "--reason", "clé perdue")
        cut = x.status()["seq"]
        r = x.run("event", "add", "--title", "Refusé", "--kind", "workshop",
                  "--start", "2030-06-01T14:00:00+02:00")
        assert r.returncode == 1 and "révoquée" in r.stderr, r.stderr
        assert "la clé de ce site est révoquée" in x.cli("status")
        for s in (a, b):
            wait_until(lambda: revoked(s, x.id), timeout=60,
                       what=f"the self-revocation at {s.name}")
            row = site_row(s, x.id)
            assert row["revoked"] == {"by": x.id, "last_seq": cut}, row
            assert s.j("event", "show", e1)["owner_revoked"] is True
        x.stop()
        for s in (a, b):
            before = s.status()["refused"]
            r = forge(x.data, s, cut + 1, "Signé par le voleur")
            assert r.returncode == 0, r.stderr
            wait_until(lambda: s.status()["refused"] > before, timeout=30,
                       what=f"the thief's change refused at {s.name}")
            assert all(e["fields"]["title"] != "Signé par le voleur"
                       for e in s.events())


def test_equivocation_proof_travels():
    """A site that sees X sign two changes with one number keeps the
    proof and passes it on: every site flags X in site list and status,
    saying what to do."""
    with Net() as net:
        x = net.started("GEM Double")
        a = net.started("GEM Témoin")
        b = net.started("GEM Relais")
        c = net.started("GEM Bout")
        a.peer(x)
        x.peer(a)
        b.peer(a, "--introducer")
        a.peer(b)
        c.peer(b, "--introducer")
        b.peer(c)
        e1 = x.add_event("Atelier original")
        wait_until(lambda: e1 in ids(c), timeout=60, what="X's event at C")
        seq = x.status()["seq"]
        for s in (a, b, c):
            assert s.status()["equivocating_sites"] == []
            assert site_row(s, x.id)["equivocations"] == 0
        # the same number, other content, signed with X's key, sent to A
        r = forge(x.data, a, seq, "Atelier falsifié")
        assert r.returncode == 0, r.stderr
        for s in (a, b, c):
            wait_until(lambda: site_row(s, x.id)["equivocations"] == 1, timeout=60,
                       what=f"the proof at {s.name}")
            st = s.status()
            assert st["equivocations"] == 1, st
            assert [(e["site_id"], e["seq"]) for e in st["equivocating_sites"]] == \
                [(x.id, seq)], st["equivocating_sites"]
            out = s.cli("status")
            assert "le site GEM Double a signé deux modifications" in out, out
            assert "gemsync key revoke --yes" in out and x.id in out, out
            assert "DOUBLE VERSION !" in s.cli("site", "list")
        # the first change stays, the forged one is not applied anywhere
        for s in (a, b, c):
            assert s.j("event", "show", e1)["fields"]["title"] == "Atelier original"
            assert all(e["fields"]["title"] != "Atelier falsifié" for e in s.events())


if __name__ == "__main__":
    run_tests([
        test_signing_key_sealed_at_init,
        test_signing_key_sealed_on_first_start,
        test_revocation_two_hops,
        test_self_revocation_everywhere,
        test_equivocation_proof_travels,
    ])
