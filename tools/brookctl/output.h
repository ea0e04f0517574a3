/* What brookctl prints, shared by its commands: tables with a header row
 * and sorted rows for people, JSON for scripts (--output json: the
 * response's fields as docs/native-protocol.md describes them), and the
 * small field printers. */
#ifndef BROOKCTL_OUTPUT_H
#define BROOKCTL_OUTPUT_H

#include <msgpack.h>
#include <stddef.h>
#include <stdio.h>

/* A string field's text, "-" when absent or not a string; padded to
 * `width` by print_padded. */
void print_str(FILE *out, const msgpack_object *o);
void print_padded(FILE *out, const msgpack_object *o, int width);

/* An array of integers (broker ids) as "1,2,3", "-" for none. */
void ids_text(const msgpack_object *ids, char *out, size_t len);

/* `o` as JSON (bin as base64 text); the response's "id" and "error" are
 * left out of a top-level map. A newline follows. */
void print_json(FILE *out, const msgpack_object *o);
/* n bytes as base64 text (RFC 4648, padded). */
void print_base64(FILE *out, const unsigned char *p, size_t n);

/* A JSON string of n bytes (UTF-8 passes through). */
void json_string(FILE *out, const char *s, size_t n);

/* A table: rows of `cols` strings (copied), printed in aligned columns
 * under a header row, sorted by their cells left to right. */
typedef struct table {
    size_t cols;
    const char *const *headers;
    char **cells;
    size_t rows, cap;
} table;

void table_init(table *t, size_t cols, const char *const *headers);
/* Add a row of t->cols strings (NULL or empty prints "-"); -1 when out of memory. */
int table_add(table *t, const char *const *row);
void table_print(table *t, FILE *out);
void table_free(table *t);

/* A msgpack string (or integer) as text in `buf`, "-" when absent. */
const char *obj_text(const msgpack_object *o, char *buf, size_t len);

#endif
