"""SCRAM users in a cluster: three brokers with auth-scram and a real etcd.
The first broker seeds the cluster's users from its credentials file; a
user set through one broker (AlterUserScramCredentials, the salted
password only) logs in to every broker (kcat over SASL SCRAM) and the
store holds keys, never the password or the salted password; a credential
removed through another broker can log in nowhere; a broker that was down
(kill -9) while users changed catches up when it comes back, its own file
reconciled to the cluster's; a name the plugin cannot keep is refused
before anything is written."""
import base64
import hashlib
import json
import os
import signal
import subprocess
import time
import unittest
import urllib.request

from brooktest import BROOKCTL
from clustertest import ClusterTestCase
from test_scram_admin import SHA256, SHA512, alter, describe


class ClusterUsers(ClusterTestCase):
    listeners = '{ name = "sasl"; codec = "kafka"; address = "127.0.0.1:0"; sasl = true; }'

    def creds(self, broker_id):
        return os.path.join(self.dir, "credentials-%d" % broker_id)

    def broker_config(self, broker_id):
        path = self.creds(broker_id)
        if not os.path.exists(path):
            open(path, "w").close()
            if broker_id == 1:  # the bootstrap admin, made with the local-file mode
                r = subprocess.run([BROOKCTL, "users", "add", "admin", "--file", path, "--password", "adm1n"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
                self.assertEqual(r.returncode, 0, r.stderr)
        return 'auth = ( { plugin = "scram"; credentials = "%s"; } );' % path

    def login(self, broker_id, user, password, mechanism="SCRAM-SHA-256"):
        r = subprocess.run(["kcat", "-b", "127.0.0.1:%d" % self.brokers[broker_id].ports["sasl"], "-L", "-m", "5",
                            "-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanisms=" + mechanism,
                            "-X", "sasl.username=" + user, "-X", "sasl.password=" + password],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        return r.returncode == 0

    def wait_logins(self, ids, user, password, expected, mechanism="SCRAM-SHA-256", timeout=20):
        deadline = time.time() + timeout
        while True:
            got = {i: self.login(i, user, password, mechanism) for i in ids}
            if all(v == expected for v in got.values()) or time.time() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(got, {i: expected for i in ids}, "%s logging in with %s" % (user, mechanism))

    def stored(self):
        """The cluster's users as etcd holds them: {key: value}."""
        prefix = b"/brook/c/scram/"
        body = json.dumps({"key": base64.b64encode(prefix).decode(),
                           "range_end": base64.b64encode(prefix[:-1] + b"0").decode()}).encode()
        with urllib.request.urlopen(self.etcd.url + "/v3/kv/range", body, timeout=10) as r:
            kvs = json.load(r).get("kvs", [])
        return {base64.b64decode(kv["key"]).decode(): base64.b64decode(kv["value"]).decode() for kv in kvs}

    def test_users_follow_the_cluster(self):
        # seeded once from broker 1's file: the bootstrap admin logs in everywhere
        self.wait_logins([1, 2, 3], "admin", "adm1n", True)
        seeders = [i for i in (1, 2, 3) if "SCRAM users: seeded from this broker's" in self.brokers[i].log()]
        self.assertEqual(seeders, [1])

        salt = b"pepper-salt"
        got = alter(self.brokers[2].kafka_port, upsertions=[("bob", SHA256, 8192, salt, "hunter2"),
                                                            ("bob", SHA512, 4096, b"other-salt", "hunter2")])
        self.assertEqual(got, {"bob": (0, None)})
        self.assertTrue(self.login(2, "bob", "hunter2"))  # in force at once where it was made
        self.wait_logins([1, 2, 3], "bob", "hunter2", True)
        self.wait_logins([1, 3], "bob", "hunter2", True, "SCRAM-SHA-512")
        self.assertFalse(self.login(3, "bob", "wrong"))
        self.assertEqual(describe(self.brokers[3].kafka_port, ["bob"])[1]["bob"], (0, [(SHA256, 8192), (SHA512, 4096)]))

        # the store holds the keys a server keeps: neither the password nor the salted password
        stored = self.stored()
        self.assertEqual(sorted(stored), ["/brook/c/scram/SCRAM-SHA-256/admin", "/brook/c/scram/SCRAM-SHA-256/bob",
                                          "/brook/c/scram/SCRAM-SHA-512/admin", "/brook/c/scram/SCRAM-SHA-512/bob"])
        salted = hashlib.pbkdf2_hmac("sha256", b"hunter2", salt, 8192)
        value = stored["/brook/c/scram/SCRAM-SHA-256/bob"]
        self.assertTrue(value.startswith("8192 %s " % salt.hex()), value)
        self.assertNotIn(salted.hex(), value)
        self.assertNotIn("hunter2", value)

        # a broker down while the users change catches up
        self.brokers[3].stop(signal.SIGKILL)
        self.assertEqual(alter(self.brokers[1].kafka_port, deletions=[("bob", SHA256)],
                               upsertions=[("carol", SHA256, 4096, b"carol-salt", "c4rol")]),
                         {"bob": (0, None), "carol": (0, None)})
        self.wait_logins([1, 2], "bob", "hunter2", False)
        self.wait_logins([1, 2], "carol", "c4rol", True)
        # an edit while it was down is not the cluster's: its SCRAM credentials go
        subprocess.run([BROOKCTL, "users", "add", "mallory", "--file", self.creds(3), "--password", "m4llory"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30, check=True)
        self.start(3)
        self.wait_logins([3], "carol", "c4rol", True)
        self.wait_logins([3], "bob", "hunter2", False)
        self.wait_logins([3], "bob", "hunter2", True, "SCRAM-SHA-512")
        self.wait_logins([3], "mallory", "m4llory", False)
        with open(self.creds(3)) as f:  # its PLAIN line is not a SCRAM credential: auth-scram leaves it
            self.assertEqual([line.split()[1] for line in f if line.startswith("mallory ")], ["pbkdf2-sha256"])

        # refused before anything is written: a name auth-scram cannot keep
        got = alter(self.brokers[2].kafka_port, upsertions=[("no spaces", SHA256, 4096, b"s", "x")])
        self.assertEqual(got["no spaces"][0], 93, got)  # UNACCEPTABLE_CREDENTIAL
        self.assertIn("user name", got["no spaces"][1])
        self.assertNotIn("/brook/c/scram/SCRAM-SHA-256/no spaces", self.stored())
        # the same Kafka checks as a single broker: unknown credential, contradicting changes
        got = alter(self.brokers[1].kafka_port, deletions=[("nobody", SHA512)])
        self.assertEqual(got["nobody"][0], 91)  # RESOURCE_NOT_FOUND

    def test_a_joining_broker_takes_the_users_in_one_rewrite(self):
        """A broker that joins takes every user of the cluster, and one that
        follows (or makes) a change takes its users, in one rewrite of its credentials
        file: one per user rewrote (and synced) the whole file each time, n^2
        bytes on the event loop for n users. The 250 come in one request,
        more than one etcd transaction takes: refused before."""
        self.wait_logins([1, 2, 3], "admin", "adm1n", True)
        self.brokers[3].stop(signal.SIGKILL)
        open(self.creds(3), "w").close()  # a new broker: no users of its own
        users = ["u%03d" % i for i in range(250)]
        # one request: more than one etcd transaction takes (128 operations)
        got = alter(self.brokers[1].kafka_port, upsertions=[(u, SHA256, 4096, b"salt-" + u.encode(), "pw-" + u)
                                                            for u in users])
        self.assertEqual(set(v[0] for v in got.values()), {0}, got)
        self.wait_logins([2], users[-1], "pw-" + users[-1], True)
        self.start(3)
        self.wait_logins([3], users[-1], "pw-" + users[-1], True)
        self.wait_logins([3], users[0], "pw-" + users[0], True)
        for broker_id in (1, 2, 3):  # where the changes were made too
            log = self.brokers[broker_id].log()
            one_by_one = [line for line in log.splitlines() if "'s scram-sha-256 credential set" in line]
            self.assertEqual(one_by_one, [], "broker %d rewrote its file per user" % broker_id)
        # the 250 and the admin's two (SCRAM-SHA-256 and -512)
        self.assertIn("252 SCRAM credentials set, 0 removed, in one rewrite", self.brokers[3].log())
        with open(self.creds(3)) as f:
            self.assertEqual(sorted(line.split()[0] for line in f if line.split()[1:2] == ["scram-sha-256"]),
                             ["admin"] + users)


if __name__ == "__main__":
    unittest.main()
