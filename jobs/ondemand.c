/*
 * ondemand.c - the files area's on-demand mode (BITS_JOB_PROPERTY_ON_DEMAND_MODE, File6;
 * bits-behavior 2.6, 2.7, L27, N2 FileRangesTransferred).
 *
 * In an on-demand job the temp file of a file is an image of the remote file: the bytes of
 * remote offset o sit at offset o. Per file (struct bgc__od, under q->lock):
 *   filled  - the ranges present, merged and sorted (GetFilledFileRanges);
 *   wanted  - requested ranges not present yet, non-overlapping, in request order;
 *   fresh   - ranges that arrived since the last FileRangesTransferred, in arrival order.
 * transfer.c asks bgc__od_plan what to fetch (the first wanted range, else the first missing
 * byte from the download position), fetches it with one Range request, reports every write
 * with bgc__od_filled and asks bgc__od_after how it ends.
 *
 * Invariants:
 *  1. filled is sorted, merged (no two ranges touch) and within the remote size once known;
 *     bytes_transferred is its sum.
 *  2. wanted never overlaps filled nor itself: a request is cut by both before it is kept.
 *  3. A request or a new download position sets `replan`; the running transfer stops at its
 *     next write and the engine starts it again with the new plan.
 *  4. When a file had requests and the last wanted byte arrives, it is complete if every
 *     byte is there, otherwise the job goes to SUSPENDED (L27).
 */
#include "bgc.h"
#include "jobs_int.h"

#include <string.h>

#define LOCK(job) bgc__mutex_lock((job)->q->lock)
#define UNLOCK(job) bgc__queue_unlock((job)->q)

struct rlist {
    struct bgc_range *v; /* ranges; length UINT64_MAX - offset means "to the end" */
    size_t n, cap;
};

struct bgc__od {
    struct rlist filled;  /* invariant 1 */
    struct rlist wanted;  /* invariant 2 */
    struct rlist fresh;   /* for the next FileRangesTransferred */
    uint64_t size;        /* remote size, BGC_SIZE_UNKNOWN until a response told it */
    uint64_t position;    /* UpdateDownloadPosition */
    int had_requests;     /* wanted was non-empty since the last L27 decision */
    int replan;           /* invariant 3 */
    int announced;        /* FILE_RANGES_TRANSFERRED went out for the current fresh list */
};

static uint64_t end_of(const struct bgc_range *r) /* one past the last byte (saturating) */
{
    return r->length > UINT64_MAX - r->offset ? UINT64_MAX : r->offset + r->length;
}

static int push(struct rlist *l, uint64_t off, uint64_t len)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        struct bgc_range *v = bgc_realloc(l->v, cap * sizeof(*v));

        if (!v)
            return BGC_E_NOMEM;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n].offset = off;
    l->v[l->n].length = len;
    l->n++;
    return BGC_OK;
}

/* Removes [off, end) from every range of l (splitting where needed). */
static int cut(struct rlist *l, uint64_t off, uint64_t end)
{
    for (size_t i = 0; i < l->n; i++) {
        uint64_t a = l->v[i].offset, b = end_of(&l->v[i]);

        if (b <= off || a >= end)
            continue;
        if (a < off && b > end) { /* split in two: keep [a, off), add [end, b) */
            l->v[i].length = off - a;
            if (push(l, end, b - end) != BGC_OK)
                return BGC_E_NOMEM;
        } else if (a < off) {
            l->v[i].length = off - a;
        } else if (b > end) {
            l->v[i].offset = end;
            l->v[i].length = b - end;
        } else { /* fully covered: remove */
            memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof(l->v[0]));
            l->n--;
            i--;
        }
    }
    return BGC_OK;
}

/* Adds [off, end) to a sorted merged list. */
static int merge(struct rlist *l, uint64_t off, uint64_t end)
{
    size_t i = 0, j;

    while (i < l->n && end_of(&l->v[i]) < off)
        i++;
    j = i;
    while (j < l->n && l->v[j].offset <= end) {
        if (l->v[j].offset < off)
            off = l->v[j].offset;
        if (end_of(&l->v[j]) > end)
            end = end_of(&l->v[j]);
        j++;
    }
    if (j > i) { /* replace v[i..j) by one range */
        l->v[i].offset = off;
        l->v[i].length = end - off;
        memmove(&l->v[i + 1], &l->v[j], (l->n - j) * sizeof(l->v[0]));
        l->n -= j - i - 1;
        return BGC_OK;
    }
    if (push(l, 0, 0) != BGC_OK)
        return BGC_E_NOMEM;
    memmove(&l->v[i + 1], &l->v[i], (l->n - 1 - i) * sizeof(l->v[0]));
    l->v[i].offset = off;
    l->v[i].length = end - off;
    return BGC_OK;
}

