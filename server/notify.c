/*
 * notify.c - the notification sink (struct bgc_sink) and the per-job callback object set by
 * IBackgroundCopyJob::SetNotifyInterface.
 *
 * jobs/ decides when an event is due (flags, retries, order); this file only finds the
 * target and calls it. The fallback chain of STYLE §5.10 (notification CLSID, then command
 * line) is a later issue: today the chain has one hop, the live callback object.
 *
 * Invariants:
 *  1. Each job's target lives in a notify_slot stored in the job's user slot
 *     (bgc_job_set_user), created once under slot_lock and destroyed with the job. The slot's
 *     target pointer is read and replaced under slot_lock only; a delivery takes its own
 *     target reference, so a concurrent SetNotifyInterface never frees a target in use.
 *  2. No lock is held while calling out of the process (callbacks, Release of proxies).
 *  3. A failure that means the client is gone (notify_is_disconnected) drops the target (if
 *     it is still the current one) and answers BGC_NO_TARGET, so the event waits for a new
 *     target (N4, N7); any other failure of JobTransferred/JobError/FileTransferred answers
 *     BGC_RETRY (N5); JobModification's result is ignored.
 *  4. Nothing is delivered once the server is stopping, and a delivery holds a server lock
 *     for its duration, so the process never exits in the middle of a callback.
 */
#include <stdlib.h>

#include "server.h"

struct notify_target {
    LONG ref;                      /* deliveries + the slot */
    IUnknown *unk;                 /* the object as set (GetNotifyInterface) */
    IBackgroundCopyCallback *cb;   /* its IBackgroundCopyCallback */
    IBackgroundCopyCallback2 *cb2; /* its IBackgroundCopyCallback2, or NULL */
    IBackgroundCopyCallback3 *cb3; /* files area: its IBackgroundCopyCallback3, or NULL (N3) */
};

struct notify_slot {
    struct notify_target *target; /* current target or NULL (slot_lock) */
};

static SRWLOCK slot_lock = SRWLOCK_INIT; /* guards slot creation and every slot->target */

/* Releases COM pointers from whatever thread drops the last reference (an engine thread
 * included), entering the MTA for the duration if the thread has no apartment yet. */
static void target_release(struct notify_target *t)
{
    HRESULT init;

    if (!t || InterlockedDecrement(&t->ref))
        return;
    init = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (t->cb2)
        IBackgroundCopyCallback2_Release(t->cb2);
    if (t->cb3)
        IBackgroundCopyCallback3_Release(t->cb3);
    IBackgroundCopyCallback_Release(t->cb);
    IUnknown_Release(t->unk);
    if (SUCCEEDED(init))
        CoUninitialize();
    free(t);
}

static void slot_destroy(void *user)
{
    struct notify_slot *slot = user;

    target_release(slot->target);
    free(slot);
}

/* The job's slot, created on first use when create is TRUE; NULL otherwise. */
static struct notify_slot *get_slot(struct bgc_job *core, BOOL create)
{
    struct notify_slot *slot;

    AcquireSRWLockExclusive(&slot_lock);
    slot = bgc_job_get_user(core);
    if (!slot && create && (slot = calloc(1, sizeof(*slot))))
        bgc_job_set_user(core, slot, slot_destroy);
    ReleaseSRWLockExclusive(&slot_lock);
    return slot;
}

/* A new reference on the job's current target, or NULL. */
static struct notify_target *take_target(struct bgc_job *core)
{
    struct notify_slot *slot = get_slot(core, FALSE);
    struct notify_target *t = NULL;

    if (!slot)
        return NULL;
    AcquireSRWLockShared(&slot_lock);
    if ((t = slot->target))
        InterlockedIncrement(&t->ref);
    ReleaseSRWLockShared(&slot_lock);
    return t;
}

/* Removes t from the job if it is still the current target (invariant 3). */
static void drop_target(struct bgc_job *core, struct notify_target *t)
{
    struct notify_slot *slot = get_slot(core, FALSE);
    struct notify_target *old = NULL;

    if (!slot)
        return;
    AcquireSRWLockExclusive(&slot_lock);
    if (slot->target == t) {
        old = t;
        slot->target = NULL;
    }
    ReleaseSRWLockExclusive(&slot_lock);
    target_release(old);
}

