/*
 * factory.c - the class object registered for CLSID_BgCopyManager.
 *
 * Invariants:
 *  1. The factory is static and not counted in the server's lifetime; LockServer is.
 *  2. CreateInstance never hands out an object once the idle shutdown has been decided: it
 *     takes a server lock with server_lock_unless_stopping() (same lock as the decision) and
 *     returns CO_E_SERVER_STOPPING otherwise, so the client's COM can start a new server.
 *  3. A remote activation is refused with BG_E_REMOTE_NOT_SUPPORTED (G9,
 *     access_check_activation) before any object exists; the manager's methods check G8/G9
 *     again for every call.
 */
#include "server.h"

static HRESULT WINAPI factory_QueryInterface(IClassFactory *iface, REFIID riid, void **ppv)
{
    if (!ppv)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IClassFactory)) {
        *ppv = iface;
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI factory_AddRef(IClassFactory *iface)
{
    (void)iface;
    return 2;
}

static ULONG WINAPI factory_Release(IClassFactory *iface)
{
    (void)iface;
    return 1;
}

static HRESULT WINAPI factory_CreateInstance(IClassFactory *iface, IUnknown *outer, REFIID riid, void **ppv)
{
    char buf[39];
    HRESULT hr;

    (void)iface;
    TRACE("outer %p, riid %s, ppv %p", (void *)outer, debugstr_guid_buf(riid, buf), (void *)ppv);
    if (!ppv)
        return E_POINTER;
    *ppv = NULL;
    if (outer)
        return CLASS_E_NOAGGREGATION;
    hr = access_check_activation(); /* G9 */
    if (FAILED(hr))
        return hr;
    if (!server_lock_unless_stopping()) {
        WARN("activation while stopping: CO_E_SERVER_STOPPING");
        return CO_E_SERVER_STOPPING;
    }
    hr = BgCopyManager_create(riid, ppv);
    server_unlock();
    return hr;
}

static HRESULT WINAPI factory_LockServer(IClassFactory *iface, BOOL lock)
{
    (void)iface;
    TRACE("lock %d", lock);
    if (lock)
        server_lock();
    else
        server_unlock();
    return S_OK;
}

static const IClassFactoryVtbl factory_vtbl = {
    factory_QueryInterface, factory_AddRef, factory_Release, factory_CreateInstance, factory_LockServer,
};

static IClassFactory manager_factory = {(IClassFactoryVtbl *)&factory_vtbl};

IClassFactory *factory_get_manager_factory(void)
{
    return &manager_factory;
}
