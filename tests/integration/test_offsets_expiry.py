"""Committed offsets expire as Kafka's do (offsets.retention.minutes,
KIP-211), with real confluent-kafka consumers against a real brookd
(segment storage): a group whose members all left loses its offsets once
groups.offsets_retention_ms has passed since its last commit; one that
only ever committed without joining (assigned partitions) loses each
offset retention after that offset's commit; a group with a live member
keeps those of the topics it subscribes to however old, and loses the
others'; what expired stays gone after a restart, and what has not expired
expires on time however often the broker restarts. Before, every group
ever used stayed in memory and in the offsets log for good (a console
consumer makes a new group per run)."""
import glob
import os
import shutil
import signal
import struct
import tempfile
import time
import unittest

from brooktest import Broker

try:
    from confluent_kafka import Consumer, Producer, TopicPartition
    from confluent_kafka.admin import AdminClient, NewTopic
except ImportError:
    raise unittest.SkipTest("python3-confluent-kafka is not installed")

STORAGE = 'storage = { plugin = "segment"; flush = "interval"; flush_ms = 50; };'
RETENTION_MS = 3000
GROUPS = ('groups = { initial_rebalance_delay_ms = 0; min_session_timeout_ms = 1000; offsets_retention_ms = %d; '
          'offsets_retention_check_ms = 200; };' % RETENTION_MS)


