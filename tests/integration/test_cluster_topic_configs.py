"""What a topic's own configs do in a cluster (real brokers, a real etcd):
min.insync.replicas set on a topic overrides the broker's for that topic
only, and unclean.leader.election.enable lets the controller elect an
out-of-sync replica when no in-sync one is live (never by default). The
configs live in the topic's record, so every broker describes them. A
topic may also run on another of the configured strategies
(`brook.replication`)."""
import signal
import time
import unittest

from clustertest import ClusterTestCase

try:
    from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewTopic
    from kafka.errors import KafkaError
except ImportError:  # pragma: no cover
    KafkaAdminClient = None

NOT_ENOUGH_REPLICAS = 33
INVALID_REPLICATION_FACTOR = 38
SOURCES = {1: "topic", 4: "broker", 5: "default"}


@unittest.skipUnless(KafkaAdminClient, "needs python3-kafka")
class TopicConfigsInACluster(ClusterTestCase):
    replication = 'replication = { plugin = "isr"; min_insync_replicas = 2; replica_lag_time_max_ms = 10000; };'

    def describe(self, broker_id, topic):
        admin = KafkaAdminClient(bootstrap_servers="127.0.0.1:%d" % self.brokers[broker_id].kafka_port,
                                 request_timeout_ms=20000)
        try:
            resp = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
        finally:
            admin.close()
        [(_err, _msg, _type, _name, entries)] = resp[0].resources
        # v1+ entries: name, value, read only, source (1 topic, 4 broker file, 5 default), ...
        self.assertGreaterEqual(resp[0].API_VERSION, 1)
        return {e[0]: (e[1], SOURCES[e[3]]) for e in entries}

    def test_a_topic_min_insync_replicas_overrides_the_brokers(self):
        self.controller()
        strict = self.create("strict", configs={"min.insync.replicas": "3"})[0]
        plain = self.create("plain")[0]
        for i in (1, 2, 3):  # every broker reads the topic's record
            self.assertEqual(self.describe(i, "strict")["min.insync.replicas"], ("3", "topic"))
            self.assertEqual(self.describe(i, "plain")["min.insync.replicas"], ("2", "broker"))
        # a broker that leads neither partition goes away: two replicas stay in sync
        away = [i for i in (1, 2, 3) if i not in (strict["leader"], plain["leader"])][0]
        self.brokers[away].stop(signal.SIGTERM)
        for topic in ("strict", "plain"):
            self.wait_partitions(topic, lambda r: len(r["isr"]) == 2, 1, timeout=30)
        self.produce_to(strict["leader"], "strict", [b"refused"], expect=NOT_ENOUGH_REPLICAS)
        self.produce_to(plain["leader"], "plain", [b"taken"])
        self.produce_to(strict["leader"], "strict", [b"acks=1 is not held to it"], acks=1)
        self.start(away)
        self.wait_partitions("strict", lambda r: len(r["isr"]) == 3, 1, timeout=40)
        self.produce_to(self.partitions("strict")[0]["leader"], "strict", [b"taken"])

    def test_a_change_made_on_any_broker_reaches_every_broker_and_applies(self):
        ctl = self.controller()
        leader = self.create("moving")[0]["leader"]
        asked = [i for i in (1, 2, 3) if i != ctl][0]  # not the controller: any broker takes the change
        admin = KafkaAdminClient(bootstrap_servers="127.0.0.1:%d" % self.brokers[asked].kafka_port,
                                 request_timeout_ms=20000)
        try:
            resp = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, "moving",
                                                       configs={"min.insync.replicas": "3"})])
        finally:
            admin.close()
        self.assertEqual([r[0] for r in resp.resources], [0], resp)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(self.describe(i, "moving")["min.insync.replicas"] != ("3", "topic")
                                                  for i in (1, 2, 3)):
            time.sleep(0.2)
        for i in (1, 2, 3):
            self.assertEqual(self.describe(i, "moving")["min.insync.replicas"], ("3", "topic"))
        self.produce_to(leader, "moving", [b"three in sync"])
        away = [i for i in (1, 2, 3) if i != leader][0]
        self.brokers[away].stop(signal.SIGTERM)
        self.wait_partitions("moving", lambda r: len(r["isr"]) == 2, 1, timeout=30)
        self.produce_to(leader, "moving", [b"two are not enough now"], expect=NOT_ENOUGH_REPLICAS)
        # a topic with configs is deleted on every broker that holds it (each
        # read the freed configs before 0ef952c, and died)
        admin = KafkaAdminClient(bootstrap_servers="127.0.0.1:%d" % self.brokers[leader].kafka_port,
                                 request_timeout_ms=20000)
        try:
            self.assertEqual([e[1] for e in admin.delete_topics(["moving"]).topic_error_codes], [0])
        finally:
            admin.close()
        for i in (1, 2, 3):
            if i != away:
                self.assertTrue(self.wait_log(i, "deleted topic moving"), self.brokers[i].log()[-3000:])
                self.assertTrue(self.brokers[i].alive(), self.brokers[i].log()[-3000:])

    def test_an_unclean_election_only_when_the_topic_allows_it(self):
        self.controller()
        self.create("dirty", configs={"unclean.leader.election.enable": "true"})
        old, back, before = self.lose_every_in_sync_replica("dirty")
        now = self.wait_partitions("dirty", lambda r: r["leader"] == back, 1, timeout=30)[0]
        self.assertEqual(now["isr"], [back])
        self.assertGreater(now["leader_epoch"], before["leader_epoch"])
        self.assertTrue(self.wait_log(back, "allows an unclean election: broker %d leads" % back))
        self.produce_to(back, "dirty", [b"after"], acks=1)
        self.assertEqual(self.read_all("dirty", 11, broker_id=back), [b"a%02d" % i for i in range(10)] + [b"after"])
        self.assertGreaterEqual(sum(self.metrics(i)["cluster_unclean_leader_elections_total"]
                                    for i in self.brokers if self.brokers[i].alive()), 1)
        # the old leader returns, follows and drops what only it had
        self.start(old)
        self.assertTrue(self.wait_log(old, "partition dirty-0: truncated to offset 10"))

    def test_no_unclean_election_by_default(self):
        self.controller()
        self.create("clean")
        old, back, _ = self.lose_every_in_sync_replica("clean")
        time.sleep(3 * 2.0)  # a few lease TTLs: nothing may elect the replica that is back
        now = self.partitions("clean")[0]
        self.assertEqual((now["leader"], now["isr"]), (-1, [old]))
        # the in-sync replica returns and leads with everything it had
        self.start(old)
        self.wait_partitions("clean", lambda r: r["leader"] == old, 1, timeout=30)
        self.assertEqual(self.read_all("clean", 15, broker_id=old),
                         [b"a%02d" % i for i in range(10)] + [b"only-on-the-leader%d" % i for i in range(5)])


