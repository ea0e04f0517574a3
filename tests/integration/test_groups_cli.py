"""Consumer groups through the native protocol and brookctl: consume
--group resumes where it committed, groups list / describe / delete /
reset-offsets, and the refusals (unknown group, a group with members,
bad usage)."""
import struct
import unittest

from brooktest import BrokerTestCase
import kafkawire as kw


class GroupsCli(BrokerTestCase):
    extra = 'groups = { initial_rebalance_delay_ms = 0; };'

    def produce(self, lines):
        """Alternate lines over partitions 0 and 1."""
        for p in (0, 1):
            self.ctl("produce", "t", "--partition", str(p), input=b"".join(b"%s\n" % l for l in lines[p::2]))

    def consume(self, *args):
        return sorted(self.ctl("consume", "t", "--group", "g", *args).stdout.split())

    def offset_rows(self):
        """describe's rows: (topic, partition, committed, log end, lag)."""
        desc = self.ctl("groups", "describe", "g").stdout.decode()
        rows = [l.split("\t")[1:] for l in desc.splitlines() if l.startswith("offset\t")]
        return sorted((t, int(p), int(c), int(e), int(lag)) for t, p, c, e, lag in rows)

    def test_describe_shows_log_end_and_lag(self):
        self.ctl("topics", "create", "t", "--partitions", "2")
        self.produce([b"r%d" % i for i in range(6)])
        self.assertEqual(len(self.consume("--from-beginning")), 6)  # a new group starts at the end otherwise
        self.assertEqual(self.offset_rows(), [("t", 0, 3, 3, 0), ("t", 1, 3, 3, 0)])
        self.produce([b"late%d" % i for i in range(5)])
        self.assertEqual(self.offset_rows(), [("t", 0, 3, 6, 3), ("t", 1, 3, 5, 2)])
        self.assertEqual(len(self.consume()), 5)
        self.assertEqual(self.offset_rows(), [("t", 0, 6, 6, 0), ("t", 1, 5, 5, 0)])

    def test_consume_resumes_and_groups_are_managed(self):
        self.ctl("topics", "create", "t", "--partitions", "2")
        first = [b"a%d" % i for i in range(10)]
        self.produce(first)
        self.assertEqual(self.consume("--from-beginning"), sorted(first))
        second = [b"b%d" % i for i in range(5)]
        self.produce(second)
        self.assertEqual(self.consume(), sorted(second))  # only what came after the commit
        self.assertEqual(self.consume(), [])

        self.assertIn("g\tEmpty\t", self.ctl("groups", "list").stdout.decode())
        desc = self.ctl("groups", "describe", "g").stdout.decode()
        self.assertIn("group g: Empty", desc)
        offsets = sorted(l for l in desc.splitlines() if l.startswith("offset\t"))
        self.assertEqual(len(offsets), 2)
        self.assertEqual(sum(int(l.split("\t")[3]) for l in offsets), 15)

        out = self.ctl("groups", "reset-offsets", "g", "--topic", "t", "--to-earliest").stdout.decode()
        self.assertEqual(out, "t\t0\t0\nt\t1\t0\n")
        self.assertEqual(self.consume(), sorted(first + second))
        self.ctl("groups", "reset-offsets", "g", "--topic", "t", "--to-offset", "3")
        self.assertEqual(len(self.consume()), 15 - 6)
        self.ctl("groups", "reset-offsets", "g", "--topic", "t", "--to-latest")
        self.assertEqual(self.consume(), [])

        self.assertIn("deleted group g", self.ctl("groups", "delete", "g").stdout.decode())
        self.assertNotIn("g\t", self.ctl("groups", "list").stdout.decode())
        r = self.ctl("groups", "delete", "g", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("not found", r.stderr.decode())

    def test_deleting_a_topic_removes_its_committed_offsets(self):
        self.ctl("topics", "create", "t", "--partitions", "2")
        self.ctl("topics", "create", "u", "--partitions", "1")
        self.produce([b"x", b"y"])
        self.consume("--from-beginning")
        self.ctl("produce", "u", input=b"z\n")
        self.ctl("consume", "u", "--group", "g", "--from-beginning")
        before = self.ctl("groups", "describe", "g").stdout.decode()
        self.assertIn("offset\tt\t", before)
        self.ctl("topics", "delete", "t")
        after = self.ctl("groups", "describe", "g").stdout.decode()
        self.assertNotIn("offset\tt\t", after)
        self.assertIn("offset\tu\t0\t1", after)  # other topics' offsets stay

    def test_groups_with_members_and_bad_usage_are_refused(self):
        self.ctl("topics", "create", "t", "--partitions", "2")
        c = kw.Conn(self.broker.kafka_port)
        self.addCleanup(c.close)
        join = kw.string("busy") + struct.pack(">i", 10000) + kw.string("") + kw.string("consumer") + kw.array(
            [kw.string("range") + kw.nbytes(b"\x00\x00\x00\x00\x00\x01\x00\x01t\x00\x00\x00\x00")])
        self.assertEqual(struct.unpack_from(">h", c.call(11, 0, join), 0)[0], 0)
        desc = self.ctl("groups", "describe", "busy").stdout.decode()
        self.assertIn("group busy: CompletingRebalance", desc)
        self.assertIn("member\traw-", desc)  # the member id starts with the client id
        r = self.ctl("groups", "delete", "busy", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("group is not empty", r.stderr.decode())
        r = self.ctl("groups", "reset-offsets", "busy", "--topic", "t", "--to-earliest", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("unknown group member", r.stderr.decode())
        for args in (["groups"], ["groups", "describe"], ["groups", "frobnicate", "x"],
                     ["groups", "reset-offsets", "g", "--to-earliest"],
                     ["groups", "reset-offsets", "g", "--topic", "t", "--to-earliest", "--to-latest"]):
            r = self.ctl(*args, check=False)
            self.assertEqual(r.returncode, 2, args)
        r = self.ctl("groups", "reset-offsets", "g", "--topic", "nosuch", "--to-earliest", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("unknown topic", r.stderr.decode())


if __name__ == "__main__":
    unittest.main()
