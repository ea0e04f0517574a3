#include "loader.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <brook/auth.h>
#include <brook/codec.h>
#include <brook/replication.h>
#include <brook/storage.h>

/* The smallest descriptor of this major (2.0): every later minor's starts
 * with these fields. */
#define DESCRIPTOR_MIN_SIZE (offsetof(brook_plugin_descriptor, fini) + sizeof(((brook_plugin_descriptor *)0)->fini))

const char *brook_kind_name(brook_plugin_kind kind)
{
    switch (kind) {
    case BROOK_PLUGIN_STORAGE: return "storage";
    case BROOK_PLUGIN_REPLICATION: return "replication";
    case BROOK_PLUGIN_AUTH: return "auth";
    case BROOK_PLUGIN_CODEC: return "codec";
    }
    return "unknown";
}

size_t brook_kind_vtable_size(brook_plugin_kind kind)
{
    switch (kind) {
    case BROOK_PLUGIN_STORAGE: return sizeof(brook_storage_ops);
    case BROOK_PLUGIN_REPLICATION: return sizeof(brook_replication_ops);
    case BROOK_PLUGIN_AUTH: return sizeof(brook_auth_ops);
    case BROOK_PLUGIN_CODEC: return sizeof(brook_codec_ops);
    }
    return 0;
}

/* The smallest vtable a plugin of `kind` may have: every slot the core
 * calls without checking. Slots after it are optional (BROOK_HAS_SLOT). */
static size_t required_vtable_size(brook_plugin_kind kind)
{
#define UPTO(type, slot) (offsetof(type, slot) + sizeof(((type *)0)->slot))
    switch (kind) {
    case BROOK_PLUGIN_STORAGE: return UPTO(brook_storage_ops, read);
    case BROOK_PLUGIN_REPLICATION: return UPTO(brook_replication_ops, leader_durable);
    case BROOK_PLUGIN_AUTH: return UPTO(brook_auth_ops, mechanisms);
    case BROOK_PLUGIN_CODEC: return UPTO(brook_codec_ops, encode);
    }
#undef UPTO
    return 0;
}

/* Each kind's required slots: the core calls them without checking. */
typedef struct required_slot {
    size_t offset;
    const char *name;
} required_slot;
#define SLOT(type, slot)                                                                                               \
    {                                                                                                                  \
        offsetof(type, slot), #slot                                                                                    \
    }
static const required_slot storage_slots[] = {
    SLOT(brook_storage_ops, open),    SLOT(brook_storage_ops, close),
    SLOT(brook_storage_ops, remove),  SLOT(brook_storage_ops, list),
    SLOT(brook_storage_ops, offsets), SLOT(brook_storage_ops, append),
    SLOT(brook_storage_ops, flush),   SLOT(brook_storage_ops, when_durable),
    SLOT(brook_storage_ops, read),    {0, NULL},
};
static const required_slot replication_slots[] = {
    SLOT(brook_replication_ops, partition_open), SLOT(brook_replication_ops, partition_close),
    SLOT(brook_replication_ops, become_leader),  SLOT(brook_replication_ops, leader_appended),
    SLOT(brook_replication_ops, leader_durable), {0, NULL},
};
static const required_slot codec_slots[] = {
    SLOT(brook_codec_ops, conn_open), SLOT(brook_codec_ops, conn_close), SLOT(brook_codec_ops, frame),
    SLOT(brook_codec_ops, decode),    SLOT(brook_codec_ops, encode),     {0, NULL},
};
#undef SLOT

/* The first required slot a vtable leaves NULL, by name; NULL when all
 * are set. (Auth has none: a pure authorizer has no mechanisms.) */
static const char *missing_required_slot(brook_plugin_kind kind, const void *vtable)
{
    const required_slot *slots = kind == BROOK_PLUGIN_STORAGE       ? storage_slots
                                 : kind == BROOK_PLUGIN_REPLICATION ? replication_slots
                                 : kind == BROOK_PLUGIN_CODEC       ? codec_slots
                                                                    : NULL;
    for (const required_slot *r = slots; r && r->name; r++) {
        void (*fn)(void);
        memcpy(&fn, (const char *)vtable + r->offset, sizeof fn);
        if (!fn)
            return r->name;
    }
    return NULL;
}

void brook_loader_default_dir(const char *exe_path, char *out, size_t outlen)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", exe_path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
#ifndef BROOK_PLUGIN_INSTALL_RELDIR
#define BROOK_PLUGIN_INSTALL_RELDIR "lib/brook/plugins"
#endif
    /* the build tree, then the install layout (bin/ and <libdir>/brook/plugins) */
    static const char *const candidates[] = {"../plugins", "../" BROOK_PLUGIN_INSTALL_RELDIR};
    char path[PATH_MAX + 32];
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, candidates[i]);
        char *real = realpath(path, NULL);
        if (real) {
            snprintf(out, outlen, "%s", real);
            free(real);
            return;
        }
    }
    snprintf(out, outlen, "%s/../%s", dir, BROOK_PLUGIN_INSTALL_RELDIR);
}

