/*
 * test_transfer.c - end-to-end downloads driven from a separate client process through COM:
 * the foundation proof of bgcopy. The test program is an ordinary BITS client: it activates
 * CLSID_BgCopyManager with CLSCTX_LOCAL_SERVER, so every call crosses into bgcopysvc.exe, and
 * its callback object is called back from the server into this process.
 *
 * Runs under tests/wine/wine-run.sh (BGC_HTTP_PORT, BGC_TEMP_DIR...); content comes from the
 * loopback test server's /gen/<size>?seed=<n> endpoint and is checked against
 * bgc_testdata_sha256(seed, size).
 *
 * Invariants of the fixture:
 *  1. Each test gets its own callback object and job list; teardown clears the notify
 *     interface and cancels every job the test created that is not final, so no test leaks a
 *     running job into the next one.
 *  2. Each test writes only inside its own directory under BGC_TEMP_DIR.
 *  3. Every wait is bounded (WAIT_MS for a transfer).
 */
#include "wine_test.h"

#define WAIT_MS 60000
#define MAX_JOBS 4

/* ---- the test's callback object ------------------------------------------------------- */

struct test_callback {
    IBackgroundCopyCallback IBackgroundCopyCallback_iface; /* the only interface */
    LONG ref;                      /* COM reference count */
    LONG transferred;              /* JobTransferred calls */
    LONG errors;                   /* JobError calls */
    DWORD pid_in_callback;         /* GetCurrentProcessId() seen inside the last call */
    DWORD tid_in_callback;         /* GetCurrentThreadId() seen inside the last call */
    HRESULT caller_tid_hr;         /* CoGetCallerTID inside the last call: S_FALSE = other process */
    HANDLE transferred_event;      /* set by JobTransferred (manual reset) */
    HANDLE error_event;            /* set by JobError (manual reset) */
    BG_ERROR_CONTEXT error_context; /* from IBackgroundCopyError::GetError in JobError */
    HRESULT error_code;            /* idem */
    HRESULT error_get_hr;          /* result of that GetError call */
    WCHAR error_remote[WT_PATH];   /* remote name of IBackgroundCopyError::GetFile, or "" */
};

static inline struct test_callback *impl_from_IBackgroundCopyCallback(IBackgroundCopyCallback *iface)
{
    return CONTAINING_RECORD(iface, struct test_callback, IBackgroundCopyCallback_iface);
}

