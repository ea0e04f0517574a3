"""CreatePartitions: a topic grows, its existing partitions untouched,
through confluent-kafka's AdminClient on one broker and kafka-python's
against a cluster (the controller grows it; the new partitions get leaders
and in-sync replicas like a new topic's). Shrinking, or growing past
topics.max_partitions, is refused with INVALID_PARTITIONS."""
import unittest

from brooktest import BrokerTestCase, Native
from clustertest import ClusterTestCase

from confluent_kafka import KafkaError
from confluent_kafka.admin import AdminClient, NewPartitions, NewTopic

try:
    from kafka.admin import KafkaAdminClient, NewPartitions as KpNewPartitions
except ImportError:  # pragma: no cover
    KafkaAdminClient = None


class GrowOneBroker(BrokerTestCase):
    extra = "topics = { max_partitions = 8; };"

    def admin(self):
        if getattr(self, "client_for", None) != self.broker.kafka_port:
            self.client = AdminClient({"bootstrap.servers": "127.0.0.1:%d" % self.broker.kafka_port})
            self.client_for = self.broker.kafka_port
        return self.client

    def grow(self, topic, count, validate_only=False):
        f = self.admin().create_partitions([NewPartitions(topic, count)], validate_only=validate_only)[topic]
        try:
            f.result(10)
            return None
        except Exception as e:
            return e.args[0].code()

    def partitions(self, topic):
        return sorted(self.admin().list_topics(timeout=10).topics[topic].partitions)

    def produce(self, topic, partition, values):
        n = Native(self.broker.port)
        r = n.call("produce", topic=topic, partition=partition, records=[{"value": v} for v in values])
        n.close()
        return r["error"]

    def fetch(self, topic, partition):
        n = Native(self.broker.port)
        r = n.call("fetch", topic=topic, partition=partition, offset=0, max_wait_ms=0)
        n.close()
        return [rec["value"] for rec in r["records"]]

    def test_a_topic_grows_and_keeps_what_it_had(self):
        self.admin().create_topics([NewTopic("grow", num_partitions=1, replication_factor=1)])["grow"].result(10)
        self.assertEqual(self.produce("grow", 0, [b"old"]), 0)
        self.assertIsNone(self.grow("grow", 3, validate_only=True))
        self.assertEqual(self.partitions("grow"), [0])
        self.assertIsNone(self.grow("grow", 3))
        self.assertEqual(self.partitions("grow"), [0, 1, 2])
        for p in (1, 2):
            self.assertEqual(self.produce("grow", p, [b"new%d" % p]), 0)
        self.assertEqual(self.fetch("grow", 0), [b"old"])
        self.broker.stop()  # the registry keeps the count (these tests store in memory: no data)
        self.broker.start()
        self.assertEqual(self.partitions("grow"), [0, 1, 2])
        self.assertEqual(self.grow("grow", 2), KafkaError.INVALID_PARTITIONS)  # only grows
        self.assertEqual(self.grow("grow", 9), KafkaError.INVALID_PARTITIONS)  # past topics.max_partitions
        self.assertEqual(self.grow("nope", 2), KafkaError.UNKNOWN_TOPIC_OR_PART)


@unittest.skipUnless(KafkaAdminClient, "needs python3-kafka")
class GrowACluster(ClusterTestCase):
    def test_the_controller_grows_a_topic_across_the_brokers(self):
        self.controller()
        first = self.create("wide", 1)[0]
        self.produce_to(first["leader"], "wide", [b"before"])
        admin = KafkaAdminClient(bootstrap_servers=self.kafka_bootstrap(), request_timeout_ms=20000)
        try:
            admin.create_partitions({"wide": KpNewPartitions(4)})
        finally:
            admin.close()
        parts = self.wait_partitions("wide", lambda r: r["leader"] >= 0 and len(r["isr"]) == 3, 4)
        self.assertEqual(parts[0]["leader_epoch"], first["leader_epoch"])  # untouched
        self.assertEqual(len({parts[p]["leader"] for p in parts}), 3)  # leaders spread over the brokers
        self.assertEqual(self.read_all("wide", 1), [b"before"])


if __name__ == "__main__":
    unittest.main()
