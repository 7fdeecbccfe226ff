/*
 * test_proxy.c: bgcopyps.dll (widl -Oicf proxy/stub, repaired by idl/fix_oicf_strings.py)
 * marshals every BITS interface correctly, with no registry entry at all.
 *
 * Set-up (group setup):
 *  - the test loads <directory of this exe>\bgcopyps.dll itself, asks it for the class object
 *    of CLSID_BgCopyPSFactory, registers that with CoRegisterClassObject and maps every BITS
 *    IID to it with CoRegisterPSClsid, in both apartments used below;
 *  - fake BITS objects (manager, two jobs implementing Job5 + HttpOptions3 + IBitsTokenOptions,
 *    three files implementing File6, an error, enumerators, a Callback3 that is also a
 *    certificate-validation callback, a peer-cache record and a peer) live in an STA thread;
 *  - the test itself runs in the MTA (main thread) and reaches them only through proxies
 *    obtained with CoMarshalInterThreadInterfaceInStream / CoGetInterfaceAndReleaseStream, so
 *    every call goes proxy -> NDR format strings -> stub -> fake object and back.
 * The fakes record what they receive (checked after each call: calls are synchronous) and
 * answer fixed, distinctive values.
 *
 * Invariants checked by the group teardown:
 *  1. after the proxies are released and the STA is uninitialised, every fake object is back
 *     to the one reference its thread holds, and every enumerator object was freed;
 *  2. bgcopyps.dll's DllCanUnloadNow answers S_OK once both apartments are gone.
 *
 * The [out] LPWSTR * tests fail when the build skips the repair (-DBGC_IDL_OICF_FIX=OFF):
 * widl's format strings then deliver NULL strings.
 */
#define CONST_VTABLE /* the fakes' vtables are static const */
#include <windows.h>
#include <objbase.h>
#include <wincrypt.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>
#include <cmocka.h>

#include "bgcopy.h"

#define WAIT_MS 30000

/* ============================================================================================
 * Assertion helpers (print HRESULTs in hex and wide strings as UTF-8)
 */

static void to_utf8(const WCHAR *s, char *buf, int size)
{
    if (!s) {
        snprintf(buf, size, "(null)");
        return;
    }
    if (!WideCharToMultiByte(CP_UTF8, 0, s, -1, buf, size, NULL, NULL)) {
        snprintf(buf, size, "(%u UTF-16 units, not printable)", (unsigned)wcslen(s));
    }
}

static void check_hr(HRESULT got, HRESULT expected, const char *expr, const char *file, int line)
{
    if (got != expected) {
        print_error("%s returned 0x%08lx, expected 0x%08lx\n", expr, (unsigned long)got,
                    (unsigned long)expected);
        _fail(file, line);
    }
}
#define assert_hr(expr, expected) check_hr((expr), (expected), #expr, __FILE__, __LINE__)

static void check_wstr(const WCHAR *got, const WCHAR *expected, const char *expr, const char *file,
                       int line)
{
    if ((!got || !expected) ? got != expected : wcscmp(got, expected) != 0) {
        char g[512], e[512];
        to_utf8(got, g, sizeof(g));
        to_utf8(expected, e, sizeof(e));
        print_error("%s is \"%s\", expected \"%s\"\n", expr, g, e);
        _fail(file, line);
    }
}
#define assert_wstr(got, expected) check_wstr((got), (expected), #got, __FILE__, __LINE__)

/* Checks an [out] string and frees it as a BITS client must (CoTaskMemFree). */
#define assert_out_wstr(got, expected) \
    do {                               \
        assert_wstr(got, expected);    \
        CoTaskMemFree(got);            \
        (got) = NULL;                  \
    } while (0)

static BOOL same_object(IUnknown *a, IUnknown *b)
{
    IUnknown *ua = NULL, *ub = NULL;
    BOOL same;
    if (!a || !b || FAILED(IUnknown_QueryInterface(a, &IID_IUnknown, (void **)&ua)))
        return FALSE;
    if (FAILED(IUnknown_QueryInterface(b, &IID_IUnknown, (void **)&ub))) {
        IUnknown_Release(ua);
        return FALSE;
    }
    same = ua == ub;
    IUnknown_Release(ua);
    IUnknown_Release(ub);
    return same;
}

/* ============================================================================================
 * Memory helpers for the fakes: everything a fake returns through [out] is CoTaskMemAlloc'd.
 */

static WCHAR *co_wcsdup(const WCHAR *s)
{
    size_t n;
    WCHAR *d;
    if (!s)
        return NULL;
    n = (wcslen(s) + 1) * sizeof(WCHAR);
    d = CoTaskMemAlloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* Sets *out to a CoTaskMem copy of s (NULL stays NULL). */
static HRESULT out_wstr(const WCHAR *s, LPWSTR *out)
{
    if (!out)
        return E_INVALIDARG;
    *out = co_wcsdup(s);
    return (s && !*out) ? E_OUTOFMEMORY : S_OK;
}

/* Replaces an owned string with a copy of s. */
static void keep_wstr(WCHAR **slot, const WCHAR *s)
{
    CoTaskMemFree(*slot);
    *slot = co_wcsdup(s);
}

static void *co_memdup(const void *p, size_t n)
{
    void *d = CoTaskMemAlloc(n ? n : 1);
    if (d && n)
        memcpy(d, p, n);
    return d;
}

/* ============================================================================================
 * Fixed values the fakes answer with
 */

/* UTF-16 with non-ASCII, a character outside the BMP (surrogate pair) and a tab. */
static const WCHAR NAME_UNICODE[] = L"Job \x00e9\x00e8 \x65e5\x672c\x8a9e \xd83d\xde00\tend";
static const WCHAR OWNER_SID[] = L"S-1-5-21-1004336348-1177238915-682003330-1001";
static const WCHAR HELPER_SID[] = L"S-1-5-21-1004336348-1177238915-682003330-1002";
static const WCHAR ERROR_TEXT[] = L"HTTP 404: the requested file was not found on the server.";
static const WCHAR CONTEXT_TEXT[] = L"The error occurred while the remote file was being processed.";
static const WCHAR PROTOCOL[] = L"http";
static const WCHAR MANAGER_ERROR_TEXT[] = L"The requested job was not found.";
static const WCHAR RESPONSE_HEADERS[] = L"HTTP/1.1 200 OK\r\nContent-Length: 12\r\nETag: \"x\"\r\n\r\n";
static const WCHAR ORIGIN_URL[] = L"http://127.0.0.1/peer/origin.bin";
static const WCHAR PEER_NAME[] = L"PEER-PC.example.test";

#define NFILES 3
static const WCHAR *const FILE_REMOTE[NFILES] = {
    L"http://127.0.0.1:8080/bgcopy/file0.bin", L"https://127.0.0.1:8443/bgcopy/file1.bin",
    L"http://127.0.0.1:8080/bgcopy/\x00fc\x00f1\x00ee\x00e7\x00f8\x00f0\x00e9.bin"};
static const WCHAR *const FILE_LOCAL[NFILES] = {L"C:\\bgcopy\\file0.bin", L"C:\\bgcopy\\file1.bin",
                                                L"C:\\bgcopy\\\x65e5\x672c.bin"};
static const WCHAR *const FILE_TEMP[NFILES] = {L"C:\\bgcopy\\BIT0A1B.tmp", L"C:\\bgcopy\\BIT0A1C.tmp",
                                               L"C:\\bgcopy\\BIT0A1D.tmp"};

static const BG_FILE_RANGE FILE0_RANGES[3] = {
    {0, 100}, {0x100000000ull, 4096}, {0x200000000ull, BG_LENGTH_TO_EOF}};
static const BG_FILE_RANGE FILLED_RANGES[2] = {{0, 65536}, {0x7fffffff00ull, 17}};
static const BG_FILE_RANGE RECORD_RANGES[1] = {{512, 1024}};

static const GUID JOB_ID[2] = {
    {0x0bc0b0b0, 0x1111, 0x4222, {0x83, 0x33, 0x44, 0x44, 0x55, 0x55, 0x66, 0x66}},
    {0x0bc0b0b1, 0x1111, 0x4222, {0x83, 0x33, 0x44, 0x44, 0x55, 0x55, 0x66, 0x67}}};
static const GUID RECORD_ID = {0x5eed0001, 0xabcd, 0x4ef0, {0x91, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}};
static const GUID NOTIFY_CLSID = {0x416d1e96, 0xbc43, 0x45e1, {0xa1, 0x65, 0xb4, 0x3d, 0x3c, 0x70, 0x73, 0xab}};

static const BG_JOB_PROGRESS JOB_PROGRESS = {0x0000123456789abcull, 0x0000000012345678ull, 3, 1};
static const BG_JOB_TIMES JOB_TIMES = {{0x11111111, 0x01d9aaaa}, {0x22222222, 0x01d9bbbb}, {0x33333333, 0x01d9cccc}};
static const BG_FILE_PROGRESS FILE_PROGRESS[NFILES] = {
    {1000, 500, FALSE}, {BG_SIZE_UNKNOWN, 0, FALSE}, {0x100000000ull, 0x100000000ull, TRUE}};
static const FILETIME RECORD_MTIME = {0x89abcdef, 0x01d80000};
static const FILETIME RECORD_ATIME = {0x01234567, 0x01d90000};

#define REPLY_SIZE 300
#define CERT_HASH_SIZE 20

/* ============================================================================================
 * Fake objects. All of them live in the STA thread; their fields are written only there, by
 * calls the test makes (synchronously) through proxies, and read by the test afterwards.
 */

struct fake_job {
    IBackgroundCopyJob5 IBackgroundCopyJob5_iface;
    IBackgroundCopyJobHttpOptions3 IBackgroundCopyJobHttpOptions3_iface;
    IBitsTokenOptions IBitsTokenOptions_iface;
    LONG refs;                      /* 1 = owned by the STA thread only */
    int index;                      /* 0 or 1 in g_jobs */
    WCHAR *display_name;            /* last SetDisplayName */
    WCHAR *description;             /* last SetDescription */
    BG_JOB_PRIORITY priority;
    ULONG notify_flags;
    IUnknown *notify;               /* SetNotifyInterface, AddRef'd */
    ULONG retry_delay, no_progress_timeout;
    BG_JOB_PROXY_USAGE proxy_usage;
    WCHAR *proxy_list, *proxy_bypass;
    WCHAR *notify_program, *notify_parameters;
    BG_JOB_REPLY_PROGRESS reply_progress_in; /* what GetReplyProgress received */
    BOOL reply_length_given;        /* GetReplyData received a non-NULL pLength */
    WCHAR *reply_file_name;
    int cred_calls;
    BG_AUTH_TARGET cred_target;
    BG_AUTH_SCHEME cred_scheme;
    WCHAR *cred_user, *cred_password;
    BG_AUTH_TARGET removed_target;
    BG_AUTH_SCHEME removed_scheme;
    ULONG added_count;              /* files received by AddFile/AddFileSet/AddFileWithRanges */
    WCHAR *added_remote[8], *added_local[8];
    DWORD range_count;              /* AddFileWithRanges */
    BG_FILE_RANGE ranges[8];
    WCHAR *old_prefix, *new_prefix;
    DWORD acl_flags, peer_flags;
    ULONG max_download_time;
    BITS_JOB_PROPERTY_VALUE props[11]; /* by BITS_JOB_PROPERTY_ID */
    int set_property_calls;
    BITS_JOB_PROPERTY_ID last_property_id;
    BOOL has_cert;
    BG_CERT_STORE_LOCATION cert_location;
    WCHAR *cert_store, *cert_subject;
    BOOL cert_has_hash;
    BYTE cert_hash[CERT_HASH_SIZE];
    WCHAR *headers;                 /* NULL = none set */
    BOOL headers_write_only;
    ULONG security_flags;
    WCHAR *http_method;
    IUnknown *cert_callback;        /* SetServerCertificateValidationInterface, AddRef'd */
    DWORD token_flags;
    int helper_token_set;
};

struct fake_file {
    IBackgroundCopyFile6 IBackgroundCopyFile6_iface;
    LONG refs;
    int index;
    WCHAR *remote_name;             /* starts as FILE_REMOTE[index]; SetRemoteName replaces it */
    BOOL validation_state;
    WCHAR *response_headers;        /* File5 property 1; starts as RESPONSE_HEADERS */
    UINT64 download_position;
    DWORD requested_count;
    BG_FILE_RANGE requested[8];
};

struct fake_error {
    IBackgroundCopyError IBackgroundCopyError_iface;
    LONG refs;
    DWORD last_language;
};

struct fake_manager {
    IBackgroundCopyManager IBackgroundCopyManager_iface;
    LONG refs;
    WCHAR *created_name;
    BG_JOB_TYPE created_type;
    DWORD enum_flags;
    HRESULT described_hr;
    DWORD described_language;
};

enum callback_event { CB_NONE, CB_TRANSFERRED, CB_ERROR, CB_MODIFICATION, CB_FILE, CB_RANGES, CB_CERT };

struct fake_callback {
    IBackgroundCopyCallback3 IBackgroundCopyCallback3_iface;
    IBackgroundCopyServerCertificateValidationCallback IBackgroundCopyServerCertificateValidationCallback_iface;
    LONG refs;
    enum callback_event last;
    int calls;
    BOOL job_is_job0;               /* the job argument is g_jobs[0] itself */
    BOOL file_is_file2;             /* the file argument is g_files[2] itself */
    BOOL error_is_error;            /* the error argument is g_error itself */
    DWORD reserved;
    DWORD range_count;
    BG_FILE_RANGE ranges[8];
    DWORD cert_length, cert_encoding, store_length;
    BYTE cert[64], store[64];
};

struct fake_record {
    IBitsPeerCacheRecord IBitsPeerCacheRecord_iface;
    LONG refs;
};

struct fake_peer {
    IBitsPeer IBitsPeer_iface;
    LONG refs;
};

struct fake_enum {
    IEnumBackgroundCopyFiles IEnumBackgroundCopyFiles_iface;
    IEnumBackgroundCopyJobs IEnumBackgroundCopyJobs_iface;
    LONG refs;
    ULONG pos;
    BOOL jobs;                      /* enumerates g_jobs (TRUE) or g_files */
};

static struct fake_job g_jobs[2];
static struct fake_file g_files[NFILES];
static struct fake_error g_error;
static struct fake_manager g_manager;
static struct fake_callback g_callback;
static struct fake_record g_record;
static struct fake_peer g_peer;
static LONG g_live_enums;           /* enumerator objects not yet freed */

/* ---------------------------------------------------------------- enumerators (files, jobs) */

static const IEnumBackgroundCopyFilesVtbl enum_files_vtbl;
static const IEnumBackgroundCopyJobsVtbl enum_jobs_vtbl;

static struct fake_enum *enum_create(BOOL jobs, ULONG pos)
{
    struct fake_enum *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    e->IEnumBackgroundCopyFiles_iface.lpVtbl = &enum_files_vtbl;
    e->IEnumBackgroundCopyJobs_iface.lpVtbl = &enum_jobs_vtbl;
    e->refs = 1;
    e->jobs = jobs;
    e->pos = pos;
    InterlockedIncrement(&g_live_enums);
    return e;
}

static ULONG enum_release(struct fake_enum *e)
{
    ULONG r = InterlockedDecrement(&e->refs);
    if (!r) {
        free(e);
        InterlockedDecrement(&g_live_enums);
    }
    return r;
}

static ULONG enum_size(struct fake_enum *e)
{
    return e->jobs ? 2 : NFILES;
}

static IUnknown *enum_item(struct fake_enum *e, ULONG i)
{
    if (e->jobs)
        return (IUnknown *)&g_jobs[i].IBackgroundCopyJob5_iface;
    return (IUnknown *)&g_files[i].IBackgroundCopyFile6_iface;
}

static HRESULT enum_next(struct fake_enum *e, ULONG celt, IUnknown **rgelt, ULONG *fetched)
{
    ULONG n = 0;
    if (!rgelt || (celt > 1 && !fetched))
        return E_INVALIDARG;
    while (n < celt && e->pos < enum_size(e)) {
        rgelt[n] = enum_item(e, e->pos++);
        IUnknown_AddRef(rgelt[n]);
        n++;
    }
    if (fetched)
        *fetched = n;
    return n == celt ? S_OK : S_FALSE;
}

static HRESULT enum_skip(struct fake_enum *e, ULONG celt)
{
    ULONG left = enum_size(e) - e->pos;
    e->pos += celt < left ? celt : left;
    return celt <= left ? S_OK : S_FALSE;
}

static struct fake_enum *impl_from_IEnumBackgroundCopyFiles(IEnumBackgroundCopyFiles *iface)
{
    return CONTAINING_RECORD(iface, struct fake_enum, IEnumBackgroundCopyFiles_iface);
}

static HRESULT WINAPI enum_files_QueryInterface(IEnumBackgroundCopyFiles *iface, REFIID riid, void **ppv)
{
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IEnumBackgroundCopyFiles)) {
        *ppv = iface;
        IEnumBackgroundCopyFiles_AddRef(iface);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI enum_files_AddRef(IEnumBackgroundCopyFiles *iface)
{
    return InterlockedIncrement(&impl_from_IEnumBackgroundCopyFiles(iface)->refs);
}

static ULONG WINAPI enum_files_Release(IEnumBackgroundCopyFiles *iface)
{
    return enum_release(impl_from_IEnumBackgroundCopyFiles(iface));
}

static HRESULT WINAPI enum_files_Next(IEnumBackgroundCopyFiles *iface, ULONG celt, IBackgroundCopyFile **rgelt,
                                      ULONG *fetched)
{
    return enum_next(impl_from_IEnumBackgroundCopyFiles(iface), celt, (IUnknown **)rgelt, fetched);
}

static HRESULT WINAPI enum_files_Skip(IEnumBackgroundCopyFiles *iface, ULONG celt)
{
    return enum_skip(impl_from_IEnumBackgroundCopyFiles(iface), celt);
}

static HRESULT WINAPI enum_files_Reset(IEnumBackgroundCopyFiles *iface)
{
    impl_from_IEnumBackgroundCopyFiles(iface)->pos = 0;
    return S_OK;
}

static HRESULT WINAPI enum_files_Clone(IEnumBackgroundCopyFiles *iface, IEnumBackgroundCopyFiles **ppenum)
{
    struct fake_enum *e = enum_create(FALSE, impl_from_IEnumBackgroundCopyFiles(iface)->pos);
    *ppenum = e ? &e->IEnumBackgroundCopyFiles_iface : NULL;
    return e ? S_OK : E_OUTOFMEMORY;
}

static HRESULT WINAPI enum_files_GetCount(IEnumBackgroundCopyFiles *iface, ULONG *count)
{
    *count = enum_size(impl_from_IEnumBackgroundCopyFiles(iface));
    return S_OK;
}

static const IEnumBackgroundCopyFilesVtbl enum_files_vtbl = {
    enum_files_QueryInterface, enum_files_AddRef, enum_files_Release, enum_files_Next,
    enum_files_Skip, enum_files_Reset, enum_files_Clone, enum_files_GetCount};

static struct fake_enum *impl_from_IEnumBackgroundCopyJobs(IEnumBackgroundCopyJobs *iface)
{
    return CONTAINING_RECORD(iface, struct fake_enum, IEnumBackgroundCopyJobs_iface);
}

static HRESULT WINAPI enum_jobs_QueryInterface(IEnumBackgroundCopyJobs *iface, REFIID riid, void **ppv)
{
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IEnumBackgroundCopyJobs)) {
        *ppv = iface;
        IEnumBackgroundCopyJobs_AddRef(iface);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI enum_jobs_AddRef(IEnumBackgroundCopyJobs *iface)
{
    return InterlockedIncrement(&impl_from_IEnumBackgroundCopyJobs(iface)->refs);
}

static ULONG WINAPI enum_jobs_Release(IEnumBackgroundCopyJobs *iface)
{
    return enum_release(impl_from_IEnumBackgroundCopyJobs(iface));
}

static HRESULT WINAPI enum_jobs_Next(IEnumBackgroundCopyJobs *iface, ULONG celt, IBackgroundCopyJob **rgelt,
                                     ULONG *fetched)
{
    return enum_next(impl_from_IEnumBackgroundCopyJobs(iface), celt, (IUnknown **)rgelt, fetched);
}

static HRESULT WINAPI enum_jobs_Skip(IEnumBackgroundCopyJobs *iface, ULONG celt)
{
    return enum_skip(impl_from_IEnumBackgroundCopyJobs(iface), celt);
}

static HRESULT WINAPI enum_jobs_Reset(IEnumBackgroundCopyJobs *iface)
{
    impl_from_IEnumBackgroundCopyJobs(iface)->pos = 0;
    return S_OK;
}

static HRESULT WINAPI enum_jobs_Clone(IEnumBackgroundCopyJobs *iface, IEnumBackgroundCopyJobs **ppenum)
{
    struct fake_enum *e = enum_create(TRUE, impl_from_IEnumBackgroundCopyJobs(iface)->pos);
    *ppenum = e ? &e->IEnumBackgroundCopyJobs_iface : NULL;
    return e ? S_OK : E_OUTOFMEMORY;
}

static HRESULT WINAPI enum_jobs_GetCount(IEnumBackgroundCopyJobs *iface, ULONG *count)
{
    *count = enum_size(impl_from_IEnumBackgroundCopyJobs(iface));
    return S_OK;
}

static const IEnumBackgroundCopyJobsVtbl enum_jobs_vtbl = {
    enum_jobs_QueryInterface, enum_jobs_AddRef, enum_jobs_Release, enum_jobs_Next,
    enum_jobs_Skip, enum_jobs_Reset, enum_jobs_Clone, enum_jobs_GetCount};

/* ---------------------------------------------------------------- file (File6) */

static struct fake_file *impl_from_IBackgroundCopyFile6(IBackgroundCopyFile6 *iface)
{
    return CONTAINING_RECORD(iface, struct fake_file, IBackgroundCopyFile6_iface);
}

static HRESULT WINAPI file_QueryInterface(IBackgroundCopyFile6 *iface, REFIID riid, void **ppv)
{
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IBackgroundCopyFile) ||
        IsEqualGUID(riid, &IID_IBackgroundCopyFile2) || IsEqualGUID(riid, &IID_IBackgroundCopyFile3) ||
        IsEqualGUID(riid, &IID_IBackgroundCopyFile4) || IsEqualGUID(riid, &IID_IBackgroundCopyFile5) ||
        IsEqualGUID(riid, &IID_IBackgroundCopyFile6)) {
        *ppv = iface;
        IBackgroundCopyFile6_AddRef(iface);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI file_AddRef(IBackgroundCopyFile6 *iface)
{
    return InterlockedIncrement(&impl_from_IBackgroundCopyFile6(iface)->refs);
}

static ULONG WINAPI file_Release(IBackgroundCopyFile6 *iface)
{
    return InterlockedDecrement(&impl_from_IBackgroundCopyFile6(iface)->refs);
}

static HRESULT WINAPI file_GetRemoteName(IBackgroundCopyFile6 *iface, LPWSTR *pVal)
{
    return out_wstr(impl_from_IBackgroundCopyFile6(iface)->remote_name, pVal);
}

static HRESULT WINAPI file_GetLocalName(IBackgroundCopyFile6 *iface, LPWSTR *pVal)
{
    return out_wstr(FILE_LOCAL[impl_from_IBackgroundCopyFile6(iface)->index], pVal);
}

static HRESULT WINAPI file_GetProgress(IBackgroundCopyFile6 *iface, BG_FILE_PROGRESS *pVal)
{
    *pVal = FILE_PROGRESS[impl_from_IBackgroundCopyFile6(iface)->index];
    return S_OK;
}

/* File 0 has three ranges; the others none (S_FALSE, count 0, NULL: File2::GetFileRanges). */
static HRESULT WINAPI file_GetFileRanges(IBackgroundCopyFile6 *iface, DWORD *RangeCount, BG_FILE_RANGE **Ranges)
{
    if (!RangeCount || !Ranges)
        return E_INVALIDARG;
    if (impl_from_IBackgroundCopyFile6(iface)->index != 0) {
        *RangeCount = 0;
        *Ranges = NULL;
        return S_FALSE;
    }
    *Ranges = co_memdup(FILE0_RANGES, sizeof(FILE0_RANGES));
    *RangeCount = ARRAYSIZE(FILE0_RANGES);
    return S_OK;
}

static HRESULT WINAPI file_SetRemoteName(IBackgroundCopyFile6 *iface, LPCWSTR Val)
{
    keep_wstr(&impl_from_IBackgroundCopyFile6(iface)->remote_name, Val);
    return S_OK;
}

static HRESULT WINAPI file_GetTemporaryName(IBackgroundCopyFile6 *iface, LPWSTR *pFilename)
{
    return out_wstr(FILE_TEMP[impl_from_IBackgroundCopyFile6(iface)->index], pFilename);
}

static HRESULT WINAPI file_SetValidationState(IBackgroundCopyFile6 *iface, BOOL state)
{
    impl_from_IBackgroundCopyFile6(iface)->validation_state = state;
    return S_OK;
}

static HRESULT WINAPI file_GetValidationState(IBackgroundCopyFile6 *iface, BOOL *pState)
{
    *pState = impl_from_IBackgroundCopyFile6(iface)->validation_state;
    return S_OK;
}

static HRESULT WINAPI file_IsDownloadedFromPeer(IBackgroundCopyFile6 *iface, BOOL *pVal)
{
    *pVal = impl_from_IBackgroundCopyFile6(iface)->index == 2;
    return S_OK;
}

static HRESULT WINAPI file_GetPeerDownloadStats(IBackgroundCopyFile6 *iface, PUINT64 pFromOrigin,
                                                PUINT64 pFromPeers)
{
    (void)iface;
    *pFromOrigin = 0x1111111122222222ull;
    *pFromPeers = 0x33ull;
    return S_OK;
}

static HRESULT WINAPI file_SetProperty(IBackgroundCopyFile6 *iface, BITS_FILE_PROPERTY_ID PropertyId,
                                       BITS_FILE_PROPERTY_VALUE PropertyValue)
{
    if (PropertyId != BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS)
        return BG_E_UNKNOWN_PROPERTY_ID;
    keep_wstr(&impl_from_IBackgroundCopyFile6(iface)->response_headers, PropertyValue.String);
    return S_OK;
}

static HRESULT WINAPI file_GetProperty(IBackgroundCopyFile6 *iface, BITS_FILE_PROPERTY_ID PropertyId,
                                       BITS_FILE_PROPERTY_VALUE *PropertyValue)
{
    if (PropertyId != BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS)
        return BG_E_UNKNOWN_PROPERTY_ID;
    return out_wstr(impl_from_IBackgroundCopyFile6(iface)->response_headers, &PropertyValue->String);
}

static HRESULT WINAPI file_UpdateDownloadPosition(IBackgroundCopyFile6 *iface, UINT64 offset)
{
    impl_from_IBackgroundCopyFile6(iface)->download_position = offset;
    return S_OK;
}

static HRESULT WINAPI file_RequestFileRanges(IBackgroundCopyFile6 *iface, DWORD rangeCount,
                                             const BG_FILE_RANGE ranges[])
{
    struct fake_file *file = impl_from_IBackgroundCopyFile6(iface);
    if (rangeCount > ARRAYSIZE(file->requested))
        return BG_E_TOO_MANY_RANGES_IN_FILE;
    file->requested_count = rangeCount;
    memcpy(file->requested, ranges, rangeCount * sizeof(*ranges));
    return S_OK;
}

static HRESULT WINAPI file_GetFilledFileRanges(IBackgroundCopyFile6 *iface, DWORD *rangeCount,
                                               BG_FILE_RANGE **ranges)
{
    (void)iface;
    *ranges = co_memdup(FILLED_RANGES, sizeof(FILLED_RANGES));
    *rangeCount = ARRAYSIZE(FILLED_RANGES);
    return S_OK;
}

static const IBackgroundCopyFile6Vtbl file_vtbl = {
    file_QueryInterface, file_AddRef, file_Release,
    file_GetRemoteName, file_GetLocalName, file_GetProgress,               /* File */
    file_GetFileRanges, file_SetRemoteName,                                /* File2 */
    file_GetTemporaryName, file_SetValidationState, file_GetValidationState,
    file_IsDownloadedFromPeer,                                             /* File3 */
    file_GetPeerDownloadStats,                                             /* File4 */
    file_SetProperty, file_GetProperty,                                    /* File5 */
    file_UpdateDownloadPosition, file_RequestFileRanges, file_GetFilledFileRanges}; /* File6 */

/* ---------------------------------------------------------------- error */

static HRESULT WINAPI error_QueryInterface(IBackgroundCopyError *iface, REFIID riid, void **ppv)
{
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IBackgroundCopyError)) {
        *ppv = iface;
        IBackgroundCopyError_AddRef(iface);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI error_AddRef(IBackgroundCopyError *iface)
{
    (void)iface;
    return InterlockedIncrement(&g_error.refs);
}

static ULONG WINAPI error_Release(IBackgroundCopyError *iface)
{
    (void)iface;
    return InterlockedDecrement(&g_error.refs);
}

static HRESULT WINAPI error_GetError(IBackgroundCopyError *iface, BG_ERROR_CONTEXT *pContext, HRESULT *pCode)
{
    (void)iface;
    *pContext = BG_ERROR_CONTEXT_REMOTE_FILE;
    *pCode = BG_E_HTTP_ERROR_404;
    return S_OK;
}

/* The error belongs to file 1. */
static HRESULT WINAPI error_GetFile(IBackgroundCopyError *iface, IBackgroundCopyFile **pVal)
{
    (void)iface;
    *pVal = (IBackgroundCopyFile *)&g_files[1].IBackgroundCopyFile6_iface;
    IBackgroundCopyFile_AddRef(*pVal);
    return S_OK;
}

static HRESULT WINAPI error_GetErrorDescription(IBackgroundCopyError *iface, DWORD LanguageId,
                                                LPWSTR *pErrorDescription)
{
    (void)iface;
    g_error.last_language = LanguageId;
    return out_wstr(ERROR_TEXT, pErrorDescription);
}

static HRESULT WINAPI error_GetErrorContextDescription(IBackgroundCopyError *iface, DWORD LanguageId,
                                                       LPWSTR *pContextDescription)
{
    (void)iface;
    g_error.last_language = LanguageId;
    return out_wstr(CONTEXT_TEXT, pContextDescription);
}

static HRESULT WINAPI error_GetProtocol(IBackgroundCopyError *iface, LPWSTR *pProtocol)
{
    (void)iface;
    return out_wstr(PROTOCOL, pProtocol);
}

static const IBackgroundCopyErrorVtbl error_vtbl = {
    error_QueryInterface, error_AddRef, error_Release, error_GetError, error_GetFile,
    error_GetErrorDescription, error_GetErrorContextDescription, error_GetProtocol};

/* ---------------------------------------------------------------- job (Job5) */

static struct fake_job *impl_from_IBackgroundCopyJob5(IBackgroundCopyJob5 *iface)
{
    return CONTAINING_RECORD(iface, struct fake_job, IBackgroundCopyJob5_iface);
}

static HRESULT job_query_interface(struct fake_job *job, REFIID riid, void **ppv)
{
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IBackgroundCopyJob) ||
        IsEqualGUID(riid, &IID_IBackgroundCopyJob2) || IsEqualGUID(riid, &IID_IBackgroundCopyJob3) ||
        IsEqualGUID(riid, &IID_IBackgroundCopyJob4) || IsEqualGUID(riid, &IID_IBackgroundCopyJob5))
        *ppv = &job->IBackgroundCopyJob5_iface;
    else if (IsEqualGUID(riid, &IID_IBackgroundCopyJobHttpOptions) ||
             IsEqualGUID(riid, &IID_IBackgroundCopyJobHttpOptions2) ||
             IsEqualGUID(riid, &IID_IBackgroundCopyJobHttpOptions3))
        *ppv = &job->IBackgroundCopyJobHttpOptions3_iface;
    else if (IsEqualGUID(riid, &IID_IBitsTokenOptions))
        *ppv = &job->IBitsTokenOptions_iface;
    else {
        *ppv = NULL;
        return E_NOINTERFACE;
    }
    InterlockedIncrement(&job->refs);
    return S_OK;
}

