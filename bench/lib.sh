# Shared by the bench/*.sh scripts (sourced, not run).

# make_workdir TAG: a fresh directory in $work for this run, removed at
# exit, the brookd whose pid is in $pid (if any) stopped first
make_workdir() {
    work=$(mktemp -d "${TMPDIR:-/tmp}/brook-$1.XXXXXX")
    pid=
    trap '[ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid"; rm -rf "$work"' EXIT
}

# median of the numbers on stdin, one per line
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# fio_bw FILE FIO-ARGS...: bytes/s fio wrote to FILE in one job (the file is
# left for the caller to remove)
fio_bw() {
    local file=$1
    shift
    fio --output-format=json --filename="$file" "$@" 2>/dev/null |
        /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["jobs"][0]["write"]["bw_bytes"])'
}

# await_listening LOG: wait (up to 10 s) until the brookd logging to LOG
# listens for Kafka clients and serves metrics; sets port and mport
await_listening() {
    port= mport=
    for _ in $(seq 200); do
        port=$(sed -n 's/.*listener kafka (codec kafka) listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$1")
        mport=$(sed -n 's/.*metrics endpoint listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$1")
        [ -n "$port" ] && [ -n "$mport" ] && return
        sleep 0.05
    done
    echo "brookd did not start:" >&2
    cat "$1" >&2
    exit 1
}

# metrics_text PORT: the metrics brookd serves on PORT now
metrics_text() {
    /usr/bin/python3 -c 'import sys, urllib.request
sys.stdout.write(urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=10).read().decode())' "$1"
}
