/* The `credentials` option both SASL plugins (auth-plain, auth-scram) take:
 * read it and check the file can be read, with a log line when not. Kept
 * apart from credentials.c, which brookctl also builds without the host API. */
#ifndef BROOK_CREDENTIALS_OPTION_H
#define BROOK_CREDENTIALS_OPTION_H

#include <brook/plugin.h>

#define CRED_OPTION                                                                                                    \
    BROOK_OPTION_REQUIRED_STRING("credentials", "the credentials file (brookctl users add NAME --file F)")

/* *path is the configured file; BROOK_ERR_INVALID (logged) when it cannot be read. */
brook_err cred_option_read(const brook_host *host, const char **path);

struct cred_index;

/* The state both plugins keep: their host and the credentials file (and
 * auth-scram the file in memory: cred_index.h). */
typedef struct cred_plugin {
    const brook_host *host;
    const char *file;
    struct cred_index *index;
} cred_plugin;

/* init and fini for a plugin whose state is a cred_plugin. */
brook_err cred_plugin_init(const brook_host *host, void **state);
void cred_plugin_fini(void *state);
/* validate: the credentials file can be read. */
brook_err cred_plugin_validate(const brook_host *host);

#endif
