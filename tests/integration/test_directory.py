# SPDX-License-Identifier: AGPL-3.0-or-later
"""The directory exchanged with files, and its freshness (issue 15).

- a flat CSV and an HSDS 3.0 package exported at one site and imported at
  a fresh one give the same `resource list --json` fields; the CSV opens
  with Python's csv module as a French spreadsheet would (";", UTF-8 with
  its mark), accents intact;
- a 50-row file with 3 bad rows: the 3 line numbers named, nothing
  imported; with --partial the 47 others; importing again writes nothing
  (same change count and sequence);
- `resource confirm` at B shows « vérifié le ... par GEM ... » at A, and
  `resource list --stale` lists a resource created 7 months ago (forged
  with an old HLC by tests/tools/gs_forge) until someone confirms it;
  a blocked site's confirmations count for nothing.
"""
import csv
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from gslib import TOOLS, EXIT_INVALID, Net, run_tests, wait_until  # noqa: E402

# what an import at another site cannot keep: who owns it and when, and
# the editors (site IDs of this network)
SITE_LOCAL = ("id", "owner", "owner_name", "created", "updated", "heads",
              "received", "changes", "verified")

RESOURCES = [
    ("GEM L'Envol", "gem", "12 rue de la République", "69002", "Lyon",
     "04 78 00 00 01", "fermé temporairement", "sans diagnostic, sans orientation",
     "plain-pied; boucle magnétique", "lun-ven 14h-18h\nsam 10h-12h", "fr,en",
     "Un lieu « ouvert » ; on y \"passe\" librement"),
    ("Clubhouse Évreux", "clubhouse", "", "27000", "Évreux", "", "actif", "", "",
     "", "", ""),
    ("Ligne d'écoute Écoute-Famille", "helpline", "", "", "", "01 42 63 03 03",
     "", "proches de personnes vivant avec des troubles psychiques", "", "", "fr", ""),
]


def add_resources(site):
    ids = []
    for (name, kind, addr, pc, town, phone, status, elig, acc, hours, langs,
         desc) in RESOURCES:
        args = ["resource", "add", "--name", name, "--kind", kind]
        for opt, v in (("--address", addr), ("--postcode", pc), ("--town", town),
                       ("--phone", phone), ("--status", status),
                       ("--eligibility", elig), ("--accessibility", acc),
                       ("--hours", hours), ("--languages", langs),
                       ("--description", desc)):
            if v:
                args += [opt, v]
        ids.append(site.j(*args)["id"])
    return ids


def fields_only(site):
    """The resources' fields, by name: what an import must reproduce."""
    items = site.j("resource", "list")["items"]
    return sorted((json.dumps({k: v for k, v in i["fields"].items() if k != "editors"},
                              ensure_ascii=False, sort_keys=True) for i in items))


def test_csv_round_trip():
    with Net() as net, tempfile.TemporaryDirectory() as tmp:
        a = net.started("GEM Le Rebond")
        c = net.started("GEM La Passerelle")
        add_resources(a)
        path = os.path.join(tmp, "annuaire.csv")
        out = a.cli("export", "resources", "--csv", path)
        assert "3 ressources" in out, out
        raw = open(path, "rb").read()
        assert raw.startswith(b"\xef\xbb\xbf"), raw[:10]
        with open(path, encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f, delimiter=";"))
        assert len(rows) == 3
        by_name = {r["Nom"]: r for r in rows}
        envol = by_name["GEM L'Envol"]
        assert envol["Ville"] == "Lyon"
        assert envol["État"] == "fermé temporairement"
        assert envol["Conditions"] == "sans diagnostic, sans orientation"
        assert envol["Accessibilité"] == "plain-pied; boucle magnétique"
        assert envol["Horaires"] == "lun-ven 14h-18h\nsam 10h-12h"
        assert envol["Description"] == "Un lieu « ouvert » ; on y \"passe\" librement"
        assert "Clubhouse Évreux" in by_name and by_name["Clubhouse Évreux"]["Ville"] == "Évreux"
        # a fresh site imports it: the same fields
        out = c.cli("import", "resources", path)
        assert "3 ressources ajoutées" in out, out
        assert fields_only(c) == fields_only(a)
        # again: nothing written
        before = c.status()["changes"]
        out = c.cli("import", "resources", path)
        assert "0 ressource ajoutée, 0 modifiée, 3 inchangées" in out, out
        assert c.status()["changes"] == before
        # and at the site it came from (matched by ID): nothing either
        before = a.status()["changes"]
        out = a.cli("import", "resources", path)
        assert "3 inchangées" in out, out
        assert a.status()["changes"] == before
        # a refreshed list changes what changed, only that
        with open(path, encoding="utf-8-sig", newline="") as f:
            text = f.read()
        text = text.replace("04 78 00 00 01", "04 78 00 00 09")
        with open(path, "w", encoding="utf-8-sig", newline="") as f:
            f.write(text)
        before = c.status()["changes"]
        out = c.cli("import", "resources", path)
        assert "0 ressource ajoutée, 1 modifiée, 2 inchangées" in out, out
        assert c.status()["changes"] == before + 1
        phones = [i["fields"].get("phone") for i in c.j("resource", "list")["items"]]
        assert "04 78 00 00 09" in phones


