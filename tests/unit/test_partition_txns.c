/* Transactions as a partition's log sees them: a transactional batch opens
 * its producer's transaction and holds the last stable offset at its
 * first offset until a marker below the high watermark ends it; aborts
 * are listed for read_committed reads (and only the ones a read may hold
 * records of); markers fence older producer and coordinator epochs; a
 * producer in a transaction is never evicted; the table with its
 * transactions survives encoding, and format 1 (before transactions)
 * still decodes; marker batches built here parse back and pass the CRC. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "producer_state.h"
#include "record_batch.h"
#include "txn_marker.h"

static brook_batch_info data(int64_t pid, int16_t epoch, int32_t seq, int64_t offset, int32_t records, int txn)
{
    return (brook_batch_info){.producer_id = pid,
                              .producer_epoch = epoch,
                              .base_sequence = seq,
                              .base_offset = offset,
                              .last_offset = offset + records - 1,
                              .record_count = records,
                              .attributes = (int16_t)(txn ? BROOK_BATCH_ATTR_TRANSACTIONAL : 0)};
}

/* Append a marker through the whole path: built, checked, learnt. */
static void marker(brook_producers *ps, int64_t pid, int16_t epoch, int32_t coordinator_epoch, int commit,
                   int64_t offset)
{
    uint8_t batch[BROOK_TXN_MARKER_BYTES];
    brook_txn_marker_build(batch, pid, epoch, coordinator_epoch, commit, 1000);
    brook_put_be64(batch + BROOK_BATCH_OFF_BASE_OFFSET, (uint64_t)offset);
    brook_batch_info info;
    assert_int_equal(brook_batch_check(batch, sizeof batch, &info), BROOK_OK);
    assert_true(brook_batch_is_control(&info) && brook_batch_is_transactional(&info));
    brook_producers_learn(ps, batch, &info, 1000);
}

static void learn(brook_producers *ps, brook_batch_info b)
{
    brook_producers_learn(ps, NULL, &b, 1000);
}

typedef struct seen {
    brook_aborted_entry e[8];
    size_t n;
} seen;

static void collect(void *arg, const brook_aborted_entry *a)
{
    seen *s = arg;
    s->e[s->n++] = *a;
}

static void last_stable_offset_follows_open_transactions(void **state)
{
    (void)state;
    brook_producers *ps = brook_producers_new(100, 0);
    learn(ps, data(-1, -1, -1, 0, 10, 0)); /* plain records: stable once committed */
    assert_int_equal(brook_producers_last_stable(ps, 0, 10), 10);
    learn(ps, data(7, 0, 0, 10, 5, 1)); /* producer 7's transaction opens at 10 */
    learn(ps, data(8, 0, 0, 15, 5, 1)); /* and 8's at 15 */
    learn(ps, data(7, 0, 5, 20, 5, 1)); /* more of 7's: still open at 10 */
    assert_int_equal(brook_producers_last_stable(ps, 0, 25), 10);
    assert_int_equal(brook_producers_last_stable(ps, 0, 5), 5); /* never past the high watermark */
    marker(ps, 7, 0, 0, 1, 25);                                 /* 7 commits at 25 */
    /* the marker is not committed yet: 7's records stay unstable */
    assert_int_equal(brook_producers_last_stable(ps, 0, 25), 10);
    assert_int_equal(brook_producers_last_stable(ps, 0, 26), 15); /* now only 8's holds it */
    marker(ps, 8, 0, 0, 0, 26);
    assert_int_equal(brook_producers_last_stable(ps, 0, 27), 27);
    /* a log start past an open transaction's first offset bounds it below */
    learn(ps, data(9, 0, 0, 27, 3, 1));
    assert_int_equal(brook_producers_last_stable(ps, 28, 30), 28);
    brook_producers_free(ps);
}

