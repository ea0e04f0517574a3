"""Fetching log data that is no longer in the page cache (a consumer or a
follower reading old segments): the broker reads it in on an I/O thread
before sending it, so the event loop, and every other connection with it,
never waits for the disk, and what the consumer gets is exactly what was
produced. The segment files are taken out of the page cache by the test
(fdatasync, then POSIX_FADV_DONTNEED). Old segments' indexes, not in
memory after a restart, are read in off the loop for fetches and for
ListOffsets by time."""
import glob
import os
import re
import socket
import struct
import subprocess
import time
import unittest
import urllib.request

from confluent_kafka import Consumer, TopicPartition

from brooktest import BrokerTestCase
import kafkawire as kw

BATCHES = 80
VALUE = 100_000  # one record per batch: 8 MB in the partition


def drop_from_page_cache(data_dir, topic):
    """Take every segment file of the topic out of the page cache; False
    when the file system keeps them there anyway (tmpfs)."""
    logs = glob.glob(os.path.join(data_dir, topic + "-*", "*.log"))
    assert logs, "no segment files under %s" % data_dir
    for path in logs:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fdatasync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
    # fincore asks mincore(2), which reads nothing in
    resident = subprocess.run(["fincore", "--bytes", "--noheadings", "--raw", "-o", "RES"] + logs,
                              capture_output=True, text=True, check=True).stdout.split()
    return sum(int(x) for x in resident) == 0


class ColdFetch(BrokerTestCase):
    storage = 'storage = { plugin = "segment"; flush = "os"; };'
    extra = 'metrics = { address = "127.0.0.1:0"; };'

    def setUp(self):
        super().setUp()
        self.ctl("topics", "create", "old")
        c = kw.Conn(self.broker.kafka_port)
        for i in range(BATCHES):
            data = c.call(0, 3, kw.produce_v3("old", 0, kw.batch([b"%04d" % i + bytes([65 + i % 26]) * VALUE])))
            self.assertEqual(kw.parse_produce_v3(data)[0][2], 0)
        c.close()

    def metric(self, name):
        port = re.search(r"metrics endpoint listening on 127\.0\.0\.1:(\d+)", self.broker.log()).group(1)
        with urllib.request.urlopen("http://127.0.0.1:%s/metrics" % port, timeout=5) as r:
            text = r.read().decode()
        m = re.search(r"^brook_%s (\d+)$" % name, text, re.M)
        return int(m.group(1)) if m else None

    def test_a_consumer_of_data_out_of_the_page_cache_gets_it_read_in_off_the_loop(self):
        if not drop_from_page_cache(self.broker.data, "old"):
            self.skipTest("this file system keeps file pages in memory")
        c = Consumer({"bootstrap.servers": "127.0.0.1:%d" % self.broker.kafka_port, "group.id": "g",
                      "enable.auto.commit": False})
        c.assign([TopicPartition("old", 0, 0)])
        got, deadline = [], time.monotonic() + 60
        while len(got) < BATCHES and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is None:
                continue
            self.assertIsNone(m.error(), m.error())
            got.append((m.offset(), m.value()))
        c.close()
        self.assertEqual([o for o, _ in got], list(range(BATCHES)))
        for i, (_, value) in enumerate(got):
            self.assertEqual(value, b"%04d" % i + bytes([65 + i % 26]) * VALUE)
        reads, read_bytes = self.metric("cold_file_reads_total"), self.metric("cold_file_read_bytes_total")
        self.assertIsNotNone(reads, "no cold_file_reads_total metric")
        self.assertGreater(reads, 0)
        self.assertGreater(read_bytes, VALUE)

    def test_a_client_gone_while_its_data_is_read_in_costs_nothing(self):
        # The connection closes while an I/O thread reads its response's
        # bytes: the read's completion must find it closed, not freed.
        if not drop_from_page_cache(self.broker.data, "old"):
            self.skipTest("this file system keeps file pages in memory")
        before = self.metric("cold_file_reads_total") or 0
        for _ in range(20):
            drop_from_page_cache(self.broker.data, "old")  # (the last client's read may be refilling it)
            s = socket.create_connection(("127.0.0.1", self.broker.kafka_port))
            body = kw.fetch_v11("old", 0, 0)
            s.sendall(kw.frame(1, 11, 7, body))
            s.close()
        deadline = time.monotonic() + 10
        while (self.metric("cold_file_reads_total") or 0) == before and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertGreater(self.metric("cold_file_reads_total") or 0, before)
        c = kw.Conn(self.broker.kafka_port)  # and the broker goes on serving
        err, perr = kw.fetch_v11_error(c.call(1, 11, kw.fetch_v11("old", 0, BATCHES - 1)))
        self.assertEqual((err, perr), (0, 0))
        c.close()


SEGMENTS = 40


