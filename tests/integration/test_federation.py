# SPDX-License-Identifier: AGPL-3.0-or-later
"""Federation (issue 3): real daemons on 127.0.0.1 gossiping over CURVE,
with explicit trust, relaying through intermediate sites, catch-up after
downtime, authorization, blocking, a large initial sync and in-sync
rounds that cost only summaries."""
import json
import os
import signal
import subprocess
import time

from gslib import TOOLS, Net, Skip, run_tests, wait_until


def event_ids(site):
    return sorted(e["id"] for e in site.events() if not e["deleted"])


def synced_with(site, peer_name):
    peers = site.j("peer", "list")["peers"]
    return [p for p in peers if p["name"] == peer_name and p["connected"]]


def test_two_sites_exchange():
    with Net() as net:
        a = net.started("GEM Le Rebond", town="Villeurbanne")
        b = net.started("GEM La Passerelle", town="Lyon")
        a.peer(b)
        b.peer(a)
        ea = a.add_event("Sortie au musée des Beaux-Arts", "2030-12-05T14:00:00+01:00", "outing",
                         "--capacity", "12")
        eb = b.add_event("Atelier écriture", "2030-12-01T14:00:00+01:00", "workshop")
        rb = b.j("resource", "add", "--name", "Clubhouse Lyon", "--kind", "clubhouse",
                 "--town", "Lyon")["id"]
        wait_until(lambda: event_ids(a) == event_ids(b) == sorted([ea, eb]), timeout=30,
                   what="both events on both sites")
        wait_until(lambda: a.j("resource", "list")["items"] != [], timeout=30)
        for item, kind in ((ea, "event"), (eb, "event"), (rb, "resource")):
            assert a.shared_cli(kind, "show", item) == b.shared_cli(kind, "show", item), \
                "same item, same bytes on both sites"
        shown = b.j("event", "show", ea)
        assert shown["owner"] == a.id and shown["owner_name"] == "GEM Le Rebond"
        # edits travel too
        a.j("event", "edit", ea, "--place", "Lyon 1er")
        wait_until(lambda: b.j("event", "show", ea)["fields"].get("place") == "Lyon 1er",
                   timeout=30, what="edit propagated")
        peers = a.j("peer", "list")["peers"]
        assert peers[0]["site_id"] == b.id and peers[0]["connected"] is True
        names = {s["name"] for s in a.j("site", "list")["sites"]}
        assert {"GEM Le Rebond", "GEM La Passerelle"} <= names


def test_line_relay_with_introducer():
    with Net() as net:
        a = net.started("GEM Le Rebond")
        b = net.started("GEM La Passerelle")
        c = net.started("GEM L'Envol", town="Vienne", department="38")
        a.peer(b)
        b.peer(a)
        b.peer(c)
        c.peer(b, "--introducer")
        e = a.add_event("Marche douce au parc", "2030-11-20T10:00:00+01:00", "physical")
        wait_until(lambda: e in event_ids(c), timeout=40, what="A's event at C through B")
        shown = c.j("event", "show", e)
        assert shown["owner"] == a.id and shown["owner_name"] == "GEM Le Rebond"
        sites = {s["site_id"]: s for s in c.j("site", "list")["sites"]}
        assert sites[a.id]["trust"] == "trusted" and sites[a.id]["introduced_by"] == b.id
        assert a.shared_cli("event", "show", e) == c.shared_cli("event", "show", e)


def test_line_relay_with_explicit_trust():
    with Net() as net:
        a = net.started("GEM Le Rebond")
        b = net.started("GEM La Passerelle")
        c = net.started("GEM L'Envol", town="Vienne", department="38")
        a.peer(b)
        b.peer(a)
        b.peer(c)
        c.peer(b)
        e = a.add_event("Repas partagé", "2030-11-22T12:00:00+01:00", "convivial")
        wait_until(lambda: e in event_ids(b), timeout=30)
        time.sleep(1.5)
        assert e not in event_ids(c), "C does not accept A's items before trusting A"
        pending = c.j("site", "pending")["pending"]
        assert any(p["site_id"] == a.id for p in pending), pending
        c.j("site", "trust", a.id)
        wait_until(lambda: e in event_ids(c), timeout=40, what="A's event at C after trust")
        assert c.j("event", "show", e)["owner"] == a.id


