"""One client cannot take what the others need: connections per address,
idle connections, requests sent halfway then abandoned, memory for
requests still being received, running out of file descriptors. Each
hostile pattern runs as a bounded loop on loopback, and another client is
served throughout."""
import os
import resource
import socket
import struct
import time
import unittest

import msgpack

from brooktest import BrokerTestCase, Native

SWEEP = 1.0  # the broker checks timeouts once a second


def native_frame(**fields):
    body = msgpack.packb(fields, use_bin_type=True)
    return struct.pack(">I", len(body)) + body


def closed_within(sock, seconds):
    """True when the peer closes `sock` within `seconds`."""
    sock.settimeout(seconds)
    try:
        while True:
            if not sock.recv(65536):
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Limits(BrokerTestCase):
    extra = """limits = { max_connections_per_address = 20; connections_max_idle_ms = 600;
                          request_receive_timeout_ms = 800; max_frame_bytes = 4194304;
                          receive_buffer_total_bytes = 4194304; };"""

    def served(self, source="127.0.0.1"):
        s = socket.create_connection(("127.0.0.1", self.broker.port), timeout=10, source_address=(source, 0))
        s.sendall(native_frame(id=1, op="list_topics"))
        (n,) = struct.unpack(">I", s.recv(4, socket.MSG_WAITALL))
        reply = msgpack.unpackb(s.recv(n, socket.MSG_WAITALL), raw=False)
        s.close()
        return reply["error"] == 0

    def test_one_address_cannot_take_every_connection(self):
        held = [socket.create_connection(("127.0.0.1", self.broker.port)) for _ in range(20)]
        refused = []
        for _ in range(5):
            s = socket.create_connection(("127.0.0.1", self.broker.port))
            refused.append(closed_within(s, 5))
            s.close()
        self.assertEqual(refused, [True] * 5)
        self.assertTrue(self.served("127.0.0.2"))  # another address is served meanwhile
        log = self.broker.log()
        self.assertIn("limits.max_connections_per_address reached", log)
        self.assertEqual(log.count("refusing 127.0.0.1"), 1)  # once per interval, not once per connection
        for s in held:
            s.close()
        deadline = time.monotonic() + 10
        while not self.served() and time.monotonic() < deadline:  # its share comes back as they close
            time.sleep(0.1)

    def test_idle_connections_are_closed_but_long_polls_are_not(self):
        idle = socket.create_connection(("127.0.0.1", self.broker.port))
        polling = Native(self.broker.port)
        self.ctl("topics", "create", "t")
        rid = polling.send("fetch", topic="t", partition=0, offset=0, max_wait_ms=2500)
        t0 = time.monotonic()
        self.assertTrue(closed_within(idle, 0.6 + 3 * SWEEP))
        self.assertIn("idle for", self.broker.log())
        reply = polling.recv()  # the long poll was waited out, not cut
        self.assertEqual((reply["id"], reply["error"]), (rid, 0))
        self.assertGreaterEqual(time.monotonic() - t0, 2.4)

    def test_a_request_sent_halfway_then_abandoned_is_closed(self):
        s = socket.create_connection(("127.0.0.1", self.broker.port))
        s.sendall(struct.pack(">I", 1000) + b"\x85" + b"x" * 20)
        self.assertTrue(closed_within(s, 0.8 + 3 * SWEEP))
        self.assertIn("sent part of a request, then nothing", self.broker.log())
        self.assertTrue(self.served())

    def test_requests_being_received_share_a_bounded_memory(self):
        self.ctl("topics", "create", "big")
        value = b"v" * (3 << 20)
        frame_a = native_frame(id=1, op="produce", topic="big", records=[{"value": value}])
        frame_b = native_frame(id=2, op="produce", topic="big", records=[{"value": value}])
        a = socket.create_connection(("127.0.0.1", self.broker.port), timeout=20)
        a.sendall(frame_a[:1 << 20])  # A holds 3 MiB of the 4 MiB total
        time.sleep(0.2)
        b = socket.create_connection(("127.0.0.1", self.broker.port), timeout=20)
        b.sendall(frame_b[:1 << 16])  # B's frame does not fit: B waits, unread
        time.sleep(0.3)
        self.assertIn("waits: requests being received hold", self.broker.log())
        self.assertTrue(self.served())  # small requests are served all the while
        a.sendall(frame_a[1 << 20:])
        b.sendall(frame_b[1 << 16:])  # goes into the socket buffers, read once A's frame is in
        for sock, rid in ((a, 1), (b, 2)):
            (n,) = struct.unpack(">I", sock.recv(4, socket.MSG_WAITALL))
            reply = msgpack.unpackb(sock.recv(n, socket.MSG_WAITALL), raw=False)
            self.assertEqual((reply["id"], reply["error"]), (rid, 0))
        a.close()
        b.close()

    def test_a_stalled_big_frame_frees_its_memory_for_the_waiting(self):
        self.ctl("topics", "create", "big")
        value = b"v" * (3 << 20)
        a = socket.create_connection(("127.0.0.1", self.broker.port), timeout=20)
        a.sendall(native_frame(id=1, op="produce", topic="big", records=[{"value": value}])[:1 << 20])
        time.sleep(0.2)
        b = socket.create_connection(("127.0.0.1", self.broker.port), timeout=20)
        b.sendall(native_frame(id=2, op="produce", topic="big", records=[{"value": value}]))
        self.assertTrue(closed_within(a, 0.8 + 3 * SWEEP))  # A stalled: closed, its reservation freed
        (n,) = struct.unpack(">I", b.recv(4, socket.MSG_WAITALL))
        reply = msgpack.unpackb(b.recv(n, socket.MSG_WAITALL), raw=False)
        self.assertEqual((reply["id"], reply["error"]), (2, 0))
        b.close()


