"""Client quotas (Kafka's, KIP-13/55; admin by KIP-546's DescribeClientQuotas
and AlterClientQuotas, sent by hand: no Debian client has them yet).
A producer whose client id has a producer_byte_rate takes as long as the
rate says and hears the throttle (confluent-kafka's throttle_cb), while
another client on the same broker goes at full speed; a consumer with a
consumer_byte_rate reads every record, at the rate. Rules are described
with Kafka's filters (exact, default, any; strict), refused by name when
Brook does not apply them (ip, request_percentage, a rate below 1, a type
twice), kept across a restart (a single broker's file) and, in a
cluster, set through any broker and enforced by every one."""
import os
import re
import struct
import time
import unittest
import urllib.request

import kafkawire as kw
from brooktest import BrokerTestCase, brookctl
from clustertest import NS, ClusterTestCase

try:
    from confluent_kafka import Consumer, Producer
except ImportError:  # pragma: no cover
    Producer = None

INVALID_REQUEST = 42
EXACT, DEFAULT, ANY = 0, 1, 2
STORAGE = 'storage = { plugin = "segment"; flush = "interval"; flush_ms = 100; };'


def alter(port, entries, validate_only=False):
    conn = kw.Conn(port)
    try:
        return kw.parse_alter_client_quotas_v0(conn.call(49, 0, kw.alter_client_quotas_v0(entries, validate_only)))
    finally:
        conn.close()


def describe(port, components=(), strict=False):
    conn = kw.Conn(port)
    try:
        err, message, entries = kw.parse_describe_client_quotas_v0(
            conn.call(48, 0, kw.describe_client_quotas_v0(list(components), strict)))
        return err, message, sorted(((sorted(e, key=str), v) for e, v in entries), key=str)
    finally:
        conn.close()


def produce(port, client_id, count, size=10240, topic="q"):
    """Seconds `count` records of `size` bytes took with acks=all, one
    small request at a time (a quota holds back what comes after a
    request, so a few large ones in flight would pass before it acts),
    and the throttle times heard."""
    heard, failed = [], []
    p = Producer({"bootstrap.servers": "127.0.0.1:%d" % port, "client.id": client_id, "acks": "all",
                  "linger.ms": 1, "batch.size": 2 * size, "max.in.flight": 1,
                  "throttle_cb": lambda event: heard.append(event.throttle_time)})
    started = time.monotonic()
    for i in range(count):
        while True:
            try:
                p.produce(topic, value=bytes([i % 256]) * size,
                          on_delivery=lambda err, msg: failed.append(err) if err else None)
                break
            except BufferError:
                p.poll(0.05)
    assert p.flush(120) == 0
    took = time.monotonic() - started
    p.poll(0)
    assert not failed, failed
    return took, heard


