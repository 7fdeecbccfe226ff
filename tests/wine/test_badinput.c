/*
 * test_badinput.c - bad input through the COM boundary gets the documented HRESULT, and the
 * server survives it: after every bad call the test checks that the server still answers a
 * call on another job (no crash, no hang).
 *
 * Rules: G2 (NULL out pointers), G4 (values outside an enumeration: E_NOTIMPL), F1 (remote
 * names), F3 (local names), 2.1/2.2 (string limits, unknown job), L3 (Resume without files),
 * L29 (final states are absorbing).
 *
 * NULL [out] pointers: the published IDL makes them [ref] pointers, so a standard proxy
 * rejects them client-side with RPC_X_NULL_REF_POINTER (0x800706F4) before the server sees
 * them; a server reached without that check must answer E_INVALIDARG. Both are accepted, and
 * the one seen is printed, because which one Windows clients see is unconfirmed (G2).
 *
 * Invariants of the fixture:
 *  1. A sentinel job, created once per program, is never touched by a test; server_answers()
 *     reads its state after each bad call.
 *  2. Each test has its own fresh job (SUSPENDED, no files); teardown cancels it.
 */
#include "wine_test.h"

static IBackgroundCopyManager *g_mgr;     /* the group's connection to the server */
static IBackgroundCopyJob *g_sentinel;    /* a job no test changes (invariant 1) */

struct fixture {
    const void *row;         /* prestate of table-driven tests, else NULL */
    IBackgroundCopyJob *job; /* this test's job */
};

static int group_setup(void **state)
{
    GUID id;
    (void)state;
    if (wt_com_init() != 0)
        return -1;
    g_mgr = wt_connect();
    if (!g_mgr)
        return -1;
    if (FAILED(IBackgroundCopyManager_CreateJob(g_mgr, L"bgc badinput sentinel", BG_JOB_TYPE_DOWNLOAD, &id,
                                                &g_sentinel)))
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    if (g_sentinel) {
        IBackgroundCopyJob_Cancel(g_sentinel);
        IBackgroundCopyJob_Release(g_sentinel);
    }
    if (g_mgr)
        IBackgroundCopyManager_Release(g_mgr);
    CoUninitialize();
    return 0;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    GUID id;
    if (!f)
        return -1;
    f->row = *state;
    if (FAILED(IBackgroundCopyManager_CreateJob(g_mgr, L"bgc badinput", BG_JOB_TYPE_DOWNLOAD, &id, &f->job))) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    BG_JOB_STATE st;
    if (SUCCEEDED(IBackgroundCopyJob_GetState(f->job, &st)) && st != BG_JOB_STATE_CANCELLED &&
        st != BG_JOB_STATE_ACKNOWLEDGED)
        IBackgroundCopyJob_Cancel(f->job);
    IBackgroundCopyJob_Release(f->job);
    free(f);
    return 0;
}

/* The server still answers: the sentinel job reads back as SUSPENDED. */
static void server_answers(void)
{
    BG_JOB_STATE st = (BG_JOB_STATE)-1;
    assert_hr(IBackgroundCopyJob_GetState(g_sentinel, &st), S_OK);
    assert_int_equal(st, BG_JOB_STATE_SUSPENDED);
}

/* The test's job is still SUSPENDED with no files (a failed call changed nothing). */
static void job_unchanged(IBackgroundCopyJob *job)
{
    BG_JOB_STATE st = (BG_JOB_STATE)-1;
    BG_JOB_PROGRESS p;
    assert_hr(IBackgroundCopyJob_GetState(job, &st), S_OK);
    assert_int_equal(st, BG_JOB_STATE_SUSPENDED);
    assert_hr(IBackgroundCopyJob_GetProgress(job, &p), S_OK);
    assert_int_equal(p.FilesTotal, 0);
}

/* Accepts exactly the two G2 answers to a NULL pointer and prints which one was seen. */
static void assert_null_rejected(const char *what, HRESULT hr)
{
    if (hr == WT_HR_NULL_REF)
        print_message("%s: 0x%08lx RPC_X_NULL_REF_POINTER (rejected by the proxy)\n", what, (unsigned long)hr);
    else if (hr == E_INVALIDARG)
        print_message("%s: 0x%08lx E_INVALIDARG (rejected by the server)\n", what, (unsigned long)hr);
    else {
        print_error("%s returned 0x%08lx; expected 0x800706f4 or 0x80070057\n", what, (unsigned long)hr);
        fail();
    }
}