class SealedIndexesReadBack(BrokerTestCase):
    """A consumer reading old segments whose indexes are not in memory (a
    restart, or index_cache_bytes dropped them): storage reads each index
    in on an I/O thread, the fetch answers nothing for the partition
    meanwhile and is woken as soon as it is in, not at its max wait."""
    storage = ('storage = { plugin = "segment"; flush = "os"; segment_bytes = 65536; '
               'index_cache_bytes = 0; index_cache_hold_ms = 0; };')
    extra = 'metrics = { address = "127.0.0.1:0"; };'
    metric = ColdFetch.metric

    def test_a_fetch_waiting_for_an_index_is_woken_when_it_is_in(self):
        self.ctl("topics", "create", "seg")
        c = kw.Conn(self.broker.kafka_port)
        count = 0
        for i in range(SEGMENTS * 8):  # 8 KiB batches of 8 records: 8 batches a segment
            data = c.call(0, 3, kw.produce_v3("seg", 0, kw.batch([b"%06d" % (count + j) * 170 for j in range(8)])))
            self.assertEqual(kw.parse_produce_v3(data)[0][2], 0)
            count += 8
        c.close()
        self.broker.stop()
        self.broker.start()  # no sealed segment's index in memory now
        self.assertGreaterEqual(len(glob.glob(os.path.join(self.broker.data, "seg-0", "*.index"))), SEGMENTS - 2)
        loads_before = self.metric("storage_segment_index_loads_total")
        # Starting in the middle of the log: the first fetch finds the
        # segment's index not in and parks for up to 10 s unless woken.
        start = count // 2 + 3
        consumer = Consumer({"bootstrap.servers": "127.0.0.1:%d" % self.broker.kafka_port, "group.id": "g",
                             "enable.auto.commit": False, "fetch.wait.max.ms": 10000,
                             "max.partition.fetch.bytes": 65536})
        consumer.assign([TopicPartition("seg", 0, start)])
        got, t0 = [], time.monotonic()
        first = None
        while len(got) < count - start and time.monotonic() < t0 + 60:
            m = consumer.poll(0.5)
            if m is None:
                continue
            self.assertIsNone(m.error(), m.error())
            first = first or time.monotonic() - t0
            got.append((m.offset(), m.value()))
        elapsed = time.monotonic() - t0
        consumer.close()
        self.assertEqual([o for o, _ in got], list(range(start, count)))
        self.assertEqual([v for _, v in got], [b"%06d" % o * 170 for o in range(start, count)])
        self.assertLess(first, 5.0, "the first record waited for the fetch's max wait")
        self.assertLess(elapsed, 20.0, "reading %d segments took %.1f s" % (SEGMENTS // 2, elapsed))
        self.assertGreaterEqual(self.metric("storage_segment_index_loads_total") - loads_before, SEGMENTS // 2 - 2)


class TimestampLookupsReadBack(BrokerTestCase):
    """ListOffsets by time over old segments whose indexes are not in
    memory: storage reads what each lookup needs in on an I/O thread
    (prepare_timestamp), and the request is answered once every partition
    has its answer. Before, each lookup read its segment's index, headers
    and batch on the event loop."""
    storage = SealedIndexesReadBack.storage
    extra = SealedIndexesReadBack.extra
    metric = ColdFetch.metric
    T0 = 1_800_000_000_000

    def lookup(self, conn, asks):
        """ListOffsets v4 for [(partition, timestamp)] of "ts": {partition: (error, timestamp, offset)}."""
        parts = [struct.pack(">iiq", p, -1, t) for p, t in asks]
        body = struct.pack(">ib", -1, 0) + kw.array([kw.string("ts") + kw.array(parts)])
        return {p: (e, t, o) for _, p, e, t, o, _ in kw.parse_list_offsets_v4(conn.call(2, 4, body))}

    def test_lookups_by_time_after_a_restart(self):
        self.ctl("topics", "create", "ts", "--partitions", "3")
        c = kw.Conn(self.broker.kafka_port)
        batches = SEGMENTS * 8  # 8 KiB batches of 8 records, dated T0 + 10 ms per batch
        for i in range(batches):
            for p in range(3):
                data = c.call(0, 3, kw.produce_v3("ts", p, kw.batch([b"%06d" % j * 170 for j in range(8)],
                                                                    timestamp=self.T0 + 10 * i)))
                self.assertEqual(kw.parse_produce_v3(data)[0][2], 0)
        c.close()
        self.broker.stop()
        self.broker.start()  # no sealed segment's index in memory now
        loads_before = self.metric("storage_segment_index_loads_total")
        c = kw.Conn(self.broker.kafka_port)
        for i in range(0, batches, 13):
            got = self.lookup(c, [(0, self.T0 + 10 * i), (1, self.T0 + 10 * i + 5), (2, -2)])
            self.assertEqual(got[0], (0, self.T0 + 10 * i, 8 * i))
            self.assertEqual(got[1], (0, self.T0 + 10 * (i + 1), 8 * (i + 1)) if i + 1 < batches else (0, -1, -1))
            self.assertEqual(got[2], (0, -1, 0))
        self.assertEqual(self.lookup(c, [(0, self.T0 + 10 * batches)])[0], (0, -1, -1))
        c.close()
        # the indexes came in through the loads off the loop, one per segment asked
        self.assertGreaterEqual(self.metric("storage_segment_index_loads_total") - loads_before, 2 * (batches // 13))


if __name__ == "__main__":
    unittest.main()
