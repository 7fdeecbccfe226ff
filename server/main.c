/*
 * main.c - bgcopysvc.exe: command line, COM local-server start-up, process lifetime.
 *
 *   bgcopysvc.exe /RegServer [/machine]     register (per user by default)
 *   bgcopysvc.exe /UnregServer [/machine]   remove exactly what registration wrote
 *   bgcopysvc.exe -Embedding                started by COM to serve CLSID_BgCopyManager
 *   bgcopysvc.exe /RegServer /asbits        Wine only: also serve Microsoft's BITS CLSIDs
 *   bgcopysvc.exe /UnregServer /asbits      Wine only: give them back to Wine's BITS
 * (registry/README.md, "/asbits"; the server registers its class object for every BITS CLSID
 * whose registration names bgcopy, bgreg_asbits_serves).
 *
 * Lifetime (COM local-server rules, bits-behavior §9):
 *  1. live_count counts live COM objects and LockServer(TRUE) calls (server_lock/_unlock).
 *  2. The process lives while live_count > 0 or bgc_queue_busy(); once neither has held for
 *     IdleTimeoutMs, the lifetime loop sets `stopping` under lifetime_cs. Until the first
 *     object exists the limit is at least STARTUP_GRACE_MS: COM started the process for an
 *     activation that is on its way (Wine's COM polls for the class object only once a
 *     second, so a short IdleTimeoutMs would otherwise end the server before it arrives). From then on the
 *     class factory refuses with CO_E_SERVER_STOPPING; because the factory tests `stopping`
 *     and takes its lock under the same lifetime_cs, no object is created after the decision
 *     and none is alive at it (live_count was 0).
 *  4. Until jobs are persisted (the job store of a later issue), the process also stays while
 *     any non-final job exists, whatever its state: exiting would lose a SUSPENDED or ERROR
 *     job that BITS would keep.
 *  3. Shutdown order: revoke the class object, free the queue (stops the engine and the
 *     notification thread, drops callback proxies), CoUninitialize, close the log, exit 0.
 *
 * Lock order: lifetime_cs may be held while calling bgc_queue_busy() (core locks); the core
 * never calls server/ while holding its locks (bgc.h invariant 5), so there is no cycle.
 */
#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

#include <shellapi.h>
#include <winsvc.h>

#include "bgreg.h"

#ifndef BGC_VERSION
#define BGC_VERSION "0.0.0"
#endif

#define STARTUP_GRACE_MS 30000u

static CRITICAL_SECTION lifetime_cs; /* guards live_count, served and stopping */
static LONG live_count;              /* live COM objects + LockServer count (lifetime_cs) */
static BOOL served;                  /* an object or lock has existed (lifetime_cs) */
static ULONGLONG last_change;        /* GetTickCount64() of the last lock/unlock (lifetime_cs) */
static BOOL stopping;                /* idle shutdown decided (lifetime_cs) */
static HANDLE wake_event;            /* set when live_count drops to 0 */
static struct bgc_queue *queue;      /* the process's queue, from start until shutdown */

void server_lock(void)
{
    EnterCriticalSection(&lifetime_cs);
    live_count++;
    served = TRUE;
    last_change = GetTickCount64();
    LeaveCriticalSection(&lifetime_cs);
}

void server_unlock(void)
{
    LONG left;

    EnterCriticalSection(&lifetime_cs);
    left = --live_count;
    last_change = GetTickCount64(); /* idle time counts from the last Release, not the last poll */
    LeaveCriticalSection(&lifetime_cs);
    if (left < 0)
        ERR("server lock count went negative (%ld)", (long)left);
    if (left <= 0 && wake_event)
        SetEvent(wake_event);
}

BOOL server_lock_unless_stopping(void)
{
    BOOL ok;

    EnterCriticalSection(&lifetime_cs);
    ok = !stopping;
    if (ok) {
        live_count++;
        served = TRUE;
        last_change = GetTickCount64();
    }
    LeaveCriticalSection(&lifetime_cs);
    return ok;
}

