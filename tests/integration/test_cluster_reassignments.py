"""Partition reassignment (AlterPartitionReassignments 45 and
ListPartitionReassignments 46, KIP-455) against four brookd and etcd.
kafkajs moves a partition off its leader onto the fourth broker; while the
new replica cannot reach the leader (its inter-broker link cut) the move
stays in progress and is listed with the replicas it adds and removes;
once the link is back it finishes: the target replicas alone, a new leader
among them, every record there, the old leader's copy removed. kcat keeps
producing (acks=all, idempotent) through a move of the leader and reads
every record back once, at the offset it was given. A move is cancelled
back to the replicas before it; a dead broker's replicas are moved to a
live one, and the dead broker, back, removes its copy; a controller killed
after starting a move leaves it to the next one, which finishes it; a new
replica of a log whose start moved (DeleteRecords) starts there; one
killed -9 mid-copy finishes the move after its restart; a topic deleted
mid-move goes from every broker.
`brookctl cluster reassign / reassignments` reach the controller from any
broker. Refusals have their
errors: a broker named twice or not live (INVALID_REPLICA_ASSIGNMENT),
nothing to cancel (NO_REASSIGNMENT_IN_PROGRESS), not the controller
(NOT_CONTROLLER). kafkajs cannot send a cancel (a null replica list), so
that frame is made by hand, as are the error cases; a single broker
refuses any move but to itself."""
import json
import os
import shutil
import signal
import subprocess
import time
import unittest

import kafkawire as kw
from brooktest import BrokerTestCase, Native, brookctl
from clustertest import NS, ClusterTestCase

try:
    from kafka.admin import KafkaAdminClient, NewPartitions
except ImportError:  # pragma: no cover
    KafkaAdminClient = None

JS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")
NONE, UNKNOWN, INVALID_REPLICA_ASSIGNMENT, NOT_CONTROLLER, NO_REASSIGNMENT = 0, 3, 39, 41, 85
OUT_OF_RANGE = 6  # the native protocol's (brook_err)
alter, listed = kw.alter_reassignments_v0, kw.list_reassignments_v0


