/*
 * httpopts.c - the HTTP options of a job (IBackgroundCopyJobHttpOptions..3 in server/):
 * custom headers, security flags (certificate checks and the redirect policy, F17), the HTTP
 * method (L34), the client certificate; and the transfer hooks that apply them, together
 * with the credentials (creds.c) and the proxy (proxy.c), to a libcurl easy handle.
 *
 * Invariants:
 *  1. Setters validate and allocate first, then take the lock through bgc__job_begin_change
 *     (final jobs refuse, G3) and commit; a failing setter changes nothing.
 *  2. Values are never logged (X16): traces name the option, never its content.
 *  3. bgc__httpopts_apply copies what it needs under the lock, then configures the handle with
 *     no lock held; libcurl copies every string option, and the header list lives in the
 *     xfer until the handle is gone.
 *  4. Redirect policy (F17), enforced by a header callback wrapped around transfer.c's: at
 *     the end of each redirect response (300-303, 307, 308 with a Location) the target is
 *     resolved against the current URL; a target that is not http(s), an HTTPS->HTTP hop
 *     without ALLOW_HTTPS_TO_HTTP, or any redirect under DISALLOW stops the transfer and
 *     is reported by bgc__httpx_result as a fatal error (DISALLOW: BGC_E_REDIRECT_DISALLOWED
 *     with the status, remote name rewritten to the target; scheme: BGC_E_REDIRECT_SCHEME).
 *     ALLOW_REPORT rewrites the remote name to the final URL when the transfer ends.
 *  5. Certificate flags map onto libcurl's coarser switches: IGNORE_CERT_CN_INVALID turns off
 *     the host name check (VERIFYHOST 0); IGNORE_UNKNOWN_CA, IGNORE_CERT_DATE_INVALID and
 *     IGNORE_CERT_WRONG_USAGE each turn off chain verification as a whole (VERIFYPEER 0),
 *     because neither libcurl nor Schannel's automatic validation can ignore one reason
 *     alone. Without ENABLE_CRL_CHECK no revocation check is made (CURLSSLOPT_NO_REVOKE),
 *     as BITS by default.
 *  6. A custom method (L34) is sent with CURLOPT_CUSTOMREQUEST and never with a Range: every
 *     start fetches the file from byte 0 (transfer.c truncates the temp file on the 200), and
 *     engine.c makes every error fatal (bgc__httpopts_errors_fatal).
 *  7. (dispatch area, issue 3 item 9) The engine never calls the certificate validator and
 *     never drops a validator reference. prereq() on the engine thread looks the (host:port,
 *     certificate) up: accepted -> the request goes on; the validator's last refusal of that
 *     same certificate (o->verdict) -> taken once, the transfer ends with it (TRANSIENT_ERROR
 *     context SERVER_CERTIFICATE_CALLBACK with the callback's HRESULT, or ERROR when the
 *     validator is unreachable); otherwise the certificate goes to the queue's worker thread
 *     (worker.c), job->cert_wait is set (sched.c does not restart the job, which stays
 *     CONNECTING) and only this transfer is aborted (outcome ABORTED: no error, no progress
 *     lost). The worker calls the validator with no lock held, records the answer, clears
 *     cert_wait and wakes the engine, which restarts the transfer; it now finds the answer.
 *     A validator that blocks, or calls Suspend/Cancel on its job, holds up only that job.
 */
#include "bgc.h"
#include "httpopts_int.h"
#include "jobs_int.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#define LOCK(job) bgc__mutex_lock((job)->q->lock)
#define UNLOCK(job) bgc__queue_unlock((job)->q)
#define CH "httpopts"

/* ---- Storage ------------------------------------------------------------------------- */

/* A shared holder of the job's certificate validator: the job holds one reference, each
 * running transfer another, so a validator replaced meanwhile lives until its last use. */
struct bgc__validator {
    atomic_int refs;            /* atomic */
    struct bgc_cert_validator v; /* immutable */
};

/* A (host:port, certificate) the validator accepted (per-job cache, 2.10), or refused
 * (o->verdict, dispatch area: rc and detail, consumed once by prereq). */
struct bgc__accepted {
    char *host_port;
    unsigned char *der;
    size_t len;
    struct bgc__accepted *next;
    int rc;     /* verdict only: BGC_E_CERT_REJECTED or BGC_E_CERT_VALIDATOR_GONE */
    int detail; /* verdict only: the validator's detail (an HRESULT) */
};

static void validator_unref(struct bgc__validator *p)
{
    if (p && atomic_fetch_sub(&p->refs, 1) == 1) {
        if (p->v.release)
            p->v.release(p->v.ctx);
        bgc_free(p);
    }
}

static void accepted_free(struct bgc__accepted *a)
{
    while (a) {
        struct bgc__accepted *next = a->next;

        bgc_free(a->host_port);
        bgc_free(a->der);
        bgc_free(a);
        a = next;
    }
}

void bgc__wipe_free(char *s)
{
    if (!s)
        return;
    for (volatile char *p = s; *p; p++)
        *p = 0;
    bgc_free(s);
}

struct bgc__httpopts *bgc__httpopts_get(struct bgc_job *job, struct bgc__httpopts **spare)
{
    if (!job->httpopts && spare && *spare) {
        job->httpopts = *spare;
        *spare = NULL;
    }
    return job->httpopts;
}

