/*
 * store.c - the durable job store (issue 4, P1-P5): every non-final job, its files, progress,
 * errors and settings in an SQLite database in WAL mode, loaded again when a queue starts.
 *
 * Layout (schema version 1, PRAGMA user_version; application_id 'BGCP'):
 *   jobs(id BLOB PK, seq, state, owner, name, props BLOB, secret BLOB)
 *   files(job BLOB, idx, bytes, props BLOB, PK(job, idx))
 * props are tag-length-value records (tlv_* below): a tag this version does not know is
 * skipped, a missing tag keeps the property's default, so adding a property needs no
 * migration. secret holds credentials and custom headers, protected by bgc__os_protect (DPAPI
 * on Windows). state, owner, name and bytes are copies for people reading the file with the
 * sqlite3 shell; the loader reads props only. Schema changes are forward migrations
 * (migrations[] below), applied in one transaction at open.
 *
 * Writing: every change marks the job (or one file) dirty under q->lock
 * (bgc__store_mark_job / _file). The store thread collects dirty jobs under the lock into
 * records, then writes them outside the lock in one transaction (group commit).
 *
 * Invariants:
 *  1. A client request is durable when its bgc_ call returns: an urgent mark made on a
 *     client thread makes that thread wait, after it drops q->lock (bgc__queue_unlock), until
 *     a transaction that includes it is committed; if nobody is writing, that thread writes
 *     it itself (group commit leader, store_sync). Internal threads (engine, notifier,
 *     worker, store) never wait; their urgent marks only wake the store thread (invariant 9).
 *  2. Progress (bytes moved) is a lazy mark: it is written at most BGC__STORE_CHECKPOINT_MS
 *     after it happened, so a crash loses at most that much progress (plus what libcurl had
 *     buffered). State changes, file completions and temp file names are urgent (invariants 1
 *     and 9).
 *  3. Recovery trusts the store, never a temp file's length: a temp file longer than the
 *     recorded progress is cut back to it, a shorter or missing one restarts its file from 0,
 *     so bytes of two different responses are never spliced (P2, F12).
 *  4. Final jobs are deleted, never written; collection skips jobs in a final state and
 *     deletions are written after the rows of the same transaction.
 *  5. q->lock is never held during SQLite I/O or DPAPI calls; the SQLite connection is used
 *     by one thread at a time: the opener, then whoever set s->writing (the store thread or
 *     a leading client), one transaction at a time.
 *  6. A store that cannot be read (not SQLite, another application's database, a newer
 *     schema, a corrupt file) is renamed aside to <path>.bad-<time> and replaced by an empty
 *     one after every job that could still be read was taken from it (salvage); nothing is
 *     deleted. A write that fails makes the store "broken" (sticky error): the queue goes on
 *     in memory, bgc_queue_is_durable() turns 0 so the server does not exit with unsaved
 *     jobs, and the failure is logged once.
 *  7. The database is opened in EXCLUSIVE locking mode: one server process owns it; a second
 *     one waits up to BGC__STORE_BUSY_MS for the first to let go, then fails to start.
 *  8. Checkpoints (copying the WAL back, with its fsyncs) never run on a client's request:
 *     SQLite's automatic checkpoint is off and the store thread checkpoints after
 *     CHECKPOINT_IDLE_MS without commits or after CHECKPOINT_COMMITS commits, and at close.
 *  9. An urgent mark made by an internal thread (a file or job the engine finished, a temp
 *     file name) is written within SOON_MS, together with every other such mark of that
 *     window, or earlier by any client's commit: a burst of small transfers makes one commit
 *     per window instead of one per event, so clients' durable requests rarely queue behind
 *     the store thread.
 */
#include "bgc.h"
#include "httpopts_int.h"
#include "jobs_int.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#define CH "store"
#define STORE_APP_ID 0x42474350  /* 'BGCP' */
#define STORE_VERSION 1           /* PRAGMA user_version written by this code */
#define BGC__STORE_CHECKPOINT_MS 1000u /* invariant 2: most progress a crash can lose */
#define BGC__STORE_BUSY_MS 20000  /* invariant 7 */
#define SYNC_WAIT_MS 30000        /* bound on a client thread waiting for a commit */
#define CHECKPOINT_IDLE_MS 250    /* invariant 8: checkpoint after this long without commits */
#define SOON_MS 20                /* invariant 9: internal urgent marks are gathered this long */
#define CHECKPOINT_COMMITS 400    /* ... or after this many commits, busy or not */

/* ---- Record tags (never renumber; add new ones at the end of their group) -------------- */

enum {
    /* job props */
    J_NAME = 1, J_DESC, J_OWNER, J_TYPE, J_STATE, J_PRIO, J_NOTIFY_FLAGS, J_MIN_RETRY,
    J_NO_PROGRESS, J_T_CREATION, J_T_MODIFICATION, J_T_COMPLETION, J_MAX_DL_TIME, J_DL_MS,
    J_PEER_FLAGS, J_ACL_FLAGS, J_COST, J_CLSID, J_MIN_NOTIFY, J_NOTIFY_PROGRAM,
    J_NOTIFY_PARAMS, J_OWNER_INTEGRITY, J_OWNER_ELEVATED, J_RESUMED_ONCE, J_DYNAMIC,
    J_HIGH_PERF, J_MAX_DL_SIZE, J_ON_DEMAND, J_HAS_ERROR, J_ERROR, J_ERROR_COUNT,
    J_PENDING_EVENTS, J_T_ACTIVITY, J_NO_PROGRESS_SINCE, J_SEQ,
    /* job HTTP options (httpopts_int.h), present only when the job has an option block */
    J_H_PRESENT = 100, J_H_WRITE_ONLY, J_H_SECURITY, J_H_METHOD, J_H_CERT_SET, J_H_CERT_LOC,
    J_H_CERT_STORE, J_H_CERT_HASH, J_H_CERT_SUBJECT, J_H_STORED_CRED_TARGET, J_H_PROXY_USAGE,
    J_H_PROXY_LIST, J_H_PROXY_BYPASS,
    /* secret record (protected) */
    S_HEADERS = 200, S_CRED, /* S_CRED: target(1) scheme(1) has_user(1) user\0 password */
    /* file props */
    F_REMOTE = 1, F_URL, F_LOCAL, F_TEMP, F_TOTAL, F_DONE_BYTES, F_TRANSFERRED, F_COMPLETED,
    F_VALIDATOR, F_RANGES, F_REMOTE_SIZE, F_VALIDATED, F_HTTP_HEADERS, F_RANGE_IGNORED
};

/* ---- Tag-length-value records -------------------------------------------------------- */

struct tlv {
    unsigned char *p; /* bgc_malloc'd bytes, NULL when empty */
    size_t n;         /* bytes used */
    size_t cap;       /* bytes allocated */
    int oom;          /* an append failed: the record is incomplete (sticky) */
};

static void tlv_put(struct tlv *t, unsigned tag, const void *v, size_t n)
{
    unsigned char hdr[6];

    if (t->oom)
        return;
    if (t->n + n + sizeof(hdr) > t->cap) {
        size_t cap = t->cap ? t->cap : 256;
        unsigned char *grown;

        while (cap < t->n + n + sizeof(hdr))
            cap *= 2;
        grown = bgc_realloc(t->p, cap);
        if (!grown) {
            t->oom = 1;
            return;
        }
        t->p = grown;
        t->cap = cap;
    }
    hdr[0] = (unsigned char)(tag & 0xff);
    hdr[1] = (unsigned char)(tag >> 8);
    for (int i = 0; i < 4; i++)
        hdr[2 + i] = (unsigned char)(n >> (8 * i));
    memcpy(t->p + t->n, hdr, sizeof(hdr));
    if (n)
        memcpy(t->p + t->n + sizeof(hdr), v, n);
    t->n += n + sizeof(hdr);
}

static void tlv_u64(struct tlv *t, unsigned tag, uint64_t v)
{
    unsigned char b[8];

    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    tlv_put(t, tag, b, sizeof(b));
}

static void tlv_str(struct tlv *t, unsigned tag, const char *s)
{
    if (s)
        tlv_put(t, tag, s, strlen(s));
}

