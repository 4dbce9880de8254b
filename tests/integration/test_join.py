# SPDX-License-Identifier: AGPL-3.0-or-later
"""Joining a network (issue 16): one invitation line pasted on the other
site sets up both sides (the joiner adds and trusts the inviter, the
inviter trusts the joiner on its first hello), every broken token gets its
own French error, the six words match on both sides, site pending shows
what a knocking site announced and the exact command, and every command
taking a SITE-ID also takes the short form of lists or a site name."""
import base64
import hashlib
import os
import sqlite3
import subprocess
import time

from gslib import GEMSYNC, Net, run_tests, wait_until

FIXED = 32 + 8 + 16 + 8 + 1     # site key, ID, secret, expiry, endpoint length


def token_raw(tok):
    b = tok[4:]
    b += "=" * (-len(b) % 8)
    return bytearray(base64.b32decode(b))


def token_text(raw):
    return "GS1-" + base64.b32encode(bytes(raw)).decode().rstrip("=")


def reseal(raw):
    """Recomputes the checksum (invite.h): a forged token, not a typo."""
    body = bytes(raw[:-4])
    check = hashlib.blake2b(b"gemsync invite token v1" + body, digest_size=32).digest()[:4]
    return bytearray(body + check)


def token_of(out):
    line = out.splitlines()[0]
    assert line.startswith("GS1-"), out
    return line


def event_ids(site):
    return sorted(e["id"] for e in site.events() if not e["deleted"])


def test_invite_join_one_paste():
    with Net() as net:
        a = net.started("GEM Le Rebond", town="Villeurbanne")
        b = net.started("GEM La Passerelle", town="Lyon")
        out = a.cli("invite", "--name", "Passerelle")
        tok = token_of(out)
        assert "gemsync join " + tok in out
        r = b.run("join", tok)
        assert r.returncode == 0, r.stderr
        assert "C'est fait" in r.stdout, r.stdout
        # the joiner saw the inviter's words, equal to what the inviter says
        words_a = a.cli("id", "--words").strip()
        assert len(words_a.split()) == 6
        assert words_a in r.stdout
        assert b.j("id")["words"] == b.cli("id", "--words").strip()
        # both sides trust each other, with no other admin command
        wait_until(lambda: any(p["site_id"] == b.id for p in a.j("peer", "list")["peers"]),
                   timeout=30, what="inviter lists the joiner as a peer")
        trust_a = {s["site_id"]: s["trust"] for s in a.j("site", "list")["sites"]}
        trust_b = {s["site_id"]: s["trust"] for s in b.j("site", "list")["sites"]}
        assert trust_a[b.id] == "trusted" and trust_b[a.id] == "trusted"
        # the words each side shows of the other are the other's own words
        words = {s["site_id"]: s["words"] for s in a.j("site", "list")["sites"]}
        assert words[b.id] == b.cli("id", "--words").strip()
        assert [p["words"] for p in b.j("peer", "list")["peers"]] == [words_a]
        # an event each way
        ea = a.add_event("Sortie au musée", "2030-12-05T14:00:00+01:00", "outing")
        eb = b.add_event("Atelier écriture", "2030-12-01T14:00:00+01:00", "workshop")
        wait_until(lambda: event_ids(a) == event_ids(b) == sorted([ea, eb]), timeout=40,
                   what="both events on both sites")
        # the invitation is used up: a second joiner is refused
        inv = a.j("invite", "list")["invites"]
        assert inv[0]["state"] == "used" and inv[0]["uses_left"] == 0
        assert inv[0]["name"] == "Passerelle"
        c = net.started("GEM L'Envol", town="Vienne")
        r = c.run("join", tok)
        assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
        assert "déjà servi" in r.stderr, r.stderr
        # and forgets the inviter it had added
        assert all(p["site_id"] != a.id for p in c.j("peer", "list")["peers"])
        # the secret never reaches the inviter's log
        secret_part = tok[4:]
        with open(a.log, errors="replace") as f:
            log = f.read()
        assert secret_part not in log and "joined with an invitation" in log