/* ---- G2: NULL [out] pointers, one test per method ---------------------------------------- */

struct null_row {
    const char *method;                          /* the call, for messages */
    HRESULT (*call)(IBackgroundCopyJob *job);    /* makes the call with a NULL out pointer */
};

static HRESULT null_GetId(IBackgroundCopyJob *j) { return IBackgroundCopyJob_GetId(j, NULL); }
static HRESULT null_GetType(IBackgroundCopyJob *j) { return IBackgroundCopyJob_GetType(j, NULL); }
static HRESULT null_GetProgress(IBackgroundCopyJob *j) { return IBackgroundCopyJob_GetProgress(j, NULL); }
static HRESULT null_GetTimes(IBackgroundCopyJob *j) { return IBackgroundCopyJob_GetTimes(j, NULL); }
static HRESULT null_GetState(IBackgroundCopyJob *j) { return IBackgroundCopyJob_GetState(j, NULL); }
static HRESULT null_GetOwner(IBackgroundCopyJob *j) { return IBackgroundCopyJob_GetOwner(j, NULL); }
static HRESULT null_GetDisplayName(IBackgroundCopyJob *j) { return IBackgroundCopyJob_GetDisplayName(j, NULL); }
static HRESULT null_GetDescription(IBackgroundCopyJob *j) { return IBackgroundCopyJob_GetDescription(j, NULL); }
static HRESULT null_GetPriority(IBackgroundCopyJob *j) { return IBackgroundCopyJob_GetPriority(j, NULL); }
static HRESULT null_GetNotifyFlags(IBackgroundCopyJob *j) { return IBackgroundCopyJob_GetNotifyFlags(j, NULL); }
static HRESULT null_GetNotifyInterface(IBackgroundCopyJob *j) { return IBackgroundCopyJob_GetNotifyInterface(j, NULL); }
static HRESULT null_GetMinimumRetryDelay(IBackgroundCopyJob *j) { return IBackgroundCopyJob_GetMinimumRetryDelay(j, NULL); }
static HRESULT null_GetNoProgressTimeout(IBackgroundCopyJob *j) { return IBackgroundCopyJob_GetNoProgressTimeout(j, NULL); }
static HRESULT null_GetErrorCount(IBackgroundCopyJob *j) { return IBackgroundCopyJob_GetErrorCount(j, NULL); }
static HRESULT null_EnumFiles(IBackgroundCopyJob *j) { return IBackgroundCopyJob_EnumFiles(j, NULL); }

static HRESULT null_CreateJob_id(IBackgroundCopyJob *j)
{
    IBackgroundCopyJob *job = NULL;
    HRESULT hr = IBackgroundCopyManager_CreateJob(g_mgr, L"bgc null id", BG_JOB_TYPE_DOWNLOAD, NULL, &job);
    (void)j;
    if (job) { /* must not happen; do not leak a job into later tests */
        IBackgroundCopyJob_Cancel(job);
        IBackgroundCopyJob_Release(job);
    }
    return hr;
}

static HRESULT null_CreateJob_job(IBackgroundCopyJob *j)
{
    GUID id;
    (void)j;
    return IBackgroundCopyManager_CreateJob(g_mgr, L"bgc null job", BG_JOB_TYPE_DOWNLOAD, &id, NULL);
}

static HRESULT null_GetJob(IBackgroundCopyJob *j)
{
    GUID id;
    assert_hr(IBackgroundCopyJob_GetId(j, &id), S_OK);
    return IBackgroundCopyManager_GetJob(g_mgr, &id, NULL);
}

static HRESULT null_EnumJobs(IBackgroundCopyJob *j)
{
    (void)j;
    return IBackgroundCopyManager_EnumJobs(g_mgr, 0, NULL);
}

static HRESULT null_GetErrorDescription(IBackgroundCopyJob *j)
{
    (void)j;
    return IBackgroundCopyManager_GetErrorDescription(g_mgr, E_FAIL, 0x409, NULL);
}

