/*
 * bench_bits.c: a plain BITS client that times one download job. It uses only the standard
 * BITS API (declared by our widl header bgcopy.h), so the same program measures bgcopy and the
 * platform's BITS; the CLSID it activates is the only difference:
 *
 *   --clsid bgcopy     CLSID_BgCopyManager         (bgcopysvc.exe)
 *   --clsid platform   CLSID_BackgroundCopyManager (Wine's qmgr or Windows' BITS)
 *
 * It prints one line, for example
 *
 *   RESULT name=bgcopy bytes=N seconds=S cpu=C activation=A complete=K server_cpu=V
 *          server_procs=P wineserver_cpu=W polls=Q
 *
 * Invariants:
 *   1. `seconds` runs from just before Resume (the server then creates its temp file and
 *      connects) to the first GetState that reports BG_JOB_STATE_TRANSFERRED (all bytes are
 *      in the temp file and, for bgcopy, the file is closed): the interval bench_curl.c
 *      reports for bare libcurl. The client polls every --poll-ms (20) milliseconds, and every
 *      --fine-poll-ms (1) once the job's progress says the last bytes are due within two
 *      coarse polls (or are all in), for at most three coarse polls: an end that follows the
 *      last bytes promptly (bgcopy) is seen within about a millisecond, a later one (Wine's
 *      qmgr) within one coarse poll, and nothing polls fast during the whole transfer
 *      (printed: polls=, of which fine_polls=). Cold COM activation (about a second under
 *      Wine, see WINE-NOTES.md) is excluded and reported as `activation`; Complete (which
 *      moves the temp file to its name) is reported as `complete`.
 *   2. `cpu` is this client's user + kernel time over the `seconds` interval; `server_cpu` is
 *      the CPU time the server processes consumed over the same interval: under Wine the
 *      prefix's Unix processes whose command line contains --server-cmdline ("bgcopysvc.exe";
 *      "svchost.exe -k netsvcs", which hosts Wine's qmgr), elsewhere the processes named
 *      --server-exe (bgcopysvc.exe; svchost.exe). Under Wine, `wineserver_cpu` is the CPU
 *      the prefix's wineserver used over the interval (Wine does socket and file I/O
 *      bookkeeping there); 0 elsewhere.
 *   3. RESULT is printed only when the job reached TRANSFERRED, Complete succeeded, and the
 *      file on disk has the size the job reported (and --expect-size, when given). Any error
 *      cancels the job and exits 1, so a failed run never leaves a job behind.
 *   4. The client waits by polling GetState (invariant 1); with --callback it also registers
 *      an IBackgroundCopyCallback and wakes on JobTransferred / JobError, still confirming the
 *      state with GetState, and prints a second line "CALLBACK transferred=N errors=M" (calls
 *      received by the time Complete returned).
 *   5. With --warmup-url, one whole job (a small download to <out>.warmup, waited for and
 *      completed, its file then deleted) runs first on the same manager, so the server has
 *      made a connection and written a file before the timed job, as bench_curl.exe's process
 *      has with its warm-up request; `warmup` reports its seconds (Resume to TRANSFERRED).
 *   6. With --prime BYTES, bench_prime_file_cache() runs on <out> just before Resume, as
 *      bench_curl.exe runs it just before its interval (bench/README.md, "Conditions"); its
 *      time is printed as `prime`.
 *
 * Usage: bench_bits.exe --clsid bgcopy|platform --url URL --out WINDOWS_PATH
 *                       [--expect-size N] [--timeout SECONDS] [--poll-ms MS] [--fine-poll-ms MS]
 *                       [--callback] [--warmup-url URL] [--prime BYTES]
 *                       [--priority foreground|high|normal|low] [--server-exe NAME.exe]
 *                       [--server-cmdline TEXT]
 */
#define CONST_VTABLE /* interface vtables are const, as ours are */
#include "bench_util.h"

#include <objbase.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgcopy.h"

