#include "standalone.h"

#include <stdio.h>
#include <string.h>

brook_err brook_standalone_start(brook_standalone *s, const char *plugin_dir, const char *name, const char *options,
                                 const char *data_dir, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    char text[8192];
    if (snprintf(text, sizeof text, "storage = { plugin = \"%s\"; %s };", name, options ? options : "") >=
        (int)sizeof text) {
        snprintf(err, errlen, "options too long");
        return BROOK_ERR_INVALID;
    }
    brook_err e = brook_config_load(&s->cfg, NULL, text, "options", err, errlen);
    if (!e)
        e = brook_loop_new(&s->loop);
    if (!e)
        e = brook_metrics_new(&s->metrics);
    if (!e)
        e = brook_workers_new(s->loop, 2, &s->workers);
    if (e) {
        brook_standalone_stop(s);
        return e;
    }
    s->env = (brook_host_env){.loop = s->loop, .metrics = s->metrics, .workers = s->workers, .data_dir = data_dir};
    s->conf = (brook_plugin_conf){.name = name, .block = config_lookup(&s->cfg.cfg, "storage")};
    snprintf(s->conf.where, sizeof s->conf.where, "options");
    e = brook_plugin_instance_load(&s->inst, plugin_dir, BROOK_PLUGIN_STORAGE, &s->conf, &s->cfg, &s->env, err, errlen);
    if (!e && (e = s->inst.loaded.desc->init(&s->inst.host, &s->state)))
        snprintf(err, errlen, "%s: init failed: %s (see the plugin's log line above)", name, brook_err_str(e));
    if (e) {
        brook_standalone_stop(s);
        return e;
    }
    s->inst.state = s->state;
    s->inst.started = 1;
    s->ops = brook_storage_of(&s->inst);
    return BROOK_OK;
}

void brook_standalone_stop(brook_standalone *s)
{
    if (s->workers) /* as brookd does: the plugin's blocking jobs finish before its fini */
        brook_workers_free(s->workers);
    s->workers = NULL;
    brook_plugin_instance_unload(&s->inst);
    if (s->metrics)
        brook_metrics_free(s->metrics);
    if (s->loop)
        brook_loop_free(s->loop);
    brook_config_free(&s->cfg);
    memset(s, 0, sizeof *s);
}

static void stop_loop(void *loop)
{
    brook_loop_stop(loop);
}

void brook_standalone_spin(brook_standalone *s, int ms)
{
    brook_loop_timer_add(s->loop, ms, stop_loop, s->loop, NULL);
    brook_loop_run(s->loop);
}
