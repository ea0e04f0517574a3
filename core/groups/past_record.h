/* A group's past (brook_group_past, group.h) as the value of its record
 * in the committed offsets' log (offsets_pasts.c has the key and the map).
 *
 * Value layout (big-endian; str: int16 length + bytes, -1 for none;
 * bytes: int32 length + bytes):
 *   version 0 (an empty group):
 *     int16 0, int64 since, int8 standalone, str protocol type
 *   version 1 (a stable group, with members):
 *     int16 1, int64 since, int8 standalone, str protocol type,
 *     int32 generation, str protocol name, str leader id,
 *     int32 member count, per member: str member id, str instance id,
 *     str client id, str client host, int32 session timeout ms,
 *     int32 rebalance timeout ms, bytes subscription, bytes assignment
 * An empty group is written as version 0 so that a broker of the previous
 * release still reads it; one that meets version 1 skips it (the group
 * then rebalances, as it always did there). */
#ifndef BROOK_CORE_PAST_RECORD_H
#define BROOK_CORE_PAST_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "group.h"

/* A past bigger than this is not written down (offsets_pasts.c says so in
 * the log): it must fit one batch of the offsets log, whose limit in a
 * cluster is __consumer_offsets' max.message.bytes like any topic's. */
#define BROOK_GROUP_PAST_MAX_BYTES (1024 * 1024)

/* The value into a malloc'd *out: BROOK_ERR_INVALID for a string longer
 * than 32767 bytes, BROOK_ERR_TOO_LARGE beyond BROOK_GROUP_PAST_MAX_BYTES. */
brook_err past_record_encode(const brook_group_past *past, uint8_t **out, size_t *len);

/* The value read back into one allocation holding the past and all it
 * points to (release with free()); NULL when it is malformed, of a later
 * version, or memory ran out. */
brook_group_past *past_record_decode(const uint8_t *value, size_t len);

/* A deep copy, as one allocation (free()); NULL as above. */
brook_group_past *past_record_copy(const brook_group_past *past);

#endif
