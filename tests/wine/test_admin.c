/*
 * test_admin.c - bgcopyadmin.exe, run as a child process with its output captured (admin_run.h):
 * the job life-cycle switches (/create /addfile /resume /suspend /cancel /complete /transfer
 * /info /list), naming jobs, and the command line itself (/help, /SWITCH /?, /util, unknown
 * switches and options, wrong argument counts, upload switches, global flags). Output shape,
 * exit code, and the effect on the job checked through COM from this process.
 *
 * The other switches are in test_admin_props.c, test_admin_files.c, test_admin_http.c,
 * test_admin_notify.c and test_admin_watch.c, so each program stays well under a minute.
 */
#include "admin_run.h"

#include <sddl.h>

/* ---- tests ------------------------------------------------------------------------------------ */

static void create_prints_guid_and_exits_0_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job = NULL;
    WCHAR *name = NULL;
    BG_JOB_TYPE type;
    GUID id;

    admin(f, L"/create /download \"bgc cli create\"");
    assert_int_equal(f->run.exit_code, 0);
    parse_created(&f->run, &id);
    own_job(f, &id);
    assert_hr(IBackgroundCopyManager_GetJob(g_mgr, &id, &job), S_OK);
    assert_hr(IBackgroundCopyJob_GetDisplayName(job, &name), S_OK);
    assert_true(wcscmp(name, L"bgc cli create") == 0);
    CoTaskMemFree(name);
    assert_hr(IBackgroundCopyJob_GetType(job, &type), S_OK);
    assert_int_equal(type, BG_JOB_TYPE_DOWNLOAD);
    assert_int_equal(state_of(job), BG_JOB_STATE_SUSPENDED);
    IBackgroundCopyJob_Release(job);
}

static void addfile_adds_file_to_job_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    IEnumBackgroundCopyFiles *files = NULL;
    IBackgroundCopyFile *file = NULL;
    WCHAR url[WT_PATH], local[WT_PATH], guid[39], *s = NULL;
    ULONG count = 0, fetched = 0;
    GUID id;

    job = com_job(f, L"bgc cli addfile", &id, NULL);
    wt_url(url, L"/gen/1000?seed=3");
    wt_format(local, L"%ls\\added.bin", wt_test_dir(f->dir, L"cli-addfile"));
    StringFromGUID2(&id, guid, 39);
    admin(f, L"/addfile %ls %ls \"%ls\"", guid, url, local);
    assert_int_equal(f->run.exit_code, 0);
    assert_output_has(&f->run, "Added ");

    assert_hr(IBackgroundCopyJob_EnumFiles(job, &files), S_OK);
    assert_hr(IEnumBackgroundCopyFiles_GetCount(files, &count), S_OK);
    assert_int_equal(count, 1);
    assert_hr(IEnumBackgroundCopyFiles_Next(files, 1, &file, &fetched), S_OK);
    assert_hr(IBackgroundCopyFile_GetRemoteName(file, &s), S_OK);
    assert_true(wcscmp(s, url) == 0);
    CoTaskMemFree(s);
    assert_hr(IBackgroundCopyFile_GetLocalName(file, &s), S_OK);
    assert_true(wcscmp(s, local) == 0);
    CoTaskMemFree(s);
    IBackgroundCopyFile_Release(file);
    IEnumBackgroundCopyFiles_Release(files);
    IBackgroundCopyJob_Release(job);
}

static void resume_starts_job_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    WCHAR url[WT_PATH], local[WT_PATH], guid[39];
    BG_JOB_STATE st;
    GUID id;

    job = com_job(f, L"bgc cli resume", &id, NULL);
    wt_format(local, L"%ls\\resumed.bin", wt_test_dir(f->dir, L"cli-resume"));
    assert_hr(IBackgroundCopyJob_AddFile(job, stalled_url(url, 2000000, 4, 30000), local), S_OK);
    StringFromGUID2(&id, guid, 39);
    admin(f, L"/resume %ls", guid);
    assert_int_equal(f->run.exit_code, 0);
    assert_output_has(&f->run, "Job resumed.");
    st = state_of(job);
    assert_true(st == BG_JOB_STATE_QUEUED || st == BG_JOB_STATE_CONNECTING || st == BG_JOB_STATE_TRANSFERRING);
    IBackgroundCopyJob_Release(job);
}

