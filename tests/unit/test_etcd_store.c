/* The metadata store on a real etcd (Debian's etcd-server), started by the
 * test on free loopback ports in a scratch directory, driven from one
 * brook_loop as brookd drives it: reads by key and prefix with binary
 * values, create-if-absent and revision-fenced transactions, leases
 * (a key goes with its lease), watches (events in order; a watch from a
 * compacted revision ends saying so), and an unreachable engine. Every
 * wait is bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "etcd_store.h"
#include "http_client.h"
#include "loop.h"

typedef struct env {
    char dir[64];
    pid_t etcd;
    int client_port;
    char endpoint[64];
    brook_loop *loop;
    brook_metastore *store;
} env;

/* `n` distinct free ports: all held open until all are chosen (ports
 * taken one by one may come back twice, and etcd then fails to listen). */
static void free_ports(int *ports, int n)
{
    int fds[8];
    for (int i = 0; i < n; i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof a;
        bind(fds[i], (struct sockaddr *)&a, sizeof a);
        getsockname(fds[i], (struct sockaddr *)&a, &len);
        ports[i] = ntohs(a.sin_port);
    }
    for (int i = 0; i < n; i++)
        close(fds[i]);
}

static int free_port(void)
{
    int port;
    free_ports(&port, 1);
    return port;
}

/* ---- the loop ------------------------------------------------------------------- */

static void stop_loop(void *loop)
{
    brook_loop_stop(loop);
}

/* Run the loop until *flag or `ms` passed. */
static void run_until(env *e, const int *flag, int ms)
{
    for (int waited = 0; !*flag && waited < ms; waited += 20) {
        brook_loop_timer_add(e->loop, 20, stop_loop, e->loop, NULL);
        brook_loop_run(e->loop);
    }
}

typedef struct answer {
    int done;
    brook_mresult r;
    char error[256];
    char values[8][64];
    char keys[8][64];
    size_t value_lens[8];
    int64_t mod_revisions[8];
} answer;

static void on_answer(void *arg, const brook_mresult *r)
{
    answer *a = arg;
    a->r = *r;
    a->r.kvs = NULL;
    if (r->error)
        snprintf(a->error, sizeof a->error, "%s", r->error);
    for (size_t i = 0; i < r->count && i < 8; i++) {
        snprintf(a->keys[i], sizeof a->keys[i], "%s", r->kvs[i].key);
        a->value_lens[i] = r->kvs[i].value_len;
        a->mod_revisions[i] = r->kvs[i].mod_revision;
        memcpy(a->values[i], r->kvs[i].value, r->kvs[i].value_len < 64 ? r->kvs[i].value_len : 64);
    }
    a->done = 1;
}

static answer *call_wait(env *e, answer *a)
{
    run_until(e, &a->done, 10000);
    if (!a->done)
        fail_msg("etcd did not answer within 10 s");
    return a;
}

static answer put(env *e, const char *key, const char *value, int64_t lease)
{
    answer a = {0};
    brook_mop op = {
        .kind = BROOK_MOP_PUT, .key = key, .value = (const uint8_t *)value, .value_len = strlen(value), .lease = lease};
    assert_int_equal(e->store->ops->txn(e->store, NULL, 0, &op, 1, NULL, 0, on_answer, &a), BROOK_OK);
    call_wait(e, &a);
    if (a.r.err)
        fail_msg("put %s: %s", key, a.error);
    return a;
}

static answer get(env *e, const char *key, int prefix)
{
    answer a = {0};
    assert_int_equal(e->store->ops->get(e->store, key, prefix, on_answer, &a), BROOK_OK);
    return *call_wait(e, &a);
}

/* ---- etcd ------------------------------------------------------------------------ */

