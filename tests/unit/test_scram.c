/* SCRAM's server side against RFC 7677's SCRAM-SHA-256 example (user
 * "user", password "pencil"), SHA-512 through a full exchange, and the
 * ways an exchange fails: a wrong proof, an unknown user (the same path),
 * malformed or replayed messages, channel binding. The client side
 * (brookctl's) against the same example and the server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "scram.h"
#include "scram_client.h"

static scram_credential known;
static const char *known_user;

static int lookup(void *ctx, const char *user, int sha512, scram_credential *cred)
{
    (void)ctx;
    (void)sha512;
    if (strcmp(user, known_user) != 0)
        return 0;
    *cred = known;
    return 1;
}

static const char *fixed_nonce;

static int fixed(char *out, size_t len)
{
    memcpy(out, fixed_nonce, len);
    return 0;
}

static int step(scram *s, const char *msg)
{
    const char *why;
    return scram_step(s, msg, strlen(msg), lookup, NULL, fixed, &why);
}

static void rfc7677_example(void **state)
{
    (void)state;
    unsigned char salt[16];
    assert_int_equal(EVP_DecodeBlock(salt, (const unsigned char *)"W22ZaJ0SNY7soEsUEjb6gQ==", 24), 18);
    assert_int_equal(scram_derive(0, "pencil", salt, 16, 4096, &known), 0);
    known_user = "user";
    fixed_nonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    scram s = {.server_nonce_len = 30};
    assert_int_equal(step(&s, "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"), 0);
    assert_string_equal(s.reply,
                        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
    assert_int_equal(s.state, SCRAM_FINAL);
    assert_int_equal(step(&s, "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                              "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="),
                     0);
    assert_string_equal(s.reply, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
    assert_int_equal(s.state, SCRAM_DONE);
    /* nothing more is accepted */
    assert_int_equal(step(&s, "c=biws,r=x,p=AAAA"), -1);
}

/* The client side, to drive exchanges the RFC has no example for. */
static void client_final(int sha512, const char *password, const char *first_bare, const char *server_first, char *out,
                         size_t outlen)
{
    const EVP_MD *md = sha512 ? EVP_sha512() : EVP_sha256();
    size_t kl = sha512 ? 64 : 32;
    char nonce[200], salt64[100];
    int iterations;
    assert_int_equal(sscanf(server_first, "r=%199[^,],s=%99[^,],i=%d", nonce, salt64, &iterations), 3);
    unsigned char salt[64], salted[64], ck[64], sk[64], sig[64], proof[64];
    int sl = EVP_DecodeBlock(salt, (const unsigned char *)salt64, (int)strlen(salt64));
    sl -= (int)(strlen(salt64) - strcspn(salt64, "="));
    PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, sl, iterations, md, (int)kl, salted);
    unsigned int n;
    HMAC(md, salted, (int)kl, (const unsigned char *)"Client Key", 10, ck, &n);
    EVP_Digest(ck, kl, sk, NULL, md, NULL);
    char without[400], am[1400];
    snprintf(without, sizeof without, "c=biws,r=%s", nonce);
    snprintf(am, sizeof am, "%s,%s,%s", first_bare, server_first, without);
    HMAC(md, sk, (int)kl, (const unsigned char *)am, strlen(am), sig, &n);
    for (size_t i = 0; i < kl; i++)
        proof[i] = ck[i] ^ sig[i];
    char proof64[100];
    EVP_EncodeBlock((unsigned char *)proof64, proof, (int)kl);
    snprintf(out, outlen, "%s,p=%s", without, proof64);
}

