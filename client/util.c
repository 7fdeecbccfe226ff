/*
 * util.c - helpers shared by the commands: HRESULT texts and error reports, GUID strings, and
 * finding a job by GUID or display name.
 *
 * Invariants:
 *  1. Error reports always show the HRESULT as 0x%08lX and a text; the text comes from the
 *     server (IBackgroundCopyManager::GetErrorDescription) when a manager is connected, else
 *     from the system (FormatMessageW), else "unknown error".
 *  2. bgcli_open_job and the bgcli_open_*_iface helpers print their own failure message, so
 *     callers only return their code.
 *  3. A job named by display name must match exactly one job; none or several is an error
 *     (the message says which), never a guess.
 */
#include "bgcli.h"

#include <stdlib.h>
#include <wchar.h>

DWORD bgcli_langid(void)
{
    LANGID lang = GetUserDefaultUILanguage();
    return lang ? lang : MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US);
}

/* A malloc'ed copy of s with trailing white space (CR, LF, blanks) removed. */
static WCHAR *dup_trimmed(const WCHAR *s)
{
    size_t n = wcslen(s);
    WCHAR *copy;
    while (n > 0 && (s[n - 1] == L'\r' || s[n - 1] == L'\n' || s[n - 1] == L' ' || s[n - 1] == L'.'))
        n--;
    copy = malloc((n + 1) * sizeof(WCHAR));
    if (copy) {
        memcpy(copy, s, n * sizeof(WCHAR));
        copy[n] = 0;
    }
    return copy;
}

static WCHAR *system_text(HRESULT hr)
{
    WCHAR *msg = NULL, *copy = NULL;
    DWORD n = FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM |
                                 FORMAT_MESSAGE_IGNORE_INSERTS,
                             NULL, (DWORD)hr, 0, (WCHAR *)&msg, 0, NULL);
    if (n > 0 && msg)
        copy = dup_trimmed(msg);
    if (msg)
        LocalFree(msg);
    return copy;
}

/* Texts for codes a client meets before it reaches the server, which some systems' message
 * tables (Wine's) lack. */
static WCHAR *builtin_text(HRESULT hr)
{
    static const struct {
        HRESULT hr;        /* the code */
        const WCHAR *text; /* its text */
    } table[] = {
        { REGDB_E_CLASSNOTREG, L"Class not registered" },
        { REGDB_E_IIDNOTREG, L"Interface not registered" },
        { CO_E_SERVER_EXEC_FAILURE, L"Server execution failed" },
        { CO_E_NOTINITIALIZED, L"CoInitialize has not been called" },
        { E_NOINTERFACE, L"No such interface supported" },
        { RPC_E_DISCONNECTED, L"The object invoked has disconnected from its clients" },
    };
    WCHAR buf[64];
    size_t i;
    for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (table[i].hr == hr)
            return dup_trimmed(table[i].text);
    if (((unsigned long)hr & 0xFFFF0000ul) == 0x80190000ul) {
        swprintf(buf, 64, L"HTTP status %lu", (unsigned long)hr & 0xFFFFul);
        return dup_trimmed(buf);
    }
    return NULL;
}

WCHAR *bgcli_hr_text(IBackgroundCopyManager *mgr, HRESULT hr)
{
    WCHAR *text = NULL;

    if (mgr) {
        WCHAR *desc = NULL;
        HRESULT r = IBackgroundCopyManager_GetErrorDescription(mgr, hr, bgcli_langid(), &desc);
        if (FAILED(r) && desc == NULL)
            r = IBackgroundCopyManager_GetErrorDescription(mgr, hr,
                    MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US), &desc);
        if (SUCCEEDED(r) && desc && desc[0])
            text = dup_trimmed(desc);
        CoTaskMemFree(desc);
    }
    if (!text)
        text = system_text(hr);
    if (!text)
        text = builtin_text(hr);
    if (!text)
        text = dup_trimmed(L"unknown error");
    if (!text)
        abort(); /* out of memory while reporting an error: nothing sensible is left */
    return text;
}

void bgcli_report_hr(IBackgroundCopyManager *mgr, const WCHAR *what, HRESULT hr)
{
    WCHAR *text = bgcli_hr_text(mgr, hr);
    bgcli_eprintf(L"ERROR: %ls - 0x%08lX %ls\n", what, (unsigned long)hr, text);
    free(text);
}