static HRESULT WINAPI TestCallback_QueryInterface(IBackgroundCopyCallback *iface, REFIID riid, void **ppv)
{
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IBackgroundCopyCallback)) {
        *ppv = iface;
        IBackgroundCopyCallback_AddRef(iface);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI TestCallback_AddRef(IBackgroundCopyCallback *iface)
{
    return (ULONG)InterlockedIncrement(&impl_from_IBackgroundCopyCallback(iface)->ref);
}

static ULONG WINAPI TestCallback_Release(IBackgroundCopyCallback *iface)
{
    struct test_callback *cb = impl_from_IBackgroundCopyCallback(iface);
    LONG ref = InterlockedDecrement(&cb->ref);
    if (ref == 0) {
        CloseHandle(cb->transferred_event);
        CloseHandle(cb->error_event);
        free(cb);
    }
    return (ULONG)ref;
}

/* Where the current call runs and comes from. */
static void record_caller(struct test_callback *cb)
{
    DWORD caller_tid = 0;
    cb->pid_in_callback = GetCurrentProcessId();
    cb->tid_in_callback = GetCurrentThreadId();
    cb->caller_tid_hr = CoGetCallerTID(&caller_tid);
}

static HRESULT WINAPI TestCallback_JobTransferred(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job)
{
    struct test_callback *cb = impl_from_IBackgroundCopyCallback(iface);
    (void)job;
    record_caller(cb);
    InterlockedIncrement(&cb->transferred);
    SetEvent(cb->transferred_event);
    return S_OK;
}

static HRESULT WINAPI TestCallback_JobError(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job,
                                            IBackgroundCopyError *error)
{
    struct test_callback *cb = impl_from_IBackgroundCopyCallback(iface);
    IBackgroundCopyFile *file = NULL;
    (void)job;
    record_caller(cb);
    /* The error object is valid only during the call (N12): copy what the test checks. */
    cb->error_get_hr = error ? IBackgroundCopyError_GetError(error, &cb->error_context, &cb->error_code) : E_POINTER;
    cb->error_remote[0] = 0;
    if (error && SUCCEEDED(IBackgroundCopyError_GetFile(error, &file)) && file) {
        WCHAR *name = NULL;
        if (SUCCEEDED(IBackgroundCopyFile_GetRemoteName(file, &name)) && name)
            lstrcpynW(cb->error_remote, name, WT_PATH);
        CoTaskMemFree(name);
        IBackgroundCopyFile_Release(file);
    }
    InterlockedIncrement(&cb->errors);
    SetEvent(cb->error_event);
    return S_OK;
}

static HRESULT WINAPI TestCallback_JobModification(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job,
                                                   DWORD reserved)
{
    (void)iface;
    (void)job;
    (void)reserved;
    return S_OK;
}

static const IBackgroundCopyCallbackVtbl test_callback_vtbl = {
    TestCallback_QueryInterface,
    TestCallback_AddRef,
    TestCallback_Release,
    TestCallback_JobTransferred,
    TestCallback_JobError,
    TestCallback_JobModification,
};

static struct test_callback *test_callback_new(void)
{
    struct test_callback *cb = calloc(1, sizeof(*cb));
    assert_non_null(cb);
    cb->IBackgroundCopyCallback_iface.lpVtbl = (IBackgroundCopyCallbackVtbl *)&test_callback_vtbl;
    cb->ref = 1;
    cb->transferred_event = CreateEventW(NULL, TRUE, FALSE, NULL);
    cb->error_event = CreateEventW(NULL, TRUE, FALSE, NULL);
    assert_non_null(cb->transferred_event);
    assert_non_null(cb->error_event);
    return cb;
}

/* ---- fixture ---------------------------------------------------------------------------- */

static IBackgroundCopyManager *g_mgr; /* one connection for the whole group (keeps the server up) */

struct fixture {
    struct test_callback *cb;          /* this test's callback object */
    IBackgroundCopyJob *jobs[MAX_JOBS]; /* jobs to clean up (references) */
    int njobs;                          /* entries used in jobs */
    WCHAR dir[WT_PATH];                 /* this test's directory under BGC_TEMP_DIR */
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
    if (!f)
        return -1;
    f->cb = test_callback_new();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    int i;
    for (i = 0; i < f->njobs; i++) {
        BG_JOB_STATE st;
        IBackgroundCopyJob_SetNotifyInterface(f->jobs[i], NULL);
        if (SUCCEEDED(IBackgroundCopyJob_GetState(f->jobs[i], &st)) && st != BG_JOB_STATE_ACKNOWLEDGED &&
            st != BG_JOB_STATE_CANCELLED)
            IBackgroundCopyJob_Cancel(f->jobs[i]);
        IBackgroundCopyJob_Release(f->jobs[i]);
    }
    CoDisconnectObject((IUnknown *)&f->cb->IBackgroundCopyCallback_iface, 0);
    IBackgroundCopyCallback_Release(&f->cb->IBackgroundCopyCallback_iface);
    free(f);
    return 0;
}

/* Creates a download job owned by the fixture; *id receives its GUID when id is not NULL. */
static IBackgroundCopyJob *new_job(struct fixture *f, const WCHAR *name, GUID *id)
{
    IBackgroundCopyJob *job = NULL;
    GUID tmp;
    assert_true(f->njobs < MAX_JOBS);
    assert_hr(IBackgroundCopyManager_CreateJob(g_mgr, name, BG_JOB_TYPE_DOWNLOAD, id ? id : &tmp, &job), S_OK);
    assert_non_null(job);
    f->jobs[f->njobs++] = job;
    return job;
}

/* Registers the fixture's callback for JobTransferred and JobError. */
static void watch(struct fixture *f, IBackgroundCopyJob *job)
{
    ULONG flags = 0;
    assert_hr(IBackgroundCopyJob_SetNotifyFlags(job, BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR), S_OK);
    assert_hr(IBackgroundCopyJob_GetNotifyFlags(job, &flags), S_OK);
    assert_int_equal(flags, BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR);
    assert_hr(IBackgroundCopyJob_SetNotifyInterface(job, (IUnknown *)&f->cb->IBackgroundCopyCallback_iface), S_OK);
}

/* Waits for JobTransferred; fails with the job's state and error when it does not come. */
static void wait_transferred(struct fixture *f, IBackgroundCopyJob *job)
{
    HANDLE events[2] = { f->cb->transferred_event, f->cb->error_event };
    DWORD w = WaitForMultipleObjects(2, events, FALSE, WAIT_MS);
    if (w != WAIT_OBJECT_0) {
        BG_JOB_STATE st = (BG_JOB_STATE)-1;
        BG_JOB_PROGRESS p;
        IBackgroundCopyJob_GetState(job, &st);
        memset(&p, 0, sizeof(p));
        IBackgroundCopyJob_GetProgress(job, &p);
        print_error("no JobTransferred (wait %lu): state %d, %llu/%llu bytes, JobError calls %ld "
                    "(context %d, code 0x%08lx)\n",
                    (unsigned long)w, (int)st, (unsigned long long)p.BytesTransferred,
                    (unsigned long long)p.BytesTotal, f->cb->errors, (int)f->cb->error_context,
                    (unsigned long)f->cb->error_code);
        fail();
    }
}

/* ---- tests ------------------------------------------------------------------------------ */

/* N2, L18, L21, F5: the whole foundation path, from this process through the server and back. */
static void job_transferred_reaches_client_callback_N2(void **state)
{
    struct fixture *f = *state;
    static const WCHAR name[] = L"bgc N2 transfer \x00e9\x4e2d";
    IBackgroundCopyJob *job;
    WCHAR url[WT_PATH], local[WT_PATH], *got_name = NULL;
    BG_JOB_STATE st;
    BG_JOB_PROGRESS p;
    GUID id, got_id;

    job = new_job(f, name, &id);
    assert_hr(IBackgroundCopyJob_GetId(job, &got_id), S_OK);
    assert_true(IsEqualGUID(&id, &got_id));
    assert_hr(IBackgroundCopyJob_GetDisplayName(job, &got_name), S_OK);
    assert_non_null(got_name);
    assert_true(wcscmp(got_name, name) == 0);
    CoTaskMemFree(got_name);
    assert_hr(IBackgroundCopyJob_GetState(job, &st), S_OK);
    assert_int_equal(st, BG_JOB_STATE_SUSPENDED);

    wt_url(url, L"/gen/8000000?seed=7");
    wt_format(local, L"%ls\\out.bin", wt_test_dir(f->dir, L"n2"));
    assert_hr(IBackgroundCopyJob_AddFile(job, url, local), S_OK);
    watch(f, job);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);

    wait_transferred(f, job);
    assert_int_equal(f->cb->transferred, 1);
    assert_int_equal(f->cb->errors, 0);
    /* Called in this process, on a COM (RPC) thread, not on the waiting main thread. */
    assert_int_equal(f->cb->pid_in_callback, GetCurrentProcessId());
    assert_int_not_equal(f->cb->tid_in_callback, GetCurrentThreadId());
    /* CoGetCallerTID: S_FALSE = the caller is another process (Windows); Wine 8 answers
     * E_NOTIMPL. S_OK would mean an in-process caller, which must not happen here. */
    print_message("CoGetCallerTID in JobTransferred: 0x%08lx\n", (unsigned long)f->cb->caller_tid_hr);
    assert_true(f->cb->caller_tid_hr == S_FALSE || f->cb->caller_tid_hr == E_NOTIMPL);

    assert_hr(IBackgroundCopyJob_GetState(job, &st), S_OK);
    assert_int_equal(st, BG_JOB_STATE_TRANSFERRED);
    assert_hr(IBackgroundCopyJob_GetProgress(job, &p), S_OK);
    assert_int_equal(p.BytesTotal, 8000000);
    assert_int_equal(p.BytesTransferred, 8000000);
    assert_int_equal(p.FilesTotal, 1);
    assert_int_equal(p.FilesTransferred, 1);
    /* F5: nothing is visible under the final name before Complete. */
    assert_false(wt_file_exists(local));

    assert_hr(IBackgroundCopyJob_SetNotifyInterface(job, NULL), S_OK);
    assert_hr(IBackgroundCopyJob_Complete(job), S_OK);
    assert_hr(IBackgroundCopyJob_GetState(job, &st), S_OK);
    assert_int_equal(st, BG_JOB_STATE_ACKNOWLEDGED);
    wt_assert_file_is_testdata(local, 7, 8000000);
    /* Only the final file remains in the directory: the temporary file was renamed. */
    assert_int_equal(wt_dir_entries(f->dir), 1);
}

