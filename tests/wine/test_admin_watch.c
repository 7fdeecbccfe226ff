/*
 * test_admin_watch.c - bgcopyadmin.exe's waiting and watching switches: /wait (exit code per
 * outcome: 0 TRANSFERRED, 4 ERROR, 5 timeout, 6 cancelled), /monitor (bounded snapshots when
 * stdout is not a console, /count, /timeout, /json), /transfer with several pairs, /priority
 * and /timeout, and /reset. Effects checked through COM.
 */
#include "admin_run.h"

/* ---- a helper thread acting on a job while the client runs -------------------------------- */

struct side {
    const WCHAR *name;        /* job display name to look for (NULL: use job) */
    IBackgroundCopyJob *job;  /* job to cancel (when name is NULL) */
    DWORD delay_ms;           /* before acting */
    BG_JOB_PRIORITY priority; /* out: the priority of the job found by name */
    BOOL found;               /* out: a job with that name appeared */
};

/* Cancels side->job after delay_ms. */
static DWORD WINAPI cancel_later(void *arg)
{
    struct side *s = arg;
    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    Sleep(s->delay_ms);
    IBackgroundCopyJob_Cancel(s->job);
    CoUninitialize();
    return 0;
}

/* Waits (up to 30 s) for a job named side->name and reads its priority. */
static DWORD WINAPI find_by_name(void *arg)
{
    struct side *s = arg;
    DWORD start = GetTickCount();
    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    while (!s->found && GetTickCount() - start < 30000) {
        IEnumBackgroundCopyJobs *jobs = NULL;
        IBackgroundCopyJob *job = NULL;
        ULONG fetched = 0;
        if (SUCCEEDED(IBackgroundCopyManager_EnumJobs(g_mgr, 0, &jobs))) {
            while (!s->found && IEnumBackgroundCopyJobs_Next(jobs, 1, &job, &fetched) == S_OK && fetched == 1) {
                WCHAR *dn = NULL;
                if (SUCCEEDED(IBackgroundCopyJob_GetDisplayName(job, &dn)) && dn && wcscmp(dn, s->name) == 0 &&
                    SUCCEEDED(IBackgroundCopyJob_GetPriority(job, &s->priority)))
                    s->found = TRUE;
                CoTaskMemFree(dn);
                IBackgroundCopyJob_Release(job);
                job = NULL;
            }
            IEnumBackgroundCopyJobs_Release(jobs);
        }
        Sleep(100);
    }
    CoUninitialize();
    return 0;
}

static void join(HANDLE thread)
{
    assert_non_null(thread);
    assert_int_equal(WaitForSingleObject(thread, 60000), WAIT_OBJECT_0);
    CloseHandle(thread);
}

/* ---- /wait ----------------------------------------------------------------------------------- */

static void wait_exits_0_when_transferred_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    WCHAR guid[39], url[WT_PATH], local[WT_PATH];
    char guid8[39], want[128];
    GUID id;

    job = com_job(f, L"bgc-cli-wait", &id, guid);
    guid_utf8(&id, guid8);
    wt_format(local, L"%ls\\waited.bin", wt_test_dir(f->dir, L"cli-wait"));
    assert_hr(IBackgroundCopyJob_AddFile(job, stalled_url(url, 300000, 71, 1500), local), S_OK);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    admin(f, L"/wait %ls /timeout 60", guid);
    assert_exit(&f->run, 0);
    assert_stdout_is(&f->run, "TRANSFERRED\r\n");
    assert_int_equal(state_of(job), BG_JOB_STATE_TRANSFERRED);
    admin(f, L"/wait bgc-cli-wait /json");
    assert_exit(&f->run, 0);
    snprintf(want, sizeof(want), "{\"id\":\"%s\",\"state\":\"TRANSFERRED\",\"outcome\":\"transferred\",\"waitedMs\":",
             guid8);
    assert_true(strncmp(f->run.out, want, strlen(want)) == 0);
    IBackgroundCopyJob_Release(job);
}

static void wait_exits_4_on_error_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    WCHAR guid[39], url[WT_PATH], local[WT_PATH];
    GUID id;

    job = com_job(f, L"bgc-cli-wait-err", &id, guid);
    wt_format(local, L"%ls\\never.bin", wt_test_dir(f->dir, L"cli-wait-err"));
    assert_hr(IBackgroundCopyJob_AddFile(job, wt_url(url, L"/files/absent.bin"), local), S_OK);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    admin(f, L"/wait %ls /timeout 60", guid);
    assert_exit(&f->run, 4);
    assert_stdout_is(&f->run, "ERROR\r\n");
    assert_stderr_has(&f->run, "0x80190194");
    assert_int_equal(state_of(job), BG_JOB_STATE_ERROR);
    IBackgroundCopyJob_Release(job);
}

