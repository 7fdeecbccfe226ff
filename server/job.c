/*
 * job.c - the job object: IBackgroundCopyJob..Job5, IBackgroundCopyJobHttpOptions..3 and
 * IBitsTokenOptions on one object with one reference count.
 *
 * Invariants:
 *  1. A BgCopyJob holds exactly one bgc_job reference (core) and one server lock, both
 *     released by the final Release; it owns no engine state (bgc.h invariant 6).
 *  1a. One COM identity per job: while a BgCopyJob for a core is alive, BgCopyJob_create
 *     returns it (AddRef'd) instead of making another, so CreateJob, GetJob, EnumJobs and
 *     every callback hand out the same object, as BITS does. A client holding its job thus
 *     gets the very proxy it holds in JobTransferred (pointer comparisons work), and a
 *     callback creates and destroys no proxy in the client. The latter matters under Wine 8:
 *     its combase can resurrect a proxy manager whose count just reached zero
 *     (find_proxy_manager), a use-after-free in the client that fails concurrent callbacks
 *     with 0x800703E6 and can leave a client thread blocked; a new object per callback made
 *     every callback create and release a proxy (bench/results.md, "callback burst").
 *     The table (identity_lock) holds no reference: an object whose count reached zero is
 *     never revived (addref_if_alive), and its final Release unlinks it.
 *  2. The secondary interfaces (HttpOptions, TokenOptions) forward AddRef/Release/QI to the
 *     object; QueryInterface answers exactly the interfaces of G5.
 *  3. Every method validates, traces, calls one bgc_ function (or two for a setter that must
 *     refuse final jobs first) and maps with hresult_from_bgc(). Unimplemented methods log a
 *     FIXME and return E_NOTIMPL; they never pretend to succeed.
 */
#include <stdlib.h>

#include "server.h"

typedef struct {
    IBackgroundCopyJob5 IBackgroundCopyJob5_iface;
    IBackgroundCopyJobHttpOptions3 IBackgroundCopyJobHttpOptions3_iface;
    IBitsTokenOptions IBitsTokenOptions_iface;
    LONG ref;
    struct bgc_job *core; /* one reference, released with the object */
    void *identity_next;  /* identity_lock: next BgCopyJob in its identity bucket */
} BgCopyJob;

/* Invariant 1a: the live BgCopyJob of each core, by core address (no references held). */
#define IDENTITY_BUCKETS 256
static SRWLOCK identity_lock = SRWLOCK_INIT;
static BgCopyJob *identity_table[IDENTITY_BUCKETS];

static unsigned identity_bucket(const struct bgc_job *core)
{
    return (unsigned)(((ULONG_PTR)core >> 4) % IDENTITY_BUCKETS);
}

/* Unlinks job from the table if it is there. */
static void identity_remove(BgCopyJob *job)
{
    BgCopyJob **p;

    AcquireSRWLockExclusive(&identity_lock);
    for (p = &identity_table[identity_bucket(job->core)]; *p; p = (BgCopyJob **)&(*p)->identity_next) {
        if (*p == job) {
            *p = job->identity_next;
            break;
        }
    }
    ReleaseSRWLockExclusive(&identity_lock);
}

static inline BgCopyJob *impl_from_IBackgroundCopyJob5(IBackgroundCopyJob5 *iface)
{
    return CONTAINING_RECORD(iface, BgCopyJob, IBackgroundCopyJob5_iface);
}

static inline BgCopyJob *impl_from_IBackgroundCopyJobHttpOptions3(IBackgroundCopyJobHttpOptions3 *iface)
{
    return CONTAINING_RECORD(iface, BgCopyJob, IBackgroundCopyJobHttpOptions3_iface);
}

static inline BgCopyJob *impl_from_IBitsTokenOptions(IBitsTokenOptions *iface)
{
    return CONTAINING_RECORD(iface, BgCopyJob, IBitsTokenOptions_iface);
}

/* Returns a core string getter's value as a CoTaskMem string. */
static HRESULT get_string(struct bgc_job *core, int (*getter)(struct bgc_job *, char **), LPWSTR *out)
{
    char *value = NULL;
    HRESULT hr;

    if (!out)
        return E_INVALIDARG;
    *out = NULL;
    hr = hresult_from_bgc(getter(core, &value));
    if (SUCCEEDED(hr))
        hr = strconv_cotask_from_utf8(value, out);
    bgc_free(value);
    return hr;
}

/* Setters refuse final jobs (G3) before doing anything else. */
static BOOL job_is_final(struct bgc_job *core)
{
    enum bgc_state state = bgc_job_get_state(core);
    return state == BGC_STATE_ACKNOWLEDGED || state == BGC_STATE_CANCELLED;
}

/* ---- IUnknown --------------------------------------------------------------------------- */

