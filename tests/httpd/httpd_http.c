/*
 * httpd_http.c - one HTTP/1.1 request of the test server: parse the head, log it, apply the
 * query options, route by path, and send the answer (ranges, multipart, chunked, dropped or
 * stalled bodies). The endpoint list is in tests/httpd/README.md.
 *
 * Invariants:
 *  1. A request is logged (httpd_log_add) before any byte of its answer is sent, and
 *     finished (httpd_log_finish) on every path that logged it.
 *  2. The function returns 0 (close) whenever the byte stream may be out of sync with HTTP
 *     framing: dropped bodies, lied lengths, close-delimited bodies, send errors.
 *  3. Byte offsets in ?drop and ?stallat are absolute offsets in the resource, so a resumed
 *     Range request past the drop offset is served whole.
 *  4. Generated content comes from bgc_testdata_fill(seed, offset): any range of /gen/<n>
 *     is byte-identical to the same range of the whole.
 */
#define _GNU_SOURCE
#include "httpd_int.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "testdata.h"

#define MAX_RANGES 32
#define GEN_LASTMOD_BASE 1600000000 /* Last-Modified of /gen content = base + seed (seconds) */
#define BOUNDARY "BGC_TEST_BOUNDARY_7f3a9c"

struct req {
    char method[16];        /* request method */
    char target[4096];      /* request-target as sent */
    char path[1024];        /* target up to '?' */
    char query[2048];       /* after '?', "" if none */
    int minor;              /* HTTP/1.<minor> */
    const char *range;      /* header values (point into the head copy) or NULL */
    const char *if_range;
    const char *authorization;
    const char *host;
    const char *connection;
    const char *expect;
    uint64_t content_length; /* request body length (0 if none) */
    int chunked_body;       /* request body sent chunked (unsupported) */
    const char *headers;    /* header lines, CR LF separated (an unmodified copy) */
    int proxied;            /* httpopts area: the target was an absolute URI (proxy form) */
    char authority[256];    /* its host:port */
    const char *proxy_authorization; /* Proxy-Authorization header value or NULL */
};

struct opts {
    uint64_t seed;          /* ?seed (default 1) */
    int version_auto;       /* ?version=auto */
    int norange, nolength, chunked, close;
    uint64_t align;         /* ?align: serve whole blocks of this size (0 = exact ranges) */
    int64_t lielength;      /* -1 = not given */
    int64_t drop;           /* -1 = not given */
    char dropid[128];       /* "" = drop every time */
    unsigned stall_ms;      /* 0 = no stall */
    int64_t stallat;        /* -1 = middle of the body */
    char stallid[128];      /* "" = stall every time */
    int status;             /* 0 = not given */
    unsigned delay_ms;
    uint64_t rate;          /* ?rate: body bytes per second, 0 = unlimited */
    int code;               /* redirect status, default 302 */
    int has_to;
    char to[2048];          /* redirect target (decoded) */
    int anymethod;          /* httpopts area: content endpoints serve any method like GET */
    char proxyuser[128];    /* httpopts area: proxied requests need Proxy-Authorization */
    char proxypass[128];    /*   Basic proxyuser:proxypass ("" = no proxy auth) */
};

struct ctx {
    struct httpd_conn *c;
    struct req *r;
    struct opts o;
    int keep;               /* connection may be reused after this answer */
    int logged;             /* request is in the log under `index` */
    unsigned long index;
    uint64_t body_sent;     /* body bytes sent (for the log) */
    int dropped;
};

struct range {
    uint64_t first, last;   /* inclusive */
};

/* ---- small helpers ------------------------------------------------------------------- */

static const char *reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 300: return "Multiple Choices";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 416: return "Range Not Satisfiable";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Status";
    }
}

static void http_date(time_t t, char out[40])
{
    static const char *days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
    static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7], tm.tm_mday,
             months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Parses a decimal uint64 at *p (advancing it); 0 on success, -1 if no digit or overflow. */
static int parse_u64(const char **p, uint64_t *out)
{
    uint64_t v = 0;
    const char *s = *p;

    if (!isdigit((unsigned char)*s))
        return -1;
    while (isdigit((unsigned char)*s)) {
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
        s++;
    }
    *p = s;
    *out = v;
    return 0;
}

/* Finds `key` in a query string; copies its decoded value into out. Returns 1 if found. */
static int query_get(const char *query, const char *key, char *out, size_t n)
{
    size_t klen = strlen(key);
    const char *p = query;

    while (p && *p) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len >= klen && strncmp(p, key, klen) == 0 && (len == klen || p[klen] == '=')) {
            if (len == klen)
                out[0] = '\0';
            else
                httpd_url_decode(p + klen + 1, len - klen - 1, out, n, 1);
            return 1;
        }
        p = amp ? amp + 1 : NULL;
    }
    return 0;
}

