"""The cluster's hard cases, each with real brokers, a real etcd and
faults injected with kill -9, SIGSTOP and TCP proxies (tcpproxy.py):
1. failover with an unacknowledged tail on the old leader: it comes back,
   truncates the tail by epoch and holds exactly what the new leader has;
2. back-to-back failovers: a replica that missed an epoch, and one with a
   tail written in an epoch that ended early, both find where they diverge;
3. (the zombie leader: test_cluster_failover.py)
4. in-sync set changes under min_insync_replicas: delayed followers leave
   the ISR, acks=all is refused with NOT_ENOUGH_REPLICAS, they rejoin, the
   leader dies, nothing acknowledged is lost;
5. the controller dies mid-operation: a half-created topic and a half-done
   re-election are finished by the next controller, with no leaderless
   partition and no epoch going backwards; the paused old controller's
   writes fail."""
import json
import os
import signal
import time
import unittest

from clustertest import NS, TTL_MS, ClusterTestCase
import kafkawire as kw

try:
    from kafka.admin import KafkaAdminClient
except ImportError:  # pragma: no cover
    KafkaAdminClient = None

NOT_ENOUGH_REPLICAS = 33
FENCED_LEADER_EPOCH = 74
UNKNOWN_LEADER_EPOCH = 75


def values(resp):
    return [r["value"] for r in resp["records"]]


class HardCase(ClusterTestCase):
    replication = 'replication = { plugin = "isr"; min_insync_replicas = 2; replica_lag_time_max_ms = 10000; };'

    def leader_is(self, topic, broker_id, timeout=30):
        return self.wait_partitions(topic, lambda r: r["leader"] == broker_id, 1, timeout=timeout)[0]

    def all_in_sync(self, topic, timeout=40):
        return self.wait_partitions(topic, lambda r: len(r["isr"]) == 3 and r["leader"] >= 0, 1, timeout=timeout)[0]


@unittest.skipUnless(KafkaAdminClient, "needs python3-kafka")
class UncommittedTail(HardCase):
    replication_via_proxy = True

    def test_the_old_leader_truncates_its_unacknowledged_tail(self):
        self.controller()
        old = self.create("tail")[0]
        leader = old["leader"]
        acked = [b"a%03d" % i for i in range(50)]
        self.produce_to(leader, "tail", acked)
        self.replica_links[leader].cut()  # the followers cannot copy what comes next
        self.produce_to(leader, "tail", [b"tail%d" % i for i in range(20)], acks=1)
        self.brokers[leader].stop(signal.SIGKILL)
        new = self.wait_partitions("tail", lambda r: r["leader"] not in (-1, leader), 1, timeout=30)[0]
        self.assertGreater(new["leader_epoch"], old["leader_epoch"])
        after = [b"b%03d" % i for i in range(30)]
        self.produce_to(new["leader"], "tail", after)
        # the new leader says where the old epoch ended (OffsetForLeaderEpoch):
        # after the last acknowledged record; a consumer still on the old
        # epoch is fenced, one ahead of it is told the leader does not know it
        conn = kw.Conn(self.brokers[new["leader"]].kafka_port)
        data = conn.call(23, 3, kw.offset_for_leader_epoch_v3("tail", 0, old["leader_epoch"], new["leader_epoch"]))
        self.assertEqual(kw.parse_offset_for_leader_epoch_v3(data), [("tail", 0, 0, old["leader_epoch"], len(acked))])
        for current, error in ((old["leader_epoch"], FENCED_LEADER_EPOCH), (new["leader_epoch"] + 1, UNKNOWN_LEADER_EPOCH)):
            self.assertEqual(kw.fetch_v11_error(conn.call(1, 11, kw.fetch_v11("tail", 0, 0, current))), (0, error))
        conn.close()
        self.replica_links[leader].restore()
        self.start(leader)
        self.all_in_sync("tail")
        self.assertTrue(self.wait_log(leader, "partition tail-0: truncated to offset 50"))
        # the preferred replica leads again: its own copy is what clients read now
        self.leader_is("tail", leader)
        self.assertEqual(self.read_all("tail", len(acked + after), broker_id=leader), acked + after)


@unittest.skipUnless(KafkaAdminClient, "needs python3-kafka")
class BackToBack(HardCase):
    replication_via_proxy = True

    def test_two_failovers_in_a_row_leave_every_replica_consistent(self):
        self.controller()
        first = self.create("b2b")[0]
        a = first["leader"]
        self.produce_to(a, "b2b", [b"x%02d" % i for i in range(40)])
        self.brokers[a].stop(signal.SIGKILL)  # a misses the next epoch entirely
        second = self.wait_partitions("b2b", lambda r: r["leader"] not in (-1, a), 1, timeout=30)[0]
        b = second["leader"]
        self.produce_to(b, "b2b", [b"y%02d" % i for i in range(10)])
        self.replica_links[b].cut()  # a tail in b's epoch that nobody copies
        self.produce_to(b, "b2b", [b"btail%d" % i for i in range(5)], acks=1)
        self.brokers[b].stop(signal.SIGKILL)  # within a second of the last write
        third = self.wait_partitions("b2b", lambda r: r["leader"] not in (-1, a, b), 1, timeout=30)[0]
        c = third["leader"]
        self.assertGreater(third["leader_epoch"], second["leader_epoch"])
        self.assertGreater(second["leader_epoch"], first["leader_epoch"])
        # c alone is in sync: acks=all needs two, acks=1 goes through
        self.produce_to(c, "b2b", [b"z0"], expect=NOT_ENOUGH_REPLICAS)
        self.produce_to(c, "b2b", [b"z%02d" % i for i in range(1, 10)], acks=1)
        self.replica_links[b].restore()
        self.start(a)
        self.start(b)
        self.all_in_sync("b2b")
        self.assertTrue(self.wait_log(b, "partition b2b-0: truncated to offset 50"))
        want = [b"x%02d" % i for i in range(40)] + [b"y%02d" % i for i in range(10)] + \
               [b"z%02d" % i for i in range(1, 10)]
        for broker in (a, b, c):
            self.leader_is("b2b", broker, timeout=30) if broker == third["replicas"][0] else None
        # every replica holds the same: read each one as it leads in turn
        for broker in (a, b, c):
            others = [i for i in (1, 2, 3) if i != broker]
            if self.partitions("b2b")[0]["leader"] != broker:
                for o in others:  # make `broker` the only candidate, then bring the others back
                    self.brokers[o].stop(signal.SIGTERM)
                self.leader_is("b2b", broker)
                self.assertEqual(self.read_all("b2b", len(want), broker_id=broker), want, broker)
                for o in others:
                    self.start(o)
                self.all_in_sync("b2b")
            else:
                self.assertEqual(self.read_all("b2b", len(want), broker_id=broker), want, broker)


