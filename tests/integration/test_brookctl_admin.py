"""brookctl administering a running broker over the native protocol: ACLs
(list as a sorted table with a header row or as JSON, add, remove by
filter; a remove without a filter refused), SCRAM users (add refuses an
existing user, set changes the password, delete; each checked by a real
kcat login over SASL SCRAM), leader elections on a single broker (none
is ever needed), reassignments there (a partition can only stay), and
--version."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import unittest

from brooktest import BROOKCTL, Broker, Native, brookctl


class BrookctlAdmin(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="brook-ctladm-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.acl = os.path.join(self.dir, "acl")
        with open(self.acl, "w") as f:
            f.write("allow User:ANONYMOUS * ALL cluster literal kafka-cluster\n"
                    "allow User:ANONYMOUS * ALL topic literal *\n"
                    "allow User:* * ALL topic literal *\n"
                    "allow User:* * DESCRIBE cluster literal kafka-cluster\n")
        self.creds = os.path.join(self.dir, "credentials")
        open(self.creds, "w").close()
        listeners = '{ name = "sasl"; codec = "kafka"; address = "127.0.0.1:0"; sasl = true; }'
        auth = ('auth = ( { plugin = "scram"; credentials = "%s"; }, { plugin = "acl"; file = "%s"; } );'
                % (self.creds, self.acl))
        self.broker = Broker(self.dir, extra=auth, listeners=listeners).start()
        self.addCleanup(self.broker.stop, signal.SIGKILL)

    def ctl(self, *args, input=None, rc=0):
        r = brookctl(self.broker.address, *args, input=input)
        self.assertEqual(r.returncode, rc, r.stderr.decode() + r.stdout.decode())
        return r

    def login(self, user, password, mechanism="SCRAM-SHA-512"):
        r = subprocess.run(["kcat", "-b", "127.0.0.1:%d" % self.broker.ports["sasl"], "-L", "-m", "5",
                            "-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanisms=" + mechanism,
                            "-X", "sasl.username=" + user, "-X", "sasl.password=" + password],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        return r.returncode == 0

    def test_acls(self):
        self.ctl("acls", "add", "--allow", "--principal", "User:alice", "--operation", "WRITE", "--topic", "orders")
        self.ctl("acls", "add", "--deny", "--principal", "User:bob", "--operation", "read", "--topic", "logs-",
                 "--prefixed", "--host", "10.0.0.7")
        lines = self.ctl("acls", "list").stdout.decode().splitlines()
        self.assertEqual(lines[0].split(), ["PERMISSION", "PRINCIPAL", "HOST", "OPERATION", "RESOURCE", "PATTERN",
                                            "NAME"])
        rows = [line.split() for line in lines[1:]]
        self.assertEqual(rows, sorted(rows))  # sorted
        self.assertIn(["deny", "User:bob", "10.0.0.7", "READ", "topic", "prefixed", "logs-"], rows)
        as_json = json.loads(self.ctl("--output", "json", "acls", "list", "--principal", "User:alice").stdout)
        self.assertEqual(as_json, {"acls": [{"resource_type": "topic", "resource_name": "orders",
                                             "pattern": "literal", "principal": "User:alice", "host": "*",
                                             "operation": "WRITE", "permission": "allow"}]})
        # a transactional id's rule, as Kafka's TransactionalId resource
        self.ctl("acls", "add", "--allow", "--principal", "User:etl", "--operation", "WRITE", "--transactional-id",
                 "etl-", "--prefixed")
        txn = self.ctl("acls", "list", "--transactional-id", "etl-", "--prefixed").stdout.decode().splitlines()
        self.assertEqual(txn[1].split(), ["allow", "User:etl", "*", "WRITE", "transactional_id", "prefixed", "etl-"])
        with open(self.acl) as f:
            self.assertIn("transactional_id prefixed etl-", f.read())
        self.ctl("acls", "remove", "--principal", "User:etl")
        applying = self.ctl("acls", "list", "--topic", "logs-app", "--match", "logs-app").stdout.decode()
        self.assertIn("logs-", applying)
        self.assertNotIn("orders", applying)
        r = self.ctl("acls", "remove", rc=2)  # every rule: refused without --all
        self.assertIn("--all", r.stderr.decode())
        removed = self.ctl("acls", "remove", "--principal", "User:bob").stdout.decode().splitlines()
        self.assertEqual(len(removed), 2)  # the header and bob's rule
        with open(self.acl) as f:
            self.assertNotIn("User:bob", f.read())
        r = self.ctl("acls", "add", "--allow", "--principal", "alice", "--operation", "READ", "--topic", "t", rc=1)
        self.assertIn("User:alice", r.stderr.decode())
        r = self.ctl("acls", "add", "--allow", "--principal", "User:a", "--operation", "FROB", "--topic", "t", rc=1)
        self.assertIn("\"operation\" is READ, WRITE", r.stderr.decode())  # the broker's native codec says which
        r = self.ctl("acls", "list", "--match", "x", "--prefixed", rc=2)  # --match picks by name itself
        with open(self.acl) as f:
            self.assertNotIn("User:a ", f.read())  # nothing half-written

    def test_users_over_the_protocol(self):
        self.ctl("users", "add", "carol", input=b"first-pw\n")
        self.assertTrue(self.login("carol", "first-pw"))
        self.assertTrue(self.login("carol", "first-pw", "SCRAM-SHA-256"))
        r = self.ctl("users", "add", "carol", input=b"other\n", rc=1)
        self.assertIn("users set carol", r.stderr.decode())
        self.assertTrue(self.login("carol", "first-pw"))  # untouched
        self.ctl("users", "set", "carol", input=b"second-pw\n")
        self.assertFalse(self.login("carol", "first-pw"))
        self.assertTrue(self.login("carol", "second-pw"))
        listing = self.ctl("users", "list").stdout.decode().splitlines()
        self.assertEqual([line.split() for line in listing],
                         [["USER", "MECHANISM", "ITERATIONS"], ["carol", "SCRAM-SHA-256", "4096"],
                          ["carol", "SCRAM-SHA-512", "4096"]])
        with open(self.creds) as f:
            self.assertNotIn("second-pw", f.read())
        self.ctl("users", "delete", "carol")
        self.assertFalse(self.login("carol", "second-pw"))
        self.ctl("users", "delete", "carol", rc=1)
        self.ctl("users", "set", "dave", input=b"x\n", rc=1)  # set does not create

    def test_malformed_native_requests_get_clear_errors(self):
        n = Native(self.broker.port)
        self.addCleanup(n.close)
        cases = [
            ({"op": "alter_users", "set": [{"user": "x", "mechanism": "SCRAM-SHA-999"}]}, "SCRAM-SHA-256 or SCRAM-SHA-512"),
            ({"op": "alter_users", "set": "nope"}, "arrays of at most 64"),
            ({"op": "alter_users", "set": [{"user": "x", "mechanism": "SCRAM-SHA-256", "iterations": 4096,
                                            "salt": b"s"}]}, "salted_password"),
            ({"op": "create_acl", "permission": "allow", "principal": "User:a", "operation": "READ"},
             "resource_type, operation and permission"),
            ({"op": "describe_acls", "pattern": "sideways"}, "literal, prefixed or match"),
            ({"op": "elect_leaders", "type": "sideways"}, "\"preferred\" or \"unclean\""),
            ({"op": "elect_leaders", "topics": [{"topic": "t", "partitions": [-1]}]}, "partition numbers"),
            ({"op": "elect_leaders", "topics": {"t": 0}}, "nil (every partition) or an array"),
            ({"op": "alter_reassignments", "topics": [{"topic": "t", "partitions": [{"partition": 0,
                                                                                     "replicas": [-1]}]}]},
             "replicas: [broker ids] or nil"),
            ({"op": "alter_reassignments", "topics": [{"topic": "t", "partitions": [{"replicas": [1]}]}]},
             "{partition, replicas"),
            ({"op": "alter_reassignments", "topics": [{"topic": "t", "partitions": [
                {"partition": 0, "replicas": list(range(1025))}]}]}, "replicas: [broker ids] or nil"),
            ({"op": "alter_reassignments"}, "\"topics\" must be an array"),
            ({"op": "list_reassignments", "topics": [{"topic": "t", "partitions": ["0"]}]}, "partition numbers"),
            ({"op": "list_reassignments", "topics": 3}, "nil (every reassignment) or an array"),
        ]
        for fields, message in cases:
            op = fields.pop("op")
            r = n.call(op, **fields)
            self.assertEqual(r["error"], 2, (op, r))
            self.assertIn(message, r["message"])
        with open(self.creds) as f:
            self.assertEqual(f.read(), "")  # nothing was written

    def test_a_single_broker_needs_no_election(self):
        # it leads every partition: brookctl says so and succeeds
        self.ctl("topics", "create", "solo", "--partitions", "2")
        r = self.ctl("cluster", "elect", "solo")
        self.assertEqual(r.stdout.decode(), "partition solo-0\tnot needed: the partition already has that leader\n"
                                            "partition solo-1\tnot needed: the partition already has that leader\n")
        self.assertEqual(self.ctl("cluster", "elect").stdout, b"")  # every partition: none needed one
        r = self.ctl("cluster", "elect", "--unclean", "solo:3", rc=1)
        self.assertEqual(r.stdout.decode(), "partition solo-3\tfailed: not found\n")
        self.ctl("cluster", "elect", "nope", rc=1)  # an unknown topic

    def test_a_single_broker_keeps_its_partitions(self):
        # the only broker holds every partition's only replica: it can stay there, nothing else
        self.ctl("topics", "create", "solo")
        self.assertEqual(self.ctl("cluster", "reassign", "solo:0=0").stdout, b"partition solo-0\treassigning\n")
        r = self.ctl("cluster", "reassign", "solo:0=0,1", rc=1)
        self.assertEqual(r.stdout.decode(), "partition solo-0\tfailed: a single broker holds the only replica of "
                                            "every partition\n")
        r = self.ctl("cluster", "reassign", "--cancel", "solo:0", rc=1)
        self.assertEqual(r.stdout.decode(), "partition solo-0\tfailed: no reassignment in progress\n")
        self.assertEqual(self.ctl("cluster", "reassignments").stdout, b"")
        self.assertEqual(self.ctl("cluster", "reassignments", "solo").stdout, b"")
        self.ctl("cluster", "reassignments", "nope", rc=1)  # an unknown topic
        self.ctl("cluster", "reassign", "solo", rc=2)

    def test_version(self):
        r = subprocess.run([BROOKCTL, "--version"], stdout=subprocess.PIPE, timeout=10)
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout.decode(), r"^brookctl \d+\.\d+\.\d+ .*ABI 2\.\d+")


if __name__ == "__main__":
    unittest.main()
