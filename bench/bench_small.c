/*
 * bench_small.c: many small download jobs through the standard BITS API (our widl header
 * bgcopy.h), so the same program measures bgcopy and the platform's BITS; the CLSID is the only
 * difference (--clsid bgcopy|platform, as bench_bits.c).
 *
 * --jobs J jobs of --files F files of --size S bytes each; file k of job j is
 * <base-url>/gen/<S>/s<j>-<k>?seed=<seed-base + j*F + k> (distinct seeds) written to
 * <dir>\s<j>-<k>.bin. Phases, each timed:
 *   create:   per job CreateJob, SetPriority (--priority, default foreground), one AddFileSet of
 *             its F files, and (default) SetNotifyFlags + SetNotifyInterface (callback);
 *   transfer: Resume of every job, then waiting until every job is TRANSFERRED;
 *   complete: Complete of every job.
 * It prints one line
 *   RESULT name=N jobs=J files=J*F bytes=B seconds=<create..all completed> create=C
 *          transfer=T complete=K cpu=<client, whole> transfer_cpu=<client, transfer phase>
 *          server_cpu=.. transfer_server_cpu=.. wineserver_cpu=.. callbacks=.. sweeps=.. polls=..
 *          activation=A us_create_job=.. us_set_priority=.. us_add_file_set=.. us_set_notify_flags=..
 *          us_set_notify_interface=.. us_resume=.. us_complete=.. us_floor=..
 * (us_*: mean microseconds the client waited in one call of that method; us_floor: one GetState
 * of a completed job, measured 1000 times after the timed phases: the cost of a cross-process
 * call to that server that does no work)
 *
 * Invariants:
 *   1. Waiting: with callbacks (default) the client sleeps until JobTransferred has been
 *      received J times (or a JobError, or --sweep-ms passes), then confirms with GetState on
 *      every job not yet seen TRANSFERRED (a "sweep"); the transfer phase ends at the sweep that
 *      finds the last job TRANSFERRED. With --poll, or when the server refuses the callback,
 *      it sweeps every --poll-ms instead. So the end is always confirmed by GetState.
 *   2. RESULT is printed only when every job reached TRANSFERRED, every Complete returned S_OK
 *      and every file on disk has --size bytes and exactly the generator's content
 *      (bgc_testdata_check over the whole file: stronger than a SHA-256 of a sample). Any
 *      failure cancels every job not yet completed and exits 1; files are deleted at exit
 *      unless --keep.
 *   3. CPU: client = this process (GetProcessTimes); server / wineserver = the prefix's Unix
 *      processes, from /proc (bench_wine_unix_cpu), as bench_bits.c measures them.
 *
 * Usage: bench_small.exe --clsid bgcopy|platform --base-url http://127.0.0.1:PORT --dir WINDOWS_DIR
 *                        [--jobs 200] [--files 5] [--size 65536] [--seed-base 1000]
 *                        [--priority foreground|normal] [--timeout 300] [--poll] [--poll-ms 20]
 *                        [--sweep-ms 1000] [--keep] [--warmup-url URL]
 *
 * With --cancel-all (and only --clsid), it cancels every job of the caller (EnumJobs(0)) and
 * exits: run-small.sh's cleanup after a killed run, whose jobs would otherwise count against
 * bgcopy's MaxJobsPerUser in the next run. Prints "CANCELLED n=N".
 *
 * With --warmup-url, one job of that one file (written to <dir>\\warmup.bin, waited for by
 * polling, completed, deleted) runs before the timed phases, so the server has made a
 * connection and written a file, as bench_small_curl.exe's process has with its warm-up request.
 */
#define CONST_VTABLE
#include "bench_util.h"

#include <objbase.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgcopy.h"
#include "testdata.h"