static int query_u64(const char *query, const char *key, uint64_t *out)
{
    char v[64];
    const char *p = v;
    if (!query_get(query, key, v, sizeof(v)) || parse_u64(&p, out) != 0 || *p)
        return 0;
    return 1;
}

static int query_flag(const char *query, const char *key)
{
    char v[16];
    return query_get(query, key, v, sizeof(v)) && strcmp(v, "0") != 0;
}

static void parse_opts(const char *query, struct opts *o)
{
    uint64_t v;
    char s[32];

    memset(o, 0, sizeof(*o));
    o->seed = 1;
    o->lielength = -1;
    o->drop = -1;
    o->stallat = -1;
    o->code = 302;
    if (query_u64(query, "seed", &v))
        o->seed = v;
    o->version_auto = query_get(query, "version", s, sizeof(s)) && strcmp(s, "auto") == 0;
    o->norange = query_flag(query, "norange");
    if (query_u64(query, "align", &v))
        o->align = v;
    o->chunked = query_flag(query, "chunked");
    o->nolength = query_flag(query, "nolength") || o->chunked;
    o->close = query_flag(query, "close");
    if (query_u64(query, "lielength", &v) && v <= INT64_MAX)
        o->lielength = (int64_t)v;
    if (query_u64(query, "drop", &v) && v <= INT64_MAX)
        o->drop = (int64_t)v;
    query_get(query, "dropid", o->dropid, sizeof(o->dropid));
    if (query_u64(query, "stall", &v))
        o->stall_ms = v > 3600000 ? 3600000 : (unsigned)v;
    if (query_u64(query, "stallat", &v) && v <= INT64_MAX)
        o->stallat = (int64_t)v;
    query_get(query, "stallid", o->stallid, sizeof(o->stallid));
    if (query_u64(query, "status", &v) && v >= 100 && v <= 999)
        o->status = (int)v;
    if (query_u64(query, "delay", &v))
        o->delay_ms = v > 3600000 ? 3600000 : (unsigned)v;
    if (query_u64(query, "rate", &v))
        o->rate = v;
    if (query_u64(query, "code", &v) && v >= 100 && v <= 999)
        o->code = (int)v;
    o->has_to = query_get(query, "to", o->to, sizeof(o->to));
    o->anymethod = query_flag(query, "anymethod");
    query_get(query, "proxyuser", o->proxyuser, sizeof(o->proxyuser));
    query_get(query, "proxypass", o->proxypass, sizeof(o->proxypass));
}

/* ---- sending ------------------------------------------------------------------------- */

