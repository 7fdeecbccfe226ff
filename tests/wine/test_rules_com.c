/*
 * test_rules_com.c - bits-behavior.md rules of the COM surface that no other test asserted
 * (inventory: tests/RULES.md): G1 CoTaskMem ownership of [out] strings, G2 NULL [out] pointers
 * of the interfaces beyond IBackgroundCopyJob, G3 every setter on both final states, G4 values
 * outside every enumeration/flag setter, G5 QueryInterface tables, G7 ModificationTime per
 * event, E1-E3 enumerators, R11-R13 error objects, F8 file times, and the §2.2/§2.3
 * per-method rows (defaults, NULL clears, download jobs answering the upload-reply methods),
 * and L4's held error object.
 *
 * Every test is one behaviour; table-driven groups get one named test per row
 * (`G3_<Method>_on_<state>_job`, `G4_<Method>_<value>`, `G2_<Method>_null`).
 *
 * Invariants of the fixtures:
 *  1. Each test works on jobs it created; teardown cancels every job still non-final.
 *  2. No test needs the network except G7 byte progress and the TRD/ACK prestates, which use
 *     the loopback test server's /gen endpoint (small bodies, bounded waits).
 */
#include "wine_test.h"

#ifndef BG_E_FILE_NOT_AVAILABLE
#define BG_E_FILE_NOT_AVAILABLE ((HRESULT)0x80200004L)
#endif
#ifndef BG_E_PROTOCOL_NOT_AVAILABLE
#define BG_E_PROTOCOL_NOT_AVAILABLE ((HRESULT)0x80200005L)
#endif
#ifndef BG_E_PROXY_LIST_TOO_LARGE
#define BG_E_PROXY_LIST_TOO_LARGE ((HRESULT)0x80200018L)
#endif
#ifndef BG_E_PROXY_BYPASS_LIST_TOO_LARGE
#define BG_E_PROXY_BYPASS_LIST_TOO_LARGE ((HRESULT)0x80200019L)
#endif

static IBackgroundCopyManager *g_mgr; /* the program's connection to the server */

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

/* ---- helpers -------------------------------------------------------------------------- */

static IBackgroundCopyJob *new_job(const WCHAR *name)
{
    IBackgroundCopyJob *job = NULL;
    GUID id;
    assert_hr(IBackgroundCopyManager_CreateJob(g_mgr, name, BG_JOB_TYPE_DOWNLOAD, &id, &job), S_OK);
    return job;
}

static void *qi(void *unk, REFIID iid)
{
    void *out = NULL;
    assert_hr(IUnknown_QueryInterface((IUnknown *)unk, iid, &out), S_OK);
    assert_non_null(out);
    return out;
}

static void finish(IBackgroundCopyJob *job)
{
    BG_JOB_STATE st;
    if (SUCCEEDED(IBackgroundCopyJob_GetState(job, &st)) && st != BG_JOB_STATE_CANCELLED &&
        st != BG_JOB_STATE_ACKNOWLEDGED)
        IBackgroundCopyJob_Cancel(job);
    IBackgroundCopyJob_Release(job);
}

/* Adds BGC_TEMP_DIR\rules\<leaf> <- /gen/<size> to job. */
static void add_gen_file(IBackgroundCopyJob *job, const WCHAR *leaf, unsigned size)
{
    WCHAR dir[WT_PATH], local[WT_PATH], path[64], url[WT_PATH];
    wt_test_dir(dir, L"rules");
    wt_format(local, L"%ls\\%ls", dir, leaf);
    swprintf(path, 64, L"/gen/%u", size);
    wt_url(url, path);
    assert_hr(IBackgroundCopyJob_AddFile(job, url, local), S_OK);
}

/* The first file of job (AddRef'd). */
static IBackgroundCopyFile *first_file(IBackgroundCopyJob *job)
{
    IEnumBackgroundCopyFiles *e = NULL;
    IBackgroundCopyFile *file = NULL;
    ULONG got = 0;
    assert_hr(IBackgroundCopyJob_EnumFiles(job, &e), S_OK);
    assert_hr(IEnumBackgroundCopyFiles_Next(e, 1, &file, &got), S_OK);
    assert_int_equal(got, 1);
    IEnumBackgroundCopyFiles_Release(e);
    return file;
}

static ULONGLONG ft64(FILETIME ft)
{
    return ((ULONGLONG)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
}

/* A minimal IBackgroundCopyCallback: every method answers S_OK (N3). */
struct cb {
    IBackgroundCopyCallback iface;
    LONG ref;
};
static HRESULT WINAPI cb_qi(IBackgroundCopyCallback *iface, REFIID riid, void **out)
{
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IBackgroundCopyCallback)) {
        *out = iface;
        IBackgroundCopyCallback_AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}
static ULONG WINAPI cb_addref(IBackgroundCopyCallback *iface)
{
    return (ULONG)InterlockedIncrement(&((struct cb *)iface)->ref);
}
static ULONG WINAPI cb_release(IBackgroundCopyCallback *iface)
{
    return (ULONG)InterlockedDecrement(&((struct cb *)iface)->ref); /* static object */
}
static HRESULT WINAPI cb_transferred(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job)
{
    (void)iface;
    (void)job;
    return S_OK;
}
static HRESULT WINAPI cb_error(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job, IBackgroundCopyError *err)
{
    (void)iface;
    (void)job;
    (void)err;
    return S_OK;
}
static HRESULT WINAPI cb_modification(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job, DWORD reserved)
{
    (void)iface;
    (void)job;
    (void)reserved;
    return S_OK;
}
static IBackgroundCopyCallbackVtbl cb_vtbl = { cb_qi, cb_addref, cb_release, cb_transferred, cb_error,
                                               cb_modification };
static struct cb g_cb = { { &cb_vtbl }, 1 };

/* ---- G1: [out] strings are CoTaskMemAlloc'd ------------------------------------------- */

/* Asserts that p came from the COM task allocator, then frees it with CoTaskMemFree. */
static void assert_cotaskmem(const char *what, void *p)
{
    IMalloc *m = NULL;
    int did;
    assert_non_null(p);
    assert_hr(CoGetMalloc(1, &m), S_OK);
    did = IMalloc_DidAlloc(m, p);
    IMalloc_Release(m);
    if (did != 1)
        print_error("%s: IMalloc::DidAlloc = %d\n", what, did);
    assert_int_equal(did, 1);
    CoTaskMemFree(p);
}

static void G1_job_string_getters_return_cotaskmem(void **state)
{
    IBackgroundCopyJob *job = new_job(L"bgc rules G1 job");
    IBackgroundCopyJob2 *j2 = qi(job, &IID_IBackgroundCopyJob2);
    WCHAR *s = NULL, *a = NULL, *b = NULL;
    BG_JOB_PROXY_USAGE usage;
    (void)state;
    assert_hr(IBackgroundCopyJob_GetDisplayName(job, &s), S_OK);
    assert_cotaskmem("GetDisplayName", s);
    assert_hr(IBackgroundCopyJob_GetDescription(job, &s), S_OK);
    assert_cotaskmem("GetDescription", s);
    assert_hr(IBackgroundCopyJob_GetOwner(job, &s), S_OK);
    assert_cotaskmem("GetOwner", s);
    assert_hr(IBackgroundCopyJob_SetProxySettings(job, BG_JOB_PROXY_USAGE_OVERRIDE, L"127.0.0.1:1", L"<local>"), S_OK);
    assert_hr(IBackgroundCopyJob_GetProxySettings(job, &usage, &a, &b), S_OK);
    assert_cotaskmem("GetProxySettings list", a);
    assert_cotaskmem("GetProxySettings bypass", b);
    assert_hr(IBackgroundCopyJob2_GetNotifyCmdLine(j2, &a, &b), S_OK);
    assert_cotaskmem("GetNotifyCmdLine program", a);
    assert_cotaskmem("GetNotifyCmdLine parameters", b);
    IBackgroundCopyJob2_Release(j2);
    finish(job);
}

static void G1_file_and_manager_strings_return_cotaskmem(void **state)
{
    IBackgroundCopyJob *job = new_job(L"bgc rules G1 file");
    IBackgroundCopyFile *file;
    IBackgroundCopyJobHttpOptions *h;
    WCHAR *s = NULL;
    (void)state;
    add_gen_file(job, L"g1.bin", 100);
    file = first_file(job);
    assert_hr(IBackgroundCopyFile_GetRemoteName(file, &s), S_OK);
    assert_cotaskmem("GetRemoteName", s);
    assert_hr(IBackgroundCopyFile_GetLocalName(file, &s), S_OK);
    assert_cotaskmem("GetLocalName", s);
    assert_hr(IBackgroundCopyManager_GetErrorDescription(g_mgr, BG_E_NOT_FOUND, 0x409, &s), S_OK);
    assert_cotaskmem("Manager::GetErrorDescription", s);
    h = qi(job, &IID_IBackgroundCopyJobHttpOptions);
    assert_hr(IBackgroundCopyJobHttpOptions_SetCustomHeaders(h, L"X-Rule: G1\r\n"), S_OK);
    assert_hr(IBackgroundCopyJobHttpOptions_GetCustomHeaders(h, &s), S_OK);
    assert_cotaskmem("GetCustomHeaders", s);
    IBackgroundCopyJobHttpOptions_Release(h);
    IBackgroundCopyFile_Release(file);
    finish(job);
}

