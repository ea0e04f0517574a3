"""A controlled shutdown, with real processes: three brokers
(replication-isr, min_insync_replicas = 2) and etcd.

SIGTERM of a broker that leads partitions first marks it shutting_down in
its registration; the controller moves each partition it leads to another
in-sync replica while the broker still serves, and only then does it stop
(and give its lease back). Checked:

- leadership moves while the broker is still registered (one consistent
  read of etcd shows both), an idempotent acks=all producer writing
  throughout loses nothing, duplicates nothing and sees no error;
- the broker takes no more produce requests for the partitions it hands
  over until their followers hold its whole log: with its followers' link
  delayed (a TCP proxy), an acks=1 producer loses no acknowledged record
  (it would lose the last ones the followers had not copied);
- a broker shutting down takes no controller role: with the controller
  paused, the third broker becomes controller and moves the leadership;
- with no controller at all it stops after
  cluster.controlled_shutdown_timeout_ms, serving reads until then (and
  refusing writes), and a second SIGTERM stops it at once;
- an answer naming brokers (Metadata) that waits behind a parked request
  on its connection is encoded with the addresses it was given, even when
  a registration changes meanwhile (it pointed into the freed list: ASan).
"""
import json
import os
import contextlib
import signal
import struct
import time
import unittest

import kafkawire as kw
import test_cluster_failover as failover
from brooktest import Native
from clustertest import NOT_LEADER, NS, ClusterTestCase


class ShutdownCase(ClusterTestCase):
    """Helpers; the tests are in the two classes below."""
    replication = 'replication = { plugin = "isr"; min_insync_replicas = 2; replica_lag_time_max_ms = 4000; };'
    leader_rebalance_interval_ms = 0  # leadership moves only when a test makes it

    def leading(self, topic, broker_id):
        return [p for p, r in self.partitions(topic).items() if r["leader"] == broker_id]

    def send_sigterm(self, broker_id):
        """One SIGTERM (Broker.stop sends another if the broker is still
        running, which cuts a controlled shutdown short)."""
        self.brokers[broker_id].proc.send_signal(signal.SIGTERM)

    def wait_exit(self, broker_id, timeout):
        b = self.brokers[broker_id]
        t = time.monotonic()
        rc = b.proc.wait(timeout)
        took = time.monotonic() - t
        self.assertEqual(b.stop(), rc)  # closes its log; sends nothing: it has ended
        self.assertEqual(rc, 0, b.log())
        return took

    def read_back_values(self, topic, partitions, expect, timeout=60.0):
        c = failover.Consumer({"bootstrap.servers": self.kafka_bootstrap(), "group.id": "verify",
                               "enable.auto.commit": False, "auto.offset.reset": "earliest"})
        c.assign([failover.TopicPartition(topic, p, 0) for p in range(partitions)])
        got = []
        deadline = time.monotonic() + timeout
        while len(got) < expect and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is not None and not m.error():
                got.append(m.value())
        c.close()
        return got

    @contextlib.contextmanager
    def paused(self, *ids):
        """SIGSTOP the brokers `ids` for the block's length."""
        for i in ids:
            os.kill(self.brokers[i].proc.pid, signal.SIGSTOP)
        try:
            yield
        finally:
            for i in ids:
                os.kill(self.brokers[i].proc.pid, signal.SIGCONT)

    def leader_other_than_the_controller(self, topic):
        controller = self.controller()
        parts = self.create(topic, 3)
        for p in parts.values():
            if p["leader"] != controller:
                return controller, p["leader"]
        self.fail("the controller leads every partition: %s" % parts)


