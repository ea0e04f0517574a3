"""Brokers that authenticate to each other: three brokers whose
inter-broker listener is TLS requiring client certificates, a real etcd
and auth-acl. Each broker presents its own certificate when it connects to
another (followers to their leaders), checks the other's against the CA
and the address it dialled, and is allowed the cluster's own actions as a
super user named by its certificate. Replication and failover work over
it; a client without a certificate, one from another CA, and one with a
good certificate but no right to the cluster's actions cannot copy a
partition."""
import os
import re
import signal
import socket
import ssl
import time
import unittest

import msgpack

from brooktest import Native
from clustertest import ClusterTestCase
from test_tls import CertsTestCase

try:
    from kafka.admin import KafkaAdminClient
except ImportError:  # pragma: no cover
    KafkaAdminClient = None

BROKER_PRINCIPAL = "User:CN=broker,O=brook-test"
# the plain listeners' clients (the tests' own) may make and use topics,
# but not act as the cluster: that is the brokers' alone
RULES = """allow User:ANONYMOUS * CREATE cluster literal kafka-cluster
allow User:ANONYMOUS * DESCRIBE cluster literal kafka-cluster
allow User:ANONYMOUS * ALL topic literal *
allow User:ANONYMOUS * ALL group literal *
allow User:CN=alice,O=brook-test * ALL topic literal *
"""
DENIED = 10  # BROOK_ERR_DENIED on the native protocol


@unittest.skipUnless(KafkaAdminClient, "needs python3-kafka")
class InterBrokerTls(CertsTestCase, ClusterTestCase):
    cluster_extra = 'inter_broker_listener = "peers";'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        c = cls.certs
        cls.listeners = ('{ name = "peers"; codec = "native"; address = "127.0.0.1:0"; tls = { cert = "%s/broker.pem"; '
                         'key = "%s/broker.key"; ca = "%s/ca.pem"; client_auth = "required"; '
                         'principal_from_cert = true; }; }' % (c, c, c))

    def broker_config(self, broker_id):
        path = os.path.join(self.dir, "acl-%d" % broker_id)
        with open(path, "w") as f:
            f.write(RULES)
        return 'auth = ( { plugin = "acl"; file = "%s"; super_users = "%s"; } );' % (path, BROKER_PRINCIPAL)

    def peers_port(self, broker_id):
        return self.brokers[broker_id].ports["peers"]

    def tls_socket(self, broker_id, cert):
        ctx = ssl.create_default_context(cafile=os.path.join(self.certs, "ca.pem"))
        ctx.load_cert_chain(os.path.join(self.certs, cert + ".pem"), os.path.join(self.certs, cert + ".key"))
        raw = socket.create_connection(("127.0.0.1", self.peers_port(broker_id)), timeout=10)
        return ctx.wrap_socket(raw, server_hostname="127.0.0.1")

    def replica_fetch(self, sock, topic):
        return Native(None, sock=sock).call("replica_fetch", replica_id=9, max_wait_ms=0, partitions=[
            {"topic": topic, "partition": 0, "offset": 0, "current_leader_epoch": -1, "last_fetched_epoch": -1}])

    def test_replication_and_failover_run_over_mutual_tls(self):
        self.controller()
        parts = self.create("t", 1, rf=3)
        leader = parts[0]["leader"]
        self.produce_to(leader, "t", [b"v%d" % i for i in range(5)])  # acks=all: every follower fetched them
        followers = [i for i in (1, 2, 3) if i != leader]
        for i in followers:
            self.assertTrue(self.wait_log(i, "linked to 127.0.0.1:%d (TLS)" % self.peers_port(leader)),
                            self.brokers[i].log())
        self.brokers[leader].stop(signal.SIGKILL)
        parts = self.wait_partitions("t", lambda r: r["leader"] in followers, 1, timeout=30)
        self.assertEqual(self.read_all("t", 5), [b"v%d" % i for i in range(5)])
        self.produce_to(parts[0]["leader"], "t", [b"after"])  # the new leader's follower links are TLS too
        self.assertEqual(self.read_all("t", 6)[-1], b"after")

    def test_only_brokers_copy_partitions_on_the_inter_broker_listener(self):
        self.controller()
        leader = self.create("t", 1, rf=3)[0]["leader"]
        self.produce_to(leader, "t", [b"secret"])
        # plaintext on the TLS port: no answer, the connection is closed
        with socket.create_connection(("127.0.0.1", self.peers_port(leader)), timeout=10) as plain:
            with self.assertRaises((ConnectionError, OSError)):
                self.replica_fetch(plain, "t")
        # a certificate from a CA the brokers do not trust: refused in the handshake
        with self.assertRaises((ssl.SSLError, ConnectionError, OSError)):
            with self.tls_socket(leader, "rogue") as rogue:
                self.replica_fetch(rogue, "t")
        # a client certificate of the cluster's CA, but not a broker's: authenticated, not allowed
        with self.tls_socket(leader, "client") as alice:
            r = self.replica_fetch(alice, "t")
        self.assertEqual(r["partitions"][0]["error"], DENIED, r)
        self.assertNotIn(b"secret", msgpack.packb(r, use_bin_type=True))
        # the brokers' own certificate is allowed
        with self.tls_socket(leader, "broker") as broker:
            r = self.replica_fetch(broker, "t")
        self.assertEqual(r["error"], 0, r)
        self.assertIn(b"secret", r["partitions"][0]["batches"])


