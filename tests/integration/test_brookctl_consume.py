"""brookctl consume reads any data: headers, keys and values as text, hex
or base64, kcat-style --format placeholders, and one JSON object per
record with --output json (binary bytes stay exact in base64), from
records a Kafka client (confluent-kafka) produced with headers."""
import base64
import json
import unittest

from brooktest import BrokerTestCase

try:
    from confluent_kafka import Producer
except ImportError:
    raise unittest.SkipTest("python3-confluent-kafka is not installed")


class BrookctlConsume(BrokerTestCase):
    def setUp(self):
        super().setUp()
        self.ctl("topics", "create", "fmt", "--partitions", "1")
        p = Producer({"bootstrap.servers": "127.0.0.1:%d" % self.broker.kafka_port})
        p.produce("fmt", key=b"k1", value=b"hello", headers=[("trace", b"abc"), ("n", b"1")], timestamp=1700000000000)
        p.produce("fmt", key=None, value=b"\x00\xffbin\n", timestamp=1700000000001)
        self.assertEqual(p.flush(10), 0)

    def consume(self, *args):
        return self.ctl("consume", "fmt", "--from-beginning", *args).stdout

    def test_format_placeholders(self):
        out = self.consume("--format", "%t/%p/%o@%T %k=%v (%K,%S) [%h]\\n")
        lines = out.split(b"\n")
        self.assertEqual(lines[0], b"fmt/0/0@1700000000000 k1=hello (2,5) [trace=abc,n=1]")
        self.assertEqual(lines[1], b"fmt/0/1@1700000000001 =\x00\xffbin")  # the value's own newline...
        self.assertEqual(lines[2], b" (-1,6) []")                           # ...then the rest
        r = self.ctl("consume", "fmt", "--format", "%x", check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"unknown placeholder", r.stderr)

    def test_encodings(self):
        self.assertEqual(self.consume("--encoding", "hex", "--key-separator", ":"),
                         b"6b31:68656c6c6f\n:00ff62696e0a\n")
        self.assertEqual(self.consume("--encoding", "base64", "--format", "%v %h\\n"),
                         b"aGVsbG8= trace=YWJj,n=MQ==\nAP9iaW4K \n")

    def test_json_lines(self):
        out = self.ctl("--output", "json", "consume", "fmt", "--from-beginning", "--encoding", "base64").stdout
        first, second = [json.loads(line) for line in out.splitlines()]
        self.assertEqual(first, {"topic": "fmt", "partition": 0, "offset": 0, "timestamp": 1700000000000,
                                 "key": "azE=", "value": "aGVsbG8=",
                                 "headers": [{"key": "trace", "value": "YWJj"}, {"key": "n", "value": "MQ=="}]})
        self.assertIsNone(second["key"])
        self.assertEqual(base64.b64decode(second["value"]), b"\x00\xffbin\n")
        text = json.loads(self.ctl("-o", "json", "consume", "fmt", "--from-beginning").stdout.splitlines()[1])
        self.assertEqual(text["value"], "\x00\ufffdbin\n")  # text: bytes that are not UTF-8 show as U+FFFD


if __name__ == "__main__":
    unittest.main()
