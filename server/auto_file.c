/*
 * auto_file.c - IBgCopyAutoFile: one file of a job for scripts (RemoteName, LocalName,
 * BytesTransferred, BytesTotal, Completed).
 *
 * Invariants:
 *  1. The object holds one reference on its IBackgroundCopyFile and one server lock.
 *  2. Byte counts are doubles; BG_SIZE_UNKNOWN is -1 (auto.h, bgcopy.idl invariant 1).
 */
#include "auto.h"

#include <stdlib.h>

typedef struct {
    IBgCopyAutoFile IBgCopyAutoFile_iface;
    LONG ref;
    IBackgroundCopyFile *file; /* one reference, released with the object */
} AutoFile;

static inline AutoFile *impl_from_IBgCopyAutoFile(IBgCopyAutoFile *iface)
{
    return CONTAINING_RECORD(iface, AutoFile, IBgCopyAutoFile_iface);
}

static HRESULT WINAPI AutoFile_QueryInterface(IBgCopyAutoFile *iface, REFIID riid, void **ppv)
{
    if (!ppv)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDispatch) ||
        IsEqualIID(riid, &IID_IBgCopyAutoFile)) {
        *ppv = iface;
        IBgCopyAutoFile_AddRef(iface);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI AutoFile_AddRef(IBgCopyAutoFile *iface)
{
    return InterlockedIncrement(&impl_from_IBgCopyAutoFile(iface)->ref);
}

static ULONG WINAPI AutoFile_Release(IBgCopyAutoFile *iface)
{
    AutoFile *f = impl_from_IBgCopyAutoFile(iface);
    ULONG ref = InterlockedDecrement(&f->ref);

    if (!ref) {
        IBackgroundCopyFile_Release(f->file);
        free(f);
        server_unlock();
    }
    return ref;
}

static HRESULT WINAPI AutoFile_GetTypeInfoCount(IBgCopyAutoFile *iface, UINT *count)
{
    (void)iface;
    return auto_get_type_info_count(count);
}

static HRESULT WINAPI AutoFile_GetTypeInfo(IBgCopyAutoFile *iface, UINT index, LCID lcid, ITypeInfo **out)
{
    (void)iface, (void)lcid;
    return auto_get_type_info(&IID_IBgCopyAutoFile, index, out);
}

static HRESULT WINAPI AutoFile_GetIDsOfNames(IBgCopyAutoFile *iface, REFIID riid, LPOLESTR *names, UINT count,
                                             LCID lcid, DISPID *ids)
{
    (void)iface, (void)lcid;
    return auto_get_ids_of_names(&IID_IBgCopyAutoFile, riid, names, count, ids);
}

static HRESULT WINAPI AutoFile_Invoke(IBgCopyAutoFile *iface, DISPID member, REFIID riid, LCID lcid, WORD flags,
                                      DISPPARAMS *params, VARIANT *result, EXCEPINFO *excep, UINT *arg_err)
{
    (void)lcid;
    return auto_invoke(&IID_IBgCopyAutoFile, iface, member, riid, flags, params, result, excep, arg_err);
}

static HRESULT WINAPI AutoFile_get_RemoteName(IBgCopyAutoFile *iface, BSTR *out)
{
    AutoFile *f = impl_from_IBgCopyAutoFile(iface);
    WCHAR *s = NULL;
    HRESULT hr;

    if (!out)
        return E_POINTER;
    *out = NULL;
    hr = IBackgroundCopyFile_GetRemoteName(f->file, &s);
    if (SUCCEEDED(hr))
        hr = auto_bstr_from_cotask(s, out);
    return auto_error(hr, &IID_IBgCopyAutoFile);
}

static HRESULT WINAPI AutoFile_get_LocalName(IBgCopyAutoFile *iface, BSTR *out)
{
    AutoFile *f = impl_from_IBgCopyAutoFile(iface);
    WCHAR *s = NULL;
    HRESULT hr;

    if (!out)
        return E_POINTER;
    *out = NULL;
    hr = IBackgroundCopyFile_GetLocalName(f->file, &s);
    if (SUCCEEDED(hr))
        hr = auto_bstr_from_cotask(s, out);
    return auto_error(hr, &IID_IBgCopyAutoFile);
}

/* The file's progress, or the failure recorded for the script. */
static HRESULT progress(AutoFile *f, BG_FILE_PROGRESS *p)
{
    memset(p, 0, sizeof(*p));
    return auto_error(IBackgroundCopyFile_GetProgress(f->file, p), &IID_IBgCopyAutoFile);
}

static HRESULT WINAPI AutoFile_get_BytesTransferred(IBgCopyAutoFile *iface, double *out)
{
    BG_FILE_PROGRESS p;
    HRESULT hr;

    if (!out)
        return E_POINTER;
    *out = 0;
    if (SUCCEEDED(hr = progress(impl_from_IBgCopyAutoFile(iface), &p)))
        *out = (double)p.BytesTransferred;
    return hr;
}

static HRESULT WINAPI AutoFile_get_BytesTotal(IBgCopyAutoFile *iface, double *out)
{
    BG_FILE_PROGRESS p;
    HRESULT hr;

    if (!out)
        return E_POINTER;
    *out = 0;
    if (SUCCEEDED(hr = progress(impl_from_IBgCopyAutoFile(iface), &p)))
        *out = p.BytesTotal == BG_SIZE_UNKNOWN ? -1.0 : (double)p.BytesTotal;
    return hr;
}

static HRESULT WINAPI AutoFile_get_Completed(IBgCopyAutoFile *iface, VARIANT_BOOL *out)
{
    BG_FILE_PROGRESS p;
    HRESULT hr;

    if (!out)
        return E_POINTER;
    *out = VARIANT_FALSE;
    if (SUCCEEDED(hr = progress(impl_from_IBgCopyAutoFile(iface), &p)))
        *out = p.Completed ? VARIANT_TRUE : VARIANT_FALSE;
    return hr;
}

static const IBgCopyAutoFileVtbl AutoFile_vtbl = {
    AutoFile_QueryInterface,
    AutoFile_AddRef,
    AutoFile_Release,
    AutoFile_GetTypeInfoCount,
    AutoFile_GetTypeInfo,
    AutoFile_GetIDsOfNames,
    AutoFile_Invoke,
    AutoFile_get_RemoteName,
    AutoFile_get_LocalName,
    AutoFile_get_BytesTransferred,
    AutoFile_get_BytesTotal,
    AutoFile_get_Completed,
};

HRESULT AutoFile_create(IBackgroundCopyFile *file, IDispatch **out)
{
    AutoFile *f;

    *out = NULL;
    if (!(f = calloc(1, sizeof(*f))))
        return E_OUTOFMEMORY;
    f->IBgCopyAutoFile_iface.lpVtbl = (IBgCopyAutoFileVtbl *)&AutoFile_vtbl;
    f->ref = 1;
    f->file = file;
    IBackgroundCopyFile_AddRef(file);
    server_lock();
    *out = (IDispatch *)&f->IBgCopyAutoFile_iface;
    return S_OK;
}