def test_broken_tokens():
    """Each way a token goes wrong has its own French error; none leaves
    the joiner with a peer."""
    with Net() as net:
        a = net.started("GEM Le Rebond", town="Villeurbanne")
        b = net.started("GEM La Passerelle", town="Lyon")
        tok = token_of(a.cli("invite"))

        def refused(token, rc, words):
            r = b.run("join", token)
            assert r.returncode == rc, (token, r.returncode, r.stdout, r.stderr)
            assert words in r.stderr, (words, r.stderr)
            return r.stderr

        # truncated: the end is missing (a copy cut short)
        refused(tok[:-10], 5, "incomplète")
        refused(tok[:40], 5, "incomplète")
        # a typo: one character changed, the checksum catches it
        i = 30
        typo = tok[:i] + ("A" if tok[i] != "A" else "B") + tok[i + 1:]
        refused(typo, 5, "mal recopiée")
        # not an invitation at all, and a later version
        refused("bonjour", 5, "n'est pas une invitation")
        refused("GS2-" + tok[4:], 5, "version plus récente")
        # tampered: another secret under a valid checksum; the inviter refuses
        raw = token_raw(tok)
        raw[40] ^= 1
        refused(token_text(reseal(raw)), 1, "invitation inconnue ou modifiée")
        # expired: refused by the joiner (the token says when) ...
        raw = token_raw(tok)
        raw[56:64] = (int(time.time()) - 60).to_bytes(8, "big")
        refused(token_text(reseal(raw)), 1, "a expiré")
        # ... and by the inviter (its own record, on its own clock)
        short = token_of(a.cli("invite", "--expires", "1s"))
        time.sleep(1.5)
        raw = token_raw(short)
        raw[56:64] = (int(time.time()) + 3600).to_bytes(8, "big")
        refused(token_text(reseal(raw)), 1, "a expiré")
        # revoked
        doc = a.j("invite", "--name", "pour Vienne")
        assert a.cli("invite", "revoke", "pour Vienne").startswith("Invitation annulée")
        refused(doc["token"], 1, "annulée par l'autre site")
        states = {i["id"]: i["state"] for i in a.j("invite", "list")["invites"]}
        assert states[doc["id"]] == "revoked"
        # nothing of all this made B a peer of A, nor A of B
        assert all(p["site_id"] != a.id for p in b.j("peer", "list")["peers"])
        assert all(p["site_id"] != b.id for p in a.j("peer", "list")["peers"])
        # the first invitation is still good
        r = b.run("join", tok)
        assert r.returncode == 0 and "C'est fait" in r.stdout, (r.stdout, r.stderr)
        # and one's own invitation is refused with a clear word
        r = a.run("join", token_of(a.cli("invite")))
        assert r.returncode == 5 and "de ce site-ci" in r.stderr, r.stderr


def test_invite_qr():
    with Net() as net:
        a = net.started("GEM Le Rebond", town="Villeurbanne")
        out = a.cli("invite", "--qr")
        lines = out.splitlines()
        assert lines[0].startswith("GS1-")
        art = [l for l in lines[1:] if l and set(l) <= set(" \u2580\u2584\u2588")]
        assert len(art) > 10, out
        assert any("\u2588" in l for l in art)
        assert len({len(l) for l in art}) == 1, "a square of equal lines"


