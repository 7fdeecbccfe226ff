/*
 * test_jobprops.c - the core area's job properties through the real COM server:
 * IBackgroundCopyJob4 (MaximumDownloadTime, peer caching flags, owner integrity level and
 * elevation), IBackgroundCopyJob5 SetProperty/GetProperty (COST_FLAGS, NOTIFICATION_CLSID,
 * MINIMUM_NOTIFICATION_INTERVAL_MS, unknown IDs: J1), IBackgroundCopyJob3 file ACL flags
 * (F18), IBackgroundCopyJob2 notify command line storage (2.3), TakeOwnership (X5), the
 * maximum download time end to end (L17) and the job/file limits read from the registry (S6).
 *
 * main() sets HKCU\Software\bgcopy MaxJobsPerUser=6 and MaxFilesPerJob=3 before the first
 * activation, so the server of this program starts with those limits; every test cancels
 * its jobs (teardown), so the limit test sees only its own.
 */
#include "wine_test.h"

#define WAIT_MS 60000
#define MAX_JOBS 8
#define LIMIT_JOBS 6
#define LIMIT_FILES 3

#ifndef BG_E_UNKNOWN_PROPERTY_ID
#define BG_E_UNKNOWN_PROPERTY_ID ((HRESULT)0x80200057L)
#endif
#define HR_MAXDOWNLOAD_TIMEOUT ((HRESULT)0x80200054L)
#define HR_TOO_MANY_JOBS_PER_USER ((HRESULT)0x80200049L)
#define HR_TOO_MANY_FILES_IN_JOB ((HRESULT)0x80200051L)

static IBackgroundCopyManager *g_mgr;

struct fixture {
    IBackgroundCopyJob *jobs[MAX_JOBS];
    int njobs;
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
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    for (int i = 0; i < f->njobs; i++) {
        BG_JOB_STATE st;

        if (SUCCEEDED(IBackgroundCopyJob_GetState(f->jobs[i], &st)) && st != BG_JOB_STATE_ACKNOWLEDGED &&
            st != BG_JOB_STATE_CANCELLED)
            IBackgroundCopyJob_Cancel(f->jobs[i]);
        IBackgroundCopyJob_Release(f->jobs[i]);
    }
    free(f);
    return 0;
}

static IBackgroundCopyJob *new_job(struct fixture *f)
{
    IBackgroundCopyJob *job = NULL;
    GUID id;

    assert_true(f->njobs < MAX_JOBS);
    assert_hr(IBackgroundCopyManager_CreateJob(g_mgr, L"jobprops", BG_JOB_TYPE_DOWNLOAD, &id, &job), S_OK);
    f->jobs[f->njobs++] = job;
    return job;
}

static IBackgroundCopyJob4 *job4(IBackgroundCopyJob *job)
{
    IBackgroundCopyJob4 *j4 = NULL;

    assert_hr(IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJob4, (void **)&j4), S_OK);
    return j4;
}

static IBackgroundCopyJob5 *job5(IBackgroundCopyJob *job)
{
    IBackgroundCopyJob5 *j5 = NULL;

    assert_hr(IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJob5, (void **)&j5), S_OK);
    return j5;
}

/* 2.5: Job4 defaults and storage; no method answers E_NOTIMPL. */
static void job4_properties_2_5(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob4 *j4 = job4(new_job(f));
    ULONG v = 0;
    DWORD flags = 99;
    BOOL elevated = 7;

    assert_hr(IBackgroundCopyJob4_GetMaximumDownloadTime(j4, &v), S_OK);
    assert_int_equal(v, 7776000);
    assert_hr(IBackgroundCopyJob4_SetMaximumDownloadTime(j4, 3600), S_OK);
    assert_hr(IBackgroundCopyJob4_GetMaximumDownloadTime(j4, &v), S_OK);
    assert_int_equal(v, 3600);

    assert_hr(IBackgroundCopyJob4_GetPeerCachingFlags(j4, &flags), S_OK);
    assert_int_equal(flags, 0);
    assert_hr(IBackgroundCopyJob4_SetPeerCachingFlags(j4, 0x4), S_OK);
    assert_hr(IBackgroundCopyJob4_GetPeerCachingFlags(j4, &flags), S_OK);
    assert_int_equal(flags, 0x4);
    assert_hr(IBackgroundCopyJob4_SetPeerCachingFlags(j4, 0x8), E_NOTIMPL); /* G4 */

    v = 0;
    assert_hr(IBackgroundCopyJob4_GetOwnerIntegrityLevel(j4, &v), S_OK);
    assert_true(v >= 0x1000 && v <= 0x4000); /* a SECURITY_MANDATORY_*_RID */
    assert_hr(IBackgroundCopyJob4_GetOwnerElevationState(j4, &elevated), S_OK);
    assert_true(elevated == TRUE || elevated == FALSE);
    IBackgroundCopyJob4_Release(j4);
}

