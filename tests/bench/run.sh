#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
#
# run.sh: the one benchmark command of gemsync (docs/performance.md). Builds
# the tree (RelWithDebInfo into build/), then runs the benchmark suite,
# which starts real daemons on 127.0.0.1 in temporary directories and
# prints one line per figure with its target and ceiling. The full run
# takes about 5 minutes on a 2-core machine (under 15 on a loaded one), plus
# at least 10 for the country benchmark (700 daemons; --sites N for fewer).
#
#   ./tests/bench/run.sh                     everything, full sizes
#   ./tests/bench/run.sh --smoke             everything, small sizes (CI)
#   ./tests/bench/run.sh --only initial,admin
#   ./tests/bench/run.sh --json > figures.json
#
# Benchmarks: ceiling initial propagation insync footprint admin series growth
# stall export country.
# Other options (--seed N, --check, --sites N) go to tests/bench/bench.py as
# they are.
set -euo pipefail

case "${1:-}" in
-h|--help)
	sed -n '4,19p' "$0" | sed 's/^# \{0,1\}//'
	exit 0 ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
echo "== build (build/, RelWithDebInfo)" >&2
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGS_SANITIZE=OFF >/dev/null
cmake --build build -j2 >/dev/null
echo "== benchmarks" >&2
GS_BIN_DIR="$root/build" exec python3 tests/bench/bench.py "$@"