static HRESULT WINAPI BgCopyJob_QueryInterface(IBackgroundCopyJob5 *iface, REFIID riid, void **ppv)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);
    char buf[39];

    TRACE("%p, %s, %p", (void *)job, debugstr_guid_buf(riid, buf), (void *)ppv);
    if (!ppv)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IBackgroundCopyJob) ||
        IsEqualIID(riid, &IID_IBackgroundCopyJob2) || IsEqualIID(riid, &IID_IBackgroundCopyJob3) ||
        IsEqualIID(riid, &IID_IBackgroundCopyJob4) || IsEqualIID(riid, &IID_IBackgroundCopyJob5)) {
        *ppv = &job->IBackgroundCopyJob5_iface;
    } else if (IsEqualIID(riid, &IID_IBackgroundCopyJobHttpOptions) ||
               IsEqualIID(riid, &IID_IBackgroundCopyJobHttpOptions2) ||
               IsEqualIID(riid, &IID_IBackgroundCopyJobHttpOptions3)) {
        *ppv = &job->IBackgroundCopyJobHttpOptions3_iface;
    } else if (IsEqualIID(riid, &IID_IBitsTokenOptions)) {
        *ppv = &job->IBitsTokenOptions_iface;
    } else {
        *ppv = NULL;
        return E_NOINTERFACE;
    }
    IBackgroundCopyJob5_AddRef(iface);
    return S_OK;
}

static ULONG WINAPI BgCopyJob_AddRef(IBackgroundCopyJob5 *iface)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);
    ULONG ref = InterlockedIncrement(&job->ref);

    TRACE("%p, refcount %lu", (void *)job, (unsigned long)ref);
    return ref;
}

static ULONG WINAPI BgCopyJob_Release(IBackgroundCopyJob5 *iface)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);
    ULONG ref = InterlockedDecrement(&job->ref);

    TRACE("%p, refcount %lu", (void *)job, (unsigned long)ref);
    if (!ref) {
        identity_remove(job); /* invariant 1a */
        bgc_job_unref(job->core);
        free(job);
        server_unlock();
    }
    return ref;
}

/* ---- IBackgroundCopyJob ------------------------------------------------------------------ */

static void free_specs(struct bgc_file_spec *specs, size_t count)
{
    size_t i;

    if (!specs)
        return;
    for (i = 0; i < count; i++) {
        free((char *)specs[i].remote);
        free((char *)specs[i].local);
    }
    free(specs);
}

/* Validates and converts one BG_FILE_INFO-like pair (F1-F3 limits, in UTF-16 units). */
static HRESULT convert_file(const WCHAR *remote, const WCHAR *local, struct bgc_file_spec *spec)
{
    char *r = NULL, *l = NULL;
    HRESULT hr;

    hr = strconv_utf8_from_wide(remote, BGC_MAX_REMOTE_NAME, E_INVALIDARG, &r);
    if (SUCCEEDED(hr))
        hr = strconv_utf8_from_wide(local, BGC_MAX_LOCAL_NAME, E_INVALIDARG, &l);
    if (SUCCEEDED(hr) && (!r[0] || !l[0]))
        hr = E_INVALIDARG;
    if (FAILED(hr)) {
        free(r);
        free(l);
        return hr;
    }
    spec->remote = r;
    spec->local = l;
    return S_OK;
}

static HRESULT WINAPI BgCopyJob_AddFileSet(IBackgroundCopyJob5 *iface, ULONG count, BG_FILE_INFO *files)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);
    struct bgc_file_spec *specs;
    HRESULT hr = S_OK;
    ULONG i;

    TRACE("%p, %lu, %p", (void *)job, (unsigned long)count, (void *)files);
    if (!count || !files)
        return E_INVALIDARG;
    if (!(specs = calloc(count, sizeof(*specs))))
        return E_OUTOFMEMORY;
    for (i = 0; i < count && SUCCEEDED(hr); i++) {
        TRACE("  file %lu: %s -> %s", (unsigned long)i, debugstr_w(files[i].RemoteName), debugstr_w(files[i].LocalName));
        hr = convert_file(files[i].RemoteName, files[i].LocalName, &specs[i]);
    }
    if (SUCCEEDED(hr))
        hr = hresult_from_bgc(bgc_job_add_files(job->core, count, specs));
    free_specs(specs, count);
    return hr;
}

static HRESULT WINAPI BgCopyJob_AddFile(IBackgroundCopyJob5 *iface, LPCWSTR remote, LPCWSTR local)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);
    struct bgc_file_spec spec;
    HRESULT hr;

    TRACE("%p, %s, %s", (void *)job, debugstr_w(remote), debugstr_w(local));
    hr = convert_file(remote, local, &spec);
    if (FAILED(hr))
        return hr;
    hr = hresult_from_bgc(bgc_job_add_files(job->core, 1, &spec));
    free((char *)spec.remote);
    free((char *)spec.local);
    return hr;
}

static HRESULT WINAPI BgCopyJob_EnumFiles(IBackgroundCopyJob5 *iface, IEnumBackgroundCopyFiles **ppenum)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    TRACE("%p, %p", (void *)job, (void *)ppenum);
    if (!ppenum)
        return E_INVALIDARG;
    *ppenum = NULL;
    return EnumFiles_create(job->core, ppenum);
}

static HRESULT WINAPI BgCopyJob_Suspend(IBackgroundCopyJob5 *iface)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    TRACE("%p", (void *)job);
    return hresult_from_bgc(bgc_job_suspend(job->core));
}

static HRESULT WINAPI BgCopyJob_Resume(IBackgroundCopyJob5 *iface)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    TRACE("%p", (void *)job);
    return hresult_from_bgc(bgc_job_resume(job->core));
}

static HRESULT WINAPI BgCopyJob_Cancel(IBackgroundCopyJob5 *iface)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);
    HRESULT hr;

    TRACE("%p", (void *)job);
    if (SUCCEEDED(hr = hresult_from_bgc(bgc_job_cancel(job->core))))
        identity_forget(job->core); /* N8: the final job's tokens go */
    return hr;
}

