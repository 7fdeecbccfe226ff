/*
 * auto_job.c - IBgCopyAutoJob: a download job for scripts. Each member is one call on the
 * job's BITS object (job.c) in this process: AddFile, Resume, Suspend, Complete, Cancel, the
 * state, progress and error of the job, its display name and notification CLSID, and a
 * snapshot collection of its files.
 *
 * Invariants:
 *  1. The object holds one reference on the job's IBackgroundCopyJob (which holds the core
 *     job, job.c invariant 1) and one server lock; several automation objects may adapt the
 *     same job (one per CreateJob/GetJob/collection), they share its state through it.
 *  2. Error/ErrorCode read the job's current error (IBackgroundCopyJob::GetError): empty and 0
 *     when the job has none (BG_E_ERROR_INFORMATION_UNAVAILABLE), never a failure.
 *  3. Byte counts are doubles, an unknown total is -1 (bgcopy.idl invariant 1).
 *  4. Events: IConnectionPointContainer (one connection point, _IBgCopyJobEvents, whose
 *     sinks are kept per job by auto_events.c) and IProvideClassInfo (coclass BgCopyAutoJob,
 *     which names the source interface for WScript.ConnectObject) forward to the object.
 */
#include "auto.h"

#include <stdlib.h>

#define AUTO_WAIT_MAX_MS 600000 /* bound of Wait's timeout (bgcopy.idl) */

typedef struct {
    IBgCopyAutoJob IBgCopyAutoJob_iface;
    IConnectionPointContainer IConnectionPointContainer_iface; /* job events (auto_events.c) */
    IProvideClassInfo IProvideClassInfo_iface;                 /* coclass BgCopyAutoJob */
    LONG ref;
    IBackgroundCopyJob *job; /* one reference, released with the object */
} AutoJob;

static inline AutoJob *impl_from_IBgCopyAutoJob(IBgCopyAutoJob *iface)
{
    return CONTAINING_RECORD(iface, AutoJob, IBgCopyAutoJob_iface);
}

static HRESULT WINAPI AutoJob_QueryInterface(IBgCopyAutoJob *iface, REFIID riid, void **ppv)
{
    AutoJob *aj = impl_from_IBgCopyAutoJob(iface);

    if (!ppv)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDispatch) || IsEqualIID(riid, &IID_IBgCopyAutoJob))
        *ppv = iface;
    else if (IsEqualIID(riid, &IID_IConnectionPointContainer))
        *ppv = &aj->IConnectionPointContainer_iface;
    else if (IsEqualIID(riid, &IID_IProvideClassInfo))
        *ppv = &aj->IProvideClassInfo_iface;
    else
        *ppv = NULL;
    if (*ppv) {
        IBgCopyAutoJob_AddRef(iface);
        return S_OK;
    }
    return E_NOINTERFACE;
}

static ULONG WINAPI AutoJob_AddRef(IBgCopyAutoJob *iface)
{
    return InterlockedIncrement(&impl_from_IBgCopyAutoJob(iface)->ref);
}

static ULONG WINAPI AutoJob_Release(IBgCopyAutoJob *iface)
{
    AutoJob *aj = impl_from_IBgCopyAutoJob(iface);
    ULONG ref = InterlockedDecrement(&aj->ref);

    if (!ref) {
        IBackgroundCopyJob_Release(aj->job);
        free(aj);
        server_unlock();
    }
    return ref;
}

static HRESULT WINAPI AutoJob_GetTypeInfoCount(IBgCopyAutoJob *iface, UINT *count)
{
    (void)iface;
    return auto_get_type_info_count(count);
}

static HRESULT WINAPI AutoJob_GetTypeInfo(IBgCopyAutoJob *iface, UINT index, LCID lcid, ITypeInfo **out)
{
    (void)iface, (void)lcid;
    return auto_get_type_info(&IID_IBgCopyAutoJob, index, out);
}

static HRESULT WINAPI AutoJob_GetIDsOfNames(IBgCopyAutoJob *iface, REFIID riid, LPOLESTR *names, UINT count,
                                            LCID lcid, DISPID *ids)
{
    (void)iface, (void)lcid;
    return auto_get_ids_of_names(&IID_IBgCopyAutoJob, riid, names, count, ids);
}

