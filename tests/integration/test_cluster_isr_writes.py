"""A leader's own writes of a partition's in-sync set (Kafka's
AlterPartition), against the controller's, with real brokers and etcd
reached through TCP proxies (both found by test_cluster_nemesis.py):

- the controller changes the record the moment it sees the leader's
  write, and the watch brings that newer record before the write's own
  answer: the leader keeps the newer one (it used to go back to what it
  had written, and then never wrote again: the record said a follower
  was out while the leader counted it in, for good);
- a follower whose lease ran out still fetches and is caught up: the
  controller takes it out of the in-sync set and the leader does not put
  it back until it is a member again (they used to undo each other,
  a write every few tens of milliseconds)."""
import base64
import json
import os
import signal
import time
import unittest

from clustertest import NS, TTL_MS, ClusterTestCase


class IsrWrites(ClusterTestCase):
    etcd_via_proxy = True  # self.etcd_links[id]: each broker's link to etcd
    replication_via_proxy = True  # self.replica_links[id]: its followers' link to it
    leader_rebalance_interval_ms = 0
    replication = 'replication = { plugin = "isr"; replica_lag_time_max_ms = 1000; };'

    def setUp(self):
        super().setUp()
        self.controller()
        rec = self.create("t", 1)[0]
        self.leader = rec["leader"]
        self.follower = next(b for b in rec["replicas"] if b != self.leader)
        self.produce_to(self.leader, "t", [b"x%d" % i for i in range(10)], acks=1)

    def record(self):
        return self.partitions("t")[0]

    def put_record(self, rec):
        key = "%s/partitions/t/0" % NS
        self.etcd.call("/v3/kv/put", {"key": base64.b64encode(key.encode()).decode(),
                                      "value": base64.b64encode(json.dumps(rec).encode()).decode()})

    def test_a_record_newer_than_the_leaders_write_is_kept(self):
        follower = self.brokers[self.follower].proc.pid
        # the follower falls out of the in-sync set
        os.kill(follower, signal.SIGSTOP)
        try:
            self.produce_to(self.leader, "t", [b"y%d" % i for i in range(10)], acks=1)
            out = self.wait_partitions("t", lambda r: self.follower not in r["isr"], 1, timeout=20)[0]
            # its return is written by the leader, whose answer is held
            self.etcd_links[self.leader].delay_answers(b"/v3/kv/txn", 400)
        finally:
            os.kill(follower, signal.SIGCONT)
        back = self.wait_partitions("t", lambda r: self.follower in r["isr"], 1, timeout=20)[0]
        written = time.monotonic()
        self.assertEqual(back["partition_epoch"], out["partition_epoch"] + 1)
        # the followers cannot fetch for a moment (one would be taken back
        # in at once), and the controller's next word comes before the
        # leader hears its write went through
        self.replica_links[self.leader].cut()
        try:
            newer = dict(back, isr=[b for b in back["isr"] if b != self.follower],
                         partition_epoch=back["partition_epoch"] + 1)
            self.put_record(newer)
            # until the answer came, and not so long that the other
            # follower, cut off too, would fall out (replica_lag_time_max_ms)
            time.sleep(max(0.0, written + 0.55 - time.monotonic()))
        finally:
            self.replica_links[self.leader].restore()
        self.etcd_links[self.leader].delay_answers(None, 0)
        # the follower fetches again, caught up: the leader, on the newer
        # record, takes it back in
        again = self.wait_partitions("t", lambda r: self.follower in r["isr"], 1, timeout=10)[0]
        self.assertGreater(again["partition_epoch"], newer["partition_epoch"])

    def test_a_follower_that_lost_its_lease_stays_out_until_it_registers(self):
        self.etcd_links[self.follower].cut()
        try:
            self.wait_partitions("t", lambda r: self.follower not in r["isr"], 1, timeout=TTL_MS / 1000 + 15)
            first = self.record()
            time.sleep(3.0)  # it still fetches, caught up, all along
            last = self.record()
            self.assertNotIn(self.follower, last["isr"])
            self.assertLessEqual(last["partition_epoch"] - first["partition_epoch"], 1, last)
        finally:
            self.etcd_links[self.follower].restore()
        self.assertTrue(self.wait_log(self.follower, "registered again", timeout=20))
        self.wait_partitions("t", lambda r: self.follower in r["isr"], 1, timeout=20)


if __name__ == "__main__":
    unittest.main()
