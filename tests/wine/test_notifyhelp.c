/*
 * test_notifyhelp.c - the client notification helpers (client/bgcnotify.h, library
 * bgc_notifyhelp; issue 4 item 6; bits-behavior section 9 and N2, N5, N6, N12).
 *
 * Two parts:
 *  - in-process: bgc_notify_deliver and the COM methods called directly: bad parameters,
 *    NOSWITCH on the calling thread versus hand-off on the helper thread, a full hand-off
 *    queue reports FALSE (and the COM object answers BGC_NOTIFY_E_NOT_DELIVERED for reliable
 *    events, drops the others), failed posts, cookies, the event mask, teardown with items
 *    queued, late COM calls after destroy, destroy from inside a target;
 *  - through the real bgcopysvc with real downloads from the loopback HTTP server: every target
 *    kind (hand-off and NOSWITCH function, window, thread, event), JobError with its error
 *    object, a refused JobTransferred retried by the server (N5), and a destroyed helper seen
 *    by the server as a gone client.
 * Every wait is bounded (WAIT_MS).
 */
#include "wine_test.h"

#include "bgcnotify.h"

#define WAIT_MS 60000
#define MAX_CALLS 256

static IBackgroundCopyManager *g_mgr;

static const GUID id_a = { 0x11111111, 0x1111, 0x1111, { 1, 1, 1, 1, 1, 1, 1, 1 } };
static const GUID id_b = { 0x22222222, 0x2222, 0x2222, { 2, 2, 2, 2, 2, 2, 2, 2 } };
static const GUID id_c = { 0x33333333, 0x3333, 0x3333, { 3, 3, 3, 3, 3, 3, 3, 3 } };

/* ---- a counted fake IBackgroundCopyFile (only its references matter) --------------------- */

struct fake_file {
    IBackgroundCopyFile IBackgroundCopyFile_iface;
    LONG ref;
};

static struct fake_file *fake_impl(IBackgroundCopyFile *iface)
{
    return CONTAINING_RECORD(iface, struct fake_file, IBackgroundCopyFile_iface);
}

static HRESULT WINAPI fake_QueryInterface(IBackgroundCopyFile *iface, REFIID riid, void **ppv)
{
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IBackgroundCopyFile)) {
        *ppv = iface;
        IBackgroundCopyFile_AddRef(iface);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI fake_AddRef(IBackgroundCopyFile *iface)
{
    return (ULONG)InterlockedIncrement(&fake_impl(iface)->ref);
}

static ULONG WINAPI fake_Release(IBackgroundCopyFile *iface)
{
    return (ULONG)InterlockedDecrement(&fake_impl(iface)->ref); /* storage owned by the test */
}

static HRESULT WINAPI fake_GetRemoteName(IBackgroundCopyFile *iface, LPWSTR *name)
{
    (void)iface;
    *name = NULL;
    return E_NOTIMPL;
}

static HRESULT WINAPI fake_GetLocalName(IBackgroundCopyFile *iface, LPWSTR *name)
{
    (void)iface;
    *name = NULL;
    return E_NOTIMPL;
}

static HRESULT WINAPI fake_GetProgress(IBackgroundCopyFile *iface, BG_FILE_PROGRESS *p)
{
    (void)iface;
    (void)p;
    return E_NOTIMPL;
}

static const IBackgroundCopyFileVtbl fake_vtbl = {
    fake_QueryInterface, fake_AddRef, fake_Release, fake_GetRemoteName, fake_GetLocalName, fake_GetProgress,
};

static void fake_init(struct fake_file *f)
{
    f->IBackgroundCopyFile_iface.lpVtbl = (IBackgroundCopyFileVtbl *)&fake_vtbl;
    f->ref = 1;
}

/* ---- a recording target function -------------------------------------------------------- */

struct rec {
    CRITICAL_SECTION lock;
    LONG calls;
    DWORD events[MAX_CALLS];
    DWORD tids[MAX_CALLS];
    GUID ids[MAX_CALLS];
    DWORD cookies[MAX_CALLS];
    LONG file_refs[MAX_CALLS];   /* the fake file's ref count during the call */
    LONG transferred, errors, files, modifications;
    LONG files_before_transferred;
    BG_JOB_STATE state_at_transferred; /* GetState through args->job during the call */
    HRESULT error_code;                /* IBackgroundCopyError::GetError during the call */
    HRESULT destroy_inside;            /* set when destroy_from_inside: 1 = TRUE, 0 = FALSE */
    DWORD destroy_inside_error;
    BOOL destroy_from_inside;
    HANDLE done;    /* set on JobTransferred or JobError */
    HANDLE entered; /* set at every call */
    HANDLE gate;    /* the first call waits on it (bounded) when non-NULL */
};

static struct rec *rec_new(void)
{
    struct rec *r = calloc(1, sizeof(*r));

    assert_non_null(r);
    InitializeCriticalSection(&r->lock);
    r->done = CreateEventW(NULL, TRUE, FALSE, NULL);
    r->entered = CreateEventW(NULL, FALSE, FALSE, NULL);
    r->state_at_transferred = (BG_JOB_STATE)-1;
    return r;
}

static void rec_free(struct rec *r)
{
    CloseHandle(r->done);
    CloseHandle(r->entered);
    if (r->gate)
        CloseHandle(r->gate);
    DeleteCriticalSection(&r->lock);
    free(r);
}

static LONG rec_calls(struct rec *r)
{
    LONG n;

    EnterCriticalSection(&r->lock);
    n = r->calls;
    LeaveCriticalSection(&r->lock);
    return n;
}

static void CALLBACK rec_proc(struct bgc_notify *helper, DWORD_PTR user, const struct bgc_notify_args *a)
{
    struct rec *r = (struct rec *)user;
    BOOL first;
    LONG n;

    EnterCriticalSection(&r->lock);
    n = r->calls++;
    first = n == 0;
    if (n < MAX_CALLS) {
        r->events[n] = a->event;
        r->tids[n] = GetCurrentThreadId();
        r->ids[n] = a->job_id;
        r->cookies[n] = a->cookie;
        r->file_refs[n] = a->file && a->file->lpVtbl == &fake_vtbl ? fake_impl(a->file)->ref : -1;
    }
    switch (a->event) {
    case BGC_NOTIFY_EV_JOB_TRANSFERRED:
        r->transferred++;
        r->files_before_transferred = r->files;
        break;
    case BGC_NOTIFY_EV_JOB_ERROR:
        r->errors++;
        break;
    case BGC_NOTIFY_EV_FILE_TRANSFERRED:
        r->files++;
        break;
    case BGC_NOTIFY_EV_JOB_MODIFICATION:
        r->modifications++;
        break;
    }
    LeaveCriticalSection(&r->lock);

    /* The interface pointers are usable during the call (hand-off: references taken for it). */
    if (a->event == BGC_NOTIFY_EV_JOB_TRANSFERRED && a->job) {
        BG_JOB_STATE st = (BG_JOB_STATE)-1;

        if (SUCCEEDED(IBackgroundCopyJob_GetState(a->job, &st)))
            r->state_at_transferred = st;
    }
    if (a->event == BGC_NOTIFY_EV_JOB_ERROR && a->error) {
        BG_ERROR_CONTEXT ctx;
        HRESULT code = S_OK;

        if (SUCCEEDED(IBackgroundCopyError_GetError(a->error, &ctx, &code)))
            r->error_code = code;
    }
    if (r->destroy_from_inside) {
        BOOL ok = bgc_notify_destroy(helper);

        r->destroy_inside = ok ? 1 : 0;
        r->destroy_inside_error = GetLastError();
    }
    SetEvent(r->entered);
    if (first && r->gate)
        WaitForSingleObject(r->gate, WAIT_MS);
    if (a->event == BGC_NOTIFY_EV_JOB_TRANSFERRED || a->event == BGC_NOTIFY_EV_JOB_ERROR)
        SetEvent(r->done);
}

static struct bgc_notify *new_function_helper(struct rec *r, DWORD flags, DWORD queue_limit)
{
    struct bgc_notify_target t = { 0 };
    struct bgc_notify *h = (struct bgc_notify *)0x1;

    t.flags = BGC_DCB_FUNCTION | flags;
    t.proc = rec_proc;
    t.user = (DWORD_PTR)r;
    t.queue_limit = queue_limit;
    assert_hr(bgc_notify_create(&t, &h), S_OK);
    assert_non_null(h);
    return h;
}

static struct bgc_notify_args args_for(DWORD event, const GUID *id, IBackgroundCopyFile *file)
{
    struct bgc_notify_args a;

    memset(&a, 0, sizeof(a));
    a.event = event;
    a.job_id = *id;
    a.file = file;
    return a;
}

static void wait_handle(HANDLE h)
{
    assert_int_equal(WaitForSingleObject(h, WAIT_MS), WAIT_OBJECT_0);
}

/* Polls until the helper's hand-off queue is empty (bounded). */
static void wait_queue_empty(struct bgc_notify *h)
{
    struct bgc_notify_stats s;
    ULONGLONG end = GetTickCount64() + WAIT_MS;

    for (;;) {
        assert_true(bgc_notify_get_stats(h, &s));
        if (s.queued == 0 || GetTickCount64() >= end)
            break;
        Sleep(10);
    }
    assert_int_equal(s.queued, 0);
}

/* A job in the server (not resumed), released by the caller. */
static IBackgroundCopyJob *server_job(const WCHAR *name, GUID *id)
{
    IBackgroundCopyJob *job = NULL;

    assert_hr(IBackgroundCopyManager_CreateJob(g_mgr, name, BG_JOB_TYPE_DOWNLOAD, id, &job), S_OK);
    return job;
}

static void drop_job(IBackgroundCopyJob *job)
{
    IBackgroundCopyJob_SetNotifyInterface(job, NULL);
    IBackgroundCopyJob_Cancel(job);
    IBackgroundCopyJob_Release(job);
}

/* ---- fixture ------------------------------------------------------------------------------ */

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
    g_mgr = NULL;
    CoUninitialize();
    return 0;
}

