#!/usr/bin/python3
"""The cluster side by side, in one run on this machine:

- throughput and latency: three brokers (replication-isr, three replicas,
  min_insync_replicas 2, acks=all) against one broker (one replica,
  acks=1), same storage settings, alternating, median of ROUNDS; records/s
  of 100-byte and 10 KiB records (bench/kafka_load, librdkafka) and the
  end-to-end p50/p99 at ~1000 records/s;
- failover time: from kill -9 of a partition's leader to the first
  acks=all record acknowledged by the new leader (an idempotent
  confluent-kafka producer sending every 10 ms), median of FAILOVERS, with
  the lease TTL of the tests and the default one;
- a partition move: a reassignment of one partition of MOVE_MB of 10 KiB
  records (one replica) to the other of two brokers, from the request to
  the record that finishes it, against `cp` of the same segment files
  (and a sync) on the same disk, moved back and forth ROUNDS times; then
  one move under a replication throttle of THROTTLE_MB MB/s on both
  brokers (leader and follower sides): the rate it kept against the rate
  set;
- stops: each of three brokers stopped with SIGTERM and started again in
  turn while an idempotent acks=all producer and an acks=1 producer each
  send RESTART_RATE records/s to a topic of six partitions, with the
  controlled shutdown (cluster.controlled_shutdown_timeout_ms, the
  default) against without it (0), alternating, RESTARTS rounds: the
  longest a record due after the first stop began waited for its
  acknowledgement, failed deliveries,
  acks=1 records acknowledged but not there afterwards, how long SIGTERM
  took. The preferred-leader rebalance is off, so only the stops move
  leadership.

Every broker and etcd run on 127.0.0.1 (etcd on free ports), started with
the integration tests' harness. Prints a Markdown table for
docs/benchmarks.md.

    bench/cluster_run.py [BUILD_DIR]
    env: ROUNDS (3), SMALL_N (1000000), LARGE_N (50000), LAT_N (1000), FAILOVERS (10), TTLS ("2000 10000"),
         MOVE_MB (500), THROTTLE_MB (100), RESTARTS (3), RESTART_RATE (1000),
         PEER_TLS (0; 1: a second cluster of three brokers that replicate over an inter-broker listener
         with mutual TLS, certificates from config/make-certs.sh, measured in the same rounds)
"""
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "build"))
os.environ.setdefault("BROOK_BIN_DIR", os.path.join(BUILD, "bin"))

from brooktest import Broker  # noqa: E402
from etcdtest import Etcd  # noqa: E402

LOAD = os.path.join(BUILD, "bin", "kafka_load")
ROUNDS = int(os.environ.get("ROUNDS", 3))
SMALL_N = int(os.environ.get("SMALL_N", 1000000))
LARGE_N = int(os.environ.get("LARGE_N", 50000))
LAT_N = int(os.environ.get("LAT_N", 1000))
FAILOVERS = int(os.environ.get("FAILOVERS", 10))
TTLS = [int(t) for t in os.environ.get("TTLS", "2000 10000").split()]
PEER_TLS = os.environ.get("PEER_TLS", "0") == "1"
MOVE_MB = int(os.environ.get("MOVE_MB", 500))
THROTTLE_MB = float(os.environ.get("THROTTLE_MB", 100))
RESTARTS = int(os.environ.get("RESTARTS", 3))
RESTART_RATE = int(os.environ.get("RESTART_RATE", 1000))
STORAGE = 'storage = { plugin = "segment"; flush = "interval"; flush_ms = 100; };'
ISR = 'replication = { plugin = "isr"; min_insync_replicas = 2; };'


def peer_tls(work):
    """The listener and cluster setting of an inter-broker listener with mutual TLS."""
    certs = os.path.join(work, "certs")
    if not os.path.isdir(certs):
        subprocess.run(["sh", os.path.join(HERE, "..", "config", "make-certs.sh"), certs], check=True,
                       stdout=subprocess.DEVNULL, timeout=60)
    listener = ('{ name = "peers"; codec = "native"; address = "127.0.0.1:0"; tls = { cert = "%s/broker.pem"; '
                'key = "%s/broker.key"; ca = "%s/ca.pem"; client_auth = "required"; }; }' % (certs, certs, certs))
    return listener, 'inter_broker_listener = "peers";'


