"""Real Kafka clients from Debian's packages against a real brookd: kcat
and confluent-kafka (librdkafka) produce, consume and administer; and the
wire-level behaviour they rely on, checked with hand-made frames."""
import random
import socket
import struct
import subprocess
import time
import unittest

from brooktest import BrokerTestCase
import kafkawire as kw

try:
    from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
    from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic
except ImportError:  # the suite installs python3-confluent-kafka; say so clearly if not
    raise unittest.SkipTest("python3-confluent-kafka is not installed")


class KafkaClients(BrokerTestCase):
    storage = None

    @property
    def bootstrap(self):
        return "127.0.0.1:%d" % self.broker.kafka_port

    def admin(self):
        return AdminClient({"bootstrap.servers": self.bootstrap})

    def create(self, name, partitions):
        admin = self.admin()  # must outlive its futures
        for _, f in admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)]).items():
            f.result(10)

    def kcat(self, *args, input=None):
        r = subprocess.run(["kcat", "-b", self.bootstrap] + list(args), input=input, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        return r.stdout

    def consume_all(self, topic, partitions, expected, extra=None):
        conf = {"bootstrap.servers": self.bootstrap, "group.id": "test", "enable.auto.commit": False}
        conf.update(extra or {})
        c = Consumer(conf)
        c.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
        got, deadline = [], time.time() + 60
        while len(got) < expected and time.time() < deadline:
            m = c.poll(0.5)
            if m is None:
                continue
            self.assertIsNone(m.error(), m.error())
            got.append(m)
        c.close()
        return got

    # ---- kcat ----------------------------------------------------------------

    def test_kcat_metadata_produce_consume_byte_exact(self):
        self.create("kc", 3)
        out = self.kcat("-L").decode()
        self.assertIn("broker 0 at 127.0.0.1:%d (controller)" % self.broker.kafka_port, out)
        self.assertIn('topic "kc" with 3 partitions', out)
        rng = random.Random(9)
        records = []
        for i in range(10000):
            key = b"key%d" % rng.randrange(40)
            value = bytes(rng.choice([b for b in range(256) if b not in (0x0a, 0x09)])
                          for _ in range(rng.randrange(1, 120))) + b"#%d" % i
            records.append(key + b"\t" + value)
        self.kcat("-P", "-t", "kc", "-K", "\t", input=b"\n".join(records) + b"\n")
        out = self.kcat("-C", "-t", "kc", "-e", "-o", "beginning", "-K", "\t", "-q")
        lines = out.split(b"\n")[:-1]
        self.assertEqual(sorted(lines), sorted(records))
        # one key stays in one partition, in order
        for p in range(3):
            part = self.kcat("-C", "-t", "kc", "-p", str(p), "-e", "-o", "beginning", "-K", "\t", "-q")
            mine = part.split(b"\n")[:-1]
            for key in {l.split(b"\t")[0] for l in mine}:
                self.assertEqual([l for l in mine if l.startswith(key + b"\t")],
                                 [r for r in records if r.startswith(key + b"\t")])

    # ---- confluent-kafka -------------------------------------------------------

    def test_admin_create_describe_delete(self):
        a = self.admin()
        fs = a.create_topics([NewTopic("adm", num_partitions=5, replication_factor=1)])
        fs["adm"].result(10)
        md = a.list_topics(timeout=10)
        self.assertEqual(len(md.topics["adm"].partitions), 5)
        errors = {}
        for name, parts, rf in [("adm", 1, 1), ("bad/name", 1, 1), ("rf", 1, 3)]:
            f = a.create_topics([NewTopic(name, num_partitions=parts, replication_factor=rf)])[name]
            try:
                f.result(10)
            except Exception as e:
                errors[name] = e.args[0].code()
        f = a.create_topics([NewTopic("manual", num_partitions=2, replica_assignment=[[0], [0]])])["manual"]
        try:
            f.result(10)
        except Exception as e:
            errors["manual"] = e.args[0].code()
        self.assertEqual(errors, {"adm": KafkaError.TOPIC_ALREADY_EXISTS, "bad/name": KafkaError.TOPIC_EXCEPTION,
                                  "rf": KafkaError.INVALID_REPLICATION_FACTOR,
                                  "manual": KafkaError.INVALID_REPLICA_ASSIGNMENT})
        configs = a.describe_configs([ConfigResource("topic", "adm")])
        cfg = list(configs.values())[0].result(10)
        self.assertEqual(cfg["cleanup.policy"].value, "delete")
        # a resource type Brook does not describe gets its own error, answered with the type asked:
        # librdkafka fails the whole request when a result comes back with another type
        topic, group = ConfigResource("topic", "adm"), ConfigResource("group", "g")
        futures = a.describe_configs([topic, group])
        self.assertEqual(futures[topic].result(10)["cleanup.policy"].value, "delete")
        with self.assertRaises(KafkaException) as refused:
            futures[group].result(10)
        self.assertNotEqual(refused.exception.args[0].code(), KafkaError._BAD_MSG)
        a.delete_topics(["adm"])["adm"].result(10)
        self.assertNotIn("adm", a.list_topics(timeout=10).topics)
        try:
            a.delete_topics(["adm"])["adm"].result(10)
            self.fail("deleting a missing topic succeeded")
        except Exception as e:
            self.assertEqual(e.args[0].code(), KafkaError.UNKNOWN_TOPIC_OR_PART)

    def test_idempotent_producer_every_compression_and_consumer(self):
        self.create("cmp", 3)
        sent = []
        for codec in ["none", "gzip", "snappy", "lz4", "zstd"]:
            p = Producer({"bootstrap.servers": self.bootstrap, "acks": "all", "enable.idempotence": True,
                          "compression.type": codec, "linger.ms": 20})
            failures = []
            for i in range(2000):
                v = b"%s-%d-" % (codec.encode(), i) + b"payload" * (i % 13)
                sent.append(v)
                p.produce("cmp", key=b"k%d" % (i % 11), value=v,
                          on_delivery=lambda err, msg: failures.append(err) if err else None)
            self.assertEqual(p.flush(30), 0)
            self.assertEqual(failures, [])
        got = self.consume_all("cmp", 3, len(sent))
        self.assertEqual(sorted(m.value() for m in got), sorted(sent))

    def test_brookctl_reads_batches_compressed_by_kafka_clients(self):
        self.create("zipped", 1)
        expected = []
        for codec in ("none", "gzip", "snappy", "lz4", "zstd"):
            lines = [b"%s-%d" % (codec.encode(), i) for i in range(300)]
            self.kcat("-P", "-t", "zipped", "-p", "0", "-z", codec, input=b"\n".join(lines) + b"\n")
            expected += lines
        r = self.ctl("consume", "zipped", "--from-beginning", "--count", str(len(expected)))
        self.assertEqual(r.stdout.split(b"\n")[:-1], expected)

    def test_offsets_for_times_and_watermarks(self):
        self.create("times", 1)
        p = Producer({"bootstrap.servers": self.bootstrap})
        for i in range(10):
            p.produce("times", value=b"%d" % i, timestamp=1000000 + i * 1000)
        p.flush(10)
        c = Consumer({"bootstrap.servers": self.bootstrap, "group.id": "t"})
        r = c.offsets_for_times([TopicPartition("times", 0, 1004500)], timeout=10)
        self.assertEqual(r[0].offset, 5)
        r = c.offsets_for_times([TopicPartition("times", 0, 9999999999)], timeout=10)
        self.assertEqual(r[0].offset, -1)
        self.assertEqual(c.get_watermark_offsets(TopicPartition("times", 0), timeout=10), (0, 10))
        c.close()

    def test_out_of_range_fetch_is_reported(self):
        self.create("oor", 1)
        p = Producer({"bootstrap.servers": self.bootstrap})
        p.produce("oor", value=b"x")
        p.flush(10)
        c = Consumer({"bootstrap.servers": self.bootstrap, "group.id": "o", "auto.offset.reset": "error"})
        c.assign([TopicPartition("oor", 0, 500)])
        err, deadline = None, time.time() + 20
        while err is None and time.time() < deadline:
            m = c.poll(0.5)
            if m is not None and m.error():
                err = m.error()
        c.close()
        self.assertIsNotNone(err)
        self.assertEqual(err.code(), KafkaError._AUTO_OFFSET_RESET)
        self.assertIn("out of range", err.str().lower())

    # ---- the wire, by hand -------------------------------------------------------

    def test_responses_stay_in_order_behind_a_held_fetch(self):
        # the requests behind the held fetch end it (their answers would
        # wait for it): it answers empty, then they answer, in order
        self.create("held", 1)
        c = kw.Conn(self.broker.kafka_port)
        part = struct.pack(">iqi", 0, 0, 1 << 20)  # partition, offset, max bytes
        fetch_v4 = struct.pack(">iiiib", -1, 10000, 1, 1 << 20, 0) + kw.array([kw.string("held") + kw.array([part])])
        t0 = time.time()
        ids = [c.send(1, 4, fetch_v4)]
        ids += [c.send(3, 1, kw.array([kw.string("held")])) for _ in range(5)]
        self.assertEqual([c.recv()[0] for _ in ids], ids)
        self.assertLess(time.time() - t0, 5)  # far below the fetch's 10 s max wait
        c.close()

    def test_api_versions_unsupported_version_gets_error_35(self):
        c = kw.Conn(self.broker.kafka_port)
        data = c.call(18, 77, b"")
        (err, count) = struct.unpack_from(">hi", data)
        self.assertEqual(err, 35)
        keys = {struct.unpack_from(">hhh", data, 6 + 6 * i)[0]: struct.unpack_from(">hhh", data, 6 + 6 * i)[1:]
                for i in range(count)}
        self.assertEqual(keys[0], (3, 8))
        self.assertEqual(keys[1], (4, 11))
        self.assertEqual(keys[18], (0, 3))
        c.close()

    def test_produce_errors_per_partition(self):
        self.create("perr", 1)
        c = kw.Conn(self.broker.kafka_port)
        good = kw.batch([b"ok"])
        bad_crc = bytearray(good)
        bad_crc[-1] ^= 1
        for records, want in [(good, 0), (bytes(bad_crc), 2), (good[:30], 2)]:
            out = kw.parse_produce_v3(c.call(0, 3, kw.produce_v3("perr", 0, records)))
            self.assertEqual(out[0][2], want)
        out = kw.parse_produce_v3(c.call(0, 3, kw.produce_v3("nosuch", 0, good)))
        self.assertEqual(out[0][2], 3)  # UNKNOWN_TOPIC_OR_PARTITION
        out = kw.parse_produce_v3(c.call(0, 3, kw.produce_v3("perr", 7, good)))
        self.assertEqual(out[0][2], 3)
        out = kw.parse_produce_v3(c.call(0, 3, kw.produce_v3("perr", 0, good, acks=2)))
        self.assertEqual(out[0][2], 21)  # INVALID_REQUIRED_ACKS
        # acks=0: no response at all; the next request's response comes next
        c.send(0, 3, kw.produce_v3("perr", 0, good, acks=0))
        corr = c.send(3, 1, kw.array([kw.string("perr")]))
        self.assertEqual(c.recv()[0], corr)
        c.close()

    def test_idempotent_duplicates_and_sequence_errors(self):
        self.create("idem", 1)
        c = kw.Conn(self.broker.kafka_port)
        pid, epoch = kw.init_producer_id(c)
        first = kw.batch([b"a", b"b"], producer_id=pid, epoch=epoch, sequence=0)
        out = kw.parse_produce_v3(c.call(0, 3, kw.produce_v3("idem", 0, first, acks=-1)))
        self.assertEqual(out[0][2:], (0, 0))
        # the retry is acknowledged with the same offset and not appended again
        out = kw.parse_produce_v3(c.call(0, 3, kw.produce_v3("idem", 0, first, acks=-1)))
        self.assertEqual(out[0][2:], (0, 0))
        nxt = kw.batch([b"c"], producer_id=pid, epoch=epoch, sequence=2)
        out = kw.parse_produce_v3(c.call(0, 3, kw.produce_v3("idem", 0, nxt, acks=-1)))
        self.assertEqual(out[0][2:], (0, 2))
        gap = kw.batch([b"d"], producer_id=pid, epoch=epoch, sequence=9)
        out = kw.parse_produce_v3(c.call(0, 3, kw.produce_v3("idem", 0, gap, acks=-1)))
        self.assertEqual(out[0][2], 45)  # OUT_OF_ORDER_SEQUENCE_NUMBER
        old = kw.batch([b"e"], producer_id=pid, epoch=epoch - 1, sequence=3)
        out = kw.parse_produce_v3(c.call(0, 3, kw.produce_v3("idem", 0, old, acks=-1)))
        self.assertEqual(out[0][2], 47)  # INVALID_PRODUCER_EPOCH
        got = self.consume_all("idem", 1, 3)
        self.assertEqual([m.value() for m in got], [b"a", b"b", b"c"])
        pid2, _ = kw.init_producer_id(c)
        self.assertNotEqual(pid2, pid)
        c.close()

    def test_old_versions_as_kafka_python_pins_them(self):
        """kafka-python sends fixed old versions (Metadata v1, ListOffsets v1, Fetch v4,
        Produce v3); v0 details (empty list = all topics, old-style offsets) matter too."""
        self.create("old1", 1)
        self.create("old2", 2)
        c = kw.Conn(self.broker.kafka_port)

        def topics_v0_v1(data, version):
            p = 0
            (nb,) = struct.unpack_from(">i", data, p)
            p += 4
            for _ in range(nb):
                p += 4
                (hl,) = struct.unpack_from(">h", data, p)
                p += 2 + hl + 4
                if version >= 1:
                    (rl,) = struct.unpack_from(">h", data, p)
                    p += 2 + max(rl, 0)
            if version >= 1:
                p += 4  # controller id
            (nt,) = struct.unpack_from(">i", data, p)
            p += 4
            names = []
            for _ in range(nt):
                p += 2  # error
                (nl,) = struct.unpack_from(">h", data, p)
                names.append(data[p + 2:p + 2 + nl].decode())
                p += 2 + nl
                if version >= 1:
                    p += 1  # is_internal
                (np_,) = struct.unpack_from(">i", data, p)
                p += 4
                for _ in range(np_):
                    p += 2 + 4 + 4
                    for _ in range(2):  # replicas, isr
                        (n,) = struct.unpack_from(">i", data, p)
                        p += 4 + 4 * n
            self.assertEqual(p, len(data))
            return sorted(names)

        self.assertEqual(topics_v0_v1(c.call(3, 0, kw.array([])), 0), ["old1", "old2"])  # v0: empty = all
        self.assertEqual(topics_v0_v1(c.call(3, 1, struct.pack(">i", -1)), 1), ["old1", "old2"])  # v1: null = all
        self.assertEqual(topics_v0_v1(c.call(3, 1, kw.array([])), 1), [])  # v1: empty = none
        self.assertEqual(topics_v0_v1(c.call(3, 1, kw.array([kw.string("old2")])), 1), ["old2"])
        # produce v3 then ListOffsets v0 (old-style offsets) and v1 (single offset)
        for _ in range(3):
            out = kw.parse_produce_v3(c.call(0, 3, kw.produce_v3("old1", 0, kw.batch([b"x"]))))
            self.assertEqual(out[0][2], 0)
        part_v0 = struct.pack(">iqi", 0, -1, 1)  # latest, max 1 offset
        data = c.call(2, 0, struct.pack(">i", -1) + kw.array([kw.string("old1") + kw.array([part_v0])]))
        # topics[1] name partitions[1] partition error offsets[1]
        self.assertEqual(data[-8:], struct.pack(">q", 3))
        self.assertEqual(struct.unpack_from(">i", data, len(data) - 12)[0], 1)
        part_v1 = struct.pack(">iq", 0, -2)  # earliest
        data = c.call(2, 1, struct.pack(">i", -1) + kw.array([kw.string("old1") + kw.array([part_v1])]))
        self.assertEqual(struct.unpack(">hqq", data[-18:]), (0, -1, 0))
        c.close()

    def assert_closed(self, data, log_needle):
        s = socket.create_connection(("127.0.0.1", self.broker.kafka_port), timeout=5)
        s.sendall(data)
        try:
            self.assertEqual(s.recv(100), b"")
        except ConnectionResetError:
            pass
        s.close()
        deadline = time.time() + 5
        while log_needle not in self.broker.log() and time.time() < deadline:
            time.sleep(0.02)
        self.assertIn(log_needle, self.broker.log())

    def test_bad_frames_close_with_a_log_line_and_others_keep_working(self):
        self.create("keep", 1)
        bystander = kw.Conn(self.broker.kafka_port)
        self.assert_closed(struct.pack(">i", -5), "malformed frame header")
        self.assert_closed(struct.pack(">i", 200_000_000) + b"x", "exceeds limits.max_frame_bytes")
        self.assert_closed(kw.frame(999, 0, 1, b""), "unknown Kafka API key 999")
        self.assert_closed(kw.frame(0, 2, 1, b""), "unsupported version 2 of Kafka API key 0")
        self.assert_closed(kw.frame(3, 1, 1, struct.pack(">i", 1 << 30)), "malformed request body")
        self.assert_closed(kw.frame(0, 3, 1, b"\xff\xff\x00\x01" + b"\x00" * 3), "malformed request body")
        data = bystander.call(3, 1, kw.array([kw.string("keep")]))
        self.assertIn(b"keep", data)
        bystander.close()


if __name__ == "__main__":
    unittest.main()
