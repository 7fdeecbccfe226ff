/*
 * service.c - bgcopysvc.exe /Service: the server as the Windows service "bgcopy"
 * (SERVICE_WIN32_OWN_PROCESS), installed by `bgcopysvc /RegServer /service`
 * (registry/service.c) as the LocalService of bgcopy's AppID, so COM activations of
 * CLSID_BgCopyManager start the service and reach its class object.
 *
 * Invariants:
 *  1. The service runs the same phases as any server process (lifecycle.h) with the
 *     machine-wide configuration (HKLM\Software\bgcopy; DataDir defaults to
 *     %ProgramData%\bgcopy). It reports START_PENDING during load, RUNNING once its class
 *     object is registered, STOP_PENDING from the stop request until the store is flushed,
 *     then STOPPED.
 *  2. A service does not exit when idle: only SERVICE_CONTROL_STOP and
 *     SERVICE_CONTROL_SHUTDOWN end it (lifecycle_request_stop), with the store flushed
 *     (lifecycle_disable). A load failure reports STOPPED with ERROR_SERVICE_SPECIFIC_ERROR.
 *  3. P6 (bits-behavior §8): the service keeps its own start type at delayed auto-start while
 *     non-final jobs exist and at demand start otherwise (service_note_jobs), so that a
 *     restart continues pending jobs without a client and an idle machine does not start it.
 *     Only transitions change the configuration; a failure is logged once and retried on the
 *     next transition.
 *  4. status and status_handle are written by the service thread and the control handler
 *     under status_cs.
 */
#include "server.h"

#include <stdio.h>

#include <winsvc.h>

#include "bgreg.h"
#include "lifecycle.h"

static CRITICAL_SECTION status_cs;          /* guards status, status_handle */
static SERVICE_STATUS_HANDLE status_handle; /* from RegisterServiceCtrlHandlerExW (status_cs) */
static SERVICE_STATUS status;               /* last reported status (status_cs) */
static int last_jobs_state = -1;            /* -1 unknown, 0 no jobs, 1 jobs (service thread) */

static void report(DWORD state, DWORD exit_code, DWORD specific, DWORD wait_hint)
{
    EnterCriticalSection(&status_cs);
    status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
    status.dwCurrentState = state;
    status.dwControlsAccepted =
        state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN : 0;
    status.dwWin32ExitCode = exit_code;
    status.dwServiceSpecificExitCode = specific;
    status.dwWaitHint = wait_hint;
    status.dwCheckPoint =
        state == SERVICE_RUNNING || state == SERVICE_STOPPED ? 0 : status.dwCheckPoint + 1;
    if (status_handle && !SetServiceStatus(status_handle, &status))
        WARN("SetServiceStatus(%lu) failed: error %lu", (unsigned long)state,
             (unsigned long)GetLastError());
    LeaveCriticalSection(&status_cs);
}

static DWORD WINAPI control_handler(DWORD control, DWORD type, void *data, void *ctx)
{
    (void)type;
    (void)data;
    (void)ctx;
    switch (control) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN:
        INFO("service: %s received",
             control == SERVICE_CONTROL_STOP ? "SERVICE_CONTROL_STOP" : "SERVICE_CONTROL_SHUTDOWN");
        report(SERVICE_STOP_PENDING, NO_ERROR, 0, 30000);
        lifecycle_request_stop();
        return NO_ERROR;
    case SERVICE_CONTROL_INTERROGATE:
        return NO_ERROR;
    default:
        return ERROR_CALL_NOT_IMPLEMENTED;
    }
}

/* Sets the start type of our own service (invariant 3). */
static BOOL set_start_type(BOOL jobs)
{
    SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT), svc = NULL;
    SERVICE_DELAYED_AUTO_START_INFO delayed;
    BOOL ok = FALSE;

    if (scm)
        svc = OpenServiceW(scm, BGREG_SERVICE_NAME, SERVICE_CHANGE_CONFIG);
    if (svc && ChangeServiceConfigW(svc, SERVICE_NO_CHANGE,
                                    jobs ? SERVICE_AUTO_START : SERVICE_DEMAND_START,
                                    SERVICE_NO_CHANGE, NULL, NULL, NULL, NULL, NULL, NULL, NULL)) {
        ok = TRUE;
        if (jobs) {
            delayed.fDelayedAutostart = TRUE;
            if (!ChangeServiceConfig2W(svc, SERVICE_CONFIG_DELAYED_AUTO_START_INFO, &delayed))
                TRACE("delayed auto-start not available (error %lu): plain auto-start",
                      (unsigned long)GetLastError());
        }
    }
    if (!ok)
        WARN("service: cannot set the start type to %s: error %lu", jobs ? "auto" : "demand",
             (unsigned long)GetLastError());
    if (svc)
        CloseServiceHandle(svc);
    if (scm)
        CloseServiceHandle(scm);
    return ok;
}

void service_note_jobs(size_t job_count)
{
    int now = job_count > 0;

    if (now == last_jobs_state)
        return;
    if (set_start_type(now)) {
        INFO("service: %lu non-final job(s): start type %s (P6)", (unsigned long)job_count,
             now ? "delayed auto-start" : "demand start");
        last_jobs_state = now;
    } else {
        last_jobs_state = now; /* retried at the next transition (invariant 3) */
    }
}

static void WINAPI service_main(DWORD argc, WCHAR **argv)
{
    int rc;

    (void)argc;
    (void)argv;
    status_handle = RegisterServiceCtrlHandlerExW(BGREG_SERVICE_NAME, control_handler, NULL);
    if (!status_handle)
        return; /* nothing to report to; the dispatcher returns */
    report(SERVICE_START_PENDING, NO_ERROR, 0, 30000);
    rc = lifecycle_load(LIFECYCLE_SERVICE, NULL);
    if (rc) {
        report(SERVICE_STOPPED, ERROR_SERVICE_SPECIFIC_ERROR, (DWORD)rc, 0);
        return;
    }
    rc = lifecycle_enable();
    if (!rc) {
        report(SERVICE_RUNNING, NO_ERROR, 0, 0);
        lifecycle_serve();
        report(SERVICE_STOP_PENDING, NO_ERROR, 0, 30000);
    }
    lifecycle_disable();
    lifecycle_free();
    report(SERVICE_STOPPED, rc ? ERROR_SERVICE_SPECIFIC_ERROR : NO_ERROR, (DWORD)rc, 0);
}

int service_run(void)
{
    SERVICE_TABLE_ENTRYW table[] = {
        {(WCHAR *)BGREG_SERVICE_NAME, service_main},
        {NULL, NULL},
    };

    InitializeCriticalSection(&status_cs);
    if (!StartServiceCtrlDispatcherW(table)) {
        DWORD err = GetLastError();

        if (err == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT)
            fprintf(
                stderr,
                "bgcopysvc: /Service is for the service control manager: install the service with\n"
                "`bgcopysvc /RegServer /service` and start it with `sc start %ls` (or through "
                "COM)\n",
                BGREG_SERVICE_NAME);
        else
            fprintf(stderr, "bgcopysvc: StartServiceCtrlDispatcher failed: error %lu\n",
                    (unsigned long)err);
        return 1;
    }
    return status.dwWin32ExitCode == NO_ERROR ? 0 : 1;
}
