"""Kafka transactions (KIP-98) against a real brookd with librdkafka's
transactional producer (confluent-kafka): commit and abort as
read_committed and read_uncommitted consumers see them, offsets committed
inside a transaction (consume-transform-produce), a second producer with
the same transactional id fencing the first and aborting its transaction,
a transaction past its timeout aborted by the coordinator, and the
coordinator's state surviving kill -9 and the compaction of the offsets
log. Raw frames check the errors librdkafka never provokes."""
import os
import re
import shutil
import signal
import struct
import tempfile
import time
import unittest
import urllib.request

from brooktest import Broker, brookctl, read_values
import kafkawire as kw

try:
    from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
except ImportError:
    raise unittest.SkipTest("python3-confluent-kafka is not installed")

SEGMENT = 'storage = { plugin = "segment"; flush = "always"; };'
# a quick timeout scan; a small offsets log so that it compacts
EXTRA = ('transactions = { abort_timed_out_interval_ms = 200; };\ngroups = { offsets_compact_records = 20; };\n'
         'metrics = { address = "127.0.0.1:0"; };')


class Transactions(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="brook-txns-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.broker = Broker(self.dir, storage=SEGMENT, extra=EXTRA).start()
        self.addCleanup(self.stop)
        for topic in ("in", "out"):
            r = brookctl(self.broker.address, "topics", "create", topic, "--partitions", "2")
            self.assertEqual(r.returncode, 0, r.stderr)

    def stop(self):
        if self.broker.alive():
            self.assertEqual(self.broker.stop(), 0, self.broker.log())
        self.assertNotIn("runtime error:", self.broker.log())

    def restart(self, sig=signal.SIGKILL):
        self.broker.stop(sig)
        self.broker = Broker(self.dir, storage=SEGMENT, extra=EXTRA).start()

    def metrics(self):
        """brookd's transactions_* counters: {name: value}."""
        port = re.search(r"metrics endpoint listening on 127\.0\.0\.1:(\d+)", self.broker.log()).group(1)
        with urllib.request.urlopen("http://127.0.0.1:%s/metrics" % port, timeout=5) as r:
            text = r.read().decode()
        return {m.group(1): int(m.group(2)) for m in re.finditer(r"^brook_(transactions_\w+) (\d+)$", text, re.M)}

    def bootstrap(self):
        return "127.0.0.1:%d" % self.broker.kafka_port

    def producer(self, txn_id, **extra):
        conf = {"bootstrap.servers": self.bootstrap(), "transactional.id": txn_id,
                "transaction.timeout.ms": 10000, "message.timeout.ms": 10000}
        conf.update(extra)
        p = Producer(conf)
        p.init_transactions(15)
        return p

    def read(self, topic, isolation, want, settle=1.0):
        return sorted(read_values(self.bootstrap(), topic, (0, 1), isolation, want, settle=settle))

    def committed(self, group, topic="in"):
        c = Consumer({"bootstrap.servers": self.bootstrap(), "group.id": group})
        try:
            return {tp.partition: tp.offset for tp in c.committed([TopicPartition(topic, p) for p in (0, 1)],
                                                                 timeout=10)}
        finally:
            c.close()

    def test_commit_and_abort_as_consumers_see_them(self):
        p = self.producer("tx-a")
        p.begin_transaction()
        for i in range(6):
            p.produce("out", b"c%d" % i, partition=i % 2)
        p.commit_transaction(15)
        p.begin_transaction()
        for i in range(4):
            p.produce("out", b"a%d" % i, partition=i % 2)
        p.flush(10)
        p.abort_transaction(15)
        p.begin_transaction()
        p.produce("out", b"c6", partition=1)
        p.commit_transaction(15)
        committed = sorted(b"c%d" % i for i in range(7))
        self.assertEqual(self.read("out", "read_committed", 7), committed)
        self.assertEqual(self.metrics(), {"transactions_committed_total": 2, "transactions_aborted_total": 1,
                                          "transactions_timed_out_total": 0})
        self.assertEqual(self.read("out", "read_uncommitted", 11), sorted(committed + [b"a%d" % i for i in range(4)]))
        # the coordinator's state and the logs' aborted lists survive a crash
        self.restart()
        self.assertEqual(self.read("out", "read_committed", 7), committed)
        p2 = self.producer("tx-a")  # same id after the restart: a new epoch of the same producer
        p2.begin_transaction()
        p2.produce("out", b"c7", partition=0)
        p2.commit_transaction(15)
        self.assertEqual(self.read("out", "read_committed", 8), sorted(committed + [b"c7"]))

    def test_offsets_committed_inside_a_transaction(self):
        seed = Producer({"bootstrap.servers": self.bootstrap()})
        for i in range(10):
            seed.produce("in", b"m%d" % i, partition=i % 2)
        self.assertEqual(seed.flush(10), 0)
        c = Consumer({"bootstrap.servers": self.bootstrap(), "group.id": "etl", "enable.auto.commit": False,
                      "auto.offset.reset": "earliest", "isolation.level": "read_committed"})
        c.subscribe(["in"])
        got, deadline = [], time.time() + 20
        while len(got) < 10 and time.time() < deadline:
            m = c.poll(0.2)
            if m is not None and not m.error():
                got.append(m)
        self.assertEqual(len(got), 10)
        p = self.producer("tx-etl")
        # aborted: the output is gone and the group's offsets stay where they were
        p.begin_transaction()
        for m in got:
            p.produce("out", m.value().upper(), partition=m.partition())
        p.send_offsets_to_transaction(c.position(c.assignment()), c.consumer_group_metadata(), 15)
        p.abort_transaction(15)
        self.assertEqual(self.committed("etl"), {0: -1001, 1: -1001})
        # committed: both at once
        p.begin_transaction()
        for m in got:
            p.produce("out", m.value().upper(), partition=m.partition())
        p.send_offsets_to_transaction(c.position(c.assignment()), c.consumer_group_metadata(), 15)
        p.commit_transaction(15)
        c.close()
        self.assertEqual(self.committed("etl"), {0: 5, 1: 5})
        self.assertEqual(self.read("out", "read_committed", 10), sorted(b"M%d" % i for i in range(10)))
        # through a crash, and through the offsets log's compaction (it
        # holds more than offsets_compact_records records by now)
        for _ in range(3):
            p.begin_transaction()
            p.produce("out", b"more", partition=0)
            p.commit_transaction(15)
        self.restart()
        self.assertEqual(self.committed("etl"), {0: 5, 1: 5})
        self.restart(signal.SIGTERM)
        self.assertEqual(self.committed("etl"), {0: 5, 1: 5})

    def test_a_new_producer_fences_the_old_one_and_aborts_its_transaction(self):
        old = self.producer("tx-f")
        old.begin_transaction()
        old.produce("out", b"zombie", partition=0)
        old.flush(10)
        new = self.producer("tx-f")  # aborts the open transaction, fences `old`
        new.begin_transaction()
        new.produce("out", b"fresh", partition=0)
        new.commit_transaction(15)
        with self.assertRaises(KafkaException) as ctx:
            old.commit_transaction(15)
        self.assertTrue(ctx.exception.args[0].fatal(), ctx.exception.args[0])
        self.assertEqual(self.read("out", "read_committed", 1), [b"fresh"])

    def test_a_transaction_past_its_timeout_is_aborted(self):
        slow = self.producer("tx-t", **{"transaction.timeout.ms": 1000, "message.timeout.ms": 1000})
        slow.begin_transaction()
        slow.produce("out", b"too-slow", partition=0)
        slow.flush(10)
        time.sleep(2.5)  # the coordinator aborts it and fences the producer
        plain = Producer({"bootstrap.servers": self.bootstrap()})
        plain.produce("out", b"after", partition=0)
        self.assertEqual(plain.flush(10), 0)
        self.assertEqual(self.read("out", "read_committed", 1), [b"after"])  # the stable offset moved on
        with self.assertRaises(KafkaException):
            slow.commit_transaction(15)
        self.assertIn("past its timeout", self.broker.log())
        m = self.metrics()
        self.assertEqual((m["transactions_timed_out_total"], m["transactions_aborted_total"]), (1, 1))

    def test_an_open_transaction_is_aborted_after_a_crash(self):
        p = self.producer("tx-k", **{"transaction.timeout.ms": 1500, "message.timeout.ms": 1500})
        p.begin_transaction()
        p.produce("out", b"lost", partition=1)
        p.flush(10)
        self.restart()
        time.sleep(2.5)
        plain = Producer({"bootstrap.servers": self.bootstrap()})
        plain.produce("out", b"after", partition=1)
        self.assertEqual(plain.flush(10), 0)
        self.assertEqual(self.read("out", "read_committed", 1), [b"after"])


class TransactionErrors(unittest.TestCase):
    """What librdkafka never sends: each refusal with Kafka's error."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="brook-txe-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.broker = Broker(self.dir, extra='transactions = { max_timeout_ms = 60000; };').start()
        self.addCleanup(lambda: self.broker.stop())
        r = brookctl(self.broker.address, "topics", "create", "t")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.conn = kw.Conn(self.broker.kafka_port)
        self.addCleanup(self.conn.close)

    def init(self, txn_id, timeout=10000):
        return kw.init_transactional_id(self.conn, txn_id, timeout)

    def add_partitions(self, txn_id, pid, epoch, topics):
        return kw.add_partitions_to_txn(self.conn, txn_id, pid, epoch, topics)

    def end(self, txn_id, pid, epoch, commit):
        return kw.end_txn(self.conn, txn_id, pid, epoch, commit)

    def add_offsets(self, txn_id, pid, epoch, group):
        return kw.add_offsets_to_txn(self.conn, txn_id, pid, epoch, group)

    def txn_offset_commit(self, txn_id, group, pid, epoch, offsets):
        """TxnOffsetCommit v0: offsets {(topic, partition): offset}; {(topic, partition): error}."""
        body = kw.txn_offset_commit_v0(txn_id, group, pid, epoch, offsets)
        return kw.parse_txn_offset_commit_v0(self.conn.call(28, 0, body))

    def end_until_done(self, txn_id, pid, epoch, commit):
        deadline = time.time() + 10
        err = self.end(txn_id, pid, epoch, commit)
        while err == 51 and time.time() < deadline:  # its markers on their way
            time.sleep(0.05)
            err = self.end(txn_id, pid, epoch, commit)
        return err

    def test_offsets_only_inside_their_transaction(self):
        """A TxnOffsetCommit after its transaction ended, or for a group the
        transaction does not hold, used to stay pending for good: every
        read_committed consumer of the group then got UNSTABLE_OFFSET_COMMIT
        (88) for ever."""
        err, pid, epoch = self.init("o")
        self.assertEqual(err, 0)
        self.assertEqual(self.add_offsets("o", pid, epoch, "g"), 0)
        self.assertEqual(self.txn_offset_commit("o", "g", pid, epoch, {("t", 0): 5}), {("t", 0): 0})
        self.assertEqual(self.end_until_done("o", pid, epoch, True), 0)
        stable = lambda group: kw.offset_fetch_v7(self.broker.kafka_port, group, "t", [0])  # noqa: E731
        self.assertEqual(stable("g"), {("t", 0): (5, 0)})
        self.assertEqual(self.txn_offset_commit("o", "g", pid, epoch, {("t", 0): 9}), {("t", 0): 48})  # late
        self.assertEqual(stable("g"), {("t", 0): (5, 0)})
        # the next transaction holds partitions but not the group's offsets
        self.assertEqual(self.add_partitions("o", pid, epoch, {"t": [0]}), {("t", 0): 0})
        self.assertEqual(self.txn_offset_commit("o", "g", pid, epoch, {("t", 0): 7}), {("t", 0): 48})
        self.assertEqual(self.txn_offset_commit("o", "g", pid + 1, epoch, {("t", 0): 7}), {("t", 0): 49})
        self.assertEqual(self.end_until_done("o", pid, epoch, False), 0)
        self.assertEqual(stable("g"), {("t", 0): (5, 0)})

    def test_list_and_describe(self):
        """KIP-664's admin view, by raw frames and by brookctl."""
        err, pid_a, epoch_a = self.init("a")
        self.assertEqual(err, 0)
        r = brookctl(self.broker.address, "topics", "create", "u", "--partitions", "3")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.add_partitions("a", pid_a, epoch_a, {"t": [0], "u": [2, 0]}), {("t", 0): 0, ("u", 0): 0,
                                                                                            ("u", 2): 0})
        err, pid_b, _ = self.init("b")
        port = self.broker.kafka_port
        self.assertEqual(kw.list_transactions(port), (0, [], {"a": (pid_a, "Ongoing"), "b": (pid_b, "Empty")}))
        self.assertEqual(kw.list_transactions(port, states=["Ongoing", "Nope"]), (0, ["Nope"], {"a": (pid_a, "Ongoing")}))
        self.assertEqual(kw.list_transactions(port, producer_ids=[pid_b])[2], {"b": (pid_b, "Empty")})
        self.assertEqual(kw.list_transactions(port, duration_ms=0)[2], {"a": (pid_a, "Ongoing")})  # one running
        self.assertEqual(kw.list_transactions(port, duration_ms=3600000)[2], {})
        got = kw.describe_transactions(port, ["a", "b", "nope", ""])
        err, state, timeout, start, pid, epoch, topics = got["a"]
        self.assertEqual((err, state, timeout, pid, epoch, topics),
                         (0, "Ongoing", 10000, pid_a, epoch_a, {"t": [0], "u": [0, 2]}))
        self.assertLessEqual(abs(start - time.time() * 1000), 60000)
        self.assertEqual(got["b"], (0, "Empty", 10000, -1, pid_b, 0, {}))
        self.assertEqual(got["nope"][0], 105)  # TRANSACTIONAL_ID_NOT_FOUND
        self.assertEqual(got[""][0], 42)  # INVALID_REQUEST
        # brookctl: the same, as tables
        r = brookctl(self.broker.address, "transactions", "list")
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = [line.split() for line in r.stdout.decode().splitlines()]
        self.assertEqual(rows, [["TRANSACTIONAL-ID", "PRODUCER-ID", "STATE"], ["a", str(pid_a), "Ongoing"],
                                ["b", str(pid_b), "Empty"]])
        r = brookctl(self.broker.address, "transactions", "list", "--state", "Ongoing")
        self.assertEqual(r.stdout.decode().split()[3:], ["a", str(pid_a), "Ongoing"])
        r = brookctl(self.broker.address, "transactions", "list", "--state", "Nope")
        self.assertEqual(r.returncode, 2)
        self.assertIn('no state "Nope"', r.stderr.decode())
        r = brookctl(self.broker.address, "transactions", "describe", "a", "nope")
        self.assertEqual(r.returncode, 1)
        self.assertIn('no transactional id "nope"', r.stderr.decode())
        row = r.stdout.decode().splitlines()[1].split()
        self.assertEqual(row[:5] + row[6:], ["a", "Ongoing", str(pid_a), str(epoch_a), "10000", "t-0", "u-0", "u-2"])
        # after its end: the complete state, no partitions, no start
        self.assertEqual(self.end_until_done("a", pid_a, epoch_a, False), 0)
        self.assertEqual(kw.describe_transactions(port, ["a"])["a"][:2], (0, "CompleteAbort"))
        self.assertEqual(kw.describe_transactions(port, ["a"])["a"][3:], (-1, pid_a, epoch_a, {}))

    def test_a_producer_starting_again_waits_for_the_abort_of_the_last_ones_transaction(self):
        """InitProducerId for an id whose transaction is open fences that
        producer and aborts its transaction; the new producer got
        CONCURRENT_TRANSACTIONS and retried (after 100 ms: librdkafka, the
        Java client). It now waits for the abort and gets its epoch."""
        err, pid, epoch = self.init("s")
        self.assertEqual(err, 0)
        self.assertEqual(self.add_partitions("s", pid, epoch, {"t": [0]}), {("t", 0): 0})
        self.assertEqual(self.init("s"), (0, pid, epoch + 2))  # one to fence, one for the new producer
        self.assertEqual(kw.describe_transactions(self.broker.kafka_port, ["s"])["s"][1], "Empty")
        self.assertEqual(self.add_partitions("s", pid, epoch + 1, {"t": [0]}), {("t", 0): 90})  # fenced

    def test_a_producer_bumping_its_own_epoch_may_ask_again(self):
        """KIP-360: a producer that names its id and epoch gets the next
        epoch; asked again with the same (its answer lost), it got
        PRODUCER_FENCED (90), fatal to the client. It now gets the same
        epoch again, nothing changed; an epoch before that is fenced."""
        port = self.broker.kafka_port
        err, pid, epoch = kw.init_producer_id_v3(port, "k")
        self.assertEqual(err, 0)
        self.assertEqual(kw.init_producer_id_v3(port, "k", pid, epoch), (0, pid, epoch + 1))
        self.assertEqual(kw.init_producer_id_v3(port, "k", pid, epoch), (0, pid, epoch + 1))  # the retry
        self.assertEqual(kw.init_producer_id_v3(port, "k", pid, epoch + 1), (0, pid, epoch + 2))
        self.assertEqual(kw.init_producer_id_v3(port, "k", pid, epoch)[0], 90)  # older than the last bump
        # a bump that aborts its own open transaction: the retry gets the epoch the abort fenced with
        self.assertEqual(self.add_partitions("k", pid, epoch + 2, {"t": [0]}), {("t", 0): 0})
        self.assertEqual(kw.init_producer_id_v3(port, "k", pid, epoch + 2), (0, pid, epoch + 3))
        self.assertEqual(kw.init_producer_id_v3(port, "k", pid, epoch + 2), (0, pid, epoch + 3))
        # a new producer (naming none) fences every earlier one, retries included
        self.assertEqual(kw.init_producer_id_v3(port, "k"), (0, pid, epoch + 4))
        self.assertEqual(kw.init_producer_id_v3(port, "k", pid, epoch + 3)[0], 90)

    def test_refusals(self):
        self.assertEqual(self.init("x", timeout=60001)[0], 50)  # INVALID_TRANSACTION_TIMEOUT
        self.assertEqual(self.init("")[0], 42)  # an empty transactional id: INVALID_REQUEST, as Kafka
        err, pid, epoch = self.init("x")
        self.assertEqual((err, epoch), (0, 0))
        self.assertEqual(self.init("x")[1:], (pid, 1))  # again: the next epoch
        epoch = 1
        # FindCoordinator for a transactional id: this broker
        data = self.conn.call(10, 1, kw.string("x") + struct.pack(">b", 1))
        _t, err, _m = struct.unpack_from(">ihh", data)
        self.assertEqual(err, 0)
        # unknown partitions: theirs UNKNOWN_TOPIC_OR_PARTITION, the rest OPERATION_NOT_ATTEMPTED
        got = self.add_partitions("x", pid, epoch, {"t": [0], "nope": [0]})
        self.assertEqual(got, {("t", 0): 55, ("nope", 0): 3})
        self.assertEqual(self.add_partitions("x", pid + 1, epoch, {"t": [0]}), {("t", 0): 49})  # wrong producer
        self.assertEqual(self.add_partitions("x", pid, epoch - 1, {"t": [0]}), {("t", 0): 90})  # PRODUCER_FENCED
        self.assertEqual(self.end("x", pid, epoch, True), 48)  # nothing to end: INVALID_TXN_STATE
        self.assertEqual(self.add_partitions("x", pid, epoch, {"t": [0]}), {("t", 0): 0})
        self.assertEqual(self.end("x", pid, epoch, True), 0)
        # a retry of the end: waits while the markers go (it was answered
        # CONCURRENT_TRANSACTIONS, retried by clients after 100 ms), then the same answer
        self.assertEqual(self.end("x", pid, epoch, True), 0)
        self.assertEqual(self.end("x", pid, epoch, False), 48)  # it committed: no abort now
        self.assertEqual(self.end("unknown", pid, epoch, True), 49)  # INVALID_PRODUCER_ID_MAPPING


