"""SASL PLAIN and SCRAM-SHA-256/512 with real clients against a real brookd:
kcat over SASL_PLAINTEXT and SASL_SSL, confluent-kafka over SASL_SSL,
kafka-python; users managed
with brookctl users (salted hashes on disk, never the password); the
Kafka v0 flow with bare tokens (hand-made frames); and the refusals: a
wrong password, a deleted user, a mechanism nobody offers, a request
before authenticating, a client that never authenticates. With auth-acl,
a user without WRITE on a topic gets an authorization error while another
topic works."""
import base64
import hashlib
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
import unittest

from brooktest import BROOKCTL, Broker, Native, brookctl
from test_tls import STORAGE, CertsTestCase
import kafkawire as kw

try:
    from confluent_kafka import Consumer, Producer
except ImportError:
    raise unittest.SkipTest("python3-confluent-kafka is not installed")

RULES = """
allow User:ANONYMOUS * ALL topic literal *
allow User:ANONYMOUS * ALL cluster literal kafka-cluster
allow User:alice * ALL topic literal *
allow User:alice * ALL group literal *
allow User:alice * ALL cluster literal kafka-cluster
allow User:bob * WRITE topic literal scratch
allow User:bob * READ topic literal orders
"""


def users(*args, input=None):
    return subprocess.run([BROOKCTL, "users"] + list(args), input=input, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=30)


