#!/bin/sh
# The latency-under-load benchmark still runs end to end: bench/latency_run.sh
# with tiny sizes must print a row per flush policy and load with every
# figure (a broken script leaves cells empty or "-").
set -eu
src=$1
build=$2
out=$(LOADS="25" RUN_S=1 MAX_N=20000 "$src/bench/latency_run.sh" "$build")
echo "$out"
. "$src/tests/bench_table.sh"
# achieved rate; end-to-end p50 p99 p999; ack p50 p99 p999; brookd's produce mean p50 p99; its fdatasync p50
# p99 p999, fdatasyncs and produce requests over 5 ms; bytes per fdatasync and per produce request
check "interval | 25%" 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20
# ... and the references: fio's size, p99, ratio; the group commit's p50 p99 p999, ratio
check "always | 25%" 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27
# with ACK_ONLY=1 (no consumer) the acknowledgement figures are still there
out=$(ACK_ONLY=1 FLUSHES=always LOADS="25" RUN_S=1 MAX_N=20000 "$src/bench/latency_run.sh" "$build")
echo "$out"
check "always | 25%" 4 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27
