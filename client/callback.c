/*
 * callback.c - BgCliCallback, the client's IBackgroundCopyCallback object.
 *
 * The server calls it from its notification thread through COM; the client lives in the
 * multithreaded apartment, so calls arrive on RPC threads of this process while the main
 * thread waits. It records what it is told and sets the caller's event on JobTransferred and
 * JobError; the main thread decides what to do (complete, cancel, report).
 *
 * Invariants:
 *  1. Every field of `report` is written and read under `lock`; strings in it are owned by
 *     the object and replaced (old one freed) by the next JobError.
 *  2. JobError copies everything it needs from pError during the call: the interfaces passed
 *     to a callback are valid only for the call (rule N12) and are never released here (G1).
 *  3. Every method returns S_OK, so the server never retries a notification it delivered.
 *  4. One reference count for the object; the memory is freed by the last Release (the
 *     creator's reference is dropped by bgcli_callback_free, the server's by its proxy).
 */
#include "bgcli.h"

#include <stdlib.h>
#include <wchar.h>

struct bgcli_callback {
    IBackgroundCopyCallback IBackgroundCopyCallback_iface; /* the only interface */
    LONG ref;                            /* COM reference count (Interlocked) */
    HANDLE event;                        /* set on JobTransferred/JobError; not owned */
    CRITICAL_SECTION lock;               /* protects report */
    struct bgcli_callback_report report; /* what the server told us (lock) */
};

static inline struct bgcli_callback *impl_from_IBackgroundCopyCallback(IBackgroundCopyCallback *iface)
{
    return CONTAINING_RECORD(iface, struct bgcli_callback, IBackgroundCopyCallback_iface);
}

static WCHAR *dup_wstr(const WCHAR *s)
{
    size_t n;
    WCHAR *copy;
    if (!s)
        return NULL;
    n = (wcslen(s) + 1) * sizeof(WCHAR);
    copy = malloc(n);
    if (copy)
        memcpy(copy, s, n);
    return copy;
}

void bgcli_callback_report_clear(struct bgcli_callback_report *r)
{
    free(r->description);
    free(r->context_description);
    free(r->remote_name);
    ZeroMemory(r, sizeof(*r));
}

static HRESULT WINAPI BgCliCallback_QueryInterface(IBackgroundCopyCallback *iface, REFIID riid, void **ppv)
{
    if (!ppv)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IBackgroundCopyCallback)) {
        *ppv = iface;
        IBackgroundCopyCallback_AddRef(iface);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI BgCliCallback_AddRef(IBackgroundCopyCallback *iface)
{
    struct bgcli_callback *cb = impl_from_IBackgroundCopyCallback(iface);
    return (ULONG)InterlockedIncrement(&cb->ref);
}

static ULONG WINAPI BgCliCallback_Release(IBackgroundCopyCallback *iface)
{
    struct bgcli_callback *cb = impl_from_IBackgroundCopyCallback(iface);
    LONG ref = InterlockedDecrement(&cb->ref);
    if (ref == 0) {
        bgcli_callback_report_clear(&cb->report);
        DeleteCriticalSection(&cb->lock);
        free(cb);
    }
    return (ULONG)ref;
}

static HRESULT WINAPI BgCliCallback_JobTransferred(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job)
{
    struct bgcli_callback *cb = impl_from_IBackgroundCopyCallback(iface);
    (void)job;
    EnterCriticalSection(&cb->lock);
    cb->report.transferred++;
    LeaveCriticalSection(&cb->lock);
    SetEvent(cb->event);
    return S_OK;
}

/* A description in the user's language, falling back to US English. */
static WCHAR *error_text(IBackgroundCopyError *error, BOOL context)
{
    DWORD langs[2] = { bgcli_langid(), MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US) };
    int i;
    for (i = 0; i < 2; i++) {
        WCHAR *text = NULL, *copy;
        HRESULT hr = context ? IBackgroundCopyError_GetErrorContextDescription(error, langs[i], &text)
                             : IBackgroundCopyError_GetErrorDescription(error, langs[i], &text);
        if (SUCCEEDED(hr) && text) {
            copy = dup_wstr(text);
            CoTaskMemFree(text);
            return copy;
        }
        CoTaskMemFree(text);
    }
    return NULL;
}