/* 2.6, J1: SetProperty/GetProperty of the core area's properties; IDs 6 and 8 are unknown. */
static void job5_properties_and_unknown_ids_J1(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job = new_job(f);
    IBackgroundCopyJob5 *j5 = job5(job);
    BITS_JOB_PROPERTY_VALUE v;
    static const GUID clsid = {0x12345678, 0x9abc, 0xdef0, {1, 2, 3, 4, 5, 6, 7, 8}};

    memset(&v, 0xcc, sizeof(v));
    assert_hr(IBackgroundCopyJob5_GetProperty(j5, BITS_JOB_PROPERTY_ID_COST_FLAGS, &v), S_OK);
    assert_int_equal(v.Dword, 0x800000FFu); /* BITS_COST_STATE_TRANSFER_ALWAYS (project default) */
    v.Dword = 0x80000021u; /* TRANSFER_UNRESTRICTED */
    assert_hr(IBackgroundCopyJob5_SetProperty(j5, BITS_JOB_PROPERTY_ID_COST_FLAGS, v), S_OK);
    memset(&v, 0, sizeof(v));
    assert_hr(IBackgroundCopyJob5_GetProperty(j5, BITS_JOB_PROPERTY_ID_COST_FLAGS, &v), S_OK);
    assert_int_equal(v.Dword, 0x80000021u);

    assert_hr(IBackgroundCopyJob5_GetProperty(j5, BITS_JOB_PROPERTY_NOTIFICATION_CLSID, &v), S_OK);
    assert_true(IsEqualGUID(&v.ClsID, &GUID_NULL));
    v.ClsID = clsid;
    assert_hr(IBackgroundCopyJob5_SetProperty(j5, BITS_JOB_PROPERTY_NOTIFICATION_CLSID, v), S_OK);
    memset(&v, 0, sizeof(v));
    assert_hr(IBackgroundCopyJob5_GetProperty(j5, BITS_JOB_PROPERTY_NOTIFICATION_CLSID, &v), S_OK);
    assert_true(IsEqualGUID(&v.ClsID, &clsid));
    v.ClsID = GUID_NULL; /* clears */
    assert_hr(IBackgroundCopyJob5_SetProperty(j5, BITS_JOB_PROPERTY_NOTIFICATION_CLSID, v), S_OK);
    assert_hr(IBackgroundCopyJob5_GetProperty(j5, BITS_JOB_PROPERTY_NOTIFICATION_CLSID, &v), S_OK);
    assert_true(IsEqualGUID(&v.ClsID, &GUID_NULL));

    assert_hr(IBackgroundCopyJob5_GetProperty(j5, BITS_JOB_PROPERTY_MINIMUM_NOTIFICATION_INTERVAL_MS, &v), S_OK);
    assert_int_equal(v.Dword, 500);
    v.Dword = 2000;
    assert_hr(IBackgroundCopyJob5_SetProperty(j5, BITS_JOB_PROPERTY_MINIMUM_NOTIFICATION_INTERVAL_MS, v), S_OK);
    assert_hr(IBackgroundCopyJob5_GetProperty(j5, BITS_JOB_PROPERTY_MINIMUM_NOTIFICATION_INTERVAL_MS, &v), S_OK);
    assert_int_equal(v.Dword, 2000);

    /* J1: IDs 6 and 8 marshal (Dword case labels of the SDK union) but name no property */
    v.Dword = 1;
    assert_hr(IBackgroundCopyJob5_SetProperty(j5, (BITS_JOB_PROPERTY_ID)6, v), BG_E_UNKNOWN_PROPERTY_ID);
    assert_hr(IBackgroundCopyJob5_GetProperty(j5, (BITS_JOB_PROPERTY_ID)8, &v), BG_E_UNKNOWN_PROPERTY_ID);

    /* G3: setters on a final job */
    assert_hr(IBackgroundCopyJob_Cancel(job), S_OK);
    v.Dword = 1;
    assert_hr(IBackgroundCopyJob5_SetProperty(j5, BITS_JOB_PROPERTY_ID_COST_FLAGS, v), BG_E_INVALID_STATE);
    assert_hr(IBackgroundCopyJob5_GetProperty(j5, BITS_JOB_PROPERTY_ID_COST_FLAGS, &v), S_OK); /* L30 */
    IBackgroundCopyJob5_Release(j5);
}

