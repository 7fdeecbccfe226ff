/*
 * cmd_info.c - /info JOB [/verbose], /list [/allusers] [/verbose] and /geterror JOB.
 *
 * One job per line, as bitsadmin prints it:
 *   {GUID} 'name' STATE files_transferred / files_total bytes_transferred / bytes_total
 * and with /verbose a block of properties and the job's files. With /json: /info prints one
 * job object, /list {"jobs":[...],"count":N}; bytesTotal is null while unknown.
 *
 * Invariants:
 *  1. The four properties of the one-line form (id, display name, state, progress) must be
 *     readable; if one fails the command fails with its HRESULT.
 *  2. In the verbose block a getter that fails (e.g. a method the server does not implement)
 *     prints "(error 0x...)" in place of the value (JSON: null) and does not fail the command.
 *  3. Nothing here changes a job.
 */
#include "bgcli.h"

#include <stdlib.h>
#include <wchar.h>

/* "UNKNOWN" for BG_SIZE_UNKNOWN, else the number. */
static const WCHAR *size_str(UINT64 n, WCHAR *buf, size_t cch)
{
    if (n == BG_SIZE_UNKNOWN)
        return L"UNKNOWN";
    swprintf(buf, cch, L"%llu", (unsigned long long)n);
    return buf;
}

static const WCHAR *hr_str(HRESULT hr, WCHAR *buf, size_t cch)
{
    swprintf(buf, cch, L"(error 0x%08lX)", (unsigned long)hr);
    return buf;
}

/* The value a getter returned, or "(error 0x...)" when it failed. */
static const WCHAR *ulong_str(HRESULT hr, ULONG value, WCHAR *buf, size_t cch)
{
    if (FAILED(hr))
        return hr_str(hr, buf, cch);
    swprintf(buf, cch, L"%lu", (unsigned long)value);
    return buf;
}

static void json_size(struct bgcli_json *j, const WCHAR *key, UINT64 n)
{
    if (n == BG_SIZE_UNKNOWN)
        bgcli_json_null(j, key);
    else
        bgcli_json_num(j, key, n);
}

/* The basic properties of a job, read once. */
struct job_line {
    GUID id;                  /* GetId */
    WCHAR *name;              /* GetDisplayName (CoTaskMem) */
    BG_JOB_STATE state;       /* GetState */
    BG_JOB_PROGRESS progress; /* GetProgress */
};

static HRESULT read_job_line(IBackgroundCopyJob *job, struct job_line *l)
{
    HRESULT hr;
    memset(l, 0, sizeof(*l));
    hr = IBackgroundCopyJob_GetId(job, &l->id);
    if (SUCCEEDED(hr))
        hr = IBackgroundCopyJob_GetDisplayName(job, &l->name);
    if (SUCCEEDED(hr))
        hr = IBackgroundCopyJob_GetState(job, &l->state);
    if (SUCCEEDED(hr))
        hr = IBackgroundCopyJob_GetProgress(job, &l->progress);
    return hr;
}

/* The one-line form. Returns S_OK or the HRESULT of the getter that failed (reported). */
static HRESULT print_job_line(IBackgroundCopyManager *mgr, IBackgroundCopyJob *job)
{
    struct job_line l;
    WCHAR guid[39], done[24], total[24];
    HRESULT hr = read_job_line(job, &l);

    if (FAILED(hr)) {
        CoTaskMemFree(l.name);
        bgcli_report_hr(mgr, L"Unable to read job properties", hr);
        return hr;
    }
    bgcli_printf(L"%ls '%ls' %ls %lu / %lu %ls / %ls\n", bgcli_guid_str(&l.id, guid), l.name ? l.name : L"",
                 bgcli_state_name(l.state), (unsigned long)l.progress.FilesTransferred,
                 (unsigned long)l.progress.FilesTotal, size_str(l.progress.BytesTransferred, done, 24),
                 size_str(l.progress.BytesTotal, total, 24));
    CoTaskMemFree(l.name);
    return S_OK;
}

