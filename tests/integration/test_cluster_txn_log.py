"""Transactions in a replicated partition: three brokers and etcd. The
followers learn the transactions from the batches and markers they copy,
so after kill -9 of the leader the new one holds the same state: an open
transaction still holds back the last stable offset, an aborted one stays
hidden from read_committed consumers, and a marker written to the new
leader ends the open one."""
import signal
import time
import unittest

from brooktest import read_values
from clustertest import ClusterTestCase
import kafkawire as kw

import importlib.util

if importlib.util.find_spec("confluent_kafka") is None:  # read_values needs it
    raise unittest.SkipTest("python3-confluent-kafka is not installed")


class TxnHelpers:
    """Raw transactional frames against a cluster (mixed into the tests)."""

    def produce(self, broker_id, values, pid=-1, epoch=-1, seq=-1, txn=False):
        conn = kw.Conn(self.brokers[broker_id].kafka_port)
        try:
            b = kw.batch(values, producer_id=pid, epoch=epoch, sequence=seq, transactional=txn)
            body = kw.produce_v3("t", 0, b, acks=-1, txn_id="log" if txn else None)
            return kw.parse_produce_v3(conn.call(0, 3, body))[0][2:]
        finally:
            conn.close()

    def coordinator(self):
        """The transactional id "log"'s coordinator: (broker id, Kafka port)."""
        conn = kw.Conn(self.brokers[min(self.brokers)].kafka_port)
        try:
            deadline = time.time() + 30
            err, node, port = kw.find_coordinator(conn, "log")
            while err and time.time() < deadline:  # __consumer_offsets being created
                time.sleep(0.2)
                err, node, port = kw.find_coordinator(conn, "log")
            self.assertEqual(err, 0)
            return node, port
        finally:
            conn.close()

    def begin(self, topics):
        """The transactional id "log"'s producer, `topics` in its transaction,
        through its coordinator: (pid, epoch)."""
        conn = kw.Conn(self.coordinator()[1])
        try:
            return kw.transaction(conn, "log", topics)
        finally:
            conn.close()

    def marker(self, broker_id, pid, epoch, commit):
        got = kw.write_txn_markers(self.brokers[broker_id].kafka_port, [(pid, epoch, commit, {"t": [0]}, 0)])
        return got[(pid, "t", 0)]

    def read_committed_from(self, topic, partition, want):
        return read_values(self.kafka_bootstrap(), topic, [partition], "read_committed", want, timeout=30.0,
                           settle=1.0)

    def read_committed(self, want, settle=1.0):
        return read_values(self.kafka_bootstrap(), "t", [0], "read_committed", want, timeout=30.0, settle=settle)


class ClusterTxnLog(TxnHelpers, ClusterTestCase):
    def test_a_new_leader_keeps_the_transactions(self):
        leader = self.create("t", rf=3)[0]["leader"]
        pid, epoch = self.begin({"t": [0]})
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

    def test_a_leader_asks_the_coordinator_on_another_broker(self):
        coordinator = self.coordinator()[0]
        rows = self.create("v", partitions=6, rf=1)
        away = sorted(p for p, r in rows.items() if r["leader"] != coordinator)
        self.assertGreaterEqual(len(away), 2, rows)
        added, other = away[0], away[1]
        pid, epoch = self.begin({"v": [added]})

        def produce(partition, value, seq):
            conn = kw.Conn(self.brokers[rows[partition]["leader"]].kafka_port)
            try:
                b = kw.batch([value], producer_id=pid, epoch=epoch, sequence=seq, transactional=True)
                body = kw.produce_v3("v", partition, b, acks=-1, txn_id="log")
                return kw.parse_produce_v3(conn.call(0, 3, body))[0][2:]
            finally:
                conn.close()

        self.assertEqual(produce(other, b"not added", 0)[0], 48)  # INVALID_TXN_STATE, from the coordinator
        self.assertEqual(produce(added, b"in", 0), (0, 0))
        # ended by its coordinator (the marker sent to the leader): a batch
        # late for the transaction is refused, the coordinator says so
        conn = kw.Conn(self.coordinator()[1])
        try:
            self.assertEqual(kw.end_txn(conn, "log", pid, epoch, commit=True), 0)
        finally:
            conn.close()
        conn = kw.Conn(self.brokers[rows[added]["leader"]].kafka_port)
        try:
            deadline = time.time() + 20
            while time.time() < deadline:  # the marker written: the last stable offset past it
                got = kw.parse_list_offsets_v4(conn.call(2, 4, kw.list_offsets_v4("v", added, -1, isolation=1)))
                if got[0][4] == 2:
                    break
                time.sleep(0.1)
            self.assertEqual(got[0][4], 2)
        finally:
            conn.close()
        # (NOT_ENOUGH_REPLICAS, retried by clients, until the coordinator
        # has written the transaction complete after its markers)
        deadline = time.time() + 20
        err = produce(added, b"late", 1)[0]
        while err == 19 and time.time() < deadline:
            time.sleep(0.1)
            err = produce(added, b"late", 1)[0]
        self.assertEqual(err, 48)
        self.assertEqual(self.read_committed_from("v", added, 1), [b"in"])

