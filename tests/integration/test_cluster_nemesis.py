"""Faults drawn at random while clients work (in the manner of Jepsen's
nemesis): three brokers (replication-isr, min_insync_replicas = 2, segment
storage), each reaching etcd through its own TcpProxy and reached by its
followers through another, and a schedule of faults drawn from a seed:
kill -9 and restart, SIGSTOP and SIGCONT (shorter and longer than a
lease), a controlled shutdown (SIGTERM) and restart, the broker's etcd
link cut, its followers' link cut or delayed; one or two brokers at a
time, the controller included. Meanwhile two idempotent acks=all
producers write numbered values to three partitions, a transactional
producer commits most of its transactions there and aborts some, and a
consumer group reads along and commits.

Once every fault is healed and every replica is back in sync:
- every producer delivery succeeded, and every acknowledged record is
  where it was acknowledged, exactly once; no value appears twice; each
  partition's records are where its batches say, markers aside, without
  a gap; each producer's values are in the order it sent them within
  each partition;
- every replica of every partition holds the same batches, byte for byte
  (a follower serves a Fetch v11 that names a rack up to its own high
  watermark);
- a read_committed consumer sees every committed transaction whole and
  nothing of an aborted one; the transactional producer met no fatal
  error;
- the group saw what a read_committed read sees and committed each
  partition's end;
- no broker died but those the schedule killed, and each stops cleanly
  (and, under ASan, without a report).

The seed is printed and named in every failure, with the schedule that
ran: `BROOK_NEMESIS_SEED=<seed>` replays the same draws (the timing of
real processes does not replay). `BROOK_NEMESIS_SECONDS` sets how long
faults are injected (default 40); `BROOK_NEMESIS_DEBUG` turns on
librdkafka's debug contexts in the clients, `BROOK_KEEP_CLUSTER_DIR`
keeps the brokers' logs and data."""
import os
import random
import signal
import struct
import sys
import threading
import time
import unittest

import kafkawire as kw
import test_cluster_failover as failover
from clustertest import ClusterTestCase, TTL_MS

try:
    from confluent_kafka import KafkaError
except ImportError:  # pragma: no cover
    KafkaError = None

TOPIC = "chaos"
PARTITIONS = 3
FAULTS = ("kill", "pause", "sigterm", "etcd_cut", "link_cut", "link_delay")
CONTROL = 0x20  # a record batch's attributes: a transaction marker


def data_offsets(batches_of_partition):
    """The offsets of a partition's records, markers left out."""
    out = []
    for base, last, raw in batches_of_partition:
        (attributes,) = struct.unpack_from(">h", raw, 21)
        if not attributes & CONTROL:
            out += range(base, last + 1)
    return out


def batches(records):
    """[(base offset, last offset, batch bytes)] of the whole batches in
    `records` (a Fetch answer may end with part of one)."""
    out, p = [], 0
    while p + 61 <= len(records):
        base, length = struct.unpack_from(">qi", records, p)
        if p + 12 + length > len(records):
            break
        (last_delta,) = struct.unpack_from(">i", records, p + 23)
        out.append((base, base + last_delta, records[p:p + 12 + length]))
        p += 12 + length
    return out


