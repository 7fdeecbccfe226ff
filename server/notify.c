/*
 * notify.c - the notification sink (struct bgc_sink): the per-job targets and the fallback
 * chain of N6 / STYLE §5.10 for each event jobs/ hands over:
 *   1. the callback object set by IBackgroundCopyJob::SetNotifyInterface, while connected;
 *   2. else (none set, or its process is gone) an object activated from the job's
 *      NOTIFICATION_CLSID (CoCreateInstance, CLSCTX_LOCAL_SERVER; IBackgroundCopyCallback,
 *      2 and 3 by QueryInterface), kept for later events until it disconnects, the CLSID is
 *      set again or SetNotifyInterface sets an object;
 *   3. else, for TRANSFERRED/ERROR, the notify command line (cmdline.c).
 * A callback object that is connected but fails (step 1 or 2) goes straight to step 3 (N5).
 * jobs/ decides when an event is due (flags, retries, order); this file only finds the
 * target and calls it.
 *
 * Invariants:
 *  1. Each job's targets live in a notify_slot stored in the job's user slot
 *     (bgc_job_set_user), created once under slot_lock and destroyed with the job. The slot's
 *     pointers are read and replaced under slot_lock only; a delivery takes its own target
 *     reference, so a concurrent SetNotifyInterface or SetProperty never frees a target in
 *     use.
 *  2. No lock is held while calling out of the process (callbacks, CLSID activation,
 *     QueryInterface and Release of proxies, the command line).
 *  3. A failure that means the client is gone (notify_is_disconnected) drops that target (if
 *     it is still the current one) and moves on to the next step; when no step takes the
 *     event, TRANSFERRED/ERROR answer BGC_NO_TARGET (no target at all: wait for a new one,
 *     N4, N7) or BGC_RETRY (a target exists but failed, or the CLSID could not be activated:
 *     try again after MinimumRetryDelay, N5). FILE_TRANSFERRED failing on a connected object
 *     answers BGC_RETRY; JobModification's and FileRangesTransferred's results are ignored.
 *  4. Nothing is delivered once the server is stopping, and a delivery holds a server lock
 *     for its duration, so the process never exits in the middle of a callback.
 *  5. The activated object is never visible to clients: GetNotifyInterface returns only what
 *     SetNotifyInterface set (as BITS does). The last SetNotifyInterface wins; the last
 *     CLSID setter wins; a set object always beats the CLSID. An activation that finishes
 *     after the CLSID was set again or an object was set (clsid_gen moved) is used for the
 *     event in hand only, never cached.
 *  6. Every hop is logged with its HRESULT: TRACE on success, WARN on failure.
 *  7. An activated object is released when a delivery to it leaves the job ACKNOWLEDGED or
 *     CANCELLED (typically: it called Complete), else with the job; so a notification server
 *     that completes its job can exit even while clients still hold the job.
 */
#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "auto.h"

struct notify_target {
    LONG ref;                      /* deliveries + the slot */
    IUnknown *unk;                 /* the object as set (GetNotifyInterface) */
    IBackgroundCopyCallback *cb;   /* its IBackgroundCopyCallback */
    IBackgroundCopyCallback2 *cb2; /* its IBackgroundCopyCallback2, or NULL (valid once asked2) */
    IBackgroundCopyCallback3 *cb3; /* files area: its IBackgroundCopyCallback3, or NULL (N3;
                                    * valid once asked3) */
    LONG asked2, asked3;           /* the object was asked for Callback2 / Callback3 (lazily, at
                                    * its first file event: target_ask) */
};

struct notify_slot {
    struct notify_target *target;    /* object set by SetNotifyInterface, or NULL (slot_lock) */
    struct notify_target *activated; /* object activated from the CLSID, or NULL (slot_lock) */
    LONG clsid_gen;                  /* moves when `activated` must not be cached (slot_lock) */
};

static SRWLOCK slot_lock = SRWLOCK_INIT; /* guards slot creation and every slot's fields */

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
    target_release(slot->activated);
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

/* A new reference on the job's object set by SetNotifyInterface, or NULL. */
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

