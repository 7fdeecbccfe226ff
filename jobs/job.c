/*
 * job.c - the job object: references, properties, validation, files, and the four state
 * requests of the API (resume, suspend, cancel, complete).
 *
 * Invariants:
 *  1. Every mutating call validates and allocates first, then takes q->lock, re-checks the
 *     job's state and commits; a failing call changes nothing (bgc.h invariant 4), which the
 *     OOM tests check for create_job and add_files.
 *  2. Final jobs (ACKNOWLEDGED, CANCELLED) refuse every mutation with BGC_E_INVALID_STATE
 *     (L29, G3); a job whose queue is gone (bgc_queue_free) refuses them with BGC_E_STOPPING.
 *     Getters always answer (L30).
 *  3. State changes go through bgc__job_set_state only (state.c).
 *  4. Cancel, Suspend and Complete return only after the engine has let go of the job's
 *     transfer (bounded wait), so a caller never races the engine for the temp files; Cancel
 *     and Complete touch files only after that, and never with the lock held.
 *  5. While `completing` is set (Complete is renaming files with the lock released), the
 *     engine leaves the job alone and the other state requests and add_files wait for it.
 *  6. Cancel deletes only temporary files this job created; it never touches a local name
 *     (F7). Complete replaces an existing local file (F5 project choice).
 *  7. Every successful setter, add_files and state request moves the modification time (G7).
 */
#include "bgc.h"
#include "jobs_int.h"

#include <string.h>

#define LOCK(job) bgc__mutex_lock((job)->q->lock)
#define UNLOCK(job) bgc__queue_unlock((job)->q)

static void free_file(struct bgc_file *f)
{
    if (!f)
        return;
    bgc_free(f->remote);
    bgc_free(f->url);
    bgc_free(f->local);
    bgc_free(f->temp);
    bgc_free(f->validator);
    bgc__file_free_ranges(f); /* files area */
    bgc_free(f);
}

struct bgc_job *bgc__job_new(struct bgc_queue *q, const struct bgc_id *id, const char *name,
                             enum bgc_job_type type, const char *owner)
{
    struct bgc_job *job = bgc_calloc(1, sizeof(*job));

    if (!job)
        return NULL;
    job->name = bgc_strdup(name);
    job->description = bgc_strdup("");
    job->owner = bgc_strdup(owner);
    if (!job->name || !job->description || !job->owner) {
        bgc_free(job->name);
        bgc_free(job->description);
        bgc_free(job->owner);
        bgc_free(job);
        return NULL;
    }
    atomic_init(&job->refs, 1);
    job->q = q;
    job->id = *id;
    job->type = type;
    job->state = BGC_STATE_SUSPENDED; /* L1: the initial state, not a transition */
    job->priority = BGC_PRIO_NORMAL;
    job->notify_flags = BGC_NOTIFY_DEFAULT;
    job->min_retry_delay_s = BGC__DEF_MIN_RETRY_DELAY_S;
    if (job->min_retry_delay_s < q->cfg.retry_delay_floor_s)
        job->min_retry_delay_s = q->cfg.retry_delay_floor_s;
    job->no_progress_timeout_s = BGC__DEF_NO_PROGRESS_TIMEOUT_S;
    job->t_creation = bgc__wallclock();
    job->t_modification = job->t_creation;
    job->active_ms = bgc__clock_ms(); /* inactivity area: L24 */
    bgc__jobprops_init(job); /* core area: Job2..Job5 property defaults */
    bgc__queue_ref(q);
    return job;
}

struct bgc_job *bgc_job_ref(struct bgc_job *job)
{
    if (job)
        atomic_fetch_add(&job->refs, 1);
    return job;
}

/* Frees a job whose last reference is gone. No lock may be held: the user destructor is
 * server/ code. */
static void job_free(struct bgc_job *job)
{
    struct bgc_queue *q = job->q;

    if (job->user_destroy)
        job->user_destroy(job->user);
    for (size_t i = 0; i < job->nfiles; i++)
        free_file(job->files[i]);
    bgc_free(job->files);
    bgc_free(job->name);
    bgc_free(job->description);
    bgc_free(job->owner);
    bgc__jobprops_free(job); /* core area */
    bgc__httpopts_free(job); /* httpopts area: wipes secrets */
    bgc_free(job);
    bgc__queue_unref(q);
}

