"""ACLs administered over the Kafka protocol (KIP-140: CreateAcls,
DescribeAcls, DeleteAcls) by kafka-python's admin client, against a real
brookd with auth-acl: rules added, listed by filter, removed; in force at
once (a producer refused, then let through); kept in auth-acl's file
(comments and all) across kill -9; clear refusals for what Brook cannot
keep; CLUSTER_AUTHORIZATION_FAILED for a caller without ALTER on the
cluster (for partition reassignments too, which list with DESCRIBE); SECURITY_DISABLED without an authorizer that keeps rules."""
import os
import shutil
import signal
import struct
import subprocess
import tempfile
import unittest

from brooktest import BIN, Broker
import kafkawire as kw

try:
    from kafka import KafkaProducer
    from kafka.admin import (ACL, ACLFilter, ACLOperation, ACLPermissionType, ACLResourcePatternType,
                             KafkaAdminClient, ResourcePattern, ResourcePatternFilter, ResourceType)
    from kafka.errors import SecurityDisabledError, TopicAuthorizationFailedError
except ImportError:
    raise unittest.SkipTest("python3-kafka is not installed")

RULES = """# the operators' own notes stay where they are
allow User:ANONYMOUS * ALL cluster literal kafka-cluster
allow User:ANONYMOUS * ALL topic literal *   # everything, for the test's clients"""  # no newline at the end

ANY_PATTERN = ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY)


def rule(principal, op, perm, rtype, name, pattern=ACLResourcePatternType.LITERAL, host="*"):
    return ACL(principal, host, op, perm, ResourcePattern(rtype, name, pattern))


