/*
 * bgc.h - the public API of bgcopy's portable transfer core (jobs/).
 *
 * jobs/ knows nothing of COM: it sees 16-byte ids, UTF-8 strings, int result codes and
 * plain structs. server/ adapts it to the BITS interfaces; tests/ drive it directly.
 *
 * Invariants every function here keeps:
 *  1. Result codes: 0 (BGC_OK) or a positive BGC_S_* code on success, a negative BGC_E_* code
 *     on failure. Details of a *transfer* failure (curl code, HTTP status, OS error, which file)
 *     go into the job's error record (bgc_job_get_error), never into a method's result.
 *  2. Out parameters are set only on success; on failure they are left as they were, except
 *     pointers, which are NULLed on entry.
 *  3. Inputs are borrowed: the callee copies what it keeps. Strings returned through `char **`
 *     are allocated with bgc_malloc and freed by the caller with bgc_free.
 *  4. A call that fails changes nothing others can see (fallible work first).
 *  5. The sink (struct bgc_sink) is called from the core's notification dispatcher threads
 *     only (never two calls for one job at once), with no core lock held, and never from
 *     inside an API call; a failing API call never calls it.
 *  6. Objects: struct bgc_queue is owned by its creator (bgc_queue_new/_free); struct bgc_job
 *     is shared (bgc_job_ref/_unref); files are addressed as (job, index) because BITS never
 *     removes a file from a job.
 */
#ifndef BGC_H
#define BGC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Result codes ------------------------------------------------------------------- */

#define BGC_OK 0
#define BGC_S_PARTIAL_COMPLETE 1      /* Complete kept only the fully transferred files */
#define BGC_S_UNABLE_TO_DELETE_FILES 2 /* Cancel/Complete done, some temporaries remain */

#define BGC_E_NOMEM (-1)              /* allocation failed */
#define BGC_E_INVALIDARG (-2)         /* NULL/empty/malformed argument */
#define BGC_E_NOT_FOUND (-3)          /* no job with that id (or job is final) */
#define BGC_E_INVALID_STATE (-4)      /* method not allowed in the job's state */
#define BGC_E_EMPTY (-5)              /* Resume on a job without files */
#define BGC_E_STRING_TOO_LONG (-6)    /* a string exceeds its documented limit */
#define BGC_E_UNSUPPORTED_VALUE (-7)  /* value outside an enum/flag set (BITS: E_NOTIMPL) */
#define BGC_E_NO_ERROR_INFO (-8)      /* job is not in ERROR/TRANSIENT_ERROR */
#define BGC_E_PATH_NOT_FOUND (-9)     /* a directory of the local path does not exist */
#define BGC_E_ACCESS_DENIED (-10)     /* local directory not writable */
#define BGC_E_TOO_MANY_FILES_IN_JOB (-11)
#define BGC_E_TOO_MANY_JOBS_PER_USER (-12)
#define BGC_E_STOPPING (-13)          /* the queue is shutting down */
#define BGC_E_OS (-14)                /* an OS call failed; os_error in the error record */
#define BGC_E_CONNECT_FAILURE (-15)   /* could not connect (or resolve) */
#define BGC_E_CONNECTION_CLOSED (-16) /* connection dropped before the body was complete */
#define BGC_E_TRANSPORT (-17)         /* other transport failure; curl_code in the record */
#define BGC_E_HTTP_STATUS (-18)       /* HTTP status >= 400; http_status in the record */
#define BGC_E_INVALID_SERVER_RESPONSE (-19) /* protocol violation (bad range reply, ...) */
#define BGC_E_REMOTE_NOT_FOUND (-20)  /* file:// or ftp:// source missing */
#define BGC_E_REMOTE_ACCESS_DENIED (-21) /* file:// or ftp:// source not readable */
#define BGC_E_TIMEOUT (-22)           /* no data within the stall timeout */
#define BGC_E_TLS (-23)               /* TLS handshake / certificate failure */
#define BGC_E_TOO_MANY_REDIRECTS (-24)
#define BGC_E_LOCAL_FILE (-25)        /* writing/renaming the local file failed; os_error set */
#define BGC_E_MAXDOWNLOAD_TIMEOUT (-26) /* L17: CONNECTING+TRANSFERRING exceeded the limit */
#define BGC_E_TOO_MANY_JOBS_PER_MACHINE (-27) /* S6: max_jobs_per_machine reached */
/* files area (issue 3): ranges, remote names, validation, download-content properties */
#define BGC_E_INVALID_RANGE (-28)     /* F9/F11: a range is malformed or outside the file */
#define BGC_E_OVERLAPPING_RANGES (-29) /* F9: duplicate or overlapping ranges */
#define BGC_E_TOO_MANY_RANGES_IN_FILE (-30) /* F9: more than max_ranges_per_file */
#define BGC_E_INSUFFICIENT_RANGE_SUPPORT (-31) /* F11/F15: the server ignored a needed Range */
#define BGC_E_REMOTE_FILE_CHANGED (-32) /* F12: a file that cannot restart changed remotely */
#define BGC_E_VALIDATION_FAILED (-33) /* F14: SetValidationState(FALSE) on a finished file */
#define BGC_E_PENDING (-34)           /* F14: the file is not fully transferred yet */
#define BGC_E_NOT_DOWNLOAD (-35)      /* a download-only request on another job type */
/* httpopts area (issue 3): HTTP options, credentials, proxies (httpopts.c, creds.c, proxy.c) */
#define BGC_E_INVALID_AUTH_TARGET (-36) /* SetCredentials: target outside the enumeration */
#define BGC_E_INVALID_AUTH_SCHEME (-37) /* SetCredentials: scheme outside it, or PASSPORT */
#define BGC_E_USERNAME_TOO_LARGE (-38) /* user name > BGC_MAX_USERNAME */
#define BGC_E_PASSWORD_TOO_LARGE (-39) /* password > BGC_MAX_PASSWORD */
#define BGC_E_PROXY_LIST_TOO_LARGE (-40) /* proxy list > BGC_MAX_PROXY_LIST */
#define BGC_E_PROXY_BYPASS_LIST_TOO_LARGE (-41) /* bypass list > BGC_MAX_PROXY_LIST */
#define BGC_E_INVALID_PROXY_INFO (-42) /* transfer: the proxy or bypass list does not parse */
#define BGC_E_NOT_SUPPORTED_WITH_CUSTOM_HTTP_METHOD (-43) /* priority locked / dynamic content */
#define BGC_E_REDIRECT_DISALLOWED (-44) /* F17 DISALLOW; http_status = the redirect status */
#define BGC_E_REDIRECT_SCHEME (-45)   /* F17: HTTPS->HTTP (not allowed) or to another scheme */
#define BGC_E_WRITE_ONLY (-46)        /* the custom headers were made write-only */
#define BGC_E_USE_STORED_CREDENTIALS_NOT_SUPPORTED (-47) /* Job5: only the proxy target */
/* files area (issue 3): Job5 download-content properties (jobs/content.c) */
#define BGC_E_READ_ONLY_AFTER_RESUME (-48) /* J1: settable only before the first Resume */
#define BGC_E_READ_ONLY_AFTER_ADDFILE (-49) /* J1: settable only before the first AddFile */
#define BGC_E_MAX_DOWNLOAD_SIZE_INVALID (-50) /* 2.6: MAX_DOWNLOAD_SIZE of 0 */
#define BGC_E_MAX_DOWNLOAD_SIZE_REACHED (-51) /* 2.6: the job needs more than its cap */
#define BGC_E_RANDOM_ACCESS_NOT_SUPPORTED (-52) /* 2.7: File6 on a job without on-demand mode */
#define BGC_E_UNSUPPORTED_JOB_CONFIGURATION (-53) /* 2.6: e.g. DYNAMIC_CONTENT with ranges */
/* httpopts area: HttpOptions3 server certificate validation */
#define BGC_E_READ_ONLY_WHEN_JOB_ACTIVE (-54) /* validator set while QUEUED/CONNECTING/... */
#define BGC_E_CERT_REJECTED (-55)     /* the validator refused the server certificate (TER);
                                       * os_error = its result (an HRESULT) */