struct options {
    const CLSID *clsid;          /* class to activate */
    const char *name;            /* label printed as name= */
    const char *url;             /* remote URL */
    const char *out;             /* local Windows path (full path, as BITS requires) */
    const char *server_exe;      /* Windows: base name of the server processes */
    const char *server_cmdline;  /* Wine: text in the server processes' Unix command line */
    unsigned long long expect;   /* expected size; valid when have_expect */
    int have_expect;             /* --expect-size given */
    unsigned long long timeout;  /* seconds to wait for TRANSFERRED */
    unsigned long long poll_ms;  /* GetState period */
    unsigned long long fine_poll_ms; /* GetState period near the end; 0: always poll_ms */
    const char *warmup_url;      /* URL of the warm-up job, or NULL */
    unsigned long long prime;    /* bytes for bench_prime_file_cache(); 0: none */
    int callback;                /* register IBackgroundCopyCallback */
    BG_JOB_PRIORITY priority;    /* set before Resume */
};

/* ---- IBackgroundCopyCallback: wakes the waiting thread --------------------------------- */

struct bench_callback {
    IBackgroundCopyCallback IBackgroundCopyCallback_iface;
    LONG ref;                    /* COM reference count */
    HANDLE event;                /* auto-reset; signalled on JobTransferred and JobError */
    LONG transferred;            /* JobTransferred calls received */
    LONG errors;                 /* JobError calls received */
};

static struct bench_callback *impl_from_IBackgroundCopyCallback(IBackgroundCopyCallback *iface)
{
    return CONTAINING_RECORD(iface, struct bench_callback, IBackgroundCopyCallback_iface);
}

static HRESULT WINAPI BenchCallback_QueryInterface(IBackgroundCopyCallback *iface, REFIID riid, void **ppv)
{
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IBackgroundCopyCallback)) {
        *ppv = iface;
        IBackgroundCopyCallback_AddRef(iface);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI BenchCallback_AddRef(IBackgroundCopyCallback *iface)
{
    return InterlockedIncrement(&impl_from_IBackgroundCopyCallback(iface)->ref);
}

/* The object is a static of main(); the count only tracks holders, it never frees. */
static ULONG WINAPI BenchCallback_Release(IBackgroundCopyCallback *iface)
{
    return InterlockedDecrement(&impl_from_IBackgroundCopyCallback(iface)->ref);
}

static HRESULT WINAPI BenchCallback_JobTransferred(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job)
{
    struct bench_callback *cb = impl_from_IBackgroundCopyCallback(iface);

    (void)job;
    InterlockedIncrement(&cb->transferred);
    SetEvent(cb->event);
    return S_OK;
}

static HRESULT WINAPI BenchCallback_JobError(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job,
                                             IBackgroundCopyError *error)
{
    struct bench_callback *cb = impl_from_IBackgroundCopyCallback(iface);

    (void)job;
    (void)error;
    InterlockedIncrement(&cb->errors);
    SetEvent(cb->event);
    return S_OK;
}

static HRESULT WINAPI BenchCallback_JobModification(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job,
                                                    DWORD reserved)
{
    (void)iface;
    (void)job;
    (void)reserved;
    return S_OK;
}

static const IBackgroundCopyCallbackVtbl bench_callback_vtbl = {
    BenchCallback_QueryInterface,
    BenchCallback_AddRef,
    BenchCallback_Release,
    BenchCallback_JobTransferred,
    BenchCallback_JobError,
    BenchCallback_JobModification,
};

/* ---- helpers ---------------------------------------------------------------------------- */

static const char *state_name(BG_JOB_STATE state)
{
    static const char *const names[] = {"QUEUED", "CONNECTING", "TRANSFERRING", "SUSPENDED", "ERROR",
                                        "TRANSIENT_ERROR", "TRANSFERRED", "ACKNOWLEDGED", "CANCELLED"};

    return (unsigned)state < sizeof(names) / sizeof(names[0]) ? names[state] : "?";
}

/* Prints the job's current error (code, context, description) to stderr. */
static void report_job_error(IBackgroundCopyJob *job, const char *what)
{
    IBackgroundCopyError *error = NULL;
    BG_ERROR_CONTEXT context = BG_ERROR_CONTEXT_NONE;
    HRESULT code = S_OK, hr;
    LPWSTR text = NULL;

    hr = IBackgroundCopyJob_GetError(job, &error);
    if (FAILED(hr)) {
        fprintf(stderr, "bench_bits: %s; GetError failed: 0x%08lx\n", what, (unsigned long)hr);
        return;
    }
    IBackgroundCopyError_GetError(error, &context, &code);
    if (FAILED(IBackgroundCopyError_GetErrorDescription(error, MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT), &text)))
        text = NULL;
    fprintf(stderr, "bench_bits: %s: error 0x%08lx, context %d: %ls\n", what, (unsigned long)code, (int)context,
            text ? text : L"(no description)");
    CoTaskMemFree(text);
    IBackgroundCopyError_Release(error);
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_bits.exe --clsid bgcopy|platform --url URL --out WINDOWS_PATH\n"
                    "                      [--expect-size N] [--timeout SECONDS] [--poll-ms MS] [--fine-poll-ms MS]\n"
                    "                      [--callback] [--warmup-url URL] [--prime BYTES]\n"
                    "                      [--priority foreground|high|normal|low] [--server-exe NAME.exe]\n"
                    "                      [--server-cmdline TEXT]\n");
}

