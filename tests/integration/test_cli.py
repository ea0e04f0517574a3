"""The command lines: brookd's --check-config, --set and refusals (bad
configuration, bad plugins: non-zero exit before any listener opens), and
brookctl's errors and help."""
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import unittest

from brooktest import BROOKCTL, BROOKD, TEST_PLUGIN_DIR, BrokerTestCase, brookctl, free_port, taken_port

SOURCE = os.environ.get("BROOK_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "../.."))


def sdk_abi():
    """(major, minor) as sdk/include/brook/plugin.h defines them."""
    with open(os.path.join(SOURCE, "sdk/include/brook/plugin.h")) as f:
        text = f.read()
    return tuple(int(re.search(r"#define BROOK_ABI_%s\s+(\d+)" % w, text).group(1)) for w in ("MAJOR", "MINOR"))


ABI = sdk_abi()


def brookd(*args, timeout=20):
    return subprocess.run([BROOKD] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)


class BrookdCommandLine(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="brook-cli-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, text, name="brook.conf"):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def config(self, extra="", storage='storage = { plugin = "memory"; };', port=0, plugin_dir=None):
        pd = 'plugin_dir = "%s";' % plugin_dir if plugin_dir else ""
        return self.write('broker = { data_dir = "%s/data"; %s };\n'
                          'listeners = ( { name = "n"; codec = "native"; address = "127.0.0.1:%d"; } );\n'
                          '%s\n%s\n' % (self.dir, pd, port, storage, extra))

    def test_check_config_prints_the_plugin_set(self):
        root = os.path.join(os.path.dirname(__file__), "../..")
        r = brookd("--check-config", "-c", os.path.join(root, "config/brook.conf"))
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode()
        for needle in ["is valid", "storage      segment", "replication  none", "auth+authz   anonymous",
                       "codec        native", "ABI %d.%d" % ABI, "brook_storage_segment.so", "127.0.0.1:9093"]:
            self.assertIn(needle, out)
        r = brookd("--check-config", "-c", os.path.join(root, "config/memory.conf"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("storage      memory", r.stdout.decode())
        r = brookd("--check-config", "-c", os.path.join(root, "config/secure.conf"))
        self.assertEqual(r.returncode, 0, r.stderr)
        # the embedded default is the same file
        r = brookd("--check-config")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("<embedded config/brook.conf> is valid", r.stdout.decode())

    def test_list_plugins_describes_every_plugin_and_its_options(self):
        r = brookd("--list-plugins")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        out = r.stdout.decode()
        self.assertIn("this brookd speaks plugin ABI %d.%d" % ABI, out)
        for kind, name in [("storage", "segment"), ("storage", "memory"), ("codec", "kafka"), ("codec", "native"),
                           ("auth", "acl"), ("auth", "plain"), ("auth", "scram"), ("auth", "anonymous"),
                           ("replication", "none")]:
            self.assertRegex(out, r"(?m)^%s +%s +\S+ +ABI %d\.%d +\S+brook_%s_%s\.so$" % (kind, name, ABI[0], ABI[1],
                                                                                         kind, name))
        self.assertRegex(out, r"flush +string default \"always\", one of always\|interval\|os")
        self.assertRegex(out, r"segment_bytes +int +default 1073741824, 1024\.\.4294967295")
        self.assertRegex(out, r"credentials +string required")
        self.assertIn("Kafka-style log segments on local disk", out)

    @unittest.skipUnless(TEST_PLUGIN_DIR, "needs the broken test plugins")
    def test_list_plugins_names_why_a_plugin_is_refused(self):
        r = brookd("--list-plugins", "--set", "broker.plugin_dir=%s" % TEST_PLUGIN_DIR)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        out = r.stdout.decode()
        self.assertRegex(out, r"storage +major +refused: .*built for plugin ABI %d\.%d, this brookd speaks ABI %d\.%d"
                         % (ABI[0] + 98, ABI[1], ABI[0], ABI[1]))
        self.assertRegex(out, r"storage +text +refused: .*cannot load")
        self.assertRegex(out, r"(?m)^storage +memory .*ABI")  # the real ones beside them still list
        r = brookd("--list-plugins", "--set", "broker.plugin_dir=%s/none" % self.dir)
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot read the plugin directory", r.stderr.decode())

    def test_set_overrides(self):
        r = brookd("--check-config", "-c", self.config(), "--set", "broker.id=42", "--set",
                   "listeners.[0].address=127.0.0.1:7777")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("broker.id 42", r.stdout.decode())
        self.assertIn("127.0.0.1:7777", r.stdout.decode())
        r = brookd("--check-config", "-c", self.config(), "--set", "broker.id=x")
        self.assertEqual(r.returncode, 1)
        self.assertIn("--set broker.id: expected an integer", r.stderr.decode())

    def test_check_config_catches_an_unusable_data_dir(self):
        """What start-up would refuse about broker.data_dir, --check-config
        says first (without making, locking or writing anything)."""
        path = self.config()
        data = os.path.join(self.dir, "data")
        r = brookd("--check-config", "-c", path)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertFalse(os.path.exists(data))  # checked, not made
        with open(data, "w") as f:
            f.write("a file")
        r = brookd("--check-config", "-c", path)
        self.assertEqual(r.returncode, 1)
        self.assertIn("broker.data_dir %s: not a directory" % data, r.stderr.decode())
        r = brookd("--check-config", "-c", path, "--set", "broker.data_dir=%s/below/data" % data)
        self.assertEqual(r.returncode, 1)
        self.assertIn("broker.data_dir %s/below/data cannot be made: %s is not a directory" % (data, data),
                      r.stderr.decode())
        os.remove(data)
        os.mkdir(data)
        with open(os.path.join(data, "meta.properties"), "w") as f:
            f.write("version=1\nbroker.id=3\ncluster.id=abcdefghijklmnop\n")
        r = brookd("--check-config", "-c", path)
        self.assertEqual(r.returncode, 1)
        self.assertIn("belongs to broker.id 3", r.stderr.decode())
        r = brookd("--check-config", "-c", path, "--set", "broker.id=3")
        self.assertEqual(r.returncode, 0, r.stderr.decode())

    def test_check_config_catches_what_plugins_would_refuse(self):
        """--check-config refuses what start-up would (before: flush =
        "sometimes" and segment_bytes = 10 passed the check, then brookd
        failed to start): the option tables' bounds and allowed values, a
        plugin's own validate (combinations, files), and integers libconfig
        would silently wrap to 32 bits."""
        cases = [
            ('storage = { plugin = "segment"; flush = "sometimes"; };',
             'storage.flush: must be one of "always", "interval" or "os", not "sometimes"'),
            ('storage = { plugin = "segment"; segment_bytes = 10; };',
             "storage.segment_bytes: must be between 1024 and 4294967295"),
            ('storage = { plugin = "segment"; flush = "os"; ack_after_sync = true; };',
             'ack_after_sync applies to flush = "interval" only'),
            ('storage = { plugin = "segment"; dir = "%s/missing"; };' % self.dir, "missing: No such file"),
            ('storage = { plugin = "segment"; retention_bytes = 10000000000; };',
             "10000000000 does not fit in 32 bits and would be read wrong: write it with an L suffix"),
            ('storage = { plugin = "memory"; max_bytes = 0; };', "storage.max_bytes: must be >= 1"),
        ]
        for storage, message in cases:
            for args in (["--check-config"], []):
                r = brookd(*args, "-c", self.config(storage=storage))
                err = r.stderr.decode()
                self.assertEqual(r.returncode, 1, (args, storage, err))
                self.assertIn(message, err, (args, storage))
                self.assertNotIn("listening on", err)
        for auth, message in [('{ plugin = "acl"; }', 'plugin "acl" needs option "file"'),
                              ('{ plugin = "acl"; file = "%s/brook.conf"; }' % self.dir, "brook.conf:1: "),
                              ('{ plugin = "plain"; credentials = "%s/none"; }' % self.dir, "cannot read")]:
            r = brookd("--check-config", "-c", self.config(extra="auth = ( %s );" % auth))
            self.assertEqual(r.returncode, 1, auth)
            self.assertIn(message, r.stderr.decode(), auth)
        r = brookd("--check-config", "-c",
                   self.config(storage='storage = { plugin = "segment"; retention_bytes = 10000000000L; };'))
        self.assertEqual(r.returncode, 0, r.stderr.decode())

    def test_the_hardening_limits_refuse_values_out_of_range(self):
        path = self.config()
        for setting, message in [
                ("limits.max_connections_per_address=0", "0 is out of range [1, "),
                ("limits.receive_buffer_total_bytes=1024", "1024 is out of range [104857600, "),  # >= max frame
                ("limits.request_memory_bytes=10", "10 is out of range [1048576, "),
                ("limits.batch_decompressed_max_bytes=100", "100 is out of range [65536, "),
                ("limits.fetch_max_bytes=0", "0 is out of range [1024, "),
                ("limits.failed_authentication_delay_ms=-1", "-1 is out of range [0, "),
                ("producers.snapshot_interval_bytes=10", "10 is out of range [4096, "),
                ("producers.max_per_partition=0", "0 is out of range [1, ")]:
            r = brookd("--check-config", "-c", path, "--set", setting)
            self.assertEqual(r.returncode, 1, setting)
            self.assertIn("%s: %s" % (setting.split("=")[0], message), r.stderr.decode())

    def test_bad_configs_name_file_line_and_key(self):
        path = self.config(extra="topics = {\n  auto_create = \"yes\";\n};")
        r = brookd("--check-config", "-c", path)
        self.assertEqual(r.returncode, 1)
        self.assertIn("%s:5: topics.auto_create: must be a boolean" % path, r.stderr.decode())
        path = self.config(extra="storagee = 1;")
        r = brookd("-c", path)
        self.assertEqual(r.returncode, 1)
        self.assertIn("storagee: unknown key", r.stderr.decode())
        path = self.config(storage='storage = { plugin = "memory"; max_bites = 5; };')
        r = brookd("--check-config", "-c", path)
        self.assertEqual(r.returncode, 1)
        self.assertIn(":3: storage.max_bites: unknown key (plugin \"memory\" has no option", r.stderr.decode())
        path = self.write("broker = { id = 1 ")
        r = brookd("-c", path)
        self.assertEqual(r.returncode, 1)
        self.assertIn(path + ":1:", r.stderr.decode())
        r = brookd("-c", os.path.join(self.dir, "absent.conf"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot open", r.stderr.decode())
        r = brookd("--bogus")
        self.assertEqual(r.returncode, 2)

    def test_bad_security_and_group_settings_are_refused(self):
        tls = 'cert = "c.pem"; key = "k.pem";'
        cases = [
            ('tls = { %s client_auth = "sometimes"; ca = "ca.pem"; };' % tls, "must be none, requested or required"),
            ('tls = { %s client_auth = "required"; };' % tls, "client certificates need a ca"),
            ('tls = { %s principal_from_cert = true; };' % tls, "principal_from_cert: needs client_auth"),
            ('tls = { %s min_version = "1.1"; };' % tls, 'must be "1.2" or "1.3"'),
            ('tls = { %s handshake_timeout_ms = 5; };' % tls, "must be between 100 and 600000"),
            ('tls = { key = "k.pem"; };', 'missing required key "cert"'),
            ('sasl = true; auth_timeout_ms = 0;', "must be between 100 and 600000"),
        ]
        for listener_extra, message in cases:
            path = self.write('broker = { data_dir = "%s/data"; };\n'
                              'listeners = ( { name = "n"; codec = "native"; address = "127.0.0.1:0"; %s } );\n'
                              'storage = { plugin = "memory"; };\n' % (self.dir, listener_extra))
            r = brookd("--check-config", "-c", path)
            self.assertEqual(r.returncode, 1, listener_extra)
            self.assertIn(message, r.stderr.decode(), listener_extra)
        for extra, message in [("groups = { min_session_timeout_ms = 0; };", "groups.min_session_timeout_ms"),
                               ("groups = { max_session_timeout_ms = 5; min_session_timeout_ms = 10; };",
                                "groups.max_session_timeout_ms"),
                               ("groups = { offsets_compact_records = 1; };", "groups.offsets_compact_records")]:
            r = brookd("--check-config", "-c", self.config(extra=extra))
            self.assertEqual(r.returncode, 1, extra)
            self.assertIn(message, r.stderr.decode(), extra)
        # auth plugins whose files are missing or wrong stop start-up, naming them
        for auth, message in [('{ plugin = "acl"; file = "%s/none"; }' % self.dir, "none: No such file"),
                              ('{ plugin = "acl"; file = "%s/brook.conf"; }' % self.dir, "brook.conf:1: "),
                              ('{ plugin = "acl"; file = "/dev/null"; super_users = "admin"; }',
                               'super_users: "admin" is not a principal'),
                              ('{ plugin = "plain"; credentials = "%s/none"; }' % self.dir, "cannot read"),
                              ('{ plugin = "scram"; credentials = "%s/none"; }' % self.dir, "cannot read")]:
            r = brookd("-c", self.config(extra="auth = ( %s );" % auth))
            self.assertEqual(r.returncode, 1, auth)
            self.assertIn(message, r.stderr.decode(), auth)

    @unittest.skipUnless(TEST_PLUGIN_DIR, "needs the broken test plugins")
    def test_bad_plugins_refuse_start_before_listening(self):
        cases = {
            "missing": "not found",
            "text": "cannot load",
            "unresolved": "undefined symbol",
            "nodesc": "no \"brook_plugin\" descriptor symbol",
            "major": "built for plugin ABI %d.%d, this brookd speaks ABI %d.%d" % (ABI[0] + 98, ABI[1],
                                                                                 ABI[0], ABI[1]),
            "minor": "built for plugin ABI %d.%d, newer than this brookd's ABI %d.%d" % (ABI[0], ABI[1] + 1,
                                                                                         ABI[0], ABI[1]),
            "kind": "is a codec plugin",
            "failinit": "init failed",
        }
        for name, needle in cases.items():
            port = free_port()
            path = self.config(storage='storage = { plugin = "%s"; };' % name, port=port, plugin_dir=TEST_PLUGIN_DIR)
            r = brookd("-c", path)
            err = r.stderr.decode()
            self.assertNotEqual(r.returncode, 0, name)
            self.assertIn("brook_storage_%s.so" % name, err, name)
            self.assertIn(needle, err, name)
            self.assertNotIn("listening on", err, name)
        # duplicate names in one kind
        path = self.config(extra='auth = ( { plugin = "anonymous"; }, { plugin = "anonymous"; } );',
                           plugin_dir=TEST_PLUGIN_DIR)
        r = brookd("-c", path)
        self.assertEqual(r.returncode, 1)
        self.assertIn("configured twice", r.stderr.decode())

    def test_unbindable_address_fails_start(self):
        s, port = taken_port()
        r = brookd("-c", self.config(port=port))
        s.close()
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot listen on 127.0.0.1:%d" % port, r.stderr.decode())

    def test_corrupt_state_files_fail_start_with_their_name(self):
        os.makedirs(os.path.join(self.dir, "data"), exist_ok=True)
        for name, content, needle in [("producer_ids", "not a number\n", "not a producer id block"),
                                      ("topics", "brook-topics 1\nbad line here\n", "topics:2: malformed entry")]:
            path = os.path.join(self.dir, "data", name)
            with open(path, "w") as f:
                f.write(content)
            r = brookd("-c", self.config())
            self.assertEqual(r.returncode, 1, name)
            self.assertIn(needle, r.stderr.decode())
            self.assertNotIn("listening on", r.stderr.decode())
            os.unlink(path)

    def test_unwritable_data_dir_fails_start(self):
        path = self.config(extra="", port=0)
        r = brookd("-c", path, "--set", "broker.data_dir=/proc/brook-cannot-be-here")
        self.assertEqual(r.returncode, 1)
        self.assertIn("broker.data_dir /proc/brook-cannot-be-here", r.stderr.decode())


class BrookctlCommandLine(BrokerTestCase):
    def run_ctl(self, *args, input=None):
        return subprocess.run([BROOKCTL] + list(args), input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=30)

    def test_help_everywhere(self):
        for args in [["--help"], ["topics", "--help"], ["produce", "--help"], ["consume", "--help"]]:
            r = self.run_ctl(*args)
            self.assertEqual(r.returncode, 0, args)
            self.assertIn(b"usage: brookctl", r.stdout)

    def test_bad_arguments_exit_2(self):
        for args in [[], ["frobnicate"], ["topics"], ["topics", "create"], ["topics", "create", "a", "b"],
                     ["topics", "create", "x", "--partitions", "0"], ["topics", "list", "--partitions", "2"],
                     ["produce"], ["produce", "t", "--acks", "7"], ["consume", "t", "--offset", "-1"],
                     ["consume", "t", "--from-beginning", "--offset", "3"], ["consume", "t", "--key-separator", "ab"],
                     ["--timeout-ms", "zero", "topics", "list"]]:
            r = self.run_ctl("-b", self.broker.address, *args)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertTrue(r.stderr, args)

    def test_connection_refused(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        r = brookctl("127.0.0.1:%d" % port, "topics", "list")
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"cannot connect to broker at 127.0.0.1:%d: Connection refused" % port, r.stderr)

    def test_cluster_on_a_single_broker_lists_itself_as_controller(self):
        r = self.ctl("cluster")
        out = r.stdout.decode()
        self.assertIn("controller 0\n", out)
        self.assertRegex(out, r"(?m)^broker 0\t127\.0\.0\.1:%d\track -\tcontroller$" % self.broker.port)
        self.assertRegex(out, r"(?m)^cluster \S+$")
        self.assertEqual(self.ctl("cluster", "extra", check=False).returncode, 2)
        self.assertEqual(self.ctl("cluster", "info").stdout.decode(), out)
        doc = json.loads(self.ctl("--output", "json", "cluster").stdout)
        self.assertEqual((doc["controller"], doc["brokers"][0]["id"], doc["brokers"][0]["port"]),
                         (0, 0, self.broker.port))
        self.assertEqual(self.ctl("--output", "yaml", "cluster", check=False).returncode, 2)

    def test_unknown_topic_and_partition(self):
        r = self.ctl("produce", "nope", input=b"x\n", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"unknown topic \"nope\"", r.stderr)
        r = self.ctl("consume", "nope", check=False)
        self.assertEqual(r.returncode, 1)
        self.ctl("topics", "create", "t")
        r = self.ctl("consume", "t", "--partition", "3", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"no partition 3", r.stderr)
        r = self.ctl("topics", "delete", "nope", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"delete topic \"nope\": not found", r.stderr)
        r = self.ctl("topics", "create", "t", check=False)
        self.assertIn(b"already exists", r.stderr)
        r = self.ctl("produce", "t", "--file", "/nonexistent", check=False)
        self.assertEqual(r.returncode, 1)

    def test_env_broker_address(self):
        env = dict(os.environ, BROOK_BROKER=self.broker.address)
        r = subprocess.run([BROOKCTL, "topics", "list"], env=env, stdout=subprocess.PIPE, timeout=30)
        self.assertEqual(r.returncode, 0)


if __name__ == "__main__":
    unittest.main()
