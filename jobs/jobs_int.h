/*
 * jobs_int.h - declarations shared inside jobs/ only (prefix bgc__): the queue, job and file
 * structs, and the functions one module of the core offers another.
 *
 * Locking (one lock for everything):
 *  - q->lock, the queue mutex, protects every field below marked "lock", in the queue, in each
 *    job and in each file. Fields marked "immutable" are set before the object is published
 *    and never change; "engine" fields belong to the engine thread alone.
 *  - The lock is never held across a sink call, a bgc_job_unref that may free a job (its
 *    user destructor is foreign code), a curl call that may run callbacks, or bulk file I/O.
 *  - q->cond is broadcast whenever a job's xfer is released or its `completing` flag drops;
 *    API threads wait on it (bounded) for the engine to let go of a job.
 *  - q->notify_cond wakes the notification dispatcher threads (broadcast: several may wait;
 *    notify.c invariants 8, 9).
 *
 * Lifetimes:
 *  - A queue is referenced by its owner (until bgc_queue_free) and by every job; it is freed
 *    with its last reference, so a job outliving bgc_queue_free can still lock q->lock.
 *  - A job is referenced by the queue's list while it is not final (the engine unlinks final
 *    jobs), by an xfer while one runs, by the notifier during a delivery, and by callers.
 *  - A job is freed (and server/'s user destructor run) on the thread that drops its last
 *    reference, except on the engine thread: the engine hands such jobs to the notification
 *    thread (bgc__job_unref_deferred), whose sink thread_start hook server/ uses to set up
 *    COM; at shutdown bgc_queue_free frees what is left on its caller's thread.
 */
#ifndef BGC_JOBS_INT_H
#define BGC_JOBS_INT_H

#include "bgc.h"
#include "os.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define BGC__CH_QUEUE "queue"
#define BGC__CH_JOB "job"
#define BGC__CH_STATE "state"
#define BGC__CH_ENGINE "engine"
#define BGC__CH_XFER "xfer"
#define BGC__CH_NOTIFY "notify"

/* Defaults of struct bgc_config (bgc.h) and job properties. */
#define BGC__DEF_MAX_TRANSFERS 8
#define BGC__DEF_MAX_JOBS_PER_USER 60
#define BGC__DEF_MAX_FILES_PER_JOB 200
#define BGC__DEF_STALL_TIMEOUT_S 60
#define BGC__DEF_RETRY_DELAY_FLOOR_S 5
#define BGC__DEF_MIN_RETRY_DELAY_S 600
#define BGC__DEF_NO_PROGRESS_TIMEOUT_S 1209600
#define BGC__MODIFICATION_INTERVAL_MS 500 /* N2: at most one JobModification per 500 ms */
#define BGC__DETACH_WAIT_MS 10000         /* bound on waiting for the engine to let go */
#define BGC__DEF_TIME_SLICE_MS 30000     /* core area: S3 default time slice */
#define BGC__DEF_MAX_JOBS_PER_MACHINE 300 /* core area: S6 */
#define BGC__MAX_FOREGROUND_TRANSFERS 256 /* core area: S1 hard bound on FOREGROUND transfers */

struct bgc__engine;
struct bgc__notifier;
struct bgc__xfer;
struct bgc__worker;
struct bgc__store;

