#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
#
# quickstart.sh: the first command of the README. Installs the Debian
# packages gemsync needs (only when some are missing, so it also works
# offline on a prepared machine), builds gemsync (Release) into build/,
# then starts a demo network of three GEM sites on 127.0.0.1 (ports
# 7651-7653), each with its own data dir under /var/tmp/gemsync-demo/:
#
#   GEM Le Rebond (Villeurbanne) <-> GEM La Passerelle (Lyon) <-> GEM L'Envol (Vienne)
#
# La Passerelle is an introducer for the two others. The script adds demo
# events and resources (each site's weekly workshop as one series, with
# one date cancelled or moved, and a few one-off outings), has La
# Passerelle reserve seats on one date of Le Rebond's series, waits until
# the three sites list the same events with the same dates, and prints how
# to use the demo. Re-running it restarts the demo (data is kept, nothing
# is added twice); `quickstart.sh --stop` stops it.
#
# Run as root (sudo): after installing the packages it drops back to the
# user who called sudo, so build/ and the demo belong to that user.
set -euo pipefail

DEMO_DIR=/var/tmp/gemsync-demo
SITES=(rebond passerelle envol)
PACKAGES=(build-essential cmake pkg-config libzmq3-dev libsodium-dev
	libsqlite3-dev libev-dev libprotobuf-c-dev protobuf-c-compiler
	libinih-dev libjansson-dev libcmocka-dev libical-dev libqrencode-dev libzstd-dev tzdata
	python3
	iproute2 sqlite3 gettext)
START_WAIT=20       # seconds for a daemon to answer its control socket
SYNC_WAIT=${QUICKSTART_SYNC_WAIT:-120}      # seconds for the events of Le Rebond to reach L'Envol

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
self="$root/packaging/quickstart.sh"
GEMSYNCD="$root/build/daemon/gemsyncd"
GEMSYNC="$root/build/cli/gemsync"

say() { printf '==> %s\n' "$*"; }
warn() { printf 'quickstart: %s\n' "$*" >&2; }
started=0
die() {
	printf 'quickstart: erreur : %s\n' "$*" >&2
	if [ "$started" = 1 ]; then
		printf 'quickstart: les démons déjà lancés tournent encore ; arrêtez-les avec : %s --stop\n' "$self" >&2
	fi
	exit 1
}

usage() {
	cat <<'EOF'
usage: packaging/quickstart.sh [--stop] [--no-build]

Installe les dépendances (si besoin), compile gemsync dans build/ et lance
un réseau de démonstration de trois GEM sur 127.0.0.1 (ports 7651 à 7653),
données dans /var/tmp/gemsync-demo/.

  --stop       arrête les démons de la démonstration
  --no-build   ne recompile pas (build/ doit déjà exister)
  -h, --help   cette aide
EOF
}

# --- site descriptions --------------------------------------------------

site_name() {
	case "$1" in
	rebond) echo "GEM Le Rebond" ;;
	passerelle) echo "GEM La Passerelle" ;;
	envol) echo "GEM L'Envol" ;;
	esac
}
site_town() {
	case "$1" in
	rebond) echo "Villeurbanne" ;;
	passerelle) echo "Lyon" ;;
	envol) echo "Vienne" ;;
	esac
}
site_dept() {
	case "$1" in
	rebond|passerelle) echo "69" ;;
	envol) echo "38" ;;
	esac
}
site_port() {
	case "$1" in
	rebond) echo 7651 ;;
	passerelle) echo 7652 ;;
	envol) echo 7653 ;;
	esac
}
site_dir() { echo "$DEMO_DIR/$1"; }
site_conf() { echo "$DEMO_DIR/$1/gemsyncd.conf"; }
site_pidfile() { echo "$DEMO_DIR/$1/gemsyncd.pid"; }
site_log() { echo "$DEMO_DIR/$1/gemsyncd.log"; }
site_endpoint() { echo "tcp://127.0.0.1:$(site_port "$1")"; }