static HRESULT WINAPI BgCopyJob_Complete(IBackgroundCopyJob5 *iface)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);
    struct bgc_error err;
    int os_error = 0;

    TRACE("%p", (void *)job);
    memset(&err, 0, sizeof(err));
    err.code = bgc_job_complete(job->core, &os_error);
    if (err.code >= 0) {
        identity_forget(job->core); /* N8: the final job's tokens go */
        return hresult_from_bgc(err.code);
    }
    /* A failed rename returns the rename's own error (L22). */
    err.os_error = os_error;
    err.file_index = -1;
    return hresult_from_bgc_error(&err);
}

static HRESULT WINAPI BgCopyJob_GetId(IBackgroundCopyJob5 *iface, GUID *id)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);
    struct bgc_id core_id;

    TRACE("%p, %p", (void *)job, (void *)id);
    if (!id)
        return E_INVALIDARG;
    bgc_job_get_id(job->core, &core_id);
    guid_from_bgc_id(&core_id, id);
    return S_OK;
}

static HRESULT WINAPI BgCopyJob_GetType(IBackgroundCopyJob5 *iface, BG_JOB_TYPE *type)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    TRACE("%p, %p", (void *)job, (void *)type);
    if (!type)
        return E_INVALIDARG;
    *type = (BG_JOB_TYPE)bgc_job_get_type(job->core);
    return S_OK;
}

static HRESULT WINAPI BgCopyJob_GetProgress(IBackgroundCopyJob5 *iface, BG_JOB_PROGRESS *progress)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);
    struct bgc_job_progress p;

    TRACE("%p, %p", (void *)job, (void *)progress);
    if (!progress)
        return E_INVALIDARG;
    bgc_job_get_progress(job->core, &p);
    progress->BytesTotal = p.bytes_total;
    progress->BytesTransferred = p.bytes_transferred;
    progress->FilesTotal = p.files_total;
    progress->FilesTransferred = p.files_transferred;
    return S_OK;
}

static HRESULT WINAPI BgCopyJob_GetTimes(IBackgroundCopyJob5 *iface, BG_JOB_TIMES *times)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);
    struct bgc_job_times t;

    TRACE("%p, %p", (void *)job, (void *)times);
    if (!times)
        return E_INVALIDARG;
    bgc_job_get_times(job->core, &t);
    times->CreationTime = filetime_from_bgc_time(t.creation);
    times->ModificationTime = filetime_from_bgc_time(t.modification);
    times->TransferCompletionTime = filetime_from_bgc_time(t.transfer_completion);
    return S_OK;
}

static HRESULT WINAPI BgCopyJob_GetState(IBackgroundCopyJob5 *iface, BG_JOB_STATE *state)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);
    enum bgc_state s;

    TRACE("%p, %p", (void *)job, (void *)state);
    if (!state)
        return E_INVALIDARG;
    s = bgc_job_get_state(job->core);
    TRACE("  -> %s", bgc_state_name(s));
    *state = (BG_JOB_STATE)s;
    return S_OK;
}

static HRESULT WINAPI BgCopyJob_GetError(IBackgroundCopyJob5 *iface, IBackgroundCopyError **error)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);
    struct bgc_error err;
    HRESULT hr;

    TRACE("%p, %p", (void *)job, (void *)error);
    if (!error)
        return E_INVALIDARG;
    *error = NULL;
    hr = hresult_from_bgc(bgc_job_get_error(job->core, &err));
    if (FAILED(hr))
        return hr;
    return BgCopyError_create(job->core, &err, error);
}

static HRESULT WINAPI BgCopyJob_GetOwner(IBackgroundCopyJob5 *iface, LPWSTR *owner)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    TRACE("%p, %p", (void *)job, (void *)owner);
    return get_string(job->core, bgc_job_get_owner, owner);
}

static HRESULT WINAPI BgCopyJob_SetDisplayName(IBackgroundCopyJob5 *iface, LPCWSTR name)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);
    char *name8 = NULL;
    HRESULT hr;

    TRACE("%p, %s", (void *)job, debugstr_w(name));
    hr = strconv_utf8_from_wide(name, BGC_MAX_DISPLAY_NAME, BG_E_STRING_TOO_LONG, &name8);
    if (SUCCEEDED(hr))
        hr = hresult_from_bgc(bgc_job_set_display_name(job->core, name8));
    free(name8);
    return hr;
}

static HRESULT WINAPI BgCopyJob_GetDisplayName(IBackgroundCopyJob5 *iface, LPWSTR *name)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    TRACE("%p, %p", (void *)job, (void *)name);
    return get_string(job->core, bgc_job_get_display_name, name);
}

static HRESULT WINAPI BgCopyJob_SetDescription(IBackgroundCopyJob5 *iface, LPCWSTR text)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);
    char *text8 = NULL;
    HRESULT hr;

    TRACE("%p, %s", (void *)job, debugstr_w(text));
    hr = strconv_utf8_from_wide(text, BGC_MAX_DESCRIPTION, BG_E_STRING_TOO_LONG, &text8);
    if (SUCCEEDED(hr))
        hr = hresult_from_bgc(bgc_job_set_description(job->core, text8));
    free(text8);
    return hr;
}