class ClusterTxnVerifyStalled(TxnHelpers, ClusterTestCase):
    """The coordinator stopped (SIGSTOP) while a leader asks it: the
    transaction's first batch is answered within the broker's request
    timeout with NOT_ENOUGH_REPLICAS (retried by clients), or within its
    own timeout if it is an acks=all produce with a shorter one, other
    clients of that leader are served meanwhile, and once the coordinator
    is back (or another took over) the retry is taken."""

    def broker_config(self, broker_id):
        return "limits = { request_timeout_ms = 3000; };"

    def test_a_stalled_coordinator_holds_only_the_batch_that_asks(self):
        coordinator = self.coordinator()[0]
        rows = self.create("w", partitions=6, rf=1)
        away = sorted(p for p, r in rows.items() if r["leader"] != coordinator)
        self.assertTrue(away, rows)
        part = away[0]
        leader = rows[part]["leader"]
        pid, epoch = self.begin({"w": [part]})
        self.brokers[coordinator].proc.send_signal(signal.SIGSTOP)
        try:
            conn = kw.Conn(self.brokers[leader].kafka_port, timeout=30)
            b = kw.batch([b"first"], producer_id=pid, epoch=epoch, sequence=0, transactional=True)
            started = time.monotonic()
            corr = conn.send(0, 3, kw.produce_v3("w", part, b, acks=1, txn_id="log"))
            # meanwhile another client of the same leader: answered at once
            other = kw.Conn(self.brokers[leader].kafka_port)
            plain = kw.produce_v3("w", part, kw.batch([b"plain"]), acks=1)
            t0 = time.monotonic()
            self.assertEqual(kw.parse_produce_v3(other.call(0, 3, plain))[0][2], 0)
            self.assertLess(time.monotonic() - t0, 1.0)
            other.close()
            # acks=all with a 1 s timeout: answered by then, not by the broker's 3 s
            hurried = kw.Conn(self.brokers[leader].kafka_port, timeout=30)
            t0 = time.monotonic()
            got = kw.parse_produce_v3(hurried.call(0, 3, kw.produce_v3("w", part, b, acks=-1, timeout=1000,
                                                                        txn_id="log")))[0][2]
            self.assertIn(got, (7, 19))  # REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS
            self.assertLess(time.monotonic() - t0, 2.5)
            hurried.close()
            got_corr, data = conn.recv()
            waited = time.monotonic() - started
            self.assertEqual(got_corr, corr)
            self.assertEqual(kw.parse_produce_v3(data)[0][2], 19)  # NOT_ENOUGH_REPLICAS
            self.assertLess(waited, 10.0)  # the request timeout (3 s) and a margin
        finally:
            self.brokers[coordinator].proc.send_signal(signal.SIGCONT)
        deadline = time.time() + 30
        while True:  # as a client retries: the coordinator back, or another in its place
            got = kw.parse_produce_v3(conn.call(0, 3, kw.produce_v3("w", part, b, acks=1, txn_id="log")))[0][2:]
            if got[0] == 0 or time.time() > deadline:
                break
            time.sleep(0.2)
        conn.close()
        self.assertEqual(got, (0, 1))