#define BGC_E_CERT_VALIDATOR_GONE (-56) /* the validator could not be reached (ERROR) */
/* conditions area (jobs/cond.c): the job waits in TRANSIENT_ERROR for a condition (R2) */
#define BGC_E_NETWORK_DISCONNECTED (-57) /* L11: no network connection */
#define BGC_E_BLOCKED_BY_POLICY (-58) /* L25: the bandwidth policy allows 0 now (background) */
#define BGC_E_BLOCKED_BY_COST (-59)   /* S7: the job's cost flags exclude the network's cost */
#define BGC_E_STANDBY_MODE (-60)      /* S7: the machine is in standby on battery power */
#define BGC_E_BLOCKED_BY_BATTERY_SAVER (-61) /* S7: Battery Saver is on (background jobs) */
#define BGC_E_LAST (-61)              /* keep equal to the lowest code (table test) */

/* A readable English text for any BGC_OK, BGC_S_ or BGC_E_ code; never NULL. */
const char *bgc_strerror(int code);
/* The code's symbolic name ("BGC_E_EMPTY"); never NULL. */
const char *bgc_code_name(int code);

/* ---- Memory (all jobs/ allocations go through here; tests can inject failures) ------- */

void *bgc_malloc(size_t n);
void *bgc_calloc(size_t count, size_t n);
void *bgc_realloc(void *p, size_t n);
char *bgc_strdup(const char *s);
void bgc_free(void *p);
/* Test hook: make the (n+1)-th allocation from now on fail (and every one after it);
 * n < 0 disables injection. Counts only bgc_* allocations. */
void bgc_test_fail_alloc_after(long n);

/* ---- Enumerations (numeric values equal BITS's, so server/ can cast) ----------------- */

enum bgc_state {
    BGC_STATE_QUEUED = 0,
    BGC_STATE_CONNECTING = 1,
    BGC_STATE_TRANSFERRING = 2,
    BGC_STATE_SUSPENDED = 3,
    BGC_STATE_ERROR = 4,
    BGC_STATE_TRANSIENT_ERROR = 5,
    BGC_STATE_TRANSFERRED = 6,
    BGC_STATE_ACKNOWLEDGED = 7,
    BGC_STATE_CANCELLED = 8
};
#define BGC_STATE_COUNT 9
const char *bgc_state_name(enum bgc_state s); /* "QUEUED", ...; "?" if out of range */

enum bgc_job_type { BGC_JOB_DOWNLOAD = 0, BGC_JOB_UPLOAD = 1, BGC_JOB_UPLOAD_REPLY = 2 };
enum bgc_priority { BGC_PRIO_FOREGROUND = 0, BGC_PRIO_HIGH = 1, BGC_PRIO_NORMAL = 2, BGC_PRIO_LOW = 3 };

/* Error contexts: numerically equal to BG_ERROR_CONTEXT. */
enum bgc_err_context {
    BGC_CTX_NONE = 0,
    BGC_CTX_UNKNOWN = 1,
    BGC_CTX_GENERAL_QUEUE_MANAGER = 2,
    BGC_CTX_QUEUE_MANAGER_NOTIFICATION = 3,
    BGC_CTX_LOCAL_FILE = 4,
    BGC_CTX_REMOTE_FILE = 5,
    BGC_CTX_GENERAL_TRANSPORT = 6,
    BGC_CTX_REMOTE_APPLICATION = 7,
    BGC_CTX_SERVER_CERTIFICATE_CALLBACK = 8 /* httpopts area: the certificate validator */
};

/* Notify flags: numerically equal to BG_NOTIFY_*. */
#define BGC_NOTIFY_JOB_TRANSFERRED 0x01u
#define BGC_NOTIFY_JOB_ERROR 0x02u
#define BGC_NOTIFY_DISABLE 0x04u
#define BGC_NOTIFY_JOB_MODIFICATION 0x08u
#define BGC_NOTIFY_FILE_TRANSFERRED 0x10u
#define BGC_NOTIFY_FILE_RANGES_TRANSFERRED 0x20u
#define BGC_NOTIFY_ALL 0x3Fu
#define BGC_NOTIFY_DEFAULT (BGC_NOTIFY_JOB_TRANSFERRED | BGC_NOTIFY_JOB_ERROR)

