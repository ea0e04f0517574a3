"""DescribeLogDirs (35) against a real brookd with segment storage: the
one data directory by its absolute path, every replica with its size on
disk (growing as records arrive), the topics and partitions asked for,
the file system's size and free space (v4, flexible), and
CLUSTER_AUTHORIZATION_FAILED for a caller without DESCRIBE on the
cluster. No Debian client library sends it (kafka-python 2.0 and
librdkafka 2.0 predate it), so the frames are made by hand."""
import os
import signal
import struct
import tempfile
import shutil
import unittest

from brooktest import Broker, BrokerTestCase
import kafkawire as kw


def parse_v0(data):
    """(error, dir, {topic: {partition: (size, lag)}}) of a v0/v1 answer with one directory."""
    p = 4  # throttle
    (n,) = struct.unpack_from(">i", data, p)
    assert n == 1, n
    err, ln = struct.unpack_from(">hh", data, p + 4)
    p += 8
    log_dir = data[p:p + ln].decode()
    p += ln
    topics = {}
    (nt,) = struct.unpack_from(">i", data, p)
    p += 4
    for _ in range(nt):
        (ln,) = struct.unpack_from(">h", data, p)
        name = data[p + 2:p + 2 + ln].decode()
        p += 2 + ln
        (np,) = struct.unpack_from(">i", data, p)
        p += 4
        parts = {}
        for _ in range(np):
            index, size, lag, future = struct.unpack_from(">iqq?", data, p)
            p += 21
            parts[index] = (size, lag)
        topics[name] = parts
    return err, log_dir, topics


class DescribeLogDirs(BrokerTestCase):
    storage = 'storage = { plugin = "segment"; };'

    def produce(self, topic, partition, n):
        conn = kw.Conn(self.broker.kafka_port)
        try:
            data = conn.call(0, 3, kw.produce_v3(topic, partition, kw.batch([b"x" * 100] * n), acks=1))
        finally:
            conn.close()
        self.assertEqual(kw.parse_produce_v3(data)[0][2], 0)

    def describe(self, version, body):
        conn = kw.Conn(self.broker.kafka_port)
        try:
            return conn.call(35, version, body)
        finally:
            conn.close()

    def test_replicas_sizes_and_selection(self):
        self.ctl("topics", "create", "logs", "--partitions", "2")
        self.ctl("topics", "create", "other")
        err, log_dir, topics = parse_v0(self.describe(0, struct.pack(">i", -1)))  # null: every replica
        self.assertEqual(err, 0)
        self.assertEqual(log_dir, os.path.realpath(self.broker.data))
        self.assertEqual(sorted(topics), ["logs", "other"])
        self.assertEqual(sorted(topics["logs"]), [0, 1])
        before = topics["logs"][1][0]

        self.produce("logs", 1, 50)
        _, _, topics = parse_v0(self.describe(1, kw.array([kw.string("logs") + kw.array([struct.pack(">i", 1)])])))
        self.assertEqual(list(topics), ["logs"])  # only what was asked
        self.assertEqual(list(topics["logs"]), [1])
        size, lag = topics["logs"][1]
        self.assertGreater(size, before + 50 * 100)
        self.assertEqual(lag, 0)  # a leader is never behind its high watermark
        _, _, topics = parse_v0(self.describe(0, kw.array([kw.string("missing") + kw.array([])])))
        self.assertEqual(topics, {})

    def test_v4_flexible_with_file_system_sizes(self):
        self.ctl("topics", "create", "flex")
        # flexible request: topics null (compact: 0), then empty tagged fields
        data = kw.call_flexible(self.broker.kafka_port, 35, 4, b"\0\0").data
        p = 1 + 4  # response header tags, throttle
        err, results = struct.unpack_from(">hB", data, p)
        self.assertEqual((err, results), (0, 2))  # compact: one result
        p += 3
        err, ln = struct.unpack_from(">hB", data, p)
        p += 3
        self.assertEqual(data[p:p + ln - 1].decode(), os.path.realpath(self.broker.data))
        p += ln - 1
        self.assertEqual(data[p], 2)  # one topic
        total, usable = struct.unpack(">qq", data[-18:-2])  # then the result's and the body's tags
        st = os.statvfs(self.broker.data)
        self.assertEqual(total, st.f_blocks * st.f_frsize)
        self.assertGreater(usable, 0)
        self.assertLessEqual(usable, total)


class DescribeLogDirsDenied(unittest.TestCase):
    def test_without_describe_on_the_cluster(self):
        d = tempfile.mkdtemp(prefix="brook-logdirs-")
        self.addCleanup(shutil.rmtree, d, True)
        acl = os.path.join(d, "acl")
        with open(acl, "w") as f:
            f.write("allow User:ANONYMOUS * ALL topic literal *\n")
        b = Broker(d, extra='auth = ( { plugin = "acl"; file = "%s"; } );' % acl).start()
        self.addCleanup(b.stop, signal.SIGKILL)
        conn = kw.Conn(b.kafka_port)
        self.addCleanup(conn.close)
        err, _, topics = parse_v0(conn.call(35, 0, struct.pack(">i", -1)))
        self.assertEqual((err, topics), (31, {}))


if __name__ == "__main__":
    unittest.main()
