/*
 * os_posix.c - the OS shim (os.h) on POSIX systems: pthreads, clock_gettime, getrandom and
 * plain file descriptors. Built natively only (jobs/CMakeLists.txt).
 *
 * Invariants:
 *  1. Condition variables use CLOCK_MONOTONIC, so timed waits ignore wall-clock changes (L33);
 *     bgc__clock_ms, which the timers compare, is CLOCK_BOOTTIME where it exists, so time the
 *     machine slept counts against MaxDownloadTime (L33) as on Windows (GetTickCount64); the
 *     waits only take relative timeouts from it.
 *  2. Every descriptor is opened with O_CLOEXEC; files the core creates or reopens are opened
 *     with O_NOFOLLOW (os.h invariant 4), and a reopened file must be a regular file.
 *  3. Every failing call reports errno through *os_error (os.h invariant 3).
 */
#define _GNU_SOURCE /* getrandom, O_NOFOLLOW, pthread_condattr_setclock under -std=c11 */

#include "os.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FILETIME_UNIX_EPOCH 116444736000000000ULL /* 1970-01-01 in 100 ns since 1601 */

struct bgc__mutex {
    pthread_mutex_t m; /* the mutex itself */
};

struct bgc__cond {
    pthread_cond_t c; /* bound to CLOCK_MONOTONIC */
};

struct bgc__thread {
    pthread_t t;              /* the running thread */
    void (*fn)(void *arg);    /* entry point */
    void *arg;                /* its argument */
};

static void set_err(int *os_error, int e)
{
    if (os_error)
        *os_error = e;
}

int bgc__mutex_new(struct bgc__mutex **out)
{
    struct bgc__mutex *m = bgc_malloc(sizeof(*m));

    *out = NULL;
    if (!m)
        return BGC_E_NOMEM;
    if (pthread_mutex_init(&m->m, NULL)) {
        bgc_free(m);
        return BGC_E_OS;
    }
    *out = m;
    return BGC_OK;
}

void bgc__mutex_free(struct bgc__mutex *m)
{
    if (!m)
        return;
    pthread_mutex_destroy(&m->m);
    bgc_free(m);
}

void bgc__mutex_lock(struct bgc__mutex *m)
{
    pthread_mutex_lock(&m->m);
}

void bgc__mutex_unlock(struct bgc__mutex *m)
{
    pthread_mutex_unlock(&m->m);
}

int bgc__cond_new(struct bgc__cond **out)
{
    struct bgc__cond *c = bgc_malloc(sizeof(*c));
    pthread_condattr_t attr;
    int rc = BGC_E_OS;

    *out = NULL;
    if (!c)
        return BGC_E_NOMEM;
    if (!pthread_condattr_init(&attr)) {
        if (!pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) && !pthread_cond_init(&c->c, &attr))
            rc = BGC_OK;
        pthread_condattr_destroy(&attr);
    }
    if (rc != BGC_OK) {
        bgc_free(c);
        return rc;
    }
    *out = c;
    return BGC_OK;
}

void bgc__cond_free(struct bgc__cond *c)
{
    if (!c)
        return;
    pthread_cond_destroy(&c->c);
    bgc_free(c);
}

void bgc__cond_wait(struct bgc__cond *c, struct bgc__mutex *m)
{
    pthread_cond_wait(&c->c, &m->m);
}

void bgc__cond_timedwait(struct bgc__cond *c, struct bgc__mutex *m, uint64_t ms)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    if (ms > 365ULL * 24 * 3600 * 1000)
        ms = 365ULL * 24 * 3600 * 1000; /* keeps tv_sec far from overflow */
    ts.tv_sec += (time_t)(ms / 1000);
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&c->c, &m->m, &ts);
}

void bgc__cond_signal(struct bgc__cond *c)
{
    pthread_cond_signal(&c->c);
}

void bgc__cond_broadcast(struct bgc__cond *c)
{
    pthread_cond_broadcast(&c->c);
}

static void *thread_main(void *p)
{
    struct bgc__thread *t = p;

    t->fn(t->arg);
    return NULL;
}

int bgc__thread_start(struct bgc__thread **out, void (*fn)(void *arg), void *arg)
{
    struct bgc__thread *t = bgc_malloc(sizeof(*t));

    *out = NULL;
    if (!t)
        return BGC_E_NOMEM;
    t->fn = fn;
    t->arg = arg;
    if (pthread_create(&t->t, NULL, thread_main, t)) {
        bgc_free(t);
        return BGC_E_OS;
    }
    *out = t;
    return BGC_OK;
}

