/* The cluster's ACLs in the metadata store, one key per rule, each
 * broker's authorizer kept equal to them (cluster_acls.c, store_mirror.h). */
#ifndef BROOK_CORE_CLUSTER_ACLS_H
#define BROOK_CORE_CLUSTER_ACLS_H

#include <stddef.h>

#include <brook/auth.h>

#include "store_mirror.h"

struct brook_broker;
struct brook_plugin_instance;

/* Follow the store's rules with `keeper`'s (the authorizer that keeps
 * rules; NULL: nothing to do). */
brook_err brook_cluster_acls_start(struct brook_broker *b, struct brook_plugin_instance *keeper);
void brook_cluster_acls_stop(struct brook_broker *b);
/* Whether changes go through the store. */
int brook_cluster_acls_following(const struct brook_broker *b);

/* Add (or with `remove`, remove) `n` rules in the store, any number (in
 * transactions of up to BROOK_STORE_MIRROR_MAX_PER_CHANGE: after an error
 * the first ones may hold); done(arg, err) once it answered, on the loop.
 * The broker's authorizer follows when the change comes back through the
 * watch; callers apply it at once too. */
brook_err brook_cluster_acls_write(struct brook_broker *b, const brook_acl *rules, size_t n, int remove,
                                   void (*done)(void *arg, brook_err err), void *arg);

#endif
