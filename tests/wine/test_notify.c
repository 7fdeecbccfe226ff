/*
 * test_notify.c - notifications through the real COM server (issue 3 item 9; N2, N3, N5, N9,
 * N10): FileTransferred through IBackgroundCopyCallback2 only, before JobTransferred; the
 * JobModification rate limit of BITS_JOB_PROPERTY_MINIMUM_NOTIFICATION_INTERVAL_MS; a client
 * callback that sleeps does not hold up transfers; the notify command line runs when no
 * callback object takes the event, is re-run after a non-zero exit, runs when registered
 * after the event, and replaces a failing callback.
 *
 * The command line is this very program: `test_notify.exe --mark FILE [--fail-until N]`
 * appends a line to FILE and exits 1 while FILE has fewer than N lines (0 afterwards), before
 * any COM or CMocka work (see main).
 */
#include "wine_test.h"

#define WAIT_MS 60000
#define MAX_JOBS 4

static LONG g_seq; /* orders callback calls across objects */

/* ---- the callback object ------------------------------------------------------------------ */

struct cb {
    IBackgroundCopyCallback2 IBackgroundCopyCallback2_iface;
    LONG ref;
    BOOL v1_only;               /* QueryInterface refuses IBackgroundCopyCallback2 */
    HRESULT transferred_hr;     /* what JobTransferred returns */
    DWORD sleep_transferred_ms; /* JobTransferred sleeps this long first */
    LONG transferred, errors, modifications, files;
    LONG seq_transferred;       /* g_seq at the (last) JobTransferred */
    LONG seq_files[16];         /* g_seq at each FileTransferred */
    ULONGLONG t_mod[256];       /* GetTickCount64 at each JobModification */
    volatile LONG in_transferred; /* inside JobTransferred now */
    LONG file_failures_left;    /* FileTransferred returns E_FAIL while this is > 0 */
    ULONGLONG t_files[16];      /* GetTickCount64 at each FileTransferred */
    HANDLE transferred_event;
};

static struct cb *impl(IBackgroundCopyCallback2 *iface)
{
    return CONTAINING_RECORD(iface, struct cb, IBackgroundCopyCallback2_iface);
}

static HRESULT WINAPI cb_QueryInterface(IBackgroundCopyCallback2 *iface, REFIID riid, void **ppv)
{
    struct cb *c = impl(iface);

    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IBackgroundCopyCallback) ||
        (!c->v1_only && IsEqualIID(riid, &IID_IBackgroundCopyCallback2))) {
        *ppv = iface;
        IBackgroundCopyCallback2_AddRef(iface);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI cb_AddRef(IBackgroundCopyCallback2 *iface)
{
    return (ULONG)InterlockedIncrement(&impl(iface)->ref);
}

static ULONG WINAPI cb_Release(IBackgroundCopyCallback2 *iface)
{
    struct cb *c = impl(iface);
    LONG ref = InterlockedDecrement(&c->ref);

    if (!ref) {
        CloseHandle(c->transferred_event);
        free(c);
    }
    return (ULONG)ref;
}

static HRESULT WINAPI cb_JobTransferred(IBackgroundCopyCallback2 *iface, IBackgroundCopyJob *job)
{
    struct cb *c = impl(iface);

    (void)job;
    InterlockedExchange(&c->in_transferred, 1);
    if (c->sleep_transferred_ms)
        Sleep(c->sleep_transferred_ms);
    c->seq_transferred = InterlockedIncrement(&g_seq);
    InterlockedIncrement(&c->transferred);
    InterlockedExchange(&c->in_transferred, 0);
    SetEvent(c->transferred_event);
    return c->transferred_hr;
}

static HRESULT WINAPI cb_JobError(IBackgroundCopyCallback2 *iface, IBackgroundCopyJob *job, IBackgroundCopyError *e)
{
    (void)job;
    (void)e;
    InterlockedIncrement(&impl(iface)->errors);
    return S_OK;
}

static HRESULT WINAPI cb_JobModification(IBackgroundCopyCallback2 *iface, IBackgroundCopyJob *job, DWORD reserved)
{
    struct cb *c = impl(iface);
    LONG n = InterlockedIncrement(&c->modifications);

    (void)job;
    (void)reserved;
    if (n <= 256)
        c->t_mod[n - 1] = GetTickCount64();
    return S_OK;
}

static HRESULT WINAPI cb_FileTransferred(IBackgroundCopyCallback2 *iface, IBackgroundCopyJob *job,
                                         IBackgroundCopyFile *file)
{
    struct cb *c = impl(iface);
    LONG n = InterlockedIncrement(&c->files);

    (void)job;
    (void)file;
    if (n <= 16) {
        c->seq_files[n - 1] = InterlockedIncrement(&g_seq);
        c->t_files[n - 1] = GetTickCount64();
    }
    if (InterlockedDecrement(&c->file_failures_left) >= 0)
        return E_FAIL;
    return S_OK;
}

static const IBackgroundCopyCallback2Vtbl cb_vtbl = {
    cb_QueryInterface, cb_AddRef, cb_Release, cb_JobTransferred, cb_JobError, cb_JobModification, cb_FileTransferred,
};

static struct cb *cb_new(void)
{
    struct cb *c = calloc(1, sizeof(*c));

    assert_non_null(c);
    c->IBackgroundCopyCallback2_iface.lpVtbl = (IBackgroundCopyCallback2Vtbl *)&cb_vtbl;
    c->ref = 1;
    c->transferred_event = CreateEventW(NULL, TRUE, FALSE, NULL);
    return c;
}

/* ---- fixture ------------------------------------------------------------------------------ */

static IBackgroundCopyManager *g_mgr;

struct fixture {
    struct cb *cb[2];
    IBackgroundCopyJob *jobs[MAX_JOBS];
    int njobs;
    WCHAR dir[WT_PATH];
};

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
    g_mgr = NULL;
    CoUninitialize();
    return 0;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    static LONG n;
    WCHAR name[32];

    if (!f)
        return -1;
    f->cb[0] = cb_new();
    f->cb[1] = cb_new();
    swprintf(name, 32, L"notify%ld", (long)InterlockedIncrement(&n));
    wt_test_dir(f->dir, name);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    for (int i = 0; i < f->njobs; i++) {
        BG_JOB_STATE st;

        IBackgroundCopyJob_SetNotifyInterface(f->jobs[i], NULL);
        if (SUCCEEDED(IBackgroundCopyJob_GetState(f->jobs[i], &st)) && st != BG_JOB_STATE_ACKNOWLEDGED &&
            st != BG_JOB_STATE_CANCELLED)
            IBackgroundCopyJob_Cancel(f->jobs[i]);
        IBackgroundCopyJob_Release(f->jobs[i]);
    }
    for (int i = 0; i < 2; i++) {
        CoDisconnectObject((IUnknown *)&f->cb[i]->IBackgroundCopyCallback2_iface, 0);
        IBackgroundCopyCallback2_Release(&f->cb[i]->IBackgroundCopyCallback2_iface);
    }
    free(f);
    return 0;
}

