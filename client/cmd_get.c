/*
 * cmd_get.c - the single-property queries: /getbytestotal ... /gettype, /getproxy*,
 * /gettemporaryname, /getvalidationstate. Each prints the bare value (bitsadmin's shape:
 * `/getstate` prints `TRANSFERRING`), /rawreturn the value without a newline, /json
 * {"id":"{GUID}","<key>":<value>}.
 *
 * Invariants:
 *  1. A getter only reads; it produces the value twice, as text and as JSON, and
 *     bgcli_print_result picks the form (output.c invariant 4).
 *  2. Sizes print as the server's number; BG_SIZE_UNKNOWN prints as 18446744073709551615 in
 *     text (what bitsadmin prints) and as null in JSON.
 *  3. A failing COM call prints nothing on stdout; its HRESULT goes to stderr (bgcli_fail_hr).
 */
#include "bgcli.h"

#include <sddl.h>
#include <stdlib.h>
#include <wchar.h>

/* What a getter hands back: both forms of the value (malloc'ed). */
struct value {
    WCHAR *text; /* plain form */
    WCHAR *json; /* JSON form */
};

typedef HRESULT (*getter_fn)(IBackgroundCopyJob *job, struct value *v);

static HRESULT set_num(struct value *v, UINT64 n, BOOL unknown_is_null)
{
    WCHAR buf[24];
    swprintf(buf, 24, L"%llu", (unsigned long long)n);
    v->text = bgcli_strdup(buf);
    v->json = bgcli_strdup(unknown_is_null && n == BG_SIZE_UNKNOWN ? L"null" : buf);
    return v->text && v->json ? S_OK : E_OUTOFMEMORY;
}

/* s may be NULL: empty text, JSON null. */
static HRESULT set_str(struct value *v, const WCHAR *s)
{
    v->text = bgcli_strdup(s ? s : L"");
    v->json = bgcli_json_quote(s);
    return v->text && v->json ? S_OK : E_OUTOFMEMORY;
}

/* Takes a CoTaskMem string from a getter (call the getter first: argument order is unspecified). */
static HRESULT set_cotask(struct value *v, HRESULT hr, WCHAR *s)
{
    if (SUCCEEDED(hr))
        hr = set_str(v, s);
    CoTaskMemFree(s);
    return hr;
}

/* Runs a getter on the job named by args->pos[0] and prints the value. */
static int run_getter(IBackgroundCopyManager *mgr, const struct bgcli_args *args, const WCHAR *key,
                      const WCHAR *what, getter_fn fn)
{
    IBackgroundCopyJob *job = NULL;
    struct value v = { NULL, NULL };
    GUID id;
    HRESULT hr;
    int rc = bgcli_open_job(mgr, args->pos[0], &job);

    if (rc != BGCLI_EXIT_OK)
        return rc;
    hr = IBackgroundCopyJob_GetId(job, &id);
    if (SUCCEEDED(hr))
        hr = fn(job, &v);
    IBackgroundCopyJob_Release(job);
    if (SUCCEEDED(hr))
        bgcli_print_result(args, &id, key, v.text, v.json);
    else
        rc = bgcli_fail_hr(mgr, what, hr);
    free(v.text);
    free(v.json);
    return rc;
}