void bgc_job_unref(struct bgc_job *job)
{
    if (job && atomic_fetch_sub(&job->refs, 1) == 1)
        job_free(job);
}

void bgc__job_unref_deferred(struct bgc_job *job)
{
    struct bgc_queue *q = job->q;
    int n = atomic_load(&job->refs);

    while (n > 1) {
        if (atomic_compare_exchange_weak(&job->refs, &n, n - 1))
            return; /* not the last reference */
    }
    if (!q->has_sink) {
        job_free(job); /* no notification thread, hence no thread setup to honour */
        return;
    }
    /* The last reference: nobody else can reach the job, so ->next is free for the chain
     * (the job is no longer listed). */
    bgc__mutex_lock(q->lock);
    job->next = q->graveyard;
    q->graveyard = job;
    bgc__notify_wake(q);
    bgc__mutex_unlock(q->lock);
}

void bgc__job_bury(struct bgc_queue *q)
{
    struct bgc_job *dead;

    bgc__mutex_lock(q->lock);
    dead = q->graveyard;
    q->graveyard = NULL;
    bgc__mutex_unlock(q->lock);
    while (dead) {
        struct bgc_job *next = dead->next;

        atomic_store(&dead->refs, 0);
        job_free(dead);
        dead = next;
    }
}

/* ---- Checks shared by several calls -------------------------------------------------- */

int bgc__check_display_name(const char *name)
{
    long n;

    if (!name)
        return BGC_E_INVALIDARG;
    n = bgc__utf8_count(name);
    if (n < 0)
        return BGC_E_INVALIDARG;
    return n > BGC_MAX_DISPLAY_NAME ? BGC_E_STRING_TOO_LONG : BGC_OK;
}

int bgc__job_runnable(const struct bgc_job *job)
{
    return bgc__state_is_active(job->state) && !job->completing && !job->q->stopping;
}

size_t bgc__job_next_file(const struct bgc_job *job)
{
    size_t i = 0; /* not files_transferred: F14 validation can reopen an earlier file */

    while (i < job->nfiles && job->files[i]->transferred)
        i++;
    return i;
}

void bgc__job_touch(struct bgc_job *job)
{
    job->t_modification = bgc__wallclock();
    job->active_ms = bgc__clock_ms(); /* inactivity area: L24 */
    bgc__notify_modified(job);
    bgc__store_mark_job(job, 1); /* store area: a client's change is durable on return */
}

void bgc__job_set_error(struct bgc_job *job, const struct bgc_error *err)
{
    job->error = *err;
    job->has_error = 1;
}

/* Waits (bounded) while Complete is renaming the job's files (invariant 5). Lock held. */
static int wait_not_completing(struct bgc_job *job)
{
    uint64_t deadline = bgc__clock_ms() + BGC__DETACH_WAIT_MS;

    while (job->completing) {
        uint64_t now = bgc__clock_ms();

        if (now >= deadline) {
            bgc_log(BGC_LOG_ERR, BGC__CH_JOB, "job %p: Complete still running after %u ms",
                    (void *)job, BGC__DETACH_WAIT_MS);
            return BGC_E_INVALID_STATE;
        }
        bgc__cond_timedwait(job->q->cond, job->q->lock, deadline - now);
    }
    return BGC_OK;
}

/* Common entry of every mutation: takes the lock and checks that the job may change
 * (invariant 2). On failure the lock is released again. */
static int begin_change(struct bgc_job *job)
{
    int rc;

    if (!job)
        return BGC_E_INVALIDARG;
    LOCK(job);
    rc = wait_not_completing(job);
    if (rc == BGC_OK && (job->q->stopping || job->q->stopped))
        rc = BGC_E_STOPPING;
    if (rc == BGC_OK && bgc__state_is_final(job->state))
        rc = BGC_E_INVALID_STATE;
    if (rc != BGC_OK)
        UNLOCK(job);
    return rc;
}

