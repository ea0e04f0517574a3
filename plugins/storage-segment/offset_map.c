/* The cleaner's map from a record key to the offset of its latest record,
 * within a memory budget: open addressing over (hash, key) slots with the
 * keys themselves in one arena, so two keys never share an entry (no hash
 * collision can ever drop a live record). When the budget is reached the
 * map refuses the next key and the cleaner stops its range there. */
#include <stdlib.h>
#include <string.h>

#include "segstore.h"

typedef struct map_slot { /* 24 bytes: as many keys per budget as Kafka's hashes-only map */
    uint64_t hash;        /* 0: empty */
    int64_t offset;
    uint32_t key_at; /* in the arena */
    uint32_t key_len;
} map_slot;

struct offset_map {
    size_t budget;
    map_slot *slots;
    size_t nslots; /* a power of two */
    size_t count;
    uint8_t *arena;
    size_t arena_len, arena_cap;
};

static uint64_t hash_key(const uint8_t *key, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a, then a final mix */
    for (size_t i = 0; i < len; i++)
        h = (h ^ key[i]) * 0x100000001b3ULL;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h ? h : 1;
}

static size_t used_bytes(const offset_map *m)
{
    return m->nslots * sizeof(map_slot) + m->arena_cap;
}

offset_map *offset_map_new(size_t budget)
{
    offset_map *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->budget = budget;
    m->nslots = 1024;
    m->slots = calloc(m->nslots, sizeof *m->slots);
    if (!m->slots) {
        free(m);
        return NULL;
    }
    return m;
}

void offset_map_free(offset_map *m)
{
    if (!m)
        return;
    free(m->slots);
    free(m->arena);
    free(m);
}

size_t offset_map_count(const offset_map *m)
{
    return m->count;
}

static map_slot *find(const offset_map *m, uint64_t h, const uint8_t *key, size_t len)
{
    size_t mask = m->nslots - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        map_slot *s = &m->slots[i];
        if (s->hash == 0 ||
            (s->hash == h && s->key_len == len && (len == 0 || memcmp(m->arena + s->key_at, key, len) == 0)))
            return s;
    }
}

/* Double the table, when the budget allows. */
static int grow_slots(offset_map *m)
{
    size_t n = m->nslots * 2;
    if (used_bytes(m) + m->nslots * sizeof(map_slot) > m->budget)
        return 0;
    map_slot *slots = calloc(n, sizeof *slots), *old = m->slots;
    if (!slots)
        return 0;
    size_t old_n = m->nslots;
    m->slots = slots;
    m->nslots = n;
    for (size_t i = 0; i < old_n; i++)
        if (old[i].hash) {
            size_t k = old[i].hash & (n - 1);
            while (slots[k].hash)
                k = (k + 1) & (n - 1);
            slots[k] = old[i];
        }
    free(old);
    return 1;
}

static int reserve_arena(offset_map *m, size_t len)
{
    if (m->arena_len + len <= m->arena_cap)
        return 1;
    size_t cap = m->arena_cap ? m->arena_cap : 65536;
    while (cap < m->arena_len + len)
        cap *= 2;
    if (used_bytes(m) - m->arena_cap + cap > m->budget) {
        cap = m->budget - (used_bytes(m) - m->arena_cap); /* what the budget still allows */
        if (cap < m->arena_len + len)
            return 0;
    }
    uint8_t *a = realloc(m->arena, cap);
    if (!a)
        return 0;
    m->arena = a;
    m->arena_cap = cap;
    return 1;
}

int offset_map_put(offset_map *m, const uint8_t *key, size_t len, int64_t offset)
{
    if (len > UINT32_MAX || m->arena_len + len > UINT32_MAX)
        return 0;
    uint64_t h = hash_key(key, len);
    map_slot *s = find(m, h, key, len);
    if (s->hash) {
        s->offset = offset;
        return 1;
    }
    if ((m->count + 1) * 2 > m->nslots) { /* keep the load at most 1/2 */
        if (!grow_slots(m))
            return 0;
        s = find(m, h, key, len);
    }
    if (!reserve_arena(m, len))
        return 0;
    if (len)
        memcpy(m->arena + m->arena_len, key, len);
    *s = (map_slot){.hash = h, .key_at = (uint32_t)m->arena_len, .key_len = (uint32_t)len, .offset = offset};
    m->arena_len += len;
    m->count++;
    return 1;
}

int64_t offset_map_get(const offset_map *m, const uint8_t *key, size_t len)
{
    const map_slot *s = find(m, hash_key(key, len), key, len);
    return s->hash ? s->offset : -1;
}
