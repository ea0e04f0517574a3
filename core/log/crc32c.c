#include "crc32c.h"

#include <pthread.h>
#include <string.h>

#define POLY 0x82f63b78u /* Castagnoli, reflected */

static uint32_t table[8][256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void build_table(void)
{
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ POLY : c >> 1;
        table[0][n] = c;
    }
    for (uint32_t n = 0; n < 256; n++)
        for (int k = 1; k < 8; k++)
            table[k][n] = (table[k - 1][n] >> 8) ^ table[0][table[k - 1][n] & 0xff];
}

static uint32_t crc32c_soft(uint32_t crc, const uint8_t *p, size_t len)
{
    pthread_once(&table_once, build_table);
    while (len && ((uintptr_t)p & 7)) {
        crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xff];
        len--;
    }
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        w ^= crc; /* little-endian hosts only; x86-64 and arm64 both are */
        crc = table[7][w & 0xff] ^ table[6][(w >> 8) & 0xff] ^ table[5][(w >> 16) & 0xff] ^ table[4][(w >> 24) & 0xff] ^
              table[3][(w >> 32) & 0xff] ^ table[2][(w >> 40) & 0xff] ^ table[1][(w >> 48) & 0xff] ^ table[0][w >> 56];
        p += 8;
        len -= 8;
    }
    while (len--)
        crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xff];
    return crc;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <nmmintrin.h>

/* The crc32 instruction takes three cycles but a new one can start every
 * cycle, so one dependent chain uses a third of the unit. Long inputs run
 * three chains over three consecutive blocks, then fold them together: the
 * CRC register of A followed by B is the register after A "shifted" over
 * |B| zero bytes, xor B's register started from zero. Shifting over a fixed
 * length is a linear map on 32 bits, tabulated once per block size. */
#define BLOCK_LONG  8192
#define BLOCK_SHORT 256

static uint32_t shift_long[4][256], shift_short[4][256];
static pthread_once_t shift_once = PTHREAD_ONCE_INIT;

/* A 32x32 matrix over GF(2) as 32 column vectors: mat[i] is the image of bit i. */
static uint32_t gf2_apply(const uint32_t *mat, uint32_t vec)
{
    uint32_t sum = 0;
    for (int i = 0; vec; i++, vec >>= 1)
        if (vec & 1)
            sum ^= mat[i];
    return sum;
}

static void gf2_square(uint32_t *out, const uint32_t *mat)
{
    for (int i = 0; i < 32; i++)
        out[i] = gf2_apply(mat, mat[i]);
}

/* Tables for shifting a register over `bytes` zero bytes (a power of two). */
static void build_shift(uint32_t tab[4][256], size_t bytes)
{
    uint32_t a[32], b[32];
    a[0] = POLY; /* one zero bit: the reflected register shifts right, folding in POLY */
    for (int i = 1; i < 32; i++)
        a[i] = 1u << (i - 1);
    size_t bits = 1;
    uint32_t *cur = a, *next = b;
    while (bits < bytes * 8) {
        gf2_square(next, cur);
        uint32_t *t = cur;
        cur = next;
        next = t;
        bits *= 2;
    }
    for (uint32_t n = 0; n < 256; n++)
        for (int k = 0; k < 4; k++)
            tab[k][n] = gf2_apply(cur, n << (8 * k));
}

static void build_shifts(void)
{
    build_shift(shift_long, BLOCK_LONG);
    build_shift(shift_short, BLOCK_SHORT);
}

static uint32_t shift(uint32_t tab[4][256], uint32_t crc)
{
    return tab[0][crc & 0xff] ^ tab[1][(crc >> 8) & 0xff] ^ tab[2][(crc >> 16) & 0xff] ^ tab[3][crc >> 24];
}

__attribute__((target("sse4.2"))) static uint64_t crc_words(uint64_t c, const uint8_t *p, size_t words)
{
    for (size_t i = 0; i < words; i++) {
        uint64_t w;
        memcpy(&w, p + 8 * i, 8);
        c = _mm_crc32_u64(c, w);
    }
    return c;
}

/* Three interleaved chains over three blocks of `block` bytes each. */
__attribute__((target("sse4.2"))) static uint32_t crc_three_blocks(uint32_t tab[4][256], uint32_t crc, const uint8_t *p,
                                                                   size_t block)
{
    uint64_t c0 = crc, c1 = 0, c2 = 0;
    for (size_t i = 0; i < block; i += 8) {
        uint64_t w0, w1, w2;
        memcpy(&w0, p + i, 8);
        memcpy(&w1, p + block + i, 8);
        memcpy(&w2, p + 2 * block + i, 8);
        c0 = _mm_crc32_u64(c0, w0);
        c1 = _mm_crc32_u64(c1, w1);
        c2 = _mm_crc32_u64(c2, w2);
    }
    uint32_t r = shift(tab, (uint32_t)c0) ^ (uint32_t)c1;
    return shift(tab, r) ^ (uint32_t)c2;
}

__attribute__((target("sse4.2"))) static uint32_t crc32c_sse42(uint32_t crc, const uint8_t *p, size_t len)
{
    if (len >= 3 * BLOCK_SHORT)
        pthread_once(&shift_once, build_shifts);
    while (len >= 3 * BLOCK_LONG) {
        crc = crc_three_blocks(shift_long, crc, p, BLOCK_LONG);
        p += 3 * BLOCK_LONG;
        len -= 3 * BLOCK_LONG;
    }
    while (len >= 3 * BLOCK_SHORT) {
        crc = crc_three_blocks(shift_short, crc, p, BLOCK_SHORT);
        p += 3 * BLOCK_SHORT;
        len -= 3 * BLOCK_SHORT;
    }
    uint32_t c32 = (uint32_t)crc_words(crc, p, len / 8);
    p += len / 8 * 8;
    len %= 8;
    while (len--)
        c32 = _mm_crc32_u8(c32, *p++);
    return c32;
}

static int have_sse42(void)
{
    static int cached = -1;
    if (cached < 0)
        cached = __builtin_cpu_supports("sse4.2") ? 1 : 0;
    return cached;
}
#endif

uint32_t brook_crc32c(uint32_t crc, const void *data, size_t len)
{
    crc = ~crc;
#if defined(__x86_64__) && defined(__GNUC__)
    if (have_sse42())
        return ~crc32c_sse42(crc, data, len);
#endif
    return ~crc32c_soft(crc, data, len);
}

uint32_t brook_crc32c_portable(uint32_t crc, const void *data, size_t len)
{
    return ~crc32c_soft(~crc, data, len);
}
