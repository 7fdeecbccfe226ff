/*
 * test_job_util.h - fixtures and helpers for the native unit tests of jobs/ that need no HTTP
 * server (test_state.c, test_job*.c, test_ids.c, test_alloc.c).
 *
 * Deterministic states without a server:
 *  - TRANSFERRED: a file:// (or absolute path) source in the test's own directory.
 *  - ERROR: a file:// source that does not exist (REMOTE_NOT_FOUND is fatal).
 *  - TRANSIENT_ERROR: http:// to a loopback port nobody listens on (connection refused).
 *  - CONNECTING, and QUEUED behind it: a loopback socket that listens but never accepts;
 *    the kernel completes the connection, libcurl sends its request and waits for an answer
 *    that never comes (for the stall timeout, 60 s by default). With max_transfers = 1 such a
 *    job holds the only slot, so the next resumed job stays QUEUED.
 *
 * Every fixture also installs a log sink that counts ERR lines; teardown asserts there were
 * none (ERR means "jobs/ is broken").
 */
#ifndef TEST_JOB_UTIL_H
#define TEST_JOB_UTIL_H

#define _GNU_SOURCE /* mkdtemp, usleep, nftw under -std=c11 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "bgc.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TJ_OWNER "S-1-5-21-test"
#define TJ_WAIT_MS 10000 /* generous bound for "the engine gets there" */

struct tj_env {
    char dir[256];            /* private scratch directory */
    struct bgc_queue *q;      /* queue under test */
    struct bgc_config cfg;    /* its configuration */
    int stuck_fd;             /* listening socket that never accepts, or -1 */
    int stuck_port;           /* its port */
};

/* snprintf that fails the test instead of truncating. */
static inline void tj_fmt(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static inline void tj_fmt(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    int len;

    va_start(ap, fmt);
    len = vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    assert_true(len >= 0 && (size_t)len < n);
}

static atomic_int tj_err_lines; /* ERR lines logged since the fixture started */

static inline void tj_log(void *ctx, enum bgc_log_level level, const char *channel, const char *line)
{
    (void)ctx;
    if (level == BGC_LOG_ERR)
        atomic_fetch_add(&tj_err_lines, 1);
    if (level <= BGC_LOG_WARN || getenv("TJ_VERBOSE"))
        fprintf(stderr, "    [%d %s] %s\n", (int)level, channel, line);
}

static inline uint64_t tj_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static inline void tj_sleep_ms(unsigned ms)
{
    usleep(ms * 1000u);
}

/* Joins the scratch directory and a name into buf. */
static inline const char *tj_path(const struct tj_env *env, const char *name, char *buf, size_t n)
{
    tj_fmt(buf, n, "%s/%s", env->dir, name);
    return buf;
}

/* Writes `size` deterministic bytes (depending on seed) to path. */
static inline void tj_write_file(const char *path, size_t size, unsigned seed)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    for (size_t i = 0; i < size; i++)
        fputc((int)((i * 131u + seed * 7u + (i >> 8)) & 0xFF), f);
    assert_int_equal(fclose(f), 0);
}

static inline int tj_exists(const char *path)
{
    struct stat st;

    return lstat(path, &st) == 0;
}

static inline long long tj_file_size(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

static inline int tj_same_content(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int ca, cb, same = fa && fb;

    while (same) {
        ca = fgetc(fa);
        cb = fgetc(fb);
        if (ca != cb)
            same = 0;
        if (ca == EOF || cb == EOF)
            break;
    }
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return same;
}

/* Number of entries in dir whose name starts with prefix. */
static inline int tj_count_prefix(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)))
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return n;
}

static inline void tj_remove_tree(const char *path)
{
    struct stat st;
    DIR *d;
    struct dirent *e;
    char sub[512];

    if (lstat(path, &st))
        return;
    if (!S_ISDIR(st.st_mode)) {
        unlink(path);
        return;
    }
    d = opendir(path);
    while (d && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        tj_fmt(sub, sizeof(sub), "%s/%s", path, e->d_name);
        tj_remove_tree(sub);
    }
    if (d)
        closedir(d);
    rmdir(path);
}

