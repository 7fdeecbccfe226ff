// events.js - downloads one URL and reports the job's events (WScript.ConnectObject).
//
// Usage:   cscript //nologo events.js URL LOCAL_PATH [TIMEOUT_SECONDS]
// Output:  "event: Transferred {GUID}" / "event: Error {GUID} ..." as the server fires them,
//          then "transferred N bytes to PATH" (or "error: ...").
// Exit:    as download.js (0 done, 1 usage, 2 job error, 3 timeout, 4 other failure).
//
// Hosts without WScript.ConnectObject (Wine 8's cscript raises E_NOTIMPL) get the line
// "events: WScript.ConnectObject not available (0x80004001), polling" and the same result
// by polling job.Wait.
var BG_JOB_STATE_ERROR = 4, BG_JOB_STATE_TRANSFERRED = 6;
var job = null, finished = false;

function hex(code) {
    return "0x" + ("0000000" + (code >>> 0).toString(16)).slice(-8);
}

// Event handlers: WScript.ConnectObject(job, "job_") binds _IBgCopyJobEvents to them.
function job_Transferred(j) {
    WScript.Echo("event: Transferred " + j.Id);
    finished = true;
}

function job_Error(j) {
    WScript.Echo("event: Error " + j.Id + " " + j.Error + " (" + hex(j.ErrorCode) + ")");
    finished = true;
}

function job_Modification(j) {
    WScript.Echo("event: Modification " + j.Id + " " + j.StateName);
}

function main() {
    var args = WScript.Arguments;
    if (args.length < 2 || args.length > 3) {
        WScript.Echo("usage: cscript //nologo events.js URL LOCAL_PATH [TIMEOUT_SECONDS]");
        return 1;
    }
    var timeout = args.length > 2 ? parseInt(args.Item(2), 10) : 120;
    var manager = new ActiveXObject("BgCopy.Manager");
    job = manager.CreateJob("events.js");
    WScript.Echo("job " + job.Id + " created");
    try {
        WScript.ConnectObject(job, "job_");
        WScript.Echo("events: connected");
    } catch (e) {
        WScript.Echo("events: WScript.ConnectObject not available (" + hex(e.number) + "), polling");
    }
    job.AddFile(args.Item(0), args.Item(1));
    job.Resume();
    var deadline = new Date().getTime() + timeout * 1000;
    // Wait returns when the job leaves the transfer states; events arrive while the script
    // waits in WScript.Sleep on Windows hosts, so give them a moment after the state changed.
    for (;;) {
        var state = job.Wait(500);
        if (state == BG_JOB_STATE_TRANSFERRED || state == BG_JOB_STATE_ERROR)
            break;
        if (state == 3 || state == 7 || state == 8) {
            WScript.Echo("error: the job was changed by someone else: " + job.StateName);
            job = null;
            return 4;
        }
        if (new Date().getTime() >= deadline) {
            WScript.Echo("error: timeout after " + timeout + " s in state " + job.StateName);
            job.Cancel();
            return 3;
        }
    }
    for (var i = 0; i < 20 && !finished; i++) {
        try {
            WScript.Sleep(100);
        } catch (e) {
            break; // no WScript.Sleep (Wine): no events either
        }
    }
    if (job.State == BG_JOB_STATE_ERROR) {
        WScript.Echo("error: " + job.Error + " (" + hex(job.ErrorCode) + ")");
        job.Cancel();
        return 2;
    }
    var bytes = job.BytesTransferred;
    job.Complete();
    WScript.Echo("transferred " + bytes + " bytes to " + args.Item(1));
    return 0;
}

var rc;
try {
    rc = main();
} catch (e) {
    WScript.Echo("error: " + e.message + " (" + hex(e.number) + ")");
    rc = 4;
    try {
        if (job)
            job.Cancel();
    } catch (e2) {
    }
}
WScript.Quit(rc);