class AclAdmin(unittest.TestCase):
    rules = RULES

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="brook-acladm-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.acl = os.path.join(self.dir, "acl")
        with open(self.acl, "w") as f:
            f.write(self.rules)
        os.chmod(self.acl, 0o640)
        self.broker = self.start(
            'auth = ( { plugin = "acl"; file = "%s"; } );' % self.acl)

    def start(self, extra):
        b = Broker(self.dir, extra=extra, storage='storage = { plugin = "segment"; };').start()
        self.addCleanup(b.stop, signal.SIGKILL)
        return b

    def admin(self):
        a = KafkaAdminClient(bootstrap_servers="127.0.0.1:%d" % self.broker.kafka_port, request_timeout_ms=10000)
        self.addCleanup(a.close)
        return a

    def listed(self, admin, filt=None):
        filt = filt or ACLFilter(None, None, ACLOperation.ANY, ACLPermissionType.ANY, ANY_PATTERN)
        acls, err = admin.describe_acls(filt)
        self.assertEqual(err.errno, 0, err)
        return sorted((a.principal, a.host, a.operation, a.permission_type, a.resource_pattern.resource_type,
                       a.resource_pattern.resource_name, a.resource_pattern.pattern_type) for a in acls)

    def test_create_describe_delete_in_force_and_durable(self):
        admin = self.admin()
        alice_writes = rule("User:alice", ACLOperation.WRITE, ACLPermissionType.ALLOW, ResourceType.TOPIC, "orders")
        bob_denied = rule("User:bob", ACLOperation.READ, ACLPermissionType.DENY, ResourceType.TOPIC, "logs-",
                          ACLResourcePatternType.PREFIXED, host="10.0.0.7")
        readers = rule("User:*", ACLOperation.READ, ACLPermissionType.ALLOW, ResourceType.GROUP, "readers")
        r = admin.create_acls([alice_writes, bob_denied, readers])
        self.assertEqual(r["failed"], [])
        self.assertEqual(len(r["succeeded"]), 3)
        again = admin.create_acls([alice_writes])  # a rule that exists is kept once
        self.assertEqual(again["failed"], [])
        carol = rule("User:carol", ACLOperation.READ, ACLPermissionType.ALLOW, ResourceType.TOPIC, "orders")
        twice = admin.create_acls([carol, readers, carol])  # ... and one given twice in a request
        self.assertEqual((twice["failed"], len(twice["succeeded"])), ([], 3))
        with open(self.acl) as f:
            lines = f.read().splitlines()
        self.assertEqual([line for line in lines if "carol" in line], ["allow User:carol * READ topic literal orders"])
        self.assertEqual(len([line for line in lines if "readers" in line]), 1)
        admin.delete_acls([ACLFilter("User:carol", None, ACLOperation.ANY, ACLPermissionType.ANY, ANY_PATTERN)])

        everything = self.listed(admin)
        self.assertEqual(len(everything), 5)
        self.assertIn(("User:bob", "10.0.0.7", ACLOperation.READ, ACLPermissionType.DENY, ResourceType.TOPIC,
                       "logs-", ACLResourcePatternType.PREFIXED), everything)
        # filters: by principal; MATCH finds the rules that apply to a name
        by_alice = self.listed(admin, ACLFilter("User:alice", None, ACLOperation.ANY, ACLPermissionType.ANY,
                                                ANY_PATTERN))
        self.assertEqual([a[5] for a in by_alice], ["orders"])
        applying = self.listed(admin, ACLFilter(None, None, ACLOperation.ANY, ACLPermissionType.ANY,
                                                ResourcePatternFilter(ResourceType.TOPIC, "logs-app",
                                                                      ACLResourcePatternType.MATCH)))
        self.assertEqual(sorted(a[5] for a in applying), ["*", "logs-"])

        with open(self.acl) as f:
            text = f.read()
        self.assertTrue(text.startswith(RULES + "\n"), text)  # comments and order kept, the last line ended
        self.assertIn("deny User:bob 10.0.0.7 READ topic prefixed logs-\n", text)
        self.assertEqual(os.stat(self.acl).st_mode & 0o777, 0o640)

        # in force at once: a deny for the test's own principal refuses its producer
        blocked = rule("User:ANONYMOUS", ACLOperation.WRITE, ACLPermissionType.DENY, ResourceType.TOPIC, "blocked")
        self.assertEqual(admin.create_acls([blocked])["failed"], [])
        producer = KafkaProducer(bootstrap_servers="127.0.0.1:%d" % self.broker.kafka_port, acks="all",
                                 max_block_ms=10000, retries=0)
        self.addCleanup(producer.close, 5)
        with self.assertRaises(TopicAuthorizationFailedError):
            producer.send("blocked", b"no").get(15)
        self.assertIn('denied User:ANONYMOUS WRITE on topic "blocked"', self.broker.log())

        # deleting by filter answers what each filter removed
        results = admin.delete_acls([
            ACLFilter("User:ANONYMOUS", None, ACLOperation.WRITE, ACLPermissionType.DENY, ANY_PATTERN),
            ACLFilter("User:nobody", None, ACLOperation.ANY, ACLPermissionType.ANY, ANY_PATTERN)])
        (_, removed, err), (_, none, err2) = results
        self.assertEqual((err.errno, err2.errno), (0, 0))
        self.assertEqual([a.resource_pattern.resource_name for a, _ in removed], ["blocked"])
        self.assertEqual(none, [])
        producer.send("blocked", b"yes").get(15)

        # durable: kill -9 and start again on the same file
        self.broker.stop(signal.SIGKILL)
        self.broker.start()
        self.assertEqual(self.listed(self.admin()), everything)

    def test_rules_brook_cannot_keep_are_refused_with_the_reason(self):
        admin = self.admin()
        r = admin.create_acls([
            rule("User:alice", ACLOperation.DESCRIBE_CONFIGS, ACLPermissionType.ALLOW, ResourceType.TOPIC, "t"),
            rule("User:alice", ACLOperation.WRITE, ACLPermissionType.ALLOW, ResourceType.DELEGATION_TOKEN, "tk"),
            rule("User:alice", ACLOperation.ALTER, ACLPermissionType.ALLOW, ResourceType.CLUSTER, "other"),
            rule("alice", ACLOperation.READ, ACLPermissionType.ALLOW, ResourceType.TOPIC, "t"),
            rule("User:alice", ACLOperation.READ, ACLPermissionType.ALLOW, ResourceType.TOPIC, "ok"),
        ])
        self.assertEqual(len(r["succeeded"]), 1)
        self.assertEqual([e.__name__ for _, e in r["failed"]], ["InvalidRequestError"] * 4)
        self.assertEqual(len(self.listed(admin)), 3)
        # kafka-python drops the messages: read them from a hand-made CreateAcls v1
        creations = [(2, "t", 3, "User:alice", "*", 10, 3), (6, "tk", 3, "User:alice", "*", 4, 3),
                     (4, "other", 3, "User:alice", "*", 7, 3), (2, "t", 3, "alice", "*", 3, 3),
                     (2, "t", 2, "User:alice", "*", 3, 3)]
        body = kw.array([struct.pack(">b", t) + kw.string(n) + struct.pack(">b", p) + kw.string(pr) + kw.string(h) +
                         struct.pack(">bb", op, perm) for t, n, p, pr, h, op, perm in creations])
        conn = kw.Conn(self.broker.kafka_port)
        self.addCleanup(conn.close)
        data = conn.call(30, 1, body)
        (n,), p, answers = struct.unpack_from(">i", data, 4), 8, []
        for _ in range(n):
            (code, ln) = struct.unpack_from(">hh", data, p)
            answers.append((code, data[p + 4:p + 4 + ln].decode()))
            p += 4 + max(ln, 0)
        self.assertEqual([c for c, _ in answers], [42] * 5)
        for (_, message), expected in zip(answers, ["grant those", "no tokens or users",
                                                    "literal \"kafka-cluster\"", "looks like User:alice",
                                                    "literal or prefixed"]):
            self.assertIn(expected, message)