static HRESULT WINAPI BgCopyJob_GetDescription(IBackgroundCopyJob5 *iface, LPWSTR *text)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    TRACE("%p, %p", (void *)job, (void *)text);
    return get_string(job->core, bgc_job_get_description, text);
}

static HRESULT WINAPI BgCopyJob_SetPriority(IBackgroundCopyJob5 *iface, BG_JOB_PRIORITY priority)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    TRACE("%p, %d", (void *)job, (int)priority);
    return hresult_from_bgc(bgc_job_set_priority(job->core, (int)priority));
}

static HRESULT WINAPI BgCopyJob_GetPriority(IBackgroundCopyJob5 *iface, BG_JOB_PRIORITY *priority)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    TRACE("%p, %p", (void *)job, (void *)priority);
    if (!priority)
        return E_INVALIDARG;
    *priority = (BG_JOB_PRIORITY)bgc_job_get_priority(job->core);
    return S_OK;
}

static HRESULT WINAPI BgCopyJob_SetNotifyFlags(IBackgroundCopyJob5 *iface, ULONG flags)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    TRACE("%p, %#lx", (void *)job, (unsigned long)flags);
    return hresult_from_bgc(bgc_job_set_notify_flags(job->core, flags));
}

static HRESULT WINAPI BgCopyJob_GetNotifyFlags(IBackgroundCopyJob5 *iface, ULONG *flags)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    TRACE("%p, %p", (void *)job, (void *)flags);
    if (!flags)
        return E_INVALIDARG;
    *flags = bgc_job_get_notify_flags(job->core);
    return S_OK;
}

static HRESULT WINAPI BgCopyJob_SetNotifyInterface(IBackgroundCopyJob5 *iface, IUnknown *callback)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);
    HRESULT hr;

    TRACE("%p, %p", (void *)job, (void *)callback);
    if (job_is_final(job->core))
        return BG_E_INVALID_STATE;
    hr = notify_set_interface(job->core, callback);
    if (SUCCEEDED(hr) && callback)
        bgc_job_notify_kick(job->core); /* N4: an event that already happened is delivered now */
    return hr;
}

static HRESULT WINAPI BgCopyJob_GetNotifyInterface(IBackgroundCopyJob5 *iface, IUnknown **callback)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    TRACE("%p, %p", (void *)job, (void *)callback);
    if (!callback)
        return E_INVALIDARG;
    return notify_get_interface(job->core, callback);
}

static HRESULT WINAPI BgCopyJob_SetMinimumRetryDelay(IBackgroundCopyJob5 *iface, ULONG seconds)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    TRACE("%p, %lu", (void *)job, (unsigned long)seconds);
    return hresult_from_bgc(bgc_job_set_min_retry_delay(job->core, seconds));
}

static HRESULT WINAPI BgCopyJob_GetMinimumRetryDelay(IBackgroundCopyJob5 *iface, ULONG *seconds)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    TRACE("%p, %p", (void *)job, (void *)seconds);
    if (!seconds)
        return E_INVALIDARG;
    *seconds = bgc_job_get_min_retry_delay(job->core);
    return S_OK;
}

static HRESULT WINAPI BgCopyJob_SetNoProgressTimeout(IBackgroundCopyJob5 *iface, ULONG seconds)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    TRACE("%p, %lu", (void *)job, (unsigned long)seconds);
    return hresult_from_bgc(bgc_job_set_no_progress_timeout(job->core, seconds));
}

static HRESULT WINAPI BgCopyJob_GetNoProgressTimeout(IBackgroundCopyJob5 *iface, ULONG *seconds)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    TRACE("%p, %p", (void *)job, (void *)seconds);
    if (!seconds)
        return E_INVALIDARG;
    *seconds = bgc_job_get_no_progress_timeout(job->core);
    return S_OK;
}

static HRESULT WINAPI BgCopyJob_GetErrorCount(IBackgroundCopyJob5 *iface, ULONG *count)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    TRACE("%p, %p", (void *)job, (void *)count);
    if (!count)
        return E_INVALIDARG;
    *count = bgc_job_get_error_count(job->core);
    return S_OK;
}

static HRESULT WINAPI BgCopyJob_SetProxySettings(IBackgroundCopyJob5 *iface, BG_JOB_PROXY_USAGE usage,
                                                 const WCHAR *list, const WCHAR *bypass)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    return httpopts_set_proxy(job->core, usage, list, bypass); /* httpopts.c */
}

static HRESULT WINAPI BgCopyJob_GetProxySettings(IBackgroundCopyJob5 *iface, BG_JOB_PROXY_USAGE *usage, LPWSTR *list,
                                                 LPWSTR *bypass)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    return httpopts_get_proxy(job->core, usage, list, bypass); /* httpopts.c */
}

static HRESULT WINAPI BgCopyJob_TakeOwnership(IBackgroundCopyJob5 *iface)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    struct caller_facts facts;
    HRESULT hr;

    TRACE("%p", (void *)job);
    if (job_is_final(job->core))
        return BG_E_INVALID_STATE;
    hr = caller_facts(&facts);
    if (FAILED(hr))
        return hr;
    if (!facts.admin) {
        caller_facts_free(&facts);
        return E_ACCESSDENIED; /* X5 */
    }
    /* X5: the command line goes with the old owner (core); credentials, client certificate
     * and custom headers are cleared by the HTTP area's part of bgc_job_take_ownership. */
    hr = hresult_from_bgc(bgc_job_take_ownership(job->core, facts.sid, facts.integrity, facts.elevated));
    if (SUCCEEDED(hr))
        INFO("job %p taken over by %s", (void *)job->core, facts.sid);
    caller_facts_free(&facts);
    return hr;
}

