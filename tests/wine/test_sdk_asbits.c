/*
 * test_sdk_asbits.c - `bgcopysvc /RegServer /asbits` under Wine: an unmodified BITS client,
 * built against mingw-w64's SDK header <bits.h> and libbits.a (never bgcopy.h: the test_sdk_
 * prefix makes tests/wine/CMakeLists.txt link `bits` instead of bgc_idl_guids), activates
 * CLSID_BackgroundCopyManager and downloads through bgcopy; `/UnregServer /asbits` then gives
 * the CLSIDs back to Wine's own BITS (registry/README.md, "/asbits").
 *
 * The tests run in order and share the prefix's state (cmocka runs a group in order):
 *  1. baseline: Wine's BITS answers CLSID_BackgroundCopyManager (its service runs in
 *     svchost.exe); the registry of every BITS CLSID is snapshotted.
 *  2. /RegServer /asbits: Wine's service is stopped, and every BITS CLSID (plain and
 *     versioned) activates bgcopy's manager - proven by finding a job created through it with
 *     GetJob on CLSID_BgCopyManager, which only bgcopysvc.exe serves.
 *  3. the unmodified client: job, download from the loopback server, JobTransferred on an
 *     IBackgroundCopyCallback, Complete, SHA-256 of the file; the server is bgcopysvc.exe.
 *  4. /UnregServer /asbits: the registry snapshot is identical to the baseline, and once
 *     bgcopysvc.exe has exited, CLSID_BackgroundCopyManager reaches Wine's BITS again.
 *  5. plain /UnregServer after /RegServer /asbits removes both registrations: the BITS CLSIDs
 *     are restored too (never left pointing at an unregistered server).
 *
 * Invariants: every wait is bounded; every process this test starts is waited for.
 */
#include <windows.h>
#include <objbase.h>
#include <tlhelp32.h>
#include <winsvc.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <cmocka.h>

#include <bits.h> /* the SDK header an unmodified BITS client uses */

#include "testdata.h"

#define SA_PATH 1024
#define SA_SIZE 300000u /* bytes downloaded */
#define SA_SEED 31u

/* bgcopy's own class: only bgcopysvc.exe serves it (the team brief's fixed identifier). */
static const CLSID sa_clsid_bgcopy = {
    0x5df81799, 0x3ac7, 0x47c5, {0xad, 0xcf, 0x4c, 0x02, 0xcc, 0x5e, 0xc2, 0x82}};

/* The BITS CLSIDs (bits-reference.md section 1); mingw-w64's libbits.a has only 1.0-3.0. */
static const struct {
    const char *name;
    CLSID clsid;
} sa_bits[] = {
    {"BackgroundCopyManager",
     {0x4991d34b, 0x80a1, 0x4291, {0x83, 0xb6, 0x33, 0x28, 0x36, 0x6b, 0x90, 0x97}}},
    {"BackgroundCopyManager1_5",
     {0xf087771f, 0xd74f, 0x4c1a, {0xbb, 0x8a, 0xe1, 0x6a, 0xca, 0x91, 0x24, 0xea}}},
    {"BackgroundCopyManager2_0",
     {0x6d18ad12, 0xbde3, 0x4393, {0xb3, 0x11, 0x09, 0x9c, 0x34, 0x6e, 0x6d, 0xf9}}},
    {"BackgroundCopyManager2_5",
     {0x03ca98d6, 0xff5d, 0x49b8, {0xab, 0xc6, 0x03, 0xdd, 0x84, 0x12, 0x70, 0x20}}},
    {"BackgroundCopyManager3_0",
     {0x659cdea7, 0x489e, 0x11d9, {0xa9, 0xcd, 0x00, 0x0d, 0x56, 0x96, 0x52, 0x51}}},
    {"BackgroundCopyManager4_0",
     {0xbb6df56b, 0xcace, 0x11dc, {0x99, 0x92, 0x00, 0x19, 0xb9, 0x3a, 0x3a, 0x84}}},
    {"BackgroundCopyManager5_0",
     {0x1ecca34c, 0xe88a, 0x44e3, {0x8d, 0x6a, 0x89, 0x21, 0xbd, 0xe9, 0xe4, 0x52}}},
    {"BackgroundCopyManager10_1",
     {0x4bd3e4e1, 0x7bd4, 0x4a2b, {0x99, 0x64, 0x49, 0x64, 0x00, 0xde, 0x51, 0x93}}},
    {"BackgroundCopyManager10_2",
     {0x4575438f, 0xa6c8, 0x4976, {0xb0, 0xfe, 0x2f, 0x26, 0xb8, 0x0d, 0x95, 0x9e}}},
    {"BackgroundCopyManager10_3",
     {0x5fd42ad5, 0xc04e, 0x4d36, {0xad, 0xc7, 0xe0, 0x8f, 0xf1, 0x57, 0x37, 0xad}}},
};
#define SA_NBITS (sizeof(sa_bits) / sizeof(sa_bits[0]))

