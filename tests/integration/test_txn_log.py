"""Transactions in a partition's log against a real brookd: transactional
batches are taken from idempotent producers, a COMMIT or ABORT marker
written by WriteTxnMarkers (27, the request a transaction coordinator or
an operator sends) ends them, and consumers read with Kafka's isolation
levels: a read_committed librdkafka consumer sees nothing past the last
stable offset while a transaction is open and never a record of an
aborted one, a read_uncommitted one sees everything. The state is rebuilt
after kill -9 and after a clean restart; stale markers and out-of-order
batches are refused with Kafka's errors; only the cluster's own may write
markers. The frames are made by hand (no Debian client sends
WriteTxnMarkers; the transaction coordinator comes next)."""
import os
import shutil
import signal
import tempfile
import unittest

from brooktest import Broker, BrokerTestCase, Native, brookctl, read_values
import kafkawire as kw
from test_describe_producers import describe_producers

try:
    from confluent_kafka import Producer
except ImportError:
    raise unittest.SkipTest("python3-confluent-kafka is not installed")

SEGMENT = 'storage = { plugin = "segment"; flush = "always"; };'
INVALID_PRODUCER_EPOCH, INVALID_TXN_STATE, UNKNOWN_TOPIC, CLUSTER_DENIED = 47, 48, 3, 31