def test_unknown_site_gets_nothing_until_trusted():
    with Net() as net:
        a = net.started("GEM Le Rebond")
        d = net.started("GEM Inconnu", town="Grenoble", department="38")
        ea = a.add_event("Atelier budget", "2030-10-10T14:00:00+02:00", "autonomy")
        ed = d.add_event("Groupe de parole", "2030-10-11T14:00:00+02:00", "discussion")
        d.peer(a)   # D knows A; A never heard of D
        key = d.j("id")["transport_key"]
        wait_until(lambda: any(p.get("transport_key") == key
                               for p in a.j("site", "pending")["pending"]),
                   timeout=30, what="D listed as pending on A")
        time.sleep(1.0)
        assert ea not in event_ids(d), "an unknown site receives nothing"
        assert ed not in event_ids(a), "and stores nothing from it"
        assert not any(s["site_id"] == d.id for s in a.j("site", "list")["sites"]
                       if s["trust"] != "pending")
        a.j("site", "trust", d.id)
        a.peer(d)
        wait_until(lambda: ea in event_ids(d) and ed in event_ids(a), timeout=40,
                   what="sync after trust + peer add")
        assert not any(p.get("transport_key") == key for p in a.j("site", "pending")["pending"])


def test_stopped_site_catches_up():
    with Net() as net:
        a = net.started("GEM Le Rebond")
        b = net.started("GEM La Passerelle")
        c = net.started("GEM L'Envol")
        for x, y in ((a, b), (b, a), (b, c), (c, b), (a, c), (c, a)):
            x.peer(y)
        first = a.add_event("Atelier écriture", "2030-09-01T14:00:00+02:00")
        wait_until(lambda: first in event_ids(c), timeout=30)
        c.stop()
        made = []
        for i in range(250):
            made.append(a.add_event(f"Atelier écriture n°{i}", "2030-09-02T14:00:00+02:00"))
            made.append(b.add_event(f"Sortie cinéma n°{i}", "2030-09-03T20:00:00+02:00", "outing"))
        for i, e in enumerate(made[:100]):
            owner = a if i % 2 == 0 else b
            owner.j("event", "edit", e, "--place", f"Salle {i}")
        assert len(made) == 500
        wait_until(lambda: len(event_ids(a)) == len(event_ids(b)) == 501, timeout=60)
        c.start()
        wait_until(lambda: len(event_ids(c)) == 501, timeout=120, interval=0.5,
                   what="C caught up after restart")
        dump_a = a.shared_cli("event", "list", "--all")
        wait_until(lambda: c.shared_cli("event", "list", "--all") == dump_a, timeout=60,
                   what="identical lists (edits included)")


def forge(key_dir, target, typ, item, seq, parents, *fields):
    return subprocess.run([os.path.join(TOOLS, "gs_forge"), key_dir, target.endpoint, target.id,
                           typ, item, str(seq), ",".join(parents) or "-", *fields],
                          capture_output=True, text=True, timeout=60)


def denied(site, peer_id):
    for p in site.j("peer", "list")["peers"]:
        if p["site_id"] == peer_id:
            return p["refused_by_reason"].get("DENIED", 0)
    return 0


