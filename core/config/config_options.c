#include "config_options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const brook_option *find_option(const brook_option *opts, const char *key)
{
    for (const brook_option *o = opts; o && o->name; o++)
        if (strcmp(o->name, key) == 0)
            return o;
    return NULL;
}

static const char *option_type_name(brook_option_type t)
{
    switch (t) {
    case BROOK_OPT_INT: return "an integer";
    case BROOK_OPT_BOOL: return "a boolean (true or false)";
    case BROOK_OPT_STRING: return "a string";
    case BROOK_OPT_DOUBLE: return "a number";
    }
    return "?";
}

static int type_matches(brook_option_type t, int cfg_type)
{
    switch (t) {
    case BROOK_OPT_INT: return cfg_type == CONFIG_TYPE_INT || cfg_type == CONFIG_TYPE_INT64;
    case BROOK_OPT_BOOL: return cfg_type == CONFIG_TYPE_BOOL;
    case BROOK_OPT_STRING: return cfg_type == CONFIG_TYPE_STRING;
    case BROOK_OPT_DOUBLE:
        return cfg_type == CONFIG_TYPE_FLOAT || cfg_type == CONFIG_TYPE_INT || cfg_type == CONFIG_TYPE_INT64;
    }
    return 0;
}

static int parse_default(const brook_option *o, int64_t *i, double *d, int *b)
{
    char *end = NULL;
    errno = 0;
    switch (o->type) {
    case BROOK_OPT_INT: *i = strtoll(o->default_value, &end, 0); return errno || *end || end == o->default_value;
    case BROOK_OPT_DOUBLE: *d = strtod(o->default_value, &end); return errno || *end || end == o->default_value;
    case BROOK_OPT_BOOL:
        if (strcmp(o->default_value, "true") == 0)
            *b = 1;
        else if (strcmp(o->default_value, "false") == 0)
            *b = 0;
        else
            return 1;
        return 0;
    case BROOK_OPT_STRING: return 0;
    }
    return 1;
}

brook_err brook_options_validate(const brook_config *c, const config_setting_t *block, const brook_option *opts,
                                 const char *plugin_name, char *err, size_t errlen)
{
    for (const brook_option *o = opts; o && o->name; o++) {
        int64_t i;
        double d;
        int b;
        if (o->default_value && parse_default(o, &i, &d, &b)) {
            snprintf(err, errlen, "plugin \"%s\" declares option \"%s\" with a default \"%s\" that is not %s",
                     plugin_name, o->name, o->default_value, option_type_name(o->type));
            return BROOK_ERR_INVALID;
        }
    }
    if (!block)
        return BROOK_OK;
    for (int k = 0; k < config_setting_length(block); k++) {
        const config_setting_t *s = config_setting_get_elem(block, (unsigned)k);
        const char *name = config_setting_name(s);
        if (strcmp(name, "plugin") == 0)
            continue;
        char where[300], path[256];
        brook_config_where(c, s, where, sizeof where);
        brook_config_path(s, path, sizeof path);
        const brook_option *o = find_option(opts, name);
        if (!o) {
            snprintf(err, errlen, "%s: %s: unknown key (plugin \"%s\" has no option \"%s\")", where, path, plugin_name,
                     name);
            return BROOK_ERR_INVALID;
        }
        if (!type_matches(o->type, config_setting_type(s))) {
            snprintf(err, errlen, "%s: %s: must be %s", where, path, option_type_name(o->type));
            return BROOK_ERR_INVALID;
        }
    }
    return BROOK_OK;
}

/* The option `key` of `type`, and its configured setting if any. */
static brook_err lookup(const config_setting_t *block, const brook_option *opts, const char *key,
                        brook_option_type type, const brook_option **o, const config_setting_t **s)
{
    *o = find_option(opts, key);
    if (!*o || (*o)->type != type)
        return BROOK_ERR_INVALID;
    *s = block ? config_setting_get_member(block, key) : NULL;
    if (!*s && !(*o)->default_value)
        return BROOK_ERR_NOT_FOUND;
    return BROOK_OK;
}

brook_err brook_options_int(const config_setting_t *block, const brook_option *opts, const char *key, int64_t *out)
{
    const brook_option *o;
    const config_setting_t *s;
    brook_err e = lookup(block, opts, key, BROOK_OPT_INT, &o, &s);
    if (e)
        return e;
    *out = s ? config_setting_get_int64(s) : strtoll(o->default_value, NULL, 0);
    return BROOK_OK;
}

brook_err brook_options_bool(const config_setting_t *block, const brook_option *opts, const char *key, int *out)
{
    const brook_option *o;
    const config_setting_t *s;
    brook_err e = lookup(block, opts, key, BROOK_OPT_BOOL, &o, &s);
    if (e)
        return e;
    *out = s ? config_setting_get_bool(s) : strcmp(o->default_value, "true") == 0;
    return BROOK_OK;
}

brook_err brook_options_double(const config_setting_t *block, const brook_option *opts, const char *key, double *out)
{
    const brook_option *o;
    const config_setting_t *s;
    brook_err e = lookup(block, opts, key, BROOK_OPT_DOUBLE, &o, &s);
    if (e)
        return e;
    if (!s)
        *out = strtod(o->default_value, NULL);
    else if (config_setting_type(s) == CONFIG_TYPE_FLOAT)
        *out = config_setting_get_float(s);
    else
        *out = (double)config_setting_get_int64(s);
    return BROOK_OK;
}

brook_err brook_options_string(const config_setting_t *block, const brook_option *opts, const char *key,
                               const char **out)
{
    const brook_option *o;
    const config_setting_t *s;
    brook_err e = lookup(block, opts, key, BROOK_OPT_STRING, &o, &s);
    if (e)
        return e;
    *out = s ? config_setting_get_string(s) : o->default_value;
    return BROOK_OK;
}
