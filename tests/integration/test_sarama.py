"""Sarama, the most used Go client (Debian's golang-github-shopify-sarama-dev
1.22, built from source by the test: tests/clients/sarama/main.go), against
a real brookd: ClusterAdmin creates (with a config, and again), lists,
grows, alters, describes and deletes a topic; an idempotent acks=all
producer sends keyed binary records with headers, batched and compressed
with each codec sarama offers, and a consumer reads every one back at the
offset it was acknowledged at; a consumer group reads, commits (and
DeleteRecords drops what it read), and a second run of it resumes where
the first stopped. Over TLS with SASL PLAIN: a user produces and consumes,
a wrong password and a topic the user may not write are refused."""
import base64
import json
import os
import shutil
import signal
import subprocess
import tempfile
import unittest

from brooktest import BROOKCTL, Broker, BrokerTestCase, brookctl
from test_tls import STORAGE, CertsTestCase
import saramatest
from saramatest import value


def log_ends(acked):
    """{partition: the offset after its last acknowledged record}, as main.go
    prints partitions (strings), for the partitions that got records."""
    ends = {}
    for p, o, _ in acked:
        ends[str(p)] = max(ends.get(str(p), 0), o + 1)
    return ends


class Sarama(BrokerTestCase):
    storage = 'storage = { plugin = "segment"; flush = "interval"; };'

    @classmethod
    def setUpClass(cls):
        cls.build_dir = tempfile.mkdtemp(prefix="brook-sarama-")
        cls.client = saramatest.build(cls.build_dir)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.build_dir, ignore_errors=True)

    def run_client(self, *args):
        r = subprocess.run([self.client, args[0], "127.0.0.1:%d" % self.broker.kafka_port] + list(args[1:]),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr.decode() + self.broker.log()[-3000:])
        return json.loads(r.stdout)

    def check_read(self, read, acked, first=0):
        """`read` holds record first+i at acked[i], whole, and nothing else."""
        at = {(r["partition"], r["offset"]): r for r in read}
        self.assertEqual(len(at), len(read), "a record read twice")
        self.assertEqual(sorted(at), sorted((p, o) for p, o, _ in acked))
        partition_of = {}
        for i, (p, o, _) in enumerate(acked, first):
            r = at[(p, o)]
            self.assertEqual((r["key"], base64.b64decode(r["value"]), r["header"]),
                             ("k%d" % (i % 7), value(i), str(i)), (p, o))
            self.assertEqual(partition_of.setdefault(r["key"], p), p)  # a key stays on one partition

    def test_admin(self):
        out = self.run_client("admin", "adm")
        self.assertEqual((out["create"], out["createAgain"]), ("", "kafka server: Topic with this name already exists."))
        self.assertEqual(out["listed"], 2)
        self.assertEqual((out["createPartitions"], out["partitions"]), ("", [0, 1, 2]))
        self.assertEqual(out["alterConfig"], "")
        self.assertEqual(out["configs"], {"retention.ms": "3600000", "segment.bytes": "1048576"})
        self.assertEqual(out["brokers"], 1)
        self.assertEqual(out["delete"], "")
        self.assertEqual(out["deleteAgain"],
                         "kafka server: Request was for a topic or partition that does not exist on this broker.")

    def test_idempotent_producer_with_each_codec_and_a_consumer(self):
        for codec in ("none", "gzip", "snappy", "lz4", "zstd"):
            with self.subTest(codec=codec):
                topic = "s-" + codec
                self.ctl("topics", "create", topic, "--partitions", "3")
                acked = self.run_client("produce", topic, "600", codec)["acked"]
                self.assertEqual({p for p, _, _ in acked}, {0, 1, 2})
                out = self.run_client("consume", topic, "600")
                self.check_read(out["read"], acked)
                self.assertEqual(out["ends"], log_ends(acked))  # (every partition has records: above)

    def test_a_consumer_group_commits_and_resumes(self):
        self.ctl("topics", "create", "grp", "--partitions", "3")
        first = self.run_client("produce", "grp", "400", "lz4")["acked"]
        out = self.run_client("group", "grp", "readers", "400")
        self.check_read(out["read"], first)
        self.assertEqual(out["listed"], "consumer")
        ends = log_ends(first)
        self.assertEqual(out["committed"], ends)
        self.assertEqual((out["state"], out["members"]), ("Empty", 0))
        self.assertEqual(out["logStarts"], ends)  # DeleteRecords up to what the group read
        # the second run reads only what came after (each producer run
        # numbers its records from 0: values repeat, offsets do not)
        more = self.run_client("produce", "grp", "100", "none")["acked"]
        out = self.run_client("group", "grp", "readers", "100")
        self.check_read(out["read"], more)