struct options {
    const CLSID *clsid;
    const char *name;
    const char *server_cmdline;
    const char *server_exe;
    const char *base_url;
    const char *dir;
    const char *warmup_url;
    unsigned long long jobs, files, size, seed_base, timeout, poll_ms, sweep_ms;
    int poll, keep, cancel_all;
    BG_JOB_PRIORITY priority;
};

/* ---- callback: counts JobTransferred / JobError, wakes the main thread ------------------ */

struct small_callback {
    IBackgroundCopyCallback iface;
    LONG ref;
    HANDLE event;      /* auto-reset; set when transferred reaches target, or on an error */
    LONG transferred;  /* JobTransferred calls */
    LONG errors;       /* JobError calls */
    LONG target;       /* number of jobs */
};

static struct small_callback *cb_impl(IBackgroundCopyCallback *iface)
{
    return CONTAINING_RECORD(iface, struct small_callback, iface);
}

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
    return InterlockedIncrement(&cb_impl(iface)->ref);
}

/* A static of main(): the count only tracks holders. */
static ULONG WINAPI Cb_Release(IBackgroundCopyCallback *iface)
{
    return InterlockedDecrement(&cb_impl(iface)->ref);
}

static HRESULT WINAPI Cb_JobTransferred(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job)
{
    struct small_callback *cb = cb_impl(iface);

    (void)job;
    if (InterlockedIncrement(&cb->transferred) >= cb->target)
        SetEvent(cb->event);
    return S_OK;
}

static HRESULT WINAPI Cb_JobError(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job, IBackgroundCopyError *e)
{
    struct small_callback *cb = cb_impl(iface);

    (void)job;
    (void)e;
    InterlockedIncrement(&cb->errors);
    SetEvent(cb->event);
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

/* ---- options ------------------------------------------------------------------------------ */

static void usage(void)
{
    fprintf(stderr, "usage: bench_small.exe --clsid bgcopy|platform --base-url http://127.0.0.1:PORT --dir WINDOWS_DIR\n"
                    "                       [--jobs 200] [--files 5] [--size 65536] [--seed-base 1000]\n"
                    "                       [--priority foreground|normal] [--timeout 300] [--poll] [--poll-ms 20]\n"
                    "                       [--sweep-ms 1000] [--keep] [--warmup-url URL]\n"
                    "       bench_small.exe --clsid bgcopy|platform --cancel-all\n");
}

static int parse_options(int argc, char **argv, struct options *o)
{
    memset(o, 0, sizeof(*o));
    o->jobs = 200;
    o->files = 5;
    o->size = 65536;
    o->seed_base = 1000;
    o->timeout = 300;
    o->poll_ms = 20;
    o->sweep_ms = 1000;
    o->priority = BG_JOB_PRIORITY_FOREGROUND;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

        if (!strcmp(arg, "--poll")) {
            o->poll = 1;
            continue;
        }
        if (!strcmp(arg, "--cancel-all")) {
            o->cancel_all = 1;
            continue;
        }
        if (!strcmp(arg, "--keep")) {
            o->keep = 1;
            continue;
        }
        if (!val)
            return -1;
        i++;
        if (!strcmp(arg, "--clsid") && !strcmp(val, "bgcopy")) {
            o->clsid = &CLSID_BgCopyManager;
            o->name = "bgcopy";
            o->server_cmdline = "bgcopysvc.exe";
            o->server_exe = "bgcopysvc.exe";
        } else if (!strcmp(arg, "--clsid") && !strcmp(val, "platform")) {
            o->clsid = &CLSID_BackgroundCopyManager;
            o->name = "platform-bits";
            o->server_cmdline = "svchost.exe -k netsvcs";
            o->server_exe = "svchost.exe";
        } else if (!strcmp(arg, "--base-url"))
            o->base_url = val;
        else if (!strcmp(arg, "--dir"))
            o->dir = val;
        else if (!strcmp(arg, "--warmup-url"))
            o->warmup_url = val;
        else if (!strcmp(arg, "--jobs") && !bench_parse_u64(val, &o->jobs) && o->jobs && o->jobs <= 100000)
            continue;
        else if (!strcmp(arg, "--files") && !bench_parse_u64(val, &o->files) && o->files && o->files <= 1000)
            continue;
        else if (!strcmp(arg, "--size") && !bench_parse_u64(val, &o->size) && o->size <= (1ull << 30))
            continue;
        else if (!strcmp(arg, "--seed-base") && !bench_parse_u64(val, &o->seed_base))
            continue;
        else if (!strcmp(arg, "--timeout") && !bench_parse_u64(val, &o->timeout) && o->timeout)
            continue;
        else if (!strcmp(arg, "--poll-ms") && !bench_parse_u64(val, &o->poll_ms) && o->poll_ms <= 10000)
            continue;
        else if (!strcmp(arg, "--sweep-ms") && !bench_parse_u64(val, &o->sweep_ms) && o->sweep_ms &&
                 o->sweep_ms <= 60000)
            continue;
        else if (!strcmp(arg, "--priority") && !strcmp(val, "foreground"))
            o->priority = BG_JOB_PRIORITY_FOREGROUND;
        else if (!strcmp(arg, "--priority") && !strcmp(val, "normal"))
            o->priority = BG_JOB_PRIORITY_NORMAL;
        else
            return -1;
    }
    return o->clsid && ((o->base_url && o->dir) || o->cancel_all) ? 0 : -1;
}

