/*
 * transfer.c - one file's transfer: its temp file, its libcurl easy handle, the write and
 * header callbacks, and the classification of its result (R1, R3, R4). Used by the engine
 * thread only.
 *
 * Invariants:
 *  1. The temp file is created exclusively, without following links, in the destination
 *     directory as BIT<12 hex>.tmp the first time the file's transfer starts; the name is
 *     then kept (GetTemporaryName) and the file reopened on later starts (X13, F4).
 *  2. A later start resumes from the temp file's size (its durable length) with a range
 *     request. HTTP: "Range: bytes=N-" plus "If-Range:" with the strong ETag (else the
 *     Last-Modified date) of the response that delivered byte 0, so a changed remote file
 *     comes back whole (200) and the temp file is truncated before its first byte is written
 *     (F12, P2); a 206 whose Content-Range does not start at N or whose total differs from
 *     the known size also restarts the file, as does a 416. ftp/file: libcurl's resume, and
 *     CURLE_RANGE_ERROR and kin restart the file. Every restart is logged WARN.
 *  3. Received data is gathered in a 1 MiB buffer and written when it is full and after every
 *     curl_multi_perform (bgc__xfer_flush, called by the engine), so a fast transfer makes one
 *     write per buffer and a slow one reports its progress at once. After each write, one lock
 *     to count the bytes; no lock is held during I/O. Counters never run ahead of the file,
 *     and buffered data is flushed before any outcome is decided or the xfer is freed.
 *  4. An HTTP response outside 2xx is never written to the temp file; its status is recorded
 *     (BGC_E_HTTP_STATUS, http_status) and classified by the R4 table.
 *  5. bytes_total is set when the response headers are in (the Content-Range total of a 206,
 *     else Content-Length plus the resume offset), BGC_SIZE_UNKNOWN only when the server does
 *     not say; engine.c sets total = transferred once the transfer succeeded.
 *  6. libcurl gets: CURLOPT_NOSIGNAL, redirects (at most 10, to http/https only), protocols
 *     http/https/ftp/file, a 512 KiB receive buffer, TCP_NODELAY, and a stall timeout from the
 *     configuration (no byte for stall_timeout_s seconds fails the transfer).
 *  7. A transfer whose job stops being runnable is aborted from the write callback at its next
 *     flush (its data so far is kept and counted); this makes long file:// copies, which
 *     libcurl performs in one blocking step, stop promptly on Suspend/Cancel/Complete.
 *  8. (files area) A ranged file (ranges.c) is fetched one range per request, the temp file
 *     holding the ranges back to back; an on-demand file (ondemand.c) one planned range per
 *     request, written at its own offset. Neither ever restarts by itself: a 200 to their
 *     Range request is BGC_E_REMOTE_FILE_CHANGED (validator differs) or
 *     BGC_E_INSUFFICIENT_RANGE_SUPPORT, both fatal. Dynamic-content jobs never send Range and
 *     start each transfer at byte 0. Each xfer works on its own copy of the file's URL (F13).
 */
#include "bgc.h"
#include "jobs_int.h"

#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define LOCK(q) bgc__mutex_lock((q)->lock)
#define UNLOCK(q) bgc__queue_unlock(q)

#define RECV_BUFFER_BYTES (512 * 1024)
#define WRITE_BUFFER_BYTES (1024 * 1024)
#define MAX_REDIRECTS 10L
#define TEMP_NAME_TRIES 16

struct bgc__xfer {
    struct bgc_job *job;       /* engine: a reference, dropped by the engine after free */
    size_t index;              /* engine: file index in the job */
    uint64_t rate_limit;       /* engine: receive limit in bytes/s, 0 = none (conditions area, S4) */
    uint64_t rate_since_ms;    /* engine: start of the rate budget, 0 = not started */
    uint64_t rate_bytes;       /* engine: bytes accepted since rate_since_ms */
    int rate_paused;           /* engine: on_data refused data with CURL_WRITEFUNC_PAUSE */
    struct bgc_file *file;     /* engine: the file (file objects never move or go away) */
    struct bgc__xfer *next;    /* engine: the engine's list of attached transfers */
    CURL *easy;                /* engine: NULL until bgc__xfer_open */
    bgc__fh fh;                /* engine: the open temp file */
    const char *url;           /* engine: the file's libcurl URL (immutable string) */
    const char *remote;        /* engine: the remote name as given (immutable string) */
    const char *local;         /* engine: destination path (immutable string) */
    int had_temp;              /* engine: the file had a temp name when the xfer was made */
    int is_http;               /* engine: http or https URL */
    uint64_t resume_from;      /* engine: offset requested from the server */
    uint64_t written;          /* engine: bytes in the temp file */
    unsigned char *buf;        /* engine: received data not yet written (invariant 3) */
    size_t buffered;           /* engine: bytes in buf */
    int headers_done;          /* engine: the final response's headers were handled */
    int http_refused;          /* engine: write callback refused a non-2xx body */
    int local_error;           /* engine: BGC_E_LOCAL_FILE when a write failed */
    int local_os_error;        /* engine: its OS error */
    int aborted;               /* engine: stopped because the job may not run (inv. 7) */
    int restart_needed;        /* engine: a 206 did not fit what we have (invariant 2) */
    uint64_t known_total;      /* engine: the file's bytes_total when the xfer started */
    char *validator;           /* engine: copy of file->validator for If-Range, or NULL */
    struct curl_slist *headers; /* engine: extra request headers (If-Range) */
    /* The response being received (reset at each status line, so redirects don't count): */
    char etag[160];            /* engine: its strong ETag, "" if none */
    char last_modified[64];    /* engine: its Last-Modified, "" if none */
    int has_range;             /* engine: it had a parsable Content-Range */
    uint64_t range_start;      /* engine: Content-Range first byte */
    uint64_t range_total;      /* engine: Content-Range total, BGC_SIZE_UNKNOWN for "*" */
    char errbuf[CURL_ERROR_SIZE]; /* engine: libcurl's detail text */
    /* files area (issue 3): own copies of the names (F13), ranges (F10, F11), headers */
    char *url_copy;            /* engine: owned copy behind url */
    char *remote_copy;         /* engine: owned copy behind remote */
    const struct bgc_range *ranges; /* engine: the file's ranges (immutable), or NULL */
    size_t nranges;            /* engine: their number */
    uint64_t remote_size;      /* engine: the file's remote_size when the xfer started */
    struct bgc__range_pos pos; /* engine: the range this request fetches */
    int range_fail;            /* engine: BGC_E_* a range response was refused with, or 0 */
    uint64_t range_end;        /* engine: Content-Range last byte */
    char *hdr;                 /* engine: header block of the response being received */
    size_t hdr_len;            /* engine: its length */
    int dynamic;               /* engine: DYNAMIC_CONTENT job (content.c): no Range, size unknown */
    int high_perf;             /* engine: HIGH_PERFORMANCE job: the local file is the "temp" */
    int cap_hit;               /* engine: MAX_DOWNLOAD_SIZE exceeded; the transfer must end */
    int od;                    /* engine: on-demand file (ondemand.c): data at remote offsets */
    int od_none;               /* engine: nothing missing: a HEAD ends it */
    uint64_t od_from, od_to;   /* engine: the remote bytes requested (to: UNKNOWN = the end) */
    uint64_t od_counted;       /* engine: bytes of this request reported to ondemand.c */
    struct bgc__httpx *httpx;  /* engine: httpopts area: redirect policy state, or NULL */
};

