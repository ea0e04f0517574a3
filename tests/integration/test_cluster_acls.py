"""ACLs in a cluster: three brokers with auth-acl and a real etcd. The
first broker seeds the cluster's rules from its file; a rule created
through one broker (kafka-python's admin client) reaches every broker's
file and is in force there; one deleted through another goes everywhere;
a broker that was down (kill -9) while rules changed catches up when it
comes back, its own file reconciled to the cluster's. More rules than one
etcd transaction takes seed the cluster and change in one request, and a
seeding whose broker died is waited for, then taken over."""
import os
import re
import signal
import time
import unittest

from clustertest import ClusterTestCase

from kafka.admin import (ACL, ACLFilter, ACLOperation, ACLPermissionType, ACLResourcePatternType, KafkaAdminClient,
                         ResourcePattern, ResourcePatternFilter, ResourceType)

RULES = """allow User:ANONYMOUS * ALL cluster literal kafka-cluster
allow User:ANONYMOUS * ALL topic literal *
allow User:ANONYMOUS * ALL group literal *
"""


NS = "/brook/c"


def rule_key(line):
    """The store's key of a rule of the ACL file (its text as the cluster keeps it, in hex)."""
    allow, principal, host, op, rtype, pattern, name = line.split()
    text = "\t".join([allow, principal, host, op, str({"topic": 1, "group": 2, "cluster": 3}[rtype]),
                      str({"literal": 1, "prefixed": 2}[pattern]), name])
    return NS + "/acls/" + text.encode().hex(), text