class TxnLog(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="brook-txn-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.broker = Broker(self.dir, storage=SEGMENT).start()
        self.addCleanup(self.stop)
        self.conn = None
        r = brookctl(self.broker.address, "topics", "create", "t")
        self.assertEqual(r.returncode, 0, r.stderr)

    def stop(self):
        if self.conn:
            self.conn.close()
        if self.broker.alive():
            self.assertEqual(self.broker.stop(), 0, self.broker.log())
        self.assertNotIn("runtime error:", self.broker.log())

    def restart(self, sig):
        if self.conn:
            self.conn.close()
            self.conn = None
        self.broker.stop(sig)
        self.broker = Broker(self.dir, storage=SEGMENT).start()

    def call(self, key, version, body):
        if not self.conn:
            self.conn = kw.Conn(self.broker.kafka_port)
        return self.conn.call(key, version, body)

    def produce(self, values, pid=-1, epoch=-1, seq=-1, txn=False):
        b = kw.batch(values, producer_id=pid, epoch=epoch, sequence=seq, transactional=txn)
        return kw.parse_produce_v3(self.call(0, 3, kw.produce_v3("t", 0, b)))[0][2:]

    def marker(self, pid, epoch, commit, coordinator_epoch=0, topic="t"):
        got = kw.write_txn_markers(self.broker.kafka_port, [(pid, epoch, commit, {topic: [0]}, coordinator_epoch)])
        return got[(pid, topic, 0)]

    def latest(self, isolation):
        got = kw.parse_list_offsets_v4(self.call(2, 4, kw.list_offsets_v4("t", 0, -1, isolation=isolation)))
        self.assertEqual(got[0][2], 0)
        return got[0][4]

    def committed(self, want, settle=1.0):
        return read_values(self.bootstrap(), "t", [0], "read_committed", want, settle=settle)

    def uncommitted(self, want):
        return read_values(self.bootstrap(), "t", [0], "read_uncommitted", want, settle=0)

    def bootstrap(self):
        return "127.0.0.1:%d" % self.broker.kafka_port

    def ctl_consume(self, *args):
        r = brookctl(self.broker.address, "consume", "t", "--from-beginning", *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.decode().split()

    def open_pid(self):
        if not self.conn:
            self.conn = kw.Conn(self.broker.kafka_port)
        return kw.init_producer_id(self.conn)

    def test_read_committed_sees_committed_transactions_and_never_aborted_ones(self):
        pid, epoch = self.open_pid()
        self.assertEqual(self.produce([b"a1", b"a2"], pid, epoch, 0, txn=True), (0, 0))
        p = Producer({"bootstrap.servers": "127.0.0.1:%d" % self.broker.kafka_port})
        p.produce("t", b"p1", partition=0)
        self.assertEqual(p.flush(10), 0)
        # open: the last stable offset stays at the transaction's first offset
        self.assertEqual(self.latest(isolation=1), 0)
        self.assertEqual(self.latest(isolation=0), 3)
        self.assertEqual(self.uncommitted(3), [b"a1", b"a2", b"p1"])
        self.assertEqual(self.committed(0, settle=2.0), [])
        self.assertEqual(self.marker(pid, epoch, commit=True), 0)
        self.assertEqual(self.latest(isolation=1), 4)  # past the marker
        self.assertEqual(self.committed(3), [b"a1", b"a2", b"p1"])
        # an aborted transaction: its records are gone for read_committed
        self.assertEqual(self.produce([b"b1", b"b2"], pid, epoch, 2, txn=True), (0, 4))
        p.produce("t", b"p2", partition=0)
        self.assertEqual(p.flush(10), 0)
        self.assertEqual(self.marker(pid, epoch, commit=False), 0)
        p.produce("t", b"p3", partition=0)
        self.assertEqual(p.flush(10), 0)
        del p
        want = [b"a1", b"a2", b"p1", b"p2", b"p3"]
        self.assertEqual(self.committed(5), want)
        self.assertEqual(self.uncommitted(7), [b"a1", b"a2", b"p1", b"b1", b"b2", b"p2", b"p3"])
        # the aborted list survives a crash (rebuilt from the log) and a
        # clean stop (kept in the producer snapshot)
        for sig in (signal.SIGKILL, signal.SIGTERM):
            self.restart(sig)
            self.assertEqual(self.committed(5), want, sig)
            self.assertEqual(self.latest(isolation=1), 9)
        # brookctl consume: markers never shown; read_committed as above
        everything = "a1 a2 p1 b1 b2 p2 p3".split()
        self.assertEqual(self.ctl_consume(), everything)
        self.assertEqual(self.ctl_consume("--isolation-level", "read_uncommitted"), everything)
        self.assertEqual(self.ctl_consume("--isolation-level", "read_committed"), [w.decode() for w in want])

    def test_an_open_transaction_survives_restarts_and_holds_readers(self):
        pid, epoch = self.open_pid()
        self.assertEqual(self.produce([b"x"], pid, epoch, 0, txn=True), (0, 0))
        self.assertEqual(self.produce([b"y"], -1), (0, 1))
        # DescribeProducers names the producer holding the partition back, and since where
        described = describe_producers(self.broker.kafka_port, [("t", [0])], txn=True)[("t", 0)]
        self.assertEqual([(p[0], p[5]) for p in described[1]], [(pid, 0)])
        for sig in (signal.SIGKILL, signal.SIGTERM):
            self.restart(sig)
            self.assertEqual(self.latest(isolation=1), 0, sig)
            self.assertEqual(self.committed(0, settle=1.5), [])
        # a plain batch from the producer while its transaction is open
        self.assertEqual(self.produce([b"z"], pid, epoch, 1, txn=False)[0], INVALID_TXN_STATE)
        # brookctl's read_committed stops at the last stable offset: nothing yet
        self.assertEqual(self.ctl_consume("--isolation-level", "read_committed"), [])
        self.assertEqual(self.marker(pid, epoch, commit=True), 0)
        self.assertEqual(self.committed(2), [b"x", b"y"])
        self.assertEqual(self.ctl_consume("--isolation-level", "read_committed"), ["x", "y"])
        self.assertEqual(self.produce([b"z"], pid, epoch, 1, txn=False), (0, 3))  # ended: plain is fine again
        described = describe_producers(self.broker.kafka_port, [("t", [0])], txn=True)[("t", 0)]
        self.assertEqual([(p[0], p[4], p[5]) for p in described[1]], [(pid, 0, -1)])  # its marker's coordinator epoch

    def test_stale_markers_are_refused(self):
        pid, epoch = self.open_pid()
        self.assertEqual(self.produce([b"x"], pid, epoch, 0, txn=True), (0, 0))
        # the coordinator fences the producer (a newer epoch) with its abort
        self.assertEqual(self.marker(pid, epoch + 1, commit=False, coordinator_epoch=5), 0)
        self.assertEqual(self.marker(pid, epoch, commit=True, coordinator_epoch=5), INVALID_PRODUCER_EPOCH)
        self.assertEqual(self.marker(pid, epoch + 1, commit=True, coordinator_epoch=4), 52)  # COORDINATOR_FENCED
        # the fenced producer's batches are refused; the new epoch starts at 0
        self.assertEqual(self.produce([b"late"], pid, epoch, 1, txn=True)[0], INVALID_PRODUCER_EPOCH)
        self.assertEqual(self.produce([b"new"], pid, epoch + 1, 0, txn=True), (0, 2))
        self.assertEqual(self.marker(pid, epoch + 1, commit=True, coordinator_epoch=5), 0)
        self.assertEqual(self.committed(1), [b"new"])
        got = kw.write_txn_markers(self.broker.kafka_port, [(pid, epoch + 1, True, {"nope": [0], "t": [9]}, 5)])
        self.assertEqual(got, {(pid, "nope", 0): UNKNOWN_TOPIC, (pid, "t", 9): UNKNOWN_TOPIC})

    def test_native_refuses_bad_isolation_and_markers(self):
        n = Native(self.broker.port)
        self.addCleanup(n.close)
        r = n.call("fetch", topic="t", partition=0, offset=0, isolation="serializable")
        self.assertEqual(r["error"], 2)
        self.assertIn("read_committed", r["message"])
        r = n.call("list_offsets", topic="t", partition=0, isolation=1)
        self.assertEqual(r["error"], 2)
        r = n.call("write_txn_markers", producer_epoch=0, commit=1, partitions=[{"topic": "t", "partition": 0}])
        self.assertEqual(r["error"], 2)
        self.assertIn("producer_id", r["message"])
        r = n.call("write_txn_markers", producer_id=1, producer_epoch=0, commit=2, partitions=[])
        self.assertEqual(r["error"], 2)
        r = n.call("write_txn_markers", producer_id=1, producer_epoch=0, commit=1, partitions={"topic": "t"})
        self.assertEqual(r["error"], 2)
        r = n.call("write_txn_markers", producer_id=1, producer_epoch=0, commit=1, partitions=[{"topic": "t"}])
        self.assertEqual(r["error"], 2)
        # well formed: one error per partition, in order (nothing of producer 1 here: written)
        r = n.call("write_txn_markers", producer_id=1, producer_epoch=0, commit=1,
                   partitions=[{"topic": "t", "partition": 0}, {"topic": "nope", "partition": 0}])
        self.assertEqual((r["error"], r["errors"]), (0, [0, 4]))
        self.assertEqual(n.call("fetch", topic="t", partition=0, offset=0)["records"], [])  # a marker is no record

    def test_a_transactional_batch_needs_a_producer(self):
        err = self.produce([b"x"], -1, -1, -1, txn=True)[0]
        self.assertEqual(err, 87)  # INVALID_RECORD


class TxnMarkersDenied(BrokerTestCase):
    def setUp(self):
        self.acl_dir = tempfile.mkdtemp(prefix="brook-txn-acl-")
        self.addCleanup(shutil.rmtree, self.acl_dir, True)
        acl = os.path.join(self.acl_dir, "acl")
        with open(acl, "w") as f:
            f.write("allow User:ANONYMOUS * ALL topic literal *\n")
        self.extra = 'auth = ( { plugin = "acl"; file = "%s"; } );' % acl
        super().setUp()

    def test_cluster_action_is_needed(self):
        self.ctl("topics", "create", "t")
        got = kw.write_txn_markers(self.broker.kafka_port, [(1, 0, True, {"t": [0]}, 0)])
        self.assertEqual(got, {(1, "t", 0): CLUSTER_DENIED})


if __name__ == "__main__":
    unittest.main()
