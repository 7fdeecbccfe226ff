/*
 * test_dispatch.c - dispatch area (issue 3 item 9, N9, D1) through the real out-of-process
 * server: the server-certificate validation callback (HttpOptions3) never blocks the transfer
 * engine. While a client's callback takes 3 s, a plain HTTP job keeps transferring; a
 * callback that calls Suspend on its job gets S_OK at once (not after the 10 s detach wait).
 */
#include "wine_test.h"

#define WAIT_MS 60000
#define MAX_JOBS 4

static IBackgroundCopyManager *g_mgr;

struct fixture {
    IBackgroundCopyJob *jobs[MAX_JOBS]; /* cancelled and released at teardown */
    int njobs;
    WCHAR dir[WT_PATH];
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

static IBackgroundCopyJob *new_job(struct fixture *f, const WCHAR *url, const WCHAR *dir, const WCHAR *name)
{
    IBackgroundCopyJob *job = NULL;
    WCHAR local[WT_PATH];
    GUID id;

    assert_true(f->njobs < MAX_JOBS);
    assert_hr(IBackgroundCopyManager_CreateJob(g_mgr, L"bgc dispatch", BG_JOB_TYPE_DOWNLOAD, &id, &job), S_OK);
    f->jobs[f->njobs++] = job;
    wt_format(local, L"%ls\\%ls", wt_test_dir(f->dir, dir), name);
    assert_hr(IBackgroundCopyJob_AddFile(job, url, local), S_OK);
    return job;
}

static WCHAR *https_url(WCHAR *out, const WCHAR *path)
{
    WCHAR port[16];
    DWORD n = GetEnvironmentVariableW(L"BGC_HTTPS_PORT", port, ARRAYSIZE(port));
    assert_true(n > 0 && n < ARRAYSIZE(port));
    return wt_format(out, L"https://127.0.0.1:%ls%ls", port, path);
}

static UINT64 bytes_of(IBackgroundCopyJob *job)
{
    BG_JOB_PROGRESS p;
    assert_hr(IBackgroundCopyJob_GetProgress(job, &p), S_OK);
    return p.BytesTransferred;
}

/* ---- the callback ------------------------------------------------------------------------- */

struct cert_cb {
    IBackgroundCopyServerCertificateValidationCallback iface;
    LONG ref;
    LONG calls;          /* ValidateServerCertificate calls */
    LONG in_call;        /* inside it now */
    DWORD sleep_ms;      /* how long it takes */
    BOOL suspend;        /* it calls Suspend on its job */
    HRESULT suspend_hr;  /* what Suspend returned */
    ULONGLONG suspend_ms; /* how long Suspend took */
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

    (void)file;
    (void)len;
    (void)data;
    (void)encoding;
    (void)store_len;
    (void)store;
    InterlockedIncrement(&c->calls);
    InterlockedExchange(&c->in_call, 1);
    if (c->suspend && job) {
        ULONGLONG t0 = GetTickCount64();
        c->suspend_hr = IBackgroundCopyJob_Suspend(job);
        c->suspend_ms = GetTickCount64() - t0;
    }
    Sleep(c->sleep_ms);
    InterlockedExchange(&c->in_call, 0);
    return S_OK;
}

static const IBackgroundCopyServerCertificateValidationCallbackVtbl cert_cb_vtbl = {
    CertCb_QueryInterface,
    CertCb_AddRef,
    CertCb_Release,
    CertCb_Validate,
};

static struct cert_cb *cert_cb_new(DWORD sleep_ms, BOOL suspend)
{
    struct cert_cb *c = calloc(1, sizeof(*c));
    assert_non_null(c);
    c->iface.lpVtbl = (IBackgroundCopyServerCertificateValidationCallbackVtbl *)&cert_cb_vtbl;
    c->ref = 1;
    c->sleep_ms = sleep_ms;
    c->suspend = suspend;
    c->suspend_hr = E_FAIL;
    return c;
}

static void set_callback(IBackgroundCopyJob *job, struct cert_cb *cb)
{
    IBackgroundCopyJobHttpOptions3 *h = NULL;

    assert_hr(IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJobHttpOptions3, (void **)&h), S_OK);
    assert_hr(IBackgroundCopyJobHttpOptions3_SetSecurityFlags(h, BG_SSL_IGNORE_UNKNOWN_CA), S_OK);
    assert_hr(IBackgroundCopyJobHttpOptions3_SetServerCertificateValidationInterface(h, (IUnknown *)&cb->iface), S_OK);
    IBackgroundCopyJobHttpOptions3_Release(h);
}