static HRESULT WINAPI BgCliCallback_JobError(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job,
                                             IBackgroundCopyError *error)
{
    struct bgcli_callback *cb = impl_from_IBackgroundCopyCallback(iface);
    BG_ERROR_CONTEXT context = BG_ERROR_CONTEXT_NONE;
    HRESULT code = E_FAIL;
    WCHAR *desc = NULL, *ctx_desc = NULL, *remote = NULL;
    (void)job;

    if (error) {
        IBackgroundCopyFile *file = NULL;
        if (FAILED(IBackgroundCopyError_GetError(error, &context, &code))) {
            context = BG_ERROR_CONTEXT_UNKNOWN;
            code = E_FAIL;
        }
        desc = error_text(error, FALSE);
        ctx_desc = error_text(error, TRUE);
        if (SUCCEEDED(IBackgroundCopyError_GetFile(error, &file)) && file) {
            WCHAR *name = NULL;
            if (SUCCEEDED(IBackgroundCopyFile_GetRemoteName(file, &name)))
                remote = dup_wstr(name);
            CoTaskMemFree(name);
            IBackgroundCopyFile_Release(file); /* GetFile AddRef'd it for us */
        }
    }

    EnterCriticalSection(&cb->lock);
    free(cb->report.description);
    free(cb->report.context_description);
    free(cb->report.remote_name);
    cb->report.errors++;
    cb->report.context = context;
    cb->report.code = code;
    cb->report.description = desc;
    cb->report.context_description = ctx_desc;
    cb->report.remote_name = remote;
    LeaveCriticalSection(&cb->lock);
    SetEvent(cb->event);
    return S_OK;
}

static HRESULT WINAPI BgCliCallback_JobModification(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job,
                                                    DWORD reserved)
{
    struct bgcli_callback *cb = impl_from_IBackgroundCopyCallback(iface);
    (void)job;
    (void)reserved;
    EnterCriticalSection(&cb->lock);
    cb->report.modifications++;
    LeaveCriticalSection(&cb->lock);
    return S_OK;
}

struct bgcli_callback *bgcli_callback_new(HANDLE event)
{
    static const IBackgroundCopyCallbackVtbl vtbl = {
        BgCliCallback_QueryInterface,
        BgCliCallback_AddRef,
        BgCliCallback_Release,
        BgCliCallback_JobTransferred,
        BgCliCallback_JobError,
        BgCliCallback_JobModification,
    };
    struct bgcli_callback *cb = calloc(1, sizeof(*cb));
    if (!cb)
        return NULL;
    cb->IBackgroundCopyCallback_iface.lpVtbl = (IBackgroundCopyCallbackVtbl *)&vtbl;
    cb->ref = 1;
    cb->event = event;
    InitializeCriticalSection(&cb->lock);
    return cb;
}

IUnknown *bgcli_callback_unknown(struct bgcli_callback *cb)
{
    return (IUnknown *)&cb->IBackgroundCopyCallback_iface;
}

void bgcli_callback_snapshot(struct bgcli_callback *cb, struct bgcli_callback_report *out)
{
    EnterCriticalSection(&cb->lock);
    *out = cb->report;
    out->description = dup_wstr(cb->report.description);
    out->context_description = dup_wstr(cb->report.context_description);
    out->remote_name = dup_wstr(cb->report.remote_name);
    LeaveCriticalSection(&cb->lock);
}

void bgcli_callback_counts(struct bgcli_callback *cb, LONG *transferred, LONG *errors)
{
    EnterCriticalSection(&cb->lock);
    *transferred = cb->report.transferred;
    *errors = cb->report.errors;
    LeaveCriticalSection(&cb->lock);
}

void bgcli_callback_free(struct bgcli_callback *cb)
{
    if (!cb)
        return;
    /* Drop the stub's references so that no call can arrive after this point. */
    CoDisconnectObject(bgcli_callback_unknown(cb), 0);
    IBackgroundCopyCallback_Release(&cb->IBackgroundCopyCallback_iface);
}