#define BGC_SIZE_UNKNOWN UINT64_MAX

/* Limits (BITS's documented values; lengths in UTF-16 code units as BITS counts them,
 * checked by server/ before conversion; jobs/ re-checks in UTF-8 bytes * 1 as a ceiling). */
#define BGC_MAX_DISPLAY_NAME 256
#define BGC_MAX_DESCRIPTION 1024
#define BGC_MAX_REMOTE_NAME 2200
#define BGC_MAX_LOCAL_NAME 260

/* ---- Identifiers and times ----------------------------------------------------------- */

/* 16 bytes with exactly the memory layout of a GUID (Data1..Data3 little-endian). */
struct bgc_id {
    unsigned char b[16];
};
int bgc_id_equal(const struct bgc_id *a, const struct bgc_id *b);
/* Formats as {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX} (39 bytes with NUL). */
void bgc_id_format(const struct bgc_id *id, char out[39]);
/* Parses the form above (braces optional). Returns BGC_OK or BGC_E_INVALIDARG. */
int bgc_id_parse(const char *s, struct bgc_id *out);

/* Wall-clock time as 100-ns intervals since 1601-01-01 UTC (the FILETIME scale). */
typedef uint64_t bgc_time;

/* ---- Configuration (filled by registry/ on Windows, by tests natively) --------------- */

struct bgc_config {
    unsigned max_transfers;       /* concurrent file transfers; 0 = default (8) */
    unsigned max_jobs_per_user;   /* 0 = default (60) */
    unsigned max_files_per_job;   /* 0 = default (200) */
    unsigned stall_timeout_s;     /* a connection moving no byte for this long fails; 0 = 60 */
    unsigned retry_delay_floor_s; /* lowest accepted MinimumRetryDelay; 0 = 5 (tests lower it) */
    /* core area (issue 3): scheduling and limits (jobs/sched.c, queue.c) */
    unsigned time_slice_ms;       /* S3 round robin within a priority; 0 = default (30000) */
    unsigned max_jobs_per_machine; /* 0 = default (300) */
    /* files area (issue 3): jobs/ranges.c */
    unsigned max_ranges_per_file; /* F9 MaxRangesPerFile; 0 = default (500) */
    /* inactivity area (issue 3): L24 JobInactivityTimeout, jobs/inactivity.c; a non-final
     * job without activity for this long is cancelled; 0 = default (7776000 = 90 days) */
    unsigned job_inactivity_timeout_s;
    /* store area (issue 4): the durable job store (jobs/store.c, SQLite in WAL mode). UTF-8
     * path of the database file; NULL or "" keeps jobs in memory only. Borrowed: the queue
     * copies it. A store that cannot be read is moved aside (<path>.bad-<time>) and replaced
     * by an empty one; the queue then starts with what could be recovered. */
    const char *store_path;
    /* SQLite VFS name to open the store with (tests plug in failing/power-loss VFSes); NULL =
     * SQLite's default. Borrowed. */
    const char *store_vfs;
};

/* ---- Notification sink (implemented by server/notify.c, or by tests) ------------------ */

enum bgc_event {
    BGC_EVENT_TRANSFERRED = 1,      /* job entered TRANSFERRED */
    BGC_EVENT_ERROR = 2,            /* job entered ERROR */
    BGC_EVENT_MODIFICATION = 8,     /* state/progress/property changed (rate-limited) */
    BGC_EVENT_FILE_TRANSFERRED = 16, /* one file finished; file_index says which */
    /* files area (issue 3): new bytes of an on-demand file arrived (rate-limited like
     * MODIFICATION); the sink takes them with bgc_job_take_transferred_ranges. */
    BGC_EVENT_FILE_RANGES_TRANSFERRED = 32
};

/* Results of bgc_sink.deliver: */
#define BGC_DELIVERED 0  /* the target accepted the event */
#define BGC_NO_TARGET 1  /* nobody to tell now; keep pending until bgc_job_notify_kick */
#define BGC_RETRY 2      /* the target failed; retry after the job's minimum retry delay */

struct bgc_job;

struct bgc_sink {
    /* Called on a notification dispatcher thread with no lock held and a reference on job
     * that is valid for the call. Up to four calls per job owner run at once (N9, on up to
     * eight threads per queue), never two for the same job; a slow call holds up only its
     * job (and, with four slow ones, its owner). Returns BGC_DELIVERED, BGC_NO_TARGET or
     * BGC_RETRY. TRANSFERRED and ERROR stay pending until delivered (or the job leaves that
     * state); MODIFICATION and FILE_TRANSFERRED are delivered at most once. */
    int (*deliver)(void *ctx, struct bgc_job *job, enum bgc_event ev, unsigned file_index);
    /* Optional (may be NULL): run on each dispatcher thread before its first delivery and
     * after its last one, e.g. so that server/ can CoInitializeEx that thread. */
    void (*thread_start)(void *ctx);
    void (*thread_stop)(void *ctx);
    void *ctx;
};

/* ---- The queue (BITS's "manager": all jobs, the engine and the notification thread) --- */

struct bgc_queue;

/* Creates the queue and starts its engine and notification threads. cfg may be NULL
 * (defaults); sink may be NULL (no notifications). */
int bgc_queue_new(const struct bgc_config *cfg, const struct bgc_sink *sink, struct bgc_queue **out);
/* Stops the threads (aborting transfers but keeping temporaries and progress), drops the
 * queue's job references and frees it. Jobs still referenced elsewhere stay readable but
 * inert. NULL is a no-op. */
void bgc_queue_free(struct bgc_queue *q);

/* Creates a download job in SUSPENDED owned by `owner` (an opaque identity string, e.g. a
 * SID). name: non-NULL, <= BGC_MAX_DISPLAY_NAME. Returns a new reference in *out. */