/* ==== in-process ========================================================================== */

/* Section 9 (DriverCallback: FALSE for a bad parameter): unusable targets are refused. */
static void create_rejects_bad_targets(void **state)
{
    struct bgc_notify_target t = { 0 };
    struct bgc_notify *h = (struct bgc_notify *)0x1;
    struct rec *r = rec_new();

    (void)state;
    assert_hr(bgc_notify_create(NULL, &h), E_POINTER);
    assert_null(h);
    assert_hr(bgc_notify_create(&t, NULL), E_POINTER);
    h = (struct bgc_notify *)0x1;
    assert_hr(bgc_notify_create(&t, &h), E_INVALIDARG); /* no kind */
    assert_null(h);
    t.flags = BGC_DCB_FUNCTION; /* no proc */
    assert_hr(bgc_notify_create(&t, &h), E_INVALIDARG);
    t.flags = BGC_DCB_WINDOW; /* no hwnd */
    assert_hr(bgc_notify_create(&t, &h), E_INVALIDARG);
    t.flags = BGC_DCB_TASK; /* no thread id */
    assert_hr(bgc_notify_create(&t, &h), E_INVALIDARG);
    t.flags = BGC_DCB_EVENT; /* no event */
    assert_hr(bgc_notify_create(&t, &h), E_INVALIDARG);
    t.flags = 0x0004; /* unknown kind */
    t.proc = rec_proc;
    assert_hr(bgc_notify_create(&t, &h), E_INVALIDARG);
    t.flags = BGC_DCB_EVENT | BGC_DCB_NOSWITCH; /* NOSWITCH only with FUNCTION */
    t.event = r->done;
    assert_hr(bgc_notify_create(&t, &h), E_INVALIDARG);
    t.flags = BGC_DCB_FUNCTION;
    t.event_mask = 0x4; /* not an event */
    assert_hr(bgc_notify_create(&t, &h), E_INVALIDARG);
    assert_null(h);
    assert_false(bgc_notify_destroy(NULL));
    assert_null(bgc_notify_callback(NULL));
    rec_free(r);
}

/* DriverCallback returns FALSE for a bad parameter; the target is not called. */
static void deliver_rejects_bad_parameters(void **state)
{
    struct rec *r = rec_new();
    struct bgc_notify *h = new_function_helper(r, BGC_DCB_NOSWITCH, 0);
    struct bgc_notify_args a = args_for(BGC_NOTIFY_EV_JOB_TRANSFERRED, &id_a, NULL);
    struct bgc_notify_stats s;

    (void)state;
    SetLastError(0);
    assert_false(bgc_notify_deliver(NULL, &a));
    assert_int_equal(GetLastError(), ERROR_INVALID_PARAMETER);
    SetLastError(0);
    assert_false(bgc_notify_deliver(h, NULL));
    assert_int_equal(GetLastError(), ERROR_INVALID_PARAMETER);
    a.event = 0;
    assert_false(bgc_notify_deliver(h, &a));
    a.event = 0x4;
    assert_false(bgc_notify_deliver(h, &a));
    a.event = BGC_NOTIFY_EV_JOB_TRANSFERRED | BGC_NOTIFY_EV_JOB_ERROR; /* one event at a time */
    assert_false(bgc_notify_deliver(h, &a));
    a.event = BGC_NOTIFY_EV_FILE_RANGES;
    a.range_count = 2; /* and no ranges */
    SetLastError(0);
    assert_false(bgc_notify_deliver(h, &a));
    assert_int_equal(GetLastError(), ERROR_INVALID_PARAMETER);
    assert_int_equal(rec_calls(r), 0);
    a.event = BGC_NOTIFY_EV_JOB_TRANSFERRED;
    a.range_count = 0;
    assert_true(bgc_notify_deliver(h, &a)); /* the same helper works */
    assert_int_equal(rec_calls(r), 1);
    assert_true(bgc_notify_get_stats(h, &s));
    assert_int_equal(s.delivered, 1);
    assert_int_equal(s.refused, 0);
    assert_false(bgc_notify_get_stats(h, NULL));
    assert_true(bgc_notify_destroy(h));
    rec_free(r);
}

