/*
 * cmd_monitor.c - the watching switches:
 *   /monitor [/allusers] [/refresh S] [/count N] [/timeout S] [/json]
 *   /wait JOB [/timeout S] [/json]
 *
 * /monitor shows every job, refreshed every S seconds: on a console the screen is redrawn
 * with a progress bar (rate, ETA) under each active job; otherwise each refresh prints a
 * snapshot (a header line, one line per job as /list, a blank line), or with /json one JSON
 * object per line. /wait polls one job until it is TRANSFERRED or ERROR.
 *
 * Invariants:
 *  1. Every loop is bounded: /monitor ends after /count snapshots, after /timeout, on Ctrl+C,
 *     or - when stdout is not a console - after a snapshot in which no job is active
 *     (QUEUED, CONNECTING, TRANSFERRING, TRANSIENT_ERROR); /wait ends at /timeout (default
 *     WAIT_DEFAULT_S) or Ctrl+C.
 *  2. /wait's exit code is the outcome: 0 TRANSFERRED (or ACKNOWLEDGED), 4 ERROR, 5 timeout,
 *     6 CANCELLED, 7 Ctrl+C, 1 when the job cannot be read. It prints the final state on
 *     stdout, and for ERROR the error on stderr.
 *  3. Neither switch changes a job.
 */
#include "bgcli.h"

#include <stdlib.h>
#include <wchar.h>

#define MONITOR_DEFAULT_REFRESH_S 5
#define WAIT_DEFAULT_S 86400
#define WAIT_POLL_MS 250
#define MAX_TRACKED 256

static BOOL is_active(BG_JOB_STATE s)
{
    return s == BG_JOB_STATE_QUEUED || s == BG_JOB_STATE_CONNECTING || s == BG_JOB_STATE_TRANSFERRING ||
           s == BG_JOB_STATE_TRANSIENT_ERROR;
}

/* Rate estimators per job across /monitor refreshes. */
struct tracked {
    GUID id;                    /* the job */
    struct bgcli_progress p;    /* its rate estimator */
};

static struct bgcli_progress *tracker(struct tracked *t, size_t *n, const GUID *id)
{
    size_t i;
    for (i = 0; i < *n; i++)
        if (IsEqualGUID(&t[i].id, id))
            return &t[i].p;
    if (*n >= MAX_TRACKED)
        return NULL;
    t[*n].id = *id;
    bgcli_progress_init(&t[*n].p, TRUE);
    return &t[(*n)++].p;
}

/* Clears the console and puts the cursor home. */
static void clear_console(void)
{
    HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);
    CONSOLE_SCREEN_BUFFER_INFO info;
    COORD home = { 0, 0 };
    DWORD cells, written;
    if (!GetConsoleScreenBufferInfo(out, &info))
        return;
    cells = (DWORD)info.dwSize.X * (DWORD)info.dwSize.Y;
    FillConsoleOutputCharacterW(out, L' ', cells, home, &written);
    FillConsoleOutputAttribute(out, info.wAttributes, cells, home, &written);
    SetConsoleCursorPosition(out, home);
}

/* One snapshot. Sets *active when some job is active. Returns S_OK or the EnumJobs failure. */
static HRESULT snapshot(IBackgroundCopyManager *mgr, const struct bgcli_args *args, DWORD refresh, ULONG number,
                        struct tracked *t, size_t *nt, BOOL *active)
{
    IEnumBackgroundCopyJobs *jobs = NULL;
    IBackgroundCopyJob *job = NULL;
    DWORD flags = (args->opts & BGCLI_OPT_ALLUSERS) ? BG_JOB_ENUM_ALL_USERS : 0;
    BOOL json = (args->opts & BGCLI_OPT_JSON) != 0, console = bgcli_stdout_is_console() && !json;
    ULONG fetched = 0, listed = 0;
    struct bgcli_json j;
    SYSTEMTIME now;
    HRESULT hr = IBackgroundCopyManager_EnumJobs(mgr, flags, &jobs);