int bgc__job_begin_change(struct bgc_job *job) /* core area: for jobprops.c */
{
    return begin_change(job);
}

/* ---- Plain properties ---------------------------------------------------------------- */

void bgc_job_get_id(const struct bgc_job *job, struct bgc_id *out)
{
    *out = job->id;
}

enum bgc_job_type bgc_job_get_type(const struct bgc_job *job)
{
    return job->type;
}

enum bgc_state bgc_job_get_state(struct bgc_job *job)
{
    enum bgc_state s;

    LOCK(job);
    s = job->state;
    UNLOCK(job);
    return s;
}

int bgc_job_get_owner(struct bgc_job *job, char **out)
{
    if (!out)
        return BGC_E_INVALIDARG;
    *out = NULL;
    if (!job)
        return BGC_E_INVALIDARG;
    LOCK(job); /* owner changes with bgc_job_take_ownership */
    *out = bgc_strdup(job->owner);
    UNLOCK(job);
    return *out ? BGC_OK : BGC_E_NOMEM;
}

/* Replaces *slot with a copy of value under the lock (validation already done). */
static int set_string(struct bgc_job *job, char **slot, const char *value)
{
    char *copy = bgc_strdup(value), *old;
    int rc;

    if (!copy)
        return BGC_E_NOMEM;
    rc = begin_change(job);
    if (rc != BGC_OK) {
        bgc_free(copy);
        return rc;
    }
    old = *slot;
    *slot = copy;
    bgc__job_touch(job);
    UNLOCK(job);
    bgc_free(old);
    return BGC_OK;
}

/* Copies *slot under the lock into a new string for the caller. */
static int get_string(struct bgc_job *job, char *const *slot, char **out)
{
    if (!out)
        return BGC_E_INVALIDARG;
    *out = NULL;
    if (!job)
        return BGC_E_INVALIDARG;
    LOCK(job);
    *out = bgc_strdup(*slot);
    UNLOCK(job);
    return *out ? BGC_OK : BGC_E_NOMEM;
}

int bgc_job_set_display_name(struct bgc_job *job, const char *name)
{
    int rc = bgc__check_display_name(name);

    if (rc != BGC_OK || !job)
        return rc != BGC_OK ? rc : BGC_E_INVALIDARG;
    return set_string(job, &job->name, name);
}

int bgc_job_get_display_name(struct bgc_job *job, char **out)
{
    return get_string(job, job ? &job->name : NULL, out);
}

int bgc_job_set_description(struct bgc_job *job, const char *text)
{
    long n;

    if (!job || !text)
        return BGC_E_INVALIDARG;
    n = bgc__utf8_count(text);
    if (n < 0)
        return BGC_E_INVALIDARG;
    if (n > BGC_MAX_DESCRIPTION)
        return BGC_E_STRING_TOO_LONG;
    return set_string(job, &job->description, text);
}

int bgc_job_get_description(struct bgc_job *job, char **out)
{
    return get_string(job, job ? &job->description : NULL, out);
}

int bgc_job_set_priority(struct bgc_job *job, int prio)
{
    int rc;

    if (prio < BGC_PRIO_FOREGROUND || prio > BGC_PRIO_LOW)
        return BGC_E_UNSUPPORTED_VALUE; /* G4: outside the enumeration -> E_NOTIMPL */
    rc = begin_change(job);
    if (rc != BGC_OK)
        return rc;
    if (bgc__httpopts_errors_fatal(job) && prio != BGC_PRIO_FOREGROUND) {
        UNLOCK(job); /* httpopts area: a custom HTTP method locks FOREGROUND (2.2) */
        return BGC_E_NOT_SUPPORTED_WITH_CUSTOM_HTTP_METHOD;
    }
    job->priority = (enum bgc_priority)prio;
    bgc__job_touch(job);
    if (job->q->engine)
        bgc__engine_wake(job->q->engine); /* the start order may change */
    UNLOCK(job);
    return BGC_OK;
}

