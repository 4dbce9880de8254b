# SPDX-License-Identifier: AGPL-3.0-or-later
"""The calendar feed (issue 15) over real daemons: `gemsync export ics`
read back with an independent parser, Debian's python3-icalendar. A
weekly series keeps its RRULE, its cancelled date is an EXDATE and its
moved date a VEVENT with a RECURRENCE-ID; a cancelled outing is
STATUS:CANCELLED; members-only events stay out of the feed unless
--members; the UIDs are the same from one export to the next and on two
sites holding the same events; --site keeps a site's events (hosted or
co-hosted)."""
import datetime
import os
import sys

from gslib import EXIT_INVALID, EXIT_NOTFOUND, Net, Skip, run_tests

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from test_conflicts import mesh, wait_converged  # noqa: E402

WINDOW = ("--from", "2030-03-01", "--to", "2030-12-31")


def icalendar():
    """Debian's python3-icalendar, also when the tests run under another
    Python than Debian's (its packages are then added to the path)."""
    try:
        import icalendar as ical
        return ical
    except ImportError:
        pass
    sys.path.append("/usr/lib/python3/dist-packages")
    try:
        import icalendar as ical
        return ical
    except ImportError as e:
        raise Skip(f"python3-icalendar absent ({e}): apt-get install python3-icalendar")


def read(ical, path):
    with open(path, "rb") as f:
        return ical.Calendar.from_ical(f.read())


def vevents(cal):
    return [c for c in cal.walk("VEVENT")]


def by_uid(cal):
    """{(uid, recurrence-id or ""): VEVENT}"""
    out = {}
    for e in vevents(cal):
        rid = e.get("RECURRENCE-ID")
        out[(str(e["UID"]), rid.dt.isoformat() if rid is not None else "")] = e
    return out


def local(prop):
    """A DTSTART-like property as (wall time, zone name)."""
    dt = prop.dt
    return dt.strftime("%Y-%m-%dT%H:%M"), str(prop.params.get("TZID"))


def setup_events(a, b):
    """A's series, cancelled date and moved date; A's cancelled outing;
    A's members-only meeting; B's walk co-hosted by A. Returns their IDs."""
    series = a.j("event", "add", "--title", "Atelier écriture, « plume »", "--kind", "atelier",
                 "--start", "2030-03-05T14:00:00+01:00", "--end", "2030-03-05T16:00:00+01:00",
                 "--place", "Salle des fêtes; 1er étage", "--repeat", "chaque mardi",
                 "--until", "2030-11-26", "--capacity", "8", "--easy-read", "oui",
                 "--companion", "oui", "--audience", "tout public", "--price", "gratuit",
                 "--languages", "fr,en",
                 "--description", "Apportez un stylo.\nCafé offert.")["id"]
    a.j("event", "cancel", series, "--date", "2030-03-12")
    a.j("event", "edit", series, "--date", "2030-04-02", "--place", "Gare Part-Dieu")
    outing = a.add_event("Sortie au musée des Beaux-Arts", "2030-04-10T10:00:00+02:00", "outing",
                         "--place", "Musée des Beaux-Arts", "--price", "3 €")
    a.j("event", "cancel", outing)
    meeting = a.add_event("Réunion des adhérents", "2030-03-06T18:00:00+01:00", "meeting",
                          "--audience", "adhérents")
    walk = b.add_event("Marche douce au parc", "2030-05-15T10:00:00+02:00", "physical",
                       "--place", "Parc de la Tête d'Or", "--cohost", a.id)
    return series, outing, meeting, walk


