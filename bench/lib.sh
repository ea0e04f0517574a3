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

# account_delays: switch the kernel's delay accounting on for this run
# where it is off and can be (root: kernel.task_delayacct), off again at
# exit; call before brookd starts, so that its threads are accounted
account_delays() {
    local now
    now=$(cat /proc/sys/kernel/task_delayacct 2>/dev/null || echo -)
    if [ "$now" = 0 ] && [ -w /proc/sys/kernel/task_delayacct ]; then
        echo 1 >/proc/sys/kernel/task_delayacct
        trap '[ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid"; rm -rf "$work"; echo 0 >/proc/sys/kernel/task_delayacct' EXIT
    fi
}

# loop_io_ms: ms the thread of brookd $pid that runs the event loop (its
# main thread) has waited for block I/O; "-" when not accounted
loop_io_ms() {
    [ "$(cat /proc/sys/kernel/task_delayacct 2>/dev/null)" = 1 ] || { echo -; return; }
    awk -v t="$(getconf CLK_TCK)" '{print $42 * 1000 / t}' "/proc/$pid/task/$pid/stat"
}

# metric NAME: the value of brook_NAME that the brookd serving metrics on
# $mport reports now (0 when it has none)
metric() { metrics_text "$mport" | awk -v m="brook_$1" '$1 == m {v = $2} END {print v + 0}'; }

# uncache DIR GLOB...: take the files under DIR matching each GLOB out of
# the page cache (fdatasync, then POSIX_FADV_DONTNEED)
uncache() {
    /usr/bin/python3 - "$@" <<'EOF2'
import glob, os, sys
for pattern in sys.argv[2:]:
    for path in glob.glob(os.path.join(sys.argv[1], pattern)):
        fd = os.open(path, os.O_RDONLY)
        os.fdatasync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        os.close(fd)
EOF2
}
