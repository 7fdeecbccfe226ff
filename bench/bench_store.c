/*
 * bench_store.c: the issue-4 measures of job persistence through the standard BITS API (our
 * widl header bgcopy.h), so the same program measures bgcopy and the platform's BITS; the
 * CLSID is the only difference (--clsid bgcopy|platform, as bench_small.c).
 *
 * Modes:
 *   --mode churn --jobs N            job creation with durable persistence: per job CreateJob
 *                                    + AddFile + Cancel, one job after the other. Prints
 *       RESULT name=N mode=churn jobs=N seconds=S jobs_per_s=R create=C addfile=A cancel=K
 *              cpu=.. server_cpu=.. wineserver_cpu=.. activation=..
 *     (create / addfile / cancel: seconds spent in each call, summed over the jobs).
 *   --mode populate --jobs N --base-url URL [--threads T] [--ids-file F]
 *                                    N NORMAL jobs of one slow file each (paced by the test
 *                                    server: rate=--rate bytes/s, so none finishes), all
 *                                    resumed, from T client threads (default 8: bgcopy's store
 *                                    commits requests of concurrent clients together). The ids
 *                                    of the first 64 jobs created go to F (one per line).
 *       RESULT name=N mode=populate jobs=N seconds=S jobs_per_s=R threads=T
 *   --mode recover --ids-file F [--timeout S]   bgcopy only. Kills bgcopysvc.exe
 *                                    (TerminateProcess, a crash) and the prefix's rpcss.exe
 *                                    (Wine keeps a killed server's class registration,
 *                                    WINE-NOTES.md), then times from just before the new
 *                                    activation until one of the jobs listed in F is seen
 *                                    TRANSFERRING again (GetState every 5 ms over those jobs;
 *                                    the scheduler starts the oldest queued jobs first), and
 *                                    counts the jobs the server has then (EnumJobs GetCount).
 *       RESULT name=N mode=recover seconds=S activation=A first_transfer=T jobs_after=J
 *              polls=P
 *     (seconds = first_transfer: from the start of CoCreateInstance to the first job seen
 *      TRANSFERRING; activation: CoCreateInstance alone, including the server's store load).
 *   --mode cancel-all                 cancels every job of the caller (EnumJobs(0)).
 *
 * Invariants:
 *   1. Every wait is bounded (--timeout, default 300 s).
 *   2. RESULT is printed only when every call of the measured sequence succeeded; otherwise
 *      the program prints why and exits 1. Benchmarks never assert a timing.
 *   3. CPU: client = this process; server / wineserver from /proc, as bench_small.c.
 *
 * Usage: bench_store.exe --clsid bgcopy|platform --mode churn|populate|recover|cancel-all
 *        [--jobs 500] [--base-url http://127.0.0.1:PORT] [--dir WINDOWS_DIR] [--threads 8]
 *        [--rate 2000] [--ids-file WINDOWS_PATH] [--timeout 300]
 */
#define CONST_VTABLE
#include "bench_util.h"

#include <objbase.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgcopy.h"
#include "winproc.h"

#define IDS_KEPT 64

struct options {
    const CLSID *clsid;
    const char *name, *server_cmdline, *mode, *base_url, *dir, *ids_file;
    unsigned long long jobs, threads, rate, timeout;
};

static struct options o;

static void usage(void)
{
    fprintf(stderr, "usage: bench_store.exe --clsid bgcopy|platform --mode churn|populate|recover|cancel-all\n"
                    "       [--jobs 500] [--base-url http://127.0.0.1:PORT] [--dir WINDOWS_DIR] [--threads 8]\n"
                    "       [--rate 2000] [--ids-file WINDOWS_PATH] [--timeout 300]\n");
}

