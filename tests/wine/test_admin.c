/*
 * test_admin.c - bgcopyadmin.exe, run as a child process with its output captured, for every
 * switch of the command line client: output, exit code, and the effect on the job checked
 * through COM from this process.
 *
 * Runs under tests/wine/wine-run.sh; bgcopyadmin.exe comes from BGC_BIN_DIR. The child's
 * stdout and stderr share one pipe (so the order of lines is the order of writes); stdout is a
 * pipe, so the client prints plain progress lines, never a redrawn bar.
 *
 * Invariants:
 *  1. Every child runs bounded (CHILD_MS); a child still running then is terminated and the
 *     test fails.
 *  2. Jobs created by a test (directly or through the client) are recorded and cancelled in
 *     teardown unless already final.
 *  3. This process holds a manager reference for the whole run, so the server stays up
 *     between children (its idle timeout never fires mid-test).
 */
#include "wine_test.h"

#define CHILD_MS 90000
#define OUT_MAX (256 * 1024)
#define MAX_JOBS 8

static IBackgroundCopyManager *g_mgr; /* the group's connection (keeps the server up) */

struct child {
    DWORD exit_code;   /* the child's exit code */
    char out[OUT_MAX]; /* stdout+stderr, UTF-8, NUL-terminated */
    DWORD len;         /* bytes in out */
};

struct fixture {
    GUID jobs[MAX_JOBS];      /* jobs to cancel in teardown */
    int njobs;                /* entries in jobs */
    WCHAR dir[WT_PATH];       /* this test's directory under BGC_TEMP_DIR */
    struct child run;         /* the last child's result */
};

/* ---- running the client ------------------------------------------------------------------- */

struct reader {
    HANDLE pipe;     /* read end */
    struct child *c; /* where to append */
};

static DWORD WINAPI read_output(void *arg)
{
    struct reader *r = arg;
    DWORD got;
    for (;;) {
        if (r->c->len + 1 >= OUT_MAX)
            break;
        if (!ReadFile(r->pipe, r->c->out + r->c->len, OUT_MAX - 1 - r->c->len, &got, NULL) || got == 0)
            break;
        r->c->len += got;
    }
    r->c->out[r->c->len] = 0;
    return 0;
}

/* Runs `bgcopyadmin.exe <args>` and waits (bounded) for it; fills *c. */
static void run_admin(struct child *c, const WCHAR *args)
{
    static WCHAR cmdline[8192];
    SECURITY_ATTRIBUTES sa = { sizeof(sa), NULL, TRUE };
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    struct reader reader;
    HANDLE rd = NULL, wr = NULL, nul, thread;
    DWORD w;

    swprintf(cmdline, 8192, L"\"%ls\\bgcopyadmin.exe\" %ls", wt_env(L"BGC_BIN_DIR"), args);
    memset(c, 0, sizeof(*c));
    assert_true(CreatePipe(&rd, &wr, &sa, 0));
    assert_true(SetHandleInformation(rd, HANDLE_FLAG_INHERIT, 0));
    nul = CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa, OPEN_EXISTING, 0, NULL);
    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = nul;
    si.hStdOutput = wr;
    si.hStdError = wr;
    if (!CreateProcessW(NULL, cmdline, NULL, NULL, TRUE, CREATE_NO_WINDOW, NULL, NULL, &si, &pi)) {
        print_error("CreateProcessW(%ls) failed: %lu\n", cmdline, (unsigned long)GetLastError());
        fail();
    }
    CloseHandle(wr);
    if (nul != INVALID_HANDLE_VALUE)
        CloseHandle(nul);
    reader.pipe = rd;
    reader.c = c;
    thread = CreateThread(NULL, 0, read_output, &reader, 0, NULL);
    assert_non_null(thread);

    w = WaitForSingleObject(pi.hProcess, CHILD_MS);
    if (w != WAIT_OBJECT_0)
        TerminateProcess(pi.hProcess, 255);
    GetExitCodeProcess(pi.hProcess, &c->exit_code);
    if (WaitForSingleObject(thread, 10000) != WAIT_OBJECT_0) {
        /* Someone else still holds the write end: stop reading. */
        CancelSynchronousIo(thread);
        WaitForSingleObject(thread, 5000);
    }
    CloseHandle(thread);
    CloseHandle(rd);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    /* The transcript, written directly: print_message truncates long messages. */
    printf("> bgcopyadmin %ls\n", args);
    fwrite(c->out, 1, c->len, stdout);
    printf("[exit %lu]\n", (unsigned long)c->exit_code);
    fflush(stdout);
    if (w != WAIT_OBJECT_0) {
        print_error("bgcopyadmin %ls did not finish within %d s\n", args, CHILD_MS / 1000);
        fail();
    }
}

