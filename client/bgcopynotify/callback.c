/*
 * callback.c - bgcopynotify's callback object: IBackgroundCopyCallback3 (and 2, 1, N3). It
 * logs every call it receives (event, job GUID, display name, state, and the file or error)
 * and, on JobTransferred, runs the configured Command and/or Completes the job.
 *
 * Invariants:
 *  1. The settings are read again for every call, so a change in the registry applies to the
 *     next notification without restarting the process.
 *  2. JobTransferred: Command first (the job GUID replaces each %1, or is appended when there
 *     is none; CreateProcess without a shell, the wait bounded by BGCLI_NOTIFY_CMD_WAIT_MS).
 *     If the command cannot start or exits non-zero, the job is not completed and the call
 *     returns E_FAIL, so bgcopysvc calls again after the job's MinimumRetryDelay (N5). Then,
 *     with CompleteOnTransferred, Complete; its result is logged and the call returns S_OK
 *     (the job left TRANSFERRED, or someone else completed it first).
 *  3. JobError, JobModification, FileTransferred and FileRangesTransferred only log and
 *     return S_OK (N3: every method exists and succeeds when unused).
 *  4. Each object holds one process lock (bgnotify.h invariant 2) from creation to its last
 *     Release. Pointers passed in are used only during the call (N12).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "bgnotify.h"

struct notify_cb {
    IBackgroundCopyCallback3 IBackgroundCopyCallback3_iface;
    LONG ref; /* COM references */
};

static struct notify_cb *impl_from_iface(IBackgroundCopyCallback3 *iface)
{
    return CONTAINING_RECORD(iface, struct notify_cb, IBackgroundCopyCallback3_iface);
}

