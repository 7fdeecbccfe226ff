/*
 * queue.c - the queue (BITS's "manager"): configuration defaults, the job list, job creation
 * and lookup, and starting/stopping the engine and notification threads.
 *
 * Invariants:
 *  1. The list holds every job that is not final, plus final jobs the engine has not purged
 *     yet; lookups and listings skip final jobs (L30). Each listed job holds one reference
 *     owned by the list.
 *  2. The queue is freed with its last reference: the owner's (dropped by bgc_queue_free)
 *     or the last job's. Threads are gone before bgc_queue_free returns; jobs that outlive it
 *     are inert (mutations return BGC_E_STOPPING) but answer getters.
 *  3. bgc_queue_free never deletes a temporary file: aborted transfers keep their data.
 *  4. Jobs-per-owner counts the owner's non-final jobs (S6, default 60).
 */
#include "bgc.h"
#include "jobs_int.h"

#include <curl/curl.h>
#include <string.h>

#define LOCK(q) bgc__mutex_lock((q)->lock)
#define UNLOCK(q) bgc__queue_unlock(q)

void bgc__queue_ref(struct bgc_queue *q)
{
    atomic_fetch_add(&q->refs, 1);
}

static void queue_destroy(struct bgc_queue *q)
{
    bgc__cond_free(q->notify_cond);
    bgc__cond_free(q->cond);
    bgc__mutex_free(q->lock);
    bgc_free(q);
    curl_global_cleanup();
}

void bgc__queue_unref(struct bgc_queue *q)
{
    if (atomic_fetch_sub(&q->refs, 1) == 1)
        queue_destroy(q);
}

void bgc__queue_unlink(struct bgc_queue *q, struct bgc_job *job)
{
    if (!job->listed)
        return;
    if (job->prev)
        job->prev->next = job->next;
    else
        q->head = job->next;
    if (job->next)
        job->next->prev = job->prev;
    else
        q->tail = job->prev;
    job->prev = job->next = NULL;
    job->listed = 0;
}

static unsigned or_default(unsigned v, unsigned def)
{
    return v ? v : def;
}

int bgc_queue_new(const struct bgc_config *cfg, const struct bgc_sink *sink, struct bgc_queue **out)
{
    struct bgc_queue *q;
    int rc;

    if (!out)
        return BGC_E_INVALIDARG;
    *out = NULL;
    if (sink && !sink->deliver)
        return BGC_E_INVALIDARG;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return BGC_E_OS;
    q = bgc_calloc(1, sizeof(*q));
    if (!q) {
        curl_global_cleanup();
        return BGC_E_NOMEM;
    }
    atomic_init(&q->refs, 1);
    if (cfg)
        q->cfg = *cfg;
    q->cfg.max_transfers = or_default(q->cfg.max_transfers, BGC__DEF_MAX_TRANSFERS);
    q->cfg.max_jobs_per_user = or_default(q->cfg.max_jobs_per_user, BGC__DEF_MAX_JOBS_PER_USER);
    q->cfg.max_files_per_job = or_default(q->cfg.max_files_per_job, BGC__DEF_MAX_FILES_PER_JOB);
    q->cfg.time_slice_ms = or_default(q->cfg.time_slice_ms, BGC__DEF_TIME_SLICE_MS); /* core area */
    q->cfg.max_jobs_per_machine = or_default(q->cfg.max_jobs_per_machine, BGC__DEF_MAX_JOBS_PER_MACHINE);
    q->cfg.stall_timeout_s = or_default(q->cfg.stall_timeout_s, BGC__DEF_STALL_TIMEOUT_S);
    q->cfg.retry_delay_floor_s =
        or_default(q->cfg.retry_delay_floor_s, BGC__DEF_RETRY_DELAY_FLOOR_S);
    if (sink) {
        q->sink = *sink;
        q->has_sink = 1;
    }
    q->conditions.network_up = 1; /* conditions area: connected, unrestricted, no policy */
    q->conditions.cost_state = BGC_COST_STATE_UNRESTRICTED;
    q->conditions.background_bps = BGC_BANDWIDTH_UNLIMITED;
    q->cond_was_up = 1;
    rc = bgc__mutex_new(&q->lock);
    if (rc == BGC_OK)
        rc = bgc__cond_new(&q->cond);
    if (rc == BGC_OK)
        rc = bgc__cond_new(&q->notify_cond);
    if (rc == BGC_OK)
        rc = bgc__store_open(q); /* store area: loads the saved jobs before anything runs */
    if (rc == BGC_OK && q->has_sink)
        rc = bgc__notifier_start(q, &q->notifier);
    if (rc == BGC_OK)
        rc = bgc__engine_start(q, &q->engine);
    if (rc != BGC_OK) {
        if (q->notifier) {
            LOCK(q);
            q->stopping = 1;
            bgc__notify_wake(q);
            UNLOCK(q);
            bgc__notifier_stop(q->notifier);
        }
        if (q->store) { /* store area: the loaded jobs go (they hold queue references) */
            struct bgc_job *list = q->head;

            bgc__store_close(q);
            q->head = q->tail = NULL;
            atomic_fetch_add(&q->refs, 1); /* keep q alive while its jobs drop theirs */
            while (list) {
                struct bgc_job *next = list->next;

                list->listed = 0;
                list->prev = list->next = NULL;
                bgc_job_unref(list);
                list = next;
            }
            atomic_fetch_sub(&q->refs, 1);
        }
        queue_destroy(q);
        return rc;
    }
    bgc_log(BGC_LOG_INFO, BGC__CH_QUEUE,
            "queue %p started: max_transfers %u, jobs/user %u, files/job %u, stall %u s, "
            "retry floor %u s, time slice %u ms, jobs/machine %u",
            (void *)q, q->cfg.max_transfers, q->cfg.max_jobs_per_user, q->cfg.max_files_per_job,
            q->cfg.stall_timeout_s, q->cfg.retry_delay_floor_s, q->cfg.time_slice_ms,
            q->cfg.max_jobs_per_machine);
    *out = q;
    return BGC_OK;
}