/* Wipes (for secrets) and frees the record's bytes. */
static void tlv_free(struct tlv *t)
{
    if (t->p) {
        for (volatile unsigned char *p = t->p; p < t->p + t->cap; p++)
            *p = 0;
        bgc_free(t->p);
    }
    memset(t, 0, sizeof(*t));
}

struct tlv_it {
    const unsigned char *p; /* the record */
    size_t n;               /* its length */
    size_t off;             /* next field */
};

/* Next field: 1 and (tag, value, length), 0 at the end, -1 when the record is malformed. */
static int tlv_next(struct tlv_it *it, unsigned *tag, const unsigned char **v, size_t *n)
{
    size_t len = 0;

    if (it->off == it->n)
        return 0;
    if (it->n - it->off < 6)
        return -1;
    *tag = (unsigned)it->p[it->off] | ((unsigned)it->p[it->off + 1] << 8);
    for (int i = 0; i < 4; i++)
        len |= (size_t)it->p[it->off + 2 + i] << (8 * i);
    if (len > it->n - it->off - 6)
        return -1;
    *v = it->p + it->off + 6;
    *n = len;
    it->off += 6 + len;
    return 1;
}

static uint64_t val_u64(const unsigned char *v, size_t n)
{
    uint64_t x = 0;

    for (size_t i = 0; i < 8 && i < n; i++)
        x |= (uint64_t)v[i] << (8 * i);
    return x;
}

/* A NUL-terminated copy of a string field; NULL when out of memory or it holds a NUL. */
static char *val_str(const unsigned char *v, size_t n)
{
    char *s;

    if (memchr(v, 0, n))
        return NULL;
    s = bgc_malloc(n + 1);
    if (s) {
        memcpy(s, v, n);
        s[n] = 0;
    }
    return s;
}

/* ---- The store object ---------------------------------------------------------------- */

enum rec_kind { REC_JOB, REC_FILE, REC_DELETE };

struct rec {
    enum rec_kind kind;   /* what to write */
    struct bgc_id id;     /* the job */
    uint64_t seq;         /* REC_JOB: creation order; REC_FILE: file index */
    int state;            /* REC_JOB: copy for readers */
    uint64_t bytes;       /* REC_FILE: copy for readers */
    char *owner, *name;   /* REC_JOB: copies for readers */
    struct tlv props;     /* REC_JOB / REC_FILE */
    struct tlv secret;    /* REC_JOB: plain secret record, protected when written; may be empty */
};

struct bgc__store {
    struct bgc_queue *q;          /* immutable: the queue (no reference: it owns us) */
    sqlite3 *db;                  /* opener thread, then store thread (invariant 5) */
    char *path;                   /* immutable: database path */
    char *vfs;                    /* immutable: SQLite VFS name or NULL */
    struct bgc__thread *thread;   /* immutable after start */
    struct bgc__cond *wake;       /* q->lock: wakes the store thread */
    struct bgc__cond *done;       /* q->lock: broadcast after every transaction */
    uint64_t gen_marked;          /* lock: number of urgent marks so far */
    uint64_t gen_committed;       /* lock: every urgent mark <= this is durable */
    int lazy;                     /* lock: progress is waiting for the next checkpoint */
    int soon;                     /* lock: an internal thread's urgent mark waits (invariant 9) */
    uint64_t soon_since_ms;       /* lock: when the oldest of those was made */
    uint64_t lazy_since_ms;       /* lock: when the oldest unwritten progress happened */
    struct bgc_id *deleted;       /* lock: final jobs to delete, bgc_malloc'd */
    size_t ndeleted, cap_deleted; /* lock */
    uint64_t next_seq;            /* lock: creation order for the next new job */
    int stopping;                 /* lock: bgc__store_close asked the thread to finish */
    int exited;                   /* lock: the thread is gone; nobody waits for it */
    int broken;                   /* lock: sticky write error (invariant 6) */
    int writing;                  /* lock: a thread (the store thread or a client leading a
                                   * group commit) is writing a transaction; invariant 5 */
    unsigned since_checkpoint;    /* lock: transactions committed since the last checkpoint */
    uint64_t transactions;        /* lock: transactions committed since the store opened */
    uint64_t last_write_ms;       /* lock: when the last transaction was committed */
    sqlite3_stmt *put_job, *put_file, *del_job, *del_files; /* store thread */
};

/* Per-thread durability debt (invariant 1). */
static _Thread_local struct bgc__store *tls_store; /* store the debt is owed by */
static _Thread_local uint64_t tls_owed;             /* generation to wait for, 0 = none */
static _Thread_local int tls_internal;              /* this is a core thread: never wait */

void bgc__store_internal_thread(void)
{
    tls_internal = 1;
}

static void log_sqlite(struct bgc__store *s, int level, const char *what, int rc)
{
    /* SQLite's message when rc is its latest error, else the code's generic text (our own
     * checks return codes too, e.g. SQLITE_NOTADB for a foreign database). */
    int own = s->db && sqlite3_errcode(s->db) == rc;

    bgc_log(level, CH, "%s: %s: %s (%d)", s->path, what, own ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc), rc);
}

/* ---- Serialising a job (lock held) --------------------------------------------------- */

static void job_props(const struct bgc_job *job, struct tlv *t, struct tlv *secret)
{
    const struct bgc__httpopts *o = job->httpopts;
    uint64_t now_ms = bgc__clock_ms();
    bgc_time now = bgc__wallclock();

    tlv_str(t, J_NAME, job->name);
    tlv_str(t, J_DESC, job->description);
    tlv_str(t, J_OWNER, job->owner);
    tlv_u64(t, J_TYPE, (uint64_t)job->type);
    tlv_u64(t, J_STATE, (uint64_t)job->state);
    tlv_u64(t, J_PRIO, (uint64_t)job->priority);
    tlv_u64(t, J_NOTIFY_FLAGS, job->notify_flags);
    tlv_u64(t, J_MIN_RETRY, job->min_retry_delay_s);
    tlv_u64(t, J_NO_PROGRESS, job->no_progress_timeout_s);
    tlv_u64(t, J_T_CREATION, job->t_creation);
    tlv_u64(t, J_T_MODIFICATION, job->t_modification);
    tlv_u64(t, J_T_COMPLETION, job->t_completion);
    tlv_u64(t, J_MAX_DL_TIME, job->max_download_time_s);
    tlv_u64(t, J_DL_MS, job->download_ms + (job->download_since_ms && now_ms > job->download_since_ms
                                                ? now_ms - job->download_since_ms : 0));
    tlv_u64(t, J_PEER_FLAGS, job->peer_caching_flags);
    tlv_u64(t, J_ACL_FLAGS, job->file_acl_flags);
    tlv_u64(t, J_COST, job->cost_flags);
    tlv_put(t, J_CLSID, job->notify_clsid.b, sizeof(job->notify_clsid.b));
    tlv_u64(t, J_MIN_NOTIFY, job->min_notify_interval_ms);
    tlv_str(t, J_NOTIFY_PROGRAM, job->notify_program);
    tlv_str(t, J_NOTIFY_PARAMS, job->notify_params);
    tlv_u64(t, J_OWNER_INTEGRITY, job->owner_integrity);
    tlv_u64(t, J_OWNER_ELEVATED, (uint64_t)job->owner_elevated);
    tlv_u64(t, J_RESUMED_ONCE, (uint64_t)job->resumed_once);
    tlv_u64(t, J_DYNAMIC, (uint64_t)job->dynamic_content);
    tlv_u64(t, J_HIGH_PERF, (uint64_t)job->high_performance);
    tlv_u64(t, J_MAX_DL_SIZE, job->max_download_size);
    tlv_u64(t, J_ON_DEMAND, (uint64_t)job->on_demand);
    tlv_u64(t, J_HAS_ERROR, (uint64_t)job->has_error);
    if (job->has_error) {
        struct tlv e = {0};

        tlv_u64(&e, 1, (uint64_t)(int64_t)job->error.code);
        tlv_u64(&e, 2, (uint64_t)job->error.context);
        tlv_u64(&e, 3, (uint64_t)(int64_t)job->error.http_status);
        tlv_u64(&e, 4, (uint64_t)(int64_t)job->error.curl_code);
        tlv_u64(&e, 5, (uint64_t)(int64_t)job->error.os_error);
        tlv_u64(&e, 6, (uint64_t)(int64_t)job->error.file_index);
        tlv_str(&e, 7, job->error.protocol);
        tlv_str(&e, 8, job->error.message);
        if (e.oom)
            t->oom = 1;
        else
            tlv_put(t, J_ERROR, e.p, e.n);
        tlv_free(&e);
    }
    tlv_u64(t, J_ERROR_COUNT, job->error_count);
    tlv_u64(t, J_PENDING_EVENTS, job->pending_events);
    /* Monotonic times become wall-clock times (L33 timers restart from them). */
    tlv_u64(t, J_T_ACTIVITY, now - (bgc_time)(now_ms - job->active_ms) * 10000u);
    if (job->no_progress_armed)
        tlv_u64(t, J_NO_PROGRESS_SINCE, now - (bgc_time)(now_ms - job->no_progress_since_ms) * 10000u);
    if (o) {
        tlv_u64(t, J_H_PRESENT, 1);
        tlv_u64(t, J_H_WRITE_ONLY, (uint64_t)o->headers_write_only);
        tlv_u64(t, J_H_SECURITY, o->security_flags);
        tlv_str(t, J_H_METHOD, o->method);
        tlv_u64(t, J_H_CERT_SET, (uint64_t)o->cert_set);
        tlv_u64(t, J_H_CERT_LOC, o->cert_location);
        tlv_str(t, J_H_CERT_STORE, o->cert_store);
        tlv_put(t, J_H_CERT_HASH, o->cert_hash, sizeof(o->cert_hash));
        tlv_str(t, J_H_CERT_SUBJECT, o->cert_subject);
        tlv_u64(t, J_H_STORED_CRED_TARGET, o->stored_cred_target);
        tlv_u64(t, J_H_PROXY_USAGE, (uint64_t)o->proxy_usage);
        tlv_str(t, J_H_PROXY_LIST, o->proxy_list);
        tlv_str(t, J_H_PROXY_BYPASS, o->proxy_bypass);
        tlv_str(secret, S_HEADERS, o->headers);
        for (int ti = 0; ti < BGC__AUTH_TARGETS; ti++) {
            for (int si = 0; si < BGC__AUTH_SCHEMES; si++) {
                const struct bgc__cred *c = &o->creds[ti][si];
                size_t nu = c->user ? strlen(c->user) : 0, np = c->password ? strlen(c->password) : 0;
                unsigned char *b;

                if (!c->set)
                    continue;
                b = bgc_malloc(3 + nu + 1 + np);
                if (!b) {
                    secret->oom = 1;
                    continue;
                }
                b[0] = (unsigned char)(ti + 1);
                b[1] = (unsigned char)(si + 1);
                b[2] = c->user != NULL;
                if (nu)
                    memcpy(b + 3, c->user, nu);
                b[3 + nu] = 0;
                if (np)
                    memcpy(b + 4 + nu, c->password, np);
                tlv_put(secret, S_CRED, b, 3 + nu + 1 + np);
                for (volatile unsigned char *p = b; p < b + 3 + nu + 1 + np; p++)
                    *p = 0;
                bgc_free(b);
            }
        }
    }
}

