#!/usr/bin/env bash
# Latency under load: 100-byte records produced at 25%, 50% and 75% of the
# maximum rate measured in the same run, with flush "interval" (100 ms) and
# flush "always", each record stamped with the time it was due (a fixed
# schedule: a stall delays every record behind it too) and read back by a
# consumer; p50/p99/p999 of end-to-end (due -> consumed) and acknowledgement
# (due -> delivery report) milliseconds. brookd's own time per produce
# request and per fdatasync (its histograms over the same window) tell the
# broker's share of a latency from the clients'. Two references for
# "always", both the disk alone: fio writing and fdatasync'ing the bytes
# brookd wrote per fdatasync (fio's per-call sync p99, as issue 17 states
# the target), and group_commit_ref, which appends brookd's produce
# requests' bytes at brookd's rate from one thread and syncs them from
# another as a group commit does, timing each write from when it was due
# (the latency a perfect broker would give on this disk). One brookd per
# flush policy; prints a Markdown table.
#
#   bench/latency_run.sh [BUILD_DIR]
#   env: RUN_S (5, seconds of records per load), MAX_N (2000000, records of
#        the maximum-rate run), LOADS ("25 50 75"), FLUSHES ("interval
#        always"), PIN (1: brookd on CPU 1,
#        the clients on CPU 0, so neither waits for the other's CPU),
#        ACK_ONLY (1: no consumer, so its CPU is out of the acknowledgement
#        figures; the end-to-end columns are "-")
set -euo pipefail
build=${1:-build}
load=$build/bin/kafka_load
brookd=$build/bin/brookd
run_s=${RUN_S:-5}
max_n=${MAX_N:-2000000}
loads=${LOADS:-25 50 75}
flushes=${FLUSHES:-interval always}
ack_only=
[ "${ACK_ONLY:-0}" = 1 ] && ack_only=1
broker_cpu=() client_cpu=()
if [ "${PIN:-0}" = 1 ]; then broker_cpu=(taskset -c 1); client_cpu=(taskset -c 0); fi
ref=$build/bin/group_commit_ref
[ -x "$load" ] || { echo "build first (needs librdkafka-dev): $load is missing" >&2; exit 1; }
[ -x "$ref" ] || { echo "build first: $ref is missing" >&2; exit 1; }
command -v fio >/dev/null || { echo "needs fio" >&2; exit 1; }
. "$(dirname "$0")/lib.sh"
make_workdir lbench

# start brookd with flush policy $1; sets pid, b and mport (its metrics port)
start() {
    rm -rf "$work/data"
    local more=
    [ "$1" = interval ] && more="flush_ms = 100;"
    cat >"$work/brook.conf" <<EOF2
broker = { data_dir = "$work/data"; };
listeners = ( { name = "kafka"; codec = "kafka"; address = "127.0.0.1:0"; } );
storage = { plugin = "segment"; flush = "$1"; $more cache_keep_bytes = 67108864; };
metrics = { address = "127.0.0.1:0"; };
EOF2
    : >"$work/brookd.log"
    "${broker_cpu[@]}" "$brookd" -c "$work/brook.conf" 2>"$work/brookd.log" &
    pid=$!
    local port
    await_listening "$work/brookd.log"
    b="-b 127.0.0.1:$port"
}
stop() { kill "$pid"; wait "$pid" || true; pid=; }
# scrape FILE: brookd's metrics now, into FILE
scrape() { metrics_text "$mport" >"$1"; }
# window BEFORE AFTER: between two scrapes, "bytes-per-fdatasync produce-mean-ms produce-p50-ms produce-p99-ms
# bytes-per-produce-request bytes fdatasync-p50-ms fdatasync-p99-ms fdatasync-p999-ms fdatasyncs-over-5-ms
# produce-requests-over-5-ms": brookd's own time per produce request and per fdatasync (the bucket bound each
# quantile falls under)
window() {
    /usr/bin/python3 - "$1" "$2" <<'EOF2'
import re, sys
def parse(path):
    text = open(path).read()
    value = lambda name: float((re.search(r"^%s (\S+)$" % re.escape(name), text, re.M) or [0, 0])[1])
    buckets = lambda series: [(float(le), float(n)) for le, n in re.findall(
        r'^%s,?le="([^"]+)"\} (\S+)$' % re.escape(series), text, re.M)]
    return (value("brook_storage_segment_fsyncs_total"), value("brook_produced_bytes_total"),
            buckets('brook_request_duration_seconds_bucket{request="produce"'),
            value('brook_request_duration_seconds_sum{request="produce"}'),
            buckets('brook_storage_segment_fdatasync_seconds_bucket{'))
(f0, p0, b0, s0, d0), (f1, p1, b1, s1, d1) = parse(sys.argv[1]), parse(sys.argv[2])
def quantiles(before, after):
    counts = [(le, n1 - n0) for (le, n1), (_, n0) in zip(after, before)]
    total = counts[-1][1] if counts else 0
    q = lambda x: next(("%g" % (le * 1000) for le, n in counts if total and n >= x * total), "-")
    over_5ms = int(total - next((n for le, n in counts if le >= 0.005), total))
    return total, q(0.5), q(0.99), q(0.999), over_5ms
total, r50, r99, _, r_slow = quantiles(b0, b1)
_, d50, d99, d999, d_slow = quantiles(d0, d1)
print(int((p1 - p0) / max(f1 - f0, 1)), "%.2f" % ((s1 - s0) * 1000 / max(total, 1)), r50, r99,
      int((p1 - p0) / max(total, 1)), int(p1 - p0), d50, d99, d999, d_slow, r_slow)
EOF2
}
# fio_sync_p99 BYTES: p99 milliseconds of fdatasync after each BYTES-byte write (4 KiB multiple)
fio_sync_p99() {
    fio --output-format=json --name=sync --filename="$work/fio.dat" --rw=write --bs="$1" --size=256M --fallocate=none \
        --fdatasync=1 --runtime=5 --time_based=0 2>/dev/null |
        /usr/bin/python3 -c 'import json,sys; j=json.load(sys.stdin)["jobs"][0]["sync"]["lat_ns"]["percentile"]; print("%.2f" % (j["99.000000"] / 1e6))'
    rm -f "$work/fio.dat"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b + 0 > 0) printf "%.2f", a / b; else printf "-"}'; }

