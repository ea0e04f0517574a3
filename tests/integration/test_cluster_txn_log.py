"""Transactions in a replicated partition: three brokers and etcd. The
followers learn the transactions from the batches and markers they copy,
so after kill -9 of the leader the new one holds the same state: an open
transaction still holds back the last stable offset, an aborted one stays
hidden from read_committed consumers, and a marker written to the new
leader ends the open one."""
import signal
import time
import unittest

from clustertest import ClusterTestCase
import kafkawire as kw

try:
    from confluent_kafka import Consumer, TopicPartition
except ImportError:
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

    def read_committed(self, want, timeout=30.0, settle=1.0):
        c = Consumer({"bootstrap.servers": self.kafka_bootstrap(), "group.id": "g-%f" % time.time(),
                      "isolation.level": "read_committed", "enable.auto.commit": False, "fetch.wait.max.ms": 100})
        try:
            c.assign([TopicPartition("t", 0, 0)])
            got, deadline, until = [], time.time() + timeout, None
            while time.time() < (until or deadline):
                m = c.poll(0.2)
                if m is not None and not m.error():
                    got.append(m.value())
                if until is None and len(got) >= want:
                    until = time.time() + settle
            return got
        finally:
            c.close()

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
