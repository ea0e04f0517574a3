/* The metrics registry, latency histograms and their Prometheus text rendering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "histogram.h"
#include "metrics.h"

static char *render(const brook_metrics *m)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    brook_metrics_write(m, f);
    assert_int_equal(fclose(f), 0);
    return text;
}

static void counters_and_gauges_render_in_registration_order(void **state)
{
    (void)state;
    brook_metrics *m;
    assert_int_equal(brook_metrics_new(&m), BROOK_OK);
    brook_metric *c, *g, *again;
    assert_int_equal(brook_metrics_register(m, "requests_total", BROOK_METRIC_COUNTER, "requests", &c), BROOK_OK);
    assert_int_equal(brook_metrics_register(m, "connections", BROOK_METRIC_GAUGE, "open now", &g), BROOK_OK);
    brook_metric_add(c, 3);
    brook_metric_add(c, 4);
    brook_metric_set(g, 9);
    brook_metric_set(g, 2);
    /* the same name and type is the same metric */
    assert_int_equal(brook_metrics_register(m, "requests_total", BROOK_METRIC_COUNTER, "x", &again), BROOK_OK);
    assert_ptr_equal(again, c);
    char *text = render(m);
    assert_string_equal(text, "# HELP brook_requests_total requests\n"
                              "# TYPE brook_requests_total counter\n"
                              "brook_requests_total 7\n"
                              "# HELP brook_connections open now\n"
                              "# TYPE brook_connections gauge\n"
                              "brook_connections 2\n");
    free(text);
    brook_metrics_free(m);
}

static void help_text_is_escaped(void **state)
{
    (void)state;
    brook_metrics *m;
    assert_int_equal(brook_metrics_new(&m), BROOK_OK);
    brook_metric *x;
    assert_int_equal(brook_metrics_register(m, "odd", BROOK_METRIC_GAUGE, "a\\b\nc", &x), BROOK_OK);
    char *text = render(m);
    assert_non_null(strstr(text, "# HELP brook_odd a\\\\b\\nc\n# TYPE brook_odd gauge\n"));
    free(text);
    brook_metrics_free(m);
}

/* Plugins time work on their I/O threads (a storage plugin's syncs):
 * a registered histogram counts every observation from any thread, and
 * renders with +Inf equal to _count as Prometheus requires. */
#define OBSERVERS    4
#define OBSERVATIONS 20000

static void *observe_many(void *arg)
{
    for (int i = 0; i < OBSERVATIONS; i++)
        brook_metric_observe(arg, i % 2 ? 0.0006 : 0.002);
    return NULL;
}

static void histograms_register_and_count_from_any_thread(void **state)
{
    (void)state;
    brook_metrics *m;
    assert_int_equal(brook_metrics_new(&m), BROOK_OK);
    brook_metric *h, *again, *c;
    assert_int_equal(brook_metrics_register(m, "sync_seconds", BROOK_METRIC_HISTOGRAM, "syncs", &h), BROOK_OK);
    assert_int_equal(brook_metrics_register(m, "sync_seconds", BROOK_METRIC_HISTOGRAM, "", &again), BROOK_OK);
    assert_ptr_equal(again, h);
    assert_int_equal(brook_metrics_register(m, "sync_seconds", BROOK_METRIC_GAUGE, "", &again), BROOK_ERR_EXISTS);
    assert_int_equal(brook_metrics_register(m, "weird", (brook_metric_type)99, "", &again), BROOK_ERR_INVALID);
    assert_int_equal(brook_metrics_register(m, "syncs_total", BROOK_METRIC_COUNTER, "", &c), BROOK_OK);
    brook_metric_observe(c, 1);    /* not a histogram: nothing */
    brook_metric_observe(NULL, 1); /* a failed registration: nothing */
    pthread_t t[OBSERVERS];
    for (int i = 0; i < OBSERVERS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, observe_many, h), 0);
    for (int i = 0; i < OBSERVERS; i++)
        pthread_join(t[i], NULL);
    char *text = render(m);
    assert_non_null(strstr(text, "# HELP brook_sync_seconds syncs\n# TYPE brook_sync_seconds histogram\n"));
    char line[128];
    snprintf(line, sizeof line, "brook_sync_seconds_bucket{le=\"0.00075\"} %d\n", OBSERVERS * OBSERVATIONS / 2);
    assert_non_null(strstr(text, line));
    snprintf(line, sizeof line, "brook_sync_seconds_bucket{le=\"+Inf\"} %d\n", OBSERVERS * OBSERVATIONS);
    assert_non_null(strstr(text, line));
    snprintf(line, sizeof line, "brook_sync_seconds_count %d\n", OBSERVERS * OBSERVATIONS);
    assert_non_null(strstr(text, line));
    assert_non_null(strstr(text, "brook_sync_seconds_sum 104.000000\n"));
    assert_non_null(strstr(text, "# TYPE brook_syncs_total counter\nbrook_syncs_total 0\n"));
    free(text);
    brook_metrics_free(m);
}