/* A job with n files from /gen/<size>/<tag>N?<query>; not resumed. */
static IBackgroundCopyJob *new_job(struct fixture *f, int n, unsigned size, const WCHAR *tag, const WCHAR *query)
{
    IBackgroundCopyJob *job = NULL;
    WCHAR path[WT_PATH], url[WT_PATH], local[WT_PATH];
    GUID id;

    assert_true(f->njobs < MAX_JOBS);
    assert_hr(IBackgroundCopyManager_CreateJob(g_mgr, tag, BG_JOB_TYPE_DOWNLOAD, &id, &job), S_OK);
    f->jobs[f->njobs++] = job;
    assert_hr(IBackgroundCopyJob_SetMinimumRetryDelay(job, 1), S_OK);
    for (int i = 0; i < n; i++) {
        wt_format(path, L"/gen/%u/%ls%d%ls%ls", size, tag, i, query ? L"?" : L"", query ? query : L"");
        wt_format(local, L"%ls\\%ls%d.bin", f->dir, tag, i);
        assert_hr(IBackgroundCopyJob_AddFile(job, wt_url(url, path), local), S_OK);
    }
    return job;
}

static void set_callback(IBackgroundCopyJob *job, struct cb *c, ULONG flags)
{
    assert_hr(IBackgroundCopyJob_SetNotifyFlags(job, flags), S_OK);
    assert_hr(IBackgroundCopyJob_SetNotifyInterface(job, (IUnknown *)&c->IBackgroundCopyCallback2_iface), S_OK);
}

static void wait_event(HANDLE h)
{
    assert_int_equal(WaitForSingleObject(h, WAIT_MS), WAIT_OBJECT_0);
}

/* N2, N3: a Callback2 object gets one FileTransferred per file, all before JobTransferred. */
static void file_transferred_per_file_before_job_transferred_N2_N3(void **state)
{
    struct fixture *f = *state;
    struct cb *c = f->cb[0];
    IBackgroundCopyJob *job = new_job(f, 3, 20000, L"ft", NULL);

    set_callback(job, c, BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR | BG_NOTIFY_FILE_TRANSFERRED);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    wait_event(c->transferred_event);
    assert_int_equal(c->transferred, 1);
    assert_int_equal(c->files, 3);
    for (int i = 0; i < 3; i++)
        assert_true(c->seq_files[i] < c->seq_transferred);
    assert_hr(IBackgroundCopyJob_Complete(job), S_OK);
}

