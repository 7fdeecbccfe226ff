/*
 * ranges.c - the files area of issue 3: files with byte ranges (AddFileWithRanges, F9-F11),
 * remote-name changes (SetRemoteName, ReplaceRemotePrefix, F13), content validation (F14)
 * and the last HTTP response headers of a file (File5). transfer.c asks the pure helpers
 * here where the next byte of a ranged file comes from.
 *
 * Invariants:
 *  1. A ranged file's temp file holds the data of its ranges back to back in the order given
 *     (F10); its length alone says which range and which remote byte come next
 *     (bgc__ranges_position), so an interrupted ranged transfer resumes like any other.
 *  2. A file's ranges never change after AddFileWithRanges; remote and url change only under
 *     q->lock, and a running transfer keeps the copies it started with (F13: the new name is
 *     used from the next transfer start).
 *  3. Every mutation goes through bgc__job_begin_change (final jobs: BGC_E_INVALID_STATE) and
 *     validates and allocates before it takes the lock; a failing call changes nothing.
 *  4. SetValidationState(FALSE) is the only way a transferred file becomes untransferred: under
 *     the lock its temp file is emptied (one truncate, not bulk I/O), its progress, validator
 *     and event are reset and the job enters ERROR (F14). The engine never holds a transferred
 *     file open, so nothing races the truncation.
 */
#include "bgc.h"
#include "jobs_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOCK(job) bgc__mutex_lock((job)->q->lock)
#define UNLOCK(job) bgc__queue_unlock((job)->q)

/* ---- Pure helpers --------------------------------------------------------------------- */

struct sorted_range {
    uint64_t offset, length;
};

static int by_offset(const void *a, const void *b)
{
    const struct sorted_range *x = a, *y = b;

    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

int bgc__ranges_check(const struct bgc_range *r, size_t n, unsigned max_ranges)
{
    struct sorted_range *s;
    int rc = BGC_OK;

    if (!r || n == 0)
        return BGC_E_INVALIDARG;
    if (max_ranges == 0)
        max_ranges = BGC_DEF_MAX_RANGES_PER_FILE;
    for (size_t i = 0; i < n; i++) {
        if (r[i].offset == BGC_LENGTH_TO_EOF)
            return BGC_E_INVALID_RANGE; /* F9 */
    }
    if (n > max_ranges)
        return BGC_E_TOO_MANY_RANGES_IN_FILE;
    s = bgc_malloc(n * sizeof(*s));
    if (!s)
        return BGC_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        s[i].offset = r[i].offset;
        s[i].length = r[i].length;
    }
    /* F9: sorted by offset only, then each range must end before the next one starts, so
     * (100,5) followed by (100,0...) or any duplicate offset is an overlap. */
    qsort(s, n, sizeof(*s), by_offset);
    for (size_t i = 0; i + 1 < n && rc == BGC_OK; i++) {
        if (s[i].offset == s[i + 1].offset || s[i].length == BGC_LENGTH_TO_EOF ||
            s[i].length > s[i + 1].offset - s[i].offset)
            rc = BGC_E_OVERLAPPING_RANGES;
    }
    bgc_free(s);
    for (size_t i = 0; i < n && rc == BGC_OK; i++) {
        if (r[i].length == 0) /* non-zero lengths only */
            rc = BGC_E_INVALID_RANGE;
        else if (r[i].length != BGC_LENGTH_TO_EOF && r[i].length - 1 > UINT64_MAX - 1 - r[i].offset)
            rc = BGC_E_INVALID_RANGE; /* the end does not fit in 64 bits */
    }
    return rc;
}

/* Length of range r once the remote size is known (BGC_SIZE_UNKNOWN when not resolvable),
 * or BGC_E_INVALID_RANGE in *rc when the range lies past the end. */
static uint64_t resolved_length(const struct bgc_range *r, uint64_t remote_size, int *rc)
{
    if (remote_size == BGC_SIZE_UNKNOWN)
        return r->length; /* BGC_LENGTH_TO_EOF stays open-ended */
    if (r->offset >= remote_size) {
        *rc = BGC_E_INVALID_RANGE;
        return 0;
    }
    if (r->length == BGC_LENGTH_TO_EOF)
        return remote_size - r->offset;
    if (r->length > remote_size - r->offset) {
        *rc = BGC_E_INVALID_RANGE;
        return 0;
    }
    return r->length;
}

uint64_t bgc__ranges_total(const struct bgc_range *r, size_t n, uint64_t remote_size)
{
    uint64_t total = 0;
    int rc = BGC_OK;

    for (size_t i = 0; i < n; i++) {
        uint64_t len = resolved_length(&r[i], remote_size, &rc);

        if (len == BGC_LENGTH_TO_EOF || rc != BGC_OK)
            return BGC_SIZE_UNKNOWN;
        total += len;
    }
    return total;
}

