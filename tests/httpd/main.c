/*
 * main.c - bgc-testhttpd: the loopback test HTTP server as a standalone program, started by
 * the Wine test harness (tests/wine/wine-run.sh) beside Windows tests.
 *
 *   bgc-testhttpd [--port N] [--port-file F] [--tls-port-file F] [--root DIR] [--max-seconds S]
 *                 [--parent-pid P]
 * --tls-port-file also starts the HTTPS front end (httpd_tls.c) and writes its port.
 *
 * Invariants:
 *  1. The process always ends by itself: after --max-seconds (default 3600), when the
 *     --parent-pid process is gone, or on SIGTERM/SIGINT (clean stop, exit status 0).
 *  2. "listening on 127.0.0.1:PORT" is printed (and flushed) and the port file is complete
 *     (written to a temporary name, then renamed) only once the socket is listening.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "httpd.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: bgc-testhttpd [--port N] [--port-file FILE] [--tls-port-file FILE] [--root DIR] [--max-seconds S] "
               "[--parent-pid PID]\n");
}

static int parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

static int write_port_file(const char *path, unsigned port)
{
    char tmp[4096];
    FILE *f;

    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= sizeof(tmp))
        return -1;
    f = fopen(tmp, "w");
    if (!f)
        return -1;
    fprintf(f, "%u\n", port);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        remove(tmp);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct bgc_httpd_options opt;
    struct bgc_httpd *h;
    const char *port_file = NULL, *tls_port_file = NULL; /* tls: httpopts area */
    unsigned long max_seconds = 3600, parent = 0, v;
    sigset_t set;
    time_t deadline;
    int i, rc, sig = 0;

    memset(&opt, 0, sizeof(opt));
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (!val) {
            usage(stderr);
            return 2;
        }
        if (strcmp(a, "--port") == 0 && parse_ulong(val, 65535, &v) == 0)
            opt.port = (unsigned short)v;
        else if (strcmp(a, "--port-file") == 0)
            port_file = val;
        else if (strcmp(a, "--root") == 0)
            opt.root = val;
        else if (strcmp(a, "--tls-port-file") == 0) /* httpopts area: HTTPS front end */
            tls_port_file = val, opt.tls = 1;
        else if (strcmp(a, "--max-seconds") == 0 && parse_ulong(val, 7 * 86400, &v) == 0 && v > 0)
            max_seconds = v;
        else if (strcmp(a, "--parent-pid") == 0 && parse_ulong(val, 0x7fffffff, &v) == 0 && v > 0)
            parent = v;
        else {
            fprintf(stderr, "bgc-testhttpd: bad argument %s %s\n", a, val);
            usage(stderr);
            return 2;
        }
        i++;
    }

    /* Block the stop signals before any thread starts, so only sigtimedwait sees them. */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    rc = bgc_httpd_start(&opt, &h);
    if (rc != 0) {
        fprintf(stderr, "bgc-testhttpd: cannot listen on 127.0.0.1:%u: %s\n", (unsigned)opt.port, strerror(-rc));
        return 1;
    }
    /* The TLS port first: the harness waits for the plain port file only. */
    if (tls_port_file && write_port_file(tls_port_file, bgc_httpd_tls_port(h)) != 0) {
        fprintf(stderr, "bgc-testhttpd: cannot write %s: %s\n", tls_port_file, strerror(errno));
        bgc_httpd_stop(h);
        return 1;
    }
    if (port_file && write_port_file(port_file, bgc_httpd_port(h)) != 0) {
        fprintf(stderr, "bgc-testhttpd: cannot write %s: %s\n", port_file, strerror(errno));
        bgc_httpd_stop(h);
        return 1;
    }
    printf("listening on 127.0.0.1:%u\n", (unsigned)bgc_httpd_port(h));
    fflush(stdout);

    deadline = time(NULL) + (time_t)max_seconds;
    for (;;) {
        struct timespec ts = { 1, 0 };
        sig = sigtimedwait(&set, NULL, &ts);
        if (sig > 0)
            break;
        if (time(NULL) >= deadline) {
            fprintf(stderr, "bgc-testhttpd: --max-seconds %lu reached, exiting\n", max_seconds);
            break;
        }
        if (parent && kill((pid_t)parent, 0) != 0 && errno == ESRCH) {
            fprintf(stderr, "bgc-testhttpd: parent %lu is gone, exiting\n", parent);
            break;
        }
    }
    bgc_httpd_stop(h);
    return 0;
}
