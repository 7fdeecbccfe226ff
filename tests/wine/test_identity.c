/*
 * test_identity.c - N8, notification identity: server/identity.c linked directly (no COM
 * server). The N8 decision table row by row; the CreateProcessAsUserW path run for real
 * under a duplicated primary token (exit code and the user's own environment block observed);
 * the token table's capture/replace/free bookkeeping, down to zero held tokens; and the
 * job-facing glue (identity_resolve) on real jobs of an in-memory queue: a service-account
 * owner never runs a command line, a captured token is used and survives TakeOwnership, a
 * final job's tokens are dropped.
 *
 * Under Wine there is one user and no COM call context (WINE-NOTES), so a token captured
 * from a client is simulated by handing the table the process token duplicated as primary
 * (identity_token_put, the seam behind identity_capture). What this cannot show (another
 * user's token, LocalSystem's session lookup, cloaked activation) is Windows-only.
 */
#include "wine_test.h"

#include <sddl.h>

#include "server.h"

/* ---- helpers ------------------------------------------------------------------------------ */

static HANDLE primary_token(void)
{
    HANDLE proc = NULL, primary = NULL;

    assert_true(OpenProcessToken(GetCurrentProcess(), TOKEN_DUPLICATE | TOKEN_QUERY, &proc));
    assert_true(DuplicateTokenEx(
        proc, TOKEN_ASSIGN_PRIMARY | TOKEN_DUPLICATE | TOKEN_QUERY | TOKEN_IMPERSONATE, NULL,
        SecurityImpersonation, TokenPrimary, &primary));
    CloseHandle(proc);
    return primary;
}

/* The token object's identity (TokenStatistics.TokenId): a DuplicateHandle keeps it, a
 * DuplicateTokenEx makes a new one. */
static ULONGLONG token_id(HANDLE token)
{
    TOKEN_STATISTICS st;
    DWORD len = 0;

    assert_true(GetTokenInformation(token, TokenStatistics, &st, sizeof(st), &len));
    return ((ULONGLONG)(DWORD)st.TokenId.HighPart << 32) | st.TokenId.LowPart;
}

static struct bgc_id job_id(unsigned char n)
{
    struct bgc_id id;

    memset(&id, 0, sizeof(id));
    id.b[0] = n;
    id.b[15] = 0x8;
    return id;
}

/* Runs cmd.exe /c `script` through identity_start_process(token); returns its exit code. */
static DWORD run_cmd(HANDLE token, const WCHAR *script)
{
    WCHAR program[MAX_PATH], params[512];
    PROCESS_INFORMATION pi;
    DWORD code = 0xdead;

    assert_true(GetSystemDirectoryW(program, MAX_PATH) > 0);
    wcscat(program, L"\\cmd.exe");
    swprintf(params, 512, L"\"%ls\" /c %ls", program, script);
    if (!identity_start_process(token, program, params, CREATE_NO_WINDOW, &pi))
        fail_msg("identity_start_process(%p, %ls) failed: error %lu", (void *)token, script,
                 (unsigned long)GetLastError());
    CloseHandle(pi.hThread);
    assert_int_equal(WaitForSingleObject(pi.hProcess, 60000), WAIT_OBJECT_0);
    assert_true(GetExitCodeProcess(pi.hProcess, &code));
    CloseHandle(pi.hProcess);
    return code;
}

/* ---- N8 decision table --------------------------------------------------------------------- */

struct row {
    enum identity_purpose purpose;
    BOOL service_owner, have_token, token_is_self, server_is_system, owner_logged_on;
    enum identity_run want;
};

#define C IDENTITY_CMDLINE
#define K IDENTITY_CLSID
static const struct row rows[] = {
    /* service-account owner: never a command line, whatever else holds */
    {C, 1, 0, 0, 0, 0, IDENTITY_RUN_NEVER},
    {C, 1, 1, 0, 1, 1, IDENTITY_RUN_NEVER},
    {C, 1, 0, 0, 1, 0, IDENTITY_RUN_NEVER},
    {C, 1, 1, 1, 1, 0, IDENTITY_RUN_NEVER},
    /* ... its CLSID activation: the captured token, else the server's user */
    {K, 1, 1, 0, 1, 0, IDENTITY_RUN_CAPTURED},
    {K, 1, 0, 0, 1, 0, IDENTITY_RUN_SELF},
    {K, 1, 0, 0, 0, 0, IDENTITY_RUN_SELF},
    /* a captured token of another user: that token (per-user or LocalSystem server alike) */
    {C, 0, 1, 0, 0, 0, IDENTITY_RUN_CAPTURED},
    {C, 0, 1, 0, 1, 0, IDENTITY_RUN_CAPTURED},
    {C, 0, 1, 0, 1, 1, IDENTITY_RUN_CAPTURED},
    {K, 0, 1, 0, 0, 0, IDENTITY_RUN_CAPTURED},
    {K, 0, 1, 0, 1, 1, IDENTITY_RUN_CAPTURED},
    /* a captured token of the server's own user: as self */
    {C, 0, 1, 1, 0, 0, IDENTITY_RUN_SELF},
    {C, 0, 1, 1, 1, 1, IDENTITY_RUN_SELF},
    {K, 0, 1, 1, 1, 0, IDENTITY_RUN_SELF},
    /* no token, per-user server (its user registered the job): as self */
    {C, 0, 0, 0, 0, 0, IDENTITY_RUN_SELF},
    {C, 0, 0, 0, 0, 1, IDENTITY_RUN_SELF},
    {K, 0, 0, 0, 0, 0, IDENTITY_RUN_SELF},
    /* no token, LocalSystem (service mode after a restart): the owner's session, or later */
    {C, 0, 0, 0, 1, 1, IDENTITY_RUN_SESSION},
    {K, 0, 0, 0, 1, 1, IDENTITY_RUN_SESSION},
    {C, 0, 0, 0, 1, 0, IDENTITY_RUN_DEFER},
    {K, 0, 0, 0, 1, 0, IDENTITY_RUN_DEFER},
};
#undef C
#undef K