static HRESULT WINAPI job_QueryInterface(IBackgroundCopyJob5 *iface, REFIID riid, void **ppv)
{
    return job_query_interface(impl_from_IBackgroundCopyJob5(iface), riid, ppv);
}

static ULONG WINAPI job_AddRef(IBackgroundCopyJob5 *iface)
{
    return InterlockedIncrement(&impl_from_IBackgroundCopyJob5(iface)->refs);
}

static ULONG WINAPI job_Release(IBackgroundCopyJob5 *iface)
{
    return InterlockedDecrement(&impl_from_IBackgroundCopyJob5(iface)->refs);
}

static HRESULT add_file(struct fake_job *job, LPCWSTR remote, LPCWSTR local)
{
    if (job->added_count >= ARRAYSIZE(job->added_remote))
        return BG_E_TOO_MANY_FILES_IN_JOB;
    job->added_remote[job->added_count] = co_wcsdup(remote);
    job->added_local[job->added_count] = co_wcsdup(local);
    job->added_count++;
    return S_OK;
}

static HRESULT WINAPI job_AddFileSet(IBackgroundCopyJob5 *iface, ULONG cFileCount, BG_FILE_INFO *pFileSet)
{
    struct fake_job *job = impl_from_IBackgroundCopyJob5(iface);
    ULONG i;
    HRESULT hr = S_OK;
    for (i = 0; i < cFileCount && SUCCEEDED(hr); i++)
        hr = add_file(job, pFileSet[i].RemoteName, pFileSet[i].LocalName);
    return hr;
}

static HRESULT WINAPI job_AddFile(IBackgroundCopyJob5 *iface, LPCWSTR RemoteUrl, LPCWSTR LocalName)
{
    return add_file(impl_from_IBackgroundCopyJob5(iface), RemoteUrl, LocalName);
}

static HRESULT WINAPI job_EnumFiles(IBackgroundCopyJob5 *iface, IEnumBackgroundCopyFiles **pEnum)
{
    struct fake_enum *e = enum_create(FALSE, 0);
    (void)iface;
    *pEnum = e ? &e->IEnumBackgroundCopyFiles_iface : NULL;
    return e ? S_OK : E_OUTOFMEMORY;
}

static HRESULT WINAPI job_Suspend(IBackgroundCopyJob5 *iface)
{
    (void)iface;
    return S_OK;
}

static HRESULT WINAPI job_Resume(IBackgroundCopyJob5 *iface)
{
    (void)iface;
    return S_OK;
}

/* Success codes other than S_OK must reach the caller unchanged. */
static HRESULT WINAPI job_Cancel(IBackgroundCopyJob5 *iface)
{
    (void)iface;
    return BG_S_UNABLE_TO_DELETE_FILES;
}

/* So must failure codes: the fake job is always in a final state for Complete. */
static HRESULT WINAPI job_Complete(IBackgroundCopyJob5 *iface)
{
    (void)iface;
    return BG_E_INVALID_STATE;
}

static HRESULT WINAPI job_GetId(IBackgroundCopyJob5 *iface, GUID *pVal)
{
    *pVal = JOB_ID[impl_from_IBackgroundCopyJob5(iface)->index];
    return S_OK;
}

static HRESULT WINAPI job_GetType(IBackgroundCopyJob5 *iface, BG_JOB_TYPE *pVal)
{
    *pVal = impl_from_IBackgroundCopyJob5(iface)->index ? BG_JOB_TYPE_UPLOAD_REPLY : BG_JOB_TYPE_DOWNLOAD;
    return S_OK;
}

static HRESULT WINAPI job_GetProgress(IBackgroundCopyJob5 *iface, BG_JOB_PROGRESS *pVal)
{
    (void)iface;
    *pVal = JOB_PROGRESS;
    return S_OK;
}

static HRESULT WINAPI job_GetTimes(IBackgroundCopyJob5 *iface, BG_JOB_TIMES *pVal)
{
    (void)iface;
    *pVal = JOB_TIMES;
    return S_OK;
}

static HRESULT WINAPI job_GetState(IBackgroundCopyJob5 *iface, BG_JOB_STATE *pVal)
{
    *pVal = impl_from_IBackgroundCopyJob5(iface)->index ? BG_JOB_STATE_SUSPENDED : BG_JOB_STATE_TRANSIENT_ERROR;
    return S_OK;
}

/* Job 0 is in error (g_error); job 1 has no error object. */
static HRESULT WINAPI job_GetError(IBackgroundCopyJob5 *iface, IBackgroundCopyError **ppError)
{
    if (impl_from_IBackgroundCopyJob5(iface)->index) {
        *ppError = NULL;
        return BG_E_ERROR_INFORMATION_UNAVAILABLE;
    }
    *ppError = &g_error.IBackgroundCopyError_iface;
    IBackgroundCopyError_AddRef(*ppError);
    return S_OK;
}

static HRESULT WINAPI job_GetOwner(IBackgroundCopyJob5 *iface, LPWSTR *pVal)
{
    (void)iface;
    return out_wstr(OWNER_SID, pVal);
}

static HRESULT WINAPI job_SetDisplayName(IBackgroundCopyJob5 *iface, LPCWSTR Val)
{
    keep_wstr(&impl_from_IBackgroundCopyJob5(iface)->display_name, Val);
    return S_OK;
}