enum bgc_priority bgc_job_get_priority(struct bgc_job *job)
{
    enum bgc_priority p;

    LOCK(job);
    p = job->priority;
    UNLOCK(job);
    return p;
}

int bgc_job_set_notify_flags(struct bgc_job *job, unsigned flags)
{
    int rc;

    if (flags & ~BGC_NOTIFY_ALL)
        return BGC_E_UNSUPPORTED_VALUE; /* G4 */
    rc = begin_change(job);
    if (rc != BGC_OK)
        return rc;
    job->notify_flags = flags;
    bgc__job_touch(job);
    bgc__notify_wake(job->q); /* a pending event may be deliverable now (N4) */
    UNLOCK(job);
    return BGC_OK;
}

unsigned bgc_job_get_notify_flags(struct bgc_job *job)
{
    unsigned f;

    LOCK(job);
    f = job->notify_flags;
    UNLOCK(job);
    return f;
}

int bgc_job_set_min_retry_delay(struct bgc_job *job, unsigned seconds)
{
    int rc = begin_change(job);

    if (rc != BGC_OK)
        return rc;
    if (seconds < job->q->cfg.retry_delay_floor_s)
        seconds = job->q->cfg.retry_delay_floor_s; /* R5: stored as the floor, S_OK */
    job->min_retry_delay_s = seconds;
    bgc__job_touch(job);
    if (job->q->engine)
        bgc__engine_wake(job->q->engine); /* a TRANSIENT_ERROR timer may be due earlier */
    UNLOCK(job);
    return BGC_OK;
}

unsigned bgc_job_get_min_retry_delay(struct bgc_job *job)
{
    unsigned v;

    LOCK(job);
    v = job->min_retry_delay_s;
    UNLOCK(job);
    return v;
}

int bgc_job_set_no_progress_timeout(struct bgc_job *job, unsigned seconds)
{
    int rc = begin_change(job);

    if (rc != BGC_OK)
        return rc;
    job->no_progress_timeout_s = seconds;
    bgc__job_touch(job);
    if (job->q->engine)
        bgc__engine_wake(job->q->engine);
    UNLOCK(job);
    return BGC_OK;
}

unsigned bgc_job_get_no_progress_timeout(struct bgc_job *job)
{
    unsigned v;

    LOCK(job);
    v = job->no_progress_timeout_s;
    UNLOCK(job);
    return v;
}

void bgc_job_set_user(struct bgc_job *job, void *user, void (*destroy)(void *user))
{
    LOCK(job);
    job->user = user;
    job->user_destroy = destroy;
    UNLOCK(job);
}

void *bgc_job_get_user(struct bgc_job *job)
{
    void *u;

    LOCK(job);
    u = job->user;
    UNLOCK(job);
    return u;
}

void bgc__file_free(struct bgc_file *f) /* store area: for jobs loaded from the store */
{
    free_file(f);
}

/* ---- Files ---------------------------------------------------------------------------- */

/* Validates one spec and builds its file object (no lock held). */
static int make_file(const struct bgc_file_spec *spec, struct bgc_file **out)
{
    struct bgc_file *f;
    char *dir;
    long n;
    int rc;

    *out = NULL;
    if (!spec->remote || !spec->remote[0] || !spec->local || !spec->local[0])
        return BGC_E_INVALIDARG;
    n = bgc__utf8_count(spec->local);
    if (n < 0 || n > BGC_MAX_LOCAL_NAME)
        return BGC_E_INVALIDARG;
    rc = bgc__path_check_local(spec->local); /* F3: absolute, no wildcards or streams */
    if (rc != BGC_OK)
        return rc;
    f = bgc_calloc(1, sizeof(*f));
    if (!f)
        return BGC_E_NOMEM;
    f->bytes_total = BGC_SIZE_UNKNOWN;
    f->remote_size = BGC_SIZE_UNKNOWN; /* files area */
    rc = bgc__url_from_remote(spec->remote, &f->url); /* F1, F2 */
    if (rc == BGC_OK) {
        f->remote = bgc_strdup(spec->remote);
        f->local = bgc_strdup(spec->local);
        if (!f->remote || !f->local)
            rc = BGC_E_NOMEM;
    }
    if (rc == BGC_OK) {
        dir = bgc__path_dir(spec->local);
        rc = dir ? bgc__dir_check(dir, NULL) : BGC_E_NOMEM;
        bgc_free(dir);
    }
    if (rc != BGC_OK) {
        free_file(f);
        return rc;
    }
    *out = f;
    return BGC_OK;
}

