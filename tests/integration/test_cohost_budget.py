# SPDX-License-Identifier: AGPL-3.0-or-later
"""A co-host cannot lock an event for its owner (issue 17; reliability.md,
"Abuse by a trusted site" 26).

Three sites in a triangle: A owns an event and lists B as co-host, C
follows. B, turned hostile, signs 4,999 tiny edits of that event in a
row and sends them to A and to C directly (tests/tools/gs_forge, as B).
Every site keeps exactly the co-host's budget of them (the first 500,
GS_ITEM_GUEST_CHANGES) and refuses the next (BUDGET). B's own CLI then
refuses a further edit with a French message naming B and the owner.
The owner still cancels, edits, removes the co-host and deletes the
event, and each change reaches the other two sites; B, no longer a
co-host, is refused. Every wait is bounded."""
import os
import subprocess
import time

from gslib import EXIT_REFUSED, TOOLS, Net, run_tests, wait_until

EDITS = 4999        # what the co-host sends
BUDGET = 500        # GS_ITEM_GUEST_CHANGES (daemon/change.h)


def forge_run(key_dir, target, item, seq, parents, count, hlc_ms, *fields):
    """count chained edits signed with key_dir's key, sent to target; the
    same arguments make the same changes (hlc_ms fixes their clocks)."""
    return subprocess.run([os.path.join(TOOLS, "gs_forge"), "--count", str(count),
                           "--hlc", str(hlc_ms), key_dir,
                           target.endpoint, target.id, "event", item, str(seq),
                           ",".join(parents) or "-", *fields],
                          capture_output=True, text=True, timeout=120)


def refusals(site, peer_id):
    for p in site.j("peer", "list")["peers"]:
        if p["site_id"] == peer_id:
            return p["refused_by_reason"]
    return {}


def show(site, e):
    return site.j("event", "show", e)


def test_cohost_cannot_lock_the_owner_out():
    with Net() as net:
        a = net.started("GEM Le Rebond")
        b = net.started("GEM La Passerelle")
        c = net.started("GEM L'Envol")
        for x, y in ((a, b), (b, a), (b, c), (c, b), (a, c), (c, a)):
            x.peer(y)
        e = a.add_event("Sortie au musée", "2030-12-05T14:00:00+01:00", "outing")
        a.j("event", "edit", e, "--cohost", b.id)
        for s in (b, c):
            wait_until(lambda: show(s, e)["fields"].get("cohosts") == b.id, timeout=30,
                       what=f"co-host listed at {s.name}")
        heads = show(a, e)["heads"]
        seq0 = b.status()["seq"]

        # B, hostile, sends its 4,999 edits to A and to C, as B (the same
        # changes to both: anything else would be an equivocation)
        hlc_ms = int(time.time() * 1000) + 1
        for target in (a, c):
            # gs_forge leaves after a bounded drain: on a loaded machine a
            # batch may still be queued then; the same changes sent again
            # are duplicates or the same refusals, so send up to 3 times
            for attempt in range(3):
                r = forge_run(b.data, target, e, seq0 + 1, heads, EDITS, hlc_ms, "title=B {n}")
                assert r.returncode == 0, r.stderr
                try:
                    wait_until(lambda: show(target, e)["changes"] - 2 +
                               sum(refusals(target, b.id).values()) >= EDITS,
                               timeout=90, interval=0.5,
                               what=f"B's edits settled at {target.name}")
                    break
                except AssertionError:
                    if attempt == 2:
                        raise

        # the owner is not locked out: its cancel succeeds and reaches all
        cancelled = lambda d: d["fields"].get("cancelled") == "yes"  # noqa: E731
        r = a.run("event", "cancel", e)
        assert r.returncode == 0, ("owner's cancel refused", r.stderr)
        for s in (a, b, c):
            wait_until(lambda: cancelled(show(s, e)), timeout=60, what=f"cancel at {s.name}")

        # every site kept exactly B's budget: its 500th edit, then refused
        # the 501st for the budget and the ones after it as gaps in B's sequence
        for s in (a, c):
            why = refusals(s, b.id)
            # (a batch sent again counts its refusals again)
            assert why.get("BUDGET", 0) >= 1 and why.get("GAP", 0) >= EDITS - BUDGET - 1, \
                (s.name, why)
        for s in (a, b, c):
            wait_until(lambda: show(s, e)["changes"] == 2 + BUDGET + 1, timeout=60,
                       what=f"B's budget and the cancel at {s.name}")
            assert show(s, e)["fields"]["title"] == f"B {BUDGET}", s.name
        # B takes back its own accepted edits before it writes again
        wait_until(lambda: b.status()["seq"] == seq0 + BUDGET, timeout=60, interval=0.5,
                   what="B caught up with its own edits")

        # B's own CLI refuses a further edit, in French, naming B and A
        r = b.run("event", "edit", e, "--title", "Encore une")
        assert r.returncode == EXIT_REFUSED, (r.returncode, r.stdout, r.stderr)
        assert "too large" not in r.stderr and "échec" not in r.stderr, r.stderr
        for word in ("GEM La Passerelle", "GEM Le Rebond", "500 modifications",
                     "co-organisateur", "Demandez"):
            assert word in r.stderr, (word, r.stderr)

        # the owner edits and removes the co-host; each change reaches all
        steps = [
            (("event", "edit", e, "--title", "Sortie reportée"),
             lambda d: d["fields"]["title"] == "Sortie reportée"),
            (("event", "edit", e, "--clear", "cohosts"), lambda d: "cohosts" not in d["fields"]),
        ]
        for args, ok in steps:
            r = a.run(*args)
            assert r.returncode == 0, (args, r.stderr)
            for s in (a, b, c):
                wait_until(lambda: ok(show(s, e)), timeout=30,
                           what=f"{' '.join(args[:2])} at {s.name}")
        # B is no longer a co-host: refused for that reason now
        r = b.run("event", "edit", e, "--title", "Encore une")
        assert r.returncode == EXIT_REFUSED and "co-organisateurs" in r.stderr, r.stderr
        r = a.run("event", "delete", e)
        assert r.returncode == 0, r.stderr
        for s in (a, b, c):
            wait_until(lambda: show(s, e)["deleted"], timeout=30, what=f"deleted at {s.name}")
        for s in (a, b, c):
            assert show(s, e)["fields"]["title"] == "Sortie reportée"
            assert show(s, e)["changes"] == 2 + BUDGET + 4


if __name__ == "__main__":
    run_tests([test_cohost_cannot_lock_the_owner_out])
