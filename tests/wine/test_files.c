/*
 * test_files.c - the files area of issue 3 through the real COM server: AddFileWithRanges and
 * GetFileRanges (F9-F11), SetRemoteName and ReplaceRemotePrefix (F13, 2.4), validation (F14),
 * peer getters, File5 properties (the last HTTP response headers) and File6 without
 * on-demand mode, and BG_S_PARTIAL_COMPLETE after a failed validation (F6).
 */
#include "wine_test.h"

#define WAIT_MS 30000

#ifndef BG_E_INVALID_RANGE
#define BG_E_INVALID_RANGE ((HRESULT)0x8020002BL)
#endif

static IBackgroundCopyManager *g_mgr;

struct fixture {
    IBackgroundCopyJob *jobs[8]; /* jobs to cancel and release at teardown */
    int njobs;
    WCHAR dir[WT_PATH];          /* this test's directory */
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
    struct fixture *f = calloc(1, sizeof(*f));
    WCHAR unique[40];

    if (!f)
        return -1;
    wt_test_dir(f->dir, wt_unique(unique));
    *state = f;
    return 0;
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

static IBackgroundCopyJob3 *new_job3(struct fixture *f)
{
    IBackgroundCopyJob *job = NULL;
    IBackgroundCopyJob3 *job3 = NULL;
    GUID id;

    assert_hr(IBackgroundCopyManager_CreateJob(g_mgr, L"bgc files", BG_JOB_TYPE_DOWNLOAD, &id, &job), S_OK);
    f->jobs[f->njobs++] = job;
    assert_hr(IBackgroundCopyJob_SetMinimumRetryDelay(job, 1), S_OK);
    assert_hr(IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJob3, (void **)&job3), S_OK);
    IBackgroundCopyJob3_Release(job3); /* the fixture's reference keeps it alive */
    return job3;
}

/* The index-th file of the job as IBackgroundCopyFile6 (the caller releases it). */
static IBackgroundCopyFile6 *get_file(IBackgroundCopyJob3 *job, ULONG index)
{
    IEnumBackgroundCopyFiles *e = NULL;
    IBackgroundCopyFile *file = NULL;
    IBackgroundCopyFile6 *file6 = NULL;

    assert_hr(IBackgroundCopyJob3_EnumFiles(job, &e), S_OK);
    if (index)
        assert_hr(IEnumBackgroundCopyFiles_Skip(e, index), S_OK);
    assert_hr(IEnumBackgroundCopyFiles_Next(e, 1, &file, NULL), S_OK);
    IEnumBackgroundCopyFiles_Release(e);
    assert_hr(IBackgroundCopyFile_QueryInterface(file, &IID_IBackgroundCopyFile6, (void **)&file6), S_OK);
    IBackgroundCopyFile_Release(file);
    return file6;
}

static void wait_state(IBackgroundCopyJob3 *job, BG_JOB_STATE want)
{
    BG_JOB_STATE got = wt_wait_state((IBackgroundCopyJob *)job, want, WAIT_MS);

    if (got != want)
        print_error("job state %d, wanted %d\n", (int)got, (int)want);
    assert_int_equal(got, want);
}

static void assert_error(IBackgroundCopyJob3 *job, HRESULT code)
{
    IBackgroundCopyError *err = NULL;
    BG_ERROR_CONTEXT ctx = BG_ERROR_CONTEXT_NONE;
    HRESULT got = S_OK;

    assert_hr(IBackgroundCopyJob3_GetError(job, &err), S_OK);
    assert_hr(IBackgroundCopyError_GetError(err, &ctx, &got), S_OK);
    IBackgroundCopyError_Release(err);
    assert_hr(got, code);
    assert_int_equal(ctx, BG_ERROR_CONTEXT_REMOTE_FILE);
}

