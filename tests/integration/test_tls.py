"""TLS listeners against real clients: kcat and confluent-kafka over SSL with
client certificates (the certificate's subject becomes the principal),
fetches of file slices through TLS, and the refusals: a certificate from a
CA nobody trusts, an expired one, plaintext bytes on a TLS port, a client that never
finishes its handshake, an older TLS version than the listener allows, and
certificate files that do not load."""
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

from brooktest import BROOKD, Broker
import kafkawire as kw

try:
    from confluent_kafka import Consumer, Producer
except ImportError:
    raise unittest.SkipTest("python3-confluent-kafka is not installed")

SOURCE = os.environ.get("BROOK_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "../.."))
STORAGE = 'storage = { plugin = "segment"; flush = "os"; };'


def tls_listener(certs, name="kafkatls", client_auth="required", extra=""):
    principal = "principal_from_cert = true;" if client_auth != "none" else ""
    return ('{ name = "%s"; codec = "kafka"; address = "127.0.0.1:0"; tls = { cert = "%s/server.pem"; '
            'key = "%s/server.key"; ca = "%s/ca.pem"; client_auth = "%s"; %s %s }; }'
            % (name, certs, certs, certs, client_auth, principal, extra))


class CertsTestCase(unittest.TestCase):
    """Throwaway certificates from config/make-certs.sh, once per test class, in cls.certs."""

    @classmethod
    def setUpClass(cls):
        cls.certs = tempfile.mkdtemp(prefix="brook-certs-")
        subprocess.run(["sh", os.path.join(SOURCE, "config/make-certs.sh"), cls.certs], check=True,
                       stdout=subprocess.DEVNULL, timeout=60)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.certs, ignore_errors=True)