def test_only_owner_and_cohosts_edit():
    with Net() as net:
        a = net.started("GEM Le Rebond")
        b = net.started("GEM La Passerelle")
        c = net.started("GEM L'Envol")
        for x, y in ((a, b), (b, a), (b, c), (c, b), (a, c), (c, a)):
            x.peer(y)
        e = a.add_event("Sortie au musée", "2030-12-05T14:00:00+01:00", "outing")
        wait_until(lambda: all(e in event_ids(s) for s in (b, c)), timeout=30)
        # B is not a co-host: the CLI refuses at B ...
        r = b.run("event", "edit", e, "--title", "Titre changé par B")
        assert r.returncode == 1, (r.returncode, r.stderr)
        # ... and a change signed with B's key is refused by every other site
        heads = a.j("event", "show", e)["heads"]
        seq = b.status()["seq"] + 1
        for target in (a, c):
            before = denied(target, b.id)
            r = forge(b.data, target, "event", e, seq, heads, "title=Piraté")
            assert r.returncode == 0, r.stderr
            wait_until(lambda: denied(target, b.id) > before, timeout=20,
                       what=f"refusal counted at {target.name}")
        time.sleep(0.5)
        for s in (a, b, c):
            assert s.j("event", "show", e)["fields"]["title"] == "Sortie au musée"
        # a co-host's edit is accepted everywhere
        a.j("event", "edit", e, "--cohost", b.id)
        wait_until(lambda: b.j("event", "show", e)["fields"].get("cohosts") == b.id, timeout=30)
        b.j("event", "edit", e, "--title", "Sortie au musée des Beaux-Arts")
        for s in (a, b, c):
            wait_until(lambda: s.j("event", "show", e)["fields"]["title"] ==
                       "Sortie au musée des Beaux-Arts", timeout=30,
                       what=f"co-host edit at {s.name}")
        # but a co-host may not change who the co-hosts are
        r = b.run("event", "edit", e, "--cohost", c.id)
        assert r.returncode == 1


def test_blocked_site_hidden_and_not_relayed():
    with Net() as net:
        a = net.started("GEM Le Rebond")
        b = net.started("GEM La Passerelle")
        c = net.started("GEM L'Envol")
        # line B - A - C; C trusts B explicitly, so A relays B's items to C
        a.peer(b)
        b.peer(a)
        a.peer(c)
        c.peer(a)
        c.j("site", "trust", b.id)
        e1 = b.add_event("Atelier peinture", "2030-08-01T14:00:00+02:00")
        wait_until(lambda: e1 in event_ids(c), timeout=40, what="B's event relayed to C")
        e0 = a.add_event("Sortie cinéma", "2030-08-03T20:00:00+02:00", "outing",
                         "--capacity", "10")
        wait_until(lambda: e0 in event_ids(b), timeout=40)
        b.j("event", "reserve", e0, "--seats", "3")
        wait_until(lambda: a.j("event", "show", e0)["seats"]["total"] == 3, timeout=40)
        a.j("site", "block", b.id)
        assert a.j("event", "show", e0)["seats"]["total"] == 0, "its seats are hidden too"
        assert e1 not in event_ids(a), "a blocked site's items are hidden"
        assert a.run("event", "show", e1).returncode == 4
        sites = {s["site_id"]: s for s in a.j("site", "list")["sites"]}
        assert sites[b.id]["trust"] == "blocked"
        e2 = b.add_event("Atelier poterie", "2030-08-02T14:00:00+02:00")
        c.j("sync")
        a.j("sync")
        time.sleep(3)
        assert e2 not in event_ids(c), "not relayed to third sites"
        assert e2 not in [e["id"] for e in a.j("event", "list", "--all")["items"]]
        assert not [p for p in a.j("peer", "list")["peers"]
                    if p["site_id"] == b.id and p["connected"]]