void bgc__httpopts_free(struct bgc_job *job)
{
    struct bgc__httpopts *o = job->httpopts;

    if (!o)
        return;
    bgc__wipe_free(o->headers);
    bgc_free(o->method);
    bgc_free(o->cert_store);
    bgc_free(o->cert_subject);
    bgc__creds_free_all(o);
    bgc_free(o->proxy_list);
    bgc_free(o->proxy_bypass);
    accepted_free(o->accepted);
    accepted_free(o->verdict);
    validator_unref(o->validator);
    bgc_free(o);
    job->httpopts = NULL;
}

/* Starts a change of the options: allocates the option block if the job has none yet and
 * takes the lock (bgc__job_begin_change). On success the lock is held and *o is set. */
static int begin(struct bgc_job *job, struct bgc__httpopts **o)
{
    struct bgc__httpopts *spare = NULL;
    int rc;

    if (!job)
        return BGC_E_INVALIDARG;
    if (!job->httpopts) { /* racy peek: at worst we allocate one block too many */
        spare = bgc_calloc(1, sizeof(*spare));
        if (!spare)
            return BGC_E_NOMEM;
    }
    rc = bgc__job_begin_change(job);
    if (rc != BGC_OK) {
        bgc_free(spare);
        return rc;
    }
    *o = bgc__httpopts_get(job, &spare);
    bgc_free(spare);
    if (!*o) { /* another thread freed nothing; cannot happen, but never dereference NULL */
        UNLOCK(job);
        return BGC_E_NOMEM;
    }
    return BGC_OK;
}

/* Ends a successful change: modification time and JobModification (G7). */
static void commit(struct bgc_job *job)
{
    bgc__job_touch(job);
    UNLOCK(job);
}

/* ---- Custom headers ------------------------------------------------------------------- */

int bgc_job_set_custom_headers(struct bgc_job *job, const char *headers)
{
    struct bgc__httpopts *o;
    char *copy = NULL, *old;
    long n;
    int rc;

    if (headers) {
        n = bgc__utf8_count(headers);
        if (n < 0)
            return BGC_E_INVALIDARG;
        if (n > BGC_MAX_CUSTOM_HEADERS)
            return BGC_E_STRING_TOO_LONG;
        copy = bgc_strdup(headers);
        if (!copy)
            return BGC_E_NOMEM;
    }
    rc = begin(job, &o);
    if (rc != BGC_OK) {
        bgc__wipe_free(copy);
        return rc;
    }
    old = o->headers;
    o->headers = copy;
    commit(job);
    bgc__wipe_free(old);
    bgc_log(BGC_LOG_TRACE, CH, "job %p: custom headers %s", (void *)job, copy ? "set" : "removed");
    return BGC_OK;
}

int bgc_job_get_custom_headers(struct bgc_job *job, char **out)
{
    int rc = BGC_OK;

    if (!out)
        return BGC_E_INVALIDARG;
    *out = NULL;
    if (!job)
        return BGC_E_INVALIDARG;
    LOCK(job);
    if (job->httpopts && job->httpopts->headers_write_only)
        rc = BGC_E_WRITE_ONLY;
    else if (job->httpopts && job->httpopts->headers && !(*out = bgc_strdup(job->httpopts->headers)))
        rc = BGC_E_NOMEM;
    UNLOCK(job);
    return rc;
}

int bgc_job_make_custom_headers_write_only(struct bgc_job *job)
{
    struct bgc__httpopts *o;
    int rc = begin(job, &o);

    if (rc != BGC_OK)
        return rc;
    o->headers_write_only = 1;
    commit(job);
    return BGC_OK;
}

/* ---- Security flags -------------------------------------------------------------------- */

#define SSL_BITS                                                                                  \
    (BGC_SSL_ENABLE_CRL_CHECK | BGC_SSL_IGNORE_CERT_CN_INVALID | BGC_SSL_IGNORE_CERT_DATE_INVALID | \
     BGC_SSL_IGNORE_UNKNOWN_CA | BGC_SSL_IGNORE_CERT_WRONG_USAGE)

int bgc_job_set_security_flags(struct bgc_job *job, unsigned flags)
{
    struct bgc__httpopts *o;
    unsigned policy = flags & BGC_REDIRECT_MASK;
    int rc;

    if (flags & ~(SSL_BITS | BGC_REDIRECT_MASK | BGC_REDIRECT_ALLOW_HTTPS_TO_HTTP))
        return BGC_E_UNSUPPORTED_VALUE; /* G4 */
    if (policy != BGC_REDIRECT_ALLOW_SILENT && policy != BGC_REDIRECT_ALLOW_REPORT &&
        policy != BGC_REDIRECT_DISALLOW)
        return BGC_E_UNSUPPORTED_VALUE;
    rc = begin(job, &o);
    if (rc != BGC_OK)
        return rc;
    o->security_flags = flags;
    commit(job);
    bgc_log(BGC_LOG_TRACE, CH, "job %p: security flags %#x", (void *)job, flags);
    return BGC_OK;
}

unsigned bgc_job_get_security_flags(struct bgc_job *job)
{
    unsigned f;

    LOCK(job);
    f = job->httpopts ? job->httpopts->security_flags : 0;
    UNLOCK(job);
    return f;
}

/* ---- HTTP method (HttpOptions2, L34) -------------------------------------------------- */

/* RFC 9110 token characters. */
static int is_tchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

