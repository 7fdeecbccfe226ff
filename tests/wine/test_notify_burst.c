/*
 * test_notify_burst.c - a burst of concurrent JobTransferred callbacks through the real
 * out-of-process server (N2, N5, N9, N12): every job is notified exactly once, no delivery
 * fails and is retried, and the job a callback receives is the client's own job object.
 *
 * Why (bench/results.md, "The callback burst bug"): bgcopy used to hand every callback a new
 * job object, so each callback made the client create and release a proxy. Under Wine 8, whose
 * combase can revive a proxy manager whose count just reached zero (find_proxy_manager), a few
 * of a burst of concurrent callbacks then failed inside the client's stub with an access
 * violation, answered as 0x800703E6 (ERROR_NOACCESS) and retried by the server, and sometimes a
 * client thread stayed blocked. With one COM object per job (server/job.c invariant 1a) the
 * callback gets the proxy the client already holds.
 *
 * main() raises HKCU\Software\bgcopy MaxJobsPerUser / MaxJobsPerMachine above BURST_JOBS before
 * the first activation (the server reads them at start).
 */
#include "wine_test.h"

#define WAIT_MS 120000
#define BURST_JOBS 600
#define BURST_LIMIT (BURST_JOBS + 20)

static IBackgroundCopyManager *g_mgr;

/* ---- the callback: thread-safe (MTA, several calls at once) ------------------------------- */

struct burst_cb {
    IBackgroundCopyCallback iface;
    LONG ref;
    unsigned njobs;
    GUID *ids;               /* the jobs' ids, read-only during the burst */
    IUnknown **unks;         /* the client's jobs' IUnknown, read-only during the burst */
    volatile LONG *transferred; /* JobTransferred calls per job */
    volatile LONG total;     /* JobTransferred calls */
    volatile LONG unknown;   /* calls for a job not in ids, or GetId failing */
    volatile LONG foreign;   /* calls whose job was not the client's object (identity) */
    volatile LONG errors;    /* JobError calls */
    HANDLE done;             /* set when every job was notified at least once */
    volatile LONG notified;  /* jobs notified at least once */
};

static struct burst_cb *cb_from(IBackgroundCopyCallback *iface)
{
    return CONTAINING_RECORD(iface, struct burst_cb, iface);
}

