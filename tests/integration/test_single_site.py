# SPDX-License-Identifier: AGPL-3.0-or-later
"""One site end to end: init, events and resources through the CLI, JSON
output, restart persistence, exit codes, config check, control socket
already in use, SIGHUP reload."""
import json
import os
import shutil
import signal
import stat
import subprocess
import tempfile

from gslib import (EXIT_DOWN, EXIT_INVALID, EXIT_NOTFOUND, EXIT_USAGE, GEMSYNC,
                   GEMSYNCD, Net, run_tests, wait_until)


def test_init_and_identity():
    with Net() as net:
        s = net.site("GEM Le Rebond")
        out = s.init().stdout
        assert "identifiant du site" in out
        mode = stat.S_IMODE(os.stat(s.data).st_mode)
        assert mode == 0o700, oct(mode)
        for f in ("site.key", "storage.key"):
            assert stat.S_IMODE(os.stat(os.path.join(s.data, f)).st_mode) == 0o600
        before = open(os.path.join(s.data, "site.key"), "rb").read()
        r = subprocess.run([GEMSYNCD, "-c", s.conf, "--init"], capture_output=True, text=True)
        assert r.returncode != 0 and "existe déjà" in r.stderr, r.stderr
        assert open(os.path.join(s.data, "site.key"), "rb").read() == before
        # id works without the daemon (from site.id), and with it
        offline = s.cli("id").strip()
        s.start()
        j = s.j("id")
        assert j["site_id"] in offline
        assert len(j["site_id"]) == 63 and j["short"] == j["site_id"][:7]


def test_events_crud_and_restart():
    with Net() as net:
        s = net.started("GEM Le Rebond", town="Villeurbanne")
        e1 = s.add_event("Sortie au musée des Beaux-Arts", "2030-12-05T14:00:00+01:00", "outing",
                         "--end", "2030-12-05T17:00:00+01:00", "--place", "Lyon 1er",
                         "--capacity", "12", "--languages", "fr,en", "--price", "gratuit",
                         "--accessibility", "accès de plain-pied", "--contact-role", "animatrice",
                         "--description", "Visite guidée, rendez-vous devant l'entrée.")
        e2 = s.add_event("Atelier écriture", "2030-12-01T14:00:00+01:00", "workshop")
        e3 = s.add_event("Marche douce au parc", "2020-01-01T10:00:00+01:00", "physical")
        upcoming = s.j("event", "list")["items"]
        assert [e["id"] for e in upcoming] == [e2, e1], "upcoming first, past hidden"
        every = s.j("event", "list", "--all")["items"]
        assert [e["id"] for e in every] == [e3, e2, e1]
        ranged = s.j("event", "list", "--from", "2030-12-02", "--to", "2030-12-31")["items"]
        assert [e["id"] for e in ranged] == [e1]
        shown = s.j("event", "show", e1[:8])
        assert shown["fields"]["title"] == "Sortie au musée des Beaux-Arts"
        assert shown["fields"]["capacity"] == "12"
        assert shown["owner"] == s.id and shown["owner_name"] == "GEM Le Rebond"
        assert shown["changes"] == 1 and shown["conflicts"] == [] and not shown["deleted"]
        edited = s.j("event", "edit", e1[:10], "--place", "Musée des Beaux-Arts", "--clear", "price")
        assert edited["fields"]["place"] == "Musée des Beaux-Arts"
        assert "price" not in edited["fields"] and edited["changes"] == 2
        cancelled = s.j("event", "cancel", e2)
        assert cancelled["fields"]["cancelled"] == "yes"
        s.j("event", "delete", e3)
        assert e3 not in [e["id"] for e in s.events() if not e["deleted"]]
        assert [e["deleted"] for e in s.events() if e["id"] == e3] == [True]
        human = s.cli("event", "list")
        assert "Musée des Beaux-Arts" in human and "Atelier écriture" in human
        snapshot = {e: s.cli("--json", "event", "show", e) for e in (e1, e2)}
        s.stop()
        s.start()
        for e, doc in snapshot.items():
            again = s.cli("--json", "event", "show", e)
            assert again == doc, "same bytes after a restart"
        assert s.run("event", "show", e3).returncode == EXIT_NOTFOUND or \
            s.j("event", "show", e3)["deleted"]


