/*
 * cmd_job.c - the commands that create a job or change its files or life: /create, /addfile,
 * /addfileset, /addfilewithranges, /replaceremoteprefix, /resume, /suspend, /cancel,
 * /complete, /takeownership, /reset. Each is one COM call per job (after finding the job) and
 * prints one line in bitsadmin's words.
 *
 * Invariants:
 *  1. Argument counts were checked by the dispatcher (bgcopyadmin.c); argument contents (a
 *     range list, a file set) are parsed completely before the job is opened, and a bad one is
 *     a usage error that changes nothing.
 *  2. /addfileset adds the whole set in one AddFileSet call: all files or none.
 *  3. /reset goes on after a job it cannot cancel and reports each failure; its exit code is 0
 *     only when every job was cancelled.
 */
#include "bgcli.h"

#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

BG_JOB_TYPE bgcli_job_type_from_opts(unsigned opts)
{
    if (opts & BGCLI_OPT_UPLOAD_REPLY)
        return BG_JOB_TYPE_UPLOAD_REPLY;
    if (opts & BGCLI_OPT_UPLOAD)
        return BG_JOB_TYPE_UPLOAD;
    return BG_JOB_TYPE_DOWNLOAD;
}

/* /create [/download|/upload|/upload-reply] NAME */
int bgcli_cmd_create(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    IBackgroundCopyJob *job = NULL;
    GUID id;
    WCHAR guid[39];
    HRESULT hr;

    hr = IBackgroundCopyManager_CreateJob(mgr, args->pos[0], bgcli_job_type_from_opts(args->opts), &id, &job);
    if (FAILED(hr)) {
        return bgcli_fail_hr(mgr, L"Unable to create job", hr);
    }
    IBackgroundCopyJob_Release(job);
    bgcli_guid_str(&id, guid);
    if (args->opts & BGCLI_OPT_RAWRETURN)
        bgcli_puts(guid); /* bitsadmin /rawreturn /create: the GUID alone, for `for /f` */
    else
        bgcli_printf(L"Created job %ls.\n", guid);
    return BGCLI_EXIT_OK;
}

/* /addfile JOB URL LOCAL */
int bgcli_cmd_addfile(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    IBackgroundCopyJob *job;
    HRESULT hr;
    int rc = bgcli_open_job(mgr, args->pos[0], &job);

    if (rc != BGCLI_EXIT_OK)
        return rc;
    hr = IBackgroundCopyJob_AddFile(job, args->pos[1], args->pos[2]);
    IBackgroundCopyJob_Release(job);
    if (FAILED(hr))
        return bgcli_fail_hr(mgr, L"Unable to add file to job", hr);
    bgcli_printf(L"Added %ls -> %ls to job.\n", args->pos[1], args->pos[2]);
    return BGCLI_EXIT_OK;
}

/* The four state-changing methods share one shape. */
enum job_action { ACTION_RESUME, ACTION_SUSPEND, ACTION_CANCEL, ACTION_COMPLETE, ACTION_TAKEOWNERSHIP };

static int job_action(IBackgroundCopyManager *mgr, const struct bgcli_args *args, enum job_action action)
{
    static const struct {
        const WCHAR *failure; /* "Unable to ..." text */
        const WCHAR *success; /* line printed on S_OK */
    } text[] = {
        { L"Unable to resume job", L"Job resumed." },
        { L"Unable to suspend job", L"Job suspended." },
        { L"Unable to cancel job", L"Job canceled." },
        { L"Unable to complete job", L"Job completed." },
        { L"Unable to take ownership", L"Ownership taken." },
    };
    IBackgroundCopyJob *job;
    HRESULT hr = E_UNEXPECTED;
    int rc = bgcli_open_job(mgr, args->pos[0], &job);

    if (rc != BGCLI_EXIT_OK)
        return rc;
    switch (action) {
    case ACTION_RESUME: hr = IBackgroundCopyJob_Resume(job); break;
    case ACTION_SUSPEND: hr = IBackgroundCopyJob_Suspend(job); break;
    case ACTION_CANCEL: hr = IBackgroundCopyJob_Cancel(job); break;
    case ACTION_COMPLETE: hr = IBackgroundCopyJob_Complete(job); break;
    case ACTION_TAKEOWNERSHIP: hr = IBackgroundCopyJob_TakeOwnership(job); break;
    }
    IBackgroundCopyJob_Release(job);
    if (FAILED(hr))
        return bgcli_fail_hr(mgr, text[action].failure, hr);
    if (hr == (HRESULT)BG_S_PARTIAL_COMPLETE)
        bgcli_printf(L"Job partially completed (0x%08lX): only fully transferred files were kept.\n",
                     (unsigned long)hr);
    else if (hr == (HRESULT)BG_S_UNABLE_TO_DELETE_FILES)
        bgcli_printf(L"%ls Some temporary files could not be deleted (0x%08lX).\n", text[action].success,
                     (unsigned long)hr);
    else
        bgcli_printf(L"%ls\n", text[action].success);
    return BGCLI_EXIT_OK;
}

