# Shared by the bench/*.sh scripts (sourced, not run).

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
