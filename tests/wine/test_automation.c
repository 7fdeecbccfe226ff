/*
 * test_automation.c - automation for scripts (issue 5 item 2) through the real out-of-process
 * server: the dual object model of bgcopy.tlb (IBgCopyAutoManager, IBgCopyAutoJob,
 * IBgCopyAutoFile, IBgCopyAutoCollection) driven through IDispatch as script hosts do, the
 * typelib marshaler for the typed vtables, the registration of their Interface keys, and the
 * example scripts of client/examples/ run by Wine's cscript (copied to <bin>/examples by the
 * build) whose downloads must have the right SHA-256.
 *
 * Invariants:
 *  1. Every wait is bounded: jobs 60 s, a cscript child SCRIPT_MS (then terminated and failed).
 *  2. Jobs a test creates are cancelled by that test (or completed), also through scripts:
 *     the scripts cancel their job on every failure path.
 *  3. The group holds a manager reference for the whole run, so the server stays up between
 *     cscript children.
 */
#include "wine_test.h"

#include <oleauto.h>
#include <ocidl.h>
#include <olectl.h>

#define SCRIPT_MS 120000
#define OUT_MAX (64 * 1024)
#define WAIT_MS 60000
#define PS_TYPELIB_MARSHALER L"{00020424-0000-0000-C000-000000000046}"

static IBackgroundCopyManager *g_mgr;

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

/* ---- IDispatch helpers ------------------------------------------------------------------ */

static DISPID dispid_of(IDispatch *d, const WCHAR *name)
{
    DISPID id = 12345;
    LPOLESTR n = (LPOLESTR)name;

    assert_hr(IDispatch_GetIDsOfNames(d, &IID_NULL, &n, 1, LOCALE_USER_DEFAULT, &id), S_OK);
    return id;
}

/* Invokes member `name` with args[0..n) in natural order; returns Invoke's HRESULT. result
 * and ei may be NULL. */
static HRESULT invoke(IDispatch *d, const WCHAR *name, WORD flags, VARIANT *args, UINT n, VARIANT *result,
                      EXCEPINFO *ei)
{
    VARIANT rev[4];
    DISPID put = DISPID_PROPERTYPUT;
    DISPPARAMS dp = {rev, NULL, n, 0};
    UINT argerr = 0, i;

    assert_true(n <= 4);
    for (i = 0; i < n; i++)
        rev[n - 1 - i] = args[i];
    if (flags == DISPATCH_PROPERTYPUT) {
        dp.rgdispidNamedArgs = &put;
        dp.cNamedArgs = 1;
    }
    if (result)
        VariantInit(result);
    if (ei)
        memset(ei, 0, sizeof(*ei));
    return IDispatch_Invoke(d, dispid_of(d, name), &IID_NULL, LOCALE_USER_DEFAULT, flags, &dp, result, ei, &argerr);
}

static void clear_excep(EXCEPINFO *ei)
{
    SysFreeString(ei->bstrSource);
    SysFreeString(ei->bstrDescription);
    SysFreeString(ei->bstrHelpFile);
    memset(ei, 0, sizeof(*ei));
}

/* Property get that must succeed with type vt; the value is returned in *out. */
static void get(IDispatch *d, const WCHAR *name, VARTYPE vt, VARIANT *out)
{
    HRESULT hr = invoke(d, name, DISPATCH_PROPERTYGET, NULL, 0, out, NULL);

    if (hr != S_OK)
        print_error("get %ls: 0x%08lx\n", name, (unsigned long)hr);
    assert_hr(hr, S_OK);
    assert_int_equal(V_VT(out), vt);
}

static LONG get_i4(IDispatch *d, const WCHAR *name)
{
    VARIANT v;

    get(d, name, VT_I4, &v);
    return V_I4(&v);
}

static double get_r8(IDispatch *d, const WCHAR *name)
{
    VARIANT v;

    get(d, name, VT_R8, &v);
    return V_R8(&v);
}

/* The property's string, in buf (WT_PATH). */
static WCHAR *get_str(IDispatch *d, const WCHAR *name, WCHAR *buf)
{
    VARIANT v;

    get(d, name, VT_BSTR, &v);
    assert_true(SysStringLen(V_BSTR(&v)) < WT_PATH);
    wcscpy(buf, V_BSTR(&v) ? V_BSTR(&v) : L"");
    VariantClear(&v);
    return buf;
}

static IDispatch *get_disp(IDispatch *d, const WCHAR *name)
{
    VARIANT v;

    get(d, name, VT_DISPATCH, &v);
    assert_non_null(V_DISPATCH(&v));
    return V_DISPATCH(&v);
}

static void put_str(IDispatch *d, const WCHAR *name, const WCHAR *value)
{
    VARIANT v;

    V_VT(&v) = VT_BSTR;
    V_BSTR(&v) = SysAllocString(value);
    assert_hr(invoke(d, name, DISPATCH_PROPERTYPUT, &v, 1, NULL, NULL), S_OK);
    VariantClear(&v);
}

/* Calls a method with up to two string arguments; returns Invoke's HRESULT, the result in
 * *result when not NULL, the exception's scode in *scode when not NULL. */
static HRESULT call_str(IDispatch *d, const WCHAR *name, const WCHAR *a, const WCHAR *b, VARIANT *result,
                        HRESULT *scode)
{
    VARIANT args[2];
    EXCEPINFO ei;
    UINT n = 0;
    HRESULT hr;

    if (a) {
        V_VT(&args[n]) = VT_BSTR;
        V_BSTR(&args[n++]) = SysAllocString(a);
    }
    if (b) {
        V_VT(&args[n]) = VT_BSTR;
        V_BSTR(&args[n++]) = SysAllocString(b);
    }
    hr = invoke(d, name, DISPATCH_METHOD, args, n, result, &ei);
    if (scode)
        *scode = ei.scode;
    clear_excep(&ei);
    while (n)
        VariantClear(&args[--n]);
    return hr;
}

/* The automation manager: BgCopy.Manager through its ProgID, as IDispatch. */
static IDispatch *auto_manager(void)
{
    IDispatch *d = NULL;
    CLSID clsid;

    assert_hr(CLSIDFromProgID(L"BgCopy.Manager", &clsid), S_OK);
    assert_true(IsEqualCLSID(&clsid, &CLSID_BgCopyManager));
    assert_hr(CoCreateInstance(&clsid, NULL, CLSCTX_LOCAL_SERVER, &IID_IDispatch, (void **)&d), S_OK);
    return d;
}