@unittest.skipUnless(KafkaAdminClient, "needs python3-kafka")
class InterBrokerTlsRefusesStrangers(CertsTestCase, ClusterTestCase):
    """A broker whose certificate the others do not trust cannot follow
    them: its links fail in the handshake, named in its log, and the
    partitions it should copy leave its in-sync sets."""
    brokers_at_start = 0
    cluster_extra = 'inter_broker_listener = "peers";'
    replication = 'replication = { plugin = "isr"; replica_lag_time_max_ms = 2000; };'

    def peers_listener(self, cert, key, ca):
        c = self.certs
        return ('{ name = "peers"; codec = "native"; address = "127.0.0.1:0"; tls = { cert = "%s/%s"; key = "%s/%s"; '
                'ca = "%s/%s"; client_auth = "required"; }; }' % (c, cert, c, key, c, ca))

    def test_a_broker_with_an_untrusted_certificate_cannot_follow(self):
        # brokers 1 and 2 trust ca.pem; broker 3 presents the rogue CA's certificate
        self.listeners = self.peers_listener("broker.pem", "broker.key", "ca.pem")
        self.start(1)
        self.start(2)
        self.listeners = self.peers_listener("rogue.pem", "rogue.key", "ca.pem")
        self.start(3)
        self.controller()
        parts = self.create("t", 3, rf=3)
        led_by_others = [p for p, r in parts.items() if r["leader"] != 3]
        deadline = time.monotonic() + 20
        while not re.search(r"link to \S+ failed: .*TLS", self.brokers[3].log()) and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertRegex(self.brokers[3].log(), r"link to \S+ failed: .*TLS")
        # it keeps trying, twice a second per leader, but logs a run of failures once (then once a minute)
        time.sleep(3)
        self.assertGreater(self.metrics(3)["cluster_replica_fetch_failures_total"], 8)
        failures = re.findall(r"WARN .*(?:link to \S+ failed|fetching from leader \d+)", self.brokers[3].log())
        self.assertLessEqual(len(failures), 2, failures)  # one per leader
        # 3 copies nothing from 1 and 2: it leaves the in-sync sets of what they lead
        self.wait_partitions("t", lambda r: r["leader"] == 3 or 3 not in r["isr"], 3, timeout=30)
        for p in led_by_others:
            self.assertNotIn(3, self.partitions("t")[p]["isr"])


@unittest.skipUnless(KafkaAdminClient, "needs python3-kafka")
class EtcdOverTls(CertsTestCase, ClusterTestCase):
    """The brokers reach etcd over https with a client certificate (etcd
    started with --client-cert-auth): the cluster id, registrations,
    leases, watches and records all travel encrypted and authenticated. A
    broker without a certificate etcd trusts, or that does not trust
    etcd's, does not start, and says why."""
    brokers_at_start = 2

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.etcd_certs = cls.certs
        cls.cluster_extra = cls.etcd_tls("ca.pem", "broker")

    @classmethod
    def etcd_tls(cls, ca, cert=None):
        c = cls.certs
        pair = 'cert = "%s/%s.pem"; key = "%s/%s.key";' % (c, cert, c, cert) if cert else ""
        return 'etcd_tls = { ca = "%s/%s"; %s };' % (c, ca, pair)

    def test_the_cluster_runs_on_etcd_over_mutual_tls(self):
        self.controller()
        parts = self.create("t", 1, rf=2)
        leader = parts[0]["leader"]
        self.produce_to(leader, "t", [b"v%d" % i for i in range(3)])
        self.brokers[leader].stop(signal.SIGKILL)  # its lease runs out: seen through an https watch
        other = 3 - leader
        self.wait_partitions("t", lambda r: r["leader"] == other, 1, timeout=30)
        self.assertEqual(self.read_all("t", 3), [b"v%d" % i for i in range(3)])

    def test_a_broker_etcd_does_not_trust_or_that_does_not_trust_etcd_does_not_start(self):
        for extra, why in [(self.etcd_tls("ca.pem"), "etcd_tls"),  # no client certificate
                           (self.etcd_tls("ca.pem", "rogue"), "etcd_tls"),  # one of another CA
                           (self.etcd_tls("rogue-ca.pem", "broker"), "SSL certificate problem")]:  # etcd's untrusted
            self.cluster_extra = extra
            broker_id = 7
            with self.assertRaises(RuntimeError) as caught:
                self.start(broker_id)
            self.assertIn("metadata store", str(caught.exception))
            self.assertIn(why, str(caught.exception))
            self.brokers.pop(broker_id).stop()
