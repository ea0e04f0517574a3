#include "producer_state.h"

#include <stdlib.h>
#include <string.h>

typedef struct recent {
    int32_t first_seq;
    int32_t last_seq;
    int64_t base_offset;
} recent;

typedef struct producer {
    struct producer *next; /* most recently used first */
    int64_t id;
    int16_t epoch;
    int32_t last_seq;
    recent batches[BROOK_PRODUCER_RECENT_BATCHES];
    int nbatches;
    int oldest;
} producer;

struct brook_producers {
    producer *head;
    int count;
};

static producer *find(brook_producers *ps, int64_t id)
{
    producer **pp = &ps->head;
    for (producer *p = ps->head; p; pp = &p->next, p = p->next) {
        if (p->id == id) {
            *pp = p->next; /* move to front */
            p->next = ps->head;
            ps->head = p;
            return p;
        }
    }
    return NULL;
}

static int32_t last_seq_of(const brook_batch_info *b)
{
    int64_t last = (int64_t)b->base_sequence + (b->last_offset - b->base_offset);
    return (int32_t)(last > INT32_MAX ? last - INT32_MAX - 1 : last); /* sequences wrap to 0 */
}

brook_err brook_producers_check(brook_producers **ps, const brook_batch_info *b, int64_t *dup_base_offset)
{
    if (b->producer_id < 0 || !*ps)
        return BROOK_OK;
    producer *p = find(*ps, b->producer_id);
    if (!p)
        return BROOK_OK; /* unknown (new, or forgotten by a restart): accepted */
    if (b->producer_epoch < p->epoch)
        return BROOK_ERR_INVALID_PRODUCER_EPOCH;
    if (b->producer_epoch > p->epoch)
        return b->base_sequence == 0 ? BROOK_OK : BROOK_ERR_OUT_OF_ORDER_SEQUENCE;
    for (int i = 0; i < p->nbatches; i++) {
        if (p->batches[i].first_seq == b->base_sequence && p->batches[i].last_seq == last_seq_of(b)) {
            *dup_base_offset = p->batches[i].base_offset;
            return BROOK_ERR_EXISTS;
        }
    }
    int32_t expected = p->last_seq == INT32_MAX ? 0 : p->last_seq + 1;
    return b->base_sequence == expected ? BROOK_OK : BROOK_ERR_OUT_OF_ORDER_SEQUENCE;
}

void brook_producers_record(brook_producers **ps, const brook_batch_info *b, int64_t base_offset)
{
    if (b->producer_id < 0)
        return;
    if (!*ps && !(*ps = calloc(1, sizeof **ps)))
        return;
    producer *p = find(*ps, b->producer_id);
    if (!p) {
        if ((*ps)->count >= BROOK_PRODUCERS_PER_PARTITION) {
            /* forget the least recently used producer */
            producer **pp = &(*ps)->head;
            while ((*pp)->next)
                pp = &(*pp)->next;
            p = *pp;
            *pp = NULL;
            (*ps)->count--;
        } else if (!(p = malloc(sizeof *p))) {
            return;
        }
        memset(p, 0, sizeof *p);
        p->id = b->producer_id;
        p->next = (*ps)->head;
        (*ps)->head = p;
        (*ps)->count++;
        p->epoch = b->producer_epoch;
    }
    if (b->producer_epoch != p->epoch) {
        p->epoch = b->producer_epoch;
        p->nbatches = 0;
        p->oldest = 0;
    }
    recent r = {b->base_sequence, last_seq_of(b), base_offset};
    if (p->nbatches < BROOK_PRODUCER_RECENT_BATCHES) {
        p->batches[p->nbatches++] = r;
    } else {
        p->batches[p->oldest] = r;
        p->oldest = (p->oldest + 1) % BROOK_PRODUCER_RECENT_BATCHES;
    }
    p->last_seq = r.last_seq;
}

void brook_producers_free(brook_producers *ps)
{
    if (!ps)
        return;
    for (producer *p = ps->head, *next; p; p = next) {
        next = p->next;
        free(p);
    }
    free(ps);
}
