/*
 * config.c - the server configuration: values of HKCU\Software\bgcopy, then
 * HKLM\Software\bgcopy, then defaults (registry/README.md documents each value). The
 * service (bgcopysvc.exe /Service) reads HKLM\Software\bgcopy only, and its DataDir defaults
 * to %ProgramData%\bgcopy instead of %LOCALAPPDATA%\bgcopy.
 *
 * Invariants:
 *  1. Each value is looked up on its own: HKCU wins over HKLM value by value.
 *  2. A value of the wrong type or unreadable counts as absent; loading never fails.
 */
#include <windows.h>

#include <shlobj.h>
#include <wchar.h>

#include "bgreg.h"

#define CONFIG_KEY L"Software\\bgcopy"

#define DEFAULT_LOG_LEVEL 3u
#define DEFAULT_IDLE_TIMEOUT_MS 10000u
#define DEFAULT_RETRY_DELAY_FLOOR_S 5u

static const HKEY hives[] = {HKEY_CURRENT_USER, HKEY_LOCAL_MACHINE};
static size_t first_hive; /* 0: HKCU then HKLM; 1: HKLM only (the service); set per load */

static int read_dword(const wchar_t *name, unsigned *out)
{
    size_t i;

    for (i = first_hive; i < sizeof(hives) / sizeof(hives[0]); i++) {
        DWORD value = 0, size = sizeof(value);

        if (RegGetValueW(hives[i], CONFIG_KEY, name, RRF_RT_REG_DWORD, NULL, &value, &size) == ERROR_SUCCESS) {
            *out = value;
            return 1;
        }
    }
    return 0;
}

/* Reads a string value (REG_SZ, or REG_EXPAND_SZ expanded) into out[size].
 * RegGetValueW refuses RRF_RT_REG_EXPAND_SZ without RRF_NOEXPAND (ERROR_INVALID_PARAMETER,
 * on Windows and Wine alike), so the raw value is read and expanded here. */
static int read_string(const wchar_t *name, wchar_t *out, DWORD size)
{
    size_t i;

    for (i = first_hive; i < sizeof(hives) / sizeof(hives[0]); i++) {
        wchar_t raw[MAX_PATH * 2];
        DWORD bytes = sizeof(raw) - sizeof(wchar_t), type = 0, n;

        if (RegGetValueW(hives[i], CONFIG_KEY, name, RRF_RT_REG_SZ | RRF_RT_REG_EXPAND_SZ | RRF_NOEXPAND,
                         &type, raw, &bytes) != ERROR_SUCCESS || !raw[0])
            continue;
        raw[sizeof(raw) / sizeof(raw[0]) - 1] = 0;
        if (type == REG_EXPAND_SZ) {
            n = ExpandEnvironmentStringsW(raw, out, size);
            if (!n || n > size)
                continue;
        } else {
            if (wcslen(raw) >= size)
                continue;
            wcscpy(out, raw);
        }
        return 1;
    }
    out[0] = 0;
    return 0;
}

/* %LOCALAPPDATA%\bgcopy */
static void default_data_dir(wchar_t *out, size_t size)
{
    wchar_t base[MAX_PATH];
    DWORD n = GetEnvironmentVariableW(L"LOCALAPPDATA", base, MAX_PATH);

    if (!n || n >= MAX_PATH) {
        if (FAILED(SHGetFolderPathW(NULL, CSIDL_LOCAL_APPDATA | CSIDL_FLAG_CREATE, NULL, SHGFP_TYPE_CURRENT, base)))
            GetTempPathW(MAX_PATH, base);
    }
    n = (DWORD)wcslen(base);
    while (n && (base[n - 1] == L'\\' || base[n - 1] == L'/'))
        base[--n] = 0;
    _snwprintf(out, size, L"%s\\bgcopy", base);
    out[size - 1] = 0;
}

/* %ProgramData%\bgcopy (the service's default) */
static void default_machine_data_dir(wchar_t *out, size_t size)
{
    wchar_t base[MAX_PATH];
    DWORD n = GetEnvironmentVariableW(L"ProgramData", base, MAX_PATH);

    if (!n || n >= MAX_PATH) {
        if (FAILED(SHGetFolderPathW(NULL, CSIDL_COMMON_APPDATA | CSIDL_FLAG_CREATE, NULL, SHGFP_TYPE_CURRENT, base)))
            GetTempPathW(MAX_PATH, base);
    }
    n = (DWORD)wcslen(base);
    while (n && (base[n - 1] == L'\\' || base[n - 1] == L'/'))
        base[--n] = 0;
    _snwprintf(out, size, L"%s\\bgcopy", base);
    out[size - 1] = 0;
}

static void load_config(struct bgc_config *cfg, struct bgreg_server_config *srv, int service)
{
    unsigned value;

    first_hive = service ? 1 : 0;

    memset(cfg, 0, sizeof(*cfg));
    memset(srv, 0, sizeof(*srv));
    cfg->retry_delay_floor_s = DEFAULT_RETRY_DELAY_FLOOR_S;
    srv->log_level = DEFAULT_LOG_LEVEL;
    srv->idle_timeout_ms = DEFAULT_IDLE_TIMEOUT_MS;

    if (!read_string(L"DataDir", srv->data_dir, BGREG_MAX_PATH)) {
        if (service)
            default_machine_data_dir(srv->data_dir, BGREG_MAX_PATH);
        else
            default_data_dir(srv->data_dir, BGREG_MAX_PATH);
    }
    if (read_dword(L"LogLevel", &value))
        srv->log_level = value > 4 ? 4 : value;
    if (read_dword(L"IdleTimeoutMs", &value))
        srv->idle_timeout_ms = value;
    if (read_dword(L"MaxTransfers", &value))
        cfg->max_transfers = value;
    if (read_dword(L"RetryDelayFloorS", &value))
        cfg->retry_delay_floor_s = value;
    /* core area (issue 3): scheduling and limits; 0 or absent = the core's default */
    if (read_dword(L"TimeSliceMs", &value))
        cfg->time_slice_ms = value;
    if (read_dword(L"MaxJobsPerUser", &value))
        cfg->max_jobs_per_user = value;
    if (read_dword(L"MaxJobsPerMachine", &value))
        cfg->max_jobs_per_machine = value;
    if (read_dword(L"MaxFilesPerJob", &value))
        cfg->max_files_per_job = value;
    /* files area (issue 3): F9 MaxRangesPerFile; 0 or absent = 500 */
    if (read_dword(L"MaxRangesPerFile", &value))
        cfg->max_ranges_per_file = value;
    /* inactivity area (issue 3): L24 JobInactivityTimeout; 0 or absent = 90 days */
    if (read_dword(L"JobInactivityTimeoutS", &value))
        cfg->job_inactivity_timeout_s = value;
}

void bgreg_load_config(struct bgc_config *cfg, struct bgreg_server_config *srv)
{
    load_config(cfg, srv, 0);
}

void bgreg_load_service_config(struct bgc_config *cfg, struct bgreg_server_config *srv)
{
    load_config(cfg, srv, 1);
}
