/* Kafka's log-validator checks of produced batches (batch_validate.c) and
 * the decompression helper under them (lib/compression): every defect the
 * hostile-client review found, each codec compressed by its own library
 * (snappy both raw and in the xerial framing Java clients write), truncated
 * and garbled streams, and a zip bomb refused at the cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <lz4frame.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include "record_batch.h"
#include "batch_validate.h"
#include "compression.h"
#include "crc32c.h"

#define CAP (1u << 20)

typedef struct bytes {
    uint8_t data[1 << 16];
    size_t len;
} bytes;

static void put_varlong(bytes *b, int64_t v)
{
    uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    while (z >= 0x80) {
        b->data[b->len++] = (uint8_t)(z | 0x80);
        z >>= 7;
    }
    b->data[b->len++] = (uint8_t)z;
}

static void put_raw(bytes *b, const void *p, size_t n)
{
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

/* A record with the given offset delta, key (NULL: none), value and no headers. */
static void put_keyed_record(bytes *records, int32_t offset_delta, const char *key, const char *value)
{
    bytes body = {.len = 0};
    body.data[body.len++] = 0; /* attributes */
    put_varlong(&body, 0);     /* timestamp delta */
    put_varlong(&body, offset_delta);
    put_varlong(&body, key ? (int64_t)strlen(key) : -1);
    if (key)
        put_raw(&body, key, strlen(key));
    put_varlong(&body, (int64_t)strlen(value));
    put_raw(&body, value, strlen(value));
    put_varlong(&body, 0); /* headers */
    put_varlong(records, (int64_t)body.len);
    put_raw(records, body.data, body.len);
}

static void put_record(bytes *records, int32_t offset_delta, const char *value)
{
    put_keyed_record(records, offset_delta, NULL, value);
}

static void records_of(bytes *records, int n)
{
    records->len = 0;
    for (int i = 0; i < n; i++)
        put_record(records, i, "value");
}

/* A batch around `records` (already compressed when codec != 0), with its
 * CRC right: what passes brook_batch_check. */
static size_t make_batch(uint8_t *out, const bytes *records, int32_t count, int32_t last_delta, int16_t attributes,
                         int64_t producer_id, int32_t base_sequence)
{
    memset(out, 0, BROOK_BATCH_HEADER_SIZE);
    brook_put_be32(out + BROOK_BATCH_OFF_LENGTH, (uint32_t)(BROOK_BATCH_HEADER_SIZE - 12 + records->len));
    out[BROOK_BATCH_OFF_MAGIC] = 2;
    brook_put_be16(out + BROOK_BATCH_OFF_ATTRIBUTES, (uint16_t)attributes);
    brook_put_be32(out + BROOK_BATCH_OFF_LAST_OFFSET_DELTA, (uint32_t)last_delta);
    brook_put_be64(out + BROOK_BATCH_OFF_BASE_TIMESTAMP, 1700000000000ull);
    brook_put_be64(out + BROOK_BATCH_OFF_MAX_TIMESTAMP, 1700000000000ull);
    brook_put_be64(out + BROOK_BATCH_OFF_PRODUCER_ID, (uint64_t)producer_id);
    brook_put_be16(out + BROOK_BATCH_OFF_PRODUCER_EPOCH, 0);
    brook_put_be32(out + BROOK_BATCH_OFF_BASE_SEQUENCE, (uint32_t)base_sequence);
    brook_put_be32(out + BROOK_BATCH_OFF_RECORD_COUNT, (uint32_t)count);
    memcpy(out + BROOK_BATCH_HEADER_SIZE, records->data, records->len);
    size_t size = BROOK_BATCH_HEADER_SIZE + records->len;
    brook_put_be32(out + BROOK_BATCH_OFF_CRC,
                   brook_crc32c(0, out + BROOK_BATCH_OFF_ATTRIBUTES, size - BROOK_BATCH_OFF_ATTRIBUTES));
    return size;
}

static const char *why;   /* the last validation's or decompression's reason */
static int keys_required; /* validating for a compacted topic */

/* Validate a batch made by make_batch; returns the error, `why` the reason. */
static brook_err validate(const bytes *records, int32_t count, int32_t last_delta, int16_t attributes,
                          int64_t producer_id, int32_t base_sequence)
{
    static uint8_t batch[sizeof(bytes) + 64];
    size_t len = make_batch(batch, records, count, last_delta, attributes, producer_id, base_sequence);
    brook_batch_info info;
    assert_int_equal(brook_batch_check(batch, len, &info), BROOK_OK); /* the CRC is right: only validation can say no */
    why = NULL;
    return brook_batch_validate(batch, &info, CAP, keys_required, &why);
}

static void assert_refused(brook_err got, brook_err want, const char *needle)
{
    assert_int_equal(got, want);
    assert_non_null(why);
    if (!strstr(why, needle))
        fail_msg("reason \"%s\" does not mention \"%s\"", why, needle);
}

