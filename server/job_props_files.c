/*
 * job_props_files.c - the files area's rows of IBackgroundCopyJob5::SetProperty/GetProperty
 * (job_props.c): DYNAMIC_CONTENT, HIGH_PERFORMANCE, MAX_DOWNLOAD_SIZE and ON_DEMAND_MODE
 * (bits-behavior 2.6, J1). The rules live in jobs/content.c; this file checks the job type
 * and maps the results.
 *
 * Invariants:
 *  1. Every setter refuses non-download jobs with BG_E_PROPERTY_SUPPORTED_FOR_DOWNLOAD_JOBS_ONLY
 *     (J1) before anything else; job_props.c has already refused final jobs (G3).
 *  2. Getters answer in every state with the union arm of the property (Enable or Uint64).
 *  3. ON_DEMAND_MODE, like DYNAMIC_CONTENT and MAX_DOWNLOAD_SIZE, is settable only before the
 *     first Resume (jobs/ondemand.c); File6 works only on on-demand jobs (file.c).
 */
#include "server.h"

#ifndef BG_E_PROPERTY_SUPPORTED_FOR_DOWNLOAD_JOBS_ONLY
#define BG_E_PROPERTY_SUPPORTED_FOR_DOWNLOAD_JOBS_ONLY ((HRESULT)0x80200060)
#endif

static BOOL is_download(struct bgc_job *core)
{
    return bgc_job_get_type(core) == BGC_JOB_DOWNLOAD;
}

HRESULT job_props_files_set_dynamic(struct bgc_job *core, const BITS_JOB_PROPERTY_VALUE *value)
{
    if (!is_download(core))
        return BG_E_PROPERTY_SUPPORTED_FOR_DOWNLOAD_JOBS_ONLY;
    return hresult_from_bgc(bgc_job_set_dynamic_content(core, value->Enable ? 1 : 0));
}

HRESULT job_props_files_get_dynamic(struct bgc_job *core, BITS_JOB_PROPERTY_VALUE *value)
{
    value->Enable = bgc_job_get_dynamic_content(core) ? TRUE : FALSE;
    return S_OK;
}

HRESULT job_props_files_set_high_performance(struct bgc_job *core, const BITS_JOB_PROPERTY_VALUE *value)
{
    if (!is_download(core))
        return BG_E_PROPERTY_SUPPORTED_FOR_DOWNLOAD_JOBS_ONLY;
    return hresult_from_bgc(bgc_job_set_high_performance(core, value->Enable ? 1 : 0));
}

HRESULT job_props_files_get_high_performance(struct bgc_job *core, BITS_JOB_PROPERTY_VALUE *value)
{
    value->Enable = bgc_job_get_high_performance(core) ? TRUE : FALSE;
    return S_OK;
}

HRESULT job_props_files_set_max_download_size(struct bgc_job *core, const BITS_JOB_PROPERTY_VALUE *value)
{
    if (!is_download(core))
        return BG_E_PROPERTY_SUPPORTED_FOR_DOWNLOAD_JOBS_ONLY;
    return hresult_from_bgc(bgc_job_set_max_download_size(core, value->Uint64));
}

HRESULT job_props_files_get_max_download_size(struct bgc_job *core, BITS_JOB_PROPERTY_VALUE *value)
{
    value->Uint64 = bgc_job_get_max_download_size(core); /* 0: no cap (the default) */
    return S_OK;
}

HRESULT job_props_files_set_on_demand(struct bgc_job *core, const BITS_JOB_PROPERTY_VALUE *value)
{
    if (!is_download(core))
        return BG_E_PROPERTY_SUPPORTED_FOR_DOWNLOAD_JOBS_ONLY;
    return hresult_from_bgc(bgc_job_set_on_demand(core, value->Enable ? 1 : 0));
}

HRESULT job_props_files_get_on_demand(struct bgc_job *core, BITS_JOB_PROPERTY_VALUE *value)
{
    value->Enable = bgc_job_get_on_demand(core) ? TRUE : FALSE;
    return S_OK;
}
