/*
 * bgcli.h - shared declarations of bgcopyadmin.exe, a bitsadmin-style command line client of
 * bgcopy. The client reaches the server only through COM (CoCreateInstance of
 * CLSID_BgCopyManager, CLSCTX_LOCAL_SERVER), exactly as a third-party BITS client would.
 *
 * Files: bgcopyadmin.c (argument parsing, dispatch, usage), cmd_job.c (/create /addfile
 * /resume /suspend /cancel /complete), cmd_info.c (/info /list), cmd_transfer.c (/transfer),
 * callback.c (the IBackgroundCopyCallback object), progress.c (progress display), output.c
 * (console-safe wide output), util.c (HRESULT text, GUIDs, job lookup), names.c (enum names).
 *
 * Invariants:
 *  1. Every command returns a BGCLI_EXIT_* code; a failing COM call is reported once, by the
 *     command, with its HRESULT in hex and its text (bgcli_report_hr) before returning
 *     BGCLI_EXIT_FAIL.
 *  2. Usage errors (unknown switch, wrong argument count, bad option value) are found by
 *     bgcopyadmin.c before any COM call and give BGCLI_EXIT_USAGE.
 *  3. All text leaves through output.c: WriteConsoleW on a console, UTF-8 with CRLF line ends
 *     otherwise.
 */
#ifndef BGCLI_H
#define BGCLI_H

#include <windows.h>
#include <stdarg.h>

#include "bgcopy.h"

/* HRESULTs this client names; bgcopy.h or bitsmsg.h may already define them. */
#ifndef BG_E_NOT_FOUND
#define BG_E_NOT_FOUND ((HRESULT)0x80200001L)
#endif
#ifndef BG_E_INVALID_STATE
#define BG_E_INVALID_STATE ((HRESULT)0x80200002L)
#endif
#ifndef BG_E_ERROR_INFORMATION_UNAVAILABLE
#define BG_E_ERROR_INFORMATION_UNAVAILABLE ((HRESULT)0x8020000FL)
#endif
#ifndef BG_S_PARTIAL_COMPLETE
#define BG_S_PARTIAL_COMPLETE ((HRESULT)0x00200017L)
#endif
#ifndef BG_S_UNABLE_TO_DELETE_FILES
#define BG_S_UNABLE_TO_DELETE_FILES ((HRESULT)0x0020001AL)
#endif

#define BGCLI_EXIT_OK 0    /* the command did what was asked */
#define BGCLI_EXIT_FAIL 1  /* a COM call or the transfer failed (message printed) */
#define BGCLI_EXIT_USAGE 2 /* bad command line (usage printed) */

/* Options a command may accept (struct bgcli_args.opts). */
#define BGCLI_OPT_DOWNLOAD 0x01
#define BGCLI_OPT_UPLOAD 0x02
#define BGCLI_OPT_UPLOAD_REPLY 0x04
#define BGCLI_OPT_VERBOSE 0x08
#define BGCLI_OPT_ALLUSERS 0x10
#define BGCLI_OPT_TIMEOUT 0x20

/* A parsed command line after the command switch. Strings are borrowed from argv. */
struct bgcli_args {
    unsigned opts;            /* BGCLI_OPT_* given */
    DWORD timeout_s;          /* value of /timeout (valid with BGCLI_OPT_TIMEOUT) */
    int npos;                 /* number of positional arguments */
    WCHAR **pos;              /* positional arguments, in order */
};

/* One command: runs with a connected manager; returns a BGCLI_EXIT_* code. */
typedef int (*bgcli_command_fn)(IBackgroundCopyManager *mgr, const struct bgcli_args *args);

