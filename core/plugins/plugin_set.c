#include "plugin_set.h"

#include <string.h>

#include "config_options.h"
#include "log.h"

brook_err brook_plugin_instance_load(brook_plugin_instance *inst, const char *dir, brook_plugin_kind kind,
                                     const brook_plugin_conf *conf, const brook_config *c, brook_host_env *env,
                                     char *err, size_t errlen)
{
    char why[1024];
    memset(inst, 0, sizeof *inst);
    inst->conf = conf;
    inst->env = env;
    if (brook_loader_open(dir, kind, conf->name, &inst->loaded, why, sizeof why)) {
        snprintf(err, errlen, "%s: %s", conf->where, why);
        return BROOK_ERR_INVALID;
    }
    snprintf(inst->log_name, sizeof inst->log_name, "%s-%s", brook_kind_name(kind), conf->name);
    if (brook_options_validate(c, conf->block, inst->loaded.desc->options, conf->name, err, errlen))
        return BROOK_ERR_INVALID;
    brook_host_init(inst);
    const brook_plugin_descriptor *d = inst->loaded.desc;
    if (BROOK_HAS_SLOT(d, d->descriptor_size, brook_plugin_descriptor, validate) && d->validate(&inst->host)) {
        snprintf(err, errlen, "%s: %s plugin \"%s\" refuses its configuration (see the plugin's log line above)",
                 conf->where, brook_kind_name(kind), conf->name);
        return BROOK_ERR_INVALID;
    }
    return BROOK_OK;
}

static brook_err check_unique(const brook_plugin_instance *list, size_t count, const char *kind, char *err,
                              size_t errlen)
{
    for (size_t i = 0; i < count; i++)
        for (size_t j = i + 1; j < count; j++)
            if (strcmp(list[i].conf->instance, list[j].conf->instance) == 0) {
                snprintf(err, errlen, "%s: %s plugin \"%s\" is configured twice (first at %s)", list[j].conf->where,
                         kind, list[j].conf->instance, list[i].conf->where);
                return BROOK_ERR_INVALID;
            }
    return BROOK_OK;
}

static void chain_authorizers(brook_plugin_set *set)
{
    for (size_t i = 0; i < set->auth_count; i++)
        if (brook_has_slot(&set->auth[i], brook_auth_ops, authorize))
            set->authorizers[set->authorizer_count++] = &set->auth[i];
}

brook_err brook_plugin_set_load(brook_plugin_set *set, const brook_config *c, const char *dir, brook_host_env *env,
                                char *err, size_t errlen)
{
    const brook_settings *st = &c->settings;
    memset(set, 0, sizeof *set);
    snprintf(set->dir, sizeof set->dir, "%s", dir);
    brook_err e = BROOK_OK;
    for (size_t i = 0; !e && i < st->storage_count; i++, set->storage_count++)
        e = brook_plugin_instance_load(&set->storage[i], set->dir, BROOK_PLUGIN_STORAGE, &st->storage[i], c, env, err,
                                       errlen);
    for (size_t i = 0; !e && i < st->replication_count; i++, set->replication_count++)
        e = brook_plugin_instance_load(&set->replication[i], set->dir, BROOK_PLUGIN_REPLICATION, &st->replication[i], c,
                                       env, err, errlen);
    for (size_t i = 0; !e && i < st->auth_count; i++, set->auth_count++)
        e = brook_plugin_instance_load(&set->auth[i], set->dir, BROOK_PLUGIN_AUTH, &st->auth[i], c, env, err, errlen);
    for (size_t i = 0; !e && i < st->codec_count; i++, set->codec_count++)
        e = brook_plugin_instance_load(&set->codecs[i], set->dir, BROOK_PLUGIN_CODEC, &st->codecs[i], c, env, err,
                                       errlen);
    if (!e)
        e = check_unique(set->storage, set->storage_count, "storage", err, errlen);
    if (!e)
        e = check_unique(set->replication, set->replication_count, "replication", err, errlen);
    if (!e)
        e = check_unique(set->auth, set->auth_count, "auth", err, errlen);
    if (!e)
        e = check_unique(set->codecs, set->codec_count, "codec", err, errlen);
    if (!e)
        chain_authorizers(set);
    return e;
}

static brook_err start_one(brook_plugin_instance *inst, char *err, size_t errlen)
{
    const brook_plugin_descriptor *d = inst->loaded.desc;
    brook_err e = d->init(&inst->host, &inst->state);
    if (e) {
        snprintf(err, errlen, "%s: %s plugin %s (\"%s\" %s): init failed: %s (see the plugin's log line above)",
                 inst->conf->where, brook_kind_name(inst->loaded.kind), inst->loaded.path, d->name, d->version,
                 brook_err_str(e));
        return e;
    }
    inst->started = 1;
    return BROOK_OK;
}