static void info_shows_state_and_name_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    char guid8[39];
    WCHAR guid[39];
    GUID id;

    job = com_job(f, L"bgc-cli-info", &id, NULL);
    StringFromGUID2(&id, guid, 39);
    guid_utf8(&id, guid8);
    admin(f, L"/info %ls", guid);
    assert_int_equal(f->run.exit_code, 0);
    assert_output_has(&f->run, guid8);
    assert_output_has(&f->run, "'bgc-cli-info' SUSPENDED 0 / 0 0 / 0");

    admin(f, L"/info bgc-cli-info /verbose"); /* by display name */
    assert_int_equal(f->run.exit_code, 0);
    assert_output_has(&f->run, guid8);
    assert_output_has(&f->run, "SUSPENDED");
    assert_output_has(&f->run, "TYPE: DOWNLOAD");
    assert_output_has(&f->run, "PRIORITY: NORMAL");
    assert_output_has(&f->run, "NOTIFICATION FLAGS: 3 (JOB_TRANSFERRED|JOB_ERROR)");
    assert_output_has(&f->run, "ERROR: none");
    assert_output_has(&f->run, "CREATION TIME: ");
    IBackgroundCopyJob_Release(job);
}

static void list_lists_job_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    char guid8[39], line[128];
    GUID id;

    job = com_job(f, L"bgc cli list", &id, NULL);
    guid_utf8(&id, guid8);
    admin(f, L"/list");
    assert_int_equal(f->run.exit_code, 0);
    snprintf(line, sizeof(line), "%s 'bgc cli list' SUSPENDED 0 / 0 0 / 0", guid8);
    assert_output_has(&f->run, line);
    assert_output_has(&f->run, " job(s).");
    assert_output_lacks(&f->run, "Listed 0 job(s).");
    admin(f, L"/list /allusers /verbose");
    assert_int_equal(f->run.exit_code, 0);
    assert_output_has(&f->run, line);
    assert_output_has(&f->run, "TYPE: DOWNLOAD PRIORITY: NORMAL OWNER: ");
    assert_output_has(&f->run, "JOB FILES:");
    IBackgroundCopyJob_Release(job);
}

static void suspend_suspends_job_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    WCHAR url[WT_PATH], local[WT_PATH], guid[39];
    GUID id;

    job = com_job(f, L"bgc cli suspend", &id, NULL);
    wt_format(local, L"%ls\\suspended.bin", wt_test_dir(f->dir, L"cli-suspend"));
    assert_hr(IBackgroundCopyJob_AddFile(job, stalled_url(url, 4000000, 5, 30000), local), S_OK);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    wt_wait_bytes(job, 1, 30000);
    StringFromGUID2(&id, guid, 39);
    admin(f, L"/suspend %ls", guid);
    assert_int_equal(f->run.exit_code, 0);
    assert_output_has(&f->run, "Job suspended.");
    assert_int_equal(state_of(job), BG_JOB_STATE_SUSPENDED);
    IBackgroundCopyJob_Release(job);
}

static void cancel_cancels_job_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job, *again = NULL;
    WCHAR guid[39];
    GUID id;

    job = com_job(f, L"bgc cli cancel", &id, NULL);
    StringFromGUID2(&id, guid, 39);
    admin(f, L"/cancel %ls", guid);
    assert_int_equal(f->run.exit_code, 0);
    assert_output_has(&f->run, "Job canceled.");
    assert_int_equal(state_of(job), BG_JOB_STATE_CANCELLED);
    assert_hr(IBackgroundCopyManager_GetJob(g_mgr, &id, &again), BG_E_NOT_FOUND);
    IBackgroundCopyJob_Release(job);
}

