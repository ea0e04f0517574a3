"""Consumer groups in a cluster: committed offsets live in the replicated
__consumer_offsets topic (created on first need), each group coordinated by
the leader of its partition. A group commits, its coordinator is killed
(kill -9), another broker takes the partition over, reads the offsets back
and the group resumes exactly where it committed, as it does when a
reassignment moves its partition off the coordinator; a stable group goes on
through such a failover without a rebalance; FindCoordinator on any
broker names the coordinator; clients cannot produce to the internal
topic. Deleting a topic removes its offsets on every coordinator, also
one holding no replica of it, and one taking the group over after the
deletion. An unused group's offsets expire through
its coordinator, and stay
expired when another broker takes the coordination over; one that takes
over a dead group expires it retention after it emptied, not after the
takeover."""
import datetime
import json
import os
import shutil
import signal
import tempfile
import time
import unittest

from brooktest import Native
import kafkawire as kw
from clustertest import ClusterTestCase, run_with_a_pause
import saramatest

try:
    from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
    from confluent_kafka.admin import AdminClient, ConfigResource
except ImportError:  # pragma: no cover
    Consumer = None


def java_hash_partition(group, partitions):
    h = 0
    for c in group.encode():
        h = (31 * h + c) & 0xFFFFFFFF
    if h >= 1 << 31:
        h -= 1 << 32
    return (0 if h == -(1 << 31) else abs(h)) % partitions


@unittest.skipUnless(Consumer, "needs python3-confluent-kafka and python3-kafka")
class GroupCluster(ClusterTestCase):
    def produce_work(self, n):
        self.controller()
        self.create("work", 1)
        p = Producer({"bootstrap.servers": self.kafka_bootstrap(), "acks": "all"})
        for i in range(n):
            p.produce("work", value=b"%03d" % i)
        self.assertEqual(p.flush(30), 0)

    def coordinator(self, group):
        offsets = self.wait_partitions("__consumer_offsets", lambda r: r["leader"] >= 0 and len(r["isr"]) == 3, 16)
        return offsets[java_hash_partition(group, 16)]["leader"]

    def commit(self, consumer):
        for _ in range(20):  # a coordinator move answers NOT_COORDINATOR: the client finds the new one
            try:
                consumer.commit(asynchronous=False)
                return
            except KafkaException:
                time.sleep(0.5)
        self.fail("the group could not commit")

    def consume(self, group, want, timeout=60.0, commit=True):
        c = Consumer({"bootstrap.servers": self.kafka_bootstrap(), "group.id": group, "enable.auto.commit": False,
                      "auto.offset.reset": "earliest", "session.timeout.ms": 6000})
        c.subscribe(["work"])
        got = []
        deadline = time.monotonic() + timeout
        while len(got) < want and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is not None and not m.error():
                got.append(m.value())
        if commit and got:
            self.commit(c)
        c.close()
        return got


