#!/usr/bin/env bash
# What storing the log costs a produce run: the same keyed 100-byte records
# produced into Brook on segment storage (interval flush, as
# bench/partitions_run.sh), into Brook on memory storage (the broker's
# request path with no disk behind it) and into librdkafka's mock, in turn
# (the order rotating by round), at each partition count. Per run: records/s,
# the client's CPU seconds, the broker's (brookd's from /proc, the mock's
# thread), and the machine's: system and softirq CPU seconds over both
# cores (work done in the kernel by whatever thread was running, which is
# where disk completions land), iowait, and the write requests and bytes
# the data directory's block device took. Median of ROUNDS; prints a
# Markdown table.
#
#   bench/storage_share_run.sh [BUILD_DIR]
#   env: ROUNDS (5), COUNTS ("1 10000"), N (1000000)
set -euo pipefail
build=${1:-build}
load=$build/bin/kafka_load
brookd=$build/bin/brookd
rounds=${ROUNDS:-5}
counts=${COUNTS-1 10000}
n=${N:-1000000}
[ -x "$load" ] || { echo "build first (needs librdkafka-dev): $load is missing" >&2; exit 1; }
. "$(dirname "$0")/lib.sh"
make_workdir sbench
max_p=1
for p in $counts; do ((p > max_p)) && max_p=$p; done
conf() { # STORAGE-SETTINGS
    cat <<EOF2
broker = { data_dir = "$work/data"; };
listeners = ( { name = "kafka"; codec = "kafka"; address = "127.0.0.1:0"; } );
storage = { $1 };
topics = { max_partitions = $max_p; };
metrics = { address = "127.0.0.1:0"; };
EOF2
}
conf 'plugin = "segment"; flush = "interval"; flush_ms = 100;' >"$work/segment.conf"
conf 'plugin = "memory";' >"$work/memory.conf"

# the block device holding the data directory ("" when it has none: tmpfs)
mkdir -p "$work/data"
dev=$(basename "$(df --output=source "$work/data" | tail -1)")
[ -r "/sys/class/block/$dev/stat" ] || dev=
ticks=$(getconf CLK_TCK)

# machine figures now: "system+softirq-ticks iowait-ticks write-requests write-sectors"
machine_now() {
    local disk="0 0"
    [ -n "$dev" ] && disk=$(awk '{print $5, $7}' "/sys/class/block/$dev/stat")
    echo "$(awk '$1 == "cpu" {print $4 + $8, $6}' /proc/stat) $disk"
}
# machine figures between two machine_now lines: "kernel-s iowait-s writes MB" ("-" without a device)
machine_delta() {
    awk -v t="$ticks" -v dev="$dev" '{ for (i = 1; i <= 4; i++) if (NR == 1) a[i] = $i; else d[i] = $i - a[i] }
        END { printf "%.2f %.2f %s %s\n", d[1] / t, d[2] / t, dev == "" ? "-" : d[3], dev == "" ? "-" : sprintf("%.0f", d[4] * 512 / 1e6) }' \
        <(echo "$1") <(echo "$2")
}

# one_brook STORE P: a fresh brookd on STORE's configuration, a P-partition
# topic, N records; prints "records/s client-s broker-s kernel-s iowait-s writes MB"
one_brook() {
    rm -rf "$work/data"
    : >"$work/brookd.log"
    "$brookd" -c "$work/$1.conf" 2>"$work/brookd.log" &
    pid=$!
    await_listening "$work/brookd.log"
    "$load" -b "127.0.0.1:$port" -t t -p "$2" -m create >/dev/null
    sync
    sleep 1
    local c0 c1 m0 m1 out
    c0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    m0=$(machine_now)
    out=$("$load" -b "127.0.0.1:$port" -t t -p "$2" -n "$n" -s 100 -k -m produce)
    m1=$(machine_now)
    c1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    kill "$pid"
    wait "$pid" || true
    pid=
    read -r rate _ client _ <<<"$out"
    echo "$rate $client $(awk -v a="$c0" -v b="$c1" -v t="$ticks" 'BEGIN {printf "%.2f", (b - a) / t}') $(machine_delta "$m0" "$m1")"
}

one_mock() { # P
    sync
    sleep 1
    local m0 m1 out
    m0=$(machine_now)
    out=$("$load" --mock -t t -p "$1" -n "$n" -s 100 -k -m produce)
    m1=$(machine_now)
    read -r rate _ client mock <<<"$out"
    echo "$rate $client $mock $(machine_delta "$m0" "$m1")"
}

# column K (1-based) of the lines in a file, median
col() { awk -v k="$2" '{print $k}' "$1" | median; }

rows=
for p in $counts; do
    for s in segment memory mock; do : >"$work/$s.$p"; done
    for r in $(seq "$rounds"); do
        order=(segment memory mock)
        for i in 0 1 2; do
            s=${order[$(((i + r) % 3))]}
            if [ "$s" = mock ]; then one_mock "$p" >>"$work/mock.$p"; else one_brook "$s" "$p" >>"$work/$s.$p"; fi
        done
    done
    mock_rate=$(col "$work/mock.$p" 1)
    for s in segment memory mock; do
        f=$work/$s.$p
        rate=$(col "$f" 1)
        rows+="| $p | $s | $rate | $(awk -v a="$rate" -v b="$mock_rate" 'BEGIN {printf "%.2f", a / b}') | $(col "$f" 2) | $(col "$f" 3) | $(col "$f" 4) | $(col "$f" 5) | $(col "$f" 6) | $(col "$f" 7) |
"
    done
done

cat <<EOF3
| partitions | broker | produce records/s | / mock | client CPU-s | broker CPU-s | machine system+softirq CPU-s | iowait s | disk write requests | disk MB written |
|---|---|---|---|---|---|---|---|---|---|
$(printf '%s' "$rows")

(segment: Brook on storage-segment, flush interval 100 ms; memory: Brook on
storage-memory; mock: librdkafka's in-process mock. $n keyed 100-byte
records per run, acks=1; median of $rounds rounds, the order rotating by
round; $(date -u +%Y-%m-%d), $(nproc) cores; reproduce with:
bench/storage_share_run.sh $build)
EOF3
