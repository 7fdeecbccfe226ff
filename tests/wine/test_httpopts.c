/*
 * test_httpopts.c - the COM surface of IBackgroundCopyJobHttpOptions..3 and of the proxy and
 * credential methods of IBackgroundCopyJob/Job2, through the real out-of-process server:
 * documented HRESULTs and defaults (bits-behavior 2.2, 2.3, 2.10), client certificates from
 * the CurrentUser store, and real transfers (an authenticated download whose password must
 * not reach bgcopysvc.log (X16), a download through a proxy, invalid proxy info, DISALLOW).
 *
 * Runs under tests/wine/wine-run.sh; the loopback test server doubles as a forward proxy
 * (tests/httpd/httpd_proxy.c), so http://bgc-proxy.invalid/... works only through it.
 */
#include "wine_test.h"

#include <wincrypt.h>

#define WAIT_MS 60000
#define MAX_JOBS 8

#define HR_BAD_STUB HRESULT_FROM_WIN32(RPC_X_BAD_STUB_DATA)
#define HR_NOT_SUPPORTED_WITH_CUSTOM_METHOD ((HRESULT)0x80200071L)
#define HR_INVALID_PROXY_INFO ((HRESULT)0x8020003FL)
#define HR_INVALID_AUTH_TARGET ((HRESULT)0x80200027L)
#define HR_INVALID_AUTH_SCHEME ((HRESULT)0x80200028L)
#define HR_USERNAME_TOO_LARGE ((HRESULT)0x80200025L)
#define HR_PASSWORD_TOO_LARGE ((HRESULT)0x80200026L)
#define HR_PROXY_LIST_TOO_LARGE ((HRESULT)0x80200018L)
#define HR_BYPASS_LIST_TOO_LARGE ((HRESULT)0x80200019L)

static IBackgroundCopyManager *g_mgr;

struct fixture {
    IBackgroundCopyJob *jobs[MAX_JOBS]; /* cancelled and released at teardown */
    int njobs;
    WCHAR dir[WT_PATH];                 /* this test's directory */
};

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
    *state = calloc(1, sizeof(struct fixture));
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    for (int i = 0; i < f->njobs; i++) {
        BG_JOB_STATE st;
        if (SUCCEEDED(IBackgroundCopyJob_GetState(f->jobs[i], &st)) && st != BG_JOB_STATE_ACKNOWLEDGED &&
            st != BG_JOB_STATE_CANCELLED)
            IBackgroundCopyJob_Cancel(f->jobs[i]);
        IBackgroundCopyJob_Release(f->jobs[i]);
    }
    free(f);
    return 0;
}

static IBackgroundCopyJob *new_job(struct fixture *f)
{
    IBackgroundCopyJob *job = NULL;
    GUID id;
    assert_true(f->njobs < MAX_JOBS);
    assert_hr(IBackgroundCopyManager_CreateJob(g_mgr, L"bgc httpopts", BG_JOB_TYPE_DOWNLOAD, &id, &job), S_OK);
    f->jobs[f->njobs++] = job;
    return job;
}

static IBackgroundCopyJobHttpOptions3 *http3(IBackgroundCopyJob *job)
{
    IBackgroundCopyJobHttpOptions3 *h = NULL;
    assert_hr(IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJobHttpOptions3, (void **)&h), S_OK);
    return h;
}

static IBackgroundCopyJob2 *job2(IBackgroundCopyJob *job)
{
    IBackgroundCopyJob2 *j = NULL;
    assert_hr(IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJob2, (void **)&j), S_OK);
    return j;
}

static WCHAR *wrepeat(WCHAR c, size_t n)
{
    WCHAR *s = malloc((n + 1) * sizeof(WCHAR));
    assert_non_null(s);
    for (size_t i = 0; i < n; i++)
        s[i] = c;
    s[n] = 0;
    return s;
}

/* Polls until the job is TRANSFERRED or ERROR (bounded); returns the state. */
static BG_JOB_STATE wait_done(IBackgroundCopyJob *job)
{
    ULONGLONG end = GetTickCount64() + WAIT_MS;
    BG_JOB_STATE st;
    for (;;) {
        assert_hr(IBackgroundCopyJob_GetState(job, &st), S_OK);
        if (st == BG_JOB_STATE_TRANSFERRED || st == BG_JOB_STATE_ERROR || GetTickCount64() >= end)
            return st;
        Sleep(50);
    }
}

static HRESULT job_error_code(IBackgroundCopyJob *job, WCHAR remote[WT_PATH])
{
    IBackgroundCopyError *err = NULL;
    IBackgroundCopyFile *file = NULL;
    BG_ERROR_CONTEXT ctx;
    HRESULT code = S_OK;
    WCHAR *name = NULL;

    assert_hr(IBackgroundCopyJob_GetError(job, &err), S_OK);
    assert_hr(IBackgroundCopyError_GetError(err, &ctx, &code), S_OK);
    if (remote) {
        assert_hr(IBackgroundCopyError_GetFile(err, &file), S_OK);
        assert_hr(IBackgroundCopyFile_GetRemoteName(file, &name), S_OK);
        lstrcpynW(remote, name, WT_PATH);
        CoTaskMemFree(name);
        IBackgroundCopyFile_Release(file);
    }
    IBackgroundCopyError_Release(err);
    return code;
}

