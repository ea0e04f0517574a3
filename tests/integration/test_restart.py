"""Topics survive restarts (graceful and kill -9); graceful shutdown
finishes parked requests and exits 0."""
import shutil
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
        expected = "a.b-c_d\t7\norders\t3\n"
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

    def test_sigint_stops_too(self):
        b = Broker(self.dir).start()
        self.assertEqual(b.stop(signal.SIGINT), 0)


if __name__ == "__main__":
    unittest.main()
