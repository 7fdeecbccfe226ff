/*
 * notify.c - the notification dispatcher threads: pending job events and their delivery
 * through the queue's struct bgc_sink (N1, N2, N4, N5, N9). jobs/ knows nothing of COM:
 * server/notify.c implements the sink and its fallback chain.
 *
 * Events and their lifetime:
 *  - TRANSFERRED / ERROR (job->pending_events): queued when the job enters that state and
 *    dropped when it leaves it (state.c); delivered while the job's notify flags allow it;
 *    BGC_DELIVERED clears it, BGC_NO_TARGET parks it until bgc_job_notify_kick, BGC_RETRY
 *    retries it after the job's minimum retry delay (N5 project choice).
 *  - FILE_TRANSFERRED (file->event_pending): one per finished file, delivered in file order
 *    and before the job's TRANSFERRED/ERROR event (N2); BGC_RETRY re-queues it for the job's
 *    minimum retry delay, holding back later files and TRANSFERRED/ERROR meanwhile (N5);
 *    BGC_DELIVERED and BGC_NO_TARGET end it (at most once per target).
 *  - MODIFICATION (job->mod_pending): coalesced, at most once per min_notify_interval_ms
 *    (Job5 MINIMUM_NOTIFICATION_INTERVAL_MS, default 500 ms) per job (N2); at
 *    most once. State changes *to* ERROR or TRANSFERRED never raise it (state.c).
 *
 * Invariants:
 *  1. The sink is called only from the dispatcher threads, with no lock held and a job
 *     reference held for the call (bgc.h invariant 5); the sink may call any bgc_ function.
 *  2. DISABLE suppresses everything (N1); a flag that is off drops FILE_TRANSFERRED and
 *     MODIFICATION events but only defers TRANSFERRED/ERROR, which still count once the flag
 *     is set (N4: at least once, even late).
 *  3. A delivery result applies only to the event that was delivered: if the job left and
 *     re-entered the state meanwhile (pending_gen moved), the new event stays pending.
 *  4. Without a sink no events are queued and no thread runs.
 *  5. The threads never allocate: everything they need lives in the job and file structs
 *     and in struct bgc__notifier (fixed size).
 *  6. The threads also free the jobs whose last reference the engine dropped
 *     (q->graveyard), so server/'s user destructors run on a thread its sink set up
 *     (thread_start).
 *  7. The sink must not call bgc_queue_free (it would wait for these very threads).
 *  8. (dispatch area, N9) Never two deliveries for one job at the same time
 *     (job->notify_busy), so a job's events keep their order: its FILE_TRANSFERRED events
 *     one after another in file order, all before its TRANSFERRED/ERROR. Across jobs, a due
 *     high-class event (FILE_TRANSFERRED, TRANSFERRED, ERROR) is always picked before any
 *     low-class one (MODIFICATION, FILE_RANGES_TRANSFERRED), so a JobTransferred overtakes
 *     older JobModification calls still waiting for a thread.
 *  9. (dispatch area, N9) At most DISPATCH_PER_OWNER (4) deliveries per owner string are in
 *     flight; further ones wait until one returns. Threads (at most DISPATCH_THREADS, 8) are
 *     started on demand: one at queue start, another when a thread takes a delivery while
 *     every thread is inside a sink call and a job no thread serves has an event pending; each runs the sink's thread_start
 *     and thread_stop hooks. A slow target thus holds up only its own job (and, once four
 *     are slow, its owner), never the engine and never other owners.
 */
#include "bgc.h"
#include "jobs_int.h"

#include <string.h>

#define LOCK(q) bgc__mutex_lock((q)->lock)
#define UNLOCK(q) bgc__queue_unlock(q)

/* dispatch area (issue 3 item 9, N9): a pool of dispatcher threads, started on demand. */
#define DISPATCH_THREADS 8   /* per queue: two owners at their limit, or one and room */
#define DISPATCH_PER_OWNER 4 /* N9: at most four notifications per user in flight */

struct bgc__notifier;

struct dispatcher {
    struct bgc__notifier *n; /* immutable */
    unsigned slot;           /* immutable: index in n->threads and n->inflight */
};

struct bgc__notifier {
    struct bgc_queue *q;                              /* immutable */
    struct bgc__thread *threads[DISPATCH_THREADS];    /* lock: the first nthreads are running */
    struct dispatcher disp[DISPATCH_THREADS];         /* lock: their arguments */
    unsigned nthreads;                                /* lock */
    unsigned delivering;                              /* lock: threads inside a sink call */
    struct bgc_job *inflight[DISPATCH_THREADS];       /* lock: the job each thread delivers to */
};