static int parse_options(int argc, char **argv, struct options *o)
{
    memset(o, 0, sizeof(*o));
    o->timeout = 600;
    o->poll_ms = 20;
    o->fine_poll_ms = 1;
    o->priority = BG_JOB_PRIORITY_FOREGROUND;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

        if (!strcmp(arg, "--callback")) {
            o->callback = 1;
            continue;
        }
        if (!val)
            return -1;
        i++;
        if (!strcmp(arg, "--clsid") && !strcmp(val, "bgcopy")) {
            o->clsid = &CLSID_BgCopyManager;
            o->name = "bgcopy";
            if (!o->server_exe)
                o->server_exe = "bgcopysvc.exe";
            if (!o->server_cmdline)
                o->server_cmdline = "bgcopysvc.exe";
        } else if (!strcmp(arg, "--clsid") && !strcmp(val, "platform")) {
            o->clsid = &CLSID_BackgroundCopyManager;
            o->name = "platform-bits";
            if (!o->server_exe)
                o->server_exe = "svchost.exe";
            if (!o->server_cmdline)
                o->server_cmdline = "svchost.exe -k netsvcs"; /* Wine's qmgr service host */
        } else if (!strcmp(arg, "--url"))
            o->url = val;
        else if (!strcmp(arg, "--out"))
            o->out = val;
        else if (!strcmp(arg, "--server-exe"))
            o->server_exe = val;
        else if (!strcmp(arg, "--server-cmdline"))
            o->server_cmdline = val;
        else if (!strcmp(arg, "--expect-size") && !bench_parse_u64(val, &o->expect))
            o->have_expect = 1;
        else if (!strcmp(arg, "--timeout") && !bench_parse_u64(val, &o->timeout) && o->timeout)
            continue;
        else if (!strcmp(arg, "--poll-ms") && !bench_parse_u64(val, &o->poll_ms) && o->poll_ms &&
                 o->poll_ms <= 10000)
            continue;
        else if (!strcmp(arg, "--fine-poll-ms") && !bench_parse_u64(val, &o->fine_poll_ms) &&
                 o->fine_poll_ms <= 10000)
            continue;
        else if (!strcmp(arg, "--warmup-url"))
            o->warmup_url = val;
        else if (!strcmp(arg, "--prime") && !bench_parse_u64(val, &o->prime))
            continue;
        else if (!strcmp(arg, "--priority") && !strcmp(val, "foreground"))
            o->priority = BG_JOB_PRIORITY_FOREGROUND;
        else if (!strcmp(arg, "--priority") && !strcmp(val, "high"))
            o->priority = BG_JOB_PRIORITY_HIGH;
        else if (!strcmp(arg, "--priority") && !strcmp(val, "normal"))
            o->priority = BG_JOB_PRIORITY_NORMAL;
        else if (!strcmp(arg, "--priority") && !strcmp(val, "low"))
            o->priority = BG_JOB_PRIORITY_LOW;
        else
            return -1;
    }
    return o->clsid && o->url && o->out ? 0 : -1;
}

/* ---- the measurement -------------------------------------------------------------------- */

/* CPU seconds used so far by the server processes (see invariant 2); *count as in
 * bench_named_process_cpu(). */
static double server_cpu(const struct options *o, const WCHAR *wserver, int *count)
{
    if (bench_under_wine())
        return bench_wine_unix_cpu(o->server_cmdline, count);
    return bench_named_process_cpu(wserver, count);
}

struct wait_stats {
    unsigned long polls;      /* GetState calls */
    unsigned long fine_polls; /* of which at --fine-poll-ms */
};

/* Waits until `job` (resumed at t0) is TRANSFERRED, polling as invariant 1 says; cb is the
 * callback to wake on, or NULL. Sets *t1 to the time the TRANSFERRED GetState returned.
 * Returns 0, or -1 after printing why (ERROR, an unexpected state, a failed call, timeout). */
