"""Hand-made Kafka protocol frames for the tests that must go below what a
client library lets through: raw versions, raw batches, raw bad bytes."""
import socket
import struct

from test_bad_input import crc32c, varint


def string(s):
    if s is None:
        return struct.pack(">h", -1)
    b = s.encode() if isinstance(s, str) else s
    return struct.pack(">h", len(b)) + b


def nbytes(b):
    if b is None:
        return struct.pack(">i", -1)
    return struct.pack(">i", len(b)) + b


def array(items):
    return struct.pack(">i", len(items)) + b"".join(items)


def frame(key, version, correlation, body, client="raw"):
    header = struct.pack(">hhi", key, version, correlation) + string(client)
    return struct.pack(">i", len(header) + len(body)) + header + body


def batch(values, producer_id=-1, epoch=-1, sequence=-1, timestamp=1700000000000, transactional=False):
    records = b""
    for i, v in enumerate(values):
        body = b"\x00" + varint(0) + varint(i) + varint(-1) + varint(len(v)) + v + varint(0)
        records += varint(len(body)) + body
    attributes = 0x10 if transactional else 0
    after_crc = struct.pack(">hiqqqhii", attributes, len(values) - 1, timestamp, timestamp, producer_id, epoch,
                            sequence, len(values)) + records
    after_length = struct.pack(">ib", 0, 2) + struct.pack(">I", crc32c(after_crc)) + after_crc
    return struct.pack(">qi", 0, len(after_length)) + after_length


def produce_v3(topic, partition, records, acks=1, timeout=5000, txn_id=None):
    """Produce v3 body: transactional id, acks, timeout, [topic [partition records]]."""
    part = struct.pack(">i", partition) + nbytes(records)
    return string(txn_id) + struct.pack(">hi", acks, timeout) + array([string(topic) + array([part])])


class Conn:
    def __init__(self, port, timeout=10):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.corr = 0

    def close(self):
        self.sock.close()

    def send(self, key, version, body):
        self.corr += 1
        self.sock.sendall(frame(key, version, self.corr, body))
        return self.corr

    def read_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("closed by broker")
            buf += chunk
        return buf

    def recv(self):
        (n,) = struct.unpack(">i", self.read_exact(4))
        data = self.read_exact(n)
        (corr,) = struct.unpack(">i", data[:4])
        return corr, data[4:]

    def call(self, key, version, body):
        corr = self.send(key, version, body)
        got, data = self.recv()
        assert got == corr, (got, corr)
        return data


def topic_rows(data, p, fmt):
    """[(topic,) + row] of an array of topics at data[p:], each with an
    array of fixed-size rows in struct format `fmt` (e.g. partition, error)."""
    out, size = [], struct.calcsize(fmt)
    (nt,) = struct.unpack_from(">i", data, p)
    p += 4
    for _ in range(nt):
        (ln,) = struct.unpack_from(">h", data, p)
        topic = data[p + 2:p + 2 + ln].decode()
        p += 2 + ln
        (n,) = struct.unpack_from(">i", data, p)
        p += 4
        for _ in range(n):
            out.append((topic,) + struct.unpack_from(fmt, data, p))
            p += size
    return out


def parse_produce_v3(data):
    """[(topic, partition, error, base_offset)] of a Produce v3 response."""
    return [row[:4] for row in topic_rows(data, 0, ">ihqq")]


def init_producer_id(conn):
    data = conn.call(22, 0, string(None) + struct.pack(">i", 60000))
    _throttle, err, pid, epoch = struct.unpack(">ihqh", data)
    assert err == 0, err
    return pid, epoch


def init_transactional_id(conn, txn_id, timeout_ms=60000):
    """InitProducerId v1 for a transactional id: (error, producer id, epoch)."""
    data = conn.call(22, 1, string(txn_id) + struct.pack(">i", timeout_ms))
    _throttle, err, pid, epoch = struct.unpack(">ihqh", data)
    return err, pid, epoch


