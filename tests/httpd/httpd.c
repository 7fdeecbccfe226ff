/*
 * httpd.c - lifecycle of the loopback test HTTP server: listening socket, acceptor thread,
 * one thread per connection, bounded stop, and the request log.
 *
 * Invariants:
 *  1. Every connection is in srv->conns from accept until its thread is joined (by the
 *     acceptor's reaper or by stop); conn->fd is closed and set to -1 under srv->lock, so
 *     stop never shuts down a reused descriptor.
 *  2. After `stopping` is set (under the lock) no connection is added, and every open
 *     connection socket has been shut down, which wakes its thread's recv/send/sendfile.
 *  3. The wake pipe is written once by stop and never drained: every later poll on it returns
 *     at once, so stalls and delays end promptly.
 *  4. At most max_conns connection threads run; the acceptor stops accepting at the cap.
 */
#define _GNU_SOURCE
#include "httpd_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define LOG_CAP 20000 /* entries held; the oldest half is dropped beyond this */

uint64_t httpd_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void set_timeouts(int fd, unsigned ms)
{
    struct timeval tv;
    tv.tv_sec = ms / 1000;
    tv.tv_usec = (ms % 1000) * 1000;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Finds the end of the request head ("\r\n\r\n") in rbuf; returns its length or 0. */
static size_t head_length(const struct httpd_conn *c)
{
    size_t i;
    for (i = 3; i < c->rlen; i++)
        if (c->rbuf[i] == '\n' && c->rbuf[i - 1] == '\r' && c->rbuf[i - 2] == '\n' && c->rbuf[i - 3] == '\r')
            return i + 1;
    return 0;
}

static void close_conn_fd(struct httpd_conn *c)
{
    struct bgc_httpd *h = c->srv;
    pthread_mutex_lock(&h->lock);
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
    pthread_mutex_unlock(&h->lock);
}

static void *conn_main(void *arg)
{
    struct httpd_conn *c = arg;
    struct bgc_httpd *h = c->srv;
    sigset_t set;

    /* sendfile() to a peer that went away raises SIGPIPE in this thread; keep it pending
     * here (and lost at thread exit) instead of killing the test process. */
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    for (;;) {
        size_t head;
        ssize_t got;

        while ((head = head_length(c)) == 0) {
            if (c->rlen == sizeof(c->rbuf)) {
                static const char too_big[] =
                    "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
                send(c->fd, too_big, sizeof(too_big) - 1, MSG_NOSIGNAL);
                goto out;
            }
            got = recv(c->fd, c->rbuf + c->rlen, sizeof(c->rbuf) - c->rlen, 0);
            if (got <= 0)
                goto out; /* peer closed, idle timeout, or shut down by stop */
            c->rlen += (size_t)got;
        }
        if (!httpd_serve_one(c, head))
            break;
        pthread_mutex_lock(&h->lock);
        if (h->stopping) {
            pthread_mutex_unlock(&h->lock);
            break;
        }
        pthread_mutex_unlock(&h->lock);
    }
out:
    close_conn_fd(c);
    pthread_mutex_lock(&h->lock);
    c->done = 1;
    h->nactive--;
    pthread_cond_broadcast(&h->cond);
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

/* Joins and frees finished connections (all of them when `all`, waiting for each). */
static void reap(struct bgc_httpd *h, int all)
{
    for (;;) {
        struct httpd_conn **pp, *victim = NULL;

        pthread_mutex_lock(&h->lock);
        for (pp = &h->conns; *pp; pp = &(*pp)->next) {
            if ((*pp)->done || all) {
                victim = *pp;
                *pp = victim->next;
                break;
            }
        }
        pthread_mutex_unlock(&h->lock);
        if (!victim)
            return;
        pthread_join(victim->thread, NULL);
        free(victim->io);
        free(victim);
    }
}

static void *acceptor_main(void *arg)
{
    struct bgc_httpd *h = arg;
    pthread_attr_t attr;

    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 1u << 20);
    for (;;) {
        struct pollfd pfd[2];
        struct httpd_conn *c;
        int fd, one = 1, sndbuf = 4 << 20, at_cap, rc;

        reap(h, 0);
        pthread_mutex_lock(&h->lock);
        if (h->stopping) {
            pthread_mutex_unlock(&h->lock);
            break;
        }
        at_cap = h->nactive >= h->max_conns;
        pthread_mutex_unlock(&h->lock);

        pfd[0].fd = h->wake[0];
        pfd[0].events = POLLIN;
        pfd[1].fd = h->listen_fd;
        pfd[1].events = POLLIN;
        rc = poll(pfd, at_cap ? 1 : 2, at_cap ? 20 : 1000);
        if (rc <= 0 || (pfd[0].revents & POLLIN) || at_cap || !(pfd[1].revents & POLLIN))
            continue;
        fd = accept4(h->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
        set_timeouts(fd, h->idle_ms);
        c = calloc(1, sizeof(*c));
        if (!c) {
            close(fd);
            continue;
        }
        c->srv = h;
        c->fd = fd;
        pthread_mutex_lock(&h->lock);
        if (h->stopping || pthread_create(&c->thread, &attr, conn_main, c) != 0) {
            pthread_mutex_unlock(&h->lock);
            close(fd);
            free(c);
            continue;
        }
        c->next = h->conns;
        h->conns = c;
        h->nactive++;
        pthread_mutex_unlock(&h->lock);
    }
    pthread_attr_destroy(&attr);
    return NULL;
}

int bgc_httpd_start(const struct bgc_httpd_options *opt, struct bgc_httpd **out)
{
    struct bgc_httpd_options defaults = { 0, NULL, 0, 0, 0 };
    struct bgc_httpd *h;
    struct sockaddr_in sa;
    socklen_t salen = sizeof(sa);
    int one = 1, rc;

    *out = NULL;
    if (!opt)
        opt = &defaults;
    h = calloc(1, sizeof(*h));
    if (!h)
        return -ENOMEM;
    h->listen_fd = -1;
    h->wake[0] = h->wake[1] = -1;
    h->max_conns = opt->max_connections ? opt->max_connections : 256;
    h->idle_ms = opt->idle_timeout_ms ? opt->idle_timeout_ms : 30000;
    h->t0_ms = httpd_now_ms();
    snprintf(h->nonce, sizeof(h->nonce), "%08lx%08lx%016llx", (unsigned long)getpid(),
             (unsigned long)(h->t0_ms & 0xffffffffu), (unsigned long long)(uintptr_t)h);
    if (opt->root && !(h->root = strdup(opt->root))) {
        free(h);
        return -ENOMEM;
    }
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->cond, NULL);

    if (pipe2(h->wake, O_CLOEXEC) != 0)
        goto fail_errno;
    h->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (h->listen_fd < 0)
        goto fail_errno;
    setsockopt(h->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons(opt->port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(h->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(h->listen_fd, 256) != 0 ||
        getsockname(h->listen_fd, (struct sockaddr *)&sa, &salen) != 0)
        goto fail_errno;
    h->port = ntohs(sa.sin_port);
    rc = pthread_create(&h->acceptor, NULL, acceptor_main, h);
    if (rc != 0) {
        errno = rc;
        goto fail_errno;
    }
    if (opt->tls && httpd_tls_start(h) != 0) { /* httpopts area */
        bgc_httpd_stop(h);
        return -EIO;
    }
    *out = h;
    return 0;

fail_errno:
    rc = -errno;
    if (h->listen_fd >= 0)
        close(h->listen_fd);
    if (h->wake[0] >= 0) {
        close(h->wake[0]);
        close(h->wake[1]);
    }
    pthread_cond_destroy(&h->cond);
    pthread_mutex_destroy(&h->lock);
    free(h->root);
    free(h);
    return rc ? rc : -EIO;
}

void bgc_httpd_stop(struct bgc_httpd *h)
{
    struct httpd_conn *c;
    size_t i;
    ssize_t wr;

    if (!h)
        return;
    pthread_mutex_lock(&h->lock);
    h->stopping = 1;
    for (c = h->conns; c; c = c->next)
        if (c->fd >= 0)
            shutdown(c->fd, SHUT_RDWR);
    pthread_mutex_unlock(&h->lock);
    wr = write(h->wake[1], "x", 1);
    (void)wr;
    pthread_join(h->acceptor, NULL);
    httpd_tls_stop(h); /* httpopts area: its relays end on the wake pipe */
    reap(h, 1);

    close(h->listen_fd);
    close(h->wake[0]);
    close(h->wake[1]);
    for (i = 0; i < h->nlog; i++)
        free(h->log[i].headers);
    free(h->log);
    for (i = 0; i < h->ndrop; i++)
        free(h->drop_ids[i]);
    free(h->drop_ids);
    pthread_cond_destroy(&h->cond);
    pthread_mutex_destroy(&h->lock);
    free(h->root);
    free(h);
}

unsigned short bgc_httpd_port(const struct bgc_httpd *h)
{
    return h->port;
}

char *bgc_httpd_url(const struct bgc_httpd *h, const char *path_and_query, char *buf, size_t n)
{
    snprintf(buf, n, "http://127.0.0.1:%u%s", (unsigned)h->port, path_and_query ? path_and_query : "");
    return buf;
}

int httpd_wait_ms(struct httpd_conn *c, unsigned ms)
{
    uint64_t end = httpd_now_ms() + ms;

    for (;;) {
        struct pollfd pfd[2];
        uint64_t now = httpd_now_ms();
        char peek;

        if (now >= end)
            return 0;
        pfd[0].fd = c->srv->wake[0];
        pfd[0].events = POLLIN;
        pfd[1].fd = c->fd;
        pfd[1].events = POLLIN;
        if (poll(pfd, 2, (int)(end - now)) > 0) {
            if (pfd[0].revents)
                return 1;
            if (pfd[1].revents & (POLLHUP | POLLERR))
                return 1;
            if (pfd[1].revents & POLLIN) {
                /* Data (a pipelined request) or EOF: only EOF ends the wait. */
                if (recv(c->fd, &peek, 1, MSG_PEEK | MSG_DONTWAIT) == 0)
                    return 1;
                /* Unread request bytes would make poll spin: sleep in small steps. */
                pfd[0].revents = 0;
                if (poll(pfd, 1, 10) > 0)
                    return 1;
            }
        }
    }
}

/* ---- Request log ----------------------------------------------------------------------- */

unsigned long httpd_log_add(struct bgc_httpd *h, const struct bgc_httpd_request *r, const char *headers)
{
    struct httpd_log_entry *e;
    unsigned long index;

    pthread_mutex_lock(&h->lock);
    index = h->next_index++;
    if (h->nlog == LOG_CAP) {
        size_t drop = LOG_CAP / 2, i;
        for (i = 0; i < drop; i++)
            free(h->log[i].headers);
        memmove(h->log, h->log + drop, (h->nlog - drop) * sizeof(*h->log));
        h->nlog -= drop;
    }
    if (h->nlog == h->caplog) {
        size_t cap = h->caplog ? h->caplog * 2 : 64;
        struct httpd_log_entry *grown = realloc(h->log, cap * sizeof(*grown));
        if (!grown) {
            pthread_mutex_unlock(&h->lock);
            return index;
        }
        h->log = grown;
        h->caplog = cap;
    }
    e = &h->log[h->nlog++];
    e->r = *r;
    e->r.index = index;
    e->r.headers[0] = '\0';
    e->r.t_ms = httpd_now_ms() - h->t0_ms;
    e->headers = strdup(headers ? headers : "");
    pthread_cond_broadcast(&h->cond);
    pthread_mutex_unlock(&h->lock);
    return index;
}

/* Entry with this index, or NULL (cleared or dropped). Caller holds the lock. */
static struct httpd_log_entry *find_entry(struct bgc_httpd *h, unsigned long index)
{
    size_t lo = 0, hi = h->nlog;

    while (lo < hi) { /* indexes are increasing along the array */
        size_t mid = (lo + hi) / 2;
        if (h->log[mid].r.index < index)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < h->nlog && h->log[lo].r.index == index ? &h->log[lo] : NULL;
}

void httpd_log_set_seed(struct bgc_httpd *h, unsigned long index, uint64_t seed)
{
    struct httpd_log_entry *e;
    pthread_mutex_lock(&h->lock);
    if ((e = find_entry(h, index)))
        e->r.seed = seed;
    pthread_mutex_unlock(&h->lock);
}

void httpd_log_set_status(struct bgc_httpd *h, unsigned long index, int status)
{
    struct httpd_log_entry *e;
    pthread_mutex_lock(&h->lock);
    if ((e = find_entry(h, index)))
        e->r.status = status;
    pthread_cond_broadcast(&h->cond);
    pthread_mutex_unlock(&h->lock);
}

void httpd_log_finish(struct bgc_httpd *h, unsigned long index, uint64_t body_bytes, int dropped)
{
    struct httpd_log_entry *e;
    pthread_mutex_lock(&h->lock);
    if ((e = find_entry(h, index))) {
        e->r.body_bytes = body_bytes;
        e->r.dropped = dropped;
        e->r.done = 1;
    }
    pthread_cond_broadcast(&h->cond);
    pthread_mutex_unlock(&h->lock);
}

int httpd_drop_id_fire(struct bgc_httpd *h, const char *id)
{
    size_t i;
    char **grown;
    int fire = 1;

    pthread_mutex_lock(&h->lock);
    for (i = 0; i < h->ndrop; i++)
        if (strcmp(h->drop_ids[i], id) == 0)
            fire = 0;
    if (fire) {
        grown = realloc(h->drop_ids, (h->ndrop + 1) * sizeof(*grown));
        if (grown) {
            h->drop_ids = grown;
            if ((h->drop_ids[h->ndrop] = strdup(id)))
                h->ndrop++;
        }
    }
    pthread_mutex_unlock(&h->lock);
    return fire;
}

static void copy_out(const struct httpd_log_entry *e, struct bgc_httpd_request *out)
{
    *out = e->r;
    httpd_copy(out->headers, sizeof(out->headers), e->headers);
}

static int path_match(const struct httpd_log_entry *e, const char *method, const char *path)
{
    return (!path || strcmp(e->r.path, path) == 0) && (!method || strcmp(e->r.method, method) == 0);
}

size_t bgc_httpd_log_count(struct bgc_httpd *h)
{
    size_t n;
    pthread_mutex_lock(&h->lock);
    n = h->nlog;
    pthread_mutex_unlock(&h->lock);
    return n;
}

int bgc_httpd_log_get(struct bgc_httpd *h, size_t i, struct bgc_httpd_request *out)
{
    int rc = -1;
    pthread_mutex_lock(&h->lock);
    if (i < h->nlog) {
        copy_out(&h->log[i], out);
        rc = 0;
    }
    pthread_mutex_unlock(&h->lock);
    return rc;
}

static unsigned long count_locked(struct bgc_httpd *h, const char *method, const char *path)
{
    unsigned long n = 0;
    size_t i;
    for (i = 0; i < h->nlog; i++)
        n += (unsigned long)path_match(&h->log[i], method, path);
    return n;
}

unsigned long bgc_httpd_count(struct bgc_httpd *h, const char *method, const char *path)
{
    unsigned long n;
    pthread_mutex_lock(&h->lock);
    n = count_locked(h, method, path);
    pthread_mutex_unlock(&h->lock);
    return n;
}

int bgc_httpd_last_request(struct bgc_httpd *h, const char *path, struct bgc_httpd_request *out)
{
    int rc = -1;
    size_t i;

    pthread_mutex_lock(&h->lock);
    for (i = h->nlog; i-- > 0;) {
        if (path_match(&h->log[i], NULL, path)) {
            copy_out(&h->log[i], out);
            rc = 0;
            break;
        }
    }
    pthread_mutex_unlock(&h->lock);
    return rc;
}

int bgc_httpd_last_range(struct bgc_httpd *h, const char *path, char *buf, size_t n)
{
    int rc = -1;
    size_t i;

    if (n)
        buf[0] = '\0';
    pthread_mutex_lock(&h->lock);
    for (i = h->nlog; i-- > 0;) {
        if (path_match(&h->log[i], NULL, path)) {
            rc = h->log[i].r.has_range;
            if (n)
                httpd_copy(buf, n, h->log[i].r.range);
            break;
        }
    }
    pthread_mutex_unlock(&h->lock);
    return rc;
}

void bgc_httpd_methods(struct bgc_httpd *h, const char *path, char *buf, size_t n)
{
    size_t i, used = 0;

    if (!n)
        return;
    buf[0] = '\0';
    pthread_mutex_lock(&h->lock);
    for (i = 0; i < h->nlog; i++) {
        int w;
        if (!path_match(&h->log[i], NULL, path))
            continue;
        w = snprintf(buf + used, n - used, "%s%s", used ? " " : "", h->log[i].r.method);
        if (w < 0 || (size_t)w >= n - used)
            break;
        used += (size_t)w;
    }
    pthread_mutex_unlock(&h->lock);
}

int bgc_httpd_wait_count(struct bgc_httpd *h, const char *path, unsigned long count, unsigned timeout_ms)
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
    pthread_mutex_lock(&h->lock);
    while (count_locked(h, NULL, path) < count) {
        if (pthread_cond_timedwait(&h->cond, &h->lock, &deadline) == ETIMEDOUT) {
            rc = count_locked(h, NULL, path) >= count ? 0 : -1;
            break;
        }
    }
    pthread_mutex_unlock(&h->lock);
    return rc;
}

void bgc_httpd_log_clear(struct bgc_httpd *h)
{
    size_t i;
    pthread_mutex_lock(&h->lock);
    for (i = 0; i < h->nlog; i++)
        free(h->log[i].headers);
    h->nlog = 0;
    for (i = 0; i < h->ndrop; i++)
        free(h->drop_ids[i]);
    h->ndrop = 0;
    pthread_mutex_unlock(&h->lock);
}

unsigned bgc_httpd_connections(struct bgc_httpd *h)
{
    unsigned n;
    pthread_mutex_lock(&h->lock);
    n = h->nactive;
    pthread_mutex_unlock(&h->lock);
    return n;
}

char *httpd_log_dump(struct bgc_httpd *h, size_t *len)
{
    size_t cap = 4096, used = 0, i;
    char *out = malloc(cap);

    if (!out)
        return NULL;
    out[0] = '\0';
    pthread_mutex_lock(&h->lock);
    for (i = 0; i < h->nlog; i++) {
        const struct bgc_httpd_request *r = &h->log[i].r;
        char line[1600];
        int w = snprintf(line, sizeof(line), "%lu %s %s%s%s range=%s status=%d bytes=%llu dropped=%d\n", r->index,
                         r->method, r->path, r->query[0] ? "?" : "", r->query, r->has_range ? r->range : "-",
                         r->status, (unsigned long long)r->body_bytes, r->dropped);
        if (w < 0)
            continue;
        if ((size_t)w >= sizeof(line))
            w = (int)sizeof(line) - 1;
        if (used + (size_t)w + 1 > cap) {
            char *grown;
            while (used + (size_t)w + 1 > cap)
                cap *= 2;
            grown = realloc(out, cap);
            if (!grown)
                break;
            out = grown;
        }
        memcpy(out + used, line, (size_t)w + 1);
        used += (size_t)w;
    }
    pthread_mutex_unlock(&h->lock);
    *len = used;
    return out;
}