static void complete_makes_file_available_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    WCHAR url[WT_PATH], local[WT_PATH], guid[39];
    GUID id;

    job = com_job(f, L"bgc cli complete", &id, NULL);
    wt_format(local, L"%ls\\completed.bin", wt_test_dir(f->dir, L"cli-complete"));
    assert_hr(IBackgroundCopyJob_AddFile(job, wt_url(url, L"/gen/500000?seed=6"), local), S_OK);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_int_equal(wt_wait_state(job, BG_JOB_STATE_TRANSFERRED, 60000), BG_JOB_STATE_TRANSFERRED);
    assert_false(wt_file_exists(local));
    StringFromGUID2(&id, guid, 39);
    admin(f, L"/complete %ls", guid);
    assert_int_equal(f->run.exit_code, 0);
    assert_output_has(&f->run, "Job completed.");
    assert_int_equal(state_of(job), BG_JOB_STATE_ACKNOWLEDGED);
    wt_assert_file_is_testdata(local, 6, 500000);
    IBackgroundCopyJob_Release(job);
}

static void transfer_downloads_with_callback_and_plain_progress_cli(void **state)
{
    struct fixture *f = *state;
    WCHAR url[WT_PATH], local[WT_PATH];
    const char *cb, *done;
    GUID id;

    wt_format(local, L"%ls\\transferred.bin", wt_test_dir(f->dir, L"cli-transfer"));
    /* A 2.5 s pause mid-body gives the client time to print several progress lines. */
    admin(f, L"/transfer \"bgc cli transfer\" /download /timeout 60 %ls \"%ls\"",
          stalled_url(url, 3000000, 8, 2500), local);
    parse_created(&f->run, &id);
    own_job(f, &id);
    assert_int_equal(f->run.exit_code, 0);
    assert_output_has(&f->run, "Progress: ");
    cb = strstr(f->run.out, "Callback: JobTransferred received.");
    done = strstr(f->run.out, "Transfer complete.");
    assert_non_null(cb);
    assert_non_null(done);
    assert_true(cb < done);
    assert_output_lacks(&f->run, "no callback arrived"); /* the callback, not polling, decided */
    /* Not a console: no redrawn bar (a bare CR not followed by LF). */
    for (cb = f->run.out; (cb = strchr(cb, '\r')) != NULL; cb++)
        assert_int_equal(cb[1], '\n');
    assert_output_lacks(&f->run, "[#");
    wt_assert_file_is_testdata(local, 8, 3000000);
}

static void transfer_error_prints_hresult_and_cancels_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job = NULL;
    WCHAR url[WT_PATH], local[WT_PATH];
    GUID id;

    wt_format(local, L"%ls\\never.bin", wt_test_dir(f->dir, L"cli-transfer-404"));
    admin(f, L"/transfer \"bgc cli 404\" /timeout 60 %ls \"%ls\"", wt_url(url, L"/files/absent.bin"), local);
    parse_created(&f->run, &id);
    own_job(f, &id);
    assert_exit(&f->run, 4); /* BGCLI_EXIT_JOB_ERROR */
    assert_output_has(&f->run, "Callback: JobError received.");
    assert_output_lacks(&f->run, "no callback arrived");
    assert_output_has(&f->run, "0x80190194");
    assert_output_has(&f->run, "REMOTE_FILE");
    assert_output_has(&f->run, "Job canceled.");
    assert_hr(IBackgroundCopyManager_GetJob(g_mgr, &id, &job), BG_E_NOT_FOUND);
    assert_false(wt_file_exists(local));
}

static void help_exits_0_cli(void **state)
{
    struct fixture *f = *state;
    admin(f, L"/help");
    assert_int_equal(f->run.exit_code, 0);
    assert_output_has(&f->run, "Usage: bgcopyadmin");
    assert_output_has(&f->run, "/transfer NAME");
    admin(f, L"/?");
    assert_int_equal(f->run.exit_code, 0);
    assert_output_has(&f->run, "Usage: bgcopyadmin");
}

