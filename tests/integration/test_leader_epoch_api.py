"""Leader epochs on the Kafka wire, on one broker (the cluster's cases are
in test_cluster_hard_cases.py): OffsetForLeaderEpoch (23) says where an
epoch ends, ListOffsets v4 gives the epoch to keep with an offset, and a
request whose CurrentLeaderEpoch is not the partition's is fenced:
FENCED_LEADER_EPOCH (74) when older, UNKNOWN_LEADER_EPOCH (75) when newer.
Hand-made frames: none of the Debian clients sends these fields yet
(librdkafka learns KIP-320 in 2.1)."""
import struct
import unittest

from brooktest import BrokerTestCase, Native
import kafkawire as kw

FENCED_LEADER_EPOCH = 74
UNKNOWN_LEADER_EPOCH = 75
UNKNOWN_TOPIC_OR_PARTITION = 3
OFFSET_FOR_LEADER_EPOCH = 23
LIST_OFFSETS = 2
FETCH = 1
EARLIEST, LATEST = -2, -1


class LeaderEpochApi(BrokerTestCase):
    def setUp(self):
        super().setUp()
        self.ctl("topics", "create", "ep")
        n = Native(self.broker.port)
        r = n.call("produce", topic="ep", partition=0, records=[{"value": b"v%d" % i} for i in range(5)])
        self.assertEqual(r["error"], 0, r)
        n.close()
        self.conn = kw.Conn(self.broker.kafka_port)

    def tearDown(self):
        self.conn.close()
        super().tearDown()

    def epoch_end(self, topic, epoch, current=-1, partition=0):
        data = self.conn.call(OFFSET_FOR_LEADER_EPOCH, 3,
                              kw.offset_for_leader_epoch_v3(topic, partition, epoch, current))
        [(t, err, part, end_epoch, end_offset)] = kw.parse_offset_for_leader_epoch_v3(data)
        self.assertEqual((t, part), (topic, partition))
        return err, end_epoch, end_offset

    def test_api_versions_offers_offset_for_leader_epoch(self):
        data = self.conn.call(18, 0, b"")
        (err, n) = struct.unpack_from(">hi", data, 0)
        keys = {struct.unpack_from(">hhh", data, 6 + 6 * i)[0]: struct.unpack_from(">hhh", data, 6 + 6 * i)[1:]
                for i in range(n)}
        self.assertEqual(keys.get(OFFSET_FOR_LEADER_EPOCH), (0, 4))

    def test_the_current_epoch_ends_at_the_log_end(self):
        self.assertEqual(self.epoch_end("ep", 0), (0, 0, 5))
        self.assertEqual(self.epoch_end("ep", 0, current=0), (0, 0, 5))
        # a later epoch than any known: the newest there is, ending at the log end
        self.assertEqual(self.epoch_end("ep", 7), (0, 0, 5))

    def test_the_flexible_version_4_is_understood(self):
        self.conn.sock.sendall(kw.offset_for_leader_epoch_v4_frame(99, "ep", 0, 0, current_epoch=0))
        corr, data = self.conn.recv()
        self.assertEqual(corr, 99)
        self.assertEqual(kw.parse_offset_for_leader_epoch_v4(data), (0, 0, 0, 5))

    def test_a_current_epoch_the_partition_does_not_have_is_refused(self):
        self.assertEqual(self.epoch_end("ep", 0, current=1)[0], UNKNOWN_LEADER_EPOCH)
        self.assertEqual(self.epoch_end("nope", 0), (UNKNOWN_TOPIC_OR_PARTITION, -1, -1))

    def test_list_offsets_gives_the_epoch_of_the_offset(self):
        for ts, offset in ((EARLIEST, 0), (LATEST, 5)):
            data = self.conn.call(LIST_OFFSETS, 4, kw.list_offsets_v4("ep", 0, ts, current_epoch=0))
            [(_t, _p, err, _ts, got, epoch)] = kw.parse_list_offsets_v4(data)
            self.assertEqual((err, got, epoch), (0, offset, 0))
        data = self.conn.call(LIST_OFFSETS, 4, kw.list_offsets_v4("ep", 0, LATEST, current_epoch=3))
        self.assertEqual(kw.parse_list_offsets_v4(data)[0][2], UNKNOWN_LEADER_EPOCH)

    def test_a_fetch_from_a_newer_epoch_is_refused_and_the_current_one_served(self):
        self.assertEqual(kw.fetch_v11_error(self.conn.call(FETCH, 11, kw.fetch_v11("ep", 0, 0, current_epoch=1))),
                         (0, UNKNOWN_LEADER_EPOCH))
        self.assertEqual(kw.fetch_v11_error(self.conn.call(FETCH, 11, kw.fetch_v11("ep", 0, 0, current_epoch=0))),
                         (0, 0))
        self.assertEqual(kw.fetch_v11_error(self.conn.call(FETCH, 11, kw.fetch_v11("ep", 0, 0))), (0, 0))


if __name__ == "__main__":
    unittest.main()
