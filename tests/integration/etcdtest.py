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

from brooktest import free_port


class Etcd:
    def __init__(self, workdir, certs=None):
        self.dir = os.path.join(workdir, "etcd")
        os.makedirs(self.dir, exist_ok=True)
        client, peer, metrics = free_port(), free_port(), free_port()
        self.url = "%s://127.0.0.1:%d" % ("https" if certs else "http", client)
        peer_url = "http://127.0.0.1:%d" % peer
        tls, self.ssl = [], None
        if certs:
            # etcd's gateway dials etcd itself with the server certificate as
            # its client certificate: it needs clientAuth too (broker.pem has both)
            tls = ["--cert-file", os.path.join(certs, "broker.pem"), "--key-file", os.path.join(certs, "broker.key"),
                   "--trusted-ca-file", os.path.join(certs, "ca.pem"), "--client-cert-auth"]
            self.ssl = ssl.create_default_context(cafile=os.path.join(certs, "ca.pem"))
            self.ssl.load_cert_chain(os.path.join(certs, "broker.pem"), os.path.join(certs, "broker.key"))
        self.log = open(os.path.join(self.dir, "etcd.log"), "wb")
        self.proc = subprocess.Popen(
            [shutil.which("etcd") or "etcd", "--name", "n1", "--data-dir", os.path.join(self.dir, "data"),
             "--listen-client-urls", self.url, "--advertise-client-urls", self.url,
             "--listen-peer-urls", peer_url, "--initial-advertise-peer-urls", peer_url,
             "--initial-cluster", "n1=" + peer_url, "--initial-cluster-state", "new",
             "--listen-metrics-urls", "http://127.0.0.1:%d" % metrics] + tls,
            stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=1, context=self.ssl) as r:
                    if json.load(r).get("health") == "true":
                        return
            except OSError:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("etcd did not start (is etcd-server installed?)")

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
