"""Replication throttles against three brookd and etcd: Kafka's broker
configs leader.replication.throttled.rate and
follower.replication.throttled.rate, changed while the brokers run
(IncrementalAlterConfigs and AlterConfigs on a BROKER resource, for one
broker or as the cluster's default ""), held by etcd, described by
confluent-kafka with where each value comes from, and followed by every
broker, one restarted too; and the topic configs
leader/follower.replication.throttled.replicas that name the replicas
they hold back. A move of a partition copies at the throttle's rate when
the leader's side is throttled, and when the follower's is; in-sync
replicas are never held back (acks=all produces through a tiny rate at
full speed). Refusals name the key; a single broker has nothing to
throttle and says so."""
import time
import unittest

import kafkawire as kw
from brooktest import BrokerTestCase, brookctl
from clustertest import NS, ClusterTestCase

try:
    from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource
except ImportError:  # pragma: no cover
    AdminClient = None

MiB = 1 << 20
LEADER_RATE, FOLLOWER_RATE = "leader.replication.throttled.rate", "follower.replication.throttled.rate"
LEADER_REPLICAS, FOLLOWER_REPLICAS = "leader.replication.throttled.replicas", "follower.replication.throttled.replicas"
UNLIMITED = "9223372036854775807"
INVALID_CONFIG = 40
SET, DELETE, APPEND = 0, 1, 2
TOPIC, BROKER = 2, 4


def incremental(port, name, changes, resource_type=TOPIC):
    """IncrementalAlterConfigs of one resource through the broker on `port`: (error, message)."""
    conn = kw.Conn(port)
    try:
        body = kw.incremental_alter_configs_v0(name, changes, resource_type=resource_type)
        return kw.parse_alter_configs_v0(conn.call(44, 0, body))[0][:2]
    finally:
        conn.close()


def describe_raw(port, resource_type, name):
    """DescribeConfigs v1 by hand (confluent-kafka refuses the name ""):
    (error, message, {config: (value, source, [(synonym, value, source)])})."""
    conn = kw.Conn(port)
    try:
        return kw.parse_describe_configs_v1(conn.call(32, 1, kw.describe_configs_v1(resource_type, name)))
    finally:
        conn.close()


def describe(port, resource_type, name):
    """{config: (value, source)} as confluent-kafka describes it (it keys a
    config's synonyms by name, so those of one name, Kafka's way for
    broker configs, show as one: not compared)."""
    admin = AdminClient({"bootstrap.servers": "127.0.0.1:%d" % port})
    res = ConfigResource(resource_type, name)
    entries = list(admin.describe_configs([res]).values())[0].result(10)
    return {k: (e.value, e.source) for k, e in entries.items()}


def eventually(read, expect, timeout=10):
    """read() until it returns `expect` (a broker follows the store a moment
    after the write) or `timeout` passed: what it returned last."""
    deadline = time.monotonic() + timeout
    while True:
        got = read()
        if got == expect or time.monotonic() > deadline:
            return got
        time.sleep(0.1)


