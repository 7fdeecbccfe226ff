/*
 * bench_notify.c: the issue-4 measure "from a killed client to JobTransferred delivered through
 * the CLSID". A child process (this program with --child) is the client: it creates a job of
 * one file that the test server pauses in the middle (stall=--stall-ms at half the file), sets
 * its own callback object (SetNotifyInterface) and BITS_JOB_PROPERTY_NOTIFICATION_CLSID =
 * CLSID_BgCopyNotify, resumes the job, waits until bytes arrived (the transfer is then in the
 * pause), writes the job id to a file and ends itself with TerminateProcess: killed, nothing
 * released. The parent waits for the child's end (t_kill), then polls the job (GetState every
 * 5 ms: t_transferred = first seen TRANSFERRED or ACKNOWLEDGED) and the log of bgcopynotify.exe
 * (registered by the caller with /RegServer /complete /log FILE) until it shows JobTransferred
 * for the job (its t= field: GetSystemTimePreciseAsFileTime, the clock this program uses too).
 *
 * The server first calls the dead client's object (it fails: the process is gone), then
 * activates CLSID_BgCopyNotify (CoCreateInstance, LOCAL_SERVER: bgcopynotify.exe starts) and
 * calls its JobTransferred. Prints
 *   RESULT name=N seconds=<kill_to_callback> kill_to_callback=.. transferred_to_callback=..
 *          kill_to_transferred=.. stall_ms=..
 * or, when the server has no IBackgroundCopyJob5 / NOTIFICATION_CLSID (Wine's qmgr; the
 * child says which on stderr),
 *   UNSUPPORTED name=N reason=no-notification-clsid  (exit 3).
 *
 * Invariants:
 *   1. Every wait is bounded (--timeout, default 120 s); the child is killed if it outlives it.
 *   2. RESULT only when the callback was logged by bgcopynotify.exe for this very job.
 *   3. Times are differences of one clock (the system time, 100 ns units) read by this
 *      program and by bgcopynotify.exe on the same machine.
 *
 * Usage: bench_notify.exe --clsid bgcopy|platform --base-url http://127.0.0.1:PORT --dir WINDOWS_DIR
 *                         --notify-log WINDOWS_PATH [--stall-ms 1500] [--timeout 120]
 */
#define CONST_VTABLE
#include "bench_util.h"

#include <objbase.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgcopy.h"

struct options {
    const CLSID *clsid;
    const char *name, *clsid_arg, *base_url, *dir, *notify_log, *id_file;
    unsigned long long stall_ms, timeout;
    int child;
};

static struct options o;

static unsigned long long now_ticks(void)
{
    typedef VOID(WINAPI * precise_fn)(LPFILETIME);
    static precise_fn fn;
    FILETIME ft;
    ULARGE_INTEGER v;

    if (!fn)
        fn = (precise_fn)(void (*)(void))GetProcAddress(GetModuleHandleW(L"kernel32.dll"),
                                                        "GetSystemTimePreciseAsFileTime");
    if (fn)
        fn(&ft);
    else
        GetSystemTimeAsFileTime(&ft);
    v.LowPart = ft.dwLowDateTime;
    v.HighPart = ft.dwHighDateTime;
    return v.QuadPart;
}

static int parse_options(int argc, char **argv)
{
    o.stall_ms = 1500;
    o.timeout = 120;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

        if (!strcmp(arg, "--child")) {
            o.child = 1;
            continue;
        }
        if (!val)
            return -1;
        i++;
        if (!strcmp(arg, "--clsid") && !strcmp(val, "bgcopy")) {
            o.clsid = &CLSID_BgCopyManager;
            o.name = "bgcopy";
            o.clsid_arg = val;
        } else if (!strcmp(arg, "--clsid") && !strcmp(val, "platform")) {
            o.clsid = &CLSID_BackgroundCopyManager;
            o.name = "platform-bits";
            o.clsid_arg = val;
        } else if (!strcmp(arg, "--base-url"))
            o.base_url = val;
        else if (!strcmp(arg, "--dir"))
            o.dir = val;
        else if (!strcmp(arg, "--notify-log"))
            o.notify_log = val;
        else if (!strcmp(arg, "--id-file"))
            o.id_file = val;
        else if (!strcmp(arg, "--stall-ms") && !bench_parse_u64(val, &o.stall_ms) && o.stall_ms <= 600000)
            continue;
        else if (!strcmp(arg, "--timeout") && !bench_parse_u64(val, &o.timeout) && o.timeout)
            continue;
        else
            return -1;
    }
    return o.clsid && o.base_url && o.dir && (o.child ? o.id_file != NULL : o.notify_log != NULL) ? 0 : -1;
}

/* ---- the child: a client that is killed -------------------------------------------------- */

struct cb {
    IBackgroundCopyCallback iface;
    LONG ref;
};

