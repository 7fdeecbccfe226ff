/*
 * test_admin_notify.c - bgcopyadmin.exe's notification switches: /setnotifyflags
 * /getnotifyflags, /setnotifycmdline /getnotifycmdline (and the server running the command
 * line), /setnotifyclsid /getnotifyclsid (IBackgroundCopyJob5 NOTIFICATION_CLSID),
 * /getnotifyinterface. Effects checked through COM.
 */
#include "admin_run.h"

/* A do-nothing IBackgroundCopyCallback, to have something registered. */
static HRESULT WINAPI Cb_QueryInterface(IBackgroundCopyCallback *iface, REFIID riid, void **ppv)
{
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IBackgroundCopyCallback)) {
        *ppv = iface;
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}
static ULONG WINAPI Cb_AddRef(IBackgroundCopyCallback *iface)
{
    (void)iface;
    return 2;
}
static ULONG WINAPI Cb_Release(IBackgroundCopyCallback *iface)
{
    (void)iface;
    return 1;
}
static HRESULT WINAPI Cb_JobTransferred(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job)
{
    (void)iface;
    (void)job;
    return S_OK;
}
static HRESULT WINAPI Cb_JobError(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job, IBackgroundCopyError *e)
{
    (void)iface;
    (void)job;
    (void)e;
    return S_OK;
}
static HRESULT WINAPI Cb_JobModification(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job, DWORD reserved)
{
    (void)iface;
    (void)job;
    (void)reserved;
    return S_OK;
}
static IBackgroundCopyCallbackVtbl cb_vtbl = { Cb_QueryInterface, Cb_AddRef, Cb_Release, Cb_JobTransferred,
                                              Cb_JobError, Cb_JobModification };
static IBackgroundCopyCallback static_cb = { &cb_vtbl }; /* static: lives as long as the process */

static void setnotifyflags_round_trip_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    WCHAR guid[39];
    ULONG flags = 0;
    GUID id;

    job = com_job(f, L"bgc-cli-nflags", &id, guid);
    admin(f, L"/getnotifyflags %ls", guid);
    assert_exit(&f->run, 0);
    assert_stdout_is(&f->run, "3\r\n"); /* the default: transferred and error */
    admin(f, L"/setnotifyflags %ls 0x0B", guid);
    assert_exit(&f->run, 0);
    assert_stdout_is(&f->run, "Notification flags set to 11 (JOB_TRANSFERRED|JOB_ERROR|JOB_MODIFICATION).\r\n");
    assert_hr(IBackgroundCopyJob_GetNotifyFlags(job, &flags), S_OK);
    assert_int_equal(flags, 11);
    admin(f, L"/getnotifyflags %ls", guid);
    assert_stdout_is(&f->run, "11\r\n");
    admin(f, L"/getnotifyflags %ls /json", guid);
    assert_output_has(&f->run, "\"notifyFlags\":11}");
    admin(f, L"/setnotifyflags %ls twelve", guid);
    assert_exit(&f->run, 2);
    assert_hr(IBackgroundCopyJob_GetNotifyFlags(job, &flags), S_OK);
    assert_int_equal(flags, 11);
    IBackgroundCopyJob_Release(job);
}

static void setnotifycmdline_round_trip_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    IBackgroundCopyJob2 *job2 = NULL;
    WCHAR guid[39], *program = NULL, *params = NULL;
    GUID id;

    job = com_job(f, L"bgc-cli-ncmd", &id, guid);
    admin(f, L"/getnotifycmdline %ls", guid);
    assert_exit(&f->run, 0);
    assert_stdout_is(&f->run, "NULL\r\n");
    admin(f, L"/setnotifycmdline %ls C:\\windows\\system32\\cmd.exe \"cmd.exe /c exit 0\"", guid);
    assert_exit(&f->run, 0);
    assert_hr(IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJob2, (void **)&job2), S_OK);
    assert_hr(IBackgroundCopyJob2_GetNotifyCmdLine(job2, &program, &params), S_OK);
    assert_true(wcscmp(program, L"C:\\windows\\system32\\cmd.exe") == 0);
    assert_true(wcscmp(params, L"cmd.exe /c exit 0") == 0);
    CoTaskMemFree(program);
    CoTaskMemFree(params);
    admin(f, L"/getnotifycmdline %ls", guid);
    assert_stdout_is(&f->run, "'C:\\windows\\system32\\cmd.exe' 'cmd.exe /c exit 0'\r\n");
    admin(f, L"/getnotifycmdline %ls /json", guid);
    assert_output_has(&f->run,
                      "\"notifyCmdLine\":{\"program\":\"C:\\\\windows\\\\system32\\\\cmd.exe\",\"parameters\":\"cmd.exe /c exit 0\"}}");
    admin(f, L"/setnotifycmdline %ls NULL", guid);
    assert_exit(&f->run, 0);
    assert_stdout_is(&f->run, "Notification command line removed.\r\n");
    program = params = NULL;
    assert_hr(IBackgroundCopyJob2_GetNotifyCmdLine(job2, &program, &params), S_OK);
    assert_true(!program || !program[0]); /* removed: empty strings (bits-behavior) */
    assert_true(!params || !params[0]);
    CoTaskMemFree(program);
    CoTaskMemFree(params);
    admin(f, L"/getnotifycmdline %ls", guid);
    assert_stdout_is(&f->run, "NULL\r\n");
    admin(f, L"/setnotifycmdline %ls NULL \"x y\"", guid);
    assert_exit(&f->run, 2);
    IBackgroundCopyJob2_Release(job2);
    IBackgroundCopyJob_Release(job);
}

