/* CRC32C (Castagnoli), as RecordBatch v2 uses it. Hardware-accelerated with
 * SSE4.2 where the CPU has it, table-driven (slice-by-8) elsewhere. */
#ifndef BROOK_CORE_CRC32C_H
#define BROOK_CORE_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continue a CRC: start with crc = 0. */
uint32_t brook_crc32c(uint32_t crc, const void *data, size_t len);
/* The same without hardware help, whatever the CPU: a reference for tests. */
uint32_t brook_crc32c_portable(uint32_t crc, const void *data, size_t len);

#endif