/* ---- verbose text ------------------------------------------------------------------------ */

static void print_files(IBackgroundCopyJob *job)
{
    IEnumBackgroundCopyFiles *files = NULL;
    IBackgroundCopyFile *file = NULL;
    ULONG fetched = 0;
    WCHAR err[32];
    HRESULT hr = IBackgroundCopyJob_EnumFiles(job, &files);

    if (FAILED(hr)) {
        bgcli_printf(L"JOB FILES: %ls\n", hr_str(hr, err, 32));
        return;
    }
    bgcli_printf(L"JOB FILES:\n");
    while (IEnumBackgroundCopyFiles_Next(files, 1, &file, &fetched) == S_OK && fetched == 1) {
        WCHAR *remote = NULL, *local = NULL, done[24], total[24];
        BG_FILE_PROGRESS fp;
        if (FAILED(IBackgroundCopyFile_GetRemoteName(file, &remote)))
            remote = NULL;
        if (FAILED(IBackgroundCopyFile_GetLocalName(file, &local)))
            local = NULL;
        if (SUCCEEDED(IBackgroundCopyFile_GetProgress(file, &fp)))
            bgcli_printf(L"\t%ls / %ls %ls %ls -> %ls\n", size_str(fp.BytesTransferred, done, 24),
                         size_str(fp.BytesTotal, total, 24), fp.Completed ? L"COMPLETED" : L"WORKING",
                         remote ? remote : L"?", local ? local : L"?");
        else
            bgcli_printf(L"\t? / ? ? %ls -> %ls\n", remote ? remote : L"?", local ? local : L"?");
        CoTaskMemFree(remote);
        CoTaskMemFree(local);
        IBackgroundCopyFile_Release(file);
        file = NULL;
    }
    IEnumBackgroundCopyFiles_Release(files);
}

/* The job's error: S_OK with *out set, BG_E_ERROR_INFORMATION_UNAVAILABLE, or a failure. */
struct job_error {
    BG_ERROR_CONTEXT context; /* GetError */
    HRESULT code;             /* GetError */
    WCHAR *description;       /* GetErrorDescription (CoTaskMem, may be NULL) */
    WCHAR *context_text;      /* GetErrorContextDescription (CoTaskMem, may be NULL) */
    WCHAR *remote;            /* the file's remote name (CoTaskMem, may be NULL) */
    WCHAR *local;             /* the file's local name (CoTaskMem, may be NULL) */
};

static HRESULT read_error(IBackgroundCopyJob *job, struct job_error *e)
{
    IBackgroundCopyError *error = NULL;
    IBackgroundCopyFile *file = NULL;
    HRESULT hr = IBackgroundCopyJob_GetError(job, &error);

    memset(e, 0, sizeof(*e));
    if (FAILED(hr))
        return hr;
    if (!error)
        return E_POINTER;
    hr = IBackgroundCopyError_GetError(error, &e->context, &e->code);
    if (SUCCEEDED(hr)) {
        if (FAILED(IBackgroundCopyError_GetErrorDescription(error, bgcli_langid(), &e->description)))
            e->description = NULL;
        if (FAILED(IBackgroundCopyError_GetErrorContextDescription(error, bgcli_langid(), &e->context_text)))
            e->context_text = NULL;
        if (SUCCEEDED(IBackgroundCopyError_GetFile(error, &file)) && file) {
            if (FAILED(IBackgroundCopyFile_GetRemoteName(file, &e->remote)))
                e->remote = NULL;
            if (FAILED(IBackgroundCopyFile_GetLocalName(file, &e->local)))
                e->local = NULL;
            IBackgroundCopyFile_Release(file);
        }
    }
    IBackgroundCopyError_Release(error);
    return hr;
}