static HRESULT WINAPI job_GetDisplayName(IBackgroundCopyJob5 *iface, LPWSTR *pVal)
{
    return out_wstr(impl_from_IBackgroundCopyJob5(iface)->display_name, pVal);
}

static HRESULT WINAPI job_SetDescription(IBackgroundCopyJob5 *iface, LPCWSTR Val)
{
    keep_wstr(&impl_from_IBackgroundCopyJob5(iface)->description, Val);
    return S_OK;
}

static HRESULT WINAPI job_GetDescription(IBackgroundCopyJob5 *iface, LPWSTR *pVal)
{
    return out_wstr(impl_from_IBackgroundCopyJob5(iface)->description, pVal);
}

static HRESULT WINAPI job_SetPriority(IBackgroundCopyJob5 *iface, BG_JOB_PRIORITY Val)
{
    impl_from_IBackgroundCopyJob5(iface)->priority = Val;
    return S_OK;
}

static HRESULT WINAPI job_GetPriority(IBackgroundCopyJob5 *iface, BG_JOB_PRIORITY *pVal)
{
    *pVal = impl_from_IBackgroundCopyJob5(iface)->priority;
    return S_OK;
}

static HRESULT WINAPI job_SetNotifyFlags(IBackgroundCopyJob5 *iface, ULONG Val)
{
    impl_from_IBackgroundCopyJob5(iface)->notify_flags = Val;
    return S_OK;
}

static HRESULT WINAPI job_GetNotifyFlags(IBackgroundCopyJob5 *iface, ULONG *pVal)
{
    *pVal = impl_from_IBackgroundCopyJob5(iface)->notify_flags;
    return S_OK;
}

static HRESULT WINAPI job_SetNotifyInterface(IBackgroundCopyJob5 *iface, IUnknown *Val)
{
    struct fake_job *job = impl_from_IBackgroundCopyJob5(iface);
    if (Val)
        IUnknown_AddRef(Val);
    if (job->notify)
        IUnknown_Release(job->notify);
    job->notify = Val;
    return S_OK;
}

static HRESULT WINAPI job_GetNotifyInterface(IBackgroundCopyJob5 *iface, IUnknown **pVal)
{
    struct fake_job *job = impl_from_IBackgroundCopyJob5(iface);
    *pVal = job->notify;
    if (*pVal)
        IUnknown_AddRef(*pVal);
    return S_OK;
}

static HRESULT WINAPI job_SetMinimumRetryDelay(IBackgroundCopyJob5 *iface, ULONG Seconds)
{
    impl_from_IBackgroundCopyJob5(iface)->retry_delay = Seconds;
    return S_OK;
}

static HRESULT WINAPI job_GetMinimumRetryDelay(IBackgroundCopyJob5 *iface, ULONG *Seconds)
{
    *Seconds = impl_from_IBackgroundCopyJob5(iface)->retry_delay;
    return S_OK;
}

static HRESULT WINAPI job_SetNoProgressTimeout(IBackgroundCopyJob5 *iface, ULONG Seconds)
{
    impl_from_IBackgroundCopyJob5(iface)->no_progress_timeout = Seconds;
    return S_OK;
}

static HRESULT WINAPI job_GetNoProgressTimeout(IBackgroundCopyJob5 *iface, ULONG *Seconds)
{
    *Seconds = impl_from_IBackgroundCopyJob5(iface)->no_progress_timeout;
    return S_OK;
}

static HRESULT WINAPI job_GetErrorCount(IBackgroundCopyJob5 *iface, ULONG *Errors)
{
    (void)iface;
    *Errors = 7;
    return S_OK;
}

static HRESULT WINAPI job_SetProxySettings(IBackgroundCopyJob5 *iface, BG_JOB_PROXY_USAGE ProxyUsage,
                                           const WCHAR *ProxyList, const WCHAR *ProxyBypassList)
{
    struct fake_job *job = impl_from_IBackgroundCopyJob5(iface);
    job->proxy_usage = ProxyUsage;
    keep_wstr(&job->proxy_list, ProxyList);
    keep_wstr(&job->proxy_bypass, ProxyBypassList);
    return S_OK;
}

static HRESULT WINAPI job_GetProxySettings(IBackgroundCopyJob5 *iface, BG_JOB_PROXY_USAGE *pProxyUsage,
                                           LPWSTR *pProxyList, LPWSTR *pProxyBypassList)
{
    struct fake_job *job = impl_from_IBackgroundCopyJob5(iface);
    *pProxyUsage = job->proxy_usage;
    out_wstr(job->proxy_list, pProxyList);
    return out_wstr(job->proxy_bypass, pProxyBypassList);
}

static HRESULT WINAPI job_TakeOwnership(IBackgroundCopyJob5 *iface)
{
    (void)iface;
    return E_ACCESSDENIED;
}

static HRESULT WINAPI job_SetNotifyCmdLine(IBackgroundCopyJob5 *iface, LPCWSTR Program, LPCWSTR Parameters)
{
    struct fake_job *job = impl_from_IBackgroundCopyJob5(iface);
    keep_wstr(&job->notify_program, Program);
    keep_wstr(&job->notify_parameters, Parameters);
    return S_OK;
}

static HRESULT WINAPI job_GetNotifyCmdLine(IBackgroundCopyJob5 *iface, LPWSTR *pProgram, LPWSTR *pParameters)
{
    struct fake_job *job = impl_from_IBackgroundCopyJob5(iface);
    out_wstr(job->notify_program, pProgram);
    return out_wstr(job->notify_parameters, pParameters);
}

static HRESULT WINAPI job_GetReplyProgress(IBackgroundCopyJob5 *iface, BG_JOB_REPLY_PROGRESS *pProgress)
{
    struct fake_job *job = impl_from_IBackgroundCopyJob5(iface);
    job->reply_progress_in = *pProgress;
    pProgress->BytesTotal = 1000;
    pProgress->BytesTransferred = REPLY_SIZE;
    return S_OK;
}

static HRESULT WINAPI job_GetReplyData(IBackgroundCopyJob5 *iface, byte **ppBuffer, UINT64 *pLength)
{
    struct fake_job *job = impl_from_IBackgroundCopyJob5(iface);
    byte *buf;
    int i;
    job->reply_length_given = pLength != NULL;
    if (!pLength)
        return E_INVALIDARG;
    buf = CoTaskMemAlloc(REPLY_SIZE);
    if (!buf)
        return E_OUTOFMEMORY;
    for (i = 0; i < REPLY_SIZE; i++)
        buf[i] = (byte)(i * 7 + 3);
    *ppBuffer = buf;
    *pLength = REPLY_SIZE;
    return S_OK;
}

static HRESULT WINAPI job_SetReplyFileName(IBackgroundCopyJob5 *iface, LPCWSTR ReplyFileName)
{
    keep_wstr(&impl_from_IBackgroundCopyJob5(iface)->reply_file_name, ReplyFileName);
    return S_OK;
}

static HRESULT WINAPI job_GetReplyFileName(IBackgroundCopyJob5 *iface, LPWSTR *pReplyFileName)
{
    return out_wstr(impl_from_IBackgroundCopyJob5(iface)->reply_file_name, pReplyFileName);
}

static HRESULT WINAPI job_SetCredentials(IBackgroundCopyJob5 *iface, BG_AUTH_CREDENTIALS *credentials)
{
    struct fake_job *job = impl_from_IBackgroundCopyJob5(iface);
    job->cred_calls++;
    job->cred_target = credentials->Target;
    job->cred_scheme = credentials->Scheme;
    keep_wstr(&job->cred_user, NULL);
    keep_wstr(&job->cred_password, NULL);
    if (credentials->Scheme >= BG_AUTH_SCHEME_BASIC && credentials->Scheme <= BG_AUTH_SCHEME_PASSPORT) {
        keep_wstr(&job->cred_user, credentials->Credentials.Basic.UserName);
        keep_wstr(&job->cred_password, credentials->Credentials.Basic.Password);
    }
    return S_OK;
}

static HRESULT WINAPI job_RemoveCredentials(IBackgroundCopyJob5 *iface, BG_AUTH_TARGET Target,
                                            BG_AUTH_SCHEME Scheme)
{
    struct fake_job *job = impl_from_IBackgroundCopyJob5(iface);
    job->removed_target = Target;
    job->removed_scheme = Scheme;
    return S_FALSE;
}

static HRESULT WINAPI job_ReplaceRemotePrefix(IBackgroundCopyJob5 *iface, LPCWSTR OldPrefix, LPCWSTR NewPrefix)
{
    struct fake_job *job = impl_from_IBackgroundCopyJob5(iface);
    keep_wstr(&job->old_prefix, OldPrefix);
    keep_wstr(&job->new_prefix, NewPrefix);
    return S_OK;
}

static HRESULT WINAPI job_AddFileWithRanges(IBackgroundCopyJob5 *iface, LPCWSTR RemoteUrl, LPCWSTR LocalName,
                                            DWORD RangeCount, BG_FILE_RANGE Ranges[])
{
    struct fake_job *job = impl_from_IBackgroundCopyJob5(iface);
    if (RangeCount > ARRAYSIZE(job->ranges))
        return BG_E_TOO_MANY_RANGES_IN_FILE;
    job->range_count = RangeCount;
    memcpy(job->ranges, Ranges, RangeCount * sizeof(*Ranges));
    return add_file(job, RemoteUrl, LocalName);
}

static HRESULT WINAPI job_SetFileACLFlags(IBackgroundCopyJob5 *iface, DWORD Flags)
{
    impl_from_IBackgroundCopyJob5(iface)->acl_flags = Flags;
    return S_OK;
}

static HRESULT WINAPI job_GetFileACLFlags(IBackgroundCopyJob5 *iface, DWORD *Flags)
{
    *Flags = impl_from_IBackgroundCopyJob5(iface)->acl_flags;
    return S_OK;
}

static HRESULT WINAPI job_SetPeerCachingFlags(IBackgroundCopyJob5 *iface, DWORD Flags)
{
    impl_from_IBackgroundCopyJob5(iface)->peer_flags = Flags;
    return S_OK;
}

static HRESULT WINAPI job_GetPeerCachingFlags(IBackgroundCopyJob5 *iface, DWORD *pFlags)
{
    *pFlags = impl_from_IBackgroundCopyJob5(iface)->peer_flags;
    return S_OK;
}

static HRESULT WINAPI job_GetOwnerIntegrityLevel(IBackgroundCopyJob5 *iface, ULONG *pLevel)
{
    (void)iface;
    *pLevel = SECURITY_MANDATORY_MEDIUM_RID;
    return S_OK;
}

static HRESULT WINAPI job_GetOwnerElevationState(IBackgroundCopyJob5 *iface, BOOL *pElevated)
{
    (void)iface;
    *pElevated = TRUE;
    return S_OK;
}

static HRESULT WINAPI job_SetMaximumDownloadTime(IBackgroundCopyJob5 *iface, ULONG Timeout)
{
    impl_from_IBackgroundCopyJob5(iface)->max_download_time = Timeout;
    return S_OK;
}

static HRESULT WINAPI job_GetMaximumDownloadTime(IBackgroundCopyJob5 *iface, ULONG *pTimeout)
{
    *pTimeout = impl_from_IBackgroundCopyJob5(iface)->max_download_time;
    return S_OK;
}

static HRESULT WINAPI job_SetProperty(IBackgroundCopyJob5 *iface, BITS_JOB_PROPERTY_ID PropertyId,
                                      BITS_JOB_PROPERTY_VALUE PropertyValue)
{
    struct fake_job *job = impl_from_IBackgroundCopyJob5(iface);
    job->set_property_calls++;
    job->last_property_id = PropertyId;
    if (PropertyId < 1 || PropertyId > 10)
        return BG_E_UNKNOWN_PROPERTY_ID;
    job->props[PropertyId] = PropertyValue;
    return S_OK;
}

static HRESULT WINAPI job_GetProperty(IBackgroundCopyJob5 *iface, BITS_JOB_PROPERTY_ID PropertyId,
                                      BITS_JOB_PROPERTY_VALUE *PropertyValue)
{
    struct fake_job *job = impl_from_IBackgroundCopyJob5(iface);
    if (PropertyId < 1 || PropertyId > 10)
        return BG_E_UNKNOWN_PROPERTY_ID;
    *PropertyValue = job->props[PropertyId];
    return S_OK;
}

static const IBackgroundCopyJob5Vtbl job_vtbl = {
    job_QueryInterface, job_AddRef, job_Release,
    /* IBackgroundCopyJob */
    job_AddFileSet, job_AddFile, job_EnumFiles, job_Suspend, job_Resume, job_Cancel, job_Complete,
    job_GetId, job_GetType, job_GetProgress, job_GetTimes, job_GetState, job_GetError, job_GetOwner,
    job_SetDisplayName, job_GetDisplayName, job_SetDescription, job_GetDescription, job_SetPriority,
    job_GetPriority, job_SetNotifyFlags, job_GetNotifyFlags, job_SetNotifyInterface,
    job_GetNotifyInterface, job_SetMinimumRetryDelay, job_GetMinimumRetryDelay,
    job_SetNoProgressTimeout, job_GetNoProgressTimeout, job_GetErrorCount, job_SetProxySettings,
    job_GetProxySettings, job_TakeOwnership,
    /* IBackgroundCopyJob2 */
    job_SetNotifyCmdLine, job_GetNotifyCmdLine, job_GetReplyProgress, job_GetReplyData,
    job_SetReplyFileName, job_GetReplyFileName, job_SetCredentials, job_RemoveCredentials,
    /* IBackgroundCopyJob3 */
    job_ReplaceRemotePrefix, job_AddFileWithRanges, job_SetFileACLFlags, job_GetFileACLFlags,
    /* IBackgroundCopyJob4 */
    job_SetPeerCachingFlags, job_GetPeerCachingFlags, job_GetOwnerIntegrityLevel,
    job_GetOwnerElevationState, job_SetMaximumDownloadTime, job_GetMaximumDownloadTime,
    /* IBackgroundCopyJob5 */
    job_SetProperty, job_GetProperty};

/* ---------------------------------------------------------------- job: HttpOptions3 */

static struct fake_job *impl_from_IBackgroundCopyJobHttpOptions3(IBackgroundCopyJobHttpOptions3 *iface)
{
    return CONTAINING_RECORD(iface, struct fake_job, IBackgroundCopyJobHttpOptions3_iface);
}

static HRESULT WINAPI http_QueryInterface(IBackgroundCopyJobHttpOptions3 *iface, REFIID riid, void **ppv)
{
    return job_query_interface(impl_from_IBackgroundCopyJobHttpOptions3(iface), riid, ppv);
}

static ULONG WINAPI http_AddRef(IBackgroundCopyJobHttpOptions3 *iface)
{
    return InterlockedIncrement(&impl_from_IBackgroundCopyJobHttpOptions3(iface)->refs);
}

static ULONG WINAPI http_Release(IBackgroundCopyJobHttpOptions3 *iface)
{
    return InterlockedDecrement(&impl_from_IBackgroundCopyJobHttpOptions3(iface)->refs);
}

static HRESULT WINAPI http_SetClientCertificateByID(IBackgroundCopyJobHttpOptions3 *iface,
                                                    BG_CERT_STORE_LOCATION StoreLocation, LPCWSTR StoreName,
                                                    byte *pCertHashBlob)
{
    struct fake_job *job = impl_from_IBackgroundCopyJobHttpOptions3(iface);
    job->has_cert = TRUE;
    job->cert_location = StoreLocation;
    keep_wstr(&job->cert_store, StoreName);
    keep_wstr(&job->cert_subject, NULL);
    job->cert_has_hash = TRUE;
    memcpy(job->cert_hash, pCertHashBlob, CERT_HASH_SIZE);
    return S_OK;
}

/* A certificate chosen by subject has no hash in this fake: GetClientCertificate returns NULL. */
static HRESULT WINAPI http_SetClientCertificateByName(IBackgroundCopyJobHttpOptions3 *iface,
                                                      BG_CERT_STORE_LOCATION StoreLocation, LPCWSTR StoreName,
                                                      LPCWSTR SubjectName)
{
    struct fake_job *job = impl_from_IBackgroundCopyJobHttpOptions3(iface);
    job->has_cert = TRUE;
    job->cert_location = StoreLocation;
    keep_wstr(&job->cert_store, StoreName);
    keep_wstr(&job->cert_subject, SubjectName);
    job->cert_has_hash = FALSE;
    return S_OK;
}

static HRESULT WINAPI http_RemoveClientCertificate(IBackgroundCopyJobHttpOptions3 *iface)
{
    struct fake_job *job = impl_from_IBackgroundCopyJobHttpOptions3(iface);
    if (!job->has_cert)
        return S_FALSE;
    job->has_cert = FALSE;
    return S_OK;
}

static HRESULT WINAPI http_GetClientCertificate(IBackgroundCopyJobHttpOptions3 *iface,
                                                BG_CERT_STORE_LOCATION *pStoreLocation, LPWSTR *pStoreName,
                                                byte **ppCertHashBlob, LPWSTR *pSubjectName)
{
    struct fake_job *job = impl_from_IBackgroundCopyJobHttpOptions3(iface);
    if (!job->has_cert)
        return HRESULT_FROM_WIN32(RPC_X_BAD_STUB_DATA);
    *pStoreLocation = job->cert_location;
    out_wstr(job->cert_store, pStoreName);
    *ppCertHashBlob = job->cert_has_hash ? co_memdup(job->cert_hash, CERT_HASH_SIZE) : NULL;
    return out_wstr(job->cert_subject, pSubjectName);
}

static HRESULT WINAPI http_SetCustomHeaders(IBackgroundCopyJobHttpOptions3 *iface, LPCWSTR RequestHeaders)
{
    keep_wstr(&impl_from_IBackgroundCopyJobHttpOptions3(iface)->headers, RequestHeaders);
    return S_OK;
}

/* S_FALSE with NULL when none are set; E_ACCESSDENIED once write-only (reference 3.7, 5.8). */
static HRESULT WINAPI http_GetCustomHeaders(IBackgroundCopyJobHttpOptions3 *iface, LPWSTR *pRequestHeaders)
{
    struct fake_job *job = impl_from_IBackgroundCopyJobHttpOptions3(iface);
    *pRequestHeaders = NULL;
    if (job->headers_write_only)
        return E_ACCESSDENIED;
    if (!job->headers)
        return S_FALSE;
    return out_wstr(job->headers, pRequestHeaders);
}

static HRESULT WINAPI http_SetSecurityFlags(IBackgroundCopyJobHttpOptions3 *iface, ULONG Flags)
{
    impl_from_IBackgroundCopyJobHttpOptions3(iface)->security_flags = Flags;
    return S_OK;
}

static HRESULT WINAPI http_GetSecurityFlags(IBackgroundCopyJobHttpOptions3 *iface, ULONG *pFlags)
{
    *pFlags = impl_from_IBackgroundCopyJobHttpOptions3(iface)->security_flags;
    return S_OK;
}