int bgc__ranges_position(const struct bgc_range *r, size_t n, uint64_t remote_size, uint64_t written,
                         struct bgc__range_pos *out)
{
    int rc = BGC_OK;

    out->index = n;
    out->from = out->to = 0;
    for (size_t i = 0; i < n; i++) { /* with a known size, every range must fit (F11) */
        resolved_length(&r[i], remote_size, &rc);
        if (rc != BGC_OK)
            return rc;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t len = resolved_length(&r[i], remote_size, &rc);

        if (len != BGC_LENGTH_TO_EOF && written >= len) {
            written -= len;
            continue;
        }
        out->index = i;
        out->from = r[i].offset + written;
        out->to = len == BGC_LENGTH_TO_EOF ? BGC_SIZE_UNKNOWN : r[i].offset + len - 1;
        break;
    }
    return BGC_OK;
}

void bgc__file_free_ranges(struct bgc_file *f)
{
    bgc_free(f->ranges);
    bgc_free(f->http_headers);
    bgc__od_free(f); /* ondemand.c */
    f->ranges = NULL;
    f->http_headers = NULL;
    f->nranges = 0;
}

/* ---- AddFileWithRanges, GetFileRanges (F9, F10) --------------------------------------- */

int bgc_job_add_file_with_ranges(struct bgc_job *job, const struct bgc_file_spec *spec, size_t count,
                                 const struct bgc_range *ranges)
{
    struct bgc_range *copy;
    char *url = NULL;
    int rc;

    if (!job || !spec)
        return BGC_E_INVALIDARG;
    rc = bgc__job_begin_change(job);
    if (rc != BGC_OK)
        return rc;
    if (job->dynamic_content || job->on_demand)
        rc = BGC_E_UNSUPPORTED_JOB_CONFIGURATION; /* content.c invariant 2 */
    UNLOCK(job);
    if (rc != BGC_OK)
        return rc;
    if (job->type != BGC_JOB_DOWNLOAD)
        return BGC_E_NOT_DOWNLOAD;
    rc = bgc__ranges_check(ranges, count, job->q->cfg.max_ranges_per_file);
    if (rc != BGC_OK)
        return rc;
    if (!spec->remote)
        return BGC_E_INVALIDARG;
    rc = bgc__url_from_remote(spec->remote, &url);
    if (rc != BGC_OK)
        return rc;
    if (strcmp(bgc__url_protocol(url), "http")) /* F9: ranges need HTTP(S), not SMB/file */
        rc = BGC_E_INVALIDARG;
    bgc_free(url);
    if (rc != BGC_OK)
        return rc;
    copy = bgc_malloc(count * sizeof(*copy));
    if (!copy)
        return BGC_E_NOMEM;
    memcpy(copy, ranges, count * sizeof(*copy));
    rc = bgc__job_add_files(job, 1, spec, copy, count);
    if (rc != BGC_OK)
        bgc_free(copy);
    return rc;
}

int bgc_job_get_file_ranges(struct bgc_job *job, size_t index, struct bgc_range **out, size_t *count)
{
    int rc = BGC_OK;

    if (out)
        *out = NULL;
    if (!job || !out || !count)
        return BGC_E_INVALIDARG;
    LOCK(job);
    if (index >= job->nfiles) {
        rc = BGC_E_INVALIDARG;
    } else {
        const struct bgc_file *f = job->files[index];

        *count = f->nranges;
        if (f->nranges) {
            *out = bgc_malloc(f->nranges * sizeof(**out));
            if (*out)
                memcpy(*out, f->ranges, f->nranges * sizeof(**out));
            else
                rc = BGC_E_NOMEM;
        }
    }
    UNLOCK(job);
    return rc;
}

/* ---- SetRemoteName, ReplaceRemotePrefix (F13) ---------------------------------------- */

/* Validates a new remote name for file f (ranged files need HTTP) and builds its url. */
static int check_new_remote(const char *remote, int ranged, char **url)
{
    int rc;

    *url = NULL;
    if (!remote || !remote[0])
        return BGC_E_INVALIDARG;
    rc = bgc__url_from_remote(remote, url);
    if (rc == BGC_OK && ranged && strcmp(bgc__url_protocol(*url), "http")) {
        bgc_free(*url);
        *url = NULL;
        rc = BGC_E_INVALIDARG;
    }
    return rc;
}

/* Installs remote/url (ownership passes) into file f and wakes nobody: the change applies at
 * the next transfer start (invariant 2). Lock held. Returns the old strings in *old_*. */