static uint64_t sum(const struct rlist *l)
{
    uint64_t s = 0;

    for (size_t i = 0; i < l->n; i++)
        s += l->v[i].length;
    return s;
}

static struct bgc__od *od_of(struct bgc_file *f)
{
    if (!f->od) {
        f->od = bgc_calloc(1, sizeof(*f->od));
        if (f->od)
            f->od->size = BGC_SIZE_UNKNOWN;
    }
    return f->od;
}

void bgc__od_free(struct bgc_file *f)
{
    if (!f->od)
        return;
    bgc_free(f->od->filled.v);
    bgc_free(f->od->wanted.v);
    bgc_free(f->od->fresh.v);
    bgc_free(f->od);
    f->od = NULL;
}

static int complete(const struct bgc__od *od)
{
    return od->size != BGC_SIZE_UNKNOWN &&
           (od->size == 0 || (od->filled.n == 1 && od->filled.v[0].offset == 0 && od->filled.v[0].length == od->size));
}

/* ---- engine side (transfer.c), lock held ----------------------------------------------- */

int bgc__od_plan(struct bgc_file *f, uint64_t *from, uint64_t *to)
{
    struct bgc__od *od = od_of(f);
    uint64_t pos;

    *from = 0;
    *to = BGC_SIZE_UNKNOWN;
    if (!od)
        return 1; /* out of memory: fetch from the start, the data still lands right */
    od->replan = 0;
    if (od->wanted.n) {
        uint64_t end = end_of(&od->wanted.v[0]);
        int grown = 1;

        /* Wanted pieces that continue this one go in the same request (one request for a
         * request that was split around an earlier one). */
        while (grown && end != UINT64_MAX) {
            grown = 0;
            for (size_t i = 1; i < od->wanted.n; i++) {
                if (od->wanted.v[i].offset == end) {
                    end = end_of(&od->wanted.v[i]);
                    grown = 1;
                }
            }
        }
        *from = od->wanted.v[0].offset;
        *to = end == UINT64_MAX ? BGC_SIZE_UNKNOWN : end - 1;
        return 1;
    }
    if (complete(od))
        return 0;
    /* The first missing byte at or after the position, else from the start. */
    for (int pass = 0; pass < 2; pass++) {
        pos = pass ? 0 : od->position;
        for (size_t i = 0; i < od->filled.n; i++) {
            const struct bgc_range *r = &od->filled.v[i];

            if (end_of(r) <= pos)
                continue;
            if (r->offset <= pos) {
                pos = end_of(r);
                continue;
            }
            *from = pos;
            *to = r->offset - 1; /* the gap before this range */
            return 1;
        }
        if (od->size == BGC_SIZE_UNKNOWN || pos < od->size) {
            *from = pos;
            *to = od->size == BGC_SIZE_UNKNOWN ? BGC_SIZE_UNKNOWN : od->size - 1;
            return 1;
        }
    }
    return 0;
}

int bgc__od_filled(struct bgc_job *job, struct bgc_file *f, uint64_t from, uint64_t n)
{
    struct bgc__od *od = od_of(f);

    if (!od)
        return 0;
    if (!n) { /* a new transfer: the image's own count, not the temp file's length */
        f->bytes_transferred = sum(&od->filled);
        return od->replan;
    }
    /* Out of memory below only loses bookkeeping of an event; the data is on disk. */
    merge(&od->filled, from, from + n);
    cut(&od->wanted, from, from + n);
    od->announced = 0; /* new bytes: a new event is due */
    if (od->fresh.n && end_of(&od->fresh.v[od->fresh.n - 1]) == from)
        od->fresh.v[od->fresh.n - 1].length += n;
    else
        push(&od->fresh, from, n);
    f->bytes_transferred = sum(&od->filled);
    if ((job->notify_flags & BGC_NOTIFY_FILE_RANGES_TRANSFERRED) && !(job->notify_flags & BGC_NOTIFY_DISABLE))
        bgc__notify_wake(job->q);
    return od->replan;
}

