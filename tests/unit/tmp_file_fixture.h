/* One file path in a fresh temporary directory per test (cmocka setup and
 * teardown): the tests of small files written and read whole. */
#ifndef BROOK_TEST_TMP_FILE_FIXTURE_H
#define BROOK_TEST_TMP_FILE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char dir[64];
static char path[128];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/brook-file-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/file", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    rmdir(dir);
    return 0;
}

#endif
