"""brookctl on secured listeners and the mistakes operators make: TLS with
the broker's certificate checked (and refused against the wrong CA),
mutual TLS with a client certificate, SASL SCRAM-SHA-256/512 and PLAIN on
the native protocol, and a clear message instead of "closed the
connection" when pointed at a Kafka listener, at a TLS listener without
--tls, or at a SASL listener without credentials; a produce to a missing
topic names it and topics.auto_create."""
import os
import shutil
import signal
import subprocess
import tempfile
import unittest

from brooktest import BROOKCTL, Broker
from test_tls import CertsTestCase


class BrookctlSecurity(CertsTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dir = tempfile.mkdtemp(prefix="brook-ctlsec-")
        creds = os.path.join(cls.dir, "credentials")
        r = subprocess.run([BROOKCTL, "users", "add", "alice", "--file", creds, "--password", "s3cret"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        assert r.returncode == 0, r.stderr
        c = cls.certs
        tls = 'tls = { cert = "%s/server.pem"; key = "%s/server.key"; ca = "%s/ca.pem"; client_auth = "%s"; };'
        listeners = ('{ name = "ntls"; codec = "native"; address = "127.0.0.1:0"; %s },'
                     '{ name = "nmtls"; codec = "native"; address = "127.0.0.1:0"; %s },'
                     '{ name = "nsasl"; codec = "native"; address = "127.0.0.1:0"; sasl = true; }'
                     % (tls % (c, c, c, "none"), tls % (c, c, c, "required")))
        auth = ('auth = ( { plugin = "plain"; credentials = "%s"; }, { plugin = "scram"; credentials = "%s"; } );'
                % (creds, creds))
        cls.broker = Broker(cls.dir, extra=auth + "\ntopics = { auto_create = false; };", listeners=listeners).start()

    @classmethod
    def tearDownClass(cls):
        cls.broker.stop(signal.SIGKILL)
        shutil.rmtree(cls.dir, ignore_errors=True)
        super().tearDownClass()

    def ctl(self, listener, *args, input=None):
        port = self.broker.ports[listener] if listener != "native" else self.broker.port
        return subprocess.run([BROOKCTL, "-b", "127.0.0.1:%d" % port, "--timeout-ms", "3000"] + list(args),
                              input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)

    def ok(self, listener, *args):
        r = self.ctl(listener, *args)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        return r

    def fails(self, listener, *args, message):
        r = self.ctl(listener, *args)
        self.assertEqual(r.returncode, 1, r.stdout.decode())
        self.assertIn(message, r.stderr.decode())

    def test_tls(self):
        ca = os.path.join(self.certs, "ca.pem")
        self.ok("ntls", "--tls-ca", ca, "topics", "list")
        self.fails("ntls", "--tls", "topics", "list", message="certificate")  # the system does not trust our CA
        self.fails("ntls", "topics", "list", message="this listener speaks TLS: give --tls")
        cert, key = os.path.join(self.certs, "client.pem"), os.path.join(self.certs, "client.key")
        self.ok("nmtls", "--tls-ca", ca, "--tls-cert", cert, "--tls-key", key, "topics", "list")
        self.fails("nmtls", "--tls-ca", ca, "topics", "list", message="")  # no client certificate: refused

    def test_sasl_mechanisms(self):
        for mechanism in ("SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"):
            self.ok("nsasl", "--user", "alice", "--password", "s3cret", "--sasl-mechanism", mechanism, "topics", "list")
        self.fails("nsasl", "--user", "alice", "--password", "wrong", "--sasl-mechanism", "SCRAM-SHA-512", "topics",
                   "list", message="authentication as alice failed")
        self.fails("nsasl", "topics", "list", message="authentication required (--user/--password")

    def test_kafka_listener_and_missing_topic(self):
        self.fails("kafka", "topics", "list", message="this is a Kafka listener; brookctl speaks the native protocol")
        r = self.ctl("native", "produce", "nowhere", input=b"x\n")
        self.assertEqual(r.returncode, 1)
        self.assertIn('unknown topic "nowhere"', r.stderr.decode())
        self.assertIn("topics.auto_create", r.stderr.decode())


if __name__ == "__main__":
    unittest.main()