int bgcli_cmd_resume(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    return job_action(mgr, args, ACTION_RESUME);
}

int bgcli_cmd_suspend(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    return job_action(mgr, args, ACTION_SUSPEND);
}

int bgcli_cmd_cancel(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    return job_action(mgr, args, ACTION_CANCEL);
}

int bgcli_cmd_complete(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    return job_action(mgr, args, ACTION_COMPLETE);
}

int bgcli_cmd_takeownership(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    return job_action(mgr, args, ACTION_TAKEOWNERSHIP);
}

/* /replaceremoteprefix JOB OLD NEW */
int bgcli_cmd_replaceremoteprefix(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    IBackgroundCopyJob3 *job = NULL;
    HRESULT hr;
    int rc = bgcli_open_job_iface(mgr, args, &IID_IBackgroundCopyJob3, (void **)&job, NULL);

    if (rc != BGCLI_EXIT_OK)
        return rc;
    hr = IBackgroundCopyJob3_ReplaceRemotePrefix(job, args->pos[1], args->pos[2]);
    IBackgroundCopyJob3_Release(job);
    if (FAILED(hr))
        return bgcli_fail_hr(mgr, L"Unable to replace the remote prefix", hr);
    if (hr == S_FALSE)
        bgcli_printf(L"No remote name starts with %ls.\n", args->pos[1]);
    else
        bgcli_printf(L"Remote prefix %ls replaced by %ls.\n", args->pos[1], args->pos[2]);
    return BGCLI_EXIT_OK;
}

/* ---- /addfilewithranges ------------------------------------------------------------------ */

/* Parses "OFF:LEN,OFF:LEN,..." (LEN may be eof) into a malloc'ed array. */
static BOOL parse_ranges(const WCHAR *text, BG_FILE_RANGE **out, DWORD *count)
{
    WCHAR *copy = bgcli_strdup(text), *item, *rest;
    BG_FILE_RANGE *ranges;
    DWORD n = 1, i = 0;
    const WCHAR *p;

    *out = NULL;
    *count = 0;
    for (p = text; *p; p++)
        if (*p == L',')
            n++;
    ranges = calloc(n, sizeof(*ranges));
    if (!copy || !ranges)
        goto fail;
    for (item = copy; item; item = rest) {
        WCHAR *colon;
        rest = wcschr(item, L',');
        if (rest)
            *rest++ = 0;
        colon = wcschr(item, L':');
        if (!colon || i >= n)
            goto fail;
        *colon = 0;
        if (!bgcli_parse_u64(item, &ranges[i].InitialOffset))
            goto fail;
        if (_wcsicmp(colon + 1, L"eof") == 0)
            ranges[i].Length = BG_LENGTH_TO_EOF;
        else if (!bgcli_parse_u64(colon + 1, &ranges[i].Length))
            goto fail;
        i++;
    }
    if (i != n)
        goto fail; /* cannot happen: one item per comma plus one */
    free(copy);
    *out = ranges;
    *count = n;
    return TRUE;
fail:
    free(copy);
    free(ranges);
    return FALSE;
}

