/*
 * server.h - declarations shared by the files of bgcopysvc.exe (server/ only).
 *
 * server/ adapts the portable core (jobs/bgc.h) to the BITS COM interfaces. Every COM method
 * validates its arguments, traces them, calls one bgc_ function and maps the result with
 * hresult_from_bgc(); nothing here keeps job state of its own except the notification target
 * (notify.c), which COM owns and jobs/ must not see.
 *
 * Invariants kept by all files of server/:
 *  1. Every live COM object created by server/ (manager, job, file, error, enumerators) holds
 *     one server lock (server_lock/server_unlock), so the process lives while a client can
 *     still call it. IClassFactory::LockServer takes the same lock.
 *  2. A job or file COM object holds exactly one bgc_job reference; a Release never frees
 *     engine-owned state.
 *  3. Out pointers are NULLed (or zeroed) on entry; strings returned to callers come from
 *     strconv_cotask_from_utf8() (CoTaskMemAlloc).
 */
#ifndef BGC_SERVER_H
#define BGC_SERVER_H

#include <windows.h>
#include <ole2.h>

#include "bgcopy.h"
#include "bgc.h"

/* ---- Logging (log.c): one channel per layer; jobs/ logs through the same sink ---------- */

#define SERVER_CHANNEL "server"
#define TRACE(...) bgc_log(BGC_LOG_TRACE, SERVER_CHANNEL, __VA_ARGS__)
#define FIXME(...) bgc_log(BGC_LOG_FIXME, SERVER_CHANNEL, __VA_ARGS__)
#define WARN(...) bgc_log(BGC_LOG_WARN, SERVER_CHANNEL, __VA_ARGS__)
#define ERR(...) bgc_log(BGC_LOG_ERR, SERVER_CHANNEL, __VA_ARGS__)
#define INFO(...) bgc_log(BGC_LOG_INFO, SERVER_CHANNEL, __VA_ARGS__)

/* Opens (appending) DataDir\bgcopysvc.log, creating DataDir, and installs it as the bgc_log
 * sink with max_level. Returns FALSE (and logs nothing) when the file cannot be opened. */
BOOL log_open(const WCHAR *data_dir, enum bgc_log_level max_level);
/* Flushes and closes the log file; later bgc_log calls are dropped. No-op when not open. */
void log_close(void);
/* "{XXXXXXXX-...}" of a GUID for log lines; returns buf. */
const char *debugstr_guid_buf(const GUID *id, char buf[39]);

/* ---- Process lifetime (lifecycle.c; phases in lifecycle.h) ----------------------------- */

/* Counts one live COM object or LockServer(TRUE). */
void server_lock(void);
/* Drops one; the lifetime loop notices when the count reaches zero. */
void server_unlock(void);
/* Takes one server lock unless the idle shutdown has started; both under the lifetime lock,
 * so that an activation can never hand out an object the shutdown is about to disconnect
 * (the factory then answers CO_E_SERVER_STOPPING, the notification sink stops calling out).
 * Returns FALSE when stopping. */
BOOL server_lock_unless_stopping(void);
/* The queue of this process (valid from start until shutdown). */
struct bgc_queue *server_queue(void);

/* ---- Class objects and COM objects ----------------------------------------------------- */

/* The class object registered for CLSID_BgCopyManager (static, not counted). */
IClassFactory *factory_get_manager_factory(void);

/* Creates a manager object; server lock held by the object. */
HRESULT BgCopyManager_create(REFIID riid, void **ppv);
/* Creates a job object holding a new reference on core (the caller keeps its own). */
HRESULT BgCopyJob_create(struct bgc_job *core, IBackgroundCopyJob **out);
/* Creates a file object for (core, index); takes a new reference on core. */
HRESULT BgCopyFile_create(struct bgc_job *core, size_t index, IBackgroundCopyFile **out);
/* Creates an error object holding a copy of err and a reference on core. */
HRESULT BgCopyError_create(struct bgc_job *core, const struct bgc_error *err, IBackgroundCopyError **out);
/* Job enumerator over a snapshot; takes ownership of jobs[0..count) (bgc_job_list_free). */
HRESULT EnumJobs_create(struct bgc_job **jobs, size_t count, IEnumBackgroundCopyJobs **out);
/* File enumerator over the files of core that exist now (snapshot of the count). */
HRESULT EnumFiles_create(struct bgc_job *core, IEnumBackgroundCopyFiles **out);