def bulk_source_and_newcomer(net, count):
    """A site holding count generated changes (gs_bulk), started, and a
    new empty site; returns them and the source's change count."""
    a = net.site("GEM Le Rebond")
    a.init()
    r = subprocess.run([os.path.join(TOOLS, "gs_bulk"), a.data, str(count)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    a.start()
    n = net.started("GEM Nouveau", town="Bourgoin-Jallieu", department="38")
    return a, n, a.status()["changes"]


def test_initial_sync_20000():
    with Net() as net:
        a, n, total = bulk_source_and_newcomer(net, 20000)
        assert total >= 20000
        t0 = time.monotonic()
        a.peer(n)
        n.peer(a)
        wait_until(lambda: n.status()["changes"] >= total + 0, timeout=600, interval=1.0,
                   what="20,000 changes at the new site")
        took = time.monotonic() - t0
        rss = n.peak_rss_kib()
        print(f"initial sync: {total} changes in {took:.1f}s, receiving daemon peak RSS "
              f"{rss / 1024:.1f} MiB", flush=True)
        assert n.status()["items"]["event"] == 20000
        sample = a.events()[:: 997]
        for e in sample:
            assert a.shared_cli("event", "show", e["id"]) == \
                n.shared_cli("event", "show", e["id"])


def test_round_during_sync_sends_nothing_twice():
    """A round that comes while a long send is under way (here the joining
    site asks for one as soon as it runs again after a pause, while what
    A sent last is still in flight) does not start the send again from
    what its summary says: those batches are on their way, and sending
    them again would pile them up at the joining site (its memory climbed
    through a long sync) and cost it a second check of each. The joining
    site counts the changes it received and already held."""
    with Net() as net:
        a, n, total = bulk_source_and_newcomer(net, 20000)
        a.peer(n)
        n.peer(a)
        # a first run of batches (4,096 changes at most) applied and acked
        wait_until(lambda: n.status()["changes"] > 6000, timeout=300, interval=0.05,
                   what="the first changes at the new site")
        # paused for longer than a send just set up is left alone (1 s)
        n.proc.send_signal(signal.SIGSTOP)
        try:
            time.sleep(1.5)
        finally:
            n.proc.send_signal(signal.SIGCONT)
        before = n.status()["changes"]
        n.j("sync")
        if before >= total:
            raise Skip(f"the sync ended ({before} changes) before the round")
        wait_until(lambda: n.status()["changes"] >= total, timeout=600, interval=0.5,
                   what=f"{total} changes at the new site")
        peer = [p for p in n.j("peer", "list")["peers"] if p["site_id"] == a.id][0]
        print(f"round at {before} of {total} changes; received again: "
              f"{peer['duplicates']}", flush=True)
        assert peer["duplicates"] == 0, f"{peer['duplicates']} changes were sent twice"
        assert peer["we_lack"] == 0
        assert n.status()["items"]["event"] == a.status()["items"]["event"]


def round_cost(a, b):
    """Bytes on the wire, both ways, of one round A starts with B, once the
    traffic between them has settled before and after it."""
    def traffic():
        sa, sb = a.status(), b.status()
        return sa["bytes_sent"] + sa["bytes_received"] + sb["bytes_sent"] + sb["bytes_received"]

    def settled():
        t1 = traffic()
        time.sleep(0.5)
        return traffic() == t1

    wait_until(settled, timeout=30, what="traffic to settle")
    before, rounds = traffic(), a.status()["rounds"]
    a.j("sync")
    wait_until(lambda: a.status()["rounds"] > rounds, timeout=10, what="the round to start")
    wait_until(settled, timeout=30, what="traffic to settle after the round")
    return traffic() - before


def test_in_sync_round_costs_summaries_only():
    quiet = "interval = 3600"
    with Net() as net:
        a = net.site("GEM Le Rebond", extra=quiet)
        b = net.site("GEM La Passerelle", extra=quiet)
        for s in (a, b):
            s.init()
            s.start()
        a.peer(b)
        b.peer(a)
        for i in range(200):
            (a if i % 2 else b).add_event(f"Atelier n°{i}", "2030-07-01T14:00:00+02:00")
        wait_until(lambda: len(event_ids(a)) == len(event_ids(b)) == 200, timeout=60)
        time.sleep(1.0)
        cost = round_cost(a, b)
        print(f"in-sync round: {cost} bytes for 200 items and 3 authors", flush=True)
        assert 0 < cost < 2048, cost


def test_in_sync_round_cost_does_not_grow_with_authors():
    """Two sites holding the same 3,000 changes of 50 authors: a round
    between them costs two short summaries (a digest each), not two lists of
    50 authors; then a change at one site makes the digests differ, and the
    full summaries that follow still bring the sites back in sync."""
    quiet = "interval = 3600"
    with Net() as net:
        a = net.site("GEM Le Rebond", extra=quiet)
        b = net.site("GEM La Passerelle", extra=quiet)
        for s in (a, b):
            s.init()
        subprocess.run([os.path.join(TOOLS, "gs_bulk"), "--authors", "50", "--seed", "7",
                        "3000", a.data, b.data], check=True, capture_output=True)
        for s in (a, b):
            s.start()
        a.peer(b)
        b.peer(a)

        wait_until(lambda: a.j("peer", "list")["peers"][0]["connected"], timeout=30,
                   what="A and B connected")
        round_cost(a, b)         # full summaries: each learns what the other holds
        cost = round_cost(a, b)  # in sync: short summaries
        print(f"in-sync round with 50 authors: {cost} bytes", flush=True)
        assert 0 < cost < 1024, cost   # a full summary of 50 authors is ~2 KB
        e = b.add_event("Sortie au musée des Beaux-Arts", "2030-07-02T14:00:00+02:00")
        wait_until(lambda: e in event_ids(a), timeout=30, what="the new event at A")
        a.j("sync")
        wait_until(lambda: a.status()["changes"] == b.status()["changes"], timeout=30)
        assert a.shared_cli("event", "show", e) == b.shared_cli("event", "show", e)


def test_refused_dialler_tries_again():
    with Net() as net:
        a = net.started("GEM Le Rebond")
        b = net.started("GEM La Passerelle")
        a.peer(b)          # B does not know A yet: B's ZAP refuses A's handshake
        key = a.j("id")["transport_key"]
        wait_until(lambda: any(p.get("transport_key") == key
                               for p in b.j("site", "pending")["pending"]), timeout=30)
        b.j("site", "trust", a.id)   # trusted, but B never dials A itself
        e = b.add_event("Atelier chant", "2030-04-04T14:00:00+02:00")
        # only A's own connection can carry this: it must be dialled again
        wait_until(lambda: e in event_ids(a), timeout=90, interval=0.5,
                   what="A redials B after being refused, and syncs")


def test_push_reaches_quiet_inbound_peer():
    """B has no endpoint for A, only A's connection to B. Once A has been
    quiet longer than B counts it as 'connected' (3 heartbeats), a change
    written at B must still be pushed to A at once, not wait for a round
    (rounds are an hour apart here)."""
    hour = "interval = 3600"
    with Net() as net:
        a = net.started("GEM Le Rebond", extra=hour)
        b = net.started("GEM La Passerelle", extra=hour)
        b.j("site", "trust", a.id)   # B trusts A but never dials it
        a.peer(b)
        e0 = a.add_event("Atelier chant", "2030-04-04T14:00:00+02:00")
        wait_until(lambda: e0 in event_ids(b), timeout=30, what="A's push to B")
        time.sleep(3 * 2 + 2)        # heartbeat = 2 in gslib's config
        e = b.add_event("Atelier théâtre", "2030-04-05T14:00:00+02:00")
        wait_until(lambda: e in event_ids(a), timeout=30, interval=0.2,
                   what="B's push to A through A's connection")
        # no round carried it: the one A started when it connected is the only one
        assert a.status()["rounds"] == 1 and b.status()["rounds"] == 0, \
            (a.status()["rounds"], b.status()["rounds"])


def test_introductions_travel_along_introducers():
    """A chain of sites, each the introducer of its neighbours, wired from
    the far end: the site that joins last reaches the other end at once,
    with no reconnection in between (rounds are an hour apart here)."""
    hour = "interval = 3600"
    with Net() as net:
        a = net.started("GEM Le Rebond", extra=hour)
        b = net.started("GEM La Passerelle", extra=hour)
        c = net.started("GEM L'Envol", town="Vienne", department="38", extra=hour)
        d = net.started("GEM Le Phare", town="Grenoble", department="38", extra=hour)
        for x, y in ((c, d), (b, c), (a, b)):
            x.peer(y, "--introducer")
            y.peer(x, "--introducer")

        def trusts(site, other):
            sites = {s["site_id"]: s for s in site.j("site", "list")["sites"]}
            return other.id in sites and sites[other.id]["trust"] == "trusted"
        wait_until(lambda: trusts(d, a) and trusts(a, d), timeout=30, interval=0.2,
                   what="A and D trusting each other through C and B")
        sites = {s["site_id"]: s for s in d.j("site", "list")["sites"]}
        assert sites[a.id]["introduced_by"] == c.id
        e = a.add_event("Sortie au lac", "2030-06-12T10:00:00+02:00", "outing")
        wait_until(lambda: e in event_ids(d), timeout=30, interval=0.2,
                   what="A's event at D through B and C")


def intro_counts(site):
    return site.status()["introductions"]


def test_introductions_pass_on_in_batches():
    """A burst of trust decisions at A travels A -> B -> C as batches: each
    new site goes once over each link, in messages of several sites (one
    per peer each time new sites are passed on), never back to the site
    that introduced it, and no site sends its whole list again. Across a
    restart, the whole list on reconnection brings what a stopped site
    missed. Counted, not timed (rounds are an hour apart here)."""
    hour = "interval = 3600"
    with Net() as net:
        a = net.started("GEM Le Rebond", extra=hour)
        b = net.started("GEM La Passerelle", extra=hour)
        c = net.started("GEM L'Envol", town="Vienne", department="38", extra=hour)
        for x, y in ((a, b), (b, c)):
            x.peer(y, "--introducer")
            y.peer(x, "--introducer")

        def trusted(site):
            return {s["site_id"]: s for s in site.j("site", "list")["sites"]
                    if s["trust"] == "trusted"}
        wait_until(lambda: a.id in trusted(c) and c.id in trusted(a), timeout=30,
                   interval=0.2, what="A and C trusting each other through B")
        # sites that exist only as keys: their data dirs, never started
        ids = []
        for k in range(12):
            out = net.site(f"GEM Lointain {k}").init().stdout
            ids.append(out.split("identifiant du site : ")[1].split()[0])
        # the batches of the wiring passed on: nothing moves for 2.5 s
        last = [None]

        def quiet():
            now = [{k: v for k, v in intro_counts(s).items() if k != "full_sent"
                    and k != "sent" and k != "sent_sites"} for s in (a, b, c)]
            same, last[0] = now == last[0], now
            if not same:
                time.sleep(2.5)
            return same
        wait_until(quiet, timeout=60, interval=0.1, what="the wiring's batches passed on")
        ca, cb, cc = intro_counts(a), intro_counts(b), intro_counts(c)
        for sid in ids:
            a.cli("site", "trust", sid)
        wait_until(lambda: all(i in trusted(c) for i in ids), timeout=30, interval=0.2,
                   what="C trusting the 12 sites A trusted, through B")
        assert all(trusted(c)[i]["introduced_by"] == b.id for i in ids)
        da, db, dc = ({k: now[k] - was[k] for k in was} for was, now in
                      ((ca, intro_counts(a)), (cb, intro_counts(b)), (cc, intro_counts(c))))
        # each new site once over each link, never back where it came from
        # (all 12 in batches unless a connection came up again meanwhile
        # and its whole list carried some)
        for d in (da, db):
            assert d["batch_sites"] <= 12, d
            assert d["batch_sites"] == 12 or d["full_sent"] > 0, d
        assert dc["batch_sites"] == 0 and dc["trusted"] == 12, dc
        assert db["trusted"] == 12 and db["received_sites"] >= 12, db
        # one message per peer each time: A and B have one peer to tell
        assert da["sent"] - da["full_sent"] == da["batches"], da
        assert db["sent"] - db["full_sent"] == db["batches"], db
        # the whole list goes on a connection, not on each change (a
        # dealer refused before its peer trusted it may connect now)
        assert da["full_sent"] < 12 and db["full_sent"] < 12, (da, db)
        # C, stopped, misses a site B passes on; its restart brings it
        c.stop()
        late = net.site("GEM Lointain 12").init().stdout
        late = late.split("identifiant du site : ")[1].split()[0]
        a.cli("site", "trust", late)
        wait_until(lambda: late in trusted(b), timeout=30, interval=0.2,
                   what="B trusting the site A trusted")
        c.start()
        wait_until(lambda: late in trusted(c), timeout=30, interval=0.2,
                   what="C, restarted, trusting the site it missed")
        assert trusted(c)[late]["introduced_by"] == b.id


if __name__ == "__main__":
    run_tests([test_two_sites_exchange, test_line_relay_with_introducer,
               test_line_relay_with_explicit_trust, test_unknown_site_gets_nothing_until_trusted,
               test_stopped_site_catches_up, test_only_owner_and_cohosts_edit,
               test_blocked_site_hidden_and_not_relayed, test_initial_sync_20000,
               test_round_during_sync_sends_nothing_twice,
               test_in_sync_round_costs_summaries_only,
               test_in_sync_round_cost_does_not_grow_with_authors,
               test_refused_dialler_tries_again,
               test_push_reaches_quiet_inbound_peer,
               test_introductions_travel_along_introducers,
               test_introductions_pass_on_in_batches])
