#include "client_quota_rules.h"

#include <stdlib.h>
#include <string.h>

#include "hex.h"

static const char *const keys[BROOK_QUOTA_KINDS] = {"producer_byte_rate", "consumer_byte_rate"};

const char *brook_quota_key(brook_quota_kind kind)
{
    return kind >= 0 && kind < BROOK_QUOTA_KINDS ? keys[kind] : NULL;
}

int brook_quota_kind_of(const char *key)
{
    for (int k = 0; key && k < BROOK_QUOTA_KINDS; k++)
        if (strcmp(keys[k], key) == 0)
            return k;
    return -1;
}

static int part_valid(const brook_quota_part *p)
{
    if (p->kind != BROOK_QUOTA_NAMED)
        return p->kind == BROOK_QUOTA_ABSENT || p->kind == BROOK_QUOTA_DEFAULT;
    size_t n = p->name ? strlen(p->name) : 0;
    return n > 0 && n <= BROOK_QUOTA_NAME_MAX;
}

int brook_quota_entity_valid(const brook_quota_entity *e)
{
    return part_valid(&e->user) && part_valid(&e->client) &&
           (e->user.kind != BROOK_QUOTA_ABSENT || e->client.kind != BROOK_QUOTA_ABSENT);
}

/* ---- keys ---------------------------------------------------------------------------- */

static char *part_key(const brook_quota_part *p, char *out)
{
    if (p->kind == BROOK_QUOTA_NAMED)
        return brook_hex_encode((const uint8_t *)p->name, strlen(p->name), out);
    *out++ = p->kind == BROOK_QUOTA_DEFAULT ? '*' : '-';
    *out = 0;
    return out;
}

void brook_quota_entity_key(const brook_quota_entity *e, char *out)
{
    char *at = part_key(&e->user, out);
    *at++ = '/';
    part_key(&e->client, at);
}

/* One part of a key (len bytes), its name into `name`. */
static int part_parse(const char *text, size_t len, brook_quota_part *p, char *name)
{
    if (len == 1 && (*text == '*' || *text == '-')) {
        *p = (brook_quota_part){.kind = *text == '*' ? BROOK_QUOTA_DEFAULT : BROOK_QUOTA_ABSENT};
        return 0;
    }
    long n = brook_hex_decode(text, len, (uint8_t *)name, BROOK_QUOTA_NAME_MAX);
    if (n <= 0 || memchr(name, 0, (size_t)n))
        return -1;
    name[n] = 0;
    *p = (brook_quota_part){.kind = BROOK_QUOTA_NAMED, .name = name};
    return 0;
}

int brook_quota_entity_parse(const char *key, brook_quota_entity *e, char *names)
{
    const char *slash = strchr(key, '/');
    if (!slash || strchr(slash + 1, '/') || part_parse(key, (size_t)(slash - key), &e->user, names) ||
        part_parse(slash + 1, strlen(slash + 1), &e->client, names + BROOK_QUOTA_NAME_MAX + 1))
        return -1;
    return brook_quota_entity_valid(e) ? 0 : -1;
}

/* ---- the rules ----------------------------------------------------------------------------- */

brook_err brook_quota_rules_set(brook_quota_rules *r, const brook_quota_entity *e, brook_quota_kind kind, int64_t rate)
{
    if (!brook_quota_entity_valid(e) || kind < 0 || kind >= BROOK_QUOTA_KINDS)
        return BROOK_ERR_INVALID;
    char key[BROOK_QUOTA_KEY_MAX];
    brook_quota_entity_key(e, key);
    int64_t *rates = brook_strmap_get(&r->rules, key);
    if (!rates && rate <= 0)
        return BROOK_OK;
    if (!rates) {
        if (!(rates = calloc(BROOK_QUOTA_KINDS, sizeof *rates)))
            return BROOK_ERR_NOMEM;
        if (brook_strmap_put(&r->rules, key, rates)) {
            free(rates);
            return BROOK_ERR_NOMEM;
        }
    }
    rates[kind] = rate > 0 ? rate : 0;
    for (int k = 0; k < BROOK_QUOTA_KINDS; k++)
        if (rates[k])
            return BROOK_OK;
    free(brook_strmap_remove(&r->rules, key)); /* no rate left */
    return BROOK_OK;
}

