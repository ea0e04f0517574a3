#include "scram_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#define MAX_KEY 64

/* saslname: ',' is "=2C" and '=' is "=3D". */
static int encode_name(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    for (; *in; in++) {
        const char *piece = *in == ',' ? "=2C" : *in == '=' ? "=3D" : NULL;
        size_t n = piece ? 3 : 1;
        if (o + n >= cap)
            return -1;
        if (piece)
            memcpy(out + o, piece, 3);
        else
            out[o] = *in;
        o += n;
    }
    out[o] = 0;
    return 0;
}

int scram_client_first(scram_client *c, int sha512, const char *user, const char *nonce)
{
    char name[256];
    memset(c, 0, sizeof *c);
    c->sha512 = sha512;
    if (encode_name(user, name, sizeof name) || snprintf(c->client_first_bare, sizeof c->client_first_bare, "n=%s,r=%s",
                                                         name, nonce) >= (int)sizeof c->client_first_bare)
        return -1;
    snprintf(c->message, sizeof c->message, "n,,%s", c->client_first_bare);
    return 0;
}

static int hmac(const EVP_MD *md, const unsigned char *key, size_t klen, const void *data, size_t len,
                unsigned char *out)
{
    unsigned int n = 0;
    return HMAC(md, key, (int)klen, data, len, out, &n) ? 0 : -1;
}

/* The salt, from base64; its length or -1. */
static int decode_salt(const char *b64, size_t n, unsigned char *out, size_t cap)
{
    unsigned char tmp[256];
    if (n == 0 || n % 4 || n / 4 * 3 > sizeof tmp)
        return -1;
    int len = EVP_DecodeBlock(tmp, (const unsigned char *)b64, (int)n);
    for (size_t k = n; len > 0 && k && b64[k - 1] == '='; k--)
        len--;
    if (len <= 0 || (size_t)len > cap)
        return -1;
    memcpy(out, tmp, (size_t)len);
    return len;
}

int scram_client_final(scram_client *c, const char *server_first, const char *password, const char **why)
{
    const EVP_MD *md = c->sha512 ? EVP_sha512() : EVP_sha256();
    size_t kl = c->sha512 ? 64 : 32;
    const char *our_nonce = strstr(c->client_first_bare, ",r=") + 3;
    char nonce[300], salt64[200];
    int iterations = 0, consumed = 0;
    if (sscanf(server_first, "r=%299[^,],s=%199[^,],i=%d%n", nonce, salt64, &iterations, &consumed) != 3 ||
        server_first[consumed] != 0 || iterations < 1) {
        *why = "the server's first message is malformed";
        return -1;
    }
    if (strncmp(nonce, our_nonce, strlen(our_nonce)) != 0 || strlen(nonce) == strlen(our_nonce)) {
        *why = "the server's nonce does not extend ours";
        return -1;
    }
    unsigned char salt[128], salted[MAX_KEY], client_key[MAX_KEY], stored[MAX_KEY], client_sig[MAX_KEY];
    unsigned char server_key[MAX_KEY], server_sig[MAX_KEY];
    int salt_len = decode_salt(salt64, strlen(salt64), salt, sizeof salt);
    char without_proof[400], auth_message[1400];
    snprintf(without_proof, sizeof without_proof, "c=biws,r=%s", nonce);
    int n = snprintf(auth_message, sizeof auth_message, "%s,%s,%s", c->client_first_bare, server_first, without_proof);
    size_t am = strlen(auth_message);
    int rc = salt_len <= 0 || n >= (int)sizeof auth_message ||
             PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, salt_len, iterations, md, (int)kl, salted) != 1 ||
             hmac(md, salted, kl, "Client Key", 10, client_key) ||
             EVP_Digest(client_key, kl, stored, NULL, md, NULL) != 1 ||
             hmac(md, stored, kl, auth_message, am, client_sig) || hmac(md, salted, kl, "Server Key", 10, server_key) ||
             hmac(md, server_key, kl, auth_message, am, server_sig);
    if (!rc) {
        unsigned char proof[MAX_KEY]; /* ClientKey XOR ClientSignature */
        for (size_t i = 0; i < kl; i++)
            proof[i] = client_key[i] ^ client_sig[i];
        char proof64[100];
        EVP_EncodeBlock((unsigned char *)proof64, proof, (int)kl);
        EVP_EncodeBlock((unsigned char *)c->server_signature, server_sig, (int)kl);
        snprintf(c->message, sizeof c->message, "%s,p=%s", without_proof, proof64);
        OPENSSL_cleanse(proof, sizeof proof);
    }
    OPENSSL_cleanse(salted, sizeof salted);
    OPENSSL_cleanse(client_key, sizeof client_key);
    OPENSSL_cleanse(server_key, sizeof server_key);
    if (rc)
        *why = "the server's salt is malformed";
    return rc ? -1 : 0;
}

int scram_client_verify(const scram_client *c, const char *server_final, const char **why)
{
    if (strncmp(server_final, "e=", 2) == 0) {
        *why = server_final + 2;
        return -1;
    }
    if (strncmp(server_final, "v=", 2) != 0 ||
        CRYPTO_memcmp(server_final + 2, c->server_signature, strlen(c->server_signature) + 1) != 0) {
        *why = "the server's signature is wrong: it does not hold this user's keys";
        return -1;
    }
    return 0;
}
