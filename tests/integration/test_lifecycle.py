"""The request lifecycle seen from a client: responses in request order
with a long poll in the middle, long polls woken by produce, ended by
their deadline or by a request behind them, acks=0 answered by silence, deadlines of acks=all; memory
held per slow client, and given back after a burst."""
import os
import subprocess
import time
import unittest

import kafkawire as kw
from brooktest import BIN, BrokerTestCase, Native


def sanitized():
    """brookd built with a sanitizer runs on the sanitizer's allocator, not glibc's"""
    libs = subprocess.run(["ldd", os.path.join(BIN, "brookd")], capture_output=True, text=True).stdout
    return any(name in libs for name in ("libasan", "libtsan"))


def proc_count(pid, name, key):
    """The number after "key:" in /proc/<pid>/<name> (0 when absent)."""
    with open("/proc/%d/%s" % (pid, name)) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def rss_kib(pid):
    """A process's resident memory, in KiB."""
    return proc_count(pid, "status", "VmRSS")


def write_syscalls(pid):
    """How many write-type system calls (write, writev, sendfile ...) a process has made."""
    return proc_count(pid, "io", "syscw")


class Lifecycle(BrokerTestCase):
    def setUp(self):
        super().setUp()
        self.ctl("topics", "create", "t", "--partitions", "2")

    def test_responses_stay_in_request_order_behind_a_long_poll(self):
        c = Native(self.broker.port)
        ids = [c.send("fetch", topic="t", partition=0, offset=0, max_wait_ms=500)]
        ids += [c.send("list_topics") for _ in range(5)]
        ids += [c.send("list_offsets", topic="t", partition=1)]
        got = [c.recv()["id"] for _ in ids]
        self.assertEqual(got, ids)
        c.close()

    def test_long_poll_is_woken_by_a_produce(self):
        waiter = Native(self.broker.port)
        producer = Native(self.broker.port)
        start = time.monotonic()
        waiter.send("fetch", topic="t", partition=1, offset=0, max_wait_ms=20000)
        time.sleep(0.3)
        r = producer.call("produce", topic="t", partition=1, records=[{"value": b"wake"}])
        self.assertEqual(r["error"], 0)
        resp = waiter.recv()
        self.assertEqual([x["value"] for x in resp["records"]], [b"wake"])
        self.assertLess(time.monotonic() - start, 10)  # far below the 20 s deadline
        # a produce to the other partition does not wake a fetch of this one
        t0 = time.monotonic()  # from the fetch's own start: the produce may take a while under ASan
        waiter.send("fetch", topic="t", partition=1, offset=1, max_wait_ms=600)
        producer.call("produce", topic="t", partition=0, records=[{"value": b"elsewhere"}])
        resp = waiter.recv()
        self.assertEqual(resp["records"], [])
        self.assertGreaterEqual(time.monotonic() - t0, 0.55)  # it waited out its max_wait

    def test_a_request_behind_a_long_poll_ends_it(self):
        # its answer would wait for the long poll's: the long poll answers
        # now with what there is (nothing), the request behind it after
        c = Native(self.broker.port)
        t0 = time.monotonic()
        fetch = c.send("fetch", topic="t", partition=0, offset=0, max_wait_ms=20000)
        time.sleep(0.3)  # parked by now
        behind = c.send("list_topics")
        resp = c.recv()
        self.assertEqual((resp["id"], resp["error"], resp["records"]), (fetch, 0, []))
        self.assertEqual(c.recv()["id"], behind)
        self.assertLess(time.monotonic() - t0, 10)  # far below the 20 s max wait
        # a long poll sent after it waits again, for data or its own max wait
        c.send("fetch", topic="t", partition=0, offset=0, max_wait_ms=20000)
        time.sleep(0.3)
        producer = Native(self.broker.port)
        self.assertEqual(producer.call("produce", topic="t", partition=0, records=[{"value": b"v"}])["error"], 0)
        self.assertEqual([x["value"] for x in c.recv()["records"]], [b"v"])
        c.close()
        producer.close()

    def test_long_poll_deadline_returns_empty(self):
        c = Native(self.broker.port)
        t0 = time.monotonic()
        resp = c.call("fetch", topic="t", partition=0, offset=0, max_wait_ms=300)
        self.assertEqual(resp["error"], 0)
        self.assertEqual(resp["records"], [])
        self.assertGreaterEqual(time.monotonic() - t0, 0.25)

    def test_acks_zero_gets_no_response_but_is_stored(self):
        c = Native(self.broker.port)
        c.send("produce", topic="t", partition=0, acks=0, records=[{"value": b"silent"}])
        r = c.call("list_offsets", topic="t", partition=0)  # the next response is this one's
        self.assertEqual(r["latest"], 1)
        r = c.call("produce", topic="t", partition=0, acks=-1, timeout_ms=1000, records=[{"value": b"all"}])
        self.assertEqual((r["error"], r["base_offset"]), (0, 1))

    def test_client_disconnecting_during_a_long_poll(self):
        for _ in range(20):
            c = Native(self.broker.port)
            c.send("fetch", topic="t", partition=0, offset=0, max_wait_ms=5000)
            c.close()
        time.sleep(0.2)
        r = Native(self.broker.port).call("produce", topic="t", partition=0, records=[{"value": b"after"}])
        self.assertEqual(r["error"], 0)

    def test_list_offsets_by_time(self):
        c = Native(self.broker.port)
        c.call("produce", topic="t", partition=0, records=[{"value": b"a", "timestamp": 1000},
                                                           {"value": b"b", "timestamp": 2000}])
        c.call("produce", topic="t", partition=0, records=[{"value": b"c", "timestamp": 3000}])
        r = c.call("list_offsets", topic="t", partition=0, timestamp=1500)
        self.assertEqual((r["earliest"], r["latest"], r["offset"], r["timestamp"]), (0, 3, 1, 2000))
        r = c.call("list_offsets", topic="t", partition=0, timestamp=9999)
        self.assertEqual(r["offset"], -1)


