#include "record_format.h"

#include <inttypes.h>
#include <string.h>

#include "client.h"
#include "output.h"

/* --format placeholders, as kcat has them:
 *   %t topic  %p partition  %o offset  %T timestamp (ms)  %k key  %v value
 *   %K key length  %S value length (-1: null)  %h headers (k=v,k2=v2)  %%
 * and the escapes \n \t \\ . */
const char *record_format_problem(const char *format)
{
    for (const char *p = format; *p; p++) {
        if (*p == '%' && !strchr("tpoTkvKSh%", p[1]))
            return "unknown placeholder (%t %p %o %T %k %v %K %S %h %%)";
        if (*p == '\\' && !strchr("nt\\", p[1]))
            return "unknown escape (\\n \\t \\\\)";
        if (*p == '%' || *p == '\\')
            p++;
    }
    return NULL;
}

/* (pointer, length) of a bin or str; length -1 for nil or absent. */
static const char *bytes_of(const msgpack_object *o, int64_t *len)
{
    if (o && (o->type == MSGPACK_OBJECT_BIN || o->type == MSGPACK_OBJECT_STR)) {
        *len = o->via.bin.size;
        return o->via.bin.ptr;
    }
    *len = -1;
    return NULL;
}

static void put_encoded(FILE *out, const char *p, int64_t n, byte_encoding enc)
{
    if (n <= 0)
        return;
    if (enc == ENC_TEXT) {
        fwrite(p, 1, (size_t)n, out);
    } else if (enc == ENC_HEX) {
        for (int64_t i = 0; i < n; i++)
            fprintf(out, "%02x", (unsigned char)p[i]);
    } else {
        print_base64(out, (const unsigned char *)p, (size_t)n);
    }
}

/* The length of the valid UTF-8 sequence at p (of at most n bytes), 0 if none. */
static int utf8_len(const unsigned char *p, int64_t n)
{
    int len = p[0] < 0x80 ? 1 : (p[0] & 0xe0) == 0xc0 ? 2 : (p[0] & 0xf0) == 0xe0 ? 3 : (p[0] & 0xf8) == 0xf0 ? 4 : 0;
    if (len == 0 || len > n || (len == 2 && p[0] < 0xc2))
        return 0;
    for (int i = 1; i < len; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    return len;
}

/* A JSON string of the bytes, encoded; text that is not UTF-8 shows U+FFFD. */
static void put_json_bytes(FILE *out, const char *p, int64_t n, byte_encoding enc)
{
    if (n < 0) {
        fputs("null", out);
        return;
    }
    fputc('"', out);
    if (enc != ENC_TEXT) {
        put_encoded(out, p, n, enc);
    } else {
        const unsigned char *u = (const unsigned char *)p;
        for (int64_t i = 0; i < n;) {
            int len = utf8_len(u + i, n - i);
            if (len == 0) {
                fputs("\\ufffd", out);
                i++;
            } else if (len > 1) {
                fwrite(u + i, 1, (size_t)len, out);
                i += len;
            } else {
                unsigned char c = u[i++];
                if (c == '"' || c == '\\')
                    fprintf(out, "\\%c", c);
                else if (c < 0x20)
                    fprintf(out, "\\u%04x", c);
                else
                    fputc(c, out);
            }
        }
    }
    fputc('"', out);
}

static void put_headers(FILE *out, const msgpack_object *headers, byte_encoding enc, int json)
{
    uint32_t n = headers && headers->type == MSGPACK_OBJECT_ARRAY ? headers->via.array.size : 0;
    if (json)
        fputc('[', out);
    for (uint32_t i = 0; i < n; i++) {
        const msgpack_object *h = &headers->via.array.ptr[i];
        if (h->type != MSGPACK_OBJECT_ARRAY || h->via.array.size != 2)
            continue;
        int64_t kl, vl;
        const char *k = bytes_of(&h->via.array.ptr[0], &kl), *v = bytes_of(&h->via.array.ptr[1], &vl);
        if (json) {
            fputs(i ? ",{\"key\":" : "{\"key\":", out);
            put_json_bytes(out, k, kl, ENC_TEXT);
            fputs(",\"value\":", out);
            put_json_bytes(out, v, vl, enc);
            fputc('}', out);
        } else {
            if (i)
                fputc(',', out);
            put_encoded(out, k, kl, ENC_TEXT);
            fputc('=', out);
            put_encoded(out, v, vl, enc);
        }
    }
    if (json)
        fputc(']', out);
}

static void print_record_json(FILE *out, const record_format *f, const char *topic, int32_t partition,
                              const msgpack_object *rec)
{
    int64_t kl, vl;
    const char *k = bytes_of(map_get(rec, "key"), &kl), *v = bytes_of(map_get(rec, "value"), &vl);
    fputs("{\"topic\":", out);
    put_json_bytes(out, topic, (int64_t)strlen(topic), ENC_TEXT);
    fprintf(out, ",\"partition\":%" PRId32 ",\"offset\":%" PRId64 ",\"timestamp\":%" PRId64 ",\"key\":", partition,
            map_int(rec, "offset", -1), map_int(rec, "timestamp", -1));
    put_json_bytes(out, k, kl, f->encoding);
    fputs(",\"value\":", out);
    put_json_bytes(out, v, vl, f->encoding);
    fputs(",\"headers\":", out);
    put_headers(out, map_get(rec, "headers"), f->encoding, 1);
    fputs("}\n", out);
}

static void print_formatted(FILE *out, const record_format *f, const char *topic, int32_t partition,
                            const msgpack_object *rec)
{
    int64_t kl, vl;
    const char *k = bytes_of(map_get(rec, "key"), &kl), *v = bytes_of(map_get(rec, "value"), &vl);
    for (const char *p = f->format; *p; p++) {
        if (*p == '\\') {
            p++;
            fputc(*p == 'n' ? '\n' : *p == 't' ? '\t' : '\\', out);
            continue;
        }
        if (*p != '%') {
            fputc(*p, out);
            continue;
        }
        switch (*++p) {
        case 't': fputs(topic, out); break;
        case 'p': fprintf(out, "%" PRId32, partition); break;
        case 'o': fprintf(out, "%" PRId64, map_int(rec, "offset", -1)); break;
        case 'T': fprintf(out, "%" PRId64, map_int(rec, "timestamp", -1)); break;
        case 'k': put_encoded(out, k, kl, f->encoding); break;
        case 'v': put_encoded(out, v, vl, f->encoding); break;
        case 'K': fprintf(out, "%" PRId64, kl); break;
        case 'S': fprintf(out, "%" PRId64, vl); break;
        case 'h': put_headers(out, map_get(rec, "headers"), f->encoding, 0); break;
        default: fputc('%', out); break;
        }
    }
}

void record_print(FILE *out, const record_format *f, const char *topic, int32_t partition, const msgpack_object *rec)
{
    if (f->json) {
        print_record_json(out, f, topic, partition, rec);
        return;
    }
    if (f->format) {
        print_formatted(out, f, topic, partition, rec);
        return;
    }
    int64_t len;
    const char *p;
    if (f->key_sep >= 0) {
        p = bytes_of(map_get(rec, "key"), &len);
        put_encoded(out, p, len, f->encoding);
        fputc(f->key_sep, out);
    }
    p = bytes_of(map_get(rec, "value"), &len);
    put_encoded(out, p, len, f->encoding);
    fputc(f->delimiter, out);
}
