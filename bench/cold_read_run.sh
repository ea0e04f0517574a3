#!/usr/bin/env bash
# Reading old data: one librdkafka consumer reads MB MiB of 10 KiB records
# from the start of a partition, with the partition's segment files in the
# page cache (the reference) and taken out of it (fdatasync, then
# POSIX_FADV_DONTNEED: a consumer catching up on old segments), while a
# second client (bench/loop_probe.py) times a trivial request every
# millisecond: how long the broker keeps everyone else waiting while it
# reads from disk. Also the probe alone (idle broker), and, where delay
# accounting can be switched on (root: kernel.task_delayacct), how long
# brookd's event-loop thread itself waited for block I/O during the
# consume. Median of ROUNDS per column; prints a Markdown table with the
# cold / cached ratios.
#
# With SEGMENT_MB the partition rolls segments of that size and its
# sealed segments' indexes are taken out of memory too (index_cache_bytes
# 0: each goes 1 s after its last read) and, for the cold runs, out of the
# page cache: a consumer catching up after a restart; the table then also
# counts the indexes read back per consume.
#
# PRODUCE_OPTIONS adds kafka_load options to the produce (`-X
# batch.size=10240`: a record per batch, an index entry per 10 KiB).
#
#   bench/cold_read_run.sh [BUILD_DIR]
#   env: ROUNDS (3), MB (1000), SEGMENT_MB (unset: one segment), PRODUCE_OPTIONS
set -euo pipefail
build=${1:-build}
load=$build/bin/kafka_load
brookd=$build/bin/brookd
rounds=${ROUNDS:-3}
mb=${MB:-1000}
probe=$(dirname "$0")/loop_probe.py
[ -x "$load" ] || { echo "build first (needs librdkafka-dev): $load is missing" >&2; exit 1; }
. "$(dirname "$0")/lib.sh"
make_workdir cbench
segments=
[ -n "${SEGMENT_MB:-}" ] && segments="segment_bytes = $((SEGMENT_MB << 20)); index_cache_bytes = 0;"
cat >"$work/brook.conf" <<EOF2
broker = { data_dir = "$work/data"; };
listeners = ( { name = "kafka"; codec = "kafka"; address = "127.0.0.1:0"; } );
storage = { plugin = "segment"; flush = "interval"; flush_ms = 100; $segments };
metrics = { address = "127.0.0.1:0"; };
EOF2
account_delays
"$brookd" -c "$work/brook.conf" 2>"$work/brookd.log" &
pid=$!
await_listening "$work/brookd.log"
b="-b 127.0.0.1:$port"
n=$((mb * 1024 / 10))
# shellcheck disable=SC2086 # options are words
"$load" $b -t old -p 1 -n "$n" -s 10240 -m produce ${PRODUCE_OPTIONS:-} >/dev/null 2>&1

# consume everything while probing: sets rate (MB/s), probed (count p50 p99 p999 max), fills, loads, io_ms
consume_probed() {
    local f0 l0 p io0
    [ -z "$segments" ] || sleep 1.1 # past index_cache_hold_ms: the last consume's indexes go at the next read
    f0=$(metric cold_file_reads_total)
    l0=$(metric storage_segment_index_loads_total)
    io0=$(loop_io_ms)
    /usr/bin/python3 "$probe" "$port" 600 >"$work/probe" &
    p=$!
    sleep 0.2
    rate=$("$load" $b -t old -p 1 -n "$n" -m consume 2>/dev/null | cut -d' ' -f2)
    kill -TERM "$p"
    wait "$p"
    probed=$(cat "$work/probe")
    fills=$(($(metric cold_file_reads_total) - f0))
    loads=$(($(metric storage_segment_index_loads_total) - l0))
    io_ms=-
    [ "$io0" = - ] || io_ms=$(awk -v a="$io0" -v b="$(loop_io_ms)" 'BEGIN {print b - a}')
}
col() { echo "$1" | cut -d' ' -f"$2"; }

declare -a idle=() wr=() cr=() wp=() cp=() wmax=() cmax=() w99=() c99=() w999=() c999=() cf=() wio=() cio=() wl=() cl=()
for ((i = 0; i < rounds; i++)); do
    /usr/bin/python3 "$probe" "$port" 2 >"$work/probe"
    idle+=("$(cat "$work/probe")")
    order="cached cold"
    ((i % 2)) && order="cold cached"
    for how in $order; do
        if [ "$how" = cold ]; then
            uncache "$work/data" "old-*/*.*index" "old-*/*.log"
            sleep 0.5
            consume_probed
            cr+=("$rate"); c99+=("$(col "$probed" 3)"); c999+=("$(col "$probed" 4)"); cmax+=("$(col "$probed" 5)")
            cp+=("$(col "$probed" 2)"); cf+=("$fills"); cio+=("$io_ms"); cl+=("$loads")
        else
            cat "$work"/data/old-*/*.log >/dev/null # in the page cache
            sleep 0.5
            consume_probed
            wr+=("$rate"); w99+=("$(col "$probed" 3)"); w999+=("$(col "$probed" 4)"); wmax+=("$(col "$probed" 5)")
            wp+=("$(col "$probed" 2)"); wio+=("$io_ms"); wl+=("$loads")
        fi
    done
done
med() { printf '%s\n' "$@" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b + 0 > 0) printf "%.2f", a / b; else printf "-"}'; }
ip50=() ip99=() imax=()
for r in "${idle[@]}"; do ip50+=("$(col "$r" 2)"); ip99+=("$(col "$r" 3)"); imax+=("$(col "$r" 5)"); done
echo "| data | consume MB/s | probe ms p50 | p99 | p999 | max | brookd's loop thread waiting for the disk, ms | chunks read in off the loop | indexes read back |"
echo "|---|---|---|---|---|---|---|---|---|"
echo "| (no consumer) | - | $(med "${ip50[@]}") | $(med "${ip99[@]}") | - | $(med "${imax[@]}") | - | - | - |"
echo "| in the page cache | $(med "${wr[@]}") | $(med "${wp[@]}") | $(med "${w99[@]}") | $(med "${w999[@]}") | $(med "${wmax[@]}") | $(med "${wio[@]}") | - | $(med "${wl[@]}") |"
echo "| out of the page cache | $(med "${cr[@]}") | $(med "${cp[@]}") | $(med "${c99[@]}") | $(med "${c999[@]}") | $(med "${cmax[@]}") | $(med "${cio[@]}") | $(med "${cf[@]}") | $(med "${cl[@]}") |"
echo "| cold / cached | $(ratio "$(med "${cr[@]}")" "$(med "${wr[@]}")") | $(ratio "$(med "${cp[@]}")" "$(med "${wp[@]}")") | $(ratio "$(med "${c99[@]}")" "$(med "${w99[@]}")") | $(ratio "$(med "${c999[@]}")" "$(med "${w999[@]}")") | $(ratio "$(med "${cmax[@]}")" "$(med "${wmax[@]}")") | - | - | - |"
echo
echo "(median of $rounds rounds, $mb MiB of 10 KiB records${SEGMENT_MB:+ in segments of $SEGMENT_MB MiB}, $(date +%F))"
echo "every round, max probe ms: cached ${wmax[*]} / cold ${cmax[*]}; MB/s cached ${wr[*]} / cold ${cr[*]}; loop waiting ms cached ${wio[*]} / cold ${cio[*]}"
