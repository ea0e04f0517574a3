"""Transactions in a replicated partition: three brokers and etcd. The
followers learn the transactions from the batches and markers they copy,
so after kill -9 of the leader the new one holds the same state: an open
transaction still holds back the last stable offset, an aborted one stays
hidden from read_committed consumers, and a marker written to the new
leader ends the open one."""
import signal
import unittest

from brooktest import read_values
from clustertest import ClusterTestCase
import kafkawire as kw

import importlib.util

if importlib.util.find_spec("confluent_kafka") is None:  # read_values needs it
    raise unittest.SkipTest("python3-confluent-kafka is not installed")


class ClusterTxnLog(ClusterTestCase):
    def produce(self, broker_id, values, pid=-1, epoch=-1, seq=-1, txn=False):
        conn = kw.Conn(self.brokers[broker_id].kafka_port)
        try:
            b = kw.batch(values, producer_id=pid, epoch=epoch, sequence=seq, transactional=txn)
            return kw.parse_produce_v3(conn.call(0, 3, kw.produce_v3("t", 0, b, acks=-1)))[0][2:]
        finally:
            conn.close()

    def marker(self, broker_id, pid, epoch, commit):
        got = kw.write_txn_markers(self.brokers[broker_id].kafka_port, [(pid, epoch, commit, {"t": [0]}, 0)])
        return got[(pid, "t", 0)]

    def read_committed(self, want, settle=1.0):
        return read_values(self.kafka_bootstrap(), "t", [0], "read_committed", want, timeout=30.0, settle=settle)

    def test_a_new_leader_keeps_the_transactions(self):
        leader = self.create("t", rf=3)[0]["leader"]
        conn = kw.Conn(self.brokers[leader].kafka_port)
        pid, epoch = kw.init_producer_id(conn)
        conn.close()
        self.assertEqual(self.produce(leader, [b"aborted"], pid, epoch, 0, txn=True), (0, 0))
        self.assertEqual(self.produce(leader, [b"plain"]), (0, 1))
        self.assertEqual(self.marker(leader, pid, epoch, commit=False), 0)
        self.assertEqual(self.produce(leader, [b"open"], pid, epoch, 1, txn=True), (0, 3))
        self.assertEqual(self.read_committed(1), [b"plain"])
        self.brokers[leader].stop(signal.SIGKILL)
        new = self.wait_partitions("t", lambda r: r["leader"] not in (-1, leader), 1, timeout=30)[0]["leader"]
        # the new leader: still only "plain" (the aborted one hidden, the open one held back)
        self.assertEqual(self.read_committed(1, settle=2.0), [b"plain"])
        self.assertEqual(self.marker(new, pid, epoch, commit=True), 0)
        self.assertEqual(self.read_committed(2), [b"plain", b"open"])
        self.start(leader)  # back as a follower: it truncates or copies, and learns the marker
        self.wait_partitions("t", lambda r: len(r["isr"]) == 3, 1, timeout=60)


if __name__ == "__main__":
    unittest.main()