int bgc_job_add_files(struct bgc_job *job, size_t count, const struct bgc_file_spec *files)
{
    return bgc__job_add_files(job, count, files, NULL, 0);
}

int bgc__job_add_files(struct bgc_job *job, size_t count, const struct bgc_file_spec *files,
                       struct bgc_range *ranges, size_t nranges)
{
    struct bgc_file **made = NULL;
    size_t n_made = 0;
    int rc = begin_change(job);

    if (rc != BGC_OK)
        return rc; /* a final job says so whatever the arguments */
    UNLOCK(job);
    if (!files || count == 0)
        return BGC_E_INVALIDARG;
    if (count > job->q->cfg.max_files_per_job)
        return BGC_E_TOO_MANY_FILES_IN_JOB;
    made = bgc_calloc(count, sizeof(*made));
    if (!made)
        return BGC_E_NOMEM;
    for (; n_made < count && rc == BGC_OK; n_made++)
        rc = make_file(&files[n_made], &made[n_made]);
    if (rc == BGC_OK && nranges) { /* files area: AddFileWithRanges passes one file */
        made[0]->bytes_total = bgc__ranges_total(ranges, nranges, BGC_SIZE_UNKNOWN);
        made[0]->ranges = ranges;
        made[0]->nranges = nranges;
    }

    if (rc == BGC_OK)
        rc = begin_change(job);
    if (rc == BGC_OK) {
        size_t need = job->nfiles + count;

        if (need > job->q->cfg.max_files_per_job) {
            rc = BGC_E_TOO_MANY_FILES_IN_JOB;
        } else if (need > job->cap_files) {
            size_t cap = job->cap_files ? job->cap_files : 4;
            struct bgc_file **grown;

            while (cap < need)
                cap *= 2;
            grown = bgc_realloc(job->files, cap * sizeof(*grown));
            if (grown) {
                job->files = grown; /* capacity only: invisible to readers */
                job->cap_files = cap;
            } else {
                rc = BGC_E_NOMEM;
            }
        }
        if (rc == BGC_OK) {
            /* Nothing can fail from here on. */
            for (size_t i = 0; i < count; i++)
                job->files[job->nfiles++] = made[i];
            n_made = 0;
            bgc__job_touch(job);
            if (bgc__state_is_active(job->state) && job->q->engine)
                bgc__engine_wake(job->q->engine);
        }
        UNLOCK(job);
    }
    if (n_made && nranges && made[0]) { /* files area: the caller keeps its ranges on failure */
        made[0]->ranges = NULL;
        made[0]->nranges = 0;
    }
    for (size_t i = 0; i < n_made; i++)
        free_file(made[i]);
    bgc_free(made);
    if (rc == BGC_OK)
        bgc_log(BGC_LOG_TRACE, BGC__CH_JOB, "job %p: added %lu file(s)", (void *)job, (unsigned long)count);
    return rc;
}

size_t bgc_job_file_count(struct bgc_job *job)
{
    size_t n;

    LOCK(job);
    n = job->nfiles;
    UNLOCK(job);
    return n;
}

int bgc_job_get_file_names(struct bgc_job *job, size_t index, char **remote, char **local)
{
    int rc = BGC_OK;

    if (remote)
        *remote = NULL;
    if (local)
        *local = NULL;
    if (!job || (!remote && !local))
        return BGC_E_INVALIDARG;
    LOCK(job);
    if (index >= job->nfiles) {
        rc = BGC_E_INVALIDARG;
    } else {
        /* remote, url and local are immutable, but the array may move under add_files. */
        const struct bgc_file *f = job->files[index];

        if (remote && !(*remote = bgc_strdup(f->remote)))
            rc = BGC_E_NOMEM;
        if (rc == BGC_OK && local && !(*local = bgc_strdup(f->local)))
            rc = BGC_E_NOMEM;
    }
    UNLOCK(job);
    if (rc != BGC_OK) {
        if (remote) {
            bgc_free(*remote);
            *remote = NULL;
        }
        if (local) {
            bgc_free(*local);
            *local = NULL;
        }
    }
    return rc;
}

