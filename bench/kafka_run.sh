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
# And the CPU that writing those bytes costs by itself (bench/log_writer_ref:
# 1,000,000-byte pwrites, the largest batch librdkafka sends by default, an
# fdatasync every flush interval, 64 MiB kept in the page cache, as brookd's
# storage here), which the mock, storing nothing, never pays.
# Consuming is compared with the mock over CONSUME_P partitions: the mock
# keeps only about 5 MB per partition (measured: 40,000 100-byte records
# fit, 60,000 do not), so one partition cannot hold a measurable run.
#
#   bench/kafka_run.sh [BUILD_DIR]
#   env: ROUNDS (5), SMALL_N (2000000), LARGE_N (100000), FLUSH_MS (100), SETTLE (1), LAT_N (1000),
#        CONSUME_P (100), CONSUME_SMALL_N (3000000), CONSUME_LARGE_N (40000)
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
consume_p=${CONSUME_P:-100}
consume_small_n=${CONSUME_SMALL_N:-3000000}
consume_large_n=${CONSUME_LARGE_N:-40000}
[ -x "$load" ] || { echo "build first (needs librdkafka-dev): $load is missing" >&2; exit 1; }
command -v fio >/dev/null || { echo "fio is needed: apt-get install fio" >&2; exit 1; }
. "$(dirname "$0")/lib.sh"
make_workdir kbench
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
declare -a bs ms bl ml bc blat mlat bcpu mcpu bccpu mccpu disk wcpu bcw bcl bclw bcs mcs bcm mcm
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
# The write alone, settled likewise: CPU-seconds per GB of log_writer_ref
# writing the 10 KiB run's bytes as brookd's storage is configured here.
write_cpu_per_gb() {
    sync
    sleep "$settle"
    local out
    out=$("$build/bin/log_writer_ref" "$work/log.dat" $((large_n * 10240)) 1000000 "$flush_ms" 67108864)
    rm -f "$work/log.dat"
    echo "${out#* }"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b + 0 > 0) printf "%.2f", a / b; else printf "-"}'; }
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
    wcpu+=("$(write_cpu_per_gb)")
    # consume: one partition (records/s, and wall / the busiest client
    # thread's CPU), then CONSUME_P partitions against the mock
    read -r rate _ wall _ busiest _ <<<"$(run $b -t s$t -m consume -n "$small_n")"
    bc+=("$rate"); bcw+=("$(ratio "$wall" "$busiest")")
    read -r _ mbs wall _ busiest _ <<<"$(run $b -t l$t -m consume -n "$large_n")"
    bcl+=("$mbs"); bclw+=("$(ratio "$wall" "$busiest")")
    for who in $order; do
        if [ "$who" = brook ]; then
            run $b -t cs$t -p "$consume_p" -n "$consume_small_n" -s 100 -m produce >/dev/null
            bcs+=("$(run $b -t cs$t -p "$consume_p" -m consume -n "$consume_small_n" | cut -d' ' -f1)")
            run $b -t cl$t -p "$consume_p" -n "$consume_large_n" -s 10240 -m produce >/dev/null
            bcm+=("$(run $b -t cl$t -p "$consume_p" -m consume -n "$consume_large_n" | cut -d' ' -f2)")
        else
            mcs+=("$(run --mock -t cs$t -p "$consume_p" -n "$consume_small_n" -s 100 -m consume | cut -d' ' -f1)")
            mcm+=("$(run --mock -t cl$t -p "$consume_p" -n "$consume_large_n" -s 10240 -m consume | cut -d' ' -f2)")
        fi
    done
    blat+=("$(run $b -t lat$t -m latency -n "$lat_n" -s 100)")
    mlat+=("$(run --mock -t lat$t -m latency -n "$lat_n" -s 100)")