static int send_all(struct httpd_conn *c, const void *data, size_t n)
{
    const char *p = data;
    while (n) {
        ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

struct head {
    char buf[8192];
    size_t len;
    int overflow;
};

static void head_add(struct head *hd, const char *fmt, ...)
{
    va_list ap;
    int w;

    if (hd->overflow)
        return;
    va_start(ap, fmt);
    w = vsnprintf(hd->buf + hd->len, sizeof(hd->buf) - hd->len, fmt, ap);
    va_end(ap);
    if (w < 0 || (size_t)w >= sizeof(hd->buf) - hd->len)
        hd->overflow = 1;
    else
        hd->len += (size_t)w;
}

/* Starts a response head with the status line and the common headers. */
static void head_start(struct head *hd, int status)
{
    char date[40];
    hd->len = 0;
    hd->overflow = 0;
    http_date(time(NULL), date);
    head_add(hd, "HTTP/1.1 %d %s\r\nDate: %s\r\nServer: bgc-testhttpd\r\n", status, reason(status), date);
}

/* Ends the head (Connection header + blank line), sends it, logs the status. */
static int head_send(struct ctx *x, struct head *hd, int status)
{
    head_add(hd, "Connection: %s\r\n\r\n", x->keep ? "keep-alive" : "close");
    if (hd->overflow)
        return -1;
    if (x->logged)
        httpd_log_set_status(x->c->srv, x->index, status);
    return send_all(x->c, hd->buf, hd->len);
}

/* A complete small response with Content-Length. extra: header lines ending in CR LF. */
static int send_simple(struct ctx *x, int status, const char *extra, const char *body)
{
    struct head hd;
    size_t blen = body ? strlen(body) : 0;
    int no_body = status < 200 || status == 204 || status == 304;

    head_start(&hd, status);
    if (extra)
        head_add(&hd, "%s", extra);
    if (!no_body)
        head_add(&hd, "Content-Type: text/plain\r\nContent-Length: %zu\r\n", blen);
    if (head_send(x, &hd, status) != 0)
        return -1;
    if (!no_body && blen && strcmp(x->r->method, "HEAD") != 0) {
        if (send_all(x->c, body, blen) != 0)
            return -1;
        x->body_sent += blen;
    }
    return 0;
}

enum { SRC_GEN, SRC_FD };

struct source {
    int kind;       /* SRC_GEN or SRC_FD */
    uint64_t seed;  /* SRC_GEN */
    int fd;         /* SRC_FD */
};

struct sendctx {
    struct ctx *x;
    const struct source *src;
    int chunked;        /* frame every piece as a chunk */
    int64_t drop_at;    /* absolute offset to cut the connection at, -1 = none */
    int64_t stall_at;   /* absolute offset to pause at, -1 = none */
    unsigned stall_ms;
    uint64_t rate;      /* body bytes per second, 0 = unlimited */
    uint64_t rate_sent; /* body bytes sent since rate_t0 */
    uint64_t rate_t0;   /* httpd_now_ms() when the body started */
};

/* Sends bytes [off, off+n) of the source, without drop/stall handling. */
static int send_data(struct sendctx *s, uint64_t off, uint64_t n)
{
    struct httpd_conn *c = s->x->c;

    while (n) {
        size_t piece = n > HTTPD_IO_SIZE ? HTTPD_IO_SIZE : (size_t)n;
        char chunk_head[32];

        if (s->rate) {
            /* Pace the body: pieces of ~1/20 s, sleeping until each one is due. */
            uint64_t slice = s->rate / 20 ? s->rate / 20 : 1;
            uint64_t due = s->rate_t0 + s->rate_sent * 1000 / s->rate, now = httpd_now_ms();
            if (piece > slice)
                piece = (size_t)slice;
            if (due > now && httpd_wait_ms(c, (unsigned)(due - now)))
                return -1; /* stop requested or peer gone */
            s->rate_sent += piece;
        }

        if (s->chunked) {
            int w = snprintf(chunk_head, sizeof(chunk_head), "%zx\r\n", piece);
            if (send_all(c, chunk_head, (size_t)w) != 0)
                return -1;
        }
        if (s->src->kind == SRC_GEN) {
            if (!c->io && !(c->io = malloc(HTTPD_IO_SIZE)))
                return -1;
            bgc_testdata_fill(s->src->seed, off, c->io, piece);
            if (send_all(c, c->io, piece) != 0)
                return -1;
        } else {
            off_t pos = (off_t)off;
            size_t left = piece;
            while (left) {
                ssize_t w = sendfile(c->fd, s->src->fd, &pos, left);
                if (w < 0 && errno == EINTR)
                    continue;
                if (w <= 0)
                    return -1;
                left -= (size_t)w;
            }
        }
        if (s->chunked && send_all(c, "\r\n", 2) != 0)
            return -1;
        s->x->body_sent += piece;
        off += piece;
        n -= piece;
    }
    return 0;
}

/* Sends [start, start+len) applying stall and drop. Returns 0, 1 when dropped, -1 on error. */
static int send_range(struct sendctx *s, uint64_t start, uint64_t len)
{
    uint64_t pos = start, end = start + len;

    if (s->stall_at >= 0 && (uint64_t)s->stall_at >= pos && (uint64_t)s->stall_at < end &&
        (s->drop_at < 0 || s->stall_at <= s->drop_at)) {
        if (send_data(s, pos, (uint64_t)s->stall_at - pos) != 0)
            return -1;
        pos = (uint64_t)s->stall_at;
        s->stall_at = -1; /* once per response */
        if (httpd_wait_ms(s->x->c, s->stall_ms))
            return -1; /* stop requested or peer gone */
    }
    if (s->drop_at >= 0 && (uint64_t)s->drop_at >= pos && (uint64_t)s->drop_at < end) {
        if (send_data(s, pos, (uint64_t)s->drop_at - pos) != 0)
            return -1;
        s->x->dropped = 1;
        return 1;
    }
    return send_data(s, pos, end - pos) == 0 ? 0 : -1;
}

/* ---- ranges -------------------------------------------------------------------------- */

/* Parses a Range header against `size`. Returns the number of satisfiable ranges (0 =
 * unsatisfiable), or -1 when the header is not a valid bytes range set (then ignored). */
static int parse_ranges(const char *h, uint64_t size, struct range *out, int max)
{
    const char *p = h;
    int n = 0, specs = 0;

    while (isspace((unsigned char)*p))
        p++;
    if (strncasecmp(p, "bytes", 5) != 0)
        return -1;
    p += 5;
    while (isspace((unsigned char)*p))
        p++;
    if (*p++ != '=')
        return -1;
    for (;;) {
        uint64_t a = 0, b = 0;
        int has_a, has_b;

        while (isspace((unsigned char)*p) || *p == ',')
            p++;
        if (!*p)
            break;
        has_a = parse_u64(&p, &a) == 0;
        while (isspace((unsigned char)*p))
            p++;
        if (*p++ != '-')
            return -1;
        while (isspace((unsigned char)*p))
            p++;
        has_b = parse_u64(&p, &b) == 0;
        while (isspace((unsigned char)*p))
            p++;
        if (*p && *p != ',')
            return -1;
        if (!has_a && !has_b)
            return -1;
        if (has_a && has_b && b < a)
            return -1;
        specs++;
        if (n == max)
            continue;
        if (!has_a) { /* suffix: last b bytes */
            if (b == 0 || size == 0)
                continue;
            out[n].first = b >= size ? 0 : size - b;
            out[n].last = size - 1;
            n++;
        } else if (a < size) {
            out[n].first = a;
            out[n].last = has_b && b < size ? b : size - 1;
            n++;
        }
    }
    return specs ? n : -1;
}

static int by_first(const void *a, const void *b)
{
    const struct range *x = a, *y = b;

    return x->first < y->first ? -1 : x->first > y->first;
}

/* ?align=B: answers as a server that serves whole blocks of B bytes does: every range grows to
 * block boundaries, and ranges that then overlap or touch are merged into one (which a BITS
 * client must reject, F11). Returns the new number of ranges. */
static int align_ranges(struct range *r, int n, uint64_t block, uint64_t size)
{
    int i, m = 0;

    for (i = 0; i < n; i++) {
        r[i].first -= r[i].first % block;
        r[i].last = r[i].last / block >= (size - 1) / block ? size - 1 : (r[i].last / block + 1) * block - 1;
    }
    qsort(r, (size_t)n, sizeof(*r), by_first);
    for (i = 0; i < n; i++) {
        if (m && r[i].first <= r[m - 1].last + 1) {
            if (r[i].last > r[m - 1].last)
                r[m - 1].last = r[i].last;
        } else {
            r[m++] = r[i];
        }
    }
    return m;
}

/* If-Range: the validator must equal the current ETag or Last-Modified exactly. */
static int if_range_matches(const char *if_range, const char *etag, const char *lastmod)
{
    while (isspace((unsigned char)*if_range))
        if_range++;
    if (if_range[0] == '"' || strncmp(if_range, "W/", 2) == 0)
        return strcmp(if_range, etag) == 0;
    return strcmp(if_range, lastmod) == 0;
}

/* ---- content responses (/gen, /files) -------------------------------------------------- */

static int serve_content(struct ctx *x, const struct source *src, uint64_t size, const char *etag,
                         time_t mtime, const char *extra)
{
    struct req *r = x->r;
    struct opts *o = &x->o;
    struct range ranges[MAX_RANGES];
    struct head hd;
    struct sendctx s;
    char lastmod[40], tmp[160];
    int nranges = -1, status, head_only = strcmp(r->method, "HEAD") == 0, chunked, rc = 0, i;
    uint64_t body_len = 0;
    int64_t first_off = 0;

    if (!head_only && strcmp(r->method, "GET") != 0 && !o->anymethod)
        return send_simple(x, 405, "Allow: GET, HEAD\r\n", "method not allowed\n");
    http_date(mtime, lastmod);
    if (r->range && !o->norange && (!r->if_range || if_range_matches(r->if_range, etag, lastmod)))
        nranges = parse_ranges(r->range, size, ranges, MAX_RANGES);
    if (nranges > 0 && o->align)
        nranges = align_ranges(ranges, nranges, o->align, size);
    if (nranges == 0) {
        snprintf(tmp, sizeof(tmp), "Content-Range: bytes */%" PRIu64 "\r\n", size);
        return send_simple(x, 416, tmp, "");
    }
    chunked = o->chunked && r->minor >= 1;
    if (o->nolength && !chunked)
        x->keep = 0; /* close-delimited body */
    if (o->lielength >= 0)
        x->keep = 0;

    status = nranges > 0 ? 206 : 200;
    head_start(&hd, status);
    head_add(&hd, "Accept-Ranges: %s\r\nETag: %s\r\nLast-Modified: %s\r\n", o->norange ? "none" : "bytes", etag,
             lastmod);
    if (extra)
        head_add(&hd, "%s", extra);
    if (nranges == 1) {
        body_len = ranges[0].last - ranges[0].first + 1;
        first_off = (int64_t)ranges[0].first;
        head_add(&hd, "Content-Type: application/octet-stream\r\nContent-Range: bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64 "\r\n",
                 ranges[0].first, ranges[0].last, size);
    } else if (nranges > 1) {
        head_add(&hd, "Content-Type: multipart/byteranges; boundary=" BOUNDARY "\r\n");
        for (i = 0; i < nranges; i++) {
            int w = snprintf(tmp, sizeof(tmp),
                             "\r\n--" BOUNDARY "\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes %" PRIu64
                             "-%" PRIu64 "/%" PRIu64 "\r\n\r\n",
                             ranges[i].first, ranges[i].last, size);
            body_len += (uint64_t)w + ranges[i].last - ranges[i].first + 1;
        }
        body_len += strlen("\r\n--" BOUNDARY "--\r\n");
    } else {
        body_len = size;
        head_add(&hd, "Content-Type: application/octet-stream\r\n");
    }
    if (chunked)
        head_add(&hd, "Transfer-Encoding: chunked\r\n");
    else if (o->lielength >= 0)
        head_add(&hd, "Content-Length: %" PRId64 "\r\n", o->lielength);
    else if (!o->nolength)
        head_add(&hd, "Content-Length: %" PRIu64 "\r\n", body_len);
    if (head_send(x, &hd, status) != 0)
        return -1;
    if (head_only)
        return 0;

    memset(&s, 0, sizeof(s));
    s.x = x;
    s.src = src;
    s.chunked = chunked;
    s.drop_at = -1;
    s.stall_at = -1;
    s.rate = o->rate;
    s.rate_t0 = httpd_now_ms();
    if (o->stall_ms) {
        int64_t at;
        int covered = 0;
        if (o->stallat >= 0)
            at = o->stallat;
        else if (nranges > 1)
            at = (int64_t)ranges[0].first;
        else
            at = first_off + (int64_t)(body_len / 2);
        if (nranges > 1) {
            for (i = 0; i < nranges; i++)
                covered |= (uint64_t)at >= ranges[i].first && (uint64_t)at <= ranges[i].last;
        } else {
            covered = at >= first_off && (uint64_t)at < (uint64_t)first_off + body_len;
        }
        if (covered && o->stallid[0]) {
            char key[160];
            snprintf(key, sizeof(key), "stall:%s", o->stallid);
            covered = httpd_drop_id_fire(x->c->srv, key);
        }
        if (covered) {
            s.stall_ms = o->stall_ms;
            s.stall_at = at;
        }
    }
    if (o->drop >= 0) {
        int covered = 0;
        if (nranges > 1) {
            for (i = 0; i < nranges; i++)
                covered |= (uint64_t)o->drop >= ranges[i].first && (uint64_t)o->drop <= ranges[i].last;
        } else {
            covered = o->drop >= first_off && (uint64_t)o->drop < (uint64_t)first_off + body_len;
        }
        if (covered && (!o->dropid[0] || httpd_drop_id_fire(x->c->srv, o->dropid)))
            s.drop_at = o->drop;
    }

    if (nranges > 1) {
        for (i = 0; i < nranges && rc == 0; i++) {
            int w = snprintf(tmp, sizeof(tmp),
                             "\r\n--" BOUNDARY "\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes %" PRIu64
                             "-%" PRIu64 "/%" PRIu64 "\r\n\r\n",
                             ranges[i].first, ranges[i].last, size);
            if (chunked) {
                char ch[32];
                int cw = snprintf(ch, sizeof(ch), "%x\r\n", w);
                if (send_all(x->c, ch, (size_t)cw) != 0 || send_all(x->c, tmp, (size_t)w) != 0 ||
                    send_all(x->c, "\r\n", 2) != 0)
                    return -1;
            } else if (send_all(x->c, tmp, (size_t)w) != 0) {
                return -1;
            }
            rc = send_range(&s, ranges[i].first, ranges[i].last - ranges[i].first + 1);
        }
        if (rc == 0) {
            static const char tail[] = "\r\n--" BOUNDARY "--\r\n";
            if (chunked) {
                char ch[32];
                int cw = snprintf(ch, sizeof(ch), "%zx\r\n", sizeof(tail) - 1);
                if (send_all(x->c, ch, (size_t)cw) != 0 || send_all(x->c, tail, sizeof(tail) - 1) != 0 ||
                    send_all(x->c, "\r\n", 2) != 0)
                    return -1;
            } else if (send_all(x->c, tail, sizeof(tail) - 1) != 0) {
                return -1;
            }
        }
    } else {
        rc = send_range(&s, (uint64_t)first_off, body_len);
    }
    if (rc != 0)
        return -1; /* dropped or failed: the connection closes */
    if (chunked && send_all(x->c, "0\r\n\r\n", 5) != 0)
        return -1;
    return 0;
}

static int serve_gen(struct ctx *x, const char *spec)
{
    struct source src;
    const char *p = spec;
    uint64_t size, seed;
    char etag[96], extra[64];

    if (parse_u64(&p, &size) != 0)
        return send_simple(x, 400, NULL, "bad size\n");
    if (*p == 'K' || *p == 'k' || *p == 'M' || *p == 'm' || *p == 'G' || *p == 'g') {
        int shift = (*p == 'K' || *p == 'k') ? 10 : (*p == 'M' || *p == 'm') ? 20 : 30;
        if (size > (UINT64_MAX >> shift))
            return send_simple(x, 400, NULL, "bad size\n");
        size <<= shift;
        p++;
    }
    if (*p && *p != '/') /* anything after "/gen/<size>/" is a free name */
        return send_simple(x, 400, NULL, "bad size\n");
    seed = x->o.seed;
    if (x->o.version_auto)
        seed += x->index;
    if (x->logged)
        httpd_log_set_seed(x->c->srv, x->index, seed);
    snprintf(etag, sizeof(etag), "\"gen-%" PRIu64 "-%" PRIu64 "\"", size, seed);
    snprintf(extra, sizeof(extra), "X-Bgc-Seed: %" PRIu64 "\r\n", seed);
    src.kind = SRC_GEN;
    src.seed = seed;
    src.fd = -1;
    return serve_content(x, &src, size, etag, (time_t)(GEN_LASTMOD_BASE + seed % 100000000u), extra);
}

static int serve_file(struct ctx *x, const char *name_enc)
{
    struct bgc_httpd *h = x->c->srv;
    struct source src;
    struct stat st;
    char name[1024], full[4096], etag[96];
    const char *seg;
    int fd, rc;

    httpd_url_decode(name_enc, strlen(name_enc), name, sizeof(name), 0);
    if (!h->root || !name[0] || name[0] == '/')
        return send_simple(x, 404, NULL, "not found\n");
    for (seg = name; seg; seg = strchr(seg, '/') ? strchr(seg, '/') + 1 : NULL)
        if (seg[0] == '.')
            return send_simple(x, 404, NULL, "not found\n"); /* no "..", no hidden files */
    if ((size_t)snprintf(full, sizeof(full), "%s/%s", h->root, name) >= sizeof(full))
        return send_simple(x, 404, NULL, "not found\n");
    fd = open(full, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return send_simple(x, errno == EACCES ? 403 : 404, NULL, "not found\n");
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return send_simple(x, 404, NULL, "not found\n");
    }
    snprintf(etag, sizeof(etag), "\"file-%llx-%llx.%lx\"", (unsigned long long)st.st_size,
             (unsigned long long)st.st_mtim.tv_sec, (unsigned long)st.st_mtim.tv_nsec);
    src.kind = SRC_FD;
    src.fd = fd;
    src.seed = 0;
    rc = serve_content(x, &src, (uint64_t)st.st_size, etag, st.st_mtim.tv_sec, NULL);
    close(fd);
    return rc;
}

/* ---- redirects, auth and routing --------------------------------------------------------- */

static int send_redirect(struct ctx *x, const char *location)
{
    char extra[4200];
    int code = x->o.code >= 300 && x->o.code <= 399 ? x->o.code : 302;

    if ((size_t)snprintf(extra, sizeof(extra), "Location: %s\r\n", location) >= sizeof(extra))
        return send_simple(x, 400, NULL, "location too long\n");
    return send_simple(x, code, extra, "redirect\n");
}

static int route(struct ctx *x, const char *path);

/* /redirect-chain/<n>[/<target path>]: n hops, the last to the target (default /gen/<size>,
 * size from ?size, default 1000). */
static int serve_chain(struct ctx *x, const char *spec)
{
    const char *p = spec, *rest;
    char loc[4200], target[1100], gen[40];
    uint64_t n;

    if (parse_u64(&p, &n) != 0 || (*p && *p != '/'))
        return send_simple(x, 400, NULL, "bad hop count\n");
    if (*p) {
        rest = p;
    } else {
        uint64_t size = 1000;
        query_u64(x->r->query, "size", &size);
        snprintf(gen, sizeof(gen), "/gen/%" PRIu64, size);
        rest = gen;
    }
    httpd_copy(target, sizeof(target), rest);
    if (n == 0)
        return route(x, target);
    if (n == 1)
        snprintf(loc, sizeof(loc), "%s%s%s", target, x->r->query[0] ? "?" : "", x->r->query);
    else
        snprintf(loc, sizeof(loc), "/redirect-chain/%" PRIu64 "%s%s%s", n - 1, *p ? p : "",
                 x->r->query[0] ? "?" : "", x->r->query);
    return send_redirect(x, loc);
}

/* /auth/<basic|digest>/<user>/<pass>/<rest>: checks credentials, then serves /<rest>. */
static int serve_auth(struct ctx *x, const char *spec)
{
    struct httpd_auth_req a;
    char scheme[16], user_enc[256], pass_enc[256], user[256], pass[256], extra[512], rest[1100];
    const char *p = spec, *slash;
    size_t len;
    int digest, ok;

    slash = strchr(p, '/');
    if (!slash || (size_t)(slash - p) >= sizeof(scheme))
        return send_simple(x, 404, NULL, "not found\n");
    memcpy(scheme, p, (size_t)(slash - p));
    scheme[slash - p] = '\0';
    p = slash + 1;
    if (strcmp(scheme, "basic") == 0)
        digest = 0;
    else if (strcmp(scheme, "digest") == 0)
        digest = 1;
    else
        return send_simple(x, 404, NULL, "not found\n");
    slash = strchr(p, '/');
    len = slash ? (size_t)(slash - p) : strlen(p);
    if (!slash || len >= sizeof(user_enc))
        return send_simple(x, 404, NULL, "not found\n");
    memcpy(user_enc, p, len);
    user_enc[len] = '\0';
    p = slash + 1;
    slash = strchr(p, '/');
    len = slash ? (size_t)(slash - p) : strlen(p);
    if (len >= sizeof(pass_enc))
        return send_simple(x, 404, NULL, "not found\n");
    memcpy(pass_enc, p, len);
    pass_enc[len] = '\0';
    httpd_copy(rest, sizeof(rest), slash && slash[1] ? slash : "/gen/1000");
    httpd_url_decode(user_enc, strlen(user_enc), user, sizeof(user), 0);
    httpd_url_decode(pass_enc, strlen(pass_enc), pass, sizeof(pass), 0);

    a.method = x->r->method;
    a.target = x->r->target;
    a.authorization = x->r->authorization;
    ok = digest ? httpd_auth_digest_ok(&a, user, pass, x->c->srv->nonce) : httpd_auth_basic_ok(&a, user, pass);
    if (ok)
        return route(x, rest);
    if (digest)
        snprintf(extra, sizeof(extra),
                 "WWW-Authenticate: Digest realm=\"" HTTPD_REALM "\", qop=\"auth\", algorithm=MD5, nonce=\"%s\", "
                 "opaque=\"bgc\"\r\n",
                 x->c->srv->nonce);
    else
        snprintf(extra, sizeof(extra), "WWW-Authenticate: Basic realm=\"" HTTPD_REALM "\"\r\n");
    return send_simple(x, 401, extra, "authentication required\n");
}

static int route(struct ctx *x, const char *path)
{
    if (strncmp(path, "/gen/", 5) == 0)
        return serve_gen(x, path + 5);
    if (strncmp(path, "/files/", 7) == 0)
        return serve_file(x, path + 7);
    if (strcmp(path, "/redirect") == 0) {
        if (!x->o.has_to || !x->o.to[0])
            return send_simple(x, 400, NULL, "missing to=\n");
        return send_redirect(x, x->o.to);
    }
    if (strcmp(path, "/loop") == 0) {
        char loc[2200];
        snprintf(loc, sizeof(loc), "/loop%s%s", x->r->query[0] ? "?" : "", x->r->query);
        return send_redirect(x, loc);
    }
    if (strncmp(path, "/redirect-chain/", 16) == 0)
        return serve_chain(x, path + 16);
    if (strncmp(path, "/auth/", 6) == 0)
        return serve_auth(x, path + 6);
    return send_simple(x, 404, NULL, "not found\n");
}

/* ---- request head ------------------------------------------------------------------------ */

/* Parses head (NUL-terminated, modified in place). Returns 0 or -1 if malformed. */
static int parse_head(char *head, struct req *r)
{
    char *line = head, *end, *sp1, *sp2, *q;

    memset(r, 0, sizeof(*r));
    end = strstr(line, "\r\n");
    if (!end)
        return -1;
    *end = '\0';
    sp1 = strchr(line, ' ');
    if (!sp1)
        return -1;
    sp2 = strchr(sp1 + 1, ' ');
    if (!sp2)
        return -1;
    *sp1 = *sp2 = '\0';
    r->proxied = httpd_proxy_split(sp1 + 1, r->authority, sizeof(r->authority)); /* httpopts area */
    if (r->proxied < 0)
        return -1;
    if (strlen(line) >= sizeof(r->method) || strlen(sp1 + 1) >= sizeof(r->target) || sp1[1] != '/')
        return -1;
    if (strncmp(sp2 + 1, "HTTP/1.", 7) != 0 || !isdigit((unsigned char)sp2[8]))
        return -1;
    strcpy(r->method, line);
    strcpy(r->target, sp1 + 1);
    r->minor = sp2[8] - '0';
    q = strchr(r->target, '?');
    if (q) {
        httpd_copy(r->query, sizeof(r->query), q + 1);
        *q = '\0';
        httpd_copy(r->path, sizeof(r->path), r->target);
        *q = '?';
    } else {
        httpd_copy(r->path, sizeof(r->path), r->target);
    }

    for (line = end + 2; *line; line = end + 2) {
        char *colon, *value, *vend;

        end = strstr(line, "\r\n");
        if (!end || end == line)
            break;
        *end = '\0';
        colon = strchr(line, ':');
        if (!colon)
            continue;
        *colon = '\0';
        value = colon + 1;
        while (*value == ' ' || *value == '\t')
            value++;
        vend = value + strlen(value);
        while (vend > value && (vend[-1] == ' ' || vend[-1] == '\t'))
            *--vend = '\0';
        if (strcasecmp(line, "Range") == 0)
            r->range = value;
        else if (strcasecmp(line, "If-Range") == 0)
            r->if_range = value;
        else if (strcasecmp(line, "Authorization") == 0)
            r->authorization = value;
        else if (strcasecmp(line, "Proxy-Authorization") == 0)
            r->proxy_authorization = value;
        else if (strcasecmp(line, "Host") == 0)
            r->host = value;
        else if (strcasecmp(line, "Connection") == 0)
            r->connection = value;
        else if (strcasecmp(line, "Expect") == 0)
            r->expect = value;
        else if (strcasecmp(line, "Transfer-Encoding") == 0)
            r->chunked_body = strcasestr(value, "chunked") != NULL;
        else if (strcasecmp(line, "Content-Length") == 0) {
            const char *p = value;
            if (parse_u64(&p, &r->content_length) != 0)
                return -1;
        }
    }
    return 0;
}

/* Reads and discards n request body bytes (rbuf first, then the socket). */
static int discard_body(struct httpd_conn *c, uint64_t n)
{
    char sink[16384];
    size_t take = c->rlen < n ? c->rlen : (size_t)n;

    memmove(c->rbuf, c->rbuf + take, c->rlen - take);
    c->rlen -= take;
    n -= take;
    while (n) {
        ssize_t got = recv(c->fd, sink, n < sizeof(sink) ? (size_t)n : sizeof(sink), 0);
        if (got <= 0)
            return -1;
        n -= (uint64_t)got;
    }
    return 0;
}

int httpd_serve_one(struct httpd_conn *c, size_t head_len)
{
    static char bad[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    struct bgc_httpd *h = c->srv;
    struct req *r;
    struct ctx x;
    char *head, *raw;
    const char *eol;
    int rc;

    r = malloc(sizeof(*r));
    head = malloc(2 * (head_len + 1));
    if (!r || !head) {
        free(r);
        free(head);
        return 0;
    }
    raw = head + head_len + 1;
    memcpy(head, c->rbuf, head_len);
    head[head_len] = '\0';
    memcpy(raw, head, head_len + 1);
    memmove(c->rbuf, c->rbuf + head_len, c->rlen - head_len);
    c->rlen -= head_len;
    if (parse_head(head, r) != 0) {
        send_all(c, bad, sizeof(bad) - 1);
        free(r);
        free(head);
        return 0;
    }
    eol = strstr(raw, "\r\n");
    r->headers = eol ? eol + 2 : "";

    memset(&x, 0, sizeof(x));
    x.c = c;
    x.r = r;
    x.keep = r->minor >= 1 ? !(r->connection && strcasestr(r->connection, "close"))
                           : (r->connection && strcasestr(r->connection, "keep-alive"));
    parse_opts(r->query, &x.o);
    if (x.o.close)
        x.keep = 0;

    if (strncmp(r->path, "/_", 2) != 0) {
        struct bgc_httpd_request entry;
        memset(&entry, 0, sizeof(entry));
        httpd_copy(entry.method, sizeof(entry.method), r->method);
        httpd_copy(entry.path, sizeof(entry.path), r->path);
        httpd_copy(entry.query, sizeof(entry.query), r->query);
        entry.has_range = r->range != NULL;
        httpd_copy(entry.range, sizeof(entry.range), r->range ? r->range : "");
        httpd_copy(entry.if_range, sizeof(entry.if_range), r->if_range ? r->if_range : "");
        entry.proxied = r->proxied;
        httpd_copy(entry.proxy_host, sizeof(entry.proxy_host), r->authority);
        x.index = httpd_log_add(h, &entry, r->headers);
        x.logged = 1;
    }

    if (r->chunked_body) {
        x.keep = 0;
        rc = send_simple(&x, 501, NULL, "chunked request bodies are not supported\n");
        goto done;
    }
    if (r->content_length) {
        if (r->expect && strcasecmp(r->expect, "100-continue") == 0) {
            static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
            if (send_all(c, cont, sizeof(cont) - 1) != 0) {
                rc = -1;
                goto done;
            }
        }
        if (discard_body(c, r->content_length) != 0) {
            rc = -1;
            goto done;
        }
    }
    if (x.o.delay_ms && httpd_wait_ms(c, x.o.delay_ms)) {
        rc = -1;
        goto done;
    }

    if (strcmp(r->path, "/_log") == 0) {
        size_t len = 0;
        char *dump = httpd_log_dump(h, &len);
        rc = send_simple(&x, 200, NULL, dump ? dump : "");
        free(dump);
    } else if (strcmp(r->path, "/_clear") == 0) {
        bgc_httpd_log_clear(h);
        rc = send_simple(&x, 200, NULL, "cleared\n");
    } else if (r->proxied && x.o.proxyuser[0] &&
               !httpd_proxy_auth_ok(r->proxy_authorization, x.o.proxyuser, x.o.proxypass)) {
        rc = send_simple(&x, 407, "Proxy-Authenticate: Basic realm=\"bgc-proxy\"\r\n",
                         "proxy authentication required\n"); /* httpopts area */
    } else if (x.o.status) {
        char extra[2200] = "", body[32];
        if (x.o.status >= 300 && x.o.status <= 399 && x.o.has_to)
            snprintf(extra, sizeof(extra), "Location: %s\r\n", x.o.to);
        snprintf(body, sizeof(body), "status %d\n", x.o.status);
        rc = send_simple(&x, x.o.status, extra, body);
    } else {
        rc = route(&x, r->path);
    }

done:
    if (x.logged)
        httpd_log_finish(h, x.index, x.body_sent, x.dropped);
    free(r);
    free(head);
    return rc == 0 && x.keep;
}