/* Registry places whose state /asbits may change and must restore (under HKLM). */
static const WCHAR *sa_snapshot_keys[] = {
    L"Software\\Classes\\AppID\\{69AD4AEE-51BE-439B-A92C-86AE490E8B30}", /* Wine's BITS AppID */
    L"Software\\Classes\\AppID\\BITS",
    L"Software\\bgcopy",
};

static WCHAR *baseline;               /* registry snapshot before /RegServer /asbits */
static HRESULT baseline_hr[SA_NBITS]; /* activation results before /RegServer /asbits */

#define assert_hr(call, expected)                                                                  \
    do {                                                                                           \
        HRESULT sa_got_ = (call);                                                                  \
        HRESULT sa_want_ = (HRESULT)(expected);                                                    \
        if (sa_got_ != sa_want_)                                                                   \
            print_error("%s:%d: %s returned 0x%08lx, expected 0x%08lx\n", __FILE__, __LINE__,      \
                        #call, (unsigned long)sa_got_, (unsigned long)sa_want_);                   \
        assert_int_equal((unsigned long)sa_got_, (unsigned long)sa_want_);                         \
    } while (0)

/* ---- Environment, processes, the BITS service ----------------------------------------- */

static const WCHAR *sa_env(const WCHAR *name, WCHAR *buf)
{
    DWORD n = GetEnvironmentVariableW(name, buf, SA_PATH);

    if (n == 0 || n >= SA_PATH) {
        print_error("environment variable %ls is not set: run this test through wine-run.sh\n",
                    name);
        fail();
    }
    return buf;
}

/* Runs BGC_BIN_DIR\bgcopysvc.exe with args; returns its exit code (fails the test after 60 s). */
static DWORD sa_run_bgcopysvc(const WCHAR *args)
{
    WCHAR bin[SA_PATH], cmd[SA_PATH];
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    DWORD code = 0xffffffff;

    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    swprintf(cmd, SA_PATH, L"\"%ls\\bgcopysvc.exe\" %ls", sa_env(L"BGC_BIN_DIR", bin), args);
    assert_true(CreateProcessW(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi));
    if (WaitForSingleObject(pi.hProcess, 60000) != WAIT_OBJECT_0) {
        print_error("%ls did not finish in 60 s\n", cmd);
        TerminateProcess(pi.hProcess, 1);
        fail();
    }
    GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hProcess);
    CloseHandle(pi.hThread);
    return code;
}

/* Number of processes whose executable is `exe`; with pid != 0, 1 if that pid runs `exe`. */
static int sa_count_processes(const WCHAR *exe, DWORD pid)
{
    PROCESSENTRY32W pe;
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    int n = 0;

    memset(&pe, 0, sizeof(pe));
    pe.dwSize = sizeof(pe);
    assert_true(snap != INVALID_HANDLE_VALUE);
    if (Process32FirstW(snap, &pe)) {
        do {
            if (!_wcsicmp(pe.szExeFile, exe) && (!pid || pe.th32ProcessID == pid))
                n++;
        } while (Process32NextW(snap, &pe));
    }
    CloseHandle(snap);
    return n;
}