int bgc_job_get_file_progress(struct bgc_job *job, size_t index, struct bgc_file_progress *out)
{
    int rc = BGC_OK;

    if (!job || !out)
        return BGC_E_INVALIDARG;
    LOCK(job);
    if (index >= job->nfiles) {
        rc = BGC_E_INVALIDARG;
    } else {
        const struct bgc_file *f = job->files[index];

        out->bytes_total = f->bytes_total;
        out->bytes_transferred = f->bytes_transferred;
        out->completed = f->completed;
    }
    UNLOCK(job);
    return rc;
}

int bgc_job_get_file_temp_name(struct bgc_job *job, size_t index, char **out)
{
    int rc = BGC_OK;

    if (!out)
        return BGC_E_INVALIDARG;
    *out = NULL;
    if (!job)
        return BGC_E_INVALIDARG;
    LOCK(job);
    if (index >= job->nfiles) {
        rc = BGC_E_INVALIDARG;
    } else {
        const char *t = job->files[index]->temp;

        *out = bgc_strdup(t ? t : "");
        if (!*out)
            rc = BGC_E_NOMEM;
    }
    UNLOCK(job);
    return rc;
}

void bgc_job_get_progress(struct bgc_job *job, struct bgc_job_progress *out)
{
    memset(out, 0, sizeof(*out));
    LOCK(job);
    for (size_t i = 0; i < job->nfiles; i++) {
        const struct bgc_file *f = job->files[i];

        if (f->bytes_total == BGC_SIZE_UNKNOWN || out->bytes_total == BGC_SIZE_UNKNOWN)
            out->bytes_total = BGC_SIZE_UNKNOWN;
        else
            out->bytes_total += f->bytes_total;
        out->bytes_transferred += f->bytes_transferred;
    }
    out->files_total = (uint32_t)job->nfiles;
    out->files_transferred = (uint32_t)job->files_transferred;
    UNLOCK(job);
}

void bgc_job_get_times(struct bgc_job *job, struct bgc_job_times *out)
{
    LOCK(job);
    out->creation = job->t_creation;
    out->modification = job->t_modification;
    out->transfer_completion = job->t_completion;
    UNLOCK(job);
}

int bgc_job_get_error(struct bgc_job *job, struct bgc_error *out)
{
    int rc = BGC_E_NO_ERROR_INFO;

    if (!job || !out)
        return BGC_E_INVALIDARG;
    LOCK(job);
    if ((job->state == BGC_STATE_ERROR || job->state == BGC_STATE_TRANSIENT_ERROR) &&
        job->has_error) {
        *out = job->error; /* R10: only while ERROR or TRANSIENT_ERROR */
        rc = BGC_OK;
    }
    UNLOCK(job);
    return rc;
}

unsigned bgc_job_get_error_count(struct bgc_job *job)
{
    unsigned n;

    LOCK(job);
    n = job->error_count;
    UNLOCK(job);
    return n;
}

/* ---- State requests (state.c has the table) ------------------------------------------ */

/*
 * Resume (L2-L5, L23, L35). Project choice for TRANSFERRED with every file transferred:
 * BGC_E_EMPTY (nothing to resume), as a public re-implementation does; with files added
 * since, the job is QUEUED again. A SUSPENDED job whose files are all transferred (it was
 * suspended in TRANSFERRED after AddFile, or its last file finished as it was suspended)
 * goes straight to TRANSFERRED. Resuming a job from an error forgets the no-progress timer
 * (the user asked for a fresh try); the error record stays until it next transfers (R10).
 */
