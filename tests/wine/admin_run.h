/*
 * admin_run.h - helpers of the bgcopyadmin.exe tests (tests/wine/test_admin*.c): run the client
 * as a child process with its stdout and stderr captured separately, assert on what it printed
 * and on its exit code, and a fixture that cancels the jobs a test created.
 *
 * Header only (static functions), because CMake builds each test_*.c as its own program.
 *
 * Invariants:
 *  1. Every child runs bounded (ADMIN_CHILD_MS); a child still running then is terminated and
 *     the test fails.
 *  2. Jobs created by a test (directly or through the client) are recorded with own_job and
 *     cancelled in teardown unless already final.
 *  3. The test process holds a manager reference for the whole run (g_mgr), so the server stays
 *     up between children (its idle timeout never fires mid-test).
 *  4. stdout is a pipe, so the client prints plain progress lines, never a redrawn bar.
 */
#ifndef BGC_ADMIN_RUN_H
#define BGC_ADMIN_RUN_H

#include "wine_test.h"

#define ADMIN_CHILD_MS 90000
#define ADMIN_OUT_MAX (256 * 1024)
#define ADMIN_MAX_JOBS 32

static IBackgroundCopyManager *g_mgr; /* the group's connection (keeps the server up) */

struct child {
    DWORD exit_code;         /* the child's exit code */
    char out[ADMIN_OUT_MAX]; /* stdout, UTF-8, NUL-terminated */
    DWORD len;               /* bytes in out */
    char err[ADMIN_OUT_MAX]; /* stderr, UTF-8, NUL-terminated */
    DWORD elen;              /* bytes in err */
};

struct fixture {
    GUID jobs[ADMIN_MAX_JOBS]; /* jobs to cancel in teardown */
    int njobs;                 /* entries in jobs */
    WCHAR dir[WT_PATH];        /* this test's directory under BGC_TEMP_DIR */
    struct child run;          /* the last child's result */
};

/* ---- running the client ------------------------------------------------------------------- */

struct reader {
    HANDLE pipe;  /* read end */
    char *buf;    /* where to append */
    DWORD *len;   /* bytes in buf */
};

static inline DWORD WINAPI admin_read_output(void *arg)
{
    struct reader *r = arg;
    DWORD got;
    for (;;) {
        if (*r->len + 1 >= ADMIN_OUT_MAX)
            break;
        if (!ReadFile(r->pipe, r->buf + *r->len, ADMIN_OUT_MAX - 1 - *r->len, &got, NULL) || got == 0)
            break;
        *r->len += got;
    }
    r->buf[*r->len] = 0;
    return 0;
}

static inline void admin_join_reader(HANDLE thread)
{
    if (WaitForSingleObject(thread, 10000) != WAIT_OBJECT_0) {
        /* Someone else still holds the write end: stop reading. */
        CancelSynchronousIo(thread);
        WaitForSingleObject(thread, 5000);
    }
    CloseHandle(thread);
}

