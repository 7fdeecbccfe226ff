/*
 * notifyhelp.c - the DriverCallback-style notification helper: creation, the delivery core
 * (bgc_notify_deliver), the bounded hand-off queue and its thread, job-id cookies, counters
 * and teardown. The COM callback object is in notifyhelp_com.c. Public API: bgcnotify.h.
 *
 * Invariants (see also notifyhelp_int.h):
 *  1. A delivery either reaches its target (function called or queued, message posted, event
 *     set) and counts as delivered, or reports an error and counts as refused; nothing blocks
 *     on the target except a NOSWITCH function, which runs on the caller's thread by request.
 *  2. The hand-off thread calls target functions one at a time, in queue order, with `lock`
 *     released; it drains (frees without calling) whatever is queued once `closed` is set.
 *  3. `inside` (thread-local) names the helper whose target function is running on this
 *     thread, so that bgc_notify_destroy from inside it is refused instead of deadlocking.
 *  4. Cookies are never 0 and never reused for another job id while the 32-bit counter has not
 *     wrapped; a cookie that fell out of the ring resolves to nothing.
 *  5. A hand-off item never carries interface pointers obtained in a single-threaded apartment
 *     (they would be used on the MTA hand-off thread): such deliveries pass the ids only.
 */
#include "notifyhelp_int.h"

#include <stdlib.h>
#include <string.h>

static _Thread_local struct bgc_notify *inside; /* helper whose target runs on this thread */

static LONG g_msg; /* cached RegisterWindowMessageW result (0 = not yet) */

UINT bgc_notify_message(void)
{
    LONG msg = InterlockedCompareExchange(&g_msg, 0, 0);

    if (!msg) {
        msg = (LONG)RegisterWindowMessageW(L"BgCopy.Notify");
        InterlockedExchange(&g_msg, msg);
    }
    return (UINT)msg;
}

static BOOL valid_event(DWORD event)
{
    return event == BGC_NOTIFY_EV_JOB_TRANSFERRED || event == BGC_NOTIFY_EV_JOB_ERROR ||
           event == BGC_NOTIFY_EV_JOB_MODIFICATION || event == BGC_NOTIFY_EV_FILE_TRANSFERRED ||
           event == BGC_NOTIFY_EV_FILE_RANGES;
}

static BOOL is_handoff(const struct bgc_notify *h)
{
    return (h->target.flags & BGC_DCB_TYPEMASK) == BGC_DCB_FUNCTION && !(h->target.flags & BGC_DCB_NOSWITCH);
}

/* ---- cookies ------------------------------------------------------------------------------ */

/* The cookie of job `id`, assigning one (and overwriting the oldest slot) when the id is not
 * remembered. Caller holds the lock exclusively. */
static DWORD cookie_for(struct bgc_notify *h, const GUID *id)
{
    struct cookie_slot *s;

    for (DWORD i = 0; i < h->nslots; i++)
        if (h->slots[i].cookie && IsEqualGUID(&h->slots[i].id, id))
            return h->slots[i].cookie;
    if (++h->cookie_next == 0)
        h->cookie_next = 1;
    s = &h->slots[h->slot_next];
    h->slot_next = (h->slot_next + 1) % h->nslots;
    s->cookie = h->cookie_next;
    s->id = *id;
    return s->cookie;
}

BOOL bgc_notify_job_id(struct bgc_notify *h, DWORD cookie, GUID *job_id)
{
    BOOL found = FALSE;

    if (job_id)
        *job_id = GUID_NULL;
    if (!h || !job_id || !cookie)
        return FALSE;
    AcquireSRWLockShared(&h->lock);
    for (DWORD i = 0; i < h->nslots; i++)
        if (h->slots[i].cookie == cookie) {
            *job_id = h->slots[i].id;
            found = TRUE;
            break;
        }
    ReleaseSRWLockShared(&h->lock);
    return found;
}

/* ---- hand-off items ----------------------------------------------------------------------- */

/* A queued copy of *args: references on every interface, own copy of the ranges. NULL when
 * out of memory. */
static struct notify_item *item_new(const struct bgc_notify_args *args, DWORD cookie)
{
    struct notify_item *it = calloc(1, sizeof(*it));
    BG_FILE_RANGE *ranges = NULL;