struct bgc_file {
    char *remote;               /* lock: the remote name exactly as given (F13 replaces it) */
    char *url;                  /* lock: what libcurl gets (file:// for local paths) */
    char *local;                /* immutable: absolute destination path */
    char *temp;                 /* lock: temp file path; NULL until the first transfer start,
                                 * then never changes (written by the engine only) */
    uint64_t bytes_total;       /* lock: BGC_SIZE_UNKNOWN until known */
    uint64_t bytes_transferred; /* lock: bytes durably written to the temp file */
    int transferred;            /* lock: the transfer finished successfully */
    int completed;              /* lock: Complete renamed the temp file to `local` (F5) */
    int event_pending;          /* lock: FILE_TRANSFERRED waits for the notifier */
    char *validator;            /* lock: If-Range value (strong ETag, else Last-Modified) of
                                 * the content in the temp file, or NULL; engine-written */
    /* files area (issue 3): ranges.c. remote and url above are replaced under the lock by
     * SetRemoteName/ReplaceRemotePrefix; an xfer works on its own copies. */
    struct bgc_range *ranges;   /* immutable: AddFileWithRanges ranges as given, or NULL */
    size_t nranges;             /* immutable: their number (0 = whole file) */
    uint64_t remote_size;       /* lock: size of the remote file once a response told it,
                                 * BGC_SIZE_UNKNOWN before (resolves BGC_LENGTH_TO_EOF) */
    int validated;              /* lock: SetValidationState(TRUE) was called (F14) */
    char *http_headers;         /* lock: header block of the last HTTP response, or NULL */
    struct bgc__od *od;         /* lock: on-demand state (ondemand.c), NULL until needed */
    /* dispatch area (issue 3 item 9): the server answered a Range request for this file with
     * the whole file (200), so it cannot resume; sched.c never rotates it out. Engine-written. */
    int range_ignored;          /* lock */
    int store_dirty;            /* lock: store area (issue 4): the file's row must be written */
};

struct bgc_job {
    atomic_int refs;              /* atomic: references (see Lifetimes above) */
    struct bgc_queue *q;          /* immutable: holds one queue reference */
    struct bgc_id id;             /* immutable */
    enum bgc_job_type type;       /* immutable */
    char *owner;                  /* lock (bgc_job_take_ownership replaces it) */
    bgc_time t_creation;          /* immutable */

    struct bgc_job *prev, *next;  /* lock: q's job list (creation order) */
    int listed;                   /* lock: on q's list (holding a reference) */

    enum bgc_state state;         /* lock: written by bgc__job_set_state only */
    uint64_t queued_seq;          /* lock: FIFO order among runnable jobs (priority ties) */
    int completing;               /* lock: bgc_job_complete is renaming; engine keeps away */
    struct bgc__xfer *xfer;       /* lock: running transfer, written by the engine only */

    char *name;                   /* lock: display name */
    char *description;            /* lock: description, "" by default */
    enum bgc_priority priority;   /* lock */
    unsigned notify_flags;        /* lock: BGC_NOTIFY_* */
    unsigned min_retry_delay_s;   /* lock: >= q->cfg.retry_delay_floor_s (R5) */
    unsigned no_progress_timeout_s; /* lock: 0 = every error fatal (L32) */
    bgc_time t_modification;      /* lock: G7 */
    bgc_time t_completion;        /* lock: entered TRANSFERRED, 0 before */

    struct bgc_file **files;      /* lock: array of nfiles file pointers, in order added */
    size_t nfiles;                /* lock: never shrinks (files are never removed, L31) */
    size_t cap_files;             /* lock: allocated length of files */
    size_t files_transferred;     /* lock: files whose transfer finished */

    struct bgc_error error;       /* lock: last transfer error, meaningful if has_error */
    int has_error;                /* lock: set entering ERR/TER, cleared entering XFR (R10) */
    unsigned error_count;         /* lock: R9 */
    uint64_t ter_since_ms;        /* lock: monotonic time the job last entered TER */
    uint64_t no_progress_since_ms; /* lock: first transient error since the last progress */
    int no_progress_armed;        /* lock: no_progress_since_ms is meaningful */

    unsigned pending_events;      /* lock: BGC_EVENT_TRANSFERRED / _ERROR awaiting delivery */
    unsigned pending_gen;         /* lock: bumped each time an event is queued (delivery race) */
    int wait_kick;                /* lock: the sink said NO_TARGET; wait for notify_kick */
    uint64_t retry_at_ms;         /* lock: the sink said RETRY; not before this time */
    size_t file_events;           /* lock: files with event_pending set */
    int mod_pending;              /* lock: a JobModification is owed */
    uint64_t mod_last_ms;         /* lock: when the last JobModification was delivered */

    void *user;                   /* lock: server/'s slot */
    void (*user_destroy)(void *); /* lock: runs on the last unref */

