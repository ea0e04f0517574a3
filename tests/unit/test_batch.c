/* RecordBatch v2: CRC32C against known vectors, check() on good and bad
 * batches, builder -> iterator round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "record_batch.h"
#include "crc32c.h"

static void crc32c_known_vectors(void **state)
{
    (void)state;
    /* The CRC-32C check value, and RFC 3720 (iSCSI) B.4 vectors. */
    assert_int_equal(brook_crc32c(0, "123456789", 9), 0xe3069283u);
    uint8_t zeros[32] = {0}, ones[32], inc[32], dec[32];
    memset(ones, 0xff, sizeof ones);
    for (int i = 0; i < 32; i++) {
        inc[i] = (uint8_t)i;
        dec[i] = (uint8_t)(31 - i);
    }
    assert_int_equal(brook_crc32c(0, zeros, 32), 0x8a9136aau);
    assert_int_equal(brook_crc32c(0, ones, 32), 0x62a8ab43u);
    assert_int_equal(brook_crc32c(0, inc, 32), 0x46dd794eu);
    assert_int_equal(brook_crc32c(0, dec, 32), 0x113fdb5cu);
    /* Continuing a CRC equals computing it in one go, at every split. */
    for (size_t split = 0; split <= 9; split++)
        assert_int_equal(brook_crc32c(brook_crc32c(0, "123456789", split), "123456789" + split, 9 - split),
                         0xe3069283u);
    assert_int_equal(brook_crc32c(0, "", 0), 0);
}

/* The fast path (three interleaved chains over long blocks, folded with
 * precomputed shifts) against the portable one, at every length around the
 * block boundaries, from unaligned starts, and continued from any CRC. */
static void crc32c_fast_path_matches_the_portable_one(void **state)
{
    (void)state;
    size_t cap = 3 * 8192 * 2 + 3 * 256 * 2 + 64;
    uint8_t *buf = malloc(cap);
    uint32_t x = 12345;
    for (size_t i = 0; i < cap; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (uint8_t)(x >> 16);
    }
    size_t lens[] = {0,
                     1,
                     7,
                     8,
                     767,
                     768,
                     769,
                     1536,
                     3 * 8192 - 1,
                     3 * 8192,
                     3 * 8192 + 1,
                     3 * 8192 + 768 + 9,
                     2 * 3 * 8192 + 2 * 768 + 17};
    for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++)
        for (size_t off = 0; off < 4; off++) {
            assert_true(lens[l] + off <= cap);
            assert_int_equal(brook_crc32c(0, buf + off, lens[l]), brook_crc32c_portable(0, buf + off, lens[l]));
            assert_int_equal(brook_crc32c(0xdeadbeefu, buf + off, lens[l]),
                             brook_crc32c_portable(0xdeadbeefu, buf + off, lens[l]));
        }
    assert_int_equal(brook_crc32c_portable(0, "123456789", 9), 0xe3069283u);
    free(buf);
}