/* State of Wine's BITS service and its process id (0 when not running). */
static DWORD sa_bits_service(DWORD *pid)
{
    SERVICE_STATUS_PROCESS st;
    DWORD got = 0;
    SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT), svc;

    assert_non_null(scm);
    svc = OpenServiceW(scm, L"BITS", SERVICE_QUERY_STATUS);
    assert_non_null(svc);
    memset(&st, 0, sizeof(st));
    assert_true(QueryServiceStatusEx(svc, SC_STATUS_PROCESS_INFO, (BYTE *)&st, sizeof(st), &got));
    CloseServiceHandle(svc);
    CloseServiceHandle(scm);
    *pid = st.dwCurrentState == SERVICE_RUNNING ? st.dwProcessId : 0;
    return st.dwCurrentState;
}

/* Waits (at most 30 s) until no bgcopysvc.exe runs: a running server keeps the class objects
 * it registered at start-up, so registration changes reach COM only through a new one. */
static void sa_wait_no_bgcopysvc(void)
{
    ULONGLONG end = GetTickCount64() + 30000;

    while (sa_count_processes(L"bgcopysvc.exe", 0) > 0 && GetTickCount64() < end)
        Sleep(200);
    assert_int_equal(sa_count_processes(L"bgcopysvc.exe", 0), 0);
}

/* ---- Registry snapshot: every key, value name, type and data byte, recursively ----------- */

struct sa_buf {
    WCHAR *p;
    size_t len, cap;
};

static void sa_append(struct sa_buf *b, const WCHAR *fmt, ...)
{
    WCHAR tmp[1200];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vswprintf(tmp, 1200, fmt, ap);
    va_end(ap);
    assert_true(n >= 0);
    if (b->len + (size_t)n + 1 > b->cap) {
        b->cap = (b->len + (size_t)n + 1) * 2;
        b->p = realloc(b->p, b->cap * sizeof(WCHAR));
        assert_non_null(b->p);
    }
    memcpy(b->p + b->len, tmp, ((size_t)n + 1) * sizeof(WCHAR));
    b->len += (size_t)n;
}

static void sa_dump_key(struct sa_buf *b, const WCHAR *path)
{
    HKEY key;
    DWORD i;
    LONG err = RegOpenKeyExW(HKEY_LOCAL_MACHINE, path, 0, KEY_READ, &key);

    if (err) {
        sa_append(b, L"[%ls] absent (%ld)\n", path, (long)err);
        return;
    }
    sa_append(b, L"[%ls]\n", path);
    for (i = 0;; i++) {
        WCHAR name[256];
        BYTE data[1024];
        DWORD name_len = 256, size = sizeof(data), type = 0, j;

        if (RegEnumValueW(key, i, name, &name_len, NULL, &type, data, &size))
            break;
        sa_append(b, L"  \"%ls\" type %lu size %lu:", name, (unsigned long)type,
                  (unsigned long)size);
        for (j = 0; j < size; j++)
            sa_append(b, L"%02x", data[j]);
        sa_append(b, L"\n");
    }
    for (i = 0;; i++) {
        WCHAR name[256], sub[SA_PATH];
        DWORD name_len = 256;

        if (RegEnumKeyExW(key, i, name, &name_len, NULL, NULL, NULL, NULL))
            break;
        swprintf(sub, SA_PATH, L"%ls\\%ls", path, name);
        sa_dump_key(b, sub);
    }
    RegCloseKey(key);
}

