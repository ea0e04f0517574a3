"""The metrics endpoint (metrics.address): GET /metrics in Prometheus text
format, counters that follow real traffic, clear HTTP errors, and bad HTTP
that neither crashes the broker nor stops it serving clients."""
import glob
import http.client
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

from brooktest import BROOKD, Broker, BrokerTestCase, Native, taken_port


SAMPLE = re.compile(r'^([a-z_]+)(\{(.*)\})? (-?[0-9.]+)$')


def parse(text):
    """{name or name{labels}: value} of the samples, after checking that each
    family has HELP and TYPE before its samples and appears in one piece
    (a histogram's _bucket, _sum and _count lines belong to its family)."""
    samples, helped, typed, seen = {}, set(), {}, []
    for line in text.splitlines():
        if line.startswith("# HELP "):
            helped.add(line.split()[2])
        elif line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            assert name not in typed, "family %s twice" % name
            typed[name] = kind
        elif line:
            m = SAMPLE.match(line)
            assert m, line
            family = m.group(1)
            if family not in typed:
                family = re.sub(r"_(bucket|sum|count)$", "", family)
                assert typed.get(family) == "histogram", line
            assert family in helped, family
            assert not seen or seen[-1] == family or family not in seen, "family %s split" % family
            seen.append(family)
            value = float(m.group(4))
            samples[m.group(1) + (m.group(2) or "")] = int(value) if value.is_integer() else value
    return samples, typed


