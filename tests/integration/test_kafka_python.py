"""kafka-python (Debian's python3-kafka) against a real brookd. It pins old
request versions from its guess of the broker release (Metadata v0/v1,
ListOffsets v1, Fetch v4), so it checks a different slice of the codec
than librdkafka does: admin, acks=all produce of binary keyed records,
an assigned consumer reading them back byte-exact, offsets by time."""
import random
import time
import unittest

from brooktest import BrokerTestCase

try:
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.errors import TopicAlreadyExistsError, UnknownTopicOrPartitionError
except ImportError:  # the suite installs python3-kafka; say so clearly if not
    raise unittest.SkipTest("python3-kafka is not installed")


class KafkaPython(BrokerTestCase):
    extra = 'groups = { initial_rebalance_delay_ms = 0; };'
    @property
    def bootstrap(self):
        return "127.0.0.1:%d" % self.broker.kafka_port

    def admin(self):
        a = KafkaAdminClient(bootstrap_servers=self.bootstrap, request_timeout_ms=10000)
        self.addCleanup(a.close)
        return a

    def test_admin_produce_consume_byte_exact(self):
        admin = self.admin()
        admin.create_topics([NewTopic("kp", 3, 1)])
        with self.assertRaises(TopicAlreadyExistsError):
            admin.create_topics([NewTopic("kp", 3, 1)])
        self.assertIn("kp", admin.list_topics())

        rng = random.Random(5)
        sent = {}
        producer = KafkaProducer(bootstrap_servers=self.bootstrap, acks="all", linger_ms=5)
        futures = []
        for i in range(3000):
            key = b"k%d" % i
            value = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 300)))
            sent[key] = value
            futures.append(producer.send("kp", key=key, value=value, partition=i % 3))
        producer.flush(30)
        metas = [f.get(30) for f in futures]
        producer.close(10)
        self.assertEqual(sorted({m.partition for m in metas}), [0, 1, 2])
        self.assertEqual(sorted(m.offset for m in metas if m.partition == 1), list(range(1000)))

        consumer = KafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False,
                                 auto_offset_reset="earliest", consumer_timeout_ms=3000)
        self.addCleanup(consumer.close)
        parts = [TopicPartition("kp", p) for p in range(3)]
        consumer.assign(parts)
        got = {}
        deadline = time.time() + 60
        while len(got) < len(sent) and time.time() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                for m in batch:
                    got[m.key] = m.value
        self.assertEqual(got, sent)

        self.assertEqual(consumer.beginning_offsets(parts), {p: 0 for p in parts})
        self.assertEqual(consumer.end_offsets(parts), {p: 1000 for p in parts})
        by_time = consumer.offsets_for_times({p: 0 for p in parts})
        self.assertEqual({p: o.offset for p, o in by_time.items()}, {p: 0 for p in parts})
        future = consumer.offsets_for_times({parts[0]: int(time.time() * 1000) + 3600000})
        self.assertIsNone(future[parts[0]])  # nothing that late

        admin.delete_topics(["kp"])
        self.assertNotIn("kp", admin.list_topics())
        with self.assertRaises(UnknownTopicOrPartitionError):
            admin.delete_topics(["kp"])


    def test_group_consumer_commits_and_resumes(self):
        # kafka-python pins JoinGroup v2, SyncGroup/Heartbeat/LeaveGroup v1,
        # OffsetCommit v2, OffsetFetch v1, FindCoordinator v0
        self.admin().create_topics([NewTopic("kg", 2, 1)])
        producer = KafkaProducer(bootstrap_servers=self.bootstrap, acks="all")
        for i in range(200):
            producer.send("kg", value=b"v%d" % i, partition=i % 2)
        producer.flush(30)

        def read(expected):
            consumer = KafkaConsumer("kg", bootstrap_servers=self.bootstrap, group_id="kpg",
                                     auto_offset_reset="earliest", enable_auto_commit=False,
                                     heartbeat_interval_ms=300)
            got, deadline = [], time.time() + 60
            while len(got) < expected and time.time() < deadline:
                for batch in consumer.poll(timeout_ms=300).values():
                    got += [m.value for m in batch]
            consumer.commit()
            committed = [consumer.committed(TopicPartition("kg", p)) for p in range(2)]
            consumer.close()
            return got, committed

        got, committed = read(200)
        self.assertEqual(sorted(got), sorted(b"v%d" % i for i in range(200)))
        self.assertEqual(committed, [100, 100])
        for i in range(200, 220):
            producer.send("kg", value=b"v%d" % i, partition=i % 2)
        producer.flush(30)
        producer.close(10)
        got, committed = read(20)  # resumes at the committed offsets
        self.assertEqual(sorted(got), sorted(b"v%d" % i for i in range(200, 220)))
        self.assertEqual(committed, [110, 110])


if __name__ == "__main__":
    unittest.main()