def test_short_ids_and_names():
    with Net() as net:
        a = net.started("GEM Le Rebond", town="Villeurbanne")
        b = net.started("GEM La Passerelle", town="Lyon")
        c = net.started("GEM la PASSERELLE", town="Vienne")   # b's name, folded
        b.peer(a)
        c.peer(a)
        a.peer(b)
        wait_until(lambda: any(s["name"] == "GEM La Passerelle"
                               for s in a.j("site", "list")["sites"] if s["site_id"] == b.id),
                   timeout=30, what="B's profile on A")
        short_b = b.j("id")["short"]
        assert len(short_b) == 7 and b.id.startswith(short_b)
        # the short form shown in lists
        assert a.j("site", "block", short_b)["site_id"] == b.id
        assert a.j("site", "trust", short_b.lower())["site_id"] == b.id
        # a name, case and accents ignored
        r = a.run("site", "trust", "gem le rebond")
        assert r.returncode == 5 and "ce site-ci" in r.stderr, r.stderr
        # C knocks on A: pending, known by its announced name
        wait_until(lambda: any(p.get("site_id") == c.id for p in a.j("site", "pending")["pending"]),
                   timeout=30, what="C pending on A")
        r = a.run("site", "trust", "GEM La Passerelle")
        assert r.returncode == 5, (r.returncode, r.stderr)
        assert "désigne 2 sites" in r.stderr and short_b in r.stderr and c.j("id")["short"] in r.stderr
        r = a.run("peer", "remove", "Nulle Part")
        assert r.returncode == 4 and "gemsync site list" in r.stderr, r.stderr
        # no whole name matches: a part of one names the site it is in,
        # and one in two names is refused as ambiguous
        r = a.run("site", "trust", "rebond")
        assert r.returncode == 5 and "ce site-ci" in r.stderr, r.stderr
        r = a.run("site", "trust", "passerel")
        assert r.returncode == 5 and "désigne 2 sites" in r.stderr, r.stderr
        r = a.run("site", "trust", "re")
        assert r.returncode == 4, r.stderr   # too short to look inside names
        # the full ID is still accepted, and a typo in it still told so
        assert a.j("peer", "remove", short_b)["site_id"] == b.id
        a.j("peer", "add", c.j("id")["short"], c.endpoint)
        assert any(p["site_id"] == c.id for p in a.j("peer", "list")["peers"])
        r = a.run("sync", "--peer", "gem la PASSERELLE")
        assert r.returncode == 5, r.stderr   # still two sites of that name
        bad = list(b.id)
        bad[10] = "A" if bad[10] != "A" else "B"
        r = a.run("site", "trust", "".join(bad))
        assert r.returncode == 5 and "somme de contrôle" in r.stderr, r.stderr


def test_site_pending_announced():
    with Net() as net:
        a = net.started("GEM Le Rebond", town="Villeurbanne")
        b = net.started("GEM L'Envol", town="Vienne")
        b.peer(a)            # B knocks, A does not know B
        wait_until(lambda: any(p.get("site_id") == b.id for p in a.j("site", "pending")["pending"]),
                   timeout=30, what="B pending on A with its site key")
        p = [p for p in a.j("site", "pending")["pending"] if p.get("site_id") == b.id][0]
        assert p["name"] == "GEM L'Envol" and p["town"] == "Vienne"
        assert p["words"] == b.cli("id", "--words").strip()
        assert p["command"] == f"gemsync peer add {b.id} {b.endpoint}"
        out = a.cli("site", "pending")
        for want in ("GEM L'Envol", "Vienne", p["words"], p["command"]):
            assert want in out, (want, out)
        # once A has B as a peer without trusting it, the command is site trust
        a.j("peer", "add", b.id, b.endpoint)
        a.j("site", "block", b.id)
        a.j("site", "trust", b.id)
        # running the command shown lets B in: B's events arrive
        eb = b.add_event("Atelier", "2030-12-01T14:00:00+01:00", "workshop")
        wait_until(lambda: eb in event_ids(a), timeout=40, what="B's event on A")


def refuse_peer_rows(site, on):
    """A trigger that makes every write to the peers table fail, on the
    running site's database: a peer add that fails half-way."""
    db = sqlite3.connect(os.path.join(site.data, "gemsync.db"), timeout=20)
    try:
        if on:
            db.execute("CREATE TRIGGER no_peer BEFORE INSERT ON peers "
                       "BEGIN SELECT RAISE(ABORT, 'test: no peer'); END")
        else:
            db.execute("DROP TRIGGER no_peer")
        db.commit()
    finally:
        db.close()