BOOL notify_is_disconnected(HRESULT hr)
{
    switch ((DWORD)hr) {
    case (DWORD)RPC_E_DISCONNECTED:
    case (DWORD)RPC_E_SERVER_DIED:
    case (DWORD)RPC_E_SERVER_DIED_DNE:
    case (DWORD)CO_E_OBJNOTCONNECTED:
    case (DWORD)RPC_E_CONNECTION_TERMINATED:
    case 0x800706BAu: /* HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE) */
    case 0x800706BFu: /* HRESULT_FROM_WIN32(RPC_S_CALL_FAILED_DNE) */
    case 0x800706BEu: /* HRESULT_FROM_WIN32(RPC_S_CALL_FAILED) */
        return TRUE;
    }
    return FALSE;
}

HRESULT notify_set_interface(struct bgc_job *core, IUnknown *unk)
{
    struct notify_target *t = NULL, *old;
    struct notify_slot *slot;
    HRESULT hr;

    if (unk) {
        if (!(t = calloc(1, sizeof(*t))))
            return E_OUTOFMEMORY;
        hr = IUnknown_QueryInterface(unk, &IID_IBackgroundCopyCallback, (void **)&t->cb);
        if (FAILED(hr)) {
            WARN("callback object %p lacks IBackgroundCopyCallback: %08lx", (void *)unk, (unsigned long)hr);
            free(t);
            return hr;
        }
        if (FAILED(IUnknown_QueryInterface(unk, &IID_IBackgroundCopyCallback2, (void **)&t->cb2)))
            t->cb2 = NULL;
        if (FAILED(IUnknown_QueryInterface(unk, &IID_IBackgroundCopyCallback3, (void **)&t->cb3)))
            t->cb3 = NULL; /* files area: FileRangesTransferred (N3) */
        IUnknown_AddRef(unk);
        t->unk = unk;
        t->ref = 1;
    }
    if (!(slot = get_slot(core, TRUE))) {
        target_release(t);
        return E_OUTOFMEMORY;
    }
    AcquireSRWLockExclusive(&slot_lock);
    old = slot->target;
    slot->target = t;
    ReleaseSRWLockExclusive(&slot_lock);
    target_release(old);
    TRACE("job core %p: callback %p (Callback2 %s)", (void *)core, (void *)unk, t && t->cb2 ? "yes" : "no");
    return S_OK;
}

HRESULT notify_get_interface(struct bgc_job *core, IUnknown **out)
{
    struct notify_target *t = take_target(core);

    *out = NULL;
    if (t) {
        IUnknown_AddRef(t->unk);
        *out = t->unk;
        target_release(t);
    }
    return S_OK;
}

/* Calls the target for one event; returns the callback's HRESULT, or S_OK when there is
 * nothing to call (an event that became obsolete, a file event for an old interface). */
static HRESULT call_target(struct notify_target *t, struct bgc_job *core, enum bgc_event ev, unsigned file_index)
{
    IBackgroundCopyJob *job = NULL;
    IBackgroundCopyError *error = NULL;
    IBackgroundCopyFile *file = NULL;
    struct bgc_error err;
    HRESULT hr;

    if (ev == BGC_EVENT_FILE_TRANSFERRED && !t->cb2)
        return S_OK; /* N3: only IBackgroundCopyCallback2 objects receive FileTransferred */
    if (ev == BGC_EVENT_FILE_RANGES_TRANSFERRED && !t->cb3)
        return file_ranges_drop(core, file_index); /* N3: Callback3 only; forget the ranges */
    if (ev == BGC_EVENT_ERROR && bgc_job_get_error(core, &err) < 0)
        return S_OK; /* the job left ERROR before the event went out */
    if (FAILED(hr = BgCopyJob_create(core, &job)))
        return hr;
    switch (ev) {
    case BGC_EVENT_TRANSFERRED:
        hr = IBackgroundCopyCallback_JobTransferred(t->cb, job);
        break;
    case BGC_EVENT_ERROR:
        if (SUCCEEDED(hr = BgCopyError_create(core, &err, &error))) {
            hr = IBackgroundCopyCallback_JobError(t->cb, job, error);
            IBackgroundCopyError_Release(error);
        }
        break;
    case BGC_EVENT_MODIFICATION:
        hr = IBackgroundCopyCallback_JobModification(t->cb, job, 0);
        break;
    case BGC_EVENT_FILE_TRANSFERRED:
        if (SUCCEEDED(hr = BgCopyFile_create(core, file_index, &file))) {
            hr = IBackgroundCopyCallback2_FileTransferred(t->cb2, job, file);
            IBackgroundCopyFile_Release(file);
        }
        break;
    case BGC_EVENT_FILE_RANGES_TRANSFERRED: /* files area: file_ranges.c */
        hr = file_ranges_deliver(t->cb3, job, core, file_index);
        break;
    default:
        ERR("unknown event %d", (int)ev);
        hr = S_OK;
        break;
    }
    IBackgroundCopyJob_Release(job);
    return hr;
}