    /* core area (issue 3): Job2..Job5 properties (jobprops.c) and scheduling (sched.c) */
    unsigned max_download_time_s; /* lock: L17, 0 = no limit */
    uint64_t download_ms;         /* lock: time in CON+XFR before download_since_ms (L4 reset) */
    uint64_t download_since_ms;   /* lock: when the job entered CON/XFR; 0 while not in them */
    unsigned peer_caching_flags;  /* lock */
    unsigned file_acl_flags;      /* lock: F18, stored only */
    uint32_t cost_flags;          /* lock: stored and reported, never blocks */
    struct bgc_id notify_clsid;   /* lock: all-zero = none */
    unsigned min_notify_interval_ms; /* lock: N2 rate limit of JobModification */
    char *notify_program;         /* lock: Job2 command line program, NULL = none */
    char *notify_params;          /* lock: its parameters, NULL = none */
    unsigned owner_integrity;     /* lock: mandatory-label RID of the owner's token */
    int owner_elevated;           /* lock */
    uint64_t slice_start_ms;      /* lock: when the running transfer of a background job
                                   * started its time slice (S3); 0 when none runs */
    int sched_yield;              /* lock: sched.c asked the engine to detach this job's
                                   * transfer (preempted or slice over); job stays QUEUED */
    uint64_t file_retry_at_ms;    /* lock: a failed FileTransferred is retried from then on
                                   * (notify.c, N5); 0 = none */

    /* httpopts area (issue 3): HTTP options, credentials, proxies (httpopts.c) */
    struct bgc__httpopts *httpopts; /* lock: NULL until the first option is set */
    int resumed_once;             /* lock: bgc_job_resume succeeded at least once */

    /* files area (issue 3): Job5 download-content properties (content.c) */
    int dynamic_content;          /* lock: DYNAMIC_CONTENT (no Range, restart from 0) */
    int high_performance;         /* lock: HIGH_PERFORMANCE (write the local file directly) */
    uint64_t max_download_size;   /* lock: MAX_DOWNLOAD_SIZE, 0 = no cap */
    int on_demand;                /* lock: ON_DEMAND_MODE (ondemand.c) */
    uint64_t od_ranges_last_ms;   /* lock: last FILE_RANGES_TRANSFERRED delivery (N2 limit) */
    /* dispatch area (issue 3 item 9): the engine handed a server certificate to the worker
     * (worker.c) and waits for the validator's answer; sched.c does not start the job. */
    int cert_wait;                /* lock */
    /* dispatch area (N9): a dispatcher thread is delivering an event of this job (notify.c
     * invariant 8: never two at once). */
    int notify_busy;              /* lock */
    /* inactivity area (issue 3, L24): monotonic time (L33) of the job's last activity:
     * creation, a client request (setter, AddFile, Resume/Suspend) or transferred bytes.
     * Moves with t_modification except for the engine's own state changes (retries in
     * TRANSIENT_ERROR are not activity). inactivity.c cancels the job after
     * cfg.job_inactivity_timeout_s without activity. */
    uint64_t active_ms;           /* lock */
    /* store area (issue 4, store.c): what must be written (BGC__STORE_JOB | _FILES) and the
     * job's creation order in the store (0 until first marked). */
    unsigned store_dirty;         /* lock */
    uint64_t store_seq;           /* lock */
    /* conditions area (cond.c): the condition (a BGC_E_* code) the job waits for in
     * TRANSIENT_ERROR, not retried on a timer (R2); 0 = none. */
    int cond_blocked;             /* lock */
};

