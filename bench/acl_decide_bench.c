/* What auth-acl's decision costs per request with many rules: acl_decide
 * through the index (acl_index.h) against the walk of every rule it
 * replaced (the same rules with no index: the reference), in one run.
 * One rule per topic (RULES topics, 100 principals), each decision about
 * another topic, as a broker's produce requests across many topics ask.
 * Then what removing every rule by a filter of its own costs (a cluster's
 * keeper dropping rules it should not hold, a DeleteAcls of many exact
 * filters): each rule matched through the filters sorted by resource
 * (acl_filters.h) against each rule checked with every filter.
 *
 *   build/bin/acl_decide_bench [RULES...]     (default: 100 1000 10000)
 *
 * Prints two Markdown tables: microseconds per decision, and walk / index;
 * milliseconds to match every rule, and every filter / sorted. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "acl_filters.h"
#include "acl_rules.h"

static double seconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Microseconds per decision over `reps` decisions about topics t0..t<n-1>. */
static double per_decision(const acl_rules *rules, int n, int reps, int *allowed)
{
    static const char *const supers[] = {"User:admin"};
    char name[32];
    double start = seconds_now();
    for (int i = 0; i < reps; i++) {
        int topic = (int)(((long)i * 7919) % n);
        char who[32];
        snprintf(name, sizeof name, "t%d", topic);
        snprintf(who, sizeof who, "User:u%d", topic % 100);
        *allowed += acl_decide(rules, supers, 1, 0, who, "127.0.0.1", BROOK_OP_WRITE, BROOK_RESOURCE_TOPIC, name) ==
                    BROOK_AUTHZ_ALLOW;
    }
    return (seconds_now() - start) / reps * 1e6;
}

static void count_hit(void *arg, size_t filter)
{
    (void)filter;
    ++*(size_t *)arg;
}

/* Milliseconds to match every rule against one exact filter per rule,
 * sorted (acl_filters.h) or each checked; *hits: the matches. */
static double match_every_rule(const acl_rules *rules, const brook_acl *filters, int sorted, size_t *hits)
{
    double start = seconds_now();
    acl_filters *fs = sorted ? acl_filters_new(filters, rules->count) : NULL;
    for (size_t k = 0; k < rules->count; k++) {
        if (fs)
            acl_filters_match(fs, &rules->rules[k], count_hit, hits);
        for (size_t i = 0; !sorted && i < rules->count; i++)
            if (acl_rule_matches(&rules->rules[k], &filters[i]))
                ++*hits;
    }
    acl_filters_free(fs);
    return (seconds_now() - start) * 1e3;
}

static int load(const char *path, int n, acl_rules *rules)
{
    FILE *f = fopen(path, "w");
    for (int i = 0; f && i < n; i++)
        fprintf(f, "allow User:u%d * WRITE topic literal t%d\n", i % 100, i);
    if (!f || fclose(f) != 0)
        return -1;
    char err[256];
    if (n < 1 || acl_rules_load(path, rules, err, sizeof err) != 0 || !rules->index) {
        fprintf(stderr, "cannot load %d rules: %s\n", n, err);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static const char *const defaults[] = {"100", "1000", "10000"};
    int counts = argc > 1 ? argc - 1 : 3;
    char path[] = "/tmp/brook-acl-bench-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 1;
    close(fd);
    printf(
        "| rules | index, us per decision | walk of every rule (the reference) | walk / index |\n|---|---|---|---|\n");
    for (int c = 0; c < counts; c++) {
        int n = atoi(argc > 1 ? argv[c + 1] : defaults[c]);
        acl_rules rules = {0};
        if (load(path, n, &rules) != 0)
            return 1;
        acl_rules walked = rules;
        walked.index = NULL;
        int allowed = 0;
        /* about 0.2 s each: the walk costs ~0.01 us per rule */
        double indexed = per_decision(&rules, n, 1000000, &allowed);
        double walk = per_decision(&walked, n, (int)(20000000 / n) + 1, &allowed);
        printf("| %d | %.3f | %.3f | %.1f |\n", n, indexed, walk, walk / indexed);
        if (allowed == 0) {
            fprintf(stderr, "no decision allowed: the rules did not apply\n");
            return 1;
        }
        acl_rules_free(&rules);
    }
    printf(
        "\n| rules, each removed by a filter of its own | filters sorted by resource, ms | every filter checked (the "
        "reference), ms | every / sorted |\n|---|---|---|---|\n");
    for (int c = 0; c < counts; c++) {
        int n = atoi(argc > 1 ? argv[c + 1] : defaults[c]);
        acl_rules rules = {0};
        brook_acl *filters = malloc((size_t)n * sizeof *filters);
        if (!filters || load(path, n, &rules) != 0)
            return 1;
        for (size_t i = 0; i < rules.count; i++)
            acl_rule_view(&rules.rules[i], &filters[i]);
        size_t hits = 0, hits_ref = 0;
        double sorted = match_every_rule(&rules, filters, 1, &hits);
        double every = match_every_rule(&rules, filters, 0, &hits_ref);
        printf("| %d | %.3f | %.3f | %.1f |\n", n, sorted, every, every / sorted);
        if (hits != rules.count || hits_ref != rules.count) {
            fprintf(stderr, "%zu and %zu matches for %zu rules\n", hits, hits_ref, rules.count);
            return 1;
        }
        free(filters);
        acl_rules_free(&rules);
    }
    unlink(path);
    return 0;
}