/* ---- G2: NULL [out] pointers of Job2..Job4, HttpOptions, File, enumerators ------------- */

struct null_ctx {
    IBackgroundCopyJob *job;
    IBackgroundCopyFile *file;
};
struct null_row {
    const char *name;
    HRESULT (*call)(struct null_ctx *c);
};

static HRESULT n_job2(struct null_ctx *c, int which)
{
    IBackgroundCopyJob2 *j2 = qi(c->job, &IID_IBackgroundCopyJob2);
    WCHAR *s = NULL;
    BG_JOB_REPLY_PROGRESS rp;
    HRESULT hr;
    switch (which) {
    case 0: hr = IBackgroundCopyJob2_GetNotifyCmdLine(j2, NULL, &s); break;
    case 1: hr = IBackgroundCopyJob2_GetNotifyCmdLine(j2, &s, NULL); break;
    default: hr = IBackgroundCopyJob2_GetReplyProgress(j2, which == 2 ? NULL : &rp); break;
    }
    IBackgroundCopyJob2_Release(j2);
    return hr;
}
static HRESULT n_cmdline_prog(struct null_ctx *c) { return n_job2(c, 0); }
static HRESULT n_cmdline_params(struct null_ctx *c) { return n_job2(c, 1); }
static HRESULT n_reply_progress(struct null_ctx *c) { return n_job2(c, 2); }

static HRESULT n_proxy(struct null_ctx *c)
{
    LPWSTR l = NULL, b = NULL;
    return IBackgroundCopyJob_GetProxySettings(c->job, NULL, &l, &b);
}
static HRESULT n_acl(struct null_ctx *c)
{
    IBackgroundCopyJob3 *j3 = qi(c->job, &IID_IBackgroundCopyJob3);
    HRESULT hr = IBackgroundCopyJob3_GetFileACLFlags(j3, NULL);
    IBackgroundCopyJob3_Release(j3);
    return hr;
}
static HRESULT n_maxtime(struct null_ctx *c)
{
    IBackgroundCopyJob4 *j4 = qi(c->job, &IID_IBackgroundCopyJob4);
    HRESULT hr = IBackgroundCopyJob4_GetMaximumDownloadTime(j4, NULL);
    IBackgroundCopyJob4_Release(j4);
    return hr;
}
static HRESULT n_property(struct null_ctx *c)
{
    IBackgroundCopyJob5 *j5 = qi(c->job, &IID_IBackgroundCopyJob5);
    HRESULT hr = IBackgroundCopyJob5_GetProperty(j5, BITS_JOB_PROPERTY_ID_COST_FLAGS, NULL);
    IBackgroundCopyJob5_Release(j5);
    return hr;
}
static HRESULT n_headers(struct null_ctx *c)
{
    IBackgroundCopyJobHttpOptions *h = qi(c->job, &IID_IBackgroundCopyJobHttpOptions);
    HRESULT hr = IBackgroundCopyJobHttpOptions_GetCustomHeaders(h, NULL);
    IBackgroundCopyJobHttpOptions_Release(h);
    return hr;
}
static HRESULT n_secflags(struct null_ctx *c)
{
    IBackgroundCopyJobHttpOptions *h = qi(c->job, &IID_IBackgroundCopyJobHttpOptions);
    HRESULT hr = IBackgroundCopyJobHttpOptions_GetSecurityFlags(h, NULL);
    IBackgroundCopyJobHttpOptions_Release(h);
    return hr;
}
static HRESULT n_method(struct null_ctx *c)
{
    IBackgroundCopyJobHttpOptions2 *h = qi(c->job, &IID_IBackgroundCopyJobHttpOptions2);
    HRESULT hr = IBackgroundCopyJobHttpOptions2_GetHttpMethod(h, NULL);
    IBackgroundCopyJobHttpOptions2_Release(h);
    return hr;
}
static HRESULT n_remote(struct null_ctx *c) { return IBackgroundCopyFile_GetRemoteName(c->file, NULL); }
static HRESULT n_local(struct null_ctx *c) { return IBackgroundCopyFile_GetLocalName(c->file, NULL); }
static HRESULT n_fprogress(struct null_ctx *c) { return IBackgroundCopyFile_GetProgress(c->file, NULL); }
static HRESULT n_tempname(struct null_ctx *c)
{
    IBackgroundCopyFile3 *f3 = qi(c->file, &IID_IBackgroundCopyFile3);
    HRESULT hr = IBackgroundCopyFile3_GetTemporaryName(f3, NULL);
    IBackgroundCopyFile3_Release(f3);
    return hr;
}
static HRESULT n_validation(struct null_ctx *c)
{
    IBackgroundCopyFile3 *f3 = qi(c->file, &IID_IBackgroundCopyFile3);
    HRESULT hr = IBackgroundCopyFile3_GetValidationState(f3, NULL);
    IBackgroundCopyFile3_Release(f3);
    return hr;
}
static HRESULT n_enum_count(struct null_ctx *c)
{
    IEnumBackgroundCopyFiles *e = NULL;
    HRESULT hr;
    assert_hr(IBackgroundCopyJob_EnumFiles(c->job, &e), S_OK);
    hr = IEnumBackgroundCopyFiles_GetCount(e, NULL);
    IEnumBackgroundCopyFiles_Release(e);
    return hr;
}
static HRESULT n_enum_clone(struct null_ctx *c)
{
    IEnumBackgroundCopyJobs *e = NULL;
    HRESULT hr;
    (void)c;
    assert_hr(IBackgroundCopyManager_EnumJobs(g_mgr, 0, &e), S_OK);
    hr = IEnumBackgroundCopyJobs_Clone(e, NULL);
    IEnumBackgroundCopyJobs_Release(e);
    return hr;
}

static const struct null_row null_rows[] = {
    { "G2_GetProxySettings_usage_null", n_proxy },
    { "G2_Job2_GetNotifyCmdLine_program_null", n_cmdline_prog },
    { "G2_Job2_GetNotifyCmdLine_parameters_null", n_cmdline_params },
    { "G2_Job2_GetReplyProgress_null", n_reply_progress },
    { "G2_Job3_GetFileACLFlags_null", n_acl },
    { "G2_Job4_GetMaximumDownloadTime_null", n_maxtime },
    { "G2_Job5_GetProperty_null", n_property },
    { "G2_HttpOptions_GetCustomHeaders_null", n_headers },
    { "G2_HttpOptions_GetSecurityFlags_null", n_secflags },
    { "G2_HttpOptions2_GetHttpMethod_null", n_method },
    { "G2_File_GetRemoteName_null", n_remote },
    { "G2_File_GetLocalName_null", n_local },
    { "G2_File_GetProgress_null", n_fprogress },
    { "G2_File3_GetTemporaryName_null", n_tempname },
    { "G2_File3_GetValidationState_null", n_validation },
    { "G2_EnumFiles_GetCount_null", n_enum_count },
    { "G2_EnumJobs_Clone_null", n_enum_clone },
};

/* G2: the proxy rejects a NULL [ref] pointer (RPC_X_NULL_REF_POINTER) or the server answers
 * E_INVALIDARG (which one Windows clients see is unconfirmed); GetReplyProgress on a download
 * job may answer E_NOTIMPL first (2.3). Never a crash: the job still answers afterwards. */
static void G2_null_out_pointer(void **state)
{
    const struct null_row *row = *state;
    struct null_ctx c;
    BG_JOB_STATE st;
    HRESULT hr;
    c.job = new_job(L"bgc rules G2");
    add_gen_file(c.job, L"g2.bin", 100);
    c.file = first_file(c.job);
    hr = row->call(&c);
    if (hr != WT_HR_NULL_REF && hr != E_INVALIDARG &&
        !(row->call == n_reply_progress && hr == E_NOTIMPL)) {
        print_error("%s returned 0x%08lx\n", row->name, (unsigned long)hr);
        fail();
    }
    assert_hr(IBackgroundCopyJob_GetState(c.job, &st), S_OK);
    assert_int_equal(st, BG_JOB_STATE_SUSPENDED);
    IBackgroundCopyFile_Release(c.file);
    finish(c.job);
}

/* ---- G3: every setter on a final job --------------------------------------------------- */

struct g3_ctx {
    IBackgroundCopyJob *job;
    IBackgroundCopyFile *file;
};
struct g3_row {
    const char *name;
    HRESULT (*call)(struct g3_ctx *c);
};

