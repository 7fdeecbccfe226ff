/*
 * cmd_transfer.c - /transfer NAME [/download] [/priority P] [/timeout S] URL LOCAL [URL LOCAL...]
 *
 * Creates a job, adds the files, sets the priority, registers the client's callback object
 * (callback.c), resumes and shows progress (progress.c: a redrawn bar with rate and ETA on a
 * console, plain lines otherwise) until the callback reports the outcome:
 *   JobTransferred -> "Callback: JobTransferred received.", Complete, "Transfer complete."
 *   JobError       -> "Callback: JobError received.", the error (context, HRESULT, text), Cancel
 *
 * Invariants:
 *  1. Every wait is bounded: the main loop wakes at least every POLL_MS to refresh progress, and
 *     stops at /timeout (job cancelled), on Ctrl+C (job cancelled), when the job becomes final
 *     behind our back, or when the server's state says TRANSFERRED/ERROR but no callback came
 *     within CALLBACK_GRACE_MS (then the polled state decides, with a warning).
 *  2. A job this command created is never left behind on failure: it ends completed or
 *     cancelled, except when Cancel itself fails (reported).
 *  3. The callback registration is removed (SetNotifyInterface(NULL)) and the object is
 *     disconnected before the job is completed or cancelled, so no call arrives afterwards.
 *  4. Exit codes: 0 transferred and completed, 1 a COM call failed, 4 the job failed (ERROR),
 *     5 /timeout, 6 another client completed or cancelled the job, 7 Ctrl+C.
 */
#include "bgcli.h"

#include <stdlib.h>
#include <wchar.h>

#define POLL_MS 250
#define CALLBACK_GRACE_MS 10000

enum outcome {
    OUTCOME_TRANSFERRED,   /* JobTransferred callback (or TRANSFERRED state after the grace) */
    OUTCOME_ERROR,         /* JobError callback (or ERROR state after the grace) */
    OUTCOME_TIMEOUT,       /* /timeout elapsed */
    OUTCOME_INTERRUPTED,   /* Ctrl+C */
    OUTCOME_GONE,          /* the job became ACKNOWLEDGED/CANCELLED without us */
    OUTCOME_POLL_FAILED,   /* GetState/GetProgress failed */
};

/* Prints the job's current error object (used when no JobError callback delivered it). */
static void print_job_error(IBackgroundCopyManager *mgr, IBackgroundCopyJob *job, const WCHAR *prefix)
{
    IBackgroundCopyError *error = NULL;
    BG_ERROR_CONTEXT ctx;
    HRESULT code;
    WCHAR *text;

    if (FAILED(IBackgroundCopyJob_GetError(job, &error)) || !error)
        return;
    if (SUCCEEDED(IBackgroundCopyError_GetError(error, &ctx, &code))) {
        text = bgcli_hr_text(mgr, code);
        bgcli_eprintf(L"%ls: context %ls - 0x%08lX %ls\n", prefix, bgcli_context_name(ctx), (unsigned long)code, text);
        free(text);
    }
    IBackgroundCopyError_Release(error);
}

static void print_callback_error(IBackgroundCopyManager *mgr, const struct bgcli_callback_report *r)
{
    WCHAR *fallback = NULL;
    const WCHAR *desc = r->description;
    if (!desc) {
        fallback = bgcli_hr_text(mgr, r->code);
        desc = fallback;
    }
    bgcli_eprintf(L"ERROR: Transfer failed - context %ls%ls%ls - 0x%08lX %ls\n", bgcli_context_name(r->context),
                  r->remote_name ? L", file " : L"", r->remote_name ? r->remote_name : L"", (unsigned long)r->code,
                  desc);
    if (r->context_description)
        bgcli_eprintf(L"ERROR CONTEXT: %ls\n", r->context_description);
    free(fallback);
}

