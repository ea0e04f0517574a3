"""DeleteRecords (21): a partition's log start moves forward, on one
broker and in a cluster (its followers follow the leader's start, so a new
leader after a failover starts there too). Hand-made frames: none of the
Debian clients sends DeleteRecords yet (kafka-python 2.0 and
confluent-kafka 1.7 lack it)."""
import signal
import time
import unittest

from brooktest import BrokerTestCase, Native
from clustertest import ClusterTestCase
import kafkawire as kw

DELETE_RECORDS = 21
OFFSET_OUT_OF_RANGE = 1
UNKNOWN_TOPIC_OR_PARTITION = 3

try:
    from kafka.admin import KafkaAdminClient
except ImportError:  # pragma: no cover
    KafkaAdminClient = None


def delete_records(port, topic, partitions):
    conn = kw.Conn(port)
    try:
        return kw.parse_delete_records_v1(conn.call(DELETE_RECORDS, 1, kw.delete_records_v1(topic, partitions)))
    finally:
        conn.close()


class DeleteRecordsOneBroker(BrokerTestCase):
    def test_the_log_start_moves_forward_and_reads_before_it_fail(self):
        self.ctl("topics", "create", "dr")
        n = Native(self.broker.port)
        for i in range(20):  # a batch each
            self.assertEqual(n.call("produce", topic="dr", partition=0, records=[{"value": b"v%02d" % i}])["error"], 0)
        self.assertEqual(delete_records(self.broker.kafka_port, "dr", [(0, 5)]), [("dr", 0, 5, 0)])
        self.assertEqual(n.call("list_offsets", topic="dr", partition=0)["earliest"], 5)
        self.assertNotEqual(n.call("fetch", topic="dr", partition=0, offset=4, max_wait_ms=0)["error"], 0)
        r = n.call("fetch", topic="dr", partition=0, offset=5, max_wait_ms=0)
        self.assertEqual(r["records"][0]["value"], b"v05")
        # an earlier offset changes nothing; -1 means the high watermark; past it is out of range
        self.assertEqual(delete_records(self.broker.kafka_port, "dr", [(0, 2)]), [("dr", 0, 5, 0)])
        self.assertEqual(delete_records(self.broker.kafka_port, "dr", [(0, 99)]),
                         [("dr", 0, -1, OFFSET_OUT_OF_RANGE)])
        self.assertEqual(delete_records(self.broker.kafka_port, "dr", [(0, -1)]), [("dr", 0, 20, 0)])
        self.assertEqual(delete_records(self.broker.kafka_port, "nope", [(0, 1)]),
                         [("nope", 0, -1, UNKNOWN_TOPIC_OR_PARTITION)])
        self.assertEqual(n.call("produce", topic="dr", partition=0, records=[{"value": b"after"}])["error"], 0)
        self.assertEqual([x["value"] for x in n.call("fetch", topic="dr", partition=0, offset=20,
                                                     max_wait_ms=0)["records"]], [b"after"])
        n.close()


@unittest.skipUnless(KafkaAdminClient, "needs python3-kafka")
class DeleteRecordsInACluster(ClusterTestCase):
    def test_followers_follow_the_leaders_start_through_a_failover(self):
        self.controller()
        first = self.create("drc")[0]
        leader = first["leader"]
        self.produce_to(leader, "drc", [b"r%02d" % i for i in range(20)])
        self.assertEqual(delete_records(self.brokers[leader].kafka_port, "drc", [(0, 12)]), [("drc", 0, 12, 0)])
        self.produce_to(leader, "drc", [b"more"])  # the followers' next fetches carry the new start
        for i in first["replicas"]:
            if i != leader:
                self.assertTrue(self.wait_log(i, "partition drc-0: log start moved to 12"), i)
        self.brokers[leader].stop(signal.SIGKILL)
        new = self.wait_partitions("drc", lambda r: r["leader"] not in (-1, leader), 1, timeout=30)[0]["leader"]
        n = Native(self.brokers[new].port)
        try:
            self.assertEqual(n.call("list_offsets", topic="drc", partition=0)["earliest"], 12)
            # (all of it once the new leader's high watermark covers it)
            want = [b"r%02d" % i for i in range(12, 20)] + [b"more"]
            deadline = time.monotonic() + 20
            while True:
                r = n.call("fetch", topic="drc", partition=0, offset=12, max_wait_ms=0)
                got = [x["value"] for x in r["records"] if x["offset"] >= 12]
                if got == want or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            self.assertEqual(got, want)
        finally:
            n.close()


if __name__ == "__main__":
    unittest.main()