static HRESULT s_name(struct g3_ctx *c) { return IBackgroundCopyJob_SetDisplayName(c->job, L"x"); }
static HRESULT s_desc(struct g3_ctx *c) { return IBackgroundCopyJob_SetDescription(c->job, L"x"); }
static HRESULT s_prio(struct g3_ctx *c) { return IBackgroundCopyJob_SetPriority(c->job, BG_JOB_PRIORITY_HIGH); }
static HRESULT s_flags(struct g3_ctx *c) { return IBackgroundCopyJob_SetNotifyFlags(c->job, 0x1); }
static HRESULT s_iface(struct g3_ctx *c)
{
    return IBackgroundCopyJob_SetNotifyInterface(c->job, (IUnknown *)&g_cb.iface);
}
static HRESULT s_retry(struct g3_ctx *c) { return IBackgroundCopyJob_SetMinimumRetryDelay(c->job, 60); }
static HRESULT s_noprog(struct g3_ctx *c) { return IBackgroundCopyJob_SetNoProgressTimeout(c->job, 60); }
static HRESULT s_proxy(struct g3_ctx *c)
{
    return IBackgroundCopyJob_SetProxySettings(c->job, BG_JOB_PROXY_USAGE_NO_PROXY, NULL, NULL);
}
static HRESULT s_take(struct g3_ctx *c) { return IBackgroundCopyJob_TakeOwnership(c->job); }
static HRESULT s_addfile(struct g3_ctx *c)
{
    WCHAR dir[WT_PATH], local[WT_PATH], url[WT_PATH];
    wt_format(local, L"%ls\\g3add.bin", wt_test_dir(dir, L"rules"));
    return IBackgroundCopyJob_AddFile(c->job, wt_url(url, L"/gen/10"), local);
}
static HRESULT s_addset(struct g3_ctx *c)
{
    WCHAR dir[WT_PATH], local[WT_PATH], url[WT_PATH];
    BG_FILE_INFO fi;
    fi.LocalName = wt_format(local, L"%ls\\g3set.bin", wt_test_dir(dir, L"rules"));
    fi.RemoteName = wt_url(url, L"/gen/10");
    return IBackgroundCopyJob_AddFileSet(c->job, 1, &fi);
}
static HRESULT with_j2(struct g3_ctx *c, int which)
{
    IBackgroundCopyJob2 *j2 = qi(c->job, &IID_IBackgroundCopyJob2);
    BG_AUTH_CREDENTIALS cred;
    HRESULT hr;
    memset(&cred, 0, sizeof(cred));
    cred.Target = BG_AUTH_TARGET_SERVER;
    cred.Scheme = BG_AUTH_SCHEME_BASIC;
    cred.Credentials.Basic.UserName = (LPWSTR)L"u";
    cred.Credentials.Basic.Password = (LPWSTR)L"p";
    switch (which) {
    case 0:
        hr = IBackgroundCopyJob2_SetNotifyCmdLine(j2, L"C:\\windows\\system32\\cmd.exe", L"cmd.exe /c exit 0");
        break;
    case 1: hr = IBackgroundCopyJob2_SetCredentials(j2, &cred); break;
    default: hr = IBackgroundCopyJob2_RemoveCredentials(j2, BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_BASIC); break;
    }
    IBackgroundCopyJob2_Release(j2);
    return hr;
}
static HRESULT s_cmdline(struct g3_ctx *c) { return with_j2(c, 0); }
static HRESULT s_cred(struct g3_ctx *c) { return with_j2(c, 1); }
static HRESULT s_rmcred(struct g3_ctx *c) { return with_j2(c, 2); }
static HRESULT with_j3(struct g3_ctx *c, int which)
{
    IBackgroundCopyJob3 *j3 = qi(c->job, &IID_IBackgroundCopyJob3);
    WCHAR dir[WT_PATH], local[WT_PATH], url[WT_PATH];
    BG_FILE_RANGE r = { 0, 5 };
    HRESULT hr;
    switch (which) {
    case 0: hr = IBackgroundCopyJob3_ReplaceRemotePrefix(j3, L"http://", L"https://"); break;
    case 1:
        wt_format(local, L"%ls\\g3rng.bin", wt_test_dir(dir, L"rules"));
        hr = IBackgroundCopyJob3_AddFileWithRanges(j3, wt_url(url, L"/gen/10"), local, 1, &r);
        break;
    default: hr = IBackgroundCopyJob3_SetFileACLFlags(j3, BG_COPY_FILE_DACL); break;
    }
    IBackgroundCopyJob3_Release(j3);
    return hr;
}
static HRESULT s_prefix(struct g3_ctx *c) { return with_j3(c, 0); }
static HRESULT s_ranges(struct g3_ctx *c) { return with_j3(c, 1); }
static HRESULT s_acl(struct g3_ctx *c) { return with_j3(c, 2); }
static HRESULT with_j4(struct g3_ctx *c, int which)
{
    IBackgroundCopyJob4 *j4 = qi(c->job, &IID_IBackgroundCopyJob4);
    HRESULT hr = which == 0 ? IBackgroundCopyJob4_SetPeerCachingFlags(j4, 0x4)
                            : IBackgroundCopyJob4_SetMaximumDownloadTime(j4, 60);
    IBackgroundCopyJob4_Release(j4);
    return hr;
}
static HRESULT s_peer(struct g3_ctx *c) { return with_j4(c, 0); }
static HRESULT s_maxtime(struct g3_ctx *c) { return with_j4(c, 1); }
static HRESULT with_j5(struct g3_ctx *c, BITS_JOB_PROPERTY_ID id)
{
    IBackgroundCopyJob5 *j5 = qi(c->job, &IID_IBackgroundCopyJob5);
    BITS_JOB_PROPERTY_VALUE v;
    HRESULT hr;
    memset(&v, 0, sizeof(v));
    v.Dword = 1000;
    hr = IBackgroundCopyJob5_SetProperty(j5, id, v);
    IBackgroundCopyJob5_Release(j5);
    return hr;
}
static HRESULT s_p_interval(struct g3_ctx *c) { return with_j5(c, BITS_JOB_PROPERTY_MINIMUM_NOTIFICATION_INTERVAL_MS); }
static HRESULT s_p_cost(struct g3_ctx *c) { return with_j5(c, BITS_JOB_PROPERTY_ID_COST_FLAGS); }
static HRESULT with_http(struct g3_ctx *c, int which)
{
    IBackgroundCopyJobHttpOptions2 *h = qi(c->job, &IID_IBackgroundCopyJobHttpOptions2);
    BYTE hash[20] = { 0 };
    HRESULT hr;
    switch (which) {
    case 0: hr = IBackgroundCopyJobHttpOptions2_SetCustomHeaders(h, L"X-A: b\r\n"); break;
    case 1: hr = IBackgroundCopyJobHttpOptions2_SetSecurityFlags(h, BG_SSL_IGNORE_UNKNOWN_CA); break;
    case 2:
        hr = IBackgroundCopyJobHttpOptions2_SetClientCertificateByID(h, BG_CERT_STORE_LOCATION_CURRENT_USER, L"MY",
                                                                      hash);
        break;
    case 3:
        hr = IBackgroundCopyJobHttpOptions2_SetClientCertificateByName(h, BG_CERT_STORE_LOCATION_CURRENT_USER, L"MY",
                                                                        L"CN=bgcopy");
        break;
    case 4: hr = IBackgroundCopyJobHttpOptions2_RemoveClientCertificate(h); break;
    default: hr = IBackgroundCopyJobHttpOptions2_SetHttpMethod(h, L"PUT"); break;
    }
    IBackgroundCopyJobHttpOptions2_Release(h);
    return hr;
}
static HRESULT s_headers(struct g3_ctx *c) { return with_http(c, 0); }
static HRESULT s_secflags(struct g3_ctx *c) { return with_http(c, 1); }
static HRESULT s_certid(struct g3_ctx *c) { return with_http(c, 2); }
static HRESULT s_certname(struct g3_ctx *c) { return with_http(c, 3); }
static HRESULT s_rmcert(struct g3_ctx *c) { return with_http(c, 4); }
static HRESULT s_method(struct g3_ctx *c) { return with_http(c, 5); }
static HRESULT s_remotename(struct g3_ctx *c)
{
    IBackgroundCopyFile2 *f2 = qi(c->file, &IID_IBackgroundCopyFile2);
    WCHAR url[WT_PATH];
    HRESULT hr = IBackgroundCopyFile2_SetRemoteName(f2, wt_url(url, L"/gen/100?seed=2"));
    IBackgroundCopyFile2_Release(f2);
    return hr;
}

static const struct g3_row g3_rows[] = {
    { "SetDisplayName", s_name },
    { "SetDescription", s_desc },
    { "SetPriority", s_prio },
    { "SetNotifyFlags", s_flags },
    { "SetNotifyInterface", s_iface },
    { "SetMinimumRetryDelay", s_retry },
    { "SetNoProgressTimeout", s_noprog },
    { "SetProxySettings", s_proxy },
    { "TakeOwnership", s_take },
    { "AddFile", s_addfile },
    { "AddFileSet", s_addset },
    { "Job2_SetNotifyCmdLine", s_cmdline },
    { "Job2_SetCredentials", s_cred },
    { "Job2_RemoveCredentials", s_rmcred },
    { "Job3_ReplaceRemotePrefix", s_prefix },
    { "Job3_AddFileWithRanges", s_ranges },
    { "Job3_SetFileACLFlags", s_acl },
    { "Job4_SetPeerCachingFlags", s_peer },
    { "Job4_SetMaximumDownloadTime", s_maxtime },
    { "Job5_SetProperty_MINIMUM_NOTIFICATION_INTERVAL_MS", s_p_interval },
    { "Job5_SetProperty_COST_FLAGS", s_p_cost },
    { "HttpOptions_SetCustomHeaders", s_headers },
    { "HttpOptions_SetSecurityFlags", s_secflags },
    { "HttpOptions_SetClientCertificateByID", s_certid },
    { "HttpOptions_SetClientCertificateByName", s_certname },
    { "HttpOptions_RemoveClientCertificate", s_rmcert },
    { "HttpOptions2_SetHttpMethod", s_method },
    { "File2_SetRemoteName", s_remotename },
};
#define G3_ROWS (sizeof(g3_rows) / sizeof(g3_rows[0]))