/* ---- commands (cmd_*.c) ---------------------------------------------------------------- */
int bgcli_cmd_create(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_addfile(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_resume(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_suspend(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_cancel(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_complete(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_info(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_list(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_transfer(IBackgroundCopyManager *mgr, const struct bgcli_args *args);

/* BG_JOB_TYPE selected by /download (default), /upload, /upload-reply. */
BG_JOB_TYPE bgcli_job_type_from_opts(unsigned opts);

/* ---- output.c -------------------------------------------------------------------------- */
/* Detects whether stdout and stderr are consoles. Call once before any output. */
void bgcli_output_init(void);
/* TRUE when stdout is a console (GetConsoleMode succeeds): progress bars are redrawn. */
BOOL bgcli_stdout_is_console(void);
/* printf-style output of a wide format (%ls for WCHAR strings, never %s). */
void bgcli_printf(const WCHAR *fmt, ...);
void bgcli_eprintf(const WCHAR *fmt, ...);
/* Writes text to stdout as is (no formatting). */
void bgcli_puts(const WCHAR *text);

/* ---- util.c ---------------------------------------------------------------------------- */
/* Text for hr: IBackgroundCopyManager::GetErrorDescription when mgr is not NULL, else (or when
 * that fails) FormatMessageW. Returns a malloc'ed string without trailing newlines (caller
 * frees with free()); never NULL (falls back to "unknown error"). */
WCHAR *bgcli_hr_text(IBackgroundCopyManager *mgr, HRESULT hr);
/* Prints "ERROR: <what> - 0x%08lX <text>" on stderr. */
void bgcli_report_hr(IBackgroundCopyManager *mgr, const WCHAR *what, HRESULT hr);
/* Formats a GUID as {XXXXXXXX-...}; buf must hold 39 WCHARs. Returns buf. */
WCHAR *bgcli_guid_str(const GUID *id, WCHAR buf[39]);
/* Parses "{GUID}"; TRUE on success. */
BOOL bgcli_parse_guid(const WCHAR *text, GUID *out);
/* Opens the job named by spec: a {GUID} (GetJob), or else the display name of exactly one of
 * the caller's jobs. On failure prints the reason and returns BGCLI_EXIT_FAIL; *out is NULL.
 * On success *out holds a reference the caller releases. */
int bgcli_open_job(IBackgroundCopyManager *mgr, const WCHAR *spec, IBackgroundCopyJob **out);
/* Language for description texts: the user's UI language (never 0). */
DWORD bgcli_langid(void);

/* ---- names.c --------------------------------------------------------------------------- */
const WCHAR *bgcli_state_name(BG_JOB_STATE state);      /* "TRANSFERRING"... or "UNKNOWN" */
const WCHAR *bgcli_type_name(BG_JOB_TYPE type);         /* "DOWNLOAD"... */
const WCHAR *bgcli_priority_name(BG_JOB_PRIORITY prio); /* "FOREGROUND"... */
const WCHAR *bgcli_context_name(BG_ERROR_CONTEXT ctx);  /* "REMOTE_FILE"... */
/* "JOB_TRANSFERRED|JOB_ERROR" style text of BG_NOTIFY_* flags into buf (cch WCHARs). */
WCHAR *bgcli_notify_flags_str(ULONG flags, WCHAR *buf, size_t cch);

/* ---- callback.c ------------------------------------------------------------------------ */
/* What the callback object saw; read it under bgcli_callback_snapshot. */
struct bgcli_callback_report {
    LONG transferred;           /* JobTransferred calls received */
    LONG errors;                /* JobError calls received */
    LONG modifications;         /* JobModification calls received */
    BG_ERROR_CONTEXT context;   /* from the last JobError */
    HRESULT code;               /* from the last JobError */
    WCHAR *description;         /* from the last JobError (malloc'ed, may be NULL) */
    WCHAR *context_description; /* from the last JobError (malloc'ed, may be NULL) */
    WCHAR *remote_name;         /* file of the last JobError (malloc'ed, may be NULL) */
};
struct bgcli_callback;
/* Creates the free-threaded callback object (refcount 1). event is set on every JobTransferred
 * and JobError call; the object does not own it. Returns NULL when out of memory. */
struct bgcli_callback *bgcli_callback_new(HANDLE event);
/* The IUnknown to hand to IBackgroundCopyJob::SetNotifyInterface (borrowed). */
IUnknown *bgcli_callback_unknown(struct bgcli_callback *cb);
/* Copies the report; strings in *out are new copies the caller frees with
 * bgcli_callback_report_clear. */
void bgcli_callback_snapshot(struct bgcli_callback *cb, struct bgcli_callback_report *out);
void bgcli_callback_report_clear(struct bgcli_callback_report *r);
/* The JobTransferred and JobError call counts so far. */
void bgcli_callback_counts(struct bgcli_callback *cb, LONG *transferred, LONG *errors);
/* Cuts the server's references (CoDisconnectObject) and drops the creator's reference. */
void bgcli_callback_free(struct bgcli_callback *cb);

/* ---- progress.c ------------------------------------------------------------------------ */
struct bgcli_progress {
    BOOL console;           /* redraw one line (TRUE) or print plain lines (FALSE) */
    BOOL drawn;             /* a bar is on screen and needs a newline before other output */
    ULONGLONG t_start;      /* GetTickCount64 at the start */
    ULONGLONG t_last_line;  /* when the last plain line was printed */
    ULONGLONG t_rate;       /* start of the current rate window */
    UINT64 bytes_rate;      /* bytes at the start of the rate window */
    double rate;            /* bytes/s, smoothed */
    UINT64 last_bytes;      /* bytes at the last plain line */
    BG_JOB_STATE last_state; /* state at the last update */
};
void bgcli_progress_init(struct bgcli_progress *p, BOOL console);
/* Shows the job's progress (redraws the bar, or prints a line at most once a second and on
 * every state change). */
void bgcli_progress_update(struct bgcli_progress *p, BG_JOB_STATE state, const BG_JOB_PROGRESS *jp);
/* Ends the bar line so that other text can follow. */
void bgcli_progress_break(struct bgcli_progress *p);
/* Formats a byte count as "12.3 MB" into buf (cch WCHARs). */
WCHAR *bgcli_format_bytes(UINT64 n, WCHAR *buf, size_t cch);

#endif /* BGCLI_H */
