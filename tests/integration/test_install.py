"""What `cmake --install` lays down, into a scratch prefix: the programs,
every plugin, the SDK (headers, pkg-config), the default configuration
with an absolute data directory, and a systemd unit whose paths are the
installed ones (systemd-analyze verify accepts it). The installed brookd
checks the installed configuration. A relative broker.data_dir lies beside
the configuration file, whatever the working directory; with the built-in
configuration a brookd started in / (as systemd does) refuses it."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from brooktest import BROOKD as BUILT_BROOKD, Broker

BUILD = os.path.abspath(os.environ.get("BROOK_BUILD_DIR", os.path.join(os.path.dirname(__file__), "../../build")))
BROOKD = os.path.abspath(BUILT_BROOKD)  # the tests below run it from /
PLUGINS = ["storage-segment", "storage-memory", "replication-none", "replication-isr", "auth-anonymous", "auth-plain",
           "auth-scram", "auth-acl", "codec-kafka", "codec-native"]


class Install(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="brook-install-")
        cls.prefix = os.path.join(cls.dir, "prefix")
        r = subprocess.run(["cmake", "--install", BUILD, "--prefix", cls.prefix], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=120)
        assert r.returncode == 0, r.stdout.decode()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def path(self, *parts):
        return os.path.join(self.prefix, *parts)

    def test_programs_plugins_and_sdk(self):
        for program in ("brookd", "brookctl", "brook-storage-conformance"):
            self.assertTrue(os.access(self.path("bin", program), os.X_OK), program)
        plugin_dirs = [root for root, _, files in os.walk(self.prefix) if any(f.startswith("brook_") or
                                                                              f.endswith(".so") for f in files)]
        installed = set()
        for d in plugin_dirs:
            installed |= {f for f in os.listdir(d) if f.endswith(".so")}
        for plugin in PLUGINS:
            self.assertTrue(any(plugin.replace("-", "_") in f or plugin in f for f in installed), (plugin, installed))
        self.assertTrue(os.path.exists(self.path("include", "brook", "plugin.h")))
        pcs = [os.path.join(root, f) for root, _, files in os.walk(self.prefix) for f in files if f == "brook-sdk.pc"]
        self.assertEqual(len(pcs), 1)
        r = subprocess.run([self.path("bin", "brookd"), "--list-plugins"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=30)
        self.assertEqual(r.returncode, 0, r.stdout.decode())
        self.assertIn(self.prefix.encode(), r.stdout)  # the installed plugins, not the build tree's

    def test_configuration_and_systemd_unit_agree(self):
        conf = self.path("etc", "brook", "brook.conf")
        with open(conf) as f:
            text = f.read()
        self.assertIn('data_dir = "/var/lib/brook";', text)
        with open(self.path("lib", "systemd", "system", "brook.service")) as f:
            unit = f.read()
        brookd = self.path("bin", "brookd")
        self.assertIn("ExecStart=%s -c %s\n" % (brookd, conf), unit)
        self.assertIn("ExecStartPre=%s --check-config -c %s\n" % (brookd, conf), unit)
        self.assertIn("StateDirectory=brook\n", unit)  # systemd makes /var/lib/brook for the service
        if shutil.which("systemd-analyze"):
            r = subprocess.run(["systemd-analyze", "verify", self.path("lib", "systemd", "system", "brook.service")],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
            self.assertNotIn(b"brook.service:", r.stdout, r.stdout.decode())  # no complaint about the unit

        # the installed brookd takes the installed configuration (data elsewhere: no root here)
        data = os.path.join(self.dir, "data")
        r = subprocess.run([brookd, "--check-config", "-c", conf, "--set", "broker.data_dir=" + data],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
        self.assertEqual(r.returncode, 0, r.stdout.decode())
        self.assertIn(b"is valid", r.stdout)

    def test_an_edited_configuration_is_kept(self):
        conf = self.path("etc", "brook", "brook.conf")
        with open(conf, "a") as f:
            f.write("# edited by the operator\n")
        r = subprocess.run(["cmake", "--install", BUILD, "--prefix", self.prefix], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=120)
        self.assertEqual(r.returncode, 0)
        with open(conf) as f:
            self.assertTrue(f.read().endswith("# edited by the operator\n"))


class RelativeDataDir(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="brook-reldir-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def test_beside_the_configuration_file_whatever_the_working_directory(self):
        b = Broker(self.dir)
        with open(b.conf) as f:
            text = f.read()
        text = re.sub(r'data_dir = "[^"]*";', 'data_dir = "relative/data";', text)
        with open(b.conf, "w") as f:
            f.write(text)
        r = subprocess.run([BROOKD, "--check-config", "-c", b.conf], cwd="/", stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=30)
        self.assertEqual(r.returncode, 0, r.stdout.decode())
        self.assertIn(("data_dir %s/relative/data" % os.path.realpath(self.dir)).encode(), r.stdout)
        # and it runs there, started from /
        b.preexec_fn = lambda: os.chdir("/")
        b.start()
        self.addCleanup(b.stop)
        self.assertTrue(os.path.exists(os.path.join(self.dir, "relative", "data", "meta.properties")))

    def test_built_in_configuration_refuses_a_relative_directory_in_root(self):
        r = subprocess.run([BROOKD, "--check-config"], cwd="/", stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=30)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(b"broker.data_dir", r.stdout)
        self.assertIn(b"is relative and brookd runs in /", r.stdout)
        self.assertFalse(os.path.exists("/data"))


if __name__ == "__main__":
    unittest.main()
