/* A growable byte buffer: the core's one way to accumulate bytes. */
#ifndef BROOK_CORE_BUF_H
#define BROOK_CORE_BUF_H

#include <stddef.h>
#include <stdint.h>

#include <brook/errors.h>

typedef struct brook_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
} brook_buf;

/* Make room for `extra` more bytes after len. */
brook_err brook_buf_reserve(brook_buf *b, size_t extra);
brook_err brook_buf_append(brook_buf *b, const void *data, size_t len);
/* Drop the first `n` bytes, moving the rest to the front. */
void brook_buf_consume(brook_buf *b, size_t n);
void brook_buf_free(brook_buf *b);

#endif