def add_partitions_to_txn(conn, txn_id, pid, epoch, topics):
    """AddPartitionsToTxn v1: {(topic, partition): error}."""
    body = string(txn_id) + struct.pack(">qh", pid, epoch) + array(
        [string(t) + array([struct.pack(">i", p) for p in parts]) for t, parts in topics.items()])
    return {(t, p): e for t, p, e in topic_rows(conn.call(24, 1, body), 4, ">ih")}


def add_offsets_to_txn(conn, txn_id, pid, epoch, group):
    """AddOffsetsToTxn v1: the error."""
    data = conn.call(25, 1, string(txn_id) + struct.pack(">qh", pid, epoch) + string(group))
    return struct.unpack(">ih", data)[1]


def txn_offset_commit_v0(txn_id, group, pid, epoch, offsets):
    """TxnOffsetCommit v0 body: offsets {(topic, partition): offset}."""
    by_topic = {}
    for (t, p), o in offsets.items():
        by_topic.setdefault(t, []).append(struct.pack(">iq", p, o) + string(None))
    body = string(txn_id) + string(group) + struct.pack(">qh", pid, epoch)
    return body + array([string(t) + array(parts) for t, parts in by_topic.items()])


def parse_txn_offset_commit_v0(data):
    """{(topic, partition): error} of a TxnOffsetCommit v0 response."""
    return {(t, p): e for t, p, e in topic_rows(data, 4, ">ih")}


def find_coordinator(conn, key, key_type=1):
    """FindCoordinator v1 (key type 1: a transactional id): (error, node id, port)."""
    data = conn.call(10, 1, string(key) + struct.pack(">b", key_type))
    _throttle, err, mlen = struct.unpack_from(">ihh", data)
    p = 8 + max(mlen, 0)
    (node,) = struct.unpack_from(">i", data, p)
    (hlen,) = struct.unpack_from(">h", data, p + 4)
    (port,) = struct.unpack_from(">i", data, p + 6 + hlen)
    return err, node, port


def end_txn(conn, txn_id, pid, epoch, commit):
    """EndTxn v1: the error."""
    return struct.unpack(">ih", conn.call(26, 1, string(txn_id) + struct.pack(">qhb", pid, epoch, 1 if commit else 0)))[1]


def transaction(conn, txn_id, topics, timeout_ms=60000):
    """A transactional id's producer (id, epoch) with `topics` ({topic:
    [partitions]}) added to its transaction, as a transactional client
    does before it produces."""
    err, pid, epoch = init_transactional_id(conn, txn_id, timeout_ms)
    assert err == 0, err
    added = add_partitions_to_txn(conn, txn_id, pid, epoch, topics)
    assert set(added.values()) == {0}, added
    return pid, epoch


def offset_commit_v2(group, topic, partition, offset, metadata=b""):
    """OffsetCommit v2 body from outside any generation."""
    part = struct.pack(">iq", partition, offset) + string(metadata)
    return string(group) + struct.pack(">i", -1) + string("") + struct.pack(">q", -1) + \
        array([string(topic) + array([part])])


def offset_fetch_v1(group, topic, partition):
    return string(group) + array([string(topic) + array([struct.pack(">i", partition)])])


def parse_offset_fetch_v1(data):
    """[(partition, offset, metadata bytes, error)] of a one-topic OffsetFetch v1 response."""
    (nt,) = struct.unpack_from(">i", data, 0)
    if nt == 0:
        return []
    (ln,) = struct.unpack_from(">h", data, 4)
    p = 4 + 2 + ln
    (n,) = struct.unpack_from(">i", data, p)
    p += 4
    out = []
    for _ in range(n):
        part, offset, mlen = struct.unpack_from(">iqh", data, p)
        p += 14
        meta = data[p:p + max(mlen, 0)]
        p += max(mlen, 0)
        (err,) = struct.unpack_from(">h", data, p)
        p += 2
        out.append((part, offset, meta, err))
    return out


def offset_for_leader_epoch_v3(topic, partition, leader_epoch, current_epoch=-1, replica_id=-1):
    """OffsetForLeaderEpoch v3 body: replica id, [topic [partition current_epoch leader_epoch]]."""
    part = struct.pack(">iii", partition, current_epoch, leader_epoch)
    return struct.pack(">i", replica_id) + array([string(topic) + array([part])])