/* Waits for the outcome while showing progress. */
static enum outcome wait_for_outcome(IBackgroundCopyManager *mgr, IBackgroundCopyJob *job,
                                     struct bgcli_callback *cb, HANDLE cb_event, HANDLE interrupt_event,
                                     DWORD timeout_s)
{
    struct bgcli_progress progress;
    ULONGLONG start = GetTickCount64(), final_since = 0;
    BG_JOB_STATE state, prev = (BG_JOB_STATE)-1;
    BG_JOB_PROGRESS jp;
    HANDLE events[2] = { cb_event, interrupt_event };
    HRESULT hr;

    bgcli_progress_init(&progress, bgcli_stdout_is_console());
    bgcli_progress_sample(&progress, 0); /* a new job: the rate counts from zero bytes now */
    for (;;) {
        LONG transferred, errors;
        DWORD w = WaitForMultipleObjects(2, events, FALSE, POLL_MS);
        ULONGLONG now = GetTickCount64();

        hr = IBackgroundCopyJob_GetState(job, &state);
        if (SUCCEEDED(hr))
            hr = IBackgroundCopyJob_GetProgress(job, &jp);
        if (FAILED(hr)) {
            bgcli_progress_break(&progress);
            bgcli_report_hr(mgr, L"Unable to read the job's progress", hr);
            return OUTCOME_POLL_FAILED;
        }
        bgcli_progress_update(&progress, state, &jp);
        if (state == BG_JOB_STATE_TRANSIENT_ERROR && prev != state) {
            bgcli_progress_break(&progress);
            print_job_error(mgr, job, L"Transient error (will retry)");
        }
        prev = state;

        bgcli_callback_counts(cb, &transferred, &errors);
        if (transferred > 0 || errors > 0) {
            bgcli_progress_break(&progress);
            return transferred > 0 ? OUTCOME_TRANSFERRED : OUTCOME_ERROR;
        }
        if (w == WAIT_OBJECT_0 + 1) {
            bgcli_progress_break(&progress);
            return OUTCOME_INTERRUPTED;
        }
        if (state == BG_JOB_STATE_ACKNOWLEDGED || state == BG_JOB_STATE_CANCELLED) {
            bgcli_progress_break(&progress);
            return OUTCOME_GONE;
        }
        if (state == BG_JOB_STATE_TRANSFERRED || state == BG_JOB_STATE_ERROR) {
            if (!final_since)
                final_since = now;
            else if (now - final_since >= CALLBACK_GRACE_MS) {
                bgcli_progress_break(&progress);
                bgcli_eprintf(L"WARNING: the job is %ls but no callback arrived within %u s.\n",
                              bgcli_state_name(state), CALLBACK_GRACE_MS / 1000);
                return state == BG_JOB_STATE_TRANSFERRED ? OUTCOME_TRANSFERRED : OUTCOME_ERROR;
            }
        } else {
            final_since = 0;
        }
        if (timeout_s && now - start >= (ULONGLONG)timeout_s * 1000) {
            bgcli_progress_break(&progress);
            return OUTCOME_TIMEOUT;
        }
    }
}

/* Cancels the job this command created; reports a failure. */
static void cancel_job(IBackgroundCopyManager *mgr, IBackgroundCopyJob *job)
{
    HRESULT hr = IBackgroundCopyJob_Cancel(job);
    if (FAILED(hr))
        bgcli_report_hr(mgr, L"Unable to cancel job", hr);
    else
        bgcli_printf(L"Job canceled.\n");
}

/* Creates the job and adds the files. On failure the job is cancelled and *out is NULL. */
static int create_job(IBackgroundCopyManager *mgr, const struct bgcli_args *args, IBackgroundCopyJob **out)
{
    IBackgroundCopyJob *job = NULL;
    GUID id;
    WCHAR guid[39];
    HRESULT hr;
    int i;

    *out = NULL;
    hr = IBackgroundCopyManager_CreateJob(mgr, args->pos[0], bgcli_job_type_from_opts(args->opts), &id, &job);
    if (FAILED(hr)) {
        bgcli_report_hr(mgr, L"Unable to create job", hr);
        return BGCLI_EXIT_FAIL;
    }
    bgcli_printf(L"Created job %ls.\n", bgcli_guid_str(&id, guid));
    for (i = 1; i + 1 < args->npos; i += 2) {
        hr = IBackgroundCopyJob_AddFile(job, args->pos[i], args->pos[i + 1]);
        if (FAILED(hr)) {
            bgcli_report_hr(mgr, L"Unable to add file to job", hr);
            cancel_job(mgr, job);
            IBackgroundCopyJob_Release(job);
            return BGCLI_EXIT_FAIL;
        }
        bgcli_printf(L"Added %ls -> %ls to job.\n", args->pos[i], args->pos[i + 1]);
    }
    *out = job;
    return BGCLI_EXIT_OK;
}