int64_t brook_quota_rules_get(const brook_quota_rules *r, const brook_quota_entity *e, brook_quota_kind kind)
{
    char key[BROOK_QUOTA_KEY_MAX];
    brook_quota_entity_key(e, key);
    const int64_t *rates = brook_strmap_get(&r->rules, key);
    return rates && kind >= 0 && kind < BROOK_QUOTA_KINDS ? rates[kind] : 0;
}

int brook_quota_rules_empty(const brook_quota_rules *r)
{
    return r->rules.count == 0;
}

void brook_quota_rules_clear(brook_quota_rules *r)
{
    brook_strmap_iter it = {0};
    brook_strmap_entry *e;
    while ((e = brook_strmap_next(&r->rules, &it)))
        free(e->value);
    brook_strmap_free(&r->rules);
    memset(r, 0, sizeof *r);
}

void brook_quota_rules_each(const brook_quota_rules *r,
                            void (*each)(void *arg, const brook_quota_entity *e, const int64_t *rates), void *arg)
{
    brook_strmap_iter it = {0};
    brook_strmap_entry *entry;
    char names[2 * (BROOK_QUOTA_NAME_MAX + 1)];
    while ((entry = brook_strmap_next(&r->rules, &it))) {
        brook_quota_entity e;
        if (!brook_quota_entity_parse(entry->key, &e, names))
            each(arg, &e, entry->value);
    }
}

/* ---- a client's rule ---------------------------------------------------------------------------- */

int64_t brook_quota_rules_resolve(const brook_quota_rules *r, const char *user, const char *client,
                                  brook_quota_kind kind, char *bucket)
{
    static const brook_quota_part_kind order[8][2] = {
        {BROOK_QUOTA_NAMED, BROOK_QUOTA_NAMED},     {BROOK_QUOTA_NAMED, BROOK_QUOTA_DEFAULT},
        {BROOK_QUOTA_NAMED, BROOK_QUOTA_ABSENT},    {BROOK_QUOTA_DEFAULT, BROOK_QUOTA_NAMED},
        {BROOK_QUOTA_DEFAULT, BROOK_QUOTA_DEFAULT}, {BROOK_QUOTA_DEFAULT, BROOK_QUOTA_ABSENT},
        {BROOK_QUOTA_ABSENT, BROOK_QUOTA_NAMED},    {BROOK_QUOTA_ABSENT, BROOK_QUOTA_DEFAULT},
    };
    user = user ? user : "";
    client = client ? client : "";
    *bucket = 0;
    if (brook_quota_rules_empty(r))
        return 0;
    for (int i = 0; i < 8; i++) {
        brook_quota_entity e = {.user = {.kind = order[i][0], .name = user},
                                .client = {.kind = order[i][1], .name = client}};
        if (!brook_quota_entity_valid(&e))
            continue; /* a name the client does not have (none, or too long) */
        int64_t rate = brook_quota_rules_get(r, &e, kind);
        if (!rate)
            continue;
        /* the budget: the rule's entity, each default part the client's own name */
        brook_quota_entity own = {
            .user = {.kind = e.user.kind == BROOK_QUOTA_ABSENT ? BROOK_QUOTA_ABSENT : BROOK_QUOTA_NAMED, .name = user},
            .client = {.kind = e.client.kind == BROOK_QUOTA_ABSENT ? BROOK_QUOTA_ABSENT : BROOK_QUOTA_NAMED,
                       .name = client}};
        if (brook_quota_entity_valid(&own))
            brook_quota_entity_key(&own, bucket);
        else /* an empty name under a default rule: the default's own budget */
            brook_quota_entity_key(&e, bucket);
        return rate;
    }
    return 0;
}