static HRESULT WINAPI http_SetHttpMethod(IBackgroundCopyJobHttpOptions3 *iface, LPCWSTR method)
{
    keep_wstr(&impl_from_IBackgroundCopyJobHttpOptions3(iface)->http_method, method);
    return S_OK;
}

static HRESULT WINAPI http_GetHttpMethod(IBackgroundCopyJobHttpOptions3 *iface, LPWSTR *method)
{
    return out_wstr(impl_from_IBackgroundCopyJobHttpOptions3(iface)->http_method, method);
}

static HRESULT WINAPI http_SetServerCertificateValidationInterface(IBackgroundCopyJobHttpOptions3 *iface,
                                                                   IUnknown *certValidationCallback)
{
    struct fake_job *job = impl_from_IBackgroundCopyJobHttpOptions3(iface);
    IUnknown *cb = NULL;
    if (certValidationCallback &&
        FAILED(IUnknown_QueryInterface(certValidationCallback,
                                       &IID_IBackgroundCopyServerCertificateValidationCallback, (void **)&cb)))
        return E_NOINTERFACE;
    if (job->cert_callback)
        IUnknown_Release(job->cert_callback);
    job->cert_callback = cb;
    return S_OK;
}

static HRESULT WINAPI http_MakeCustomHeadersWriteOnly(IBackgroundCopyJobHttpOptions3 *iface)
{
    impl_from_IBackgroundCopyJobHttpOptions3(iface)->headers_write_only = TRUE;
    return S_OK;
}

static const IBackgroundCopyJobHttpOptions3Vtbl http_vtbl = {
    http_QueryInterface, http_AddRef, http_Release,
    http_SetClientCertificateByID, http_SetClientCertificateByName, http_RemoveClientCertificate,
    http_GetClientCertificate, http_SetCustomHeaders, http_GetCustomHeaders, http_SetSecurityFlags,
    http_GetSecurityFlags,                                                 /* HttpOptions */
    http_SetHttpMethod, http_GetHttpMethod,                                /* HttpOptions2 */
    http_SetServerCertificateValidationInterface, http_MakeCustomHeadersWriteOnly}; /* 3 */

/* ---------------------------------------------------------------- job: IBitsTokenOptions */

static struct fake_job *impl_from_IBitsTokenOptions(IBitsTokenOptions *iface)
{
    return CONTAINING_RECORD(iface, struct fake_job, IBitsTokenOptions_iface);
}

static HRESULT WINAPI token_QueryInterface(IBitsTokenOptions *iface, REFIID riid, void **ppv)
{
    return job_query_interface(impl_from_IBitsTokenOptions(iface), riid, ppv);
}

static ULONG WINAPI token_AddRef(IBitsTokenOptions *iface)
{
    return InterlockedIncrement(&impl_from_IBitsTokenOptions(iface)->refs);
}

static ULONG WINAPI token_Release(IBitsTokenOptions *iface)
{
    return InterlockedDecrement(&impl_from_IBitsTokenOptions(iface)->refs);
}

static HRESULT WINAPI token_SetHelperTokenFlags(IBitsTokenOptions *iface, DWORD UsageFlags)
{
    impl_from_IBitsTokenOptions(iface)->token_flags = UsageFlags;
    return S_OK;
}

static HRESULT WINAPI token_GetHelperTokenFlags(IBitsTokenOptions *iface, DWORD *pFlags)
{
    *pFlags = impl_from_IBitsTokenOptions(iface)->token_flags;
    return S_OK;
}

static HRESULT WINAPI token_SetHelperToken(IBitsTokenOptions *iface)
{
    impl_from_IBitsTokenOptions(iface)->helper_token_set++;
    return S_OK;
}

static HRESULT WINAPI token_ClearHelperToken(IBitsTokenOptions *iface)
{
    impl_from_IBitsTokenOptions(iface)->helper_token_set = 0;
    return S_OK;
}

static HRESULT WINAPI token_GetHelperTokenSid(IBitsTokenOptions *iface, LPWSTR *pSid)
{
    (void)iface;
    return out_wstr(HELPER_SID, pSid);
}

static const IBitsTokenOptionsVtbl token_vtbl = {
    token_QueryInterface, token_AddRef, token_Release, token_SetHelperTokenFlags,
    token_GetHelperTokenFlags, token_SetHelperToken, token_ClearHelperToken, token_GetHelperTokenSid};

/* ---------------------------------------------------------------- manager */

static HRESULT WINAPI manager_QueryInterface(IBackgroundCopyManager *iface, REFIID riid, void **ppv)
{
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IBackgroundCopyManager)) {
        *ppv = iface;
        IBackgroundCopyManager_AddRef(iface);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI manager_AddRef(IBackgroundCopyManager *iface)
{
    (void)iface;
    return InterlockedIncrement(&g_manager.refs);
}

static ULONG WINAPI manager_Release(IBackgroundCopyManager *iface)
{
    (void)iface;
    return InterlockedDecrement(&g_manager.refs);
}

/* Every CreateJob answers job 0 (the test checks what arrived, and the identity returned). */
static HRESULT WINAPI manager_CreateJob(IBackgroundCopyManager *iface, LPCWSTR DisplayName, BG_JOB_TYPE Type,
                                        GUID *pJobId, IBackgroundCopyJob **ppJob)
{
    (void)iface;
    keep_wstr(&g_manager.created_name, DisplayName);
    g_manager.created_type = Type;
    *pJobId = JOB_ID[0];
    *ppJob = (IBackgroundCopyJob *)&g_jobs[0].IBackgroundCopyJob5_iface;
    IBackgroundCopyJob_AddRef(*ppJob);
    return S_OK;
}

static HRESULT WINAPI manager_GetJob(IBackgroundCopyManager *iface, REFGUID jobID, IBackgroundCopyJob **ppJob)
{
    int i;
    (void)iface;
    for (i = 0; i < 2; i++) {
        if (IsEqualGUID(jobID, &JOB_ID[i])) {
            *ppJob = (IBackgroundCopyJob *)&g_jobs[i].IBackgroundCopyJob5_iface;
            IBackgroundCopyJob_AddRef(*ppJob);
            return S_OK;
        }
    }
    *ppJob = NULL;
    return BG_E_NOT_FOUND;
}

static HRESULT WINAPI manager_EnumJobs(IBackgroundCopyManager *iface, DWORD dwFlags, IEnumBackgroundCopyJobs **ppEnum)
{
    struct fake_enum *e = enum_create(TRUE, 0);
    (void)iface;
    g_manager.enum_flags = dwFlags;
    *ppEnum = e ? &e->IEnumBackgroundCopyJobs_iface : NULL;
    return e ? S_OK : E_OUTOFMEMORY;
}

static HRESULT WINAPI manager_GetErrorDescription(IBackgroundCopyManager *iface, HRESULT hResult, DWORD LanguageId,
                                                  LPWSTR *pErrorDescription)
{
    (void)iface;
    g_manager.described_hr = hResult;
    g_manager.described_language = LanguageId;
    if (hResult != BG_E_NOT_FOUND) {
        *pErrorDescription = NULL;
        return HRESULT_FROM_WIN32(ERROR_RESOURCE_LANG_NOT_FOUND);
    }
    return out_wstr(MANAGER_ERROR_TEXT, pErrorDescription);
}

static const IBackgroundCopyManagerVtbl manager_vtbl = {
    manager_QueryInterface, manager_AddRef, manager_Release, manager_CreateJob, manager_GetJob,
    manager_EnumJobs, manager_GetErrorDescription};

/* ---------------------------------------------------------------- callback (Callback3 + cert) */

static HRESULT callback_query_interface(REFIID riid, void **ppv)
{
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IBackgroundCopyCallback) ||
        IsEqualGUID(riid, &IID_IBackgroundCopyCallback2) || IsEqualGUID(riid, &IID_IBackgroundCopyCallback3))
        *ppv = &g_callback.IBackgroundCopyCallback3_iface;
    else if (IsEqualGUID(riid, &IID_IBackgroundCopyServerCertificateValidationCallback))
        *ppv = &g_callback.IBackgroundCopyServerCertificateValidationCallback_iface;
    else {
        *ppv = NULL;
        return E_NOINTERFACE;
    }
    InterlockedIncrement(&g_callback.refs);
    return S_OK;
}

/* Records what a callback received; pointers are checked for identity with the fakes. */
static void callback_record(enum callback_event ev, IBackgroundCopyJob *job, IBackgroundCopyFile *file,
                            IBackgroundCopyError *error)
{
    g_callback.last = ev;
    g_callback.calls++;
    g_callback.job_is_job0 = same_object((IUnknown *)job, (IUnknown *)&g_jobs[0].IBackgroundCopyJob5_iface);
    g_callback.file_is_file2 = same_object((IUnknown *)file, (IUnknown *)&g_files[2].IBackgroundCopyFile6_iface);
    g_callback.error_is_error = same_object((IUnknown *)error, (IUnknown *)&g_error.IBackgroundCopyError_iface);
}

static HRESULT WINAPI cb_QueryInterface(IBackgroundCopyCallback3 *iface, REFIID riid, void **ppv)
{
    (void)iface;
    return callback_query_interface(riid, ppv);
}

static ULONG WINAPI cb_AddRef(IBackgroundCopyCallback3 *iface)
{
    (void)iface;
    return InterlockedIncrement(&g_callback.refs);
}

static ULONG WINAPI cb_Release(IBackgroundCopyCallback3 *iface)
{
    (void)iface;
    return InterlockedDecrement(&g_callback.refs);
}

static HRESULT WINAPI cb_JobTransferred(IBackgroundCopyCallback3 *iface, IBackgroundCopyJob *pJob)
{
    (void)iface;
    callback_record(CB_TRANSFERRED, pJob, NULL, NULL);
    return S_OK;
}

static HRESULT WINAPI cb_JobError(IBackgroundCopyCallback3 *iface, IBackgroundCopyJob *pJob,
                                  IBackgroundCopyError *pError)
{
    (void)iface;
    callback_record(CB_ERROR, pJob, NULL, pError);
    return S_OK;
}

static HRESULT WINAPI cb_JobModification(IBackgroundCopyCallback3 *iface, IBackgroundCopyJob *pJob,
                                         DWORD dwReserved)
{
    (void)iface;
    callback_record(CB_MODIFICATION, pJob, NULL, NULL);
    g_callback.reserved = dwReserved;
    return S_OK;
}

static HRESULT WINAPI cb_FileTransferred(IBackgroundCopyCallback3 *iface, IBackgroundCopyJob *pJob,
                                         IBackgroundCopyFile *pFile)
{
    (void)iface;
    callback_record(CB_FILE, pJob, pFile, NULL);
    return S_OK;
}

static HRESULT WINAPI cb_FileRangesTransferred(IBackgroundCopyCallback3 *iface, IBackgroundCopyJob *job,
                                               IBackgroundCopyFile *file, DWORD rangeCount,
                                               const BG_FILE_RANGE ranges[])
{
    (void)iface;
    callback_record(CB_RANGES, job, file, NULL);
    if (rangeCount > ARRAYSIZE(g_callback.ranges))
        return E_INVALIDARG;
    g_callback.range_count = rangeCount;
    memcpy(g_callback.ranges, ranges, rangeCount * sizeof(*ranges));
    return S_OK;
}

static const IBackgroundCopyCallback3Vtbl callback_vtbl = {
    cb_QueryInterface, cb_AddRef, cb_Release, cb_JobTransferred, cb_JobError, cb_JobModification,
    cb_FileTransferred, cb_FileRangesTransferred};

static HRESULT WINAPI certcb_QueryInterface(IBackgroundCopyServerCertificateValidationCallback *iface,
                                            REFIID riid, void **ppv)
{
    (void)iface;
    return callback_query_interface(riid, ppv);
}

static ULONG WINAPI certcb_AddRef(IBackgroundCopyServerCertificateValidationCallback *iface)
{
    (void)iface;
    return InterlockedIncrement(&g_callback.refs);
}

static ULONG WINAPI certcb_Release(IBackgroundCopyServerCertificateValidationCallback *iface)
{
    (void)iface;
    return InterlockedDecrement(&g_callback.refs);
}

/* Rejects (returns a failure to BITS) when the certificate's first byte is 0xFF. */
static HRESULT WINAPI certcb_ValidateServerCertificate(IBackgroundCopyServerCertificateValidationCallback *iface,
                                                       IBackgroundCopyJob *job, IBackgroundCopyFile *file,
                                                       DWORD certLength, const BYTE certData[],
                                                       DWORD certEncodingType, DWORD certStoreLength,
                                                       const BYTE certStoreData[])
{
    (void)iface;
    callback_record(CB_CERT, job, file, NULL);
    if (certLength > sizeof(g_callback.cert) || certStoreLength > sizeof(g_callback.store))
        return E_INVALIDARG;
    g_callback.cert_length = certLength;
    g_callback.cert_encoding = certEncodingType;
    g_callback.store_length = certStoreLength;
    memcpy(g_callback.cert, certData, certLength);
    memcpy(g_callback.store, certStoreData, certStoreLength);
    return certLength && certData[0] == 0xff ? CERT_E_UNTRUSTEDROOT : S_OK;
}

static const IBackgroundCopyServerCertificateValidationCallbackVtbl certcb_vtbl = {
    certcb_QueryInterface, certcb_AddRef, certcb_Release, certcb_ValidateServerCertificate};

/* ---------------------------------------------------------------- peer-cache record and peer */