struct bgc__xfer *bgc__xfer_new(struct bgc_job *job, size_t index)
{
    struct bgc__xfer *x = bgc_calloc(1, sizeof(*x));
    struct bgc_file *f = job->files[index];

    if (!x)
        return NULL;
    x->job = bgc_job_ref(job);
    x->index = index;
    x->file = f;
    x->fh = BGC__FH_INVALID;
    x->url = x->url_copy = bgc_strdup(f->url); /* files area: F13 may replace f->url */
    x->remote = x->remote_copy = bgc_strdup(f->remote);
    x->local = f->local;
    x->ranges = f->ranges;
    x->nranges = f->nranges;
    x->remote_size = f->remote_size;
    x->dynamic = job->dynamic_content;
    x->high_perf = job->high_performance;
    if (job->on_demand && !strcmp(bgc__url_protocol(f->url), "http")) { /* files area: ondemand.c */
        x->od = 1;
        x->od_none = !bgc__od_plan(f, &x->od_from, &x->od_to);
    }
    if (!x->url_copy || !x->remote_copy) {
        bgc_free(x->url_copy);
        bgc_free(x->remote_copy);
        bgc_job_unref(x->job); /* not the last reference: the caller holds one */
        bgc_free(x);
        return NULL;
    }
    x->had_temp = f->temp != NULL;
    x->is_http = !strcmp(bgc__url_protocol(f->url), "http");
    x->known_total = f->bytes_total;
    x->validator = f->validator ? bgc_strdup(f->validator) : NULL; /* OOM: no If-Range */
    return x;
}

void *bgc__xfer_easy(struct bgc__xfer *x)
{
    return x->easy;
}

struct bgc_job *bgc__xfer_job(struct bgc__xfer *x)
{
    return x->job;
}

size_t bgc__xfer_index(struct bgc__xfer *x)
{
    return x->index;
}

struct bgc__xfer *bgc__xfer_next(struct bgc__xfer *x)
{
    return x->next;
}

void bgc__xfer_set_next(struct bgc__xfer *x, struct bgc__xfer *next)
{
    x->next = next;
}

uint64_t bgc__xfer_set_rate(struct bgc__xfer *x, uint64_t bps)
{
    uint64_t now, due;

    if (!x->easy)
        return UINT64_MAX;
    if (x->rate_limit != bps) {
        bgc_log(BGC_LOG_INFO, BGC__CH_XFER, "%s: receive rate limit %llu B/s%s", x->remote,
                (unsigned long long)bps, bps ? "" : " (none)");
        x->rate_limit = bps;
        x->rate_since_ms = 0; /* a new budget from the next byte on */
    }
    if (!x->rate_paused)
        return UINT64_MAX;
    now = bgc__clock_ms();
    /* The data libcurl holds was refused at the budget; resume once the budget covers the
     * bytes so far plus a slice (or at once when the limit went away). */
    due = bps ? x->rate_since_ms + (x->rate_bytes + bps / 8u) * 1000u / bps : now;
    if (now < due)
        return due - now;
    x->rate_paused = 0;
    curl_easy_pause(x->easy, CURLPAUSE_CONT); /* may call on_data at once (and pause again) */
    return x->rate_paused ? 50 : UINT64_MAX;
}

struct bgc_job *bgc__xfer_free(struct bgc__xfer *x)
{
    struct bgc_job *job = x->job;

    if (bgc__xfer_flush(x) != BGC_OK)
        bgc_log(BGC_LOG_WARN, BGC__CH_XFER, "%s: last %lu bytes could not be written (OS error %d)",
                x->remote, (unsigned long)x->buffered, x->local_os_error);
    bgc_free(x->buf);
    bgc_free(x->validator);
    bgc_free(x->url_copy);
    bgc_free(x->remote_copy);
    bgc_free(x->hdr);
    bgc__file_close(x->fh);
    if (x->easy)
        curl_easy_cleanup(x->easy);
    curl_slist_free_all(x->headers);
    bgc__httpx_free(x->httpx); /* httpopts area; after the handle, whose callback used it */
    bgc_free(x);
    return job;
}

