"""ElectLeaders (43, KIP-460) against three brookd and etcd: a preferred
election gives a partition back to its first replica once it is in sync
again (the controller's own rebalance is off here), an unclean one gives
an offline partition whose in-sync replicas are gone the replica that is
back, with what it holds; each refusal has its error (election not
needed, preferred leader not available, no eligible leader, unknown
partition, not the controller). No Debian client library sends the
request (librdkafka 2.0, kafka-python 2.0 and confluent-kafka 1.7
predate it), so the frames are made by hand, v1 and the flexible v2;
`brookctl cluster elect` finds the controller from any broker."""
import signal
import struct
import threading
import time

import kafkawire as kw
from brooktest import brookctl
from clustertest import ClusterTestCase

NONE, UNKNOWN, TIMED_OUT, NOT_CONTROLLER = 0, 3, 7, 41
PREFERRED_NOT_AVAILABLE, ELIGIBLE_NOT_AVAILABLE, NOT_NEEDED = 80, 83, 84
PREFERRED, UNCLEAN = 0, 1


def parse_results(read_str, take, array):
    """[(topic, partition, error)] in the answer's order."""
    out = []

    def partition(topic):
        index, err = take(">i"), take(">h")
        read_str()  # the message
        out.append((topic, index, err))

    def topic():
        name = read_str()
        array(lambda: partition(name))
    array(topic)
    return out


def elect_v1(port, election_type, topics, timeout_ms=10000, in_order=False):
    """(request error, {(topic, partition): error}) for ElectLeaders v1;
    in_order: [(topic, partition, error)] instead."""
    body = struct.pack(">b", election_type)
    if topics is None:
        body += struct.pack(">i", -1)
    else:
        body += kw.array([kw.string(t) + kw.array([struct.pack(">i", p) for p in parts]) for t, parts in topics])
    conn = kw.Conn(port)
    try:
        data = conn.call(43, 1, body + struct.pack(">i", timeout_ms))
    finally:
        conn.close()
    pos = [4]  # after the throttle time

    def take(fmt):
        v = struct.unpack_from(fmt, data, pos[0])[0]
        pos[0] += struct.calcsize(fmt)
        return v

    def read_str():
        n = take(">h")
        s = data[pos[0]:pos[0] + max(n, 0)].decode()
        pos[0] += max(n, 0)
        return s

    def array(each):
        for _ in range(take(">i")):
            each()
    error = take(">h")
    results = parse_results(read_str, take, array)
    return error, results if in_order else {(t, p): e for t, p, e in results}


def elect_v2(port, election_type, topics):
    """The flexible v2: topics None asks for every partition."""
    body = struct.pack(">b", election_type)
    if topics is None:
        body += kw.uvarint(0)
    else:
        body += kw.uvarint(len(topics) + 1)
        for t, parts in topics:
            body += kw.compact(t) + kw.uvarint(len(parts) + 1) + b"".join(struct.pack(">i", p) for p in parts) + b"\0"
    r = kw.call_flexible(port, 43, 2, body + struct.pack(">i", 10000) + b"\0")
    r.take(">i")
    error = r.take(">h")

    def array(each):
        def one():
            each()
            r.tags()
        r.array(one)
    return error, {(t, p): e for t, p, e in parse_results(r.str, r.take, array)}


