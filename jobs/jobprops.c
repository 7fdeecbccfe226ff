/*
 * jobprops.c - the job properties of IBackgroundCopyJob2..Job5 that belong to the core area
 * (issue 3): maximum download time (L17), peer caching flags, file ACL flags (F18), cost
 * flags, notification CLSID, minimum notification interval (N2), the notify command line
 * (Job2) and the owner facts of Job4 (integrity level, elevation), plus TakeOwnership (X5).
 *
 * Invariants:
 *  1. Every field lives in struct bgc_job under q->lock (jobs_int.h, "core area" block); the
 *     setters go through bgc__job_begin_change, so final or stopping jobs refuse them (G3)
 *     and a failing setter changes nothing (bgc.h invariant 4: allocation first).
 *  2. Stored-only properties (peer caching, ACL flags, cost flags, notification CLSID) have no
 *     effect on transfers: bgcopy has no peer cache, copies no ACLs, and has no source of
 *     network cost, so cost flags never block. They are reported back exactly as set.
 *  3. The notify command line is kept as two strings (NULL = not set); the getter reports ""
 *     for what is not set, never NULL.
 */
#include "bgc.h"
#include "jobs_int.h"

#include <string.h>

#define LOCK(job) bgc__mutex_lock((job)->q->lock)
#define UNLOCK(job) bgc__queue_unlock((job)->q)

void bgc__jobprops_init(struct bgc_job *job)
{
    job->max_download_time_s = BGC_DEF_MAX_DOWNLOAD_TIME_S;
    job->cost_flags = BGC_COST_TRANSFER_ALWAYS;
    job->min_notify_interval_ms = BGC_DEF_MIN_NOTIFY_INTERVAL_MS;
}

void bgc__jobprops_free(struct bgc_job *job)
{
    bgc_free(job->notify_program);
    bgc_free(job->notify_params);
    job->notify_program = job->notify_params = NULL;
}

/* Commits a setter: modification time (G7), JobModification (N2). Lock held; unlocks. */
static int commit(struct bgc_job *job)
{
    bgc__job_touch(job);
    UNLOCK(job);
    return BGC_OK;
}

#define GETTER(type, name, field)                                                               \
    type bgc_job_get_##name(struct bgc_job *job)                                                \
    {                                                                                           \
        type v;                                                                                 \
        LOCK(job);                                                                              \
        v = (type)job->field;                                                                   \
        UNLOCK(job);                                                                            \
        return v;                                                                               \
    }

/* ---- Job4: maximum download time (L17, L4, L33) ----------------------------------------- */

int bgc_job_set_max_download_time(struct bgc_job *job, unsigned seconds)
{
    int rc = bgc__job_begin_change(job);

    if (rc != BGC_OK)
        return rc;
    job->max_download_time_s = seconds;
    if (job->q->engine)
        bgc__engine_wake(job->q->engine); /* the limit may be over already */
    return commit(job);
}

GETTER(unsigned, max_download_time, max_download_time_s)

uint64_t bgc_job_get_download_time_ms(struct bgc_job *job)
{
    uint64_t v;

    LOCK(job);
    v = job->download_ms;
    if (job->download_since_ms)
        v += bgc__clock_ms() - job->download_since_ms;
    UNLOCK(job);
    return v;
}

/* ---- Job4: peer caching (no peer cache: stored only) ------------------------------------ */

int bgc_job_set_peer_caching_flags(struct bgc_job *job, unsigned flags)
{
    int rc;

    if (flags & ~BGC_PEER_CACHING_VALID_BITS)
        return BGC_E_UNSUPPORTED_VALUE; /* G4 */
    rc = bgc__job_begin_change(job);
    if (rc != BGC_OK)
        return rc;
    job->peer_caching_flags = flags;
    return commit(job);
}

GETTER(unsigned, peer_caching_flags, peer_caching_flags)

/* ---- Job3: file ACL flags (F18) --------------------------------------------------------- */

int bgc_job_set_file_acl_flags(struct bgc_job *job, unsigned flags)
{
    int rc;

    if (flags & ~BGC_FILE_ACL_VALID_BITS)
        return BGC_E_INVALIDARG; /* G4 exception: E_INVALIDARG */
    rc = bgc__job_begin_change(job);
    if (rc != BGC_OK)
        return rc;
    if (job->state == BGC_STATE_TRANSFERRED) {
        UNLOCK(job);
        return BGC_E_INVALID_STATE; /* state matrix: SetFileACLFlags after TRD */
    }
    job->file_acl_flags = flags;
    return commit(job);
}

GETTER(unsigned, file_acl_flags, file_acl_flags)

/* ---- Job5: cost flags, notification CLSID, minimum notification interval --------------- */