@unittest.skipUnless(KafkaAdminClient, "needs python3-kafka")
class StrategyPerTopic(ClusterTestCase):
    """Two strategies in one cluster: replication-isr (the first: every
    topic's unless it names another) and replication-none as "local"."""
    replication = ('replication = ( { name = "isr"; plugin = "isr"; min_insync_replicas = 2; },\n'
                   '                { name = "local"; plugin = "none"; } );')

    def create_error(self, name, rf, configs):
        admin = KafkaAdminClient(bootstrap_servers=self.kafka_bootstrap(), request_timeout_ms=20000)
        try:
            admin.create_topics([NewTopic(name, 1, rf, topic_configs=configs)])
            return 0
        except KafkaError as e:  # kafka-python raises the controller's refusal
            return e.errno
        finally:
            admin.close()

    def test_a_topic_on_the_none_strategy_keeps_one_replica(self):
        self.controller()
        replicated = self.create("replicated")[0]
        self.assertEqual(len(replicated["isr"]), 3)
        # "local" keeps one replica: three are refused
        self.assertEqual(self.create_error("single", 3, {"brook.replication": "local"}), INVALID_REPLICATION_FACTOR)
        single = self.create("single", rf=1, configs={"brook.replication": "local"})[0]
        self.assertEqual(len(single["replicas"]), 1)
        # acks=all needs no follower there (the isr strategy's minimum is not its)
        self.produce_to(single["leader"], "single", [b"one", b"two"])
        self.assertEqual(self.read_all("single", 2, broker_id=single["leader"]), [b"one", b"two"])
        self.produce_to(replicated["leader"], "replicated", [b"three copies"])
        admin = KafkaAdminClient(bootstrap_servers=self.kafka_bootstrap(), request_timeout_ms=20000)
        try:
            resp = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, "single")])
        finally:
            admin.close()
        entries = {e[0]: e[1] for e in resp[0].resources[0][4]}
        self.assertEqual(entries["brook.replication"], "local")


if __name__ == "__main__":
    unittest.main()