struct g3_case {
    const struct g3_row *row;
    BOOL acknowledged; /* TRUE: Complete (ACK), FALSE: Cancel (CAN) */
    char name[96];
};
static struct g3_case g3_cases[2 * G3_ROWS];

/* G3: every setter on a final job (CAN and ACK) returns BG_E_INVALID_STATE. */
static void G3_setter_on_final_job(void **state)
{
    const struct g3_case *cs = *state;
    struct g3_ctx c;
    BG_JOB_STATE st;
    c.job = new_job(L"bgc rules G3");
    add_gen_file(c.job, L"g3.bin", 100);
    c.file = first_file(c.job);
    if (cs->acknowledged)
        assert_true(SUCCEEDED(IBackgroundCopyJob_Complete(c.job)));
    else
        assert_hr(IBackgroundCopyJob_Cancel(c.job), S_OK);
    assert_hr(cs->row->call(&c), BG_E_INVALID_STATE);
    assert_hr(IBackgroundCopyJob_GetState(c.job, &st), S_OK);
    assert_int_equal(st, cs->acknowledged ? BG_JOB_STATE_ACKNOWLEDGED : BG_JOB_STATE_CANCELLED);
    IBackgroundCopyFile_Release(c.file);
    IBackgroundCopyJob_Release(c.job);
}

/* ---- G4: values outside an enumeration or flag set ------------------------------------ */

struct g4_row {
    const char *name;
    HRESULT (*call)(IBackgroundCopyJob *job);
    HRESULT want;
};
static HRESULT v_prio(IBackgroundCopyJob *j) { return IBackgroundCopyJob_SetPriority(j, (BG_JOB_PRIORITY)4); }
static HRESULT v_proxy(IBackgroundCopyJob *j)
{
    return IBackgroundCopyJob_SetProxySettings(j, (BG_JOB_PROXY_USAGE)4, NULL, NULL);
}
static HRESULT v_flags(IBackgroundCopyJob *j) { return IBackgroundCopyJob_SetNotifyFlags(j, 0x40); }
static HRESULT v_sec(IBackgroundCopyJob *j, ULONG flags)
{
    IBackgroundCopyJobHttpOptions *h = qi(j, &IID_IBackgroundCopyJobHttpOptions);
    HRESULT hr = IBackgroundCopyJobHttpOptions_SetSecurityFlags(h, flags);
    IBackgroundCopyJobHttpOptions_Release(h);
    return hr;
}
static HRESULT v_sec_bit(IBackgroundCopyJob *j) { return v_sec(j, 0x20); }
static HRESULT v_sec_high(IBackgroundCopyJob *j) { return v_sec(j, 0x1000); }
static HRESULT v_cert(IBackgroundCopyJob *j, int byname)
{
    IBackgroundCopyJobHttpOptions *h = qi(j, &IID_IBackgroundCopyJobHttpOptions);
    BYTE hash[20] = { 0 };
    HRESULT hr = byname ? IBackgroundCopyJobHttpOptions_SetClientCertificateByName(h, (BG_CERT_STORE_LOCATION)8, L"MY",
                                                                                    L"CN=bgcopy")
                        : IBackgroundCopyJobHttpOptions_SetClientCertificateByID(h, (BG_CERT_STORE_LOCATION)8, L"MY",
                                                                                  hash);
    IBackgroundCopyJobHttpOptions_Release(h);
    return hr;
}
static HRESULT v_cert_id(IBackgroundCopyJob *j) { return v_cert(j, 0); }
static HRESULT v_cert_name(IBackgroundCopyJob *j) { return v_cert(j, 1); }
static HRESULT v_acl(IBackgroundCopyJob *j)
{
    IBackgroundCopyJob3 *j3 = qi(j, &IID_IBackgroundCopyJob3);
    HRESULT hr = IBackgroundCopyJob3_SetFileACLFlags(j3, 0x10);
    IBackgroundCopyJob3_Release(j3);
    return hr;
}

static const struct g4_row g4_rows[] = {
    { "G4_SetPriority_4_is_notimpl", v_prio, E_NOTIMPL },
    { "G4_SetProxySettings_usage_4_is_notimpl", v_proxy, E_NOTIMPL },
    { "G4_SetNotifyFlags_0x40_is_notimpl", v_flags, E_NOTIMPL },
    { "G4_SetSecurityFlags_0x20_is_notimpl", v_sec_bit, E_NOTIMPL },
    { "G4_SetSecurityFlags_0x1000_is_notimpl", v_sec_high, E_NOTIMPL },
    { "G4_SetClientCertificateByID_location_8_is_notimpl", v_cert_id, E_NOTIMPL },
    { "G4_SetClientCertificateByName_location_8_is_notimpl", v_cert_name, E_NOTIMPL },
    { "G4_SetFileACLFlags_0x10_is_invalidarg", v_acl, E_INVALIDARG },
};

/* G4: the documented code, and the job is unchanged (priority, flags still default). */
static void G4_value_outside_enum(void **state)
{
    const struct g4_row *row = *state;
    IBackgroundCopyJob *job = new_job(L"bgc rules G4");
    BG_JOB_PRIORITY p;
    ULONG flags;
    assert_hr(row->call(job), row->want);
    assert_hr(IBackgroundCopyJob_GetPriority(job, &p), S_OK);
    assert_int_equal(p, BG_JOB_PRIORITY_NORMAL);
    assert_hr(IBackgroundCopyJob_GetNotifyFlags(job, &flags), S_OK);
    assert_int_equal(flags, 0x3);
    finish(job);
}

/* ---- G5: QueryInterface tables --------------------------------------------------------- */

static void assert_qi(void *unk, REFIID iid, HRESULT want, const char *name)
{
    void *out = (void *)1;
    HRESULT hr = IUnknown_QueryInterface((IUnknown *)unk, iid, &out);
    if (hr != want)
        print_error("QueryInterface(%s) = 0x%08lx\n", name, (unsigned long)hr);
    assert_hr(hr, want);
    if (SUCCEEDED(hr)) {
        assert_non_null(out);
        IUnknown_Release((IUnknown *)out);
    } else
        assert_null(out);
}

static void G5_job_answers_job_and_http_options_interfaces(void **state)
{
    IBackgroundCopyJob *job = new_job(L"bgc rules G5 job");
    (void)state;
    assert_qi(job, &IID_IUnknown, S_OK, "IUnknown");
    assert_qi(job, &IID_IBackgroundCopyJob, S_OK, "Job");
    assert_qi(job, &IID_IBackgroundCopyJob2, S_OK, "Job2");
    assert_qi(job, &IID_IBackgroundCopyJob3, S_OK, "Job3");
    assert_qi(job, &IID_IBackgroundCopyJob4, S_OK, "Job4");
    assert_qi(job, &IID_IBackgroundCopyJob5, S_OK, "Job5");
    assert_qi(job, &IID_IBackgroundCopyJobHttpOptions, S_OK, "HttpOptions");
    assert_qi(job, &IID_IBackgroundCopyJobHttpOptions2, S_OK, "HttpOptions2");
    assert_qi(job, &IID_IBackgroundCopyJobHttpOptions3, S_OK, "HttpOptions3");
    assert_qi(job, &IID_IBitsTokenOptions, S_OK, "IBitsTokenOptions");
    finish(job);
}

static void G5_job_refuses_other_interfaces(void **state)
{
    IBackgroundCopyJob *job = new_job(L"bgc rules G5 job no");
    (void)state;
    assert_qi(job, &IID_IBackgroundCopyFile, E_NOINTERFACE, "File");
    assert_qi(job, &IID_IBackgroundCopyManager, E_NOINTERFACE, "Manager");
    assert_qi(job, &IID_IEnumBackgroundCopyFiles, E_NOINTERFACE, "IEnumBackgroundCopyFiles");
    assert_qi(job, &IID_IDispatch, E_NOINTERFACE, "IDispatch");
    finish(job);
}

static void G5_file_answers_file_to_file6_only(void **state)
{
    IBackgroundCopyJob *job = new_job(L"bgc rules G5 file");
    IBackgroundCopyFile *file;
    (void)state;
    add_gen_file(job, L"g5.bin", 100);
    file = first_file(job);
    assert_qi(file, &IID_IUnknown, S_OK, "IUnknown");
    assert_qi(file, &IID_IBackgroundCopyFile, S_OK, "File");
    assert_qi(file, &IID_IBackgroundCopyFile2, S_OK, "File2");
    assert_qi(file, &IID_IBackgroundCopyFile3, S_OK, "File3");
    assert_qi(file, &IID_IBackgroundCopyFile4, S_OK, "File4");
    assert_qi(file, &IID_IBackgroundCopyFile5, S_OK, "File5");
    assert_qi(file, &IID_IBackgroundCopyFile6, S_OK, "File6");
    assert_qi(file, &IID_IBackgroundCopyJob, E_NOINTERFACE, "Job");
    assert_qi(file, &IID_IBackgroundCopyJobHttpOptions, E_NOINTERFACE, "HttpOptions");
    assert_qi(file, &IID_IDispatch, E_NOINTERFACE, "IDispatch");
    IBackgroundCopyFile_Release(file);
    finish(job);
}

