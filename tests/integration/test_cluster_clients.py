"""Real clients across a leader's kill -9 in a three-broker cluster:
kcat (librdkafka), kafkajs, sarama (Go) and kafka-python keep producing, follow the new
leader, and read back every acknowledged record at the offset they were
told (exactly once for the idempotent ones; kafka-python 2.0 has no
idempotent producer, so a retried send may add a copy after the original).
(confluent-kafka: test_cluster_failover.py.)"""
import base64
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest

from clustertest import ClusterTestCase, run_with_a_pause
import saramatest

JS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")

try:
    from kafka import KafkaConsumer, KafkaProducer
    from kafka.admin import KafkaAdminClient
except ImportError:  # pragma: no cover
    KafkaAdminClient = None


@unittest.skipUnless(KafkaAdminClient and shutil.which("kcat"), "needs python3-kafka and kcat")
class ClientsAcrossALeaderKill(ClusterTestCase):
    replication = 'replication = { plugin = "isr"; min_insync_replicas = 2; };'

    def kill_leader_after(self, topic, delay):
        def kill():
            time.sleep(delay)
            leader = self.partitions(topic)[0]["leader"]
            self.brokers[leader].stop(signal.SIGKILL)
            self.killed = leader
        t = threading.Thread(target=kill, daemon=True)
        t.start()
        return t

    def kill_leader_of(self, topic):
        self.brokers[self.partitions(topic)[0]["leader"]].stop(signal.SIGKILL)

    def test_kcat_produces_and_consumes_across_a_leader_kill(self):
        self.controller()
        self.create("kc")
        p = subprocess.Popen(["kcat", "-P", "-b", self.kafka_bootstrap(), "-t", "kc", "-X", "acks=all",
                              "-X", "enable.idempotence=true", "-X", "message.timeout.ms=60000"],
                             stdin=subprocess.PIPE, stderr=subprocess.PIPE)
        killer = self.kill_leader_after("kc", 1.0)
        for i in range(400):  # a line every 10 ms: the kill lands in the middle
            p.stdin.write(b"line%03d\n" % i)
            p.stdin.flush()
            time.sleep(0.01)
        p.stdin.close()
        rc = p.wait(90)
        err = p.stderr.read().decode()
        p.stderr.close()
        self.assertEqual(rc, 0, err)
        killer.join(10)
        c = subprocess.run(["kcat", "-C", "-b", self.kafka_bootstrap(), "-t", "kc", "-e", "-q", "-o", "beginning",
                            "-f", "%o %s\\n"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        rows = [line.split() for line in c.stdout.decode().splitlines()]
        self.assertEqual([v for _, v in rows], ["line%03d" % i for i in range(400)])
        self.assertEqual([int(o) for o, _ in rows], list(range(400)))

    @unittest.skipUnless(os.path.isdir(os.path.join(JS, "node_modules", "kafkajs")), "kafkajs not installed")
    def test_kafkajs_produces_and_consumes_across_a_leader_kill(self):
        self.controller()
        self.create("js")
        # the kill lands after the 20th acknowledgement, however long node
        # takes to start (a fixed delay once killed before kafkajs had sent)
        out = json.loads(run_with_a_pause(self, ["node", os.path.join(JS, "failover.js"), self.kafka_bootstrap(), "js",
                                                 "20", "20"], lambda: self.kill_leader_of("js")))
        self.assertEqual(len(out["acked"]), 40)
        self.assertEqual(sorted(out["read"], key=lambda x: x[1]), out["acked"])

    def test_sarama_produces_and_consumes_across_a_leader_kill(self):
        build_dir = tempfile.mkdtemp(prefix="brook-sarama-")
        self.addCleanup(shutil.rmtree, build_dir, True)
        client = saramatest.build(build_dir)
        self.controller()
        self.create("go")
        # as kafkajs above: the kill lands after the 20th acknowledgement
        out = json.loads(run_with_a_pause(self, [client, "failover", self.kafka_bootstrap(), "go", "20", "20"],
                                          lambda: self.kill_leader_of("go")))
        # every record once, where its acknowledgement said, whole
        self.assertEqual([(0, o) for o in range(40)], [(p, o) for p, o, _ in out["acked"]])
        self.assertEqual([(r["offset"], base64.b64decode(r["value"]), r["header"]) for r in out["read"]],
                         [(o, saramatest.value(o), str(o)) for o in range(40)])

    def test_kafka_python_produces_and_a_group_consumes_across_a_leader_kill(self):
        self.controller()
        self.create("kp")
        consumer = KafkaConsumer("kp", bootstrap_servers=self.kafka_bootstrap(), group_id="kp-readers",
                                 auto_offset_reset="earliest", enable_auto_commit=True,
                                 auto_commit_interval_ms=200, consumer_timeout_ms=200)
        producer = KafkaProducer(bootstrap_servers=self.kafka_bootstrap(), acks="all", retries=50,
                                 retry_backoff_ms=100, max_in_flight_requests_per_connection=1,
                                 request_timeout_ms=10000, metadata_max_age_ms=1000)
        read = {}  # value -> the offsets it was read at
        self.killed = None

        def consume_for(seconds):
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                for m in consumer:
                    read.setdefault(m.value, set()).add(m.offset)

        killer = self.kill_leader_after("kp", 1.0)
        acked = []
        for i in range(300):
            value = b"kp%03d" % i
            meta = producer.send("kp", value).get(timeout=60)
            acked.append((value, meta.offset))
            time.sleep(0.01)
            if i % 50 == 0:
                consume_for(0.05)
        producer.close(10)
        killer.join(10)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not all(v in read for v, _ in acked):
            consume_for(0.5)
        consumer.close()
        # each acknowledged record where its acknowledgement said (a copy a
        # retry added may follow it)
        self.assertEqual([(v, o) for v, o in acked if o not in read.get(v, ())], [])
        self.assertTrue(self.killed)


if __name__ == "__main__":
    unittest.main()