class Schedule:
    """Faults drawn from `seed`, applied to a ClusterTestCase and healed;
    `log` keeps what ran (seconds since the start, what, which broker)."""

    def __init__(self, case, seed):
        self.case = case
        self.rand = random.Random(seed)
        self.started = time.monotonic()
        self.log = []
        self.killed = set()  # brokers the schedule stopped on purpose and not yet restarted

    def note(self, what, broker, arg=""):
        self.log.append("%6.2f %-10s broker %d %s" % (time.monotonic() - self.started, what, broker, arg))

    def episode(self):
        """One or two brokers faulted at once for a while, then healed."""
        count = 2 if self.rand.random() < 0.25 else 1
        victims = self.rand.sample(sorted(self.case.brokers), count)
        faults = [(b, self.rand.choice(FAULTS)) for b in victims]
        lasting = self.rand.uniform(0.3, 2.5 * TTL_MS / 1000)
        for b, fault in faults:
            self.inject(b, fault)
        time.sleep(lasting)
        for b, fault in faults:
            self.heal(b, fault)
        time.sleep(self.rand.uniform(0.5, 2.0))

    def inject(self, b, fault):
        c = self.case
        pid = c.brokers[b].proc.pid
        arg = ""
        if fault == "kill":
            self.killed.add(b)
            c.brokers[b].stop(signal.SIGKILL)
        elif fault == "pause":
            os.kill(pid, signal.SIGSTOP)
        elif fault == "sigterm":
            self.killed.add(b)
            os.kill(pid, signal.SIGTERM)  # one: a controlled shutdown
        elif fault == "etcd_cut":
            c.etcd_links[b].cut()
        elif fault == "link_cut":
            c.replica_links[b].cut()
        elif fault == "link_delay":
            ms = self.rand.choice((50, 200, 500))
            c.replica_links[b].delay(ms)
            arg = "%d ms" % ms
        self.note(fault, b, arg)

    def heal(self, b, fault):
        c = self.case
        if fault in ("kill", "sigterm"):
            broker = c.brokers[b]
            if broker.proc is not None:
                rc = broker.proc.wait(30)  # a controlled shutdown is bounded by its timeout
                broker.stop()
                c.assertEqual(rc, 0 if fault == "sigterm" else rc, "broker %d's controlled shutdown:\n%s"
                              % (b, broker.log()[-3000:]))
            c.start(b)
            self.killed.discard(b)
        elif fault == "pause":
            os.kill(c.brokers[b].proc.pid, signal.SIGCONT)
        elif fault == "etcd_cut":
            c.etcd_links[b].restore()
        elif fault == "link_cut":
            c.replica_links[b].restore()
        elif fault == "link_delay":
            c.replica_links[b].delay(0)
        self.note("heal " + fault, b)


class TxnWriter(threading.Thread):
    """A transactional producer: transactions of a few records over the
    partitions, most committed, some aborted (drawn from `seed`). Each
    transaction ends committed, aborted, or unknown (its commit failed
    for good: all or nothing of it may show)."""

    def __init__(self, bootstrap, topic, seed, settings=None):
        super().__init__(daemon=True)
        self.p = failover.Producer(dict({"bootstrap.servers": bootstrap, "transactional.id": "nemesis-tx",
                                         "transaction.timeout.ms": 60000, "linger.ms": 2,
                                         "message.timeout.ms": 60000}, **(settings or {})))
        self.topic = topic
        self.rand = random.Random(seed)
        self.committed, self.aborted, self.unknown, self.fatal = [], [], [], []
        self.stopping = threading.Event()

    def attempt(self, call, *args):
        """Call a transaction API, again while it fails with a retriable
        error (bounded). True: done; False: the transaction must be aborted."""
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                call(*args)
                return True
            except failover.KafkaException as e:
                err = e.args[0]
                if err.fatal():
                    raise
                if err.txn_requires_abort():
                    return False
                if not err.retriable():
                    raise
                time.sleep(0.2)
        raise RuntimeError("%s never succeeded" % call.__name__)

    def run(self):
        try:
            self.attempt(self.p.init_transactions, 30)
            txn = 0
            while not self.stopping.is_set():
                self.one(txn)
                txn += 1
        except Exception as e:  # a fatal error is a finding: the test reports it
            self.fatal.append(repr(e))

    def one(self, txn):
        values = [b"t%06d-%02d" % (txn, i) for i in range(self.rand.randint(1, 6))]
        commit = self.rand.random() < 0.8
        self.attempt(self.p.begin_transaction)
        for v in values:
            self.p.produce(self.topic, value=v)
        if commit:
            try:
                if self.attempt(self.p.commit_transaction, 30):
                    self.committed.append(values)
                    return
            except RuntimeError:
                self.unknown.append(values)  # the commit may or may not have happened: stop here
                raise
        if not self.attempt(self.p.abort_transaction, 30):
            raise RuntimeError("the abort of transaction %d could not be completed" % txn)
        self.aborted.append(values)