def parse_offset_for_leader_epoch_v3(data):
    """[(topic, error, partition, leader_epoch, end_offset)] of a v3 response (after the throttle time)."""
    return topic_rows(data, 4, ">hiiq")


def list_offsets_v4(topic, partition, timestamp, current_epoch=-1, isolation=0):
    """ListOffsets v4 body: replica id, isolation, [topic [partition current_epoch timestamp]]."""
    part = struct.pack(">iiq", partition, current_epoch, timestamp)
    return struct.pack(">ib", -1, isolation) + array([string(topic) + array([part])])


def parse_list_offsets_v4(data):
    """[(topic, partition, error, timestamp, offset, leader_epoch)] of a v4 response."""
    return topic_rows(data, 4, ">ihqqi")


def fetch_v11(topic, partition, offset, current_epoch=-1, max_wait_ms=0, rack=""):
    """Fetch v11 body for one partition, outside any fetch session, from a
    consumer in `rack`."""
    part = struct.pack(">iiqqi", partition, current_epoch, offset, -1, 1 << 20)
    return struct.pack(">iiiibii", -1, max_wait_ms, 1, 1 << 20, 0, 0, -1) + \
        array([string(topic) + array([part])]) + array([]) + string(rack)


def parse_fetch_v11(data):
    """(error, high watermark, preferred read replica, record bytes) of the
    first partition of a Fetch v11 response."""
    p = 10 + 4  # throttle, error, session; the topic count
    (ln,) = struct.unpack_from(">h", data, p)
    p += 2 + ln + 4  # the partition count
    _part, err, hw, _lso, _start, aborted = struct.unpack_from(">ihqqqi", data, p)
    p += 34 + max(aborted, 0) * 16
    preferred, size = struct.unpack_from(">ii", data, p)
    return err, hw, preferred, data[p + 8:p + 8 + max(size, 0)]


def fetch_v11_error(data):
    """(top-level error, first partition's error) of a Fetch v11 response."""
    _throttle, err, _session = struct.unpack_from(">ihi", data, 0)
    p = 10 + 4  # the topic count
    (ln,) = struct.unpack_from(">h", data, p)
    p += 2 + ln + 4  # the partition count
    _part, perr = struct.unpack_from(">ih", data, p)
    return err, perr


def uvarint(n):
    out = b""
    while True:
        b, n = n & 0x7F, n >> 7
        if not n:
            return out + bytes([b])
        out += bytes([b | 0x80])


def offset_for_leader_epoch_v4_frame(correlation, topic, partition, leader_epoch, current_epoch=-1):
    """A whole OffsetForLeaderEpoch v4 frame: flexible (request header v2,
    compact strings and arrays, empty tagged fields)."""
    part = struct.pack(">iii", partition, current_epoch, leader_epoch) + b"\0"
    body = struct.pack(">i", -1) + uvarint(2) + uvarint(len(topic) + 1) + topic.encode() + uvarint(2) + part + \
        b"\0" + b"\0"
    header = struct.pack(">hhi", 23, 4, correlation) + string("raw") + b"\0"
    return struct.pack(">i", len(header) + len(body)) + header + body


def parse_offset_for_leader_epoch_v4(data):
    """(error, partition, leader_epoch, end_offset) of a one-partition v4
    response body (after the response header's tagged fields)."""
    p = 1 + 4  # header tagged fields, throttle
    assert data[p] == 2, data  # one topic
    p += 1
    p += data[p]  # compact string: length + 1, then the name
    assert data[p] == 2, data  # one partition
    return struct.unpack_from(">hiiq", data, p + 1)


def incremental_alter_configs_v0(name, changes, validate_only=False, resource_type=2):
    """IncrementalAlterConfigs v0 body for one resource (a topic; 4: a
    broker): changes are (name, op, value) with op 0 set, 1 delete, 2
    append, 3 subtract."""
    configs = [string(key) + struct.pack(">b", op) + string(value) for key, op, value in changes]
    return array([struct.pack(">b", resource_type) + string(name) + array(configs)]) + \
        struct.pack(">b", int(validate_only))


