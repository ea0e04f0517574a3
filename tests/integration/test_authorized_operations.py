"""What admin clients ask about groups and permissions: ListGroups up to v5
with its states and types filters (librdkafka's ListConsumerGroups and
hand-made frames), and the authorized operations Metadata (v8),
DescribeCluster and DescribeGroups (v3) report for the caller under
auth-acl, computed without a denial logged for each question."""
import os
import re
import shutil
import signal
import struct
import subprocess
import tempfile
import time
import unittest
import urllib.request

from brooktest import BIN, Broker, brookctl
import kafkawire as kw

try:
    from confluent_kafka import Consumer, Producer, TopicPartition
except ImportError:
    raise unittest.SkipTest("python3-confluent-kafka is not installed")

RULES = """allow User:ANONYMOUS * ALL topic literal mine
allow User:ANONYMOUS * READ topic literal theirs
allow User:ANONYMOUS * DESCRIBE cluster literal kafka-cluster
allow User:ANONYMOUS * WRITE cluster literal kafka-cluster
allow User:ANONYMOUS * READ group prefixed g
"""
# Kafka's AclOperation codes
READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE = \
    3, 4, 5, 6, 7, 8, 9, 10, 11, 12


def bits(*ops):
    return sum(1 << op for op in ops)


class Reader:
    """Non-flexible Kafka response fields, in order."""

    def __init__(self, data):
        self.data, self.p = data, 0

    def take(self, fmt):
        (v,) = struct.unpack_from(fmt, self.data, self.p)
        self.p += struct.calcsize(fmt)
        return v

    def i8(self):
        return self.take(">b")

    def i16(self):
        return self.take(">h")

    def i32(self):
        return self.take(">i")

    def str(self):
        n = self.i16()
        s = self.data[self.p:self.p + max(n, 0)].decode()
        self.p += max(n, 0)
        return s if n >= 0 else None

    def bytes(self):
        n = self.i32()
        self.p += max(n, 0)

    def array(self, each):
        return [each() for _ in range(self.i32())]


