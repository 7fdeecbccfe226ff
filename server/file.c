/*
 * file.c - the file object: IBackgroundCopyFile..File6 for one file of one job.
 *
 * Invariants:
 *  1. A file is addressed as (core job, index): BITS never removes a file from a job, so the
 *     index stays valid for the life of the object, which holds one bgc_job reference and one
 *     server lock.
 *  2. Property values are read live from the core on every call (E3: the list is a snapshot,
 *     the properties are not).
 */
#include <stdlib.h>

#include "server.h"

typedef struct {
    IBackgroundCopyFile6 IBackgroundCopyFile6_iface;
    LONG ref;
    struct bgc_job *core; /* one reference */
    size_t index;         /* position of the file in its job */
} BgCopyFile;

static inline BgCopyFile *impl_from_IBackgroundCopyFile6(IBackgroundCopyFile6 *iface)
{
    return CONTAINING_RECORD(iface, BgCopyFile, IBackgroundCopyFile6_iface);
}

static HRESULT WINAPI BgCopyFile_QueryInterface(IBackgroundCopyFile6 *iface, REFIID riid, void **ppv)
{
    BgCopyFile *file = impl_from_IBackgroundCopyFile6(iface);
    char buf[39];

    TRACE("%p, %s, %p", (void *)file, debugstr_guid_buf(riid, buf), (void *)ppv);
    if (!ppv)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IBackgroundCopyFile) ||
        IsEqualIID(riid, &IID_IBackgroundCopyFile2) || IsEqualIID(riid, &IID_IBackgroundCopyFile3) ||
        IsEqualIID(riid, &IID_IBackgroundCopyFile4) || IsEqualIID(riid, &IID_IBackgroundCopyFile5) ||
        IsEqualIID(riid, &IID_IBackgroundCopyFile6)) {
        *ppv = iface;
        IBackgroundCopyFile6_AddRef(iface);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI BgCopyFile_AddRef(IBackgroundCopyFile6 *iface)
{
    BgCopyFile *file = impl_from_IBackgroundCopyFile6(iface);
    ULONG ref = InterlockedIncrement(&file->ref);

    TRACE("%p, refcount %lu", (void *)file, (unsigned long)ref);
    return ref;
}

static ULONG WINAPI BgCopyFile_Release(IBackgroundCopyFile6 *iface)
{
    BgCopyFile *file = impl_from_IBackgroundCopyFile6(iface);
    ULONG ref = InterlockedDecrement(&file->ref);

    TRACE("%p, refcount %lu", (void *)file, (unsigned long)ref);
    if (!ref) {
        bgc_job_unref(file->core);
        free(file);
        server_unlock();
    }
    return ref;
}

/* Returns the remote (which == 0) or local (which == 1) name. */
static HRESULT get_name(BgCopyFile *file, int which, LPWSTR *out)
{
    char *remote = NULL, *local = NULL;
    HRESULT hr;

    if (!out)
        return E_INVALIDARG;
    *out = NULL;
    hr = hresult_from_bgc(bgc_job_get_file_names(file->core, file->index, &remote, &local));
    if (SUCCEEDED(hr))
        hr = strconv_cotask_from_utf8(which ? local : remote, out);
    bgc_free(remote);
    bgc_free(local);
    return hr;
}

static HRESULT WINAPI BgCopyFile_GetRemoteName(IBackgroundCopyFile6 *iface, LPWSTR *name)
{
    BgCopyFile *file = impl_from_IBackgroundCopyFile6(iface);

    TRACE("%p, %p", (void *)file, (void *)name);
    return get_name(file, 0, name);
}

static HRESULT WINAPI BgCopyFile_GetLocalName(IBackgroundCopyFile6 *iface, LPWSTR *name)
{
    BgCopyFile *file = impl_from_IBackgroundCopyFile6(iface);

    TRACE("%p, %p", (void *)file, (void *)name);
    return get_name(file, 1, name);
}

static HRESULT WINAPI BgCopyFile_GetProgress(IBackgroundCopyFile6 *iface, BG_FILE_PROGRESS *progress)
{
    BgCopyFile *file = impl_from_IBackgroundCopyFile6(iface);
    struct bgc_file_progress p;
    HRESULT hr;

    TRACE("%p, %p", (void *)file, (void *)progress);
    if (!progress)
        return E_INVALIDARG;
    hr = hresult_from_bgc(bgc_job_get_file_progress(file->core, file->index, &p));
    if (FAILED(hr))
        return hr;
    progress->BytesTotal = p.bytes_total;
    progress->BytesTransferred = p.bytes_transferred;
    progress->Completed = p.completed ? TRUE : FALSE;
    return S_OK;
}

/* ---- IBackgroundCopyFile2 ---------------------------------------------------------------- */

static HRESULT WINAPI BgCopyFile_GetFileRanges(IBackgroundCopyFile6 *iface, DWORD *count, BG_FILE_RANGE **ranges)
{
    BgCopyFile *file = impl_from_IBackgroundCopyFile6(iface);

    struct bgc_range *r = NULL;
    size_t n = 0, i;
    HRESULT hr;

    TRACE("%p, %p, %p", (void *)file, (void *)count, (void *)ranges);
    if (!count || !ranges)
        return E_INVALIDARG;
    *count = 0;
    *ranges = NULL;
    hr = hresult_from_bgc(bgc_job_get_file_ranges(file->core, file->index, &r, &n));
    if (FAILED(hr))
        return hr;
    if (!n)
        return S_FALSE; /* 2.7: no ranges (or an upload job): S_FALSE with 0 and NULL */
    if (!(*ranges = CoTaskMemAlloc(n * sizeof(**ranges)))) {
        bgc_free(r);
        return E_OUTOFMEMORY;
    }
    for (i = 0; i < n; i++) {
        (*ranges)[i].InitialOffset = r[i].offset;
        (*ranges)[i].Length = r[i].length;
    }
    *count = (DWORD)n;
    bgc_free(r);
    return S_OK;
}

static HRESULT WINAPI BgCopyFile_SetRemoteName(IBackgroundCopyFile6 *iface, LPCWSTR name)
{
    BgCopyFile *file = impl_from_IBackgroundCopyFile6(iface);

    char *remote = NULL;
    HRESULT hr;

    TRACE("%p, %s", (void *)file, debugstr_w(name));
    if (bgc_job_get_type(file->core) != BGC_JOB_DOWNLOAD)
        return E_NOTIMPL; /* F13 */
    hr = strconv_utf8_from_wide(name, BGC_MAX_REMOTE_NAME, E_INVALIDARG, &remote);
    if (SUCCEEDED(hr))
        hr = hresult_from_bgc(bgc_job_set_file_remote_name(file->core, file->index, remote));
    free(remote);
    return hr;
}

/* ---- IBackgroundCopyFile3 ---------------------------------------------------------------- */

static HRESULT WINAPI BgCopyFile_GetTemporaryName(IBackgroundCopyFile6 *iface, LPWSTR *name)
{
    BgCopyFile *file = impl_from_IBackgroundCopyFile6(iface);
    char *temp = NULL;
    HRESULT hr;

    TRACE("%p, %p", (void *)file, (void *)name);
    if (!name)
        return E_INVALIDARG;
    *name = NULL;
    hr = hresult_from_bgc(bgc_job_get_file_temp_name(file->core, file->index, &temp));
    if (SUCCEEDED(hr))
        hr = strconv_cotask_from_utf8(temp, name);
    bgc_free(temp);
    return hr;
}

static HRESULT WINAPI BgCopyFile_SetValidationState(IBackgroundCopyFile6 *iface, BOOL state)
{
    BgCopyFile *file = impl_from_IBackgroundCopyFile6(iface);

    TRACE("%p, %d", (void *)file, state);
    return hresult_from_bgc(bgc_job_set_file_validation(file->core, file->index, state ? 1 : 0));
}

static HRESULT WINAPI BgCopyFile_GetValidationState(IBackgroundCopyFile6 *iface, BOOL *state)
{
    BgCopyFile *file = impl_from_IBackgroundCopyFile6(iface);

    int valid = 0;
    HRESULT hr;

    TRACE("%p, %p", (void *)file, (void *)state);
    if (!state)
        return E_INVALIDARG;
    hr = hresult_from_bgc(bgc_job_get_file_validation(file->core, file->index, &valid));
    if (SUCCEEDED(hr))
        *state = valid ? TRUE : FALSE; /* FALSE also means "never set" (2.7) */
    return hr;
}

static HRESULT WINAPI BgCopyFile_IsDownloadedFromPeer(IBackgroundCopyFile6 *iface, BOOL *peer)
{
    BgCopyFile *file = impl_from_IBackgroundCopyFile6(iface);

    TRACE("%p, %p", (void *)file, (void *)peer);
    if (!peer)
        return E_INVALIDARG;
    /* There is no peer caching: every byte comes from the origin server. */
    *peer = FALSE;
    return S_OK;
}

/* ---- IBackgroundCopyFile4 ---------------------------------------------------------------- */

static HRESULT WINAPI BgCopyFile_GetPeerDownloadStats(IBackgroundCopyFile6 *iface, PUINT64 origin, PUINT64 peers)
{
    BgCopyFile *file = impl_from_IBackgroundCopyFile6(iface);
    struct bgc_file_progress p;
    HRESULT hr;

    TRACE("%p, %p, %p", (void *)file, (void *)origin, (void *)peers);
    if (!origin || !peers)
        return E_INVALIDARG;
    hr = hresult_from_bgc(bgc_job_get_file_progress(file->core, file->index, &p));
    if (FAILED(hr))
        return hr;
    /* No peer caching: everything transferred came from the origin. */
    *origin = p.bytes_transferred;
    *peers = 0;
    return S_OK;
}

/* ---- IBackgroundCopyFile5 ---------------------------------------------------------------- */

static HRESULT WINAPI BgCopyFile_SetProperty(IBackgroundCopyFile6 *iface, BITS_FILE_PROPERTY_ID id,
                                             BITS_FILE_PROPERTY_VALUE value)
{
    BgCopyFile *file = impl_from_IBackgroundCopyFile6(iface);

    (void)value;
    TRACE("%p, %d", (void *)file, (int)id);
    /* The only file property, the response headers, is read-only (2.7; SDK codes, J1). */
    return id == BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS ? BG_E_READ_ONLY_PROPERTY : BG_E_UNKNOWN_PROPERTY_ID;
}

static HRESULT WINAPI BgCopyFile_GetProperty(IBackgroundCopyFile6 *iface, BITS_FILE_PROPERTY_ID id,
                                             BITS_FILE_PROPERTY_VALUE *value)
{
    BgCopyFile *file = impl_from_IBackgroundCopyFile6(iface);

    char *headers = NULL;
    HRESULT hr;

    TRACE("%p, %d, %p", (void *)file, (int)id, (void *)value);
    if (!value)
        return E_INVALIDARG;
    memset(value, 0, sizeof(*value));
    if (id != BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS)
        return BG_E_UNKNOWN_PROPERTY_ID;
    hr = hresult_from_bgc(bgc_job_get_file_http_headers(file->core, file->index, &headers));
    if (SUCCEEDED(hr))
        hr = strconv_cotask_from_utf8(headers, &value->String); /* the caller CoTaskMemFrees */
    bgc_free(headers);
    return hr;
}

/* ---- IBackgroundCopyFile6 ---------------------------------------------------------------- */

static HRESULT WINAPI BgCopyFile_UpdateDownloadPosition(IBackgroundCopyFile6 *iface, UINT64 offset)
{
    BgCopyFile *file = impl_from_IBackgroundCopyFile6(iface);

    TRACE("%p, %llu", (void *)file, (unsigned long long)offset);
    /* 2.7: on-demand jobs only (BG_E_RANDOM_ACCESS_NOT_SUPPORTED otherwise, jobs/ondemand.c) */
    return hresult_from_bgc(bgc_job_update_download_position(file->core, file->index, offset));
}

static HRESULT WINAPI BgCopyFile_RequestFileRanges(IBackgroundCopyFile6 *iface, DWORD count,
                                                   const BG_FILE_RANGE ranges[])
{
    BgCopyFile *file = impl_from_IBackgroundCopyFile6(iface);

    struct bgc_range *r;
    HRESULT hr;
    DWORD i;

    TRACE("%p, %lu, %p", (void *)file, (unsigned long)count, (const void *)ranges);
    if (!count || !ranges)
        return E_INVALIDARG;
    if (!(r = malloc(count * sizeof(*r))))
        return E_OUTOFMEMORY;
    for (i = 0; i < count; i++) {
        r[i].offset = ranges[i].InitialOffset;
        r[i].length = ranges[i].Length;
    }
    hr = hresult_from_bgc(bgc_job_request_file_ranges(file->core, file->index, count, r));
    free(r);
    return hr;
}

static HRESULT WINAPI BgCopyFile_GetFilledFileRanges(IBackgroundCopyFile6 *iface, DWORD *count, BG_FILE_RANGE **ranges)
{
    BgCopyFile *file = impl_from_IBackgroundCopyFile6(iface);

    TRACE("%p, %p, %p", (void *)file, (void *)count, (void *)ranges);
    if (!count || !ranges)
        return E_INVALIDARG;
    struct bgc_range *r = NULL;
    size_t n = 0, i;
    HRESULT hr;

    *count = 0;
    *ranges = NULL;
    hr = hresult_from_bgc(bgc_job_get_filled_file_ranges(file->core, file->index, &r, &n));
    if (FAILED(hr) || !n)
        return hr;
    if (!(*ranges = CoTaskMemAlloc(n * sizeof(**ranges)))) {
        bgc_free(r);
        return E_OUTOFMEMORY;
    }
    for (i = 0; i < n; i++) {
        (*ranges)[i].InitialOffset = r[i].offset;
        (*ranges)[i].Length = r[i].length;
    }
    *count = (DWORD)n;
    bgc_free(r);
    return S_OK;
}

static const IBackgroundCopyFile6Vtbl BgCopyFile_vtbl = {
    BgCopyFile_QueryInterface,
    BgCopyFile_AddRef,
    BgCopyFile_Release,
    BgCopyFile_GetRemoteName,
    BgCopyFile_GetLocalName,
    BgCopyFile_GetProgress,
    BgCopyFile_GetFileRanges,
    BgCopyFile_SetRemoteName,
    BgCopyFile_GetTemporaryName,
    BgCopyFile_SetValidationState,
    BgCopyFile_GetValidationState,
    BgCopyFile_IsDownloadedFromPeer,
    BgCopyFile_GetPeerDownloadStats,
    BgCopyFile_SetProperty,
    BgCopyFile_GetProperty,
    BgCopyFile_UpdateDownloadPosition,
    BgCopyFile_RequestFileRanges,
    BgCopyFile_GetFilledFileRanges,
};

HRESULT BgCopyFile_create(struct bgc_job *core, size_t index, IBackgroundCopyFile **out)
{
    BgCopyFile *file;

    *out = NULL;
    if (!(file = calloc(1, sizeof(*file))))
        return E_OUTOFMEMORY;
    file->IBackgroundCopyFile6_iface.lpVtbl = (IBackgroundCopyFile6Vtbl *)&BgCopyFile_vtbl;
    file->ref = 1;
    file->core = bgc_job_ref(core);
    file->index = index;
    server_lock();
    *out = (IBackgroundCopyFile *)&file->IBackgroundCopyFile6_iface;
    return S_OK;
}