int bgc_job_set_http_method(struct bgc_job *job, const char *method)
{
    struct bgc__httpopts *o;
    char *copy;
    int rc;

    if (!job || !method || !method[0])
        return BGC_E_INVALIDARG;
    for (const char *p = method; *p; p++)
        if (!is_tchar((unsigned char)*p))
            return BGC_E_INVALIDARG;
    if (strlen(method) > 64)
        return BGC_E_STRING_TOO_LONG; /* project limit: no real method is longer */
    copy = bgc_strdup(method);
    if (!copy)
        return BGC_E_NOMEM;
    rc = begin(job, &o);
    if (rc != BGC_OK) {
        bgc_free(copy);
        return rc;
    }
    if (job->type != BGC_JOB_DOWNLOAD || !strcmp(method, "GET")) {
        /* The default method: a no-op that changes nothing (no priority lock). */
        UNLOCK(job);
        bgc_free(copy);
        return BGC_OK;
    }
    if (job->resumed_once) {
        UNLOCK(job);
        bgc_free(copy);
        return BGC_E_INVALID_STATE; /* only before the first Resume */
    }
    if (job->dynamic_content || job->on_demand) {
        UNLOCK(job);
        bgc_free(copy);
        return BGC_E_NOT_SUPPORTED_WITH_CUSTOM_HTTP_METHOD; /* 2.10: not with these modes */
    }
    bgc_free(o->method);
    o->method = copy;
    job->priority = BGC_PRIO_FOREGROUND; /* forced and locked */
    commit(job);
    bgc_log(BGC_LOG_TRACE, CH, "job %p: custom HTTP method %s", (void *)job, method);
    return BGC_OK;
}

int bgc_job_get_http_method(struct bgc_job *job, char **out)
{
    if (!out)
        return BGC_E_INVALIDARG;
    *out = NULL;
    if (!job)
        return BGC_E_INVALIDARG;
    LOCK(job);
    *out = bgc_strdup(job->httpopts && job->httpopts->method ? job->httpopts->method : "GET");
    UNLOCK(job);
    return *out ? BGC_OK : BGC_E_NOMEM;
}

int bgc__httpopts_errors_fatal(const struct bgc_job *job)
{
    return job->httpopts && job->httpopts->method;
}

/* ---- Client certificate ----------------------------------------------------------------- */

static int check_cert_name(const char *s, int required)
{
    long n;

    if (!s)
        return required ? BGC_E_INVALIDARG : BGC_OK;
    n = bgc__utf8_count(s);
    if (n < 0 || (required && n == 0))
        return BGC_E_INVALIDARG;
    return n > BGC_MAX_CERT_NAME ? BGC_E_STRING_TOO_LONG : BGC_OK;
}

int bgc_job_set_client_cert(struct bgc_job *job, unsigned location, const char *store,
                            const unsigned char hash[BGC_CERT_HASH_BYTES], const char *subject)
{
    struct bgc__httpopts *o;
    char *store_copy, *subject_copy = NULL, *old_store, *old_subject;
    int rc;

    if (location > 7)
        return BGC_E_UNSUPPORTED_VALUE; /* G4: BG_CERT_STORE_LOCATION has 8 values */
    if (!hash)
        return BGC_E_INVALIDARG;
    rc = check_cert_name(store, 1);
    if (rc == BGC_OK)
        rc = check_cert_name(subject, 0);
    if (rc != BGC_OK)
        return rc;
    store_copy = bgc_strdup(store);
    if (subject)
        subject_copy = bgc_strdup(subject);
    if (!store_copy || (subject && !subject_copy)) {
        bgc_free(store_copy);
        bgc_free(subject_copy);
        return BGC_E_NOMEM;
    }
    rc = begin(job, &o);
    if (rc != BGC_OK) {
        bgc_free(store_copy);
        bgc_free(subject_copy);
        return rc;
    }
    old_store = o->cert_store;
    old_subject = o->cert_subject;
    o->cert_set = 1;
    o->cert_location = location;
    o->cert_store = store_copy;
    o->cert_subject = subject_copy;
    memcpy(o->cert_hash, hash, BGC_CERT_HASH_BYTES);
    commit(job);
    bgc_free(old_store);
    bgc_free(old_subject);
    return BGC_OK;
}

int bgc_job_get_client_cert(struct bgc_job *job, int *present, unsigned *location, char **store,
                            unsigned char hash[BGC_CERT_HASH_BYTES], char **subject)
{
    const struct bgc__httpopts *o;
    int rc = BGC_OK;

    if (store)
        *store = NULL;
    if (subject)
        *subject = NULL;
    if (!job || !present || !location || !store || !hash || !subject)
        return BGC_E_INVALIDARG;
    *present = 0;
    LOCK(job);
    o = job->httpopts;
    if (o && o->cert_set) {
        *store = bgc_strdup(o->cert_store);
        *subject = bgc_strdup(o->cert_subject ? o->cert_subject : "");
        if (!*store || !*subject) {
            rc = BGC_E_NOMEM;
        } else {
            *present = 1;
            *location = o->cert_location;
            memcpy(hash, o->cert_hash, BGC_CERT_HASH_BYTES);
        }
    }
    UNLOCK(job);
    if (rc != BGC_OK) {
        bgc_free(*store);
        bgc_free(*subject);
        *store = *subject = NULL;
    }
    return rc;
}

