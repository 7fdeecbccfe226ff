/*
 * switches.c - the switch table of bgcopyadmin.exe: for each switch its name, the options it
 * accepts, its argument count, its handler, its usage line and summary, and its page in
 * client/docs/. Parsing (bgcopyadmin.c), /help and the not-supported answers (cmd_util.c) read
 * this table and nothing else.
 *
 * Invariants:
 *  1. Names are lower case and unique; a BGCLI_SW_UPLOAD entry has no handler, every other
 *     entry has one.
 *  2. Every query switch (one that only reads) accepts BGCLI_OPT_JSON.
 *  3. min_args counts JOB when the switch names a job; arguments that depend on each other
 *     (e.g. /setproxysettings OVERRIDE needs two more) are checked by the handler.
 */
#include "bgcli.h"

#include <wchar.h>

#define J BGCLI_OPT_JSON
#define T BGCLI_OPT_TYPES

const struct bgcli_switch bgcli_switches[] = {
    /* ---- jobs: create, files, life cycle (cmd_job.c, cmd_transfer.c) ---- */
    { L"create", T, 1, 1, 0, bgcli_cmd_create, L"/create [/download|/upload|/upload-reply] NAME",
      L"Create a download job (suspended) and print \"Created job {GUID}.\" (/rawreturn: the GUID only). "
      L"/upload and /upload-reply are not supported yet (exit 3).", L"create.md" },
    { L"addfile", 0, 3, 3, 0, bgcli_cmd_addfile, L"/addfile JOB URL LOCAL",
      L"Add a file to the job: remote URL, full local path.", L"addfile.md" },
    { L"addfileset", 0, 2, 2, 0, bgcli_cmd_addfileset, L"/addfileset JOB TEXTFILE",
      L"Add every file listed in TEXTFILE, one \"URL LOCAL\" pair per line (# starts a comment; "
      L"quote names with spaces), in one AddFileSet call.", L"addfile.md" },
    { L"addfilewithranges", 0, 4, 4, 0, bgcli_cmd_addfilewithranges, L"/addfilewithranges JOB URL LOCAL RANGES",
      L"Add a file of which only RANGES are downloaded: comma-separated OFFSET:LENGTH pairs, "
      L"LENGTH may be eof (e.g. 0:100,2000:100,5000:eof).", L"addfile.md" },
    { L"replaceremoteprefix", 0, 3, 3, 0, bgcli_cmd_replaceremoteprefix, L"/replaceremoteprefix JOB OLD NEW",
      L"Replace the prefix OLD of every remote URL of the job that starts with it by NEW.", L"addfile.md" },
    { L"resume", 0, 1, 1, 0, bgcli_cmd_resume, L"/resume JOB", L"Start or restart the transfer.", L"resume.md" },
    { L"suspend", 0, 1, 1, 0, bgcli_cmd_suspend, L"/suspend JOB", L"Pause the transfer.", L"suspend.md" },
    { L"cancel", 0, 1, 1, 0, bgcli_cmd_cancel, L"/cancel JOB",
      L"Cancel the job and delete its temporary files.", L"cancel.md" },
    { L"complete", 0, 1, 1, 0, bgcli_cmd_complete, L"/complete JOB",
      L"Make the transferred files available under their local names and end the job.", L"complete.md" },
    { L"reset", BGCLI_OPT_ALLUSERS, 0, 0, 0, bgcli_cmd_reset, L"/reset [/allusers]",
      L"Cancel every job of yours (of every user with /allusers); prints one line per job and "
      L"\"N out of M jobs canceled.\"", L"reset.md" },
    { L"takeownership", 0, 1, 1, 0, bgcli_cmd_takeownership, L"/takeownership JOB",
      L"Make the caller the owner of the job.", L"takeownership.md" },
    { L"transfer", T | BGCLI_OPT_TIMEOUT | BGCLI_OPT_PRIORITY, 3, -1, BGCLI_SW_PAIRS, bgcli_cmd_transfer,
      L"/transfer NAME [/download] [/priority P] [/timeout S] URL LOCAL [URL LOCAL...]",
      L"Create a job with these files, run it with a progress bar (rate and ETA on a console, plain "
      L"lines otherwise) and complete it; cancels it on error, timeout or Ctrl+C. /upload: exit 3.",
      L"transfer.md" },
    { L"wait", BGCLI_OPT_TIMEOUT | J, 1, 1, 0, bgcli_cmd_wait, L"/wait JOB [/timeout S] [/json]",
      L"Block until the job is TRANSFERRED (exit 0) or ERROR (exit 4), the timeout passes (exit 5, "
      L"default 86400 s) or the job disappears (exit 6); prints the final state.", L"wait.md" },
    { L"monitor", BGCLI_OPT_ALLUSERS | BGCLI_OPT_REFRESH | BGCLI_OPT_COUNT | BGCLI_OPT_TIMEOUT | J, 0, 0, 0,
      bgcli_cmd_monitor, L"/monitor [/allusers] [/refresh S] [/count N] [/timeout S] [/json]",
      L"Show every job, refreshed every S seconds (default 5): redrawn with progress bars on a console, "
      L"as snapshots otherwise. Ends after N snapshots, S seconds, Ctrl+C, or (not on a console) when no "
      L"job is active any more.", L"monitor.md" },

    /* ---- job listings (cmd_info.c) ---- */
    { L"info", BGCLI_OPT_VERBOSE | J, 1, 1, 0, bgcli_cmd_info, L"/info JOB [/verbose] [/json]",
      L"Show the job: {GUID} 'name' STATE files_done / files_total bytes_done / bytes_total; /verbose "
      L"adds every property, the error and the files.", L"info.md" },
    { L"list", BGCLI_OPT_ALLUSERS | BGCLI_OPT_VERBOSE | J, 0, 0, 0, bgcli_cmd_list,
      L"/list [/allusers] [/verbose] [/json]",
      L"List your jobs (every user's with /allusers), one line each as /info, then \"Listed N job(s).\"",
      L"list.md" },
    { L"geterror", J, 1, 1, 0, bgcli_cmd_geterror, L"/geterror JOB [/json]",
      L"Show the job's error: file, code and text, context.", L"geterror.md" },

    /* ---- single-property queries (cmd_get.c, cmd_http.c, cmd_notify.c) ---- */
    { L"getbytestotal", J, 1, 1, 0, bgcli_cmd_getbytestotal, L"/getbytestotal JOB",
      L"Total bytes of the job (18446744073709551615 while a size is unknown).", L"get.md" },
    { L"getbytestransferred", J, 1, 1, 0, bgcli_cmd_getbytestransferred, L"/getbytestransferred JOB",
      L"Bytes transferred so far.", L"get.md" },
    { L"getfilestotal", J, 1, 1, 0, bgcli_cmd_getfilestotal, L"/getfilestotal JOB", L"Number of files.", L"get.md" },
    { L"getfilestransferred", J, 1, 1, 0, bgcli_cmd_getfilestransferred, L"/getfilestransferred JOB",
      L"Number of files transferred.", L"get.md" },
    { L"getcreationtime", J, 1, 1, 0, bgcli_cmd_getcreationtime, L"/getcreationtime JOB",
      L"Creation time, local \"YYYY-MM-DD HH:MM:SS\".", L"get.md" },
    { L"getmodificationtime", J, 1, 1, 0, bgcli_cmd_getmodificationtime, L"/getmodificationtime JOB",
      L"Last modification time.", L"get.md" },
    { L"getcompletiontime", J, 1, 1, 0, bgcli_cmd_getcompletiontime, L"/getcompletiontime JOB",
      L"Time the transfer completed, or UNKNOWN.", L"get.md" },
    { L"getdisplayname", J, 1, 1, 0, bgcli_cmd_getdisplayname, L"/getdisplayname JOB", L"Display name.", L"get.md" },
    { L"getdescription", J, 1, 1, 0, bgcli_cmd_getdescription, L"/getdescription JOB", L"Description.", L"get.md" },
    { L"geterrorcount", J, 1, 1, 0, bgcli_cmd_geterrorcount, L"/geterrorcount JOB",
      L"Number of errors the job met.", L"get.md" },
    { L"getminretrydelay", J, 1, 1, 0, bgcli_cmd_getminretrydelay, L"/getminretrydelay JOB",
      L"Minimum retry delay in seconds.", L"get.md" },
    { L"getnoprogresstimeout", J, 1, 1, 0, bgcli_cmd_getnoprogresstimeout, L"/getnoprogresstimeout JOB",
      L"No-progress timeout in seconds.", L"get.md" },
    { L"getmaxdownloadtime", J, 1, 1, 0, bgcli_cmd_getmaxdownloadtime, L"/getmaxdownloadtime JOB",
      L"Maximum download time in seconds (0 = none).", L"get.md" },
    { L"getowner", J, 1, 1, 0, bgcli_cmd_getowner, L"/getowner JOB",
      L"Owner of the job (DOMAIN\\user, or the SID when it has no name).", L"get.md" },
    { L"getpriority", J, 1, 1, 0, bgcli_cmd_getpriority, L"/getpriority JOB",
      L"FOREGROUND, HIGH, NORMAL or LOW.", L"get.md" },
    { L"getstate", J, 1, 1, 0, bgcli_cmd_getstate, L"/getstate JOB",
      L"QUEUED, CONNECTING, TRANSFERRING, SUSPENDED, ERROR, TRANSIENT_ERROR, TRANSFERRED, ACKNOWLEDGED "
      L"or CANCELLED.", L"get.md" },
    { L"gettype", J, 1, 1, 0, bgcli_cmd_gettype, L"/gettype JOB", L"DOWNLOAD, UPLOAD or UPLOAD-REPLY.", L"get.md" },
    { L"getproxyusage", J, 1, 1, 0, bgcli_cmd_getproxyusage, L"/getproxyusage JOB",
      L"PRECONFIG, NO_PROXY, OVERRIDE or AUTODETECT.", L"proxy.md" },
    { L"getproxylist", J, 1, 1, 0, bgcli_cmd_getproxylist, L"/getproxylist JOB",
      L"The proxy list (empty when none).", L"proxy.md" },
    { L"getproxybypasslist", J, 1, 1, 0, bgcli_cmd_getproxybypasslist, L"/getproxybypasslist JOB",
      L"The proxy bypass list (empty when none).", L"proxy.md" },
    { L"gettemporaryname", J, 2, 2, 0, bgcli_cmd_gettemporaryname, L"/gettemporaryname JOB FILE_INDEX",
      L"Temporary file name of the file number FILE_INDEX (0-based).", L"files.md" },
    { L"getvalidationstate", J, 2, 2, 0, bgcli_cmd_getvalidationstate, L"/getvalidationstate JOB FILE_INDEX",
      L"TRUE or FALSE: the validation state of the file number FILE_INDEX (0-based).", L"files.md" },
    { L"getsecurityflags", J, 1, 1, 0, bgcli_cmd_getsecurityflags, L"/getsecurityflags JOB",
      L"HTTP security flags, as a decimal number.", L"http.md" },
    { L"getcustomheaders", J, 1, 1, 0, bgcli_cmd_getcustomheaders, L"/getcustomheaders JOB",
      L"Custom request headers, one per line (nothing when none).", L"http.md" },
    { L"gethttpmethod", J, 1, 1, 0, bgcli_cmd_gethttpmethod, L"/gethttpmethod JOB", L"The HTTP verb.", L"http.md" },
    { L"getnotifyflags", J, 1, 1, 0, bgcli_cmd_getnotifyflags, L"/getnotifyflags JOB",
      L"Notification flags, as a decimal number.", L"notify.md" },
    { L"getnotifycmdline", J, 1, 1, 0, bgcli_cmd_getnotifycmdline, L"/getnotifycmdline JOB",
      L"The notification command line: 'PROGRAM' 'PARAMETERS' (NULL when not set).", L"notify.md" },
    { L"getnotifyinterface", J, 1, 1, 0, bgcli_cmd_getnotifyinterface, L"/getnotifyinterface JOB",
      L"REGISTERED or UNREGISTERED: whether a callback object is set.", L"notify.md" },
    { L"getnotifyclsid", J, 1, 1, 0, bgcli_cmd_getnotifyclsid, L"/getnotifyclsid JOB",
      L"The notification CLSID ({00000000-0000-0000-0000-000000000000} when none).", L"notify.md" },

    /* ---- single-property setters (cmd_set.c, cmd_http.c, cmd_notify.c) ---- */
    { L"setdisplayname", 0, 2, 2, 0, bgcli_cmd_setdisplayname, L"/setdisplayname JOB NAME",
      L"Set the display name.", L"set.md" },
    { L"setdescription", 0, 2, 2, 0, bgcli_cmd_setdescription, L"/setdescription JOB TEXT",
      L"Set the description.", L"set.md" },
    { L"setpriority", 0, 2, 2, 0, bgcli_cmd_setpriority, L"/setpriority JOB FOREGROUND|HIGH|NORMAL|LOW",
      L"Set the priority.", L"set.md" },
    { L"setminretrydelay", 0, 2, 2, 0, bgcli_cmd_setminretrydelay, L"/setminretrydelay JOB SECONDS",
      L"Set the minimum retry delay.", L"set.md" },
    { L"setnoprogresstimeout", 0, 2, 2, 0, bgcli_cmd_setnoprogresstimeout, L"/setnoprogresstimeout JOB SECONDS",
      L"Set the no-progress timeout.", L"set.md" },
    { L"setmaxdownloadtime", 0, 2, 2, 0, bgcli_cmd_setmaxdownloadtime, L"/setmaxdownloadtime JOB SECONDS",
      L"Set the maximum download time (0 = none).", L"set.md" },
    { L"setvalidationstate", 0, 3, 3, 0, bgcli_cmd_setvalidationstate,
      L"/setvalidationstate JOB FILE_INDEX TRUE|FALSE",
      L"Set the validation state of the file number FILE_INDEX (0-based).", L"files.md" },
    { L"setcredentials", 0, 5, 5, 0, bgcli_cmd_setcredentials,
      L"/setcredentials JOB SERVER|PROXY BASIC|DIGEST|NTLM|NEGOTIATE|PASSPORT USER PASSWORD",
      L"Set credentials for the server or proxy; USER and PASSWORD may be NULL (implicit credentials).",
      L"credentials.md" },
    { L"removecredentials", 0, 3, 3, 0, bgcli_cmd_removecredentials,
      L"/removecredentials JOB SERVER|PROXY BASIC|DIGEST|NTLM|NEGOTIATE|PASSPORT",
      L"Remove the credentials of that target and scheme.", L"credentials.md" },
    { L"setproxysettings", 0, 2, 4, 0, bgcli_cmd_setproxysettings,
      L"/setproxysettings JOB PRECONFIG|AUTODETECT|NO_PROXY|OVERRIDE [PROXYLIST BYPASSLIST]",
      L"Set the proxy usage; OVERRIDE needs PROXYLIST and BYPASSLIST (either may be NULL).", L"proxy.md" },
    { L"setsecurityflags", 0, 2, 2, 0, bgcli_cmd_setsecurityflags, L"/setsecurityflags JOB VALUE",
      L"Set the HTTP security flags (decimal or 0x hex).", L"http.md" },
    { L"setcustomheaders", 0, 2, -1, BGCLI_SW_FREE_TAIL, bgcli_cmd_setcustomheaders,
      L"/setcustomheaders JOB HEADER [HEADER...]",
      L"Set the custom request headers (\"Name: value\" each); NULL removes them.", L"http.md" },
    { L"sethttpmethod", 0, 2, 2, 0, bgcli_cmd_sethttpmethod, L"/sethttpmethod JOB METHOD",
      L"Set the HTTP verb (GET by default).", L"http.md" },
    { L"setnotifyflags", 0, 2, 2, 0, bgcli_cmd_setnotifyflags, L"/setnotifyflags JOB FLAGS",
      L"Set the notification flags (decimal or 0x hex: 1 transferred, 2 error, 4 disable, "
      L"8 modification, 16 file transferred, 32 file ranges transferred).", L"notify.md" },
    { L"setnotifycmdline", 0, 2, 3, BGCLI_SW_FREE_TAIL, bgcli_cmd_setnotifycmdline,
      L"/setnotifycmdline JOB PROGRAM [PARAMETERS]",
      L"Set the program run when the job is transferred or fails; PROGRAM NULL removes it.", L"notify.md" },
    { L"setnotifyclsid", 0, 2, 2, 0, bgcli_cmd_setnotifyclsid, L"/setnotifyclsid JOB {CLSID}|NULL",
      L"Set the CLSID of the COM server notified when no callback object is reachable; NULL clears it.",
      L"notify.md" },

    /* ---- upload jobs: not supported yet (cmd_util.c) ---- */
    { L"getreplyfilename", J, 1, 1, BGCLI_SW_UPLOAD, NULL, L"/getreplyfilename JOB",
      L"Upload-reply jobs: not supported yet (exit 3).", L"upload.md" },
    { L"setreplyfilename", 0, 2, 2, BGCLI_SW_UPLOAD, NULL, L"/setreplyfilename JOB PATH",
      L"Upload-reply jobs: not supported yet (exit 3).", L"upload.md" },
    { L"getreplyprogress", J, 1, 1, BGCLI_SW_UPLOAD, NULL, L"/getreplyprogress JOB",
      L"Upload-reply jobs: not supported yet (exit 3).", L"upload.md" },
    { L"getreplydata", J, 1, 1, BGCLI_SW_UPLOAD, NULL, L"/getreplydata JOB",
      L"Upload-reply jobs: not supported yet (exit 3).", L"upload.md" },

    /* ---- help and utilities (cmd_util.c) ---- */
    { L"util", 0, 0, 1, BGCLI_SW_NO_COM | BGCLI_SW_RAW_ARGS, bgcli_cmd_util, L"/util /help | /util /version",
      L"Utility commands: /version prints the version; /getieproxy, /setieproxy, /repairservice and "
      L"/enableanalyticchannel are not supported (exit 3).", L"util.md" },
    { L"help", 0, 0, 1, BGCLI_SW_NO_COM | BGCLI_SW_RAW_ARGS, bgcli_cmd_help, L"/help [/SWITCH]   or   /?",
      L"Show every switch, or one switch's help (also: bgcopyadmin /SWITCH /?).", L"help.md" },
};

const size_t bgcli_switch_count = sizeof(bgcli_switches) / sizeof(bgcli_switches[0]);

const struct bgcli_switch *bgcli_find_switch(const WCHAR *name)
{
    size_t i;
    if (wcscmp(name, L"?") == 0)
        name = L"help";
    for (i = 0; i < bgcli_switch_count; i++)
        if (_wcsicmp(name, bgcli_switches[i].name) == 0)
            return &bgcli_switches[i];
    return NULL;
}