static HRESULT WINAPI AutoJob_Invoke(IBgCopyAutoJob *iface, DISPID member, REFIID riid, LCID lcid, WORD flags,
                                     DISPPARAMS *params, VARIANT *result, EXCEPINFO *excep, UINT *arg_err)
{
    (void)lcid;
    return auto_invoke(&IID_IBgCopyAutoJob, iface, member, riid, flags, params, result, excep, arg_err);
}

#define FAIL(hr) auto_error((hr), &IID_IBgCopyAutoJob)

static HRESULT WINAPI AutoJob_get_Id(IBgCopyAutoJob *iface, BSTR *out)
{
    AutoJob *aj = impl_from_IBgCopyAutoJob(iface);
    GUID id;
    HRESULT hr;

    if (!out)
        return E_POINTER;
    *out = NULL;
    hr = IBackgroundCopyJob_GetId(aj->job, &id);
    if (SUCCEEDED(hr))
        hr = auto_bstr_from_guid(&id, out);
    return FAIL(hr);
}

static HRESULT WINAPI AutoJob_get_DisplayName(IBgCopyAutoJob *iface, BSTR *out)
{
    AutoJob *aj = impl_from_IBgCopyAutoJob(iface);
    WCHAR *s = NULL;
    HRESULT hr;

    if (!out)
        return E_POINTER;
    *out = NULL;
    hr = IBackgroundCopyJob_GetDisplayName(aj->job, &s);
    if (SUCCEEDED(hr))
        hr = auto_bstr_from_cotask(s, out);
    return FAIL(hr);
}

static HRESULT WINAPI AutoJob_put_DisplayName(IBgCopyAutoJob *iface, BSTR name)
{
    AutoJob *aj = impl_from_IBgCopyAutoJob(iface);

    TRACE("%p, %s", (void *)aj, debugstr_w(name));
    return FAIL(IBackgroundCopyJob_SetDisplayName(aj->job, name ? name : L""));
}

static HRESULT WINAPI AutoJob_AddFile(IBgCopyAutoJob *iface, BSTR url, BSTR path)
{
    AutoJob *aj = impl_from_IBgCopyAutoJob(iface);

    TRACE("%p, %s, %s", (void *)aj, debugstr_w(url), debugstr_w(path));
    /* A NULL BSTR is the empty string: BITS then reports the invalid name. */
    return FAIL(IBackgroundCopyJob_AddFile(aj->job, url ? url : L"", path ? path : L""));
}

static HRESULT WINAPI AutoJob_Resume(IBgCopyAutoJob *iface)
{
    return FAIL(IBackgroundCopyJob_Resume(impl_from_IBgCopyAutoJob(iface)->job));
}

static HRESULT WINAPI AutoJob_Suspend(IBgCopyAutoJob *iface)
{
    return FAIL(IBackgroundCopyJob_Suspend(impl_from_IBgCopyAutoJob(iface)->job));
}

/* BG_S_PARTIAL_COMPLETE and BG_S_UNABLE_TO_DELETE_FILES are success codes: a script sees
 * success; the files' state tells the rest. */
static HRESULT WINAPI AutoJob_Complete(IBgCopyAutoJob *iface)
{
    HRESULT hr = IBackgroundCopyJob_Complete(impl_from_IBgCopyAutoJob(iface)->job);

    return SUCCEEDED(hr) ? S_OK : FAIL(hr);
}

static HRESULT WINAPI AutoJob_Cancel(IBgCopyAutoJob *iface)
{
    HRESULT hr = IBackgroundCopyJob_Cancel(impl_from_IBgCopyAutoJob(iface)->job);

    return SUCCEEDED(hr) ? S_OK : FAIL(hr);
}

static HRESULT WINAPI AutoJob_get_State(IBgCopyAutoJob *iface, LONG *out)
{
    BG_JOB_STATE st = BG_JOB_STATE_QUEUED;
    HRESULT hr;

    if (!out)
        return E_POINTER;
    *out = 0;
    hr = IBackgroundCopyJob_GetState(impl_from_IBgCopyAutoJob(iface)->job, &st);
    if (SUCCEEDED(hr))
        *out = (LONG)st;
    return FAIL(hr);
}

