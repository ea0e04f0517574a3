#!/usr/bin/python3
"""Capture Kafka request frames from real clients into tests/vectors/kafka/CLIENT/.

A small proxy between a client and a running brookd: every request frame
(size prefix included) is saved as <ApiKey>_v<version>.bin the first time
that key and version is seen (files already there are kept). Run by hand, not in CI, once per client:

    build/bin/brookd -c config/memory.conf &
    tests/vectors/capture.py librdkafka 127.0.0.1:9094 127.0.0.1:9092 &
    kcat -b 127.0.0.1:9094 -L ; ...clients...
"""
import os
import socket
import struct
import sys
import threading

OUT = None  # set from the command line
seen = set()
lock = threading.Lock()


def read_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def pump_requests(client, server):
    try:
        while True:
            head = read_exact(client, 4)
            (size,) = struct.unpack(">i", head)
            body = read_exact(client, size)
            key, version = struct.unpack(">hh", body[:4])
            with lock:
                path = os.path.join(OUT, "%d_v%d.bin" % (key, version))
                if (key, version) not in seen and not os.path.exists(path):  # keep what is checked in
                    seen.add((key, version))
                    with open(path, "wb") as f:
                        f.write(head + body)
            server.sendall(head + body)
    except (EOFError, OSError):
        pass
    finally:
        server.close()


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        dst.close()


def main():
    global OUT
    OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kafka", sys.argv[1])
    listen_host, listen_port = sys.argv[2].rsplit(":", 1)
    up_host, up_port = sys.argv[3].rsplit(":", 1)
    os.makedirs(OUT, exist_ok=True)
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((listen_host, int(listen_port)))
    ls.listen()
    while True:
        c, _ = ls.accept()
        s = socket.create_connection((up_host, int(up_port)))
        threading.Thread(target=pump_requests, args=(c, s), daemon=True).start()
        threading.Thread(target=pump, args=(s, c), daemon=True).start()


if __name__ == "__main__":
    main()