@unittest.skipUnless(failover.Producer, "needs python3-confluent-kafka and python3-kafka")
class Nemesis(ClusterTestCase):
    etcd_via_proxy = True
    replication_via_proxy = True
    replication = failover.Failover.replication
    cluster_extra = "controlled_shutdown_timeout_ms = 3000;"

    def setUp(self):
        self.seed = int(os.environ.get("BROOK_NEMESIS_SEED") or random.SystemRandom().randrange(1 << 32))
        self.seconds = float(os.environ.get("BROOK_NEMESIS_SECONDS") or 40)
        print("nemesis seed %d (BROOK_NEMESIS_SEED=%d replays its draws)" % (self.seed, self.seed),
              file=sys.stderr)
        super().setUp()

    def context(self, schedule):
        return "seed %d, schedule:\n%s" % (self.seed, "\n".join(schedule.log))

    def test_random_faults_lose_and_duplicate_nothing_and_replicas_agree(self):
        self.controller()
        first = self.create(TOPIC, PARTITIONS)
        # BROOK_NEMESIS_DEBUG: librdkafka's debug contexts for the clients ("eos,msg", "cgrp,fetch")
        debug = {"debug": os.environ["BROOK_NEMESIS_DEBUG"]} if os.environ.get("BROOK_NEMESIS_DEBUG") else {}
        writers = [failover.Writer(self.kafka_bootstrap(), TOPIC, settings=debug, prefix=p) for p in (b"a", b"b")]
        txns = TxnWriter(self.kafka_bootstrap(), TOPIC, self.seed, settings=debug)
        reader = failover.Reader(self.kafka_bootstrap(), TOPIC, "along", settings=debug)
        for t in writers + [txns, reader]:
            t.start()
        schedule = Schedule(self, self.seed)
        while time.monotonic() - schedule.started < self.seconds:
            schedule.episode()
            dead = [i for i, b in self.brokers.items() if not b.alive()]
            self.assertEqual(dead, [], "brokers died that the schedule did not stop\n%s\n%s"
                             % (self.context(schedule), "\n".join(self.brokers[i].log()[-3000:] for i in dead)))
        why = self.context(schedule)
        parts = self.wait_partitions(TOPIC, lambda r: r["leader"] >= 0 and len(r["isr"]) == 3, PARTITIONS,
                                     timeout=60)
        self.assertTrue(any(parts[p]["leader_epoch"] > first[p]["leader_epoch"] for p in parts),
                        "no fault moved a leader: the test tested nothing\n" + why)
        time.sleep(1.0)
        for t in writers + [txns]:
            t.stopping.set()
        for t in writers + [txns]:
            t.join(120)
            self.assertFalse(t.is_alive(), why)
        for w in writers:
            self.assertEqual(w.failed, [], "deliveries failed\n" + why)
        self.assertEqual(txns.fatal, [], "the transactional producer failed\n" + why)
        acked = {}
        for w in writers:
            acked.update(w.acked)
        logs = self.check_replicas_agree(why)
        self.check_log(logs, acked, why)
        visible = self.check_transactions(logs, txns, why)
        self.check_group(reader, logs, visible, why)
        print("nemesis seed %d: %d records acknowledged, %d transactions committed and %d aborted through %d "
              "faults\n%s" % (self.seed, len(acked), len(txns.committed), len(txns.aborted),
                              sum(1 for e in schedule.log if " heal " not in e), why), file=sys.stderr)

    def read_replica(self, broker_id, partition, why):
        """(high watermark, [(base, last, batch bytes)]) of one broker's
        replica, read with Fetch v11 naming a rack (so a follower answers
        from its own log)."""
        conn = kw.Conn(self.brokers[broker_id].kafka_port, timeout=20)
        try:
            got, offset, hw = [], 0, None
            for _ in range(100000):
                body = kw.fetch_v11(TOPIC, partition, offset, rack="nemesis")
                err, hw, _preferred, records = kw.parse_fetch_v11(conn.call(1, 11, body))
                self.assertEqual(err, 0, "broker %d partition %d\n%s" % (broker_id, partition, why))
                found = batches(records)
                if not found:
                    return hw, got
                got += found
                offset = found[-1][1] + 1
            self.fail("broker %d partition %d never ended" % (broker_id, partition))
        finally:
            conn.close()

    def check_replicas_agree(self, why):
        """Every broker's replica of every partition, once their high
        watermarks agree: the same batches, byte for byte. Returns
        {partition: the leader's batches}."""
        logs = {}
        for p, rec in self.partitions(TOPIC).items():
            deadline = time.monotonic() + 30
            while True:
                replicas = {b: self.read_replica(b, p, why) for b in rec["replicas"]}
                hws = {b: hw for b, (hw, _) in replicas.items()}
                if len(set(hws.values())) == 1 or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            self.assertEqual(len(set(hws.values())), 1, "partition %d high watermarks %s\n%s" % (p, hws, why))
            leader_batches = replicas[rec["leader"]][1]
            for b, (_, got) in replicas.items():
                self.assertEqual(len(got), len(leader_batches), "partition %d: broker %d holds %d batches, "
                                 "the leader %d\n%s" % (p, b, len(got), len(leader_batches), why))
                differ = [x[0] for x, y in zip(got, leader_batches) if x != y]
                self.assertEqual(differ, [], "partition %d: broker %d's batches differ from the leader's at "
                                 "these offsets\n%s" % (p, b, why))
            logs[p] = leader_batches
        return logs

    def read_back(self, logs, isolation):
        """{partition: [(offset, value)]} read from the leaders to the end
        (the high watermark, or the last stable offset for read_committed)."""
        c = failover.Consumer({"bootstrap.servers": self.kafka_bootstrap(), "group.id": "verify",
                               "enable.auto.commit": False, "isolation.level": isolation,
                               "enable.partition.eof": True})
        c.assign([failover.TopicPartition(TOPIC, p, 0) for p in logs])
        rows = {p: [] for p in logs}
        ended = set()
        deadline = time.monotonic() + 60
        while ended != set(logs) and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is None:
                continue
            if not m.error():
                rows[m.partition()].append((m.offset(), m.value()))
            elif m.error().code() == KafkaError._PARTITION_EOF:
                ended.add(m.partition())
        c.close()
        self.assertEqual(ended, set(logs), "a %s read never reached the end" % isolation)
        return rows

    def check_log(self, logs, acked, why):
        """The records of the leaders' logs against what was acknowledged."""
        offsets = {p: data_offsets(b) for p, b in logs.items()}
        rows = self.read_back(logs, "read_uncommitted")
        where = {}  # value -> [(partition, offset)]
        for p, got in rows.items():
            self.assertEqual([o for o, _ in got], offsets[p], "partition %d's records\n%s" % (p, why))
            for prefix in (b"a", b"b", b"t"):
                mine = [v for _, v in got if v.startswith(prefix)]
                self.assertEqual(mine, sorted(mine), "partition %d: %s out of order\n%s" % (p, prefix, why))
            for o, v in got:
                where.setdefault(v, []).append((p, o))
        twice = {v: w for v, w in where.items() if len(w) > 1}
        self.assertEqual(twice, {}, "values written twice\n" + why)
        lost = sorted(v for v in acked if v not in where)
        self.assertEqual(lost, [], "acknowledged records lost\n" + why)
        # librdkafka acknowledges a batch whose answer it lost without an
        # offset ("implicitly acked") once a later one succeeds: None
        moved = {v: (acked[v], where[v][0]) for v in acked if acked[v][1] is not None and where[v][0] != acked[v]}
        self.assertEqual(moved, {}, "records acknowledged at other offsets than where they are\n" + why)
        self.assertGreater(len(acked), 1000, why)

    def check_transactions(self, logs, txns, why):
        """What a read_committed consumer sees: every committed transaction
        whole, nothing of an aborted one. Returns every value it saw."""
        rows = self.read_back(logs, "read_committed")
        seen = {v for got in rows.values() for _, v in got}
        partial = [t for t in txns.committed if not all(v in seen for v in t)]
        self.assertEqual(partial, [], "committed transactions not (wholly) visible\n" + why)
        leaked = [t for t in txns.aborted if any(v in seen for v in t)]
        self.assertEqual(leaked, [], "aborted transactions visible\n" + why)
        torn = [t for t in txns.unknown if 0 < sum(v in seen for v in t) < len(t)]
        self.assertEqual(torn, [], "transactions visible in part\n" + why)
        self.assertGreater(len(txns.committed), 10, why)
        return seen

    def check_group(self, reader, logs, visible, why):
        """The group (read_committed, librdkafka's default) saw what a
        read_committed read sees, and committed each partition's end."""
        deadline = time.monotonic() + 60
        while reader.seen != visible and time.monotonic() < deadline:
            time.sleep(0.2)
        reader.stopping.set()
        reader.join(30)
        self.assertEqual(len(visible - reader.seen), 0, "the group did not see every record\n" + why)
        self.assertEqual(len(reader.seen - visible), 0, "the group saw records a read_committed read does not\n"
                         + why)
        c = failover.Consumer({"bootstrap.servers": self.kafka_bootstrap(), "group.id": "along"})
        committed = c.committed([failover.TopicPartition(TOPIC, p) for p in logs], timeout=20)
        c.close()
        for t in committed:
            data = data_offsets(logs[t.partition])
            end = logs[t.partition][-1][1] + 1 if logs[t.partition] else 0
            # after its last record, or past markers after it
            self.assertTrue((data[-1] + 1 if data else 0) <= t.offset <= end,
                            "partition %d: committed %d, last record %s, end %d\n%s"
                            % (t.partition, t.offset, data[-1:] or None, end, why))


if __name__ == "__main__":
    unittest.main()