def cluster(work, etcd, name, ttl, tls=False, count=3, more=""):
    brokers = {}
    listeners, setting = peer_tls(work) if tls else ("", "")
    setting += more
    for i in range(1, count + 1):
        d = os.path.join(work, "%s-b%d" % (name, i))
        os.makedirs(d)
        brokers[i] = Broker(d, broker_id=i, storage=STORAGE, log_level="info", listeners=listeners,
                            extra='cluster = { endpoints = "%s"; name = "%s"; lease_ttl_ms = %d; %s };\n%s\n'
                                  'topics = { default_replication_factor = 3; };' % (etcd.url, name, ttl, setting, ISR))
        brokers[i].start()
    return brokers


def bootstrap(brokers):
    return ",".join("127.0.0.1:%d" % b.kafka_port for b in brokers.values() if b.alive())


def load(*args):
    r = subprocess.run([LOAD] + [str(a) for a in args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=900)
    if r.returncode:
        raise RuntimeError("kafka_load %s: %s" % (" ".join(map(str, args)), r.stderr.decode()[-500:]))
    return r.stdout.decode().split()


def partition_record(etcd, name, topic):
    keys = etcd.range("/brook/%s/partitions/%s/" % (name, topic))
    return json.loads(keys["/brook/%s/partitions/%s/0" % (name, topic)]) if keys else None


def wait(cond, timeout):
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise RuntimeError("timed out")
        time.sleep(0.05)


def throughput(peers):
    """{name: {"s": [...], "l": [...], "lat": [...]}} for each of `peers` ({name: brokers}), every round
    in a rotated order; the single broker (name "one") is asked for acks=1 and one replica."""
    rows = {who: {"s": [], "l": [], "lat": []} for who in peers}
    order = list(peers)
    for r in range(ROUNDS):
        for who in order[r % len(order):] + order[:r % len(order)]:
            one = who == "one"
            b = ["-b", bootstrap(peers[who]), "-a", 1 if one else -1, "-r", 1 if one else 3]
            rows[who]["s"].append(float(load(*b, "-t", "s%d" % r, "-m", "produce", "-n", SMALL_N, "-s", 100)[0]))
            rows[who]["l"].append(float(load(*b, "-t", "l%d" % r, "-m", "produce", "-n", LARGE_N, "-s", 10240)[0]))
            rows[who]["lat"].append(load(*b, "-t", "t%d" % r, "-m", "latency", "-n", LAT_N, "-s", 100))
    return rows


def failover_times(etcd, work, ttl):
    from confluent_kafka import Producer
    from kafka.admin import KafkaAdminClient, NewTopic
    name = "fo%d" % ttl
    brokers = cluster(work, etcd, name, ttl)
    try:
        wait(lambda: etcd.range("/brook/%s/controller" % name), 30)
        admin = KafkaAdminClient(bootstrap_servers=bootstrap(brokers), request_timeout_ms=30000)
        admin.create_topics([NewTopic("fo", 1, 3)])
        admin.close()
        wait(lambda: (partition_record(etcd, name, "fo") or {}).get("isr", []).__len__() == 3, 30)
        times = []
        for _ in range(FAILOVERS):
            p = Producer({"bootstrap.servers": bootstrap(brokers), "acks": "all", "enable.idempotence": True,
                          "message.timeout.ms": 120000, "linger.ms": 0, "retry.backoff.ms": 20,
                          "topic.metadata.refresh.interval.ms": 1000})
            delivered = []
            p.produce("fo", b"warm", on_delivery=lambda e, m: None)
            p.flush(30)
            leader = partition_record(etcd, name, "fo")["leader"]
            killed_at = time.monotonic()
            brokers[leader].stop(signal.SIGKILL)
            while not delivered and time.monotonic() - killed_at < ttl / 1000 * 3 + 30:
                p.produce("fo", b"x", on_delivery=lambda e, m: e is None and delivered.append(time.monotonic()))
                p.poll(0.01)
            p.flush(30)
            times.append((delivered[0] - killed_at) * 1000 if delivered else float("nan"))
            brokers[leader].start()
            wait(lambda: len(partition_record(etcd, name, "fo")["isr"]) == 3, 60)
        return times
    finally:
        for b in brokers.values():
            if b.alive():
                b.stop()


def copy_rate(src, work):
    """MB/s of `cp -r` of a directory and a sync of the copy (the files are in the page cache, as the
    leader's segments are when a move reads them)."""
    dst = os.path.join(work, "cp-copy")
    started = time.monotonic()
    subprocess.run(["cp", "-r", src, dst], check=True, timeout=900)
    subprocess.run(["sync", "-f", dst], check=True, timeout=900)
    took = time.monotonic() - started
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(dst) for f in fs)
    shutil.rmtree(dst)
    return size / 1e6 / took, size