/* store area: the same with the owner's token facts (Job4 GetOwnerIntegrityLevel /
 * GetOwnerElevationState) set before the job is first written, so that CreateJob costs one
 * durable commit. bgc_queue_create_job uses MEDIUM (0x2000) and not elevated. */
int bgc_queue_create_job_as(struct bgc_queue *q, const char *name, enum bgc_job_type type, const char *owner,
                            unsigned integrity_rid, int elevated, struct bgc_job **out);
int bgc_queue_create_job(struct bgc_queue *q, const char *name, enum bgc_job_type type,
                         const char *owner, struct bgc_job **out);
/* Finds a non-final job by id; returns a new reference or BGC_E_NOT_FOUND. */
int bgc_queue_get_job(struct bgc_queue *q, const struct bgc_id *id, struct bgc_job **out);
/* Snapshot of the non-final jobs (of `owner`, or all when owner is NULL), in creation order.
 * *out is a bgc_malloc'd array of new references (NULL when *count is 0); release with
 * bgc_job_list_free. */
int bgc_queue_list_jobs(struct bgc_queue *q, const char *owner, struct bgc_job ***out, size_t *count);
void bgc_job_list_free(struct bgc_job **jobs, size_t count);
/* Non-zero while any job can still make progress by itself (QUEUED, CONNECTING,
 * TRANSFERRING, TRANSIENT_ERROR) or a TRANSFERRED/ERROR notification is pending delivery to
 * a live target. The server stays alive while this is non-zero. */
int bgc_queue_busy(struct bgc_queue *q);
/* Number of non-final jobs (of every owner). */
size_t bgc_queue_job_count(struct bgc_queue *q);
/* conditions area (jobs/cond.c): what the platform says about the network and policy now.
 * server/ watches the system and reports changes; the core gates transfers on them (L11,
 * L12, R2, L25, S4, S7). Defaults: connected, UNRESTRICTED, no bandwidth limit. */
#define BGC_COST_STATE_UNRESTRICTED 0x1u  /* BITS_COST_STATE_* (one bit describes a network) */
#define BGC_COST_STATE_CAPPED_USAGE_UNKNOWN 0x2u
#define BGC_COST_STATE_BELOW_CAP 0x4u
#define BGC_COST_STATE_NEAR_CAP 0x8u
#define BGC_COST_STATE_OVERCAP_CHARGED 0x10u
#define BGC_COST_STATE_OVERCAP_THROTTLED 0x20u
#define BGC_COST_STATE_USAGE_BASED 0x40u
#define BGC_COST_STATE_ROAMING 0x80u
#define BGC_BANDWIDTH_UNLIMITED UINT64_MAX
struct bgc_conditions {
    int network_up;          /* 0: no connection; every active job waits in TER (L11), and
                              * when it comes back every TER job is queued at once (L12) */
    uint32_t cost_state;     /* the current network's BGC_COST_STATE_* bit; a job whose cost
                              * flags lack it waits in TER with BGC_E_BLOCKED_BY_COST (S7) */
    uint64_t background_bps; /* MaxInternetBandwidth for background (non-FOREGROUND) jobs in
                              * bytes/s, shared by their transfers (S4; below 256 counts as
                              * 256); 0 blocks them in TER with BGC_E_BLOCKED_BY_POLICY (L25);
                              * BGC_BANDWIDTH_UNLIMITED = no policy */
    int on_battery;          /* power (S7): non-zero while the machine runs on battery */
    int standby;             /* non-zero while the machine is in (modern) standby; together
                              * with on_battery every job waits in TER with
                              * BGC_E_STANDBY_MODE: standby transfers only on AC power */
    int battery_saver;       /* non-zero while Battery Saver is on: background (non-FOREGROUND)
                              * jobs wait in TER with BGC_E_BLOCKED_BY_BATTERY_SAVER */
};
/* Replaces the conditions (copied); the engine applies them at once. BGC_E_INVALIDARG for
 * NULL or a cost_state that is not exactly one BGC_COST_STATE_* bit. */
int bgc_queue_set_conditions(struct bgc_queue *q, const struct bgc_conditions *c);
void bgc_queue_get_conditions(struct bgc_queue *q, struct bgc_conditions *out);

/* store area (issue 4): non-zero when the queue's jobs are persisted in a job store (so the
 * server may exit while non-final jobs exist: they are loaded again at the next start). */
int bgc_queue_is_durable(struct bgc_queue *q);

/* ---- Jobs ----------------------------------------------------------------------------- */

struct bgc_job *bgc_job_ref(struct bgc_job *job);
void bgc_job_unref(struct bgc_job *job); /* NULL is a no-op */

void bgc_job_get_id(const struct bgc_job *job, struct bgc_id *out);
enum bgc_job_type bgc_job_get_type(const struct bgc_job *job);
enum bgc_state bgc_job_get_state(struct bgc_job *job);
int bgc_job_get_owner(struct bgc_job *job, char **out);

int bgc_job_set_display_name(struct bgc_job *job, const char *name); /* non-NULL, <= 256 */
int bgc_job_get_display_name(struct bgc_job *job, char **out);
int bgc_job_set_description(struct bgc_job *job, const char *text); /* non-NULL, <= 1024 */
int bgc_job_get_description(struct bgc_job *job, char **out);      /* default "" */
int bgc_job_set_priority(struct bgc_job *job, int prio);            /* BGC_E_UNSUPPORTED_VALUE */
enum bgc_priority bgc_job_get_priority(struct bgc_job *job);
int bgc_job_set_notify_flags(struct bgc_job *job, unsigned flags);  /* bits > 0x3F: UNSUPPORTED */
unsigned bgc_job_get_notify_flags(struct bgc_job *job);             /* default 0x3 */
int bgc_job_set_min_retry_delay(struct bgc_job *job, unsigned seconds); /* < floor -> floor */
unsigned bgc_job_get_min_retry_delay(struct bgc_job *job);          /* default 600 */
int bgc_job_set_no_progress_timeout(struct bgc_job *job, unsigned seconds);
unsigned bgc_job_get_no_progress_timeout(struct bgc_job *job);      /* default 1209600 */

