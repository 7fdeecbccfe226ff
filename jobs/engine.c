/*
 * engine.c - the transfer engine: one thread owning one CURLM handle, driving every file
 * transfer of the queue with curl_multi_perform / curl_multi_poll.
 *
 * The job state is the command. API calls change states under q->lock and wake the engine
 * (curl_multi_wakeup); each turn of the loop the engine
 *   (a) detach_idle:   detaches transfers whose job may no longer run (not QUEUED,
 *                      CONNECTING or TRANSFERRING, being completed, or the queue stopping):
 *                      removes the easy handle, closes the temp file, clears job->xfer and
 *                      broadcasts q->cond;
 *   (b) retry_due:     moves TRANSIENT_ERROR jobs back to QUEUED when their retry delay has
 *                      passed (L14), or to ERROR when they made no progress for the
 *                      no-progress timeout since the first transient error (L15);
 *   (c) start_next:    starts transfers for runnable jobs without one, as sched.c allows
 *                      (FOREGROUND at once, background jobs in max_transfers slots by
 *                      priority, first come first served within a priority); a job's files
 *                      go one after another in order (L31). Before (a), sched.c's tick
 *                      enforces the maximum download time (L17) and marks transfers that
 *                      give up their slot (preemption, time slice: L9), which (a) detaches;
 *   (d) purge_final:   unlinks final jobs from the queue's list (L30);
 *   (e) finish_done:   handles transfers libcurl reports done, turning their outcome into
 *                      file progress and state changes (L7, L8, L13, L16, L18, R9), then
 *                      flush_all writes out what the others received (transfer.c inv. 3).
 *
 * Invariants:
 *  1. Only this thread calls curl_multi_* (except curl_multi_wakeup, which is thread-safe)
 *     or touches an xfer; job->xfer is written only here, under q->lock.
 *  2. job->xfer is cleared only after the temp file is closed and the easy handle is gone,
 *     so a thread that saw job->xfer == NULL may delete or rename the temp file.
 *  3. No curl call and no file I/O happens with q->lock held, except curl_multi_wakeup
 *     (a non-blocking write to libcurl's wakeup socket); transfer.c takes the lock once per
 *     write of received data, after the write.
 *  4. The engine never waits for another thread; API threads wait for it (wait_detached),
 *     bounded by BGC__DETACH_WAIT_MS.
 *  5. On stop, every transfer is detached (temp files and progress kept) before the thread
 *     returns; the multi handle is cleaned up after the join.
 *  6. Attached background transfers never exceed q->cfg.max_transfers, foreground ones
 *     BGC__MAX_FOREGROUND_TRANSFERS (sched.c decides), and a job never has more than one.
 *  7. The engine never frees a job: its references are dropped with bgc__job_unref_deferred,
 *     so server/'s user destructor never runs on this thread.
 */
#include "bgc.h"
#include "jobs_int.h"

#include <curl/curl.h>
#include <string.h>

#define LOCK(q) bgc__mutex_lock((q)->lock)
#define UNLOCK(q) bgc__queue_unlock(q)

#define MAX_POLL_MS 1000 /* safety net: the loop turns at least once a second */

struct bgc__engine {
    struct bgc_queue *q;        /* immutable */
    CURLM *multi;               /* engine thread (curl_multi_wakeup from any thread) */
    struct bgc__thread *thread; /* immutable after start */
    struct bgc__xfer *xfers;    /* engine: attached transfers */
    unsigned nxfers;            /* engine: length of xfers */
};

void bgc__engine_wake(struct bgc__engine *e)
{
    if (e)
        curl_multi_wakeup(e->multi);
}