/* F18: SetFileACLFlags / GetFileACLFlags. */
static void file_acl_flags_F18(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job = new_job(f);
    IBackgroundCopyJob3 *j3 = NULL;
    DWORD flags = 99;

    assert_hr(IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJob3, (void **)&j3), S_OK);
    assert_hr(IBackgroundCopyJob3_GetFileACLFlags(j3, &flags), S_OK);
    assert_int_equal(flags, 0);
    assert_hr(IBackgroundCopyJob3_SetFileACLFlags(j3, BG_COPY_FILE_OWNER | BG_COPY_FILE_DACL), S_OK);
    assert_hr(IBackgroundCopyJob3_GetFileACLFlags(j3, &flags), S_OK);
    assert_int_equal(flags, BG_COPY_FILE_OWNER | BG_COPY_FILE_DACL);
    assert_hr(IBackgroundCopyJob3_SetFileACLFlags(j3, 0x10), E_INVALIDARG);
    assert_hr(IBackgroundCopyJob_Cancel(job), S_OK);
    assert_hr(IBackgroundCopyJob3_SetFileACLFlags(j3, 0), BG_E_INVALID_STATE);
    IBackgroundCopyJob3_Release(j3);
}

/* 2.3: SetNotifyCmdLine / GetNotifyCmdLine storage and validation. */
static void notify_cmdline_storage_2_3(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job = new_job(f);
    IBackgroundCopyJob2 *j2 = NULL;
    WCHAR *p = NULL, *a = NULL;
    static WCHAR long_prog[300], long_params[4100];

    assert_hr(IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJob2, (void **)&j2), S_OK);
    assert_hr(IBackgroundCopyJob2_GetNotifyCmdLine(j2, &p, &a), S_OK);
    assert_non_null(p);
    assert_non_null(a);
    assert_int_equal(p[0], 0); /* never set: L"" */
    assert_int_equal(a[0], 0);
    CoTaskMemFree(p);
    CoTaskMemFree(a);

    assert_hr(IBackgroundCopyJob2_SetNotifyCmdLine(j2, L"C:\\windows\\notepad.exe",
                                                   L"C:\\windows\\notepad.exe a.txt"), S_OK);
    assert_hr(IBackgroundCopyJob2_GetNotifyCmdLine(j2, &p, &a), S_OK);
    assert_true(wcscmp(p, L"C:\\windows\\notepad.exe") == 0);
    assert_true(wcscmp(a, L"C:\\windows\\notepad.exe a.txt") == 0);
    CoTaskMemFree(p);
    CoTaskMemFree(a);

    assert_hr(IBackgroundCopyJob2_SetNotifyCmdLine(j2, NULL, L"x"), E_INVALIDARG);
    for (int i = 0; i < 261; i++)
        long_prog[i] = L'a';
    long_prog[261] = 0;
    assert_hr(IBackgroundCopyJob2_SetNotifyCmdLine(j2, long_prog, NULL), BG_E_STRING_TOO_LONG);
    for (int i = 0; i < 4001; i++)
        long_params[i] = L'b';
    long_params[4001] = 0;
    assert_hr(IBackgroundCopyJob2_SetNotifyCmdLine(j2, L"C:\\p.exe", long_params), BG_E_STRING_TOO_LONG);
    long_params[4000] = 0; /* exactly 4000 is allowed */
    assert_hr(IBackgroundCopyJob2_SetNotifyCmdLine(j2, L"C:\\p.exe", long_params), S_OK);

    assert_hr(IBackgroundCopyJob2_SetNotifyCmdLine(j2, NULL, NULL), S_OK); /* removes */
    assert_hr(IBackgroundCopyJob2_GetNotifyCmdLine(j2, &p, &a), S_OK);
    assert_int_equal(p[0], 0);
    assert_int_equal(a[0], 0);
    CoTaskMemFree(p);
    CoTaskMemFree(a);
    IBackgroundCopyJob2_Release(j2);
}

