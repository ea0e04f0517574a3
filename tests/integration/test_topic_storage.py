"""Topics on different storage in one broker: `storage` lists named
instances (segment "disk", the default, and memory "ram"), and a topic
picks one with its `brook.storage` config. Real clients write to both; after
a restart the disk topic has everything and the memory topic starts empty,
which proves each partition went where its topic said. A name the broker
does not run is refused with INVALID_CONFIG naming the key."""
import os
import time
import unittest

from brooktest import BrokerTestCase, Native

from confluent_kafka import KafkaError, Producer
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

STORAGE = ('storage = ( { name = "disk"; plugin = "segment"; flush = "always"; },\n'
           '            { name = "ram"; plugin = "memory"; } );')


class TopicsOnTheirOwnStorage(BrokerTestCase):
    storage = STORAGE

    def setUp(self):
        super().setUp()
        self.admin = AdminClient({"bootstrap.servers": self.bootstrap()})

    def bootstrap(self):
        return "127.0.0.1:%d" % self.broker.kafka_port

    def create(self, name, config):
        f = self.admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1, config=config)])[name]
        try:
            f.result(10)
            return None
        except Exception as e:
            return e.args[0].code(), e.args[0].str()

    def count(self, topic):
        n = Native(self.broker.port)
        r = n.call("fetch", topic=topic, partition=0, offset=0, max_wait_ms=0)
        n.close()
        self.assertEqual(r["error"], 0, r)
        return len(r["records"])

    def test_each_topic_lives_on_the_storage_it_names(self):
        self.assertIsNone(self.create("kept", {}))
        self.assertIsNone(self.create("volatile", {"brook.storage": "ram"}))
        p = Producer({"bootstrap.servers": self.bootstrap(), "acks": "all"})
        for i in range(20):
            p.produce("kept", b"k%d" % i)
            p.produce("volatile", b"v%d" % i)
        self.assertEqual(p.flush(20), 0)
        self.assertEqual((self.count("kept"), self.count("volatile")), (20, 20))
        cfg = list(self.admin.describe_configs([ConfigResource("topic", "volatile")]).values())[0].result(10)
        self.assertEqual(cfg["brook.storage"].value, "ram")
        self.assertFalse(cfg["brook.storage"].is_default)
        cfg = list(self.admin.describe_configs([ConfigResource("topic", "kept")]).values())[0].result(10)
        self.assertEqual((cfg["brook.storage"].value, cfg["brook.storage"].is_default), ("disk", True))
        self.assertTrue(os.path.isdir(os.path.join(self.broker.data, "kept-0")), os.listdir(self.broker.data))
        self.assertFalse(os.path.exists(os.path.join(self.broker.data, "volatile-0")))
        self.broker.stop()
        self.broker.start()
        self.admin = AdminClient({"bootstrap.servers": self.bootstrap()})
        self.assertEqual((self.count("kept"), self.count("volatile")), (20, 0))

    def test_a_storage_the_broker_does_not_run_is_refused(self):
        code, text = self.create("where", {"brook.storage": "tape"})
        self.assertEqual(code, KafkaError.INVALID_CONFIG)
        self.assertIn('brook.storage: this broker runs no storage named "tape"', text)
        code, text = self.create("where", {"brook.replication": "raft"})
        self.assertEqual(code, KafkaError.INVALID_CONFIG)
        self.assertIn('brook.replication: this broker runs no replication strategy named "raft"', text)


if __name__ == "__main__":
    unittest.main()


