"""Shared harness for Brook's integration tests: real brookd processes on
127.0.0.1 ephemeral ports, the real brookctl, and a raw native-protocol
client for hand-made frames. Every wait is bounded."""
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
import unittest

import msgpack

BIN = os.path.abspath(os.environ.get("BROOK_BIN_DIR", os.path.join(os.path.dirname(__file__), "../../build/bin")))
BROOKD = os.path.join(BIN, "brookd")
BROOKCTL = os.path.join(BIN, "brookctl")
TEST_PLUGIN_DIR = os.environ.get("BROOK_TEST_PLUGIN_DIR", "")

BASE_CONFIG = """
broker = {{ id = {broker_id}; data_dir = "{data}"; log_level = "{log_level}"; {broker_extra} }};
listeners = ( {{ name = "native"; codec = "native"; address = "127.0.0.1:{port}"; {native_extra} }},
              {{ name = "kafka"; codec = "kafka"; address = "127.0.0.1:{kafka_port}"; }} {listeners} );
{storage}
{extra}
"""


class Broker:
    """A brookd process with its own data directory and log file."""

    def __init__(self, workdir, extra="", broker_extra="", port=0, log_level="info", args=(),
                 storage='storage = { plugin = "memory"; };', preexec_fn=None, listeners="", broker_id=0,
                 native_extra="", kafka_port=0):
        self.workdir = workdir
        self.data = os.path.join(workdir, "data")
        self.conf = os.path.join(workdir, "brook.conf")
        with open(self.conf, "w") as f:
            f.write(BASE_CONFIG.format(data=self.data, port=port, extra=extra, broker_extra=broker_extra,
                                       broker_id=broker_id, native_extra=native_extra, kafka_port=kafka_port,
                                       log_level=log_level, storage=storage,
                                       listeners=", " + listeners if listeners else ""))
        self.preexec_fn = preexec_fn
        self.args = list(args)
        self.proc = None
        self.port = None
        self.log_path = os.path.join(workdir, "brookd.log")

    def start(self, timeout=30.0):
        self.logf = open(self.log_path, "ab")
        self.log_offset = self.logf.tell()
        self.proc = subprocess.Popen([BROOKD, "-c", self.conf] + self.args, stdout=self.logf, stderr=self.logf,
                                     preexec_fn=self.preexec_fn)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log()
            # (a restart appends to the same log: only this run's lines count)
            ports = dict(re.findall(r"listener (\w+) \(codec \w+\) listening on 127\.0\.0\.1:(\d+)", text))
            if "ready" in text and "native" in ports:
                self.ports = {name: int(p) for name, p in ports.items()}
                self.port = int(ports["native"])
                self.kafka_port = int(ports["kafka"]) if "kafka" in ports else None
                return self
            if self.proc.poll() is not None:
                raise RuntimeError("brookd exited with %s:\n%s" % (self.proc.returncode, text))
            time.sleep(0.02)
        raise RuntimeError("brookd did not become ready:\n" + self.log())

    def log(self):
        with open(self.log_path, "rb") as f:
            f.seek(self.log_offset)
            return f.read().decode("utf-8", "replace")

    @property
    def address(self):
        return "127.0.0.1:%d" % self.port

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait(5)
            raise AssertionError("brookd did not stop within %ss" % timeout)
        finally:
            self.logf.close()
            self.proc = None
        return rc

    def alive(self):
        return self.proc is not None and self.proc.poll() is None


def free_port():
    """A loopback port free now (for processes that must be told a port
    rather than pick one: etcd, a config that names it)."""
    return free_ports(1)[0]


def free_ports(n):
    """`n` distinct loopback ports free now: each probe stays bound until
    all are chosen (closed one by one, the kernel may hand the same port
    out twice)."""
    probes = []
    try:
        for _ in range(n):
            s = socket.socket()
            probes.append(s)
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in probes]
    finally:
        for s in probes:
            s.close()


def taken_port():
    """A loopback port something else listens on: (the listening socket, to
    close when done, and its port)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    return s, s.getsockname()[1]


def brookctl(address, *args, input=None, timeout=60):
    return subprocess.run([BROOKCTL, "-b", address] + list(args), input=input, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=timeout)


class Native:
    """A raw native-protocol connection for hand-made requests."""

    def __init__(self, port, timeout=10.0, sock=None):
        """To 127.0.0.1:port, or over `sock` (a TLS socket, say)."""
        self.sock = sock or socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.next_id = 0

    def close(self):
        self.sock.close()

    def __del__(self):
        self.sock.close()

    def send_raw(self, data):
        self.sock.sendall(data)

    def send(self, op, **fields):
        self.next_id += 1
        body = msgpack.packb(dict(id=self.next_id, op=op, **fields), use_bin_type=True)
        self.sock.sendall(struct.pack(">I", len(body)) + body)
        return self.next_id

    def _read(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("connection closed by broker")
            buf += chunk
        return buf

    def recv(self):
        (n,) = struct.unpack(">I", self._read(4))
        return msgpack.unpackb(self._read(n), raw=False)

    def call(self, op, **fields):
        rid = self.send(op, **fields)
        resp = self.recv()
        assert resp["id"] == rid, resp
        return resp

    def closed_by_peer(self, timeout=5.0):
        """True when the broker closes the connection within `timeout`."""
        self.sock.settimeout(timeout)
        try:
            while True:
                if not self.sock.recv(65536):
                    return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False


class BrokerTestCase(unittest.TestCase):
    """Starts one broker per test in a fresh directory."""

    extra = ""
    broker_extra = ""
    storage = None  # the storage block; None: storage-memory
    log_level = None  # None: Broker's own

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="brook-it-")
        more = {"storage": self.storage} if self.storage else {}
        if self.log_level:
            more["log_level"] = self.log_level
        self.broker = Broker(self.dir, extra=self.extra, broker_extra=self.broker_extra, **more).start()

    def tearDown(self):
        try:
            if self.broker.alive():
                rc = self.broker.stop()
                self.assertEqual(rc, 0, "brookd exit status on SIGTERM\n" + self.broker.log())
            elif self.broker.proc is not None:  # it died on its own: say how, with its log
                self.fail("brookd exited during the test with status %s\n%s" % (self.broker.proc.returncode,
                                                                                  self.broker.log()))
            self.assertNotIn("ERROR: AddressSanitizer", self.broker.log())
            self.assertNotIn("runtime error:", self.broker.log())
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def ctl(self, *args, input=None, check=True):
        r = brookctl(self.broker.address, *args, input=input)
        if check and r.returncode != 0:
            self.fail("brookctl %s failed (%d): %s" % (" ".join(args), r.returncode, r.stderr.decode()))
        return r


def read_values(bootstrap, topic, partitions, isolation, want, timeout=15.0, settle=1.0):
    """The values a fresh librdkafka consumer reads from offset 0 of
    `partitions` with `isolation` ("read_committed" or "read_uncommitted"),
    in the order read: once it has `want` of them it reads `settle` seconds more (to
    see that no more come), else it stops after `timeout`."""
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "reader-%f" % time.time(),
                  "isolation.level": isolation, "enable.auto.commit": False, "fetch.wait.max.ms": 100})
    try:
        c.assign([TopicPartition(topic, p, 0) for p in partitions])
        got, deadline, until = [], time.time() + timeout, None
        while time.time() < (until or deadline):
            m = c.poll(0.1)
            if m is not None and not m.error():
                got.append(m.value())
            if until is None and len(got) >= want:
                until = time.time() + settle
        return got
    finally:
        c.close()
