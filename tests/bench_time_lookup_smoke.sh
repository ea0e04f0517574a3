#!/bin/sh
# The lookup-by-time benchmark still runs end to end: bench/time_lookup_run.sh
# over a few small partitions must print its rows with every figure (a
# broken script leaves cells empty or "-"; the loop's disk wait is "-" where
# delay accounting cannot be switched on, so it is not required).
set -eu
src=$1
build=$2
out=$(ROUNDS=1 MB=8 PARTITIONS=8 LOOKUPS=4 SEGMENT_KB=128 "$src/bench/time_lookup_run.sh" "$build")
echo "$out"
. "$src/tests/bench_table.sh"
# lookups ms; partitions found; probe p50 p99 p999 max; indexes read back
check "in the page cache" 3 4 5 6 7 8 10
check "out of the page cache" 3 4 5 6 7 8 10