static IDispatch *create_job(IDispatch *mgr, const WCHAR *name)
{
    VARIANT v;

    assert_hr(call_str(mgr, L"CreateJob", name, NULL, &v, NULL), S_OK);
    assert_int_equal(V_VT(&v), VT_DISPATCH);
    return V_DISPATCH(&v);
}

static LONG wait_final(IDispatch *job)
{
    ULONGLONG end = GetTickCount64() + WAIT_MS;
    LONG st;

    for (;;) {
        st = get_i4(job, L"State");
        if (st == BG_JOB_STATE_TRANSFERRED || st == BG_JOB_STATE_ERROR || GetTickCount64() >= end)
            return st;
        Sleep(50);
    }
}

/* ---- cscript children --------------------------------------------------------------------- */

struct script_run {
    DWORD exit_code;
    char out[OUT_MAX]; /* stdout + stderr, NUL-terminated */
    DWORD len;
    HANDLE pipe;
};

static DWORD WINAPI read_output(void *arg)
{
    struct script_run *r = arg;
    DWORD got;

    while (r->len + 1 < OUT_MAX && ReadFile(r->pipe, r->out + r->len, OUT_MAX - 1 - r->len, &got, NULL) && got)
        r->len += got;
    r->out[r->len] = 0;
    return 0;
}

/* Runs `cscript //nologo <bin>\examples\<script> <args>` bounded by SCRIPT_MS; fills *r. */
static void run_script(struct script_run *r, const WCHAR *script, const WCHAR *args)
{
    static WCHAR cmd[4096];
    SECURITY_ATTRIBUTES sa = {sizeof(sa), NULL, TRUE};
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    HANDLE wr = NULL, thread;
    DWORD w;

    memset(r, 0, sizeof(*r));
    swprintf(cmd, 4096, L"cscript.exe //nologo \"%ls\\examples\\%ls\" %ls", wt_env(L"BGC_BIN_DIR"), script, args);
    assert_true(CreatePipe(&r->pipe, &wr, &sa, 0));
    assert_true(SetHandleInformation(r->pipe, HANDLE_FLAG_INHERIT, 0));
    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = INVALID_HANDLE_VALUE;
    si.hStdOutput = wr;
    si.hStdError = wr;
    if (!CreateProcessW(NULL, cmd, NULL, NULL, TRUE, CREATE_NO_WINDOW, NULL, NULL, &si, &pi)) {
        print_error("CreateProcessW(%ls) failed: %lu\n", cmd, (unsigned long)GetLastError());
        fail();
    }
    CloseHandle(wr);
    thread = CreateThread(NULL, 0, read_output, r, 0, NULL);
    assert_non_null(thread);
    w = WaitForSingleObject(pi.hProcess, SCRIPT_MS);
    if (w != WAIT_OBJECT_0)
        TerminateProcess(pi.hProcess, 255);
    GetExitCodeProcess(pi.hProcess, &r->exit_code);
    if (WaitForSingleObject(thread, 10000) != WAIT_OBJECT_0) {
        CancelSynchronousIo(thread);
        WaitForSingleObject(thread, 5000);
    }
    CloseHandle(thread);
    CloseHandle(r->pipe);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    printf("> cscript %ls %ls\n%s[exit %lu]\n", script, args, r->out, (unsigned long)r->exit_code);
    fflush(stdout);
    if (w != WAIT_OBJECT_0) {
        print_error("%ls did not finish within %d s\n", script, SCRIPT_MS / 1000);
        fail();
    }
}

static void assert_out_has(const struct script_run *r, const char *text)
{
    if (!strstr(r->out, text)) {
        print_error("output lacks \"%s\"\n", text);
        fail();
    }
}

/* ---- registration and activation ---------------------------------------------------------- */

static const struct {
    const WCHAR *iid;
    const IID *id;
} auto_ifaces[] = {
    {L"{251D3650-A1A7-489A-B1AC-2E3DA35813EB}", &IID_IBgCopyAutoManager},
    {L"{A36476F1-5458-42F6-B3E0-68C080D7A14D}", &IID_IBgCopyAutoJob},
    {L"{44756DB6-26DF-4820-BBB3-AFE5AFD8297D}", &IID_IBgCopyAutoFile},
    {L"{BAA1E8D1-6384-47EA-9C62-CADC1718D859}", &IID_IBgCopyAutoCollection},
};

static BOOL iface_value(const WCHAR *iid, const WCHAR *sub, const WCHAR *name, WCHAR *out, DWORD chars)
{
    WCHAR key[256];
    DWORD bytes = chars * sizeof(WCHAR);

    swprintf(key, 256, L"Interface\\%ls%ls%ls", iid, sub[0] ? L"\\" : L"", sub);
    out[0] = 0;
    return RegGetValueW(HKEY_CLASSES_ROOT, key, name, RRF_RT_REG_SZ, NULL, out, &bytes) == ERROR_SUCCESS;
}

static DWORD run_server_cmd(const WCHAR *arg)
{
    WCHAR cmd[WT_PATH];
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    DWORD code = 255;

    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    wt_format(cmd, L"\"%ls\\bgcopysvc.exe\" %ls", wt_env(L"BGC_BIN_DIR"), arg);
    assert_true(CreateProcessW(NULL, cmd, NULL, NULL, FALSE, CREATE_NO_WINDOW, NULL, NULL, &si, &pi));
    assert_int_equal(WaitForSingleObject(pi.hProcess, 60000), WAIT_OBJECT_0);
    GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    return code;
}

/* Each dual interface's key names the typelib marshaler and bgcopy.tlb; /UnregServer removes
 * the keys and /RegServer writes them again. */
