#!/bin/bash
# SPDX-License-Identifier: AGPL-3.0-or-later
#
# check-install.sh CPACK CONFIG WORK: installs the Debian package on this
# machine and checks each step of its life: install (user and group
# gemsync, /var/lib/gemsync 0700, /run/gemsync 0750 for the group, the
# packaged control socket), `gemsyncd -n`, a site created as the user
# gemsync, an upgrade to a higher release (the site kept), then purge (the
# site, /run/gemsync and /etc/gemsync gone; the system user stays, as
# Debian does). Exits 77 (SKIPPED) when not root, without dpkg, or when a
# gemsync package or site is already on the machine (never touches it).
# Whatever happens, the package is purged at the end and a user or group
# gemsync the test created is removed.
set -euo pipefail

CPACK="$1" CONFIG="$2" WORK="$3"

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || skip "not root: dpkg -i needs root"
for t in dpkg dpkg-query runuser getent; do
	command -v "$t" >/dev/null || skip "$t not found"
done
if dpkg-query -W -f '${Status}' gemsync 2>/dev/null | grep -q installed; then
	skip "a gemsync package is installed here: not touching it"
fi
[ -e /var/lib/gemsync ] && skip "/var/lib/gemsync exists: a site lives here"
[ -e /etc/gemsync ] && skip "/etc/gemsync exists: not touching it"

# one run at a time on this machine (two build trees, two CI jobs)
exec 9>/run/lock/gemsync-check-install.lock
flock -w 600 9 || fail "another install check holds the lock for 10 minutes"

had_user=0 had_group=0
getent passwd gemsync >/dev/null && had_user=1
getent group gemsync >/dev/null && had_group=1

cleanup() {
	dpkg --purge gemsync >/dev/null 2>&1 || true
	if [ "$had_user" = 0 ] && getent passwd gemsync >/dev/null; then
		userdel gemsync >/dev/null 2>&1 || true
	fi
	if [ "$had_group" = 0 ] && getent group gemsync >/dev/null; then
		groupdel gemsync >/dev/null 2>&1 || true
	fi
	rm -rf /var/lib/gemsync /run/gemsync
}
trap cleanup EXIT

rm -rf "$WORK"
mkdir -p "$WORK"
"$CPACK" -G DEB --config "$CONFIG" -B "$WORK/v1" >"$WORK/cpack1.log" 2>&1 ||
	fail "cpack: $(tail -5 "$WORK/cpack1.log")"
"$CPACK" -G DEB -D CPACK_DEBIAN_PACKAGE_RELEASE=2 --config "$CONFIG" \
	-B "$WORK/v2" >"$WORK/cpack2.log" 2>&1 ||
	fail "cpack (release 2): $(tail -5 "$WORK/cpack2.log")"