/* ---- IBackgroundCopyJob2 ----------------------------------------------------------------- */

static HRESULT WINAPI BgCopyJob_SetNotifyCmdLine(IBackgroundCopyJob5 *iface, LPCWSTR program, LPCWSTR params)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    char *program8 = NULL, *params8 = NULL;
    HRESULT hr = S_OK;

    TRACE("%p, %s, %s", (void *)job, debugstr_w(program), debugstr_w(params));
    if (job_is_final(job->core))
        return BG_E_INVALID_STATE;
    if (!program && params)
        return E_INVALIDARG; /* project choice (2.3) */
    if (program) {
        hr = strconv_utf8_from_wide(program, BGC_MAX_NOTIFY_PROGRAM, BG_E_STRING_TOO_LONG, &program8);
        if (SUCCEEDED(hr) && params)
            hr = strconv_utf8_from_wide(params, BGC_MAX_NOTIFY_PARAMS, BG_E_STRING_TOO_LONG, &params8);
    }
    if (SUCCEEDED(hr))
        hr = hresult_from_bgc(bgc_job_set_notify_cmdline(job->core, program8, params8));
    if (SUCCEEDED(hr))
        identity_capture(job->core, IDENTITY_CMDLINE, program8 && *program8); /* N8 */
    if (SUCCEEDED(hr) && program8)
        bgc_job_notify_kick(job->core); /* N10: runs even if registered after the event */
    free(program8);
    free(params8);
    return hr;
}

static HRESULT WINAPI BgCopyJob_GetNotifyCmdLine(IBackgroundCopyJob5 *iface, LPWSTR *program, LPWSTR *params)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    TRACE("%p, %p, %p", (void *)job, (void *)program, (void *)params);
    if (!program || !params)
        return E_INVALIDARG;
    char *program8 = NULL, *params8 = NULL;
    HRESULT hr;

    *program = NULL;
    *params = NULL;
    hr = hresult_from_bgc(bgc_job_get_notify_cmdline(job->core, &program8, &params8));
    if (SUCCEEDED(hr))
        hr = strconv_cotask_from_utf8(program8, program);
    if (SUCCEEDED(hr))
        hr = strconv_cotask_from_utf8(params8, params);
    if (FAILED(hr)) {
        CoTaskMemFree(*program);
        *program = NULL;
    }
    bgc_free(program8);
    bgc_free(params8);
    return hr; /* never set: both L"" (2.3) */
}

/* The reply methods exist for upload-reply jobs only; on every other type BITS documents
 * E_NOTIMPL, which is therefore the real answer for the download jobs this server creates. */
static BOOL job_is_upload_reply(struct bgc_job *core)
{
    return bgc_job_get_type(core) == BGC_JOB_UPLOAD_REPLY;
}

static HRESULT WINAPI BgCopyJob_GetReplyProgress(IBackgroundCopyJob5 *iface, BG_JOB_REPLY_PROGRESS *progress)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    TRACE("%p, %p", (void *)job, (void *)progress);
    if (!progress)
        return E_INVALIDARG;
    if (!job_is_upload_reply(job->core))
        return E_NOTIMPL;
    FIXME("upload-reply jobs are not implemented");
    return E_NOTIMPL;
}

static HRESULT WINAPI BgCopyJob_GetReplyData(IBackgroundCopyJob5 *iface, byte **buffer, UINT64 *length)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    TRACE("%p, %p, %p", (void *)job, (void *)buffer, (void *)length);
    if (!buffer)
        return E_INVALIDARG;
    *buffer = NULL;
    if (!job_is_upload_reply(job->core))
        return E_NOTIMPL;
    FIXME("upload-reply jobs are not implemented");
    return E_NOTIMPL;
}

static HRESULT WINAPI BgCopyJob_SetReplyFileName(IBackgroundCopyJob5 *iface, LPCWSTR filename)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    TRACE("%p, %s", (void *)job, debugstr_w(filename));
    if (!job_is_upload_reply(job->core))
        return E_NOTIMPL; /* project choice for other job types (bits-behavior 2.3) */
    FIXME("upload-reply jobs are not implemented");
    return E_NOTIMPL;
}

static HRESULT WINAPI BgCopyJob_GetReplyFileName(IBackgroundCopyJob5 *iface, LPWSTR *filename)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    TRACE("%p, %p", (void *)job, (void *)filename);
    if (!filename)
        return E_INVALIDARG;
    *filename = NULL;
    if (!job_is_upload_reply(job->core))
        return E_NOTIMPL;
    FIXME("upload-reply jobs are not implemented");
    return E_NOTIMPL;
}

static HRESULT WINAPI BgCopyJob_SetCredentials(IBackgroundCopyJob5 *iface, BG_AUTH_CREDENTIALS *cred)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    return httpopts_set_credentials(job->core, cred); /* httpopts.c; never traces secrets */
}

