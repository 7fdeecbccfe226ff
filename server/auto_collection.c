/*
 * auto_collection.c - IBgCopyAutoCollection (Count, Item, _NewEnum) and its IEnumVARIANT:
 * the snapshot collections of jobs (manager.Jobs) and files (job.Files) that `for each`
 * (VBScript), `new Enumerator(...)` (JScript), PowerShell and Python iterate.
 *
 * Invariants:
 *  1. A collection owns its items array, one reference per item and the keys (auto.h
 *     invariant 4: a snapshot); it is immutable after creation, so no lock is needed.
 *  2. An enumerator holds one reference on its collection and a cursor; Clone copies the
 *     cursor. Next hands out VT_DISPATCH variants with a new reference each.
 *  3. Item: a string is a key (job GUID, braces and case free), anything else is coerced to
 *     a 0-based index. Out of range -> DISP_E_BADINDEX, unknown key -> BG_E_NOT_FOUND, an
 *     argument that is neither -> DISP_E_TYPEMISMATCH.
 */
#include "auto.h"

#include <stdlib.h>

typedef struct {
    IBgCopyAutoCollection IBgCopyAutoCollection_iface;
    LONG ref;
    IDispatch **items; /* count references, immutable */
    BSTR *keys;        /* NULL or count keys ("{GUID}"), immutable */
    size_t count;
} AutoCollection;

typedef struct {
    IEnumVARIANT IEnumVARIANT_iface;
    LONG ref;
    AutoCollection *coll; /* one reference on the collection */
    size_t pos;           /* next item to return; only the caller's thread moves it */
} AutoEnum;

static HRESULT AutoEnum_create(AutoCollection *coll, size_t pos, IEnumVARIANT **out);

static inline AutoCollection *impl_from_IBgCopyAutoCollection(IBgCopyAutoCollection *iface)
{
    return CONTAINING_RECORD(iface, AutoCollection, IBgCopyAutoCollection_iface);
}

