"""DeleteRecords (21): a partition's log start moves forward, on one
broker and in a cluster (answered once every live follower's start moved
too, so a new leader after a failover starts there). Through librdkafka's
Admin API (tests/clients/rdkafka_admin.c) and hand-made frames for the
edge cases: the Debian Python clients do not send DeleteRecords
(kafka-python 2.0 and confluent-kafka 1.7 lack it)."""
import os
import signal
import subprocess
import time
import unittest

from brooktest import BIN, BrokerTestCase, Native
from clustertest import ClusterTestCase
import kafkawire as kw

DELETE_RECORDS = 21
OFFSET_OUT_OF_RANGE = 1
REQUEST_TIMED_OUT = 7
UNKNOWN_TOPIC_OR_PARTITION = 3

try:
    from kafka.admin import KafkaAdminClient
except ImportError:  # pragma: no cover
    KafkaAdminClient = None


def rdkafka_delete_records(port, topic, partition, offset):
    """[(topic, partition, low watermark, librdkafka's error name)] as
    librdkafka's rd_kafka_DeleteRecords reports them."""
    r = subprocess.run([os.path.join(BIN, "rdkafka_admin"), "127.0.0.1:%d" % port, "delete-records", topic,
                        str(partition), str(offset)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    assert r.returncode == 0, r.stderr.decode() + r.stdout.decode()
    return [(t, int(p), int(o), e) for t, p, o, e in (line.split() for line in r.stdout.decode().splitlines())]


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
        self.assertEqual(rdkafka_delete_records(self.broker.kafka_port, "dr", 0, 20), [("dr", 0, 20, "NO_ERROR")])
        self.assertEqual(rdkafka_delete_records(self.broker.kafka_port, "dr", 0, 99),
                         [("dr", 0, -1, "OFFSET_OUT_OF_RANGE")])
        self.assertEqual([x["value"] for x in n.call("fetch", topic="dr", partition=0, offset=20,
                                                     max_wait_ms=0)["records"]], [b"after"])
        n.close()


@unittest.skipUnless(KafkaAdminClient, "needs python3-kafka")
class DeleteRecordsInACluster(ClusterTestCase):
    def produce_twenty(self, topic):
        first = self.create(topic)[0]
        self.produce_to(first["leader"], topic, [b"r%02d" % i for i in range(20)])
        return first["leader"], [i for i in first["replicas"] if i != first["leader"]]

    def test_a_failover_right_after_the_answer_keeps_the_records_deleted(self):
        # The answer waits until every live follower's log start passed the
        # offset (Kafka's low watermark): a leader killed the moment it
        # answers leaves no replica that still holds the records. (Answered
        # once only the leader had moved, the new leader started at 0.)
        self.controller()
        leader, followers = self.produce_twenty("drc")
        self.assertEqual(rdkafka_delete_records(self.brokers[leader].kafka_port, "drc", 0, 12),
                         [("drc", 0, 12, "NO_ERROR")])
        self.brokers[leader].stop(signal.SIGKILL)
        new = self.wait_partitions("drc", lambda r: r["leader"] not in (-1, leader), 1, timeout=30)[0]["leader"]
        n = Native(self.brokers[new].port)
        try:
            # (the new leader learns it leads from its watch, a moment after etcd's record says so)
            deadline = time.monotonic() + 10
            while True:
                r = n.call("list_offsets", topic="drc", partition=0)
                if r["error"] == 0 or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            self.assertEqual(r.get("earliest"), 12, r)
            for i in followers:
                self.assertIn("partition drc-0: log start moved to 12", self.brokers[i].log(), i)
            # (all of it once the new leader's high watermark covers it)
            want = [b"r%02d" % i for i in range(12, 20)]
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

    def test_a_stopped_follower_holds_the_answer_until_its_broker_leaves(self):
        # A follower that stopped fetching while its broker still counts as
        # live keeps the low watermark back: the request times out for its
        # partition (REQUEST_TIMED_OUT, Kafka's answer). Once its lease runs
        # out the broker is no longer live and the same request is answered.
        self.controller()
        leader, followers = self.produce_twenty("drs")
        stopped = followers[0]
        os.kill(self.brokers[stopped].proc.pid, signal.SIGSTOP)
        port = self.brokers[leader].kafka_port
        conn = kw.Conn(port)
        try:
            body = kw.delete_records_v1("drs", [(0, 12)], timeout=300)
            self.assertEqual(kw.parse_delete_records_v1(conn.call(DELETE_RECORDS, 1, body)),
                             [("drs", 0, -1, REQUEST_TIMED_OUT)])
            body = kw.delete_records_v1("drs", [(0, 12)], timeout=30000)
            t0 = time.monotonic()
            self.assertEqual(kw.parse_delete_records_v1(conn.call(DELETE_RECORDS, 1, body)), [("drs", 0, 12, 0)])
            self.assertLess(time.monotonic() - t0, 20)
        finally:
            conn.close()
        self.assertTrue(self.wait_log(leader, "cluster: broker %d left" % stopped), leader)
        os.kill(self.brokers[stopped].proc.pid, signal.SIGCONT)
        # back, it follows the leader's start
        self.assertTrue(self.wait_log(stopped, "partition drs-0: log start moved to 12", timeout=30), stopped)


if __name__ == "__main__":
    unittest.main()