static const struct null_row null_rows[] = {
    { "IBackgroundCopyJob::GetId(NULL)", null_GetId },
    { "IBackgroundCopyJob::GetType(NULL)", null_GetType },
    { "IBackgroundCopyJob::GetProgress(NULL)", null_GetProgress },
    { "IBackgroundCopyJob::GetTimes(NULL)", null_GetTimes },
    { "IBackgroundCopyJob::GetState(NULL)", null_GetState },
    { "IBackgroundCopyJob::GetOwner(NULL)", null_GetOwner },
    { "IBackgroundCopyJob::GetDisplayName(NULL)", null_GetDisplayName },
    { "IBackgroundCopyJob::GetDescription(NULL)", null_GetDescription },
    { "IBackgroundCopyJob::GetPriority(NULL)", null_GetPriority },
    { "IBackgroundCopyJob::GetNotifyFlags(NULL)", null_GetNotifyFlags },
    { "IBackgroundCopyJob::GetNotifyInterface(NULL)", null_GetNotifyInterface },
    { "IBackgroundCopyJob::GetMinimumRetryDelay(NULL)", null_GetMinimumRetryDelay },
    { "IBackgroundCopyJob::GetNoProgressTimeout(NULL)", null_GetNoProgressTimeout },
    { "IBackgroundCopyJob::GetErrorCount(NULL)", null_GetErrorCount },
    { "IBackgroundCopyJob::EnumFiles(NULL)", null_EnumFiles },
    { "IBackgroundCopyManager::CreateJob(pJobId=NULL)", null_CreateJob_id },
    { "IBackgroundCopyManager::CreateJob(ppJob=NULL)", null_CreateJob_job },
    { "IBackgroundCopyManager::GetJob(ppJob=NULL)", null_GetJob },
    { "IBackgroundCopyManager::EnumJobs(ppEnum=NULL)", null_EnumJobs },
    { "IBackgroundCopyManager::GetErrorDescription(ppText=NULL)", null_GetErrorDescription },
};

static void null_out_pointer_is_rejected_G2(void **state)
{
    struct fixture *f = *state;
    const struct null_row *row = f->row;
    assert_null_rejected(row->method, row->call(f->job));
    job_unchanged(f->job);
    server_answers();
}

/* ---- single tests --------------------------------------------------------------------------- */

/* 2.1: CreateJob needs a name; a NULL [string] pointer is rejected (G2's two answers). */
static void create_job_null_name_is_rejected_2_1(void **state)
{
    IBackgroundCopyJob *job = NULL;
    GUID id;
    HRESULT hr;
    (void)state;
    hr = IBackgroundCopyManager_CreateJob(g_mgr, NULL, BG_JOB_TYPE_DOWNLOAD, &id, &job);
    if (job) {
        IBackgroundCopyJob_Cancel(job);
        IBackgroundCopyJob_Release(job);
    }
    assert_null_rejected("IBackgroundCopyManager::CreateJob(DisplayName=NULL)", hr);
    server_answers();
}

/* 2.1: a display name longer than 256 characters is E_INVALIDARG at CreateJob. */
static void create_job_name_257_chars_is_invalidarg_2_1(void **state)
{
    IBackgroundCopyJob *job = NULL;
    WCHAR name[258];
    GUID id;
    int i;
    (void)state;
    for (i = 0; i < 257; i++)
        name[i] = L'a' + i % 26;
    name[257] = 0;
    assert_hr(IBackgroundCopyManager_CreateJob(g_mgr, name, BG_JOB_TYPE_DOWNLOAD, &id, &job), E_INVALIDARG);
    assert_null(job);
    server_answers();
}

/* F1: an empty remote name is E_INVALIDARG and adds nothing. */
static void add_file_empty_remote_is_invalidarg_F1(void **state)
{
    struct fixture *f = *state;
    WCHAR local[WT_PATH];
    wt_format(local, L"%ls\\empty-remote.bin", wt_env(L"BGC_TEMP_DIR"));
    assert_hr(IBackgroundCopyJob_AddFile(f->job, L"", local), E_INVALIDARG);
    job_unchanged(f->job);
    server_answers();
}

/* F3: an empty local name is E_INVALIDARG and adds nothing. */
static void add_file_empty_local_is_invalidarg_F3(void **state)
{
    struct fixture *f = *state;
    WCHAR url[WT_PATH];
    assert_hr(IBackgroundCopyJob_AddFile(f->job, wt_url(url, L"/gen/100"), L""), E_INVALIDARG);
    assert_hr(IBackgroundCopyJob_AddFile(f->job, L"", L""), E_INVALIDARG);
    job_unchanged(f->job);
    server_answers();
}

