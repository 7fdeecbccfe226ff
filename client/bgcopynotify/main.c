/*
 * main.c - bgcopynotify.exe's entry point: the command line (/RegServer, /UnregServer,
 * -Embedding), its COM registration as LocalServer32 of CLSID_BgCopyNotify, the class factory
 * and the process lifetime.
 *
 *   bgcopynotify.exe /RegServer [/machine] [/complete] [/command CMD] [/log FILE] [/idle MS]
 *   bgcopynotify.exe /UnregServer [/machine]
 *   bgcopynotify.exe -Embedding      (started by COM)
 *
 * Invariants:
 *  1. Classes go to HKCU\Software\Classes, or HKLM with /machine; under Wine always HKLM
 *     (bgreg_effective_machine: Wine's COM does not activate per-user classes). Settings given
 *     with /RegServer go to Software\bgcopy\Notify of HKCU, or HKLM with /machine; only the
 *     settings named on the command line are written.
 *  2. /UnregServer removes the class key (CLSID\{CLSID_BgCopyNotify}) only; settings stay.
 *  3. Lifetime by COM rules: the class object is registered REGCLS_MULTIPLEUSE in the MTA;
 *     the process revokes it once no object and no LockServer lock has existed for
 *     IdleTimeoutMs (at least BGCLI_NOTIFY_FIRST_WAIT_MS after start, so the activation that
 *     started the process arrives first), then waits for objects still alive and exits.
 *  4. Results: exit 0 on success, 1 on failure, 2 on a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "bgnotify.h"
#include "bgreg.h"

#define CLSID_KEY L"Software\\Classes\\CLSID\\{416D1E96-BC43-45E1-A165-B43D3C7073AB}"
#define BGCLI_NOTIFY_FIRST_WAIT_MS 5000u

static LONG g_locks;   /* live objects + LockServer(TRUE) */
static HANDLE g_wake;  /* auto-reset; set when g_locks changes */

void bgcli_notify_lock(void)
{
    InterlockedIncrement(&g_locks);
    SetEvent(g_wake);
}

void bgcli_notify_unlock(void)
{
    InterlockedDecrement(&g_locks);
    SetEvent(g_wake);
}

/* ---- the class factory (static, not counted) ---------------------------------------------- */

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
    HRESULT hr;

    (void)iface;
    if (!ppv)
        return E_POINTER;
    *ppv = NULL;
    if (outer)
        return CLASS_E_NOAGGREGATION;
    hr = bgcli_notify_callback_create(riid, ppv);
    bgcli_notify_log("CreateInstance -> 0x%08lx", (unsigned long)hr);
    return hr;
}

static HRESULT WINAPI factory_LockServer(IClassFactory *iface, BOOL lock)
{
    (void)iface;
    if (lock)
        bgcli_notify_lock();
    else
        bgcli_notify_unlock();
    return S_OK;
}

static const IClassFactoryVtbl factory_vtbl = {
    factory_QueryInterface, factory_AddRef, factory_Release, factory_CreateInstance, factory_LockServer,
};
static IClassFactory factory = {(IClassFactoryVtbl *)&factory_vtbl};

/* ---- serving -------------------------------------------------------------------------------- */

static int serve(void)
{
    struct bgcli_notify_config cfg;
    DWORD cookie = 0, wait_ms;
    HRESULT hr;

    bgcli_notify_load_config(&cfg);
    bgcli_notify_log_open(cfg.log_file);
    if (!(g_wake = CreateEventW(NULL, FALSE, FALSE, NULL)))
        return 1;
    if (FAILED(hr = CoInitializeEx(NULL, COINIT_MULTITHREADED))) {
        bgcli_notify_log("CoInitializeEx failed: 0x%08lx", (unsigned long)hr);
        return 1;
    }
    hr = CoRegisterClassObject(&CLSID_BgCopyNotify, (IUnknown *)&factory, CLSCTX_LOCAL_SERVER, REGCLS_MULTIPLEUSE,
                               &cookie);
    bgcli_notify_log("started; CoRegisterClassObject -> 0x%08lx", (unsigned long)hr);
    if (FAILED(hr)) {
        CoUninitialize();
        return 1;
    }
    wait_ms = cfg.idle_timeout_ms > BGCLI_NOTIFY_FIRST_WAIT_MS ? cfg.idle_timeout_ms : BGCLI_NOTIFY_FIRST_WAIT_MS;
    for (;;) {
        DWORD w = WaitForSingleObject(g_wake, InterlockedCompareExchange(&g_locks, 0, 0) ? INFINITE : wait_ms);

        if (w == WAIT_TIMEOUT && !InterlockedCompareExchange(&g_locks, 0, 0))
            break;
        wait_ms = cfg.idle_timeout_ms;
    }
    CoRevokeClassObject(cookie);
    while (InterlockedCompareExchange(&g_locks, 0, 0)) /* activated just before the revoke */
        WaitForSingleObject(g_wake, 1000);
    bgcli_notify_log("idle for %lu ms: exiting", (unsigned long)cfg.idle_timeout_ms);
    CoUninitialize();
    bgcli_notify_log_close();
    return 0;
}

/* ---- registration --------------------------------------------------------------------------- */

