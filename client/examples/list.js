// list.js - lists the caller's bgcopy jobs and their files through automation.
//
// Usage:   cscript //nologo list.js
// Output:  "jobs: N", then per job "{GUID} STATE x/y bytes NAME" and per file
//          "  file: REMOTE -> LOCAL (x/y bytes)"; then "listed N jobs".
// Exit:    0, or 4 on a failure (message printed).
function hex(code) {
    return "0x" + ("0000000" + (code >>> 0).toString(16)).slice(-8);
}

function main() {
    var manager = new ActiveXObject("BgCopy.Manager");
    var jobs = manager.Jobs, n = 0;
    WScript.Echo("jobs: " + jobs.Count);
    for (var e = new Enumerator(jobs); !e.atEnd(); e.moveNext()) {
        var job = e.item();
        WScript.Echo(job.Id + " " + job.StateName + " " + job.BytesTransferred + "/" + job.BytesTotal +
                     " bytes " + job.DisplayName);
        for (var f = new Enumerator(job.Files); !f.atEnd(); f.moveNext()) {
            var file = f.item();
            WScript.Echo("  file: " + file.RemoteName + " -> " + file.LocalName + " (" + file.BytesTransferred +
                         "/" + file.BytesTotal + " bytes)");
        }
        n++;
    }
    WScript.Echo("listed " + n + " jobs");
    return 0;
}

var rc;
try {
    rc = main();
} catch (e) {
    WScript.Echo("error: " + e.message + " (" + hex(e.number) + ")");
    rc = 4;
}
WScript.Quit(rc);