class AclAdminLibrdkafka(AclAdmin):
    """The same through librdkafka's Admin API (tests/clients/rdkafka_admin.c)."""

    def rdkafka(self, *args):
        r = subprocess.run([os.path.join(BIN, "rdkafka_admin"), "127.0.0.1:%d" % self.broker.kafka_port] + list(args),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr.decode() + r.stdout.decode())
        return r.stdout.decode().splitlines()

    def test_create_describe_delete(self):
        self.assertEqual(self.rdkafka("acl-create", "TOPIC", "orders", "LITERAL", "User:alice", "*", "WRITE", "ALLOW"),
                         ["ok"])
        self.assertEqual(self.rdkafka("acl-create", "GROUP", "app-", "PREFIXED", "User:alice", "*", "READ", "DENY"),
                         ["ok"])
        refused = self.rdkafka("acl-create", "TOPIC", "t", "LITERAL", "User:alice", "*", "IDEMPOTENT_WRITE", "ALLOW")
        self.assertEqual(len(refused), 1)
        self.assertRegex(refused[0], r"^error INVALID_REQUEST: .*WRITE on the cluster")
        self.assertEqual(self.rdkafka("acl-describe", "ANY", "-", "ANY", "User:alice", "-", "ANY", "ANY"),
                         ["TOPIC orders LITERAL User:alice * WRITE ALLOW", "GROUP app- PREFIXED User:alice * READ DENY"])
        self.assertEqual(self.rdkafka("acl-describe", "GROUP", "app-orders", "MATCH", "-", "-", "ANY", "ANY"),
                         ["GROUP app- PREFIXED User:alice * READ DENY"])
        # DESCRIBE and ALTER are numbered differently in Kafka and in Brook's SDK
        for op in ("DESCRIBE", "ALTER"):
            self.assertEqual(self.rdkafka("acl-create", "TOPIC", "ops", "LITERAL", "User:carol", "*", op, "ALLOW"),
                             ["ok"])
        self.assertEqual(sorted(self.rdkafka("acl-describe", "ANY", "-", "ANY", "User:carol", "-", "ANY", "ANY")),
                         ["TOPIC ops LITERAL User:carol * ALTER ALLOW", "TOPIC ops LITERAL User:carol * DESCRIBE ALLOW"])
        with open(self.acl) as f:
            text = f.read()
        self.assertIn("allow User:carol * DESCRIBE topic literal ops\n", text)
        self.assertIn("allow User:carol * ALTER topic literal ops\n", text)
        self.assertEqual(self.rdkafka("acl-delete", "TOPIC", "-", "ANY", "User:alice", "-", "ANY", "ALLOW"),
                         ["TOPIC orders LITERAL User:alice * WRITE ALLOW"])
        self.assertEqual(self.rdkafka("acl-describe", "ANY", "-", "ANY", "User:alice", "-", "ANY", "ANY"),
                         ["GROUP app- PREFIXED User:alice * READ DENY"])

    test_create_describe_delete_in_force_and_durable = None
    test_rules_brook_cannot_keep_are_refused_with_the_reason = None


