/*
 * cmdline.c - the notify command line of IBackgroundCopyJob2::SetNotifyCmdLine, run for a
 * TRANSFERRED or ERROR event when no callback object takes it (N6 step 3, N10). Core area,
 * issue 3.
 *
 * Invariants:
 *  1. The program is started exactly as stored: CreateProcessW (or CreateProcessAsUserW,
 *     invariant 5) with the program as lpApplicationName (no search path, no shell, no
 *     environment expansion) and the stored parameters as the command line (the program,
 *     quoted, when there are none).
 *  2. Exit code 0 means handled (BGC_DELIVERED); a program that cannot start or exits with
 *     anything else answers BGC_RETRY, so jobs/ runs it again after the job's
 *     MinimumRetryDelay while the job stays in that state (neither completed nor cancelled).
 *  3. The wait for the exit is bounded by CMDLINE_WAIT_MS; a program still running then is
 *     left alone and counts as handled (running it twice would be worse than not knowing).
 *  4. Runs on one of jobs/' dispatcher threads (never twice at once for the same job), with
 *     no lock held; the transfer engine never waits for it.
 *  5. N8 (identity.c decides): jobs owned by LocalSystem, LocalService or NetworkService
 *     never run a command line. The program runs with CreateProcessAsUserW under the token
 *     captured from the client that called SetNotifyCmdLine (kept after TakeOwnership); with
 *     none, as the server's user when that is not LocalSystem (per-user registration: the
 *     registering user), else under the owner's interactive session token, or not yet
 *     (BGC_RETRY) while the owner is not logged on.
 */
#include <stdlib.h>
#include <string.h>

#include "server.h"

#define CMDLINE_WAIT_MS 60000

/* Converts UTF-8 to a malloc'd UTF-16 string; NULL on failure. */
static WCHAR *wide(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
    WCHAR *w;

    if (n <= 0 || !(w = malloc((size_t)n * sizeof(WCHAR))))
        return NULL;
    MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n);
    return w;
}

int cmdline_run(struct bgc_job *core)
{
    char *program8 = NULL, *params8 = NULL;
    WCHAR *program = NULL, *params = NULL;
    PROCESS_INFORMATION pi;
    HANDLE token = NULL;
    enum identity_run run = IDENTITY_RUN_SELF;
    DWORD code = 1, wait;
    int result = BGC_RETRY;

    if (bgc_job_get_notify_cmdline(core, &program8, &params8) != BGC_OK)
        return BGC_RETRY; /* out of memory: try again later */
    if (!*program8 || (run = identity_resolve(core, IDENTITY_CMDLINE, &token)) == IDENTITY_RUN_NEVER) {
        bgc_free(program8);
        bgc_free(params8);
        return BGC_NO_TARGET;
    }
    if (run == IDENTITY_RUN_DEFER)
        goto done; /* BGC_RETRY: the owner is not logged on (identity.c logged it) */
    program = wide(program8);
    if (*params8) {
        params = wide(params8);
    } else if ((params = malloc((strlen(program8) + 3) * sizeof(WCHAR) * 2))) {
        WCHAR *p = wide(program8);

        if (p) {
            params[0] = L'"';
            wcscpy(params + 1, p);
            wcscat(params, L"\"");
            free(p);
        } else {
            free(params);
            params = NULL;
        }
    }
    if (!program || !params || !server_lock_unless_stopping()) {
        result = program && params ? BGC_NO_TARGET : BGC_RETRY;
        goto done;
    }
    if (!identity_start_process(token, program, params, CREATE_NO_WINDOW, &pi)) {
        WARN("notify command line %s: CreateProcess%s failed, error %lu; will retry", program8,
             token ? "AsUser" : "", (unsigned long)GetLastError());
        server_unlock();
        goto done;
    }
    CloseHandle(pi.hThread);
    wait = WaitForSingleObject(pi.hProcess, CMDLINE_WAIT_MS);
    if (wait == WAIT_OBJECT_0 && GetExitCodeProcess(pi.hProcess, &code)) {
        result = code == 0 ? BGC_DELIVERED : BGC_RETRY;
        if (code)
            WARN("notify command line %s exited with %lu; will retry", program8, (unsigned long)code);
        else
            INFO("notify command line %s handled the event", program8);
    } else {
        WARN("notify command line %s still runs after %u ms; counted as handled", program8,
             (unsigned)CMDLINE_WAIT_MS);
        result = BGC_DELIVERED;
    }
    CloseHandle(pi.hProcess);
    server_unlock();
done:
    if (token)
        CloseHandle(token);
    free(program);
    free(params);
    bgc_free(program8);
    bgc_free(params8);
    return result;
}