/* ---- helpers ------------------------------------------------------------------------------- */

static double server_cpu(const struct options *o)
{
    int n = 0;
    double v;

    if (bench_under_wine()) {
        v = bench_wine_unix_cpu(o->server_cmdline, &n);
    } else {
        WCHAR *w = bench_widen(o->server_exe);
        v = w ? bench_named_process_cpu(w, &n) : 0.0;
        free(w);
    }
    return n ? v : 0.0;
}

static double wineserver_cpu(void)
{
    int n = 0;
    double v = bench_wine_unix_cpu("wineserver", &n);

    return n ? v : 0.0;
}

/* Paths and seeds of file k of job j (invariant: distinct seeds). */
static unsigned long long file_seed(const struct options *o, unsigned long long j, unsigned long long k)
{
    return o->seed_base + j * o->files + k;
}

static WCHAR *file_url(const struct options *o, unsigned long long j, unsigned long long k)
{
    char buf[512];

    snprintf(buf, sizeof(buf), "%s/gen/%llu/s%llu-%llu?seed=%llu", o->base_url, o->size, j, k, file_seed(o, j, k));
    return bench_widen(buf);
}

static WCHAR *file_path(const struct options *o, unsigned long long j, unsigned long long k)
{
    char buf[512];

    snprintf(buf, sizeof(buf), "%s\\s%llu-%llu.bin", o->dir, j, k);
    return bench_widen(buf);
}

/* Invariant 2: size and content of one file. Returns 0 when right. */
static int check_file(const struct options *o, unsigned long long j, unsigned long long k, unsigned char *buf)
{
    WCHAR *path = file_path(o, j, k);
    HANDLE h;
    DWORD got = 0;
    LARGE_INTEGER sz;
    int rc = -1;

    if (!path)
        return -1;
    h = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        fprintf(stderr, "bench_small: s%llu-%llu.bin missing (error %lu)\n", j, k, GetLastError());
    } else {
        if (!GetFileSizeEx(h, &sz) || (unsigned long long)sz.QuadPart != o->size)
            fprintf(stderr, "bench_small: s%llu-%llu.bin has %lld bytes, expected %llu\n", j, k,
                    (long long)sz.QuadPart, o->size);
        else if (o->size && (!ReadFile(h, buf, (DWORD)o->size, &got, NULL) || got != o->size))
            fprintf(stderr, "bench_small: reading s%llu-%llu.bin failed\n", j, k);
        else if (o->size && !bgc_testdata_check(file_seed(o, j, k), 0, buf, (size_t)o->size))
            fprintf(stderr, "bench_small: s%llu-%llu.bin content differs from seed %llu\n", j, k, file_seed(o, j, k));
        else
            rc = 0;
        CloseHandle(h);
    }
    free(path);
    return rc;
}