static void G5_manager_answers_only_the_manager(void **state)
{
    (void)state;
    assert_qi(g_mgr, &IID_IUnknown, S_OK, "IUnknown");
    assert_qi(g_mgr, &IID_IBackgroundCopyManager, S_OK, "Manager");
    assert_qi(g_mgr, &IID_IBackgroundCopyJob, E_NOINTERFACE, "Job");
    assert_qi(g_mgr, &IID_IBackgroundCopyFile, E_NOINTERFACE, "File");
    /* bgcopy extension (issue 5 item 2, client/docs/automation.md): the manager class also
     * answers IDispatch (its IBgCopyAutoManager tear-off), so that CreateObject("BgCopy.Manager")
     * works in scripts. Microsoft's BITS manager answers E_NOINTERFACE here. */
    assert_qi(g_mgr, &IID_IDispatch, S_OK, "IDispatch (bgcopy automation)");
    assert_qi(g_mgr, &IID_IBgCopyAutoManager, S_OK, "IBgCopyAutoManager");
}

/* ---- G7: ModificationTime moves on each listed event ---------------------------------- */

struct g7_row {
    const char *name;
    HRESULT (*call)(IBackgroundCopyJob *job); /* the event; the job has one file, SUS */
};
static HRESULT e_addfile(IBackgroundCopyJob *j)
{
    WCHAR dir[WT_PATH], local[WT_PATH], url[WT_PATH];
    wt_format(local, L"%ls\\g7b.bin", wt_test_dir(dir, L"rules"));
    return IBackgroundCopyJob_AddFile(j, wt_url(url, L"/gen/10"), local);
}
static HRESULT e_name(IBackgroundCopyJob *j) { return IBackgroundCopyJob_SetDisplayName(j, L"renamed"); }
static HRESULT e_desc(IBackgroundCopyJob *j) { return IBackgroundCopyJob_SetDescription(j, L"described"); }
static HRESULT e_prio(IBackgroundCopyJob *j) { return IBackgroundCopyJob_SetPriority(j, BG_JOB_PRIORITY_LOW); }
static HRESULT e_flags(IBackgroundCopyJob *j) { return IBackgroundCopyJob_SetNotifyFlags(j, 0x1); }
static HRESULT e_retry(IBackgroundCopyJob *j) { return IBackgroundCopyJob_SetMinimumRetryDelay(j, 100); }
static HRESULT e_noprog(IBackgroundCopyJob *j) { return IBackgroundCopyJob_SetNoProgressTimeout(j, 100); }
static HRESULT e_proxy(IBackgroundCopyJob *j)
{
    return IBackgroundCopyJob_SetProxySettings(j, BG_JOB_PROXY_USAGE_NO_PROXY, NULL, NULL);
}
static HRESULT e_headers(IBackgroundCopyJob *j) { return with_http(&(struct g3_ctx){ j, NULL }, 0); }
static HRESULT e_maxtime(IBackgroundCopyJob *j) { return with_j4(&(struct g3_ctx){ j, NULL }, 1); }
static HRESULT e_resume(IBackgroundCopyJob *j) { return IBackgroundCopyJob_Resume(j); }
static HRESULT e_suspend(IBackgroundCopyJob *j) { return IBackgroundCopyJob_Suspend(j); } /* after Resume */
static HRESULT e_cancel(IBackgroundCopyJob *j) { return IBackgroundCopyJob_Cancel(j); }
static HRESULT e_complete(IBackgroundCopyJob *j) { return IBackgroundCopyJob_Complete(j); }

static const struct g7_row g7_rows[] = {
    { "G7_AddFile_moves_modification_time", e_addfile },
    { "G7_SetDisplayName_moves_modification_time", e_name },
    { "G7_SetDescription_moves_modification_time", e_desc },
    { "G7_SetPriority_moves_modification_time", e_prio },
    { "G7_SetNotifyFlags_moves_modification_time", e_flags },
    { "G7_SetMinimumRetryDelay_moves_modification_time", e_retry },
    { "G7_SetNoProgressTimeout_moves_modification_time", e_noprog },
    { "G7_SetProxySettings_moves_modification_time", e_proxy },
    { "G7_SetCustomHeaders_moves_modification_time", e_headers },
    { "G7_SetMaximumDownloadTime_moves_modification_time", e_maxtime },
    { "G7_Resume_moves_modification_time", e_resume },
    { "G7_Suspend_moves_modification_time", e_suspend },
    { "G7_Cancel_moves_modification_time", e_cancel },
    { "G7_Complete_moves_modification_time", e_complete },
};

/* G7: after the event, ModificationTime is later than before it; CreationTime is unchanged. */
static void G7_event_moves_modification_time(void **state)
{
    const struct g7_row *row = *state;
    IBackgroundCopyJob *job = new_job(L"bgc rules G7");
    WCHAR dir[WT_PATH], local[WT_PATH], url[WT_PATH];
    BG_JOB_TIMES t0, t1;
    wt_format(local, L"%ls\\g7a.bin", wt_test_dir(dir, L"rules"));
    assert_hr(IBackgroundCopyJob_AddFile(job, wt_url(url, L"/gen/1000?delay=3000"), local), S_OK);
    assert_hr(IBackgroundCopyJob_GetTimes(job, &t0), S_OK);
    Sleep(30);
    if (row->call == e_suspend) {
        assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
        assert_hr(IBackgroundCopyJob_GetTimes(job, &t0), S_OK);
        Sleep(30);
        assert_hr(IBackgroundCopyJob_Suspend(job), S_OK);
    } else
        assert_true(SUCCEEDED(row->call(job)));
    assert_hr(IBackgroundCopyJob_GetTimes(job, &t1), S_OK);
    if (ft64(t1.ModificationTime) <= ft64(t0.ModificationTime))
        print_error("%s: ModificationTime %llu -> %llu\n", row->name, ft64(t0.ModificationTime),
                    ft64(t1.ModificationTime));
    assert_true(ft64(t1.ModificationTime) > ft64(t0.ModificationTime));
    assert_true(ft64(t1.CreationTime) == ft64(t0.CreationTime));
    finish(job);
}

/* G7: bytes moving move ModificationTime; TransferCompletionTime = the time the job entered
 * TRD (0 before, between the last pre-TRD reading and the first TRD reading). */
static void G7_progress_and_transfer_completion_time(void **state)
{
    IBackgroundCopyJob *job = new_job(L"bgc rules G7 progress");
    WCHAR dir[WT_PATH], local[WT_PATH], url[WT_PATH];
    BG_JOB_TIMES t0, t1;
    BG_JOB_STATE st;
    (void)state;
    wt_format(local, L"%ls\\g7p.bin", wt_test_dir(dir, L"rules"));
    assert_hr(IBackgroundCopyJob_AddFile(job, wt_url(url, L"/gen/400000?rate=200000"), local), S_OK);
    assert_hr(IBackgroundCopyJob_GetTimes(job, &t0), S_OK);
    assert_true(ft64(t0.TransferCompletionTime) == 0);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    wt_wait_bytes(job, 1, 10000);
    assert_hr(IBackgroundCopyJob_GetTimes(job, &t0), S_OK);
    Sleep(300);
    assert_hr(IBackgroundCopyJob_GetTimes(job, &t1), S_OK);
    assert_hr(IBackgroundCopyJob_GetState(job, &st), S_OK);
    assert_int_equal(st, BG_JOB_STATE_TRANSFERRING); /* still moving bytes (about 2 s in all) */
    assert_true(ft64(t1.ModificationTime) > ft64(t0.ModificationTime));
    assert_int_equal(wt_wait_state(job, BG_JOB_STATE_TRANSFERRED, 20000), BG_JOB_STATE_TRANSFERRED);
    assert_hr(IBackgroundCopyJob_GetTimes(job, &t1), S_OK);
    assert_true(ft64(t1.TransferCompletionTime) >= ft64(t0.ModificationTime));
    assert_true(ft64(t1.TransferCompletionTime) <= ft64(t1.ModificationTime));
    assert_true(ft64(t1.CreationTime) < ft64(t1.TransferCompletionTime));
    finish(job);
}

/* ---- E1-E3: enumerators ---------------------------------------------------------------- */

/* A job with n files (/gen/10 each). */
static IBackgroundCopyJob *job_with_files(int n)
{
    IBackgroundCopyJob *job = new_job(L"bgc rules E");
    WCHAR leaf[32];
    int i;
    for (i = 0; i < n; i++) {
        swprintf(leaf, 32, L"e%d.bin", i);
        add_gen_file(job, leaf, 10);
    }
    return job;
}

static void release_files(IBackgroundCopyFile **f, ULONG n)
{
    ULONG i;
    for (i = 0; i < n; i++)
        IBackgroundCopyFile_Release(f[i]);
}

static void E1_next_returns_s_ok_for_full_batch_and_s_false_for_short(void **state)
{
    IBackgroundCopyJob *job = job_with_files(3);
    IEnumBackgroundCopyFiles *e;
    IBackgroundCopyFile *f[4] = { 0 };
    ULONG got = 99;
    (void)state;
    assert_hr(IBackgroundCopyJob_EnumFiles(job, &e), S_OK);
    assert_hr(IEnumBackgroundCopyFiles_Next(e, 2, f, &got), S_OK);
    assert_int_equal(got, 2);
    release_files(f, got);
    assert_hr(IEnumBackgroundCopyFiles_Next(e, 4, f, &got), S_FALSE);
    assert_int_equal(got, 1);
    release_files(f, got);
    assert_hr(IEnumBackgroundCopyFiles_Next(e, 1, f, &got), S_FALSE);
    assert_int_equal(got, 0);
    IEnumBackgroundCopyFiles_Release(e);
    finish(job);
}