/* N2, R4, R11, R12: a 404 is fatal, reaches JobError with REMOTE_FILE / 0x80190194. */
static void job_error_reaches_client_callback_with_404_N2(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job = new_job(f, L"bgc N2 error", NULL);
    IBackgroundCopyError *error = NULL;
    BG_ERROR_CONTEXT ctx;
    HRESULT code;
    WCHAR url[WT_PATH], local[WT_PATH];
    BG_JOB_STATE st;

    wt_url(url, L"/files/no-such-file.bin");
    wt_format(local, L"%ls\\missing.bin", wt_test_dir(f->dir, L"n2-error"));
    assert_hr(IBackgroundCopyJob_AddFile(job, url, local), S_OK);
    watch(f, job);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);

    assert_int_equal(WaitForSingleObject(f->cb->error_event, WAIT_MS), WAIT_OBJECT_0);
    assert_int_equal(f->cb->errors, 1);
    assert_int_equal(f->cb->transferred, 0);
    assert_int_equal(f->cb->pid_in_callback, GetCurrentProcessId());
    assert_hr(f->cb->error_get_hr, S_OK);
    assert_int_equal(f->cb->error_context, BG_ERROR_CONTEXT_REMOTE_FILE);
    assert_hr(f->cb->error_code, BG_E_HTTP_ERROR_404);
    assert_true(wcscmp(f->cb->error_remote, url) == 0);

    assert_hr(IBackgroundCopyJob_GetState(job, &st), S_OK);
    assert_int_equal(st, BG_JOB_STATE_ERROR);
    /* R10: the job's own error object says the same while the job is in ERROR. */
    assert_hr(IBackgroundCopyJob_GetError(job, &error), S_OK);
    assert_non_null(error);
    assert_hr(IBackgroundCopyError_GetError(error, &ctx, &code), S_OK);
    assert_int_equal(ctx, BG_ERROR_CONTEXT_REMOTE_FILE);
    assert_hr(code, BG_E_HTTP_ERROR_404);
    IBackgroundCopyError_Release(error);
    assert_false(wt_file_exists(local));
}