# gemsync CLI against one site; a bounded wait per request.
cli() {
	local s="$1"
	shift
	GEMSYNC_TIMEOUT=15 "$GEMSYNC" -c "$(site_conf "$s")" "$@"
}

# Reads a JSON document on stdin and prints one member (dotted path).
json_get() {
	python3 -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v[k]
print(v if not isinstance(v, bool) else str(v).lower())
' "$1"
}

# --- stop -----------------------------------------------------------------

# Prints the PID in a site's PID file if that process is a gemsyncd
# running this site's configuration; nothing otherwise.
demo_pid() {
	local pidfile pid cmd
	pidfile="$(site_pidfile "$1")"
	[ -r "$pidfile" ] || return 0
	pid="$(head -n1 "$pidfile" 2>/dev/null || true)"
	case "$pid" in
	''|*[!0-9]*) return 0 ;;
	esac
	[ -r "/proc/$pid/cmdline" ] || return 0
	cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
	case "$cmd" in
	*gemsyncd*"$(site_conf "$1")"*) echo "$pid" ;;
	esac
}

stop_site() {
	local s="$1" pid i
	pid="$(demo_pid "$s")"
	if [ -z "$pid" ]; then
		rm -f "$(site_pidfile "$s")"
		return 0
	fi
	if ! kill -TERM "$pid" 2>/dev/null; then
		die "impossible d'arrêter $(site_name "$s") (pid $pid) : relancez en root (sudo)"
	fi
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		warn "$(site_name "$s") (pid $pid) ne s'arrête pas : SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
		sleep 0.2
	fi
	rm -f "$(site_pidfile "$s")"
	say "$(site_name "$s") arrêté (pid $pid)"
}

stop_all() {
	local s
	for s in "${SITES[@]}"; do
		stop_site "$s"
	done
}

# --- packages and build ---------------------------------------------------

missing_packages() {
	local p st
	for p in "${PACKAGES[@]}"; do
		st="$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)"
		[ "$st" = "install ok installed" ] || printf '%s ' "$p"
	done
}

install_packages() {
	local missing
	if ! command -v dpkg-query >/dev/null 2>&1; then
		warn "dpkg-query introuvable : je suppose les dépendances installées"
		return 0
	fi
	missing="$(missing_packages)"
	if [ -z "$missing" ]; then
		say "dépendances déjà installées"
		return 0
	fi
	if [ "$(id -u)" != 0 ]; then
		die "paquets manquants : $missing
relancez en root : sudo ./packaging/quickstart.sh
ou installez-les : sudo apt-get install -y --no-install-recommends $missing"
	fi
	say "installation des paquets : $missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update || die "apt-get update a échoué (réseau ?)"
	# shellcheck disable=SC2086 # one word per package
	apt-get install -y --no-install-recommends $missing ||
		die "apt-get install a échoué"
}

build() {
	say "compilation (Release) dans $root/build"
	cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release \
		-DGS_SANITIZE=OFF >"$DEMO_DIR/build.log" 2>&1 ||
		{ tail -n 30 "$DEMO_DIR/build.log" >&2; die "cmake a échoué (voir $DEMO_DIR/build.log)"; }
	cmake --build "$root/build" -j2 --target gemsyncd gemsync \
		>>"$DEMO_DIR/build.log" 2>&1 ||
		{ tail -n 30 "$DEMO_DIR/build.log" >&2; die "la compilation a échoué (voir $DEMO_DIR/build.log)"; }
}

# --- sites ------------------------------------------------------------------