struct deliver_thread {
    struct bgc_notify *h;
    struct bgc_notify_args args;
    BOOL result;
};

static DWORD WINAPI deliver_thread_main(void *p)
{
    struct deliver_thread *d = p;

    d->result = bgc_notify_deliver(d->h, &d->args);
    return 0;
}

/* DCB_NOSWITCH: the function runs on the thread that delivers, before deliver returns. */
static void noswitch_runs_on_calling_thread(void **state)
{
    struct rec *r = rec_new();
    struct bgc_notify *h = new_function_helper(r, BGC_DCB_NOSWITCH, 0);
    struct bgc_notify_args a = args_for(BGC_NOTIFY_EV_JOB_MODIFICATION, &id_a, NULL);
    struct deliver_thread d;
    DWORD tid;
    HANDLE th;

    (void)state;
    assert_int_equal(bgc_notify_thread_id(h), 0);
    assert_true(bgc_notify_deliver(h, &a));
    assert_int_equal(rec_calls(r), 1); /* already called */
    assert_int_equal(r->tids[0], GetCurrentThreadId());
    assert_memory_equal(&r->ids[0], &id_a, sizeof(GUID));
    assert_int_not_equal(r->cookies[0], 0);

    d.h = h;
    d.args = a;
    d.result = FALSE;
    th = CreateThread(NULL, 0, deliver_thread_main, &d, 0, &tid);
    assert_non_null(th);
    assert_int_equal(WaitForSingleObject(th, WAIT_MS), WAIT_OBJECT_0);
    CloseHandle(th);
    assert_true(d.result);
    assert_int_equal(rec_calls(r), 2);
    assert_int_equal(r->tids[1], tid);
    assert_true(bgc_notify_destroy(h));
    rec_free(r);
}

/* Default FUNCTION: deliver returns at once, the function runs on the helper's own thread with
 * its own reference on the interfaces, released after the call. */
static void handoff_runs_on_helper_thread(void **state)
{
    struct rec *r = rec_new();
    struct bgc_notify *h = new_function_helper(r, 0, 0);
    struct fake_file file;
    struct bgc_notify_args a;

    (void)state;
    fake_init(&file);
    a = args_for(BGC_NOTIFY_EV_FILE_TRANSFERRED, &id_b, &file.IBackgroundCopyFile_iface);
    assert_int_not_equal(bgc_notify_thread_id(h), 0);
    assert_int_not_equal(bgc_notify_thread_id(h), GetCurrentThreadId());
    assert_true(bgc_notify_deliver(h, &a));
    wait_handle(r->entered);
    wait_queue_empty(h);
    assert_int_equal(rec_calls(r), 1);
    assert_int_equal(r->tids[0], bgc_notify_thread_id(h));
    assert_int_equal(r->events[0], BGC_NOTIFY_EV_FILE_TRANSFERRED);
    assert_memory_equal(&r->ids[0], &id_b, sizeof(GUID));
    assert_int_equal(r->file_refs[0], 2); /* ours + the item's */
    assert_int_equal(file.ref, 1);        /* the item's reference was released */
    assert_true(bgc_notify_destroy(h));
    rec_free(r);
}

struct sta_deliver {
    struct bgc_notify *h;
    struct bgc_notify_args args;
    BOOL result;
    HRESULT com;
};

static DWORD WINAPI sta_deliver_main(void *p)
{
    struct sta_deliver *d = p;

    d->com = CoInitializeEx(NULL, COINIT_APARTMENTTHREADED);
    d->result = bgc_notify_deliver(d->h, &d->args);
    if (SUCCEEDED(d->com))
        CoUninitialize();
    return 0;
}

/* A hand-off delivery from a single-threaded apartment passes the ids only: its interface
 * pointers would be used on the MTA hand-off thread. */
static void handoff_from_sta_passes_ids_only(void **state)
{
    struct rec *r = rec_new();
    struct bgc_notify *h = new_function_helper(r, 0, 0);
    struct fake_file file;
    struct sta_deliver d;
    HANDLE th;

    (void)state;
    fake_init(&file);
    d.h = h;
    d.args = args_for(BGC_NOTIFY_EV_FILE_TRANSFERRED, &id_c, &file.IBackgroundCopyFile_iface);
    d.result = FALSE;
    d.com = E_FAIL;
    th = CreateThread(NULL, 0, sta_deliver_main, &d, 0, NULL);
    assert_non_null(th);
    assert_int_equal(WaitForSingleObject(th, WAIT_MS), WAIT_OBJECT_0);
    CloseHandle(th);
    assert_hr(d.com, S_OK);
    assert_true(d.result);
    wait_handle(r->entered);
    wait_queue_empty(h);
    assert_int_equal(rec_calls(r), 1);
    assert_int_equal(r->file_refs[0], -1); /* the function got file == NULL */
    assert_memory_equal(&r->ids[0], &id_c, sizeof(GUID));
    assert_int_equal(file.ref, 1);

    d.result = FALSE; /* the same from this (MTA) thread hands the pointer over */
    assert_true(bgc_notify_deliver(h, &d.args));
    wait_handle(r->entered);
    wait_queue_empty(h);
    assert_int_equal(r->file_refs[1], 2);
    assert_int_equal(file.ref, 1);
    assert_true(bgc_notify_destroy(h));
    rec_free(r);
}

/* DriverCallback returns FALSE when the task queue is full: with queue_limit 2 and the target
 * blocked, the third delivery is refused; the COM object then answers
 * BGC_NOTIFY_E_NOT_DELIVERED to JobTransferred/JobError/FileTransferred (N5: the server
 * retries) and S_OK to JobModification (dropped, N2). */
