#include "scram.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#define SERVER_NONCE_LEN 24

static const EVP_MD *md(int sha512)
{
    return sha512 ? EVP_sha512() : EVP_sha256();
}

static size_t key_len(int sha512)
{
    return sha512 ? 64 : 32;
}

static int hmac(int sha512, const unsigned char *key, size_t klen, const void *data, size_t len, unsigned char *out)
{
    unsigned int n = 0;
    return HMAC(md(sha512), key, (int)klen, data, len, out, &n) ? 0 : -1;
}

int scram_keys(int sha512, const unsigned char *salted_password, const unsigned char *salt, size_t salt_len,
               int iterations, scram_credential *out)
{
    size_t kl = key_len(sha512);
    unsigned char client_key[SCRAM_MAX_KEY];
    if (salt_len > sizeof out->salt || hmac(sha512, salted_password, kl, "Client Key", 10, client_key) ||
        hmac(sha512, salted_password, kl, "Server Key", 10, out->server_key) ||
        EVP_Digest(client_key, kl, out->stored_key, NULL, md(sha512), NULL) != 1)
        return -1;
    memcpy(out->salt, salt, salt_len);
    out->salt_len = salt_len;
    out->iterations = iterations;
    OPENSSL_cleanse(client_key, sizeof client_key);
    return 0;
}

int scram_derive(int sha512, const char *password, const unsigned char *salt, size_t salt_len, int iterations,
                 scram_credential *out)
{
    size_t kl = key_len(sha512);
    unsigned char salted[SCRAM_MAX_KEY];
    int rc = PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)salt_len, iterations, md(sha512), (int)kl,
                               salted) == 1
                 ? scram_keys(sha512, salted, salt, salt_len, iterations, out)
                 : -1;
    OPENSSL_cleanse(salted, sizeof salted);
    return rc;
}

/* base64 of n bytes into out (NUL-terminated). */
static void b64(const unsigned char *in, size_t n, char *out)
{
    EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

/* base64 -> bytes; the decoded length or -1. */
static int unb64(const char *in, size_t n, unsigned char *out, size_t cap)
{
    unsigned char tmp[256];
    if (n == 0 || n % 4 || n / 4 * 3 > sizeof tmp)
        return -1;
    int len = EVP_DecodeBlock(tmp, (const unsigned char *)in, (int)n);
    if (len < 0)
        return -1;
    for (size_t k = n; k && in[k - 1] == '='; k--)
        len--;
    if ((size_t)len > cap)
        return -1;
    memcpy(out, tmp, (size_t)len);
    return len;
}

/* The value of attribute `a=` at the start of `p` (up to ',' or end). */
static const char *attr(const char *p, char a, size_t *len)
{
    if (p[0] != a || p[1] != '=')
        return NULL;
    const char *v = p + 2, *comma = strchr(v, ',');
    *len = comma ? (size_t)(comma - v) : strlen(v);
    return v;
}

/* saslname: "=2C" is ',' and "=3D" is '='; any other '=' is malformed. */
static int decode_name(const char *in, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        if (c == '=') {
            if (i + 3 > n)
                return -1;
            if (strncmp(in + i, "=2C", 3) == 0)
                c = ',';
            else if (strncmp(in + i, "=3D", 3) == 0)
                c = '=';
            else
                return -1;
            i += 2;
        }
        if (o + 1 >= cap)
            return -1;
        out[o++] = c;
    }
    out[o] = 0;
    return o ? 0 : -1;
}

static int client_first(scram *s, const char *msg, scram_lookup lookup, void *ctx, scram_random rnd, const char **why)
{
    /* gs2 header: "n,," (or "y,,"); with an authorization id "n,a=name,". */
    if ((msg[0] != 'n' && msg[0] != 'y') || msg[1] != ',') {
        *why = msg[0] == 'p' ? "channel binding is not supported" : "malformed gs2 header";
        return -1;
    }
    const char *bare = strchr(msg + 2, ',');
    if (!bare) {
        *why = "malformed gs2 header";
        return -1;
    }
    bare++;
    if (strlen(bare) >= sizeof s->client_first_bare) {
        *why = "client-first-message too long";
        return -1;
    }
    snprintf(s->client_first_bare, sizeof s->client_first_bare, "%s", bare);
    size_t ulen, nlen;
    const char *user = attr(bare, 'n', &ulen);
    const char *cnonce = user ? attr(user + ulen + 1, 'r', &nlen) : NULL;
    if (!user || user[ulen] != ',' || !cnonce || nlen == 0 || nlen > 100 ||
        decode_name(user, ulen, s->user, sizeof s->user)) {
        *why = "malformed client-first-message";
        return -1;
    }
    for (size_t i = 0; i < nlen; i++)
        if (cnonce[i] < 0x21 || cnonce[i] > 0x7e || cnonce[i] == ',') {
            *why = "malformed client nonce";
            return -1;
        }
    s->user_known = lookup(ctx, s->user, s->sha512, &s->cred) == 1;
    if (!s->user_known) { /* carry on with made-up keys; the proof cannot match */
        s->cred.salt_len = 16;
        s->cred.iterations = 4096;
        if (RAND_bytes(s->cred.salt, 16) != 1 || RAND_bytes(s->cred.stored_key, SCRAM_MAX_KEY) != 1)
            return -2;
    }
    char snonce[64];
    size_t snlen = s->server_nonce_len ? s->server_nonce_len : SERVER_NONCE_LEN;
    if (snlen >= sizeof snonce || rnd(snonce, snlen))
        return -2;
    snonce[snlen] = 0;
    snprintf(s->nonce, sizeof s->nonce, "%.*s%s", (int)nlen, cnonce, snonce);
    char salt64[128];
    b64(s->cred.salt, s->cred.salt_len, salt64);
    snprintf(s->server_first, sizeof s->server_first, "r=%s,s=%s,i=%d", s->nonce, salt64, s->cred.iterations);
    snprintf(s->reply, sizeof s->reply, "%s", s->server_first);
    s->state = SCRAM_FINAL;
    return 0;
}