write_conf() {
	local s="$1"
	mkdir -p "$(site_dir "$s")"
	chmod 0700 "$(site_dir "$s")"
	cat >"$(site_conf "$s")" <<EOF
; gemsyncd configuration written by packaging/quickstart.sh (demo site).
[site]
name = $(site_name "$s")
town = $(site_town "$s")
department = $(site_dept "$s")
languages = fr
hours = mardi et jeudi 14h-18h
timezone = Europe/Paris

[daemon]
data_dir = $(site_dir "$s")/data
log_level = ${QUICKSTART_LOG_LEVEL:-info}

[network]
listen = $(site_endpoint "$s")
advertise = $(site_endpoint "$s")
heartbeat = 2

[sync]
interval = 5
fanout = 3
EOF
}

init_site() {
	local s="$1"
	if [ -e "$(site_dir "$s")/data/site.id" ]; then
		say "$(site_name "$s") : site déjà initialisé"
		return 0
	fi
	"$GEMSYNCD" --init -c "$(site_conf "$s")" >"$(site_dir "$s")/init.log" 2>&1 ||
		{ cat "$(site_dir "$s")/init.log" >&2; die "gemsyncd --init a échoué pour $(site_name "$s")"; }
	say "$(site_name "$s") : site créé"
}

start_site() {
	local s="$1" pid i
	nohup "$GEMSYNCD" -c "$(site_conf "$s")" >>"$(site_log "$s")" 2>&1 </dev/null &
	pid=$!
	echo "$pid" >"$(site_pidfile "$s")"
	for i in $(seq 1 $((START_WAIT * 5))); do
		if ! kill -0 "$pid" 2>/dev/null; then
			tail -n 20 "$(site_log "$s")" >&2
			die "$(site_name "$s") s'est arrêté au démarrage (journal : $(site_log "$s"))"
		fi
		if cli "$s" --json status >/dev/null 2>&1; then
			started=1
			say "$(site_name "$s") démarré (pid $pid, $(site_endpoint "$s"))"
			return 0
		fi
		sleep 0.2
	done
	tail -n 20 "$(site_log "$s")" >&2
	die "$(site_name "$s") ne répond pas après ${START_WAIT}s (journal : $(site_log "$s"))"
}

site_id() {
	cli "$1" --json id | json_get site_id
}

# peer FROM TO [--introducer]: FROM trusts TO and connects to it.
peer() {
	local from="$1" to="$2" out
	shift 2
	if ! out="$(cli "$from" peer add "$(site_id "$to")" "$(site_endpoint "$to")" \
		--name "$(site_name "$to")" "$@" 2>&1)"; then
		printf '%s\n' "$out" >&2
		die "$(site_name "$from") : « gemsync peer add » a échoué (fédération indisponible dans cette version ?)"
	fi
}

# --- demo data --------------------------------------------------------------
#
# Written as a facilitator types it: French kinds (`--kind atelier`) and
# dates (`--start "01/12/2026 14h"`, read in the site's zone). A weekly
# workshop is ONE event, a series (`--repeat "chaque mardi"`), with a few
# one-off outings around it. The days are computed from today, so the demo
# stays valid whatever day it runs.

# The day DAY_EXPR (GNU date syntax) in Paris, as typed: JJ/MM/AAAA.
jour() {
	TZ=Europe/Paris date -d "$1" +%d/%m/%Y
}

# The day DAY_EXPR in Paris as AAAA-MM-JJ (for --until).
iso_day() {
	TZ=Europe/Paris date -d "$1" +%F
}

# The names of the resources a site owns (one a line), so that a re-run
# does not add the demo data twice.
owned_resources() {
	local s="$1" me
	me="$(site_id "$s")"
	cli "$s" --json resource list | python3 -c '
import json, sys
for it in json.load(sys.stdin)["items"]:
    if it["owner"] == sys.argv[1] and not it.get("deleted"):
        print(it["fields"].get("name", ""))
' "$me"
}