/* /addfilewithranges JOB URL LOCAL RANGES */
int bgcli_cmd_addfilewithranges(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    IBackgroundCopyJob3 *job = NULL;
    BG_FILE_RANGE *ranges = NULL;
    DWORD count = 0;
    HRESULT hr;
    int rc;

    if (!parse_ranges(args->pos[3], &ranges, &count)) {
        bgcli_eprintf(L"ERROR: '%ls' is not a range list: OFFSET:LENGTH[,OFFSET:LENGTH...], LENGTH a number or eof\n",
                      args->pos[3]);
        bgcli_eprintf(L"Usage: bgcopyadmin %ls\n", args->sw->synopsis);
        return BGCLI_EXIT_USAGE;
    }
    rc = bgcli_open_job_iface(mgr, args, &IID_IBackgroundCopyJob3, (void **)&job, NULL);
    if (rc == BGCLI_EXIT_OK) {
        hr = IBackgroundCopyJob3_AddFileWithRanges(job, args->pos[1], args->pos[2], count, ranges);
        IBackgroundCopyJob3_Release(job);
        if (FAILED(hr))
            rc = bgcli_fail_hr(mgr, L"Unable to add file to job", hr);
        else
            bgcli_printf(L"Added %ls -> %ls (%lu range(s)) to job.\n", args->pos[1], args->pos[2],
                         (unsigned long)count);
    }
    free(ranges);
    return rc;
}

/* ---- /addfileset ------------------------------------------------------------------------- */

/* The file's text as a malloc'ed wide string: UTF-16LE with a BOM, else UTF-8 (BOM skipped). */
static WCHAR *read_text_file(const WCHAR *path, DWORD *err)
{
    HANDLE h = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    LARGE_INTEGER size;
    unsigned char *bytes = NULL;
    WCHAR *text = NULL;
    DWORD got = 0;
    int n;

    *err = 0;
    if (h == INVALID_HANDLE_VALUE) {
        *err = GetLastError();
        return NULL;
    }
    if (!GetFileSizeEx(h, &size) || size.QuadPart > 16 * 1024 * 1024) {
        *err = GetLastError() ? GetLastError() : ERROR_FILE_TOO_LARGE;
        CloseHandle(h);
        return NULL;
    }
    bytes = malloc((size_t)size.QuadPart + 2);
    if (!bytes || !ReadFile(h, bytes, (DWORD)size.QuadPart, &got, NULL)) {
        *err = bytes ? GetLastError() : ERROR_OUTOFMEMORY;
        free(bytes);
        CloseHandle(h);
        return NULL;
    }
    CloseHandle(h);
    if (got >= 2 && bytes[0] == 0xFF && bytes[1] == 0xFE) {
        text = malloc(got + 2);
        if (text) {
            memcpy(text, bytes + 2, got - 2);
            text[(got - 2) / 2] = 0;
        }
    } else {
        const char *p = (const char *)bytes;
        if (got >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF) {
            p += 3;
            got -= 3;
        }
        n = got ? MultiByteToWideChar(CP_UTF8, 0, p, (int)got, NULL, 0) : 0;
        text = malloc(((size_t)n + 1) * sizeof(WCHAR));
        if (text) {
            if (n)
                MultiByteToWideChar(CP_UTF8, 0, p, (int)got, text, n);
            text[n] = 0;
        }
    }
    free(bytes);
    if (!text)
        *err = ERROR_OUTOFMEMORY;
    return text;
}

/* Cuts the next blank-separated token (or "quoted token") from *p; NULL when none is left. */
static WCHAR *next_token(WCHAR **p)
{
    WCHAR *s = *p, *tok;
    while (*s == L' ' || *s == L'\t')
        s++;
    if (!*s)
        return NULL;
    if (*s == L'"') {
        tok = ++s;
        while (*s && *s != L'"')
            s++;
        if (*s)
            *s++ = 0;
    } else {
        tok = s;
        while (*s && *s != L' ' && *s != L'\t')
            s++;
        if (*s)
            *s++ = 0;
    }
    *p = s;
    return tok;
}