static void aborted_transactions_are_listed_for_the_reads_that_need_them(void **state)
{
    (void)state;
    brook_producers *ps = brook_producers_new(100, 0);
    learn(ps, data(1, 0, 0, 0, 100, 1)); /* a long transaction [0, 100] */
    learn(ps, data(2, 0, 0, 100, 5, 1)); /* short ones from producer 2 */
    marker(ps, 2, 0, 0, 0, 105);         /* aborted [100, 105] */
    learn(ps, data(2, 0, 5, 106, 5, 1));
    marker(ps, 2, 0, 0, 1, 111); /* committed: not listed */
    learn(ps, data(2, 0, 10, 112, 5, 1));
    marker(ps, 2, 0, 0, 0, 117); /* aborted [112, 117] */
    marker(ps, 1, 0, 0, 0, 118); /* the long one aborted [0, 118] */
    brook_txns *t = brook_producers_txns(ps);
    seen s = {0};
    /* a read of [0, 50): only the long one */
    assert_int_equal(brook_txns_aborted_in(t, 0, 50, collect, &s), 1);
    assert_int_equal(s.e[0].producer_id, 1);
    assert_int_equal(s.e[0].first_offset, 0);
    /* [101, 113): the first short abort (it ends inside), the second (it
     * begins inside) and the long one (it spans it) */
    s.n = 0;
    assert_int_equal(brook_txns_aborted_in(t, 101, 113, collect, &s), 3);
    assert_int_equal(s.e[0].first_offset, 100);
    assert_int_equal(s.e[1].first_offset, 112);
    assert_int_equal(s.e[2].first_offset, 0);
    /* [106, 112): only the long one (the first ended before, the second begins after) */
    s.n = 0;
    assert_int_equal(brook_txns_aborted_in(t, 106, 112, collect, &s), 1);
    assert_int_equal(s.e[0].producer_id, 1);
    /* past every abort: none; trimmed below the log start: gone */
    assert_int_equal(brook_txns_aborted_in(t, 119, 200, NULL, NULL), 0);
    brook_txns_trim(t, 106);
    assert_int_equal(brook_txns_aborted_in(t, 0, 200, NULL, NULL), 2);
    brook_producers_free(ps);
}

static void markers_fence_and_transactions_order_batches(void **state)
{
    (void)state;
    brook_producers *ps = brook_producers_new(100, 0);
    int64_t dup;
    learn(ps, data(5, 3, 0, 0, 2, 1));
    /* a plain batch from a producer in a transaction */
    brook_batch_info plain = data(5, 3, 2, 0, 1, 0);
    assert_int_equal(brook_producers_check(ps, &plain, &dup), BROOK_ERR_INVALID_TXN_STATE);
    brook_batch_info more = data(5, 3, 2, 0, 1, 1);
    assert_int_equal(brook_producers_check(ps, &more, &dup), BROOK_OK);
    /* markers: an older producer epoch is fenced, as is an older coordinator */
    assert_int_equal(brook_producers_check_marker(ps, 5, 2, 0), BROOK_ERR_INVALID_PRODUCER_EPOCH);
    assert_int_equal(brook_producers_check_marker(ps, 5, 3, 4), BROOK_OK);
    marker(ps, 5, 3, 4, 1, 2);
    assert_int_equal(brook_producers_check_marker(ps, 5, 3, 3), BROOK_ERR_TRANSACTION_COORDINATOR_FENCED);
    /* after its transaction, plain batches go on with the sequence */
    plain.base_sequence = 2;
    assert_int_equal(brook_producers_check(ps, &plain, &dup), BROOK_OK);
    /* a marker with a newer epoch (the coordinator fenced the producer on
     * a timeout): the old epoch is refused, the new one starts at 0 */
    learn(ps, data(5, 3, 2, 3, 1, 1));
    marker(ps, 5, 4, 4, 0, 4);
    brook_batch_info zombie = data(5, 3, 3, 0, 1, 1), fresh = data(5, 4, 0, 0, 1, 1), late = data(5, 4, 7, 0, 1, 1);
    assert_int_equal(brook_producers_check(ps, &zombie, &dup), BROOK_ERR_INVALID_PRODUCER_EPOCH);
    assert_int_equal(brook_producers_check(ps, &late, &dup), BROOK_ERR_OUT_OF_ORDER_SEQUENCE);
    assert_int_equal(brook_producers_check(ps, &fresh, &dup), BROOK_OK);
    assert_int_equal(brook_producers_last_stable(ps, 0, 5), 5);
    brook_producers_free(ps);
}

static void a_producer_in_a_transaction_is_never_forgotten(void **state)
{
    (void)state;
    brook_producers *ps = brook_producers_new(3, 1000);
    learn(ps, data(1, 0, 0, 0, 1, 1)); /* open, then idle */
    for (int64_t pid = 2; pid < 10; pid++) {
        brook_batch_info b = data(pid, 0, 0, pid, 1, 0);
        brook_producers_record(ps, &b, pid, 5000 + pid); /* past the expiration and the cap */
    }
    assert_int_equal(brook_producers_last_stable(ps, 0, 20), 0); /* still open */
    marker(ps, 1, 0, 0, 1, 20);
    assert_int_equal(brook_producers_last_stable(ps, 0, 21), 21); /* and ended by its marker */
    brook_producers_free(ps);
}

typedef struct views {
    brook_producer_view v[8];
    size_t n;
} views;

