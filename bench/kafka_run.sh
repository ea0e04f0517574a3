#!/usr/bin/env bash
# Kafka side by side: bench/kafka_load against a real brookd (segment
# storage, interval flush, 64 MiB of page cache kept per partition) and
# against librdkafka's in-process mock cluster,
# alternating, median of ROUNDS; prints a Markdown table of ratios and the
# CPU seconds each side's broker spent per GB of 10 KiB records.
# Before every measured produce run the machine settles (sync, then SETTLE
# seconds), so neither peer runs while the other's writes are still going
# to disk. Each round also measures the disk alone (fio, O_DIRECT, the same
# bytes as the 10 KiB run): a broker that writes what it receives cannot
# sustain more than that for long, whatever the mock manages in memory.
#
#   bench/kafka_run.sh [BUILD_DIR]
#   env: ROUNDS (5), SMALL_N (2000000), LARGE_N (100000), FLUSH_MS (100), SETTLE (1), LAT_N (1000)
set -euo pipefail
build=${1:-build}
load=$build/bin/kafka_load
brookd=$build/bin/brookd
rounds=${ROUNDS:-5}
small_n=${SMALL_N:-2000000}
large_n=${LARGE_N:-100000}
flush_ms=${FLUSH_MS:-100}
settle=${SETTLE:-1}
lat_n=${LAT_N:-1000}
[ -x "$load" ] || { echo "build first (needs librdkafka-dev): $load is missing" >&2; exit 1; }
command -v fio >/dev/null || { echo "fio is needed: apt-get install fio" >&2; exit 1; }
. "$(dirname "$0")/lib.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/brook-kbench.XXXXXX")
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
# Port 0: the kernel picks a free one, read back from brookd's log (a
# fixed or random port can collide with whatever else runs).
cat >"$work/brook.conf" <<EOF2
broker = { data_dir = "$work/data"; };
listeners = ( { name = "kafka"; codec = "kafka"; address = "127.0.0.1:0"; } );
storage = { plugin = "segment"; flush = "interval"; flush_ms = $flush_ms; cache_keep_bytes = 67108864; };
EOF2
"$brookd" -c "$work/brook.conf" 2>"$work/brookd.log" &
pid=$!
port=
for _ in $(seq 100); do
    port=$(sed -n 's/.*listener kafka (codec kafka) listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/brookd.log")
    [ -n "$port" ] || ! kill -0 "$pid" 2>/dev/null && break
    sleep 0.1
done
if [ -z "$port" ]; then
    echo "brookd did not start:" >&2
    cat "$work/brookd.log" >&2
    exit 1
fi
b="-b 127.0.0.1:$port"
declare -a bs ms bl ml bc blat mlat bcpu mcpu bccpu mccpu disk
run() { "$load" "$@" 2>/dev/null; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
# One measured produce run, after the machine settles. Prints
# "records/s MB/s client-CPU-s broker-CPU-s"; brookd's CPU from /proc.
produce() {
    sync
    sleep "$settle"
    local t0 out
    t0=$(cpu_ticks)
    out=$(run "$@" -m produce -a 1)
    set -- $out
    if [ "$4" = - ]; then
        echo "$1 $2 $3 $(awk -v a="$t0" -v b="$(cpu_ticks)" -v t="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", (b - a) / t}')"
    else
        echo "$out"
    fi
}
# The disk alone, settled like a produce run: MB/s of a sequential O_DIRECT
# write (no page cache) of as many MiB as the 10 KiB run sends, at least one.
large_mib=$(((large_n * 10240 + 1048575) / 1048576))
# (A file system without O_DIRECT, tmpfs say, gets a buffered write with a
# final fsync instead.)
disk_mbs() {
    sync
    sleep "$settle"
    local bw
    bw=$(fio_bw "$work/disk.dat" --name=disk --rw=write --bs=1m --size="${large_mib}m" --direct=1 \
        --ioengine=libaio --iodepth=8 --fallocate=none) ||
        bw=$(fio_bw "$work/disk.dat" --name=disk --rw=write --bs=1m --size="${large_mib}m" --end_fsync=1 \
            --fallocate=none)
    rm -f "$work/disk.dat"
    awk -v b="$bw" 'BEGIN {printf "%.1f", b / 1e6}'
}
for ((i = 0; i < rounds; i++)); do
    t=r$i
    order="brook mock"
    ((i % 2)) && order="mock brook"
    for who in $order; do
        if [ "$who" = brook ]; then
            bs+=("$(produce $b -t s$t -n "$small_n" -s 100 | cut -d' ' -f1)")
            read -r _ mbs ccpu scpu <<<"$(produce $b -t l$t -n "$large_n" -s 10240)"
            bl+=("$mbs"); bccpu+=("$ccpu"); bcpu+=("$scpu")
        else
            ms+=("$(produce --mock -t s$t -n "$small_n" -s 100 | cut -d' ' -f1)")
            read -r _ mbs ccpu scpu <<<"$(produce --mock -t l$t -n "$large_n" -s 10240)"
            ml+=("$mbs"); mccpu+=("$ccpu"); mcpu+=("$scpu")
        fi
    done
    disk+=("$(disk_mbs)")
    bc+=("$(run $b -t s$t -m consume -n "$small_n" | cut -d' ' -f1)")
    blat+=("$(run $b -t lat$t -m latency -n "$lat_n" -s 100)")
    mlat+=("$(run --mock -t lat$t -m latency -n "$lat_n" -s 100)")
done
B_S=$(printf '%s\n' "${bs[@]}" | median); M_S=$(printf '%s\n' "${ms[@]}" | median)
B_L=$(printf '%s\n' "${bl[@]}" | median); M_L=$(printf '%s\n' "${ml[@]}" | median)
B_C=$(printf '%s\n' "${bc[@]}" | median)
D_L=$(printf '%s\n' "${disk[@]}" | median)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
gb=$(awk -v n="$large_n" 'BEGIN {print n * 10240 / 1e9}')
per_gb() { printf '%s\n' "$@" | median | awk -v g="$gb" '{printf "%.2f", $1 / g}'; }
cat <<EOF3
| benchmark | Brook | librdkafka mock | ratio | target |
|---|---|---|---|---|
| produce 100-byte records, acks=1, records/s | $B_S | $M_S | $(ratio "$B_S" "$M_S") | >= 1.0 |
| produce 10 KiB records, acks=1, MB/s | $B_L | $M_L | $(ratio "$B_L" "$M_L") | >= 0.8 |
| consume 100-byte records from the start, records/s | $B_C | - | - | - |
| end-to-end latency, 100-byte records at ~1000/s, ms p50 p99 max | ${blat[-1]} | ${mlat[-1]} | - | - |
| 10 KiB produce: broker CPU-seconds per GB (brookd / mock thread) | $(per_gb "${bcpu[@]}") | $(per_gb "${mcpu[@]}") | - | - |
| 10 KiB produce: client CPU-seconds per GB | $(per_gb "${bccpu[@]}") | $(per_gb "${mccpu[@]}") | - | - |

| ceiling | MB/s | Brook's 10 KiB produce / ceiling |
|---|---|---|
| the disk alone: fio sequential write of the same bytes, O_DIRECT, 1 MiB blocks, iodepth 8 | $D_L | $(ratio "$B_L" "$D_L") |

(segment storage, flush interval ${flush_ms} ms, cache_keep_bytes 64 MiB; median of $rounds rounds, settled ${settle} s before each produce run; $(date -u +%Y-%m-%d), $(nproc) cores;
reproduce with: bench/kafka_run.sh $build)

Every round: 100-byte records/s Brook ${bs[*]} / mock ${ms[*]}; 10 KiB MB/s Brook ${bl[*]} / mock ${ml[*]} / disk ${disk[*]}
EOF3
