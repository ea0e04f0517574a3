#include "compression.h"

#include <stdlib.h>
#include <string.h>

#include <lz4frame.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

/* zstd frames may ask for windows up to 2 GiB; Kafka clients' levels use at
 * most 8 MiB (level 19: 2^23). 2^25 leaves room and bounds what a hostile
 * frame can make the decoder allocate. */
#define ZSTD_WINDOW_LOG_MAX 25

const char *brook_compression_name(int codec)
{
    switch (codec) {
    case BROOK_COMPRESSION_NONE: return "none";
    case BROOK_COMPRESSION_GZIP: return "gzip";
    case BROOK_COMPRESSION_SNAPPY: return "snappy";
    case BROOK_COMPRESSION_LZ4: return "lz4";
    case BROOK_COMPRESSION_ZSTD: return "zstd";
    }
    return "unknown";
}

/* ---- the output: grows geometrically, never past its cap ---------------- */

typedef struct out_buf {
    uint8_t *data;
    size_t len, size, cap;
} out_buf;

/* Room for `need` more bytes at o->data + o->len, doubling (from `hint`
 * bytes, at least 4 KiB, the first time) but never past the cap. */
static brook_err out_reserve(out_buf *o, size_t need, size_t hint)
{
    if (need <= o->size - o->len)
        return BROOK_OK;
    if (need > o->cap - o->len)
        return BROOK_ERR_TOO_LARGE;
    size_t want = o->size ? o->size * 2 : (hint > 4096 ? hint : 4096);
    if (want < o->len + need)
        want = o->len + need;
    if (want > o->cap)
        want = o->cap;
    uint8_t *p = realloc(o->data, want);
    if (!p)
        return BROOK_ERR_NOMEM;
    o->data = p;
    o->size = want;
    return BROOK_OK;
}

/* Room for at least one more byte, for the streaming decoders. */
static brook_err out_room(out_buf *o, size_t hint)
{
    return out_reserve(o, 1, hint);
}

/* ---- gzip --------------------------------------------------------------- */

static brook_err gunzip(const uint8_t *in, size_t len, out_buf *o, const char **why)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 15 + 32) != Z_OK) /* +32: gzip or zlib header */
        return BROOK_ERR_NOMEM;
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)(len > UINT32_MAX ? UINT32_MAX : len);
    brook_err e = BROOK_OK;
    for (;;) {
        if ((e = out_room(o, len * 4)))
            break;
        z.next_out = o->data + o->len;
        z.avail_out = (uInt)(o->size - o->len > UINT32_MAX ? UINT32_MAX : o->size - o->len);
        uInt before = z.avail_out;
        int rc = inflate(&z, Z_NO_FLUSH);
        o->len += before - z.avail_out;
        if (rc == Z_STREAM_END)
            break;
        if (rc == Z_BUF_ERROR && z.avail_in == 0) {
            *why = "gzip data ends before its stream does";
            e = BROOK_ERR_CORRUPT;
            break;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            *why = "not valid gzip data";
            e = rc == Z_MEM_ERROR ? BROOK_ERR_NOMEM : BROOK_ERR_CORRUPT;
            break;
        }
    }
    inflateEnd(&z);
    return e;
}

/* ---- snappy ------------------------------------------------------------- */

static brook_err snappy_block(const uint8_t *in, size_t len, out_buf *o, const char **why)
{
    size_t n;
    if (snappy_uncompressed_length((const char *)in, len, &n) != SNAPPY_OK) {
        *why = "not valid snappy data";
        return BROOK_ERR_CORRUPT;
    }
    if (n == 0)
        return BROOK_OK;
    brook_err e = out_reserve(o, n, n);
    if (e)
        return e;
    size_t got = n;
    if (snappy_uncompress((const char *)in, len, (char *)o->data + o->len, &got) != SNAPPY_OK || got != n) {
        *why = "not valid snappy data";
        return BROOK_ERR_CORRUPT;
    }
    o->len += n;
    return BROOK_OK;
}

/* Java clients write snappy-java's framing: a 16-byte header, then blocks
 * of [4-byte big-endian length][raw snappy]; librdkafka writes one raw
 * block. Both decode. */
