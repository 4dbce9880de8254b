# SPDX-License-Identifier: AGPL-3.0-or-later
"""Text that looks like something else (docs/internals/reliability.md,
"Text that lies").

A and B are honest peers; F is a site both trust, never started, whose
key gs_forge uses to sign and send changes over CURVE. Each character
that reorders, hides or stacks text (bidi overrides and isolates, U+2028
and U+2029, zero-width characters, the BOM, a run of combining marks, an
escape) is sent by F in a title, a resource name, a site name (F's site
profile) and a reservation note, and typed at A in those and in a peer
name, in the site name of a configuration, and in arguments that the CLI
quotes in its errors. Every forged change must be refused and counted;
every local attempt refused with a clean message; and every listing
command, human and --json, on every site, must print no raw escape and
no bidi control or other refused character.
"""
import json
import os
import re
import subprocess

from gslib import GEMSYNCD, TOOLS, Net, run_tests, wait_until

FORGE = os.path.join(TOOLS, "gs_forge")

BAD = [
    ("RLO", "GEM \u202eLOBNER MEG"),
    ("LRE", "a\u202ab"), ("RLE", "a\u202bb"), ("PDF", "a\u202cb"), ("LRO", "a\u202db"),
    ("LRI", "a\u2066b"), ("RLI", "a\u2067b"), ("FSI", "a\u2068b"), ("PDI", "a\u2069b"),
    ("LSEP", "a\u2028b"), ("PSEP", "a\u2029b"),
    ("ZWSP", "a\u200bb"), ("ZWNJ", "a\u200cb"), ("ZWJ", "a\u200db"),
    ("LRM", "a\u200eb"), ("RLM", "a\u200fb"),
    ("BOM", "\ufeffab"),
    ("marks", "Z" + "\u0301\u0302\u0303\u0304\u0305\u0306" * 3),
    ("ESC", "a\x1b[31mb"),
]

# what must never reach a terminal raw: controls other than newline and
# tab, bidi controls and marks, separators, zero-width and invisible
# characters, and more than 3 combining marks in a row
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028\u2029"
                       "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]|[\u0300-\u036f]{4,}")


def clean(text, what):
    m = FORBIDDEN.search(text)
    assert m is None, f"{what}: raw U+{ord(m.group(0)[0]):04X} in {text[max(0, m.start() - 40):m.end() + 40]!r}"


def strings(v):
    if isinstance(v, str):
        yield v
    elif isinstance(v, dict):
        for k, x in v.items():
            yield k
            yield from strings(x)
    elif isinstance(v, list):
        for x in v:
            yield from strings(x)


def check_outputs(site):
    """Every listing command, human and --json: no forbidden character,
    neither in the bytes printed nor in the JSON strings they encode."""
    cmds = [("status",), ("event", "list"), ("event", "list", "--all"), ("resource", "list"),
            ("site", "list"), ("peer", "list"), ("conflicts", "list")]
    for e in site.j("event", "list", "--all")["items"]:
        cmds.append(("event", "show", e["id"]))
    for r in site.j("resource", "list")["items"]:
        cmds.append(("resource", "show", r["id"]))
    for cmd in cmds:
        for json_flag in ((), ("--json",)):
            r = site.run(*json_flag, *cmd)
            what = f"{site.name}: gemsync {' '.join(json_flag + cmd)}"
            assert r.returncode == 0, (what, r.returncode, r.stderr)
            clean(r.stdout, what)
            clean(r.stderr, what)
            if json_flag:
                for s in strings(json.loads(r.stdout)):
                    clean(s, what + " (JSON value)")
    return len(cmds) * 2


def refused(site, peer_id):
    for p in site.j("peer", "list")["peers"]:
        if p["site_id"] == peer_id:
            return p["refused"]
    return 0


