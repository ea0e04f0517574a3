"""A cluster for tests: a private etcd and several real brookd processes
(replication-isr, segment storage) on loopback, each in its own directory,
with helpers to read Metadata through python3-kafka and to wait for the
cluster's records. Every wait is bounded."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

from brooktest import Broker, Native, free_port
from etcdtest import Etcd
from tcpproxy import TcpProxy

try:
    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.client_async import KafkaClient
    from kafka.protocol.metadata import MetadataRequest
except ImportError:  # pragma: no cover
    KafkaClient = None

TTL_MS = 2000
NS = "/brook/c"
NOT_LEADER = 14  # BROOK_ERR_NOT_LEADER on the native protocol
NOT_FOUND = 4  # BROOK_ERR_NOT_FOUND: the broker has not seen the topic's record yet


def metadata_from(port, topics=None, version=1):
    """A Metadata answer of the broker on `port` (python3-kafka's raw client)."""
    client = KafkaClient(bootstrap_servers="127.0.0.1:%d" % port, api_version=(2, 0, 0),
                         request_timeout_ms=5000)
    try:
        deadline = time.monotonic() + 10
        node = None
        while time.monotonic() < deadline:
            client.poll(timeout_ms=100)
            node = client.least_loaded_node()
            if node is not None and client.ready(node):
                break
        req = MetadataRequest[version](topics=topics if topics is not None else [])
        future = client.send(node, req)
        client.poll(future=future, timeout_ms=5000)
        return future.value
    finally:
        client.close()


def run_with_a_pause(case, cmd, during, env=None, timeout=150):
    """Run a client `cmd` that writes "ready" to stderr at the point where
    the test acts and then waits for a line on stdin: call during() there,
    let it go on, and return its stdout once it exited 0 (tests/integration/
    js/failover.js, tests/clients/sarama). Acting on the client's word,
    not after a delay, keeps a slow start from moving the fault."""
    p = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        seen = []
        while not seen or seen[-1] not in (b"ready\n", b""):
            seen.append(p.stderr.readline())
        case.assertEqual(seen[-1], b"ready\n", b"".join(seen))
        during()
        stdout, stderr = p.communicate(b"go\n", timeout=timeout)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    case.assertEqual(p.returncode, 0, stderr.decode())
    return stdout


@unittest.skipUnless(shutil.which("etcd") and KafkaClient, "needs etcd-server and python3-kafka")
class ClusterTestCase(unittest.TestCase):
    brokers_at_start = 3
    replication = 'replication = { plugin = "isr"; replica_lag_time_max_ms = 3000; };'
    storage = 'storage = { plugin = "segment"; flush = "interval"; flush_ms = 50; };'
    etcd_via_proxy = False  # each broker reaches etcd through its own TcpProxy (self.etcd_links[id])
    # other brokers reach each broker's inter-broker listener through a TcpProxy (self.replica_links[id]):
    # cutting or delaying it cuts or delays the followers of that broker's partitions
    replication_via_proxy = False
    leader_rebalance_interval_ms = 1000  # 0: the controller never gives leadership back by itself
    listeners = ""  # more listeners for every broker (a SASL one, say)
    cluster_extra = ""  # more settings in every broker's cluster block
    etcd_certs = None  # a make-certs.sh directory: etcd serves https and requires client certificates

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="brook-cluster-")
        self.etcd = Etcd(self.dir, certs=self.etcd_certs)
        self.brokers = {}
        self.etcd_links = {}
        self.replica_links = {}
        for i in range(1, self.brokers_at_start + 1):
            self.start(i)

    def tearDown(self):
        try:
            # a clean stop of every live broker: what shutting down leaks or
            # breaks shows here (ASan reports leaks at exit)
            for i, b in self.brokers.items():
                if b.proc is not None:
                    try:
                        os.kill(b.proc.pid, signal.SIGCONT)
                    except OSError:
                        pass
                    if b.alive():
                        self.assertEqual(b.stop(signal.SIGTERM, timeout=20), 0, "broker %d:\n%s" % (i, b.log()))
                    else:
                        b.stop(signal.SIGKILL)
            for i, b in self.brokers.items():
                self.assertNotIn("ERROR: AddressSanitizer", b.log(), i)
                self.assertNotIn("runtime error:", b.log(), i)
        finally:
            for link in list(self.etcd_links.values()) + list(self.replica_links.values()):
                link.stop()
            self.etcd.stop()
            if os.environ.get("BROOK_KEEP_CLUSTER_DIR"):  # the brokers' logs and data, to read after a failure
                print("cluster directory kept: %s" % self.dir, file=sys.stderr)
            else:
                shutil.rmtree(self.dir, ignore_errors=True)

    def start(self, broker_id, etcd_url=None):
        workdir = os.path.join(self.dir, "b%d" % broker_id)
        os.makedirs(workdir, exist_ok=True)
        b = self.brokers.get(broker_id)
        if b is None and self.etcd_via_proxy and etcd_url is None:
            host, port = self.etcd.url[len("http://"):].split(":")
            self.etcd_links[broker_id] = TcpProxy(host, int(port))
            etcd_url = self.etcd_links[broker_id].url
        if b is not None:
            return b.start()  # with the ports of its first start, as a restarted broker in a real cluster
        # A broker keeps its ports across restarts (librdkafka 2.0 keeps a
        # group coordinator's old address when the same broker id comes back
        # elsewhere: a consumer would wait for it for ever). The ports must
        # be named before brookd starts, and another test may take a free
        # port in that window: a start that lost the race tries others.
        for attempt in range(5):
            port, native_extra = 0, ""
            if self.replication_via_proxy:  # the proxy forwards to the native port
                port = free_port()
                self.replica_links[broker_id] = TcpProxy("127.0.0.1", port)
                native_extra = 'advertised_address = "127.0.0.1:%d";' % self.replica_links[broker_id].port
            try:
                return self.new_broker(broker_id, workdir, etcd_url, port, native_extra).start()
            except RuntimeError as e:
                if "Address already in use" not in str(e) or attempt == 4:
                    raise  # (the broker stays in self.brokers, for the test to read its log)
                if broker_id in self.replica_links:
                    self.replica_links.pop(broker_id).stop()
                self.brokers.pop(broker_id, None)

    def new_broker(self, broker_id, workdir, etcd_url, port, native_extra):
        """A Broker for broker_id, not started, kept in self.brokers."""
        b = Broker(workdir, broker_id=broker_id, broker_extra='rack = "%s";' % self.rack(broker_id),
                   port=port, kafka_port=free_port(), native_extra=native_extra, listeners=self.listeners,
                   storage=self.storage,
                   extra='cluster = { endpoints = "%s"; name = "c"; lease_ttl_ms = %d; leader_rebalance_interval_ms = %d; %s };\n%s\n'
                         'topics = { default_replication_factor = 3; };\n'
                         'metrics = { address = "127.0.0.1:0"; };\n%s'
                         % (etcd_url or self.etcd.url, TTL_MS, self.leader_rebalance_interval_ms, self.cluster_extra,
                            self.replication,
                            self.broker_config(broker_id)))
        self.brokers[broker_id] = b
        return b

    def rack(self, broker_id):
        """The broker's rack (each its own, by default)."""
        return "r%d" % broker_id

    def broker_config(self, broker_id):
        """More configuration for one broker (its own auth files, say)."""
        return ""

    def kafka_bootstrap(self, ids=None):
        return ",".join("127.0.0.1:%d" % self.brokers[i].kafka_port
                        for i in (ids or self.brokers) if self.brokers[i].alive())

    def create(self, name, partitions=1, rf=3, configs=None):
        """Create a topic through Kafka's admin client (it goes to the
        controller), with the topic configs `configs`; return its partition
        records once every partition has a leader and its whole replica set
        in sync."""
        admin = KafkaAdminClient(bootstrap_servers=self.kafka_bootstrap(), request_timeout_ms=20000)
        try:
            admin.create_topics([NewTopic(name, partitions, rf, topic_configs=configs or {})])
        finally:
            admin.close()
        return self.wait_partitions(name, lambda r: r["leader"] >= 0 and len(r["isr"]) == rf, partitions)

    def partitions(self, topic):
        """{partition: record} from etcd."""
        keys = self.etcd.range("%s/partitions/%s/" % (NS, topic))
        return {int(k.rsplit("/", 1)[1]): json.loads(v) for k, v in keys.items()}

    def wait_partitions(self, topic, predicate, count, timeout=20.0):
        """Wait until `count` partition records exist and each satisfies predicate(record)."""
        deadline = time.monotonic() + timeout
        parts = self.partitions(topic)
        while time.monotonic() < deadline:
            if len(parts) == count and all(predicate(r) for r in parts.values()):
                return parts
            time.sleep(0.1)
            parts = self.partitions(topic)
        self.fail("partitions of %s never satisfied the condition: %s" % (topic, parts))

    def produce_to(self, broker_id, topic, vals, acks=-1, expect=0):
        """Produce one record at a time to partition 0 on `broker_id` (native
        protocol). A broker learns of a topic and that it leads from its
        watch, a moment after the record a test read from etcd: NOT_FOUND
        and NOT_LEADER are retried for a bounded while, as a client
        refreshing its metadata would."""
        n = Native(self.brokers[broker_id].port)
        try:
            for v in vals:
                deadline = time.monotonic() + 10
                while True:
                    r = n.call("produce", topic=topic, partition=0, acks=acks, timeout_ms=10000,
                               records=[{"value": v}])
                    if r["error"] not in (NOT_LEADER, NOT_FOUND) or r["error"] == expect or \
                            time.monotonic() > deadline:
                        break
                    time.sleep(0.05)
                self.assertEqual(r["error"], expect, (v, r))
        finally:
            n.close()

    def stop_followers(self, topic, leader):
        """SIGTERM the other replicas of partition 0 (their leases go at once);
        return them once the ISR is the leader alone."""
        others = [i for i in self.partitions(topic)[0]["replicas"] if i != leader]
        for i in others:
            self.brokers[i].stop(signal.SIGTERM)
        self.wait_partitions(topic, lambda r: r["isr"] == [leader], 1, timeout=30)
        return others

    def lose_every_in_sync_replica(self, topic):
        """The ISR shrinks to the leader, which takes records no follower has,
        then dies; one out-of-sync follower comes back. Returns (the old
        leader, the follower back, the partition record before the kill)."""
        first = self.partitions(topic)[0]
        leader = first["leader"]
        self.produce_to(leader, topic, [b"a%02d" % i for i in range(10)])
        followers = self.stop_followers(topic, leader)
        self.produce_to(leader, topic, [b"only-on-the-leader%d" % i for i in range(5)], acks=1)
        before = self.partitions(topic)[0]
        self.brokers[leader].stop(signal.SIGKILL)
        self.start(followers[0])
        return leader, followers[0], before

    def wait_log(self, broker_id, needle, timeout=15.0):
        deadline = time.monotonic() + timeout
        while needle not in self.brokers[broker_id].log() and time.monotonic() < deadline:
            time.sleep(0.05)
        return needle in self.brokers[broker_id].log()

    def metrics(self, broker_id):
        """The broker's unlabelled gauges and counters, without their brook_
        prefix: {name: value}."""
        port = re.search(r"metrics endpoint listening on 127\.0\.0\.1:(\d+)", self.brokers[broker_id].log()).group(1)
        with urllib.request.urlopen("http://127.0.0.1:%s/metrics" % port, timeout=5) as r:
            text = r.read().decode()
        return {m.group(1): int(m.group(2)) for m in re.finditer(r"^brook_(\w+) (-?\d+)$", text, re.M)}

    def read_all(self, topic, expect, broker_id=None, timeout=20.0):
        """Every record value of partition 0 up to the high watermark, read from
        `broker_id` (default: whichever broker leads it at the time); asked
        again until `expect` values came back (a new leader's high watermark
        moves once its followers fetch from it) or `timeout` passed."""
        deadline = time.monotonic() + timeout
        while True:
            leader = broker_id if broker_id is not None else self.partitions(topic)[0]["leader"]
            got = []
            if leader in self.brokers and self.brokers[leader].alive():
                n = Native(self.brokers[leader].port)
                offset = 0
                while True:
                    r = n.call("fetch", topic=topic, partition=0, offset=offset, max_wait_ms=0)
                    if r["error"] or not r["records"]:
                        break
                    got += [rec["value"] for rec in r["records"]]
                    offset = r["next_offset"]
                n.close()
            if len(got) >= expect or time.monotonic() > deadline:
                return got
            time.sleep(0.2)

    def controller(self):
        keys = self.etcd.wait_for(NS + "/controller", lambda k: bool(k))
        return int(keys[NS + "/controller"])