static HRESULT WINAPI BgCopyJob_RemoveCredentials(IBackgroundCopyJob5 *iface, BG_AUTH_TARGET target,
                                                  BG_AUTH_SCHEME scheme)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    return httpopts_remove_credentials(job->core, target, scheme); /* httpopts.c */
}

/* ---- IBackgroundCopyJob3 ----------------------------------------------------------------- */

static HRESULT WINAPI BgCopyJob_ReplaceRemotePrefix(IBackgroundCopyJob5 *iface, LPCWSTR old_prefix, LPCWSTR new_prefix)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    char *old_utf8 = NULL, *new_utf8 = NULL;
    size_t replaced = 0;
    HRESULT hr;

    TRACE("%p, %s, %s", (void *)job, debugstr_w(old_prefix), debugstr_w(new_prefix));
    if (bgc_job_get_type(job->core) != BGC_JOB_DOWNLOAD)
        return E_NOTIMPL; /* 2.4: download jobs only */
    if (job_is_final(job->core))
        return BG_E_INVALID_STATE; /* G3 */
    hr = strconv_utf8_from_wide(old_prefix, BGC_MAX_REMOTE_NAME, E_INVALIDARG, &old_utf8);
    if (SUCCEEDED(hr))
        hr = strconv_utf8_from_wide(new_prefix, BGC_MAX_REMOTE_NAME, E_INVALIDARG, &new_utf8);
    if (SUCCEEDED(hr))
        hr = hresult_from_bgc(bgc_job_replace_remote_prefix(job->core, old_utf8, new_utf8, &replaced));
    free(old_utf8);
    free(new_utf8);
    if (hr == S_OK && !replaced)
        hr = S_FALSE; /* 2.4: no file matched */
    return hr;
}

static HRESULT WINAPI BgCopyJob_AddFileWithRanges(IBackgroundCopyJob5 *iface, LPCWSTR remote, LPCWSTR local,
                                                  DWORD count, BG_FILE_RANGE ranges[])
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    struct bgc_file_spec spec;
    struct bgc_range *r;
    HRESULT hr;
    DWORD i;

    TRACE("%p, %s, %s, %lu, %p", (void *)job, debugstr_w(remote), debugstr_w(local), (unsigned long)count,
          (void *)ranges);
    if (bgc_job_get_type(job->core) != BGC_JOB_DOWNLOAD)
        return E_NOTIMPL; /* F9 */
    if (!count || !ranges)
        return E_INVALIDARG;
    hr = convert_file(remote, local, &spec);
    if (FAILED(hr))
        return hr;
    if (!(r = malloc(count * sizeof(*r)))) {
        free((char *)spec.remote);
        free((char *)spec.local);
        return E_OUTOFMEMORY;
    }
    for (i = 0; i < count; i++) {
        TRACE("  range %lu: %llu +%llu", (unsigned long)i, (unsigned long long)ranges[i].InitialOffset,
              (unsigned long long)ranges[i].Length);
        r[i].offset = ranges[i].InitialOffset;
        r[i].length = ranges[i].Length;
    }
    hr = hresult_from_bgc(bgc_job_add_file_with_ranges(job->core, &spec, count, r));
    free(r);
    free((char *)spec.remote);
    free((char *)spec.local);
    return hr;
}

static HRESULT WINAPI BgCopyJob_SetFileACLFlags(IBackgroundCopyJob5 *iface, DWORD flags)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    TRACE("%p, %#lx", (void *)job, (unsigned long)flags);
    if (flags & ~(DWORD)0xf) /* BG_COPY_FILE_ALL; G4 exception: E_INVALIDARG */
        return E_INVALIDARG;
    /* F18: stored and reported; bgcopy copies no ACLs (see jobs/jobprops.c). */
    return hresult_from_bgc(bgc_job_set_file_acl_flags(job->core, flags));
}

static HRESULT WINAPI BgCopyJob_GetFileACLFlags(IBackgroundCopyJob5 *iface, DWORD *flags)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    TRACE("%p, %p", (void *)job, (void *)flags);
    if (!flags)
        return E_INVALIDARG;
    *flags = bgc_job_get_file_acl_flags(job->core);
    return S_OK;
}

/* ---- IBackgroundCopyJob4 ----------------------------------------------------------------- */

static HRESULT WINAPI BgCopyJob_SetPeerCachingFlags(IBackgroundCopyJob5 *iface, DWORD flags)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    TRACE("%p, %#lx", (void *)job, (unsigned long)flags);
    /* Stored only: bgcopy has no peer cache (bits outside 0x7: E_NOTIMPL, G4). */
    return hresult_from_bgc(bgc_job_set_peer_caching_flags(job->core, flags));
}

static HRESULT WINAPI BgCopyJob_GetPeerCachingFlags(IBackgroundCopyJob5 *iface, DWORD *flags)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    TRACE("%p, %p", (void *)job, (void *)flags);
    if (!flags)
        return E_INVALIDARG;
    *flags = bgc_job_get_peer_caching_flags(job->core);
    return S_OK;
}

static HRESULT WINAPI BgCopyJob_GetOwnerIntegrityLevel(IBackgroundCopyJob5 *iface, ULONG *level)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    TRACE("%p, %p", (void *)job, (void *)level);
    if (!level)
        return E_INVALIDARG;
    *level = bgc_job_get_owner_integrity(job->core);
    return S_OK;
}