/* printf-style run_admin. */
static void admin(struct fixture *f, const WCHAR *fmt, ...)
{
    WCHAR args[4096];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vswprintf(args, 4096, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && n < 4096);
    run_admin(&f->run, args);
}

static void assert_output_has(const struct child *c, const char *text)
{
    if (!strstr(c->out, text)) {
        print_error("output lacks \"%s\"\n", text);
        fail();
    }
}

static void assert_output_lacks(const struct child *c, const char *text)
{
    if (strstr(c->out, text)) {
        print_error("output unexpectedly has \"%s\"\n", text);
        fail();
    }
}

/* A GUID as the client prints it ({XXXXXXXX-...}), as UTF-8. */
static void guid_utf8(const GUID *id, char out[39])
{
    WCHAR w[39];
    assert_int_equal(StringFromGUID2(id, w, 39), 39);
    WideCharToMultiByte(CP_UTF8, 0, w, -1, out, 39, NULL, NULL);
}

/* Parses the GUID of "Created job {GUID}." in the output. */
static void parse_created(const struct child *c, GUID *id)
{
    const char *p = strstr(c->out, "Created job {");
    WCHAR w[39];
    int i;
    assert_non_null(p);
    p += strlen("Created job ");
    for (i = 0; i < 38; i++)
        w[i] = (WCHAR)(unsigned char)p[i];
    w[38] = 0;
    assert_hr(IIDFromString(w, id), S_OK);
}

/* ---- fixture ---------------------------------------------------------------------------------- */

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
    int i;
    for (i = 0; i < f->njobs; i++) {
        IBackgroundCopyJob *job = NULL;
        if (SUCCEEDED(IBackgroundCopyManager_GetJob(g_mgr, &f->jobs[i], &job)) && job) {
            IBackgroundCopyJob_Cancel(job);
            IBackgroundCopyJob_Release(job);
        }
    }
    free(f);
    return 0;
}

static void own_job(struct fixture *f, const GUID *id)
{
    assert_true(f->njobs < MAX_JOBS);
    f->jobs[f->njobs++] = *id;
}

/* Creates a job through COM (owned by the fixture); returns a reference. */
static IBackgroundCopyJob *com_job(struct fixture *f, const WCHAR *name, GUID *id)
{
    IBackgroundCopyJob *job = NULL;
    assert_hr(IBackgroundCopyManager_CreateJob(g_mgr, name, BG_JOB_TYPE_DOWNLOAD, id, &job), S_OK);
    own_job(f, id);
    return job;
}

static BG_JOB_STATE state_of(IBackgroundCopyJob *job)
{
    BG_JOB_STATE st = (BG_JOB_STATE)-1;
    assert_hr(IBackgroundCopyJob_GetState(job, &st), S_OK);
    return st;
}

/* A URL whose body pauses for ms in the middle (once per test key), keeping a job active. */
static WCHAR *stalled_url(WCHAR *out, UINT64 size, int seed, int ms)
{
    WCHAR path[WT_PATH], key[40];
    wt_format(path, L"/gen/%llu?seed=%d&stall=%d&stallid=%ls", (unsigned long long)size, seed, ms, wt_unique(key));
    return wt_url(out, path);
}

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

    job = com_job(f, L"bgc cli addfile", &id);
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

    job = com_job(f, L"bgc cli resume", &id);
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

    job = com_job(f, L"bgc-cli-info", &id);
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

    job = com_job(f, L"bgc cli list", &id);
    guid_utf8(&id, guid8);
    admin(f, L"/list");
    assert_int_equal(f->run.exit_code, 0);
    snprintf(line, sizeof(line), "%s 'bgc cli list' SUSPENDED 0 / 0 0 / 0", guid8);
    assert_output_has(&f->run, line);
    assert_output_has(&f->run, " job(s).");
    assert_output_lacks(&f->run, "Listed 0 job(s).");
    IBackgroundCopyJob_Release(job);
}

static void suspend_suspends_job_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    WCHAR url[WT_PATH], local[WT_PATH], guid[39];
    GUID id;

    job = com_job(f, L"bgc cli suspend", &id);
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

    job = com_job(f, L"bgc cli cancel", &id);
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

    job = com_job(f, L"bgc cli complete", &id);
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
    assert_int_equal(f->run.exit_code, 1);
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

    job = com_job(f, L"bgc cli failing", &id);
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

    a = com_job(f, L"bgc-cli-named-once", &ida);
    admin(f, L"/cancel bgc-cli-named-once");
    assert_int_equal(f->run.exit_code, 0);
    assert_int_equal(state_of(a), BG_JOB_STATE_CANCELLED);
    IBackgroundCopyJob_Release(a);

    a = com_job(f, L"bgc-cli-named-twice", &ida);
    b = com_job(f, L"bgc-cli-named-twice", &idb);
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
    };
    return cmocka_run_group_tests_name("wine.test_admin", tests, group_setup, group_teardown);
}
