/*
 * proxy.c - the proxy settings of a job (IBackgroundCopyJob SetProxySettings /
 * GetProxySettings) and the proxy decision for one transfer.
 *
 * Invariants:
 *  1. Settings are checked for shape when set (usage, NULL rules, lengths) and for syntax only
 *     when a transfer starts: an invalid list sends the job to ERROR with
 *     BGC_E_INVALID_PROXY_INFO (bits-behavior 2.2, R3).
 *  2. Proxy list: entries separated by spaces (or ';'), each `[scheme=][http://]host[:port]`.
 *     An entry with `scheme=` serves only URLs of that scheme and wins over entries without
 *     one; the first matching entry is used; no matching entry means a direct connection.
 *     Proxies speak HTTP (the only `scheme://` accepted is http://), port 1-65535, default 80.
 *  3. Bypass list: entries separated by spaces, ';' or ','; `<local>` matches host names
 *     without a dot; other entries match the host (or host:port) case-insensitively, `*`
 *     matching any run of characters. A match means a direct connection.
 *  4. Usage at transfer time: NO_PROXY and a bypassed host -> no proxy at all (libcurl's
 *     environment variables are overridden); OVERRIDE -> the chosen proxy; PRECONFIG -> the
 *     platform's user settings (Windows: WinHTTP/IE settings through os_win.c; elsewhere
 *     libcurl's environment variables); AUTODETECT -> WPAD auto-detection on Windows, a
 *     direct connection when nothing is found or elsewhere.
 *  5. Proxy lists are not logged (they may carry host names users consider private).
 */
#include "bgc.h"
#include "httpopts_int.h"
#include "jobs_int.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#define UNLOCK(job) bgc__queue_unlock((job)->q)

/* ---- Settings ---------------------------------------------------------------------------- */

static int check_list(const char *s, int too_large)
{
    long n;

    if (!s)
        return BGC_OK;
    n = bgc__utf8_count(s);
    if (n < 0)
        return BGC_E_INVALIDARG;
    return n > BGC_MAX_PROXY_LIST ? too_large : BGC_OK;
}

int bgc_job_set_proxy(struct bgc_job *job, int usage, const char *list, const char *bypass)
{
    struct bgc__httpopts *o, *spare = NULL;
    char *l = NULL, *b = NULL, *old_l, *old_b;
    int rc;

    if (usage < BGC_PROXY_PRECONFIG || usage > BGC_PROXY_AUTODETECT)
        return BGC_E_UNSUPPORTED_VALUE; /* G4 */
    if (!job)
        return BGC_E_INVALIDARG;
    if (usage == BGC_PROXY_OVERRIDE ? !list : (list || bypass))
        return BGC_E_INVALIDARG;
    rc = check_list(list, BGC_E_PROXY_LIST_TOO_LARGE);
    if (rc == BGC_OK)
        rc = check_list(bypass, BGC_E_PROXY_BYPASS_LIST_TOO_LARGE);
    if (rc != BGC_OK)
        return rc;
    if ((list && !(l = bgc_strdup(list))) || (bypass && !(b = bgc_strdup(bypass))) ||
        (!job->httpopts && !(spare = bgc_calloc(1, sizeof(*spare))))) {
        bgc_free(l);
        bgc_free(b);
        bgc_free(spare);
        return BGC_E_NOMEM;
    }
    rc = bgc__job_begin_change(job);
    if (rc != BGC_OK) {
        bgc_free(l);
        bgc_free(b);
        bgc_free(spare);
        return rc;
    }
    o = bgc__httpopts_get(job, &spare);
    old_l = o->proxy_list;
    old_b = o->proxy_bypass;
    o->proxy_usage = usage;
    o->proxy_list = l;
    o->proxy_bypass = b;
    bgc__job_touch(job);
    UNLOCK(job);
    bgc_free(spare);
    bgc_free(old_l);
    bgc_free(old_b);
    bgc_log(BGC_LOG_TRACE, "httpopts", "job %p: proxy usage %d", (void *)job, usage);
    return BGC_OK;
}