@unittest.skipUnless(Producer, "needs python3-confluent-kafka")
class SingleBrokerQuotas(BrokerTestCase):
    storage = STORAGE
    extra = 'metrics = { address = "127.0.0.1:0"; };'

    def budget_metrics(self):
        """{(family, quota, user, client id): value} of the per-budget series."""
        port = re.search(r"metrics endpoint listening on 127\.0\.0\.1:(\d+)", self.broker.log()).group(1)
        with urllib.request.urlopen("http://127.0.0.1:%s/metrics" % port, timeout=5) as r:
            text = r.read().decode()
        pattern = r'^brook_client_quota_budget_(\w+)\{quota="(\w+)",user="([^"]*)",client_id="([^"]*)"\} (\d+)$'
        return {m.groups()[:4]: int(m.group(5)) for m in re.finditer(pattern, text, re.M)}

    def test_a_producer_goes_at_its_rate_and_another_at_full_speed(self):
        port = self.broker.kafka_port
        self.assertEqual(alter(port, [([("client-id", "slow")], [("producer_byte_rate", 500000, False)])]),
                         [(0, None, [("client-id", "slow")])])
        produce(port, "warm", 1)  # the topic is made
        fast, fast_heard = produce(port, "fast", 200)
        slow, slow_heard = produce(port, "slow", 200)  # 2 MB at 500 KB/s: ~4 s
        self.assertGreater(slow, 3)
        self.assertLess(fast, slow / 3)
        self.assertTrue(slow_heard and max(slow_heard) > 0, slow_heard)
        self.assertEqual(fast_heard, [])

    def test_a_client_that_ignores_the_throttle_is_not_read_meanwhile(self):
        # KIP-219: the broker holds the connection, whatever the client does.
        # Two produces of 100 KB sent back to back at 100 KB/s: the first is
        # answered at once with the time to wait; the second, already on the
        # socket, only after it.
        port = self.broker.kafka_port
        produce(port, "warm", 1)
        self.assertEqual(alter(port, [([("client-id", "raw")], [("producer_byte_rate", 100000, False)])])[0][0], 0)
        conn = kw.Conn(port)
        try:
            body = kw.produce_v3("q", 0, kw.batch([b"x" * 100000]))
            started = time.monotonic()
            conn.send(0, 3, body)
            conn.send(0, 3, body)
            _, first = conn.recv()
            first_at = time.monotonic() - started
            (throttle,) = struct.unpack(">i", first[-4:])  # v3's throttle time ends the response
            _, second = conn.recv()
            second_at = time.monotonic() - started
        finally:
            conn.close()
        self.assertGreater(throttle, 700)  # 100 KB at 100 KB/s, 10 KB of burst: ~0.9 s
        self.assertLess(first_at, 0.5)
        self.assertGreater(second_at, throttle / 1000 * 0.9)
        self.assertEqual(kw.parse_produce_v3(second)[0][2], 0)  # then taken
        # who was held back, and how long: the budget's own series
        got = self.budget_metrics()
        key = ("producer_byte_rate", "", "raw")
        self.assertEqual(got[("rate_bytes",) + key], 100000)
        self.assertGreater(got[("bytes_total",) + key], 200000)
        self.assertGreaterEqual(got[("throttled_total",) + key], 1)
        self.assertGreaterEqual(got[("throttle_ms_total",) + key], throttle)
        self.assertNotIn(("bytes_total", "producer_byte_rate", "", "warm"), got)  # no rule: no budget

    def test_a_consumer_reads_everything_at_its_rate(self):
        port = self.broker.kafka_port
        produce(port, "writer", 100)
        self.assertEqual(alter(port, [([("client-id", "reader")], [("consumer_byte_rate", 250000, False)])])[0][0], 0)
        c = Consumer({"bootstrap.servers": "127.0.0.1:%d" % port, "group.id": "g", "client.id": "reader",
                      "auto.offset.reset": "earliest", "fetch.max.bytes": 100000, "message.max.bytes": 100000,
                      "max.partition.fetch.bytes": 100000})
        c.subscribe(["q"])
        got, started = 0, time.monotonic()
        deadline = started + 60
        while got < 100 and time.monotonic() < deadline:
            m = c.poll(0.2)
            if m is not None and not m.error():
                got += 1
        took = time.monotonic() - started
        c.close()
        self.assertEqual(got, 100)
        self.assertGreater(took, 2.5)  # 1 MB at 250 KB/s

    def test_rules_are_described_with_kafkas_filters_and_kept_across_a_restart(self):
        port = self.broker.kafka_port
        entries = [([("user", "alice")], [("producer_byte_rate", 1000, False), ("consumer_byte_rate", 2000, False)]),
                   ([("user", None)], [("producer_byte_rate", 500, False)]),
                   ([("user", "alice"), ("client-id", "app")], [("producer_byte_rate", 3000, False)]),
                   ([("client-id", None)], [("consumer_byte_rate", 4000, False)])]
        self.assertEqual([e[0] for e in alter(port, entries)], [0, 0, 0, 0])
        everything = sorted(((sorted(e, key=str), dict((k, float(v)) for k, v, _ in ops)) for e, ops in entries),
                            key=str)
        self.assertEqual(describe(port), (0, None, everything))
        self.assertEqual(describe(port, [("user", EXACT, "alice")])[2],
                         [([("client-id", "app"), ("user", "alice")], {"producer_byte_rate": 3000.0}),
                          ([("user", "alice")], {"producer_byte_rate": 1000.0, "consumer_byte_rate": 2000.0})])
        self.assertEqual(describe(port, [("user", EXACT, "alice")], strict=True)[2],
                         [([("user", "alice")], {"producer_byte_rate": 1000.0, "consumer_byte_rate": 2000.0})])
        self.assertEqual(describe(port, [("user", DEFAULT, None)])[2], [([("user", None)], {"producer_byte_rate": 500.0})])
        self.assertEqual(len(describe(port, [("user", ANY, None)])[2]), 3)
        self.assertEqual(describe(port, [("client-id", ANY, None), ("user", ANY, None)])[2],
                         [([("client-id", "app"), ("user", "alice")], {"producer_byte_rate": 3000.0})])
        # removing one quota keeps the other; validate_only changes nothing
        self.assertEqual(alter(port, [([("user", "alice")], [("consumer_byte_rate", 0, True)])])[0][0], 0)
        self.assertEqual(alter(port, [([("user", None)], [("producer_byte_rate", 0, True)])], validate_only=True)[0][0],
                         0)
        self.assertEqual(describe(port, [("user", EXACT, "alice")], strict=True)[2],
                         [([("user", "alice")], {"producer_byte_rate": 1000.0})])
        self.broker.stop()
        self.broker.start()
        self.assertEqual(len(describe(self.broker.kafka_port)[2]), 4)

    def test_brookctl_sets_lists_and_deletes_quotas(self):
        def ctl(*args):
            r = brookctl(self.broker.address, "quotas", *args)
            return r.returncode, r.stdout.decode(), r.stderr.decode()
        self.assertEqual(ctl("set", "--client-id", "app", "producer_byte_rate=1000")[:2], (0, "set\n"))
        self.assertEqual(ctl("set", "--default-user", "--client-id", "app", "consumer_byte_rate=2000",
                             "producer_byte_rate=3000")[:2], (0, "set\n"))
        code, out, _ = ctl("list")
        self.assertEqual((code, sorted(out.splitlines())),
                         (0, ["client-id app\tproducer_byte_rate 1000",
                              "user (default)\tclient-id app\tproducer_byte_rate 3000\tconsumer_byte_rate 2000"]))
        self.assertEqual(ctl("delete", "--client-id", "app", "producer_byte_rate")[:2], (0, "deleted\n"))
        code, out, err = ctl("set", "--user", "u", "request_percentage=5")
        self.assertEqual(code, 1)
        self.assertIn("request_percentage: not supported by Brook", err)
        self.assertEqual(ctl("set", "producer_byte_rate=5")[0], 2)  # no entity
        self.assertEqual(ctl("set", "--user", "u", "producer_byte_rate=0")[0], 2)
        self.assertEqual(len(describe(self.broker.kafka_port)[2]), 1)

    def test_a_damaged_rules_file_stops_the_start_with_its_line(self):
        alter(self.broker.kafka_port, [([("client-id", "app")], [("producer_byte_rate", 1000, False)])])
        self.broker.stop()
        path = os.path.join(self.broker.data, "client_quotas")
        with open(path) as f:
            kept = f.read()
        self.assertIn(" 1000\n", kept)
        with open(path, "a") as f:
            f.write("not a rule\n")
        with self.assertRaises(RuntimeError) as failed:
            self.broker.start()
        self.assertIn("client_quotas:2: not a client quota rule", str(failed.exception))
        with open(path, "w") as f:  # mended: the rule is back
            f.write(kept)
        self.broker.start()
        self.assertEqual(len(describe(self.broker.kafka_port)[2]), 1)

    def test_what_brook_does_not_apply_is_refused_by_name(self):
        port = self.broker.kafka_port
        for entity, ops, why in [
                ([("ip", "1.2.3.4")], [("producer_byte_rate", 1000, False)], "ip quotas are not supported"),
                ([("user", "a")], [("request_percentage", 50, False)], "request_percentage: not supported by Brook"),
                ([("user", "a")], [("connection_creation_rate", 1, False)], "not a client quota"),
                ([("user", "a")], [("producer_byte_rate", 0.5, False)], "at least 1"),
                ([("user", "a"), ("user", "b")], [("producer_byte_rate", 1, False)], "named twice"),
                ([], [("producer_byte_rate", 1, False)], "an entity names a user, a client-id or both")]:
            [(err, message, _)] = alter(port, [(entity, ops)])
            self.assertEqual(err, INVALID_REQUEST, (entity, ops))
            self.assertIn(why, message)
        self.assertEqual(describe(port)[2], [])
        err, message, _ = describe(port, [("group", ANY, None)])
        self.assertEqual(err, INVALID_REQUEST)
        self.assertIn("entity type", message)


@unittest.skipUnless(Producer, "needs python3-confluent-kafka")
class ClusterQuotas(ClusterTestCase):
    def test_a_rule_set_through_one_broker_holds_on_every_broker(self):
        self.controller()
        leader = self.create("q", rf=3)[0]["leader"]
        other = [i for i in self.brokers if i != leader][0]
        self.assertEqual(alter(self.brokers[other].kafka_port,
                               [([("client-id", "slow")], [("producer_byte_rate", 500000, False)])])[0][0], 0)
        keys = self.etcd.range(NS + "/client_quotas/")
        self.assertEqual(list(keys.values()), ["500000"], keys)
        deadline = time.monotonic() + 10
        while describe(self.brokers[leader].kafka_port)[2] == [] and time.monotonic() < deadline:
            time.sleep(0.1)
        took, heard = produce(self.brokers[leader].kafka_port, "slow", 200)  # enforced by the leader
        self.assertGreater(took, 3)
        self.assertTrue(heard)


if __name__ == "__main__":
    unittest.main()