struct bgc_file_spec {
    const char *remote; /* http://, https://, ftp:// or file:// URL (UTF-8) */
    const char *local;  /* absolute local path whose directory exists */
};
/* Adds files to the job, all or nothing. Checks: job not final (BGC_E_INVALID_STATE), count
 * > 0 and names non-empty (BGC_E_INVALIDARG), scheme supported (BGC_E_INVALIDARG), local path
 * absolute (BGC_E_INVALIDARG), directory exists (BGC_E_PATH_NOT_FOUND), files per job
 * (BGC_E_TOO_MANY_FILES_IN_JOB). A TRANSFERRED job that gains files stays TRANSFERRED until
 * Resume (L23). */
int bgc_job_add_files(struct bgc_job *job, size_t count, const struct bgc_file_spec *files);
size_t bgc_job_file_count(struct bgc_job *job);

struct bgc_file_progress {
    uint64_t bytes_total;       /* BGC_SIZE_UNKNOWN until known */
    uint64_t bytes_transferred;
    int completed;              /* 1 once the file is available under its local name */
};
struct bgc_job_progress {
    uint64_t bytes_total;       /* BGC_SIZE_UNKNOWN while any file's size is unknown */
    uint64_t bytes_transferred;
    uint32_t files_total;
    uint32_t files_transferred;
};
struct bgc_job_times {
    bgc_time creation;
    bgc_time modification;
    bgc_time transfer_completion; /* 0 until the job enters TRANSFERRED */
};
int bgc_job_get_file_names(struct bgc_job *job, size_t index, char **remote, char **local);
int bgc_job_get_file_progress(struct bgc_job *job, size_t index, struct bgc_file_progress *out);
/* Full path of the file's temporary file ("" before its transfer started). */
int bgc_job_get_file_temp_name(struct bgc_job *job, size_t index, char **out);
void bgc_job_get_progress(struct bgc_job *job, struct bgc_job_progress *out);
void bgc_job_get_times(struct bgc_job *job, struct bgc_job_times *out);

/* State changes (see jobs/state.c for the transition table). */
int bgc_job_resume(struct bgc_job *job);   /* SUS/ERR/TER/TRD(+new files) -> QUEUED; BGC_E_EMPTY */
int bgc_job_suspend(struct bgc_job *job);  /* any non-final -> SUSPENDED (transfer stopped) */
/* Cancel: stops the transfer, waits until the engine has let go of the job's files, deletes
 * the temporaries (never a pre-existing local file) -> CANCELLED. BGC_S_UNABLE_TO_DELETE_FILES
 * when a temporary could not be removed. */
int bgc_job_cancel(struct bgc_job *job);
/* Complete: stops the transfer, renames every fully transferred temporary to its local name
 * (replacing an existing file), deletes the others -> ACKNOWLEDGED. BGC_S_PARTIAL_COMPLETE when
 * some files were not complete. A failed rename leaves the job TRANSFERRED (or its state) and
 * returns BGC_E_LOCAL_FILE with the OS error in *os_error (may be NULL). */
int bgc_job_complete(struct bgc_job *job, int *os_error);

struct bgc_error {
    int code;                      /* BGC_E_* */
    enum bgc_err_context context;
    int http_status;               /* with BGC_E_HTTP_STATUS, else 0 */
    int curl_code;                 /* libcurl's CURLcode, 0 if none */
    int os_error;                  /* GetLastError() on Windows / errno elsewhere, 0 if none */
    long file_index;               /* -1 when not tied to a file */
    char protocol[8];              /* "http", "ftp", "file" or "" */
    char message[256];             /* readable detail for logs/descriptions */
};
/* The current error (job in ERROR or TRANSIENT_ERROR), else BGC_E_NO_ERROR_INFO. */
int bgc_job_get_error(struct bgc_job *job, struct bgc_error *out);
unsigned bgc_job_get_error_count(struct bgc_job *job);

/* Tells the notification thread to try pending events of this job now (a target was set). */
void bgc_job_notify_kick(struct bgc_job *job);

/* Opaque per-job slot for server/ (e.g. its notify target); jobs/ never interprets it. The
 * destructor runs when the last job reference is dropped. */
void bgc_job_set_user(struct bgc_job *job, void *user, void (*destroy)(void *user));
void *bgc_job_get_user(struct bgc_job *job);

/* ---- Job2..Job5 properties, ownership (issue 3, core area: jobs/jobprops.c) ----------- *
 * Setters refuse final jobs (BGC_E_INVALID_STATE, G3) and move the modification time. */
#define BGC_DEF_MAX_DOWNLOAD_TIME_S 7776000u     /* 90 days (Job4) */
#define BGC_DEF_MIN_NOTIFY_INTERVAL_MS 500u      /* Job5 MINIMUM_NOTIFICATION_INTERVAL_MS */
#define BGC_COST_TRANSFER_ALWAYS 0x800000FFu     /* BITS_COST_STATE_TRANSFER_ALWAYS (default) */
#define BGC_COST_VALID_BITS 0xC00000FFu          /* every BITS_COST_STATE_* / _OPTION_* bit */
#define BGC_PEER_CACHING_VALID_BITS 0x7u         /* CLIENT | SERVER | DISABLE_USER_CACHING */
#define BGC_FILE_ACL_VALID_BITS 0xFu             /* BG_COPY_FILE_OWNER|GROUP|DACL|SACL */
#define BGC_MAX_NOTIFY_PROGRAM 260               /* MAX_PATH, UTF-16 units (server/ checks) */
#define BGC_MAX_NOTIFY_PARAMS 4000
/* L17: seconds the job may spend in CONNECTING+TRANSFERRING (0 = no limit); reset by Resume
 * from ERROR/TRANSIENT_ERROR (L4). */