static int wait_transferred(IBackgroundCopyJob *job, const struct options *o, struct bench_callback *cb,
                            double t0, double *t1, struct wait_stats *ws)
{
    BG_JOB_STATE state = BG_JOB_STATE_QUEUED;
    BG_JOB_PROGRESS progress;
    double deadline = t0 + (double)o->timeout, prev_t = t0, prev_bytes = 0.0, fine_since = 0.0;
    int fine = 0, fine_over = 0, transient_reported = 0;
    HRESULT hr;

    for (;;) {
        DWORD wait = (DWORD)(fine ? o->fine_poll_ms : o->poll_ms);

        if (cb)
            WaitForSingleObject(cb->event, wait);
        else
            Sleep(wait);
        hr = IBackgroundCopyJob_GetState(job, &state);
        *t1 = bench_now();
        ws->polls++;
        ws->fine_polls += fine;
        if (FAILED(hr)) {
            fprintf(stderr, "bench_bits: GetState failed: 0x%08lx\n", (unsigned long)hr);
            return -1;
        }
        if (state == BG_JOB_STATE_TRANSFERRED)
            return 0;
        if (state == BG_JOB_STATE_ERROR) {
            report_job_error(job, "the job is in ERROR");
            return -1;
        }
        if (state == BG_JOB_STATE_TRANSIENT_ERROR && !transient_reported) {
            report_job_error(job, "the job is in TRANSIENT_ERROR (still waiting)");
            transient_reported = 1;
        }
        if (state == BG_JOB_STATE_SUSPENDED || state == BG_JOB_STATE_ACKNOWLEDGED ||
            state == BG_JOB_STATE_CANCELLED) {
            fprintf(stderr, "bench_bits: unexpected state %s\n", state_name(state));
            return -1;
        }
        if (*t1 > deadline) {
            fprintf(stderr, "bench_bits: no TRANSFERRED after %llu s (state %s)\n", o->timeout, state_name(state));
            return -1;
        }
        /* Invariant 1: poll finely once the rest is due within two coarse polls, for at most
         * three coarse polls' time (Wine's qmgr shows all bytes in for ~0.2 s before
         * TRANSFERRED; polling it every millisecond meanwhile would only load it). The size
         * is the job's, else --expect-size (qmgr reports BytesTotal only at the end). */
        if (fine && *t1 - fine_since > 3.0 * (double)o->poll_ms / 1000.0) {
            fine = 0;
            fine_over = 1;
        }
        if (!fine && !fine_over && o->fine_poll_ms && o->fine_poll_ms < o->poll_ms &&
            SUCCEEDED(IBackgroundCopyJob_GetProgress(job, &progress)) &&
            (progress.BytesTotal != BG_SIZE_UNKNOWN || o->have_expect)) {
            double done = (double)progress.BytesTransferred;
            double total = progress.BytesTotal != BG_SIZE_UNKNOWN ? (double)progress.BytesTotal : (double)o->expect;
            double rate = *t1 > prev_t ? (done - prev_bytes) / (*t1 - prev_t) : 0.0;

            if (done >= total || (rate > 0.0 && (total - done) / rate <= 2.0 * (double)o->poll_ms / 1000.0)) {
                fine = 1;
                fine_since = *t1;
            }
            prev_t = *t1;
            prev_bytes = done;
        }
    }
}

/* Invariant 5: one small job, waited for and completed, before the timed one. Sets *seconds
 * (Resume to TRANSFERRED). Returns 0, or -1 after printing why. */