class TransactionsDenied(unittest.TestCase):
    """WRITE on the transactional id is needed: without it, librdkafka's
    init_transactions fails with TRANSACTIONAL_ID_AUTHORIZATION_FAILED."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="brook-txd-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        acl = os.path.join(self.dir, "acl")
        with open(acl, "w") as f:
            f.write("allow User:ANONYMOUS * ALL topic literal *\n"
                    "allow User:ANONYMOUS * ALL transactional_id literal allowed\n"
                    "allow User:ANONYMOUS * DESCRIBE transactional_id literal denied\n"
                    "allow User:ANONYMOUS * WRITE transactional_id literal hidden\n"
                    "deny User:ANONYMOUS * DESCRIBE transactional_id literal hidden\n")
        self.broker = Broker(self.dir, extra='auth = ( { plugin = "acl"; file = "%s"; } );' % acl).start()
        self.addCleanup(lambda: self.broker.stop())
        r = brookctl(self.broker.address, "topics", "create", "t")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_write_on_the_transactional_id(self):
        boot = "127.0.0.1:%d" % self.broker.kafka_port
        ok = Producer({"bootstrap.servers": boot, "transactional.id": "allowed"})
        ok.init_transactions(15)
        ok.begin_transaction()
        ok.produce("t", b"x")
        ok.commit_transaction(15)
        no = Producer({"bootstrap.servers": boot, "transactional.id": "denied"})
        with self.assertRaises(KafkaException) as ctx:
            no.init_transactions(15)
        self.assertIn("TRANSACTIONAL_ID_AUTHORIZATION_FAILED", str(ctx.exception))

    def test_describe_on_the_transactional_id(self):
        """An id the client may not DESCRIBE is left out of lists and refused
        by DescribeTransactions (53), as Kafka."""
        port = self.broker.kafka_port
        conn = kw.Conn(port)
        self.addCleanup(conn.close)
        for txn_id in ("allowed", "hidden"):
            self.assertEqual(kw.init_transactional_id(conn, txn_id)[0], 0)
        self.assertEqual(sorted(kw.list_transactions(port)[2]), ["allowed"])
        got = kw.describe_transactions(port, ["allowed", "hidden"])
        self.assertEqual((got["allowed"][0], got["hidden"][0]), (0, 53))


if __name__ == "__main__":
    unittest.main()
