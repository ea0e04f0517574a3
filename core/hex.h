/* Bytes as lowercase hex text and back: how the cluster's ACL rules and
 * SCRAM keys are named and stored in the metadata store, and topic ids. */
#ifndef BROOK_CORE_HEX_H
#define BROOK_CORE_HEX_H

#include <stddef.h>
#include <stdint.h>

/* `n` bytes as 2n hex digits and a NUL into `out` (room for 2n + 1);
 * returns the NUL's address, to append after it. */
char *brook_hex_encode(const uint8_t *bytes, size_t n, char *out);

/* The bytes of the `len` hex digits at `hex` into `out` (room for `max`):
 * how many, or -1 for an odd length, a non-hex digit or too many bytes. */
long brook_hex_decode(const char *hex, size_t len, uint8_t *out, size_t max);

#endif