struct bgc_queue *server_queue(void)
{
    return queue;
}

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
               "  bgcopysvc.exe /RegServer [/machine]    register for the current user (or machine-wide)\n"
               "  bgcopysvc.exe /UnregServer [/machine]  remove the registration\n"
               "  bgcopysvc.exe -Embedding               started by COM; not for interactive use\n"
               "  bgcopysvc.exe /RegServer /asbits       Wine only: register, and serve Microsoft's BITS CLSIDs\n"
               "                                         (CLSID_BackgroundCopyManager and the versioned ones)\n"
               "  bgcopysvc.exe /UnregServer /asbits     Wine only: restore the saved BITS registration\n",
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
    ULONGLONG end = GetTickCount64() + 15000;

    svc = scm ? OpenServiceW(scm, L"BITS", SERVICE_STOP | SERVICE_QUERY_STATUS) : NULL;
    if (svc && QueryServiceStatus(svc, &st) && st.dwCurrentState != SERVICE_STOPPED) {
        printf("bgcopysvc: stopping Wine's BITS service so that activations reach bgcopy\n");
        ControlService(svc, SERVICE_CONTROL_STOP, &st);
        while (QueryServiceStatus(svc, &st) && st.dwCurrentState != SERVICE_STOPPED && GetTickCount64() < end)
            Sleep(100);
        if (st.dwCurrentState != SERVICE_STOPPED)
            fprintf(stderr, "bgcopysvc: warning: Wine's BITS service did not stop; activations go to it until it does\n");
    }
    if (svc)
        CloseServiceHandle(svc);
    if (scm)
        CloseServiceHandle(scm);
}

static int do_register(int machine, int asbits)
{
    WCHAR exe[MAX_PATH], dll[MAX_PATH], tlb[MAX_PATH];
    struct bgreg_paths paths;
    DWORD n = GetModuleFileNameW(NULL, exe, ARRAYSIZE(exe));
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
    if (asbits) { /* implies the normal registration above (its AppID key) */
        err = bgreg_asbits_register(exe);
        if (err) {
            print_win32_error("/asbits registration", err);
            return 1;
        }
        stop_wine_bits_service();
        printf("bgcopysvc: serving Microsoft's BITS CLSIDs (CLSID_BackgroundCopyManager and %d versioned ones);\n"
               "the previous registration is saved under HKLM\\Software\\bgcopy\\SavedBits\n",
               BGREG_ASBITS_CLSIDS - 1);
    }
    return 0;
}

static int do_unregister(int machine, int asbits)
{
    int effective = bgreg_effective_machine(machine);
    LONG err;

    /* /UnregServer /asbits gives the BITS CLSIDs back and keeps bgcopy's own registration;
     * plain /UnregServer removes both (a BITS CLSID must never point at a removed server). */
    if (asbits || bgreg_asbits_registered()) {
        err = bgreg_asbits_unregister();
        if (err) {
            print_win32_error("/asbits unregistration", err);
            return 1;
        }
        printf("bgcopysvc: restored the saved registration of Microsoft's BITS CLSIDs\n");
        if (asbits)
            return 0;
    }
    err = bgreg_unregister(machine);
    if (err) {
        print_win32_error("unregistration", err);
        return 1;
    }
    printf("bgcopysvc: unregistered (%s)\n", effective ? "HKLM\\Software\\Classes" : "HKCU\\Software\\Classes");
    return 0;
}

/* ---- The server ---------------------------------------------------------------------------- */

static const char *level_name(unsigned level)
{
    static const char *names[] = {"ERR", "WARN", "FIXME", "INFO", "TRACE"};
    return level < ARRAYSIZE(names) ? names[level] : "?";
}

