/*
 * test_engine_fixture.h - shared fixture of the engine tests (test_engine_*.c): a loopback
 * HTTP server per program, a fresh queue + counting sink + temporary directory per test, and
 * bounded wait helpers. Header-only (static functions) because every tests/native/test_*.c
 * is its own program.
 *
 * Invariants:
 *  1. Every wait is bounded (WAIT_MS by default) and fails the test with the state and error
 *     record it saw, never hangs.
 *  2. The sink records every delivery under its mutex and broadcasts its condvar, so tests
 *     can wait for "n deliveries of event e" with a deadline.
 *  3. Teardown frees the queue before the directory is removed, and removes everything in
 *     the directory (one level: tests create no subdirectories).
 */
#ifndef BGC_TEST_ENGINE_FIXTURE_H
#define BGC_TEST_ENGINE_FIXTURE_H

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "bgc.h"
#include "httpd.h"
#include "sha256.h"
#include "testdata.h"

#define WAIT_MS 20000u   /* upper bound of every wait for a state or an event */
#define OWNER "S-1-5-21-1000-1000-1000-1001"
#define MAX_EVENTS 256

/* ---- time -------------------------------------------------------------------------------- */

static inline uint64_t fx_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static inline void fx_sleep_ms(unsigned ms)
{
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* ---- the counting sink --------------------------------------------------------------------- */

struct fx_event {
    enum bgc_event ev;      /* event delivered */
    unsigned file_index;    /* as passed */
    uint64_t t_ms;          /* fx_now_ms() at delivery */
    int result;             /* what the sink returned */
};

struct fx_sink {
    pthread_mutex_t mu;      /* guards everything below */
    pthread_cond_t cv;       /* broadcast on every delivery */
    struct fx_event events[MAX_EVENTS]; /* deliveries in order (first MAX_EVENTS) */
    unsigned nevents;        /* deliveries so far (may exceed MAX_EVENTS) */
    unsigned count[32];      /* deliveries per event value (index = enum value, < 32) */
    int result_transferred;  /* returned for BGC_EVENT_TRANSFERRED */
    int result_error;        /* returned for BGC_EVENT_ERROR */
    unsigned thread_start, thread_stop; /* calls of the optional hooks */
    int wrong_thread;        /* a delivery ran outside thread_start..thread_stop */
    int in_thread;           /* between thread_start and thread_stop */
};

static inline int fx_sink_deliver(void *ctx, struct bgc_job *job, enum bgc_event ev, unsigned file_index)
{
    struct fx_sink *s = ctx;
    int result = BGC_DELIVERED;

    (void)job;
    pthread_mutex_lock(&s->mu);
    if (ev == BGC_EVENT_TRANSFERRED)
        result = s->result_transferred;
    else if (ev == BGC_EVENT_ERROR)
        result = s->result_error;
    if (s->nevents < MAX_EVENTS) {
        struct fx_event *e = &s->events[s->nevents];
        e->ev = ev;
        e->file_index = file_index;
        e->t_ms = fx_now_ms();
        e->result = result;
    }
    s->nevents++;
    if ((unsigned)ev < 32)
        s->count[ev]++;
    if (!s->in_thread)
        s->wrong_thread = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return result;
}

static inline void fx_sink_thread_start(void *ctx)
{
    struct fx_sink *s = ctx;
    pthread_mutex_lock(&s->mu);
    s->thread_start++;
    s->in_thread = 1;
    pthread_mutex_unlock(&s->mu);
}

static inline void fx_sink_thread_stop(void *ctx)
{
    struct fx_sink *s = ctx;
    pthread_mutex_lock(&s->mu);
    s->thread_stop++;
    s->in_thread = 0;
    pthread_mutex_unlock(&s->mu);
}

static inline unsigned fx_sink_count(struct fx_sink *s, enum bgc_event ev)
{
    unsigned n;
    pthread_mutex_lock(&s->mu);
    n = s->count[ev];
    pthread_mutex_unlock(&s->mu);
    return n;
}

static inline void fx_sink_set_results(struct fx_sink *s, int transferred, int error)
{
    pthread_mutex_lock(&s->mu);
    s->result_transferred = transferred;
    s->result_error = error;
    pthread_mutex_unlock(&s->mu);
}

/* Waits until event ev was delivered at least n times. Returns 0, or -1 after timeout_ms. */
static inline int fx_sink_wait(struct fx_sink *s, enum bgc_event ev, unsigned n, unsigned timeout_ms)
{
    struct timespec deadline;
    int rc = 0;

    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&s->mu);
    while (s->count[ev] < n) {
        if (pthread_cond_timedwait(&s->cv, &s->mu, &deadline) == ETIMEDOUT) {
            rc = s->count[ev] >= n ? 0 : -1;
            break;
        }
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* ---- the per-program server and the per-test fixture --------------------------------------- */

static struct bgc_httpd *fx_httpd; /* started by fx_group_setup */
static char fx_root[1024];         /* the server's document root (/files/), a mkdtemp dir */

struct fx {
    struct bgc_queue *q;     /* fresh per test (NULL once a test freed it itself) */
    struct fx_sink sink;     /* the queue's sink */
    struct bgc_config cfg;   /* the queue's configuration */
    struct bgc_job *jobs[32]; /* the creation reference of every job the test made (dropped at
                                 teardown, so a failing test leaks nothing); tests borrow */
    size_t njobs;            /* used entries of jobs */
    char dir[1024];          /* mkdtemp directory for local files */
};

static inline void fx_log_to_stderr(void *ctx, enum bgc_log_level level, const char *channel, const char *line)
{
    static const char *names[] = { "ERR", "WARN", "FIXME", "INFO", "TRACE" };
    (void)ctx;
    fprintf(stderr, "[%s %s] %s\n", (unsigned)level < 5 ? names[level] : "?", channel ? channel : "", line);
}

/* Group setup: the loopback server; jobs/ log lines up to BGC_TEST_LOG (0-4, default 1=WARN)
 * go to stderr. */
static inline void fx_rm_dir(const char *dir);

static inline int fx_group_setup(void **state)
{
    const char *lvl = getenv("BGC_TEST_LOG"), *tmp = getenv("TMPDIR");
    struct bgc_httpd_options opt;

    (void)state;
    bgc_log_set_sink(fx_log_to_stderr, NULL, lvl ? (enum bgc_log_level)atoi(lvl) : BGC_LOG_WARN);
    snprintf(fx_root, sizeof(fx_root), "%s/bgc-engine-root-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (!mkdtemp(fx_root))
        return -1;
    memset(&opt, 0, sizeof(opt));
    opt.root = fx_root;
    if (bgc_httpd_start(&opt, &fx_httpd) != 0) {
        rmdir(fx_root);
        return -1;
    }
    return 0;
}

static inline int fx_group_teardown(void **state)
{
    (void)state;
    bgc_httpd_stop(fx_httpd);
    fx_httpd = NULL;
    fx_rm_dir(fx_root);
    return 0;
}

/* Per-test setup with a configuration (retry floor 1 s unless the caller set one). */
static inline int fx_setup_cfg(void **state, const struct bgc_config *cfg)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct bgc_sink sink;
    const char *tmp = getenv("TMPDIR");

    if (!f)
        return -1;
    pthread_mutex_init(&f->sink.mu, NULL);
    pthread_cond_init(&f->sink.cv, NULL);
    f->sink.result_transferred = BGC_DELIVERED;
    f->sink.result_error = BGC_DELIVERED;
    if (cfg)
        f->cfg = *cfg;
    if (!f->cfg.retry_delay_floor_s)
        f->cfg.retry_delay_floor_s = 1;
    snprintf(f->dir, sizeof(f->dir), "%s/bgc-engine-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    sink.deliver = fx_sink_deliver;
    sink.thread_start = fx_sink_thread_start;
    sink.thread_stop = fx_sink_thread_stop;
    sink.ctx = &f->sink;
    if (bgc_queue_new(&f->cfg, &sink, &f->q) != BGC_OK) {
        rmdir(f->dir);
        free(f);
        return -1;
    }
    bgc_httpd_log_clear(fx_httpd);
    *state = f;
    return 0;
}

static inline int fx_setup(void **state)
{
    return fx_setup_cfg(state, NULL);
}

static inline void fx_rm_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[PATH_MAX + 256];

    if (d) {
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

static inline int fx_teardown(void **state)
{
    struct fx *f = *state;

    size_t i;

    bgc_queue_free(f->q);
    for (i = 0; i < f->njobs; i++)
        bgc_job_unref(f->jobs[i]);
    fx_rm_dir(f->dir);
    pthread_cond_destroy(&f->sink.cv);
    pthread_mutex_destroy(&f->sink.mu);
    free(f);
    return 0;
}

/* ---- paths, URLs, files ----------------------------------------------------------------------- */

static inline char *fx_url(const char *path_and_query, char *buf, size_t n)
{
    return bgc_httpd_url(fx_httpd, path_and_query, buf, n);
}

static inline char *fx_path(const struct fx *f, const char *name, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%s", f->dir, name);
    return buf;
}

static inline int fx_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Number of entries in the test directory whose name matches BIT*.tmp. */
static inline unsigned fx_count_temps(const struct fx *f)
{
    DIR *d = opendir(f->dir);
    struct dirent *e;
    unsigned n = 0;

    if (!d)
        return 0;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len >= 7 && strncmp(e->d_name, "BIT", 3) == 0 && strcmp(e->d_name + len - 4, ".tmp") == 0)
            n++;
    }
    closedir(d);
    return n;
}

static inline void fx_write_file(const char *path, const void *data, size_t n)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, n, fp), n);
    assert_int_equal(fclose(fp), 0);
}