static int parse_options(int argc, char **argv)
{
    o.jobs = 500;
    o.threads = 8;
    o.rate = 2000;
    o.timeout = 300;
    o.dir = "C:";
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *arg = argv[i], *val = argv[i + 1];

        if (!strcmp(arg, "--clsid") && !strcmp(val, "bgcopy")) {
            o.clsid = &CLSID_BgCopyManager;
            o.name = "bgcopy";
            o.server_cmdline = "bgcopysvc.exe";
        } else if (!strcmp(arg, "--clsid") && !strcmp(val, "platform")) {
            o.clsid = &CLSID_BackgroundCopyManager;
            o.name = "platform-bits";
            o.server_cmdline = "svchost.exe -k netsvcs";
        } else if (!strcmp(arg, "--mode"))
            o.mode = val;
        else if (!strcmp(arg, "--base-url"))
            o.base_url = val;
        else if (!strcmp(arg, "--dir"))
            o.dir = val;
        else if (!strcmp(arg, "--ids-file"))
            o.ids_file = val;
        else if (!strcmp(arg, "--jobs") && !bench_parse_u64(val, &o.jobs) && o.jobs && o.jobs <= 100000)
            continue;
        else if (!strcmp(arg, "--threads") && !bench_parse_u64(val, &o.threads) && o.threads && o.threads <= 64)
            continue;
        else if (!strcmp(arg, "--rate") && !bench_parse_u64(val, &o.rate) && o.rate)
            continue;
        else if (!strcmp(arg, "--timeout") && !bench_parse_u64(val, &o.timeout) && o.timeout)
            continue;
        else
            return -1;
    }
    if (!o.clsid || !o.mode)
        return -1;
    if (!strcmp(o.mode, "populate"))
        return o.base_url ? 0 : -1;
    if (!strcmp(o.mode, "recover"))
        return o.ids_file && o.clsid == &CLSID_BgCopyManager ? 0 : -1;
    return !strcmp(o.mode, "churn") || !strcmp(o.mode, "cancel-all") ? 0 : -1;
}

static double unix_cpu(const char *needle)
{
    int n = 0;
    double v = bench_wine_unix_cpu(needle, &n);

    return n ? v : 0.0;
}

static IBackgroundCopyManager *connect(double *seconds)
{
    IBackgroundCopyManager *m = NULL;
    double t0 = bench_now();
    HRESULT hr = CoCreateInstance(o.clsid, NULL, CLSCTX_LOCAL_SERVER, &IID_IBackgroundCopyManager, (void **)&m);

    if (seconds)
        *seconds = bench_now() - t0;
    if (FAILED(hr)) {
        fprintf(stderr, "bench_store: CoCreateInstance(%s) failed: 0x%08lx\n", o.name, (unsigned long)hr);
        return NULL;
    }
    return m;
}

/* ---- churn ---------------------------------------------------------------------------------- */

static int churn(IBackgroundCopyManager *m, double activation)
{
    double t_create = 0, t_add = 0, t_cancel = 0, t0, t1, cpu0, srv0, ws0;
    WCHAR url[512], local[512];
    HRESULT hr = S_OK;

    srv0 = unix_cpu(o.server_cmdline);
    ws0 = unix_cpu("wineserver");
    cpu0 = bench_process_cpu(GetCurrentProcess());
    t0 = bench_now();
    for (unsigned long long j = 0; j < o.jobs; j++) {
        IBackgroundCopyJob *job = NULL;
        double a, b, c, d;
        GUID id;

        /* The URL is never fetched (the job is cancelled while SUSPENDED): any host will do. */
        swprintf(url, 512, L"http://127.0.0.1:9/gen/65536/c%llu", j);
        swprintf(local, 512, L"%hs\\churn-%llu.bin", o.dir, j);
        a = bench_now();
        hr = IBackgroundCopyManager_CreateJob(m, L"bgcopy bench store", BG_JOB_TYPE_DOWNLOAD, &id, &job);
        b = bench_now();
        if (SUCCEEDED(hr))
            hr = IBackgroundCopyJob_AddFile(job, url, local);
        c = bench_now();
        if (job) {
            HRESULT hc = IBackgroundCopyJob_Cancel(job);
            if (SUCCEEDED(hr))
                hr = hc;
            IBackgroundCopyJob_Release(job);
        }
        d = bench_now();
        t_create += b - a;
        t_add += c - b;
        t_cancel += d - c;
        if (FAILED(hr)) {
            fprintf(stderr, "bench_store: churn job %llu failed: 0x%08lx\n", j, (unsigned long)hr);
            return 1;
        }
    }
    t1 = bench_now();
    printf("RESULT name=%s mode=churn jobs=%llu seconds=%.6f jobs_per_s=%.1f create=%.6f addfile=%.6f cancel=%.6f "
           "cpu=%.6f server_cpu=%.6f wineserver_cpu=%.6f activation=%.6f\n",
           o.name, o.jobs, t1 - t0, (double)o.jobs / (t1 - t0), t_create, t_add, t_cancel,
           bench_process_cpu(GetCurrentProcess()) - cpu0, unix_cpu(o.server_cmdline) - srv0,
           unix_cpu("wineserver") - ws0, activation);
    return 0;
}

/* ---- populate ------------------------------------------------------------------------------- */

static volatile LONG next_job, failed;
static GUID kept_ids[IDS_KEPT];
static IStream *manager_stream[64];