static HRESULT WINAPI AutoJob_get_StateName(IBgCopyAutoJob *iface, BSTR *out)
{
    static const WCHAR *const names[] = {
        L"QUEUED", L"CONNECTING", L"TRANSFERRING", L"SUSPENDED", L"ERROR",
        L"TRANSIENT_ERROR", L"TRANSFERRED", L"ACKNOWLEDGED", L"CANCELLED",
    };
    BG_JOB_STATE st = BG_JOB_STATE_QUEUED;
    HRESULT hr;

    if (!out)
        return E_POINTER;
    *out = NULL;
    hr = IBackgroundCopyJob_GetState(impl_from_IBgCopyAutoJob(iface)->job, &st);
    if (SUCCEEDED(hr)) {
        *out = SysAllocString((unsigned)st < ARRAYSIZE(names) ? names[st] : L"UNKNOWN");
        hr = *out ? S_OK : E_OUTOFMEMORY;
    }
    return FAIL(hr);
}

static HRESULT job_progress(AutoJob *aj, BG_JOB_PROGRESS *p)
{
    memset(p, 0, sizeof(*p));
    return FAIL(IBackgroundCopyJob_GetProgress(aj->job, p));
}

static HRESULT WINAPI AutoJob_get_BytesTransferred(IBgCopyAutoJob *iface, double *out)
{
    BG_JOB_PROGRESS p;
    HRESULT hr;

    if (!out)
        return E_POINTER;
    *out = 0;
    if (SUCCEEDED(hr = job_progress(impl_from_IBgCopyAutoJob(iface), &p)))
        *out = (double)p.BytesTransferred;
    return hr;
}

static HRESULT WINAPI AutoJob_get_BytesTotal(IBgCopyAutoJob *iface, double *out)
{
    BG_JOB_PROGRESS p;
    HRESULT hr;

    if (!out)
        return E_POINTER;
    *out = 0;
    if (SUCCEEDED(hr = job_progress(impl_from_IBgCopyAutoJob(iface), &p)))
        *out = p.BytesTotal == BG_SIZE_UNKNOWN ? -1.0 : (double)p.BytesTotal;
    return hr;
}

static HRESULT WINAPI AutoJob_get_FilesTransferred(IBgCopyAutoJob *iface, LONG *out)
{
    BG_JOB_PROGRESS p;
    HRESULT hr;

    if (!out)
        return E_POINTER;
    *out = 0;
    if (SUCCEEDED(hr = job_progress(impl_from_IBgCopyAutoJob(iface), &p)))
        *out = (LONG)p.FilesTransferred;
    return hr;
}

static HRESULT WINAPI AutoJob_get_FilesTotal(IBgCopyAutoJob *iface, LONG *out)
{
    BG_JOB_PROGRESS p;
    HRESULT hr;

    if (!out)
        return E_POINTER;
    *out = 0;
    if (SUCCEEDED(hr = job_progress(impl_from_IBgCopyAutoJob(iface), &p)))
        *out = (LONG)p.FilesTotal;
    return hr;
}

static HRESULT WINAPI AutoJob_get_Progress(IBgCopyAutoJob *iface, double *out)
{
    BG_JOB_PROGRESS p;
    HRESULT hr;

    if (!out)
        return E_POINTER;
    *out = 0;
    if (FAILED(hr = job_progress(impl_from_IBgCopyAutoJob(iface), &p)))
        return hr;
    if (p.BytesTotal == BG_SIZE_UNKNOWN)
        *out = -1.0;
    else if (p.BytesTotal == 0)
        *out = p.FilesTotal && p.FilesTransferred == p.FilesTotal ? 100.0 : 0.0;
    else
        *out = 100.0 * (double)p.BytesTransferred / (double)p.BytesTotal;
    return S_OK;
}

/* The job's error object, or NULL (S_OK) when it has none (invariant 2). */
static HRESULT job_error(AutoJob *aj, IBackgroundCopyError **out)
{
    HRESULT hr = IBackgroundCopyJob_GetError(aj->job, out);

    if (hr == BG_E_ERROR_INFORMATION_UNAVAILABLE) {
        *out = NULL;
        return S_OK;
    }
    return hr;
}