class ClusterGroups(GroupCluster):
    def test_committed_offsets_survive_the_coordinators_death(self):
        self.produce_work(300)
        first = self.consume("g1", 120)
        self.assertEqual(len(first), 120)
        # __consumer_offsets was made on first need, replicated
        offsets = self.wait_partitions("__consumer_offsets", lambda r: r["leader"] >= 0 and len(r["isr"]) == 3, 16)
        # compacted, as Kafka makes it: the latest commit per group and partition stays
        admin = AdminClient({"bootstrap.servers": self.kafka_bootstrap()})
        cfg = list(admin.describe_configs([ConfigResource("topic", "__consumer_offsets")]).values())[0].result(10)
        self.assertEqual((cfg["cleanup.policy"].value, cfg["cleanup.policy"].source), ("compact", 1))
        k = java_hash_partition("g1", 16)
        coordinator = offsets[k]["leader"]
        self.brokers[coordinator].stop(signal.SIGKILL)
        self.wait_partitions("__consumer_offsets", lambda r: r["leader"] not in (-1, coordinator), 16, timeout=30)
        rest = self.consume("g1", 180)
        self.assertEqual(first + rest, [b"%03d" % i for i in range(300)])  # resumed where it committed
        self.assertEqual(self.consume("g1", 1, timeout=8, commit=False), [])  # and committed the end
        # clients cannot write the internal topic
        survivor = [i for i in (1, 2, 3) if i != coordinator][0]
        n = Native(self.brokers[survivor].port)
        r = n.call("produce", topic="__consumer_offsets", partition=0, records=[{"value": b"x"}])
        self.assertEqual(r["error"], 17, r)
        n.close()
        self.assertIn("%s-%d: coordinating its groups" % ("__consumer_offsets", k),
                      "".join(self.brokers[i].log() for i in (1, 2, 3) if i != coordinator))

    def test_a_group_resumes_when_its_offsets_partition_moves_off_its_coordinator(self):
        # A reassignment that takes the coordinator out of the group's
        # __consumer_offsets partition: the broker leaving drops the
        # groups, the new leader loads them, and the group resumes where
        # it committed.
        self.produce_work(200)
        self.assertEqual(self.consume("moving", 80), [b"%03d" % i for i in range(80)])
        k = java_hash_partition("moving", 16)
        coordinator = self.coordinator("moving")
        target = [i for i in self.partitions("__consumer_offsets")[k]["replicas"] if i != coordinator]
        port = self.brokers[self.controller()].kafka_port
        moved = kw.alter_reassignments_v0(port, [("__consumer_offsets", k, target)])
        self.assertEqual(moved, (0, {("__consumer_offsets", k): (0, None)}))
        rec = self.partitions("__consumer_offsets")[k]
        self.assertEqual((rec["replicas"], rec["leader"]), (target, target[0]))  # a shrink: done at once
        self.assertTrue(self.wait_log(coordinator, "partition __consumer_offsets-%d: no longer a replica here" % k))
        self.assertEqual(self.consume("moving", 120), [b"%03d" % i for i in range(80, 200)])
        self.assertIn("__consumer_offsets-%d: coordinating its groups" % k, self.brokers[target[0]].log())

    def test_a_stable_group_goes_on_when_its_coordinator_dies(self):
        # The group's record in __consumer_offsets holds its generation,
        # members and assignments: the broker taking the partition over
        # lets the consumers heartbeat, fetch and commit on without a
        # rebalance. Before, it knew no members: UNKNOWN_MEMBER_ID and a
        # rebalance (the consumers' session outlasts the failover).
        self.controller()
        self.create("shared", 4)
        group = "steady"
        coordinator = self.coordinator(group)
        events = []

        def consumer(name):
            c = Consumer({"bootstrap.servers": self.kafka_bootstrap(), "group.id": group,
                          "enable.auto.commit": False, "auto.offset.reset": "earliest",
                          "session.timeout.ms": 30000, "heartbeat.interval.ms": 500})
            c.subscribe(["shared"], on_assign=lambda c, ps: events.append((name, "assigned", len(ps))),
                        on_revoke=lambda c, ps: events.append((name, "revoked", len(ps))))
            return c
        consumers = [consumer("c1"), consumer("c2")]
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and [len(c.assignment()) for c in consumers] != [2, 2]:
                for c in consumers:
                    c.poll(0.1)
            self.assertEqual([len(c.assignment()) for c in consumers], [2, 2])
            mine = [sorted(tp.partition for tp in c.assignment()) for c in consumers]
            for _ in range(20):  # two seconds of heartbeats; the record reaches the followers
                for c in consumers:
                    c.poll(0.05)
            del events[:]
            self.brokers[coordinator].stop(signal.SIGKILL)
            self.wait_partitions("__consumer_offsets", lambda r: r["leader"] not in (-1, coordinator), 16,
                                 timeout=30)
            p = Producer({"bootstrap.servers": self.kafka_bootstrap(), "acks": "all"})
            for i in range(100):
                p.produce("shared", value=b"%03d" % i, partition=i % 4)
            self.assertEqual(p.flush(30), 0)
            got = []
            deadline = time.monotonic() + 60
            while len(got) < 100 and time.monotonic() < deadline:
                for c in consumers:
                    m = c.poll(0.1)
                    if m is not None and not m.error():
                        got.append(m.value())
            self.assertEqual(sorted(got), [b"%03d" % i for i in range(100)])
            for c in consumers:  # in the generation from before the failover
                self.commit(c)
            self.assertEqual(events, [])
            self.assertEqual([sorted(tp.partition for tp in c.assignment()) for c in consumers], mine)
            successor = self.partitions("__consumer_offsets")[java_hash_partition(group, 16)]["leader"]
            self.assertNotIn("group %s: generation" % group, self.brokers[successor].log())
        finally:
            for c in consumers:
                c.close()

    def test_a_sarama_group_goes_on_when_its_coordinator_dies(self):
        # Go's sarama 1.22 (JoinGroup v1, OffsetCommit v2, its own commit
        # loop): the member stops after 50 of 200 records while its
        # coordinator is killed, then reads the rest and commits them
        build_dir = tempfile.mkdtemp(prefix="brook-sarama-")
        self.addCleanup(shutil.rmtree, build_dir, True)
        client = saramatest.build(build_dir)
        self.produce_work(200)
        coordinator = self.coordinator("gophers")

        def kill_the_coordinator():
            self.brokers[coordinator].stop(signal.SIGKILL)
            self.wait_partitions("__consumer_offsets", lambda r: r["leader"] not in (-1, coordinator), 16,
                                 timeout=30)
        out = json.loads(run_with_a_pause(self, [client, "group", self.kafka_bootstrap(), "work", "gophers", "200"],
                                          kill_the_coordinator, env=dict(os.environ, SARAMA_GROUP_PAUSE="50")))
        self.assertEqual(sorted({r["offset"] for r in out["read"]}), list(range(200)))
        self.assertEqual(out["committed"], {"0": 200})

    def test_a_deleted_topics_offsets_go_where_no_replica_of_it_was(self):
        # The coordinator removes a deleted topic's committed offsets; before,
        # only brokers holding a replica of the topic did, so a group whose
        # coordinator held none kept them (and a topic made again under the
        # same name started from them)
        self.controller()
        host = self.create("solo", 1, rf=1)[0]["leader"]
        group = next(g for g in ("g%d" % i for i in range(100)) if self.coordinator(g) != host)
        conf = {"bootstrap.servers": self.kafka_bootstrap(), "group.id": group, "enable.auto.commit": False}
        c = Consumer(conf)
        c.assign([TopicPartition("solo", 0, 0)])
        c.commit(offsets=[TopicPartition("solo", 0, 1)], asynchronous=False)
        self.assertEqual(c.committed([TopicPartition("solo", 0)], timeout=10)[0].offset, 1)
        c.close()  # (librdkafka's close hangs with a deleted topic's partition assigned)
        admin = AdminClient({"bootstrap.servers": self.kafka_bootstrap()})
        admin.delete_topics(["solo"])["solo"].result(20)
        c = Consumer(conf)
        try:
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and c.committed([TopicPartition("solo", 0)], timeout=10)[0].offset == 1:
                time.sleep(0.2)
            self.assertEqual(c.committed([TopicPartition("solo", 0)], timeout=10)[0].offset, -1001)
        finally:
            c.close()


    def test_a_topic_deleted_while_its_groups_had_no_coordinator_loses_their_offsets(self):
        # The topic goes while the group's coordinator is dead and before
        # another broker takes its partition over: the successor read the
        # deleted topic's offsets back and kept them for good (a topic made
        # again under the name resumed from them). It now drops offsets of
        # topics the cluster no longer has once it has loaded a partition.
        controller = self.controller()
        self.create("doomed", 1)
        group = next(g for g in ("d%d" % i for i in range(100)) if self.coordinator(g) != controller)
        coordinator = self.coordinator(group)
        conf = {"bootstrap.servers": self.kafka_bootstrap(), "group.id": group, "enable.auto.commit": False}
        c = Consumer(conf)
        c.assign([TopicPartition("doomed", 0, 0)])
        c.commit(offsets=[TopicPartition("doomed", 0, 5)], asynchronous=False)
        c.close()
        time.sleep(0.5)  # the commit reaches the followers
        self.brokers[coordinator].stop(signal.SIGKILL)
        survivors = [i for i in (1, 2, 3) if i != coordinator]
        admin = AdminClient({"bootstrap.servers": self.kafka_bootstrap(survivors)})
        admin.delete_topics(["doomed"])["doomed"].result(20)  # well within the dead broker's lease (2 s)
        k = java_hash_partition(group, 16)
        successor = self.wait_partitions("__consumer_offsets", lambda r: r["leader"] not in (-1, coordinator), 16,
                                         timeout=30)[k]["leader"]
        self.wait_log(successor, "topic doomed: no longer in the cluster; its groups' committed offsets go")
        c = Consumer(dict(conf, **{"bootstrap.servers": self.kafka_bootstrap(survivors)}))
        try:
            self.assertEqual(c.committed([TopicPartition("doomed", 0)], timeout=10)[0].offset, -1001)
        finally:
            c.close()


