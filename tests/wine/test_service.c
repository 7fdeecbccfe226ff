/*
 * test_service.c - bgcopysvc.exe as the Windows service "bgcopy" (server/service.c,
 * registry/service.c; issue 4 item 5): `/RegServer /service` and `/UnregServer /service`
 * restore the registry exactly, COM activation starts the service and the service serves a
 * transfer, it does not exit when idle, and a service stop ends it cleanly.
 *
 * Runs under tests/wine/wine-run.sh (bgcopy registered, HTTP test server). Under Wine
 * services.exe runs the service in the same prefix; this test program is the "session" that
 * keeps the prefix (and so the service) alive (WINE-NOTES.md, services stop with the session).
 *
 * Invariants:
 *  1. The service reads HKLM\Software\bgcopy only: the test writes DataDir (the harness's
 *     BGC_DATA_DIR, so the harness prints the log on failure), LogLevel, RetryDelayFloorS and a
 *     short IdleTimeoutMs there (to show that the service ignores it), and removes the whole
 *     key (which the harness prefix does not have) at the end.
 *  2. Each test leaves the service unregistered, whatever happened.
 */
#include "svc_test.h"

#define CONFIG_KEY L"Software\\bgcopy"
#define REG_WAIT_MS 60000

static void set_hklm_dword(const WCHAR *name, DWORD value)
{
    assert_int_equal(
        RegSetKeyValueW(HKEY_LOCAL_MACHINE, CONFIG_KEY, name, REG_DWORD, &value, sizeof(value)),
        ERROR_SUCCESS);
}

static void write_service_config(void)
{
    const WCHAR *data = st_env(L"BGC_DATA_DIR");

    assert_int_equal(RegSetKeyValueW(HKEY_LOCAL_MACHINE, CONFIG_KEY, L"DataDir", REG_SZ, data,
                                     (DWORD)((wcslen(data) + 1) * sizeof(WCHAR))),
                     ERROR_SUCCESS);
    set_hklm_dword(L"LogLevel", 4);
    set_hklm_dword(L"RetryDelayFloorS", 1);
    set_hklm_dword(L"IdleTimeoutMs", 500);
}

static void take_all(struct st_snap *appid, struct st_snap *svc, struct st_snap *clsid)
{
    st_snap_take(appid, HKEY_LOCAL_MACHINE, ST_APPID_KEY);
    st_snap_take(svc, HKEY_LOCAL_MACHINE, ST_SERVICE_KEY);
    st_snap_take(clsid, HKEY_LOCAL_MACHINE,
                 L"Software\\Classes\\CLSID\\{5DF81799-3AC7-47C5-ADCF-4C02CC5EC282}");
}

static void service_register_unregister_restores_registry(void **state)
{
    struct st_snap appid0, svc0, clsid0, appid1, svc1, clsid1;
    WCHAR value[WT_PATH];
    DWORD size = sizeof(value), start = 0, dsize = sizeof(start);

    (void)state;
    take_all(&appid0, &svc0, &clsid0);
    assert_int_equal(svc0.count, 0); /* no service before */
    assert_int_equal(st_run_bgcopysvc(L"/RegServer /service", REG_WAIT_MS), 0);
    assert_int_equal(st_run_bgcopysvc(L"/RegServer /service", REG_WAIT_MS), 0); /* idempotent */

    assert_int_equal(RegGetValueW(HKEY_LOCAL_MACHINE, ST_APPID_KEY, L"LocalService", RRF_RT_REG_SZ,
                                  NULL, value, &size),
                     ERROR_SUCCESS);
    assert_true(wcscmp(value, L"bgcopy") == 0);
    size = sizeof(value);
    assert_int_equal(RegGetValueW(HKEY_LOCAL_MACHINE, ST_SERVICE_KEY, L"ImagePath",
                                  RRF_RT_REG_SZ | RRF_NOEXPAND, NULL, value, &size),
                     ERROR_SUCCESS);
    assert_non_null(wcsstr(value, L"bgcopysvc.exe\" /Service"));
    assert_int_equal(RegGetValueW(HKEY_LOCAL_MACHINE, ST_SERVICE_KEY, L"Start", RRF_RT_REG_DWORD,
                                  NULL, &start, &dsize),
                     ERROR_SUCCESS);
    assert_int_equal(start, SERVICE_AUTO_START);
    assert_int_equal(st_service_state(NULL), SERVICE_STOPPED); /* installed, not started */

    assert_int_equal(st_run_bgcopysvc(L"/UnregServer /service", REG_WAIT_MS), 0);
    take_all(&appid1, &svc1, &clsid1);
    st_snap_assert_equal(&appid0, &appid1, "AppID after /UnregServer /service");
    st_snap_assert_equal(&svc0, &svc1, "Services\\bgcopy after /UnregServer /service");
    st_snap_assert_equal(&clsid0, &clsid1,
                         "CLSID (COM registration kept) after /UnregServer /service");
    assert_int_equal(st_service_state(NULL), 0);
    assert_int_equal(st_run_bgcopysvc(L"/UnregServer /service", REG_WAIT_MS),
                     0); /* twice: still fine */
    st_snap_free(&appid0);
    st_snap_free(&svc0);
    st_snap_free(&clsid0);
    st_snap_free(&appid1);
    st_snap_free(&svc1);
    st_snap_free(&clsid1);
}