class StorageSettingsPerTopic(BrokerTestCase):
    """A topic's own segment.bytes and retention.bytes on storage-segment:
    its log rolls small segments and drops the old ones while a topic
    beside it keeps the backend's settings."""
    storage = 'storage = { plugin = "segment"; retention_check_ms = 100; retention_ms = 3600000L; };'

    def setUp(self):
        super().setUp()
        self.admin = AdminClient({"bootstrap.servers": "127.0.0.1:%d" % self.broker.kafka_port})

    def test_describe_configs_lists_each_values_synonyms(self):
        fs = self.admin.create_topics([
            NewTopic("own", num_partitions=1, replication_factor=1, config={"retention.ms": "1000"}),
            NewTopic("theirs", num_partitions=1, replication_factor=1)])
        for f in fs.values():
            f.result(10)
        own, theirs = (list(self.admin.describe_configs([ConfigResource("topic", t)]).values())[0].result(10)
                       for t in ("own", "theirs"))

        def synonyms(entry):  # (confluent-kafka keeps one synonym per name: the broker file's, or the default)
            return {(s.name, s.value, s.source) for s in entry.synonyms.values()}
        # the topic's own value first, then the storage's option (the file's, then the plugin's default)
        self.assertEqual((own["retention.ms"].value, own["retention.ms"].source), ("1000", 1))
        self.assertIn(("retention.ms", "1000", 1), synonyms(own["retention.ms"]))
        self.assertEqual({n for n, _, _ in synonyms(own["retention.ms"])}, {"retention.ms", "segment.retention_ms"})
        self.assertEqual((theirs["retention.ms"].value, theirs["retention.ms"].source), ("3600000", 4))
        self.assertEqual(synonyms(theirs["segment.bytes"]), {("segment.segment_bytes", "1073741824", 5)})
        self.assertEqual(synonyms(theirs["max.message.bytes"]), {("limits.max_frame_bytes",
                                                                  theirs["max.message.bytes"].value, 5)})

    def segments(self, topic):
        return sorted(f for f in os.listdir(os.path.join(self.broker.data, "%s-0" % topic)) if f.endswith(".log"))

    def bytes(self, topic):
        d = os.path.join(self.broker.data, "%s-0" % topic)
        return sum(os.path.getsize(os.path.join(d, f)) for f in self.segments(topic))

    def assert_retained(self, topic, retention_bytes, segment_bytes):
        """Retention takes the oldest segments until what is left besides the
        active segment is within retention.bytes (Kafka's rule); it runs
        every retention_check_ms, so wait for it, bounded."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.bytes(topic) > retention_bytes + segment_bytes:
            time.sleep(0.1)
        self.assertLessEqual(self.bytes(topic), retention_bytes + segment_bytes)
        self.assertGreater(self.log_start(topic), 0)

    def log_start(self, topic):
        n = Native(self.broker.port)
        r = n.call("list_offsets", topic=topic, partition=0)
        n.close()
        return r["earliest"]

    def test_a_topic_rolls_and_keeps_by_its_own_settings(self):
        fs = self.admin.create_topics([
            NewTopic("small", num_partitions=1, replication_factor=1,
                     config={"segment.bytes": "2048", "retention.bytes": "8192"}),
            NewTopic("plain", num_partitions=1, replication_factor=1)])
        for f in fs.values():
            f.result(10)
        p = Producer({"bootstrap.servers": "127.0.0.1:%d" % self.broker.kafka_port, "linger.ms": 0})
        for i in range(200):  # a batch each: the log rolls between batches
            p.produce("small", b"x" * 200)
            p.produce("plain", b"x" * 200)
            self.assertEqual(p.flush(10), 0)
        self.assertGreater(len(self.segments("small")), 4)
        self.assertEqual(len(self.segments("plain")), 1)
        self.assert_retained("small", 8192, 2048)
        self.assertEqual(self.log_start("plain"), 0)
        cfg = list(self.admin.describe_configs([ConfigResource("topic", "small")]).values())[0].result(10)
        self.assertEqual((cfg["retention.bytes"].value, cfg["retention.bytes"].is_default), ("8192", False))
        self.assertEqual(cfg["segment.bytes"].value, "2048")
        cfg = list(self.admin.describe_configs([ConfigResource("topic", "plain")]).values())[0].result(10)
        self.assertEqual((cfg["retention.bytes"].value, cfg["retention.bytes"].is_default), ("-1", True))

    def test_settings_changed_live_take_effect_without_a_restart(self):
        self.admin.create_topics([NewTopic("live", num_partitions=1, replication_factor=1)])["live"].result(10)
        p = Producer({"bootstrap.servers": "127.0.0.1:%d" % self.broker.kafka_port, "linger.ms": 0})

        def produce(n):
            for i in range(n):
                p.produce("live", b"y" * 200)
                self.assertEqual(p.flush(10), 0)

        produce(50)
        self.assertEqual(len(self.segments("live")), 1)
        f = self.admin.alter_configs([ConfigResource("topic", "live",
                                                     set_config={"segment.bytes": "2048", "retention.bytes": "8192"})])
        list(f.values())[0].result(10)
        produce(100)  # the next batches roll small segments; retention then drops the old ones
        self.assertGreater(len(self.segments("live")), 3)
        self.assert_retained("live", 8192, 2048)

    def test_a_value_the_storage_cannot_take_is_refused(self):
        f = self.admin.create_topics([NewTopic("tiny", num_partitions=1, replication_factor=1,
                                               config={"segment.bytes": "100"})])["tiny"]
        with self.assertRaises(Exception) as refused:
            f.result(10)
        self.assertEqual(refused.exception.args[0].code(), KafkaError.INVALID_CONFIG)
        self.assertIn('segment.bytes: the topic\'s storage "segment" refuses "100"', refused.exception.args[0].str())
