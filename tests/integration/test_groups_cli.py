"""Consumer groups through the native protocol and brookctl: consume
--group resumes where it committed, groups list / describe / delete /
reset-offsets, and the refusals (unknown group, a group with members,
bad usage)."""
import json
import struct
import time
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

    def offset_rows(self, group="g"):
        """describe's offsets table: (topic, partition, committed, log end, lag)."""
        return [(t, int(p), int(c), int(e), int(lag)) for t, p, c, e, lag, _member in self.table(group)]

    def table(self, group="g"):
        """The rows under describe's TOPIC header, split into cells."""
        lines = self.ctl("groups", "describe", group).stdout.decode().splitlines()
        start = next(i for i, l in enumerate(lines) if l.startswith("TOPIC "))
        return [l.split() for l in lines[start + 1:]]

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

        listing = self.ctl("groups", "list").stdout.decode().splitlines()
        self.assertEqual(listing[0].split(), ["GROUP", "STATE", "PROTOCOL-TYPE"])
        self.assertIn(["g", "Empty", "-"], [l.split() for l in listing[1:]])
        desc = self.ctl("groups", "describe", "g").stdout.decode()
        self.assertIn("group g: Empty", desc)
        offsets = self.offset_rows()
        self.assertEqual(len(offsets), 2)
        self.assertEqual(sum(committed for _, _, committed, _, _ in offsets), 15)

        out = self.ctl("groups", "reset-offsets", "g", "--topic", "t", "--to-earliest").stdout.decode()
        self.assertEqual([l.split() for l in out.splitlines()],
                         [["TOPIC", "PARTITION", "CURRENT", "NEW"], ["t", "0", "8", "0"], ["t", "1", "7", "0"]])
        self.assertEqual(self.consume(), sorted(first + second))
        self.ctl("groups", "reset-offsets", "g", "--topic", "t", "--to-offset", "3")
        self.assertEqual(len(self.consume()), 15 - 6)
        self.ctl("groups", "reset-offsets", "g", "--topic", "t", "--to-latest")
        self.assertEqual(self.consume(), [])

        self.assertIn("deleted group g", self.ctl("groups", "delete", "g").stdout.decode())
        self.assertNotIn("\ng ", self.ctl("groups", "list").stdout.decode())
        r = self.ctl("groups", "describe", "g", check=False)  # gone: an unknown group is an error
        self.assertEqual(r.returncode, 1)
        self.assertIn('no group "g"', r.stderr.decode())
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
        self.ctl("consume", "t", "--group", "only-t", "--from-beginning")
        self.assertIn("t", [row[0] for row in self.table()])
        self.assertIn("only-t", self.ctl("groups", "list").stdout.decode())
        self.ctl("topics", "delete", "t")
        self.assertEqual(self.offset_rows(), [("u", 0, 1, 1, 0)])  # other topics' offsets stay
        # an empty group left with no offsets is gone, as Kafka's (it was
        # listed as Empty until the next restart)
        self.assertNotIn("only-t", self.ctl("groups", "list").stdout.decode())
        r = self.ctl("groups", "describe", "only-t", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn('no group "only-t"', r.stderr.decode())

    def test_groups_with_members_and_bad_usage_are_refused(self):
        self.ctl("topics", "create", "t", "--partitions", "2")
        c = kw.Conn(self.broker.kafka_port)
        self.addCleanup(c.close)
        join = kw.string("busy") + struct.pack(">i", 10000) + kw.string("") + kw.string("consumer") + kw.array(
            [kw.string("range") + kw.nbytes(b"\x00\x00\x00\x00\x00\x01\x00\x01t\x00\x00\x00\x00")])
        self.assertEqual(struct.unpack_from(">h", c.call(11, 0, join), 0)[0], 0)
        desc = self.ctl("groups", "describe", "busy").stdout.decode()
        self.assertIn("group busy: CompletingRebalance", desc)
        self.assertRegex(desc, r"\nraw-\S+ +- +raw ")  # member id (from the client id), no instance id, client id
        r = self.ctl("groups", "delete", "busy", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("group is not empty", r.stderr.decode())
        r = self.ctl("groups", "reset-offsets", "busy", "--topic", "t", "--to-earliest", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("1 active member(s)", r.stderr.decode())
        self.assertIn("stop its consumers first", r.stderr.decode())
        for args in (["groups"], ["groups", "describe"], ["groups", "frobnicate", "x"],
                     ["groups", "reset-offsets", "g", "--to-earliest"],
                     ["groups", "reset-offsets", "g", "--topic", "t", "--to-earliest", "--to-latest"]):
            r = self.ctl(*args, check=False)
            self.assertEqual(r.returncode, 2, args)
        r = self.ctl("groups", "reset-offsets", "g", "--topic", "nosuch", "--to-earliest", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("unknown topic", r.stderr.decode())

    def test_describe_a_live_consumer_group(self):
        from confluent_kafka import Consumer, Producer
        self.ctl("topics", "create", "t", "--partitions", "2")
        p = Producer({"bootstrap.servers": "127.0.0.1:%d" % self.broker.kafka_port})
        for i in range(6):
            p.produce("t", b"v%d" % i, partition=i % 2)
        p.flush(10)
        c = Consumer({"bootstrap.servers": "127.0.0.1:%d" % self.broker.kafka_port, "group.id": "live",
                      "client.id": "reporter", "auto.offset.reset": "earliest", "enable.auto.commit": False})
        try:
            c.subscribe(["t"])
            got, deadline = 0, time.time() + 30
            while got < 6 and time.time() < deadline:
                m = c.poll(0.2)
                got += m is not None and not m.error()
            c.commit(asynchronous=False)
            desc = self.ctl("groups", "describe", "live").stdout.decode()
            doc = json.loads(self.ctl("--output", "json", "groups", "describe", "live").stdout)
            table = self.table("live")
        finally:
            c.close()  # before the broker stops
        self.assertIn("group live: Stable, protocol range (consumer), 1 member(s)", desc)
        self.assertRegex(desc, r"\nreporter-\S+ +- +reporter +/?127\.0\.0\.1 +t-0,t-1\n")
        self.assertEqual(table, [["t", "0", "3", "3", "0", "reporter"], ["t", "1", "3", "3", "0", "reporter"]])
        self.assertEqual(doc["state"], "Stable")
        self.assertEqual(doc["members"][0]["client_id"], "reporter")
        self.assertEqual(doc["members"][0]["assignment"], [{"topic": "t", "partition": 0},
                                                           {"topic": "t", "partition": 1}])
        self.assertEqual(doc["offsets"][1], {"topic": "t", "partition": 1, "committed": 3, "log_end": 3, "lag": 0,
                                             "member": "reporter"})
        r = self.ctl("groups", "describe", "nobody", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn('no group "nobody"', r.stderr.decode())

    def test_reset_by_time_shift_selection_and_dry_run(self):
        self.ctl("topics", "create", "t", "--partitions", "2")
        conn = kw.Conn(self.broker.kafka_port)
        self.addCleanup(conn.close)
        for partition in (0, 1):  # offsets 0-9 at 1700000000000 + offset seconds
            for i in range(10):
                batch = kw.batch([b"x"], timestamp=1700000000000 + i * 1000)
                conn.call(0, 3, kw.produce_v3("t", partition, batch))
        self.ctl("groups", "reset-offsets", "g", "--topic", "t", "--to-offset", "5")

        def plan(*args):
            out = self.ctl("groups", "reset-offsets", "g", "--topic", "t", *args).stdout.decode().splitlines()
            return [l.split() for l in out[1:] if not l.startswith("(")], out

        rows, out = plan("--to-datetime", "2023-11-14T22:13:23Z", "--dry-run")  # 1700000003000
        self.assertEqual(rows, [["t", "0", "5", "3"], ["t", "1", "5", "3"]])
        self.assertEqual(out[-1], "(dry run: nothing committed)")
        self.assertEqual([r[2] for r in self.offset_rows()], [5, 5])  # unchanged
        rows, _ = plan("--to-datetime", "2023-11-14T23:13:23+01:00", "--partitions", "1")  # the same instant
        self.assertEqual(rows, [["t", "1", "5", "3"]])
        self.assertEqual([r[2] for r in self.offset_rows()], [5, 3])
        rows, _ = plan("--shift-by", "-2")
        self.assertEqual(rows, [["t", "0", "5", "3"], ["t", "1", "3", "1"]])
        rows, _ = plan("--shift-by", "100")  # within the log: its end
        self.assertEqual(rows, [["t", "0", "3", "10"], ["t", "1", "1", "10"]])
        rows, _ = plan("--to-datetime", "1900000000000")  # after every record: the end
        self.assertEqual([r[3] for r in rows], ["10", "10"])
        for bad in (["--to-datetime", "2023-11-14T22:13:23"], ["--partitions", "0,x", "--to-earliest"]):
            self.assertEqual(self.ctl("groups", "reset-offsets", "g", "--topic", "t", *bad, check=False).returncode, 2)
        r = self.ctl("groups", "reset-offsets", "g", "--topic", "t", "--partitions", "7", "--to-earliest",
                     check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("no partition 7", r.stderr.decode())


if __name__ == "__main__":
    unittest.main()