static void service_starts_on_activation_and_serves_a_transfer(void **state)
{
    IBackgroundCopyManager *mgr;
    IBackgroundCopyJob *job = NULL;
    WCHAR url[WT_PATH], dir[WT_PATH], local[WT_PATH];
    DWORD svc_pid = 0, pid;
    GUID id;

    (void)state;
    assert_true(st_wait_no_server(30000)); /* a per-user server of the harness must be gone */
    write_service_config();
    assert_int_equal(st_run_bgcopysvc(L"/RegServer /service", REG_WAIT_MS), 0);

    mgr = wt_connect();
    assert_non_null(mgr);
    assert_int_equal(st_service_state(&svc_pid), SERVICE_RUNNING);
    pid = st_server_pid();
    assert_int_not_equal(svc_pid, 0);
    assert_int_equal(pid, svc_pid); /* the only bgcopysvc.exe is the service */

    wt_url(url, L"/gen/300000/service");
    wt_test_dir(dir, L"service");
    wt_format(local, L"%ls\\svc.bin", dir);
    assert_hr(
        IBackgroundCopyManager_CreateJob(mgr, L"service transfer", BG_JOB_TYPE_DOWNLOAD, &id, &job),
        S_OK);
    assert_hr(IBackgroundCopyJob_AddFile(job, url, local), S_OK);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_int_equal(wt_wait_state(job, BG_JOB_STATE_TRANSFERRED, 60000), BG_JOB_STATE_TRANSFERRED);
    assert_hr(IBackgroundCopyJob_Complete(job), S_OK);
    wt_assert_file_is_testdata(local, 1, 300000);
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(mgr);

    /* A service does not exit when idle: well past IdleTimeoutMs (500) it still runs. */
    Sleep(500 + 4000);
    assert_int_equal(st_service_state(&pid), SERVICE_RUNNING);
    assert_int_equal(pid, svc_pid);

    /* A new client reaches the same service. */
    mgr = wt_connect();
    assert_non_null(mgr);
    assert_int_equal(st_server_pid(), svc_pid);
    IBackgroundCopyManager_Release(mgr);

    /* SERVICE_CONTROL_STOP ends it (store flushed), and the process exits. */
    assert_true(st_service_stop(30000));
    assert_true(st_wait_no_server(15000));
    assert_int_equal(st_run_bgcopysvc(L"/UnregServer /service", REG_WAIT_MS), 0);
}

static void unregister_removes_a_running_service(void **state)
{
    IBackgroundCopyManager *mgr;

    (void)state;
    assert_true(st_wait_no_server(30000));
    write_service_config();
    assert_int_equal(st_run_bgcopysvc(L"/RegServer /service", REG_WAIT_MS), 0);
    mgr = wt_connect();
    assert_non_null(mgr);
    IBackgroundCopyManager_Release(mgr);
    assert_int_equal(st_service_state(NULL), SERVICE_RUNNING);
    /* /UnregServer /service stops the running service first, then deletes it. */
    assert_int_equal(st_run_bgcopysvc(L"/UnregServer /service", REG_WAIT_MS), 0);
    assert_int_equal(st_service_state(NULL), 0);
    assert_true(st_wait_no_server(15000));
    /* COM activation falls back to LocalServer32: a per-user server answers. */
    mgr = wt_connect();
    assert_non_null(mgr);
    IBackgroundCopyManager_Release(mgr);
}

static void plain_unregister_removes_the_service_too(void **state)
{
    (void)state;
    assert_true(st_wait_no_server(30000));
    assert_int_equal(st_run_bgcopysvc(L"/RegServer /service", REG_WAIT_MS), 0);
    assert_int_equal(st_run_bgcopysvc(L"/UnregServer", REG_WAIT_MS), 0);
    assert_int_equal(st_service_state(NULL), 0);
    assert_int_not_equal(RegGetValueW(HKEY_LOCAL_MACHINE, ST_APPID_KEY, L"LocalService",
                                      RRF_RT_REG_SZ, NULL, NULL, NULL),
                         ERROR_SUCCESS);
    assert_int_equal(st_run_bgcopysvc(L"/RegServer", REG_WAIT_MS),
                     0); /* the harness's registration back */
}

static int setup(void **state)
{
    (void)state;
    return wt_com_init();
}

static int teardown(void **state)
{
    (void)state;
    st_run_bgcopysvc(L"/UnregServer /service", REG_WAIT_MS); /* invariant 2 */
    RegDeleteTreeW(HKEY_LOCAL_MACHINE, CONFIG_KEY);          /* invariant 1 */
    RegDeleteKeyW(HKEY_LOCAL_MACHINE, CONFIG_KEY);
    CoUninitialize();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(service_register_unregister_restores_registry),
        cmocka_unit_test(service_starts_on_activation_and_serves_a_transfer),
        cmocka_unit_test(unregister_removes_a_running_service),
        cmocka_unit_test(plain_unregister_removes_the_service_too),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