static DWORD WINAPI populate_thread(void *arg)
{
    IStream *stream = arg;
    IBackgroundCopyManager *m = NULL;
    WCHAR url[512], local[512];
    HRESULT hr;

    hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (SUCCEEDED(hr))
        hr = CoGetInterfaceAndReleaseStream(stream, &IID_IBackgroundCopyManager, (void **)&m);
    if (FAILED(hr)) {
        fprintf(stderr, "bench_store: populate thread: 0x%08lx\n", (unsigned long)hr);
        InterlockedIncrement(&failed);
        return 1;
    }
    for (;;) {
        LONG j = InterlockedIncrement(&next_job) - 1;
        IBackgroundCopyJob *job = NULL;
        GUID id;

        if ((unsigned long long)j >= o.jobs || failed)
            break;
        swprintf(url, 512, L"%hs/gen/1000000/p%ld?rate=%llu&seed=%ld", o.base_url, (long)j, o.rate, 20000L + j);
        swprintf(local, 512, L"%hs\\pop-%ld.bin", o.dir, (long)j);
        hr = IBackgroundCopyManager_CreateJob(m, L"bgcopy bench recovery", BG_JOB_TYPE_DOWNLOAD, &id, &job);
        if (SUCCEEDED(hr))
            hr = IBackgroundCopyJob_AddFile(job, url, local);
        if (SUCCEEDED(hr))
            hr = IBackgroundCopyJob_Resume(job);
        if (job)
            IBackgroundCopyJob_Release(job);
        if (FAILED(hr)) {
            fprintf(stderr, "bench_store: populate job %ld failed: 0x%08lx\n", (long)j, (unsigned long)hr);
            InterlockedIncrement(&failed);
            break;
        }
        if (j < IDS_KEPT)
            kept_ids[j] = id;
    }
    IBackgroundCopyManager_Release(m);
    CoUninitialize();
    return 0;
}

static int populate(IBackgroundCopyManager *m)
{
    HANDLE threads[64];
    unsigned n = (unsigned)o.threads;
    double t0, t1;
    FILE *fp;

    t0 = bench_now();
    for (unsigned i = 0; i < n; i++) {
        if (FAILED(CoMarshalInterThreadInterfaceInStream(&IID_IBackgroundCopyManager, (IUnknown *)m,
                                                         &manager_stream[i])) ||
            !(threads[i] = CreateThread(NULL, 0, populate_thread, manager_stream[i], 0, NULL))) {
            fprintf(stderr, "bench_store: cannot start populate thread %u\n", i);
            return 1;
        }
    }
    if (WaitForMultipleObjects(n, threads, TRUE, (DWORD)(o.timeout * 1000)) == WAIT_TIMEOUT) {
        fprintf(stderr, "bench_store: populating %llu jobs took more than %llu s\n", o.jobs, o.timeout);
        InterlockedIncrement(&failed);
        WaitForMultipleObjects(n, threads, TRUE, 60000);
    }
    t1 = bench_now();
    for (unsigned i = 0; i < n; i++)
        CloseHandle(threads[i]);
    if (failed)
        return 1;
    if (o.ids_file) {
        if (!(fp = fopen(o.ids_file, "wb"))) {
            fprintf(stderr, "bench_store: cannot write %s\n", o.ids_file);
            return 1;
        }
        for (unsigned i = 0; i < IDS_KEPT && i < o.jobs; i++) {
            WCHAR w[40];
            StringFromGUID2(&kept_ids[i], w, 40);
            fprintf(fp, "%ls\n", w);
        }
        fclose(fp);
    }
    printf("RESULT name=%s mode=populate jobs=%llu seconds=%.6f jobs_per_s=%.1f threads=%u\n", o.name, o.jobs,
           t1 - t0, (double)o.jobs / (t1 - t0), n);
    return 0;
}

/* ---- recover -------------------------------------------------------------------------------- */