struct bgc_queue {
    atomic_int refs;              /* atomic: 1 for the owner until bgc_queue_free, +1 per job */
    struct bgc_config cfg;        /* immutable: defaults applied */
    struct bgc_sink sink;         /* immutable: zeroed when none was given */
    int has_sink;                 /* immutable */
    struct bgc__mutex *lock;      /* the queue lock */
    struct bgc__cond *cond;       /* "engine let go of a job" / "completing dropped" */
    struct bgc__cond *notify_cond; /* wakes the notification thread */
    struct bgc_job *head, *tail;  /* lock: listed jobs, creation order */
    uint64_t seq;                 /* lock: last queued_seq handed out */
    int stopping;                 /* lock: bgc_queue_free began; threads are leaving */
    int stopped;                  /* lock: threads are gone; jobs are inert */
    struct bgc__engine *engine;   /* lock for the pointer; NULL once stopped */
    struct bgc__notifier *notifier; /* lock for the pointer; NULL once stopped or no sink */
    struct bgc_job *graveyard;    /* lock: jobs whose last reference the engine dropped,
                                   * chained through ->next, freed by the notifier */
    struct bgc__worker *worker;   /* dispatch area: lock for the pointer; NULL until first use
                                   * and once stopped (worker.c) */
    struct bgc_conditions conditions; /* conditions area (cond.c): lock */
    uint64_t cond_gen;            /* lock: bumped by every bgc_queue_set_conditions */
    int cond_was_up;              /* engine: network_up at the last gate (L12 edge) */
    struct bgc__store *store;     /* store area (issue 4): immutable after bgc_queue_new; NULL
                                   * when jobs live in memory only (store.c) */
};

/* ---- alloc.c, id.c -------------------------------------------------------------------- */

void bgc__alloc_fault(void);
/* A fresh random (version 4) id. BGC_OK or BGC_E_OS. */
int bgc__id_random(struct bgc_id *out);

/* ---- url.c ---------------------------------------------------------------------------- */

/* Validates a remote name (F1, F2): an http, https, ftp or file URL (scheme case-insensitive)
 * or an absolute local path in this platform's syntax, at most BGC_MAX_REMOTE_NAME code
 * points. On success *url (bgc_malloc'd) is what libcurl gets: the name itself, or a file://
 * URL for a local path. Returns BGC_OK, BGC_E_INVALIDARG or BGC_E_NOMEM. */
int bgc__url_from_remote(const char *remote, char **url);
/* The protocol label of an accepted URL for error records: "http", "ftp", "file" or "". */
const char *bgc__url_protocol(const char *url);
/* Number of code points of a valid UTF-8 string, or -1 if s is not valid UTF-8. */
long bgc__utf8_count(const char *s);

/* ---- state.c -------------------------------------------------------------------------- */

/* The only writer of job->state; see state.c. Caller holds q->lock. */
int bgc__job_set_state(struct bgc_job *job, enum bgc_state from, enum bgc_state to);

/* ---- cond.c: network, cost and bandwidth conditions ----------------------------------- */
/* Moves active jobs that a condition blocks to TER and queues TER jobs whose condition
 * cleared (L11, L12, L25, S7); engine thread, lock held, before scheduling. */
void bgc__cond_gate(struct bgc_queue *q);
/* Bytes/s a background transfer may receive now (nbg = attached background transfers), or 0
 * for no limit. Lock held. */
uint64_t bgc__cond_rate_limit(const struct bgc_queue *q, const struct bgc_job *job, unsigned nbg);

/* ---- store.c (issue 4): the durable job store ------------------------------------------ */
#define BGC__STORE_JOB 1u   /* the job's own row */
#define BGC__STORE_FILES 2u /* some file rows (their store_dirty) */
/* Opens q->cfg.store_path (if set), loads its jobs into q's list and starts the store
 * thread; before the engine and notifier start. BGC_OK (also when the store was damaged and
 * replaced), BGC_E_OS when it cannot be used at all, BGC_E_NOMEM. */
int bgc__store_open(struct bgc_queue *q);
/* Writes what is left, stops the store thread and closes the database; after the engine
 * stopped, before the job list is dropped. No-op without a store. */
void bgc__store_close(struct bgc_queue *q);
/* The job (all of it) / one of its files changed; lock held. urgent: on a client thread,
 * write now and make it wait for the commit at bgc__queue_unlock; on an internal thread,
 * within SOON_MS (store.c invariant 9); else at the next checkpoint. No-op without a store, for final jobs, or once the store is broken. */
