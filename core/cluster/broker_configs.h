/* The brokers' dynamic configs: Kafka's settings an operator changes while
 * the brokers run (AlterConfigs and IncrementalAlterConfigs on a BROKER
 * resource), for one broker or as the cluster's default, held in the
 * metadata store, one key per broker (or the default) and config:
 * <ns>/broker_configs/<id or "default">/<name>. Each broker follows them
 * (store_mirror.h) and applies what concerns it at once: its own value,
 * else the default, else Kafka's default. Today's: the replication
 * throttle rates (replication_quota.h). A broker's other settings come
 * from its configuration file. */
#ifndef BROOK_CORE_BROKER_CONFIGS_H
#define BROOK_CORE_BROKER_CONFIGS_H

#include <stddef.h>
#include <stdint.h>

#include <brook/errors.h>

struct brook_broker;

#define BROOK_BROKER_CONFIG_DEFAULT "" /* the entity of the cluster's default, as Kafka names it */

/* Whether `name` changes while brokers run; the i-th of those (NULL past
 * the last); whether `value` (NULL: the default again) suits `name`, else
 * BROOK_ERR_INVALID with a message naming the key. */
int brook_broker_config_dynamic(const char *name);
const char *brook_broker_config_dynamic_name(size_t i);
brook_err brook_broker_config_check(const char *name, const char *value, char *err, size_t errlen);
/* Kafka's default of a dynamic config (the value in force when none is set). */
const char *brook_broker_config_kafka_default(const char *name);

/* An entity as a client names it: a broker id, or "" for the cluster's
 * default; BROOK_ERR_INVALID otherwise. */
brook_err brook_broker_config_entity_check(const char *entity);

brook_err brook_broker_configs_start(struct brook_broker *b);
void brook_broker_configs_stop(struct brook_broker *b);
int brook_broker_configs_following(const struct brook_broker *b);

/* What the cluster sets `name` to for `entity` (NULL: nothing). */
const char *brook_broker_configs_get(const struct brook_broker *b, const char *entity, const char *name);

/* Set (value) or remove (NULL) names[i] for `entity`, i < n, in one
 * write; done(arg, err) once, on the loop. Brokers follow through the
 * watch; this one applies it at once too. */
brook_err brook_broker_configs_write(struct brook_broker *b, const char *entity, const char *const *names,
                                     const char *const *values, size_t n, void (*done)(void *arg, brook_err err),
                                     void *arg);

#endif