static void swap_remote(struct bgc_file *f, char *remote, char *url, char **old_remote, char **old_url)
{
    *old_remote = f->remote;
    *old_url = f->url;
    f->remote = remote;
    f->url = url;
}

int bgc_job_set_file_remote_name(struct bgc_job *job, size_t index, const char *remote)
{
    char *url = NULL, *copy = NULL, *old_remote = NULL, *old_url = NULL;
    int rc, ranged;

    if (!job || !remote)
        return BGC_E_INVALIDARG;
    rc = bgc__job_begin_change(job);
    if (rc != BGC_OK)
        return rc;
    ranged = index < job->nfiles && job->files[index]->nranges;
    if (index >= job->nfiles)
        rc = BGC_E_INVALIDARG;
    UNLOCK(job);
    if (rc != BGC_OK)
        return rc;
    if (job->type != BGC_JOB_DOWNLOAD)
        return BGC_E_NOT_DOWNLOAD;
    rc = check_new_remote(remote, ranged, &url);
    if (rc == BGC_OK && !(copy = bgc_strdup(remote)))
        rc = BGC_E_NOMEM;
    if (rc == BGC_OK)
        rc = bgc__job_begin_change(job);
    if (rc != BGC_OK) {
        bgc_free(url);
        bgc_free(copy);
        return rc;
    }
    swap_remote(job->files[index], copy, url, &old_remote, &old_url);
    bgc__job_touch(job);
    UNLOCK(job);
    bgc_log(BGC_LOG_TRACE, BGC__CH_JOB, "job %p file %lu: remote name %s -> %s", (void *)job,
            (unsigned long)index, old_remote, remote);
    bgc_free(old_remote);
    bgc_free(old_url);
    return BGC_OK;
}

int bgc_job_replace_remote_prefix(struct bgc_job *job, const char *old_prefix, const char *new_prefix,
                                  size_t *replaced)
{
    char **names = NULL, **urls = NULL;
    size_t n = 0, olen, nlen, hits = 0;
    int rc;

    if (replaced)
        *replaced = 0;
    if (!job || !old_prefix || !new_prefix || !replaced || !old_prefix[0] || !new_prefix[0])
        return BGC_E_INVALIDARG;
    rc = bgc__job_begin_change(job);
    if (rc != BGC_OK)
        return rc;
    UNLOCK(job);
    if (job->type != BGC_JOB_DOWNLOAD)
        return BGC_E_NOT_DOWNLOAD;
    olen = strlen(old_prefix);
    nlen = strlen(new_prefix);

    /* Build every new name first (validation and allocation before the commit), from a
     * snapshot of the names; the commit re-checks that nothing moved meanwhile. */
    for (int attempt = 0; attempt < 2; attempt++) {
        size_t count;

        LOCK(job);
        count = job->nfiles;
        UNLOCK(job);
        names = bgc_calloc(count ? count : 1, sizeof(*names));
        urls = bgc_calloc(count ? count : 1, sizeof(*urls));
        if (!names || !urls)
            rc = BGC_E_NOMEM;
        n = count;
        for (size_t i = 0; i < n && rc == BGC_OK; i++) {
            char *remote = NULL;
            int ranged;

            LOCK(job);
            ranged = job->files[i]->nranges != 0;
            remote = strncmp(job->files[i]->remote, old_prefix, olen) ? NULL
                                                                       : bgc_strdup(job->files[i]->remote);
            if (!remote && !strncmp(job->files[i]->remote, old_prefix, olen))
                rc = BGC_E_NOMEM;
            UNLOCK(job);
            if (!remote)
                continue;
            names[i] = bgc_malloc(nlen + strlen(remote) - olen + 1);
            if (!names[i]) {
                rc = BGC_E_NOMEM;
            } else {
                memcpy(names[i], new_prefix, nlen);
                strcpy(names[i] + nlen, remote + olen);
                if (bgc__utf8_count(names[i]) > BGC_MAX_REMOTE_NAME)
                    rc = BGC_E_INVALIDARG;
                else
                    rc = check_new_remote(names[i], ranged, &urls[i]);
            }
            bgc_free(remote);
        }
        if (rc == BGC_OK)
            rc = bgc__job_begin_change(job);
        if (rc == BGC_OK) {
            int moved = job->nfiles != n;

            for (size_t i = 0; i < n && !moved; i++)
                moved = (names[i] != NULL) != !strncmp(job->files[i]->remote, old_prefix, olen);
            if (!moved) {
                for (size_t i = 0; i < n; i++) {
                    char *old_remote, *old_url;

                    if (!names[i])
                        continue;
                    swap_remote(job->files[i], names[i], urls[i], &old_remote, &old_url);
                    names[i] = old_remote; /* freed below */
                    urls[i] = old_url;
                    hits++;
                }
                if (hits)
                    bgc__job_touch(job);
                attempt = 2;
            }
            UNLOCK(job);
        }
        for (size_t i = 0; i < n; i++) {
            bgc_free(names ? names[i] : NULL);
            bgc_free(urls ? urls[i] : NULL);
        }
        bgc_free(names);
        bgc_free(urls);
        names = urls = NULL;
        if (rc != BGC_OK)
            return rc;
    }
    *replaced = hits;
    return BGC_OK;
}

