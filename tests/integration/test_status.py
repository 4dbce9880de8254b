# SPDX-License-Identifier: AGPL-3.0-or-later
"""Knowing where you stand (issue 16): `gemsync status` says first how in
sync this site is, or what is wrong, and each problem says what to do; a
clock a day ahead is said on both sides, in status and in the log;
`gemsync site status` answers for a site two hops away."""
import base64
import re
import sqlite3
import os
import time

from gslib import Net, run_tests, wait_until

DAY = 86400
SYNC_LINE = re.compile(r"^À jour avec (\d+) sites? sur (\d+) \(dernier échange "
                       r"(\d\d:\d\d|le .+ à \d\d:\d\d)\)$")


def problems(site, check=None):
    st = site.status()
    return [p for p in st["problems"] if check is None or p["check"] == check]


def first_line(site):
    return site.cli("status").splitlines()[0]


def log_count(site, text):
    with open(site.log, errors="replace") as f:
        return f.read().count(text)


def test_clock_day_ahead_both_sides():
    """B's clock is a day ahead (the daemon's test hook): A says so of B,
    B says so of itself, in status and once in the log; B's changes are
    refused by A, and A's status says why and what to do."""
    with Net() as net:
        a = net.started("GEM La Passerelle")
        b = net.site("GEM Le Rebond")
        b.init()
        b.start(env={"GEMSYNC_TEST_CLOCK_OFFSET": str(DAY)})
        a.peer(b)
        b.peer(a)
        ahead = "l'horloge de GEM Le Rebond a 1 jour d'avance sur la vôtre"
        mine = "l'horloge de cet ordinateur a 1 jour d'avance sur GEM La Passerelle"
        wait_until(lambda: [p for p in problems(a, "clock") if p["message"] == ahead],
                   timeout=30, what="A warns of B's clock")
        wait_until(lambda: [p for p in problems(b, "clock") if p["message"] == mine],
                   timeout=30, what="B warns of its own clock")
        for s, text in ((a, ahead), (b, mine)):
            p = problems(s, "clock")[0]
            assert p["todo"] and "heure" in p["todo"], p
            assert first_line(s) == text[0].upper() + text[1:] or \
                first_line(s).startswith(text[0].upper() + text[1:] + " (et d'autres"), \
                first_line(s)
            out = s.cli("status")
            assert f"- {text} : {p['todo']}." in out, out
        # B writes: A refuses the change (stamped a day ahead) and says why
        b.add_event("Atelier du futur", "2030-06-01T14:00:00+02:00")
        b.cli("sync")
        wait_until(lambda: problems(a, "refused"), timeout=30, what="A's refusals")
        ref = problems(a, "refused")[0]
        assert "GEM Le Rebond" in ref["message"] and "horloge en avance" in ref["message"], ref
        assert "mettre son ordinateur à l'heure" in ref["todo"], ref
        assert a.status()["refused"] > 0
        # several rounds and a reconnection later, each side logged it once
        a.cli("sync")
        b.cli("sync")
        b.stop()
        b.start(env={"GEMSYNC_TEST_CLOCK_OFFSET": str(DAY)})
        wait_until(lambda: problems(b, "clock"), timeout=30, what="B warns again")
        assert log_count(a, ahead) == 1, a.tail_log()
        assert log_count(b, mine) == 2, "once per run of B"
        # the clock back on time: the warning goes, the state change is logged
        b.stop()
        b.start()
        wait_until(lambda: not problems(b, "clock"), timeout=30, what="B's clock fixed")
        wait_until(lambda: log_count(a, "GEM Le Rebond et la vôtre sont de nouveau d'accord") == 1,
                   timeout=30, what="A logs the clock fixed")
        assert not problems(a, "clock")


def set_last_seen(site, peer_id_bytes, when):
    with sqlite3.connect(os.path.join(site.data, "gemsync.db")) as db:
        n = db.execute("UPDATE peers SET last_seen = ?, added = ? WHERE pk = ?",
                       (when, when, peer_id_bytes)).rowcount
    assert n == 1


