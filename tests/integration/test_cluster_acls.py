"""ACLs in a cluster: three brokers with auth-acl and a real etcd. The
first broker seeds the cluster's rules from its file; a rule created
through one broker (kafka-python's admin client) reaches every broker's
file and is in force there; one deleted through another goes everywhere;
a broker that was down (kill -9) while rules changed catches up when it
comes back, its own file reconciled to the cluster's."""
import os
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


class ClusterAcls(ClusterTestCase):
    def acl_file(self, broker_id):
        return os.path.join(self.dir, "acl-%d" % broker_id)

    def broker_config(self, broker_id):
        path = self.acl_file(broker_id)
        if not os.path.exists(path):
            with open(path, "w") as f:
                f.write(RULES)
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


if __name__ == "__main__":
    unittest.main()