static void build(brook_record *recs, size_t n, const brook_record_header *hdrs, size_t nh, const uint8_t **data,
                  size_t *len, brook_batch_builder **b)
{
    assert_int_equal(brook_batch_builder_new(b), BROOK_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(brook_batch_builder_add(*b, &recs[i], hdrs, nh), BROOK_OK);
    assert_int_equal(brook_batch_builder_finish(*b, data, len), BROOK_OK);
}

static void builder_iterator_round_trip(void **state)
{
    (void)state;
    uint8_t binary[256];
    for (int i = 0; i < 256; i++)
        binary[i] = (uint8_t)i;
    brook_record recs[3] = {
        {.timestamp = 1700000000000, .key = (const uint8_t *)"k1", .key_len = 2, .value = binary, .value_len = 256},
        {.timestamp = 1699999999000, .key = NULL, .key_len = -1, .value = (const uint8_t *)"", .value_len = 0},
        {.timestamp = 1700000005000, .key = (const uint8_t *)"", .key_len = 0, .value = NULL, .value_len = -1},
    };
    brook_record_header hdr[2] = {{(const uint8_t *)"h", 1, (const uint8_t *)"v", 1},
                                  {(const uint8_t *)"n", 1, NULL, -1}};
    const uint8_t *data;
    size_t len;
    brook_batch_builder *b;
    build(recs, 3, hdr, 2, &data, &len, &b);

    brook_batch_info info;
    assert_int_equal(brook_batch_check(data, len, &info), BROOK_OK);
    assert_int_equal(info.size, len);
    assert_int_equal(info.record_count, 3);
    assert_int_equal(info.base_offset, 0);
    assert_int_equal(info.last_offset, 2);
    assert_int_equal(info.base_timestamp, 1700000000000);
    assert_int_equal(info.max_timestamp, 1700000005000);
    assert_int_equal(info.producer_id, -1);

    brook_batch_iter it;
    brook_record r;
    assert_int_equal(brook_batch_iter_init(&it, data, len), BROOK_OK);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(brook_batch_iter_next(&it, &r), BROOK_OK);
        assert_int_equal(r.offset, i);
        assert_int_equal(r.timestamp, recs[i].timestamp);
        assert_int_equal(r.key_len, recs[i].key_len);
        assert_int_equal(r.value_len, recs[i].value_len);
        if (r.key_len > 0)
            assert_memory_equal(r.key, recs[i].key, (size_t)r.key_len);
        if (r.value_len > 0)
            assert_memory_equal(r.value, recs[i].value, (size_t)r.value_len);
        assert_int_equal(r.header_count, 2);
        const uint8_t *p = r.headers;
        brook_record_header h;
        assert_int_equal(brook_batch_header_next(&p, r.headers + r.headers_len, &h), BROOK_OK);
        assert_int_equal(h.key_len, 1);
        assert_memory_equal(h.value, "v", 1);
        assert_int_equal(brook_batch_header_next(&p, r.headers + r.headers_len, &h), BROOK_OK);
        assert_int_equal(h.value_len, -1);
    }
    assert_int_equal(brook_batch_iter_next(&it, &r), BROOK_ERR_NOT_FOUND);
    brook_batch_builder_free(b);
}

static void check_rejects_damage(void **state)
{
    (void)state;
    brook_record rec = {.timestamp = 1, .key_len = -1, .value = (const uint8_t *)"hello", .value_len = 5};
    const uint8_t *data;
    size_t len;
    brook_batch_builder *b;
    build(&rec, 1, NULL, 0, &data, &len, &b);
    uint8_t *copy = malloc(len);
    brook_batch_info info;

    /* every truncation is "need more bytes", never a crash or an accept */
    for (size_t cut = 0; cut < len; cut++)
        assert_int_equal(brook_batch_check(data, cut, &info), BROOK_ERR_AGAIN);
    /* any flipped bit in the CRC-covered area fails the CRC */
    for (size_t pos = BROOK_BATCH_OFF_ATTRIBUTES; pos < len; pos++) {
        memcpy(copy, data, len);
        copy[pos] ^= 0x10;
        assert_int_equal(brook_batch_check(copy, len, &info), BROOK_ERR_CORRUPT);
    }
    /* wrong magic */
    memcpy(copy, data, len);
    copy[BROOK_BATCH_OFF_MAGIC] = 1;
    assert_int_equal(brook_batch_check(copy, len, &info), BROOK_ERR_CORRUPT);
    /* batchLength smaller than a header, and absurdly large */
    memcpy(copy, data, len);
    brook_put_be32(copy + BROOK_BATCH_OFF_LENGTH, 10);
    assert_int_equal(brook_batch_check(copy, len, &info), BROOK_ERR_CORRUPT);
    brook_put_be32(copy + BROOK_BATCH_OFF_LENGTH, 0xfffffff0u);
    assert_int_equal(brook_batch_check(copy, len, &info), BROOK_ERR_CORRUPT);
    /* baseOffset is outside the CRC: rewriting it keeps the batch valid */
    memcpy(copy, data, len);
    brook_put_be64(copy, 123456);
    assert_int_equal(brook_batch_check(copy, len, &info), BROOK_OK);
    assert_int_equal(info.base_offset, 123456);
    free(copy);
    brook_batch_builder_free(b);
}

