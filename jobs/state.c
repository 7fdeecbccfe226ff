/*
 * state.c - the job state machine: THE transition table and bgc__job_set_state, the only
 * function that writes job->state.
 *
 *                       bgc_queue_create_job
 *                                 |
 *                                 v
 *                            SUSPENDED ------ resume, every file already done ------+
 *                                 |                                                 |
 *                                 | resume (L2)                                     |
 *                                 v                                                 |
 *            +-------------> QUEUED <------- resume, files added since (L23) ----+  |
 *            |                    |                                              |  |
 *            |                    | engine start_next (L6)                       |  v
 *            |                    v                                           TRANSFERRED
 *            |               CONNECTING --- header_done / finish (L7) ---+        ^
 *            |                    |                                      v        |
 *            |                    |                                TRANSFERRING --+
 *            |                    | finish, transient (L8)             |   finish, last
 *            | resume (L4),       v                                    |   file (L18)
 *            | engine        TRANSIENT_ERROR <--- finish, transient ---+
 *            | retry_due          |                (L13)
 *            | (L14)              | engine retry_due, no progress (L15)
 *            |                    v
 *            +-- resume (L4) -- ERROR <--- finish, fatal (L16) or start_next failure,
 *                                          from CONNECTING or TRANSFERRING
 *
 *   Every non-final state --bgc_job_suspend (L19)--> SUSPENDED (TRANSFERRED only while a file
 *   is left, L35 project choice); --bgc_job_cancel (L20)--> CANCELLED;
 *   --bgc_job_complete (L21)--> ACKNOWLEDGED. QUEUED --engine start_next--> TRANSFERRED when
 *   nothing is left (defensive). CANCELLED and ACKNOWLEDGED have no way out (L29).
 *
 * The table below is the authority; the drawing is its picture. Each row names the function
 * that takes the edge. "engine" functions are in engine.c, transfer_* in transfer.c.
 *
 * Invariants:
 *  1. job->state is written only here (bgc__job_new sets the initial SUSPENDED), only along
 *     an edge of the table, and only while the caller holds q->lock.
 *  2. The write is a compare-and-set: if the job is no longer in `from` nothing happens and
 *     BGC_E_INVALID_STATE is returned, so a racing engine cannot push a job that an API call
 *     has just moved (and vice versa).
 *  3. Every change is logged with both state names and runs the on-enter work: modification
 *     time (G7), JobModification (except for changes to ERROR or TRANSFERRED, N2), dropping
 *     the TRANSFERRED/ERROR event of the state being left (N5), queuing the event of the state
 *     entered, timestamps, FIFO sequence, and waking the engine.
 *  4. Per-state guarantees, checked in debug builds after every change (check_job):
 *     - ERROR, TRANSIENT_ERROR: has_error is set (R10).
 *     - TRANSFERRED: t_completion is set.
 *     - ACKNOWLEDGED, CANCELLED: no TRANSFERRED/ERROR event is pending.
 *     - any: files_transferred equals the number of files marked transferred.
 */
#include "bgc.h"
#include "jobs_int.h"

#include <assert.h>

#define QUE BGC_STATE_QUEUED
#define CON BGC_STATE_CONNECTING
#define XFR BGC_STATE_TRANSFERRING
#define SUS BGC_STATE_SUSPENDED
#define ERR BGC_STATE_ERROR
#define TER BGC_STATE_TRANSIENT_ERROR
#define TRD BGC_STATE_TRANSFERRED
#define ACK BGC_STATE_ACKNOWLEDGED
#define CAN BGC_STATE_CANCELLED

struct edge {
    enum bgc_state from, to; /* the transition */
    const char *by;          /* who takes it (for the log and for readers) */
};

static const struct edge table[] = {
    {SUS, QUE, "bgc_job_resume (L2)"},
    {SUS, TRD, "bgc_job_resume (all files already transferred)"},
    {SUS, CAN, "bgc_job_cancel (L20)"},
    {SUS, ACK, "bgc_job_complete (L21)"},

    {QUE, CON, "engine start_next (L6)"},
    {QUE, TER, "cond.c gate: network lost, policy, cost (L11, L25, S7)"},
    {QUE, TRD, "engine start_next (nothing left to transfer)"},
    {QUE, SUS, "bgc_job_suspend (L19)"},
    {QUE, CAN, "bgc_job_cancel (L20)"},
    {QUE, ACK, "bgc_job_complete (L21)"},

    {CON, XFR, "transfer_header_done / engine finish (L7)"},
    {CON, TER, "engine finish, transient error (L8, L13)"},
    {CON, ERR, "engine finish, fatal error / start_next failure (L16)"},
    {CON, SUS, "bgc_job_suspend (L19)"},
    {CON, CAN, "bgc_job_cancel (L20)"},
    {CON, ACK, "bgc_job_complete (L21)"},
    {CON, QUE, "sched preemption by a higher priority (S2)"},

    {XFR, TRD, "engine finish, last file done (L18)"},
    {XFR, TER, "engine finish, transient error (L13)"},
    {XFR, ERR, "engine finish, fatal error / start_next failure (L16)"},
    {XFR, SUS, "bgc_job_suspend (L19)"},
    {XFR, CAN, "bgc_job_cancel (L20)"},
    {XFR, ACK, "bgc_job_complete (L21)"},
    {XFR, QUE, "sched time slice over / preemption (L9, S2)"},

    {TER, QUE, "bgc_job_resume (L4) / engine retry_due (L14)"},
    {TER, ERR, "engine retry_due, no progress timeout (L15)"},
    {TER, SUS, "bgc_job_suspend (L19)"},
    {TER, CAN, "bgc_job_cancel (L20)"},
    {TER, ACK, "bgc_job_complete (L21)"},

    {ERR, QUE, "bgc_job_resume (L4)"},
    {ERR, SUS, "bgc_job_suspend (L19)"},
    {ERR, CAN, "bgc_job_cancel (L20)"},
    {ERR, ACK, "bgc_job_complete (L21)"},

    {TRD, QUE, "bgc_job_resume, files added since (L23)"},
    {TRD, SUS, "bgc_job_suspend, files added since (L35 project choice)"},
    {TRD, CAN, "bgc_job_cancel (L20)"},
    {TRD, ERR, "bgc_job_set_file_validation FALSE (F14, files area)"},
    {TRD, ACK, "bgc_job_complete (L21)"},
};

