/*
 * test_store_kill.c - the job store against a crashing server (issue 4, P1, P2, P5): the
 * server is killed with TerminateProcess at random moments during transfers, at least 20
 * times; after every restart all jobs are there exactly once, transfers resume with Range,
 * and in the end every file's SHA-256 matches. A store file that is not a store is kept
 * aside and the server serves with an empty one.
 *
 * Runs under tests/wine/wine-run.sh (bgcopy registered, HTTP server on BGC_HTTP_PORT,
 * DataDir in BGC_DATA_DIR).
 *
 * Invariants:
 *  1. No interface pointer is kept across a kill: every round connects anew, so a dead
 *     proxy is never called.
 *  2. After each kill the prefix's rpcss.exe is ended too (WINE-NOTES: Wine keeps a killed
 *     server's class registration, and activation fails with 0x800706BA until rpcss
 *     restarts); on Windows the process is not found and nothing is done.
 *  3. Every wait is bounded.
 */
#include "wine_test.h"
#include "winproc.h"


#define N_JOBS 3
#define N_FILES 2
#define FILE_SIZE (4u * 1024 * 1024)
#define RATE 300000 /* bytes/s per file: a file takes ~14 s of transfer time */
#define KILLS 20

/* BGC_DATA_DIR (the harness's DataDir; wt_env knows only its four variables). */
static const WCHAR *data_dir(void)
{
    static WCHAR dir[WT_PATH];
    DWORD n = GetEnvironmentVariableW(L"BGC_DATA_DIR", dir, WT_PATH);

    if (n == 0 || n >= WT_PATH) {
        print_error("BGC_DATA_DIR is not set: run this test through wine-run.sh\n");
        fail();
    }
    return dir;
}


/* Connects, retrying while activation fails (a restarting server, rpcss coming back). */
static IBackgroundCopyManager *connect_retry(DWORD ms)
{
    ULONGLONG end = GetTickCount64() + ms;
    IBackgroundCopyManager *mgr = NULL;
    HRESULT hr;

    do {
        hr = CoCreateInstance(&CLSID_BgCopyManager, NULL, CLSCTX_LOCAL_SERVER, &IID_IBackgroundCopyManager,
                              (void **)&mgr);
        if (SUCCEEDED(hr))
            return mgr;
        Sleep(200);
    } while (GetTickCount64() < end);
    print_error("cannot reach the server after a kill: 0x%08lx\n", (unsigned long)hr);
    return NULL;
}

static const WCHAR *file_name(WCHAR *out, int job, int file)
{
    return wt_format(out, L"%ls\\kill-%d-%d.bin", wt_env(L"BGC_TEMP_DIR"), job, file);
}

static uint64_t seed_of(int job, int file)
{
    return 700u + (uint64_t)job * 10u + (uint64_t)file;
}

/* Every job exactly once (EnumJobs) and each reachable by GetJob. Returns the number of jobs
 * in TRANSFERRED. */
static int check_jobs(IBackgroundCopyManager *mgr, const GUID ids[N_JOBS], int round)
{
    IEnumBackgroundCopyJobs *e = NULL;
    IBackgroundCopyJob *job;
    int seen[N_JOBS] = {0}, done = 0;
    ULONG count = 0, got;

    assert_hr(IBackgroundCopyManager_EnumJobs(mgr, 0, &e), S_OK);
    assert_hr(IEnumBackgroundCopyJobs_GetCount(e, &count), S_OK);
    while (IEnumBackgroundCopyJobs_Next(e, 1, &job, &got) == S_OK && got == 1) {
        GUID id;
        BG_JOB_STATE st;
        int k;

        assert_hr(IBackgroundCopyJob_GetId(job, &id), S_OK);
        assert_hr(IBackgroundCopyJob_GetState(job, &st), S_OK);
        for (k = 0; k < N_JOBS && !IsEqualGUID(&id, &ids[k]); k++)
            ;
        if (k == N_JOBS) {
            print_error("round %d: a job that the test did not create appeared\n", round);
            fail();
        }
        seen[k]++;
        if (st == BG_JOB_STATE_ERROR) {
            print_error("round %d: job %d is in ERROR\n", round, k);
            fail();
        }
        done += st == BG_JOB_STATE_TRANSFERRED;
        IBackgroundCopyJob_Release(job);
    }
    IEnumBackgroundCopyJobs_Release(e);
    for (int k = 0; k < N_JOBS; k++) {
        if (seen[k] != 1) {
            print_error("round %d: job %d seen %d times (lost or duplicated)\n", round, k, seen[k]);
            fail();
        }
        assert_hr(IBackgroundCopyManager_GetJob(mgr, &ids[k], &job), S_OK);
        IBackgroundCopyJob_Release(job);
    }
    assert_int_equal(count, N_JOBS);
    return done;
}

/* Number of "requesting bytes N-" lines with N > 0 in the server logs (resumed requests). */
static int count_resumed_requests(void)
{
    WCHAR path[WT_PATH];
    HANDLE h;
    char *buf;
    DWORD size, got = 0;
    int n = 0;

    wt_format(path, L"%ls\\bgcopysvc.log", data_dir());
    h = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                    0, NULL);
    if (h == INVALID_HANDLE_VALUE)
        return -1;
    size = GetFileSize(h, NULL);
    buf = malloc((size_t)size + 1);
    assert_non_null(buf);
    ReadFile(h, buf, size, &got, NULL);
    CloseHandle(h);
    buf[got] = 0;
    for (char *p = buf; (p = strstr(p, "requesting bytes ")) != NULL; p++)
        n += p[17] != '0';
    free(buf);
    return n;
}

