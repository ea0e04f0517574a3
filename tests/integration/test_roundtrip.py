"""brookctl round trips through a real brookd: 10,000 records with binary
payloads, byte-exact, in order per partition."""
import random
import unittest

from brooktest import BrokerTestCase


def random_bytes(rng, n, forbidden):
    out = bytearray()
    while len(out) < n:
        b = rng.randrange(256)
        if b not in forbidden:
            out.append(b)
    return bytes(out)


class RoundTrip(BrokerTestCase):
    def test_10000_binary_records_single_partition_in_order(self):
        rng = random.Random(2)
        self.ctl("topics", "create", "bin", "--partitions", "1")
        # every byte but the delimiter, including NUL, CR and 0xff
        values = [random_bytes(rng, rng.randrange(0, 300), {0x0a}) for _ in range(10000)]
        self.ctl("produce", "bin", input=b"".join(v + b"\n" for v in values))
        out = self.ctl("consume", "bin", "--from-beginning").stdout
        self.assertEqual(out, b"".join(v + b"\n" for v in values))

    def test_keyed_records_spread_over_partitions(self):
        rng = random.Random(3)
        self.ctl("topics", "create", "keyed", "--partitions", "4")
        records = []
        for i in range(10000):
            key = b"key-%d" % rng.randrange(50)
            records.append(key + b"\t" + random_bytes(rng, rng.randrange(1, 100), {0x0a, 0x09}) + b"-%d" % i)
        self.ctl("produce", "keyed", "--key-separator", "\\t", input=b"\n".join(records) + b"\n")
        seen = []
        per_partition = []
        for p in range(4):
            out = self.ctl("consume", "keyed", "--partition", str(p), "--from-beginning", "--key-separator",
                           "\\t").stdout
            lines = out.split(b"\n")[:-1]
            per_partition.append(len(lines))
            seen.extend(lines)
        self.assertEqual(sorted(seen), sorted(records))
        self.assertTrue(all(n > 0 for n in per_partition), per_partition)
        # one key, one partition, and producer order within it
        by_key = {}
        for r in records:
            by_key.setdefault(r.split(b"\t")[0], []).append(r)
        for p in range(4):
            out = self.ctl("consume", "keyed", "--partition", str(p), "--from-beginning", "--key-separator",
                           "\\t").stdout
            lines = out.split(b"\n")[:-1]
            keys = {l.split(b"\t")[0] for l in lines}
            for k in keys:
                self.assertEqual([l for l in lines if l.split(b"\t")[0] == k], by_key[k])

    def test_consume_all_partitions_count_and_offset(self):
        self.ctl("topics", "create", "t", "--partitions", "2")
        self.ctl("produce", "t", "--partition", "1", input=b"a\nb\nc\nd\n")
        self.ctl("produce", "t", "--partition", "0", input=b"x\n")
        out = self.ctl("consume", "t", "--from-beginning").stdout
        self.assertEqual(sorted(out.split(b"\n")[:-1]), [b"a", b"b", b"c", b"d", b"x"])
        out = self.ctl("consume", "t", "--partition", "1", "--offset", "2").stdout
        self.assertEqual(out, b"c\nd\n")
        out = self.ctl("consume", "t", "--partition", "1", "--from-beginning", "--count", "2").stdout
        self.assertEqual(out, b"a\nb\n")
        # default start is the end: nothing new, exits at once
        self.assertEqual(self.ctl("consume", "t").stdout, b"")

    def test_file_input_and_custom_delimiter(self):
        import os
        self.ctl("topics", "create", "f")
        path = os.path.join(self.dir, "input")
        with open(path, "wb") as fh:
            fh.write(b"one\x00two\nlines\x00three")
        self.ctl("produce", "f", "--file", path, "--delimiter", "\\0")
        out = self.ctl("consume", "f", "--from-beginning", "--delimiter", "\\0").stdout
        self.assertEqual(out, b"one\x00two\nlines\x00three\x00")


if __name__ == "__main__":
    unittest.main()