int bgc_job_set_max_download_time(struct bgc_job *job, unsigned seconds);
unsigned bgc_job_get_max_download_time(struct bgc_job *job);
/* Milliseconds spent in CONNECTING+TRANSFERRING since creation or the last counter reset. */
uint64_t bgc_job_get_download_time_ms(struct bgc_job *job);
int bgc_job_set_peer_caching_flags(struct bgc_job *job, unsigned flags); /* > 0x7: UNSUPPORTED */
unsigned bgc_job_get_peer_caching_flags(struct bgc_job *job);            /* default 0 */
/* F18: bits > 0xF: BGC_E_INVALIDARG; TRANSFERRED or final: BGC_E_INVALID_STATE. Stored. */
int bgc_job_set_file_acl_flags(struct bgc_job *job, unsigned flags);
unsigned bgc_job_get_file_acl_flags(struct bgc_job *job);                /* default 0 */
int bgc_job_set_cost_flags(struct bgc_job *job, uint32_t flags); /* bits outside VALID: UNSUPPORTED */
uint32_t bgc_job_get_cost_flags(struct bgc_job *job);           /* default TRANSFER_ALWAYS */
int bgc_job_set_notify_clsid(struct bgc_job *job, const struct bgc_id *clsid); /* all-zero clears */
void bgc_job_get_notify_clsid(struct bgc_job *job, struct bgc_id *out);
int bgc_job_set_min_notify_interval(struct bgc_job *job, unsigned ms);  /* N2 rate limit */
unsigned bgc_job_get_min_notify_interval(struct bgc_job *job);          /* default 500 */
/* Job2 notify command line: both NULL removes it; program NULL with params non-NULL:
 * BGC_E_INVALIDARG; program empty: BGC_E_INVALIDARG. Getter: "" for what is not set. */
int bgc_job_set_notify_cmdline(struct bgc_job *job, const char *program, const char *params);
int bgc_job_get_notify_cmdline(struct bgc_job *job, char **program, char **params);
/* Owner token facts recorded at CreateJob / TakeOwnership (Job4 getters). */
void bgc_job_set_owner_token_info(struct bgc_job *job, unsigned integrity_rid, int elevated);
unsigned bgc_job_get_owner_integrity(struct bgc_job *job);
int bgc_job_get_owner_elevated(struct bgc_job *job);
/* X5: new owner; removes the notify command line (server/ clears its own secrets). Final job:
 * BGC_E_INVALID_STATE. */
int bgc_job_take_ownership(struct bgc_job *job, const char *owner, unsigned integrity_rid, int elevated);

/* ---- Files: ranges, remote names, validation, headers (issue 3, files area: ranges.c) -- */

#define BGC_DEF_MAX_RANGES_PER_FILE 500u
#define BGC_LENGTH_TO_EOF UINT64_MAX /* BG_LENGTH_TO_EOF */

struct bgc_range {
    uint64_t offset; /* zero-based; BGC_LENGTH_TO_EOF is refused */
    uint64_t length; /* non-zero; BGC_LENGTH_TO_EOF = up to the end of the file */
};
/* AddFileWithRanges (F9): download jobs only (BGC_E_NOT_DOWNLOAD); count 0 or a zero length
 * (BGC_E_INVALIDARG); offset BGC_LENGTH_TO_EOF (BGC_E_INVALID_RANGE); duplicate/overlapping
 * ranges, checked after sorting by offset only (BGC_E_OVERLAPPING_RANGES); more than
 * max_ranges_per_file (BGC_E_TOO_MANY_RANGES_IN_FILE); a file:// or local-path remote name
 * (BGC_E_INVALIDARG); otherwise the rules of bgc_job_add_files. The data of the ranges is
 * written back to back in the order given (F10); the file's bytes_total is the sum of the
 * lengths (BGC_SIZE_UNKNOWN while a BGC_LENGTH_TO_EOF range is unresolved). */
int bgc_job_add_file_with_ranges(struct bgc_job *job, const struct bgc_file_spec *spec, size_t count,
                                 const struct bgc_range *ranges);
/* The ranges as given (lengths as given, BGC_LENGTH_TO_EOF kept). *out is bgc_malloc'd, NULL
 * with *count 0 when the file has none. */
int bgc_job_get_file_ranges(struct bgc_job *job, size_t index, struct bgc_range **out, size_t *count);
/* SetRemoteName (F13): download only (BGC_E_NOT_DOWNLOAD); the name is checked like
 * AddFile's (a ranged file also refuses file://). Applies from the next transfer start; a
 * partial file resumes with If-Range, so a new URL with another size or validator restarts
 * it. Final job: BGC_E_INVALID_STATE. */
int bgc_job_set_file_remote_name(struct bgc_job *job, size_t index, const char *remote);
/* ReplaceRemotePrefix: every file whose remote name starts with old_prefix (byte-exact,
 * case-sensitive) gets new_prefix instead; all or nothing. *replaced = number of files changed
 * (0: nothing matched). Empty prefixes, an invalid or too-long result: BGC_E_INVALIDARG. */
int bgc_job_replace_remote_prefix(struct bgc_job *job, const char *old_prefix, const char *new_prefix,
                                  size_t *replaced);
/* SetValidationState (F14): BGC_E_PENDING until the file is fully transferred. valid != 0 is
 * stored. valid == 0: the file's temp is emptied, its progress returns to 0 and the job goes
 * to ERROR with BGC_E_VALIDATION_FAILED (context REMOTE_FILE); Resume downloads it again. */
int bgc_job_set_file_validation(struct bgc_job *job, size_t index, int valid);
/* 1 once SetValidationState(TRUE) was called, else 0 (never set, or FALSE). */
int bgc_job_get_file_validation(struct bgc_job *job, size_t index, int *valid);
/* The header block of the last HTTP response received for the file (status line and headers,
 * CR LF separated, as received), or "" when none yet. */
int bgc_job_get_file_http_headers(struct bgc_job *job, size_t index, char **out);

/* Job5 download-content properties (files area: content.c). Setters: download jobs only
 * (BGC_E_NOT_DOWNLOAD), final jobs BGC_E_INVALID_STATE.
 * DYNAMIC_CONTENT (2.6, F16): before the first Resume only (BGC_E_READ_ONLY_AFTER_RESUME);
 * refused while a file has ranges (BGC_E_UNSUPPORTED_JOB_CONFIGURATION; AddFileWithRanges on
 * a dynamic job is refused the same way). Files are fetched without Range; any interruption
 * restarts a file from byte 0; bytes_total stays BGC_SIZE_UNKNOWN. */