/* A loopback URL that refuses connections: a port bound and released again. */
static inline void tj_refused_url(char *buf, size_t n)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    tj_fmt(buf, n, "http://127.0.0.1:%d/refused.bin", ntohs(a.sin_port));
}

/* Starts the listening-but-silent socket (see the top of this file). */
static inline void tj_stuck_start(struct tj_env *env)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(fd, 64), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    env->stuck_fd = fd;
    env->stuck_port = ntohs(a.sin_port);
}

static inline void tj_stuck_url(struct tj_env *env, char *buf, size_t n)
{
    if (env->stuck_fd < 0)
        tj_stuck_start(env);
    tj_fmt(buf, n, "http://127.0.0.1:%d/stuck.bin", env->stuck_port);
}

/* Creates a queue for env with its current cfg (and an optional sink). */
static inline void tj_queue(struct tj_env *env, const struct bgc_sink *sink)
{
    assert_int_equal(bgc_queue_new(&env->cfg, sink, &env->q), BGC_OK);
}

/* Fixture: scratch dir, ERR counter, retry floor 1 s; the queue is made by tj_queue. */
static inline int tj_setup_noqueue(void **state)
{
    struct tj_env *env = calloc(1, sizeof(*env));

    assert_non_null(env);
    tj_fmt(env->dir, sizeof(env->dir), "/tmp/bgc-test-XXXXXX");
    assert_non_null(mkdtemp(env->dir));
    env->cfg.retry_delay_floor_s = 1;
    env->stuck_fd = -1;
    atomic_store(&tj_err_lines, 0);
    bgc_log_set_sink(tj_log, NULL, getenv("TJ_VERBOSE") ? BGC_LOG_TRACE : BGC_LOG_WARN);
    *state = env;
    return 0;
}

static inline int tj_setup(void **state)
{
    tj_setup_noqueue(state);
    tj_queue(*state, NULL);
    return 0;
}

/* Fixture with max_transfers = 1 (for QUEUED behind a stuck job). */
static inline int tj_setup_one_slot(void **state)
{
    struct tj_env *env;

    tj_setup_noqueue(state);
    env = *state;
    env->cfg.max_transfers = 1;
    tj_queue(env, NULL);
    return 0;
}

static inline int tj_teardown(void **state)
{
    struct tj_env *env = *state;

    bgc_test_fail_alloc_after(-1);
    bgc_queue_free(env->q);
    if (env->stuck_fd >= 0)
        close(env->stuck_fd);
    tj_remove_tree(env->dir);
    bgc_log_set_sink(NULL, NULL, BGC_LOG_ERR);
    assert_int_equal(atomic_load(&tj_err_lines), 0);
    free(env);
    return 0;
}

static inline struct bgc_job *tj_job(struct tj_env *env, const char *name)
{
    struct bgc_job *job = NULL;

    assert_int_equal(bgc_queue_create_job(env->q, name, BGC_JOB_DOWNLOAD, TJ_OWNER, &job), BGC_OK);
    assert_non_null(job);
    return job;
}

static inline void tj_add(struct bgc_job *job, const char *remote, const char *local)
{
    struct bgc_file_spec spec = {remote, local};

    assert_int_equal(bgc_job_add_files(job, 1, &spec), BGC_OK);
}

/* Adds a file:// download of a fresh source file `src` (size bytes) to local `dst`. */
static inline void tj_add_local_copy(struct tj_env *env, struct bgc_job *job, const char *src, size_t size,
                              const char *dst)
{
    char s[512], d[512], url[600];

    tj_write_file(tj_path(env, src, s, sizeof(s)), size, (unsigned)size);
    tj_fmt(url, sizeof(url), "file://%s", s);
    tj_add(job, url, tj_path(env, dst, d, sizeof(d)));
}

