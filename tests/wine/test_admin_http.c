/*
 * test_admin_http.c - bgcopyadmin.exe's HTTP switches against the loopback server:
 * /setcredentials and /removecredentials (a Basic-protected URL transfers only with them),
 * /setproxysettings and /getproxy* (a download of an unresolvable host through the loopback
 * server as proxy), /setsecurityflags /getsecurityflags (a disallowed redirect fails),
 * /setcustomheaders /getcustomheaders, /sethttpmethod /gethttpmethod (a custom verb reaches the
 * server). Effects are checked through COM and through the transfer's outcome.
 */
#include "admin_run.h"

#define HTTP_WAIT_MS 60000

/* Waits until the job is TRANSFERRED or ERROR; returns the state. */
static BG_JOB_STATE wait_final(IBackgroundCopyJob *job)
{
    DWORD start = GetTickCount();
    BG_JOB_STATE st;
    for (;;) {
        st = state_of(job);
        if (st == BG_JOB_STATE_TRANSFERRED || st == BG_JOB_STATE_ERROR || GetTickCount() - start > HTTP_WAIT_MS)
            return st;
        Sleep(100);
    }
}

static HRESULT error_code(IBackgroundCopyJob *job)
{
    IBackgroundCopyError *e = NULL;
    BG_ERROR_CONTEXT ctx;
    HRESULT code = S_OK;
    assert_hr(IBackgroundCopyJob_GetError(job, &e), S_OK);
    assert_hr(IBackgroundCopyError_GetError(e, &ctx, &code), S_OK);
    IBackgroundCopyError_Release(e);
    return code;
}

/* A job with one file from path (on the loopback server). */
static IBackgroundCopyJob *job_with(struct fixture *f, const WCHAR *name, const WCHAR *path, GUID *id, WCHAR *guid)
{
    IBackgroundCopyJob *job = com_job(f, name, id, guid);
    WCHAR url[WT_PATH], local[WT_PATH], key[40];
    wt_format(local, L"%ls\\%ls.bin", wt_test_dir(f->dir, L"cli-http"), wt_unique(key));
    assert_hr(IBackgroundCopyJob_AddFile(job, wt_url(url, path), local), S_OK);
    return job;
}

static void setcredentials_lets_basic_auth_download_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    WCHAR guid[39];
    GUID id;

    job = job_with(f, L"bgc-cli-cred", L"/auth/basic/alice/s3cret/gen/2000?seed=51", &id, guid);
    admin(f, L"/setcredentials %ls SERVER BASIC alice s3cret", guid);
    assert_exit(&f->run, 0);
    assert_stdout_is(&f->run, "Credentials set (SERVER BASIC).\r\n");
    assert_output_lacks(&f->run, "s3cret");
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_int_equal(wait_final(job), BG_JOB_STATE_TRANSFERRED);
    IBackgroundCopyJob_Release(job);
}

static void removecredentials_makes_auth_fail_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    IBackgroundCopyJob2 *job2 = NULL;
    BG_AUTH_CREDENTIALS cred;
    WCHAR guid[39];
    GUID id;

    job = job_with(f, L"bgc-cli-uncred", L"/auth/basic/bob/pw/gen/2000?seed=52", &id, guid);
    memset(&cred, 0, sizeof(cred));
    cred.Target = BG_AUTH_TARGET_SERVER;
    cred.Scheme = BG_AUTH_SCHEME_BASIC;
    cred.Credentials.Basic.UserName = (WCHAR *)L"bob";
    cred.Credentials.Basic.Password = (WCHAR *)L"pw";
    assert_hr(IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJob2, (void **)&job2), S_OK);
    assert_hr(IBackgroundCopyJob2_SetCredentials(job2, &cred), S_OK);
    IBackgroundCopyJob2_Release(job2);
    admin(f, L"/removecredentials %ls server basic", guid);
    assert_exit(&f->run, 0);
    assert_output_has(&f->run, "Credentials removed");
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_int_equal(wait_final(job), BG_JOB_STATE_ERROR);
    assert_hr(error_code(job), 0x80190191); /* BG_E_HTTP_ERROR_401: no credentials left */
    IBackgroundCopyJob_Release(job);
}