static int valid_name(const char *name)
{
    if (!name || !*name || strlen(name) > 64)
        return 0;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
            return 0;
    return 1;
}

static brook_err refuse(brook_loaded *p, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static brook_err refuse(brook_loaded *p, char *err, size_t errlen, const char *fmt, ...)
{
    int n = snprintf(err, errlen, "%s plugin %s: ", brook_kind_name(p->kind), p->path);
    if (n > 0 && (size_t)n < errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    if (p->dl)
        dlclose(p->dl);
    p->dl = NULL;
    return BROOK_ERR_INVALID;
}

static brook_err check_descriptor(brook_loaded *p, const char *name, char *err, size_t errlen)
{
    const brook_plugin_descriptor *d = p->desc;
    const char *ver = d->version ? d->version : "?";
    if (d->abi_major != BROOK_ABI_MAJOR)
        return refuse(p, err, errlen,
                      "built for plugin ABI %u.%u, this brookd speaks ABI %d.%d: major versions must match "
                      "(rebuild the plugin against this SDK)",
                      d->abi_major, d->abi_minor, BROOK_ABI_MAJOR, BROOK_ABI_MINOR);
    if (d->abi_minor > BROOK_ABI_MINOR)
        return refuse(p, err, errlen, "built for plugin ABI %u.%u, newer than this brookd's ABI %d.%d (upgrade brookd)",
                      d->abi_major, d->abi_minor, BROOK_ABI_MAJOR, BROOK_ABI_MINOR);
    if (d->descriptor_size < DESCRIPTOR_MIN_SIZE || d->descriptor_size > sizeof(brook_plugin_descriptor))
        return refuse(p, err, errlen, "descriptor size %u is not one ABI %u.%u allows (brookd ABI %d.%d)",
                      d->descriptor_size, d->abi_major, d->abi_minor, BROOK_ABI_MAJOR, BROOK_ABI_MINOR);
    if (d->kind != p->kind)
        return refuse(p, err, errlen, "is a %s plugin (\"%s\" %s), configured as %s", brook_kind_name(d->kind),
                      d->name ? d->name : "?", ver, brook_kind_name(p->kind));
    if (!d->name || strcmp(d->name, name) != 0)
        return refuse(p, err, errlen, "names itself \"%s\", expected \"%s\"", d->name ? d->name : "(null)", name);
    size_t core_size = brook_kind_vtable_size(p->kind);
    if (!d->vtable || d->vtable_size < required_vtable_size(p->kind) || d->vtable_size > core_size)
        return refuse(p, err, errlen,
                      "\"%s\" %s: %s vtable of %u bytes does not fit ABI %u.%u (brookd ABI %d.%d has %zu bytes)", name,
                      ver, brook_kind_name(p->kind), d->vtable_size, d->abi_major, d->abi_minor, BROOK_ABI_MAJOR,
                      BROOK_ABI_MINOR, core_size);
    if (!d->init || !d->fini)
        return refuse(p, err, errlen, "\"%s\" %s: descriptor has no init or fini", name, ver);
    const char *missing = missing_required_slot(p->kind, d->vtable);
    if (missing)
        return refuse(p, err, errlen, "\"%s\" %s: required %s slot \"%s\" is NULL", name, ver, brook_kind_name(p->kind),
                      missing);
    p->vtable = d->vtable;
    p->vtable_size = d->vtable_size;
    return BROOK_OK;
}

brook_err brook_loader_open(const char *dir, brook_plugin_kind kind, const char *name, brook_loaded *out, char *err,
                            size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->kind = kind;
    snprintf(out->path, sizeof out->path, "%s/brook_%s_%s.so", dir, brook_kind_name(kind), name ? name : "");
    if (!valid_name(name))
        return refuse(out, err, errlen, "invalid plugin name \"%s\" (use a-z, 0-9, _ and -)", name ? name : "");
    if (access(out->path, F_OK) != 0)
        return refuse(out, err, errlen, "not found (%s; plugin directory %s; brookd ABI %d.%d)", strerror(errno), dir,
                      BROOK_ABI_MAJOR, BROOK_ABI_MINOR);
    dlerror();
    out->dl = dlopen(out->path, RTLD_NOW | RTLD_LOCAL);
    if (!out->dl) {
        const char *why = dlerror();
        return refuse(out, err, errlen, "cannot load: %s (brookd ABI %d.%d)", why ? why : "unknown dlopen error",
                      BROOK_ABI_MAJOR, BROOK_ABI_MINOR);
    }
    out->desc = dlsym(out->dl, BROOK_PLUGIN_SYMBOL);
    if (!out->desc)
        return refuse(out, err, errlen, "no \"%s\" descriptor symbol: not a Brook plugin (brookd ABI %d.%d)",
                      BROOK_PLUGIN_SYMBOL, BROOK_ABI_MAJOR, BROOK_ABI_MINOR);
    return check_descriptor(out, name, err, errlen);
}

void brook_loader_close(brook_loaded *p)
{
    if (p->dl)
        dlclose(p->dl);
    p->dl = NULL;
    p->desc = NULL;
}
