/* Small files replaced and read whole: a write replaces the file at once
 * (no temporary file left), and a read returns every byte of files
 * shorter than, as long as and longer than its first read, NUL-terminated,
 * refusing absent files and files over the bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic_file.h"
#include "tmp_file_fixture.h"

static void files_of_every_size_read_back_whole(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 4095, 4096, 4097, 8192, 100000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t n = sizes[i];
        char *want = malloc(n + 1);
        for (size_t k = 0; k < n; k++)
            want[k] = (char)('a' + (k * 7 + i) % 26);
        assert_int_equal(brook_atomic_write(path, want, n, i % 2 ? BROOK_ATOMIC_SYNC : BROOK_ATOMIC_NO_SYNC), BROOK_OK);
        char tmp[160];
        snprintf(tmp, sizeof tmp, "%s.tmp", path);
        assert_int_equal(access(tmp, F_OK), -1); /* renamed over the file */
        size_t len = 12345;
        char *got = brook_read_whole(path, 1 << 20, &len);
        assert_non_null(got);
        assert_int_equal(len, n);
        assert_memory_equal(got, want, n);
        assert_int_equal(got[n], '\0');
        free(got);
        free(want);
    }
}

static void absent_and_oversized_files_are_refused(void **state)
{
    (void)state;
    assert_null(brook_read_whole(path, 1 << 20, NULL));
    assert_int_equal(errno, ENOENT);
    char big[20000];
    memset(big, 'x', sizeof big);
    assert_int_equal(brook_atomic_write(path, big, sizeof big, BROOK_ATOMIC_NO_SYNC), BROOK_OK);
    assert_null(brook_read_whole(path, 10000, NULL));
    assert_int_equal(errno, EFBIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(files_of_every_size_read_back_whole, setup, teardown),
        cmocka_unit_test_setup_teardown(absent_and_oversized_files_are_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