class AuthorizedOperations(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="brook-authops-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        acl = os.path.join(self.dir, "acl")
        with open(acl, "w") as f:  # the setup may create "theirs"; the test may not
            f.write(RULES + "allow User:ANONYMOUS * CREATE topic literal theirs\n")
        self.broker = Broker(self.dir, extra='auth = ( { plugin = "acl"; file = "%s"; } );\n'
                             'groups = { initial_rebalance_delay_ms = 0; };\n'
                             'metrics = { address = "127.0.0.1:0"; };' % acl).start()
        self.addCleanup(self.broker.stop, signal.SIGKILL)
        for topic in ("mine", "theirs"):
            self.assertEqual(brookctl(self.broker.address, "topics", "create", topic).returncode, 0)
        with open(acl, "w") as f:
            f.write(RULES)
        self.broker.proc.send_signal(signal.SIGHUP)
        deadline = time.time() + 10
        while "reloaded 5 ACL rule(s)" not in self.broker.log() and time.time() < deadline:
            time.sleep(0.05)
        self.conn = kw.Conn(self.broker.kafka_port)
        self.addCleanup(self.conn.close)

    def denials(self):
        """acl_denied_total, from the metrics endpoint."""
        port = re.search(r"metrics endpoint listening on 127\.0\.0\.1:(\d+)", self.broker.log()).group(1)
        with urllib.request.urlopen("http://127.0.0.1:%s/metrics" % port, timeout=10) as r:
            return int(re.search(r"^brook_auth_acl_acl_denied_total (\d+)$", r.read().decode(), re.M).group(1))

    def test_metadata_v8(self):
        denials = self.denials()
        body = kw.array([kw.string("mine"), kw.string("theirs")]) + struct.pack(">???", False, True, True)
        r = Reader(self.conn.call(3, 8, body))
        r.i32()  # throttle
        r.array(lambda: (r.i32(), r.str(), r.i32(), r.str()))
        r.str(), r.i32()  # cluster id, controller

        def topic():
            err, name, _internal = r.i16(), r.str(), r.i8()
            r.array(lambda: (r.i16(), r.i32(), r.i32(), r.i32(), r.array(r.i32), r.array(r.i32), r.array(r.i32)))
            return name, (err, r.i32())
        topics = dict(r.array(topic))
        self.assertEqual(topics["mine"], (0, bits(READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS,
                                                  ALTER_CONFIGS)))
        self.assertEqual(topics["theirs"], (0, bits(READ, DESCRIBE, DESCRIBE_CONFIGS)))
        self.assertEqual(r.i32(), bits(DESCRIBE, DESCRIBE_CONFIGS, IDEMPOTENT_WRITE))
        # not asked: Kafka's "unknown"
        body = kw.array([kw.string("mine")]) + struct.pack(">???", False, False, False)
        r = Reader(self.conn.call(3, 8, body))
        self.assertEqual(struct.unpack(">i", r.data[-4:])[0], -2 ** 31)
        self.assertNotIn("denied", self.broker.log())  # asking what is allowed is not a denial
        self.assertEqual(self.denials(), denials)  # nor counted as one
        r = Reader(self.conn.call(3, 8, kw.array([kw.string("mine")]) + struct.pack(">???", False, False, False)))
        subprocess.run(["kcat", "-P", "-b", "127.0.0.1:%d" % self.broker.kafka_port, "-t", "theirs", "-m", "10"],
                       input=b"x\n", stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        self.assertEqual(self.denials(), denials + 1, "a produce to a topic it may only read is")

    def test_describe_cluster(self):
        # flexible v0: include_cluster_authorized_operations, no tagged fields
        data = kw.call_flexible(self.broker.kafka_port, 60, 0, b"\x01\x00").data
        self.assertEqual(struct.unpack(">i", data[-5:-1])[0], bits(DESCRIBE, DESCRIBE_CONFIGS, IDEMPOTENT_WRITE))

    def empty_group(self, group):
        c = Consumer({"bootstrap.servers": "127.0.0.1:%d" % self.broker.kafka_port, "group.id": group})
        c.commit(offsets=[TopicPartition("mine", 0, 0)], asynchronous=False)
        c.close()

    def test_describe_groups_v3(self):
        self.empty_group("g1")
        r = Reader(self.conn.call(15, 3, kw.array([kw.string("g1")]) + b"\x01"))
        r.i32()

        def group():
            err, gid, state, _ptype, _proto = r.i16(), r.str(), r.str(), r.str(), r.str()
            r.array(lambda: (r.str(), r.str(), r.str(), r.bytes(), r.bytes()))
            return err, gid, state, r.i32()
        self.assertEqual(r.array(group), [(0, "g1", "Empty", bits(READ, DESCRIBE))])

    def rdkafka(self, *args):
        out = subprocess.run([os.path.join(BIN, "rdkafka_admin"), "127.0.0.1:%d" % self.broker.kafka_port] +
                             list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr.decode() + out.stdout.decode())
        return sorted(out.stdout.decode().splitlines())

    def test_list_groups_by_state_and_type(self):
        self.empty_group("g-empty")
        p = Producer({"bootstrap.servers": "127.0.0.1:%d" % self.broker.kafka_port})
        p.produce("mine", b"x")
        p.flush(10)
        c = Consumer({"bootstrap.servers": "127.0.0.1:%d" % self.broker.kafka_port, "group.id": "g-live",
                      "auto.offset.reset": "earliest"})
        self.addCleanup(c.close)
        c.subscribe(["mine"])
        deadline = time.time() + 30
        while c.poll(0.2) is None and time.time() < deadline:
            pass
        self.assertEqual(self.rdkafka("groups-list"), ["g-empty Empty", "g-live Stable"])
        self.assertEqual(self.rdkafka("groups-list", "Stable"), ["g-live Stable"])
        self.assertEqual(self.rdkafka("groups-list", "Empty", "Dead"), ["g-empty Empty"])

        def listing(version, states, types=None):
            body = kw.uvarint(len(states) + 1) + b"".join(kw.compact(s) for s in states)
            if types is not None:
                body += kw.uvarint(len(types) + 1) + b"".join(kw.compact(t) for t in types)
            return kw.call_flexible(self.broker.kafka_port, 16, version, body + b"\0").data

        self.assertIn(b"\x08classic", listing(5, ["stable"], ["Classic"]))  # names in any case
        self.assertNotIn(b"g-live", listing(5, [], ["consumer"]))  # no KIP-848 groups here
        self.assertIn(b"g-live", listing(5, [], []))


if __name__ == "__main__":
    unittest.main()
