#!/usr/bin/env bash
# Many partitions: 100-byte keyed records produced into and consumed from
# one topic of 1, 100, 1,000 and 10,000 partitions, Brook (a fresh brookd on
# segment storage, interval flush, as bench/kafka_run.sh) against
# librdkafka's mock with the same client, alternating which goes first;
# brookd's CPU and RSS at each count, its RSS idle after a restart, and
# its start-up time with the 10,000-partition topic and with
# BIG_PARTITIONS (100,000) partitions holding a record each (also with the
# page cache dropped first, as after a reboot, when this user may); and the
# start-up with ACTIVE_MB MiB of 10 KiB records in the active segments of
# 4 partitions, after a clean stop and after kill -9, with the page cache
# warm and (when this user may drop it) cold. Median of ROUNDS; prints
# Markdown tables.
#
# The mock keeps about 5 MB per partition, so its consume runs hold at
# most 30,000 records per partition (fewer records at 1 partition than at
# the others: the counts are in the table).
#
#   bench/partitions_run.sh [BUILD_DIR]
#   env: ROUNDS (3), COUNTS ("1 100 1000 10000"), N (1000000), BIG_PARTITIONS (100000), ACTIVE_MB (2048),
#        STORAGE_OPTIONS (more storage options, e.g. "syncfs_min_files = 0;"),
#        CONSUME_OPTIONS (more kafka_load options for the consume runs, e.g. "--from-beginning")
set -euo pipefail
build=${1:-build}
load=$build/bin/kafka_load
brookd=$build/bin/brookd
rounds=${ROUNDS:-3}
counts=${COUNTS-1 100 1000 10000}
n=${N:-1000000}
big=${BIG_PARTITIONS:-100000}
active_mb=${ACTIVE_MB:-2048}
[ -x "$load" ] || { echo "build first (needs librdkafka-dev): $load is missing" >&2; exit 1; }
. "$(dirname "$0")/lib.sh"
make_workdir pbench
max_p=$big
for p in $counts; do ((p > max_p)) && max_p=$p; done
cat >"$work/brook.conf" <<EOF2
broker = { data_dir = "$work/data"; };
listeners = ( { name = "kafka"; codec = "kafka"; address = "127.0.0.1:0"; } );
storage = { plugin = "segment"; flush = "interval"; flush_ms = 100; ${STORAGE_OPTIONS:-} };
topics = { max_partitions = $max_p; };
EOF2

# start brookd on the data directory; sets pid, b and startup (seconds until it listens)
start() {
    : >"$work/brookd.log"
    local t0 port=
    t0=$(date +%s.%N)
    "$brookd" -c "$work/brook.conf" 2>"$work/brookd.log" &
    pid=$!
    for _ in $(seq 12000); do # up to 10 minutes: start-up is what is measured
        port=$(sed -n 's/.*listener kafka (codec kafka) listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/brookd.log")
        [ -n "$port" ] || ! kill -0 "$pid" 2>/dev/null && break
        sleep 0.05
    done
    [ -n "$port" ] || { echo "brookd did not start:" >&2; cat "$work/brookd.log" >&2; exit 1; }
    b="-b 127.0.0.1:$port"
    startup=$(seconds_since "$t0")
}
# stop brookd; sets stopped (seconds from SIGTERM to exit)
stop() {
    local t0
    t0=$(date +%s.%N)
    kill "$pid"
    wait "$pid" || true
    pid=
    stopped=$(seconds_since "$t0")
}
rss_mib() { awk '/^VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$pid/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
cpu_since() { awk -v a="$1" -v b="$(cpu_ticks)" -v t="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", (b - a) / t}'; }
run() { "$load" "$@" 2>/dev/null; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b + 0 > 0) printf "%.2f", a / b; else printf "-"}'; }
med() { printf '%s\n' "$@" | median; }
per_million() { awk -v c="$1" -v n="$n" 'BEGIN {printf "%.2f", c / n * 1e6}'; }
seconds_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}'; }

# A fresh data directory for the next brookd, the old one moved aside and
# deleted only at exit: ext4 does not reuse an inode for a minute after it
# was freed, and creating 10,000 partitions right after deleting the last
# run's spent seconds skipping them (perf: recently_deleted, __brelse).
retired=0
retire_data() {
    [ -d "$work/data" ] || return 0
    retired=$((retired + 1))
    mv "$work/data" "$work/retired.$retired"
}

