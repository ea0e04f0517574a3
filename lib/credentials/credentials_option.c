#include "credentials_option.h"

#include <stdio.h>
#include <stdlib.h>

brook_err cred_option_read(const brook_host *host, const char **path)
{
    host->config_string(host, "credentials", path);
    FILE *f = *path && **path ? fopen(*path, "r") : NULL;
    if (!f) {
        host->log(host, BROOK_LOG_ERROR, "credentials: cannot read \"%s\"", *path ? *path : "");
        return BROOK_ERR_INVALID;
    }
    fclose(f);
    return BROOK_OK;
}

brook_err cred_plugin_init(const brook_host *host, void **state)
{
    cred_plugin *p = calloc(1, sizeof *p);
    if (!p)
        return BROOK_ERR_NOMEM;
    p->host = host;
    if (cred_option_read(host, &p->file)) {
        free(p);
        return BROOK_ERR_INVALID;
    }
    *state = p;
    return BROOK_OK;
}

brook_err cred_plugin_validate(const brook_host *host)
{
    const char *path;
    return cred_option_read(host, &path);
}

void cred_plugin_fini(void *state)
{
    free(state);
}