have=""
# add_event SITE TITLE START OPTIONS...: an event (one-off, or a series
# with --repeat), added unless the site already owns one with that title.
add_event() {
	local s="$1" title="$2" start="$3" out
	shift 3
	if grep -Fxq -- "$title" <<<"$have"; then
		return 0
	fi
	out="$(cli "$s" --json event add --title "$title" --start "$start" "$@" 2>&1)" ||
		{ printf '%s\n' "$out" >&2; die "$(site_name "$s") : ajout de l'événement « $title » refusé"; }
}

add_resource() {
	local s="$1" name="$2" out
	shift 2
	if grep -Fxq -- "$name" <<<"$have"; then
		return 0
	fi
	out="$(cli "$s" --json resource add --name "$name" "$@" 2>&1)" ||
		{ printf '%s\n' "$out" >&2; die "$(site_name "$s") : ajout de la ressource « $name » refusé"; }
}

# The titles of the events a site owns, one a line.
event_keys() {
	local s="$1" me
	me="$(site_id "$s")"
	cli "$s" --json event list --all | python3 -c '
import json, sys
for it in json.load(sys.stdin)["items"]:
    if it["owner"] == sys.argv[1] and not it.get("deleted"):
        print(it["fields"].get("title", ""))
' "$me"
}

# series_date SITE OWNER TITLE N: as SITE lists it, the Nth date of the
# series TITLE owned by OWNER (a site name of this script), as one line
# "ID DATE CANCELLED PLACE SEATS" (separated by US, \x1f, so that empty
# fields survive `read`; CANCELLED is yes or empty, SEATS what SITE holds
# or waits for on that date). Counted from
# the series' first date, so a re-run names the same date.
series_date() {
	local s="$1" owner="$2" title="$3" n="$4"
	cli "$s" --json event list --all | python3 -c '
import json, sys
owner, title, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = sorted((it for it in json.load(sys.stdin)["items"]
               if it["owner"] == owner and it.get("series")
               and it["fields"].get("title") == title and not it.get("deleted")),
              key=lambda it: it["date"])
if len(rows) < n:
    sys.exit(1)
it = rows[n - 1]
mine = it["seats"]["mine"]
print("\x1f".join([it["id"], it["date"], it["fields"].get("cancelled", ""),
                 it["fields"].get("place", ""),
                 str(mine["confirmed"] + mine["waiting"] + mine["available"])]))
' "$(site_id "$owner")" "$title" "$n" ||
		die "$(site_name "$s") ne liste pas la date $n de « $title » ($(site_name "$owner"))"
}

# cancel_date SITE TITLE N: the owner cancels the Nth date of its series.
cancel_date() {
	local s="$1" title="$2" n="$3" id d cancelled rest out
	IFS=$'\x1f' read -r id d cancelled rest <<<"$(series_date "$s" "$s" "$title" "$n")"
	[ "$cancelled" = yes ] && return 0
	say "$(site_name "$s") annule « $title » du $d"
	out="$(cli "$s" event cancel "$id" --date "$d" 2>&1)" ||
		{ printf '%s\n' "$out" >&2; die "$(site_name "$s") : « $title » du $d non annulé"; }
}

# move_date SITE TITLE N PLACE: the owner sets the Nth date's own place.
move_date() {
	local s="$1" title="$2" n="$3" place="$4" id d cancelled old rest out
	IFS=$'\x1f' read -r id d cancelled old rest <<<"$(series_date "$s" "$s" "$title" "$n")"
	[ "$old" = "$place" ] && return 0
	say "$(site_name "$s") déplace « $title » du $d"
	out="$(cli "$s" event edit "$id" --date "$d" --place "$place" 2>&1)" ||
		{ printf '%s\n' "$out" >&2; die "$(site_name "$s") : lieu de « $title » du $d non changé"; }
}

