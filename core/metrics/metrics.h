/* The metrics registry: named counters, gauges and histograms registered
 * by the core and by plugins (through the host table), dumped on request. */
#ifndef BROOK_CORE_METRICS_H
#define BROOK_CORE_METRICS_H

#include <stdint.h>
#include <stdio.h>

#include <brook/plugin.h>

typedef struct brook_metrics brook_metrics;

brook_err brook_metrics_new(brook_metrics **out);
void brook_metrics_free(brook_metrics *m);

/* Registering an existing name returns the same metric (types must agree). */
brook_err brook_metrics_register(brook_metrics *m, const char *name, brook_metric_type type, const char *help,
                                 brook_metric **out);
void brook_metric_add(brook_metric *metric, int64_t delta);
void brook_metric_set(brook_metric *metric, int64_t value);
/* A duration into a histogram (any thread); nothing for other types. */
void brook_metric_observe(brook_metric *metric, double seconds);
int64_t brook_metric_value(const brook_metric *metric);

/* Prometheus text format, sorted by registration order. */
void brook_metrics_write(const brook_metrics *m, FILE *out);

/* A label's value, escaped as the text format wants (backslash, double
 * quote, newline): for values clients choose (group ids, client ids). */
void brook_metrics_write_label_value(FILE *out, const char *v);

#endif
