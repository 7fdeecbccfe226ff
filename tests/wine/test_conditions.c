/*
 * test_conditions.c - the bandwidth Group Policy through the real server (server/conditions.c,
 * registry/policy.c, jobs/cond.c): MaxTransferRateOnSchedule = 0 blocks background jobs in
 * TRANSIENT_ERROR with BG_E_BLOCKED_BY_POLICY while FOREGROUND jobs transfer (L25, S4), they
 * continue when the policy goes, and a non-zero rate limits background transfers (S4).
 * Network loss and cost (L11, L12, S7) cannot be simulated in a Wine prefix; the core's
 * handling of them is tested natively (tests/native/test_rules_conditions.c).
 *
 * Invariants:
 *  1. Every test removes the policy key it wrote, also when it fails (teardown).
 *  2. Every wait is bounded; the watcher notices registry changes at once (RegNotify) or
 *     within its 5 s poll.
 */
#include "wine_test.h"

#define POLICY L"Software\\Policies\\Microsoft\\Windows\\BITS"
#define BG_E_BLOCKED_BY_POLICY ((HRESULT)0x8020003EL)

static void set_policy(DWORD kbps)
{
    HKEY key;
    DWORD one = 1, zero = 0;

    assert_int_equal(RegCreateKeyExW(HKEY_LOCAL_MACHINE, POLICY, 0, NULL, 0, KEY_WRITE, NULL, &key, NULL),
                     ERROR_SUCCESS);
    RegSetValueExW(key, L"MaxTransferRateOnSchedule", 0, REG_DWORD, (const BYTE *)&kbps, sizeof(kbps));
    RegSetValueExW(key, L"MaxBandwidthValidFrom", 0, REG_DWORD, (const BYTE *)&zero, sizeof(zero));
    RegSetValueExW(key, L"MaxBandwidthValidTo", 0, REG_DWORD, (const BYTE *)&zero, sizeof(zero)); /* all day */
    RegSetValueExW(key, L"EnableBITSMaxBandwidth", 0, REG_DWORD, (const BYTE *)&one, sizeof(one));
    RegCloseKey(key);
}

static int remove_policy(void **state)
{
    (void)state;
    RegDeleteKeyW(HKEY_LOCAL_MACHINE, POLICY);
    return 0;
}

static IBackgroundCopyJob *start(IBackgroundCopyManager *mgr, const WCHAR *path, const WCHAR *name,
                                 BG_JOB_PRIORITY prio)
{
    IBackgroundCopyJob *job = NULL;
    WCHAR url[WT_PATH], local[WT_PATH];
    GUID id;

    assert_hr(IBackgroundCopyManager_CreateJob(mgr, L"conditions", BG_JOB_TYPE_DOWNLOAD, &id, &job), S_OK);
    assert_hr(IBackgroundCopyJob_SetPriority(job, prio), S_OK);
    assert_hr(IBackgroundCopyJob_SetMinimumRetryDelay(job, 1), S_OK);
    assert_hr(IBackgroundCopyJob_AddFile(job, wt_url(url, path), wt_format(local, L"%ls\\%ls", wt_env(L"BGC_TEMP_DIR"), name)),
              S_OK);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    return job;
}

static void L25_zero_policy_blocks_background_jobs_and_lets_foreground_ones_run(void **state)
{
    IBackgroundCopyManager *mgr = wt_connect();
    IBackgroundCopyJob *bg, *fg;
    IBackgroundCopyError *err = NULL;
    BG_ERROR_CONTEXT ctx;
    HRESULT code = S_OK;
    WCHAR local[WT_PATH];

    (void)state;
    assert_non_null(mgr);
    set_policy(0);
    Sleep(500); /* let the watcher see it (invariant 2) */
    bg = start(mgr, L"/gen/5000?seed=31", L"cond-bg.bin", BG_JOB_PRIORITY_NORMAL);
    fg = start(mgr, L"/gen/5000?seed=32", L"cond-fg.bin", BG_JOB_PRIORITY_FOREGROUND);
    assert_int_equal(wt_wait_state(bg, BG_JOB_STATE_TRANSIENT_ERROR, 15000), BG_JOB_STATE_TRANSIENT_ERROR);
    assert_hr(IBackgroundCopyJob_GetError(bg, &err), S_OK);
    assert_hr(IBackgroundCopyError_GetError(err, &ctx, &code), S_OK);
    assert_int_equal((unsigned long)code, (unsigned long)BG_E_BLOCKED_BY_POLICY);
    IBackgroundCopyError_Release(err);
    assert_int_equal(wt_wait_state(fg, BG_JOB_STATE_TRANSFERRED, 15000), BG_JOB_STATE_TRANSFERRED);
    Sleep(2500); /* R2: two retry delays, still waiting for the policy */
    assert_int_equal(wt_wait_state(bg, BG_JOB_STATE_TRANSIENT_ERROR, 0), BG_JOB_STATE_TRANSIENT_ERROR);
    remove_policy(NULL);
    assert_int_equal(wt_wait_state(bg, BG_JOB_STATE_TRANSFERRED, 15000), BG_JOB_STATE_TRANSFERRED);
    assert_hr(IBackgroundCopyJob_Complete(bg), S_OK);
    assert_hr(IBackgroundCopyJob_Complete(fg), S_OK);
    wt_assert_file_is_testdata(wt_format(local, L"%ls\\cond-bg.bin", wt_env(L"BGC_TEMP_DIR")), 31, 5000);
    IBackgroundCopyJob_Release(bg);
    IBackgroundCopyJob_Release(fg);
    IBackgroundCopyManager_Release(mgr);
}

static void S4_policy_rate_limits_background_transfers(void **state)
{
    IBackgroundCopyManager *mgr = wt_connect();
    IBackgroundCopyJob *bg;
    ULONGLONG t0;
    WCHAR local[WT_PATH];

    (void)state;
    assert_non_null(mgr);
    set_policy(3200); /* 3200 kbps = 400,000 bytes/s */
    Sleep(500);
    t0 = GetTickCount64();
    bg = start(mgr, L"/gen/2000000?seed=33", L"cond-s4.bin", BG_JOB_PRIORITY_NORMAL);
    assert_int_equal(wt_wait_state(bg, BG_JOB_STATE_TRANSFERRED, 30000), BG_JOB_STATE_TRANSFERRED);
    /* a lower bound on a limit (2 MB at 400 KB/s is ~5 s; unlimited it is milliseconds) */
    print_message("2 MB under a 3200 kbps policy took %llu ms\n", (unsigned long long)(GetTickCount64() - t0));
    assert_true(GetTickCount64() - t0 >= 2500);
    assert_hr(IBackgroundCopyJob_Complete(bg), S_OK);
    wt_assert_file_is_testdata(wt_format(local, L"%ls\\cond-s4.bin", wt_env(L"BGC_TEMP_DIR")), 33, 2000000);
    IBackgroundCopyJob_Release(bg);
    IBackgroundCopyManager_Release(mgr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(L25_zero_policy_blocks_background_jobs_and_lets_foreground_ones_run, remove_policy),
        cmocka_unit_test_teardown(S4_policy_rate_limits_background_transfers, remove_policy),
    };
    int rc;

    if (wt_com_init())
        return 1;
    remove_policy(NULL);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    CoUninitialize();
    return rc;
}