/* Sets the priority, registers cb, sets the notify flags and resumes. */
static HRESULT start_job(IBackgroundCopyManager *mgr, IBackgroundCopyJob *job, struct bgcli_callback *cb,
                         const struct bgcli_args *args)
{
    HRESULT hr = S_OK;
    if (args->opts & BGCLI_OPT_PRIORITY) {
        hr = IBackgroundCopyJob_SetPriority(job, args->priority);
        if (FAILED(hr)) {
            bgcli_report_hr(mgr, L"Unable to set the priority", hr);
            return hr;
        }
    }
    hr = IBackgroundCopyJob_SetNotifyFlags(job, BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR);
    if (FAILED(hr)) {
        bgcli_report_hr(mgr, L"Unable to set the notification flags", hr);
        return hr;
    }
    hr = IBackgroundCopyJob_SetNotifyInterface(job, bgcli_callback_unknown(cb));
    if (FAILED(hr)) {
        bgcli_report_hr(mgr, L"Unable to register the callback", hr);
        return hr;
    }
    hr = IBackgroundCopyJob_Resume(job);
    if (FAILED(hr))
        bgcli_report_hr(mgr, L"Unable to resume job", hr);
    return hr;
}

int bgcli_cmd_transfer(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    IBackgroundCopyJob *job = NULL;
    struct bgcli_callback *cb = NULL;
    struct bgcli_callback_report report;
    HANDLE cb_event = NULL, interrupt_event;
    WCHAR what[64];
    enum outcome outcome;
    HRESULT hr;
    int rc;

    ZeroMemory(&report, sizeof(report));
    rc = create_job(mgr, args, &job);
    if (rc != BGCLI_EXIT_OK)
        return rc;

    cb_event = CreateEventW(NULL, FALSE, FALSE, NULL);
    interrupt_event = bgcli_interrupt_begin();
    cb = cb_event ? bgcli_callback_new(cb_event) : NULL;
    if (!cb || !interrupt_event) {
        bgcli_report_hr(mgr, L"Unable to create the callback object", E_OUTOFMEMORY);
        cancel_job(mgr, job);
        rc = BGCLI_EXIT_FAIL;
        goto done;
    }
    if (FAILED(start_job(mgr, job, cb, args))) {
        IBackgroundCopyJob_SetNotifyInterface(job, NULL);
        cancel_job(mgr, job);
        rc = BGCLI_EXIT_FAIL;
        goto done;
    }

    outcome = wait_for_outcome(mgr, job, cb, cb_event, interrupt_event,
                               (args->opts & BGCLI_OPT_TIMEOUT) ? args->timeout_s : 0);
    bgcli_callback_snapshot(cb, &report);
    /* No callback may arrive once we act on the outcome (invariant 3). */
    IBackgroundCopyJob_SetNotifyInterface(job, NULL);
    bgcli_callback_free(cb);
    cb = NULL;

    rc = BGCLI_EXIT_FAIL;
    switch (outcome) {
    case OUTCOME_TRANSFERRED:
        if (report.transferred > 0)
            bgcli_printf(L"Callback: JobTransferred received.\n");
        hr = IBackgroundCopyJob_Complete(job);
        if (FAILED(hr)) {
            bgcli_report_hr(mgr, L"Unable to complete job", hr);
            break;
        }
        if (hr == (HRESULT)BG_S_PARTIAL_COMPLETE)
            bgcli_printf(L"Job partially completed (0x%08lX).\n", (unsigned long)hr);
        bgcli_printf(L"Transfer complete.\n");
        rc = BGCLI_EXIT_OK;
        break;
    case OUTCOME_ERROR:
        if (report.errors > 0) {
            bgcli_printf(L"Callback: JobError received.\n");
            print_callback_error(mgr, &report);
        } else {
            print_job_error(mgr, job, L"ERROR: Transfer failed");
        }
        cancel_job(mgr, job);
        rc = BGCLI_EXIT_JOB_ERROR;
        break;
    case OUTCOME_TIMEOUT:
        swprintf(what, 64, L"Transfer timed out after %lu s", (unsigned long)args->timeout_s);
        bgcli_report_hr(mgr, what, HRESULT_FROM_WIN32(ERROR_TIMEOUT));
        cancel_job(mgr, job);
        rc = BGCLI_EXIT_TIMEOUT;
        break;
    case OUTCOME_INTERRUPTED:
        bgcli_eprintf(L"Interrupted.\n");
        cancel_job(mgr, job);
        rc = BGCLI_EXIT_INTERRUPTED;
        break;
    case OUTCOME_GONE:
        bgcli_eprintf(L"ERROR: The job was completed or cancelled by another client.\n");
        rc = BGCLI_EXIT_JOB_GONE;
        break;
    case OUTCOME_POLL_FAILED:
        cancel_job(mgr, job);
        break;
    }

done:
    bgcli_interrupt_end();
    bgcli_callback_report_clear(&report);
    if (cb)
        bgcli_callback_free(cb);
    if (cb_event)
        CloseHandle(cb_event);
    IBackgroundCopyJob_Release(job);
    return rc;
}
