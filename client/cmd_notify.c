/*
 * cmd_notify.c - the notification switches: /setnotifyflags /getnotifyflags,
 * /setnotifycmdline /getnotifycmdline (IBackgroundCopyJob2), /setnotifyclsid /getnotifyclsid
 * (IBackgroundCopyJob5 property BITS_JOB_PROPERTY_NOTIFICATION_CLSID) and /getnotifyinterface.
 *
 * Invariants:
 *  1. Values are parsed before the job is opened; a bad one is a usage error (exit 2).
 *  2. NULL as PROGRAM removes the command line (both pointers NULL, as SetNotifyCmdLine
 *     documents); NULL as PARAMETERS passes a NULL pointer; NULL as CLSID sets GUID_NULL.
 *  3. /getnotifyinterface releases the object it is handed at once: the client only reports
 *     whether one is registered, it never calls it.
 */
#include "bgcli.h"

#include <stdlib.h>
#include <wchar.h>

/* /setnotifyflags JOB FLAGS */
int bgcli_cmd_setnotifyflags(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    IBackgroundCopyJob *job = NULL;
    WCHAR names[160];
    ULONG flags;
    HRESULT hr;
    int rc;

    if (!bgcli_parse_ulong(args->pos[1], 0xFFFFFFFFul, &flags)) {
        bgcli_eprintf(L"ERROR: '%ls' is not a number (decimal or 0x hex)\n", args->pos[1]);
        bgcli_eprintf(L"Usage: bgcopyadmin %ls\n", args->sw->synopsis);
        return BGCLI_EXIT_USAGE;
    }
    rc = bgcli_open_job(mgr, args->pos[0], &job);
    if (rc != BGCLI_EXIT_OK)
        return rc;
    hr = IBackgroundCopyJob_SetNotifyFlags(job, flags);
    IBackgroundCopyJob_Release(job);
    if (FAILED(hr))
        return bgcli_fail_hr(mgr, L"Unable to set the notification flags", hr);
    bgcli_printf(L"Notification flags set to %lu (%ls).\n", (unsigned long)flags,
                 bgcli_notify_flags_str(flags, names, 160));
    return BGCLI_EXIT_OK;
}

/* /getnotifyflags JOB : the flags as a decimal number, as bitsadmin prints them. */
int bgcli_cmd_getnotifyflags(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    IBackgroundCopyJob *job = NULL;
    WCHAR buf[24];
    ULONG flags = 0;
    GUID id;
    HRESULT hr;
    int rc = bgcli_open_job(mgr, args->pos[0], &job);

    if (rc != BGCLI_EXIT_OK)
        return rc;
    hr = IBackgroundCopyJob_GetId(job, &id);
    if (SUCCEEDED(hr))
        hr = IBackgroundCopyJob_GetNotifyFlags(job, &flags);
    IBackgroundCopyJob_Release(job);
    if (FAILED(hr))
        return bgcli_fail_hr(mgr, L"Unable to get the notification flags", hr);
    swprintf(buf, 24, L"%lu", (unsigned long)flags);
    bgcli_print_result(args, &id, L"notifyFlags", buf, buf);
    return BGCLI_EXIT_OK;
}

/* /setnotifycmdline JOB PROGRAM [PARAMETERS] */
int bgcli_cmd_setnotifycmdline(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    IBackgroundCopyJob2 *job = NULL;
    const WCHAR *program = bgcli_is_null_word(args->pos[1]) ? NULL : args->pos[1];
    const WCHAR *params = args->npos > 2 && !bgcli_is_null_word(args->pos[2]) ? args->pos[2] : NULL;
    HRESULT hr;
    int rc;

    if (!program && params) {
        bgcli_eprintf(L"ERROR: PARAMETERS need a PROGRAM (NULL removes the command line)\n");
        return BGCLI_EXIT_USAGE;
    }
    rc = bgcli_open_job_iface(mgr, args, &IID_IBackgroundCopyJob2, (void **)&job, NULL);
    if (rc != BGCLI_EXIT_OK)
        return rc;
    hr = IBackgroundCopyJob2_SetNotifyCmdLine(job, program, params);
    IBackgroundCopyJob2_Release(job);
    if (FAILED(hr))
        return bgcli_fail_hr(mgr, L"Unable to set the notification command line", hr);
    if (program)
        bgcli_printf(L"Notification command line set to '%ls' '%ls'.\n", program, params ? params : L"NULL");
    else
        bgcli_printf(L"Notification command line removed.\n");
    return BGCLI_EXIT_OK;
}

