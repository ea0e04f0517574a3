/* Deliberately broken storage plugins for the loader tests. One source,
 * compiled once per defect with -DDEFECT_<NAME>. */
#include <stddef.h>

#include <brook/plugin.h>
#include <brook/storage.h>

#ifndef PLUGIN_NAME
#error PLUGIN_NAME must be defined
#endif

static brook_err t_open(void *state, const char *topic, int32_t partition, int create, void **log)
{
    (void)state;
    (void)topic;
    (void)partition;
    (void)create;
    *log = NULL;
    return BROOK_ERR_UNSUPPORTED;
}

#ifdef DEFECT_UNRESOLVED
void brook_test_symbol_that_does_not_exist(void);
#endif

static brook_err t_init(const brook_host *host, void **state)
{
    *state = NULL;
#ifdef DEFECT_UNRESOLVED
    brook_test_symbol_that_does_not_exist();
#endif
#ifdef DEFECT_FAILINIT
    host->log(host, BROOK_LOG_ERROR, "refusing to start: this plugin always fails");
    return BROOK_ERR_INVALID;
#else
    (void)host;
    return BROOK_OK;
#endif
}

static void t_fini(void *state)
{
    (void)state;
}

/* Every required slot is set (a NULL one is a defect of its own), and all
 * of them refuse: these plugins are only ever loaded, never used. */
static void t_close(void *log)
{
    (void)log;
}

static brook_err t_remove(void *state, const char *topic, int32_t partition)
{
    (void)state;
    (void)topic;
    (void)partition;
    return BROOK_ERR_UNSUPPORTED;
}

static brook_err t_list(void *state, brook_storage_list_cb cb, void *arg)
{
    (void)state;
    (void)cb;
    (void)arg;
    return BROOK_OK;
}

static brook_err t_offsets(void *log, int64_t *start, int64_t *end)
{
    (void)log;
    *start = *end = 0;
    return BROOK_OK;
}

static brook_err t_append(void *log, const uint8_t *data, size_t len)
{
    (void)log;
    (void)data;
    (void)len;
    return BROOK_ERR_UNSUPPORTED;
}

#if !defined(DEFECT_NULLSLOT)
static void t_when_durable(void *log, brook_storage_durable_cb cb, void *arg)
{
    (void)log;
    cb(arg, BROOK_OK);
}
#endif

static brook_err t_flush(void *log)
{
    (void)log;
    return BROOK_OK;
}

static brook_err t_read(void *log, int64_t offset, int64_t max_offset, size_t max_bytes, brook_slice *slices,
                        size_t max_slices, size_t *n_slices, size_t *bytes)
{
    (void)log;
    (void)offset;
    (void)max_offset;
    (void)max_bytes;
    (void)slices;
    (void)max_slices;
    *n_slices = *bytes = 0;
    return BROOK_OK;
}

static const brook_storage_ops ops = {
    .open = t_open,
    .close = t_close,
    .remove = t_remove,
    .list = t_list,
    .offsets = t_offsets,
    .append = t_append,
#if !defined(DEFECT_NULLSLOT)
    .when_durable = t_when_durable,
#endif
    .flush = t_flush,
    .read = t_read,
};

#ifdef DEFECT_NODESC
#define DESCRIPTOR brook_plugin_misspelled /* exported, but not under the name the core looks for */
#else
#define DESCRIPTOR brook_plugin
#endif
BROOK_PLUGIN_EXPORT const brook_plugin_descriptor DESCRIPTOR = {
#if defined(DEFECT_MAJOR)
    .abi_major = BROOK_ABI_MAJOR + 98,
#else
    .abi_major = BROOK_ABI_MAJOR,
#endif
#if defined(DEFECT_MINOR)
    .abi_minor = BROOK_ABI_MINOR + 1,
#else
    .abi_minor = BROOK_ABI_MINOR,
#endif
    .descriptor_size = sizeof(brook_plugin_descriptor),
#if defined(DEFECT_OLD)
    /* built before truncate and offset_for_timestamp existed */
    .vtable_size = offsetof(brook_storage_ops, truncate),
#elif defined(DEFECT_TINY)
    .vtable_size = sizeof(void *),
#else
    .vtable_size = sizeof(brook_storage_ops),
#endif
#if defined(DEFECT_KIND)
    .kind = BROOK_PLUGIN_CODEC,
#else
    .kind = BROOK_PLUGIN_STORAGE,
#endif
#if defined(DEFECT_MISNAMED)
    .name = "someone-else",
#else
    .name = PLUGIN_NAME,
#endif
    .version = "9.9.9",
    .description = "test plugin",
    .options = NULL,
    .vtable = &ops,
    .init = t_init,
    .fini = t_fini,
};