static HRESULT WINAPI Cb_QueryInterface(IBackgroundCopyCallback *iface, REFIID riid, void **ppv)
{
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IBackgroundCopyCallback)) {
        *ppv = iface;
        IBackgroundCopyCallback_AddRef(iface);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI Cb_AddRef(IBackgroundCopyCallback *iface)
{
    return InterlockedIncrement(&CONTAINING_RECORD(iface, struct cb, iface)->ref);
}

static ULONG WINAPI Cb_Release(IBackgroundCopyCallback *iface)
{
    return InterlockedDecrement(&CONTAINING_RECORD(iface, struct cb, iface)->ref);
}

static HRESULT WINAPI Cb_JobTransferred(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job)
{
    (void)iface;
    (void)job;
    return S_OK;
}

static HRESULT WINAPI Cb_JobError(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job, IBackgroundCopyError *e)
{
    (void)iface;
    (void)job;
    (void)e;
    return S_OK;
}

static HRESULT WINAPI Cb_JobModification(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job, DWORD r)
{
    (void)iface;
    (void)job;
    (void)r;
    return S_OK;
}

static const IBackgroundCopyCallbackVtbl cb_vtbl = {
    Cb_QueryInterface, Cb_AddRef, Cb_Release, Cb_JobTransferred, Cb_JobError, Cb_JobModification,
};

static int child_main(void)
{
    static struct cb cb = {{&cb_vtbl}, 1};
    IBackgroundCopyManager *m = NULL;
    IBackgroundCopyJob *job = NULL;
    IBackgroundCopyJob5 *j5 = NULL;
    BITS_JOB_PROPERTY_VALUE v;
    BG_JOB_PROGRESS p;
    WCHAR url[512], local[512], w[40];
    double t0;
    GUID id;
    HRESULT hr;
    FILE *fp;

    if (FAILED(CoInitializeEx(NULL, COINIT_MULTITHREADED)))
        return 10;
    CoInitializeSecurity(NULL, -1, NULL, NULL, RPC_C_AUTHN_LEVEL_CONNECT, RPC_C_IMP_LEVEL_IMPERSONATE, NULL,
                         EOAC_NONE, NULL);
    hr = CoCreateInstance(o.clsid, NULL, CLSCTX_LOCAL_SERVER, &IID_IBackgroundCopyManager, (void **)&m);
    if (FAILED(hr)) {
        fprintf(stderr, "bench_notify child: CoCreateInstance failed: 0x%08lx\n", (unsigned long)hr);
        return 11;
    }
    swprintf(url, 512, L"%hs/gen/400000/notify%lu?seed=77&stall=%llu&stallat=200000", o.base_url,
             (unsigned long)GetCurrentProcessId(), o.stall_ms);
    swprintf(local, 512, L"%hs\\notify-%lu.bin", o.dir, (unsigned long)GetCurrentProcessId());
    hr = IBackgroundCopyManager_CreateJob(m, L"bgcopy bench notify", BG_JOB_TYPE_DOWNLOAD, &id, &job);
    if (SUCCEEDED(hr))
        hr = IBackgroundCopyJob_AddFile(job, url, local);
    if (SUCCEEDED(hr))
        hr = IBackgroundCopyJob_SetNotifyFlags(job, BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR);
    if (SUCCEEDED(hr))
        hr = IBackgroundCopyJob_SetNotifyInterface(job, (IUnknown *)&cb.iface);
    if (FAILED(hr)) {
        fprintf(stderr, "bench_notify child: setting up the job failed: 0x%08lx\n", (unsigned long)hr);
        return 12;
    }
    if (FAILED(IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJob5, (void **)&j5))) {
        IBackgroundCopyJob_Cancel(job);
        fprintf(stderr, "bench_notify child: %s has no IBackgroundCopyJob5\n", o.name);
        return 3;
    }
    memset(&v, 0, sizeof(v));
    v.ClsID = CLSID_BgCopyNotify;
    hr = IBackgroundCopyJob5_SetProperty(j5, BITS_JOB_PROPERTY_NOTIFICATION_CLSID, v);
    if (FAILED(hr)) {
        IBackgroundCopyJob_Cancel(job);
        fprintf(stderr, "bench_notify child: SetProperty(NOTIFICATION_CLSID) failed: 0x%08lx\n", (unsigned long)hr);
        return 3;
    }
    hr = IBackgroundCopyJob_Resume(job);
    t0 = bench_now();
    while (SUCCEEDED(hr) && SUCCEEDED(hr = IBackgroundCopyJob_GetProgress(job, &p)) && p.BytesTransferred == 0 &&
           bench_now() - t0 < 60.0)
        Sleep(5);
    if (FAILED(hr) || p.BytesTransferred == 0 || p.BytesTransferred == p.BytesTotal) {
        fprintf(stderr, "bench_notify child: the transfer did not reach the pause (0x%08lx)\n", (unsigned long)hr);
        IBackgroundCopyJob_Cancel(job);
        return 13;
    }
    StringFromGUID2(&id, w, 40);
    if (!(fp = fopen(o.id_file, "wb")))
        return 14;
    fprintf(fp, "%ls\n", w);
    fclose(fp);
    fflush(stdout);
    TerminateProcess(GetCurrentProcess(), 9); /* killed: no Release, no CoUninitialize */
    return 15;
}

