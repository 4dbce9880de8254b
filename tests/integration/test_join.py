# SPDX-License-Identifier: AGPL-3.0-or-later
"""Joining a network (issue 16): one invitation line pasted on the other
site sets up both sides (the joiner adds and trusts the inviter, the
inviter trusts the joiner on its first hello), every broken token gets its
own French error, the six words match on both sides, site pending shows
what a knocking site announced and the exact command, and every command
taking a SITE-ID also takes the short form of lists or a site name."""
import time

from gslib import Net, run_tests, wait_until


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


def main():
    run_tests([test_invite_join_one_paste])


if __name__ == "__main__":
    main()