#define GETTER(sw, key, what)                                                            \
    int bgcli_cmd_##sw(IBackgroundCopyManager *mgr, const struct bgcli_args *args)      \
    {                                                                                    \
        return run_getter(mgr, args, key, what, get_##sw);                               \
    }

/* ---- progress ---------------------------------------------------------------------------- */

static HRESULT get_getbytestotal(IBackgroundCopyJob *job, struct value *v)
{
    BG_JOB_PROGRESS p;
    HRESULT hr = IBackgroundCopyJob_GetProgress(job, &p);
    return SUCCEEDED(hr) ? set_num(v, p.BytesTotal, TRUE) : hr;
}
GETTER(getbytestotal, L"bytesTotal", L"Unable to get the total number of bytes")

static HRESULT get_getbytestransferred(IBackgroundCopyJob *job, struct value *v)
{
    BG_JOB_PROGRESS p;
    HRESULT hr = IBackgroundCopyJob_GetProgress(job, &p);
    return SUCCEEDED(hr) ? set_num(v, p.BytesTransferred, FALSE) : hr;
}
GETTER(getbytestransferred, L"bytesTransferred", L"Unable to get the number of bytes transferred")

static HRESULT get_getfilestotal(IBackgroundCopyJob *job, struct value *v)
{
    BG_JOB_PROGRESS p;
    HRESULT hr = IBackgroundCopyJob_GetProgress(job, &p);
    return SUCCEEDED(hr) ? set_num(v, p.FilesTotal, FALSE) : hr;
}
GETTER(getfilestotal, L"filesTotal", L"Unable to get the number of files")

static HRESULT get_getfilestransferred(IBackgroundCopyJob *job, struct value *v)
{
    BG_JOB_PROGRESS p;
    HRESULT hr = IBackgroundCopyJob_GetProgress(job, &p);
    return SUCCEEDED(hr) ? set_num(v, p.FilesTransferred, FALSE) : hr;
}
GETTER(getfilestransferred, L"filesTransferred", L"Unable to get the number of files transferred")

/* ---- times ------------------------------------------------------------------------------- */

static HRESULT set_time(struct value *v, const FILETIME *ft)
{
    WCHAR text[64], iso[64];
    const WCHAR *j = bgcli_time_iso(ft, iso, 64);
    v->text = bgcli_strdup(bgcli_time_str(ft, text, 64));
    v->json = bgcli_json_quote(j);
    return v->text && v->json ? S_OK : E_OUTOFMEMORY;
}

static HRESULT get_getcreationtime(IBackgroundCopyJob *job, struct value *v)
{
    BG_JOB_TIMES t;
    HRESULT hr = IBackgroundCopyJob_GetTimes(job, &t);
    return SUCCEEDED(hr) ? set_time(v, &t.CreationTime) : hr;
}
GETTER(getcreationtime, L"creationTime", L"Unable to get the creation time")

static HRESULT get_getmodificationtime(IBackgroundCopyJob *job, struct value *v)
{
    BG_JOB_TIMES t;
    HRESULT hr = IBackgroundCopyJob_GetTimes(job, &t);
    return SUCCEEDED(hr) ? set_time(v, &t.ModificationTime) : hr;
}
GETTER(getmodificationtime, L"modificationTime", L"Unable to get the modification time")

static HRESULT get_getcompletiontime(IBackgroundCopyJob *job, struct value *v)
{
    BG_JOB_TIMES t;
    HRESULT hr = IBackgroundCopyJob_GetTimes(job, &t);
    return SUCCEEDED(hr) ? set_time(v, &t.TransferCompletionTime) : hr;
}
GETTER(getcompletiontime, L"completionTime", L"Unable to get the completion time")

/* ---- strings ----------------------------------------------------------------------------- */

static HRESULT get_getdisplayname(IBackgroundCopyJob *job, struct value *v)
{
    WCHAR *s = NULL;
    HRESULT hr = IBackgroundCopyJob_GetDisplayName(job, &s);
    return set_cotask(v, hr, s);
}
GETTER(getdisplayname, L"displayName", L"Unable to get the display name")

static HRESULT get_getdescription(IBackgroundCopyJob *job, struct value *v)
{
    WCHAR *s = NULL;
    HRESULT hr = IBackgroundCopyJob_GetDescription(job, &s);
    return set_cotask(v, hr, s);
}
GETTER(getdescription, L"description", L"Unable to get the description")

/* The owner as DOMAIN\user when the SID the server returns has a name here, else the SID. */
static HRESULT get_getowner(IBackgroundCopyJob *job, struct value *v)
{
    WCHAR *s = NULL, name[256], domain[256], both[520];
    DWORD cname = 256, cdomain = 256;
    SID_NAME_USE use;
    PSID sid = NULL;
    HRESULT hr = IBackgroundCopyJob_GetOwner(job, &s);

    if (FAILED(hr))
        return hr;
    if (s && ConvertStringSidToSidW(s, &sid) && LookupAccountSidW(NULL, sid, name, &cname, domain, &cdomain, &use)) {
        swprintf(both, 520, domain[0] ? L"%ls\\%ls" : L"%ls%ls", domain, name);
        hr = set_str(v, both);
    } else {
        hr = set_str(v, s);
    }
    if (sid)
        LocalFree(sid);
    CoTaskMemFree(s);
    return hr;
}
GETTER(getowner, L"owner", L"Unable to get the owner")

/* ---- numbers and names ------------------------------------------------------------------- */

static HRESULT get_geterrorcount(IBackgroundCopyJob *job, struct value *v)
{
    ULONG n;
    HRESULT hr = IBackgroundCopyJob_GetErrorCount(job, &n);
    return SUCCEEDED(hr) ? set_num(v, n, FALSE) : hr;
}
GETTER(geterrorcount, L"errorCount", L"Unable to get the error count")

static HRESULT get_getminretrydelay(IBackgroundCopyJob *job, struct value *v)
{
    ULONG n;
    HRESULT hr = IBackgroundCopyJob_GetMinimumRetryDelay(job, &n);
    return SUCCEEDED(hr) ? set_num(v, n, FALSE) : hr;
}
GETTER(getminretrydelay, L"minRetryDelay", L"Unable to get the minimum retry delay")

static HRESULT get_getnoprogresstimeout(IBackgroundCopyJob *job, struct value *v)
{
    ULONG n;
    HRESULT hr = IBackgroundCopyJob_GetNoProgressTimeout(job, &n);
    return SUCCEEDED(hr) ? set_num(v, n, FALSE) : hr;
}
GETTER(getnoprogresstimeout, L"noProgressTimeout", L"Unable to get the no-progress timeout")

static HRESULT get_getmaxdownloadtime(IBackgroundCopyJob *job, struct value *v)
{
    IBackgroundCopyJob4 *job4 = NULL;
    ULONG n;
    HRESULT hr = IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJob4, (void **)&job4);
    if (FAILED(hr))
        return hr;
    hr = IBackgroundCopyJob4_GetMaximumDownloadTime(job4, &n);
    IBackgroundCopyJob4_Release(job4);
    return SUCCEEDED(hr) ? set_num(v, n, FALSE) : hr;
}
GETTER(getmaxdownloadtime, L"maxDownloadTime", L"Unable to get the maximum download time")

