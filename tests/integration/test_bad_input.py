"""Bad input on the native listener: every case gets an error response or
a closed connection with one log line; the broker never crashes, other
connections keep working, and nothing already stored is lost."""
import socket
import struct
import time
import unittest

import msgpack

from brooktest import BrokerTestCase, Native


def frame(body):
    return struct.pack(">I", len(body)) + body


class BadInput(BrokerTestCase):
    broker_extra = ""
    extra = "limits = { max_frame_bytes = 65536; };"

    def setUp(self):
        super().setUp()
        self.ctl("topics", "create", "keep")
        self.ctl("produce", "keep", input=b"precious\n")
        self.bystander = Native(self.broker.port)  # an idle connection that must survive everything

    def tearDown(self):
        self.assert_still_serving()
        self.bystander.close()
        super().tearDown()

    def assert_still_serving(self):
        resp = self.bystander.call("fetch", topic="keep", partition=0, offset=0)
        self.assertEqual(resp["error"], 0, resp)
        self.assertEqual(resp["records"][0]["value"], b"precious")
        fresh = Native(self.broker.port)
        self.assertEqual(fresh.call("list_topics")["error"], 0)
        fresh.close()

    def expect_closed(self, data, log_needle):
        c = Native(self.broker.port)
        c.send_raw(data)
        self.assertTrue(c.closed_by_peer(), "connection should be closed")
        c.close()
        deadline = time.monotonic() + 5
        while log_needle not in self.broker.log() and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertIn(log_needle, self.broker.log())

    def test_oversize_frame_closes_with_log_line(self):
        self.expect_closed(struct.pack(">I", 10_000_000) + b"\x80", "exceeds limits.max_frame_bytes (65536)")

    def test_zero_length_frame(self):
        self.expect_closed(b"\x00\x00\x00\x00", "malformed frame header")

    def test_not_msgpack(self):
        self.expect_closed(frame(b"\xc1\xc1\xc1"), "not exactly one well-formed msgpack object")

    def test_not_a_map(self):
        self.expect_closed(frame(msgpack.packb([1, 2, 3])), "undecodable request")

    def test_missing_id(self):
        self.expect_closed(frame(msgpack.packb({"op": "list_topics"})), "has no \"id\"")

    def test_hostile_container_sizes(self):
        self.expect_closed(frame(b"\xdd\xff\xff\xff\xff"), "undecodable request")
        self.expect_closed(frame(b"\x81\xa2id\x01\x00"), "undecodable request")

    def test_truncated_frame_then_disconnect(self):
        c = Native(self.broker.port)
        c.send_raw(struct.pack(">I", 1000) + b"\x81\xa2id")
        c.close()
        time.sleep(0.1)

    def test_unknown_op_and_wrong_types_get_error_responses(self):
        c = Native(self.broker.port)
        r = c.call("explode")
        self.assertEqual(r["error"], 9)  # BROOK_ERR_UNSUPPORTED
        self.assertIn("unknown \"op\"", r["message"])
        r = c.call("fetch", topic="keep", partition="zero", offset=0)
        self.assertEqual(r["error"], 2)  # BROOK_ERR_INVALID
        self.assertIn("\"partition\" must be an integer", r["message"])
        r = c.call("produce", topic="keep", records=[{"value": 5}])
        self.assertEqual(r["error"], 2)
        r = c.call("produce", topic="keep", records="nope")
        self.assertEqual(r["error"], 2)
        r = c.call("create_topic", topic="bad/name")
        self.assertEqual(r["error"], 17)  # invalid topic
        r = c.call("create_topic", topic="x", partitions=0)
        self.assertEqual(r["error"], 18)  # invalid partitions
        r = c.call("fetch", topic="missing", partition=0, offset=0)
        self.assertEqual(r["error"], 4)  # not found
        r = c.call("fetch", topic="keep", partition=0, offset=99)
        self.assertEqual(r["error"], 6)  # out of range
        r = c.call("list_topics")  # the same connection still works
        self.assertEqual(r["error"], 0)
        c.close()

    def test_group_and_auth_ops_with_wrong_fields_get_error_responses(self):
        c = Native(self.broker.port)
        bad = [
            ("commit_offsets", {"offsets": [{"topic": "keep", "partition": 0, "offset": 1}]}, '"group"'),
            ("commit_offsets", {"group": "g", "offsets": "all"}, '"offsets" must be'),
            ("commit_offsets", {"group": "g", "offsets": []}, '"offsets" must be'),
            ("commit_offsets", {"group": "g", "offsets": [5]}, "each offset must be a map"),
            ("commit_offsets", {"group": "g", "offsets": [{"topic": "keep", "partition": 0, "offset": -3}]},
             '"offset" must be'),
            ("commit_offsets", {"group": "g", "offsets": [{"topic": "keep", "offset": 1, "metadata": 7}]},
             '"metadata" must be'),
            ("fetch_offsets", {"group": "g", "topic": 12}, '"topic" must be'),
            ("describe_group", {}, '"group"'),
            ("delete_group", {"group": ""}, '"group"'),
            ("sasl_handshake", {}, '"mechanism"'),
            ("sasl_authenticate", {"token": 5}, '"token" must be bytes'),
        ]
        for op, fields, message in bad:
            r = c.call(op, **fields)
            self.assertEqual(r["error"], 2, (op, fields, r))  # BROOK_ERR_INVALID
            self.assertIn(message, r["message"], (op, fields))
        r = c.call("sasl_authenticate", token=b"\x00a\x00b")  # no handshake first: refused, then closed
        self.assertEqual(r["error"], 2)
        self.assertIn("SaslHandshake must come first", r["message"])
        self.assertTrue(c.closed_by_peer())
        c = Native(self.broker.port)
        self.assertEqual(c.call("list_groups")["error"], 0)  # other connections are fine
        c.close()

    def test_invalid_record_batches_are_refused(self):
        c = Native(self.broker.port)
        good = build_batch([b"hello"])
        r = c.call("produce", topic="keep", batch=good)
        self.assertEqual(r["error"], 0, r)
        bad_crc = bytearray(good)
        bad_crc[-1] ^= 0xff
        bad_magic = bytearray(good)
        bad_magic[16] = 1
        bad_length = bytearray(good)
        bad_length[8:12] = struct.pack(">I", len(good) + 100)
        short = good[:40]
        for name, data in [("crc", bad_crc), ("magic", bad_magic), ("length", bad_length), ("short", short)]:
            r = c.call("produce", topic="keep", batch=bytes(data))
            self.assertEqual(r["error"], 3, (name, r))  # BROOK_ERR_CORRUPT
            self.assertIn("record batch", r["message"])
        # two batches, the second corrupt: nothing of the request is appended
        r = c.call("produce", topic="keep", batch=good + bytes(bad_crc))
        self.assertEqual(r["error"], 3)
        r = c.call("list_offsets", topic="keep", partition=0)
        self.assertEqual(r["latest"], 2)  # "precious" and "hello" only
        c.close()

    def test_many_connections_opened_and_dropped(self):
        for _ in range(200):
            s = socket.create_connection(("127.0.0.1", self.broker.port))
            s.sendall(b"\x00\x00")
            s.close()


