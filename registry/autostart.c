/*
 * autostart.c - `bgcopysvc /RegServer /autostart` and `/UnregServer /autostart`
 * (bgreg_autostart_*): the per-user logon start of bgcopysvc.exe. At logon the shell runs
 * HKCU\Software\Microsoft\Windows\CurrentVersion\Run value "bgcopy" =
 * "<full path>\bgcopysvc.exe" /autostart; that server loads the job store, continues the
 * pending jobs, delivers pending notifications and exits by the idle rule (server/lifecycle.c).
 *
 * Invariants:
 *  1. Only the value "bgcopy" of the current user's Run key is written; registering twice
 *     leaves one value.
 *  2. Unregistration deletes that value only. The Run key itself stays (Windows profiles and
 *     fresh Wine 8 prefixes both have it, possibly empty); other values are never touched.
 */
#include <windows.h>

#include <wchar.h>

#include "bgreg.h"

long bgreg_autostart_register(const wchar_t *server_exe)
{
    wchar_t cmd[BGREG_MAX_PATH + 16];
    HKEY key;
    LONG err;

    if (wcslen(server_exe) >= BGREG_MAX_PATH)
        return ERROR_FILENAME_EXCED_RANGE;
    _snwprintf(cmd, sizeof(cmd) / sizeof(cmd[0]), L"\"%s\" /autostart", server_exe);
    cmd[sizeof(cmd) / sizeof(cmd[0]) - 1] = 0;
    err = RegCreateKeyExW(HKEY_CURRENT_USER, BGREG_RUN_KEY, 0, NULL, 0, KEY_SET_VALUE, NULL, &key,
                          NULL);
    if (err)
        return err;
    err = RegSetValueExW(key, BGREG_AUTOSTART_VALUE, 0, REG_SZ, (const BYTE *)cmd,
                         (DWORD)((wcslen(cmd) + 1) * sizeof(wchar_t)));
    RegCloseKey(key);
    return err;
}

long bgreg_autostart_unregister(void)
{
    HKEY key;
    LONG err = RegOpenKeyExW(HKEY_CURRENT_USER, BGREG_RUN_KEY, 0, KEY_SET_VALUE, &key);

    if (err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND)
        return ERROR_SUCCESS;
    if (err)
        return err;
    err = RegDeleteValueW(key, BGREG_AUTOSTART_VALUE);
    RegCloseKey(key);
    return err == ERROR_FILE_NOT_FOUND ? ERROR_SUCCESS : err; /* invariant 2 */
}

int bgreg_autostart_registered(void)
{
    return RegGetValueW(HKEY_CURRENT_USER, BGREG_RUN_KEY, BGREG_AUTOSTART_VALUE, RRF_RT_REG_SZ,
                        NULL, NULL, NULL) == ERROR_SUCCESS;
}