def test_first_line_and_problems():
    """In sync: « À jour avec N sites sur M (dernier échange HH:MM) ».
    Then each problem, with what to do: an unreachable peer (its last
    contact set 8 days back on disk), a pending site, a conflict, an
    overbooked event."""
    with Net() as net:
        a = net.started("GEM La Passerelle")
        b = net.started("GEM Le Rebond")
        a.peer(b)
        b.peer(a)
        a.add_event("Pique-nique", "2030-06-01T12:00:00+02:00")
        wait_until(lambda: a.status()["in_sync"] == 1 and b.status()["in_sync"] == 1,
                   timeout=30, what="in sync")
        for s in (a, b):
            st = s.status()
            assert st["problems"] == [], st["problems"]
            assert SYNC_LINE.match(st["headline"]), st["headline"]
            m = SYNC_LINE.match(first_line(s))
            assert m and m.group(1, 2) == ("1", "1"), first_line(s)
            assert st["last_exchange"] is not None
        # a third site, known but gone: 1 of 2, not a problem yet
        c = net.started("GEM L'Envol")
        a.peer(c)
        c.stop()
        wait_until(lambda: SYNC_LINE.match(a.status()["headline"]) and
                   SYNC_LINE.match(a.status()["headline"]).group(1, 2) == ("1", "2"),
                   timeout=30, what="1 site of 2")
        assert problems(a) == []
        # gone for 8 days (the last contact is kept on disk)
        a.stop()
        set_last_seen(a, key_of(c), int(time.time()) - 8 * DAY)
        a.start()
        wait_until(lambda: problems(a, "unreachable"), timeout=30, what="unreachable")
        p = problems(a, "unreachable")[0]
        assert p["site"] == c.id
        assert "GEM L'Envol est injoignable depuis 8 jours" in p["message"], p
        assert "allumé" in p["todo"] and c.endpoint in p["todo"], p
        assert first_line(a).startswith("GEM L'Envol est injoignable depuis 8 jours"), \
            first_line(a)
        # a site nobody trusts yet dials A: pending
        d = net.started("GEM Le Phare")
        d.peer(a)
        wait_until(lambda: problems(a, "pending_site"), timeout=30, what="pending site")
        p = problems(a, "pending_site")[0]
        assert p["message"] == "1 site attend votre décision" and "gemsync site pending" in p["todo"]
        # an overbooked event A hosts
        e = a.add_event("Sortie au lac", "2030-07-01T10:00:00+02:00", "outing",
                        "--capacity", "2", "--cohost", b.id)
        a.cli("event", "reserve", e, "--seats", "3", "--force")
        p = problems(a, "overbooked")
        assert len(p) == 1 and "« Sortie au lac » a 1 place réservée de trop" == p[0]["message"], p
        assert f"gemsync event edit {e} --capacity" in p[0]["todo"], p
        # a conflict: A and B edit one field while apart
        wait_until(lambda: any(x["id"] == e for x in b.events()), timeout=30, what="event on B")
        a.j("peer", "remove", b.id)
        b.j("peer", "remove", a.id)
        a.j("event", "edit", e, "--place", "Annecy")
        b.j("event", "edit", e, "--place", "Aix-les-Bains")
        a.peer(b)
        b.peer(a)
        wait_until(lambda: problems(a, "conflict"), timeout=60, what="conflict")
        p = problems(a, "conflict")[0]
        assert p["message"].startswith("1 élément en conflit"), p
        assert "gemsync conflicts list" in p["todo"]
        out = a.cli("status")
        for q in problems(a):
            assert f"- {q['message']} : {q['todo']}." in out, out
        # plain words for the counters, the sync line and the last exchange
        for label in ("\nDoubles versions:", "\nÉléments abîmés:", "\nÉchanges:",
                      "\nÉchanges lancés:"):
            assert label in out, (label, out)
        for jargon in ("Synchro", "synchro", "Équivocation", "Corrompues"):
            assert jargon not in out, (jargon, out)
        out = a.cli("peer", "list")
        assert "DERNIER ÉCHANGE" in out and "SYNCHRO" not in out, out
        # when it was seen, as a facilitator reads a date: « lundi 30
        # novembre, 14 h 20 », not 2026-11-30 13:20:19
        assert re.search(r"(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) "
                         r"\d{1,2}(er)? [a-zéû]+, \d{1,2} h( \d\d)?", out), out
        assert not re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", out), out
        # --json: the old keys are still there
        st = a.status()
        for k in ("site_id", "peers", "peers_connected", "pending_sites", "refused",
                  "conflicts", "overbooked", "rounds", "seq"):
            assert k in st, k


