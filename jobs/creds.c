/*
 * creds.c - the credentials of a job (IBackgroundCopyJob2 SetCredentials/RemoveCredentials,
 * Job5 USE_STORED_CREDENTIALS) and how a transfer hands them to libcurl.
 *
 * Invariants:
 *  1. One entry per (target, scheme); a new one replaces the old (bits-behavior 2.3).
 *  2. Passwords are wiped before their memory is freed, are never logged, and have no getter
 *     (X7, X16). The snapshot a transfer takes is wiped as soon as libcurl has its copy.
 *  3. A transfer uses, per target, the strongest scheme that has an entry (Negotiate, NTLM,
 *     Digest, Basic) and offers libcurl that scheme only; BASIC is sent preemptively, the
 *     others after the server's challenge. NTLM/Negotiate entries without a user name use
 *     the implicit credentials of the transfer's identity (libcurl: empty user and password
 *     with SSPI). With USE_STORED_CREDENTIALS for the proxy and no proxy entry, the proxy gets
 *     Negotiate/NTLM with implicit credentials.
 *  4. 401 and 407 answers are fatal (R3) through the R4 status table of transfer.c.
 */
#include "bgc.h"
#include "httpopts_int.h"
#include "jobs_int.h"

#include <curl/curl.h>
#include <string.h>

#define UNLOCK(job) bgc__queue_unlock((job)->q)

static void cred_clear(struct bgc__cred *c)
{
    bgc__wipe_free(c->user);
    bgc__wipe_free(c->password);
    c->user = c->password = NULL;
    c->set = 0;
}

void bgc__creds_free_all(struct bgc__httpopts *o)
{
    for (int t = 0; t < BGC__AUTH_TARGETS; t++)
        for (int s = 0; s < BGC__AUTH_SCHEMES; s++)
            cred_clear(&o->creds[t][s]);
}

/* Checks target and scheme of a Set/Remove call. */
static int check_pair(int target, int scheme)
{
    if (target != BGC_AUTH_TARGET_SERVER && target != BGC_AUTH_TARGET_PROXY)
        return BGC_E_INVALID_AUTH_TARGET;
    if (scheme < BGC_AUTH_SCHEME_BASIC || scheme > BGC_AUTH_SCHEME_NEGOTIATE)
        return BGC_E_INVALID_AUTH_SCHEME; /* PASSPORT included: not supported */
    return BGC_OK;
}

/* The option block under the lock, created if needed (see httpopts.c begin()). */
static int begin(struct bgc_job *job, struct bgc__httpopts **o)
{
    struct bgc__httpopts *spare = NULL;
    int rc;

    if (!job->httpopts && !(spare = bgc_calloc(1, sizeof(*spare))))
        return BGC_E_NOMEM;
    rc = bgc__job_begin_change(job);
    if (rc != BGC_OK) {
        bgc_free(spare);
        return rc;
    }
    *o = bgc__httpopts_get(job, &spare);
    bgc_free(spare);
    return BGC_OK;
}

int bgc_job_set_credentials(struct bgc_job *job, int target, int scheme, const char *user,
                            const char *password)
{
    struct bgc__httpopts *o;
    struct bgc__cred fresh = {1, NULL, NULL}, old;
    long n;
    int rc = check_pair(target, scheme);

    if (rc != BGC_OK || !job)
        return rc != BGC_OK ? rc : BGC_E_INVALIDARG;
    if (user) {
        n = bgc__utf8_count(user);
        if (n < 0)
            return BGC_E_INVALIDARG;
        if (n > BGC_MAX_USERNAME)
            return BGC_E_USERNAME_TOO_LARGE;
    }
    if (password) {
        n = bgc__utf8_count(password);
        if (n < 0)
            return BGC_E_INVALIDARG;
        if (n > BGC_MAX_PASSWORD)
            return BGC_E_PASSWORD_TOO_LARGE;
    }
    if ((scheme == BGC_AUTH_SCHEME_BASIC || scheme == BGC_AUTH_SCHEME_DIGEST) && (!user || !password))
        return BGC_E_INVALIDARG;
    if ((user && !(fresh.user = bgc_strdup(user))) ||
        ((user || password) && !(fresh.password = bgc_strdup(password ? password : "")))) {
        cred_clear(&fresh);
        return BGC_E_NOMEM;
    }
    rc = begin(job, &o);
    if (rc != BGC_OK) {
        cred_clear(&fresh);
        return rc;
    }
    old = o->creds[target - 1][scheme - 1];
    o->creds[target - 1][scheme - 1] = fresh;
    bgc__job_touch(job);
    UNLOCK(job);
    cred_clear(&old);
    bgc_log(BGC_LOG_TRACE, "httpopts", "job %p: credentials set for target %d scheme %d", (void *)job,
            target, scheme);
    return BGC_OK;
}

