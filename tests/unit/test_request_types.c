/* One row per request type: every type the SDK defines, up to the core's
 * count, has a name (unique: it labels a metric) and a handler, but for
 * INVALID, which the codec answers itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "request_types.h"

static void every_type_has_its_row(void **state)
{
    (void)state;
    for (int t = 0; t < BROOK_REQ_TYPE_COUNT; t++) {
        const brook_req_type_row *row = brook_req_type(t);
        if (!row)
            fail_msg("request type %d has no row in request_types.c", t);
        assert_true(t == BROOK_REQ_INVALID || row->handle != NULL);
        for (int u = 0; u < t; u++)
            assert_string_not_equal(row->name, brook_req_type_name(u));
    }
    assert_null(brook_req_type(BROOK_REQ_TYPE_COUNT));
    assert_null(brook_req_type(-1));
    assert_string_equal(brook_req_type_name(BROOK_REQ_TYPE_COUNT), "unknown");
    assert_string_equal(brook_req_type_name(BROOK_REQ_PRODUCE), "produce");
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(every_type_has_its_row)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