done
B_S=$(printf '%s\n' "${bs[@]}" | median); M_S=$(printf '%s\n' "${ms[@]}" | median)
B_L=$(printf '%s\n' "${bl[@]}" | median); M_L=$(printf '%s\n' "${ml[@]}" | median)
B_C=$(printf '%s\n' "${bc[@]}" | median); B_CW=$(printf '%s\n' "${bcw[@]}" | median)
B_CL=$(printf '%s\n' "${bcl[@]}" | median); B_CLW=$(printf '%s\n' "${bclw[@]}" | median)
B_CS=$(printf '%s\n' "${bcs[@]}" | median); M_CS=$(printf '%s\n' "${mcs[@]}" | median)
B_CM=$(printf '%s\n' "${bcm[@]}" | median); M_CM=$(printf '%s\n' "${mcm[@]}" | median)
D_L=$(printf '%s\n' "${disk[@]}" | median)
gb=$(awk -v n="$large_n" 'BEGIN {print n * 10240 / 1e9}')
per_gb() { printf '%s\n' "$@" | median | awk -v g="$gb" '{printf "%.2f", $1 / g}'; }
# brookd's CPU per GB beyond what writing the bytes alone cost in the same
# round (the machine's cost of fresh memory swings from round to round)
beyond=()
for ((i = 0; i < rounds; i++)); do beyond+=("$(awk -v c="$(per_gb "${bcpu[i]}")" -v w="${wcpu[i]}" 'BEGIN {printf "%.2f", c - w}')"); done
B_BEYOND=$(printf '%s\n' "${beyond[@]}" | median); B_CPU=$(per_gb "${bcpu[@]}"); M_CPU=$(per_gb "${mcpu[@]}")
# round_ratios BROOK-ARRAY MOCK-ARRAY: each round's Brook / mock (the two ran
# back to back, on the machine of that moment), then "median M"
round_ratios() {
    local -n brook_side=$1 mock_side=$2
    local r=() i
    for ((i = 0; i < ${#brook_side[@]}; i++)); do r+=("$(ratio "${brook_side[i]}" "${mock_side[i]}")"); done
    echo "${r[*]}, median $(printf '%s\n' "${r[@]}" | median)"
}
cat <<EOF3
| benchmark | Brook | librdkafka mock | ratio | target |
|---|---|---|---|---|
| produce 100-byte records, acks=1, records/s | $B_S | $M_S | $(ratio "$B_S" "$M_S") | >= 1.0 |
| produce 10 KiB records, acks=1, MB/s | $B_L | $M_L | $(ratio "$B_L" "$M_L") | >= 0.8 |
| consume 100-byte records from the start, 1 partition, records/s (wall / busiest client thread's CPU: $B_CW) | $B_C | - | - | - |
| consume 10 KiB records from the start, 1 partition, MB/s (wall / busiest client thread's CPU: $B_CLW) | $B_CL | - | - | - |
| consume 100-byte records from the start, $consume_p partitions, records/s | $B_CS | $M_CS | $(ratio "$B_CS" "$M_CS") | >= 0.95 |
| consume 10 KiB records from the start, $consume_p partitions, MB/s | $B_CM | $M_CM | $(ratio "$B_CM" "$M_CM") | >= 0.95 |
| end-to-end latency, 100-byte records at ~1000/s, ms p50 p99 max | ${blat[-1]} | ${mlat[-1]} | - | - |
| 10 KiB produce: broker CPU-seconds per GB (brookd / mock thread) | $B_CPU | $M_CPU | $(ratio "$B_CPU" "$M_CPU") | <= 1.5 |
| 10 KiB produce: client CPU-seconds per GB | $(per_gb "${bccpu[@]}") | $(per_gb "${mccpu[@]}") | - | - |
| writing the same bytes alone (log_writer_ref): CPU-seconds per GB | $(printf '%s\n' "${wcpu[@]}" | median) | - | - | - |
| 10 KiB produce: broker CPU-seconds per GB beyond writing the bytes alone (brookd less log_writer_ref in the same round / mock thread) | $B_BEYOND | $M_CPU | $(ratio "$B_BEYOND" "$M_CPU") | <= 1.5 (proposed) |

| ceiling | MB/s | Brook's 10 KiB produce / ceiling |
|---|---|---|
| the disk alone: fio sequential write of the same bytes, O_DIRECT, 1 MiB blocks, iodepth 8 | $D_L | $(ratio "$B_L" "$D_L") |

(segment storage, flush interval ${flush_ms} ms, cache_keep_bytes 64 MiB; median of $rounds rounds, settled ${settle} s before each produce run; $(date -u +%Y-%m-%d), $(nproc) cores;
reproduce with: bench/kafka_run.sh $build)

Every round: 100-byte records/s Brook ${bs[*]} / mock ${ms[*]}; 10 KiB MB/s Brook ${bl[*]} / mock ${ml[*]} / disk ${disk[*]};
CPU-seconds per GB of 10 KiB records: brookd $(for c in "${bcpu[@]}"; do per_gb "$c"; echo -n " "; done)/ mock $(for c in "${mcpu[@]}"; do per_gb "$c"; echo -n " "; done)/ writing alone ${wcpu[*]} / brookd beyond writing alone ${beyond[*]};
consume over $consume_p partitions, 100-byte records/s Brook ${bcs[*]} / mock ${mcs[*]}, 10 KiB MB/s Brook ${bcm[*]} / mock ${mcm[*]};
Brook / mock round by round (the ratio column divides the medians): produce 100-byte $(round_ratios bs ms); 10 KiB $(round_ratios bl ml)
EOF3
