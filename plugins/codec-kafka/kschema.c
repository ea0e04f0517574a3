#include "kschema.h"

#include <stdlib.h>
#include <string.h>

#include <brook/batch.h>

/* ---- decoding ------------------------------------------------------------- */

typedef struct reader {
    const uint8_t *p;
    const uint8_t *end;
    const char *why;
    kalloc_fn alloc;
    void *ctx;
} reader;

static int fail(reader *r, const char *why)
{
    if (!r->why)
        r->why = why;
    return -1;
}

static int need(reader *r, size_t n)
{
    return (size_t)(r->end - r->p) >= n ? 0 : fail(r, "message cut short");
}

static int rd_int(reader *r, ktype t, int64_t *out)
{
    switch (t) {
    case KT_BOOL:
    case KT_INT8:
        if (need(r, 1))
            return -1;
        *out = t == KT_BOOL ? (r->p[0] != 0) : (int8_t)r->p[0];
        r->p += 1;
        return 0;
    case KT_INT16:
        if (need(r, 2))
            return -1;
        *out = (int16_t)brook_be16(r->p);
        r->p += 2;
        return 0;
    case KT_INT32:
        if (need(r, 4))
            return -1;
        *out = (int32_t)brook_be32(r->p);
        r->p += 4;
        return 0;
    case KT_INT64:
        if (need(r, 8))
            return -1;
        *out = (int64_t)brook_be64(r->p);
        r->p += 8;
        return 0;
    default: return fail(r, "not an integer type");
    }
}

static int rd_uvarint(reader *r, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (need(r, 1))
            return -1;
        uint8_t b = *r->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return fail(r, "varint too long");
}

/* A length prefix: int16/int32 classic (-1 = null) or compact uvarint (0 = null). */
static int rd_len(reader *r, int flexible, int wide, int64_t *len)
{
    if (flexible) {
        uint64_t u;
        if (rd_uvarint(r, &u))
            return -1;
        if (u > INT32_MAX)
            return fail(r, "length out of range");
        *len = (int64_t)u - 1;
        return 0;
    }
    return rd_int(r, wide ? KT_INT32 : KT_INT16, len);
}

static int rd_tags(reader *r)
{
    uint64_t n;
    if (rd_uvarint(r, &n))
        return -1;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t tag, size;
        if (rd_uvarint(r, &tag) || rd_uvarint(r, &size) || need(r, size))
            return fail(r, "bad tagged field");
        r->p += size; /* no tagged fields are understood yet: skip them */
    }
    return 0;
}

static int present(const kfield *f, int16_t v)
{
    return v >= f->min_ver && (f->max_ver == KV_ANY || v <= f->max_ver);
}

static int rd_struct(reader *r, const kfield *fields, uint16_t n, int16_t v, int flex, kval *out);

static int rd_value(reader *r, const kfield *f, ktype t, int16_t v, int flex, kval *out)
{
    int nullable = v >= f->nullable_from;
    int64_t len;
    switch (t) {
    case KT_STRING:
    case KT_BYTES:
    case KT_RECORDS:
        if (rd_len(r, flex, t != KT_STRING, &len))
            return -1;
        if (len < -1 || (len == -1 && !nullable))
            return fail(r, "negative length");
        if (len > 0 && need(r, (size_t)len))
            return -1;
        out->len = (int32_t)len;
        out->ptr = len >= 0 ? r->p : NULL;
        r->p += len > 0 ? len : 0;
        return 0;
    case KT_ARRAY:
    case KT_STRUCTS: {
        if (rd_len(r, flex, 1, &len))
            return -1;
        if (len < -1 || (len == -1 && !nullable))
            return fail(r, "negative array length");
        out->len = (int32_t)len;
        size_t width = t == KT_STRUCTS ? f->nfields : 1;
        out->width = (uint16_t)width;
        if (len <= 0)
            return 0;
        /* every element takes at least one byte: refuse absurd counts early */
        if (len > r->end - r->p)
            return fail(r, "array longer than the message");
        out->items = r->alloc(r->ctx, sizeof(kval) * width * (size_t)len);
        if (!out->items)
            return fail(r, "out of memory");
        for (int64_t k = 0; k < len; k++) {
            kval *el = out->items + (size_t)k * width;
            int rc = t == KT_STRUCTS ? rd_struct(r, f->fields, f->nfields, v, flex, el)
                                     : rd_value(r, f, f->elem, v, flex, el);
            if (rc)
                return -1;
        }
        return 0;
    }
    default: out->len = 0; return rd_int(r, t, &out->i);
    }
}

static int rd_struct(reader *r, const kfield *fields, uint16_t n, int16_t v, int flex, kval *out)
{
    for (uint16_t k = 0; k < n; k++) {
        const kfield *f = &fields[k];
        memset(&out[k], 0, sizeof out[k]);
        if (!present(f, v)) {
            out[k].i = f->def;
            out[k].len = (f->type >= KT_STRING) ? -1 : 0;
            continue;
        }
        if (rd_value(r, f, f->type, v, flex, &out[k]))
            return -1;
    }
    return flex ? rd_tags(r) : 0;
}

