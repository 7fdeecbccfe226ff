/*
 * test_notify_chain.c - the notification chain through the real COM server with real
 * processes (issue 4 items 3 and 6; N4, N5, N6, N7): a client that set a callback object and
 * the notification CLSID is killed mid-transfer and bgcopynotify.exe, started by COM from
 * the CLSID, receives JobTransferred and completes the job; the last SetNotifyInterface
 * wins across two client processes; an object beats the CLSID; GUID_NULL clears the CLSID;
 * the last CLSID setter wins, even after the event; an unregistered CLSID falls back to the
 * command line; failing callbacks (an object, and bgcopynotify whose Command fails) are
 * called again after MinimumRetryDelay (1 s; the harness sets RetryDelayFloorS=1).
 *
 * bgcopynotify is registered in group setup (`bgcopynotify.exe /RegServer`) and configured
 * through HKCU\Software\bgcopy\Notify (LogFile in BGC_TEMP_DIR, IdleTimeoutMs 1000;
 * CompleteOnTransferred and Command per test). What it received is read from its log, by
 * job GUID.
 *
 * This program has two helper modes, chosen before any COM or CMocka work (see main):
 *   --mark FILE [--fail-until N] [--job ID]  appends "run ID" to FILE; exits 1 while FILE
 *                                            has fewer than N lines, else 0 (a command line);
 *   --client JOBID MARK [--clsid]            a second client process: sets its own callback
 *                                            object on the job (JobTransferred appends a line
 *                                            to MARK), with --clsid also the notification
 *                                            CLSID (CLSID_BgCopyNotify), creates MARK.ready,
 *                                            then waits (at most 120 s) to be killed.
 */
#include "wine_test.h"
#include "winproc.h"


#define WAIT_MS 60000
#define MAX_JOBS 4

/* {0BADC1D0-0000-4000-8000-000000000001}: registered nowhere */
static const GUID CLSID_Unregistered = {0x0badc1d0, 0x0000, 0x4000, {0x80, 0x00, 0, 0, 0, 0, 0, 0x01}};

/* ---- the callback object ------------------------------------------------------------------ */

struct cb {
    IBackgroundCopyCallback2 IBackgroundCopyCallback2_iface;
    LONG ref;
    LONG transferred;          /* JobTransferred calls */
    LONG failures_left;        /* JobTransferred returns E_FAIL while this is > 0 */
    ULONGLONG t_transferred[8]; /* GetTickCount64 at each JobTransferred */
    const char *mark;          /* helper mode: JobTransferred appends a line to this file */
    HANDLE transferred_event;
};

static struct cb *impl(IBackgroundCopyCallback2 *iface)
{
    return CONTAINING_RECORD(iface, struct cb, IBackgroundCopyCallback2_iface);
}

static HRESULT WINAPI cb_QueryInterface(IBackgroundCopyCallback2 *iface, REFIID riid, void **ppv)
{
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IBackgroundCopyCallback) ||
        IsEqualIID(riid, &IID_IBackgroundCopyCallback2)) {
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
    LONG n = InterlockedIncrement(&c->transferred);

    (void)job;
    if (n <= 8)
        c->t_transferred[n - 1] = GetTickCount64();
    if (c->mark) {
        FILE *fp = fopen(c->mark, "ab");

        if (fp) {
            fprintf(fp, "JobTransferred\n");
            fclose(fp);
        }
    }
    SetEvent(c->transferred_event);
    return InterlockedDecrement(&c->failures_left) >= 0 ? E_FAIL : S_OK;
}

static HRESULT WINAPI cb_JobError(IBackgroundCopyCallback2 *iface, IBackgroundCopyJob *job, IBackgroundCopyError *e)
{
    (void)iface;
    (void)job;
    (void)e;
    return S_OK;
}

static HRESULT WINAPI cb_JobModification(IBackgroundCopyCallback2 *iface, IBackgroundCopyJob *job, DWORD reserved)
{
    (void)iface;
    (void)job;
    (void)reserved;
    return S_OK;
}

static HRESULT WINAPI cb_FileTransferred(IBackgroundCopyCallback2 *iface, IBackgroundCopyJob *job,
                                         IBackgroundCopyFile *file)
{
    (void)iface;
    (void)job;
    (void)file;
    return S_OK;
}

static const IBackgroundCopyCallback2Vtbl cb_vtbl = {
    cb_QueryInterface, cb_AddRef, cb_Release, cb_JobTransferred, cb_JobError, cb_JobModification, cb_FileTransferred,
};