static HRESULT WINAPI AutoJob_get_Error(IBgCopyAutoJob *iface, BSTR *out)
{
    IBackgroundCopyError *err = NULL;
    WCHAR *text = NULL;
    HRESULT hr;

    if (!out)
        return E_POINTER;
    *out = NULL;
    hr = job_error(impl_from_IBgCopyAutoJob(iface), &err);
    if (SUCCEEDED(hr) && err) {
        hr = IBackgroundCopyError_GetErrorDescription(err, MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US), &text);
        IBackgroundCopyError_Release(err);
    }
    if (SUCCEEDED(hr)) {
        size_t n = text ? wcslen(text) : 0;

        while (n && (text[n - 1] == L'\n' || text[n - 1] == L'\r' || text[n - 1] == L' '))
            text[--n] = 0;
        hr = auto_bstr_from_cotask(text, out); /* frees text */
    }
    return FAIL(hr);
}

static HRESULT WINAPI AutoJob_get_ErrorCode(IBgCopyAutoJob *iface, LONG *out)
{
    IBackgroundCopyError *err = NULL;
    BG_ERROR_CONTEXT ctx;
    HRESULT hr, code = S_OK;

    if (!out)
        return E_POINTER;
    *out = 0;
    hr = job_error(impl_from_IBgCopyAutoJob(iface), &err);
    if (SUCCEEDED(hr) && err) {
        hr = IBackgroundCopyError_GetError(err, &ctx, &code);
        IBackgroundCopyError_Release(err);
    }
    if (SUCCEEDED(hr))
        *out = (LONG)code;
    return FAIL(hr);
}

static HRESULT WINAPI AutoJob_get_NotifyClsid(IBgCopyAutoJob *iface, BSTR *out)
{
    AutoJob *aj = impl_from_IBgCopyAutoJob(iface);
    IBackgroundCopyJob5 *job5 = NULL;
    BITS_JOB_PROPERTY_VALUE v;
    HRESULT hr;

    if (!out)
        return E_POINTER;
    *out = NULL;
    memset(&v, 0, sizeof(v));
    hr = IBackgroundCopyJob_QueryInterface(aj->job, &IID_IBackgroundCopyJob5, (void **)&job5);
    if (SUCCEEDED(hr)) {
        hr = IBackgroundCopyJob5_GetProperty(job5, BITS_JOB_PROPERTY_NOTIFICATION_CLSID, &v);
        IBackgroundCopyJob5_Release(job5);
    }
    if (SUCCEEDED(hr))
        hr = auto_bstr_from_guid(&v.ClsID, out);
    return FAIL(hr);
}

static HRESULT WINAPI AutoJob_put_NotifyClsid(IBgCopyAutoJob *iface, BSTR text)
{
    AutoJob *aj = impl_from_IBgCopyAutoJob(iface);
    IBackgroundCopyJob5 *job5 = NULL;
    BITS_JOB_PROPERTY_VALUE v;
    HRESULT hr;

    TRACE("%p, %s", (void *)aj, debugstr_w(text));
    memset(&v, 0, sizeof(v));
    /* "" clears, as GUID_NULL does for BITS clients */
    hr = text && text[0] ? auto_guid_from_string(text, &v.ClsID) : S_OK;
    if (SUCCEEDED(hr))
        hr = IBackgroundCopyJob_QueryInterface(aj->job, &IID_IBackgroundCopyJob5, (void **)&job5);
    if (SUCCEEDED(hr)) {
        hr = IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_NOTIFICATION_CLSID, v);
        IBackgroundCopyJob5_Release(job5);
    }
    return FAIL(hr);
}

