"""Sarama, the most used Go client (Debian's golang-github-shopify-sarama-dev
1.22, built from source by the test: tests/clients/sarama/main.go), against
a real brookd: ClusterAdmin creates (with a config, and again), lists,
grows, alters, describes and deletes a topic; an idempotent acks=all
producer sends keyed binary records with headers, batched and compressed
with each codec sarama offers, and a consumer reads every one back at the
offset it was acknowledged at; a consumer group reads, commits (and
DeleteRecords drops what it read), and a second run of it resumes where
the first stopped."""
import base64
import json
import shutil
import subprocess
import tempfile
import unittest

from brooktest import BrokerTestCase
import saramatest
from saramatest import value


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
                ends = {str(p): 0 for p in range(3)}
                for p, o, _ in acked:
                    ends[str(p)] = max(ends[str(p)], o + 1)
                self.assertEqual(out["ends"], ends)

    def test_a_consumer_group_commits_and_resumes(self):
        self.ctl("topics", "create", "grp", "--partitions", "3")
        first = self.run_client("produce", "grp", "400", "lz4")["acked"]
        out = self.run_client("group", "grp", "readers", "400")
        self.check_read(out["read"], first)
        self.assertEqual(out["listed"], "consumer")
        ends = {}
        for p, o, _ in first:
            ends[str(p)] = max(ends.get(str(p), 0), o + 1)
        self.assertEqual(out["committed"], ends)
        self.assertEqual((out["state"], out["members"]), ("Empty", 0))
        self.assertEqual(out["logStarts"], ends)  # DeleteRecords up to what the group read
        # the second run reads only what came after (each producer run
        # numbers its records from 0: values repeat, offsets do not)
        more = self.run_client("produce", "grp", "100", "none")["acked"]
        out = self.run_client("group", "grp", "readers", "100")
        self.check_read(out["read"], more)


if __name__ == "__main__":
    unittest.main()
