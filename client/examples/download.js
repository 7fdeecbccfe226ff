// download.js - downloads one URL with bgcopy through automation (ProgID BgCopy.Manager).
//
// Usage:   cscript //nologo download.js URL LOCAL_PATH [TIMEOUT_SECONDS]
// Output:  "job {GUID} created", "progress: STATE x/y bytes, a/b files" lines while the
//          numbers change, then "transferred N bytes to PATH" (or "error: ...").
// Exit:    0 transferred and completed, 1 usage, 2 the job went to ERROR (cancelled),
//          3 timeout (cancelled; default 120 s), 4 any other failure (message printed).
//
// Waiting uses job.Wait(ms), bgcopy's bounded wait, because Wine's cscript has no
// WScript.Sleep; on Windows WScript.Sleep would do as well.
var BG_JOB_STATE_ERROR = 4, BG_JOB_STATE_TRANSFERRED = 6;
var job = null; // cancelled when the script fails after creating it

function hex(code) {
    return "0x" + ("0000000" + (code >>> 0).toString(16)).slice(-8);
}

function main() {
    var args = WScript.Arguments;
    if (args.length < 2 || args.length > 3) {
        WScript.Echo("usage: cscript //nologo download.js URL LOCAL_PATH [TIMEOUT_SECONDS]");
        return 1;
    }
    var url = args.Item(0), path = args.Item(1);
    var timeout = args.length > 2 ? parseInt(args.Item(2), 10) : 120;
    if (!(timeout > 0)) {
        WScript.Echo("error: TIMEOUT_SECONDS must be a positive number");
        return 1;
    }

    var manager = new ActiveXObject("BgCopy.Manager");
    job = manager.CreateJob("download.js");
    WScript.Echo("job " + job.Id + " created");
    job.AddFile(url, path);
    job.Resume();

    var deadline = new Date().getTime() + timeout * 1000, last = "";
    for (;;) {
        var state = job.State;
        var line = job.StateName + " " + job.BytesTransferred + "/" + job.BytesTotal + " bytes, " +
                   job.FilesTransferred + "/" + job.FilesTotal + " files";
        if (line != last)
            WScript.Echo("progress: " + line);
        last = line;
        if (state == BG_JOB_STATE_TRANSFERRED)
            break;
        if (state == BG_JOB_STATE_ERROR) {
            WScript.Echo("error: " + job.Error + " (" + hex(job.ErrorCode) + ")");
            job.Cancel();
            return 2;
        }
        if (state == 3 || state == 7 || state == 8) {
            // SUSPENDED, ACKNOWLEDGED or CANCELLED by someone else: not ours to wait for
            WScript.Echo("error: the job was changed by someone else: " + job.StateName);
            job = null;
            return 4;
        }
        if (new Date().getTime() >= deadline) {
            WScript.Echo("error: timeout after " + timeout + " s in state " + job.StateName);
            job.Cancel();
            return 3;
        }
        job.Wait(250); // returns at once when the job leaves the transfer states
    }
    var bytes = job.BytesTransferred;
    job.Complete();
    WScript.Echo("transferred " + bytes + " bytes to " + path);
    return 0;
}

var rc;
try {
    rc = main();
} catch (e) {
    // Wine's cscript neither prints an uncaught error nor sets the exit code: do both here.
    WScript.Echo("error: " + e.message + " (" + hex(e.number) + ")");
    rc = 4;
    try {
        if (job)
            job.Cancel();
    } catch (e2) {
    }
}
WScript.Quit(rc);
