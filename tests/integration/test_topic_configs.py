"""A topic's own configs on one broker, through confluent-kafka's
AdminClient (librdkafka): CreateTopics with configs keeps them with the
topic (across a restart), DescribeConfigs shows each value's source,
AlterConfigs replaces them and IncrementalAlterConfigs (hand-made frames:
confluent-kafka 1.7 and kafka-python 2.0 lack it) sets and deletes single
ones, and an unknown name, a bad value or a config Brook does not apply per
topic yet is refused with INVALID_CONFIG naming the key. (In a cluster, and what
min.insync.replicas and unclean.leader.election.enable do there:
test_cluster_topic_configs.py.)"""
import time
import unittest

from brooktest import BrokerTestCase
import kafkawire as kw

from confluent_kafka import TIMESTAMP_CREATE_TIME, TIMESTAMP_LOG_APPEND_TIME, Consumer, KafkaError, Producer
from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource, NewTopic


class TopicConfigs(BrokerTestCase):

    def admin(self):
        """One client per broker run (a future outlives nothing of a collected client)."""
        if getattr(self, "client_for", None) != self.broker.kafka_port:
            self.client = AdminClient({"bootstrap.servers": "127.0.0.1:%d" % self.broker.kafka_port})
            self.client_for = self.broker.kafka_port
        return self.client

    def create(self, name, config, validate_only=False):
        """None when created, else (error code, message)."""
        f = self.admin().create_topics([NewTopic(name, num_partitions=1, replication_factor=1, config=config)],
                                       validate_only=validate_only)[name]
        try:
            f.result(10)
            return None
        except Exception as e:  # confluent_kafka.KafkaException
            return e.args[0].code(), e.args[0].str()

    def describe(self, name):
        f = self.admin().describe_configs([ConfigResource("topic", name)])
        return list(f.values())[0].result(10)

    def test_configs_are_kept_with_the_topic_and_described_with_their_source(self):
        self.assertIsNone(self.create("own", {"min.insync.replicas": "1", "unclean.leader.election.enable": "true"}))
        self.assertIsNone(self.create("plain", {}))
        for _ in range(2):  # and again after a restart
            own, plain = self.describe("own"), self.describe("plain")
            self.assertEqual((own["unclean.leader.election.enable"].value,
                              own["unclean.leader.election.enable"].source),
                             ("true", ConfigSource.DYNAMIC_TOPIC_CONFIG.value))
            self.assertEqual((own["min.insync.replicas"].value, own["min.insync.replicas"].source),
                             ("1", ConfigSource.DYNAMIC_TOPIC_CONFIG.value))
            self.assertEqual((plain["unclean.leader.election.enable"].value,
                              plain["unclean.leader.election.enable"].source),
                             ("false", ConfigSource.DEFAULT_CONFIG.value))
            self.assertTrue(plain["min.insync.replicas"].is_default)
            self.assertEqual(own["cleanup.policy"].source, ConfigSource.DEFAULT_CONFIG.value)
            self.broker.stop()
            self.broker.start()

    def test_bad_configs_are_refused_naming_the_key(self):
        cases = {
            "zero": ({"min.insync.replicas": "0"}, "min.insync.replicas: \"0\" is not an integer from 1"),
            "word": ({"unclean.leader.election.enable": "yes"}, "unclean.leader.election.enable: \"yes\" is not"),
            "later": ({"compression.type": "lz4"}, "compression.type: per-topic values are not supported yet"),
            # these tests' broker keeps topics in storage-memory, which has no retention
            "memory": ({"retention.ms": "1000"}, "retention.ms: the topic's storage \"memory\" (plugin memory) has "
                                                  "no such setting"),
            "nocleaner": ({"cleanup.policy": "compact"}, "cleanup.policy: the topic's storage \"memory\" refuses "
                                                         "\"compact\""),
            "unknown": ({"no.such.config": "1"}, "no.such.config: not a topic config Brook knows"),
        }
        for name, (config, message) in cases.items():
            code, text = self.create(name, config)
            self.assertEqual(code, KafkaError.INVALID_CONFIG, (name, text))
            self.assertIn(message, text)
        topics = self.admin().list_topics(timeout=10).topics
        self.assertFalse(set(cases) & set(topics), topics)

    def test_storage_memory_takes_cleanup_policy_delete(self):
        # what Kafka Streams asks of its repartition topics; memory keeps all and compacts nothing
        self.assertIsNone(self.create("streams-repartition", {"cleanup.policy": "delete"}))
        cfg = self.describe("streams-repartition")
        self.assertEqual((cfg["cleanup.policy"].value, cfg["cleanup.policy"].source), ("delete", 1))

    def test_a_topic_with_configs_is_deleted_and_created_again(self):
        # deleting one read the storage's name from its freed configs (a
        # crash found by sarama's DeleteTopics after an AlterConfigs)
        for name in ("gone1", "gone2"):
            self.assertIsNone(self.create(name, {"min.insync.replicas": "1", "cleanup.policy": "delete",
                                                 "unclean.leader.election.enable": "true"}))
        self.admin().alter_configs([ConfigResource("topic", "gone2", set_config={"min.insync.replicas": "1"})])[
            ConfigResource("topic", "gone2")].result(10)
        for name, f in self.admin().delete_topics(["gone1", "gone2"], operation_timeout=10).items():
            self.assertIsNone(f.result(10), name)
        self.assertTrue(self.broker.alive(), self.broker.log())
        self.assertFalse({"gone1", "gone2"} & set(self.admin().list_topics(timeout=10).topics))
        self.assertIsNone(self.create("gone1", {"cleanup.policy": "delete"}))
        self.assertEqual(self.describe("gone1")["min.insync.replicas"].source, ConfigSource.DEFAULT_CONFIG.value)

    def test_validate_only_checks_configs_and_creates_nothing(self):
        self.assertIsNone(self.create("dry", {"min.insync.replicas": "2"}, validate_only=True))
        self.assertEqual(self.create("dry", {"min.insync.replicas": "x"}, validate_only=True)[0],
                         KafkaError.INVALID_CONFIG)
        self.assertNotIn("dry", self.admin().list_topics(timeout=10).topics)

    def test_max_message_bytes_bounds_a_topics_batches(self):
        self.assertIsNone(self.create("small", {"max.message.bytes": "1000"}))
        self.assertIsNone(self.create("roomy", {}))
        p = Producer({"bootstrap.servers": "127.0.0.1:%d" % self.broker.kafka_port, "linger.ms": 0})
        errors = {}
        for topic, size in (("small", 100), ("small", 5000), ("roomy", 5000)):
            p.produce(topic, b"z" * size, on_delivery=lambda err, msg, k=(topic, size): errors.__setitem__(k, err))
            p.flush(10)
        self.assertIsNone(errors[("small", 100)])
        self.assertEqual(errors[("small", 5000)].code(), KafkaError.MSG_SIZE_TOO_LARGE)
        self.assertIsNone(errors[("roomy", 5000)])
        self.assertEqual(self.describe("small")["max.message.bytes"].value, "1000")

    def test_log_append_time_dates_records_by_the_brokers_clock(self):
        self.assertIsNone(self.create("appended", {"message.timestamp.type": "LogAppendTime"}))
        self.assertIsNone(self.create("created", {}))
        p = Producer({"bootstrap.servers": "127.0.0.1:%d" % self.broker.kafka_port, "linger.ms": 0})
        before = int(time.time() * 1000)
        for topic in ("appended", "created"):
            p.produce(topic, b"v", timestamp=1000)  # the producer says 1970
        self.assertEqual(p.flush(10), 0)
        after = int(time.time() * 1000)
        c = Consumer({"bootstrap.servers": "127.0.0.1:%d" % self.broker.kafka_port, "group.id": "ts",
                      "auto.offset.reset": "earliest"})
        got = {}
        c.subscribe(["appended", "created"])
        deadline = time.monotonic() + 20
        while len(got) < 2 and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is not None and not m.error():
                got[m.topic()] = m.timestamp()
        c.close()
        self.assertEqual(got["created"], (TIMESTAMP_CREATE_TIME, 1000))
        kind, when = got["appended"]
        self.assertEqual(kind, TIMESTAMP_LOG_APPEND_TIME)
        self.assertTrue(before <= when <= after, (before, when, after))
        code, text = self.create("odd", {"message.timestamp.type": "WallTime"})
        self.assertEqual(code, KafkaError.INVALID_CONFIG)
        self.assertIn("message.timestamp.type: \"WallTime\" is not CreateTime or LogAppendTime", text)

    def alter(self, name, config, validate_only=False):
        """AlterConfigs: None when done, else (error code, message)."""
        f = self.admin().alter_configs([ConfigResource("topic", name, set_config=config)],
                                       validate_only=validate_only)
        try:
            list(f.values())[0].result(10)
            return None
        except Exception as e:
            return e.args[0].code(), e.args[0].str()

    def test_alter_configs_replaces_the_topics_configs_and_keeps_them(self):
        self.assertIsNone(self.create("alt", {"unclean.leader.election.enable": "true"}))
        self.assertIsNone(self.alter("alt", {"min.insync.replicas": "1"}))
        for _ in range(2):  # and after a restart
            cfg = self.describe("alt")
            self.assertEqual((cfg["min.insync.replicas"].value, cfg["min.insync.replicas"].source),
                             ("1", ConfigSource.DYNAMIC_TOPIC_CONFIG.value))
            # AlterConfigs sets the whole set: what it did not name is back to its default
            self.assertEqual((cfg["unclean.leader.election.enable"].value,
                              cfg["unclean.leader.election.enable"].source), ("false", ConfigSource.DEFAULT_CONFIG.value))
            self.assertFalse(cfg["min.insync.replicas"].is_read_only)
            self.broker.stop()
            self.broker.start()
        code, text = self.alter("alt", {"min.insync.replicas": "zero"})
        self.assertEqual(code, KafkaError.INVALID_CONFIG)
        self.assertIn("min.insync.replicas: \"zero\" is not an integer", text)
        self.assertIsNone(self.alter("alt", {"min.insync.replicas": "2"}, validate_only=True))
        self.assertEqual(self.describe("alt")["min.insync.replicas"].value, "1")  # validated, not changed
        self.assertEqual(self.alter("nope", {"min.insync.replicas": "2"})[0], KafkaError.UNKNOWN_TOPIC_OR_PART)

    def incremental(self, topic, changes, validate_only=False):
        conn = kw.Conn(self.broker.kafka_port)
        try:
            return kw.parse_alter_configs_v0(conn.call(44, 0, kw.incremental_alter_configs_v0(topic, changes,
                                                                                              validate_only)))[0]
        finally:
            conn.close()

    def test_incremental_alter_configs_sets_and_deletes_single_configs(self):
        self.assertIsNone(self.create("inc", {"min.insync.replicas": "1"}))
        self.assertEqual(self.incremental("inc", [("unclean.leader.election.enable", 0, "true")]),
                         (0, None, 2, "inc"))
        cfg = self.describe("inc")
        self.assertEqual((cfg["unclean.leader.election.enable"].value, cfg["min.insync.replicas"].value),
                         ("true", "1"))  # the others stay
        self.assertEqual(self.incremental("inc", [("min.insync.replicas", 1, None)])[0], 0)
        self.assertTrue(self.describe("inc")["min.insync.replicas"].is_default)
        err, message, _, _ = self.incremental("inc", [("min.insync.replicas", 2, "3")])
        self.assertEqual(err, 40)
        self.assertIn("min.insync.replicas: not a list config", message)
        err, message, _, _ = self.incremental("inc", [("brook.storage", 0, "elsewhere")])
        self.assertEqual(err, 40)
        self.assertIn("brook.storage", message)
        err, message, _, _ = self.incremental("inc", [("min.insync.replicas", 0, "1"), ("min.insync.replicas", 0, "2")])
        self.assertEqual(err, 40)
        self.assertIn("given twice", message)


if __name__ == "__main__":
    unittest.main()
