/*
 * manager.c - IBackgroundCopyManager: one object per activation, over the process's queue.
 *
 * Invariants:
 *  1. The owner of a new job, and the filter of EnumJobs(0), is the calling client's SID
 *     string, obtained by impersonation (caller_sid) for every call, never cached: a manager
 *     pointer handed to another identity acts with that identity.
 *  2. The object holds one server lock from creation to final Release.
 *  3. Access checks between users (X2, G6) are a later issue; BG_JOB_ENUM_ALL_USERS already
 *     lists every job, other EnumJobs flag bits give E_NOTIMPL.
 *  4. CreateJob, GetJob and EnumJobs admit their caller (access.c: G9 remote, G8 below
 *     IDENTIFY) after validating arguments and before touching the queue; CreateJob and
 *     EnumJobs(0) within the one impersonation that reads the owner (caller_facts_admitted).
 */
#include "server.h"

#include <stdlib.h>

#include "auto.h"

#include <sddl.h>

#include "bgreg.h"

typedef struct {
    IBackgroundCopyManager IBackgroundCopyManager_iface;
    LONG ref;
} BgCopyManagerImpl; /* "BgCopyManager" is the coclass name in bgcopy.h */

static inline BgCopyManagerImpl *impl_from_IBackgroundCopyManager(IBackgroundCopyManager *iface)
{
    return CONTAINING_RECORD(iface, BgCopyManagerImpl, IBackgroundCopyManager_iface);
}

/* SID string of the admitted caller (caller.c; under Wine the process's user), malloc'd UTF-8. */
static HRESULT caller_sid(char **out)
{
    struct caller_facts facts;
    HRESULT hr = caller_facts_admitted(&facts);

    *out = NULL;
    if (FAILED(hr)) {
        WARN("cannot identify the caller: %08lx", (unsigned long)hr);
        return hr;
    }
    *out = facts.sid; /* taken: caller_facts_free would free only the SID */
    return S_OK;
}

static HRESULT WINAPI BgCopyManager_QueryInterface(IBackgroundCopyManager *iface, REFIID riid, void **ppv)
{
    BgCopyManagerImpl *manager = impl_from_IBackgroundCopyManager(iface);
    char buf[39];

    TRACE("%p, %s, %p", (void *)manager, debugstr_guid_buf(riid, buf), (void *)ppv);
    if (!ppv)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IBackgroundCopyManager)) {
        *ppv = iface;
        IBackgroundCopyManager_AddRef(iface);
        return S_OK;
    }
    /* Automation for scripts (CreateObject("BgCopy.Manager")): a tear-off that keeps this
     * object's identity (auto_manager.c). */
    if (IsEqualIID(riid, &IID_IDispatch) || IsEqualIID(riid, &IID_IBgCopyAutoManager))
        return AutoManager_create(iface, riid, ppv);
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI BgCopyManager_AddRef(IBackgroundCopyManager *iface)
{
    BgCopyManagerImpl *manager = impl_from_IBackgroundCopyManager(iface);
    ULONG ref = InterlockedIncrement(&manager->ref);

    TRACE("%p, refcount %lu", (void *)manager, (unsigned long)ref);
    return ref;
}

static ULONG WINAPI BgCopyManager_Release(IBackgroundCopyManager *iface)
{
    BgCopyManagerImpl *manager = impl_from_IBackgroundCopyManager(iface);
    ULONG ref = InterlockedDecrement(&manager->ref);

    TRACE("%p, refcount %lu", (void *)manager, (unsigned long)ref);
    if (!ref) {
        free(manager);
        server_unlock();
    }
    return ref;
}

static HRESULT WINAPI BgCopyManager_CreateJob(IBackgroundCopyManager *iface, LPCWSTR name, BG_JOB_TYPE type,
                                              GUID *id, IBackgroundCopyJob **job)
{
    BgCopyManagerImpl *manager = impl_from_IBackgroundCopyManager(iface);
    struct bgc_job *core = NULL;
    struct bgc_id core_id;
    struct caller_facts facts;
    char *name8 = NULL, *owner = NULL;
    HRESULT hr;
    int rc;

    TRACE("%p, %s, %d, %p, %p", (void *)manager, debugstr_w(name), (int)type, (void *)id, (void *)job);
    if (job)
        *job = NULL;
    if (!id || !job)
        return E_INVALIDARG;
    memset(id, 0, sizeof(*id));
    if ((unsigned)type > BG_JOB_TYPE_UPLOAD_REPLY)
        return E_INVALIDARG;
    if (type != BG_JOB_TYPE_DOWNLOAD) {
        FIXME("upload jobs (type %d) are not implemented", (int)type);
        return E_NOTIMPL;
    }
    /* CreateJob documents E_INVALIDARG (not BG_E_STRING_TOO_LONG) for a long name. */
    hr = strconv_utf8_from_wide(name, BGC_MAX_DISPLAY_NAME, E_INVALIDARG, &name8);
    if (SUCCEEDED(hr))
        hr = caller_facts_admitted(&facts); /* G8, G9 */
    if (SUCCEEDED(hr)) {
        owner = facts.sid; /* taken */
        /* one durable commit with the Job4 owner facts (jobs/store.c invariant 1) */
        rc = bgc_queue_create_job_as(server_queue(), name8, BGC_JOB_DOWNLOAD, owner, facts.integrity,
                                     facts.elevated, &core);
        hr = hresult_from_bgc(rc);
    }
    if (SUCCEEDED(hr))
        hr = BgCopyJob_create(core, job);
    if (SUCCEEDED(hr)) {
        char buf[39];

        bgc_job_get_id(core, &core_id);
        guid_from_bgc_id(&core_id, id);
        INFO("job %s created by %s, name %s", debugstr_guid_buf(id, buf), owner, debugstr_w(name));
    }
    bgc_job_unref(core);
    free(owner);
    free(name8);
    return hr;
}