@unittest.skipUnless(failover.Producer, "needs python3-confluent-kafka")
class ControlledShutdown(ShutdownCase):
    cluster_extra = "controlled_shutdown_timeout_ms = 5000;"  # past a lease TTL (2 s)

    def test_sigterm_moves_leadership_while_the_broker_still_serves(self):
        controller = self.controller()
        parts = self.create("events", 6)
        # the controller itself, when it leads some (it moves its own partitions, then another takes its role)
        leaving = controller if self.leading("events", controller) else parts[0]["leader"]
        led = self.leading("events", leaving)
        writer = failover.Writer(self.kafka_bootstrap(), "events")
        writer.start()
        time.sleep(1.0)
        key = "%s/brokers/%d" % (NS, leaving)
        marked = moved_while_registered = False
        self.send_sigterm(leaving)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            # one range: the registration and the partitions at one revision
            keys = self.etcd.range(NS + "/")
            if key not in keys:
                break
            marked |= json.loads(keys[key]).get("shutting_down", False)
            leaders = [json.loads(keys["%s/partitions/events/%d" % (NS, p)])["leader"] for p in led]
            moved_while_registered |= all(l not in (-1, leaving) for l in leaders)
            time.sleep(0.005)
        self.wait_exit(leaving, 15)
        self.assertTrue(marked, "the registration never said shutting_down")
        self.assertTrue(moved_while_registered, "leadership moved only after the broker left")
        log = self.brokers[leaving].log()
        self.assertRegex(log, r"controlled shutdown: leadership of \d+ partition\(s\) handed over")
        after = self.partitions("events")
        for p in led:
            self.assertNotIn(after[p]["leader"], (-1, leaving))
            self.assertEqual(after[p]["leader_epoch"], parts[p]["leader_epoch"] + 1, after[p])
        time.sleep(1.0)
        writer.stopping.set()
        writer.join(120)
        self.assertFalse(writer.is_alive())
        self.assertEqual(writer.failed, [], "acks=all produces failed")
        got = self.read_back_values("events", 6, len(writer.acked))
        self.assertEqual(len(got), len(set(got)), "a record appears twice")
        self.assertEqual(set(writer.acked) - set(got), set(), "acknowledged records lost")
        if leaving == controller:
            self.assertNotEqual(self.controller(), leaving)
        # back, it follows and rejoins; nothing gives it leadership meanwhile
        self.start(leaving)
        self.wait_partitions("events", lambda r: leaving in r["isr"], 6, timeout=40)

    def test_a_broker_shutting_down_does_not_become_controller(self):
        controller, leaving = self.leader_other_than_the_controller("t")
        third = ({1, 2, 3} - {controller, leaving}).pop()
        led = self.leading("t", leaving)
        with self.paused(controller):
            self.send_sigterm(leaving)
            # the paused controller's lease runs out; the third broker takes
            # over and moves the leadership
            took = self.wait_exit(leaving, 15)
        self.assertRegex(self.brokers[leaving].log(), r"controlled shutdown: leadership of \d+ partition\(s\) handed over")
        self.assertGreater(took, 1.0, "it did not wait for a controller")
        self.assertNotRegex(self.brokers[leaving].log().split("controlled shutdown:")[1],
                            r"this broker \(\d+\) is the controller")
        self.assertEqual(self.controller(), third)
        for p in led:
            self.assertEqual(self.partitions("t")[p]["leader"], third)

    def test_a_second_sigterm_stops_at_once(self):
        controller, leaving = self.leader_other_than_the_controller("t")
        third = ({1, 2, 3} - {controller, leaving}).pop()
        with self.paused(controller, third):
            self.send_sigterm(leaving)
            time.sleep(0.3)
            self.assertTrue(self.brokers[leaving].alive())
            self.send_sigterm(leaving)
            took = self.wait_exit(leaving, 15)
        self.assertLess(took, 3.0, "a second SIGTERM did not stop it at once")

    def test_an_answer_held_behind_a_parked_request_outlives_a_registration_change(self):
        controller, leaving = self.leader_other_than_the_controller("t")
        asked = controller
        third = ({1, 2, 3} - {controller, leaving}).pop()
        conn = kw.Conn(self.brokers[asked].kafka_port, timeout=20)
        try:
            # an acks=all produce held while a follower is paused (until its
            # lease runs out and the in-sync set shrinks), then a Metadata
            # answered at once but held behind it (answers go in order)
            with self.paused(third):
                produce = conn.send(0, 3, kw.produce_v3("t", self.leading("t", asked)[0], kw.batch([b"held"]),
                                                        acks=-1, timeout=2500))
                metadata = conn.send(3, 1, kw.array([]))
                time.sleep(0.3)
                self.send_sigterm(leaving)  # rewrites its registration, then leaves: the list changes twice
                self.wait_exit(leaving, 15)
                self.assertEqual(conn.recv()[0], produce)
            corr, data = conn.recv()
        finally:
            conn.close()
        self.assertEqual(corr, metadata)
        (count,) = struct.unpack_from(">i", data, 0)
        p, brokers = 4, {}
        for _ in range(count):
            node, ln = struct.unpack_from(">ih", data, p)
            host = data[p + 6:p + 6 + ln]
            p += 6 + ln
            (port, rack_len) = struct.unpack_from(">ih", data, p)
            p += 6 + max(rack_len, 0)
            brokers[node] = (host, port)
        self.assertEqual(brokers[leaving], (b"127.0.0.1", self.brokers[leaving].kafka_port))