/* N5, N2: a FileTransferred that fails is called again after MinimumRetryDelay (1 s), and
 * JobTransferred waits until it succeeded. */
static void failed_file_transferred_is_retried_before_job_transferred_N5(void **state)
{
    struct fixture *f = *state;
    struct cb *c = f->cb[0];
    IBackgroundCopyJob *job = new_job(f, 2, 10000, L"ftretry", NULL);

    c->file_failures_left = 1;
    set_callback(job, c, BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_FILE_TRANSFERRED);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    wait_event(c->transferred_event);
    assert_int_equal(c->files, 3); /* file 0 twice, file 1 once */
    assert_true(c->t_files[1] - c->t_files[0] >= 800); /* the retry waited for the delay */
    assert_true(c->seq_files[2] < c->seq_transferred);
    assert_hr(IBackgroundCopyJob_Complete(job), S_OK);
}

/* N3: an object without IBackgroundCopyCallback2 gets JobTransferred but no FileTransferred
 * (its vtable has no such slot: a call would crash this process). */
static void no_file_transferred_without_callback2_N3(void **state)
{
    struct fixture *f = *state;
    struct cb *c = f->cb[0];
    IBackgroundCopyJob *job = new_job(f, 2, 10000, L"v1", NULL);

    c->v1_only = TRUE;
    set_callback(job, c, BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_FILE_TRANSFERRED);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    wait_event(c->transferred_event);
    assert_int_equal(c->files, 0);
    assert_hr(IBackgroundCopyJob_Complete(job), S_OK);
}

static void set_interval(IBackgroundCopyJob *job, DWORD ms)
{
    IBackgroundCopyJob5 *j5 = NULL;
    BITS_JOB_PROPERTY_VALUE v;

    assert_hr(IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJob5, (void **)&j5), S_OK);
    v.Dword = ms;
    assert_hr(IBackgroundCopyJob5_SetProperty(j5, BITS_JOB_PROPERTY_MINIMUM_NOTIFICATION_INTERVAL_MS, v), S_OK);
    IBackgroundCopyJob5_Release(j5);
}

/* N2 + MINIMUM_NOTIFICATION_INTERVAL_MS: during a 3 s transfer with constant progress,
 * JobModification comes at most once per interval (1000 ms) and more often with 100 ms. */
static void job_modification_rate_limited_by_property_N2(void **state)
{
    struct fixture *f = *state;
    struct cb *slow = f->cb[0], *fast = f->cb[1];
    IBackgroundCopyJob *a = new_job(f, 1, 300000, L"modslow", L"rate=100000");
    IBackgroundCopyJob *b = new_job(f, 1, 300000, L"modfast", L"rate=100000");
    ULONG flags = BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_MODIFICATION;

    set_interval(a, 1000);
    set_interval(b, 100);
    set_callback(a, slow, flags);
    set_callback(b, fast, flags);
    assert_hr(IBackgroundCopyJob_SetPriority(a, BG_JOB_PRIORITY_FOREGROUND), S_OK);
    assert_hr(IBackgroundCopyJob_SetPriority(b, BG_JOB_PRIORITY_FOREGROUND), S_OK);
    assert_hr(IBackgroundCopyJob_Resume(a), S_OK);
    assert_hr(IBackgroundCopyJob_Resume(b), S_OK);
    wait_event(slow->transferred_event);
    wait_event(fast->transferred_event);
    print_message("JobModification calls: interval 1000 ms: %ld, interval 100 ms: %ld\n", slow->modifications,
                  fast->modifications);
    assert_true(slow->modifications >= 2 && slow->modifications <= 6);
    assert_true(fast->modifications >= 8);
    for (LONG i = 1; i < slow->modifications && i < 256; i++)
        assert_true(slow->t_mod[i] - slow->t_mod[i - 1] >= 900);
}

/* N9: a callback that sleeps 3 s in JobTransferred does not hold up another job's transfer. */
static void sleeping_callback_does_not_block_transfers_N9(void **state)
{
    struct fixture *f = *state;
    struct cb *sleepy = f->cb[0];
    IBackgroundCopyJob *a = new_job(f, 1, 1000, L"sleepa", NULL);
    IBackgroundCopyJob *b = new_job(f, 1, 200000, L"sleepb", L"rate=200000");

    sleepy->sleep_transferred_ms = 3000;
    set_callback(a, sleepy, BG_NOTIFY_JOB_TRANSFERRED);
    assert_hr(IBackgroundCopyJob_Resume(a), S_OK);
    {
        ULONGLONG end = GetTickCount64() + WAIT_MS;

        while (!sleepy->in_transferred && GetTickCount64() < end)
            Sleep(10);
    }
    assert_true(sleepy->in_transferred);
    assert_hr(IBackgroundCopyJob_Resume(b), S_OK); /* ~1 s transfer */
    assert_int_equal(wt_wait_state(b, BG_JOB_STATE_TRANSFERRED, 2500), BG_JOB_STATE_TRANSFERRED);
    assert_true(sleepy->in_transferred); /* still inside the sleeping callback */
    wait_event(sleepy->transferred_event);
}

