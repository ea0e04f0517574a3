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
WriteTxnMarkers): the producer begins its transaction with the broker's
coordinator as a client does, and the markers are written by hand.

A hostile or late producer cannot open a transaction nobody will end
(KIP-890): transactional batches need the request's transactional id,
and a transaction's first batch in a partition is taken only if its
coordinator says the partition is in that producer's ongoing
transaction."""
import os
import shutil
import signal
import tempfile
import time
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
CORRUPT_MESSAGE, INVALID_RECORD, INVALID_PRODUCER_ID_MAPPING, TXN_ID_DENIED = 2, 87, 49, 53
TXN = "log"


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

    def produce(self, values, pid=-1, epoch=-1, seq=-1, txn=False, txn_id=TXN, topic="t"):
        b = kw.batch(values, producer_id=pid, epoch=epoch, sequence=seq, transactional=txn)
        return self.produce_bytes(b, txn_id, topic)

    def produce_bytes(self, records, txn_id=TXN, topic="t"):
        return kw.parse_produce_v3(self.call(0, 3, kw.produce_v3(topic, 0, records, txn_id=txn_id)))[0][2:]

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

    def open_pid(self, topics=None):
        """A transactional producer with t-0 (or `topics`) in its transaction."""
        if not self.conn:
            self.conn = kw.Conn(self.broker.kafka_port)
        return kw.transaction(self.conn, TXN, topics or {"t": [0]})

    def init_again(self):
        """InitProducerId for the same id until done: the coordinator fences
        the producer (aborting its transaction first): the new epoch."""
        for _ in range(100):
            err, _pid, epoch = kw.init_transactional_id(self.conn, TXN)
            if err == 0:
                return epoch
            self.assertEqual(err, 51)  # CONCURRENT_TRANSACTIONS while its abort markers go
            time.sleep(0.05)
        self.fail("InitProducerId never finished")

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
        # the coordinator fences the producer (its abort marker at epoch + 1)
        new_epoch = self.init_again()
        self.assertGreater(new_epoch, epoch + 1)
        self.assertEqual(self.marker(pid, epoch, commit=True), INVALID_PRODUCER_EPOCH)
        self.assertEqual(self.marker(pid, epoch + 1, commit=False, coordinator_epoch=5), 0)  # ends nothing
        self.assertEqual(self.marker(pid, epoch + 1, commit=True, coordinator_epoch=4), 52)  # COORDINATOR_FENCED
        # the fenced producer's batches are refused; the new epoch starts at 0
        self.assertEqual(self.produce([b"late"], pid, epoch, 1, txn=True)[0], INVALID_PRODUCER_EPOCH)
        self.assertEqual(kw.add_partitions_to_txn(self.conn, TXN, pid, new_epoch, {"t": [0]}), {("t", 0): 0})
        self.assertEqual(self.produce([b"new"], pid, new_epoch, 0, txn=True), (0, 3))
        self.assertEqual(self.marker(pid, new_epoch, commit=True, coordinator_epoch=5), 0)
        self.assertEqual(self.committed(1), [b"new"])
        got = kw.write_txn_markers(self.broker.kafka_port, [(pid, new_epoch, True, {"nope": [0], "t": [9]}, 5)])
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
        self.assertEqual(err, INVALID_RECORD)

    def assert_stable(self):
        """Nothing holds read_committed consumers back: the last stable
        offset is the high watermark."""
        self.assertEqual(self.latest(isolation=1), self.latest(isolation=0))

    def test_no_transaction_opens_without_its_coordinator(self):
        """Each of these used to be appended and open a transaction nobody
        would end: the partition's last stable offset stuck for good."""
        pid, epoch = self.open_pid()
        self.assertEqual(self.produce([b"plain"], txn_id=None), (0, 0))
        # no transactional id in the request, or one the client may not use
        self.assertEqual(self.produce([b"a"], pid, epoch, 0, txn=True, txn_id=None)[0], TXN_ID_DENIED)
        self.assertEqual(self.produce([b"a"], pid, epoch, 0, txn=True, txn_id="")[0], TXN_ID_DENIED)
        # a producer id the coordinator never gave this id, or an id it does not know
        self.assertEqual(self.produce([b"a"], pid + 7, 0, 0, txn=True)[0], INVALID_PRODUCER_ID_MAPPING)
        self.assertEqual(self.produce([b"a"], pid, epoch, 0, txn=True, txn_id="other")[0],
                         INVALID_PRODUCER_ID_MAPPING)
        # a partition the producer did not add to its transaction
        r = brookctl(self.broker.address, "topics", "create", "u")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.produce([b"a"], pid, epoch, 0, txn=True, topic="u")[0], INVALID_TXN_STATE)
        self.assertIn("produce to u-0 from 127.0.0.1", self.broker.log())
        self.assertIn("refused: the partition is not in the producer's ongoing transaction", self.broker.log())
        # a transactional batch behind a plain one in the same request
        two = kw.batch([b"p"]) + kw.batch([b"a"], producer_id=pid, epoch=epoch, sequence=0, transactional=True)
        self.assertEqual(self.produce_bytes(two)[0], CORRUPT_MESSAGE)
        self.assert_stable()
        # the real thing, ended by its coordinator: then a batch late for it
        self.assertEqual(self.produce([b"in"], pid, epoch, 0, txn=True), (0, 1))
        self.assertEqual(kw.end_txn(self.conn, TXN, pid, epoch, commit=True), 0)
        deadline = time.time() + 10
        while self.latest(isolation=1) < 3 and time.time() < deadline:  # its marker written
            time.sleep(0.05)
        err = self.produce([b"late"], pid, epoch, 1, txn=True)[0]
        while err == 19 and time.time() < deadline:  # NOT_ENOUGH_REPLICAS: retried until written complete
            time.sleep(0.05)
            err = self.produce([b"late"], pid, epoch, 1, txn=True)[0]
        self.assertEqual(err, INVALID_TXN_STATE)
        self.assert_stable()
        self.restart(signal.SIGKILL)  # and nothing the log replays opens one either
        self.assert_stable()
        self.assertEqual(self.committed(2), [b"plain", b"in"])

    def test_brookctl_aborts_a_transaction_left_open(self):
        r = brookctl(self.broker.address, "transactions", "abort", "t:0")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no transaction is open in t-0", r.stderr.decode())
        pid, epoch = self.open_pid()
        self.assertEqual(self.produce([b"x"], pid, epoch, 0, txn=True), (0, 0))
        other = kw.transaction(self.conn, "log-2", {"t": [0]})
        self.assertEqual(self.produce([b"y"], other[0], other[1], 0, txn=True, txn_id="log-2"), (0, 1))
        self.assertEqual(self.produce([b"plain"], txn_id=None), (0, 2))
        self.assertEqual(self.latest(isolation=1), 0)
        r = brookctl(self.broker.address, "transactions", "abort", "t:0")
        self.assertEqual(r.returncode, 1)
        self.assertIn("2 transactions are open in t-0: name one with --producer-id", r.stderr.decode())
        r = brookctl(self.broker.address, "transactions", "abort", "t:0", "--producer-id", str(pid))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("aborted the transaction of producer %d in t-0 (open since offset 0)" % pid, r.stdout.decode())
        self.assertEqual(self.latest(isolation=1), 1)  # held back by the other one now
        r = brookctl(self.broker.address, "transactions", "abort", "t:0")  # the only one left
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_stable()
        self.assertEqual(self.committed(1), [b"plain"])
        for bad in (["t"], ["t:x"], [":0"], ["t:0", "--producer-id", "-3"], []):
            self.assertEqual(brookctl(self.broker.address, "transactions", "abort", *bad).returncode, 2, bad)
        self.assertEqual(brookctl(self.broker.address, "transactions", "abort", "nope:0").returncode, 1)

    def test_native_produce_names_its_transactional_id(self):
        pid, epoch = self.open_pid()
        n = Native(self.broker.port)
        self.addCleanup(n.close)
        b = kw.batch([b"n"], producer_id=pid, epoch=epoch, sequence=0, transactional=True)
        self.assertEqual(n.call("produce", topic="t", partition=0, batch=b)["error"], 50)  # TRANSACTIONAL_ID_DENIED
        r = n.call("produce", topic="t", partition=0, batch=b, transactional_id="")
        self.assertEqual(r["error"], 2)
        self.assertIn("transactional_id", r["message"])
        r = n.call("produce", topic="t", partition=0, batch=b, transactional_id=TXN)
        self.assertEqual((r["error"], r["base_offset"]), (0, 0))
        # the partition's producers, as `brookctl transactions abort` reads them
        r = n.call("describe_producers", topic="t", partition=0)
        self.assertEqual([(p["producer_id"], p["producer_epoch"], p["txn_start_offset"], p["coordinator_epoch"])
                          for p in r["producers"]], [(pid, epoch, 0, -1)])
        self.assertEqual(n.call("describe_producers", topic="t")["error"], 2)
        self.assertEqual(n.call("describe_producers", topic="t", partition=5)["error"], 4)
        # the inter-broker question itself: malformed, unknown, in, not in
        r = n.call("verify_txn", producer_id=pid, producer_epoch=epoch, partitions=[])
        self.assertEqual(r["error"], 2)
        self.assertIn("transactional_id", r["message"])
        r = n.call("verify_txn", transactional_id=TXN, producer_id=pid, producer_epoch=epoch, partitions=[{}])
        self.assertEqual(r["error"], 2)
        tps = [{"topic": "t", "partition": 0}, {"topic": "t", "partition": 1}]
        r = n.call("verify_txn", transactional_id=TXN, producer_id=pid, producer_epoch=epoch, partitions=tps)
        self.assertEqual((r["error"], r["errors"]), (0, [0, 43]))  # in it; INVALID_TXN_STATE
        r = n.call("verify_txn", transactional_id="nope", producer_id=pid, producer_epoch=epoch, partitions=tps)
        self.assertEqual(r["errors"], [46, 46])  # INVALID_PRODUCER_ID_MAPPING


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
        # a partition leader's question to a coordinator is the cluster's too
        n = Native(self.broker.port)
        self.addCleanup(n.close)
        r = n.call("verify_txn", transactional_id="x", producer_id=1, producer_epoch=0,
                   partitions=[{"topic": "t", "partition": 0}])
        self.assertEqual(r["errors"], [10])  # DENIED

    def test_transactional_batches_need_write_on_the_transactional_id(self):
        self.ctl("topics", "create", "t")
        conn = kw.Conn(self.broker.kafka_port)
        self.addCleanup(conn.close)
        b = kw.batch([b"x"], producer_id=1, epoch=0, sequence=0, transactional=True)
        got = kw.parse_produce_v3(conn.call(0, 3, kw.produce_v3("t", 0, b, txn_id="x")))
        self.assertEqual(got[0][2], TXN_ID_DENIED)
        got = kw.parse_produce_v3(conn.call(0, 3, kw.produce_v3("t", 0, kw.batch([b"plain"]), txn_id="x")))
        self.assertEqual(got[0][2], 0)  # only transactional batches need it, as Kafka


if __name__ == "__main__":
    unittest.main()