/* ---- COM surface ---------------------------------------------------------------------- */

/* 2.10: custom headers, write-only headers (HttpOptions3). */
static void custom_headers_and_write_only(void **state)
{
    IBackgroundCopyJob *job = new_job(*state);
    IBackgroundCopyJobHttpOptions3 *h = http3(job);
    WCHAR *got = (WCHAR *)1, *big = wrepeat(L'a', 16384), *ok = wrepeat(L'b', 16383);

    assert_hr(IBackgroundCopyJobHttpOptions3_GetCustomHeaders(h, &got), S_FALSE);
    assert_null(got);
    assert_hr(IBackgroundCopyJobHttpOptions3_SetCustomHeaders(h, big), BG_E_STRING_TOO_LONG);
    assert_hr(IBackgroundCopyJobHttpOptions3_SetCustomHeaders(h, ok), S_OK);
    assert_hr(IBackgroundCopyJobHttpOptions3_SetCustomHeaders(h, L"X-One: 1\r\nX-Two: 2\r\n"), S_OK);
    assert_hr(IBackgroundCopyJobHttpOptions3_GetCustomHeaders(h, &got), S_OK);
    assert_non_null(got);
    assert_true(wcscmp(got, L"X-One: 1\r\nX-Two: 2\r\n") == 0);
    CoTaskMemFree(got);
    assert_hr(IBackgroundCopyJobHttpOptions3_SetCustomHeaders(h, NULL), S_OK);
    assert_hr(IBackgroundCopyJobHttpOptions3_GetCustomHeaders(h, &got), S_FALSE);
    assert_hr(IBackgroundCopyJobHttpOptions3_SetCustomHeaders(h, L"X-Key: secret\r\n"), S_OK);
    assert_hr(IBackgroundCopyJobHttpOptions3_MakeCustomHeadersWriteOnly(h), S_OK);
    got = NULL;
    assert_hr(IBackgroundCopyJobHttpOptions3_GetCustomHeaders(h, &got), E_ACCESSDENIED);
    assert_null(got);
    assert_hr(IBackgroundCopyJobHttpOptions3_MakeCustomHeadersWriteOnly(h), S_OK);
    IBackgroundCopyJobHttpOptions3_Release(h);
    free(big);
    free(ok);
}

/* 2.10: security flags and HTTP method (HttpOptions2) with its priority lock. */
static void security_flags_and_http_method(void **state)
{
    IBackgroundCopyJob *job = new_job(*state);
    IBackgroundCopyJobHttpOptions3 *h = http3(job);
    ULONG flags = 7;
    WCHAR *m = NULL;
    BG_JOB_PRIORITY prio;

    assert_hr(IBackgroundCopyJobHttpOptions3_GetSecurityFlags(h, &flags), S_OK);
    assert_int_equal(flags, 0);
    assert_hr(IBackgroundCopyJobHttpOptions3_SetSecurityFlags(h, 0x20), E_NOTIMPL);
    assert_hr(IBackgroundCopyJobHttpOptions3_SetSecurityFlags(h, BG_HTTP_REDIRECT_POLICY_ALLOW_REPORT |
                                                                     BG_SSL_IGNORE_UNKNOWN_CA),
              S_OK);
    assert_hr(IBackgroundCopyJobHttpOptions3_GetSecurityFlags(h, &flags), S_OK);
    assert_int_equal(flags, BG_HTTP_REDIRECT_POLICY_ALLOW_REPORT | BG_SSL_IGNORE_UNKNOWN_CA);

    assert_hr(IBackgroundCopyJobHttpOptions3_GetHttpMethod(h, &m), S_OK);
    assert_true(m && wcscmp(m, L"GET") == 0);
    CoTaskMemFree(m);
    assert_hr(IBackgroundCopyJobHttpOptions3_SetHttpMethod(h, L"GET"), S_OK);
    assert_hr(IBackgroundCopyJob_SetPriority(job, BG_JOB_PRIORITY_LOW), S_OK);
    assert_hr(IBackgroundCopyJobHttpOptions3_SetHttpMethod(h, L"PUT"), S_OK);
    assert_hr(IBackgroundCopyJob_GetPriority(job, &prio), S_OK);
    assert_int_equal(prio, BG_JOB_PRIORITY_FOREGROUND);
    assert_hr(IBackgroundCopyJob_SetPriority(job, BG_JOB_PRIORITY_NORMAL), HR_NOT_SUPPORTED_WITH_CUSTOM_METHOD);
    assert_hr(IBackgroundCopyJobHttpOptions3_GetHttpMethod(h, &m), S_OK);
    assert_true(m && wcscmp(m, L"PUT") == 0);
    CoTaskMemFree(m);
    IBackgroundCopyJobHttpOptions3_Release(h);
}