int bgc_job_set_cost_flags(struct bgc_job *job, uint32_t flags)
{
    int rc;

    if (flags & ~BGC_COST_VALID_BITS)
        return BGC_E_UNSUPPORTED_VALUE;
    rc = bgc__job_begin_change(job);
    if (rc != BGC_OK)
        return rc;
    job->cost_flags = flags;
    return commit(job);
}

GETTER(uint32_t, cost_flags, cost_flags)

int bgc_job_set_notify_clsid(struct bgc_job *job, const struct bgc_id *clsid)
{
    int rc;

    if (!clsid)
        return BGC_E_INVALIDARG;
    rc = bgc__job_begin_change(job);
    if (rc != BGC_OK)
        return rc;
    job->notify_clsid = *clsid; /* all-zero (GUID_NULL) means "none" */
    return commit(job);
}

void bgc_job_get_notify_clsid(struct bgc_job *job, struct bgc_id *out)
{
    LOCK(job);
    *out = job->notify_clsid;
    UNLOCK(job);
}

int bgc_job_set_min_notify_interval(struct bgc_job *job, unsigned ms)
{
    int rc = bgc__job_begin_change(job);

    if (rc != BGC_OK)
        return rc;
    job->min_notify_interval_ms = ms;
    bgc__notify_wake(job->q); /* an owed JobModification may be due earlier now */
    return commit(job);
}

GETTER(unsigned, min_notify_interval, min_notify_interval_ms)

/* ---- Job2: notify command line ---------------------------------------------------------- */

int bgc_job_set_notify_cmdline(struct bgc_job *job, const char *program, const char *params)
{
    char *p = NULL, *a = NULL;
    int rc;

    if (!program && params)
        return BGC_E_INVALIDARG; /* project choice (2.3) */
    if (program && !*program)
        return BGC_E_INVALIDARG;
    if (program && (size_t)bgc__utf8_count(program) > 4 * BGC_MAX_NOTIFY_PROGRAM)
        return BGC_E_STRING_TOO_LONG; /* server/ checks the exact UTF-16 limits */
    if (program) {
        p = bgc_strdup(program);
        a = params ? bgc_strdup(params) : NULL;
        if (!p || (params && !a)) {
            bgc_free(p);
            bgc_free(a);
            return BGC_E_NOMEM;
        }
    }
    rc = bgc__job_begin_change(job);
    if (rc != BGC_OK) {
        bgc_free(p);
        bgc_free(a);
        return rc;
    }
    bgc_free(job->notify_program);
    bgc_free(job->notify_params);
    job->notify_program = p; /* both NULL: removed */
    job->notify_params = a;
    return commit(job);
}

int bgc_job_get_notify_cmdline(struct bgc_job *job, char **program, char **params)
{
    char *p, *a;

    if (!program || !params)
        return BGC_E_INVALIDARG;
    *program = *params = NULL;
    if (!job)
        return BGC_E_INVALIDARG;
    LOCK(job);
    p = bgc_strdup(job->notify_program ? job->notify_program : "");
    a = bgc_strdup(job->notify_params ? job->notify_params : "");
    UNLOCK(job);
    if (!p || !a) {
        bgc_free(p);
        bgc_free(a);
        return BGC_E_NOMEM;
    }
    *program = p;
    *params = a;
    return BGC_OK;
}

/* ---- Job4: owner facts; TakeOwnership (X5) ---------------------------------------------- */

void bgc_job_set_owner_token_info(struct bgc_job *job, unsigned integrity_rid, int elevated)
{
    LOCK(job);
    job->owner_integrity = integrity_rid;
    job->owner_elevated = elevated ? 1 : 0;
    bgc__store_mark_job(job, 1); /* store area: P3, owner facts persist */
    UNLOCK(job);
}

GETTER(unsigned, owner_integrity, owner_integrity)
GETTER(int, owner_elevated, owner_elevated)

int bgc_job_take_ownership(struct bgc_job *job, const char *owner, unsigned integrity_rid, int elevated)
{
    char *copy;
    int rc;

    if (!owner || !*owner)
        return BGC_E_INVALIDARG;
    copy = bgc_strdup(owner);
    if (!copy)
        return BGC_E_NOMEM;
    rc = bgc__job_begin_change(job);
    if (rc != BGC_OK) {
        bgc_free(copy);
        return rc;
    }
    bgc_free(job->owner);
    job->owner = copy;
    job->owner_integrity = integrity_rid;
    job->owner_elevated = elevated ? 1 : 0;
    /* X5: the previous owner's command line must not run in the new owner's name. */
    bgc_free(job->notify_program);
    bgc_free(job->notify_params);
    job->notify_program = job->notify_params = NULL;
    bgc__httpopts_drop_secrets(job); /* httpopts area: credentials, certificate, headers */
    return commit(job);
}
