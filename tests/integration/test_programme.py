# SPDX-License-Identifier: AGPL-3.0-or-later
"""The printable programme (issue 15) in a real browser: `gemsync
programme` writes a week of the network's events as a self-contained
page, which headless Chromium (Debian's chromium, driven over the
DevTools protocol through a pipe, cdp.py) loads: the week's events are in
the page in order under French day headings, members-only ones left out;
printed to PDF, a typical week of 12 events fits one A4 page; axe-core
(from the npm registry, pinned in browser/package.json, installed into
the build folder) finds no serious or critical accessibility violation,
in the normal and in the easy-to-read edition; at 200 % zoom nothing
scrolls sideways; the easy-to-read edition prints in 16 pt type or more.

Skipped (exit 77) with the reason when chromium is absent, or when npm
or the network cannot provide axe-core: never a silent pass."""
import json
import os
import re
import shutil
import subprocess

from gslib import BIN, Net, Skip, run_tests

import cdp

HERE = os.path.dirname(os.path.abspath(__file__))
NPM_DIR = os.path.join(BIN, "npm")
AXE = os.path.join(NPM_DIR, "node_modules", "axe-core", "axe.min.js")

# Monday 4 to Sunday 10 March 2030
WEEK = [
    # title, start, kind, extra options
    ("Petit déjeuner partagé", "2030-03-04T09:30:00+01:00", "convivial",
     ["--price", "1 €", "--audience", "public", "--companion", "oui"]),
    ("Atelier dessin", "2030-03-04T14:00:00+01:00", "workshop",
     ["--place", "Salle bleue", "--capacity", "10", "--easy-read", "oui"]),
    ("Groupe de parole : le sommeil", "2030-03-05T10:00:00+01:00", "discussion",
     ["--place", "Maison des associations, 12 rue Victor-Hugo", "--audience", "families"]),
    ("Atelier écriture", "2030-03-05T14:00:00+01:00", "workshop",
     ["--end", "2030-03-05T16:00:00+01:00", "--place", "Salle des fêtes", "--price", "gratuit"]),
    ("Marche douce au parc", "2030-03-06T10:00:00+01:00", "physical",
     ["--place", "Parc de la Tête d'Or, entrée des Enfants", "--companion", "oui",
      "--audience", "public"]),
    ("Aide aux papiers administratifs", "2030-03-06T14:30:00+01:00", "autonomy",
     ["--place", "Bureau du GEM", "--capacity", "3"]),
    ("Sortie au musée des Beaux-Arts", "2030-03-07T10:00:00+01:00", "outing",
     ["--place", "Place des Terreaux", "--price", "3 €", "--capacity", "8",
      "--description", "Rendez-vous devant l'entrée."]),
    ("Jeux de société", "2030-03-07T14:00:00+01:00", "convivial",
     ["--place", "Salle commune", "--easy-read", "oui", "--audience", "public"]),
    ("Yoga doux", "2030-03-08T10:30:00+01:00", "physical",
     ["--place", "Gymnase Jean-Moulin", "--price", "2 €"]),
    ("Initiation à l'informatique", "2030-03-08T14:00:00+01:00", "autonomy",
     ["--place", "Médiathèque", "--capacity", "6", "--easy-read", "oui"]),
    ("Repas partagé", "2030-03-09T12:00:00+01:00", "convivial",
     ["--place", "Cuisine du GEM", "--price", "participation libre", "--companion", "oui"]),
    ("Cinéma : film du mois", "2030-03-10T15:00:00+01:00", "outing",
     ["--place", "Cinéma Le Comoedia", "--price", "4 €", "--audience", "public"]),
]
MEMBERS_ONLY = ("Assemblée des adhérents", "2030-03-06T18:00:00+01:00", "meeting",
                ["--audience", "adhérents"])
NEXT_WEEK = ("Atelier musique", "2030-03-11T14:00:00+01:00", "workshop", [])


def chromium():
    exe = cdp.find_chromium()
    if exe is None:
        raise Skip("chromium absent: the browser test needs Debian's chromium "
                   "(apt-get install chromium)")
    return exe


def axe_source():
    """axe-core's script, installed once into the build folder at the
    version browser/package.json pins (no lockfile is written)."""
    if not os.path.exists(AXE):
        npm = shutil.which("npm")
        if npm is None:
            raise Skip("npm absent: axe-core cannot be installed (apt-get install npm)")
        os.makedirs(NPM_DIR, exist_ok=True)
        shutil.copy(os.path.join(HERE, "browser", "package.json"), NPM_DIR)
        try:
            r = subprocess.run([npm, "install", "--no-package-lock", "--no-audit", "--no-fund",
                                "--ignore-scripts"], cwd=NPM_DIR, capture_output=True,
                               text=True, timeout=300)
        except subprocess.TimeoutExpired:
            raise Skip("npm install axe-core took more than 5 minutes (no network?)")
        if r.returncode != 0 or not os.path.exists(AXE):
            raise Skip(f"npm could not install axe-core (no network?): {r.stderr[-300:]}")
    with open(AXE, encoding="utf-8") as f:
        return f.read()


def add_week(site):
    ids = {}
    for title, start, kind, extra in WEEK + [MEMBERS_ONLY, NEXT_WEEK]:
        ids[title] = site.add_event(title, start, kind, *extra)
    return ids


def axe_violations(b, src):
    b.eval(src)
    found = b.eval("axe.run(document, {resultTypes: ['violations']}).then(r => "
                   "JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, "
                   "nodes: v.nodes.map(n => n.target.join(' '))}))))",
                   await_promise=True, timeout=120)
    return json.loads(found)


