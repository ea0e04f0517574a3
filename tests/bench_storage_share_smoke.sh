#!/bin/sh
# The storage-share benchmark still runs end to end: bench/storage_share_run.sh
# with tiny sizes must print a row per partition count and broker with every
# figure (a broken script leaves cells empty or "-"). The disk columns are
# "-" where the data directory has no block device (tmpfs), so not checked.
set -eu
src=$1
build=$2
out=$(ROUNDS=1 COUNTS="1 10" N=2000 "$src/bench/storage_share_run.sh" "$build")
echo "$out"
. "$src/tests/bench_table.sh"
# records/s, / mock, client CPU, broker CPU, machine kernel CPU, iowait
for p in 1 10; do
    for s in segment memory mock; do
        check "$p | $s" 4 5 6 7 8 9
    done
done