static void handoff_queue_full_reports_false_N5(void **state)
{
    struct rec *r = rec_new();
    struct bgc_notify *h;
    struct bgc_notify_args a = args_for(BGC_NOTIFY_EV_JOB_MODIFICATION, &id_a, NULL);
    struct bgc_notify_stats s;
    IBackgroundCopyCallback3 *cb3 = NULL;
    IBackgroundCopyJob *job;
    GUID jid;

    (void)state;
    r->gate = CreateEventW(NULL, TRUE, FALSE, NULL);
    h = new_function_helper(r, 0, 2);
    job = server_job(L"nh-full", &jid);
    assert_true(bgc_notify_deliver(h, &a));
    wait_handle(r->entered); /* the thread is inside the first call */
    assert_true(bgc_notify_deliver(h, &a));
    SetLastError(0);
    assert_false(bgc_notify_deliver(h, &a));
    assert_int_equal(GetLastError(), ERROR_NOT_ENOUGH_QUOTA);
    assert_true(bgc_notify_get_stats(h, &s));
    assert_int_equal(s.queued, 2);
    assert_int_equal(s.refused, 1);

    assert_hr(IBackgroundCopyCallback_QueryInterface(bgc_notify_callback(h), &IID_IBackgroundCopyCallback3,
                                                     (void **)&cb3),
              S_OK);
    assert_hr(IBackgroundCopyCallback3_JobTransferred(cb3, job), BGC_NOTIFY_E_NOT_DELIVERED);
    assert_hr(IBackgroundCopyCallback3_JobModification(cb3, job, 0), S_OK);
    assert_true(bgc_notify_get_stats(h, &s));
    assert_int_equal(s.refused, 3);
    assert_int_equal(s.dropped, 1);
    assert_int_equal(rec_calls(r), 1);

    SetEvent(r->gate);
    wait_queue_empty(h);
    assert_int_equal(rec_calls(r), 2);
    assert_hr(IBackgroundCopyCallback3_JobTransferred(cb3, job), S_OK); /* room again */
    wait_handle(r->done);
    wait_queue_empty(h);
    assert_int_equal(rec_calls(r), 3);
    assert_memory_equal(&r->ids[2], &jid, sizeof(GUID));
    assert_int_equal(r->state_at_transferred, BG_JOB_STATE_SUSPENDED); /* job usable in the call */
    IBackgroundCopyCallback3_Release(cb3);
    assert_true(bgc_notify_destroy(h));
    drop_job(job);
    rec_free(r);
}

static HWND new_message_window(void)
{
    HWND hwnd = CreateWindowExW(0, L"STATIC", L"bgc-notifyhelp", 0, 0, 0, 0, 0, HWND_MESSAGE, NULL, NULL, NULL);

    assert_non_null(hwnd);
    return hwnd;
}

/* PostMessage failing (window gone) makes delivery FALSE; JobTransferred is then refused. */
static void window_post_failure_reports_false(void **state)
{
    struct bgc_notify_target t = { 0 };
    struct bgc_notify *h = NULL;
    struct bgc_notify_args a = args_for(BGC_NOTIFY_EV_JOB_TRANSFERRED, &id_a, NULL);
    IBackgroundCopyCallback *cb;
    IBackgroundCopyJob *job;
    GUID jid;

    (void)state;
    t.flags = BGC_DCB_WINDOW;
    t.hwnd = new_message_window();
    assert_true(DestroyWindow(t.hwnd));
    assert_hr(bgc_notify_create(&t, &h), S_OK);
    SetLastError(0);
    assert_false(bgc_notify_deliver(h, &a));
    assert_int_equal(GetLastError(), ERROR_INVALID_WINDOW_HANDLE);
    job = server_job(L"nh-nowin", &jid);
    cb = bgc_notify_callback(h);
    assert_hr(IBackgroundCopyCallback_JobTransferred(cb, job), BGC_NOTIFY_E_NOT_DELIVERED);
    assert_hr(IBackgroundCopyCallback_JobModification(cb, job, 0), S_OK);
    assert_true(bgc_notify_destroy(h));
    drop_job(job);
}

static DWORD WINAPI nothing_main(void *p)
{
    (void)p;
    return 0;
}

/* PostThreadMessage failing (the thread has ended) makes delivery FALSE. */
static void thread_post_failure_reports_false(void **state)
{
    struct bgc_notify_target t = { 0 };
    struct bgc_notify *h = NULL;
    struct bgc_notify_args a = args_for(BGC_NOTIFY_EV_JOB_ERROR, &id_a, NULL);
    HANDLE th;

    (void)state;
    th = CreateThread(NULL, 0, nothing_main, NULL, 0, &t.thread_id);
    assert_non_null(th);
    assert_int_equal(WaitForSingleObject(th, WAIT_MS), WAIT_OBJECT_0); /* handle kept: id not reused */
    t.flags = BGC_DCB_TASK;
    assert_hr(bgc_notify_create(&t, &h), S_OK);
    SetLastError(0);
    assert_false(bgc_notify_deliver(h, &a));
    assert_int_not_equal(GetLastError(), 0);
    assert_true(bgc_notify_destroy(h));
    CloseHandle(th);
}

/* Takes the next message `msg` from this thread's queue (bounded). */
static BOOL next_message(UINT msg, MSG *out, DWORD ms)
{
    ULONGLONG end = GetTickCount64() + ms;

    for (;;) {
        if (PeekMessageW(out, NULL, msg, msg, PM_REMOVE))
            return TRUE;
        if (GetTickCount64() >= end)
            return FALSE;
        MsgWaitForMultipleObjects(0, NULL, FALSE, 50, QS_ALLINPUT);
    }
}

/* DCB_WINDOW: only event and cookie are posted; the cookie resolves to the job id; the ring
 * of cookie_slots forgets the oldest job, whose cookie then resolves to nothing. */