int bgc_job_get_proxy(struct bgc_job *job, int *usage, char **list, char **bypass)
{
    const struct bgc__httpopts *o;
    int rc = BGC_OK;

    if (list)
        *list = NULL;
    if (bypass)
        *bypass = NULL;
    if (!job || !usage || !list || !bypass)
        return BGC_E_INVALIDARG;
    bgc__mutex_lock(job->q->lock);
    o = job->httpopts;
    *usage = o ? o->proxy_usage : BGC_PROXY_PRECONFIG;
    if (o && o->proxy_list && !(*list = bgc_strdup(o->proxy_list)))
        rc = BGC_E_NOMEM;
    if (o && o->proxy_bypass && !(*bypass = bgc_strdup(o->proxy_bypass)))
        rc = BGC_E_NOMEM;
    UNLOCK(job);
    if (rc != BGC_OK) {
        bgc_free(*list);
        bgc_free(*bypass);
        *list = *bypass = NULL;
    }
    return rc;
}

/* ---- Parsing (invariants 2 and 3) ------------------------------------------------------ */

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int is_host_char(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '_';
}

/* One proxy entry [p, end). On success *for_scheme is "" or the scheme= part (lowercase),
 * proxy is "http://host:port". Returns BGC_OK or BGC_E_INVALID_PROXY_INFO. */
static int parse_entry(const char *p, const char *end, char *for_scheme, size_t fs_size, char *proxy,
                       size_t proxy_size)
{
    const char *eq = memchr(p, '=', (size_t)(end - p)), *host, *host_end;
    unsigned long port = 80;

    for_scheme[0] = '\0';
    if (eq) {
        size_t n = (size_t)(eq - p);

        if (n == 0 || n >= fs_size)
            return BGC_E_INVALID_PROXY_INFO;
        for (size_t i = 0; i < n; i++) {
            int c = lower((unsigned char)p[i]);

            if (c < 'a' || c > 'z')
                return BGC_E_INVALID_PROXY_INFO;
            for_scheme[i] = (char)c;
        }
        for_scheme[n] = '\0';
        p = eq + 1;
    }
    for (const char *q = p; q + 3 <= end; q++) {
        const char *sep = q;

        if (memcmp(q, "://", 3))
            continue;
        if (sep - p != 4 || lower(p[0]) != 'h' || lower(p[1]) != 't' || lower(p[2]) != 't' ||
            lower(p[3]) != 'p')
            return BGC_E_INVALID_PROXY_INFO; /* proxies speak plain HTTP */
        p = sep + 3;
        break;
    }
    host = p;
    if (p < end && *p == '[') { /* IPv6 literal */
        while (p < end && *p != ']')
            p++;
        if (p == end)
            return BGC_E_INVALID_PROXY_INFO;
        p++;
    } else {
        while (p < end && is_host_char((unsigned char)*p))
            p++;
    }
    host_end = p;
    if (host_end == host)
        return BGC_E_INVALID_PROXY_INFO;
    if (p < end && *p == ':') {
        port = 0;
        p++;
        if (p == end)
            return BGC_E_INVALID_PROXY_INFO;
        while (p < end && *p >= '0' && *p <= '9' && port <= 65535)
            port = port * 10 + (unsigned long)(*p++ - '0');
        if (port == 0 || port > 65535)
            return BGC_E_INVALID_PROXY_INFO;
    }
    if (p < end && *p == '/') /* a trailing slash is tolerated */
        p++;
    if (p != end)
        return BGC_E_INVALID_PROXY_INFO;
    if ((size_t)snprintf(proxy, proxy_size, "http://%.*s:%lu", (int)(host_end - host), host, port) >=
        proxy_size)
        return BGC_E_INVALID_PROXY_INFO;
    return BGC_OK;
}

static int is_sep(int c, const char *seps)
{
    return c && strchr(seps, c) != NULL;
}

/* Picks the proxy for url_scheme from list into proxy ("" = none). Every entry must parse. */
static int choose_proxy(const char *list, const char *url_scheme, char *proxy, size_t size)
{
    char any[300] = "", mine[300] = "";
    const char *p = list;
    int entries = 0;

    while (*p) {
        const char *end;
        char for_scheme[16], entry[300];
        int rc;

        while (is_sep((unsigned char)*p, " \t;"))
            p++;
        if (!*p)
            break;
        end = p;
        while (*end && !is_sep((unsigned char)*end, " \t;"))
            end++;
        rc = parse_entry(p, end, for_scheme, sizeof(for_scheme), entry, sizeof(entry));
        if (rc != BGC_OK)
            return rc;
        entries++;
        if (!for_scheme[0] && !any[0])
            memcpy(any, entry, strlen(entry) + 1);
        if (for_scheme[0] && !strcmp(for_scheme, url_scheme) && !mine[0])
            memcpy(mine, entry, strlen(entry) + 1);
        p = end;
    }
    if (!entries)
        return BGC_E_INVALID_PROXY_INFO; /* OVERRIDE needs at least one proxy */
    snprintf(proxy, size, "%s", mine[0] ? mine : any);
    return BGC_OK;
}

