/* libFuzzer: a group's past read back from the offsets log (past_record.h)
 * on arbitrary bytes, as a restart or a new coordinator reads a log a
 * damaged disk may have changed. What decodes encodes again, and that
 * encoding reads back to itself (a string with a NUL inside reads back
 * shorter: one round normalises it). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "past_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    brook_group_past *past = past_record_decode(data, size);
    if (!past)
        return 0;
    uint8_t *v1, *v2;
    size_t len1, len2;
    if (past_record_encode(past, &v1, &len1))
        __builtin_trap(); /* whatever was read can be written */
    brook_group_past *again = past_record_decode(v1, len1);
    if (!again || past_record_encode(again, &v2, &len2))
        __builtin_trap();
    if (len1 != len2 || memcmp(v1, v2, len1) != 0)
        __builtin_trap();
    free(v2);
    free(again);
    free(v1);
    free(past);
    return 0;
}