/* X5: TakeOwnership by the (administrator) user of the Wine prefix: owner stays this user's
 * SID, the command line is removed; a final job refuses it. */
static void take_ownership_removes_cmdline_X5(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job = new_job(f);
    IBackgroundCopyJob2 *j2 = NULL;
    WCHAR *owner_before = NULL, *owner_after = NULL, *p = NULL, *a = NULL;
    HRESULT hr;

    assert_hr(IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJob2, (void **)&j2), S_OK);
    assert_hr(IBackgroundCopyJob2_SetNotifyCmdLine(j2, L"C:\\p.exe", NULL), S_OK);
    assert_hr(IBackgroundCopyJob_GetOwner(job, &owner_before), S_OK);
    hr = IBackgroundCopyJob_TakeOwnership(job);
    print_message("TakeOwnership as this user: 0x%08lx\n", (unsigned long)hr);
    if (hr == E_ACCESSDENIED) {
        /* not an administrator: nothing changed */
        assert_hr(IBackgroundCopyJob2_GetNotifyCmdLine(j2, &p, &a), S_OK);
        assert_true(wcscmp(p, L"C:\\p.exe") == 0);
    } else {
        assert_hr(hr, S_OK);
        assert_hr(IBackgroundCopyJob_GetOwner(job, &owner_after), S_OK);
        assert_true(wcscmp(owner_before, owner_after) == 0);
        assert_hr(IBackgroundCopyJob2_GetNotifyCmdLine(j2, &p, &a), S_OK);
        assert_int_equal(p[0], 0);
    }
    CoTaskMemFree(owner_before);
    CoTaskMemFree(owner_after);
    CoTaskMemFree(p);
    CoTaskMemFree(a);
    assert_hr(IBackgroundCopyJob_Cancel(job), S_OK);
    assert_hr(IBackgroundCopyJob_TakeOwnership(job), BG_E_INVALID_STATE);
    IBackgroundCopyJob2_Release(j2);
}

/* L17 end to end: a slow download with MaximumDownloadTime 1 s ends in ERROR with
 * BG_E_MAXDOWNLOAD_TIMEOUT. */
static void max_download_time_ends_in_error_L17(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job = new_job(f);
    IBackgroundCopyJob4 *j4 = job4(job);
    IBackgroundCopyError *err = NULL;
    WCHAR url[WT_PATH], dir[WT_PATH], local[WT_PATH];
    BG_ERROR_CONTEXT ctx;
    HRESULT code;

    wt_test_dir(dir, L"l17");
    wt_format(local, L"%ls\\slow.bin", dir);
    assert_hr(IBackgroundCopyJob_AddFile(job, wt_url(url, L"/gen/1000000/l17?rate=100000"), local), S_OK);
    assert_hr(IBackgroundCopyJob4_SetMaximumDownloadTime(j4, 1), S_OK);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_int_equal(wt_wait_state(job, BG_JOB_STATE_ERROR, WAIT_MS), BG_JOB_STATE_ERROR);
    assert_hr(IBackgroundCopyJob_GetError(job, &err), S_OK);
    assert_hr(IBackgroundCopyError_GetError(err, &ctx, &code), S_OK);
    assert_hr(code, HR_MAXDOWNLOAD_TIMEOUT);
    IBackgroundCopyError_Release(err);
    IBackgroundCopyJob4_Release(j4);
}

