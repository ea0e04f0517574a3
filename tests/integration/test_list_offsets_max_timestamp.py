"""ListOffsets v7's MAX_TIMESTAMP (-3, KIP-734): the offset and timestamp
of the record with the largest timestamp, wherever it lies in the log
(not the last one), on both storage backends and across a restart of
segment storage; an empty partition answers -1. v6/v7 are flexible;
hand-made frames (librdkafka 2.0 and kafka-python 2.0 stop at v5)."""
import signal
import struct
import unittest

from brooktest import BrokerTestCase
import kafkawire as kw

MAX_TIMESTAMP = -3


def list_offsets_v7(port, topic, partition, timestamp):
    """(error, timestamp, offset, leader_epoch) of one partition."""
    part = struct.pack(">iiq", partition, -1, timestamp) + b"\0"
    body = struct.pack(">ib", -1, 0) + kw.uvarint(2) + kw.compact(topic) + kw.uvarint(2) + part + b"\0" + b"\0"
    r = kw.call_flexible(port, 2, 7, body)
    r.take(">i")
    assert r.uvarint() == 2 and r.str() == topic
    assert r.uvarint() == 2
    _index, err, ts, offset, epoch = r.take(">i"), r.take(">h"), r.take(">q"), r.take(">q"), r.take(">i")
    return err, ts, offset, epoch


class MaxTimestampMemory(BrokerTestCase):
    def produce(self, topic, timestamp, n=1):
        conn = kw.Conn(self.broker.kafka_port)
        try:
            data = conn.call(0, 3, kw.produce_v3(topic, 0, kw.batch([b"v"] * n, timestamp=timestamp)))
        finally:
            conn.close()
        self.assertEqual(kw.parse_produce_v3(data)[0][2], 0)

    def test_the_largest_timestamp_wherever_it_lies(self):
        self.ctl("topics", "create", "mt")
        self.assertEqual(list_offsets_v7(self.broker.kafka_port, "mt", 0, MAX_TIMESTAMP)[:3], (0, -1, -1))
        self.produce("mt", 5000, 2)   # offsets 0-1
        self.produce("mt", 9000, 3)   # 2-4: the largest, the first of them
        self.produce("mt", 7000, 2)   # 5-6: later, but earlier in time
        self.assertEqual(list_offsets_v7(self.broker.kafka_port, "mt", 0, MAX_TIMESTAMP), (0, 9000, 2, 0))
        self.assertEqual(list_offsets_v7(self.broker.kafka_port, "mt", 0, -1)[:3], (0, -1, 7))  # latest, flexible
        self.assertEqual(list_offsets_v7(self.broker.kafka_port, "mt", 0, 6000)[1:3], (9000, 2))


class MaxTimestampSegment(MaxTimestampMemory):
    storage = 'storage = { plugin = "segment"; segment_bytes = 1024; };'

    def test_after_a_restart_and_across_segments(self):
        self.ctl("topics", "create", "mt")
        for i, ts in enumerate([3000, 8000, 4000, 6000] * 10):  # many small segments
            self.produce("mt", ts + i)
        expected = list_offsets_v7(self.broker.kafka_port, "mt", 0, MAX_TIMESTAMP)
        self.assertEqual(expected[1:3], (8000 + 37, 37))
        self.broker.stop(signal.SIGKILL)
        self.broker.start()
        self.assertEqual(list_offsets_v7(self.broker.kafka_port, "mt", 0, MAX_TIMESTAMP)[1:3], (8037, 37))


if __name__ == "__main__":
    unittest.main()