static void unknown_switch_exits_2_with_usage_cli(void **state)
{
    struct fixture *f = *state;
    admin(f, L"/frobnicate x");
    assert_int_equal(f->run.exit_code, 2);
    assert_output_has(&f->run, "unknown switch /frobnicate");
    assert_output_has(&f->run, "Usage: bgcopyadmin");
    admin(f, L"/list /bogus");
    assert_int_equal(f->run.exit_code, 2);
    assert_output_has(&f->run, "unknown option /bogus");
    admin(f, L"");
    assert_int_equal(f->run.exit_code, 2);
    assert_output_has(&f->run, "Usage: bgcopyadmin");
}

static void missing_argument_exits_2_with_message_cli(void **state)
{
    struct fixture *f = *state;
    admin(f, L"/addfile onlyjob http://127.0.0.1/x");
    assert_int_equal(f->run.exit_code, 2);
    assert_output_has(&f->run, "missing argument");
    assert_output_has(&f->run, "Usage: bgcopyadmin /addfile JOB URL LOCAL");
    admin(f, L"/transfer name http://127.0.0.1/x");
    assert_int_equal(f->run.exit_code, 2);
    admin(f, L"/transfer name /timeout");
    assert_int_equal(f->run.exit_code, 2);
    assert_output_has(&f->run, "/timeout needs");
}

static void failing_call_prints_hresult_in_hex_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    WCHAR guid[39], url[WT_PATH];
    GUID id;

    assert_hr(CoCreateGuid(&id), S_OK);
    StringFromGUID2(&id, guid, 39);
    admin(f, L"/resume %ls", guid);
    assert_int_equal(f->run.exit_code, 1);
    assert_output_has(&f->run, "ERROR: Unable to find job - 0x80200001");

    job = com_job(f, L"bgc cli failing", &id, NULL);
    StringFromGUID2(&id, guid, 39);
    admin(f, L"/addfile %ls %ls relative.bin", guid, wt_url(url, L"/gen/10"));
    assert_int_equal(f->run.exit_code, 1);
    assert_output_has(&f->run, "ERROR: Unable to add file to job - 0x80070057");
    admin(f, L"/resume %ls", guid);
    assert_int_equal(f->run.exit_code, 1);
    assert_output_has(&f->run, "0x80200003"); /* BG_E_EMPTY */
    IBackgroundCopyJob_Release(job);
}

static void job_named_by_display_name_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *a, *b;
    GUID ida, idb;

    a = com_job(f, L"bgc-cli-named-once", &ida, NULL);
    admin(f, L"/cancel bgc-cli-named-once");
    assert_int_equal(f->run.exit_code, 0);
    assert_int_equal(state_of(a), BG_JOB_STATE_CANCELLED);
    IBackgroundCopyJob_Release(a);

    a = com_job(f, L"bgc-cli-named-twice", &ida, NULL);
    b = com_job(f, L"bgc-cli-named-twice", &idb, NULL);
    admin(f, L"/cancel bgc-cli-named-twice");
    assert_int_equal(f->run.exit_code, 1);
    assert_output_has(&f->run, "2 jobs are named 'bgc-cli-named-twice'");
    assert_int_equal(state_of(a), BG_JOB_STATE_SUSPENDED);
    assert_int_equal(state_of(b), BG_JOB_STATE_SUSPENDED);
    IBackgroundCopyJob_Release(a);
    IBackgroundCopyJob_Release(b);

    admin(f, L"/info no-job-has-this-name");
    assert_int_equal(f->run.exit_code, 1);
    assert_output_has(&f->run, "0x80200001");
}


/* Counts the caller's jobs named name, through COM. */
static int jobs_named(const WCHAR *name)
{
    IEnumBackgroundCopyJobs *jobs = NULL;
    IBackgroundCopyJob *job = NULL;
    ULONG fetched = 0;
    int n = 0;
    assert_hr(IBackgroundCopyManager_EnumJobs(g_mgr, 0, &jobs), S_OK);
    while (IEnumBackgroundCopyJobs_Next(jobs, 1, &job, &fetched) == S_OK && fetched == 1) {
        WCHAR *dn = NULL;
        if (SUCCEEDED(IBackgroundCopyJob_GetDisplayName(job, &dn)) && dn && wcscmp(dn, name) == 0)
            n++;
        CoTaskMemFree(dn);
        IBackgroundCopyJob_Release(job);
        job = NULL;
    }
    IEnumBackgroundCopyJobs_Release(jobs);
    return n;
}

