"""auth-acl with real clients: principals from client certificates (mutual
TLS), a user allowed on one topic and refused on another with
TOPIC_AUTHORIZATION_FAILED, Metadata hiding the topics a principal may not
describe, GROUP_AUTHORIZATION_FAILED for a group without a rule, and the
rules reloaded on SIGHUP (a broken file keeps the rules in force)."""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from brooktest import Broker, brookctl
import kafkawire as kw
from test_tls import STORAGE, CertsTestCase, tls_listener

try:
    from confluent_kafka import Consumer, KafkaError
except ImportError:
    raise unittest.SkipTest("python3-confluent-kafka is not installed")

ALICE = "User:CN=alice,O=brook-test"
RULES = """
# brookctl on the native listener (anonymous) sets the stage
allow User:ANONYMOUS * ALL topic literal *
allow User:ANONYMOUS * ALL cluster literal kafka-cluster
# alice: everything on "open-*", reading through group "readers", nothing on "closed"
allow %(alice)s * ALL topic prefixed open-
allow %(alice)s * READ group literal readers
allow %(alice)s * DESCRIBE cluster literal kafka-cluster
""" % {"alice": ALICE}


class Acl(CertsTestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="brook-acl-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.acl = os.path.join(self.dir, "acl")
        self.write_rules(RULES)
        auth = 'auth = ( { plugin = "acl"; file = "%s"; super_users = "User:CN=admin,O=brook-test"; } );' % self.acl
        self.broker = Broker(self.dir, storage=STORAGE, extra=auth, listeners=tls_listener(self.certs)).start()
        self.addCleanup(self.broker.stop, signal.SIGKILL)
        self.port = self.broker.ports["kafkatls"]
        for topic in ("open-a", "closed"):
            self.assertEqual(brookctl(self.broker.address, "topics", "create", topic).returncode, 0)

    def write_rules(self, text):
        with open(self.acl, "w") as f:
            f.write(text)

    def kcat(self, *args, input=None):
        c = self.certs
        return subprocess.run(["kcat", "-b", "127.0.0.1:%d" % self.port, "-X", "security.protocol=SSL",
                               "-X", "ssl.ca.location=%s/ca.pem" % c, "-X", "ssl.certificate.location=%s/client.pem" % c,
                               "-X", "ssl.key.location=%s/client.key" % c] + list(args), input=input,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)

    def test_topics_metadata_groups_and_reload(self):
        r = self.kcat("-P", "-t", "open-a", input=b"hello\n")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        r = self.kcat("-P", "-t", "closed", input=b"nope\n")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("Topic authorization failed", r.stderr.decode())
        # named, not numbered (kcat asks Metadata first: DESCRIBE)
        self.assertRegex(self.broker.log(), r'denied %s (DESCRIBE|WRITE) on topic "closed" from 127\.0\.0\.1:\d+ \(auth-acl\)'
                         % re.escape(ALICE))
        listing = self.kcat("-L").stdout.decode()
        self.assertIn('topic "open-a"', listing)
        self.assertNotIn('topic "closed"', listing)  # Metadata hides what alice may not describe

        conf = {"bootstrap.servers": "127.0.0.1:%d" % self.port, "security.protocol": "SSL",
                "ssl.ca.location": self.certs + "/ca.pem", "ssl.certificate.location": self.certs + "/client.pem",
                "ssl.key.location": self.certs + "/client.key", "auto.offset.reset": "earliest"}
        outsider = Consumer(dict(conf, **{"group.id": "strangers"}))
        self.addCleanup(outsider.close)
        outsider.subscribe(["open-a"])
        codes, deadline = set(), time.time() + 20
        while KafkaError.GROUP_AUTHORIZATION_FAILED not in codes and time.time() < deadline:
            m = outsider.poll(0.3)
            if m is not None and m.error():
                codes.add(m.error().code())
        self.assertIn(KafkaError.GROUP_AUTHORIZATION_FAILED, codes)
        reader = Consumer(dict(conf, **{"group.id": "readers"}))
        self.addCleanup(reader.close)
        reader.subscribe(["open-a"])
        got, deadline = None, time.time() + 30
        while got is None and time.time() < deadline:
            m = reader.poll(0.3)
            if m is not None and not m.error():
                got = m.value()
        self.assertEqual(got, b"hello")

        # a broken file on SIGHUP keeps the rules in force
        self.write_rules("allow everything please\n")
        self.broker.proc.send_signal(signal.SIGHUP)
        self.wait_log("the 5 rule(s) in force stay")
        self.assertEqual(self.kcat("-P", "-t", "open-a", input=b"still\n").returncode, 0)
        # a good one takes effect
        self.write_rules(RULES + "allow %s * WRITE topic literal closed\n" % ALICE)
        self.broker.proc.send_signal(signal.SIGHUP)
        self.wait_log("reloaded 6 ACL rule(s)")
        r = self.kcat("-P", "-t", "closed", input=b"now\n")
        self.assertEqual(r.returncode, 0, r.stderr.decode())

    def wait_log(self, text, seconds=10):
        deadline = time.time() + seconds
        while text not in self.broker.log() and time.time() < deadline:
            time.sleep(0.05)
        self.assertIn(text, self.broker.log())


class GroupDenials(unittest.TestCase):
    """Kafka's error codes when the group, not a topic, is what is refused,
    checked below the client libraries with hand-made frames."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="brook-acl-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        acl = os.path.join(self.dir, "acl")
        with open(acl, "w") as f:
            f.write("allow User:ANONYMOUS * ALL topic literal *\n"
                    "allow User:ANONYMOUS * ALL cluster literal kafka-cluster\n"
                    "allow User:ANONYMOUS * ALL group literal readers\n")
        auth = 'auth = ( { plugin = "acl"; file = "%s"; } );' % acl
        self.broker = Broker(self.dir, extra=auth).start()
        self.addCleanup(self.broker.stop, signal.SIGKILL)
        self.assertEqual(brookctl(self.broker.address, "topics", "create", "t").returncode, 0)
        self.conn = kw.Conn(self.broker.kafka_port)
        self.addCleanup(self.conn.close)

    def commit_v2(self, group):
        data = self.conn.call(8, 2, kw.offset_commit_v2(group, "t", 0, 5, b"meta"))
        return kw.topic_rows(data, 0, ">ih")  # [(topic, partition, error)]

    def fetch_v1(self, group):
        rows = kw.parse_offset_fetch_v1(self.conn.call(9, 1, kw.offset_fetch_v1(group, "t", 0)))
        return [(part, offset, err) for part, offset, _meta, err in rows]

    def test_offset_commit_and_fetch_for_a_refused_group_say_group_authorization_failed(self):
        self.assertEqual(self.commit_v2("readers"), [("t", 0, 0)])
        self.assertEqual(self.fetch_v1("readers"), [(0, 5, 0)])
        self.assertEqual(self.commit_v2("strangers"), [("t", 0, 30)])  # GROUP_, not TOPIC_AUTHORIZATION_FAILED
        self.assertEqual(self.fetch_v1("strangers"), [(0, -1, 30)])  # v1 has no top-level error: on each partition


if __name__ == "__main__":
    unittest.main()