int bgc_job_remove_client_cert(struct bgc_job *job, int *removed)
{
    struct bgc__httpopts *o;
    char *old_store, *old_subject;
    int rc;

    if (!removed)
        return BGC_E_INVALIDARG;
    *removed = 0;
    rc = begin(job, &o);
    if (rc != BGC_OK)
        return rc;
    if (!o->cert_set) {
        UNLOCK(job);
        return BGC_OK;
    }
    old_store = o->cert_store;
    old_subject = o->cert_subject;
    o->cert_set = 0;
    o->cert_store = o->cert_subject = NULL;
    memset(o->cert_hash, 0, sizeof(o->cert_hash));
    commit(job);
    bgc_free(old_store);
    bgc_free(old_subject);
    *removed = 1;
    return BGC_OK;
}

/* Schannel's store-path spelling of BG_CERT_STORE_LOCATION (libcurl CURLOPT_SSLCERT). */
static const char *const cert_locations[8] = {
    "CurrentUser", "LocalMachine", "CurrentService", "Services", "Users",
    "CurrentUserGroupPolicy", "LocalMachineGroupPolicy", "LocalMachineEnterprise",
};

/* ---- Transfer hooks ------------------------------------------------------------------- */

struct bgc__httpx {
    struct bgc_job *job;       /* engine: the xfer's job (the xfer holds the reference) */
    size_t index;              /* engine: file index */
    void *easy;                /* engine: the handle */
    unsigned policy;           /* engine: BGC_REDIRECT_* policy of this transfer */
    int https_to_http;         /* engine: ALLOW_HTTPS_TO_HTTP */
    size_t (*inner)(char *, size_t, size_t, void *); /* engine: transfer.c's callback */
    void *inner_data;
    long status;               /* engine: status of the response being received */
    char *location;            /* engine: its Location header, or NULL */
    int refused;               /* engine: 0, BGC_E_REDIRECT_DISALLOWED or _SCHEME */
    long refused_status;       /* engine: the redirect status that was refused */
    char *refused_target;      /* engine: where it pointed (absolute), or NULL */
    int has_validator;         /* engine: the job had a certificate validator (no reference:
                                * the engine never drops the last one, invariant 7) */
    int cert_refused;          /* engine: 0, BGC_E_CERT_REJECTED or BGC_E_CERT_VALIDATOR_GONE */
    int cert_detail;           /* engine: the validator's detail (an HRESULT) */
    int cert_pending;          /* engine: aborted to let the worker ask the validator */
};

void bgc__httpx_free(struct bgc__httpx *h)
{
    if (!h)
        return;
    bgc_free(h->location);
    bgc_free(h->refused_target);
    bgc_free(h);
}

/* Lowercase scheme of an absolute URL into out ("" when none). */
static void url_scheme(const char *url, char *out, size_t n)
{
    size_t i = 0;

    out[0] = '\0';
    while (url[i] && url[i] != ':' && i + 1 < n) {
        char c = url[i];

        out[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        i++;
    }
    if (url[i] != ':')
        i = 0;
    out[i] = '\0';
}

/* Resolves a Location value against the current URL. bgc_malloc'd, NULL if it fails. */
static char *resolve_location(void *easy, const char *location)
{
    char *base = NULL, *full = NULL, *copy = NULL;
    CURLU *u = curl_url();

    if (!u)
        return NULL;
    curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &base);
    if (base && curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_URL, location, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_URL, &full, 0) == CURLUE_OK)
        copy = bgc_strdup(full);
    curl_free(full);
    curl_url_cleanup(u);
    return copy;
}

/* Decides on a redirect response whose headers just ended (invariant 4). Returns 1 to let
 * libcurl follow it, 0 to stop the transfer. */
static int redirect_allowed(struct bgc__httpx *h)
{
    char from[16], to[16], *target, *cur = NULL;

    target = resolve_location(h->easy, h->location);
    if (!target)
        return 1; /* libcurl will fail on it itself */
    curl_easy_getinfo(h->easy, CURLINFO_EFFECTIVE_URL, &cur);
    url_scheme(cur ? cur : "", from, sizeof(from));
    url_scheme(target, to, sizeof(to));
    if (h->policy == BGC_REDIRECT_DISALLOW)
        h->refused = BGC_E_REDIRECT_DISALLOWED;
    else if (strcmp(to, "http") && strcmp(to, "https"))
        h->refused = BGC_E_REDIRECT_SCHEME; /* never to file, ftp, SMB... (X10) */
    else if (!strcmp(from, "https") && !strcmp(to, "http") && !h->https_to_http)
        h->refused = BGC_E_REDIRECT_SCHEME;
    if (!h->refused) {
        bgc_free(target);
        return 1;
    }
    h->refused_status = h->status;
    h->refused_target = target;
    return 0;
}

static int is_redirect_status(long s)
{
    return (s >= 300 && s <= 303) || s == 307 || s == 308;
}

