#!/usr/bin/python3
"""Round trips of a trivial request (Kafka ApiVersions v0) on one connection,
one every millisecond, until SIGTERM or MAX_S seconds: how long the broker's
event loop keeps every other client waiting while something else runs.
Prints: count p50 p99 p999 max (milliseconds).

    bench/loop_probe.py PORT [MAX_S]"""
import signal
import socket
import struct
import sys
import time

port = int(sys.argv[1])
max_s = float(sys.argv[2]) if len(sys.argv) > 2 else 600
stop = False


def on_term(*_):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_term)
s = socket.create_connection(("127.0.0.1", port), timeout=30)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
lat, end, corr = [], time.monotonic() + max_s, 0
while not stop and time.monotonic() < end:
    corr += 1
    body = struct.pack(">hhih", 18, 0, corr, 5) + b"probe"
    t = time.monotonic()
    s.sendall(struct.pack(">i", len(body)) + body)
    (n,) = struct.unpack(">i", s.recv(4, socket.MSG_WAITALL))
    s.recv(n, socket.MSG_WAITALL)
    lat.append((time.monotonic() - t) * 1000)
    time.sleep(0.001)
lat.sort()
if not lat:
    print("0 - - - -")
else:
    pick = lambda q: lat[min(len(lat) - 1, int(len(lat) * q))]
    print("%d %.3f %.3f %.3f %.3f" % (len(lat), pick(0.5), pick(0.99), pick(0.999), lat[-1]))