int bgc__od_size_known(struct bgc_file *f, uint64_t size)
{
    struct bgc__od *od = od_of(f);

    if (!od)
        return BGC_OK;
    od->size = size;
    f->bytes_total = size;
    for (size_t i = 0; i < od->wanted.n; i++) {
        if (od->wanted.v[i].offset >= size ||
            (end_of(&od->wanted.v[i]) != UINT64_MAX && end_of(&od->wanted.v[i]) > size))
            return BGC_E_INVALID_RANGE;
        if (end_of(&od->wanted.v[i]) == UINT64_MAX)
            od->wanted.v[i].length = size - od->wanted.v[i].offset;
    }
    return BGC_OK;
}

void bgc__od_reset(struct bgc_file *f)
{
    if (!f->od)
        return;
    f->od->filled.n = 0;
    f->od->fresh.n = 0;
    f->od->size = BGC_SIZE_UNKNOWN;
    f->bytes_transferred = 0;
}

int bgc__od_after(struct bgc_file *f)
{
    struct bgc__od *od = od_of(f);

    if (!od)
        return BGC__PARTIAL;
    if (od->wanted.n)
        return BGC__PARTIAL;
    if (complete(od))
        return BGC__DONE;
    if (od->had_requests) {
        od->had_requests = 0;
        return BGC__SUSPEND; /* L27 */
    }
    return BGC__PARTIAL;
}

/* ---- notification side (notify.c), lock held ------------------------------------------ */

int bgc__od_pick(struct bgc_job *job, uint64_t now, uint64_t *next_ms, unsigned *index)
{
    unsigned flags = job->notify_flags;
    uint64_t due;

    if (!job->on_demand)
        return 0; /* N1: only on-demand jobs produce FileRangesTransferred */
    for (size_t i = 0; i < job->nfiles; i++) {
        if (!job->files[i]->od || !job->files[i]->od->fresh.n || job->files[i]->od->announced)
            continue;
        if ((flags & BGC_NOTIFY_DISABLE) || !(flags & BGC_NOTIFY_FILE_RANGES_TRANSFERRED)) {
            job->files[i]->od->fresh.n = 0; /* flag off: dropped, like MODIFICATION */
            continue;
        }
        due = job->od_ranges_last_ms + job->min_notify_interval_ms;
        if (now < due) {
            if (due < *next_ms)
                *next_ms = due;
            return 0;
        }
        job->od_ranges_last_ms = now;
        job->files[i]->od->announced = 1; /* once per batch, even if the sink never takes it */
        *index = (unsigned)i;
        return 1;
    }
    return 0;
}

/* ---- API ------------------------------------------------------------------------------- */

int bgc_job_set_on_demand(struct bgc_job *job, int enable)
{
    int rc;

    if (!job)
        return BGC_E_INVALIDARG;
    rc = bgc__job_begin_change(job);
    if (rc != BGC_OK)
        return rc;
    if (job->type != BGC_JOB_DOWNLOAD)
        rc = BGC_E_NOT_DOWNLOAD;
    else if (job->resumed_once)
        rc = BGC_E_READ_ONLY_AFTER_RESUME;
    else if (enable && job->dynamic_content)
        rc = BGC_E_UNSUPPORTED_JOB_CONFIGURATION;
    for (size_t i = 0; i < job->nfiles && rc == BGC_OK && enable; i++) {
        if (job->files[i]->nranges)
            rc = BGC_E_UNSUPPORTED_JOB_CONFIGURATION;
    }
    if (rc == BGC_OK) {
        job->on_demand = enable != 0;
        bgc__job_touch(job);
    }
    UNLOCK(job);
    return rc;
}

int bgc_job_get_on_demand(struct bgc_job *job)
{
    int v;

    LOCK(job);
    v = job->on_demand;
    UNLOCK(job);
    return v;
}

/* Common entry of the File6 calls: lock, file, on-demand capable. On success the lock is
 * held and *out is the file's state. */
static int begin_file(struct bgc_job *job, size_t index, int change, struct bgc_file **f, struct bgc__od **out)
{
    int rc;

    if (!job)
        return BGC_E_INVALIDARG;
    if (change) {
        rc = bgc__job_begin_change(job);
        if (rc != BGC_OK)
            return rc;
    } else {
        LOCK(job);
    }
    rc = BGC_OK;
    if (index >= job->nfiles)
        rc = BGC_E_INVALIDARG;
    else if (!job->on_demand || job->type != BGC_JOB_DOWNLOAD ||
             strcmp(bgc__url_protocol(job->files[index]->url), "http"))
        rc = BGC_E_RANDOM_ACCESS_NOT_SUPPORTED;
    else if (!(*out = od_of(job->files[index])))
        rc = BGC_E_NOMEM;
    if (rc != BGC_OK) {
        UNLOCK(job);
        return rc;
    }
    *f = job->files[index];
    return BGC_OK;
}

