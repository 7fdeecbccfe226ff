/*
 * notifyhelp_com.c - the helper's COM callback object: IBackgroundCopyCallback3 (and through
 * it Callback2, Callback and IUnknown). Each method turns its call into a struct
 * bgc_notify_args and hands it to bgc__notify_deliver (notifyhelp.c); the delivery result is
 * mapped to what the server should do next.
 *
 * Invariants:
 *  1. Free-threaded: the methods may run on any number of RPC threads at once; they touch only
 *     the helper's locked or Interlocked state, through bgc__notify_deliver.
 *  2. Result mapping (bits-behavior N2, N5): delivered -> S_OK. Not delivered ->
 *     BGC_NOTIFY_E_NOT_DELIVERED for JobTransferred, JobError and FileTransferred (the server
 *     retries after MinimumRetryDelay), S_OK for JobModification and FileRangesTransferred
 *     (dropped, counted in stats.dropped). Helper destroyed -> CO_E_OBJNOTCONNECTED for every
 *     method (the server treats the client as gone and falls back, N6). NULL job (or NULL
 *     error/file where one is required) -> E_POINTER.
 *  3. The interfaces passed in are borrowed for the call (N12); hand-off items take their own
 *     references (notifyhelp.c); nothing here releases what it did not AddRef.
 *  4. The object is the helper (notifyhelp_int.h, invariant 1): the last Release frees it.
 */
#include "notifyhelp_int.h"

static inline struct bgc_notify *impl_from_IBackgroundCopyCallback3(IBackgroundCopyCallback3 *iface)
{
    return CONTAINING_RECORD(iface, struct bgc_notify, IBackgroundCopyCallback3_iface);
}

static HRESULT WINAPI BgcNotify_QueryInterface(IBackgroundCopyCallback3 *iface, REFIID riid, void **ppv)
{
    if (!ppv)
        return E_POINTER;
    if (riid && (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IBackgroundCopyCallback) ||
                 IsEqualIID(riid, &IID_IBackgroundCopyCallback2) || IsEqualIID(riid, &IID_IBackgroundCopyCallback3))) {
        *ppv = iface;
        IBackgroundCopyCallback3_AddRef(iface);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI BgcNotify_AddRef(IBackgroundCopyCallback3 *iface)
{
    return (ULONG)InterlockedIncrement(&impl_from_IBackgroundCopyCallback3(iface)->ref);
}

static ULONG WINAPI BgcNotify_Release(IBackgroundCopyCallback3 *iface)
{
    struct bgc_notify *h = impl_from_IBackgroundCopyCallback3(iface);
    LONG ref = InterlockedDecrement(&h->ref);

    if (ref == 0)
        bgc__notify_free(h);
    return (ULONG)ref;
}

/* TRUE after bgc_notify_destroy began (a cheap early check; deliver checks again). */
static BOOL is_closed(struct bgc_notify *h)
{
    BOOL closed;

    AcquireSRWLockShared(&h->lock);
    closed = h->closed;
    ReleaseSRWLockShared(&h->lock);
    return closed;
}

/* The common body of every method. `reliable`: the server must retry when not delivered. */
static HRESULT on_event(struct bgc_notify *h, struct bgc_notify_args *args, BOOL reliable)
{
    HRESULT hr;
    DWORD err;

    if (is_closed(h))
        return CO_E_OBJNOTCONNECTED;
    if (!(h->target.event_mask & args->event)) {
        InterlockedIncrement(&h->stats.delivered);
        return S_OK; /* filtered: no GetId round trip */
    }
    if (FAILED(hr = IBackgroundCopyJob_GetId(args->job, &args->job_id)))
        return reliable ? hr : S_OK;
    err = bgc__notify_deliver(h, args);
    if (!err)
        return S_OK;
    if (err == ERROR_INVALID_HANDLE)
        return CO_E_OBJNOTCONNECTED;
    if (err == ERROR_INVALID_PARAMETER)
        return E_INVALIDARG;
    if (!reliable) {
        InterlockedIncrement(&h->stats.dropped);
        return S_OK;
    }
    return BGC_NOTIFY_E_NOT_DELIVERED;
}

static HRESULT WINAPI BgcNotify_JobTransferred(IBackgroundCopyCallback3 *iface, IBackgroundCopyJob *job)
{
    struct bgc_notify_args args = { 0 };

    if (!job)
        return E_POINTER;
    args.event = BGC_NOTIFY_EV_JOB_TRANSFERRED;
    args.job = job;
    return on_event(impl_from_IBackgroundCopyCallback3(iface), &args, TRUE);
}

static HRESULT WINAPI BgcNotify_JobError(IBackgroundCopyCallback3 *iface, IBackgroundCopyJob *job,
                                         IBackgroundCopyError *error)
{
    struct bgc_notify_args args = { 0 };

    if (!job || !error)
        return E_POINTER;
    args.event = BGC_NOTIFY_EV_JOB_ERROR;
    args.job = job;
    args.error = error;
    return on_event(impl_from_IBackgroundCopyCallback3(iface), &args, TRUE);
}

static HRESULT WINAPI BgcNotify_JobModification(IBackgroundCopyCallback3 *iface, IBackgroundCopyJob *job,
                                                DWORD reserved)
{
    struct bgc_notify_args args = { 0 };

    (void)reserved;
    if (!job)
        return E_POINTER;
    args.event = BGC_NOTIFY_EV_JOB_MODIFICATION;
    args.job = job;
    return on_event(impl_from_IBackgroundCopyCallback3(iface), &args, FALSE);
}

static HRESULT WINAPI BgcNotify_FileTransferred(IBackgroundCopyCallback3 *iface, IBackgroundCopyJob *job,
                                                IBackgroundCopyFile *file)
{
    struct bgc_notify_args args = { 0 };

    if (!job || !file)
        return E_POINTER;
    args.event = BGC_NOTIFY_EV_FILE_TRANSFERRED;
    args.job = job;
    args.file = file;
    return on_event(impl_from_IBackgroundCopyCallback3(iface), &args, TRUE);
}

static HRESULT WINAPI BgcNotify_FileRangesTransferred(IBackgroundCopyCallback3 *iface, IBackgroundCopyJob *job,
                                                      IBackgroundCopyFile *file, DWORD count,
                                                      const BG_FILE_RANGE ranges[])
{
    struct bgc_notify_args args = { 0 };

    if (!job || !file || (count && !ranges))
        return E_POINTER;
    args.event = BGC_NOTIFY_EV_FILE_RANGES;
    args.job = job;
    args.file = file;
    args.range_count = count;
    args.ranges = ranges;
    return on_event(impl_from_IBackgroundCopyCallback3(iface), &args, FALSE);
}

static const IBackgroundCopyCallback3Vtbl BgcNotify_vtbl = {
    BgcNotify_QueryInterface,
    BgcNotify_AddRef,
    BgcNotify_Release,
    BgcNotify_JobTransferred,
    BgcNotify_JobError,
    BgcNotify_JobModification,
    BgcNotify_FileTransferred,
    BgcNotify_FileRangesTransferred,
};

void bgc__notify_com_init(struct bgc_notify *h)
{
    h->IBackgroundCopyCallback3_iface.lpVtbl = (IBackgroundCopyCallback3Vtbl *)&BgcNotify_vtbl;
    h->ref = 1;
}