WCHAR *bgcli_guid_str(const GUID *id, WCHAR buf[39])
{
    if (StringFromGUID2(id, buf, 39) == 0)
        buf[0] = 0;
    return buf;
}

BOOL bgcli_parse_guid(const WCHAR *text, GUID *out)
{
    WCHAR copy[39];
    size_t n = wcslen(text);
    /* CLSIDFromString would also accept ProgIDs; insist on the braced GUID form. */
    if (n != 38 || text[0] != L'{' || text[37] != L'}')
        return FALSE;
    memcpy(copy, text, sizeof(copy));
    return SUCCEEDED(IIDFromString(copy, out));
}

/* Finds the caller's jobs whose display name equals name. Sets *out to the first match (a
 * reference) and *count to the number of matches. */
static HRESULT find_by_name(IBackgroundCopyManager *mgr, const WCHAR *name,
                            IBackgroundCopyJob **out, ULONG *count)
{
    IEnumBackgroundCopyJobs *jobs = NULL;
    IBackgroundCopyJob *job = NULL;
    ULONG fetched = 0;
    HRESULT hr;

    *out = NULL;
    *count = 0;
    hr = IBackgroundCopyManager_EnumJobs(mgr, 0, &jobs);
    if (FAILED(hr))
        return hr;
    while (IEnumBackgroundCopyJobs_Next(jobs, 1, &job, &fetched) == S_OK && fetched == 1) {
        WCHAR *display = NULL;
        if (SUCCEEDED(IBackgroundCopyJob_GetDisplayName(job, &display)) && display &&
            wcscmp(display, name) == 0) {
            if (++*count == 1) {
                *out = job;
                job = NULL;
            }
        }
        CoTaskMemFree(display);
        if (job)
            IBackgroundCopyJob_Release(job);
        job = NULL;
    }
    IEnumBackgroundCopyJobs_Release(jobs);
    return S_OK;
}

int bgcli_open_job(IBackgroundCopyManager *mgr, const WCHAR *spec, IBackgroundCopyJob **out)
{
    GUID id;
    HRESULT hr;
    ULONG count;

    *out = NULL;
    if (bgcli_parse_guid(spec, &id)) {
        hr = IBackgroundCopyManager_GetJob(mgr, &id, out);
        if (FAILED(hr)) {
            *out = NULL;
            bgcli_report_hr(mgr, L"Unable to find job", hr);
            return BGCLI_EXIT_FAIL;
        }
        return BGCLI_EXIT_OK;
    }
    hr = find_by_name(mgr, spec, out, &count);
    if (FAILED(hr)) {
        bgcli_report_hr(mgr, L"Unable to enumerate jobs", hr);
        return BGCLI_EXIT_FAIL;
    }
    if (count == 0) {
        bgcli_eprintf(L"ERROR: Unable to find job '%ls' - 0x%08lX no job has that GUID or display name\n",
                      spec, (unsigned long)BG_E_NOT_FOUND);
        return BGCLI_EXIT_FAIL;
    }
    if (count > 1) {
        IBackgroundCopyJob_Release(*out);
        *out = NULL;
        bgcli_eprintf(L"ERROR: %lu jobs are named '%ls'; name the job by its GUID (see /list)\n",
                      (unsigned long)count, spec);
        return BGCLI_EXIT_FAIL;
    }
    return BGCLI_EXIT_OK;
}

int bgcli_fail_hr(IBackgroundCopyManager *mgr, const WCHAR *what, HRESULT hr)
{
    bgcli_report_hr(mgr, what, hr);
    if (hr == E_NOTIMPL) {
        bgcli_eprintf(L"The server does not support this (not supported yet).\n");
        return BGCLI_EXIT_UNSUPPORTED;
    }
    return BGCLI_EXIT_FAIL;
}