static void registration_points_dual_interfaces_at_typelib_marshaler(void **state)
{
    WCHAR v[128];
    size_t i;

    (void)state;
    for (i = 0; i < ARRAYSIZE(auto_ifaces); i++) {
        assert_true(iface_value(auto_ifaces[i].iid, L"ProxyStubClsid32", NULL, v, 128));
        assert_int_equal(_wcsicmp(v, PS_TYPELIB_MARSHALER), 0);
        assert_true(iface_value(auto_ifaces[i].iid, L"TypeLib", NULL, v, 128));
        assert_int_equal(_wcsicmp(v, L"{4D6AB99E-0AB2-46CF-8235-BC751D8B550B}"), 0);
        assert_true(iface_value(auto_ifaces[i].iid, L"TypeLib", L"Version", v, 128));
        assert_int_equal(wcscmp(v, L"1.0"), 0);
    }
    assert_int_equal(run_server_cmd(L"/UnregServer"), 0);
    for (i = 0; i < ARRAYSIZE(auto_ifaces); i++)
        assert_false(iface_value(auto_ifaces[i].iid, L"", NULL, v, 128));
    assert_int_equal(run_server_cmd(L"/RegServer"), 0);
    for (i = 0; i < ARRAYSIZE(auto_ifaces); i++)
        assert_true(iface_value(auto_ifaces[i].iid, L"ProxyStubClsid32", NULL, v, 128));
}

/* CreateObject("BgCopy.Manager"): IDispatch and IBgCopyAutoManager on the manager, one identity. */
static void progid_manager_answers_idispatch_with_one_identity(void **state)
{
    IDispatch *d = auto_manager();
    IBgCopyAutoManager *typed = NULL;
    IBackgroundCopyManager *bits = NULL;
    IUnknown *u1 = NULL, *u2 = NULL;
    UINT n = 0;
    ITypeInfo *ti = NULL;
    TYPEATTR *attr;
    BSTR name = NULL;

    (void)state;
    assert_hr(IDispatch_GetTypeInfoCount(d, &n), S_OK);
    assert_int_equal(n, 1);
    assert_hr(IDispatch_GetTypeInfo(d, 0, LOCALE_USER_DEFAULT, &ti), S_OK);
    /* what PowerShell's and Python's adapters read: the dispatch view with named members */
    assert_hr(ITypeInfo_GetTypeAttr(ti, &attr), S_OK);
    assert_true(IsEqualGUID(&attr->guid, &IID_IBgCopyAutoManager));
    assert_int_equal(attr->typekind, TKIND_DISPATCH);
    ITypeInfo_ReleaseTypeAttr(ti, attr);
    assert_hr(ITypeInfo_GetDocumentation(ti, 1, &name, NULL, NULL, NULL), S_OK);
    assert_int_equal(wcscmp(name, L"CreateJob"), 0);
    SysFreeString(name);
    ITypeInfo_Release(ti);
    ti = (ITypeInfo *)0xdeadbeef;
    assert_hr(IDispatch_GetTypeInfo(d, 1, LOCALE_USER_DEFAULT, &ti), DISP_E_BADINDEX);
    assert_hr(IDispatch_QueryInterface(d, &IID_IBgCopyAutoManager, (void **)&typed), S_OK);
    assert_hr(IDispatch_QueryInterface(d, &IID_IBackgroundCopyManager, (void **)&bits), S_OK);
    assert_hr(IDispatch_QueryInterface(d, &IID_IUnknown, (void **)&u1), S_OK);
    assert_hr(IBackgroundCopyManager_QueryInterface(bits, &IID_IUnknown, (void **)&u2), S_OK);
    assert_ptr_equal(u1, u2);
    IUnknown_Release(u1);
    IUnknown_Release(u2);
    IBackgroundCopyManager_Release(bits);
    IBgCopyAutoManager_Release(typed);
    IDispatch_Release(d);
}

/* Every member name resolves to its DISPID; an unknown name gives DISP_E_UNKNOWNNAME. */
static void names_resolve_to_dispids_unknown_name_fails(void **state)
{
    static const WCHAR *job_names[] = {
        L"Id", L"DisplayName", L"AddFile", L"Resume", L"Suspend", L"Complete", L"Cancel", L"State", L"StateName",
        L"BytesTransferred", L"BytesTotal", L"FilesTransferred", L"FilesTotal", L"Error", L"ErrorCode",
        L"NotifyClsid", L"Files", L"Progress", L"Wait",
    };
    IDispatch *mgr = auto_manager(), *job = create_job(mgr, L"names"), *jobs;
    LPOLESTR bad = (LPOLESTR)L"NoSuchMember";
    DISPID id = 0;
    size_t i;

    (void)state;
    for (i = 0; i < ARRAYSIZE(job_names); i++)
        assert_int_equal(dispid_of(job, job_names[i]), (DISPID)(i + 1)); /* ids 1..19 in IDL order */
    assert_int_equal(dispid_of(mgr, L"CreateJob"), 1);
    assert_int_equal(dispid_of(mgr, L"getjob"), 2); /* names are case-insensitive */
    assert_int_equal(dispid_of(mgr, L"Jobs"), 3);
    jobs = get_disp(mgr, L"Jobs");
    assert_int_equal(dispid_of(jobs, L"Count"), 1);
    assert_int_equal(dispid_of(jobs, L"Item"), DISPID_VALUE);
    assert_int_equal(dispid_of(jobs, L"_NewEnum"), DISPID_NEWENUM);
    assert_hr(IDispatch_GetIDsOfNames(job, &IID_NULL, &bad, 1, LOCALE_USER_DEFAULT, &id), DISP_E_UNKNOWNNAME);
    assert_hr(IDispatch_GetIDsOfNames(job, &IID_IDispatch, &bad, 1, LOCALE_USER_DEFAULT, &id),
              DISP_E_UNKNOWNINTERFACE);
    assert_hr(call_str(job, L"Cancel", NULL, NULL, NULL, NULL), S_OK);
    IDispatch_Release(jobs);
    IDispatch_Release(job);
    IDispatch_Release(mgr);
}