void bgc__store_mark_job(struct bgc_job *job, int urgent);
void bgc__store_mark_file(struct bgc_job *job, size_t index, int urgent);
/* The job entered ACKNOWLEDGED or CANCELLED: delete it from the store. Lock held. */
void bgc__store_job_final(struct bgc_job *job);
/* Marks the calling thread as a core thread whose marks never wait (engine, notifier...). */
void bgc__store_internal_thread(void);
/* Unlocks q->lock, then waits for the store if this thread made an urgent mark. */
void bgc__queue_unlock(struct bgc_queue *q);
/* Non-zero when the queue has a working store. Takes the lock. */
int bgc__store_durable(struct bgc_queue *q);
/* Transactions committed since the store opened (0 without a store). Takes the lock. */
uint64_t bgc__store_transactions(struct bgc_queue *q);
/* job.c: frees a file object that was never added to a job. */
void bgc__file_free(struct bgc_file *f);
int bgc__state_is_final(enum bgc_state s);
int bgc__state_is_active(enum bgc_state s); /* QUEUED, CONNECTING, TRANSFERRING */

/* ---- job.c ---------------------------------------------------------------------------- */

/* Allocates a job in SUSPENDED (not yet listed); returns NULL when out of memory. */
struct bgc_job *bgc__job_new(struct bgc_queue *q, const struct bgc_id *id, const char *name,
                             enum bgc_job_type type, const char *owner);
/* Checks a display name (NULL, UTF-8, length). BGC_OK, BGC_E_INVALIDARG, STRING_TOO_LONG. */
int bgc__check_display_name(const char *name);
/* Non-zero while the engine may run a transfer for the job. Caller holds q->lock. */
int bgc__job_runnable(const struct bgc_job *job);
/* Index of the first file whose transfer has not finished, or nfiles. Caller holds lock. */
size_t bgc__job_next_file(const struct bgc_job *job);
/* Marks a modification (G7 time and N2 event). Caller holds q->lock. */
void bgc__job_touch(struct bgc_job *job);
/* Records a transfer error on the job (does not change state). Caller holds q->lock. */
void bgc__job_set_error(struct bgc_job *job, const struct bgc_error *err);
/* bgc_job_unref for the engine thread: the last reference goes to q->graveyard instead of
 * freeing here (see Lifetimes). No lock held. */
void bgc__job_unref_deferred(struct bgc_job *job);
/* Frees every job in q->graveyard. No lock held; the caller is the notifier, or
 * bgc_queue_free after the threads are gone. */
void bgc__job_bury(struct bgc_queue *q);

/* ---- queue.c -------------------------------------------------------------------------- */

void bgc__queue_ref(struct bgc_queue *q);
void bgc__queue_unref(struct bgc_queue *q);
/* Unlinks a listed job; the caller takes over the list's reference. Caller holds lock. */
void bgc__queue_unlink(struct bgc_queue *q, struct bgc_job *job);

/* ---- engine.c ------------------------------------------------------------------------- */

/* Creates the engine (its CURLM handle) and starts its thread. No lock held. */
int bgc__engine_start(struct bgc_queue *q, struct bgc__engine **out);
/* Asks the engine to look at the jobs again. Any thread, lock held or not. */
void bgc__engine_wake(struct bgc__engine *e);
/* Joins the engine thread (after q->stopping was set) and frees it. No lock held. */
void bgc__engine_stop(struct bgc__engine *e);
/* Waits (bounded by BGC__DETACH_WAIT_MS) until the engine no longer runs a transfer for the
 * job, or the job became runnable again. Caller holds q->lock; it is released while waiting.
 * Never waits on the engine thread itself (logs ERR instead). Returns BGC_OK, or BGC_E_OS
 * when the bound was hit (logged ERR). */
int bgc__engine_wait_detached(struct bgc_job *job);

/* ---- transfer.c (engine thread only) -------------------------------------------------- */

/* What a finished transfer means for its job. */
enum bgc__outcome {
    BGC__DONE,      /* file complete */
    BGC__ABORTED,   /* the engine or an API call stopped it; no error */
    BGC__RESTART,   /* resume refused; temp truncated to 0, start again at once */
    BGC__TRANSIENT, /* error, retry later (TER) */
    BGC__FATAL,     /* error, stop (ERR) */
    BGC__PARTIAL,   /* files area: one range of a ranged file done; start again at once */
    BGC__SUSPEND    /* files area: on-demand requests done, bytes missing: SUSPENDED (L27) */
};

/* Allocates an xfer for file `index` of job (takes a job reference). Caller holds q->lock
 * (reads the file's names). NULL when out of memory. */