int bgc_job_remove_credentials(struct bgc_job *job, int target, int scheme, int *removed)
{
    struct bgc__httpopts *o;
    struct bgc__cred old = {0, NULL, NULL};
    int rc = check_pair(target, scheme);

    if (!removed)
        return BGC_E_INVALIDARG;
    *removed = 0;
    if (rc != BGC_OK || !job)
        return rc != BGC_OK ? rc : BGC_E_INVALIDARG;
    rc = begin(job, &o);
    if (rc != BGC_OK)
        return rc;
    if (o->creds[target - 1][scheme - 1].set) {
        old = o->creds[target - 1][scheme - 1];
        memset(&o->creds[target - 1][scheme - 1], 0, sizeof(old));
        *removed = 1;
        bgc__job_touch(job);
    }
    UNLOCK(job);
    cred_clear(&old);
    return BGC_OK;
}

int bgc_job_set_use_stored_credentials(struct bgc_job *job, unsigned target)
{
    struct bgc__httpopts *o;
    int rc;

    if (target != 0 && target != BGC_AUTH_TARGET_PROXY)
        return BGC_E_USE_STORED_CREDENTIALS_NOT_SUPPORTED;
    if (!job)
        return BGC_E_INVALIDARG;
    rc = begin(job, &o);
    if (rc != BGC_OK)
        return rc;
    o->stored_cred_target = target;
    bgc__job_touch(job);
    UNLOCK(job);
    return BGC_OK;
}

unsigned bgc_job_get_use_stored_credentials(struct bgc_job *job)
{
    unsigned t;

    bgc__mutex_lock(job->q->lock);
    t = job->httpopts ? job->httpopts->stored_cred_target : 0;
    UNLOCK(job);
    return t;
}

/* ---- Transfer side ------------------------------------------------------------------- */

/* Invariant 3: strongest scheme with an entry, or 0. */
static int pick(const struct bgc__cred *row)
{
    static const int order[] = {BGC_AUTH_SCHEME_NEGOTIATE, BGC_AUTH_SCHEME_NTLM,
                                 BGC_AUTH_SCHEME_DIGEST, BGC_AUTH_SCHEME_BASIC};

    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
        if (row[order[i] - 1].set)
            return order[i];
    return 0;
}

static int copy_pair(const struct bgc__cred *c, char **user, char **password)
{
    *user = bgc_strdup(c->user ? c->user : "");
    *password = bgc_strdup(c->password ? c->password : "");
    return *user && *password ? BGC_OK : BGC_E_NOMEM;
}

int bgc__creds_snapshot(const struct bgc_job *job, struct bgc__creds_snapshot *s)
{
    const struct bgc__httpopts *o = job->httpopts;
    int rc = BGC_OK;

    memset(s, 0, sizeof(*s));
    if (!o)
        return BGC_OK;
    s->server_scheme = pick(o->creds[0]);
    s->proxy_scheme = pick(o->creds[1]);
    if (s->server_scheme)
        rc = copy_pair(&o->creds[0][s->server_scheme - 1], &s->server_user, &s->server_password);
    if (rc == BGC_OK && s->proxy_scheme)
        rc = copy_pair(&o->creds[1][s->proxy_scheme - 1], &s->proxy_user, &s->proxy_password);
    if (rc == BGC_OK && !s->proxy_scheme && o->stored_cred_target == BGC_AUTH_TARGET_PROXY) {
        s->proxy_scheme = -1; /* implicit Negotiate/NTLM */
        s->proxy_user = bgc_strdup("");
        s->proxy_password = bgc_strdup("");
        if (!s->proxy_user || !s->proxy_password)
            rc = BGC_E_NOMEM;
    }
    if (rc != BGC_OK)
        bgc__creds_snapshot_wipe(s);
    return rc;
}

void bgc__creds_snapshot_wipe(struct bgc__creds_snapshot *s)
{
    bgc__wipe_free(s->server_user);
    bgc__wipe_free(s->server_password);
    bgc__wipe_free(s->proxy_user);
    bgc__wipe_free(s->proxy_password);
    memset(s, 0, sizeof(*s));
}

static unsigned long curl_auth(int scheme)
{
    switch (scheme) {
    case BGC_AUTH_SCHEME_BASIC: return CURLAUTH_BASIC;
    case BGC_AUTH_SCHEME_DIGEST: return CURLAUTH_DIGEST;
    case BGC_AUTH_SCHEME_NTLM: return CURLAUTH_NTLM;
    case BGC_AUTH_SCHEME_NEGOTIATE: return CURLAUTH_NEGOTIATE;
    default: return CURLAUTH_NEGOTIATE | CURLAUTH_NTLM; /* -1: stored (implicit) credentials */
    }
}

void bgc__creds_apply(void *easy, const struct bgc__creds_snapshot *s)
{
    CURL *c = easy;

    if (s->server_scheme) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, curl_auth(s->server_scheme));
        curl_easy_setopt(c, CURLOPT_USERNAME, s->server_user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, s->server_password);
        /* Credentials go to the host they were given for, not to a redirect target
         * (libcurl's default, kept explicitly). */
        curl_easy_setopt(c, CURLOPT_UNRESTRICTED_AUTH, 0L);
    }
    if (s->proxy_scheme) {
        curl_easy_setopt(c, CURLOPT_PROXYAUTH, curl_auth(s->proxy_scheme));
        curl_easy_setopt(c, CURLOPT_PROXYUSERNAME, s->proxy_user);
        curl_easy_setopt(c, CURLOPT_PROXYPASSWORD, s->proxy_password);
    }
}