/* A whole download through Invoke: every job and file member, then the file's content. */
static void invoke_drives_a_download_job(void **state)
{
    IDispatch *mgr = auto_manager(), *job = create_job(mgr, L"invoke"), *files, *file, *again;
    WCHAR url[WT_PATH], dir[WT_PATH], path[WT_PATH], s[WT_PATH], id[WT_PATH];
    VARIANT v, idx;
    HRESULT scode = 0;

    (void)state;
    wt_url(url, L"/gen/250000?seed=91");
    wt_format(path, L"%ls\\invoke.bin", wt_test_dir(dir, L"automation-invoke"));
    assert_int_equal(wcscmp(get_str(job, L"DisplayName", s), L"invoke"), 0);
    put_str(job, L"DisplayName", L"renamed");
    assert_int_equal(wcscmp(get_str(job, L"DisplayName", s), L"renamed"), 0);
    assert_int_equal(wcscmp(get_str(job, L"StateName", s), L"SUSPENDED"), 0);
    assert_int_equal(get_i4(job, L"State"), BG_JOB_STATE_SUSPENDED);
    assert_int_equal(wcscmp(get_str(job, L"Error", s), L""), 0);
    assert_int_equal(get_i4(job, L"ErrorCode"), 0);
    assert_int_equal(wcscmp(get_str(job, L"NotifyClsid", s), L"{00000000-0000-0000-0000-000000000000}"), 0);
    put_str(job, L"NotifyClsid", L"{416D1E96-BC43-45E1-A165-B43D3C7073AB}");
    assert_int_equal(wcscmp(get_str(job, L"NotifyClsid", s), L"{416D1E96-BC43-45E1-A165-B43D3C7073AB}"), 0);
    put_str(job, L"NotifyClsid", L"");
    assert_int_equal(wcscmp(get_str(job, L"NotifyClsid", s), L"{00000000-0000-0000-0000-000000000000}"), 0);
    assert_hr(call_str(job, L"AddFile", url, path, NULL, NULL), S_OK);
    assert_int_equal(get_i4(job, L"FilesTotal"), 1);
    assert_hr(call_str(job, L"Resume", NULL, NULL, NULL, NULL), S_OK);
    assert_int_equal(wait_final(job), BG_JOB_STATE_TRANSFERRED);
    assert_true(get_r8(job, L"BytesTransferred") == 250000.0);
    assert_true(get_r8(job, L"BytesTotal") == 250000.0);
    assert_true(get_r8(job, L"Progress") == 100.0);
    assert_int_equal(get_i4(job, L"FilesTransferred"), 1);
    assert_int_equal(wcscmp(get_str(job, L"StateName", s), L"TRANSFERRED"), 0);

    files = get_disp(job, L"Files");
    assert_int_equal(get_i4(files, L"Count"), 1);
    V_VT(&idx) = VT_I2; /* coerced to an index */
    V_I2(&idx) = 0;
    assert_hr(invoke(files, L"Item", DISPATCH_METHOD, &idx, 1, &v, NULL), S_OK);
    assert_int_equal(V_VT(&v), VT_DISPATCH);
    file = V_DISPATCH(&v);
    assert_int_equal(wcscmp(get_str(file, L"RemoteName", s), url), 0);
    assert_int_equal(wcscmp(get_str(file, L"LocalName", s), path), 0);
    assert_true(get_r8(file, L"BytesTransferred") == 250000.0);
    assert_true(get_r8(file, L"BytesTotal") == 250000.0);
    get(file, L"Completed", VT_BOOL, &v); /* BITS: TRUE once Complete made the file available */
    assert_int_equal(V_BOOL(&v), VARIANT_FALSE);

    /* GetJob by the GUID string, with and without braces, gives the same job. */
    get_str(job, L"Id", id);
    assert_hr(call_str(mgr, L"GetJob", id, NULL, &v, NULL), S_OK);
    again = V_DISPATCH(&v);
    assert_int_equal(wcscmp(get_str(again, L"DisplayName", s), L"renamed"), 0);
    IDispatch_Release(again);
    id[wcslen(id) - 1] = 0;
    assert_hr(call_str(mgr, L"GetJob", id + 1, NULL, &v, NULL), S_OK);
    VariantClear(&v);

    assert_hr(call_str(job, L"Complete", NULL, NULL, NULL, NULL), S_OK);
    assert_int_equal(get_i4(job, L"State"), BG_JOB_STATE_ACKNOWLEDGED);
    get(file, L"Completed", VT_BOOL, &v);
    assert_int_equal(V_BOOL(&v), VARIANT_TRUE);
    wt_assert_file_is_testdata(path, 91, 250000);
    get_str(job, L"Id", id);
    assert_hr(call_str(mgr, L"GetJob", id, NULL, &v, &scode), DISP_E_EXCEPTION);
    assert_int_equal((unsigned long)scode, (unsigned long)BG_E_NOT_FOUND);
    IDispatch_Release(file);
    IDispatch_Release(files);
    IDispatch_Release(job);
    IDispatch_Release(mgr);
}

/* Bad DISPIDs, argument counts and types, read-only puts and failing members give DISP_E_*
 * codes (with the BITS HRESULT as scode), and the object keeps working. */
