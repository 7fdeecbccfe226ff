/*
 * bgcopyps.c: the proxy/stub code of bgcopyps.dll.
 *
 * Compiles widl's -Oicf proxy/stub (bgcopy_p.c, after idl/fix_oicf_strings.py repaired its
 * format strings) together with what it needs from us:
 *  - the three rpcrt4 functions its proxy vtables name, which mingw-w64's <unknwn.h>
 *    declares only for C++ (their definitions are rpcrt4.dll exports);
 *  - the [local]/[call_as] conversions of IBackgroundCopyFile5::SetProperty/GetProperty.
 *
 * Invariants of the conversions:
 *  1. Only BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS selects the union's string arm; for any
 *     other ID the union is never read as a pointer, and the call still reaches the object
 *     (with a NULL string) so that it can answer BG_E_UNKNOWN_PROPERTY_ID itself.
 *  2. A string returned by GetProperty changes hands without a copy: the object's
 *     CoTaskMemAlloc'd string is what the stub marshals and frees, and what the caller gets.
 *
 * The DLL's class object (CLSID_BgCopyPSFactory, see dlldata.c) is the only entry point
 * besides DllCanUnloadNow (bgcopyps.def). It deliberately has no DllRegisterServer: the
 * Interface\{IID}\ProxyStubClsid32 keys are written by registry/, not by this DLL.
 */
#include <objbase.h>

HRESULT STDMETHODCALLTYPE IUnknown_QueryInterface_Proxy(IUnknown *This, REFIID riid, void **ppvObject);
ULONG STDMETHODCALLTYPE IUnknown_AddRef_Proxy(IUnknown *This);
ULONG STDMETHODCALLTYPE IUnknown_Release_Proxy(IUnknown *This);

#include "bgcopy_p.c"

/* Client side of IBackgroundCopyFile5::SetProperty. */
HRESULT CALLBACK IBackgroundCopyFile5_SetProperty_Proxy(IBackgroundCopyFile5 *This,
                                                        BITS_FILE_PROPERTY_ID PropertyId,
                                                        BITS_FILE_PROPERTY_VALUE PropertyValue)
{
    LPCWSTR string = NULL;
    if (PropertyId == BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS)
        string = PropertyValue.String;
    return IBackgroundCopyFile5_RemoteSetProperty_Proxy(This, PropertyId, string);
}

/* Server side of IBackgroundCopyFile5::SetProperty: rebuilds the union for the object. */
HRESULT __RPC_STUB IBackgroundCopyFile5_SetProperty_Stub(IBackgroundCopyFile5 *This,
                                                        BITS_FILE_PROPERTY_ID PropertyId, LPCWSTR String)
{
    BITS_FILE_PROPERTY_VALUE value;
    value.String = (LPWSTR)String;
    return IBackgroundCopyFile5_SetProperty(This, PropertyId, value);
}

/* Client side of IBackgroundCopyFile5::GetProperty. The union is zeroed for other IDs. */
HRESULT CALLBACK IBackgroundCopyFile5_GetProperty_Proxy(IBackgroundCopyFile5 *This,
                                                        BITS_FILE_PROPERTY_ID PropertyId,
                                                        BITS_FILE_PROPERTY_VALUE *PropertyValue)
{
    LPWSTR string = NULL;
    HRESULT hr;
    if (!PropertyValue)
        return HRESULT_FROM_WIN32(RPC_X_NULL_REF_POINTER);
    hr = IBackgroundCopyFile5_RemoteGetProperty_Proxy(This, PropertyId, &string);
    memset(PropertyValue, 0, sizeof(*PropertyValue));
    if (PropertyId == BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS)
        PropertyValue->String = string;
    else
        CoTaskMemFree(string);
    return hr;
}

/* Server side of IBackgroundCopyFile5::GetProperty: hands the object's string to the stub. */
HRESULT __RPC_STUB IBackgroundCopyFile5_GetProperty_Stub(IBackgroundCopyFile5 *This,
                                                        BITS_FILE_PROPERTY_ID PropertyId, LPWSTR *String)
{
    BITS_FILE_PROPERTY_VALUE value;
    HRESULT hr;
    memset(&value, 0, sizeof(value));
    hr = IBackgroundCopyFile5_GetProperty(This, PropertyId, &value);
    *String = NULL;
    if (PropertyId == BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS)
        *String = value.String;
    return hr;
}
