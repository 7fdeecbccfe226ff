/*
 * sched.c - who may transfer now (issue 3, core area): priorities, the background slot limit,
 * round-robin time slices, and the maximum download time. The engine (engine.c) asks; this
 * file decides. Everything here runs with q->lock held.
 *
 * Policy (bits-behavior §6; choices marked):
 *  - S1/S2: FOREGROUND jobs transfer at once, each with its own transfer, bounded only by
 *    BGC__MAX_FOREGROUND_TRANSFERS (a safety bound on sockets and file handles). HIGH, NORMAL
 *    and LOW ("background") jobs share q->cfg.max_transfers slots. BITS runs one background job
 *    at a time; bgcopy's default is 8 (registry MaxTransfers; set 1 for BITS's behaviour).
 *  - Slots go to background jobs strictly by priority, first come first served within one
 *    priority (queued_seq). A higher-priority job that finds no free slot preempts the
 *    lowest-priority running background job, the one started last: that job goes back to
 *    QUEUED keeping its bytes (its temp file is resumed later with a Range request).
 *  - S3/L9: while jobs of a priority wait for a slot that running jobs of the same priority
 *    hold, a running job whose time slice (q->cfg.time_slice_ms, default 30 s, registry
 *    TimeSliceMs) is over goes back to QUEUED behind them (new queued_seq) and the next one
 *    runs. A job alone at its priority keeps its slot, and so does a job whose current file
 *    could not resume (no ETag/Last-Modified validator, DYNAMIC_CONTENT, or a server that
 *    answered a Range request for it with the whole file: file->range_ignored, set by
 *    transfer.c): rotating it would throw its bytes away, and two such jobs would restart
 *    each other from zero forever.
 *  - L17: the time a job spends in CONNECTING+TRANSFERRING is summed (download_ms, plus the
 *    current stretch since download_since_ms, on the monotonic clock: L33); when it reaches
 *    max_download_time_s the job goes to ERROR with BGC_E_MAXDOWNLOAD_TIMEOUT. Resume from
 *    ERROR/TRANSIENT_ERROR resets the sum (L4). The error counts for GetErrorCount (R9: the
 *    job goes from XFR to ERR).
 *
 * Invariants:
 *  1. A preempted job is moved to QUEUED and marked sched_yield; the engine detaches its
 *     transfer in the same loop turn (detach_idle) and release_slot clears the mark. While the
 *     mark is set the job is never picked, so a job never has two transfers.
 *  2. Attached background transfers never exceed max_transfers after the engine's detach step;
 *     foreground ones never exceed BGC__MAX_FOREGROUND_TRANSFERS.
 */
#include "bgc.h"
#include "jobs_int.h"

#include <string.h>

#define NPRIO 4 /* FOREGROUND, HIGH, NORMAL, LOW */

int bgc__sched_is_background(const struct bgc_job *job)
{
    return job->priority != BGC_PRIO_FOREGROUND;
}

static int in_download(enum bgc_state s)
{
    return s == BGC_STATE_CONNECTING || s == BGC_STATE_TRANSFERRING;
}

void bgc__sched_state_changed(struct bgc_job *job, enum bgc_state from, enum bgc_state to)
{
    uint64_t now;

    if (in_download(from) == in_download(to))
        return;
    now = bgc__clock_ms();
    if (in_download(to)) {
        job->download_since_ms = now ? now : 1; /* 0 means "not downloading" */
        job->slice_start_ms = job->download_since_ms;
    } else {
        if (job->download_since_ms)
            job->download_ms += now - job->download_since_ms;
        job->download_since_ms = 0;
        job->slice_start_ms = 0;
    }
}

void bgc__sched_reset_download_time(struct bgc_job *job)
{
    job->download_ms = 0;
    if (job->download_since_ms)
        job->download_since_ms = bgc__clock_ms();
}

/* L17: moves the job to ERROR when its download time is used up; otherwise lowers *wait to
 * the time left. Returns non-zero when the job was stopped. */
static int check_max_download_time(struct bgc_job *job, uint64_t now, uint64_t *wait)
{
    uint64_t used, limit;
    struct bgc_error err;

    if (!in_download(job->state) || job->max_download_time_s == 0 || job->completing)
        return 0;
    used = job->download_ms + (job->download_since_ms ? now - job->download_since_ms : 0);
    limit = (uint64_t)job->max_download_time_s * 1000u;
    if (used < limit) {
        if (limit - used < *wait)
            *wait = limit - used;
        return 0;
    }
    memset(&err, 0, sizeof(err));
    err.code = BGC_E_MAXDOWNLOAD_TIMEOUT;
    err.context = BGC_CTX_GENERAL_QUEUE_MANAGER;
    err.file_index = -1;
    strcpy(err.message, "the job exceeded its maximum download time");
    job->error_count++; /* R9 */
    bgc__job_set_error(job, &err);
    bgc__job_set_state(job, job->state, BGC_STATE_ERROR); /* L17 */
    return 1;
}

