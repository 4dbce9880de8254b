#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
#
# run-all.sh: the one test command of gemsync. Configures and builds the
# tree (RelWithDebInfo into build/, or with --sanitize ASan+UBSan into
# build-asan/), then runs every unit and integration test through CTest and
# exits with ctest's status. It installs nothing: when a tool or a library
# is missing it says which Debian package to install and stops.
#
#   ./tests/run-all.sh              build/ and the whole suite
#   ./tests/run-all.sh --sanitize   build-asan/ (-DGS_SANITIZE=ON)
#   ./tests/run-all.sh -- -R unit.  extra arguments after -- go to ctest
set -euo pipefail

usage() {
	cat <<'USAGE'
usage: tests/run-all.sh [--sanitize] [-- CTEST-ARGS...]

  --sanitize   build into build-asan with -DGS_SANITIZE=ON (ASan + UBSan)
  -h, --help   this help
USAGE
}

sanitize=0
ctest_extra=()
while [ $# -gt 0 ]; do
	case "$1" in
	--sanitize) sanitize=1 ;;
	-h|--help) usage; exit 0 ;;
	--) shift; ctest_extra=("$@"); break ;;
	*) echo "run-all.sh: unknown option: $1" >&2; usage >&2; exit 2 ;;
	esac
	shift
done

# Work from the repository root whatever the caller's cwd.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

pkgs="build-essential cmake pkg-config libzmq3-dev libsodium-dev libsqlite3-dev libev-dev libprotobuf-c-dev protobuf-c-compiler libinih-dev libjansson-dev libcmocka-dev libical-dev libqrencode-dev libzstd-dev tzdata python3 gettext"
missing=()
for tool in cmake ctest cc pkg-config protoc-c python3 msgfmt xgettext; do
	command -v "$tool" >/dev/null 2>&1 || missing+=("program $tool")
done
if command -v pkg-config >/dev/null 2>&1; then
	for mod in libzmq libsodium sqlite3 libprotobuf-c inih jansson cmocka libical libqrencode libzstd; do
		pkg-config --exists "$mod" || missing+=("pkg-config module $mod")
	done
fi
if [ ! -e /usr/include/ev.h ] && [ ! -e /usr/local/include/ev.h ]; then
	missing+=("header ev.h (libev-dev)")
fi
# libical reads the time zones of recurring events from the system's
if [ ! -e /usr/share/zoneinfo/Europe/Paris ]; then
	missing+=("time zone data /usr/share/zoneinfo (tzdata)")
fi
if [ ${#missing[@]} -gt 0 ]; then
	for m in "${missing[@]}"; do
		echo "run-all.sh: missing $m" >&2
	done
	echo "run-all.sh: install the build dependencies with:" >&2
	echo "  sudo apt-get install -y --no-install-recommends $pkgs" >&2
	exit 127
fi

# Optional: without them the tests that need them are SKIPPED (exit 77),
# never passed; CI (.ci/run) installs them.
optional=()
command -v chromium >/dev/null 2>&1 || optional+=(chromium)
command -v npm >/dev/null 2>&1 || optional+=(npm)
command -v pdfinfo >/dev/null 2>&1 || optional+=(poppler-utils)
[ -d /usr/lib/python3/dist-packages/icalendar ] || optional+=(python3-icalendar)
if [ ${#optional[@]} -gt 0 ]; then
	echo "run-all.sh: without ${optional[*]}, the browser and calendar tests are SKIPPED;" >&2
	echo "  sudo apt-get install -y --no-install-recommends ${optional[*]}" >&2
fi

if [ "$sanitize" = 1 ]; then
	build="build-asan"
	cmake_args=(-DGS_SANITIZE=ON)
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
else
	build=build
	cmake_args=(-DGS_SANITIZE=OFF)
fi

echo "== configure ($build)"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${cmake_args[@]}"
echo "== build ($build)"
cmake --build "$build" -j2
echo "== test ($build)"
rc=0
ctest --test-dir "$build" --output-on-failure --no-tests=error -j2 "${ctest_extra[@]}" || rc=$?
exit "$rc"