static void E1_next_without_fetched_needs_celt_1(void **state)
{
    IBackgroundCopyJob *job = job_with_files(2);
    IEnumBackgroundCopyFiles *e;
    IEnumBackgroundCopyJobs *ej;
    IBackgroundCopyFile *f[2] = { 0 };
    IBackgroundCopyJob *j[2] = { 0 };
    (void)state;
    assert_hr(IBackgroundCopyJob_EnumFiles(job, &e), S_OK);
    assert_hr(IEnumBackgroundCopyFiles_Next(e, 2, f, NULL), E_INVALIDARG);
    assert_hr(IEnumBackgroundCopyFiles_Next(e, 1, f, NULL), S_OK);
    assert_non_null(f[0]);
    IBackgroundCopyFile_Release(f[0]);
    IEnumBackgroundCopyFiles_Release(e);
    assert_hr(IBackgroundCopyManager_EnumJobs(g_mgr, 0, &ej), S_OK);
    assert_hr(IEnumBackgroundCopyJobs_Next(ej, 2, j, NULL), E_INVALIDARG);
    IEnumBackgroundCopyJobs_Release(ej);
    finish(job);
}

static void E1_next_returns_usable_references(void **state)
{
    IBackgroundCopyJob *job = job_with_files(1);
    IEnumBackgroundCopyFiles *e;
    IBackgroundCopyFile *f = NULL;
    WCHAR *s = NULL;
    ULONG got = 0;
    (void)state;
    assert_hr(IBackgroundCopyJob_EnumFiles(job, &e), S_OK);
    assert_hr(IEnumBackgroundCopyFiles_Next(e, 1, &f, &got), S_OK);
    IEnumBackgroundCopyFiles_Release(e); /* the file reference outlives the enumerator */
    assert_hr(IBackgroundCopyFile_GetLocalName(f, &s), S_OK);
    assert_non_null(wcsstr(s, L"e0.bin"));
    CoTaskMemFree(s);
    IBackgroundCopyFile_Release(f);
    finish(job);
}

static void E2_skip_reset_count_and_clone(void **state)
{
    IBackgroundCopyJob *job = job_with_files(3);
    IEnumBackgroundCopyFiles *e, *c;
    IBackgroundCopyFile *f = NULL;
    WCHAR *s = NULL;
    ULONG n = 0, got = 0;
    (void)state;
    assert_hr(IBackgroundCopyJob_EnumFiles(job, &e), S_OK);
    assert_hr(IEnumBackgroundCopyFiles_GetCount(e, &n), S_OK);
    assert_int_equal(n, 3);
    assert_hr(IEnumBackgroundCopyFiles_Skip(e, 1), S_OK);
    assert_hr(IEnumBackgroundCopyFiles_Clone(e, &c), S_OK);
    assert_hr(IEnumBackgroundCopyFiles_Next(c, 1, &f, &got), S_OK); /* clone at the same position */
    assert_hr(IBackgroundCopyFile_GetLocalName(f, &s), S_OK);
    assert_non_null(wcsstr(s, L"e1.bin"));
    CoTaskMemFree(s);
    IBackgroundCopyFile_Release(f);
    assert_hr(IEnumBackgroundCopyFiles_Skip(e, 5), S_FALSE); /* fewer than 5 left */
    assert_hr(IEnumBackgroundCopyFiles_Next(e, 1, &f, &got), S_FALSE);
    assert_int_equal(got, 0);
    assert_hr(IEnumBackgroundCopyFiles_Reset(e), S_OK);
    assert_hr(IEnumBackgroundCopyFiles_Next(e, 1, &f, &got), S_OK);
    assert_hr(IBackgroundCopyFile_GetLocalName(f, &s), S_OK);
    assert_non_null(wcsstr(s, L"e0.bin"));
    CoTaskMemFree(s);
    IBackgroundCopyFile_Release(f);
    IEnumBackgroundCopyFiles_Release(c);
    IEnumBackgroundCopyFiles_Release(e);
    finish(job);
}

static void E2_job_enumerator_skip_reset_count_and_clone(void **state)
{
    IBackgroundCopyJob *job = new_job(L"bgc rules E2 jobs");
    IEnumBackgroundCopyJobs *e, *c;
    ULONG n = 0, m = 0;
    (void)state;
    assert_hr(IBackgroundCopyManager_EnumJobs(g_mgr, 0, &e), S_OK);
    assert_hr(IEnumBackgroundCopyJobs_GetCount(e, &n), S_OK);
    assert_true(n >= 1);
    assert_hr(IEnumBackgroundCopyJobs_Skip(e, n), S_OK);
    assert_hr(IEnumBackgroundCopyJobs_Clone(e, &c), S_OK);
    assert_hr(IEnumBackgroundCopyJobs_GetCount(c, &m), S_OK);
    assert_int_equal(m, n);
    assert_hr(IEnumBackgroundCopyJobs_Skip(c, 1), S_FALSE); /* the clone is at the end too */
    assert_hr(IEnumBackgroundCopyJobs_Reset(e), S_OK);
    assert_hr(IEnumBackgroundCopyJobs_Skip(e, n), S_OK);
    IEnumBackgroundCopyJobs_Release(c);
    IEnumBackgroundCopyJobs_Release(e);
    finish(job);
}

static void E3_file_list_is_fixed_when_the_enumerator_is_created(void **state)
{
    IBackgroundCopyJob *job = job_with_files(2);
    IEnumBackgroundCopyFiles *e, *e2;
    ULONG n = 0;
    (void)state;
    assert_hr(IBackgroundCopyJob_EnumFiles(job, &e), S_OK);
    add_gen_file(job, L"e9.bin", 10);
    assert_hr(IEnumBackgroundCopyFiles_GetCount(e, &n), S_OK);
    assert_int_equal(n, 2);
    assert_hr(IBackgroundCopyJob_EnumFiles(job, &e2), S_OK);
    assert_hr(IEnumBackgroundCopyFiles_GetCount(e2, &n), S_OK);
    assert_int_equal(n, 3);
    IEnumBackgroundCopyFiles_Release(e2);
    IEnumBackgroundCopyFiles_Release(e);
    finish(job);
}

static void E3_job_list_is_fixed_when_the_enumerator_is_created(void **state)
{
    IBackgroundCopyJob *a = new_job(L"bgc rules E3 a"), *b;
    IEnumBackgroundCopyJobs *e, *e2;
    IBackgroundCopyJob *got[64];
    ULONG n = 0, n2 = 0, fetched = 0, i;
    GUID ida, id;
    BOOL seen = FALSE;
    (void)state;
    assert_hr(IBackgroundCopyJob_GetId(a, &ida), S_OK);
    assert_hr(IBackgroundCopyManager_EnumJobs(g_mgr, 0, &e), S_OK);
    assert_hr(IEnumBackgroundCopyJobs_GetCount(e, &n), S_OK);
    b = new_job(L"bgc rules E3 b");                   /* added later: not in e */
    assert_hr(IBackgroundCopyJob_Cancel(a), S_OK);     /* removed later: still in e */
    assert_hr(IEnumBackgroundCopyJobs_GetCount(e, &n2), S_OK);
    assert_int_equal(n2, n);
    assert_true(n <= 64);
    assert_true(SUCCEEDED(IEnumBackgroundCopyJobs_Next(e, n, got, &fetched)));
    assert_int_equal(fetched, n);
    for (i = 0; i < fetched; i++) {
        assert_hr(IBackgroundCopyJob_GetId(got[i], &id), S_OK);
        if (IsEqualGUID(&id, &ida))
            seen = TRUE;
        IBackgroundCopyJob_Release(got[i]);
    }
    assert_true(seen);
    assert_hr(IBackgroundCopyManager_EnumJobs(g_mgr, 0, &e2), S_OK);
    assert_hr(IEnumBackgroundCopyJobs_GetCount(e2, &n2), S_OK);
    assert_int_equal(n2, n); /* +b, -a */
    IEnumBackgroundCopyJobs_Release(e2);
    IEnumBackgroundCopyJobs_Release(e);
    IBackgroundCopyJob_Release(a);
    finish(b);
}

/* ---- 2.2 / 2.3 per-method rows --------------------------------------------------------- */