static void create_rawreturn_prints_bare_guid_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    WCHAR *name = NULL;
    GUID id;

    admin(f, L"/rawreturn /create bgc-cli-raw");
    assert_exit(&f->run, 0);
    assert_int_equal(f->run.len, 38); /* {GUID} and nothing else, no newline */
    parse_guid_at(f->run.out, &id);
    own_job(f, &id);
    job = get_job(&id);
    assert_hr(IBackgroundCopyJob_GetDisplayName(job, &name), S_OK);
    assert_true(wcscmp(name, L"bgc-cli-raw") == 0);
    CoTaskMemFree(name);
    IBackgroundCopyJob_Release(job);
}

static void upload_switches_exit_3_not_supported_cli(void **state)
{
    struct fixture *f = *state;
    WCHAR url[WT_PATH];

    admin(f, L"/create /upload bgc-cli-upload");
    assert_exit(&f->run, 3);
    assert_stderr_has(&f->run, "not supported yet");
    admin(f, L"/create /upload-reply bgc-cli-upload");
    assert_exit(&f->run, 3);
    assert_int_equal(jobs_named(L"bgc-cli-upload"), 0); /* nothing was created */
    admin(f, L"/transfer bgc-cli-upload /upload %ls C:\\x.bin", wt_url(url, L"/gen/10"));
    assert_exit(&f->run, 3);
    assert_int_equal(jobs_named(L"bgc-cli-upload"), 0);
    admin(f, L"/getreplyfilename somejob");
    assert_exit(&f->run, 3);
    assert_stderr_has(&f->run, "not supported yet");
    admin(f, L"/setreplyfilename somejob C:\\reply.bin");
    assert_exit(&f->run, 3);
    admin(f, L"/getreplydata somejob");
    assert_exit(&f->run, 3);
    admin(f, L"/getreplyprogress somejob");
    assert_exit(&f->run, 3);
    admin(f, L"/getreplyfilename"); /* a wrong argument count is still a usage error */
    assert_exit(&f->run, 2);
}

static void help_lists_every_bitsadmin_switch_cli(void **state)
{
    static const char *const names[] = {
        "addfile", "addfileset", "addfilewithranges", "cancel", "complete", "create", "geterror",
        "getbytestotal", "getbytestransferred", "getcompletiontime", "getcreationtime", "getcustomheaders",
        "getdescription", "getdisplayname", "geterrorcount", "getfilestotal", "getfilestransferred",
        "gethttpmethod", "getmaxdownloadtime", "getminretrydelay", "getmodificationtime", "getnoprogresstimeout",
        "getnotifycmdline", "getnotifyflags", "getnotifyinterface", "getowner", "getpriority",
        "getproxybypasslist", "getproxylist", "getproxyusage", "getsecurityflags", "getstate",
        "gettemporaryname", "gettype", "getvalidationstate", "info", "list", "monitor", "removecredentials",
        "replaceremoteprefix", "reset", "resume", "setcredentials", "setcustomheaders", "setdescription",
        "setdisplayname", "sethttpmethod", "setmaxdownloadtime", "setminretrydelay", "setnoprogresstimeout",
        "setnotifycmdline", "setnotifyflags", "setpriority", "setproxysettings", "setsecurityflags",
        "setvalidationstate", "suspend", "takeownership", "transfer", "util", "help", "setnotifyclsid",
        "getnotifyclsid", "wait", "getreplyfilename", "setreplyfilename", "getreplydata",
    };
    struct fixture *f = *state;
    char line[64];
    size_t i;

    admin(f, L"/help");
    assert_exit(&f->run, 0);
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(line, sizeof(line), "\n  /%s", names[i]);
        assert_output_has(&f->run, line);
    }
}