/* ---- Notifications (notify.c) ---------------------------------------------------------- */

/* The sink handed to bgc_queue_new. */
const struct bgc_sink *notify_sink(void);
/* SetNotifyInterface: NULL clears; an object without IBackgroundCopyCallback returns that
 * QueryInterface failure and changes nothing. */
HRESULT notify_set_interface(struct bgc_job *core, IUnknown *unk);
/* GetNotifyInterface: *out = the object set (AddRef'd) or NULL, never the object activated
 * from the NOTIFICATION_CLSID; always S_OK. */
HRESULT notify_get_interface(struct bgc_job *core, IUnknown **out);
/* After a successful SetProperty(NOTIFICATION_CLSID): drops the object activated from the
 * previous CLSID (last setter wins) and, when the new CLSID is not GUID_NULL, kicks pending
 * events (N4). Calls out (Release) with no lock held. */
void notify_clsid_changed(struct bgc_job *core);
/* TRUE when hr means the callback's process or apartment is gone. */
BOOL notify_is_disconnected(HRESULT hr);

/* conditions.c: the watcher thread that reports network, cost and bandwidth policy to the
 * core (bgc_queue_set_conditions). Started at enable, stopped at disable (before the queue is
 * freed). conditions_start returns FALSE when the thread cannot start (the defaults apply). */
BOOL conditions_start(struct bgc_queue *q);
void conditions_stop(void);

/* ---- Job5 properties (job_props.c; core area, extension point for the other helpers) ---- */

/* SetProperty: unknown id -> BG_E_UNKNOWN_PROPERTY_ID; final job -> BG_E_INVALID_STATE. */
HRESULT job_props_set(struct bgc_job *core, BITS_JOB_PROPERTY_ID id, const BITS_JOB_PROPERTY_VALUE *value);
/* GetProperty: zeroes *value, then as above (any state). value non-NULL. */
HRESULT job_props_get(struct bgc_job *core, BITS_JOB_PROPERTY_ID id, BITS_JOB_PROPERTY_VALUE *value);

/* ---- Job5 properties of the files area (job_props_files.c): rows of job_props.c ---------- *
 * Each set_ takes the value as job_props_set passes it; each get_ fills the union's arm. */
HRESULT job_props_files_set_dynamic(struct bgc_job *core, const BITS_JOB_PROPERTY_VALUE *value);
HRESULT job_props_files_get_dynamic(struct bgc_job *core, BITS_JOB_PROPERTY_VALUE *value);
HRESULT job_props_files_set_high_performance(struct bgc_job *core, const BITS_JOB_PROPERTY_VALUE *value);
HRESULT job_props_files_get_high_performance(struct bgc_job *core, BITS_JOB_PROPERTY_VALUE *value);
HRESULT job_props_files_set_max_download_size(struct bgc_job *core, const BITS_JOB_PROPERTY_VALUE *value);
HRESULT job_props_files_get_max_download_size(struct bgc_job *core, BITS_JOB_PROPERTY_VALUE *value);
HRESULT job_props_files_set_on_demand(struct bgc_job *core, const BITS_JOB_PROPERTY_VALUE *value);
HRESULT job_props_files_get_on_demand(struct bgc_job *core, BITS_JOB_PROPERTY_VALUE *value);

/* ---- FileRangesTransferred (file_ranges.c; files area) ------------------------------------ */

/* Takes the ranges of file_index that arrived since the last call and calls
 * cb3->FileRangesTransferred(job, file, n, ranges) with them (N2; nothing when there are none).
 * Returns the callback's HRESULT, or S_OK. */
HRESULT file_ranges_deliver(IBackgroundCopyCallback3 *cb3, IBackgroundCopyJob *job, struct bgc_job *core,
                            unsigned file_index);
/* Forgets those ranges (the target has no IBackgroundCopyCallback3). S_OK. */
HRESULT file_ranges_drop(struct bgc_job *core, unsigned file_index);

/* ---- The caller's token (caller.c; core area) --------------------------------------------- */

struct caller_facts {
    char *sid;          /* SID string, malloc'd (caller_facts_free) */
    unsigned integrity; /* mandatory-label RID (SECURITY_MANDATORY_*_RID) */
    BOOL elevated;      /* TokenElevation */
    BOOL admin;         /* member of BUILTIN\Administrators */
};
/* Facts of the calling client's token (Wine: the process token). */
HRESULT caller_facts(struct caller_facts *out);
/* The same after admitting the caller (access_admit_caller: G9, G8) with one impersonation;
 * a refused caller gets access_admit_caller's HRESULT and no facts. */