/* Formats err->message; long texts are cut (the message is for people and logs). */
static void set_message(struct bgc_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void set_message(struct bgc_error *err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
}

static void local_error(struct bgc_error *err, size_t index, int os_error, const char *what,
                        const char *path)
{
    memset(err, 0, sizeof(*err));
    err->code = BGC_E_LOCAL_FILE;
    err->context = BGC_CTX_LOCAL_FILE;
    err->os_error = os_error;
    err->file_index = (long)index;
    set_message(err, "%s %s: OS error %d", what, path, os_error);
}

/* Creates a new temp file next to the destination (invariant 1). */
static int create_temp(struct bgc__xfer *x, char **path, struct bgc_error *err)
{
    static const char hex[] = "0123456789abcdef";
    char *dir = bgc__path_dir(x->local);
    int rc = BGC_E_NOMEM, os_error = 0;

    *path = NULL;
    if (x->high_perf) { /* files area: HIGH_PERFORMANCE writes the local file itself */
        bgc_free(dir);
        *path = bgc_strdup(x->local);
        if (!*path) {
            local_error(err, x->index, 0, "out of memory for", x->local);
            return BGC_E_LOCAL_FILE;
        }
        rc = bgc__file_create_excl(*path, &x->fh, &os_error);
        if (rc == 1) {
            uint64_t size = 0;

            rc = bgc__file_open_existing(*path, &x->fh, &size, &os_error);
            if (rc == BGC_OK && bgc__file_truncate(x->fh, 0, &os_error) != BGC_OK) {
                bgc__file_close(x->fh);
                x->fh = BGC__FH_INVALID;
                rc = BGC_E_LOCAL_FILE;
            }
        }
        if (rc != BGC_OK) {
            bgc_free(*path);
            *path = NULL;
            local_error(err, x->index, os_error, "cannot open", x->local);
            return BGC_E_LOCAL_FILE;
        }
        return BGC_OK;
    }
    for (int tries = 0; dir && tries < TEMP_NAME_TRIES; tries++) {
        unsigned char rnd[6];
        char name[3 + 2 * sizeof(rnd) + 4 + 1] = "BIT";

        rc = bgc__random_bytes(rnd, sizeof(rnd));
        if (rc != BGC_OK)
            break;
        for (size_t i = 0; i < sizeof(rnd); i++) {
            name[3 + 2 * i] = hex[rnd[i] >> 4];
            name[4 + 2 * i] = hex[rnd[i] & 15];
        }
        memcpy(name + 3 + 2 * sizeof(rnd), ".tmp", 5);
        *path = bgc__path_join(dir, name);
        if (!*path) {
            rc = BGC_E_NOMEM;
            break;
        }
        rc = bgc__file_create_excl(*path, &x->fh, &os_error);
        if (rc != 1)
            break;
        bgc_free(*path); /* the name is taken: try another */
        *path = NULL;
    }
    bgc_free(dir);
    if (rc != BGC_OK) {
        bgc_free(*path);
        *path = NULL;
        local_error(err, x->index, os_error, "cannot create a temporary file for", x->local);
        return BGC_E_LOCAL_FILE;
    }
    return BGC_OK;
}

/* Opens the temp file: reopens the kept one (resume) or creates it (invariants 1, 2). */
static int open_temp(struct bgc__xfer *x, struct bgc_error *err)
{
    struct bgc_queue *q = x->job->q;
    uint64_t size = 0;
    char *path = NULL;
    int rc, os_error = 0;

    if (!x->had_temp) {
        rc = create_temp(x, &path, err);
        if (rc != BGC_OK)
            return rc;
        LOCK(q);
        x->file->temp = path; /* set once; the engine is the only writer (jobs_int.h) */
        x->file->bytes_transferred = 0;
        bgc__store_mark_file(x->job, x->index, 1); /* store area: no orphaned temp file */
        UNLOCK(q);
        x->resume_from = 0;
        return BGC_OK;
    }
    rc = bgc__file_open_existing(x->file->temp, &x->fh, &size, &os_error);
    if (rc == 1) /* someone removed it: start over under the same name */
        rc = bgc__file_create_excl(x->file->temp, &x->fh, &os_error);
    if (rc != BGC_OK) {
        local_error(err, x->index, os_error, "cannot reopen", x->file->temp);
        return BGC_E_LOCAL_FILE;
    }
    if (x->dynamic && size) { /* files area: dynamic content restarts from byte 0 (F16) */
        bgc_log(BGC_LOG_INFO, BGC__CH_XFER, "%s: dynamic content: starting over", x->remote);
        if (bgc__file_truncate(x->fh, 0, &os_error) != BGC_OK) {
            local_error(err, x->index, os_error, "cannot truncate", x->file->temp);
            return BGC_E_LOCAL_FILE;
        }
        size = 0;
    }
    LOCK(q);
    x->file->bytes_transferred = size;
    UNLOCK(q);
    x->resume_from = size;
    return BGC_OK;
}

/* Truncates the temp file for a fresh start at byte 0 (invariant 2). Engine, no lock. */
static int truncate_temp(struct bgc__xfer *x)
{
    struct bgc_queue *q = x->job->q;

    x->buffered = 0;
    if (bgc__file_truncate(x->fh, 0, &x->local_os_error) != BGC_OK) {
        x->local_error = BGC_E_LOCAL_FILE;
        return x->local_error;
    }
    x->written = 0;
    x->resume_from = 0;
    LOCK(q);
    x->file->bytes_transferred = 0;
    UNLOCK(q);
    return BGC_OK;
}

/* Keeps the validator of a response that delivers the file from byte 0 (invariant 2). */
static void keep_validator(struct bgc__xfer *x)
{
    const char *v = x->etag[0] ? x->etag : x->last_modified;
    char *copy = v[0] ? bgc_strdup(v) : NULL, *old;

    LOCK(x->job->q);
    old = x->file->validator;
    x->file->validator = copy; /* NULL (none, or out of memory): resume without If-Range */
    UNLOCK(x->job->q);
    bgc_free(old);
}

/* The final response's headers are in (or the first data arrived): check that a partial
 * response fits the temp file, restart on a whole one, record the size and move the job to
 * TRANSFERRING (invariants 2 and 5, L7). Returns BGC_OK, or an error to abort the transfer
 * (restart_needed or local_error tells which). */
/* files area: the final response to a range request of a ranged file (F10, F11, F12).
 * Returns BGC_OK or an error with x->range_fail set (the transfer is aborted). */
static int ranged_headers_done(struct bgc__xfer *x, long status)
{
    struct bgc_job *job = x->job;
    uint64_t size = x->remote_size, total;

    if (x->pos.index == x->nranges)
        return BGC_OK; /* a HEAD for a file whose bytes are all there (xfer_open) */
    if (status == 206) {
        if (!x->has_range || x->range_start != x->pos.from ||
            (x->pos.to != BGC_SIZE_UNKNOWN && x->range_end > x->pos.to)) {
            x->range_fail = BGC_E_INVALID_SERVER_RESPONSE; /* merged or moved ranges (F11) */
        } else if (x->range_total != BGC_SIZE_UNKNOWN && size != BGC_SIZE_UNKNOWN &&
                   x->range_total != size) {
            x->range_fail = BGC_E_REMOTE_FILE_CHANGED; /* same validator, other size (F12) */
        } else {
            if (x->range_total != BGC_SIZE_UNKNOWN)
                size = x->range_total;
            if (x->pos.to != BGC_SIZE_UNKNOWN && x->range_end < x->pos.to)
                x->range_fail = BGC_E_INVALID_RANGE; /* the range runs past the end (F11) */
        }
    } else if (x->pos.from == 0 && x->pos.to == BGC_SIZE_UNKNOWN) {
        curl_off_t length = -1;

        /* (0, to EOF) answered whole: exactly what was asked for. */
        curl_easy_getinfo(x->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
        if (length >= 0)
            size = (uint64_t)length;
    } else {
        const char *v = x->etag[0] ? x->etag : x->last_modified;

        /* A 200 to a range request: If-Range found another version (F12), or the server
         * ignores Range (F11, F15). Ranged data cannot restart by itself either way. */
        x->range_fail = (x->validator && v[0] && strcmp(v, x->validator)) ? BGC_E_REMOTE_FILE_CHANGED
                                                                           : BGC_E_INSUFFICIENT_RANGE_SUPPORT;
    }
    if (x->range_fail) {
        if (x->range_fail == BGC_E_REMOTE_FILE_CHANGED) {
            char *old;

            truncate_temp(x); /* progress back to 0; Resume fetches the ranges anew */
            LOCK(job->q);
            old = x->file->validator;
            x->file->validator = NULL;
            x->file->remote_size = BGC_SIZE_UNKNOWN;
            UNLOCK(job->q);
            bgc_free(old);
        }
        return x->range_fail;
    }
    if (bgc__ranges_position(x->ranges, x->nranges, size, x->written, &x->pos) != BGC_OK) {
        x->range_fail = BGC_E_INVALID_RANGE; /* another range lies past the end (F11) */
        return x->range_fail;
    }
    if (!x->validator)
        keep_validator(x);
    x->remote_size = size;
    total = bgc__ranges_total(x->ranges, x->nranges, size);
    LOCK(job->q);
    x->file->remote_size = size;
    x->file->bytes_total = total; /* F10: the requested bytes only */
    x->cap_hit = bgc__content_over_cap(job); /* MAX_DOWNLOAD_SIZE */
    if (x->cap_hit) {
        UNLOCK(job->q);
        return BGC_E_MAX_DOWNLOAD_SIZE_REACHED;
    }
    if (job->state == BGC_STATE_CONNECTING && bgc__job_runnable(job))
        bgc__job_set_state(job, BGC_STATE_CONNECTING, BGC_STATE_TRANSFERRING);
    else
        bgc__job_touch(job);
    UNLOCK(job->q);
    return BGC_OK;
}

/* files area: the final response to an on-demand request (ondemand.c). Returns BGC_OK or an
 * error with x->range_fail set. */
static int od_headers_done(struct bgc__xfer *x, long status)
{
    struct bgc_job *job = x->job;
    uint64_t size = BGC_SIZE_UNKNOWN;
    const char *v = x->etag[0] ? x->etag : x->last_modified;
    int changed = x->validator && v[0] && strcmp(v, x->validator);

    if (x->od_none)
        return BGC_OK;
    if (status == 206) {
        if (!x->has_range || x->range_start != x->od_from ||
            (x->od_to != BGC_SIZE_UNKNOWN && x->range_end > x->od_to))
            x->range_fail = BGC_E_INVALID_SERVER_RESPONSE;
        size = x->range_total;
    } else if (x->od_from == 0 && !changed) {
        curl_off_t length = -1; /* the whole file from 0: the image is the file */

        curl_easy_getinfo(x->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
        if (length >= 0)
            size = (uint64_t)length;
    } else {
        x->range_fail = changed ? BGC_E_REMOTE_FILE_CHANGED : BGC_E_INSUFFICIENT_RANGE_SUPPORT;
    }
    if (changed && !x->range_fail)
        x->range_fail = BGC_E_REMOTE_FILE_CHANGED; /* If-Range is ignored by this server */
    LOCK(job->q);
    if (!x->range_fail && size != BGC_SIZE_UNKNOWN) {
        if (x->file->od && x->remote_size != BGC_SIZE_UNKNOWN && x->remote_size != size)
            x->range_fail = BGC_E_REMOTE_FILE_CHANGED;
        else if (bgc__od_size_known(x->file, size) != BGC_OK)
            x->range_fail = BGC_E_INVALID_RANGE; /* a request lies past the end (2.7) */
        else
            x->remote_size = x->file->remote_size = size;
    }
    if (x->range_fail == BGC_E_REMOTE_FILE_CHANGED) {
        char *old = x->file->validator;

        x->file->validator = NULL;
        x->file->remote_size = BGC_SIZE_UNKNOWN;
        bgc__od_reset(x->file);
        UNLOCK(job->q);
        bgc_free(old);
        if (bgc__file_truncate(x->fh, 0, &x->local_os_error) != BGC_OK)
            x->local_error = BGC_E_LOCAL_FILE;
        return x->range_fail;
    }
    if (!x->range_fail && job->state == BGC_STATE_CONNECTING && bgc__job_runnable(job))
        bgc__job_set_state(job, BGC_STATE_CONNECTING, BGC_STATE_TRANSFERRING);
    UNLOCK(job->q);
    if (!x->range_fail && !x->validator)
        keep_validator(x);
    return x->range_fail;
}

static int headers_done(struct bgc__xfer *x, long status)
{
    struct bgc_job *job = x->job;
    curl_off_t length = -1;
    uint64_t total;

    x->headers_done = 1;
    if (x->nranges)
        return ranged_headers_done(x, status); /* files area */
    if (x->od)
        return od_headers_done(x, status); /* files area */
    if (x->is_http && status == 206) {
        if (!x->has_range || x->range_start != x->resume_from ||
            (x->range_total != BGC_SIZE_UNKNOWN && x->known_total != BGC_SIZE_UNKNOWN &&
             x->range_total != x->known_total)) {
            x->restart_needed = 1;
            return BGC_E_INVALID_SERVER_RESPONSE;
        }
        if (x->range_start == 0)
            keep_validator(x);
    } else if (x->is_http && status == 200) {
        if (x->resume_from) {
            const char *v = x->etag[0] ? x->etag : x->last_modified;

            bgc_log(BGC_LOG_WARN, BGC__CH_XFER,
                    "%s: resume at %llu answered with the whole file; starting over", x->remote,
                    (unsigned long long)x->resume_from);
            if (!(x->validator && v[0] && strcmp(v, x->validator))) { /* dispatch area */
                LOCK(job->q);
                x->file->range_ignored = 1; /* same version: the server ignores Range */
                UNLOCK(job->q);
            }
            if (truncate_temp(x) != BGC_OK)
                return x->local_error;
        }
        keep_validator(x);
    }
    curl_easy_getinfo(x->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
    /* Content-Length counts what this response carries: the rest of the file for a 206 (or
     * an ftp/file resume), the whole file for a 200. */
    if (x->is_http && status == 206 && x->range_total != BGC_SIZE_UNKNOWN)
        total = x->range_total;
    else
        total = length >= 0 ? x->resume_from + (uint64_t)length : BGC_SIZE_UNKNOWN;
    if (x->dynamic)
        total = BGC_SIZE_UNKNOWN; /* files area: F16, dynamic BytesTotal stays unknown */
    LOCK(job->q);
    x->file->bytes_total = total;
    x->cap_hit = bgc__content_over_cap(job); /* files area: MAX_DOWNLOAD_SIZE */
    if (x->cap_hit) {
        UNLOCK(job->q);
        return BGC_E_MAX_DOWNLOAD_SIZE_REACHED;
    }
    if (job->state == BGC_STATE_CONNECTING && bgc__job_runnable(job))
        bgc__job_set_state(job, BGC_STATE_CONNECTING, BGC_STATE_TRANSFERRING);
    else
        bgc__job_touch(job);
    UNLOCK(job->q);
    return BGC_OK;
}

/* Copies a header's value (after "Name:"), trimmed, into out; "" when it does not fit. */
static void header_value(const char *v, size_t n, char *out, size_t size)
{
    while (n && (*v == ' ' || *v == '\t')) {
        v++;
        n--;
    }
    while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    if (n >= size)
        n = 0;
    memcpy(out, v, n);
    out[n] = '\0';
}

/* Non-zero when the header line starts with `name` (case-insensitive) followed by ':'. */
static int header_is(const char *buf, size_t n, const char *name)
{
    size_t len = strlen(name);

    if (n <= len || buf[len] != ':')
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = buf[i];

        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != name[i])
            return 0;
    }
    return 1;
}

/* Parses "bytes START-END/TOTAL" (TOTAL may be "*"). */
static void parse_content_range(struct bgc__xfer *x, const char *v)
{
    unsigned long long start, end, total;
    char star;

    x->has_range = 0;
    if (sscanf(v, "bytes %llu-%llu/%llu", &start, &end, &total) == 3) {
        x->range_total = total;
    } else if (sscanf(v, "bytes %llu-%llu/%c", &start, &end, &star) == 3 && star == '*') {
        x->range_total = BGC_SIZE_UNKNOWN;
    } else {
        return;
    }
    x->has_range = end >= start;
    x->range_start = start;
    x->range_end = end; /* files area */
}

static long response_code(struct bgc__xfer *x)
{
    long code = 0;

    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
    return code;
}

#define MAX_HEADER_BLOCK (64 * 1024)

/* files area (File5 HTTP_RESPONSE_HEADERS): collects the header block of the response being
 * received; at its empty line the block becomes the file's "last response headers". */
static void capture_header(struct bgc__xfer *x, const char *buf, size_t n)
{
    char *grown, *old;

    if (n >= 5 && !memcmp(buf, "HTTP/", 5))
        x->hdr_len = 0;
    if (x->hdr_len + n + 1 > MAX_HEADER_BLOCK)
        return; /* an absurdly long block is cut, never the transfer */
    grown = bgc_realloc(x->hdr, x->hdr_len + n + 1);
    if (!grown)
        return; /* out of memory: the headers are informational */
    x->hdr = grown;
    memcpy(x->hdr + x->hdr_len, buf, n);
    x->hdr_len += n;
    x->hdr[x->hdr_len] = '\0';
    if (n <= 2 && (buf[0] == '\r' || buf[0] == '\n')) {
        char *copy = bgc_strdup(x->hdr);

        if (!copy)
            return;
        LOCK(x->job->q);
        old = x->file->http_headers;
        x->file->http_headers = copy;
        UNLOCK(x->job->q);
        bgc_free(old);
    }
}

static size_t on_header(char *buf, size_t size, size_t nitems, void *p)
{
    struct bgc__xfer *x = p;
    size_t n = size * nitems;
    char value[200];

    if (!x->is_http || x->headers_done)
        return n;
    capture_header(x, buf, n);
    if (n >= 5 && !memcmp(buf, "HTTP/", 5)) { /* a new response (redirects, 1xx, final) */
        x->etag[0] = x->last_modified[0] = '\0';
        x->has_range = 0;
        x->range_total = BGC_SIZE_UNKNOWN;
    } else if (n <= 2 && (buf[0] == '\r' || buf[0] == '\n')) {
        /* An empty line ends a header block; only a 2xx block is the final response (1xx
         * and followed redirects come before it, errors are handled at the end). */
        long code = response_code(x);

        if (code >= 200 && code < 300 && headers_done(x, code) != BGC_OK)
            return 0; /* aborts the transfer (CURLE_WRITE_ERROR); the flags say why */
    } else if (header_is(buf, n, "etag")) {
        header_value(buf + 5, n - 5, value, sizeof(value));
        /* If-Range needs a strong validator: a weak ETag ("W/...") is not kept. */
        if (value[0] == '"' && strlen(value) < sizeof(x->etag))
            memcpy(x->etag, value, strlen(value) + 1);
    } else if (header_is(buf, n, "last-modified")) {
        header_value(buf + 14, n - 14, x->last_modified, sizeof(x->last_modified));
    } else if (header_is(buf, n, "content-range")) {
        header_value(buf + 14, n - 14, value, sizeof(value));
        parse_content_range(x, value);
    }
    return n;
}

/* Counts what is in the temp file (x->written) as transferred: one lock per write
 * (invariant 3). Marks the transfer aborted when its job may no longer run (invariant 7). */
static void count_written(struct bgc__xfer *x)
{
    struct bgc_job *job = x->job;
    int runnable;

    LOCK(job->q);
    if (x->od) { /* files area: the image's filled ranges, not its length */
        if (bgc__od_filled(job, x->file, x->od_from + x->od_counted, x->written - x->od_counted))
            x->aborted = 1; /* a new request or position: stop and replan (ondemand.c inv. 3) */
        x->od_counted = x->written;
    } else {
        x->file->bytes_transferred = x->written;
    }
    job->t_modification = bgc__wallclock();
    job->active_ms = bgc__clock_ms(); /* inactivity area: L24, bytes moved */
    job->no_progress_armed = 0; /* R6: transferred bytes reset the no-progress timer */
    bgc__notify_modified(job);
    bgc__store_mark_file(job, x->index, 0); /* store area: a checkpoint (store.c inv. 2) */
    runnable = bgc__job_runnable(job);
    if (bgc__content_over_cap(job))
        x->cap_hit = 1; /* files area: MAX_DOWNLOAD_SIZE; on_data stops the transfer */
    UNLOCK(job->q);
    if (!runnable)
        x->aborted = 1; /* the next write callback stops the transfer */
}

int bgc__xfer_flush(struct bgc__xfer *x)
{
    if (x->local_error)
        return x->local_error;
    if (!x->buffered)
        return BGC_OK;
    if (bgc__file_write(x->fh, x->buf, x->buffered, &x->local_os_error) != BGC_OK) {
        x->local_error = BGC_E_LOCAL_FILE;
        return x->local_error;
    }
    x->written += x->buffered;
    x->buffered = 0;
    count_written(x);
    return BGC_OK;
}

static size_t on_data(char *data, size_t size, size_t nmemb, void *p)
{
    struct bgc__xfer *x = p;
    size_t n = size * nmemb;

    if (!x->headers_done) {
        long code = x->is_http ? response_code(x) : 0;

        if (x->is_http && (code < 200 || code >= 300)) {
            x->http_refused = 1; /* invariant 4: no error page in the temp file */
            return 0;
        }
        if (headers_done(x, code) != BGC_OK)
            return 0;
    }
    if (x->local_error || x->aborted || x->cap_hit)
        return 0;
    if (x->rate_limit) { /* conditions area, S4: pause when ahead of the allowed rate */
        uint64_t now = bgc__clock_ms(), allowed;

        if (!x->rate_since_ms) {
            x->rate_since_ms = now;
            x->rate_bytes = 0;
        }
        allowed = x->rate_limit * (now - x->rate_since_ms) / 1000u + x->rate_limit / 8u;
        if (x->rate_bytes && x->rate_bytes + n > allowed) {
            x->rate_paused = 1;
            return CURL_WRITEFUNC_PAUSE; /* libcurl keeps the data; the engine resumes us */
        }
        x->rate_bytes += n;
    }
    if (x->buffered + n > WRITE_BUFFER_BYTES) {
        if (bgc__xfer_flush(x) != BGC_OK || x->aborted)
            return 0;
    }
    if (n > WRITE_BUFFER_BYTES) { /* larger than the buffer: write it through */
        if (bgc__file_write(x->fh, data, n, &x->local_os_error) != BGC_OK) {
            x->local_error = BGC_E_LOCAL_FILE;
            return 0;
        }
        x->written += n;
        count_written(x);
        return x->aborted ? 0 : n;
    }
    memcpy(x->buf + x->buffered, data, n);
    x->buffered += n;
    return n;
}

/* Asks for bytes [from, to] (to = BGC_SIZE_UNKNOWN: to the end) of an HTTP resource, with
 * If-Range once a validator is known, so that a changed resource is answered with 200 (the
 * whole new version) instead of a range of it: data of two versions are never mixed (F12).
 * Without memory for the header the range goes out without If-Range (a 206 is still checked
 * against the expected offset and total). */
static void request_range(struct bgc__xfer *x, uint64_t from, uint64_t to)
{
    char range[48];

    if (to == BGC_SIZE_UNKNOWN)
        snprintf(range, sizeof(range), "%llu-", (unsigned long long)from);
    else
        snprintf(range, sizeof(range), "%llu-%llu", (unsigned long long)from, (unsigned long long)to);
    curl_easy_setopt(x->easy, CURLOPT_RANGE, range); /* libcurl copies option strings */
    bgc_log(BGC_LOG_INFO, BGC__CH_XFER, "%s: requesting bytes %s%s", x->remote, range,
            x->validator ? " (If-Range)" : "");
    if (x->validator) {
        char *if_range = bgc_malloc(strlen(x->validator) + 11);

        if (if_range) {
            memcpy(if_range, "If-Range: ", 10);
            memcpy(if_range + 10, x->validator, strlen(x->validator) + 1);
            x->headers = curl_slist_append(NULL, if_range);
            bgc_free(if_range);
            if (x->headers)
                curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->headers);
        }
    }
}

/* files area: asks for the rest of the range the temp file's length points at (ranges.c
 * invariant 1), with If-Range once a validator is known so that data of two versions are
 * never mixed (F12). One request per range: simple, and any server that honours one Range
 * serves it (no multipart parsing, no merged ranges). */
static void set_ranged_request(struct bgc__xfer *x)
{
    if (bgc__ranges_position(x->ranges, x->nranges, x->remote_size, x->resume_from, &x->pos) != BGC_OK ||
        x->pos.index == x->nranges) {
        /* Every byte is there (an interruption right at the end): a HEAD finishes it. */
        x->pos.index = x->nranges;
        curl_easy_setopt(x->easy, CURLOPT_NOBODY, 1L);
        return;
    }
    request_range(x, x->pos.from, x->pos.to);
}

/* files area: positions the image at the requested offset and asks for that range. */
static void set_od_request(struct bgc__xfer *x, struct bgc_error *err)
{
    (void)err;
    LOCK(x->job->q);
    bgc__od_filled(x->job, x->file, 0, 0); /* bytes_transferred = the filled bytes */
    UNLOCK(x->job->q);
    x->written = x->resume_from = 0; /* written counts the bytes of this request */
    if (x->od_none) {
        curl_easy_setopt(x->easy, CURLOPT_NOBODY, 1L);
        return;
    }
    if (bgc__file_seek(x->fh, x->od_from, &x->local_os_error) != BGC_OK)
        x->local_error = BGC_E_LOCAL_FILE; /* the first write callback ends the transfer */
    request_range(x, x->od_from, x->od_to);
}

int bgc__xfer_open(struct bgc__xfer *x, struct bgc_error *err)
{
    struct bgc_queue *q = x->job->q;
    long stall = (long)q->cfg.stall_timeout_s;
    CURL *c;
    int rc;

    x->buf = bgc_malloc(WRITE_BUFFER_BYTES);
    if (!x->buf) {
        memset(err, 0, sizeof(*err));
        err->code = BGC_E_TRANSPORT;
        err->context = BGC_CTX_GENERAL_QUEUE_MANAGER;
        err->file_index = (long)x->index;
        strcpy(err->message, "out of memory for the write buffer");
        return BGC_E_TRANSPORT;
    }
    rc = open_temp(x, err);
    if (rc != BGC_OK)
        return rc;
    x->written = x->resume_from;
    c = x->easy = curl_easy_init();
    if (!c) {
        memset(err, 0, sizeof(*err));
        err->code = BGC_E_TRANSPORT;
        err->context = BGC_CTX_GENERAL_QUEUE_MANAGER;
        err->file_index = (long)x->index;
        strcpy(err->message, "curl_easy_init failed");
        return BGC_E_TRANSPORT;
    }
    curl_easy_setopt(c, CURLOPT_URL, x->url);
    curl_easy_setopt(c, CURLOPT_PRIVATE, (void *)x);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,ftp,file");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, MAX_REDIRECTS);
    curl_easy_setopt(c, CURLOPT_BUFFERSIZE, (long)RECV_BUFFER_BYTES);
    curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, stall);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, stall);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, (void *)x);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, (void *)x);
    if (x->nranges) {
        set_ranged_request(x); /* files area: one request per range (F10) */
    } else if (x->od) {
        set_od_request(x, err); /* files area: on-demand */
    } else if (x->resume_from && x->is_http && !x->dynamic) {
        request_range(x, x->resume_from, BGC_SIZE_UNKNOWN);
    } else if (x->resume_from) {
        curl_easy_setopt(c, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)x->resume_from);
    }
    {   /* httpopts area: headers, method, TLS flags, certificate, credentials, proxy, F17 */
        struct bgc__httpopts_in in = {c, x->job, x->index, x->url, x->is_http, &x->headers, on_header, x};

        rc = bgc__httpopts_apply(&in, &x->httpx, err);
        if (rc != BGC_OK)
            return rc;
    }
    bgc_log(BGC_LOG_TRACE, BGC__CH_XFER, "job %p file %lu: %s from %llu", (void *)x->job,
            (unsigned long)x->index, x->url, (unsigned long long)x->resume_from);
    return BGC_OK;
}

