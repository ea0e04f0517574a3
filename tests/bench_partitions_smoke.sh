#!/bin/sh
# The many-partitions benchmark still runs end to end: bench/partitions_run.sh
# with tiny sizes must print a row per partition count with Brook and mock
# figures, and the start-up row (a broken script leaves cells empty).
set -eu
src=$1
build=$2
out=$(ROUNDS=1 COUNTS="1 10" N=2000 BIG_PARTITIONS=200 ACTIVE_MB=4 "$src/bench/partitions_run.sh" "$build")
echo "$out"
. "$src/tests/bench_table.sh"
# produce Brook, mock; consume Brook, mock; RSS after, idle; start-up; stop; topic creation
check 1 3 4 7 8 10 11 12 13 14
check 10 3 4 7 8 10 11 12 13 14
check "200 partitions, a record each" 11 12
# ... and after dropping the page cache, where this machine lets it be dropped
if echo "$out" | grep -qF "a record each, page cache dropped"; then
    check "200 partitions, a record each, page cache dropped" 12
fi
check "page cache warm" 3 4
