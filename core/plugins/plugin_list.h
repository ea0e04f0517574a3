/* `brookd --list-plugins`: every plugin file in a directory, whether this
 * broker can load it, and what it declares (kind, version, description,
 * options with their types, defaults and bounds). */
#ifndef BROOK_CORE_PLUGIN_LIST_H
#define BROOK_CORE_PLUGIN_LIST_H

#include <stdio.h>

/* Print the plugins found in `dir` to `out`, refused ones with the reason.
 * Returns the number of plugins found, or -1 when `dir` cannot be read. */
int brook_plugins_list(const char *dir, FILE *out);

#endif