    if (!it)
        return NULL;
    if (args->range_count && args->ranges) {
        ranges = malloc(sizeof(*ranges) * args->range_count);
        if (!ranges) {
            free(it);
            return NULL;
        }
        memcpy(ranges, args->ranges, sizeof(*ranges) * args->range_count);
    }
    it->args = *args;
    it->args.cookie = cookie;
    it->args.ranges = ranges;
    if (!ranges)
        it->args.range_count = 0;
    if (it->args.job)
        IBackgroundCopyJob_AddRef(it->args.job);
    if (it->args.error)
        IBackgroundCopyError_AddRef(it->args.error);
    if (it->args.file)
        IBackgroundCopyFile_AddRef(it->args.file);
    return it;
}

static void item_free(struct notify_item *it)
{
    if (it->args.job)
        IBackgroundCopyJob_Release(it->args.job);
    if (it->args.error)
        IBackgroundCopyError_Release(it->args.error);
    if (it->args.file)
        IBackgroundCopyFile_Release(it->args.file);
    free((void *)it->args.ranges);
    free(it);
}

/* The hand-off thread: calls the target function for each queued item, in order; after
 * `closed`, frees the rest undelivered and exits. Lives in the MTA so that the job proxies
 * taken on RPC threads can be used and released here. */
static DWORD WINAPI handoff_main(void *param)
{
    struct bgc_notify *h = param;
    HRESULT com = CoInitializeEx(NULL, COINIT_MULTITHREADED);

    AcquireSRWLockExclusive(&h->lock);
    for (;;) {
        struct notify_item *it;

        while (!h->head && !h->closed)
            SleepConditionVariableSRW(&h->cond, &h->lock, INFINITE, 0);
        if (h->closed)
            break;
        it = h->head;
        h->head = it->next;
        if (!h->head)
            h->tail = NULL;
        ReleaseSRWLockExclusive(&h->lock);

        inside = h;
        h->target.proc(h, h->target.user, &it->args);
        inside = NULL;
        item_free(it);

        AcquireSRWLockExclusive(&h->lock);
        h->pending--;
        InterlockedExchange(&h->stats.queued, (LONG)h->pending);
    }
    /* closed: drain without delivering */
    while (h->head) {
        struct notify_item *it = h->head;

        h->head = it->next;
        h->pending--;
        ReleaseSRWLockExclusive(&h->lock);
        item_free(it);
        InterlockedIncrement(&h->stats.discarded);
        AcquireSRWLockExclusive(&h->lock);
    }
    h->tail = NULL;
    InterlockedExchange(&h->stats.queued, (LONG)h->pending);
    ReleaseSRWLockExclusive(&h->lock);
    if (SUCCEEDED(com))
        CoUninitialize();
    return 0;
}

/* ---- delivery ----------------------------------------------------------------------------- */

/* TRUE when the calling thread is in a single-threaded apartment. */
static BOOL in_sta(void)
{
    APTTYPE type;
    APTTYPEQUALIFIER qualifier;

    if (FAILED(CoGetApartmentType(&type, &qualifier)))
        return FALSE; /* no COM here: pointers are plain in-process objects */
    return type == APTTYPE_STA || type == APTTYPE_MAINSTA;
}

/* A direct (non-queued) delivery on the calling thread. Caller has counted itself in `busy`. */
static DWORD deliver_direct(struct bgc_notify *h, const struct bgc_notify_args *args)
{
    struct bgc_notify *outer;
    BOOL ok;

    switch (h->target.flags & BGC_DCB_TYPEMASK) {
    case BGC_DCB_FUNCTION:
        outer = inside;
        inside = h;
        h->target.proc(h, h->target.user, args);
        inside = outer;
        return 0;
    case BGC_DCB_WINDOW:
        ok = PostMessageW(h->target.hwnd, h->msg, (WPARAM)args->event, (LPARAM)args->cookie);
        break;
    case BGC_DCB_TASK:
        ok = PostThreadMessageW(h->target.thread_id, h->msg, (WPARAM)args->event, (LPARAM)args->cookie);
        break;
    default: /* BGC_DCB_EVENT (create accepts nothing else) */
        ok = SetEvent(h->target.event);
        break;
    }
    if (ok)
        return 0;
    return GetLastError() ? GetLastError() : ERROR_GEN_FAILURE;
}