static void delete_files(const struct options *o)
{
    if (!o->dir) /* --cancel-all */
        return;
    for (unsigned long long j = 0; j < o->jobs; j++)
        for (unsigned long long k = 0; k < o->files; k++) {
            WCHAR *p = file_path(o, j, k);
            if (p)
                bench_delete_file(p);
            free(p);
        }
}

/* One GetState sweep over the jobs not yet seen TRANSFERRED. Returns the number still
 * pending, or -1 after printing why (ERROR / unexpected state / failed call). */
static long sweep(IBackgroundCopyJob **jobs, unsigned char *done, unsigned long long n, unsigned long *polls)
{
    long pending = 0;

    for (unsigned long long j = 0; j < n; j++) {
        BG_JOB_STATE st;
        HRESULT hr;

        if (done[j])
            continue;
        hr = IBackgroundCopyJob_GetState(jobs[j], &st);
        (*polls)++;
        if (FAILED(hr)) {
            fprintf(stderr, "bench_small: GetState(job %llu) failed: 0x%08lx\n", j, (unsigned long)hr);
            return -1;
        }
        if (st == BG_JOB_STATE_TRANSFERRED) {
            done[j] = 1;
        } else if (st == BG_JOB_STATE_ERROR || st == BG_JOB_STATE_SUSPENDED || st == BG_JOB_STATE_CANCELLED ||
                   st == BG_JOB_STATE_ACKNOWLEDGED) {
            fprintf(stderr, "bench_small: job %llu in state %d\n", j, (int)st);
            return -1;
        } else {
            pending++;
        }
    }
    return pending;
}

/* One warm-up job (see the header). Returns 0, or -1 after printing why. */
static int warm_up(IBackgroundCopyManager *manager, const struct options *o)
{
    IBackgroundCopyJob *job = NULL;
    char path[512];
    WCHAR *wurl = bench_widen(o->warmup_url), *wout;
    BG_JOB_STATE st = BG_JOB_STATE_QUEUED;
    double t0 = bench_now();
    GUID id;
    HRESULT hr;
    int rc = -1;

    snprintf(path, sizeof(path), "%s\\warmup.bin", o->dir);
    wout = bench_widen(path);
    if (!wurl || !wout) {
        free(wurl);
        free(wout);
        return -1;
    }
    bench_delete_file(wout);
    hr = IBackgroundCopyManager_CreateJob(manager, L"bgcopy bench small warm-up", BG_JOB_TYPE_DOWNLOAD, &id, &job);
    if (SUCCEEDED(hr))
        hr = IBackgroundCopyJob_SetPriority(job, o->priority);
    if (SUCCEEDED(hr))
        hr = IBackgroundCopyJob_AddFile(job, wurl, wout);
    if (SUCCEEDED(hr))
        hr = IBackgroundCopyJob_Resume(job);
    while (SUCCEEDED(hr) && SUCCEEDED(hr = IBackgroundCopyJob_GetState(job, &st)) &&
           st != BG_JOB_STATE_TRANSFERRED && st != BG_JOB_STATE_ERROR && bench_now() - t0 < 60.0)
        Sleep(10);
    if (SUCCEEDED(hr) && st == BG_JOB_STATE_TRANSFERRED && IBackgroundCopyJob_Complete(job) == S_OK)
        rc = 0;
    else
        fprintf(stderr, "bench_small: warm-up job failed (0x%08lx, state %d)\n", (unsigned long)hr, (int)st);
    if (rc && job)
        IBackgroundCopyJob_Cancel(job);
    if (job)
        IBackgroundCopyJob_Release(job);
    bench_delete_file(wout);
    free(wurl);
    free(wout);
    return rc;
}