/* 2.2 EnumFiles, 2.7 file getters: names exactly as stored, progress before and after. */
static void enum_files_reports_names_and_progress_2_7(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job = new_job(f, L"bgc enum files", NULL);
    IEnumBackgroundCopyFiles *files = NULL;
    IBackgroundCopyFile *file[2] = { NULL, NULL };
    WCHAR url[2][WT_PATH], local[2][WT_PATH], *s = NULL;
    BG_FILE_PROGRESS fp;
    ULONG count = 0, fetched = 0;
    int i;

    wt_test_dir(f->dir, L"enum-files");
    wt_url(url[0], L"/gen/3000?seed=21");
    wt_url(url[1], L"/gen/5000?seed=22");
    wt_format(local[0], L"%ls\\a.bin", f->dir);
    wt_format(local[1], L"%ls\\b.bin", f->dir);
    for (i = 0; i < 2; i++)
        assert_hr(IBackgroundCopyJob_AddFile(job, url[i], local[i]), S_OK);

    assert_hr(IBackgroundCopyJob_EnumFiles(job, &files), S_OK);
    assert_hr(IEnumBackgroundCopyFiles_GetCount(files, &count), S_OK);
    assert_int_equal(count, 2);
    assert_hr(IEnumBackgroundCopyFiles_Next(files, 2, file, &fetched), S_OK);
    assert_int_equal(fetched, 2);
    IEnumBackgroundCopyFiles_Release(files);
    for (i = 0; i < 2; i++) {
        assert_hr(IBackgroundCopyFile_GetRemoteName(file[i], &s), S_OK);
        assert_true(wcscmp(s, url[i]) == 0);
        CoTaskMemFree(s);
        assert_hr(IBackgroundCopyFile_GetLocalName(file[i], &s), S_OK);
        assert_true(wcscmp(s, local[i]) == 0);
        CoTaskMemFree(s);
        assert_hr(IBackgroundCopyFile_GetProgress(file[i], &fp), S_OK);
        assert_int_equal(fp.BytesTotal, BG_SIZE_UNKNOWN);
        assert_int_equal(fp.BytesTransferred, 0);
        assert_false(fp.Completed);
    }

    watch(f, job);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    wait_transferred(f, job);
    for (i = 0; i < 2; i++) {
        assert_hr(IBackgroundCopyFile_GetProgress(file[i], &fp), S_OK);
        assert_int_equal(fp.BytesTotal, i == 0 ? 3000 : 5000);
        assert_int_equal(fp.BytesTransferred, fp.BytesTotal);
    }
    assert_hr(IBackgroundCopyJob_SetNotifyInterface(job, NULL), S_OK);
    assert_hr(IBackgroundCopyJob_Complete(job), S_OK);
    for (i = 0; i < 2; i++) {
        /* Completed means "available under the final name", i.e. after Complete. */
        assert_hr(IBackgroundCopyFile_GetProgress(file[i], &fp), S_OK);
        assert_true(fp.Completed);
        IBackgroundCopyFile_Release(file[i]);
    }
    wt_assert_file_is_testdata(local[0], 21, 3000);
    wt_assert_file_is_testdata(local[1], 22, 5000);
}