static int warm_up(IBackgroundCopyManager *manager, const struct options *o, double *seconds)
{
    IBackgroundCopyJob *job = NULL;
    WCHAR *wurl = bench_widen(o->warmup_url), *wout = NULL;
    char *out = malloc(strlen(o->out) + sizeof(".warmup"));
    struct wait_stats ws = {0, 0};
    double t0, t1 = 0.0;
    GUID id;
    HRESULT hr = E_OUTOFMEMORY;
    int rc = -1;

    if (out) {
        strcpy(out, o->out);
        strcat(out, ".warmup");
        wout = bench_widen(out);
    }
    if (!wurl || !wout || bench_delete_file(wout)) {
        fprintf(stderr, "bench_bits: warm-up: out of memory or cannot delete %s.warmup\n", o->out);
        goto done;
    }
    hr = IBackgroundCopyManager_CreateJob(manager, L"bgcopy bench warm-up", BG_JOB_TYPE_DOWNLOAD, &id, &job);
    if (SUCCEEDED(hr))
        IBackgroundCopyJob_SetPriority(job, o->priority);
    if (SUCCEEDED(hr))
        hr = IBackgroundCopyJob_AddFile(job, wurl, wout);
    t0 = bench_now();
    if (SUCCEEDED(hr))
        hr = IBackgroundCopyJob_Resume(job);
    if (FAILED(hr)) {
        fprintf(stderr, "bench_bits: warm-up job (%s) failed: 0x%08lx\n", o->warmup_url, (unsigned long)hr);
    } else if (!wait_transferred(job, o, NULL, t0, &t1, &ws)) {
        hr = IBackgroundCopyJob_Complete(job);
        if (hr == S_OK) {
            *seconds = t1 - t0;
            rc = 0;
        } else {
            fprintf(stderr, "bench_bits: warm-up Complete returned 0x%08lx\n", (unsigned long)hr);
        }
    }
    if (rc && job)
        IBackgroundCopyJob_Cancel(job);
    if (job)
        IBackgroundCopyJob_Release(job);
    bench_delete_file(wout);
done:
    free(wurl);
    free(wout);
    free(out);
    return rc;
}