static HRESULT WINAPI BgCopyJob_GetOwnerElevationState(IBackgroundCopyJob5 *iface, BOOL *elevated)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    TRACE("%p, %p", (void *)job, (void *)elevated);
    if (!elevated)
        return E_INVALIDARG;
    *elevated = bgc_job_get_owner_elevated(job->core) ? TRUE : FALSE;
    return S_OK;
}

static HRESULT WINAPI BgCopyJob_SetMaximumDownloadTime(IBackgroundCopyJob5 *iface, ULONG timeout)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    TRACE("%p, %lu", (void *)job, (unsigned long)timeout);
    return hresult_from_bgc(bgc_job_set_max_download_time(job->core, timeout)); /* L17 */
}

static HRESULT WINAPI BgCopyJob_GetMaximumDownloadTime(IBackgroundCopyJob5 *iface, ULONG *timeout)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    TRACE("%p, %p", (void *)job, (void *)timeout);
    if (!timeout)
        return E_INVALIDARG;
    *timeout = bgc_job_get_max_download_time(job->core);
    return S_OK;
}

/* ---- IBackgroundCopyJob5 ----------------------------------------------------------------- */

static HRESULT WINAPI BgCopyJob_SetProperty(IBackgroundCopyJob5 *iface, BITS_JOB_PROPERTY_ID id,
                                            BITS_JOB_PROPERTY_VALUE value)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    TRACE("%p, %d", (void *)job, (int)id);
    return job_props_set(job->core, id, &value); /* job_props.c: one row per property */
}

static HRESULT WINAPI BgCopyJob_GetProperty(IBackgroundCopyJob5 *iface, BITS_JOB_PROPERTY_ID id,
                                            BITS_JOB_PROPERTY_VALUE *value)
{
    BgCopyJob *job = impl_from_IBackgroundCopyJob5(iface);

    TRACE("%p, %d, %p", (void *)job, (int)id, (void *)value);
    if (!value)
        return E_INVALIDARG;
    return job_props_get(job->core, id, value); /* job_props.c */
}

static const IBackgroundCopyJob5Vtbl BgCopyJob_vtbl = {
    BgCopyJob_QueryInterface,
    BgCopyJob_AddRef,
    BgCopyJob_Release,
    BgCopyJob_AddFileSet,
    BgCopyJob_AddFile,
    BgCopyJob_EnumFiles,
    BgCopyJob_Suspend,
    BgCopyJob_Resume,
    BgCopyJob_Cancel,
    BgCopyJob_Complete,
    BgCopyJob_GetId,
    BgCopyJob_GetType,
    BgCopyJob_GetProgress,
    BgCopyJob_GetTimes,
    BgCopyJob_GetState,
    BgCopyJob_GetError,
    BgCopyJob_GetOwner,
    BgCopyJob_SetDisplayName,
    BgCopyJob_GetDisplayName,
    BgCopyJob_SetDescription,
    BgCopyJob_GetDescription,
    BgCopyJob_SetPriority,
    BgCopyJob_GetPriority,
    BgCopyJob_SetNotifyFlags,
    BgCopyJob_GetNotifyFlags,
    BgCopyJob_SetNotifyInterface,
    BgCopyJob_GetNotifyInterface,
    BgCopyJob_SetMinimumRetryDelay,
    BgCopyJob_GetMinimumRetryDelay,
    BgCopyJob_SetNoProgressTimeout,
    BgCopyJob_GetNoProgressTimeout,
    BgCopyJob_GetErrorCount,
    BgCopyJob_SetProxySettings,
    BgCopyJob_GetProxySettings,
    BgCopyJob_TakeOwnership,
    BgCopyJob_SetNotifyCmdLine,
    BgCopyJob_GetNotifyCmdLine,
    BgCopyJob_GetReplyProgress,
    BgCopyJob_GetReplyData,
    BgCopyJob_SetReplyFileName,
    BgCopyJob_GetReplyFileName,
    BgCopyJob_SetCredentials,
    BgCopyJob_RemoveCredentials,
    BgCopyJob_ReplaceRemotePrefix,
    BgCopyJob_AddFileWithRanges,
    BgCopyJob_SetFileACLFlags,
    BgCopyJob_GetFileACLFlags,
    BgCopyJob_SetPeerCachingFlags,
    BgCopyJob_GetPeerCachingFlags,
    BgCopyJob_GetOwnerIntegrityLevel,
    BgCopyJob_GetOwnerElevationState,
    BgCopyJob_SetMaximumDownloadTime,
    BgCopyJob_GetMaximumDownloadTime,
    BgCopyJob_SetProperty,
    BgCopyJob_GetProperty,
};

/* ---- IBackgroundCopyJobHttpOptions..3: implemented in httpopts.c (httpopts area) ------------- */

struct bgc_job *BgCopyJob_core_from_httpopts(IBackgroundCopyJobHttpOptions3 *iface)
{
    return impl_from_IBackgroundCopyJobHttpOptions3(iface)->core;
}

IBackgroundCopyJob5 *BgCopyJob_from_httpopts(IBackgroundCopyJobHttpOptions3 *iface)
{
    return &impl_from_IBackgroundCopyJobHttpOptions3(iface)->IBackgroundCopyJob5_iface;
}

/* ---- IBitsTokenOptions ----------------------------------------------------------------------- */