class ControlledShutdownTimeout(ShutdownCase):
    cluster_extra = "controlled_shutdown_timeout_ms = 700;"  # within a lease TTL (2 s)

    def test_with_no_controller_it_stops_after_the_timeout_serving_until_then(self):
        controller, leaving = self.leader_other_than_the_controller("t")
        third = ({1, 2, 3} - {controller, leaving}).pop()
        # no controller: it is paused, and the third broker, which would
        # take over, too (for less than their leases' TTL, 2 s: live both)
        with self.paused(controller, third):
            self.send_sigterm(leaving)
            time.sleep(0.2)
            # still serving and still the leader: reads are answered,
            # writes refused (being handed over: NOT_LEADER_OR_FOLLOWER)
            n = Native(self.brokers[leaving].port)
            partition = self.leading("t", leaving)[0]
            r = n.call("fetch", topic="t", partition=partition, offset=0, max_wait_ms=0)
            self.assertEqual(r["error"], 0, r)
            r = n.call("produce", topic="t", partition=partition, acks=1, timeout_ms=5000,
                       records=[{"value": b"too late"}])
            self.assertEqual(r["error"], NOT_LEADER, r)
            n.close()
            took = self.wait_exit(leaving, 15) + 0.2
        self.assertIn("controlled shutdown: still leading", self.brokers[leaving].log())
        # cluster.controlled_shutdown_timeout_ms is 700 here
        self.assertGreater(took, 0.65, "it did not wait for a controller")
        self.assertLess(took, 1.9, "it stopped long after cluster.controlled_shutdown_timeout_ms")


class UncontrolledStop(ShutdownCase):
    cluster_extra = "controlled_shutdown_timeout_ms = 0;"

    def test_an_acks_all_produce_waiting_for_followers_is_answered_at_once(self):
        """SIGTERM answers what waits for its followers (REQUEST_TIMED_OUT:
        not known to be replicated) instead of holding the stop for
        limits.shutdown_timeout_ms (5 s) or the produce's own timeout."""
        controller, leaving = self.leader_other_than_the_controller("t")
        third = ({1, 2, 3} - {controller, leaving}).pop()
        conn = kw.Conn(self.brokers[leaving].kafka_port, timeout=20)
        try:
            with self.paused(controller, third):  # its followers copy nothing
                produce = conn.send(0, 3, kw.produce_v3("t", self.leading("t", leaving)[0], kw.batch([b"held"]),
                                                        acks=-1, timeout=30000))
                time.sleep(0.3)
                self.send_sigterm(leaving)
                took = self.wait_exit(leaving, 15)
                corr, data = conn.recv()
        finally:
            conn.close()
        self.assertEqual(corr, produce)
        self.assertEqual(kw.parse_produce_v3(data)[0][2], 7, data)  # REQUEST_TIMED_OUT
        self.assertLess(took, 2.0, "the stop waited for the produce")


@unittest.skipUnless(failover.Producer, "needs python3-confluent-kafka")
class ControlledShutdownLaggingFollowers(ShutdownCase):
    cluster_extra = "controlled_shutdown_timeout_ms = 5000;"
    replication_via_proxy = True  # followers reach each leader through self.replica_links[leader]

    def test_followers_catch_up_before_the_move_so_no_acks_1_record_is_lost(self):
        self.controller()
        leaving = self.create("loose", 1)[0]["leader"]
        writer = failover.Writer(self.kafka_bootstrap(), "loose", {"acks": 1, "enable.idempotence": False})
        writer.start()
        time.sleep(1.0)
        self.replica_links[leaving].delay(200)  # the followers copy 200-400 ms behind
        time.sleep(1.0)
        self.send_sigterm(leaving)
        self.wait_exit(leaving, 15)
        self.assertRegex(self.brokers[leaving].log(), r"controlled shutdown: leadership of \d+ partition\(s\) handed over")
        self.assertNotIn("have not copied everything", self.brokers[leaving].log())
        time.sleep(0.5)
        writer.stopping.set()
        writer.join(120)
        self.assertFalse(writer.is_alive())
        self.assertEqual(writer.failed, [])
        got = self.read_back_values("loose", 1, len(writer.acked))
        self.assertEqual(set(writer.acked) - set(got), set(), "acknowledged acks=1 records lost")


if __name__ == "__main__":
    unittest.main()
