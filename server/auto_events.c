/*
 * auto_events.c - job events for scripts: the connection point of _IBgCopyJobEvents on the
 * automation job objects (auto_job.c), the table of connected sinks, and the firing of
 * Transferred / Error / Modification from the server's notification path (notify.c calls
 * auto_events_fire for every event it is handed).
 *
 * Invariants:
 *  1. Sinks are kept per job GUID, not per automation object: every automation object of a
 *     job (CreateJob, GetJob, collections, event arguments) shows the same connections, as a
 *     script expects of "the job". The table holds one reference per sink, under table_lock.
 *  2. Firing copies the job's sinks (with references) under table_lock and calls them with
 *     no lock held (STYLE 5.9); it never changes the BITS delivery result: events are an
 *     additional observer next to the callback / CLSID / command line chain of notify.c.
 *     A TRANSFERRED or ERROR event that BITS retries (no callback target yet) fires again.
 *  3. A sink whose call fails because its process or apartment is gone
 *     (notify_is_disconnected) is dropped; other failures are logged and ignored.
 *  4. The connection point holds a reference on its container (the automation job object).
 *     EnumConnections and IConnectionPointContainer::EnumConnectionPoints return E_NOTIMPL
 *     (documented as allowed); FindConnectionPoint and IProvideClassInfo are what script
 *     hosts use.
 */
#include "auto.h"

#include <stdlib.h>

struct sink_entry {
    struct sink_entry *next; /* table_lock */
    GUID job;                /* the job whose events go to sink */
    DWORD cookie;            /* Advise's cookie, unique in the process */
    IDispatch *sink;         /* one reference */
};

static SRWLOCK table_lock = SRWLOCK_INIT;
static struct sink_entry *table; /* table_lock */
static DWORD last_cookie;        /* table_lock */

/* ---- the sink table ---------------------------------------------------------------------- */

static HRESULT sinks_add(const GUID *job, IUnknown *unk, DWORD *cookie)
{
    struct sink_entry *e;
    IDispatch *sink = NULL;
    HRESULT hr;

    /* A sink answers either the event dispinterface or plain IDispatch (script hosts). */
    hr = IUnknown_QueryInterface(unk, &DIID__IBgCopyJobEvents, (void **)&sink);
    if (FAILED(hr))
        hr = IUnknown_QueryInterface(unk, &IID_IDispatch, (void **)&sink);
    if (FAILED(hr))
        return CONNECT_E_CANNOTCONNECT;
    if (!(e = calloc(1, sizeof(*e)))) {
        IDispatch_Release(sink);
        return E_OUTOFMEMORY;
    }
    e->job = *job;
    e->sink = sink;
    AcquireSRWLockExclusive(&table_lock);
    e->cookie = ++last_cookie ? last_cookie : ++last_cookie; /* never 0 */
    e->next = table;
    table = e;
    *cookie = e->cookie;
    ReleaseSRWLockExclusive(&table_lock);
    return S_OK;
}

/* Unlinks the entry (job, cookie), or any entry with that sink when cookie is 0; returns it
 * (the caller releases it) or NULL. */
static struct sink_entry *sinks_remove(const GUID *job, DWORD cookie, IDispatch *sink)
{
    struct sink_entry **p, *found = NULL;

    AcquireSRWLockExclusive(&table_lock);
    for (p = &table; *p; p = &(*p)->next) {
        if (IsEqualGUID(&(*p)->job, job) && (cookie ? (*p)->cookie == cookie : (*p)->sink == sink)) {
            found = *p;
            *p = found->next;
            break;
        }
    }
    ReleaseSRWLockExclusive(&table_lock);
    return found;
}

static void entry_free(struct sink_entry *e)
{
    if (e) {
        IDispatch_Release(e->sink);
        free(e);
    }
}

void auto_events_fire(struct bgc_job *core, enum bgc_event ev)
{
    IDispatch **sinks = NULL, *arg = NULL;
    IBackgroundCopyJob *job = NULL;
    struct sink_entry *e;
    struct bgc_id id;
    size_t n = 0, i;
    DISPID member;
    GUID guid;

    switch (ev) {
    case BGC_EVENT_TRANSFERRED: member = 1; break;
    case BGC_EVENT_ERROR: member = 2; break;
    case BGC_EVENT_MODIFICATION: member = 3; break;
    default: return; /* file events have no script event */
    }
    bgc_job_get_id(core, &id);
    guid_from_bgc_id(&id, &guid);
    AcquireSRWLockShared(&table_lock);
    for (e = table; e; e = e->next)
        n += IsEqualGUID(&e->job, &guid);
    if (n && (sinks = calloc(n, sizeof(*sinks)))) {
        for (e = table, i = 0; e && i < n; e = e->next) {
            if (IsEqualGUID(&e->job, &guid)) {
                sinks[i] = e->sink;
                IDispatch_AddRef(sinks[i]);
                i++;
            }
        }
    }
    ReleaseSRWLockShared(&table_lock);
    if (!sinks)
        return;
    if (SUCCEEDED(BgCopyJob_create(core, &job)) && SUCCEEDED(AutoJob_create(job, &arg))) {
        for (i = 0; i < n; i++) {
            VARIANT v;
            DISPPARAMS dp = {&v, NULL, 1, 0};
            HRESULT hr;

            V_VT(&v) = VT_DISPATCH;
            V_DISPATCH(&v) = arg;
            hr = IDispatch_Invoke(sinks[i], member, &IID_NULL, LOCALE_USER_DEFAULT, DISPATCH_METHOD, &dp, NULL,
                                  NULL, NULL);
            if (FAILED(hr)) {
                WARN("job event %ld to sink %p: %08lx", (long)member, (void *)sinks[i], (unsigned long)hr);
                if (notify_is_disconnected(hr))
                    entry_free(sinks_remove(&guid, 0, sinks[i]));
            } else {
                TRACE("job event %ld delivered to sink %p", (long)member, (void *)sinks[i]);
            }
        }
    }
    if (arg)
        IDispatch_Release(arg);
    if (job)
        IBackgroundCopyJob_Release(job);
    for (i = 0; i < n; i++)
        IDispatch_Release(sinks[i]);
    free(sinks);
}