struct bgc__xfer *bgc__xfer_new(struct bgc_job *job, size_t index);
/* Opens or creates the temp file and prepares the easy handle. No lock held. On failure
 * fills *err and returns its code: BGC_E_LOCAL_FILE (the job goes to ERROR) or
 * BGC_E_TRANSPORT (out of resources: TRANSIENT_ERROR, retried later). */
int bgc__xfer_open(struct bgc__xfer *x, struct bgc_error *err);
void *bgc__xfer_easy(struct bgc__xfer *x);          /* the CURL easy handle */
struct bgc_job *bgc__xfer_job(struct bgc__xfer *x);
size_t bgc__xfer_index(struct bgc__xfer *x);
struct bgc__xfer *bgc__xfer_next(struct bgc__xfer *x);       /* engine's list of xfers */
void bgc__xfer_set_next(struct bgc__xfer *x, struct bgc__xfer *next);
/* conditions area (S4): limits the transfer's receive rate (bytes/s, 0 = none) and resumes a
 * transfer that on_data paused once its budget allows. Returns the milliseconds until it
 * should be called again for this transfer (UINT64_MAX: not needed). Engine thread. */
uint64_t bgc__xfer_set_rate(struct bgc__xfer *x, uint64_t bps);
/* Writes buffered data to the temp file and counts it (transfer.c invariant 3). Engine
 * thread, no lock held. Returns BGC_OK or BGC_E_LOCAL_FILE (the transfer must end). */
int bgc__xfer_flush(struct bgc__xfer *x);
/* Classifies a finished transfer (curl result code as int). No lock held. For RESTART the
 * temp file has been truncated. *err is filled for TRANSIENT/FATAL. */
enum bgc__outcome bgc__xfer_result(struct bgc__xfer *x, int curl_result, struct bgc_error *err);
/* Closes the temp file and the easy handle (already removed from the multi handle) and
 * frees x. Returns the job reference x held, for the caller to drop without the lock. */
struct bgc_job *bgc__xfer_free(struct bgc__xfer *x);

/* ---- notify.c ------------------------------------------------------------------------- */

int bgc__notifier_start(struct bgc_queue *q, struct bgc__notifier **out);
void bgc__notifier_stop(struct bgc__notifier *n); /* after q->stopping; no lock held */
/* Queues job events; caller holds q->lock. Each is a no-op without a sink. */
void bgc__notify_state_event(struct bgc_job *job, enum bgc_event ev); /* TRANSFERRED/ERROR */
void bgc__notify_file_event(struct bgc_job *job, size_t index);
void bgc__notify_modified(struct bgc_job *job);
/* Drops pending TRANSFERRED/ERROR events (the job left that state). Caller holds lock. */
void bgc__notify_drop_state_events(struct bgc_job *job);
/* Wakes the notification thread (flags or targets changed). Caller holds q->lock. */
void bgc__notify_wake(struct bgc_queue *q);
/* Non-zero when a TRANSFERRED/ERROR event of job awaits a live target. Caller holds lock. */
int bgc__notify_busy(const struct bgc_job *job);

/* ---- content.c (files area, issue 3) ---------------------------------------------------- */

/* Non-zero when the job's files need more than its MAX_DOWNLOAD_SIZE: the known sizes (a file
 * of unknown size counts what it has) add up past the cap. Lock held. */
int bgc__content_over_cap(const struct bgc_job *job);

/* ---- ondemand.c (files area, issue 3) ----------------------------------------------------- */

struct bgc__od;
/* What an on-demand transfer of a file fetches next. Lock held. Returns 0 when nothing is
 * missing (size known and every byte there). */
int bgc__od_plan(struct bgc_file *f, uint64_t *from, uint64_t *to);
/* Records that bytes [from, from+n) are in the temp file: filled, fresh (for the event),
 * wanted, bytes_transferred. Returns non-zero when the transfer should stop and replan (a new
 * request or position arrived). Lock held. */
int bgc__od_filled(struct bgc_job *job, struct bgc_file *f, uint64_t from, uint64_t n);
/* The remote size became known; pending requests past it make the transfer fail
 * (BGC_E_INVALID_RANGE returned). Lock held. */