class OffsetsExpiry(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="brook-expiry-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.broker = Broker(self.dir, extra=GROUPS, storage=STORAGE).start()
        self.addCleanup(self.broker.stop, signal.SIGKILL)

    def tearDown(self):
        log = self.broker.log()
        self.assertNotIn("ERROR: AddressSanitizer", log)
        self.assertNotIn("runtime error:", log)

    def bootstrap(self):
        return "127.0.0.1:%d" % self.broker.kafka_port

    def consumer(self, group):
        c = Consumer({"bootstrap.servers": self.bootstrap(), "group.id": group, "auto.offset.reset": "earliest",
                      "enable.auto.commit": False, "heartbeat.interval.ms": 300, "session.timeout.ms": 6000})
        self.addCleanup(c.close)  # closing twice is harmless
        return c

    def member(self, group, topics):
        """A consumer of `group` subscribed to `topics`, once it has its assignment."""
        c = self.consumer(group)
        c.subscribe(topics)
        deadline = time.time() + 30
        while time.time() < deadline and not c.assignment():
            c.poll(0.2)
        return c

    def committed(self, group):
        """The group's committed offset of partition 0 (-1001: none)."""
        c = self.consumer(group)
        try:
            return c.committed([TopicPartition("t", 0)], timeout=10)[0].offset
        finally:
            c.close()

    def test_offsets_of_unused_groups_expire_and_a_live_group_keeps_its_own(self):
        admin = AdminClient({"bootstrap.servers": self.bootstrap()})
        for f in admin.create_topics([NewTopic("t", num_partitions=1, replication_factor=1)]).values():
            f.result(10)
        p = Producer({"bootstrap.servers": self.bootstrap()})
        for i in range(10):
            p.produce("t", value=b"v%d" % i, partition=0)
        self.assertEqual(p.flush(30), 0)

        # "left": joins, reads, commits, leaves
        left = self.consumer("left")
        left.subscribe(["t"])
        deadline = time.time() + 30
        while time.time() < deadline and left.poll(0.2) is None:
            pass
        left.commit(offsets=[TopicPartition("t", 0, 5)], asynchronous=False)
        left.close()
        # "assigned": commits without ever joining
        assigned = self.consumer("assigned")
        assigned.assign([TopicPartition("t", 0, 0)])
        assigned.commit(offsets=[TopicPartition("t", 0, 7)], asynchronous=False)
        assigned.close()
        # "live": commits once, then stays a member (polling keeps it in the group)
        live = self.member("live", ["t"])
        live.commit(offsets=[TopicPartition("t", 0, 9)], asynchronous=False)
        committed_at = time.time()
        self.assertEqual([self.committed(g) for g in ("left", "assigned")], [5, 7])

        while time.time() < committed_at + RETENTION_MS / 1000 + 2:
            live.poll(0.2)
        self.assertEqual(self.committed("left"), -1001)
        self.assertEqual(self.committed("assigned"), -1001)
        live.poll(0.2)
        self.assertEqual(self.committed("live"), 9, "a group with a member keeps its offsets")
        self.assertIn("group left: committed offsets expired", self.broker.log())
        live.close()

        # what expired stays gone; the live group's offsets outlive its going for retention
        self.broker.stop(signal.SIGTERM)
        self.broker.start()
        self.assertEqual(self.committed("left"), -1001)
        self.assertEqual(self.committed("assigned"), -1001)
        self.assertEqual(self.committed("live"), 9)

    def make_topic(self, name, partitions):
        admin = AdminClient({"bootstrap.servers": self.bootstrap()})
        for f in admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)]).values():
            f.result(10)

    def wait_gone(self, c, tp, timeout=15):
        """Poll `c`'s committed offset of `tp` until it has none (False: it stayed)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if c.committed([tp], timeout=10)[0].offset == -1001:
                return True
            c.poll(0.2)
        return False

    def test_a_standalone_consumers_offsets_expire_one_by_one(self):
        # KIP-211: a group that never joined (its partitions assigned by the
        # application) loses each offset retention after that offset's own
        # commit; before, all stayed while it committed any of them
        self.make_topic("two", 2)
        c = self.consumer("alone")
        c.assign([TopicPartition("two", 0, 0), TopicPartition("two", 1, 0)])
        c.commit(offsets=[TopicPartition("two", 0, 1)], asynchronous=False)
        time.sleep(2)
        c.commit(offsets=[TopicPartition("two", 1, 2)], asynchronous=False)
        self.assertTrue(self.wait_gone(c, TopicPartition("two", 0)), "the older offset never expired")
        self.assertEqual(c.committed([TopicPartition("two", 1)], timeout=10)[0].offset, 2,
                         "the newer offset expired with the older one")
        self.assertTrue(self.wait_gone(c, TopicPartition("two", 1)))
        self.assertIn("group alone: 1 committed offset(s) expired (a standalone consumer's", self.broker.log())

    def test_a_live_groups_offsets_of_topics_it_no_longer_reads_expire(self):
        # KIP-211: a stable consumer group keeps the offsets of the topics its
        # members subscribe to, and loses the others retention after their
        # commit; before, a group with members kept everything for good
        self.make_topic("t", 1)
        self.make_topic("old", 1)
        c = self.member("moving", ["t"])
        c.commit(offsets=[TopicPartition("old", 0, 3), TopicPartition("t", 0, 4)], asynchronous=False)
        self.assertTrue(self.wait_gone(c, TopicPartition("old", 0)), "the unsubscribed topic's offset stayed")
        self.assertEqual(c.committed([TopicPartition("t", 0)], timeout=10)[0].offset, 4)
        self.assertIn("group moving: 1 committed offset(s) expired (of topics no member subscribes to",
                      self.broker.log())

    def gone_at(self, checks, until):
        """Poll each (consumer, TopicPartition) of `checks` until `until`:
        the time each committed offset was first seen gone (None: it stayed)."""
        seen = {}
        while time.time() < until and len(seen) < len(checks):
            for name, (c, tp) in checks.items():
                if name not in seen and c.committed([tp], timeout=10)[0].offset == -1001:
                    seen[name] = time.time()
            time.sleep(0.1)
        return {name: seen.get(name) for name in checks}

    def test_restarts_do_not_postpone_expiry(self):
        # Since when a group has been empty, and whether it is a standalone
        # consumer's, is written down (Kafka's group metadata record).
        # Before, a restart counted every empty group as empty from then,
        # under the whole-group rule: a broker restarted more often than the
        # retention never expired a dead group's offsets.
        self.make_topic("two", 2)
        dead = self.member("dead", ["two"])
        dead.commit(offsets=[TopicPartition("two", 0, 3)], asynchronous=False)
        emptied = {"dead": time.time()}  # before it leaves: expiry is due retention after
        dead.close()
        alone = self.consumer("alone")
        alone.assign([TopicPartition("two", 0, 0), TopicPartition("two", 1, 0)])
        emptied["alone-0"] = time.time()
        alone.commit(offsets=[TopicPartition("two", 0, 1)], asynchronous=False)
        time.sleep(1.2)
        alone.commit(offsets=[TopicPartition("two", 1, 2)], asynchronous=False)
        alone.close()
        self.broker.stop(signal.SIGKILL)  # what was written down is on disk (flush_ms 50)
        self.broker.start()
        time.sleep(0.2)
        self.broker.stop(signal.SIGTERM)
        self.broker.start()
        restarted = time.time()
        self.assertLess(restarted, emptied["dead"] + RETENTION_MS / 1000, "restarts too slow for this test's timing")
        groups = {g.id: g.protocol_type for g in AdminClient({"bootstrap.servers": self.bootstrap()}).list_groups(
            timeout=10)}
        self.assertEqual(groups.get("dead"), "consumer", "the protocol type was not kept")

        checks = {"dead": (self.consumer("dead"), TopicPartition("two", 0)),
                  "alone-0": (self.consumer("alone"), TopicPartition("two", 0)),
                  "alone-1": (self.consumer("alone"), TopicPartition("two", 1))}
        gone = self.gone_at(checks, emptied["alone-0"] + 1.2 + RETENTION_MS / 1000 + 3)
        # counted from the restart, nothing would go before restarted + retention
        for name in ("dead", "alone-0"):
            self.assertIsNotNone(gone[name], "%s never expired" % name)
            self.assertGreater(gone[name], emptied[name] + RETENTION_MS / 1000 - 0.3, "%s expired early" % name)
            self.assertLess(gone[name], restarted + RETENTION_MS / 1000 - 0.8,
                            "%s's expiry was postponed by the restarts" % name)
        # still a standalone consumer's after the restarts: offset by offset
        self.assertIsNotNone(gone["alone-1"])
        self.assertGreater(gone["alone-1"], gone["alone-0"] + 0.6, "the newer offset expired with the older one")

    def test_commit_times_are_the_wall_clocks(self):
        # Expiry compares commit times with the time now after restarts, and
        # in a cluster on another machine: they must be wall-clock times.
        # Before, they were the monotonic clock's (ms since the machine
        # booted): after a reboot every commit looked days in the future or past.
        self.make_topic("t", 1)
        c = self.consumer("stamped")
        c.assign([TopicPartition("t", 0, 0)])
        before = time.time()
        c.commit(offsets=[TopicPartition("t", 0, 3)], asynchronous=False)
        after = time.time()
        c.close()
        self.broker.stop(signal.SIGTERM)
        stamps = []
        for path in glob.glob(os.path.join(self.broker.data, "__consumer_offsets-*", "*.log")):
            with open(path, "rb") as f:
                data = f.read()
            pos = 0
            while pos + 61 <= len(data):  # RecordBatch v2: length at 8, maxTimestamp at 35
                length, = struct.unpack_from(">i", data, pos + 8)
                stamps.append(struct.unpack_from(">q", data, pos + 35)[0])
                pos += 12 + length
        self.assertTrue(stamps, "no batch found in the offsets log")
        self.assertTrue(all(before * 1000 - 1000 <= s <= after * 1000 + 1000 for s in stamps),
                        "commit times %s are not between %d and %d" % (stamps, before * 1000, after * 1000))
        self.broker.start()


if __name__ == "__main__":
    unittest.main()
