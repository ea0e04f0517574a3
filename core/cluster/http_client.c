#include "http_client.h"

#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include <curl/curl.h>

#include "buf.h"

struct brook_http_req {
    brook_http_req *next, *prev; /* the client's requests */
    brook_http *h;
    CURL *easy;
    struct curl_slist *headers;
    char *body;
    brook_buf response;
    brook_http_data_cb data;
    brook_http_done_cb done;
    void *arg;
    int added;     /* handed to the multi handle */
    int cancelled; /* waiting for its timer to free it */
    brook_timer *cancel_timer;
    char error[CURL_ERROR_SIZE];
};

/* One of libcurl's sockets in the loop. Freed on a zero-delay timer after
 * libcurl lets go of it: an event for it may still sit in the loop's
 * current batch. */
typedef struct http_sock {
    brook_io io;
    brook_http *h;
    int dead;
    struct http_sock *next_dead; /* waiting for free_timer */
    brook_timer *free_timer;
} http_sock;

struct brook_http {
    brook_loop *loop;
    CURLM *multi;
    brook_timer *timer;      /* libcurl's timeout */
    brook_timer *add_timer;  /* requests waiting to join */
    brook_http_req requests; /* list head */
    int in_curl;             /* inside curl_multi_socket_action: libcurl's callbacks may run */
    http_sock *dead;         /* sockets libcurl let go of, freed on a timer */
    char *ca, *cert, *key;   /* brook_http_tls, copied; NULL: libcurl's default */
};

static void unlink_req(brook_http_req *r)
{
    r->prev->next = r->next;
    r->next->prev = r->prev;
    r->next = r->prev = r;
}

static void free_req(brook_http_req *r)
{
    if (r->easy) {
        if (r->added)
            curl_multi_remove_handle(r->h->multi, r->easy);
        curl_easy_cleanup(r->easy);
    }
    curl_slist_free_all(r->headers);
    brook_buf_free(&r->response);
    free(r->body);
    free(r);
}

/* Finished transfers: their completions, then their memory. */
static void reap(brook_http *h)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(h->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        brook_http_req *r = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
        if (r->cancelled)
            continue; /* its timer frees it */
        long status = 0;
        if (msg->data.result == CURLE_OK)
            curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
        else if (msg->data.result == CURLE_COULDNT_CONNECT || msg->data.result == CURLE_COULDNT_RESOLVE_HOST)
            status = -1; /* nothing was sent */
        if (msg->data.result != CURLE_OK && !r->error[0])
            snprintf(r->error, sizeof r->error, "%s", curl_easy_strerror(msg->data.result));
        unlink_req(r);
        if (r->done)
            r->done(r->arg, (int)status, r->data ? NULL : (const char *)r->response.data, r->response.len,
                    status > 0 ? NULL : r->error);
        free_req(r);
    }
}

static void on_timeout(void *arg)
{
    brook_http *h = arg;
    h->timer = NULL;
    int running;
    h->in_curl = 1;
    curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    h->in_curl = 0;
    reap(h);
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    brook_http *h = userp;
    if (h->timer)
        brook_loop_timer_cancel(h->loop, h->timer);
    h->timer = NULL;
    if (timeout_ms >= 0)
        brook_loop_timer_add(h->loop, timeout_ms, on_timeout, h, &h->timer);
    return 0;
}

static void on_io(void *arg, uint32_t events)
{
    http_sock *s = arg;
    if (s->dead)
        return;
    brook_http *h = s->h;
    int flags = (events & EPOLLIN ? CURL_CSELECT_IN : 0) | (events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                (events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
    int running;
    h->in_curl = 1;
    curl_multi_socket_action(h->multi, s->io.fd, flags, &running);
    h->in_curl = 0;
    reap(h);
}

static void free_dead(void *arg)
{
    http_sock *s = arg;
    for (http_sock **at = &s->h->dead; *at; at = &(*at)->next_dead)
        if (*at == s) {
            *at = s->next_dead;
            break;
        }
    free(s);
}

static int socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    (void)easy;
    brook_http *h = userp;
    http_sock *s = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (s) {
            brook_loop_io_del(h->loop, &s->io);
            s->dead = 1;
            s->io.fd = -1; /* the loop skips it if an event is still in its batch */
            curl_multi_assign(h->multi, fd, NULL);
            s->next_dead = h->dead;
            h->dead = s;
            brook_loop_timer_add(h->loop, 0, free_dead, s, &s->free_timer);
        }
        return 0;
    }
    uint32_t events = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
    if (!s) {
        s = calloc(1, sizeof *s);
        if (!s)
            return -1;
        *s = (http_sock){.io = {.fd = fd, .cb = on_io}, .h = h};
        s->io.arg = s;
        if (brook_loop_io_add(h->loop, &s->io, events)) {
            free(s);
            return -1;
        }
        curl_multi_assign(h->multi, fd, s);
        return 0;
    }
    return brook_loop_io_set(h->loop, &s->io, events) ? -1 : 0;
}