HRESULT caller_facts_admitted(struct caller_facts *out);
void caller_facts_free(struct caller_facts *facts);
/* Records the caller's integrity level and elevation on a new job (CreateJob). */
void caller_record_owner_token(struct bgc_job *core);

/* ---- Caller admission (access.c; core area, G8 and G9) ----------------------------------- */

#define ACCESS_PRIMARY_TOKEN (-1)
struct access_facts {
    int imp_level;  /* SECURITY_IMPERSONATION_LEVEL of the token, or ACCESS_PRIMARY_TOKEN */
    BOOL remote;    /* the token holds NETWORK (S-1-5-2): a network logon */
    BOOL anonymous; /* the token's user or a group is ANONYMOUS LOGON (S-1-5-7) */
};
/* TRUE when sid is the token's user or one of its groups (any attributes). */
BOOL access_token_holds(HANDLE token, const SID *sid);
/* Reads the facts of any token (TOKEN_QUERY); a failure of GetTokenInformation as HRESULT. */
HRESULT access_facts_from_token(HANDLE token, struct access_facts *out);
/* The decision, pure: remote -> BG_E_REMOTE_NOT_SUPPORTED (G9, first); anonymous or a level
 * below SecurityImpersonation -> E_ACCESSDENIED (G8); else S_OK. */
HRESULT access_decide(const struct access_facts *f);
/* Facts and decision for one token, WARN on refusal (an unreadable token is E_ACCESSDENIED). */
HRESULT access_check_token(HANDLE token);
/* Admits the caller of the current COM call, impersonating it once. S_OK: *token is its token
 * (TOKEN_QUERY | TOKEN_DUPLICATE; the caller closes it) or NULL under Wine, where there is no
 * call context and the process token, decided once, stands for the caller. Refused: the
 * HRESULT, *token NULL. On Windows no impersonation token is E_ACCESSDENIED. */
HRESULT access_admit_caller(HANDLE *token);
/* Impersonates the current COM caller once (and reverts); *token is its thread token
 * (TOKEN_QUERY | TOKEN_DUPLICATE) or NULL (no call context, e.g. Wine), *error the
 * OpenThreadToken error. Returns CoImpersonateClient's result. The one place that opens a
 * caller's token (caller.c, identity.c use it too). */
HRESULT access_caller_token(HANDLE *token, DWORD *error);
/* access_admit_caller without the token (GetJob, EnumJobs for all users). */
HRESULT access_check_caller(void);
/* IClassFactory::CreateInstance: BG_E_REMOTE_NOT_SUPPORTED for a remote caller (G9), else
 * S_OK, also when there is no token (the manager's methods decide G8). */
HRESULT access_check_activation(void);

/* ---- Notify command line (cmdline.c; core area) ------------------------------------------ */

/* Runs the job's notify command line for a TRANSFERRED/ERROR event (N6 step 3, N10):
 * BGC_DELIVERED when the program ran and exited with 0, BGC_RETRY when it could not start or
 * exited non-zero, BGC_NO_TARGET when the job has no command line. Blocks until the program
 * exits (bounded); call only from the notification thread. */
int cmdline_run(struct bgc_job *core);

/* ---- Notification identity (identity.c; core area, N8) ---------------------------------- */

enum identity_purpose { IDENTITY_CMDLINE, IDENTITY_CLSID, IDENTITY_PURPOSES };
enum identity_run {
    IDENTITY_RUN_SELF,     /* as the server's own user */
    IDENTITY_RUN_CAPTURED, /* with the token captured from the client that set it */
    IDENTITY_RUN_SESSION,  /* with the job owner's interactive session token */
    IDENTITY_RUN_DEFER,    /* not now: the owner is not logged on (BGC_RETRY, N11) */
    IDENTITY_RUN_NEVER,    /* a service account's job: never a command line */
};
struct identity_facts {
    BOOL service_owner;    /* the job owner is LocalSystem, LocalService or NetworkService */
    BOOL have_token;       /* a token was captured for this purpose */
    BOOL token_is_self;    /* ... and its user is the server process's user */
    BOOL server_is_system; /* the server runs as LocalSystem (service mode) */
    BOOL owner_logged_on;  /* a session of the owner exists (asked only when it matters) */
};
/* The N8 decision; pure. */
enum identity_run identity_choose(enum identity_purpose purpose, const struct identity_facts *facts);
/* SetNotifyCmdLine (non-empty program: set TRUE) and SetProperty(NOTIFICATION_CLSID) (non-null:
 * TRUE): remembers the calling client's token for that purpose, replacing an older one; set
 * FALSE, or no usable token (Wine), forgets it. Call inside the COM call. */
