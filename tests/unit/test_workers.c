/* The I/O thread pool: a job's posted callbacks run on the loop, in the
 * order posted and before the job's own completion, also when the pool is
 * freed while the job still works. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <unistd.h>

#include "loop.h"
#include "workers.h"

typedef struct trace {
    brook_loop *loop;
    brook_workers *pool;
    pthread_t loop_thread;
    int seen[8];
    int n;
    int off_loop; /* a callback that ran on another thread */
    int sleep_ms; /* the job's work after posting */
} trace;

typedef struct step {
    trace *t;
    int id;
} step;

static step steps[4];

static void record(void *arg)
{
    step *s = arg;
    trace *t = s->t;
    t->off_loop += !pthread_equal(pthread_self(), t->loop_thread);
    if (t->n < 8)
        t->seen[t->n++] = s->id;
}

static void work(void *arg)
{
    trace *t = arg;
    for (int i = 0; i < 3; i++)
        assert_int_equal(brook_workers_post(t->pool, record, &steps[i]), BROOK_OK);
    usleep((useconds_t)t->sleep_ms * 1000);
}

static void done(void *arg)
{
    trace *t = arg;
    record(&steps[3]);
    brook_loop_stop(t->loop);
}

static void start(trace *t, int sleep_ms)
{
    *t = (trace){.loop_thread = pthread_self(), .sleep_ms = sleep_ms};
    for (int i = 0; i < 4; i++)
        steps[i] = (step){.t = t, .id = i < 3 ? i + 1 : 99};
    assert_int_equal(brook_loop_new(&t->loop), BROOK_OK);
    assert_int_equal(brook_workers_new(t->loop, 2, &t->pool), BROOK_OK);
    assert_int_equal(brook_workers_submit(t->pool, work, done, t), BROOK_OK);
}

static void expect_posted_then_done(const trace *t)
{
    assert_int_equal(t->n, 4);
    assert_int_equal(t->seen[0], 1);
    assert_int_equal(t->seen[1], 2);
    assert_int_equal(t->seen[2], 3);
    assert_int_equal(t->seen[3], 99);
    assert_int_equal(t->off_loop, 0);
}

static void stop_after(void *arg)
{
    brook_loop_stop(arg);
}

static void posted_callbacks_run_on_the_loop_before_the_jobs_done(void **state)
{
    (void)state;
    trace t;
    start(&t, 20);
    brook_loop_timer_add(t.loop, 5000, stop_after, t.loop, NULL); /* bounded */
    brook_loop_run(t.loop);
    expect_posted_then_done(&t);
    brook_workers_free(t.pool);
    brook_loop_free(t.loop);
}

static void freeing_the_pool_runs_what_a_working_job_posted(void **state)
{
    (void)state;
    trace t;
    start(&t, 50);
    usleep(10 * 1000); /* the job has posted and still works */
    brook_workers_free(t.pool);
    expect_posted_then_done(&t);
    brook_loop_free(t.loop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(posted_callbacks_run_on_the_loop_before_the_jobs_done),
        cmocka_unit_test(freeing_the_pool_runs_what_a_working_job_posted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