static HRESULT get_getpriority(IBackgroundCopyJob *job, struct value *v)
{
    BG_JOB_PRIORITY p;
    HRESULT hr = IBackgroundCopyJob_GetPriority(job, &p);
    return SUCCEEDED(hr) ? set_str(v, bgcli_priority_name(p)) : hr;
}
GETTER(getpriority, L"priority", L"Unable to get the priority")

static HRESULT get_getstate(IBackgroundCopyJob *job, struct value *v)
{
    BG_JOB_STATE s;
    HRESULT hr = IBackgroundCopyJob_GetState(job, &s);
    return SUCCEEDED(hr) ? set_str(v, bgcli_state_name(s)) : hr;
}
GETTER(getstate, L"state", L"Unable to get the state")

static HRESULT get_gettype(IBackgroundCopyJob *job, struct value *v)
{
    BG_JOB_TYPE t;
    HRESULT hr = IBackgroundCopyJob_GetType(job, &t);
    return SUCCEEDED(hr) ? set_str(v, bgcli_type_name(t)) : hr;
}
GETTER(gettype, L"type", L"Unable to get the job type")

/* ---- proxy ------------------------------------------------------------------------------- */

/* which: 0 usage, 1 list, 2 bypass list. */
static HRESULT proxy_part(IBackgroundCopyJob *job, struct value *v, int which)
{
    BG_JOB_PROXY_USAGE usage;
    WCHAR *list = NULL, *bypass = NULL;
    HRESULT hr = IBackgroundCopyJob_GetProxySettings(job, &usage, &list, &bypass);
    if (SUCCEEDED(hr)) {
        if (which == 0)
            hr = set_str(v, bgcli_proxy_usage_name(usage));
        else
            hr = set_str(v, which == 1 ? list : bypass);
    }
    CoTaskMemFree(list);
    CoTaskMemFree(bypass);
    return hr;
}

