#!/usr/bin/env bash
# Log compaction, side by side in one run: storage-segment's cleaner against
# fio doing the least I/O a cleaning must (read the log once, write what
# survives once, synced), and the flush-always produce workload with and
# without a cleaning running beside it. Median of ROUNDS, alternating.
#
#   bench/clean_run.sh [BUILD_DIR]   env: BENCH_DIR, ROUNDS (5), CLEAN_MIB (512), KEYS (100000), COMMIT_MIB (256),
#                                    IO_BOUND (cleaner_io_bytes_per_second of the bounded run, 50000000)
set -euo pipefail
build=${1:-build}
bench=$build/bin/storage_bench
dir=${BENCH_DIR:-$build/bench-data}
rounds=${ROUNDS:-5}
clean_mib=${CLEAN_MIB:-512}
keys=${KEYS:-100000}
commit_mib=${COMMIT_MIB:-256}
io_bound=${IO_BOUND:-50000000}
command -v fio >/dev/null || { echo "fio is needed: apt-get install fio" >&2; exit 1; }
[ -x "$bench" ] || { echo "build first: $bench is missing" >&2; exit 1; }
mkdir -p "$dir"
. "$(dirname "$0")/lib.sh"
fresh() { rm -rf "${dir:?}"/*; sync; sleep "${SETTLE_S:-1}"; }

# fio_s ARGS...: seconds one fio job took (read or write)
fio_s() {
    fio --output-format=json "$@" 2>/dev/null | /usr/bin/python3 -c '
import json, sys
j = json.load(sys.stdin)["jobs"][0]
print(max(j["read"]["runtime"], j["write"]["runtime"]) / 1000.0)'
}

declare -a bc fc pa pc cr pb
brook_clean() {
    fresh
    read -r rate bytes written < <("$bench" clean "$dir" "$clean_mib" "$keys")
    bc+=("$rate")
    log_bytes=$bytes
    out_bytes=$written
}
fio_clean() {
    # the same bytes, in the page cache as the cleaner finds them, read once; the survivors written once, synced
    fresh
    fio --name=prep --filename="$dir/log.dat" --rw=write --bs=64k --size="$log_bytes" --fallocate=none >/dev/null 2>&1
    local r w out=$(((out_bytes + 65535) / 65536 * 65536)) # whole blocks for fio
    r=$(fio_s --name=read --filename="$dir/log.dat" --rw=read --bs=1m --size="$log_bytes")
    w=$(fio_s --name=write --filename="$dir/out.dat" --rw=write --bs=64k --size="$out" --end_fsync=1 --fallocate=none)
    fc+=("$(awk -v b="$log_bytes" -v r="$r" -v w="$w" 'BEGIN {printf "%.0f", b / (r + w)}')")
}
produce_alone() { fresh; pa+=("$("$bench" commit "$dir" "$commit_mib" 8)"); }
produce_cleaning() {
    fresh
    read -r rate cleaned < <("$bench" commit-cleaning "$dir" "$commit_mib" 8 "$clean_mib")
    pc+=("$rate")
    cr+=("$cleaned")
    fresh
    read -r rate cleaned < <("$bench" commit-cleaning "$dir" "$commit_mib" 8 "$clean_mib" "$io_bound")
    pb+=("$rate")
}
for ((i = 0; i < rounds; i++)); do
    brook_clean # first: fio needs its sizes
    fio_clean
    if ((i % 2 == 0)); then produce_alone; produce_cleaning; else produce_cleaning; produce_alone; fi
done
fresh

b=$(printf '%s\n' "${bc[@]}" | median)
f=$(printf '%s\n' "${fc[@]}" | median)
a=$(printf '%s\n' "${pa[@]}" | median)
c=$(printf '%s\n' "${pc[@]}" | median)
cb=$(printf '%s\n' "${pb[@]}" | median)
mbs() { awk -v b="$1" 'BEGIN {printf "%.0f MB/s", b / 1e6}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
to_mb() { for v in "$@"; do awk -v b="$v" 'BEGIN {printf "%.0f ", b / 1e6}'; done; }
cat <<EOF2
| benchmark | Brook | reference | ratio |
|---|---|---|---|
| compaction: MB of log cleaned per second ($clean_mib MiB of 100-byte records over $keys keys, $(awk -v b="$out_bytes" 'BEGIN {printf "%.0f", b / 1e6}') MB survive) | $(mbs "$b") | fio: read the log once + write the survivors once (synced): $(mbs "$f") | $(ratio "$b" "$f") |
| produce (flush always, 8 producers, 64 KiB batches) while a cleaning runs beside it | $(mbs "$c") | the same with no cleaning: $(mbs "$a") | $(ratio "$c" "$a") |
| the same, cleaner_io_bytes_per_second = $io_bound | $(mbs "$cb") | the same with no cleaning: $(mbs "$a") | $(ratio "$cb" "$a") |

(median of $rounds rounds, $(date -u +%Y-%m-%d), $(nproc) cores, $(df -h "$dir" | awk 'NR==2 {print $1}'); cleaner I/O unbounded unless the row says)

Every round, MB/s: cleaning Brook $(to_mb "${bc[@]}")/ fio $(to_mb "${fc[@]}"); produce alone $(to_mb "${pa[@]}")/ while cleaning $(to_mb "${pc[@]}")/ while cleaning at the bound $(to_mb "${pb[@]}"); MB the cleaner read during those runs: $(to_mb "${cr[@]}")
EOF2