/* Runs `bgcopyadmin.exe <args>` and waits (bounded) for it; fills *c. */
static inline void run_admin(struct child *c, const WCHAR *args)
{
    static WCHAR cmdline[8192];
    SECURITY_ATTRIBUTES sa = { sizeof(sa), NULL, TRUE };
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    struct reader rout, rerr;
    HANDLE ord = NULL, owr = NULL, erd = NULL, ewr = NULL, nul, tout, terr;
    DWORD w;

    swprintf(cmdline, 8192, L"\"%ls\\bgcopyadmin.exe\" %ls", wt_env(L"BGC_BIN_DIR"), args);
    memset(c, 0, sizeof(*c));
    assert_true(CreatePipe(&ord, &owr, &sa, 0));
    assert_true(CreatePipe(&erd, &ewr, &sa, 0));
    assert_true(SetHandleInformation(ord, HANDLE_FLAG_INHERIT, 0));
    assert_true(SetHandleInformation(erd, HANDLE_FLAG_INHERIT, 0));
    nul = CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa, OPEN_EXISTING, 0, NULL);
    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = nul;
    si.hStdOutput = owr;
    si.hStdError = ewr;
    if (!CreateProcessW(NULL, cmdline, NULL, NULL, TRUE, CREATE_NO_WINDOW, NULL, NULL, &si, &pi)) {
        print_error("CreateProcessW(%ls) failed: %lu\n", cmdline, (unsigned long)GetLastError());
        fail();
    }
    CloseHandle(owr);
    CloseHandle(ewr);
    if (nul != INVALID_HANDLE_VALUE)
        CloseHandle(nul);
    rout.pipe = ord;
    rout.buf = c->out;
    rout.len = &c->len;
    rerr.pipe = erd;
    rerr.buf = c->err;
    rerr.len = &c->elen;
    tout = CreateThread(NULL, 0, admin_read_output, &rout, 0, NULL);
    terr = CreateThread(NULL, 0, admin_read_output, &rerr, 0, NULL);
    assert_non_null(tout);
    assert_non_null(terr);

    w = WaitForSingleObject(pi.hProcess, ADMIN_CHILD_MS);
    if (w != WAIT_OBJECT_0)
        TerminateProcess(pi.hProcess, 255);
    GetExitCodeProcess(pi.hProcess, &c->exit_code);
    admin_join_reader(tout);
    admin_join_reader(terr);
    CloseHandle(ord);
    CloseHandle(erd);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    /* The transcript, written directly: print_message truncates long messages. */
    printf("> bgcopyadmin %ls\n", args);
    fwrite(c->out, 1, c->len, stdout);
    if (c->elen) {
        printf("[stderr]\n");
        fwrite(c->err, 1, c->elen, stdout);
    }
    printf("[exit %lu]\n", (unsigned long)c->exit_code);
    fflush(stdout);
    if (w != WAIT_OBJECT_0) {
        print_error("bgcopyadmin %ls did not finish within %d s\n", args, ADMIN_CHILD_MS / 1000);
        fail();
    }
}

/* printf-style run_admin. */
static inline void admin(struct fixture *f, const WCHAR *fmt, ...)
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

/* text appears on stdout or stderr. */
static inline void assert_output_has(const struct child *c, const char *text)
{
    if (!strstr(c->out, text) && !strstr(c->err, text)) {
        print_error("output lacks \"%s\"\n", text);
        fail();
    }
}

static inline void assert_output_lacks(const struct child *c, const char *text)
{
    if (strstr(c->out, text) || strstr(c->err, text)) {
        print_error("output unexpectedly has \"%s\"\n", text);
        fail();
    }
}

/* stdout is exactly text. */
static inline void assert_stdout_is(const struct child *c, const char *text)
{
    if (strcmp(c->out, text) != 0) {
        print_error("stdout is \"%s\", expected \"%s\"\n", c->out, text);
        fail();
    }
}

static inline void assert_stderr_has(const struct child *c, const char *text)
{
    if (!strstr(c->err, text)) {
        print_error("stderr lacks \"%s\"\n", text);
        fail();
    }
}

static inline void assert_exit(const struct child *c, DWORD code)
{
    if (c->exit_code != code)
        print_error("exit code %lu, expected %lu\n", (unsigned long)c->exit_code, (unsigned long)code);
    assert_int_equal(c->exit_code, code);
}

/* A GUID as the client prints it ({XXXXXXXX-...}), as UTF-8. */
static inline void guid_utf8(const GUID *id, char out[39])
{
    WCHAR w[39];
    assert_int_equal(StringFromGUID2(id, w, 39), 39);
    WideCharToMultiByte(CP_UTF8, 0, w, -1, out, 39, NULL, NULL);
}

