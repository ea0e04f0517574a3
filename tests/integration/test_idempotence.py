"""Exactly-once for idempotent producers across crashes: a retried batch is
acknowledged with its first offsets, never appended twice, after any
number of kill -9s, whatever the batch sizes - with hand-made batches
(a 615 KB one among them), with 100,000 producers, and with two real
librdkafka idempotent producers while the broker is killed again and
again. Segment storage, flush always."""
import os
import random
import shutil
import signal
import struct
import tempfile
import threading
import time
import unittest

from brooktest import Broker, brookctl
import kafkawire as kw

from confluent_kafka import Consumer, Producer, TopicPartition

SEGMENT = 'storage = { plugin = "segment"; flush = "always"; };'


def produce_many(parts, acks=-1):
    """Produce v3 body with one batch per (topic, partition, records)."""
    topics = {}
    for topic, partition, records in parts:
        topics.setdefault(topic, []).append(struct.pack(">i", partition) + kw.nbytes(records))
    rows = [kw.string(t) + kw.array(p) for t, p in topics.items()]
    return kw.string(None) + struct.pack(">hi", acks, 10000) + kw.array(rows)


class Idempotence(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="brook-it-")
        self.broker = None

    def tearDown(self):
        if self.broker and self.broker.alive():
            self.broker.stop(signal.SIGKILL)
        log = ""
        if self.broker:
            with open(self.broker.log_path, errors="replace") as f:
                log = f.read()
        shutil.rmtree(self.dir, ignore_errors=True)
        self.assertNotIn("ERROR: AddressSanitizer", log)
        self.assertNotIn("runtime error:", log)

    def start(self, extra=""):
        """(Re)start brookd on the same data directory and, after the first
        start, the same Kafka port, so clients reconnect to it."""
        if self.broker is None:
            self.broker = Broker(self.dir, storage=SEGMENT, extra=extra).start()
            with open(self.broker.conf) as f:
                conf = f.read()
            for name, port in self.broker.ports.items():
                conf = conf.replace('name = "%s"; codec = "%s"; address = "127.0.0.1:0"' % (name, name),
                                    'name = "%s"; codec = "%s"; address = "127.0.0.1:%d"' % (name, name, port))
            with open(self.broker.conf, "w") as f:
                f.write(conf)
        else:
            self.broker.start()
        return self.broker

    def kill_and_restart(self):
        self.broker.stop(signal.SIGKILL)
        return self.start()

    def call_all(self, conn, bodies, key=0, version=3):
        """Send every request, then read every response (pipelined)."""
        sent = [conn.send(key, version, body) for body in bodies]
        out = []
        for corr in sent:
            got, data = conn.recv()
            self.assertEqual(got, corr)
            out.append(data)
        return out

    def test_retries_of_any_recent_batch_survive_kill9_whatever_their_size(self):
        b = self.start()
        brookctl(b.address, "topics", "create", "t")
        c = kw.Conn(b.kafka_port)
        pid, epoch = kw.init_producer_id(c)
        big = [b"x" * 1000 + b"%06d" % i for i in range(615)]  # one 615 KB batch
        batches = [kw.batch(big, pid, epoch, 0)]
        seq = len(big)
        for n in (1, 3, 2, 5):
            batches.append(kw.batch([b"small-%d-%d" % (seq, i) for i in range(n)], pid, epoch, seq))
            seq += n
        firsts = []
        for batch in batches:
            (row,) = kw.parse_produce_v3(c.call(0, 3, kw.produce_v3("t", 0, batch, acks=-1)))
            self.assertEqual(row[2], 0)
            firsts.append(row[3])
        c.close()
        end = firsts[-1] + 5
        for _ in range(3):
            b = self.kill_and_restart()
            c = kw.Conn(b.kafka_port)
            # the last five batches, the 615 KB one first: acknowledged with their first offsets
            for batch, first in zip(batches, firsts):
                (row,) = kw.parse_produce_v3(c.call(0, 3, kw.produce_v3("t", 0, batch, acks=-1)))
                self.assertEqual((row[2], row[3]), (0, first))
            c.close()
        # nothing was appended twice, and the producer goes on where it was
        c = kw.Conn(b.kafka_port)
        (row,) = kw.parse_produce_v3(c.call(0, 3, kw.produce_v3("t", 0, kw.batch([b"next"], pid, epoch, seq), -1)))
        self.assertEqual((row[2], row[3]), (0, end))
        gap = kw.batch([b"gap"], pid, epoch, seq + 5)
        (row,) = kw.parse_produce_v3(c.call(0, 3, kw.produce_v3("t", 0, gap, acks=-1)))
        self.assertEqual(row[2], 45)  # OUT_OF_ORDER_SEQUENCE_NUMBER
        c.close()
        # a clean stop leaves a snapshot at the log end; deleting the topic takes it away
        b.stop(signal.SIGTERM)
        state = os.path.join(b.data, "producer-state", "t-0")
        self.assertEqual(os.listdir(state), ["%020d.snapshot" % (end + 1)])
        b = self.start()
        self.assertEqual(brookctl(b.address, "topics", "delete", "t").returncode, 0)
        self.assertFalse(os.path.exists(state))

    def test_a_hundred_thousand_producers_restart_fast_and_stay_deduplicated(self):
        b = self.start("producers = { snapshot_interval_bytes = 1048576; };")
        partitions, producers = 10, 100_000
        brookctl(b.address, "topics", "create", "many", "--partitions", str(partitions))
        batches = {pid: kw.batch([b"v%d" % pid], pid, 0, 0) for pid in range(1000, 1000 + producers)}

        def requests():
            pids = sorted(batches)
            for i in range(0, len(pids), partitions):
                yield produce_many([("many", k, batches[pid]) for k, pid in enumerate(pids[i:i + partitions])])

        def offsets_of(responses):
            return [row[2:4] for data in responses for row in kw.parse_produce_v3(data)]

        c = kw.Conn(b.kafka_port)
        first = offsets_of(self.call_all(c, list(requests())))
        c.close()
        self.assertTrue(all(err == 0 for err, _ in first))
        for how in (signal.SIGKILL, signal.SIGTERM):
            b.stop(how)
            t0 = time.monotonic()
            b = self.start()
            restart = time.monotonic() - t0
            self.assertLess(restart, 10.0, "restart took %.1f s with %d producers" % (restart, producers))
            c = kw.Conn(b.kafka_port)
            again = offsets_of(self.call_all(c, list(requests())))
            c.close()
            self.assertEqual(again, first)  # every one a duplicate, acknowledged with its first offset
        # and nothing was appended twice: each partition still ends where it did
        c = kw.Conn(b.kafka_port)
        body = struct.pack(">i", -1) + kw.array([kw.string("many") + kw.array(
            [struct.pack(">iq", p, -1) for p in range(partitions)])])
        rows = kw.topic_rows(c.call(2, 1, body), 0, ">ihqq")  # ListOffsets v1: latest
        c.close()
        self.assertEqual([row[4] for row in rows], [producers // partitions] * partitions)

    def test_two_librdkafka_idempotent_producers_under_repeated_kill9(self):
        b = self.start()
        brookctl(b.address, "topics", "create", "t")
        kills = int(os.environ.get("BROOK_IDEMPOTENCE_KILLS", "20"))
        acked, fatal, stop = {0: [], 1: []}, [], threading.Event()

        def run(n):
            p = Producer({"bootstrap.servers": "127.0.0.1:%d" % b.kafka_port, "enable.idempotence": True,
                          "acks": "all", "linger.ms": 20, "batch.size": 1_000_000, "batch.num.messages": 10000,
                          "message.timeout.ms": 300000, "retry.backoff.ms": 50,
                          "error_cb": lambda e: e.fatal() and fatal.append(str(e))})
            i = 0

            def delivered(err, msg):
                if err is None:
                    acked[n].append(msg.value())

            while not stop.is_set() and not fatal:
                try:
                    for _ in range(500):
                        p.produce("t", b"p%d-%08d-" % (n, i) + b"y" * 200, partition=0, on_delivery=delivered)
                        i += 1
                except BufferError:
                    pass
                p.poll(0.005)
            self.assertEqual(p.flush(120), 0)

        threads = [threading.Thread(target=run, args=(n,)) for n in (0, 1)]
        for t in threads:
            t.start()
        rng = random.Random(5)
        try:
            for _ in range(kills):
                time.sleep(rng.uniform(0.3, 0.9))
                b = self.kill_and_restart()
        finally:
            time.sleep(1.0)
            stop.set()
            for t in threads:
                t.join(180)
        self.assertEqual(fatal, [])
        print("acknowledged %d + %d records across %d kills" % (len(acked[0]), len(acked[1]), kills))
        expected = set(acked[0]) | set(acked[1])
        self.assertGreater(len(expected), 1000)
        c = Consumer({"bootstrap.servers": "127.0.0.1:%d" % b.kafka_port, "group.id": "check",
                      "enable.auto.commit": False})
        c.assign([TopicPartition("t", 0, 0)])
        got, deadline, idle = [], time.monotonic() + 120, 0
        while time.monotonic() < deadline and idle < 6:
            m = c.poll(0.5)
            if m is None:
                idle += 1
                continue
            idle = 0
            self.assertIsNone(m.error())
            got.append(m.value())
        c.close()
        duplicates = len(got) - len(set(got))
        self.assertEqual(duplicates, 0, "%d records appended twice" % duplicates)
        self.assertEqual(expected - set(got), set(), "acknowledged records lost")


if __name__ == "__main__":
    unittest.main()
