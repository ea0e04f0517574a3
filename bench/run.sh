#!/usr/bin/env bash
# Side-by-side storage benchmarks: storage-segment against fio on the same
# disk, in the same run, alternating, median of ROUNDS. Prints a Markdown
# table of ratios (Brook / fio); absolute numbers are only for context.
#
#   bench/run.sh [BUILD_DIR]      env: BENCH_DIR (default: BUILD_DIR/bench-data), ROUNDS (3)
set -euo pipefail
build=${1:-build}
bench=$build/bin/storage_bench
dir=${BENCH_DIR:-$build/bench-data}
rounds=${ROUNDS:-5}
append_mib=${APPEND_MIB:-512}
commit_mib=${COMMIT_MIB:-128}
command -v fio >/dev/null || { echo "fio is needed: apt-get install fio" >&2; exit 1; }
[ -x "$bench" ] || { echo "build first: $bench is missing" >&2; exit 1; }
mkdir -p "$dir"

# every run starts from the same state: empty directory, nothing dirty, journal settled
fresh() { rm -rf "${dir:?}"/*; sync; sleep "${SETTLE_S:-1}"; }
. "$(dirname "$0")/lib.sh"

declare -a ba fa bc fc bs
# On a virtual disk, writing blocks that were just freed is much faster
# than writing ones that were not: precondition the disk identically
# before every measured run, so the order of the runs does not decide.
precondition() { fresh; dd if=/dev/zero of="$dir/warm" bs=1M count="$1" conv=fsync status=none; fresh; }
brook_append() { precondition "$append_mib"; ba+=("$("$bench" append "$dir" "$append_mib")"); }
fio_append() { precondition "$append_mib"; fa+=("$(fio_bw "$dir/fio.dat" --name=append --rw=write --bs=1m --size="${append_mib}m" --end_fsync=1 --fallocate=none)"); }
brook_commit() { precondition "$commit_mib"; bc+=("$("$bench" commit "$dir" "$commit_mib" 8)"); }
fio_commit() { precondition "$commit_mib"; fc+=("$(fio_bw "$dir/fio.dat" --name=commit --rw=write --bs=64k --size="${commit_mib}m" --fdatasync=1 --fallocate=none)"); }
for ((i = 0; i < rounds; i++)); do
    # alternate who goes first: writeback left by the previous run must not favour one side
    if ((i % 2 == 0)); then brook_append; fio_append; brook_commit; fio_commit;
    else fio_append; brook_append; fio_commit; brook_commit; fi
    fresh; bs+=("$("$bench" startup "$dir" 1000)")
done
fresh

b_append=$(printf '%s\n' "${ba[@]}" | median)
f_append=$(printf '%s\n' "${fa[@]}" | median)
b_commit=$(printf '%s\n' "${bc[@]}" | median)
f_commit=$(printf '%s\n' "${fc[@]}" | median)
startup=$(printf '%s\n' "${bs[@]}" | median)

to_mb() { for v in "$@"; do awk -v b="$v" 'BEGIN {printf "%.0f ", b / 1e6}'; done; }
mbs() { awk -v b="$1" 'BEGIN {printf "%.0f MB/s", b / 1e6}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
cat <<EOF2
| benchmark | Brook | reference | ratio | target |
|---|---|---|---|---|
| append, 1 MiB batches of 100-byte records, flush interval + final flush | $(mbs "$b_append") | fio write bs=1m, end_fsync, no fallocate: $(mbs "$f_append") | $(ratio "$b_append" "$f_append") | >= 0.8 |
| flush always, 8 producers, 64 KiB batches, each waits for its ack | $(mbs "$b_commit") | fio write bs=64k, fdatasync=1, no fallocate: $(mbs "$f_commit") | $(ratio "$b_commit" "$f_commit") | >= 0.8 |
| start-up: reopen 1,000 small partitions (recovery scan included) | ${startup} s | - | - | well under 1 s |

(median of $rounds rounds, $(date -u +%Y-%m-%d), $(nproc) cores, $(df -h "$dir" | awk 'NR==2 {print $1}'))

Every round, MB/s: append Brook $(to_mb "${ba[@]}")/ fio $(to_mb "${fa[@]}"); commit Brook $(to_mb "${bc[@]}")/ fio $(to_mb "${fc[@]}"); start-up seconds: ${bs[*]}
EOF2
