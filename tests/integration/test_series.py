# SPDX-License-Identifier: AGPL-3.0-or-later
"""Recurring events (issue 14) over real daemons: a weekly series is ONE
item, listed as one row per date at every site, at 14:00 local across
both daylight-saving changes; a date cancelled by the owner and a date
moved by a co-host reach every site; the same date's same field changed
on both sides of a partition is a conflict shown the same everywhere."""
import json
import sys

import subprocess

from gslib import (EXIT_INVALID, EXIT_REFUSED, EXIT_USAGE, GEMSYNC, GEMSYNCD, Net, run_tests)

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from test_conflicts import converged, cut, heal, mesh, wait_converged  # noqa: E402

# Tuesdays from 5 March to 26 November 2030; summer time from 31 March
# to 27 October (the last Sundays of March and October).
START = "2030-03-05T14:00:00+01:00"
WINDOW = ("--from", "2030-03-01", "--to", "2030-12-31")


def tuesdays():
    import datetime
    d = datetime.date(2030, 3, 5)
    out = []
    while d <= datetime.date(2030, 11, 26):
        out.append(d.isoformat())
        d += datetime.timedelta(days=7)
    return out


def series(a, *extra):
    return a.j("event", "add", "--title", "Atelier écriture", "--kind", "workshop",
               "--start", START, "--end", "2030-03-05T16:00:00+01:00",
               "--place", "Salle des fêtes", "--repeat", "Chaque Mardi",
               "--until", "2030-11-26", *extra)["id"]


def rows(site, ident):
    return [r for r in site.j("event", "list", *WINDOW)["items"] if r["id"] == ident]


def test_weekly_series_listed_at_c():
    with Net() as net:
        a, b, c = (net.started(n) for n in ("GEM Le Rebond", "GEM La Passerelle", "GEM L'Envol"))
        mesh([a, b, c])
        e = series(a)
        outing = a.add_event("Sortie au musée des Beaux-Arts", "2030-04-10T10:00:00+02:00",
                             "outing")
        shown = a.j("event", "show", e)
        assert shown["fields"]["rrule"] == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20301126T225959Z"
        assert shown["fields"]["timezone"] == "Europe/Paris"
        wait_converged([a, b, c])
        got = rows(c, e)
        want = tuesdays()
        assert [r["date"] for r in got] == want, [r["date"] for r in got]
        assert all(r["series"] is True for r in got)
        for r in got:
            start = r["fields"]["start"]
            summer = "2030-03-31" < r["date"] < "2030-10-27"
            assert start == f"{r['date']}T14:00:00{'+02:00' if summer else '+01:00'}", start
            assert r["fields"]["end"] == f"{r['date']}T16:00:00{'+02:00' if summer else '+01:00'}"
        # the one-off outing sorts among the dates, its JSON without date
        items = c.j("event", "list", *WINDOW)["items"]
        order = [(i["id"], i.get("date")) for i in items]
        assert order.index((outing, None)) == order.index((e, "2030-04-09")) + 1
        one = [i for i in items if i["id"] == outing][0]
        assert "date" not in one and "series" not in one
        assert one == c.j("event", "show", outing)
        # one date, and the human list with its short ID and date
        d = c.j("event", "show", e, "--date", "2030-04-02")
        assert d["date"] == "2030-04-02" and d["fields"]["start"] == "2030-04-02T14:00:00+02:00"
        human = c.cli("event", "list", *WINDOW)
        assert f"{e[:8]} 2030-04-02" in human and "mardi 2 avril 2030, 14 h" in human, human
        # every site prints the same list
        assert converged([a, b, c])


def test_date_changes_reach_every_site():
    with Net() as net:
        a, b, c = (net.started(n) for n in ("GEM Le Rebond", "GEM La Passerelle", "GEM L'Envol"))
        mesh([a, b, c])
        e = series(a, "--cohost", b.id)
        wait_converged([a, b, c])
        a.j("event", "cancel", e, "--date", "2030-04-09")
        b.j("event", "edit", e, "--date", "2030-04-16", "--place", "Gare Part-Dieu")
        # a date the series does not have, a one-off's date, a non-co-host
        r = a.run("event", "cancel", e, "--date", "2030-04-10")
        assert r.returncode == EXIT_INVALID and "n'est pas une date" in r.stderr, r.stderr
        r = a.run("event", "edit", e, "--date", "2030-04-16", "--kind", "outing")
        assert r.returncode == EXIT_INVALID and "toute la série" in r.stderr, r.stderr
        r = c.run("event", "edit", e, "--date", "2030-04-23", "--place", "Ailleurs")
        assert r.returncode == EXIT_REFUSED, (r.returncode, r.stderr)
        wait_converged([a, b, c])
        for s in (a, b, c):
            got = {r["date"]: r for r in rows(s, e)}
            assert got["2030-04-09"]["fields"]["cancelled"] == "yes"
            assert got["2030-04-09"]["fields"]["place"] == "Salle des fêtes"
            assert got["2030-04-16"]["fields"]["place"] == "Gare Part-Dieu"
            assert "cancelled" not in got["2030-04-16"]["fields"]
            others = [r for d, r in got.items() if d not in ("2030-04-09", "2030-04-16")]
            assert all(r["fields"]["place"] == "Salle des fêtes" and
                       "cancelled" not in r["fields"] for r in others)
            human = s.cli("event", "list", *WINDOW)
            line = [x for x in human.splitlines() if "2030-04-09" in x][0]
            assert "(annulé)" in line, line
            assert s.j("event", "show", e)["fields"]["place@2030-04-16"] == "Gare Part-Dieu"
            shown = s.cli("event", "show", e, "--date", "2030-04-09")
            assert "ANNULÉ" in shown
        # the whole series: every date that has no value of its own
        a.j("event", "edit", e, "--place", "Maison des associations")
        wait_converged([a, b, c])
        got = {r["date"]: r for r in rows(c, e)}
        assert got["2030-04-23"]["fields"]["place"] == "Maison des associations"
        assert got["2030-04-16"]["fields"]["place"] == "Gare Part-Dieu"