static brook_err unsnappy(const uint8_t *in, size_t len, out_buf *o, const char **why)
{
    static const uint8_t xerial[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
    if (len < 16 || memcmp(in, xerial, sizeof xerial) != 0)
        return snappy_block(in, len, o, why);
    for (size_t pos = 16; pos < len;) {
        if (len - pos < 4) {
            *why = "snappy block length cut short";
            return BROOK_ERR_CORRUPT;
        }
        uint32_t n =
            ((uint32_t)in[pos] << 24) | ((uint32_t)in[pos + 1] << 16) | ((uint32_t)in[pos + 2] << 8) | in[pos + 3];
        pos += 4;
        if (n > len - pos) {
            *why = "snappy block runs past the batch";
            return BROOK_ERR_CORRUPT;
        }
        brook_err e = snappy_block(in + pos, n, o, why);
        if (e)
            return e;
        pos += n;
    }
    return BROOK_OK;
}

/* ---- lz4 ---------------------------------------------------------------- */

static brook_err unlz4(const uint8_t *in, size_t len, out_buf *o, const char **why)
{
    LZ4F_dctx *dctx;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION)))
        return BROOK_ERR_NOMEM;
    brook_err e = BROOK_OK;
    size_t pos = 0, rc = 1;
    while (rc != 0) { /* 0: the frame is complete */
        if ((e = out_room(o, len * 4)))
            break;
        size_t out_n = o->size - o->len, in_n = len - pos;
        rc = LZ4F_decompress(dctx, o->data + o->len, &out_n, in + pos, &in_n, NULL);
        if (LZ4F_isError(rc)) {
            *why = "not valid lz4 frame data";
            e = BROOK_ERR_CORRUPT;
            break;
        }
        o->len += out_n;
        pos += in_n;
        if (rc != 0 && in_n == 0 && out_n == 0) {
            *why = "lz4 data ends before its frame does";
            e = BROOK_ERR_CORRUPT;
            break;
        }
    }
    LZ4F_freeDecompressionContext(dctx);
    return e;
}

/* ---- zstd --------------------------------------------------------------- */

static brook_err unzstd(const uint8_t *in, size_t len, out_buf *o, const char **why)
{
    ZSTD_DCtx *dctx = ZSTD_createDCtx();
    if (!dctx)
        return BROOK_ERR_NOMEM;
    ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, ZSTD_WINDOW_LOG_MAX);
    ZSTD_inBuffer ib = {in, len, 0};
    brook_err e = BROOK_OK;
    size_t rc = 1;
    while (rc != 0) { /* 0: a frame is complete and flushed */
        if ((e = out_room(o, len * 4)))
            break;
        ZSTD_outBuffer ob = {o->data, o->size, o->len};
        size_t in_before = ib.pos, out_before = ob.pos;
        rc = ZSTD_decompressStream(dctx, &ob, &ib);
        o->len = ob.pos;
        if (ZSTD_isError(rc)) {
            *why = ZSTD_getErrorCode(rc) == ZSTD_error_frameParameter_windowTooLarge
                       ? "zstd frame asks for a window larger than 32 MiB"
                       : "not valid zstd data";
            e = BROOK_ERR_CORRUPT;
            break;
        }
        if (rc != 0 && ib.pos == in_before && ob.pos == out_before) {
            *why = "zstd data ends before its frame does";
            e = BROOK_ERR_CORRUPT;
            break;
        }
    }
    ZSTD_freeDCtx(dctx);
    return e;
}

brook_err brook_decompress(int codec, const uint8_t *in, size_t in_len, size_t cap, uint8_t **out, size_t *out_len,
                           const char **why)
{
    out_buf o = {NULL, 0, 0, cap};
    brook_err e;
    *out = NULL;
    *out_len = 0;
    *why = NULL;
    switch (codec) {
    case BROOK_COMPRESSION_GZIP: e = gunzip(in, in_len, &o, why); break;
    case BROOK_COMPRESSION_SNAPPY: e = unsnappy(in, in_len, &o, why); break;
    case BROOK_COMPRESSION_LZ4: e = unlz4(in, in_len, &o, why); break;
    case BROOK_COMPRESSION_ZSTD: e = unzstd(in, in_len, &o, why); break;
    default: *why = "unknown compression codec"; return BROOK_ERR_UNSUPPORTED;
    }
    if (e == BROOK_ERR_TOO_LARGE)
        *why = "decompressed records exceed the size limit";
    else if (e == BROOK_ERR_NOMEM && !*why)
        *why = "out of memory while decompressing";
    if (e) {
        free(o.data);
        return e;
    }
    *out = o.data;
    *out_len = o.len;
    return BROOK_OK;
}
