"""docs/kafka-protocol.md's compatibility matrix is true: it lists every API
key Kafka defines, once and in order, and a running brookd advertises in
ApiVersions exactly the versions the table gives (and nothing the table
calls "not supported")."""
import os
import re
import struct
import unittest

from brooktest import BrokerTestCase
import kafkawire as kw

DOC = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "kafka-protocol.md")
# The highest API key Kafka 4.x defines (DeleteShareGroupOffsets); raise it
# when Kafka adds keys, and the table must grow with it.
HIGHEST_KAFKA_KEY = 92


def doc_text():
    with open(DOC, encoding="utf-8") as f:
        return f.read()


def documented():
    """{key: (name, versions or None)} from the matrix."""
    rows = {}
    for line in doc_text().splitlines():
        m = re.match(r"\| (\w+) \((\d+)\) \| ([^|]+?) \|", line)
        if not m:
            continue
        key = int(m.group(2))
        assert key not in rows, "API key %d is listed twice" % key
        versions = m.group(3)
        if versions == "not supported":
            rows[key] = (m.group(1), None)
        else:
            lo, hi = re.fullmatch(r"(\d+)(?:-(\d+))?", versions).groups()
            rows[key] = (m.group(1), (int(lo), int(hi if hi is not None else lo)))
    return rows


def advertised(port):
    """{key: (min, max)} from an ApiVersions v0 answer."""
    conn = kw.Conn(port)
    try:
        data = conn.call(18, 0, b"")
    finally:
        conn.close()
    err, n = struct.unpack_from(">hi", data, 0)
    assert err == 0, err
    return {k: (lo, hi) for k, lo, hi in (struct.unpack_from(">hhh", data, 6 + 6 * i) for i in range(n))}


class KafkaProtocolMatrix(BrokerTestCase):
    def test_matrix_lists_every_key_in_order(self):
        keys = [int(m.group(1)) for m in re.finditer(r"^\| \w+ \((\d+)\) \|", doc_text(), re.M)]
        self.assertEqual(keys, list(range(HIGHEST_KAFKA_KEY + 1)))

    def test_matrix_matches_api_versions(self):
        doc = documented()
        live = advertised(self.broker.kafka_port)
        for key, (name, versions) in sorted(doc.items()):
            with self.subTest(api=name):
                self.assertEqual(live.get(key), versions,
                                 "%s (%d): brookd advertises %s, the table says %s" % (name, key, live.get(key),
                                                                                        versions or "not supported"))
        self.assertEqual(set(live) - set(doc), set(), "advertised but missing from the table")


if __name__ == "__main__":
    unittest.main()
