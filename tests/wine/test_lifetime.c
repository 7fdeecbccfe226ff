/*
 * test_lifetime.c - bgcopysvc.exe's process lifetime as a COM local server (server/main.c,
 * server/lifecycle.c, bits-behavior §9): activation, exit after IdleTimeoutMs without clients
 * or busy jobs, no exit while a job transfers, a SUSPENDED job keeps the server only when
 * there is no job store, and no dead object handed out around the idle deadline.
 *
 * Runs under tests/wine/wine-run.sh (bgcopy registered, HKCU\Software\bgcopy configured, HTTP
 * test server on BGC_HTTP_PORT). Tests change IdleTimeoutMs in HKCU\Software\bgcopy before
 * activating; a server reads it when it starts, so each test first waits for any server left
 * by an earlier test to exit.
 *
 * Invariants:
 *  1. The server process is found by name (bgcopysvc.exe) with a Toolhelp snapshot; there is
 *     at most one per prefix.
 *  2. Every wait is bounded; timing bounds leave a margin for Wine's ~1 s activation retry and
 *     the server's 250 ms lifetime poll.
 *  3. Each test restores IdleTimeoutMs to the harness value it found.
 */
#include "svc_test.h" /* wine_test.h, st_wait_log */

#define MARGIN_MS 5000 /* lifetime poll (250 ms) + process teardown + Wine scheduling */

static DWORD saved_idle_ms = 3000;

static DWORD find_server_pid(void)
{
    return bgc_test_find_pid(L"bgcopysvc.exe");
}

/* Waits up to ms for process pid to end; returns the milliseconds it took, or -1. */
static LONG wait_pid_exit(DWORD pid, DWORD ms)
{
    ULONGLONG start = GetTickCount64();
    HANDLE h = OpenProcess(SYNCHRONIZE, FALSE, pid);
    DWORD rc;

    if (!h)
        return find_server_pid() == pid ? -1 : 0; /* already gone */
    rc = WaitForSingleObject(h, ms);
    CloseHandle(h);
    return rc == WAIT_OBJECT_0 ? (LONG)(GetTickCount64() - start) : -1;
}

/* Waits until no server process is left (one from an earlier test exits by itself). */
static void wait_no_server(void)
{
    DWORD pid = find_server_pid();

    if (pid && wait_pid_exit(pid, saved_idle_ms + 30000) < 0) {
        print_error("an earlier bgcopysvc.exe (pid %lu) did not exit\n", (unsigned long)pid);
        fail();
    }
}

static void set_idle_ms(DWORD ms)
{
    assert_int_equal(RegSetKeyValueW(HKEY_CURRENT_USER, L"Software\\bgcopy", L"IdleTimeoutMs", REG_DWORD, &ms,
                                     sizeof(ms)),
                     ERROR_SUCCESS);
}

/* A manager that answers: a cheap call that needs the server. */
static HRESULT ping(IBackgroundCopyManager *mgr)
{
    IEnumBackgroundCopyJobs *e = NULL;
    HRESULT hr = IBackgroundCopyManager_EnumJobs(mgr, 0, &e);

    if (e)
        IEnumBackgroundCopyJobs_Release(e);
    return hr;
}

static void activation_starts_a_working_server(void **state)
{
    IBackgroundCopyManager *mgr;

    (void)state;
    mgr = wt_connect();
    assert_non_null(mgr);
    assert_hr(ping(mgr), S_OK);
    assert_int_not_equal(find_server_pid(), 0);
    IBackgroundCopyManager_Release(mgr);
}

static void server_exits_after_idle_timeout(void **state)
{
    const DWORD idle = 1000;
    IBackgroundCopyManager *mgr;
    DWORD pid;
    LONG took;

    (void)state;
    wait_no_server();
    set_idle_ms(idle);
    mgr = wt_connect();
    assert_non_null(mgr);
    assert_hr(ping(mgr), S_OK);
    pid = find_server_pid();
    assert_int_not_equal(pid, 0);

    /* While a client holds a reference the server stays, however long that is. */
    Sleep(idle + 1500);
    assert_int_equal(find_server_pid(), pid);
    assert_hr(ping(mgr), S_OK);

    IBackgroundCopyManager_Release(mgr);
    took = wait_pid_exit(pid, idle + MARGIN_MS);
    if (took < 0) {
        print_error("server still running %lu ms after the last Release\n", (unsigned long)(idle + MARGIN_MS));
        fail();
    }
    if (took < (LONG)idle - 200) {
        print_error("server exited %ld ms after the last Release, before IdleTimeoutMs=%lu\n", (long)took,
                    (unsigned long)idle);
        fail();
    }
    set_idle_ms(saved_idle_ms);
}