static void decision_table_N8(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const struct row *r = &rows[i];
        struct identity_facts f = {r->service_owner, r->have_token, r->token_is_self,
                                   r->server_is_system, r->owner_logged_on};
        enum identity_run got = identity_choose(r->purpose, &f);

        if (got != r->want)
            fail_msg(
                "row %u (%s service=%d token=%d self=%d system=%d logged_on=%d): got %d, want %d",
                (unsigned)i, r->purpose == IDENTITY_CMDLINE ? "cmdline" : "clsid", r->service_owner,
                r->have_token, r->token_is_self, r->server_is_system, r->owner_logged_on, (int)got,
                (int)r->want);
    }
}

/* ---- CreateProcessAsUserW for real --------------------------------------------------------- */

static void cmdline_runs_with_create_process_as_user_N8(void **state)
{
    HANDLE token = primary_token();

    (void)state;
    /* The program runs and its exit code comes back, with a token ... */
    assert_int_equal(run_cmd(token, L"exit 7"), 7);
    assert_int_equal(run_cmd(token, L"exit 0"), 0);
    /* ... and without one (CreateProcessW, the per-user case). */
    assert_int_equal(run_cmd(NULL, L"exit 5"), 5);
    /* With a token it gets the user's own environment block (CreateEnvironmentBlock), not the
     * server's: a variable only this process has is not there. Without a token it inherits. */
    assert_true(SetEnvironmentVariableW(L"BGC_N8_SERVER_ONLY", L"1"));
    assert_int_equal(run_cmd(token, L"if defined BGC_N8_SERVER_ONLY (exit 3) else (exit 0)"), 0);
    assert_int_equal(run_cmd(NULL, L"if defined BGC_N8_SERVER_ONLY (exit 3) else (exit 0)"), 3);
    SetEnvironmentVariableW(L"BGC_N8_SERVER_ONLY", NULL);
    CloseHandle(token);
}

/* ---- capture / replace / free ------------------------------------------------------------- */

static void tokens_replaced_and_freed_N8(void **state)
{
    struct bgc_id a = job_id(1), b = job_id(2);
    HANDLE t1 = primary_token(), t2 = primary_token(), t3 = primary_token(), got;
    ULONGLONG id1 = token_id(t1), id2 = token_id(t2);

    (void)state;
    assert_int_equal(identity_tokens_held(), 0);
    assert_null(identity_token_get(&a, IDENTITY_CMDLINE));
    /* capture for the command line: kept, handed out as a duplicate of the same token */
    identity_token_put(&a, IDENTITY_CMDLINE, t1);
    assert_int_equal(identity_tokens_held(), 1);
    assert_non_null(got = identity_token_get(&a, IDENTITY_CMDLINE));
    assert_true(token_id(got) == id1);
    CloseHandle(got);
    /* per purpose: the CLSID one is separate */
    assert_null(identity_token_get(&a, IDENTITY_CLSID));
    identity_token_put(&a, IDENTITY_CLSID, t3);
    assert_int_equal(identity_tokens_held(), 2);
    /* a later setter replaces the command line's token; the old one is closed */
    identity_token_put(&a, IDENTITY_CMDLINE, t2);
    assert_int_equal(identity_tokens_held(), 2);
    assert_non_null(got = identity_token_get(&a, IDENTITY_CMDLINE));
    assert_true(token_id(got) == id2);
    assert_true(token_id(got) != id1);
    CloseHandle(got);
    /* a setter without a usable token (here: no COM call context, Wine) stores nothing and
     * drops the older token (last setter wins) */
    assert_null(identity_caller_token());
    identity_token_put(&a, IDENTITY_CMDLINE, identity_caller_token());
    assert_null(identity_token_get(&a, IDENTITY_CMDLINE));
    assert_int_equal(identity_tokens_held(), 1);
    /* tokens of two jobs; forgetting one job leaves the other */
    identity_token_put(&b, IDENTITY_CMDLINE, primary_token());
    assert_int_equal(identity_tokens_held(), 2);
    identity_token_forget(&a);
    assert_int_equal(identity_tokens_held(), 1);
    assert_null(identity_token_get(&a, IDENTITY_CLSID));
    assert_non_null(got = identity_token_get(&b, IDENTITY_CMDLINE));
    CloseHandle(got);
    /* clearing the setting frees it; shutdown frees the rest */
    identity_token_put(&b, IDENTITY_CMDLINE, NULL);
    assert_int_equal(identity_tokens_held(), 0);
    identity_token_put(&a, IDENTITY_CMDLINE, primary_token());
    identity_token_put(&b, IDENTITY_CLSID, primary_token());
    assert_int_equal(identity_tokens_held(), 2);
    identity_shutdown();
    assert_int_equal(identity_tokens_held(), 0);
    /* the process token is the server's own user: "as self" */
    got = primary_token();
    assert_true(identity_token_is_self(got));
    CloseHandle(got);
}

