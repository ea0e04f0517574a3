"""The out-of-tree plugin examples: install Brook into a scratch prefix,
build sdk/examples/auth-topic-guard and sdk/examples/storage-onefile
against the installed SDK with pkg-config, and run the installed brookd
(and, for the storage backend, the installed conformance tool) with them."""
import contextlib
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from brooktest import Native

SRC = os.environ.get("BROOK_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "../.."))
BUILD = os.environ.get("BROOK_BUILD_DIR", os.path.join(SRC, "build"))


class SdkExample(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="brook-sdk-")
        self.prefix = os.path.join(self.dir, "prefix")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def run_ok(self, cmd, **kw):
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120, **kw)
        self.assertEqual(r.returncode, 0, "%s:\n%s" % (" ".join(cmd), r.stdout.decode()))
        return r

    def build_example(self, name, *targets):
        """Install Brook into the scratch prefix, then make `targets` of
        sdk/examples/<name> from a copy far from Brook's tree, where only
        the installed SDK can be found (pkg-config brook-sdk)."""
        self.run_ok(["cmake", "--install", BUILD, "--prefix", self.prefix])
        pcdir = [os.path.join(root) for root, _, files in os.walk(self.prefix) if "brook-sdk.pc" in files][0]
        env = dict(os.environ, PKG_CONFIG_PATH=pcdir)
        env.pop("CFLAGS", None)
        out = os.path.join(self.dir, "out")
        os.makedirs(out, exist_ok=True)
        example = os.path.join(self.dir, name)
        shutil.copytree(os.path.join(SRC, "sdk/examples", name), example)
        conformance = os.path.join(self.prefix, "bin", "brook-storage-conformance")
        self.brookd = os.path.join(self.prefix, "bin", "brookd")
        return self.run_ok(["make", "-C", example, "OUT=" + out, "CONFORMANCE=" + conformance] + list(targets),
                           env=env)

    def test_build_against_installed_sdk_and_load(self):
        self.build_example("auth-topic-guard", "install")
        with open(os.path.join(self.dir, "acl"), "w") as f:
            f.write("allow * * ALL topic literal *\nallow * * ALL cluster literal kafka-cluster\n")
        acl = '{ plugin = "acl"; file = "%s/acl"; }' % self.dir
        guard = '{ plugin = "topic-guard"; read_only_prefix = "audit."; }'

        # the guard in front of auth-acl: its rule first, the ACLs for the rest
        conf = self.config("%s, %s" % (guard, acl))
        r = self.run_ok([self.brookd, "--check-config", "-c", conf])
        self.assertIn(b"topic-guard", r.stdout)
        self.assertIn(os.path.join(self.prefix, "lib").encode(), r.stdout)
        with self.broker(conf) as (c, log):
            self.assertEqual(self.produce(c, "audit.log"), 10)  # not authorized, by the guard
            self.assertEqual(self.produce(c, "open"), 0)  # deferred, then allowed by the ACLs
            self.assertRegex(log(), rb'auth-topic-guard: topics starting with "audit\." are read-only')
            self.assertRegex(log(), rb'denied User:ANONYMOUS .*"audit\.log" .*\(auth-topic-guard\)')

        # order matters: auth-acl first decides everything, the guard is never asked
        with self.broker(self.config("%s, %s" % (acl, guard))) as (c, log):
            self.assertEqual(self.produce(c, "audit.log"), 0)

        # the guard alone defers everything else, and what all defer is denied
        with self.broker(self.config(guard)) as (c, log):
            self.assertEqual(self.produce(c, "open", create=False), 10)
            self.assertIn(b"(every authorizer deferred)", log())

    def test_out_of_tree_storage_passes_the_conformance_tool_and_serves(self):
        """sdk/examples/storage-onefile, built against the installed SDK, passes
        the installed brook-storage-conformance and runs the installed brookd:
        what was produced is read back after a restart."""
        r = self.build_example("storage-onefile", "check", "install")
        self.assertIn(b"# 0 of ", r.stdout)
        self.assertNotIn(b"not ok", r.stdout)
        conf = os.path.join(self.dir, "brook.conf")
        with open(conf, "w") as f:
            f.write('broker = { data_dir = "%s/data"; };\n'
                    'listeners = ( { name = "n"; codec = "native"; address = "127.0.0.1:0"; } );\n'
                    'storage = { plugin = "onefile"; };\n' % self.dir)
        with self.broker(conf, keep_data=True) as (c, log):
            self.assertEqual(c.call("create_topic", topic="kept")["error"], 0)
            for i in range(20):
                r = c.call("produce", topic="kept", acks=1, records=[{"value": b"v%d" % i}])
                self.assertEqual(r["error"], 0, r)
                self.assertEqual(r["base_offset"], i)
        self.assertTrue(os.path.exists(os.path.join(self.dir, "data", "kept-0.log")))
        with self.broker(conf, keep_data=True) as (c, log):
            r = c.call("fetch", topic="kept", offset=0, max_bytes=1 << 20)
            self.assertEqual(r["error"], 0, r)
            self.assertEqual([rec["value"] for rec in r["records"]], [b"v%d" % i for i in range(20)])

    def config(self, auth):
        conf = os.path.join(self.dir, "brook.conf")
        with open(conf, "w") as f:
            f.write('broker = { data_dir = "%s/data"; };\n'
                    'listeners = ( { name = "n"; codec = "native"; address = "127.0.0.1:0"; } );\n'
                    'storage = { plugin = "memory"; };\n'
                    'auth = ( %s );\n' % (self.dir, auth))
        return conf

    @staticmethod
    def produce(c, topic, create=True):
        if create:
            assert c.call("create_topic", topic=topic)["error"] == 0
        return c.call("produce", topic=topic, records=[{"value": b"x"}])["error"]

    @contextlib.contextmanager
    def broker(self, conf, keep_data=False):
        logpath = os.path.join(self.dir, "log")
        log = open(logpath, "wb+")
        proc = subprocess.Popen([self.brookd, "-c", conf], stdout=log, stderr=log)

        def text():
            log.flush()
            with open(logpath, "rb") as f:
                return f.read()
        try:
            deadline = time.monotonic() + 10
            port = None
            while time.monotonic() < deadline and port is None:
                m = re.search(rb"listening on 127\.0\.0\.1:(\d+)", text())
                port = int(m.group(1)) if m else None
                time.sleep(0.05)
            self.assertIsNotNone(port, "installed brookd did not start: %s" % text().decode())
            c = Native(port)
            try:
                yield c, text
            finally:
                c.close()
        finally:
            proc.terminate()
            self.assertEqual(proc.wait(10), 0)
            log.close()
            if not keep_data:
                shutil.rmtree(os.path.join(self.dir, "data"), ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