class AclAdminWithoutAlter(AclAdmin):
    rules = """allow User:ANONYMOUS * DESCRIBE cluster literal kafka-cluster
"""

    def test_create_and_delete_need_alter_on_the_cluster(self):
        admin = self.admin()
        self.assertEqual(len(self.listed(admin)), 1)  # DESCRIBE lists
        r = admin.create_acls([rule("User:alice", ACLOperation.READ, ACLPermissionType.ALLOW, ResourceType.TOPIC,
                                    "t")])
        self.assertEqual(len(r["failed"]), 1)
        self.assertEqual(r["failed"][0][1].__name__, "ClusterAuthorizationFailedError")
        (_, _, err), = admin.delete_acls([ACLFilter(None, None, ACLOperation.ANY, ACLPermissionType.ANY,
                                                     ANY_PATTERN)])
        self.assertEqual(err.errno, 31)
        with open(self.acl) as f:
            self.assertEqual(f.read(), self.rules)

    def test_reassignments_need_alter_on_the_cluster_to_move_and_describe_to_list(self):
        port = self.broker.kafka_port
        self.assertEqual(kw.alter_reassignments_v0(port, [("t", 0, [0])]), (31, {}))
        self.assertEqual(kw.list_reassignments_v0(port), (0, {}))

    def test_client_quotas_need_alter_on_the_cluster_to_change_and_describe_to_list(self):
        conn = kw.Conn(self.broker.kafka_port)
        try:
            body = kw.alter_client_quotas_v0([([("user", "a")], [("producer_byte_rate", 1000, False)])])
            [(err, _, _)] = kw.parse_alter_client_quotas_v0(conn.call(49, 0, body))
            self.assertEqual(err, 31)
            self.assertEqual(kw.parse_describe_client_quotas_v0(conn.call(48, 0, kw.describe_client_quotas_v0([]))),
                             (0, None, []))
        finally:
            conn.close()

    test_create_describe_delete_in_force_and_durable = None
    test_rules_brook_cannot_keep_are_refused_with_the_reason = None


class AclAdminWithoutAuthorizer(unittest.TestCase):
    def test_security_disabled(self):
        d = tempfile.mkdtemp(prefix="brook-acladm-")
        self.addCleanup(shutil.rmtree, d, True)
        b = Broker(d).start()
        self.addCleanup(b.stop, signal.SIGKILL)
        admin = KafkaAdminClient(bootstrap_servers="127.0.0.1:%d" % b.kafka_port, request_timeout_ms=10000)
        self.addCleanup(admin.close)
        with self.assertRaisesRegex(SecurityDisabledError, "no authorizer that keeps ACLs"):
            admin.describe_acls(ACLFilter(None, None, ACLOperation.ANY, ACLPermissionType.ANY, ANY_PATTERN))


if __name__ == "__main__":
    unittest.main()
