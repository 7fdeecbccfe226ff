/*
 * test_autostart.c - the per-user logon start (issue 4 item 5; registry/autostart.c,
 * server/lifecycle.c): `/RegServer /autostart` and `/UnregServer /autostart` restore the
 * registry exactly, a server started with /autostart exits by the idle rule without waiting
 * for an activation, serves clients meanwhile, stays while a job transfers, a second
 * server never runs on the same DataDir at once, and a server whose load fails exits with 1.
 *
 * Runs under tests/wine/wine-run.sh (bgcopy registered, HKCU\Software\bgcopy configured, HTTP
 * test server). The restart itself (wineserver -k, wineboot running the Run key) is
 * reboot-test.sh's part.
 *
 * Invariants:
 *  1. Each test waits until no server is left before starting one, and restores
 *     IdleTimeoutMs to the harness value it found.
 */
#include "svc_test.h"

#define REG_WAIT_MS 60000
#define MARGIN_MS 5000

static DWORD saved_idle_ms = 3000;

static void set_idle_ms(DWORD ms)
{
    assert_int_equal(RegSetKeyValueW(HKEY_CURRENT_USER, L"Software\\bgcopy", L"IdleTimeoutMs",
                                     REG_DWORD, &ms, sizeof(ms)),
                     ERROR_SUCCESS);
}

static void autostart_register_unregister_restores_registry(void **state)
{
    struct st_snap before, after;
    WCHAR value[WT_PATH], want[WT_PATH];
    DWORD size = sizeof(value);

    (void)state;
    st_snap_take(&before, HKEY_CURRENT_USER, ST_RUN_KEY);
    assert_int_equal(st_run_bgcopysvc(L"/RegServer /autostart", REG_WAIT_MS), 0);
    assert_int_equal(st_run_bgcopysvc(L"/RegServer /autostart", REG_WAIT_MS), 0); /* idempotent */
    assert_int_equal(
        RegGetValueW(HKEY_CURRENT_USER, ST_RUN_KEY, L"bgcopy", RRF_RT_REG_SZ, NULL, value, &size),
        ERROR_SUCCESS);
    wt_format(want, L"\"%ls\\bgcopysvc.exe\" /autostart", wt_env(L"BGC_BIN_DIR"));
    assert_true(_wcsicmp(value, want) == 0);

    assert_int_equal(st_run_bgcopysvc(L"/UnregServer /autostart", REG_WAIT_MS), 0);
    st_snap_take(&after, HKEY_CURRENT_USER, ST_RUN_KEY);
    st_snap_assert_equal(&before, &after, "HKCU Run after /UnregServer /autostart");
    assert_int_equal(st_run_bgcopysvc(L"/UnregServer /autostart", REG_WAIT_MS),
                     0); /* twice: still fine */
    st_snap_free(&before);
    st_snap_free(&after);

    /* A value of another program in the Run key is kept, and so is the key. */
    assert_int_equal(RegSetKeyValueW(HKEY_CURRENT_USER, ST_RUN_KEY, L"other", REG_SZ, L"x.exe", 12),
                     ERROR_SUCCESS);
    st_snap_take(&before, HKEY_CURRENT_USER, ST_RUN_KEY);
    assert_int_equal(st_run_bgcopysvc(L"/RegServer /autostart", REG_WAIT_MS), 0);
    assert_int_equal(st_run_bgcopysvc(L"/UnregServer /autostart", REG_WAIT_MS), 0);
    st_snap_take(&after, HKEY_CURRENT_USER, ST_RUN_KEY);
    st_snap_assert_equal(&before, &after,
                         "HKCU Run (with another value) after /UnregServer /autostart");
    st_snap_free(&before);
    st_snap_free(&after);
    assert_int_equal(RegDeleteKeyValueW(HKEY_CURRENT_USER, ST_RUN_KEY, L"other"), ERROR_SUCCESS);
}

static void plain_unregister_removes_the_autostart_too(void **state)
{
    (void)state;
    assert_int_equal(st_run_bgcopysvc(L"/RegServer /autostart", REG_WAIT_MS), 0);
    assert_int_equal(st_run_bgcopysvc(L"/UnregServer", REG_WAIT_MS), 0);
    assert_int_not_equal(
        RegGetValueW(HKEY_CURRENT_USER, ST_RUN_KEY, L"bgcopy", RRF_RT_REG_SZ, NULL, NULL, NULL),
        ERROR_SUCCESS);
    assert_int_equal(st_run_bgcopysvc(L"/RegServer", REG_WAIT_MS),
                     0); /* the harness's registration back */
}

