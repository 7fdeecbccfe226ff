/*
 * httpd.h - a loopback HTTP/1.1 server for tests only (library bgc_testhttpd, Linux).
 *
 * One binary serves every test: behaviour is chosen by path and query string (see
 * tests/httpd/README.md for the list of endpoints and options). Tests start it in-process
 * with bgc_httpd_start; the Wine harness runs the same code as bgc-testhttpd (main.c).
 *
 * Invariants:
 *  1. The server listens on 127.0.0.1 only.
 *  2. bgc_httpd_stop joins every thread and closes every socket in bounded time: blocked
 *     reads and writes are woken by shutdown(), stalls and delays wait on a stop pipe, and
 *     every socket has send/receive timeouts (idle_timeout_ms).
 *  3. The request log is appended when a request's head has been parsed (before the answer),
 *     so a test that sees a request counted knows the server is handling it; status and byte
 *     counts of an entry are final once the response ended. All log readers copy under the
 *     server lock and are safe from any thread.
 *  4. Log indexes are global and monotonic (0, 1, 2 ...), never reused, also after a clear.
 */
#ifndef BGC_TEST_HTTPD_H
#define BGC_TEST_HTTPD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bgc_httpd;

struct bgc_httpd_options {
    unsigned short port;      /* 0 = ephemeral */
    const char *root;         /* document root for /files/<name>; NULL = none (404) */
    unsigned max_connections; /* concurrent connections; 0 = 256 */
    unsigned idle_timeout_ms; /* keep-alive wait and socket send/recv timeout; 0 = 30000 */
    int tls;                  /* httpopts area: also serve HTTPS on a second port (httpd_tls.c) */
};

/* Starts the server (listening socket + acceptor thread). opt may be NULL (defaults).
 * Returns 0 and the server in *out, or a negative errno value (nothing left running). */
int bgc_httpd_start(const struct bgc_httpd_options *opt, struct bgc_httpd **out);
/* Stops the server, joins all threads, closes all sockets and frees it. NULL is a no-op. */
void bgc_httpd_stop(struct bgc_httpd *h);

unsigned short bgc_httpd_port(const struct bgc_httpd *h);
/* httpopts area: the HTTPS port (0 unless started with options.tls) and the PEM of its
 * self-signed certificate (CN/SAN 127.0.0.1, SAN localhost; NULL without TLS). HTTPS requests
 * reach the same endpoints and the same request log. */
unsigned short bgc_httpd_tls_port(const struct bgc_httpd *h);
const char *bgc_httpd_tls_cert_pem(const struct bgc_httpd *h);
/* Writes "http://127.0.0.1:<port><path_and_query>" into buf. Returns buf (truncated to n). */
char *bgc_httpd_url(const struct bgc_httpd *h, const char *path_and_query, char *buf, size_t n);

/* ---- Request log --------------------------------------------------------------------- */

struct bgc_httpd_request {
    unsigned long index;   /* global request number (see invariant 4) */
    char method[16];       /* "GET", "HEAD", ... */
    char path[512];        /* request path without the query, as sent (not decoded) */
    char query[512];       /* query string without '?', "" if none */
    int has_range;         /* 1 if a Range header was sent */
    char range[256];       /* the Range header value, "" if none */
    char if_range[128];    /* the If-Range header value, "" if none */
    char headers[2048];    /* all request header lines, CR LF separated (truncated) */
    uint64_t seed;         /* content seed used for /gen (after version=auto) */
    int status;            /* status answered; 0 until the response head was sent */
    uint64_t body_bytes;   /* body bytes sent (final once `done`) */
    int dropped;           /* 1 if the server cut the connection on purpose (?drop) */
    int done;              /* 1 once the response has ended (sent, dropped or failed) */
    uint64_t t_ms;         /* milliseconds since server start when the head was parsed */
    /* httpopts area (httpd_proxy.c): forward-proxy requests */
    int proxied;           /* 1 if the request-target was an absolute URI (proxy form) */
    char proxy_host[256];  /* its authority ("host:port"), "" otherwise */
};

/* Number of entries currently held (entries may be dropped by bgc_httpd_log_clear). */
size_t bgc_httpd_log_count(struct bgc_httpd *h);
/* Copies the i-th held entry (0 = oldest held). Returns 0, or -1 if i is out of range. */
int bgc_httpd_log_get(struct bgc_httpd *h, size_t i, struct bgc_httpd_request *out);
/* Requests whose path equals `path` exactly (NULL = all), optionally only with `method`
 * (NULL = any). */
unsigned long bgc_httpd_count(struct bgc_httpd *h, const char *method, const char *path);
/* Latest request to `path` (NULL = any). Returns 0, or -1 when there is none. */
int bgc_httpd_last_request(struct bgc_httpd *h, const char *path, struct bgc_httpd_request *out);
/* Range header of the latest request to `path` (NULL = any) into buf: returns 1 if that
 * request had a Range header, 0 if it had none (buf = ""), -1 if there was no request. */
int bgc_httpd_last_range(struct bgc_httpd *h, const char *path, char *buf, size_t n);
/* Methods of all held requests to `path` (NULL = any), space-separated, oldest first. */
void bgc_httpd_methods(struct bgc_httpd *h, const char *path, char *buf, size_t n);
/* Waits (bounded) until at least `count` requests to `path` (NULL = any) were logged.
 * Returns 0, or -1 on timeout. */
int bgc_httpd_wait_count(struct bgc_httpd *h, const char *path, unsigned long count, unsigned timeout_ms);
/* Forgets the log and the drop/stall ids that fired (?dropid, ?stallid). Indexes keep
 * increasing. */
void bgc_httpd_log_clear(struct bgc_httpd *h);
/* Connections currently open. */
unsigned bgc_httpd_connections(struct bgc_httpd *h);

#ifdef __cplusplus
}
#endif
#endif /* BGC_TEST_HTTPD_H */