v1=$(echo "$WORK"/v1/*.deb) v2=$(echo "$WORK"/v2/*.deb)
[ -f "$v1" ] && [ -f "$v2" ] || fail "expected one .deb each, got $v1 and $v2"

mode_owner() { stat -c '%a %U:%G' "$1"; }
expect() { # what path want
	local got
	got=$(mode_owner "$2" 2>&1) || fail "$1: $2 missing"
	[ "$got" = "$3" ] || fail "$1: $2 is $got, want $3"
}

# --- install --------------------------------------------------------------
dpkg -i "$v1" >"$WORK/install.log" 2>&1 || fail "dpkg -i: $(cat "$WORK/install.log")"
getent passwd gemsync >/dev/null || fail "install: no user gemsync"
getent group gemsync >/dev/null || fail "install: no group gemsync"
expect install /var/lib/gemsync "700 gemsync:gemsync"
expect install /run/gemsync "750 gemsync:gemsync"
grep -q '^control = ipc:///run/gemsync/control.sock$' /etc/gemsync/gemsyncd.conf ||
	fail "install: the packaged configuration does not put the socket in /run/gemsync"
grep -q 'sudo adduser' "$WORK/install.log" ||
	fail "install: postinst does not say how to create the site: $(cat "$WORK/install.log")"
[ -s /usr/share/doc/gemsync/copyright ] || fail "install: no copyright"
[ -s /usr/share/doc/gemsync/changelog.Debian.gz ] || fail "install: no changelog"

out=$(/usr/sbin/gemsyncd -n 2>&1) || fail "gemsyncd -n: $out"
case "$out" in
*"configuration ok : /etc/gemsync/gemsyncd.conf"*) ;;
*) fail "gemsyncd -n read another configuration: $out" ;;
esac
runuser -u gemsync -- /usr/sbin/gemsyncd --init -c /etc/gemsync/gemsyncd.conf \
	>"$WORK/init.log" 2>&1 || fail "gemsyncd --init as gemsync: $(cat "$WORK/init.log")"
[ -s /var/lib/gemsync/site.id ] || fail "init: no site.id"
site=$(sha256sum </var/lib/gemsync/site.id)

# --- README's « Installer sur le PC du GEM », steps 7 and 8 -----------------
# the daemon as systemd runs it (user gemsync), a backup with the keys made
# by root while it runs, the site wiped, then the restore as the README
# says (the file handed to gemsync with install -o gemsync), and a start
daemon_pid=
start_daemon() {
	setpriv --reuid=gemsync --regid=gemsync --init-groups \
		/usr/sbin/gemsyncd -c /etc/gemsync/gemsyncd.conf \
		>>"$WORK/daemon.log" 2>&1 &
	daemon_pid=$!
	for _ in $(seq 1 100); do
		[ -S /run/gemsync/control.sock ] && gemsync status >/dev/null 2>&1 &&
			return 0
		kill -0 "$daemon_pid" 2>/dev/null ||
			fail "gemsyncd stopped: $(tail -5 "$WORK/daemon.log")"
		sleep 0.1
	done
	fail "gemsyncd did not answer in 10 s: $(tail -5 "$WORK/daemon.log")"
}
stop_daemon() {
	[ -n "$daemon_pid" ] || return 0
	kill "$daemon_pid" 2>/dev/null || true
	for _ in $(seq 1 100); do
		kill -0 "$daemon_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$daemon_pid" 2>/dev/null || true
	daemon_pid=
}
trap 'stop_daemon; cleanup' EXIT
start_daemon
event=$(gemsync --json event add --title "Atelier sauvegardé" --kind atelier \
	--start 2030-06-04T14:00:00+02:00 2>"$WORK/event.err") ||
	fail "event add as root: $(cat "$WORK/event.err")"
printf 'une phrase de test\n' >"$WORK/phrase"
chmod 600 "$WORK/phrase"
gemsync backup "$WORK/sauvegarde.gsb" --with-keys --passphrase-file \
	"$WORK/phrase" >"$WORK/backup.log" 2>&1 ||
	fail "backup: $(cat "$WORK/backup.log")"
stop_daemon
find /var/lib/gemsync -mindepth 1 -delete
install -o gemsync -m 600 "$WORK/sauvegarde.gsb" /tmp/gemsync-check-sauvegarde.gsb
install -o gemsync -m 600 "$WORK/phrase" /tmp/gemsync-check-phrase
out=$(runuser -u gemsync -- gemsync restore /tmp/gemsync-check-sauvegarde.gsb \
	--passphrase-file /tmp/gemsync-check-phrase 2>&1) || {
	rm -f /tmp/gemsync-check-sauvegarde.gsb /tmp/gemsync-check-phrase
	fail "restore as gemsync: $out"
}
rm -f /tmp/gemsync-check-sauvegarde.gsb /tmp/gemsync-check-phrase
[ "$(sha256sum </var/lib/gemsync/site.id)" = "$site" ] ||
	fail "restore: another site came back"
expect restore /var/lib/gemsync "700 gemsync:gemsync"
start_daemon
id=$(printf '%s' "$event" | sed -n 's/.*"id": *"\([0-9a-f]*\)".*/\1/p')
[ -n "$id" ] || fail "event add printed no ID: $event"
gemsync event show "$id" >"$WORK/show.log" 2>&1 ||
	fail "the event did not come back: $(cat "$WORK/show.log")"
gemsync status >"$WORK/status.log" 2>&1 || fail "status: $(cat "$WORK/status.log")"
grep -q "Rattrapage en cours" "$WORK/status.log" ||
	fail "a restored site must say it catches up: $(head -3 "$WORK/status.log")"
stop_daemon

# --- upgrade ----------------------------------------------------------------
dpkg -i "$v2" >"$WORK/upgrade.log" 2>&1 || fail "upgrade: $(cat "$WORK/upgrade.log")"
ver=$(dpkg-query -W -f '${Version}' gemsync)
case "$ver" in *-2) ;; *) fail "upgrade: version $ver installed, want release 2" ;; esac
[ "$(sha256sum </var/lib/gemsync/site.id)" = "$site" ] || fail "upgrade: the site changed"
expect upgrade /var/lib/gemsync "700 gemsync:gemsync"
out=$(/usr/sbin/gemsyncd -n 2>&1) || fail "gemsyncd -n after upgrade: $out"

# --- purge --------------------------------------------------------------------
dpkg --purge gemsync >"$WORK/purge.log" 2>&1 || fail "purge: $(cat "$WORK/purge.log")"
if dpkg-query -W -f '${Status}' gemsync 2>/dev/null | grep -q installed; then
	fail "purge: still installed"
fi
for p in /var/lib/gemsync /run/gemsync /etc/gemsync /usr/sbin/gemsyncd; do
	[ ! -e "$p" ] || fail "purge: $p is still there"
done
getent passwd gemsync >/dev/null || fail "purge: the system user gemsync went (Debian keeps it)"
echo "install, gemsyncd -n, --init, backup and restore (README), upgrade to $ver and purge: ok"