void identity_capture(struct bgc_job *core, enum identity_purpose purpose, BOOL set);
/* Closes the job's tokens (Complete, Cancel). */
void identity_forget(struct bgc_job *core);
/* Closes every token (server shutdown, after the queue stopped). */
void identity_shutdown(void);
/* Decides for a delivery; *token = a primary token the caller closes (CAPTURED, SESSION), else
 * NULL. */
enum identity_run identity_resolve(struct bgc_job *core, enum identity_purpose purpose, HANDLE *token);
/* CreateProcessW when token is NULL, else CreateProcessAsUserW on winsta0\default with the
 * user's environment block. FALSE with GetLastError() on failure. */
BOOL identity_start_process(HANDLE token, const WCHAR *program, WCHAR *params, DWORD flags, PROCESS_INFORMATION *pi);
/* CoCreateInstance(CLSCTX_LOCAL_SERVER, IUnknown) as identity_resolve(IDENTITY_CLSID) decides
 * (impersonating its token for the call); DEFER gives HRESULT_FROM_WIN32(ERROR_NO_SUCH_LOGON_SESSION). */
HRESULT identity_cocreate(struct bgc_job *core, const GUID *clsid, IUnknown **out);
/* Seams for the tests: the token table by job id (put takes ownership of token; NULL
 * forgets; get returns a duplicate handle or NULL), its size, the caller's token as a primary
 * token (NULL without a COM call context, for identification-only or the server's own user),
 * the owner's session token (NULL when not logged on) and "token's user is the server's". */
void identity_token_put(const struct bgc_id *job, enum identity_purpose purpose, HANDLE token);
HANDLE identity_token_get(const struct bgc_id *job, enum identity_purpose purpose);
void identity_token_forget(const struct bgc_id *job);
size_t identity_tokens_held(void);
HANDLE identity_caller_token(void);
HANDLE identity_session_token(const char *owner_sid);
BOOL identity_token_is_self(HANDLE token);

/* ---- HTTP options, credentials, proxies (httpopts.c; httpopts area) ---------------------- */

/* The job object's IBackgroundCopyJobHttpOptions3 vtable (job.c embeds the interface). */
extern const IBackgroundCopyJobHttpOptions3Vtbl BgCopyJob_HttpOptions_vtbl;
/* job.c: the core and the primary interface of the job object behind its HttpOptions iface. */
struct bgc_job *BgCopyJob_core_from_httpopts(IBackgroundCopyJobHttpOptions3 *iface);
IBackgroundCopyJob5 *BgCopyJob_from_httpopts(IBackgroundCopyJobHttpOptions3 *iface);
/* IBackgroundCopyJob::SetProxySettings / GetProxySettings (lists NULL when not set). */
HRESULT httpopts_set_proxy(struct bgc_job *core, BG_JOB_PROXY_USAGE usage, const WCHAR *list, const WCHAR *bypass);
HRESULT httpopts_get_proxy(struct bgc_job *core, BG_JOB_PROXY_USAGE *usage, LPWSTR *list, LPWSTR *bypass);
/* IBackgroundCopyJob2::SetCredentials / RemoveCredentials (S_FALSE when never set). */
HRESULT httpopts_set_credentials(struct bgc_job *core, BG_AUTH_CREDENTIALS *cred);
HRESULT httpopts_remove_credentials(struct bgc_job *core, BG_AUTH_TARGET target, BG_AUTH_SCHEME scheme);
/* Job5 USE_STORED_CREDENTIALS row of job_props.c: value->Target, BG_AUTH_TARGET_PROXY (or 0
 * to stop) else BG_E_USE_STORED_CREDENTIALS_NOT_SUPPORTED. */
HRESULT httpopts_prop_set_stored_credentials(struct bgc_job *core, const BITS_JOB_PROPERTY_VALUE *value);
HRESULT httpopts_prop_get_stored_credentials(struct bgc_job *core, BITS_JOB_PROPERTY_VALUE *value);

/* ---- Result mapping and texts (hresult.c) ---------------------------------------------- */