class Reassignments(ClusterTestCase):
    brokers_at_start = 4
    replication_via_proxy = True  # cutting a leader's link holds its new followers back
    leader_rebalance_interval_ms = 0  # leadership moves only with the reassignment

    def controller_port(self):
        return self.brokers[self.controller()].kafka_port

    def layout(self, topic):
        """(leader, replicas, the broker that is not a replica) of partition 0."""
        rec = self.partitions(topic)[0]
        outsider = [i for i in self.brokers if i not in rec["replicas"]][0]
        return rec["leader"], rec["replicas"], outsider

    def settled_on(self, topic, target, timeout=40):
        """Partition 0 once it is on exactly `target`, all in sync, no move left."""
        return self.wait_partitions(topic, lambda r: r["replicas"] == target and sorted(r["isr"]) == sorted(target)
                                    and "adding" not in r and "removing" not in r and r["leader"] in target,
                                    1, timeout=timeout)[0]

    @unittest.skipUnless(os.path.isdir(os.path.join(JS, "node_modules", "kafkajs")), "kafkajs not installed")
    def test_kafkajs_moves_a_partition_off_its_leader(self):
        self.controller()
        self.create("moved")
        leader, replicas, outsider = self.layout("moved")
        self.produce_to(leader, "moved", [b"r%02d" % i for i in range(20)])
        target = [outsider] + [i for i in replicas if i != leader]
        self.replica_links[leader].cut()  # the new replica cannot catch up yet
        try:
            r = subprocess.run(["node", os.path.join(JS, "reassign.js"), self.kafka_bootstrap(), "moved",
                                ",".join(map(str, target))], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=120)
            self.assertEqual(r.returncode, 0, r.stderr.decode())
            out = json.loads(r.stdout)
            moving = {"partition": 0, "replicas": target + [leader], "addingReplicas": [outsider],
                      "removingReplicas": [leader]}
            self.assertEqual(out["listed"], [{"name": "moved", "partitions": [moving]}])
            self.assertEqual(out["listedTopic"], [{"name": "moved", "partitions": [moving]}])
            self.assertEqual(out["twice"], ["INVALID_REPLICA_ASSIGNMENT"])
            self.assertEqual(out["unknown"], ["UNKNOWN_TOPIC_OR_PARTITION"])
            rec = self.partitions("moved")[0]
            self.assertEqual((rec["leader"], rec["adding"], rec["removing"]), (leader, [outsider], [leader]))
        finally:
            self.replica_links[leader].restore()
        done = self.settled_on("moved", target)
        self.assertEqual(done["leader"], outsider)  # the target's first, once in sync
        self.assertGreater(done["leader_epoch"], rec["leader_epoch"])
        self.assertTrue(self.wait_log(leader, "partition moved-0: no longer a replica here; removing it"))
        self.assertEqual(listed(self.controller_port()), (NONE, {}))
        # every record is on the new leader, which takes more
        self.produce_to(outsider, "moved", [b"after"])
        self.assertEqual(self.read_all("moved", 21), [b"r%02d" % i for i in range(20)] + [b"after"])

    @unittest.skipUnless(shutil.which("kcat"), "needs kcat")
    def test_kcat_produces_through_a_move_of_the_leader(self):
        self.controller()
        self.create("busy")
        leader, replicas, outsider = self.layout("busy")
        target = [outsider] + [i for i in replicas if i != leader]
        p = subprocess.Popen(["kcat", "-P", "-b", self.kafka_bootstrap(), "-t", "busy", "-X", "acks=all",
                              "-X", "enable.idempotence=true", "-X", "message.timeout.ms=60000"],
                             stdin=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            for i in range(400):  # a line every 10 ms; the move starts after 100 of them
                if i == 100:
                    self.assertEqual(alter(self.controller_port(), [("busy", 0, target)]),
                                     (NONE, {("busy", 0): (NONE, None)}))
                p.stdin.write(b"line%03d\n" % i)
                p.stdin.flush()
                time.sleep(0.01)
        finally:
            p.stdin.close()
            rc = p.wait(90)
            err = p.stderr.read().decode()
            p.stderr.close()
        self.assertEqual(rc, 0, err)
        self.settled_on("busy", target)
        c = subprocess.run(["kcat", "-C", "-b", self.kafka_bootstrap(), "-t", "busy", "-e", "-q", "-o", "beginning",
                            "-f", "%o %s\\n"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        rows = [line.split() for line in c.stdout.decode().splitlines()]
        self.assertEqual([v for _, v in rows], ["line%03d" % i for i in range(400)])
        self.assertEqual([int(o) for o, _ in rows], list(range(400)))

    def test_a_move_is_cancelled_back_to_the_replicas_before(self):
        self.controller()
        before = self.create("undo", rf=2)[0]
        leader, replicas, outsider = self.layout("undo")
        port = self.controller_port()
        self.assertEqual(alter(port, [("undo", 0, None)])[1]["undo", 0][0], NO_REASSIGNMENT)
        self.replica_links[leader].cut()
        try:
            self.assertEqual(alter(port, [("undo", 0, [outsider, leader])]), (NONE, {("undo", 0): (NONE, None)}))
            # a move is not under-replication (Kafka counts the target's replicas only); the
            # followers cut off stay in sync for replica_lag_time_max_ms (3 s) yet
            self.assertEqual(self.metrics(leader)["cluster_under_replicated_partitions"], 0)
            follower = [i for i in replicas if i != leader][0]
            self.assertEqual(listed(port, [("undo", [0, 1]), ("nope", [0])]),
                             (NONE, {("undo", 0): ([outsider, leader, follower], [outsider], [follower])}))
            self.assertEqual(alter(port, [("undo", 0, None)]), (NONE, {("undo", 0): (NONE, None)}))
        finally:
            self.replica_links[leader].restore()
        rec = self.wait_partitions("undo", lambda r: "adding" not in r, 1)[0]
        self.assertEqual(sorted(rec["replicas"]), sorted(replicas))
        self.assertEqual(rec["leader"], leader)
        self.assertGreater(rec["partition_epoch"], before["partition_epoch"])
        self.assertTrue(self.wait_log(outsider, "partition undo-0: no longer a replica here; removing it"))
        self.assertEqual(listed(port), (NONE, {}))

    def test_brookctl_moves_lists_and_cancels_at_the_controller(self):
        self.controller()
        self.create("ctl", rf=2)
        leader, replicas, outsider = self.layout("ctl")
        follower = [i for i in replicas if i != leader][0]
        asked = self.brokers[[i for i in self.brokers if i != self.controller()][0]].address  # not the controller

        def ctl(*args):
            r = brookctl(asked, "cluster", *args)
            return r.returncode, r.stdout.decode()
        self.replica_links[leader].cut()
        try:
            self.assertEqual(ctl("reassign", "ctl:0=%d,%d" % (outsider, leader)),
                             (0, "partition ctl-0\treassigning\n"))
            moving = "partition ctl-0\treplicas %d,%d,%d\tadding %d\tremoving %d\n" % (
                outsider, leader, follower, outsider, follower)
            self.assertEqual(ctl("reassignments"), (0, moving))
            self.assertEqual(ctl("reassignments", "ctl"), (0, moving))
            # `brookctl cluster` marks the move (not under-replication)
            line = [x for x in ctl()[1].splitlines() if x.startswith("partition ctl-0\t")][0]
            self.assertTrue(line.endswith("\treplicas %d,%d,%d\tisr %s\treassigning: adding %d removing %d" % (
                outsider, leader, follower, ",".join(map(str, self.partitions("ctl")[0]["isr"])), outsider,
                follower)), line)
            self.assertEqual(ctl("reassign", "--cancel", "ctl:0"), (0, "partition ctl-0\tcancelled\n"))
        finally:
            self.replica_links[leader].restore()
        self.assertEqual(ctl("reassignments"), (0, ""))
        self.assertEqual(ctl("reassign", "--cancel", "ctl:0"),
                         (1, "partition ctl-0\tfailed: no reassignment in progress\n"))
        self.assertEqual(ctl("reassign", "ctl:0=%d,9" % leader),
                         (1, "partition ctl-0\tfailed: the replicas name a broker that is not live\n"))
        self.assertEqual(ctl("reassign", "ctl:0")[0], 2)  # no brokers listed
        self.assertEqual(ctl("reassign", "ctl:0=x")[0], 2)
        # a reorder is done at once
        self.assertEqual(ctl("reassign", "ctl:0=%d,%d" % (follower, leader)), (0, "partition ctl-0\treassigning\n"))
        self.assertEqual(self.partitions("ctl")[0]["replicas"], [follower, leader])

    def test_brookctl_plans_onto_brokers_and_moves_from_a_kafka_plan_file(self):
        self.controller()
        before = self.create("plan", 4, rf=2)
        drained = before[0]["replicas"][-1]  # a broker holding a replica of the topic
        kept = sorted(i for i in self.brokers if i != drained)
        address = self.brokers[kept[0]].address
        brokers = ",".join(map(str, kept))

        def ctl(*args):
            r = brookctl(address, "cluster", "reassign", *args)
            return r.returncode, r.stdout.decode(), r.stderr.decode()
        rc, out, err = ctl("--dry-run", "--brokers", brokers, "plan")
        self.assertEqual(rc, 0, err)
        plan = json.loads(out)
        self.assertEqual(plan["version"], 1)
        moved = {m["partition"]: m["replicas"] for m in plan["partitions"]}
        self.assertEqual(sorted(moved), sorted(p for p, r in before.items() if drained in r["replicas"]))
        for p, replicas in moved.items():
            was = before[p]["replicas"]
            self.assertEqual(len(set(replicas)), 2)
            self.assertTrue(set(replicas) <= set(kept), replicas)
            self.assertEqual([r for r in replicas if r in was], [r for r in was if r != drained])  # in place
        self.assertEqual(self.partitions("plan"), before)  # a dry run moves nothing
        path = os.path.join(self.dir, "plan.json")
        with open(path, "w") as f:
            json.dump({"version": 1, "partitions": [dict(m, log_dirs=["any", "any"]) for m in plan["partitions"]]},
                      f)
        rc, out, err = ctl("--file", path)
        self.assertEqual((rc, err), (0, ""))
        self.assertEqual(sorted(out.splitlines()), ["partition plan-%d\treassigning" % p for p in sorted(moved)])
        after = self.wait_partitions("plan", lambda r: drained not in r["replicas"] and "adding" not in r, 4,
                                     timeout=40)
        for p, replicas in moved.items():
            self.assertEqual(after[p]["replicas"], replicas)
        self.assertEqual(ctl("--brokers", brokers, "plan")[:2], (0, "nothing to move\n"))
        # plans that cannot be
        with open(path, "w") as f:
            json.dump({"version": 1, "partitions": [{"topic": "plan", "partition": 0, "replicas": [1],
                                                     "log_dirs": ["/elsewhere"]}]}, f)
        rc, out, err = ctl("--file", path)
        self.assertEqual(rc, 1)
        self.assertIn("\"log_dirs\" must be \"any\"", err)
        with open(path, "w") as f:
            f.write("{\"version\": 1, \"partitions\": [{\"topic\": \"plan\"}]}")
        self.assertIn("each of \"partitions\" must be", ctl("--file", path)[2])
        self.assertEqual(ctl("--file", path, "plan:0=1")[0], 2)
        self.assertEqual(ctl("--brokers", str(kept[0]), "plan")[0], 1)  # two replicas do not fit on one broker
        self.assertEqual(ctl("--brokers", brokers, "nope")[0], 1)

    def test_a_new_controller_finishes_a_move_the_dead_one_started(self):
        controller = self.controller()
        self.create("ha", rf=2)
        leader, replicas, _ = self.layout("ha")
        outsider = [i for i in self.brokers if i not in replicas and i != controller][0]
        self.produce_to(leader, "ha", [b"v%d" % i for i in range(10)])
        target = [outsider] + [i for i in replicas if i != leader]
        self.replica_links[leader].cut()
        try:
            self.assertEqual(alter(self.controller_port(), [("ha", 0, target)]), (NONE, {("ha", 0): (NONE, None)}))
            self.brokers[controller].stop(signal.SIGKILL)
        finally:
            self.replica_links[leader].restore()
        self.start(controller)  # back as an ordinary broker (it may have been a replica)
        done = self.settled_on("ha", target, timeout=60)
        self.assertNotEqual(self.controller(), controller)
        self.assertTrue(self.wait_log(self.controller(), "cluster: partition ha-0 reassigned"))
        self.assertEqual(self.read_all("ha", 10, broker_id=done["leader"]), [b"v%d" % i for i in range(10)])

    def test_a_new_replica_starts_at_the_leaders_log_start(self):
        self.controller()
        self.create("trimmed", rf=2)
        leader, replicas, outsider = self.layout("trimmed")
        self.produce_to(leader, "trimmed", [b"t%02d" % i for i in range(20)])
        conn = kw.Conn(self.brokers[leader].kafka_port)
        try:
            rows = kw.parse_delete_records_v1(conn.call(21, 1, kw.delete_records_v1("trimmed", [(0, 12)])))
        finally:
            conn.close()
        self.assertEqual(rows, [("trimmed", 0, 12, NONE)])
        target = [outsider, leader]
        self.assertEqual(alter(self.controller_port(), [("trimmed", 0, target)]),
                         (NONE, {("trimmed", 0): (NONE, None)}))
        self.settled_on("trimmed", target)
        # the leader leaves next: the new replica alone holds the log
        self.assertEqual(alter(self.controller_port(), [("trimmed", 0, [outsider])]),
                         (NONE, {("trimmed", 0): (NONE, None)}))
        self.settled_on("trimmed", [outsider])
        n = Native(self.brokers[outsider].port)
        try:
            deadline = time.monotonic() + 10
            while True:
                r = n.call("fetch", topic="trimmed", partition=0, offset=12, max_wait_ms=0)
                if r["error"] == 0 or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            self.assertEqual([rec["value"] for rec in r["records"]], [b"t%02d" % i for i in range(12, 20)])
            self.assertEqual(n.call("fetch", topic="trimmed", partition=0, offset=0, max_wait_ms=0)["error"],
                             OUT_OF_RANGE)
        finally:
            n.close()

    def test_an_unclean_election_prefers_a_replica_the_move_is_not_adding(self):
        self.controller()
        self.create("unclean", rf=2, configs={"unclean.leader.election.enable": "true"})
        leader, replicas, outsider = self.layout("unclean")
        follower = [i for i in replicas if i != leader][0]
        self.produce_to(leader, "unclean", [b"u%d" % i for i in range(5)])
        self.brokers[follower].stop(signal.SIGTERM)
        self.wait_partitions("unclean", lambda r: r["isr"] == [leader], 1, timeout=30)
        self.replica_links[leader].cut()  # neither the new replica nor the follower back can catch up
        try:
            target = [outsider, leader, follower]
            self.assertEqual(alter(self.controller_port(), [("unclean", 0, target)]),
                             (NONE, {("unclean", 0): (NONE, None)}))
            self.start(follower)
            self.brokers[leader].stop(signal.SIGKILL)
            # the outsider comes first in the replicas but holds nothing; the follower holds u0-u4
            rec = self.wait_partitions("unclean", lambda r: r["leader"] not in (-1, leader), 1, timeout=30)[0]
        finally:
            self.replica_links[leader].restore()
        self.assertEqual((rec["leader"], rec["isr"][0], rec["adding"]), (follower, follower, [outsider]))
        self.assertEqual(self.read_all("unclean", 5, broker_id=follower), [b"u%d" % i for i in range(5)])

    def test_a_new_replica_killed_while_copying_finishes_after_its_restart(self):
        self.controller()
        self.create("restart", rf=1)
        leader, _, outsider = self.layout("restart")
        self.produce_to(leader, "restart", [b"%04d" % i + b"x" * 10000 for i in range(300)], acks=1)
        self.replica_links[leader].delay(150)  # 1 MiB per fetch, 300 ms a round trip: the kill lands mid-copy
        try:
            self.assertEqual(alter(self.controller_port(), [("restart", 0, [outsider])]),
                             (NONE, {("restart", 0): (NONE, None)}))
            self.assertTrue(self.wait_log(outsider, "partition restart-0: follower of %d" % leader))
            time.sleep(0.5)
            self.brokers[outsider].stop(signal.SIGKILL)
        finally:
            self.replica_links[leader].delay(0)
        self.assertIn("adding", self.partitions("restart")[0])  # still moving
        self.start(outsider)
        self.settled_on("restart", [outsider], timeout=60)
        got = self.read_all("restart", 300, broker_id=outsider, timeout=30)
        self.assertEqual([v[:4] for v in got], [b"%04d" % i for i in range(300)])

    def test_a_topic_deleted_while_moving_goes_everywhere(self):
        self.controller()
        self.create("gone", rf=1)
        leader, _, outsider = self.layout("gone")
        self.replica_links[leader].cut()
        try:
            self.assertEqual(alter(self.controller_port(), [("gone", 0, [outsider])]),
                             (NONE, {("gone", 0): (NONE, None)}))
            self.assertTrue(self.wait_log(outsider, "partition gone-0: follower of %d" % leader))
            r = brookctl(self.brokers[self.controller()].address, "topics", "delete", "gone")
            self.assertEqual(r.returncode, 0, r.stderr)
        finally:
            self.replica_links[leader].restore()
        for i in (leader, outsider):
            self.assertTrue(self.wait_log(i, "topic gone: deleted from the cluster; removing it here"), i)
        self.assertEqual(listed(self.controller_port()), (NONE, {}))

    def test_refusals(self):
        self.controller()
        self.create("ref", rf=2)
        leader, replicas, outsider = self.layout("ref")
        port = self.controller_port()
        error, got = alter(port, [("ref", 0, [leader, leader]), ("ref", 0, [leader, 9]), ("ref", 0, []),
                                  ("ref", 3, [leader]), ("nope", 0, [leader])])
        self.assertEqual(error, NONE)
        self.assertEqual(got["ref", 3], (UNKNOWN, "no such topic or partition"))
        self.assertEqual(got["nope", 0][0], UNKNOWN)
        twice, dead, empty = (alter(port, [("ref", 0, t)])[1]["ref", 0] for t in ([leader, leader], [leader, 9], []))
        self.assertEqual(twice, (INVALID_REPLICA_ASSIGNMENT, "the replicas name a broker twice"))
        self.assertEqual(dead, (INVALID_REPLICA_ASSIGNMENT, "the replicas name a broker that is not live"))
        self.assertEqual(empty, (INVALID_REPLICA_ASSIGNMENT, "a partition needs between 1 and 1024 replicas"))
        # exactly what it has: nothing to do, no error
        self.assertEqual(alter(port, [("ref", 0, replicas)]), (NONE, {("ref", 0): (NONE, None)}))
        self.assertEqual(self.partitions("ref")[0]["replicas"], replicas)
        other = [i for i in self.brokers if i != self.controller()][0]
        self.assertEqual(alter(self.brokers[other].kafka_port, [("ref", 0, replicas)]), (NOT_CONTROLLER, {}))
        self.assertEqual(listed(self.brokers[other].kafka_port), (NOT_CONTROLLER, {}))

    def test_a_dead_brokers_replica_moves_to_a_live_one(self):
        self.controller()
        self.create("heal")
        leader, replicas, outsider = self.layout("heal")
        self.produce_to(leader, "heal", [b"h%d" % i for i in range(10)])
        dead = [i for i in replicas if i != leader][0]
        self.brokers[dead].stop(signal.SIGKILL)
        self.wait_partitions("heal", lambda r: dead not in r["isr"], 1, timeout=30)
        target = [outsider if i == dead else i for i in replicas]
        self.assertEqual(alter(self.controller_port(), [("heal", 0, target)]), (NONE, {("heal", 0): (NONE, None)}))
        done = self.settled_on("heal", target)
        self.assertEqual(done["leader"], leader)  # it stays: the target keeps it
        self.start(dead)
        self.assertTrue(self.wait_log(dead, "partition heal-0: no longer a replica here; removing it", timeout=30))
        # its last replica of the topic gone, the topic leaves its registry too
        self.assertTrue(self.wait_log(dead, "topic heal: this broker holds no replica of it any more"))
        with open(os.path.join(self.brokers[dead].data, "topics")) as f:
            self.assertNotIn("heal", f.read())
        self.produce_to(leader, "heal", [b"after"])
        self.assertEqual(self.read_all("heal", 11), [b"h%d" % i for i in range(10)] + [b"after"])


    def test_a_topic_grows_with_the_replication_factor_a_move_gave_it(self):
        # Kafka's operators raise a topic's replication factor with a
        # reassignment; partitions added later get the new factor (Kafka
        # takes partition 0's). Before, they got the creation's.
        self.controller()
        self.create("grown", rf=2)
        leader, replicas, outsider = self.layout("grown")
        target = replicas + [outsider]
        self.assertEqual(alter(self.controller_port(), [("grown", 0, target)]), (NONE, {("grown", 0): (NONE, None)}))
        self.settled_on("grown", target)
        admin = KafkaAdminClient(bootstrap_servers=self.kafka_bootstrap(), request_timeout_ms=20000)
        try:
            admin.create_partitions({"grown": NewPartitions(3)})
        finally:
            admin.close()
        parts = self.wait_partitions("grown", lambda r: r["leader"] >= 0 and len(r["isr"]) == len(r["replicas"]), 3)
        self.assertEqual([len(parts[p]["replicas"]) for p in range(3)], [3, 3, 3])
        self.assertEqual(json.loads(self.etcd.range(NS + "/topics/grown")[NS + "/topics/grown"])["replication_factor"],
                         3)


class RackAwareMoves(ClusterTestCase):
    brokers_at_start = 4
    leader_rebalance_interval_ms = 0

    def rack(self, broker_id):
        return "a" if broker_id <= 2 else "b"

    def test_brookctl_brokers_replaces_a_replica_in_its_own_rack_first(self):
        self.controller()
        address = self.brokers[1].address
        rec = self.create("spread", rf=2)[0]
        self.assertEqual(sorted(self.rack(i) for i in rec["replicas"]), ["a", "b"])  # placed rack-aware
        drained = [i for i in rec["replicas"] if self.rack(i) == "a"][0]
        other_a = [i for i in (1, 2) if i != drained][0]
        # the other broker in rack a made the most loaded: by load alone the replica would go to rack b
        self.create("heavy", 8, rf=1)
        r = brookctl(address, "cluster", "reassign", "--brokers", str(other_a), "heavy")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.wait_partitions("heavy", lambda p: p["replicas"] == [other_a] and "adding" not in p, 8, timeout=40)
        others = ",".join(str(i) for i in self.brokers if i != drained)
        r = brookctl(address, "cluster", "reassign", "--dry-run", "--brokers", others, "spread")
        self.assertEqual(r.returncode, 0, r.stderr)
        replicas = json.loads(r.stdout)["partitions"][0]["replicas"]
        self.assertEqual(replicas, [other_a if i == drained else i for i in rec["replicas"]])


class SingleBroker(BrokerTestCase):
    def test_a_partition_stays_on_the_only_broker(self):
        port = self.broker.kafka_port
        self.ctl("topics", "create", "solo")
        self.assertEqual(alter(port, [("solo", 0, [0])]), (NONE, {("solo", 0): (NONE, None)}))  # broker 0
        error, got = alter(port, [("solo", 0, [2]), ("solo", 1, [0])])
        self.assertEqual(got["solo", 0], (INVALID_REPLICA_ASSIGNMENT,
                                          "a single broker holds the only replica of every partition"))
        self.assertEqual(got["solo", 1][0], UNKNOWN)
        self.assertEqual(alter(port, [("solo", 0, None)])[1]["solo", 0][0], NO_REASSIGNMENT)
        self.assertEqual(listed(port), (NONE, {}))
        self.assertEqual(listed(port, [("solo", [0])]), (NONE, {}))


if __name__ == "__main__":
    unittest.main()