static void clear_error(struct job_error *e)
{
    CoTaskMemFree(e->description);
    CoTaskMemFree(e->context_text);
    CoTaskMemFree(e->remote);
    CoTaskMemFree(e->local);
    memset(e, 0, sizeof(*e));
}

/* Trailing CR/LF of the server's texts would break the one-line fields. */
static const WCHAR *one_line(WCHAR *s)
{
    size_t n;
    if (!s)
        return L"";
    n = wcslen(s);
    while (n > 0 && (s[n - 1] == L'\r' || s[n - 1] == L'\n'))
        s[--n] = 0;
    return s;
}

static void print_error(IBackgroundCopyJob *job)
{
    struct job_error e;
    WCHAR err[32];
    HRESULT hr = read_error(job, &e);

    if (hr == (HRESULT)BG_E_ERROR_INFORMATION_UNAVAILABLE)
        bgcli_printf(L"ERROR: none\n");
    else if (FAILED(hr))
        bgcli_printf(L"ERROR: %ls\n", hr_str(hr, err, 32));
    else
        bgcli_printf(L"ERROR: context %ls, code 0x%08lX %ls\n", bgcli_context_name(e.context),
                     (unsigned long)e.code, one_line(e.description));
    clear_error(&e);
}

/* The verbose block (after the one-line form). */
static void print_job_verbose(IBackgroundCopyJob *job)
{
    BG_JOB_TYPE type;
    BG_JOB_PRIORITY prio;
    BG_JOB_TIMES times;
    ULONG flags, count, delay, timeout;
    WCHAR *owner = NULL, *desc = NULL, buf[3][128];
    HRESULT hr;

    hr = IBackgroundCopyJob_GetType(job, &type);
    bgcli_printf(L"TYPE: %ls", SUCCEEDED(hr) ? bgcli_type_name(type) : hr_str(hr, buf[0], 128));
    hr = IBackgroundCopyJob_GetPriority(job, &prio);
    bgcli_printf(L" PRIORITY: %ls", SUCCEEDED(hr) ? bgcli_priority_name(prio) : hr_str(hr, buf[0], 128));
    hr = IBackgroundCopyJob_GetOwner(job, &owner);
    bgcli_printf(L" OWNER: %ls\n", SUCCEEDED(hr) && owner ? owner : hr_str(hr, buf[0], 128));
    CoTaskMemFree(owner);

    hr = IBackgroundCopyJob_GetTimes(job, &times);
    if (SUCCEEDED(hr))
        bgcli_printf(L"CREATION TIME: %ls MODIFICATION TIME: %ls COMPLETION TIME: %ls\n",
                     bgcli_time_str(&times.CreationTime, buf[0], 128),
                     bgcli_time_str(&times.ModificationTime, buf[1], 128),
                     bgcli_time_str(&times.TransferCompletionTime, buf[2], 128));
    else
        bgcli_printf(L"TIMES: %ls\n", hr_str(hr, buf[0], 128));

    hr = IBackgroundCopyJob_GetNotifyFlags(job, &flags);
    if (SUCCEEDED(hr))
        bgcli_printf(L"NOTIFICATION FLAGS: %lu (%ls)\n", (unsigned long)flags,
                     bgcli_notify_flags_str(flags, buf[0], 128));
    else
        bgcli_printf(L"NOTIFICATION FLAGS: %ls\n", hr_str(hr, buf[0], 128));

    hr = IBackgroundCopyJob_GetMinimumRetryDelay(job, &delay);
    bgcli_printf(L"RETRY DELAY: %ls", ulong_str(hr, delay, buf[0], 128));
    hr = IBackgroundCopyJob_GetNoProgressTimeout(job, &timeout);
    bgcli_printf(L" NO PROGRESS TIMEOUT: %ls", ulong_str(hr, timeout, buf[0], 128));
    hr = IBackgroundCopyJob_GetErrorCount(job, &count);
    bgcli_printf(L" ERROR COUNT: %ls\n", ulong_str(hr, count, buf[0], 128));

    hr = IBackgroundCopyJob_GetDescription(job, &desc);
    bgcli_printf(L"DESCRIPTION: %ls\n", SUCCEEDED(hr) ? (desc ? desc : L"") : hr_str(hr, buf[0], 128));
    CoTaskMemFree(desc);

    print_error(job);
    print_files(job);
}