/* ---- Validation (F14) and HTTP headers (File5) ---------------------------------------- */

int bgc_job_set_file_validation(struct bgc_job *job, size_t index, int valid)
{
    struct bgc_file *f;
    struct bgc_error err;
    char *validator = NULL;
    int rc;

    if (!job)
        return BGC_E_INVALIDARG;
    rc = bgc__job_begin_change(job);
    if (rc != BGC_OK)
        return rc;
    if (index >= job->nfiles) {
        UNLOCK(job);
        return BGC_E_INVALIDARG;
    }
    f = job->files[index];
    if (!f->transferred || !f->temp) {
        UNLOCK(job);
        return BGC_E_PENDING; /* F14: only once the file is fully transferred */
    }
    if (valid) {
        f->validated = 1;
        bgc__job_touch(job);
        UNLOCK(job);
        return BGC_OK;
    }
    /* Invariant 4: the engine holds no transferred file open. */
    memset(&err, 0, sizeof(err));
    err.code = BGC_E_VALIDATION_FAILED;
    err.context = BGC_CTX_REMOTE_FILE;
    err.file_index = (long)index;
    snprintf(err.protocol, sizeof(err.protocol), "%s", bgc__url_protocol(f->url));
    snprintf(err.message, sizeof(err.message), "%s was marked invalid by the application", f->remote);
    {
        bgc__fh fh;
        uint64_t size = 0;
        int os_error = 0;

        if (bgc__file_open_existing(f->temp, &fh, &size, &os_error) == BGC_OK) {
            if (bgc__file_truncate(fh, 0, &os_error) != BGC_OK)
                bgc_log(BGC_LOG_WARN, BGC__CH_JOB, "validation: cannot truncate %s (os error %d)",
                        f->temp, os_error);
            bgc__file_close(fh);
        }
    }
    f->transferred = 0;
    f->validated = 0;
    job->files_transferred--;
    bgc__od_reset(f); /* an on-demand image is empty again too */
    f->bytes_transferred = 0;
    f->bytes_total = f->nranges ? bgc__ranges_total(f->ranges, f->nranges, f->remote_size) : BGC_SIZE_UNKNOWN;
    validator = f->validator;
    f->validator = NULL; /* the next download starts from byte 0 */
    bgc__job_set_error(job, &err);
    job->error_count++;
    switch (job->state) {
    case BGC_STATE_TRANSFERRED:
    case BGC_STATE_CONNECTING:
    case BGC_STATE_TRANSFERRING:
    case BGC_STATE_TRANSIENT_ERROR:
        bgc__job_set_state(job, job->state, BGC_STATE_ERROR);
        break;
    default:
        /* SUSPENDED, QUEUED, ERROR: no ERROR edge; the file is fetched again on the next
         * run (QUEUED: at once) and the error record waits for the next failure. */
        bgc__job_touch(job);
        if (bgc__state_is_active(job->state) && job->q->engine)
            bgc__engine_wake(job->q->engine);
        break;
    }
    UNLOCK(job);
    bgc_free(validator);
    bgc_log(BGC_LOG_INFO, BGC__CH_JOB, "job %p file %lu: validation failed; will download again",
            (void *)job, (unsigned long)index);
    return BGC_OK;
}

int bgc_job_get_file_validation(struct bgc_job *job, size_t index, int *valid)
{
    int rc = BGC_OK;

    if (!job || !valid)
        return BGC_E_INVALIDARG;
    LOCK(job);
    if (index >= job->nfiles)
        rc = BGC_E_INVALIDARG;
    else
        *valid = job->files[index]->validated;
    UNLOCK(job);
    return rc;
}

int bgc_job_get_file_http_headers(struct bgc_job *job, size_t index, char **out)
{
    int rc = BGC_OK;

    if (!out)
        return BGC_E_INVALIDARG;
    *out = NULL;
    if (!job)
        return BGC_E_INVALIDARG;
    LOCK(job);
    if (index >= job->nfiles) {
        rc = BGC_E_INVALIDARG;
    } else {
        const char *h = job->files[index]->http_headers;

        *out = bgc_strdup(h ? h : "");
        if (!*out)
            rc = BGC_E_NOMEM;
    }
    UNLOCK(job);
    return rc;
}