static void autostart_server_exits_when_nothing_is_pending(void **state)
{
    const DWORD idle = 1000;
    ULONGLONG t0;
    HANDLE proc;
    DWORD code = 1, took;

    (void)state;
    assert_true(st_wait_no_server(saved_idle_ms + 30000));
    set_idle_ms(idle);
    t0 = GetTickCount64();
    proc = st_start_bgcopysvc(L"/autostart", NULL);
    /* No activation is on its way: no 30 s start-up grace, plain IdleTimeoutMs. */
    assert_int_equal(WaitForSingleObject(proc, idle + 15000), WAIT_OBJECT_0);
    took = (DWORD)(GetTickCount64() - t0);
    GetExitCodeProcess(proc, &code);
    CloseHandle(proc);
    assert_int_equal(code, 0);
    assert_true(took >= idle - 200);
    set_idle_ms(saved_idle_ms);
}

static void autostart_server_serves_clients_and_stays_while_busy(void **state)
{
    const DWORD idle = 1000;
    IBackgroundCopyManager *mgr;
    IBackgroundCopyJob *job = NULL;
    WCHAR url[WT_PATH], dir[WT_PATH], local[WT_PATH], uniq[40];
    DWORD pid = 0, code = 1;
    HANDLE proc;
    GUID id;

    (void)state;
    assert_true(st_wait_no_server(saved_idle_ms + 30000));
    set_idle_ms(idle);
    proc = st_start_bgcopysvc(L"/autostart", &pid);
    assert_true(
        st_wait_log(st_env(L"BGC_DATA_DIR"), pid, "enable: class object registered", 20000));
    mgr = wt_connect(); /* reaches the /autostart process's class object */
    assert_non_null(mgr);
    assert_int_equal(st_server_pid(), pid);

    wt_format(
        url, L"http://127.0.0.1:%ls/gen/50000000/autostart?stall=30000&stallat=1000000&stallid=%ls",
        wt_env(L"BGC_HTTP_PORT"), wt_unique(uniq));
    wt_test_dir(dir, L"autostart");
    wt_format(local, L"%ls\\busy.bin", dir);
    assert_hr(
        IBackgroundCopyManager_CreateJob(mgr, L"autostart busy", BG_JOB_TYPE_DOWNLOAD, &id, &job),
        S_OK);
    assert_hr(IBackgroundCopyJob_AddFile(job, url, local), S_OK);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_int_equal(wt_wait_state(job, BG_JOB_STATE_TRANSFERRING, 20000),
                     BG_JOB_STATE_TRANSFERRING);
    IBackgroundCopyJob_Release(job);
    job = NULL;
    IBackgroundCopyManager_Release(mgr);

    Sleep(idle + MARGIN_MS); /* busy job, no client: it stays */
    assert_int_equal(WaitForSingleObject(proc, 0), WAIT_TIMEOUT);

    mgr = wt_connect();
    assert_non_null(mgr);
    assert_hr(IBackgroundCopyManager_GetJob(mgr, &id, &job), S_OK);
    assert_hr(IBackgroundCopyJob_Cancel(job), S_OK);
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(mgr);
    assert_int_equal(WaitForSingleObject(proc, idle + MARGIN_MS), WAIT_OBJECT_0);
    GetExitCodeProcess(proc, &code);
    CloseHandle(proc);
    assert_int_equal(code, 0);
    set_idle_ms(saved_idle_ms);
}