static void bad_names_and_type_changes_are_refused(void **state)
{
    (void)state;
    brook_metrics *m;
    assert_int_equal(brook_metrics_new(&m), BROOK_OK);
    brook_metric *x = NULL;
    assert_int_equal(brook_metrics_register(m, "", BROOK_METRIC_GAUGE, "", &x), BROOK_ERR_INVALID);
    assert_int_equal(brook_metrics_register(m, "Has-Caps", BROOK_METRIC_GAUGE, "", &x), BROOK_ERR_INVALID);
    assert_int_equal(brook_metrics_register(m, "line\nbreak", BROOK_METRIC_GAUGE, "", &x), BROOK_ERR_INVALID);
    assert_int_equal(brook_metrics_register(m, "n", BROOK_METRIC_GAUGE, "", &x), BROOK_OK);
    assert_int_equal(brook_metrics_register(m, "n", BROOK_METRIC_COUNTER, "", &x), BROOK_ERR_EXISTS);
    /* NULL handles (a registration that failed) are ignored */
    brook_metric_add(NULL, 1);
    brook_metric_set(NULL, 1);
    assert_int_equal(brook_metric_value(NULL), 0);
    brook_metrics_free(m);
}

/* A produce under flush "always" takes one or two fdatasyncs, 0.5-10 ms:
 * the buckets there must tell 2.6 ms from 4.9 ms (with bounds only at 2.5,
 * 5 and 10 ms they read the same), and the bounds must rise. */
static void histograms_tell_apart_the_milliseconds_of_a_synced_produce(void **state)
{
    (void)state;
    brook_histogram h = {0};
    brook_histogram_observe(&h, 0.0026);
    brook_histogram_observe(&h, 0.0049);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    brook_histogram_write(&h, f, "brook_x", "");
    fclose(f);
    assert_non_null(strstr(text, "brook_x_bucket{le=\"0.0025\"} 0\n"));
    assert_non_null(strstr(text, "brook_x_bucket{le=\"0.003\"} 1\n"));
    assert_non_null(strstr(text, "brook_x_bucket{le=\"0.004\"} 1\n"));
    assert_non_null(strstr(text, "brook_x_bucket{le=\"0.005\"} 2\n"));
    double last = 0;
    int bounds = 0;
    for (const char *at = text; (at = strstr(at, "le=\"")) != NULL && at[4] != '+'; at++, bounds++) {
        double le = strtod(at + 4, NULL);
        assert_true(le > last);
        last = le;
    }
    assert_int_equal(bounds, BROOK_HISTOGRAM_BUCKETS);
    free(text);
}

static void histograms_are_cumulative_with_sum_and_count(void **state)
{
    (void)state;
    brook_histogram h = {0};
    brook_histogram_observe(&h, 0.0001); /* first bucket */
    brook_histogram_observe(&h, 0.001);  /* exactly a bound: that bucket */
    brook_histogram_observe(&h, 0.3);
    brook_histogram_observe(&h, 60); /* past the last bound: +Inf only */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    brook_histogram_write(&h, f, "brook_x", "request=\"fetch\"");
    fclose(f);
    assert_non_null(strstr(text, "brook_x_bucket{request=\"fetch\",le=\"0.00025\"} 1\n"));
    assert_non_null(strstr(text, "brook_x_bucket{request=\"fetch\",le=\"0.001\"} 2\n"));
    assert_non_null(strstr(text, "brook_x_bucket{request=\"fetch\",le=\"0.25\"} 2\n"));
    assert_non_null(strstr(text, "brook_x_bucket{request=\"fetch\",le=\"0.5\"} 3\n"));
    assert_non_null(strstr(text, "brook_x_bucket{request=\"fetch\",le=\"10\"} 3\n"));
    assert_non_null(strstr(text, "brook_x_bucket{request=\"fetch\",le=\"+Inf\"} 4\n"));
    assert_non_null(strstr(text, "brook_x_sum{request=\"fetch\"} 60.301100\n"));
    assert_non_null(strstr(text, "brook_x_count{request=\"fetch\"} 4\n"));
    free(text);
    /* without labels: no empty braces */
    f = open_memstream(&text, &len);
    brook_histogram_write(&h, f, "brook_y", "");
    fclose(f);
    assert_non_null(strstr(text, "brook_y_bucket{le=\"+Inf\"} 4\n"));
    assert_non_null(strstr(text, "brook_y_count 4\n"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counters_and_gauges_render_in_registration_order),
        cmocka_unit_test(help_text_is_escaped),
        cmocka_unit_test(histograms_register_and_count_from_any_thread),
        cmocka_unit_test(bad_names_and_type_changes_are_refused),
        cmocka_unit_test(histograms_are_cumulative_with_sum_and_count),
        cmocka_unit_test(histograms_tell_apart_the_milliseconds_of_a_synced_produce),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