# reserve_date SITE OWNER TITLE N SEATS NOTE: SITE reserves seats on the
# Nth date of OWNER's series (once: kept as is on a re-run).
reserve_date() {
	local s="$1" owner="$2" title="$3" n="$4" seats="$5" note="$6"
	local id d cancelled place held out
	IFS=$'\x1f' read -r id d cancelled place held <<<"$(series_date "$s" "$owner" "$title" "$n")"
	[ "${held:-0}" -gt 0 ] && return 0
	say "$(site_name "$s") réserve $seats places à « $title » du $d"
	out="$(cli "$s" event reserve "$id" --date "$d" --seats "$seats" --note "$note" 2>&1)" ||
		{ printf '%s\n' "$out" >&2; die "$(site_name "$s") : réservation sur « $title » du $d refusée"; }
}

demo_rebond() {
	local s=rebond mardi
	mardi="$(jour "next tuesday")"
	have="$(event_keys "$s")"
	# The weekly workshop: one series of ten Tuesdays.
	add_event "$s" "Atelier écriture" "$mardi 14h" --end "$mardi 16h30" \
		--repeat "chaque mardi" --count 10 --kind atelier \
		--place "Local du GEM, 12 rue Francis-de-Pressensé, Villeurbanne" \
		--capacity 10 --languages fr --easy-read oui --audience adhérents \
		--price gratuit --contact-role "animatrice" \
		--description "Chaque mardi : on écrit à partir d'une image ou d'un mot. Aucun niveau demandé."
	add_event "$s" "Sortie au musée des Beaux-Arts" "$(jour "saturday +2 weeks") 14h" \
		--end "$(jour "saturday +2 weeks") 17h" --kind sortie \
		--place "Musée des Beaux-Arts, place des Terreaux, Lyon 1er" \
		--capacity 12 --languages fr,en --audience "adhérents et familles" --companion oui \
		--price gratuit \
		--accessibility "Entrée de plain-pied, ascenseur, fauteuil prêté sur place. Métro A, arrêt Hôtel de Ville." \
		--contact-role "animateur" \
		--description "Visite guidée. Rendez-vous à 13h30 devant l'entrée. Un proche peut venir."
	add_event "$s" "Repas partagé" "$(jour "friday +1 week") 12h" \
		--end "$(jour "friday +1 week") 14h" --kind "moment convivial" \
		--place "Local du GEM, Villeurbanne" --price "participation libre" \
		--audience adhérents --companion oui
	# One date of the series changes: no workshop on the 3rd Tuesday.
	cancel_date "$s" "Atelier écriture" 3
	have="$(owned_resources "$s")"
	add_resource "$s" "GEM Le Rebond" --kind gem \
		--address "12 rue Francis-de-Pressensé" --postcode 69100 --town Villeurbanne \
		--phone "04 65 71 00 01" --email contact@rebond.example.org \
		--hours "mardi et jeudi 14h-18h" --languages fr
	add_resource "$s" "Clubhouse des Pentes" --kind clubhouse \
		--address "3 montée de la Grande-Côte" --postcode 69001 --town Lyon \
		--phone "04 65 71 00 02" --url https://clubhouse.example.org \
		--description "Un tremplin vers la vie sociale et professionnelle."
	add_resource "$s" "Collège du rétablissement du Rhône" --kind "collège de rétablissement" \
		--address "40 cours Gambetta" --postcode 69003 --town Lyon \
		--url https://retablissement.example.org --languages fr,en \
		--description "Des formations ouvertes à tous sur le rétablissement."
}