static const char *const state_names[BGC_STATE_COUNT] = {
    "QUEUED", "CONNECTING", "TRANSFERRING", "SUSPENDED", "ERROR",
    "TRANSIENT_ERROR", "TRANSFERRED", "ACKNOWLEDGED", "CANCELLED",
};

const char *bgc_state_name(enum bgc_state s)
{
    return ((unsigned)s < BGC_STATE_COUNT) ? state_names[s] : "?";
}

int bgc__state_is_final(enum bgc_state s)
{
    return s == ACK || s == CAN;
}

int bgc__state_is_active(enum bgc_state s)
{
    return s == QUE || s == CON || s == XFR;
}

static const struct edge *find_edge(enum bgc_state from, enum bgc_state to)
{
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (table[i].from == from && table[i].to == to)
            return &table[i];
    }
    return NULL;
}

#ifndef NDEBUG
/* Invariant 4, debug builds only. */
static void check_job(const struct bgc_job *job)
{
    size_t done = 0;

    for (size_t i = 0; i < job->nfiles; i++)
        done += job->files[i]->transferred ? 1 : 0;
    assert(done == job->files_transferred);
    assert(!(job->state == ERR || job->state == TER) || job->has_error);
    assert(job->state != TRD || job->t_completion != 0);
    assert(!bgc__state_is_final(job->state) || job->pending_events == 0);
}
#endif

/* On-enter work of invariant 3. */
static void on_enter(struct bgc_job *job, enum bgc_state from, enum bgc_state to)
{
    struct bgc_queue *q = job->q;

    job->t_modification = bgc__wallclock();
    bgc__notify_drop_state_events(job);
    if (to != TER)
        job->cond_blocked = 0; /* conditions area: cond.c invariant 1 */
    switch (to) {
    case QUE:
        job->queued_seq = ++q->seq;
        break;
    case XFR:
        job->has_error = 0; /* R10: the error object lives until the job next transfers */
        break;
    case TER:
        job->ter_since_ms = bgc__clock_ms();
        break;
    case ERR:
        bgc__notify_state_event(job, BGC_EVENT_ERROR);
        break;
    case TRD:
        job->t_completion = job->t_modification;
        job->has_error = 0;
        bgc__notify_state_event(job, BGC_EVENT_TRANSFERRED);
        break;
    default:
        break;
    }
    if (to != ERR && to != TRD)
        bgc__notify_modified(job); /* N2: never for changes to ERROR or TRANSFERRED */
    if (bgc__state_is_final(to))
        bgc__store_job_final(job); /* store area: a final job leaves the store */
    else
        bgc__store_mark_job(job, 1); /* store area: state changes are written at once */
    bgc__sched_state_changed(job, from, to); /* core area: L17 clock, S3 slice */
    if (q->engine)
        bgc__engine_wake(q->engine);
}

int bgc__job_set_state(struct bgc_job *job, enum bgc_state from, enum bgc_state to)
{
    const struct edge *e;
    char id[39];

    if (job->state != from)
        return BGC_E_INVALID_STATE; /* lost a race: someone moved the job first */
    e = find_edge(from, to);
    bgc_id_format(&job->id, id);
    if (!e) {
        bgc_log(BGC_LOG_ERR, BGC__CH_STATE, "job %s: refused transition %s -> %s (not in table)",
                id, bgc_state_name(from), bgc_state_name(to));
        assert(!"state transition outside the table");
        return BGC_E_INVALID_STATE;
    }
    job->state = to;
    bgc_log(BGC_LOG_INFO, BGC__CH_STATE, "job %s: %s -> %s by %s", id, bgc_state_name(from),
            bgc_state_name(to), e->by);
    on_enter(job, from, to);
#ifndef NDEBUG
    check_job(job);
#endif
    return BGC_OK;
}
