"""SCRAM users managed over the Kafka protocol (KIP-554:
DescribeUserScramCredentials, AlterUserScramCredentials) against a real
brookd with auth-scram: a user set from a salted password (the password
never travels) logs in with librdkafka (kcat) over SASL SCRAM, is listed
with its mechanisms and iterations, is removed and can no longer log in;
Kafka's refusals (too few iterations, an unknown mechanism, a credential
changed twice, a user unknown or asked twice) and SECURITY_DISABLED
without a plugin that keeps users. No Debian client library sends these
requests (librdkafka 2.0, kafka-python 2.0 predate them): hand-made
frames, checked against a real SCRAM login."""
import hashlib
import os
import shutil
import signal
import struct
import subprocess
import tempfile
import unittest

from brooktest import BROOKCTL, Broker
import kafkawire as kw

SHA256, SHA512 = 1, 2


def describe(port, names=None):
    """(error, {user: (error, [(mechanism, iterations)])})."""
    if names is None:
        body = b"\0"  # null: every user
    else:
        body = kw.uvarint(len(names) + 1) + b"".join(kw.compact(n) + b"\0" for n in names)
    r = kw.call_flexible(port, 50, 0, body + b"\0")
    r.take(">i")
    err = r.take(">h")
    r.str()
    out = {}

    def result():
        user, uerr = r.str(), r.take(">h")
        r.str()
        creds = r.array(lambda: (r.take(">b"), r.take(">i"), r.tags())[:2])
        r.tags()
        out[user] = (uerr, creds)
    r.array(result)
    return err, out


def alter(port, deletions=(), upsertions=()):
    """{user: (error, message)}; upsertions are (name, mechanism, iterations, salt, password)."""
    body = kw.uvarint(len(deletions) + 1) + b"".join(kw.compact(n) + struct.pack(">b", m) + b"\0"
                                                     for n, m in deletions)
    body += kw.uvarint(len(upsertions) + 1)
    for name, mech, iterations, salt, password in upsertions:
        salted = hashlib.pbkdf2_hmac("sha256" if mech != SHA512 else "sha512", password.encode(), salt, iterations)
        body += kw.compact(name) + struct.pack(">bi", mech, iterations) + kw.compact(salt) + kw.compact(salted) + b"\0"
    r = kw.call_flexible(port, 51, 0, body + b"\0")
    r.take(">i")
    out = {}

    def result():
        user, err, message = r.str(), r.take(">h"), r.str()
        r.tags()
        out[user] = (err, message)
    r.array(result)
    return out


class ScramAdmin(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="brook-scramadm-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.creds = os.path.join(self.dir, "credentials")
        r = subprocess.run([BROOKCTL, "users", "add", "alice", "--file", self.creds, "--password", "s3cret"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        listeners = '{ name = "sasl"; codec = "kafka"; address = "127.0.0.1:0"; sasl = true; }'
        auth = 'auth = ( { plugin = "scram"; credentials = "%s"; } );' % self.creds
        self.broker = Broker(self.dir, extra=auth, listeners=listeners).start()
        self.addCleanup(self.broker.stop, signal.SIGKILL)
        self.port = self.broker.kafka_port

    def login(self, user, password, mechanism="SCRAM-SHA-256"):
        r = subprocess.run(["kcat", "-b", "127.0.0.1:%d" % self.broker.ports["sasl"], "-L", "-m", "5",
                            "-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanisms=" + mechanism,
                            "-X", "sasl.username=" + user, "-X", "sasl.password=" + password],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        return r.returncode == 0

    def test_set_list_login_remove(self):
        err, users = describe(self.port)
        self.assertEqual(err, 0)
        self.assertEqual(users, {"alice": (0, [(SHA256, 4096), (SHA512, 4096)])})

        got = alter(self.port, upsertions=[("bob", SHA256, 8192, b"pepper-salt", "hunter2"),
                                           ("bob", SHA512, 4096, b"other-salt", "hunter2")])
        self.assertEqual(got, {"bob": (0, None)})
        with open(self.creds) as f:
            self.assertNotIn("hunter2", f.read())  # keys only
        self.assertTrue(self.login("bob", "hunter2"))
        self.assertTrue(self.login("bob", "hunter2", "SCRAM-SHA-512"))
        self.assertFalse(self.login("bob", "wrong"))
        self.assertTrue(self.login("alice", "s3cret"))  # the others' lines are kept

        err, users = describe(self.port, ["bob", "nobody"])
        self.assertEqual(users["bob"], (0, [(SHA256, 8192), (SHA512, 4096)]))
        self.assertEqual(users["nobody"][0], 91)  # RESOURCE_NOT_FOUND

        self.assertEqual(alter(self.port, deletions=[("bob", SHA256)]), {"bob": (0, None)})
        self.assertFalse(self.login("bob", "hunter2"))
        self.assertTrue(self.login("bob", "hunter2", "SCRAM-SHA-512"))
        self.assertEqual(describe(self.port, ["bob"])[1]["bob"], (0, [(SHA512, 4096)]))

    def test_refusals(self):
        got = alter(self.port, deletions=[("ghost", SHA256), ("carol", SHA256)],
                    upsertions=[("dave", SHA256, 1000, b"s", "pw"), ("erin", 3, 4096, b"s", "pw"),
                                ("carol", SHA256, 4096, b"s", "pw"), ("frank", SHA256, 20000, b"s", "pw"),
                                ("bad name", SHA256, 4096, b"s", "pw")])
        self.assertEqual(got["ghost"][0], 91)  # RESOURCE_NOT_FOUND
        self.assertEqual(got["carol"][0], 92)  # DUPLICATE_RESOURCE: deleted and set at once
        self.assertEqual(got["dave"], (93, "too few iterations (at least 4096)"))  # UNACCEPTABLE_CREDENTIAL
        self.assertEqual(got["erin"][0], 33)  # UNSUPPORTED_SASL_MECHANISM
        self.assertEqual(got["frank"][0], 93)
        self.assertEqual(got["bad name"][0], 93)
        self.assertEqual(describe(self.port, ["alice", "alice"])[1]["alice"][0], 92)
        self.assertEqual(list(describe(self.port)[1]), ["alice"])  # nothing else was written


class ScramAdminWithoutKeeper(unittest.TestCase):
    def test_security_disabled(self):
        d = tempfile.mkdtemp(prefix="brook-scramadm-")
        self.addCleanup(shutil.rmtree, d, True)
        b = Broker(d).start()
        self.addCleanup(b.stop, signal.SIGKILL)
        err, users = describe(b.kafka_port)
        self.assertEqual((err, users), (54, {}))
        self.assertEqual(alter(b.kafka_port, deletions=[("x", SHA256)])["x"][0], 54)


if __name__ == "__main__":
    unittest.main()
