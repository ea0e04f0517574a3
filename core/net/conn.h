/* A client connection: socket, bounded read buffer, the queue of requests
 * in arrival order, response writing (writev for bytes, sendfile for file
 * slices; through TLS on TLS listeners) and backpressure. */
#ifndef BROOK_CORE_CONN_H
#define BROOK_CORE_CONN_H

#include <brook/types.h>

#include "buf.h"
#include "listener.h"
#include "loop.h"
#include "lifecycle.h"
#include "tls.h"

struct brook_broker;

typedef struct brook_conn {
    brook_io io;
    struct brook_broker *broker;
    brook_listener *listener;
    struct brook_conn *prev, *next; /* broker's list */
    void *codec_conn;
    const brook_codec_ops *codec;
    brook_peer peer;
    char address[64];
    char host[64]; /* address without the port: per-address limits */
    const char *principal;

    brook_buf rbuf;
    size_t rpos; /* start of unread bytes in rbuf */

    brook_req *head; /* oldest request not yet fully written */
    brook_req *tail;
    brook_req *encode_next; /* first request not yet encoded */
    int inflight;
    size_t pending_out; /* encoded, unwritten response bytes */
    int long_polls;     /* a long poll may be parked: the next request ends it */

    int paused;                /* not reading: backpressure or stopping */
    int throttled;             /* not reading: a client quota holds the client back (KIP-219) */
    int64_t throttled_until;   /* loop time it ends */
    brook_timer *throttle_end; /* ... its timer */
    int closed;
    int corked;           /* handling the requests of one read: their responses go out together after */
    int filling;          /* a file slice's next bytes are being read into the page cache: not writing */
    int free_when_filled; /* closed meanwhile: the fill's completion frees it */

    /* conn_limits.h */
    int64_t last_read_ms;    /* loop time of the last bytes received */
    int64_t last_active_ms;  /* ... received or sent */
    size_t receive_reserved; /* receive memory held for the frame being read */
    int waiting_for_memory;  /* not reading until receive memory frees up */

    /* TLS listeners only */
    brook_tls_conn *tls;
    int handshaking;
    brook_timer *handshake_timer;
    brook_timer *read_again; /* decrypted bytes left when a wake-up's read budget ran out */
    uint8_t *tls_file_buf;   /* file slices are read here to be encrypted */
    char principal_buf[320];

    /* SASL listeners only */
    int authenticated;
    void *auth_session;                        /* the exchange in progress */
    struct brook_plugin_instance *auth_plugin; /* whose session it is */
    char *auth_principal;                      /* what it authenticated */
    int auth_step_pending;                     /* an asynchronous SASL step is outstanding */
    int close_after_write;                     /* a failed authentication: answer, then close */
} brook_conn;

/* Take over an accepted socket from `host` (counted in the per-address
 * limit by the caller; released when the connection closes). */
brook_err brook_conn_open(struct brook_broker *b, brook_listener *l, int fd, const char *address, const char *host);

/* Receive memory freed up: a connection waiting for it reads again. */
void brook_conn_retry_read(brook_conn *c);

/* A request completed: encode what is now in order and write. */
void brook_conn_on_complete(brook_conn *c);

/* Close now, with one log line saying why (NULL: quietly). */
void brook_conn_close(brook_conn *c, const char *why);

/* Close the SASL session in progress, if any (handle_sasl.c). */
void brook_conn_end_auth(brook_conn *c);

/* Graceful stop: read no more requests. */
void brook_conn_stop_reading(brook_conn *c);

/* A client quota holds the client back for `ms` from now (its response
 * said so): nothing more is read from it until then. */
void brook_conn_throttle(brook_conn *c, int32_t ms);

#endif