def metadata_v4_topics(data):
    """[(error, name)] of a Metadata v4 response body."""
    p = 4
    (n,) = struct.unpack_from(">i", data, p)
    p += 4
    for _ in range(n):  # brokers: id, host, port, rack
        (hl,) = struct.unpack_from(">h", data, p + 4)
        p += 4 + 2 + hl + 4
        (rl,) = struct.unpack_from(">h", data, p)
        p += 2 + max(rl, 0)
    (cl,) = struct.unpack_from(">h", data, p)
    p += 2 + max(cl, 0) + 4  # cluster id, controller id
    (nt,) = struct.unpack_from(">i", data, p)
    p += 4
    out = []
    for _ in range(nt):
        err, nl = struct.unpack_from(">hh", data, p)
        name = data[p + 4:p + 4 + nl].decode()
        p += 4 + nl + 1
        (np_,) = struct.unpack_from(">i", data, p)
        p += 4
        for _ in range(np_):  # error, partition, leader, replicas, isr
            p += 2 + 4 + 4
            for _ in range(2):
                (k,) = struct.unpack_from(">i", data, p)
                p += 4 + 4 * max(k, 0)
        out.append((err, name))
    return out


class MetadataRequests(BrokerTestCase):
    storage = 'storage = { plugin = "segment"; flush = "always"; };'

    def setUp(self):
        import tempfile
        from brooktest import Broker
        self.dir = tempfile.mkdtemp(prefix="brook-it-")
        self.broker = Broker(self.dir, storage=self.storage).start()

    def metadata(self, names, auto_create=True):
        import kafkawire as kw
        c = kw.Conn(self.broker.kafka_port, timeout=30)
        body = kw.array([kw.string(n) for n in names]) + (b"\x01" if auto_create else b"\x00")
        data = c.call(3, 4, body)
        c.close()
        return metadata_v4_topics(data)

    def test_anonymous_auto_creation_is_capped_per_request_and_stops_fast(self):
        names = ["auto-%05d" % i for i in range(20000)]
        t0 = time.monotonic()
        topics = self.metadata(names)
        self.assertLess(time.monotonic() - t0, 5.0)
        errors = [err for err, _ in topics]
        self.assertEqual(errors.count(0), 100)  # limits.max_topics_created_per_request
        self.assertEqual(errors.count(5), 19900)  # LEADER_NOT_AVAILABLE: retry
        self.assertTrue(self.served_native())
        topics = self.metadata(names[:300])  # a retry gets the next ones
        self.assertEqual([err for err, _ in topics].count(0), 200)
        t0 = time.monotonic()
        self.assertEqual(self.broker.stop(), 0)
        self.assertLess(time.monotonic() - t0, 5.0)  # limits.shutdown_timeout_ms

    def test_a_cap_of_zero_creates_nothing_and_says_unknown(self):
        self.broker.stop()
        from brooktest import Broker
        self.broker = Broker(self.dir, storage=self.storage,
                             extra="limits = { max_topics_created_per_request = 0; };").start()
        self.assertEqual(self.metadata(["nope"]), [(3, "nope")])  # UNKNOWN_TOPIC_OR_PARTITION, not "retry"

    def test_a_name_asked_many_times_is_answered_once(self):
        topics = self.metadata(["once"] * 100000 + [""] * 100000, auto_create=True)
        self.assertEqual([name for _, name in topics], ["once", ""])
        self.assertEqual(topics[1][0], 17)  # INVALID_TOPIC_EXCEPTION

    def vm_hwm_kib(self):
        with open("/proc/%d/status" % self.broker.proc.pid) as f:
            return int(next(l for l in f if l.startswith("VmHWM")).split()[1])

    def test_memory_for_a_request_stays_proportional_to_its_size(self):
        import kafkawire as kw
        n = 10 << 20  # 20 MB of empty topic names: once 3.6 GB and 5.9 s of everyone's time
        c = kw.Conn(self.broker.kafka_port, timeout=60)
        c.sock.sendall(kw.frame(3, 1, 1, struct.pack(">i", n) + b"\x00\x00" * n))
        worst = 0
        for _ in range(20):  # another client meanwhile
            t0 = time.monotonic()
            self.assertTrue(self.served_native())
            worst = max(worst, time.monotonic() - t0)
        self.assertTrue(closed_within(c.sock, 30))
        self.assertLess(worst, 1.0)
        self.assertIn("needs more than", self.broker.log())
        self.assertLess(self.vm_hwm_kib(), 20 * 1024 + 64 * 1024 + 64 * 1024)  # frame + limit + headroom
        # a big legitimate request is still answered: ListOffsets for 50,000 partitions (~600 KB)
        parts = kw.array([struct.pack(">iq", p, -1) for p in range(50000)])
        c.close()
        c2 = kw.Conn(self.broker.kafka_port, timeout=60)
        data = c2.call(2, 1, struct.pack(">i", -1) + kw.array([kw.string("nope") + parts]))
        self.assertEqual(len(kw.topic_rows(data, 0, ">ihqq")), 50000)
        c2.close()

    def served_native(self):
        c = Native(self.broker.port)
        ok = c.call("list_topics")["error"] == 0
        c.close()
        return ok