class Forger:
    """Sends F's forged root changes to a target, one at a time, and sees
    each counted as refused (or, on a site that accepts it, stored)."""

    def __init__(self, f, target):
        self.f, self.t, self.seq, self.accepted, self.sent = f, target, 1, [], 0

    def send(self, typ, label, *fields):
        t = self.t
        before = (refused(t, self.f.id), t.status()["changes"])
        r = subprocess.run([FORGE, self.f.data, t.endpoint, t.id, typ, "auto", str(self.seq),
                            "-", *fields], capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        self.sent += 1
        now = wait_until(lambda: (lambda n: n if n != before else None)(
            (refused(t, self.f.id), t.status()["changes"])), timeout=20,
            what=f"{typ} {label} refused or stored at {t.name}")
        if now[1] > before[1]:
            self.accepted.append(f"{typ} {label}")
            self.seq += 1


def test_text_that_lies():
    with Net() as net:
        a = net.started("GEM Le Rebond")
        b = net.started("GEM La Passerelle")
        f = net.site("GEM Forge")
        f.init()
        a.peer(b)
        b.peer(a)
        a.peer(f)
        b.peer(f)
        ev = a.add_event("Sortie au musée", "2030-12-05T14:00:00+01:00", "outing",
                         "--capacity", "12")
        wait_until(lambda: any(e["id"] == ev for e in b.events()), timeout=40,
                   what="A's event at B")

        # forged by F: every character in each field, at A; in titles at B
        fa, fb = Forger(f, a), Forger(f, b)
        for label, text in BAD:
            fa.send("event", label, "kind=workshop", "start=2030-06-01T14:00:00+02:00",
                    f"title={text}")
            fa.send("resource", label, "kind=gem", f"name={text}")
            fa.send("site", label, f"name={text}")
            fa.send("reservation", label, f"event={ev}", "seats=1", f"note={text}")
            fb.send("event", label, "kind=workshop", "start=2030-06-01T14:00:00+02:00",
                    f"title={text}")
        for blank in ("   ", " \u00a0 "):
            fa.send("event", "blank", "kind=workshop", "start=2030-06-01T14:00:00+02:00",
                    f"title={blank}")
            fa.send("resource", "blank", "kind=gem", f"name={blank}")
            fa.send("site", "blank", f"name={blank}")
        assert not fa.accepted, f"A accepted forged changes: {fa.accepted}"
        assert not fb.accepted, f"B accepted forged changes: {fb.accepted}"
        print(f"  forged: {fa.sent} refused at A, {fb.sent} at B", flush=True)

        # typed at A: refused (5, invalid), the message clean
        for label, text in BAD + [("blank", "   ")]:
            attempts = [
                ("event", "add", "--title", text, "--kind", "workshop", "--start",
                 "2030-06-01T14:00:00+02:00"),
                ("resource", "add", "--name", text, "--kind", "gem"),
                ("event", "reserve", ev, "--seats", "1", "--note", text),
                ("peer", "add", f.id, f.endpoint, "--name", text),
            ]
            if label == "blank":
                attempts.pop(2)    # a blank note is no lie
            for args in attempts:
                r = a.run(*args)
                what = f"{label}: gemsync {args[0]} {args[1]}"
                assert r.returncode in (1, 5), (what, r.returncode, r.stdout, r.stderr)
                clean(r.stdout + r.stderr, what)
            # the CLI's own errors that quote what was typed
            for args, rc in (((text,), 2), (("event", text), 2), (("event", "list", "--x" + text), 2),
                             (("event", "reserve", ev, "--seats", text), 2),
                             (("conflicts", "resolve", ev, "--set", text), 2)):
                r = a.run(*args)
                assert r.returncode == rc, (label, args, r.returncode, r.stderr)
                clean(r.stdout + r.stderr, f"{label}: gemsync {args[0]} ... error")
            # a site name in the configuration: gemsyncd -n refuses it
            conf = os.path.join(net.root, "bad.conf")
            with open(a.conf, encoding="utf-8") as fh:
                lines = fh.read().split("\n")    # not splitlines: U+2028 is text here
            lines = [f"name = {text}" if ln.startswith("name = ") else ln for ln in lines]
            with open(conf, "w", encoding="utf-8") as fh:
                fh.write("\n".join(lines))
            if text.strip():
                r = subprocess.run([GEMSYNCD, "-n", "-c", conf], capture_output=True, text=True,
                                   timeout=60)
                assert r.returncode != 0, (label, r.stdout, r.stderr)
                clean(r.stdout + r.stderr, f"{label}: gemsyncd -n")
        # nothing typed got in: F's peer name at A is still the honest one
        assert [p["name"] for p in a.j("peer", "list")["peers"] if p["site_id"] == f.id] == \
            ["GEM Forge"]

        n = 0
        for s in (a, b):
            n += check_outputs(s)
        print(f"  {n} listings clean", flush=True)


if __name__ == "__main__":
    run_tests([test_text_that_lies])