/* Adds a file:// download whose source does not exist (-> ERROR). */
static inline void tj_add_missing(struct tj_env *env, struct bgc_job *job, const char *dst)
{
    char s[512], d[512], url[600];

    tj_fmt(url, sizeof(url), "file://%s", tj_path(env, "no-such-source.bin", s, sizeof(s)));
    tj_add(job, url, tj_path(env, dst, d, sizeof(d)));
}

static inline void tj_add_refused(struct tj_env *env, struct bgc_job *job, const char *dst)
{
    char url[128], d[512];

    tj_refused_url(url, sizeof(url));
    tj_add(job, url, tj_path(env, dst, d, sizeof(d)));
}

static inline void tj_add_stuck(struct tj_env *env, struct bgc_job *job, const char *dst)
{
    char url[128], d[512];

    tj_stuck_url(env, url, sizeof(url));
    tj_add(job, url, tj_path(env, dst, d, sizeof(d)));
}

/* Polls until the job is in `want`; returns 1 if it got there within ms. */
static inline int tj_wait_state(struct bgc_job *job, enum bgc_state want, unsigned ms)
{
    uint64_t end = tj_now_ms() + ms;

    do {
        if (bgc_job_get_state(job) == want)
            return 1;
        tj_sleep_ms(2);
    } while (tj_now_ms() < end);
    return bgc_job_get_state(job) == want;
}

#define assert_state(job, s) assert_string_equal(bgc_state_name(bgc_job_get_state(job)), bgc_state_name(s))
#define assert_reaches(job, s)                                                                     \
    do {                                                                                           \
        tj_wait_state((job), (s), TJ_WAIT_MS);                                                     \
        assert_state((job), (s));                                                                  \
    } while (0)
#define assert_code(expr, code) assert_string_equal(bgc_code_name(expr), bgc_code_name(code))

/* Job reaches TRANSFERRED through a file:// copy. */
static inline struct bgc_job *tj_transferred_job(struct tj_env *env, const char *name)
{
    struct bgc_job *job = tj_job(env, name);
    char src[64], dst[64];

    tj_fmt(src, sizeof(src), "%s.src", name);
    tj_fmt(dst, sizeof(dst), "%s.out", name);
    tj_add_local_copy(env, job, src, 1000, dst);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    assert_reaches(job, BGC_STATE_TRANSFERRED);
    return job;
}

/* Job reaches ERROR through a missing file:// source. */
static inline struct bgc_job *tj_error_job(struct tj_env *env, const char *name)
{
    struct bgc_job *job = tj_job(env, name);

    tj_add_missing(env, job, "error.out");
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    assert_reaches(job, BGC_STATE_ERROR);
    return job;
}

/* Job reaches TRANSIENT_ERROR through a refused connection (retry delay 600 s). */
static inline struct bgc_job *tj_transient_job(struct tj_env *env, const char *name)
{
    struct bgc_job *job = tj_job(env, name);

    tj_add_refused(env, job, "transient.out");
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    assert_reaches(job, BGC_STATE_TRANSIENT_ERROR);
    return job;
}

/* Job reaches CONNECTING against the silent socket. */
static inline struct bgc_job *tj_connecting_job(struct tj_env *env, const char *name)
{
    struct bgc_job *job = tj_job(env, name);

    tj_add_stuck(env, job, "stuck.out");
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    assert_reaches(job, BGC_STATE_CONNECTING);
    return job;
}

/* In a one-slot queue: a job that stays QUEUED behind `blocker` (CONNECTING). */
static inline struct bgc_job *tj_queued_job(struct tj_env *env, const char *name)
{
    struct bgc_job *job = tj_job(env, name);

    tj_add_local_copy(env, job, "queued.src", 100, "queued.out");
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    tj_sleep_ms(50); /* give the engine a chance to misbehave */
    assert_state(job, BGC_STATE_QUEUED);
    return job;
}

#endif /* TEST_JOB_UTIL_H */