/* ---- IConnectionPoint ---------------------------------------------------------------------- */

typedef struct {
    IConnectionPoint IConnectionPoint_iface;
    LONG ref;
    IConnectionPointContainer *container; /* one reference */
    GUID job;                             /* the job of the container */
} AutoConnectionPoint;

static inline AutoConnectionPoint *impl_from_IConnectionPoint(IConnectionPoint *iface)
{
    return CONTAINING_RECORD(iface, AutoConnectionPoint, IConnectionPoint_iface);
}

static HRESULT WINAPI AutoCP_QueryInterface(IConnectionPoint *iface, REFIID riid, void **ppv)
{
    if (!ppv)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IConnectionPoint)) {
        *ppv = iface;
        IConnectionPoint_AddRef(iface);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI AutoCP_AddRef(IConnectionPoint *iface)
{
    return InterlockedIncrement(&impl_from_IConnectionPoint(iface)->ref);
}

static ULONG WINAPI AutoCP_Release(IConnectionPoint *iface)
{
    AutoConnectionPoint *cp = impl_from_IConnectionPoint(iface);
    ULONG ref = InterlockedDecrement(&cp->ref);

    if (!ref) {
        IConnectionPointContainer_Release(cp->container);
        free(cp);
        server_unlock();
    }
    return ref;
}

static HRESULT WINAPI AutoCP_GetConnectionInterface(IConnectionPoint *iface, IID *iid)
{
    (void)iface;
    if (!iid)
        return E_POINTER;
    *iid = DIID__IBgCopyJobEvents;
    return S_OK;
}

static HRESULT WINAPI AutoCP_GetConnectionPointContainer(IConnectionPoint *iface, IConnectionPointContainer **out)
{
    AutoConnectionPoint *cp = impl_from_IConnectionPoint(iface);

    if (!out)
        return E_POINTER;
    *out = cp->container;
    IConnectionPointContainer_AddRef(*out);
    return S_OK;
}

static HRESULT WINAPI AutoCP_Advise(IConnectionPoint *iface, IUnknown *unk, DWORD *cookie)
{
    AutoConnectionPoint *cp = impl_from_IConnectionPoint(iface);
    HRESULT hr;

    TRACE("%p, %p, %p", (void *)cp, (void *)unk, (void *)cookie);
    if (!cookie)
        return E_POINTER;
    *cookie = 0;
    if (!unk)
        return E_POINTER;
    hr = sinks_add(&cp->job, unk, cookie);
    TRACE("  -> %08lx, cookie %lu", (unsigned long)hr, (unsigned long)*cookie);
    return hr;
}

static HRESULT WINAPI AutoCP_Unadvise(IConnectionPoint *iface, DWORD cookie)
{
    AutoConnectionPoint *cp = impl_from_IConnectionPoint(iface);
    struct sink_entry *e;

    TRACE("%p, cookie %lu", (void *)cp, (unsigned long)cookie);
    if (!cookie || !(e = sinks_remove(&cp->job, cookie, NULL)))
        return CONNECT_E_NOCONNECTION;
    entry_free(e); /* calls out (Release of a proxy) with no lock held */
    return S_OK;
}

static HRESULT WINAPI AutoCP_EnumConnections(IConnectionPoint *iface, IEnumConnections **out)
{
    (void)iface;
    if (out)
        *out = NULL;
    FIXME("EnumConnections is not implemented");
    return E_NOTIMPL;
}

static const IConnectionPointVtbl AutoCP_vtbl = {
    AutoCP_QueryInterface, AutoCP_AddRef, AutoCP_Release, AutoCP_GetConnectionInterface,
    AutoCP_GetConnectionPointContainer, AutoCP_Advise, AutoCP_Unadvise, AutoCP_EnumConnections,
};

HRESULT auto_events_connection_point(IConnectionPointContainer *container, const GUID *job, IConnectionPoint **out)
{
    AutoConnectionPoint *cp;

    *out = NULL;
    if (!(cp = calloc(1, sizeof(*cp))))
        return E_OUTOFMEMORY;
    cp->IConnectionPoint_iface.lpVtbl = (IConnectionPointVtbl *)&AutoCP_vtbl;
    cp->ref = 1;
    cp->container = container;
    cp->job = *job;
    IConnectionPointContainer_AddRef(container);
    server_lock();
    *out = &cp->IConnectionPoint_iface;
    return S_OK;
}