def low_fd_limit():
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))


class OutOfDescriptors(BrokerTestCase):
    def setUp(self):
        import tempfile
        from brooktest import Broker
        self.dir = tempfile.mkdtemp(prefix="brook-it-")
        self.broker = Broker(self.dir, preexec_fn=low_fd_limit).start()

    def test_accept_backs_off_instead_of_spinning(self):
        socks = []
        for _ in range(120):  # far more than 64 descriptors
            s = socket.socket()
            s.settimeout(5)
            s.connect(("127.0.0.1", self.broker.port))
            socks.append(s)
        time.sleep(0.5)
        before = cpu_seconds(self.broker.proc.pid)
        time.sleep(2.0)
        spent = cpu_seconds(self.broker.proc.pid) - before
        self.assertLess(spent, 0.5, "brookd used %.2f CPU-s in 2 s while out of descriptors" % spent)
        log = self.broker.log()
        self.assertIn("Too many open files", log)
        self.assertLessEqual(log.count("Too many open files"), 3)
        for s in socks:
            s.close()
        deadline, ok = time.monotonic() + 10, False
        while not ok and time.monotonic() < deadline:  # accepting again once descriptors are back
            try:
                c = Native(self.broker.port, timeout=2)
                ok = c.call("list_topics")["error"] == 0
                c.close()
            except OSError:
                time.sleep(0.2)
        self.assertTrue(ok)


if __name__ == "__main__":
    unittest.main()
