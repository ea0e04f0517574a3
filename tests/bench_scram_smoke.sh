#!/bin/sh
# The SCRAM-logins benchmark still runs end to end: bench/scram_logins_run.sh
# with tiny sizes must print its row with every figure.
set -eu
src=$1
build=$2
out=$(USERS=200 LOGINS=3 ROUNDS=1 "$src/bench/scram_logins_run.sh" "$build")
echo "$out"
. "$src/tests/bench_table.sh"
# brookd's ms per step with many users, with one, the ratio
check "brookd's time per SASL authenticate step" 3 4 5