@unittest.skipUnless(AdminClient, "needs python3-confluent-kafka")
class Throttles(ClusterTestCase):
    leader_rebalance_interval_ms = 0  # leadership moves only with the reassignment

    def port(self, broker_id):
        return self.brokers[broker_id].kafka_port

    def set_broker(self, via, entity, changes):
        self.assertEqual(incremental(self.port(via), entity, changes, BROKER), (0, None))

    def test_broker_configs_are_kept_by_the_cluster_and_followed_by_every_broker(self):
        self.controller()
        self.set_broker(1, "", [(FOLLOWER_RATE, SET, "5000000")])  # the cluster's default
        self.set_broker(3, "2", [(LEADER_RATE, SET, "7000000")])  # any broker writes any broker's
        keys = self.etcd.range(NS + "/broker_configs/")
        self.assertEqual(keys[NS + "/broker_configs/default/" + FOLLOWER_RATE], "5000000")
        self.assertEqual(keys[NS + "/broker_configs/2/" + LEADER_RATE], "7000000")

        def settled(broker_id, expect):
            def rates():
                got = describe(self.port(broker_id), ConfigResource.Type.BROKER, str(broker_id))
                return {k: got[k] for k in (LEADER_RATE, FOLLOWER_RATE)}
            return eventually(rates, expect)
        default = ("5000000", ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG.value)
        unset = (UNLIMITED, ConfigSource.DEFAULT_CONFIG.value)
        own = ("7000000", ConfigSource.DYNAMIC_BROKER_CONFIG.value)
        self.assertEqual(settled(1, {LEADER_RATE: unset, FOLLOWER_RATE: default}),
                         {LEADER_RATE: unset, FOLLOWER_RATE: default})
        self.assertEqual(settled(2, {LEADER_RATE: own, FOLLOWER_RATE: default}),
                         {LEADER_RATE: own, FOLLOWER_RATE: default})
        self.assertTrue(self.wait_log(2, "replication throttle now 7000000 bytes/s as leader, 5000000 as follower"))
        # every synonym, most specific first
        self.assertEqual(describe_raw(self.port(2), BROKER, "2")[2][LEADER_RATE],
                         ("7000000", 2, [(LEADER_RATE, "7000000", 2), (LEADER_RATE, UNLIMITED, 5)]))
        self.assertEqual(describe_raw(self.port(2), BROKER, "2")[2][FOLLOWER_RATE],
                         ("5000000", 3, [(FOLLOWER_RATE, "5000000", 3), (FOLLOWER_RATE, UNLIMITED, 5)]))
        # the resource "" describes the cluster's defaults alone (broker 3 follows the store's)
        defaults = (0, None, {FOLLOWER_RATE: ("5000000", 3, [(FOLLOWER_RATE, "5000000", 3)])})
        self.assertEqual(eventually(lambda: describe_raw(self.port(3), BROKER, ""), defaults), defaults)

        # a broker killed and started again reads them from the cluster
        self.brokers[2].stop(9)
        self.start(2)
        self.assertEqual(settled(2, {LEADER_RATE: own, FOLLOWER_RATE: default}),
                         {LEADER_RATE: own, FOLLOWER_RATE: default})

        # refusals name the key; nothing changes
        for entity, changes, why in [
                ("1", [("log.retention.ms", SET, "1")], "log.retention.ms: not a broker config that changes"),
                ("1", [(LEADER_RATE, SET, "0")], "is not a rate in bytes per second from 1"),
                ("1", [(LEADER_RATE, SET, "fast")], "is not a rate in bytes per second"),
                ("1", [(LEADER_RATE, APPEND, "1")], "not a list config"),
                ("x", [(LEADER_RATE, SET, "1")], "is not a broker id")]:
            err, message = incremental(self.port(1), entity, changes, BROKER)
            self.assertEqual(err, INVALID_CONFIG, (entity, changes))
            self.assertIn(why, message)
        self.assertEqual(len(self.etcd.range(NS + "/broker_configs/")), len(keys))

        # deleted: Kafka's default again, on every broker
        self.set_broker(2, "", [(FOLLOWER_RATE, DELETE, None)])
        self.assertEqual(settled(3, {LEADER_RATE: unset, FOLLOWER_RATE: unset}),
                         {LEADER_RATE: unset, FOLLOWER_RATE: unset})
        # AlterConfigs (not incremental) sets the broker's whole set: what it omits goes
        admin = AdminClient({"bootstrap.servers": self.kafka_bootstrap()})
        res = ConfigResource(ConfigResource.Type.BROKER, "2", set_config={FOLLOWER_RATE: "3000000"})
        list(admin.alter_configs([res]).values())[0].result(10)
        replaced = {LEADER_RATE: unset, FOLLOWER_RATE: ("3000000", ConfigSource.DYNAMIC_BROKER_CONFIG.value)}
        self.assertEqual(settled(2, replaced), replaced)

    def move_under_throttle(self, side):
        """Partition 0 of a one-replica topic, 5 MiB, moved to another broker
        with `side`'s throttle at 1 MiB/s: (seconds the move took, the
        throttled bytes the leader or the new replica counted)."""
        self.controller()
        leader = self.create("moved", rf=1)[0]["leader"]
        newcomer = [i for i in self.brokers if i != leader][0]
        self.produce_to(leader, "moved", [bytes([i]) * (64 << 10) for i in range(80)])
        throttled = leader if side == "leader" else newcomer
        replicas = LEADER_REPLICAS if side == "leader" else FOLLOWER_REPLICAS
        self.assertEqual(incremental(self.port(leader), "moved", [(replicas, APPEND, "0:%d" % throttled)]), (0, None))
        self.set_broker(leader, str(throttled), [(LEADER_RATE if side == "leader" else FOLLOWER_RATE, SET, str(MiB))])
        # every broker has seen both before the move starts
        self.assertTrue(self.wait_log(throttled, "replication throttle now"))
        time.sleep(0.5)
        started = time.monotonic()
        error, result = kw.alter_reassignments_v0(self.port(self.controller()), [("moved", 0, [newcomer])])
        self.assertEqual((error, result[("moved", 0)][0]), (0, 0), result)
        self.wait_partitions("moved", lambda r: r["replicas"] == [newcomer] and r["isr"] == [newcomer]
                             and r["leader"] == newcomer and "adding" not in r, 1, timeout=60)
        took = time.monotonic() - started
        self.assertEqual(len(self.read_all("moved", 80, broker_id=newcomer)), 80)
        return took, self.metrics(throttled)["cluster_throttled_%s_bytes_total" % side]

    def test_a_move_copies_at_the_leaders_throttle(self):
        took, counted = self.move_under_throttle("leader")
        # 5 MiB at 1 MiB/s after a second's burst: ~4 s (unthrottled, well under one)
        self.assertGreater(took, 2.5)
        self.assertLess(took, 30)
        self.assertGreaterEqual(counted, 5 * MiB)

    def test_a_move_copies_at_the_followers_throttle(self):
        took, counted = self.move_under_throttle("follower")
        self.assertGreater(took, 2.5)
        self.assertLess(took, 30)
        self.assertGreaterEqual(counted, 5 * MiB)

    def test_in_sync_replicas_are_never_held_back(self):
        self.controller()
        self.create("busy", rf=3)
        leader = self.partitions("busy")[0]["leader"]
        self.set_broker(1, "", [(LEADER_RATE, SET, "1000"), (FOLLOWER_RATE, SET, "1000")])
        self.assertEqual(incremental(self.port(1), "busy", [(LEADER_REPLICAS, SET, "*"), (FOLLOWER_REPLICAS, SET, "*")]),
                         (0, None))
        for i in self.brokers:
            self.assertTrue(self.wait_log(i, "replication throttle now 1000 bytes/s as leader, 1000 as follower"))
        started = time.monotonic()
        # 2 MiB with acks=all: at 1000 bytes/s a held-back follower would take half an hour
        self.produce_to(leader, "busy", [bytes([i]) * (64 << 10) for i in range(32)])
        self.assertLess(time.monotonic() - started, 20)
        self.assertEqual(sorted(self.partitions("busy")[0]["isr"]), sorted(self.brokers))
        for i in self.brokers:
            m = self.metrics(i)
            self.assertEqual((m["cluster_throttled_leader_bytes_total"], m["cluster_throttled_follower_bytes_total"]),
                             (0, 0), i)

    def test_throttled_replica_lists_are_checked_and_edited(self):
        self.controller()
        self.create("lists", rf=2)
        port = self.port(1)
        self.assertEqual(incremental(port, "lists", [(FOLLOWER_REPLICAS, APPEND, "1:2, 0:3")]), (0, None))
        self.assertEqual(incremental(port, "lists", [(FOLLOWER_REPLICAS, APPEND, "0:3,0:1")]), (0, None))
        self.assertEqual(self.wait_topic_config("lists", FOLLOWER_REPLICAS, "0:1,0:3,1:2"), "0:1,0:3,1:2")
        err, message = incremental(port, "lists", [(LEADER_REPLICAS, SET, "0-1")])
        self.assertEqual(err, INVALID_CONFIG)
        self.assertIn('is not "*" or a list of PARTITION:BROKER items', message)

    def test_brookctl_throttles_a_move_and_takes_the_throttle_away(self):
        self.controller()
        leader = self.create("ctl", rf=1)[0]["leader"]
        newcomer = [i for i in self.brokers if i != leader][0]
        self.produce_to(leader, "ctl", [bytes([i]) * (64 << 10) for i in range(48)])
        asked = self.brokers[newcomer].address
        started = time.monotonic()
        r = brookctl(asked, "cluster", "reassign", "--throttle", str(MiB), "ctl:0=%d" % newcomer)
        self.assertEqual((r.returncode, r.stdout.decode()),
                         (0, "throttle\t%d bytes/s on brokers %d,%d\npartition ctl-0\treassigning\n" % (
                             MiB, leader, newcomer)), r.stderr.decode())
        # as kafka-reassign-partitions sets them: the replicas now as leaders, the new ones as followers
        configs = describe(self.port(1), ConfigResource.Type.TOPIC, "ctl")
        self.assertEqual((configs[LEADER_REPLICAS][0], configs[FOLLOWER_REPLICAS][0]),
                         ("0:%d" % leader, "0:%d" % newcomer))
        keys = self.etcd.range(NS + "/broker_configs/")
        for i in (leader, newcomer):
            for rate in (LEADER_RATE, FOLLOWER_RATE):
                self.assertEqual(keys["%s/broker_configs/%d/%s" % (NS, i, rate)], str(MiB))

        def throttles():
            r = brookctl(asked, "cluster", "throttles")
            self.assertEqual(r.returncode, 0, r.stderr.decode())
            return r.stdout.decode()
        rate = "%d (its own)" % MiB
        shown = "".join(
            "broker %d\tleader %s\tfollower %s\n" % ((i,) + ((rate, rate) if i in (leader, newcomer) else ("none",) * 2))
            for i in sorted(self.brokers)) + "topic ctl\tleader 0:%d\tfollower 0:%d\n" % (leader, newcomer)
        self.assertEqual(eventually(throttles, shown), shown)  # each broker follows the store
        self.wait_partitions("ctl", lambda r: r["replicas"] == [newcomer] and r["isr"] == [newcomer]
                             and r["leader"] == newcomer, 1, timeout=60)
        self.assertGreater(time.monotonic() - started, 1.5)  # 3 MiB at 1 MiB/s
        self.assertEqual(len(self.read_all("ctl", 48, broker_id=newcomer)), 48)

        r = brookctl(asked, "cluster", "unthrottle")
        self.assertEqual((r.returncode, r.stdout.decode()),
                         (0, "throttle rates removed on brokers 1,2,3 and the cluster's default\n"
                             "topic ctl\tthrottled replicas removed\n"), r.stderr.decode())
        self.assertEqual(sorted(self.etcd.range(NS + "/broker_configs/")), [])
        shown = "".join("broker %d\tleader none\tfollower none\n" % i for i in sorted(self.brokers))
        self.assertEqual(eventually(throttles, shown), shown)
        configs = describe(self.port(1), ConfigResource.Type.TOPIC, "ctl")
        self.assertEqual((configs[LEADER_REPLICAS], configs[FOLLOWER_REPLICAS]),
                         (("", ConfigSource.DEFAULT_CONFIG.value), ("", ConfigSource.DEFAULT_CONFIG.value)))
        r = brookctl(asked, "cluster", "reassign", "--throttle", "0", "ctl:0=%d" % leader)
        self.assertEqual(r.returncode, 2)

    def wait_topic_config(self, topic, name, expect):
        return eventually(lambda: describe(self.port(2), ConfigResource.Type.TOPIC, topic)[name][0], expect)


@unittest.skipUnless(AdminClient, "needs python3-confluent-kafka")
class SingleBroker(BrokerTestCase):
    def test_a_broker_alone_has_nothing_to_throttle(self):
        err, message = incremental(self.broker.kafka_port, "0", [(LEADER_RATE, SET, "1000")], BROKER)
        self.assertEqual(err, INVALID_CONFIG)
        self.assertIn("a broker that runs alone has no replication to throttle", message)
        configs = describe(self.broker.kafka_port, ConfigResource.Type.BROKER, "0")
        self.assertEqual(configs[LEADER_RATE][:2], (UNLIMITED, ConfigSource.DEFAULT_CONFIG.value))
        self.assertEqual(describe_raw(self.broker.kafka_port, BROKER, ""), (0, None, {}))


if __name__ == "__main__":
    unittest.main()