static void bad_calls_give_disp_errors_never_a_crash(void **state)
{
    IDispatch *mgr = auto_manager(), *job = create_job(mgr, L"bad"), *jobs;
    DISPPARAMS none = {NULL, NULL, 0, 0};
    VARIANT args[3], r;
    EXCEPINFO ei;
    HRESULT scode = 0;
    UINT argerr = 0;
    WCHAR s[WT_PATH];

    (void)state;
    VariantInit(&r);
    assert_hr(IDispatch_Invoke(job, 4242, &IID_NULL, 0, DISPATCH_METHOD, &none, &r, NULL, &argerr),
              DISP_E_MEMBERNOTFOUND);
    assert_hr(IDispatch_Invoke(job, 1, &IID_IDispatch, 0, DISPATCH_PROPERTYGET, &none, &r, NULL, &argerr),
              DISP_E_UNKNOWNINTERFACE);
    /* three arguments for AddFile(url, path) */
    V_VT(&args[0]) = V_VT(&args[1]) = V_VT(&args[2]) = VT_I4;
    V_I4(&args[0]) = V_I4(&args[1]) = V_I4(&args[2]) = 1;
    assert_hr(invoke(job, L"AddFile", DISPATCH_METHOD, args, 3, NULL, NULL), DISP_E_BADPARAMCOUNT);
    /* an object where a string is expected */
    V_VT(&args[0]) = VT_DISPATCH;
    V_DISPATCH(&args[0]) = mgr;
    V_VT(&args[1]) = VT_DISPATCH;
    V_DISPATCH(&args[1]) = mgr;
    assert_hr(invoke(job, L"AddFile", DISPATCH_METHOD, args, 2, NULL, NULL), DISP_E_TYPEMISMATCH);
    /* State is read-only */
    V_VT(&args[0]) = VT_I4;
    V_I4(&args[0]) = 6;
    assert_hr(invoke(job, L"State", DISPATCH_PROPERTYPUT, args, 1, NULL, NULL), DISP_E_MEMBERNOTFOUND);
    /* members that fail report the BITS code through EXCEPINFO */
    assert_hr(call_str(job, L"AddFile", L"not a url", L"relative.bin", NULL, &scode), DISP_E_EXCEPTION);
    assert_int_equal((unsigned long)scode, (unsigned long)E_INVALIDARG);
    assert_hr(call_str(mgr, L"GetJob", L"not-a-guid", NULL, NULL, &scode), DISP_E_EXCEPTION);
    assert_int_equal((unsigned long)scode, (unsigned long)E_INVALIDARG);
    V_VT(&args[0]) = VT_I4;
    V_I4(&args[0]) = -1;
    assert_hr(invoke(job, L"Wait", DISPATCH_METHOD, args, 1, &r, &ei), DISP_E_EXCEPTION);
    assert_int_equal((unsigned long)ei.scode, (unsigned long)E_INVALIDARG);
    assert_non_null(ei.bstrDescription);
    assert_true(SysStringLen(ei.bstrDescription) > 0);
    clear_excep(&ei);
    V_VT(&args[0]) = VT_BSTR;
    V_BSTR(&args[0]) = SysAllocString(L"{bad");
    assert_hr(invoke(job, L"NotifyClsid", DISPATCH_PROPERTYPUT, args, 1, NULL, &ei), DISP_E_EXCEPTION);
    assert_int_equal((unsigned long)ei.scode, (unsigned long)E_INVALIDARG);
    clear_excep(&ei);
    VariantClear(&args[0]);
    assert_hr(call_str(job, L"Resume", NULL, NULL, NULL, &scode), DISP_E_EXCEPTION); /* no files */
    assert_int_equal((unsigned long)scode, (unsigned long)BG_E_EMPTY);
    /* collection indexes */
    jobs = get_disp(mgr, L"Jobs");
    V_VT(&args[0]) = VT_I4;
    V_I4(&args[0]) = 9999;
    assert_hr(invoke(jobs, L"Item", DISPATCH_METHOD, args, 1, &r, &ei), DISP_E_EXCEPTION);
    assert_int_equal((unsigned long)ei.scode, (unsigned long)DISP_E_BADINDEX);
    clear_excep(&ei);
    assert_hr(call_str(jobs, L"Item", L"{00000000-0000-0000-0000-000000000001}", NULL, NULL, &scode),
              DISP_E_EXCEPTION);
    assert_int_equal((unsigned long)scode, (unsigned long)BG_E_NOT_FOUND);
    V_VT(&args[0]) = VT_DISPATCH;
    V_DISPATCH(&args[0]) = mgr;
    assert_hr(invoke(jobs, L"Item", DISPATCH_METHOD, args, 1, &r, &ei), DISP_E_EXCEPTION);
    assert_int_equal((unsigned long)ei.scode, (unsigned long)DISP_E_TYPEMISMATCH);
    clear_excep(&ei);
    /* still alive and consistent */
    assert_int_equal(wcscmp(get_str(job, L"StateName", s), L"SUSPENDED"), 0);
    assert_hr(call_str(job, L"Cancel", NULL, NULL, NULL, NULL), S_OK);
    assert_int_equal(get_i4(job, L"State"), BG_JOB_STATE_CANCELLED);
    assert_hr(call_str(job, L"Complete", NULL, NULL, NULL, &scode), DISP_E_EXCEPTION);
    assert_int_equal((unsigned long)scode, (unsigned long)BG_E_INVALID_STATE);
    IDispatch_Release(jobs);
    IDispatch_Release(job);
    IDispatch_Release(mgr);
}

/* manager.Jobs: Count, Item(index or GUID), and _NewEnum's IEnumVARIANT list the new jobs. */
static void jobs_collection_enumerates_through_ienumvariant(void **state)
{
    IDispatch *mgr = auto_manager(), *a = create_job(mgr, L"enum-a"), *b = create_job(mgr, L"enum-b"), *jobs;
    WCHAR ida[WT_PATH], idb[WT_PATH], s[WT_PATH];
    IEnumVARIANT *e = NULL, *clone = NULL;
    VARIANT v[8], r;
    ULONG got = 0, i;
    int seen_a = 0, seen_b = 0;
    LONG count;

    (void)state;
    get_str(a, L"Id", ida);
    get_str(b, L"Id", idb);
    jobs = get_disp(mgr, L"Jobs");
    count = get_i4(jobs, L"Count");
    assert_true(count >= 2 && count <= 8);
    assert_hr(call_str(jobs, L"Item", idb, NULL, &r, NULL), S_OK);
    assert_int_equal(wcscmp(get_str(V_DISPATCH(&r), L"DisplayName", s), L"enum-b"), 0);
    VariantClear(&r);
    assert_hr(invoke(jobs, L"_NewEnum", DISPATCH_PROPERTYGET, NULL, 0, &r, NULL), S_OK);
    assert_true(V_VT(&r) == VT_UNKNOWN || V_VT(&r) == VT_DISPATCH);
    assert_hr(IUnknown_QueryInterface(V_UNKNOWN(&r), &IID_IEnumVARIANT, (void **)&e), S_OK);
    VariantClear(&r);
    assert_hr(IEnumVARIANT_Clone(e, &clone), S_OK);
    assert_hr(IEnumVARIANT_Next(e, 8, v, &got), S_FALSE);
    assert_int_equal(got, (ULONG)count);
    for (i = 0; i < got; i++) {
        assert_int_equal(V_VT(&v[i]), VT_DISPATCH);
        get_str(V_DISPATCH(&v[i]), L"Id", s);
        seen_a += !wcscmp(s, ida);
        seen_b += !wcscmp(s, idb);
        VariantClear(&v[i]);
    }
    assert_int_equal(seen_a, 1);
    assert_int_equal(seen_b, 1);
    assert_hr(IEnumVARIANT_Next(e, 1, v, &got), S_FALSE);
    assert_int_equal(got, 0);
    assert_hr(IEnumVARIANT_Reset(e), S_OK);
    assert_hr(IEnumVARIANT_Skip(e, (ULONG)count), S_OK);
    assert_hr(IEnumVARIANT_Skip(e, 1), S_FALSE);
    assert_hr(IEnumVARIANT_Next(clone, 1, v, &got), S_OK); /* the clone kept its own cursor */
    assert_int_equal(got, 1);
    VariantClear(&v[0]);
    IEnumVARIANT_Release(clone);
    IEnumVARIANT_Release(e);
    assert_hr(call_str(a, L"Cancel", NULL, NULL, NULL, NULL), S_OK);
    assert_hr(call_str(b, L"Cancel", NULL, NULL, NULL, NULL), S_OK);
    IDispatch_Release(jobs);
    IDispatch_Release(a);
    IDispatch_Release(b);
    IDispatch_Release(mgr);
}

