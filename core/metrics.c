#include "metrics.h"

#include <stdlib.h>
#include <string.h>

struct brook_metric {
    char name[128];
    char help[160];
    brook_metric_type type;
    int64_t value;
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
    for (brook_metric *x = m->head; x; x = x->next) {
        if (strcmp(x->name, name) == 0) {
            if (x->type != type)
                return BROOK_ERR_EXISTS;
            *out = x;
            return BROOK_OK;
        }
    }
    brook_metric *x = calloc(1, sizeof *x);
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

void brook_metric_add(brook_metric *metric, int64_t delta)
{
    if (metric)
        metric->value += delta;
}

void brook_metric_set(brook_metric *metric, int64_t value)
{
    if (metric)
        metric->value = value;
}

int64_t brook_metric_value(const brook_metric *metric)
{
    return metric ? metric->value : 0;
}

void brook_metrics_write(const brook_metrics *m, FILE *out)
{
    for (const brook_metric *x = m->head; x; x = x->next) {
        fprintf(out, "# HELP brook_%s %s\n# TYPE brook_%s %s\nbrook_%s %lld\n", x->name, x->help, x->name,
                x->type == BROOK_METRIC_COUNTER ? "counter" : "gauge", x->name, (long long)x->value);
    }
}
