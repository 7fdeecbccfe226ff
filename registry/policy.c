/*
 * policy.c - the BITS bandwidth Group Policy (S4, L25), read from
 * HKLM\Software\Policies\Microsoft\Windows\BITS, the values Windows' Group Policy editor writes
 * for "Limit the maximum network bandwidth for BITS background transfers":
 *   EnableBITSMaxBandwidth      DWORD  1 = the policy is on (anything else: no limit)
 *   MaxTransferRateOnSchedule   DWORD  kilobits per second inside the schedule (0 blocks)
 *   MaxBandwidthValidFrom       DWORD  hour 0-23 the schedule starts (local time)
 *   MaxBandwidthValidTo         DWORD  hour 0-23 it ends (exclusive); equal to From = all day
 *   UseSystemMaximum            DWORD  1 = no limit outside the schedule
 *   MaxTransferRateOffSchedule  DWORD  kilobits per second outside the schedule otherwise
 *
 * Invariants:
 *  1. A missing or malformed value means "no limit" for that part; the function never fails.
 *  2. 1 kbps = 125 bytes per second (kilo = 1000, as network rates count).
 */
#include <windows.h>

#include "bgreg.h"

#define POLICY_KEY L"Software\\Policies\\Microsoft\\Windows\\BITS"

static int read_dword(HKEY key, const wchar_t *name, DWORD *out)
{
    DWORD size = sizeof(*out), type = 0;

    return RegQueryValueExW(key, name, NULL, &type, (BYTE *)out, &size) == ERROR_SUCCESS && type == REG_DWORD;
}

uint64_t bgreg_bandwidth_policy(const SYSTEMTIME *local_now, unsigned *next_change_s)
{
    HKEY key;
    DWORD enabled = 0, on = 0, from = 0, to = 0, system_max = 0, off = 0;
    int has_on, has_off, inside;
    unsigned hour = local_now->wHour;
    uint64_t bps = BGREG_BANDWIDTH_UNLIMITED;

    *next_change_s = (unsigned)(3600 - local_now->wMinute * 60 - local_now->wSecond); /* next hour */
    if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, POLICY_KEY, 0, KEY_READ, &key) != ERROR_SUCCESS)
        return bps;
    if (read_dword(key, L"EnableBITSMaxBandwidth", &enabled) && enabled == 1) {
        has_on = read_dword(key, L"MaxTransferRateOnSchedule", &on);
        read_dword(key, L"MaxBandwidthValidFrom", &from);
        read_dword(key, L"MaxBandwidthValidTo", &to);
        read_dword(key, L"UseSystemMaximum", &system_max);
        has_off = read_dword(key, L"MaxTransferRateOffSchedule", &off);
        from %= 24;
        to %= 24;
        if (from == to)
            inside = 1;
        else if (from < to)
            inside = hour >= from && hour < to;
        else
            inside = hour >= from || hour < to; /* the schedule wraps around midnight */
        if (inside && has_on)
            bps = (uint64_t)on * 125u;
        else if (!inside && system_max != 1 && has_off)
            bps = (uint64_t)off * 125u;
    }
    RegCloseKey(key);
    return bps;
}
