/* validate_bench: what checking a produced batch's records costs
 * (core/log/batch_validate.c, issue 12), against the CRC32C the broker already
 * computed over the same bytes before it (the reference, in the same run).
 * Prints a Markdown table: per case, GB/s of the CRC check and of the
 * record validation (decompression included for compressed batches), and
 * validation's time as a multiple of the CRC's.
 *
 *   validate_bench [MIB]      bytes validated per case (default 256)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lz4frame.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include "record_batch.h"
#include "batch_validate.h"
#include "compression.h"
#include "crc32c.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* An uncompressed batch of `count` records of `size` value bytes: words
 * drawn at random, so that codecs compress it about as much as JSON
 * events (3-5x), not the hundredfold of a repeated pattern. */
static void build(int count, int size, const uint8_t **data, size_t *len, brook_batch_builder **b)
{
    static const char *const words[] = {"{\"user\":", "\"event\":", "\"click\"", "\"view\"", "\"page\":", "\"/home\"",
                                        "\"/cart\"",  ",",          "}",         "12345",    "67",        "\"ts\":",
                                        "1700000000", "\"ok\"",     "true",      "false",    "null",      "\"id\":"};
    uint32_t seed = 12345;
    brook_batch_builder_new(b);
    char *value = malloc((size_t)size);
    for (int i = 0; i < count; i++) {
        for (int k = 0; k < size;) {
            seed = seed * 1103515245u + 12345u;
            const char *w = words[(seed >> 16) % (sizeof words / sizeof words[0])];
            for (size_t j = 0; w[j] && k < size; j++)
                value[k++] = w[j];
            if (k < size && (seed & 0x100))
                value[k++] = (char)('0' + (seed >> 24) % 10);
        }
        brook_record r = {
            .timestamp = 1700000000000 + i, .key = NULL, .key_len = -1, .value = (uint8_t *)value, .value_len = size};
        brook_batch_builder_add(*b, &r, NULL, 0);
    }
    free(value);
    brook_batch_builder_finish(*b, data, len);
}

/* The same batch with its records compressed by `codec` (header rewritten, CRC recomputed). */
static uint8_t *compress_batch(const uint8_t *plain, size_t len, int codec, size_t *out_len)
{
    const uint8_t *records = plain + BROOK_BATCH_HEADER_SIZE;
    size_t rlen = len - BROOK_BATCH_HEADER_SIZE, cap = rlen + rlen / 2 + 65536, n = cap;
    uint8_t *out = malloc(BROOK_BATCH_HEADER_SIZE + cap), *dst = out + BROOK_BATCH_HEADER_SIZE;
    if (codec == BROOK_COMPRESSION_GZIP) {
        uLongf zn = (uLongf)cap;
        z_stream z = {0};
        deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
        z.next_in = (Bytef *)records;
        z.avail_in = (uInt)rlen;
        z.next_out = dst;
        z.avail_out = (uInt)zn;
        deflate(&z, Z_FINISH);
        n = z.total_out;
        deflateEnd(&z);
    } else if (codec == BROOK_COMPRESSION_SNAPPY) {
        snappy_compress((const char *)records, rlen, (char *)dst, &n);
    } else if (codec == BROOK_COMPRESSION_LZ4) {
        n = LZ4F_compressFrame(dst, cap, records, rlen, NULL);
    } else {
        n = ZSTD_compress(dst, cap, records, rlen, 3);
    }
    memcpy(out, plain, BROOK_BATCH_HEADER_SIZE);
    size_t size = BROOK_BATCH_HEADER_SIZE + n;
    brook_put_be32(out + BROOK_BATCH_OFF_LENGTH, (uint32_t)(size - BROOK_BATCH_LENGTH_BASE));
    brook_put_be16(out + BROOK_BATCH_OFF_ATTRIBUTES, (uint16_t)codec);
    brook_put_be32(out + BROOK_BATCH_OFF_CRC,
                   brook_crc32c(0, out + BROOK_BATCH_OFF_ATTRIBUTES, size - BROOK_BATCH_OFF_ATTRIBUTES));
    *out_len = size;
    return out;
}

/* Seconds per pass of check (CRC) and of validate, best of 3, over `passes` passes. */
static void measure(const uint8_t *batch, size_t len, int passes, double *check_s, double *validate_s)
{
    *check_s = *validate_s = 1e30;
    for (int round = 0; round < 3; round++) {
        brook_batch_info info;
        double t0 = now_s();
        for (int i = 0; i < passes; i++)
            if (brook_batch_check(batch, len, &info))
                abort();
        double t1 = now_s();
        for (int i = 0; i < passes; i++) {
            const char *why;
            if (brook_batch_validate(batch, &info, 64u << 20, 0, &why)) {
                fprintf(stderr, "validation failed: %s\n", why);
                abort();
            }
        }
        double t2 = now_s();
        if (t1 - t0 < *check_s)
            *check_s = t1 - t0;
        if (t2 - t1 < *validate_s)
            *validate_s = t2 - t1;
    }
}

int main(int argc, char **argv)
{
    double mib = argc > 1 ? atof(argv[1]) : 256;
    static const struct {
        const char *name;
        int count, size;
    } shapes[] = {{"100 B records", 10000, 100}, {"10 KiB records", 100, 10240}};
    printf("| batch (~1 MB of records) | codec | as received | CRC32C GB/s | validate GB/s of records | validate / CRC "
           "time |\n");
    printf("|---|---|---|---|---|---|\n");
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const uint8_t *plain;
        size_t plain_len;
        brook_batch_builder *b;
        build(shapes[s].count, shapes[s].size, &plain, &plain_len, &b);
        for (int codec = 0; codec <= BROOK_COMPRESSION_ZSTD; codec++) {
            size_t len = plain_len;
            uint8_t *packed = codec ? compress_batch(plain, plain_len, codec, &len) : NULL;
            const uint8_t *batch = packed ? packed : plain;
            int passes = (int)(mib * 1048576.0 / (double)plain_len) + 1;
            double check_s, validate_s;
            measure(batch, len, passes, &check_s, &validate_s);
            /* the CRC runs over the batch as received; validation's rate is
             * given in bytes of records, what a client sent before compressing */
            double received = (double)len * passes, records = (double)plain_len * passes;
            printf("| %s | %s | %.0f KB | %.2f | %.2f | %.1fx |\n", shapes[s].name, brook_compression_name(codec),
                   (double)len / 1000, received / check_s / 1e9, records / validate_s / 1e9, validate_s / check_s);
            free(packed);
        }
        brook_batch_builder_free(b);
    }
    return 0;
}