class AssignmentStoredFirst(GroupCluster):
    replication_via_proxy = True  # cutting the coordinator's link holds its followers back
    replication = 'replication = { plugin = "isr"; replica_lag_time_max_ms = 30000; };'  # they stay in sync

    def test_members_hear_their_assignment_once_every_in_sync_replica_holds_it(self):
        # Kafka's coordinator stores a generation's record (members and
        # assignments) before it answers SyncGroup. Before, Brook answered
        # first: with the record not yet on the followers, the member
        # consumed in a generation a new coordinator would not know.
        self.controller()
        self.create("shared", 2)
        group = "careful"
        coordinator = self.coordinator(group)
        assigned, revoked = [], []
        c = Consumer({"bootstrap.servers": self.kafka_bootstrap(), "group.id": group, "enable.auto.commit": False,
                      "auto.offset.reset": "earliest", "session.timeout.ms": 30000, "heartbeat.interval.ms": 500})
        try:
            self.replica_links[coordinator].cut()
            try:
                c.subscribe(["shared"], on_assign=lambda c, ps: assigned.append(len(ps)),
                            on_revoke=lambda c, ps: revoked.append(len(ps)))
                deadline = time.monotonic() + 8  # the join's 3 s delay, and more
                while time.monotonic() < deadline:
                    c.poll(0.1)
                self.assertEqual(assigned, [])  # its record cannot reach the followers
            finally:
                self.replica_links[coordinator].restore()
            deadline = time.monotonic() + 30
            while not assigned and time.monotonic() < deadline:
                c.poll(0.1)
            self.assertEqual(assigned, [2])
            # at once: the record is on every in-sync replica already
            self.brokers[coordinator].stop(signal.SIGKILL)
            self.wait_partitions("__consumer_offsets", lambda r: r["leader"] not in (-1, coordinator), 16,
                                 timeout=30)
            p = Producer({"bootstrap.servers": self.kafka_bootstrap(), "acks": "all"})
            for i in range(20):
                p.produce("shared", value=b"%02d" % i, partition=i % 2)
            self.assertEqual(p.flush(30), 0)
            got = []
            deadline = time.monotonic() + 60
            while len(got) < 20 and time.monotonic() < deadline:
                m = c.poll(0.1)
                if m is not None and not m.error():
                    got.append(m.value())
            self.assertEqual(sorted(got), [b"%02d" % i for i in range(20)])
            self.commit(c)  # in the generation from before the failover
            self.assertEqual((assigned, revoked), ([2], []))
        finally:
            c.close()


