' download.vbs - downloads one URL with bgcopy through automation (ProgID BgCopy.Manager).
'
' Usage:   cscript //nologo download.vbs URL LOCAL_PATH [TIMEOUT_SECONDS]
' Output and exit codes: as download.js (0 transferred and completed, 1 usage, 2 job ERROR,
' 3 timeout, 4 any other failure). Waits with job.Wait(ms): Wine's cscript has no WScript.Sleep.
Option Explicit

Const BG_JOB_STATE_ERROR = 4
Const BG_JOB_STATE_TRANSFERRED = 6

Dim args, url, path, timeout, manager, job, state, line, last, deadline, bytes

' Ends the script with code 4 when the previous statement failed.
Sub Check(what)
    If Err.Number <> 0 Then
        WScript.Echo "error: " & what & ": " & Err.Description & " (0x" & Right("0000000" & Hex(Err.Number), 8) & ")"
        If IsObject(job) Then job.Cancel ' the job must not stay behind
        WScript.Quit 4
    End If
End Sub

Set args = WScript.Arguments
If args.Count < 2 Or args.Count > 3 Then
    WScript.Echo "usage: cscript //nologo download.vbs URL LOCAL_PATH [TIMEOUT_SECONDS]"
    WScript.Quit 1
End If
url = args(0)
path = args(1)
timeout = 120
If args.Count = 3 Then timeout = CLng(args(2))

On Error Resume Next
Set manager = CreateObject("BgCopy.Manager")
Check "CreateObject"
Set job = manager.CreateJob("download.vbs")
Check "CreateJob"
WScript.Echo "job " & job.Id & " created"
job.AddFile url, path
Check "AddFile"
job.Resume
Check "Resume"

deadline = Timer + timeout
last = ""
Do
    state = job.State
    Check "State"
    line = job.StateName & " " & job.BytesTransferred & "/" & job.BytesTotal & " bytes, " & _
           job.FilesTransferred & "/" & job.FilesTotal & " files"
    Check "progress"
    If line <> last Then WScript.Echo "progress: " & line
    last = line
    If state = BG_JOB_STATE_TRANSFERRED Then Exit Do
    If state = BG_JOB_STATE_ERROR Then
        WScript.Echo "error: " & job.Error & " (0x" & Right("0000000" & Hex(job.ErrorCode), 8) & ")"
        job.Cancel
        WScript.Quit 2
    End If
    If state = 3 Or state = 7 Or state = 8 Then
        ' SUSPENDED, ACKNOWLEDGED or CANCELLED by someone else: not ours to wait for
        WScript.Echo "error: the job was changed by someone else: " & job.StateName
        WScript.Quit 4
    End If
    If Timer >= deadline Then
        WScript.Echo "error: timeout after " & timeout & " s in state " & job.StateName
        job.Cancel
        WScript.Quit 3
    End If
    job.Wait 250
    Check "Wait"
Loop

bytes = job.BytesTransferred
job.Complete
Check "Complete"
WScript.Echo "transferred " & bytes & " bytes to " & path
WScript.Quit 0