class Backpressure(BrokerTestCase):
    extra = "limits = { connection_buffer_bytes = 65536; max_inflight_requests = 4; };"

    def rss_kib(self):
        return rss_kib(self.broker.proc.pid)

    def test_a_client_that_does_not_read_does_not_grow_the_broker(self):
        self.ctl("topics", "create", "big")
        c = Native(self.broker.port)
        payload = b"x" * 60000
        for _ in range(20):
            c.call("produce", topic="big", records=[{"value": payload}])
        before = self.rss_kib()
        # 2000 pipelined fetches of ~1.2 MB each, never read: without
        # backpressure the broker would queue gigabytes of responses
        for _ in range(2000):
            c.send("fetch", topic="big", partition=0, offset=0, max_bytes=1 << 21)
        time.sleep(1.0)
        grown = self.rss_kib() - before
        self.assertLess(grown, 100 * 1024, "broker grew by %d KiB" % grown)
        # other clients are served meanwhile
        other = Native(self.broker.port)
        self.assertEqual(other.call("list_topics")["error"], 0)
        other.close()
        # what we asked for comes back in order once we read
        for i in range(10):
            r = c.recv()
            self.assertEqual((r["id"], r["error"], len(r["records"])), (20 + i + 1, 0, 20))
        c.close()


class Pipelining(BrokerTestCase):
    def test_requests_read_together_are_answered_in_one_write(self):
        """A pipelining client's requests that arrive in one read and complete
        at once go back in one write, not one each."""
        self.ctl("topics", "create", "p")
        c = kw.Conn(self.broker.kafka_port)
        c.call(18, 0, b"")  # connected and served: later writes are this test's
        frames = b"".join(kw.frame(0, 3, 100 + i, kw.produce_v3("p", 0, kw.batch([b"r%d" % i])))
                          for i in range(50))
        before = write_syscalls(self.broker.proc.pid)
        c.sock.sendall(frames)  # one segment on loopback: the broker reads it at once
        answered = [c.recv()[0] for _ in range(50)]
        writes = write_syscalls(self.broker.proc.pid) - before
        self.assertEqual(answered, list(range(100, 150)))
        # one write; a few if the frames straddled reads (one each before: 50)
        self.assertLessEqual(writes, 5)
        c.close()


@unittest.skipIf(sanitized(), "the sanitizers bring their own allocator")
class IdleMemory(BrokerTestCase):
    extra = "limits = { idle_memory_trim_ms = 300; };"
    storage = 'storage = { plugin = "segment"; };'  # the records leave the heap

    def rss_kib(self):
        return rss_kib(self.broker.proc.pid)

    def test_freed_heap_goes_back_to_the_system_once_the_broker_is_quiet(self):
        self.ctl("topics", "create", "big")
        # a burst: twelve 8 MB produce requests at once, each held whole
        # until appended, then freed (and kept by glibc for reuse)
        conns = [Native(self.broker.port) for _ in range(12)]
        records = [{"value": b"%02d" % i + b"x" * 80000} for i in range(100)]
        for c in conns:
            c.send("produce", topic="big", partition=0, records=records)
        for c in conns:
            self.assertEqual(c.recv()["error"], 0)
        peak = self.rss_kib()
        self.assertGreater(peak, 48 * 1024, "the burst did not grow the broker (RSS %d KiB)" % peak)
        # nothing moves any more: within a few quiet intervals it is returned
        deadline = time.monotonic() + 5
        while self.rss_kib() > peak - 32 * 1024 and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertLess(self.rss_kib(), peak - 32 * 1024, "RSS %d KiB after the burst's %d" % (self.rss_kib(), peak))
        # and the broker still serves
        r = conns[0].call("fetch", topic="big", partition=0, offset=0, max_bytes=1 << 20)
        self.assertEqual(r["error"], 0)
        self.assertGreater(len(r["records"]), 0)
        for c in conns:
            c.close()

if __name__ == "__main__":
    unittest.main()
