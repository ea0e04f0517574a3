"""Real clients across a leader's kill -9 in a three-broker cluster:
kcat (librdkafka) and kafkajs keep producing, follow the new leader, and
read back every acknowledged record exactly once at the offset they were
told. (confluent-kafka: test_cluster_failover.py.)"""
import json
import os
import shutil
import signal
import subprocess
import threading
import time
import unittest

from clustertest import ClusterTestCase

JS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")

try:
    from kafka.admin import KafkaAdminClient, NewTopic
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
        killer = self.kill_leader_after("js", 1.5)
        r = subprocess.run(["node", os.path.join(JS, "failover.js"), self.kafka_bootstrap(), "js", "5"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=150)
        killer.join(10)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        out = json.loads(r.stdout)
        self.assertGreater(len(out["acked"]), 20)
        self.assertEqual(sorted(out["read"], key=lambda x: x[1]), out["acked"])


if __name__ == "__main__":
    unittest.main()