@unittest.skipUnless(KafkaAdminClient, "needs python3-kafka")
class InSyncUnderMinimum(HardCase):
    replication_via_proxy = True
    replication = 'replication = { plugin = "isr"; min_insync_replicas = 2; replica_lag_time_max_ms = 1500; };'

    def test_followers_leave_and_rejoin_and_nothing_acknowledged_is_lost(self):
        self.controller()
        leader = self.create("mis")[0]["leader"]
        acked = [b"p%03d" % i for i in range(20)]
        self.produce_to(leader, "mis", acked)
        self.replica_links[leader].delay(4000)  # both followers fall behind...
        self.produce_to(leader, "mis", [b"unreplicated"], acks=1)  # ...the log end (a quiet follower stays in sync)
        shrunk = self.wait_partitions("mis", lambda r: r["isr"] == [leader], 1, timeout=30)[0]
        self.produce_to(leader, "mis", [b"refused"], expect=NOT_ENOUGH_REPLICAS)
        self.replica_links[leader].delay(0)
        self.all_in_sync("mis")
        more = [b"q%03d" % i for i in range(20)]
        self.produce_to(leader, "mis", more)
        self.brokers[leader].stop(signal.SIGKILL)
        new = self.wait_partitions("mis", lambda r: r["leader"] not in (-1, leader), 1, timeout=30)[0]
        self.assertGreater(new["partition_epoch"], shrunk["partition_epoch"])
        want = acked + [b"unreplicated"] + more
        self.assertEqual(self.read_all("mis", len(want)), want)


@unittest.skipUnless(KafkaAdminClient, "needs python3-kafka")
class ControllerDiesMidway(HardCase):
    def test_a_half_created_topic_is_finished_by_the_next_controller(self):
        old = self.controller()
        os.kill(self.brokers[old].proc.pid, signal.SIGSTOP)
        # what a controller that died after its first transaction leaves: the topic, no partitions
        assignment = [[1, 2, 3], [2, 3, 1], [3, 1, 2], [1, 3, 2]]
        self.etcd.call("/v3/kv/put", {
            "key": _b64("%s/topics/half" % NS),
            "value": _b64(json.dumps({"id": "0" * 32, "partitions": 4, "replication_factor": 3,
                                      "assignment": assignment}))})
        keys = self.etcd.wait_for(NS + "/controller", lambda k: k and int(list(k.values())[0]) != old,
                                  timeout=TTL_MS / 1000 + 20)
        self.assertNotEqual(int(keys[NS + "/controller"]), old)
        parts = self.wait_partitions("half", lambda r: r["leader"] >= 0, 4, timeout=20)
        for p, r in parts.items():
            self.assertEqual(r["replicas"], assignment[p])
            self.assertNotEqual(r["leader"], old)  # paused: not live
        os.kill(self.brokers[old].proc.pid, signal.SIGCONT)
        self.assertTrue(self.wait_log(old, "is no longer the controller", timeout=20))
        time.sleep(1)
        for p, r in self.partitions("half").items():
            self.assertGreaterEqual(r["leader_epoch"], parts[p]["leader_epoch"], "an epoch went backwards")
            self.assertGreaterEqual(r["partition_epoch"], parts[p]["partition_epoch"])

    def test_leader_and_controller_die_together_and_every_partition_gets_a_leader(self):
        ctl = self.controller()
        parts = self.create("both", 3)
        victim = [r["leader"] for r in parts.values() if r["leader"] != ctl][0]
        self.brokers[ctl].stop(signal.SIGKILL)
        self.brokers[victim].stop(signal.SIGKILL)
        survivor = ({1, 2, 3} - {ctl, victim}).pop()
        # the two leases run out apart: a partition may first move to the
        # survivor with the other dead broker still in sync, and lose it
        # from the in-sync set in a later change
        after = self.wait_partitions("both", lambda r: r["leader"] == survivor and r["isr"] == [survivor], 3,
                                     timeout=30)
        for p, r in after.items():
            self.assertGreaterEqual(r["leader_epoch"], parts[p]["leader_epoch"])
            if parts[p]["leader"] != survivor:
                self.assertGreater(r["leader_epoch"], parts[p]["leader_epoch"])
            self.assertEqual(r["isr"], [survivor])
        self.assertEqual(self.controller(), survivor)


def _b64(s):
    import base64
    return base64.b64encode(s.encode()).decode()


if __name__ == "__main__":
    unittest.main()
