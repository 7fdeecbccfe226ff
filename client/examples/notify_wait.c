/*
 * notify_wait.c - example for bgcnotify.h: download one file with bgcopy and wait for the
 * job's JobTransferred or JobError through a BGC_DCB_EVENT helper, with no polling.
 *
 *   notify_wait.exe URL LOCALFILE [TIMEOUT_MS]
 *
 * Exit status: 0 transferred and completed, 1 job error (cancelled), 2 usage, 3 COM or bgcopy
 * failure, 4 timeout (cancelled). Built as bin/notify_wait.exe and run by
 * tests/wine/test_notifyhelp.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

#include "bgcnotify.h"

static int fail(const char *what, HRESULT hr)
{
    fprintf(stderr, "notify_wait: %s failed: 0x%08lx\n", what, (unsigned long)hr);
    return 3;
}

int wmain(int argc, WCHAR **argv)
{
    IBackgroundCopyManager *mgr = NULL;
    IBackgroundCopyJob *job = NULL;
    struct bgc_notify_target target = { 0 };
    struct bgc_notify *helper = NULL;
    HANDLE done;
    DWORD timeout = argc > 3 ? wcstoul(argv[3], NULL, 10) : 60000;
    BG_JOB_STATE state;
    GUID id;
    HRESULT hr;
    int rc = 3;

    if (argc < 3) {
        fprintf(stderr, "usage: notify_wait URL LOCALFILE [TIMEOUT_MS]\n");
        return 2;
    }
    /* MTA: the server's callbacks arrive on RPC threads while this thread waits. */
    if (FAILED(hr = CoInitializeEx(NULL, COINIT_MULTITHREADED)))
        return fail("CoInitializeEx", hr);
    done = CreateEventW(NULL, TRUE, FALSE, NULL);
    hr = CoCreateInstance(&CLSID_BgCopyManager, NULL, CLSCTX_LOCAL_SERVER, &IID_IBackgroundCopyManager,
                          (void **)&mgr);
    if (FAILED(hr)) {
        rc = fail("CoCreateInstance", hr);
        goto out;
    }
    if (FAILED(hr = IBackgroundCopyManager_CreateJob(mgr, L"notify_wait", BG_JOB_TYPE_DOWNLOAD, &id, &job)) ||
        FAILED(hr = IBackgroundCopyJob_AddFile(job, argv[1], argv[2]))) {
        rc = fail("CreateJob/AddFile", hr);
        goto out;
    }

    /* The helper: set `done` on JobTransferred or JobError, ignore everything else. */
    target.flags = BGC_DCB_EVENT;
    target.event = done;
    target.event_mask = BGC_NOTIFY_EV_JOB_TRANSFERRED | BGC_NOTIFY_EV_JOB_ERROR;
    if (FAILED(hr = bgc_notify_create(&target, &helper)) ||
        FAILED(hr = bgc_notify_attach(helper, job, BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR)) ||
        FAILED(hr = IBackgroundCopyJob_Resume(job))) {
        rc = fail("notify setup/Resume", hr);
        goto out;
    }

    if (WaitForSingleObject(done, timeout) != WAIT_OBJECT_0) {
        fprintf(stderr, "notify_wait: no notification within %lu ms\n", (unsigned long)timeout);
        IBackgroundCopyJob_Cancel(job);
        rc = 4;
    } else if (SUCCEEDED(hr = IBackgroundCopyJob_GetState(job, &state)) && state == BG_JOB_STATE_TRANSFERRED) {
        hr = IBackgroundCopyJob_Complete(job);
        rc = SUCCEEDED(hr) ? 0 : fail("Complete", hr);
        if (!rc)
            printf("notify_wait: transferred\n");
    } else {
        fprintf(stderr, "notify_wait: job ended in state %d\n", (int)state);
        IBackgroundCopyJob_Cancel(job);
        rc = 1;
    }
    IBackgroundCopyJob_SetNotifyInterface(job, NULL); /* clean detach (N7) */
out:
    if (helper)
        bgc_notify_destroy(helper);
    if (job)
        IBackgroundCopyJob_Release(job);
    if (mgr)
        IBackgroundCopyManager_Release(mgr);
    CloseHandle(done);
    CoUninitialize();
    return rc;
}
