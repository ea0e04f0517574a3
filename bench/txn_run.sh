#!/usr/bin/env bash
# What committing in transactions costs a producer on brookd (segment
# storage, interval flush), against the same producer without
# transactions on the same broker in the same run, alternating, median of
# ROUNDS. bench/kafka_load produces N 100-byte records over P partitions
# with acks=all and idempotence, plainly and in transactions of TXN_SIZES
# records (each: AddPartitionsToTxn, the records, EndTxn, a marker to every
# partition, the transaction written complete). Prints a Markdown table:
# records/s, transactions/s, and the share of the plain rate kept.
# (librdkafka's mock cluster is no reference here: its EndTxn takes a fixed
# ~44 ms, 22 transactions/s whatever their size, measured.)
#
#   bench/txn_run.sh [BUILD_DIR]
#   env: ROUNDS (3), N (500000), P (4), TXN_SIZES ("100 1000 10000"), FLUSH_MS (100)
set -euo pipefail
build=${1:-build}
load=$build/bin/kafka_load
brookd=$build/bin/brookd
rounds=${ROUNDS:-3}
n=${N:-500000}
p=${P:-4}
txn_sizes=${TXN_SIZES:-100 1000 10000}
flush_ms=${FLUSH_MS:-100}
[ -x "$load" ] || { echo "build first (needs librdkafka-dev): $load is missing" >&2; exit 1; }
. "$(dirname "$0")/lib.sh"
make_workdir txbench
cat >"$work/brook.conf" <<EOF2
broker = { data_dir = "$work/data"; };
listeners = ( { name = "kafka"; codec = "kafka"; address = "127.0.0.1:0"; } );
storage = { plugin = "segment"; flush = "interval"; flush_ms = $flush_ms; };
metrics = { address = "127.0.0.1:0"; };
EOF2
"$brookd" -c "$work/brook.conf" 2>"$work/brookd.log" &
pid=$!
await_listening "$work/brookd.log"
# records/s of one produce run (after a sync, so the last run's writes are out of the way)
rate() {
    local topic=$1
    shift
    sync
    "$load" -b "127.0.0.1:$port" -t "$topic" -m produce -n "$n" -s 100 -p "$p" -a -1 -X enable.idempotence=true \
        "$@" 2>/dev/null | cut -d' ' -f1
}
declare -A got
kinds="plain $txn_sizes"
for ((i = 0; i < rounds; i++)); do
    order=$kinds
    ((i % 2)) && order=$(tr ' ' '\n' <<<"$kinds" | tac | tr '\n' ' ')
    for k in $order; do
        if [ "$k" = plain ]; then
            got[$k]+="$(rate "plain$i") "
        else
            got[$k]+="$(rate "tx$k-$i" -T "$k") "
        fi
    done
done
med() { tr ' ' '\n' <<<"$1" | grep . | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b + 0 > 0) printf "%.2f", a / b; else printf "-"}'; }
plain=$(med "${got[plain]}")
echo "| records per transaction | records/s | transactions/s | share of the plain rate |"
echo "|---|---|---|---|"
echo "| none (plain, idempotent) | $plain | - | 1.00 |"
for k in $txn_sizes; do
    r=$(med "${got[$k]}")
    echo "| $k | $r | $(awk -v r="$r" -v k="$k" 'BEGIN {printf "%.0f", r / k}') | $(ratio "$r" "$plain") |"
done
echo
echo "transactions committed by brookd: $(metric transactions_committed_total)"
