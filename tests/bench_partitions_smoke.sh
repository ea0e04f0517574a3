#!/bin/sh
# The many-partitions benchmark still runs end to end: bench/partitions_run.sh
# with tiny sizes must print a row per partition count with Brook and mock
# figures, and the start-up row (a broken script leaves cells empty).
set -eu
src=$1
build=$2
out=$(ROUNDS=1 COUNTS="1 10" N=2000 BIG_PARTITIONS=200 ACTIVE_MB=4 "$src/bench/partitions_run.sh" "$build")
echo "$out"
# check ROW FIELD...: each of the row's listed '|'-fields is a number ("n: " prefixes dropped)
check() {
    row=$1
    shift
    line=$(echo "$out" | grep -F "| $row ") || { echo "missing row: $row" >&2; exit 1; }
    for f in "$@"; do
        echo "$line" | awk -F'|' -v f="$f" '{ v = $f; sub(/^.*:/, "", v); gsub(/ /, "", v); exit !(v ~ /^[0-9]+(\.[0-9]+)?$/) }' ||
            { echo "field $f is not a figure: $line" >&2; exit 1; }
    done
}
# produce Brook, mock; consume Brook, mock; RSS after, idle; start-up; stop; topic creation
check 1 3 4 7 8 10 11 12 13 14
check 10 3 4 7 8 10 11 12 13 14
check "200 partitions, a record each" 11 12
check "page cache warm" 3 4
