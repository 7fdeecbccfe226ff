/*
 * enum_jobs.c - IEnumBackgroundCopyJobs over a snapshot of the queue (E1-E3).
 *
 * Invariants:
 *  1. The job list is fixed when EnumJobs is called: jobs created or finished later neither
 *     appear nor vanish (E3). The snapshot holds one reference per job and is shared, with
 *     its own count, between an enumerator and its clones.
 *  2. The position is an enum_cursor (enum_cursor.h, guarded by its lock); job objects are created outside it.
 *  3. Next returns S_OK when it returned celt items, S_FALSE when fewer; pceltFetched may be
 *     NULL only when celt == 1 (E1).
 */
#include <stdlib.h>

#include "server.h"
#include "enum_cursor.h"

struct job_snapshot {
    LONG ref;               /* enumerators sharing the snapshot */
    size_t count;           /* number of jobs */
    struct bgc_job **jobs;  /* one reference each; bgc_job_list_free'd */
};

typedef struct {
    IEnumBackgroundCopyJobs IEnumBackgroundCopyJobs_iface;
    LONG ref;
    struct enum_cursor cur;      /* position over the snapshot */
    struct job_snapshot *snap;   /* one snapshot reference */
} EnumJobs;

static inline EnumJobs *impl_from_IEnumBackgroundCopyJobs(IEnumBackgroundCopyJobs *iface)
{
    return CONTAINING_RECORD(iface, EnumJobs, IEnumBackgroundCopyJobs_iface);
}

static void snapshot_release(struct job_snapshot *snap)
{
    if (!InterlockedDecrement(&snap->ref)) {
        bgc_job_list_free(snap->jobs, snap->count);
        free(snap);
    }
}

static HRESULT enum_create(struct job_snapshot *snap, size_t pos, IEnumBackgroundCopyJobs **out);

static HRESULT WINAPI EnumJobs_QueryInterface(IEnumBackgroundCopyJobs *iface, REFIID riid, void **ppv)
{
    EnumJobs *e = impl_from_IEnumBackgroundCopyJobs(iface);
    char buf[39];

    TRACE("%p, %s, %p", (void *)e, debugstr_guid_buf(riid, buf), (void *)ppv);
    if (!ppv)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IEnumBackgroundCopyJobs)) {
        *ppv = iface;
        IEnumBackgroundCopyJobs_AddRef(iface);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI EnumJobs_AddRef(IEnumBackgroundCopyJobs *iface)
{
    EnumJobs *e = impl_from_IEnumBackgroundCopyJobs(iface);
    ULONG ref = InterlockedIncrement(&e->ref);

    TRACE("%p, refcount %lu", (void *)e, (unsigned long)ref);
    return ref;
}

static ULONG WINAPI EnumJobs_Release(IEnumBackgroundCopyJobs *iface)
{
    EnumJobs *e = impl_from_IEnumBackgroundCopyJobs(iface);
    ULONG ref = InterlockedDecrement(&e->ref);

    TRACE("%p, refcount %lu", (void *)e, (unsigned long)ref);
    if (!ref) {
        snapshot_release(e->snap);
        enum_cursor_free(&e->cur);
        free(e);
        server_unlock();
    }
    return ref;
}

static HRESULT WINAPI EnumJobs_Next(IEnumBackgroundCopyJobs *iface, ULONG celt, IBackgroundCopyJob **items,
                                    ULONG *fetched)
{
    EnumJobs *e = impl_from_IEnumBackgroundCopyJobs(iface);
    size_t first, n, i;
    HRESULT hr = S_OK;

    TRACE("%p, %lu, %p, %p", (void *)e, (unsigned long)celt, (void *)items, (void *)fetched);
    if (!items || (!fetched && celt != 1))
        return E_INVALIDARG;
    if (fetched)
        *fetched = 0;
    n = enum_cursor_take(&e->cur, celt, &first);

    for (i = 0; i < n && SUCCEEDED(hr); i++)
        hr = BgCopyJob_create(e->snap->jobs[first + i], &items[i]);
    if (FAILED(hr)) {
        size_t done = i - 1;

        for (i = 0; i < done; i++) {
            IBackgroundCopyJob_Release(items[i]);
            items[i] = NULL;
        }
        enum_cursor_rewind(&e->cur, first); /* nothing was handed out */
        return hr;
    }
    if (fetched)
        *fetched = (ULONG)n;
    return n == celt ? S_OK : S_FALSE;
}

static HRESULT WINAPI EnumJobs_Skip(IEnumBackgroundCopyJobs *iface, ULONG celt)
{
    EnumJobs *e = impl_from_IEnumBackgroundCopyJobs(iface);

    TRACE("%p, %lu", (void *)e, (unsigned long)celt);
    return enum_cursor_skip(&e->cur, celt);
}

static HRESULT WINAPI EnumJobs_Reset(IEnumBackgroundCopyJobs *iface)
{
    EnumJobs *e = impl_from_IEnumBackgroundCopyJobs(iface);

    TRACE("%p", (void *)e);
    enum_cursor_rewind(&e->cur, 0);
    return S_OK;
}

static HRESULT WINAPI EnumJobs_Clone(IEnumBackgroundCopyJobs *iface, IEnumBackgroundCopyJobs **out)
{
    EnumJobs *e = impl_from_IEnumBackgroundCopyJobs(iface);

    TRACE("%p, %p", (void *)e, (void *)out);
    if (!out)
        return E_INVALIDARG;
    *out = NULL;
    InterlockedIncrement(&e->snap->ref);
    return enum_create(e->snap, enum_cursor_pos(&e->cur), out);
}

static HRESULT WINAPI EnumJobs_GetCount(IEnumBackgroundCopyJobs *iface, ULONG *count)
{
    EnumJobs *e = impl_from_IEnumBackgroundCopyJobs(iface);

    TRACE("%p, %p", (void *)e, (void *)count);
    if (!count)
        return E_INVALIDARG;
    *count = (ULONG)e->snap->count;
    return S_OK;
}

static const IEnumBackgroundCopyJobsVtbl EnumJobs_vtbl = {
    EnumJobs_QueryInterface, EnumJobs_AddRef, EnumJobs_Release, EnumJobs_Next,
    EnumJobs_Skip,           EnumJobs_Reset,  EnumJobs_Clone,   EnumJobs_GetCount,
};

/* Takes over one reference on snap (released on failure too). */
static HRESULT enum_create(struct job_snapshot *snap, size_t pos, IEnumBackgroundCopyJobs **out)
{
    EnumJobs *e;

    *out = NULL;
    if (!(e = calloc(1, sizeof(*e)))) {
        snapshot_release(snap);
        return E_OUTOFMEMORY;
    }
    e->IEnumBackgroundCopyJobs_iface.lpVtbl = (IEnumBackgroundCopyJobsVtbl *)&EnumJobs_vtbl;
    e->ref = 1;
    enum_cursor_init(&e->cur, pos, snap->count);
    e->snap = snap;
    server_lock();
    *out = &e->IEnumBackgroundCopyJobs_iface;
    return S_OK;
}

HRESULT EnumJobs_create(struct bgc_job **jobs, size_t count, IEnumBackgroundCopyJobs **out)
{
    struct job_snapshot *snap;

    *out = NULL;
    if (!(snap = calloc(1, sizeof(*snap)))) {
        bgc_job_list_free(jobs, count);
        return E_OUTOFMEMORY;
    }
    snap->ref = 1;
    snap->count = count;
    snap->jobs = jobs;
    TRACE("job enumerator over %lu jobs", (unsigned long)count);
    return enum_create(snap, 0, out);
}