static void window_cookie_resolves_job_id(void **state)
{
    struct bgc_notify_target t = { 0 };
    struct bgc_notify *h = NULL;
    struct bgc_notify_args a;
    UINT msg = bgc_notify_message();
    DWORD ca, cb, cc;
    MSG m;
    GUID got;

    (void)state;
    assert_int_not_equal(msg, 0);
    assert_int_equal(bgc_notify_message(), msg);
    t.flags = BGC_DCB_WINDOW;
    t.hwnd = new_message_window();
    t.cookie_slots = 2;
    assert_hr(bgc_notify_create(&t, &h), S_OK);
    a = args_for(BGC_NOTIFY_EV_JOB_TRANSFERRED, &id_a, NULL);
    assert_true(bgc_notify_deliver(h, &a));
    a = args_for(BGC_NOTIFY_EV_JOB_ERROR, &id_b, NULL);
    assert_true(bgc_notify_deliver(h, &a));
    a = args_for(BGC_NOTIFY_EV_JOB_MODIFICATION, &id_a, NULL);
    assert_true(bgc_notify_deliver(h, &a));

    assert_true(next_message(msg, &m, WAIT_MS));
    assert_true(m.hwnd == t.hwnd);
    assert_int_equal(m.wParam, BGC_NOTIFY_EV_JOB_TRANSFERRED);
    ca = (DWORD)m.lParam;
    assert_true(next_message(msg, &m, WAIT_MS));
    assert_int_equal(m.wParam, BGC_NOTIFY_EV_JOB_ERROR);
    cb = (DWORD)m.lParam;
    assert_true(next_message(msg, &m, WAIT_MS));
    assert_int_equal(m.wParam, BGC_NOTIFY_EV_JOB_MODIFICATION);
    assert_int_equal((DWORD)m.lParam, ca); /* same job, same cookie */
    assert_int_not_equal(ca, cb);
    assert_true(bgc_notify_job_id(h, ca, &got));
    assert_memory_equal(&got, &id_a, sizeof(GUID));
    assert_true(bgc_notify_job_id(h, cb, &got));
    assert_memory_equal(&got, &id_b, sizeof(GUID));

    a = args_for(BGC_NOTIFY_EV_JOB_TRANSFERRED, &id_c, NULL); /* a third job: A is forgotten */
    assert_true(bgc_notify_deliver(h, &a));
    assert_true(next_message(msg, &m, WAIT_MS));
    cc = (DWORD)m.lParam;
    assert_true(bgc_notify_job_id(h, cc, &got));
    assert_memory_equal(&got, &id_c, sizeof(GUID));
    assert_false(bgc_notify_job_id(h, ca, &got));
    assert_memory_equal(&got, &GUID_NULL, sizeof(GUID));
    assert_true(bgc_notify_job_id(h, cb, &got));
    assert_false(bgc_notify_job_id(h, 0, &got));
    assert_false(bgc_notify_job_id(h, ca, NULL));
    assert_true(bgc_notify_destroy(h));
    DestroyWindow(t.hwnd);
}

/* DCB_EVENT with a mask: events outside it are accepted and do not set the event. The helper
 * owns a duplicate of the handle, so the caller may close its own. */
static void event_target_honours_mask(void **state)
{
    struct bgc_notify_target t = { 0 };
    struct bgc_notify *h = NULL;
    struct bgc_notify_args a = args_for(BGC_NOTIFY_EV_JOB_MODIFICATION, &id_a, NULL);
    HANDLE ev = CreateEventW(NULL, TRUE, FALSE, NULL);
    HANDLE mine;

    (void)state;
    assert_true(DuplicateHandle(GetCurrentProcess(), ev, GetCurrentProcess(), &mine, 0, FALSE, DUPLICATE_SAME_ACCESS));
    t.flags = BGC_DCB_EVENT;
    t.event = mine;
    t.event_mask = BGC_NOTIFY_EV_JOB_TRANSFERRED | BGC_NOTIFY_EV_JOB_ERROR;
    assert_hr(bgc_notify_create(&t, &h), S_OK);
    CloseHandle(mine);
    assert_true(bgc_notify_deliver(h, &a));
    assert_int_equal(WaitForSingleObject(ev, 0), WAIT_TIMEOUT);
    a.event = BGC_NOTIFY_EV_JOB_ERROR;
    assert_true(bgc_notify_deliver(h, &a));
    assert_int_equal(WaitForSingleObject(ev, 0), WAIT_OBJECT_0);
    assert_true(bgc_notify_destroy(h));
    CloseHandle(ev);
}

struct gate_opener {
    HANDLE gate;
    DWORD delay_ms;
};

static DWORD WINAPI open_gate_later(void *p)
{
    struct gate_opener *g = p;

    Sleep(g->delay_ms);
    SetEvent(g->gate);
    return 0;
}

/* Teardown with items queued: destroy waits for the call in progress, frees the queued items
 * without calling the target, and releases every reference they held. */
static void destroy_frees_queued_items(void **state)
{
    struct rec *r = rec_new();
    struct bgc_notify *h;
    struct fake_file files[4];
    struct gate_opener g;
    HANDLE th;

    (void)state;
    r->gate = CreateEventW(NULL, TRUE, FALSE, NULL);
    h = new_function_helper(r, 0, 8);
    for (int i = 0; i < 4; i++) {
        struct bgc_notify_args a;

        fake_init(&files[i]);
        a = args_for(BGC_NOTIFY_EV_FILE_TRANSFERRED, &id_a, &files[i].IBackgroundCopyFile_iface);
        assert_true(bgc_notify_deliver(h, &a));
        if (i == 0)
            wait_handle(r->entered);
    }
    for (int i = 0; i < 4; i++)
        assert_int_equal(files[i].ref, 2);
    g.gate = r->gate;
    g.delay_ms = 300;
    th = CreateThread(NULL, 0, open_gate_later, &g, 0, NULL);
    assert_non_null(th);
    assert_true(bgc_notify_destroy(h)); /* returns after the first call ended */
    assert_int_equal(WaitForSingleObject(th, WAIT_MS), WAIT_OBJECT_0);
    CloseHandle(th);
    assert_int_equal(rec_calls(r), 1);
    for (int i = 0; i < 4; i++)
        assert_int_equal(files[i].ref, 1);
    rec_free(r);
}

/* The COM object outlives the handle: late calls are answered CO_E_OBJNOTCONNECTED and reach
 * no target; the last Release frees it. */
static void late_com_call_after_destroy_is_answered(void **state)
{
    struct rec *r = rec_new();
    struct bgc_notify *h = new_function_helper(r, BGC_DCB_NOSWITCH, 0);
    IBackgroundCopyCallback2 *cb2 = NULL;
    IBackgroundCopyJob *job;
    GUID jid;

    (void)state;
    job = server_job(L"nh-late", &jid);
    assert_hr(IBackgroundCopyCallback_QueryInterface(bgc_notify_callback(h), &IID_IBackgroundCopyCallback2,
                                                     (void **)&cb2),
              S_OK);
    assert_hr(IBackgroundCopyCallback2_JobModification(cb2, job, 0), S_OK);
    assert_int_equal(rec_calls(r), 1);
    assert_true(bgc_notify_destroy(h));
    assert_hr(IBackgroundCopyCallback2_JobTransferred(cb2, job), CO_E_OBJNOTCONNECTED);
    assert_hr(IBackgroundCopyCallback2_JobModification(cb2, job, 0), CO_E_OBJNOTCONNECTED);
    assert_hr(IBackgroundCopyCallback2_FileTransferred(cb2, job, NULL), E_POINTER);
    assert_int_equal(rec_calls(r), 1);
    assert_int_equal(IBackgroundCopyCallback2_Release(cb2), 0); /* the last reference */
    drop_job(job);
    rec_free(r);
}

/* destroy from inside a target function is refused (FALSE, ERROR_BUSY) instead of
 * deadlocking, in both modes; the helper still works and is destroyed afterwards. */
