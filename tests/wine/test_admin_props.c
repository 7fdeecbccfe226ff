/*
 * test_admin_props.c - bgcopyadmin.exe's single-property switches: every /get* of a job
 * property prints the bare value (bitsadmin's shape), /rawreturn the value without a newline,
 * /json one object; every /set* changes the property as seen through COM; /info /list /json,
 * /geterror, /takeownership.
 */
#include "admin_run.h"

/* stdout of the last run is "<text>\r\n". */
static void assert_value(struct fixture *f, const char *text)
{
    char want[512];
    snprintf(want, sizeof(want), "%s\r\n", text);
    assert_exit(&f->run, 0);
    assert_stdout_is(&f->run, want);
}

/* A job with every settable property set through COM, and one file. */
static IBackgroundCopyJob *prepared_job(struct fixture *f, const WCHAR *name, GUID *id, WCHAR *guid)
{
    IBackgroundCopyJob *job = com_job(f, name, id, guid);
    IBackgroundCopyJob4 *job4 = NULL;
    WCHAR url[WT_PATH], local[WT_PATH];

    assert_hr(IBackgroundCopyJob_SetDescription(job, L"the description"), S_OK);
    assert_hr(IBackgroundCopyJob_SetPriority(job, BG_JOB_PRIORITY_HIGH), S_OK);
    assert_hr(IBackgroundCopyJob_SetMinimumRetryDelay(job, 77), S_OK);
    assert_hr(IBackgroundCopyJob_SetNoProgressTimeout(job, 888), S_OK);
    assert_hr(IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJob4, (void **)&job4), S_OK);
    assert_hr(IBackgroundCopyJob4_SetMaximumDownloadTime(job4, 999), S_OK);
    IBackgroundCopyJob4_Release(job4);
    wt_format(local, L"%ls\\prop.bin", wt_test_dir(f->dir, L"cli-props"));
    assert_hr(IBackgroundCopyJob_AddFile(job, wt_url(url, L"/gen/4096?seed=21"), local), S_OK);
    return job;
}

static void getters_print_bare_values_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    BG_JOB_PROGRESS p;
    WCHAR guid[39];
    char buf[64];
    GUID id;

    job = prepared_job(f, L"bgc-cli-get", &id, guid);
    admin(f, L"/getdisplayname %ls", guid);
    assert_value(f, "bgc-cli-get");
    admin(f, L"/getdescription bgc-cli-get");
    assert_value(f, "the description");
    admin(f, L"/getpriority %ls", guid);
    assert_value(f, "HIGH");
    admin(f, L"/getminretrydelay %ls", guid);
    assert_value(f, "77");
    admin(f, L"/getnoprogresstimeout %ls", guid);
    assert_value(f, "888");
    admin(f, L"/getmaxdownloadtime %ls", guid);
    assert_value(f, "999");
    admin(f, L"/gettype %ls", guid);
    assert_value(f, "DOWNLOAD");
    admin(f, L"/getstate %ls", guid);
    assert_value(f, "SUSPENDED");
    admin(f, L"/getfilestotal %ls", guid);
    assert_value(f, "1");
    admin(f, L"/getfilestransferred %ls", guid);
    assert_value(f, "0");
    admin(f, L"/getbytestransferred %ls", guid);
    assert_value(f, "0");
    admin(f, L"/geterrorcount %ls", guid);
    assert_value(f, "0");
    assert_hr(IBackgroundCopyJob_GetProgress(job, &p), S_OK);
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)p.BytesTotal); /* unknown before the transfer */
    admin(f, L"/getbytestotal %ls", guid);
    assert_value(f, buf);
    admin(f, L"/getcompletiontime %ls", guid);
    assert_value(f, "UNKNOWN");
    admin(f, L"/getowner %ls", guid);
    assert_exit(&f->run, 0);
    assert_true(f->run.len > 2);
    assert_output_lacks(&f->run, "ERROR");
    IBackgroundCopyJob_Release(job);
}

/* "YYYY-MM-DD HH:MM:SS\r\n" whose date is the local date of ft. */
static void assert_time_value(struct fixture *f, const FILETIME *ft)
{
    FILETIME local;
    SYSTEMTIME st;
    char want[40];
    assert_exit(&f->run, 0);
    assert_true(FileTimeToLocalFileTime(ft, &local));
    assert_true(FileTimeToSystemTime(&local, &st));
    snprintf(want, sizeof(want), "%04u-%02u-%02u %02u:%02u:%02u\r\n", st.wYear, st.wMonth, st.wDay, st.wHour,
             st.wMinute, st.wSecond);
    assert_stdout_is(&f->run, want);
}