/* Removes t from the job if it is still its current set (or activated) object (invariant 3). */
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
    } else if (slot->activated == t) {
        old = t;
        slot->activated = NULL;
    }
    ReleaseSRWLockExclusive(&slot_lock);
    target_release(old);
}

/* Forgets the job's activated object, if any, and stops an activation in flight from caching
 * its result (invariant 5). */
static void drop_activated(struct bgc_job *core)
{
    struct notify_slot *slot = get_slot(core, FALSE);
    struct notify_target *old;

    if (!slot)
        return;
    AcquireSRWLockExclusive(&slot_lock);
    old = slot->activated;
    slot->activated = NULL;
    slot->clsid_gen++;
    ReleaseSRWLockExclusive(&slot_lock);
    if (old)
        TRACE("job core %p: dropping the object activated from the notification CLSID", (void *)core);
    target_release(old);
}

/* A target for unk: its IBackgroundCopyCallback (required), 2 and 3 (optional), one
 * reference. Returns the QueryInterface failure for IBackgroundCopyCallback. Calls out. */
static HRESULT target_new(IUnknown *unk, struct notify_target **out)
{
    struct notify_target *t;
    HRESULT hr;

    *out = NULL;
    if (!(t = calloc(1, sizeof(*t))))
        return E_OUTOFMEMORY;
    hr = IUnknown_QueryInterface(unk, &IID_IBackgroundCopyCallback, (void **)&t->cb);
    if (FAILED(hr)) {
        free(t);
        return hr;
    }
    /* Callback2/3 are asked for at the first file event (target_ask), not here: each query is
     * a call into the client, and most jobs never have a file event. */
    IUnknown_AddRef(unk);
    t->unk = unk;
    t->ref = 1;
    *out = t;
    return S_OK;
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
    case 0x800706B5u: /* HRESULT_FROM_WIN32(RPC_S_UNKNOWN_IF): Wine, after CoDisconnectObject */
    case (DWORD)RPC_E_INVALID_OBJECT: /* the stub's object is gone */
        return TRUE;
    }
    return FALSE;
}

