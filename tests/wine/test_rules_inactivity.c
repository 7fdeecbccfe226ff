/*
 * test_rules_inactivity.c - L24 / S6 JobInactivityTimeout through the real COM server: main()
 * sets HKCU\Software\bgcopy JobInactivityTimeoutS = 2 before the first activation (the harness
 * gives every test program a fresh prefix, so no other program sees it). A job nobody touches
 * becomes CANCELLED through the pointer the client holds, disappears from GetJob/EnumJobs and
 * loses its temporary file.
 */
#include "wine_test.h"

#define TIMEOUT_S 2

static IBackgroundCopyManager *g_mgr; /* the program's connection to the server */

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

/* Asserts the job with this id is neither found by GetJob nor listed by EnumJobs. */
static void assert_gone(const GUID *id)
{
    IBackgroundCopyJob *found = NULL, *job;
    IEnumBackgroundCopyJobs *e = NULL;

    assert_hr(IBackgroundCopyManager_GetJob(g_mgr, id, &found), BG_E_NOT_FOUND);
    assert_null(found);
    assert_hr(IBackgroundCopyManager_EnumJobs(g_mgr, 0, &e), S_OK);
    while (IEnumBackgroundCopyJobs_Next(e, 1, &job, NULL) == S_OK) {
        GUID got;

        assert_hr(IBackgroundCopyJob_GetId(job, &got), S_OK);
        IBackgroundCopyJob_Release(job);
        assert_false(IsEqualGUID(&got, id));
    }
    IEnumBackgroundCopyJobs_Release(e);
}

/* L24: a SUSPENDED job with a file and no activity is CANCELLED by the service after the
 * configured 2 s (not at once); GetState through the held pointer says CANCELLED and GetJob
 * answers BG_E_NOT_FOUND. */
static void L24_inactive_job_is_cancelled_by_the_service(void **state)
{
    IBackgroundCopyJob *job = NULL;
    WCHAR url[WT_PATH], dir[WT_PATH], local[WT_PATH];
    BG_JOB_STATE st;
    ULONGLONG t0;
    GUID id;

    (void)state;
    wt_test_dir(dir, L"l24a");
    assert_hr(IBackgroundCopyManager_CreateJob(g_mgr, L"L24 idle", BG_JOB_TYPE_DOWNLOAD, &id, &job), S_OK);
    t0 = GetTickCount64();
    assert_hr(IBackgroundCopyJob_AddFile(job, wt_url(url, L"/gen/1000/l24a"),
                                         wt_format(local, L"%ls\\a.bin", dir)),
              S_OK);
    Sleep(1000);
    assert_hr(IBackgroundCopyJob_GetState(job, &st), S_OK);
    assert_int_equal(st, BG_JOB_STATE_SUSPENDED); /* GetState is not activity, but 1 s < 2 s */
    st = wt_wait_state(job, BG_JOB_STATE_CANCELLED, 10000);
    assert_int_equal(st, BG_JOB_STATE_CANCELLED);
    assert_true(GetTickCount64() - t0 >= TIMEOUT_S * 1000 - 200);
    assert_gone(&id);
    assert_hr(IBackgroundCopyJob_Resume(job), BG_E_INVALID_STATE);
    IBackgroundCopyJob_Release(job);
}

/* L24: a job suspended with part of its file in a temporary file loses the temporary file when
 * the service cancels it; the local file is never created. */
static void L24_cancelled_job_loses_its_temp_file(void **state)
{
    IBackgroundCopyJob *job = NULL;
    WCHAR url[WT_PATH], dir[WT_PATH], local[WT_PATH], key[40], path[WT_PATH];
    BG_JOB_PROGRESS p;
    BG_JOB_STATE st;
    GUID id;

    (void)state;
    wt_test_dir(dir, L"l24b");
    assert_hr(IBackgroundCopyManager_CreateJob(g_mgr, L"L24 partial", BG_JOB_TYPE_DOWNLOAD, &id, &job), S_OK);
    wt_format(path, L"/gen/200000/l24b?stall=20000&stallat=50000&stallid=%ls", wt_unique(key));
    assert_hr(IBackgroundCopyJob_AddFile(job, wt_url(url, path), wt_format(local, L"%ls\\b.bin", dir)), S_OK);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    p = wt_wait_bytes(job, 50000, 20000);
    assert_true(p.BytesTransferred >= 50000 && p.BytesTransferred != BG_SIZE_UNKNOWN);
    assert_hr(IBackgroundCopyJob_Suspend(job), S_OK);
    assert_int_equal(wt_dir_entries(dir), 1); /* the temporary file */
    st = wt_wait_state(job, BG_JOB_STATE_CANCELLED, 10000);
    assert_int_equal(st, BG_JOB_STATE_CANCELLED);
    Sleep(300); /* the server deletes the temporary right after the state change */
    assert_int_equal(wt_dir_entries(dir), 0);
    assert_false(wt_file_exists(local));
    assert_gone(&id);
    IBackgroundCopyJob_Release(job);
}

static int set_timeout(DWORD value)
{
    HKEY key;
    LONG rc;

    if (RegCreateKeyExW(HKEY_CURRENT_USER, L"Software\\bgcopy", 0, NULL, 0, KEY_SET_VALUE, NULL, &key, NULL))
        return -1;
    rc = RegSetValueExW(key, L"JobInactivityTimeoutS", 0, REG_DWORD, (const BYTE *)&value, sizeof(value));
    RegCloseKey(key);
    return rc == ERROR_SUCCESS ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(L24_inactive_job_is_cancelled_by_the_service),
        cmocka_unit_test(L24_cancelled_job_loses_its_temp_file),
    };

    if (set_timeout(TIMEOUT_S) != 0) {
        print_error("cannot set HKCU\\Software\\bgcopy JobInactivityTimeoutS\n");
        return 1;
    }
    return cmocka_run_group_tests_name("wine.test_rules_inactivity", tests, group_setup, group_teardown);
}
