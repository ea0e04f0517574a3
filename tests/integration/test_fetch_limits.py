"""A fetch response stays within the client's max_bytes and the broker's
limits.fetch_max_bytes, whatever its per-partition limits or however often
it names a partition, yet always carries one whole first batch so a
consumer makes progress (Kafka's rule). Checked with hand-made Fetch v4
frames and with a real librdkafka consumer."""
import struct
import time
import unittest

from brooktest import BrokerTestCase
import kafkawire as kw

from confluent_kafka import Consumer, TopicPartition

BATCH_VALUE = 100_000  # one record of this many bytes per batch
BATCHES = 60           # ~6 MB in the partition


def fetch_v4(parts, max_bytes, max_wait_ms=0, min_bytes=1):
    """parts: [(topic, partition, offset, partition_max_bytes)], each sent as its own topic row."""
    topics = [kw.string(t) + kw.array([struct.pack(">iqi", p, off, pmax)]) for t, p, off, pmax in parts]
    return struct.pack(">iiiib", -1, max_wait_ms, min_bytes, max_bytes, 0) + kw.array(topics)


def fetched_batches(data):
    """Record batches (base offset, size) in a Fetch v4 response body, and its partition errors."""
    p = 4  # throttle
    (nt,) = struct.unpack_from(">i", data, p)
    p += 4
    batches, errors = [], []
    for _ in range(nt):
        (ln,) = struct.unpack_from(">h", data, p)
        p += 2 + ln
        (n,) = struct.unpack_from(">i", data, p)
        p += 4
        for _ in range(n):
            _part, err, _hw, _lso = struct.unpack_from(">ihqq", data, p)
            errors.append(err)
            p += 4 + 2 + 8 + 8
            (na,) = struct.unpack_from(">i", data, p)
            p += 4 + max(na, 0) * 16
            (size,) = struct.unpack_from(">i", data, p)
            p += 4
            end = p + max(size, 0)
            while p + 12 <= end:
                base, length = struct.unpack_from(">qi", data, p)
                if p + 12 + length > end:
                    break  # a partial batch at the end is allowed by the protocol
                batches.append((base, 12 + length))
                p += 12 + length
            p = end
    return batches, errors


class FetchLimits(BrokerTestCase):
    extra = "limits = { fetch_max_bytes = 2000000; };"

    def setUp(self):
        super().setUp()
        self.ctl("topics", "create", "big")
        c = kw.Conn(self.broker.kafka_port)
        for i in range(BATCHES):
            value = bytes([65 + i % 26]) * BATCH_VALUE
            data = c.call(0, 3, kw.produce_v3("big", 0, kw.batch([value])))
            self.assertEqual(kw.parse_produce_v3(data)[0][2], 0)
        c.close()
        self.conn = kw.Conn(self.broker.kafka_port)

    def fetch(self, parts, max_bytes, expect_at_most):
        """The response's size (checked against `expect_at_most` before it is read) and body."""
        corr = self.conn.send(1, 4, fetch_v4(parts, max_bytes))
        (n,) = struct.unpack(">i", self.conn.read_exact(4))
        self.assertLessEqual(n, expect_at_most)
        data = self.conn.read_exact(n)
        self.assertEqual(struct.unpack_from(">i", data)[0], corr)
        return n, data[4:]

    def test_response_max_bytes_bounds_large_partition_limits(self):
        size, body = self.fetch([("big", 0, 0, 20_000_000)], 1_000_000, 1_000_000 + 1000)
        batches, errors = fetched_batches(body)
        self.assertEqual(errors, [0])
        self.assertGreater(len(batches), 5)  # and it is not starved either
        self.assertEqual(batches[0][0], 0)

    def test_first_batch_comes_whole_even_over_max_bytes(self):
        size, body = self.fetch([("big", 0, 7, 20_000_000)], 1000, 2 * BATCH_VALUE)
        batches, _ = fetched_batches(body)
        self.assertEqual([b[0] for b in batches], [7])
        self.assertGreater(size, BATCH_VALUE)

    def test_broker_limit_caps_a_partition_named_two_thousand_times(self):
        parts = [("big", 0, 0, 1_000_000)] * 2000
        # limits.fetch_max_bytes, plus the rows of the partitions left empty
        size, body = self.fetch(parts, 0x7FFFFFFF, 2_000_000 + 2000 * 40)
        batches, errors = fetched_batches(body)
        self.assertEqual(len(errors), 2000)
        self.assertGreater(sum(b[1] for b in batches), 1_000_000)

    def test_librdkafka_consumer_with_a_small_fetch_max_bytes_reads_everything(self):
        c = Consumer({"bootstrap.servers": "127.0.0.1:%d" % self.broker.kafka_port, "group.id": "g",
                      "enable.auto.commit": False, "fetch.max.bytes": 1_000_000,
                      "max.partition.fetch.bytes": 20_000_000, "receive.message.max.bytes": 2_000_000})
        c.assign([TopicPartition("big", 0, 0)])
        got, deadline = [], time.monotonic() + 60
        while len(got) < BATCHES and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is None:
                continue
            self.assertIsNone(m.error(), m.error())
            got.append(m.offset())
        c.close()
        self.assertEqual(got, list(range(BATCHES)))


if __name__ == "__main__":
    unittest.main()