/* /addfileset JOB TEXTFILE */
int bgcli_cmd_addfileset(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    IBackgroundCopyJob *job = NULL;
    BG_FILE_INFO *set = NULL;
    WCHAR *text, *line, *next;
    ULONG count = 0, cap = 0, lineno = 0;
    DWORD err;
    HRESULT hr;
    int rc = BGCLI_EXIT_OK;

    text = read_text_file(args->pos[1], &err);
    if (!text)
        return bgcli_fail_hr(mgr, L"Unable to read the file set", HRESULT_FROM_WIN32(err));
    for (line = text; line && rc == BGCLI_EXIT_OK; line = next) {
        WCHAR *p, *remote, *local, *extra;
        next = wcschr(line, L'\n');
        if (next)
            *next++ = 0;
        lineno++;
        p = line + wcslen(line);
        while (p > line && (p[-1] == L'\r' || p[-1] == L' ' || p[-1] == L'\t'))
            *--p = 0;
        p = line;
        while (*p == L' ' || *p == L'\t')
            p++;
        if (*p == 0 || *p == L'#')
            continue;
        remote = next_token(&p);
        local = next_token(&p);
        extra = next_token(&p);
        if (!remote || !local || extra) {
            bgcli_eprintf(L"ERROR: %ls line %lu: expected \"REMOTE_URL LOCAL_NAME\"\n", args->pos[1],
                          (unsigned long)lineno);
            rc = BGCLI_EXIT_USAGE;
            break;
        }
        if (count == cap) {
            BG_FILE_INFO *grown = realloc(set, (cap ? cap * 2 : 16) * sizeof(*set));
            if (!grown) {
                rc = bgcli_fail_hr(mgr, L"Unable to read the file set", E_OUTOFMEMORY);
                break;
            }
            set = grown;
            cap = cap ? cap * 2 : 16;
        }
        set[count].RemoteName = remote;
        set[count].LocalName = local;
        count++;
    }
    if (rc == BGCLI_EXIT_OK && count == 0) {
        bgcli_eprintf(L"ERROR: %ls lists no file\n", args->pos[1]);
        rc = BGCLI_EXIT_USAGE;
    }
    if (rc == BGCLI_EXIT_OK)
        rc = bgcli_open_job(mgr, args->pos[0], &job);
    if (rc == BGCLI_EXIT_OK) {
        hr = IBackgroundCopyJob_AddFileSet(job, count, set);
        IBackgroundCopyJob_Release(job);
        if (FAILED(hr))
            rc = bgcli_fail_hr(mgr, L"Unable to add the file set to job", hr);
        else
            bgcli_printf(L"Added %lu file(s) to job.\n", (unsigned long)count);
    }
    free(set);
    free(text);
    return rc;
}

/* ---- /reset ------------------------------------------------------------------------------ */

/* /reset [/allusers] */
int bgcli_cmd_reset(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    IEnumBackgroundCopyJobs *jobs = NULL;
    IBackgroundCopyJob *job = NULL;
    ULONG fetched = 0, total = 0, cancelled = 0;
    DWORD flags = (args->opts & BGCLI_OPT_ALLUSERS) ? BG_JOB_ENUM_ALL_USERS : 0;
    WCHAR guid[39];
    HRESULT hr = IBackgroundCopyManager_EnumJobs(mgr, flags, &jobs);

    if (FAILED(hr))
        return bgcli_fail_hr(mgr, L"Unable to enumerate jobs", hr);
    while (IEnumBackgroundCopyJobs_Next(jobs, 1, &job, &fetched) == S_OK && fetched == 1) {
        GUID id;
        total++;
        hr = IBackgroundCopyJob_GetId(job, &id);
        if (SUCCEEDED(hr))
            hr = IBackgroundCopyJob_Cancel(job);
        if (SUCCEEDED(hr)) {
            cancelled++;
            bgcli_printf(L"%ls canceled.\n", bgcli_guid_str(&id, guid));
        } else {
            WCHAR what[80];
            swprintf(what, 80, L"Unable to cancel %ls", bgcli_guid_str(&id, guid));
            bgcli_report_hr(mgr, what, hr);
        }
        IBackgroundCopyJob_Release(job);
        job = NULL;
    }
    IEnumBackgroundCopyJobs_Release(jobs);
    bgcli_printf(L"%lu out of %lu jobs canceled.\n", (unsigned long)cancelled, (unsigned long)total);
    return cancelled == total ? BGCLI_EXIT_OK : BGCLI_EXIT_FAIL;
}