static struct cb *cb_new(void)
{
    struct cb *c = calloc(1, sizeof(*c));

    if (!c)
        return NULL;
    c->IBackgroundCopyCallback2_iface.lpVtbl = (IBackgroundCopyCallback2Vtbl *)&cb_vtbl;
    c->ref = 1;
    c->transferred_event = CreateEventW(NULL, TRUE, FALSE, NULL);
    return c;
}

static IUnknown *cb_unk(struct cb *c)
{
    return (IUnknown *)&c->IBackgroundCopyCallback2_iface;
}

/* ---- bgcopynotify: settings and its log ----------------------------------------------------- */

static WCHAR g_log[WT_PATH]; /* bgcopynotify's LogFile */
static IBackgroundCopyManager *g_mgr;

static void notify_set_dword(const WCHAR *name, DWORD value)
{
    assert_int_equal(RegSetKeyValueW(HKEY_CURRENT_USER, L"Software\\bgcopy\\Notify", name, REG_DWORD, &value,
                                     sizeof(value)),
                     ERROR_SUCCESS);
}

static void notify_set_sz(const WCHAR *name, const WCHAR *value)
{
    assert_int_equal(RegSetKeyValueW(HKEY_CURRENT_USER, L"Software\\bgcopy\\Notify", name, REG_SZ, value,
                                     (DWORD)((wcslen(value) + 1) * sizeof(WCHAR))),
                     ERROR_SUCCESS);
}

static void notify_delete(const WCHAR *name)
{
    RegDeleteKeyValueW(HKEY_CURRENT_USER, L"Software\\bgcopy\\Notify", name);
}

/* Number of lines of bgcopynotify's log that contain "<event> job=<guid>". */
static int log_count(const char *event, const char *guid)
{
    char needle[128], line[4096];
    FILE *fp = _wfopen(g_log, L"rb");
    int n = 0;

    snprintf(needle, sizeof(needle), " %s job=%s", event, guid);
    if (!fp)
        return 0;
    while (fgets(line, sizeof(line), fp))
        n += strstr(line, needle) != NULL;
    fclose(fp);
    return n;
}

/* Waits until at least n lines of bgcopynotify's log contain text; returns the count. */
static int wait_text(const char *text, int n, DWORD ms)
{
    ULONGLONG end = GetTickCount64() + ms;
    char line[4096];
    int got;

    for (;;) {
        FILE *fp = _wfopen(g_log, L"rb");

        got = 0;
        while (fp && fgets(line, sizeof(line), fp))
            got += strstr(line, text) != NULL;
        if (fp)
            fclose(fp);
        if (got >= n || GetTickCount64() >= end)
            return got;
        Sleep(50);
    }
}

static int wait_log(const char *event, const char *guid, int n, DWORD ms)
{
    ULONGLONG end = GetTickCount64() + ms;
    int got;

    while ((got = log_count(event, guid)) < n && GetTickCount64() < end)
        Sleep(50);
    return got;
}

/* Runs a command line (no shell) and returns its exit code; fails the test if it does not
 * start or end within ms. */
static DWORD run_wait(WCHAR *cmdline, DWORD ms)
{
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    DWORD code = 99;

    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    assert_true(CreateProcessW(NULL, cmdline, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi));
    CloseHandle(pi.hThread);
    assert_int_equal(WaitForSingleObject(pi.hProcess, ms), WAIT_OBJECT_0);
    GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hProcess);
    return code;
}

/* ---- fixture ------------------------------------------------------------------------------ */

struct fixture {
    struct cb *cb;
    IBackgroundCopyJob *jobs[MAX_JOBS];
    int njobs;
    HANDLE helper; /* the --client process, or NULL */
    WCHAR dir[WT_PATH];
};

static int group_setup(void **state)
{
    WCHAR cmd[WT_PATH];

    (void)state;
    if (wt_com_init() != 0)
        return -1;
    wt_format(g_log, L"%ls\\bgcopynotify.log", wt_env(L"BGC_TEMP_DIR"));
    notify_set_sz(L"LogFile", g_log);
    notify_set_dword(L"IdleTimeoutMs", 1000);
    notify_set_dword(L"CompleteOnTransferred", 0);
    notify_delete(L"Command");
    /* the registration itself is part of what is tested */
    wt_format(cmd, L"\"%ls\\bgcopynotify.exe\" /RegServer", wt_env(L"BGC_BIN_DIR"));
    if (run_wait(cmd, 30000) != 0)
        return -1;
    g_mgr = wt_connect();
    return g_mgr ? 0 : -1;
}