int bgc__od_size_known(struct bgc_file *f, uint64_t size);
/* Forgets every byte of the file (the remote file changed). Lock held. */
void bgc__od_reset(struct bgc_file *f);
/* After a successful request: BGC__DONE (every byte there), BGC__PARTIAL (more to fetch) or
 * BGC__SUSPEND (the requests are done, bytes are missing: L27). Lock held. */
int bgc__od_after(struct bgc_file *f);
/* notify.c: a due FILE_RANGES_TRANSFERRED event of the job (file index in *index), or 0 with
 * *next_ms lowered to when one becomes due. Lock held. */
int bgc__od_pick(struct bgc_job *job, uint64_t now, uint64_t *next_ms, unsigned *index);
void bgc__od_free(struct bgc_file *f);

/* ---- ranges.c (files area, issue 3) ---------------------------------------------------- */

/* Where the next byte of a ranged file comes from, given `written` bytes already in the temp
 * file (F10: the ranges back to back in the order given). */
struct bgc__range_pos {
    size_t index;        /* range to fetch next; nranges when every range is complete */
    uint64_t from;       /* first remote byte to request */
    uint64_t to;         /* last remote byte to request, BGC_SIZE_UNKNOWN = to the end */
};
/* Computes the position; lengths BGC_LENGTH_TO_EOF are resolved with remote_size (unknown:
 * the range is open-ended). Returns BGC_OK, or BGC_E_INVALID_RANGE when a range lies past
 * a known remote_size. Pure function. */
int bgc__ranges_position(const struct bgc_range *r, size_t n, uint64_t remote_size, uint64_t written,
                         struct bgc__range_pos *out);
/* Sum of the lengths with BGC_LENGTH_TO_EOF resolved by remote_size; BGC_SIZE_UNKNOWN while
 * one cannot be resolved. Pure function. */
uint64_t bgc__ranges_total(const struct bgc_range *r, size_t n, uint64_t remote_size);
/* F9 checks of a range list (count, zero lengths, EOF offsets, overlaps, max). Pure. */
int bgc__ranges_check(const struct bgc_range *r, size_t n, unsigned max_ranges);
/* bgc_job_add_files with ranges for a single file (job.c): on success the file owns
 * `ranges` (bgc_malloc'd); on failure the caller keeps them. */
int bgc__job_add_files(struct bgc_job *job, size_t count, const struct bgc_file_spec *files,
                       struct bgc_range *ranges, size_t nranges);
/* Frees the files-area fields of a file (job.c free_file). */
void bgc__file_free_ranges(struct bgc_file *f);

/* ---- jobprops.c (core area, issue 3) -------------------------------------------------- */

/* Sets the defaults of the Job2..Job5 properties on a fresh job (bgc__job_new). */
void bgc__jobprops_init(struct bgc_job *job);
/* Frees what jobprops owns (the job is being freed). */
void bgc__jobprops_free(struct bgc_job *job);
/* Start of a mutation: locks, refuses final/stopping jobs (job.c begin_change). On success
 * the lock is held. */
int bgc__job_begin_change(struct bgc_job *job);

/* ---- sched.c (core area, issue 3; engine thread, lock held) ---------------------------- */

/* Bookkeeping of a state change (download time of L17, time slice of S3). Called by
 * bgc__job_set_state after the change. */
void bgc__sched_state_changed(struct bgc_job *job, enum bgc_state from, enum bgc_state to);
/* Resets the L17 download-time counter (Resume from ERROR/TRANSIENT_ERROR, L4). */
void bgc__sched_reset_download_time(struct bgc_job *job);
/* Enforces MaxDownloadTime (L17) and marks transfers to give up their slot (S2 preemption,
 * S3 time slice) by setting sched_yield and moving the job to QUEUED. Returns how long the
 * loop may sleep (ms, <= cap_ms). */
uint64_t bgc__sched_tick(struct bgc_queue *q, uint64_t cap_ms);
/* The next job to start a transfer for, or NULL; *nbg / *nfg (may be NULL) get the attached
 * background / foreground transfer counts. */