int kdecode(const kmsg *m, int16_t version, int flexible, const uint8_t **pos, const uint8_t *end, kval *out,
            kalloc_fn alloc, void *ctx, const char **why)
{
    reader r = {.p = *pos, .end = end, .alloc = alloc, .ctx = ctx};
    int rc = rd_struct(&r, m->fields, m->nfields, version, flexible, out);
    *pos = r.p;
    if (rc)
        *why = r.why ? r.why : "malformed message";
    return rc;
}

kval *knew(kalloc_fn alloc, void *ctx, size_t nfields, size_t count)
{
    return alloc(ctx, sizeof(kval) * nfields * (count ? count : 1));
}

/* ---- encoding ------------------------------------------------------------- */

void kout_put(kout *o, const void *data, size_t len)
{
    if (o->failed || len == 0)
        return;
    if (o->cap - o->len < len) {
        size_t cap = o->cap ? o->cap : 512;
        while (cap - o->len < len)
            cap *= 2;
        uint8_t *b = realloc(o->buf, cap);
        if (!b) {
            o->failed = 1;
            return;
        }
        o->buf = b;
        o->cap = cap;
    }
    memcpy(o->buf + o->len, data, len);
    o->len += len;
}

void kout_i8(kout *o, int8_t v)
{
    kout_put(o, &v, 1);
}

void kout_i16(kout *o, int16_t v)
{
    uint8_t b[2];
    brook_put_be16(b, (uint16_t)v);
    kout_put(o, b, 2);
}

void kout_i32(kout *o, int32_t v)
{
    uint8_t b[4];
    brook_put_be32(b, (uint32_t)v);
    kout_put(o, b, 4);
}

void kout_i64(kout *o, int64_t v)
{
    uint8_t b[8];
    brook_put_be64(b, (uint64_t)v);
    kout_put(o, b, 8);
}

void kout_uvarint(kout *o, uint64_t v)
{
    uint8_t b[10];
    size_t n = 0;
    while (v >= 0x80) {
        b[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    b[n++] = (uint8_t)v;
    kout_put(o, b, n);
}

void kout_flush(kout *o)
{
    if (!o->failed && o->len && o->w->write(o->w, o->buf, o->len))
        o->failed = 1;
    o->len = 0;
}

void kout_free(kout *o)
{
    free(o->buf);
    o->buf = NULL;
    o->len = o->cap = 0;
}

static void wr_len(kout *o, int flexible, int wide, int64_t len)
{
    if (flexible)
        kout_uvarint(o, (uint64_t)(len + 1));
    else if (wide)
        kout_i32(o, (int32_t)len);
    else
        kout_i16(o, (int16_t)len);
}

static void wr_struct(kout *o, const kfield *fields, uint16_t n, int16_t v, int flex, const kval *vals);

static void wr_value(kout *o, const kfield *f, ktype t, int16_t v, int flex, const kval *val)
{
    switch (t) {
    case KT_BOOL: kout_i8(o, val->i ? 1 : 0); return;
    case KT_INT8: kout_i8(o, (int8_t)val->i); return;
    case KT_INT16: kout_i16(o, (int16_t)val->i); return;
    case KT_INT32: kout_i32(o, (int32_t)val->i); return;
    case KT_INT64: kout_i64(o, val->i); return;
    case KT_STRING:
    case KT_BYTES: {
        int32_t len = val->len;
        if (len < 0 && v < f->nullable_from)
            len = 0; /* not nullable in this version: empty */
        wr_len(o, flex, t != KT_STRING, len);
        if (len > 0)
            kout_put(o, val->ptr, (size_t)len);
        return;
    }
    case KT_RECORDS: {
        size_t total = 0;
        for (size_t k = 0; k < val->nslices; k++)
            total += val->slices[k].len;
        if (val->len > 0 && val->ptr)
            total += (size_t)val->len;
        wr_len(o, flex, 1, (int64_t)total);
        if (val->len > 0 && val->ptr)
            kout_put(o, val->ptr, (size_t)val->len);
        if (val->nslices) {
            /* log data goes to the socket as slices: sendfile, no copy */
            kout_flush(o);
            for (size_t k = 0; k < val->nslices && !o->failed; k++)
                if (o->w->write_slice(o->w, &val->slices[k]))
                    o->failed = 1;
        }
        return;
    }
    case KT_ARRAY:
    case KT_STRUCTS: {
        int32_t len = val->len;
        if (len < 0 && v < f->nullable_from)
            len = 0;
        wr_len(o, flex, 1, len);
        size_t width = t == KT_STRUCTS ? f->nfields : 1;
        if (len > 0 && val->width != width) { /* a mapping built rows for another schema */
            o->failed = 1;
            return;
        }
        for (int32_t k = 0; k < len; k++) {
            const kval *el = val->items + (size_t)k * width;
            if (t == KT_STRUCTS)
                wr_struct(o, f->fields, f->nfields, v, flex, el);
            else
                wr_value(o, f, f->elem, v, flex, el);
        }
        return;
    }
    }
}

static void wr_struct(kout *o, const kfield *fields, uint16_t n, int16_t v, int flex, const kval *vals)
{
    for (uint16_t k = 0; k < n; k++)
        if (present(&fields[k], v))
            wr_value(o, &fields[k], fields[k].type, v, flex, &vals[k]);
    if (flex)
        kout_uvarint(o, 0); /* no tagged fields */
}

void kencode(const kmsg *m, int16_t version, int flexible, const kval *vals, kout *o)
{
    wr_struct(o, m->fields, m->nfields, version, flexible, vals);
}