static HRESULT WINAPI AutoCollection_QueryInterface(IBgCopyAutoCollection *iface, REFIID riid, void **ppv)
{
    if (!ppv)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDispatch) ||
        IsEqualIID(riid, &IID_IBgCopyAutoCollection)) {
        *ppv = iface;
        IBgCopyAutoCollection_AddRef(iface);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI AutoCollection_AddRef(IBgCopyAutoCollection *iface)
{
    return InterlockedIncrement(&impl_from_IBgCopyAutoCollection(iface)->ref);
}

static ULONG WINAPI AutoCollection_Release(IBgCopyAutoCollection *iface)
{
    AutoCollection *c = impl_from_IBgCopyAutoCollection(iface);
    ULONG ref = InterlockedDecrement(&c->ref);
    size_t i;

    if (!ref) {
        for (i = 0; i < c->count; i++) {
            IDispatch_Release(c->items[i]);
            if (c->keys)
                SysFreeString(c->keys[i]);
        }
        free(c->items);
        free(c->keys);
        free(c);
        server_unlock();
    }
    return ref;
}

static HRESULT WINAPI AutoCollection_GetTypeInfoCount(IBgCopyAutoCollection *iface, UINT *count)
{
    (void)iface;
    return auto_get_type_info_count(count);
}

static HRESULT WINAPI AutoCollection_GetTypeInfo(IBgCopyAutoCollection *iface, UINT index, LCID lcid,
                                                 ITypeInfo **out)
{
    (void)iface, (void)lcid;
    return auto_get_type_info(&IID_IBgCopyAutoCollection, index, out);
}

static HRESULT WINAPI AutoCollection_GetIDsOfNames(IBgCopyAutoCollection *iface, REFIID riid, LPOLESTR *names,
                                                   UINT count, LCID lcid, DISPID *ids)
{
    (void)iface, (void)lcid;
    return auto_get_ids_of_names(&IID_IBgCopyAutoCollection, riid, names, count, ids);
}

static HRESULT WINAPI AutoCollection_Invoke(IBgCopyAutoCollection *iface, DISPID member, REFIID riid, LCID lcid,
                                            WORD flags, DISPPARAMS *params, VARIANT *result, EXCEPINFO *excep,
                                            UINT *arg_err)
{
    (void)lcid;
    return auto_invoke(&IID_IBgCopyAutoCollection, iface, member, riid, flags, params, result, excep, arg_err);
}

static HRESULT WINAPI AutoCollection_get_Count(IBgCopyAutoCollection *iface, LONG *out)
{
    if (!out)
        return E_POINTER;
    *out = (LONG)impl_from_IBgCopyAutoCollection(iface)->count;
    return S_OK;
}

/* Index of the item whose key names the same GUID as text, or count. */
static size_t find_key(AutoCollection *c, const WCHAR *text)
{
    GUID want, have;
    size_t i;

    if (!c->keys || FAILED(auto_guid_from_string(text, &want)))
        return c->count;
    for (i = 0; i < c->count; i++)
        if (SUCCEEDED(auto_guid_from_string(c->keys[i], &have)) && IsEqualGUID(&want, &have))
            return i;
    return c->count;
}

static HRESULT WINAPI AutoCollection_Item(IBgCopyAutoCollection *iface, VARIANT index, IDispatch **out)
{
    AutoCollection *c = impl_from_IBgCopyAutoCollection(iface);
    VARIANT v;
    size_t i;
    HRESULT hr;

    if (!out)
        return E_POINTER;
    *out = NULL;
    VariantInit(&v);
    if (FAILED(hr = VariantCopyInd(&v, &index)))
        return auto_error(hr, &IID_IBgCopyAutoCollection);
    if (V_VT(&v) == VT_BSTR) {
        i = find_key(c, V_BSTR(&v));
        hr = i < c->count ? S_OK : BG_E_NOT_FOUND;
    } else if (SUCCEEDED(hr = VariantChangeType(&v, &v, 0, VT_I4))) {
        hr = V_I4(&v) >= 0 && (size_t)V_I4(&v) < c->count ? S_OK : DISP_E_BADINDEX;
        i = (size_t)V_I4(&v);
    } else {
        hr = DISP_E_TYPEMISMATCH;
    }
    VariantClear(&v);
    if (FAILED(hr))
        return auto_error(hr, &IID_IBgCopyAutoCollection);
    *out = c->items[i];
    IDispatch_AddRef(*out);
    return S_OK;
}

static HRESULT WINAPI AutoCollection_get__NewEnum(IBgCopyAutoCollection *iface, IUnknown **out)
{
    if (!out)
        return E_POINTER;
    *out = NULL;
    return AutoEnum_create(impl_from_IBgCopyAutoCollection(iface), 0, (IEnumVARIANT **)out);
}

static const IBgCopyAutoCollectionVtbl AutoCollection_vtbl = {
    AutoCollection_QueryInterface,
    AutoCollection_AddRef,
    AutoCollection_Release,
    AutoCollection_GetTypeInfoCount,
    AutoCollection_GetTypeInfo,
    AutoCollection_GetIDsOfNames,
    AutoCollection_Invoke,
    AutoCollection_get_Count,
    AutoCollection_Item,
    AutoCollection_get__NewEnum,
};

HRESULT AutoCollection_create(IDispatch **items, BSTR *keys, size_t count, IDispatch **out)
{
    AutoCollection *c;
    size_t i;

    *out = NULL;
    if (!(c = calloc(1, sizeof(*c)))) {
        for (i = 0; i < count; i++) {
            IDispatch_Release(items[i]);
            if (keys)
                SysFreeString(keys[i]);
        }
        free(items);
        free(keys);
        return E_OUTOFMEMORY;
    }
    c->IBgCopyAutoCollection_iface.lpVtbl = (IBgCopyAutoCollectionVtbl *)&AutoCollection_vtbl;
    c->ref = 1;
    c->items = items;
    c->keys = keys;
    c->count = count;
    server_lock();
    *out = (IDispatch *)&c->IBgCopyAutoCollection_iface;
    return S_OK;
}

/* ---- IEnumVARIANT ------------------------------------------------------------------------ */

static inline AutoEnum *impl_from_IEnumVARIANT(IEnumVARIANT *iface)
{
    return CONTAINING_RECORD(iface, AutoEnum, IEnumVARIANT_iface);
}

static HRESULT WINAPI AutoEnum_QueryInterface(IEnumVARIANT *iface, REFIID riid, void **ppv)
{
    if (!ppv)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IEnumVARIANT)) {
        *ppv = iface;
        IEnumVARIANT_AddRef(iface);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI AutoEnum_AddRef(IEnumVARIANT *iface)
{
    return InterlockedIncrement(&impl_from_IEnumVARIANT(iface)->ref);
}

static ULONG WINAPI AutoEnum_Release(IEnumVARIANT *iface)
{
    AutoEnum *e = impl_from_IEnumVARIANT(iface);
    ULONG ref = InterlockedDecrement(&e->ref);

    if (!ref) {
        IBgCopyAutoCollection_Release(&e->coll->IBgCopyAutoCollection_iface);
        free(e);
        server_unlock();
    }
    return ref;
}

static HRESULT WINAPI AutoEnum_Next(IEnumVARIANT *iface, ULONG celt, VARIANT *out, ULONG *fetched)
{
    AutoEnum *e = impl_from_IEnumVARIANT(iface);
    ULONG n = 0;

    if (fetched)
        *fetched = 0;
    if (!out || (celt > 1 && !fetched))
        return E_INVALIDARG;
    for (; n < celt && e->pos < e->coll->count; n++, e->pos++) {
        VariantInit(&out[n]);
        V_VT(&out[n]) = VT_DISPATCH;
        V_DISPATCH(&out[n]) = e->coll->items[e->pos];
        IDispatch_AddRef(V_DISPATCH(&out[n]));
    }
    if (fetched)
        *fetched = n;
    return n == celt ? S_OK : S_FALSE;
}

static HRESULT WINAPI AutoEnum_Skip(IEnumVARIANT *iface, ULONG celt)
{
    AutoEnum *e = impl_from_IEnumVARIANT(iface);
    size_t left = e->coll->count - e->pos;

    if (celt > left) {
        e->pos = e->coll->count;
        return S_FALSE;
    }
    e->pos += celt;
    return S_OK;
}

static HRESULT WINAPI AutoEnum_Reset(IEnumVARIANT *iface)
{
    impl_from_IEnumVARIANT(iface)->pos = 0;
    return S_OK;
}

static HRESULT WINAPI AutoEnum_Clone(IEnumVARIANT *iface, IEnumVARIANT **out)
{
    AutoEnum *e = impl_from_IEnumVARIANT(iface);

    if (!out)
        return E_POINTER;
    return AutoEnum_create(e->coll, e->pos, out);
}

static const IEnumVARIANTVtbl AutoEnum_vtbl = {
    AutoEnum_QueryInterface, AutoEnum_AddRef, AutoEnum_Release, AutoEnum_Next,
    AutoEnum_Skip,           AutoEnum_Reset,  AutoEnum_Clone,
};

static HRESULT AutoEnum_create(AutoCollection *coll, size_t pos, IEnumVARIANT **out)
{
    AutoEnum *e;

    *out = NULL;
    if (!(e = calloc(1, sizeof(*e))))
        return E_OUTOFMEMORY;
    e->IEnumVARIANT_iface.lpVtbl = (IEnumVARIANTVtbl *)&AutoEnum_vtbl;
    e->ref = 1;
    e->coll = coll;
    e->pos = pos;
    IBgCopyAutoCollection_AddRef(&coll->IBgCopyAutoCollection_iface);
    server_lock();
    *out = &e->IEnumVARIANT_iface;
    return S_OK;
}