/* Writes the first `size` bytes of testdata stream `seed` to path. */
static inline void fx_write_testdata(const char *path, uint64_t seed, uint64_t size)
{
    unsigned char buf[65536];
    uint64_t off = 0;
    FILE *fp = fopen(path, "wb");

    assert_non_null(fp);
    while (off < size) {
        size_t n = size - off < sizeof(buf) ? (size_t)(size - off) : sizeof(buf);
        bgc_testdata_fill(seed, off, buf, n);
        assert_int_equal(fwrite(buf, 1, n, fp), n);
        off += n;
    }
    assert_int_equal(fclose(fp), 0);
}

/* 1 when `path` holds exactly the first `size` bytes of testdata stream `seed`; else 0 with
 * the reason in why. */
static inline int fx_content_ok(const char *path, uint64_t seed, uint64_t size, char *why, size_t n)
{
    char want[BGC_SHA256_HEX_SIZE], got[BGC_SHA256_HEX_SIZE];
    uint64_t got_size = 0;

    if (bgc_sha256_file_hex(path, got, &got_size) != 0) {
        snprintf(why, n, "cannot read %s", path);
        return 0;
    }
    if (got_size != size) {
        snprintf(why, n, "%s: size %" PRIu64 ", expected %" PRIu64, path, got_size, size);
        return 0;
    }
    bgc_testdata_sha256(seed, size, want);
    if (strcmp(want, got) != 0) {
        snprintf(why, n, "%s: sha256 %s, expected %s (seed %" PRIu64 ")", path, got, want, seed);
        return 0;
    }
    return 1;
}