/* Gives up job's slot (invariant 1). */
static void yield(struct bgc_job *job, const char *why)
{
    char id[39];

    bgc_id_format(&job->id, id);
    bgc_log(BGC_LOG_INFO, BGC__CH_ENGINE, "job %s gives up its transfer slot: %s", id, why);
    job->sched_yield = 1;
    bgc__job_set_state(job, job->state, BGC_STATE_QUEUED); /* L9 / S2 */
}

/* A running background job of priority p to give up its slot: the one started last. */
static struct bgc_job *latest_running(struct bgc_queue *q, int p)
{
    struct bgc_job *best = NULL;

    for (struct bgc_job *j = q->head; j; j = j->next) {
        if (!j->xfer || j->sched_yield || (int)j->priority != p || !in_download(j->state))
            continue;
        if (!best || j->slice_start_ms > best->slice_start_ms)
            best = j;
    }
    return best;
}

/* Non-zero when the job's current file could continue where it stops (a validator for
 * If-Range and no DYNAMIC_CONTENT): only such jobs rotate, or two jobs whose server ignores
 * Range would restart each other from zero forever. */
static int can_resume(const struct bgc_job *job)
{
    size_t i = bgc__job_next_file(job);

    if (job->dynamic_content || i >= job->nfiles)
        return 0;
    if (job->files[i]->range_ignored)
        return 0; /* dispatch area: the server answered a Range request with 200 */
    return job->files[i]->validator != NULL;
}

/* A running background job of priority p whose slice is over (the oldest), or NULL. */
static struct bgc_job *slice_over(struct bgc_queue *q, int p, uint64_t now, uint64_t *wait)
{
    struct bgc_job *best = NULL;
    uint64_t slice = q->cfg.time_slice_ms;

    for (struct bgc_job *j = q->head; j; j = j->next) {
        if (!j->xfer || j->sched_yield || (int)j->priority != p || !in_download(j->state) ||
            !can_resume(j))
            continue;
        if (now - j->slice_start_ms >= slice) {
            if (!best || j->slice_start_ms < best->slice_start_ms)
                best = j;
        } else if (j->slice_start_ms + slice - now < *wait) {
            *wait = j->slice_start_ms + slice - now;
        }
    }
    return best;
}

uint64_t bgc__sched_tick(struct bgc_queue *q, uint64_t cap_ms)
{
    uint64_t now = bgc__clock_ms(), wait = cap_ms;
    unsigned running[NPRIO] = {0}, waiting[NPRIO] = {0}, left = q->cfg.max_transfers;

    for (struct bgc_job *j = q->head; j; j = j->next) {
        if (check_max_download_time(j, now, &wait))
            continue;
        if (!bgc__sched_is_background(j) || (unsigned)j->priority >= NPRIO)
            continue;
        if (j->xfer && !j->sched_yield && in_download(j->state))
            running[j->priority]++;
        else if (!j->xfer && bgc__job_runnable(j) && !j->cert_wait)
            waiting[j->priority]++;
    }
    /* Slots from the highest background priority down; a priority holding more slots than
     * its share gives the excess back (preemption, S1), and a priority whose waiting jobs get
     * no slot rotates its running jobs when their slices end (S3, L9). */
    for (int p = BGC_PRIO_HIGH; p < NPRIO; p++) {
        unsigned want = running[p] + waiting[p];
        unsigned share = want < left ? want : left;

        left -= share;
        for (unsigned n = running[p]; n > share; n--) {
            struct bgc_job *j = latest_running(q, p);

            if (!j)
                break;
            yield(j, "preempted by a higher priority");
            running[p]--;
            waiting[p]++;
        }
        for (unsigned n = waiting[p]; n > 0 && running[p] + waiting[p] > share; n--) {
            struct bgc_job *j = slice_over(q, p, now, &wait);

            if (!j)
                break;
            yield(j, "time slice over");
        }
    }
    return wait;
}

struct bgc_job *bgc__sched_pick(struct bgc_queue *q, unsigned *nbg_out, unsigned *nfg_out)
{
    struct bgc_job *best = NULL;
    unsigned nbg = 0, nfg = 0;

    for (struct bgc_job *j = q->head; j; j = j->next) {
        if (j->xfer) {
            if (bgc__sched_is_background(j))
                nbg++;
            else
                nfg++;
        }
    }
    for (struct bgc_job *j = q->head; j; j = j->next) {
        if (!bgc__job_runnable(j) || j->xfer || j->sched_yield || j->cert_wait)
            continue; /* cert_wait: dispatch area, a certificate check is pending */
        if (bgc__sched_is_background(j) ? nbg >= q->cfg.max_transfers
                                         : nfg >= BGC__MAX_FOREGROUND_TRANSFERS)
            continue;
        if (!best || j->priority < best->priority ||
            (j->priority == best->priority && j->queued_seq < best->queued_seq))
            best = j;
    }
    if (nbg_out)
        *nbg_out = nbg;
    if (nfg_out)
        *nfg_out = nfg;
    return best;
}
