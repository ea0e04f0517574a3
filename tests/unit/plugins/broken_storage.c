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

static const brook_storage_ops ops = {.open = t_open};

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