/* Asserts that `path` holds exactly the first `size` bytes of testdata stream `seed`. */
static inline void fx_assert_content(const char *path, uint64_t seed, uint64_t size)
{
    char why[PATH_MAX + 256];
    if (!fx_content_ok(path, seed, size, why, sizeof(why)))
        fail_msg("%s", why);
}

/* Prints the server's log entries for `path` (diagnostics for a failing test). */
static inline void fx_dump_requests(const char *path)
{
    struct bgc_httpd_request r;
    size_t i, n = bgc_httpd_log_count(fx_httpd);

    for (i = 0; i < n; i++) {
        if (bgc_httpd_log_get(fx_httpd, i, &r) != 0 || strcmp(r.path, path) != 0)
            continue;
        print_message("  server saw #%lu %s %s?%s Range='%s' If-Range='%s' -> %d, %" PRIu64 " body bytes%s\n",
                      r.index, r.method, r.path, r.query, r.range, r.if_range, r.status, r.body_bytes,
                      r.dropped ? " (dropped)" : "");
    }
}

/* ---- jobs ----------------------------------------------------------------------------------- */

static inline void fx_print_error(struct bgc_job *job)
{
    struct bgc_error e;
    if (bgc_job_get_error(job, &e) == BGC_OK)
        print_message("  job error: %s (%d) ctx=%d http=%d curl=%d os=%d file=%ld proto=%s msg=%s\n",
                      bgc_code_name(e.code), e.code, (int)e.context, e.http_status, e.curl_code, e.os_error,
                      e.file_index, e.protocol, e.message);
}

/* Creates a download job with the files given as (url, local name in the test dir) pairs,
 * retry delay 1 s. Does not resume it. The job is borrowed: the fixture keeps its reference
 * and drops it at teardown. */
static inline struct bgc_job *fx_new_job_v(struct fx *f, const char *name, size_t n, const char *const *pairs)
{
    struct bgc_file_spec specs[16];
    char locals[16][PATH_MAX + 64];
    struct bgc_job *job = NULL;
    size_t i;

    assert_true(n <= 16);
    assert_int_equal(bgc_queue_create_job(f->q, name, BGC_JOB_DOWNLOAD, OWNER, &job), BGC_OK);
    assert_non_null(job);
    assert_true(f->njobs < sizeof(f->jobs) / sizeof(f->jobs[0]));
    f->jobs[f->njobs++] = job; /* the fixture owns the creation reference */
    assert_int_equal(bgc_job_set_min_retry_delay(job, 1), BGC_OK);
    for (i = 0; i < n; i++) {
        specs[i].remote = pairs[2 * i];
        specs[i].local = fx_path(f, pairs[2 * i + 1], locals[i], sizeof(locals[i]));
    }
    if (n)
        assert_int_equal(bgc_job_add_files(job, n, specs), BGC_OK);
    return job;
}

