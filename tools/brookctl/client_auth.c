/* SASL through the native protocol's sasl_handshake and sasl_authenticate:
 * PLAIN (the password, over TLS it should be), or SCRAM-SHA-256/512
 * (scram_client.h: the password never travels, and the broker proves it
 * holds the user's keys). */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "client.h"
#include "scram_client.h"

/* One sasl_authenticate round: send `token`, the reply into `reply`
 * (NUL-terminated); -1 after printing why. */
static int round_trip(client *c, const void *token, size_t len, char *reply, size_t cap, const char *user)
{
    client_begin(c, "sasl_authenticate", 1);
    pack_str(&c->pk, "token");
    msgpack_pack_bin_with_body(&c->pk, token, len);
    const msgpack_object *resp = client_call(c);
    const char *msg;
    size_t mlen;
    if (!resp)
        return -1;
    if (client_error(resp, &msg, &mlen)) {
        fprintf(stderr, "brookctl: authentication as %s failed: %.*s\n", user, (int)mlen, msg);
        return -1;
    }
    const msgpack_object *t = map_get(resp, "token");
    size_t n = t && (t->type == MSGPACK_OBJECT_BIN || t->type == MSGPACK_OBJECT_STR) ? t->via.bin.size : 0;
    if (n >= cap)
        n = cap - 1;
    if (n)
        memcpy(reply, t->via.bin.ptr, n);
    reply[n] = 0;
    return 0;
}

static int plain(client *c, const client_security *s)
{
    size_t ulen = strlen(s->user), plen = strlen(s->password);
    char token[1024], reply[64];
    if (ulen + plen + 2 > sizeof token) {
        fprintf(stderr, "brookctl: user name or password too long\n");
        return -1;
    }
    token[0] = 0; /* no authorization id */
    memcpy(token + 1, s->user, ulen + 1);
    memcpy(token + 2 + ulen, s->password, plen);
    int rc = round_trip(c, token, ulen + plen + 2, reply, sizeof reply, s->user);
    OPENSSL_cleanse(token, sizeof token);
    return rc;
}

static int scram(client *c, const client_security *s, int sha512)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned char raw[24];
    char nonce[sizeof raw + 1], reply[600];
    const char *why = NULL;
    if (RAND_bytes(raw, sizeof raw) != 1)
        return -1;
    for (size_t i = 0; i < sizeof raw; i++)
        nonce[i] = alphabet[raw[i] & 63];
    nonce[sizeof raw] = 0;
    scram_client sc;
    if (scram_client_first(&sc, sha512, s->user, nonce)) {
        fprintf(stderr, "brookctl: the user name is too long\n");
        return -1;
    }
    if (round_trip(c, sc.message, strlen(sc.message), reply, sizeof reply, s->user))
        return -1;
    int rc = scram_client_final(&sc, reply, s->password, &why);
    if (!rc)
        rc = round_trip(c, sc.message, strlen(sc.message), reply, sizeof reply, s->user);
    if (!rc && why == NULL)
        rc = scram_client_verify(&sc, reply, &why);
    OPENSSL_cleanse(&sc, sizeof sc);
    if (rc && why)
        fprintf(stderr, "brookctl: authentication as %s failed: %s\n", s->user, why);
    return rc ? -1 : 0;
}

int client_authenticate(client *c, const client_security *s)
{
    const char *mechanism = s->mechanism ? s->mechanism : "PLAIN";
    client_begin(c, "sasl_handshake", 1);
    pack_kv_str(&c->pk, "mechanism", mechanism);
    const msgpack_object *resp = client_call(c);
    const char *msg;
    size_t len;
    if (!resp)
        return -1;
    if (client_error(resp, &msg, &len)) {
        fprintf(stderr, "brookctl: the broker does not offer SASL %s: %.*s\n", mechanism, (int)len, msg);
        return -1;
    }
    if (strcmp(mechanism, "PLAIN") == 0)
        return plain(c, s);
    return scram(c, s, strcmp(mechanism, "SCRAM-SHA-512") == 0);
}
