/* Finding, opening and vetting plugin shared objects. The loader answers
 * "is this file a plugin of this kind we can run?" and nothing else:
 * configuring and starting plugins is plugin_set's job. */
#ifndef BROOK_CORE_LOADER_H
#define BROOK_CORE_LOADER_H

#include <limits.h>
#include <stddef.h>

#include <brook/plugin.h>

typedef struct brook_loaded {
    brook_plugin_kind kind;
    char path[PATH_MAX];
    void *dl;
    const brook_plugin_descriptor *desc;
    const void *vtable;
    uint32_t vtable_size; /* the plugin's, never more than the core's */
} brook_loaded;

const char *brook_kind_name(brook_plugin_kind kind);

/* sizeof the core's vtable for `kind`. */
size_t brook_kind_vtable_size(brook_plugin_kind kind);

/* The default plugin directory for a brookd at `exe_path`: "<dir>/../plugins"
 * when it exists (build tree), else "<dir>/../<libdir>/brook/plugins" (the
 * install layout), resolved to an absolute path. */
void brook_loader_default_dir(const char *exe_path, char *out, size_t outlen);

/* Open <dir>/brook_<kind>_<name>.so and check its descriptor. On failure
 * `err` holds one line naming the file and both ABI versions. */
brook_err brook_loader_open(const char *dir, brook_plugin_kind kind, const char *name, brook_loaded *out, char *err,
                            size_t errlen);

void brook_loader_close(brook_loaded *p);

#endif