def describe_configs_v1(resource_type, name):
    """DescribeConfigs v1 body for every config of one resource, with synonyms."""
    return array([struct.pack(">b", resource_type) + string(name) + struct.pack(">i", -1)]) + b"\1"


def parse_describe_configs_v1(data):
    """(error, message, {config: (value, source, [(synonym, value, source)])}) of its one resource."""
    p = 4  # past the throttle time

    def take(fmt):
        nonlocal p
        v = struct.unpack_from(fmt, data, p)
        p += struct.calcsize(fmt)
        return v[0] if len(v) == 1 else v

    def text():
        nonlocal p
        n = take(">h")
        if n < 0:
            return None
        p += n
        return data[p - n:p].decode()
    assert take(">i") == 1
    err, message = take(">h"), text()
    take(">b")
    text()
    configs = {}
    for _ in range(take(">i")):
        key, value = text(), text()
        _, source, _ = take(">bbb")
        synonyms = []
        for _ in range(take(">i")):
            synonyms.append((text(), text(), take(">b")))
        configs[key] = (value, source, synonyms)
    return err, message, configs


def parse_alter_configs_v0(data):
    """[(error, message, resource type, name)] of an (Incremental)AlterConfigs v0 response."""
    (n,) = struct.unpack_from(">i", data, 4)
    p, out = 8, []
    for _ in range(n):
        err, mlen = struct.unpack_from(">hh", data, p)
        p += 4
        message = data[p:p + max(mlen, 0)].decode() if mlen >= 0 else None
        p += max(mlen, 0)
        rtype, nlen = struct.unpack_from(">bh", data, p)
        p += 3
        out.append((err, message, rtype, data[p:p + nlen].decode()))
        p += nlen
    return out


def delete_records_v1(topic, partitions, timeout=5000):
    """DeleteRecords v1 body: [topic [partition offset]], timeout."""
    return array([string(topic) + array([struct.pack(">iq", p, off) for p, off in partitions])]) + \
        struct.pack(">i", timeout)


def parse_delete_records_v1(data):
    """[(topic, partition, low watermark, error)] of a DeleteRecords v1 response."""
    return topic_rows(data, 4, ">iqh")


# ---- flexible versions (compact strings and arrays, tagged fields) --------------

def compact(s):
    """A compact string (or bytes): uvarint(length + 1), then the bytes."""
    b = s.encode() if isinstance(s, str) else s
    return uvarint(len(b) + 1) + b


def call_flexible(port, key, version, body):
    """Send one request with the flexible header (v2: an empty tagged-field
    section) on a fresh connection; a Flex over the response body, its
    header's tagged fields already read."""
    header = struct.pack(">hhi", key, version, 1) + string("raw") + b"\0"
    conn = Conn(port)
    try:
        conn.sock.sendall(struct.pack(">i", len(header) + len(body)) + header + body)
        _, data = conn.recv()
    finally:
        conn.close()
    r = Flex(data)
    r.tags()
    return r


class Flex:
    """Reads a flexible (compact) response body, field by field."""

    def __init__(self, data):
        self.data, self.p = data, 0

    def uvarint(self):
        n = shift = 0
        while True:
            b = self.data[self.p]
            self.p += 1
            n |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return n

    def take(self, fmt):
        (v,) = struct.unpack_from(fmt, self.data, self.p)
        self.p += struct.calcsize(fmt)
        return v

    def str(self):
        n = self.uvarint() - 1
        s = self.data[self.p:self.p + max(n, 0)].decode() if n >= 0 else None
        self.p += max(n, 0)
        return s

    def array(self, each):
        return [each() for _ in range(self.uvarint() - 1)]

    def tags(self):
        assert self.uvarint() == 0


def init_producer_id_v3(port, txn_id, producer_id=-1, epoch=-1, timeout_ms=60000):
    """InitProducerId v3 (KIP-360: the producer names its current id and
    epoch): (error, producer id, epoch)."""
    body = compact(txn_id) + struct.pack(">iqh", timeout_ms, producer_id, epoch) + b"\0"
    r = call_flexible(port, 22, 3, body)
    r.take(">i")
    return r.take(">h"), r.take(">q"), r.take(">h")


