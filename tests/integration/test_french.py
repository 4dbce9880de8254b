# SPDX-License-Identifier: AGPL-3.0-or-later
"""Input a facilitator can manage, over one real daemon: enumerated values
typed in French (any case, any accents) stored as their codes, dates as
people type them in the site's zone, unknown filter values refused with
the valid values, closest command and option proposed, and a search that
ignores case and accents."""
import datetime
import os
import zoneinfo

from gslib import EXIT_INVALID, EXIT_OK, EXIT_USAGE, Net, run_tests

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def next_tuesday_14h():
    """What « mardi 14h » means now: the next Tuesday at 14:00 in Paris
    (today when it is Tuesday before 14:00)."""
    now = datetime.datetime.now(PARIS)
    day = now.date() + datetime.timedelta(days=(1 - now.weekday()) % 7)
    when = datetime.datetime.combine(day, datetime.time(14, 0), PARIS)
    if when <= now:
        when += datetime.timedelta(days=7)
    return when


def test_event_in_french():
    with Net() as net:
        s = net.started("GEM Le Rebond")
        ev = s.j("event", "add", "--title", "Atelier écriture", "--kind", "atelier",
                 "--audience", "adhérents", "--easy-read", "oui", "--companion", "NON",
                 "--start", "mardi 14h", "--end", "mardi 16h30")
        f = ev["fields"]
        assert (f["kind"], f["audience"], f["easy_read"], f["companion"]) == \
            ("workshop", "members", "yes", "no"), f
        start = datetime.datetime.fromisoformat(f["start"])
        assert start == next_tuesday_14h(), (f["start"], next_tuesday_14h())
        assert start.utcoffset() == next_tuesday_14h().utcoffset()
        assert f["start"].endswith(("+01:00", "+02:00")), f["start"]
        # codes in --json, French in the human table and the show block
        items = s.j("event", "list")["items"]
        assert [i["fields"]["kind"] for i in items] == ["workshop"]
        table = s.cli("event", "list")
        assert "atelier" in table and "workshop" not in table, table
        shown = s.cli("event", "show", ev["id"])
        assert "adhérents" in shown and "oui" in shown, shown
        # other spellings of the same values, and English codes for scripts
        e2 = s.j("event", "add", "--title", "Marche douce au parc", "--kind",
                 "Activite Physique", "--audience", "TOUT PUBLIC", "--start",
                 "demain 10h")["fields"]
        assert (e2["kind"], e2["audience"]) == ("physical", "public"), e2
        e3 = s.j("event", "add", "--title", "Repas partagé", "--kind", "convivial",
                 "--start", "2030-12-05T12:00:00+01:00")["fields"]
        assert e3["kind"] == "convivial"
        edited = s.j("event", "edit", ev["id"], "--easy-read", "Non")
        assert edited["fields"]["easy_read"] == "no"
        # list filters take the French words too
        kinds = [i["fields"]["title"] for i in s.j("event", "list", "--kind", "ATELIER")["items"]]
        assert kinds == ["Atelier écriture"], kinds
        public = s.j("event", "list", "--audience", "adhérents")["items"]
        assert [i["id"] for i in public] == [ev["id"]]
        # a value that is none of them is refused, naming the valid ones
        r = s.run("event", "add", "--title", "X", "--kind", "atelire", "--start", "demain 10h")
        assert r.returncode == EXIT_INVALID and "atelier, sortie" in r.stderr, r.stderr


def test_unknown_filter_values():
    with Net() as net:
        s = net.started("GEM Le Rebond")
        s.add_event("Atelier écriture")
        r = s.run("event", "list", "--kind", "atelire")
        assert r.returncode == EXIT_INVALID, (r.returncode, r.stdout, r.stderr)
        assert "atelire" in r.stderr and "atelier, sortie, activité physique" in r.stderr, r.stderr
        assert r.stdout == "", "an error, never an empty list"
        r = s.run("--json", "event", "list", "--audience", "tous")
        assert r.returncode == EXIT_INVALID and "adhérents" in r.stderr, r.stderr
        r = s.run("resource", "list", "--kind", "hopital")
        assert r.returncode == EXIT_INVALID and "lieu de répit" in r.stderr, r.stderr


