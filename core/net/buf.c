#include "buf.h"

#include <stdlib.h>
#include <string.h>

brook_err brook_buf_reserve(brook_buf *b, size_t extra)
{
    if (b->cap - b->len >= extra)
        return BROOK_OK;
    if (extra > SIZE_MAX / 2 - b->len)
        return BROOK_ERR_TOO_LARGE;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra)
        cap *= 2;
    uint8_t *data = realloc(b->data, cap);
    if (!data)
        return BROOK_ERR_NOMEM;
    b->data = data;
    b->cap = cap;
    return BROOK_OK;
}

brook_err brook_buf_append(brook_buf *b, const void *data, size_t len)
{
    brook_err err = brook_buf_reserve(b, len);
    if (err)
        return err;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    return BROOK_OK;
}

void brook_buf_consume(brook_buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

void brook_buf_free(brook_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