def offset_fetch_v7(port, group, topic, partitions, require_stable=True):
    """OffsetFetch v7 (KIP-447's require_stable): {(topic, partition): (offset, error)}."""
    body = compact(group) + uvarint(2) + compact(topic) + uvarint(len(partitions) + 1)
    body += b"".join(struct.pack(">i", p) for p in partitions) + b"\0"
    r = call_flexible(port, 9, 7, body + struct.pack(">b", 1 if require_stable else 0) + b"\0")
    r.take(">i")
    out = {}

    def partition(name):
        index, offset = r.take(">i"), r.take(">q")
        r.take(">i")  # the leader epoch
        r.str()
        out[(name, index)] = (offset, r.take(">h"))
        r.tags()

    def one_topic():
        name = r.str()
        r.array(lambda: partition(name))
        r.tags()

    r.array(one_topic)
    return out


# ---- the transactions coordinators hold (KIP-664) --------------------------------

def list_transactions(port, states=(), producer_ids=(), duration_ms=None):
    """ListTransactions (v1 with a duration filter, else v0):
    (error, unknown state filters, {transactional id: (producer id, state)})."""
    body = uvarint(len(states) + 1) + b"".join(compact(s) for s in states)
    body += uvarint(len(producer_ids) + 1) + b"".join(struct.pack(">q", p) for p in producer_ids)
    version = 0
    if duration_ms is not None:
        body += struct.pack(">q", duration_ms)
        version = 1
    r = call_flexible(port, 66, version, body + b"\0")
    r.take(">i")
    error = r.take(">h")
    unknown = r.array(r.str)
    out = {}

    def one():
        tid, pid, state = r.str(), r.take(">q"), r.str()
        r.tags()
        out[tid] = (pid, state)

    r.array(one)
    return error, unknown, out


def describe_transactions(port, ids):
    """DescribeTransactions v0: {id: (error, state, timeout ms, start ms,
    producer id, epoch, {topic: [partitions]})}."""
    body = uvarint(len(ids) + 1) + b"".join(compact(i) for i in ids) + b"\0"
    r = call_flexible(port, 65, 0, body)
    r.take(">i")
    out = {}

    def one():
        err, tid, state = r.take(">h"), r.str(), r.str()
        timeout, start, pid, epoch = r.take(">i"), r.take(">q"), r.take(">q"), r.take(">i")
        topics = {}

        def topic():
            name = r.str()
            topics[name] = r.array(lambda: r.take(">i"))
            r.tags()

        r.array(topic)
        r.tags()
        out[tid] = (err, state, timeout, start, pid, epoch, topics)

    r.array(one)
    return out


# ---- partition reassignments (KIP-455) -------------------------------------------

def alter_reassignments_v0(port, moves, timeout_ms=10000):
    """AlterPartitionReassignments v0: moves [(topic, partition, replicas or
    None to cancel)]; (request error, {(topic, partition): (error, message)})."""
    by_topic = {}
    for t, p, replicas in moves:
        by_topic.setdefault(t, []).append((p, replicas))
    body = struct.pack(">i", timeout_ms) + uvarint(len(by_topic) + 1)
    for t, parts in by_topic.items():
        body += compact(t) + uvarint(len(parts) + 1)
        for p, replicas in parts:
            body += struct.pack(">i", p)
            if replicas is None:
                body += uvarint(0)
            else:
                body += uvarint(len(replicas) + 1) + b"".join(struct.pack(">i", r) for r in replicas)
            body += b"\0"
        body += b"\0"
    r = call_flexible(port, 45, 0, body + b"\0")
    r.take(">i")
    error = r.take(">h")
    r.str()
    out = {}

    def partition(topic):
        index, err, message = r.take(">i"), r.take(">h"), r.str()
        r.tags()
        out[(topic, index)] = (err, message)

    def topic():
        name = r.str()
        r.array(lambda: partition(name))
        r.tags()
    r.array(topic)
    return error, out


