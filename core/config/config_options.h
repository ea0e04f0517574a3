/* A plugin's configuration block checked against the options the plugin
 * declares (brook_option), and typed reads of it with declared defaults. */
#ifndef BROOK_CORE_CONFIG_OPTIONS_H
#define BROOK_CORE_CONFIG_OPTIONS_H

#include <libconfig.h>
#include <stddef.h>

#include <brook/plugin.h>

#include "config.h"

/* Every key of `block` other than `plugin` must be a declared option of the
 * right type; declared defaults must parse. `block` may be NULL (no options
 * given). Errors read "file:line: path: message". */
brook_err brook_options_validate(const brook_config *c, const config_setting_t *block, const brook_option *opts,
                                 const char *plugin_name, char *err, size_t errlen);

brook_err brook_options_int(const config_setting_t *block, const brook_option *opts, const char *key, int64_t *out);
brook_err brook_options_bool(const config_setting_t *block, const brook_option *opts, const char *key, int *out);
brook_err brook_options_double(const config_setting_t *block, const brook_option *opts, const char *key, double *out);
brook_err brook_options_string(const config_setting_t *block, const brook_option *opts, const char *key,
                               const char **out);
/* Any option as text (integers in decimal, doubles with %g, booleans as
 * true/false), the way Kafka's configs show values. */
brook_err brook_options_text(const config_setting_t *block, const brook_option *opts, const char *key, char *out,
                             size_t outlen);

#endif