/* F9, F10, 2.7: ranges as given, back to back, BytesTotal = requested bytes. */
static void F10_add_file_with_ranges_downloads_the_ranges_in_order(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob3 *job = new_job3(f);
    BG_FILE_RANGE r[3] = {{100, 100}, {900, 100}, {400, 100}}, *got = NULL;
    WCHAR url[WT_PATH], local[WT_PATH];
    IBackgroundCopyFile6 *file;
    BG_JOB_PROGRESS p;
    DWORD n = 99;
    unsigned char buf[300], want[100];
    HANDLE h;
    DWORD read = 0;

    wt_url(url, L"/gen/5000/wr?seed=4");
    wt_format(local, L"%ls\\ranges.bin", f->dir);
    assert_hr(IBackgroundCopyJob3_AddFileWithRanges(job, url, local, 0, r), E_INVALIDARG);
    assert_hr(IBackgroundCopyJob3_AddFileWithRanges(job, url, local, 3, r), S_OK);
    file = get_file(job, 0);
    assert_hr(IBackgroundCopyFile6_GetFileRanges(file, &n, &got), S_OK);
    assert_int_equal(n, 3);
    assert_non_null(got);
    assert_int_equal(got[1].InitialOffset, 900);
    assert_int_equal(got[2].Length, 100);
    CoTaskMemFree(got);
    assert_hr(IBackgroundCopyJob3_GetProgress(job, &p), S_OK);
    assert_int_equal(p.BytesTotal, 300);
    assert_hr(IBackgroundCopyJob3_Resume(job), S_OK);
    wait_state(job, BG_JOB_STATE_TRANSFERRED);
    assert_hr(IBackgroundCopyJob3_GetProgress(job, &p), S_OK);
    assert_int_equal(p.BytesTransferred, 300);
    IBackgroundCopyFile6_Release(file);
    assert_hr(IBackgroundCopyJob3_Complete(job), S_OK);
    h = CreateFileW(local, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    assert_true(h != INVALID_HANDLE_VALUE);
    assert_true(ReadFile(h, buf, sizeof(buf), &read, NULL));
    assert_int_equal(read, 300);
    assert_true(!ReadFile(h, want, 1, &read, NULL) || read == 0);
    CloseHandle(h);
    for (int i = 0; i < 3; i++) {
        bgc_testdata_fill(4, r[i].InitialOffset, want, 100);
        assert_memory_equal(buf + 100 * i, want, 100);
    }
}

/* F9: the documented argument errors. */
static void F9_add_file_with_ranges_refuses_bad_ranges(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob3 *job = new_job3(f);
    BG_FILE_RANGE eof_off[1] = {{BG_LENGTH_TO_EOF, 10}}, dup[2] = {{100, 5}, {100, 0}};
    WCHAR url[WT_PATH], local[WT_PATH], file_url[WT_PATH];
    BG_FILE_RANGE *got = (BG_FILE_RANGE *)1;
    IBackgroundCopyFile6 *file;
    DWORD n = 7;

    wt_url(url, L"/gen/5000/bad");
    wt_format(local, L"%ls\\bad.bin", f->dir);
    assert_hr(IBackgroundCopyJob3_AddFileWithRanges(job, url, local, 1, eof_off), BG_E_INVALID_RANGE);
    assert_hr(IBackgroundCopyJob3_AddFileWithRanges(job, url, local, 2, dup), BG_E_OVERLAPPING_RANGES);
    wt_format(file_url, L"%ls\\src.bin", f->dir);
    wt_write_testdata(file_url, 1, 100);
    assert_hr(IBackgroundCopyJob3_AddFileWithRanges(job, file_url, local, 1, dup), E_INVALIDARG);
    /* a plain file: GetFileRanges S_FALSE, 0, NULL */
    assert_hr(IBackgroundCopyJob3_AddFile(job, url, local), S_OK);
    file = get_file(job, 0);
    assert_hr(IBackgroundCopyFile6_GetFileRanges(file, &n, &got), S_FALSE);
    assert_int_equal(n, 0);
    assert_null(got);
    IBackgroundCopyFile6_Release(file);
}

/* F11: a range past the end of the file puts the job in ERROR with BG_E_INVALID_RANGE. */
static void F11_range_past_the_end_is_an_error(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob3 *job = new_job3(f);
    BG_FILE_RANGE r[1] = {{6000, 10}};
    WCHAR url[WT_PATH], local[WT_PATH];

    wt_url(url, L"/gen/5000/past");
    wt_format(local, L"%ls\\past.bin", f->dir);
    assert_hr(IBackgroundCopyJob3_AddFileWithRanges(job, url, local, 1, r), S_OK);
    assert_hr(IBackgroundCopyJob3_Resume(job), S_OK);
    wait_state(job, BG_JOB_STATE_ERROR);
    assert_error(job, BG_E_INVALID_RANGE);
}

/* F13, 2.4: SetRemoteName and ReplaceRemotePrefix. */
static void F13_remote_names_can_be_changed(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob3 *job = new_job3(f);
    WCHAR url[WT_PATH], url2[WT_PATH], local[WT_PATH], old_prefix[WT_PATH], new_prefix[WT_PATH], *name = NULL;
    static WCHAR too_long[2300];
    IBackgroundCopyFile6 *file;

    wt_url(url, L"/gen/1000/a");
    wt_format(local, L"%ls\\a.bin", f->dir);
    assert_hr(IBackgroundCopyJob3_AddFile(job, url, local), S_OK);
    file = get_file(job, 0);
    wt_url(url2, L"/gen/2000/b?seed=5");
    assert_hr(IBackgroundCopyFile6_SetRemoteName(file, url2), S_OK);
    assert_hr(IBackgroundCopyFile6_GetRemoteName(file, &name), S_OK);
    assert_true(wcscmp(name, url2) == 0);
    CoTaskMemFree(name);
    assert_hr(IBackgroundCopyFile6_SetRemoteName(file, L"gopher://x/y"), E_INVALIDARG);
    wcscpy(too_long, url2);
    for (size_t i = wcslen(too_long); i < 2250; i++)
        too_long[i] = L'x';
    assert_hr(IBackgroundCopyFile6_SetRemoteName(file, too_long), E_INVALIDARG);

    wt_url(old_prefix, L"/gen/2000/");
    wt_url(new_prefix, L"/gen/3000/");
    assert_hr(IBackgroundCopyJob3_ReplaceRemotePrefix(job, old_prefix, new_prefix), S_OK);
    assert_hr(IBackgroundCopyJob3_ReplaceRemotePrefix(job, old_prefix, new_prefix), S_FALSE);
    assert_hr(IBackgroundCopyJob3_ReplaceRemotePrefix(job, L"HTTP://", L"http://"), S_FALSE);
    assert_hr(IBackgroundCopyJob3_ReplaceRemotePrefix(job, L"", new_prefix), E_INVALIDARG);
    assert_hr(IBackgroundCopyJob3_ReplaceRemotePrefix(job, L"http://", L"bogus:"), E_INVALIDARG);
    assert_hr(IBackgroundCopyFile6_GetRemoteName(file, &name), S_OK);
    wt_url(url2, L"/gen/3000/b?seed=5");
    assert_true(wcscmp(name, url2) == 0);
    CoTaskMemFree(name);
    assert_hr(IBackgroundCopyJob3_Resume(job), S_OK);
    wait_state(job, BG_JOB_STATE_TRANSFERRED);
    assert_hr(IBackgroundCopyJob3_Complete(job), S_OK);
    wt_assert_file_is_testdata(local, 5, 3000);
    assert_hr(IBackgroundCopyFile6_SetRemoteName(file, url), BG_E_INVALID_STATE);
    assert_hr(IBackgroundCopyJob3_ReplaceRemotePrefix(job, old_prefix, new_prefix), BG_E_INVALID_STATE);
    IBackgroundCopyFile6_Release(file);
}

/* F14, 2.7: validation state, peer getters. */
static void F14_validation_false_errors_and_resume_downloads_again(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob3 *job = new_job3(f);
    WCHAR url[WT_PATH], local[WT_PATH];
    IBackgroundCopyFile6 *file;
    BG_FILE_PROGRESS fp;
    BOOL b = TRUE;
    UINT64 origin = 1, peers = 1;

    wt_url(url, L"/gen/200000/val?seed=6");
    wt_format(local, L"%ls\\val.bin", f->dir);
    assert_hr(IBackgroundCopyJob3_AddFile(job, url, local), S_OK);
    file = get_file(job, 0);
    assert_hr(IBackgroundCopyFile6_GetValidationState(file, &b), S_OK);
    assert_int_equal(b, FALSE);
    assert_hr(IBackgroundCopyFile6_SetValidationState(file, TRUE), E_PENDING);
    assert_hr(IBackgroundCopyJob3_Resume(job), S_OK);
    wait_state(job, BG_JOB_STATE_TRANSFERRED);
    assert_hr(IBackgroundCopyFile6_IsDownloadedFromPeer(file, &b), S_OK);
    assert_int_equal(b, FALSE);
    assert_hr(IBackgroundCopyFile6_GetPeerDownloadStats(file, &origin, &peers), S_OK);
    assert_int_equal(origin, 200000);
    assert_int_equal(peers, 0);
    assert_hr(IBackgroundCopyFile6_SetValidationState(file, FALSE), S_OK);
    wait_state(job, BG_JOB_STATE_ERROR);
    assert_error(job, BG_E_VALIDATION_FAILED);
    assert_hr(IBackgroundCopyFile6_GetProgress(file, &fp), S_OK);
    assert_int_equal(fp.BytesTransferred, 0);
    assert_hr(IBackgroundCopyJob3_Resume(job), S_OK);
    wait_state(job, BG_JOB_STATE_TRANSFERRED);
    assert_hr(IBackgroundCopyFile6_SetValidationState(file, TRUE), S_OK);
    assert_hr(IBackgroundCopyFile6_GetValidationState(file, &b), S_OK);
    assert_int_equal(b, TRUE);
    assert_hr(IBackgroundCopyJob3_Complete(job), S_OK);
    wt_assert_file_is_testdata(local, 6, 200000);
    IBackgroundCopyFile6_Release(file);
}

/* F6 with F14: Complete keeps only the files still transferred. */
static void F6_partial_complete_after_failed_validation(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob3 *job = new_job3(f);
    WCHAR url[WT_PATH], l1[WT_PATH], l2[WT_PATH];
    IBackgroundCopyFile6 *file;

    wt_format(l1, L"%ls\\p1.bin", f->dir);
    wt_format(l2, L"%ls\\p2.bin", f->dir);
    assert_hr(IBackgroundCopyJob3_AddFile(job, wt_url(url, L"/gen/1000/p1"), l1), S_OK);
    assert_hr(IBackgroundCopyJob3_AddFile(job, wt_url(url, L"/gen/1000/p2"), l2), S_OK);
    assert_hr(IBackgroundCopyJob3_Resume(job), S_OK);
    wait_state(job, BG_JOB_STATE_TRANSFERRED);
    file = get_file(job, 1);
    assert_hr(IBackgroundCopyFile6_SetValidationState(file, FALSE), S_OK);
    IBackgroundCopyFile6_Release(file);
    assert_hr(IBackgroundCopyJob3_Complete(job), BG_S_PARTIAL_COMPLETE);
    wt_assert_file_is_testdata(l1, 1, 1000);
    assert_false(wt_file_exists(l2));
}

/* File5: the last response's headers; no settable property; File6 needs on-demand mode. */
static void File5_http_response_headers_and_File6_without_on_demand(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob3 *job = new_job3(f);
    WCHAR url[WT_PATH], local[WT_PATH];
    IBackgroundCopyFile6 *file;
    BITS_FILE_PROPERTY_VALUE v;
    BG_FILE_RANGE r = {0, 10}, *got = NULL;
    DWORD n = 5;

    wt_format(local, L"%ls\\h.bin", f->dir);
    assert_hr(IBackgroundCopyJob3_AddFile(job, wt_url(url, L"/gen/1000/h?seed=8"), local), S_OK);
    file = get_file(job, 0);
    assert_hr(IBackgroundCopyJob3_Resume(job), S_OK);
    wait_state(job, BG_JOB_STATE_TRANSFERRED);
    memset(&v, 0, sizeof(v));
    assert_hr(IBackgroundCopyFile6_GetProperty(file, BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS, &v), S_OK);
    assert_non_null(v.String);
    assert_true(wcsncmp(v.String, L"HTTP/1.1 200", 12) == 0);
    assert_non_null(wcsstr(v.String, L"ETag: \"gen-1000-8\"\r\n"));
    CoTaskMemFree(v.String);
    v.String = (LPWSTR)L"x";
    assert_hr(IBackgroundCopyFile6_SetProperty(file, BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS, v),
              BG_E_READ_ONLY_PROPERTY);
    assert_hr(IBackgroundCopyFile6_GetProperty(file, (BITS_FILE_PROPERTY_ID)7, &v), BG_E_UNKNOWN_PROPERTY_ID);
    assert_hr(IBackgroundCopyFile6_RequestFileRanges(file, 1, &r), BG_E_RANDOM_ACCESS_NOT_SUPPORTED);
    assert_hr(IBackgroundCopyFile6_UpdateDownloadPosition(file, 0), BG_E_RANDOM_ACCESS_NOT_SUPPORTED);
    assert_hr(IBackgroundCopyFile6_GetFilledFileRanges(file, &n, &got), BG_E_RANDOM_ACCESS_NOT_SUPPORTED);
    assert_int_equal(n, 0);
    assert_null(got);
    IBackgroundCopyFile6_Release(file);
}

/* ---- an IBackgroundCopyCallback3 object (N2, N3) ---------------------------------------- */

struct cb3 {
    IBackgroundCopyCallback3 iface;
    LONG ref;
    LONG calls;           /* FileRangesTransferred calls */
    LONGLONG bytes;       /* sum of the lengths they reported */
    LONG bad_file;        /* a call whose file was not the job's file 0 */
    HANDLE event;         /* set on every FileRangesTransferred */
};

static struct cb3 *cb3_from(IBackgroundCopyCallback3 *iface)
{
    return CONTAINING_RECORD(iface, struct cb3, iface);
}

static HRESULT WINAPI Cb3_QueryInterface(IBackgroundCopyCallback3 *iface, REFIID riid, void **ppv)
{
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IBackgroundCopyCallback) ||
        IsEqualIID(riid, &IID_IBackgroundCopyCallback2) || IsEqualIID(riid, &IID_IBackgroundCopyCallback3)) {
        *ppv = iface;
        IBackgroundCopyCallback3_AddRef(iface);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI Cb3_AddRef(IBackgroundCopyCallback3 *iface)
{
    return (ULONG)InterlockedIncrement(&cb3_from(iface)->ref);
}

static ULONG WINAPI Cb3_Release(IBackgroundCopyCallback3 *iface)
{
    struct cb3 *cb = cb3_from(iface);
    LONG ref = InterlockedDecrement(&cb->ref);

    if (!ref) {
        CloseHandle(cb->event);
        free(cb);
    }
    return (ULONG)ref;
}

static HRESULT WINAPI Cb3_JobTransferred(IBackgroundCopyCallback3 *iface, IBackgroundCopyJob *job)
{
    (void)iface;
    (void)job;
    return S_OK;
}

static HRESULT WINAPI Cb3_JobError(IBackgroundCopyCallback3 *iface, IBackgroundCopyJob *job, IBackgroundCopyError *e)
{
    (void)iface;
    (void)job;
    (void)e;
    return S_OK;
}

static HRESULT WINAPI Cb3_JobModification(IBackgroundCopyCallback3 *iface, IBackgroundCopyJob *job, DWORD r)
{
    (void)iface;
    (void)job;
    (void)r;
    return S_OK;
}

static HRESULT WINAPI Cb3_FileTransferred(IBackgroundCopyCallback3 *iface, IBackgroundCopyJob *job,
                                          IBackgroundCopyFile *file)
{
    (void)iface;
    (void)job;
    (void)file;
    return S_OK;
}

static HRESULT WINAPI Cb3_FileRangesTransferred(IBackgroundCopyCallback3 *iface, IBackgroundCopyJob *job,
                                                IBackgroundCopyFile *file, DWORD count, const BG_FILE_RANGE ranges[])
{
    struct cb3 *cb = cb3_from(iface);
    WCHAR *name = NULL;
    LONGLONG sum = 0;

    (void)job;
    for (DWORD i = 0; i < count; i++)
        sum += (LONGLONG)ranges[i].Length;
    if (!file || FAILED(IBackgroundCopyFile_GetRemoteName(file, &name)) || !name || !wcsstr(name, L"/od"))
        InterlockedIncrement(&cb->bad_file);
    CoTaskMemFree(name);
    InterlockedExchangeAdd64(&cb->bytes, sum);
    InterlockedIncrement(&cb->calls);
    SetEvent(cb->event);
    return S_OK;
}

static const IBackgroundCopyCallback3Vtbl cb3_vtbl = {
    Cb3_QueryInterface, Cb3_AddRef, Cb3_Release, Cb3_JobTransferred, Cb3_JobError,
    Cb3_JobModification, Cb3_FileTransferred, Cb3_FileRangesTransferred,
};

/* 2.6 ON_DEMAND_MODE, 2.7 File6, L27, N2/N3: FileRangesTransferred reaches a Callback3. */
static void L27_on_demand_ranges_and_file_ranges_transferred_N2(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob3 *job = new_job3(f);
    IBackgroundCopyJob5 *job5;
    IBackgroundCopyFile6 *file;
    BITS_JOB_PROPERTY_VALUE v;
    BG_FILE_RANGE req[2] = {{50000, 500}, {1000, 2000}}, past = {299990, 100}, *got = NULL;
    WCHAR url[WT_PATH], local[WT_PATH];
    struct cb3 *cb = calloc(1, sizeof(*cb));
    DWORD n = 0;

    assert_non_null(cb);
    cb->iface.lpVtbl = (IBackgroundCopyCallback3Vtbl *)&cb3_vtbl;
    cb->ref = 1;
    cb->event = CreateEventW(NULL, FALSE, FALSE, NULL);
    assert_hr(IBackgroundCopyJob3_QueryInterface(job, &IID_IBackgroundCopyJob5, (void **)&job5), S_OK);
    v.Enable = TRUE;
    assert_hr(IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_ON_DEMAND_MODE, v), S_OK);
    v.Enable = FALSE;
    assert_hr(IBackgroundCopyJob5_GetProperty(job5, BITS_JOB_PROPERTY_ON_DEMAND_MODE, &v), S_OK);
    assert_int_equal(v.Enable, TRUE);
    wt_format(local, L"%ls\\od.bin", f->dir);
    assert_hr(IBackgroundCopyJob3_AddFile(job, wt_url(url, L"/gen/300000/od?seed=9"), local), S_OK);
    assert_hr(IBackgroundCopyJob3_SetNotifyFlags(job, BG_NOTIFY_FILE_RANGES_TRANSFERRED | BG_NOTIFY_JOB_TRANSFERRED),
              S_OK);
    assert_hr(IBackgroundCopyJob3_SetNotifyInterface(job, (IUnknown *)&cb->iface), S_OK);
    file = get_file(job, 0);
    assert_hr(IBackgroundCopyFile6_RequestFileRanges(file, 2, req), S_OK);
    assert_hr(IBackgroundCopyJob3_Resume(job), S_OK);
    wait_state(job, BG_JOB_STATE_SUSPENDED); /* L27: the requests are in, the file is not */
    assert_hr(IBackgroundCopyFile6_GetFilledFileRanges(file, &n, &got), S_OK);
    assert_int_equal(n, 2);
    assert_int_equal(got[0].InitialOffset, 1000); /* merged and sorted */
    assert_int_equal(got[0].Length, 2000);
    assert_int_equal(got[1].InitialOffset, 50000);
    CoTaskMemFree(got);
    for (ULONGLONG end = GetTickCount64() + WAIT_MS; cb->bytes < 2500 && GetTickCount64() < end;)
        WaitForSingleObject(cb->event, 200);
    assert_int_equal(cb->bytes, 2500); /* N2: every byte reported once */
    assert_true(cb->calls >= 1);
    assert_int_equal(cb->bad_file, 0);
    assert_hr(IBackgroundCopyFile6_RequestFileRanges(file, 1, &past), BG_E_INVALID_RANGE);
    assert_hr(IBackgroundCopyFile6_UpdateDownloadPosition(file, 100000), S_OK);
    assert_hr(IBackgroundCopyJob3_Resume(job), S_OK);
    wait_state(job, BG_JOB_STATE_TRANSFERRED);
    assert_hr(IBackgroundCopyJob3_SetNotifyInterface(job, NULL), S_OK);
    assert_hr(IBackgroundCopyJob3_Complete(job), S_OK);
    wt_assert_file_is_testdata(local, 9, 300000);
    IBackgroundCopyFile6_Release(file);
    IBackgroundCopyJob5_Release(job5);
    CoDisconnectObject((IUnknown *)&cb->iface, 0);
    IBackgroundCopyCallback3_Release(&cb->iface);
}