/* The typed vtables cross processes through the typelib marshaler (oleaut32, bgcopy.tlb). */
static void typed_vtables_cross_the_typelib_marshaler(void **state)
{
    IDispatch *mgr = auto_manager(), *d = NULL;
    IBgCopyAutoManager *typed = NULL;
    IBgCopyAutoJob *job = NULL;
    BSTR name = SysAllocString(L"typed"), s = NULL;
    double total = 0;
    LONG st = -1;

    (void)state;
    assert_hr(IDispatch_QueryInterface(mgr, &IID_IBgCopyAutoManager, (void **)&typed), S_OK);
    assert_hr(IBgCopyAutoManager_CreateJob(typed, name, &d), S_OK);
    assert_hr(IDispatch_QueryInterface(d, &IID_IBgCopyAutoJob, (void **)&job), S_OK);
    assert_hr(IBgCopyAutoJob_get_DisplayName(job, &s), S_OK);
    assert_int_equal(wcscmp(s, L"typed"), 0);
    SysFreeString(s);
    assert_hr(IBgCopyAutoJob_get_BytesTotal(job, &total), S_OK);
    assert_true(total == 0.0); /* no files yet: the total is known and 0 */
    assert_hr(IBgCopyAutoJob_Wait(job, 0, &st), S_OK);
    assert_int_equal(st, BG_JOB_STATE_SUSPENDED);
    assert_hr(IBgCopyAutoJob_Resume(job), BG_E_EMPTY);
    assert_hr(IBgCopyAutoJob_Cancel(job), S_OK);
    IBgCopyAutoJob_Release(job);
    IDispatch_Release(d);
    IBgCopyAutoManager_Release(typed);
    IDispatch_Release(mgr);
    SysFreeString(name);
}

/* ---- events (_IBgCopyJobEvents through IConnectionPoint) ---------------------------------- */

struct sink {
    IDispatch IDispatch_iface;
    LONG ref;
    LONG calls[4];     /* Invoke calls per DISPID 1..3 (0: any other) */
    LONG bad_args;     /* calls whose argument was not one VT_DISPATCH */
};

static struct sink *sink_from(IDispatch *iface)
{
    return CONTAINING_RECORD(iface, struct sink, IDispatch_iface);
}