static void sha512_and_failures(void **state)
{
    (void)state;
    unsigned char salt[16] = "0123456789abcdef";
    assert_int_equal(scram_derive(1, "s3cret", salt, 16, 4096, &known), 0);
    known_user = "alice";
    fixed_nonce = "ABCDEFGHIJKLMNOPQRSTUVWX";
    char final[600];

    scram ok = {.sha512 = 1};
    assert_int_equal(step(&ok, "n,,n=alice,r=clientnonce1"), 0);
    client_final(1, "s3cret", "n=alice,r=clientnonce1", ok.reply, final, sizeof final);
    assert_int_equal(step(&ok, final), 0);
    assert_int_equal(ok.state, SCRAM_DONE);
    assert_memory_equal(ok.reply, "v=", 2);

    scram wrong = {.sha512 = 1};
    assert_int_equal(step(&wrong, "n,,n=alice,r=clientnonce2"), 0);
    client_final(1, "guess", "n=alice,r=clientnonce2", wrong.reply, final, sizeof final);
    assert_int_equal(step(&wrong, final), -2);

    scram nobody = {.sha512 = 1}; /* an unknown user gets a salt and fails only at the proof */
    assert_int_equal(step(&nobody, "n,,n=mallory,r=clientnonce3"), 0);
    assert_memory_equal(nobody.reply, "r=clientnonce3", 14);
    client_final(1, "s3cret", "n=mallory,r=clientnonce3", nobody.reply, final, sizeof final);
    assert_int_equal(step(&nobody, final), -2);

    const char *bad_first[] = {"p=tls-unique,,n=alice,r=x", "n,,r=x",     "n,,n=alice",
                               "n,,n=al=ice,r=x",           "x,,n=a,r=b", "n,,n=alice,r="};
    for (size_t i = 0; i < sizeof bad_first / sizeof bad_first[0]; i++) {
        scram s = {0};
        assert_int_equal(step(&s, bad_first[i]), -1);
    }
    scram s = {.sha512 = 1};
    assert_int_equal(step(&s, "n,,n=alice,r=clientnonce4"), 0);
    assert_int_equal(step(&s, "c=biws,r=someothernonce,p=AAAA"), -1); /* not our nonce */
    scram t = {.sha512 = 1};
    assert_int_equal(step(&t, "n,,n=alice,r=clientnonce5"), 0);
    assert_int_equal(step(&t, "c=cD10bHMtdW5pcXVlLCw=,r=clientnonce5ABCDEFGHIJKLMNOPQRSTUVWX,p=AAAA"), -1);
    const char *why;
    scram u = {0};
    assert_int_equal(scram_step(&u, "n,,n=a\0b,r=x", 13, lookup, NULL, fixed, &why), -1); /* NUL inside */
}

/* The client side (scram_client.h) reproduces RFC 7677's client messages
 * and checks the server's signature. */
static void client_rfc7677_example(void **state)
{
    (void)state;
    scram_client c;
    const char *why = NULL;
    assert_int_equal(scram_client_first(&c, 0, "user", "rOprNGfwEbeRWgbNEkqO"), 0);
    assert_string_equal(c.message, "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
    assert_int_equal(scram_client_final(&c,
                                        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                                        "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
                                        "pencil", &why),
                     0);
    assert_string_equal(c.message, "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                                   "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
    assert_int_equal(scram_client_verify(&c, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", &why), 0);
    assert_int_equal(scram_client_verify(&c, "v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", &why), -1);
    assert_int_equal(scram_client_verify(&c, "e=invalid-proof", &why), -1);
    assert_string_equal(why, "invalid-proof");
}

/* Against the server side, with SHA-512 and a name that needs escaping;
 * and the server-first messages a client must refuse. */
static void client_against_server(void **state)
{
    (void)state;
    unsigned char salt[16] = "fedcba9876543210";
    assert_int_equal(scram_derive(1, "hunter2", salt, 16, 4096, &known), 0);
    known_user = "a,b=c";
    fixed_nonce = "SERVERNONCESERVERNONCE12";
    scram s = {.sha512 = 1};
    scram_client c;
    const char *why = NULL;
    assert_int_equal(scram_client_first(&c, 1, "a,b=c", "clientnonce"), 0);
    assert_string_equal(c.message, "n,,n=a=2Cb=3Dc,r=clientnonce");
    assert_int_equal(step(&s, c.message), 0);
    assert_int_equal(scram_client_final(&c, s.reply, "hunter2", &why), 0);
    assert_int_equal(step(&s, c.message), 0);
    assert_int_equal(s.state, SCRAM_DONE);
    assert_int_equal(scram_client_verify(&c, s.reply, &why), 0);

    assert_int_equal(scram_client_first(&c, 0, "x", "abc"), 0);
    assert_int_equal(scram_client_final(&c, "r=xyz,s=AAAA,i=4096", "pw", &why), -1);  /* not our nonce */
    assert_int_equal(scram_client_final(&c, "r=abc,s=AAAA,i=4096", "pw", &why), -1);  /* not extended */
    assert_int_equal(scram_client_final(&c, "r=abcd,s=AAAA", "pw", &why), -1);        /* no iterations */
    assert_int_equal(scram_client_final(&c, "r=abcd,s=!!!!,i=4096", "pw", &why), -1); /* bad salt */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc7677_example),
        cmocka_unit_test(sha512_and_failures),
        cmocka_unit_test(client_rfc7677_example),
        cmocka_unit_test(client_against_server),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