static void server_stays_alive_while_a_job_transfers(void **state)
{
    const DWORD idle = 1000;
    IBackgroundCopyManager *mgr;
    IBackgroundCopyJob *job = NULL;
    WCHAR url[WT_PATH], dir[WT_PATH], local[WT_PATH], uniq[40];
    BG_JOB_STATE st;
    GUID id;
    DWORD pid;

    (void)state;
    wait_no_server();
    set_idle_ms(idle);
    mgr = wt_connect();
    assert_non_null(mgr);
    pid = find_server_pid();
    assert_int_not_equal(pid, 0);

    /* 50 MB that pause for 30 s after the first MB: the job stays TRANSFERRING. */
    wt_format(url, L"http://127.0.0.1:%ls/gen/50000000/lifetime?stall=30000&stallat=1000000&stallid=%ls",
              wt_env(L"BGC_HTTP_PORT"), wt_unique(uniq));
    wt_test_dir(dir, L"lifetime");
    wt_format(local, L"%ls\\busy.bin", dir);
    assert_hr(IBackgroundCopyManager_CreateJob(mgr, L"lifetime busy", BG_JOB_TYPE_DOWNLOAD, &id, &job), S_OK);
    assert_hr(IBackgroundCopyJob_AddFile(job, url, local), S_OK);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    st = wt_wait_state(job, BG_JOB_STATE_TRANSFERRING, 20000);
    assert_int_equal(st, BG_JOB_STATE_TRANSFERRING);
    IBackgroundCopyJob_Release(job);
    job = NULL;
    IBackgroundCopyManager_Release(mgr);

    /* No client reference, but a busy job: well past IdleTimeoutMs the server is still there. */
    Sleep(idle + MARGIN_MS);
    assert_int_equal(find_server_pid(), pid);

    /* The same server (and job) answers a new activation; cancelling makes it idle. */
    mgr = wt_connect();
    assert_non_null(mgr);
    assert_int_equal(find_server_pid(), pid);
    assert_hr(IBackgroundCopyManager_GetJob(mgr, &id, &job), S_OK);
    assert_hr(IBackgroundCopyJob_Cancel(job), S_OK);
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(mgr);
    if (wait_pid_exit(pid, idle + MARGIN_MS) < 0) {
        print_error("server did not exit after the job was cancelled\n");
        fail();
    }
    set_idle_ms(saved_idle_ms);
}

/* A merely SUSPENDED job keeps the server alive only when it would be lost by the exit
 * (server/lifecycle.c invariant 2): without a job store the server stays; with one it exits
 * after IdleTimeoutMs and the next server finds the job again. Which one applies is read from
 * the server's log ("load: job store ... (durable)"). */