static HRESULT WINAPI sink_QueryInterface(IDispatch *iface, REFIID riid, void **ppv)
{
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDispatch) ||
        IsEqualIID(riid, &DIID__IBgCopyJobEvents)) {
        *ppv = iface;
        IDispatch_AddRef(iface);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI sink_AddRef(IDispatch *iface)
{
    return InterlockedIncrement(&sink_from(iface)->ref);
}

static ULONG WINAPI sink_Release(IDispatch *iface)
{
    return InterlockedDecrement(&sink_from(iface)->ref); /* static object: never freed */
}

static HRESULT WINAPI sink_GetTypeInfoCount(IDispatch *iface, UINT *n)
{
    (void)iface;
    *n = 0;
    return S_OK;
}

static HRESULT WINAPI sink_GetTypeInfo(IDispatch *iface, UINT i, LCID lcid, ITypeInfo **out)
{
    (void)iface, (void)i, (void)lcid;
    *out = NULL;
    return E_NOTIMPL;
}

static HRESULT WINAPI sink_GetIDsOfNames(IDispatch *iface, REFIID riid, LPOLESTR *names, UINT n, LCID lcid,
                                         DISPID *ids)
{
    (void)iface, (void)riid, (void)names, (void)n, (void)lcid, (void)ids;
    return E_NOTIMPL;
}

static HRESULT WINAPI sink_Invoke(IDispatch *iface, DISPID member, REFIID riid, LCID lcid, WORD flags,
                                  DISPPARAMS *dp, VARIANT *result, EXCEPINFO *ei, UINT *argerr)
{
    struct sink *s = sink_from(iface);

    (void)riid, (void)lcid, (void)flags, (void)result, (void)ei, (void)argerr;
    InterlockedIncrement(&s->calls[member >= 1 && member <= 3 ? member : 0]);
    if (!dp || dp->cArgs != 1 || V_VT(&dp->rgvarg[0]) != VT_DISPATCH || !V_DISPATCH(&dp->rgvarg[0]))
        InterlockedIncrement(&s->bad_args);
    return S_OK;
}

static const IDispatchVtbl sink_vtbl = {
    sink_QueryInterface, sink_AddRef,       sink_Release,
    sink_GetTypeInfoCount, sink_GetTypeInfo, sink_GetIDsOfNames, sink_Invoke,
};

static BOOL wait_calls(struct sink *s, int member, LONG n)
{
    ULONGLONG end = GetTickCount64() + WAIT_MS;

    while (s->calls[member] < n && GetTickCount64() < end)
        Sleep(50);
    return s->calls[member] >= n;
}

/* Sinks connected to a job's connection point get Transferred, Error and (with the
 * MODIFICATION flag) Modification, each with the job object as argument. */
static void events_reach_connected_sinks(void **state)
{
    static struct sink ok_sink = {{(IDispatchVtbl *)&sink_vtbl}, 1, {0}, 0};
    static struct sink err_sink = {{(IDispatchVtbl *)&sink_vtbl}, 1, {0}, 0};
    IDispatch *mgr = auto_manager(), *good = create_job(mgr, L"events-ok"), *bad = create_job(mgr, L"events-err");
    IConnectionPointContainer *cpc = NULL, *cpc2 = NULL;
    IConnectionPoint *cp = NULL, *cp2 = NULL, *none = (IConnectionPoint *)1;
    IBackgroundCopyJob *bits = NULL;
    WCHAR url[WT_PATH], dir[WT_PATH], path[WT_PATH], id[WT_PATH];
    DWORD cookie = 0, cookie2 = 0;
    IID iid;
    GUID guid;

    (void)state;
    assert_hr(IDispatch_QueryInterface(good, &IID_IConnectionPointContainer, (void **)&cpc), S_OK);
    assert_hr(IConnectionPointContainer_FindConnectionPoint(cpc, &IID_IDispatch, &none), CONNECT_E_NOCONNECTION);
    assert_null(none);
    assert_hr(IConnectionPointContainer_FindConnectionPoint(cpc, &DIID__IBgCopyJobEvents, &cp), S_OK);
    assert_hr(IConnectionPoint_GetConnectionInterface(cp, &iid), S_OK);
    assert_true(IsEqualIID(&iid, &DIID__IBgCopyJobEvents));
    assert_hr(IConnectionPoint_Advise(cp, (IUnknown *)&ok_sink.IDispatch_iface, &cookie), S_OK);
    assert_true(cookie != 0);
    /* MODIFICATION events too, set through the BITS interface of the same job */
    get_str(good, L"Id", id);
    assert_hr(IIDFromString(id, &guid), S_OK);
    assert_hr(IBackgroundCopyManager_GetJob(g_mgr, &guid, &bits), S_OK);
    assert_hr(IBackgroundCopyJob_SetNotifyFlags(bits, BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR |
                                                          BG_NOTIFY_JOB_MODIFICATION), S_OK);
    wt_url(url, L"/gen/400000?seed=96");
    wt_format(path, L"%ls\\events.bin", wt_test_dir(dir, L"automation-events"));
    assert_hr(call_str(good, L"AddFile", url, path, NULL, NULL), S_OK);
    assert_hr(call_str(good, L"Resume", NULL, NULL, NULL, NULL), S_OK);
    assert_true(wait_calls(&ok_sink, 1, 1));
    assert_true(ok_sink.calls[3] >= 1);
    assert_int_equal(ok_sink.calls[2], 0);
    assert_int_equal(ok_sink.calls[0], 0);
    assert_int_equal(ok_sink.bad_args, 0);

    /* a 404: Error */
    assert_hr(IDispatch_QueryInterface(bad, &IID_IConnectionPointContainer, (void **)&cpc2), S_OK);
    assert_hr(IConnectionPointContainer_FindConnectionPoint(cpc2, &DIID__IBgCopyJobEvents, &cp2), S_OK);
    assert_hr(IConnectionPoint_Advise(cp2, (IUnknown *)&err_sink.IDispatch_iface, &cookie2), S_OK);
    wt_url(url, L"/files/no-such-file.bin");
    wt_format(path, L"%ls\\events-404.bin", dir);
    assert_hr(call_str(bad, L"AddFile", url, path, NULL, NULL), S_OK);
    assert_hr(call_str(bad, L"Resume", NULL, NULL, NULL, NULL), S_OK);
    assert_true(wait_calls(&err_sink, 2, 1));
    assert_int_equal(err_sink.calls[1], 0);
    assert_int_equal(err_sink.bad_args, 0);

    assert_hr(IConnectionPoint_Unadvise(cp, cookie), S_OK);
    assert_hr(IConnectionPoint_Unadvise(cp, cookie), CONNECT_E_NOCONNECTION);
    assert_hr(IConnectionPoint_Unadvise(cp2, cookie2), S_OK);
    assert_hr(call_str(good, L"Complete", NULL, NULL, NULL, NULL), S_OK);
    wt_assert_file_is_testdata(wt_format(path, L"%ls\\events.bin", dir), 96, 400000);
    assert_hr(call_str(bad, L"Cancel", NULL, NULL, NULL, NULL), S_OK);
    IBackgroundCopyJob_Release(bits);
    IConnectionPoint_Release(cp);
    IConnectionPoint_Release(cp2);
    IConnectionPointContainer_Release(cpc);
    IConnectionPointContainer_Release(cpc2);
    IDispatch_Release(good);
    IDispatch_Release(bad);
    IDispatch_Release(mgr);
}

/* IProvideClassInfo names coclass BgCopyAutoJob, whose default source is _IBgCopyJobEvents
 * (what WScript.ConnectObject looks up). */
static void job_class_info_names_the_event_source(void **state)
{
    IDispatch *mgr = auto_manager(), *job = create_job(mgr, L"classinfo");
    IProvideClassInfo *pci = NULL;
    ITypeInfo *ti = NULL, *src = NULL;
    TYPEATTR *attr;
    HREFTYPE ref;
    UINT i;
    INT flags;
    BOOL found = FALSE;

    (void)state;
    assert_hr(IDispatch_QueryInterface(job, &IID_IProvideClassInfo, (void **)&pci), S_OK);
    assert_hr(IProvideClassInfo_GetClassInfo(pci, &ti), S_OK);
    assert_hr(ITypeInfo_GetTypeAttr(ti, &attr), S_OK);
    assert_true(IsEqualGUID(&attr->guid, &CLSID_BgCopyAutoJob));
    assert_int_equal(attr->typekind, TKIND_COCLASS);
    for (i = 0; i < attr->cImplTypes; i++) {
        assert_hr(ITypeInfo_GetImplTypeFlags(ti, i, &flags), S_OK);
        if ((flags & (IMPLTYPEFLAG_FSOURCE | IMPLTYPEFLAG_FDEFAULT)) == (IMPLTYPEFLAG_FSOURCE | IMPLTYPEFLAG_FDEFAULT)) {
            TYPEATTR *sattr;

            assert_hr(ITypeInfo_GetRefTypeOfImplType(ti, i, &ref), S_OK);
            assert_hr(ITypeInfo_GetRefTypeInfo(ti, ref, &src), S_OK);
            assert_hr(ITypeInfo_GetTypeAttr(src, &sattr), S_OK);
            found = IsEqualGUID(&sattr->guid, &DIID__IBgCopyJobEvents);
            ITypeInfo_ReleaseTypeAttr(src, sattr);
            ITypeInfo_Release(src);
        }
    }
    assert_true(found);
    ITypeInfo_ReleaseTypeAttr(ti, attr);
    ITypeInfo_Release(ti);
    IProvideClassInfo_Release(pci);
    assert_hr(call_str(job, L"Cancel", NULL, NULL, NULL, NULL), S_OK);
    IDispatch_Release(job);
    IDispatch_Release(mgr);
}

/* ---- the example scripts under cscript ---------------------------------------------------- */

static void download_script(const WCHAR *script, const WCHAR *name, int seed, UINT64 size)
{
    WCHAR url[WT_PATH], dir[WT_PATH], path[WT_PATH], args[WT_PATH], gen[64];
    struct script_run *r = calloc(1, sizeof(*r));
    char want[128];

    assert_non_null(r);
    swprintf(gen, 64, L"/gen/%llu?seed=%d", (unsigned long long)size, seed);
    wt_url(url, gen);
    wt_format(path, L"%ls\\%ls", wt_test_dir(dir, L"automation-scripts"), name);
    wt_format(args, L"\"%ls\" \"%ls\" 60", url, path);
    run_script(r, script, args);
    assert_int_equal(r->exit_code, 0);
    assert_out_has(r, "job {");
    assert_out_has(r, "progress: TRANSFERRED");
    snprintf(want, sizeof(want), "transferred %llu bytes to ", (unsigned long long)size);
    assert_out_has(r, want);
    wt_assert_file_is_testdata(path, (uint64_t)seed, size);
    free(r);
}

static void download_js_transfers_file_with_right_sha256(void **state)
{
    (void)state;
    download_script(L"download.js", L"js.bin", 93, 1500000);
}

static void download_vbs_transfers_file_with_right_sha256(void **state)
{
    (void)state;
    download_script(L"download.vbs", L"vbs.bin", 94, 700000);
}

/* events.js: under Wine 8 WScript.ConnectObject is E_NOTIMPL, so the script says so and
 * polls; the download must still complete with the right content. (On Windows the same
 * script prints the events.) */
static void events_js_transfers_file_without_connectobject(void **state)
{
    WCHAR url[WT_PATH], dir[WT_PATH], path[WT_PATH], args[WT_PATH];
    struct script_run *r = calloc(1, sizeof(*r));

    (void)state;
    assert_non_null(r);
    wt_url(url, L"/gen/300000?seed=97");
    wt_format(path, L"%ls\\events-js.bin", wt_test_dir(dir, L"automation-scripts"));
    wt_format(args, L"\"%ls\" \"%ls\" 60", url, path);
    run_script(r, L"events.js", args);
    assert_int_equal(r->exit_code, 0);
    if (strstr(r->out, "events: connected"))
        assert_out_has(r, "event: Transferred {");
    else
        assert_out_has(r, "events: WScript.ConnectObject not available (0x80004001), polling");
    assert_out_has(r, "transferred 300000 bytes to ");
    wt_assert_file_is_testdata(path, 97, 300000);
    free(r);
}

/* A 404 makes the job go to ERROR: the script prints the BITS error and exits with 2. */
static void download_js_reports_http_error_and_exits_2(void **state)
{
    WCHAR url[WT_PATH], dir[WT_PATH], args[WT_PATH];
    struct script_run *r = calloc(1, sizeof(*r));

    (void)state;
    assert_non_null(r);
    wt_url(url, L"/files/no-such-file.bin");
    wt_format(args, L"\"%ls\" \"%ls\\missing.bin\" 60", url, wt_test_dir(dir, L"automation-scripts"));
    run_script(r, L"download.js", args);
    assert_int_equal(r->exit_code, 2);
    assert_out_has(r, "progress: ERROR");
    assert_out_has(r, "error: ");
    assert_out_has(r, "(0x80190194)");
    free(r);
}

static void download_scripts_print_usage_without_arguments(void **state)
{
    struct script_run *r = calloc(1, sizeof(*r));

    (void)state;
    assert_non_null(r);
    run_script(r, L"download.js", L"");
    assert_int_equal(r->exit_code, 1);
    assert_out_has(r, "usage: ");
    run_script(r, L"download.vbs", L"onlyone");
    assert_int_equal(r->exit_code, 1);
    assert_out_has(r, "usage: ");
    free(r);
}

/* list.js (Enumerator) and list.vbs (For Each) list a job and its file. */
static void list_scripts_enumerate_jobs_and_files(void **state)
{
    IBackgroundCopyJob *job = NULL;
    struct script_run *r = calloc(1, sizeof(*r));
    WCHAR url[WT_PATH], dir[WT_PATH], path[WT_PATH];
    char line[256], guid8[40];
    WCHAR guid[40];
    GUID id;

    (void)state;
    assert_non_null(r);
    assert_hr(IBackgroundCopyManager_CreateJob(g_mgr, L"listed-by-script", BG_JOB_TYPE_DOWNLOAD, &id, &job), S_OK);
    wt_url(url, L"/gen/1000?seed=95");
    wt_format(path, L"%ls\\listed.bin", wt_test_dir(dir, L"automation-scripts"));
    assert_hr(IBackgroundCopyJob_AddFile(job, url, path), S_OK);
    StringFromGUID2(&id, guid, 40);
    WideCharToMultiByte(CP_UTF8, 0, guid, -1, guid8, sizeof(guid8), NULL, NULL);
    snprintf(line, sizeof(line), "%s SUSPENDED 0/-1 bytes listed-by-script", guid8);
    run_script(r, L"list.js", L"");
    assert_int_equal(r->exit_code, 0);
    assert_out_has(r, line);
    assert_out_has(r, "  file: http://127.0.0.1:");
    assert_out_has(r, "listed.bin (0/-1 bytes)");
    run_script(r, L"list.vbs", L"");
    assert_int_equal(r->exit_code, 0);
    assert_out_has(r, line);
    assert_out_has(r, "listed.bin (0/-1 bytes)");
    assert_hr(IBackgroundCopyJob_Cancel(job), S_OK);
    IBackgroundCopyJob_Release(job);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(progid_manager_answers_idispatch_with_one_identity),
        cmocka_unit_test(names_resolve_to_dispids_unknown_name_fails),
        cmocka_unit_test(invoke_drives_a_download_job),
        cmocka_unit_test(bad_calls_give_disp_errors_never_a_crash),
        cmocka_unit_test(jobs_collection_enumerates_through_ienumvariant),
        cmocka_unit_test(typed_vtables_cross_the_typelib_marshaler),
        cmocka_unit_test(events_reach_connected_sinks),
        cmocka_unit_test(job_class_info_names_the_event_source),
        cmocka_unit_test(download_js_transfers_file_with_right_sha256),
        cmocka_unit_test(download_vbs_transfers_file_with_right_sha256),
        cmocka_unit_test(download_js_reports_http_error_and_exits_2),
        cmocka_unit_test(events_js_transfers_file_without_connectobject),
        cmocka_unit_test(download_scripts_print_usage_without_arguments),
        cmocka_unit_test(list_scripts_enumerate_jobs_and_files),
        cmocka_unit_test(registration_points_dual_interfaces_at_typelib_marshaler),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