/* ---- Classification ------------------------------------------------------------------ */

/* R4 (project choice for downloads): 3xx transient except 300-305 and 307; 4xx fatal except
 * 408 and 409; 5xx transient except 501 and 505; anything else transient. */
static int status_is_transient(long s)
{
    if (s >= 300 && s < 400)
        return !(s <= 305 || s == 307);
    if (s >= 400 && s < 500)
        return s == 408 || s == 409;
    if (s >= 500 && s < 600)
        return !(s == 501 || s == 505);
    return 1;
}

/* For a file:// source libcurl could not read: does the file exist (access denied) or not? */
static int local_source_missing(const struct bgc__xfer *x)
{
    CURLU *u;
    char *path = NULL;
    const char *p;
    uint64_t size;
    int rc = 1;

    if (bgc__path_is_absolute(x->remote))
        return bgc__file_size(x->remote, &size, NULL) == 1;
    u = curl_url();
    if (!u)
        return 1;
    if (curl_url_set(u, CURLUPART_URL, x->url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PATH, &path, CURLU_URLDECODE) == CURLUE_OK && path) {
        p = path;
        if (p[0] == '/' && p[1] && p[2] == ':')
            p++; /* "/C:/dir/file" names "C:/dir/file" */
        rc = bgc__file_size(p, &size, NULL) == 1;
    }
    curl_free(path);
    curl_url_cleanup(u);
    return rc;
}