void bgc__thread_join(struct bgc__thread *t)
{
    if (!t)
        return;
    pthread_join(t->t, NULL);
    bgc_free(t);
}

int bgc__thread_is_self(const struct bgc__thread *t)
{
    return t && pthread_equal(t->t, pthread_self());
}

uint64_t bgc__clock_ms(void)
{
    struct timespec ts;

#ifdef CLOCK_BOOTTIME
    clock_gettime(CLOCK_BOOTTIME, &ts); /* L33: machine sleep counts, as GetTickCount64's does */
#else
    clock_gettime(CLOCK_MONOTONIC, &ts);
#endif
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

bgc_time bgc__wallclock(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return FILETIME_UNIX_EPOCH + (uint64_t)ts.tv_sec * 10000000u + (uint64_t)ts.tv_nsec / 100u;
}

int bgc__random_bytes(void *buf, size_t n)
{
    unsigned char *p = buf;

    while (n) {
        ssize_t got = getrandom(p, n, 0);

        if (got < 0) {
            if (errno == EINTR)
                continue;
            return BGC_E_OS;
        }
        p += got;
        n -= (size_t)got;
    }
    return BGC_OK;
}

int bgc__path_is_absolute(const char *path)
{
    return path && path[0] == '/';
}

int bgc__path_check_local(const char *path)
{
    size_t n;

    if (!bgc__path_is_absolute(path))
        return BGC_E_INVALIDARG;
    n = strlen(path);
    if (path[n - 1] == '/')
        return BGC_E_INVALIDARG; /* names a directory, not a file */
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if (*p < 0x20 || *p == '*' || *p == '?')
            return BGC_E_INVALIDARG;
    }
    return BGC_OK;
}

char *bgc__path_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 0;
    char *dir;

    if (n == 0)
        n = 1; /* "/name" lives in "/" */
    dir = bgc_malloc(n + 1);
    if (!dir)
        return NULL;
    memcpy(dir, slash ? path : "/", n);
    dir[n] = '\0';
    return dir;
}

char *bgc__path_join(const char *dir, const char *name)
{
    size_t nd = strlen(dir), nn = strlen(name);
    int sep = nd && dir[nd - 1] != '/';
    char *p = bgc_malloc(nd + (size_t)sep + nn + 1);

    if (!p)
        return NULL;
    memcpy(p, dir, nd);
    if (sep)
        p[nd] = '/';
    memcpy(p + nd + (size_t)sep, name, nn + 1);
    return p;
}

int bgc__dir_check(const char *dir, int *os_error)
{
    struct stat st;

    set_err(os_error, 0);
    if (stat(dir, &st)) {
        set_err(os_error, errno);
        return errno == EACCES ? BGC_E_ACCESS_DENIED : BGC_E_PATH_NOT_FOUND;
    }
    if (!S_ISDIR(st.st_mode)) {
        set_err(os_error, ENOTDIR);
        return BGC_E_PATH_NOT_FOUND;
    }
    if (access(dir, W_OK | X_OK)) {
        set_err(os_error, errno);
        return BGC_E_ACCESS_DENIED;
    }
    return BGC_OK;
}

int bgc__file_create_excl(const char *path, bgc__fh *out, int *os_error)
{
    int fd;

    *out = BGC__FH_INVALID;
    set_err(os_error, 0);
    do {
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        set_err(os_error, errno);
        return errno == EEXIST ? 1 : BGC_E_LOCAL_FILE;
    }
    *out = fd;
    return BGC_OK;
}

int bgc__file_open_existing(const char *path, bgc__fh *out, uint64_t *size, int *os_error)
{
    struct stat st;
    int fd;

    *out = BGC__FH_INVALID;
    set_err(os_error, 0);
    do {
        fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        set_err(os_error, errno);
        return errno == ENOENT ? 1 : BGC_E_LOCAL_FILE;
    }
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        set_err(os_error, S_ISREG(st.st_mode) ? errno : EINVAL);
        close(fd);
        return BGC_E_LOCAL_FILE;
    }
    if (lseek(fd, 0, SEEK_END) < 0) {
        set_err(os_error, errno);
        close(fd);
        return BGC_E_LOCAL_FILE;
    }
    *size = (uint64_t)st.st_size;
    *out = fd;
    return BGC_OK;
}