def key_of(site):
    """A site's 32-byte key, from its ID: 8 groups of 7 characters, the
    key's 52 base32 characters in 4 runs of 13 each followed by a check
    character (daemon/siteid.h)."""
    sid = site.id.replace("-", "")
    b32 = "".join(sid[i * 14:i * 14 + 13] for i in range(4))
    return base64.b32decode(b32 + "====")


def test_site_status_two_hops():
    """A–B–C in a line: A learns what C holds of its changes through B's
    reports, though A and C never talk."""
    with Net() as net:
        a = net.started("GEM La Passerelle")
        b = net.started("GEM Le Rebond")
        c = net.started("GEM L'Envol")
        a.peer(b)
        b.peer(a)
        b.peer(c)
        c.peer(b)
        # C must accept A's changes: it trusts A without a link to it
        c.j("site", "trust", a.id)
        a.j("site", "trust", c.id)
        e1 = a.add_event("Atelier 1", "2030-06-01T14:00:00+02:00")
        wait_until(lambda: any(x["id"] == e1 for x in c.events()), timeout=60,
                   what="A's event reaches C")
        seq = a.status()["seq"]

        def held():
            r = a.j("site", "status", c.id)
            return r if r["known"] and r["seq"] == seq else None
        r = wait_until(held, timeout=60, what="A learns what C holds")
        assert r["hops"] == 2 and r["via"] == b.id and r["missing"] == 0, r
        out = a.cli("site", "status", c.id)
        assert re.match(r"^GEM L'Envol a reçu vos changements jusqu'à \d\d:\d\d : tous\.$",
                        out.strip()), out
        # B, a peer, answers from its own summary
        r = a.j("site", "status", b.id)
        assert r["hops"] == 1 and r["seq"] == seq, r
        # C cut off from B: A writes again, and C is said to lack it
        b.j("peer", "remove", c.id)
        c.j("peer", "remove", b.id)
        a.add_event("Atelier 2", "2030-06-02T14:00:00+02:00")
        r = a.j("site", "status", c.id)
        assert r["missing"] == 1 and "il lui en manque 1" in r["message"], r
        # a site nobody spoke of
        d = net.started("GEM Le Phare")
        r = a.run("site", "status", d.id)
        assert r.returncode == 0 and "Aucun site voisin n'a encore dit" in r.stdout, r.stdout
        assert a.j("site", "status", d.id)["known"] is False


def test_site_status_three_hops():
    """A–B–C–D in a line: what D holds of A's changes travels D→C (D's
    summary), C→B (C's reports in turn) and B→A (B's reports about A's
    changes)."""
    with Net() as net:
        a, b, c, d = (net.started(n) for n in ("GEM La Passerelle", "GEM Le Rebond",
                                               "GEM L'Envol", "GEM Le Phare"))
        for x, y in ((a, b), (b, c), (c, d)):
            x.peer(y)
            y.peer(x)
        for x in (c, d):
            x.j("site", "trust", a.id)
        a.j("site", "trust", d.id)
        e = a.add_event("Atelier 1", "2030-06-01T14:00:00+02:00")
        wait_until(lambda: any(x["id"] == e for x in d.events()), timeout=60,
                   what="A's event reaches D")
        seq = a.status()["seq"]

        def held():
            r = a.j("site", "status", d.id)
            return r if r["known"] and r["seq"] == seq else None
        r = wait_until(held, timeout=90, what="A learns what D holds")
        assert r["hops"] == 3 and r["via"] == b.id and r["missing"] == 0, r


if __name__ == "__main__":
    run_tests([test_clock_day_ahead_both_sides, test_first_line_and_problems,
               test_site_status_two_hops, test_site_status_three_hops])
