/* Giving freed heap back to the system once the broker goes quiet.
 *
 * main.c has glibc keep up to 256 MiB of freed heap for reuse: requests
 * and responses come and go by the megabyte, and on this kind of machine
 * taking fresh pages is what a busy broker would spend its time on (a lower
 * threshold measured a consume run at 10,000 partitions at a quarter of
 * its speed, trimming and faulting back the same 100+ MiB). The price was
 * that a burst left it all resident: 200 MiB after one consumer read
 * 10,000 partitions, 17 MiB of it in use.
 *
 * So: every `idle_ms`, if no record bytes were produced, fetched or
 * replicated since the last look, nothing is about to reuse that memory;
 * if the heap then holds more than MEMORY_TRIM_MIN_FREE free bytes,
 * malloc_trim returns their pages (once per quiet spell). */
#ifndef BROOK_CORE_MEMORY_TRIM_H
#define BROOK_CORE_MEMORY_TRIM_H

#include <stdint.h>

#include "loop.h"
#include "metrics.h"

#define MEMORY_TRIM_MIN_FREE ((size_t)16 << 20)

typedef struct brook_memory_trim {
    brook_loop *loop;
    brook_timer *timer;
    int64_t idle_ms;
    brook_metric *moved[4]; /* counters of record bytes moved */
    int nmoved;
    int64_t last_moved;
    int trimmed; /* in this quiet spell */
    brook_metric *trims_total;
} brook_memory_trim;

/* Watch the byte counters `moved[0..n)` (n <= 4; the counters must outlive
 * the trimmer); idle_ms 0 does nothing. */
brook_err brook_memory_trim_start(brook_memory_trim *t, brook_loop *loop, brook_metrics *metrics, int64_t idle_ms,
                                  brook_metric *const *moved, int n);
void brook_memory_trim_stop(brook_memory_trim *t);

#endif