static void setproxysettings_routes_through_proxy_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    BG_JOB_PROXY_USAGE usage;
    WCHAR guid[39], local[WT_PATH], proxy[64], *list = NULL, *bypass = NULL;
    char proxy8[80];
    GUID id;

    job = com_job(f, L"bgc-cli-proxy", &id, guid);
    wt_format(local, L"%ls\\proxied.bin", wt_test_dir(f->dir, L"cli-proxy"));
    assert_hr(IBackgroundCopyJob_AddFile(job, L"http://bgc-proxy.invalid/gen/3000?seed=53", local), S_OK);
    swprintf(proxy, 64, L"127.0.0.1:%ls", wt_env(L"BGC_HTTP_PORT"));
    admin(f, L"/setproxysettings %ls OVERRIDE %ls NULL", guid, proxy);
    assert_exit(&f->run, 0);
    assert_stdout_is(&f->run, "Proxy usage set to OVERRIDE.\r\n");
    assert_hr(IBackgroundCopyJob_GetProxySettings(job, &usage, &list, &bypass), S_OK);
    assert_int_equal(usage, BG_JOB_PROXY_USAGE_OVERRIDE);
    assert_true(wcscmp(list, proxy) == 0);
    assert_null(bypass);
    CoTaskMemFree(list);
    CoTaskMemFree(bypass);

    admin(f, L"/getproxyusage %ls", guid);
    assert_exit(&f->run, 0);
    assert_stdout_is(&f->run, "OVERRIDE\r\n");
    admin(f, L"/getproxylist %ls", guid);
    snprintf(proxy8, sizeof(proxy8), "%ls\r\n", proxy);
    assert_stdout_is(&f->run, proxy8);
    admin(f, L"/getproxybypasslist %ls", guid);
    assert_exit(&f->run, 0);
    assert_stdout_is(&f->run, "\r\n");
    admin(f, L"/getproxybypasslist %ls /json", guid);
    assert_output_has(&f->run, "\"proxyBypassList\":null}");

    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_int_equal(wait_final(job), BG_JOB_STATE_TRANSFERRED); /* bgc-proxy.invalid never resolves */
    assert_hr(IBackgroundCopyJob_Complete(job), S_OK);
    wt_assert_file_is_testdata(local, 53, 3000);

    admin(f, L"/setproxysettings %ls NO_PROXY", guid); /* acknowledged job: the server's error */
    assert_exit(&f->run, 1);
    IBackgroundCopyJob_Release(job);
}

static void setproxysettings_no_proxy_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    BG_JOB_PROXY_USAGE usage;
    WCHAR guid[39], *list = NULL, *bypass = NULL;
    GUID id;

    job = com_job(f, L"bgc-cli-noproxy", &id, guid);
    admin(f, L"/setproxysettings %ls no_proxy", guid);
    assert_exit(&f->run, 0);
    assert_hr(IBackgroundCopyJob_GetProxySettings(job, &usage, &list, &bypass), S_OK);
    assert_int_equal(usage, BG_JOB_PROXY_USAGE_NO_PROXY);
    CoTaskMemFree(list);
    CoTaskMemFree(bypass);
    admin(f, L"/getproxyusage %ls /json", guid);
    assert_output_has(&f->run, "\"proxyUsage\":\"NO_PROXY\"}");
    IBackgroundCopyJob_Release(job);
}

static void setsecurityflags_disallows_redirect_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    IBackgroundCopyJobHttpOptions *http = NULL;
    WCHAR guid[39], path[WT_PATH];
    ULONG flags = 0;
    GUID id;

    wt_format(path, L"/redirect?code=307&to=%%2Fgen%%2F1000");
    job = job_with(f, L"bgc-cli-secflags", path, &id, guid);
    admin(f, L"/setsecurityflags %ls 0x200", guid); /* BG_HTTP_REDIRECT_POLICY_DISALLOW */
    assert_exit(&f->run, 0);
    assert_stdout_is(&f->run, "Security flags set to 512 (0x0200).\r\n");
    assert_hr(IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJobHttpOptions, (void **)&http), S_OK);
    assert_hr(IBackgroundCopyJobHttpOptions_GetSecurityFlags(http, &flags), S_OK);
    assert_int_equal(flags, 0x200);
    IBackgroundCopyJobHttpOptions_Release(http);
    admin(f, L"/getsecurityflags %ls", guid);
    assert_exit(&f->run, 0);
    assert_stdout_is(&f->run, "512\r\n");
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_int_equal(wait_final(job), BG_JOB_STATE_ERROR);
    assert_hr(error_code(job), HRESULT_FROM_WIN32(307));
    IBackgroundCopyJob_Release(job);
}