static WCHAR *sa_snapshot(void)
{
    struct sa_buf b = {NULL, 0, 0};
    WCHAR path[SA_PATH], s[40];
    size_t i;

    sa_append(&b, L"");
    for (i = 0; i < SA_NBITS; i++) {
        StringFromGUID2(&sa_bits[i].clsid, s, 40);
        swprintf(path, SA_PATH, L"Software\\Classes\\CLSID\\%ls", s);
        sa_dump_key(&b, path);
    }
    for (i = 0; i < sizeof(sa_snapshot_keys) / sizeof(sa_snapshot_keys[0]); i++)
        sa_dump_key(&b, sa_snapshot_keys[i]);
    return b.p;
}

/* ---- The client's side ------------------------------------------------------------------ */

static IBackgroundCopyManager *sa_connect(const CLSID *clsid, HRESULT *hr)
{
    IBackgroundCopyManager *mgr = NULL;

    *hr = CoCreateInstance(clsid, NULL, CLSCTX_LOCAL_SERVER, &IID_IBackgroundCopyManager,
                           (void **)&mgr);
    return SUCCEEDED(*hr) ? mgr : NULL;
}

static IBackgroundCopyJob *sa_create_job(IBackgroundCopyManager *mgr, GUID *id)
{
    IBackgroundCopyJob *job = NULL;

    assert_hr(IBackgroundCopyManager_CreateJob(mgr, L"sdk-asbits", BG_JOB_TYPE_DOWNLOAD, id, &job),
              S_OK);
    return job;
}

/* Non-zero when bgcopysvc.exe's own class knows job `id`: the manager that created it is bgcopy. */
static int sa_job_is_bgcopys(const GUID *id)
{
    IBackgroundCopyJob *job = NULL;
    HRESULT hr;
    IBackgroundCopyManager *mgr = sa_connect(&sa_clsid_bgcopy, &hr);

    assert_hr(hr, S_OK);
    hr = IBackgroundCopyManager_GetJob(mgr, id, &job);
    if (job)
        IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(mgr);
    if (hr != S_OK && hr != (HRESULT)BG_E_NOT_FOUND)
        print_error("GetJob on CLSID_BgCopyManager returned 0x%08lx\n", (unsigned long)hr);
    return hr == S_OK;
}

/* IBackgroundCopyCallback, written as any BITS client writes it. */
struct sa_callback {
    IBackgroundCopyCallback IBackgroundCopyCallback_iface;
    LONG ref;
    HANDLE transferred; /* set by JobTransferred */
    HANDLE error;       /* set by JobError */
};

static struct sa_callback *impl_from_IBackgroundCopyCallback(IBackgroundCopyCallback *iface)
{
    return CONTAINING_RECORD(iface, struct sa_callback, IBackgroundCopyCallback_iface);
}

