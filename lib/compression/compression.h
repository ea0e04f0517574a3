/* Kafka's record compression codecs, decompression side: gzip (zlib),
 * snappy (raw, or the xerial framing Java clients write), lz4 (the frame
 * format) and zstd, each through its own library. Shared by the broker
 * (checking the records inside a compressed batch before storing it) and
 * brookctl (printing them).
 *
 * Everything is bounded: the output never exceeds `cap` bytes (a batch
 * that would is refused as soon as it crosses the cap, so a zip bomb costs
 * at most `cap` bytes of work), and the decoders' own memory is bounded too
 * (zstd's window is limited). */
#ifndef BROOK_COMPRESSION_H
#define BROOK_COMPRESSION_H

#include <stddef.h>
#include <stdint.h>

#include <brook/errors.h>

/* The codec ids of a RecordBatch's attributes, bits 0-2. */
typedef enum brook_compression {
    BROOK_COMPRESSION_NONE = 0,
    BROOK_COMPRESSION_GZIP = 1,
    BROOK_COMPRESSION_SNAPPY = 2,
    BROOK_COMPRESSION_LZ4 = 3,
    BROOK_COMPRESSION_ZSTD = 4,
} brook_compression;

/* "gzip", "snappy", ...; "unknown" for an id Kafka does not define. */
const char *brook_compression_name(int codec);

/* Decompress [in, in + in_len), compressed with `codec`, into a buffer the
 * caller frees (*out, *out_len bytes; *out is NULL on failure). Errors, with
 * a reason in *why (static text): BROOK_ERR_TOO_LARGE (more than `cap`
 * bytes), BROOK_ERR_CORRUPT (the data is not a valid stream of that codec,
 * or it ends early), BROOK_ERR_UNSUPPORTED (codec id 0 or above 4),
 * BROOK_ERR_NOMEM. */
brook_err brook_decompress(int codec, const uint8_t *in, size_t in_len, size_t cap, uint8_t **out, size_t *out_len,
                           const char **why);

#endif