static int client_final(scram *s, const char *msg, const char **why)
{
    size_t clen, rlen, plen;
    const char *c = attr(msg, 'c', &clen);
    const char *r = c ? attr(c + clen + 1, 'r', &rlen) : NULL;
    const char *proof_attr = r && r[rlen] == ',' ? strstr(r + rlen, ",p=") : NULL;
    const char *p = proof_attr ? attr(proof_attr + 1, 'p', &plen) : NULL;
    if (!c || c[clen] != ',' || !r || !p || p[plen] != 0) {
        *why = "malformed client-final-message";
        return -1;
    }
    if (!((clen == 4 && strncmp(c, "biws", 4) == 0) || (clen == 4 && strncmp(c, "eSws", 4) == 0))) {
        *why = "channel binding is not supported";
        return -1;
    }
    /* The nonce must end with the one we sent (as Kafka checks it): librdkafka
     * puts its client nonce in front of the whole server nonce again. */
    size_t slen = strlen(s->nonce);
    if (rlen < slen || strncmp(r + rlen - slen, s->nonce, slen) != 0) {
        *why = "nonce mismatch";
        return -1;
    }
    size_t kl = key_len(s->sha512);
    unsigned char proof[SCRAM_MAX_KEY];
    if (unb64(p, plen, proof, sizeof proof) != (int)kl) {
        *why = "malformed proof";
        return -1;
    }
    char auth_message[1400];
    int n = snprintf(auth_message, sizeof auth_message, "%s,%s,%.*s", s->client_first_bare, s->server_first,
                     (int)(proof_attr - msg), msg);
    if (n < 0 || (size_t)n >= sizeof auth_message)
        return -1;
    unsigned char signature[SCRAM_MAX_KEY], client_key[SCRAM_MAX_KEY], stored[SCRAM_MAX_KEY];
    if (hmac(s->sha512, s->cred.stored_key, kl, auth_message, (size_t)n, signature))
        return -2;
    for (size_t i = 0; i < kl; i++)
        client_key[i] = proof[i] ^ signature[i];
    if (EVP_Digest(client_key, kl, stored, NULL, md(s->sha512), NULL) != 1)
        return -2;
    int ok = CRYPTO_memcmp(stored, s->cred.stored_key, kl) == 0 && s->user_known;
    OPENSSL_cleanse(client_key, sizeof client_key);
    if (!ok) {
        s->state = SCRAM_FAILED;
        return -2;
    }
    unsigned char server_sig[SCRAM_MAX_KEY];
    char sig64[128];
    if (hmac(s->sha512, s->cred.server_key, kl, auth_message, (size_t)n, server_sig))
        return -2;
    b64(server_sig, kl, sig64);
    snprintf(s->reply, sizeof s->reply, "v=%s", sig64);
    s->state = SCRAM_DONE;
    return 0;
}

int scram_step(scram *s, const char *in, size_t in_len, scram_lookup lookup, void *ctx, scram_random rnd,
               const char **why)
{
    char msg[1024];
    *why = NULL;
    if (in_len == 0 || in_len >= sizeof msg || memchr(in, 0, in_len)) {
        *why = "malformed SCRAM message";
        return -1;
    }
    memcpy(msg, in, in_len);
    msg[in_len] = 0;
    switch (s->state) {
    case SCRAM_FIRST: return client_first(s, msg, lookup, ctx, rnd, why);
    case SCRAM_FINAL: return client_final(s, msg, why);
    default: *why = "the exchange is over"; return -1;
    }
}