static void job_2_2_new_job_defaults(void **state)
{
    IBackgroundCopyJob *job = new_job(L"bgc rules 2.2 defaults");
    WCHAR *s = NULL;
    BG_JOB_PRIORITY p;
    BG_JOB_TYPE type;
    BG_JOB_PROGRESS pr;
    ULONG v = 0;
    IUnknown *cb = (IUnknown *)1;
    (void)state;
    assert_hr(IBackgroundCopyJob_GetDescription(job, &s), S_OK);
    assert_int_equal(wcslen(s), 0); /* project choice: empty */
    CoTaskMemFree(s);
    assert_hr(IBackgroundCopyJob_GetType(job, &type), S_OK);
    assert_int_equal(type, BG_JOB_TYPE_DOWNLOAD);
    assert_hr(IBackgroundCopyJob_GetPriority(job, &p), S_OK);
    assert_int_equal(p, BG_JOB_PRIORITY_NORMAL);
    assert_hr(IBackgroundCopyJob_GetNotifyFlags(job, &v), S_OK);
    assert_int_equal(v, 0x3);
    assert_hr(IBackgroundCopyJob_GetMinimumRetryDelay(job, &v), S_OK);
    assert_int_equal(v, 600);
    assert_hr(IBackgroundCopyJob_GetNoProgressTimeout(job, &v), S_OK);
    assert_int_equal(v, 1209600);
    assert_hr(IBackgroundCopyJob_GetErrorCount(job, &v), S_OK);
    assert_int_equal(v, 0);
    assert_hr(IBackgroundCopyJob_GetNotifyInterface(job, &cb), S_OK);
    assert_null(cb);
    assert_hr(IBackgroundCopyJob_GetProgress(job, &pr), S_OK);
    assert_true(pr.BytesTotal == 0 && pr.BytesTransferred == 0 && pr.FilesTotal == 0 && pr.FilesTransferred == 0);
    finish(job);
}

static void job_2_2_GetOwner_is_a_sid_string(void **state)
{
    IBackgroundCopyJob *job = new_job(L"bgc rules 2.2 owner");
    WCHAR *s = NULL;
    (void)state;
    assert_hr(IBackgroundCopyJob_GetOwner(job, &s), S_OK);
    assert_true(wcsncmp(s, L"S-1-", 4) == 0);
    CoTaskMemFree(s);
    finish(job);
}

static void job_2_2_SetNotifyInterface_null_clears_and_last_setter_wins(void **state)
{
    IBackgroundCopyJob *job = new_job(L"bgc rules 2.2 notify");
    IUnknown *got = NULL;
    (void)state;
    assert_hr(IBackgroundCopyJob_SetNotifyInterface(job, (IUnknown *)&g_cb.iface), S_OK);
    assert_hr(IBackgroundCopyJob_GetNotifyInterface(job, &got), S_OK);
    assert_non_null(got);
    IUnknown_Release(got);
    assert_hr(IBackgroundCopyJob_SetNotifyInterface(job, NULL), S_OK);
    got = (IUnknown *)1;
    assert_hr(IBackgroundCopyJob_GetNotifyInterface(job, &got), S_OK);
    assert_null(got);
    finish(job);
}

static void job_2_2_GetProxySettings_default_is_preconfig_without_lists(void **state)
{
    IBackgroundCopyJob *job = new_job(L"bgc rules 2.2 proxy");
    BG_JOB_PROXY_USAGE u = (BG_JOB_PROXY_USAGE)99;
    LPWSTR l = (LPWSTR)1, b = (LPWSTR)1;
    (void)state;
    assert_hr(IBackgroundCopyJob_GetProxySettings(job, &u, &l, &b), S_OK);
    assert_int_equal(u, BG_JOB_PROXY_USAGE_PRECONFIG);
    assert_null(l);
    assert_null(b);
    finish(job);
}

static void job_2_2_SetProxySettings_list_rules(void **state)
{
    IBackgroundCopyJob *job = new_job(L"bgc rules 2.2 proxy lists");
    static WCHAR big[4100];
    int i;
    (void)state;
    assert_hr(IBackgroundCopyJob_SetProxySettings(job, BG_JOB_PROXY_USAGE_OVERRIDE, NULL, NULL), E_INVALIDARG);
    assert_hr(IBackgroundCopyJob_SetProxySettings(job, BG_JOB_PROXY_USAGE_PRECONFIG, L"p:1", NULL), E_INVALIDARG);
    assert_hr(IBackgroundCopyJob_SetProxySettings(job, BG_JOB_PROXY_USAGE_NO_PROXY, NULL, L"<local>"), E_INVALIDARG);
    for (i = 0; i < 4001; i++)
        big[i] = L'a';
    big[4001] = 0;
    assert_hr(IBackgroundCopyJob_SetProxySettings(job, BG_JOB_PROXY_USAGE_OVERRIDE, big, NULL),
              BG_E_PROXY_LIST_TOO_LARGE);
    assert_hr(IBackgroundCopyJob_SetProxySettings(job, BG_JOB_PROXY_USAGE_OVERRIDE, L"p:1", big),
              BG_E_PROXY_BYPASS_LIST_TOO_LARGE);
    big[4000] = 0;
    assert_hr(IBackgroundCopyJob_SetProxySettings(job, BG_JOB_PROXY_USAGE_OVERRIDE, big, NULL), S_OK);
    finish(job);
}

static void job_2_2_SetDescription_null_and_limit(void **state)
{
    IBackgroundCopyJob *job = new_job(L"bgc rules 2.2 desc");
    static WCHAR big[1026];
    HRESULT hr;
    int i;
    (void)state;
    hr = IBackgroundCopyJob_SetDescription(job, NULL); /* server: E_INVALIDARG; proxy: NULL_REF (G2) */
    assert_true(hr == E_INVALIDARG || hr == WT_HR_NULL_REF);
    for (i = 0; i < 1025; i++)
        big[i] = L'd';
    big[1025] = 0;
    assert_hr(IBackgroundCopyJob_SetDescription(job, big), BG_E_STRING_TOO_LONG);
    big[1024] = 0;
    assert_hr(IBackgroundCopyJob_SetDescription(job, big), S_OK);
    finish(job);
}

static void job2_2_3_reply_methods_on_download_job_are_notimpl(void **state)
{
    IBackgroundCopyJob *job = new_job(L"bgc rules 2.3 reply");
    IBackgroundCopyJob2 *j2 = qi(job, &IID_IBackgroundCopyJob2);
    BG_JOB_REPLY_PROGRESS rp;
    BYTE *buf = NULL;
    UINT64 size = 0;
    WCHAR *s = NULL;
    (void)state;
    assert_hr(IBackgroundCopyJob2_GetReplyProgress(j2, &rp), E_NOTIMPL);
    assert_hr(IBackgroundCopyJob2_GetReplyData(j2, &buf, &size), E_NOTIMPL);
    assert_hr(IBackgroundCopyJob2_GetReplyFileName(j2, &s), E_NOTIMPL);
    assert_hr(IBackgroundCopyJob2_SetReplyFileName(j2, L"C:\\reply.bin"), E_NOTIMPL);
    IBackgroundCopyJob2_Release(j2);
    finish(job);
}

static void job2_2_3_GetNotifyCmdLine_never_set_is_two_empty_strings(void **state)
{
    IBackgroundCopyJob *job = new_job(L"bgc rules 2.3 cmdline");
    IBackgroundCopyJob2 *j2 = qi(job, &IID_IBackgroundCopyJob2);
    WCHAR *p = NULL, *a = NULL;
    (void)state;
    assert_hr(IBackgroundCopyJob2_GetNotifyCmdLine(j2, &p, &a), S_OK);
    assert_non_null(p);
    assert_non_null(a);
    assert_int_equal(wcslen(p), 0);
    assert_int_equal(wcslen(a), 0);
    CoTaskMemFree(p);
    CoTaskMemFree(a);
    IBackgroundCopyJob2_Release(j2);
    finish(job);
}

static void job_2_2_Cancel_of_never_started_job_is_s_ok(void **state)
{
    IBackgroundCopyJob *job = job_with_files(1);
    (void)state;
    assert_hr(IBackgroundCopyJob_Cancel(job), S_OK);
    IBackgroundCopyJob_Release(job);
}

static void job_2_2_Complete_of_untransferred_job_is_partial_complete(void **state)
{
    IBackgroundCopyJob *job = job_with_files(1);
    (void)state;
    assert_hr(IBackgroundCopyJob_Complete(job), BG_S_PARTIAL_COMPLETE);
    IBackgroundCopyJob_Release(job);
}

/* ---- R11-R13: the error object ------------------------------------------------------- */

static IBackgroundCopyError *wait_error(IBackgroundCopyJob *job, DWORD ms)
{
    IBackgroundCopyError *err = NULL;
    assert_int_equal(wt_wait_state(job, BG_JOB_STATE_ERROR, ms), BG_JOB_STATE_ERROR);
    assert_hr(IBackgroundCopyJob_GetError(job, &err), S_OK);
    assert_non_null(err);
    return err;
}

static void R12_R13_file_error_names_the_file_and_the_http_protocol(void **state)
{
    IBackgroundCopyJob *job = new_job(L"bgc rules R12");
    IBackgroundCopyError *err;
    IBackgroundCopyFile *file = NULL;
    WCHAR dir[WT_PATH], local[WT_PATH], url[WT_PATH], *s = NULL;
    BG_ERROR_CONTEXT ctx;
    HRESULT code;
    (void)state;
    wt_format(local, L"%ls\\r12.bin", wt_test_dir(dir, L"rules"));
    assert_hr(IBackgroundCopyJob_AddFile(job, wt_url(url, L"/files/no-such-file.bin"), local), S_OK);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    err = wait_error(job, 20000);
    assert_hr(IBackgroundCopyError_GetError(err, &ctx, &code), S_OK); /* R11 */
    assert_int_equal(ctx, BG_ERROR_CONTEXT_REMOTE_FILE);
    assert_hr(code, BG_E_HTTP_ERROR_404);
    assert_hr(IBackgroundCopyError_GetFile(err, &file), S_OK);
    assert_hr(IBackgroundCopyFile_GetLocalName(file, &s), S_OK);
    assert_true(wcscmp(s, local) == 0);
    CoTaskMemFree(s);
    IBackgroundCopyFile_Release(file);
    assert_hr(IBackgroundCopyError_GetProtocol(err, &s), S_OK);
    assert_true(wcscmp(s, L"http") == 0);
    CoTaskMemFree(s);
    IBackgroundCopyError_Release(err);
    finish(job);
}