static size_t on_header(char *buf, size_t size, size_t nitems, void *p)
{
    struct bgc__httpx *h = p;
    size_t n = size * nitems;

    if (n >= 5 && !memcmp(buf, "HTTP/", 5)) {
        h->status = 0;
        sscanf(buf, "HTTP/%*s %ld", &h->status);
        bgc_free(h->location);
        h->location = NULL;
    } else if (n > 9 && curl_strnequal(buf, "location:", 9)) {
        size_t a = 9, b = n;

        while (a < b && (buf[a] == ' ' || buf[a] == '\t'))
            a++;
        while (b > a && (buf[b - 1] == '\r' || buf[b - 1] == '\n' || buf[b - 1] == ' '))
            b--;
        bgc_free(h->location);
        h->location = bgc_malloc(b - a + 1);
        if (h->location) {
            memcpy(h->location, buf + a, b - a);
            h->location[b - a] = '\0';
        }
    } else if (n <= 2 && (buf[0] == '\r' || buf[0] == '\n')) {
        if (is_redirect_status(h->status) && h->location && h->location[0] && !redirect_allowed(h))
            return 0; /* stops the transfer; bgc__httpx_result reports it */
    }
    return h->inner(buf, size, nitems, h->inner_data);
}

/* ---- Server certificate validation (HttpOptions3) ------------------------------------ */

int bgc_job_set_cert_validator(struct bgc_job *job, const struct bgc_cert_validator *v)
{
    struct bgc__httpopts *o;
    struct bgc__validator *fresh = NULL, *old;
    struct bgc__accepted *cache, *verdict;
    int rc;

    if (v && !v->validate)
        return BGC_E_INVALIDARG;
    if (v) {
        fresh = bgc_calloc(1, sizeof(*fresh));
        if (!fresh)
            return BGC_E_NOMEM;
        atomic_init(&fresh->refs, 1);
        fresh->v = *v;
    }
    rc = begin(job, &o);
    if (rc != BGC_OK) {
        bgc_free(fresh); /* not ours yet: no release */
        return rc;
    }
    if (job->state != BGC_STATE_SUSPENDED && job->state != BGC_STATE_ERROR &&
        job->state != BGC_STATE_TRANSFERRED) {
        UNLOCK(job);
        bgc_free(fresh);
        return BGC_E_READ_ONLY_WHEN_JOB_ACTIVE;
    }
    old = o->validator;
    cache = o->accepted;
    verdict = o->verdict;
    o->validator = fresh;
    o->accepted = NULL; /* last setter wins and starts with an empty cache */
    o->verdict = NULL;
    commit(job);
    validator_unref(old);
    accepted_free(cache);
    accepted_free(verdict);
    bgc_log(BGC_LOG_TRACE, CH, "job %p: certificate validator %s", (void *)job, v ? "set" : "removed");
    return BGC_OK;
}

static int b64(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* The DER of the first certificate in libcurl's certinfo entry ("Cert:" + PEM). */
static unsigned char *pem_to_der(const char *pem, size_t *len)
{
    const char *p = strstr(pem, "-----BEGIN CERTIFICATE-----"), *end;
    unsigned char *der;
    unsigned acc = 0;
    int bits = 0;

    *len = 0;
    if (!p)
        return NULL;
    p += 27;
    end = strstr(p, "-----END CERTIFICATE-----");
    if (!end || !(der = bgc_malloc((size_t)(end - p))))
        return NULL;
    for (; p < end; p++) {
        int v = b64((unsigned char)*p);

        if (v < 0)
            continue; /* line breaks, '=' padding */
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            der[(*len)++] = (unsigned char)(acc >> bits);
        }
    }
    return der;
}

/* dispatch area (issue 3 item 9): a certificate for the worker (worker.c) to show the job's
 * validator. Owns everything it points to; the job reference is dropped with
 * bgc__job_unref_deferred, so no user destructor runs on the worker. */
struct cert_check {
    struct bgc__work work; /* first member */
    struct bgc_job *job;   /* a reference */
    size_t index;
    char *host_port;
    unsigned char *der;
    size_t len;
};

static int cert_matches(const struct bgc__accepted *a, const char *host_port, const unsigned char *der, size_t len)
{
    return !strcmp(a->host_port, host_port) && a->len == len && !memcmp(a->der, der, len);
}

/* The worker's half of invariant 7: asks the job's current validator (no lock held), records
 * the answer (accepted: the cache; refused: o->verdict), clears job->cert_wait and wakes the
 * engine, which restarts the transfer. */
static void cert_check_run(struct bgc__work *w, int cancelled)
{
    struct cert_check *c = (struct cert_check *)w;
    struct bgc_job *job = c->job;
    struct bgc__httpopts *o;
    struct bgc__validator *v = NULL;
    struct bgc__accepted *a = NULL, *old = NULL;
    int rc = BGC_E_CERT_REJECTED, detail = 0;

    LOCK(job);
    if (!cancelled && job->httpopts && (v = job->httpopts->validator))
        atomic_fetch_add(&v->refs, 1);
    UNLOCK(job);
    if (v) {
        bgc_log(BGC_LOG_TRACE, CH, "job %p file %lu: asking the certificate validator about %s", (void *)job,
                (unsigned long)c->index, c->host_port);
        rc = v->v.validate(v->v.ctx, job, c->index, c->der, c->len, &detail);
        if (rc != BGC_OK && rc != BGC_E_CERT_VALIDATOR_GONE)
            rc = BGC_E_CERT_REJECTED;
        a = bgc_calloc(1, sizeof(*a));
        if (a) {
            a->host_port = c->host_port;
            a->der = c->der;
            a->len = c->len;
            a->rc = rc;
            a->detail = detail;
            c->host_port = NULL;
            c->der = NULL;
        }
    }
    LOCK(job);
    o = job->httpopts;
    if (a && o && o->validator == v) { /* not replaced meanwhile (that clears the cache) */
        if (rc == BGC_OK) {
            a->next = o->accepted;
            o->accepted = a;
        } else {
            old = o->verdict;
            o->verdict = a;
        }
        a = NULL;
    }
    job->cert_wait = 0;
    if (job->q->engine)
        bgc__engine_wake(job->q->engine);
    UNLOCK(job);
    accepted_free(old);
    accepted_free(a); /* out of memory, replaced, or cancelled: asked again on restart */
    validator_unref(v); /* never on the engine thread */
    bgc_free(c->host_port);
    bgc_free(c->der);
    bgc__job_unref_deferred(job);
    bgc_free(c);
}