static void second_server_waits_for_the_first_on_the_same_data_dir(void **state)
{
    const DWORD idle = 1500;
    IBackgroundCopyManager *mgr;
    HANDLE first, second;
    DWORD pid1 = 0, pid2 = 0, code = 1;

    (void)state;
    assert_true(st_wait_no_server(saved_idle_ms + 30000));
    set_idle_ms(idle);
    first = st_start_bgcopysvc(L"/autostart", &pid1);
    assert_true(
        st_wait_log(st_env(L"BGC_DATA_DIR"), pid1, "enable: class object registered", 20000));
    mgr = wt_connect();
    assert_non_null(mgr);
    assert_int_equal(st_server_pid(), pid1);
    second = st_start_bgcopysvc(L"/autostart", &pid2);
    /* While the first serves a client the second waits for the DataDir's instance guard. */
    assert_true(st_wait_log(st_env(L"BGC_DATA_DIR"), pid2,
                            "another bgcopysvc.exe serves this DataDir", 20000));
    Sleep(1000);
    assert_int_equal(WaitForSingleObject(first, 0), WAIT_TIMEOUT);
    assert_int_equal(WaitForSingleObject(second, 0), WAIT_TIMEOUT);
    IBackgroundCopyManager_Release(mgr);
    /* The first exits by the idle rule; the second then takes over and exits by it too. */
    assert_int_equal(WaitForSingleObject(first, idle + MARGIN_MS), WAIT_OBJECT_0);
    assert_int_equal(WaitForSingleObject(second, 2 * idle + MARGIN_MS), WAIT_OBJECT_0);
    GetExitCodeProcess(second, &code);
    assert_int_equal(code, 0);
    CloseHandle(first);
    CloseHandle(second);
    set_idle_ms(saved_idle_ms);
}

/* Load fails (DataDir cannot be created, so neither can the job store): the server registers
 * no class object and exits with 1 at once (server/lifecycle.c, lifecycle_load). */
static void load_failure_exits_non_zero_without_serving(void **state)
{
    WCHAR dir[WT_PATH], blocker[WT_PATH], bad[WT_PATH], saved[WT_PATH];
    DWORD size = sizeof(saved), code = 0;
    BOOL had = RegGetValueW(HKEY_CURRENT_USER, L"Software\\bgcopy", L"DataDir", RRF_RT_REG_SZ, NULL,
                            saved, &size) == ERROR_SUCCESS;
    HANDLE proc;

    (void)state;
    assert_true(had);
    assert_true(st_wait_no_server(saved_idle_ms + 30000));
    wt_test_dir(dir, L"autostart");
    wt_format(blocker, L"%ls\\not-a-directory", dir);
    wt_write_testdata(blocker, 1, 10); /* a file where DataDir's parent should be */
    wt_format(bad, L"%ls\\data", blocker);
    assert_int_equal(RegSetKeyValueW(HKEY_CURRENT_USER, L"Software\\bgcopy", L"DataDir", REG_SZ,
                                     bad, (DWORD)((wcslen(bad) + 1) * sizeof(WCHAR))),
                     ERROR_SUCCESS);
    proc = st_start_bgcopysvc(L"/autostart", NULL);
    code = WaitForSingleObject(proc, 20000);
    RegSetKeyValueW(HKEY_CURRENT_USER, L"Software\\bgcopy", L"DataDir", REG_SZ, saved,
                    (DWORD)((wcslen(saved) + 1) * sizeof(WCHAR)));
    assert_int_equal(code, WAIT_OBJECT_0);
    GetExitCodeProcess(proc, &code);
    CloseHandle(proc);
    assert_int_equal(code, 1);
}

static int setup(void **state)
{
    DWORD value = 0, size = sizeof(value);

    (void)state;
    if (RegGetValueW(HKEY_CURRENT_USER, L"Software\\bgcopy", L"IdleTimeoutMs", RRF_RT_REG_DWORD,
                     NULL, &value, &size) == ERROR_SUCCESS)
        saved_idle_ms = value;
    return wt_com_init();
}

static int teardown(void **state)
{
    (void)state;
    RegSetKeyValueW(HKEY_CURRENT_USER, L"Software\\bgcopy", L"IdleTimeoutMs", REG_DWORD,
                    &saved_idle_ms, sizeof(saved_idle_ms));
    st_run_bgcopysvc(L"/UnregServer /autostart", REG_WAIT_MS);
    CoUninitialize();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(autostart_register_unregister_restores_registry),
        cmocka_unit_test(plain_unregister_removes_the_autostart_too),
        cmocka_unit_test(autostart_server_exits_when_nothing_is_pending),
        cmocka_unit_test(autostart_server_serves_clients_and_stays_while_busy),
        cmocka_unit_test(second_server_waits_for_the_first_on_the_same_data_dir),
        cmocka_unit_test(load_failure_exits_non_zero_without_serving),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