    *active = FALSE;
    if (FAILED(hr))
        return hr;
    GetLocalTime(&now);
    bgcli_json_init(&j);
    if (json) {
        WCHAR ts[32];
        swprintf(ts, 32, L"%04u-%02u-%02u %02u:%02u:%02u", now.wYear, now.wMonth, now.wDay, now.wHour,
                 now.wMinute, now.wSecond);
        bgcli_json_open(&j, NULL, L'{');
        bgcli_json_num(&j, L"snapshot", number);
        bgcli_json_str(&j, L"time", ts);
        bgcli_json_open(&j, L"jobs", L'[');
    } else {
        if (console)
            clear_console();
        bgcli_printf(L"MONITORING BACKGROUND COPY MANAGER (%lu second refresh) snapshot %lu at %02u:%02u:%02u\n",
                     (unsigned long)refresh, (unsigned long)number, now.wHour, now.wMinute, now.wSecond);
    }
    while (IEnumBackgroundCopyJobs_Next(jobs, 1, &job, &fetched) == S_OK && fetched == 1) {
        GUID id;
        WCHAR *name = NULL, guid[39], total[24], bar[200];
        BG_JOB_STATE state;
        BG_JOB_PROGRESS jp;
        if (SUCCEEDED(IBackgroundCopyJob_GetId(job, &id)) && SUCCEEDED(IBackgroundCopyJob_GetDisplayName(job, &name)) &&
            SUCCEEDED(IBackgroundCopyJob_GetState(job, &state)) && SUCCEEDED(IBackgroundCopyJob_GetProgress(job, &jp))) {
            struct bgcli_progress *p = tracker(t, nt, &id);
            listed++;
            if (is_active(state))
                *active = TRUE;
            if (p)
                bgcli_progress_sample(p, jp.BytesTransferred);
            bgcli_guid_str(&id, guid);
            if (jp.BytesTotal == BG_SIZE_UNKNOWN)
                wcscpy(total, L"UNKNOWN");
            else
                swprintf(total, 24, L"%llu", (unsigned long long)jp.BytesTotal);
            if (json) {
                bgcli_json_open(&j, NULL, L'{');
                bgcli_json_str(&j, L"id", guid);
                bgcli_json_str(&j, L"displayName", name ? name : L"");
                bgcli_json_str(&j, L"state", bgcli_state_name(state));
                bgcli_json_num(&j, L"filesTransferred", jp.FilesTransferred);
                bgcli_json_num(&j, L"filesTotal", jp.FilesTotal);
                bgcli_json_num(&j, L"bytesTransferred", jp.BytesTransferred);
                if (jp.BytesTotal == BG_SIZE_UNKNOWN)
                    bgcli_json_null(&j, L"bytesTotal");
                else
                    bgcli_json_num(&j, L"bytesTotal", jp.BytesTotal);
                bgcli_json_close(&j, L'}');
            } else {
                bgcli_printf(L"%ls '%ls' %ls %lu / %lu %llu / %ls\n", guid, name ? name : L"", bgcli_state_name(state),
                             (unsigned long)jp.FilesTransferred, (unsigned long)jp.FilesTotal,
                             (unsigned long long)jp.BytesTransferred, total);
                if (console && p && is_active(state))
                    bgcli_printf(L"    %ls\n", bgcli_progress_bar(p, &jp, bar, 200));
            }
        }
        CoTaskMemFree(name);
        IBackgroundCopyJob_Release(job);
        job = NULL;
    }
    IEnumBackgroundCopyJobs_Release(jobs);
    if (json) {
        bgcli_json_close(&j, L']');
        bgcli_json_close(&j, L'}');
        bgcli_json_print(&j);
    } else {
        if (listed == 0)
            bgcli_printf(L"(no jobs)\n");
        if (console)
            bgcli_printf(L"Press Ctrl+C to stop.\n");
        else
            bgcli_printf(L"\n");
    }
    bgcli_json_free(&j);
    return S_OK;
}

int bgcli_cmd_monitor(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    DWORD refresh = (args->opts & BGCLI_OPT_REFRESH) ? args->refresh_s : MONITOR_DEFAULT_REFRESH_S;
    BOOL console = bgcli_stdout_is_console() && !(args->opts & BGCLI_OPT_JSON);
    ULONGLONG start = GetTickCount64(), limit_ms = (ULONGLONG)args->timeout_s * 1000;
    struct tracked *t = calloc(MAX_TRACKED, sizeof(*t));
    HANDLE stop = bgcli_interrupt_begin();
    size_t nt = 0;
    ULONG number;
    int rc = BGCLI_EXIT_OK;

    if (!t) {
        bgcli_interrupt_end();
        return bgcli_fail_hr(mgr, L"Unable to monitor", E_OUTOFMEMORY);
    }
    for (number = 1;; number++) {
        BOOL active = FALSE;
        ULONGLONG elapsed, wait_ms = (ULONGLONG)refresh * 1000;
        HRESULT hr = snapshot(mgr, args, refresh, number, t, &nt, &active);
        if (FAILED(hr)) {
            rc = bgcli_fail_hr(mgr, L"Unable to enumerate jobs", hr);
            break;
        }
        if ((args->opts & BGCLI_OPT_COUNT) && number >= args->count)
            break;
        if (!console && !active && !(args->opts & BGCLI_OPT_COUNT))
            break; /* nothing left to watch (invariant 1) */
        elapsed = GetTickCount64() - start;
        if (args->opts & BGCLI_OPT_TIMEOUT) {
            if (elapsed >= limit_ms)
                break;
            if (limit_ms - elapsed < wait_ms)
                wait_ms = limit_ms - elapsed;
        }
        /* After the wait the loop shows one more snapshot, so the final state is on screen
         * when /timeout ends it. */
        if (stop ? WaitForSingleObject(stop, (DWORD)wait_ms) == WAIT_OBJECT_0 : (Sleep((DWORD)wait_ms), FALSE))
            break;
    }
    free(t);
    bgcli_interrupt_end();
    return rc;
}

/* ---- /wait ------------------------------------------------------------------------------- */