/* F3: a relative local path is E_INVALIDARG. */
static void relative_local_path_is_invalidarg_F3(void **state)
{
    struct fixture *f = *state;
    WCHAR url[WT_PATH];
    wt_url(url, L"/gen/100");
    assert_hr(IBackgroundCopyJob_AddFile(f->job, url, L"relative.bin"), E_INVALIDARG);
    assert_hr(IBackgroundCopyJob_AddFile(f->job, url, L"sub\\relative.bin"), E_INVALIDARG);
    assert_hr(IBackgroundCopyJob_AddFile(f->job, url, L"..\\relative.bin"), E_INVALIDARG);
    job_unchanged(f->job);
    server_answers();
}

/* F1: a scheme other than http, https, file (or a path) is E_INVALIDARG at Add time. */
static void unsupported_url_scheme_is_invalidarg_F1(void **state)
{
    struct fixture *f = *state;
    WCHAR local[WT_PATH];
    wt_format(local, L"%ls\\gopher.bin", wt_env(L"BGC_TEMP_DIR"));
    assert_hr(IBackgroundCopyJob_AddFile(f->job, L"gopher://127.0.0.1/x", local), E_INVALIDARG);
    job_unchanged(f->job);
    server_answers();
}

/* F3 (project choice): a local directory that does not exist fails at Add time. */
static void missing_local_directory_is_path_not_found_F3(void **state)
{
    struct fixture *f = *state;
    WCHAR url[WT_PATH], local[WT_PATH];
    wt_url(url, L"/gen/100");
    wt_format(local, L"%ls\\no-such-dir\\x.bin", wt_env(L"BGC_TEMP_DIR"));
    assert_hr(IBackgroundCopyJob_AddFile(f->job, url, local), HRESULT_FROM_WIN32(ERROR_PATH_NOT_FOUND));
    job_unchanged(f->job);
    server_answers();
}

/* 2.2 SetDisplayName: 256 characters are fine, 257 are BG_E_STRING_TOO_LONG (project choice). */
static void set_display_name_257_chars_is_string_too_long_2_2(void **state)
{
    struct fixture *f = *state;
    WCHAR name[258], *got = NULL;
    int i;
    for (i = 0; i < 257; i++)
        name[i] = L'a' + i % 26;
    name[257] = 0;
    assert_hr(IBackgroundCopyJob_SetDisplayName(f->job, name), BG_E_STRING_TOO_LONG);
    assert_hr(IBackgroundCopyJob_GetDisplayName(f->job, &got), S_OK);
    assert_true(wcscmp(got, L"bgc badinput") == 0);
    CoTaskMemFree(got);
    got = NULL;
    name[256] = 0;
    assert_hr(IBackgroundCopyJob_SetDisplayName(f->job, name), S_OK);
    assert_hr(IBackgroundCopyJob_GetDisplayName(f->job, &got), S_OK);
    assert_true(wcscmp(got, name) == 0);
    CoTaskMemFree(got);
    server_answers();
}

/* L3: Resume on a job without files is BG_E_EMPTY and the job stays SUSPENDED. */
static void resume_without_files_is_empty_L3(void **state)
{
    struct fixture *f = *state;
    assert_hr(IBackgroundCopyJob_Resume(f->job), BG_E_EMPTY);
    job_unchanged(f->job);
    server_answers();
}

/* G4: SetPriority outside BG_JOB_PRIORITY is E_NOTIMPL; the priority stays NORMAL. */
static void set_priority_out_of_range_is_notimpl_G4(void **state)
{
    struct fixture *f = *state;
    BG_JOB_PRIORITY prio = (BG_JOB_PRIORITY)-1;
    assert_hr(IBackgroundCopyJob_SetPriority(f->job, (BG_JOB_PRIORITY)99), E_NOTIMPL);
    assert_hr(IBackgroundCopyJob_GetPriority(f->job, &prio), S_OK);
    assert_int_equal(prio, BG_JOB_PRIORITY_NORMAL);
    server_answers();
}