static const char *state_name(BG_JOB_STATE s)
{
    static const char *names[] = {"QUEUED",      "CONNECTING",  "TRANSFERRING", "SUSPENDED",
                                  "ERROR",       "TRANSIENT_ERROR", "TRANSFERRED", "ACKNOWLEDGED",
                                  "CANCELLED"};

    return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

/* UTF-8 copy of s into out (size bytes, always terminated); "" for NULL. */
static char *utf8(const WCHAR *s, char *out, int size)
{
    out[0] = 0;
    if (s && !WideCharToMultiByte(CP_UTF8, 0, s, -1, out, size, NULL, NULL))
        out[size - 1] = 0;
    return out;
}

struct job_facts {
    WCHAR guid[40];   /* {GUID} of the job, or "?" */
    char guid8[40];   /* the same in UTF-8 */
    char name[512];   /* display name, UTF-8 */
    BG_JOB_STATE state;
};

/* Asks the job for its id, display name and state (three calls to bgcopysvc). */
static void job_facts(IBackgroundCopyJob *job, struct job_facts *f)
{
    WCHAR *name = NULL;
    GUID id;

    wcscpy(f->guid, L"?");
    f->name[0] = 0;
    f->state = (BG_JOB_STATE)-1;
    if (!job)
        return;
    if (SUCCEEDED(IBackgroundCopyJob_GetId(job, &id)))
        StringFromGUID2(&id, f->guid, 40);
    if (SUCCEEDED(IBackgroundCopyJob_GetDisplayName(job, &name))) {
        utf8(name, f->name, sizeof(f->name));
        CoTaskMemFree(name);
    }
    if (FAILED(IBackgroundCopyJob_GetState(job, &f->state)))
        f->state = (BG_JOB_STATE)-1;
    utf8(f->guid, f->guid8, sizeof(f->guid8));
}

static void log_event(const char *event, const struct job_facts *f, const char *extra)
{
    bgcli_notify_log("%s job=%s name=\"%s\" state=%s%s%s", event, f->guid8, f->name, state_name(f->state),
                     extra && *extra ? " " : "", extra ? extra : "");
}

/* Builds the command line: each %1 replaced by guid, or guid appended when there is none.
 * Returns a malloc'd string or NULL (out of memory). */
static WCHAR *build_command(const WCHAR *command, const WCHAR *guid)
{
    size_t len = wcslen(command), glen = wcslen(guid), n = 0, cap;
    const WCHAR *p;
    WCHAR *out;
    BOOL substituted = FALSE;

    for (p = command; (p = wcsstr(p, L"%1")); p += 2)
        n++;
    cap = len + (n ? n * glen : glen + 1) + 1;
    if (!(out = malloc(cap * sizeof(WCHAR))))
        return NULL;
    out[0] = 0;
    for (p = command; *p;) {
        if (p[0] == L'%' && p[1] == L'1') {
            wcscat(out, guid);
            substituted = TRUE;
            p += 2;
        } else {
            size_t at = wcslen(out);

            out[at] = *p++;
            out[at + 1] = 0;
        }
    }
    if (!substituted) {
        wcscat(out, L" ");
        wcscat(out, guid);
    }
    return out;
}

/* Runs the Command for the job (invariant 2). TRUE when it exited with 0 or still runs after
 * the bounded wait (counted as handled). */
static BOOL run_command(const WCHAR *command, const struct job_facts *f)
{
    WCHAR *line = build_command(command, f->guid);
    char line8[BGCLI_NOTIFY_MAX];
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    DWORD code = 1, wait;
    BOOL ok = FALSE;

    if (!line) {
        bgcli_notify_log("command job=%s: out of memory", f->guid8);
        return FALSE;
    }
    utf8(line, line8, sizeof(line8));
    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    if (!CreateProcessW(NULL, line, NULL, NULL, FALSE, CREATE_NO_WINDOW, NULL, NULL, &si, &pi)) {
        bgcli_notify_log("command job=%s \"%s\": CreateProcess failed, error %lu", f->guid8, line8,
                         (unsigned long)GetLastError());
        free(line);
        return FALSE;
    }
    CloseHandle(pi.hThread);
    bgcli_notify_log("command job=%s \"%s\" started pid=%lu", f->guid8, line8, (unsigned long)pi.dwProcessId);
    wait = WaitForSingleObject(pi.hProcess, BGCLI_NOTIFY_CMD_WAIT_MS);
    if (wait == WAIT_OBJECT_0 && GetExitCodeProcess(pi.hProcess, &code)) {
        bgcli_notify_log("command job=%s exit=%lu", f->guid8, (unsigned long)code);
        ok = code == 0;
    } else {
        bgcli_notify_log("command job=%s still runs after %lu ms: counted as handled", f->guid8,
                         (unsigned long)BGCLI_NOTIFY_CMD_WAIT_MS);
        ok = TRUE;
    }
    CloseHandle(pi.hProcess);
    free(line);
    return ok;
}

static HRESULT WINAPI cb_QueryInterface(IBackgroundCopyCallback3 *iface, REFIID riid, void **ppv)
{
    if (!ppv)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IBackgroundCopyCallback) ||
        IsEqualIID(riid, &IID_IBackgroundCopyCallback2) || IsEqualIID(riid, &IID_IBackgroundCopyCallback3)) {
        *ppv = iface;
        IBackgroundCopyCallback3_AddRef(iface);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI cb_AddRef(IBackgroundCopyCallback3 *iface)
{
    return (ULONG)InterlockedIncrement(&impl_from_iface(iface)->ref);
}

static ULONG WINAPI cb_Release(IBackgroundCopyCallback3 *iface)
{
    struct notify_cb *cb = impl_from_iface(iface);
    LONG ref = InterlockedDecrement(&cb->ref);

    if (!ref) {
        free(cb);
        bgcli_notify_unlock();
    }
    return (ULONG)ref;
}

static HRESULT WINAPI cb_JobTransferred(IBackgroundCopyCallback3 *iface, IBackgroundCopyJob *job)
{
    struct bgcli_notify_config cfg;
    struct job_facts f;
    HRESULT hr;

    (void)iface;
    bgcli_notify_load_config(&cfg);
    job_facts(job, &f);
    log_event("JobTransferred", &f, NULL);
    if (!job)
        return E_INVALIDARG;
    if (cfg.command[0] && !run_command(cfg.command, &f)) {
        bgcli_notify_log("JobTransferred-result job=%s hr=0x%08lx (command failed; job left as it is)", f.guid8,
                         (unsigned long)E_FAIL);
        return E_FAIL;
    }
    if (cfg.complete_on_transferred) {
        hr = IBackgroundCopyJob_Complete(job);
        bgcli_notify_log("Complete job=%s hr=0x%08lx", f.guid8, (unsigned long)hr);
    }
    bgcli_notify_log("JobTransferred-result job=%s hr=0x%08lx", f.guid8, (unsigned long)S_OK);
    return S_OK;
}

static HRESULT WINAPI cb_JobError(IBackgroundCopyCallback3 *iface, IBackgroundCopyJob *job, IBackgroundCopyError *error)
{
    BG_ERROR_CONTEXT context = BG_ERROR_CONTEXT_NONE;
    HRESULT code = S_OK;
    struct job_facts f;
    char extra[64];

    (void)iface;
    job_facts(job, &f);
    if (error)
        IBackgroundCopyError_GetError(error, &context, &code);
    snprintf(extra, sizeof(extra), "error=0x%08lx context=%d", (unsigned long)code, (int)context);
    log_event("JobError", &f, extra);
    return S_OK;
}

static HRESULT WINAPI cb_JobModification(IBackgroundCopyCallback3 *iface, IBackgroundCopyJob *job, DWORD reserved)
{
    struct job_facts f;

    (void)iface;
    (void)reserved;
    job_facts(job, &f);
    log_event("JobModification", &f, NULL);
    return S_OK;
}

/* "file=\"<local name>\"" of file, or "" */
static void file_extra(IBackgroundCopyFile *file, char *out, size_t size)
{
    WCHAR *local = NULL;
    char local8[BGCLI_NOTIFY_MAX / 2];

    out[0] = 0;
    if (file && SUCCEEDED(IBackgroundCopyFile_GetLocalName(file, &local))) {
        snprintf(out, size, "file=\"%s\"", utf8(local, local8, sizeof(local8)));
        CoTaskMemFree(local);
    }
}

static HRESULT WINAPI cb_FileTransferred(IBackgroundCopyCallback3 *iface, IBackgroundCopyJob *job,
                                         IBackgroundCopyFile *file)
{
    struct job_facts f;
    char extra[BGCLI_NOTIFY_MAX];

    (void)iface;
    job_facts(job, &f);
    file_extra(file, extra, sizeof(extra));
    log_event("FileTransferred", &f, extra);
    return S_OK;
}

static HRESULT WINAPI cb_FileRangesTransferred(IBackgroundCopyCallback3 *iface, IBackgroundCopyJob *job,
                                               IBackgroundCopyFile *file, DWORD count, const BG_FILE_RANGE ranges[])
{
    struct job_facts f;
    char extra[BGCLI_NOTIFY_MAX], *p;
    size_t used;

    (void)iface;
    job_facts(job, &f);
    file_extra(file, extra, sizeof(extra) - 64);
    used = strlen(extra);
    p = extra + used;
    snprintf(p, sizeof(extra) - used, "%sranges=%lu", used ? " " : "", (unsigned long)count);
    if (count && ranges) {
        used = strlen(extra);
        snprintf(extra + used, sizeof(extra) - used, " first=%llu+%llu", (unsigned long long)ranges[0].InitialOffset,
                 (unsigned long long)ranges[0].Length);
    }
    log_event("FileRangesTransferred", &f, extra);
    return S_OK;
}

static const IBackgroundCopyCallback3Vtbl cb_vtbl = {
    cb_QueryInterface,  cb_AddRef,          cb_Release,         cb_JobTransferred,
    cb_JobError,        cb_JobModification, cb_FileTransferred, cb_FileRangesTransferred,
};

HRESULT bgcli_notify_callback_create(REFIID riid, void **out)
{
    struct notify_cb *cb;
    HRESULT hr;

    *out = NULL;
    if (!(cb = calloc(1, sizeof(*cb))))
        return E_OUTOFMEMORY;
    cb->IBackgroundCopyCallback3_iface.lpVtbl = (IBackgroundCopyCallback3Vtbl *)&cb_vtbl;
    cb->ref = 1;
    bgcli_notify_lock();
    hr = cb_QueryInterface(&cb->IBackgroundCopyCallback3_iface, riid, out);
    cb_Release(&cb->IBackgroundCopyCallback3_iface);
    return hr;
}