/* One delivery chosen by pick(). */
struct delivery {
    struct bgc_job *job;     /* referenced for the call */
    enum bgc_event ev;       /* what to tell */
    unsigned file_index;     /* for BGC_EVENT_FILE_TRANSFERRED */
    unsigned gen;            /* job->pending_gen for TRANSFERRED/ERROR */
};

static unsigned state_flag(enum bgc_event ev)
{
    return ev == BGC_EVENT_TRANSFERRED ? BGC_NOTIFY_JOB_TRANSFERRED : BGC_NOTIFY_JOB_ERROR;
}

static enum bgc_event state_event(const struct bgc_job *job)
{
    return (job->pending_events & BGC_EVENT_TRANSFERRED) ? BGC_EVENT_TRANSFERRED
                                                         : BGC_EVENT_ERROR;
}

static void maybe_spawn(struct bgc_queue *q);

void bgc__notify_wake(struct bgc_queue *q)
{
    if (q->has_sink) {
        bgc__cond_broadcast(q->notify_cond); /* several dispatcher threads may wait */
        maybe_spawn(q);                      /* invariant 9 */
    }
}

void bgc__notify_state_event(struct bgc_job *job, enum bgc_event ev)
{
    if (!job->q->has_sink)
        return;
    job->pending_events = (unsigned)ev;
    job->pending_gen++;
    job->wait_kick = 0;
    job->retry_at_ms = 0;
    bgc__notify_wake(job->q);
}

void bgc__notify_file_event(struct bgc_job *job, size_t index)
{
    struct bgc_file *f = job->files[index];

    if (!job->q->has_sink || f->event_pending)
        return;
    f->event_pending = 1;
    job->file_events++;
    bgc__notify_wake(job->q);
}

void bgc__notify_modified(struct bgc_job *job)
{
    unsigned flags = job->notify_flags;

    if (!job->q->has_sink || (flags & BGC_NOTIFY_DISABLE) || !(flags & BGC_NOTIFY_JOB_MODIFICATION))
        return;
    if (!job->mod_pending) {
        job->mod_pending = 1; /* coalesced: one wake per pending period, not per change */
        bgc__notify_wake(job->q);
    }
}

void bgc__notify_drop_state_events(struct bgc_job *job)
{
    job->pending_events = 0;
    job->wait_kick = 0;
    job->retry_at_ms = 0;
}

int bgc__notify_busy(const struct bgc_job *job)
{
    unsigned flags = job->notify_flags;

    if (!job->q->has_sink || !job->pending_events || job->wait_kick ||
        (flags & BGC_NOTIFY_DISABLE))
        return 0;
    return (flags & state_flag(state_event(job))) != 0;
}

void bgc_job_notify_kick(struct bgc_job *job)
{
    if (!job)
        return;
    LOCK(job->q);
    job->wait_kick = 0;
    job->retry_at_ms = 0;
    bgc__notify_wake(job->q);
    UNLOCK(job->q);
}

/* Chooses the next due event of one job in one class (high: FILE_TRANSFERRED, TRANSFERRED,
 * ERROR; low: FILE_RANGES_TRANSFERRED, MODIFICATION; invariant 8), or returns 0 and lowers
 * *next_ms to the time one becomes due. Drops events that invariant 2 says to drop. Lock
 * held. */