def move(etcd, name, brokers, kw):
    """Partition 0 of "mv" moved to the broker that does not hold it: (seconds, the broker it left)."""
    here = partition_record(etcd, name, "mv")["replicas"][0]
    there = [i for i in brokers if i != here][0]
    controller = int(etcd.range("/brook/%s/controller" % name)["/brook/%s/controller" % name])
    started = time.monotonic()
    err, results = kw.alter_reassignments_v0(brokers[controller].kafka_port, [("mv", 0, [there])])
    if err or results[("mv", 0)][0]:
        raise RuntimeError("the move was refused: %s %s" % (err, results))
    wait(lambda: partition_record(etcd, name, "mv")["replicas"] == [there], 900)
    return time.monotonic() - started, here


def throttle(brokers, kw, rate):
    """Kafka's replication throttle at `rate` bytes/s on every broker, every replica of "mv" throttled."""
    port = next(iter(brokers.values())).kafka_port
    conn = kw.Conn(port)
    try:
        for i in brokers:
            body = kw.incremental_alter_configs_v0(str(i), [("leader.replication.throttled.rate", 0, str(rate)),
                                                             ("follower.replication.throttled.rate", 0, str(rate))],
                                                    resource_type=4)
            if kw.parse_alter_configs_v0(conn.call(44, 0, body))[0][0]:
                raise RuntimeError("the throttle was refused")
        body = kw.incremental_alter_configs_v0("mv", [("leader.replication.throttled.replicas", 0, "*"),
                                                      ("follower.replication.throttled.replicas", 0, "*")])
        if kw.parse_alter_configs_v0(conn.call(44, 0, body))[0][0]:
            raise RuntimeError("the throttled replicas were refused")
    finally:
        conn.close()
    time.sleep(1)  # every broker follows the store


def move_rates(etcd, work):
    """([(move MB/s, cp MB/s, MB)] for ROUNDS moves of one partition between
    two brokers, (MB/s of one move under a THROTTLE_MB throttle, MB))."""
    import kafkawire as kw
    name = "mv"
    brokers = cluster(work, etcd, name, 10000, count=2)
    try:
        wait(lambda: etcd.range("/brook/%s/controller" % name), 30)
        load("-b", bootstrap(brokers), "-t", "mv", "-m", "produce", "-n", MOVE_MB * 100, "-s", 10240, "-a", 1,
             "-r", 1)
        rounds = []
        for _ in range(ROUNDS):
            here = partition_record(etcd, name, "mv")["replicas"][0]
            cp, size = copy_rate(os.path.join(brokers[here].data, "mv-0"), work)
            took, _ = move(etcd, name, brokers, kw)
            rounds.append((size / 1e6 / took, cp, size / 1e6))
        throttle(brokers, kw, int(THROTTLE_MB * 1e6))
        size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(
            os.path.join(brokers[partition_record(etcd, name, "mv")["replicas"][0]].data, "mv-0")) for f in fs)
        took, _ = move(etcd, name, brokers, kw)
        return rounds, (size / 1e6 / took, size / 1e6)
    finally:
        for b in brokers.values():
            if b.alive():
                b.stop()


class PacedWriter(threading.Thread):
    """A producer sending RESTART_RATE numbered records/s on a fixed schedule; each delivery's wait is timed
    from when the record was due."""

    def __init__(self, bootstrap_servers, topic, acks):
        from confluent_kafka import Producer
        super().__init__(daemon=True)
        self.p = Producer({"bootstrap.servers": bootstrap_servers, "acks": acks, "enable.idempotence": acks == "all",
                           "message.timeout.ms": 60000, "linger.ms": 1})
        self.topic, self.acks, self.acked, self.failed, self.longest, self.sent = topic, acks, set(), 0, 0.0, 0
        self.since = None  # records due from then on count in `longest` (not the client's start-up)
        self.stopping = threading.Event()

    def delivered(self, err, msg, due):
        if err:
            self.failed += 1
        else:
            self.acked.add(msg.value())
            if self.since is not None and due >= self.since:
                self.longest = max(self.longest, time.monotonic() - due)

    def run(self):
        start = time.monotonic()
        while not self.stopping.is_set():
            due = start + self.sent / RESTART_RATE
            if time.monotonic() < due:
                self.p.poll(max(0.0, due - time.monotonic()))
                continue
            self.p.produce(self.topic, value=b"%s-%09d" % (str(self.acks).encode(), self.sent),
                           on_delivery=lambda e, m, due=due: self.delivered(e, m, due))
            self.sent += 1
            self.p.poll(0)
        self.p.flush(60)


