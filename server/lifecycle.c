/*
 * lifecycle.c - the life of the bgcopysvc.exe server process in the driver-instance model
 * (bits-behavior §9; phases in lifecycle.h): load, enable, open/close per client, disable,
 * free, for the three ways it starts (COM activation, per-user autostart, Windows service).
 *
 * Invariants:
 *  1. live_count counts live COM objects and LockServer(TRUE) calls (server_lock/_unlock):
 *     the "open instances". A manager activation is DRV_OPEN; the last Release of a client's
 *     objects is DRV_CLOSE.
 *  2. Idle rule (COM and autostart modes): the process lives while live_count > 0, or
 *     bgc_queue_busy() (a job that can make progress by itself, or a pending notification),
 *     or, only when the queue is not durable (no job store), any non-final job exists: a job
 *     store keeps SUSPENDED/ERROR/TRANSFERRED jobs across the exit, memory would not. Once
 *     none of these has held for IdleTimeoutMs, `stopping` is set under lifetime_cs. In COM
 *     mode, until the first object exists the limit is at least STARTUP_GRACE_MS: COM started
 *     the process for an activation that is on its way (Wine's COM polls for the class object
 *     only once a second). An /autostart process has no activation on its way: plain
 *     IdleTimeoutMs. The service never exits when idle: it ends on SERVICE_CONTROL_STOP or
 *     SHUTDOWN (lifecycle_request_stop).
 *  3. From `stopping` on, the class factory refuses with CO_E_SERVER_STOPPING and the
 *     notification sink stops calling out: both take their lock through
 *     server_lock_unless_stopping(), under the same lifetime_cs as the decision, so no object
 *     is created after it. In the idle case none is alive at it (live_count was 0); a service
 *     stop may leave clients connected, whose later calls fail as for a killed server.
 *  4. One server per DataDir: the named mutex `Local\bgcopy-<hash of DataDir>` is held from
 *     before the store is opened until after it is closed, so two processes never run the
 *     same job store. A server that is stopping still holds it; a new one waits for it (up to
 *     GUARD_WAIT_MS), an abandoned one (killed server) is simply taken over.
 *  5. Shutdown order: stopping, revoke the class objects, free the queue (stops the engine and
 *     the notification thread, drops callback proxies, flushes the store), CoUninitialize,
 *     release the guard, close the log.
 *
 * Lock order: lifetime_cs may be held while calling bgc_queue_busy()/_job_count() (core
 * locks); the core never calls server/ while holding its locks (bgc.h invariant 5), so there
 * is no cycle.
 */
#include "server.h"

#include <stdio.h>
#include <wchar.h>

#include "bgreg.h"
#include "lifecycle.h"

#ifndef BGC_VERSION
#define BGC_VERSION "0.0.0"
#endif

#define STARTUP_GRACE_MS 30000u
#define GUARD_WAIT_MS 30000u
#define POLL_MS 250u
#define STORE_FILE L"jobs.db"

static CRITICAL_SECTION lifetime_cs; /* guards live_count, served, last_change, stopping */
static INIT_ONCE lifetime_once = INIT_ONCE_STATIC_INIT;
static LONG live_count;              /* live COM objects + LockServer count (lifetime_cs) */
static BOOL served;                  /* an object or lock has existed (lifetime_cs) */
static ULONGLONG last_change;        /* GetTickCount64() of the last lock/unlock (lifetime_cs) */
static BOOL stopping;                /* end decided: no new object (lifetime_cs) */
static HANDLE wake_event;            /* auto-reset: live_count dropped to 0, or a stop request */
static volatile LONG stop_requested; /* service stop asked for (interlocked) */
static struct bgc_queue *queue;      /* the process's queue, from load until disable */

/* The process's run state: written by the main (or service) thread only. */
static struct {
    enum lifecycle_mode mode;
    struct bgreg_server_config srv;
    HANDLE guard;                            /* invariant 4 mutex, owned */
    BOOL com_init;                           /* CoInitializeEx succeeded */
    DWORD cookie;                            /* CLSID_BgCopyManager registration */
    DWORD bits_cookies[BGREG_ASBITS_CLSIDS]; /* /asbits registrations */
} run;

static BOOL CALLBACK lifetime_init(INIT_ONCE *once, void *param, void **ctx)
{
    (void)once;
    (void)param;
    (void)ctx;
    InitializeCriticalSection(&lifetime_cs);
    return TRUE;
}

static void lifetime_ensure_init(void)
{
    InitOnceExecuteOnce(&lifetime_once, lifetime_init, NULL, NULL);
}

/* ---- Open / close per client (server.h) -------------------------------------------------- */