void bgc_queue_free(struct bgc_queue *q)
{
    struct bgc__engine *engine;
    struct bgc__notifier *notifier;
    struct bgc_job *list;

    if (!q)
        return;
    LOCK(q);
    q->stopping = 1;
    engine = q->engine;
    notifier = q->notifier;
    q->engine = NULL; /* nobody may wake it any more: it is about to be freed */
    q->notifier = NULL;
    bgc__engine_wake(engine);
    bgc__notify_wake(q);
    UNLOCK(q);

    /* The notifier first, so that no sink call happens after we return. */
    bgc__notifier_stop(notifier);
    /* The engine detaches every transfer (temp files kept) before its thread returns. */
    bgc__engine_stop(engine);
    /* dispatch area: the side worker (certificate checks) after the engine, which submits. */
    bgc__worker_stop(q);
    /* store area: last, so that the progress the engine saw before stopping is written. */
    bgc__store_close(q);

    bgc__job_bury(q); /* jobs the engine let go of after the notifier stopped */
    LOCK(q);
    q->stopped = 1;
    list = q->head;
    for (struct bgc_job *j = list; j; j = j->next)
        j->listed = 0;
    q->head = q->tail = NULL;
    bgc__cond_broadcast(q->cond);
    UNLOCK(q);
    while (list) {
        struct bgc_job *next = list->next;

        list->prev = list->next = NULL;
        bgc_job_unref(list);
        list = next;
    }
    bgc_log(BGC_LOG_INFO, BGC__CH_QUEUE, "queue %p stopped", (void *)q);
    bgc__queue_unref(q);
}

int bgc_queue_create_job(struct bgc_queue *q, const char *name, enum bgc_job_type type,
                         const char *owner, struct bgc_job **out)
{
    return bgc_queue_create_job_as(q, name, type, owner, 0x2000 /* MEDIUM */, 0, out);
}