def test_search_ignores_case_and_accents():
    with Net() as net:
        s = net.started("GEM La Passerelle")
        r1 = s.j("resource", "add", "--name", "Lieu de répit", "--kind", "lieu de répit",
                 "--town", "Saint-Étienne")["id"]
        r2 = s.j("resource", "add", "--name", "Atelier d'écriture du GEM", "--kind", "GEM",
                 "--town", "Lyon")["id"]
        s.j("resource", "add", "--name", "Écoute Famille", "--kind", "ligne d’écoute")
        found = lambda *a: [i["id"] for i in s.j("resource", "list", *a)["items"]]  # noqa: E731
        assert found("--search", "repit") == [r1]
        assert found("--search", "RÉPIT") == [r1]
        assert found("--search", "ECRITURE") == [r2]
        assert found("--kind", "respite") == [r1]
        assert found("--kind", "Répit") == [r1]
        assert found("--town", "saint-etienne") == [r1]
        assert s.j("resource", "show", r1)["fields"]["kind"] == "respite"
        assert "lieu de répit" in s.cli("resource", "list", "--search", "repit")


def test_dates_refused_and_allowed():
    with Net() as net:
        s = net.started("GEM Le Rebond")
        year = datetime.datetime.now(PARIS).year
        typo = f"20/12/{year + 36} 14h"       # 2062 for 2026: a slipped digit
        r = s.run("event", "add", "--title", "Sortie", "--kind", "sortie", "--start", typo)
        assert r.returncode == EXIT_INVALID, (r.returncode, r.stderr)
        assert "--allow-far" in r.stderr and typo in r.stderr, r.stderr
        ok = s.j("event", "add", "--title", "Sortie", "--kind", "sortie", "--start", typo,
                 "--allow-far")
        assert ok["fields"]["start"] == f"{year + 36}-12-20T14:00:00+01:00"
        r = s.run("event", "add", "--title", "Sortie", "--kind", "sortie", "--start",
                  f"20/12/{year - 1} 14h")
        assert r.returncode == EXIT_INVALID and "--allow-past" in r.stderr, r.stderr
        r = s.run("event", "add", "--title", "Sortie", "--kind", "sortie", "--start",
                  "mardi 25h")
        assert r.returncode == EXIT_INVALID and "mardi 14h" in r.stderr, r.stderr
        # summer time: the offset follows the date, not today
        summer = s.j("event", "add", "--title", "Pique-nique", "--kind", "sortie",
                     "--start", f"15/06/{year + 1} 12h")["fields"]["start"]
        assert summer == f"{year + 1}-06-15T12:00:00+02:00", summer
        # list bounds as people type them
        got = s.j("event", "list", "--from", f"15/06/{year + 1}", "--to",
                  f"15/06/{year + 1}")["items"]
        assert [i["fields"]["title"] for i in got] == ["Pique-nique"], got


def test_closest_command_and_option():
    with Net() as net:
        s = net.site("GEM Le Rebond")
        r = s.run("evnt")
        assert r.returncode == EXIT_USAGE
        assert "commande inconnue « evnt » : vouliez-vous dire « event » ?" in r.stderr, r.stderr
        r = s.run("event", "lsit")
        assert r.returncode == EXIT_USAGE and "« event list »" in r.stderr, r.stderr
        r = s.run("event", "add", "--titel", "x")
        assert r.returncode == EXIT_USAGE
        assert "vouliez-vous dire --title ?" in r.stderr, r.stderr
        r = s.run("zzqqx")
        assert r.returncode == EXIT_USAGE and "vouliez-vous" not in r.stderr, r.stderr
        # what is echoed is sanitized: no terminal escape goes through
        r = s.run("ev\x1b[31mnt")
        assert r.returncode == EXIT_USAGE and "\x1b" not in r.stderr, repr(r.stderr)
        r = s.run("event", "add", "--start", "\x1b]0;x\x07demain")
        assert "\x1b" not in r.stderr and "\x07" not in r.stderr, repr(r.stderr)
        # the help lists the French words
        h = s.run("event", "add", "--help")
        assert h.returncode == EXIT_OK and "activité physique" in h.stdout, h.stdout
        assert "--allow-far" in h.stdout and "mardi 14h" in h.stdout


if __name__ == "__main__":
    run_tests([test_event_in_french, test_unknown_filter_values,
               test_search_ignores_case_and_accents, test_dates_refused_and_allowed,
               test_closest_command_and_option])