rows=
for flush in $flushes; do
    start "$flush"
    sync; sleep 1
    read -r max _ <<<"$("${client_cpu[@]}" "$load" $b -t max -n "$max_n" -s 100 -L 0 -m produce 2>/dev/null)"
    max=${max%.*}
    for pct in $loads; do
        rate=$((max * pct / 100))
        n=$((rate * run_s))
        ((n > 0)) || n=1
        sync; sleep 1
        scrape "$work/m0"
        read -r e50 e99 e999 _ a50 a99 a999 _ sent _ <<<"$("${client_cpu[@]}" "$load" $b -t l$pct -n "$n" -s 100 -m latency -R "$rate" ${ack_only:+--ack-only})"
        scrape "$work/m1"
        read -r per_sync bmean b50 b99 per_request bytes d50 d99 d999 d_slow r_slow <<<"$(window "$work/m0" "$work/m1")"
        fio_cells="- | - | -" ref_cells="- | - | - | -"
        if [ "$flush" = always ]; then
            bs=$(((per_sync + 4095) / 4096 * 4096))
            fp99=$(fio_sync_p99 "$bs")
            fio_cells="$bs | $fp99 | $(ratio "$a99" "$fp99")"
            sync; sleep 1
            read -r r50 r99 r999 _ <<<"$("$ref" "$work/ref.dat" "$per_request" "$((bytes / run_s))" "$run_s")"
            ref_cells="$r50 | $r99 | $r999 | $(ratio "$a99" "$r99")"
        fi
        rows+="| $flush | $pct% of $max | ${sent%.*} | $e50 | $e99 | $e999 | $a50 | $a99 | $a999 | $bmean | <= $b50 | <= $b99 | <= $d50 | <= $d99 | <= $d999 | $d_slow | $r_slow | $per_sync | $per_request | $fio_cells | $ref_cells |
"
    done
    stop
done

cat <<EOF3
| flush | load, records/s | achieved records/s | end-to-end ms p50 | p99 | p999 | ack ms p50 | p99 | p999 | brookd's produce request ms mean | p50 | p99 | brookd's fdatasync ms p50 | p99 | p999 | its fdatasyncs over 5 ms | its produce requests over 5 ms | bytes per fdatasync | bytes per produce request | fio write+fdatasync of that size (4 KiB multiple), bytes | fio p99 ms | ack p99 / fio p99 | group commit on the disk alone, write ms p50 | p99 | p999 | ack p99 / its p99 |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
$(printf '%s' "$rows")

(100-byte records, one partition, acks=1, linger.ms 0 in every run; $run_s s of records per load; the
maximum is kafka_load's produce rate of $max_n records just before, same client settings;${PIN:+ PIN=$PIN;}${ack_only:+ ACK_ONLY=1: no consumer;} segment storage, cache_keep_bytes 64 MiB;
$(date -u +%Y-%m-%d), $(nproc) cores; reproduce with: bench/latency_run.sh $build)
EOF3