void server_lock(void)
{
    lifetime_ensure_init();
    EnterCriticalSection(&lifetime_cs);
    live_count++;
    served = TRUE;
    last_change = GetTickCount64();
    LeaveCriticalSection(&lifetime_cs);
}

void server_unlock(void)
{
    LONG left;

    lifetime_ensure_init();
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

    lifetime_ensure_init();
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

/* ---- Load ---------------------------------------------------------------------------------- */

static const char *level_name(unsigned level)
{
    static const char *names[] = {"ERR", "WARN", "FIXME", "INFO", "TRACE"};
    return level < ARRAYSIZE(names) ? names[level] : "?";
}

static const char *mode_name(enum lifecycle_mode mode)
{
    switch (mode) {
    case LIFECYCLE_COM:
        return "COM activation";
    case LIFECYCLE_AUTOSTART:
        return "autostart";
    case LIFECYCLE_SERVICE:
        return "service";
    }
    return "?";
}

/* Local\bgcopy-<FNV-1a of the lower-cased DataDir, hex>: invariant 4. */
static void guard_name(const WCHAR *data_dir, WCHAR *out, size_t size)
{
    unsigned long long h = 14695981039346656037ull;
    const WCHAR *p;

    for (p = data_dir; *p; p++) {
        WCHAR c = towlower(*p) == L'/' ? L'\\' : towlower(*p);

        if (c == L'\\' && (p[1] == 0))
            break; /* a trailing separator names the same directory */
        h = (h ^ (unsigned)c) * 1099511628211ull;
    }
    _snwprintf(out, size, L"Local\\bgcopy-%016llx", h);
    out[size - 1] = 0;
}

/* Takes the instance guard. Returns 0, 1 (error) or 2 (another server keeps it). */
static int guard_take(const WCHAR *data_dir)
{
    WCHAR name[64];
    DWORD rc;

    guard_name(data_dir, name, ARRAYSIZE(name));
    run.guard = CreateMutexW(NULL, FALSE, name);
    if (!run.guard) {
        ERR("load: cannot create the instance guard %s: error %lu", debugstr_w(name),
            (unsigned long)GetLastError());
        return 1;
    }
    rc = WaitForSingleObject(run.guard, 0);
    if (rc == WAIT_TIMEOUT) {
        INFO("load: another bgcopysvc.exe serves this DataDir; waiting up to %u ms for it to stop",
             GUARD_WAIT_MS);
        rc = WaitForSingleObject(run.guard, GUARD_WAIT_MS);
    }
    if (rc == WAIT_ABANDONED)
        WARN("load: the previous server of this DataDir ended without stopping (killed?): "
             "recovering");
    if (rc == WAIT_OBJECT_0 || rc == WAIT_ABANDONED)
        return 0;
    CloseHandle(run.guard);
    run.guard = NULL;
    return rc == WAIT_TIMEOUT ? 2 : 1;
}

static void guard_release(void)
{
    if (!run.guard)
        return;
    ReleaseMutex(run.guard);
    CloseHandle(run.guard);
    run.guard = NULL;
}

/* DataDir\jobs.db in UTF-8 into out. */
static BOOL store_path_utf8(const WCHAR *data_dir, char *out, int size)
{
    WCHAR path[BGREG_MAX_PATH + 16];
    size_t n = wcslen(data_dir);

    if (n + 1 + wcslen(STORE_FILE) + 1 > ARRAYSIZE(path))
        return FALSE;
    wcscpy(path, data_dir);
    if (n && path[n - 1] != L'\\' && path[n - 1] != L'/')
        wcscat(path, L"\\");
    wcscat(path, STORE_FILE);
    return WideCharToMultiByte(CP_UTF8, 0, path, -1, out, size, NULL, NULL) > 0;
}

int lifecycle_load(enum lifecycle_mode mode, BOOL *already_served)
{
    static char store_path[4 * (BGREG_MAX_PATH + 16)];
    struct bgc_config cfg;
    HRESULT hr;
    int rc;

    lifetime_ensure_init();
    if (already_served)
        *already_served = FALSE;
    run.mode = mode;
    if (mode == LIFECYCLE_SERVICE)
        bgreg_load_service_config(&cfg, &run.srv);
    else
        bgreg_load_config(&cfg, &run.srv);
    if (!log_open(run.srv.data_dir, (enum bgc_log_level)run.srv.log_level)) {
        /* Running without a log is better than not serving; nothing else can report it. */
    }
    INFO("bgcopysvc %s starting (%s), pid %lu, command line %s", BGC_VERSION, mode_name(mode),
         (unsigned long)GetCurrentProcessId(), debugstr_w(GetCommandLineW()));
    INFO("load: config (%s): DataDir=%s LogLevel=%u(%s) IdleTimeoutMs=%u MaxTransfers=%u "
         "RetryDelayFloorS=%u%s",
         mode == LIFECYCLE_SERVICE ? "HKLM\\Software\\bgcopy" : "HKCU, then HKLM\\Software\\bgcopy",
         debugstr_w(run.srv.data_dir), run.srv.log_level, level_name(run.srv.log_level),
         run.srv.idle_timeout_ms, cfg.max_transfers, cfg.retry_delay_floor_s,
         bgreg_running_on_wine() ? " (Wine)" : "");

    if (!store_path_utf8(run.srv.data_dir, store_path, sizeof(store_path))) {
        ERR("load: DataDir %s is too long for the job store path", debugstr_w(run.srv.data_dir));
        goto fail_log;
    }
    cfg.store_path = store_path;

    wake_event = CreateEventW(NULL, FALSE, FALSE, NULL);
    if (!wake_event) {
        ERR("load: CreateEvent failed: error %lu", (unsigned long)GetLastError());
        goto fail_log;
    }
    rc = guard_take(run.srv.data_dir);
    if (rc) {
        if (rc == 2) {
            INFO("load: another server still serves DataDir %s after %u ms: not starting a second "
                 "one",
                 debugstr_w(run.srv.data_dir), GUARD_WAIT_MS);
            if (already_served)
                *already_served = TRUE;
        }
        goto fail_event;
    }

    hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (FAILED(hr)) {
        ERR("load: CoInitializeEx failed: %08lx", (unsigned long)hr);
        goto fail_guard;
    }
    run.com_init = TRUE;
    /* Dynamic cloaking: an activation made while impersonating (identity.c, N8) carries the
     * thread's token; calls made without impersonating still carry the process's. */
    hr = CoInitializeSecurity(NULL, -1, NULL, NULL, RPC_C_AUTHN_LEVEL_DEFAULT,
                              RPC_C_IMP_LEVEL_IDENTIFY, NULL, EOAC_DYNAMIC_CLOAKING, NULL);
    if (FAILED(hr))
        WARN("load: CoInitializeSecurity failed: %08lx", (unsigned long)hr);

    rc = bgc_queue_new(&cfg, notify_sink(), &queue);
    if (rc < 0) {
        ERR("load: cannot open the job store %s or start the queue: %s; not serving", store_path,
            bgc_code_name(rc));
        queue = NULL;
        goto fail_com;
    }
    INFO("load: job store %s (%s), %lu non-final job(s); engine and notification threads running",
         store_path,
         bgc_queue_is_durable(queue) ? "durable" : "not durable: jobs live in memory only",
         (unsigned long)bgc_queue_job_count(queue));
    if (!conditions_start(queue)) /* conditions area: network, cost, bandwidth policy */
        WARN("load: cannot watch the network and policies; transfers are not gated");
    return 0;

fail_com:
    CoUninitialize();
    run.com_init = FALSE;
fail_guard:
    guard_release();
fail_event:
    CloseHandle(wake_event);
    wake_event = NULL;
fail_log:
    INFO("load failed: exiting without registering the class object");
    log_close();
    return 1;
}

/* ---- Enable --------------------------------------------------------------------------------- */

int lifecycle_enable(void)
{
    HRESULT hr;
    unsigned i;

    hr = CoRegisterClassObject(&CLSID_BgCopyManager, (IUnknown *)factory_get_manager_factory(),
                               CLSCTX_LOCAL_SERVER, REGCLS_MULTIPLEUSE, &run.cookie);
    if (FAILED(hr)) {
        ERR("enable: CoRegisterClassObject failed: %08lx", (unsigned long)hr);
        run.cookie = 0;
        return 1;
    }
    for (i = 0; i < BGREG_ASBITS_CLSIDS; i++) { /* /asbits: the same factory for BITS's CLSIDs */
        CLSID clsid;

        if (!bgreg_asbits_serves(i) || FAILED(CLSIDFromString(bgreg_asbits_clsid(i), &clsid)))
            continue;
        hr = CoRegisterClassObject(&clsid, (IUnknown *)factory_get_manager_factory(),
                                   CLSCTX_LOCAL_SERVER, REGCLS_MULTIPLEUSE, &run.bits_cookies[i]);
        if (FAILED(hr)) {
            WARN("enable: CoRegisterClassObject(%s) failed: %08lx",
                 debugstr_w(bgreg_asbits_clsid(i)), (unsigned long)hr);
            run.bits_cookies[i] = 0;
        } else
            INFO("enable: serving BITS CLSID %s (/asbits)", debugstr_w(bgreg_asbits_clsid(i)));
    }
    INFO("enable: class object registered; serving");
    return 0;
}

/* ---- Serve ---------------------------------------------------------------------------------- */

void lifecycle_request_stop(void)
{
    InterlockedExchange(&stop_requested, 1);
    if (wake_event)
        SetEvent(wake_event);
}

void lifecycle_serve(void)
{
    ULONGLONG idle_since = GetTickCount64();
    LONG last_live = -1;
    BOOL last_queue_busy = FALSE, service = run.mode == LIFECYCLE_SERVICE;
    const char *why = "idle";

    for (;;) {
        ULONGLONG now, limit;
        BOOL busy, queue_busy, durable;
        size_t jobs;
        LONG live;

        WaitForSingleObject(wake_event, POLL_MS);
        EnterCriticalSection(&lifetime_cs);
        live = live_count;
        queue_busy = bgc_queue_busy(queue);
        durable = bgc_queue_is_durable(queue);
        jobs = bgc_queue_job_count(queue);
        busy = live > 0 || queue_busy || (!durable && jobs > 0); /* invariant 2 */
        if (live != last_live || queue_busy != last_queue_busy) {
            if ((live > 0) != (last_live > 0))
                INFO(live > 0
                         ? "open: a client is connected (%ld objects/locks)"
                         : "close: no client object left (%ld); %lu non-final job(s), queue %s",
                     (long)live, (unsigned long)jobs, queue_busy ? "busy" : "idle");
            TRACE("lifetime: %ld live objects/locks, queue %s, %lu non-final job(s)", (long)live,
                  queue_busy ? "busy" : "idle", (unsigned long)jobs);
            last_live = live;
            last_queue_busy = queue_busy;
        }
        if (service) {
            if (InterlockedCompareExchange(&stop_requested, 0, 0)) {
                stopping = TRUE;
                why = "service stop requested";
                LeaveCriticalSection(&lifetime_cs);
                break;
            }
            LeaveCriticalSection(&lifetime_cs);
            service_note_jobs(jobs);
            continue;
        }
        now = GetTickCount64();
        limit = run.srv.idle_timeout_ms;
        if (run.mode == LIFECYCLE_COM && !served && limit < STARTUP_GRACE_MS)
            limit = STARTUP_GRACE_MS;
        if (last_change > idle_since)
            idle_since = last_change;
        if (busy) {
            idle_since = now;
        } else if (now - idle_since >= limit) {
            stopping = TRUE;
            LeaveCriticalSection(&lifetime_cs);
            if (!served)
                why = run.mode == LIFECYCLE_COM ? "idle (no client ever came)"
                                                : "idle (nothing pending)";
            break;
        }
        LeaveCriticalSection(&lifetime_cs);
    }
    if (service)
        INFO("disable: %s; %ld client object(s)/lock(s) still connected", why, (long)live_count);
    else
        INFO("disable: %s for %u ms with %lu non-final job(s) (%s)", why, run.srv.idle_timeout_ms,
             (unsigned long)bgc_queue_job_count(queue),
             bgc_queue_is_durable(queue) ? "kept in the job store"
                                         : "none may be lost: none exist");
}

/* ---- Disable, free ----------------------------------------------------------------------------
 */

void lifecycle_disable(void)
{
    HRESULT hr;
    unsigned i;

    EnterCriticalSection(&lifetime_cs);
    stopping = TRUE; /* also when enable failed: nothing more may be handed out */
    LeaveCriticalSection(&lifetime_cs);
    if (run.cookie) {
        hr = CoRevokeClassObject(run.cookie);
        if (FAILED(hr))
            WARN("disable: CoRevokeClassObject failed: %08lx", (unsigned long)hr);
        run.cookie = 0;
    }
    for (i = 0; i < BGREG_ASBITS_CLSIDS; i++)
        if (run.bits_cookies[i]) {
            CoRevokeClassObject(run.bits_cookies[i]);
            run.bits_cookies[i] = 0;
        }
    INFO("disable: class objects revoked; stopping the threads and flushing the job store");
    conditions_stop(); /* before the queue it reports to goes */
    bgc_queue_free(queue);
    queue = NULL;
    identity_shutdown(); /* N8: no delivery runs any more; close the captured tokens */
}

void lifecycle_free(void)
{
    if (run.com_init)
        CoUninitialize();
    run.com_init = FALSE;
    guard_release();
    INFO("free: stopped");
    log_close();
    if (wake_event)
        CloseHandle(wake_event);
    wake_event = NULL;
}

int lifecycle_run(enum lifecycle_mode mode)
{
    BOOL already = FALSE;
    int rc = lifecycle_load(mode, &already);

    if (rc)
        return mode == LIFECYCLE_AUTOSTART && already ? 0 : rc;
    rc = lifecycle_enable();
    if (!rc)
        lifecycle_serve();
    lifecycle_disable();
    lifecycle_free();
    return rc;
}
