/* storage-segment's key -> latest offset map: exact keys (two keys never
 * share an entry, whatever their hashes), the latest offset wins, and the
 * memory budget is kept by refusing new keys, never by losing old ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "segstore.h"

static int put(offset_map *m, const char *key, int64_t offset)
{
    return offset_map_put(m, (const uint8_t *)key, strlen(key), offset);
}

static int64_t get(offset_map *m, const char *key)
{
    return offset_map_get(m, (const uint8_t *)key, strlen(key));
}

static void keeps_the_latest_offset_of_each_exact_key(void **state)
{
    (void)state;
    offset_map *m = offset_map_new(16 << 20);
    assert_true(put(m, "a", 1));
    assert_true(put(m, "b", 2));
    assert_true(put(m, "a", 3));
    assert_true(offset_map_put(m, (const uint8_t *)"", 0, 4)); /* the empty key is a key */
    assert_int_equal(get(m, "a"), 3);
    assert_int_equal(get(m, "b"), 2);
    assert_int_equal(offset_map_get(m, (const uint8_t *)"", 0), 4);
    assert_int_equal(get(m, "c"), -1);
    assert_int_equal(get(m, "ab"), -1);
    assert_int_equal(offset_map_count(m), 3);
    char key[32];
    for (int i = 0; i < 50000; i++) { /* through several growths */
        snprintf(key, sizeof key, "key-%d", i);
        assert_true(put(m, key, i));
    }
    for (int i = 0; i < 50000; i++) {
        snprintf(key, sizeof key, "key-%d", i);
        assert_int_equal(get(m, key), i);
    }
    offset_map_free(m);
}

static void a_full_map_refuses_new_keys_and_keeps_the_old(void **state)
{
    (void)state;
    offset_map *m = offset_map_new(64 << 10);
    char key[64];
    int stored = 0;
    for (int i = 0; i < 100000; i++) {
        snprintf(key, sizeof key, "a-fairly-long-key-to-fill-the-arena-%06d", i);
        if (!put(m, key, i))
            break;
        stored++;
    }
    assert_true(stored > 100 && stored < 100000);
    assert_int_equal(offset_map_count(m), stored);
    snprintf(key, sizeof key, "a-fairly-long-key-to-fill-the-arena-%06d", 0);
    assert_true(put(m, key, 7)); /* a known key still moves */
    assert_int_equal(get(m, key), 7);
    for (int i = 1; i < stored; i++) {
        snprintf(key, sizeof key, "a-fairly-long-key-to-fill-the-arena-%06d", i);
        assert_int_equal(get(m, key), i);
    }
    snprintf(key, sizeof key, "a-fairly-long-key-to-fill-the-arena-%06d", stored);
    assert_int_equal(get(m, key), -1); /* the refused one is not half there */
    offset_map_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keeps_the_latest_offset_of_each_exact_key),
        cmocka_unit_test(a_full_map_refuses_new_keys_and_keeps_the_old),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