class Elections(ClusterTestCase):
    leader_rebalance_interval_ms = 0  # only elections asked for move leadership back

    def controller_port(self):
        """The live controller's Kafka port (a killed one holds the key for a lease TTL)."""
        deadline = time.monotonic() + 30
        while not self.brokers[self.controller()].alive() and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.brokers[self.controller()].kafka_port

    def send_away(self, topic, count=1):
        """Partition 0's preferred (first) replica stops; returns it and the
        partition's record once another broker leads it."""
        preferred = self.partitions(topic)[0]["replicas"][0]
        self.brokers[preferred].stop(signal.SIGTERM)
        return preferred, self.wait_partitions(topic, lambda r: r["leader"] not in (-1, preferred), count,
                                               timeout=30)[0]

    def bring_back(self, topic, preferred, count=1):
        """It is back and in sync, and does not lead (no rebalance here)."""
        self.start(preferred)
        self.wait_partitions(topic, lambda r: len(r["isr"]) == 3, count, timeout=40)

    def lead_elsewhere(self, topic):
        preferred, _ = self.send_away(topic)
        self.bring_back(topic, preferred)
        return preferred

    def test_a_preferred_election_gives_the_partition_back_to_its_first_replica(self):
        self.controller()
        first = self.create("pref", 2)[0]
        self.assertEqual(first["leader"], first["replicas"][0])
        preferred, moved = self.send_away("pref", 2)
        self.assertEqual(elect_v1(self.controller_port(), PREFERRED, [("pref", [0])])[1],
                         {("pref", 0): PREFERRED_NOT_AVAILABLE})  # it is away
        self.bring_back("pref", preferred, 2)
        self.assertEqual(self.partitions("pref")[0]["leader"], moved["leader"])  # nothing moves it by itself
        error, results = elect_v1(self.controller_port(), PREFERRED, [("pref", [0, 7]), ("nope", [0])])
        self.assertEqual((error, results), (NONE, {("pref", 0): NONE, ("pref", 7): UNKNOWN, ("nope", 0): UNKNOWN}))
        now = self.partitions("pref")[0]
        self.assertEqual(now["leader"], preferred)  # written before the answer
        self.assertEqual(now["leader_epoch"], moved["leader_epoch"] + 1)
        self.assertEqual(elect_v1(self.controller_port(), PREFERRED, [("pref", [0])])[1],
                         {("pref", 0): NOT_NEEDED})
        # every partition (a null list), flexible: those that needed none are left out
        off_preferred = {(t, p) for t in ("pref", "__consumer_offsets")
                         for p, r in self.partitions(t).items() if r["leader"] != r["replicas"][0]}
        self.assertTrue(off_preferred)  # what the stopped broker led went elsewhere
        error, results = elect_v2(self.controller_port(), PREFERRED, None)
        self.assertEqual((error, results), (NONE, {k: NONE for k in off_preferred}))
        for t in ("pref", "__consumer_offsets"):
            self.assertEqual([p for p, r in self.partitions(t).items() if r["leader"] != r["replicas"][0]], [])
        self.assertEqual(elect_v2(self.controller_port(), PREFERRED, None), (NONE, {}))
        # only the controller elects
        other = [i for i in self.brokers if i != self.controller()][0]
        error, results = elect_v1(self.brokers[other].kafka_port, PREFERRED, [("pref", [0])])
        self.assertEqual((error, results), (NOT_CONTROLLER, {("pref", 0): NOT_CONTROLLER}))
        self.produce_to(preferred, "pref", [b"led by its preferred replica"])

    def test_an_unclean_election_brings_an_offline_partition_back(self):
        self.controller()
        self.create("offline", rf=2)
        old, back, before = self.lose_every_in_sync_replica("offline")
        self.wait_partitions("offline", lambda r: r["leader"] == -1, 1, timeout=30)
        self.assertEqual(elect_v1(self.controller_port(), PREFERRED, [("offline", [0])])[1],
                         {("offline", 0): PREFERRED_NOT_AVAILABLE})
        error, results = elect_v1(self.controller_port(), UNCLEAN, [("offline", [0])])
        self.assertEqual((error, results), (NONE, {("offline", 0): NONE}))
        now = self.partitions("offline")[0]
        self.assertEqual((now["leader"], now["isr"]), (back, [back]))
        self.assertGreater(now["leader_epoch"], before["leader_epoch"])
        self.assertTrue(self.wait_log(self.controller(), "an unclean election was asked for: broker %d leads" % back))
        # what only the lost leader held is gone; the partition takes writes again
        self.produce_to(back, "offline", [b"after"], acks=1)
        self.assertEqual(self.read_all("offline", 11, broker_id=back), [b"a%02d" % i for i in range(10)] + [b"after"])
        self.assertEqual(elect_v1(self.controller_port(), UNCLEAN, [("offline", [0])])[1],
                         {("offline", 0): NOT_NEEDED})
        # no replica left alive: nobody to elect
        self.brokers[back].stop(signal.SIGKILL)
        self.wait_partitions("offline", lambda r: r["leader"] == -1, 1, timeout=30)
        self.assertEqual(elect_v1(self.controller_port(), UNCLEAN, [("offline", [0])])[1],
                         {("offline", 0): ELIGIBLE_NOT_AVAILABLE})

    def test_brookctl_elects_at_the_controller_from_any_broker(self):
        self.controller()
        self.create("ctl", 1)
        preferred = self.lead_elsewhere("ctl")
        asked = [i for i in self.brokers if i != self.controller()][0]  # not the controller
        r = brookctl(self.brokers[asked].address, "cluster", "elect", "ctl")
        self.assertEqual((r.returncode, r.stdout.decode()), (0, "partition ctl-0\telected\n"), r.stderr)
        self.assertEqual(self.partitions("ctl")[0]["leader"], preferred)
        r = brookctl(self.brokers[asked].address, "cluster", "elect", "ctl:0", "ctl:4")
        self.assertEqual(r.returncode, 1)
        out = r.stdout.decode()
        self.assertIn("partition ctl-0\tnot needed: the partition already has that leader\n", out)
        self.assertIn("partition ctl-4\tfailed: not found\n", out)
        r = brookctl(self.brokers[asked].address, "cluster", "elect", "--unclean", "ctl")
        self.assertEqual((r.returncode, r.stdout.decode()), (0, "partition ctl-0\tnot needed: the partition "
                                                                "already has that leader\n"), r.stderr)

    def test_a_partition_being_written_is_asked_again_until_the_timeout(self):
        # The same partition twice in one request: the second finds the
        # first's write in flight and is asked again (every 100 ms) once
        # that is done, when no election is needed any more
        self.controller()
        self.create("twice", 1)
        preferred = self.lead_elsewhere("twice")
        port = self.controller_port()
        self.assertEqual(elect_v1(port, PREFERRED, [("twice", [0, 0])], in_order=True),
                         (NONE, [("twice", 0, NONE), ("twice", 0, NOT_NEEDED)]))
        # etcd paused: the write waits for it and the second is still being
        # asked again when the request's timeout passes
        self.lead_elsewhere("twice")
        port = self.controller_port()
        self.etcd.proc.send_signal(signal.SIGSTOP)
        resume = threading.Timer(0.8, self.etcd.proc.send_signal, (signal.SIGCONT,))
        resume.start()
        try:
            got = elect_v1(port, PREFERRED, [("twice", [0, 0])], timeout_ms=300, in_order=True)
        finally:
            resume.join()
            self.etcd.proc.send_signal(signal.SIGCONT)
        self.assertEqual(got, (NONE, [("twice", 0, NONE), ("twice", 0, TIMED_OUT)]))
        self.assertEqual(self.partitions("twice")[0]["leader"], preferred)