int bgcli_open_job_iface(IBackgroundCopyManager *mgr, const struct bgcli_args *args, REFIID iid, void **out,
                         GUID *id)
{
    IBackgroundCopyJob *job = NULL;
    HRESULT hr;
    int rc;

    *out = NULL;
    rc = bgcli_open_job(mgr, args->pos[0], &job);
    if (rc != BGCLI_EXIT_OK)
        return rc;
    if (id) {
        hr = IBackgroundCopyJob_GetId(job, id);
        if (FAILED(hr)) {
            IBackgroundCopyJob_Release(job);
            return bgcli_fail_hr(mgr, L"Unable to read the job's id", hr);
        }
    }
    hr = IBackgroundCopyJob_QueryInterface(job, iid, out);
    IBackgroundCopyJob_Release(job);
    if (FAILED(hr)) {
        *out = NULL;
        return bgcli_fail_hr(mgr, L"The job does not offer the interface this switch needs", hr);
    }
    return BGCLI_EXIT_OK;
}

int bgcli_open_file_iface(IBackgroundCopyManager *mgr, IBackgroundCopyJob *job, const WCHAR *index, REFIID iid,
                          void **out)
{
    IEnumBackgroundCopyFiles *files = NULL;
    IBackgroundCopyFile *file = NULL;
    ULONG n, fetched = 0;
    HRESULT hr;

    *out = NULL;
    if (!bgcli_parse_ulong(index, 0x7FFFFFFF, &n)) {
        bgcli_eprintf(L"ERROR: FILE_INDEX must be a number (0 for the first file), not '%ls'\n", index);
        return BGCLI_EXIT_USAGE;
    }
    hr = IBackgroundCopyJob_EnumFiles(job, &files);
    if (FAILED(hr))
        return bgcli_fail_hr(mgr, L"Unable to enumerate the job's files", hr);
    if (n > 0)
        hr = IEnumBackgroundCopyFiles_Skip(files, n);
    if (SUCCEEDED(hr) && hr != S_FALSE)
        hr = IEnumBackgroundCopyFiles_Next(files, 1, &file, &fetched);
    IEnumBackgroundCopyFiles_Release(files);
    if (FAILED(hr))
        return bgcli_fail_hr(mgr, L"Unable to enumerate the job's files", hr);
    if (hr != S_OK || fetched != 1 || !file) {
        bgcli_eprintf(L"ERROR: the job has no file number %lu (the first file is 0)\n", (unsigned long)n);
        return BGCLI_EXIT_FAIL;
    }
    hr = IBackgroundCopyFile_QueryInterface(file, iid, out);
    IBackgroundCopyFile_Release(file);
    if (FAILED(hr)) {
        *out = NULL;
        return bgcli_fail_hr(mgr, L"The file does not offer the interface this switch needs", hr);
    }
    return BGCLI_EXIT_OK;
}

const WCHAR *bgcli_time_str(const FILETIME *ft, WCHAR *buf, size_t cch)
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

const WCHAR *bgcli_time_iso(const FILETIME *ft, WCHAR *buf, size_t cch)
{
    SYSTEMTIME st;
    if ((ft->dwLowDateTime == 0 && ft->dwHighDateTime == 0) || !FileTimeToSystemTime(ft, &st))
        return NULL;
    swprintf(buf, cch, L"%04u-%02u-%02uT%02u:%02u:%02uZ", st.wYear, st.wMonth, st.wDay, st.wHour, st.wMinute,
             st.wSecond);
    return buf;
}

WCHAR *bgcli_strdup(const WCHAR *s)
{
    size_t n;
    WCHAR *copy;
    if (!s)
        return NULL;
    n = (wcslen(s) + 1) * sizeof(WCHAR);
    copy = malloc(n);
    if (copy)
        memcpy(copy, s, n);
    return copy;
}

static HANDLE interrupt_event; /* set by the console control handler (Ctrl+C, close) */

static BOOL WINAPI on_console_ctrl(DWORD type)
{
    (void)type;
    if (interrupt_event)
        SetEvent(interrupt_event);
    return TRUE;
}

HANDLE bgcli_interrupt_begin(void)
{
    if (!interrupt_event) {
        interrupt_event = CreateEventW(NULL, TRUE, FALSE, NULL);
        if (interrupt_event)
            SetConsoleCtrlHandler(on_console_ctrl, TRUE);
    }
    return interrupt_event;
}

void bgcli_interrupt_end(void)
{
    if (interrupt_event) {
        SetConsoleCtrlHandler(on_console_ctrl, FALSE);
        CloseHandle(interrupt_event);
        interrupt_event = NULL;
    }
}