class AclCluster(ClusterTestCase):
    def rules(self, broker_id):
        """The rules broker `broker_id` starts with."""
        return RULES

    def acl_file(self, broker_id):
        return os.path.join(self.dir, "acl-%d" % broker_id)

    def broker_config(self, broker_id):
        path = self.acl_file(broker_id)
        if not os.path.exists(path):
            with open(path, "w") as f:
                f.write(self.rules(broker_id))
        return 'auth = ( { plugin = "acl"; file = "%s"; } );' % path

    def admin(self, broker_id):
        a = KafkaAdminClient(bootstrap_servers="127.0.0.1:%d" % self.brokers[broker_id].kafka_port,
                             request_timeout_ms=15000)
        self.addCleanup(a.close)
        return a

    def wait_files(self, ids, predicate, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            texts = {}
            for i in ids:
                with open(self.acl_file(i)) as f:
                    texts[i] = f.read()
            if all(predicate(t) for t in texts.values()):
                return
            time.sleep(0.1)
        self.fail("the ACL files did not follow: %r" % texts)

    def removals(self, broker_id):
        """How many rules reconciling took out of the broker's file, per reconcile."""
        return [int(n) for n in re.findall(r"ACL rules: \d+ from the cluster put here, (\d+) not in it removed",
                                           self.brokers[broker_id].log())]


class ClusterAcls(AclCluster):
    def test_rules_follow_the_cluster(self):
        bob = ACL("User:bob", "*", ACLOperation.READ, ACLPermissionType.ALLOW,
                  ResourcePattern(ResourceType.TOPIC, "orders", ACLResourcePatternType.LITERAL))
        self.assertEqual(self.admin(1).create_acls([bob])["failed"], [])
        line = "allow User:bob * READ topic literal orders\n"
        self.wait_files([1, 2, 3], lambda t: line in t)
        seeders = [i for i in (1, 2, 3) if "ACL rules: seeded from this broker's" in self.brokers[i].log()]
        self.assertEqual(len(seeders), 1, "exactly one broker seeds the cluster's rules")
        self.wait_files([1, 2, 3], lambda t: "allow User:ANONYMOUS * ALL cluster literal kafka-cluster" in t)

        # listed by any broker
        acls, err = self.admin(3).describe_acls(ACLFilter("User:bob", None, ACLOperation.ANY, ACLPermissionType.ANY,
                                                          ResourcePatternFilter(ResourceType.ANY, None,
                                                                                ACLResourcePatternType.ANY)))
        self.assertEqual([a.resource_pattern.resource_name for a in acls], ["orders"])

        # a broker down while the rules change catches up
        self.brokers[3].stop(signal.SIGKILL)
        carol = ACL("User:carol", "*", ACLOperation.WRITE, ACLPermissionType.DENY,
                    ResourcePattern(ResourceType.TOPIC, "logs-", ACLResourcePatternType.PREFIXED))
        self.assertEqual(self.admin(1).create_acls([carol])["failed"], [])
        results = self.admin(2).delete_acls([ACLFilter("User:bob", None, ACLOperation.ANY, ACLPermissionType.ANY,
                                                       ResourcePatternFilter(ResourceType.ANY, None,
                                                                             ACLResourcePatternType.ANY))])
        self.assertEqual([a.principal for a, _ in results[0][1]], ["User:bob"])
        self.wait_files([1, 2], lambda t: line not in t and "deny User:carol * WRITE topic prefixed logs-" in t)
        with open(self.acl_file(3), "a") as f:  # an edit on the way back is not the cluster's: it goes
            f.write("allow User:mallory * ALL topic literal *\n")
        self.start(3)
        self.wait_files([3], lambda t: line not in t and "User:carol" in t and "mallory" not in t)


BULK = ["allow User:u%03d * READ topic literal t%03d" % (i, i) for i in range(250)]


class ManyRules(AclCluster):
    """A broker upgraded to a cluster with more rules than one transaction
    takes (etcd: 128 operations) seeds them all; before, the cluster started
    without them."""

    def rules(self, broker_id):
        return RULES + "".join(line + "\n" for line in BULK) if broker_id == 1 else RULES

    def test_hundreds_of_rules_seed_the_cluster_and_change_in_one_request(self):
        self.wait_files([1, 2, 3], lambda t: BULK[-1] in t and BULK[0] in t)
        self.assertIn("ACL rules: seeded from this broker's (253)", self.brokers[1].log())
        stored = self.etcd.range(NS + "/acls/")
        self.assertEqual(len(stored), 253)
        self.assertEqual(self.etcd.range(NS + "/acls_seeded"), {NS + "/acls_seeded": "1"})
        for i in (2, 3):  # they waited for the whole set (or came after it), not reconciled with half of it
            self.assertEqual([n for n in self.removals(i) if n], [], self.brokers[i].log())

        # more rules than one transaction takes, in one request each way
        bulk = [ACL("User:bulk", "*", ACLOperation.WRITE, ACLPermissionType.ALLOW,
                    ResourcePattern(ResourceType.TOPIC, "w%03d" % i, ACLResourcePatternType.LITERAL))
                for i in range(150)]
        self.assertEqual(self.admin(2).create_acls(bulk)["failed"], [])
        self.wait_files([1, 2, 3], lambda t: t.count("User:bulk") == 150)
        self.assertEqual(len(self.etcd.range(NS + "/acls/")), 403)
        results = self.admin(3).delete_acls([ACLFilter("User:bulk", None, ACLOperation.ANY, ACLPermissionType.ANY,
                                                       ResourcePatternFilter(ResourceType.ANY, None,
                                                                             ACLResourcePatternType.ANY))])
        self.assertEqual(len(results[0][1]), 150)
        self.wait_files([1, 2, 3], lambda t: "User:bulk" not in t and BULK[-1] in t)
        self.assertEqual(len(self.etcd.range(NS + "/acls/")), 253)


class LapsedSeeding(AclCluster):
    """A seeding broker that died half-way left its claim (under its lease)
    and part of its rules: the brokers wait for the claim rather than
    reconcile their files with half a set, and once it lapses one of them
    seeds its own rules over what was left."""
    brokers_at_start = 0

    def rules(self, broker_id):
        return RULES + "".join(line + "\n" for line in BULK)

    def test_a_lapsed_seeding_is_waited_for_then_taken_over(self):
        lease = self.etcd.lease(4)
        self.etcd.put(NS + "/acls_seeded", "seeding by broker 9 under lease %d" % lease, lease)
        left = ["allow User:u%03d * READ topic literal t%03d" % (i, i) for i in range(0, 250, 2)]
        left.append("deny User:gone * ALL topic literal *")  # the dead seeder had one of its own
        for line in left:
            self.etcd.put(*rule_key(line))
        started = time.monotonic()
        for i in (1, 2, 3):
            self.start(i)
        self.assertTrue(self.wait_log(1, "waiting for another broker's seeding of the cluster's"), self.brokers[1].log())
        self.wait_files([1, 2, 3], lambda t: "User:gone" in t, timeout=30)
        self.assertGreater(time.monotonic() - started, 2, "nobody waited for the claim")
        self.assertEqual(self.etcd.range(NS + "/acls_seeded"), {NS + "/acls_seeded": "1"})
        self.assertEqual(len(self.etcd.range(NS + "/acls/")), 254)  # the 253 and what the dead one left
        self.wait_files([1, 2, 3], lambda t: len(t.splitlines()) == 254 and BULK[-1] in t)
        seeders = [i for i in (1, 2, 3) if "ACL rules: seeded from this broker's" in self.brokers[i].log()]
        self.assertEqual(len(seeders), 1, "exactly one broker takes the seeding over")
        for i in (1, 2, 3):
            self.assertEqual([n for n in self.removals(i) if n], [], self.brokers[i].log())


if __name__ == "__main__":
    unittest.main()