static void getters_after_transfer_show_totals_and_times_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    BG_JOB_TIMES t;
    WCHAR guid[39];
    GUID id;

    job = prepared_job(f, L"bgc-cli-get-done", &id, guid);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_int_equal(wt_wait_state(job, BG_JOB_STATE_TRANSFERRED, 60000), BG_JOB_STATE_TRANSFERRED);
    admin(f, L"/getstate %ls", guid);
    assert_value(f, "TRANSFERRED");
    admin(f, L"/getbytestotal %ls", guid);
    assert_value(f, "4096");
    admin(f, L"/getbytestransferred %ls", guid);
    assert_value(f, "4096");
    admin(f, L"/getfilestransferred %ls", guid);
    assert_value(f, "1");
    assert_hr(IBackgroundCopyJob_GetTimes(job, &t), S_OK);
    admin(f, L"/getcreationtime %ls", guid);
    assert_time_value(f, &t.CreationTime);
    admin(f, L"/getmodificationtime %ls", guid);
    assert_time_value(f, &t.ModificationTime);
    admin(f, L"/getcompletiontime %ls", guid);
    assert_time_value(f, &t.TransferCompletionTime);
    IBackgroundCopyJob_Release(job);
}

static void rawreturn_prints_value_without_newline_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    WCHAR guid[39];
    GUID id;

    job = prepared_job(f, L"bgc-cli-raw-get", &id, guid);
    admin(f, L"/rawreturn /getpriority %ls", guid);
    assert_exit(&f->run, 0);
    assert_stdout_is(&f->run, "HIGH");
    admin(f, L"/rawreturn /getminretrydelay %ls", guid);
    assert_stdout_is(&f->run, "77");
    admin(f, L"/getstate %ls /rawreturn", guid); /* also after the switch */
    assert_stdout_is(&f->run, "SUSPENDED");
    IBackgroundCopyJob_Release(job);
}

static void json_queries_print_one_object_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    WCHAR guid[39];
    char guid8[39], want[256];
    GUID id;

    job = prepared_job(f, L"bgc-cli-json \"quoted\"", &id, guid);
    guid_utf8(&id, guid8);
    admin(f, L"/getstate %ls /json", guid);
    snprintf(want, sizeof(want), "{\"id\":\"%s\",\"state\":\"SUSPENDED\"}\r\n", guid8);
    assert_exit(&f->run, 0);
    assert_stdout_is(&f->run, want);
    admin(f, L"/getbytestotal %ls /json", guid);
    snprintf(want, sizeof(want), "{\"id\":\"%s\",\"bytesTotal\":null}\r\n", guid8);
    assert_stdout_is(&f->run, want);
    admin(f, L"/getminretrydelay %ls /json", guid);
    snprintf(want, sizeof(want), "{\"id\":\"%s\",\"minRetryDelay\":77}\r\n", guid8);
    assert_stdout_is(&f->run, want);
    admin(f, L"/getdisplayname %ls /json", guid);
    snprintf(want, sizeof(want), "{\"id\":\"%s\",\"displayName\":\"bgc-cli-json \\\"quoted\\\"\"}\r\n", guid8);
    assert_stdout_is(&f->run, want);

    admin(f, L"/info %ls /json", guid);
    assert_exit(&f->run, 0);
    snprintf(want, sizeof(want), "{\"id\":\"%s\",\"displayName\":", guid8);
    assert_output_has(&f->run, want);
    assert_output_has(&f->run, "\"state\":\"SUSPENDED\",\"filesTransferred\":0,\"filesTotal\":1,");
    assert_output_lacks(&f->run, "\"files\":");
    admin(f, L"/info %ls /verbose /json", guid);
    assert_exit(&f->run, 0);
    assert_output_has(&f->run, "\"priority\":\"HIGH\"");
    assert_output_has(&f->run, "\"description\":\"the description\"");
    assert_output_has(&f->run, "\"minRetryDelay\":77");
    assert_output_has(&f->run, "\"error\":null");
    assert_output_has(&f->run, "\"files\":[{\"remoteName\":\"http://127.0.0.1:");
    admin(f, L"/list /json");
    assert_exit(&f->run, 0);
    assert_true(strncmp(f->run.out, "{\"jobs\":[", 9) == 0);
    snprintf(want, sizeof(want), "{\"id\":\"%s\"", guid8);
    assert_output_has(&f->run, want);
    assert_output_has(&f->run, "],\"count\":");
    IBackgroundCopyJob_Release(job);
}

static void setters_change_the_job_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    IBackgroundCopyJob4 *job4 = NULL;
    BG_JOB_PRIORITY prio;
    WCHAR guid[39], *s = NULL;
    ULONG n;
    GUID id;

    job = com_job(f, L"bgc-cli-set", &id, guid);
    admin(f, L"/setdisplayname %ls \"new name\"", guid);
    assert_exit(&f->run, 0);
    assert_stdout_is(&f->run, "Display name set to new name.\r\n");
    assert_hr(IBackgroundCopyJob_GetDisplayName(job, &s), S_OK);
    assert_true(wcscmp(s, L"new name") == 0);
    CoTaskMemFree(s);

    admin(f, L"/setdescription \"new name\" \"some words\"");
    assert_exit(&f->run, 0);
    assert_hr(IBackgroundCopyJob_GetDescription(job, &s), S_OK);
    assert_true(wcscmp(s, L"some words") == 0);
    CoTaskMemFree(s);

    admin(f, L"/setpriority %ls foreground", guid);
    assert_exit(&f->run, 0);
    assert_stdout_is(&f->run, "Priority set to FOREGROUND.\r\n");
    assert_hr(IBackgroundCopyJob_GetPriority(job, &prio), S_OK);
    assert_int_equal(prio, BG_JOB_PRIORITY_FOREGROUND);

    admin(f, L"/setminretrydelay %ls 61", guid);
    assert_exit(&f->run, 0);
    assert_hr(IBackgroundCopyJob_GetMinimumRetryDelay(job, &n), S_OK);
    assert_int_equal(n, 61);

    admin(f, L"/setnoprogresstimeout %ls 0x78", guid);
    assert_exit(&f->run, 0);
    assert_hr(IBackgroundCopyJob_GetNoProgressTimeout(job, &n), S_OK);
    assert_int_equal(n, 120);

    admin(f, L"/setmaxdownloadtime %ls 300", guid);
    assert_exit(&f->run, 0);
    assert_hr(IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJob4, (void **)&job4), S_OK);
    assert_hr(IBackgroundCopyJob4_GetMaximumDownloadTime(job4, &n), S_OK);
    assert_int_equal(n, 300);
    IBackgroundCopyJob4_Release(job4);

    IBackgroundCopyJob_Release(job);
}

