#!/bin/sh
# The transactions benchmark still runs end to end: bench/txn_run.sh with
# tiny sizes must print every row with every figure, and brookd must have
# committed every transaction it was given.
set -eu
src=$1
build=$2
out=$(ROUNDS=1 N=2000 P=2 TXN_SIZES="100 1000" "$src/bench/txn_run.sh" "$build")
echo "$out"
. "$src/tests/bench_table.sh"
check "none (plain, idempotent)" 3 5
check "100" 3 4 5
check "1000" 3 4 5
echo "$out" | grep -q "transactions committed by brookd: 22$" || { echo "brookd committed other than 22" >&2; exit 1; }