/* CURLOPT_PREREQFUNCTION (engine thread): the connection (and its TLS handshake, with
 * libcurl's own validation) is up and the request not yet sent. A (host:port, certificate)
 * the validator accepted goes on; one it just refused ends the transfer with that answer;
 * any other is handed to the worker and this transfer aborted (invariant 7). */
static int prereq(void *p, char *primary_ip, char *local_ip, int primary_port, int local_port)
{
    struct bgc__httpx *h = p;
    struct curl_certinfo *ci = NULL;
    struct bgc__accepted *a, *verdict = NULL;
    struct cert_check *c = NULL;
    const char *scheme = NULL;
    char *url = NULL, *host = NULL, host_port[300];
    unsigned char *der = NULL;
    size_t len = 0;
    int known = 0, ask = 0, gone, rc;
    CURLU *u;

    (void)primary_ip;
    (void)local_ip;
    (void)local_port;
    curl_easy_getinfo(h->easy, CURLINFO_SCHEME, &scheme);
    if (!scheme || !curl_strequal(scheme, "https"))
        return CURL_PREREQFUNC_OK;
    curl_easy_getinfo(h->easy, CURLINFO_EFFECTIVE_URL, &url);
    u = curl_url();
    if (u && url && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK)
        curl_url_get(u, CURLUPART_HOST, &host, 0);
    snprintf(host_port, sizeof(host_port), "%s:%d", host ? host : "", primary_port);
    curl_free(host);
    curl_url_cleanup(u);
    curl_easy_getinfo(h->easy, CURLINFO_CERTINFO, &ci);
    for (struct curl_slist *e = ci && ci->num_of_certs > 0 ? ci->certinfo[0] : NULL; e && !der; e = e->next)
        if (!strncmp(e->data, "Cert:", 5))
            der = pem_to_der(e->data + 5, &len);
    if (!der) {
        /* No certificate to show: refuse rather than skip the application's check. */
        bgc_log(BGC_LOG_WARN, CH, "job %p: no server certificate to validate for %s", (void *)h->job, host_port);
        h->cert_refused = BGC_E_CERT_REJECTED;
        h->cert_detail = (int)0x80092004; /* CRYPT_E_NOT_FOUND */
        return CURL_PREREQFUNC_ABORT;
    }
    c = bgc_calloc(1, sizeof(*c));
    if (c && !(c->host_port = bgc_strdup(host_port))) {
        bgc_free(c);
        c = NULL;
    }
    LOCK(h->job);
    for (a = h->job->httpopts ? h->job->httpopts->accepted : NULL; a && !known; a = a->next)
        known = cert_matches(a, host_port, der, len);
    if (!known && h->job->httpopts && (verdict = h->job->httpopts->verdict) &&
        cert_matches(verdict, host_port, der, len))
        h->job->httpopts->verdict = NULL; /* taken once */
    else
        verdict = NULL;
    gone = !h->job->httpopts || !h->job->httpopts->validator;
    if (!known && !verdict && c && !gone) {
        h->job->cert_wait = 1; /* before the worker can clear it */
        ask = 1;
    }
    UNLOCK(h->job);
    if (known || verdict) {
        if (verdict) {
            h->cert_refused = verdict->rc;
            h->cert_detail = verdict->detail;
            accepted_free(verdict);
        }
        if (c)
            bgc_free(c->host_port);
        bgc_free(c);
        bgc_free(der);
        return h->cert_refused ? CURL_PREREQFUNC_ABORT : CURL_PREREQFUNC_OK;
    }
    if (!ask) { /* out of memory (transient), or the validator was removed: the job is not
                 * running any more (only allowed while SUSPENDED/ERROR/TRANSFERRED) */
        if (c)
            bgc_free(c->host_port);
        bgc_free(c);
        bgc_free(der);
        if (gone) {
            h->cert_pending = 1;
        } else {
            h->cert_refused = BGC_E_CERT_REJECTED;
            h->cert_detail = (int)0x8007000E; /* E_OUTOFMEMORY */
        }
        return CURL_PREREQFUNC_ABORT;
    }
    c->work.run = cert_check_run;
    c->job = bgc_job_ref(h->job);
    c->index = h->index;
    c->der = der;
    c->len = len;
    rc = bgc__worker_submit(h->job->q, &c->work);
    if (rc != BGC_OK) {
        LOCK(h->job);
        h->job->cert_wait = 0;
        UNLOCK(h->job);
        bgc__job_unref_deferred(c->job);
        bgc_free(c->host_port);
        bgc_free(c->der);
        bgc_free(c);
        if (rc == BGC_E_STOPPING) {
            h->cert_pending = 1;
        } else {
            h->cert_refused = BGC_E_CERT_REJECTED;
            h->cert_detail = (int)0x8007000E; /* E_OUTOFMEMORY: transient, retried */
        }
        return CURL_PREREQFUNC_ABORT;
    }
    bgc_log(BGC_LOG_TRACE, CH, "job %p file %lu: certificate of %s handed to the worker", (void *)h->job,
            (unsigned long)h->index, host_port);
    h->cert_pending = 1;
    return CURL_PREREQFUNC_ABORT;
}

