#!/usr/bin/env bash
# ListOffsets by time over old data: a client asks, for every partition of
# a topic at once, the first offset at or after a time (what resetting a
# group's offsets to a date does), LOOKUPS times at times spread over the
# data, just after brookd started (no sealed segment's index in memory),
# with the segment files in the page cache (the reference) and out of it
# (fdatasync, then POSIX_FADV_DONTNEED: a broker restarted after a reboot,
# or old data the page cache let go), while bench/loop_probe.py times a
# trivial request every millisecond on another connection: how long the
# lookups keep every other client waiting. Where delay accounting can be
# switched on (root: kernel.task_delayacct), also how long brookd's
# event-loop thread itself waited for block I/O during the lookups. Median
# of ROUNDS per column; prints a Markdown table with cold / cached ratios.
#
# The producer sends batches of at most 16 KiB (PRODUCE_OPTIONS; librdkafka's
# own default of 1 MB made one batch per segment here, and a lookup then
# reads a whole MB to find its record).
#
#   bench/time_lookup_run.sh [BUILD_DIR]
#   env: ROUNDS (3), PARTITIONS (100), MB (200, of 1 KiB records over the
#        partitions), SEGMENT_KB (256), LOOKUPS (20),
#        PRODUCE_OPTIONS (-X batch.size=16384)
set -euo pipefail
build=${1:-build}
load=$build/bin/kafka_load
brookd=$build/bin/brookd
rounds=${ROUNDS:-3}
partitions=${PARTITIONS:-100}
mb=${MB:-200}
lookups=${LOOKUPS:-20}
probe=$(dirname "$0")/loop_probe.py
[ -x "$load" ] || { echo "build first (needs librdkafka-dev): $load is missing" >&2; exit 1; }
. "$(dirname "$0")/lib.sh"
make_workdir tlbench
cat >"$work/brook.conf" <<EOF2
broker = { data_dir = "$work/data"; };
listeners = ( { name = "kafka"; codec = "kafka"; address = "127.0.0.1:0"; } );
storage = { plugin = "segment"; flush = "interval"; flush_ms = 100; segment_bytes = $((${SEGMENT_KB:-256} * 1024)); };
metrics = { address = "127.0.0.1:0"; };
EOF2
account_delays
start_brookd() {
    "$brookd" -c "$work/brook.conf" 2>"$work/brookd.log" &
    pid=$!
    await_listening "$work/brookd.log"
}
stop_brookd() {
    kill "$pid"
    wait "$pid" || true
    pid=
}

# ListOffsets v1 for partitions 0..N-1 of "old", each at time T, on socket
# s: [(error, timestamp, offset)] (the python below, shared by both uses)
lookup_py='
import socket, struct, sys, time
def lookup(s, parts, when, corr=0):
    body = struct.pack(">hhih", 2, 1, corr, 5) + b"bench" + struct.pack(">ii", -1, 1)
    body += struct.pack(">h", 3) + b"old" + struct.pack(">i", parts)
    body += b"".join(struct.pack(">iq", p, when) for p in range(parts))
    s.sendall(struct.pack(">i", len(body)) + body)
    (size,) = struct.unpack(">i", s.recv(4, socket.MSG_WAITALL))
    resp = s.recv(size, socket.MSG_WAITALL)
    pos = 4 + 4 + 2 + 3 + 4  # correlation, topics, name, partitions
    out = []
    for _ in range(parts):
        _, err, ts, offset = struct.unpack_from(">ihqq", resp, pos)
        pos += 22
        out.append((err, ts, offset))
    return out
def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=120)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s
'

start_brookd
# shellcheck disable=SC2086 # options are words
"$load" -b "127.0.0.1:$port" -t old -p "$partitions" -n $((mb * 1024)) -s 1024 -m produce \
    ${PRODUCE_OPTIONS:--X batch.size=16384} >/dev/null 2>&1