static void print_wait_result(const struct bgcli_args *args, const GUID *id, BG_JOB_STATE state,
                              const WCHAR *outcome, ULONGLONG waited_ms)
{
    if (args->opts & BGCLI_OPT_JSON) {
        struct bgcli_json j;
        WCHAR guid[39];
        bgcli_json_init(&j);
        bgcli_json_open(&j, NULL, L'{');
        bgcli_json_str(&j, L"id", bgcli_guid_str(id, guid));
        bgcli_json_str(&j, L"state", bgcli_state_name(state));
        bgcli_json_str(&j, L"outcome", outcome);
        bgcli_json_num(&j, L"waitedMs", waited_ms);
        bgcli_json_close(&j, L'}');
        bgcli_json_print(&j);
    } else if (args->opts & BGCLI_OPT_RAWRETURN) {
        bgcli_puts(bgcli_state_name(state));
    } else {
        bgcli_printf(L"%ls\n", bgcli_state_name(state));
    }
}

/* The job's error on stderr (the outcome ERROR). */
static void report_job_error(IBackgroundCopyManager *mgr, IBackgroundCopyJob *job)
{
    IBackgroundCopyError *error = NULL;
    BG_ERROR_CONTEXT ctx;
    HRESULT code;
    if (FAILED(IBackgroundCopyJob_GetError(job, &error)) || !error)
        return;
    if (SUCCEEDED(IBackgroundCopyError_GetError(error, &ctx, &code))) {
        WCHAR *text = bgcli_hr_text(mgr, code);
        bgcli_eprintf(L"ERROR: The job failed - context %ls - 0x%08lX %ls\n", bgcli_context_name(ctx),
                      (unsigned long)code, text);
        free(text);
    }
    IBackgroundCopyError_Release(error);
}

int bgcli_cmd_wait(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    IBackgroundCopyJob *job = NULL;
    DWORD timeout_s = (args->opts & BGCLI_OPT_TIMEOUT) ? args->timeout_s : WAIT_DEFAULT_S;
    ULONGLONG start = GetTickCount64(), limit_ms = (ULONGLONG)timeout_s * 1000;
    BOOL console = bgcli_stdout_is_console() && !(args->opts & (BGCLI_OPT_JSON | BGCLI_OPT_RAWRETURN));
    struct bgcli_progress progress;
    BG_JOB_STATE state = BG_JOB_STATE_QUEUED;
    HANDLE stop;
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
    stop = bgcli_interrupt_begin();
    bgcli_progress_init(&progress, TRUE);
    for (;;) {
        BG_JOB_PROGRESS jp;
        ULONGLONG elapsed;
        hr = IBackgroundCopyJob_GetState(job, &state);
        if (SUCCEEDED(hr) && console)
            hr = IBackgroundCopyJob_GetProgress(job, &jp);
        if (FAILED(hr)) {
            bgcli_progress_break(&progress);
            rc = bgcli_fail_hr(mgr, L"Unable to read the job's state", hr);
            break;
        }
        if (console)
            bgcli_progress_update(&progress, state, &jp);
        if (state == BG_JOB_STATE_TRANSFERRED || state == BG_JOB_STATE_ACKNOWLEDGED) {
            bgcli_progress_break(&progress);
            print_wait_result(args, &id, state, L"transferred", GetTickCount64() - start);
            rc = BGCLI_EXIT_OK;
            break;
        }
        if (state == BG_JOB_STATE_ERROR) {
            bgcli_progress_break(&progress);
            print_wait_result(args, &id, state, L"error", GetTickCount64() - start);
            report_job_error(mgr, job);
            rc = BGCLI_EXIT_JOB_ERROR;
            break;
        }
        if (state == BG_JOB_STATE_CANCELLED) {
            bgcli_progress_break(&progress);
            print_wait_result(args, &id, state, L"cancelled", GetTickCount64() - start);
            bgcli_eprintf(L"ERROR: The job was cancelled.\n");
            rc = BGCLI_EXIT_JOB_GONE;
            break;
        }
        elapsed = GetTickCount64() - start;
        if (elapsed >= limit_ms) {
            bgcli_progress_break(&progress);
            print_wait_result(args, &id, state, L"timeout", elapsed);
            bgcli_eprintf(L"ERROR: The job is still %ls after %lu s (/timeout).\n", bgcli_state_name(state),
                          (unsigned long)timeout_s);
            rc = BGCLI_EXIT_TIMEOUT;
            break;
        }
        if (stop ? WaitForSingleObject(stop, WAIT_POLL_MS) == WAIT_OBJECT_0 : (Sleep(WAIT_POLL_MS), FALSE)) {
            bgcli_progress_break(&progress);
            print_wait_result(args, &id, state, L"interrupted", GetTickCount64() - start);
            bgcli_eprintf(L"Interrupted.\n");
            rc = BGCLI_EXIT_INTERRUPTED;
            break;
        }
    }
    bgcli_interrupt_end();
    IBackgroundCopyJob_Release(job);
    return rc;
}