int bgc_job_resume(struct bgc_job *job)
{
    int rc = begin_change(job);
    enum bgc_state s;

    if (rc != BGC_OK)
        return rc;
    s = job->state;
    switch (s) {
    case BGC_STATE_SUSPENDED:
        if (job->nfiles == 0)
            rc = BGC_E_EMPTY; /* L3 */
        else if (bgc__job_next_file(job) == job->nfiles)
            rc = bgc__job_set_state(job, s, BGC_STATE_TRANSFERRED);
        else
            rc = bgc__job_set_state(job, s, BGC_STATE_QUEUED); /* L2 */
        break;
    case BGC_STATE_QUEUED:
    case BGC_STATE_CONNECTING:
    case BGC_STATE_TRANSFERRING:
        bgc__job_touch(job); /* L5: S_OK, state unchanged */
        break;
    case BGC_STATE_TRANSIENT_ERROR:
    case BGC_STATE_ERROR:
        job->no_progress_armed = 0;
        bgc__sched_reset_download_time(job); /* L4: MaxDownloadTime counter reset */
        rc = bgc__job_set_state(job, s, BGC_STATE_QUEUED); /* L4: now, ignoring the delay */
        break;
    case BGC_STATE_TRANSFERRED:
        if (bgc__job_next_file(job) < job->nfiles)
            rc = bgc__job_set_state(job, s, BGC_STATE_QUEUED); /* L23 */
        else
            rc = BGC_E_EMPTY; /* L35 project choice, see above */
        break;
    default:
        rc = BGC_E_INVALID_STATE;
        break;
    }
    if (rc == BGC_OK) {
        job->resumed_once = 1; /* httpopts area: SetHttpMethod only before the first Resume */
        job->active_ms = bgc__clock_ms(); /* inactivity area: L24, a client request */
    }
    UNLOCK(job);
    return rc;
}

/*
 * Suspend (L19). Project choice for TRANSFERRED (L35): the job becomes SUSPENDED only when a
 * file added after the transfer is still untransferred; otherwise it stays TRANSFERRED (its
 * files are all there, and its pending JobTransferred stays pending) and S_OK is returned.
 * Returns after the engine has stopped the job's transfer (invariant 4).
 */
int bgc_job_suspend(struct bgc_job *job)
{
    int rc = begin_change(job);
    enum bgc_state s;

    if (rc != BGC_OK)
        return rc;
    s = job->state;
    if (s == BGC_STATE_SUSPENDED)
        bgc__job_touch(job);
    else if (s == BGC_STATE_TRANSFERRED && bgc__job_next_file(job) == job->nfiles)
        bgc__job_touch(job);
    else
        rc = bgc__job_set_state(job, s, BGC_STATE_SUSPENDED);
    if (rc == BGC_OK) {
        job->active_ms = bgc__clock_ms(); /* inactivity area: L24, a client request */
        bgc__engine_wait_detached(job);
    }
    UNLOCK(job);
    return rc;
}

/* Cancel (L20, F7): -> CANCELLED, then delete this job's temporary files. */
int bgc_job_cancel(struct bgc_job *job)
{
    int rc = begin_change(job), failed = 0;
    size_t n;

    if (rc != BGC_OK)
        return rc;
    rc = bgc__job_set_state(job, job->state, BGC_STATE_CANCELLED);
    if (rc != BGC_OK) {
        UNLOCK(job);
        return rc;
    }
    bgc__engine_wait_detached(job);
    /* CANCELLED is final: no one adds files or sets temp names any more, so the file
     * objects can be read without the lock below (our caller's reference keeps them). */
    n = job->nfiles;
    UNLOCK(job);
    for (size_t i = 0; i < n; i++) {
        const struct bgc_file *f = job->files[i];
        int os_error = 0;

        if (!f->temp || f->completed || job->high_performance)
            continue; /* never started, renamed by a partial Complete, or HIGH_PERFORMANCE */
        if (bgc__file_delete(f->temp, &os_error) < 0) {
            bgc_log(BGC_LOG_WARN, BGC__CH_JOB, "cancel: cannot delete %s (os error %d)", f->temp,
                    os_error);
            failed = 1;
        }
    }
    return failed ? BGC_S_UNABLE_TO_DELETE_FILES : BGC_OK;
}

