#include "metrics.h"

#include <stdlib.h>
#include <string.h>

#include "histogram.h"

struct brook_metric {
    char name[128];
    char help[160];
    brook_metric_type type;
    int64_t value;          /* counters and gauges */
    brook_histogram *times; /* histograms */
    brook_metric *next;
};

struct brook_metrics {
    brook_metric *head;
    brook_metric *tail;
};

brook_err brook_metrics_new(brook_metrics **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? BROOK_OK : BROOK_ERR_NOMEM;
}

void brook_metrics_free(brook_metrics *m)
{
    if (!m)
        return;
    for (brook_metric *x = m->head, *next; x; x = next) {
        next = x->next;
        free(x->times);
        free(x);
    }
    free(m);
}

brook_err brook_metrics_register(brook_metrics *m, const char *name, brook_metric_type type, const char *help,
                                 brook_metric **out)
{
    if (!name || !*name || strlen(name) >= sizeof(((brook_metric *)0)->name))
        return BROOK_ERR_INVALID;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return BROOK_ERR_INVALID;
    if (type != BROOK_METRIC_COUNTER && type != BROOK_METRIC_GAUGE && type != BROOK_METRIC_HISTOGRAM)
        return BROOK_ERR_INVALID;
    for (brook_metric *x = m->head; x; x = x->next) {
        if (strcmp(x->name, name) == 0) {
            if (x->type != type)
                return BROOK_ERR_EXISTS;
            *out = x;
            return BROOK_OK;
        }
    }
    brook_metric *x = calloc(1, sizeof *x);
    if (x && type == BROOK_METRIC_HISTOGRAM && !(x->times = calloc(1, sizeof *x->times))) {
        free(x);
        x = NULL;
    }
    if (!x)
        return BROOK_ERR_NOMEM;
    snprintf(x->name, sizeof x->name, "%s", name);
    snprintf(x->help, sizeof x->help, "%s", help ? help : "");
    x->type = type;
    if (m->tail)
        m->tail->next = x;
    else
        m->head = x;
    m->tail = x;
    *out = x;
    return BROOK_OK;
}

/* Values are atomic so any thread may count; the registry itself (names,
 * the list) changes only on the event loop, which also reads it. */
void brook_metric_add(brook_metric *metric, int64_t delta)
{
    if (metric)
        __atomic_fetch_add(&metric->value, delta, __ATOMIC_RELAXED);
}

void brook_metric_set(brook_metric *metric, int64_t value)
{
    if (metric)
        __atomic_store_n(&metric->value, value, __ATOMIC_RELAXED);
}

void brook_metric_observe(brook_metric *metric, double seconds)
{
    if (metric && metric->times)
        brook_histogram_observe(metric->times, seconds);
}

int64_t brook_metric_value(const brook_metric *metric)
{
    return metric ? __atomic_load_n(&metric->value, __ATOMIC_RELAXED) : 0;
}

/* HELP text escapes backslash and newline (Prometheus text format 0.0.4). */
static void write_help(FILE *out, const char *help)
{
    for (const char *p = help; *p; p++) {
        if (*p == '\\')
            fputs("\\\\", out);
        else if (*p == '\n')
            fputs("\\n", out);
        else
            fputc(*p, out);
    }
}

static const char *type_name(brook_metric_type type)
{
    return type == BROOK_METRIC_COUNTER ? "counter" : type == BROOK_METRIC_GAUGE ? "gauge" : "histogram";
}

void brook_metrics_write(const brook_metrics *m, FILE *out)
{
    for (const brook_metric *x = m->head; x; x = x->next) {
        fprintf(out, "# HELP brook_%s ", x->name);
        write_help(out, x->help);
        fprintf(out, "\n# TYPE brook_%s %s\n", x->name, type_name(x->type));
        if (x->times) {
            char name[sizeof x->name + 8];
            snprintf(name, sizeof name, "brook_%s", x->name);
            brook_histogram_write(x->times, out, name, "");
        } else {
            fprintf(out, "brook_%s %lld\n", x->name, (long long)brook_metric_value(x));
        }
    }
}

void brook_metrics_write_label_value(FILE *out, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            fputc('\\', out);
        if (*v == '\n')
            fputs("\\n", out);
        else
            fputc(*v, out);
    }
}
