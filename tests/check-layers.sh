#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
#
# check-layers.sh: the include rules of daemon/ (STYLE.md, "Boundaries"),
# run by CTest as layers.includes. Only store.c includes sqlite3.h, only
# crypto.c sodium.h, only transport.c zmq.h, only zip.c zstd.h, only recur.c
# (rules, zones) and ics.c (calendars written) libical/ical.h,
# only qr.c qrencode.h;
# gossip (gossip*.c, gossip*.h) includes no control header (control*.h,
# control.pb-c.h), no view.h and no jansson.h: control is one surface
# above it. Prints each violation as
# FILE:LINE: text and exits 1 if there is any, 0 otherwise.
#
#   tests/check-layers.sh [DAEMON-DIR]    default: daemon/ next to tests/
set -eu

dir="${1:-$(cd "$(dirname "$0")/../daemon" && pwd)}"
bad=0

# only FILE may include HEADER
only() {
	header="$1"
	owner="$2"
	for f in "$dir"/*.c "$dir"/*.h; do
		[ "$(basename "$f")" = "$owner" ] && continue
		if grep -Hn "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]$header[>\"]" "$f"; then
			echo "  ^ only $owner may include $header" >&2
			bad=1
		fi
	done
}

# only FILE1 and FILE2 may include HEADER (a library's two doors)
only_pair() {
	header="$1"
	for f in "$dir"/*.c "$dir"/*.h; do
		case "$(basename "$f")" in "$2"|"$3") continue ;; esac
		if grep -Hn "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]$header[>\"]" "$f"; then
			echo "  ^ only $2 and $3 may include $header" >&2
			bad=1
		fi
	done
}

only sqlite3.h store.c
only sodium.h crypto.c
only zmq.h transport.c
only zstd.h zip.c
only_pair libical/ical.h recur.c ics.c
only qrencode.h qr.c

for f in "$dir"/gossip*.c "$dir"/gossip*.h; do
	[ -e "$f" ] || continue
	if grep -HnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](control[^>"]*\.h|view\.h|jansson\.h)[>"]' "$f"; then
		echo "  ^ gossip includes no control header, view.h or jansson.h" >&2
		bad=1
	fi
done

if [ "$bad" -ne 0 ]; then
	echo "check-layers: include rules of $dir broken (see above)" >&2
	exit 1
fi
echo "check-layers: $dir keeps its include rules"