static void wait_calls(struct cert_cb *cb, LONG n)
{
    ULONGLONG end = GetTickCount64() + WAIT_MS;
    while (InterlockedCompareExchange(&cb->calls, 0, 0) < n && GetTickCount64() < end)
        Sleep(10);
    assert_true(InterlockedCompareExchange(&cb->calls, 0, 0) >= n);
}

/* N9/D1: while the callback of one job takes 3 s, a plain HTTP job keeps transferring. */
static void N9_D1_slow_certificate_callback_does_not_stop_other_transfers(void **state)
{
    struct fixture *f = *state;
    struct cert_cb *cb = cert_cb_new(3000, FALSE);
    IBackgroundCopyJob *plain, *tls;
    WCHAR url[WT_PATH];
    UINT64 before, after;

    plain = new_job(f, wt_url(url, L"/gen/4000000/d1w?rate=500000&seed=51"), L"d1slow", L"plain.bin");
    assert_hr(IBackgroundCopyJob_Resume(plain), S_OK);
    wt_wait_bytes(plain, 1, WAIT_MS);
    tls = new_job(f, https_url(url, L"/gen/5000?seed=52"), L"d1slow", L"tls.bin");
    set_callback(tls, cb);
    assert_hr(IBackgroundCopyJob_Resume(tls), S_OK);
    wait_calls(cb, 1);
    Sleep(300);
    before = bytes_of(plain);
    Sleep(1500);
    after = bytes_of(plain);
    assert_true(InterlockedCompareExchange(&cb->in_call, 0, 0) == 1); /* still inside the callback */
    assert_true(after > before + 100000); /* ~750 KB at 500 KB/s */
    assert_int_equal(wt_wait_state(tls, BG_JOB_STATE_TRANSFERRED, WAIT_MS), BG_JOB_STATE_TRANSFERRED);
    assert_int_equal(cb->calls, 1);
    assert_hr(IBackgroundCopyJob_Cancel(plain), S_OK);
    IBackgroundCopyServerCertificateValidationCallback_Release(&cb->iface);
}

/* N9/D1: Suspend from inside the callback returns promptly (< 2 s) with S_OK. */
static void N9_D1_callback_can_suspend_its_job(void **state)
{
    struct fixture *f = *state;
    struct cert_cb *cb = cert_cb_new(0, TRUE);
    IBackgroundCopyJob *tls;
    WCHAR url[WT_PATH];
    BG_JOB_STATE st;
    ULONGLONG end;

    tls = new_job(f, https_url(url, L"/gen/5000?seed=53"), L"d1susp", L"tls.bin");
    set_callback(tls, cb);
    assert_hr(IBackgroundCopyJob_Resume(tls), S_OK);
    wait_calls(cb, 1);
    end = GetTickCount64() + WAIT_MS;
    while (InterlockedCompareExchange(&cb->in_call, 0, 0) && GetTickCount64() < end)
        Sleep(10);
    assert_hr(cb->suspend_hr, S_OK);
    assert_true(cb->suspend_ms < 2000);
    assert_hr(IBackgroundCopyJob_GetState(tls, &st), S_OK);
    assert_int_equal(st, BG_JOB_STATE_SUSPENDED);
    assert_hr(IBackgroundCopyJob_Resume(tls), S_OK);
    assert_int_equal(wt_wait_state(tls, BG_JOB_STATE_TRANSFERRED, WAIT_MS), BG_JOB_STATE_TRANSFERRED);
    assert_int_equal(cb->calls, 1); /* the answer was kept */
    assert_hr(IBackgroundCopyJob_Complete(tls), S_OK);
    IBackgroundCopyServerCertificateValidationCallback_Release(&cb->iface);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(N9_D1_slow_certificate_callback_does_not_stop_other_transfers, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(N9_D1_callback_can_suspend_its_job, setup, teardown),
    };
    return cmocka_run_group_tests_name("dispatch", tests, group_setup, group_teardown);
}