int bgc_job_set_dynamic_content(struct bgc_job *job, int enable);
int bgc_job_get_dynamic_content(struct bgc_job *job);
/* HIGH_PERFORMANCE: before the first AddFile only (BGC_E_READ_ONLY_AFTER_ADDFILE). Data is
 * written straight into the local file (no temporary); Cancel and Complete delete nothing. */
int bgc_job_set_high_performance(struct bgc_job *job, int enable);
int bgc_job_get_high_performance(struct bgc_job *job);
/* MAX_DOWNLOAD_SIZE: before the first Resume only; 0 is BGC_E_MAX_DOWNLOAD_SIZE_INVALID.
 * When the job's files need more bytes than this, the job goes to ERROR with
 * BGC_E_MAX_DOWNLOAD_SIZE_REACHED. Getter: 0 = no cap (the default). */
int bgc_job_set_max_download_size(struct bgc_job *job, uint64_t bytes);
uint64_t bgc_job_get_max_download_size(struct bgc_job *job);

/* ON_DEMAND_MODE and random access (files area: ondemand.c; 2.6, 2.7, L27, N2).
 * set: download jobs, before the first Resume (BGC_E_READ_ONLY_AFTER_RESUME); refused with
 * DYNAMIC_CONTENT or ranged files (BGC_E_UNSUPPORTED_JOB_CONFIGURATION). In an on-demand job
 * a file's temp file is an image of the remote file (data at its own offsets): requested
 * ranges are fetched first; when every requested range of a file is there the file is
 * complete (all bytes present) or the job goes to SUSPENDED (L27); without pending requests
 * the missing data is fetched in order from the download position. */
int bgc_job_set_on_demand(struct bgc_job *job, int enable);
int bgc_job_get_on_demand(struct bgc_job *job);
/* RequestFileRanges: not on-demand, or not an HTTP(S) file: BGC_E_RANDOM_ACCESS_NOT_SUPPORTED;
 * count 0: BGC_E_INVALIDARG; offset BGC_LENGTH_TO_EOF, zero length or a range past a known
 * file size: BGC_E_INVALID_RANGE. Overlaps with earlier requests or data are allowed. */
int bgc_job_request_file_ranges(struct bgc_job *job, size_t index, size_t count, const struct bgc_range *ranges);
/* UpdateDownloadPosition: where the in-order fetch of missing data continues. */
int bgc_job_update_download_position(struct bgc_job *job, size_t index, uint64_t offset);
/* GetFilledFileRanges: downloaded ranges, merged and sorted; *out NULL when *count is 0. */
int bgc_job_get_filled_file_ranges(struct bgc_job *job, size_t index, struct bgc_range **out, size_t *count);
/* For the sink of BGC_EVENT_FILE_RANGES_TRANSFERRED: the ranges that arrived since the last
 * call (in arrival order), which are then forgotten. */
int bgc_job_take_transferred_ranges(struct bgc_job *job, size_t index, struct bgc_range **out, size_t *count);

/* ---- HTTP options, credentials, proxies (issue 3, httpopts area: jobs/httpopts.c,
 *      creds.c, proxy.c). Setters refuse final jobs (BGC_E_INVALID_STATE) and move the
 *      modification time; nothing here is ever logged with its value (X16). ------------- */

/* Limits; server/ checks them in UTF-16 units before converting, jobs/ re-checks in code
 * points. */
#define BGC_MAX_CUSTOM_HEADERS 16383  /* characters without the NUL (16,384 with it) */
#define BGC_MAX_USERNAME 300
#define BGC_MAX_PASSWORD 65535
#define BGC_MAX_PROXY_LIST 4000       /* each of the proxy and bypass lists */
#define BGC_MAX_CERT_NAME 255         /* store name / subject: 256 with the NUL */
#define BGC_CERT_HASH_BYTES 20        /* SHA-1 thumbprint */

/* Security flags: numerically equal to BG_SSL_* and BG_HTTP_REDIRECT_POLICY_*. */
#define BGC_SSL_ENABLE_CRL_CHECK 0x1u
#define BGC_SSL_IGNORE_CERT_CN_INVALID 0x2u
#define BGC_SSL_IGNORE_CERT_DATE_INVALID 0x4u
#define BGC_SSL_IGNORE_UNKNOWN_CA 0x8u
#define BGC_SSL_IGNORE_CERT_WRONG_USAGE 0x10u
#define BGC_REDIRECT_ALLOW_SILENT 0x0u
#define BGC_REDIRECT_ALLOW_REPORT 0x100u
#define BGC_REDIRECT_DISALLOW 0x200u
#define BGC_REDIRECT_MASK 0x700u
#define BGC_REDIRECT_ALLOW_HTTPS_TO_HTTP 0x800u

/* Custom headers (HttpOptions): NULL removes them; they are sent on every HTTP request of
 * the job. The getter gives *out NULL when none are set; BGC_E_WRITE_ONLY after
 * bgc_job_make_custom_headers_write_only (irreversible, always BGC_OK on a live job). */
int bgc_job_set_custom_headers(struct bgc_job *job, const char *headers);
int bgc_job_get_custom_headers(struct bgc_job *job, char **out);
int bgc_job_make_custom_headers_write_only(struct bgc_job *job);
/* Unknown bits or a redirect policy other than SILENT/REPORT/DISALLOW:
 * BGC_E_UNSUPPORTED_VALUE. Default 0. */
int bgc_job_set_security_flags(struct bgc_job *job, unsigned flags);
unsigned bgc_job_get_security_flags(struct bgc_job *job);
/* HttpOptions2: an HTTP token (else BGC_E_INVALIDARG); "GET" is a no-op; only while the job
 * was never resumed (BGC_E_INVALID_STATE); refused on DYNAMIC_CONTENT / ON_DEMAND_MODE jobs
 * (BGC_E_NOT_SUPPORTED_WITH_CUSTOM_HTTP_METHOD). Another method makes the job FOREGROUND with its
 * priority locked (bgc_job_set_priority: BGC_E_NOT_SUPPORTED_WITH_CUSTOM_HTTP_METHOD), every
 * transfer error fatal and every start a restart from byte 0 (L34). Getter default "GET". */