DWORD bgc__notify_deliver(struct bgc_notify *h, const struct bgc_notify_args *in)
{
    struct bgc_notify_args args;
    struct notify_item *it = NULL;
    DWORD err;

    if (!h || !in || !valid_event(in->event) || (in->range_count && !in->ranges))
        return ERROR_INVALID_PARAMETER;
    if (!(h->target.event_mask & in->event)) {
        InterlockedIncrement(&h->stats.delivered);
        return 0;
    }
    args = *in;
    if (is_handoff(h)) {
        if ((args.job || args.error || args.file) && in_sta()) {
            /* An STA's proxies cannot be used from the hand-off thread (MTA): hand over the
             * ids only. */
            args.job = NULL;
            args.error = NULL;
            args.file = NULL;
        }
        /* Built (references taken) before the lock: no COM call runs under it. */
        if (!(it = item_new(&args, 0))) {
            InterlockedIncrement(&h->stats.refused);
            return ERROR_OUTOFMEMORY;
        }
        AcquireSRWLockExclusive(&h->lock);
        if (h->closed)
            err = ERROR_INVALID_HANDLE;
        else if (h->pending >= h->queue_limit)
            err = ERROR_NOT_ENOUGH_QUOTA;
        else {
            err = 0;
            it->args.cookie = cookie_for(h, &args.job_id);
            if (h->tail)
                h->tail->next = it;
            else
                h->head = it;
            h->tail = it;
            h->pending++;
            InterlockedExchange(&h->stats.queued, (LONG)h->pending);
            WakeAllConditionVariable(&h->cond);
        }
        ReleaseSRWLockExclusive(&h->lock);
        if (err)
            item_free(it);
    } else {
        AcquireSRWLockExclusive(&h->lock);
        if (h->closed)
            err = ERROR_INVALID_HANDLE;
        else {
            err = 0;
            args.cookie = cookie_for(h, &args.job_id);
            h->busy++;
        }
        ReleaseSRWLockExclusive(&h->lock);
        if (!err) {
            err = deliver_direct(h, &args);
            AcquireSRWLockExclusive(&h->lock);
            if (--h->busy == 0 && h->closed)
                WakeAllConditionVariable(&h->cond);
            ReleaseSRWLockExclusive(&h->lock);
        }
    }
    InterlockedIncrement(err ? &h->stats.refused : &h->stats.delivered);
    return err;
}

BOOL bgc_notify_deliver(struct bgc_notify *h, const struct bgc_notify_args *args)
{
    DWORD err = bgc__notify_deliver(h, args);

    if (err)
        SetLastError(err);
    return err == 0;
}

/* ---- creation and teardown ---------------------------------------------------------------- */

/* E_INVALIDARG unless t describes a usable target. */
static HRESULT check_target(const struct bgc_notify_target *t)
{
    DWORD kind = t->flags & BGC_DCB_TYPEMASK;

    if (t->flags & ~(DWORD)(BGC_DCB_TYPEMASK | BGC_DCB_NOSWITCH))
        return E_INVALIDARG;
    if ((t->flags & BGC_DCB_NOSWITCH) && kind != BGC_DCB_FUNCTION)
        return E_INVALIDARG;
    if (t->event_mask & ~(DWORD)BGC_NOTIFY_EV_ALL)
        return E_INVALIDARG;
    switch (kind) {
    case BGC_DCB_FUNCTION:
        return t->proc ? S_OK : E_INVALIDARG;
    case BGC_DCB_WINDOW:
        return t->hwnd ? S_OK : E_INVALIDARG;
    case BGC_DCB_TASK:
        return t->thread_id ? S_OK : E_INVALIDARG;
    case BGC_DCB_EVENT:
        return t->event && t->event != INVALID_HANDLE_VALUE ? S_OK : E_INVALIDARG;
    default:
        return E_INVALIDARG;
    }
}

