"""The out-of-tree plugin example: install Brook into a scratch prefix,
build sdk/examples/auth-topic-guard against the installed SDK with
pkg-config, and run the installed brookd with it."""
import os
import shutil
import subprocess
import tempfile
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

    def test_build_against_installed_sdk_and_load(self):
        self.run_ok(["cmake", "--install", BUILD, "--prefix", self.prefix])
        pcdir = [os.path.join(root) for root, _, files in os.walk(self.prefix) if "brook-sdk.pc" in files][0]
        env = dict(os.environ, PKG_CONFIG_PATH=pcdir)
        env.pop("CFLAGS", None)
        out = os.path.join(self.dir, "out")
        os.mkdir(out)
        # built from a copy, far from Brook's tree: only the installed headers can be found
        example = os.path.join(self.dir, "example")
        shutil.copytree(os.path.join(SRC, "sdk/examples/auth-topic-guard"), example)
        self.run_ok(["make", "-C", example, "OUT=" + out, "install"], env=env)

        brookd = os.path.join(self.prefix, "bin", "brookd")
        conf = os.path.join(self.dir, "brook.conf")
        with open(conf, "w") as f:
            f.write('broker = { data_dir = "%s/data"; };\n'
                    'listeners = ( { name = "n"; codec = "native"; address = "127.0.0.1:0"; } );\n'
                    'storage = { plugin = "memory"; };\n'
                    'auth = ( { plugin = "topic-guard"; read_only_prefix = "audit."; } );\n' % self.dir)
        r = self.run_ok([brookd, "--check-config", "-c", conf])
        self.assertIn(b"topic-guard", r.stdout)
        self.assertIn(os.path.join(self.prefix, "lib").encode(), r.stdout)

        log = open(os.path.join(self.dir, "log"), "wb+")
        proc = subprocess.Popen([brookd, "-c", conf], stdout=log, stderr=log)
        try:
            import re
            import time
            deadline = time.monotonic() + 10
            port = None
            while time.monotonic() < deadline and port is None:
                log.seek(0)
                m = re.search(rb"listening on 127\.0\.0\.1:(\d+)", log.read())
                port = int(m.group(1)) if m else None
                time.sleep(0.05)
            self.assertIsNotNone(port, "installed brookd did not start")
            c = Native(port)
            self.assertEqual(c.call("create_topic", topic="audit.log")["error"], 0)
            self.assertEqual(c.call("create_topic", topic="open")["error"], 0)
            r = c.call("produce", topic="audit.log", records=[{"value": b"x"}])
            self.assertEqual(r["error"], 10, r)  # not authorized
            r = c.call("produce", topic="open", records=[{"value": b"x"}])
            self.assertEqual(r["error"], 0, r)
            c.close()
            log.seek(0)
            self.assertIn(b"auth-topic-guard: topics starting with \"audit.\" are read-only", log.read())
        finally:
            proc.terminate()
            self.assertEqual(proc.wait(10), 0)


if __name__ == "__main__":
    unittest.main()
