"""storage-segment under a real brookd: data survives restarts and kill -9,
every acknowledged record is there exactly once after a crash, damaged
tails are cut at start-up, a full disk refuses writes without losing
anything, and ten thousand partitions fit in a few hundred descriptors."""
import glob
import os
import random
import re
import resource
import shutil
import signal
import tempfile
import threading
import time
import unittest
import urllib.request

from brooktest import Broker, Native, brookctl

SEGMENT = 'storage = {{ plugin = "segment"; flush = "{flush}"; segment_bytes = {segment_bytes}; {more} }};'


def segment_storage(flush="always", segment_bytes=1048576, more=""):
    return SEGMENT.format(flush=flush, segment_bytes=segment_bytes, more=more)


def read_all(c, topic, partition):
    """Every record value of a partition, by fetching from 0 to the end."""
    values, offset = [], 0
    for _ in range(100000):
        r = c.call("fetch", topic=topic, partition=partition, offset=offset, max_bytes=1 << 20)
        assert r["error"] == 0, r
        values += [x["value"] for x in r["records"]]
        offset = r["next_offset"]
        if offset >= r["high_watermark"]:
            return values
    raise AssertionError("partition never ended")


class SegmentStorage(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="brook-seg-it-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def broker(self, **kw):
        kw.setdefault("storage", segment_storage())
        b = Broker(self.dir, **kw)
        self.addCleanup(b.stop, signal.SIGKILL)  # no broker outlives a failed test
        return b

    def test_brookctl_round_trip_survives_restarts(self):
        b = self.broker(storage=segment_storage(segment_bytes=65536)).start()
        rng = random.Random(5)
        values = [bytes(rng.choice(range(256)) for _ in range(rng.randrange(1, 200))).replace(b"\n", b"-")
                  for _ in range(10000)]
        payload = b"".join(v + b"\n" for v in values)
        self.assertEqual(brookctl(b.address, "topics", "create", "keep", "--partitions", "1").returncode, 0)
        self.assertEqual(brookctl(b.address, "produce", "keep", input=payload).returncode, 0)
        self.assertEqual(b.stop(signal.SIGTERM), 0)
        b = self.broker(storage=segment_storage(segment_bytes=65536)).start()
        self.assertEqual(brookctl(b.address, "consume", "keep", "--from-beginning").stdout, payload)
        b.stop(signal.SIGKILL)
        b = self.broker(storage=segment_storage(segment_bytes=65536)).start()
        self.assertEqual(brookctl(b.address, "consume", "keep", "--from-beginning").stdout, payload)
        self.assertGreater(len(glob.glob(os.path.join(b.data, "keep-0", "*.log"))), 5)  # it rolled
        self.assertEqual(b.stop(), 0)

    def test_one_fetch_spans_segments_without_gaps(self):
        b = self.broker(storage=segment_storage(segment_bytes=4096)).start()
        c = Native(b.port)
        c.call("create_topic", topic="span", partitions=1)
        sent = []
        for i in range(60):
            vals = [b"%03d-%d-" % (i, k) + b"x" * 40 for k in range(3)]
            sent += vals
            self.assertEqual(c.call("produce", topic="span", records=[{"value": v} for v in vals])["error"], 0)
        self.assertGreater(len(glob.glob(os.path.join(b.data, "span-0", "*.log"))), 3)
        r = c.call("fetch", topic="span", partition=0, offset=1, max_bytes=1 << 20)
        self.assertEqual(r["error"], 0, r)
        self.assertEqual([x["offset"] for x in r["records"]], list(range(1, len(sent))))
        self.assertEqual([x["value"] for x in r["records"]], sent[1:])
        self.assertEqual(r["next_offset"], len(sent))
        c.close()
        self.assertEqual(b.stop(), 0)

    def crash_round(self, topic, rng, storage):
        """Produce from three connections, kill -9 at a random moment, and
        return what was sent and what was acknowledged per partition."""
        b = self.broker(storage=storage).start()
        c = Native(b.port)
        self.assertEqual(c.call("create_topic", topic=topic, partitions=3)["error"], 0)
        c.close()
        sent = {p: [] for p in range(3)}
        acked = {p: 0 for p in range(3)}
        stop = threading.Event()

        def produce(p):
            conn = Native(b.port)
            i = 0
            while not stop.is_set():
                vals = [b"%s-%d-%06d-%d" % (topic.encode(), p, i, k) for k in range(1 + i % 17)]
                sent[p].append(vals)
                try:
                    r = conn.call("produce", topic=topic, partition=p, acks=1,
                                  records=[{"value": v} for v in vals])
                except (ConnectionError, OSError):
                    return
                if r["error"] == 0:
                    acked[p] = len(sent[p])
                i += 1

        threads = [threading.Thread(target=produce, args=(p,)) for p in range(3)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.2, 1.2))
        b.proc.kill()
        b.proc.wait(10)
        b.logf.close()
        b.proc = None
        stop.set()
        for t in threads:
            t.join(10)
        return sent, acked

    def verify(self, c, topic, sent, acked):
        for p in range(3):
            got = read_all(c, topic, p)
            # the log is the first k requests, whole, in order, each once,
            # with every acknowledged one among them and nothing else after
            k, pos = 0, 0
            while k < len(sent[p]) and got[pos:pos + len(sent[p][k])] == sent[p][k]:
                pos += len(sent[p][k])
                k += 1
            self.assertEqual(pos, len(got), "%s-%d: unexpected records after request %d: %r, sent %r" % (topic, p, k, got[pos:pos + 3], sent[p][k:k + 2]))
            self.assertGreaterEqual(k, acked[p], "partition %d: acknowledged records lost" % p)
            self.assertGreater(acked[p], 0)

    def test_acknowledged_records_survive_kill_9(self):
        # every flush policy promises this much: a killed broker loses no
        # acknowledged record (only "always" and ack_after_sync also hold
        # through a machine crash, which a test cannot stage here)
        policies = [segment_storage("always"), segment_storage("interval", more="flush_ms = 50;"),
                    segment_storage("os"), segment_storage("interval", more="flush_ms = 20; ack_after_sync = true;"),
                    segment_storage("always")]
        rng = random.Random(11)
        rounds = []
        for r, storage in enumerate(policies):
            topic = "crash%d" % r
            sent, acked = self.crash_round(topic, rng, storage)
            rounds.append((topic, sent, acked))
            b = self.broker().start()
            c = Native(b.port)
            for t, s, a in rounds:  # this round and every earlier one
                self.verify(c, t, s, a)
            c.close()
            self.assertEqual(b.stop(), 0)

    def test_damaged_tail_is_cut_at_start(self):
        b = self.broker().start()
        c = Native(b.port)
        c.call("create_topic", topic="t", partitions=1)
        for i in range(20):
            self.assertEqual(c.call("produce", topic="t", records=[{"value": b"v%d" % i}])["error"], 0)
        c.close()
        self.assertEqual(b.stop(), 0)
        seg = sorted(glob.glob(os.path.join(b.data, "t-0", "*.log")))[-1]
        size = os.path.getsize(seg)
        with open(seg, "r+b") as f:
            f.seek(size - 5)  # flip a bit in the last batch
            byte = f.read(1)
            f.seek(size - 5)
            f.write(bytes([byte[0] ^ 0x40]))
            f.seek(0, 2)
            f.write(b"\x00garbage after the last batch" * 3)
        b = self.broker().start()
        self.assertIn("removed", b.log())
        self.assertIn("partition t-0", b.log())
        c = Native(b.port)
        self.assertEqual(read_all(c, "t", 0), [b"v%d" % i for i in range(19)])
        r = c.call("produce", topic="t", records=[{"value": b"next"}])
        self.assertEqual((r["error"], r["base_offset"]), (0, 19))
        c.close()
        self.assertEqual(b.stop(), 0)

    def test_full_disk_refuses_writes_and_loses_nothing(self):
        def limit_file_size():
            resource.setrlimit(resource.RLIMIT_FSIZE, (300000, 300000))

        b = self.broker(preexec_fn=limit_file_size).start()
        c = Native(b.port)
        c.call("create_topic", topic="full", partitions=2)
        acked, refused = [], None
        for i in range(100):
            v = b"%04d" % i + b"x" * 20000
            r = c.call("produce", topic="full", partition=0, records=[{"value": v}])
            if r["error"]:
                refused = r
                break
            acked.append(v)
        self.assertIsNotNone(refused, "the size limit was never hit")
        self.assertEqual(refused["error"], 16, refused)  # no space left
        self.assertIn("write to", b.log())
        # the rest of the broker is fine
        self.assertEqual(c.call("produce", topic="full", partition=1, records=[{"value": b"ok"}])["error"], 0)
        self.assertEqual(read_all(c, "full", 0), acked)
        c.close()
        self.assertEqual(b.stop(), 0)
        b = self.broker().start()  # no limit any more
        c = Native(b.port)
        self.assertEqual(read_all(c, "full", 0), acked)
        self.assertEqual(c.call("produce", topic="full", partition=0, records=[{"value": b"more"}])["error"], 0)
        c.close()
        self.assertEqual(b.stop(), 0)

    def test_ten_thousand_partitions_in_few_descriptors(self):
        def few_files():
            resource.setrlimit(resource.RLIMIT_NOFILE, (512, 512))

        storage = segment_storage(flush="os", more="max_open_files = 200;")
        b = self.broker(storage=storage, preexec_fn=few_files).start()
        c = Native(b.port, timeout=120)
        self.assertEqual(c.call("create_topic", topic="wide", partitions=10000)["error"], 0)
        for chunk in range(0, 10000, 500):
            ids = [c.send("produce", topic="wide", partition=p, records=[{"value": b"%d" % p}])
                   for p in range(chunk, chunk + 500)]
            for rid in ids:
                r = c.recv()
                self.assertEqual((r["id"], r["error"]), (rid, 0))
        for chunk in range(0, 10000, 500):
            ids = [c.send("fetch", topic="wide", partition=p, offset=0) for p in range(chunk, chunk + 500)]
            for k, rid in enumerate(ids):
                r = c.recv()
                self.assertEqual(r["id"], rid)
                self.assertEqual([x["value"] for x in r["records"]], [b"%d" % (chunk + k)])
        c.close()
        self.assertEqual(b.stop(), 0)
        b = self.broker(storage=storage, preexec_fn=few_files).start(timeout=120)  # 10,000 partitions to open; slow under ASan
        c = Native(b.port, timeout=120)
        for p in (0, 4999, 9999):
            self.assertEqual(read_all(c, "wide", p), [b"%d" % p])
        c.close()
        self.assertEqual(b.stop(), 0)

    def test_start_up_rewrites_no_file_of_the_partitions_it_opens(self):
        # Opening a partition reads its files: an empty one's leader-epoch
        # checkpoint was rewritten and fsynced twice at every start (minutes
        # with 100,000 partitions), and a log without idempotent producers
        # was read whole to rebuild their (empty) state.
        b = self.broker().start()
        self.assertEqual(brookctl(b.address, "topics", "create", "idle", "--partitions", "3").returncode, 0)
        self.assertEqual(brookctl(b.address, "produce", "idle", "--partition", "1", input=b"one\n").returncode, 0)
        self.assertEqual(b.stop(signal.SIGTERM), 0)

        def files():
            found = {}
            for root, _, names in os.walk(b.data):
                for n in names:
                    path = os.path.join(root, n)
                    st = os.stat(path)
                    found[os.path.relpath(path, b.data)] = (st.st_ino, st.st_mtime_ns, st.st_size)
            return found

        before = files()
        self.assertIn(os.path.join("leader-epochs", "idle-0"), before)
        # a clean stop leaves a producer snapshot at the log end, none or
        # many producers: the next start replays nothing of the log
        self.assertEqual([f for f in before if f.startswith(os.path.join("producer-state", "idle-1", ""))],
                         [os.path.join("producer-state", "idle-1", "%020d.snapshot" % 1)])
        b = self.broker().start()
        self.assertEqual(brookctl(b.address, "consume", "idle", "--partition", "1", "--from-beginning").stdout,
                         b"one\n")
        after = files()
        self.assertEqual(b.stop(signal.SIGTERM), 0)
        changed = sorted(f for f in before
                         if f.startswith(("idle-", "leader-epochs", "producer-state")) and after.get(f) != before[f])
        self.assertEqual(changed, [])

    def test_a_clean_stop_spares_the_next_start_validating_active_segments(self):
        # Start-up validated every batch of every active segment (CRC and
        # all), which with gigabytes of them is the whole start-up. After a
        # clean stop their saved indexes are trusted; after kill -9 nothing
        # is, and every byte is validated as before.
        storage = segment_storage("os", segment_bytes=1 << 30)
        metrics = 'metrics = { address = "127.0.0.1:0"; };'

        def validated(b):
            port = re.search(r"metrics endpoint listening on 127\.0\.0\.1:(\d+)", b.log()).group(1)
            with urllib.request.urlopen("http://127.0.0.1:%s/metrics" % port, timeout=5) as r:
                text = r.read().decode()
            return int(re.search(r"^brook_storage_segment_recovery_validated_bytes_total (\d+)$", text, re.M).group(1))

        lines = [b"%06d " % i + b"x" * 1000 for i in range(3000)]  # 3 MB: past one recovery read
        b = self.broker(storage=storage, extra=metrics).start()
        self.assertEqual(brookctl(b.address, "topics", "create", "big", "--partitions", "1").returncode, 0)
        self.assertEqual(brookctl(b.address, "produce", "big", input=b"".join(x + b"\n" for x in lines)).returncode, 0)
        self.assertEqual(b.stop(signal.SIGTERM), 0)
        log = os.path.join(b.data, "big-0", "%020d.log" % 0)
        size = os.path.getsize(log)
        self.assertGreater(size, 3000000)

        b = self.broker(storage=storage, extra=metrics).start()
        self.assertEqual(validated(b), 0)
        self.assertEqual(brookctl(b.address, "produce", "big", input=b"after a clean stop\n").returncode, 0)
        lines.append(b"after a clean stop")
        self.assertEqual(brookctl(b.address, "consume", "big", "--from-beginning").stdout,
                         b"".join(x + b"\n" for x in lines))
        b.stop(signal.SIGKILL)

        b = self.broker(storage=storage, extra=metrics).start()
        self.assertEqual(validated(b), os.path.getsize(log))
        self.assertEqual(brookctl(b.address, "consume", "big", "--from-beginning").stdout,
                         b"".join(x + b"\n" for x in lines))
        self.assertEqual(b.stop(), 0)

    def test_missing_partition_directory_is_reported(self):
        b = self.broker().start()
        c = Native(b.port)
        c.call("create_topic", topic="lost", partitions=2)
        c.call("produce", topic="lost", partition=1, records=[{"value": b"x"}])
        c.close()
        self.assertEqual(b.stop(), 0)
        shutil.rmtree(os.path.join(b.data, "lost-1"))
        b = self.broker().start()
        self.assertIn("topic lost: 1 of 2 partition(s) had no stored log and start empty (storage segment)", b.log())
        c = Native(b.port)
        self.assertEqual(read_all(c, "lost", 1), [])
        self.assertEqual(c.call("produce", topic="lost", partition=1, records=[{"value": b"y"}])["base_offset"], 0)
        c.close()
        self.assertEqual(b.stop(), 0)

    def test_idempotent_retry_across_a_restart_is_not_appended_twice(self):
        import kafkawire as kw
        b = self.broker().start()
        c = kw.Conn(b.kafka_port)
        n = Native(b.port)
        n.call("create_topic", topic="idem", partitions=1)
        pid, epoch = kw.init_producer_id(c)
        first = kw.batch([b"a", b"b"], producer_id=pid, epoch=epoch, sequence=0)
        second = kw.batch([b"c"], producer_id=pid, epoch=epoch, sequence=2)
        self.assertEqual(kw.parse_produce_v3(c.call(0, 3, kw.produce_v3("idem", 0, first, acks=-1)))[0][2:], (0, 0))
        self.assertEqual(kw.parse_produce_v3(c.call(0, 3, kw.produce_v3("idem", 0, second, acks=-1)))[0][2:], (0, 2))
        c.close()
        n.close()
        self.assertEqual(b.stop(signal.SIGKILL), -signal.SIGKILL)
        b = self.broker().start()
        c = kw.Conn(b.kafka_port)
        # the retry of the last batch, after the restart: acknowledged at its offset, not appended
        self.assertEqual(kw.parse_produce_v3(c.call(0, 3, kw.produce_v3("idem", 0, second, acks=-1)))[0][2:], (0, 2))
        gap = kw.batch([b"d"], producer_id=pid, epoch=epoch, sequence=9)
        self.assertEqual(kw.parse_produce_v3(c.call(0, 3, kw.produce_v3("idem", 0, gap, acks=-1)))[0][2], 45)
        nxt = kw.batch([b"d"], producer_id=pid, epoch=epoch, sequence=3)
        self.assertEqual(kw.parse_produce_v3(c.call(0, 3, kw.produce_v3("idem", 0, nxt, acks=-1)))[0][2:], (0, 3))
        c.close()
        n = Native(b.port)
        self.assertEqual(read_all(n, "idem", 0), [b"a", b"b", b"c", b"d"])
        n.close()
        self.assertEqual(b.stop(), 0)
        # producer ids are never handed out twice, even across restarts
        with open(os.path.join(b.data, "producer_ids")) as f:
            self.assertGreater(int(f.read()), pid)

    def test_deleting_a_topic_removes_its_data(self):
        b = self.broker().start()
        c = Native(b.port)
        c.call("create_topic", topic="gone", partitions=2)
        c.call("produce", topic="gone", records=[{"value": b"x"}])
        self.assertEqual(c.call("delete_topic", topic="gone")["error"], 0)
        c.close()
        self.assertEqual(b.stop(), 0)
        self.assertEqual(glob.glob(os.path.join(b.data, "gone-*")), [])
        self.assertEqual(glob.glob(os.path.join(b.data, ".trash-*")), [])


if __name__ == "__main__":
    unittest.main()
