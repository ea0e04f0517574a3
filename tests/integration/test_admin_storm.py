"""A seeded random run of topic administration against one brookd on
segment storage, and against a three-broker cluster (topics of 1-3
replicas, restarts by SIGTERM), checked against a model after every step: creating
topics with random configs (and again), deleting them (and again),
growing them, replacing their configs, producing keyed records,
DeleteRecords, consumer groups committing offsets (which go with their
topic) and groups deleted, restarts; and of ACLs (auth-acl): rules
created (also twice), deleted by filter, kept across SIGTERM and kill -9. Each step is what a client does alone; the
sequence is what found that deleting a topic with configs read freed
memory (0ef952c). Under ASan (the suite's second run) a misuse of memory
in any of these paths fails it. BROOK_STORM_SEED replays a run; the seed
is printed in every failure."""
import os
import random
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from brooktest import BIN, Broker, BrokerTestCase
from clustertest import ClusterTestCase

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic
from kafka.admin import (ACL, ACLFilter, ACLOperation, ACLPermissionType, ACLResourcePatternType,
                         KafkaAdminClient, ResourcePattern, ResourcePatternFilter, ResourceType)

NAMES = ["storm-%d" % i for i in range(5)]
GROUPS = ["storm-g%d" % i for i in range(3)]
# configs a topic may take on segment storage that change no record's
# visibility (small segments roll often; nothing is old or large enough to
# be deleted by retention)
CONFIGS = {
    "segment.bytes": ["16384", "65536", "1048576"],
    "retention.ms": ["86400000", "604800000"],
    "max.message.bytes": ["1048588", "2000000"],
    "min.insync.replicas": ["1"],
    "unclean.leader.election.enable": ["true", "false"],
    "flush.messages": ["1", "100"],
    "index.interval.bytes": ["1024", "4096"],
    "cleanup.policy": ["delete"],
    "message.timestamp.type": ["CreateTime"],
}
STEPS = 120


