"""Consumer groups with real clients against a real brookd (segment storage,
flush always): confluent-kafka consumers share a topic's partitions,
rebalance when one leaves, resume from committed offsets, and find them
again after brookd is killed with SIGKILL; a stable group's consumers keep
their assignments across such a restart; their lag shows in the metrics; kcat's balanced consumer and
kafkajs read through groups; the group errors clients act on, with
hand-made frames."""
import json
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

from brooktest import Broker, Native, free_port
import kafkawire as kw

try:
    from confluent_kafka import Consumer, Producer, TopicPartition
    from confluent_kafka.admin import AdminClient, NewTopic
except ImportError:
    raise unittest.SkipTest("python3-confluent-kafka is not installed")

STORAGE = 'storage = { plugin = "segment"; flush = "always"; };'
GROUPS = 'groups = { initial_rebalance_delay_ms = 0; min_session_timeout_ms = 1000; };'
METRICS = 'metrics = { address = "127.0.0.1:0"; };'
JS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")


class ConsumerGroups(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="brook-groups-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.start()

    def start(self):
        self.broker = Broker(self.dir, extra=GROUPS + METRICS, storage=STORAGE).start()
        self.addCleanup(self.broker.stop, signal.SIGKILL)
        self.bootstrap = "127.0.0.1:%d" % self.broker.kafka_port

    def tearDown(self):
        log = self.broker.log()
        self.assertNotIn("ERROR: AddressSanitizer", log)
        self.assertNotIn("runtime error:", log)

    def create(self, topic, partitions):
        admin = AdminClient({"bootstrap.servers": self.bootstrap})
        for f in admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)]).values():
            f.result(10)

    def produce(self, topic, values, partitions=4):
        p = Producer({"bootstrap.servers": self.bootstrap, "acks": "all"})
        for i, v in enumerate(values):
            p.produce(topic, value=v, partition=i % partitions)
        self.assertEqual(p.flush(30), 0)

    def consumer(self, group, **extra):
        conf = {"bootstrap.servers": self.bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                "enable.auto.commit": False, "heartbeat.interval.ms": 300, "session.timeout.ms": 6000}
        conf.update(extra)
        c = Consumer(conf)
        self.addCleanup(c.close)  # closing twice is harmless
        return c

    def poll_until(self, consumers, done, seconds=30):
        """Poll every consumer in turn until done(got) or the time is up;
        returns {consumer index: [values]}."""
        got = {i: [] for i in range(len(consumers))}
        deadline = time.time() + seconds
        while time.time() < deadline and not done(got):
            for i, c in enumerate(consumers):
                m = c.poll(0.1)
                if m is not None and not m.error():
                    got[i].append(m.value())
        return got

    def wait_assigned(self, consumers, counts, seconds=30):
        deadline = time.time() + seconds
        while time.time() < deadline:
            for c in consumers:
                c.poll(0.1)
            if [len(c.assignment()) for c in consumers] == counts:
                return
        self.fail("assignments %s, wanted %s" % ([len(c.assignment()) for c in consumers], counts))

    def test_share_rebalance_resume_and_survive_kill_9(self):
        self.create("cg", 4)
        c1, c2 = self.consumer("g"), self.consumer("g")
        c1.subscribe(["cg"])
        c2.subscribe(["cg"])
        self.wait_assigned([c1, c2], [2, 2])  # range assignor: two partitions each
        first = [b"a%03d" % i for i in range(400)]
        self.produce("cg", first)
        got = self.poll_until([c1, c2], lambda g: len(g[0]) + len(g[1]) >= 400)
        self.assertTrue(got[0] and got[1], "each consumer gets a share")
        self.assertEqual(sorted(got[0] + got[1]), sorted(first))  # every record exactly once
        c1.commit(asynchronous=False)
        c2.commit(asynchronous=False)

        c2.close()  # leaves the group: c1 takes over everything
        self.wait_assigned([c1], [4])
        second = [b"b%03d" % i for i in range(100)]
        self.produce("cg", second)
        got = self.poll_until([c1], lambda g: len(g[0]) >= 100)
        self.assertEqual(sorted(got[0]), sorted(second))  # c2's partitions resume at c2's commits
        c1.commit(asynchronous=False)
        c1.close()

        third = [b"c%03d" % i for i in range(50)]
        self.produce("cg", third)
        c3 = self.consumer("g")
        c3.subscribe(["cg"])
        got = self.poll_until([c3], lambda g: len(g[0]) >= 50)
        self.poll_until([c3], lambda g: False, seconds=1)  # nothing more comes
        self.assertEqual(sorted(got[0]), sorted(third))
        c3.commit(asynchronous=False)
        c3.close()

        self.broker.stop(signal.SIGKILL)
        self.start()
        c4 = self.consumer("g")
        committed = c4.committed([TopicPartition("cg", p) for p in range(4)], timeout=10)
        self.assertEqual([tp.offset for tp in committed], [138, 138, 137, 137])  # 550 records over 4 partitions
        self.assertIn("committed offsets: 1 group(s)", self.broker.log())

    def lag_metrics(self, group):
        """{(topic, partition): (committed, lag)} from the metrics endpoint."""
        port = re.findall(r"metrics endpoint listening on 127\.0\.0\.1:(\d+)", self.broker.log())[-1]
        text = urllib.request.urlopen("http://127.0.0.1:%s/metrics" % port, timeout=10).read().decode()
        rows = {}
        for kind, g, topic, part, value in re.findall(
                r'^brook_consumer_group_(committed_offset|lag)\{group="([^"]*)",topic="([^"]*)",partition="(\d+)"\} (\d+)$',
                text, re.M):
            if g == group:
                committed, lag = rows.get((topic, int(part)), (None, None))
                rows[(topic, int(part))] = (int(value), lag) if kind == "committed_offset" else (committed, int(value))
        return rows

    def test_lag_of_a_kafka_consumer_group_in_the_metrics(self):
        self.create("watched", 2)
        self.produce("watched", [b"w%d" % i for i in range(10)], partitions=2)  # 5 per partition
        c = self.consumer("watchers")
        c.assign([TopicPartition("watched", 0, 0), TopicPartition("watched", 1, 0)])
        got = []
        deadline = time.time() + 30
        while len(got) < 10 and time.time() < deadline:
            m = c.poll(0.2)
            if m is not None and not m.error():
                got.append(m)
        self.assertEqual(len(got), 10)
        # commit 3 of partition 0 and all 5 of partition 1
        c.commit(offsets=[TopicPartition("watched", 0, 3), TopicPartition("watched", 1, 5)], asynchronous=False)
        self.assertEqual(self.lag_metrics("watchers"), {("watched", 0): (3, 2), ("watched", 1): (5, 0)})
        self.produce("watched", [b"more%d" % i for i in range(4)], partitions=2)
        self.assertEqual(self.lag_metrics("watchers"), {("watched", 0): (3, 4), ("watched", 1): (5, 2)})

    def test_roundrobin_and_cooperative_sticky_assignors(self):
        # the assignment is the leader's opaque bytes: any assignor works
        for n, strategy in enumerate(["roundrobin", "cooperative-sticky"]):
            topic, group = "as%d" % n, "assignor%d" % n
            self.create(topic, 4)
            conf = {"partition.assignment.strategy": strategy}
            c1, c2 = self.consumer(group, **conf), self.consumer(group, **conf)
            c1.subscribe([topic])
            self.wait_assigned([c1], [4])
            c2.subscribe([topic])
            self.wait_assigned([c1, c2], [2, 2])  # cooperative: c1 gives up two and keeps two
            values = [b"s%03d" % i for i in range(200)]
            self.produce(topic, values)
            got = self.poll_until([c1, c2], lambda g: len(g[0]) + len(g[1]) >= 200)
            self.assertEqual(sorted(got[0] + got[1]), sorted(values), strategy)
            c1.close()
            c2.close()

    def test_static_member_returns_to_its_partitions_without_a_rebalance(self):
        self.create("st", 4)
        c1 = self.consumer("static", **{"group.instance.id": "one"})
        c2 = self.consumer("static", **{"group.instance.id": "two"})
        c1.subscribe(["st"])
        c2.subscribe(["st"])
        self.wait_assigned([c1, c2], [2, 2])
        mine = sorted(tp.partition for tp in c2.assignment())
        generation_line = self.broker.log().count("generation")
        c2.close()  # a static member does not leave: its partitions wait for it
        back = self.consumer("static", **{"group.instance.id": "two"})
        back.subscribe(["st"])
        self.wait_assigned([c1, back], [2, 2])
        self.assertEqual(sorted(tp.partition for tp in back.assignment()), mine)
        self.assertEqual(self.broker.log().count("generation"), generation_line)  # no new generation

    def test_consumers_keep_their_assignments_across_a_restart(self):
        # A stable group's generation, members and assignments are written
        # down beside its offsets: after a kill -9 and a restart shorter
        # than their session, the consumers heartbeat, fetch and commit in
        # their generation. Before, the restarted broker knew no members:
        # every heartbeat got UNKNOWN_MEMBER_ID and the group rebalanced.
        # clients keep the address they were given: the restart keeps the port
        self.broker.stop()
        self.broker = Broker(self.dir, extra=GROUPS + METRICS, storage=STORAGE, kafka_port=free_port()).start()
        self.addCleanup(self.broker.stop, signal.SIGKILL)
        self.bootstrap = "127.0.0.1:%d" % self.broker.kafka_port
        self.create("kept", 4)
        events = []

        def watch(name):
            return {"on_assign": lambda c, ps: events.append((name, "assigned", len(ps))),
                    "on_revoke": lambda c, ps: events.append((name, "revoked", len(ps)))}
        c1, c2 = self.consumer("keep"), self.consumer("keep")
        c1.subscribe(["kept"], **watch("c1"))
        c2.subscribe(["kept"], **watch("c2"))
        self.wait_assigned([c1, c2], [2, 2])
        mine = [sorted(tp.partition for tp in c.assignment()) for c in (c1, c2)]
        self.poll_until([c1, c2], lambda g: False, seconds=1)
        del events[:]
        self.broker.stop(signal.SIGKILL)
        self.broker.start()
        values = [b"k%03d" % i for i in range(100)]
        self.produce("kept", values)
        got = self.poll_until([c1, c2], lambda g: len(g[0]) + len(g[1]) >= 100, seconds=60)
        self.assertEqual(sorted(got[0] + got[1]), sorted(values))
        self.poll_until([c1, c2], lambda g: False, seconds=2)  # heartbeats every 300 ms
        c1.commit(asynchronous=False)  # in the generation from before the restart
        c2.commit(asynchronous=False)
        self.assertEqual(events, [])
        self.assertEqual([sorted(tp.partition for tp in c.assignment()) for c in (c1, c2)], mine)
        self.assertNotIn(": generation ", self.broker.log())  # this run's lines: no rebalance

    def test_kcat_balanced_consumer_reads_to_the_end(self):
        self.create("kg", 3)
        values = [b"k%04d" % i for i in range(300)]
        self.produce("kg", values, partitions=3)
        r = subprocess.run(["kcat", "-b", self.bootstrap, "-G", "kcat-group", "-X", "auto.offset.reset=earliest",
                            "-c", "300", "-f", "%s\n", "kg"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertEqual(sorted(r.stdout.split()), sorted(values))

    def test_kafkajs_group_consumer(self):
        if not os.path.isdir(os.path.join(JS, "node_modules", "kafkajs")):
            self.fail("kafkajs is not installed: run `make deps` (npm ci in tests/integration/js)")
        self.create("jg", 2)
        self.produce("jg", [b"j%03d" % i for i in range(100)], partitions=2)
        r = subprocess.run(["node", os.path.join(JS, "group_consume.js"), self.bootstrap, "jg", "js-group", "100"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=90)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        out = json.loads(r.stdout)
        self.assertEqual(sorted(out["values"]), sorted("j%03d" % i for i in range(100)))
        self.assertEqual(out["committed"], [[0, 50], [1, 50]])

    # ---- what clients act on, below the client libraries -----------------------------

    def test_committed_metadata_is_bytes_not_a_c_string(self):
        """Kafka's offset metadata is a string that may hold NUL: it comes
        back whole, after a kill -9 too (it lives in the offsets log)."""
        self.create("meta", 1)
        metadata = b"Hello\x00world!\x00\xc3\xa9"
        c = kw.Conn(self.broker.kafka_port)
        rows = kw.topic_rows(c.call(8, 2, kw.offset_commit_v2("m", "meta", 0, 42, metadata)), 0, ">ih")
        self.assertEqual(rows, [("meta", 0, 0)])
        self.assertEqual(kw.parse_offset_fetch_v1(c.call(9, 1, kw.offset_fetch_v1("m", "meta", 0))),
                         [(0, 42, metadata, 0)])
        c.close()
        self.broker.stop(signal.SIGKILL)
        self.start()
        c = kw.Conn(self.broker.kafka_port)
        self.assertEqual(kw.parse_offset_fetch_v1(c.call(9, 1, kw.offset_fetch_v1("m", "meta", 0))),
                         [(0, 42, metadata, 0)])
        c.close()
        # and over the native protocol
        n = Native(self.broker.port)
        r = n.call("commit_offsets", group="n", offsets=[{"topic": "meta", "partition": 0, "offset": 7,
                                                           "metadata": "a\x00b"}])
        self.assertEqual(r["error"], 0, r)
        r = n.call("fetch_offsets", group="n")
        self.assertEqual([(o["offset"], o["metadata"]) for o in r["offsets"]], [(7, "a\x00b")])
        n.close()

    def test_group_errors(self):
        self.create("ge", 1)
        c = kw.Conn(self.broker.kafka_port)
        self.addCleanup(c.close)
        # Heartbeat v0 for a member nobody knows: UNKNOWN_MEMBER_ID
        data = c.call(12, 0, kw.string("nogroup") + struct.pack(">i", 1) + kw.string("ghost"))
        self.assertEqual(struct.unpack(">h", data[:2])[0], 25)
        # OffsetCommit v2 from outside a generation: unknown partition, oversize metadata, a good one
        body = kw.string("simple") + struct.pack(">i", -1) + kw.string("") + struct.pack(">q", -1) + kw.array([
            kw.string("ge") + kw.array([struct.pack(">iq", 0, 5) + kw.string("x" * 5000),
                                        struct.pack(">iq", 7, 5) + kw.string(""),
                                        struct.pack(">iq", 0, 3) + kw.string("meta")]),
            kw.string("nosuch") + kw.array([struct.pack(">iq", 0, 1) + kw.string("")])])
        data = c.call(8, 2, body)
        errors = self.partition_errors(data, 0)
        self.assertEqual(errors, [("ge", 0, 12), ("ge", 7, 3), ("ge", 0, 0), ("nosuch", 0, 3)])
        # OffsetFetch v1 sees what was committed
        data = c.call(9, 1, kw.string("simple") + kw.array([kw.string("ge") + kw.array([struct.pack(">i", 0)])]))
        (nt,) = struct.unpack_from(">i", data, 0)
        p = 4 + 2 + 2 + 4  # topic count, "ge", partition count
        part, offset = struct.unpack_from(">iq", data, p)
        self.assertEqual((nt, part, offset), (1, 0, 3))
        # A member in a group: DeleteGroups refuses it, DescribeGroups shows it
        join = kw.string("busy") + struct.pack(">i", 10000) + kw.string("") + kw.string("consumer") + kw.array(
            [kw.string("range") + kw.nbytes(b"\x00\x00\x00\x00\x00\x01\x00\x02ge\x00\x00\x00\x00")])
        data = c.call(11, 0, join)
        err, gen = struct.unpack_from(">hi", data, 0)
        self.assertEqual((err, gen), (0, 1))
        data = c.call(42, 0, kw.array([kw.string("busy"), kw.string("never-seen"), kw.string("simple")]))
        self.assertEqual(self.group_errors(data), [("busy", 68), ("never-seen", 69), ("simple", 0)])
        # the deleted group's offsets are gone
        data = c.call(9, 1, kw.string("simple") + kw.array([kw.string("ge") + kw.array([struct.pack(">i", 0)])]))
        self.assertEqual(struct.unpack_from(">iq", data, 12)[1], -1)
        # a commit that stores nothing leaves no group behind
        body = kw.string("ghost") + struct.pack(">i", -1) + kw.string("") + struct.pack(">q", -1) + kw.array([
            kw.string("nosuch") + kw.array([struct.pack(">iq", 0, 1) + kw.string("")])])
        self.assertEqual(self.partition_errors(c.call(8, 2, body), 0), [("nosuch", 0, 3)])
        self.assertNotIn(b"ghost", c.call(16, 0, b""))
        self.assertIn(b"busy", c.call(16, 0, b""))
        # a session timeout outside the broker's bounds
        bad = kw.string("busy2") + struct.pack(">i", 10) + kw.string("") + kw.string("consumer") + kw.array(
            [kw.string("range") + kw.nbytes(b"")])
        self.assertEqual(struct.unpack_from(">h", c.call(11, 0, bad), 0)[0], 26)

    @staticmethod
    def partition_errors(data, p):
        return kw.topic_rows(data, p, ">ih")

    @staticmethod
    def group_errors(data):
        out, p = [], 4  # throttle time
        (n,) = struct.unpack_from(">i", data, p)
        p += 4
        for _ in range(n):
            (ln,) = struct.unpack_from(">h", data, p)
            out.append((data[p + 2:p + 2 + ln].decode(), struct.unpack_from(">h", data, p + 2 + ln)[0]))
            p += 2 + ln + 2
        return out


if __name__ == "__main__":
    unittest.main()
