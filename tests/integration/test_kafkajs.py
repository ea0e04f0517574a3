"""kafkajs (from npm, pinned in tests/integration/js/package-lock.json and
installed by `make deps`) against a real brookd: admin create (and a
duplicate create), metadata, acks=-1 produce of binary keyed messages,
an idempotent producer, offsets and offsets by timestamp, an unknown
topic, delete; the transactional producer (commit, abort, offsets sent
in a transaction) and read_committed and read_uncommitted consumers. kafkajs takes min(its max, broker max) per API and ignores
the broker's minimum, so it exercises the top of every advertised range."""
import json
import os
import subprocess
import unittest

from brooktest import BrokerTestCase

JS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")


class KafkaJs(BrokerTestCase):
    def node(self, script, *args):
        if not os.path.isdir(os.path.join(JS, "node_modules", "kafkajs")):
            self.fail("kafkajs is not installed: run `make deps` (npm ci in tests/integration/js)")
        r = subprocess.run(["node", os.path.join(JS, script)] + list(args), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        return json.loads(r.stdout)

    def test_admin_produce_offsets_delete(self):
        out = self.node("admin_produce.js", "127.0.0.1:%d" % self.broker.kafka_port, "js")
        self.assertTrue(out["created"])
        self.assertFalse(out["duplicateCreate"])  # TOPIC_ALREADY_EXISTS, reported as "not created"
        self.assertEqual(out["partitions"], [0, 1, 2])
        self.assertEqual(out["sentBaseOffsets"], [[0, 0], [1, 0], [2, 0]])
        # 100 plain per partition, then 3 idempotent sends of 10 per partition
        self.assertEqual(out["offsets"], [[0, 0, 130], [1, 0, 130], [2, 0, 130]])
        self.assertEqual(out["byTimestamp"], [[0, 0], [1, 0], [2, 0]])
        self.assertEqual(out["unknownTopic"], "KafkaJSNumberOfRetriesExceeded")
        self.assertEqual(out["afterDelete"], [])

    def test_transactions(self):
        out = self.node("transactions.js", "127.0.0.1:%d" % self.broker.kafka_port, "jstx", "js-etl")
        self.assertEqual(out["committed"], ["c0", "c1", "c2"])
        self.assertEqual(out["uncommitted"], ["a0", "a1", "c0", "c1", "c2"])
        self.assertEqual(out["groupOffsets"], [[0, 2], [1, -1]])


if __name__ == "__main__":
    unittest.main()