static HRESULT WINAPI AutoJob_get_Files(IBgCopyAutoJob *iface, IDispatch **out)
{
    AutoJob *aj = impl_from_IBgCopyAutoJob(iface);
    IEnumBackgroundCopyFiles *e = NULL;
    IDispatch **items = NULL;
    ULONG count = 0, n = 0;
    HRESULT hr;

    if (!out)
        return E_POINTER;
    *out = NULL;
    hr = IBackgroundCopyJob_EnumFiles(aj->job, &e);
    if (SUCCEEDED(hr))
        hr = IEnumBackgroundCopyFiles_GetCount(e, &count);
    if (SUCCEEDED(hr) && !(items = calloc(count + 1, sizeof(*items))))
        hr = E_OUTOFMEMORY;
    while (SUCCEEDED(hr) && n < count) {
        IBackgroundCopyFile *file = NULL;
        ULONG got = 0;

        hr = IEnumBackgroundCopyFiles_Next(e, 1, &file, &got);
        if (hr != S_OK || !got) {
            hr = S_OK;
            break;
        }
        hr = AutoFile_create(file, &items[n]);
        IBackgroundCopyFile_Release(file);
        if (SUCCEEDED(hr))
            n++;
    }
    if (e)
        IEnumBackgroundCopyFiles_Release(e);
    if (SUCCEEDED(hr))
        return AutoCollection_create(items, NULL, n, out); /* takes items */
    for (ULONG i = 0; items && i < n; i++)
        IDispatch_Release(items[i]);
    free(items);
    return FAIL(hr);
}

/* Wine 8's cscript has no WScript.Sleep (E_NOTIMPL): scripts wait here instead. Polls the
 * state every 50 ms on this RPC thread; no lock is held while waiting. */
static HRESULT WINAPI AutoJob_Wait(IBgCopyAutoJob *iface, LONG timeout_ms, LONG *out)
{
    AutoJob *aj = impl_from_IBgCopyAutoJob(iface);
    ULONGLONG end;
    BG_JOB_STATE st = BG_JOB_STATE_QUEUED;
    HRESULT hr;

    TRACE("%p, %ld ms", (void *)aj, (long)timeout_ms);
    if (!out)
        return E_POINTER;
    *out = 0;
    if (timeout_ms < 0 || timeout_ms > AUTO_WAIT_MAX_MS)
        return FAIL(E_INVALIDARG);
    end = GetTickCount64() + (ULONGLONG)timeout_ms;
    for (;;) {
        if (FAILED(hr = IBackgroundCopyJob_GetState(aj->job, &st)))
            return FAIL(hr);
        if (st != BG_JOB_STATE_QUEUED && st != BG_JOB_STATE_CONNECTING && st != BG_JOB_STATE_TRANSFERRING &&
            st != BG_JOB_STATE_TRANSIENT_ERROR)
            break;
        if (GetTickCount64() >= end)
            break;
        Sleep(50);
    }
    *out = (LONG)st;
    return S_OK;
}

#undef FAIL

static const IBgCopyAutoJobVtbl AutoJob_vtbl = {
    AutoJob_QueryInterface,
    AutoJob_AddRef,
    AutoJob_Release,
    AutoJob_GetTypeInfoCount,
    AutoJob_GetTypeInfo,
    AutoJob_GetIDsOfNames,
    AutoJob_Invoke,
    AutoJob_get_Id,
    AutoJob_get_DisplayName,
    AutoJob_put_DisplayName,
    AutoJob_AddFile,
    AutoJob_Resume,
    AutoJob_Suspend,
    AutoJob_Complete,
    AutoJob_Cancel,
    AutoJob_get_State,
    AutoJob_get_StateName,
    AutoJob_get_BytesTransferred,
    AutoJob_get_BytesTotal,
    AutoJob_get_FilesTransferred,
    AutoJob_get_FilesTotal,
    AutoJob_get_Error,
    AutoJob_get_ErrorCode,
    AutoJob_get_NotifyClsid,
    AutoJob_put_NotifyClsid,
    AutoJob_get_Files,
    AutoJob_get_Progress,
    AutoJob_Wait,
};

/* ---- IConnectionPointContainer and IProvideClassInfo (forward to the object) ---------------- */

static inline AutoJob *impl_from_IConnectionPointContainer(IConnectionPointContainer *iface)
{
    return CONTAINING_RECORD(iface, AutoJob, IConnectionPointContainer_iface);
}

static HRESULT WINAPI AutoJobCPC_QueryInterface(IConnectionPointContainer *iface, REFIID riid, void **ppv)
{
    return IBgCopyAutoJob_QueryInterface(&impl_from_IConnectionPointContainer(iface)->IBgCopyAutoJob_iface, riid, ppv);
}

