/*
 * error.c - IBackgroundCopyError: a snapshot of a job's error record (R10-R14).
 *
 * Invariants:
 *  1. The object copies the record when it is created (GetError or a JobError callback), so
 *     its answers do not change while the client holds it, whatever the job does next.
 *  2. It holds one bgc_job reference (for GetFile) and one server lock.
 */
#include <stdlib.h>

#include "server.h"

typedef struct {
    IBackgroundCopyError IBackgroundCopyError_iface;
    LONG ref;
    struct bgc_job *core;  /* one reference, for GetFile */
    struct bgc_error err;  /* the record as it was at creation */
    HRESULT code;          /* hresult_from_bgc_error(&err) */
} BgCopyError;

static inline BgCopyError *impl_from_IBackgroundCopyError(IBackgroundCopyError *iface)
{
    return CONTAINING_RECORD(iface, BgCopyError, IBackgroundCopyError_iface);
}

static HRESULT WINAPI BgCopyError_QueryInterface(IBackgroundCopyError *iface, REFIID riid, void **ppv)
{
    BgCopyError *error = impl_from_IBackgroundCopyError(iface);
    char buf[39];

    TRACE("%p, %s, %p", (void *)error, debugstr_guid_buf(riid, buf), (void *)ppv);
    if (!ppv)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IBackgroundCopyError)) {
        *ppv = iface;
        IBackgroundCopyError_AddRef(iface);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI BgCopyError_AddRef(IBackgroundCopyError *iface)
{
    BgCopyError *error = impl_from_IBackgroundCopyError(iface);
    ULONG ref = InterlockedIncrement(&error->ref);

    TRACE("%p, refcount %lu", (void *)error, (unsigned long)ref);
    return ref;
}

static ULONG WINAPI BgCopyError_Release(IBackgroundCopyError *iface)
{
    BgCopyError *error = impl_from_IBackgroundCopyError(iface);
    ULONG ref = InterlockedDecrement(&error->ref);

    TRACE("%p, refcount %lu", (void *)error, (unsigned long)ref);
    if (!ref) {
        bgc_job_unref(error->core);
        free(error);
        server_unlock();
    }
    return ref;
}

static HRESULT WINAPI BgCopyError_GetError(IBackgroundCopyError *iface, BG_ERROR_CONTEXT *context, HRESULT *code)
{
    BgCopyError *error = impl_from_IBackgroundCopyError(iface);

    TRACE("%p, %p, %p", (void *)error, (void *)context, (void *)code);
    if (!context || !code)
        return E_INVALIDARG;
    *context = (BG_ERROR_CONTEXT)error->err.context;
    *code = error->code;
    return S_OK;
}

static HRESULT WINAPI BgCopyError_GetFile(IBackgroundCopyError *iface, IBackgroundCopyFile **file)
{
    BgCopyError *error = impl_from_IBackgroundCopyError(iface);

    TRACE("%p, %p", (void *)error, (void *)file);
    if (!file)
        return E_INVALIDARG;
    *file = NULL;
    if (error->err.file_index < 0)
        return BG_E_FILE_NOT_AVAILABLE;
    return BgCopyFile_create(error->core, (size_t)error->err.file_index, file);
}

static HRESULT WINAPI BgCopyError_GetErrorDescription(IBackgroundCopyError *iface, DWORD langid, LPWSTR *text)
{
    BgCopyError *error = impl_from_IBackgroundCopyError(iface);

    TRACE("%p, %#lx, %p", (void *)error, (unsigned long)langid, (void *)text);
    if (!text)
        return E_INVALIDARG;
    *text = NULL;
    if (!langid) /* R14 */
        return E_INVALIDARG;
    return hresult_describe(error->code, langid, text);
}

static HRESULT WINAPI BgCopyError_GetErrorContextDescription(IBackgroundCopyError *iface, DWORD langid, LPWSTR *text)
{
    BgCopyError *error = impl_from_IBackgroundCopyError(iface);

    TRACE("%p, %#lx, %p", (void *)error, (unsigned long)langid, (void *)text);
    if (!text)
        return E_INVALIDARG;
    *text = NULL;
    if (!langid) /* R14 */
        return E_INVALIDARG;
    return hresult_describe_context((BG_ERROR_CONTEXT)error->err.context, langid, text);
}

static HRESULT WINAPI BgCopyError_GetProtocol(IBackgroundCopyError *iface, LPWSTR *protocol)
{
    BgCopyError *error = impl_from_IBackgroundCopyError(iface);
    WCHAR buf[ARRAYSIZE(error->err.protocol)];
    size_t i;

    TRACE("%p, %p", (void *)error, (void *)protocol);
    if (!protocol)
        return E_INVALIDARG;
    *protocol = NULL;
    if (!error->err.protocol[0])
        return BG_E_PROTOCOL_NOT_AVAILABLE;
    for (i = 0; i + 1 < ARRAYSIZE(buf) && error->err.protocol[i]; i++)
        buf[i] = (WCHAR)(unsigned char)error->err.protocol[i];
    buf[i] = 0;
    return strconv_cotask_dup(buf, protocol);
}

static const IBackgroundCopyErrorVtbl BgCopyError_vtbl = {
    BgCopyError_QueryInterface,
    BgCopyError_AddRef,
    BgCopyError_Release,
    BgCopyError_GetError,
    BgCopyError_GetFile,
    BgCopyError_GetErrorDescription,
    BgCopyError_GetErrorContextDescription,
    BgCopyError_GetProtocol,
};

HRESULT BgCopyError_create(struct bgc_job *core, const struct bgc_error *err, IBackgroundCopyError **out)
{
    BgCopyError *error;

    *out = NULL;
    if (!(error = calloc(1, sizeof(*error))))
        return E_OUTOFMEMORY;
    error->IBackgroundCopyError_iface.lpVtbl = (IBackgroundCopyErrorVtbl *)&BgCopyError_vtbl;
    error->ref = 1;
    error->core = bgc_job_ref(core);
    error->err = *err;
    error->err.protocol[sizeof(error->err.protocol) - 1] = 0;
    error->err.message[sizeof(error->err.message) - 1] = 0;
    error->code = hresult_from_bgc_error(err);
    server_lock();
    TRACE("error %p: %s context %d -> %08lx (%s)", (void *)error, bgc_code_name(err->code), (int)err->context,
          (unsigned long)error->code, error->err.message);
    *out = &error->IBackgroundCopyError_iface;
    return S_OK;
}