static int group_teardown(void **state)
{
    WCHAR cmd[WT_PATH];

    (void)state;
    if (g_mgr)
        IBackgroundCopyManager_Release(g_mgr);
    g_mgr = NULL;
    CoUninitialize();
    wt_format(cmd, L"\"%ls\\bgcopynotify.exe\" /UnregServer", wt_env(L"BGC_BIN_DIR"));
    return run_wait(cmd, 30000) == 0 ? 0 : -1;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    static LONG n;
    WCHAR name[32];

    if (!f || !(f->cb = cb_new()))
        return -1;
    swprintf(name, 32, L"chain%ld", (long)InterlockedIncrement(&n));
    wt_test_dir(f->dir, name);
    notify_set_dword(L"CompleteOnTransferred", 0);
    notify_delete(L"Command");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    if (f->helper) {
        TerminateProcess(f->helper, 9);
        WaitForSingleObject(f->helper, 10000);
        CloseHandle(f->helper);
    }
    for (int i = 0; i < f->njobs; i++) {
        BG_JOB_STATE st;

        IBackgroundCopyJob_SetNotifyInterface(f->jobs[i], NULL);
        if (SUCCEEDED(IBackgroundCopyJob_GetState(f->jobs[i], &st)) && st != BG_JOB_STATE_ACKNOWLEDGED &&
            st != BG_JOB_STATE_CANCELLED)
            IBackgroundCopyJob_Cancel(f->jobs[i]);
        IBackgroundCopyJob_Release(f->jobs[i]);
    }
    CoDisconnectObject(cb_unk(f->cb), 0);
    IBackgroundCopyCallback2_Release(&f->cb->IBackgroundCopyCallback2_iface);
    notify_set_dword(L"CompleteOnTransferred", 0);
    notify_delete(L"Command");
    free(f);
    return 0;
}

/* A job with one file /gen/<size>/<tag>?seed=<seed>[&query] to dir\<tag>.bin; not resumed.
 * MinimumRetryDelay 1 s. Its GUID goes to guid (UTF-8, as bgcopynotify logs it). */
static IBackgroundCopyJob *new_job(struct fixture *f, unsigned size, unsigned seed, const WCHAR *tag,
                                   const WCHAR *query, char guid[40])
{
    IBackgroundCopyJob *job = NULL;
    WCHAR path[WT_PATH], url[WT_PATH], local[WT_PATH], wguid[40];
    GUID id;

    assert_true(f->njobs < MAX_JOBS);
    assert_hr(IBackgroundCopyManager_CreateJob(g_mgr, tag, BG_JOB_TYPE_DOWNLOAD, &id, &job), S_OK);
    f->jobs[f->njobs++] = job;
    assert_hr(IBackgroundCopyJob_SetMinimumRetryDelay(job, 1), S_OK);
    wt_format(path, L"/gen/%u/%ls?seed=%u%ls%ls", size, tag, seed, query ? L"&" : L"", query ? query : L"");
    wt_format(local, L"%ls\\%ls.bin", f->dir, tag);
    assert_hr(IBackgroundCopyJob_AddFile(job, wt_url(url, path), local), S_OK);
    assert_int_equal(StringFromGUID2(&id, wguid, 40), 39);
    WideCharToMultiByte(CP_UTF8, 0, wguid, -1, guid, 40, NULL, NULL);
    return job;
}

static void set_clsid(IBackgroundCopyJob *job, const GUID *clsid)
{
    IBackgroundCopyJob5 *j5 = NULL;
    BITS_JOB_PROPERTY_VALUE v;

    assert_hr(IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJob5, (void **)&j5), S_OK);
    memset(&v, 0, sizeof(v));
    v.ClsID = *clsid;
    assert_hr(IBackgroundCopyJob5_SetProperty(j5, BITS_JOB_PROPERTY_NOTIFICATION_CLSID, v), S_OK);
    memset(&v, 0xcc, sizeof(v));
    assert_hr(IBackgroundCopyJob5_GetProperty(j5, BITS_JOB_PROPERTY_NOTIFICATION_CLSID, &v), S_OK);
    assert_true(IsEqualGUID(&v.ClsID, clsid));
    IBackgroundCopyJob5_Release(j5);
}