static void suspended_job_keeps_the_server_only_without_a_store(void **state)
{
    const DWORD idle = 1000;
    IBackgroundCopyManager *mgr;
    IBackgroundCopyJob *job = NULL;
    WCHAR url[WT_PATH], dir[WT_PATH], local[WT_PATH];
    BOOL durable;
    GUID id;
    DWORD pid;

    (void)state;
    wait_no_server();
    set_idle_ms(idle);
    mgr = wt_connect();
    assert_non_null(mgr);
    pid = find_server_pid();
    assert_int_not_equal(pid, 0);
    assert_true(st_wait_log(st_env(L"BGC_DATA_DIR"), pid, "load: job store", 10000));
    durable = st_wait_log(st_env(L"BGC_DATA_DIR"), pid, "(durable)", 0);
    print_message("job store: %s\n", durable ? "durable" : "none (jobs in memory)");
    wt_format(url, L"http://127.0.0.1:%ls/gen/1000", wt_env(L"BGC_HTTP_PORT"));
    wt_test_dir(dir, L"lifetime");
    wt_format(local, L"%ls\\suspended.bin", dir);
    assert_hr(IBackgroundCopyManager_CreateJob(mgr, L"lifetime suspended", BG_JOB_TYPE_DOWNLOAD, &id, &job), S_OK);
    assert_hr(IBackgroundCopyJob_AddFile(job, url, local), S_OK);
    IBackgroundCopyJob_Release(job);
    job = NULL;
    IBackgroundCopyManager_Release(mgr);

    if (durable) {
        if (wait_pid_exit(pid, idle + MARGIN_MS) < 0) {
            print_error("with a job store, a SUSPENDED job kept the server alive past IdleTimeoutMs\n");
            fail();
        }
    } else {
        Sleep(idle + MARGIN_MS);
        assert_int_equal(find_server_pid(), pid);
    }

    mgr = wt_connect();
    assert_non_null(mgr);
    assert_hr(IBackgroundCopyManager_GetJob(mgr, &id, &job), S_OK); /* kept, in memory or in the store */
    assert_hr(IBackgroundCopyJob_Cancel(job), S_OK);
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(mgr);
    pid = find_server_pid();
    if (wait_pid_exit(pid, idle + MARGIN_MS) < 0) {
        print_error("server did not exit after its last job was cancelled\n");
        fail();
    }
    set_idle_ms(saved_idle_ms);
}

static void activations_around_idle_deadline_never_get_dead_objects(void **state)
{
    const DWORD idle = 400;
    int i, stopping = 0, fresh = 0;
    DWORD last_pid = 0;

    (void)state;
    wait_no_server();
    set_idle_ms(idle);
    for (i = 0; i < 24; i++) {
        IBackgroundCopyManager *mgr = NULL;
        HRESULT hr = E_FAIL;
        int attempt;
        DWORD pid;

        for (attempt = 0; attempt < 3; attempt++) {
            hr = CoCreateInstance(&CLSID_BgCopyManager, NULL, CLSCTX_LOCAL_SERVER, &IID_IBackgroundCopyManager,
                                  (void **)&mgr);
            if (hr != CO_E_SERVER_STOPPING)
                break;
            stopping++;
            Sleep(100);
        }
        if (FAILED(hr)) {
            print_error("iteration %d: activation failed: 0x%08lx\n", i, (unsigned long)hr);
            fail();
        }
        /* An object handed out must work: never RPC_E_DISCONNECTED or RPC_S_SERVER_UNAVAILABLE. */
        assert_hr(ping(mgr), S_OK);
        pid = find_server_pid();
        if (pid != last_pid)
            fresh++;
        last_pid = pid;
        IBackgroundCopyManager_Release(mgr);
        /* Sleep around the deadline: from well before to just after it. */
        Sleep(idle - 150 + (DWORD)(i % 8) * 45);
    }
    print_message("24 activations: %d server starts, %d CO_E_SERVER_STOPPING retries\n", fresh, stopping);
    set_idle_ms(saved_idle_ms);
}

static int setup(void **state)
{
    DWORD value = 0, size = sizeof(value);

    (void)state;
    if (RegGetValueW(HKEY_CURRENT_USER, L"Software\\bgcopy", L"IdleTimeoutMs", RRF_RT_REG_DWORD, NULL, &value,
                     &size) == ERROR_SUCCESS)
        saved_idle_ms = value;
    return wt_com_init();
}

static int teardown(void **state)
{
    (void)state;
    RegSetKeyValueW(HKEY_CURRENT_USER, L"Software\\bgcopy", L"IdleTimeoutMs", REG_DWORD, &saved_idle_ms,
                    sizeof(saved_idle_ms));
    CoUninitialize();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(activation_starts_a_working_server),
        cmocka_unit_test(server_exits_after_idle_timeout),
        cmocka_unit_test(server_stays_alive_while_a_job_transfers),
        cmocka_unit_test(suspended_job_keeps_the_server_only_without_a_store),
        cmocka_unit_test(activations_around_idle_deadline_never_get_dead_objects),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