/* Parses a {GUID} at p. */
static inline void parse_guid_at(const char *p, GUID *id)
{
    WCHAR w[39];
    int i;
    assert_non_null(p);
    for (i = 0; i < 38 && p[i]; i++)
        w[i] = (WCHAR)(unsigned char)p[i];
    assert_int_equal(i, 38);
    w[38] = 0;
    assert_hr(IIDFromString(w, id), S_OK);
}

/* Parses the GUID of "Created job {GUID}." in the output. */
static inline void parse_created(const struct child *c, GUID *id)
{
    const char *p = strstr(c->out, "Created job {");
    assert_non_null(p);
    parse_guid_at(p + strlen("Created job "), id);
}

/* ---- fixture ---------------------------------------------------------------------------------- */

static inline int group_setup(void **state)
{
    (void)state;
    if (wt_com_init() != 0)
        return -1;
    g_mgr = wt_connect();
    return g_mgr ? 0 : -1;
}

static inline int group_teardown(void **state)
{
    (void)state;
    if (g_mgr)
        IBackgroundCopyManager_Release(g_mgr);
    CoUninitialize();
    return 0;
}

static inline int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    *state = f;
    return 0;
}

static inline int teardown(void **state)
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

static inline void own_job(struct fixture *f, const GUID *id)
{
    assert_true(f->njobs < ADMIN_MAX_JOBS);
    f->jobs[f->njobs++] = *id;
}

/* Creates a job through COM (owned by the fixture); returns a reference; guid (may be NULL,
 * 39 WCHARs) receives its {GUID} text. */
static inline IBackgroundCopyJob *com_job(struct fixture *f, const WCHAR *name, GUID *id, WCHAR *guid)
{
    IBackgroundCopyJob *job = NULL;
    assert_hr(IBackgroundCopyManager_CreateJob(g_mgr, name, BG_JOB_TYPE_DOWNLOAD, id, &job), S_OK);
    own_job(f, id);
    if (guid)
        StringFromGUID2(id, guid, 39);
    return job;
}

static inline BG_JOB_STATE state_of(IBackgroundCopyJob *job)
{
    BG_JOB_STATE st = (BG_JOB_STATE)-1;
    assert_hr(IBackgroundCopyJob_GetState(job, &st), S_OK);
    return st;
}

/* A URL whose body pauses for ms in the middle (once per test key), keeping a job active. */
static inline WCHAR *stalled_url(WCHAR *out, UINT64 size, int seed, int ms)
{
    WCHAR path[WT_PATH], key[40];
    wt_format(path, L"/gen/%llu?seed=%d&stall=%d&stallid=%ls", (unsigned long long)size, seed, ms, wt_unique(key));
    return wt_url(out, path);
}

/* The job's only (first) file, or fails. */
static inline IBackgroundCopyFile *first_file(IBackgroundCopyJob *job)
{
    IEnumBackgroundCopyFiles *files = NULL;
    IBackgroundCopyFile *file = NULL;
    ULONG fetched = 0;
    assert_hr(IBackgroundCopyJob_EnumFiles(job, &files), S_OK);
    assert_hr(IEnumBackgroundCopyFiles_Next(files, 1, &file, &fetched), S_OK);
    IEnumBackgroundCopyFiles_Release(files);
    return file;
}

/* A job's file count through COM. */
static inline ULONG file_count(IBackgroundCopyJob *job)
{
    IEnumBackgroundCopyFiles *files = NULL;
    ULONG count = 0;
    assert_hr(IBackgroundCopyJob_EnumFiles(job, &files), S_OK);
    assert_hr(IEnumBackgroundCopyFiles_GetCount(files, &count), S_OK);
    IEnumBackgroundCopyFiles_Release(files);
    return count;
}

/* Opens a job by GUID through COM (the test's own view). */
static inline IBackgroundCopyJob *get_job(const GUID *id)
{
    IBackgroundCopyJob *job = NULL;
    assert_hr(IBackgroundCopyManager_GetJob(g_mgr, id, &job), S_OK);
    return job;
}

#endif /* BGC_ADMIN_RUN_H */