class Sasl(CertsTestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="brook-sasl-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.creds = os.path.join(self.dir, "credentials")
        self.assertEqual(users("add", "alice", "--file", self.creds, "--password", "s3cret").returncode, 0)
        self.assertEqual(users("add", "bob", "--file", self.creds, input=b"hunter2\n").returncode, 0)
        acl = os.path.join(self.dir, "acl")
        with open(acl, "w") as f:
            f.write(RULES)
        c = self.certs
        listeners = ('{ name = "sasl"; codec = "kafka"; address = "127.0.0.1:0"; sasl = true; auth_timeout_ms = 400; },'
                     '{ name = "saslssl"; codec = "kafka"; address = "127.0.0.1:0"; sasl = true; '
                     'tls = { cert = "%s/server.pem"; key = "%s/server.key"; }; },'
                     '{ name = "nativesasl"; codec = "native"; address = "127.0.0.1:0"; sasl = true; },'
                     '{ name = "sasl10s"; codec = "kafka"; address = "127.0.0.1:0"; sasl = true; }' % (c, c))
        auth = ('auth = ( { plugin = "plain"; credentials = "%s"; }, { plugin = "scram"; credentials = "%s"; },'
                ' { plugin = "acl"; file = "%s"; } );' % (self.creds, self.creds, acl))
        self.broker = Broker(self.dir, storage=STORAGE, extra=auth, listeners=listeners).start()
        self.addCleanup(self.broker.stop, signal.SIGKILL)
        self.port = self.broker.ports["sasl"]
        for topic in ("orders", "scratch"):
            self.assertEqual(brookctl(self.broker.address, "topics", "create", topic).returncode, 0)

    def kcat(self, user, password, *args, input=None):
        return subprocess.run(["kcat", "-b", "127.0.0.1:%d" % self.port, "-X", "security.protocol=SASL_PLAINTEXT",
                               "-X", "sasl.mechanisms=PLAIN", "-X", "sasl.username=" + user,
                               "-X", "sasl.password=" + password] + list(args),
                              input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)

    def test_credentials_file_holds_no_password(self):
        with open(self.creds) as f:
            text = f.read()
        self.assertNotIn("s3cret", text)
        self.assertNotIn("hunter2", text)
        self.assertEqual(oct(os.stat(self.creds).st_mode & 0o777), "0o600")
        self.assertEqual(users("list", "--file", self.creds).stdout.decode().split("\n"),
                         ["USER   MECHANISM"] + ["%-5s  %s" % (u, s) for u in ("alice", "bob")
                                                for s in ("pbkdf2-sha256", "scram-sha-256", "scram-sha-512")] + [""])

    def test_kcat_plain_wrong_password_and_authorization(self):
        r = self.kcat("alice", "s3cret", "-P", "-t", "orders", input=b"one\ntwo\n")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        r = self.kcat("alice", "s3cret", "-C", "-t", "orders", "-e", "-o", "beginning")
        self.assertEqual(r.stdout, b"one\ntwo\n")
        self.assertIn("authenticated as User:alice", self.broker.log())
        r = self.kcat("alice", "wrong", "-L", "-m", "5")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("Authentication failed", r.stderr.decode())
        self.assertIn("authentication failed for User:alice", self.broker.log())
        self.assertNotIn("wrong", self.broker.log())  # never a password in the log
        # bob may write "scratch" but not "orders"
        r = self.kcat("bob", "hunter2", "-P", "-t", "scratch", input=b"fine\n")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        r = self.kcat("bob", "hunter2", "-P", "-t", "orders", input=b"refused\n")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("Topic authorization failed", r.stderr.decode())
        # a deleted user is out at once
        self.assertEqual(users("delete", "bob", "--file", self.creds).returncode, 0)
        self.assertNotEqual(self.kcat("bob", "hunter2", "-L", "-m", "5").returncode, 0)

    def test_confluent_kafka_over_sasl_ssl_and_kafka_python(self):
        conf = {"bootstrap.servers": "127.0.0.1:%d" % self.broker.ports["saslssl"], "security.protocol": "SASL_SSL",
                "ssl.ca.location": self.certs + "/ca.pem", "sasl.mechanisms": "PLAIN", "sasl.username": "alice",
                "sasl.password": "s3cret"}
        p = Producer(dict(conf, acks="all"))
        for i in range(50):
            p.produce("orders", value=b"s%d" % i)
        self.assertEqual(p.flush(30), 0)
        c = Consumer(dict(conf, **{"group.id": "sasl-readers", "auto.offset.reset": "earliest"}))
        self.addCleanup(c.close)
        c.subscribe(["orders"])
        got, deadline = [], time.time() + 30
        while len(got) < 50 and time.time() < deadline:
            m = c.poll(0.3)
            if m is not None and not m.error():
                got.append(m.value())
        self.assertEqual(sorted(got), sorted(b"s%d" % i for i in range(50)))
        try:
            from kafka import KafkaProducer
        except ImportError:
            self.fail("python3-kafka is not installed")
        kp = KafkaProducer(bootstrap_servers="127.0.0.1:%d" % self.port, security_protocol="SASL_PLAINTEXT",
                           sasl_mechanism="PLAIN", sasl_plain_username="alice", sasl_plain_password="s3cret")
        kp.send("scratch", b"from kafka-python").get(30)
        kp.close(10)

    def test_scram_sha_256_and_512(self):
        port = self.broker.ports["saslssl"]
        for mechanism in ("SCRAM-SHA-256", "SCRAM-SHA-512"):
            base = ["kcat", "-b", "127.0.0.1:%d" % port, "-X", "security.protocol=SASL_SSL",
                    "-X", "ssl.ca.location=%s/ca.pem" % self.certs, "-X", "sasl.mechanisms=" + mechanism,
                    "-X", "sasl.username=alice"]
            r = subprocess.run(base + ["-X", "sasl.password=s3cret", "-P", "-t", "scratch"], input=b"m\n",
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr.decode())
            r = subprocess.run(base + ["-X", "sasl.password=nope", "-L", "-m", "5"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=60)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("Authentication failed", r.stderr.decode())
        self.assertIn("SCRAM from 127.0.0.1", self.broker.log())  # failures name the peer
        self.assertNotIn("nope", self.broker.log())
        for mechanism in ("SCRAM-SHA-256", "SCRAM-SHA-512"):
            conf = {"bootstrap.servers": "127.0.0.1:%d" % port, "security.protocol": "SASL_SSL",
                    "ssl.ca.location": self.certs + "/ca.pem", "sasl.mechanisms": mechanism,
                    "sasl.username": "alice", "sasl.password": "s3cret", "acks": "all"}
            p = Producer(conf)
            p.produce("orders", value=mechanism.encode())
            self.assertEqual(p.flush(30), 0, mechanism)
        # and PLAIN over SASL_PLAINTEXT with confluent-kafka too
        p = Producer({"bootstrap.servers": "127.0.0.1:%d" % self.port, "security.protocol": "SASL_PLAINTEXT",
                      "sasl.mechanisms": "PLAIN", "sasl.username": "alice", "sasl.password": "s3cret"})
        p.produce("orders", value=b"plain")
        self.assertEqual(p.flush(30), 0)
        r = self.kcat("alice", "s3cret", "-C", "-t", "orders", "-e", "-o", "beginning")
        self.assertEqual(sorted(r.stdout.split()), [b"SCRAM-SHA-256", b"SCRAM-SHA-512", b"plain"])

    def test_v0_flow_with_bare_tokens(self):
        c = kw.Conn(self.port)
        self.addCleanup(c.close)
        data = c.call(17, 0, kw.string("PLAIN"))
        err, n = struct.unpack_from(">hi", data, 0)
        self.assertEqual((err, n), (0, 3))  # PLAIN, SCRAM-SHA-256, SCRAM-SHA-512
        c.sock.sendall(struct.pack(">i", 13) + b"\x00alice\x00s3cret")  # a bare token
        self.assertEqual(c.read_exact(4), b"\x00\x00\x00\x00")  # success: an empty bare reply
        data = c.call(3, 1, kw.array([kw.string("orders")]))  # now a normal request works
        self.assertIn(b"orders", data)

    def test_refusals_close_the_connection(self):
        # a mechanism nobody offers: UNSUPPORTED_SASL_MECHANISM with what is offered
        c = kw.Conn(self.port)
        data = c.call(17, 1, kw.string("GSSAPI"))
        self.assertEqual(struct.unpack_from(">h", data, 0)[0], 33)
        self.assertIn(b"PLAIN", data)
        self.assertEqual(c.sock.recv(10), b"")
        c.close()
        # a request before authenticating
        c = kw.Conn(self.port)
        c.send(3, 1, kw.array([]))
        self.assertEqual(c.sock.recv(10), b"")
        c.close()
        self.assertIn("request type 2 before authentication", self.broker.log())
        # SaslAuthenticate v1 with a wrong password: error 58, then closed
        c = kw.Conn(self.port)
        c.call(17, 1, kw.string("PLAIN"))
        data = c.call(36, 1, kw.nbytes(b"\x00alice\x00nope"))
        self.assertEqual(struct.unpack_from(">h", data, 0)[0], 58)
        self.assertEqual(c.sock.recv(10), b"")
        c.close()
        # the right password with an extra NUL-separated field (RFC 4616 has exactly two NULs): refused
        for token in (b"\x00alice\x00s3cret\x00extra", b"\x00alice\x00s3cret\x00", b"alice\x00alice\x00s3cret\x00x"):
            c = kw.Conn(self.port)
            c.call(17, 1, kw.string("PLAIN"))
            data = c.call(36, 1, kw.nbytes(token))
            self.assertEqual(struct.unpack_from(">h", data, 0)[0], 58, token)
            c.close()
        # before authenticating, frames are capped at 512 KiB (Kafka's sasl.server.max.receive.size)
        c = kw.Conn(self.port)
        c.sock.sendall(struct.pack(">i", 600_000) + b"\x00\x11\x00\x01" + b"x" * 1000)
        self.assertEqual(c.sock.recv(10), b"")
        c.close()
        self.assertIn("exceeds limits.max_frame_bytes_unauthenticated", self.broker.log())
        # connected, never authenticating: closed at auth_timeout_ms
        s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        self.assertEqual(s.recv(10), b"")
        s.close()
        self.assertIn("not authenticated within 400 ms", self.broker.log())

    def add_slow_user(self, iterations=3000000):
        """A PLAIN user whose hash takes ~0.5 s to check (the file allows up
        to 10 million PBKDF2 rounds), to make a check outlast a round trip."""
        salt = os.urandom(16)
        digest = hashlib.pbkdf2_hmac("sha256", b"patience", salt, iterations, 32)
        with open(self.creds, "a") as f:
            f.write("slow pbkdf2-sha256 %d %s %s\n" % (iterations, base64.b64encode(salt).decode(),
                                                        base64.b64encode(digest).decode()))

    def readable(self, sock):
        return bool(select.select([sock], [], [], 0)[0])

    def test_wrong_passwords_are_answered_after_a_delay_without_holding_others(self):
        """Kafka's connection.failed.authentication.delay.ms (100 ms here):
        200 tries no longer fit in 3 s, yet the loop serves others meanwhile."""
        guessers = []
        for _ in range(10):  # on the listener with 10 s to authenticate: 400 ms is tight under ASan
            c = kw.Conn(self.broker.ports["sasl10s"], timeout=10)
            c.call(17, 1, kw.string("PLAIN"))
            guessers.append(c)
        t0 = time.monotonic()
        for c in guessers:  # ten wrong guesses at once
            c.send(36, 1, kw.nbytes(b"\x00alice\x00guess"))
        time.sleep(0.02)
        other = Native(self.broker.port)
        t1 = time.monotonic()
        self.assertEqual(other.call("list_topics")["error"], 0)
        self.assertLess(time.monotonic() - t1, 0.08)  # not behind the delayed answers
        for c in guessers:
            self.assertFalse(self.readable(c.sock) and time.monotonic() - t0 < 0.09)
            _corr, data = c.recv()
            self.assertEqual(struct.unpack_from(">h", data, 0)[0], 58)
            c.close()
        elapsed = time.monotonic() - t0
        self.assertGreaterEqual(elapsed, 0.095)  # each waited its 100 ms...
        self.assertLess(elapsed, 0.9)  # ...at the same time, not one after another

    def test_password_checks_run_off_the_event_loop(self):
        self.add_slow_user()
        a = kw.Conn(self.broker.ports["sasl10s"], timeout=30)  # the "sasl" listener allows 400 ms
        self.addCleanup(a.close)
        a.call(17, 1, kw.string("PLAIN"))
        corr = a.send(36, 1, kw.nbytes(b"\x00slow\x00patience"))
        time.sleep(0.1)  # the broker has A's token and is checking it
        # another client is answered while A's check is still running
        other = Native(self.broker.port)
        self.assertEqual(other.call("list_topics")["error"], 0)
        self.assertFalse(self.readable(a.sock), "the other client waited for the password check")
        got, data = a.recv()
        self.assertEqual((got, struct.unpack_from(">h", data, 0)[0]), (corr, 0))
        data = a.call(3, 1, kw.array([kw.string("orders")]))  # authenticated
        self.assertIn(b"orders", data)
        other.close()

    def test_a_client_leaving_mid_check_and_a_second_step_mid_check(self):
        self.add_slow_user()
        # gone while its password is being checked: nothing to answer, nothing leaks
        port = self.broker.ports["sasl10s"]  # the "sasl" listener allows 400 ms
        c = kw.Conn(port)
        c.call(17, 1, kw.string("PLAIN"))
        c.send(36, 1, kw.nbytes(b"\x00slow\x00patience"))
        time.sleep(0.05)
        c.close()
        # a second step sent before the first is answered: the first is
        # answered in order, the second refused, then the connection closes
        c = kw.Conn(port, timeout=30)
        c.call(17, 1, kw.string("PLAIN"))
        first = c.send(36, 1, kw.nbytes(b"\x00slow\x00patience"))
        second = c.send(36, 1, kw.nbytes(b"\x00slow\x00patience"))
        got, data = c.recv()
        self.assertEqual((got, struct.unpack_from(">h", data, 0)[0]), (first, 0))
        got, data = c.recv()
        self.assertEqual(got, second)
        self.assertNotEqual(struct.unpack_from(">h", data, 0)[0], 0)
        self.assertEqual(c.sock.recv(10), b"")
        c.close()
        # and the broker still authenticates
        r = self.kcat("alice", "s3cret", "-L")
        self.assertEqual(r.returncode, 0, r.stderr)
        # stopping with a check in flight: a clean exit (under ASan: no leak, no use after free)
        c = kw.Conn(port)
        c.call(17, 1, kw.string("PLAIN"))
        c.send(36, 1, kw.nbytes(b"\x00slow\x00patience"))
        time.sleep(0.05)
        self.assertEqual(self.broker.stop(signal.SIGTERM, timeout=30), 0, self.broker.log())
        c.close()
        self.assertNotIn("AddressSanitizer", self.broker.log())
        self.assertNotIn("runtime error", self.broker.log())

    def test_brookctl_authenticates_on_the_native_protocol(self):
        address = "127.0.0.1:%d" % self.broker.ports["nativesasl"]

        def ctl(*args, env=None):
            return subprocess.run([BROOKCTL, "-b", address] + list(args), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, timeout=30, env=env)

        r = ctl("--user", "alice", "--password", "s3cret", "topics", "list")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertIn(b"orders", r.stdout)
        env = dict(os.environ, BROOK_USER="alice", BROOK_PASSWORD="s3cret")
        self.assertEqual(ctl("topics", "list", env=env).returncode, 0)
        r = ctl("--user", "alice", "--password", "nope", "topics", "list")
        self.assertEqual(r.returncode, 1)
        self.assertIn("authentication as alice failed", r.stderr.decode())
        r = ctl("topics", "list")  # no credentials: the broker closes the connection, brookctl says why
        self.assertEqual(r.returncode, 1)
        self.assertIn("authentication required", r.stderr.decode())
        self.assertEqual(ctl("--user", "alice", "topics", "list").returncode, 2)  # no password

    def test_bad_users_usage(self):
        self.assertEqual(users("add", "bad name", "--file", self.creds, "--password", "x").returncode, 2)
        r = users("add", "alice", "--file", self.creds, "--password", "x")  # add never overwrites
        self.assertEqual(r.returncode, 1)
        self.assertIn("users set alice", r.stderr.decode())
        self.assertEqual(users("set", "nobody", "--file", self.creds, "--password", "x").returncode, 1)
        self.assertEqual(users("delete", "nobody", "--file", self.creds).returncode, 1)
        self.assertEqual(users("add", "carol", "--file", self.creds, input=b"").returncode, 2)  # no password
        r = users("add", "carol", "--file", "/nonexistent/dir/creds", "--password", "x")
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot write", r.stderr.decode())


if __name__ == "__main__":
    unittest.main()