/* One-file job from a server path ("/gen/...") to a local name; resumed. */
static inline struct bgc_job *fx_start_one(struct fx *f, const char *path_and_query, const char *local)
{
    char url[1024];
    const char *pairs[2];
    struct bgc_job *job;

    pairs[0] = fx_url(path_and_query, url, sizeof(url));
    pairs[1] = local;
    job = fx_new_job_v(f, "engine test", 1, pairs);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    return job;
}

/* Waits until the job is in `want`; fails the test (printing what it saw) after timeout_ms
 * or, when `fail_on_error`, as soon as the job reaches ERROR while waiting for another state. */
static inline void fx_wait_state_ms(struct bgc_job *job, enum bgc_state want, unsigned timeout_ms, int fail_on_error,
                             const char *file, int line)
{
    uint64_t end = fx_now_ms() + timeout_ms;
    enum bgc_state s;

    for (;;) {
        s = bgc_job_get_state(job);
        if (s == want)
            return;
        if (fail_on_error && s == BGC_STATE_ERROR && want != BGC_STATE_ERROR)
            break;
        if (fx_now_ms() >= end)
            break;
        fx_sleep_ms(2);
    }
    print_message("%s:%d: waiting for %s, job is %s\n", file, line, bgc_state_name(want), bgc_state_name(s));
    fx_print_error(job);
    _fail(file, line);
}
#define fx_wait_state(job, want) fx_wait_state_ms((job), (want), WAIT_MS, 1, __FILE__, __LINE__)

/* Waits until file `index` reports at least `bytes` transferred (bounded). */
static inline void fx_wait_bytes_at(struct bgc_job *job, size_t index, uint64_t bytes, const char *file, int line)
{
    uint64_t end = fx_now_ms() + WAIT_MS;
    struct bgc_file_progress p;

    for (;;) {
        memset(&p, 0, sizeof(p));
        assert_int_equal(bgc_job_get_file_progress(job, index, &p), BGC_OK);
        if (p.bytes_transferred >= bytes && p.bytes_transferred != BGC_SIZE_UNKNOWN)
            return;
        if (fx_now_ms() >= end)
            break;
        fx_sleep_ms(2);
    }
    print_message("%s:%d: waiting for %" PRIu64 " bytes of file %zu, have %" PRIu64 ", job is %s\n", file, line,
                  bytes, index, p.bytes_transferred, bgc_state_name(bgc_job_get_state(job)));
    fx_print_error(job);
    _fail(file, line);
}
#define fx_wait_bytes(job, index, bytes) fx_wait_bytes_at((job), (index), (bytes), __FILE__, __LINE__)

/* Asserts the job stays out of `bad` for ms milliseconds. */
static inline void fx_assert_not_state_for(struct bgc_job *job, enum bgc_state bad, unsigned ms)
{
    uint64_t end = fx_now_ms() + ms;
    while (fx_now_ms() < end) {
        enum bgc_state s = bgc_job_get_state(job);
        if (s == bad)
            fail_msg("job unexpectedly reached %s", bgc_state_name(s));
        fx_sleep_ms(5);
    }
}

/* The latest GET to `path` in the server log (0), or -1. */
static inline int fx_last_get(const char *path, struct bgc_httpd_request *out)
{
    size_t i = bgc_httpd_log_count(fx_httpd);
    while (i-- > 0) {
        if (bgc_httpd_log_get(fx_httpd, i, out) == 0 && strcmp(out->method, "GET") == 0 &&
            strcmp(out->path, path) == 0)
            return 0;
    }
    return -1;
}

/* The first GET to `path` in the server log (0), or -1. */
static inline int fx_first_get(const char *path, struct bgc_httpd_request *out)
{
    size_t i, n = bgc_httpd_log_count(fx_httpd);
    for (i = 0; i < n; i++) {
        if (bgc_httpd_log_get(fx_httpd, i, out) == 0 && strcmp(out->method, "GET") == 0 &&
            strcmp(out->path, path) == 0)
            return 0;
    }
    return -1;
}

#endif /* BGC_TEST_ENGINE_FIXTURE_H */