/* 2.10: client certificates by ID and by name, with the store and certificate checks. */
static void client_certificate_by_id_and_name(void **state)
{
    IBackgroundCopyJob *job = new_job(*state);
    IBackgroundCopyJobHttpOptions3 *h = http3(job);
    BYTE zero[20] = {0}, hash[20], *got_hash = NULL;
    DWORD hash_size = sizeof(hash);
    BYTE name_buf[256];
    CERT_NAME_BLOB subject = {0, name_buf};
    const CERT_CONTEXT *cert, *added = NULL;
    HCERTSTORE my;
    BG_CERT_STORE_LOCATION loc;
    WCHAR *store = NULL, *subj = NULL, *longname = wrepeat(L'S', 256);

    assert_hr(IBackgroundCopyJobHttpOptions3_GetClientCertificate(h, &loc, &store, &got_hash, &subj), HR_BAD_STUB);
    assert_hr(IBackgroundCopyJobHttpOptions3_RemoveClientCertificate(h), S_FALSE);
    assert_hr(IBackgroundCopyJobHttpOptions3_SetClientCertificateByID(h, (BG_CERT_STORE_LOCATION)8, L"MY", zero),
              E_NOTIMPL);
    assert_hr(IBackgroundCopyJobHttpOptions3_SetClientCertificateByID(h, BG_CERT_STORE_LOCATION_CURRENT_USER, longname,
                                                                     zero),
              BG_E_STRING_TOO_LONG);
    assert_hr(IBackgroundCopyJobHttpOptions3_SetClientCertificateByID(h, BG_CERT_STORE_LOCATION_CURRENT_USER,
                                                                     L"bgcNoSuchStore", zero),
              HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));

    /* A self-signed certificate in CurrentUser\MY (the server runs as the same user). */
    subject.cbData = sizeof(name_buf);
    assert_true(CertStrToNameW(X509_ASN_ENCODING, L"CN=bgc-test-client", CERT_X500_NAME_STR, NULL, name_buf,
                               &subject.cbData, NULL));
    cert = CertCreateSelfSignCertificate(0, &subject, 0, NULL, NULL, NULL, NULL, NULL);
    if (!cert) {
        print_error("CertCreateSelfSignCertificate failed: %lu\n", (unsigned long)GetLastError());
        fail();
    }
    my = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, CERT_SYSTEM_STORE_CURRENT_USER, L"MY");
    assert_non_null(my);
    assert_true(CertAddCertificateContextToStore(my, cert, CERT_STORE_ADD_REPLACE_EXISTING, &added));
    assert_true(CertGetCertificateContextProperty(added, CERT_SHA1_HASH_PROP_ID, hash, &hash_size));
    /* Closing the store commits it (Wine keeps system stores in the registry). */
    CertFreeCertificateContext(added);
    CertCloseStore(my, 0);

    assert_hr(IBackgroundCopyJobHttpOptions3_SetClientCertificateByID(h, BG_CERT_STORE_LOCATION_CURRENT_USER, L"MY",
                                                                     zero),
              CRYPT_E_NOT_FOUND);
    assert_hr(IBackgroundCopyJobHttpOptions3_SetClientCertificateByID(h, BG_CERT_STORE_LOCATION_CURRENT_USER, L"MY",
                                                                     hash),
              S_OK);
    assert_hr(IBackgroundCopyJobHttpOptions3_GetClientCertificate(h, &loc, &store, &got_hash, &subj), S_OK);
    assert_int_equal(loc, BG_CERT_STORE_LOCATION_CURRENT_USER);
    assert_true(store && wcscmp(store, L"MY") == 0);
    assert_non_null(got_hash);
    assert_memory_equal(got_hash, hash, 20);
    assert_null(subj);
    CoTaskMemFree(store);
    CoTaskMemFree(got_hash);

    assert_hr(IBackgroundCopyJobHttpOptions3_SetClientCertificateByName(h, BG_CERT_STORE_LOCATION_CURRENT_USER, L"MY",
                                                                       L"no-such-subject-bgc"),
              CRYPT_E_NOT_FOUND);
    assert_hr(IBackgroundCopyJobHttpOptions3_SetClientCertificateByName(h, BG_CERT_STORE_LOCATION_CURRENT_USER, L"MY",
                                                                       L"bgc-test-client"),
              S_OK);
    store = subj = NULL;
    got_hash = NULL;
    assert_hr(IBackgroundCopyJobHttpOptions3_GetClientCertificate(h, &loc, &store, &got_hash, &subj), S_OK);
    assert_true(subj && wcscmp(subj, L"bgc-test-client") == 0);
    assert_memory_equal(got_hash, hash, 20);
    CoTaskMemFree(store);
    CoTaskMemFree(subj);
    CoTaskMemFree(got_hash);
    assert_hr(IBackgroundCopyJobHttpOptions3_RemoveClientCertificate(h), S_OK);
    assert_hr(IBackgroundCopyJobHttpOptions3_RemoveClientCertificate(h), S_FALSE);

    my = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, CERT_SYSTEM_STORE_CURRENT_USER, L"MY");
    if (my) {
        CRYPT_HASH_BLOB blob = {20, hash};
        added = CertFindCertificateInStore(my, X509_ASN_ENCODING, 0, CERT_FIND_SHA1_HASH, &blob, NULL);
        if (added)
            CertDeleteCertificateFromStore(added); /* frees `added` */
        CertCloseStore(my, 0);
    }
    CertFreeCertificateContext(cert);
    IBackgroundCopyJobHttpOptions3_Release(h);
    free(longname);
}

