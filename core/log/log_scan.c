#include "log_scan.h"

#include <stdlib.h>

#include "record_batch.h"
#include "slice.h"

brook_err brook_log_scan(const brook_storage_ops *so, void *log, int64_t from, int64_t end, size_t budget,
                         brook_log_scan_cb cb, void *arg)
{
    while (from < end && budget > 0) {
        brook_slice slices[32];
        size_t n = 0, bytes = 0;
        brook_err e = so->read(log, from, end, budget < (1u << 20) ? budget : (1u << 20), slices, 32, &n, &bytes);
        if (e)
            return e;
        if (n == 0)
            return BROOK_OK;
        int64_t next = from;
        int bad = 0;
        for (size_t i = 0; i < n; i++) {
            uint8_t *copy;
            const uint8_t *data = bad ? NULL : brook_slice_bytes(&slices[i], &copy);
            if (!data && !bad) {
                e = BROOK_ERR_IO;
                bad = 1;
            }
            for (size_t pos = 0; data && pos < slices[i].len;) {
                brook_batch_info info;
                if (brook_batch_check(data + pos, slices[i].len - pos, &info)) {
                    e = BROOK_ERR_CORRUPT;
                    bad = 1;
                    break;
                }
                if (info.last_offset >= from)
                    cb(arg, data + pos, &info);
                next = info.last_offset + 1;
                pos += info.size;
            }
            if (data)
                free(copy);
            if (slices[i].release)
                slices[i].release(slices[i].owner);
        }
        if (bad)
            return e;
        budget = bytes >= budget ? 0 : budget - bytes;
        if (next <= from)
            return BROOK_OK;
        from = next;
    }
    return BROOK_OK;
}