int bgc__file_write(bgc__fh fh, const void *buf, size_t n, int *os_error)
{
    const char *p = buf;

    set_err(os_error, 0);
    while (n) {
        ssize_t done = write((int)fh, p, n);

        if (done < 0) {
            if (errno == EINTR)
                continue;
            set_err(os_error, errno);
            return BGC_E_LOCAL_FILE;
        }
        if (done == 0) {
            set_err(os_error, EIO);
            return BGC_E_LOCAL_FILE;
        }
        p += done;
        n -= (size_t)done;
    }
    return BGC_OK;
}

int bgc__file_truncate(bgc__fh fh, uint64_t size, int *os_error)
{
    set_err(os_error, 0);
    if (ftruncate((int)fh, (off_t)size) || lseek((int)fh, (off_t)size, SEEK_SET) < 0) {
        set_err(os_error, errno);
        return BGC_E_LOCAL_FILE;
    }
    return BGC_OK;
}

int bgc__file_set_time(bgc__fh fh, int64_t unix_seconds, int *os_error)
{
    struct timespec ts[2];

    set_err(os_error, 0);
    ts[0].tv_sec = ts[1].tv_sec = (time_t)unix_seconds;
    ts[0].tv_nsec = ts[1].tv_nsec = 0;
    if (futimens((int)fh, ts)) {
        set_err(os_error, errno);
        return BGC_E_LOCAL_FILE;
    }
    return BGC_OK;
}

int bgc__file_seek(bgc__fh fh, uint64_t offset, int *os_error)
{
    set_err(os_error, 0);
    if (lseek((int)fh, (off_t)offset, SEEK_SET) < 0) {
        set_err(os_error, errno);
        return BGC_E_LOCAL_FILE;
    }
    return BGC_OK;
}

void bgc__file_close(bgc__fh fh)
{
    if (fh != BGC__FH_INVALID)
        close((int)fh);
}

int bgc__file_rename_replace(const char *from, const char *to, int *os_error)
{
    set_err(os_error, 0);
    if (rename(from, to)) {
        set_err(os_error, errno);
        return BGC_E_LOCAL_FILE;
    }
    return BGC_OK;
}

int bgc__file_delete(const char *path, int *os_error)
{
    set_err(os_error, 0);
    if (unlink(path)) {
        set_err(os_error, errno);
        return errno == ENOENT ? 1 : BGC_E_LOCAL_FILE;
    }
    return BGC_OK;
}

int bgc__file_size(const char *path, uint64_t *size, int *os_error)
{
    struct stat st;

    set_err(os_error, 0);
    if (stat(path, &st)) {
        set_err(os_error, errno);
        return errno == ENOENT ? 1 : BGC_E_LOCAL_FILE;
    }
    if (!S_ISREG(st.st_mode)) {
        set_err(os_error, EINVAL);
        return BGC_E_LOCAL_FILE;
    }
    *size = (uint64_t)st.st_size;
    return BGC_OK;
}

/* httpopts area (issue 3): no platform proxy settings beyond libcurl's environment. */
int bgc__os_proxy_lookup(const char *url, int autodetect, char **list, char **bypass)
{
    (void)url;
    (void)autodetect;
    *list = *bypass = NULL;
    return BGC_E_UNSUPPORTED_VALUE;
}

/* ---- Secrets at rest (store area, issue 4) -------------------------------------------- */

static const unsigned char plain_magic[4] = {'P', 'L', 'N', '1'}; /* "not protected" marker */

int bgc__os_protect(const void *in, size_t n, unsigned char **out, size_t *out_n)
{
    unsigned char *p = bgc_malloc(n + sizeof(plain_magic));

    if (!p)
        return BGC_E_NOMEM;
    memcpy(p, plain_magic, sizeof(plain_magic));
    if (n)
        memcpy(p + sizeof(plain_magic), in, n);
    *out = p;
    *out_n = n + sizeof(plain_magic);
    return BGC_OK;
}

int bgc__os_unprotect(const void *in, size_t n, unsigned char **out, size_t *out_n)
{
    unsigned char *p;

    if (n < sizeof(plain_magic) || memcmp(in, plain_magic, sizeof(plain_magic)))
        return BGC_E_OS;
    p = bgc_malloc(n - sizeof(plain_magic) + 1);
    if (!p)
        return BGC_E_NOMEM;
    memcpy(p, (const unsigned char *)in + sizeof(plain_magic), n - sizeof(plain_magic));
    *out = p;
    *out_n = n - sizeof(plain_magic);
    return BGC_OK;
}
