/* SASL: the handshake picks the auth plugin that offers the mechanism and
 * opens its session; each authenticate step feeds it the client's token.
 * Done: the session's principal becomes the connection's. Failed: the
 * error is answered, then the connection closes (as Kafka does), with a log
 * line naming the peer and the mechanism, never a secret. */
#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "conn.h"
#include "handlers.h"
#include "log.h"

#define MAX_MECHANISMS 16

/* Every mechanism the deployment's auth plugins offer, NULL-terminated. */
static const char *const *offered(brook_req *req)
{
    const char **list = brook_request_alloc(&req->pub, sizeof *list * (MAX_MECHANISMS + 1));
    size_t n = 0;
    brook_plugin_set *ps = &req->broker->plugins;
    for (size_t i = 0; list && i < ps->auth_count; i++) {
        const char *const *m = brook_auth_of(&ps->auth[i])->mechanisms;
        for (; m && *m && n < MAX_MECHANISMS; m++)
            list[n++] = *m;
    }
    return list;
}

static brook_plugin_instance *plugin_for(brook_broker *b, const char *mechanism)
{
    for (size_t i = 0; i < b->plugins.auth_count; i++)
        for (const char *const *m = brook_auth_of(&b->plugins.auth[i])->mechanisms; m && *m; m++)
            if (strcmp(*m, mechanism) == 0)
                return &b->plugins.auth[i];
    return NULL;
}

void brook_conn_end_auth(brook_conn *c)
{
    if (c->auth_session)
        brook_auth_of(c->auth_plugin)->session_close(c->auth_session);
    c->auth_session = NULL;
    c->auth_plugin = NULL;
}

void brook_handle_sasl_handshake(brook_req *req)
{
    brook_sasl_handshake_req *h = &req->pub.u.sasl_handshake;
    brook_conn *c = req->conn;
    h->mechanisms = offered(req);
    brook_plugin_instance *p = plugin_for(req->broker, h->mechanism ? h->mechanism : "");
    if (!p) {
        h->error = BROOK_ERR_UNSUPPORTED;
        c->close_after_write = 1;
        brook_listener_log_fault(c->listener, BROOK_CLIENT_FAULT_AUTH, BROOK_LOG_WARN,
                                 "connection from %s: SASL mechanism \"%s\" is not offered", c->address, h->mechanism);
        return;
    }
    if (c->authenticated || c->auth_step_pending) {
        h->error = BROOK_ERR_INVALID; /* re-authentication is not supported; nor is a handshake mid-step */
        c->close_after_write |= c->auth_step_pending;
        return;
    }
    brook_conn_end_auth(c);
    h->error = brook_auth_of(p)->session_open(p->state, h->mechanism, &c->peer, &c->auth_session);
    if (!h->error)
        c->auth_plugin = p;
}

static void authenticated(brook_conn *c, brook_sasl_authenticate_req *a)
{
    const char *who = brook_auth_of(c->auth_plugin)->session_principal(c->auth_session);
    free(c->auth_principal);
    c->auth_principal = strdup(who ? who : "");
    if (!c->auth_principal) {
        a->error = BROOK_ERR_NOMEM;
        return;
    }
    c->principal = c->auth_principal;
    c->authenticated = 1;
    a->complete = 1;
    brook_conn_end_auth(c);
    if (c->handshake_timer) {
        brook_loop_timer_cancel(c->broker->loop, c->handshake_timer);
        c->handshake_timer = NULL;
    }
    log_info("connection from %s authenticated as %s", c->address, c->principal);
}

/* A failed authentication is answered only after
 * limits.failed_authentication_delay_ms (Kafka's
 * connection.failed.authentication.delay.ms), so guessing passwords is
 * slow; the request waits parked like a long poll, holding nothing up. */
static void failure_delay_over(brook_req *req)
{
    req->waiting--;
    brook_req_maybe_complete(req);
}

static void failure_delay_cancel(brook_req *req)
{
    req->waiting = 0;
}

static void delay_failure(brook_req *req)
{
    int64_t delay = req->broker->st->failed_authentication_delay_ms;
    if (delay <= 0 || req->broker->stopping)
        return;
    req->waiting++;
    req->cancel = failure_delay_cancel;
    req->on_deadline = failure_delay_over;
    brook_req_arm_deadline(req, delay);
}

/* The step's result into the response and the connection. */
static void finish_step(brook_req *req, brook_err err, const uint8_t *out, size_t out_len, brook_auth_step step)
{
    brook_sasl_authenticate_req *a = &req->pub.u.sasl_authenticate;
    brook_conn *c = req->conn;
    a->error = err;
    if (a->error) {
        brook_listener_log_fault(c->listener, BROOK_CLIENT_FAULT_AUTH, BROOK_LOG_WARN,
                                 "connection from %s: SASL authentication failed (%s)", c->address,
                                 brook_err_str(a->error));
        brook_metric_add(req->broker->m.auth_failures_total, 1);
        a->error_message = "Authentication failed: invalid credentials or malformed exchange";
        brook_conn_end_auth(c);
        c->close_after_write = 1;
        delay_failure(req);
        return;
    }
    if (out_len) {
        uint8_t *copy = brook_request_alloc(&req->pub, out_len);
        if (!copy) {
            a->error = BROOK_ERR_NOMEM;
            return;
        }
        memcpy(copy, out, out_len);
        a->reply = copy;
        a->reply_len = out_len;
    }
    if (step == BROOK_AUTH_DONE)
        authenticated(c, a);
}

/* An asynchronous step ended (on the loop). An orphaned request's
 * connection is gone, and its session closed with it: nothing to apply. */
static void step_done(void *arg, brook_err err, const uint8_t *out, size_t out_len, brook_auth_step step)
{
    brook_req *req = arg;
    if (req->conn) {
        req->conn->auth_step_pending = 0;
        finish_step(req, err, out, out_len, step);
    }
    brook_req_release(req);
}

void brook_handle_sasl_authenticate(brook_req *req)
{
    brook_sasl_authenticate_req *a = &req->pub.u.sasl_authenticate;
    brook_conn *c = req->conn;
    if (!c->auth_session || c->auth_step_pending) {
        a->error = BROOK_ERR_INVALID;
        a->error_message = c->auth_step_pending ? "the previous SASL step has not finished"
                           : c->authenticated   ? "already authenticated"
                                                : "SaslHandshake must come first";
        c->close_after_write = 1;
        return;
    }
    brook_plugin_instance *p = c->auth_plugin;
    if (brook_has_slot(p, brook_auth_ops, session_step_async)) {
        /* Slow steps (password hashing) run off the loop; the response
         * waits for them in its place in the connection's order. */
        c->auth_step_pending = 1;
        req->pending++;
        brook_auth_of(p)->session_step_async(c->auth_session, a->token, a->token_len, step_done, req);
        return;
    }
    const uint8_t *out = NULL;
    size_t out_len = 0;
    brook_auth_step step = BROOK_AUTH_CONTINUE;
    brook_err err = brook_auth_of(p)->session_step(c->auth_session, a->token, a->token_len, &out, &out_len, &step);
    finish_step(req, err, out, out_len, step);
}
