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

/* `text` as a value of option type `t` (bools: true/false). 0 on success. */
static int parse_value(brook_option_type t, const char *text, int64_t *i, double *d, int *b)
{
    char *end = NULL;
    errno = 0;
    switch (t) {
    case BROOK_OPT_INT: *i = strtoll(text, &end, 0); return errno || *end || end == text;
    case BROOK_OPT_DOUBLE: *d = strtod(text, &end); return errno || *end || end == text;
    case BROOK_OPT_BOOL:
        if (strcmp(text, "true") == 0)
            *b = 1;
        else if (strcmp(text, "false") == 0)
            *b = 0;
        else
            return 1;
        return 0;
    case BROOK_OPT_STRING: return 0;
    }
    return 1;
}

static int is_numeric(brook_option_type t)
{
    return t == BROOK_OPT_INT || t == BROOK_OPT_DOUBLE;
}

static int is_allowed(const brook_option *o, const char *value)
{
    if (!o->allowed)
        return 1;
    for (const char *const *a = o->allowed; *a; a++)
        if (strcmp(*a, value) == 0)
            return 1;
    return 0;
}

/* "must be between 1 and 9", "must be >= 1" or "must be <= 9". */
static void describe_range(const brook_option *o, char *out, size_t outlen)
{
    if (o->min && o->max)
        snprintf(out, outlen, "must be between %s and %s", o->min, o->max);
    else if (o->min)
        snprintf(out, outlen, "must be >= %s", o->min);
    else
        snprintf(out, outlen, "must be <= %s", o->max);
}

/* "must be one of "a", "b" or "c"". */
static void describe_allowed(const brook_option *o, char *out, size_t outlen)
{
    size_t n = 0;
    while (o->allowed[n])
        n++;
    int w = snprintf(out, outlen, "must be %s", n > 1 ? "one of " : "");
    for (size_t k = 0; k < n && w > 0 && (size_t)w < outlen; k++)
        w += snprintf(out + w, outlen - (size_t)w, "\"%s\"%s", o->allowed[k],
                      k + 2 < n    ? ", "
                      : k + 2 == n ? " or "
                                   : "");
}

/* Whether a number lies inside the option's declared bounds. */
static int in_range(const brook_option *o, int64_t i, double d)
{
    int64_t bi = 0; /* set by parse_value; gcc -O3 cannot tell */
    double bd = 0;
    int bb = 0;
    if (o->min && !parse_value(o->type, o->min, &bi, &bd, &bb) && (o->type == BROOK_OPT_INT ? i < bi : d < bd))
        return 0;
    if (o->max && !parse_value(o->type, o->max, &bi, &bd, &bb) && (o->type == BROOK_OPT_INT ? i > bi : d > bd))
        return 0;
    return 1;
}

/* A mistake in the plugin's own table (a default that does not parse or
 * breaks its own bounds) is the plugin's bug: refuse it by name. */
static brook_err check_declaration(const brook_option *o, const char *plugin_name, char *err, size_t errlen)
{
    int64_t i = 0, bound_i;
    double d = 0, bound_d;
    int b;
    const char *bad = NULL;
    if (o->type < BROOK_OPT_INT || o->type > BROOK_OPT_DOUBLE)
        bad = "an unknown type";
    else if (o->default_value && parse_value(o->type, o->default_value, &i, &d, &b))
        bad = "a default that does not parse as its type";
    else if ((o->min || o->max) && !is_numeric(o->type))
        bad = "bounds on an option that is not a number";
    else if ((o->min && parse_value(o->type, o->min, &bound_i, &bound_d, &b)) ||
             (o->max && parse_value(o->type, o->max, &bound_i, &bound_d, &b)))
        bad = "bounds that do not parse as its type";
    else if (o->allowed && o->type != BROOK_OPT_STRING)
        bad = "allowed values on an option that is not a string";
    else if (o->name && (strcmp(o->name, "plugin") == 0 || strcmp(o->name, "name") == 0))
        bad = "a name the plugin block keeps for itself (plugin, name)";
    else if ((o->flags & BROOK_OPT_F_REQUIRED) && o->default_value)
        bad = "a default although it is required";
    else if (o->default_value && is_numeric(o->type) && !in_range(o, i, d)) /* i, d: the default, parsed above */
        bad = "a default outside its bounds";
    else if (o->default_value && o->type == BROOK_OPT_STRING && !is_allowed(o, o->default_value))
        bad = "a default that is not among its allowed values";
    if (!bad)
        return BROOK_OK;
    snprintf(err, errlen, "plugin \"%s\" declares option \"%s\" with %s (default \"%s\")", plugin_name, o->name, bad,
             o->default_value ? o->default_value : "");
    return BROOK_ERR_INVALID;
}

