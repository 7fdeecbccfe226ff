/*
 * cmd_job.c - the commands that change one job: /create, /addfile, /resume, /suspend,
 * /cancel, /complete. Each is one COM call (after finding the job) and prints one line in
 * bitsadmin's words.
 *
 * Invariant: argument counts were checked by the dispatcher (bgcopyadmin.c); these functions
 * only make COM calls and report them.
 */
#include "bgcli.h"

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
        bgcli_report_hr(mgr, L"Unable to create job", hr);
        return BGCLI_EXIT_FAIL;
    }
    IBackgroundCopyJob_Release(job);
    bgcli_printf(L"Created job %ls.\n", bgcli_guid_str(&id, guid));
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
    if (FAILED(hr)) {
        bgcli_report_hr(mgr, L"Unable to add file to job", hr);
        return BGCLI_EXIT_FAIL;
    }
    bgcli_printf(L"Added %ls -> %ls to job.\n", args->pos[1], args->pos[2]);
    return BGCLI_EXIT_OK;
}

/* The four state-changing methods share one shape. */
enum job_action { ACTION_RESUME, ACTION_SUSPEND, ACTION_CANCEL, ACTION_COMPLETE };

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
    }
    IBackgroundCopyJob_Release(job);
    if (FAILED(hr)) {
        bgcli_report_hr(mgr, text[action].failure, hr);
        return BGCLI_EXIT_FAIL;
    }
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