int bgc_queue_create_job_as(struct bgc_queue *q, const char *name, enum bgc_job_type type, const char *owner,
                            unsigned integrity_rid, int elevated, struct bgc_job **out)
{
    struct bgc_job *job;
    struct bgc_id id;
    size_t owned = 0, total = 0;
    int rc, dup = 0;

    if (!out)
        return BGC_E_INVALIDARG;
    *out = NULL;
    if (!q || !owner)
        return BGC_E_INVALIDARG;
    rc = bgc__check_display_name(name);
    if (rc != BGC_OK)
        return BGC_E_INVALIDARG; /* CreateJob: too long is E_INVALIDARG (2.1) */
    if ((int)type == BGC_JOB_UPLOAD || (int)type == BGC_JOB_UPLOAD_REPLY)
        return BGC_E_UNSUPPORTED_VALUE; /* uploads are not implemented (E_NOTIMPL) */
    if ((int)type != BGC_JOB_DOWNLOAD)
        return BGC_E_INVALIDARG; /* unknown type: project choice E_INVALIDARG */
    rc = bgc__id_random(&id);
    if (rc != BGC_OK)
        return rc;
    job = bgc__job_new(q, &id, name, type, owner);
    if (!job)
        return BGC_E_NOMEM;
    job->owner_integrity = integrity_rid; /* not published yet: no lock needed */
    job->owner_elevated = elevated ? 1 : 0;

    LOCK(q);
    if (q->stopping || q->stopped)
        rc = BGC_E_STOPPING;
    for (struct bgc_job *j = q->head; rc == BGC_OK && j; j = j->next) {
        if (bgc__state_is_final(j->state))
            continue;
        if (!strcmp(j->owner, owner))
            owned++;
        total++;
        dup |= bgc_id_equal(&j->id, &id);
    }
    if (rc == BGC_OK && owned >= q->cfg.max_jobs_per_user)
        rc = BGC_E_TOO_MANY_JOBS_PER_USER;
    if (rc == BGC_OK && total >= q->cfg.max_jobs_per_machine)
        rc = BGC_E_TOO_MANY_JOBS_PER_MACHINE; /* core area: S6 */
    if (rc == BGC_OK && dup)
        rc = BGC_E_OS; /* a 122-bit random collision: the generator is broken */
    if (rc == BGC_OK) {
        bgc_job_ref(job); /* the list's reference */
        job->listed = 1;
        job->prev = q->tail;
        if (q->tail)
            q->tail->next = job;
        else
            q->head = job;
        q->tail = job;
        bgc__store_mark_job(job, 1); /* store area: durable when CreateJob returns */
    }
    UNLOCK(q);
    if (rc != BGC_OK) {
        bgc_job_unref(job);
        return rc;
    }
    {
        char text[39];

        bgc_id_format(&id, text);
        bgc_log(BGC_LOG_INFO, BGC__CH_QUEUE, "created job %s for owner %s", text, owner);
    }
    *out = job;
    return BGC_OK;
}

int bgc_queue_get_job(struct bgc_queue *q, const struct bgc_id *id, struct bgc_job **out)
{
    int rc = BGC_E_NOT_FOUND;

    if (!out)
        return BGC_E_INVALIDARG;
    *out = NULL;
    if (!q || !id)
        return BGC_E_INVALIDARG;
    LOCK(q);
    for (struct bgc_job *j = q->head; j; j = j->next) {
        if (!bgc__state_is_final(j->state) && bgc_id_equal(&j->id, id)) {
            *out = bgc_job_ref(j);
            rc = BGC_OK;
            break;
        }
    }
    UNLOCK(q);
    return rc;
}

int bgc_queue_list_jobs(struct bgc_queue *q, const char *owner, struct bgc_job ***out, size_t *count)
{
    struct bgc_job **arr = NULL;
    size_t n = 0;

    if (!out || !count)
        return BGC_E_INVALIDARG;
    *out = NULL;
    if (!q)
        return BGC_E_INVALIDARG;
    LOCK(q);
    for (struct bgc_job *j = q->head; j; j = j->next) {
        if (!bgc__state_is_final(j->state) && (!owner || !strcmp(j->owner, owner)))
            n++;
    }
    if (n) {
        arr = bgc_calloc(n, sizeof(*arr));
        if (!arr) {
            UNLOCK(q);
            return BGC_E_NOMEM;
        }
        n = 0;
        for (struct bgc_job *j = q->head; j; j = j->next) {
            if (!bgc__state_is_final(j->state) && (!owner || !strcmp(j->owner, owner)))
                arr[n++] = bgc_job_ref(j);
        }
    }
    UNLOCK(q);
    *out = arr;
    *count = n;
    return BGC_OK;
}

void bgc_job_list_free(struct bgc_job **jobs, size_t count)
{
    for (size_t i = 0; jobs && i < count; i++)
        bgc_job_unref(jobs[i]);
    bgc_free(jobs);
}

size_t bgc_queue_job_count(struct bgc_queue *q)
{
    size_t n = 0;

    if (!q)
        return 0;
    LOCK(q);
    for (struct bgc_job *j = q->head; j; j = j->next)
        n += !bgc__state_is_final(j->state);
    UNLOCK(q);
    return n;
}

int bgc_queue_is_durable(struct bgc_queue *q)
{
    return q ? bgc__store_durable(q) : 0;
}

int bgc_queue_busy(struct bgc_queue *q)
{
    int busy = 0;

    if (!q)
        return 0;
    LOCK(q);
    for (struct bgc_job *j = q->head; j && !busy; j = j->next) {
        busy = bgc__state_is_active(j->state) || j->state == BGC_STATE_TRANSIENT_ERROR ||
               bgc__notify_busy(j);
    }
    UNLOCK(q);
    return busy;
}
