#include "placement.h"

#include <stdlib.h>
#include <string.h>

static int by_id(const void *a, const void *b)
{
    int32_t x = ((const brook_placement_broker *)a)->id, y = ((const brook_placement_broker *)b)->id;
    return (x > y) - (x < y);
}

static int by_rack_then_id(const void *a, const void *b)
{
    const brook_placement_broker *x = a, *y = b;
    int c = strcmp(x->rack, y->rack);
    return c ? c : by_id(a, b);
}

/* The brokers in the order placement walks: by id; with racks, taking one
 * broker of each rack in turn (r1 b1, r2 b4, r3 b7, r1 b2, ...), so that
 * neighbours in the list sit on different racks. */
static brook_placement_broker *walk_order(const brook_placement_broker *brokers, size_t n, int *racked)
{
    brook_placement_broker *sorted = malloc(sizeof *sorted * n), *out = malloc(sizeof *out * n);
    if (!sorted || !out) {
        free(sorted);
        free(out);
        return NULL;
    }
    memcpy(sorted, brokers, sizeof *sorted * n);
    *racked = 1;
    for (size_t i = 0; i < n; i++)
        *racked &= sorted[i].rack != NULL;
    if (!*racked) {
        qsort(sorted, n, sizeof *sorted, by_id);
        free(out);
        return sorted;
    }
    qsort(sorted, n, sizeof *sorted, by_rack_then_id);
    /* each rack's run in `sorted`: its start, and how many were taken */
    size_t *begin = calloc(n, sizeof *begin), *taken = calloc(n, sizeof *taken), *len = calloc(n, sizeof *len);
    size_t racks = 0;
    for (size_t i = 0; begin && taken && len && i < n; i++) {
        if (i == 0 || strcmp(sorted[i].rack, sorted[i - 1].rack) != 0)
            begin[racks++] = i;
        len[racks - 1]++;
    }
    size_t k = 0;
    while (begin && taken && len && k < n)
        for (size_t r = 0; r < racks && k < n; r++)
            if (taken[r] < len[r])
                out[k++] = sorted[begin[r] + taken[r]++];
    int ok = begin && taken && len;
    free(begin);
    free(taken);
    free(len);
    free(sorted);
    if (!ok) {
        free(out);
        return NULL;
    }
    return out;
}

static int used_broker(const int32_t *replicas, int32_t k, int32_t id)
{
    for (int32_t i = 0; i < k; i++)
        if (replicas[i] == id)
            return 1;
    return 0;
}

static int used_rack(const brook_placement_broker *list, size_t n, const int32_t *replicas, int32_t k, const char *rack)
{
    for (int32_t i = 0; i < k; i++)
        for (size_t j = 0; j < n; j++)
            if (list[j].id == replicas[i] && strcmp(list[j].rack, rack) == 0)
                return 1;
    return 0;
}

static size_t count_racks(const brook_placement_broker *list, size_t n)
{
    size_t racks = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < i && strcmp(list[j].rack, list[i].rack) != 0)
            j++;
        racks += j == i;
    }
    return racks;
}

brook_err brook_place_replicas(const brook_placement_broker *brokers, size_t count, int32_t partitions, int32_t rf,
                               uint32_t start, int32_t *assignment)
{
    if (rf < 1 || (size_t)rf > count)
        return BROOK_ERR_INVALID_REPLICATION;
    if (partitions < 1)
        return BROOK_ERR_INVALID_PARTITIONS;
    int racked;
    brook_placement_broker *list = walk_order(brokers, count, &racked);
    if (!list)
        return BROOK_ERR_NOMEM;
    size_t n = count, racks = racked ? count_racks(list, n) : 0;
    size_t first_leader = start % n;
    size_t shift = n > 1 ? (start / n) % (n - 1) : 0;
    for (int32_t p = 0; p < partitions; p++) {
        /* a new round of leaders: shift the followers, so rounds differ */
        if (p > 0 && (size_t)p % n == 0)
            shift++;
        size_t leader = (first_leader + (size_t)p) % n;
        int32_t *replicas = assignment + (size_t)p * (size_t)rf;
        replicas[0] = list[leader].id;
        int32_t k = 1;
        /* followers: from the shifted position on, skipping brokers already
         * used and, while some rack has none of this partition, their racks */
        for (size_t j = 0; k < rf && j < 2 * n * n; j++) {
            size_t at = (leader + 1 + (shift + j) % (n - 1)) % n;
            const brook_placement_broker *b = &list[at];
            if (used_broker(replicas, k, b->id))
                continue;
            if (racked && (size_t)k < racks && used_rack(list, n, replicas, k, b->rack))
                continue;
            replicas[k++] = b->id;
        }
    }
    free(list);
    return BROOK_OK;
}
