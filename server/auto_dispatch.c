/*
 * auto_dispatch.c - IDispatch for the automation objects (auto.h): the type library, the four
 * IDispatch members over ITypeInfo, error info, and BSTR/GUID helpers.
 *
 * Invariants:
 *  1. bgcopy.tlb is loaded once per process (InitOnce) and kept until exit; a failure to load
 *     it is remembered and every IDispatch call then returns TYPE_E_CANTLOADLIBRARY (or the
 *     loader's HRESULT) instead of guessing DISPIDs.
 *  2. Invoke goes through DispInvoke (ITypeInfo::Invoke) only, so argument checks and
 *     coercions are oleaut32's (auto.h invariant 2). One leniency: a property get without
 *     arguments also answers DISPATCH_METHOD (Wine's JScript Enumerator asks so).
 */
#include "auto.h"

#include <wchar.h>

static INIT_ONCE typelib_once = INIT_ONCE_STATIC_INIT;
static ITypeLib *typelib;   /* set once by load_typelib, never released */
static HRESULT typelib_hr;  /* result of load_typelib */

static BOOL CALLBACK load_typelib(INIT_ONCE *once, void *param, void **ctx)
{
    WCHAR path[MAX_PATH + 16], *slash;
    DWORD n;

    (void)once, (void)param, (void)ctx;
    typelib_hr = LoadRegTypeLib(&LIBID_BgCopyLib, 1, 0, LOCALE_NEUTRAL, &typelib);
    if (SUCCEEDED(typelib_hr))
        return TRUE;
    /* Not registered (a copied tree): the file installed next to the server. */
    n = GetModuleFileNameW(NULL, path, MAX_PATH);
    if (n && n < MAX_PATH && (slash = wcsrchr(path, L'\\'))) {
        wcscpy(slash + 1, L"bgcopy.tlb");
        typelib_hr = LoadTypeLibEx(path, REGKIND_NONE, &typelib);
    }
    if (FAILED(typelib_hr))
        ERR("automation: cannot load bgcopy.tlb: %08lx", (unsigned long)typelib_hr);
    return TRUE;
}

HRESULT auto_typeinfo(REFIID iid, ITypeInfo **out)
{
    *out = NULL;
    InitOnceExecuteOnce(&typelib_once, load_typelib, NULL, NULL);
    if (FAILED(typelib_hr))
        return typelib_hr;
    return ITypeLib_GetTypeInfoOfGuid(typelib, iid, out);
}

HRESULT auto_get_type_info_count(UINT *count)
{
    if (!count)
        return E_INVALIDARG;
    *count = 1;
    return S_OK;
}

HRESULT auto_get_type_info(REFIID iid, UINT index, ITypeInfo **out)
{
    if (!out)
        return E_INVALIDARG;
    *out = NULL;
    if (index != 0)
        return DISP_E_BADINDEX;
    return auto_typeinfo(iid, out);
}

HRESULT auto_get_ids_of_names(REFIID iid, REFIID riid, LPOLESTR *names, UINT count, DISPID *ids)
{
    ITypeInfo *ti;
    HRESULT hr;

    if (!IsEqualIID(riid, &IID_NULL))
        return DISP_E_UNKNOWNINTERFACE;
    if (!names || !ids)
        return E_INVALIDARG;
    if (FAILED(hr = auto_typeinfo(iid, &ti)))
        return hr;
    hr = DispGetIDsOfNames(ti, names, count, ids);
    ITypeInfo_Release(ti);
    return hr;
}

/* DISP_E_BADPARAMCOUNT when the member matching (member, flags) takes another number of
 * arguments than params gives (none of bgcopy's members has optional parameters). Wine's
 * ITypeInfo::Invoke ignores surplus arguments; Windows refuses them: this makes both refuse.
 * S_OK when it matches or when no member matches (DispInvoke then reports that). */
static HRESULT check_arg_count(ITypeInfo *ti, DISPID member, WORD flags, const DISPPARAMS *params)
{
    TYPEATTR *attr;
    FUNCDESC *fd;
    HRESULT hr = S_OK;
    UINT i, want;
    SHORT p;

    if (FAILED(ITypeInfo_GetTypeAttr(ti, &attr)))
        return S_OK;
    for (i = 0; i < attr->cFuncs; i++) {
        if (FAILED(ITypeInfo_GetFuncDesc(ti, i, &fd)))
            continue;
        if (fd->memid == member && (fd->invkind & flags)) {
            for (p = 0, want = 0; p < fd->cParams; p++)
                if (!(fd->lprgelemdescParam[p].paramdesc.wParamFlags & PARAMFLAG_FRETVAL))
                    want++;
            hr = params->cArgs == want ? S_OK : DISP_E_BADPARAMCOUNT;
            i = attr->cFuncs; /* found */
        }
        ITypeInfo_ReleaseFuncDesc(ti, fd);
    }
    ITypeInfo_ReleaseTypeAttr(ti, attr);
    return hr;
}