static void iterator_rejects_compressed_and_bad_records(void **state)
{
    (void)state;
    brook_record rec = {.timestamp = 1, .key_len = -1, .value = (const uint8_t *)"hello", .value_len = 5};
    const uint8_t *data;
    size_t len;
    brook_batch_builder *b;
    build(&rec, 1, NULL, 0, &data, &len, &b);
    uint8_t *copy = malloc(len);
    brook_batch_iter it;
    brook_record r;

    /* gzip attribute with a fixed CRC: iteration refuses, check accepts */
    memcpy(copy, data, len);
    brook_put_be16(copy + BROOK_BATCH_OFF_ATTRIBUTES, 1);
    brook_put_be32(copy + BROOK_BATCH_OFF_CRC,
                   brook_crc32c(0, copy + BROOK_BATCH_OFF_ATTRIBUTES, len - BROOK_BATCH_OFF_ATTRIBUTES));
    assert_int_equal(brook_batch_check(copy, len, NULL), BROOK_OK);
    assert_int_equal(brook_batch_iter_init(&it, copy, len), BROOK_ERR_UNSUPPORTED);

    /* a record whose length varint overruns the batch (CRC fixed up) */
    memcpy(copy, data, len);
    copy[BROOK_BATCH_HEADER_SIZE] = 0x7e; /* zigzag 63: longer than what follows */
    brook_put_be32(copy + BROOK_BATCH_OFF_CRC,
                   brook_crc32c(0, copy + BROOK_BATCH_OFF_ATTRIBUTES, len - BROOK_BATCH_OFF_ATTRIBUTES));
    assert_int_equal(brook_batch_iter_init(&it, copy, len), BROOK_OK);
    assert_int_equal(brook_batch_iter_next(&it, &r), BROOK_ERR_CORRUPT);

    /* a record count larger than the records present */
    memcpy(copy, data, len);
    brook_put_be32(copy + BROOK_BATCH_OFF_RECORD_COUNT, 2);
    brook_put_be32(copy + BROOK_BATCH_OFF_CRC,
                   brook_crc32c(0, copy + BROOK_BATCH_OFF_ATTRIBUTES, len - BROOK_BATCH_OFF_ATTRIBUTES));
    assert_int_equal(brook_batch_iter_init(&it, copy, len), BROOK_OK);
    assert_int_equal(brook_batch_iter_next(&it, &r), BROOK_OK);
    assert_int_equal(brook_batch_iter_next(&it, &r), BROOK_ERR_CORRUPT);
    free(copy);
    brook_batch_builder_free(b);
}

static void builder_refuses_empty_and_invalid(void **state)
{
    (void)state;
    brook_batch_builder *b;
    const uint8_t *data;
    size_t len;
    assert_int_equal(brook_batch_builder_new(&b), BROOK_OK);
    assert_int_equal(brook_batch_builder_finish(b, &data, &len), BROOK_ERR_INVALID);
    brook_record bad = {.key_len = -2, .value_len = 0};
    assert_int_equal(brook_batch_builder_add(b, &bad, NULL, 0), BROOK_ERR_INVALID);
    brook_batch_builder_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crc32c_known_vectors),
        cmocka_unit_test(crc32c_fast_path_matches_the_portable_one),
        cmocka_unit_test(builder_iterator_round_trip),
        cmocka_unit_test(check_rejects_damage),
        cmocka_unit_test(iterator_rejects_compressed_and_bad_records),
        cmocka_unit_test(builder_refuses_empty_and_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