int bgc_job_set_http_method(struct bgc_job *job, const char *method);
int bgc_job_get_http_method(struct bgc_job *job, char **out);

/* Client certificate (HttpOptions): location = BG_CERT_STORE_LOCATION (0..7, else
 * BGC_E_UNSUPPORTED_VALUE), store name (non-empty, <= BGC_MAX_CERT_NAME), the certificate's
 * SHA-1 thumbprint, and for SetClientCertificateByName the subject as given (may be NULL).
 * server/ checks that store and certificate exist before calling. libcurl gets
 * "<Location>\\<store>\\<thumbprint hex>" (Schannel's certificate-store path form). */
int bgc_job_set_client_cert(struct bgc_job *job, unsigned location, const char *store,
                            const unsigned char hash[BGC_CERT_HASH_BYTES], const char *subject);
/* *present = 0 when none is set (outputs untouched); else copies (subject "" if none). */
int bgc_job_get_client_cert(struct bgc_job *job, int *present, unsigned *location, char **store,
                            unsigned char hash[BGC_CERT_HASH_BYTES], char **subject);
int bgc_job_remove_client_cert(struct bgc_job *job, int *removed);

/* Credentials (Job2): numerically equal to BG_AUTH_TARGET_* / BG_AUTH_SCHEME_*. */
#define BGC_AUTH_TARGET_SERVER 1
#define BGC_AUTH_TARGET_PROXY 2
#define BGC_AUTH_SCHEME_BASIC 1
#define BGC_AUTH_SCHEME_DIGEST 2
#define BGC_AUTH_SCHEME_NTLM 3
#define BGC_AUTH_SCHEME_NEGOTIATE 4
#define BGC_AUTH_SCHEME_PASSPORT 5
/* One entry per (target, scheme), replaced by a later call. BASIC/DIGEST need user and
 * password (BGC_E_INVALIDARG); NTLM/NEGOTIATE with both NULL use the implicit credentials of
 * the transfer's identity. PASSPORT: BGC_E_INVALID_AUTH_SCHEME (not supported). */
int bgc_job_set_credentials(struct bgc_job *job, int target, int scheme, const char *user,
                            const char *password);
/* *removed = 0 when that pair was never set. */
int bgc_job_remove_credentials(struct bgc_job *job, int target, int scheme, int *removed);
/* Job5 USE_STORED_CREDENTIALS: 0 or BGC_AUTH_TARGET_PROXY (anything else:
 * BGC_E_USE_STORED_CREDENTIALS_NOT_SUPPORTED). With it, proxy NTLM/Negotiate use the
 * implicit credentials when no proxy credentials are set. */
int bgc_job_set_use_stored_credentials(struct bgc_job *job, unsigned target);
unsigned bgc_job_get_use_stored_credentials(struct bgc_job *job);

/* Proxies (Job): usage = BG_JOB_PROXY_USAGE. */
#define BGC_PROXY_PRECONFIG 0
#define BGC_PROXY_NO_PROXY 1
#define BGC_PROXY_OVERRIDE 2
#define BGC_PROXY_AUTODETECT 3
/* usage outside 0..3: BGC_E_UNSUPPORTED_VALUE; OVERRIDE with list NULL or lists given with
 * another usage: BGC_E_INVALIDARG; too long: BGC_E_PROXY_(BYPASS_)LIST_TOO_LARGE. The syntax
 * is checked when a transfer starts (ERROR with BGC_E_INVALID_PROXY_INFO). */
int bgc_job_set_proxy(struct bgc_job *job, int usage, const char *list, const char *bypass);
/* *list / *bypass are NULL when not set. */
int bgc_job_get_proxy(struct bgc_job *job, int *usage, char **list, char **bypass);

/* HttpOptions3 server certificate validation. validate() runs on the queue's worker thread
 * (never the engine's) with no lock held, for each new HTTPS connection of the job whose TLS
 * validation passed (or was
 * waived by the security flags), before its request is sent, unless that (host:port,
 * certificate) was accepted before since the validator was set. der: the server's (leaf)
 * certificate. Returns BGC_OK to accept, BGC_E_CERT_REJECTED with *detail set (the transfer
 * goes to TRANSIENT_ERROR, context SERVER_CERTIFICATE_CALLBACK, os_error = detail) or
 * BGC_E_CERT_VALIDATOR_GONE (ERROR). While it runs the job waits in CONNECTING and every
 * other transfer goes on; it may call any bgc_ function on the job (Suspend returns at once)
 * except bgc_queue_free. release(ctx) runs when jobs/ drops the validator (replaced, removed,
 * job freed), never on the engine thread. */
struct bgc_cert_validator {
    int (*validate)(void *ctx, struct bgc_job *job, size_t file_index, const unsigned char *der, size_t der_len,
                    int *detail);
    void (*release)(void *ctx); /* may be NULL */
    void *ctx;
};
/* v NULL removes. Only in SUSPENDED, ERROR or TRANSFERRED (BGC_E_READ_ONLY_WHEN_JOB_ACTIVE).
 * On success jobs/ owns v->ctx (release is called once); on failure it does not. Not
 * persisted; clears the cache of accepted certificates. */
int bgc_job_set_cert_validator(struct bgc_job *job, const struct bgc_cert_validator *v);

/* ---- Logging ------------------------------------------------------------------------ */

enum bgc_log_level { BGC_LOG_ERR = 0, BGC_LOG_WARN = 1, BGC_LOG_FIXME = 2, BGC_LOG_INFO = 3, BGC_LOG_TRACE = 4 };
/* Where log lines go: called with a complete line (no newline), possibly from any thread. */
typedef void (*bgc_log_fn)(void *ctx, enum bgc_log_level level, const char *channel, const char *line);
void bgc_log_set_sink(bgc_log_fn fn, void *ctx, enum bgc_log_level max_level);
void bgc_log(enum bgc_log_level level, const char *channel, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#ifdef __cplusplus
}
#endif
#endif /* BGC_H */