static void file_props(const struct bgc_file *f, struct tlv *t)
{
    tlv_str(t, F_REMOTE, f->remote);
    tlv_str(t, F_URL, f->url);
    tlv_str(t, F_LOCAL, f->local);
    tlv_str(t, F_TEMP, f->temp);
    tlv_u64(t, F_TOTAL, f->bytes_total);
    tlv_u64(t, F_DONE_BYTES, f->bytes_transferred);
    tlv_u64(t, F_TRANSFERRED, (uint64_t)f->transferred);
    tlv_u64(t, F_COMPLETED, (uint64_t)f->completed);
    tlv_str(t, F_VALIDATOR, f->validator);
    if (f->nranges) {
        struct tlv r = {0};

        for (size_t i = 0; i < f->nranges; i++) {
            tlv_u64(&r, 1, f->ranges[i].offset);
            tlv_u64(&r, 2, f->ranges[i].length);
        }
        if (r.oom)
            t->oom = 1;
        else
            tlv_put(t, F_RANGES, r.p, r.n);
        tlv_free(&r);
    }
    tlv_u64(t, F_REMOTE_SIZE, f->remote_size);
    tlv_u64(t, F_VALIDATED, (uint64_t)f->validated);
    tlv_str(t, F_HTTP_HEADERS, f->http_headers);
    tlv_u64(t, F_RANGE_IGNORED, (uint64_t)f->range_ignored);
}

static void rec_free(struct rec *r)
{
    bgc_free(r->owner);
    bgc_free(r->name);
    tlv_free(&r->props);
    tlv_free(&r->secret);
}

/* ---- Marks (lock held) ---------------------------------------------------------------- */

static void mark_common(struct bgc__store *s, int urgent)
{
    if (urgent && !tls_internal) {
        s->gen_marked++;
        tls_store = s;
        tls_owed = s->gen_marked;
        bgc__cond_signal(s->wake);
    } else if (urgent) { /* invariant 9 */
        if (!s->soon) {
            s->soon = 1;
            s->soon_since_ms = bgc__clock_ms();
            bgc__cond_signal(s->wake);
        }
    } else if (!s->lazy) {
        s->lazy = 1;
        s->lazy_since_ms = bgc__clock_ms();
        bgc__cond_signal(s->wake); /* so the thread arms its checkpoint timer */
    }
}

void bgc__store_mark_job(struct bgc_job *job, int urgent)
{
    struct bgc__store *s = job->q->store;

    if (!s || s->broken || bgc__state_is_final(job->state))
        return;
    if (!job->store_seq)
        job->store_seq = ++s->next_seq;
    job->store_dirty |= BGC__STORE_JOB | BGC__STORE_FILES;
    for (size_t i = 0; i < job->nfiles; i++)
        job->files[i]->store_dirty = 1;
    mark_common(s, urgent);
}

void bgc__store_mark_file(struct bgc_job *job, size_t index, int urgent)
{
    struct bgc__store *s = job->q->store;

    if (!s || s->broken || bgc__state_is_final(job->state) || index >= job->nfiles)
        return;
    if (!job->store_seq) { /* never written: the whole job goes */
        bgc__store_mark_job(job, urgent);
        return;
    }
    job->store_dirty |= BGC__STORE_FILES;
    job->files[index]->store_dirty = 1;
    mark_common(s, urgent);
}

void bgc__store_job_final(struct bgc_job *job)
{
    struct bgc__store *s = job->q->store;

    if (!s || s->broken || !job->store_seq)
        return; /* never written: nothing to delete */
    if (s->ndeleted == s->cap_deleted) {
        size_t cap = s->cap_deleted ? s->cap_deleted * 2 : 16;
        struct bgc_id *grown = bgc_realloc(s->deleted, cap * sizeof(*grown));

        if (!grown) {
            /* The row stays; at the next start the job loads in its last saved state. */
            bgc_log(BGC_LOG_ERR, CH, "out of memory recording a final job; the store keeps it");
            return;
        }
        s->deleted = grown;
        s->cap_deleted = cap;
    }
    s->deleted[s->ndeleted++] = job->id;
    job->store_dirty = 0;
    mark_common(s, 1);
}

/* ---- Waiting for durability (invariant 1) --------------------------------------------- */

static void write_round(struct bgc__store *s);

/* Waits until generation gen is committed. When nobody is writing, the waiting client writes
 * the transaction itself (leader of the group commit): no hand-off to the store thread and
 * back, which costs more than the commit. */
static void store_sync(struct bgc__store *s, uint64_t gen)
{
    struct bgc_queue *q = s->q;
    uint64_t deadline = bgc__clock_ms() + SYNC_WAIT_MS;

    bgc__mutex_lock(q->lock);
    while (s->gen_committed < gen && !s->exited && !s->broken) {
        uint64_t now = bgc__clock_ms();

        if (now >= deadline) {
            bgc_log(BGC_LOG_ERR, CH, "a change was not written within %u ms", SYNC_WAIT_MS);
            break;
        }
        if (!s->writing && !s->stopping && s->db) {
            write_round(s);
            bgc__cond_signal(s->wake); /* the store thread re-checks what is due */
            continue;
        }
        bgc__cond_timedwait(s->done, q->lock, deadline - now);
    }
    bgc__mutex_unlock(q->lock);
}