static void wait_exits_5_at_timeout_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    WCHAR guid[39];
    DWORD start, took;
    GUID id;

    job = com_job(f, L"bgc-cli-wait-timeout", &id, guid); /* suspended: never final */
    start = GetTickCount();
    admin(f, L"/wait %ls /timeout 2", guid);
    took = GetTickCount() - start;
    assert_exit(&f->run, 5);
    assert_stdout_is(&f->run, "SUSPENDED\r\n");
    assert_stderr_has(&f->run, "/timeout");
    assert_true(took >= 1900);
    assert_int_equal(state_of(job), BG_JOB_STATE_SUSPENDED); /* /wait changes nothing */
    IBackgroundCopyJob_Release(job);
}

static void wait_exits_6_when_cancelled_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    WCHAR guid[39], url[WT_PATH], local[WT_PATH];
    struct side side = { NULL, NULL, 1500, BG_JOB_PRIORITY_NORMAL, FALSE };
    HANDLE thread;
    GUID id;

    job = com_job(f, L"bgc-cli-wait-cancel", &id, guid);
    wt_format(local, L"%ls\\cancelled.bin", wt_test_dir(f->dir, L"cli-wait-cancel"));
    assert_hr(IBackgroundCopyJob_AddFile(job, stalled_url(url, 2000000, 72, 30000), local), S_OK);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    side.job = job;
    thread = CreateThread(NULL, 0, cancel_later, &side, 0, NULL);
    admin(f, L"/wait %ls /timeout 60", guid);
    join(thread);
    assert_exit(&f->run, 6);
    assert_stdout_is(&f->run, "CANCELLED\r\n");
    assert_int_equal(state_of(job), BG_JOB_STATE_CANCELLED);
    IBackgroundCopyJob_Release(job);
}

/* ---- /monitor -------------------------------------------------------------------------------- */

static void monitor_count_prints_that_many_snapshots_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    char guid8[39], line[128];
    GUID id;

    job = com_job(f, L"bgc-cli-monitor", &id, NULL);
    guid_utf8(&id, guid8);
    admin(f, L"/monitor /refresh 1 /count 2");
    assert_exit(&f->run, 0);
    assert_output_has(&f->run, "MONITORING BACKGROUND COPY MANAGER (1 second refresh) snapshot 1 at ");
    assert_output_has(&f->run, "MONITORING BACKGROUND COPY MANAGER (1 second refresh) snapshot 2 at ");
    assert_output_lacks(&f->run, "snapshot 3");
    snprintf(line, sizeof(line), "%s 'bgc-cli-monitor' SUSPENDED 0 / 0 0 / 0", guid8);
    assert_output_has(&f->run, line);
    assert_output_lacks(&f->run, "\r\r"); /* no redrawing when not a console */
    admin(f, L"/monitor /allusers /count 1");
    assert_exit(&f->run, 0);
    assert_output_has(&f->run, "(5 second refresh) snapshot 1 at ");
    assert_output_has(&f->run, line);
    assert_output_lacks(&f->run, "snapshot 2");
    assert_int_equal(state_of(job), BG_JOB_STATE_SUSPENDED);
    IBackgroundCopyJob_Release(job);
}

static void monitor_ends_when_no_job_is_active_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    WCHAR url[WT_PATH], local[WT_PATH];
    char guid8[39], line[128];
    GUID id;

    job = com_job(f, L"bgc-cli-monitor-run", &id, NULL);
    guid_utf8(&id, guid8);
    wt_format(local, L"%ls\\monitored.bin", wt_test_dir(f->dir, L"cli-monitor-run"));
    assert_hr(IBackgroundCopyJob_AddFile(job, stalled_url(url, 400000, 73, 2500), local), S_OK);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    admin(f, L"/monitor /refresh 1 /timeout 60");
    assert_exit(&f->run, 0);
    assert_output_has(&f->run, "snapshot 2 at "); /* it watched the transfer */
    snprintf(line, sizeof(line), "%s 'bgc-cli-monitor-run' TRANSFERRED 1 / 1 400000 / 400000", guid8);
    assert_output_has(&f->run, line);
    assert_int_equal(state_of(job), BG_JOB_STATE_TRANSFERRED);
    IBackgroundCopyJob_Release(job);
}

static void monitor_timeout_bounds_an_active_job_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    WCHAR url[WT_PATH], local[WT_PATH];
    DWORD start, took;
    GUID id;

    job = com_job(f, L"bgc-cli-monitor-busy", &id, NULL);
    wt_format(local, L"%ls\\busy.bin", wt_test_dir(f->dir, L"cli-monitor-busy"));
    assert_hr(IBackgroundCopyJob_AddFile(job, stalled_url(url, 2000000, 74, 30000), local), S_OK);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    start = GetTickCount();
    admin(f, L"/monitor /refresh 1 /timeout 3");
    took = GetTickCount() - start;
    assert_exit(&f->run, 0);
    assert_true(took >= 2900 && took < 30000);
    assert_output_has(&f->run, "snapshot 3 at ");
    IBackgroundCopyJob_Release(job);
}