struct curl_class {
    int code;                     /* BGC_E_* */
    enum bgc_err_context context; /* where the problem is */
    int transient;                /* TER (retry) rather than ERR */
};

static struct curl_class classify_curl(const struct bgc__xfer *x, CURLcode r)
{
    struct curl_class c = {BGC_E_TRANSPORT, BGC_CTX_GENERAL_TRANSPORT, 1};

    switch (r) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
        c.code = BGC_E_CONNECT_FAILURE;
        break;
    case CURLE_OPERATION_TIMEDOUT:
        c.code = BGC_E_TIMEOUT;
        break;
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
        c.code = BGC_E_CONNECTION_CLOSED;
        break;
    case CURLE_WEIRD_SERVER_REPLY:
        c.code = BGC_E_INVALID_SERVER_RESPONSE;
        break;
    case CURLE_RANGE_ERROR:
    case CURLE_BAD_DOWNLOAD_RESUME:
    case CURLE_FTP_COULDNT_USE_REST:
    case CURLE_BAD_CONTENT_ENCODING:
        c = (struct curl_class){BGC_E_INVALID_SERVER_RESPONSE, BGC_CTX_REMOTE_FILE, 0};
        break;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_USE_SSL_FAILED:
        c = (struct curl_class){BGC_E_TLS, BGC_CTX_GENERAL_TRANSPORT, 0};
        break;
    case CURLE_TOO_MANY_REDIRECTS:
        c = (struct curl_class){BGC_E_TOO_MANY_REDIRECTS, BGC_CTX_REMOTE_FILE, 0};
        break;
    case CURLE_FILE_COULDNT_READ_FILE:
        c = (struct curl_class){local_source_missing(x) ? BGC_E_REMOTE_NOT_FOUND
                                                        : BGC_E_REMOTE_ACCESS_DENIED,
                                BGC_CTX_REMOTE_FILE, 0};
        break;
    case CURLE_REMOTE_FILE_NOT_FOUND:
        c = (struct curl_class){BGC_E_REMOTE_NOT_FOUND, BGC_CTX_REMOTE_FILE, 0};
        break;
    case CURLE_REMOTE_ACCESS_DENIED:
    case CURLE_LOGIN_DENIED:
        c = (struct curl_class){BGC_E_REMOTE_ACCESS_DENIED, BGC_CTX_REMOTE_FILE, 0};
        break;
    case CURLE_WRITE_ERROR:
        c = (struct curl_class){BGC_E_LOCAL_FILE, BGC_CTX_LOCAL_FILE, 0};
        break;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_FILESIZE_EXCEEDED:
        c = (struct curl_class){BGC_E_TRANSPORT, BGC_CTX_REMOTE_FILE, 0};
        break;
    default:
        break; /* everything else: transport trouble worth retrying */
    }
    return c;
}

