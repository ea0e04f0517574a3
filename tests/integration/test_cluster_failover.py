"""Failover with real processes: three brokers (replication-isr,
min_insync_replicas = 2, segment storage) and etcd.

- kill -9 of the leader, again and again, while an idempotent acks=all
  producer writes: every acknowledged record is there exactly once
  afterwards, in order, with no gap, and the killed brokers come back as
  followers, truncate what the new leader does not have (by epoch) and
  rejoin the in-sync set; a consumer group reads along through it all and
  commits the end;
- a zombie leader: paused (SIGSTOP) past its lease, replaced, resumed
  (SIGCONT): it acknowledges no acks=all produce and serves no read, then
  follows the new leader."""
import os
import signal
import threading
import time
import unittest

from brooktest import Native
from clustertest import ClusterTestCase, TTL_MS
from tcpproxy import TcpProxy

try:
    from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
except ImportError:  # pragma: no cover
    Producer = None


class Writer(threading.Thread):
    """An idempotent acks=all producer writing numbered values (after
    `prefix`) until stopped (`settings` changes its librdkafka
    configuration)."""

    def __init__(self, bootstrap, topic, settings=None, prefix=b""):
        super().__init__(daemon=True)
        self.p = Producer(dict({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True,
                                "message.timeout.ms": 60000, "linger.ms": 2, "retry.backoff.ms": 50},
                               **(settings or {})))
        self.topic = topic
        self.prefix = prefix
        self.acked, self.failed = {}, []
        self.sent = 0
        self.stopping = threading.Event()

    def done(self, err, msg):
        if err:
            self.failed.append((msg.value(), err))
        else:
            self.acked[msg.value()] = (msg.partition(), msg.offset())

    def run(self):
        while not self.stopping.is_set() and self.sent < 200000:
            try:
                self.p.produce(self.topic, value=self.prefix + b"%07d" % self.sent, on_delivery=self.done)
                self.sent += 1
            except BufferError:
                pass
            self.p.poll(0.001 if self.sent % 50 else 0.005)
        self.p.flush(90)


class Reader(threading.Thread):
    """A consumer in a group reading along and committing every 100 records
    (`settings` changes its librdkafka configuration)."""

    def __init__(self, bootstrap, topic, group, settings=None):
        super().__init__(daemon=True)
        self.c = Consumer(dict({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
                                "auto.offset.reset": "earliest", "session.timeout.ms": 6000}, **(settings or {})))
        self.c.subscribe([topic])
        self.seen = set()
        self.commits = 0
        self.stopping = threading.Event()

    def commit(self):
        try:
            self.c.commit(asynchronous=False)
            self.commits += 1
        except KafkaException:
            pass  # a coordinator moving: the next commit goes to the new one

    def run(self):
        since = 0
        while not self.stopping.is_set():
            m = self.c.poll(0.2)
            if m is None or m.error():
                continue
            self.seen.add(m.value())
            since += 1
            if since >= 100:
                self.commit()
                since = 0
        self.commit()
        self.c.close()


@unittest.skipUnless(Producer, "needs python3-confluent-kafka and python3-kafka")
class Failover(ClusterTestCase):
    replication = 'replication = { plugin = "isr"; min_insync_replicas = 2; replica_lag_time_max_ms = 4000; };'

    def read_back(self, topic, partitions, expect, timeout=60.0):
        c = Consumer({"bootstrap.servers": self.kafka_bootstrap(), "group.id": "verify",
                      "enable.auto.commit": False, "auto.offset.reset": "earliest"})
        c.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
        got = []
        deadline = time.monotonic() + timeout
        while len(got) < expect and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is not None and not m.error():
                got.append((m.partition(), m.offset(), m.value()))
        c.close()
        return got

    def test_kill_the_leader_again_and_again_while_an_idempotent_producer_writes(self):
        self.controller()
        parts = self.create("events", 1)
        writer = Writer(self.kafka_bootstrap(), "events")
        writer.start()
        reader = Reader(self.kafka_bootstrap(), "events", "along")
        reader.start()
        epoch = parts[0]["leader_epoch"]
        for round in range(4):
            time.sleep(1.0)
            leader = self.partitions("events")[0]["leader"]
            self.brokers[leader].stop(signal.SIGKILL)
            moved = self.wait_partitions("events", lambda r: r["leader"] not in (-1, leader), 1, timeout=30)
            self.assertGreater(moved[0]["leader_epoch"], epoch)
            epoch = moved[0]["leader_epoch"]
            self.start(leader)
            self.wait_partitions("events", lambda r: leader in r["isr"], 1, timeout=40)
        time.sleep(1.0)
        writer.stopping.set()
        writer.join(120)
        self.assertFalse(writer.is_alive())
        self.assertEqual(writer.failed, [], "acks=all produces failed")
        self.assertGreater(len(writer.acked), 200)
        got = self.read_back("events", 1, len(writer.acked))
        values = [v for _, _, v in got]
        self.assertEqual(len(values), len(set(values)), "a record appears twice")
        offsets = [o for _, o, _ in got]
        self.assertEqual(offsets, list(range(len(offsets))), "offsets have a gap")
        missing = set(writer.acked) - set(values)
        self.assertEqual(missing, set(), "acknowledged records lost")
        wrong = [(v, writer.acked[v][1], o) for o, v in zip(offsets, values) if v in writer.acked and
                 writer.acked[v][1] != o]
        self.assertEqual(wrong, [], "records acknowledged at other offsets than where they are")
        self.assertEqual(values, sorted(values), "records out of order")
        # the group read along through every failover and commits the end
        deadline = time.monotonic() + 60
        while len(reader.seen) < len(values) and time.monotonic() < deadline:
            time.sleep(0.2)
        reader.stopping.set()
        reader.join(30)
        self.assertEqual(reader.seen, set(values))
        self.assertGreater(reader.commits, 1)
        c = Consumer({"bootstrap.servers": self.kafka_bootstrap(), "group.id": "along"})
        committed = c.committed([TopicPartition("events", 0)], timeout=20)
        c.close()
        self.assertEqual(committed[0].offset, len(values))

    def test_a_paused_leader_is_replaced_and_acknowledges_nothing(self):
        self.controller()
        parts = self.create("z", 1)
        zombie = parts[0]["leader"]
        self.produce_to(zombie, "z", [b"a"])
        n = Native(self.brokers[zombie].port)
        os.kill(self.brokers[zombie].proc.pid, signal.SIGSTOP)
        moved = self.wait_partitions("z", lambda r: r["leader"] not in (-1, zombie), 1, timeout=TTL_MS / 1000 + 20)
        new_leader = moved[0]["leader"]
        self.produce_to(new_leader, "z", [b"b"])  # retried while its watch catches up with the record
        os.kill(self.brokers[zombie].proc.pid, signal.SIGCONT)
        # at once, before it hears from etcd: no acknowledgement, no read
        r = n.call("produce", topic="z", partition=0, acks=-1, timeout_ms=3000, records=[{"value": b"zombie"}])
        self.assertNotEqual(r["error"], 0, r)
        r = n.call("fetch", topic="z", partition=0, offset=0)
        self.assertNotEqual(r["error"], 0, r)
        n.close()
        # then it follows the new leader and rejoins the in-sync set
        self.assertTrue(self.wait_log(zombie, "partition z-0: follower of %d at epoch %d"
                                      % (new_leader, moved[0]["leader_epoch"]), timeout=20))
        self.wait_partitions("z", lambda r: zombie in r["isr"], 1, timeout=30)
        self.assertEqual(self.read_all("z", 2), [b"a", b"b"])


