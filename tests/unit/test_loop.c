/* The event loop's timers: order, cancellation, zero-delay deferral, a
 * delay too long to add to the clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "loop.h"

typedef struct trace {
    brook_loop *loop;
    int order[16];
    int n;
} trace;

typedef struct tick {
    trace *t;
    int id;
} tick;

static void record(void *arg)
{
    tick *k = arg;
    k->t->order[k->t->n++] = k->id;
    if (k->t->n == 4)
        brook_loop_stop(k->t->loop);
}

static void timers_fire_in_deadline_order_and_cancel_works(void **state)
{
    (void)state;
    trace t = {0};
    assert_int_equal(brook_loop_new(&t.loop), BROOK_OK);
    tick k[6];
    brook_timer *handles[6];
    int64_t delays[6] = {30, 10, 0, 20, 5, 10};
    for (int i = 0; i < 6; i++) {
        k[i] = (tick){&t, i};
        assert_int_equal(brook_loop_timer_add(t.loop, delays[i], record, &k[i], &handles[i]), BROOK_OK);
    }
    brook_loop_timer_cancel(t.loop, handles[4]); /* the 5 ms one */
    brook_loop_timer_cancel(t.loop, handles[0]); /* the 30 ms one */
    brook_loop_run(t.loop);
    assert_int_equal(t.n, 4);
    /* 0, then the two 10 ms timers in creation order, then 20 */
    assert_int_equal(t.order[0], 2);
    assert_int_equal(t.order[1], 1);
    assert_int_equal(t.order[2], 5);
    assert_int_equal(t.order[3], 3);
    brook_loop_free(t.loop);
}

enum { MANY = 500 };

typedef struct ordered {
    brook_loop *loop;
    int64_t last_delay;
    int fired;
    int out_of_order;
} ordered;

typedef struct otick {
    ordered *o;
    int64_t delay;
} otick;

static void check_order(void *arg)
{
    otick *k = arg;
    if (k->delay < k->o->last_delay)
        k->o->out_of_order++;
    k->o->last_delay = k->delay;
    if (++k->o->fired == MANY / 2)
        brook_loop_stop(k->o->loop);
}

static void many_timers_stay_ordered(void **state)
{
    (void)state;
    static ordered o;
    static otick k[MANY];
    static brook_timer *h[MANY];
    o = (ordered){0};
    assert_int_equal(brook_loop_new(&o.loop), BROOK_OK);
    for (int i = 0; i < MANY; i++) {
        k[i] = (otick){&o, (i * 7919) % 50};
        brook_loop_timer_add(o.loop, k[i].delay, check_order, &k[i], &h[i]);
    }
    /* cancel half, in an order unrelated to the deadlines (31 is coprime to MANY) */
    for (int i = 0; i < MANY; i += 2)
        brook_loop_timer_cancel(o.loop, h[(i * 31) % MANY]);
    brook_loop_run(o.loop);
    assert_int_equal(o.fired, MANY / 2);
    assert_int_equal(o.out_of_order, 0);
    brook_loop_free(o.loop);
}

static void fired(void *arg)
{
    (*(int *)arg)++;
}

static void stop_it(void *loop)
{
    brook_loop_stop(loop);
}

/* Kafka's "never" is Long.MAX_VALUE milliseconds (flush.ms's default, which
 * tools set explicitly): such a timer is never due, where adding it to the
 * clock overflowed into the past and fired it at once. */
static void a_timer_of_int64_max_never_fires(void **state)
{
    (void)state;
    brook_loop *loop;
    assert_int_equal(brook_loop_new(&loop), BROOK_OK);
    int n = 0;
    brook_timer *never;
    assert_int_equal(brook_loop_timer_add(loop, INT64_MAX, fired, &n, &never), BROOK_OK);
    assert_int_equal(brook_loop_timer_add(loop, INT64_MAX - 1000, fired, &n, NULL), BROOK_OK);
    assert_int_equal(brook_loop_timer_add(loop, 30, stop_it, loop, NULL), BROOK_OK);
    brook_loop_run(loop);
    assert_int_equal(n, 0);
    brook_loop_free(loop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(timers_fire_in_deadline_order_and_cancel_works),
        cmocka_unit_test(many_timers_stay_ordered),
        cmocka_unit_test(a_timer_of_int64_max_never_fires),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