static int setup(void **state)
{
    env *e = calloc(1, sizeof *e);
    snprintf(e->dir, sizeof e->dir, "/tmp/brook-etcd-XXXXXX");
    if (!mkdtemp(e->dir))
        return -1;
    int ports[3];
    free_ports(ports, 3);
    e->client_port = ports[0];
    int peer = ports[1], metrics = ports[2];
    char data[128], client[64], peer_url[64], cluster[96], metrics_url[64];
    snprintf(data, sizeof data, "%s/data", e->dir);
    snprintf(client, sizeof client, "http://127.0.0.1:%d", e->client_port);
    snprintf(peer_url, sizeof peer_url, "http://127.0.0.1:%d", peer);
    snprintf(cluster, sizeof cluster, "n1=%s", peer_url);
    snprintf(metrics_url, sizeof metrics_url, "http://127.0.0.1:%d", metrics);
    snprintf(e->endpoint, sizeof e->endpoint, "%s", client);
    e->etcd = fork();
    if (e->etcd == 0) {
        char logpath[128];
        snprintf(logpath, sizeof logpath, "%s/etcd.log", e->dir);
        freopen(logpath, "w", stderr);
        freopen("/dev/null", "w", stdout);
        execlp("etcd", "etcd", "--name", "n1", "--data-dir", data, "--listen-client-urls", client,
               "--advertise-client-urls", client, "--listen-peer-urls", peer_url, "--initial-advertise-peer-urls",
               peer_url, "--initial-cluster", cluster, "--initial-cluster-state", "new", "--listen-metrics-urls",
               metrics_url, (char *)NULL);
        _exit(127);
    }
    if (brook_loop_new(&e->loop) || brook_etcd_store_new(e->loop, e->endpoint, NULL, &e->store))
        return -1;
    /* ready when it answers a read (about a second) */
    for (int i = 0; i < 100; i++) {
        answer a = {0};
        e->store->ops->get(e->store, "/ready", 0, on_answer, &a);
        run_until(e, &a.done, 2000);
        if (a.done && !a.r.err)
            break;
        int status;
        if (waitpid(e->etcd, &status, WNOHANG) == e->etcd) {
            fprintf(stderr, "etcd exited (is etcd-server installed?)\n");
            return -1;
        }
        usleep(100000);
    }
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    env *e = *state;
    e->store->ops->free(e->store);
    brook_loop_free(e->loop);
    kill(e->etcd, SIGKILL);
    waitpid(e->etcd, NULL, 0);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", e->dir);
    int rc = system(cmd);
    free(e);
    return rc;
}

/* ---- tests ----------------------------------------------------------------------- */

static void reads_keys_and_prefixes_with_binary_values(void **state)
{
    env *e = *state;
    answer p1 = put(e, "/brook/t/brokers/1", "one", 0);
    put(e, "/brook/t/brokers/2", "two\x01\xff", 0);
    put(e, "/brook/t/brokersX", "not under the prefix", 0);
    answer a = get(e, "/brook/t/brokers/1", 0);
    assert_int_equal(a.r.err, BROOK_OK);
    assert_int_equal(a.r.count, 1);
    assert_string_equal(a.values[0], "one");
    assert_true(a.r.revision > p1.r.revision);
    a = get(e, "/brook/t/brokers/", 1);
    assert_int_equal(a.r.count, 2);
    assert_string_equal(a.keys[0], "/brook/t/brokers/1");
    assert_string_equal(a.keys[1], "/brook/t/brokers/2");
    assert_int_equal(a.value_lens[1], 5);
    assert_memory_equal(a.values[1], "two\x01\xff", 5);
    a = get(e, "/brook/t/none", 0);
    assert_int_equal(a.r.err, BROOK_OK);
    assert_int_equal(a.r.count, 0);
}