@unittest.skipUnless(Producer, "needs python3-confluent-kafka and python3-kafka")
class CutFromEtcd(ClusterTestCase):
    """A leader cut off from etcd (its link through a proxy dropped) keeps
    running but cannot renew its lease: once a TTL passed since its last
    renewal it stops acting as leader, even for acks=1, while the others
    elect a new one; when the link is back it registers again and follows."""
    etcd_via_proxy = True
    replication = Failover.replication

    def test_a_leader_that_cannot_renew_its_lease_stops_leading(self):
        self.controller()
        parts = self.create("cut", 1)
        leader = parts[0]["leader"]
        self.produce_to(leader, "cut", [b"a"], acks=1)
        n = Native(self.brokers[leader].port)
        self.etcd_links[leader].cut()
        self.wait_partitions("cut", lambda r: r["leader"] not in (-1, leader), 1, timeout=TTL_MS / 1000 + 20)
        # the old leader still runs and still believes its records, but its lease ran out
        r = n.call("produce", topic="cut", partition=0, acks=1, records=[{"value": b"lost"}])
        self.assertEqual(r["error"], 14, r)
        r = n.call("fetch", topic="cut", partition=0, offset=0)
        self.assertEqual(r["error"], 14, r)
        n.close()
        self.etcd_links[leader].restore()
        self.assertTrue(self.wait_log(leader, "registered again", timeout=20))
        self.wait_partitions("cut", lambda r: leader in r["isr"], 1, timeout=30)
        self.assertEqual(self.read_all("cut", 1), [b"a"])


@unittest.skipUnless(Producer, "needs python3-confluent-kafka and python3-kafka")
class EtcdEndpointFails(ClusterTestCase):
    """Every broker knows two etcd endpoints (two proxies to the etcd here);
    the first one goes away: requests, lease renewals and watches move to
    the second, no lease is lost, and the cluster goes on electing and
    creating."""
    replication = Failover.replication

    def setUp(self):
        self.dir_proxies = []
        super().setUp()

    def start(self, broker_id, etcd_url=None):
        if not self.dir_proxies:
            host, port = self.etcd.url[len("http://"):].split(":")
            self.dir_proxies = [TcpProxy(host, int(port)), TcpProxy(host, int(port))]
            self.etcd_links["first"], self.etcd_links["second"] = self.dir_proxies
        return super().start(broker_id, etcd_url=",".join(p.url for p in self.dir_proxies))

    def test_the_brokers_move_to_the_next_endpoint(self):
        self.controller()
        self.etcd_links["first"].cut()
        time.sleep(TTL_MS / 1000 * 2)  # two TTLs: a broker that could not renew would have lost its lease
        for i in (1, 2, 3):
            self.assertEqual(self.metrics(i)["cluster_lease_lost_total"], 0, i)
            self.assertTrue(self.wait_log(i, "using %s" % self.etcd_links["second"].url), i)
        parts = self.create("after", 1)
        leader = parts[0]["leader"]
        self.brokers[leader].stop(signal.SIGKILL)  # the watches moved too: the others see it go
        self.wait_partitions("after", lambda r: r["leader"] not in (-1, leader), 1, timeout=30)


if __name__ == "__main__":
    unittest.main()
