"""DescribeProducers (61, KIP-664) against a real brookd: the idempotent
producers a partition's leader tracks (id, epoch, last sequence, when its
last batch arrived), from hand-made producers and a librdkafka idempotent
producer; an unknown partition and a topic the caller may not read answer
errors. No Debian client library sends the request (librdkafka 2.0 and
kafka-python 2.0 predate it), so the frames are made by hand."""
import os
import shutil
import struct
import tempfile
import time
import unittest

from brooktest import BrokerTestCase
import kafkawire as kw

try:
    from confluent_kafka import Producer
except ImportError:
    raise unittest.SkipTest("python3-confluent-kafka is not installed")


def describe_producers(port, topics, txn=False):
    """{(topic, partition): (error, [(id, epoch, last_seq, last_ts)])}; with
    `txn`, each producer also with its coordinator epoch and its open
    transaction's first offset (-1: none)."""
    body = kw.uvarint(len(topics) + 1)
    for name, parts in topics:
        body += kw.compact(name) + kw.uvarint(len(parts) + 1) + b"".join(struct.pack(">i", p) for p in parts) + b"\0"
    r = kw.call_flexible(port, 61, 0, body + b"\0")
    r.take(">i")
    out = {}

    def producer():
        v = (r.take(">q"), r.take(">i"), r.take(">i"), r.take(">q"))
        txn_fields = (r.take(">i"), r.take(">q"))  # coordinator epoch, transaction start
        r.tags()
        return v + txn_fields if txn else v

    def partition(name):
        index, err = r.take(">i"), r.take(">h")
        r.str()
        producers = r.array(producer)
        r.tags()
        out[(name, index)] = (err, producers)

    def topic():
        name = r.str()
        r.array(lambda: partition(name))
        r.tags()
    r.array(topic)
    return out


class DescribeProducers(BrokerTestCase):
    def test_tracked_producers(self):
        self.ctl("topics", "create", "idem", "--partitions", "2")
        conn = kw.Conn(self.broker.kafka_port)
        self.addCleanup(conn.close)
        pids = []
        for _ in range(2):
            pid, epoch = kw.init_producer_id(conn)
            pids.append(pid)
            for seq in (0, 3):
                batch = kw.batch([b"a", b"b", b"c"], producer_id=pid, epoch=epoch, sequence=seq)
                self.assertEqual(kw.parse_produce_v3(conn.call(0, 3, kw.produce_v3("idem", 0, batch)))[0][2], 0)
        before = int(time.time() * 1000)
        p = Producer({"bootstrap.servers": "127.0.0.1:%d" % self.broker.kafka_port, "enable.idempotence": True})
        for i in range(10):
            p.produce("idem", b"%d" % i, partition=1)
        self.assertEqual(p.flush(10), 0)

        got = describe_producers(self.broker.kafka_port, [("idem", [0, 1, 7]), ("nope", [0])])
        err, producers = got[("idem", 0)]
        self.assertEqual(err, 0)
        self.assertEqual(sorted((pid, epoch, seq) for pid, epoch, seq, _ in producers),
                         [(pids[0], 0, 5), (pids[1], 0, 5)])
        err, producers = got[("idem", 1)]
        self.assertEqual((err, len(producers)), (0, 1))
        pid, epoch, seq, ts = producers[0]
        self.assertNotIn(pid, pids)
        self.assertEqual(seq, 9)  # ten records, sequences 0-9
        self.assertGreaterEqual(ts, before - 1000)
        self.assertEqual(got[("idem", 7)], (3, []))  # UNKNOWN_TOPIC_OR_PARTITION
        self.assertEqual(got[("nope", 0)], (3, []))


class DescribeProducersDenied(BrokerTestCase):
    def setUp(self):
        self.acl_dir = tempfile.mkdtemp(prefix="brook-dp-")
        self.addCleanup(shutil.rmtree, self.acl_dir, True)
        acl = os.path.join(self.acl_dir, "acl")
        with open(acl, "w") as f:
            f.write("allow User:ANONYMOUS * DESCRIBE topic literal *\nallow User:ANONYMOUS * CREATE topic literal *\n")
        self.extra = 'auth = ( { plugin = "acl"; file = "%s"; } );' % acl
        super().setUp()

    def test_read_on_the_topic_is_needed(self):
        self.ctl("topics", "create", "secret")
        got = describe_producers(self.broker.kafka_port, [("secret", [0])])
        self.assertEqual(got[("secret", 0)], (29, []))  # TOPIC_AUTHORIZATION_FAILED


if __name__ == "__main__":
    unittest.main()