/* The server runs the command line set through the client when the job is transferred. */
static void setnotifycmdline_runs_when_transferred_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    WCHAR guid[39], url[WT_PATH], local[WT_PATH], marker[WT_PATH];
    DWORD start;
    GUID id;

    job = com_job(f, L"bgc-cli-ncmd-run", &id, guid);
    wt_test_dir(f->dir, L"cli-ncmd-run");
    wt_format(local, L"%ls\\payload.bin", f->dir);
    wt_format(marker, L"%ls\\marker.txt", f->dir);
    assert_hr(IBackgroundCopyJob_AddFile(job, wt_url(url, L"/gen/2000?seed=61"), local), S_OK);
    assert_null(wcschr(marker, L' ')); /* C:\bgc-temp\...: no quoting needed */
    admin(f, L"/setnotifycmdline %ls C:\\windows\\system32\\cmd.exe \"cmd.exe /c echo done>%ls\"", guid, marker);
    assert_exit(&f->run, 0);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_int_equal(wt_wait_state(job, BG_JOB_STATE_TRANSFERRED, 60000), BG_JOB_STATE_TRANSFERRED);
    for (start = GetTickCount(); !wt_file_exists(marker) && GetTickCount() - start < 30000;)
        Sleep(200);
    assert_true(wt_file_exists(marker));
    IBackgroundCopyJob_Release(job);
}

static void setnotifyclsid_round_trip_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    IBackgroundCopyJob5 *job5 = NULL;
    BITS_JOB_PROPERTY_VALUE v;
    WCHAR guid[39], clsid[39];
    char clsid8[39], want[128];
    GUID id;

    job = com_job(f, L"bgc-cli-nclsid", &id, guid);
    admin(f, L"/getnotifyclsid %ls", guid);
    assert_exit(&f->run, 0);
    assert_stdout_is(&f->run, "{00000000-0000-0000-0000-000000000000}\r\n");
    StringFromGUID2(&CLSID_BgCopyNotify, clsid, 39);
    guid_utf8(&CLSID_BgCopyNotify, clsid8);
    admin(f, L"/setnotifyclsid %ls %ls", guid, clsid);
    assert_exit(&f->run, 0);
    snprintf(want, sizeof(want), "Notification CLSID set to %s.\r\n", clsid8);
    assert_stdout_is(&f->run, want);
    assert_hr(IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJob5, (void **)&job5), S_OK);
    memset(&v, 0, sizeof(v));
    assert_hr(IBackgroundCopyJob5_GetProperty(job5, BITS_JOB_PROPERTY_NOTIFICATION_CLSID, &v), S_OK);
    assert_true(IsEqualGUID(&v.ClsID, &CLSID_BgCopyNotify));
    admin(f, L"/getnotifyclsid %ls", guid);
    snprintf(want, sizeof(want), "%s\r\n", clsid8);
    assert_stdout_is(&f->run, want);
    admin(f, L"/getnotifyclsid %ls /json", guid);
    snprintf(want, sizeof(want), "\"notifyClsid\":\"%s\"}", clsid8);
    assert_output_has(&f->run, want);
    admin(f, L"/setnotifyclsid %ls null", guid);
    assert_exit(&f->run, 0);
    assert_stdout_is(&f->run, "Notification CLSID removed.\r\n");
    assert_hr(IBackgroundCopyJob5_GetProperty(job5, BITS_JOB_PROPERTY_NOTIFICATION_CLSID, &v), S_OK);
    assert_true(IsEqualGUID(&v.ClsID, &GUID_NULL));
    IBackgroundCopyJob5_Release(job5);
    IBackgroundCopyJob_Release(job);
}

static void getnotifyinterface_reports_registration_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    WCHAR guid[39];
    GUID id;

    job = com_job(f, L"bgc-cli-nif", &id, guid);
    admin(f, L"/getnotifyinterface %ls", guid);
    assert_exit(&f->run, 0);
    assert_stdout_is(&f->run, "UNREGISTERED\r\n");
    assert_hr(IBackgroundCopyJob_SetNotifyInterface(job, (IUnknown *)&static_cb), S_OK);
    admin(f, L"/getnotifyinterface %ls", guid);
    assert_exit(&f->run, 0);
    assert_stdout_is(&f->run, "REGISTERED\r\n");
    admin(f, L"/getnotifyinterface %ls /json", guid);
    assert_output_has(&f->run, "\"notifyInterfaceRegistered\":true}");
    assert_hr(IBackgroundCopyJob_SetNotifyInterface(job, NULL), S_OK);
    admin(f, L"/getnotifyinterface %ls", guid);
    assert_stdout_is(&f->run, "UNREGISTERED\r\n");
    IBackgroundCopyJob_Release(job);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(setnotifyflags_round_trip_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(setnotifycmdline_round_trip_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(setnotifycmdline_runs_when_transferred_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(setnotifyclsid_round_trip_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(getnotifyinterface_reports_registration_cli, setup, teardown),
    };
    return cmocka_run_group_tests_name("wine.test_admin_notify", tests, group_setup, group_teardown);
}
