#include "plugin_list.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"

static const char *option_type_name(brook_option_type t)
{
    switch (t) {
    case BROOK_OPT_INT: return "int";
    case BROOK_OPT_BOOL: return "bool";
    case BROOK_OPT_STRING: return "string";
    case BROOK_OPT_DOUBLE: return "double";
    }
    return "?";
}

/* "default 1024, 1024..4294967295" / "required" / "one of a|b|c". */
static void describe_option(const brook_option *o, char *out, size_t outlen)
{
    int w;
    if (o->flags & BROOK_OPT_F_REQUIRED)
        w = snprintf(out, outlen, "required");
    else if (o->default_value)
        w = snprintf(out, outlen, o->type == BROOK_OPT_STRING ? "default \"%s\"" : "default %s", o->default_value);
    else
        w = snprintf(out, outlen, "no default");
    if (w < 0 || (size_t)w >= outlen)
        return;
    if (o->min || o->max)
        w += snprintf(out + w, outlen - (size_t)w, ", %s..%s", o->min ? o->min : "", o->max ? o->max : "");
    for (const char *const *a = o->allowed; a && *a && w > 0 && (size_t)w < outlen; a++)
        w += snprintf(out + w, outlen - (size_t)w, "%s%s", a == o->allowed ? ", one of " : "|", *a);
}

static void print_plugin(const brook_loaded *p, FILE *out)
{
    const brook_plugin_descriptor *d = p->desc;
    fprintf(out, "%-11s %-12s %-8s ABI %u.%u  %s\n", brook_kind_name(p->kind), d->name, d->version ? d->version : "?",
            d->abi_major, d->abi_minor, p->path);
    if (d->description)
        fprintf(out, "    %s\n", d->description);
    for (const brook_option *o = d->options; o && o->name; o++) {
        char how[512];
        describe_option(o, how, sizeof how);
        fprintf(out, "    %-24s %-6s %s\n", o->name, option_type_name(o->type), how);
        if (o->doc)
            fprintf(out, "    %-24s        %s\n", "", o->doc);
    }
}

/* "brook_storage_segment.so" -> storage, "segment". */
static int parse_file_name(const char *file, brook_plugin_kind *kind, char *name, size_t namelen)
{
    static const brook_plugin_kind kinds[] = {BROOK_PLUGIN_STORAGE, BROOK_PLUGIN_REPLICATION, BROOK_PLUGIN_AUTH,
                                              BROOK_PLUGIN_CODEC};
    size_t len = strlen(file);
    if (strncmp(file, "brook_", 6) != 0 || len < 4 || strcmp(file + len - 3, ".so") != 0)
        return -1;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        const char *k = brook_kind_name(kinds[i]);
        size_t klen = strlen(k);
        if (strncmp(file + 6, k, klen) == 0 && file[6 + klen] == '_') {
            const char *n = file + 6 + klen + 1;
            size_t nlen = len - 3 - (size_t)(n - file);
            if (nlen == 0 || nlen >= namelen)
                return -1;
            memcpy(name, n, nlen);
            name[nlen] = '\0';
            *kind = kinds[i];
            return 0;
        }
    }
    return -1;
}

int brook_plugins_list(const char *dir, FILE *out)
{
    struct dirent **entries;
    int n = scandir(dir, &entries, NULL, alphasort);
    if (n < 0)
        return -1;
    int found = 0;
    for (int i = 0; i < n; i++) {
        brook_plugin_kind kind;
        char name[256], why[1024];
        if (parse_file_name(entries[i]->d_name, &kind, name, sizeof name) == 0) {
            brook_loaded p;
            found++;
            if (brook_loader_open(dir, kind, name, &p, why, sizeof why) == BROOK_OK) {
                print_plugin(&p, out);
                brook_loader_close(&p);
            } else {
                fprintf(out, "%-11s %-12s refused: %s\n", brook_kind_name(kind), name, why);
            }
        }
        free(entries[i]);
    }
    free(entries);
    return found;
}
