# Sourced by the benchmark smoke tests: checks of the Markdown table a
# bench/*_run.sh script printed into $out.

# check ROW FIELD...: each listed '|'-field of the row starting "| ROW " is
# a figure (a "records: " or "<= " prefix dropped); a broken script leaves
# cells empty or "-"
check() {
    row=$1
    shift
    line=$(echo "$out" | grep -F "| $row ") || { echo "missing row: $row" >&2; exit 1; }
    for f in "$@"; do
        echo "$line" | awk -F'|' -v f="$f" '{ v = $f; sub(/^.*:/, "", v); sub(/^ *<= */, "", v); gsub(/ /, "", v)
            exit !(v ~ /^[0-9]+(\.[0-9]+)?$/) }' || { echo "field $f is not a figure: $line" >&2; exit 1; }
    done
}