static void destroy_inside_target_is_refused(void **state)
{
    for (int mode = 0; mode < 2; mode++) {
        struct rec *r = rec_new();
        struct bgc_notify *h = new_function_helper(r, mode ? BGC_DCB_NOSWITCH : 0, 0);
        struct bgc_notify_args a = args_for(BGC_NOTIFY_EV_JOB_TRANSFERRED, &id_a, NULL);

        (void)state;
        r->destroy_from_inside = TRUE;
        r->destroy_inside = -1;
        assert_true(bgc_notify_deliver(h, &a));
        wait_handle(r->done);
        wait_queue_empty(h);
        assert_int_equal(r->destroy_inside, 0);
        assert_int_equal(r->destroy_inside_error, ERROR_BUSY);
        r->destroy_from_inside = FALSE;
        assert_true(bgc_notify_deliver(h, &a));
        wait_queue_empty(h); /* delivered before destroy (destroy would discard it) */
        assert_true(bgc_notify_destroy(h));
        assert_int_equal(rec_calls(r), 2);
        rec_free(r);
    }
}

/* ==== through the server ================================================================== */

struct fixture {
    IBackgroundCopyJob *jobs[4];
    GUID ids[4];
    int njobs;
    WCHAR dir[WT_PATH];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    static LONG n;
    WCHAR name[32];

    if (!f)
        return -1;
    swprintf(name, 32, L"notifyhelp%ld", (long)InterlockedIncrement(&n));
    wt_test_dir(f->dir, name);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    for (int i = 0; i < f->njobs; i++) {
        BG_JOB_STATE st;

        IBackgroundCopyJob_SetNotifyInterface(f->jobs[i], NULL);
        if (SUCCEEDED(IBackgroundCopyJob_GetState(f->jobs[i], &st)) && st != BG_JOB_STATE_ACKNOWLEDGED &&
            st != BG_JOB_STATE_CANCELLED)
            IBackgroundCopyJob_Cancel(f->jobs[i]);
        IBackgroundCopyJob_Release(f->jobs[i]);
    }
    free(f);
    return 0;
}

/* A download job of n files of `size` bytes (seeded test data, or a 404 when status404). */
static IBackgroundCopyJob *new_job(struct fixture *f, int n, unsigned size, const WCHAR *tag, BOOL status404)
{
    IBackgroundCopyJob *job = NULL;
    WCHAR path[WT_PATH], url[WT_PATH], local[WT_PATH];
    int k = f->njobs;

    assert_true(k < 4);
    assert_hr(IBackgroundCopyManager_CreateJob(g_mgr, tag, BG_JOB_TYPE_DOWNLOAD, &f->ids[k], &job), S_OK);
    f->jobs[f->njobs++] = job;
    assert_hr(IBackgroundCopyJob_SetMinimumRetryDelay(job, 1), S_OK);
    for (int i = 0; i < n; i++) {
        wt_format(path, L"/gen/%u/%ls%d?seed=%d%ls", size, tag, i, 60 + i, status404 ? L"&status=404" : L"");
        wt_format(local, L"%ls\\%ls%d.bin", f->dir, tag, i);
        assert_hr(IBackgroundCopyJob_AddFile(job, wt_url(url, path), local), S_OK);
    }
    return job;
}

static const ULONG ALL_FLAGS = BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR | BG_NOTIFY_JOB_MODIFICATION |
                               BG_NOTIFY_FILE_TRANSFERRED;

/* Hand-off FUNCTION with a real download: every event reaches the function on the helper
 * thread, with the job's id; both FileTransferred before JobTransferred (N2); the job pointer
 * handed over is usable in the call (it reports TRANSFERRED). */
static void function_handoff_through_server(void **state)
{
    struct fixture *f = *state;
    struct rec *r = rec_new();
    struct bgc_notify *h = new_function_helper(r, 0, 0);
    IBackgroundCopyJob *job = new_job(f, 2, 30000, L"fho", FALSE);

    assert_hr(bgc_notify_attach(h, job, ALL_FLAGS), S_OK);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    wait_handle(r->done);
    wait_queue_empty(h);
    assert_int_equal(r->transferred, 1);
    assert_int_equal(r->errors, 0);
    assert_int_equal(r->files_before_transferred, 2);
    assert_int_equal(r->state_at_transferred, BG_JOB_STATE_TRANSFERRED);
    for (LONG i = 0; i < rec_calls(r) && i < MAX_CALLS; i++) {
        assert_int_equal(r->tids[i], bgc_notify_thread_id(h));
        assert_memory_equal(&r->ids[i], &f->ids[0], sizeof(GUID));
    }
    assert_hr(IBackgroundCopyJob_SetNotifyInterface(job, NULL), S_OK);
    assert_true(bgc_notify_destroy(h));
    assert_hr(IBackgroundCopyJob_Complete(job), S_OK);
    {
        WCHAR local[WT_PATH];

        wt_format(local, L"%ls\\fho1.bin", f->dir);
        wt_assert_file_is_testdata(local, 61, 30000);
    }
    rec_free(r);
}

/* NOSWITCH FUNCTION with a real download: the function runs on the COM (RPC) thread that
 * received the call, neither the test's thread nor a helper thread. */
static void function_noswitch_through_server(void **state)
{
    struct fixture *f = *state;
    struct rec *r = rec_new();
    struct bgc_notify *h = new_function_helper(r, BGC_DCB_NOSWITCH, 0);
    IBackgroundCopyJob *job = new_job(f, 1, 20000, L"fns", FALSE);

    assert_hr(bgc_notify_attach(h, job, BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR), S_OK);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    wait_handle(r->done);
    assert_int_equal(r->transferred, 1);
    assert_int_equal(rec_calls(r), 1);
    assert_int_not_equal(r->tids[0], GetCurrentThreadId());
    assert_int_equal(bgc_notify_thread_id(h), 0);
    assert_memory_equal(&r->ids[0], &f->ids[0], sizeof(GUID));
    assert_int_equal(r->state_at_transferred, BG_JOB_STATE_TRANSFERRED);
    assert_hr(IBackgroundCopyJob_SetNotifyInterface(job, NULL), S_OK);
    assert_true(bgc_notify_destroy(h));
    assert_hr(IBackgroundCopyJob_Complete(job), S_OK);
    rec_free(r);
}

/* DCB_FUNCTION full arguments: JobError of a 404 download carries the error object, usable in
 * the hand-off call (BG_E_HTTP_ERROR_404). */
static void function_job_error_gets_error_object(void **state)
{
    struct fixture *f = *state;
    struct rec *r = rec_new();
    struct bgc_notify *h = new_function_helper(r, 0, 0);
    IBackgroundCopyJob *job = new_job(f, 1, 100, L"ferr", TRUE);

    assert_hr(bgc_notify_attach(h, job, BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR), S_OK);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    wait_handle(r->done);
    wait_queue_empty(h);
    assert_int_equal(r->errors, 1);
    assert_int_equal(r->transferred, 0);
    assert_hr(r->error_code, BG_E_HTTP_ERROR_404);
    assert_hr(IBackgroundCopyJob_SetNotifyInterface(job, NULL), S_OK);
    assert_true(bgc_notify_destroy(h));
    rec_free(r);
}