demo_passerelle() {
	local s=passerelle jeudi
	jeudi="$(jour "next thursday")"
	have="$(event_keys "$s")"
	# The weekly walk: every Thursday until the last one in eight weeks.
	add_event "$s" "Marche douce au parc" "$jeudi 10h" --end "$jeudi 11h30" \
		--repeat "chaque jeudi" --until "$(iso_day "next thursday +7 weeks")" \
		--kind "activité physique" \
		--place "Parc de la Tête d'Or, entrée des Enfants du Rhône, Lyon 6e" \
		--price gratuit --audience "tout public" --companion oui --languages fr \
		--accessibility "Parcours plat et ombragé, bancs réguliers. Tram T1, arrêt Musée d'art contemporain."
	add_event "$s" "Groupe de parole : le sommeil" "$(jour "monday +1 week") 15h" \
		--end "$(jour "monday +1 week") 16h30" --kind "groupe de parole" \
		--place "GEM La Passerelle, Lyon 7e" --capacity 8 --audience adhérents \
		--price gratuit --easy-read oui
	add_event "$s" "Aide aux papiers administratifs" "$(jour "wednesday +1 week") 10h" \
		--end "$(jour "wednesday +1 week") 12h" --kind "atelier autonomie" \
		--place "GEM La Passerelle, Lyon 7e" --capacity 4 --languages fr,ar \
		--price gratuit --description "Apportez vos courriers : on les lit ensemble."
	# One date of the series changes: the 2nd walk starts elsewhere.
	move_date "$s" "Marche douce au parc" 2 "Parc de Gerland, entrée rue Jean-Bouin, Lyon 7e"
	have="$(owned_resources "$s")"
	add_resource "$s" "Lieu de répit La Halte" --kind "lieu de répit" \
		--address "18 rue de Marseille" --postcode 69007 --town Lyon \
		--phone "04 65 71 00 03" --hours "tous les jours, jour et nuit" \
		--description "Accueil de personnes sans domicile en crise psychique."
	add_resource "$s" "Ligne d'écoute Entre pairs" --kind "ligne d'écoute" \
		--phone "04 65 71 00 04" --hours "tous les soirs 19h-23h" --languages fr,en
	add_resource "$s" "Permanence d'accès aux droits" --kind "service public" \
		--postcode 69007 --town Lyon --phone "04 65 71 00 05" \
		--hours "jeudi 9h-12h" --description "Aide pour les dossiers MDPH, logement, santé."
}

demo_envol() {
	local s=envol mercredi
	mercredi="$(jour "next wednesday")"
	have="$(event_keys "$s")"
	add_event "$s" "Atelier peinture" "$mercredi 14h" --end "$mercredi 16h" \
		--repeat "chaque mercredi" --count 12 --kind atelier \
		--place "GEM L'Envol, quai Riondet, Vienne" --capacity 8 \
		--price gratuit --languages fr --audience adhérents
	add_event "$s" "Sortie cinéma" "$(jour "friday +2 weeks") 20h" --kind sortie \
		--place "Cinéma du centre, Vienne" --capacity 8 --price "4 €" \
		--companion oui --accessibility "Salle accessible en fauteuil, boucle magnétique."
	add_event "$s" "Après-midi jeux de société" "$(jour "saturday +1 week") 14h" \
		--end "$(jour "saturday +1 week") 17h" --kind "moment convivial" \
		--place "GEM L'Envol, Vienne" --price gratuit --audience "adhérents et familles" --companion oui
	have="$(owned_resources "$s")"
	add_resource "$s" "Association des familles de l'Isère" --kind association \
		--address "5 place de l'Hôtel-de-Ville" --postcode 38200 --town Vienne \
		--email familles@isere.example.org --hours "permanence le lundi 9h-12h"
	add_resource "$s" "Centre communal d'action sociale de Vienne" --kind "service public" \
		--postcode 38200 --town Vienne --phone "04 65 71 00 06"
	add_resource "$s" "Point numérique de la médiathèque" --kind autre \
		--postcode 38200 --town Vienne --hours "mercredi 14h-17h" \
		--description "Aide gratuite pour les démarches en ligne."
}

# Once La Passerelle has Le Rebond's series: two of its members go to the
# writing workshop on its 2nd Tuesday.
demo_reservations() {
	reserve_date passerelle rebond "Atelier écriture" 2 2 "2 adhérents de La Passerelle"
}