/* Case-insensitive match of s against pattern with '*' wildcards. */
static int wild_match(const char *pat, size_t np, const char *s)
{
    if (np == 0)
        return *s == '\0';
    if (*pat == '*') {
        for (;;) {
            if (wild_match(pat + 1, np - 1, s))
                return 1;
            if (!*s)
                return 0;
            s++;
        }
    }
    return *s && lower((unsigned char)*pat) == lower((unsigned char)*s) && wild_match(pat + 1, np - 1, s + 1);
}

/* 1 when host (host_port = "host:port") is bypassed, 0 when not, BGC_E_INVALID_PROXY_INFO
 * for a list that does not parse. */
static int bypassed(const char *bypass, const char *host, const char *host_port)
{
    const char *p = bypass;
    int hit = 0;

    while (p && *p) {
        const char *end;
        size_t n;

        while (is_sep((unsigned char)*p, " \t;,"))
            p++;
        if (!*p)
            break;
        end = p;
        while (*end && !is_sep((unsigned char)*end, " \t;,"))
            end++;
        n = (size_t)(end - p);
        if (n == 7 && !strncmp(p, "<local>", 7)) {
            if (!strchr(host, '.') && !strchr(host, ':'))
                hit = 1;
        } else {
            for (size_t i = 0; i < n; i++) {
                int c = (unsigned char)p[i];

                if (!is_host_char(c) && c != '*' && c != ':' && c != '[' && c != ']')
                    return BGC_E_INVALID_PROXY_INFO;
            }
            if (wild_match(p, n, host) || wild_match(p, n, host_port))
                hit = 1;
        }
        p = end;
    }
    return hit;
}

/* ---- Transfer side ------------------------------------------------------------------ */

static void direct(CURL *c)
{
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
}

/* Applies a WinHTTP-syntax proxy list + bypass list (OVERRIDE or the platform's settings). */
static int apply_lists(CURL *c, const char *url, const char *list, const char *bypass)
{
    char proxy[300], host_port[600], *scheme = NULL, *host = NULL, *port = NULL;
    CURLU *u = curl_url();
    int rc = BGC_E_NOMEM;

    if (!u)
        return BGC_E_NOMEM;
    if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
        rc = choose_proxy(list ? list : "", scheme, proxy, sizeof(proxy));
        if (rc == BGC_OK) {
            snprintf(host_port, sizeof(host_port), "%s:%s", host, port);
            rc = bypass ? bypassed(bypass, host, host_port) : 0;
            if (rc == 1 || (rc == 0 && !proxy[0])) {
                direct(c);
                rc = BGC_OK;
            } else if (rc == 0) {
                curl_easy_setopt(c, CURLOPT_PROXY, proxy);
                curl_easy_setopt(c, CURLOPT_NOPROXY, "");
            }
        }
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return rc;
}

int bgc__proxy_apply(void *easy, const char *url, int usage, const char *list, const char *bypass)
{
    CURL *c = easy;
    char *os_list = NULL, *os_bypass = NULL;
    int rc;

    switch (usage) {
    case BGC_PROXY_NO_PROXY:
        direct(c);
        return BGC_OK;
    case BGC_PROXY_OVERRIDE:
        return apply_lists(c, url, list, bypass);
    case BGC_PROXY_AUTODETECT:
    case BGC_PROXY_PRECONFIG:
    default:
        rc = bgc__os_proxy_lookup(url, usage == BGC_PROXY_AUTODETECT, &os_list, &os_bypass);
        if (rc == BGC_OK && os_list && os_list[0]) {
            rc = apply_lists(c, url, os_list, os_bypass);
            if (rc == BGC_E_INVALID_PROXY_INFO) { /* the user's own settings: go direct */
                bgc_log(BGC_LOG_WARN, "httpopts", "the platform's proxy settings do not parse; "
                                                  "connecting directly");
                direct(c);
                rc = BGC_OK;
            }
        } else if (rc == BGC_OK || usage == BGC_PROXY_AUTODETECT) {
            direct(c); /* nothing configured or detected */
            rc = BGC_OK;
        } else {
            rc = BGC_OK; /* no platform settings here: libcurl's environment defaults */
        }
        bgc_free(os_list);
        bgc_free(os_bypass);
        return rc;
    }
}
