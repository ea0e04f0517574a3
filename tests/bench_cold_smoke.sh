#!/bin/sh
# The cold-read benchmark still runs end to end: bench/cold_read_run.sh with
# a small partition in segments of 4 MiB must print its rows with every figure (a broken script
# leaves cells empty or "-"; the loop's disk wait is "-" where delay
# accounting cannot be switched on, so it is not required).
set -eu
src=$1
build=$2
out=$(ROUNDS=1 MB=20 SEGMENT_MB=4 "$src/bench/cold_read_run.sh" "$build")
echo "$out"
. "$src/tests/bench_table.sh"
# consume MB/s; probe p50 p99 p999 max; indexes read back
check "in the page cache" 3 4 5 6 7 10
# ... and the chunks read in off the loop
check "out of the page cache" 3 4 5 6 7 9 10