/* 2.3: SetCredentials / RemoveCredentials error codes. */
static void credentials_errors(void **state)
{
    IBackgroundCopyJob *job = new_job(*state);
    IBackgroundCopyJob2 *j2 = job2(job);
    BG_AUTH_CREDENTIALS c;
    WCHAR *longuser = wrepeat(L'u', 301), *longpass = wrepeat(L'p', 65536);

    memset(&c, 0, sizeof(c));
    c.Target = (BG_AUTH_TARGET)3;
    c.Scheme = BG_AUTH_SCHEME_BASIC;
    c.Credentials.Basic.UserName = (WCHAR *)L"u";
    c.Credentials.Basic.Password = (WCHAR *)L"p";
    assert_hr(IBackgroundCopyJob2_SetCredentials(j2, &c), HR_INVALID_AUTH_TARGET);
    c.Target = BG_AUTH_TARGET_SERVER;
    c.Scheme = BG_AUTH_SCHEME_PASSPORT;
    assert_hr(IBackgroundCopyJob2_SetCredentials(j2, &c), HR_INVALID_AUTH_SCHEME);
    c.Scheme = BG_AUTH_SCHEME_BASIC;
    c.Credentials.Basic.UserName = longuser;
    assert_hr(IBackgroundCopyJob2_SetCredentials(j2, &c), HR_USERNAME_TOO_LARGE);
    c.Credentials.Basic.UserName = (WCHAR *)L"u";
    c.Credentials.Basic.Password = longpass;
    assert_hr(IBackgroundCopyJob2_SetCredentials(j2, &c), HR_PASSWORD_TOO_LARGE);
    c.Credentials.Basic.Password = NULL;
    assert_hr(IBackgroundCopyJob2_SetCredentials(j2, &c), E_INVALIDARG);
    c.Scheme = BG_AUTH_SCHEME_NTLM;
    c.Credentials.Basic.UserName = NULL;
    assert_hr(IBackgroundCopyJob2_SetCredentials(j2, &c), S_OK); /* implicit credentials */
    assert_hr(IBackgroundCopyJob2_RemoveCredentials(j2, BG_AUTH_TARGET_PROXY, BG_AUTH_SCHEME_NTLM), S_FALSE);
    assert_hr(IBackgroundCopyJob2_RemoveCredentials(j2, BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_NTLM), S_OK);
    assert_hr(IBackgroundCopyJob2_RemoveCredentials(j2, BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_NTLM), S_FALSE);
    assert_hr(IBackgroundCopyJob2_RemoveCredentials(j2, (BG_AUTH_TARGET)0, BG_AUTH_SCHEME_NTLM),
              HR_INVALID_AUTH_TARGET);
    IBackgroundCopyJob2_Release(j2);
    free(longuser);
    free(longpass);
}

/* 2.2: SetProxySettings / GetProxySettings. */
static void proxy_settings_errors_and_round_trip(void **state)
{
    IBackgroundCopyJob *job = new_job(*state);
    BG_JOB_PROXY_USAGE usage = (BG_JOB_PROXY_USAGE)9;
    WCHAR *list = (WCHAR *)1, *bypass = (WCHAR *)1, *big = wrepeat(L'h', 4001);

    assert_hr(IBackgroundCopyJob_GetProxySettings(job, &usage, &list, &bypass), S_OK);
    assert_int_equal(usage, BG_JOB_PROXY_USAGE_PRECONFIG);
    assert_null(list);
    assert_null(bypass);
    assert_hr(IBackgroundCopyJob_SetProxySettings(job, (BG_JOB_PROXY_USAGE)4, NULL, NULL), E_NOTIMPL);
    assert_hr(IBackgroundCopyJob_SetProxySettings(job, BG_JOB_PROXY_USAGE_OVERRIDE, NULL, NULL), E_INVALIDARG);
    assert_hr(IBackgroundCopyJob_SetProxySettings(job, BG_JOB_PROXY_USAGE_NO_PROXY, L"p:1", NULL), E_INVALIDARG);
    assert_hr(IBackgroundCopyJob_SetProxySettings(job, BG_JOB_PROXY_USAGE_OVERRIDE, big, NULL), HR_PROXY_LIST_TOO_LARGE);
    assert_hr(IBackgroundCopyJob_SetProxySettings(job, BG_JOB_PROXY_USAGE_OVERRIDE, L"p:1", big),
              HR_BYPASS_LIST_TOO_LARGE);
    assert_hr(IBackgroundCopyJob_SetProxySettings(job, BG_JOB_PROXY_USAGE_OVERRIDE, L"proxy.example:8080", L"<local>"),
              S_OK);
    assert_hr(IBackgroundCopyJob_GetProxySettings(job, &usage, &list, &bypass), S_OK);
    assert_int_equal(usage, BG_JOB_PROXY_USAGE_OVERRIDE);
    assert_true(list && wcscmp(list, L"proxy.example:8080") == 0);
    assert_true(bypass && wcscmp(bypass, L"<local>") == 0);
    CoTaskMemFree(list);
    CoTaskMemFree(bypass);
    free(big);
}