int main(int argc, char **argv)
{
    static struct bench_callback callback = {{&bench_callback_vtbl}, 1, NULL, 0, 0};
    struct options o;
    IBackgroundCopyManager *manager = NULL;
    IBackgroundCopyJob *job = NULL;
    WCHAR *wurl = NULL, *wout = NULL, *wserver = NULL;
    BG_JOB_PROGRESS progress;
    GUID job_id;
    HRESULT hr;
    int rc = 1, server_procs0 = 0, server_procs1 = 0, ws_procs = 0;
    struct wait_stats waits = {0, 0};
    unsigned long long on_disk = 0;
    double t_act0, t_act1, t0, t1 = 0, t_done, cpu0, cpu1, srv0, srv1, ws0, ws1, warmup = 0.0, primed = 0.0;

    if (parse_options(argc, argv, &o)) {
        usage();
        return 2;
    }
    wurl = bench_widen(o.url);
    wout = bench_widen(o.out);
    wserver = bench_widen(o.server_exe);
    if (!wurl || !wout || !wserver) {
        fprintf(stderr, "bench_bits: out of memory\n");
        return 1;
    }
    if (bench_delete_file(wout)) {
        fprintf(stderr, "bench_bits: cannot delete the old %s (error %lu)\n", o.out, GetLastError());
        return 1;
    }

    hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (FAILED(hr)) {
        fprintf(stderr, "bench_bits: CoInitializeEx failed: 0x%08lx\n", (unsigned long)hr);
        return 1;
    }
    /* As Microsoft's BITS samples do: callbacks from the service need identify/impersonate. */
    CoInitializeSecurity(NULL, -1, NULL, NULL, RPC_C_AUTHN_LEVEL_CONNECT, RPC_C_IMP_LEVEL_IMPERSONATE, NULL,
                         EOAC_NONE, NULL);

    t_act0 = bench_now();
    hr = CoCreateInstance(o.clsid, NULL, CLSCTX_LOCAL_SERVER, &IID_IBackgroundCopyManager, (void **)&manager);
    t_act1 = bench_now();
    if (FAILED(hr)) {
        fprintf(stderr, "bench_bits: CoCreateInstance(%s) failed: 0x%08lx\n", o.name, (unsigned long)hr);
        goto done;
    }
    if (o.warmup_url && warm_up(manager, &o, &warmup))
        goto done;
    hr = IBackgroundCopyManager_CreateJob(manager, L"bgcopy bench", BG_JOB_TYPE_DOWNLOAD, &job_id, &job);
    if (FAILED(hr)) {
        fprintf(stderr, "bench_bits: CreateJob failed: 0x%08lx\n", (unsigned long)hr);
        goto done;
    }
    hr = IBackgroundCopyJob_SetPriority(job, o.priority);
    if (FAILED(hr))
        fprintf(stderr, "bench_bits: SetPriority failed: 0x%08lx (continuing)\n", (unsigned long)hr);
    hr = IBackgroundCopyJob_AddFile(job, wurl, wout);
    if (FAILED(hr)) {
        fprintf(stderr, "bench_bits: AddFile(%s, %s) failed: 0x%08lx\n", o.url, o.out, (unsigned long)hr);
        goto cancel;
    }
    if (o.callback) {
        callback.event = CreateEventW(NULL, FALSE, FALSE, NULL);
        hr = callback.event ? IBackgroundCopyJob_SetNotifyFlags(job, BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR)
                            : E_OUTOFMEMORY;
        if (SUCCEEDED(hr))
            hr = IBackgroundCopyJob_SetNotifyInterface(job, (IUnknown *)&callback.IBackgroundCopyCallback_iface);
        if (FAILED(hr)) {
            fprintf(stderr, "bench_bits: registering the callback failed: 0x%08lx\n", (unsigned long)hr);
            goto cancel;
        }
    }

    if (o.prime && (primed = bench_prime_file_cache(wout, o.prime)) < 0.0) {
        fprintf(stderr, "bench_bits: cannot write the scratch file %s.prime (error %lu)\n", o.out, GetLastError());
        goto cancel;
    }
    srv0 = server_cpu(&o, wserver, &server_procs0);
    ws0 = bench_wine_unix_cpu("wineserver", &ws_procs);
    cpu0 = bench_process_cpu(GetCurrentProcess());
    t0 = bench_now();
    hr = IBackgroundCopyJob_Resume(job);
    if (FAILED(hr)) {
        fprintf(stderr, "bench_bits: Resume failed: 0x%08lx\n", (unsigned long)hr);
        goto cancel;
    }
    if (wait_transferred(job, &o, o.callback ? &callback : NULL, t0, &t1, &waits))
        goto cancel;
    cpu1 = bench_process_cpu(GetCurrentProcess());
    srv1 = server_cpu(&o, wserver, &server_procs1);
    ws1 = bench_wine_unix_cpu("wineserver", &ws_procs);

    hr = IBackgroundCopyJob_GetProgress(job, &progress);
    if (FAILED(hr)) {
        fprintf(stderr, "bench_bits: GetProgress failed: 0x%08lx\n", (unsigned long)hr);
        goto cancel;
    }
    hr = IBackgroundCopyJob_Complete(job);
    t_done = bench_now();
    if (FAILED(hr) || hr != S_OK) {
        fprintf(stderr, "bench_bits: Complete returned 0x%08lx\n", (unsigned long)hr);
        goto cancel;
    }
    if (bench_file_size(wout, &on_disk)) {
        fprintf(stderr, "bench_bits: %s missing after Complete (error %lu)\n", o.out, GetLastError());
        goto done;
    }
    if (on_disk != progress.BytesTransferred || (o.have_expect && on_disk != o.expect)) {
        fprintf(stderr, "bench_bits: %s holds %llu bytes; the job reported %llu, expected %llu\n", o.out, on_disk,
                (unsigned long long)progress.BytesTransferred, o.have_expect ? o.expect : on_disk);
        goto done;
    }
    printf("RESULT name=%s bytes=%llu seconds=%.6f cpu=%.6f activation=%.6f complete=%.6f server_cpu=%.6f "
           "server_procs=%d wineserver_cpu=%.6f polls=%lu fine_polls=%lu warmup=%.6f prime=%.6f\n",
           o.name, on_disk, t1 - t0, cpu1 - cpu0, t_act1 - t_act0, t_done - t1,
           server_procs1 ? srv1 - srv0 : 0.0, server_procs1, ws_procs ? ws1 - ws0 : 0.0, waits.polls,
           waits.fine_polls, warmup, primed);
    if (server_procs0 != server_procs1)
        fprintf(stderr, "bench_bits: note: %d %s processes before Resume, %d after; server_cpu is approximate\n",
                server_procs0, o.server_exe, server_procs1);
    if (o.callback)
        printf("CALLBACK transferred=%ld errors=%ld\n", callback.transferred, callback.errors);
    rc = 0;
    goto done;

cancel:
    hr = IBackgroundCopyJob_Cancel(job);
    if (FAILED(hr))
        fprintf(stderr, "bench_bits: Cancel failed: 0x%08lx\n", (unsigned long)hr);
done:
    if (job)
        IBackgroundCopyJob_Release(job);
    if (manager)
        IBackgroundCopyManager_Release(manager);
    CoUninitialize();
    if (callback.event)
        CloseHandle(callback.event);
    free(wurl);
    free(wout);
    free(wserver);
    fflush(stdout);
    return rc;
}