static IBackgroundCopyJob5 *job5_of(IBackgroundCopyJob3 *job)
{
    IBackgroundCopyJob5 *job5 = NULL;

    assert_hr(IBackgroundCopyJob3_QueryInterface(job, &IID_IBackgroundCopyJob5, (void **)&job5), S_OK);
    IBackgroundCopyJob5_Release(job5); /* the fixture's reference keeps it alive */
    return job5;
}

/* 2.6, J1: DYNAMIC_CONTENT and ON_DEMAND_MODE through SetProperty/GetProperty. */
static void J1_dynamic_content_and_on_demand_properties(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob3 *job = new_job3(f);
    IBackgroundCopyJob5 *job5 = job5_of(job);
    BITS_JOB_PROPERTY_VALUE v;
    BG_FILE_RANGE r[1] = {{0, 10}};
    BG_JOB_PROGRESS p;
    WCHAR url[WT_PATH], local[WT_PATH], local2[WT_PATH];

    memset(&v, 0xcc, sizeof(v));
    assert_hr(IBackgroundCopyJob5_GetProperty(job5, BITS_JOB_PROPERTY_DYNAMIC_CONTENT, &v), S_OK);
    assert_int_equal(v.Enable, FALSE);
    v.Enable = TRUE;
    assert_hr(IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_DYNAMIC_CONTENT, v), S_OK);
    assert_hr(IBackgroundCopyJob5_GetProperty(job5, BITS_JOB_PROPERTY_DYNAMIC_CONTENT, &v), S_OK);
    assert_int_equal(v.Enable, TRUE);
    wt_url(url, L"/gen/100000/dyn?nolength=1&seed=2");
    wt_format(local, L"%ls\\dyn.bin", f->dir);
    wt_format(local2, L"%ls\\dyn2.bin", f->dir);
    assert_hr(IBackgroundCopyJob3_AddFileWithRanges(job, url, local2, 1, r), BG_E_UNSUPPORTED_JOB_CONFIGURATION);
    assert_hr(IBackgroundCopyJob3_AddFile(job, url, local), S_OK);
    assert_hr(IBackgroundCopyJob3_Resume(job), S_OK);
    v.Enable = FALSE;
    assert_hr(IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_DYNAMIC_CONTENT, v),
              BG_E_READ_ONLY_PROPERTY_AFTER_RESUME);
    wait_state(job, BG_JOB_STATE_TRANSFERRED);
    assert_hr(IBackgroundCopyJob3_GetProgress(job, &p), S_OK);
    assert_true(p.BytesTotal == BG_SIZE_UNKNOWN); /* F16 */
    assert_int_equal(p.BytesTransferred, 100000);
    assert_hr(IBackgroundCopyJob3_Complete(job), S_OK);
    wt_assert_file_is_testdata(local, 2, 100000);

    assert_hr(IBackgroundCopyJob5_GetProperty(job5, BITS_JOB_PROPERTY_ON_DEMAND_MODE, &v), S_OK);
    assert_int_equal(v.Enable, FALSE);
}

