"""Topic administration from the two sides operators use: brookctl over the
native protocol (topics create with configs, describe with partitions,
offsets and config sources, alter-config, add-partitions, delete-records)
and kafka-python's KafkaAdminClient over the Kafka protocol (create with
configs, describe, alter, create partitions); both change the same topic.
(confluent-kafka's AdminClient: test_topic_configs, test_create_partitions,
test_delete_records. kcat has no admin requests: it only lists metadata,
which test_create_partitions checks after growing a topic.)"""
import json
import unittest

from brooktest import BrokerTestCase

from kafka import KafkaConsumer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewPartitions, NewTopic
from kafka.errors import InvalidConfigurationError, InvalidPartitionsError


def table(text, header):
    """The rows after the line starting with `header`, split on whitespace, until a blank line."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 1:]:
        if not line.strip():
            break
        rows.append(line.split())
    return rows


class BrookctlTopics(BrokerTestCase):
    storage = 'storage = { plugin = "segment"; retention_ms = 3600000L; };'

    def describe(self, name):
        out = self.ctl("topics", "describe", name).stdout.decode()
        partitions = {int(r[0]): r[1:] for r in table(out, "PARTITION")}
        configs = {r[0]: (r[1], r[2]) for r in table(out, "CONFIG")}
        return partitions, configs

    def test_create_describe_alter_grow_and_delete_records(self):
        self.ctl("topics", "create", "orders", "--partitions", "2", "--replication-factor", "1",
                 "--config", "cleanup.policy=compact", "--config", "segment.bytes=100000")
        self.ctl("produce", "orders", "--partition", "1", "--key-separator", ":", input=b"a:1\nb:2\nc:3\n")
        partitions, configs = self.describe("orders")
        # LEADER EPOCH REPLICAS ISR LOG-START HIGH-WATERMARK LOG-END
        self.assertEqual(partitions[0], ["0", "0", "0", "0", "0", "0", "0"])
        self.assertEqual(partitions[1], ["0", "0", "0", "0", "0", "3", "3"])
        self.assertEqual(configs["cleanup.policy"], ("compact", "topic"))
        self.assertEqual(configs["segment.bytes"], ("100000", "topic"))
        self.assertEqual(configs["retention.ms"], ("3600000", "broker"))  # the storage block sets it
        self.assertEqual(configs["min.compaction.lag.ms"], ("0", "default"))
        self.assertEqual(list(configs), sorted(configs))  # sorted rows
        doc = json.loads(self.ctl("--output", "json", "topics", "describe", "orders").stdout)
        self.assertEqual(doc["partitions"][1], {"partition": 1, "leader": 0, "leader_epoch": 0, "replicas": [0],
                                                "isr": [0], "log_start": 0, "high_watermark": 3, "log_end": 3})
        self.assertIn({"name": "cleanup.policy", "value": "compact", "source": "topic", "read_only": False},
                      doc["configs"])
        listing = json.loads(self.ctl("-o", "json", "topics", "list").stdout)
        self.assertIn({"name": "orders", "partitions": 2}, listing["topics"])

        self.ctl("topics", "alter-config", "orders", "--set", "retention.ms=60000", "--delete", "segment.bytes")
        _, configs = self.describe("orders")
        self.assertEqual(configs["retention.ms"], ("60000", "topic"))
        self.assertEqual(configs["segment.bytes"], ("1073741824", "default"))

        self.ctl("topics", "add-partitions", "orders", "--to", "3")
        partitions, _ = self.describe("orders")
        self.assertEqual(sorted(partitions), [0, 1, 2])

        r = self.ctl("topics", "delete-records", "orders", "--partition", "1", "--before", "2")
        self.assertIn(b"orders-1 starts at offset 2", r.stdout)
        partitions, _ = self.describe("orders")
        self.assertEqual(partitions[1][4:], ["2", "3", "3"])
        out = self.ctl("consume", "orders", "--partition", "1", "--from-beginning", "--count", "1").stdout
        self.assertEqual(out, b"3\n")

    def test_refusals_name_what_is_wrong(self):
        self.ctl("topics", "create", "t", "--partitions", "2")
        cases = [
            (("topics", "create", "u", "--config", "no.such=1"), 1, b"no.such: not a topic config Brook knows"),
            (("topics", "create", "u", "--config", "cleanup.policy=squash"), 1, b"cleanup.policy: \"squash\""),
            (("topics", "alter-config", "t", "--set", "segment.bytes=x"), 1, b"segment.bytes: \"x\" is not"),
            (("topics", "alter-config", "t", "--set", "brook.storage=other"), 1, b"fixed when the topic is created"),
            (("topics", "add-partitions", "t", "--to", "1"), 1, b"can only grow"),
            (("topics", "delete-records", "t", "--partition", "0", "--before", "5"), 1, b"delete records of t-0"),
            (("topics", "describe", "nope"), 1, b"unknown topic \"nope\""),
            (("topics", "alter-config", "t"), 2, b"usage"),  # nothing to change
            (("topics", "alter-config", "t", "--set", "novalue"), 2, b"--set takes NAME=VALUE"),
            (("topics", "add-partitions", "t"), 2, b"usage"),  # --to missing
            (("topics", "delete-records", "t", "--partition", "0"), 2, b"usage"),  # --before missing
            (("topics", "describe", "t", "--to", "3"), 2, b"usage"),  # an option the action does not take
        ]
        for args, code, message in cases:
            r = self.ctl(*args, check=False)
            self.assertEqual(r.returncode, code, (args, r.stderr))
            self.assertIn(message, r.stderr, args)
        self.assertNotIn(b"\nu ", self.ctl("topics", "list").stdout)


class KafkaPythonAdmin(BrokerTestCase):
    storage = 'storage = { plugin = "segment"; };'

    def setUp(self):
        super().setUp()
        self.admin = KafkaAdminClient(bootstrap_servers="127.0.0.1:%d" % self.broker.kafka_port,
                                      request_timeout_ms=10000)
        self.addCleanup(self.admin.close)

    def configs(self, name):
        [response] = self.admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name)])
        [resource] = response.resources
        error, _, _, _, entries = resource
        self.assertEqual(error, 0)
        # (name, value, read_only, config_source, is_sensitive, synonyms) in v1+
        return {e[0]: e for e in entries}

    def test_create_describe_alter_and_grow(self):
        self.admin.create_topics([NewTopic("kp", 1, 1, topic_configs={"cleanup.policy": "compact",
                                                                      "retention.ms": "1000"})])
        c = self.configs("kp")
        self.assertEqual((c["cleanup.policy"][1], c["cleanup.policy"][3]), ("compact", 1))  # DYNAMIC_TOPIC_CONFIG
        self.assertEqual((c["segment.ms"][1], c["segment.ms"][3]), ("604800000", 5))  # DEFAULT_CONFIG
        # AlterConfigs replaces the topic's whole set
        self.admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, "kp", configs={"retention.ms": "2000"})])
        c = self.configs("kp")
        self.assertEqual((c["retention.ms"][1], c["retention.ms"][3]), ("2000", 1))
        self.assertEqual(c["cleanup.policy"][3], 5)  # back to the default
        with self.assertRaises(InvalidConfigurationError):
            self.admin.create_topics([NewTopic("kp2", 1, 1, topic_configs={"retention.ms": "soon"})])
        self.admin.create_partitions({"kp": NewPartitions(total_count=3)})
        with self.assertRaises(InvalidPartitionsError):
            self.admin.create_partitions({"kp": NewPartitions(total_count=2)})
        consumer = KafkaConsumer(bootstrap_servers="127.0.0.1:%d" % self.broker.kafka_port)
        try:
            self.assertEqual(consumer.partitions_for_topic("kp"), {0, 1, 2})
            self.assertEqual(consumer.end_offsets([TopicPartition("kp", 2)]), {TopicPartition("kp", 2): 0})
        finally:
            consumer.close()


if __name__ == "__main__":
    unittest.main()