/* ---- JSON -------------------------------------------------------------------------------- */

static void json_error(struct bgcli_json *j, const WCHAR *key, IBackgroundCopyJob *job)
{
    struct job_error e;
    WCHAR code[16];
    HRESULT hr = read_error(job, &e);

    if (FAILED(hr)) {
        bgcli_json_null(j, key);
    } else {
        bgcli_json_open(j, key, L'{');
        swprintf(code, 16, L"0x%08lX", (unsigned long)e.code);
        bgcli_json_str(j, L"code", code);
        bgcli_json_str(j, L"context", bgcli_context_name(e.context));
        bgcli_json_str(j, L"description", e.description ? one_line(e.description) : NULL);
        bgcli_json_str(j, L"contextDescription", e.context_text ? one_line(e.context_text) : NULL);
        bgcli_json_str(j, L"remoteName", e.remote);
        bgcli_json_str(j, L"localName", e.local);
        bgcli_json_close(j, L'}');
    }
    clear_error(&e);
}

static void json_files(struct bgcli_json *j, IBackgroundCopyJob *job)
{
    IEnumBackgroundCopyFiles *files = NULL;
    IBackgroundCopyFile *file = NULL;
    ULONG fetched = 0;

    if (FAILED(IBackgroundCopyJob_EnumFiles(job, &files))) {
        bgcli_json_null(j, L"files");
        return;
    }
    bgcli_json_open(j, L"files", L'[');
    while (IEnumBackgroundCopyFiles_Next(files, 1, &file, &fetched) == S_OK && fetched == 1) {
        WCHAR *remote = NULL, *local = NULL;
        BG_FILE_PROGRESS fp;
        bgcli_json_open(j, NULL, L'{');
        bgcli_json_str(j, L"remoteName", SUCCEEDED(IBackgroundCopyFile_GetRemoteName(file, &remote)) ? remote : NULL);
        bgcli_json_str(j, L"localName", SUCCEEDED(IBackgroundCopyFile_GetLocalName(file, &local)) ? local : NULL);
        if (SUCCEEDED(IBackgroundCopyFile_GetProgress(file, &fp))) {
            bgcli_json_num(j, L"bytesTransferred", fp.BytesTransferred);
            json_size(j, L"bytesTotal", fp.BytesTotal);
            bgcli_json_bool(j, L"completed", fp.Completed);
        }
        bgcli_json_close(j, L'}');
        CoTaskMemFree(remote);
        CoTaskMemFree(local);
        IBackgroundCopyFile_Release(file);
        file = NULL;
    }
    bgcli_json_close(j, L']');
    IEnumBackgroundCopyFiles_Release(files);
}