/* ---- transfers ------------------------------------------------------------------------- */

/* Reads bgcopysvc.log (DataDir from the harness) into a malloc'd NUL-terminated buffer. */
static char *read_server_log(void)
{
    WCHAR dir[WT_PATH], path[WT_PATH];
    HANDLE fh;
    DWORD size, got = 0;
    char *buf;

    assert_true(GetEnvironmentVariableW(L"BGC_DATA_DIR", dir, WT_PATH) > 0);
    wt_format(path, L"%ls\\bgcopysvc.log", dir);
    fh = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                     0, NULL);
    assert_true(fh != INVALID_HANDLE_VALUE);
    size = GetFileSize(fh, NULL);
    buf = malloc(size + 1);
    assert_non_null(buf);
    assert_true(ReadFile(fh, buf, size, &got, NULL));
    buf[got] = 0;
    CloseHandle(fh);
    return buf;
}

/* R3, X16: a Basic-authenticated download through COM; the password never reaches the log. */
static void X16_authenticated_download_keeps_the_password_out_of_the_log(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job = new_job(f);
    IBackgroundCopyJob2 *j2 = job2(job);
    IBackgroundCopyJobHttpOptions3 *h = http3(job);
    BG_AUTH_CREDENTIALS c;
    WCHAR url[WT_PATH], local[WT_PATH];
    char *log;

    /* The URL carries the password percent-encoded ("Zq8-Secret!"), so the log holds the
     * URL but must not hold the password itself. */
    wt_url(url, L"/auth/basic/alice/%5A%71%38%2D%53%65%63%72%65%74%21/gen/20000?seed=9");
    wt_format(local, L"%ls\\auth.bin", wt_test_dir(f->dir, L"auth"));
    assert_hr(IBackgroundCopyJob_AddFile(job, url, local), S_OK);
    memset(&c, 0, sizeof(c));
    c.Target = BG_AUTH_TARGET_SERVER;
    c.Scheme = BG_AUTH_SCHEME_BASIC;
    c.Credentials.Basic.UserName = (WCHAR *)L"alice";
    c.Credentials.Basic.Password = (WCHAR *)L"Zq8-Secret!";
    assert_hr(IBackgroundCopyJob2_SetCredentials(j2, &c), S_OK);
    assert_hr(IBackgroundCopyJobHttpOptions3_SetCustomHeaders(h, L"X-Api-Key: Hdr-Secret-77\r\n"), S_OK);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_int_equal(wait_done(job), BG_JOB_STATE_TRANSFERRED);
    assert_hr(IBackgroundCopyJob_Complete(job), S_OK);
    wt_assert_file_is_testdata(local, 9, 20000);
    log = read_server_log();
    assert_non_null(strstr(log, "target 1, scheme 1")); /* the server traced the call */
    assert_null(strstr(log, "Zq8-Secret!"));
    assert_null(strstr(log, "Hdr-Secret-77"));
    free(log);
    IBackgroundCopyJobHttpOptions3_Release(h);
    IBackgroundCopyJob2_Release(j2);
}

/* R3: wrong credentials -> ERROR with BG_E_HTTP_ERROR_401. */
static void R3_rejected_credentials_give_http_401(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job = new_job(f);
    IBackgroundCopyJob2 *j2 = job2(job);
    BG_AUTH_CREDENTIALS c;
    WCHAR url[WT_PATH], local[WT_PATH];

    wt_url(url, L"/auth/digest/bob/right/gen/1000");
    wt_format(local, L"%ls\\401.bin", wt_test_dir(f->dir, L"auth401"));
    assert_hr(IBackgroundCopyJob_AddFile(job, url, local), S_OK);
    memset(&c, 0, sizeof(c));
    c.Target = BG_AUTH_TARGET_SERVER;
    c.Scheme = BG_AUTH_SCHEME_DIGEST;
    c.Credentials.Basic.UserName = (WCHAR *)L"bob";
    c.Credentials.Basic.Password = (WCHAR *)L"wrong";
    assert_hr(IBackgroundCopyJob2_SetCredentials(j2, &c), S_OK);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_int_equal(wait_done(job), BG_JOB_STATE_ERROR);
    assert_hr(job_error_code(job, NULL), (HRESULT)0x80190191L);
    IBackgroundCopyJob2_Release(j2);
}

/* 2.2 OVERRIDE: a host that does not resolve is reached through the proxy. */
static void proxy_override_download(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job = new_job(f);
    WCHAR proxy[64], local[WT_PATH];

    wt_format(proxy, L"127.0.0.1:%ls", wt_env(L"BGC_HTTP_PORT"));
    wt_format(local, L"%ls\\proxied.bin", wt_test_dir(f->dir, L"proxy"));
    assert_hr(IBackgroundCopyJob_AddFile(job, L"http://bgc-proxy.invalid/gen/30000?seed=11", local), S_OK);
    assert_hr(IBackgroundCopyJob_SetProxySettings(job, BG_JOB_PROXY_USAGE_OVERRIDE, proxy, L"<local>"), S_OK);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_int_equal(wait_done(job), BG_JOB_STATE_TRANSFERRED);
    assert_hr(IBackgroundCopyJob_Complete(job), S_OK);
    wt_assert_file_is_testdata(local, 11, 30000);
}

