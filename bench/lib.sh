# Shared by the bench scripts on the build machine (bash): paths, the benchmon
# helper, medians and the "@row" lines that bench/all gathers into one table.
#
# A row: @row SECTION;FIGURE;SANDBOX;PEER1=VALUE;PEER2=VALUE;TARGET
# (values are plain numbers in the unit the figure names; a peer may be empty;
# bench/all prints the ratios sandbox/peer).

bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench_build=$bench_root/build/bench

# Build a static helper of bench/ (musl, so it also runs in the test host):
# benchmon, stamp. Prints its path.
bench_tool() {
	local src=$bench_root/bench/$1.c out=$bench_build/$1 cc=musl-gcc
	command -v $cc >/dev/null || cc=cc
	if [ ! -x "$out" ] || [ "$src" -nt "$out" ]; then
		mkdir -p "$bench_build"
		$cc -static -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wmissing-prototypes \
			-Wstrict-prototypes -o "$out" "$src" >&2 || return 1
	fi
	echo "$out"
}
bench_benchmon() { bench_tool benchmon; }

# median: numbers on stdin, one per line -> their median (integer when all are).
bench_median() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (!NR) { print 0; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		print (m == int(m)) ? int(m) : m }'
}

# bench_row SECTION FIGURE SANDBOX PEER1 PEER2 TARGET
bench_row() { printf '@row %s;%s;%s;%s;%s;%s\n' "$@"; }

# bench_skip SECTION REASON: a row that says why a part did not run.
bench_skip() { printf '@skip %s;%s\n' "$1" "$2"; echo "$1: SKIP: $2" >&2; }
