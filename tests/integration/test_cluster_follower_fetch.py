"""Fetching from the closest replica (KIP-392): three brokers in racks r1,
r2 and r3 with cluster.replica_selector = "rack", and etcd. A leader
names, for a consumer in another broker's rack, that broker's replica
(PreferredReadReplica) instead of reading, and answers at once; a
librdkafka consumer with client.rack then reads everything from the
follower, byte-exact, while one without a rack reads from the leader; a
follower serves consumers up to its own high watermark, only Fetch v11+
(older versions cannot be sent elsewhere), and a stopped follower sends
its consumers back to the leader."""
import signal
import time
import unittest

from clustertest import ClusterTestCase
import kafkawire as kw

try:
    from confluent_kafka import Consumer, Producer, TopicPartition
    from confluent_kafka.admin import AdminClient, ConfigResource
except ImportError:  # pragma: no cover
    Consumer = None


@unittest.skipUnless(Consumer, "needs python3-confluent-kafka")
class FollowerFetch(ClusterTestCase):
    cluster_extra = 'replica_selector = "rack";'

    def setUp(self):
        super().setUp()
        rows = self.create("t", partitions=1, rf=3)
        self.leader = rows[0]["leader"]
        self.follower = next(b for b in sorted(self.brokers) if b != self.leader)
        self.values = [b"v%05d-" % i + bytes(range(256)) for i in range(2000)]
        p = Producer({"bootstrap.servers": self.kafka_bootstrap(), "acks": "all", "linger.ms": 5})
        for v in self.values:
            p.produce("t", v, partition=0)
        self.assertEqual(p.flush(30), 0)
        self.wait_caught_up(self.follower, len(self.values))

    def fetch(self, broker_id, version=11, offset=0, rack="", max_wait_ms=0):
        conn = kw.Conn(self.brokers[broker_id].kafka_port, timeout=20)
        try:
            body = kw.fetch_v11("t", 0, offset, max_wait_ms=max_wait_ms, rack=rack)
            if version < 11:  # the same fields without the rack id
                body = body[:-len(kw.string(rack))]
            return conn.call(1, version, body)
        finally:
            conn.close()

    def wait_caught_up(self, broker_id, hw, timeout=20.0):
        """Until the follower's own high watermark reaches `hw` (it hears the
        leader's with its next fetch)."""
        deadline = time.monotonic() + timeout
        got = None
        while time.monotonic() < deadline:
            got = kw.parse_fetch_v11(self.fetch(broker_id, offset=hw))
            if got[0] == 0 and got[1] >= hw:
                return
            time.sleep(0.1)
        self.fail("broker %d's high watermark never reached %d: %s" % (broker_id, hw, got))

    def consume(self, rack=None, isolation="read_uncommitted", want=None):
        conf = {"bootstrap.servers": self.kafka_bootstrap(), "group.id": "g-%f" % time.time(),
                "enable.auto.commit": False, "fetch.wait.max.ms": 100, "isolation.level": isolation}
        if rack:
            conf["client.rack"] = rack
        c = Consumer(conf)
        try:
            c.assign([TopicPartition("t", 0, 0)])
            got, deadline = [], time.time() + 30
            while len(got) < (want or len(self.values)) and time.time() < deadline:
                m = c.poll(0.2)
                if m is not None and not m.error():
                    got.append(m.value())
            return got
        finally:
            c.close()

    def test_the_leader_names_the_replica_in_the_consumers_rack(self):
        started = time.monotonic()
        err, hw, preferred, records = kw.parse_fetch_v11(
            self.fetch(self.leader, rack="r%d" % self.follower, max_wait_ms=5000))
        self.assertEqual((err, hw, preferred, records), (0, len(self.values), self.follower, b""))
        self.assertLess(time.monotonic() - started, 2.0)  # at once, not after the long poll
        # its own rack, no rack, a rack with no replica: the leader reads
        for rack in ("r%d" % self.leader, "", "elsewhere"):
            err, _hw, preferred, records = kw.parse_fetch_v11(self.fetch(self.leader, rack=rack))
            self.assertEqual((err, preferred), (0, -1), rack)
            self.assertGreater(len(records), 0, rack)

    def test_the_brokers_say_so_in_their_configs(self):
        admin = AdminClient({"bootstrap.servers": self.kafka_bootstrap()})
        res = ConfigResource(ConfigResource.Type.BROKER, str(self.follower))
        configs = admin.describe_configs([res])[res].result(20)
        self.assertEqual(configs["broker.rack"].value, "r%d" % self.follower)
        self.assertEqual(configs["replica.selector.class"].value,
                         "org.apache.kafka.common.replica.RackAwareReplicaSelector")

    def test_a_follower_serves_consumers_up_to_its_high_watermark(self):
        err, hw, preferred, records = kw.parse_fetch_v11(self.fetch(self.follower))
        self.assertEqual((err, hw, preferred), (0, len(self.values), -1))
        self.assertGreater(len(records), 0)
        self.assertIn(self.values[0], records)
        # Fetch v10 carries no rack: a consumer that sends it reads from the leader only
        data = self.fetch(self.follower, version=10)
        self.assertEqual(kw.fetch_v11_error(data)[1], 6)  # NOT_LEADER_OR_FOLLOWER
        # past its log end: OFFSET_OUT_OF_RANGE (librdkafka then goes back to the leader)
        err = kw.parse_fetch_v11(self.fetch(self.follower, offset=len(self.values) + 100))[0]
        self.assertEqual(err, 1)

    def test_a_long_poll_on_a_follower_ends_when_the_follower_commits(self):
        """A consumer's fetch waiting on a follower is woken when the
        follower's own high watermark moves (it hears the leader's with its
        next fetch: within cluster.replica_fetch_wait_ms of the record),
        not at the end of its max wait (Kafka's KAFKA-14334)."""
        conn = kw.Conn(self.brokers[self.follower].kafka_port, timeout=30)
        try:
            started = time.monotonic()
            corr = conn.send(1, 11, kw.fetch_v11("t", 0, len(self.values), max_wait_ms=8000))
            time.sleep(0.3)
            p = Producer({"bootstrap.servers": self.kafka_bootstrap(), "acks": "all"})
            p.produce("t", b"late", partition=0)
            self.assertEqual(p.flush(10), 0)
            got_corr, data = conn.recv()
            waited = time.monotonic() - started
        finally:
            conn.close()
        self.assertEqual(got_corr, corr)
        err, hw, _preferred, records = kw.parse_fetch_v11(data)
        self.assertEqual((err, hw), (0, len(self.values) + 1))
        self.assertIn(b"late", records)
        self.assertLess(waited, 4.0)  # 0.3 s, the produce, at most 0.5 s more: far from the 8 s wait

    def test_a_consumer_with_a_rack_reads_from_the_follower(self):
        before = {b: self.metrics(b).get("follower_fetched_bytes_total", 0) for b in self.brokers}
        self.assertEqual(self.consume(), self.values)  # no rack: from the leader
        after_plain = {b: self.metrics(b).get("follower_fetched_bytes_total", 0) for b in self.brokers}
        self.assertEqual(after_plain, before)
        self.assertEqual(self.consume(rack="r%d" % self.follower), self.values)
        after = self.metrics(self.follower).get("follower_fetched_bytes_total", 0)
        self.assertGreater(after - before[self.follower], 2000 * 256)  # the records came from the follower
        # with the follower stopped, a consumer in its rack reads from the leader
        self.brokers[self.follower].proc.send_signal(signal.SIGKILL)
        self.brokers[self.follower].proc.wait(10)
        self.wait_partitions("t", lambda r: self.follower not in r["isr"], 1, timeout=30)
        self.assertEqual(self.consume(rack="r%d" % self.follower), self.values)

    def test_read_committed_from_a_follower(self):
        """The follower learns transactions from what it copies: its last
        stable offset holds back an open transaction, and an aborted one's
        records are dropped, as at the leader."""
        p = Producer({"bootstrap.servers": self.kafka_bootstrap(), "transactional.id": "ff",
                      "transaction.timeout.ms": 60000})
        p.init_transactions(30)
        for commit in (True, False, True):
            p.begin_transaction()
            for i in range(10):
                p.produce("t", b"%s-%d" % (b"c" if commit else b"a", i), partition=0)
            p.flush(30)  # (an abort drops what was not sent yet)
            (p.commit_transaction if commit else p.abort_transaction)(30)
        p.begin_transaction()
        p.produce("t", b"open", partition=0)
        p.flush(30)
        committed = [b"c-%d" % i for i in range(10)] * 2
        self.wait_caught_up(self.follower, len(self.values) + 34)  # 31 records, 3 markers
        before = self.metrics(self.follower).get("follower_fetched_bytes_total", 0)
        got = self.consume(rack="r%d" % self.follower, isolation="read_committed", want=len(self.values) + 20)
        self.assertEqual(got, self.values + committed)
        self.assertGreater(self.metrics(self.follower).get("follower_fetched_bytes_total", 0), before)
        p.abort_transaction(30)
