/*
 * bgcli.h - shared declarations of bgcopyadmin.exe, a bitsadmin-compatible command line client
 * of bgcopy. The client reaches the server only through COM (CoCreateInstance of
 * CLSID_BgCopyManager, CLSCTX_LOCAL_SERVER), exactly as a third-party BITS client would.
 *
 * Files: bgcopyadmin.c (global flags, argument parsing, dispatch), switches.c (THE switch table:
 * name, arguments, options, handler, help text, doc page), cmd_job.c (job life: /create
 * /addfile* /resume /suspend /cancel /complete /reset /takeownership /replaceremoteprefix),
 * cmd_get.c (single-property queries), cmd_set.c (single-property setters), cmd_http.c
 * (credentials, proxy, security flags, custom headers, HTTP method), cmd_notify.c
 * (notification switches), cmd_info.c (/info /list /geterror), cmd_monitor.c (/monitor /wait),
 * cmd_transfer.c (/transfer), cmd_util.c (/help /util and the not-supported switches),
 * json.c (JSON output), callback.c (the IBackgroundCopyCallback object), progress.c (progress
 * bar), output.c (console-safe output, /rawreturn), util.c (HRESULT text, GUIDs, job lookup,
 * interface queries), names.c (enum names and parsers).
 *
 * Invariants:
 *  1. Every command returns a BGCLI_EXIT_* code; a failing COM call is reported once, by the
 *     command, with its HRESULT in hex and its text (bgcli_fail_hr), which also picks the exit
 *     code (E_NOTIMPL -> BGCLI_EXIT_UNSUPPORTED, else BGCLI_EXIT_FAIL).
 *  2. Usage errors (unknown switch or option, wrong argument count, bad option value) are found
 *     by bgcopyadmin.c before any COM call and give BGCLI_EXIT_USAGE; a handler that finds a
 *     bad argument value (a priority name, a number) also returns BGCLI_EXIT_USAGE, before its
 *     first COM call that changes anything.
 *  3. All text leaves through output.c: WriteConsoleW on a console, UTF-8 with CRLF line ends
 *     otherwise. Results go to stdout, errors to stderr.
 *  4. switches.c is the only list of switches: parsing, /help, the not-supported answers and
 *     the documentation pointer all read it.
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

/* Exit codes (documented in client/docs/exit-codes.md). */
#define BGCLI_EXIT_OK 0          /* the command did what was asked (/wait: job TRANSFERRED) */
#define BGCLI_EXIT_FAIL 1        /* a COM call failed, or no/ambiguous job (message printed) */
#define BGCLI_EXIT_USAGE 2       /* bad command line (message and usage printed) */
#define BGCLI_EXIT_UNSUPPORTED 3 /* not supported yet: upload switches, some /util, E_NOTIMPL */
#define BGCLI_EXIT_JOB_ERROR 4   /* /wait, /transfer: the job ended in ERROR */
#define BGCLI_EXIT_TIMEOUT 5     /* /wait, /transfer: /timeout elapsed */
#define BGCLI_EXIT_JOB_GONE 6    /* /wait, /transfer: cancelled/acknowledged by someone else */
#define BGCLI_EXIT_INTERRUPTED 7 /* Ctrl+C */

/* Options (struct bgcli_args.opts). Those marked (value) take the next argument. */
#define BGCLI_OPT_DOWNLOAD 0x0001
#define BGCLI_OPT_UPLOAD 0x0002
#define BGCLI_OPT_UPLOAD_REPLY 0x0004
#define BGCLI_OPT_VERBOSE 0x0008
#define BGCLI_OPT_ALLUSERS 0x0010
#define BGCLI_OPT_TIMEOUT 0x0020  /* (value) seconds */
#define BGCLI_OPT_REFRESH 0x0040  /* (value) seconds */
#define BGCLI_OPT_COUNT 0x0080    /* (value) number of snapshots */
#define BGCLI_OPT_PRIORITY 0x0100 /* (value) FOREGROUND|HIGH|NORMAL|LOW */
#define BGCLI_OPT_JSON 0x0200     /* machine-readable output (query switches) */
#define BGCLI_OPT_RAWRETURN 0x0400 /* global: bare values, no trailing newline */
#define BGCLI_OPT_NOWRAP 0x0800   /* global: accepted; output is never wrapped */
#define BGCLI_OPT_HELP 0x1000     /* "/?" after a switch: that switch's help */