def trust_of(site, other):
    return {s["site_id"]: s["trust"] for s in site.j("site", "list")["sites"]}.get(other.id)


def test_failed_join_leaves_things_as_they_were():
    """A peer add that fails while admitting a joiner leaves the inviter
    as it was: the joiner not trusted, the invitation's use not spent;
    the same join succeeds once the fault is gone. On the joiner's side a
    failed join leaves the inviter's trust as it was too."""
    with Net() as net:
        a = net.started("GEM Le Rebond", town="Villeurbanne")
        b = net.started("GEM La Passerelle", town="Lyon")
        tok = token_of(a.cli("invite", "--name", "Passerelle"))
        refuse_peer_rows(a, True)
        env = dict(os.environ, GEMSYNC_TIMEOUT="30")
        join = subprocess.Popen([GEMSYNC, "-c", b.conf, "join", tok], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            def failed():
                with open(a.log, errors="replace") as f:
                    return "cannot add site" in f.read()
            wait_until(failed, timeout=30, what="the inviter failing to add the joiner")
        finally:
            join.kill()
            join.wait(timeout=10)
        assert trust_of(a, b) != "trusted", a.j("site", "list")
        assert all(p["site_id"] != b.id for p in a.j("peer", "list")["peers"])
        inv = a.j("invite", "list")["invites"][0]
        assert inv["state"] == "active" and inv["uses_left"] == 1, inv
        # the fault gone, the same invitation works
        refuse_peer_rows(a, False)
        r = b.run("join", tok)
        assert r.returncode == 0 and "C'est fait" in r.stdout, (r.stdout, r.stderr)
        assert trust_of(a, b) == "trusted"
        assert a.j("invite", "list")["invites"][0]["uses_left"] == 0
        # the joiner's side: a failed join leaves the inviter unknown ...
        c = net.started("GEM L'Envol", town="Vienne")
        tok = token_of(a.cli("invite"))
        refuse_peer_rows(c, True)
        r = c.run("join", tok)
        assert r.returncode != 0, (r.stdout, r.stderr)
        assert trust_of(c, a) is None, c.j("site", "list")
        # ... or trusted, as before
        c.j("site", "trust", b.id)
        r = c.run("join", token_of(b.cli("invite")))
        assert r.returncode != 0, (r.stdout, r.stderr)
        assert trust_of(c, b) == "trusted"
        refuse_peer_rows(c, False)


def test_refused_join_keeps_prior_trust():
    """A join the inviter refuses takes back only what the join added: an
    inviter trusted before stays trusted, an unknown one is forgotten."""
    with Net() as net:
        a = net.started("GEM Le Rebond", town="Villeurbanne")
        b = net.started("GEM La Passerelle", town="Lyon")
        b.j("site", "trust", a.id)
        doc = a.j("invite", "--name", "pour Lyon")
        a.cli("invite", "revoke", "pour Lyon")
        r = b.run("join", doc["token"])
        assert r.returncode == 1 and "annulée" in r.stderr, (r.stdout, r.stderr)
        assert trust_of(b, a) == "trusted", b.j("site", "list")
        assert all(p["site_id"] != a.id for p in b.j("peer", "list")["peers"])
        c = net.started("GEM L'Envol", town="Vienne")
        r = c.run("join", doc["token"])
        assert r.returncode == 1 and "annulée" in r.stderr, (r.stdout, r.stderr)
        assert trust_of(c, a) is None, c.j("site", "list")


def main():
    run_tests([test_invite_join_one_paste, test_broken_tokens, test_invite_qr,
               test_short_ids_and_names, test_site_pending_announced,
               test_failed_join_leaves_things_as_they_were,
               test_refused_join_keeps_prior_trust])


if __name__ == "__main__":
    main()