static void setter_on_cancelled_job_exits_1_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    WCHAR guid[39];
    GUID id;

    job = com_job(f, L"bgc-cli-set-gone", &id, guid);
    assert_hr(IBackgroundCopyJob_Cancel(job), S_OK);
    admin(f, L"/setpriority %ls LOW", guid);
    assert_exit(&f->run, 1);
    assert_stderr_has(&f->run, "0x80200001"); /* BG_E_NOT_FOUND */
    assert_int_equal(f->run.len, 0);
    IBackgroundCopyJob_Release(job);
}

static void takeownership_keeps_caller_as_owner_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    WCHAR guid[39], *before = NULL, *after = NULL;
    GUID id;

    job = com_job(f, L"bgc-cli-own", &id, guid);
    assert_hr(IBackgroundCopyJob_GetOwner(job, &before), S_OK);
    admin(f, L"/takeownership %ls", guid);
    assert_exit(&f->run, 0);
    assert_stdout_is(&f->run, "Ownership taken.\r\n");
    assert_hr(IBackgroundCopyJob_GetOwner(job, &after), S_OK);
    assert_true(wcscmp(before, after) == 0); /* the same user took it */
    CoTaskMemFree(before);
    CoTaskMemFree(after);
    IBackgroundCopyJob_Release(job);
}

static void geterror_prints_file_code_and_context_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    WCHAR guid[39], url[WT_PATH], local[WT_PATH];
    char guid8[39], want[128];
    ULONG count = 0;
    GUID id;

    job = com_job(f, L"bgc-cli-geterror", &id, guid);
    guid_utf8(&id, guid8);
    admin(f, L"/geterror %ls", guid); /* no error yet */
    assert_exit(&f->run, 1);
    assert_stderr_has(&f->run, "0x8020000F");
    admin(f, L"/geterror %ls /json", guid);
    assert_exit(&f->run, 0);
    snprintf(want, sizeof(want), "{\"id\":\"%s\",\"error\":null}\r\n", guid8);
    assert_stdout_is(&f->run, want);

    wt_format(local, L"%ls\\missing.bin", wt_test_dir(f->dir, L"cli-geterror"));
    assert_hr(IBackgroundCopyJob_AddFile(job, wt_url(url, L"/files/absent.bin"), local), S_OK);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_int_equal(wt_wait_state(job, BG_JOB_STATE_ERROR, 60000), BG_JOB_STATE_ERROR);
    admin(f, L"/geterror %ls", guid);
    assert_exit(&f->run, 0);
    assert_output_has(&f->run, "ERROR FILE:    http://127.0.0.1:");
    assert_output_has(&f->run, "/files/absent.bin -> ");
    assert_output_has(&f->run, "ERROR CODE:    0x80190194 - ");
    assert_output_has(&f->run, "ERROR CONTEXT: 0x00000005 - ");
    admin(f, L"/geterror %ls /json", guid);
    assert_exit(&f->run, 0);
    assert_output_has(&f->run, "\"error\":{\"code\":\"0x80190194\",\"context\":\"REMOTE_FILE\"");
    assert_hr(IBackgroundCopyJob_GetErrorCount(job, &count), S_OK);
    assert_true(count >= 1);
    snprintf(want, sizeof(want), "%lu", (unsigned long)count);
    admin(f, L"/geterrorcount %ls", guid);
    assert_value(f, want);
    admin(f, L"/info %ls /verbose", guid);
    assert_output_has(&f->run, "ERROR: context REMOTE_FILE, code 0x80190194");
    IBackgroundCopyJob_Release(job);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(getters_print_bare_values_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(getters_after_transfer_show_totals_and_times_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(rawreturn_prints_value_without_newline_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(json_queries_print_one_object_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(setters_change_the_job_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(setter_on_cancelled_job_exits_1_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(takeownership_keeps_caller_as_owner_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(geterror_prints_file_code_and_context_cli, setup, teardown),
    };
    return cmocka_run_group_tests_name("wine.test_admin_props", tests, group_setup, group_teardown);
}
