"""A replica that was away while its leader's retention deleted what it
still needed (its next offset lies before the leader's log start) starts
afresh at the leader's start, as Kafka's followers do, and rejoins the
in-sync set; before, it asked for the missing offset forever. Real
brokers, a real etcd, storage-segment with small segments and retention
by size set on the topic."""
import signal
import unittest

from clustertest import ClusterTestCase

try:
    from kafka.admin import KafkaAdminClient
except ImportError:  # pragma: no cover
    KafkaAdminClient = None


@unittest.skipUnless(KafkaAdminClient, "needs python3-kafka")
class BehindTheLeadersStart(ClusterTestCase):
    storage = 'storage = { plugin = "segment"; flush = "interval"; flush_ms = 50; retention_check_ms = 100; };'
    replication = 'replication = { plugin = "isr"; min_insync_replicas = 2; };'

    def test_a_replica_behind_the_leaders_log_start_starts_afresh_and_rejoins(self):
        self.controller()
        first = self.create("short", configs={"segment.bytes": "2048", "retention.bytes": "4096"})[0]
        leader = first["leader"]
        away = [i for i in first["replicas"] if i != leader][0]
        self.produce_to(leader, "short", [b"early%02d" % i for i in range(10)])
        self.brokers[away].stop(signal.SIGTERM)
        self.wait_partitions("short", lambda r: away not in r["isr"], 1, timeout=30)
        self.produce_to(leader, "short", [b"x" * 300 for _ in range(60)])  # many segments; the old ones go
        self.assertTrue(self.wait_log(leader, "retention (bytes) deletes segment"))
        self.start(away)
        self.assertTrue(self.wait_log(away, "past this replica's end"), self.brokers[away].log()[-3000:])
        self.wait_partitions("short", lambda r: len(r["isr"]) == 3, 1, timeout=40)
        self.produce_to(leader, "short", [b"after"])


if __name__ == "__main__":
    unittest.main()