def test_same_date_conflict():
    with Net() as net:
        a, b, c = (net.started(n) for n in ("GEM Le Rebond", "GEM La Passerelle", "GEM L'Envol"))
        mesh([a, b, c])
        e = series(a, "--cohost", b.id)
        wait_converged([a, b, c])
        cut([a], [b, c])
        a.j("event", "edit", e, "--date", "2030-05-07", "--place", "Devant le musée")
        b.j("event", "edit", e, "--date", "2030-05-07", "--place", "Gare Part-Dieu")
        heal([a], [b, c])
        wait_converged([a, b, c])
        shows = [s.cli("--json", "conflicts", "show", e) for s in (a, b, c)]
        assert shows[0] == shows[1] == shows[2], "same conflict, same winner everywhere"
        conf = json.loads(shows[0])["conflicts"]
        assert [k["field"] for k in conf] == ["place@2030-05-07"]
        winner = conf[0]["candidates"][0]["value"]
        for s in (a, b, c):
            got = {r["date"]: r for r in rows(s, e)}
            assert got["2030-05-07"]["fields"]["place"] == winner
            assert [k["field"] for k in got["2030-05-07"]["conflicts"]] == ["place@2030-05-07"]
            assert got["2030-05-14"]["conflicts"] == []


def test_refusals():
    with Net() as net:
        a = net.started("GEM Le Rebond")
        endless = a.j("event", "add", "--title", "Marche douce au parc", "--kind", "physical",
                      "--start", "2030-01-02T10:00:00+01:00", "--repeat", "chaque mercredi")["id"]
        r = a.run("event", "list", "--from", "2030-01-01", "--to", "2033-01-01")
        assert r.returncode == EXIT_INVALID and "2 ans" in r.stderr, r.stderr
        # without --to: one year from --from, the Wednesdays of 2030
        year = [r for r in a.j("event", "list", "--from", "2030-01-01")["items"]
                if r["id"] == endless]
        assert len(year) == 52 and year[-1]["date"] == "2030-12-25"
        r = a.run("event", "add", "--title", "Repas partagé", "--kind", "convivial",
                  "--start", START, "--repeat", "chaque heure")
        assert r.returncode == EXIT_USAGE and "un mardi sur deux" in r.stderr, r.stderr
        r = a.run("event", "add", "--title", "Repas partagé", "--kind", "convivial",
                  "--start", START, "--rrule", "FREQ=HOURLY")
        assert r.returncode == EXIT_INVALID and "DAILY" in r.stderr, r.stderr
        r = a.run("event", "add", "--title", "Repas partagé", "--kind", "convivial",
                  "--start", START, "--count", "3")
        assert r.returncode == EXIT_USAGE, r.stderr
        one = a.add_event("Sortie", "2030-04-10T10:00:00+02:00", "outing")
        r = a.run("event", "cancel", one, "--date", "2030-04-10")
        assert r.returncode == EXIT_INVALID and "répété" in r.stderr, r.stderr
        r = a.run("event", "edit", one, "--field", "place@2030-04-10=Gare")
        assert r.returncode == EXIT_INVALID, r.stderr
        monthly = a.j("event", "add", "--title", "Groupe de parole", "--kind", "discussion",
                      "--start", "2030-01-03T18:00:00+01:00", "--repeat",
                      "le premier jeudi du mois", "--count", "4")["id"]
        assert [r["date"] for r in rows(a, monthly)] == [
            "2030-03-07", "2030-04-04"]
        assert a.j("event", "show", monthly)["fields"]["rrule"] == "FREQ=MONTHLY;BYDAY=1TH;COUNT=4"


def test_site_timezone():
    """[site] timezone is checked when the file is read, and a series
    created at the site carries it: 14:00 in Cayenne is 17:00 UTC."""
    with Net() as net:
        bad = net.site("GEM Mars", site="timezone = Mars/Olympus\n")
        r = subprocess.run([GEMSYNCD, "-n", "-c", bad.conf], capture_output=True, text=True,
                           timeout=30)
        assert r.returncode != 0 and "timezone" in r.stderr, (r.returncode, r.stderr)
        r = subprocess.run([GEMSYNC, "-c", bad.conf, "id"], capture_output=True, text=True,
                           timeout=30)
        assert r.returncode == EXIT_USAGE and "timezone" in r.stderr, r.stderr
        g = net.started("GEM de Cayenne", town="Cayenne", department="973",
                        site="timezone = America/Cayenne\n")
        e = g.j("event", "add", "--title", "Repas partagé", "--kind", "convivial",
                "--start", "2030-06-04T14:00:00-03:00", "--repeat", "un mardi sur deux",
                "--count", "3")["id"]
        assert g.j("event", "show", e)["fields"]["timezone"] == "America/Cayenne"
        got = rows(g, e)
        assert [r["date"] for r in got] == ["2030-06-04", "2030-06-18", "2030-07-02"]
        assert all(r["fields"]["start"].endswith("T14:00:00-03:00") for r in got)


if __name__ == "__main__":
    run_tests([test_refusals, test_site_timezone, test_weekly_series_listed_at_c, test_date_changes_reach_every_site,
               test_same_date_conflict])
