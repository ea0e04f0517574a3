#!/bin/sh
# The Kafka benchmark still runs end to end: bench/kafka_run.sh with tiny
# sizes must print its table with a Brook and a mock figure in each row
# that has both (a broken load generator or script leaves cells empty).
set -eu
src=$1
build=$2
out=$(ROUNDS=1 SMALL_N=5000 LARGE_N=200 LAT_N=50 SETTLE=0 CONSUME_P=2 CONSUME_SMALL_N=4000 CONSUME_LARGE_N=100 \
    "$src/bench/kafka_run.sh" "$build")
echo "$out"
# check ROW MIN [FIGURES]: the row's first FIGURES figures (Brook's, then
# the mock's; 2 unless given) are numbers, each above MIN
check() {
    line=$(echo "$out" | grep -F "| $1") || { echo "missing row: $1" >&2; exit 1; }
    echo "$line" | awk -F'|' -v min="$2" -v n="${3:-2}" '
        function ok(v) { gsub(/ /, "", v); return v ~ /^-?[0-9]+(\.[0-9]+)?$/ && v + 0 > min }
        { exit !(ok($3) && (n < 2 || ok($4))) }' || { echo "row without figures: $line" >&2; exit 1; }
}
check "produce 100-byte records" 0
check "produce 10 KiB records" 0
check "10 KiB produce: broker CPU-seconds per GB (brookd" -1
check "10 KiB produce: broker CPU-seconds per GB beyond" -1000000 # brookd less the write alone: at these sizes, noise of either sign
check "10 KiB produce: client CPU-seconds" -1
check "the disk alone" 0
check "writing the same bytes alone" 0 1
check "consume 100-byte records from the start, 2 partitions" 0
check "consume 10 KiB records from the start, 2 partitions" 0
# the round-by-round ratios end in their median
echo "$out" | grep -Eq "produce 100-byte [0-9.]+, median [0-9.]+; 10 KiB [0-9.]+, median [0-9.]+$" ||
    { echo "missing round-by-round ratios" >&2; exit 1; }
