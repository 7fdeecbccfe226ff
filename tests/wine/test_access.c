/*
 * test_access.c - G8 (callers need impersonation level >= IMPERSONATE; project choice:
 * E_ACCESSDENIED for ANONYMOUS and IDENTIFY) and G9 (remote callers: BG_E_REMOTE_NOT_SUPPORTED):
 * server/access.c linked directly, on real tokens where Wine can make them, plus the server
 * reached through COM by a normal local client.
 *
 * What Wine 8 can and cannot show (measured on this machine):
 *  - DuplicateTokenEx to each SECURITY_IMPERSONATION_LEVEL gives an impersonation token whose
 *    TokenImpersonationLevel reads back that level: G8 is tested on real tokens.
 *  - No token holding NETWORK (S-1-5-2) or ANONYMOUS LOGON (S-1-5-7) can be made: NtCreateToken
 *    is not exported, LogonUserW(LOGON32_LOGON_NETWORK) returns the fake handle 0xdeadbeef,
 *    ImpersonateAnonymousToken fails (ERROR_INVALID_FUNCTION), restricting SIDs are no
 *    membership. So G9 and the anonymous-user half of G8 are tested on facts (access_decide),
 *    and the token scan behind them (access_token_holds) on groups Wine's token does hold.
 *  - Wine has no COM call context (WINE-NOTES): the server admits every client after deciding
 *    once on its own process token. End to end only the admitted path is observable.
 */
#include "svc_test.h" /* wine_test.h, st_server_pid, st_wait_log, st_env */

#include "server.h"

#define WAIT_MS 30000

/* The process token duplicated as an impersonation token of `level` (TOKEN_QUERY). */
static HANDLE token_at_level(SECURITY_IMPERSONATION_LEVEL level)
{
    HANDLE proc = NULL, dup = NULL;

    assert_true(OpenProcessToken(GetCurrentProcess(), TOKEN_DUPLICATE | TOKEN_QUERY, &proc));
    assert_true(DuplicateTokenEx(proc, TOKEN_QUERY, NULL, level, TokenImpersonation, &dup));
    CloseHandle(proc);
    return dup;
}

/* Facts of a token duplicated at `level`: Wine must report that very level, a local token. */
static HRESULT check_level(SECURITY_IMPERSONATION_LEVEL level)
{
    struct access_facts facts;
    HANDLE token = token_at_level(level);
    HRESULT hr;

    assert_hr(access_facts_from_token(token, &facts), S_OK);
    assert_int_equal(facts.imp_level, (int)level);
    assert_false(facts.remote);
    assert_false(facts.anonymous);
    hr = access_check_token(token);
    assert_hr(access_decide(&facts), hr);
    CloseHandle(token);
    return hr;
}

static PSID well_known(WELL_KNOWN_SID_TYPE type, BYTE buf[SECURITY_MAX_SID_SIZE])
{
    DWORD size = SECURITY_MAX_SID_SIZE;

    assert_true(CreateWellKnownSid(type, NULL, buf, &size));
    return buf;
}

/* ---- G8: impersonation level -------------------------------------------------------------- */

/* Microsoft's "Connecting to the BITS Service": the proxy must use IDENTIFY or IMPERSONATE;
 * IDENTIFY is COM's default when a client never calls CoInitializeSecurity (and all a script
 * host can have), so it is admitted. */
static void G8_identification_level_caller_is_admitted(void **state)
{
    (void)state;
    assert_hr(check_level(SecurityIdentification), S_OK);
}

static void G8_anonymous_level_caller_is_access_denied(void **state)
{
    (void)state;
    assert_hr(check_level(SecurityAnonymous), E_ACCESSDENIED);
}

static void G8_impersonation_level_caller_is_admitted(void **state)
{
    (void)state;
    assert_hr(check_level(SecurityImpersonation), S_OK);
}

static void G8_delegation_level_caller_is_admitted(void **state)
{
    (void)state;
    assert_hr(check_level(SecurityDelegation), S_OK);
}

static void G8_primary_token_is_the_process_user_and_admitted(void **state)
{
    struct access_facts facts;
    HANDLE token;

    (void)state;
    assert_true(OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token));
    assert_hr(access_facts_from_token(token, &facts), S_OK);
    assert_int_equal(facts.imp_level, ACCESS_PRIMARY_TOKEN);
    assert_false(facts.remote);
    assert_hr(access_decide(&facts), S_OK);
    assert_hr(access_check_token(token), S_OK);
    CloseHandle(token);
}

/* Facts only: Wine cannot make an ANONYMOUS LOGON token (header). */
static void G8_anonymous_logon_user_is_access_denied_at_any_level(void **state)
{
    struct access_facts facts = {SecurityImpersonation, FALSE, TRUE};

    (void)state;
    assert_hr(access_decide(&facts), E_ACCESSDENIED);
    facts.imp_level = SecurityDelegation;
    assert_hr(access_decide(&facts), E_ACCESSDENIED);
    facts.imp_level = ACCESS_PRIMARY_TOKEN;
    assert_hr(access_decide(&facts), E_ACCESSDENIED);
}

/* A token that cannot be read is refused, not admitted. */
static void G8_unreadable_token_is_access_denied(void **state)
{
    HANDLE proc, no_query;

    (void)state;
    assert_true(OpenProcessToken(GetCurrentProcess(), TOKEN_DUPLICATE, &proc));
    assert_true(DuplicateHandle(GetCurrentProcess(), proc, GetCurrentProcess(), &no_query, TOKEN_DUPLICATE, FALSE, 0));
    assert_hr(access_check_token(no_query), E_ACCESSDENIED);
    CloseHandle(no_query);
    CloseHandle(proc);
}

