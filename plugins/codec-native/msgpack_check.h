/* A bounds pre-check for untrusted msgpack: msgpack-c allocates a container
 * from its declared element count before reading the elements, so a 5-byte
 * "array of 4 billion" would ask for ~100 GB. This walk rejects any
 * container that declares more elements than bytes remain, and nesting
 * deeper than a limit, without allocating. */
#ifndef BROOK_NATIVE_MSGPACK_CHECK_H
#define BROOK_NATIVE_MSGPACK_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* 0 when [data, data+len) holds exactly one plausible msgpack object
 * (possibly followed by more bytes: *used says how many it took). */
int native_msgpack_check(const uint8_t *data, size_t len, size_t max_depth, size_t *used);

#endif