/* Truncates the temp file for a fresh start (invariant 2). */
static enum bgc__outcome restart(struct bgc__xfer *x, const char *why, struct bgc_error *err)
{
    int os_error = 0;

    bgc_log(BGC_LOG_WARN, BGC__CH_XFER, "%s: resume at %llu refused (%s); starting over",
            x->remote, (unsigned long long)x->resume_from, why);
    if (bgc__file_truncate(x->fh, 0, &os_error) != BGC_OK) {
        local_error(err, x->index, os_error, "cannot truncate", x->file->temp);
        return BGC__FATAL;
    }
    x->written = 0;
    x->buffered = 0;
    return BGC__RESTART;
}

/* files area: one range request ended well; is the file complete (DONE) or does another
 * range follow (PARTIAL)? An open-ended range of a file of unknown size ends the file. */
static enum bgc__outcome ranged_done(struct bgc__xfer *x)
{
    struct bgc__range_pos pos;

    if (x->pos.index == x->nranges)
        return BGC__DONE;
    if (x->pos.to == BGC_SIZE_UNKNOWN && x->remote_size == BGC_SIZE_UNKNOWN) {
        x->remote_size = x->pos.from + (x->written - x->resume_from);
        LOCK(x->job->q);
        x->file->remote_size = x->remote_size;
        x->file->bytes_total = bgc__ranges_total(x->ranges, x->nranges, x->remote_size);
        UNLOCK(x->job->q);
    }
    if (bgc__ranges_position(x->ranges, x->nranges, x->remote_size, x->written, &pos) != BGC_OK ||
        pos.index == x->nranges)
        return BGC__DONE;
    return BGC__PARTIAL;
}