static int copy_tls(brook_http *h, const brook_http_tls *tls)
{
    if (!tls)
        return 0;
    h->ca = tls->ca ? strdup(tls->ca) : NULL;
    h->cert = tls->cert ? strdup(tls->cert) : NULL;
    h->key = tls->key ? strdup(tls->key) : NULL;
    return (tls->ca && !h->ca) || (tls->cert && !h->cert) || (tls->key && !h->key) ? -1 : 0;
}

static void free_tls(brook_http *h)
{
    free(h->ca);
    free(h->cert);
    free(h->key);
}

brook_err brook_http_new(brook_loop *loop, const brook_http_tls *tls, brook_http **out)
{
    static int initialised;
    if (!initialised && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return BROOK_ERR_IO;
    initialised = 1;
    brook_http *h = calloc(1, sizeof *h);
    if (!h || copy_tls(h, tls) || !(h->multi = curl_multi_init())) {
        if (h)
            free_tls(h);
        free(h);
        return BROOK_ERR_NOMEM;
    }
    h->loop = loop;
    h->requests.next = h->requests.prev = &h->requests;
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
    *out = h;
    return BROOK_OK;
}

void brook_http_free(brook_http *h)
{
    if (!h)
        return;
    while (h->requests.next != &h->requests) {
        brook_http_req *r = h->requests.next;
        if (r->cancel_timer)
            brook_loop_timer_cancel(h->loop, r->cancel_timer);
        unlink_req(r);
        free_req(r);
    }
    if (h->timer)
        brook_loop_timer_cancel(h->loop, h->timer);
    if (h->add_timer)
        brook_loop_timer_cancel(h->loop, h->add_timer);
    curl_multi_cleanup(h->multi); /* removes its sockets through socket_cb */
    free_tls(h);
    while (h->dead) {
        http_sock *s = h->dead;
        h->dead = s->next_dead;
        if (s->free_timer)
            brook_loop_timer_cancel(h->loop, s->free_timer);
        free(s);
    }
    free(h);
}

static size_t on_write(char *data, size_t size, size_t n, void *arg)
{
    brook_http_req *r = arg;
    size_t len = size * n;
    if (r->cancelled)
        return 0; /* ends the transfer */
    if (r->data) {
        r->data(r->arg, data, len);
        return len;
    }
    return brook_buf_append(&r->response, data, len) ? 0 : len;
}

/* Requests join the multi handle here, outside libcurl's callbacks. */
static void add_pending(void *arg)
{
    brook_http *h = arg;
    h->add_timer = NULL;
    for (brook_http_req *r = h->requests.next, *next; r != &h->requests; r = next) {
        next = r->next;
        if (r->added || r->cancelled)
            continue;
        if (curl_multi_add_handle(h->multi, r->easy) == CURLM_OK) {
            r->added = 1;
            continue;
        }
        unlink_req(r);
        if (r->done)
            r->done(r->arg, 0, NULL, 0, "cannot start the request");
        free_req(r);
    }
}

brook_err brook_http_post(brook_http *h, const char *url, const char *body, size_t len, long timeout_ms,
                          brook_http_data_cb data, brook_http_done_cb done, void *arg, brook_http_req **out)
{
    brook_http_req *r = calloc(1, sizeof *r);
    if (!r)
        return BROOK_ERR_NOMEM;
    *r = (brook_http_req){.h = h, .data = data, .done = done, .arg = arg};
    r->next = r->prev = r;
    r->body = malloc(len + 1);
    r->easy = curl_easy_init();
    r->headers = curl_slist_append(NULL, "Content-Type: application/json");
    if (!r->body || !r->easy || !r->headers) {
        free_req(r);
        return BROOK_ERR_NOMEM;
    }
    memcpy(r->body, body, len);
    r->body[len] = '\0';
    CURL *e = r->easy;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)len);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_PRIVATE, r);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->error);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    /* https:// only; peer and host verification stay libcurl's default (on) */
    if (h->ca)
        curl_easy_setopt(e, CURLOPT_CAINFO, h->ca);
    if (h->cert) {
        curl_easy_setopt(e, CURLOPT_SSLCERT, h->cert);
        curl_easy_setopt(e, CURLOPT_SSLKEY, h->key);
    }
    if (timeout_ms > 0)
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
    r->prev = h->requests.prev;
    r->next = &h->requests;
    h->requests.prev->next = r;
    h->requests.prev = r;
    if (!h->add_timer && brook_loop_timer_add(h->loop, 0, add_pending, h, &h->add_timer)) {
        unlink_req(r);
        free_req(r);
        return BROOK_ERR_NOMEM;
    }
    if (out)
        *out = r;
    return BROOK_OK;
}

static void free_cancelled(void *arg)
{
    brook_http_req *r = arg;
    r->cancel_timer = NULL;
    unlink_req(r);
    free_req(r);
}

void brook_http_cancel(brook_http *h, brook_http_req *r)
{
    if (r->cancelled)
        return;
    r->cancelled = 1;
    r->data = NULL;
    r->done = NULL;
    if (!h->in_curl) {
        free_cancelled(r);
        return;
    }
    /* inside libcurl's callbacks: it cannot let go of the handle now */
    brook_loop_timer_add(h->loop, 0, free_cancelled, r, &r->cancel_timer); /* else brook_http_free frees it */
}
