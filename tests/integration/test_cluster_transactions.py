"""Kafka transactions in a cluster: three brokers and etcd. A
transactional id's coordinator is the leader of its __consumer_offsets
partition; it delivers markers to partitions other brokers lead (over
their inter-broker listeners) and to the group coordinator that holds a
transaction's offsets. With its coordinator killed (kill -9) an open
transaction is aborted by the next one when the producer starts again;
and a commit whose markers could not all be delivered (a leader paused)
is finished by the broker that takes the coordination over."""
import signal
import time
import unittest

from brooktest import brookctl, read_values
from clustertest import ClusterTestCase
import kafkawire as kw
from test_cluster_groups import java_hash_partition

try:
    from confluent_kafka import Consumer, Producer, TopicPartition
except ImportError:  # pragma: no cover
    Consumer = None


@unittest.skipUnless(Consumer, "needs python3-confluent-kafka")
class ClusterTransactions(ClusterTestCase):
    cluster_extra = ""

    def setUp(self):
        super().setUp()
        self.controller()
        self.create("out", 3)  # leaders spread over the three brokers

    def txn_coordinator(self, txn_id):
        offsets = self.wait_partitions("__consumer_offsets", lambda r: r["leader"] >= 0 and len(r["isr"]) == 3, 16)
        return offsets[java_hash_partition(txn_id, 16)]["leader"]

    def producer(self, txn_id):
        p = Producer({"bootstrap.servers": self.kafka_bootstrap(), "transactional.id": txn_id, "acks": "all",
                      "transaction.timeout.ms": 60000})
        p.init_transactions(60)
        return p

    def read_committed(self, want, timeout=30.0, settle=1.0):
        return sorted(read_values(self.kafka_bootstrap(), "out", (0, 1, 2), "read_committed", want, timeout, settle))

    def test_markers_reach_every_leader_and_the_group_coordinator(self):
        p = self.producer("tx-spread")
        p.begin_transaction()
        for i in range(9):
            p.produce("out", b"c%d" % i, partition=i % 3)
        p.commit_transaction(30)
        p.begin_transaction()
        for i in range(3):
            p.produce("out", b"a%d" % i, partition=i)
        p.flush(30)
        p.abort_transaction(30)
        self.assertEqual(self.read_committed(9), sorted(b"c%d" % i for i in range(9)))
        # offsets inside a transaction, their group coordinated elsewhere
        group = next(g for g in ("etl-%d" % i for i in range(100))
                     if self.txn_coordinator(g) != self.txn_coordinator("tx-spread"))
        c = Consumer({"bootstrap.servers": self.kafka_bootstrap(), "group.id": group, "enable.auto.commit": False,
                      "auto.offset.reset": "earliest"})
        c.subscribe(["out"])
        got, deadline = 0, time.time() + 30
        while got < 9 and time.time() < deadline:
            m = c.poll(0.2)
            got += m is not None and not m.error()
        self.assertEqual(got, 9)
        p.begin_transaction()
        p.produce("out", b"derived", partition=0)
        p.send_offsets_to_transaction(c.position(c.assignment()), c.consumer_group_metadata(), 30)
        p.commit_transaction(30)
        committed = {tp.partition: tp.offset for tp in c.committed([TopicPartition("out", i) for i in range(3)],
                                                                   timeout=10)}
        c.close()
        self.assertEqual(sum(committed.values()), 9 + 3 + 3)  # past the data and the markers: 3 partitions

    def test_the_coordinators_list_and_describe_their_transactions(self):
        """KIP-664 in a cluster: each broker lists the ids it coordinates
        (admin clients ask every broker; brookctl does), DescribeTransactions
        is answered by the id's coordinator only (NOT_COORDINATOR elsewhere)."""
        txn = "tx-listed"
        p = self.producer(txn)
        p.begin_transaction()
        p.produce("out", b"open", partition=1)
        p.flush(30)
        coordinator = self.txn_coordinator(txn)
        for i, b in self.brokers.items():
            listed = kw.list_transactions(b.kafka_port, states=["Ongoing"])[2]
            self.assertEqual(txn in listed, i == coordinator, (i, listed))
            described = kw.describe_transactions(b.kafka_port, [txn])[txn]
            self.assertEqual(described[0], 0 if i == coordinator else 16, i)  # NOT_COORDINATOR
            if i == coordinator:
                self.assertEqual((described[1], described[6]), ("Ongoing", {"out": [1]}))
        other = next(i for i in self.brokers if i != coordinator)
        r = brookctl(self.brokers[other].address, "transactions", "list", "--state", "Ongoing")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(txn, r.stdout.decode().split())
        r = brookctl(self.brokers[other].address, "transactions", "describe", txn)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.decode().splitlines()[1].split()[:2], [txn, "Ongoing"])
        p.commit_transaction(30)

    def test_the_next_transaction_begins_while_the_last_one_ends(self):
        """AddPartitionsToTxn right after EndTxn, while the markers go to the
        leaders, waits for the end to be written instead of being answered
        CONCURRENT_TRANSACTIONS (51), which librdkafka and the Java client
        retry only after 20 ms: in a cluster the end takes a few ms, and most
        answers were 51."""
        txn = "tx-next"
        conn = kw.Conn(self.brokers[self.txn_coordinator(txn)].kafka_port)
        self.addCleanup(conn.close)
        err, pid, epoch = kw.init_transactional_id(conn, txn)
        self.assertEqual(err, 0)
        got = []
        started = time.monotonic()
        for i in range(20):
            got.append(kw.add_partitions_to_txn(conn, txn, pid, epoch, {"out": [0, 1, 2]}))
            self.assertEqual(kw.end_txn(conn, txn, pid, epoch, commit=i % 2 == 0), 0)
        self.assertEqual(got, [{("out", p): 0 for p in range(3)}] * 20)
        # Not a speed test: a stall. The coordinator's next write comes from
        # the callback of its last one, on the same __consumer_offsets
        # partition; a follower's fetch used to miss it and wait its whole
        # max wait (500 ms) each time: 20 of those are 10 s.
        self.assertLess(time.monotonic() - started, 5.0)

    def test_a_new_coordinator_aborts_the_open_transaction(self):
        txn = "tx-kill"
        p = self.producer(txn)
        p.begin_transaction()
        for i in range(3):
            p.produce("out", b"lost%d" % i, partition=i)
        p.flush(30)
        coordinator = self.txn_coordinator(txn)
        self.brokers[coordinator].stop(signal.SIGKILL)
        self.wait_partitions("__consumer_offsets", lambda r: r["leader"] not in (-1, coordinator), 16, timeout=30)
        p2 = self.producer(txn)  # the new coordinator read the state back: the old transaction is aborted
        p2.begin_transaction()
        p2.produce("out", b"kept", partition=1)
        p2.commit_transaction(30)
        self.assertEqual(self.read_committed(1, settle=2.0), [b"kept"])
        self.start(coordinator)

    def test_the_next_coordinator_finishes_a_commit(self):
        txn = "tx-finish"
        coordinator = self.txn_coordinator(txn)
        parts = self.partitions("out")
        victim = next(k for k, r in parts.items() if r["leader"] != coordinator)
        leader = parts[victim]["leader"]
        p = self.producer(txn)
        p.begin_transaction()
        for i in range(3):
            p.produce("out", b"c%d" % i, partition=i)
        p.flush(30)
        # one leader paused: the commit is answered, its marker cannot be written
        self.brokers[leader].proc.send_signal(signal.SIGSTOP)
        try:
            p.commit_transaction(30)
            time.sleep(0.5)
            self.brokers[coordinator].stop(signal.SIGKILL)
        finally:
            self.brokers[leader].proc.send_signal(signal.SIGCONT)
        # whoever takes the coordination over delivers the rest
        self.assertEqual(self.read_committed(3, timeout=60), [b"c0", b"c1", b"c2"])
        self.start(coordinator)


if __name__ == "__main__":
    unittest.main()
