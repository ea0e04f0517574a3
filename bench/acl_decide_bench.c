/* What auth-acl's decision costs per request with many rules: acl_decide
 * through the index (acl_index.h) against the walk of every rule it
 * replaced (the same rules with no index: the reference), in one run.
 * One rule per topic (RULES topics, 100 principals), each decision about
 * another topic, as a broker's produce requests across many topics ask.
 *
 *   build/bin/acl_decide_bench [RULES...]     (default: 100 1000 10000)
 *
 * Prints a Markdown table: microseconds per decision, and walk / index. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

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
        FILE *f = fopen(path, "w");
        for (int i = 0; f && i < n; i++)
            fprintf(f, "allow User:u%d * WRITE topic literal t%d\n", i % 100, i);
        if (!f || fclose(f) != 0)
            return 1;
        acl_rules rules = {0};
        char err[256];
        if (n < 1 || acl_rules_load(path, &rules, err, sizeof err) != 0 || !rules.index) {
            fprintf(stderr, "cannot load %d rules: %s\n", n, err);
            return 1;
        }
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
    unlink(path);
    return 0;
}
