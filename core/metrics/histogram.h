/* A latency histogram with fixed buckets, rendered in the Prometheus text
 * format (cumulative `_bucket{le=...}` lines, `_sum`, `_count`). Any
 * thread may observe (relaxed atomic counts: a plugin's I/O threads time
 * their syncs); the loop renders it. */
#ifndef BROOK_CORE_HISTOGRAM_H
#define BROOK_CORE_HISTOGRAM_H

#include <stdint.h>
#include <stdio.h>

#define BROOK_HISTOGRAM_BUCKETS 23 /* upper bounds from 0.1 ms to 10 s, then +Inf */

typedef struct brook_histogram {
    uint64_t in_bucket[BROOK_HISTOGRAM_BUCKETS + 1]; /* not cumulative; the last is +Inf */
    uint64_t count;
    uint64_t sum_ns;
} brook_histogram;

void brook_histogram_observe(brook_histogram *h, double seconds);
/* Observations so far. */
uint64_t brook_histogram_count(const brook_histogram *h);

/* The sample lines of one labelled series of family `name` ("brook_..."),
 * `labels` being `key="value"` pairs without braces ("" for none). */
void brook_histogram_write(const brook_histogram *h, FILE *out, const char *name, const char *labels);

#endif