/* GetNotifyInterface: asserts it returns `want` (NULL: nothing). */
static void assert_notify_interface(IBackgroundCopyJob *job, IUnknown *want)
{
    IUnknown *got = (IUnknown *)(INT_PTR)0xdeadbeef;

    assert_hr(IBackgroundCopyJob_GetNotifyInterface(job, &got), S_OK);
    if (want) {
        assert_non_null(got);
        assert_ptr_equal(got, want); /* our own object comes back unmarshalled to itself */
        IUnknown_Release(got);
    } else {
        assert_null(got);
    }
}

/* Starts `<this exe> --client GUID MARK [--clsid]` and waits until it has set its object. */
static void start_client(struct fixture *f, const char *guid, const WCHAR *mark, BOOL clsid)
{
    WCHAR exe[MAX_PATH], cmd[WT_PATH], ready[WT_PATH];
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    ULONGLONG end;

    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    assert_true(GetModuleFileNameW(NULL, exe, MAX_PATH) > 0);
    wt_format(cmd, L"\"%ls\" --client %hs \"%ls\"%ls", exe, guid, mark, clsid ? L" --clsid" : L"");
    wt_format(ready, L"%ls.ready", mark);
    assert_true(CreateProcessW(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi));
    CloseHandle(pi.hThread);
    f->helper = pi.hProcess;
    end = GetTickCount64() + 30000;
    while (!wt_file_exists(ready) && GetTickCount64() < end &&
           WaitForSingleObject(f->helper, 50) == WAIT_TIMEOUT)
        ;
    if (!wt_file_exists(ready)) {
        print_error("the --client helper did not get ready\n");
        fail();
    }
}

/* ---- tests -------------------------------------------------------------------------------- */

/* N6 step 2, N7: a client sets a callback object and the CLSID, then is killed (no clean
 * Release: Wine keeps the dead object's proxy) while the paced file still transfers. The
 * call to the dead object fails with an RPC error, the server drops it, activates
 * bgcopynotify.exe from the CLSID, which logs JobTransferred and (CompleteOnTransferred)
 * completes the job: ACKNOWLEDGED with the right content. */
static void killed_client_clsid_server_gets_job_transferred_N6_N7(void **state)
{
    struct fixture *f = *state;
    char guid[40];
    IBackgroundCopyJob *job = new_job(f, 1000000, 41, L"killed", L"rate=250000", guid);
    WCHAR mark[WT_PATH], local[WT_PATH];
    BG_JOB_PROGRESS p;

    notify_set_dword(L"CompleteOnTransferred", 1);
    wt_format(mark, L"%ls\\client.txt", f->dir);
    start_client(f, guid, mark, TRUE);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    p = wt_wait_bytes(job, 1, WAIT_MS);
    assert_true(p.BytesTransferred > 0 && p.BytesTransferred < 1000000); /* killed mid-transfer */
    assert_true(TerminateProcess(f->helper, 9));
    assert_int_equal(WaitForSingleObject(f->helper, 10000), WAIT_OBJECT_0);
    assert_int_equal(wt_wait_state(job, BG_JOB_STATE_ACKNOWLEDGED, WAIT_MS), BG_JOB_STATE_ACKNOWLEDGED);
    assert_int_equal(log_count("JobTransferred", guid), 1);
    assert_int_equal(log_count("Complete", guid), 1);
    assert_int_equal(wt_count_lines(mark), 0); /* the dead client got nothing */
    wt_format(local, L"%ls\\killed.bin", f->dir);
    wt_assert_file_is_testdata(local, 41, 1000000);
    /* the server released bgcopynotify's object (the job is done): it exits after its idle
     * time (1 s), even though this client still holds the job */
    assert_true(wait_text(" idle for ", 1, 15000) >= 1);
}

/* N6: two clients set notify interfaces; the last one wins: the first (another process, still
 * alive) gets nothing, the second gets JobTransferred and GetNotifyInterface returns it. */
