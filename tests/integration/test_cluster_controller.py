"""The controller election through a real etcd: of three brokers exactly one
holds <ns>/controller and every broker's Metadata names it; when it is
killed (kill -9) another takes over once its lease expires; when it is
paused (SIGSTOP) past its lease, another takes over, and the paused one, on
waking, sees it is no longer the controller. Each test has its own etcd."""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
import urllib.request

from brooktest import BROOKCTL, Broker
from etcdtest import Etcd

TTL_MS = 2000

from clustertest import KafkaClient, metadata_from


def controller_seen_by(port):
    """The controller id in a Metadata answer of the broker on `port`."""
    return metadata_from(port).controller_id


@unittest.skipUnless(shutil.which("etcd") and KafkaClient, "needs etcd-server and python3-kafka")
class ControllerElection(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="brook-ctl-")
        self.etcd = Etcd(self.dir)
        self.brokers = {}

    def tearDown(self):
        try:
            for b in self.brokers.values():
                if b.proc is not None:
                    try:
                        os.kill(b.proc.pid, signal.SIGCONT)
                    except OSError:
                        pass
                    b.stop(signal.SIGKILL)
            for b in self.brokers.values():
                self.assertNotIn("ERROR: AddressSanitizer", b.log())
                self.assertNotIn("runtime error:", b.log())
        finally:
            self.etcd.stop()
            shutil.rmtree(self.dir, ignore_errors=True)

    def start(self, broker_id):
        workdir = os.path.join(self.dir, "b%d" % broker_id)
        os.makedirs(workdir, exist_ok=True)
        b = Broker(workdir, broker_id=broker_id, broker_extra='rack = "r%d";' % broker_id,
                   extra='cluster = { endpoints = "%s"; name = "c"; lease_ttl_ms = %d; };\n'
                         'metrics = { address = "127.0.0.1:0"; };' % (self.etcd.url, TTL_MS))
        self.brokers[broker_id] = b
        return b.start()

    def cluster_metrics(self, b):
        port = re.search(r"metrics endpoint listening on 127\.0\.0\.1:(\d+)", b.log()).group(1)
        with urllib.request.urlopen("http://127.0.0.1:%s/metrics" % port, timeout=5) as r:
            text = r.read().decode()
        return {m.group(1): int(m.group(2)) for m in re.finditer(r"^brook_(cluster_\w+) (-?\d+)$", text, re.M)}

    def controller(self, timeout=15.0, not_id=None):
        keys = self.etcd.wait_for("/brook/c/controller",
                                  lambda k: k and int(list(k.values())[0]) != not_id, timeout=timeout)
        return int(keys["/brook/c/controller"]) if keys else None

    def wait_log(self, b, needle, timeout=10.0):
        deadline = time.monotonic() + timeout
        while needle not in b.log() and time.monotonic() < deadline:
            time.sleep(0.05)
        return needle in b.log()

    def test_one_controller_and_every_broker_names_it(self):
        for i in (1, 2, 3):
            self.start(i)
        first = self.controller()
        self.assertIn(first, (1, 2, 3))
        self.assertTrue(self.wait_log(self.brokers[first], "is the controller (epoch"))
        others = [i for i in (1, 2, 3) if i != first]
        for i in others:
            self.assertNotIn("this broker (%d) is the controller" % i, self.brokers[i].log())
        deadline = time.monotonic() + 10
        seen = {}
        while time.monotonic() < deadline:
            seen = {i: controller_seen_by(self.brokers[i].kafka_port) for i in (1, 2, 3)}
            if set(seen.values()) == {first}:
                break
            time.sleep(0.2)
        self.assertEqual(set(seen.values()), {first}, seen)
        # every broker lists every live broker on the listener it was asked on
        for i in (1, 2, 3):
            brokers = sorted((b[0], b[2], b[3]) for b in metadata_from(self.brokers[i].kafka_port).brokers)
            self.assertEqual(brokers, [(j, self.brokers[j].kafka_port, "r%d" % j) for j in (1, 2, 3)], i)
        # brookctl cluster shows the same, through the native protocol
        r = subprocess.run([BROOKCTL, "-b", self.brokers[others[0]].address, "cluster"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=20)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        out = r.stdout.decode()
        self.assertIn("controller %d\n" % first, out)
        for j in (1, 2, 3):
            self.assertRegex(out, r"(?m)^broker %d\t127\.0\.0\.1:%d\track r%d%s$"
                             % (j, self.brokers[j].port, j, "\tcontroller" if j == first else ""))
        # and the metrics endpoint says what they see
        for i in (1, 2, 3):
            m = self.cluster_metrics(self.brokers[i])
            self.assertEqual(m["cluster_live_brokers"], 3, (i, m))
            self.assertEqual(m["cluster_controller_id"], first, (i, m))
            self.assertEqual(m["cluster_is_controller"], int(i == first), (i, m))
            self.assertEqual(m["cluster_controller_elections_total"], int(i == first), (i, m))
            self.assertEqual(m["cluster_registered"], 1, (i, m))
            self.assertEqual(m["cluster_lease_lost_total"], 0, (i, m))

    def test_a_killed_controller_is_replaced_once_its_lease_expires(self):
        for i in (1, 2, 3):
            self.start(i)
        first = self.controller()
        self.brokers[first].stop(signal.SIGKILL)
        started = time.monotonic()
        second = self.controller(not_id=first, timeout=TTL_MS / 1000 + 8)
        self.assertIsNotNone(second)
        self.assertNotEqual(second, first)
        self.assertLess(time.monotonic() - started, TTL_MS / 1000 + 5)
        self.assertTrue(self.wait_log(self.brokers[second], "this broker (%d) is the controller" % second))
        # a clean stop hands over at once: its lease is revoked
        self.assertEqual(self.brokers[second].stop(), 0)
        started = time.monotonic()
        third = self.controller(not_id=second, timeout=5)
        self.assertNotIn(third, (first, second))
        self.assertLess(time.monotonic() - started, 2.0)

    def test_a_paused_controller_wakes_up_replaced(self):
        for i in (1, 2, 3):
            self.start(i)
        first = self.controller()
        zombie = self.brokers[first]
        os.kill(zombie.proc.pid, signal.SIGSTOP)
        second = self.controller(not_id=first, timeout=TTL_MS / 1000 + 8)
        self.assertNotEqual(second, first)
        os.kill(zombie.proc.pid, signal.SIGCONT)
        self.assertTrue(self.wait_log(zombie, "this broker (%d) is no longer the controller" % first, timeout=10))
        self.assertTrue(self.wait_log(zombie, "broker %d is the controller" % second, timeout=10))
        self.assertEqual(self.controller(), second)  # it did not take it back
        self.assertTrue(self.wait_log(zombie, "registered again", timeout=10))
        m = self.cluster_metrics(zombie)
        self.assertEqual(m["cluster_lease_lost_total"], 1, m)
        self.assertEqual(m["cluster_is_controller"], 0, m)
        self.assertEqual(m["cluster_controller_id"], second, m)


if __name__ == "__main__":
    unittest.main()
