/* brookd: parse the command line, load and validate the configuration,
 * then start the broker (or only report, with --check-config). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <brook/plugin.h>

#include "broker.h"
#include "config.h"
#include "log.h"
#include "plugin_list.h"
#include "plugin_set.h"

#ifndef BROOK_VERSION
#define BROOK_VERSION "0.0.0"
#endif

extern const char brook_default_config[]; /* config/brook.conf, embedded at build time */

static void usage(FILE *out)
{
    fprintf(out, "usage: brookd [-c FILE] [--set key.path=value]... [--check-config | --list-plugins]\n"
                 "\n"
                 "  -c, --config FILE    configuration file (default: the embedded config/brook.conf)\n"
                 "  -s, --set K=V        override one setting, e.g. --set broker.data_dir=/var/lib/brook\n"
                 "                       or --set listeners.[0].address=127.0.0.1:0 (repeatable)\n"
                 "      --check-config   validate the configuration and plugins, print the plugin set, exit\n"
                 "      --list-plugins   every plugin in the plugin directory: kind, version, options\n"
                 "      --print-schema   list every core configuration key with its default\n"
                 "  -V, --version        print versions and exit\n"
                 "  -h, --help           this help\n");
}

static void exe_path(const char *argv0, char *out, size_t outlen)
{
    ssize_t n = readlink("/proc/self/exe", out, outlen - 1);
    if (n > 0) {
        out[n] = '\0';
        return;
    }
    snprintf(out, outlen, "%s", argv0);
}

/* broker.plugin_dir, else the directory beside this executable. */
static void plugin_dir(const brook_config *cfg, const char *exe, char *dir, size_t dirlen)
{
    if (cfg->settings.plugin_dir && *cfg->settings.plugin_dir)
        snprintf(dir, dirlen, "%s", cfg->settings.plugin_dir);
    else
        brook_loader_default_dir(exe, dir, dirlen);
}

static int list_plugins(const brook_config *cfg, const char *exe)
{
    char dir[PATH_MAX];
    plugin_dir(cfg, exe, dir, sizeof dir);
    printf("plugins in %s (this brookd speaks plugin ABI %d.%d):\n", dir, BROOK_ABI_MAJOR, BROOK_ABI_MINOR);
    int n = brook_plugins_list(dir, stdout);
    if (n < 0) {
        fprintf(stderr, "brookd: cannot read the plugin directory %s: %s\n", dir, strerror(errno));
        return 1;
    }
    if (n == 0)
        printf("(none)\n");
    return 0;
}

static int check_config(brook_config *cfg, const char *exe)
{
    brook_loop *loop = NULL;
    brook_metrics *metrics = NULL;
    brook_loop_new(&loop);
    brook_metrics_new(&metrics);
    brook_host_env env = {.loop = loop,
                          .metrics = metrics,
                          .config = cfg,
                          .data_dir = cfg->settings.data_dir,
                          .broker_id = cfg->settings.broker_id};
    char dir[PATH_MAX], err[2048];
    plugin_dir(cfg, exe, dir, sizeof dir);
    brook_plugin_set set;
    int rc = 0;
    if (brook_data_dir_check(cfg->settings.data_dir, cfg->settings.broker_id, err, sizeof err)) {
        fprintf(stderr, "brookd: %s\n", err);
        memset(&set, 0, sizeof set);
        rc = 1;
    } else if (brook_plugin_set_load(&set, cfg, dir, &env, err, sizeof err)) {
        fprintf(stderr, "brookd: %s\n", err);
        rc = 1;
    } else {
        printf("configuration %s is valid\n", cfg->source);
        printf("broker.id %d, data_dir %s\n", cfg->settings.broker_id, cfg->settings.data_dir);
        for (size_t i = 0; i < cfg->settings.listener_count; i++)
            printf("listener %-10s codec %-8s %s\n", cfg->settings.listeners[i].name, cfg->settings.listeners[i].codec,
                   cfg->settings.listeners[i].address);
        brook_plugin_set_print(&set, stdout);
    }
    brook_plugin_set_unload(&set);
    brook_metrics_free(metrics);
    brook_loop_free(loop);
    return rc;
}

/* Request frames and response buffers come and go by the megabyte. glibc
 * would serve each from a fresh mmap and unmap it on free, so every request
 * paid for page faults on memory the kernel had just zeroed (half of
 * brookd's time under a produce load). Keep such blocks on the heap and
 * keep freed heap for reuse instead. */
static void tune_allocator(void)
{
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

int main(int argc, char **argv)
{
    tune_allocator();
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'}, {"set", required_argument, NULL, 's'},
        {"check-config", no_argument, NULL, 'C'}, {"list-plugins", no_argument, NULL, 'L'},
        {"print-schema", no_argument, NULL, 'P'}, {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    const char *path = NULL;
    int check = 0, list = 0, opt;
    char **sets = calloc((size_t)argc, sizeof *sets);
    int nsets = 0;
    if (!sets)
        return 1;
    while ((opt = getopt_long(argc, argv, "c:s:Vh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c': path = optarg; break;
        case 's': sets[nsets++] = optarg; break;
        case 'C': check = 1; break;
        case 'L': list = 1; break;
        case 'P':
            brook_config_print_schema();
            free(sets);
            return 0;
        case 'V':
            printf("brookd %s (plugin ABI %d.%d)\n", BROOK_VERSION, BROOK_ABI_MAJOR, BROOK_ABI_MINOR);
            free(sets);
            return 0;
        case 'h':
            usage(stdout);
            free(sets);
            return 0;
        default:
            usage(stderr);
            free(sets);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "brookd: unexpected argument \"%s\"\n", argv[optind]);
        usage(stderr);
        free(sets);
        return 2;
    }
    char err[2048], exe[PATH_MAX];
    exe_path(argv[0], exe, sizeof exe);
    brook_config cfg;
    int rc = 1;
    if (brook_config_load(&cfg, path, brook_default_config, "<embedded config/brook.conf>", err, sizeof err)) {
        fprintf(stderr, "brookd: %s\n", err);
        brook_config_free(&cfg);
        free(sets);
        return 1;
    }
    for (int i = 0; i < nsets; i++) {
        if (brook_config_set(&cfg, sets[i], err, sizeof err)) {
            fprintf(stderr, "brookd: %s\n", err);
            goto out;
        }
    }
    if (brook_config_validate(&cfg, err, sizeof err)) {
        fprintf(stderr, "brookd: %s\n", err);
        goto out;
    }
    if (check || list) {
        rc = list ? list_plugins(&cfg, exe) : check_config(&cfg, exe);
        goto out;
    }
    brook_broker broker;
    if (brook_broker_start(&broker, &cfg, exe, err, sizeof err)) {
        brook_log(BROOK_LOG_ERROR, "brookd", "%s", err);
        brook_log(BROOK_LOG_ERROR, "brookd", "start-up failed; exiting");
        brook_broker_free(&broker);
        goto out;
    }
    brook_broker_run(&broker);
    brook_broker_free(&broker);
    brook_log(BROOK_LOG_INFO, "brookd", "stopped");
    rc = 0;
out:
    brook_config_free(&cfg);
    free(sets);
    return rc;
}
