#include "histogram.h"

/* Seconds. Requests range from tens of microseconds (metadata) to the
 * long polls and acknowledgement waits clients ask for (seconds). The
 * bounds are close together from 0.5 to 25 ms, where a produce under
 * flush "always" lands (one or two fdatasyncs): with only 2.5, 5 and 10
 * there, a p99 of 2.6 ms and one of 4.9 ms read the same. Every bound of
 * the first version is kept, so queries naming one still work. */
static const double bounds[BROOK_HISTOGRAM_BUCKETS] = {0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.0025,
                                                       0.003,  0.004,   0.005,  0.0075,  0.01,  0.015,  0.025, 0.05,
                                                       0.1,    0.25,    0.5,    1,       2.5,   5,      10};

void brook_histogram_observe(brook_histogram *h, double seconds)
{
    int i = 0;
    while (i < BROOK_HISTOGRAM_BUCKETS && seconds > bounds[i])
        i++;
    uint64_t ns = seconds > 0 ? (uint64_t)(seconds * 1e9 + 0.5) : 0;
    __atomic_fetch_add(&h->in_bucket[i], 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&h->sum_ns, ns, __ATOMIC_RELAXED);
    __atomic_fetch_add(&h->count, 1, __ATOMIC_RELAXED);
}

uint64_t brook_histogram_count(const brook_histogram *h)
{
    return __atomic_load_n(&h->count, __ATOMIC_RELAXED);
}

void brook_histogram_write(const brook_histogram *h, FILE *out, const char *name, const char *labels)
{
    const char *sep = *labels ? "," : "";
    /* The count written is the +Inf bucket's, not h->count: an observation
     * landing between the two reads would make them disagree, and
     * Prometheus requires them equal. */
    uint64_t cumulative = 0;
    for (int i = 0; i <= BROOK_HISTOGRAM_BUCKETS; i++) {
        cumulative += __atomic_load_n(&h->in_bucket[i], __ATOMIC_RELAXED);
        char le[32] = "+Inf";
        if (i < BROOK_HISTOGRAM_BUCKETS)
            snprintf(le, sizeof le, "%g", bounds[i]);
        fprintf(out, "%s_bucket{%s%sle=\"%s\"} %llu\n", name, labels, sep, le, (unsigned long long)cumulative);
    }
    const char *open = *labels ? "{" : "", *close = *labels ? "}" : "";
    double sum = (double)__atomic_load_n(&h->sum_ns, __ATOMIC_RELAXED) / 1e9;
    fprintf(out, "%s_sum%s%s%s %.6f\n", name, open, labels, close, sum);
    fprintf(out, "%s_count%s%s%s %llu\n", name, open, labels, close, (unsigned long long)cumulative);
}