brook_err brook_plugin_set_start(brook_plugin_set *set, char *err, size_t errlen)
{
    brook_err e = BROOK_OK;
    for (size_t i = 0; !e && i < set->storage_count; i++)
        e = start_one(&set->storage[i], err, errlen);
    for (size_t i = 0; !e && i < set->replication_count; i++)
        e = start_one(&set->replication[i], err, errlen);
    for (size_t i = 0; !e && i < set->auth_count; i++)
        e = start_one(&set->auth[i], err, errlen);
    for (size_t i = 0; !e && i < set->codec_count; i++)
        e = start_one(&set->codecs[i], err, errlen);
    return e;
}

void brook_plugin_instance_unload(brook_plugin_instance *inst)
{
    if (inst->started && inst->loaded.desc)
        inst->loaded.desc->fini(inst->state);
    inst->started = 0;
    brook_loader_close(&inst->loaded);
}

void brook_plugin_set_unload(brook_plugin_set *set)
{
    for (size_t i = set->codec_count; i-- > 0;)
        brook_plugin_instance_unload(&set->codecs[i]);
    for (size_t i = set->auth_count; i-- > 0;)
        brook_plugin_instance_unload(&set->auth[i]);
    for (size_t i = set->replication_count; i-- > 0;)
        brook_plugin_instance_unload(&set->replication[i]);
    for (size_t i = set->storage_count; i-- > 0;)
        brook_plugin_instance_unload(&set->storage[i]);
    set->codec_count = set->auth_count = set->replication_count = set->storage_count = 0;
}

static brook_plugin_instance *named(brook_plugin_instance *list, size_t count, const char *name)
{
    if (!name)
        return count ? &list[0] : NULL;
    for (size_t i = 0; i < count; i++)
        if (strcmp(list[i].conf->instance, name) == 0)
            return &list[i];
    return NULL;
}

brook_plugin_instance *brook_plugin_set_storage(brook_plugin_set *set, const char *name)
{
    return named(set->storage, set->storage_count, name);
}

brook_plugin_instance *brook_plugin_set_strategy(brook_plugin_set *set, const char *name)
{
    return named(set->replication, set->replication_count, name);
}

brook_plugin_instance *brook_plugin_set_codec(brook_plugin_set *set, const char *name)
{
    for (size_t i = 0; i < set->codec_count; i++)
        if (strcmp(set->codecs[i].conf->name, name) == 0)
            return &set->codecs[i];
    return NULL;
}

static void print_one(const brook_plugin_instance *inst, const char *kind, FILE *out)
{
    const brook_plugin_descriptor *d = inst->loaded.desc;
    char role[96];
    if (strcmp(inst->conf->instance, inst->conf->name) != 0) /* a named instance: "storage ram" */
        snprintf(role, sizeof role, "%s %s", kind, inst->conf->instance);
    else
        snprintf(role, sizeof role, "%s", kind);
    fprintf(out, "  %-12s %-12s %-8s ABI %u.%u  %s\n", role, d->name, d->version ? d->version : "?", d->abi_major,
            d->abi_minor, inst->loaded.path);
}

void brook_plugin_set_print(const brook_plugin_set *set, FILE *out)
{
    fprintf(out, "plugin set (brookd ABI %d.%d, plugin_dir %s):\n", BROOK_ABI_MAJOR, BROOK_ABI_MINOR, set->dir);
    for (size_t i = 0; i < set->storage_count; i++)
        print_one(&set->storage[i], "storage", out);
    for (size_t i = 0; i < set->replication_count; i++)
        print_one(&set->replication[i], "replication", out);
    for (size_t i = 0; i < set->auth_count; i++)
        print_one(&set->auth[i], brook_has_slot(&set->auth[i], brook_auth_ops, authorize) ? "auth+authz" : "auth", out);
    for (size_t i = 0; i < set->codec_count; i++)
        print_one(&set->codecs[i], "codec", out);
}

brook_err brook_plugin_option_for_config(const brook_plugin_instance *inst, const char *name,
                                         brook_option_for_config *out)
{
    size_t n = 0;
    for (; name[n] && n + 1 < sizeof out->option; n++)
        out->option[n] = name[n] == '.' ? '_' : name[n];
    out->option[n] = 0;
    if (!inst || !inst->conf || !inst->loaded.desc || !inst->loaded.desc->options ||
        brook_options_text(inst->conf->block, inst->loaded.desc->options, out->option, out->value, sizeof out->value) !=
            BROOK_OK)
        return BROOK_ERR_NOT_FOUND;
    out->from_file = inst->conf->block && config_setting_get_member(inst->conf->block, out->option);
    out->declared = NULL;
    for (const brook_option *o = inst->loaded.desc->options; o->name; o++)
        if (strcmp(o->name, out->option) == 0)
            out->declared = o->default_value;
    return BROOK_OK;
}
