#!/bin/sh
# The SDK's published layout against the baseline of the ABI version the
# headers declare (tests/sdk_abi/abi-MAJOR.MINOR.xml): a struct, field,
# vtable slot or enum that changes while BROOK_ABI_MAJOR.MINOR stays the
# same fails here. docs/plugin-sdk.md says what a minor may add and what
# needs a major; a new version records its baseline with
#   BROOK_ABI_UPDATE=1 sh tests/sdk_abi/check.sh cc sdk/include
# Usage: check.sh CC SDK_INCLUDE_DIR   (needs abigail-tools: abidw, abidiff)
set -eu
cc=$1
inc=$2
here=$(cd "$(dirname "$0")" && pwd)
command -v abidw >/dev/null && command -v abidiff >/dev/null ||
    { echo "abidw/abidiff not found: apt-get install abigail-tools"; exit 1; }
major=$(sed -n 's/^#define BROOK_ABI_MAJOR *\([0-9][0-9]*\).*/\1/p' "$inc/brook/plugin.h")
minor=$(sed -n 's/^#define BROOK_ABI_MINOR *\([0-9][0-9]*\).*/\1/p' "$inc/brook/plugin.h")
baseline=$here/abi-$major.$minor.xml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$cc" -std=c11 -g -O0 -shared -fPIC -I "$inc" "$here/probe.c" -o "$work/libbrook_abi_probe.so"
abidw --no-corpus-path --no-comp-dir-path --no-show-locs --out-file "$work/probe.xml" "$work/libbrook_abi_probe.so"
if [ "${BROOK_ABI_UPDATE:-}" = 1 ]; then
    cp "$work/probe.xml" "$baseline"
    echo "recorded the layout of ABI $major.$minor in $baseline"
    exit 0
fi
[ -f "$baseline" ] || {
    echo "no layout baseline for ABI $major.$minor ($baseline): a new version records one with BROOK_ABI_UPDATE=1"
    exit 1
}
if ! abidiff --no-show-locs "$baseline" "$work/probe.xml" >"$work/diff" 2>&1; then
    cat "$work/diff"
    echo "FAIL: the SDK's published layout changed, but the headers still say ABI $major.$minor"
    echo "      (a minor may only append vtable/host-table slots and enum values; anything else needs a major)"
    exit 1
fi
echo "the SDK's layout is ABI $major.$minor's"
# Each earlier minor of this major: what came since must be what abidiff
# calls harmless (new enum values, new members of the request union within
# its room) or what a minor's abi-MAJOR.MINOR.suppr names (a sized table
# grown at its end, reserved room given a name); a plugin built against
# the earlier minor keeps loading.
suppressions=
for v in $(seq 1 "$minor"); do
    [ -f "$here/abi-$major.$v.suppr" ] && suppressions="$suppressions --suppressions $here/abi-$major.$v.suppr"
done
m=0
while [ "$m" -lt "$minor" ]; do
    older=$here/abi-$major.$m.xml
    if [ -f "$older" ]; then
        # shellcheck disable=SC2086 # one word per option
        if ! abidiff --no-show-locs $suppressions "$older" "$work/probe.xml" >"$work/diff" 2>&1; then
            cat "$work/diff"
            echo "FAIL: ABI $major.$minor changes what ABI $major.$m published: that needs a new major"
            exit 1
        fi
        echo "ABI $major.$minor only adds to ABI $major.$m"
    fi
    m=$((m + 1))
done
exit 0