def _crc32c_table():
    table = []
    for n in range(256):
        crc = n
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
        table.append(crc)
    return table


_CRC32C = _crc32c_table()


def crc32c(data):
    """CRC-32C (Castagnoli), written independently of Brook's own."""
    crc = 0xFFFFFFFF
    for b in data:
        crc = _CRC32C[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def varint(n):
    z = (n << 1) ^ (n >> 63)
    out = bytearray()
    while z >= 0x80:
        out.append((z & 0x7F) | 0x80)
        z >>= 7
    out.append(z)
    return bytes(out)


def build_batch(values, timestamp=1700000000000):
    """A RecordBatch v2, written independently of Brook's own builder."""
    records = b""
    for i, v in enumerate(values):
        body = b"\x00" + varint(0) + varint(i) + varint(-1) + varint(len(v)) + v + varint(0)
        records += varint(len(body)) + body
    after_crc = struct.pack(">hiqqqhii", 0, len(values) - 1, timestamp, timestamp, -1, -1, -1, len(values)) + records
    crc = crc32c(after_crc)
    after_length = struct.pack(">ib", 0, 2) + struct.pack(">I", crc) + after_crc
    return struct.pack(">qi", 0, len(after_length)) + after_length


WINDOW_S = 4


class ClientFaultLog(BrokerTestCase):
    """A client (or a scanner, or a misconfigured fleet) that keeps sending
    bad input cannot flood the log: each kind of fault is logged a few
    times per window per listener, and the next line counts what was left
    out. Before, every closed connection and every bad request wrote a line."""
    extra = "limits = { client_fault_log_lines = 3; client_fault_log_window_ms = %d; };" % (WINDOW_S * 1000)

    def bad_connection(self):
        c = Native(self.broker.port)
        c.send_raw(b"\x00\x00\x00\x00")
        self.assertTrue(c.closed_by_peer(), "connection should be closed")
        c.close()

    def wait_for_count(self, needle, n):
        deadline = time.monotonic() + 5
        while self.broker.log().count(needle) < n and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.broker.log().count(needle)

    def test_each_kind_of_fault_is_logged_a_few_times_per_window(self):
        t0 = time.monotonic()
        for _ in range(15):
            self.bad_connection()
        c = Native(self.broker.port)
        for _ in range(15):
            self.assertEqual(c.call("explode")["error"], 9)  # each still answered
        c.close()
        self.assertEqual(self.wait_for_count("closing connection from", 3), 3)
        self.assertEqual(self.wait_for_count("bad request from", 3), 3)
        if time.monotonic() - t0 > WINDOW_S - 0.5:
            self.skipTest("the machine was too slow to fit the faults in one window")
        time.sleep(max(0, t0 + WINDOW_S + 0.3 - time.monotonic()))
        self.bad_connection()
        self.assertEqual(self.wait_for_count("closing connection from", 4), 4)
        self.assertRegex(self.broker.log(), r"malformed frame header.* \(and 12 more like it since the last such line\)")
        Native(self.broker.port).call("list_topics")  # and the broker goes on serving


class ClientFaultLogAtDebug(BrokerTestCase):
    """With log_level "debug", every fault is logged."""
    extra = ClientFaultLog.extra
    log_level = "debug"
    bad_connection = ClientFaultLog.bad_connection
    wait_for_count = ClientFaultLog.wait_for_count

    def test_every_fault_is_logged(self):
        for _ in range(8):
            self.bad_connection()
        self.assertEqual(self.wait_for_count("closing connection from", 8), 8)


if __name__ == "__main__":
    unittest.main()
