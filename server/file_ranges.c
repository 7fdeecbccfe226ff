/*
 * file_ranges.c - IBackgroundCopyCallback3::FileRangesTransferred for the notification sink
 * (notify.c): the files area's half of N2/N3 for on-demand jobs (jobs/ondemand.c).
 *
 * Invariants:
 *  1. The ranges are taken from the core at delivery time, so each call reports what arrived
 *     since the previous one; they are forgotten even if the callback fails (N2: the event is
 *     rate-limited and may be dropped, like JobModification).
 *  2. The ranges array and the file object belong to this call (N12): the array is freed and
 *     the file released after the callback returns.
 */
#include <stdlib.h>

#include "server.h"

HRESULT file_ranges_deliver(IBackgroundCopyCallback3 *cb3, IBackgroundCopyJob *job, struct bgc_job *core,
                            unsigned file_index)
{
    IBackgroundCopyFile *file = NULL;
    struct bgc_range *r = NULL;
    BG_FILE_RANGE *ranges;
    size_t n = 0, i;
    HRESULT hr;

    hr = hresult_from_bgc(bgc_job_take_transferred_ranges(core, file_index, &r, &n));
    if (FAILED(hr) || !n)
        return FAILED(hr) ? hr : S_OK;
    if (!(ranges = calloc(n, sizeof(*ranges)))) {
        bgc_free(r);
        return E_OUTOFMEMORY;
    }
    for (i = 0; i < n; i++) {
        ranges[i].InitialOffset = r[i].offset;
        ranges[i].Length = r[i].length;
    }
    bgc_free(r);
    hr = BgCopyFile_create(core, file_index, &file);
    if (SUCCEEDED(hr)) {
        TRACE("FileRangesTransferred(file %u, %lu range(s), first %llu +%llu)", file_index, (unsigned long)n,
              (unsigned long long)ranges[0].InitialOffset, (unsigned long long)ranges[0].Length);
        hr = IBackgroundCopyCallback3_FileRangesTransferred(cb3, job, file, (DWORD)n, ranges);
        IBackgroundCopyFile_Release(file);
    }
    free(ranges);
    return hr;
}

HRESULT file_ranges_drop(struct bgc_job *core, unsigned file_index)
{
    struct bgc_range *r = NULL;
    size_t n = 0;

    bgc_job_take_transferred_ranges(core, file_index, &r, &n);
    bgc_free(r);
    return S_OK;
}