/* 2.2 PRECONFIG: the user's WinHTTP/IE settings are used. They are written the way Internet
 * Options stores them (HKCU ...\Internet Settings\Connections, DefaultConnectionSettings:
 * version 0x46, flags PROXY_TYPE_PROXY, then length-prefixed proxy, bypass and PAC URL). */
static void preconfig_uses_the_users_proxy_settings(void **state)
{
    static const WCHAR key_path[] = L"Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections";
    struct fixture *f = *state;
    IBackgroundCopyJob *job = new_job(f);
    WCHAR local[WT_PATH], port[16];
    BYTE blob[128];
    DWORD hdr[3] = {0x46, 0, 2}, len, off = 0;
    char proxy[64];
    HKEY key;

    assert_true(GetEnvironmentVariableW(L"BGC_HTTP_PORT", port, ARRAYSIZE(port)) > 0);
    snprintf(proxy, sizeof(proxy), "127.0.0.1:%ls", port);
    memcpy(blob, hdr, sizeof(hdr));
    off = sizeof(hdr);
    len = (DWORD)strlen(proxy);
    memcpy(blob + off, &len, 4);
    memcpy(blob + off + 4, proxy, len);
    off += 4 + len;
    memset(blob + off, 0, 8); /* empty bypass list, no PAC URL */
    off += 8;
    assert_int_equal(RegCreateKeyExW(HKEY_CURRENT_USER, key_path, 0, NULL, 0, KEY_ALL_ACCESS, NULL, &key, NULL), 0);
    assert_int_equal(RegSetValueExW(key, L"DefaultConnectionSettings", 0, REG_BINARY, blob, off), 0);

    wt_format(local, L"%ls\\pre.bin", wt_test_dir(f->dir, L"preconfig"));
    assert_hr(IBackgroundCopyJob_AddFile(job, L"http://bgc-preconfig.invalid/gen/4000?seed=13", local), S_OK);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK); /* default usage: PRECONFIG */
    assert_int_equal(wait_done(job), BG_JOB_STATE_TRANSFERRED);
    RegDeleteValueW(key, L"DefaultConnectionSettings");
    RegCloseKey(key);
    assert_hr(IBackgroundCopyJob_Complete(job), S_OK);
    wt_assert_file_is_testdata(local, 13, 4000);
}

/* 2.2, R3: an invalid proxy list is found at transfer time: ERROR BG_E_INVALID_PROXY_INFO. */
static void invalid_proxy_info_is_an_error(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job = new_job(f);
    WCHAR url[WT_PATH], local[WT_PATH];

    wt_url(url, L"/gen/1000");
    wt_format(local, L"%ls\\badproxy.bin", wt_test_dir(f->dir, L"badproxy"));
    assert_hr(IBackgroundCopyJob_AddFile(job, url, local), S_OK);
    assert_hr(IBackgroundCopyJob_SetProxySettings(job, BG_JOB_PROXY_USAGE_OVERRIDE, L"host:70000", NULL), S_OK);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_int_equal(wait_done(job), BG_JOB_STATE_ERROR);
    assert_hr(job_error_code(job, NULL), HR_INVALID_PROXY_INFO);
}

/* F17 DISALLOW: ERROR with HRESULT_FROM_WIN32(status); the file's remote name is the target. */
static void F17_disallowed_redirect(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job = new_job(f);
    IBackgroundCopyJobHttpOptions3 *h = http3(job);
    WCHAR url[WT_PATH], target[WT_PATH], local[WT_PATH], remote[WT_PATH];

    wt_url(target, L"/gen/1000/after-redirect");
    wt_format(url, L"http://127.0.0.1:%ls/redirect?code=307&to=%%2Fgen%%2F1000%%2Fafter-redirect",
              wt_env(L"BGC_HTTP_PORT"));
    wt_format(local, L"%ls\\redir.bin", wt_test_dir(f->dir, L"redir"));
    assert_hr(IBackgroundCopyJob_AddFile(job, url, local), S_OK);
    assert_hr(IBackgroundCopyJobHttpOptions3_SetSecurityFlags(h, BG_HTTP_REDIRECT_POLICY_DISALLOW), S_OK);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_int_equal(wait_done(job), BG_JOB_STATE_ERROR);
    assert_hr(job_error_code(job, remote), HRESULT_FROM_WIN32(307));
    assert_true(wcscmp(remote, target) == 0);
    IBackgroundCopyJobHttpOptions3_Release(h);
}

/* ---- HttpOptions3 server certificate validation callback ------------------------------------ */

struct cert_cb {
    IBackgroundCopyServerCertificateValidationCallback iface;
    LONG ref;
    LONG calls;          /* ValidateServerCertificate calls */
    HRESULT answer;      /* what it returns */
    DWORD cert_length;   /* the last certificate's length */
    BOOL cert_parses;    /* CertCreateCertificateContext accepted it */
    BOOL cn_ok;          /* its subject names 127.0.0.1 */
    BOOL have_job_file;  /* job and file arrived */
};