static void R12_R13_job_error_has_no_file_and_no_protocol(void **state)
{
    IBackgroundCopyJob *job = new_job(L"bgc rules R13");
    IBackgroundCopyJob4 *j4 = qi(job, &IID_IBackgroundCopyJob4);
    IBackgroundCopyError *err;
    IBackgroundCopyFile *file = (IBackgroundCopyFile *)1;
    WCHAR dir[WT_PATH], local[WT_PATH], url[WT_PATH], *s = (WCHAR *)1;
    BG_ERROR_CONTEXT ctx;
    HRESULT code;
    (void)state;
    wt_format(local, L"%ls\\r13.bin", wt_test_dir(dir, L"rules"));
    assert_hr(IBackgroundCopyJob_AddFile(job, wt_url(url, L"/gen/1000000/r13?rate=100000"), local), S_OK);
    assert_hr(IBackgroundCopyJob4_SetMaximumDownloadTime(j4, 1), S_OK);
    IBackgroundCopyJob4_Release(j4);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    err = wait_error(job, 8000);
    assert_hr(IBackgroundCopyError_GetError(err, &ctx, &code), S_OK);
    assert_hr(code, (HRESULT)0x80200054L); /* BG_E_MAXDOWNLOAD_TIMEOUT: not about one file */
    assert_hr(IBackgroundCopyError_GetFile(err, &file), BG_E_FILE_NOT_AVAILABLE);
    assert_null(file);
    assert_hr(IBackgroundCopyError_GetProtocol(err, &s), BG_E_PROTOCOL_NOT_AVAILABLE);
    assert_null(s);
    IBackgroundCopyError_Release(err);
    finish(job);
}

/* L4, R10: after Resume from ERROR the job has no current error (QUEUED), but the error object
 * the client already holds keeps answering with the old context and code. */
static void L4_R10_held_error_object_outlives_resume(void **state)
{
    IBackgroundCopyJob *job = new_job(L"bgc rules L4");
    IBackgroundCopyError *err, *now = (IBackgroundCopyError *)1;
    WCHAR dir[WT_PATH], local[WT_PATH], url[WT_PATH];
    BG_ERROR_CONTEXT ctx;
    HRESULT code;
    (void)state;
    wt_format(local, L"%ls\\l4.bin", wt_test_dir(dir, L"rules"));
    assert_hr(IBackgroundCopyJob_AddFile(job, wt_url(url, L"/files/no-such-file.bin"), local), S_OK);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    err = wait_error(job, 20000);
    assert_hr(IBackgroundCopyJob_Suspend(job), S_OK); /* park it: no new attempt races the check */
    assert_hr(IBackgroundCopyJob_GetError(job, &now), BG_E_ERROR_INFORMATION_UNAVAILABLE);
    assert_hr(IBackgroundCopyError_GetError(err, &ctx, &code), S_OK);
    assert_int_equal(ctx, BG_ERROR_CONTEXT_REMOTE_FILE);
    assert_hr(code, BG_E_HTTP_ERROR_404);
    IBackgroundCopyError_Release(err);
    finish(job);
}

/* F8: an HTTP download takes the server's Last-Modified as modification and creation time
 * (test server: /gen Last-Modified = 1600000000 + seed seconds). */
static void F8_http_download_takes_the_server_file_time(void **state)
{
    IBackgroundCopyJob *job = new_job(L"bgc rules F8");
    WCHAR dir[WT_PATH], local[WT_PATH], url[WT_PATH];
    FILETIME created, written;
    ULONGLONG want = (1600000000ULL + 4) * 10000000ULL + 116444736000000000ULL;
    HANDLE h;
    (void)state;
    wt_format(local, L"%ls\\f8.bin", wt_test_dir(dir, L"rules"));
    DeleteFileW(local);
    assert_hr(IBackgroundCopyJob_AddFile(job, wt_url(url, L"/gen/5000/f8?seed=4"), local), S_OK);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_int_equal(wt_wait_state(job, BG_JOB_STATE_TRANSFERRED, 20000), BG_JOB_STATE_TRANSFERRED);
    assert_hr(IBackgroundCopyJob_Complete(job), S_OK);
    h = CreateFileW(local, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    assert_true(h != INVALID_HANDLE_VALUE);
    assert_true(GetFileTime(h, &created, NULL, &written));
    CloseHandle(h);
    assert_true(ft64(written) == want);
    assert_true(ft64(created) == want);
    wt_assert_file_is_testdata(local, 4, 5000);
    IBackgroundCopyJob_Release(job);
}

/* ---- main ------------------------------------------------------------------------------ */

#define NROWS(a) (sizeof(a) / sizeof((a)[0]))

int main(void)
{
    static const struct CMUnitTest fixed[] = {
        cmocka_unit_test(G1_job_string_getters_return_cotaskmem),
        cmocka_unit_test(G1_file_and_manager_strings_return_cotaskmem),
        cmocka_unit_test(G5_job_answers_job_and_http_options_interfaces),
        cmocka_unit_test(G5_job_refuses_other_interfaces),
        cmocka_unit_test(G5_file_answers_file_to_file6_only),
        cmocka_unit_test(G5_manager_answers_only_the_manager),
        cmocka_unit_test(G7_progress_and_transfer_completion_time),
        cmocka_unit_test(E1_next_returns_s_ok_for_full_batch_and_s_false_for_short),
        cmocka_unit_test(E1_next_without_fetched_needs_celt_1),
        cmocka_unit_test(E1_next_returns_usable_references),
        cmocka_unit_test(E2_skip_reset_count_and_clone),
        cmocka_unit_test(E2_job_enumerator_skip_reset_count_and_clone),
        cmocka_unit_test(E3_file_list_is_fixed_when_the_enumerator_is_created),
        cmocka_unit_test(E3_job_list_is_fixed_when_the_enumerator_is_created),
        cmocka_unit_test(R12_R13_file_error_names_the_file_and_the_http_protocol),
        cmocka_unit_test(R12_R13_job_error_has_no_file_and_no_protocol),
        cmocka_unit_test(L4_R10_held_error_object_outlives_resume),
        cmocka_unit_test(F8_http_download_takes_the_server_file_time),
        cmocka_unit_test(job_2_2_new_job_defaults),
        cmocka_unit_test(job_2_2_GetOwner_is_a_sid_string),
        cmocka_unit_test(job_2_2_SetNotifyInterface_null_clears_and_last_setter_wins),
        cmocka_unit_test(job_2_2_GetProxySettings_default_is_preconfig_without_lists),
        cmocka_unit_test(job_2_2_SetProxySettings_list_rules),
        cmocka_unit_test(job_2_2_SetDescription_null_and_limit),
        cmocka_unit_test(job2_2_3_reply_methods_on_download_job_are_notimpl),
        cmocka_unit_test(job2_2_3_GetNotifyCmdLine_never_set_is_two_empty_strings),
        cmocka_unit_test(job_2_2_Cancel_of_never_started_job_is_s_ok),
        cmocka_unit_test(job_2_2_Complete_of_untransferred_job_is_partial_complete),
    };
    static struct CMUnitTest tests[NROWS(fixed) + NROWS(null_rows) + 2 * G3_ROWS + NROWS(g4_rows) + NROWS(g7_rows)];
    size_t n = 0, i;

    for (i = 0; i < NROWS(fixed); i++)
        tests[n++] = fixed[i];
    for (i = 0; i < NROWS(null_rows); i++)
        tests[n++] = (struct CMUnitTest){ null_rows[i].name, G2_null_out_pointer, NULL, NULL, (void *)&null_rows[i] };
    for (i = 0; i < 2 * G3_ROWS; i++) {
        struct g3_case *cs = &g3_cases[i];
        cs->row = &g3_rows[i % G3_ROWS];
        cs->acknowledged = i >= G3_ROWS;
        snprintf(cs->name, sizeof(cs->name), "G3_%s_on_%s_job", cs->row->name,
                 cs->acknowledged ? "acknowledged" : "cancelled");
        tests[n++] = (struct CMUnitTest){ cs->name, G3_setter_on_final_job, NULL, NULL, cs };
    }
    for (i = 0; i < NROWS(g4_rows); i++)
        tests[n++] = (struct CMUnitTest){ g4_rows[i].name, G4_value_outside_enum, NULL, NULL, (void *)&g4_rows[i] };
    for (i = 0; i < NROWS(g7_rows); i++)
        tests[n++] = (struct CMUnitTest){ g7_rows[i].name, G7_event_moves_modification_time, NULL, NULL,
                                          (void *)&g7_rows[i] };
    return _cmocka_run_group_tests("wine.test_rules_com", tests, n, group_setup, group_teardown);
}
