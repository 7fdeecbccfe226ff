/*
 * content.c - the files area's Job5 download-content properties (bits-behavior 2.6):
 * DYNAMIC_CONTENT, HIGH_PERFORMANCE and MAX_DOWNLOAD_SIZE. transfer.c, job.c and engine.c
 * read the fields under q->lock and apply them (see each setter's comment in bgc.h).
 *
 * Invariants:
 *  1. DYNAMIC_CONTENT and MAX_DOWNLOAD_SIZE change only before the job's first successful
 *     Resume (resumed_once), HIGH_PERFORMANCE only while the job has no file, so a transfer
 *     never sees them change under it.
 *  2. A dynamic job never holds a ranged file: each side refuses the other
 *     (BGC_E_UNSUPPORTED_JOB_CONFIGURATION).
 *  3. Setters go through bgc__job_begin_change (final jobs: BGC_E_INVALID_STATE) and move the
 *     modification time (G7).
 */
#include "bgc.h"
#include "jobs_int.h"

#define LOCK(job) bgc__mutex_lock((job)->q->lock)
#define UNLOCK(job) bgc__queue_unlock((job)->q)

/* Common start of the three setters: lock, state, type. On success the lock is held. */
static int begin(struct bgc_job *job)
{
    int rc;

    if (!job)
        return BGC_E_INVALIDARG;
    rc = bgc__job_begin_change(job);
    if (rc != BGC_OK)
        return rc;
    if (job->type != BGC_JOB_DOWNLOAD) {
        UNLOCK(job);
        return BGC_E_NOT_DOWNLOAD;
    }
    return BGC_OK;
}

int bgc_job_set_dynamic_content(struct bgc_job *job, int enable)
{
    int rc = begin(job);

    if (rc != BGC_OK)
        return rc;
    if (job->resumed_once) {
        rc = BGC_E_READ_ONLY_AFTER_RESUME;
    } else if (enable && job->on_demand) {
        rc = BGC_E_UNSUPPORTED_JOB_CONFIGURATION; /* ON_DEMAND_MODE excludes dynamic content */
    } else if (enable) {
        for (size_t i = 0; i < job->nfiles && rc == BGC_OK; i++) {
            if (job->files[i]->nranges)
                rc = BGC_E_UNSUPPORTED_JOB_CONFIGURATION; /* invariant 2 */
        }
    }
    if (rc == BGC_OK) {
        job->dynamic_content = enable != 0;
        bgc__job_touch(job);
    }
    UNLOCK(job);
    return rc;
}

int bgc_job_get_dynamic_content(struct bgc_job *job)
{
    int v;

    LOCK(job);
    v = job->dynamic_content;
    UNLOCK(job);
    return v;
}

int bgc_job_set_high_performance(struct bgc_job *job, int enable)
{
    int rc = begin(job);

    if (rc != BGC_OK)
        return rc;
    if (job->nfiles) {
        rc = BGC_E_READ_ONLY_AFTER_ADDFILE;
    } else {
        job->high_performance = enable != 0;
        bgc__job_touch(job);
    }
    UNLOCK(job);
    return rc;
}

int bgc_job_get_high_performance(struct bgc_job *job)
{
    int v;

    LOCK(job);
    v = job->high_performance;
    UNLOCK(job);
    return v;
}

int bgc_job_set_max_download_size(struct bgc_job *job, uint64_t bytes)
{
    int rc;

    if (bytes == 0)
        return job ? BGC_E_MAX_DOWNLOAD_SIZE_INVALID : BGC_E_INVALIDARG;
    rc = begin(job);
    if (rc != BGC_OK)
        return rc;
    if (job->resumed_once) {
        rc = BGC_E_READ_ONLY_AFTER_RESUME;
    } else {
        job->max_download_size = bytes;
        bgc__job_touch(job);
    }
    UNLOCK(job);
    return rc;
}

uint64_t bgc_job_get_max_download_size(struct bgc_job *job)
{
    uint64_t v;

    LOCK(job);
    v = job->max_download_size;
    UNLOCK(job);
    return v;
}

int bgc__content_over_cap(const struct bgc_job *job)
{
    uint64_t need = 0;

    if (!job->max_download_size)
        return 0;
    for (size_t i = 0; i < job->nfiles; i++) {
        const struct bgc_file *f = job->files[i];
        uint64_t n = f->bytes_total != BGC_SIZE_UNKNOWN && f->bytes_total > f->bytes_transferred
                         ? f->bytes_total
                         : f->bytes_transferred;

        need += n;
        if (need > job->max_download_size)
            return 1;
    }
    return 0;
}
