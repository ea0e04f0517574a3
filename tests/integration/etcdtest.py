"""A private etcd (Debian's etcd-server) for cluster tests: started on free
loopback ports in a scratch directory, read through its v3 JSON gateway,
killed at the end. Every wait is bounded. With `certs` (a directory from
config/make-certs.sh) it serves https with broker.pem and requires client
certificates of ca.pem (the tests' own calls present broker.pem too)."""
import base64
import json
import os
import shutil
import ssl
import subprocess
import time
import urllib.request

from brooktest import free_ports


class Etcd:
    START_TRIES = 3

    def __init__(self, workdir, certs=None):
        self.dir = os.path.join(workdir, "etcd")
        os.makedirs(self.dir, exist_ok=True)
        self.tls, self.ssl = [], None
        if certs:
            # etcd's gateway dials etcd itself with the server certificate as
            # its client certificate: it needs clientAuth too (broker.pem has both)
            self.tls = ["--cert-file", os.path.join(certs, "broker.pem"),
                        "--key-file", os.path.join(certs, "broker.key"),
                        "--trusted-ca-file", os.path.join(certs, "ca.pem"), "--client-cert-auth"]
            self.ssl = ssl.create_default_context(cafile=os.path.join(certs, "ca.pem"))
            self.ssl.load_cert_chain(os.path.join(certs, "broker.pem"), os.path.join(certs, "broker.key"))
        self.log = open(os.path.join(self.dir, "etcd.log"), "wb")
        # Its ports are free when chosen, but anything on the machine may take
        # one before etcd binds it (an outgoing connection's local port): a
        # start that lost that race tries new ports.
        for _ in range(self.START_TRIES):
            self.launch("https" if certs else "http")
            outcome = self.wait_healthy(deadline=time.monotonic() + 15)
            if outcome == "healthy":
                return
            if outcome == "exited" and b"address already in use" in self.log_tail():
                shutil.rmtree(os.path.join(self.dir, "data"), ignore_errors=True)
                continue
            break
        tail = self.log_tail().decode(errors="replace")
        self.stop()
        raise RuntimeError("etcd did not start (is etcd-server installed?); its log ends:\n" + tail)

    def launch(self, scheme):
        client, peer, metrics = free_ports(3)
        self.url = "%s://127.0.0.1:%d" % (scheme, client)
        peer_url = "http://127.0.0.1:%d" % peer
        self.proc = subprocess.Popen(
            [shutil.which("etcd") or "etcd", "--name", "n1", "--data-dir", os.path.join(self.dir, "data"),
             "--listen-client-urls", self.url, "--advertise-client-urls", self.url,
             "--listen-peer-urls", peer_url, "--initial-advertise-peer-urls", peer_url,
             "--initial-cluster", "n1=" + peer_url, "--initial-cluster-state", "new",
             "--listen-metrics-urls", "http://127.0.0.1:%d" % metrics] + self.tls,
            stdout=self.log, stderr=self.log)

    def wait_healthy(self, deadline):
        """"healthy", "exited" or "timeout"."""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=1, context=self.ssl) as r:
                    if json.load(r).get("health") == "true":
                        return "healthy"
            except OSError:
                pass
            if self.proc.poll() is not None:
                return "exited"
            time.sleep(0.1)
        return "timeout"

    def log_tail(self, size=2000):
        self.log.flush()
        with open(self.log.name, "rb") as f:
            return f.read()[-size:]

    def call(self, path, body):
        req = urllib.request.Request(self.url + path, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=5, context=self.ssl) as r:
            return json.load(r)

    def range(self, prefix):
        """Every key under `prefix`: {key: value} (both str)."""
        b = prefix.encode()
        end = b[:-1] + bytes([b[-1] + 1])
        r = self.call("/v3/kv/range", {"key": base64.b64encode(b).decode(),
                                       "range_end": base64.b64encode(end).decode()})
        return {base64.b64decode(kv["key"]).decode(): base64.b64decode(kv.get("value", "")).decode()
                for kv in r.get("kvs", [])}

    def lease(self, ttl_s):
        """A new lease of `ttl_s` seconds, never renewed: its id."""
        return int(self.call("/v3/lease/grant", {"TTL": ttl_s})["ID"])

    def put(self, key, value, lease=0):
        body = {"key": base64.b64encode(key.encode()).decode(), "value": base64.b64encode(value.encode()).decode()}
        if lease:
            body["lease"] = str(lease)
        self.call("/v3/kv/put", body)

    def wait_for(self, prefix, predicate, timeout=15.0):
        """Poll `prefix` until predicate(keys) holds; the last keys seen."""
        deadline = time.monotonic() + timeout
        keys = self.range(prefix)
        while not predicate(keys) and time.monotonic() < deadline:
            time.sleep(0.1)
            keys = self.range(prefix)
        return keys

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.log.close()