static ULONG WINAPI AutoJobCPC_AddRef(IConnectionPointContainer *iface)
{
    return IBgCopyAutoJob_AddRef(&impl_from_IConnectionPointContainer(iface)->IBgCopyAutoJob_iface);
}

static ULONG WINAPI AutoJobCPC_Release(IConnectionPointContainer *iface)
{
    return IBgCopyAutoJob_Release(&impl_from_IConnectionPointContainer(iface)->IBgCopyAutoJob_iface);
}

static HRESULT WINAPI AutoJobCPC_EnumConnectionPoints(IConnectionPointContainer *iface, IEnumConnectionPoints **out)
{
    (void)iface;
    if (out)
        *out = NULL;
    FIXME("EnumConnectionPoints is not implemented");
    return E_NOTIMPL;
}

static HRESULT WINAPI AutoJobCPC_FindConnectionPoint(IConnectionPointContainer *iface, REFIID riid,
                                                     IConnectionPoint **out)
{
    AutoJob *aj = impl_from_IConnectionPointContainer(iface);
    GUID id;
    HRESULT hr;

    if (!out)
        return E_POINTER;
    *out = NULL;
    if (!IsEqualIID(riid, &DIID__IBgCopyJobEvents))
        return CONNECT_E_NOCONNECTION;
    if (FAILED(hr = IBackgroundCopyJob_GetId(aj->job, &id)))
        return hr;
    return auto_events_connection_point(iface, &id, out);
}

static const IConnectionPointContainerVtbl AutoJobCPC_vtbl = {
    AutoJobCPC_QueryInterface, AutoJobCPC_AddRef, AutoJobCPC_Release,
    AutoJobCPC_EnumConnectionPoints, AutoJobCPC_FindConnectionPoint,
};

static inline AutoJob *impl_from_IProvideClassInfo(IProvideClassInfo *iface)
{
    return CONTAINING_RECORD(iface, AutoJob, IProvideClassInfo_iface);
}

static HRESULT WINAPI AutoJobPCI_QueryInterface(IProvideClassInfo *iface, REFIID riid, void **ppv)
{
    return IBgCopyAutoJob_QueryInterface(&impl_from_IProvideClassInfo(iface)->IBgCopyAutoJob_iface, riid, ppv);
}

static ULONG WINAPI AutoJobPCI_AddRef(IProvideClassInfo *iface)
{
    return IBgCopyAutoJob_AddRef(&impl_from_IProvideClassInfo(iface)->IBgCopyAutoJob_iface);
}

static ULONG WINAPI AutoJobPCI_Release(IProvideClassInfo *iface)
{
    return IBgCopyAutoJob_Release(&impl_from_IProvideClassInfo(iface)->IBgCopyAutoJob_iface);
}

static HRESULT WINAPI AutoJobPCI_GetClassInfo(IProvideClassInfo *iface, ITypeInfo **out)
{
    (void)iface;
    if (!out)
        return E_POINTER;
    return auto_typeinfo(&CLSID_BgCopyAutoJob, out);
}

static const IProvideClassInfoVtbl AutoJobPCI_vtbl = {
    AutoJobPCI_QueryInterface, AutoJobPCI_AddRef, AutoJobPCI_Release, AutoJobPCI_GetClassInfo,
};

HRESULT AutoJob_create(IBackgroundCopyJob *job, IDispatch **out)
{
    AutoJob *aj;

    *out = NULL;
    if (!(aj = calloc(1, sizeof(*aj))))
        return E_OUTOFMEMORY;
    aj->IBgCopyAutoJob_iface.lpVtbl = (IBgCopyAutoJobVtbl *)&AutoJob_vtbl;
    aj->IConnectionPointContainer_iface.lpVtbl = (IConnectionPointContainerVtbl *)&AutoJobCPC_vtbl;
    aj->IProvideClassInfo_iface.lpVtbl = (IProvideClassInfoVtbl *)&AutoJobPCI_vtbl;
    aj->ref = 1;
    aj->job = job;
    IBackgroundCopyJob_AddRef(job);
    server_lock();
    TRACE("automation job %p over %p", (void *)aj, (void *)job);
    *out = (IDispatch *)&aj->IBgCopyAutoJob_iface;
    return S_OK;
}