class Tls(CertsTestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="brook-tls-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def start(self, **tls):
        self.broker = Broker(self.dir, storage=STORAGE, log_level="debug",
                             listeners=tls_listener(self.certs, **tls)).start()
        self.addCleanup(self.broker.stop, signal.SIGKILL)
        self.port = self.broker.ports["kafkatls"]
        return self.broker

    def client_conf(self, cert="client"):
        c = self.certs
        return {"bootstrap.servers": "127.0.0.1:%d" % self.port, "security.protocol": "SSL",
                "ssl.ca.location": c + "/ca.pem", "ssl.certificate.location": "%s/%s.pem" % (c, cert),
                "ssl.key.location": "%s/%s.key" % (c, cert)}

    def kcat(self, *args, cert="client", input=None, check=True):
        conf = []
        for k, v in self.client_conf(cert).items():
            if k != "bootstrap.servers":
                conf += ["-X", "%s=%s" % (k, v)]
        r = subprocess.run(["kcat", "-b", "127.0.0.1:%d" % self.port] + conf + list(args), input=input,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        if check:
            self.assertEqual(r.returncode, 0, r.stderr.decode())
        return r

    def test_kcat_and_confluent_kafka_over_mutual_tls(self):
        self.start()
        lines = [b"%05d:" % i + b"v" * (i % 300) for i in range(5000)]
        self.kcat("-P", "-t", "secure", "-K:", input=b"\n".join(lines) + b"\n")
        out = self.kcat("-C", "-t", "secure", "-e", "-o", "beginning", "-K:", "-f", "%k:%s\n").stdout
        self.assertEqual(out.split(b"\n")[:-1], lines)  # file slices, read and encrypted
        self.assertIn("TLS established (principal User:CN=alice,O=brook-test)", self.broker.log())

        p = Producer(dict(self.client_conf(), **{"acks": "all", "enable.idempotence": True}))
        for i in range(300):
            p.produce("secure2", value=b"c%d" % i)
        self.assertEqual(p.flush(30), 0)
        c = Consumer(dict(self.client_conf(), **{"group.id": "tls", "auto.offset.reset": "earliest"}))
        self.addCleanup(c.close)
        c.subscribe(["secure2"])
        got, deadline = [], time.time() + 60
        while len(got) < 300 and time.time() < deadline:
            m = c.poll(0.3)
            if m is not None and not m.error():
                got.append(m.value())
        self.assertEqual(sorted(got), sorted(b"c%d" % i for i in range(300)))

    def test_bulk_produce_over_tls_arrives_whole(self):
        # 24 MB in ~1 MB requests: more than one wake-up's read budget
        # (4 MiB) reaches brookd at a time, so reading stops with bytes left
        # for the next wake-up; none may be lost or stall.
        self.start()
        p = Producer(dict(self.client_conf(), **{"acks": "1", "linger.ms": 5}))
        values = [b"%05d" % i + bytes([i % 251]) * 12000 for i in range(2000)]
        for v in values:
            p.produce("bulk", value=v, partition=0)
            p.poll(0)
        self.assertEqual(p.flush(60), 0)
        c = Consumer(dict(self.client_conf(), **{"group.id": "bulk", "auto.offset.reset": "earliest",
                                                  "enable.auto.commit": False}))
        self.addCleanup(c.close)
        c.subscribe(["bulk"])
        got, deadline = [], time.time() + 60
        while len(got) < len(values) and time.time() < deadline:
            m = c.poll(0.3)
            if m is not None and not m.error():
                got.append(m.value())
        self.assertEqual(got, values)

    def test_untrusted_certificate_and_plaintext_are_refused(self):
        self.start(extra="handshake_timeout_ms = 400;")
        r = self.kcat("-L", "-m", "3", cert="rogue", check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("TLS handshake failed: client certificate", self.broker.log())
        r = self.kcat("-L", "-m", "3", cert="expired", check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("client certificate: certificate has expired", self.broker.log())
        # plaintext Kafka bytes on the TLS port: closed, with a log line naming the peer
        s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        s.sendall(kw.frame(18, 0, 1, b""))
        try:
            self.assertEqual(s.recv(100), b"")
        except ConnectionResetError:
            pass  # closed with our bytes unread: a reset, also fine
        s.close()
        self.assertIn("wrong version number", self.broker.log())
        # connected and silent: closed at the handshake deadline
        s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        started = time.monotonic()
        self.assertEqual(s.recv(100), b"")
        self.assertLess(time.monotonic() - started, 4)
        s.close()
        self.assertIn("TLS handshake not finished within 400 ms", self.broker.log())
        # and the broker still serves
        self.assertIn(b"broker 0", self.kcat("-L").stdout)

    def test_minimum_version_is_enforced(self):
        self.start(client_auth="none", extra='min_version = "1.3";')
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(self.certs + "/ca.pem")
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as raw:
            with self.assertRaises(ssl.SSLError):
                ctx.wrap_socket(raw, server_hostname="localhost")
        ctx.maximum_version = ssl.TLSVersion.TLSv1_3
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
                self.assertEqual(tls.version(), "TLSv1.3")

    def test_the_shipped_secure_configuration_starts_with_make_certs_certificates(self):
        shutil.copytree(self.certs, os.path.join(self.dir, "certs"))
        conf = os.path.join(SOURCE, "config/secure.conf")
        args = [BROOKD, "-c", conf, "--set", 'listeners.[0].address="127.0.0.1:0"',
                "--set", 'listeners.[1].address="127.0.0.1:0"', "--set", 'broker.data_dir="%s/data"' % self.dir]
        proc = subprocess.Popen(args, cwd=self.dir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            deadline, out = time.time() + 20, b""
            while b"ready" not in out and time.time() < deadline and proc.poll() is None:
                out += proc.stdout.read1(4096)
            self.assertIn(b"listener kafka-tls (codec kafka) listening", out)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(10)
            proc.stdout.close()

    def test_certificate_files_that_do_not_load_stop_start_up(self):
        bad = [(("server.pem", "nosuch.pem"), "cannot load certificate"),
               (("server.key", "client.key"), "key values mismatch"),
               (("ca.pem", "missing-ca.pem"), "cannot load CA certificates")]
        for (good, wrong), message in bad:
            listener = tls_listener(self.certs).replace(good, wrong)
            conf = os.path.join(self.dir, "bad.conf")
            with open(conf, "w") as f:
                f.write('broker = { data_dir = "%s/data"; };\nlisteners = ( %s );\n%s\n' % (self.dir, listener,
                                                                                          STORAGE))
            r = subprocess.run([BROOKD, "-c", conf], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn(message, r.stderr.decode())


if __name__ == "__main__":
    unittest.main()