static int recover(void)
{
    IBackgroundCopyManager *m = NULL;
    IBackgroundCopyJob *jobs[IDS_KEPT] = {0};
    IEnumBackgroundCopyJobs *e = NULL;
    unsigned nids = 0, polls = 0;
    double t0, t_act = 0, t_first = -1;
    ULONG after = 0;
    char line[128];
    HRESULT hr;
    FILE *fp = fopen(o.ids_file, "rb");
    GUID ids[IDS_KEPT];

    if (!fp) {
        fprintf(stderr, "bench_store: cannot read %s\n", o.ids_file);
        return 1;
    }
    while (nids < IDS_KEPT && fgets(line, sizeof(line), fp)) {
        WCHAR w[64];
        line[strcspn(line, "\r\n")] = 0;
        if (MultiByteToWideChar(CP_UTF8, 0, line, -1, w, 64) && SUCCEEDED(CLSIDFromString(w, &ids[nids])))
            nids++;
    }
    fclose(fp);
    if (!nids) {
        fprintf(stderr, "bench_store: no job ids in %s\n", o.ids_file);
        return 1;
    }
    if (!bgc_test_kill_pid(bgc_test_find_pid(L"bgcopysvc.exe"))) {
        fprintf(stderr, "bench_store: no running bgcopysvc.exe to kill\n");
        return 1;
    }
    bgc_test_kill_pid(bgc_test_find_pid(L"rpcss.exe")); /* WINE-NOTES.md: a killed server's registration stays */

    t0 = bench_now();
    do { /* rpcss comes back on demand; the first attempts may fail */
        hr = CoCreateInstance(o.clsid, NULL, CLSCTX_LOCAL_SERVER, &IID_IBackgroundCopyManager, (void **)&m);
        if (FAILED(hr))
            Sleep(20);
    } while (FAILED(hr) && bench_now() - t0 < (double)o.timeout);
    t_act = bench_now() - t0;
    if (FAILED(hr)) {
        fprintf(stderr, "bench_store: reconnecting failed: 0x%08lx\n", (unsigned long)hr);
        return 1;
    }
    for (unsigned i = 0; i < nids; i++)
        if (FAILED(hr = IBackgroundCopyManager_GetJob(m, &ids[i], &jobs[i]))) {
            fprintf(stderr, "bench_store: GetJob(job %u) after the restart: 0x%08lx (not recovered?)\n", i,
                    (unsigned long)hr);
            goto out;
        }
    while (t_first < 0 && bench_now() - t0 < (double)o.timeout) {
        for (unsigned i = 0; i < nids && t_first < 0; i++) {
            BG_JOB_STATE st;
            polls++;
            if (SUCCEEDED(IBackgroundCopyJob_GetState(jobs[i], &st)) && st == BG_JOB_STATE_TRANSFERRING)
                t_first = bench_now() - t0;
        }
        if (t_first < 0)
            Sleep(5);
    }
    if (t_first < 0) {
        fprintf(stderr, "bench_store: no recovered job was TRANSFERRING within %llu s\n", o.timeout);
        goto out;
    }
    if (SUCCEEDED(IBackgroundCopyManager_EnumJobs(m, 0, &e))) {
        IEnumBackgroundCopyJobs_GetCount(e, &after);
        IEnumBackgroundCopyJobs_Release(e);
    }
    printf("RESULT name=%s mode=recover seconds=%.6f activation=%.6f first_transfer=%.6f jobs_after=%lu polls=%u\n",
           o.name, t_first, t_act, t_first, (unsigned long)after, polls);
out:
    for (unsigned i = 0; i < nids; i++)
        if (jobs[i])
            IBackgroundCopyJob_Release(jobs[i]);
    IBackgroundCopyManager_Release(m);
    return t_first < 0 ? 1 : 0;
}

/* ---- cancel-all ----------------------------------------------------------------------------- */

static int cancel_all(IBackgroundCopyManager *m)
{
    IEnumBackgroundCopyJobs *e = NULL;
    IBackgroundCopyJob *job = NULL;
    unsigned long n = 0;
    HRESULT hr = IBackgroundCopyManager_EnumJobs(m, 0, &e);

    if (FAILED(hr)) {
        fprintf(stderr, "bench_store: EnumJobs failed: 0x%08lx\n", (unsigned long)hr);
        return 1;
    }
    while (IEnumBackgroundCopyJobs_Next(e, 1, &job, NULL) == S_OK) {
        if (SUCCEEDED(IBackgroundCopyJob_Cancel(job)))
            n++;
        IBackgroundCopyJob_Release(job);
    }
    IEnumBackgroundCopyJobs_Release(e);
    printf("CANCELLED n=%lu\n", n);
    return 0;
}

int main(int argc, char **argv)
{
    IBackgroundCopyManager *m = NULL;
    double activation = 0;
    int rc = 1;

    if (parse_options(argc, argv)) {
        usage();
        return 2;
    }
    if (FAILED(CoInitializeEx(NULL, COINIT_MULTITHREADED))) {
        fprintf(stderr, "bench_store: CoInitializeEx failed\n");
        return 1;
    }
    CoInitializeSecurity(NULL, -1, NULL, NULL, RPC_C_AUTHN_LEVEL_CONNECT, RPC_C_IMP_LEVEL_IMPERSONATE, NULL,
                         EOAC_NONE, NULL);
    if (!strcmp(o.mode, "recover")) {
        rc = recover();
    } else if ((m = connect(&activation))) {
        if (!strcmp(o.mode, "churn"))
            rc = churn(m, activation);
        else if (!strcmp(o.mode, "populate"))
            rc = populate(m);
        else
            rc = cancel_all(m);
        IBackgroundCopyManager_Release(m);
    }
    fflush(stdout);
    CoUninitialize();
    return rc;
}
