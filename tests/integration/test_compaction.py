"""Log compaction under a real brookd with real clients (confluent-kafka,
librdkafka): a compacted topic keeps the latest record of each key at its
own offset, tombstoned keys disappear after delete.retention.ms, consumers
reading while the cleaner rewrites segments see whole batches only
(check.crcs), compressed batches are cleaned, keyless records are refused,
and kill -9 at random points of cleanings loses nothing."""
import glob
import os
import random
import shutil
import signal
import tempfile
import threading
import time
import unittest

from brooktest import Broker
import kafkawire as kw

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

KEYS = 1000


def storage(**options):
    text = "".join('%s = %s; ' % (k, '"%s"' % v if isinstance(v, str) else v) for k, v in options.items())
    return 'storage = { plugin = "segment"; flush = "os"; cleaner_check_ms = 50; %s};' % text


def key_of(i):
    return b"k%04d" % (i % KEYS)


class Compaction(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="brook-compact-it-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def start(self, **options):
        b = Broker(self.dir, storage=storage(**options)).start()
        self.addCleanup(b.stop, signal.SIGKILL)  # no broker outlives a failed test
        return b

    def create(self, b, name, config):
        admin = AdminClient({"bootstrap.servers": "127.0.0.1:%d" % b.kafka_port})
        admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1, config=config)])[name].result(10)

    def produce(self, b, topic, records, compression="lz4"):
        """records: (key, value) pairs; returns {key: offset of its last record}."""
        p = Producer({"bootstrap.servers": "127.0.0.1:%d" % b.kafka_port, "linger.ms": 5,
                      "compression.type": compression, "enable.idempotence": True})
        last, errors = {}, []

        def delivered(err, msg):
            if err:
                errors.append(err)
            else:
                last[msg.key()] = max(last.get(msg.key(), -1), msg.offset())

        for k, v in records:
            for _ in range(600):  # a full local queue drains as the broker acknowledges (bounded: 60 s)
                try:
                    p.produce(topic, v, key=k, on_delivery=delivered)
                    break
                except BufferError:
                    p.poll(0.1)
            else:
                raise AssertionError("the producer's queue never drained")
        self.assertEqual(p.flush(60), 0)
        self.assertEqual(errors, [])
        return last

    def read_all(self, b, topic, group="reader"):
        """Every record from the start to the end: [(offset, key, value)]."""
        c = Consumer({"bootstrap.servers": "127.0.0.1:%d" % b.kafka_port, "group.id": group,
                      "enable.auto.commit": False, "check.crcs": True, "enable.partition.eof": True,
                      "auto.offset.reset": "earliest"})
        try:
            c.assign([TopicPartition(topic, 0, 0)])
            out = []
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                for m in c.consume(10000, 1.0):
                    if m.error():
                        if m.error().code() == KafkaError._PARTITION_EOF:
                            return out
                        raise AssertionError(m.error())
                    out.append((m.offset(), m.key(), m.value()))
            raise AssertionError("no end of partition in 60 s")
        finally:
            c.close()

    def latest_per_key(self, records):
        latest = {}
        for offset, k, v in records:
            latest[k] = (offset, v)
        return latest

    def wait_for(self, b, topic, done, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            records = self.read_all(b, topic)
            if done(records):
                return records
            time.sleep(0.2)
        raise AssertionError("compaction did not get there in %d s; log:\n%s" % (timeout, b.log()[-3000:]))

    def test_latest_record_per_key_survives_at_its_offset_and_tombstones_go(self):
        b = self.start()
        self.create(b, "state", {"cleanup.policy": "compact", "segment.bytes": "65536", "segment.ms": "1000",
                                 "min.cleanable.dirty.ratio": "0.01", "delete.retention.ms": "3000"})
        writes = [(key_of(i), b"%d" % i) for i in range(200000)]
        writes += [(key_of(i), None) for i in range(100)]  # tombstones for k0000-k0099
        last = self.produce(b, "state", writes)
        time.sleep(1.1)  # segment.ms: the next record rolls the active segment out
        last.update(self.produce(b, "state", [(b"sentinel", b"end")]))
        expected = {key_of(i): (last[key_of(i)], b"%d" % i) for i in range(199000, 200000) if i % KEYS >= 100}
        # a consumer reading again and again while the cleaner works: whole batches only
        stop, torn = threading.Event(), []

        def reread():
            while not stop.is_set():
                try:
                    records = self.read_all(b, "state", group="through")
                    offsets = [o for o, _, _ in records]
                    if offsets != sorted(set(offsets)):
                        torn.append("offsets out of order or twice")
                except AssertionError as e:
                    torn.append(str(e))
        t = threading.Thread(target=reread)
        t.start()
        try:
            # 900 live keys and the sentinel, once the tombstones' delete.retention.ms is over
            records = self.wait_for(b, "state", lambda r: len(r) <= KEYS - 100 + 1)
        finally:
            stop.set()
            t.join(90)
        self.assertEqual(torn, [])
        latest = self.latest_per_key(records)
        self.assertEqual(len(records), len(latest))  # each key once
        for k, (offset, v) in expected.items():
            self.assertEqual(latest[k], (offset, v), k)  # the latest value at its own offset
        self.assertEqual(latest[b"sentinel"], (last[b"sentinel"], b"end"))
        self.assertFalse({key_of(i) for i in range(100)} & set(latest))  # tombstoned keys: gone
        self.assertIn("compacted offsets", b.log())

    def test_keyless_records_are_refused_by_a_compacted_topic(self):
        b = self.start()
        self.create(b, "keyed", {"cleanup.policy": "compact"})
        p = Producer({"bootstrap.servers": "127.0.0.1:%d" % b.kafka_port, "linger.ms": 0})
        errors = []
        p.produce("keyed", b"no key", on_delivery=lambda err, msg: errors.append(err))
        p.flush(10)  # a batch of its own: Kafka refuses a whole batch
        p.produce("keyed", b"a value", key=b"k", on_delivery=lambda err, msg: errors.append(err))
        p.flush(10)
        self.assertEqual(errors[0].code(), KafkaError.INVALID_RECORD)
        self.assertIsNone(errors[1])
        self.assertEqual([(k, v) for _, k, v in self.read_all(b, "keyed")], [(b"k", b"a value")])

    def test_incremental_append_and_subtract_change_the_policy(self):
        b = self.start()
        self.create(b, "policy", {})
        admin = AdminClient({"bootstrap.servers": "127.0.0.1:%d" % b.kafka_port})

        def incremental(op, value):
            conn = kw.Conn(b.kafka_port)
            try:
                changes = [("cleanup.policy", op, value)]
                return kw.parse_alter_configs_v0(conn.call(44, 0, kw.incremental_alter_configs_v0("policy", changes)))[0]
            finally:
                conn.close()

        def policy():
            f = admin.describe_configs([ConfigResource("topic", "policy")])
            return list(f.values())[0].result(10)["cleanup.policy"].value

        self.assertEqual(policy(), "delete")  # the storage's cleanup_policy
        self.assertEqual(incremental(2, "compact")[0], 0)  # APPEND to the default
        self.assertEqual(policy(), "delete,compact")
        self.assertEqual(incremental(2, "compact")[0], 0)  # nothing twice
        self.assertEqual(policy(), "delete,compact")
        self.assertEqual(incremental(3, "delete")[0], 0)  # SUBTRACT
        self.assertEqual(policy(), "compact")
        err, message, _, _ = incremental(3, "compact")
        self.assertEqual(err, 40)  # INVALID_CONFIG: nothing left
        self.assertIn("cleanup.policy", message)
        self.assertEqual(policy(), "compact")

    def test_kill_9_at_random_points_of_cleanings_loses_nothing(self):
        options = {"cleaner_io_bytes_per_second": 300000, "segment_bytes": 32768}
        b = self.start(**options)
        self.create(b, "kill", {"cleanup.policy": "compact", "min.cleanable.dirty.ratio": "0.01"})
        rng = random.Random(9)
        expected = {}  # key -> (offset, value) of its latest acknowledged record
        cut_short = 0
        for round_ in range(10):
            writes = [(key_of(i), b"r%d-%d" % (round_, i)) for i in range(20000)]
            last = self.produce(b, "kill", writes, compression=rng.choice(["none", "gzip", "snappy", "lz4", "zstd"]))
            for i in range(20000):
                expected[key_of(i)] = (last[key_of(i)], b"r%d-%d" % (round_, i))
            time.sleep(rng.uniform(0.1, 2.0))  # somewhere in the cleaning the round starts (a few s at this rate)
            b.stop(signal.SIGKILL)
            leftovers = glob.glob(os.path.join(b.data, "kill-0", "*.cleaned")) + \
                glob.glob(os.path.join(b.data, "kill-0", "*.swap"))
            cut_short += bool(leftovers)
            b = self.start(**options)
            latest = self.latest_per_key(self.read_all(b, "kill"))
            for k, want in expected.items():
                self.assertEqual(latest.get(k), want, "round %d, key %r" % (round_, k))
        self.assertGreater(cut_short, 0, "no kill landed inside a cleaning: the test proves nothing")
        # left alone, the last broker finishes a cleaning, and still nothing is lost
        deadline = time.monotonic() + 60
        while "compacted offsets" not in b.log() and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertIn("compacted offsets", b.log())
        records = self.read_all(b, "kill")
        latest = self.latest_per_key(records)
        self.assertEqual({k: latest.get(k) for k in expected}, expected)


if __name__ == "__main__":
    unittest.main()