static void keep_view(void *arg, const brook_producer_view *v)
{
    views *vs = arg;
    vs->v[vs->n++] = *v;
}

static void transactions_survive_encoding(void **state)
{
    (void)state;
    brook_producers *ps = brook_producers_new(100, 0), *copy = brook_producers_new(100, 0);
    learn(ps, data(2, 0, 0, 5, 1, 1)); /* 2 opens at 5, before 1 */
    learn(ps, data(1, 0, 0, 6, 1, 1));
    learn(ps, data(3, 0, 0, 7, 1, 1));
    marker(ps, 3, 0, 9, 0, 8);         /* 3 aborted [7, 8] */
    learn(ps, data(1, 0, 1, 9, 1, 1)); /* 1 active last: first in activity order */
    brook_buf buf = {0};
    assert_int_equal(brook_producers_encode(ps, &buf), BROOK_OK);
    assert_int_equal(brook_producers_decode(copy, buf.data, buf.len, BROOK_PRODUCERS_FORMAT), BROOK_OK);
    assert_int_equal(brook_producers_last_stable(copy, 0, 10), 5);
    marker(copy, 2, 0, 0, 1, 10); /* 2 commits: 1's transaction (from 6) holds it now */
    assert_int_equal(brook_producers_last_stable(copy, 0, 11), 6);
    assert_int_equal(brook_txns_aborted_in(brook_producers_txns(copy), 0, 100, NULL, NULL), 1);
    views vs = {0};
    brook_producers_each(copy, keep_view, &vs);
    assert_int_equal(vs.n, 3);
    assert_int_equal(vs.v[0].id, 2); /* the marker made it the most recent */
    assert_int_equal(vs.v[1].id, 1);
    assert_int_equal(vs.v[1].txn_first_offset, 6);
    assert_int_equal(vs.v[2].id, 3);
    assert_int_equal(vs.v[2].coordinator_epoch, 9);
    assert_int_equal(vs.v[2].txn_first_offset, -1);
    /* format 1: producers only (what brookd wrote before transactions) */
    uint8_t v1[4 + 23] = {0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 42};
    v1[4 + 22] = 0;
    brook_producers *old = brook_producers_new(100, 0);
    assert_int_equal(brook_producers_decode(old, v1, sizeof v1, 1), BROOK_OK);
    assert_int_equal(brook_producers_count(old), 1);
    assert_int_equal(brook_producers_decode(copy, v1, sizeof v1, 3), BROOK_ERR_CORRUPT); /* a format to come */
    brook_producers_free(old);
    brook_buf_free(&buf);
    brook_producers_free(ps);
    brook_producers_free(copy);
}

static void marker_batches_parse_back(void **state)
{
    (void)state;
    uint8_t batch[BROOK_TXN_MARKER_BYTES];
    for (int commit = 0; commit <= 1; commit++) {
        brook_txn_marker_build(batch, 123456789, 17, 42, commit, 1700000000000);
        brook_batch_info info;
        assert_int_equal(brook_batch_check(batch, sizeof batch, &info), BROOK_OK);
        assert_int_equal(info.producer_id, 123456789);
        assert_int_equal(info.producer_epoch, 17);
        assert_int_equal(info.base_sequence, -1);
        assert_int_equal(info.record_count, 1);
        int c;
        int32_t ce;
        assert_int_equal(brook_txn_marker_parse(batch, &info, &c, &ce), BROOK_OK);
        assert_int_equal(c, commit);
        assert_int_equal(ce, 42);
    }
    /* a control record of a type Brook does not know is not a marker */
    brook_txn_marker_build(batch, 1, 0, 0, 1, 0);
    batch[BROOK_BATCH_HEADER_SIZE + 5 + 3] = 7; /* the key's type */
    brook_put_be32(batch + BROOK_BATCH_OFF_CRC, brook_batch_crc(batch, sizeof batch));
    brook_batch_info info;
    assert_int_equal(brook_batch_check(batch, sizeof batch, &info), BROOK_OK);
    int c;
    int32_t ce;
    assert_int_equal(brook_txn_marker_parse(batch, &info, &c, &ce), BROOK_ERR_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(last_stable_offset_follows_open_transactions),
        cmocka_unit_test(aborted_transactions_are_listed_for_the_reads_that_need_them),
        cmocka_unit_test(markers_fence_and_transactions_order_batches),
        cmocka_unit_test(a_producer_in_a_transaction_is_never_forgotten),
        cmocka_unit_test(transactions_survive_encoding),
        cmocka_unit_test(marker_batches_parse_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
