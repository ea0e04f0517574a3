#!/bin/sh
# Compile each public SDK header on its own, as strict C11, the way a
# plugin author's first #include would. Usage: sdk_headers.sh CC INCLUDE_DIR
set -eu
cc=$1
inc=$2
status=0
count=0
for header in "$inc"/brook/*.h; do
    name=brook/$(basename "$header")
    count=$((count + 1))
    if printf '#include <%s>\nint brook_header_check_%s;\n' "$name" "$count" |
        "$cc" -std=c11 -pedantic-errors -Wall -Wextra -Werror -I "$inc" -x c -fsyntax-only -; then
        echo "ok   $name"
    else
        echo "FAIL $name"
        status=1
    fi
done
[ "$count" -ge 8 ] || { echo "expected at least 8 SDK headers, found $count"; exit 1; }
exit $status
