#include "past_record.h"

#include <stdlib.h>
#include <string.h>

#include <brook/batch.h>

enum { VERSION_EMPTY = 0, VERSION_STABLE = 1 };

/* The smallest member: four empty strings, two timeouts, two empty byte strings. */
#define MIN_MEMBER_BYTES (4 * 2 + 2 * 4 + 2 * 4)

/* ---- writing ------------------------------------------------------------------- */

typedef struct writer {
    uint8_t *p; /* NULL while measuring */
    size_t len;
    int bad; /* a string too long for its int16 length */
} writer;

static void put(writer *w, const void *src, size_t n)
{
    if (w->p && n)
        memcpy(w->p + w->len, src, n);
    w->len += n;
}

static void put_int(writer *w, uint64_t v, size_t n)
{
    uint8_t b[8];
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    put(w, b, n);
}

static void put_str(writer *w, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n > INT16_MAX)
        w->bad = 1;
    put_int(w, s ? (uint16_t)n : 0xffff, 2);
    put(w, s, n);
}

static void put_bytes(writer *w, const uint8_t *b, size_t n)
{
    if (n > INT32_MAX)
        w->bad = 1;
    put_int(w, (uint32_t)n, 4);
    put(w, b, n);
}

static void put_member(writer *w, const brook_group_past_member *m)
{
    put_str(w, m->member_id ? m->member_id : "");
    put_str(w, m->instance_id);
    put_str(w, m->client_id ? m->client_id : "");
    put_str(w, m->client_host ? m->client_host : "");
    put_int(w, (uint32_t)m->session_timeout_ms, 4);
    put_int(w, (uint32_t)m->rebalance_timeout_ms, 4);
    put_bytes(w, m->subscription, m->subscription_len);
    put_bytes(w, m->assignment, m->assignment_len);
}

static void put_past(writer *w, const brook_group_past *past)
{
    int stable = past->member_count > 0;
    put_int(w, stable ? VERSION_STABLE : VERSION_EMPTY, 2);
    put_int(w, (uint64_t)past->since_ms, 8);
    put_int(w, past->standalone ? 1 : 0, 1);
    put_str(w, past->protocol_type);
    if (!stable)
        return;
    put_int(w, (uint32_t)past->generation, 4);
    put_str(w, past->protocol_name);
    put_str(w, past->leader_id);
    put_int(w, (uint32_t)past->member_count, 4);
    for (size_t i = 0; i < past->member_count; i++)
        put_member(w, &past->members[i]);
}

brook_err past_record_encode(const brook_group_past *past, uint8_t **out, size_t *len)
{
    writer measure = {0};
    put_past(&measure, past);
    if (measure.bad)
        return BROOK_ERR_INVALID;
    if (measure.len > BROOK_GROUP_PAST_MAX_BYTES)
        return BROOK_ERR_TOO_LARGE;
    writer w = {.p = malloc(measure.len)};
    if (!w.p)
        return BROOK_ERR_NOMEM;
    put_past(&w, past);
    *out = w.p;
    *len = w.len;
    return BROOK_OK;
}

/* ---- reading ---------------------------------------------------------------------- */

/* Two passes over the value: the first (heap NULL) checks it and counts
 * the bytes its strings need, the second copies them into the allocation. */
typedef struct reader {
    const uint8_t *p, *end;
    char *heap; /* NULL while measuring */
    size_t heap_used;
    int bad;
} reader;

static const uint8_t *take(reader *r, size_t n)
{
    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = 1;
        return NULL;
    }
    const uint8_t *at = r->p;
    r->p += n;
    return at;
}

static uint64_t get_int(reader *r, size_t n)
{
    const uint8_t *b = take(r, n);
    uint64_t v = 0;
    for (size_t i = 0; b && i < n; i++)
        v = v << 8 | b[i];
    return v;
}