static void P1_server_killed_20_times_loses_no_job_and_resumes_with_range(void **state)
{
    IBackgroundCopyManager *mgr;
    GUID ids[N_JOBS];
    WCHAR path[WT_PATH], url[WT_PATH], q[128];
    int kills = 0, round = 0, resumed_before;
    ULONGLONG end;

    (void)state;
    srand(GetTickCount());
    resumed_before = count_resumed_requests();
    mgr = wt_connect();
    assert_non_null(mgr);
    for (int k = 0; k < N_JOBS; k++) {
        IBackgroundCopyJob *job = NULL;

        assert_hr(IBackgroundCopyManager_CreateJob(mgr, L"kill test", BG_JOB_TYPE_DOWNLOAD, &ids[k], &job), S_OK);
        assert_hr(IBackgroundCopyJob_SetMinimumRetryDelay(job, 1), S_OK);
        for (int i = 0; i < N_FILES; i++) {
            swprintf(q, 128, L"/gen/%u?seed=%llu&rate=%u", FILE_SIZE, (unsigned long long)seed_of(k, i), RATE);
            assert_hr(IBackgroundCopyJob_AddFile(job, wt_url(url, q), file_name(path, k, i)), S_OK);
        }
        assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
        IBackgroundCopyJob_Release(job);
    }
    IBackgroundCopyManager_Release(mgr);

    /* Kill at random moments while the transfers run (invariant 1). */
    while (kills < KILLS) {
        DWORD pid;

        Sleep(300 + (DWORD)(rand() % 700));
        pid = bgc_test_find_pid(L"bgcopysvc.exe");
        if (!pid || !bgc_test_kill_pid(pid)) {
            print_error("round %d: no server to kill\n", round);
            fail();
        }
        kills++;
        bgc_test_kill_pid(bgc_test_find_pid(L"rpcss.exe")); /* invariant 2 */
        mgr = connect_retry(60000);
        assert_non_null(mgr);
        if (check_jobs(mgr, ids, ++round) == N_JOBS) {
            IBackgroundCopyManager_Release(mgr);
            print_error("all jobs finished after %d kills: the files are too small for the test\n", kills);
            fail();
        }
        IBackgroundCopyManager_Release(mgr);
    }

    /* Now let them finish, then check every byte. */
    mgr = connect_retry(60000);
    assert_non_null(mgr);
    end = GetTickCount64() + 120000;
    while (check_jobs(mgr, ids, ++round) < N_JOBS && GetTickCount64() < end)
        Sleep(250);
    for (int k = 0; k < N_JOBS; k++) {
        IBackgroundCopyJob *job = NULL;

        assert_hr(IBackgroundCopyManager_GetJob(mgr, &ids[k], &job), S_OK);
        assert_int_equal(wt_wait_state(job, BG_JOB_STATE_TRANSFERRED, 1000), BG_JOB_STATE_TRANSFERRED);
        assert_hr(IBackgroundCopyJob_Complete(job), S_OK);
        IBackgroundCopyJob_Release(job);
        for (int i = 0; i < N_FILES; i++)
            wt_assert_file_is_testdata(file_name(path, k, i), seed_of(k, i), FILE_SIZE);
    }
    IBackgroundCopyManager_Release(mgr);
    /* P2: restarts resumed with Range; at least one resumed request per file and kill would
     * be ideal, but a kill can land before a file's first byte: ask for a clear majority. */
    {
        int resumed = count_resumed_requests() - resumed_before;

        print_message("%d kills, %d resumed (Range: bytes=N-, N > 0) requests\n", kills, resumed);
        assert_true(resumed >= KILLS);
    }
}

static void P5_unreadable_store_is_kept_aside_and_the_server_serves(void **state)
{
    WCHAR db[WT_PATH], pattern[WT_PATH];
    IBackgroundCopyManager *mgr;
    IBackgroundCopyJob *job = NULL;
    GUID id;
    HANDLE h;
    DWORD put = 0, pid;
    WIN32_FIND_DATAW fd;
    static const char junk[] = "this is not an SQLite database, and not a bgcopy job store either";

    (void)state;
    pid = bgc_test_find_pid(L"bgcopysvc.exe"); /* the store is read at start: stop any server first */
    if (pid) {
        bgc_test_kill_pid(pid);
        bgc_test_kill_pid(bgc_test_find_pid(L"rpcss.exe"));
    }
    wt_format(db, L"%ls\\jobs.db", data_dir());
    DeleteFileW(wt_format(pattern, L"%ls-wal", db));
    h = CreateFileW(db, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    assert_true(h != INVALID_HANDLE_VALUE);
    for (int i = 0; i < 64; i++)
        WriteFile(h, junk, sizeof(junk), &put, NULL);
    CloseHandle(h);

    mgr = connect_retry(60000);
    assert_non_null(mgr);
    assert_hr(IBackgroundCopyManager_CreateJob(mgr, L"after damage", BG_JOB_TYPE_DOWNLOAD, &id, &job), S_OK);
    assert_hr(IBackgroundCopyJob_Cancel(job), S_OK);
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(mgr);
    h = FindFirstFileW(wt_format(pattern, L"%ls\\jobs.db.bad-*", data_dir()), &fd);
    assert_true(h != INVALID_HANDLE_VALUE); /* kept aside, not deleted */
    FindClose(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(P5_unreadable_store_is_kept_aside_and_the_server_serves),
        cmocka_unit_test(P1_server_killed_20_times_loses_no_job_and_resumes_with_range),
    };
    int rc;

    if (wt_com_init())
        return 1;
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    CoUninitialize();
    return rc;
}
