/*
 * main.c - bgcopysvc.exe: command line, registration, and the choice of how the server runs.
 *
 *   bgcopysvc.exe /RegServer [/machine]     register (per user by default)
 *   bgcopysvc.exe /UnregServer [/machine]   remove exactly what registration wrote (and any
 *                                           /asbits, /autostart or /service registration)
 *   bgcopysvc.exe -Embedding                started by COM to serve CLSID_BgCopyManager
 *   bgcopysvc.exe /autostart                per-user logon start: continue pending jobs
 *   bgcopysvc.exe /Service                  run as the Windows service "bgcopy" (by the SCM)
 *   bgcopysvc.exe /RegServer /autostart     also register the logon start (HKCU Run value)
 *   bgcopysvc.exe /UnregServer /autostart   remove the logon start only
 *   bgcopysvc.exe /RegServer /service       machine-wide, also install the service and make
 *                                           it the AppID's LocalService
 *   bgcopysvc.exe /UnregServer /service     remove the service and LocalService only
 *   bgcopysvc.exe /RegServer /asbits        Wine only: also serve Microsoft's BITS CLSIDs
 *   bgcopysvc.exe /UnregServer /asbits      Wine only: give them back to Wine's BITS
 * (registry/README.md documents every key; server/lifecycle.c the server process's phases
 * and lifetime rule, server/service.c the service.)
 */
#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

#include <shellapi.h>
#include <winsvc.h>

#include "bgreg.h"
#include "lifecycle.h"

#ifndef BGC_VERSION
#define BGC_VERSION "0.0.0"
#endif

/* ---- Console output (the executable is a GUI-subsystem program) ------------------------ */

static void attach_output(void)
{
    HANDLE h = GetStdHandle(STD_OUTPUT_HANDLE);

    if (h && h != INVALID_HANDLE_VALUE)
        return;
    if (AttachConsole(ATTACH_PARENT_PROCESS)) {
        freopen("CONOUT$", "w", stdout);
        freopen("CONOUT$", "w", stderr);
    }
}

static void usage(FILE *f)
{
    fprintf(f, "bgcopysvc %s - background transfer server (BITS-compatible COM local server)\n"
               "\n"
               "Usage:\n"
               "  bgcopysvc.exe /RegServer [/machine]      register for the current user (or machine-wide)\n"
               "  bgcopysvc.exe /UnregServer [/machine]    remove the registration (and any /autostart,\n"
               "                                           /service or /asbits registration)\n"
               "  bgcopysvc.exe /RegServer /autostart      register, and start bgcopysvc.exe /autostart at logon\n"
               "                                           (HKCU ...\\CurrentVersion\\Run value \"bgcopy\")\n"
               "  bgcopysvc.exe /UnregServer /autostart    remove the logon start only\n"
               "  bgcopysvc.exe /RegServer /service        register machine-wide and install the Windows service\n"
               "                                           \"bgcopy\" (delayed auto-start); COM activations then\n"
               "                                           go to the service (administrator rights needed)\n"
               "  bgcopysvc.exe /UnregServer /service      stop and remove the service only\n"
               "  bgcopysvc.exe /RegServer /asbits         Wine only: register, and serve Microsoft's BITS CLSIDs\n"
               "                                           (CLSID_BackgroundCopyManager and the versioned ones)\n"
               "  bgcopysvc.exe /UnregServer /asbits       Wine only: restore the saved BITS registration\n"
               "\n"
               "Server modes (not for interactive use):\n"
               "  bgcopysvc.exe -Embedding                 started by COM; exits when idle\n"
               "  bgcopysvc.exe /autostart                 logon start: continues pending jobs and notifications,\n"
               "                                           serves clients, exits when nothing is pending\n"
               "  bgcopysvc.exe /Service                   run by the service control manager as \"bgcopy\";\n"
               "                                           stops on a service stop or at system shutdown\n",
            BGC_VERSION);
}

/* ---- Registration ------------------------------------------------------------------------ */