/* S6: MaxJobsPerUser and MaxFilesPerJob from the registry (set by main). */
static void job_and_file_limits_from_registry_S6(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *extra = NULL, *job;
    BG_FILE_INFO files[LIMIT_FILES + 1];
    WCHAR url[WT_PATH], dir[WT_PATH], local[LIMIT_FILES + 1][WT_PATH];
    GUID id;

    for (int i = 0; i < LIMIT_JOBS; i++)
        new_job(f);
    assert_hr(IBackgroundCopyManager_CreateJob(g_mgr, L"over", BG_JOB_TYPE_DOWNLOAD, &id, &extra),
              HR_TOO_MANY_JOBS_PER_USER);
    assert_null(extra);

    job = f->jobs[0];
    wt_test_dir(dir, L"s6");
    wt_url(url, L"/gen/10");
    for (int i = 0; i <= LIMIT_FILES; i++) {
        files[i].RemoteName = url;
        files[i].LocalName = wt_format(local[i], L"%ls\\f%d.bin", dir, i);
    }
    assert_hr(IBackgroundCopyJob_AddFileSet(job, LIMIT_FILES + 1, files), HR_TOO_MANY_FILES_IN_JOB);
    assert_hr(IBackgroundCopyJob_AddFileSet(job, LIMIT_FILES, files), S_OK);
    assert_hr(IBackgroundCopyJob_AddFile(job, files[LIMIT_FILES].RemoteName, files[LIMIT_FILES].LocalName),
              HR_TOO_MANY_FILES_IN_JOB);
}

/* Counts the jobs of an EnumJobs snapshot and whether `id` is among them. */
static ULONG enum_count(DWORD flags, const GUID *id, BOOL *found)
{
    IEnumBackgroundCopyJobs *e = NULL;
    IBackgroundCopyJob *job;
    ULONG count = 0, n = 0;

    *found = FALSE;
    assert_hr(IBackgroundCopyManager_EnumJobs(g_mgr, flags, &e), S_OK);
    assert_hr(IEnumBackgroundCopyJobs_GetCount(e, &count), S_OK);
    while (IEnumBackgroundCopyJobs_Next(e, 1, &job, NULL) == S_OK) {
        GUID got;

        assert_hr(IBackgroundCopyJob_GetId(job, &got), S_OK);
        if (IsEqualGUID(&got, id))
            *found = TRUE;
        IBackgroundCopyJob_Release(job);
        n++;
    }
    assert_int_equal(n, count);
    IEnumBackgroundCopyJobs_Release(e);
    return count;
}

/* 2.1 EnumJobs: the caller's job is listed with and without BG_JOB_ENUM_ALL_USERS (every job
 * of this prefix belongs to its one user); a final job is not listed (L30). */
static void enum_jobs_with_and_without_all_users_2_1(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job = new_job(f);
    ULONG mine, all;
    BOOL found;
    GUID id;

    assert_hr(IBackgroundCopyJob_GetId(job, &id), S_OK);
    mine = enum_count(0, &id, &found);
    assert_true(found);
    all = enum_count(BG_JOB_ENUM_ALL_USERS, &id, &found);
    assert_true(found);
    assert_true(all >= mine);
    assert_hr(IBackgroundCopyJob_Cancel(job), S_OK);
    enum_count(BG_JOB_ENUM_ALL_USERS, &id, &found);
    assert_false(found);
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
        cmocka_unit_test_setup_teardown(job4_properties_2_5, setup, teardown),
        cmocka_unit_test_setup_teardown(job5_properties_and_unknown_ids_J1, setup, teardown),
        cmocka_unit_test_setup_teardown(file_acl_flags_F18, setup, teardown),
        cmocka_unit_test_setup_teardown(notify_cmdline_storage_2_3, setup, teardown),
        cmocka_unit_test_setup_teardown(take_ownership_removes_cmdline_X5, setup, teardown),
        cmocka_unit_test_setup_teardown(max_download_time_ends_in_error_L17, setup, teardown),
        cmocka_unit_test_setup_teardown(job_and_file_limits_from_registry_S6, setup, teardown),
        cmocka_unit_test_setup_teardown(enum_jobs_with_and_without_all_users_2_1, setup, teardown),
    };

    set_limit(L"MaxJobsPerUser", LIMIT_JOBS);
    set_limit(L"MaxFilesPerJob", LIMIT_FILES);
    return cmocka_run_group_tests_name("wine.test_jobprops", tests, group_setup, group_teardown);
}