# What a site lists of the events (every date of every series, with its
# own values and seats), without what only this site sees: the same on
# every site once they are in step.
events_state() {
	cli "$1" --json event list --all 2>/dev/null | python3 -c '
import hashlib, json, sys
rows = []
for it in json.load(sys.stdin)["items"]:
    s = it.get("seats") or {}
    rows.append([it["id"], it.get("date"), sorted(it.get("heads", [])), it["fields"],
                 it.get("deleted"), [s.get(k) for k in ("total", "confirmed", "waiting")]])
rows.sort(key=lambda r: (r[0], r[1] or ""))
print(len(rows), hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()[:16])
' 2>/dev/null || echo "0 -"
}

# wait_sync WHAT: waits until the three sites list the same events, with
# the same dates, per-date changes and seats.
wait_sync() {
	local what="$1" a b c i s
	say "attente : les trois sites doivent lister les mêmes événements ($what)"
	for i in $(seq 1 "$SYNC_WAIT"); do
		a="$(events_state rebond)"
		b="$(events_state passerelle)"
		c="$(events_state envol)"
		if [ "$a" = "$b" ] && [ "$b" = "$c" ] && [ "${a%% *}" -gt 0 ]; then
			say "synchronisé : chaque site liste les ${a%% *} dates d'événements du réseau"
			return 0
		fi
		if [ $((i % 10)) = 1 ]; then
			for s in "${SITES[@]}"; do
				cli "$s" sync >/dev/null 2>&1 || true
			done
		fi
		sleep 1
	done
	die "les sites ne sont pas en phase après ${SYNC_WAIT}s (Le Rebond ${a%% *}, La Passerelle ${b%% *}, L'Envol ${c%% *} dates ; journaux : $DEMO_DIR/*/gemsyncd.log)"
}

# The programme of the demo network for next week (the demo's series start
# after today), as a facilitator prints and posts it on Friday: a web page
# and its calendar, from Le Rebond.
write_programme() {
	say "programme de la semaine prochaine : $DEMO_DIR/programme/"
	cli rebond programme --week --from "$(jour '+7 days')" \
		-o "$DEMO_DIR/programme" >/dev/null ||
		die "gemsync programme a échoué (journal : $(site_log rebond))"
}

summary() {
	local s c r id cancelled moved reserved rest
	c="build/cli/gemsync -c $DEMO_DIR"
	IFS=$'\x1f' read -r id cancelled rest <<<"$(series_date rebond rebond "Atelier écriture" 3)"
	r="${id:0:8}"
	IFS=$'\x1f' read -r id moved rest <<<"$(series_date passerelle passerelle "Marche douce au parc" 2)"
	IFS=$'\x1f' read -r _ reserved rest <<<"$(series_date passerelle rebond "Atelier écriture" 2)"
	cat <<EOF

Le réseau de démonstration tourne : trois GEM sur 127.0.0.1.
EOF
	for s in "${SITES[@]}"; do
		printf '  %-20s %-13s %s  (pid %s)\n' "$(site_name "$s")" "$(site_town "$s")" \
			"$(site_endpoint "$s")" "$(demo_pid "$s")"
	done
	cat <<EOF

Le Rebond et L'Envol sont reliés par La Passerelle, qui les présente l'un
à l'autre. Chaque site a sa configuration et ses données dans
$DEMO_DIR/SITE/ (SITE = ${SITES[*]}), et son journal dans gemsyncd.log.

Chaque atelier de la semaine est une série (un seul événement, une ligne
par date dans « event list ») : l'atelier écriture du Rebond chaque mardi
(annulé le $cancelled), la marche douce de La Passerelle chaque jeudi
(ailleurs le $moved), l'atelier peinture de L'Envol chaque mercredi ;
La Passerelle a réservé 2 places à l'atelier écriture du $reserved.

Essayez, depuis $root :
  $c/envol/gemsyncd.conf event list
  $c/rebond/gemsyncd.conf event list --kind atelier
  $c/envol/gemsyncd.conf event show $r --date $cancelled
  $c/rebond/gemsyncd.conf event show ${id:0:8} --date $moved
  $c/rebond/gemsyncd.conf event show $r --date $reserved
  $c/passerelle/gemsyncd.conf resource list
  $c/rebond/gemsyncd.conf peer list
  $c/passerelle/gemsyncd.conf status

Le programme de la semaine prochaine du réseau, à ouvrir dans un
navigateur et à imprimer (une page A4), avec son calendrier à publier :
  file://$DEMO_DIR/programme/index.html
  $DEMO_DIR/programme/programme.ics
Édition facile à lire, et calendrier de tout le réseau :
  $c/rebond/gemsyncd.conf programme --week --from "$(jour '+7 days')" --easy-read -o $DEMO_DIR/facile
  $c/rebond/gemsyncd.conf export ics -o $DEMO_DIR/reseau.ics

Arrêter la démonstration :
  packaging/quickstart.sh --stop
(Relancer packaging/quickstart.sh la redémarre en gardant les données ;
pour repartir de zéro : packaging/quickstart.sh --stop && rm -rf $DEMO_DIR)
EOF
}