static int pick_from_job(struct bgc_job *job, uint64_t now, uint64_t *next_ms, struct delivery *d, int high)
{
    unsigned flags = job->notify_flags;
    int disabled = (flags & BGC_NOTIFY_DISABLE) != 0;

    if (!high)
        goto low;
    if (job->file_events && now < job->file_retry_at_ms && job->file_retry_at_ms < *next_ms)
        *next_ms = job->file_retry_at_ms; /* core area: a failed FileTransferred waits (N5) */
    while (job->file_events && now >= job->file_retry_at_ms) {
        size_t i = 0;

        while (i < job->nfiles && !job->files[i]->event_pending)
            i++;
        if (i == job->nfiles) { /* cannot happen: the counter and the flags disagree */
            job->file_events = 0;
            break;
        }
        job->files[i]->event_pending = 0;
        job->file_events--;
        if (!disabled && (flags & BGC_NOTIFY_FILE_TRANSFERRED)) {
            d->ev = BGC_EVENT_FILE_TRANSFERRED;
            d->file_index = (unsigned)i;
            return 1;
        }
    }
    /* core area: TRANSFERRED/ERROR never overtake a FileTransferred awaiting its retry (N2) */
    if (job->pending_events && !job->wait_kick && !disabled && !job->file_events &&
        (flags & state_flag(state_event(job)))) {
        if (now >= job->retry_at_ms) {
            d->ev = state_event(job);
            d->gen = job->pending_gen;
            return 1;
        }
        if (job->retry_at_ms < *next_ms)
            *next_ms = job->retry_at_ms;
    }
    return 0;
low:
    if (bgc__od_pick(job, now, next_ms, &d->file_index)) { /* files area: N2 ranges */
        d->ev = BGC_EVENT_FILE_RANGES_TRANSFERRED;
        return 1;
    }
    if (job->mod_pending) {
        /* core area: Job5 MINIMUM_NOTIFICATION_INTERVAL_MS (default 500, N2) */
        uint64_t due = job->mod_last_ms + job->min_notify_interval_ms;

        if (disabled || !(flags & BGC_NOTIFY_JOB_MODIFICATION)) {
            job->mod_pending = 0;
        } else if (now >= due) {
            job->mod_pending = 0;
            job->mod_last_ms = now;
            d->ev = BGC_EVENT_MODIFICATION;
            return 1;
        } else if (due < *next_ms) {
            *next_ms = due;
        }
    }
    return 0;
}

/* Applies the sink's answer to a TRANSFERRED/ERROR delivery (invariant 3). Lock held. */
static void record_result(struct bgc_job *job, const struct delivery *d, int result)
{
    if (!(job->pending_events & (unsigned)d->ev) || job->pending_gen != d->gen)
        return; /* the job left the state (or re-entered it): nothing to record */
    switch (result) {
    case BGC_DELIVERED:
        job->pending_events &= ~(unsigned)d->ev;
        bgc__store_mark_job(job, 0); /* store area: not re-delivered after a restart */
        break;
    case BGC_NO_TARGET:
        job->wait_kick = 1;
        break;
    default:
        if (result != BGC_RETRY)
            bgc_log(BGC_LOG_WARN, BGC__CH_NOTIFY, "sink returned %d; treated as BGC_RETRY",
                    result);
        job->retry_at_ms = bgc__clock_ms() + (uint64_t)job->min_retry_delay_s * 1000u;
        break;
    }
}

/* core area, N5: a FileTransferred the target failed (negative HRESULT) is pending again and
 * retried after the job's minimum retry delay; later files and the job's TRANSFERRED/ERROR
 * event wait behind it (N2: serialized per job, all before JobTransferred). Lock held. */
static void file_retry(struct bgc_job *job, unsigned index)
{
    struct bgc_file *f;

    if (index >= job->nfiles)
        return;
    f = job->files[index];
    if (!f->event_pending) {
        f->event_pending = 1;
        job->file_events++;
    }
    job->file_retry_at_ms = bgc__clock_ms() + (uint64_t)job->min_retry_delay_s * 1000u;
}

/* Deliveries in flight for owner (invariant 9). Lock held. */
static unsigned owner_inflight(const struct bgc__notifier *n, const char *owner)
{
    unsigned count = 0;

    for (unsigned i = 0; i < n->nthreads; i++) {
        const struct bgc_job *j = n->inflight[i];

        if (j && (j->owner == owner || (j->owner && owner && !strcmp(j->owner, owner))))
            count++;
    }
    return count;
}

/* Non-zero when a job no thread is delivering to has an event that may soon be due. Lock
 * held. */
static int other_work(const struct bgc_queue *q)
{
    for (const struct bgc_job *j = q->head; j; j = j->next) {
        if (!j->notify_busy && !bgc__state_is_final(j->state) &&
            ((j->pending_events && !j->wait_kick) || j->file_events || j->mod_pending))
            return 1;
    }
    return 0;
}

static void dispatcher_main(void *arg);

/* Starts one more dispatcher thread when every thread is inside a sink call and a job no
 * thread serves has an event pending (invariant 9). Lock held. */
static void maybe_spawn(struct bgc_queue *q)
{
    struct bgc__notifier *n = q->notifier;
    unsigned slot;

    if (!n || q->stopping || n->delivering < n->nthreads || n->nthreads >= DISPATCH_THREADS ||
        !other_work(q))
        return;
    slot = n->nthreads;

    n->disp[slot].n = n;
    n->disp[slot].slot = slot;
    if (bgc__thread_start(&n->threads[slot], dispatcher_main, &n->disp[slot]) == BGC_OK)
        n->nthreads++;
    else
        bgc_log(BGC_LOG_WARN, BGC__CH_NOTIFY, "cannot start dispatcher thread %u", slot);
}

