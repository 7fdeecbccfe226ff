/*
 * cond.c - conditions outside the job (conditions area, issue 3): the network connection,
 * the network's cost, the power state, and the bandwidth policy for background jobs. server/ watches the
 * system and reports them with bgc_queue_set_conditions; this file decides what they mean for
 * each job, on the engine thread, before scheduling.
 *
 * Rules (bits-behavior §1.1, §5.1, §6):
 *  - L11: no network connection: every QUEUED, CONNECTING or TRANSFERRING job goes to
 *    TRANSIENT_ERROR with BGC_E_NETWORK_DISCONNECTED (context GENERAL_TRANSPORT).
 *  - L12: when the connection comes back, every TRANSIENT_ERROR job goes to QUEUED at once,
 *    whatever its error and retry timer.
 *  - L25: a bandwidth policy of 0 for the current interval moves background (non-FOREGROUND)
 *    jobs to TRANSIENT_ERROR with BGC_E_BLOCKED_BY_POLICY; they are queued again when the
 *    policy allows transfers.
 *  - S4: a non-zero policy is shared by the running background transfers (each gets
 *    policy / n bytes per second, at least 256); FOREGROUND jobs are never limited.
 *  - S7: a job whose cost flags lack the current network's cost state waits in
 *    TRANSIENT_ERROR with BGC_E_BLOCKED_BY_COST until the network (or its flags) change.
 *  - S7 (power): in standby on battery power every active job waits in TRANSIENT_ERROR with
 *    BGC_E_STANDBY_MODE ("standby transfers only on AC power"); while Battery Saver is on,
 *    background (non-FOREGROUND) jobs wait with BGC_E_BLOCKED_BY_BATTERY_SAVER (project
 *    choice: FOREGROUND jobs are the user's own, as for L25). Battery power alone gates
 *    nothing. Both are queued again when the condition ends (as L12).
 *  - R2: a job waiting for a condition is not retried on its timer (engine.c retry_due skips
 *    it), and the wait does not arm its no-progress timeout. It does not count as an error
 *    for GetErrorCount (project choice: nothing was tried).
 *
 * Invariants:
 *  1. job->cond_blocked is non-zero only in TRANSIENT_ERROR (state.c clears it on every other
 *     state), and then equals job->error.code.
 *  2. Everything here runs with q->lock held on the engine thread; bgc_queue_set_conditions
 *     only stores and wakes the engine.
 */
#include "bgc.h"
#include "jobs_int.h"

#include <stdio.h>
#include <string.h>

#define MIN_RATE 256u /* S4: "values below ~2 kbps act as ~2 kbps" */

/* Field by field: the struct has padding, and flags compare as booleans. */
static int same_conditions(const struct bgc_conditions *a, const struct bgc_conditions *b)
{
    return !a->network_up == !b->network_up && a->cost_state == b->cost_state &&
           a->background_bps == b->background_bps && !a->on_battery == !b->on_battery &&
           !a->standby == !b->standby && !a->battery_saver == !b->battery_saver;
}

int bgc_queue_set_conditions(struct bgc_queue *q, const struct bgc_conditions *c)
{
    uint32_t bit;

    if (!q || !c)
        return BGC_E_INVALIDARG;
    bit = c->cost_state;
    if (!bit || (bit & (bit - 1)) || bit > BGC_COST_STATE_ROAMING)
        return BGC_E_INVALIDARG;
    bgc__mutex_lock(q->lock);
    if (!same_conditions(&q->conditions, c)) {
        bgc_log(BGC_LOG_INFO, "cond",
                "conditions: network %s, cost state %#x, background bandwidth %s%llu B/s, power %s%s%s",
                c->network_up ? "up" : "DOWN", (unsigned)c->cost_state,
                c->background_bps == BGC_BANDWIDTH_UNLIMITED ? "unlimited " : "",
                c->background_bps == BGC_BANDWIDTH_UNLIMITED ? 0ull : (unsigned long long)c->background_bps,
                c->on_battery ? "battery" : "AC", c->standby ? ", standby" : "",
                c->battery_saver ? ", Battery Saver" : "");
        q->conditions = *c;
        q->conditions.network_up = c->network_up ? 1 : 0;
        q->conditions.on_battery = c->on_battery ? 1 : 0;
        q->conditions.standby = c->standby ? 1 : 0;
        q->conditions.battery_saver = c->battery_saver ? 1 : 0;
        q->cond_gen++;
        if (q->engine)
            bgc__engine_wake(q->engine);
    }
    bgc__mutex_unlock(q->lock);
    return BGC_OK;
}

