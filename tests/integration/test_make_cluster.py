"""`make cluster` (tools/cluster.sh): etcd and three brokers on the
documented ports, each broker's pid in cluster-data/b<id>/brookd.pid,
started in the background and ready (every broker serves Metadata) when it
returns; a topic produced with kcat on one broker reads back on another;
`make cluster-stop` stops everything. Skipped when the ports are taken."""
import os
import shutil
import socket
import subprocess
import tempfile
import unittest

from brooktest import BIN

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
PORTS = (9092, 9093, 9192, 9193, 9292, 9293, 9644, 9744, 9844)


def port_free(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as brookd binds: TIME_WAIT is no obstacle
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


@unittest.skipUnless(shutil.which("etcd") and shutil.which("kcat") and all(port_free(p) for p in PORTS),
                     "needs etcd-server, kcat and the cluster's ports free")
class MakeCluster(unittest.TestCase):
    def setUp(self):
        self.data = tempfile.mkdtemp(prefix="brook-make-cluster-")
        self.env = dict(os.environ, CLUSTER_DATA=self.data, BUILD_DIR=os.path.dirname(os.path.abspath(BIN)))

    def tearDown(self):
        subprocess.run([os.path.join(ROOT, "tools/cluster.sh"), "stop"], cwd=ROOT, env=self.env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        shutil.rmtree(self.data, ignore_errors=True)

    def cluster(self, what):
        return subprocess.run([os.path.join(ROOT, "tools/cluster.sh"), what], cwd=ROOT, env=self.env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)

    def test_start_produce_consume_stop(self):
        r = self.cluster("start")
        self.assertEqual(r.returncode, 0, r.stderr.decode() + r.stdout.decode())
        out = r.stdout.decode()
        for i in (1, 2, 3):
            self.assertIn("broker %d\t127.0.0.1:%d\track r%d" % (i, 9093 + (i - 1) * 100, i), out)
            with open(os.path.join(self.data, "b%d" % i, "brookd.pid")) as f:
                os.kill(int(f.read()), 0)  # running
        p = subprocess.run(["kcat", "-P", "-b", "127.0.0.1:9192", "-t", "demo", "-X", "acks=all"],
                           input=b"".join(b"%d\n" % i for i in range(500)), timeout=60,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        c = subprocess.run(["kcat", "-C", "-b", "127.0.0.1:9292", "-t", "demo", "-e", "-q", "-o", "beginning"],
                           timeout=60, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertEqual(sorted(int(x) for x in c.stdout.split()), list(range(500)))
        r = self.cluster("stop")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        for i in (1, 2, 3):
            self.assertFalse(os.path.exists(os.path.join(self.data, "b%d" % i, "brookd.pid")))
        self.assertTrue(all(port_free(p) for p in PORTS))


if __name__ == "__main__":
    unittest.main()