static HRESULT STDMETHODCALLTYPE sa_cb_QueryInterface(IBackgroundCopyCallback *iface, REFIID riid,
                                                      void **ppv)
{
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IBackgroundCopyCallback)) {
        *ppv = iface;
        IBackgroundCopyCallback_AddRef(iface);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG STDMETHODCALLTYPE sa_cb_AddRef(IBackgroundCopyCallback *iface)
{
    return (ULONG)InterlockedIncrement(&impl_from_IBackgroundCopyCallback(iface)->ref);
}

static ULONG STDMETHODCALLTYPE sa_cb_Release(IBackgroundCopyCallback *iface)
{
    return (ULONG)InterlockedDecrement(
        &impl_from_IBackgroundCopyCallback(iface)->ref); /* static object */
}

static HRESULT STDMETHODCALLTYPE sa_cb_JobTransferred(IBackgroundCopyCallback *iface,
                                                      IBackgroundCopyJob *job)
{
    (void)job;
    SetEvent(impl_from_IBackgroundCopyCallback(iface)->transferred);
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE sa_cb_JobError(IBackgroundCopyCallback *iface,
                                                IBackgroundCopyJob *job,
                                                IBackgroundCopyError *error)
{
    (void)job;
    (void)error;
    SetEvent(impl_from_IBackgroundCopyCallback(iface)->error);
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE sa_cb_JobModification(IBackgroundCopyCallback *iface,
                                                       IBackgroundCopyJob *job, DWORD reserved)
{
    (void)iface;
    (void)job;
    (void)reserved;
    return S_OK;
}

static IBackgroundCopyCallbackVtbl sa_cb_vtbl = {
    sa_cb_QueryInterface, sa_cb_AddRef,   sa_cb_Release,
    sa_cb_JobTransferred, sa_cb_JobError, sa_cb_JobModification,
};

/* ---- Tests ------------------------------------------------------------------------------ */

/* 1. Before: Wine's BITS serves CLSID_BackgroundCopyManager from its service. */
static void test_asbits_baseline_is_wines_bits(void **state)
{
    IBackgroundCopyManager *mgr;
    IBackgroundCopyJob *job;
    DWORD pid;
    GUID id;
    HRESULT hr;
    size_t i;

    (void)state;
    baseline = sa_snapshot();
    for (i = 0; i < SA_NBITS; i++) {
        mgr = sa_connect(&sa_bits[i].clsid, &baseline_hr[i]);
        if (mgr)
            IBackgroundCopyManager_Release(mgr);
    }
    assert_hr(baseline_hr[0], S_OK); /* Wine registers qmgr for the plain CLSID */
    mgr = sa_connect(&sa_bits[0].clsid, &hr);
    assert_non_null(mgr);
    assert_int_equal(sa_bits_service(&pid), SERVICE_RUNNING);
    assert_int_equal(sa_count_processes(L"svchost.exe", pid), 1);
    job = sa_create_job(mgr, &id);
    assert_false(sa_job_is_bgcopys(&id));
    assert_hr(IBackgroundCopyJob_Cancel(job), S_OK);
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(mgr);
    sa_wait_no_bgcopysvc(); /* the check above started one without /asbits */
}

/* 2. /RegServer /asbits: every BITS CLSID activates bgcopy's manager. */
static void test_asbits_regserver_serves_every_bits_clsid(void **state)
{
    WCHAR *now;
    DWORD pid;
    size_t i;

    (void)state;
    assert_int_equal(sa_run_bgcopysvc(L"/RegServer /asbits"), 0);
    assert_int_equal(sa_run_bgcopysvc(L"/RegServer /asbits"), 0); /* idempotent */
    now = sa_snapshot();
    assert_true(wcscmp(now, baseline) != 0);
    free(now);
    assert_int_equal(sa_bits_service(&pid), SERVICE_STOPPED); /* /asbits stopped Wine's service */
    for (i = 0; i < SA_NBITS; i++) {
        IBackgroundCopyJob *job;
        HRESULT hr;
        GUID id;
        IBackgroundCopyManager *mgr = sa_connect(&sa_bits[i].clsid, &hr);

        if (!mgr)
            print_error("CoCreateInstance(%s) returned 0x%08lx\n", sa_bits[i].name,
                        (unsigned long)hr);
        assert_hr(hr, S_OK);
        job = sa_create_job(mgr, &id);
        if (!sa_job_is_bgcopys(&id)) {
            print_error("%s did not activate bgcopy\n", sa_bits[i].name);
            fail();
        }
        assert_hr(IBackgroundCopyJob_Cancel(job), S_OK);
        IBackgroundCopyJob_Release(job);
        IBackgroundCopyManager_Release(mgr);
    }
    assert_int_equal(sa_bits_service(&pid), SERVICE_STOPPED); /* nothing reached Wine's BITS */
    assert_true(sa_count_processes(L"bgcopysvc.exe", 0) >= 1);
}

/* 3. The unmodified client: a whole download through CLSID_BackgroundCopyManager. */
static void test_asbits_unmodified_client_downloads(void **state)
{
    static struct sa_callback cb = {{&sa_cb_vtbl}, 1, NULL, NULL};
    WCHAR port[SA_PATH], temp[SA_PATH], url[SA_PATH], dir[SA_PATH], local[SA_PATH];
    char want[BGC_SHA256_HEX_SIZE], got[BGC_SHA256_HEX_SIZE];
    unsigned char *data;
    IBackgroundCopyManager *mgr;
    IBackgroundCopyJob *job;
    BG_JOB_STATE st;
    HANDLE f, events[2];
    DWORD size = 0, read = 0, pid, w;
    HRESULT hr;
    GUID id;

    (void)state;
    cb.transferred = CreateEventW(NULL, TRUE, FALSE, NULL);
    cb.error = CreateEventW(NULL, TRUE, FALSE, NULL);
    swprintf(url, SA_PATH, L"http://127.0.0.1:%ls/gen/%u?seed=%u", sa_env(L"BGC_HTTP_PORT", port),
             SA_SIZE, SA_SEED);
    swprintf(dir, SA_PATH, L"%ls\\sdk-asbits", sa_env(L"BGC_TEMP_DIR", temp));
    CreateDirectoryW(dir, NULL);
    swprintf(local, SA_PATH, L"%ls\\download.bin", dir);

    mgr = sa_connect(&CLSID_BackgroundCopyManager, &hr); /* libbits.a's GUID, as a client has it */
    assert_hr(hr, S_OK);
    job = sa_create_job(mgr, &id);
    assert_hr(IBackgroundCopyJob_AddFile(job, url, local), S_OK);
    assert_hr(
        IBackgroundCopyJob_SetNotifyInterface(job, (IUnknown *)&cb.IBackgroundCopyCallback_iface),
        S_OK);
    assert_hr(
        IBackgroundCopyJob_SetNotifyFlags(job, BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR),
        S_OK);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    events[0] = cb.transferred;
    events[1] = cb.error;
    w = WaitForMultipleObjects(2, events, FALSE, 60000);
    if (w != WAIT_OBJECT_0)
        print_error("waiting for JobTransferred: %lu (1 = JobError, 258 = timeout)\n",
                    (unsigned long)(w - WAIT_OBJECT_0));
    assert_int_equal(w, WAIT_OBJECT_0);
    assert_hr(IBackgroundCopyJob_GetState(job, &st), S_OK);
    assert_int_equal(st, BG_JOB_STATE_TRANSFERRED);

    /* The server that ran this unmodified code is bgcopysvc.exe, not Wine's qmgr. */
    assert_true(sa_job_is_bgcopys(&id));
    assert_true(sa_count_processes(L"bgcopysvc.exe", 0) >= 1);
    assert_int_equal(sa_bits_service(&pid), SERVICE_STOPPED);

    assert_hr(IBackgroundCopyJob_Complete(job), S_OK);
    assert_hr(IBackgroundCopyJob_GetState(job, &st), S_OK);
    assert_int_equal(st, BG_JOB_STATE_ACKNOWLEDGED);
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(mgr);

    f = CreateFileW(local, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    assert_true(f != INVALID_HANDLE_VALUE);
    size = GetFileSize(f, NULL);
    assert_int_equal(size, SA_SIZE);
    data = malloc(SA_SIZE);
    assert_non_null(data);
    assert_true(ReadFile(f, data, SA_SIZE, &read, NULL) && read == SA_SIZE);
    CloseHandle(f);
    bgc_sha256_buffer_hex(data, SA_SIZE, got);
    bgc_testdata_sha256(SA_SEED, SA_SIZE, want);
    assert_string_equal(got, want);
    free(data);
    CloseHandle(cb.transferred);
    CloseHandle(cb.error);
}

/* 4. /UnregServer /asbits restores the registry exactly, and Wine's BITS answers again. */
static void test_asbits_unregserver_restores_wines_bits(void **state)
{
    IBackgroundCopyManager *mgr;
    IBackgroundCopyJob *job;
    WCHAR *now;
    DWORD pid;
    HRESULT hr;
    GUID id;
    size_t i;

    (void)state;
    assert_int_equal(sa_run_bgcopysvc(L"/UnregServer /asbits"), 0);
    now = sa_snapshot();
    if (wcscmp(now, baseline))
        print_error("registry before /RegServer /asbits:\n%ls\nafter /UnregServer /asbits:\n%ls\n",
                    baseline, now);
    assert_true(wcscmp(now, baseline) == 0);
    free(now);
    assert_int_equal(sa_run_bgcopysvc(L"/UnregServer /asbits"), 0); /* twice: nothing to do */

    /* A running bgcopysvc.exe keeps its class objects until it exits (IdleTimeoutMs). */
    sa_wait_no_bgcopysvc();

    mgr = sa_connect(&CLSID_BackgroundCopyManager, &hr);
    assert_hr(hr, S_OK);
    assert_int_equal(sa_bits_service(&pid), SERVICE_RUNNING);
    assert_int_equal(sa_count_processes(L"svchost.exe", pid), 1);
    job = sa_create_job(mgr, &id);
    assert_false(sa_job_is_bgcopys(&id)); /* (this starts bgcopysvc.exe for its own CLSID) */
    assert_hr(IBackgroundCopyJob_Cancel(job), S_OK);
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(mgr);
    for (i = 0; i < SA_NBITS; i++) { /* the versioned CLSIDs are as before (absent in Wine 8) */
        mgr = sa_connect(&sa_bits[i].clsid, &hr);
        if (mgr)
            IBackgroundCopyManager_Release(mgr);
        if (hr != baseline_hr[i])
            print_error("%s: 0x%08lx before /asbits, 0x%08lx after\n", sa_bits[i].name,
                        (unsigned long)baseline_hr[i], (unsigned long)hr);
        assert_hr(hr, baseline_hr[i]);
    }
}

/* 5. Plain /UnregServer also gives the BITS CLSIDs back (last: it removes bgcopy). */
static void test_asbits_plain_unregserver_restores_too(void **state)
{
    WCHAR *now;
    HRESULT hr;

    (void)state;
    assert_int_equal(sa_run_bgcopysvc(L"/RegServer /asbits"), 0);
    assert_int_equal(sa_run_bgcopysvc(L"/UnregServer"), 0);
    now = sa_snapshot();
    if (wcscmp(now, baseline))
        print_error("registry before /RegServer /asbits:\n%ls\nafter /UnregServer:\n%ls\n",
                    baseline, now);
    assert_true(wcscmp(now, baseline) == 0);
    free(now);
    sa_wait_no_bgcopysvc(); /* the one test 4 started still has its class object */
    assert_null(sa_connect(&sa_clsid_bgcopy, &hr));
    assert_hr(hr, REGDB_E_CLASSNOTREG);
}

static int sa_setup(void **state)
{
    (void)state;
    if (FAILED(CoInitializeEx(NULL, COINIT_MULTITHREADED)))
        return -1;
    CoInitializeSecurity(NULL, -1, NULL, NULL, RPC_C_AUTHN_LEVEL_CONNECT,
                         RPC_C_IMP_LEVEL_IMPERSONATE, NULL, EOAC_NONE, NULL);
    return 0;
}

static int sa_teardown(void **state)
{
    (void)state;
    free(baseline);
    CoUninitialize();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_asbits_baseline_is_wines_bits),
        cmocka_unit_test(test_asbits_regserver_serves_every_bits_clsid),
        cmocka_unit_test(test_asbits_unmodified_client_downloads),
        cmocka_unit_test(test_asbits_unregserver_restores_wines_bits),
        cmocka_unit_test(test_asbits_plain_unregserver_restores_too),
    };
    return cmocka_run_group_tests(tests, sa_setup, sa_teardown);
}