int bgc__engine_wait_detached(struct bgc_job *job)
{
    struct bgc_queue *q = job->q;
    uint64_t deadline = bgc__clock_ms() + BGC__DETACH_WAIT_MS;
    char id[39];

    if (q->engine && bgc__thread_is_self(q->engine->thread)) {
        if (job->xfer)
            bgc_log(BGC_LOG_ERR, BGC__CH_ENGINE, "wait_detached called on the engine thread");
        return BGC_OK; /* invariant 4 */
    }
    while (job->xfer && !bgc__job_runnable(job)) {
        uint64_t now = bgc__clock_ms();

        if (now >= deadline) {
            bgc_id_format(&job->id, id);
            bgc_log(BGC_LOG_ERR, BGC__CH_ENGINE, "job %s: engine did not let go within %u ms",
                    id, BGC__DETACH_WAIT_MS);
            return BGC_E_OS;
        }
        bgc__cond_timedwait(q->cond, q->lock, deadline - now);
    }
    return BGC_OK;
}

/* Releases a job's transfer slot after its xfer was freed (invariant 2). Lock held. */
static void release_slot(struct bgc_job *job)
{
    job->xfer = NULL;
    job->sched_yield = 0; /* core area: sched.c invariant 1 */
    bgc__cond_broadcast(job->q->cond);
}

/* Unlinks x from the engine's list (engine thread only, no lock needed). */
static void unlink_xfer(struct bgc__engine *e, struct bgc__xfer *x)
{
    if (e->xfers == x) {
        e->xfers = bgc__xfer_next(x);
    } else {
        struct bgc__xfer *p = e->xfers;

        while (p && bgc__xfer_next(p) != x)
            p = bgc__xfer_next(p);
        if (p)
            bgc__xfer_set_next(p, bgc__xfer_next(x));
    }
    bgc__xfer_set_next(x, NULL);
    e->nxfers--;
}

/* (a) Detaches transfers whose job may not run any more; all of them when stopping. */
static void detach_idle(struct bgc__engine *e, int all)
{
    struct bgc_queue *q = e->q;
    struct bgc__xfer *idle = NULL, *x, *next;

    LOCK(q);
    for (x = e->xfers; x; x = next) {
        next = bgc__xfer_next(x);
        if (all || !bgc__job_runnable(bgc__xfer_job(x)) || bgc__xfer_job(x)->sched_yield) {
            unlink_xfer(e, x);
            bgc__xfer_set_next(x, idle);
            idle = x;
        }
    }
    UNLOCK(q);
    for (x = idle; x; x = next) {
        struct bgc_job *job;

        next = bgc__xfer_next(x);
        curl_multi_remove_handle(e->multi, bgc__xfer_easy(x));
        job = bgc__xfer_free(x);
        LOCK(q);
        release_slot(job);
        UNLOCK(q);
        bgc__job_unref_deferred(job);
    }
}

/* (b) TRANSIENT_ERROR timers. Returns how long the loop may sleep. Lock held. */
static uint64_t retry_due(struct bgc_queue *q)
{
    uint64_t now = bgc__clock_ms(), wait = MAX_POLL_MS;

    for (struct bgc_job *j = q->head; j; j = j->next) {
        uint64_t retry_at, give_up_at;

        if (j->state != BGC_STATE_TRANSIENT_ERROR || j->completing || j->cond_blocked)
            continue; /* cond_blocked: R2, waits for its condition, not a timer (cond.c) */
        retry_at = j->ter_since_ms + (uint64_t)j->min_retry_delay_s * 1000u;
        give_up_at = j->no_progress_armed
                         ? j->no_progress_since_ms + (uint64_t)j->no_progress_timeout_s * 1000u
                         : UINT64_MAX;
        if (now >= give_up_at) {
            bgc__job_set_state(j, BGC_STATE_TRANSIENT_ERROR, BGC_STATE_ERROR); /* L15 */
        } else if (now >= retry_at) {
            bgc__job_set_state(j, BGC_STATE_TRANSIENT_ERROR, BGC_STATE_QUEUED); /* L14 */
        } else {
            uint64_t due = retry_at < give_up_at ? retry_at : give_up_at;

            if (due - now < wait)
                wait = due - now;
        }
    }
    return wait;
}

/* Best runnable job without a transfer, within the slot limits: sched.c decides. Lock held. */
static struct bgc_job *pick_next(struct bgc_queue *q)
{
    return bgc__sched_pick(q, NULL, NULL); /* core area: S1-S3 */
}

