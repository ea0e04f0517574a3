/* The host services table each plugin instance receives: thin adapters from
 * the SDK's contract to the core's log, config, loop and metrics. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "record_batch.h"
#include "config_options.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "plugin_set.h"
#include "slice.h"
#include "workers.h"

static brook_plugin_instance *instance_of(const brook_host *host)
{
    return host->host_private;
}

static void host_log(const brook_host *host, brook_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    brook_vlog(level, instance_of(host)->log_name, fmt, ap);
    va_end(ap);
}

static const config_setting_t *block_of(const brook_host *host)
{
    return instance_of(host)->conf->block;
}

static const brook_option *options_of(const brook_host *host)
{
    return instance_of(host)->loaded.desc->options;
}

static brook_err host_config_int(const brook_host *host, const char *key, int64_t *out)
{
    return brook_options_int(block_of(host), options_of(host), key, out);
}

static brook_err host_config_bool(const brook_host *host, const char *key, int *out)
{
    return brook_options_bool(block_of(host), options_of(host), key, out);
}

static brook_err host_config_double(const brook_host *host, const char *key, double *out)
{
    return brook_options_double(block_of(host), options_of(host), key, out);
}

static brook_err host_config_string(const brook_host *host, const char *key, const char **out)
{
    return brook_options_string(block_of(host), options_of(host), key, out);
}

static int64_t host_now_ms(const brook_host *host)
{
    (void)host;
    return brook_wall_clock_ms();
}

static int64_t host_monotonic_ms(const brook_host *host)
{
    (void)host;
    return brook_monotonic_ms();
}

static brook_err host_timer_add(const brook_host *host, int64_t delay_ms, void (*cb)(void *arg), void *arg,
                                brook_timer **out)
{
    return brook_loop_timer_add(instance_of(host)->env->loop, delay_ms, cb, arg, out);
}

static void host_timer_cancel(const brook_host *host, brook_timer *timer)
{
    brook_loop_timer_cancel(instance_of(host)->env->loop, timer);
}

static brook_err host_metric_register(const brook_host *host, const char *name, brook_metric_type type,
                                      const char *help, brook_metric **out)
{
    char full[128];
    snprintf(full, sizeof full, "%s_%s", instance_of(host)->log_name, name ? name : "");
    for (char *p = full; *p; p++)
        if (*p == '-')
            *p = '_';
    return brook_metrics_register(instance_of(host)->env->metrics, full, type, help, out);
}

static brook_err host_run_blocking(const brook_host *host, void (*work)(void *arg), void (*done)(void *arg), void *arg)
{
    brook_workers *w = instance_of(host)->env->workers;
    if (!w) {
        /* --check-config and unit tests run without a pool: do it inline */
        if (work)
            work(arg);
        if (done)
            done(arg);
        return BROOK_OK;
    }
    return brook_workers_submit(w, work, done, arg);
}

static brook_err host_post(const brook_host *host, void (*cb)(void *arg), void *arg)
{
    brook_workers *w = instance_of(host)->env->workers;
    if (!w) { /* no pool: the work runs inline on the loop, and so does cb */
        cb(arg);
        return BROOK_OK;
    }
    return brook_workers_post(w, cb, arg);
}

void brook_host_init(brook_plugin_instance *inst)
{
    brook_host *h = &inst->host;
    memset(h, 0, sizeof *h);
    h->size = sizeof *h;
    h->log = host_log;
    h->config_int = host_config_int;
    h->config_bool = host_config_bool;
    h->config_double = host_config_double;
    h->config_string = host_config_string;
    h->now_ms = host_now_ms;
    h->monotonic_ms = host_monotonic_ms;
    h->timer_add = host_timer_add;
    h->timer_cancel = host_timer_cancel;
    h->metric_register = host_metric_register;
    h->metric_add = brook_metric_add;
    h->metric_set = brook_metric_set;
    h->metric_observe = brook_metric_observe;
    h->batch = &brook_batch_ops_impl;
    h->data_dir = inst->env->data_dir;
    h->broker_id = inst->env->broker_id;
    h->host_private = inst;
    h->run_blocking = host_run_blocking;
    h->slice_bytes = brook_slice_bytes;
    h->post = host_post;
}