/* A job object into j (member key, NULL in arrays). Returns the HRESULT of the basic getters. */
static HRESULT json_job(struct bgcli_json *j, const WCHAR *key, IBackgroundCopyJob *job, BOOL verbose)
{
    struct job_line l;
    WCHAR guid[39], buf[64];
    BG_JOB_TYPE type;
    BG_JOB_PRIORITY prio;
    BG_JOB_TIMES times;
    ULONG n;
    WCHAR *s = NULL;
    HRESULT hr = read_job_line(job, &l);

    if (FAILED(hr)) {
        CoTaskMemFree(l.name);
        return hr;
    }
    bgcli_json_open(j, key, L'{');
    bgcli_json_str(j, L"id", bgcli_guid_str(&l.id, guid));
    bgcli_json_str(j, L"displayName", l.name ? l.name : L"");
    bgcli_json_str(j, L"state", bgcli_state_name(l.state));
    bgcli_json_num(j, L"filesTransferred", l.progress.FilesTransferred);
    bgcli_json_num(j, L"filesTotal", l.progress.FilesTotal);
    bgcli_json_num(j, L"bytesTransferred", l.progress.BytesTransferred);
    json_size(j, L"bytesTotal", l.progress.BytesTotal);
    CoTaskMemFree(l.name);
    if (verbose) {
        if (SUCCEEDED(IBackgroundCopyJob_GetType(job, &type)))
            bgcli_json_str(j, L"type", bgcli_type_name(type));
        else
            bgcli_json_null(j, L"type");
        if (SUCCEEDED(IBackgroundCopyJob_GetPriority(job, &prio)))
            bgcli_json_str(j, L"priority", bgcli_priority_name(prio));
        else
            bgcli_json_null(j, L"priority");
        bgcli_json_str(j, L"owner", SUCCEEDED(IBackgroundCopyJob_GetOwner(job, &s)) ? s : NULL);
        CoTaskMemFree(s);
        s = NULL;
        bgcli_json_str(j, L"description", SUCCEEDED(IBackgroundCopyJob_GetDescription(job, &s)) ? s : NULL);
        CoTaskMemFree(s);
        s = NULL;
        if (SUCCEEDED(IBackgroundCopyJob_GetTimes(job, &times))) {
            bgcli_json_str(j, L"creationTime", bgcli_time_iso(&times.CreationTime, buf, 64));
            bgcli_json_str(j, L"modificationTime", bgcli_time_iso(&times.ModificationTime, buf, 64));
            bgcli_json_str(j, L"completionTime", bgcli_time_iso(&times.TransferCompletionTime, buf, 64));
        }
        if (SUCCEEDED(IBackgroundCopyJob_GetNotifyFlags(job, &n)))
            bgcli_json_num(j, L"notifyFlags", n);
        if (SUCCEEDED(IBackgroundCopyJob_GetMinimumRetryDelay(job, &n)))
            bgcli_json_num(j, L"minRetryDelay", n);
        if (SUCCEEDED(IBackgroundCopyJob_GetNoProgressTimeout(job, &n)))
            bgcli_json_num(j, L"noProgressTimeout", n);
        if (SUCCEEDED(IBackgroundCopyJob_GetErrorCount(job, &n)))
            bgcli_json_num(j, L"errorCount", n);
        json_error(j, L"error", job);
        json_files(j, job);
    }
    bgcli_json_close(j, L'}');
    return S_OK;
}

/* ---- commands ---------------------------------------------------------------------------- */

/* /info JOB [/verbose] [/json] */
int bgcli_cmd_info(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    IBackgroundCopyJob *job;
    HRESULT hr;
    int rc = bgcli_open_job(mgr, args->pos[0], &job);

    if (rc != BGCLI_EXIT_OK)
        return rc;
    if (args->opts & BGCLI_OPT_JSON) {
        struct bgcli_json j;
        bgcli_json_init(&j);
        hr = json_job(&j, NULL, job, (args->opts & BGCLI_OPT_VERBOSE) != 0);
        if (SUCCEEDED(hr))
            bgcli_json_print(&j);
        else
            bgcli_report_hr(mgr, L"Unable to read job properties", hr);
        bgcli_json_free(&j);
    } else {
        hr = print_job_line(mgr, job);
        if (SUCCEEDED(hr) && (args->opts & BGCLI_OPT_VERBOSE))
            print_job_verbose(job);
    }
    IBackgroundCopyJob_Release(job);
    return SUCCEEDED(hr) ? BGCLI_EXIT_OK : BGCLI_EXIT_FAIL;
}