/* 2.6, J1: HIGH_PERFORMANCE and MAX_DOWNLOAD_SIZE. */
static void J1_high_performance_and_max_download_size_properties(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob3 *job = new_job3(f), *job2 = new_job3(f);
    IBackgroundCopyJob5 *job5 = job5_of(job), *job5b = job5_of(job2);
    BITS_JOB_PROPERTY_VALUE v;
    WCHAR url[WT_PATH], local[WT_PATH], local2[WT_PATH];

    v.Enable = TRUE;
    assert_hr(IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_HIGH_PERFORMANCE, v), S_OK);
    wt_format(local, L"%ls\\hp.bin", f->dir);
    assert_hr(IBackgroundCopyJob3_AddFile(job, wt_url(url, L"/gen/50000/hp?seed=3"), local), S_OK);
    assert_hr(IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_HIGH_PERFORMANCE, v),
              BG_E_READ_ONLY_PROPERTY_AFTER_ADDFILE);
    assert_hr(IBackgroundCopyJob3_Resume(job), S_OK);
    wait_state(job, BG_JOB_STATE_TRANSFERRED);
    wt_assert_file_is_testdata(local, 3, 50000); /* written in place, before Complete */
    assert_int_equal(wt_dir_entries(f->dir), 1);  /* and no temporary file */
    assert_hr(IBackgroundCopyJob3_Complete(job), S_OK);
    wt_assert_file_is_testdata(local, 3, 50000);

    v.Uint64 = 0;
    assert_hr(IBackgroundCopyJob5_SetProperty(job5b, BITS_JOB_PROPERTY_MAX_DOWNLOAD_SIZE, v),
              BG_E_MAX_DOWNLOAD_SIZE_INVALID_VALUE);
    v.Uint64 = 1000;
    assert_hr(IBackgroundCopyJob5_SetProperty(job5b, BITS_JOB_PROPERTY_MAX_DOWNLOAD_SIZE, v), S_OK);
    v.Uint64 = 7;
    assert_hr(IBackgroundCopyJob5_GetProperty(job5b, BITS_JOB_PROPERTY_MAX_DOWNLOAD_SIZE, &v), S_OK);
    assert_int_equal(v.Uint64, 1000);
    wt_format(local2, L"%ls\\mds.bin", f->dir);
    assert_hr(IBackgroundCopyJob3_AddFile(job2, wt_url(url, L"/gen/5000/mds"), local2), S_OK);
    assert_hr(IBackgroundCopyJob3_Resume(job2), S_OK);
    wait_state(job2, BG_JOB_STATE_ERROR);
    assert_error(job2, BG_E_MAX_DOWNLOAD_SIZE_LIMIT_REACHED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(F10_add_file_with_ranges_downloads_the_ranges_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(F9_add_file_with_ranges_refuses_bad_ranges, setup, teardown),
        cmocka_unit_test_setup_teardown(F11_range_past_the_end_is_an_error, setup, teardown),
        cmocka_unit_test_setup_teardown(F13_remote_names_can_be_changed, setup, teardown),
        cmocka_unit_test_setup_teardown(F14_validation_false_errors_and_resume_downloads_again, setup, teardown),
        cmocka_unit_test_setup_teardown(F6_partial_complete_after_failed_validation, setup, teardown),
        cmocka_unit_test_setup_teardown(File5_http_response_headers_and_File6_without_on_demand, setup, teardown),
        cmocka_unit_test_setup_teardown(J1_dynamic_content_and_on_demand_properties, setup, teardown),
        cmocka_unit_test_setup_teardown(J1_high_performance_and_max_download_size_properties, setup, teardown),
        cmocka_unit_test_setup_teardown(L27_on_demand_ranges_and_file_ranges_transferred_N2, setup, teardown),
    };
    return cmocka_run_group_tests_name("wine.test_files", tests, group_setup, group_teardown);
}
