/* libFuzzer: what a produce's batch validation runs on a client's bytes
 * once the CRC has passed (a fuzzer would almost never forge the CRC, so
 * this starts after it): input = [codec byte][record count, 2 bytes][records
 * section], decompressed with a small cap when the codec says so, then the
 * records checked. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "record_batch.h"
#include "compression.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    int codec = data[0] % 5;
    int32_t count = (int32_t)((data[1] << 8) | data[2]);
    const uint8_t *records = data + 3;
    size_t len = size - 3;
    const char *why;
    if (codec == BROOK_COMPRESSION_NONE) {
        brook_batch_records_check(records, len, count, 0, 0, &why);
        return 0;
    }
    uint8_t *plain;
    size_t plain_len;
    if (brook_decompress(codec, records, len, 1u << 20, &plain, &plain_len, &why) == BROOK_OK) {
        if (plain_len > (1u << 20))
            __builtin_trap(); /* the cap is a promise */
        brook_batch_records_check(plain, plain_len, count, 0, 0, &why);
        free(plain);
    }
    return 0;
}