/* /getnotifycmdline JOB : 'PROGRAM' 'PARAMETERS' (NULL for a missing part). */
int bgcli_cmd_getnotifycmdline(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    IBackgroundCopyJob2 *job = NULL;
    WCHAR *program = NULL, *params = NULL, *text = NULL;
    struct bgcli_json j;
    GUID id;
    HRESULT hr;
    size_t n;
    int rc = bgcli_open_job_iface(mgr, args, &IID_IBackgroundCopyJob2, (void **)&job, &id);

    if (rc != BGCLI_EXIT_OK)
        return rc;
    hr = IBackgroundCopyJob2_GetNotifyCmdLine(job, &program, &params);
    IBackgroundCopyJob2_Release(job);
    if (FAILED(hr)) {
        CoTaskMemFree(program);
        CoTaskMemFree(params);
        return bgcli_fail_hr(mgr, L"Unable to get the notification command line", hr);
    }
    /* Not set: some servers answer NULL, others empty strings; both print as NULL. */
    if (program && !program[0]) {
        CoTaskMemFree(program);
        program = NULL;
    }
    if (params && !params[0]) {
        CoTaskMemFree(params);
        params = NULL;
    }
    n = (program ? wcslen(program) : 4) + (params ? wcslen(params) : 4) + 8;
    text = malloc(n * sizeof(WCHAR));
    bgcli_json_init(&j);
    bgcli_json_open(&j, NULL, L'{');
    bgcli_json_str(&j, L"program", program);
    bgcli_json_str(&j, L"parameters", params);
    bgcli_json_close(&j, L'}');
    if (text && bgcli_json_text(&j)) {
        if (program)
            swprintf(text, n, L"'%ls' '%ls'", program, params ? params : L"NULL");
        else
            swprintf(text, n, L"NULL");
        bgcli_print_result(args, &id, L"notifyCmdLine", text, bgcli_json_text(&j));
    } else {
        rc = bgcli_fail_hr(mgr, L"Unable to get the notification command line", E_OUTOFMEMORY);
    }
    bgcli_json_free(&j);
    free(text);
    CoTaskMemFree(program);
    CoTaskMemFree(params);
    return rc;
}

/* /setnotifyclsid JOB {CLSID}|NULL */
int bgcli_cmd_setnotifyclsid(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    IBackgroundCopyJob5 *job = NULL;
    BITS_JOB_PROPERTY_VALUE value;
    WCHAR guid[39];
    HRESULT hr;
    int rc;

    memset(&value, 0, sizeof(value));
    if (!bgcli_is_null_word(args->pos[1]) && !bgcli_parse_guid(args->pos[1], &value.ClsID)) {
        bgcli_eprintf(L"ERROR: '%ls' is not a {CLSID} or NULL\n", args->pos[1]);
        bgcli_eprintf(L"Usage: bgcopyadmin %ls\n", args->sw->synopsis);
        return BGCLI_EXIT_USAGE;
    }
    rc = bgcli_open_job_iface(mgr, args, &IID_IBackgroundCopyJob5, (void **)&job, NULL);
    if (rc != BGCLI_EXIT_OK)
        return rc;
    hr = IBackgroundCopyJob5_SetProperty(job, BITS_JOB_PROPERTY_NOTIFICATION_CLSID, value);
    IBackgroundCopyJob5_Release(job);
    if (FAILED(hr))
        return bgcli_fail_hr(mgr, L"Unable to set the notification CLSID", hr);
    if (IsEqualGUID(&value.ClsID, &GUID_NULL))
        bgcli_printf(L"Notification CLSID removed.\n");
    else
        bgcli_printf(L"Notification CLSID set to %ls.\n", bgcli_guid_str(&value.ClsID, guid));
    return BGCLI_EXIT_OK;
}

/* /getnotifyclsid JOB */
int bgcli_cmd_getnotifyclsid(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    IBackgroundCopyJob5 *job = NULL;
    BITS_JOB_PROPERTY_VALUE value;
    WCHAR guid[39], json[42];
    GUID id;
    HRESULT hr;
    int rc = bgcli_open_job_iface(mgr, args, &IID_IBackgroundCopyJob5, (void **)&job, &id);

    if (rc != BGCLI_EXIT_OK)
        return rc;
    memset(&value, 0, sizeof(value));
    hr = IBackgroundCopyJob5_GetProperty(job, BITS_JOB_PROPERTY_NOTIFICATION_CLSID, &value);
    IBackgroundCopyJob5_Release(job);
    if (FAILED(hr))
        return bgcli_fail_hr(mgr, L"Unable to get the notification CLSID", hr);
    bgcli_guid_str(&value.ClsID, guid);
    swprintf(json, 42, L"\"%ls\"", guid);
    bgcli_print_result(args, &id, L"notifyClsid", guid, json);
    return BGCLI_EXIT_OK;
}

/* /getnotifyinterface JOB : REGISTERED or UNREGISTERED. */
int bgcli_cmd_getnotifyinterface(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    IBackgroundCopyJob *job = NULL;
    IUnknown *unk = NULL;
    GUID id;
    HRESULT hr;
    int rc = bgcli_open_job(mgr, args->pos[0], &job);

    if (rc != BGCLI_EXIT_OK)
        return rc;
    hr = IBackgroundCopyJob_GetId(job, &id);
    if (SUCCEEDED(hr))
        hr = IBackgroundCopyJob_GetNotifyInterface(job, &unk);
    IBackgroundCopyJob_Release(job);
    if (FAILED(hr))
        return bgcli_fail_hr(mgr, L"Unable to get the notification interface", hr);
    if (unk)
        IUnknown_Release(unk);
    bgcli_print_result(args, &id, L"notifyInterfaceRegistered", unk ? L"REGISTERED" : L"UNREGISTERED",
                       unk ? L"true" : L"false");
    return BGCLI_EXIT_OK;
}