void bgc_queue_get_conditions(struct bgc_queue *q, struct bgc_conditions *out)
{
    if (!q || !out)
        return;
    bgc__mutex_lock(q->lock);
    *out = q->conditions;
    bgc__mutex_unlock(q->lock);
}

/* The condition that keeps job from transferring now, or 0. */
static int blocked_by(const struct bgc_queue *q, const struct bgc_job *job)
{
    if (!q->conditions.network_up)
        return BGC_E_NETWORK_DISCONNECTED;
    if (q->conditions.standby && q->conditions.on_battery)
        return BGC_E_STANDBY_MODE;
    if (!(job->cost_flags & q->conditions.cost_state))
        return BGC_E_BLOCKED_BY_COST;
    if (q->conditions.battery_saver && bgc__sched_is_background(job))
        return BGC_E_BLOCKED_BY_BATTERY_SAVER;
    if (bgc__sched_is_background(job) && q->conditions.background_bps == 0)
        return BGC_E_BLOCKED_BY_POLICY;
    return 0;
}

/* Records the condition as the job's error and, unless it already waits in TER, moves it
 * there. */
static void block(struct bgc_job *job, int code)
{
    struct bgc_error err;

    memset(&err, 0, sizeof(err));
    err.code = code;
    err.context = code == BGC_E_NETWORK_DISCONNECTED ? BGC_CTX_GENERAL_TRANSPORT : BGC_CTX_GENERAL_QUEUE_MANAGER;
    err.file_index = -1;
    snprintf(err.message, sizeof(err.message), "%s", bgc_strerror(code));
    bgc__job_set_error(job, &err);
    if (job->state == BGC_STATE_TRANSIENT_ERROR ||
        bgc__job_set_state(job, job->state, BGC_STATE_TRANSIENT_ERROR) == BGC_OK)
        job->cond_blocked = code; /* after the state change: state.c clears it elsewhere */
}

void bgc__cond_gate(struct bgc_queue *q)
{
    const int none = 0;
    int came_back = q->conditions.network_up && !q->cond_was_up;

    q->cond_was_up = q->conditions.network_up;
    for (struct bgc_job *j = q->head; j; j = j->next) {
        int why;

        if (j->completing || bgc__state_is_final(j->state))
            continue;
        why = blocked_by(q, j);
        if (bgc__state_is_active(j->state) && why != none) {
            block(j, why);
        } else if (j->state == BGC_STATE_TRANSIENT_ERROR && !why && (j->cond_blocked || came_back)) {
            j->cond_blocked = 0;
            bgc__job_set_state(j, BGC_STATE_TRANSIENT_ERROR, BGC_STATE_QUEUED); /* L12, L25, S7 */
        } else if (j->state == BGC_STATE_TRANSIENT_ERROR && why && j->cond_blocked != why) {
            block(j, why); /* another condition now: say which (TER -> TER is no transition) */
        }
    }
}

uint64_t bgc__cond_rate_limit(const struct bgc_queue *q, const struct bgc_job *job, unsigned nbg)
{
    uint64_t share;

    if (!bgc__sched_is_background(job) || q->conditions.background_bps == BGC_BANDWIDTH_UNLIMITED)
        return 0;
    share = q->conditions.background_bps / (nbg ? nbg : 1);
    return share < MIN_RATE ? MIN_RATE : share;
}