void bgc__queue_unlock(struct bgc_queue *q)
{
    struct bgc__store *s;
    uint64_t gen;

    bgc__mutex_unlock(q->lock);
    if (!tls_owed || tls_store != q->store)
        return;
    s = tls_store;
    gen = tls_owed;
    tls_owed = 0;
    tls_store = NULL;
    store_sync(s, gen);
}

uint64_t bgc__store_transactions(struct bgc_queue *q)
{
    uint64_t n = 0;

    bgc__mutex_lock(q->lock);
    if (q->store)
        n = q->store->transactions;
    bgc__mutex_unlock(q->lock);
    return n;
}

/* ---- Collecting and writing -------------------------------------------------------------- */

/* Collects every dirty job and the pending deletions into *out (lock held). Returns the
 * number of records; *out is NULL when there are none or memory ran out (then the marks stay
 * and the next round tries again). */
static size_t collect(struct bgc__store *s, struct rec **out)
{
    struct bgc_queue *q = s->q;
    size_t n = 0, cap = 0;
    struct rec *recs = NULL;

    for (struct bgc_job *j = q->head; j; j = j->next)
        if (j->store_dirty && !bgc__state_is_final(j->state))
            cap += 1 + j->nfiles;
    cap += s->ndeleted;
    *out = NULL;
    if (!cap)
        return 0;
    recs = bgc_calloc(cap, sizeof(*recs));
    if (!recs)
        return 0;
    for (struct bgc_job *j = q->head; j; j = j->next) {
        if (!j->store_dirty || bgc__state_is_final(j->state))
            continue;
        if (j->store_dirty & BGC__STORE_JOB) {
            struct rec *r = &recs[n++];

            r->kind = REC_JOB;
            r->id = j->id;
            r->seq = j->store_seq;
            r->state = (int)j->state;
            r->owner = bgc_strdup(j->owner);
            r->name = bgc_strdup(j->name);
            job_props(j, &r->props, &r->secret);
        }
        for (size_t i = 0; i < j->nfiles; i++) {
            struct rec *r;

            if (!j->files[i]->store_dirty)
                continue;
            r = &recs[n++];
            r->kind = REC_FILE;
            r->id = j->id;
            r->seq = i;
            r->bytes = j->files[i]->bytes_transferred;
            file_props(j->files[i], &r->props);
            j->files[i]->store_dirty = 0;
        }
        j->store_dirty = 0;
    }
    for (size_t i = 0; i < s->ndeleted; i++) {
        recs[n].kind = REC_DELETE;
        recs[n++].id = s->deleted[i];
    }
    s->ndeleted = 0;
    *out = recs;
    return n;
}

static int prepare(struct bgc__store *s)
{
    static const char *sql[4] = {
        "INSERT OR REPLACE INTO jobs(id, seq, state, owner, name, props, secret) VALUES(?,?,?,?,?,?,?)",
        "INSERT OR REPLACE INTO files(job, idx, bytes, props) VALUES(?,?,?,?)",
        "DELETE FROM jobs WHERE id = ?",
        "DELETE FROM files WHERE job = ?",
    };
    sqlite3_stmt **st[4] = {&s->put_job, &s->put_file, &s->del_job, &s->del_files};
    int rc = SQLITE_OK;

    for (int i = 0; i < 4 && rc == SQLITE_OK; i++)
        rc = sqlite3_prepare_v2(s->db, sql[i], -1, st[i], NULL);
    return rc;
}

static int step_reset(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);

    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Writes one record (store thread, inside the transaction). */
static int write_rec(struct bgc__store *s, struct rec *r)
{
    int rc = SQLITE_OK;

    if (r->props.oom || (r->kind == REC_JOB && (!r->owner || !r->name)))
        return SQLITE_NOMEM;
    switch (r->kind) {
    case REC_JOB: {
        unsigned char *sec = NULL;
        size_t nsec = 0;

        if (r->secret.n && !r->secret.oom &&
            bgc__os_protect(r->secret.p, r->secret.n, &sec, &nsec) != BGC_OK)
            bgc_log(BGC_LOG_WARN, CH, "cannot protect a job's credentials; they are not saved");
        sqlite3_bind_blob(s->put_job, 1, r->id.b, sizeof(r->id.b), SQLITE_STATIC);
        sqlite3_bind_int64(s->put_job, 2, (sqlite3_int64)r->seq);
        sqlite3_bind_int(s->put_job, 3, r->state);
        sqlite3_bind_text(s->put_job, 4, r->owner, -1, SQLITE_STATIC);
        sqlite3_bind_text(s->put_job, 5, r->name, -1, SQLITE_STATIC);
        sqlite3_bind_blob(s->put_job, 6, r->props.p, (int)r->props.n, SQLITE_STATIC);
        if (sec)
            sqlite3_bind_blob(s->put_job, 7, sec, (int)nsec, SQLITE_STATIC);
        rc = step_reset(s->put_job);
        bgc_free(sec);
        break;
    }
    case REC_FILE:
        sqlite3_bind_blob(s->put_file, 1, r->id.b, sizeof(r->id.b), SQLITE_STATIC);
        sqlite3_bind_int64(s->put_file, 2, (sqlite3_int64)r->seq);
        sqlite3_bind_int64(s->put_file, 3, (sqlite3_int64)r->bytes);
        sqlite3_bind_blob(s->put_file, 4, r->props.p, (int)r->props.n, SQLITE_STATIC);
        rc = step_reset(s->put_file);
        break;
    case REC_DELETE:
        sqlite3_bind_blob(s->del_files, 1, r->id.b, sizeof(r->id.b), SQLITE_STATIC);
        rc = step_reset(s->del_files);
        if (rc == SQLITE_OK) {
            sqlite3_bind_blob(s->del_job, 1, r->id.b, sizeof(r->id.b), SQLITE_STATIC);
            rc = step_reset(s->del_job);
        }
        break;
    }
    return rc;
}

/* Writes the records in one transaction (store thread, no lock held). */
static int write_all(struct bgc__store *s, struct rec *recs, size_t n)
{
    int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);

    for (size_t i = 0; i < n && rc == SQLITE_OK; i++)
        if (recs[i].kind != REC_DELETE)
            rc = write_rec(s, &recs[i]);
    for (size_t i = 0; i < n && rc == SQLITE_OK; i++) /* invariant 4: deletions last */
        if (recs[i].kind == REC_DELETE)
            rc = write_rec(s, &recs[i]);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        log_sqlite(s, BGC_LOG_ERR, "writing jobs failed; jobs now live in memory only", rc);
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    }
    return rc;
}

/* One group commit: collects what is dirty, writes it outside the lock, and publishes the
 * generation it covers. Lock held on entry and on return; !s->writing on entry. */
static void write_round(struct bgc__store *s)
{
    struct bgc_queue *q = s->q;
    uint64_t target = s->gen_marked;
    struct rec *recs;
    size_t n;

    s->writing = 1;
    s->lazy = 0;
    s->soon = 0; /* collect takes every dirty job: the internal marks too */
    n = collect(s, &recs);
    bgc__mutex_unlock(q->lock);
    if (n) {
        int rc = write_all(s, recs, n);

        for (size_t i = 0; i < n; i++)
            rec_free(&recs[i]);
        bgc_free(recs);
        bgc__mutex_lock(q->lock);
        if (rc != SQLITE_OK)
            s->broken = 1;
    } else {
        bgc__mutex_lock(q->lock);
    }
    if (target > s->gen_committed)
        s->gen_committed = target;
    if (n) {
        s->transactions++;
        s->since_checkpoint++;
        s->last_write_ms = bgc__clock_ms();
        if (s->since_checkpoint >= CHECKPOINT_COMMITS)
            bgc__cond_signal(s->wake); /* the store thread checkpoints now (invariant 8) */
    }
    s->writing = 0;
    bgc__cond_broadcast(s->done);
}

/* Invariant 8: copies the WAL back into the database (PASSIVE: nobody else reads it) and
 * syncs, on the store thread. Lock held on entry and return; !s->writing on entry. */
static void checkpoint(struct bgc__store *s)
{
    struct bgc_queue *q = s->q;
    int rc;

    s->writing = 1;
    s->since_checkpoint = 0;
    bgc__mutex_unlock(q->lock);
    rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    bgc__mutex_lock(q->lock);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY)
        log_sqlite(s, BGC_LOG_WARN, "checkpoint failed (retried later)", rc);
    s->writing = 0;
    bgc__cond_broadcast(s->done);
}

