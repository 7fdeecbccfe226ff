/*
 * cmd_set.c - the single-property setters of the job: /setdisplayname, /setdescription,
 * /setpriority, /setminretrydelay, /setnoprogresstimeout, /setmaxdownloadtime, and of a file:
 * /setvalidationstate. Each prints one confirmation line in bitsadmin's words.
 *
 * Invariants:
 *  1. The new value is parsed before the job is opened; a bad value is a usage error (exit 2)
 *     and the job is not touched.
 *  2. One COM call changes the job; its failure is reported with its HRESULT (bgcli_fail_hr).
 */
#include "bgcli.h"

#include <wchar.h>

/* The value of a setter, parsed from the command line. */
struct setting {
    const WCHAR *text;      /* string settings */
    ULONG number;           /* numeric settings */
    BG_JOB_PRIORITY priority; /* /setpriority */
};

enum setter { SET_DISPLAYNAME, SET_DESCRIPTION, SET_PRIORITY, SET_RETRY, SET_NOPROGRESS, SET_MAXTIME };

static int bad_value(const struct bgcli_args *args, const WCHAR *want)
{
    bgcli_eprintf(L"ERROR: '%ls' is not a valid value for /%ls: %ls\n", args->pos[1], args->sw->name, want);
    bgcli_eprintf(L"Usage: bgcopyadmin %ls\n", args->sw->synopsis);
    return BGCLI_EXIT_USAGE;
}

static int run_setter(IBackgroundCopyManager *mgr, const struct bgcli_args *args, enum setter which)
{
    IBackgroundCopyJob *job = NULL;
    IBackgroundCopyJob4 *job4 = NULL;
    struct setting s = { args->pos[1], 0, BG_JOB_PRIORITY_NORMAL };
    HRESULT hr = E_UNEXPECTED;
    int rc;

    switch (which) {
    case SET_PRIORITY:
        if (!bgcli_parse_priority(args->pos[1], &s.priority))
            return bad_value(args, L"FOREGROUND, HIGH, NORMAL or LOW");
        break;
    case SET_RETRY:
    case SET_NOPROGRESS:
    case SET_MAXTIME:
        if (!bgcli_parse_ulong(args->pos[1], 0xFFFFFFFFul, &s.number))
            return bad_value(args, L"a number of seconds");
        break;
    default:
        break;
    }
    rc = bgcli_open_job(mgr, args->pos[0], &job);
    if (rc != BGCLI_EXIT_OK)
        return rc;
    switch (which) {
    case SET_DISPLAYNAME: hr = IBackgroundCopyJob_SetDisplayName(job, s.text); break;
    case SET_DESCRIPTION: hr = IBackgroundCopyJob_SetDescription(job, s.text); break;
    case SET_PRIORITY: hr = IBackgroundCopyJob_SetPriority(job, s.priority); break;
    case SET_RETRY: hr = IBackgroundCopyJob_SetMinimumRetryDelay(job, s.number); break;
    case SET_NOPROGRESS: hr = IBackgroundCopyJob_SetNoProgressTimeout(job, s.number); break;
    case SET_MAXTIME:
        hr = IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJob4, (void **)&job4);
        if (SUCCEEDED(hr)) {
            hr = IBackgroundCopyJob4_SetMaximumDownloadTime(job4, s.number);
            IBackgroundCopyJob4_Release(job4);
        }
        break;
    }
    IBackgroundCopyJob_Release(job);
    if (FAILED(hr))
        return bgcli_fail_hr(mgr, L"Unable to set the property", hr);
    switch (which) {
    case SET_DISPLAYNAME: bgcli_printf(L"Display name set to %ls.\n", s.text); break;
    case SET_DESCRIPTION: bgcli_printf(L"Description set to %ls.\n", s.text); break;
    case SET_PRIORITY: bgcli_printf(L"Priority set to %ls.\n", bgcli_priority_name(s.priority)); break;
    case SET_RETRY: bgcli_printf(L"Minimum retry delay set to %lu.\n", (unsigned long)s.number); break;
    case SET_NOPROGRESS: bgcli_printf(L"No progress timeout set to %lu.\n", (unsigned long)s.number); break;
    case SET_MAXTIME: bgcli_printf(L"Maximum download time set to %lu.\n", (unsigned long)s.number); break;
    }
    return BGCLI_EXIT_OK;
}

int bgcli_cmd_setdisplayname(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    return run_setter(mgr, args, SET_DISPLAYNAME);
}

int bgcli_cmd_setdescription(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    return run_setter(mgr, args, SET_DESCRIPTION);
}

int bgcli_cmd_setpriority(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    return run_setter(mgr, args, SET_PRIORITY);
}

int bgcli_cmd_setminretrydelay(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    return run_setter(mgr, args, SET_RETRY);
}

int bgcli_cmd_setnoprogresstimeout(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    return run_setter(mgr, args, SET_NOPROGRESS);
}

int bgcli_cmd_setmaxdownloadtime(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    return run_setter(mgr, args, SET_MAXTIME);
}

/* /setvalidationstate JOB FILE_INDEX TRUE|FALSE */
int bgcli_cmd_setvalidationstate(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    IBackgroundCopyJob *job = NULL;
    IBackgroundCopyFile3 *file = NULL;
    BOOL state;
    HRESULT hr;
    int rc;

    if (!bgcli_parse_bool(args->pos[2], &state)) {
        bgcli_eprintf(L"ERROR: '%ls' is not TRUE or FALSE\n", args->pos[2]);
        return BGCLI_EXIT_USAGE;
    }
    rc = bgcli_open_job(mgr, args->pos[0], &job);
    if (rc != BGCLI_EXIT_OK)
        return rc;
    rc = bgcli_open_file_iface(mgr, job, args->pos[1], &IID_IBackgroundCopyFile3, (void **)&file);
    IBackgroundCopyJob_Release(job);
    if (rc != BGCLI_EXIT_OK)
        return rc;
    hr = IBackgroundCopyFile3_SetValidationState(file, state);
    IBackgroundCopyFile3_Release(file);
    if (FAILED(hr))
        return bgcli_fail_hr(mgr, L"Unable to set the validation state", hr);
    bgcli_printf(L"Validation state set to %ls.\n", state ? L"TRUE" : L"FALSE");
    return BGCLI_EXIT_OK;
}