static const char *event_name(enum bgc_event ev)
{
    switch (ev) {
    case BGC_EVENT_TRANSFERRED: return "JobTransferred";
    case BGC_EVENT_ERROR: return "JobError";
    case BGC_EVENT_MODIFICATION: return "JobModification";
    case BGC_EVENT_FILE_TRANSFERRED: return "FileTransferred";
    case BGC_EVENT_FILE_RANGES_TRANSFERRED: return "FileRangesTransferred";
    }
    return "?";
}

/* The rest of the N6 chain for a TRANSFERRED/ERROR event the callback object did not take:
 * `result` is what the object step answered. Other events have no fallback. */
static int fallback(struct bgc_job *core, const char *id, enum bgc_event ev, int result)
{
    int r;

    if (ev != BGC_EVENT_TRANSFERRED && ev != BGC_EVENT_ERROR)
        return result;
    /* N6 step 2, NOTIFICATION_CLSID activation: issue 4 goes here (the CLSID is stored,
     * bgc_job_get_notify_clsid). */
    r = cmdline_run(core); /* N6 step 3, N10 (cmdline.c) */
    if (r == BGC_NO_TARGET)
        return result; /* no command line: the object step's answer stands */
    TRACE("job %s: %s: command line -> %d", id, event_name(ev), r);
    return r;
}

static int notify_deliver(void *ctx, struct bgc_job *core, enum bgc_event ev, unsigned file_index)
{
    struct notify_target *t;
    struct bgc_id core_id;
    char id[39];
    HRESULT hr;
    int result;

    (void)ctx;
    bgc_job_get_id(core, &core_id);
    bgc_id_format(&core_id, id);
    if (!(t = take_target(core))) {
        TRACE("job %s: %s: no callback object", id, event_name(ev));
        return fallback(core, id, ev, BGC_NO_TARGET);
    }
    if (!server_lock_unless_stopping()) {
        target_release(t);
        return BGC_NO_TARGET;
    }
    hr = call_target(t, core, ev, file_index);
    if (notify_is_disconnected(hr)) {
        WARN("job %s: %s: client gone (%08lx); dropping its callback object", id, event_name(ev), (unsigned long)hr);
        drop_target(core, t);
        result = BGC_NO_TARGET;
    } else if (ev == BGC_EVENT_MODIFICATION || ev == BGC_EVENT_FILE_RANGES_TRANSFERRED) {
        result = BGC_DELIVERED; /* N5: JobModification's result is ignored (N2: ranges too) */
    } else if (ev == BGC_EVENT_FILE_TRANSFERRED) {
        result = FAILED(hr) ? BGC_RETRY : BGC_DELIVERED;
    } else {
        result = hr == S_OK ? BGC_DELIVERED : BGC_RETRY;
    }
    if (result == BGC_RETRY)
        WARN("job %s: %s returned %08lx: will retry", id, event_name(ev), (unsigned long)hr);
    else
        TRACE("job %s: %s(file %u) -> %08lx", id, event_name(ev), file_index, (unsigned long)hr);
    server_unlock();
    target_release(t);
    if (result != BGC_DELIVERED)
        result = fallback(core, id, ev, result); /* N5: a failing object -> the command line */
    return result;
}

static __thread BOOL thread_com_ok; /* the notification thread entered the MTA */

static void notify_thread_start(void *ctx)
{
    HRESULT hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);

    (void)ctx;
    thread_com_ok = SUCCEEDED(hr);
    if (FAILED(hr))
        ERR("notification thread: CoInitializeEx failed: %08lx", (unsigned long)hr);
}

static void notify_thread_stop(void *ctx)
{
    (void)ctx;
    if (thread_com_ok)
        CoUninitialize();
    thread_com_ok = FALSE;
}

static const struct bgc_sink sink = {notify_deliver, notify_thread_start, notify_thread_stop, NULL};

const struct bgc_sink *notify_sink(void)
{
    return &sink;
}
