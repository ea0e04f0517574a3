/* How `brookctl consume` prints a record: the value (and the key, with a
 * separator) as before, a kcat-style --format, or one JSON object per
 * line; keys, values and header values as text, hex or base64. */
#ifndef BROOKCTL_RECORD_FORMAT_H
#define BROOKCTL_RECORD_FORMAT_H

#include <msgpack.h>
#include <stdint.h>
#include <stdio.h>

typedef enum byte_encoding { ENC_TEXT, ENC_HEX, ENC_BASE64 } byte_encoding;

typedef struct record_format {
    const char *format; /* kcat's placeholders; NULL: value (key<sep>value) and the delimiter */
    int key_sep;        /* -1: no key */
    int delimiter;
    byte_encoding encoding;
    int json; /* one JSON object per record */
} record_format;

/* NULL, or why `format` is not one record_print understands. */
const char *record_format_problem(const char *format);

/* `rec`: a fetch response's record map {offset, timestamp, key, value, headers}. */
void record_print(FILE *out, const record_format *f, const char *topic, int32_t partition, const msgpack_object *rec);

#endif
