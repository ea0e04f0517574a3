"""Batches that pass their CRC but break the record format are refused
with INVALID_RECORD (87) naming the reason, and nothing of them is stored:
the partition stays readable by every client. Compressed batches from
librdkafka (gzip, snappy, lz4, zstd) are checked inside and stored as they
came; a gzip bomb is refused at limits.batch_decompressed_max_bytes
without holding the broker up."""
import struct
import subprocess
import time
import unittest
import zlib

from brooktest import BrokerTestCase
import kafkawire as kw
from test_bad_input import crc32c, varint

from confluent_kafka import Consumer, Producer, TopicPartition

INVALID_RECORD = 87
CORRUPT_MESSAGE = 2


def raw_batch(records, count, last_delta, attributes=0, timestamp=1700000000000):
    """A batch around `records` bytes with a correct CRC whatever it claims."""
    after_crc = struct.pack(">hiqqqhii", attributes, last_delta, timestamp, timestamp, -1, -1, -1, count) + records
    after_length = struct.pack(">ib", 0, 2) + struct.pack(">I", crc32c(after_crc)) + after_crc
    return struct.pack(">qi", 0, len(after_length)) + after_length


def records_bytes(values):
    out = b""
    for i, v in enumerate(values):
        body = b"\x00" + varint(0) + varint(i) + varint(-1) + varint(len(v)) + v + varint(0)
        out += varint(len(body)) + body
    return out


def produce_v8(topic, partition, records):
    part = struct.pack(">i", partition) + kw.nbytes(records)
    return kw.string(None) + struct.pack(">hi", -1, 5000) + kw.array([kw.string(topic) + kw.array([part])])


def parse_produce_v8(data):
    """(error, base_offset, error_message) of the one partition of a Produce v8 response."""
    (ln,) = struct.unpack_from(">h", data, 4)  # after the topic count: the name
    p = 4 + 2 + ln + 4
    _part, err, base, _time, _lso = struct.unpack_from(">ihqqq", data, p)
    p += 4 + 2 + 8 + 8 + 8
    (nerr,) = struct.unpack_from(">i", data, p)
    p += 4
    for _ in range(max(nerr, 0)):
        p += 4
        (ml,) = struct.unpack_from(">h", data, p)
        p += 2 + max(ml, 0)
    (ml,) = struct.unpack_from(">h", data, p)
    message = data[p + 2:p + 2 + ml].decode() if ml >= 0 else None
    return err, base, message


class RecordValidation(BrokerTestCase):
    extra = "limits = { batch_decompressed_max_bytes = 16777216; };"

    def setUp(self):
        super().setUp()
        self.ctl("topics", "create", "t")
        self.bootstrap = "127.0.0.1:%d" % self.broker.kafka_port
        self.conn = kw.Conn(self.broker.kafka_port)

    def produce(self, batch):
        return parse_produce_v8(self.conn.call(0, 8, produce_v8("t", 0, batch)))

    def conn_log_end(self):
        body = struct.pack(">i", -1) + kw.array([kw.string("t") + kw.array([struct.pack(">iq", 0, -1)])])
        data = self.conn.call(2, 1, body)  # ListOffsets v1, latest
        _err, _ts, offset = struct.unpack_from(">hqq", data, 4 + 2 + 1 + 4 + 4)
        return offset

    def kcat_all(self):
        r = subprocess.run(["kcat", "-b", self.bootstrap, "-C", "-t", "t", "-e", "-o", "beginning", "-q"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.split(b"\n")[:-1]

    def test_malformed_batches_are_refused_and_nothing_is_stored(self):
        self.assertEqual(self.produce(raw_batch(records_bytes([b"ok"]), 1, 0))[:2], (0, 0))
        good3 = records_bytes([b"a", b"b", b"c"])
        cases = [
            ("garbage records", raw_batch(bytes(range(7, 90)), 3, 2), "framing"),
            ("count says more", raw_batch(good3, 5, 4), "fewer records"),
            ("count says fewer", raw_batch(good3, 2, 1), "more record bytes"),
            ("lastOffsetDelta 2^31-1", raw_batch(good3, 3, 2 ** 31 - 1), "lastOffsetDelta"),
            ("control batch", raw_batch(good3, 3, 2, attributes=0x20), "control"),
            ("compression 6", raw_batch(good3, 3, 2, attributes=6), "compression"),
        ]
        for name, batch, reason in cases:
            err, _base, message = self.produce(batch)
            self.assertIn(err, (INVALID_RECORD, CORRUPT_MESSAGE), name)
            self.assertIn(reason, message or "", name)
        # gzip with garbage inside
        gz = zlib.compressobj(6, zlib.DEFLATED, 31)
        packed = gz.compress(bytes(range(256)) * 4) + gz.flush()
        err, _base, message = self.produce(raw_batch(packed, 3, 2, attributes=1))
        self.assertEqual(err, INVALID_RECORD)
        self.assertIn("framing", message)
        # nothing of those was stored: the next offset is 1, and every client reads on
        self.assertEqual(self.produce(raw_batch(good3, 3, 2))[:2], (0, 1))
        self.assertEqual(self.kcat_all(), [b"ok", b"a", b"b", b"c"])

    def test_a_gzip_bomb_is_refused_at_the_cap_and_others_are_served(self):
        gz = zlib.compressobj(9, zlib.DEFLATED, 31)
        chunk = bytes(1 << 20)
        bomb = b"".join(gz.compress(chunk) for _ in range(1024)) + gz.flush()  # 1 GiB of zeros
        self.assertLess(len(bomb), 2 << 20)
        t0 = time.monotonic()
        err, _base, message = self.produce(raw_batch(bomb, 1, 0, attributes=1))
        elapsed = time.monotonic() - t0
        self.assertEqual(err, CORRUPT_MESSAGE)
        self.assertIn("size limit", message)
        self.assertLess(elapsed, 5.0)  # stopped at 16 MiB, not after a gibibyte (generous for ASan)
        self.assertEqual(self.conn_log_end(), 0)

    def test_librdkafka_compressed_batches_are_accepted_and_read_back(self):
        expected = []
        for codec in ("gzip", "snappy", "lz4", "zstd"):
            p = Producer({"bootstrap.servers": self.bootstrap, "compression.type": codec, "linger.ms": 50})
            values = [("%s-%d-" % (codec, i)).encode() + b"x" * (i % 300) for i in range(2000)]
            errors = []
            for v in values:
                p.produce("t", v, partition=0, on_delivery=lambda e, m: e and errors.append(e))
            self.assertEqual(p.flush(30), 0)
            self.assertEqual(errors, [], codec)
            expected += values
        c = Consumer({"bootstrap.servers": self.bootstrap, "group.id": "v", "enable.auto.commit": False})
        c.assign([TopicPartition("t", 0, 0)])
        got, deadline = [], time.monotonic() + 60
        while len(got) < len(expected) and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is not None:
                self.assertIsNone(m.error())
                got.append(m.value())
        c.close()
        self.assertEqual(got, expected)


if __name__ == "__main__":
    unittest.main()