static int run_server(void)
{
    struct bgc_config cfg;
    struct bgreg_server_config srv;
    DWORD cookie = 0, bits_cookies[BGREG_ASBITS_CLSIDS] = {0};
    ULONGLONG idle_since;
    unsigned i;
    LONG last_live = -1;
    BOOL last_queue_busy = FALSE;
    HRESULT hr;
    int rc;

    bgreg_load_config(&cfg, &srv);
    if (!log_open(srv.data_dir, (enum bgc_log_level)srv.log_level)) {
        /* Running without a log is better than not serving; nothing else can report it. */
    }
    INFO("bgcopysvc %s starting, pid %lu, command line %s", BGC_VERSION, (unsigned long)GetCurrentProcessId(),
         debugstr_w(GetCommandLineW()));
    INFO("config: DataDir=%s LogLevel=%u(%s) IdleTimeoutMs=%u MaxTransfers=%u RetryDelayFloorS=%u%s",
         debugstr_w(srv.data_dir), srv.log_level, level_name(srv.log_level), srv.idle_timeout_ms,
         cfg.max_transfers, cfg.retry_delay_floor_s, bgreg_running_on_wine() ? " (Wine)" : "");

    wake_event = CreateEventW(NULL, FALSE, FALSE, NULL);
    hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (FAILED(hr)) {
        ERR("CoInitializeEx failed: %08lx", (unsigned long)hr);
        log_close();
        return 1;
    }
    hr = CoInitializeSecurity(NULL, -1, NULL, NULL, RPC_C_AUTHN_LEVEL_DEFAULT, RPC_C_IMP_LEVEL_IDENTIFY, NULL,
                              EOAC_NONE, NULL);
    if (FAILED(hr))
        WARN("CoInitializeSecurity failed: %08lx", (unsigned long)hr);

    rc = bgc_queue_new(&cfg, notify_sink(), &queue);
    if (rc < 0) {
        ERR("cannot create the queue: %s", bgc_code_name(rc));
        CoUninitialize();
        log_close();
        return 1;
    }
    hr = CoRegisterClassObject(&CLSID_BgCopyManager, (IUnknown *)factory_get_manager_factory(), CLSCTX_LOCAL_SERVER,
                               REGCLS_MULTIPLEUSE, &cookie);
    if (FAILED(hr)) {
        ERR("CoRegisterClassObject failed: %08lx", (unsigned long)hr);
        bgc_queue_free(queue);
        queue = NULL;
        CoUninitialize();
        log_close();
        return 1;
    }
    for (i = 0; i < BGREG_ASBITS_CLSIDS; i++) { /* /asbits: the same factory for BITS's CLSIDs */
        CLSID clsid;

        if (!bgreg_asbits_serves(i) || FAILED(CLSIDFromString(bgreg_asbits_clsid(i), &clsid)))
            continue;
        hr = CoRegisterClassObject(&clsid, (IUnknown *)factory_get_manager_factory(), CLSCTX_LOCAL_SERVER,
                                   REGCLS_MULTIPLEUSE, &bits_cookies[i]);
        if (FAILED(hr))
            WARN("CoRegisterClassObject(%s) failed: %08lx", debugstr_w(bgreg_asbits_clsid(i)), (unsigned long)hr);
        else
            INFO("serving BITS CLSID %s (/asbits)", debugstr_w(bgreg_asbits_clsid(i)));
    }
    INFO("class object registered; serving");

    idle_since = GetTickCount64();
    for (;;) {
        ULONGLONG now, limit;
        BOOL busy, queue_busy;
        LONG live;

        WaitForSingleObject(wake_event, 250);
        EnterCriticalSection(&lifetime_cs);
        live = live_count;
        queue_busy = bgc_queue_busy(queue);
        busy = live > 0 || queue_busy || bgc_queue_job_count(queue) > 0; /* invariant 4 */
        if (live != last_live || queue_busy != last_queue_busy) {
            TRACE("lifetime: %ld live objects/locks, queue %s", (long)live, queue_busy ? "busy" : "idle");
            last_live = live;
            last_queue_busy = queue_busy;
        }
        now = GetTickCount64();
        limit = srv.idle_timeout_ms;
        if (!served && limit < STARTUP_GRACE_MS)
            limit = STARTUP_GRACE_MS;
        if (last_change > idle_since)
            idle_since = last_change;
        if (busy) {
            idle_since = now;
        } else if (now - idle_since >= limit) {
            stopping = TRUE;
            LeaveCriticalSection(&lifetime_cs);
            break;
        }
        LeaveCriticalSection(&lifetime_cs);
    }

    INFO("idle for %u ms%s: stopping", srv.idle_timeout_ms, served ? "" : " (no client ever came)");
    hr = CoRevokeClassObject(cookie);
    if (FAILED(hr))
        WARN("CoRevokeClassObject failed: %08lx", (unsigned long)hr);
    for (i = 0; i < BGREG_ASBITS_CLSIDS; i++)
        if (bits_cookies[i])
            CoRevokeClassObject(bits_cookies[i]);
    bgc_queue_free(queue);
    queue = NULL;
    CoUninitialize();
    INFO("stopped");
    log_close();
    CloseHandle(wake_event);
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
    int argc = 0, i, machine = 0, reg = 0, unreg = 0, embedding = 0, asbits = 0;
    WCHAR **argv = CommandLineToArgvW(GetCommandLineW(), &argc);

    InitializeCriticalSection(&lifetime_cs);
    if (!argv)
        return 1;
    for (i = 1; i < argc; i++) {
        if (arg_is(argv[i], L"RegServer"))
            reg = 1;
        else if (arg_is(argv[i], L"UnregServer"))
            unreg = 1;
        else if (arg_is(argv[i], L"machine"))
            machine = 1;
        else if (arg_is(argv[i], L"asbits"))
            asbits = 1;
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
    if (embedding && !reg && !unreg)
        return run_server();
    attach_output();
    if (reg + unreg + embedding != 1 || ((machine || asbits) && !reg && !unreg)) {
        usage(argc > 1 ? stderr : stdout);
        return argc > 1 ? 2 : 0;
    }
    if (asbits && !asbits_allowed())
        return 1;
    if (reg)
        return do_register(machine, asbits);
    return do_unregister(machine, asbits);
}