rows=
for p in $counts; do
    cn=$((p * 30000 < n ? p * 30000 : n)) # what the mock can hold
    declare -a bp=() mp=() bcp=() mcp=() bc=() mc=() rss=() idle=() su=() sd=() cr=()
    for ((i = 0; i < rounds; i++)); do
        retire_data
        start
        order="brook mock"
        ((i % 2)) && order="mock brook"
        for who in $order; do
            if [ "$who" = brook ]; then
                t0=$(date +%s.%N)
                run $b -t t$i -p "$p" -m create # creating the topic is not producing: timed apart
                cr+=("$(seconds_since "$t0")")
                t0=$(cpu_ticks)
                read -r rate _ <<<"$(run $b -t t$i -p "$p" -n "$n" -s 100 -k -m produce)"
                bp+=("$rate"); bcp+=("$(cpu_since "$t0")")
                bc+=("$(run $b -t t$i -p "$p" -n "$cn" -m consume ${CONSUME_OPTIONS:-} | cut -d' ' -f1)")
                rss+=("$(rss_mib)")
            else
                read -r rate _ _ mcpu <<<"$(run --mock -t t$i -p "$p" -n "$n" -s 100 -k -m produce)"
                mp+=("$rate"); mcp+=("$mcpu")
                mc+=("$(run --mock -t t$i -p "$p" -n "$cn" -s 100 -k -m consume ${CONSUME_OPTIONS:-} | cut -d' ' -f1)")
            fi
        done
        stop
        sd+=("$stopped")
        start
        su+=("$startup")
        sleep 1
        idle+=("$(rss_mib)")
        stop
    done
    bp_m=$(med "${bp[@]}"); mp_m=$(med "${mp[@]}"); bc_m=$(med "${bc[@]}"); mc_m=$(med "${mc[@]}")
    rows+="| $p | $bp_m | $mp_m | $(ratio "$bp_m" "$mp_m") | $(per_million "$(med "${bcp[@]}")") / $(per_million "$(med "${mcp[@]}")") | $cn: $bc_m | $mc_m | $(ratio "$bc_m" "$mc_m") | $(med "${rss[@]}") | $(med "${idle[@]}") | $(med "${su[@]}") | $(med "${sd[@]}") | $(med "${cr[@]}") |
"
done

# start-up with BIG_PARTITIONS partitions holding a record each
retire_data
start
t0=$(date +%s.%N)
run $b -t big -p "$big" -n "$big" -s 100 -m produce >/dev/null
created=$(seconds_since "$t0")
stop
can_drop=0
[ -w /proc/sys/vm/drop_caches ] && can_drop=1
drop_cache() { sync; echo 3 >/proc/sys/vm/drop_caches; }
declare -a bsu=() bidle=() bcold=()
for ((i = 0; i < rounds; i++)); do
    start
    bsu+=("$startup")
    sleep 1
    bidle+=("$(rss_mib)")
    stop
    if ((can_drop)); then # after a reboot: nothing cached
        drop_cache
        start
        bcold+=("$startup")
        stop
    fi
done
big_cold_row=
((can_drop)) && big_cold_row="
| $big partitions, a record each, page cache dropped | - | - | - | - | - | - | - | - | - | $(med "${bcold[@]}") | - | - |"

# start-up with ACTIVE_MB MiB in the active segments of 4 partitions (one
# segment each, below the 1 GiB roll): after a clean stop the saved indexes
# are read, after kill -9 every batch is validated
retire_data
start
run $b -t active -p 4 -n $((active_mb * 1024 / 10)) -s 10240 -m produce >/dev/null
stop
crash() { kill -9 "$pid"; wait "$pid" 2>/dev/null || true; pid=; }
declare -a cw=() kw=() cc=() kc=()
for ((i = 0; i < rounds; i++)); do
    start; cw+=("$startup"); crash
    start; kw+=("$startup"); stop
    if ((can_drop)); then
        drop_cache; start; cc+=("$startup"); crash
        drop_cache; start; kc+=("$startup"); stop
    fi
done
active_rows="| page cache warm | $(med "${cw[@]}") | $(med "${kw[@]}") |"
((can_drop)) && active_rows+="
| page cache dropped | $(med "${cc[@]}") | $(med "${kc[@]}") |"

cat <<EOF3
| partitions | produce records/s Brook | mock | ratio | broker CPU-s per million records (brookd / mock) | consume: records, records/s Brook | mock | ratio | brookd RSS MiB after | idle RSS MiB after a restart | start-up s | stop s | topic creation s |
|---|---|---|---|---|---|---|---|---|---|---|---|---|
$(printf '%s' "$rows")
| $big partitions, a record each | - | - | - | - | - | - | - | - | $(med "${bidle[@]}") | $(med "${bsu[@]}") | - | - |$big_cold_row

| start-up s, $active_mb MiB in the active segments of 4 partitions | after a clean stop | after kill -9 |
|---|---|---|
$active_rows

(creating the $big-partition topic and producing its records took $created s;
100-byte keyed records, $n produced per run; segment storage, flush interval 100 ms${STORAGE_OPTIONS:+, ${STORAGE_OPTIONS%;}}${CONSUME_OPTIONS:+, consumed with $CONSUME_OPTIONS}; median of $rounds rounds;
$(date -u +%Y-%m-%d), $(nproc) cores; reproduce with: bench/partitions_run.sh $build)
EOF3