def with_status(fields_json):
    """HSDS requires a status: a resource without one is written active."""
    out = []
    for t in fields_json:
        d = json.loads(t)
        d.setdefault("status", "active")
        out.append(json.dumps(d, ensure_ascii=False, sort_keys=True))
    return sorted(out)


def test_hsds_round_trip():
    with Net() as net, tempfile.TemporaryDirectory() as tmp:
        a = net.started("GEM Le Rebond")
        b = net.started("GEM L'Envol")
        c = net.started("GEM La Passerelle")
        a.peer(b)
        b.peer(a)
        ids = add_resources(a)
        wait_until(lambda: ids[0] in [i["id"] for i in b.j("resource", "list")["items"]],
                   timeout=30, what="resource at B")
        b.cli("resource", "confirm", ids[0])
        wait_until(lambda: a.j("resource", "show", ids[0])["verified"] is not None,
                   timeout=30, what="B's confirmation at A")
        pkg = os.path.join(tmp, "hsds")
        out = a.cli("export", "resources", "--hsds", "-o", pkg)
        assert "3 ressources" in out, out
        for name in ("organizations", "services", "locations", "phones", "schedules",
                     "addresses", "accessibility", "languages"):
            assert os.path.exists(os.path.join(pkg, name + ".csv")), name
        dp = json.load(open(os.path.join(pkg, "datapackage.json"), encoding="utf-8"))
        assert dp["profile"] == "tabular-data-package"
        names = [r["name"] for r in dp["resources"]]
        assert {"organizations", "services", "locations", "phones", "schedules"} <= set(names)
        for r in dp["resources"]:
            with open(os.path.join(pkg, r["path"]), encoding="utf-8", newline="") as f:
                header = next(csv.reader(f))
            assert header == [x["name"] for x in r["schema"]["fields"]], r["name"]
        with open(os.path.join(pkg, "services.csv"), encoding="utf-8", newline="") as f:
            services = {r["name"]: r for r in csv.DictReader(f)}
        envol = services["GEM L'Envol"]
        assert envol["status"] == "temporarily closed"
        assert envol["eligibility_description"] == "sans diagnostic, sans orientation"
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", envol["assured_date"]), envol
        assert envol["id"].replace("-", "") == ids[0]
        assert services["Clubhouse Évreux"]["assured_date"] == ""
        with open(os.path.join(pkg, "schedules.csv"), encoding="utf-8", newline="") as f:
            assert [r["description"] for r in csv.DictReader(f)] == ["lun-ven 14h-18h\nsam 10h-12h"]
        # a fresh site imports the package: the same fields
        out = c.cli("import", "resources", pkg)
        assert "3 ressources ajoutées" in out, out
        assert fields_only(c) == with_status(fields_only(a))
        before = c.status()["changes"]
        out = c.cli("import", "resources", pkg)
        assert "3 inchangées" in out, out
        assert c.status()["changes"] == before
        # a bad service is named by its line in services.csv
        spath = os.path.join(pkg, "services.csv")
        with open(spath, encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        bad_line = next(i for i, r in enumerate(rows) if r[2] == "Clubhouse Évreux") + 1
        rows[bad_line - 1][5] = "pas-un-courriel"
        with open(spath, "w", encoding="utf-8", newline="") as f:
            csv.writer(f, lineterminator="\r\n").writerows(rows)
        r = c.run("import", "resources", pkg)
        assert r.returncode == EXIT_INVALID, (r.returncode, r.stderr)
        assert f"services.csv, ligne {bad_line} : " in r.stderr and "email" in r.stderr, r.stderr
        assert c.status()["changes"] == before
        # the same export twice: the same bytes
        pkg1 = os.path.join(tmp, "hsds1")
        pkg2 = os.path.join(tmp, "hsds2")
        a.cli("export", "resources", "--hsds", "-o", pkg1)
        a.cli("export", "resources", "--hsds", "-o", pkg2)
        pkg = pkg1
        for name in sorted(os.listdir(pkg)):
            assert open(os.path.join(pkg, name), "rb").read() == \
                open(os.path.join(pkg2, name), "rb").read(), name


def fifty_rows(path):
    """50 data rows (lines 2-51); rows 12, 30 and 47 (lines) are bad."""
    out = io.StringIO(newline="")
    w = csv.writer(out, delimiter=";", lineterminator="\r\n")
    w.writerow(["Nom", "Type", "Ville", "Code postal", "Téléphone", "État"])
    for i in range(50):
        line = i + 2
        row = [f"Lieu de répit n°{i}", "lieu de répit", "Rennes", "35000",
               "02 99 00 00 00", "actif"]
        if line == 12:
            row[1] = "hôpital"          # not a kind
        if line == 30:
            row[3] = "350"              # not a postcode
        if line == 47:
            row[0] = ""                 # the name is required
        w.writerow(row)
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        f.write(out.getvalue())


def test_import_bad_rows():
    with Net() as net, tempfile.TemporaryDirectory() as tmp:
        s = net.started("GEM Le Rebond")
        path = os.path.join(tmp, "regional.csv")
        fifty_rows(path)
        before = s.status()["changes"]
        r = s.run("import", "resources", path)
        assert r.returncode == EXIT_INVALID, (r.returncode, r.stdout, r.stderr)
        named = sorted(int(n) for n in re.findall(r"ligne (\d+) :", r.stderr))
        assert named == [12, 30, 47], r.stderr
        assert "rien n'a été importé" in r.stderr and "--partial" in r.stderr
        assert s.status()["changes"] == before
        assert s.j("resource", "list")["items"] == []
        r = s.run("import", "resources", path, "--partial")
        assert r.returncode == 0, r.stderr
        assert "47 ressources ajoutées" in r.stdout, r.stdout
        assert len(s.j("resource", "list")["items"]) == 47
        # again, partial: the 47 unchanged, nothing written
        before = s.status()["changes"]
        r = s.run("import", "resources", path, "--partial")
        assert "0 ressource ajoutée, 0 modifiée, 47 inchangées" in r.stdout, r.stdout
        assert s.status()["changes"] == before
        # a malformed file and an unknown column are refused whole
        bad = os.path.join(tmp, "bad.csv")
        with open(bad, "w", encoding="utf-8") as f:
            f.write("Nom;Type\r\n\"GEM sans fin;gem\r\n")
        r = s.run("import", "resources", bad)
        assert r.returncode == EXIT_INVALID and "ligne 2" in r.stderr, r.stderr
        with open(bad, "w", encoding="utf-8") as f:
            f.write("Nom;Type;Diagnostic\r\nGEM X;gem;x\r\n")
        r = s.run("import", "resources", bad)
        assert r.returncode == EXIT_INVALID and "Diagnostic" in r.stderr, r.stderr
        # a NUL byte (a binary file) is said so, with its line
        with open(bad, "wb") as f:
            f.write("Nom;Type\r\nGEM L'Écluse\0;gem\r\n".encode())
        r = s.run("import", "resources", bad)
        assert r.returncode == EXIT_INVALID, (r.returncode, r.stderr)
        assert "ligne 2 : caractère nul" in r.stderr and "rien n'a été importé" in r.stderr, r.stderr
        assert s.status()["changes"] == before


def forge(key_dir, target, typ, item, seq, parents, *fields, hlc=None):
    args = [os.path.join(TOOLS, "gs_forge")]
    if hlc is not None:
        args += ["--hlc", str(hlc)]
    return subprocess.run(args + [key_dir, target.endpoint, target.id, typ, item, str(seq),
                                  ",".join(parents) or "-", *fields],
                          capture_output=True, text=True, timeout=60)


def test_confirm_and_stale():
    with Net() as net:
        a = net.started("GEM Le Rebond")
        b = net.started("GEM L'Envol")
        a.peer(b)
        b.peer(a)
        fresh = a.j("resource", "add", "--name", "GEM Le Tremplin", "--kind", "gem")["id"]
        # a resource B created 7 months ago: B's key, an old clock
        old_ms = int(time.time() * 1000) - 213 * 86400 * 1000
        seq = b.status()["seq"] + 1
        r = forge(b.data, a, "resource", "auto", seq, [], "name=Clubhouse ancien",
                  "kind=clubhouse", hlc=old_ms)
        assert r.returncode == 0, r.stderr
        old = re.search(r"item ([0-9a-f]{32})", r.stdout + r.stderr).group(1)
        wait_until(lambda: old in [i["id"] for i in a.j("resource", "list")["items"]],
                   timeout=30, what="the old resource at A")
        stale = [i["id"] for i in a.j("resource", "list", "--stale")["items"]]
        assert stale == [old], stale
        assert "jamais vérifié" in a.cli("resource", "show", old)
        # B confirms it: A shows who and when, and it is no longer stale
        wait_until(lambda: old in [i["id"] for i in b.j("resource", "list")["items"]],
                   timeout=30, what="the old resource back at B")
        out = b.cli("resource", "confirm", old[:8])
        assert "vérifié le" in out and "par GEM L'Envol" in out, out
        wait_until(lambda: a.j("resource", "show", old)["verified"] is not None,
                   timeout=30, what="B's confirmation at A")
        v = a.j("resource", "show", old)["verified"]
        assert v["by"] == b.id and v["by_name"] == "GEM L'Envol", v
        shown = a.cli("resource", "show", old)
        assert re.search(r"vérifié le \w+ \d{1,2}(er)? \w+( \d{4})? par GEM L'Envol", shown), shown
        assert "par GEM L'Envol" in a.cli("resource", "list")
        assert a.j("resource", "list", "--stale")["items"] == []
        assert a.j("resource", "show", fresh)["verified"] is None
        # confirming twice is one item, a change more
        st = b.status()
        b.cli("resource", "confirm", old)
        assert b.status()["items"]["confirmation"] == st["items"]["confirmation"] == 1
        # a resource that does not exist, or is deleted
        r = b.run("resource", "confirm", "abcdef0123")
        assert r.returncode == 4, r.stderr
        a.cli("resource", "delete", fresh)
        wait_until(lambda: b.j("resource", "show", fresh)["deleted"], timeout=30,
                   what="deletion at B")
        r = b.run("resource", "confirm", fresh)
        assert r.returncode == 1 and "supprimée" in r.stderr, r.stderr


def test_confirm_blocked_site_hidden():
    with Net() as net:
        a = net.started("GEM Le Rebond")
        b = net.started("GEM L'Envol")
        c = net.started("GEM La Passerelle")
        for x, y in ((a, b), (b, a), (a, c), (c, a)):
            x.peer(y)
        rid = a.j("resource", "add", "--name", "CMP Nord", "--kind", "public-service")["id"]
        wait_until(lambda: rid in [i["id"] for i in b.j("resource", "list")["items"]],
                   timeout=30, what="resource at B")
        b.cli("resource", "confirm", rid)
        wait_until(lambda: (a.j("resource", "show", rid)["verified"] or {}).get("by") == b.id,
                   timeout=30, what="B's confirmation at A")
        a.j("site", "block", b.id)
        assert a.j("resource", "show", rid)["verified"] is None
        assert [i["id"] for i in a.j("resource", "list", "--stale")["items"]] == []
        a.j("site", "trust", b.id)
        assert a.j("resource", "show", rid)["verified"]["by"] == b.id


if __name__ == "__main__":
    run_tests([test_csv_round_trip, test_hsds_round_trip, test_import_bad_rows, test_confirm_and_stale,
               test_confirm_blocked_site_hidden])
