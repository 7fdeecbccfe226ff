/*
 * httpopts_int.h - the per-job HTTP options shared by httpopts.c (headers, security flags,
 * method, client certificate, transfer hooks), creds.c (credentials) and proxy.c (proxies).
 * Included by those three files only.
 *
 * Invariants:
 *  1. struct bgc__httpopts hangs off job->httpopts, is allocated by the first setter and
 *     freed with the job; every field is protected by q->lock.
 *  2. Secrets (passwords, custom headers) are wiped before their memory is freed and never
 *     passed to bgc_log (X16); the only readers are the getters allowed by bits-behavior.md
 *     (custom headers until made write-only) and the transfer hooks.
 */
#ifndef BGC_HTTPOPTS_INT_H
#define BGC_HTTPOPTS_INT_H

#include "jobs_int.h"

#define BGC__AUTH_TARGETS 2 /* SERVER, PROXY */
#define BGC__AUTH_SCHEMES 4 /* BASIC, DIGEST, NTLM, NEGOTIATE (PASSPORT is refused) */

struct bgc__cred {
    int set;        /* lock: an entry exists */
    char *user;     /* lock: NULL for implicit credentials (NTLM/Negotiate) */
    char *password; /* lock: idem; wiped before free */
};

struct bgc__httpopts {
    char *headers;            /* lock: custom headers as given, NULL = none; wiped on free */
    int headers_write_only;   /* lock: MakeCustomHeadersWriteOnly was called (irreversible) */
    unsigned security_flags;  /* lock: BGC_SSL_* | BGC_REDIRECT_* */
    char *method;             /* lock: custom HTTP method, NULL = the default "GET" */
    int cert_set;             /* lock: a client certificate is selected */
    unsigned cert_location;   /* lock: BG_CERT_STORE_LOCATION */
    char *cert_store;         /* lock: store name */
    unsigned char cert_hash[BGC_CERT_HASH_BYTES]; /* lock: SHA-1 thumbprint */
    char *cert_subject;       /* lock: subject given to ByName, NULL for ByID */
    struct bgc__cred creds[BGC__AUTH_TARGETS][BGC__AUTH_SCHEMES]; /* lock: [target-1][scheme-1] */
    unsigned stored_cred_target; /* lock: Job5 USE_STORED_CREDENTIALS (0 or PROXY) */
    int proxy_usage;          /* lock: BGC_PROXY_* */
    char *proxy_list;         /* lock: NULL unless OVERRIDE */
    char *proxy_bypass;       /* lock: may be NULL */
    struct bgc__validator *validator; /* lock: HttpOptions3 certificate validator, or NULL */
    struct bgc__accepted *accepted;   /* lock: (host:port, certificate) the validator accepted */
    /* dispatch area (issue 3 item 9): the validator's last refusal, taken (once) by the
     * restarted transfer that meets the same (host:port, certificate); NULL = none. */
    struct bgc__accepted *verdict;    /* lock */
};

/* Zeroes and frees a string (NULL is a no-op). */
void bgc__wipe_free(char *s);
/* Returns job->httpopts, allocating it from *spare when it is NULL (*spare is then taken and
 * set to NULL). Lock held. NULL when both are NULL. */
struct bgc__httpopts *bgc__httpopts_get(struct bgc_job *job, struct bgc__httpopts **spare);

/* creds.c */
/* A copy of the credentials a transfer needs, taken under the lock. */
struct bgc__creds_snapshot {
    int server_scheme;       /* BGC_AUTH_SCHEME_* chosen for the server, 0 = none */
    char *server_user, *server_password;
    int proxy_scheme;        /* idem for the proxy */
    char *proxy_user, *proxy_password;
};
/* Fills s from job (lock held). BGC_OK or BGC_E_NOMEM (s then holds nothing). */
int bgc__creds_snapshot(const struct bgc_job *job, struct bgc__creds_snapshot *s);
void bgc__creds_apply(void *easy, const struct bgc__creds_snapshot *s);
void bgc__creds_snapshot_wipe(struct bgc__creds_snapshot *s);
void bgc__creds_free_all(struct bgc__httpopts *o);

/* proxy.c: configures the proxy of one transfer (no lock held). list/bypass: the job's
 * settings. BGC_OK, BGC_E_INVALID_PROXY_INFO or BGC_E_NOMEM. */
int bgc__proxy_apply(void *easy, const char *url, int usage, const char *list, const char *bypass);

#endif /* BGC_HTTPOPTS_INT_H */