/* TRUE when EnumJobs(0) lists a job with this id. */
static BOOL enum_jobs_contains(const GUID *id)
{
    IEnumBackgroundCopyJobs *jobs = NULL;
    IBackgroundCopyJob *job = NULL;
    ULONG fetched = 0;
    BOOL found = FALSE;
    assert_hr(IBackgroundCopyManager_EnumJobs(g_mgr, 0, &jobs), S_OK);
    while (IEnumBackgroundCopyJobs_Next(jobs, 1, &job, &fetched) == S_OK && fetched == 1) {
        GUID got;
        assert_hr(IBackgroundCopyJob_GetId(job, &got), S_OK);
        if (IsEqualGUID(&got, id))
            found = TRUE;
        IBackgroundCopyJob_Release(job);
    }
    IEnumBackgroundCopyJobs_Release(jobs);
    return found;
}

/* 2.1 EnumJobs/GetJob, L20, L30, F7: a cancelled job leaves the queue and its temp file. */
static void cancel_removes_job_and_temp_file_L30_F7(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job, *again = NULL;
    WCHAR url[WT_PATH], path[WT_PATH], local[WT_PATH], key[40];
    BG_JOB_PROGRESS p;
    BG_JOB_STATE st;
    GUID id, got;

    job = new_job(f, L"bgc cancel", &id);
    assert_true(enum_jobs_contains(&id));
    assert_hr(IBackgroundCopyManager_GetJob(g_mgr, &id, &again), S_OK);
    assert_hr(IBackgroundCopyJob_GetId(again, &got), S_OK);
    assert_true(IsEqualGUID(&id, &got));
    IBackgroundCopyJob_Release(again);
    again = NULL;

    /* Stall mid-body so that the job is caught with a partial temp file. */
    wt_format(path, L"/gen/4000000?seed=31&stall=20000&stallat=1000000&stallid=%ls", wt_unique(key));
    wt_url(url, path);
    wt_format(local, L"%ls\\cancelled.bin", wt_test_dir(f->dir, L"cancel"));
    assert_hr(IBackgroundCopyJob_AddFile(job, url, local), S_OK);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    p = wt_wait_bytes(job, 1000000, WAIT_MS);
    assert_true(p.BytesTransferred >= 1000000);
    assert_true(wt_dir_entries(f->dir) >= 1); /* F4: the temp file is in the destination dir */

    assert_hr(IBackgroundCopyJob_Cancel(job), S_OK);
    assert_hr(IBackgroundCopyJob_GetState(job, &st), S_OK);
    assert_int_equal(st, BG_JOB_STATE_CANCELLED);
    assert_hr(IBackgroundCopyManager_GetJob(g_mgr, &id, &again), BG_E_NOT_FOUND);
    assert_null(again);
    assert_false(enum_jobs_contains(&id));
    assert_false(wt_file_exists(local));
    assert_int_equal(wt_dir_entries(f->dir), 0);
}

/* L19, L2, P2: Suspend stops a running transfer, Resume finishes it with the right content. */
static void suspend_resume_mid_transfer_completes_L19(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job = new_job(f, L"bgc suspend resume", NULL);
    WCHAR url[WT_PATH], path[WT_PATH], local[WT_PATH], key[40];
    BG_JOB_PROGRESS p1, p2;
    BG_JOB_STATE st;

    wt_format(path, L"/gen/6000000?seed=41&stall=3000&stallat=2000000&stallid=%ls", wt_unique(key));
    wt_url(url, path);
    wt_format(local, L"%ls\\resumed.bin", wt_test_dir(f->dir, L"suspend"));
    assert_hr(IBackgroundCopyJob_AddFile(job, url, local), S_OK);
    watch(f, job);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    /* Suspend while the server holds the body at 2000000 (the stall fires only once). */
    p1 = wt_wait_bytes(job, 2000000, WAIT_MS);
    assert_true(p1.BytesTransferred >= 2000000);

    assert_hr(IBackgroundCopyJob_Suspend(job), S_OK);
    assert_hr(IBackgroundCopyJob_GetState(job, &st), S_OK);
    assert_int_equal(st, BG_JOB_STATE_SUSPENDED);
    assert_hr(IBackgroundCopyJob_GetProgress(job, &p1), S_OK);
    assert_true(p1.BytesTransferred < 6000000);
    Sleep(1000);
    assert_hr(IBackgroundCopyJob_GetProgress(job, &p2), S_OK);
    assert_int_equal(p2.BytesTransferred, p1.BytesTransferred); /* nothing moves while suspended */
    assert_int_equal(f->cb->transferred, 0);

    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    wait_transferred(f, job);
    assert_hr(IBackgroundCopyJob_SetNotifyInterface(job, NULL), S_OK);
    assert_hr(IBackgroundCopyJob_Complete(job), S_OK);
    wt_assert_file_is_testdata(local, 41, 6000000);
}