/* Appends each CR LF separated line of the custom headers to the request header list. */
static int add_custom_headers(struct curl_slist **list, const char *headers)
{
    const char *p = headers;

    while (*p) {
        const char *end = p;
        char *line;
        struct curl_slist *grown;

        while (*end && *end != '\r' && *end != '\n')
            end++;
        if (end > p) {
            line = bgc_malloc((size_t)(end - p) + 1);
            if (!line)
                return BGC_E_NOMEM;
            memcpy(line, p, (size_t)(end - p));
            line[end - p] = '\0';
            grown = curl_slist_append(*list, line);
            bgc__wipe_free(line);
            if (!grown)
                return BGC_E_NOMEM;
            *list = grown;
        }
        while (*end == '\r' || *end == '\n')
            end++;
        p = end;
    }
    return BGC_OK;
}

/* What apply copies under the lock. */
struct snapshot {
    char *headers, *method, *proxy_list, *proxy_bypass, *cert;
    unsigned flags;
    int proxy_usage;
    struct bgc__creds_snapshot creds;
    int has_validator;
};

static void snapshot_free(struct snapshot *s)
{
    bgc__wipe_free(s->headers);
    bgc_free(s->method);
    bgc_free(s->proxy_list);
    bgc_free(s->proxy_bypass);
    bgc_free(s->cert);
    bgc__creds_snapshot_wipe(&s->creds);
}

static char *cert_path(const struct bgc__httpopts *o)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(cert_locations[o->cert_location]) + strlen(o->cert_store) + 2 + 40 + 1;
    char *s = bgc_malloc(n), *p;

    if (!s)
        return NULL;
    p = s + snprintf(s, n, "%s\\%s\\", cert_locations[o->cert_location], o->cert_store);
    for (int i = 0; i < BGC_CERT_HASH_BYTES; i++) {
        *p++ = hex[o->cert_hash[i] >> 4];
        *p++ = hex[o->cert_hash[i] & 15];
    }
    *p = '\0';
    return s;
}

/* Copies the job's options (lock held). */
static int take_snapshot(const struct bgc_job *job, struct snapshot *s)
{
    const struct bgc__httpopts *o = job->httpopts;

    memset(s, 0, sizeof(*s));
    if (!o)
        return BGC_OK;
    s->flags = o->security_flags;
    s->proxy_usage = o->proxy_usage;
    s->has_validator = o->validator != NULL;
    if ((o->headers && !(s->headers = bgc_strdup(o->headers))) ||
        (o->method && !(s->method = bgc_strdup(o->method))) ||
        (o->proxy_list && !(s->proxy_list = bgc_strdup(o->proxy_list))) ||
        (o->proxy_bypass && !(s->proxy_bypass = bgc_strdup(o->proxy_bypass))) ||
        (o->cert_set && !(s->cert = cert_path(o))) || bgc__creds_snapshot(job, &s->creds) != BGC_OK) {
        snapshot_free(s);
        return BGC_E_NOMEM;
    }
    return BGC_OK;
}

static void apply_error(struct bgc_error *err, size_t index, int code, const char *text)
{
    memset(err, 0, sizeof(*err));
    err->code = code;
    err->context = code == BGC_E_INVALID_PROXY_INFO ? BGC_CTX_GENERAL_TRANSPORT : BGC_CTX_GENERAL_QUEUE_MANAGER;
    err->file_index = (long)index;
    snprintf(err->message, sizeof(err->message), "%s", text);
}

