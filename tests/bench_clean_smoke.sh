#!/bin/sh
# The compaction benchmark still runs end to end: bench/clean_run.sh with
# tiny sizes must print each row with a figure on both sides.
set -eu
src=$1
build=$2
dir=$(mktemp -d /tmp/brook-clean-smoke-XXXXXX)
trap 'rm -rf "$dir"' EXIT
out=$(ROUNDS=1 CLEAN_MIB=8 KEYS=1000 COMMIT_MIB=8 SETTLE_S=0 BENCH_DIR="$dir" "$src/bench/clean_run.sh" "$build")
echo "$out"
check() {
    line=$(echo "$out" | grep -F "| $1") || { echo "missing row: $1" >&2; exit 1; }
    echo "$line" | grep -Eq '\| [0-9]+ MB/s \|.*: [0-9]+ MB/s \| [0-9]+\.[0-9]+ \|$' ||
        { echo "row without figures: $line" >&2; exit 1; }
}
check "compaction: MB of log cleaned per second"
check "produce (flush always"
check "the same, cleaner_io_bytes_per_second"