#define BGCLI_OPT_TYPES (BGCLI_OPT_DOWNLOAD | BGCLI_OPT_UPLOAD | BGCLI_OPT_UPLOAD_REPLY)
#define BGCLI_OPT_GLOBAL (BGCLI_OPT_RAWRETURN | BGCLI_OPT_NOWRAP | BGCLI_OPT_HELP)

/* Switch flags (struct bgcli_switch.flags). */
#define BGCLI_SW_PAIRS 0x01     /* positional arguments after the first come in (URL, LOCAL) pairs */
#define BGCLI_SW_FREE_TAIL 0x02 /* arguments after the first are taken as is, even "/..." */
#define BGCLI_SW_NO_COM 0x04    /* runs without a server connection (mgr is NULL) */
#define BGCLI_SW_UPLOAD 0x08    /* upload-only: answers "not supported yet" (exit 3) */
#define BGCLI_SW_RAW_ARGS 0x10  /* every argument is positional, "/..." included (/help, /util) */

struct bgcli_args;
/* One command: runs with a connected manager (NULL for BGCLI_SW_NO_COM); returns a BGCLI_EXIT_*. */
typedef int (*bgcli_command_fn)(IBackgroundCopyManager *mgr, const struct bgcli_args *args);

/* One switch: the single source of truth for parsing, help and documentation. */
struct bgcli_switch {
    const WCHAR *name;      /* switch without the slash, lower case */
    unsigned opts;          /* BGCLI_OPT_* accepted besides the global ones */
    int min_args;           /* fewest positional arguments */
    int max_args;           /* most positional arguments, -1 = no limit */
    unsigned flags;         /* BGCLI_SW_* */
    bgcli_command_fn run;   /* the handler (NULL for BGCLI_SW_UPLOAD switches) */
    const WCHAR *synopsis;  /* usage line, without "bgcopyadmin " */
    const WCHAR *summary;   /* what it does and prints, one or two sentences */
    const WCHAR *doc;       /* its page in client/docs/ */
};

/* The table (switches.c) and a lookup by name without the slash (case-insensitive). */
extern const struct bgcli_switch bgcli_switches[];
extern const size_t bgcli_switch_count;
const struct bgcli_switch *bgcli_find_switch(const WCHAR *name);

/* A parsed command line after the switch. Strings are borrowed from argv. */
struct bgcli_args {
    const struct bgcli_switch *sw; /* the switch being run */
    unsigned opts;                 /* BGCLI_OPT_* given */
    DWORD timeout_s;               /* value of /timeout (with BGCLI_OPT_TIMEOUT) */
    DWORD refresh_s;               /* value of /refresh (with BGCLI_OPT_REFRESH) */
    DWORD count;                   /* value of /count (with BGCLI_OPT_COUNT) */
    BG_JOB_PRIORITY priority;      /* value of /priority (with BGCLI_OPT_PRIORITY) */
    int npos;                      /* number of positional arguments */
    WCHAR **pos;                   /* positional arguments, in order */
};