int bgc__httpopts_apply(const struct bgc__httpopts_in *in, struct bgc__httpx **out, struct bgc_error *err)
{
    struct bgc__httpx *h = bgc_calloc(1, sizeof(*h));
    CURL *c = in->easy;
    struct snapshot s;
    int rc;

    *out = NULL;
    if (!h) {
        apply_error(err, in->index, BGC_E_TRANSPORT, "out of memory for the HTTP options");
        return BGC_E_TRANSPORT;
    }
    LOCK(in->job);
    rc = take_snapshot(in->job, &s);
    UNLOCK(in->job);
    if (rc != BGC_OK) {
        bgc_free(h);
        apply_error(err, in->index, BGC_E_TRANSPORT, "out of memory for the HTTP options");
        return BGC_E_TRANSPORT;
    }
    h->job = in->job;
    h->index = in->index;
    h->easy = c;
    h->policy = s.flags & BGC_REDIRECT_MASK;
    h->https_to_http = (s.flags & BGC_REDIRECT_ALLOW_HTTPS_TO_HTTP) != 0;
    h->inner = in->on_header;
    h->inner_data = in->header_data;

    if (in->is_http) {
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, (void *)h);
        if (s.headers && add_custom_headers(in->headers, s.headers) != BGC_OK)
            rc = BGC_E_NOMEM;
        if (*in->headers)
            curl_easy_setopt(c, CURLOPT_HTTPHEADER, *in->headers);
        if (s.method) { /* invariant 6 */
            curl_easy_setopt(c, CURLOPT_RANGE, NULL);
            if (!strcmp(s.method, "HEAD"))
                curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
            else
                curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, s.method);
        }
        /* Invariant 5. */
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, (s.flags & BGC_SSL_IGNORE_CERT_CN_INVALID) ? 0L : 2L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER,
                         (s.flags & (BGC_SSL_IGNORE_UNKNOWN_CA | BGC_SSL_IGNORE_CERT_DATE_INVALID |
                                     BGC_SSL_IGNORE_CERT_WRONG_USAGE))
                             ? 0L
                             : 1L);
        curl_easy_setopt(c, CURLOPT_SSL_OPTIONS,
                         (s.flags & BGC_SSL_ENABLE_CRL_CHECK) ? 0L : (long)CURLSSLOPT_NO_REVOKE);
        if (s.cert)
            curl_easy_setopt(c, CURLOPT_SSLCERT, s.cert);
        if (s.has_validator) { /* HttpOptions3: see prereq() */
            h->has_validator = 1;
            curl_easy_setopt(c, CURLOPT_CERTINFO, 1L);
            /* A connection of the shared pool may have been set up for another job, without
             * this validator, and shows no certificate: own connections only. */
            curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
            curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
            curl_easy_setopt(c, CURLOPT_PREREQFUNCTION, prereq);
            curl_easy_setopt(c, CURLOPT_PREREQDATA, (void *)h);
        }
        bgc__creds_apply(c, &s.creds);
        if (rc == BGC_OK)
            rc = bgc__proxy_apply(c, in->url, s.proxy_usage, s.proxy_list, s.proxy_bypass);
    }
    snapshot_free(&s);
    if (rc == BGC_E_INVALID_PROXY_INFO) {
        apply_error(err, in->index, rc, "the job's proxy list or bypass list is not valid");
        bgc__httpx_free(h);
        return rc;
    }
    if (rc != BGC_OK) {
        apply_error(err, in->index, BGC_E_TRANSPORT, "out of memory for the HTTP options");
        bgc__httpx_free(h);
        return BGC_E_TRANSPORT;
    }
    *out = h;
    return BGC_OK;
}

int bgc__httpx_result(struct bgc__httpx *h, int curl_result, struct bgc_error *err)
{
    long redirects = 0;
    char *final = NULL;

    (void)curl_result;
    if (!h)
        return 0;
    if (h->cert_pending)
        return 3; /* invariant 7: the worker asks the validator; the job waits */
    if (h->cert_refused) {
        memset(err, 0, sizeof(*err));
        err->code = h->cert_refused;
        err->context = BGC_CTX_SERVER_CERTIFICATE_CALLBACK;
        err->file_index = (long)h->index;
        err->os_error = h->cert_detail;
        strcpy(err->protocol, "http");
        snprintf(err->message, sizeof(err->message), "%s (%#x)",
                 h->cert_refused == BGC_E_CERT_REJECTED ? "the server certificate validation callback rejected "
                                                          "the certificate"
                                                        : "the server certificate validation callback is not reachable",
                 (unsigned)h->cert_detail);
        bgc_log(BGC_LOG_INFO, CH, "job %p file %lu: %s", (void *)h->job, (unsigned long)h->index, err->message);
        return h->cert_refused == BGC_E_CERT_REJECTED ? 2 : 1;
    }
    if (h->refused) {
        memset(err, 0, sizeof(*err));
        err->code = h->refused;
        err->context = BGC_CTX_REMOTE_FILE;
        err->file_index = (long)h->index;
        err->http_status = h->refused == BGC_E_REDIRECT_DISALLOWED ? (int)h->refused_status : 0;
        strcpy(err->protocol, "http");
        snprintf(err->message, sizeof(err->message), "HTTP %ld redirect refused by the job's policy",
                 h->refused_status);
        bgc_log(BGC_LOG_INFO, CH, "job %p file %lu: %s", (void *)h->job, (unsigned long)h->index,
                err->message);
        if (h->refused == BGC_E_REDIRECT_DISALLOWED && h->refused_target &&
            bgc_job_set_file_remote_name(h->job, h->index, h->refused_target) != BGC_OK)
            bgc_log(BGC_LOG_WARN, CH, "job %p file %lu: cannot record the redirect target",
                    (void *)h->job, (unsigned long)h->index);
        return 1;
    }
    if (h->policy != BGC_REDIRECT_ALLOW_REPORT)
        return 0;
    curl_easy_getinfo(h->easy, CURLINFO_REDIRECT_COUNT, &redirects);
    curl_easy_getinfo(h->easy, CURLINFO_EFFECTIVE_URL, &final);
    if (redirects > 0 && final && bgc_job_set_file_remote_name(h->job, h->index, final) != BGC_OK)
        bgc_log(BGC_LOG_WARN, CH, "job %p file %lu: cannot record the final URL", (void *)h->job,
                (unsigned long)h->index);
    return 0;
}

void bgc__httpopts_drop_secrets(struct bgc_job *job)
{
    struct bgc__httpopts *o = job->httpopts;

    if (!o)
        return;
    bgc__wipe_free(o->headers);
    o->headers = NULL;
    o->headers_write_only = 0;
    bgc_free(o->cert_store);
    bgc_free(o->cert_subject);
    o->cert_store = o->cert_subject = NULL;
    o->cert_set = 0;
    bgc__creds_free_all(o);
    o->stored_cred_target = 0;
}