/* One configured value against its declaration: type, bounds, allowed values. */
static brook_err check_value(const brook_option *o, const config_setting_t *s, const char *where, const char *path,
                             char *err, size_t errlen)
{
    char why[512];
    if (!type_matches(o->type, config_setting_type(s))) {
        snprintf(err, errlen, "%s: %s: must be %s", where, path, option_type_name(o->type));
        return BROOK_ERR_INVALID;
    }
    if (is_numeric(o->type) && (o->min || o->max)) {
        int is_float = config_setting_type(s) == CONFIG_TYPE_FLOAT;
        int64_t i = is_float ? 0 : config_setting_get_int64(s);
        double d = is_float ? config_setting_get_float(s) : (double)i;
        if (!in_range(o, i, d)) {
            describe_range(o, why, sizeof why);
            snprintf(err, errlen, "%s: %s: %s", where, path, why);
            return BROOK_ERR_INVALID;
        }
    }
    if (o->type == BROOK_OPT_STRING && !is_allowed(o, config_setting_get_string(s))) {
        describe_allowed(o, why, sizeof why);
        snprintf(err, errlen, "%s: %s: %s, not \"%s\"", where, path, why, config_setting_get_string(s));
        return BROOK_ERR_INVALID;
    }
    return BROOK_OK;
}

brook_err brook_options_validate(const brook_config *c, const config_setting_t *block, const brook_option *opts,
                                 const char *plugin_name, char *err, size_t errlen)
{
    for (const brook_option *o = opts; o && o->name; o++)
        if (check_declaration(o, plugin_name, err, errlen))
            return BROOK_ERR_INVALID;
    for (int k = 0; block && k < config_setting_length(block); k++) {
        const config_setting_t *s = config_setting_get_elem(block, (unsigned)k);
        const char *name = config_setting_name(s);
        if (strcmp(name, "plugin") == 0 || strcmp(name, "name") == 0) /* the block's own keys */
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
        if (check_value(o, s, where, path, err, errlen))
            return BROOK_ERR_INVALID;
    }
    for (const brook_option *o = opts; o && o->name; o++) {
        if (!(o->flags & BROOK_OPT_F_REQUIRED) || (block && config_setting_get_member(block, o->name)))
            continue;
        char where[300] = "", path[256] = "";
        if (block) {
            brook_config_where(c, block, where, sizeof where);
            brook_config_path(block, path, sizeof path);
        }
        snprintf(err, errlen, "%s%s%s%s: plugin \"%s\" needs option \"%s\" (%s)", where, where[0] ? ": " : "", path,
                 path[0] ? "" : "configuration", plugin_name, o->name, o->doc ? o->doc : "required");
        return BROOK_ERR_INVALID;
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

brook_err brook_options_text(const config_setting_t *block, const brook_option *opts, const char *key, char *out,
                             size_t outlen)
{
    const brook_option *o = find_option(opts, key);
    if (!o)
        return BROOK_ERR_INVALID;
    int64_t i;
    double d;
    int b;
    const char *s;
    brook_err e;
    switch (o->type) {
    case BROOK_OPT_INT:
        if (!(e = brook_options_int(block, opts, key, &i)))
            snprintf(out, outlen, "%lld", (long long)i);
        return e;
    case BROOK_OPT_DOUBLE:
        if (!(e = brook_options_double(block, opts, key, &d)))
            snprintf(out, outlen, "%g", d);
        return e;
    case BROOK_OPT_BOOL:
        if (!(e = brook_options_bool(block, opts, key, &b)))
            snprintf(out, outlen, "%s", b ? "true" : "false");
        return e;
    case BROOK_OPT_STRING:
        if (!(e = brook_options_string(block, opts, key, &s)))
            snprintf(out, outlen, "%s", s);
        return e;
    }
    return BROOK_ERR_INVALID;
}