/* Prints "bgcopysvc: <what> failed: error N (text)" on stderr. */
static void print_win32_error(const char *what, LONG err)
{
    WCHAR *msg = NULL;
    DWORD n = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_IGNORE_INSERTS,
                             NULL, (DWORD)err, 0, (WCHAR *)&msg, 0, NULL);

    while (n && (msg[n - 1] == L'\r' || msg[n - 1] == L'\n' || msg[n - 1] == L' '))
        msg[--n] = 0;
    fprintf(stderr, "bgcopysvc: %s failed: error %ld (%ls)%s\n", what, (long)err, n ? msg : L"no text",
            err == ERROR_ACCESS_DENIED ? "; /machine needs administrator rights" : "");
    LocalFree(msg);
}

static BOOL file_exists(const WCHAR *path)
{
    DWORD attrs = GetFileAttributesW(path);
    return attrs != INVALID_FILE_ATTRIBUTES && !(attrs & FILE_ATTRIBUTE_DIRECTORY);
}

/* Builds dir-of-exe\name into out. */
static BOOL sibling_path(const WCHAR *exe, const WCHAR *name, WCHAR *out, size_t size)
{
    const WCHAR *slash = wcsrchr(exe, L'\\');
    size_t dir_len = slash ? (size_t)(slash - exe) + 1 : 0;

    if (dir_len + wcslen(name) + 1 > size)
        return FALSE;
    memcpy(out, exe, dir_len * sizeof(WCHAR));
    wcscpy(out + dir_len, name);
    return TRUE;
}

/* /asbits is for Wine prefixes only: on Windows it would take BITS away from the system. */
static BOOL asbits_allowed(void)
{
    if (bgreg_running_on_wine())
        return TRUE;
    fprintf(stderr, "bgcopysvc: /asbits is only available under Wine: on Windows, BITS is part of the system and\n"
                    "bgcopy does not replace its registration. Activate CLSID_BgCopyManager instead. Nothing was changed.\n");
    return FALSE;
}

/* Stops Wine's BITS service (qmgr in svchost) if it runs: while it does, its class object
 * stays registered and COM would keep handing out its manager (registry/README.md). */
static void stop_wine_bits_service(void)
{
    SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT), svc;
    SERVICE_STATUS st;
    SERVICE_STATUS_PROCESS sp;
    ULONGLONG end = GetTickCount64() + 15000;
    HANDLE process = NULL;
    DWORD len = 0;

    svc = scm ? OpenServiceW(scm, L"BITS", SERVICE_STOP | SERVICE_QUERY_STATUS) : NULL;
    if (svc && QueryServiceStatus(svc, &st) && st.dwCurrentState != SERVICE_STOPPED) {
        printf("bgcopysvc: stopping Wine's BITS service so that activations reach bgcopy\n");
        /* Its process revokes qmgr's class object only after it reports STOPPED; an activation
         * in between reaches the dying process (0x800706BA). Wait for the process to end. */
        if (QueryServiceStatusEx(svc, SC_STATUS_PROCESS_INFO, (BYTE *)&sp, sizeof(sp), &len) && sp.dwProcessId)
            process = OpenProcess(SYNCHRONIZE, FALSE, sp.dwProcessId);
        ControlService(svc, SERVICE_CONTROL_STOP, &st);
        while (QueryServiceStatus(svc, &st) && st.dwCurrentState != SERVICE_STOPPED && GetTickCount64() < end)
            Sleep(100);
        if (st.dwCurrentState != SERVICE_STOPPED)
            fprintf(stderr, "bgcopysvc: warning: Wine's BITS service did not stop; activations go to it until it does\n");
        else if (process && WaitForSingleObject(process, 10000) != WAIT_OBJECT_0)
            fprintf(stderr, "bgcopysvc: warning: the process of Wine's BITS service did not end\n");
    }
    if (process)
        CloseHandle(process);
    if (svc)
        CloseServiceHandle(svc);
    if (scm)
        CloseServiceHandle(scm);
}

/* Wine only: after its BITS service stopped, rpcss may still hold qmgr's class registration
 * for a moment (until it runs down the stopped process's context), and an activation then
 * fails with 0x800706BA. Waits (at most 15 s) until CLSID_BackgroundCopyManager activates
 * whatever the registry now names (bgcopy), so that /RegServer /asbits returns effective. */