class SaramaOverSaslSsl(CertsTestCase):
    RULES = ("allow User:ANONYMOUS * ALL topic literal *\n"  # brookctl, on the native listener
             "allow User:alice * ALL topic literal *\n"
             "allow User:alice * ALL group literal *\n"
             "allow User:alice * ALL cluster literal kafka-cluster\n"
             "allow User:bob * READ topic literal orders\n")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.build_dir = tempfile.mkdtemp(prefix="brook-sarama-")
        cls.client = saramatest.build(cls.build_dir)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.build_dir, ignore_errors=True)
        super().tearDownClass()

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="brook-sarama-sasl-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        creds, acl = os.path.join(self.dir, "credentials"), os.path.join(self.dir, "acl")
        for user, password in (("alice", "s3cret"), ("bob", "hunter2")):
            subprocess.run([BROOKCTL, "users", "add", user, "--file", creds, "--password", password], check=True,
                           stdout=subprocess.DEVNULL, timeout=30)
        with open(acl, "w") as f:
            f.write(self.RULES)
        listener = ('{ name = "saslssl"; codec = "kafka"; address = "127.0.0.1:0"; sasl = true; '
                    'tls = { cert = "%s/server.pem"; key = "%s/server.key"; }; }' % (self.certs, self.certs))
        auth = 'auth = ( { plugin = "plain"; credentials = "%s"; }, { plugin = "acl"; file = "%s"; } );' % (creds, acl)
        self.broker = Broker(self.dir, storage=STORAGE, extra=auth, listeners=listener).start()
        self.addCleanup(self.broker.stop, signal.SIGKILL)
        self.assertEqual(brookctl(self.broker.address, "topics", "create", "orders").returncode, 0)

    def run_client(self, user, password, *args):
        env = dict(os.environ, SARAMA_TLS_CA=os.path.join(self.certs, "ca.pem"), SARAMA_SASL_USER=user,
                   SARAMA_SASL_PASSWORD=password)
        return subprocess.run([self.client, args[0], "127.0.0.1:%d" % self.broker.ports["saslssl"]] + list(args[1:]),
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)

    def test_a_user_produces_and_consumes_and_refusals_are_told(self):
        r = self.run_client("alice", "s3cret", "produce", "orders", "50", "snappy")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        acked = json.loads(r.stdout)["acked"]
        r = self.run_client("alice", "s3cret", "consume", "orders", "50")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        read = json.loads(r.stdout)["read"]
        self.assertEqual([(x["offset"], x["header"]) for x in read], [(o, str(i)) for i, (_, o, _) in enumerate(acked)])
        self.assertIn("authenticated as User:alice", self.broker.log())
        r = self.run_client("alice", "wrong", "consume", "orders", "1")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("SASL Authentication failed", r.stderr.decode())
        self.assertNotIn("wrong", self.broker.log())  # never a password in the log
        r = self.run_client("bob", "hunter2", "produce", "orders", "1", "none")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("not authorized", r.stderr.decode())


if __name__ == "__main__":
    unittest.main()
