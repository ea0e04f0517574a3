#include "slice.h"

#include <stdlib.h>
#include <unistd.h>

const uint8_t *brook_slice_bytes(const brook_slice *s, uint8_t **copy)
{
    *copy = NULL;
    if (s->fd < 0)
        return s->data;
    *copy = malloc(s->len ? s->len : 1);
    size_t done = 0;
    while (*copy && done < s->len) {
        ssize_t r = pread(s->fd, *copy + done, s->len - done, (off_t)(s->file_offset + (int64_t)done));
        if (r <= 0) {
            free(*copy);
            *copy = NULL;
        } else {
            done += (size_t)r;
        }
    }
    return *copy;
}