static void last_set_notify_interface_wins_N6(void **state)
{
    struct fixture *f = *state;
    char guid[40];
    IBackgroundCopyJob *job = new_job(f, 2000, 42, L"lastwins", NULL, guid);
    WCHAR mark[WT_PATH];

    wt_format(mark, L"%ls\\client.txt", f->dir);
    start_client(f, guid, mark, FALSE);
    assert_hr(IBackgroundCopyJob_SetNotifyInterface(job, cb_unk(f->cb)), S_OK);
    assert_notify_interface(job, cb_unk(f->cb));
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_int_equal(WaitForSingleObject(f->cb->transferred_event, WAIT_MS), WAIT_OBJECT_0);
    Sleep(1500); /* > MinimumRetryDelay */
    assert_int_equal(f->cb->transferred, 1);
    assert_int_equal(wt_count_lines(mark), 0);
    assert_int_equal(WaitForSingleObject(f->helper, 0), WAIT_TIMEOUT); /* the first client lives */
}

/* N6: the object beats the CLSID whoever set which last: the CLSID set after the object is
 * not activated while the object answers. */
static void object_beats_clsid_N6(void **state)
{
    struct fixture *f = *state;
    char guid[40];
    IBackgroundCopyJob *job = new_job(f, 2000, 43, L"objbeats", NULL, guid);

    assert_hr(IBackgroundCopyJob_SetNotifyInterface(job, cb_unk(f->cb)), S_OK);
    set_clsid(job, &CLSID_BgCopyNotify);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_int_equal(WaitForSingleObject(f->cb->transferred_event, WAIT_MS), WAIT_OBJECT_0);
    Sleep(1500);
    assert_int_equal(f->cb->transferred, 1);
    assert_int_equal(log_count("JobTransferred", guid), 0);
    assert_notify_interface(job, cb_unk(f->cb));
}

/* N7: an object its client disconnected (CoDisconnectObject, e.g. a helper torn down before
 * exit) counts as gone: the CLSID server gets the event. Under Wine such a call fails with
 * 0x800706B5 (RPC_S_UNKNOWN_IF), on Windows with RPC_E_DISCONNECTED. */
static void disconnected_object_counts_as_gone_N7(void **state)
{
    struct fixture *f = *state;
    char guid[40];
    IBackgroundCopyJob *job = new_job(f, 2000, 48, L"disconnected", NULL, guid);

    assert_hr(IBackgroundCopyJob_SetNotifyInterface(job, cb_unk(f->cb)), S_OK);
    set_clsid(job, &CLSID_BgCopyNotify);
    assert_hr(CoDisconnectObject(cb_unk(f->cb), 0), S_OK);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_int_equal(wait_log("JobTransferred", guid, 1, WAIT_MS), 1);
    assert_int_equal(f->cb->transferred, 0);
}

/* N6: GUID_NULL clears the CLSID: with no object the command line gets the event and
 * bgcopynotify is not activated. */
static void guid_null_clears_clsid_N6(void **state)
{
    struct fixture *f = *state;
    char guid[40];
    IBackgroundCopyJob *job = new_job(f, 2000, 44, L"nullclsid", NULL, guid);
    WCHAR mark[WT_PATH];

    wt_format(mark, L"%ls\\mark.txt", f->dir);
    set_clsid(job, &CLSID_BgCopyNotify);
    set_clsid(job, &GUID_NULL);
    wt_set_mark_cmdline(job, mark, 0);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_int_equal(wt_wait_lines(mark, 1, WAIT_MS), 1);
    Sleep(1500);
    assert_int_equal(log_count("JobTransferred", guid), 0);
    assert_int_equal(wt_count_lines(mark), 1);
}

/* N6, N4: the last CLSID setter wins, and a CLSID set after the job reached TRANSFERRED
 * still gets JobTransferred; the activated object is not what GetNotifyInterface returns. */
static void clsid_set_after_event_last_setter_wins_N4_N6(void **state)
{
    struct fixture *f = *state;
    char guid[40];
    IBackgroundCopyJob *job = new_job(f, 2000, 45, L"lateclsid", NULL, guid);

    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_int_equal(wt_wait_state(job, BG_JOB_STATE_TRANSFERRED, WAIT_MS), BG_JOB_STATE_TRANSFERRED);
    Sleep(300);
    assert_int_equal(log_count("JobTransferred", guid), 0);
    set_clsid(job, &CLSID_Unregistered);
    set_clsid(job, &CLSID_BgCopyNotify);
    assert_int_equal(wait_log("JobTransferred", guid, 1, WAIT_MS), 1);
    assert_notify_interface(job, NULL);
    Sleep(1500); /* delivered once: no repeat */
    assert_int_equal(log_count("JobTransferred", guid), 1);
    assert_int_equal(wt_wait_state(job, BG_JOB_STATE_TRANSFERRED, 0), BG_JOB_STATE_TRANSFERRED);
}

