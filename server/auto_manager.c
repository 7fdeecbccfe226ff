/*
 * auto_manager.c - IBgCopyAutoManager: the automation face of a manager object, so that
 * CreateObject("BgCopy.Manager") / new ActiveXObject("BgCopy.Manager") work.
 *
 * Invariants:
 *  1. A tear-off: created by the manager's QueryInterface for IID_IDispatch or
 *     IID_IBgCopyAutoManager, it holds one reference on the manager and forwards QueryInterface
 *     for every other IID (IUnknown included) to it, so the manager keeps one COM identity.
 *  2. Each member calls one IBackgroundCopyManager method of that manager (auto.h); the caller's
 *     identity therefore decides the owner and the job list exactly as for BITS clients.
 */
#include "auto.h"

#include <stdlib.h>

typedef struct {
    IBgCopyAutoManager IBgCopyAutoManager_iface;
    LONG ref;
    IBackgroundCopyManager *manager; /* one reference, released with the tear-off */
} AutoManager;

static inline AutoManager *impl_from_IBgCopyAutoManager(IBgCopyAutoManager *iface)
{
    return CONTAINING_RECORD(iface, AutoManager, IBgCopyAutoManager_iface);
}

static HRESULT WINAPI AutoManager_QueryInterface(IBgCopyAutoManager *iface, REFIID riid, void **ppv)
{
    AutoManager *am = impl_from_IBgCopyAutoManager(iface);

    if (!ppv)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IDispatch) || IsEqualIID(riid, &IID_IBgCopyAutoManager)) {
        *ppv = iface;
        IBgCopyAutoManager_AddRef(iface);
        return S_OK;
    }
    return IBackgroundCopyManager_QueryInterface(am->manager, riid, ppv);
}

static ULONG WINAPI AutoManager_AddRef(IBgCopyAutoManager *iface)
{
    AutoManager *am = impl_from_IBgCopyAutoManager(iface);

    return InterlockedIncrement(&am->ref);
}

static ULONG WINAPI AutoManager_Release(IBgCopyAutoManager *iface)
{
    AutoManager *am = impl_from_IBgCopyAutoManager(iface);
    ULONG ref = InterlockedDecrement(&am->ref);

    if (!ref) {
        IBackgroundCopyManager_Release(am->manager);
        free(am);
        server_unlock();
    }
    return ref;
}

static HRESULT WINAPI AutoManager_GetTypeInfoCount(IBgCopyAutoManager *iface, UINT *count)
{
    (void)iface;
    return auto_get_type_info_count(count);
}

static HRESULT WINAPI AutoManager_GetTypeInfo(IBgCopyAutoManager *iface, UINT index, LCID lcid, ITypeInfo **out)
{
    (void)iface, (void)lcid;
    return auto_get_type_info(&IID_IBgCopyAutoManager, index, out);
}

static HRESULT WINAPI AutoManager_GetIDsOfNames(IBgCopyAutoManager *iface, REFIID riid, LPOLESTR *names, UINT count,
                                                LCID lcid, DISPID *ids)
{
    (void)iface, (void)lcid;
    return auto_get_ids_of_names(&IID_IBgCopyAutoManager, riid, names, count, ids);
}

static HRESULT WINAPI AutoManager_Invoke(IBgCopyAutoManager *iface, DISPID member, REFIID riid, LCID lcid, WORD flags,
                                         DISPPARAMS *params, VARIANT *result, EXCEPINFO *excep, UINT *arg_err)
{
    (void)lcid;
    return auto_invoke(&IID_IBgCopyAutoManager, iface, member, riid, flags, params, result, excep, arg_err);
}

static HRESULT WINAPI AutoManager_CreateJob(IBgCopyAutoManager *iface, BSTR name, IDispatch **out)
{
    AutoManager *am = impl_from_IBgCopyAutoManager(iface);
    IBackgroundCopyJob *job = NULL;
    GUID id;
    HRESULT hr;

    TRACE("%p, %s, %p", (void *)am, debugstr_w(name), (void *)out);
    if (!out)
        return E_POINTER;
    *out = NULL;
    hr = IBackgroundCopyManager_CreateJob(am->manager, name ? name : L"", BG_JOB_TYPE_DOWNLOAD, &id, &job);
    if (SUCCEEDED(hr)) {
        hr = AutoJob_create(job, out);
        IBackgroundCopyJob_Release(job);
    }
    return auto_error(hr, &IID_IBgCopyAutoManager);
}