HRESULT bgc_notify_create(const struct bgc_notify_target *target, struct bgc_notify **out)
{
    struct bgc_notify *h;
    HRESULT hr;

    if (out)
        *out = NULL;
    if (!out || !target)
        return E_POINTER;
    if (FAILED(hr = check_target(target)))
        return hr;
    if (!(h = calloc(1, sizeof(*h))))
        return E_OUTOFMEMORY;
    h->target = *target;
    h->target.event = NULL;
    if (!h->target.event_mask)
        h->target.event_mask = BGC_NOTIFY_EV_ALL;
    h->queue_limit = target->queue_limit ? target->queue_limit : BGC_NOTIFY_DEFAULT_QUEUE;
    h->nslots = target->cookie_slots ? target->cookie_slots : BGC_NOTIFY_DEFAULT_COOKIES;
    h->msg = target->msg ? target->msg : bgc_notify_message();
    InitializeSRWLock(&h->lock);
    InitializeConditionVariable(&h->cond);
    bgc__notify_com_init(h);
    hr = E_OUTOFMEMORY;
    if (!(h->slots = calloc(h->nslots, sizeof(*h->slots))))
        goto fail;
    if (!h->msg && ((target->flags & BGC_DCB_TYPEMASK) == BGC_DCB_WINDOW ||
                    (target->flags & BGC_DCB_TYPEMASK) == BGC_DCB_TASK)) {
        hr = HRESULT_FROM_WIN32(GetLastError());
        goto fail;
    }
    if ((target->flags & BGC_DCB_TYPEMASK) == BGC_DCB_EVENT &&
        !DuplicateHandle(GetCurrentProcess(), target->event, GetCurrentProcess(), &h->target.event, 0, FALSE,
                         DUPLICATE_SAME_ACCESS)) {
        h->target.event = NULL;
        hr = HRESULT_FROM_WIN32(GetLastError());
        goto fail;
    }
    if (is_handoff(h) && !(h->thread = CreateThread(NULL, 0, handoff_main, h, 0, &h->thread_id))) {
        hr = HRESULT_FROM_WIN32(GetLastError());
        goto fail;
    }
    *out = h;
    return S_OK;
fail:
    bgc__notify_free(h);
    return hr;
}

void bgc__notify_free(struct bgc_notify *h)
{
    if (h->target.event)
        CloseHandle(h->target.event);
    if (h->thread)
        CloseHandle(h->thread);
    free(h->slots);
    free(h);
}

IBackgroundCopyCallback *bgc_notify_callback(struct bgc_notify *h)
{
    return h ? (IBackgroundCopyCallback *)&h->IBackgroundCopyCallback3_iface : NULL;
}

HRESULT bgc_notify_attach(struct bgc_notify *h, IBackgroundCopyJob *job, ULONG notify_flags)
{
    HRESULT hr;

    if (!h || !job)
        return E_POINTER;
    if (FAILED(hr = IBackgroundCopyJob_SetNotifyFlags(job, notify_flags)))
        return hr;
    return IBackgroundCopyJob_SetNotifyInterface(job, (IUnknown *)&h->IBackgroundCopyCallback3_iface);
}

DWORD bgc_notify_thread_id(struct bgc_notify *h)
{
    return h ? h->thread_id : 0;
}

BOOL bgc_notify_get_stats(struct bgc_notify *h, struct bgc_notify_stats *stats)
{
    if (!h || !stats)
        return FALSE;
    stats->delivered = InterlockedCompareExchange(&h->stats.delivered, 0, 0);
    stats->refused = InterlockedCompareExchange(&h->stats.refused, 0, 0);
    stats->dropped = InterlockedCompareExchange(&h->stats.dropped, 0, 0);
    stats->discarded = InterlockedCompareExchange(&h->stats.discarded, 0, 0);
    stats->queued = InterlockedCompareExchange(&h->stats.queued, 0, 0);
    return TRUE;
}

BOOL bgc_notify_destroy(struct bgc_notify *h)
{
    if (!h || inside == h) {
        SetLastError(h ? ERROR_BUSY : ERROR_INVALID_PARAMETER);
        return FALSE;
    }
    AcquireSRWLockExclusive(&h->lock);
    if (h->closed) {
        ReleaseSRWLockExclusive(&h->lock);
        SetLastError(ERROR_INVALID_HANDLE);
        return FALSE;
    }
    h->closed = TRUE;
    WakeAllConditionVariable(&h->cond);
    ReleaseSRWLockExclusive(&h->lock);

    /* No CoDisconnectObject: under Wine a disconnected stub answers the server with
     * 0x800706B5 (RPC_S_UNKNOWN_IF), which servers need not read as "client gone"; the
     * object itself answers CO_E_OBJNOTCONNECTED (notifyhelp_com.c), which they do (N6). */
    AcquireSRWLockExclusive(&h->lock);
    while (h->busy)
        SleepConditionVariableSRW(&h->cond, &h->lock, INFINITE, 0);
    ReleaseSRWLockExclusive(&h->lock);
    if (h->thread)
        WaitForSingleObject(h->thread, INFINITE);
    IBackgroundCopyCallback3_Release(&h->IBackgroundCopyCallback3_iface);
    return TRUE;
}
