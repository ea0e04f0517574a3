#!/usr/bin/env bash
# SCRAM logins against a credentials file of many users: brookd's own time
# per SASL authenticate step (its request histogram: the event loop's
# work, the user's lookup included) with USERS users in the file, against
# the same broker with one user in the same run (the reference), rounds
# alternating which goes first. kcat logs in LOGINS times per run, as the
# last user of the file (the end a scan reaches last). Prints a Markdown
# table.
#
#   bench/scram_logins_run.sh [BUILD_DIR]
#   env: USERS (20000), LOGINS (60), ROUNDS (3)
set -euo pipefail
build=${1:-build}
brookd=$build/bin/brookd
users=${USERS:-20000}
logins=${LOGINS:-60}
rounds=${ROUNDS:-3}
[ -x "$brookd" ] || { echo "build first: $brookd is missing" >&2; exit 1; }
command -v kcat >/dev/null || { echo "needs kcat" >&2; exit 1; }
. "$(dirname "$0")/lib.sh"
make_workdir scram

# credentials files: many (USERS others, then "target") and one ("target" alone)
/usr/bin/python3 - "$work" "$users" <<'EOF2'
import base64, hashlib, hmac, os, sys
work, n = sys.argv[1], int(sys.argv[2])
b64 = lambda x: base64.b64encode(x).decode()
salt = b"target-salt-0123"
salted = hashlib.pbkdf2_hmac("sha256", b"secret", salt, 4096)
stored = hashlib.sha256(hmac.new(salted, b"Client Key", hashlib.sha256).digest()).digest()
server = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
target = "target scram-sha-256 4096 %s %s %s\n" % (b64(salt), b64(stored), b64(server))
with open(os.path.join(work, "many"), "w") as f:
    for i in range(n):
        f.write("u%06d scram-sha-256 4096 %s %s %s\n" % (i, b64(os.urandom(16)), b64(os.urandom(32)), b64(os.urandom(32))))
    f.write(target)
with open(os.path.join(work, "one"), "w") as f:
    f.write(target)
EOF2

# run FILE: "steps ms-per-step" of LOGINS logins against a fresh brookd on FILE
run() {
    rm -rf "$work/data"
    cat >"$work/brook.conf" <<EOF2
broker = { data_dir = "$work/data"; };
listeners = ( { name = "kafka"; codec = "kafka"; address = "127.0.0.1:0"; sasl = true; } );
auth = ( { plugin = "scram"; credentials = "$1"; } );
storage = { plugin = "memory"; };
metrics = { address = "127.0.0.1:0"; };
EOF2
    : >"$work/brookd.log"
    "$brookd" -c "$work/brook.conf" 2>"$work/brookd.log" &
    pid=$!
    await_listening "$work/brookd.log"
    for _ in $(seq "$logins"); do
        timeout 20 kcat -b "127.0.0.1:$port" -L -m 5 -X security.protocol=SASL_PLAINTEXT \
            -X sasl.mechanisms=SCRAM-SHA-256 -X sasl.username=target -X sasl.password=secret >/dev/null 2>&1 ||
            { echo "login failed" >&2; exit 1; }
    done
    metrics_text "$mport" | awk '
        /^brook_request_duration_seconds_sum\{request="sasl_authenticate"\}/ { sum = $2 }
        /^brook_request_duration_seconds_count\{request="sasl_authenticate"\}/ { n = $2 }
        END { printf "%d %.3f\n", n, n ? sum * 1000 / n : 0 }'
    kill "$pid"
    wait "$pid" || true
    pid=
}

many=() one=()
for r in $(seq "$rounds"); do
    if ((r % 2)); then
        read -r _ m <<<"$(run "$work/many")"
        read -r _ o <<<"$(run "$work/one")"
    else
        read -r _ o <<<"$(run "$work/one")"
        read -r _ m <<<"$(run "$work/many")"
    fi
    many+=("$m") one+=("$o")
done
mm=$(printf '%s\n' "${many[@]}" | median)
om=$(printf '%s\n' "${one[@]}" | median)
cat <<EOF2
| benchmark | Brook, $users users | the same, 1 user | ratio |
|---|---|---|---|
| brookd's time per SASL authenticate step (SCRAM-SHA-256, $logins logins), ms | $mm | $om | $(awk -v a="$mm" -v b="$om" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}') |

(median of $rounds rounds, alternating; every round, ms: ${many[*]} / ${one[*]};
$(date -u +%Y-%m-%d), $(nproc) cores; reproduce with: bench/scram_logins_run.sh $build)
EOF2