static HRESULT WINAPI AutoManager_GetJob(IBgCopyAutoManager *iface, BSTR id_text, IDispatch **out)
{
    AutoManager *am = impl_from_IBgCopyAutoManager(iface);
    IBackgroundCopyJob *job = NULL;
    GUID id;
    HRESULT hr;

    TRACE("%p, %s, %p", (void *)am, debugstr_w(id_text), (void *)out);
    if (!out)
        return E_POINTER;
    *out = NULL;
    hr = auto_guid_from_string(id_text, &id);
    if (SUCCEEDED(hr))
        hr = IBackgroundCopyManager_GetJob(am->manager, &id, &job);
    if (SUCCEEDED(hr)) {
        hr = AutoJob_create(job, out);
        IBackgroundCopyJob_Release(job);
    }
    return auto_error(hr, &IID_IBgCopyAutoManager);
}

static HRESULT WINAPI AutoManager_get_Jobs(IBgCopyAutoManager *iface, IDispatch **out)
{
    AutoManager *am = impl_from_IBgCopyAutoManager(iface);
    IEnumBackgroundCopyJobs *e = NULL;
    IDispatch **items = NULL;
    BSTR *keys = NULL;
    ULONG count = 0, n = 0;
    HRESULT hr;

    TRACE("%p, %p", (void *)am, (void *)out);
    if (!out)
        return E_POINTER;
    *out = NULL;
    hr = IBackgroundCopyManager_EnumJobs(am->manager, 0, &e);
    if (SUCCEEDED(hr))
        hr = IEnumBackgroundCopyJobs_GetCount(e, &count);
    if (SUCCEEDED(hr) && (!(items = calloc(count + 1, sizeof(*items))) || !(keys = calloc(count + 1, sizeof(*keys)))))
        hr = E_OUTOFMEMORY;
    while (SUCCEEDED(hr) && n < count) {
        IBackgroundCopyJob *job = NULL;
        ULONG got = 0;
        GUID id;

        hr = IEnumBackgroundCopyJobs_Next(e, 1, &job, &got);
        if (hr != S_OK || !got) { /* the snapshot is shorter than its count said: stop there */
            hr = S_OK;
            break;
        }
        hr = IBackgroundCopyJob_GetId(job, &id);
        if (SUCCEEDED(hr))
            hr = auto_bstr_from_guid(&id, &keys[n]);
        if (SUCCEEDED(hr))
            hr = AutoJob_create(job, &items[n]);
        IBackgroundCopyJob_Release(job);
        if (SUCCEEDED(hr))
            n++;
    }
    if (e)
        IEnumBackgroundCopyJobs_Release(e);
    if (SUCCEEDED(hr))
        return AutoCollection_create(items, keys, n, out); /* takes items and keys */
    for (ULONG i = 0; items && keys && i <= n; i++) {
        if (items[i])
            IDispatch_Release(items[i]);
        SysFreeString(keys[i]);
    }
    free(items);
    free(keys);
    return auto_error(hr, &IID_IBgCopyAutoManager);
}

static const IBgCopyAutoManagerVtbl AutoManager_vtbl = {
    AutoManager_QueryInterface,
    AutoManager_AddRef,
    AutoManager_Release,
    AutoManager_GetTypeInfoCount,
    AutoManager_GetTypeInfo,
    AutoManager_GetIDsOfNames,
    AutoManager_Invoke,
    AutoManager_CreateJob,
    AutoManager_GetJob,
    AutoManager_get_Jobs,
};

HRESULT AutoManager_create(IBackgroundCopyManager *manager, REFIID riid, void **ppv)
{
    AutoManager *am;
    HRESULT hr;

    *ppv = NULL;
    if (!(am = calloc(1, sizeof(*am))))
        return E_OUTOFMEMORY;
    am->IBgCopyAutoManager_iface.lpVtbl = (IBgCopyAutoManagerVtbl *)&AutoManager_vtbl;
    am->ref = 1;
    am->manager = manager;
    IBackgroundCopyManager_AddRef(manager);
    server_lock();
    TRACE("automation tear-off %p of manager %p", (void *)am, (void *)manager);
    hr = IBgCopyAutoManager_QueryInterface(&am->IBgCopyAutoManager_iface, riid, ppv);
    IBgCopyAutoManager_Release(&am->IBgCopyAutoManager_iface);
    return hr;
}