# --- main ------------------------------------------------------------------

main() {
	local stop=0 nobuild=0 asuser=0 s
	while [ $# -gt 0 ]; do
		case "$1" in
		--stop) stop=1 ;;
		--no-build) nobuild=1 ;;
		--as-user) asuser=1 ;;   # internal: re-run after dropping root
		-h|--help) usage; exit 0 ;;
		*) usage >&2; exit 2 ;;
		esac
		shift
	done
	if [ "$stop" = 1 ]; then
		stop_all
		exit 0
	fi
	if [ "$asuser" = 0 ]; then
		install_packages
		# Called through sudo: build and run the demo as the caller, so
		# that build/ and the demo stay theirs (and their CLI can reach
		# the daemons' control sockets).
		if [ "$(id -u)" = 0 ] && [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
			if [ -e "$DEMO_DIR" ] && [ "$(stat -c %U "$DEMO_DIR")" != "$SUDO_USER" ]; then
				stop_all
				die "$DEMO_DIR appartient à $(stat -c %U "$DEMO_DIR") : supprimez-le (sudo rm -rf $DEMO_DIR) puis relancez"
			fi
			say "suite en tant que $SUDO_USER"
			args=(--as-user)
			[ "$nobuild" = 1 ] && args+=(--no-build)
			exec runuser -u "$SUDO_USER" -- bash "$self" "${args[@]}"
		fi
	fi
	for tool in cmake python3; do
		command -v "$tool" >/dev/null 2>&1 || die "$tool introuvable : installez les dépendances (sudo ./packaging/quickstart.sh)"
	done
	mkdir -p "$DEMO_DIR"
	[ -w "$DEMO_DIR" ] || die "$DEMO_DIR n'est pas accessible en écriture (il appartient à $(stat -c %U "$DEMO_DIR"))"
	stop_all
	if [ "$nobuild" = 0 ]; then
		build
	fi
	if [ ! -x "$GEMSYNCD" ] || [ ! -x "$GEMSYNC" ]; then
		die "binaires absents dans $root/build : relancez sans --no-build"
	fi
	for s in "${SITES[@]}"; do
		write_conf "$s"
		init_site "$s"
	done
	for s in "${SITES[@]}"; do
		start_site "$s"
	done
	say "mise en relation : Le Rebond <-> La Passerelle <-> L'Envol"
	peer rebond passerelle --introducer
	peer passerelle rebond
	peer passerelle envol
	peer envol passerelle --introducer
	say "données de démonstration (événements et ressources)"
	demo_rebond
	demo_passerelle
	demo_envol
	wait_sync "séries, dates annulées ou déplacées"
	demo_reservations
	wait_sync "places réservées"
	write_programme
	summary
}

main "$@"