/* Ends a Complete that stays in its state (a rename failed): lets the engine back in. */
static void end_completing(struct bgc_job *job)
{
    LOCK(job);
    job->completing = 0;
    bgc__job_touch(job);
    bgc__cond_broadcast(job->q->cond);
    if (job->q->engine)
        bgc__engine_wake(job->q->engine);
    UNLOCK(job);
}

/*
 * Complete (L21, L22, F5, F6): renames every fully transferred temp file to its local name,
 * replacing an existing file, then deletes the other temp files and moves the job to
 * ACKNOWLEDGED. If a rename fails the job keeps its state (files renamed so far stay, their
 * `completed` is 1) and BGC_E_LOCAL_FILE is returned with the OS error. When files were left
 * out, BGC_S_PARTIAL_COMPLETE; when a leftover temp file could not be deleted,
 * BGC_S_UNABLE_TO_DELETE_FILES (it wins: the caller may want to clean up). If the engine does
 * not let go of the job within BGC__DETACH_WAIT_MS (a bug, logged ERR), nothing is renamed
 * and BGC_E_OS is returned.
 */
int bgc_job_complete(struct bgc_job *job, int *os_error)
{
    int rc, partial = 0, undeleted = 0, err = 0;
    size_t n;

    if (os_error)
        *os_error = 0;
    rc = begin_change(job);
    if (rc != BGC_OK)
        return rc;
    if (job->type != BGC_JOB_DOWNLOAD) {
        UNLOCK(job);
        return BGC_E_INVALID_STATE; /* uploads complete only from TRANSFERRED; none exist */
    }
    job->completing = 1; /* the engine lets go and stays away; add_files waits */
    if (job->q->engine)
        bgc__engine_wake(job->q->engine);
    if (bgc__engine_wait_detached(job) != BGC_OK) {
        UNLOCK(job);
        end_completing(job); /* never rename a file the engine may still be writing */
        return BGC_E_OS;
    }
    n = job->nfiles; /* fixed while completing (invariant 5) */
    UNLOCK(job);

    for (size_t i = 0; i < n && rc == BGC_OK; i++) {
        struct bgc_file *f = job->files[i]; /* temp is fixed: the engine stays away */

        if (!f->transferred || f->completed)
            continue;
        if (!f->temp) {
            bgc_log(BGC_LOG_ERR, BGC__CH_JOB, "complete: file %lu transferred without temp", (unsigned long)i);
            continue;
        }
        if (job->high_performance) /* files area: the data is in the local file already */
            rc = BGC_OK;
        else
            rc = bgc__file_rename_replace(f->temp, f->local, &err);
        if (rc == BGC_OK) {
            LOCK(job);
            f->completed = 1;
            UNLOCK(job);
        } else {
            bgc_log(BGC_LOG_WARN, BGC__CH_JOB, "complete: rename %s -> %s failed (os error %d)",
                    f->temp, f->local, err);
            if (rc != BGC_E_NOMEM)
                rc = BGC_E_LOCAL_FILE;
        }
    }
    if (rc != BGC_OK) {
        end_completing(job);
        if (os_error)
            *os_error = err;
        return rc;
    }
    for (size_t i = 0; i < n; i++) {
        const struct bgc_file *f = job->files[i];

        if (f->transferred)
            continue;
        partial = 1;
        if (f->temp && !job->high_performance && bgc__file_delete(f->temp, &err) < 0) {
            bgc_log(BGC_LOG_WARN, BGC__CH_JOB, "complete: cannot delete %s (os error %d)", f->temp,
                    err);
            undeleted = 1;
        }
    }
    LOCK(job);
    bgc__job_set_state(job, job->state, BGC_STATE_ACKNOWLEDGED);
    job->completing = 0;
    bgc__cond_broadcast(job->q->cond);
    UNLOCK(job);
    if (undeleted)
        return BGC_S_UNABLE_TO_DELETE_FILES;
    return partial ? BGC_S_PARTIAL_COMPLETE : BGC_OK;
}