def test_resources_crud_and_filters():
    with Net() as net:
        s = net.started("GEM La Passerelle")
        r1 = s.j("resource", "add", "--name", "GEM L'Envol", "--kind", "gem", "--town", "Lyon",
                 "--postcode", "69003", "--phone", "04 78 00 00 00",
                 "--email", "contact@gem-envol.example", "--url", "https://gem-envol.example",
                 "--hours", "mardi et jeudi 14h-18h", "--languages", "fr")["id"]
        r2 = s.j("resource", "add", "--name", "Psycom", "--kind", "association",
                 "--town", "Paris", "--url", "https://www.psycom.org")["id"]
        r3 = s.j("resource", "add", "--name", "Clubhouse Lyon", "--kind", "clubhouse",
                 "--town", "Lyon", "--description", "Tremplin vers la vie sociale")["id"]
        allr = s.j("resource", "list")["items"]
        assert [r["fields"]["name"] for r in allr] == ["Clubhouse Lyon", "GEM L'Envol", "Psycom"]
        assert [r["id"] for r in s.j("resource", "list", "--kind", "gem")["items"]] == [r1]
        assert {r["id"] for r in s.j("resource", "list", "--town", "lyon")["items"]} == {r1, r3}
        assert [r["id"] for r in s.j("resource", "list", "--search", "tremplin")["items"]] == [r3]
        s.j("resource", "edit", r2, "--hours", "en ligne")
        assert s.j("resource", "show", r2)["fields"]["hours"] == "en ligne"
        s.j("resource", "delete", r2)
        assert r2 not in [r["id"] for r in s.j("resource", "list")["items"]]
        s.stop()
        s.start()
        assert {r["id"] for r in s.j("resource", "list")["items"]} == {r1, r3}


def test_exit_codes_and_errors():
    with Net() as net:
        s = net.site("GEM Éclaircie")
        s.init()
        r = s.run("status")
        assert r.returncode == EXIT_DOWN, (r.returncode, r.stderr)
        assert "gemsyncd" in r.stderr
        s.start()
        assert s.run("event", "frobnicate").returncode == EXIT_USAGE
        assert s.run("event", "add", "--nope", "x").returncode == EXIT_USAGE
        r = s.run("event", "add", "--title", "Atelier", "--kind", "workshop",
                  "--start", "2030-13-01T10:00:00Z")
        assert r.returncode == EXIT_INVALID and "start" in r.stderr, r.stderr
        r = s.run("event", "add", "--title", "Atelier", "--kind", "workshop",
                  "--start", "2030-12-01T10:00:00Z", "--end", "2030-12-01T09:00:00Z")
        assert r.returncode == EXIT_INVALID and "end" in r.stderr, r.stderr
        r = s.run("event", "add", "--title", "Atelier", "--kind", "workshop",
                  "--start", "2030-12-01T10:00:00Z", "--capacity", "-3")
        assert r.returncode == EXIT_INVALID and "capacity" in r.stderr
        r = s.run("event", "add", "--kind", "workshop", "--start", "2030-12-01T10:00:00Z")
        assert r.returncode in (EXIT_USAGE, EXIT_INVALID) and "title" in r.stderr
        r = s.run("resource", "add", "--name", "X", "--kind", "hospital")
        assert r.returncode == EXIT_INVALID and "kind" in r.stderr
        r = s.run("event", "show", "0123456789abcdef0123456789abcdef")
        assert r.returncode == EXIT_NOTFOUND, r.returncode
        r = s.run("event", "edit", "zz", "--title", "x")
        assert r.returncode in (EXIT_INVALID, EXIT_USAGE)
        assert s.run("--help").returncode == 0
        assert s.run("event", "add", "--help").returncode == 0