/* ---- the glue on real jobs ------------------------------------------------------------------ */

static char *self_sid(void)
{
    HANDLE token = primary_token();
    BYTE buf[256];
    TOKEN_USER *user = (TOKEN_USER *)buf;
    DWORD len = 0;
    char *sid = NULL;

    assert_true(GetTokenInformation(token, TokenUser, buf, sizeof(buf), &len));
    assert_true(ConvertSidToStringSidA(user->User.Sid, &sid));
    CloseHandle(token);
    return sid;
}

static void resolve_on_jobs_N8(void **state)
{
    struct bgc_queue *q = NULL;
    struct bgc_job *user_job = NULL, *svc_job = NULL;
    struct bgc_id id;
    HANDLE token = NULL;
    char *sid = self_sid();

    (void)state;
    assert_int_equal(bgc_queue_new(NULL, NULL, &q), BGC_OK);
    assert_int_equal(bgc_queue_create_job(q, "n8 user", BGC_JOB_DOWNLOAD, sid, &user_job), BGC_OK);
    assert_int_equal(bgc_queue_create_job(q, "n8 service", BGC_JOB_DOWNLOAD, "S-1-5-20", &svc_job),
                     BGC_OK);

    /* A NetworkService job never runs a command line, even with a token; its CLSID does. */
    bgc_job_get_id(svc_job, &id);
    identity_token_put(&id, IDENTITY_CMDLINE, primary_token());
    assert_int_equal(identity_resolve(svc_job, IDENTITY_CMDLINE, &token), IDENTITY_RUN_NEVER);
    assert_null(token);
    assert_int_equal(identity_resolve(svc_job, IDENTITY_CLSID, &token), IDENTITY_RUN_SELF);
    assert_null(token);

    /* A user's job without a token on a server that is not LocalSystem: as self. */
    assert_int_equal(identity_resolve(user_job, IDENTITY_CMDLINE, &token), IDENTITY_RUN_SELF);
    assert_null(token);
    /* identity_capture outside a COM call (Wine: no call context) stores nothing. */
    identity_capture(user_job, IDENTITY_CMDLINE, TRUE);
    assert_int_equal(identity_tokens_held(), 1); /* only the service job's */
    /* A captured token is the server's own user under Wine: decided "self", no token. */
    bgc_job_get_id(user_job, &id);
    identity_token_put(&id, IDENTITY_CMDLINE, primary_token());
    assert_int_equal(identity_resolve(user_job, IDENTITY_CMDLINE, &token), IDENTITY_RUN_SELF);
    assert_null(token);
    /* TakeOwnership keeps the registering user's tokens. */
    assert_int_equal(bgc_job_take_ownership(user_job, "S-1-5-21-1-2-3-500", 0x3000, 1), BGC_OK);
    assert_int_equal(identity_tokens_held(), 2);
    /* Clearing the setting (identity_capture(FALSE)) forgets the token. */
    identity_capture(user_job, IDENTITY_CMDLINE, FALSE);
    assert_int_equal(identity_tokens_held(), 1);
    /* A final job's tokens go: forgotten at Cancel (job.c), and by resolve if still there. */
    identity_token_put(&id, IDENTITY_CLSID, primary_token());
    identity_forget(user_job);
    assert_int_equal(identity_tokens_held(), 1);
    identity_token_put(&id, IDENTITY_CLSID, primary_token());
    assert_int_equal(bgc_job_cancel(user_job), BGC_OK);
    identity_resolve(user_job, IDENTITY_CLSID, &token);
    if (token)
        CloseHandle(token);
    assert_int_equal(identity_tokens_held(), 1);
    identity_forget(svc_job);
    assert_int_equal(identity_tokens_held(), 0);

    bgc_job_unref(user_job);
    bgc_job_unref(svc_job);
    bgc_queue_free(q);
    LocalFree(sid);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decision_table_N8),
        cmocka_unit_test(cmdline_runs_with_create_process_as_user_N8),
        cmocka_unit_test(tokens_replaced_and_freed_N8),
        cmocka_unit_test(resolve_on_jobs_N8),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