class ClusterOffsetsExpiry(GroupCluster):
    def broker_config(self, broker_id):
        return "groups = { offsets_retention_ms = 3000; offsets_retention_check_ms = 200; };"

    def test_an_unused_groups_offsets_expire_through_its_coordinator(self):
        self.produce_work(10)
        self.assertEqual(len(self.consume("g1", 10)), 10)  # commits, leaves
        coordinator = self.coordinator("g1")
        self.assertTrue(self.wait_log(coordinator, "group g1: committed offsets expired", timeout=20),
                        self.brokers[coordinator].log())
        self.assertEqual(len(self.consume("g1", 10, timeout=20, commit=False)), 10)  # from the start again
        for i in (1, 2, 3):
            if i != coordinator:
                self.assertNotIn("committed offsets expired", self.brokers[i].log())
        # the tombstones are the partition's: a new coordinator finds no offsets either
        self.brokers[coordinator].stop(signal.SIGKILL)
        self.wait_partitions("__consumer_offsets", lambda r: r["leader"] not in (-1, coordinator), 16, timeout=30)
        self.assertEqual(len(self.consume("g1", 10, timeout=30, commit=False)), 10)

    def logged_at(self, broker_id, needle, timeout=20.0):
        """The timestamp of the last line of broker_id's log holding needle (None: none came)."""
        if not self.wait_log(broker_id, needle, timeout):
            return None
        line = [l for l in self.brokers[broker_id].log().splitlines() if needle in l][-1]
        when = datetime.datetime.strptime(line.split()[0], "%Y-%m-%dT%H:%M:%S.%fZ")
        return when.replace(tzinfo=datetime.timezone.utc).timestamp()

    def test_a_new_coordinator_expires_a_dead_group_on_time(self):
        # Since when the group has been empty is in __consumer_offsets (its
        # past): before, a broker taking the coordination over counted it as
        # empty from the takeover
        self.produce_work(10)
        coordinator = self.coordinator("g2")
        self.assertEqual(len(self.consume("g2", 10)), 10)  # commits, leaves
        emptied = time.time()
        time.sleep(0.5)  # the past reaches the followers
        self.brokers[coordinator].stop(signal.SIGKILL)
        k = java_hash_partition("g2", 16)
        parts = self.wait_partitions("__consumer_offsets", lambda r: r["leader"] not in (-1, coordinator), 16,
                                     timeout=30)
        new = parts[k]["leader"]
        expired = self.logged_at(new, "group g2: committed offsets expired")
        loaded = self.logged_at(new, "__consumer_offsets-%d: coordinating its groups" % k)
        self.assertIsNotNone(expired, self.brokers[new].log())
        self.assertGreater(expired, emptied + 3.0 - 0.3, "expired early")
        self.assertLess(expired, max(loaded, emptied + 3.0) + 1.5, "expiry counted from the takeover")


if __name__ == "__main__":
    unittest.main()