static void wait_asbits_effective(void)
{
    static const GUID clsid_bits = {0x4991d34b, 0x80a1, 0x4291, {0x83, 0xb6, 0x33, 0x28, 0x36, 0x6b, 0x90, 0x97}};
    ULONGLONG end = GetTickCount64() + 15000;
    HRESULT init = CoInitializeEx(NULL, COINIT_MULTITHREADED), hr;

    for (;;) {
        IUnknown *unk = NULL;

        hr = CoCreateInstance(&clsid_bits, NULL, CLSCTX_LOCAL_SERVER, &IID_IUnknown, (void **)&unk);
        if (SUCCEEDED(hr))
            IUnknown_Release(unk);
        if (hr != (HRESULT)0x800706BA || GetTickCount64() >= end)
            break;
        Sleep(250);
    }
    if (FAILED(hr))
        fprintf(stderr, "bgcopysvc: warning: CLSID_BackgroundCopyManager does not activate yet (0x%08lx)\n",
                (unsigned long)hr);
    if (SUCCEEDED(init))
        CoUninitialize();
}

/* What a /RegServer or /UnregServer applies to besides the COM registration. */
struct reg_options {
    int machine;   /* /machine */
    int asbits;    /* /asbits */
    int autostart; /* /autostart */
    int service;   /* /service */
};

static int do_register(const struct reg_options *o)
{
    WCHAR exe[MAX_PATH], dll[MAX_PATH], tlb[MAX_PATH];
    struct bgreg_paths paths;
    DWORD n = GetModuleFileNameW(NULL, exe, ARRAYSIZE(exe));
    int machine = o->machine || o->service; /* the service is machine-wide, and so is its AppID */
    int effective = bgreg_effective_machine(machine);
    LONG err;

    if (!n || n >= ARRAYSIZE(exe) || !sibling_path(exe, L"bgcopyps.dll", dll, ARRAYSIZE(dll)) ||
        !sibling_path(exe, L"bgcopy.tlb", tlb, ARRAYSIZE(tlb))) {
        fprintf(stderr, "bgcopysvc: cannot determine the program's directory\n");
        return 1;
    }
    if (!file_exists(dll) || !file_exists(tlb)) {
        fprintf(stderr, "bgcopysvc: %ls and %ls must be next to bgcopysvc.exe\n", dll, tlb);
        return 1;
    }
    paths.server_exe = exe;
    paths.proxy_dll = dll;
    paths.typelib = tlb;
    err = bgreg_register(&paths, machine);
    if (err) {
        print_win32_error("registration", err);
        return 1;
    }
    if (effective && !machine)
        printf("bgcopysvc: Wine detected: COM under Wine reads classes only from HKLM\\Software\\Classes,\n"
               "so the per-user registration was written machine-wide (HKLM\\Software\\Classes) in this prefix.\n");
    printf("bgcopysvc: registered %ls (%s, %s)\n", exe, effective ? "machine-wide" : "per user",
           effective ? "HKLM\\Software\\Classes" : "HKCU\\Software\\Classes");
    if (o->asbits) { /* implies the normal registration above (its AppID key) */
        err = bgreg_asbits_register(exe);
        if (err) {
            print_win32_error("/asbits registration", err);
            return 1;
        }
        stop_wine_bits_service();
        wait_asbits_effective();
        printf("bgcopysvc: serving Microsoft's BITS CLSIDs (CLSID_BackgroundCopyManager and %d versioned ones);\n"
               "the previous registration is saved under HKLM\\Software\\bgcopy\\SavedBits\n",
               BGREG_ASBITS_CLSIDS - 1);
    }
    if (o->service) {
        err = bgreg_service_register(exe);
        if (err) {
            print_win32_error("/service registration", err);
            return 1;
        }
        printf("bgcopysvc: installed the service \"%ls\" (%ls \"%ls\" /Service, delayed auto-start); COM activations\n"
               "of CLSID_BgCopyManager now start the service (AppID LocalService). Its configuration is\n"
               "HKLM\\Software\\bgcopy (DataDir defaults to %%ProgramData%%\\bgcopy).\n",
               BGREG_SERVICE_NAME, L"ImagePath", exe);
    }
    if (o->autostart) {
        err = bgreg_autostart_register(exe);
        if (err) {
            print_win32_error("/autostart registration", err);
            return 1;
        }
        printf("bgcopysvc: at logon, \"%ls\" /autostart continues pending jobs (HKCU\\%ls, value %ls)\n", exe,
               BGREG_RUN_KEY, BGREG_AUTOSTART_VALUE);
    }
    return 0;
}