class Metrics(BrokerTestCase):
    extra = 'metrics = { address = "127.0.0.1:0"; };'
    storage_metric = "brook_storage_memory_bytes"  # a gauge of the storage plugin's, > 0 once it holds records

    def setUp(self):
        super().setUp()
        m = re.search(r"metrics endpoint listening on 127\.0\.0\.1:(\d+)", self.broker.log())
        self.assertIsNotNone(m, self.broker.log())
        self.mport = int(m.group(1))

    def request(self, method="GET", path="/metrics", headers=None, body=None, timeout=10):
        conn = http.client.HTTPConnection("127.0.0.1", self.mport, timeout=timeout)
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read().decode()
        conn.close()
        return r, data

    def scrape(self, timeout=10):
        r, text = self.request(timeout=timeout)
        self.assertEqual(r.status, 200, text)
        self.assertEqual(r.getheader("Content-Type"), "text/plain; version=0.0.4; charset=utf-8")
        return parse(text)

    def test_counters_follow_traffic(self):
        before, types = self.scrape()
        self.assertEqual(types["brook_produced_records_total"], "counter")
        self.assertEqual(types["brook_connections"], "gauge")
        # the storage plugin's metrics are there, prefixed with its name
        self.assertIn(self.storage_metric, before)
        self.ctl("topics", "create", "m", "--partitions", "2")
        self.ctl("produce", "m", input=b"".join(b"record %d\n" % i for i in range(25)))
        held = Native(self.broker.port)
        self.assertEqual(held.call("list_topics")["error"], 0)
        after, _ = self.scrape()
        self.assertEqual(after["brook_produced_records_total"] - before["brook_produced_records_total"], 25)
        self.assertGreater(after["brook_produced_bytes_total"], before["brook_produced_bytes_total"])
        self.assertGreaterEqual(after["brook_connections_total"] - before["brook_connections_total"], 3)
        self.assertGreaterEqual(after["brook_requests_total"] - before["brook_requests_total"], 3)
        self.assertEqual(after["brook_connections"], 1)  # `held`; brookctl's are gone
        self.assertGreater(after[self.storage_metric], 0)
        held.close()

    def test_partition_offsets_and_consumer_lag(self):
        self.ctl("topics", "create", "lagging", "--partitions", "2")
        self.ctl("produce", "lagging", "--partition", "0", input=b"".join(b"r%d\n" % i for i in range(10)))
        self.ctl("produce", "lagging", "--partition", "1", input=b"a\nb\nc\n")
        # group g"1 (a quote to escape) reads 4 of partition 0 and all of partition 1
        self.ctl("consume", "lagging", "--partition", "0", "--from-beginning", "--count", "4", "--group", 'g"1')
        self.ctl("consume", "lagging", "--partition", "1", "--from-beginning", "--count", "3", "--group", 'g"1')
        s, types = self.scrape()
        self.assertEqual(types["brook_consumer_group_lag"], "gauge")
        self.assertEqual(s["brook_topics"], 1)
        self.assertEqual(s["brook_partitions"], 2)
        p0, p1 = '{topic="lagging",partition="0"}', '{topic="lagging",partition="1"}'
        self.assertEqual(s["brook_partition_log_start_offset" + p0], 0)
        self.assertEqual(s["brook_partition_log_end_offset" + p0], 10)
        self.assertEqual(s["brook_partition_high_watermark" + p0], 10)
        self.assertEqual(s["brook_partition_high_watermark" + p1], 3)
        self.assertGreater(s["brook_partition_size_bytes" + p0], s["brook_partition_size_bytes" + p1])
        self.assertGreater(s["brook_partition_size_bytes" + p1], 0)
        g0, g1 = '{group="g\\"1",topic="lagging",partition="0"}', '{group="g\\"1",topic="lagging",partition="1"}'
        self.assertEqual(s["brook_consumer_group_committed_offset" + g0], 4)
        self.assertEqual(s["brook_consumer_group_lag" + g0], 6)
        self.assertEqual(s["brook_consumer_group_lag" + g1], 0)
        # more records: the lag grows; a deleted topic leaves no lag behind
        self.ctl("produce", "lagging", "--partition", "1", input=b"d\ne\n")
        s, _ = self.scrape()
        self.assertEqual(s["brook_consumer_group_lag" + g1], 2)
        self.ctl("topics", "delete", "lagging")
        s, _ = self.scrape()
        self.assertEqual(s["brook_partitions"], 0)
        self.assertFalse([k for k in s if "lagging" in k], s)

    def test_request_durations_by_type(self):
        self.ctl("topics", "create", "timed")
        self.ctl("produce", "timed", input=b"x\n")
        c = Native(self.broker.port)
        r = c.call("fetch", topic="timed", partition=0, offset=1, max_wait_ms=300)  # a long poll that times out
        self.assertEqual((r["error"], r["records"]), (0, []))
        c.close()
        s, types = self.scrape()
        self.assertEqual(types["brook_request_duration_seconds"], "histogram")
        for request in ("produce", "fetch", "create_topics"):
            series = '{request="%s"' % request
            buckets = [(k, v) for k, v in s.items() if k.startswith("brook_request_duration_seconds_bucket" + series)]
            counts = [v for _, v in buckets]
            self.assertEqual(counts, sorted(counts), "cumulative buckets")
            self.assertEqual(counts[-1], s["brook_request_duration_seconds_count" + series + "}"])
            self.assertGreaterEqual(counts[-1], 1)
        fetch = '{request="fetch",le="%s"}'
        # the long poll waited 300 ms: not under 0.25 s, and counted in the sum
        self.assertEqual(s["brook_request_duration_seconds_bucket" + fetch % "0.25"], 0)
        self.assertEqual(s["brook_request_duration_seconds_bucket" + fetch % "+Inf"], 1)
        self.assertGreaterEqual(s['brook_request_duration_seconds_sum{request="fetch"}'], 0.29)

    def test_protocol_errors_are_counted(self):
        before, _ = self.scrape()
        s = socket.create_connection(("127.0.0.1", self.broker.port))
        s.sendall(b"\xff\xff\xff\xff")  # a frame length far over the limit
        s.settimeout(5)
        self.assertEqual(s.recv(1), b"")
        s.close()
        after, _ = self.scrape()
        self.assertEqual(after["brook_protocol_errors_total"] - before["brook_protocol_errors_total"], 1)

    def test_http_errors(self):
        r, text = self.request(path="/")
        self.assertEqual(r.status, 404)
        self.assertIn("/metrics", text)
        r, _ = self.request(method="POST", body=b"x=1")
        self.assertEqual(r.status, 405)
        self.assertEqual(r.getheader("Allow"), "GET, HEAD")
        r, text = self.request(method="HEAD")
        self.assertEqual((r.status, text), (200, ""))
        r, _ = self.request(headers={"X-Big": "a" * 40000})  # headers over the per-connection memory
        self.assertEqual(r.status, 431)

    def raw(self, data, read=True):
        """What the endpoint answers to `data` before it closes; a reset
        (it closed while bytes were still coming) ends the answer too."""
        s = socket.create_connection(("127.0.0.1", self.mport), timeout=10)
        got = b""
        try:
            s.sendall(data)
            while read:
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += chunk
        except (ConnectionResetError, BrokenPipeError):
            pass
        s.close()
        return got

    def test_bad_http_gets_an_error_and_the_broker_keeps_serving(self):
        clients = Native(self.broker.port)  # a client connection that must not notice
        self.assertEqual(self.raw(b"GARBAGE\r\n\r\n"), b"")  # no request line to answer: closed
        self.assertTrue(self.raw(b"GET /metrics\r\n\r\n").startswith(b"HTTP/1.1 400"))
        self.assertTrue(self.raw(b"GET /metrics HTTP/9.9\r\n\r\n").startswith(b"HTTP/1.1 505"))
        self.raw(os.urandom(100000))
        self.raw(b"GET /metr", read=False)  # truncated, then gone
        # an idle connection and one that never finishes its headers hold no one up
        idle = socket.create_connection(("127.0.0.1", self.mport))
        slow = socket.create_connection(("127.0.0.1", self.mport))
        slow.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        # more connections than the endpoint takes at once: the extra ones are refused, not queued forever
        many = [socket.create_connection(("127.0.0.1", self.mport)) for _ in range(80)]
        for s in many:
            s.close()
        deadline = time.monotonic() + 10
        while True:
            try:
                samples, _ = self.scrape(timeout=2)
                break
            except (OSError, http.client.HTTPException):  # refused, reset or timed out
                self.assertLess(time.monotonic(), deadline, "the endpoint did not recover")
                time.sleep(0.1)
        self.assertIn("brook_requests_total", samples)
        idle.close()
        slow.close()
        self.assertEqual(clients.call("list_topics")["error"], 0)
        clients.close()


    def test_the_endpoint_comes_back_at_once_after_its_connection_cap(self):
        """64 connections that send nothing for a second, then close: the
        next scrape is served at once (it once stayed unreachable for
        minutes), and one tried while they are held is not answered wrongly."""
        for _ in range(3):
            held = [socket.create_connection(("127.0.0.1", self.mport)) for _ in range(64)]
            try:
                self.scrape(timeout=0.5)  # at the cap: refused, timed out or served, never a bad answer
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(1.0)
            for s in held:
                s.close()
            t0 = time.monotonic()
            while True:
                try:
                    samples, _ = self.scrape(timeout=2)
                    break
                except (OSError, http.client.HTTPException):
                    self.assertLess(time.monotonic() - t0, 3.0, "the endpoint did not come back")
                    time.sleep(0.05)
            self.assertIn("brook_requests_total", samples)


