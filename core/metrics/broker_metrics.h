/* Gauges computed from the broker's state when the metrics endpoint is
 * scraped, labelled per partition and per consumer group: log start and end
 * offsets, high watermarks, committed offsets and consumer lag. */
#ifndef BROOK_CORE_BROKER_METRICS_H
#define BROOK_CORE_BROKER_METRICS_H

#include <stdio.h>

/* `broker` is a brook_broker (the metrics endpoint's collector signature). */
void brook_broker_write_metrics(void *broker, FILE *out);

#endif