static HRESULT WINAPI TokenOptions_QueryInterface(IBitsTokenOptions *iface, REFIID riid, void **ppv)
{
    BgCopyJob *job = impl_from_IBitsTokenOptions(iface);
    return IBackgroundCopyJob5_QueryInterface(&job->IBackgroundCopyJob5_iface, riid, ppv);
}

static ULONG WINAPI TokenOptions_AddRef(IBitsTokenOptions *iface)
{
    BgCopyJob *job = impl_from_IBitsTokenOptions(iface);
    return IBackgroundCopyJob5_AddRef(&job->IBackgroundCopyJob5_iface);
}

static ULONG WINAPI TokenOptions_Release(IBitsTokenOptions *iface)
{
    BgCopyJob *job = impl_from_IBitsTokenOptions(iface);
    return IBackgroundCopyJob5_Release(&job->IBackgroundCopyJob5_iface);
}

static HRESULT WINAPI TokenOptions_SetHelperTokenFlags(IBitsTokenOptions *iface, DWORD flags)
{
    BgCopyJob *job = impl_from_IBitsTokenOptions(iface);

    TRACE("%p, %#lx", (void *)job, (unsigned long)flags);
    FIXME("helper tokens are not implemented");
    return E_NOTIMPL;
}

static HRESULT WINAPI TokenOptions_GetHelperTokenFlags(IBitsTokenOptions *iface, DWORD *flags)
{
    BgCopyJob *job = impl_from_IBitsTokenOptions(iface);

    TRACE("%p, %p", (void *)job, (void *)flags);
    if (!flags)
        return E_INVALIDARG;
    FIXME("helper tokens are not implemented");
    return E_NOTIMPL;
}

static HRESULT WINAPI TokenOptions_SetHelperToken(IBitsTokenOptions *iface)
{
    BgCopyJob *job = impl_from_IBitsTokenOptions(iface);

    TRACE("%p", (void *)job);
    FIXME("helper tokens are not implemented");
    return E_NOTIMPL;
}

static HRESULT WINAPI TokenOptions_ClearHelperToken(IBitsTokenOptions *iface)
{
    BgCopyJob *job = impl_from_IBitsTokenOptions(iface);

    TRACE("%p", (void *)job);
    FIXME("helper tokens are not implemented");
    return E_NOTIMPL;
}

static HRESULT WINAPI TokenOptions_GetHelperTokenSid(IBitsTokenOptions *iface, LPWSTR *sid)
{
    BgCopyJob *job = impl_from_IBitsTokenOptions(iface);

    TRACE("%p, %p", (void *)job, (void *)sid);
    if (!sid)
        return E_INVALIDARG;
    *sid = NULL;
    FIXME("helper tokens are not implemented");
    return E_NOTIMPL;
}

static const IBitsTokenOptionsVtbl TokenOptions_vtbl = {
    TokenOptions_QueryInterface,
    TokenOptions_AddRef,
    TokenOptions_Release,
    TokenOptions_SetHelperTokenFlags,
    TokenOptions_GetHelperTokenFlags,
    TokenOptions_SetHelperToken,
    TokenOptions_ClearHelperToken,
    TokenOptions_GetHelperTokenSid,
};

/* A new reference on job unless its count already reached zero (its final Release is
 * running). identity_lock held. */
static BOOL addref_if_alive(BgCopyJob *job)
{
    LONG ref = job->ref;

    while (ref > 0) {
        LONG seen = InterlockedCompareExchange(&job->ref, ref + 1, ref);
        if (seen == ref)
            return TRUE;
        ref = seen;
    }
    return FALSE;
}

HRESULT BgCopyJob_create(struct bgc_job *core, IBackgroundCopyJob **out)
{
    BgCopyJob *job, *it;
    unsigned bucket = identity_bucket(core);

    *out = NULL;
    AcquireSRWLockExclusive(&identity_lock);
    for (it = identity_table[bucket]; it; it = it->identity_next) {
        if (it->core == core && addref_if_alive(it)) { /* invariant 1a */
            ReleaseSRWLockExclusive(&identity_lock);
            TRACE("job object %p for core %p", (void *)it, (void *)core);
            *out = (IBackgroundCopyJob *)&it->IBackgroundCopyJob5_iface;
            return S_OK;
        }
    }
    if (!(job = calloc(1, sizeof(*job)))) {
        ReleaseSRWLockExclusive(&identity_lock);
        return E_OUTOFMEMORY;
    }
    job->IBackgroundCopyJob5_iface.lpVtbl = (IBackgroundCopyJob5Vtbl *)&BgCopyJob_vtbl;
    job->IBackgroundCopyJobHttpOptions3_iface.lpVtbl = (IBackgroundCopyJobHttpOptions3Vtbl *)&BgCopyJob_HttpOptions_vtbl;
    job->IBitsTokenOptions_iface.lpVtbl = (IBitsTokenOptionsVtbl *)&TokenOptions_vtbl;
    job->ref = 1;
    job->core = bgc_job_ref(core);
    job->identity_next = identity_table[bucket]; /* a dying object of core may follow: unlinked by its Release */
    identity_table[bucket] = job;
    ReleaseSRWLockExclusive(&identity_lock);
    server_lock();
    TRACE("created job object %p for core %p", (void *)job, (void *)core);
    *out = (IBackgroundCopyJob *)&job->IBackgroundCopyJob5_iface;
    return S_OK;
}