/* L31, 2.2 GetProgress: two files in one job, both transferred, counted and correct. */
static void two_files_in_one_job_transfer_L31(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job = new_job(f, L"bgc two files", NULL);
    WCHAR url[2][WT_PATH], local[2][WT_PATH];
    BG_JOB_PROGRESS p;

    wt_test_dir(f->dir, L"two-files");
    wt_url(url[0], L"/gen/1000000?seed=51");
    wt_url(url[1], L"/gen/2500000?seed=52");
    wt_format(local[0], L"%ls\\first.bin", f->dir);
    wt_format(local[1], L"%ls\\second.bin", f->dir);
    assert_hr(IBackgroundCopyJob_AddFile(job, url[0], local[0]), S_OK);
    assert_hr(IBackgroundCopyJob_AddFile(job, url[1], local[1]), S_OK);
    assert_hr(IBackgroundCopyJob_GetProgress(job, &p), S_OK);
    assert_int_equal(p.FilesTotal, 2);
    assert_int_equal(p.FilesTransferred, 0);
    watch(f, job);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    wait_transferred(f, job);

    assert_hr(IBackgroundCopyJob_GetProgress(job, &p), S_OK);
    assert_int_equal(p.FilesTotal, 2);
    assert_int_equal(p.FilesTransferred, 2);
    assert_int_equal(p.BytesTotal, 3500000);
    assert_int_equal(p.BytesTransferred, 3500000);
    assert_hr(IBackgroundCopyJob_SetNotifyInterface(job, NULL), S_OK);
    assert_hr(IBackgroundCopyJob_Complete(job), S_OK);
    wt_assert_file_is_testdata(local[0], 51, 1000000);
    wt_assert_file_is_testdata(local[1], 52, 2500000);
}

/* F1: a file:// URL naming a local file downloads like HTTP. */
static void file_url_downloads_F1(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job = new_job(f, L"bgc file url", NULL);
    WCHAR src[WT_PATH], url[WT_PATH], local[WT_PATH], *c;

    wt_test_dir(f->dir, L"file-url");
    wt_format(src, L"%ls\\source.bin", f->dir);
    wt_format(local, L"%ls\\copy.bin", f->dir);
    wt_write_testdata(src, 61, 300000);
    /* file:///C:/dir/source.bin */
    wt_format(url, L"file:///%ls", src);
    for (c = url; *c; c++)
        if (*c == L'\\')
            *c = L'/';
    assert_hr(IBackgroundCopyJob_AddFile(job, url, local), S_OK);
    watch(f, job);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    wait_transferred(f, job);
    assert_hr(IBackgroundCopyJob_SetNotifyInterface(job, NULL), S_OK);
    assert_hr(IBackgroundCopyJob_Complete(job), S_OK);
    wt_assert_file_is_testdata(local, 61, 300000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(job_transferred_reaches_client_callback_N2, setup, teardown),
        cmocka_unit_test_setup_teardown(job_error_reaches_client_callback_with_404_N2, setup, teardown),
        cmocka_unit_test_setup_teardown(enum_files_reports_names_and_progress_2_7, setup, teardown),
        cmocka_unit_test_setup_teardown(cancel_removes_job_and_temp_file_L30_F7, setup, teardown),
        cmocka_unit_test_setup_teardown(suspend_resume_mid_transfer_completes_L19, setup, teardown),
        cmocka_unit_test_setup_teardown(two_files_in_one_job_transfer_L31, setup, teardown),
        cmocka_unit_test_setup_teardown(file_url_downloads_F1, setup, teardown),
    };
    return cmocka_run_group_tests_name("wine.test_transfer", tests, group_setup, group_teardown);
}