/* ---- G9: remote callers ------------------------------------------------------------------- */

/* Facts only: Wine cannot make a token holding NETWORK (header). */
static void G9_remote_caller_is_remote_not_supported_at_every_level(void **state)
{
    struct access_facts facts = {SecurityImpersonation, TRUE, FALSE};

    (void)state;
    assert_hr(access_decide(&facts), BG_E_REMOTE_NOT_SUPPORTED);
    facts.imp_level = SecurityDelegation;
    assert_hr(access_decide(&facts), BG_E_REMOTE_NOT_SUPPORTED);
    /* G9 is decided before G8: an IDENTIFY or anonymous remote caller hears "remote" */
    facts.imp_level = SecurityIdentification;
    assert_hr(access_decide(&facts), BG_E_REMOTE_NOT_SUPPORTED);
    facts.anonymous = TRUE;
    assert_hr(access_decide(&facts), BG_E_REMOTE_NOT_SUPPORTED);
    assert_int_equal((unsigned long)BG_E_REMOTE_NOT_SUPPORTED, 0x80200014ul);
}

/* The token scan behind `remote` and `anonymous`: it finds the user and groups a real token
 * holds (INTERACTIVE, Everyone) and not NETWORK or ANONYMOUS LOGON, which Wine's lacks. */
static void G9_token_scan_finds_held_sids_and_not_network(void **state)
{
    BYTE sid[SECURITY_MAX_SID_SIZE], user_buf[512];
    TOKEN_USER *user = (TOKEN_USER *)user_buf;
    DWORD len = 0;
    HANDLE token = token_at_level(SecurityIdentification);

    (void)state;
    assert_true(access_token_holds(token, (const SID *)well_known(WinInteractiveSid, sid)));
    assert_true(access_token_holds(token, (const SID *)well_known(WinWorldSid, sid)));
    assert_true(GetTokenInformation(token, TokenUser, user_buf, sizeof(user_buf), &len));
    assert_true(access_token_holds(token, (const SID *)user->User.Sid));
    assert_false(access_token_holds(token, (const SID *)well_known(WinNetworkSid, sid)));
    assert_false(access_token_holds(token, (const SID *)well_known(WinAnonymousSid, sid)));
    CloseHandle(token);
}

/* ---- No call context, and the server end to end ------------------------------------------- */

/* Outside a COM call under Wine the process token stands for the caller: a primary token,
 * local, admitted; the same decision every time. */
static void G8_G9_no_call_context_under_wine_decides_on_the_process_token(void **state)
{
    HANDLE token = (HANDLE)1;

    (void)state;
    assert_hr(CoImpersonateClient(), RPC_E_CALL_COMPLETE);
    assert_hr(access_check_caller(), S_OK);
    assert_hr(access_admit_caller(&token), S_OK);
    assert_null(token);
    assert_hr(access_check_activation(), S_OK);
    assert_hr(access_check_caller(), S_OK);
}

/* A normal local client (IMPERSONATE, wt_com_init) is admitted by CreateJob, GetJob and
 * EnumJobs (both filters), and the server's log shows it decided through access.c. */
static void G8_G9_local_impersonate_client_is_admitted_by_the_server(void **state)
{
    IBackgroundCopyManager *mgr;
    IBackgroundCopyJob *job = NULL, *again = NULL;
    IEnumBackgroundCopyJobs *e = NULL;
    GUID id;
    ULONG n = 0;

    (void)state;
    mgr = wt_connect();
    assert_non_null(mgr);
    assert_hr(IBackgroundCopyManager_CreateJob(mgr, L"access", BG_JOB_TYPE_DOWNLOAD, &id, &job), S_OK);
    assert_hr(IBackgroundCopyManager_GetJob(mgr, &id, &again), S_OK);
    assert_hr(IBackgroundCopyManager_EnumJobs(mgr, 0, &e), S_OK);
    assert_hr(IEnumBackgroundCopyJobs_GetCount(e, &n), S_OK);
    assert_true(n >= 1);
    IEnumBackgroundCopyJobs_Release(e);
    assert_hr(IBackgroundCopyManager_EnumJobs(mgr, BG_JOB_ENUM_ALL_USERS, &e), S_OK);
    IEnumBackgroundCopyJobs_Release(e);
    assert_true(st_wait_log(st_env(L"BGC_DATA_DIR"), st_server_pid(),
                            "no COM call context (CoImpersonateClient", WAIT_MS));
    assert_hr(IBackgroundCopyJob_Cancel(job), S_OK);
    IBackgroundCopyJob_Release(again);
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(mgr);
}

static int group_setup(void **state)
{
    (void)state;
    return wt_com_init();
}

static int group_teardown(void **state)
{
    (void)state;
    CoUninitialize();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(G8_identification_level_caller_is_admitted),
        cmocka_unit_test(G8_anonymous_level_caller_is_access_denied),
        cmocka_unit_test(G8_impersonation_level_caller_is_admitted),
        cmocka_unit_test(G8_delegation_level_caller_is_admitted),
        cmocka_unit_test(G8_primary_token_is_the_process_user_and_admitted),
        cmocka_unit_test(G8_anonymous_logon_user_is_access_denied_at_any_level),
        cmocka_unit_test(G8_unreadable_token_is_access_denied),
        cmocka_unit_test(G9_remote_caller_is_remote_not_supported_at_every_level),
        cmocka_unit_test(G9_token_scan_finds_held_sids_and_not_network),
        cmocka_unit_test(G8_G9_no_call_context_under_wine_decides_on_the_process_token),
        cmocka_unit_test(G8_G9_local_impersonate_client_is_admitted_by_the_server),
    };
    return cmocka_run_group_tests_name("wine.test_access", tests, group_setup, group_teardown);
}