static void store_main(void *arg)
{
    struct bgc__store *s = arg;
    struct bgc_queue *q = s->q;

    bgc__store_internal_thread();
    bgc__mutex_lock(q->lock);
    for (;;) {
        uint64_t now = bgc__clock_ms();
        int due = s->gen_marked != s->gen_committed || s->ndeleted ||
                  (s->soon && (s->stopping || now >= s->soon_since_ms + SOON_MS)) ||
                  (s->lazy && (s->stopping || now >= s->lazy_since_ms + BGC__STORE_CHECKPOINT_MS));

        if (s->writing) { /* a client leads a group commit: wait for it */
            bgc__cond_wait(s->done, q->lock);
            continue;
        }
        if (!due) {
            uint64_t idle_at = s->last_write_ms + CHECKPOINT_IDLE_MS, wait = UINT64_MAX;

            if (s->stopping || s->broken)
                break;
            if (s->since_checkpoint && (s->since_checkpoint >= CHECKPOINT_COMMITS || now >= idle_at)) {
                checkpoint(s);
                continue;
            }
            if (s->since_checkpoint)
                wait = idle_at - now;
            if (s->lazy && s->lazy_since_ms + BGC__STORE_CHECKPOINT_MS - now < wait)
                wait = s->lazy_since_ms + BGC__STORE_CHECKPOINT_MS - now;
            if (s->soon && s->soon_since_ms + SOON_MS - now < wait)
                wait = s->soon_since_ms + SOON_MS - now;
            if (wait != UINT64_MAX)
                bgc__cond_timedwait(s->wake, q->lock, wait);
            else
                bgc__cond_wait(s->wake, q->lock);
            continue;
        }
        write_round(s);
    }
    s->exited = 1;
    bgc__cond_broadcast(s->done);
    bgc__mutex_unlock(q->lock);
}

/* ---- Opening: schema, migrations, salvage --------------------------------------------- */

/* migrations[v] takes a database from user_version v to v + 1. */
static const char *const migrations[STORE_VERSION] = {
    "CREATE TABLE jobs(id BLOB PRIMARY KEY NOT NULL, seq INTEGER NOT NULL,"
    " state INTEGER NOT NULL, owner TEXT NOT NULL, name TEXT NOT NULL,"
    " props BLOB NOT NULL, secret BLOB) WITHOUT ROWID;"
    "CREATE TABLE files(job BLOB NOT NULL, idx INTEGER NOT NULL, bytes INTEGER NOT NULL,"
    " props BLOB NOT NULL, PRIMARY KEY(job, idx)) WITHOUT ROWID;",
};

static int pragma_int(sqlite3 *db, const char *sql, int *out)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            *out = sqlite3_column_int(st, 0);
            rc = SQLITE_OK;
        } else if (rc == SQLITE_DONE) {
            rc = SQLITE_CORRUPT;
        }
        sqlite3_finalize(st);
    }
    return rc;
}

static int db_open(struct bgc__store *s)
{
    int rc = sqlite3_open_v2(s->path, &s->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, s->vfs);

    if (rc == SQLITE_OK)
        rc = sqlite3_busy_timeout(s->db, BGC__STORE_BUSY_MS);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(s->db, "PRAGMA locking_mode=EXCLUSIVE", NULL, NULL, NULL);
    return rc;
}

static void db_close(struct bgc__store *s)
{
    sqlite3_finalize(s->put_job);
    sqlite3_finalize(s->put_file);
    sqlite3_finalize(s->del_job);
    sqlite3_finalize(s->del_files);
    s->put_job = s->put_file = s->del_job = s->del_files = NULL;
    sqlite3_close(s->db);
    s->db = NULL;
}

/* Checks the file is ours and brings its schema up to date. SQLITE_OK; SQLITE_NOTADB for a
 * foreign or newer database; another code for I/O or corruption. */
