"""A compacted topic in a cluster: a follower that was away while its
leader compacted the records it still lacked copies the compacted log, gaps
and all, rejoins the in-sync set, and when it is the only broker left it
serves each key's latest value. (Before, a follower refused the first batch
that did not start exactly at its log end and asked again for ever.) Real
brokers, a real etcd, storage-segment with small segments and a quick
cleaner."""
import signal
import time
import unittest

from brooktest import Native
from clustertest import ClusterTestCase

try:
    from kafka.admin import KafkaAdminClient
except ImportError:  # pragma: no cover
    KafkaAdminClient = None


@unittest.skipUnless(KafkaAdminClient, "needs python3-kafka")
class CompactedReplicas(ClusterTestCase):
    storage = 'storage = { plugin = "segment"; flush = "interval"; flush_ms = 50; cleaner_check_ms = 100; };'

    def produce_keyed(self, broker_id, pairs):
        n = Native(self.brokers[broker_id].port)
        try:
            for k, v in pairs:
                deadline = time.monotonic() + 10
                while True:
                    r = n.call("produce", topic="state", partition=0, acks=-1, timeout_ms=10000,
                               records=[{"key": k, "value": v}])
                    if r["error"] != 15 or time.monotonic() > deadline:  # NOT_LEADER: its watch lags etcd a moment
                        break
                    time.sleep(0.05)
                self.assertEqual(r["error"], 0, (k, r))
        finally:
            n.close()

    def test_a_follower_copies_a_compacted_log_and_serves_it(self):
        self.controller()
        first = self.create("state", configs={"cleanup.policy": "compact", "segment.bytes": "2048",
                                              "min.cleanable.dirty.ratio": "0.01"})[0]
        leader = first["leader"]
        away, third = [i for i in first["replicas"] if i != leader]
        self.produce_keyed(leader, [(b"k%d" % (i % 10), b"k%d=%d" % (i % 10, i)) for i in range(10)])
        self.brokers[away].stop(signal.SIGTERM)
        self.wait_partitions("state", lambda r: away not in r["isr"], 1, timeout=30)
        self.produce_keyed(leader, [(b"k%d" % (i % 10), b"k%d=%d" % (i % 10, i)) for i in range(10, 400)])
        self.assertTrue(self.wait_log(leader, "compacted offsets", timeout=30))
        self.start(away)
        self.wait_partitions("state", lambda r: len(r["isr"]) == 3, 1, timeout=40)
        # the others go: the follower that copied the compacted log is all that is left
        self.brokers[leader].stop(signal.SIGKILL)
        self.brokers[third].stop(signal.SIGKILL)
        self.wait_partitions("state", lambda r: r["leader"] == away, 1, timeout=40)
        values = self.read_all("state", 10, broker_id=away, timeout=30)
        latest = {}
        for v in values:
            k, i = v.split(b"=")
            latest[k] = int(i)
        self.assertEqual(latest, {b"k%d" % k: 390 + k for k in range(10)})


if __name__ == "__main__":
    unittest.main()
