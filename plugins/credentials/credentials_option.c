#include "credentials_option.h"

#include <stdio.h>

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