/* ---- the notify command line ------------------------------------------------------------ */

/* N6 step 3, N10: no callback object -> the command line runs once the job is transferred;
 * exit code 0 means handled (it does not run again). */
static void cmdline_runs_when_no_callback_object_N10(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job = new_job(f, 1, 1000, L"cmd", NULL);
    WCHAR mark[WT_PATH];

    wt_format(mark, L"%ls\\mark.txt", f->dir);
    wt_set_mark_cmdline(job, mark, 0);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_int_equal(wt_wait_lines(mark, 1, WAIT_MS), 1);
    Sleep(2500); /* > MinimumRetryDelay: a handled event is not repeated */
    assert_int_equal(wt_count_lines(mark), 1);
    assert_int_equal(wt_wait_state(job, BG_JOB_STATE_TRANSFERRED, 0), BG_JOB_STATE_TRANSFERRED);
}

/* N10: a non-zero exit runs the command line again after MinimumRetryDelay (1 s). */
static void cmdline_rerun_after_nonzero_exit_N10(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job = new_job(f, 1, 1000, L"cmdfail", NULL);
    WCHAR mark[WT_PATH];
    ULONGLONG t0;

    wt_format(mark, L"%ls\\mark.txt", f->dir);
    wt_set_mark_cmdline(job, mark, 2); /* first run exits 1, second exits 0 */
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_int_equal(wt_wait_lines(mark, 1, WAIT_MS), 1);
    t0 = GetTickCount64();
    assert_int_equal(wt_wait_lines(mark, 2, WAIT_MS), 2);
    assert_true(GetTickCount64() - t0 >= 500); /* waited for the retry delay */
    Sleep(2500);
    assert_int_equal(wt_count_lines(mark), 2); /* handled: no third run */
}

/* N10, N4: a command line registered after the event still runs. */
static void cmdline_registered_after_event_runs_N10(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job = new_job(f, 1, 1000, L"cmdlate", NULL);
    WCHAR mark[WT_PATH];

    wt_format(mark, L"%ls\\mark.txt", f->dir);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_int_equal(wt_wait_state(job, BG_JOB_STATE_TRANSFERRED, WAIT_MS), BG_JOB_STATE_TRANSFERRED);
    Sleep(300);
    assert_int_equal(wt_count_lines(mark), 0);
    wt_set_mark_cmdline(job, mark, 0);
    assert_int_equal(wt_wait_lines(mark, 1, WAIT_MS), 1);
}

/* N5: a callback whose JobTransferred fails is replaced by the command line. */
static void failing_callback_falls_back_to_cmdline_N5(void **state)
{
    struct fixture *f = *state;
    struct cb *c = f->cb[0];
    IBackgroundCopyJob *job = new_job(f, 1, 1000, L"cmdcb", NULL);
    WCHAR mark[WT_PATH];

    wt_format(mark, L"%ls\\mark.txt", f->dir);
    c->transferred_hr = E_FAIL;
    set_callback(job, c, BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR);
    wt_set_mark_cmdline(job, mark, 0);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    wait_event(c->transferred_event);
    assert_int_equal(wt_wait_lines(mark, 1, WAIT_MS), 1);
}

/* The command-line mode of this program (see the top of the file). */
int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(file_transferred_per_file_before_job_transferred_N2_N3, setup, teardown),
        cmocka_unit_test_setup_teardown(no_file_transferred_without_callback2_N3, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_file_transferred_is_retried_before_job_transferred_N5, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(job_modification_rate_limited_by_property_N2, setup, teardown),
        cmocka_unit_test_setup_teardown(sleeping_callback_does_not_block_transfers_N9, setup, teardown),
        cmocka_unit_test_setup_teardown(cmdline_runs_when_no_callback_object_N10, setup, teardown),
        cmocka_unit_test_setup_teardown(cmdline_rerun_after_nonzero_exit_N10, setup, teardown),
        cmocka_unit_test_setup_teardown(cmdline_registered_after_event_runs_N10, setup, teardown),
        cmocka_unit_test_setup_teardown(failing_callback_falls_back_to_cmdline_N5, setup, teardown),
    };

    if (argc > 1 && !strcmp(argv[1], "--mark"))
        return wt_mark_main(argc, argv);
    return cmocka_run_group_tests_name("wine.test_notify", tests, group_setup, group_teardown);
}
