#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
#
# run-fuzzers.sh: builds the libFuzzer targets of tests/fuzz with clang,
# ASan and UBSan into build-fuzz/, replays every committed corpus through
# CTest, then fuzzes each target for GS_FUZZ_SECONDS seconds with a fixed
# seed. Exits non-zero when a replay fails or a fuzzer finds a crash, a
# leak, a timeout or an out-of-memory; each finding is printed whole in
# the log (hex and base64) and kept under build-fuzz/fuzz-out/<target>/,
# with the command that replays it. tests/fuzz/README.md says how to turn
# it into a corpus file (a regression test). CI runs it as its own phase.
#
#   tests/fuzz/run-fuzzers.sh                 every target, GS_FUZZ_SECONDS each
#   tests/fuzz/run-fuzzers.sh config recur    only these targets
#   GS_FUZZ_SECONDS=0 tests/fuzz/run-fuzzers.sh   build and replay only
#
# Environment:
#   GS_FUZZ_SECONDS  seconds of fuzzing per target (default 60)
#   GS_FUZZ_SEED     libFuzzer -seed (default 1): the same seed makes the
#                    same mutations, so a run can be repeated (how far it
#                    gets in the time depends on the machine's speed)
#   GS_FUZZ_BUILD    build folder (default build-fuzz)
#   CC               the compiler (default clang, else clang-14)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

seconds="${GS_FUZZ_SECONDS:-60}"
seed="${GS_FUZZ_SEED:-1}"
build="${GS_FUZZ_BUILD:-build-fuzz}"
out="$build/fuzz-out"

case "$seconds" in
''|*[!0-9]*) echo "run-fuzzers.sh: GS_FUZZ_SECONDS must be a whole number" >&2
	exit 2 ;;
esac
case "$seed" in
''|*[!0-9]*) echo "run-fuzzers.sh: GS_FUZZ_SEED must be a whole number" >&2
	exit 2 ;;
esac

# The longest input each target is given, in bytes: a little over the
# largest seed, so that the fuzzer spends its time on the parser, not on
# building huge inputs (config: past inih's 200-byte line, to reach the
# "line too long" refusal).
max_len() {
	case "$1" in
	control) echo 4096 ;;
	peer_msg) echo 16384 ;;
	change) echo 4096 ;;
	fields) echo 9000 ;;
	config) echo 6000 ;;
	siteid) echo 256 ;;
	frdate) echo 256 ;;
	recur) echo 512 ;;
	*) echo 4096 ;;
	esac
}

# Targets: every tests/fuzz/fuzz_<name>.c, or those named on the line.
all=()
for f in tests/fuzz/fuzz_*.c; do
	n="${f##*/fuzz_}"
	all+=("${n%.c}")
done
if [ $# -gt 0 ]; then
	targets=("$@")
	for t in "${targets[@]}"; do
		if [ ! -f "tests/fuzz/fuzz_$t.c" ]; then
			echo "run-fuzzers.sh: no target $t (have: ${all[*]})" >&2
			exit 2
		fi
	done
else
	targets=("${all[@]}")
fi

if [ -z "${CC:-}" ]; then
	if command -v clang >/dev/null 2>&1; then
		CC=clang
	elif command -v clang-14 >/dev/null 2>&1; then
		CC=clang-14
	else
		echo "run-fuzzers.sh: clang is missing: install it with" >&2
		echo "  apt-get install -y --no-install-recommends clang-14 libclang-rt-14-dev llvm-14" >&2
		exit 127
	fi
fi
export CC
# symbolized stack traces in the findings
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ]; then
	for s in llvm-symbolizer llvm-symbolizer-14 /usr/lib/llvm-14/bin/llvm-symbolizer; do
		if command -v "$s" >/dev/null 2>&1; then
			ASAN_SYMBOLIZER_PATH="$(command -v "$s")"
			export ASAN_SYMBOLIZER_PATH
			break
		fi
	done
fi
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

echo "== configure ($build, $CC, libFuzzer + ASan + UBSan)"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGS_FUZZ=ON \
	-DGS_SANITIZE=ON
if ! grep -q -- '-fsanitize=fuzzer' \
	"$build/tests/fuzz/CMakeFiles/fuzz_${targets[0]}.dir/flags.make" 2>/dev/null; then
	echo "run-fuzzers.sh: $build was not configured for libFuzzer (CC is" \
		"not clang?): remove $build and run again with CC=clang" >&2
	exit 2
fi
echo "== build"
cmake --build "$build" -j2 --target "${targets[@]/#/fuzz_}"

echo "== replay the committed corpora"
regex="^fuzz\\.($(IFS='|'; echo "${targets[*]}"))\$"
ctest --test-dir "$build" --output-on-failure --no-tests=error -R "$regex"

if [ "$seconds" = 0 ]; then
	echo "== GS_FUZZ_SECONDS=0: no fuzzing"
	exit 0
fi

# Prints a finding whole, so that the log alone is enough to replay it.
show_finding() {
	local t="$1" file="$2"
	echo "!! fuzz_$t: finding $file ($(stat -c %s "$file") bytes)"
	echo "!! hex:"
	od -A d -t x1 -v "$file" | head -n 64 | sed 's/^/!!   /'
	echo "!! base64 (decode with: base64 -d > input):"
	base64 -w 76 "$file" | sed 's/^/!!   /'
	echo "!! replay: $build/tests/fuzz/fuzz_$t $file"
	echo "!! keep it as a regression test (see tests/fuzz/README.md):"
	echo "!!   cp $file tests/fuzz/corpus/$t/NNN-crash-<what>"
}

rm -rf "$out"
mkdir -p "$out"
failed=()
summary=()
for t in "${targets[@]}"; do
	dir="$out/$t"
	mkdir -p "$dir/new"
	echo "== fuzz_$t: ${seconds}s, -seed=$seed, -max_len=$(max_len "$t")"
	rc=0
	t0=$(date +%s)
	# New inputs go to $dir/new (the first folder), never into the tree;
	# findings go to $dir/ (-artifact_prefix).
	"$build/tests/fuzz/fuzz_$t" -seed="$seed" -max_total_time="$seconds" \
		-max_len="$(max_len "$t")" -timeout=30 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$dir/" \
		"$dir/new" "tests/fuzz/corpus/$t" >"$dir/log" 2>&1 || rc=$?
	t1=$(date +%s)
	grep -v -e "# Uses:" -e "dictionary" "$dir/log" | tail -n 12
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -n 1)
	found=$(find "$dir" -maxdepth 1 -type f \( -name 'crash-*' -o \
		-name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | sort)
	slow=$(find "$dir" -maxdepth 1 -type f -name 'slow-unit-*' | wc -l)
	if [ "$rc" != 0 ] || [ -n "$found" ]; then
		failed+=("$t")
		echo "!! fuzz_$t failed (exit $rc); its log: $dir/log"
		for f in $found; do
			show_finding "$t" "$f"
		done
		result="FAILED"
	else
		result="ok"
	fi
	summary+=("$(printf '%-10s %5ss %10s runs  %5s new inputs  %s slow  %s' \
		"$t" $((t1 - t0)) "${execs:-?}" "$(find "$dir/new" -type f | wc -l)" \
		"$slow" "$result")")
done

echo "== fuzzing summary (seed $seed, ${seconds}s per target)"
for s in "${summary[@]}"; do
	echo "   $s"
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "run-fuzzers.sh: findings in: ${failed[*]} (inputs under $out/)" >&2
	exit 1
fi
echo "run-fuzzers.sh: no finding"