static HRESULT WINAPI BgCopyManager_GetJob(IBackgroundCopyManager *iface, REFGUID id, IBackgroundCopyJob **job)
{
    BgCopyManagerImpl *manager = impl_from_IBackgroundCopyManager(iface);
    struct bgc_job *core = NULL;
    struct bgc_id core_id;
    char buf[39];
    HRESULT hr;

    TRACE("%p, %s, %p", (void *)manager, debugstr_guid_buf(id, buf), (void *)job);
    if (!job)
        return E_INVALIDARG;
    *job = NULL;
    if (!id)
        return E_INVALIDARG;
    hr = access_check_caller(); /* G8, G9 */
    if (FAILED(hr))
        return hr;
    bgc_id_from_guid(id, &core_id);
    hr = hresult_from_bgc(bgc_queue_get_job(server_queue(), &core_id, &core));
    if (SUCCEEDED(hr))
        hr = BgCopyJob_create(core, job);
    bgc_job_unref(core);
    return hr;
}

static HRESULT WINAPI BgCopyManager_EnumJobs(IBackgroundCopyManager *iface, DWORD flags, IEnumBackgroundCopyJobs **ppenum)
{
    BgCopyManagerImpl *manager = impl_from_IBackgroundCopyManager(iface);
    struct bgc_job **jobs = NULL;
    size_t count = 0;
    char *owner = NULL;
    HRESULT hr = S_OK;

    TRACE("%p, %#lx, %p", (void *)manager, (unsigned long)flags, (void *)ppenum);
    if (!ppenum)
        return E_INVALIDARG;
    *ppenum = NULL;
    if (flags & ~(DWORD)BG_JOB_ENUM_ALL_USERS) {
        FIXME("unsupported EnumJobs flags %#lx", (unsigned long)flags);
        return E_NOTIMPL;
    }
    if (!(flags & BG_JOB_ENUM_ALL_USERS))
        hr = caller_sid(&owner); /* admits the caller too */
    else
        hr = access_check_caller(); /* G8, G9 */
    if (SUCCEEDED(hr))
        hr = hresult_from_bgc(bgc_queue_list_jobs(server_queue(), owner, &jobs, &count));
    if (SUCCEEDED(hr))
        hr = EnumJobs_create(jobs, count, ppenum); /* takes the list, also on failure */
    free(owner);
    return hr;
}

static HRESULT WINAPI BgCopyManager_GetErrorDescription(IBackgroundCopyManager *iface, HRESULT code, DWORD langid,
                                                        LPWSTR *text)
{
    BgCopyManagerImpl *manager = impl_from_IBackgroundCopyManager(iface);

    TRACE("%p, %08lx, %#lx, %p", (void *)manager, (unsigned long)code, (unsigned long)langid, (void *)text);
    if (!text)
        return E_INVALIDARG;
    return hresult_describe(code, langid, text);
}

static const IBackgroundCopyManagerVtbl BgCopyManager_vtbl = {
    BgCopyManager_QueryInterface,
    BgCopyManager_AddRef,
    BgCopyManager_Release,
    BgCopyManager_CreateJob,
    BgCopyManager_GetJob,
    BgCopyManager_EnumJobs,
    BgCopyManager_GetErrorDescription,
};

HRESULT BgCopyManager_create(REFIID riid, void **ppv)
{
    BgCopyManagerImpl *manager;
    HRESULT hr;

    *ppv = NULL;
    if (!(manager = calloc(1, sizeof(*manager))))
        return E_OUTOFMEMORY;
    manager->IBackgroundCopyManager_iface.lpVtbl = (IBackgroundCopyManagerVtbl *)&BgCopyManager_vtbl;
    manager->ref = 1;
    server_lock();
    TRACE("created manager %p", (void *)manager);
    hr = IBackgroundCopyManager_QueryInterface(&manager->IBackgroundCopyManager_iface, riid, ppv);
    IBackgroundCopyManager_Release(&manager->IBackgroundCopyManager_iface);
    return hr;
}
