/* The cluster's SCRAM users in the metadata store, one key per user and
 * mechanism holding the keys a server keeps (never a password), each
 * broker's auth plugin kept equal to them (cluster_users.c, store_mirror.h). */
#ifndef BROOK_CORE_CLUSTER_USERS_H
#define BROOK_CORE_CLUSTER_USERS_H

#include <stddef.h>

#include <brook/auth.h>

#include "store_mirror.h"

struct brook_broker;
struct brook_plugin_instance;

/* Follow the store's users with `keeper`'s (the auth plugin that keeps
 * SCRAM users; NULL, or one without scram_get_keys/scram_set_keys: each
 * broker keeps its own, as a single broker does). */
brook_err brook_cluster_users_start(struct brook_broker *b, struct brook_plugin_instance *keeper);
void brook_cluster_users_stop(struct brook_broker *b);
/* Whether changes go through the store. */
int brook_cluster_users_following(const struct brook_broker *b);

/* One credential changed: set to `keys`, or removed when `keys` is NULL. */
typedef struct brook_user_change {
    const char *user;
    brook_scram_mechanism mechanism;
    const brook_scram_keys *keys;
} brook_user_change;

/* `keeper` takes n changes in one durable change: its scram_apply_keys
 * (SDK 2.7; the caller checked it has the slot). */
brook_err brook_cluster_users_apply(struct brook_plugin_instance *keeper, const brook_user_change *changes, size_t n);

/* Write `n` changes to the store, any number (in transactions of up to
 * BROOK_STORE_MIRROR_MAX_PER_CHANGE: after an error the first ones may
 * hold); done(arg, err) once it answered, on the loop. The keeper follows through the watch; callers
 * apply the change here at once too. */
brook_err brook_cluster_users_write(struct brook_broker *b, const brook_user_change *changes, size_t n,
                                    void (*done)(void *arg, brook_err err), void *arg);

#endif