/* N6 bad input: a CLSID that is not registered fails to activate; the command line takes the
 * event and the server keeps serving. */
static void unregistered_clsid_falls_back_to_cmdline_N6(void **state)
{
    struct fixture *f = *state;
    char guid[40], guid2[40];
    IBackgroundCopyJob *job = new_job(f, 2000, 46, L"badclsid", NULL, guid);
    IBackgroundCopyJob *other;
    WCHAR mark[WT_PATH];

    wt_format(mark, L"%ls\\mark.txt", f->dir);
    set_clsid(job, &CLSID_Unregistered);
    wt_set_mark_cmdline(job, mark, 0);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_int_equal(wt_wait_lines(mark, 1, WAIT_MS), 1);
    other = new_job(f, 2000, 47, L"stillserving", NULL, guid2);
    assert_hr(IBackgroundCopyJob_Resume(other), S_OK);
    assert_int_equal(wt_wait_state(other, BG_JOB_STATE_TRANSFERRED, WAIT_MS), BG_JOB_STATE_TRANSFERRED);
}

/* N5: a callback whose JobTransferred fails (E_FAIL) is called again after MinimumRetryDelay
 * (1 s) until it succeeds, then not again. */
static void failing_job_transferred_retried_after_min_retry_delay_N5(void **state)
{
    struct fixture *f = *state;
    char guid[40];
    IBackgroundCopyJob *job = new_job(f, 2000, 48, L"retrycb", NULL, guid);
    ULONGLONG end = GetTickCount64() + WAIT_MS;

    f->cb->failures_left = 2;
    assert_hr(IBackgroundCopyJob_SetNotifyInterface(job, cb_unk(f->cb)), S_OK);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    while (f->cb->transferred < 3 && GetTickCount64() < end)
        Sleep(50);
    assert_int_equal(f->cb->transferred, 3);
    assert_true(f->cb->t_transferred[1] - f->cb->t_transferred[0] >= 800);
    assert_true(f->cb->t_transferred[2] - f->cb->t_transferred[1] >= 800);
    Sleep(2000);
    assert_int_equal(f->cb->transferred, 3);
}

/* N5 through the CLSID: bgcopynotify runs its Command (the job GUID substituted for %1); the
 * first run exits 1, so its JobTransferred fails and is called again after MinimumRetryDelay;
 * the second run exits 0 and CompleteOnTransferred completes the job. */
static void clsid_server_failure_retried_after_min_retry_delay_N5(void **state)
{
    struct fixture *f = *state;
    char guid[40], line[128];
    IBackgroundCopyJob *job = new_job(f, 2000, 49, L"retryclsid", NULL, guid);
    WCHAR exe[MAX_PATH], mark[WT_PATH], command[WT_PATH];
    FILE *fp;

    assert_true(GetModuleFileNameW(NULL, exe, MAX_PATH) > 0);
    wt_format(mark, L"%ls\\mark.txt", f->dir);
    wt_format(command, L"\"%ls\" --mark \"%ls\" --fail-until 2 --job %%1", exe, mark);
    notify_set_sz(L"Command", command);
    notify_set_dword(L"CompleteOnTransferred", 1);
    set_clsid(job, &CLSID_BgCopyNotify);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_int_equal(wt_wait_state(job, BG_JOB_STATE_ACKNOWLEDGED, WAIT_MS), BG_JOB_STATE_ACKNOWLEDGED);
    assert_int_equal(wt_count_lines(mark), 2);
    assert_int_equal(log_count("JobTransferred", guid), 2);
    assert_int_equal(log_count("Complete", guid), 1);
    fp = _wfopen(mark, L"rb");
    assert_non_null(fp);
    assert_non_null(fgets(line, sizeof(line), fp));
    fclose(fp);
    assert_non_null(strstr(line, guid)); /* %1 became the job GUID */
}

/* N6: the activated object is kept for the job's later events, until the CLSID is set again
 * (a new activation) or a client sets an object (which then gets the events, bgcopynotify no
 * more). Observed through JobModification during a paced transfer (flags 0x9). */
