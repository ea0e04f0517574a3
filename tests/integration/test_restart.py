"""Topics survive restarts (graceful and kill -9); graceful shutdown
finishes parked requests and exits 0."""
import shutil
import os
import signal
import tempfile
import time
import unittest

from brooktest import Broker, Native, brookctl


class Restart(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="brook-it-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def topics(self, broker):
        r = brookctl(broker.address, "topics", "list")
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.decode()

    def test_topics_survive_sigterm_and_sigkill(self):
        b = Broker(self.dir).start()
        for name, parts in [("orders", "3"), ("logs", "1"), ("a.b-c_d", "7")]:
            r = brookctl(b.address, "topics", "create", name, "--partitions", parts)
            self.assertEqual(r.returncode, 0, r.stderr)
        brookctl(b.address, "topics", "delete", "logs")
        expected = "TOPIC    PARTITIONS\na.b-c_d  7\norders   3\n"
        self.assertEqual(self.topics(b), expected)
        self.assertEqual(b.stop(signal.SIGTERM), 0)

        b = Broker(self.dir).start()
        self.assertEqual(self.topics(b), expected)
        # memory storage: topics come back, their records do not (documented)
        r = brookctl(b.address, "produce", "orders", "--partition", "0", input=b"x\n")
        self.assertEqual(r.returncode, 0)
        b.stop(signal.SIGKILL)

        b = Broker(self.dir).start()
        self.assertEqual(self.topics(b), expected)
        self.assertEqual(b.stop(), 0)

    def test_sigterm_completes_a_parked_long_poll(self):
        b = Broker(self.dir).start()
        brookctl(b.address, "topics", "create", "t")
        c = Native(b.port)
        rid = c.send("fetch", topic="t", partition=0, offset=0, max_wait_ms=30000)
        time.sleep(0.2)
        start = time.monotonic()
        b.proc.send_signal(signal.SIGTERM)
        resp = c.recv()
        self.assertEqual(resp["id"], rid)
        self.assertEqual(resp["error"], 0)
        self.assertEqual(resp["records"], [])
        self.assertLess(time.monotonic() - start, 5)
        self.assertEqual(b.stop(), 0)
        self.assertIn("stopped", b.log())

    def test_a_data_directory_belongs_to_one_broker(self):
        segment = 'storage = { plugin = "segment"; flush = "always"; };'
        first = Broker(self.dir, storage=segment).start()
        brookctl(first.address, "topics", "create", "t")
        self.assertEqual(brookctl(first.address, "produce", "t", input=b"a1\na2\n").returncode, 0)
        # a second brookd on the same directory (its own config file, same data) refuses to start
        other = tempfile.mkdtemp(prefix="brook-it-", dir=self.dir)
        second = Broker(other, storage=segment)
        self.addCleanup(lambda: second.alive() and second.stop(signal.SIGKILL))
        second.data = first.data
        with open(second.conf) as f:
            conf = f.read().replace(other + "/data", first.data)
        with open(second.conf, "w") as f:
            f.write(conf)
        with self.assertRaises(RuntimeError) as refused:
            second.start()
        self.assertIn("failed to acquire lock", str(refused.exception))
        self.assertIn("another brookd (pid %d)" % first.proc.pid, str(refused.exception))
        self.assertEqual(self.consume(first), "a1\na2\n")
        self.assertEqual(first.stop(), 0)

        # the lock goes with the process, even after kill -9: the directory is usable again
        again = Broker(self.dir, storage=segment).start()
        again.stop(signal.SIGKILL)
        again = Broker(self.dir, storage=segment).start()
        self.assertEqual(self.consume(again), "a1\na2\n")
        self.assertEqual(again.stop(), 0)
        with open(os.path.join(first.data, "meta.properties")) as f:
            meta = f.read()
        self.assertIn("broker.id=0\n", meta)
        self.assertRegex(meta, r"cluster.id=[\w-]{16}\n")

        # another broker id may not take it over
        with open(again.conf) as f:
            conf = f.read().replace("id = 0;", "id = 7;")
        with open(again.conf, "w") as f:
            f.write(conf)
        with self.assertRaises(RuntimeError) as refused:
            again.start()
        self.assertIn("belongs to broker.id 0", str(refused.exception))
        self.assertIn("not to this broker (broker.id 7)", str(refused.exception))

    def consume(self, broker):
        r = brookctl(broker.address, "consume", "t", "--from-beginning", "--count", "2")
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.decode()

    def test_sigint_stops_too(self):
        b = Broker(self.dir).start()
        self.assertEqual(b.stop(signal.SIGINT), 0)


if __name__ == "__main__":
    unittest.main()