def test_feed_read_back_on_two_sites():
    ical = icalendar()
    with Net() as net:
        a, b = net.started("GEM Le Rebond"), net.started("GEM La Passerelle")
        mesh([a, b])
        series, outing, meeting, walk = setup_events(a, b)
        wait_converged([a, b])
        fa1, fa2, fb = (os.path.join(net.root, n) for n in ("a1.ics", "a2.ics", "b.ics"))
        out = a.cli("export", "ics", *WINDOW, "-o", fa1)
        assert f"Calendrier écrit dans {fa1} : 4 événements." in out, out
        assert "1 événement réservé aux adhérents laissé de côté" in out, out
        a.cli("export", "ics", *WINDOW, "-o", fa2)
        b.cli("export", "ics", *WINDOW, "-o", fb)
        ca, ca2, cb = read(ical, fa1), read(ical, fa2), read(ical, fb)

        # the same UIDs from one export to the next, and on both sites
        ua, ua2, ub = by_uid(ca), by_uid(ca2), by_uid(cb)
        assert sorted(ua) == sorted(ua2) == sorted(ub), (sorted(ua), sorted(ub))
        uids = {k[0] for k in ua}
        assert uids == {f"{i}@gemsync" for i in (series, outing, walk)}, uids
        assert f"{meeting}@gemsync" not in uids

        # one VTIMEZONE, the site's
        zones = [str(z["TZID"]) for z in ca.walk("VTIMEZONE")]
        assert zones == ["Europe/Paris"], zones
        assert str(ca["VERSION"]) == "2.0"

        s = ua[(f"{series}@gemsync", "")]
        assert str(s["SUMMARY"]) == "Atelier écriture, « plume »"
        assert str(s["LOCATION"]) == "Salle des fêtes; 1er étage"
        assert local(s["DTSTART"]) == ("2030-03-05T14:00", "Europe/Paris")
        assert local(s["DTEND"]) == ("2030-03-05T16:00", "Europe/Paris")
        rule = s["RRULE"]
        assert rule["FREQ"] == ["WEEKLY"] and rule["BYDAY"] == ["TU"], rule
        assert rule["UNTIL"][0].astimezone(datetime.timezone.utc) == \
            datetime.datetime(2030, 11, 26, 22, 59, 59, tzinfo=datetime.timezone.utc)
        ex = s["EXDATE"]
        ex = ex if isinstance(ex, list) else [ex]
        assert [d.dt.strftime("%Y-%m-%dT%H:%M") for e in ex for d in e.dts] == \
            ["2030-03-12T14:00"]
        assert str(s["STATUS"]) == "CONFIRMED"
        desc = str(s["DESCRIPTION"])
        for want in ("Organisé par : GEM Le Rebond", "Type : atelier", "Public : tout public",
                     "Langues : fr,en", "Prix : gratuit", "Facile à lire : oui",
                     "Accompagnant bienvenu : oui", "Places restantes : 8",
                     "Apportez un stylo.\nCafé offert."):
            assert want in desc, (want, desc)
        assert s.decoded("LAST-MODIFIED").year >= 2026

        # the moved date, by its original start (summer time: 14:00 local)
        moved = [v for k, v in ua.items() if k[0] == f"{series}@gemsync" and k[1]]
        assert len(moved) == 1
        m = moved[0]
        assert local(m["RECURRENCE-ID"]) == ("2030-04-02T14:00", "Europe/Paris")
        assert local(m["DTSTART"]) == ("2030-04-02T14:00", "Europe/Paris")
        assert m.decoded("DTSTART").utcoffset() == datetime.timedelta(hours=2)
        assert str(m["LOCATION"]) == "Gare Part-Dieu"
        assert "RRULE" not in m

        o = ua[(f"{outing}@gemsync", "")]
        assert str(o["STATUS"]) == "CANCELLED"
        assert local(o["DTSTART"]) == ("2030-04-10T10:00", "Europe/Paris")
        assert "Prix : 3 €" in str(o["DESCRIPTION"])

        w = ub[(f"{walk}@gemsync", "")]
        desc = str(w["DESCRIPTION"])
        assert "Organisé par : GEM La Passerelle" in desc, desc
        assert "Avec : GEM Le Rebond" in desc, desc

        # with --members, the meeting is in; on stdout, the same calendar
        text = a.cli("export", "ics", *WINDOW, "--members")
        cm = ical.Calendar.from_ical(text.encode())
        um = by_uid(cm)
        assert (f"{meeting}@gemsync", "") in um
        assert "Public : adhérents" in str(um[(f"{meeting}@gemsync", "")]["DESCRIPTION"])
        assert text.startswith("BEGIN:VCALENDAR\n")   # text mode: CRLF read as \n
        with open(fa1, "rb") as f:
            raw = f.read()
        assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
        assert all(len(line) <= 75 for line in raw.split(b"\r\n"))

        # --json: what the calendar holds, not the calendar
        doc = a.j("export", "ics", *WINDOW)
        assert doc["events"] == 4 and doc["members_left_out"] == 1, doc
        assert doc["bytes"] == len(raw), (doc, len(raw))

        # --site: what B hosts, and what A hosts or co-hosts
        only_b = by_uid(ical.Calendar.from_ical(a.cli("export", "ics", *WINDOW,
                                                      "--site", b.id).encode()))
        assert {k[0] for k in only_b} == {f"{walk}@gemsync"}
        only_a = by_uid(ical.Calendar.from_ical(a.cli("export", "ics", *WINDOW,
                                                      "--site", a.id).encode()))
        assert {k[0] for k in only_a} == uids
        # --kind, in French
        sorties = by_uid(ical.Calendar.from_ical(a.cli("export", "ics", *WINDOW,
                                                       "--kind", "sortie").encode()))
        assert {k[0] for k in sorties} == {f"{outing}@gemsync"}


def test_feed_refusals():
    with Net() as net:
        a = net.started("GEM Le Rebond")
        r = a.run("export", "ics", "--site", "pas-un-site")
        assert r.returncode == EXIT_NOTFOUND, (r.returncode, r.stderr)
        assert "gemsync site list" in r.stderr, r.stderr
        r = a.run("export", "ics", "--kind", "bal")
        assert r.returncode == EXIT_INVALID and "valeurs possibles" in r.stderr, r.stderr
        r = a.run("export", "ics", "-o", os.path.join(net.root, "absent", "x.ics"))
        assert r.returncode == 2 and "vérifiez que le dossier existe" in r.stderr, r.stderr
        # an empty network: a valid calendar without events
        text = a.cli("export", "ics")
        assert "BEGIN:VTIMEZONE" in text and "BEGIN:VEVENT" not in text


if __name__ == "__main__":
    run_tests([test_feed_read_back_on_two_sites, test_feed_refusals])
