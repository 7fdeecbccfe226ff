/*
 * httpd_int.h - internals shared by the files of the test HTTP server:
 *   httpd.c        server lifecycle, acceptor, connection threads, request log
 *   httpd_http.c   one request: parsing, routing, responses, bodies (ranges, drops, stalls)
 *   httpd_auth.c   Basic and Digest checks, base64, percent-decoding helpers
 *   httpd_md5.c    MD5 (RFC 1321) for Digest
 *
 * Locking: struct bgc_httpd.lock guards the connection list, every conn->fd transition to
 * -1, the log, the fired drop ids and `stopping`. No lock is held across socket I/O.
 */
#ifndef BGC_TEST_HTTPD_INT_H
#define BGC_TEST_HTTPD_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "httpd.h"

#define HTTPD_RBUF_SIZE 16384      /* request head limit (and read buffer) */
#define HTTPD_IO_SIZE (1u << 20)   /* body generation buffer per connection */

struct httpd_conn {
    struct bgc_httpd *srv;    /* owning server */
    int fd;                   /* socket; set to -1 under srv->lock when closed */
    pthread_t thread;         /* the connection's thread (joined by acceptor or stop) */
    int done;                 /* thread finished (under srv->lock) */
    struct httpd_conn *next;  /* srv->conns list (under srv->lock) */
    char rbuf[HTTPD_RBUF_SIZE]; /* bytes received, not yet consumed */
    size_t rlen;              /* valid bytes in rbuf */
    unsigned char *io;        /* HTTPD_IO_SIZE bytes, allocated on first body */
};

struct httpd_log_entry {
    struct bgc_httpd_request r; /* fixed fields, r.headers unused (see headers) */
    char *headers;              /* malloc'd request header lines */
};

struct bgc_httpd {
    int listen_fd;            /* listening socket (acceptor's) */
    int wake[2];              /* pipe: written once by stop, never drained */
    unsigned short port;      /* bound port */
    char *root;               /* document root or NULL */
    unsigned max_conns;       /* connection cap */
    unsigned idle_ms;         /* socket timeouts / keep-alive wait */
    uint64_t t0_ms;           /* CLOCK_MONOTONIC ms at start */
    char nonce[33];           /* Digest nonce of this server instance */
    pthread_t acceptor;       /* accept loop thread */

    pthread_mutex_t lock;     /* guards everything below */
    pthread_cond_t cond;      /* broadcast on log append and connection exit */
    int stopping;             /* stop requested */
    struct httpd_conn *conns; /* all connections not yet joined */
    unsigned nactive;         /* connections whose thread has not finished */
    struct httpd_log_entry *log; /* held log entries, oldest first */
    size_t nlog, caplog;      /* entries held / allocated */
    unsigned long next_index; /* index of the next logged request */
    char **drop_ids;          /* ?dropid keys that already fired */
    size_t ndrop;             /* entries in drop_ids */
    struct httpd_tls *tls;    /* httpopts area: the HTTPS front end (httpd_tls.c), or NULL */
};

/* Copies src (NULL = "") into dst of size n, truncating; always NUL-terminates (n > 0). */
static inline void httpd_copy(char *dst, size_t n, const char *src)
{
    size_t len = 0;
    if (n == 0)
        return;
    if (src)
        while (len + 1 < n && src[len])
            len++;
    if (len)
        memcpy(dst, src, len);
    dst[len] = '\0';
}

/* httpd.c: log helpers used by httpd_http.c. */
unsigned long httpd_log_add(struct bgc_httpd *h, const struct bgc_httpd_request *r, const char *headers);
void httpd_log_set_seed(struct bgc_httpd *h, unsigned long index, uint64_t seed);
void httpd_log_set_status(struct bgc_httpd *h, unsigned long index, int status);
void httpd_log_finish(struct bgc_httpd *h, unsigned long index, uint64_t body_bytes, int dropped);
/* Returns 1 the first time `id` is passed (and remembers it), 0 afterwards. */
int httpd_drop_id_fire(struct bgc_httpd *h, const char *id);
/* Text dump of the log for GET /_log (malloc'd, caller frees). */
char *httpd_log_dump(struct bgc_httpd *h, size_t *len);
uint64_t httpd_now_ms(void);

/* httpd_http.c: serves one request whose head is rbuf[0..head_len). Returns 1 to keep the
 * connection open, 0 to close it. Consumes the head (and any request body) from rbuf. */
int httpd_serve_one(struct httpd_conn *c, size_t head_len);
/* Waits up to ms for the stop pipe or the peer closing; returns 1 if the wait was cut short
 * (stop or peer gone), 0 after the full time. */
int httpd_wait_ms(struct httpd_conn *c, unsigned ms);

/* httpd_auth.c */
struct httpd_auth_req {
    const char *method;        /* request method */
    const char *target;        /* request-target as sent */
    const char *authorization; /* Authorization header value or NULL */
};
/* 1 if the Authorization header carries Basic credentials user:pass. */
int httpd_auth_basic_ok(const struct httpd_auth_req *a, const char *user, const char *pass);
/* 1 if the Authorization header carries a valid Digest (MD5, qop=auth or none) response for
 * user/pass, realm HTTPD_REALM and this server's nonce. */
int httpd_auth_digest_ok(const struct httpd_auth_req *a, const char *user, const char *pass,
                         const char *nonce);
#define HTTPD_REALM "bgc-test"
/* Percent-decodes src (and '+' -> ' ' when plus is set) into dst (size n, NUL-terminated,
 * truncated). */
void httpd_url_decode(const char *src, size_t len, char *dst, size_t n, int plus);

/* httpd_proxy.c (forward-proxy mode): splits an absolute-form request-target
 * ("http://host[:port]/path?query") in place into its origin form ("/path?query", "/" when
 * empty) and copies the authority into authority (size n). Returns 1 for an absolute URI, 0
 * for an origin-form target (unchanged), -1 for a malformed or non-http absolute URI. */
int httpd_proxy_split(char *target, char *authority, size_t n);
/* 1 if the Proxy-Authorization header value carries Basic credentials user:pass. */
int httpd_proxy_auth_ok(const char *proxy_authorization, const char *user, const char *pass);

/* httpd_tls.c (httpopts area): starts the HTTPS front end (after the server is up) / stops
 * it (after the wake pipe was written). Start returns 0 or a negative errno value. */
struct httpd_tls;
int httpd_tls_start(struct bgc_httpd *h);
void httpd_tls_stop(struct bgc_httpd *h);

/* httpd_md5.c */
struct httpd_md5 {
    uint32_t s[4];
    uint64_t total;
    unsigned char block[64];
    size_t fill;
};
void httpd_md5_init(struct httpd_md5 *m);
void httpd_md5_update(struct httpd_md5 *m, const void *data, size_t n);
void httpd_md5_final(struct httpd_md5 *m, unsigned char out[16]);
/* Lowercase hex MD5 of a NUL-terminated string. */
void httpd_md5_hex(const char *s, char out[33]);

#endif /* BGC_TEST_HTTPD_INT_H */
