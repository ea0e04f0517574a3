"""Plugins built against older SDK headers, as users' plugins will be: a
codec built against the frozen copy of the released 2.0 headers
(tests/sdk_abi/frozen/2.0) serves through this brookd; the same codec built
against the 1.2 headers is refused at start, naming the file and both
versions, with no listener opened. (Under ABI 1.x a 1.0 codec-kafka was
accepted by a 1.1 brookd as an older minor and crashed it on kcat's first
request: the request union had grown and moved `alloc`.)"""
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

from brooktest import BROOKD, TEST_PLUGIN_DIR, Native

HERE = os.path.dirname(os.path.abspath(__file__))


def sdk_version():
    """BROOK_ABI_MAJOR.MINOR as sdk/include/brook/plugin.h declares it."""
    with open(os.path.join(HERE, "..", "..", "sdk", "include", "brook", "plugin.h")) as f:
        text = f.read()
    return "%s.%s" % (re.search(r"#define BROOK_ABI_MAJOR +(\d+)", text).group(1),
                      re.search(r"#define BROOK_ABI_MINOR +(\d+)", text).group(1))


def listening(logpath, names, timeout=10.0):
    """The ports the named listeners bound, read from brookd's log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(logpath, "rb") as f:
            text = f.read().decode(errors="replace")
        ports = dict(re.findall(r"listener (\w+) \(codec [\w-]+\) listening on 127\.0\.0\.1:(\d+)", text))
        if all(n in ports for n in names):
            return [int(ports[n]) for n in names]
        time.sleep(0.05)
    raise AssertionError("brookd did not start:\n" + text)


@unittest.skipUnless(TEST_PLUGIN_DIR, "needs the frozen-header test plugins")
class SdkCompatibility(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="brook-compat-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def config(self, codec, line_port=0, native_port=0):
        path = os.path.join(self.dir, "brook.conf")
        with open(path, "w") as f:
            f.write('broker = { data_dir = "%s/data"; plugin_dir = "%s"; };\n'
                    'listeners = ( { name = "line"; codec = "%s"; address = "127.0.0.1:%d"; },\n'
                    '              { name = "native"; codec = "native"; address = "127.0.0.1:%d"; } );\n'
                    'storage = { plugin = "memory"; };\n' % (self.dir, TEST_PLUGIN_DIR, codec, line_port,
                                                              native_port))
        return path

    def test_a_plugin_built_against_the_2_0_headers_serves(self):
        logpath = os.path.join(self.dir, "log")
        log = open(logpath, "wb+")
        proc = subprocess.Popen([BROOKD, "-c", self.config("line")], stdout=log, stderr=log)
        try:
            line_port, native_port = listening(logpath, ["line", "native"])
            c = Native(native_port)
            self.assertEqual(c.call("create_topic", topic="t")["error"], 0)
            c.close()
            s = socket.create_connection(("127.0.0.1", line_port), timeout=10)
            f = s.makefile("rwb")
            for i in range(3):
                f.write(b"produce t value-%d\n" % i)
            f.write(b"fetch t 1\n")
            f.write(b"nonsense\n")
            f.flush()
            self.assertEqual([f.readline() for _ in range(3)], [b"ok 0\n", b"ok 1\n", b"ok 2\n"])
            self.assertEqual([f.readline() for _ in range(4)],
                             [b"ok 3\n", b"record 1 value-1\n", b"record 2 value-2\n", b"end\n"])
            self.assertEqual(f.readline(), b"error 2\n")
            s.close()
        finally:
            proc.terminate()
            self.assertEqual(proc.wait(10), 0)
            log.close()

    def test_a_plugin_built_against_the_1_2_headers_is_refused(self):
        r = subprocess.run([BROOKD, "-c", self.config("line-v1")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20)
        err = r.stderr.decode()
        self.assertEqual(r.returncode, 1, err)
        self.assertIn("brook_codec_line-v1.so", err)
        self.assertIn("built for plugin ABI 1.2, this brookd speaks ABI %s" % sdk_version(), err)
        self.assertNotIn("listening on", err)


if __name__ == "__main__":
    unittest.main()