def read_values(brokers, topic, partitions, want):
    """The values of `topic` read from the start, until every one of `want` came (or 30 s passed)."""
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": bootstrap(brokers), "group.id": "verify", "enable.auto.commit": False})
    c.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    got = set()
    deadline = time.monotonic() + 30
    while not want <= got and time.monotonic() < deadline:
        m = c.poll(0.5)
        if m is not None and not m.error():
            got.add(m.value())
    c.close()
    return got


def restart_round(etcd, work, name, timeout_ms):
    """Every broker stopped (SIGTERM) and started again in turn under two producers: {"all": longest wait
    s, "one": ..., "failed": n, "lost": acks=1 records lost, "stop": [s per SIGTERM]}."""
    from kafka.admin import KafkaAdminClient, NewTopic
    brokers = cluster(work, etcd, name, 2000, more="leader_rebalance_interval_ms = 0; "
                      "controlled_shutdown_timeout_ms = %d;" % timeout_ms)
    try:
        wait(lambda: etcd.range("/brook/%s/controller" % name), 30)
        admin = KafkaAdminClient(bootstrap_servers=bootstrap(brokers), request_timeout_ms=30000)
        admin.create_topics([NewTopic("rs", 6, 3)])
        admin.close()
        in_sync = lambda: all(len(json.loads(v)["isr"]) == 3 for v in  # noqa: E731
                              etcd.range("/brook/%s/partitions/rs/" % name).values())
        wait(lambda: len(etcd.range("/brook/%s/partitions/rs/" % name)) == 6 and in_sync(), 30)
        writers = {acks: PacedWriter(bootstrap(brokers), "rs", acks) for acks in ("all", 1)}
        for w in writers.values():
            w.start()
        stops = []
        time.sleep(1)
        for w in writers.values():
            w.since = time.monotonic()
        for i in brokers:
            started = time.monotonic()
            brokers[i].stop(signal.SIGTERM, timeout=30)
            stops.append(time.monotonic() - started)
            brokers[i].start()
            wait(in_sync, 60)
            time.sleep(1)
        for w in writers.values():
            w.stopping.set()
            w.join(90)
        one = writers[1]
        lost = len(one.acked - read_values(brokers, "rs", 6, one.acked))
        return {"all": writers["all"].longest, "one": one.longest,
                "failed": writers["all"].failed + one.failed, "lost": lost, "stop": stops}
    finally:
        for b in brokers.values():
            if b.alive():
                b.stop()


def restarts(etcd, work):
    """{"controlled": [round, ...], "uncontrolled": [...]} of restart_round, alternating which goes first."""
    out = {"controlled": [], "uncontrolled": []}
    for r in range(RESTARTS):
        order = [("controlled", 10000), ("uncontrolled", 0)]
        for label, timeout_ms in order if r % 2 == 0 else order[::-1]:
            out[label].append(restart_round(etcd, work, "rs%d%s" % (r, label[0]), timeout_ms))
    return out


