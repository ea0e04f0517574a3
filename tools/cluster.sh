#!/bin/bash
# The three-broker development cluster on 127.0.0.1 (make cluster / make
# cluster-stop): a private etcd on free ports and brokers 1-3 from
# config/cluster/b<id>.conf, everything under ./cluster-data (each broker's
# pid in cluster-data/b<id>/brookd.pid, its log next to it). `start`
# returns once every broker answers Metadata, or fails naming the one that
# did not. Every wait is bounded.
set -euo pipefail

BUILD_DIR=${BUILD_DIR:-build}
DATA=${CLUSTER_DATA:-$PWD/cluster-data}
BROOKD=$BUILD_DIR/bin/brookd
BROOKCTL=$BUILD_DIR/bin/brookctl

free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start_etcd() {
    if alive "$DATA/etcd/etcd.pid"; then
        return
    fi
    mkdir -p "$DATA/etcd"
    local client peer metrics
    client=$(free_port); peer=$(free_port); metrics=$(free_port)
    echo "http://127.0.0.1:$client" > "$DATA/etcd/url"
    nohup etcd --name dev --data-dir "$DATA/etcd/data" \
        --listen-client-urls "http://127.0.0.1:$client" --advertise-client-urls "http://127.0.0.1:$client" \
        --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
        --initial-cluster "dev=http://127.0.0.1:$peer" --initial-cluster-state new \
        --listen-metrics-urls "http://127.0.0.1:$metrics" --auto-compaction-retention 1h \
        > "$DATA/etcd/etcd.log" 2>&1 &
    echo $! > "$DATA/etcd/etcd.pid"
    for _ in $(seq 100); do
        if curl -sf "http://127.0.0.1:$client/health" | grep -q '"health":"true"'; then
            echo "etcd on 127.0.0.1:$client (log $DATA/etcd/etcd.log)"
            return
        fi
        sleep 0.1
    done
    echo "etcd did not start: see $DATA/etcd/etcd.log" >&2
    exit 1
}

start_broker() {
    local id=$1 dir="$DATA/b$1"
    mkdir -p "$dir"
    if alive "$dir/brookd.pid"; then
        echo "broker $id already runs (pid $(cat "$dir/brookd.pid"))"
        return
    fi
    nohup "$BROOKD" -c "config/cluster/b$id.conf" --set "broker.data_dir=$dir" \
        --set "cluster.endpoints=$(cat "$DATA/etcd/url")" >> "$dir/brookd.log" 2>&1 &
    echo $! > "$dir/brookd.pid"
}

# Every broker answers Metadata and sees the three brokers live.
wait_ready() {
    local id native
    for id in 1 2 3; do
        native=$((9093 + (id - 1) * 100))
        for _ in $(seq 150); do
            if "$BROOKCTL" -b "127.0.0.1:$native" --timeout-ms 500 cluster 2>/dev/null | grep -c '^broker ' | grep -q '^3$'; then
                continue 2
            fi
            alive "$DATA/b$id/brookd.pid" || { echo "broker $id exited: see $DATA/b$id/brookd.log" >&2; exit 1; }
            sleep 0.2
        done
        echo "broker $id does not answer on 127.0.0.1:$native: see $DATA/b$id/brookd.log" >&2
        exit 1
    done
}

stop_pid() {
    local pidfile=$1 what=$2
    alive "$pidfile" || { rm -f "$pidfile"; return; }
    local pid
    pid=$(cat "$pidfile")
    kill -TERM "$pid"
    for _ in $(seq 150); do
        kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; return; }
        sleep 0.1
    done
    echo "$what did not stop in 15 s: killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$pidfile"
}

case "${1:-}" in
start)
    [ -x "$BROOKD" ] || { echo "no $BROOKD: build first (make build)" >&2; exit 1; }
    start_etcd
    for id in 1 2 3; do start_broker "$id"; done
    wait_ready
    "$BROOKCTL" -b 127.0.0.1:9093 cluster
    echo "cluster up: Kafka on 127.0.0.1:9092,9192,9292; native on 9093,9193,9293; metrics on 9644,9744,9844"
    ;;
stop)
    for id in 1 2 3; do stop_pid "$DATA/b$id/brookd.pid" "broker $id"; done
    stop_pid "$DATA/etcd/etcd.pid" "etcd"
    echo "cluster stopped (data kept in $DATA; remove it for a fresh cluster)"
    ;;
*)
    echo "usage: tools/cluster.sh start|stop" >&2
    exit 2
    ;;
esac
