/*
 * worker.c - dispatch area (issue 3 item 9): the queue's side worker, a thread that runs the
 * client calls the engine must never make itself. Today its only work item is the HttpOptions3
 * server-certificate check (httpopts.c): the engine hands the certificate over, aborts that one
 * transfer and goes on with the others; the worker asks the client's validator and records the
 * answer; the engine then restarts the transfer, which finds the answer (httpopts.c inv. 7).
 *
 * Invariants:
 *  1. The engine thread never blocks on the worker and never runs a work item: it only
 *     appends items (bgc__worker_submit, O(1) under q->lock).
 *  2. Items run one at a time, in submission order, on the worker thread with no lock held;
 *     an item may call any bgc_ function except bgc_queue_free (which joins this thread).
 *  3. The thread starts on the first submission (a queue whose jobs never set a certificate
 *     validator never has one) and is joined by bgc_queue_free after the engine has stopped,
 *     so nothing is submitted any more. Items that run once the queue is stopping run with
 *     cancelled = 1 (they must release what they hold without calling out of jobs/).
 *  4. Submission fails only when the queue is stopping or the thread cannot start; the
 *     caller then keeps the item.
 */
#include "bgc.h"
#include "jobs_int.h"

#define LOCK(q) bgc__mutex_lock((q)->lock)
#define UNLOCK(q) bgc__queue_unlock(q)

struct bgc__worker {
    struct bgc_queue *q;           /* immutable */
    struct bgc__thread *thread;    /* immutable after start */
    struct bgc__cond *cond;        /* immutable: "an item was queued or the queue stops" */
    struct bgc__work *head, *tail; /* lock: items to run */
};

static void worker_main(void *arg)
{
    struct bgc__worker *w = arg;
    struct bgc_queue *q = w->q;

    bgc__store_internal_thread(); /* store area: the worker never waits for the store */
    LOCK(q);
    for (;;) {
        struct bgc__work *item = w->head;
        int cancelled;

        if (!item) {
            if (q->stopping)
                break;
            bgc__cond_wait(w->cond, q->lock);
            continue;
        }
        w->head = item->next;
        if (!w->head)
            w->tail = NULL;
        item->next = NULL;
        cancelled = q->stopping; /* invariant 3: no client call during shutdown */
        UNLOCK(q);
        item->run(item, cancelled); /* invariant 2 */
        LOCK(q);
    }
    UNLOCK(q);
}

int bgc__worker_submit(struct bgc_queue *q, struct bgc__work *item)
{
    struct bgc__worker *w;
    int rc = BGC_OK;

    item->next = NULL;
    LOCK(q);
    if (q->stopping) {
        UNLOCK(q);
        return BGC_E_STOPPING;
    }
    w = q->worker;
    if (!w) { /* invariant 3: first use */
        w = bgc_calloc(1, sizeof(*w));
        if (!w || bgc__cond_new(&w->cond) != BGC_OK) {
            if (w)
                bgc_free(w);
            UNLOCK(q);
            return BGC_E_NOMEM;
        }
        w->q = q;
        rc = bgc__thread_start(&w->thread, worker_main, w);
        if (rc != BGC_OK) {
            bgc__cond_free(w->cond);
            bgc_free(w);
            UNLOCK(q);
            return rc;
        }
        q->worker = w;
    }
    if (w->tail)
        w->tail->next = item;
    else
        w->head = item;
    w->tail = item;
    bgc__cond_signal(w->cond);
    UNLOCK(q);
    return BGC_OK;
}

void bgc__worker_stop(struct bgc_queue *q)
{
    struct bgc__worker *w;
    struct bgc__work *left;

    LOCK(q);
    w = q->worker;
    q->worker = NULL;
    if (w)
        bgc__cond_signal(w->cond);
    UNLOCK(q);
    if (!w)
        return;
    bgc__thread_join(w->thread); /* it runs what is queued, then sees q->stopping */
    LOCK(q);
    left = w->head;
    w->head = w->tail = NULL;
    UNLOCK(q);
    while (left) { /* submitted after the thread's last look (invariant 3) */
        struct bgc__work *next = left->next;

        left->next = NULL;
        left->run(left, 1);
        left = next;
    }
    bgc__cond_free(w->cond);
    bgc_free(w);
}