/* Applies a transfer's outcome to its job and releases the slot. Lock held. */
static void finish(struct bgc_job *job, size_t index, enum bgc__outcome outcome,
                   const struct bgc_error *err)
{
    struct bgc_file *f = job->files[index];
    enum bgc_state s = job->state;
    int live = (s == BGC_STATE_CONNECTING || s == BGC_STATE_TRANSFERRING) && bgc__job_runnable(job);
    uint64_t now;

    release_slot(job);
    switch (outcome) {
    case BGC__DONE:
        f->transferred = 1;
        job->files_transferred++;
        if (!job->dynamic_content) /* files area: F16, dynamic BytesTotal stays unknown */
            f->bytes_total = f->bytes_transferred; /* known for sure now */
        job->t_modification = bgc__wallclock();
        job->active_ms = bgc__clock_ms(); /* inactivity area: L24 */
        bgc__notify_file_event(job, index);
        bgc__store_mark_file(job, index, 1); /* store area: a finished file is not redone */
        if (!live)
            break; /* suspended or completing meanwhile: the file still counts */
        if (s == BGC_STATE_CONNECTING)
            bgc__job_set_state(job, s, BGC_STATE_TRANSFERRING); /* no header callback ran */
        if (bgc__job_next_file(job) == job->nfiles)
            bgc__job_set_state(job, BGC_STATE_TRANSFERRING, BGC_STATE_TRANSFERRED); /* L18 */
        break; /* otherwise start_next takes the next file at once, still TRANSFERRING */
    case BGC__ABORTED:
        break;
    case BGC__RESTART:
        f->bytes_transferred = 0; /* the temp file was truncated; start_next starts over */
        bgc__job_touch(job);
        break;
    case BGC__SUSPEND: /* files area: on-demand requests done, bytes missing (L27) */
        if (live)
            bgc__job_set_state(job, s, BGC_STATE_SUSPENDED);
        else
            bgc__job_touch(job);
        break;
    case BGC__PARTIAL: /* files area: next range of a ranged file; start_next continues */
        if (live && s == BGC_STATE_CONNECTING)
            bgc__job_set_state(job, s, BGC_STATE_TRANSFERRING);
        bgc__job_touch(job);
        break;
    case BGC__TRANSIENT:
    case BGC__FATAL:
        if (!live)
            break; /* the job was stopped meanwhile: this error is moot */
        job->error_count++; /* R9 */
        bgc__job_set_error(job, err);
        now = bgc__clock_ms();
        if (outcome == BGC__TRANSIENT) {
            if (!job->no_progress_armed) {
                job->no_progress_armed = 1;
                job->no_progress_since_ms = now;
            }
            /* L32: timeout 0 makes every error fatal, and so does a retry delay longer than
             * the timeout (no retry could happen in time); L15 when the time is up. */
            if (job->no_progress_timeout_s == 0 ||
                job->min_retry_delay_s > job->no_progress_timeout_s ||
                now - job->no_progress_since_ms >= (uint64_t)job->no_progress_timeout_s * 1000u)
                outcome = BGC__FATAL;
            if (bgc__httpopts_errors_fatal(job))
                outcome = BGC__FATAL; /* httpopts area, L34: custom HTTP method */
        }
        bgc__job_set_state(job, s,
                           outcome == BGC__TRANSIENT ? BGC_STATE_TRANSIENT_ERROR : BGC_STATE_ERROR);
        break;
    }
}

/* conditions area (S4): gives every attached background transfer its share of the bandwidth
 * policy and resumes paused ones when due. Engine thread; takes the lock to read the policy,
 * sets the rates without it. Returns how long the loop may sleep. */