static HRESULT WINAPI Cb_QueryInterface(IBackgroundCopyCallback *iface, REFIID riid, void **ppv)
{
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IBackgroundCopyCallback)) {
        *ppv = iface;
        IBackgroundCopyCallback_AddRef(iface);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI Cb_AddRef(IBackgroundCopyCallback *iface)
{
    return (ULONG)InterlockedIncrement(&cb_from(iface)->ref);
}

/* The object is owned by the test (freed after the server let go of it). */
static ULONG WINAPI Cb_Release(IBackgroundCopyCallback *iface)
{
    return (ULONG)InterlockedDecrement(&cb_from(iface)->ref);
}

static HRESULT WINAPI Cb_JobTransferred(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job)
{
    struct burst_cb *c = cb_from(iface);
    IUnknown *unk = NULL;
    GUID id;
    unsigned i;

    InterlockedIncrement(&c->total);
    if (!job || FAILED(IBackgroundCopyJob_GetId(job, &id))) {
        InterlockedIncrement(&c->unknown);
        return S_OK;
    }
    for (i = 0; i < c->njobs && !IsEqualGUID(&c->ids[i], &id); i++)
        ;
    if (i == c->njobs) {
        InterlockedIncrement(&c->unknown);
        return S_OK;
    }
    /* N12 + server/job.c invariant 1a: the object passed is the job the client holds. */
    if (FAILED(IBackgroundCopyJob_QueryInterface(job, &IID_IUnknown, (void **)&unk)) || unk != c->unks[i])
        InterlockedIncrement(&c->foreign);
    if (unk)
        IUnknown_Release(unk);
    if (InterlockedIncrement(&c->transferred[i]) == 1 &&
        InterlockedIncrement(&c->notified) == (LONG)c->njobs)
        SetEvent(c->done);
    return S_OK;
}

static HRESULT WINAPI Cb_JobError(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job, IBackgroundCopyError *e)
{
    (void)job;
    (void)e;
    InterlockedIncrement(&cb_from(iface)->errors);
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

/* ---- helpers -------------------------------------------------------------------------------- */

/* Lines of bgcopysvc.log (in BGC_DATA_DIR) that contain needle; -1 when there is no log. */
static int log_lines_with(const char *needle)
{
    WCHAR dir[WT_PATH], path[WT_PATH];
    DWORD n = GetEnvironmentVariableW(L"BGC_DATA_DIR", dir, WT_PATH);
    HANDLE h;
    LARGE_INTEGER size;
    char *text;
    DWORD got = 0;
    int count = 0;

    if (n == 0 || n >= WT_PATH)
        return -1;
    wt_format(path, L"%ls\\bgcopysvc.log", dir);
    h = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                    0, NULL);
    if (h == INVALID_HANDLE_VALUE)
        return -1;
    if (!GetFileSizeEx(h, &size) || size.QuadPart > 512 * 1024 * 1024) {
        CloseHandle(h);
        return -1;
    }
    text = malloc((size_t)size.QuadPart + 1);
    assert_non_null(text);
    if (!ReadFile(h, text, (DWORD)size.QuadPart, &got, NULL))
        got = 0;
    CloseHandle(h);
    text[got] = 0;
    for (char *line = text, *end; line && *line; line = end ? end + 1 : NULL) {
        if ((end = strchr(line, '\n')))
            *end = 0;
        if (strstr(line, needle))
            count++;
    }
    free(text);
    return count;
}

static int group_setup(void **state)
{
    (void)state;
    if (wt_com_init() != 0)
        return -1;
    g_mgr = wt_connect();
    return g_mgr ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    if (g_mgr)
        IBackgroundCopyManager_Release(g_mgr);
    CoUninitialize();
    return 0;
}

/* N2, N5, N9, N12: BURST_JOBS FOREGROUND jobs of one small file each, every one with the same
 * callback object, all resumed at once: up to four JobTransferred calls per user are in flight
 * at a time (N9). Every job gets exactly one JobTransferred, on the client's own job object,
 * and the server never had to retry a delivery (its log names every retry, N5). */
static void N9_callback_burst_delivers_each_job_once_without_retries(void **state)
{
    static struct burst_cb cb;
    IBackgroundCopyJob **jobs = calloc(BURST_JOBS, sizeof(*jobs));
    WCHAR dir[WT_PATH], url[WT_PATH], local[WT_PATH], path[64];
    unsigned i, once = 0, twice = 0;
    int retries, failed_calls;
    DWORD wait;

    (void)state;
    assert_non_null(jobs);
    memset(&cb, 0, sizeof(cb));
    cb.iface.lpVtbl = (IBackgroundCopyCallbackVtbl *)&cb_vtbl;
    cb.ref = 1;
    cb.njobs = BURST_JOBS;
    cb.ids = calloc(BURST_JOBS, sizeof(*cb.ids));
    cb.unks = calloc(BURST_JOBS, sizeof(*cb.unks));
    cb.transferred = calloc(BURST_JOBS, sizeof(*cb.transferred));
    cb.done = CreateEventW(NULL, TRUE, FALSE, NULL);
    assert_true(cb.ids && cb.unks && cb.transferred && cb.done);
    wt_test_dir(dir, L"burst");

    for (i = 0; i < BURST_JOBS; i++) {
        assert_hr(IBackgroundCopyManager_CreateJob(g_mgr, L"bgc burst", BG_JOB_TYPE_DOWNLOAD, &cb.ids[i], &jobs[i]),
                  S_OK);
        assert_hr(IBackgroundCopyJob_QueryInterface(jobs[i], &IID_IUnknown, (void **)&cb.unks[i]), S_OK);
        IUnknown_Release(cb.unks[i]); /* jobs[i] keeps the object, and so this identity, alive */
        assert_hr(IBackgroundCopyJob_SetPriority(jobs[i], BG_JOB_PRIORITY_FOREGROUND), S_OK);
        swprintf(path, 64, L"/gen/4096/b%u?seed=%u", i, 7000 + i);
        wt_format(local, L"%ls\\b%u.bin", dir, i);
        assert_hr(IBackgroundCopyJob_AddFile(jobs[i], wt_url(url, path), local), S_OK);
        assert_hr(IBackgroundCopyJob_SetNotifyFlags(jobs[i], BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR), S_OK);
        assert_hr(IBackgroundCopyJob_SetNotifyInterface(jobs[i], (IUnknown *)&cb.iface), S_OK);
    }
    for (i = 0; i < BURST_JOBS; i++)
        assert_hr(IBackgroundCopyJob_Resume(jobs[i]), S_OK);

    wait = WaitForSingleObject(cb.done, WAIT_MS);
    Sleep(1500); /* a delivery that failed would be retried after RetryDelayFloorS (1 s) */

    for (i = 0; i < BURST_JOBS; i++) {
        LONG n = cb.transferred[i];
        once += n >= 1;
        twice += n > 1;
    }
    retries = log_lines_with("will retry");
    failed_calls = log_lines_with("JobTransferred returned");
    print_message("burst: %u jobs, %ld JobTransferred calls, %u jobs notified, %u more than once, %ld foreign, "
                  "%ld unknown, %ld JobError; server log: %d retries, %d failed JobTransferred\n",
                  BURST_JOBS, (long)cb.total, once, twice, (long)cb.foreign, (long)cb.unknown, (long)cb.errors,
                  retries, failed_calls);
    assert_int_equal(wait, WAIT_OBJECT_0);
    assert_int_equal(once, BURST_JOBS);
    assert_int_equal(twice, 0);
    assert_int_equal(cb.unknown, 0);
    assert_int_equal(cb.errors, 0);
    assert_int_equal(cb.foreign, 0);
    assert_int_equal(failed_calls, 0);
    assert_int_equal(retries, 0);

    for (i = 0; i < BURST_JOBS; i++) {
        assert_hr(IBackgroundCopyJob_Complete(jobs[i]), S_OK);
        wt_format(local, L"%ls\\b%u.bin", dir, i);
        if (i % 50 == 0)
            wt_assert_file_is_testdata(local, 7000 + i, 4096);
        DeleteFileW(local);
        IBackgroundCopyJob_Release(jobs[i]);
    }
    free(jobs);
    free(cb.ids);
    free(cb.unks);
    free((void *)cb.transferred);
    CloseHandle(cb.done);
}

/* N12 + server/job.c invariant 1a, on its own: the job passed to JobTransferred is the very
 * object the client created (same COM identity), as with BITS, so a client can match it by
 * pointer; one job, no concurrency. */
static void N12_callback_job_is_the_clients_job_object(void **state)
{
    static struct burst_cb cb;
    IBackgroundCopyJob *job = NULL;
    WCHAR dir[WT_PATH], url[WT_PATH], local[WT_PATH];
    GUID id;
    LONG transferred = 0;

    (void)state;
    memset(&cb, 0, sizeof(cb));
    cb.iface.lpVtbl = (IBackgroundCopyCallbackVtbl *)&cb_vtbl;
    cb.ref = 1;
    cb.njobs = 1;
    cb.ids = &id;
    cb.unks = calloc(1, sizeof(*cb.unks));
    cb.transferred = &transferred;
    cb.done = CreateEventW(NULL, TRUE, FALSE, NULL);
    assert_true(cb.unks && cb.done);
    wt_test_dir(dir, L"identity");
    wt_format(local, L"%ls\\one.bin", dir);

    assert_hr(IBackgroundCopyManager_CreateJob(g_mgr, L"bgc identity", BG_JOB_TYPE_DOWNLOAD, &id, &job), S_OK);
    assert_hr(IBackgroundCopyJob_QueryInterface(job, &IID_IUnknown, (void **)&cb.unks[0]), S_OK);
    IUnknown_Release(cb.unks[0]);
    assert_hr(IBackgroundCopyJob_AddFile(job, wt_url(url, L"/gen/1000?seed=71"), local), S_OK);
    assert_hr(IBackgroundCopyJob_SetNotifyFlags(job, BG_NOTIFY_JOB_TRANSFERRED), S_OK);
    assert_hr(IBackgroundCopyJob_SetNotifyInterface(job, (IUnknown *)&cb.iface), S_OK);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_int_equal(WaitForSingleObject(cb.done, 60000), WAIT_OBJECT_0);
    assert_int_equal(cb.unknown, 0);
    assert_int_equal(cb.foreign, 0);
    assert_int_equal(transferred, 1);
    assert_hr(IBackgroundCopyJob_Complete(job), S_OK);
    wt_assert_file_is_testdata(local, 71, 1000);
    IBackgroundCopyJob_Release(job);
    free(cb.unks);
    CloseHandle(cb.done);
}

static void set_limit(const WCHAR *name, DWORD value)
{
    HKEY key;

    if (RegCreateKeyExW(HKEY_CURRENT_USER, L"Software\\bgcopy", 0, NULL, 0, KEY_SET_VALUE, NULL, &key, NULL))
        return;
    RegSetValueExW(key, name, 0, REG_DWORD, (const BYTE *)&value, sizeof(value));
    RegCloseKey(key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(N12_callback_job_is_the_clients_job_object),
        cmocka_unit_test(N9_callback_burst_delivers_each_job_once_without_retries),
    };

    set_limit(L"MaxJobsPerUser", BURST_LIMIT);
    set_limit(L"MaxJobsPerMachine", BURST_LIMIT);
    return cmocka_run_group_tests_name("wine.test_notify_burst", tests, group_setup, group_teardown);
}
