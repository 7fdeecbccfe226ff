/*
 * enum_files.c - IEnumBackgroundCopyFiles over a snapshot of a job's file list (E1-E3).
 *
 * Invariants:
 *  1. The file list is fixed when EnumFiles is called: files added later do not appear (E3).
 *     Files are never removed from a job, so the snapshot is (job, count at creation); it
 *     holds one job reference and is shared, with its own count, between an enumerator and
 *     its clones. File properties read through the items are live.
 *  2. The position is an enum_cursor (enum_cursor.h, guarded by its lock); file objects are created outside it.
 *  3. Next returns S_OK when it returned celt items, S_FALSE when fewer; pceltFetched may be
 *     NULL only when celt == 1 (E1).
 */
#include <stdlib.h>

#include "server.h"
#include "enum_cursor.h"

struct file_snapshot {
    LONG ref;             /* enumerators sharing the snapshot */
    size_t count;         /* number of files when the snapshot was taken */
    struct bgc_job *core; /* one reference */
};

typedef struct {
    IEnumBackgroundCopyFiles IEnumBackgroundCopyFiles_iface;
    LONG ref;
    struct enum_cursor cur;      /* position over the snapshot */
    struct file_snapshot *snap;   /* one snapshot reference */
} EnumFiles;

static inline EnumFiles *impl_from_IEnumBackgroundCopyFiles(IEnumBackgroundCopyFiles *iface)
{
    return CONTAINING_RECORD(iface, EnumFiles, IEnumBackgroundCopyFiles_iface);
}

static void snapshot_release(struct file_snapshot *snap)
{
    if (!InterlockedDecrement(&snap->ref)) {
        bgc_job_unref(snap->core);
        free(snap);
    }
}

static HRESULT enum_create(struct file_snapshot *snap, size_t pos, IEnumBackgroundCopyFiles **out);

static HRESULT WINAPI EnumFiles_QueryInterface(IEnumBackgroundCopyFiles *iface, REFIID riid, void **ppv)
{
    EnumFiles *e = impl_from_IEnumBackgroundCopyFiles(iface);
    char buf[39];

    TRACE("%p, %s, %p", (void *)e, debugstr_guid_buf(riid, buf), (void *)ppv);
    if (!ppv)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IEnumBackgroundCopyFiles)) {
        *ppv = iface;
        IEnumBackgroundCopyFiles_AddRef(iface);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI EnumFiles_AddRef(IEnumBackgroundCopyFiles *iface)
{
    EnumFiles *e = impl_from_IEnumBackgroundCopyFiles(iface);
    ULONG ref = InterlockedIncrement(&e->ref);

    TRACE("%p, refcount %lu", (void *)e, (unsigned long)ref);
    return ref;
}

static ULONG WINAPI EnumFiles_Release(IEnumBackgroundCopyFiles *iface)
{
    EnumFiles *e = impl_from_IEnumBackgroundCopyFiles(iface);
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

static HRESULT WINAPI EnumFiles_Next(IEnumBackgroundCopyFiles *iface, ULONG celt, IBackgroundCopyFile **items,
                                    ULONG *fetched)
{
    EnumFiles *e = impl_from_IEnumBackgroundCopyFiles(iface);
    size_t first, n, i;
    HRESULT hr = S_OK;

    TRACE("%p, %lu, %p, %p", (void *)e, (unsigned long)celt, (void *)items, (void *)fetched);
    if (!items || (!fetched && celt != 1))
        return E_INVALIDARG;
    if (fetched)
        *fetched = 0;
    n = enum_cursor_take(&e->cur, celt, &first);

    for (i = 0; i < n && SUCCEEDED(hr); i++)
        hr = BgCopyFile_create(e->snap->core, first + i, &items[i]);
    if (FAILED(hr)) {
        size_t done = i - 1;

        for (i = 0; i < done; i++) {
            IBackgroundCopyFile_Release(items[i]);
            items[i] = NULL;
        }
        enum_cursor_rewind(&e->cur, first); /* nothing was handed out */
        return hr;
    }
    if (fetched)
        *fetched = (ULONG)n;
    return n == celt ? S_OK : S_FALSE;
}

static HRESULT WINAPI EnumFiles_Skip(IEnumBackgroundCopyFiles *iface, ULONG celt)
{
    EnumFiles *e = impl_from_IEnumBackgroundCopyFiles(iface);

    TRACE("%p, %lu", (void *)e, (unsigned long)celt);
    return enum_cursor_skip(&e->cur, celt);
}

static HRESULT WINAPI EnumFiles_Reset(IEnumBackgroundCopyFiles *iface)
{
    EnumFiles *e = impl_from_IEnumBackgroundCopyFiles(iface);

    TRACE("%p", (void *)e);
    enum_cursor_rewind(&e->cur, 0);
    return S_OK;
}

static HRESULT WINAPI EnumFiles_Clone(IEnumBackgroundCopyFiles *iface, IEnumBackgroundCopyFiles **out)
{
    EnumFiles *e = impl_from_IEnumBackgroundCopyFiles(iface);

    TRACE("%p, %p", (void *)e, (void *)out);
    if (!out)
        return E_INVALIDARG;
    *out = NULL;
    InterlockedIncrement(&e->snap->ref);
    return enum_create(e->snap, enum_cursor_pos(&e->cur), out);
}

static HRESULT WINAPI EnumFiles_GetCount(IEnumBackgroundCopyFiles *iface, ULONG *count)
{
    EnumFiles *e = impl_from_IEnumBackgroundCopyFiles(iface);

    TRACE("%p, %p", (void *)e, (void *)count);
    if (!count)
        return E_INVALIDARG;
    *count = (ULONG)e->snap->count;
    return S_OK;
}

static const IEnumBackgroundCopyFilesVtbl EnumFiles_vtbl = {
    EnumFiles_QueryInterface, EnumFiles_AddRef, EnumFiles_Release, EnumFiles_Next,
    EnumFiles_Skip,           EnumFiles_Reset,  EnumFiles_Clone,   EnumFiles_GetCount,
};

/* Takes over one reference on snap (released on failure too). */
static HRESULT enum_create(struct file_snapshot *snap, size_t pos, IEnumBackgroundCopyFiles **out)
{
    EnumFiles *e;

    *out = NULL;
    if (!(e = calloc(1, sizeof(*e)))) {
        snapshot_release(snap);
        return E_OUTOFMEMORY;
    }
    e->IEnumBackgroundCopyFiles_iface.lpVtbl = (IEnumBackgroundCopyFilesVtbl *)&EnumFiles_vtbl;
    e->ref = 1;
    enum_cursor_init(&e->cur, pos, snap->count);
    e->snap = snap;
    server_lock();
    *out = &e->IEnumBackgroundCopyFiles_iface;
    return S_OK;
}

HRESULT EnumFiles_create(struct bgc_job *core, IEnumBackgroundCopyFiles **out)
{
    struct file_snapshot *snap;

    *out = NULL;
    if (!(snap = calloc(1, sizeof(*snap))))
        return E_OUTOFMEMORY;
    snap->ref = 1;
    snap->count = bgc_job_file_count(core);
    snap->core = bgc_job_ref(core);
    TRACE("file enumerator over %lu files", (unsigned long)snap->count);
    return enum_create(snap, 0, out);
}