static void monitor_json_prints_one_object_per_snapshot_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    char guid8[39], want[128];
    GUID id;

    job = com_job(f, L"bgc-cli-monitor-json", &id, NULL);
    guid_utf8(&id, guid8);
    admin(f, L"/monitor /json /count 2 /refresh 1");
    assert_exit(&f->run, 0);
    assert_true(strncmp(f->run.out, "{\"snapshot\":1,\"time\":\"", 22) == 0);
    assert_output_has(&f->run, "}\r\n{\"snapshot\":2,");
    snprintf(want, sizeof(want), "{\"id\":\"%s\",\"displayName\":\"bgc-cli-monitor-json\",\"state\":\"SUSPENDED\"", guid8);
    assert_output_has(&f->run, want);
    IBackgroundCopyJob_Release(job);
}

/* ---- /transfer ------------------------------------------------------------------------------- */

static void transfer_several_pairs_with_priority_cli(void **state)
{
    struct fixture *f = *state;
    WCHAR url1[WT_PATH], url2[WT_PATH], local1[WT_PATH], local2[WT_PATH];
    struct side side = { L"bgc-cli-xfer-pairs", NULL, 0, BG_JOB_PRIORITY_NORMAL, FALSE };
    HANDLE thread;
    GUID id;

    wt_test_dir(f->dir, L"cli-xfer-pairs");
    wt_format(local1, L"%ls\\one.bin", f->dir);
    wt_format(local2, L"%ls\\two.bin", f->dir);
    stalled_url(url1, 500000, 75, 3000); /* slow enough for the side thread to see the job */
    wt_url(url2, L"/gen/70000?seed=76");
    thread = CreateThread(NULL, 0, find_by_name, &side, 0, NULL);
    admin(f, L"/transfer bgc-cli-xfer-pairs /download /priority foreground /timeout 60 %ls \"%ls\" %ls \"%ls\"",
          url1, local1, url2, local2);
    join(thread);
    assert_exit(&f->run, 0);
    parse_created(&f->run, &id);
    own_job(f, &id);
    assert_output_has(&f->run, "one.bin to job.");
    assert_output_has(&f->run, "two.bin to job.");
    assert_output_has(&f->run, "/s, ETA "); /* plain progress lines carry rate and ETA */
    assert_output_has(&f->run, "Transfer complete.");
    assert_true(side.found);
    assert_int_equal(side.priority, BG_JOB_PRIORITY_FOREGROUND);
    wt_assert_file_is_testdata(local1, 75, 500000);
    wt_assert_file_is_testdata(local2, 76, 70000);
}

static void transfer_timeout_exits_5_and_cancels_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job = NULL;
    WCHAR url[WT_PATH], local[WT_PATH];
    GUID id;

    wt_format(local, L"%ls\\slow.bin", wt_test_dir(f->dir, L"cli-xfer-timeout"));
    admin(f, L"/transfer bgc-cli-xfer-timeout /timeout 2 %ls \"%ls\"", stalled_url(url, 2000000, 77, 30000), local);
    assert_exit(&f->run, 5);
    parse_created(&f->run, &id);
    own_job(f, &id);
    assert_stderr_has(&f->run, "timed out after 2 s");
    assert_output_has(&f->run, "Job canceled.");
    assert_hr(IBackgroundCopyManager_GetJob(g_mgr, &id, &job), BG_E_NOT_FOUND);
    assert_false(wt_file_exists(local));
}

/* ---- /reset (last: it cancels every job of this user) --------------------------------------- */

static void reset_cancels_every_job_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *a, *b, *c;
    GUID ida, idb, idc;

    a = com_job(f, L"bgc-cli-reset-a", &ida, NULL);
    b = com_job(f, L"bgc-cli-reset-b", &idb, NULL);
    c = com_job(f, L"bgc-cli-reset-c", &idc, NULL);
    admin(f, L"/reset");
    assert_exit(&f->run, 0);
    assert_output_has(&f->run, " canceled.\r\n");
    assert_output_has(&f->run, "out of");
    assert_int_equal(state_of(a), BG_JOB_STATE_CANCELLED);
    assert_int_equal(state_of(b), BG_JOB_STATE_CANCELLED);
    assert_int_equal(state_of(c), BG_JOB_STATE_CANCELLED);
    admin(f, L"/list");
    assert_output_has(&f->run, "Listed 0 job(s).");
    admin(f, L"/reset /allusers");
    assert_exit(&f->run, 0);
    assert_stdout_is(&f->run, "0 out of 0 jobs canceled.\r\n");
    IBackgroundCopyJob_Release(a);
    IBackgroundCopyJob_Release(b);
    IBackgroundCopyJob_Release(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(wait_exits_0_when_transferred_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(wait_exits_4_on_error_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(wait_exits_5_at_timeout_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(wait_exits_6_when_cancelled_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(monitor_count_prints_that_many_snapshots_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(monitor_ends_when_no_job_is_active_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(monitor_timeout_bounds_an_active_job_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(monitor_json_prints_one_object_per_snapshot_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(transfer_several_pairs_with_priority_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(transfer_timeout_exits_5_and_cancels_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(reset_cancels_every_job_cli, setup, teardown),
    };
    return cmocka_run_group_tests_name("wine.test_admin_watch", tests, group_setup, group_teardown);
}
