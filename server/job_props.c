/*
 * job_props.c - IBackgroundCopyJob5::SetProperty / GetProperty: one table from
 * BITS_JOB_PROPERTY_ID to a setter and a getter.
 *
 * EXTENSION POINT (issue 3 helpers): each property is one row of `props` below. To implement
 * a property, write two functions with the prop_set_fn / prop_get_fn signatures (in this file
 * or in your own file, declared in server.h) and put them in its row. A row whose functions
 * are NULL is a known property that is not implemented yet: it answers E_NOTIMPL (never a
 * fake success). Rows owned by:
 *   core helper : COST_FLAGS, NOTIFICATION_CLSID, MINIMUM_NOTIFICATION_INTERVAL_MS, IDs 6, 8
 *   files helper: DYNAMIC_CONTENT, HIGH_PERFORMANCE, MAX_DOWNLOAD_SIZE, ON_DEMAND_MODE
 *   HTTP helper : USE_STORED_CREDENTIALS
 *
 * Invariants:
 *  1. An ID that is not a row answers BG_E_UNKNOWN_PROPERTY_ID (J1). IDs 6 and 8 are case
 *     labels of the SDK union (they marshal as Dword) but name no property: unknown too.
 *  2. Setters refuse final jobs with BG_E_INVALID_STATE (G3) before calling the row, so a row
 *     only checks what is specific to its property. Getters answer in every state (L30).
 *  3. GetProperty zeroes the whole union before calling the row (no stale bytes go back
 *     over the wire).
 */
#include "server.h"

#ifndef BG_E_UNKNOWN_PROPERTY_ID
#define BG_E_UNKNOWN_PROPERTY_ID ((HRESULT)0x80200057)
#endif

typedef HRESULT (*prop_set_fn)(struct bgc_job *core, const BITS_JOB_PROPERTY_VALUE *value);
typedef HRESULT (*prop_get_fn)(struct bgc_job *core, BITS_JOB_PROPERTY_VALUE *value);

/* ---- core area: COST_FLAGS, NOTIFICATION_CLSID, MINIMUM_NOTIFICATION_INTERVAL_MS -------- */

/* COST_FLAGS is stored and reported; bgcopy has no network-cost source, so it never blocks a
 * transfer (S7 not enforced). Bits outside BITS_COST_STATE_* / _OPTION_*: E_NOTIMPL (G4). */
static HRESULT cost_flags_set(struct bgc_job *core, const BITS_JOB_PROPERTY_VALUE *value)
{
    return hresult_from_bgc(bgc_job_set_cost_flags(core, value->Dword));
}

static HRESULT cost_flags_get(struct bgc_job *core, BITS_JOB_PROPERTY_VALUE *value)
{
    value->Dword = bgc_job_get_cost_flags(core);
    return S_OK;
}

/* NOTIFICATION_CLSID: stored and returned; GUID_NULL clears. notify.c activates it (N6). */
static HRESULT clsid_set(struct bgc_job *core, const BITS_JOB_PROPERTY_VALUE *value)
{
    struct bgc_id id;
    HRESULT hr;

    bgc_id_from_guid(&value->ClsID, &id);
    if (SUCCEEDED(hr = hresult_from_bgc(bgc_job_set_notify_clsid(core, &id)))) {
        identity_capture(core, IDENTITY_CLSID, !IsEqualGUID(&value->ClsID, &GUID_NULL)); /* N8 */
        notify_clsid_changed(core);
    }
    return hr;
}

static HRESULT clsid_get(struct bgc_job *core, BITS_JOB_PROPERTY_VALUE *value)
{
    struct bgc_id id;

    bgc_job_get_notify_clsid(core, &id);
    guid_from_bgc_id(&id, &value->ClsID);
    return S_OK;
}

/* MINIMUM_NOTIFICATION_INTERVAL_MS: the JobModification rate limit (N2); any value, 0 = none. */
static HRESULT interval_set(struct bgc_job *core, const BITS_JOB_PROPERTY_VALUE *value)
{
    return hresult_from_bgc(bgc_job_set_min_notify_interval(core, value->Dword));
}

static HRESULT interval_get(struct bgc_job *core, BITS_JOB_PROPERTY_VALUE *value)
{
    value->Dword = bgc_job_get_min_notify_interval(core);
    return S_OK;
}

/* ---- The table ------------------------------------------------------------------------- */

static const struct {
    BITS_JOB_PROPERTY_ID id;
    prop_set_fn set; /* NULL: not implemented yet (E_NOTIMPL) */
    prop_get_fn get;
} props[] = {
    {BITS_JOB_PROPERTY_ID_COST_FLAGS, cost_flags_set, cost_flags_get},              /* core */
    {BITS_JOB_PROPERTY_NOTIFICATION_CLSID, clsid_set, clsid_get},                   /* core */
    {BITS_JOB_PROPERTY_DYNAMIC_CONTENT, job_props_files_set_dynamic, job_props_files_get_dynamic}, /* files */
    {BITS_JOB_PROPERTY_HIGH_PERFORMANCE, job_props_files_set_high_performance,
     job_props_files_get_high_performance},                                         /* files */
    {BITS_JOB_PROPERTY_MAX_DOWNLOAD_SIZE, job_props_files_set_max_download_size,
     job_props_files_get_max_download_size},                                        /* files */
    {BITS_JOB_PROPERTY_USE_STORED_CREDENTIALS, httpopts_prop_set_stored_credentials,
     httpopts_prop_get_stored_credentials},                                         /* HTTP */
    {BITS_JOB_PROPERTY_MINIMUM_NOTIFICATION_INTERVAL_MS, interval_set, interval_get}, /* core */
    {BITS_JOB_PROPERTY_ON_DEMAND_MODE, job_props_files_set_on_demand, job_props_files_get_on_demand}, /* files */
};

static int find_prop(BITS_JOB_PROPERTY_ID id)
{
    for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
        if (props[i].id == id)
            return (int)i;
    }
    return -1;
}

HRESULT job_props_set(struct bgc_job *core, BITS_JOB_PROPERTY_ID id, const BITS_JOB_PROPERTY_VALUE *value)
{
    enum bgc_state state;
    int i = find_prop(id);

    if (i < 0)
        return BG_E_UNKNOWN_PROPERTY_ID;
    state = bgc_job_get_state(core);
    if (state == BGC_STATE_ACKNOWLEDGED || state == BGC_STATE_CANCELLED)
        return BG_E_INVALID_STATE;
    if (!props[i].set) {
        FIXME("SetProperty(%d) is not implemented", (int)id);
        return E_NOTIMPL;
    }
    return props[i].set(core, value);
}

HRESULT job_props_get(struct bgc_job *core, BITS_JOB_PROPERTY_ID id, BITS_JOB_PROPERTY_VALUE *value)
{
    int i = find_prop(id);

    memset(value, 0, sizeof(*value));
    if (i < 0)
        return BG_E_UNKNOWN_PROPERTY_ID;
    if (!props[i].get) {
        FIXME("GetProperty(%d) is not implemented", (int)id);
        return E_NOTIMPL;
    }
    return props[i].get(core, value);
}