struct bgc_job *bgc__sched_pick(struct bgc_queue *q, unsigned *nbg, unsigned *nfg);
/* Non-zero when the job's transfer counts against the background limit. */
int bgc__sched_is_background(const struct bgc_job *job);

/* ---- httpopts.c, creds.c, proxy.c (httpopts area, issue 3) --------------------------- */

struct bgc__httpopts;
struct bgc__httpx; /* per-transfer state of httpopts.c (engine thread) */
struct curl_slist;

/* What bgc__httpopts_apply needs from the transfer (transfer.c fills it). */
struct bgc__httpopts_in {
    void *easy;                  /* the CURL easy handle, options already set */
    struct bgc_job *job;
    size_t index;                /* file index */
    const char *url;             /* the URL libcurl gets */
    int is_http;                 /* http or https */
    struct curl_slist **headers; /* the xfer's request header list (owned by the xfer) */
    size_t (*on_header)(char *, size_t, size_t, void *); /* transfer.c's header callback */
    void *header_data;
};
/* Applies the job's HTTP options to the easy handle (custom headers, method, security flags,
 * client certificate, credentials, proxy; redirect policy through a header callback that
 * wraps in->on_header). Engine thread, no lock held. Returns BGC_OK with *out (free with
 * bgc__httpx_free), or an error with *err filled: BGC_E_INVALID_PROXY_INFO (fatal) or
 * BGC_E_TRANSPORT (out of memory: transient). */
int bgc__httpopts_apply(const struct bgc__httpopts_in *in, struct bgc__httpx **out, struct bgc_error *err);
/* At the end of a transfer, before it is classified: returns 1 when the redirect policy
 * refused a redirect (*err filled, the outcome is FATAL, the remote name was rewritten to the
 * target, F17) or the certificate validator was unreachable (FATAL), 2 when the validator
 * rejected the certificate (*err filled, TRANSIENT), 3 when the transfer was aborted to let
 * the worker ask the validator (ABORTED, no error; dispatch area), else 0 (after rewriting
 * the remote name of an ALLOW_REPORT redirect). */
int bgc__httpx_result(struct bgc__httpx *h, int curl_result, struct bgc_error *err);
void bgc__httpx_free(struct bgc__httpx *h); /* NULL is a no-op */
/* L34: non-zero when the job has a custom HTTP method (every error fatal). Lock held. */
int bgc__httpopts_errors_fatal(const struct bgc_job *job);
/* Frees the job's options, wiping secrets (job_free). No lock held. */
void bgc__httpopts_free(struct bgc_job *job);
/* X5 (TakeOwnership): drops credentials, client certificate and custom headers (incl. the
 * write-only mark). Lock held. */
void bgc__httpopts_drop_secrets(struct bgc_job *job);

/* ---- worker.c (dispatch area, issue 3 item 9) ------------------------------------------ */

/* A work item for the side worker; embed it as the first member of the real item. run is
 * called once, on the worker thread with no lock held (cancelled = 0), or during
 * bgc_queue_free with cancelled = 1 (release only, no client call). */
struct bgc__work {
    struct bgc__work *next;                          /* worker.c: queue link */
    void (*run)(struct bgc__work *w, int cancelled); /* immutable */
};
/* Queues item (no lock held; never blocks on the worker). BGC_OK, or BGC_E_STOPPING /
 * BGC_E_NOMEM / BGC_E_OS with item still the caller's. */
int bgc__worker_submit(struct bgc_queue *q, struct bgc__work *item);
/* bgc_queue_free, after the engine stopped: joins the worker. No lock held. */
void bgc__worker_stop(struct bgc_queue *q);

/* ---- inactivity.c (inactivity area, issue 3: L24 JobInactivityTimeout) ----------------- */

/* Engine thread, no lock held: cancels every non-final job without a transfer that had no
 * activity (job->active_ms) for the configured timeout, as bgc_job_cancel does (CANCELLED,
 * temporaries deleted), without ever waiting. Returns how long the engine may sleep before
 * the next job can expire (at most cap_ms). */
uint64_t bgc__inactivity_tick(struct bgc_queue *q, uint64_t cap_ms);

#endif /* BGC_JOBS_INT_H */