static void well_formed_batches_pass(void **state)
{
    (void)state;
    bytes r;
    for (int n = 1; n <= 50; n += 7) {
        records_of(&r, n);
        assert_int_equal(validate(&r, n, n - 1, 0, -1, -1), BROOK_OK);
        assert_int_equal(validate(&r, n, n - 1, 0, 1234, 0), BROOK_OK); /* idempotent */
    }
}

static void a_compacted_topic_takes_only_keyed_records(void **state)
{
    (void)state;
    bytes r = {.len = 0};
    put_keyed_record(&r, 0, "k1", "v");
    put_keyed_record(&r, 1, "", "v"); /* an empty key is a key */
    keys_required = 1;
    assert_int_equal(validate(&r, 2, 1, 0, -1, -1), BROOK_OK);
    put_record(&r, 2, "v");
    assert_refused(validate(&r, 3, 2, 0, -1, -1), BROOK_ERR_INVALID_RECORD,
                   "compacted topic takes only records with keys");
    keys_required = 0;
    assert_int_equal(validate(&r, 3, 2, 0, -1, -1), BROOK_OK);
}

static void header_lies_are_refused(void **state)
{
    (void)state;
    bytes r;
    records_of(&r, 3);
    /* lastOffsetDelta = 2^31-1: offsets would jump by two billion */
    assert_refused(validate(&r, 3, INT32_MAX, 0, -1, -1), BROOK_ERR_INVALID_RECORD, "lastOffsetDelta");
    assert_refused(validate(&r, 3, 1, 0, -1, -1), BROOK_ERR_INVALID_RECORD, "lastOffsetDelta");
    /* a record count that lies, either way (lastOffsetDelta kept consistent with it) */
    assert_refused(validate(&r, 4, 3, 0, -1, -1), BROOK_ERR_INVALID_RECORD, "fewer records");
    assert_refused(validate(&r, 2, 1, 0, -1, -1), BROOK_ERR_INVALID_RECORD, "more record bytes");
    assert_refused(validate(&r, 3, 2, 0x20, -1, -1), BROOK_ERR_INVALID_RECORD, "control");
    /* a transactional batch needs its producer; with one it passes */
    assert_refused(validate(&r, 3, 2, 0x10, -1, -1), BROOK_ERR_INVALID_RECORD, "transactional");
    assert_int_equal(validate(&r, 3, 2, 0x10, 7, 0), BROOK_OK);
    assert_refused(validate(&r, 3, 2, 0, 7, -1), BROOK_ERR_INVALID_RECORD, "base sequence");
    assert_refused(validate(&r, 3, 2, 5, -1, -1), BROOK_ERR_CORRUPT, "compression codec");
}

static void malformed_records_are_refused(void **state)
{
    (void)state;
    bytes r;
    /* garbage where records should be */
    r.len = 0;
    for (int i = 0; i < 40; i++)
        r.data[r.len++] = (uint8_t)(0x9d * i + 0x37);
    assert_refused(validate(&r, 3, 2, 0, -1, -1), BROOK_ERR_INVALID_RECORD, "framing");
    /* offset deltas out of step */
    r.len = 0;
    put_record(&r, 0, "a");
    put_record(&r, 2, "b");
    assert_refused(validate(&r, 2, 1, 0, -1, -1), BROOK_ERR_INVALID_RECORD, "offset deltas");
    /* a varint that never ends */
    r.len = 0;
    put_record(&r, 0, "a");
    memset(r.data + r.len, 0xff, 12);
    r.len += 12;
    assert_refused(validate(&r, 2, 1, 0, -1, -1), BROOK_ERR_INVALID_RECORD, "framing");
    /* a record whose length runs past the batch */
    r.len = 0;
    put_record(&r, 0, "abcdef");
    r.len -= 2;
    assert_refused(validate(&r, 1, 0, 0, -1, -1), BROOK_ERR_INVALID_RECORD, "framing");
    /* a value length longer than its record */
    r.len = 0;
    put_record(&r, 0, "abc");
    r.data[5] = 0x40; /* the value's length varint: 32 */
    assert_refused(validate(&r, 1, 0, 0, -1, -1), BROOK_ERR_INVALID_RECORD, "framing");
}

/* ---- compressed batches ------------------------------------------------- */

static size_t gzip_compress(const bytes *in, uint8_t *out, size_t cap)
{
    z_stream z = {0};
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)in->data;
    z.avail_in = (uInt)in->len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t n = z.total_out;
    deflateEnd(&z);
    return n;
}

static size_t snappy_raw(const bytes *in, uint8_t *out, size_t cap)
{
    size_t n = cap;
    assert_int_equal(snappy_compress((const char *)in->data, in->len, (char *)out, &n), SNAPPY_OK);
    return n;
}

/* snappy-java's framing: header, then [length][raw block]s (two blocks here). */
static size_t snappy_xerial(const bytes *in, uint8_t *out, size_t cap)
{
    static const uint8_t header[16] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1};
    memcpy(out, header, 16);
    size_t pos = 16, half = in->len / 2;
    for (int i = 0; i < 2; i++) {
        size_t n = cap - pos - 4;
        const char *src = (const char *)in->data + (i ? half : 0);
        assert_int_equal(snappy_compress(src, i ? in->len - half : half, (char *)out + pos + 4, &n), SNAPPY_OK);
        brook_put_be32(out + pos, (uint32_t)n);
        pos += 4 + n;
    }
    return pos;
}