def pages(pdf, tmp):
    path = os.path.join(tmp, "programme.pdf")
    with open(path, "wb") as f:
        f.write(pdf)
    if shutil.which("pdfinfo"):
        out = subprocess.run(["pdfinfo", path], capture_output=True, text=True,
                             timeout=30).stdout
        return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def self_contained(html):
    assert "<script" not in html.lower(), "a script in the page"
    assert "<link" not in html.lower(), "an external stylesheet or font"
    assert not re.search(r"(src|href)\s*=\s*\"(https?:)?//", html), "a resource from elsewhere"
    assert "@import" not in html and "url(" not in html, "a resource from the stylesheet"
    assert '<html lang="fr">' in html


def test_week_in_browser():
    exe = chromium()
    src = axe_source()
    with Net() as net:
        a = net.started("GEM Le Rebond")
        ids = add_week(a)
        a.j("event", "cancel", ids["Yoga doux"])
        out_dir = os.path.join(net.root, "programme")
        out = a.cli("programme", "--week", "--from", "2030-03-06", "-o", out_dir)
        index = os.path.join(out_dir, "index.html")
        assert f"file://{os.path.realpath(index)}" in out, out
        assert "Programme du lundi 4 mars 2030 au dimanche 10 mars 2030 écrit : 12 activités." \
            in out, out
        assert "1 activité réservée aux adhérents laissée de côté" in out, out
        assert os.path.exists(os.path.join(out_dir, "programme.ics"))
        with open(index, encoding="utf-8") as f:
            html = f.read()
        self_contained(html)

        with cdp.Browser(exe) as b:
            b.call("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 900,
                                                          "deviceScaleFactor": 1,
                                                          "mobile": False})
            b.open(f"file://{index}")
            rows = b.eval("[...document.querySelectorAll('main li.event')].map(e => "
                          "[e.dataset.start, e.querySelector('h3').textContent])")
            want = sorted([(start, title) for title, start, _, _ in WEEK])
            assert [tuple(r) for r in rows] == want, rows
            days = b.eval("[...document.querySelectorAll('main h2')].map(h => h.textContent)")
            assert days == ["lundi 4 mars 2030", "mardi 5 mars 2030", "mercredi 6 mars 2030",
                            "jeudi 7 mars 2030", "vendredi 8 mars 2030", "samedi 9 mars 2030",
                            "dimanche 10 mars 2030"], days
            text = b.eval("document.body.innerText")
            assert "Assemblée des adhérents" not in text and "Atelier musique" not in text
            for want_text in ("14 h à 16 h", "ouvert à tous", "facile à lire",
                              "accompagnants bienvenus", "adhérents et familles",
                              "annulé", "10 places restantes", "GEM Le Rebond", "3 €"):
                assert want_text in text, (want_text, text)
            assert b.eval("document.documentElement.lang") == "fr"
            assert b.eval("document.scripts.length") == 0

            v = axe_violations(b, src)
            bad = [x for x in v if x["impact"] in ("serious", "critical")]
            assert not bad, bad

            n = pages(b.pdf(), net.root)
            assert n == 1, f"a week of 12 events printed on {n} pages"

            # 200 % zoom: a 1280-pixel window seen as 640 CSS pixels
            b.call("Emulation.setDeviceMetricsOverride", {"width": 640, "height": 450,
                                                          "deviceScaleFactor": 2,
                                                          "mobile": False})
            b.open(f"file://{index}")
            wide = b.eval("[document.documentElement.scrollWidth, window.innerWidth]")
            assert wide[0] <= wide[1], f"sideways scrolling at 200 %: {wide}"


def test_easy_read_in_browser():
    exe = chromium()
    src = axe_source()
    with Net() as net:
        a = net.started("GEM Le Rebond")
        add_week(a)
        out_dir = os.path.join(net.root, "facile")
        a.cli("programme", "--from", "2030-03-04", "--easy-read", "--members", "-o", out_dir)
        index = os.path.join(out_dir, "index.html")
        with open(index, encoding="utf-8") as f:
            html = f.read()
        self_contained(html)
        with cdp.Browser(exe) as b:
            b.open(f"file://{index}")
            titles = b.eval("[...document.querySelectorAll('main li.event h3')]"
                            ".map(h => h.textContent)")
            assert len(titles) == 13 and "Assemblée des adhérents" in titles, titles
            text = b.eval("document.body.innerText")
            for want_text in ("Début : 14 heures.", "Fin : 16 heures.", "Début : 14 heures 30.",
                              "Seulement pour les adhérents du GEM.",
                              "Tout le monde peut venir.",
                              "Vous pouvez venir avec une personne de votre choix.",
                              "Il reste 10 places.", "Activité : atelier."):
                assert want_text in text, (want_text, text)
            assert not re.search(r"\d h\b", text), "an abbreviated hour in the easy edition"
            v = axe_violations(b, src)
            bad = [x for x in v if x["impact"] in ("serious", "critical")]
            assert not bad, bad
            # printed: 16 pt (21.33 CSS pixels) or more for every text
            b.call("Emulation.setEmulatedMedia", {"media": "print"})
            sizes = b.eval("[...document.querySelectorAll('main p, main h3, main li')]"
                           ".map(e => parseFloat(getComputedStyle(e).fontSize))")
            assert sizes and min(sizes) >= 21.3, min(sizes)


if __name__ == "__main__":
    run_tests([test_week_in_browser, test_easy_read_in_browser])
