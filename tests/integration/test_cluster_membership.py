"""Brokers join a cluster through a real etcd (Debian's etcd-server, started
privately on free ports): the first creates the cluster id and the others
adopt it; each registers brokers/<id> under a lease with its advertised
listeners; a second live broker with the same id is refused; a broker
stopped with SIGTERM leaves at once (its lease revoked), one killed with
kill -9 leaves when its lease expires; a data directory of another cluster
is refused; a broker restarted right after kill -9 waits for its old
lease to run out and joins; --check-config validates the cluster block. Each test has its
own etcd and key prefix."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from brooktest import BROOKD, Broker
from etcdtest import Etcd

TTL_MS = 2000


@unittest.skipUnless(shutil.which("etcd"), "needs etcd-server")
class ClusterMembership(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="brook-cluster-")
        self.etcd = Etcd(self.dir)
        self.brokers = []

    def tearDown(self):
        try:
            for b in self.brokers:
                if b.proc is not None:  # alive, or exited after a refused start: reap it, close its log
                    b.stop(signal.SIGKILL)
            for b in self.brokers:
                self.assertNotIn("ERROR: AddressSanitizer", b.log())
                self.assertNotIn("runtime error:", b.log())
        finally:
            self.etcd.stop()
            shutil.rmtree(self.dir, ignore_errors=True)

    def cluster_block(self, name="c1", ttl=TTL_MS):
        return 'cluster = { endpoints = "%s"; name = "%s"; lease_ttl_ms = %d; };' % (self.etcd.url, name, ttl)

    def broker(self, broker_id, name="c1", workdir=None, start=True, rack=None):
        workdir = workdir or os.path.join(self.dir, "b%d" % broker_id)
        os.makedirs(workdir, exist_ok=True)
        b = Broker(workdir, broker_id=broker_id, extra=self.cluster_block(name),
                   broker_extra='rack = "%s";' % rack if rack else "")
        self.brokers.append(b)
        return b.start() if start else b

    def registered(self, name="c1"):
        return {k.rsplit("/", 1)[1]: json.loads(v) for k, v in
                self.etcd.range("/brook/%s/brokers/" % name).items()}

    def test_brokers_register_with_their_listeners_and_share_one_cluster_id(self):
        b1 = self.broker(1, rack="r1")
        b2 = self.broker(2)
        brokers = self.registered()
        self.assertEqual(sorted(brokers), ["1", "2"])
        self.assertEqual(brokers["1"]["rack"], "r1")
        listeners = {l["name"]: l for l in brokers["2"]["listeners"]}
        self.assertEqual(listeners["native"]["port"], b2.port)
        self.assertEqual(listeners["kafka"]["port"], b2.kafka_port)
        self.assertEqual(listeners["kafka"]["host"], "127.0.0.1")
        cluster_id = self.etcd.range("/brook/c1/cluster_id")["/brook/c1/cluster_id"]
        for b in (b1, b2):
            with open(os.path.join(b.data, "meta.properties")) as f:
                self.assertIn("cluster.id=%s\n" % cluster_id, f.read())
        self.assertIn("broker 2 is live", b1.log() + self.wait_log(b1, "broker 2 is live"))

    def wait_log(self, b, needle, timeout=10.0):
        deadline = time.monotonic() + timeout
        while needle not in b.log() and time.monotonic() < deadline:
            time.sleep(0.05)
        return b.log()

    def test_a_second_live_broker_with_the_same_id_is_refused(self):
        self.broker(1)
        twin = self.broker(1, workdir=os.path.join(self.dir, "twin"), start=False)
        with self.assertRaises(RuntimeError) as ctx:
            twin.start(timeout=20)
        self.assertIn("broker.id 1 is registered by another live broker", str(ctx.exception))
        self.assertEqual(twin.proc.wait(10), 1)
        self.assertEqual(sorted(self.registered()), ["1"])

    def test_a_broker_restarted_right_after_kill_9_waits_out_its_old_lease(self):
        b1 = self.broker(1)
        b1.stop(signal.SIGKILL)
        again = Broker(b1.workdir, broker_id=1, extra=self.cluster_block())
        self.brokers.append(again)
        started = time.monotonic()
        again.start(timeout=TTL_MS / 1000 + 15)  # its old registration is still there: it waits, then joins
        self.assertIn("broker.id 1 is still registered", again.log())
        self.assertLess(time.monotonic() - started, TTL_MS / 1000 + 5)
        self.assertEqual(sorted(self.registered()), ["1"])

    def test_sigterm_leaves_at_once_and_kill_9_when_the_lease_expires(self):
        b1 = self.broker(1)
        b2 = self.broker(2)
        b3 = self.broker(3)
        self.assertEqual(sorted(self.registered()), ["1", "2", "3"])
        self.assertEqual(b2.stop(), 0)
        started = time.monotonic()
        keys = self.etcd.wait_for("/brook/c1/brokers/", lambda k: len(k) == 2, timeout=5)
        self.assertEqual(len(keys), 2)
        self.assertLess(time.monotonic() - started, 1.5)  # revoked, not expired
        self.wait_log(b1, "broker 2 left")
        self.assertIn("broker 2 left", b1.log())
        b3.stop(signal.SIGKILL)
        started = time.monotonic()
        keys = self.etcd.wait_for("/brook/c1/brokers/", lambda k: len(k) == 1, timeout=15)
        self.assertEqual(sorted(k.rsplit("/", 1)[1] for k in keys), ["1"])
        waited = time.monotonic() - started
        self.assertGreater(waited, 0.5)  # the lease ran out: it took time
        self.assertLess(waited, TTL_MS / 1000 + 3)
        self.wait_log(b1, "broker 3 left")
        self.assertIn("broker 3 left", b1.log())
        # it may come back with the same id and data once its lease is gone
        b3 = Broker(b3.workdir, broker_id=3, extra=self.cluster_block())
        self.brokers.append(b3.start())
        self.assertEqual(sorted(self.registered()), ["1", "3"])

    def test_a_broker_stopped_right_after_start_stops_cleanly(self):
        """SIGTERM while its first store requests are in flight (the controller
        key read, the brokers read, the claim): their answers must not reach
        freed state (this crashed the graceful stop once in CI)."""
        self.broker(1)
        for round in range(8):
            b = self.broker(2, workdir=os.path.join(self.dir, "b2-%d" % round))
            self.assertEqual(b.stop(), 0, b.log())
        self.assertEqual(sorted(self.registered()), ["1"])

    def test_a_data_directory_of_another_cluster_is_refused(self):
        b1 = self.broker(1, name="c1")
        self.assertEqual(b1.stop(), 0)
        self.broker(7, name="c2")  # cluster c2 gets an id of its own
        moved = Broker(b1.workdir, broker_id=1, extra=self.cluster_block("c2"))
        self.brokers.append(moved)
        with self.assertRaises(RuntimeError) as ctx:
            moved.start(timeout=20)
        self.assertIn("belongs to cluster", str(ctx.exception))
        self.assertIn("cannot move to another cluster", str(ctx.exception))
        self.assertEqual(sorted(self.registered("c2")), ["7"])

    def test_check_config_validates_the_cluster_block(self):
        for block, message in [
            ('cluster = { endpoints = "127.0.0.1:2379"; };', "must be http:// or https:// URLs"),
            ('cluster = { endpoints = "http://127.0.0.1:2379"; lease_ttl_ms = 500; };',
             "cluster.lease_ttl_ms: 500 is out of range [2000, 300000]"),
            ('cluster = { endpoints = "http://127.0.0.1:2379"; name = "a/b"; };', "cluster.name"),
            ('cluster = { endpoints = "http://127.0.0.1:2379"; prefix = "brook"; };', "cluster.prefix"),
            ('cluster = { name = "x"; };', 'missing required key "endpoints"'),
        ]:
            path = os.path.join(self.dir, "check.conf")
            with open(path, "w") as f:
                f.write('broker = { data_dir = "%s/data"; };\n'
                        'listeners = ( { name = "n"; codec = "native"; address = "127.0.0.1:0"; } );\n'
                        'storage = { plugin = "memory"; };\n%s\n' % (self.dir, block))
            r = subprocess.run([BROOKD, "--check-config", "-c", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=20)
            self.assertEqual(r.returncode, 1, block)
            self.assertIn(message, r.stderr.decode(), block)

    def test_an_unreachable_store_fails_start_with_its_address(self):
        path = os.path.join(self.dir, "b9")
        os.makedirs(path)
        b = Broker(path, broker_id=9, extra='cluster = { endpoints = "http://127.0.0.1:1"; };')
        self.brokers.append(b)
        with self.assertRaises(RuntimeError) as ctx:
            b.start(timeout=30)
        self.assertIn("http://127.0.0.1:1", str(ctx.exception))


if __name__ == "__main__":
    unittest.main()
