#include "output.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

void print_padded(FILE *out, const msgpack_object *o, int width)
{
    if (o && o->type == MSGPACK_OBJECT_STR)
        fprintf(out, "%-*.*s", width, (int)o->via.str.size, o->via.str.ptr);
    else
        fprintf(out, "%-*s", width, "-");
}

void print_str(FILE *out, const msgpack_object *o)
{
    print_padded(out, o, 0);
}

void ids_text(const msgpack_object *ids, char *out, size_t len)
{
    size_t used = 0;
    uint32_t n = ids && ids->type == MSGPACK_OBJECT_ARRAY ? ids->via.array.size : 0;
    snprintf(out, len, "-");
    for (uint32_t i = 0; i < n && used + 24 < len; i++)
        used +=
            (size_t)snprintf(out + used, len - used, "%s%lld", i ? "," : "", (long long)ids->via.array.ptr[i].via.i64);
}

const char *obj_text(const msgpack_object *o, char *buf, size_t len)
{
    if (o && o->type == MSGPACK_OBJECT_STR)
        snprintf(buf, len, "%.*s", (int)o->via.str.size, o->via.str.ptr);
    else if (o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        snprintf(buf, len, "%" PRIu64, o->via.u64);
    else if (o && o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
        snprintf(buf, len, "%" PRId64, o->via.i64);
    else
        snprintf(buf, len, "-");
    return buf;
}

/* ---- JSON ------------------------------------------------------------------------ */

void json_string(FILE *out, const char *s, size_t n)
{
    fputc('"', out);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", out);
        else if (c == '\t')
            fputs("\\t", out);
        else if (c == '\r')
            fputs("\\r", out);
        else if (c < 0x20)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out); /* UTF-8 passes through */
    }
    fputc('"', out);
}

void print_base64(FILE *out, const unsigned char *p, size_t n)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
        fputc(a[v >> 18 & 63], out);
        fputc(a[v >> 12 & 63], out);
        fputc(i + 1 < n ? a[v >> 6 & 63] : '=', out);
        fputc(i + 2 < n ? a[v & 63] : '=', out);
    }
}

static int is_key(const msgpack_object *k, const char *name)
{
    return k->type == MSGPACK_OBJECT_STR && k->via.str.size == strlen(name) &&
           memcmp(k->via.str.ptr, name, k->via.str.size) == 0;
}

static void json_value(FILE *out, const msgpack_object *o, int top)
{
    switch (o->type) {
    case MSGPACK_OBJECT_NIL: fputs("null", out); break;
    case MSGPACK_OBJECT_BOOLEAN: fputs(o->via.boolean ? "true" : "false", out); break;
    case MSGPACK_OBJECT_POSITIVE_INTEGER: fprintf(out, "%" PRIu64, o->via.u64); break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: fprintf(out, "%" PRId64, o->via.i64); break;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64: fprintf(out, "%.17g", o->via.f64); break;
    case MSGPACK_OBJECT_STR: json_string(out, o->via.str.ptr, o->via.str.size); break;
    case MSGPACK_OBJECT_BIN:
        fputc('"', out);
        print_base64(out, (const unsigned char *)o->via.bin.ptr, o->via.bin.size);
        fputc('"', out);
        break;
    case MSGPACK_OBJECT_ARRAY:
        fputc('[', out);
        for (uint32_t i = 0; i < o->via.array.size; i++) {
            if (i)
                fputc(',', out);
            json_value(out, &o->via.array.ptr[i], 0);
        }
        fputc(']', out);
        break;
    case MSGPACK_OBJECT_MAP: {
        fputc('{', out);
        int first = 1;
        for (uint32_t i = 0; i < o->via.map.size; i++) {
            const msgpack_object_kv *kv = &o->via.map.ptr[i];
            if (top && (is_key(&kv->key, "id") || is_key(&kv->key, "error")))
                continue; /* the protocol's, not the answer's */
            if (!first)
                fputc(',', out);
            first = 0;
            if (kv->key.type == MSGPACK_OBJECT_STR)
                json_string(out, kv->key.via.str.ptr, kv->key.via.str.size);
            else
                fputs("\"?\"", out);
            fputc(':', out);
            json_value(out, &kv->val, 0);
        }
        fputc('}', out);
        break;
    }
    default: fputs("null", out); break;
    }
}

void print_json(FILE *out, const msgpack_object *o)
{
    json_value(out, o, 1);
    fputc('\n', out);
}

/* ---- tables ------------------------------------------------------------------------ */

void table_init(table *t, size_t cols, const char *const *headers)
{
    *t = (table){.cols = cols, .headers = headers};
}

int table_add(table *t, const char *const *row)
{
    if (t->rows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        char **cells = realloc(t->cells, cap * t->cols * sizeof *cells);
        if (!cells)
            return -1;
        t->cells = cells;
        t->cap = cap;
    }
    char **cells = t->cells + t->rows * t->cols;
    for (size_t c = 0; c < t->cols; c++) {
        if (!(cells[c] = strdup(row[c] && *row[c] ? row[c] : "-"))) {
            while (c-- > 0)
                free(cells[c]);
            return -1;
        }
    }
    t->rows++;
    return 0;
}

static size_t sort_cols;

/* Numbers (partitions, offsets) sort as numbers, the rest as text. */
static int cell_cmp(const char *a, const char *b)
{
    char *ea, *eb;
    long long x = strtoll(a, &ea, 10), y = strtoll(b, &eb, 10);
    if (*a && *b && !*ea && !*eb)
        return x < y ? -1 : x > y;
    return strcmp(a, b);
}

static int row_cmp(const void *pa, const void *pb)
{
    char *const *a = pa, *const *b = pb;
    for (size_t c = 0; c < sort_cols; c++) {
        int r = cell_cmp(a[c], b[c]);
        if (r)
            return r;
    }
    return 0;
}

void table_print(table *t, FILE *out)
{
    size_t width[16] = {0};
    size_t cols = t->cols < 16 ? t->cols : 16;
    for (size_t c = 0; c < cols; c++)
        width[c] = strlen(t->headers[c]);
    for (size_t r = 0; r < t->rows; r++)
        for (size_t c = 0; c < cols; c++)
            if (strlen(t->cells[r * t->cols + c]) > width[c])
                width[c] = strlen(t->cells[r * t->cols + c]);
    sort_cols = t->cols; /* a row is t->cols pointers: one qsort element */
    if (t->rows > 1)
        qsort(t->cells, t->rows, t->cols * sizeof *t->cells, row_cmp);
    for (size_t r = 0; r <= t->rows; r++) { /* the header, then the rows */
        for (size_t c = 0; c < cols; c++) {
            const char *cell = r ? t->cells[(r - 1) * t->cols + c] : t->headers[c];
            if (c + 1 < cols)
                fprintf(out, "%-*s  ", (int)width[c], cell);
            else
                fprintf(out, "%s\n", cell);
        }
    }
}

void table_free(table *t)
{
    for (size_t i = 0; i < t->rows * t->cols; i++)
        free(t->cells[i]);
    free(t->cells);
    t->cells = NULL;
    t->rows = t->cap = 0;
}
