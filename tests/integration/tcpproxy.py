"""A TCP proxy for fault tests: listens on a free loopback port and
forwards every connection to a target; `cut()` drops every connection and
refuses new ones until `restore()`; `delay(ms)` holds each chunk that long
before passing it on; `delay_answers(pattern, ms)` holds only the target's
answers, and only on connections that have carried `pattern` towards it
(one kind of request's link, say). One thread, bounded waits."""
import selectors
import socket
import threading
import time


class TcpProxy:
    def __init__(self, target_host, target_port):
        self.target = (target_host, target_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.listener.setblocking(False)
        self.port = self.listener.getsockname()[1]
        self.cut_off = False
        self.delay_s = 0.0
        self.answer_pattern = None  # delay_answers: what marks a connection
        self.answer_delay_s = 0.0
        self.marked = set()  # client sockets whose connection carried the pattern
        self.upstreams = set()
        self.pairs = {}  # socket -> its other end
        self.pending = []  # (due, socket, data) held by a delay
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.listener, selectors.EVENT_READ)
        self.lock = threading.Lock()
        self.stopping = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def cut(self):
        with self.lock:
            self.cut_off = True
            for s in list(self.pairs):
                self._close(s)

    def restore(self):
        with self.lock:
            self.cut_off = False

    def delay(self, ms):
        with self.lock:
            self.delay_s = ms / 1000.0

    def delay_answers(self, pattern, ms):
        with self.lock:
            self.answer_pattern = pattern
            self.answer_delay_s = ms / 1000.0

    def stop(self):
        self.stopping = True
        self.thread.join(5)
        with self.lock:
            for s in list(self.pairs):
                self._close(s)
        self.listener.close()

    def _close(self, s):
        other = self.pairs.pop(s, None)
        for x in (s, other):
            if x is None:
                continue
            self.pairs.pop(x, None)
            self.marked.discard(x)
            self.upstreams.discard(x)
            try:
                self.sel.unregister(x)
            except (KeyError, ValueError):
                pass
            x.close()

    def _accept(self):
        try:
            client, _ = self.listener.accept()
        except BlockingIOError:
            return
        if self.cut_off:
            client.close()
            return
        try:
            upstream = socket.create_connection(self.target, timeout=2)
        except OSError:
            client.close()
            return
        for s in (client, upstream):
            s.setblocking(False)
            self.sel.register(s, selectors.EVENT_READ)
        self.pairs[client] = upstream
        self.upstreams.add(upstream)
        self.pairs[upstream] = client

    def _forward(self, s, data):
        other = self.pairs.get(s)
        if other is None:
            return
        try:
            other.setblocking(True)
            other.sendall(data)
            other.setblocking(False)
        except OSError:
            self._close(s)

    def run(self):
        while not self.stopping:
            events = self.sel.select(timeout=0.02)
            with self.lock:
                now = time.monotonic()
                due = [p for p in self.pending if p[0] <= now]
                self.pending = [p for p in self.pending if p[0] > now]
                for _, s, data in due:
                    self._forward(s, data)
                for key, _ in events:
                    s = key.fileobj
                    if s is self.listener:
                        self._accept()
                        continue
                    if s not in self.pairs:
                        continue
                    try:
                        data = s.recv(65536)
                    except OSError:
                        data = b""
                    if not data:
                        self._close(s)
                    elif self._answer_held(s, data):
                        self.pending.append((now + max(self.delay_s, self.answer_delay_s), s, data))
                    elif self.delay_s > 0:
                        self.pending.append((now + self.delay_s, s, data))
                    else:
                        self._forward(s, data)

    def _answer_held(self, s, data):
        """Whether this chunk is an answer that delay_answers holds (marking
        the connection when a request carries the pattern)."""
        if self.answer_pattern is None:
            return False
        if s not in self.upstreams:
            if self.answer_pattern in data:
                self.marked.add(s)
            return False
        return self.pairs.get(s) in self.marked
