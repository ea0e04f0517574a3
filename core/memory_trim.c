#include "memory_trim.h"

#include <malloc.h>

#include "log.h"

static int64_t bytes_moved(const brook_memory_trim *t)
{
    int64_t sum = 0;
    for (int i = 0; i < t->nmoved; i++)
        sum += brook_metric_value(t->moved[i]);
    return sum;
}

static void look(void *arg)
{
    brook_memory_trim *t = arg;
    t->timer = NULL;
    int64_t moved = bytes_moved(t);
    if (moved != t->last_moved) {
        t->last_moved = moved;
        t->trimmed = 0;
    } else if (!t->trimmed) {
        t->trimmed = 1;
        struct mallinfo2 m = mallinfo2();
        if (m.fordblks > MEMORY_TRIM_MIN_FREE) {
            malloc_trim(0);
            brook_metric_add(t->trims_total, 1);
            log_debug("memory: quiet for %lld ms; %zu free heap bytes returned to the system", (long long)t->idle_ms,
                      m.fordblks);
        }
    }
    brook_loop_timer_add(t->loop, t->idle_ms, look, t, &t->timer);
}

brook_err brook_memory_trim_start(brook_memory_trim *t, brook_loop *loop, brook_metrics *metrics, int64_t idle_ms,
                                  brook_metric *const *moved, int n)
{
    *t = (brook_memory_trim){.loop = loop, .idle_ms = idle_ms};
    if (idle_ms <= 0)
        return BROOK_OK;
    if (n < 0 || n > (int)(sizeof t->moved / sizeof t->moved[0]))
        return BROOK_ERR_INVALID;
    for (t->nmoved = 0; t->nmoved < n; t->nmoved++)
        t->moved[t->nmoved] = moved[t->nmoved];
    brook_err e =
        brook_metrics_register(metrics, "memory_trims_total", BROOK_METRIC_COUNTER,
                               "times freed heap was returned to the system after a quiet spell", &t->trims_total);
    if (e)
        return e;
    t->last_moved = bytes_moved(t);
    return brook_loop_timer_add(loop, idle_ms, look, t, &t->timer);
}

void brook_memory_trim_stop(brook_memory_trim *t)
{
    if (t->timer)
        brook_loop_timer_cancel(t->loop, t->timer);
    t->timer = NULL;
}