def eventually(check, timeout=15.0):
    """check() until it stops failing (a cluster's brokers learn a change
    from etcd a moment apart), at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


class Storm:
    """The steps and checks; a test case gives bootstrap(), restart(),
    settle(name) and max_replicas."""
    steps = 120

    def setUp(self):
        super().setUp()
        self.seed = int(os.environ.get("BROOK_STORM_SEED", random.randrange(1 << 32)))
        self.rand = random.Random(self.seed)
        self.model = {}  # name -> {"configs": {}, "logs": [[values], ...], "starts": [log start per partition]}
        self.committed = {g: {} for g in GROUPS}  # group -> {(topic, partition): offset}
        self.history = []
        self.admin_for = None

    def why(self):
        return "seed %d (BROOK_STORM_SEED replays it); steps:\n  %s" % (self.seed, "\n  ".join(self.history[-15:]))

    def admin(self):
        if self.admin_for != self.bootstrap():  # a restarted broker listens on another port
            self.client = AdminClient({"bootstrap.servers": self.bootstrap()})
            self.admin_for = self.bootstrap()
        return self.client

    def error_of(self, future):
        try:
            future.result(15)
            return None
        except KafkaException as e:
            return e.args[0].code()

    def random_configs(self):
        keys = self.rand.sample(sorted(CONFIGS), self.rand.randint(0, 4))
        return {k: self.rand.choice(CONFIGS[k]) for k in keys}

    # ---- the steps ---------------------------------------------------------

    def create(self, name):
        partitions, rf, configs = self.rand.randint(1, 4), self.rand.randint(1, self.max_replicas), self.random_configs()
        self.history.append("create %s %d x%d %s" % (name, partitions, rf, configs))
        err = self.error_of(self.admin().create_topics([NewTopic(name, partitions, rf, config=configs)])[name])
        if name in self.model:
            self.assertEqual(err, KafkaError.TOPIC_ALREADY_EXISTS, self.why())
        else:
            self.assertIsNone(err, self.why())
            self.model[name] = {"configs": configs, "logs": [[] for _ in range(partitions)],
                                "starts": [0] * partitions, "rf": rf}
            self.settle(name)

    def delete(self, name):
        self.history.append("delete %s" % name)
        err = self.error_of(self.admin().delete_topics([name], operation_timeout=10)[name])
        self.assertEqual(err, None if name in self.model else KafkaError.UNKNOWN_TOPIC_OR_PART, self.why())
        self.model.pop(name, None)
        for offsets in self.committed.values():  # a deleted topic's committed offsets go with it
            for tp in [tp for tp in offsets if tp[0] == name]:
                del offsets[tp]

    def grow(self, name):
        if name not in self.model:
            return
        to = len(self.model[name]["logs"]) + self.rand.randint(1, 2)
        self.history.append("grow %s to %d" % (name, to))
        self.assertIsNone(self.error_of(self.admin().create_partitions([NewPartitions(name, to)])[name]), self.why())
        grown = to - len(self.model[name]["logs"])
        self.model[name]["logs"] += [[] for _ in range(grown)]
        self.model[name]["starts"] += [0] * grown
        self.settle(name)

    def alter(self, name):
        if name not in self.model:
            return
        configs = self.random_configs()
        self.history.append("alter %s %s" % (name, configs))
        resource = ConfigResource("topic", name, set_config=configs)
        self.assertIsNone(self.error_of(self.admin().alter_configs([resource])[resource]), self.why())
        self.model[name]["configs"] = configs

    def produce(self, name):
        if name not in self.model:
            return
        p = self.rand.randrange(len(self.model[name]["logs"]))
        values = [os.urandom(self.rand.randint(0, 2000)) for _ in range(self.rand.randint(1, 40))]
        self.history.append("produce %s-%d %d records" % (name, p, len(values)))
        producer = Producer({"bootstrap.servers": self.bootstrap(), "acks": "all", "enable.idempotence": True,
                             "linger.ms": 2, "message.timeout.ms": 15000})
        errors = []
        for i, v in enumerate(values):
            producer.produce(name, v, key=b"k%d" % i, partition=p,
                             on_delivery=lambda err, msg: err and errors.append(err))
        self.assertEqual(producer.flush(20), 0, self.why())
        self.assertEqual(errors, [], self.why())
        self.model[name]["logs"][p] += values

    def delete_records(self, name):
        if name not in self.model:
            return
        p = self.rand.randrange(len(self.model[name]["logs"]))
        end = len(self.model[name]["logs"][p])
        before = self.rand.randint(self.model[name]["starts"][p], end)
        self.history.append("delete-records %s-%d before %d" % (name, p, before))
        # librdkafka's DeleteRecords (tests/clients/rdkafka_admin.c): to the partition's leader
        r = subprocess.run([os.path.join(BIN, "rdkafka_admin"), self.bootstrap(), "delete-records", name, str(p),
                            str(before)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        self.assertEqual((r.returncode, r.stdout.decode().split()), (0, [name, str(p), str(before), "NO_ERROR"]),
                         r.stderr.decode() + self.why())
        self.model[name]["starts"][p] = max(self.model[name]["starts"][p], before)

    def commit(self, name):
        """A group outside any generation commits an offset (as a tool that
        resets offsets does)."""
        if name not in self.model:
            return
        group, p = self.rand.choice(GROUPS), self.rand.randrange(len(self.model[name]["logs"]))
        offset = self.rand.randint(0, len(self.model[name]["logs"][p]))
        self.history.append("commit %s %s-%d at %d" % (group, name, p, offset))
        consumer = Consumer({"bootstrap.servers": self.bootstrap(), "group.id": group, "enable.auto.commit": False})
        try:
            deadline = time.monotonic() + 15
            while True:  # the coordinator may be moving (a restart)
                try:
                    [tp] = consumer.commit(offsets=[TopicPartition(name, p, offset)], asynchronous=False)
                    self.assertIsNone(tp.error, self.why())
                    break
                except KafkaException as e:
                    if not e.args[0].retriable() or time.monotonic() > deadline:
                        raise AssertionError("%s\n%s" % (e, self.why()))
                    time.sleep(0.2)
        finally:
            consumer.close()
        self.committed[group][(name, p)] = offset

    def delete_group(self, _name):
        group = self.rand.choice(GROUPS)
        self.history.append("delete group %s" % group)
        admin = KafkaAdminClient(bootstrap_servers=self.bootstrap(), request_timeout_ms=20000)
        try:
            [(_, err)] = admin.delete_consumer_groups([group])
        finally:
            admin.close()
        # a group lives while it has committed offsets (no member ever joins)
        self.assertEqual(err.errno, 0 if self.committed[group] else 69, "%s\n%s" % (err, self.why()))  # GROUP_ID_NOT_FOUND
        self.committed[group] = {}

    # ---- the checks --------------------------------------------------------

    def check_committed(self, name):
        for group, offsets in self.committed.items():
            consumer = Consumer({"bootstrap.servers": self.bootstrap(), "group.id": group,
                                 "enable.auto.commit": False})
            try:
                asked = [TopicPartition(name, p) for p in range(len(self.model[name]["logs"]))]
                got = {(tp.topic, tp.partition): tp.offset for tp in consumer.committed(asked, timeout=15)}
            finally:
                consumer.close()
            want = {(name, p): offsets.get((name, p), -1001) for p in range(len(self.model[name]["logs"]))}
            self.assertEqual(got, want, "group %s\n%s" % (group, self.why()))  # -1001: none committed

    def check_topics(self):
        def check():
            meta = self.admin().list_topics(timeout=10)
            have = {n: len(t.partitions) for n, t in meta.topics.items() if n.startswith("storm-")}
            self.assertEqual(have, {n: len(m["logs"]) for n, m in self.model.items()}, self.why())
        eventually(check)

    def check_configs(self, name):
        def check():
            resource = ConfigResource("topic", name)
            described = self.admin().describe_configs([resource])[resource].result(15)
            own = {k: e.value for k, e in described.items() if e.source == 1}  # DYNAMIC_TOPIC_CONFIG
            self.assertEqual(own, self.model[name]["configs"], self.why())
        eventually(check)

    def watermarks(self, consumer, name, p):
        """(log start, high watermark) of name-p as its leader tells; asked
        again after a leadership move the client had not heard of."""
        deadline = time.monotonic() + 15
        while True:
            try:
                return consumer.get_watermark_offsets(TopicPartition(name, p), timeout=10)
            except KafkaException as e:
                if not e.args[0].retriable() and e.args[0].code() != KafkaError.NOT_LEADER_FOR_PARTITION or \
                        time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def check_records(self, name):
        consumer = Consumer({"bootstrap.servers": self.bootstrap(), "group.id": "storm", "enable.auto.commit": False,
                             "enable.partition.eof": True})
        try:
            for p, log in enumerate(self.model[name]["logs"]):
                start = self.model[name]["starts"][p]
                low, high = self.watermarks(consumer, name, p)
                self.assertEqual((low, high), (start, len(log)), "%s-%d\n%s" % (name, p, self.why()))
                if start == len(log):
                    continue
                consumer.assign([TopicPartition(name, p, start)])
                got, deadline = [], time.monotonic() + 20
                while len(got) < len(log) - start and time.monotonic() < deadline:
                    m = consumer.poll(0.5)
                    if m is not None and not m.error():
                        got.append(m.value() or b"")
                self.assertEqual(got, log[start:], "%s-%d\n%s" % (name, p, self.why()))
        finally:
            consumer.close()

    def test_random_administration_matches_the_model(self):
        steps = [(self.create, 6), (self.delete, 3), (self.grow, 2), (self.alter, 3), (self.produce, 8),
                 (self.delete_records, 3), (self.commit, 3), (self.delete_group, 1), (self.restart_step, 1)]
        for n in range(self.steps):
            step = self.rand.choices([s for s, _ in steps], [w for _, w in steps])[0]
            step(self.rand.choice(NAMES))
            self.check_topics()
            if self.model and n % 10 == 9:
                name = self.rand.choice(sorted(self.model))
                self.check_configs(name)
                self.check_records(name)
                self.check_committed(name)
        for name in sorted(self.model):
            self.check_configs(name)
            self.check_records(name)
            self.check_committed(name)
        if os.environ.get("BROOK_STORM_DEBUG"):
            print("\n".join(self.history), {n: [len(x) for x in m["logs"]] for n, m in self.model.items()})

    def restart_step(self, _name):
        self.restart()
        for name in self.model:
            self.settle(name)


class AdminStorm(Storm, BrokerTestCase):
    storage = 'storage = { plugin = "segment"; flush = "interval"; flush_ms = 20; };'
    max_replicas = 1

    def bootstrap(self):
        return "127.0.0.1:%d" % self.broker.kafka_port

    def restart(self):
        self.history.append("restart")
        self.assertEqual(self.broker.stop(), 0, self.broker.log()[-3000:] + self.why())
        self.broker.start()

    def settle(self, name):
        pass  # one broker leads every partition at once

    def tearDown(self):
        warnings = [line for line in self.broker.log().splitlines() if " WARN " in line or " ERROR " in line]
        alive = self.broker.alive()
        super().tearDown()
        self.assertTrue(alive, self.why())
        self.assertEqual(warnings, [], self.why())


class ClusterAdminStorm(Storm, ClusterTestCase):
    steps = 60
    max_replicas = 3

    def bootstrap(self):
        return self.kafka_bootstrap()

    def restart(self):
        """A controlled shutdown of a broker, and its start."""
        broker_id = self.rand.choice(sorted(self.brokers))
        self.history.append("restart broker %d" % broker_id)
        self.assertEqual(self.brokers[broker_id].stop(signal.SIGTERM, timeout=20), 0,
                         self.brokers[broker_id].log()[-3000:] + self.why())
        self.start(broker_id)

    def settle(self, name):
        """Every partition of `name` led, with all its replicas in sync."""
        rf, count = self.model[name]["rf"], len(self.model[name]["logs"])
        parts = self.wait_partitions(name, lambda r: r["leader"] >= 0 and len(r["isr"]) == rf, count, timeout=30)
        self.assertTrue(len(parts) == count and all(r["leader"] >= 0 and len(r["isr"]) == rf for r in parts.values()),
                        "%s: %s\n%s" % (name, parts, self.why()))


class AclStorm(unittest.TestCase):
    """Rules as (principal, host, operation, permission, resource type,
    name, pattern type); the file's own two rules stay throughout."""
    BASE = {("User:ANONYMOUS", "*", ACLOperation.ALL, ACLPermissionType.ALLOW, ResourceType.CLUSTER,
             "kafka-cluster", ACLResourcePatternType.LITERAL),
            ("User:ANONYMOUS", "*", ACLOperation.ALL, ACLPermissionType.ALLOW, ResourceType.TOPIC, "*",
             ACLResourcePatternType.LITERAL)}
    PRINCIPALS = ["User:alice", "User:bob", "User:*"]
    NAMES = ["orders", "logs-", "readers"]
    ANY_PATTERN = ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY)

    def setUp(self):
        self.seed = int(os.environ.get("BROOK_STORM_SEED", random.randrange(1 << 32)))
        self.rand = random.Random(self.seed)
        self.history = []
        self.dir = tempfile.mkdtemp(prefix="brook-aclstorm-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        path = os.path.join(self.dir, "acl")
        with open(path, "w") as f:
            f.write("allow User:ANONYMOUS * ALL cluster literal kafka-cluster\n"
                    "allow User:ANONYMOUS * ALL topic literal *\n")
        self.broker = Broker(self.dir, extra='auth = ( { plugin = "acl"; file = "%s"; } );' % path).start()
        self.model = set(self.BASE)

    def tearDown(self):
        log = self.broker.log()
        if self.broker.alive():
            self.assertEqual(self.broker.stop(), 0, log[-3000:])
        self.assertNotIn("ERROR: AddressSanitizer", log)
        self.assertNotIn("runtime error:", log)

    def why(self):
        return "seed %d (BROOK_STORM_SEED replays it); steps:\n  %s" % (self.seed, "\n  ".join(self.history[-15:]))

    def admin(self):
        a = KafkaAdminClient(bootstrap_servers="127.0.0.1:%d" % self.broker.kafka_port, request_timeout_ms=10000)
        self.addCleanup(a.close)
        return a

    def random_rule(self):
        rtype = self.rand.choice([ResourceType.TOPIC, ResourceType.GROUP])
        return (self.rand.choice(self.PRINCIPALS), self.rand.choice(["*", "10.0.0.7"]),
                self.rand.choice([ACLOperation.READ, ACLOperation.WRITE, ACLOperation.DESCRIBE]),
                self.rand.choice([ACLPermissionType.ALLOW, ACLPermissionType.DENY]), rtype,
                self.rand.choice(self.NAMES),
                self.rand.choice([ACLResourcePatternType.LITERAL, ACLResourcePatternType.PREFIXED]))

    def create(self, admin):
        rules = [self.random_rule() for _ in range(self.rand.randint(1, 3))]
        rules += self.rand.sample(rules, self.rand.randint(0, 1))  # one given twice, at times
        self.history.append("create %s" % rules)
        r = admin.create_acls([ACL(p, h, o, perm, ResourcePattern(t, n, pt)) for p, h, o, perm, t, n, pt in rules])
        self.assertEqual((r["failed"], len(r["succeeded"])), ([], len(rules)), self.why())
        self.model |= set(rules)

    def delete(self, admin):
        """By one of three filters: the exact rule, a principal's rules, or
        the rules on one literal resource."""
        kind = self.rand.choice(["exact", "principal", "resource"])
        if kind == "exact" and len(self.model) > len(self.BASE):
            p, h, o, perm, t, n, pt = self.rand.choice(sorted(self.model - self.BASE, key=str))
            filt = ACLFilter(p, h, o, perm, ResourcePatternFilter(t, n, pt))
            gone = {(p, h, o, perm, t, n, pt)}
        elif kind == "principal":
            who = self.rand.choice(self.PRINCIPALS)
            filt = ACLFilter(who, None, ACLOperation.ANY, ACLPermissionType.ANY, self.ANY_PATTERN)
            gone = {r for r in self.model if r[0] == who}
        else:
            t, n = self.rand.choice([ResourceType.TOPIC, ResourceType.GROUP]), self.rand.choice(self.NAMES)
            filt = ACLFilter(None, None, ACLOperation.ANY, ACLPermissionType.ANY,
                             ResourcePatternFilter(t, n, ACLResourcePatternType.LITERAL))
            gone = {r for r in self.model if r[4] == t and r[5] == n and r[6] == ACLResourcePatternType.LITERAL}
        self.history.append("delete %s (%d rules)" % (kind, len(gone)))
        [(_, removed, err)] = admin.delete_acls([filt])
        self.assertEqual(err.errno, 0, "%s\n%s" % (err, self.why()))
        self.assertEqual(len(removed), len(gone), self.why())
        self.model -= gone

    def restart(self, _admin):
        how = self.rand.choice([signal.SIGTERM, signal.SIGKILL])
        self.history.append("restart after %s" % how.name)
        self.broker.stop(how)
        self.broker.start()

    def check(self, admin):
        acls, err = admin.describe_acls(ACLFilter(None, None, ACLOperation.ANY, ACLPermissionType.ANY,
                                                  self.ANY_PATTERN))
        self.assertEqual(err.errno, 0, err)
        listed = [(a.principal, a.host, a.operation, a.permission_type, a.resource_pattern.resource_type,
                   a.resource_pattern.resource_name, a.resource_pattern.pattern_type) for a in acls]
        self.assertEqual(len(listed), len(set(listed)), "a rule listed twice\n" + self.why())
        self.assertEqual(set(listed), self.model, self.why())

    def test_random_rules_match_the_model(self):
        admin = self.admin()
        for _ in range(80):
            step = self.rand.choices([self.create, self.delete, self.restart], [6, 3, 1])[0]
            step(admin)
            if step == self.restart:
                admin = self.admin()
            self.check(admin)


if __name__ == "__main__":
    unittest.main()