/* The only mapping from a bgc_ result code (BGC_OK, BGC_S_*, BGC_E_*) to an HRESULT. */
HRESULT hresult_from_bgc(int rc);
/* The HRESULT a client sees for a job's error record (IBackgroundCopyError::GetError). */
HRESULT hresult_from_bgc_error(const struct bgc_error *err);
/* English text for hr (BITS, HTTP, Win32, other system codes) as a CoTaskMem string.
 * langid 0 or an English/neutral language is accepted; any other language gives
 * HRESULT_FROM_WIN32(ERROR_RESOURCE_LANG_NOT_FOUND). Unknown codes give
 * HRESULT_FROM_WIN32(ERROR_MR_MID_NOT_FOUND). */
HRESULT hresult_describe(HRESULT hr, DWORD langid, WCHAR **out);
/* English text for a BG_ERROR_CONTEXT value, same rules as hresult_describe. */
HRESULT hresult_describe_context(BG_ERROR_CONTEXT ctx, DWORD langid, WCHAR **out);
/* Symbolic name of a BITS code ("BG_E_NOT_FOUND") or NULL; for logs. */
const char *hresult_name(HRESULT hr);

/* ---- Strings (strconv.c) --------------------------------------------------------------- */

/* UTF-16 -> UTF-8 (malloc'd; free with free()). NULL src -> E_INVALIDARG. max_units > 0
 * limits the length in UTF-16 code units (checked before converting): longer ->
 * too_long_hr. Unpaired surrogates -> E_INVALIDARG. */
HRESULT strconv_utf8_from_wide(const WCHAR *src, size_t max_units, HRESULT too_long_hr, char **out);
/* UTF-8 -> CoTaskMemAlloc'd UTF-16. NULL src gives an empty string. */
HRESULT strconv_cotask_from_utf8(const char *src, WCHAR **out);
/* Copies a UTF-16 string into CoTaskMem. */
HRESULT strconv_cotask_dup(const WCHAR *src, WCHAR **out);
/* Narrow text (ASCII/UTF-8) for TRACE of a UTF-16 argument: a static per-thread buffer,
 * truncated; "(null)" for NULL. */
const char *debugstr_w(const WCHAR *s);

/* ---- Conversions between core and COM types -------------------------------------------- */

static inline void guid_from_bgc_id(const struct bgc_id *id, GUID *out)
{
    memcpy(out, id->b, sizeof(*out));
}

static inline void bgc_id_from_guid(const GUID *g, struct bgc_id *out)
{
    memcpy(out->b, g, sizeof(out->b));
}

static inline FILETIME filetime_from_bgc_time(bgc_time t)
{
    FILETIME ft;
    ft.dwLowDateTime = (DWORD)(t & 0xffffffffu);
    ft.dwHighDateTime = (DWORD)(t >> 32);
    return ft;
}

/* ---- HRESULTs the generated header may lack (values from bitsmsg.h) ---------------------- */

#ifndef BG_E_NOT_FOUND
#define BG_E_NOT_FOUND ((HRESULT)0x80200001)
#endif
#ifndef BG_E_INVALID_STATE
#define BG_E_INVALID_STATE ((HRESULT)0x80200002)
#endif
#ifndef BG_E_EMPTY
#define BG_E_EMPTY ((HRESULT)0x80200003)
#endif
#ifndef BG_E_FILE_NOT_AVAILABLE
#define BG_E_FILE_NOT_AVAILABLE ((HRESULT)0x80200004)
#endif
#ifndef BG_E_PROTOCOL_NOT_AVAILABLE
#define BG_E_PROTOCOL_NOT_AVAILABLE ((HRESULT)0x80200005)
#endif
#ifndef BG_E_ERROR_INFORMATION_UNAVAILABLE
#define BG_E_ERROR_INFORMATION_UNAVAILABLE ((HRESULT)0x8020000F)
#endif
#ifndef BG_E_STRING_TOO_LONG
#define BG_E_STRING_TOO_LONG ((HRESULT)0x80200021)
#endif
#ifndef BG_S_PARTIAL_COMPLETE
#define BG_S_PARTIAL_COMPLETE ((HRESULT)0x00200017)
#endif
#ifndef BG_S_UNABLE_TO_DELETE_FILES
#define BG_S_UNABLE_TO_DELETE_FILES ((HRESULT)0x0020001A)
#endif
#ifndef BG_JOB_ENUM_ALL_USERS
#define BG_JOB_ENUM_ALL_USERS 0x0001
#endif

#endif /* BGC_SERVER_H */