static LONG set_sz(HKEY root, const WCHAR *subkey, const WCHAR *name, const WCHAR *value)
{
    HKEY key;
    LONG err = RegCreateKeyExW(root, subkey, 0, NULL, 0, KEY_SET_VALUE, NULL, &key, NULL);

    if (err)
        return err;
    err = RegSetValueExW(key, name, 0, REG_SZ, (const BYTE *)value, (DWORD)((wcslen(value) + 1) * sizeof(WCHAR)));
    RegCloseKey(key);
    return err;
}

static LONG set_dword(HKEY root, const WCHAR *subkey, const WCHAR *name, DWORD value)
{
    HKEY key;
    LONG err = RegCreateKeyExW(root, subkey, 0, NULL, 0, KEY_SET_VALUE, NULL, &key, NULL);

    if (err)
        return err;
    err = RegSetValueExW(key, name, 0, REG_DWORD, (const BYTE *)&value, sizeof(value));
    RegCloseKey(key);
    return err;
}

struct reg_options {
    int machine;          /* /machine */
    int complete;         /* /complete given */
    const WCHAR *command; /* /command CMD, or NULL */
    const WCHAR *log;     /* /log FILE, or NULL */
    const WCHAR *idle;    /* /idle MS, or NULL */
};

static int do_register(const struct reg_options *o)
{
    HKEY classes = bgreg_effective_machine(o->machine) ? HKEY_LOCAL_MACHINE : HKEY_CURRENT_USER;
    HKEY settings = o->machine ? HKEY_LOCAL_MACHINE : HKEY_CURRENT_USER;
    WCHAR exe[MAX_PATH], quoted[MAX_PATH + 3];
    DWORD n = GetModuleFileNameW(NULL, exe, MAX_PATH);
    LONG err;

    if (!n || n >= MAX_PATH) {
        fwprintf(stderr, L"bgcopynotify: cannot get the program's path (error %lu)\n", (unsigned long)GetLastError());
        return 1;
    }
    swprintf(quoted, MAX_PATH + 3, L"\"%ls\"", exe);
    err = set_sz(classes, CLSID_KEY, NULL, L"bgcopy notification server");
    if (!err)
        err = set_sz(classes, CLSID_KEY L"\\LocalServer32", NULL, quoted);
    if (!err && o->complete)
        err = set_dword(settings, BGCLI_NOTIFY_KEY, L"CompleteOnTransferred", 1);
    if (!err && o->command)
        err = set_sz(settings, BGCLI_NOTIFY_KEY, L"Command", o->command);
    if (!err && o->log)
        err = set_sz(settings, BGCLI_NOTIFY_KEY, L"LogFile", o->log);
    if (!err && o->idle)
        err = set_dword(settings, BGCLI_NOTIFY_KEY, L"IdleTimeoutMs", (DWORD)wcstoul(o->idle, NULL, 10));
    if (err) {
        fwprintf(stderr, L"bgcopynotify: registration failed, error %ld\n", (long)err);
        return 1;
    }
    wprintf(L"bgcopynotify registered (%ls).\n", classes == HKEY_LOCAL_MACHINE ? L"HKLM" : L"HKCU");
    return 0;
}

static int do_unregister(int machine)
{
    HKEY classes = bgreg_effective_machine(machine) ? HKEY_LOCAL_MACHINE : HKEY_CURRENT_USER;
    LONG err = RegDeleteTreeW(classes, CLSID_KEY);

    if (err && err != ERROR_FILE_NOT_FOUND) {
        fwprintf(stderr, L"bgcopynotify: unregistration failed, error %ld\n", (long)err);
        return 1;
    }
    wprintf(L"bgcopynotify unregistered.\n");
    return 0;
}

/* ---- command line --------------------------------------------------------------------------- */

static int usage(void)
{
    fwprintf(stderr,
             L"usage:\n"
             L"  bgcopynotify.exe /RegServer [/machine] [/complete] [/command CMD] [/log FILE] [/idle MS]\n"
             L"  bgcopynotify.exe /UnregServer [/machine]\n"
             L"  bgcopynotify.exe -Embedding    started by COM; not for interactive use\n"
             L"See client/docs/bgcopynotify.md.\n");
    return 2;
}

static BOOL arg_is(const WCHAR *arg, const WCHAR *name)
{
    return (arg[0] == L'/' || arg[0] == L'-') && !_wcsicmp(arg + 1, name);
}

int wmain(int argc, WCHAR **argv)
{
    struct reg_options o;
    int regserver = 0, unregserver = 0;

    memset(&o, 0, sizeof(o));
    if (argc < 2)
        return usage();
    if (arg_is(argv[1], L"Embedding") || arg_is(argv[1], L"Automation"))
        return serve();
    for (int i = 1; i < argc; i++) {
        if (arg_is(argv[i], L"RegServer"))
            regserver = 1;
        else if (arg_is(argv[i], L"UnregServer"))
            unregserver = 1;
        else if (arg_is(argv[i], L"machine"))
            o.machine = 1;
        else if (arg_is(argv[i], L"complete"))
            o.complete = 1;
        else if (arg_is(argv[i], L"command") && i + 1 < argc)
            o.command = argv[++i];
        else if (arg_is(argv[i], L"log") && i + 1 < argc)
            o.log = argv[++i];
        else if (arg_is(argv[i], L"idle") && i + 1 < argc && iswdigit(argv[i + 1][0]))
            o.idle = argv[++i];
        else
            return usage();
    }
    if (regserver == unregserver)
        return usage();
    if (unregserver) {
        if (o.complete || o.command || o.log || o.idle)
            return usage();
        return do_unregister(o.machine);
    }
    return do_register(&o);
}
