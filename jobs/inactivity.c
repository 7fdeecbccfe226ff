/*
 * inactivity.c - the inactivity area of issue 3: L24 JobInactivityTimeout. A non-final job
 * that had no activity for q->cfg.job_inactivity_timeout_s (default 90 days; registry
 * JobInactivityTimeoutS) is cancelled by the service: it enters CANCELLED, its download
 * temporaries are deleted (as bgc_job_cancel does; there are no uploads, so no reply file)
 * and it leaves the queue's listings in the same engine turn (engine.c purge_final).
 *
 * Activity is job->active_ms, a monotonic clock (L33) moved with the modification time (G7)
 * by creation, every setter and AddFile (bgc__job_touch), the client's Resume and Suspend,
 * and transferred bytes (transfer.c count_written, engine.c file done). The engine's own
 * state changes (retries: TRANSIENT_ERROR -> QUEUED -> CONNECTING -> TRANSIENT_ERROR) are not
 * activity, so a job that keeps failing without moving a byte expires.
 *
 * Invariants:
 *  1. Runs on the engine thread only. The engine is the only one that attaches transfers
 *     (job->xfer), so a job seen without a transfer under the lock cannot get one before this
 *     file is done with it: cancelling it never waits for the engine (bgc_job_cancel would).
 *  2. Jobs with a transfer, a Complete in progress (completing) or a pending certificate
 *     check (cert_wait) are skipped: they are busy, not inactive. A transferring job that
 *     moves bytes keeps resetting its clock anyway.
 *  3. The state change happens under q->lock through bgc__job_set_state (compare-and-set);
 *     temporaries are deleted afterwards with no lock held. CANCELLED is final, so nobody
 *     changes the job's files meanwhile; our reference keeps them alive.
 */
#include "bgc.h"
#include "jobs_int.h"

#include <stdlib.h>

#define LOCK(q) bgc__mutex_lock((q)->lock)
#define UNLOCK(q) bgc__queue_unlock(q)

#define DEF_JOB_INACTIVITY_TIMEOUT_S 7776000u /* 90 days (S6) */
#define BATCH 16 /* jobs cancelled per engine turn; the rest follow on the next turn */

/* Deletes the temporaries of a job that just became CANCELLED (invariant 3). No lock held. */
static void delete_temporaries(struct bgc_job *job, const char *id)
{
    for (size_t i = 0; i < job->nfiles; i++) {
        const struct bgc_file *f = job->files[i];
        int os_error = 0;

        if (!f->temp || f->completed || job->high_performance)
            continue; /* as bgc_job_cancel: never started, renamed, or HIGH_PERFORMANCE */
        if (bgc__file_delete(f->temp, &os_error) < 0)
            bgc_log(BGC_LOG_WARN, BGC__CH_JOB, "job %s: cannot delete %s (os error %d)", id,
                    f->temp, os_error);
    }
}

uint64_t bgc__inactivity_tick(struct bgc_queue *q, uint64_t cap_ms)
{
    struct bgc_job *expired[BATCH];
    uint64_t idle_ms[BATCH];
    size_t n = 0;
    uint64_t timeout_ms, now, wait = cap_ms;

    timeout_ms = (uint64_t)(q->cfg.job_inactivity_timeout_s ? q->cfg.job_inactivity_timeout_s
                                                            : DEF_JOB_INACTIVITY_TIMEOUT_S) *
                 1000u;
    LOCK(q);
    now = bgc__clock_ms();
    for (struct bgc_job *j = q->head; j; j = j->next) {
        uint64_t idle;

        if (bgc__state_is_final(j->state) || j->xfer || j->completing || j->cert_wait)
            continue; /* invariant 2 */
        idle = now - j->active_ms;
        if (idle < timeout_ms) {
            if (timeout_ms - idle < wait)
                wait = timeout_ms - idle;
            continue;
        }
        if (n == BATCH) {
            wait = 0; /* more to do: come back at once */
            break;
        }
        if (bgc__job_set_state(j, j->state, BGC_STATE_CANCELLED) != BGC_OK)
            continue;
        idle_ms[n] = idle;
        expired[n++] = bgc_job_ref(j);
    }
    UNLOCK(q);
    for (size_t i = 0; i < n; i++) {
        char id[39];

        bgc_id_format(&expired[i]->id, id);
        bgc_log(BGC_LOG_INFO, BGC__CH_JOB,
                "job %s cancelled after %llu s without activity (JobInactivityTimeout)", id,
                (unsigned long long)(idle_ms[i] / 1000u));
        delete_temporaries(expired[i], id);
        bgc__job_unref_deferred(expired[i]);
    }
    return wait;
}