static int db_setup(struct bgc__store *s)
{
    int rc, app = 0, version = 0, tables = 0;

    rc = pragma_int(s->db, "PRAGMA application_id", &app);
    if (rc == SQLITE_OK)
        rc = pragma_int(s->db, "PRAGMA user_version", &version);
    if (rc == SQLITE_OK)
        rc = pragma_int(s->db, "SELECT count(*) FROM sqlite_schema", &tables);
    if (rc != SQLITE_OK)
        return rc;
    if (app != STORE_APP_ID && (app != 0 || version != 0 || tables != 0)) {
        bgc_log(BGC_LOG_ERR, CH, "%s is not a bgcopy job store (application_id %#x)", s->path, app);
        return SQLITE_NOTADB;
    }
    if (version > STORE_VERSION) {
        bgc_log(BGC_LOG_ERR, CH, "%s has schema version %d; this bgcopy knows up to %d", s->path,
                version, STORE_VERSION);
        return SQLITE_NOTADB;
    }
    rc = sqlite3_exec(s->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(s->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
    if (rc == SQLITE_OK) /* invariant 8: the store thread checkpoints, off the request path */
        rc = sqlite3_exec(s->db, "PRAGMA wal_autocheckpoint=0", NULL, NULL, NULL);
    if (rc == SQLITE_OK && version < STORE_VERSION) {
        rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        for (int v = version; v < STORE_VERSION && rc == SQLITE_OK; v++) {
            bgc_log(BGC_LOG_INFO, CH, "%s: migrating schema %d -> %d", s->path, v, v + 1);
            rc = sqlite3_exec(s->db, migrations[v], NULL, NULL, NULL);
        }
        if (rc == SQLITE_OK) {
            char sql[96];

            snprintf(sql, sizeof(sql), "PRAGMA application_id=%d; PRAGMA user_version=%d",
                     STORE_APP_ID, STORE_VERSION);
            rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
        }
        if (rc == SQLITE_OK)
            rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
        else
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    }
    if (rc == SQLITE_OK) {
        sqlite3_stmt *st;

        rc = sqlite3_prepare_v2(s->db, "PRAGMA quick_check", -1, &st, NULL);
        if (rc == SQLITE_OK) {
            rc = sqlite3_step(st);
            if (rc == SQLITE_ROW) {
                const char *r = (const char *)sqlite3_column_text(st, 0);

                rc = r && !strcmp(r, "ok") ? SQLITE_OK : SQLITE_CORRUPT;
                if (rc != SQLITE_OK)
                    bgc_log(BGC_LOG_ERR, CH, "%s: integrity check: %s", s->path, r ? r : "?");
            }
            sqlite3_finalize(st);
        }
    }
    return rc;
}

/* ---- Loading ---------------------------------------------------------------------------- */

static void apply_error(struct bgc_error *e, const unsigned char *v, size_t n)
{
    struct tlv_it it = {v, n, 0};
    const unsigned char *fv;
    size_t fn;
    unsigned tag;

    memset(e, 0, sizeof(*e));
    e->file_index = -1;
    while (tlv_next(&it, &tag, &fv, &fn) == 1) {
        int64_t x = (int64_t)val_u64(fv, fn);

        switch (tag) {
        case 1: e->code = (int)x; break;
        case 2: e->context = (enum bgc_err_context)x; break;
        case 3: e->http_status = (int)x; break;
        case 4: e->curl_code = (int)x; break;
        case 5: e->os_error = (int)x; break;
        case 6: e->file_index = (long)x; break;
        case 7: snprintf(e->protocol, sizeof(e->protocol), "%.*s", (int)fn, (const char *)fv); break;
        case 8: snprintf(e->message, sizeof(e->message), "%.*s", (int)fn, (const char *)fv); break;
        default: break;
        }
    }
}

/* Replaces *slot with a copy of the field; 0 or -1 when out of memory. */
static int set_str(char **slot, const unsigned char *v, size_t n)
{
    char *s = val_str(v, n);

    if (!s)
        return -1;
    bgc_free(*slot);
    *slot = s;
    return 0;
}

static int apply_secret(struct bgc__httpopts *o, const unsigned char *p, size_t n)
{
    struct tlv_it it = {p, n, 0};
    const unsigned char *v;
    size_t vn;
    unsigned tag;
    int bad = 0;

    while (!bad && tlv_next(&it, &tag, &v, &vn) == 1) {
        if (tag == S_HEADERS) {
            bad = set_str(&o->headers, v, vn);
        } else if (tag == S_CRED && vn >= 4) {
            unsigned ti = v[0], si = v[1];
            const unsigned char *user = v + 3, *end = v + vn, *nul = memchr(user, 0, (size_t)(end - user));
            struct bgc__cred *c;

            if (!ti || ti > BGC__AUTH_TARGETS || !si || si > BGC__AUTH_SCHEMES || !nul)
                continue;
            c = &o->creds[ti - 1][si - 1];
            c->set = 1;
            if (v[2]) {
                c->user = val_str(user, (size_t)(nul - user));
                c->password = val_str(nul + 1, (size_t)(end - nul - 1));
                bad = !c->user || !c->password;
            }
        }
    }
    return bad ? -1 : 0;
}

/* The monotonic time (ms) matching wall-clock time `wall`, given both clocks' "now". A time
 * in the future counts as now; one before the monotonic origin as the origin. */
static uint64_t mono_from_wall(bgc_time wall, bgc_time now, uint64_t now_ms)
{
    uint64_t ago_ms;

    if (wall >= now)
        return now_ms;
    ago_ms = (now - wall) / 10000u;
    return ago_ms < now_ms ? now_ms - ago_ms : 0;
}

/* Builds a job from its record (no lock: the queue is not running yet). NULL when the
 * record is unusable (logged) or memory ran out. */
static struct bgc_job *load_job(struct bgc__store *s, const struct bgc_id *id,
                                const unsigned char *p, size_t n, const unsigned char *sec, size_t nsec)
{
    struct bgc_queue *q = s->q;
    struct tlv_it it = {p, n, 0};
    const unsigned char *v;
    size_t vn;
    unsigned tag;
    char *name = NULL, *owner = NULL;
    struct bgc_job *job;
    int r, bad = 0;
    uint64_t now_ms = bgc__clock_ms();
    bgc_time now = bgc__wallclock();

    while ((r = tlv_next(&it, &tag, &v, &vn)) == 1) {
        if (tag == J_NAME && !name)
            name = val_str(v, vn);
        else if (tag == J_OWNER && !owner)
            owner = val_str(v, vn);
    }
    if (r < 0 || !name || !owner) {
        bgc_free(name);
        bgc_free(owner);
        return NULL;
    }
    job = bgc__job_new(q, id, name, BGC_JOB_DOWNLOAD, owner);
    bgc_free(name);
    bgc_free(owner);
    if (!job)
        return NULL;
    it.off = 0;
    while (!bad && tlv_next(&it, &tag, &v, &vn) == 1) {
        uint64_t x = val_u64(v, vn);
        struct bgc__httpopts *o = job->httpopts;

        if (tag >= J_H_PRESENT && tag < S_HEADERS && !o) {
            o = job->httpopts = bgc_calloc(1, sizeof(*o));
            if (!o) {
                bad = 1;
                break;
            }
        }
        switch (tag) {
        case J_DESC: bad = set_str(&job->description, v, vn); break;
        case J_TYPE: job->type = (enum bgc_job_type)x; break;
        case J_STATE: job->state = (enum bgc_state)x; break;
        case J_PRIO: job->priority = (enum bgc_priority)x; break;
        case J_NOTIFY_FLAGS: job->notify_flags = (unsigned)x; break;
        case J_MIN_RETRY: job->min_retry_delay_s = (unsigned)x; break;
        case J_NO_PROGRESS: job->no_progress_timeout_s = (unsigned)x; break;
        case J_T_CREATION: job->t_creation = x; break;
        case J_T_MODIFICATION: job->t_modification = x; break;
        case J_T_COMPLETION: job->t_completion = x; break;
        case J_MAX_DL_TIME: job->max_download_time_s = (unsigned)x; break;
        case J_DL_MS: job->download_ms = x; break;
        case J_PEER_FLAGS: job->peer_caching_flags = (unsigned)x; break;
        case J_ACL_FLAGS: job->file_acl_flags = (unsigned)x; break;
        case J_COST: job->cost_flags = (uint32_t)x; break;
        case J_CLSID:
            if (vn == sizeof(job->notify_clsid.b))
                memcpy(job->notify_clsid.b, v, vn);
            break;
        case J_MIN_NOTIFY: job->min_notify_interval_ms = (unsigned)x; break;
        case J_NOTIFY_PROGRAM: bad = set_str(&job->notify_program, v, vn); break;
        case J_NOTIFY_PARAMS: bad = set_str(&job->notify_params, v, vn); break;
        case J_OWNER_INTEGRITY: job->owner_integrity = (unsigned)x; break;
        case J_OWNER_ELEVATED: job->owner_elevated = (int)x; break;
        case J_RESUMED_ONCE: job->resumed_once = (int)x; break;
        case J_DYNAMIC: job->dynamic_content = (int)x; break;
        case J_HIGH_PERF: job->high_performance = (int)x; break;
        case J_MAX_DL_SIZE: job->max_download_size = x; break;
        case J_ON_DEMAND: job->on_demand = (int)x; break;
        case J_HAS_ERROR: job->has_error = (int)x; break;
        case J_ERROR: apply_error(&job->error, v, vn); break;
        case J_ERROR_COUNT: job->error_count = (unsigned)x; break;
        case J_PENDING_EVENTS: job->pending_events = (unsigned)x; break;
        case J_T_ACTIVITY: /* L24: keep the inactivity clock across restarts */
            job->active_ms = mono_from_wall(x, now, now_ms);
            break;
        case J_NO_PROGRESS_SINCE: /* R6: the no-progress clock too */
            job->no_progress_armed = 1;
            job->no_progress_since_ms = mono_from_wall(x, now, now_ms);
            break;
        case J_H_WRITE_ONLY: o->headers_write_only = (int)x; break;
        case J_H_SECURITY: o->security_flags = (unsigned)x; break;
        case J_H_METHOD: bad = set_str(&o->method, v, vn); break;
        case J_H_CERT_SET: o->cert_set = (int)x; break;
        case J_H_CERT_LOC: o->cert_location = (unsigned)x; break;
        case J_H_CERT_STORE: bad = set_str(&o->cert_store, v, vn); break;
        case J_H_CERT_HASH:
            if (vn == sizeof(o->cert_hash))
                memcpy(o->cert_hash, v, vn);
            break;
        case J_H_CERT_SUBJECT: bad = set_str(&o->cert_subject, v, vn); break;
        case J_H_STORED_CRED_TARGET: o->stored_cred_target = (unsigned)x; break;
        case J_H_PROXY_USAGE: o->proxy_usage = (int)x; break;
        case J_H_PROXY_LIST: bad = set_str(&o->proxy_list, v, vn); break;
        case J_H_PROXY_BYPASS: bad = set_str(&o->proxy_bypass, v, vn); break;
        default: break; /* a later version's property: its default stays */
        }
    }
    if (!bad && sec && nsec) {
        unsigned char *plain = NULL;
        size_t nplain = 0;

        if (bgc__os_unprotect(sec, nsec, &plain, &nplain) != BGC_OK) {
            char text[39];

            bgc_id_format(id, text);
            bgc_log(BGC_LOG_WARN, CH, "job %s: its saved credentials cannot be read back", text);
        } else {
            if (!job->httpopts)
                job->httpopts = bgc_calloc(1, sizeof(*job->httpopts));
            bad = !job->httpopts || apply_secret(job->httpopts, plain, nplain);
            for (volatile unsigned char *z = plain; z < plain + nplain; z++)
                *z = 0;
            bgc_free(plain);
        }
    }
    if (bad || (int)job->state < 0 || job->state >= BGC_STATE_COUNT || bgc__state_is_final(job->state) ||
        job->type != BGC_JOB_DOWNLOAD) {
        bgc_job_unref(job);
        return NULL;
    }
    return job;
}

static struct bgc_file *load_file(const unsigned char *p, size_t n)
{
    struct tlv_it it = {p, n, 0};
    const unsigned char *v;
    size_t vn;
    unsigned tag;
    struct bgc_file *f = bgc_calloc(1, sizeof(*f));
    int bad = 0, r;

    if (!f)
        return NULL;
    f->bytes_total = BGC_SIZE_UNKNOWN;
    f->remote_size = BGC_SIZE_UNKNOWN;
    while (!bad && (r = tlv_next(&it, &tag, &v, &vn)) == 1) {
        uint64_t x = val_u64(v, vn);

        switch (tag) {
        case F_REMOTE: bad = set_str(&f->remote, v, vn); break;
        case F_URL: bad = set_str(&f->url, v, vn); break;
        case F_LOCAL: bad = set_str(&f->local, v, vn); break;
        case F_TEMP: bad = set_str(&f->temp, v, vn); break;
        case F_TOTAL: f->bytes_total = x; break;
        case F_DONE_BYTES: f->bytes_transferred = x; break;
        case F_TRANSFERRED: f->transferred = (int)x; break;
        case F_COMPLETED: f->completed = (int)x; break;
        case F_VALIDATOR: bad = set_str(&f->validator, v, vn); break;
        case F_RANGES: {
            struct tlv_it ri = {v, vn, 0};
            const unsigned char *rv;
            size_t rn, count = 0;
            unsigned rt;

            while (tlv_next(&ri, &rt, &rv, &rn) == 1)
                count += rt == 2;
            if (!count)
                break;
            f->ranges = bgc_calloc(count, sizeof(*f->ranges));
            if (!f->ranges) {
                bad = 1;
                break;
            }
            ri.off = 0;
            while (tlv_next(&ri, &rt, &rv, &rn) == 1 && f->nranges < count) {
                if (rt == 1)
                    f->ranges[f->nranges].offset = val_u64(rv, rn);
                else if (rt == 2)
                    f->ranges[f->nranges++].length = val_u64(rv, rn);
            }
            break;
        }
        case F_REMOTE_SIZE: f->remote_size = x; break;
        case F_VALIDATED: f->validated = (int)x; break;
        case F_HTTP_HEADERS: bad = set_str(&f->http_headers, v, vn); break;
        case F_RANGE_IGNORED: f->range_ignored = (int)x; break;
        default: break;
        }
    }
    if (bad || !f->remote || !f->url || !f->local) {
        bgc__file_free(f);
        return NULL;
    }
    return f;
}

/* Invariant 3: lines the temp file up with the recorded progress. No lock needed (the queue
 * does not run yet). */
static void recover_file(struct bgc_job *job, struct bgc_file *f, size_t index)
{
    char id[39];
    uint64_t size = 0;
    bgc__fh fh;
    int rc, os_error = 0;

    bgc_id_format(&job->id, id);
    if (f->transferred || f->completed || !f->temp)
        return;
    if (job->high_performance || job->dynamic_content || f->od || job->on_demand)
        f->bytes_transferred = 0; /* P2: these restart from byte 0 after an interruption */
    rc = bgc__file_open_existing(f->temp, &fh, &size, &os_error);
    if (rc == 1) {
        if (f->bytes_transferred)
            bgc_log(BGC_LOG_WARN, CH, "job %s file %lu: temp file %s is gone; restarting it", id,
                    (unsigned long)index, f->temp);
        f->bytes_transferred = 0;
        return; /* the engine creates it again under the same name */
    }
    if (rc != BGC_OK) {
        bgc_log(BGC_LOG_WARN, CH, "job %s file %lu: cannot open temp file %s (os error %d)", id,
                (unsigned long)index, f->temp, os_error);
        return; /* the transfer reports the error when it starts */
    }
    if (size < f->bytes_transferred) {
        bgc_log(BGC_LOG_WARN, CH, "job %s file %lu: temp file has %llu bytes, the store %llu; restarting it",
                id, (unsigned long)index, (unsigned long long)size, (unsigned long long)f->bytes_transferred);
        f->bytes_transferred = 0;
    }
    if (size != f->bytes_transferred) {
        if (bgc__file_truncate(fh, f->bytes_transferred, &os_error) != BGC_OK) {
            bgc_log(BGC_LOG_WARN, CH, "job %s file %lu: cannot cut %s back (os error %d); restarting it",
                    id, (unsigned long)index, f->temp, os_error);
            f->bytes_transferred = 0;
            bgc__file_truncate(fh, 0, NULL);
        } else {
            bgc_log(BGC_LOG_INFO, CH, "job %s file %lu: temp file cut from %llu to %llu bytes", id,
                    (unsigned long)index, (unsigned long long)size,
                    (unsigned long long)f->bytes_transferred);
        }
    }
    bgc__file_close(fh);
    if (!f->bytes_transferred) {
        bgc_free(f->validator); /* nothing to resume: a fresh response decides */
        f->validator = NULL;
    }
}

/* Adds a loaded job to the queue in its recovered state (no lock needed yet; taken anyway). */
static void enlist(struct bgc__store *s, struct bgc_job *job, uint64_t seq)
{
    struct bgc_queue *q = s->q;

    switch (job->state) {
    case BGC_STATE_CONNECTING:
    case BGC_STATE_TRANSFERRING:
        if (job->httpopts && job->httpopts->method && strcmp(job->httpopts->method, "GET")) {
            /* P2, L34: an interrupted custom-method transfer cannot resume: ERROR, and
             * Resume restarts it from byte 0 (transfer.c never sends Range for it). */
            memset(&job->error, 0, sizeof(job->error));
            job->error.code = BGC_E_CONNECTION_CLOSED;
            job->error.context = BGC_CTX_GENERAL_TRANSPORT;
            job->error.file_index = (long)bgc__job_next_file(job);
            snprintf(job->error.protocol, sizeof(job->error.protocol), "http");
            snprintf(job->error.message, sizeof(job->error.message),
                     "the service stopped during a transfer with a custom HTTP method (L34)");
            job->has_error = 1;
            job->error_count++;
            job->state = BGC_STATE_ERROR;
            job->pending_events = BGC_EVENT_ERROR;
            job->store_dirty = BGC__STORE_JOB;
            s->gen_marked++; /* written when the store thread starts */
            break;
        }
        job->state = BGC_STATE_QUEUED; /* P1: the transfer continues (not a transition) */
        break;
    case BGC_STATE_TRANSIENT_ERROR:
        job->ter_since_ms = bgc__clock_ms(); /* retry after the job's delay from now */
        break;
    default:
        break;
    }
    if (job->state == BGC_STATE_QUEUED)
        job->queued_seq = ++q->seq;
    if (job->state == BGC_STATE_TRANSFERRED)
        job->pending_events &= BGC_EVENT_TRANSFERRED;
    else if (job->state == BGC_STATE_ERROR)
        job->pending_events &= BGC_EVENT_ERROR;
    else
        job->pending_events = 0;
    if (!q->has_sink)
        job->pending_events = 0;
    if (job->pending_events)
        job->pending_gen++;
    job->files_transferred = 0;
    for (size_t i = 0; i < job->nfiles; i++)
        job->files_transferred += job->files[i]->transferred ? 1 : 0;
    job->store_seq = seq;
    if (seq > s->next_seq)
        s->next_seq = seq;
    bgc__mutex_lock(q->lock);
    job->listed = 1;
    job->prev = q->tail;
    if (q->tail)
        q->tail->next = job;
    else
        q->head = job;
    q->tail = job;
    bgc__mutex_unlock(q->lock);
}

/* Loads every readable job. Returns SQLITE_OK when everything was read, another code when
 * something could not be (the caller then salvages); the jobs read are enlisted either way. */
static int load_all(struct bgc__store *s, size_t *loaded, size_t *skipped)
{
    sqlite3_stmt *jobs = NULL, *files = NULL;
    int rc, step;

    *loaded = *skipped = 0;
    rc = sqlite3_prepare_v2(s->db, "SELECT id, seq, props, secret FROM jobs ORDER BY seq", -1, &jobs, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(s->db, "SELECT idx, props FROM files WHERE job = ? ORDER BY idx", -1,
                                &files, NULL);
    while (rc == SQLITE_OK && (step = sqlite3_step(jobs)) == SQLITE_ROW) {
        struct bgc_id id;
        struct bgc_job *job = NULL;
        int ok = sqlite3_column_bytes(jobs, 0) == (int)sizeof(id.b), frc;

        if (ok) {
            memcpy(id.b, sqlite3_column_blob(jobs, 0), sizeof(id.b));
            job = load_job(s, &id, sqlite3_column_blob(jobs, 2), (size_t)sqlite3_column_bytes(jobs, 2),
                           sqlite3_column_blob(jobs, 3), (size_t)sqlite3_column_bytes(jobs, 3));
        }
        if (!job) {
            ++*skipped;
            bgc_log(BGC_LOG_ERR, CH, "%s: a job record cannot be read; it is skipped", s->path);
            continue;
        }
        sqlite3_bind_blob(files, 1, id.b, sizeof(id.b), SQLITE_STATIC);
        while ((frc = sqlite3_step(files)) == SQLITE_ROW) {
            struct bgc_file *f;
            size_t idx = (size_t)sqlite3_column_int64(files, 0);

            if (idx != job->nfiles) {
                frc = SQLITE_CORRUPT; /* a hole in the file list: the job is damaged */
                break;
            }
            f = load_file(sqlite3_column_blob(files, 1), (size_t)sqlite3_column_bytes(files, 1));
            if (!f) {
                frc = SQLITE_CORRUPT;
                break;
            }
            if (job->nfiles == job->cap_files) {
                size_t cap = job->cap_files ? job->cap_files * 2 : 4;
                struct bgc_file **grown = bgc_realloc(job->files, cap * sizeof(*grown));

                if (!grown) {
                    bgc__file_free(f);
                    frc = SQLITE_CORRUPT;
                    break;
                }
                job->files = grown;
                job->cap_files = cap;
            }
            job->files[job->nfiles++] = f;
        }
        sqlite3_reset(files);
        sqlite3_clear_bindings(files);
        if (frc != SQLITE_DONE) {
            char text[39];

            bgc_id_format(&id, text);
            bgc_log(BGC_LOG_ERR, CH, "%s: the files of job %s cannot be read; the job is skipped", s->path, text);
            bgc_job_unref(job);
            ++*skipped;
            if (frc != SQLITE_CORRUPT && frc != SQLITE_ROW) {
                rc = frc;
                break;
            }
            continue;
        }
        for (size_t i = 0; i < job->nfiles; i++)
            recover_file(job, job->files[i], i);
        enlist(s, job, (uint64_t)sqlite3_column_int64(jobs, 1));
        ++*loaded;
    }
    if (rc == SQLITE_OK && step != SQLITE_DONE)
        rc = step;
    sqlite3_finalize(jobs);
    sqlite3_finalize(files);
    if (rc == SQLITE_OK && *skipped)
        rc = SQLITE_CORRUPT;
    return rc;
}

/* Renames the database (and its WAL) aside: <path>.bad-<unix time>. */
static void move_aside(struct bgc__store *s)
{
    static const char *const suffix[3] = {"", "-wal", "-shm"};
    char stamp[32];

    snprintf(stamp, sizeof(stamp), ".bad-%llu",
             (unsigned long long)((bgc__wallclock() - 116444736000000000ull) / 10000000u));
    for (int i = 0; i < 3; i++) {
        size_t n = strlen(s->path) + strlen(suffix[i]) + strlen(stamp) + 1;
        char *from = bgc_malloc(n), *to = bgc_malloc(n);

        if (from && to) {
            int os_error = 0;

            snprintf(from, n, "%s%s", s->path, suffix[i]);
            snprintf(to, n, "%s%s%s", s->path, stamp, suffix[i]);
            if (bgc__file_size(from, &(uint64_t){0}, NULL) == BGC_OK) {
                if (bgc__file_rename_replace(from, to, &os_error) == BGC_OK)
                    bgc_log(BGC_LOG_ERR, CH, "kept the unreadable job store as %s", to);
                else
                    bgc_log(BGC_LOG_ERR, CH, "cannot move %s aside (os error %d)", from, os_error);
            }
        }
        bgc_free(from);
        bgc_free(to);
    }
}

int bgc__store_open(struct bgc_queue *q)
{
    struct bgc__store *s;
    size_t loaded = 0, skipped = 0;
    int rc;

    if (!q->cfg.store_path || !q->cfg.store_path[0])
        return BGC_OK;
    s = bgc_calloc(1, sizeof(*s));
    if (!s)
        return BGC_E_NOMEM;
    s->q = q;
    s->path = bgc_strdup(q->cfg.store_path);
    s->vfs = q->cfg.store_vfs ? bgc_strdup(q->cfg.store_vfs) : NULL;
    if (!s->path || (q->cfg.store_vfs && !s->vfs) || bgc__cond_new(&s->wake) != BGC_OK ||
        bgc__cond_new(&s->done) != BGC_OK) {
        bgc__cond_free(s->wake);
        bgc__cond_free(s->done);
        bgc_free(s->path);
        bgc_free(s->vfs);
        bgc_free(s);
        return BGC_E_NOMEM;
    }
    rc = db_open(s);
    if (rc == SQLITE_OK)
        rc = db_setup(s);
    if (rc == SQLITE_OK)
        rc = load_all(s, &loaded, &skipped);
    if (rc == SQLITE_BUSY || rc == SQLITE_CANTOPEN || rc == SQLITE_PERM || rc == SQLITE_READONLY ||
        rc == SQLITE_NOMEM) {
        /* Not a damaged file: we may not use it (another server holds it, no access). */
        log_sqlite(s, BGC_LOG_ERR, "cannot open the job store", rc);
        db_close(s);
        for (struct bgc_job *j = q->head, *next; j; j = next) {
            next = j->next;
            j->listed = 0;
            j->prev = j->next = NULL;
            bgc_job_unref(j);
        }
        q->head = q->tail = NULL;
        bgc__cond_free(s->wake);
        bgc__cond_free(s->done);
        bgc_free(s->path);
        bgc_free(s->vfs);
        bgc_free(s);
        return rc == SQLITE_NOMEM ? BGC_E_NOMEM : BGC_E_OS;
    }
    if (rc != SQLITE_OK) {
        /* Invariant 6: keep the damaged file, start a new one with what was read. */
        log_sqlite(s, BGC_LOG_ERR, "the job store is damaged", rc);
        db_close(s);
        move_aside(s);
        rc = db_open(s);
        if (rc == SQLITE_OK)
            rc = db_setup(s);
        if (rc != SQLITE_OK) {
            log_sqlite(s, BGC_LOG_ERR, "cannot create a new job store", rc);
            db_close(s);
            s->broken = 1;
        }
        for (struct bgc_job *j = q->head; j; j = j->next) {
            j->store_dirty |= BGC__STORE_JOB | BGC__STORE_FILES;
            for (size_t i = 0; i < j->nfiles; i++)
                j->files[i]->store_dirty = 1;
        }
        s->gen_marked++; /* the salvaged jobs are written at once */
        bgc_log(BGC_LOG_ERR, CH, "recovered %lu job(s) from the damaged store, %lu lost",
                (unsigned long)loaded, (unsigned long)skipped);
    }
    if (!s->broken && prepare(s) != SQLITE_OK) {
        log_sqlite(s, BGC_LOG_ERR, "cannot prepare the store's statements", rc);
        s->broken = 1;
    }
    q->store = s;
    if (bgc__thread_start(&s->thread, store_main, s) != BGC_OK) {
        bgc_log(BGC_LOG_ERR, CH, "cannot start the store thread; jobs live in memory only");
        s->broken = 1;
        s->exited = 1;
    }
    bgc_log(BGC_LOG_INFO, CH, "job store %s: %lu job(s) loaded%s", s->path, (unsigned long)loaded,
            s->broken ? " (NOT durable: see the errors above)" : "");
    return BGC_OK;
}

void bgc__store_close(struct bgc_queue *q)
{
    struct bgc__store *s = q->store;

    if (!s)
        return;
    bgc__mutex_lock(q->lock);
    s->stopping = 1;
    bgc__cond_signal(s->wake);
    bgc__mutex_unlock(q->lock);
    bgc__thread_join(s->thread); /* it writes what is left first */
    s->thread = NULL;
    if (s->db) {
        db_close(s);
        bgc_log(BGC_LOG_INFO, CH, "job store %s closed", s->path);
    }
    bgc__mutex_lock(q->lock);
    q->store = NULL;
    bgc__mutex_unlock(q->lock);
    bgc__cond_free(s->wake);
    bgc__cond_free(s->done);
    bgc_free(s->deleted);
    bgc_free(s->path);
    bgc_free(s->vfs);
    bgc_free(s);
}

int bgc__store_durable(struct bgc_queue *q)
{
    int durable;

    bgc__mutex_lock(q->lock);
    durable = q->store && !q->store->broken;
    bgc__mutex_unlock(q->lock);
    return durable;
}