HRESULT auto_invoke(REFIID iid, void *iface, DISPID member, REFIID riid, WORD flags, DISPPARAMS *params,
                    VARIANT *result, EXCEPINFO *excep, UINT *arg_err)
{
    ITypeInfo *ti;
    HRESULT hr;

    TRACE("%p, dispid %ld, flags %#x, %u args", iface, (long)member, (unsigned)flags,
          params ? params->cArgs : 0u);
    if (!IsEqualIID(riid, &IID_NULL))
        return DISP_E_UNKNOWNINTERFACE;
    if (!params)
        return E_INVALIDARG;
    if (FAILED(hr = auto_typeinfo(iid, &ti)))
        return hr;
    SetErrorInfo(0, NULL); /* a stale error must not describe this call */
    if (FAILED(hr = check_arg_count(ti, member, flags, params))) {
        ITypeInfo_Release(ti);
        return hr;
    }
    hr = DispInvoke(iface, ti, member, flags, params, result, excep, arg_err);
    /* Wine's JScript calls properties it expects to be methods-or-properties (DISPID_NEWENUM
     * for `new Enumerator(c)`) with DISPATCH_METHOD alone; ITypeInfo::Invoke matches that
     * only against methods. A property get taking no arguments answers such a call too. */
    if (hr == DISP_E_MEMBERNOTFOUND && flags == DISPATCH_METHOD && params->cArgs == 0 && result)
        hr = DispInvoke(iface, ti, member, DISPATCH_PROPERTYGET, params, result, excep, arg_err);
    ITypeInfo_Release(ti);
    if (FAILED(hr))
        TRACE("dispid %ld -> %08lx", (long)member, (unsigned long)hr);
    return hr;
}

HRESULT auto_error(HRESULT hr, REFIID iid)
{
    ICreateErrorInfo *create;
    IErrorInfo *info;
    WCHAR *text = NULL;

    if (SUCCEEDED(hr))
        return hr;
    if (FAILED(CreateErrorInfo(&create)))
        return hr;
    if (SUCCEEDED(hresult_describe(hr, 0, &text))) {
        size_t n = wcslen(text);

        while (n && (text[n - 1] == L'\n' || text[n - 1] == L'\r' || text[n - 1] == L' '))
            text[--n] = 0;
        ICreateErrorInfo_SetDescription(create, text);
        CoTaskMemFree(text);
    }
    ICreateErrorInfo_SetGUID(create, iid);
    ICreateErrorInfo_SetSource(create, (LPOLESTR)L"BgCopy.Manager");
    if (SUCCEEDED(ICreateErrorInfo_QueryInterface(create, &IID_IErrorInfo, (void **)&info))) {
        SetErrorInfo(0, info);
        IErrorInfo_Release(info);
    }
    ICreateErrorInfo_Release(create);
    return hr;
}

HRESULT auto_bstr_from_cotask(WCHAR *s, BSTR *out)
{
    *out = SysAllocString(s ? s : L"");
    CoTaskMemFree(s);
    return *out ? S_OK : E_OUTOFMEMORY;
}

HRESULT auto_bstr_from_guid(const GUID *id, BSTR *out)
{
    WCHAR buf[40];

    *out = NULL;
    if (!StringFromGUID2(id, buf, 40))
        return E_UNEXPECTED;
    *out = SysAllocString(buf);
    return *out ? S_OK : E_OUTOFMEMORY;
}

HRESULT auto_guid_from_string(const WCHAR *s, GUID *out)
{
    WCHAR buf[40];
    size_t n = s ? wcslen(s) : 0;

    memset(out, 0, sizeof(*out));
    if (n == 36) { /* without braces */
        buf[0] = L'{';
        memcpy(buf + 1, s, 36 * sizeof(WCHAR));
        buf[37] = L'}';
        buf[38] = 0;
    } else if (n == 38) {
        memcpy(buf, s, 39 * sizeof(WCHAR));
    } else {
        return E_INVALIDARG;
    }
    return SUCCEEDED(IIDFromString(buf, out)) ? S_OK : E_INVALIDARG;
}
