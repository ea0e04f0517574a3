#include "msgpack_check.h"

static uint64_t be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

/* Parse one header at p: *skip = payload bytes to skip, *children = number
 * of nested objects that follow. Returns header size, 0 on error. */
static size_t header(const uint8_t *p, size_t left, uint64_t *skip, uint64_t *children)
{
    uint8_t t = p[0];
    *skip = 0;
    *children = 0;
    if (t <= 0x7f || t >= 0xe0 || t == 0xc0 || t == 0xc2 || t == 0xc3)
        return 1;
    if (t >= 0x80 && t <= 0x8f) {
        *children = 2u * (t & 0x0f);
        return 1;
    }
    if (t >= 0x90 && t <= 0x9f) {
        *children = t & 0x0f;
        return 1;
    }
    if (t >= 0xa0 && t <= 0xbf) {
        *skip = t & 0x1f;
        return 1;
    }
    /* sizes of the fixed-width types, indexed from 0xc4 */
    static const struct {
        uint8_t len_bytes; /* length field size (0 = fixed) */
        uint8_t fixed;     /* payload bytes when fixed */
        uint8_t extra;     /* ext: one type byte after the length */
    } tab[] = {
        [0xc4 - 0xc4] = {1, 0, 0},  [0xc5 - 0xc4] = {2, 0, 0}, [0xc6 - 0xc4] = {4, 0, 0}, /* bin */
        [0xc7 - 0xc4] = {1, 0, 1},  [0xc8 - 0xc4] = {2, 0, 1}, [0xc9 - 0xc4] = {4, 0, 1}, /* ext */
        [0xca - 0xc4] = {0, 4, 0},  [0xcb - 0xc4] = {0, 8, 0},                            /* float */
        [0xcc - 0xc4] = {0, 1, 0},  [0xcd - 0xc4] = {0, 2, 0}, [0xce - 0xc4] = {0, 4, 0}, [0xcf - 0xc4] = {0, 8, 0},
        [0xd0 - 0xc4] = {0, 1, 0},  [0xd1 - 0xc4] = {0, 2, 0}, [0xd2 - 0xc4] = {0, 4, 0}, [0xd3 - 0xc4] = {0, 8, 0},
        [0xd4 - 0xc4] = {0, 2, 0},  [0xd5 - 0xc4] = {0, 3, 0}, [0xd6 - 0xc4] = {0, 5, 0}, [0xd7 - 0xc4] = {0, 9, 0},
        [0xd8 - 0xc4] = {0, 17, 0},                                                       /* fixext */
        [0xd9 - 0xc4] = {1, 0, 0},  [0xda - 0xc4] = {2, 0, 0}, [0xdb - 0xc4] = {4, 0, 0}, /* str */
    };
    if (t >= 0xc4 && t <= 0xdb) {
        int lb = tab[t - 0xc4].len_bytes;
        if (lb == 0) {
            *skip = tab[t - 0xc4].fixed;
            return 1;
        }
        if (left < 1u + (size_t)lb)
            return 0;
        *skip = be(p + 1, lb) + tab[t - 0xc4].extra;
        return 1 + (size_t)lb;
    }
    if (t >= 0xdc && t <= 0xdf) { /* array16/32, map16/32 */
        int lb = (t == 0xdc || t == 0xde) ? 2 : 4;
        if (left < 1u + (size_t)lb)
            return 0;
        uint64_t n = be(p + 1, lb);
        *children = t >= 0xde ? 2 * n : n;
        return 1 + (size_t)lb;
    }
    return 0; /* 0xc1: never used */
}

int native_msgpack_check(const uint8_t *data, size_t len, size_t max_depth, size_t *used)
{
    uint64_t stack[64];
    if (max_depth > 64)
        max_depth = 64;
    size_t depth = 0, pos = 0;
    uint64_t pending = 1; /* objects still to read at the current level */
    for (;;) {
        while (pending == 0) {
            if (depth == 0) {
                *used = pos;
                return 0;
            }
            pending = stack[--depth];
        }
        if (pos >= len)
            return -1;
        uint64_t skip, children;
        size_t h = header(data + pos, len - pos, &skip, &children);
        if (h == 0)
            return -1;
        pos += h;
        if (skip > len - pos)
            return -1;
        pos += (size_t)skip;
        pending--;
        if (children) {
            /* every element takes at least one byte */
            if (children > len - pos || depth == max_depth)
                return -1;
            stack[depth++] = pending;
            pending = children;
        }
    }
}