/* Cleanup watchdog: ends the process with the result's exit code if releasing the COM objects
 * takes longer than 15 s (seen with bgcopy under Wine after a callback call failed). */
static volatile LONG exit_code = 1;

static DWORD WINAPI watchdog(void *arg)
{
    (void)arg;
    Sleep(15000);
    fprintf(stderr, "bench_small: note: releasing the jobs / CoUninitialize did not return within 15 s; exiting\n");
    fflush(stderr);
    ExitProcess((UINT)exit_code);
    return 0;
}

#define FLOOR_CALLS 1000
#define US(total) ((total) * 1e6 / (double)o.jobs)

int main(int argc, char **argv)
{
    static struct small_callback cb = {{&cb_vtbl}, 1, NULL, 0, 0, 0};
    struct options o;
    IBackgroundCopyManager *manager = NULL;
    IBackgroundCopyJob **jobs = NULL;
    unsigned char *done = NULL, *completed = NULL, *buf = NULL;
    BG_FILE_INFO *set = NULL;
    unsigned long polls = 0, sweeps = 0;
    int use_cb, rc = 1;
    HRESULT hr;
    double t_act0, t_act1, t0 = 0, t1 = 0, t2 = 0, t3 = 0, cpu0 = 0, cpu1 = 0, cpu2 = 0, cpu3 = 0;
    /* seconds spent in each method over the run (the us_* fields: mean microseconds per call) */
    struct {
        double create_job, set_priority, add_file_set, set_notify_flags, set_notify_interface, resume, complete;
    } calls;
    double tc, floor_s = 0;
    BG_JOB_STATE floor_state;
    double srv0 = 0, srv1 = 0, srv2 = 0, srv3 = 0, ws0 = 0, ws3 = 0;

    if (parse_options(argc, argv, &o)) {
        usage();
        return 2;
    }
    use_cb = !o.poll;
    jobs = calloc(o.jobs, sizeof(*jobs));
    done = calloc(o.jobs, 1);
    completed = calloc(o.jobs, 1);
    set = calloc(o.files, sizeof(*set));
    buf = malloc(o.size ? o.size : 1);
    cb.event = CreateEventW(NULL, FALSE, FALSE, NULL);
    cb.target = (LONG)o.jobs;
    if (!jobs || !done || !completed || !set || !buf || !cb.event) {
        fprintf(stderr, "bench_small: out of memory\n");
        return 1;
    }
    delete_files(&o);

    hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (FAILED(hr)) {
        fprintf(stderr, "bench_small: CoInitializeEx failed: 0x%08lx\n", (unsigned long)hr);
        return 1;
    }
    CoInitializeSecurity(NULL, -1, NULL, NULL, RPC_C_AUTHN_LEVEL_CONNECT, RPC_C_IMP_LEVEL_IMPERSONATE, NULL,
                         EOAC_NONE, NULL);
    t_act0 = bench_now();
    hr = CoCreateInstance(o.clsid, NULL, CLSCTX_LOCAL_SERVER, &IID_IBackgroundCopyManager, (void **)&manager);
    t_act1 = bench_now();
    if (FAILED(hr)) {
        fprintf(stderr, "bench_small: CoCreateInstance(%s) failed: 0x%08lx\n", o.name, (unsigned long)hr);
        goto out;
    }
    if (o.cancel_all) {
        IEnumBackgroundCopyJobs *e = NULL;
        IBackgroundCopyJob *job = NULL;
        unsigned long n = 0;

        hr = IBackgroundCopyManager_EnumJobs(manager, 0, &e);
        if (FAILED(hr)) {
            fprintf(stderr, "bench_small: EnumJobs failed: 0x%08lx\n", (unsigned long)hr);
            goto out;
        }
        while (IEnumBackgroundCopyJobs_Next(e, 1, &job, NULL) == S_OK) {
            if (SUCCEEDED(IBackgroundCopyJob_Cancel(job)))
                n++;
            IBackgroundCopyJob_Release(job);
        }
        IEnumBackgroundCopyJobs_Release(e);
        printf("CANCELLED n=%lu\n", n);
        rc = 0;
        goto out;
    }
    if (o.warmup_url && warm_up(manager, &o))
        goto out;

    /* ---- create ---- */
    memset(&calls, 0, sizeof(calls));
    srv0 = server_cpu(&o);
    ws0 = wineserver_cpu();
    cpu0 = bench_process_cpu(GetCurrentProcess());
    t0 = bench_now();
    for (unsigned long long j = 0; j < o.jobs; j++) {
        GUID id;

        tc = bench_now();
        hr = IBackgroundCopyManager_CreateJob(manager, L"bgcopy bench small", BG_JOB_TYPE_DOWNLOAD, &id, &jobs[j]);
        calls.create_job += bench_now() - tc;
        if (FAILED(hr)) {
            jobs[j] = NULL;
            fprintf(stderr, "bench_small: CreateJob %llu failed: 0x%08lx\n", j, (unsigned long)hr);
            goto cancel;
        }
        tc = bench_now();
        hr = IBackgroundCopyJob_SetPriority(jobs[j], o.priority);
        calls.set_priority += bench_now() - tc;
        if (FAILED(hr)) {
            fprintf(stderr, "bench_small: SetPriority failed: 0x%08lx\n", (unsigned long)hr);
            goto cancel;
        }
        for (unsigned long long k = 0; k < o.files; k++) {
            set[k].RemoteName = file_url(&o, j, k);
            set[k].LocalName = file_path(&o, j, k);
        }
        tc = bench_now();
        hr = IBackgroundCopyJob_AddFileSet(jobs[j], (ULONG)o.files, set);
        calls.add_file_set += bench_now() - tc;
        for (unsigned long long k = 0; k < o.files; k++) {
            free(set[k].RemoteName);
            free(set[k].LocalName);
        }
        if (FAILED(hr)) {
            fprintf(stderr, "bench_small: AddFileSet(job %llu) failed: 0x%08lx\n", j, (unsigned long)hr);
            goto cancel;
        }
        if (use_cb) {
            tc = bench_now();
            hr = IBackgroundCopyJob_SetNotifyFlags(jobs[j], BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR);
            calls.set_notify_flags += bench_now() - tc;
            if (SUCCEEDED(hr)) {
                tc = bench_now();
                hr = IBackgroundCopyJob_SetNotifyInterface(jobs[j], (IUnknown *)&cb.iface);
                calls.set_notify_interface += bench_now() - tc;
            }
            if (FAILED(hr)) {
                fprintf(stderr, "bench_small: callback refused (0x%08lx): polling instead\n", (unsigned long)hr);
                use_cb = 0;
            }
        }
    }

    /* ---- transfer ---- */
    srv1 = server_cpu(&o);
    cpu1 = bench_process_cpu(GetCurrentProcess());
    t1 = bench_now();
    for (unsigned long long j = 0; j < o.jobs; j++) {
        tc = bench_now();
        hr = IBackgroundCopyJob_Resume(jobs[j]);
        calls.resume += bench_now() - tc;
        if (FAILED(hr)) {
            fprintf(stderr, "bench_small: Resume(job %llu) failed: 0x%08lx\n", j, (unsigned long)hr);
            goto cancel;
        }
    }
    for (;;) {
        long pending;

        if (use_cb) {
            WaitForSingleObject(cb.event, (DWORD)o.sweep_ms);
            if (cb.errors) {
                fprintf(stderr, "bench_small: JobError received\n");
                sweep(jobs, done, o.jobs, &polls);
                goto cancel;
            }
            if (cb.transferred < cb.target && bench_now() - t1 < (double)o.sweep_ms / 1000.0)
                continue;
        } else {
            Sleep((DWORD)o.poll_ms);
        }
        pending = sweep(jobs, done, o.jobs, &polls);
        sweeps++;
        t2 = bench_now();
        if (pending < 0)
            goto cancel;
        if (pending == 0)
            break;
        if (t2 - t1 > (double)o.timeout) {
            fprintf(stderr, "bench_small: %ld of %llu jobs not TRANSFERRED after %llu s\n", pending, o.jobs,
                    o.timeout);
            goto cancel;
        }
    }
    cpu2 = bench_process_cpu(GetCurrentProcess());
    srv2 = server_cpu(&o);

    /* ---- complete ---- */
    for (unsigned long long j = 0; j < o.jobs; j++) {
        tc = bench_now();
        hr = IBackgroundCopyJob_Complete(jobs[j]);
        calls.complete += bench_now() - tc;
        if (hr != S_OK) {
            fprintf(stderr, "bench_small: Complete(job %llu) returned 0x%08lx\n", j, (unsigned long)hr);
            goto cancel;
        }
        completed[j] = 1;
    }
    t3 = bench_now();
    cpu3 = bench_process_cpu(GetCurrentProcess());
    srv3 = server_cpu(&o);
    ws3 = wineserver_cpu();

    /* The per-call floor of this server: GetState of a completed job (no work, no store
     * write) FLOOR_CALLS times, outside every timed phase. */
    tc = bench_now();
    for (int i = 0; i < FLOOR_CALLS; i++)
        IBackgroundCopyJob_GetState(jobs[0], &floor_state);
    floor_s = (bench_now() - tc) / FLOOR_CALLS;
    for (unsigned long long j = 0; j < o.jobs; j++)
        for (unsigned long long k = 0; k < o.files; k++)
            if (check_file(&o, j, k, buf))
                goto out;
    printf("RESULT name=%s jobs=%llu files=%llu bytes=%llu seconds=%.6f create=%.6f transfer=%.6f complete=%.6f "
           "cpu=%.6f transfer_cpu=%.6f server_cpu=%.6f transfer_server_cpu=%.6f wineserver_cpu=%.6f "
           "callbacks=%ld sweeps=%lu polls=%lu activation=%.6f priority=%s api=AddFileSet wait=%s "
           "us_create_job=%.1f us_set_priority=%.1f us_add_file_set=%.1f us_set_notify_flags=%.1f "
           "us_set_notify_interface=%.1f us_resume=%.1f us_complete=%.1f us_floor=%.1f\n",
           o.name, o.jobs, o.jobs * o.files, o.jobs * o.files * o.size, t3 - t0, t1 - t0, t2 - t1, t3 - t2,
           cpu3 - cpu0, cpu2 - cpu1, srv3 - srv0, srv2 - srv1, ws3 - ws0, cb.transferred, sweeps, polls,
           t_act1 - t_act0, o.priority == BG_JOB_PRIORITY_FOREGROUND ? "foreground" : "normal",
           use_cb ? "callback" : "poll", US(calls.create_job), US(calls.set_priority), US(calls.add_file_set),
           US(calls.set_notify_flags), US(calls.set_notify_interface), US(calls.resume), US(calls.complete),
           floor_s * 1e6);
    rc = 0;
    goto out;

cancel:
    for (unsigned long long j = 0; j < o.jobs; j++)
        if (jobs[j] && !completed[j])
            IBackgroundCopyJob_Cancel(jobs[j]);
out:
    fflush(stdout);
    if (!o.keep)
        delete_files(&o);
    exit_code = rc;
    CloseHandle(CreateThread(NULL, 0, watchdog, NULL, 0, NULL));
    for (unsigned long long j = 0; j < o.jobs; j++)
        if (jobs[j])
            IBackgroundCopyJob_Release(jobs[j]);
    if (manager)
        IBackgroundCopyManager_Release(manager);
    CoUninitialize();
    free(jobs);
    free(done);
    free(completed);
    free(set);
    free(buf);
    fflush(stdout);
    return rc;
}
