#!/bin/sh
# The cluster benchmark still runs end to end: bench/cluster_run.py with
# tiny sizes (and the cluster replicating over mutual TLS beside the plain
# one) must print its tables with a figure in every cell that has one (a
# broken script or harness leaves cells empty or fails).
set -eu
src=$1
build=$2
# its own TMPDIR: the run must leave nothing behind there
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$(TMPDIR=$tmp ROUNDS=1 SMALL_N=5000 LARGE_N=200 LAT_N=50 FAILOVERS=1 TTLS=2000 PEER_TLS=1 MOVE_MB=2 THROTTLE_MB=1 RESTARTS=1 RESTART_RATE=100 \
    /usr/bin/python3 "$src/bench/cluster_run.py" "$build")
echo "$out"
check() {
    line=$(echo "$out" | grep -F "| $1") || { echo "missing row: $1" >&2; exit 1; }
    echo "$line" | awk -F'|' -v cols="$2" '
        function num(v) { gsub(/ /, "", v); return v ~ /^[0-9]+(\.[0-9]+)?$/ && v + 0 > 0 }
        { n = split(cols, c, ","); for (i = 1; i <= n; i++) if (!num($(c[i]))) exit 1 }' ||
        { echo "row without figures: $line" >&2; exit 1; }
}
check "produce 100-byte records" 3,4,5,6,7
check "produce 10 KiB records" 3,4,5,6,7
check "cluster.lease_ttl_ms 2000" 3,4,5
check "reassignment, 1 moves" 3,4,5
check "one move" 3,4,5
check "controlled shutdown" 3,4,7
check "uncontrolled shutdown" 3,4,7
left=$(ls -A "$tmp")
[ -z "$left" ] || { echo "bench/cluster_run.py left behind in TMPDIR: $left" >&2; exit 1; }