static void help_per_switch_shows_usage_and_doc_page_cli(void **state)
{
    struct fixture *f = *state;
    admin(f, L"/help /getstate");
    assert_exit(&f->run, 0);
    assert_output_has(&f->run, "Usage: bgcopyadmin /getstate JOB");
    assert_output_has(&f->run, "TRANSFERRING");
    assert_output_has(&f->run, "client/docs/get.md");
    admin(f, L"/SetCredentials /?");
    assert_exit(&f->run, 0);
    assert_output_has(&f->run, "Usage: bgcopyadmin /setcredentials JOB SERVER|PROXY");
    assert_output_has(&f->run, "client/docs/credentials.md");
    admin(f, L"/help /nosuchswitch");
    assert_exit(&f->run, 2);
    assert_stderr_has(&f->run, "unknown switch /nosuchswitch");
}

static void wrong_argument_counts_and_values_exit_2_cli(void **state)
{
    struct fixture *f = *state;
    admin(f, L"/getstate");
    assert_exit(&f->run, 2);
    assert_stderr_has(&f->run, "missing argument(s) for /getstate");
    admin(f, L"/getstate a b");
    assert_exit(&f->run, 2);
    assert_stderr_has(&f->run, "too many arguments for /getstate");
    admin(f, L"/setpriority somejob");
    assert_exit(&f->run, 2);
    admin(f, L"/setpriority somejob URGENT");
    assert_exit(&f->run, 2);
    assert_stderr_has(&f->run, "FOREGROUND, HIGH, NORMAL or LOW");
    admin(f, L"/setminretrydelay somejob -5");
    assert_exit(&f->run, 2);
    admin(f, L"/setcredentials somejob SERVER BASIC user");
    assert_exit(&f->run, 2);
    admin(f, L"/setcredentials somejob SERVER PLAIN user pw");
    assert_exit(&f->run, 2);
    assert_stderr_has(&f->run, "BASIC, DIGEST, NTLM, NEGOTIATE or PASSPORT");
    admin(f, L"/setproxysettings somejob OVERRIDE proxyonly");
    assert_exit(&f->run, 2);
    admin(f, L"/setproxysettings somejob NO_PROXY extra");
    assert_exit(&f->run, 2);
    admin(f, L"/addfilewithranges somejob http://127.0.0.1/x C:\\x.bin 0:10,abc");
    assert_exit(&f->run, 2);
    assert_stderr_has(&f->run, "is not a range list");
    admin(f, L"/setnotifyclsid somejob not-a-guid");
    assert_exit(&f->run, 2);
    admin(f, L"/monitor /refresh 0");
    assert_exit(&f->run, 2);
    admin(f, L"/wait somejob /timeout");
    assert_exit(&f->run, 2);
    admin(f, L"/cancel somejob /json"); /* /json only on queries */
    assert_exit(&f->run, 2);
    assert_stderr_has(&f->run, "option /json is not valid with this switch");
    admin(f, L"/rawreturn /getstate somejob /json");
    assert_exit(&f->run, 2);
}

static void util_subcommands_cli(void **state)
{
    struct fixture *f = *state;
    admin(f, L"/util /help");
    assert_exit(&f->run, 0);
    assert_output_has(&f->run, "/util /version");
    assert_output_has(&f->run, "Not supported");
    admin(f, L"/util /version");
    assert_exit(&f->run, 0);
    assert_stdout_is(&f->run, "1.0\r\n");
    admin(f, L"/util /getieproxy");
    assert_exit(&f->run, 3);
    assert_stderr_has(&f->run, "not supported yet");
    admin(f, L"/util /repairservice");
    assert_exit(&f->run, 3);
    admin(f, L"/util /frob");
    assert_exit(&f->run, 2);
}

