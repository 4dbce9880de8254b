#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Peer protocol versions (docs/internals/sync-protocol.md, "Versions,
Hello and Refuse"): a site sends bodies packed as it stores them only to a
peer whose Hello says it speaks version 2, and unpacked to a peer that
speaks only version 1; two sites of this version sync with packed bodies
and show the same events."""
import os
import subprocess

from gslib import TOOLS, Net, run_tests, wait_until

JUNK = os.path.join(TOOLS, "gs_junk")

# long enough for zstd to make it shorter: stored packed at A
DESCRIPTION = ("Atelier d'écriture ouvert à tous, atelier d'écriture ouvert "
               "à tous : venez comme vous êtes, avec ou sans idée. ") * 3


def hello(key_site, target, version):
    """gs_junk as key_site, speaking versions 1..version: what came back."""
    r = subprocess.run([JUNK, "versions", key_site.data, target.endpoint, target.id,
                        str(version)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"gs_junk versions exited {r.returncode}: {r.stderr}{r.stdout}"
    line = [ln for ln in r.stdout.splitlines() if ln.startswith("gs_junk:")][-1]
    print(f"  {line}", flush=True)
    return {k: v for k, v in (kv.split("=", 1) for kv in line.split()[1:])}


def test_packed_bodies_only_to_version_2():
    with Net() as net:
        a = net.started("GEM Le Rebond")
        b = net.started("GEM L'Envol", town="Vienne")
        for i in range(5):
            a.add_event(f"Atelier d'écriture {i}", "2030-06-0%dT14:00:00+02:00" % (i + 1),
                        "workshop", "--description", DESCRIPTION)
        a.peer(b)
        b.peer(a)
        wait_until(lambda: len(b.events()) == 5, timeout=60, what="A's events at B")
        # both of this version: the same events on both sides
        assert b.shared_cli("event", "list", "--all") == a.shared_cli("event", "list", "--all")
        shown = b.j("event", "show", b.events()[0]["id"])
        assert shown["fields"]["description"] == DESCRIPTION, shown
        b.stop()
        # B's key, spoken by a peer of version 1: every body plain
        old = hello(b, a, 1)
        assert int(old["bodies"]) >= 5, old
        assert old["packed"] == "0", old
        # the same key saying it speaks 2: A's long bodies come packed
        new = hello(b, a, 2)
        assert int(new["bodies"]) >= 5, new
        assert int(new["packed"]) >= 5, new


if __name__ == "__main__":
    run_tests([test_packed_bodies_only_to_version_2])