static uint64_t apply_rates(struct bgc__engine *e)
{
    uint64_t wait = MAX_POLL_MS;
    struct bgc_queue *q = e->q;
    unsigned nbg = 0;
    uint64_t rates[64];
    unsigned i = 0;

    LOCK(q);
    for (struct bgc__xfer *x = e->xfers; x; x = bgc__xfer_next(x))
        nbg += bgc__sched_is_background(bgc__xfer_job(x));
    for (struct bgc__xfer *x = e->xfers; x && i < 64; x = bgc__xfer_next(x))
        rates[i++] = bgc__cond_rate_limit(q, bgc__xfer_job(x), nbg);
    UNLOCK(q);
    i = 0;
    for (struct bgc__xfer *x = e->xfers; x && i < 64; x = bgc__xfer_next(x)) {
        uint64_t w = bgc__xfer_set_rate(x, rates[i++]);

        if (w < wait)
            wait = w;
    }
    return wait;
}

/* (c) Starts transfers while slots are free. Takes and releases the lock. */
static void start_next(struct bgc__engine *e)
{
    struct bgc_queue *q = e->q;

    LOCK(q);
    for (;;) { /* sched.c bounds the background and foreground transfers */
        struct bgc_job *job = pick_next(q);
        struct bgc__xfer *x;
        struct bgc_error err;
        size_t index;
        int rc;

        if (!job)
            break;
        index = bgc__job_next_file(job);
        if (index == job->nfiles) { /* defensive: a QUEUED job with nothing left */
            bgc__job_set_state(job, BGC_STATE_QUEUED, BGC_STATE_TRANSFERRED);
            continue;
        }
        x = bgc__xfer_new(job, index);
        if (!x) {
            bgc_log(BGC_LOG_WARN, BGC__CH_ENGINE, "out of memory starting a transfer; will retry");
            break;
        }
        if (job->state == BGC_STATE_QUEUED)
            bgc__job_set_state(job, BGC_STATE_QUEUED, BGC_STATE_CONNECTING); /* L6 */
        job->xfer = x; /* the slot is taken from here on: API threads wait for it */
        UNLOCK(q);

        rc = bgc__xfer_open(x, &err);
        if (rc == BGC_OK && curl_multi_add_handle(e->multi, bgc__xfer_easy(x)) != CURLM_OK) {
            memset(&err, 0, sizeof(err));
            err.code = BGC_E_TRANSPORT;
            err.context = BGC_CTX_GENERAL_QUEUE_MANAGER;
            err.file_index = (long)index;
            strcpy(err.message, "curl_multi_add_handle failed");
            rc = BGC_E_TRANSPORT;
        }
        if (rc != BGC_OK) {
            struct bgc_job *held = bgc__xfer_free(x);

            LOCK(q);
            finish(job, index, rc == BGC_E_TRANSPORT ? BGC__TRANSIENT : BGC__FATAL, &err);
            UNLOCK(q);
            bgc__job_unref_deferred(held);
            LOCK(q);
            continue;
        }
        bgc__xfer_set_next(x, e->xfers);
        e->xfers = x;
        e->nxfers++;
        LOCK(q);
    }
    UNLOCK(q);
}

/* (d) Unlinks final jobs without a transfer; returns them (the list's references) chained
 * through ->next for the caller to drop without the lock. Lock held. */
static struct bgc_job *purge_final(struct bgc_queue *q)
{
    struct bgc_job *gone = NULL, *next;

    for (struct bgc_job *j = q->head; j; j = next) {
        next = j->next;
        if (bgc__state_is_final(j->state) && !j->xfer) {
            bgc__queue_unlink(q, j);
            j->next = gone;
            gone = j;
        }
    }
    return gone;
}

/* Ends one attached transfer with libcurl's result: classifies it (transfer.c), frees it and
 * applies the outcome to its job. No lock held. */
static void end_xfer(struct bgc__engine *e, struct bgc__xfer *x, CURLcode result)
{
    struct bgc_queue *q = e->q;
    struct bgc_job *job;
    struct bgc_error err;
    enum bgc__outcome outcome;
    size_t index;

    unlink_xfer(e, x);
    curl_multi_remove_handle(e->multi, bgc__xfer_easy(x));
    memset(&err, 0, sizeof(err));
    outcome = bgc__xfer_result(x, (int)result, &err);
    index = bgc__xfer_index(x);
    job = bgc__xfer_free(x);
    LOCK(q);
    finish(job, index, outcome, &err);
    UNLOCK(q);
    bgc__job_unref_deferred(job);
}