int bgc_job_request_file_ranges(struct bgc_job *job, size_t index, size_t count, const struct bgc_range *ranges)
{
    struct bgc_file *f;
    struct bgc__od *od;
    struct rlist pieces = {0};
    int rc;

    if (!ranges || !count)
        return BGC_E_INVALIDARG;
    for (size_t i = 0; i < count; i++) {
        if (ranges[i].offset == BGC_LENGTH_TO_EOF || !ranges[i].length)
            return BGC_E_INVALID_RANGE;
    }
    rc = begin_file(job, index, 1, &f, &od);
    if (rc != BGC_OK)
        return rc;
    for (size_t i = 0; i < count && rc == BGC_OK; i++) {
        uint64_t end = end_of(&ranges[i]);

        if (od->size != BGC_SIZE_UNKNOWN) {
            if (ranges[i].offset >= od->size || (end != UINT64_MAX && end > od->size))
                rc = BGC_E_INVALID_RANGE; /* 2.7: past the actual file size */
            else if (end == UINT64_MAX)
                end = od->size;
        }
        if (rc == BGC_OK)
            rc = push(&pieces, ranges[i].offset, end - ranges[i].offset);
    }
    /* Invariant 2: each range is cut by what is there or already asked for (including the
     * earlier ranges of this call), then the rest is kept. */
    for (size_t k = 0; k < pieces.n && rc == BGC_OK; k++) {
        struct rlist one = {0};

        rc = push(&one, pieces.v[k].offset, pieces.v[k].length);
        for (size_t i = 0; i < od->filled.n && rc == BGC_OK; i++)
            rc = cut(&one, od->filled.v[i].offset, end_of(&od->filled.v[i]));
        for (size_t i = 0; i < od->wanted.n && rc == BGC_OK; i++)
            rc = cut(&one, od->wanted.v[i].offset, end_of(&od->wanted.v[i]));
        for (size_t i = 0; i < one.n && rc == BGC_OK; i++)
            rc = push(&od->wanted, one.v[i].offset, one.v[i].length);
        bgc_free(one.v);
    }
    if (rc == BGC_OK) {
        if (pieces.n || od->wanted.n)
            od->had_requests = 1;
        od->replan = 1;
        bgc__job_touch(job);
        if (job->q->engine)
            bgc__engine_wake(job->q->engine);
    }
    UNLOCK(job);
    bgc_free(pieces.v);
    return rc;
}

int bgc_job_update_download_position(struct bgc_job *job, size_t index, uint64_t offset)
{
    struct bgc_file *f;
    struct bgc__od *od;
    int rc = begin_file(job, index, 1, &f, &od);

    if (rc != BGC_OK)
        return rc;
    if (od->size != BGC_SIZE_UNKNOWN && offset >= od->size) {
        rc = BGC_E_INVALID_RANGE;
    } else {
        od->position = offset;
        od->replan = 1;
        bgc__job_touch(job);
    }
    UNLOCK(job);
    return rc;
}

static int copy_list(const struct rlist *l, struct bgc_range **out, size_t *count)
{
    *count = l->n;
    *out = NULL;
    if (!l->n)
        return BGC_OK;
    *out = bgc_malloc(l->n * sizeof(**out));
    if (!*out)
        return BGC_E_NOMEM;
    memcpy(*out, l->v, l->n * sizeof(**out));
    return BGC_OK;
}

int bgc_job_get_filled_file_ranges(struct bgc_job *job, size_t index, struct bgc_range **out, size_t *count)
{
    struct bgc_file *f;
    struct bgc__od *od;
    int rc;

    if (!out || !count)
        return BGC_E_INVALIDARG;
    *out = NULL;
    *count = 0;
    rc = begin_file(job, index, 0, &f, &od);
    if (rc != BGC_OK)
        return rc;
    rc = copy_list(&od->filled, out, count);
    UNLOCK(job);
    return rc;
}

int bgc_job_take_transferred_ranges(struct bgc_job *job, size_t index, struct bgc_range **out, size_t *count)
{
    struct bgc_file *f;
    struct bgc__od *od;
    int rc;

    if (!out || !count)
        return BGC_E_INVALIDARG;
    *out = NULL;
    *count = 0;
    rc = begin_file(job, index, 0, &f, &od);
    if (rc != BGC_OK)
        return rc;
    rc = copy_list(&od->fresh, out, count);
    if (rc == BGC_OK)
        od->fresh.n = 0;
    UNLOCK(job);
    return rc;
}