static void transactions_create_once_and_fence_by_revision(void **state)
{
    env *e = *state;
    brook_mcmp absent = {.key = "/brook/t/controller", .target = BROOK_MCMP_CREATE_REVISION, .number = 0};
    brook_mop claim1 = {
        .kind = BROOK_MOP_PUT, .key = "/brook/t/controller", .value = (const uint8_t *)"1", .value_len = 1};
    brook_mop claim2 = claim1;
    claim2.value = (const uint8_t *)"2";
    answer a = {0}, b = {0};
    e->store->ops->txn(e->store, &absent, 1, &claim1, 1, NULL, 0, on_answer, &a);
    e->store->ops->txn(e->store, &absent, 1, &claim2, 1, NULL, 0, on_answer, &b);
    call_wait(e, &a);
    call_wait(e, &b);
    assert_int_equal(a.r.err, BROOK_OK);
    assert_int_equal(b.r.err, BROOK_OK);
    assert_true(a.r.succeeded + b.r.succeeded == 1); /* exactly one wins */
    answer c = get(e, "/brook/t/controller", 0);
    assert_string_equal(c.values[0], a.r.succeeded ? "1" : "2");

    /* a write fenced by the key's mod revision succeeds once, then the key has moved on */
    put(e, "/brook/t/partitions/t/0", "leader 1", 0);
    answer part = get(e, "/brook/t/partitions/t/0", 0);
    brook_mcmp fence = {
        .key = "/brook/t/partitions/t/0", .target = BROOK_MCMP_MOD_REVISION, .number = part.mod_revisions[0]};
    brook_mop write = {
        .kind = BROOK_MOP_PUT, .key = "/brook/t/partitions/t/0", .value = (const uint8_t *)"leader 2", .value_len = 8};
    answer first = {0}, stale = {0};
    e->store->ops->txn(e->store, &fence, 1, &write, 1, NULL, 0, on_answer, &first);
    call_wait(e, &first);
    assert_true(first.r.succeeded);
    e->store->ops->txn(e->store, &fence, 1, &write, 1, NULL, 0, on_answer, &stale);
    call_wait(e, &stale);
    assert_false(stale.r.succeeded);
    /* and the `otherwise` branch runs when the compare fails */
    brook_mop note = {.kind = BROOK_MOP_PUT, .key = "/brook/t/lost", .value = (const uint8_t *)"x", .value_len = 1};
    answer other = {0};
    e->store->ops->txn(e->store, &fence, 1, &write, 1, &note, 1, on_answer, &other);
    call_wait(e, &other);
    assert_false(other.r.succeeded);
    assert_int_equal(get(e, "/brook/t/lost", 0).r.count, 1);
}

static void keys_go_with_their_lease(void **state)
{
    env *e = *state;
    answer g = {0};
    e->store->ops->lease_grant(e->store, 5, on_answer, &g);
    call_wait(e, &g);
    assert_int_equal(g.r.err, BROOK_OK);
    assert_true(g.r.lease != 0);
    assert_true(g.r.ttl >= 5);
    put(e, "/brook/t/brokers/9", "alive", g.r.lease);
    answer k = {0};
    e->store->ops->lease_keepalive(e->store, g.r.lease, on_answer, &k);
    call_wait(e, &k);
    assert_int_equal(k.r.err, BROOK_OK);
    assert_true(k.r.ttl > 0);
    answer r = {0};
    e->store->ops->lease_revoke(e->store, g.r.lease, on_answer, &r);
    call_wait(e, &r);
    assert_int_equal(r.r.err, BROOK_OK);
    assert_int_equal(get(e, "/brook/t/brokers/9", 0).r.count, 0); /* gone with the lease */
    answer late = {0};
    e->store->ops->lease_keepalive(e->store, g.r.lease, on_answer, &late);
    call_wait(e, &late);
    assert_int_equal(late.r.ttl, 0); /* expired (revoked): the broker must stop acting */
}

typedef struct watched {
    int events;
    char log[512];
    int ended;
    brook_err end_err;
    int64_t compact_revision;
} watched;

static void on_events(void *arg, const brook_mevent *ev, size_t n, int64_t revision)
{
    watched *w = arg;
    (void)revision;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(w->log);
        snprintf(w->log + len, sizeof w->log - len, "%s %s=%.*s;", ev[i].deleted ? "del" : "put", ev[i].kv.key,
                 (int)ev[i].kv.value_len, (const char *)ev[i].kv.value);
        w->events++;
    }
}

static void on_end(void *arg, brook_err err, int64_t compact_revision)
{
    watched *w = arg;
    w->ended = 1;
    w->end_err = err;
    w->compact_revision = compact_revision;
}

static void on_compacted(void *arg, int status, const char *body, size_t len, const char *error)
{
    (void)body;
    (void)len;
    (void)error;
    *(int *)arg = status ? status : -1;
}