enum bgc__outcome bgc__xfer_result(struct bgc__xfer *x, int curl_result, struct bgc_error *err)
{
    CURLcode r = (CURLcode)curl_result;
    long status = x->is_http ? response_code(x) : 0;
    struct curl_class c;

    memset(err, 0, sizeof(*err));
    err->file_index = (long)x->index;
    bgc__xfer_flush(x); /* invariant 3: decide on durable, counted data only */
    if (x->cap_hit) { /* files area: MAX_DOWNLOAD_SIZE (2.6) */
        err->code = BGC_E_MAX_DOWNLOAD_SIZE_REACHED;
        err->context = BGC_CTX_REMOTE_FILE;
        snprintf(err->protocol, sizeof(err->protocol), "%s", bgc__url_protocol(x->url));
        set_message(err, "%s: the job needs more than its maximum download size", x->url);
        return BGC__FATAL;
    }
    if (x->aborted)
        return BGC__ABORTED;
    if (x->local_error) {
        local_error(err, x->index, x->local_os_error, "cannot write", x->file->temp);
        return BGC__FATAL;
    }
    switch (bgc__httpx_result(x->httpx, curl_result, err)) { /* httpopts area */
    case 1:
        return BGC__FATAL; /* F17 refused redirect, unreachable certificate validator */
    case 2:
        return BGC__TRANSIENT; /* the certificate validator rejected the certificate */
    case 3:
        return BGC__ABORTED; /* dispatch area: the worker asks the certificate validator */
    }
    if (x->restart_needed)
        return restart(x, "the partial response does not fit the file", err);
    if (x->range_fail || ((x->nranges || x->od) && status == 416 && (r == CURLE_OK || x->http_refused))) {
        /* files area: F11/F12 range errors are fatal; Resume retries. */
        err->code = x->range_fail ? x->range_fail : BGC_E_INVALID_RANGE;
        err->context = BGC_CTX_REMOTE_FILE;
        err->http_status = (int)status;
        strcpy(err->protocol, "http");
        set_message(err, "%s: range %llu-%llu: %s (HTTP %ld)", x->url, (unsigned long long)x->pos.from,
                    (unsigned long long)x->pos.to, bgc_strerror(err->code), status);
        bgc_log(BGC_LOG_INFO, BGC__CH_XFER, "%s", err->message);
        return BGC__FATAL;
    }
    if (x->is_http && (r == CURLE_OK || x->http_refused) && (status < 200 || status >= 300)) {
        if (status == 416 && x->resume_from)
            return restart(x, "HTTP 416", err);
        err->code = BGC_E_HTTP_STATUS;
        err->context = BGC_CTX_REMOTE_FILE;
        err->http_status = (int)status;
        strcpy(err->protocol, "http");
        set_message(err, "HTTP status %ld from %s", status, x->url);
        bgc_log(BGC_LOG_INFO, BGC__CH_XFER, "%s", err->message);
        return status_is_transient(status) ? BGC__TRANSIENT : BGC__FATAL;
    }
    if (r == CURLE_OK && x->od) { /* files area: on-demand (ondemand.c) */
        enum bgc__outcome o;

        LOCK(x->job->q);
        if (!x->od_none && x->od_to == BGC_SIZE_UNKNOWN && x->remote_size == BGC_SIZE_UNKNOWN)
            bgc__od_size_known(x->file, x->od_from + x->written);
        o = (enum bgc__outcome)bgc__od_after(x->file);
        UNLOCK(x->job->q);
        return o;
    }
    if (r == CURLE_OK) {
        enum bgc__outcome o = x->nranges ? ranged_done(x) : BGC__DONE;

        if (o == BGC__DONE && x->is_http && x->last_modified[0]) {
            /* rules area (F8): an HTTP download takes the server's Last-Modified as its file
             * time (the rename at Complete keeps it); a failure only costs the time stamp. */
            time_t t = curl_getdate(x->last_modified, NULL);
            int os_error = 0;

            if (t > 0 && bgc__file_set_time(x->fh, (int64_t)t, &os_error) != BGC_OK) /* -1: unparsable */
                bgc_log(BGC_LOG_WARN, BGC__CH_XFER, "%s: cannot set the file time (OS error %d)", x->remote,
                        os_error);
        }
        return o;
    }
    if (x->resume_from && (r == CURLE_RANGE_ERROR || r == CURLE_BAD_DOWNLOAD_RESUME ||
                           r == CURLE_FTP_COULDNT_USE_REST))
        return restart(x, curl_easy_strerror(r), err);
    c = classify_curl(x, r);
    err->code = c.code;
    err->context = c.context;
    err->curl_code = (int)r;
    err->http_status = 0;
    snprintf(err->protocol, sizeof(err->protocol), "%s", bgc__url_protocol(x->url));
    set_message(err, "%s%s%s", curl_easy_strerror(r), x->errbuf[0] ? ": " : "", x->errbuf);
    bgc_log(BGC_LOG_INFO, BGC__CH_XFER, "%s: %s (%s)", x->remote, err->message,
            c.transient ? "transient" : "fatal");
    return c.transient ? BGC__TRANSIENT : BGC__FATAL;
}