/* Pumps this thread's messages until `msg` arrives with wParam == event (bounded). */
static BOOL wait_posted(UINT msg, WPARAM event, MSG *out)
{
    ULONGLONG end = GetTickCount64() + WAIT_MS;

    while (GetTickCount64() < end) {
        if (next_message(msg, out, 200) && out->wParam == event)
            return TRUE;
    }
    return FALSE;
}

/* DCB_WINDOW with a real download: the window gets the registered message with
 * JobTransferred and a cookie that resolves to the job's id. */
static void window_target_through_server(void **state)
{
    struct fixture *f = *state;
    struct bgc_notify_target t = { 0 };
    struct bgc_notify *h = NULL;
    IBackgroundCopyJob *job = new_job(f, 1, 20000, L"win", FALSE);
    MSG m;
    GUID got;

    t.flags = BGC_DCB_WINDOW;
    t.hwnd = new_message_window();
    assert_hr(bgc_notify_create(&t, &h), S_OK);
    assert_hr(bgc_notify_attach(h, job, BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR), S_OK);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_true(wait_posted(bgc_notify_message(), BGC_NOTIFY_EV_JOB_TRANSFERRED, &m));
    assert_true(m.hwnd == t.hwnd);
    assert_true(bgc_notify_job_id(h, (DWORD)m.lParam, &got));
    assert_memory_equal(&got, &f->ids[0], sizeof(GUID));
    assert_int_equal(wt_wait_state(job, BG_JOB_STATE_TRANSFERRED, 0), BG_JOB_STATE_TRANSFERRED);
    assert_hr(IBackgroundCopyJob_SetNotifyInterface(job, NULL), S_OK);
    assert_true(bgc_notify_destroy(h));
    DestroyWindow(t.hwnd);
}

/* DCB_TASK with a real download and a private message number: PostThreadMessage to this
 * thread with JobTransferred and the job's cookie. */
static void thread_target_through_server(void **state)
{
    struct fixture *f = *state;
    struct bgc_notify_target t = { 0 };
    struct bgc_notify *h = NULL;
    IBackgroundCopyJob *job = new_job(f, 1, 20000, L"thr", FALSE);
    MSG m;
    GUID got;

    PeekMessageW(&m, NULL, 0, 0, PM_NOREMOVE); /* this thread has a message queue now */
    t.flags = BGC_DCB_THREAD;
    t.thread_id = GetCurrentThreadId();
    t.msg = WM_APP + 7;
    assert_hr(bgc_notify_create(&t, &h), S_OK);
    assert_hr(bgc_notify_attach(h, job, BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR), S_OK);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_true(wait_posted(WM_APP + 7, BGC_NOTIFY_EV_JOB_TRANSFERRED, &m));
    assert_null(m.hwnd);
    assert_true(bgc_notify_job_id(h, (DWORD)m.lParam, &got));
    assert_memory_equal(&got, &f->ids[0], sizeof(GUID));
    assert_hr(IBackgroundCopyJob_SetNotifyInterface(job, NULL), S_OK);
    assert_true(bgc_notify_destroy(h));
}

/* DCB_EVENT "wait until TRANSFERRED or ERROR": a good job and a 404 job each set their event,
 * and the job is in the matching state by then. */
static void event_target_through_server(void **state)
{
    struct fixture *f = *state;
    struct bgc_notify_target t = { 0 };
    struct bgc_notify *h[2] = { NULL, NULL };
    HANDLE ev[2];
    IBackgroundCopyJob *job[2];

    job[0] = new_job(f, 1, 20000, L"evok", FALSE);
    job[1] = new_job(f, 1, 100, L"evbad", TRUE);
    for (int i = 0; i < 2; i++) {
        ev[i] = CreateEventW(NULL, TRUE, FALSE, NULL);
        t.flags = BGC_DCB_EVENT;
        t.event = ev[i];
        t.event_mask = BGC_NOTIFY_EV_JOB_TRANSFERRED | BGC_NOTIFY_EV_JOB_ERROR;
        assert_hr(bgc_notify_create(&t, &h[i]), S_OK);
        assert_hr(bgc_notify_attach(h[i], job[i], ALL_FLAGS), S_OK);
        assert_hr(IBackgroundCopyJob_Resume(job[i]), S_OK);
    }
    for (int i = 0; i < 2; i++)
        wait_handle(ev[i]);
    assert_int_equal(wt_wait_state(job[0], BG_JOB_STATE_TRANSFERRED, 0), BG_JOB_STATE_TRANSFERRED);
    assert_int_equal(wt_wait_state(job[1], BG_JOB_STATE_ERROR, 0), BG_JOB_STATE_ERROR);
    for (int i = 0; i < 2; i++) {
        assert_hr(IBackgroundCopyJob_SetNotifyInterface(job[i], NULL), S_OK);
        assert_true(bgc_notify_destroy(h[i]));
        CloseHandle(ev[i]);
    }
}

/* N5 end to end: with queue_limit 1 and the function blocked on job A's JobTransferred, job
 * B's JobTransferred is refused (BGC_NOTIFY_E_NOT_DELIVERED); the server calls again after
 * MinimumRetryDelay and B's event is delivered once the queue has room. */
static void refused_job_transferred_is_retried_by_server_N5(void **state)
{
    struct fixture *f = *state;
    struct rec *r = rec_new();
    struct bgc_notify *h;
    struct bgc_notify_stats s;
    IBackgroundCopyJob *a, *b;
    ULONGLONG end;
    BOOL b_seen = FALSE;

    r->gate = CreateEventW(NULL, TRUE, FALSE, NULL);
    h = new_function_helper(r, 0, 1);
    a = new_job(f, 1, 1000, L"qa", FALSE);
    b = new_job(f, 1, 1000, L"qb", FALSE);
    assert_hr(bgc_notify_attach(h, a, BG_NOTIFY_JOB_TRANSFERRED), S_OK);
    assert_hr(bgc_notify_attach(h, b, BG_NOTIFY_JOB_TRANSFERRED), S_OK);
    assert_hr(IBackgroundCopyJob_Resume(a), S_OK);
    wait_handle(r->entered); /* the function is blocked inside A's event */
    assert_hr(IBackgroundCopyJob_Resume(b), S_OK);
    end = GetTickCount64() + WAIT_MS;
    do {
        assert_true(bgc_notify_get_stats(h, &s));
        if (s.refused >= 1)
            break;
        Sleep(20);
    } while (GetTickCount64() < end);
    assert_true(s.refused >= 1);
    assert_int_equal(rec_calls(r), 1);
    SetEvent(r->gate);
    end = GetTickCount64() + WAIT_MS;
    while (!b_seen && GetTickCount64() < end) {
        EnterCriticalSection(&r->lock);
        for (LONG i = 1; i < r->calls && i < MAX_CALLS; i++)
            if (IsEqualGUID(&r->ids[i], &f->ids[1]) && r->events[i] == BGC_NOTIFY_EV_JOB_TRANSFERRED)
                b_seen = TRUE;
        LeaveCriticalSection(&r->lock);
        Sleep(20);
    }
    assert_true(b_seen);
    assert_memory_equal(&r->ids[0], &f->ids[0], sizeof(GUID));
    print_message("refused deliveries before the retry succeeded: %ld\n", s.refused);
    assert_hr(IBackgroundCopyJob_SetNotifyInterface(a, NULL), S_OK);
    assert_hr(IBackgroundCopyJob_SetNotifyInterface(b, NULL), S_OK);
    assert_true(bgc_notify_destroy(h));
    rec_free(r);
}

