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
 *  5. The sink (struct bgc_sink) is called from the core's notification thread only, with no
 *     core lock held, and never from inside an API call; a failing API call never calls it.
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
#define BGC_E_LAST (-25)              /* keep equal to the lowest code (table test) */

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
    BGC_CTX_REMOTE_APPLICATION = 7
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
};

/* ---- Notification sink (implemented by server/notify.c, or by tests) ------------------ */

enum bgc_event {
    BGC_EVENT_TRANSFERRED = 1,      /* job entered TRANSFERRED */
    BGC_EVENT_ERROR = 2,            /* job entered ERROR */
    BGC_EVENT_MODIFICATION = 8,     /* state/progress/property changed (rate-limited) */
    BGC_EVENT_FILE_TRANSFERRED = 16 /* one file finished; file_index says which */
};

/* Results of bgc_sink.deliver: */
#define BGC_DELIVERED 0  /* the target accepted the event */
#define BGC_NO_TARGET 1  /* nobody to tell now; keep pending until bgc_job_notify_kick */
#define BGC_RETRY 2      /* the target failed; retry after the job's minimum retry delay */

struct bgc_job;

struct bgc_sink {
    /* Called on the notification thread with no lock held and a reference on job that is
     * valid for the call. Must not block for long. Returns BGC_DELIVERED, BGC_NO_TARGET or
     * BGC_RETRY. TRANSFERRED and ERROR stay pending until delivered (or the job leaves that
     * state); MODIFICATION and FILE_TRANSFERRED are delivered at most once. */
    int (*deliver)(void *ctx, struct bgc_job *job, enum bgc_event ev, unsigned file_index);
    /* Optional (may be NULL): run on the notification thread before its first delivery and
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
