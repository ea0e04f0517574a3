/* The bytes a storage slice stands for (also a host service, slice_bytes). */
#ifndef BROOK_CORE_SLICE_H
#define BROOK_CORE_SLICE_H

#include <stdint.h>

#include <brook/types.h>

/* Memory slices: their data. File slices: a malloc'd copy read with pread,
 * also left in *copy for the caller to free. NULL when the file cannot be
 * read (or memory is short). */
const uint8_t *brook_slice_bytes(const brook_slice *s, uint8_t **copy);

#endif