/* n bytes and a NUL into the heap; NULL while measuring. */
static char *keep(reader *r, const uint8_t *src, size_t n)
{
    char *at = r->heap ? r->heap + r->heap_used : NULL;
    if (at) {
        memcpy(at, src, n);
        at[n] = 0;
    }
    r->heap_used += n + 1;
    return at;
}

static const char *get_str(reader *r)
{
    int16_t n = (int16_t)get_int(r, 2);
    if (n == -1 || r->bad)
        return NULL;
    const uint8_t *s = n >= 0 ? take(r, (size_t)n) : NULL;
    if (!s) {
        r->bad = 1;
        return NULL;
    }
    return keep(r, s, (size_t)n);
}

static const uint8_t *get_bytes(reader *r, size_t *len)
{
    int32_t n = (int32_t)get_int(r, 4);
    const uint8_t *b = n >= 0 ? take(r, (size_t)n) : NULL;
    *len = b ? (size_t)n : 0;
    if (!b) {
        r->bad = 1;
        return NULL;
    }
    return n ? (const uint8_t *)keep(r, b, (size_t)n) : NULL;
}

static void get_member(reader *r, brook_group_past_member *m)
{
    m->member_id = get_str(r);
    m->instance_id = get_str(r);
    m->client_id = get_str(r);
    m->client_host = get_str(r);
    m->session_timeout_ms = (int32_t)get_int(r, 4);
    m->rebalance_timeout_ms = (int32_t)get_int(r, 4);
    m->subscription = get_bytes(r, &m->subscription_len);
    m->assignment = get_bytes(r, &m->assignment_len);
    if (r->heap && (!m->member_id || !m->client_id || !m->client_host))
        r->bad = 1;
}

/* `members`: room for them (NULL while measuring). */
static void get_past(reader *r, brook_group_past *past, brook_group_past_member *members)
{
    int version = (int)get_int(r, 2);
    if (version != VERSION_EMPTY && version != VERSION_STABLE) {
        r->bad = 1; /* a later version's: not understood here */
        return;
    }
    past->since_ms = (int64_t)get_int(r, 8);
    past->standalone = get_int(r, 1) != 0;
    past->protocol_type = get_str(r);
    if (version == VERSION_EMPTY)
        return;
    past->generation = (int32_t)get_int(r, 4);
    past->protocol_name = get_str(r);
    past->leader_id = get_str(r);
    uint32_t count = (uint32_t)get_int(r, 4);
    if (count == 0 || count > (size_t)(r->end - r->p) / MIN_MEMBER_BYTES) {
        r->bad = 1;
        return;
    }
    past->member_count = count;
    past->members = members;
    for (uint32_t i = 0; i < count && !r->bad; i++) {
        brook_group_past_member scratch;
        get_member(r, members ? &members[i] : &scratch);
    }
    if (r->heap && (!past->protocol_name || !past->protocol_type))
        r->bad = 1;
}

brook_group_past *past_record_decode(const uint8_t *value, size_t len)
{
    brook_group_past probe = {0};
    reader measure = {.p = value, .end = value + len};
    get_past(&measure, &probe, NULL);
    if (measure.bad)
        return NULL;
    size_t head = sizeof probe + probe.member_count * sizeof(brook_group_past_member);
    char *block = malloc(head + measure.heap_used);
    if (!block)
        return NULL;
    brook_group_past *past = (brook_group_past *)(void *)block;
    *past = (brook_group_past){0};
    reader r = {.p = value, .end = value + len, .heap = block + head};
    get_past(&r, past, (brook_group_past_member *)(void *)(block + sizeof *past));
    if (r.bad) { /* only what the first pass cannot see: a member without an id */
        free(block);
        return NULL;
    }
    return past;
}

brook_group_past *past_record_copy(const brook_group_past *past)
{
    uint8_t *value;
    size_t len;
    if (past_record_encode(past, &value, &len))
        return NULL;
    brook_group_past *copy = past_record_decode(value, len);
    free(value);
    return copy;
}