class MetricsOnSegments(Metrics):
    """The same on storage-segment, and the size gauge against its files."""

    storage_metric = "brook_storage_segment_open_files"

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="brook-it-")
        self.broker = Broker(self.dir, extra=self.extra, storage='storage = { plugin = "segment"; };').start()
        m = re.search(r"metrics endpoint listening on 127\.0\.0\.1:(\d+)", self.broker.log())
        self.mport = int(m.group(1))

    def test_partition_size_is_the_segment_files(self):
        self.ctl("topics", "create", "sized")
        for i in range(3):
            self.ctl("produce", "sized", input=b"".join(b"%d-%d\n" % (i, j) for j in range(50)))
        s, _ = self.scrape()
        logs = glob.glob(os.path.join(self.broker.data, "**", "*.log"), recursive=True)
        on_disk = sum(os.path.getsize(f) for f in logs if "sized" in f)
        self.assertGreater(on_disk, 0)
        self.assertEqual(s['brook_partition_size_bytes{topic="sized",partition="0"}'], on_disk)

    def test_syncs_are_timed(self):
        """flush "always" (the default): each acknowledged produce waited for
        an fdatasync, which the plugin's histogram counts."""
        before, types = self.scrape()
        self.assertEqual(types["brook_storage_segment_fdatasync_seconds"], "histogram")
        self.assertEqual(types["brook_storage_segment_syncfs_seconds"], "histogram")
        self.ctl("topics", "create", "synced")
        self.ctl("produce", "synced", input=b"".join(b"%d\n" % i for i in range(20)))
        after, _ = self.scrape()
        name = "brook_storage_segment_fdatasync_seconds"
        self.assertGreater(after[name + "_count"], before[name + "_count"])
        self.assertEqual(after[name + '_bucket{le="+Inf"}'], after[name + "_count"])
        self.assertGreater(after[name + "_sum"], before[name + "_sum"])


class MetricsConfig(unittest.TestCase):
    def run_brookd(self, metrics):
        d = tempfile.mkdtemp(prefix="brook-it-")
        path = os.path.join(d, "brook.conf")
        with open(path, "w") as f:
            f.write('broker = { data_dir = "%s/data"; };\n'
                    'listeners = ( { name = "n"; codec = "native"; address = "127.0.0.1:0"; } );\n'
                    'storage = { plugin = "memory"; };\n%s\n' % (d, metrics))
        try:
            return subprocess.run([BROOKD, "-c", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def test_a_bad_address_fails_start_with_where_and_why(self):
        r = self.run_brookd('metrics = { address = "localhost"; };')
        self.assertEqual(r.returncode, 1)
        self.assertIn("brook.conf:4: metrics.address: must be host:port", r.stderr.decode())

    def test_a_taken_port_fails_start_before_serving(self):
        s, port = taken_port()
        r = self.run_brookd('metrics = { address = "127.0.0.1:%d"; };' % port)
        s.close()
        self.assertEqual(r.returncode, 1)
        err = r.stderr.decode()
        self.assertIn("metrics.address: cannot listen on 127.0.0.1:%d" % port, err)
        self.assertNotIn("listening on", err)


if __name__ == "__main__":
    unittest.main()