/* Runs BGC_BIN_DIR\notify_wait.exe URL LOCAL 60000 and returns its exit code (bounded). */
static DWORD run_notify_wait(const WCHAR *url, const WCHAR *local)
{
    WCHAR exe[WT_PATH], cmd[WT_PATH];
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    DWORD code = 0xdead;

    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);

    wt_format(exe, L"%ls\\notify_wait.exe", wt_env(L"BGC_BIN_DIR"));
    wt_format(cmd, L"\"%ls\" \"%ls\" \"%ls\" 60000", exe, url, local);
    assert_true(CreateProcessW(exe, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi));
    if (WaitForSingleObject(pi.hProcess, WAIT_MS + 30000) != WAIT_OBJECT_0) {
        TerminateProcess(pi.hProcess, 99);
        WaitForSingleObject(pi.hProcess, 5000);
    }
    GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hProcess);
    CloseHandle(pi.hThread);
    return code;
}

/* The example client/examples/notify_wait.c (BGC_DCB_EVENT) downloads a file and exits 0;
 * for a 404 it exits 1 (JobError reached it too). */
static void example_notify_wait_runs(void **state)
{
    struct fixture *f = *state;
    WCHAR url[WT_PATH], local[WT_PATH];

    wt_format(local, L"%ls\\example.bin", f->dir);
    assert_int_equal(run_notify_wait(wt_url(url, L"/gen/50000/example?seed=77"), local), 0);
    wt_assert_file_is_testdata(local, 77, 50000);
    wt_format(local, L"%ls\\example404.bin", f->dir);
    assert_int_equal(run_notify_wait(wt_url(url, L"/gen/100/example404?status=404"), local), 1);
    assert_false(wt_file_exists(local));
}

/* N6: after bgc_notify_destroy the server still holds the helper's object; its calls are
 * answered CO_E_OBJNOTCONNECTED, so the server treats the client as gone: the target is never
 * called, and the job's command line (this program in --mark mode) runs instead, so the
 * JobTransferred is not lost (FileTransferred is among the flags: it must not block it). */
static void destroyed_helper_is_a_gone_client_N6(void **state)
{
    struct fixture *f = *state;
    struct rec *r = rec_new();
    struct bgc_notify *h = new_function_helper(r, BGC_DCB_NOSWITCH, 0);
    IBackgroundCopyJob *job = new_job(f, 1, 20000, L"gone", FALSE);
    IBackgroundCopyJob2 *j2 = NULL;
    WCHAR exe[MAX_PATH], params[WT_PATH], mark[WT_PATH];
    ULONGLONG end;

    wt_format(mark, L"%ls\\mark.txt", f->dir);
    assert_true(GetModuleFileNameW(NULL, exe, MAX_PATH) > 0);
    wt_format(params, L"\"%ls\" --mark \"%ls\"", exe, mark);
    assert_hr(IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJob2, (void **)&j2), S_OK);
    assert_hr(bgc_notify_attach(h, job, ALL_FLAGS), S_OK);
    assert_true(bgc_notify_destroy(h));
    assert_hr(IBackgroundCopyJob2_SetNotifyCmdLine(j2, exe, params), S_OK);
    IBackgroundCopyJob2_Release(j2);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_int_equal(wt_wait_state(job, BG_JOB_STATE_TRANSFERRED, WAIT_MS), BG_JOB_STATE_TRANSFERRED);
    end = GetTickCount64() + WAIT_MS;
    while (wt_count_lines(mark) < 1 && GetTickCount64() < end)
        Sleep(50);
    assert_true(wt_count_lines(mark) >= 1);
    assert_int_equal(rec_calls(r), 0);
    assert_hr(IBackgroundCopyJob_Complete(job), S_OK);
    rec_free(r);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(create_rejects_bad_targets),
        cmocka_unit_test(deliver_rejects_bad_parameters),
        cmocka_unit_test(noswitch_runs_on_calling_thread),
        cmocka_unit_test(handoff_runs_on_helper_thread),
        cmocka_unit_test(handoff_from_sta_passes_ids_only),
        cmocka_unit_test(handoff_queue_full_reports_false_N5),
        cmocka_unit_test(window_post_failure_reports_false),
        cmocka_unit_test(thread_post_failure_reports_false),
        cmocka_unit_test(window_cookie_resolves_job_id),
        cmocka_unit_test(event_target_honours_mask),
        cmocka_unit_test(destroy_frees_queued_items),
        cmocka_unit_test(late_com_call_after_destroy_is_answered),
        cmocka_unit_test(destroy_inside_target_is_refused),
        cmocka_unit_test_setup_teardown(function_handoff_through_server, setup, teardown),
        cmocka_unit_test_setup_teardown(function_noswitch_through_server, setup, teardown),
        cmocka_unit_test_setup_teardown(function_job_error_gets_error_object, setup, teardown),
        cmocka_unit_test_setup_teardown(window_target_through_server, setup, teardown),
        cmocka_unit_test_setup_teardown(thread_target_through_server, setup, teardown),
        cmocka_unit_test_setup_teardown(event_target_through_server, setup, teardown),
        cmocka_unit_test_setup_teardown(refused_job_transferred_is_retried_by_server_N5, setup, teardown),
        cmocka_unit_test_setup_teardown(destroyed_helper_is_a_gone_client_N6, setup, teardown),
        cmocka_unit_test_setup_teardown(example_notify_wait_runs, setup, teardown),
    };

    if (argc > 1 && !strcmp(argv[1], "--mark"))
        return wt_mark_main(argc, argv);
    return cmocka_run_group_tests_name("wine.test_notifyhelp", tests, group_setup, group_teardown);
}