static HRESULT WINAPI record_QueryInterface(IBitsPeerCacheRecord *iface, REFIID riid, void **ppv)
{
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IBitsPeerCacheRecord)) {
        *ppv = iface;
        IBitsPeerCacheRecord_AddRef(iface);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI record_AddRef(IBitsPeerCacheRecord *iface)
{
    (void)iface;
    return InterlockedIncrement(&g_record.refs);
}

static ULONG WINAPI record_Release(IBitsPeerCacheRecord *iface)
{
    (void)iface;
    return InterlockedDecrement(&g_record.refs);
}

static HRESULT WINAPI record_GetId(IBitsPeerCacheRecord *iface, GUID *pVal)
{
    (void)iface;
    *pVal = RECORD_ID;
    return S_OK;
}

static HRESULT WINAPI record_GetOriginUrl(IBitsPeerCacheRecord *iface, LPWSTR *pVal)
{
    (void)iface;
    return out_wstr(ORIGIN_URL, pVal);
}

static HRESULT WINAPI record_GetFileSize(IBitsPeerCacheRecord *iface, UINT64 *pVal)
{
    (void)iface;
    *pVal = 0x0000001234567890ull;
    return S_OK;
}

static HRESULT WINAPI record_GetFileModificationTime(IBitsPeerCacheRecord *iface, FILETIME *pVal)
{
    (void)iface;
    *pVal = RECORD_MTIME;
    return S_OK;
}

static HRESULT WINAPI record_GetLastAccessTime(IBitsPeerCacheRecord *iface, FILETIME *pVal)
{
    (void)iface;
    *pVal = RECORD_ATIME;
    return S_OK;
}

static HRESULT WINAPI record_IsFileValidated(IBitsPeerCacheRecord *iface)
{
    (void)iface;
    return S_FALSE;
}

static HRESULT WINAPI record_GetFileRanges(IBitsPeerCacheRecord *iface, DWORD *pRangeCount, BG_FILE_RANGE **ppRanges)
{
    (void)iface;
    *ppRanges = co_memdup(RECORD_RANGES, sizeof(RECORD_RANGES));
    *pRangeCount = ARRAYSIZE(RECORD_RANGES);
    return S_OK;
}

static const IBitsPeerCacheRecordVtbl record_vtbl = {
    record_QueryInterface, record_AddRef, record_Release, record_GetId, record_GetOriginUrl,
    record_GetFileSize, record_GetFileModificationTime, record_GetLastAccessTime,
    record_IsFileValidated, record_GetFileRanges};

static HRESULT WINAPI peer_QueryInterface(IBitsPeer *iface, REFIID riid, void **ppv)
{
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IBitsPeer)) {
        *ppv = iface;
        IBitsPeer_AddRef(iface);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI peer_AddRef(IBitsPeer *iface)
{
    (void)iface;
    return InterlockedIncrement(&g_peer.refs);
}

static ULONG WINAPI peer_Release(IBitsPeer *iface)
{
    (void)iface;
    return InterlockedDecrement(&g_peer.refs);
}

static HRESULT WINAPI peer_GetPeerName(IBitsPeer *iface, LPWSTR *pName)
{
    (void)iface;
    return out_wstr(PEER_NAME, pName);
}

static HRESULT WINAPI peer_IsAuthenticated(IBitsPeer *iface, BOOL *pAuth)
{
    (void)iface;
    *pAuth = TRUE;
    return S_OK;
}

static HRESULT WINAPI peer_IsAvailable(IBitsPeer *iface, BOOL *pOnline)
{
    (void)iface;
    *pOnline = FALSE;
    return S_OK;
}

static const IBitsPeerVtbl peer_vtbl = {
    peer_QueryInterface, peer_AddRef, peer_Release, peer_GetPeerName, peer_IsAuthenticated,
    peer_IsAvailable};

/* ---------------------------------------------------------------- construction and clean-up */

static void fakes_init(void)
{
    int i;
    for (i = 0; i < 2; i++) {
        struct fake_job *job = &g_jobs[i];
        memset(job, 0, sizeof(*job));
        job->IBackgroundCopyJob5_iface.lpVtbl = &job_vtbl;
        job->IBackgroundCopyJobHttpOptions3_iface.lpVtbl = &http_vtbl;
        job->IBitsTokenOptions_iface.lpVtbl = &token_vtbl;
        job->refs = 1;
        job->index = i;
        job->display_name = co_wcsdup(i ? L"second job" : L"first job");
        job->description = co_wcsdup(L"");
        job->priority = BG_JOB_PRIORITY_NORMAL;
        job->http_method = co_wcsdup(L"GET");
    }
    for (i = 0; i < NFILES; i++) {
        struct fake_file *file = &g_files[i];
        memset(file, 0, sizeof(*file));
        file->IBackgroundCopyFile6_iface.lpVtbl = &file_vtbl;
        file->refs = 1;
        file->index = i;
        file->remote_name = co_wcsdup(FILE_REMOTE[i]);
        file->response_headers = co_wcsdup(RESPONSE_HEADERS);
    }
    memset(&g_error, 0, sizeof(g_error));
    g_error.IBackgroundCopyError_iface.lpVtbl = &error_vtbl;
    g_error.refs = 1;
    memset(&g_manager, 0, sizeof(g_manager));
    g_manager.IBackgroundCopyManager_iface.lpVtbl = &manager_vtbl;
    g_manager.refs = 1;
    memset(&g_callback, 0, sizeof(g_callback));
    g_callback.IBackgroundCopyCallback3_iface.lpVtbl = &callback_vtbl;
    g_callback.IBackgroundCopyServerCertificateValidationCallback_iface.lpVtbl = &certcb_vtbl;
    g_callback.refs = 1;
    memset(&g_record, 0, sizeof(g_record));
    g_record.IBitsPeerCacheRecord_iface.lpVtbl = &record_vtbl;
    g_record.refs = 1;
    memset(&g_peer, 0, sizeof(g_peer));
    g_peer.IBitsPeer_iface.lpVtbl = &peer_vtbl;
    g_peer.refs = 1;
}

/* Drops the interface pointers the fakes hold (they point into this apartment). */
static void fakes_release_held(void)
{
    int i;
    for (i = 0; i < 2; i++) {
        if (g_jobs[i].notify)
            IUnknown_Release(g_jobs[i].notify);
        if (g_jobs[i].cert_callback)
            IUnknown_Release(g_jobs[i].cert_callback);
        g_jobs[i].notify = g_jobs[i].cert_callback = NULL;
    }
}

static void fakes_free_strings(void)
{
    int i;
    ULONG f;
    for (i = 0; i < 2; i++) {
        struct fake_job *job = &g_jobs[i];
        WCHAR **owned[] = {&job->display_name, &job->description, &job->proxy_list, &job->proxy_bypass,
                           &job->notify_program, &job->notify_parameters, &job->reply_file_name,
                           &job->cred_user, &job->cred_password, &job->old_prefix, &job->new_prefix,
                           &job->cert_store, &job->cert_subject, &job->headers, &job->http_method};
        size_t k;
        for (k = 0; k < ARRAYSIZE(owned); k++)
            keep_wstr(owned[k], NULL);
        for (f = 0; f < job->added_count; f++) {
            keep_wstr(&job->added_remote[f], NULL);
            keep_wstr(&job->added_local[f], NULL);
        }
    }
    for (i = 0; i < NFILES; i++) {
        keep_wstr(&g_files[i].remote_name, NULL);
        keep_wstr(&g_files[i].response_headers, NULL);
    }
    keep_wstr(&g_manager.created_name, NULL);
}

/* ============================================================================================
 * The proxy/stub DLL, registered without the registry
 */

static const IID *const BITS_IIDS[] = {
    &IID_IBackgroundCopyManager, &IID_IBackgroundCopyJob, &IID_IBackgroundCopyJob2,
    &IID_IBackgroundCopyJob3, &IID_IBackgroundCopyJob4, &IID_IBackgroundCopyJob5,
    &IID_IBackgroundCopyJobHttpOptions, &IID_IBackgroundCopyJobHttpOptions2,
    &IID_IBackgroundCopyJobHttpOptions3, &IID_IBitsTokenOptions, &IID_IBackgroundCopyFile,
    &IID_IBackgroundCopyFile2, &IID_IBackgroundCopyFile3, &IID_IBackgroundCopyFile4,
    &IID_IBackgroundCopyFile5, &IID_IBackgroundCopyFile6, &IID_IBackgroundCopyError,
    &IID_IEnumBackgroundCopyJobs, &IID_IEnumBackgroundCopyFiles, &IID_IBackgroundCopyCallback,
    &IID_IBackgroundCopyCallback2, &IID_IBackgroundCopyCallback3,
    &IID_IBackgroundCopyServerCertificateValidationCallback, &IID_IBitsPeerCacheAdministration,
    &IID_IBitsPeerCacheRecord, &IID_IEnumBitsPeerCacheRecords, &IID_IBitsPeer, &IID_IEnumBitsPeers};

static HMODULE g_ps_dll;
static IUnknown *g_ps_factory;      /* bgcopyps.dll's class object for CLSID_BgCopyPSFactory */
static HRESULT(WINAPI *g_ps_can_unload)(void);

static HRESULT load_ps_dll(void)
{
    WCHAR path[MAX_PATH];
    HRESULT(WINAPI * get_class_object)(REFCLSID, REFIID, void **);
    DWORD n = GetModuleFileNameW(NULL, path, ARRAYSIZE(path));
    WCHAR *slash;
    if (!n || n >= ARRAYSIZE(path) - 16)
        return E_FAIL;
    slash = wcsrchr(path, L'\\');
    if (!slash)
        return E_FAIL;
    wcscpy(slash + 1, L"bgcopyps.dll");
    g_ps_dll = LoadLibraryW(path);
    if (!g_ps_dll) {
        print_error("LoadLibrary(bgcopyps.dll next to the test) failed: %lu\n", GetLastError());
        return HRESULT_FROM_WIN32(GetLastError());
    }
    get_class_object = (void *)GetProcAddress(g_ps_dll, "DllGetClassObject");
    g_ps_can_unload = (void *)GetProcAddress(g_ps_dll, "DllCanUnloadNow");
    if (!get_class_object || !g_ps_can_unload)
        return E_NOINTERFACE;
    return get_class_object(&CLSID_BgCopyPSFactory, &IID_IUnknown, (void **)&g_ps_factory);
}

/* Registers the proxy/stub class and every BITS IID in the calling thread's apartment. */
static HRESULT register_ps(DWORD *cookie)
{
    HRESULT hr = CoRegisterClassObject(&CLSID_BgCopyPSFactory, g_ps_factory, CLSCTX_INPROC_SERVER,
                                       REGCLS_MULTIPLEUSE, cookie);
    size_t i;
    for (i = 0; SUCCEEDED(hr) && i < ARRAYSIZE(BITS_IIDS); i++)
        hr = CoRegisterPSClsid(BITS_IIDS[i], &CLSID_BgCopyPSFactory);
    return hr;
}

/* ============================================================================================
 * The STA thread that owns the fakes
 */

enum root { ROOT_MANAGER, ROOT_JOB, ROOT_FILE, ROOT_CALLBACK, ROOT_RECORD, ROOT_PEER, ROOT_COUNT };

static HANDLE g_sta_thread;
static DWORD g_sta_thread_id;
static HANDLE g_sta_ready;
static HRESULT g_sta_hr;            /* result of the STA's set-up */
static IStream *g_streams[ROOT_COUNT];
static BOOL g_sta_refs_ok;          /* set by the STA after CoUninitialize: invariant 1 */
static char g_sta_refs_report[512];

static DWORD WINAPI sta_main(void *arg)
{
    static const IID *const root_iids[ROOT_COUNT] = {
        &IID_IBackgroundCopyManager, &IID_IBackgroundCopyJob5, &IID_IBackgroundCopyFile6,
        &IID_IBackgroundCopyCallback3, &IID_IBitsPeerCacheRecord, &IID_IBitsPeer};
    IUnknown *roots[ROOT_COUNT];
    DWORD cookie = 0;
    MSG msg;
    HRESULT hr;
    int i;
    (void)arg;

    hr = CoInitializeEx(NULL, COINIT_APARTMENTTHREADED);
    if (SUCCEEDED(hr))
        hr = register_ps(&cookie);
    fakes_init();
    roots[ROOT_MANAGER] = (IUnknown *)&g_manager.IBackgroundCopyManager_iface;
    roots[ROOT_JOB] = (IUnknown *)&g_jobs[0].IBackgroundCopyJob5_iface;
    roots[ROOT_FILE] = (IUnknown *)&g_files[0].IBackgroundCopyFile6_iface;
    roots[ROOT_CALLBACK] = (IUnknown *)&g_callback.IBackgroundCopyCallback3_iface;
    roots[ROOT_RECORD] = (IUnknown *)&g_record.IBitsPeerCacheRecord_iface;
    roots[ROOT_PEER] = (IUnknown *)&g_peer.IBitsPeer_iface;
    for (i = 0; SUCCEEDED(hr) && i < ROOT_COUNT; i++)
        hr = CoMarshalInterThreadInterfaceInStream(root_iids[i], roots[i], &g_streams[i]);
    g_sta_hr = hr;
    PeekMessageW(&msg, NULL, 0, 0, PM_NOREMOVE); /* make sure the queue exists before "ready" */
    SetEvent(g_sta_ready);

    if (SUCCEEDED(hr)) {
        while (GetMessageW(&msg, NULL, 0, 0) > 0) {
            TranslateMessage(&msg);
            DispatchMessageW(&msg);
        }
    }

    fakes_release_held();
    if (cookie)
        CoRevokeClassObject(cookie);
    CoUninitialize();   /* disconnects every stub: their references on the fakes go */

    snprintf(g_sta_refs_report, sizeof(g_sta_refs_report),
             "refs: manager %ld job0 %ld job1 %ld files %ld %ld %ld error %ld callback %ld record %ld "
             "peer %ld; live enumerators %ld",
             g_manager.refs, g_jobs[0].refs, g_jobs[1].refs, g_files[0].refs, g_files[1].refs, g_files[2].refs,
             g_error.refs, g_callback.refs, g_record.refs, g_peer.refs, g_live_enums);
    g_sta_refs_ok = g_manager.refs == 1 && g_jobs[0].refs == 1 && g_jobs[1].refs == 1 && g_files[0].refs == 1 &&
                    g_files[1].refs == 1 && g_files[2].refs == 1 && g_error.refs == 1 && g_callback.refs == 1 &&
                    g_record.refs == 1 && g_peer.refs == 1 && g_live_enums == 0;
    fakes_free_strings();
    return 0;
}

/* ============================================================================================
 * Proxies held by the tests (MTA)
 */

static BOOL g_group_failed;         /* set-up or teardown failed (cmocka 1.1 ignores it) */
static DWORD g_mta_cookie;
static IBackgroundCopyManager *g_mgr;
static IBackgroundCopyJob5 *g_job;
static IBackgroundCopyFile6 *g_file;
static IBackgroundCopyCallback3 *g_cb;
static IBitsPeerCacheRecord *g_rec;
static IBitsPeer *g_bitspeer;

static int group_setup(void **state)
{
    HRESULT hr;
    (void)state;

    hr = load_ps_dll();
    if (FAILED(hr)) {
        print_error("bgcopyps.dll: no class object for CLSID_BgCopyPSFactory: 0x%08lx\n", (unsigned long)hr);
        g_group_failed = TRUE;
        return -1;
    }
    hr = register_ps(&g_mta_cookie);
    if (FAILED(hr)) {
        print_error("registering the proxy/stub class in the MTA failed: 0x%08lx\n", (unsigned long)hr);
        g_group_failed = TRUE;
        return -1;
    }
    g_sta_ready = CreateEventW(NULL, TRUE, FALSE, NULL);
    g_sta_thread = CreateThread(NULL, 0, sta_main, NULL, 0, &g_sta_thread_id);
    if (!g_sta_thread || WaitForSingleObject(g_sta_ready, WAIT_MS) != WAIT_OBJECT_0) {
        print_error("the STA thread did not start\n");
        g_group_failed = TRUE;
        return -1;
    }
    if (FAILED(g_sta_hr)) {
        print_error("STA set-up (register, marshal) failed: 0x%08lx\n", (unsigned long)g_sta_hr);
        g_group_failed = TRUE;
        return -1;
    }
    hr = CoGetInterfaceAndReleaseStream(g_streams[ROOT_MANAGER], &IID_IBackgroundCopyManager, (void **)&g_mgr);
    if (SUCCEEDED(hr))
        hr = CoGetInterfaceAndReleaseStream(g_streams[ROOT_JOB], &IID_IBackgroundCopyJob5, (void **)&g_job);
    if (SUCCEEDED(hr))
        hr = CoGetInterfaceAndReleaseStream(g_streams[ROOT_FILE], &IID_IBackgroundCopyFile6, (void **)&g_file);
    if (SUCCEEDED(hr))
        hr = CoGetInterfaceAndReleaseStream(g_streams[ROOT_CALLBACK], &IID_IBackgroundCopyCallback3,
                                            (void **)&g_cb);
    if (SUCCEEDED(hr))
        hr = CoGetInterfaceAndReleaseStream(g_streams[ROOT_RECORD], &IID_IBitsPeerCacheRecord, (void **)&g_rec);
    if (SUCCEEDED(hr))
        hr = CoGetInterfaceAndReleaseStream(g_streams[ROOT_PEER], &IID_IBitsPeer, (void **)&g_bitspeer);
    if (FAILED(hr)) {
        print_error("unmarshalling the proxies failed: 0x%08lx\n", (unsigned long)hr);
        g_group_failed = TRUE;
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    int failed = 0;
    (void)state;

    if (g_mgr)
        IBackgroundCopyManager_Release(g_mgr);
    if (g_job)
        IBackgroundCopyJob5_Release(g_job);
    if (g_file)
        IBackgroundCopyFile6_Release(g_file);
    if (g_cb)
        IBackgroundCopyCallback3_Release(g_cb);
    if (g_rec)
        IBitsPeerCacheRecord_Release(g_rec);
    if (g_bitspeer)
        IBitsPeer_Release(g_bitspeer);
    if (g_sta_thread) {
        PostThreadMessageW(g_sta_thread_id, WM_QUIT, 0, 0);
        if (WaitForSingleObject(g_sta_thread, WAIT_MS) != WAIT_OBJECT_0) {
            print_error("the STA thread did not finish\n");
            g_group_failed = TRUE;
            return -1;
        }
        if (!g_sta_refs_ok) {
            print_error("invariant 1 broken, fakes leaked references: %s\n", g_sta_refs_report);
            failed = 1;
        }
    }
    if (g_mta_cookie)
        CoRevokeClassObject(g_mta_cookie);
    CoUninitialize();
    if (g_ps_factory)
        IUnknown_Release(g_ps_factory);
    if (g_ps_can_unload && g_ps_can_unload() != S_OK) {
        print_error("invariant 2 broken: bgcopyps.dll DllCanUnloadNow is not S_OK\n");
        failed = 1;
    }
    if (failed)
        g_group_failed = TRUE;
    return failed ? -1 : 0;
}

/* ============================================================================================
 * Tests
 */

/* Without registry entries, COM finds bgcopyps.dll's class for every BITS IID. */
static void ps_clsid_of_every_bits_iid_is_bgcopyps(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < ARRAYSIZE(BITS_IIDS); i++) {
        CLSID clsid = {0};
        assert_hr(CoGetPSClsid(BITS_IIDS[i], &clsid), S_OK);
        assert_true(IsEqualGUID(&clsid, &CLSID_BgCopyPSFactory));
    }
}

static void manager_create_job_sends_name_and_type_returns_id_and_job(void **state)
{
    IBackgroundCopyJob *job = NULL;
    GUID id = {0};
    (void)state;
    assert_hr(IBackgroundCopyManager_CreateJob(g_mgr, NAME_UNICODE, BG_JOB_TYPE_UPLOAD, &id, &job), S_OK);
    assert_wstr(g_manager.created_name, NAME_UNICODE);
    assert_int_equal(g_manager.created_type, BG_JOB_TYPE_UPLOAD);
    assert_true(IsEqualGUID(&id, &JOB_ID[0]));
    assert_non_null(job);
    assert_true(same_object((IUnknown *)job, (IUnknown *)g_job));
    IBackgroundCopyJob_Release(job);
}

static void manager_get_job_by_guid_and_not_found_passes_through(void **state)
{
    IBackgroundCopyJob *job = NULL;
    LPWSTR name = NULL;
    GUID unknown = JOB_ID[1];
    (void)state;
    assert_hr(IBackgroundCopyManager_GetJob(g_mgr, &JOB_ID[1], &job), S_OK);
    assert_hr(IBackgroundCopyJob_GetDisplayName(job, &name), S_OK);
    assert_out_wstr(name, L"second job");
    IBackgroundCopyJob_Release(job);

    unknown.Data1 ^= 0xffffffff;
    job = (IBackgroundCopyJob *)&job;   /* poisoned: the call must reset it */
    assert_hr(IBackgroundCopyManager_GetJob(g_mgr, &unknown, &job), BG_E_NOT_FOUND);
    assert_null(job);
}

static void manager_get_error_description_returns_string(void **state)
{
    LPWSTR text = NULL;
    (void)state;
    assert_hr(IBackgroundCopyManager_GetErrorDescription(g_mgr, BG_E_NOT_FOUND, 0x0409, &text), S_OK);
    assert_int_equal(g_manager.described_hr, BG_E_NOT_FOUND);
    assert_int_equal(g_manager.described_language, 0x0409);
    assert_out_wstr(text, MANAGER_ERROR_TEXT);

    assert_hr(IBackgroundCopyManager_GetErrorDescription(g_mgr, E_FAIL, 0x0407, &text),
              HRESULT_FROM_WIN32(ERROR_RESOURCE_LANG_NOT_FOUND));
    assert_null(text);
}

static void manager_enum_jobs_next_fetches_several_jobs(void **state)
{
    IEnumBackgroundCopyJobs *jobs = NULL, *clone = NULL;
    IBackgroundCopyJob *got[3] = {NULL, NULL, NULL};
    ULONG fetched = 0xdeadbeef, count = 0;
    GUID id;
    (void)state;
    assert_hr(IBackgroundCopyManager_EnumJobs(g_mgr, BG_JOB_ENUM_ALL_USERS, &jobs), S_OK);
    assert_int_equal(g_manager.enum_flags, BG_JOB_ENUM_ALL_USERS);
    assert_hr(IEnumBackgroundCopyJobs_GetCount(jobs, &count), S_OK);
    assert_int_equal(count, 2);
    assert_hr(IEnumBackgroundCopyJobs_Clone(jobs, &clone), S_OK);

    assert_hr(IEnumBackgroundCopyJobs_Next(jobs, 3, got, &fetched), S_FALSE);
    assert_int_equal(fetched, 2);
    assert_hr(IBackgroundCopyJob_GetId(got[0], &id), S_OK);
    assert_true(IsEqualGUID(&id, &JOB_ID[0]));
    assert_hr(IBackgroundCopyJob_GetId(got[1], &id), S_OK);
    assert_true(IsEqualGUID(&id, &JOB_ID[1]));
    IBackgroundCopyJob_Release(got[0]);
    IBackgroundCopyJob_Release(got[1]);

    assert_hr(IEnumBackgroundCopyJobs_Skip(clone, 1), S_OK);
    assert_hr(IEnumBackgroundCopyJobs_Next(clone, 1, got, NULL), S_OK);
    assert_hr(IBackgroundCopyJob_GetId(got[0], &id), S_OK);
    assert_true(IsEqualGUID(&id, &JOB_ID[1]));
    IBackgroundCopyJob_Release(got[0]);
    assert_hr(IEnumBackgroundCopyJobs_Reset(clone), S_OK);
    IEnumBackgroundCopyJobs_Release(clone);
    IEnumBackgroundCopyJobs_Release(jobs);
}

static void job_in_strings_arrive_intact(void **state)
{
    WCHAR long_text[4097];
    int i;
    (void)state;
    for (i = 0; i < 4096; i++)
        long_text[i] = (WCHAR)(0x20 + i % 0x5e + (i % 7 == 0 ? 0x3000 : 0));
    long_text[4096] = 0;
    assert_hr(IBackgroundCopyJob5_SetDisplayName(g_job, NAME_UNICODE), S_OK);
    assert_wstr(g_jobs[0].display_name, NAME_UNICODE);
    assert_hr(IBackgroundCopyJob5_SetDescription(g_job, long_text), S_OK);
    assert_wstr(g_jobs[0].description, long_text);
    assert_hr(IBackgroundCopyJob5_SetDescription(g_job, L""), S_OK);
    assert_wstr(g_jobs[0].description, L"");
}

static void job_out_string_getters_return_exact_strings(void **state)
{
    LPWSTR s = NULL;
    (void)state;
    assert_hr(IBackgroundCopyJob5_SetDisplayName(g_job, NAME_UNICODE), S_OK);
    assert_hr(IBackgroundCopyJob5_SetDescription(g_job, L"a description"), S_OK);
    assert_hr(IBackgroundCopyJob5_GetDisplayName(g_job, &s), S_OK);
    assert_out_wstr(s, NAME_UNICODE);
    assert_hr(IBackgroundCopyJob5_GetDescription(g_job, &s), S_OK);
    assert_out_wstr(s, L"a description");
    assert_hr(IBackgroundCopyJob5_GetOwner(g_job, &s), S_OK);
    assert_out_wstr(s, OWNER_SID);
}

static void job_structs_guid_and_scalars_round_trip(void **state)
{
    GUID id = {0};
    BG_JOB_PROGRESS progress;
    BG_JOB_TIMES times;
    BG_JOB_TYPE type = 0xdead;
    BG_JOB_STATE st = 0xdead;
    BG_JOB_PRIORITY prio = 0xdead;
    ULONG v = 0xdeadbeef;
    (void)state;
    memset(&progress, 0xcc, sizeof(progress));
    memset(&times, 0xcc, sizeof(times));
    assert_hr(IBackgroundCopyJob5_GetId(g_job, &id), S_OK);
    assert_true(IsEqualGUID(&id, &JOB_ID[0]));
    assert_hr(IBackgroundCopyJob5_GetProgress(g_job, &progress), S_OK);
    assert_memory_equal(&progress, &JOB_PROGRESS, sizeof(progress));
    assert_hr(IBackgroundCopyJob5_GetTimes(g_job, &times), S_OK);
    assert_memory_equal(&times, &JOB_TIMES, sizeof(times));
    assert_hr(IBackgroundCopyJob5_GetType(g_job, &type), S_OK);
    assert_int_equal(type, BG_JOB_TYPE_DOWNLOAD);
    assert_hr(IBackgroundCopyJob5_GetState(g_job, &st), S_OK);
    assert_int_equal(st, BG_JOB_STATE_TRANSIENT_ERROR);
    assert_hr(IBackgroundCopyJob5_SetPriority(g_job, BG_JOB_PRIORITY_LOW), S_OK);
    assert_hr(IBackgroundCopyJob5_GetPriority(g_job, &prio), S_OK);
    assert_int_equal(prio, BG_JOB_PRIORITY_LOW);
    assert_hr(IBackgroundCopyJob5_SetNotifyFlags(g_job, BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_FILE_RANGES_TRANSFERRED),
              S_OK);
    assert_hr(IBackgroundCopyJob5_GetNotifyFlags(g_job, &v), S_OK);
    assert_int_equal(v, BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_FILE_RANGES_TRANSFERRED);
    assert_hr(IBackgroundCopyJob5_SetMinimumRetryDelay(g_job, 61), S_OK);
    assert_hr(IBackgroundCopyJob5_GetMinimumRetryDelay(g_job, &v), S_OK);
    assert_int_equal(v, 61);
    assert_hr(IBackgroundCopyJob5_SetNoProgressTimeout(g_job, 1209600), S_OK);
    assert_hr(IBackgroundCopyJob5_GetNoProgressTimeout(g_job, &v), S_OK);
    assert_int_equal(v, 1209600);
    assert_hr(IBackgroundCopyJob5_GetErrorCount(g_job, &v), S_OK);
    assert_int_equal(v, 7);
}

static void job_proxy_settings_round_trip_with_and_without_lists(void **state)
{
    BG_JOB_PROXY_USAGE usage = 0xdead;
    LPWSTR list = NULL, bypass = NULL;
    (void)state;
    assert_hr(IBackgroundCopyJob5_SetProxySettings(g_job, BG_JOB_PROXY_USAGE_OVERRIDE,
                                                   L"http=proxy.test:3128 https=proxy.test:3129", L"<local> *.test"),
              S_OK);
    assert_int_equal(g_jobs[0].proxy_usage, BG_JOB_PROXY_USAGE_OVERRIDE);
    assert_wstr(g_jobs[0].proxy_list, L"http=proxy.test:3128 https=proxy.test:3129");
    assert_wstr(g_jobs[0].proxy_bypass, L"<local> *.test");
    assert_hr(IBackgroundCopyJob5_GetProxySettings(g_job, &usage, &list, &bypass), S_OK);
    assert_int_equal(usage, BG_JOB_PROXY_USAGE_OVERRIDE);
    assert_out_wstr(list, L"http=proxy.test:3128 https=proxy.test:3129");
    assert_out_wstr(bypass, L"<local> *.test");

    /* [unique] in, NULL out: both lists absent for PRECONFIG. */
    assert_hr(IBackgroundCopyJob5_SetProxySettings(g_job, BG_JOB_PROXY_USAGE_PRECONFIG, NULL, NULL), S_OK);
    assert_null(g_jobs[0].proxy_list);
    assert_null(g_jobs[0].proxy_bypass);
    assert_hr(IBackgroundCopyJob5_GetProxySettings(g_job, &usage, &list, &bypass), S_OK);
    assert_int_equal(usage, BG_JOB_PROXY_USAGE_PRECONFIG);
    assert_null(list);
    assert_null(bypass);
}

static void job_add_file_and_file_set_send_file_info_array(void **state)
{
    BG_FILE_INFO set[3];
    ULONG base = g_jobs[0].added_count, i;
    (void)state;
    assert_hr(IBackgroundCopyJob5_AddFile(g_job, FILE_REMOTE[2], FILE_LOCAL[2]), S_OK);
    for (i = 0; i < 3; i++) {
        set[i].RemoteName = (LPWSTR)FILE_REMOTE[i];
        set[i].LocalName = (LPWSTR)FILE_LOCAL[i];
    }
    assert_hr(IBackgroundCopyJob5_AddFileSet(g_job, 3, set), S_OK);
    assert_int_equal(g_jobs[0].added_count, base + 4);
    assert_wstr(g_jobs[0].added_remote[base], FILE_REMOTE[2]);
    assert_wstr(g_jobs[0].added_local[base], FILE_LOCAL[2]);
    for (i = 0; i < 3; i++) {
        assert_wstr(g_jobs[0].added_remote[base + 1 + i], FILE_REMOTE[i]);
        assert_wstr(g_jobs[0].added_local[base + 1 + i], FILE_LOCAL[i]);
    }
}

static void job_enum_files_next_fetches_several_files(void **state)
{
    IEnumBackgroundCopyFiles *files = NULL;
    IBackgroundCopyFile *got[5] = {NULL};
    ULONG fetched = 0xdeadbeef, count = 0, i;
    LPWSTR s = NULL;
    (void)state;
    assert_hr(IBackgroundCopyJob5_EnumFiles(g_job, &files), S_OK);
    assert_hr(IEnumBackgroundCopyFiles_GetCount(files, &count), S_OK);
    assert_int_equal(count, NFILES);
    assert_hr(IEnumBackgroundCopyFiles_Next(files, 2, got, &fetched), S_OK);
    assert_int_equal(fetched, 2);
    assert_hr(IEnumBackgroundCopyFiles_Next(files, 5, got + 2, &fetched), S_FALSE);
    assert_int_equal(fetched, 1);
    for (i = 0; i < NFILES; i++) {
        assert_hr(IBackgroundCopyFile_GetRemoteName(got[i], &s), S_OK);
        assert_out_wstr(s, FILE_REMOTE[i]);
        assert_hr(IBackgroundCopyFile_GetLocalName(got[i], &s), S_OK);
        assert_out_wstr(s, FILE_LOCAL[i]);
        IBackgroundCopyFile_Release(got[i]);
    }
    fetched = 0xdeadbeef;
    assert_hr(IEnumBackgroundCopyFiles_Next(files, 1, got, &fetched), S_FALSE);
    assert_int_equal(fetched, 0);
    IEnumBackgroundCopyFiles_Release(files);
}

static void job_get_error_and_error_methods_return_values(void **state)
{
    IBackgroundCopyJob *job1 = NULL;
    IBackgroundCopyError *error = NULL;
    IBackgroundCopyFile *file = NULL;
    BG_ERROR_CONTEXT ctx = 0xdead;
    HRESULT code = 0;
    LPWSTR s = NULL;
    (void)state;
    assert_hr(IBackgroundCopyJob5_GetError(g_job, &error), S_OK);
    assert_hr(IBackgroundCopyError_GetError(error, &ctx, &code), S_OK);
    assert_int_equal(ctx, BG_ERROR_CONTEXT_REMOTE_FILE);
    assert_hr(code, BG_E_HTTP_ERROR_404);
    assert_hr(IBackgroundCopyError_GetErrorDescription(error, 0x0409, &s), S_OK);
    assert_int_equal(g_error.last_language, 0x0409);
    assert_out_wstr(s, ERROR_TEXT);
    assert_hr(IBackgroundCopyError_GetErrorContextDescription(error, 0x0c0a, &s), S_OK);
    assert_int_equal(g_error.last_language, 0x0c0a);
    assert_out_wstr(s, CONTEXT_TEXT);
    assert_hr(IBackgroundCopyError_GetProtocol(error, &s), S_OK);
    assert_out_wstr(s, PROTOCOL);
    assert_hr(IBackgroundCopyError_GetFile(error, &file), S_OK);
    assert_hr(IBackgroundCopyFile_GetRemoteName(file, &s), S_OK);
    assert_out_wstr(s, FILE_REMOTE[1]);
    IBackgroundCopyFile_Release(file);
    IBackgroundCopyError_Release(error);

    /* The second job has no error: failure code and NULL interface come back. */
    assert_hr(IBackgroundCopyManager_GetJob(g_mgr, &JOB_ID[1], &job1), S_OK);
    error = (IBackgroundCopyError *)&error;
    assert_hr(IBackgroundCopyJob_GetError(job1, &error), BG_E_ERROR_INFORMATION_UNAVAILABLE);
    assert_null(error);
    IBackgroundCopyJob_Release(job1);
}

static void job_hresults_pass_through_unchanged(void **state)
{
    (void)state;
    assert_hr(IBackgroundCopyJob5_Complete(g_job), BG_E_INVALID_STATE);
    assert_hr(IBackgroundCopyJob5_Cancel(g_job), BG_S_UNABLE_TO_DELETE_FILES);
    assert_hr(IBackgroundCopyJob5_TakeOwnership(g_job), E_ACCESSDENIED);
    assert_hr(IBackgroundCopyJob5_RemoveCredentials(g_job, BG_AUTH_TARGET_PROXY, BG_AUTH_SCHEME_NEGOTIATE), S_FALSE);
    assert_int_equal(g_jobs[0].removed_target, BG_AUTH_TARGET_PROXY);
    assert_int_equal(g_jobs[0].removed_scheme, BG_AUTH_SCHEME_NEGOTIATE);
    assert_hr(IBackgroundCopyJob5_Suspend(g_job), S_OK);
    assert_hr(IBackgroundCopyJob5_Resume(g_job), S_OK);
}

static void job_notify_interface_round_trips_identity(void **state)
{
    IUnknown *got = NULL;
    (void)state;
    assert_hr(IBackgroundCopyJob5_SetNotifyInterface(g_job, (IUnknown *)g_cb), S_OK);
    assert_true(g_jobs[0].notify == (IUnknown *)&g_callback.IBackgroundCopyCallback3_iface);
    assert_hr(IBackgroundCopyJob5_GetNotifyInterface(g_job, &got), S_OK);
    assert_true(same_object(got, (IUnknown *)g_cb));
    IUnknown_Release(got);
    assert_hr(IBackgroundCopyJob5_SetNotifyInterface(g_job, NULL), S_OK);
    assert_hr(IBackgroundCopyJob5_GetNotifyInterface(g_job, &got), S_OK);
    assert_null(got);
}

static void job2_notify_cmdline_returns_both_strings(void **state)
{
    LPWSTR program = NULL, parameters = NULL;
    (void)state;
    assert_hr(IBackgroundCopyJob5_SetNotifyCmdLine(g_job, L"C:\\Program Files\\app\\notify.exe",
                                                   L"\"C:\\Program Files\\app\\notify.exe\" /job {x} \x00e9"),
              S_OK);
    assert_hr(IBackgroundCopyJob5_GetNotifyCmdLine(g_job, &program, &parameters), S_OK);
    assert_out_wstr(program, L"C:\\Program Files\\app\\notify.exe");
    assert_out_wstr(parameters, L"\"C:\\Program Files\\app\\notify.exe\" /job {x} \x00e9");

    assert_hr(IBackgroundCopyJob5_SetNotifyCmdLine(g_job, L"C:\\only.exe", NULL), S_OK);
    assert_null(g_jobs[0].notify_parameters);
    assert_hr(IBackgroundCopyJob5_GetNotifyCmdLine(g_job, &program, &parameters), S_OK);
    assert_out_wstr(program, L"C:\\only.exe");
    assert_null(parameters);
}

static void job2_reply_data_progress_and_file_name(void **state)
{
    byte *buf = NULL;
    UINT64 length = 0;
    BG_JOB_REPLY_PROGRESS progress = {0x1234, 0x5678};
    LPWSTR s = NULL;
    int i;
    (void)state;
    assert_hr(IBackgroundCopyJob5_GetReplyData(g_job, &buf, &length), S_OK);
    assert_true(g_jobs[0].reply_length_given);
    assert_int_equal(length, REPLY_SIZE);
    assert_non_null(buf);
    for (i = 0; i < REPLY_SIZE; i++) {
        if (buf[i] != (byte)(i * 7 + 3))
            fail_msg("reply byte %d is 0x%02x", i, buf[i]);
    }
    CoTaskMemFree(buf);

    assert_hr(IBackgroundCopyJob5_GetReplyProgress(g_job, &progress), S_OK);
    assert_int_equal(g_jobs[0].reply_progress_in.BytesTotal, 0x1234);
    assert_int_equal(g_jobs[0].reply_progress_in.BytesTransferred, 0x5678);
    assert_int_equal(progress.BytesTotal, 1000);
    assert_int_equal(progress.BytesTransferred, REPLY_SIZE);

    assert_hr(IBackgroundCopyJob5_SetReplyFileName(g_job, L"C:\\bgcopy\\reply \x00e9.xml"), S_OK);
    assert_hr(IBackgroundCopyJob5_GetReplyFileName(g_job, &s), S_OK);
    assert_out_wstr(s, L"C:\\bgcopy\\reply \x00e9.xml");
    assert_hr(IBackgroundCopyJob5_SetReplyFileName(g_job, NULL), S_OK);
    assert_hr(IBackgroundCopyJob5_GetReplyFileName(g_job, &s), S_OK);
    assert_null(s);
}

static void job2_set_credentials_sends_union_arm_strings(void **state)
{
    BG_AUTH_CREDENTIALS cred;
    (void)state;
    memset(&cred, 0, sizeof(cred));
    cred.Target = BG_AUTH_TARGET_SERVER;
    cred.Scheme = BG_AUTH_SCHEME_BASIC;
    cred.Credentials.Basic.UserName = (LPWSTR)L"DOMAIN\\user \x00e9";
    cred.Credentials.Basic.Password = (LPWSTR)L"p\x00e4ssw\x00f6rd \xd83d\xde00";
    assert_hr(IBackgroundCopyJob5_SetCredentials(g_job, &cred), S_OK);
    assert_int_equal(g_jobs[0].cred_target, BG_AUTH_TARGET_SERVER);
    assert_int_equal(g_jobs[0].cred_scheme, BG_AUTH_SCHEME_BASIC);
    assert_wstr(g_jobs[0].cred_user, L"DOMAIN\\user \x00e9");
    assert_wstr(g_jobs[0].cred_password, L"p\x00e4ssw\x00f6rd \xd83d\xde00");

    /* NTLM with NULL user and password: implicit credentials. */
    cred.Target = BG_AUTH_TARGET_PROXY;
    cred.Scheme = BG_AUTH_SCHEME_NTLM;
    cred.Credentials.Basic.UserName = NULL;
    cred.Credentials.Basic.Password = NULL;
    assert_hr(IBackgroundCopyJob5_SetCredentials(g_job, &cred), S_OK);
    assert_int_equal(g_jobs[0].cred_target, BG_AUTH_TARGET_PROXY);
    assert_int_equal(g_jobs[0].cred_scheme, BG_AUTH_SCHEME_NTLM);
    assert_null(g_jobs[0].cred_user);
    assert_null(g_jobs[0].cred_password);

    /* A scheme outside the enum selects the empty [default] arm and still reaches the server. */
    cred.Scheme = (BG_AUTH_SCHEME)77;
    assert_hr(IBackgroundCopyJob5_SetCredentials(g_job, &cred), S_OK);
    assert_int_equal(g_jobs[0].cred_scheme, 77);
}

static void job3_ranges_prefix_and_acl_flags(void **state)
{
    BG_FILE_RANGE ranges[3];
    DWORD flags = 0xdeadbeef;
    (void)state;
    memcpy(ranges, FILE0_RANGES, sizeof(ranges));
    assert_hr(IBackgroundCopyJob5_AddFileWithRanges(g_job, FILE_REMOTE[0], FILE_LOCAL[0], 3, ranges), S_OK);
    assert_int_equal(g_jobs[0].range_count, 3);
    assert_memory_equal(g_jobs[0].ranges, FILE0_RANGES, sizeof(FILE0_RANGES));
    assert_wstr(g_jobs[0].added_remote[g_jobs[0].added_count - 1], FILE_REMOTE[0]);
    assert_wstr(g_jobs[0].added_local[g_jobs[0].added_count - 1], FILE_LOCAL[0]);

    assert_hr(IBackgroundCopyJob5_ReplaceRemotePrefix(g_job, L"http://127.0.0.1:8080/", L"https://mirror.test/"), S_OK);
    assert_wstr(g_jobs[0].old_prefix, L"http://127.0.0.1:8080/");
    assert_wstr(g_jobs[0].new_prefix, L"https://mirror.test/");
    assert_hr(IBackgroundCopyJob5_SetFileACLFlags(g_job, BG_COPY_FILE_ALL), S_OK);
    assert_hr(IBackgroundCopyJob5_GetFileACLFlags(g_job, &flags), S_OK);
    assert_int_equal(flags, BG_COPY_FILE_ALL);
}

static void job4_scalar_getters_and_setters(void **state)
{
    DWORD flags = 0xdeadbeef;
    ULONG v = 0xdeadbeef;
    BOOL elevated = FALSE;
    (void)state;
    assert_hr(IBackgroundCopyJob5_SetPeerCachingFlags(g_job, BG_JOB_ENABLE_PEERCACHING_CLIENT |
                                                                 BG_JOB_DISABLE_BRANCH_CACHE),
              S_OK);
    assert_hr(IBackgroundCopyJob5_GetPeerCachingFlags(g_job, &flags), S_OK);
    assert_int_equal(flags, BG_JOB_ENABLE_PEERCACHING_CLIENT | BG_JOB_DISABLE_BRANCH_CACHE);
    assert_hr(IBackgroundCopyJob5_GetOwnerIntegrityLevel(g_job, &v), S_OK);
    assert_int_equal(v, SECURITY_MANDATORY_MEDIUM_RID);
    assert_hr(IBackgroundCopyJob5_GetOwnerElevationState(g_job, &elevated), S_OK);
    assert_true(elevated);
    assert_hr(IBackgroundCopyJob5_SetMaximumDownloadTime(g_job, 7776000), S_OK);
    assert_hr(IBackgroundCopyJob5_GetMaximumDownloadTime(g_job, &v), S_OK);
    assert_int_equal(v, 7776000);
}

/* Every case label of BITS_JOB_PROPERTY_VALUE, including the unnamed IDs 6 and 8. */
static void job5_property_every_union_arm_round_trips(void **state)
{
    static const BITS_JOB_PROPERTY_ID dword_ids[] = {BITS_JOB_PROPERTY_ID_COST_FLAGS, (BITS_JOB_PROPERTY_ID)6,
                                                     (BITS_JOB_PROPERTY_ID)8,
                                                     BITS_JOB_PROPERTY_MINIMUM_NOTIFICATION_INTERVAL_MS};
    static const BITS_JOB_PROPERTY_ID enable_ids[] = {BITS_JOB_PROPERTY_DYNAMIC_CONTENT,
                                                      BITS_JOB_PROPERTY_HIGH_PERFORMANCE,
                                                      BITS_JOB_PROPERTY_ON_DEMAND_MODE};
    BITS_JOB_PROPERTY_VALUE v, got;
    size_t i;
    (void)state;
    for (i = 0; i < ARRAYSIZE(dword_ids); i++) {
        memset(&v, 0, sizeof(v));
        v.Dword = i ? 0x10000 + (DWORD)i : BITS_COST_STATE_TRANSFER_NOT_ROAMING;
        assert_hr(IBackgroundCopyJob5_SetProperty(g_job, dword_ids[i], v), S_OK);
        assert_int_equal(g_jobs[0].last_property_id, dword_ids[i]);
        assert_int_equal(g_jobs[0].props[dword_ids[i]].Dword, v.Dword);
        memset(&got, 0xcc, sizeof(got));
        assert_hr(IBackgroundCopyJob5_GetProperty(g_job, dword_ids[i], &got), S_OK);
        assert_int_equal(got.Dword, v.Dword);
    }
    for (i = 0; i < ARRAYSIZE(enable_ids); i++) {
        memset(&v, 0, sizeof(v));
        v.Enable = TRUE;
        assert_hr(IBackgroundCopyJob5_SetProperty(g_job, enable_ids[i], v), S_OK);
        assert_int_equal(g_jobs[0].props[enable_ids[i]].Enable, TRUE);
        memset(&got, 0xcc, sizeof(got));
        assert_hr(IBackgroundCopyJob5_GetProperty(g_job, enable_ids[i], &got), S_OK);
        assert_int_equal(got.Enable, TRUE);
    }
    memset(&v, 0, sizeof(v));
    v.ClsID = NOTIFY_CLSID;
    assert_hr(IBackgroundCopyJob5_SetProperty(g_job, BITS_JOB_PROPERTY_NOTIFICATION_CLSID, v), S_OK);
    assert_true(IsEqualGUID(&g_jobs[0].props[BITS_JOB_PROPERTY_NOTIFICATION_CLSID].ClsID, &NOTIFY_CLSID));
    memset(&got, 0xcc, sizeof(got));
    assert_hr(IBackgroundCopyJob5_GetProperty(g_job, BITS_JOB_PROPERTY_NOTIFICATION_CLSID, &got), S_OK);
    assert_true(IsEqualGUID(&got.ClsID, &NOTIFY_CLSID));

    memset(&v, 0, sizeof(v));
    v.Uint64 = 0xfedcba9876543210ull;
    assert_hr(IBackgroundCopyJob5_SetProperty(g_job, BITS_JOB_PROPERTY_MAX_DOWNLOAD_SIZE, v), S_OK);
    assert_true(g_jobs[0].props[BITS_JOB_PROPERTY_MAX_DOWNLOAD_SIZE].Uint64 == 0xfedcba9876543210ull);
    memset(&got, 0xcc, sizeof(got));
    assert_hr(IBackgroundCopyJob5_GetProperty(g_job, BITS_JOB_PROPERTY_MAX_DOWNLOAD_SIZE, &got), S_OK);
    assert_true(got.Uint64 == 0xfedcba9876543210ull);

    memset(&v, 0, sizeof(v));
    v.Target = BG_AUTH_TARGET_PROXY;
    assert_hr(IBackgroundCopyJob5_SetProperty(g_job, BITS_JOB_PROPERTY_USE_STORED_CREDENTIALS, v), S_OK);
    assert_int_equal(g_jobs[0].props[BITS_JOB_PROPERTY_USE_STORED_CREDENTIALS].Target, BG_AUTH_TARGET_PROXY);
    memset(&got, 0xcc, sizeof(got));
    assert_hr(IBackgroundCopyJob5_GetProperty(g_job, BITS_JOB_PROPERTY_USE_STORED_CREDENTIALS, &got), S_OK);
    assert_int_equal(got.Target, BG_AUTH_TARGET_PROXY);
}

/* An ID outside the union's cases cannot be marshalled: the proxy fails, the server never sees it. */
static void job5_property_unknown_id_fails_before_the_server(void **state)
{
    BITS_JOB_PROPERTY_VALUE v;
    int calls = g_jobs[0].set_property_calls;
    HRESULT hr;
    (void)state;
    memset(&v, 0, sizeof(v));
    hr = IBackgroundCopyJob5_SetProperty(g_job, (BITS_JOB_PROPERTY_ID)99, v);
    assert_true(FAILED(hr));
    assert_int_equal(g_jobs[0].set_property_calls, calls);
}

static void http_options_client_certificate_by_id_returns_hash_and_strings(void **state)
{
    IBackgroundCopyJobHttpOptions *http = NULL;
    BYTE hash[CERT_HASH_SIZE];
    BG_CERT_STORE_LOCATION loc = 0xdead;
    LPWSTR store = NULL, subject = NULL;
    byte *got_hash = NULL;
    int i;
    (void)state;
    for (i = 0; i < CERT_HASH_SIZE; i++)
        hash[i] = (BYTE)(0xa0 + i);
    assert_hr(IBackgroundCopyJob5_QueryInterface(g_job, &IID_IBackgroundCopyJobHttpOptions, (void **)&http), S_OK);
    assert_hr(IBackgroundCopyJobHttpOptions_RemoveClientCertificate(http), S_FALSE);
    assert_hr(IBackgroundCopyJobHttpOptions_SetClientCertificateByID(http, BG_CERT_STORE_LOCATION_LOCAL_MACHINE,
                                                                     L"MY", hash),
              S_OK);
    assert_memory_equal(g_jobs[0].cert_hash, hash, CERT_HASH_SIZE);
    assert_hr(IBackgroundCopyJobHttpOptions_GetClientCertificate(http, &loc, &store, &got_hash, &subject), S_OK);
    assert_int_equal(loc, BG_CERT_STORE_LOCATION_LOCAL_MACHINE);
    assert_out_wstr(store, L"MY");
    assert_non_null(got_hash);
    assert_memory_equal(got_hash, hash, CERT_HASH_SIZE);
    CoTaskMemFree(got_hash);
    assert_null(subject);           /* [out, ref] LPWSTR * may carry NULL (inner pointer is unique) */
    assert_hr(IBackgroundCopyJobHttpOptions_RemoveClientCertificate(http), S_OK);
    IBackgroundCopyJobHttpOptions_Release(http);
}

static void http_options_client_certificate_by_name_returns_subject_and_null_hash(void **state)
{
    IBackgroundCopyJobHttpOptions *http = NULL;
    BG_CERT_STORE_LOCATION loc = 0xdead;
    LPWSTR store = NULL, subject = NULL;
    byte *got_hash = (byte *)&got_hash;
    (void)state;
    assert_hr(IBackgroundCopyJob5_QueryInterface(g_job, &IID_IBackgroundCopyJobHttpOptions, (void **)&http), S_OK);
    assert_hr(IBackgroundCopyJobHttpOptions_SetClientCertificateByName(http, BG_CERT_STORE_LOCATION_CURRENT_USER,
                                                                       L"My", L"CN=client \x00e9.test"),
              S_OK);
    assert_wstr(g_jobs[0].cert_subject, L"CN=client \x00e9.test");
    assert_hr(IBackgroundCopyJobHttpOptions_GetClientCertificate(http, &loc, &store, &got_hash, &subject), S_OK);
    assert_int_equal(loc, BG_CERT_STORE_LOCATION_CURRENT_USER);
    assert_out_wstr(store, L"My");
    assert_out_wstr(subject, L"CN=client \x00e9.test");
    assert_null(got_hash);          /* [out, ref] byte ** may carry NULL */
    assert_hr(IBackgroundCopyJobHttpOptions_RemoveClientCertificate(http), S_OK);
    IBackgroundCopyJobHttpOptions_Release(http);
}

static void http_options_custom_headers_none_is_s_false_with_null(void **state)
{
    IBackgroundCopyJobHttpOptions *http = NULL;
    LPWSTR s = NULL;
    ULONG flags = 0;
    (void)state;
    assert_hr(IBackgroundCopyJob5_QueryInterface(g_job, &IID_IBackgroundCopyJobHttpOptions, (void **)&http), S_OK);
    assert_hr(IBackgroundCopyJobHttpOptions_SetCustomHeaders(http, NULL), S_OK);
    assert_hr(IBackgroundCopyJobHttpOptions_GetCustomHeaders(http, &s), S_FALSE);
    assert_null(s);
    assert_hr(IBackgroundCopyJobHttpOptions_SetCustomHeaders(http, L"X-One: 1\r\nX-Two: \x00e9\r\n"), S_OK);
    assert_hr(IBackgroundCopyJobHttpOptions_GetCustomHeaders(http, &s), S_OK);
    assert_out_wstr(s, L"X-One: 1\r\nX-Two: \x00e9\r\n");
    assert_hr(IBackgroundCopyJobHttpOptions_SetSecurityFlags(http, BG_SSL_ENABLE_CRL_CHECK |
                                                                       BG_HTTP_REDIRECT_POLICY_DISALLOW),
              S_OK);
    assert_hr(IBackgroundCopyJobHttpOptions_GetSecurityFlags(http, &flags), S_OK);
    assert_int_equal(flags, BG_SSL_ENABLE_CRL_CHECK | BG_HTTP_REDIRECT_POLICY_DISALLOW);
    IBackgroundCopyJobHttpOptions_Release(http);
}

static void http_options2_http_method_round_trips(void **state)
{
    IBackgroundCopyJobHttpOptions2 *http2 = NULL;
    LPWSTR s = NULL;
    (void)state;
    assert_hr(IBackgroundCopyJob5_QueryInterface(g_job, &IID_IBackgroundCopyJobHttpOptions2, (void **)&http2), S_OK);
    assert_hr(IBackgroundCopyJobHttpOptions2_GetHttpMethod(http2, &s), S_OK);
    assert_out_wstr(s, L"GET");
    assert_hr(IBackgroundCopyJobHttpOptions2_SetHttpMethod(http2, L"PROPFIND"), S_OK);
    assert_wstr(g_jobs[0].http_method, L"PROPFIND");
    assert_hr(IBackgroundCopyJobHttpOptions2_GetHttpMethod(http2, &s), S_OK);
    assert_out_wstr(s, L"PROPFIND");
    IBackgroundCopyJobHttpOptions2_Release(http2);
}

static void http_options3_validation_interface_and_write_only_headers(void **state)
{
    IBackgroundCopyJobHttpOptions3 *http3 = NULL;
    LPWSTR s = NULL;
    (void)state;
    assert_hr(IBackgroundCopyJob5_QueryInterface(g_job, &IID_IBackgroundCopyJobHttpOptions3, (void **)&http3), S_OK);
    assert_hr(IBackgroundCopyJobHttpOptions3_SetServerCertificateValidationInterface(http3, (IUnknown *)g_cb), S_OK);
    assert_true(g_jobs[0].cert_callback ==
                (IUnknown *)&g_callback.IBackgroundCopyServerCertificateValidationCallback_iface);
    assert_hr(IBackgroundCopyJobHttpOptions3_SetServerCertificateValidationInterface(http3, NULL), S_OK);
    assert_null(g_jobs[0].cert_callback);

    assert_hr(IBackgroundCopyJobHttpOptions3_SetCustomHeaders(http3, L"Authorization: secret"), S_OK);
    assert_hr(IBackgroundCopyJobHttpOptions3_MakeCustomHeadersWriteOnly(http3), S_OK);
    assert_hr(IBackgroundCopyJobHttpOptions3_GetCustomHeaders(http3, &s), E_ACCESSDENIED);
    assert_null(s);
    g_jobs[0].headers_write_only = FALSE;   /* undo, for later tests (fake state only) */
    IBackgroundCopyJobHttpOptions3_Release(http3);
}

static void token_options_helper_token_sid_and_flags(void **state)
{
    IBitsTokenOptions *token = NULL;
    LPWSTR s = NULL;
    DWORD flags = 0;
    (void)state;
    assert_hr(IBackgroundCopyJob5_QueryInterface(g_job, &IID_IBitsTokenOptions, (void **)&token), S_OK);
    assert_hr(IBitsTokenOptions_SetHelperTokenFlags(token, BG_TOKEN_LOCAL_FILE | BG_TOKEN_NETWORK), S_OK);
    assert_hr(IBitsTokenOptions_GetHelperTokenFlags(token, &flags), S_OK);
    assert_int_equal(flags, BG_TOKEN_LOCAL_FILE | BG_TOKEN_NETWORK);
    assert_hr(IBitsTokenOptions_SetHelperToken(token), S_OK);
    assert_int_equal(g_jobs[0].helper_token_set, 1);
    assert_hr(IBitsTokenOptions_GetHelperTokenSid(token, &s), S_OK);
    assert_out_wstr(s, HELPER_SID);
    assert_hr(IBitsTokenOptions_ClearHelperToken(token), S_OK);
    assert_int_equal(g_jobs[0].helper_token_set, 0);
    IBitsTokenOptions_Release(token);
}

static void file_names_progress_and_file3_file4_values(void **state)
{
    LPWSTR s = NULL;
    BG_FILE_PROGRESS progress;
    BOOL b = 0xdead;
    UINT64 origin = 0, peers = 0;
    (void)state;
    memset(&progress, 0xcc, sizeof(progress));
    assert_hr(IBackgroundCopyFile6_GetRemoteName(g_file, &s), S_OK);
    assert_out_wstr(s, FILE_REMOTE[0]);
    assert_hr(IBackgroundCopyFile6_GetLocalName(g_file, &s), S_OK);
    assert_out_wstr(s, FILE_LOCAL[0]);
    assert_hr(IBackgroundCopyFile6_GetTemporaryName(g_file, &s), S_OK);
    assert_out_wstr(s, FILE_TEMP[0]);
    assert_hr(IBackgroundCopyFile6_GetProgress(g_file, &progress), S_OK);
    assert_memory_equal(&progress, &FILE_PROGRESS[0], sizeof(progress));
    assert_hr(IBackgroundCopyFile6_SetRemoteName(g_file, L"http://127.0.0.1:8080/bgcopy/renamed \x00e9.bin"), S_OK);
    assert_hr(IBackgroundCopyFile6_GetRemoteName(g_file, &s), S_OK);
    assert_out_wstr(s, L"http://127.0.0.1:8080/bgcopy/renamed \x00e9.bin");
    assert_hr(IBackgroundCopyFile6_SetRemoteName(g_file, FILE_REMOTE[0]), S_OK);
    assert_hr(IBackgroundCopyFile6_SetValidationState(g_file, TRUE), S_OK);
    assert_hr(IBackgroundCopyFile6_GetValidationState(g_file, &b), S_OK);
    assert_int_equal(b, TRUE);
    assert_hr(IBackgroundCopyFile6_IsDownloadedFromPeer(g_file, &b), S_OK);
    assert_int_equal(b, FALSE);
    assert_hr(IBackgroundCopyFile6_GetPeerDownloadStats(g_file, &origin, &peers), S_OK);
    assert_true(origin == 0x1111111122222222ull);
    assert_true(peers == 0x33ull);
}

static void file2_get_file_ranges_returns_array_or_s_false(void **state)
{
    IEnumBackgroundCopyFiles *files = NULL;
    IBackgroundCopyFile *f1 = NULL;
    IBackgroundCopyFile2 *f1b = NULL;
    BG_FILE_RANGE *ranges = NULL;
    DWORD count = 0xdeadbeef;
    (void)state;
    assert_hr(IBackgroundCopyFile6_GetFileRanges(g_file, &count, &ranges), S_OK);
    assert_int_equal(count, 3);
    assert_non_null(ranges);
    assert_memory_equal(ranges, FILE0_RANGES, sizeof(FILE0_RANGES));
    CoTaskMemFree(ranges);

    assert_hr(IBackgroundCopyJob5_EnumFiles(g_job, &files), S_OK);
    assert_hr(IEnumBackgroundCopyFiles_Skip(files, 1), S_OK);
    assert_hr(IEnumBackgroundCopyFiles_Next(files, 1, &f1, NULL), S_OK);
    assert_hr(IBackgroundCopyFile_QueryInterface(f1, &IID_IBackgroundCopyFile2, (void **)&f1b), S_OK);
    count = 0xdeadbeef;
    ranges = (BG_FILE_RANGE *)&ranges;
    assert_hr(IBackgroundCopyFile2_GetFileRanges(f1b, &count, &ranges), S_FALSE);
    assert_int_equal(count, 0);
    assert_null(ranges);
    IBackgroundCopyFile2_Release(f1b);
    IBackgroundCopyFile_Release(f1);
    IEnumBackgroundCopyFiles_Release(files);
}

static void file5_response_headers_property_round_trips(void **state)
{
    BITS_FILE_PROPERTY_VALUE v;
    (void)state;
    v.String = (LPWSTR)L"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-9/10\r\n\r\n";
    assert_hr(IBackgroundCopyFile6_SetProperty(g_file, BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS, v), S_OK);
    assert_wstr(g_files[0].response_headers, L"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-9/10\r\n\r\n");
    v.String = NULL;
    assert_hr(IBackgroundCopyFile6_GetProperty(g_file, BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS, &v), S_OK);
    assert_out_wstr(v.String, L"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-9/10\r\n\r\n");
}

/* Unknown IDs still reach the object, which answers with the documented code. */
static void file5_property_unknown_id_reaches_the_server(void **state)
{
    BITS_FILE_PROPERTY_VALUE v;
    WCHAR *before = co_wcsdup(g_files[0].response_headers);
    (void)state;
    v.String = (LPWSTR)L"ignored";
    assert_hr(IBackgroundCopyFile6_SetProperty(g_file, (BITS_FILE_PROPERTY_ID)2, v), BG_E_UNKNOWN_PROPERTY_ID);
    assert_wstr(g_files[0].response_headers, before);
    CoTaskMemFree(before);
    v.String = (LPWSTR)&v;
    assert_hr(IBackgroundCopyFile6_GetProperty(g_file, (BITS_FILE_PROPERTY_ID)2, &v), BG_E_UNKNOWN_PROPERTY_ID);
    assert_null(v.String);
}

static void file6_position_requested_and_filled_ranges(void **state)
{
    BG_FILE_RANGE req[2] = {{10, 20}, {0x300000000ull, BG_LENGTH_TO_EOF}};
    BG_FILE_RANGE *filled = NULL;
    DWORD count = 0xdeadbeef;
    (void)state;
    assert_hr(IBackgroundCopyFile6_UpdateDownloadPosition(g_file, 0x123456789abcdefull), S_OK);
    assert_true(g_files[0].download_position == 0x123456789abcdefull);
    assert_hr(IBackgroundCopyFile6_RequestFileRanges(g_file, 2, req), S_OK);
    assert_int_equal(g_files[0].requested_count, 2);
    assert_memory_equal(g_files[0].requested, req, sizeof(req));
    assert_hr(IBackgroundCopyFile6_GetFilledFileRanges(g_file, &count, &filled), S_OK);
    assert_int_equal(count, 2);
    assert_non_null(filled);
    assert_memory_equal(filled, FILLED_RANGES, sizeof(FILLED_RANGES));
    CoTaskMemFree(filled);
}

static void callback_methods_receive_job_error_and_file(void **state)
{
    IBackgroundCopyError *error = NULL;
    IEnumBackgroundCopyFiles *files = NULL;
    IBackgroundCopyFile *got[3] = {NULL};
    ULONG fetched = 0;
    int calls = g_callback.calls;
    (void)state;
    assert_hr(IBackgroundCopyCallback3_JobTransferred(g_cb, (IBackgroundCopyJob *)g_job), S_OK);
    assert_int_equal(g_callback.last, CB_TRANSFERRED);
    assert_true(g_callback.job_is_job0);

    assert_hr(IBackgroundCopyJob5_GetError(g_job, &error), S_OK);
    assert_hr(IBackgroundCopyCallback3_JobError(g_cb, (IBackgroundCopyJob *)g_job, error), S_OK);
    assert_int_equal(g_callback.last, CB_ERROR);
    assert_true(g_callback.job_is_job0);
    assert_true(g_callback.error_is_error);
    IBackgroundCopyError_Release(error);

    assert_hr(IBackgroundCopyCallback3_JobModification(g_cb, (IBackgroundCopyJob *)g_job, 0x5a5a), S_OK);
    assert_int_equal(g_callback.last, CB_MODIFICATION);
    assert_int_equal(g_callback.reserved, 0x5a5a);

    assert_hr(IBackgroundCopyJob5_EnumFiles(g_job, &files), S_OK);
    assert_hr(IEnumBackgroundCopyFiles_Next(files, 3, got, &fetched), S_OK);
    assert_int_equal(fetched, 3);
    assert_hr(IBackgroundCopyCallback3_FileTransferred(g_cb, (IBackgroundCopyJob *)g_job, got[2]), S_OK);
    assert_int_equal(g_callback.last, CB_FILE);
    assert_true(g_callback.job_is_job0);
    assert_true(g_callback.file_is_file2);
    IBackgroundCopyFile_Release(got[0]);
    IBackgroundCopyFile_Release(got[1]);
    IBackgroundCopyFile_Release(got[2]);
    IEnumBackgroundCopyFiles_Release(files);
    assert_int_equal(g_callback.calls, calls + 4);
}

static void callback3_file_ranges_transferred_receives_ranges(void **state)
{
    IEnumBackgroundCopyFiles *files = NULL;
    IBackgroundCopyFile *got[3] = {NULL};
    ULONG fetched = 0;
    BG_FILE_RANGE ranges[3];
    (void)state;
    memcpy(ranges, FILE0_RANGES, sizeof(ranges));
    assert_hr(IBackgroundCopyJob5_EnumFiles(g_job, &files), S_OK);
    assert_hr(IEnumBackgroundCopyFiles_Next(files, 3, got, &fetched), S_OK);
    assert_hr(IBackgroundCopyCallback3_FileRangesTransferred(g_cb, (IBackgroundCopyJob *)g_job, got[2], 3, ranges),
              S_OK);
    assert_int_equal(g_callback.last, CB_RANGES);
    assert_true(g_callback.job_is_job0);
    assert_true(g_callback.file_is_file2);
    assert_int_equal(g_callback.range_count, 3);
    assert_memory_equal(g_callback.ranges, FILE0_RANGES, sizeof(FILE0_RANGES));
    IBackgroundCopyFile_Release(got[0]);
    IBackgroundCopyFile_Release(got[1]);
    IBackgroundCopyFile_Release(got[2]);
    IEnumBackgroundCopyFiles_Release(files);
}

static void cert_validation_callback_receives_byte_arrays_and_returns_verdict(void **state)
{
    IBackgroundCopyServerCertificateValidationCallback *certcb = NULL;
    IEnumBackgroundCopyFiles *files = NULL;
    IBackgroundCopyFile *got[3] = {NULL};
    ULONG fetched = 0;
    BYTE cert[40], store[25];
    int i;
    (void)state;
    for (i = 0; i < 40; i++)
        cert[i] = (BYTE)(0x30 + i);
    for (i = 0; i < 25; i++)
        store[i] = (BYTE)(0xe0 - i);
    assert_hr(IBackgroundCopyCallback3_QueryInterface(g_cb, &IID_IBackgroundCopyServerCertificateValidationCallback,
                                                      (void **)&certcb),
              S_OK);
    assert_hr(IBackgroundCopyJob5_EnumFiles(g_job, &files), S_OK);
    assert_hr(IEnumBackgroundCopyFiles_Next(files, 3, got, &fetched), S_OK);
    assert_hr(IBackgroundCopyServerCertificateValidationCallback_ValidateServerCertificate(
                  certcb, (IBackgroundCopyJob *)g_job, got[2], sizeof(cert), cert, X509_ASN_ENCODING,
                  sizeof(store), store),
              S_OK);
    assert_int_equal(g_callback.last, CB_CERT);
    assert_true(g_callback.job_is_job0);
    assert_true(g_callback.file_is_file2);
    assert_int_equal(g_callback.cert_length, sizeof(cert));
    assert_memory_equal(g_callback.cert, cert, sizeof(cert));
    assert_int_equal(g_callback.cert_encoding, X509_ASN_ENCODING);
    assert_int_equal(g_callback.store_length, sizeof(store));
    assert_memory_equal(g_callback.store, store, sizeof(store));
    cert[0] = 0xff;
    assert_hr(IBackgroundCopyServerCertificateValidationCallback_ValidateServerCertificate(
                  certcb, (IBackgroundCopyJob *)g_job, got[2], sizeof(cert), cert, X509_ASN_ENCODING, 0, store),
              CERT_E_UNTRUSTEDROOT);
    assert_int_equal(g_callback.store_length, 0);
    IBackgroundCopyFile_Release(got[0]);
    IBackgroundCopyFile_Release(got[1]);
    IBackgroundCopyFile_Release(got[2]);
    IEnumBackgroundCopyFiles_Release(files);
    IBackgroundCopyServerCertificateValidationCallback_Release(certcb);
}

static void peer_cache_record_and_peer_return_values(void **state)
{
    GUID id = {0};
    LPWSTR s = NULL;
    UINT64 size = 0;
    FILETIME ft;
    DWORD count = 0;
    BG_FILE_RANGE *ranges = NULL;
    BOOL b = 0xdead;
    (void)state;
    assert_hr(IBitsPeerCacheRecord_GetId(g_rec, &id), S_OK);
    assert_true(IsEqualGUID(&id, &RECORD_ID));
    assert_hr(IBitsPeerCacheRecord_GetOriginUrl(g_rec, &s), S_OK);
    assert_out_wstr(s, ORIGIN_URL);
    assert_hr(IBitsPeerCacheRecord_GetFileSize(g_rec, &size), S_OK);
    assert_true(size == 0x0000001234567890ull);
    assert_hr(IBitsPeerCacheRecord_GetFileModificationTime(g_rec, &ft), S_OK);
    assert_memory_equal(&ft, &RECORD_MTIME, sizeof(ft));
    assert_hr(IBitsPeerCacheRecord_GetLastAccessTime(g_rec, &ft), S_OK);
    assert_memory_equal(&ft, &RECORD_ATIME, sizeof(ft));
    assert_hr(IBitsPeerCacheRecord_IsFileValidated(g_rec), S_FALSE);
    assert_hr(IBitsPeerCacheRecord_GetFileRanges(g_rec, &count, &ranges), S_OK);
    assert_int_equal(count, 1);
    assert_memory_equal(ranges, RECORD_RANGES, sizeof(RECORD_RANGES));
    CoTaskMemFree(ranges);

    assert_hr(IBitsPeer_GetPeerName(g_bitspeer, &s), S_OK);
    assert_out_wstr(s, PEER_NAME);
    assert_hr(IBitsPeer_IsAuthenticated(g_bitspeer, &b), S_OK);
    assert_int_equal(b, TRUE);
    assert_hr(IBitsPeer_IsAvailable(g_bitspeer, &b), S_OK);
    assert_int_equal(b, FALSE);
}

/* bgcopy.tlb (next to the test) describes bgcopy's class and every BITS interface with
 * Microsoft's vtable size (NumMethods, reference section 2). */
static void typelib_describes_class_and_bits_vtables(void **state)
{
    static const struct {
        const IID *iid;
        unsigned num_methods;
    } expected[] = {
        {&IID_IBackgroundCopyManager, 7}, {&IID_IBackgroundCopyJob, 35}, {&IID_IBackgroundCopyJob2, 43},
        {&IID_IBackgroundCopyJob3, 47}, {&IID_IBackgroundCopyJob4, 53}, {&IID_IBackgroundCopyJob5, 55},
        {&IID_IBackgroundCopyJobHttpOptions, 11}, {&IID_IBackgroundCopyJobHttpOptions2, 13},
        {&IID_IBackgroundCopyJobHttpOptions3, 15}, {&IID_IBitsTokenOptions, 8}, {&IID_IBackgroundCopyFile, 6},
        {&IID_IBackgroundCopyFile2, 8}, {&IID_IBackgroundCopyFile3, 12}, {&IID_IBackgroundCopyFile4, 13},
        {&IID_IBackgroundCopyFile5, 15}, {&IID_IBackgroundCopyFile6, 18}, {&IID_IBackgroundCopyError, 8},
        {&IID_IEnumBackgroundCopyJobs, 8}, {&IID_IEnumBackgroundCopyFiles, 8},
        {&IID_IBackgroundCopyCallback, 6}, {&IID_IBackgroundCopyCallback2, 7},
        {&IID_IBackgroundCopyCallback3, 8}, {&IID_IBackgroundCopyServerCertificateValidationCallback, 4},
        {&IID_IBitsPeerCacheAdministration, 17}, {&IID_IBitsPeerCacheRecord, 10},
        {&IID_IEnumBitsPeerCacheRecords, 8}, {&IID_IBitsPeer, 6}, {&IID_IEnumBitsPeers, 8}};
    WCHAR path[MAX_PATH];
    ITypeLib *tlb = NULL;
    ITypeInfo *ti = NULL;
    TLIBATTR *lattr = NULL;
    TYPEATTR *tattr = NULL;
    HREFTYPE href;
    ITypeInfo *iface = NULL;
    int flags = 0;
    size_t i;
    (void)state;
    assert_true(GetModuleFileNameW(NULL, path, ARRAYSIZE(path)) < ARRAYSIZE(path) - 16);
    wcscpy(wcsrchr(path, L'\\') + 1, L"bgcopy.tlb");
    assert_hr(LoadTypeLibEx(path, REGKIND_NONE, &tlb), S_OK);
    assert_hr(ITypeLib_GetLibAttr(tlb, &lattr), S_OK);
    assert_true(IsEqualGUID(&lattr->guid, &LIBID_BgCopyLib));
    assert_int_equal(lattr->wMajorVerNum, 1);
    assert_int_equal(lattr->wMinorVerNum, 0);
    ITypeLib_ReleaseTLibAttr(tlb, lattr);

    assert_hr(ITypeLib_GetTypeInfoOfGuid(tlb, &CLSID_BgCopyManager, &ti), S_OK);
    assert_hr(ITypeInfo_GetTypeAttr(ti, &tattr), S_OK);
    assert_int_equal(tattr->typekind, TKIND_COCLASS);
    assert_int_equal(tattr->cImplTypes, 1);
    ITypeInfo_ReleaseTypeAttr(ti, tattr);
    assert_hr(ITypeInfo_GetImplTypeFlags(ti, 0, &flags), S_OK);
    assert_true(flags & IMPLTYPEFLAG_FDEFAULT);
    assert_hr(ITypeInfo_GetRefTypeOfImplType(ti, 0, &href), S_OK);
    assert_hr(ITypeInfo_GetRefTypeInfo(ti, href, &iface), S_OK);
    assert_hr(ITypeInfo_GetTypeAttr(iface, &tattr), S_OK);
    assert_true(IsEqualGUID(&tattr->guid, &IID_IBackgroundCopyManager));
    ITypeInfo_ReleaseTypeAttr(iface, tattr);
    ITypeInfo_Release(iface);
    ITypeInfo_Release(ti);

    for (i = 0; i < ARRAYSIZE(expected); i++) {
        ti = NULL;
        assert_hr(ITypeLib_GetTypeInfoOfGuid(tlb, expected[i].iid, &ti), S_OK);
        assert_hr(ITypeInfo_GetTypeAttr(ti, &tattr), S_OK);
        assert_int_equal(tattr->typekind, TKIND_INTERFACE);
        if (tattr->cbSizeVft / sizeof(void *) != expected[i].num_methods)
            fail_msg("interface %u: typelib vtable has %u slots, NumMethods is %u", (unsigned)i,
                     (unsigned)(tattr->cbSizeVft / sizeof(void *)), expected[i].num_methods);
        ITypeInfo_ReleaseTypeAttr(ti, tattr);
        ITypeInfo_Release(ti);
    }
    ITypeLib_Release(tlb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ps_clsid_of_every_bits_iid_is_bgcopyps),
        cmocka_unit_test(manager_create_job_sends_name_and_type_returns_id_and_job),
        cmocka_unit_test(manager_get_job_by_guid_and_not_found_passes_through),
        cmocka_unit_test(manager_get_error_description_returns_string),
        cmocka_unit_test(manager_enum_jobs_next_fetches_several_jobs),
        cmocka_unit_test(job_in_strings_arrive_intact),
        cmocka_unit_test(job_out_string_getters_return_exact_strings),
        cmocka_unit_test(job_structs_guid_and_scalars_round_trip),
        cmocka_unit_test(job_proxy_settings_round_trip_with_and_without_lists),
        cmocka_unit_test(job_add_file_and_file_set_send_file_info_array),
        cmocka_unit_test(job_enum_files_next_fetches_several_files),
        cmocka_unit_test(job_get_error_and_error_methods_return_values),
        cmocka_unit_test(job_hresults_pass_through_unchanged),
        cmocka_unit_test(job_notify_interface_round_trips_identity),
        cmocka_unit_test(job2_notify_cmdline_returns_both_strings),
        cmocka_unit_test(job2_reply_data_progress_and_file_name),
        cmocka_unit_test(job2_set_credentials_sends_union_arm_strings),
        cmocka_unit_test(job3_ranges_prefix_and_acl_flags),
        cmocka_unit_test(job4_scalar_getters_and_setters),
        cmocka_unit_test(job5_property_every_union_arm_round_trips),
        cmocka_unit_test(job5_property_unknown_id_fails_before_the_server),
        cmocka_unit_test(http_options_client_certificate_by_id_returns_hash_and_strings),
        cmocka_unit_test(http_options_client_certificate_by_name_returns_subject_and_null_hash),
        cmocka_unit_test(http_options_custom_headers_none_is_s_false_with_null),
        cmocka_unit_test(http_options2_http_method_round_trips),
        cmocka_unit_test(http_options3_validation_interface_and_write_only_headers),
        cmocka_unit_test(token_options_helper_token_sid_and_flags),
        cmocka_unit_test(file_names_progress_and_file3_file4_values),
        cmocka_unit_test(file2_get_file_ranges_returns_array_or_s_false),
        cmocka_unit_test(file5_response_headers_property_round_trips),
        cmocka_unit_test(file5_property_unknown_id_reaches_the_server),
        cmocka_unit_test(file6_position_requested_and_filled_ranges),
        cmocka_unit_test(callback_methods_receive_job_error_and_file),
        cmocka_unit_test(callback3_file_ranges_transferred_receives_ranges),
        cmocka_unit_test(cert_validation_callback_receives_byte_arrays_and_returns_verdict),
        cmocka_unit_test(peer_cache_record_and_peer_return_values),
        cmocka_unit_test(typelib_describes_class_and_bits_vtables),
    };
    HRESULT hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    int failed;
    if (FAILED(hr)) {
        fprintf(stderr, "CoInitializeEx(MTA) failed: 0x%08lx\n", (unsigned long)hr);
        return 1;
    }
    /* group_teardown uninitialises COM in this thread. cmocka 1.1 does not count a failed
     * group set-up or teardown in its result, so the invariants are added here. */
    failed = cmocka_run_group_tests_name("bgcopyps proxy/stub", tests, group_setup, group_teardown);
    if (g_group_failed) {
        fprintf(stderr, "group set-up or teardown failed (see above)\n");
        failed++;
    }
    return failed;
}