/* (e) Handles every transfer libcurl reports done. Returns how many there were. */
static int finish_done(struct bgc__engine *e)
{
    CURLMsg *msg;
    int left, n = 0;

    while ((msg = curl_multi_info_read(e->multi, &left))) {
        struct bgc__xfer *x = NULL;

        if (msg->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        end_xfer(e, x, msg->data.result); /* msg is invalid after this */
        n++;
    }
    return n;
}

/* Writes out what each transfer received during the last curl_multi_perform (transfer.c
 * invariant 3); a transfer whose temp file cannot be written ends at once. Returns how many
 * ended. */
static int flush_all(struct bgc__engine *e)
{
    struct bgc__xfer *x, *next;
    int n = 0;

    for (x = e->xfers; x; x = next) {
        next = bgc__xfer_next(x);
        if (bgc__xfer_flush(x) != BGC_OK) {
            end_xfer(e, x, CURLE_WRITE_ERROR);
            n++;
        }
    }
    return n;
}

static void engine_main(void *arg)
{
    struct bgc__engine *e = arg;
    struct bgc_queue *q = e->q;

    bgc__store_internal_thread(); /* store area: the engine never waits for the store */

    for (;;) {
        struct bgc_job *gone;
        uint64_t wait_ms, sched_wait;
        int stopping, running, ended;

        LOCK(q);
        stopping = q->stopping;
        if (!stopping)
            bgc__cond_gate(q); /* conditions area: L11, L12, L25, S7 before anything starts */
        sched_wait = stopping ? MAX_POLL_MS : bgc__sched_tick(q, MAX_POLL_MS); /* L17, S2, S3 */
        UNLOCK(q);
        detach_idle(e, stopping);
        if (stopping)
            break;
        LOCK(q);
        wait_ms = retry_due(q);
        UNLOCK(q);
        if (sched_wait < wait_ms)
            wait_ms = sched_wait;
        wait_ms = bgc__inactivity_tick(q, wait_ms); /* inactivity area: L24 */
        start_next(e);
        {
            uint64_t rate_wait = apply_rates(e); /* conditions area: S4 */

            if (rate_wait < wait_ms)
                wait_ms = rate_wait;
        }
        LOCK(q);
        gone = purge_final(q);
        UNLOCK(q);
        while (gone) {
            struct bgc_job *next = gone->next;

            gone->next = NULL;
            bgc__job_unref_deferred(gone);
            gone = next;
        }
        if (e->nxfers) {
            curl_multi_perform(e->multi, &running);
            ended = finish_done(e);
            ended += flush_all(e);
            if (ended)
                continue; /* slots were freed: start the next transfers without sleeping */
        }
        curl_multi_poll(e->multi, NULL, 0, (int)wait_ms, NULL);
    }
    bgc_log(BGC_LOG_TRACE, BGC__CH_ENGINE, "engine thread leaving");
}

int bgc__engine_start(struct bgc_queue *q, struct bgc__engine **out)
{
    struct bgc__engine *e = bgc_calloc(1, sizeof(*e));
    int rc;

    *out = NULL;
    if (!e)
        return BGC_E_NOMEM;
    e->q = q;
    e->multi = curl_multi_init();
    if (!e->multi) {
        bgc_free(e);
        return BGC_E_NOMEM;
    }
    /* Published before the thread runs: set_state's wake-ups may reach it at once. */
    *out = e;
    rc = bgc__thread_start(&e->thread, engine_main, e);
    if (rc != BGC_OK) {
        *out = NULL;
        curl_multi_cleanup(e->multi);
        bgc_free(e);
        return rc;
    }
    return BGC_OK;
}

void bgc__engine_stop(struct bgc__engine *e)
{
    if (!e)
        return;
    bgc__engine_wake(e);
    bgc__thread_join(e->thread);
    curl_multi_cleanup(e->multi);
    bgc_free(e);
}