static int do_unregister(const struct reg_options *o)
{
    int effective = bgreg_effective_machine(o->machine);
    LONG err;

    /* /UnregServer /asbits, /service and /autostart remove only that part and keep bgcopy's
     * own registration; plain /UnregServer removes everything (a BITS CLSID, a service or a
     * logon start must never point at a removed server). */
    if (o->asbits || (!o->service && !o->autostart && bgreg_asbits_registered())) {
        err = bgreg_asbits_unregister();
        if (err) {
            print_win32_error("/asbits unregistration", err);
            return 1;
        }
        printf("bgcopysvc: restored the saved registration of Microsoft's BITS CLSIDs\n");
    }
    /* The service is machine-wide: a per-user /UnregServer on Windows leaves it alone. */
    if (o->service || (!o->asbits && !o->autostart && effective && bgreg_service_registered())) {
        err = bgreg_service_unregister();
        if (err) {
            print_win32_error("/service unregistration", err);
            return 1;
        }
        printf("bgcopysvc: removed the service \"%ls\" and the AppID's LocalService\n", BGREG_SERVICE_NAME);
    }
    if (o->autostart || (!o->asbits && !o->service && bgreg_autostart_registered())) {
        err = bgreg_autostart_unregister();
        if (err) {
            print_win32_error("/autostart unregistration", err);
            return 1;
        }
        printf("bgcopysvc: removed the logon start (HKCU\\%ls, value %ls)\n", BGREG_RUN_KEY, BGREG_AUTOSTART_VALUE);
    }
    if (o->asbits || o->service || o->autostart)
        return 0;
    err = bgreg_unregister(o->machine);
    if (err) {
        print_win32_error("unregistration", err);
        return 1;
    }
    printf("bgcopysvc: unregistered (%s)\n", effective ? "HKLM\\Software\\Classes" : "HKCU\\Software\\Classes");
    return 0;
}

static BOOL arg_is(const WCHAR *arg, const WCHAR *name)
{
    if (arg[0] != L'/' && arg[0] != L'-')
        return FALSE;
    return !_wcsicmp(arg + 1, name);
}

int main(void)
{
    int argc = 0, i, reg = 0, unreg = 0, embedding = 0, modes;
    struct reg_options o = {0, 0, 0, 0};
    WCHAR **argv = CommandLineToArgvW(GetCommandLineW(), &argc);

    if (!argv)
        return 1;
    for (i = 1; i < argc; i++) {
        if (arg_is(argv[i], L"RegServer"))
            reg = 1;
        else if (arg_is(argv[i], L"UnregServer"))
            unreg = 1;
        else if (arg_is(argv[i], L"machine"))
            o.machine = 1;
        else if (arg_is(argv[i], L"asbits"))
            o.asbits = 1;
        else if (arg_is(argv[i], L"service"))
            o.service = 1;
        else if (arg_is(argv[i], L"autostart"))
            o.autostart = 1;
        else if (arg_is(argv[i], L"Embedding") || arg_is(argv[i], L"Automation"))
            embedding = 1;
        else {
            attach_output();
            fprintf(stderr, "bgcopysvc: unknown argument %ls\n\n", argv[i]);
            usage(stderr);
            LocalFree(argv);
            return 2;
        }
    }
    LocalFree(argv);
    /* Server modes: exactly one of -Embedding, /autostart, /Service, and nothing else. */
    if (!reg && !unreg && !o.machine && !o.asbits) {
        modes = embedding + o.autostart + o.service;
        if (modes == 1 && embedding)
            return lifecycle_run(LIFECYCLE_COM);
        if (modes == 1 && o.autostart)
            return lifecycle_run(LIFECYCLE_AUTOSTART);
        if (modes == 1 && o.service) {
            attach_output();
            return service_run();
        }
    }
    attach_output();
    if (reg + unreg != 1 || embedding) {
        usage(argc > 1 ? stderr : stdout);
        return argc > 1 ? 2 : 0;
    }
    if (o.asbits && !asbits_allowed())
        return 1;
    if (reg)
        return do_register(&o);
    return do_unregister(&o);
}