def list_reassignments_v0(port, topics=None):
    """ListPartitionReassignments v0: (error, {(topic, partition): (replicas,
    adding, removing)}); topics None lists every one."""
    body = struct.pack(">i", 10000)
    if topics is None:
        body += uvarint(0)
    else:
        body += uvarint(len(topics) + 1)
        for t, parts in topics:
            body += compact(t) + uvarint(len(parts) + 1) + b"".join(struct.pack(">i", p) for p in parts) + b"\0"
    r = call_flexible(port, 46, 0, body + b"\0")
    r.take(">i")
    error = r.take(">h")
    r.str()
    out = {}

    def ids():
        return r.array(lambda: r.take(">i"))

    def partition(topic):
        index = r.take(">i")
        out[(topic, index)] = (ids(), ids(), ids())
        r.tags()

    def topic():
        name = r.str()
        r.array(lambda: partition(name))
        r.tags()
    r.array(topic)
    return error, out


# ---- client quotas (KIP-546) -----------------------------------------------------

def _entity(parts):
    return array([string(t) + string(n) for t, n in parts])


def alter_client_quotas_v0(entries, validate_only=False):
    """AlterClientQuotas v0 body: entries [(entity [(type, name or None)], ops [(key, value, remove)])]."""
    body = array([_entity(parts) + array([string(k) + struct.pack(">d?", float(v), bool(rm)) for k, v, rm in ops])
                  for parts, ops in entries])
    return body + struct.pack(">?", validate_only)


class _Reader:
    def __init__(self, data, at=0):
        self.data, self.at = data, at

    def take(self, fmt):
        v = struct.unpack_from(fmt, self.data, self.at)
        self.at += struct.calcsize(fmt)
        return v[0] if len(v) == 1 else v

    def text(self):
        n = self.take(">h")
        if n < 0:
            return None
        self.at += n
        return self.data[self.at - n:self.at].decode()

    def entity(self):
        return [(self.text(), self.text()) for _ in range(self.take(">i"))]


def parse_alter_client_quotas_v0(data):
    """[(error, message, entity)] per entry."""
    r = _Reader(data, 4)  # past the throttle time
    return [(r.take(">h"), r.text(), r.entity()) for _ in range(r.take(">i"))]


def describe_client_quotas_v0(components, strict=False):
    """DescribeClientQuotas v0 body: components [(entity type, match type, match or None)]."""
    return array([string(t) + struct.pack(">b", m) + string(n) for t, m, n in components]) + \
        struct.pack(">?", strict)


def parse_describe_client_quotas_v0(data):
    """(error, message, [(entity, {key: value})])."""
    r = _Reader(data, 4)
    err, message = r.take(">h"), r.text()
    n = r.take(">i")
    entries = []
    for _ in range(max(n, 0)):
        entity = r.entity()
        values = {}
        for _ in range(r.take(">i")):
            key = r.text()
            values[key] = r.take(">d")
        entries.append((entity, values))
    return err, message, entries


def write_txn_markers_v0(markers):
    """WriteTxnMarkers v0 body from [(producer_id, epoch, commit, {topic: [partitions]}, coordinator_epoch)]."""
    def one(m):
        pid, epoch, commit, topics, coordinator_epoch = m
        ts = [string(t) + array([struct.pack(">i", p) for p in parts]) for t, parts in topics.items()]
        return struct.pack(">qhb", pid, epoch, 1 if commit else 0) + array(ts) + struct.pack(">i", coordinator_epoch)
    return array([one(m) for m in markers])


def parse_write_txn_markers_v0(data):
    """{(producer_id, topic, partition): error} of a WriteTxnMarkers v0 response."""
    out, r = {}, _Reader(data)
    for _ in range(r.take(">i")):
        pid = r.take(">q")
        for _ in range(r.take(">i")):
            topic = r.text()
            for _ in range(r.take(">i")):
                partition, err = r.take(">i"), r.take(">h")
                out[(pid, topic, partition)] = err
    return out


def write_txn_markers(port, markers):
    conn = Conn(port)
    try:
        return parse_write_txn_markers_v0(conn.call(27, 0, write_txn_markers_v0(markers)))
    finally:
        conn.close()