/* ---- the parent ------------------------------------------------------------------------------ */

/* The t= of bgcopynotify's "JobTransferred job=<guid>" line, or 0. */
static unsigned long long logged_ticks(const char *guid)
{
    char line[4096], needle[128];
    unsigned long long t = 0;
    FILE *fp = fopen(o.notify_log, "rb");

    if (!fp)
        return 0;
    snprintf(needle, sizeof(needle), "JobTransferred job=%s", guid);
    while (!t && fgets(line, sizeof(line), fp)) {
        const char *tp = strstr(line, " t=");
        if (strstr(line, needle) && tp)
            t = strtoull(tp + 3, NULL, 10);
    }
    fclose(fp);
    return t;
}

int main(int argc, char **argv)
{
    WCHAR cmd[2048], wid[64];
    char id_file[512], guid[64] = "";
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    IBackgroundCopyManager *m = NULL;
    IBackgroundCopyJob *job = NULL;
    unsigned long long t_kill, t_transferred = 0, t_cb = 0;
    DWORD code = 0;
    double t0;
    GUID id;
    FILE *fp;

    if (parse_options(argc, argv)) {
        fprintf(stderr, "usage: bench_notify.exe --clsid bgcopy|platform --base-url URL --dir WINDOWS_DIR "
                        "--notify-log WINDOWS_PATH [--stall-ms 1500] [--timeout 120]\n");
        return 2;
    }
    if (o.child)
        return child_main();

    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    snprintf(id_file, sizeof(id_file), "%s\\notify-job-%lu.txt", o.dir, (unsigned long)GetCurrentProcessId());
    DeleteFileA(id_file);
    swprintf(cmd, 2048, L"\"%hs\" --child --clsid %hs --base-url %hs --dir %hs --id-file %hs --stall-ms %llu",
             argv[0], o.clsid_arg, o.base_url, o.dir, id_file, o.stall_ms);
    if (!CreateProcessW(NULL, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi)) {
        fprintf(stderr, "bench_notify: cannot start the child: %lu\n", GetLastError());
        return 1;
    }
    if (WaitForSingleObject(pi.hProcess, (DWORD)(o.timeout * 1000)) == WAIT_TIMEOUT) {
        TerminateProcess(pi.hProcess, 1);
        fprintf(stderr, "bench_notify: the child did not finish its setup in time\n");
        return 1;
    }
    t_kill = now_ticks();
    GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hProcess);
    CloseHandle(pi.hThread);
    if (code == 3) {
        printf("UNSUPPORTED name=%s reason=no-notification-clsid\n", o.name);
        return 3;
    }
    if (code != 9 || !(fp = fopen(id_file, "rb"))) {
        fprintf(stderr, "bench_notify: the child failed (exit %lu)\n", (unsigned long)code);
        return 1;
    }
    if (!fgets(guid, sizeof(guid), fp))
        guid[0] = 0;
    fclose(fp);
    DeleteFileA(id_file);
    guid[strcspn(guid, "\r\n")] = 0;
    if (!MultiByteToWideChar(CP_UTF8, 0, guid, -1, wid, 64) || FAILED(CLSIDFromString(wid, &id))) {
        fprintf(stderr, "bench_notify: bad job id from the child: %s\n", guid);
        return 1;
    }

    if (FAILED(CoInitializeEx(NULL, COINIT_MULTITHREADED)) ||
        FAILED(CoCreateInstance(o.clsid, NULL, CLSCTX_LOCAL_SERVER, &IID_IBackgroundCopyManager, (void **)&m)) ||
        FAILED(IBackgroundCopyManager_GetJob(m, &id, &job))) {
        fprintf(stderr, "bench_notify: cannot reach the job after the kill\n");
        return 1;
    }
    t0 = bench_now();
    while (!t_cb && bench_now() - t0 < (double)o.timeout) {
        BG_JOB_STATE st;

        if (!t_transferred && SUCCEEDED(IBackgroundCopyJob_GetState(job, &st)) &&
            (st == BG_JOB_STATE_TRANSFERRED || st == BG_JOB_STATE_ACKNOWLEDGED))
            t_transferred = now_ticks();
        t_cb = logged_ticks(guid);
        if (!t_cb)
            Sleep(5);
    }
    if (!t_cb) {
        fprintf(stderr, "bench_notify: no JobTransferred for %s in %s within %llu s\n", guid, o.notify_log,
                o.timeout);
        IBackgroundCopyJob_Cancel(job);
    } else {
        if (!t_transferred || t_transferred > t_cb)
            t_transferred = t_cb; /* seen only after the callback: no finer bound */
        printf("RESULT name=%s seconds=%.6f kill_to_callback=%.6f transferred_to_callback=%.6f "
               "kill_to_transferred=%.6f stall_ms=%llu\n",
               o.name, (double)(t_cb - t_kill) / 1e7, (double)(t_cb - t_kill) / 1e7,
               (double)(t_cb - t_transferred) / 1e7, (double)(t_transferred - t_kill) / 1e7, o.stall_ms);
    }
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(m);
    CoUninitialize();
    return t_cb ? 0 : 1;
}