def test_config_check_and_socket_in_use():
    with Net() as net:
        s = net.started("GEM Le Rebond")
        r = subprocess.run([GEMSYNCD, "-n", "-c", s.conf], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        bad = os.path.join(s.dir, "bad.conf")
        with open(bad, "w") as f:
            f.write("[sync]\ninterval = soon\n")
        r = subprocess.run([GEMSYNCD, "-n", "-c", bad], capture_output=True, text=True)
        assert r.returncode == 2 and "interval" in r.stderr and ":2:" in r.stderr, r.stderr
        with open(bad, "w") as f:
            f.write("[network]\nlistne = tcp://127.0.0.1:1\n")
        r = subprocess.run([GEMSYNCD, "-n", "-c", bad], capture_output=True, text=True)
        assert r.returncode == 2 and "listne" in r.stderr, r.stderr
        # a mistake in a setting the CLI does not use: the daemon refuses the
        # file, the CLI still answers (and says so) so the admin can fix it
        text = open(s.conf).read()
        with open(bad, "w") as f:
            f.write(text.replace("[sync]\n", "[sync]\nfanout = 999\n"))
        r = subprocess.run([GEMSYNCD, "-n", "-c", bad], capture_output=True, text=True)
        assert r.returncode == 2 and "fanout" in r.stderr, r.stderr
        r = subprocess.run([GEMSYNC, "-c", bad, "--json", "status"], capture_output=True,
                           text=True, timeout=30)
        assert r.returncode == 0 and "fanout" in r.stderr and "gemsyncd -n" in r.stderr, r.stderr
        assert json.loads(r.stdout)["name"] == "GEM Le Rebond"
        # but not in what it needs
        with open(bad, "w") as f:
            f.write("[daemon]\ncontrol = tcp://nope\n")
        r = subprocess.run([GEMSYNC, "-c", bad, "status"], capture_output=True, text=True,
                           timeout=30)
        assert r.returncode == 2 and "control" in r.stderr, r.stderr
        # a second daemon on the same control socket refuses to start
        r = subprocess.run([GEMSYNCD, "-c", s.conf], capture_output=True, text=True, timeout=30)
        assert r.returncode != 0 and "répond déjà" in r.stderr, r.stderr
        assert s.alive()


def test_config_refusals():
    """gemsyncd -n says ok only for what a start accepts: each bad file is
    refused with the line and the setting, never hangs, never echoes raw
    control characters (docs/internals/reliability.md, bad configuration)."""
    d = tempfile.mkdtemp(prefix="gs-conf-")
    try:
        cases = [
            ("dir", None, "is a directory"),
            ("v6", "[network]\nlisten = tcp://[::1:7650\n", ":2: [network] listen"),
            ("port", "[network]\nlisten = tcp://127.0.0.1:99999\n", ":2: [network] listen"),
            ("controls", "[site]\nname = GEM \x1b[31mX\n", ":2: [site] name"),
            ("languages", "[site]\nlanguages = fr,,\n", ":2: [site] languages"),
            ("nul", "\0\0[site]\nname = x\n", ":1: NUL byte"),
            ("dup section", "[site]\nname = a\n[site]\ntown = b\n", ":3: section [site]"),
            ("dup key", "[site]\nname = a\nname = b\n", ":3: [site] name: already set on line 2"),
            ("long line", "[site]\ntown = x\ndescription = " + "a" * 100000 + "\n",
             ":3: line too long"),
            ("escape in a key", "[site]\nna\x1bme = 1\n", ":2: [site] na?me: unknown setting"),
        ]
        for name, text, want in cases:
            path = d if text is None else os.path.join(d, name.replace(" ", "_") + ".conf")
            if text is not None:
                with open(path, "w", newline="") as f:
                    f.write(text)
            r = subprocess.run([GEMSYNCD, "-n", "-c", path], capture_output=True, text=True,
                               timeout=10, errors="replace")
            assert r.returncode == 2, (name, r.returncode, r.stdout, r.stderr)
            assert want in r.stderr, (name, r.stderr)
            assert "\x1b" not in r.stderr, (name, r.stderr)
        # a device never ends: refused at once by the daemon and the CLI
        r = subprocess.run([GEMSYNCD, "-n", "-c", "/dev/zero"], capture_output=True, text=True,
                           timeout=10)
        assert r.returncode == 2 and "not a regular file" in r.stderr, r.stderr
        r = subprocess.run([GEMSYNC, "-c", "/dev/zero", "status"], capture_output=True,
                           text=True, timeout=10)
        assert r.returncode == 2 and "not a regular file" in r.stderr, r.stderr
        # an IPv6 listen address in brackets is fine
        ok = os.path.join(d, "ok.conf")
        with open(ok, "w") as f:
            f.write("[network]\nlisten = tcp://[::1]:7650\n")
        r = subprocess.run([GEMSYNCD, "-n", "-c", ok], capture_output=True, text=True, timeout=10)
        assert r.returncode == 0, r.stderr
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_sighup_reload():
    with Net() as net:
        s = net.started("GEM Le Rebond")
        assert s.status()["name"] == "GEM Le Rebond"
        text = open(s.conf).read().replace("name = GEM Le Rebond", "name = GEM Le Nouveau Rebond")
        open(s.conf, "w").write(text)
        s.proc.send_signal(signal.SIGHUP)
        wait_until(lambda: s.status()["name"] == "GEM Le Nouveau Rebond", timeout=15,
                   what="profile renamed after SIGHUP")
        assert s.stop() == 0


if __name__ == "__main__":
    run_tests([test_init_and_identity, test_events_crud_and_restart,
               test_resources_crud_and_filters, test_exit_codes_and_errors,
               test_config_check_and_socket_in_use, test_config_refusals,
               test_sighup_reload])