/* G4, N1: SetNotifyFlags with a bit outside 0x3F is E_NOTIMPL; the flags stay the default 0x3. */
static void set_notify_flags_unknown_bit_is_notimpl_G4(void **state)
{
    struct fixture *f = *state;
    ULONG flags = 0;
    assert_hr(IBackgroundCopyJob_SetNotifyFlags(f->job, 0x40), E_NOTIMPL);
    assert_hr(IBackgroundCopyJob_GetNotifyFlags(f->job, &flags), S_OK);
    assert_int_equal(flags, BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR);
    server_answers();
}

/* L29, L30: a second Cancel is BG_E_INVALID_STATE; the job stays CANCELLED. */
static void cancel_twice_is_invalid_state_L29(void **state)
{
    struct fixture *f = *state;
    BG_JOB_STATE st = (BG_JOB_STATE)-1;
    assert_hr(IBackgroundCopyJob_Cancel(f->job), S_OK);
    assert_hr(IBackgroundCopyJob_Cancel(f->job), BG_E_INVALID_STATE);
    assert_hr(IBackgroundCopyJob_GetState(f->job, &st), S_OK);
    assert_int_equal(st, BG_JOB_STATE_CANCELLED);
    server_answers();
}

/* 2.1 GetJob: an unknown GUID is BG_E_NOT_FOUND and *ppJob is NULL. */
static void get_job_unknown_guid_is_not_found_2_1(void **state)
{
    IBackgroundCopyJob *job = (IBackgroundCopyJob *)(ULONG_PTR)0xdeadbeef;
    GUID id;
    (void)state;
    assert_hr(CoCreateGuid(&id), S_OK);
    assert_hr(IBackgroundCopyManager_GetJob(g_mgr, &id, &job), BG_E_NOT_FOUND);
    assert_null(job);
    server_answers();
}

#define NROWS (sizeof(null_rows) / sizeof(null_rows[0]))

int main(void)
{
    static const struct CMUnitTest singles[] = {
        cmocka_unit_test_setup_teardown(create_job_null_name_is_rejected_2_1, setup, teardown),
        cmocka_unit_test_setup_teardown(create_job_name_257_chars_is_invalidarg_2_1, setup, teardown),
        cmocka_unit_test_setup_teardown(add_file_empty_remote_is_invalidarg_F1, setup, teardown),
        cmocka_unit_test_setup_teardown(add_file_empty_local_is_invalidarg_F3, setup, teardown),
        cmocka_unit_test_setup_teardown(relative_local_path_is_invalidarg_F3, setup, teardown),
        cmocka_unit_test_setup_teardown(unsupported_url_scheme_is_invalidarg_F1, setup, teardown),
        cmocka_unit_test_setup_teardown(missing_local_directory_is_path_not_found_F3, setup, teardown),
        cmocka_unit_test_setup_teardown(set_display_name_257_chars_is_string_too_long_2_2, setup, teardown),
        cmocka_unit_test_setup_teardown(resume_without_files_is_empty_L3, setup, teardown),
        cmocka_unit_test_setup_teardown(set_priority_out_of_range_is_notimpl_G4, setup, teardown),
        cmocka_unit_test_setup_teardown(set_notify_flags_unknown_bit_is_notimpl_G4, setup, teardown),
        cmocka_unit_test_setup_teardown(cancel_twice_is_invalid_state_L29, setup, teardown),
        cmocka_unit_test_setup_teardown(get_job_unknown_guid_is_not_found_2_1, setup, teardown),
    };
    static char names[NROWS][96];
    struct CMUnitTest tests[NROWS + sizeof(singles) / sizeof(singles[0])];
    size_t i, n = 0;

    /* One test per NULL row, named null_out_pointer_is_rejected_G2/<Method>. */
    for (i = 0; i < NROWS; i++) {
        const char *m = strstr(null_rows[i].method, "::");
        snprintf(names[i], sizeof(names[i]), "null_out_pointer_is_rejected_G2/%s", m ? m + 2 : null_rows[i].method);
        tests[n].name = names[i];
        tests[n].test_func = null_out_pointer_is_rejected_G2;
        tests[n].setup_func = setup;
        tests[n].teardown_func = teardown;
        tests[n].initial_state = (void *)&null_rows[i];
        n++;
    }
    for (i = 0; i < sizeof(singles) / sizeof(singles[0]); i++)
        tests[n++] = singles[i];
    return _cmocka_run_group_tests("wine.test_badinput", tests, n, group_setup, group_teardown);
}
