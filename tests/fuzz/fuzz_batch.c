/* libFuzzer: RecordBatch v2 validation and record iteration on arbitrary
 * bytes, as storage recovery and codecs run them on untrusted input. */
#include <stddef.h>
#include <stdint.h>

#include "record_batch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t pos = 0;
    while (pos < size) {
        brook_batch_info info;
        if (brook_batch_check(data + pos, size - pos, &info))
            break;
        brook_batch_iter it;
        if (brook_batch_iter_init(&it, data + pos, info.size) == BROOK_OK) {
            brook_record rec;
            while (brook_batch_iter_next(&it, &rec) == BROOK_OK) {
                const uint8_t *p = rec.headers;
                brook_record_header h;
                for (int32_t i = 0; i < rec.header_count; i++)
                    if (brook_batch_header_next(&p, rec.headers + rec.headers_len, &h))
                        __builtin_trap(); /* iter_next promised the headers parse */
            }
        }
        pos += info.size;
    }
    return 0;
}