static HRESULT get_getproxyusage(IBackgroundCopyJob *job, struct value *v)
{
    return proxy_part(job, v, 0);
}
GETTER(getproxyusage, L"proxyUsage", L"Unable to get the proxy settings")

static HRESULT get_getproxylist(IBackgroundCopyJob *job, struct value *v)
{
    return proxy_part(job, v, 1);
}
GETTER(getproxylist, L"proxyList", L"Unable to get the proxy settings")

static HRESULT get_getproxybypasslist(IBackgroundCopyJob *job, struct value *v)
{
    return proxy_part(job, v, 2);
}
GETTER(getproxybypasslist, L"proxyBypassList", L"Unable to get the proxy settings")

/* ---- per file: JOB FILE_INDEX ------------------------------------------------------------ */

/* Opens file args->pos[1] of the job as IBackgroundCopyFile3 and prints one of its values. */
static int file_query(IBackgroundCopyManager *mgr, const struct bgcli_args *args, BOOL temporary_name)
{
    IBackgroundCopyJob *job = NULL;
    IBackgroundCopyFile3 *file = NULL;
    struct value v = { NULL, NULL };
    GUID id;
    HRESULT hr;
    int rc = bgcli_open_job(mgr, args->pos[0], &job);

    if (rc != BGCLI_EXIT_OK)
        return rc;
    hr = IBackgroundCopyJob_GetId(job, &id);
    if (FAILED(hr)) {
        IBackgroundCopyJob_Release(job);
        return bgcli_fail_hr(mgr, L"Unable to read the job's id", hr);
    }
    rc = bgcli_open_file_iface(mgr, job, args->pos[1], &IID_IBackgroundCopyFile3, (void **)&file);
    IBackgroundCopyJob_Release(job);
    if (rc != BGCLI_EXIT_OK)
        return rc;
    if (temporary_name) {
        WCHAR *s = NULL;
        hr = IBackgroundCopyFile3_GetTemporaryName(file, &s);
        hr = set_cotask(&v, hr, s);
    } else {
        BOOL state = FALSE;
        hr = IBackgroundCopyFile3_GetValidationState(file, &state);
        if (SUCCEEDED(hr)) {
            v.text = bgcli_strdup(state ? L"TRUE" : L"FALSE");
            v.json = bgcli_strdup(state ? L"true" : L"false");
            hr = v.text && v.json ? S_OK : E_OUTOFMEMORY;
        }
    }
    IBackgroundCopyFile3_Release(file);
    if (SUCCEEDED(hr))
        bgcli_print_result(args, &id, temporary_name ? L"temporaryName" : L"validationState", v.text, v.json);
    else
        rc = bgcli_fail_hr(mgr, temporary_name ? L"Unable to get the temporary name"
                                               : L"Unable to get the validation state", hr);
    free(v.text);
    free(v.json);
    return rc;
}

int bgcli_cmd_gettemporaryname(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    return file_query(mgr, args, TRUE);
}

int bgcli_cmd_getvalidationstate(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    return file_query(mgr, args, FALSE);
}
