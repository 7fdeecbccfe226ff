/*
 * cmd_info.c - /info JOB [/verbose] and /list [/allusers] [/verbose].
 *
 * One job per line, as bitsadmin prints it:
 *   {GUID} 'name' STATE files_transferred / files_total bytes_transferred / bytes_total
 * and with /verbose a block of properties and the job's files.
 *
 * Invariants:
 *  1. The four properties of the one-line form (id, display name, state, progress) must be
 *     readable; if one fails the command fails with its HRESULT.
 *  2. In the verbose block a getter that fails (e.g. a method the server does not implement)
 *     prints "(error 0x...)" in place of the value and does not fail the command.
 *  3. Nothing here changes a job.
 */
#include "bgcli.h"

#include <wchar.h>

/* "UNKNOWN" for BG_SIZE_UNKNOWN, else the number. */
static const WCHAR *size_str(UINT64 n, WCHAR *buf, size_t cch)
{
    if (n == BG_SIZE_UNKNOWN)
        return L"UNKNOWN";
    swprintf(buf, cch, L"%llu", (unsigned long long)n);
    return buf;
}

/* A FILETIME as local "YYYY-MM-DD HH:MM:SS", or "UNKNOWN" for zero. */
static const WCHAR *time_str(const FILETIME *ft, WCHAR *buf, size_t cch)
{
    FILETIME local;
    SYSTEMTIME st;
    if ((ft->dwLowDateTime == 0 && ft->dwHighDateTime == 0) || !FileTimeToLocalFileTime(ft, &local) ||
        !FileTimeToSystemTime(&local, &st))
        return L"UNKNOWN";
    swprintf(buf, cch, L"%04u-%02u-%02u %02u:%02u:%02u", st.wYear, st.wMonth, st.wDay, st.wHour,
             st.wMinute, st.wSecond);
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

/* The one-line form. Returns S_OK or the HRESULT of the getter that failed (reported). */
static HRESULT print_job_line(IBackgroundCopyManager *mgr, IBackgroundCopyJob *job)
{
    GUID id;
    WCHAR guid[39], *name = NULL, done[24], total[24];
    BG_JOB_STATE state;
    BG_JOB_PROGRESS progress;
    HRESULT hr;

    hr = IBackgroundCopyJob_GetId(job, &id);
    if (SUCCEEDED(hr))
        hr = IBackgroundCopyJob_GetDisplayName(job, &name);
    if (SUCCEEDED(hr))
        hr = IBackgroundCopyJob_GetState(job, &state);
    if (SUCCEEDED(hr))
        hr = IBackgroundCopyJob_GetProgress(job, &progress);
    if (FAILED(hr)) {
        CoTaskMemFree(name);
        bgcli_report_hr(mgr, L"Unable to read job properties", hr);
        return hr;
    }
    bgcli_printf(L"%ls '%ls' %ls %lu / %lu %ls / %ls\n", bgcli_guid_str(&id, guid), name ? name : L"",
                 bgcli_state_name(state), (unsigned long)progress.FilesTransferred,
                 (unsigned long)progress.FilesTotal, size_str(progress.BytesTransferred, done, 24),
                 size_str(progress.BytesTotal, total, 24));
    CoTaskMemFree(name);
    return S_OK;
}

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

static void print_error(IBackgroundCopyJob *job)
{
    IBackgroundCopyError *error = NULL;
    BG_ERROR_CONTEXT ctx;
    HRESULT code, hr = IBackgroundCopyJob_GetError(job, &error);
    WCHAR *desc = NULL, err[32];

    if (hr == (HRESULT)BG_E_ERROR_INFORMATION_UNAVAILABLE) {
        bgcli_printf(L"ERROR: none\n");
        return;
    }
    if (FAILED(hr) || !error) {
        bgcli_printf(L"ERROR: %ls\n", hr_str(hr, err, 32));
        return;
    }
    hr = IBackgroundCopyError_GetError(error, &ctx, &code);
    if (SUCCEEDED(hr)) {
        if (FAILED(IBackgroundCopyError_GetErrorDescription(error, bgcli_langid(), &desc)))
            desc = NULL;
        bgcli_printf(L"ERROR: context %ls, code 0x%08lX %ls\n", bgcli_context_name(ctx), (unsigned long)code,
                     desc ? desc : L"");
        CoTaskMemFree(desc);
    } else {
        bgcli_printf(L"ERROR: %ls\n", hr_str(hr, err, 32));
    }
    IBackgroundCopyError_Release(error);
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
                     time_str(&times.CreationTime, buf[0], 128), time_str(&times.ModificationTime, buf[1], 128),
                     time_str(&times.TransferCompletionTime, buf[2], 128));
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

/* /info JOB [/verbose] */
int bgcli_cmd_info(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    IBackgroundCopyJob *job;
    HRESULT hr;
    int rc = bgcli_open_job(mgr, args->pos[0], &job);

    if (rc != BGCLI_EXIT_OK)
        return rc;
    hr = print_job_line(mgr, job);
    if (SUCCEEDED(hr) && (args->opts & BGCLI_OPT_VERBOSE))
        print_job_verbose(job);
    IBackgroundCopyJob_Release(job);
    return SUCCEEDED(hr) ? BGCLI_EXIT_OK : BGCLI_EXIT_FAIL;
}

/* /list [/allusers] [/verbose] */
int bgcli_cmd_list(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    IEnumBackgroundCopyJobs *jobs = NULL;
    IBackgroundCopyJob *job = NULL;
    ULONG fetched = 0, listed = 0;
    DWORD flags = (args->opts & BGCLI_OPT_ALLUSERS) ? BG_JOB_ENUM_ALL_USERS : 0;
    HRESULT hr = IBackgroundCopyManager_EnumJobs(mgr, flags, &jobs);
    int rc = BGCLI_EXIT_OK;

    if (FAILED(hr)) {
        bgcli_report_hr(mgr, L"Unable to enumerate jobs", hr);
        return BGCLI_EXIT_FAIL;
    }
    for (;;) {
        hr = IEnumBackgroundCopyJobs_Next(jobs, 1, &job, &fetched);
        if (hr != S_OK || fetched != 1)
            break;
        if (SUCCEEDED(print_job_line(mgr, job))) {
            listed++;
            if (args->opts & BGCLI_OPT_VERBOSE) {
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
    bgcli_printf(L"Listed %lu job(s).\n", (unsigned long)listed);
    return rc;
}
