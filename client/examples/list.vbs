' list.vbs - lists the caller's bgcopy jobs and their files with For Each.
'
' Usage:   cscript //nologo list.vbs
' Output and exit code: as list.js.
Option Explicit
Dim manager, jobs, job, file, n

Sub Check(what)
    If Err.Number <> 0 Then
        WScript.Echo "error: " & what & ": " & Err.Description & " (0x" & Right("0000000" & Hex(Err.Number), 8) & ")"
        WScript.Quit 4
    End If
End Sub

On Error Resume Next
Set manager = CreateObject("BgCopy.Manager")
Check "CreateObject"
Set jobs = manager.Jobs
Check "Jobs"
WScript.Echo "jobs: " & jobs.Count
n = 0
For Each job In jobs
    Check "For Each job"
    WScript.Echo job.Id & " " & job.StateName & " " & job.BytesTransferred & "/" & job.BytesTotal & " bytes " & job.DisplayName
    For Each file In job.Files
        Check "For Each file"
        WScript.Echo "  file: " & file.RemoteName & " -> " & file.LocalName & " (" & file.BytesTransferred & "/" & file.BytesTotal & " bytes)"
    Next
    n = n + 1
Next
Check "enumeration"
WScript.Echo "listed " & n & " jobs"
WScript.Quit 0