def main():
    work = tempfile.mkdtemp(prefix="brook-cbench-")
    etcd = Etcd(work)
    peers = {}
    try:
        d = os.path.join(work, "single")
        os.makedirs(d)
        peers["one"] = {0: Broker(d, storage=STORAGE, log_level="info").start()}
        peers["three"] = cluster(work, etcd, "bench", 10000)
        wait(lambda: etcd.range("/brook/bench/controller"), 30)
        if PEER_TLS:
            peers["three over TLS"] = cluster(work, etcd, "benchtls", 10000, tls=True)
            wait(lambda: etcd.range("/brook/benchtls/controller"), 30)
        rows = throughput(peers)
        for brokers in peers.values():
            for b in brokers.values():
                b.stop()
        fo = {ttl: failover_times(etcd, work, ttl) for ttl in TTLS}
        moves, throttled = move_rates(etcd, work)
        stops = restarts(etcd, work)
    finally:
        for brokers in peers.values():
            for b in brokers.values():
                if b.alive():
                    b.stop()
        etcd.stop()
        shutil.rmtree(work, ignore_errors=True)  # three brokers' logs and etcd's: ~130 MB a run
    med = statistics.median
    lat = lambda xs: " / ".join("%.2f" % med(float(x[i]) for x in xs) for i in (0, 1))  # noqa: E731
    # two decimals, or two significant digits below 0.1: the ratio of a miniature run (ctest's: 200
    # records of 10 KiB take the three brokers ~0.5 s, as long as 5,000 of 100 bytes) read 0.00
    ratio = lambda a, b: "%.2f" % (a / b) if a / b >= 0.1 else "%.2g" % (a / b)  # noqa: E731
    clusters = [who for who in rows if who != "one"]
    title = {"three": "3 brokers, RF 3, acks=all", "three over TLS": "3 brokers over mutual TLS"}
    print("| benchmark | %s | 1 broker, RF 1, acks=1 | %s |" % (
        " | ".join(title[w] for w in clusters), " | ".join("ratio" if w == "three" else "ratio (TLS)" for w in clusters)))
    print("|---|" + "---|" * (2 * len(clusters) + 1))
    for key, what in (("s", "produce 100-byte records, records/s"), ("l", "produce 10 KiB records, records/s")):
        one = med(rows["one"][key])
        print("| %s | %s | %.0f | %s |" % (what, " | ".join("%.0f" % med(rows[w][key]) for w in clusters), one,
                                           " | ".join(ratio(med(rows[w][key]), one) for w in clusters)))
    print("| end-to-end latency at ~1000 records/s, ms p50 / p99 | %s | %s |%s" % (
        " | ".join(lat(rows[w]["lat"]) for w in clusters), lat(rows["one"]["lat"]), " - |" * len(clusters)))
    print()
    print("| failover: kill -9 of the leader to the first acks=all record acknowledged by the new leader | "
          "median ms | min | max |")
    print("|---|---|---|---|")
    for ttl, t in fo.items():
        print("| cluster.lease_ttl_ms %d, %d failovers | %.0f | %.0f | %.0f |" % (ttl, len(t), med(t), min(t), max(t)))
    print()
    print("| partition move: one replica of %.0f MB of 10 KiB records to another broker, request to finish | "
          "MB/s | cp + sync of its segment files, MB/s | ratio |" % med(m[2] for m in moves))
    print("|---|---|---|---|")
    print("| reassignment, %d moves | %.0f | %.0f | %s |" % (len(moves), med(m[0] for m in moves),
                                                          med(m[1] for m in moves),
                                                          ratio(med(m[0] for m in moves), med(m[1] for m in moves))))
    print()
    print("| partition move under a replication throttle (leader and follower), %.0f MB | MB/s kept | MB/s set | "
          "ratio |" % throttled[1])
    print("|---|---|---|---|")
    print("| one move | %.1f | %.1f | %s |" % (throttled[0], THROTTLE_MB, ratio(throttled[0], THROTTLE_MB)))
    print()
    print("| each of 3 brokers stopped (SIGTERM) and started in turn, %d records/s acks=all idempotent + %d acks=1, "
          "6 partitions, %d rounds | longest acks=all wait, ms | longest acks=1 wait, ms | failed deliveries | "
          "acks=1 records lost | SIGTERM to exit, ms |" % (RESTART_RATE, RESTART_RATE, RESTARTS))
    print("|---|---|---|---|---|---|")
    for label in ("controlled", "uncontrolled"):
        rs = stops[label]
        print("| %s shutdown (cluster.controlled_shutdown_timeout_ms %s) | %.0f | %.0f | %d | %d | %.0f |" % (
            label, "10000" if label == "controlled" else "0", med(x["all"] for x in rs) * 1000,
            med(x["one"] for x in rs) * 1000, sum(x["failed"] for x in rs), sum(x["lost"] for x in rs),
            med(t for x in rs for t in x["stop"]) * 1000))
    print()
    print("(segment storage, flush interval 100 ms; median of %d rounds, in rotating order; %s, %d cores; everything on "
          "127.0.0.1, clients included; reproduce with: bench/cluster_run.py)" % (ROUNDS, time.strftime("%Y-%m-%d"),
                                                                                  os.cpu_count()))
    print()
    print("Every round: %s; failover ms %s; moves MB/s (move, cp) %s" % (
        "; ".join("%s: 100-byte records/s %s, 10 KiB records/s %s" % (w, rows[w]["s"], rows[w]["l"]) for w in rows),
        {k: [round(x) for x in v] for k, v in fo.items()}, [(round(m[0]), round(m[1])) for m in moves]))
    print("Stops, every round (longest acks=all / acks=1 wait ms, acks=1 lost): %s" % "; ".join(
        "%s %s" % (label, [(round(x["all"] * 1000), round(x["one"] * 1000), x["lost"]) for x in rs])
        for label, rs in stops.items()))


if __name__ == "__main__":
    main()