/* /list [/allusers] [/verbose] [/json] */
int bgcli_cmd_list(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    IEnumBackgroundCopyJobs *jobs = NULL;
    IBackgroundCopyJob *job = NULL;
    ULONG fetched = 0, listed = 0;
    DWORD flags = (args->opts & BGCLI_OPT_ALLUSERS) ? BG_JOB_ENUM_ALL_USERS : 0;
    BOOL json = (args->opts & BGCLI_OPT_JSON) != 0, verbose = (args->opts & BGCLI_OPT_VERBOSE) != 0;
    struct bgcli_json j;
    HRESULT hr = IBackgroundCopyManager_EnumJobs(mgr, flags, &jobs);
    int rc = BGCLI_EXIT_OK;

    if (FAILED(hr))
        return bgcli_fail_hr(mgr, L"Unable to enumerate jobs", hr);
    bgcli_json_init(&j);
    if (json) {
        bgcli_json_open(&j, NULL, L'{');
        bgcli_json_open(&j, L"jobs", L'[');
    }
    for (;;) {
        hr = IEnumBackgroundCopyJobs_Next(jobs, 1, &job, &fetched);
        if (hr != S_OK || fetched != 1)
            break;
        if (json) {
            HRESULT jhr = json_job(&j, NULL, job, verbose);
            if (SUCCEEDED(jhr)) {
                listed++;
            } else {
                bgcli_report_hr(mgr, L"Unable to read job properties", jhr);
                rc = BGCLI_EXIT_FAIL;
            }
        } else if (SUCCEEDED(print_job_line(mgr, job))) {
            listed++;
            if (verbose) {
                print_job_verbose(job);
                bgcli_printf(L"\n");
            }
        } else {
            rc = BGCLI_EXIT_FAIL;
        }
        IBackgroundCopyJob_Release(job);
        job = NULL;
    }
    IEnumBackgroundCopyJobs_Release(jobs);
    if (FAILED(hr)) {
        bgcli_report_hr(mgr, L"Unable to enumerate jobs", hr);
        rc = BGCLI_EXIT_FAIL;
    }
    if (json) {
        bgcli_json_close(&j, L']');
        bgcli_json_num(&j, L"count", listed);
        bgcli_json_close(&j, L'}');
        bgcli_json_print(&j);
    } else {
        bgcli_printf(L"Listed %lu job(s).\n", (unsigned long)listed);
    }
    bgcli_json_free(&j);
    return rc;
}

/* /geterror JOB [/json] : bitsadmin's three lines
 *   ERROR FILE:    URL -> LOCAL
 *   ERROR CODE:    0x80190194 - text
 *   ERROR CONTEXT: 0x00000005 - text
 * A job without an error: message on stderr and exit 1 (JSON: "error":null, exit 0). */
int bgcli_cmd_geterror(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    IBackgroundCopyJob *job;
    struct job_error e;
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
    if (args->opts & BGCLI_OPT_JSON) {
        struct bgcli_json j;
        WCHAR guid[39];
        bgcli_json_init(&j);
        bgcli_json_open(&j, NULL, L'{');
        bgcli_json_str(&j, L"id", bgcli_guid_str(&id, guid));
        json_error(&j, L"error", job);
        bgcli_json_close(&j, L'}');
        bgcli_json_print(&j);
        IBackgroundCopyJob_Release(job);
        return BGCLI_EXIT_OK;
    }
    hr = read_error(job, &e);
    IBackgroundCopyJob_Release(job);
    if (FAILED(hr)) {
        clear_error(&e);
        return bgcli_fail_hr(mgr, L"Unable to get error", hr);
    }
    if (e.remote || e.local)
        bgcli_printf(L"ERROR FILE:    %ls -> %ls\n", e.remote ? e.remote : L"", e.local ? e.local : L"");
    bgcli_printf(L"ERROR CODE:    0x%08lX - %ls\n", (unsigned long)e.code, one_line(e.description));
    bgcli_printf(L"ERROR CONTEXT: 0x%08lX - %ls\n", (unsigned long)e.context, one_line(e.context_text));
    clear_error(&e);
    return BGCLI_EXIT_OK;
}