HRESULT notify_set_interface(struct bgc_job *core, IUnknown *unk)
{
    struct notify_target *t = NULL, *old;
    struct notify_slot *slot;
    HRESULT hr;

    if (unk && FAILED(hr = target_new(unk, &t))) {
        WARN("callback object %p lacks IBackgroundCopyCallback: %08lx", (void *)unk, (unsigned long)hr);
        return hr;
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
    if (t)
        drop_activated(core); /* N6: a set object replaces the one activated from the CLSID */
    TRACE("job core %p: callback %p", (void *)core, (void *)unk);
    return S_OK;
}

void notify_clsid_changed(struct bgc_job *core)
{
    struct bgc_id clsid;
    static const struct bgc_id none;

    drop_activated(core);
    bgc_job_get_notify_clsid(core, &clsid);
    if (memcmp(&clsid, &none, sizeof(none)))
        bgc_job_notify_kick(core); /* N4: a CLSID set after the event still gets it */
}

HRESULT notify_get_interface(struct bgc_job *core, IUnknown **out)
{
    struct notify_target *t = take_target(core); /* never the activated one (inv. 5) */

    *out = NULL;
    if (t) {
        IUnknown_AddRef(t->unk);
        *out = t->unk;
        target_release(t);
    }
    return S_OK;
}

/* Asks the target once for IBackgroundCopyCallback2 or 3 (N3). Deliveries of one job never
 * overlap (jobs/notify.c invariant 8) and a target serves one job, so no two threads ask at
 * once. A "process gone" answer is returned (the object is gone); any other failure means the
 * object does not have the interface. */
static HRESULT target_ask(struct notify_target *t, REFIID iid, LONG *asked, void **slot)
{
    HRESULT hr;

    if (*asked)
        return S_OK;
    hr = IUnknown_QueryInterface(t->unk, iid, slot);
    if (notify_is_disconnected(hr))
        return hr;
    if (FAILED(hr))
        *slot = NULL;
    *asked = 1;
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

    if (ev == BGC_EVENT_FILE_TRANSFERRED) {
        if (FAILED(hr = target_ask(t, &IID_IBackgroundCopyCallback2, &t->asked2, (void **)&t->cb2)))
            return hr;
        if (!t->cb2)
            return S_OK; /* N3: only IBackgroundCopyCallback2 objects receive FileTransferred */
    }
    if (ev == BGC_EVENT_FILE_RANGES_TRANSFERRED) {
        if (FAILED(hr = target_ask(t, &IID_IBackgroundCopyCallback3, &t->asked3, (void **)&t->cb3)))
            return hr;
        if (!t->cb3)
            return file_ranges_drop(core, file_index); /* N3: Callback3 only; forget the ranges */
    }
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

static BOOL is_job_event(enum bgc_event ev)
{
    return ev == BGC_EVENT_TRANSFERRED || ev == BGC_EVENT_ERROR;
}

/* Calls t (`what` names the hop for the log) for one event. Returns BGC_DELIVERED or
 * BGC_RETRY per invariant 3, or BGC_NO_TARGET when t's process is gone (t is then dropped
 * from the job). The caller holds a server lock and its own reference on t. */
static int deliver_to(struct notify_target *t, struct bgc_job *core, const char *id, const char *what,
                      enum bgc_event ev, unsigned file_index)
{
    HRESULT hr = call_target(t, core, ev, file_index);
    int result;

    if (notify_is_disconnected(hr)) {
        WARN("job %s: %s: %s gone (%08lx); dropping it", id, event_name(ev), what, (unsigned long)hr);
        drop_target(core, t);
        return BGC_NO_TARGET;
    }
    if (ev == BGC_EVENT_MODIFICATION || ev == BGC_EVENT_FILE_RANGES_TRANSFERRED)
        result = BGC_DELIVERED; /* N5: JobModification's result is ignored (N2: ranges too) */
    else if (ev == BGC_EVENT_FILE_TRANSFERRED)
        result = FAILED(hr) ? BGC_RETRY : BGC_DELIVERED;
    else
        result = hr == S_OK ? BGC_DELIVERED : BGC_RETRY;
    if (result == BGC_RETRY)
        WARN("job %s: %s: %s returned %08lx: will retry", id, event_name(ev), what, (unsigned long)hr);
    else
        TRACE("job %s: %s(file %u): %s -> %08lx", id, event_name(ev), file_index, what, (unsigned long)hr);
    return result;
}

/* CoCreateInstance(clsid, CLSCTX_LOCAL_SERVER) and its callback interfaces: *out = a new
 * target (one reference for the caller), also cached in the slot unless its clsid_gen moved
 * away from gen meanwhile (invariant 5). Calls out with no lock held. N8: identity.c
 * activates as the user who set the CLSID (or the owner's session; not yet: retry). */
static HRESULT activate(struct bgc_job *core, struct notify_slot *slot, LONG gen, const struct bgc_id *clsid,
                        struct notify_target **out)
{
    IUnknown *unk = NULL;
    GUID guid;
    HRESULT hr;

    *out = NULL;
    guid_from_bgc_id(clsid, &guid);
    hr = identity_cocreate(core, &guid, &unk);
    if (FAILED(hr))
        return hr;
    hr = target_new(unk, out);
    IUnknown_Release(unk);
    if (FAILED(hr))
        return hr;
    AcquireSRWLockExclusive(&slot_lock);
    if (slot->clsid_gen == gen && !slot->activated) {
        InterlockedIncrement(&(*out)->ref);
        slot->activated = *out;
    }
    ReleaseSRWLockExclusive(&slot_lock);
    return S_OK;
}

/* N6 step 2, for a job whose set object is absent or gone: the object activated from the
 * job's NOTIFICATION_CLSID (the cached one, else a new activation; a cached one found gone
 * is replaced by one new activation). Returns BGC_NO_TARGET when the job has no CLSID;
 * when activation fails or the new object is gone too: BGC_RETRY for TRANSFERRED/ERROR
 * (N5: try again later), BGC_NO_TARGET for the others (at most once). */
static int clsid_step(struct bgc_job *core, const char *id, enum bgc_event ev, unsigned file_index)
{
    static const struct bgc_id none;
    struct notify_slot *slot = get_slot(core, FALSE);
    struct notify_target *t = NULL;
    struct bgc_id clsid;
    char name[39];
    enum bgc_state state;
    LONG gen;
    BOOL fresh;
    HRESULT hr;
    int result = BGC_NO_TARGET;

    if (!slot) { /* a slot only for jobs with a CLSID */
        bgc_job_get_notify_clsid(core, &clsid);
        if (!memcmp(&clsid, &none, sizeof(none)))
            return BGC_NO_TARGET;
        if (!(slot = get_slot(core, TRUE)))
            return is_job_event(ev) ? BGC_RETRY : BGC_NO_TARGET; /* out of memory */
    }
    AcquireSRWLockShared(&slot_lock);
    gen = slot->clsid_gen; /* before reading the CLSID: a change after this moves it */
    if ((t = slot->activated))
        InterlockedIncrement(&t->ref);
    ReleaseSRWLockShared(&slot_lock);
    bgc_job_get_notify_clsid(core, &clsid);
    if (!memcmp(&clsid, &none, sizeof(none))) {
        target_release(t);
        return BGC_NO_TARGET;
    }
    if (!server_lock_unless_stopping()) {
        target_release(t);
        return BGC_NO_TARGET;
    }
    bgc_id_format(&clsid, name);
    for (;;) {
        fresh = !t;
        if (fresh) {
            if (FAILED(hr = activate(core, slot, gen, &clsid, &t))) {
                WARN("job %s: %s: activating notification CLSID %s failed: %08lx", id, event_name(ev), name,
                     (unsigned long)hr);
                server_unlock();
                return is_job_event(ev) ? BGC_RETRY : BGC_NO_TARGET;
            }
            TRACE("job %s: %s: activated notification CLSID %s -> %08lx", id, event_name(ev), name,
                  (unsigned long)hr);
        }
        result = deliver_to(t, core, id, "CLSID object", ev, file_index);
        target_release(t);
        t = NULL;
        if (result != BGC_NO_TARGET || fresh)
            break;
    }
    state = bgc_job_get_state(core);
    if (state == BGC_STATE_ACKNOWLEDGED || state == BGC_STATE_CANCELLED)
        drop_activated(core); /* the object completed the job: let its server exit (inv. 7) */
    server_unlock();
    if (result == BGC_NO_TARGET && is_job_event(ev))
        result = BGC_RETRY; /* the CLSID is there but its object died at once */
    return result;
}

/* N6 step 3 for a TRANSFERRED/ERROR event no object took: `result` is what the object steps
 * answered. Other events have no command line. */
static int fallback(struct bgc_job *core, const char *id, enum bgc_event ev, int result)
{
    int r;

    if (!is_job_event(ev))
        return result;
    r = cmdline_run(core); /* N6 step 3, N10 (cmdline.c) */
    if (r == BGC_NO_TARGET)
        return result; /* no command line: the object steps' answer stands */
    TRACE("job %s: %s: command line -> %s", id, event_name(ev),
          r == BGC_DELIVERED ? "handled" : "failed, will retry");
    return r;
}

static int notify_deliver(void *ctx, struct bgc_job *core, enum bgc_event ev, unsigned file_index)
{
    struct notify_target *t;
    struct bgc_id core_id;
    char id[39];
    int result = BGC_NO_TARGET;

    (void)ctx;
    bgc_job_get_id(core, &core_id);
    bgc_id_format(&core_id, id);
    if ((t = take_target(core))) { /* N6 step 1 */
        if (!server_lock_unless_stopping()) {
            target_release(t);
            return BGC_NO_TARGET;
        }
        result = deliver_to(t, core, id, "callback object", ev, file_index);
        server_unlock();
        target_release(t);
    } else {
        TRACE("job %s: %s: no callback object", id, event_name(ev));
    }
    if (result == BGC_NO_TARGET)
        result = clsid_step(core, id, ev, file_index); /* N6 step 2: no object or it is gone */
    if (result != BGC_DELIVERED)
        result = fallback(core, id, ev, result); /* N6 step 3 (own server lock); N5 */
    /* Automation (issue 5 item 2): scripts' connection-point sinks observe the event too
     * (auto_events.c); they never change the chain's result. No lock held here. */
    if (server_lock_unless_stopping()) {
        auto_events_fire(core, ev);
        server_unlock();
    }
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