/* ---- commands (cmd_*.c): one handler per switch --------------------------------------- */
/* cmd_job.c */
int bgcli_cmd_create(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_addfile(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_addfileset(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_addfilewithranges(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_resume(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_suspend(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_cancel(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_complete(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_reset(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_takeownership(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_replaceremoteprefix(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
/* cmd_get.c */
int bgcli_cmd_getbytestotal(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_getbytestransferred(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_getfilestotal(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_getfilestransferred(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_getcreationtime(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_getmodificationtime(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_getcompletiontime(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_getdisplayname(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_getdescription(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_geterrorcount(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_getminretrydelay(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_getnoprogresstimeout(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_getmaxdownloadtime(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_getowner(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_getpriority(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_getstate(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_gettype(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_getproxyusage(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_getproxylist(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_getproxybypasslist(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_gettemporaryname(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_getvalidationstate(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
/* cmd_set.c */
int bgcli_cmd_setdisplayname(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_setdescription(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_setpriority(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_setminretrydelay(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_setnoprogresstimeout(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_setmaxdownloadtime(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_setvalidationstate(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
/* cmd_http.c */
int bgcli_cmd_setcredentials(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_removecredentials(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_setproxysettings(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_setsecurityflags(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_getsecurityflags(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_setcustomheaders(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_getcustomheaders(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_sethttpmethod(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_gethttpmethod(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
/* cmd_notify.c */
int bgcli_cmd_setnotifyflags(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_getnotifyflags(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_setnotifycmdline(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_getnotifycmdline(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_setnotifyclsid(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_getnotifyclsid(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_getnotifyinterface(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
/* cmd_info.c */
int bgcli_cmd_info(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_list(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_geterror(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
/* cmd_monitor.c */
int bgcli_cmd_monitor(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_wait(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
/* cmd_transfer.c */
int bgcli_cmd_transfer(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
/* cmd_util.c */
int bgcli_cmd_help(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
int bgcli_cmd_util(IBackgroundCopyManager *mgr, const struct bgcli_args *args);
/* Prints the help of one switch (synopsis, summary, doc page) on stdout. */
void bgcli_print_switch_help(const struct bgcli_switch *sw);
/* Prints every switch's synopsis (to stderr when to_stderr). */
void bgcli_print_usage(BOOL to_stderr);
/* The answer of a BGCLI_SW_UPLOAD switch or option: message on stderr, BGCLI_EXIT_UNSUPPORTED. */
int bgcli_not_supported(const WCHAR *what);

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
/* The result of a query: with /json a {"id":..,key:value} object (value already JSON), with
 * /rawreturn the text alone without a newline, else the text and a newline. text may hold
 * several lines. */
void bgcli_print_result(const struct bgcli_args *args, const GUID *job, const WCHAR *key,
                        const WCHAR *text, const WCHAR *json_value);

/* ---- json.c ---------------------------------------------------------------------------- */
/* A JSON text built in memory. Errors (out of memory) make bgcli_json_text return NULL. */
struct bgcli_json {
    WCHAR *buf;        /* the text so far (malloc'ed) */
    size_t len;        /* characters used */
    size_t cap;        /* characters allocated */
    int depth;         /* open objects/arrays */
    BOOL first[16];    /* per depth: no member written yet */
    BOOL oom;          /* an allocation failed */
};
void bgcli_json_init(struct bgcli_json *j);
/* Opens an object ('{') or array ('['), as member key (NULL inside arrays or at top level). */
void bgcli_json_open(struct bgcli_json *j, const WCHAR *key, WCHAR bracket);
void bgcli_json_close(struct bgcli_json *j, WCHAR bracket);
void bgcli_json_str(struct bgcli_json *j, const WCHAR *key, const WCHAR *value); /* NULL -> null */
void bgcli_json_num(struct bgcli_json *j, const WCHAR *key, UINT64 value);
void bgcli_json_bool(struct bgcli_json *j, const WCHAR *key, BOOL value);
void bgcli_json_null(struct bgcli_json *j, const WCHAR *key);
/* A value already in JSON form. */
void bgcli_json_raw(struct bgcli_json *j, const WCHAR *key, const WCHAR *json);
/* The text (owned by j) or NULL after an allocation failure. */
const WCHAR *bgcli_json_text(struct bgcli_json *j);
/* Prints the text and a newline on stdout, then frees. */
void bgcli_json_print(struct bgcli_json *j);
void bgcli_json_free(struct bgcli_json *j);
/* "\"escaped\"" of s (or "null") into a malloc'ed string (NULL when out of memory). */
WCHAR *bgcli_json_quote(const WCHAR *s);

/* ---- util.c ---------------------------------------------------------------------------- */
/* Text for hr: IBackgroundCopyManager::GetErrorDescription when mgr is not NULL, else (or when
 * that fails) FormatMessageW. Returns a malloc'ed string without trailing newlines (caller
 * frees with free()); never NULL (falls back to "unknown error"). */
WCHAR *bgcli_hr_text(IBackgroundCopyManager *mgr, HRESULT hr);
/* Prints "ERROR: <what> - 0x%08lX <text>" on stderr. */
void bgcli_report_hr(IBackgroundCopyManager *mgr, const WCHAR *what, HRESULT hr);
/* bgcli_report_hr, then the exit code for hr: BGCLI_EXIT_UNSUPPORTED for E_NOTIMPL (with a
 * "not supported" note), else BGCLI_EXIT_FAIL. */
int bgcli_fail_hr(IBackgroundCopyManager *mgr, const WCHAR *what, HRESULT hr);
/* Formats a GUID as {XXXXXXXX-...}; buf must hold 39 WCHARs. Returns buf. */
WCHAR *bgcli_guid_str(const GUID *id, WCHAR buf[39]);
/* Parses "{GUID}"; TRUE on success. */
BOOL bgcli_parse_guid(const WCHAR *text, GUID *out);
/* Opens the job named by spec: a {GUID} (GetJob), or else the display name of exactly one of
 * the caller's jobs (of every user's with allusers). On failure prints the reason and returns
 * BGCLI_EXIT_FAIL; *out is NULL. On success *out holds a reference the caller releases. */
int bgcli_open_job(IBackgroundCopyManager *mgr, const WCHAR *spec, IBackgroundCopyJob **out);
/* Opens the job (args->pos[0]) and queries it for iid. On failure prints the reason and returns
 * the exit code; *out is NULL. id (may be NULL) receives the job's GUID. */
int bgcli_open_job_iface(IBackgroundCopyManager *mgr, const struct bgcli_args *args, REFIID iid,
                         void **out, GUID *id);
/* The job's file number index (0-based, EnumFiles order), queried for iid. Reports failures. */
int bgcli_open_file_iface(IBackgroundCopyManager *mgr, IBackgroundCopyJob *job, const WCHAR *index,
                          REFIID iid, void **out);
/* Language for description texts: the user's UI language (never 0). */
DWORD bgcli_langid(void);
/* A FILETIME as local "YYYY-MM-DD HH:MM:SS", or "UNKNOWN" for zero. */
const WCHAR *bgcli_time_str(const FILETIME *ft, WCHAR *buf, size_t cch);
/* The same as ISO 8601 UTC ("2026-11-21T20:12:09Z") for JSON, or NULL for zero. */
const WCHAR *bgcli_time_iso(const FILETIME *ft, WCHAR *buf, size_t cch);
/* A malloc'ed copy (NULL in, NULL out). */
WCHAR *bgcli_strdup(const WCHAR *s);
/* A manual-reset event set by Ctrl+C / console close while a waiting command runs (the
 * handler is installed by the first call); NULL when it cannot be created. bgcli_interrupt_end
 * removes the handler and closes the event. */
HANDLE bgcli_interrupt_begin(void);
void bgcli_interrupt_end(void);

/* ---- names.c --------------------------------------------------------------------------- */
const WCHAR *bgcli_state_name(BG_JOB_STATE state);      /* "TRANSFERRING"... or "UNKNOWN" */
const WCHAR *bgcli_type_name(BG_JOB_TYPE type);         /* "DOWNLOAD"... */
const WCHAR *bgcli_priority_name(BG_JOB_PRIORITY prio); /* "FOREGROUND"... */
const WCHAR *bgcli_context_name(BG_ERROR_CONTEXT ctx);  /* "REMOTE_FILE"... */
const WCHAR *bgcli_proxy_usage_name(BG_JOB_PROXY_USAGE usage); /* "PRECONFIG"... */
/* "JOB_TRANSFERRED|JOB_ERROR" style text of BG_NOTIFY_* flags into buf (cch WCHARs). */
WCHAR *bgcli_notify_flags_str(ULONG flags, WCHAR *buf, size_t cch);
/* Parsers (case-insensitive names); TRUE on success. */
BOOL bgcli_parse_priority(const WCHAR *text, BG_JOB_PRIORITY *out);
BOOL bgcli_parse_proxy_usage(const WCHAR *text, BG_JOB_PROXY_USAGE *out);
BOOL bgcli_parse_auth_target(const WCHAR *text, BG_AUTH_TARGET *out);
BOOL bgcli_parse_auth_scheme(const WCHAR *text, BG_AUTH_SCHEME *out);
BOOL bgcli_parse_bool(const WCHAR *text, BOOL *out); /* TRUE/FALSE, 1/0, YES/NO */
/* A decimal or 0x-hex number in [0, max]. */
BOOL bgcli_parse_ulong(const WCHAR *text, ULONG max, ULONG *out);
BOOL bgcli_parse_u64(const WCHAR *text, UINT64 *out);
/* TRUE when text is bitsadmin's "NULL" placeholder (case-insensitive). */
BOOL bgcli_is_null_word(const WCHAR *text);

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
    UINT64 bytes_start;     /* bytes at the first update */
    BOOL started;           /* bytes_start is set */
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
/* Feeds one sample to the rate estimator (also done by bgcli_progress_update); the first sample
 * is the baseline the average rate counts from. */
void bgcli_progress_sample(struct bgcli_progress *p, UINT64 bytes);
/* "[#####-------]  45.0% 1.2 MB / 2.7 MB 310.0 KB/s ETA 0:05" into buf (no state name). */
WCHAR *bgcli_progress_bar(struct bgcli_progress *p, const BG_JOB_PROGRESS *jp, WCHAR *buf, size_t cch);
/* Formats a byte count as "12.3 MB" into buf (cch WCHARs). */
WCHAR *bgcli_format_bytes(UINT64 n, WCHAR *buf, size_t cch);

#endif /* BGCLI_H */