static void activated_object_kept_until_clsid_set_again_or_object_set_N6(void **state)
{
    struct fixture *f = *state;
    char guid[40];
    IBackgroundCopyJob *job = new_job(f, 2000000, 50, L"keep", L"rate=250000", guid);
    int created, mods;

    assert_hr(IBackgroundCopyJob_SetNotifyFlags(job, BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_MODIFICATION), S_OK);
    set_clsid(job, &CLSID_BgCopyNotify);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_true(wait_log("JobModification", guid, 3, WAIT_MS) >= 3);
    created = wait_text(" CreateInstance -> ", 0, 0);
    assert_true(created >= 1);
    Sleep(1200);
    assert_int_equal(wait_text(" CreateInstance -> ", 0, 0), created); /* kept: no new activation */
    set_clsid(job, &CLSID_BgCopyNotify); /* set again: the cached object is dropped */
    assert_true(wait_text(" CreateInstance -> ", created + 1, WAIT_MS) >= created + 1);
    assert_hr(IBackgroundCopyJob_SetNotifyInterface(job, cb_unk(f->cb)), S_OK);
    Sleep(300); /* a delivery to bgcopynotify already under way may still end */
    mods = log_count("JobModification", guid);
    assert_int_equal(WaitForSingleObject(f->cb->transferred_event, WAIT_MS), WAIT_OBJECT_0);
    Sleep(500);
    assert_int_equal(log_count("JobModification", guid), mods);
    assert_int_equal(log_count("JobTransferred", guid), 0);
    assert_int_equal(f->cb->transferred, 1);
}

/* N2 through the CLSID: a job that fails (404) reaches bgcopynotify as JobError with the
 * HTTP status in the error code. */
static void job_error_reaches_clsid_server_N2_N6(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job = NULL;
    WCHAR url[WT_PATH], local[WT_PATH], wguid[40];
    char guid[40], text[128];
    GUID id;

    assert_hr(IBackgroundCopyManager_CreateJob(g_mgr, L"err404", BG_JOB_TYPE_DOWNLOAD, &id, &job), S_OK);
    f->jobs[f->njobs++] = job;
    wt_format(local, L"%ls\\missing.bin", f->dir);
    assert_hr(IBackgroundCopyJob_AddFile(job, wt_url(url, L"/files/no-such-file.bin"), local), S_OK);
    StringFromGUID2(&id, wguid, 40);
    WideCharToMultiByte(CP_UTF8, 0, wguid, -1, guid, 40, NULL, NULL);
    set_clsid(job, &CLSID_BgCopyNotify);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_int_equal(wait_log("JobError", guid, 1, WAIT_MS), 1);
    snprintf(text, sizeof(text), " JobError job=%s name=\"err404\" state=ERROR error=0x80190194", guid);
    assert_int_equal(wait_text(text, 1, 0), 1);
}


/* N6: the activated object's process is killed while the server holds it: the next call
 * fails with an RPC error, the server drops it and activates the CLSID again (after the
 * prefix's rpcss is restarted, WINE-NOTES), and the new process gets JobTransferred and
 * completes the job. */
static void killed_clsid_server_is_activated_again_N6(void **state)
{
    struct fixture *f = *state;
    char guid[40];
    IBackgroundCopyJob *job = new_job(f, 2000000, 51, L"killednotify", L"rate=250000", guid);
    DWORD pid;

    notify_set_dword(L"CompleteOnTransferred", 1);
    assert_hr(IBackgroundCopyJob_SetNotifyFlags(job, BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_MODIFICATION), S_OK);
    set_clsid(job, &CLSID_BgCopyNotify);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_true(wait_log("JobModification", guid, 1, WAIT_MS) >= 1);
    assert_true((pid = bgc_test_find_pid(L"bgcopynotify.exe")) != 0);
    bgc_test_kill_pid(pid);
    bgc_test_kill_pid(bgc_test_find_pid(L"rpcss.exe")); /* Wine keeps a killed server's class registration */
    assert_int_equal(wt_wait_state(job, BG_JOB_STATE_ACKNOWLEDGED, WAIT_MS), BG_JOB_STATE_ACKNOWLEDGED);
    assert_int_equal(log_count("JobTransferred", guid), 1);
    assert_int_equal(log_count("Complete", guid), 1);
    assert_true(bgc_test_find_pid(L"bgcopynotify.exe") != pid);
}

/* Bad input to bgcopynotify.exe itself: no switch, an unknown one, both or neither of
 * /RegServer and /UnregServer, settings with /UnregServer: usage error (exit 2), nothing
 * changed (the class stays registered: later tests still activate it). */