static struct cert_cb *cert_cb_from(IBackgroundCopyServerCertificateValidationCallback *iface)
{
    return CONTAINING_RECORD(iface, struct cert_cb, iface);
}

static HRESULT WINAPI CertCb_QueryInterface(IBackgroundCopyServerCertificateValidationCallback *iface, REFIID riid,
                                            void **ppv)
{
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IBackgroundCopyServerCertificateValidationCallback)) {
        *ppv = iface;
        IBackgroundCopyServerCertificateValidationCallback_AddRef(iface);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI CertCb_AddRef(IBackgroundCopyServerCertificateValidationCallback *iface)
{
    return (ULONG)InterlockedIncrement(&cert_cb_from(iface)->ref);
}

static ULONG WINAPI CertCb_Release(IBackgroundCopyServerCertificateValidationCallback *iface)
{
    struct cert_cb *c = cert_cb_from(iface);
    LONG ref = InterlockedDecrement(&c->ref);
    if (!ref)
        free(c);
    return (ULONG)ref;
}

static HRESULT WINAPI CertCb_Validate(IBackgroundCopyServerCertificateValidationCallback *iface, IBackgroundCopyJob *job,
                                      IBackgroundCopyFile *file, DWORD len, const BYTE *data, DWORD encoding,
                                      DWORD store_len, const BYTE *store)
{
    struct cert_cb *c = cert_cb_from(iface);
    const CERT_CONTEXT *cert = CertCreateCertificateContext(encoding, data, len);
    WCHAR name[128] = L"";

    (void)store_len;
    (void)store;
    c->cert_length = len;
    c->cert_parses = cert != NULL;
    if (cert) {
        CertGetNameStringW(cert, CERT_NAME_ATTR_TYPE, 0, (void *)szOID_COMMON_NAME, name, ARRAYSIZE(name));
        c->cn_ok = wcscmp(name, L"127.0.0.1") == 0;
        CertFreeCertificateContext(cert);
    }
    c->have_job_file = job != NULL && file != NULL;
    InterlockedIncrement(&c->calls);
    return c->answer;
}

static const IBackgroundCopyServerCertificateValidationCallbackVtbl cert_cb_vtbl = {
    CertCb_QueryInterface,
    CertCb_AddRef,
    CertCb_Release,
    CertCb_Validate,
};

static struct cert_cb *cert_cb_new(HRESULT answer)
{
    struct cert_cb *c = calloc(1, sizeof(*c));
    assert_non_null(c);
    c->iface.lpVtbl = (IBackgroundCopyServerCertificateValidationCallbackVtbl *)&cert_cb_vtbl;
    c->ref = 1;
    c->answer = answer;
    return c;
}

/* An object with IUnknown only. */
static HRESULT WINAPI Plain_QueryInterface(IUnknown *iface, REFIID riid, void **ppv)
{
    if (IsEqualIID(riid, &IID_IUnknown)) {
        *ppv = iface;
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}
static ULONG WINAPI Plain_AddRef(IUnknown *iface) { (void)iface; return 2; }
static ULONG WINAPI Plain_Release(IUnknown *iface) { (void)iface; return 1; }
static const IUnknownVtbl plain_vtbl = {Plain_QueryInterface, Plain_AddRef, Plain_Release};

static WCHAR *https_url(WCHAR *out, const WCHAR *path)
{
    WCHAR port[16];
    DWORD n = GetEnvironmentVariableW(L"BGC_HTTPS_PORT", port, ARRAYSIZE(port));
    assert_true(n > 0 && n < ARRAYSIZE(port));
    return wt_format(out, L"https://127.0.0.1:%ls%ls", port, path);
}

/* 2.10: NULL removes; an object without the interface -> E_NOINTERFACE; an active job ->
 * BG_E_READ_ONLY_WHEN_JOB_ACTIVE. */
static void cert_callback_set_rules(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job = new_job(f);
    IBackgroundCopyJobHttpOptions3 *h = http3(job);
    IUnknown plain = {(IUnknownVtbl *)&plain_vtbl};
    struct cert_cb *cb = cert_cb_new(S_OK);
    WCHAR url[WT_PATH], local[WT_PATH];

    assert_hr(IBackgroundCopyJobHttpOptions3_SetServerCertificateValidationInterface(h, NULL), S_OK);
    assert_hr(IBackgroundCopyJobHttpOptions3_SetServerCertificateValidationInterface(h, &plain), E_NOINTERFACE);
    wt_url(url, L"/gen/1000?delay=3000");
    wt_format(local, L"%ls\\active.bin", wt_test_dir(f->dir, L"certactive"));
    assert_hr(IBackgroundCopyJob_AddFile(job, url, local), S_OK);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_hr(IBackgroundCopyJobHttpOptions3_SetServerCertificateValidationInterface(h, (IUnknown *)&cb->iface),
              (HRESULT)0x80200075L);
    assert_hr(IBackgroundCopyJob_Suspend(job), S_OK);
    assert_hr(IBackgroundCopyJobHttpOptions3_SetServerCertificateValidationInterface(h, (IUnknown *)&cb->iface), S_OK);
    assert_hr(IBackgroundCopyJobHttpOptions3_SetServerCertificateValidationInterface(h, NULL), S_OK);
    IBackgroundCopyServerCertificateValidationCallback_Release(&cb->iface);
    IBackgroundCopyJobHttpOptions3_Release(h);
}

/* 2.10: over HTTPS the callback sees the server certificate; S_OK lets the download finish. */
static void cert_callback_accepts_https_download(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job = new_job(f);
    IBackgroundCopyJobHttpOptions3 *h = http3(job);
    struct cert_cb *cb = cert_cb_new(S_OK);
    WCHAR url[WT_PATH], local[WT_PATH];

    https_url(url, L"/gen/50000?seed=12");
    wt_format(local, L"%ls\\tls.bin", wt_test_dir(f->dir, L"certok"));
    assert_hr(IBackgroundCopyJob_AddFile(job, url, local), S_OK);
    assert_hr(IBackgroundCopyJobHttpOptions3_SetSecurityFlags(h, BG_SSL_IGNORE_UNKNOWN_CA), S_OK);
    assert_hr(IBackgroundCopyJobHttpOptions3_SetServerCertificateValidationInterface(h, (IUnknown *)&cb->iface), S_OK);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_int_equal(wait_done(job), BG_JOB_STATE_TRANSFERRED);
    assert_int_equal(cb->calls, 1);
    assert_true(cb->cert_length > 100);
    assert_true(cb->cert_parses);
    assert_true(cb->cn_ok);
    assert_true(cb->have_job_file);
    assert_hr(IBackgroundCopyJob_Complete(job), S_OK);
    wt_assert_file_is_testdata(local, 12, 50000);
    IBackgroundCopyServerCertificateValidationCallback_Release(&cb->iface);
    IBackgroundCopyJobHttpOptions3_Release(h);
}

/* 2.10: a rejection -> TRANSIENT_ERROR, context SERVER_CERTIFICATE_CALLBACK, the callback's code. */
static void cert_callback_rejection_is_transient(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job = new_job(f);
    IBackgroundCopyJobHttpOptions3 *h = http3(job);
    struct cert_cb *cb = cert_cb_new((HRESULT)0x80040222L);
    IBackgroundCopyError *err = NULL;
    BG_ERROR_CONTEXT ctx;
    HRESULT code;
    WCHAR url[WT_PATH], local[WT_PATH];

    https_url(url, L"/gen/1000");
    wt_format(local, L"%ls\\rej.bin", wt_test_dir(f->dir, L"certrej"));
    assert_hr(IBackgroundCopyJob_AddFile(job, url, local), S_OK);
    assert_hr(IBackgroundCopyJobHttpOptions3_SetSecurityFlags(h, BG_SSL_IGNORE_UNKNOWN_CA), S_OK);
    assert_hr(IBackgroundCopyJobHttpOptions3_SetServerCertificateValidationInterface(h, (IUnknown *)&cb->iface), S_OK);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_int_equal(wt_wait_state(job, BG_JOB_STATE_TRANSIENT_ERROR, WAIT_MS), BG_JOB_STATE_TRANSIENT_ERROR);
    assert_hr(IBackgroundCopyJob_GetError(job, &err), S_OK);
    assert_hr(IBackgroundCopyError_GetError(err, &ctx, &code), S_OK);
    assert_int_equal(ctx, 8); /* BG_ERROR_CONTEXT_SERVER_CERTIFICATE_CALLBACK */
    assert_hr(code, (HRESULT)0x80040222L);
    IBackgroundCopyError_Release(err);
    assert_true(cb->calls >= 1);
    assert_hr(IBackgroundCopyJob_Suspend(job), S_OK);
    IBackgroundCopyServerCertificateValidationCallback_Release(&cb->iface);
    IBackgroundCopyJobHttpOptions3_Release(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(custom_headers_and_write_only, setup, teardown),
        cmocka_unit_test_setup_teardown(security_flags_and_http_method, setup, teardown),
        cmocka_unit_test_setup_teardown(client_certificate_by_id_and_name, setup, teardown),
        cmocka_unit_test_setup_teardown(credentials_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(proxy_settings_errors_and_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(X16_authenticated_download_keeps_the_password_out_of_the_log, setup, teardown),
        cmocka_unit_test_setup_teardown(R3_rejected_credentials_give_http_401, setup, teardown),
        cmocka_unit_test_setup_teardown(proxy_override_download, setup, teardown),
        cmocka_unit_test_setup_teardown(preconfig_uses_the_users_proxy_settings, setup, teardown),
        cmocka_unit_test_setup_teardown(invalid_proxy_info_is_an_error, setup, teardown),
        cmocka_unit_test_setup_teardown(F17_disallowed_redirect, setup, teardown),
        cmocka_unit_test_setup_teardown(cert_callback_set_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(cert_callback_accepts_https_download, setup, teardown),
        cmocka_unit_test_setup_teardown(cert_callback_rejection_is_transient, setup, teardown),
    };
    return cmocka_run_group_tests_name("httpopts", tests, group_setup, group_teardown);
}