static size_t lz4_compress(const bytes *in, uint8_t *out, size_t cap)
{
    size_t n = LZ4F_compressFrame(out, cap, in->data, in->len, NULL);
    assert_false(LZ4F_isError(n));
    return n;
}

static size_t zstd_compress(const bytes *in, uint8_t *out, size_t cap)
{
    size_t n = ZSTD_compress(out, cap, in->data, in->len, 3);
    assert_false(ZSTD_isError(n));
    return n;
}

typedef size_t (*compress_fn)(const bytes *in, uint8_t *out, size_t cap);

static const struct {
    int codec;
    compress_fn compress;
} codecs[] = {
    {BROOK_COMPRESSION_GZIP, gzip_compress},   {BROOK_COMPRESSION_SNAPPY, snappy_raw},
    {BROOK_COMPRESSION_SNAPPY, snappy_xerial}, {BROOK_COMPRESSION_LZ4, lz4_compress},
    {BROOK_COMPRESSION_ZSTD, zstd_compress},
};

static void compressed_batches_are_checked_inside(void **state)
{
    (void)state;
    static bytes plain, packed;
    for (size_t c = 0; c < sizeof codecs / sizeof codecs[0]; c++) {
        int16_t attr = (int16_t)codecs[c].codec;
        records_of(&plain, 200);
        packed.len = codecs[c].compress(&plain, packed.data, sizeof packed.data);
        assert_int_equal(validate(&packed, 200, 199, attr, -1, -1), BROOK_OK);
        /* the count lies about what is inside */
        assert_refused(validate(&packed, 201, 200, attr, -1, -1), BROOK_ERR_INVALID_RECORD, "fewer records");
        /* garbage inside a valid stream */
        for (size_t i = 0; i < plain.len; i++)
            plain.data[i] = (uint8_t)(i * 131 + 7);
        packed.len = codecs[c].compress(&plain, packed.data, sizeof packed.data);
        assert_refused(validate(&packed, 200, 199, attr, -1, -1), BROOK_ERR_INVALID_RECORD, "framing");
        /* a stream cut short, and bytes that are no stream at all */
        records_of(&plain, 200);
        packed.len = codecs[c].compress(&plain, packed.data, sizeof packed.data);
        packed.len -= packed.len / 3;
        assert_int_equal(validate(&packed, 200, 199, attr, -1, -1), BROOK_ERR_CORRUPT);
        assert_non_null(why);
        memset(packed.data, 0x5a, 64);
        packed.len = 64;
        assert_int_equal(validate(&packed, 200, 199, attr, -1, -1), BROOK_ERR_CORRUPT);
    }
}

/* 1 GiB of zeros, gzip-compressed to ~1 MB: refused once the output
 * crosses the cap, without ever holding more than the cap. */
static void a_zip_bomb_stops_at_the_cap(void **state)
{
    (void)state;
    size_t out_cap = 2u << 20;
    uint8_t *bomb = malloc(out_cap), *zeros = calloc(1, 1u << 20);
    z_stream z = {0};
    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_out = bomb;
    z.avail_out = (uInt)out_cap;
    for (int i = 0; i < 1024; i++) {
        z.next_in = zeros;
        z.avail_in = 1u << 20;
        assert_int_equal(deflate(&z, i == 1023 ? Z_FINISH : Z_NO_FLUSH), i == 1023 ? Z_STREAM_END : Z_OK);
    }
    size_t len = z.total_out;
    deflateEnd(&z);
    uint8_t *out;
    size_t out_len;
    assert_int_equal(brook_decompress(BROOK_COMPRESSION_GZIP, bomb, len, 64u << 20, &out, &out_len, &why),
                     BROOK_ERR_TOO_LARGE);
    assert_null(out);
    assert_non_null(strstr(why, "size limit"));
    free(bomb);
    free(zeros);
}

static void empty_and_unknown_codecs(void **state)
{
    (void)state;
    uint8_t *out;
    size_t out_len;
    assert_int_equal(brook_decompress(7, (const uint8_t *)"x", 1, CAP, &out, &out_len, &why), BROOK_ERR_UNSUPPORTED);
    assert_int_equal(brook_decompress(BROOK_COMPRESSION_GZIP, (const uint8_t *)"", 0, CAP, &out, &out_len, &why),
                     BROOK_ERR_CORRUPT);
    assert_string_equal(brook_compression_name(BROOK_COMPRESSION_ZSTD), "zstd");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(well_formed_batches_pass),
        cmocka_unit_test(header_lies_are_refused),
        cmocka_unit_test(malformed_records_are_refused),
        cmocka_unit_test(compressed_batches_are_checked_inside),
        cmocka_unit_test(a_zip_bomb_stops_at_the_cap),
        cmocka_unit_test(empty_and_unknown_codecs),
        cmocka_unit_test(a_compacted_topic_takes_only_keyed_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