static void setcustomheaders_round_trip_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    IBackgroundCopyJobHttpOptions *http = NULL;
    WCHAR guid[39], *headers = NULL;
    GUID id;

    job = com_job(f, L"bgc-cli-headers", &id, guid);
    admin(f, L"/setcustomheaders %ls \"X-One: 1\" \"X-Two: two words\"", guid);
    assert_exit(&f->run, 0);
    assert_stdout_is(&f->run, "Custom headers set (2).\r\n");
    assert_hr(IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJobHttpOptions, (void **)&http), S_OK);
    assert_hr(IBackgroundCopyJobHttpOptions_GetCustomHeaders(http, &headers), S_OK);
    assert_non_null(headers);
    assert_true(wcsncmp(headers, L"X-One: 1\r\nX-Two: two words", 26) == 0);
    CoTaskMemFree(headers);
    headers = NULL;
    admin(f, L"/getcustomheaders %ls", guid);
    assert_exit(&f->run, 0);
    assert_stdout_is(&f->run, "X-One: 1\r\nX-Two: two words\r\n");
    admin(f, L"/getcustomheaders %ls /json", guid);
    assert_output_has(&f->run, "\"customHeaders\":[\"X-One: 1\",\"X-Two: two words\"]}");
    admin(f, L"/setcustomheaders %ls NoColonHere", guid);
    assert_exit(&f->run, 2);
    admin(f, L"/setcustomheaders %ls NULL", guid);
    assert_exit(&f->run, 0);
    assert_hr(IBackgroundCopyJobHttpOptions_GetCustomHeaders(http, &headers), S_FALSE); /* none set */
    assert_null(headers);
    admin(f, L"/getcustomheaders %ls", guid);
    assert_exit(&f->run, 0);
    assert_stdout_is(&f->run, "");
    IBackgroundCopyJobHttpOptions_Release(http);
    IBackgroundCopyJob_Release(job);
}

static void sethttpmethod_sends_the_verb_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job, *plain;
    IBackgroundCopyJobHttpOptions2 *http = NULL;
    WCHAR guid[39], guid2[39], *method = NULL;
    GUID id, id2;

    job = job_with(f, L"bgc-cli-method", L"/gen/1500?seed=54&anymethod=1", &id, guid);
    admin(f, L"/gethttpmethod %ls", guid);
    assert_exit(&f->run, 0);
    assert_stdout_is(&f->run, "GET\r\n");
    admin(f, L"/sethttpmethod %ls PROPFIND", guid);
    assert_exit(&f->run, 0);
    assert_stdout_is(&f->run, "HTTP method set to PROPFIND.\r\n");
    assert_hr(IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJobHttpOptions2, (void **)&http), S_OK);
    assert_hr(IBackgroundCopyJobHttpOptions2_GetHttpMethod(http, &method), S_OK);
    assert_true(wcscmp(method, L"PROPFIND") == 0);
    CoTaskMemFree(method);
    IBackgroundCopyJobHttpOptions2_Release(http);
    admin(f, L"/gethttpmethod %ls /json", guid);
    assert_output_has(&f->run, "\"httpMethod\":\"PROPFIND\"}");
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_int_equal(wait_final(job), BG_JOB_STATE_TRANSFERRED);

    /* Without anymethod the server answers 405 to the verb: it really was sent. */
    plain = job_with(f, L"bgc-cli-method-405", L"/gen/1500?seed=55", &id2, guid2);
    admin(f, L"/sethttpmethod %ls PROPFIND", guid2);
    assert_exit(&f->run, 0);
    assert_hr(IBackgroundCopyJob_Resume(plain), S_OK);
    assert_int_equal(wait_final(plain), BG_JOB_STATE_ERROR);
    assert_hr(error_code(plain), 0x80190195); /* BG_E_HTTP_ERROR_405 */
    IBackgroundCopyJob_Release(plain);
    IBackgroundCopyJob_Release(job);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(setcredentials_lets_basic_auth_download_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(removecredentials_makes_auth_fail_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(setproxysettings_routes_through_proxy_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(setproxysettings_no_proxy_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(setsecurityflags_disallows_redirect_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(setcustomheaders_round_trip_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(sethttpmethod_sends_the_verb_cli, setup, teardown),
    };
    return cmocka_run_group_tests_name("wine.test_admin_http", tests, group_setup, group_teardown);
}