static void watches_see_changes_in_order_and_report_compaction(void **state)
{
    env *e = *state;
    answer start = put(e, "/brook/t/other", "x", 0);
    watched w = {0};
    brook_mwatch *handle;
    assert_int_equal(
        e->store->ops->watch(e->store, "/brook/t/topics/", start.r.revision + 1, on_events, on_end, &w, &handle),
        BROOK_OK);
    put(e, "/brook/t/topics/a", "1", 0);
    put(e, "/brook/t/unrelated", "u", 0);
    put(e, "/brook/t/topics/b", "2", 0);
    answer d = {0};
    brook_mop del = {.kind = BROOK_MOP_DELETE, .key = "/brook/t/topics/a"};
    e->store->ops->txn(e->store, NULL, 0, &del, 1, NULL, 0, on_answer, &d);
    call_wait(e, &d);
    int three = 0;
    for (int i = 0; i < 100 && w.events < 3; i++)
        run_until(e, &three, 50);
    assert_int_equal(w.events, 3);
    assert_string_equal(w.log, "put /brook/t/topics/a=1;put /brook/t/topics/b=2;del /brook/t/topics/a=;");
    e->store->ops->unwatch(e->store, handle);

    /* compact past a revision, then watch from it: the watch ends, naming the compaction */
    brook_http *http;
    assert_int_equal(brook_http_new(e->loop, NULL, &http), BROOK_OK);
    char url[128], body[64];
    snprintf(url, sizeof url, "%s/v3/kv/compaction", e->endpoint);
    snprintf(body, sizeof body, "{\"revision\":\"%lld\"}", (long long)d.r.revision);
    int compacted = 0;
    assert_int_equal(brook_http_post(http, url, body, strlen(body), 5000, NULL, on_compacted, &compacted, NULL),
                     BROOK_OK);
    run_until(e, &compacted, 5000);
    assert_int_equal(compacted, 200);
    watched old = {0};
    assert_int_equal(
        e->store->ops->watch(e->store, "/brook/t/topics/", start.r.revision, on_events, on_end, &old, &handle),
        BROOK_OK);
    run_until(e, &old.ended, 5000);
    assert_true(old.ended);
    assert_int_equal(old.end_err, BROOK_ERR_OUT_OF_RANGE);
    assert_true(old.compact_revision > 0);
    e->store->ops->unwatch(e->store, handle);
    brook_http_free(http);
}

static void an_unreachable_engine_answers_io_errors(void **state)
{
    env *e = *state;
    brook_metastore *dead;
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%d", free_port());
    assert_int_equal(brook_etcd_store_new(e->loop, endpoint, NULL, &dead), BROOK_OK);
    answer a = {0};
    assert_int_equal(dead->ops->get(dead, "/x", 0, on_answer, &a), BROOK_OK);
    call_wait(e, &a);
    assert_int_equal(a.r.err, BROOK_ERR_IO);
    assert_true(strlen(a.error) > 0);
    /* and freeing a store with requests in flight calls nothing */
    answer never = {0};
    dead->ops->get(dead, "/x", 0, on_answer, &never);
    dead->ops->free(dead);
    run_until(e, &never.done, 200);
    assert_false(never.done);
}

/* With several endpoints, a request the first cannot take (nothing listens
 * there) goes to the next at once, and later ones go there directly; a
 * watch follows too. */
static void an_endpoint_that_is_down_is_passed_over(void **state)
{
    env *e = *state;
    brook_metastore *two;
    char endpoints[600];
    snprintf(endpoints, sizeof endpoints, "http://127.0.0.1:%d/,%s", free_port(), e->endpoint);
    assert_int_equal(brook_etcd_store_new(e->loop, endpoints, NULL, &two), BROOK_OK);
    brook_mop put = {.kind = BROOK_MOP_PUT, .key = "/two/k", .value = (const uint8_t *)"v", .value_len = 1};
    answer a = {0};
    assert_int_equal(two->ops->txn(two, NULL, 0, &put, 1, NULL, 0, on_answer, &a), BROOK_OK);
    call_wait(e, &a);
    assert_int_equal(a.r.err, BROOK_OK);
    assert_true(a.r.succeeded);
    answer g = {0};
    assert_int_equal(two->ops->get(two, "/two/k", 0, on_answer, &g), BROOK_OK);
    call_wait(e, &g);
    assert_int_equal(g.r.err, BROOK_OK);
    assert_int_equal(g.r.count, 1);
    two->ops->free(two);
    assert_int_equal(brook_etcd_store_new(e->loop, ",", NULL, &two), BROOK_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(reads_keys_and_prefixes_with_binary_values, setup, teardown),
        cmocka_unit_test_setup_teardown(transactions_create_once_and_fence_by_revision, setup, teardown),
        cmocka_unit_test_setup_teardown(keys_go_with_their_lease, setup, teardown),
        cmocka_unit_test_setup_teardown(watches_see_changes_in_order_and_report_compaction, setup, teardown),
        cmocka_unit_test_setup_teardown(an_unreachable_engine_answers_io_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(an_endpoint_that_is_down_is_passed_over, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