static void bgcopynotify_rejects_bad_switches(void **state)
{
    static const WCHAR *bad[] = {L"", L"/frob", L"/RegServer /UnregServer", L"/machine", L"/UnregServer /complete",
                                 L"/RegServer /command", L"/RegServer /idle x"};
    WCHAR cmd[WT_PATH];
    HKEY key;

    (void)state;
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        wt_format(cmd, L"\"%ls\\bgcopynotify.exe\" %ls", wt_env(L"BGC_BIN_DIR"), bad[i]);
        assert_int_equal(run_wait(cmd, 30000), 2);
    }
    assert_int_equal(RegOpenKeyExW(HKEY_LOCAL_MACHINE,
                                   L"Software\\Classes\\CLSID\\{416D1E96-BC43-45E1-A165-B43D3C7073AB}\\LocalServer32",
                                   0, KEY_READ, &key),
                     ERROR_SUCCESS);
    RegCloseKey(key);
}

/* ---- helper modes ------------------------------------------------------------------------- */

static int client_main(int argc, char **argv)
{
    IBackgroundCopyManager *mgr;
    IBackgroundCopyJob *job = NULL;
    IBackgroundCopyJob5 *j5 = NULL;
    BITS_JOB_PROPERTY_VALUE v;
    WCHAR wguid[40];
    char ready[MAX_PATH];
    struct cb *c;
    GUID id;
    FILE *fp;

    if (argc < 4 || !MultiByteToWideChar(CP_UTF8, 0, argv[2], -1, wguid, 40) || FAILED(CLSIDFromString(wguid, &id)))
        return 2;
    if (FAILED(CoInitializeEx(NULL, COINIT_MULTITHREADED)) || !(mgr = wt_connect()) ||
        FAILED(IBackgroundCopyManager_GetJob(mgr, &id, &job)) || !(c = cb_new()))
        return 3;
    c->mark = argv[3];
    if (FAILED(IBackgroundCopyJob_SetNotifyInterface(job, cb_unk(c))))
        return 4;
    if (argc > 4 && !strcmp(argv[4], "--clsid")) {
        memset(&v, 0, sizeof(v));
        v.ClsID = CLSID_BgCopyNotify;
        if (FAILED(IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJob5, (void **)&j5)) ||
            FAILED(IBackgroundCopyJob5_SetProperty(j5, BITS_JOB_PROPERTY_NOTIFICATION_CLSID, v)))
            return 5;
    }
    snprintf(ready, sizeof(ready), "%s.ready", argv[3]);
    if (!(fp = fopen(ready, "wb")))
        return 6;
    fclose(fp);
    Sleep(120000); /* until killed */
    return 0;
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(killed_client_clsid_server_gets_job_transferred_N6_N7, setup, teardown),
        cmocka_unit_test_setup_teardown(last_set_notify_interface_wins_N6, setup, teardown),
        cmocka_unit_test_setup_teardown(object_beats_clsid_N6, setup, teardown),
        cmocka_unit_test_setup_teardown(disconnected_object_counts_as_gone_N7, setup, teardown),
        cmocka_unit_test_setup_teardown(guid_null_clears_clsid_N6, setup, teardown),
        cmocka_unit_test_setup_teardown(clsid_set_after_event_last_setter_wins_N4_N6, setup, teardown),
        cmocka_unit_test_setup_teardown(unregistered_clsid_falls_back_to_cmdline_N6, setup, teardown),
        cmocka_unit_test_setup_teardown(failing_job_transferred_retried_after_min_retry_delay_N5, setup, teardown),
        cmocka_unit_test_setup_teardown(clsid_server_failure_retried_after_min_retry_delay_N5, setup, teardown),
        cmocka_unit_test_setup_teardown(activated_object_kept_until_clsid_set_again_or_object_set_N6, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(job_error_reaches_clsid_server_N2_N6, setup, teardown),
        cmocka_unit_test_setup_teardown(killed_clsid_server_is_activated_again_N6, setup, teardown),
        cmocka_unit_test(bgcopynotify_rejects_bad_switches),
    };

    if (argc > 1 && !strcmp(argv[1], "--mark"))
        return wt_mark_main(argc, argv);
    if (argc > 1 && !strcmp(argv[1], "--client"))
        return client_main(argc, argv);
    return cmocka_run_group_tests_name("wine.test_notify_chain", tests, group_setup, group_teardown);
}