static void global_flags_nowrap_accepted_wrap_unsupported_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    WCHAR guid[39];
    GUID id;

    job = com_job(f, L"bgc-cli-nowrap", &id, guid);
    admin(f, L"/nowrap /getstate %ls", guid);
    assert_exit(&f->run, 0);
    assert_stdout_is(&f->run, "SUSPENDED\r\n");
    admin(f, L"/NOWRAP /RAWRETURN /GETSTATE bgc-cli-nowrap"); /* case-insensitive, by name */
    assert_exit(&f->run, 0);
    assert_stdout_is(&f->run, "SUSPENDED");
    admin(f, L"/json /getstate bgc-cli-nowrap"); /* /json also before the switch */
    assert_exit(&f->run, 0);
    assert_output_has(&f->run, "\"state\":\"SUSPENDED\"}");
    admin(f, L"/json /cancel bgc-cli-nowrap");
    assert_exit(&f->run, 2);
    assert_int_equal(state_of(job), BG_JOB_STATE_SUSPENDED);
    admin(f, L"/wrap /list");
    assert_exit(&f->run, 3);
    IBackgroundCopyJob_Release(job);
}

static void odd_command_lines_never_crash_cli(void **state)
{
    struct fixture *f = *state;
    static WCHAR args[4000];
    int i;

    admin(f, L"/");
    assert_exit(&f->run, 2);
    assert_stderr_has(&f->run, "unknown switch /");
    admin(f, L"\"\"");
    assert_exit(&f->run, 2);
    admin(f, L"//getstate x");
    assert_exit(&f->run, 2);
    admin(f, L"/getstate \"\"");
    assert_exit(&f->run, 1);
    assert_stderr_has(&f->run, "0x80200001");
    admin(f, L"/info {not-a-guid}");
    assert_exit(&f->run, 1);
    assert_stderr_has(&f->run, "Unable to find job '{not-a-guid}'");
    admin(f, L"/info {00000000-0000-0000-0000-000000000000}");
    assert_exit(&f->run, 1);
    wcscpy(args, L"/getstate ");
    for (i = 10; i < 3500; i++)
        args[i] = L'A';
    args[i] = 0;
    run_admin(&f->run, args);
    assert_exit(&f->run, 1);
    admin(f, L"/setdescription x \"\u00e9t\u00e9 \u65e5\u672c\"");
    assert_exit(&f->run, 1); /* no job x; a Unicode argument is parsed without harm */
    assert_stderr_has(&f->run, "'x'");
}

static void getowner_prints_account_name_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    WCHAR guid[39], *sidstr = NULL, name[256], domain[256];
    DWORD cname = 256, cdomain = 256;
    SID_NAME_USE use;
    PSID sid = NULL;
    char want[600];
    GUID id;

    job = com_job(f, L"bgc-cli-owner", &id, guid);
    assert_hr(IBackgroundCopyJob_GetOwner(job, &sidstr), S_OK);
    assert_true(ConvertStringSidToSidW(sidstr, &sid));
    assert_true(LookupAccountSidW(NULL, sid, name, &cname, domain, &cdomain, &use));
    snprintf(want, sizeof(want), domain[0] ? "%ls\\%ls\r\n" : "%ls%ls\r\n", domain, name);
    admin(f, L"/getowner %ls", guid);
    assert_exit(&f->run, 0);
    assert_stdout_is(&f->run, want);
    LocalFree(sid);
    CoTaskMemFree(sidstr);
    IBackgroundCopyJob_Release(job);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(create_prints_guid_and_exits_0_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(addfile_adds_file_to_job_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(resume_starts_job_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(info_shows_state_and_name_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(list_lists_job_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(suspend_suspends_job_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(cancel_cancels_job_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(complete_makes_file_available_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(transfer_downloads_with_callback_and_plain_progress_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(transfer_error_prints_hresult_and_cancels_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(help_exits_0_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(unknown_switch_exits_2_with_usage_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(missing_argument_exits_2_with_message_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(failing_call_prints_hresult_in_hex_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(job_named_by_display_name_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(create_rawreturn_prints_bare_guid_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(upload_switches_exit_3_not_supported_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(help_lists_every_bitsadmin_switch_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(help_per_switch_shows_usage_and_doc_page_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(wrong_argument_counts_and_values_exit_2_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(util_subcommands_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(global_flags_nowrap_accepted_wrap_unsupported_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(odd_command_lines_never_crash_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(getowner_prints_account_name_cli, setup, teardown),
    };
    return cmocka_run_group_tests_name("wine.test_admin", tests, group_setup, group_teardown);
}