# the data's times: partition 0's first record, and (by bisection) its last
read -r first_ms last_ms < <(/usr/bin/python3 -c "$lookup_py"'
s = connect(int(sys.argv[1]))
first = lookup(s, 1, 0)[0][1]
lo, hi = first, first + 3600 * 1000
while hi - lo > 1:
    mid = (lo + hi) // 2
    lo, hi = (mid, hi) if lookup(s, 1, mid)[0][2] >= 0 else (lo, mid)
print(first, lo)' "$port")
stop_brookd

# LOOKUPS ListOffsets v1 requests, each for every partition of "old" at one
# time within the data; prints "ms-in-all partitions-found"
ask() {
    /usr/bin/python3 -c "$lookup_py"'
port, parts, n, first, last = (int(a) for a in sys.argv[1:])
s = connect(port)
found, t0 = 0, time.monotonic()
for i in range(n):
    when = first + (last - first) * (2 * i + 1) // (2 * n)
    found += sum(err == 0 and offset >= 0 for err, _, offset in lookup(s, parts, when, i))
print("%.1f %d" % ((time.monotonic() - t0) * 1000, found))' "$port" "$partitions" "$lookups" "$first_ms" "$last_ms"
}
# restart, then look up while probing: sets took (ms), found, probed (count p50 p99 p999 max), loads, io_ms
lookup_probed() {
    local l0 p io0 out
    start_brookd
    l0=$(metric storage_segment_index_loads_total)
    io0=$(loop_io_ms)
    /usr/bin/python3 "$probe" "$port" 600 >"$work/probe" &
    p=$!
    sleep 0.2
    out=$(ask)
    kill -TERM "$p"
    wait "$p"
    took=${out% *} found=${out#* }
    probed=$(cat "$work/probe")
    loads=$(($(metric storage_segment_index_loads_total) - l0))
    io_ms=-
    [ "$io0" = - ] || io_ms=$(awk -v a="$io0" -v b="$(loop_io_ms)" 'BEGIN {print b - a}')
    stop_brookd
}
col() { echo "$1" | cut -d' ' -f"$2"; }

declare -a wt=() ct=() wp=() cp=() w99=() c99=() w999=() c999=() wmax=() cmax=() wio=() cio=() wl=() cl=() wf=() cf=()
for ((i = 0; i < rounds; i++)); do
    order="cached cold"
    ((i % 2)) && order="cold cached"
    for how in $order; do
        if [ "$how" = cold ]; then
            uncache "$work/data" "old-*/*"
            lookup_probed
            ct+=("$took"); cf+=("$found"); cp+=("$(col "$probed" 2)"); c99+=("$(col "$probed" 3)")
            c999+=("$(col "$probed" 4)"); cmax+=("$(col "$probed" 5)"); cio+=("$io_ms"); cl+=("$loads")
        else
            cat "$work"/data/old-*/* >/dev/null # in the page cache
            lookup_probed
            wt+=("$took"); wf+=("$found"); wp+=("$(col "$probed" 2)"); w99+=("$(col "$probed" 3)")
            w999+=("$(col "$probed" 4)"); wmax+=("$(col "$probed" 5)"); wio+=("$io_ms"); wl+=("$loads")
        fi
    done
done
med() { printf '%s\n' "$@" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b + 0 > 0) printf "%.2f", a / b; else printf "-"}'; }
echo "| segment files | $lookups lookups of $partitions partitions, ms | partitions found | probe ms p50 | p99 | p999 | max | brookd's loop thread waiting for the disk, ms | indexes read back |"
echo "|---|---|---|---|---|---|---|---|---|"
echo "| in the page cache | $(med "${wt[@]}") | $(med "${wf[@]}") | $(med "${wp[@]}") | $(med "${w99[@]}") | $(med "${w999[@]}") | $(med "${wmax[@]}") | $(med "${wio[@]}") | $(med "${wl[@]}") |"
echo "| out of the page cache | $(med "${ct[@]}") | $(med "${cf[@]}") | $(med "${cp[@]}") | $(med "${c99[@]}") | $(med "${c999[@]}") | $(med "${cmax[@]}") | $(med "${cio[@]}") | $(med "${cl[@]}") |"
echo "| cold / cached | $(ratio "$(med "${ct[@]}")" "$(med "${wt[@]}")") | - | $(ratio "$(med "${cp[@]}")" "$(med "${wp[@]}")") | $(ratio "$(med "${c99[@]}")" "$(med "${w99[@]}")") | $(ratio "$(med "${c999[@]}")" "$(med "${w999[@]}")") | $(ratio "$(med "${cmax[@]}")" "$(med "${wmax[@]}")") | - | - |"
echo
echo "(median of $rounds rounds, $mb MiB of 1 KiB records over $partitions partitions in segments of ${SEGMENT_KB:-256} KiB, produced with ${PRODUCE_OPTIONS:--X batch.size=16384}, $(date +%F))"
echo "every round, lookups ms cached ${wt[*]} / cold ${ct[*]}; max probe ms cached ${wmax[*]} / cold ${cmax[*]}; loop waiting ms cached ${wio[*]} / cold ${cio[*]}"