class ClusterTxnHeldAnswers(TxnHelpers, ClusterTestCase):
    """Answers between brokers held on their way by a proxy."""

    replication_via_proxy = True

    def test_a_retried_end_and_a_new_producer_wait_for_the_markers(self):
        """While a transaction's markers are on their way (the leader's
        answer held 250 ms), a retried EndTxn and an InitProducerId for the
        id were answered CONCURRENT_TRANSACTIONS (51), which clients retry
        after 100 ms; they now wait for the end."""
        coordinator, port = self.coordinator()
        rows = self.create("w", partitions=6, rf=1)
        part = next(p for p, r in sorted(rows.items()) if r["leader"] != coordinator)
        leader = rows[part]["leader"]
        pid, epoch = self.begin({"w": [part]})
        data = kw.Conn(self.brokers[leader].kafka_port)
        b = kw.batch([b"one"], producer_id=pid, epoch=epoch, sequence=0, transactional=True)
        self.assertEqual(kw.parse_produce_v3(data.call(0, 3, kw.produce_v3("w", part, b, acks=-1, txn_id="log")))[0][2],
                         0)
        data.close()
        self.replica_links[leader].delay_answers(b"write_txn_markers", 250)
        conn = kw.Conn(port, timeout=30)
        self.assertEqual(kw.end_txn(conn, "log", pid, epoch, commit=True), 0)
        self.assertEqual(kw.end_txn(conn, "log", pid, epoch, commit=True), 0)  # the retry
        self.assertEqual(kw.describe_transactions(port, ["log"])["log"][1], "CompleteCommit")
        self.assertEqual(kw.add_partitions_to_txn(conn, "log", pid, epoch, {"w": [part]}), {("w", part): 0})
        self.assertEqual(kw.end_txn(conn, "log", pid, epoch, commit=False), 0)
        self.assertEqual(kw.init_transactional_id(conn, "log"), (0, pid, epoch + 1))  # the abort's markers held
        conn.close()

    def test_offsets_confirmed_before_the_end_are_not_written_after_it(self):
        """A TxnOffsetCommit whose coordinator's confirmation arrives after
        the transaction has ended (the confirmation held on its way, the
        transaction ended meanwhile by a client that did not wait for the
        commit's answer) is refused: before, its offsets were written after
        the transaction's marker and stayed pending for good, and every
        read_committed consumer of the group got UNSTABLE_OFFSET_COMMIT (88)
        for ever."""
        from test_cluster_groups import java_hash_partition
        self.create("t", rf=3)
        offsets = self.wait_partitions("__consumer_offsets", lambda r: r["leader"] >= 0 and len(r["isr"]) == 3, 16)
        coordinator = offsets[java_hash_partition("log", 16)]["leader"]
        group = next(g for g in ("g%d" % i for i in range(100))
                     if offsets[java_hash_partition(g, 16)]["leader"] != coordinator)
        group_coordinator = offsets[java_hash_partition(group, 16)]["leader"]
        conn = kw.Conn(self.brokers[coordinator].kafka_port)
        err, pid, epoch = kw.init_transactional_id(conn, "log")
        self.assertEqual(err, 0)
        self.assertEqual(kw.add_offsets_to_txn(conn, "log", pid, epoch, group), 0)
        # the coordinator's answers to the group coordinator's question held 2 s
        self.replica_links[coordinator].delay_answers(b"verify_txn", 2000)
        gconn = kw.Conn(self.brokers[group_coordinator].kafka_port, timeout=30)
        corr = gconn.send(28, 0, kw.txn_offset_commit_v0("log", group, pid, epoch, {("t", 0): 5}))
        time.sleep(0.5)  # asked and answered; the answer on its way
        self.assertEqual(kw.end_txn(conn, "log", pid, epoch, commit=True), 0)
        deadline = time.time() + 20
        while time.time() < deadline:  # its marker written to the group's offsets partition
            state = kw.describe_transactions(self.brokers[coordinator].kafka_port, ["log"])["log"][1]
            if state == "CompleteCommit":
                break
            time.sleep(0.05)
        self.assertEqual(state, "CompleteCommit")
        got_corr, data = gconn.recv()
        self.assertEqual(got_corr, corr)
        self.assertEqual(kw.parse_txn_offset_commit_v0(data), {("t", 0): 48})  # INVALID_TXN_STATE
        gconn.close()
        conn.close()
        self.replica_links[coordinator].delay_answers(None, 0)
        fetched = kw.offset_fetch_v7(self.brokers[group_coordinator].kafka_port, group, "t", [0])
        self.assertEqual(fetched, {("t", 0): (-1, 0)})


if __name__ == "__main__":
    unittest.main()