/* Picks the next delivery for a dispatcher thread: a high-class event before any low-class
 * one, from jobs that no other thread is delivering to and whose owner has fewer than
 * DISPATCH_PER_OWNER in flight (invariants 8, 9). Lock held. */
static int pick(struct bgc__notifier *n, uint64_t now, uint64_t *next, struct delivery *d)
{
    struct bgc_queue *q = n->q;

    for (int high = 1; high >= 0; high--) {
        for (struct bgc_job *j = q->head; j; j = j->next) {
            if (bgc__state_is_final(j->state) || j->notify_busy ||
                owner_inflight(n, j->owner) >= DISPATCH_PER_OWNER)
                continue;
            if (pick_from_job(j, now, next, d, high)) {
                d->job = bgc_job_ref(j);
                return 1;
            }
        }
    }
    return 0;
}

static void dispatcher_main(void *arg)
{
    struct dispatcher *self = arg;
    struct bgc__notifier *n = self->n;
    struct bgc_queue *q = n->q;

    bgc__store_internal_thread(); /* store area: dispatchers never wait for the store */
    if (q->sink.thread_start)
        q->sink.thread_start(q->sink.ctx);
    LOCK(q);
    while (!q->stopping) {
        uint64_t now = bgc__clock_ms(), next = UINT64_MAX;
        struct delivery d = {0};
        int result;

        if (q->graveyard) {
            UNLOCK(q);
            bgc__job_bury(q); /* invariant 6 */
            LOCK(q);
            continue;
        }
        if (!pick(n, now, &next, &d)) {
            if (next == UINT64_MAX)
                bgc__cond_wait(q->notify_cond, q->lock);
            else
                bgc__cond_timedwait(q->notify_cond, q->lock, next > now ? next - now : 0);
            continue;
        }
        d.job->notify_busy = 1; /* invariant 8 */
        n->inflight[self->slot] = d.job;
        n->delivering++;
        maybe_spawn(q); /* invariant 9: a slow target does not hold up other jobs */
        UNLOCK(q);
        bgc_log(BGC_LOG_TRACE, BGC__CH_NOTIFY, "job %p: delivering event %d (file %u)",
                (void *)d.job, (int)d.ev, d.file_index);
        result = q->sink.deliver(q->sink.ctx, d.job, d.ev, d.file_index);
        bgc_log(BGC_LOG_TRACE, BGC__CH_NOTIFY, "job %p: event %d -> %d", (void *)d.job,
                (int)d.ev, result);
        LOCK(q);
        if (d.ev == BGC_EVENT_TRANSFERRED || d.ev == BGC_EVENT_ERROR)
            record_result(d.job, &d, result);
        else if (d.ev == BGC_EVENT_FILE_TRANSFERRED && result == BGC_RETRY)
            file_retry(d.job, d.file_index); /* core area: N5 */
        d.job->notify_busy = 0;
        n->inflight[self->slot] = NULL;
        n->delivering--;
        bgc__cond_broadcast(q->notify_cond); /* the job and a slot of its owner are free */
        UNLOCK(q);
        bgc_job_unref(d.job);
        LOCK(q);
    }
    UNLOCK(q);
    bgc__job_bury(q);
    if (q->sink.thread_stop)
        q->sink.thread_stop(q->sink.ctx);
}

int bgc__notifier_start(struct bgc_queue *q, struct bgc__notifier **out)
{
    struct bgc__notifier *n = bgc_calloc(1, sizeof(*n));
    int rc;

    *out = NULL;
    if (!n)
        return BGC_E_NOMEM;
    n->q = q;
    n->disp[0].n = n;
    n->disp[0].slot = 0;
    n->nthreads = 1; /* before the thread runs: it may start the next one at once */
    rc = bgc__thread_start(&n->threads[0], dispatcher_main, &n->disp[0]);
    if (rc != BGC_OK) {
        bgc_free(n);
        return rc;
    }
    bgc__mutex_lock(q->lock); /* out is &q->notifier, which maybe_spawn reads under the lock */
    *out = n;
    bgc__mutex_unlock(q->lock);
    return BGC_OK;
}

void bgc__notifier_stop(struct bgc__notifier *n)
{
    unsigned count;

    if (!n)
        return;
    /* q->stopping is set: no thread starts another one from here on. */
    bgc__mutex_lock(n->q->lock);
    count = n->nthreads;
    bgc__mutex_unlock(n->q->lock);
    for (unsigned i = 0; i < count; i++)
        bgc__thread_join(n->threads[i]);
    bgc_free(n);
}
