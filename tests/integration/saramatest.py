"""Sarama, the Go client (Debian's golang-github-shopify-sarama-dev), built
from tests/clients/sarama/main.go for the tests that drive it."""
import os
import shutil
import subprocess

SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clients", "sarama")
GOPATH = "/usr/share/gocode"  # where Debian's Go library packages put their sources


def build(into):
    """The client's path, built in directory `into` (AssertionError if it cannot be)."""
    if not shutil.which("go") or not os.path.isdir(os.path.join(GOPATH, "src/github.com/Shopify/sarama")):
        raise AssertionError("needs golang-go and golang-github-shopify-sarama-dev: run `make deps`")
    client = os.path.join(into, "sarama_client")
    # Debian packages Go libraries as GOPATH sources, without modules
    env = dict(os.environ, GO111MODULE="off", GOPATH=GOPATH, GOFLAGS="", GOCACHE=os.path.join(into, "cache"))
    r = subprocess.run(["go", "build", "-o", client, "."], cwd=SOURCE, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=300)
    if r.returncode != 0:
        raise AssertionError("building the sarama client failed:\n" + r.stdout.decode())
    return client


def value(i):
    """Record i's value, as main.go makes it."""
    return bytes((i + k) & 0xFF for k in range(1 + i % 300))
