/*
 * service.c - `bgcopysvc /RegServer /service` and `/UnregServer /service`
 * (bgreg_service_*): bgcopysvc.exe as the Windows service "bgcopy", the LocalService of
 * bgcopy's AppID, so that COM starts the service for activations of CLSID_BgCopyManager.
 *
 * What it writes (registry/README.md, "/service"):
 *   the service "bgcopy" in the service control manager (its key
 *   HKLM\System\CurrentControlSet\Services\bgcopy): SERVICE_WIN32_OWN_PROCESS, LocalSystem,
 *   SERVICE_AUTO_START + delayed auto-start, SERVICE_ERROR_NORMAL,
 *   ImagePath "<full path>\bgcopysvc.exe" /Service, a display name and a description;
 *   HKLM\Software\Classes\AppID\{APPID_BgCopy} value LocalService = bgcopy.
 *
 * Invariants:
 *  1. Registering twice leaves the state of one registration: an existing service is
 *     reconfigured (ChangeServiceConfig), never duplicated.
 *  2. Unregistration removes exactly those two things: the service (stopped first, so that it
 *     flushes its job store) and the LocalService value when it names our service. The AppID
 *     key itself belongs to the COM registration (register.c) and stays.
 *  3. Everything goes through the service control manager, never by writing the Services key
 *     directly.
 */
#include <windows.h>

#include <stdio.h>
#include <wchar.h>
#include <winsvc.h>

#include "bgreg.h"

#define APPID_KEY L"Software\\Classes\\AppID\\{1426E6B5-24F4-4A45-9730-58E423D9A403}"
#define DISPLAY_NAME L"bgcopy Background Transfer Service"
#define DESCRIPTION                                                                                \
    L"Transfers files in the background for programs using the bgcopy (BITS-compatible) job API, " \
    L"and continues pending jobs after a restart."
#define STOP_WAIT_MS 30000

static LONG set_local_service(void)
{
    HKEY key;
    LONG err = RegOpenKeyExW(HKEY_LOCAL_MACHINE, APPID_KEY, 0, KEY_SET_VALUE, &key);

    if (err)
        return err; /* the COM registration must come first */
    err = RegSetValueExW(key, L"LocalService", 0, REG_SZ, (const BYTE *)BGREG_SERVICE_NAME,
                         (DWORD)((wcslen(BGREG_SERVICE_NAME) + 1) * sizeof(wchar_t)));
    RegCloseKey(key);
    return err;
}

long bgreg_service_register(const wchar_t *server_exe)
{
    wchar_t image[BGREG_MAX_PATH + 16];
    SERVICE_DESCRIPTIONW desc = {(wchar_t *)DESCRIPTION};
    SERVICE_DELAYED_AUTO_START_INFO delayed = {TRUE};
    SC_HANDLE scm, svc;
    LONG err = ERROR_SUCCESS;

    if (wcslen(server_exe) >= BGREG_MAX_PATH)
        return ERROR_FILENAME_EXCED_RANGE;
    _snwprintf(image, sizeof(image) / sizeof(image[0]), L"\"%s\" /Service", server_exe);
    image[sizeof(image) / sizeof(image[0]) - 1] = 0;
    scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT | SC_MANAGER_CREATE_SERVICE);
    if (!scm)
        return (LONG)GetLastError();
    svc = CreateServiceW(scm, BGREG_SERVICE_NAME, DISPLAY_NAME, SERVICE_ALL_ACCESS,
                         SERVICE_WIN32_OWN_PROCESS, SERVICE_AUTO_START, SERVICE_ERROR_NORMAL, image,
                         NULL, NULL, NULL, NULL, NULL);
    if (!svc && GetLastError() == ERROR_SERVICE_EXISTS) { /* invariant 1 */
        svc = OpenServiceW(scm, BGREG_SERVICE_NAME, SERVICE_ALL_ACCESS);
        if (svc && !ChangeServiceConfigW(svc, SERVICE_WIN32_OWN_PROCESS, SERVICE_AUTO_START,
                                         SERVICE_ERROR_NORMAL, image, NULL, NULL, NULL, NULL, NULL,
                                         DISPLAY_NAME))
            err = (LONG)GetLastError();
    }
    if (!svc)
        err = (LONG)GetLastError();
    if (!err && !ChangeServiceConfig2W(svc, SERVICE_CONFIG_DESCRIPTION, &desc))
        err = (LONG)GetLastError();
    /* P6: delayed auto-start; a system without it (before Vista) keeps plain auto-start. */
    if (!err && !ChangeServiceConfig2W(svc, SERVICE_CONFIG_DELAYED_AUTO_START_INFO, &delayed) &&
        GetLastError() != ERROR_INVALID_LEVEL)
        err = (LONG)GetLastError();
    if (svc)
        CloseServiceHandle(svc);
    CloseServiceHandle(scm);
    if (!err)
        err = set_local_service();
    return err;
}

/* Stops the service if it runs; waits up to STOP_WAIT_MS. */
static void stop_service(SC_HANDLE svc)
{
    SERVICE_STATUS st;
    ULONGLONG end = GetTickCount64() + STOP_WAIT_MS;

    if (!QueryServiceStatus(svc, &st) || st.dwCurrentState == SERVICE_STOPPED)
        return;
    ControlService(svc, SERVICE_CONTROL_STOP, &st);
    while (QueryServiceStatus(svc, &st) && st.dwCurrentState != SERVICE_STOPPED &&
           GetTickCount64() < end)
        Sleep(100);
}

long bgreg_service_unregister(void)
{
    SC_HANDLE scm, svc;
    HKEY key;
    wchar_t value[64];
    DWORD bytes = sizeof(value) - sizeof(wchar_t), type = 0;
    LONG err = ERROR_SUCCESS;

    scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
    if (!scm)
        return (LONG)GetLastError();
    svc = OpenServiceW(scm, BGREG_SERVICE_NAME, SERVICE_STOP | SERVICE_QUERY_STATUS | DELETE);
    if (svc) {
        stop_service(svc);
        if (!DeleteService(svc) && GetLastError() != ERROR_SERVICE_MARKED_FOR_DELETE)
            err = (LONG)GetLastError();
        CloseServiceHandle(svc);
    } else if (GetLastError() != ERROR_SERVICE_DOES_NOT_EXIST) {
        err = (LONG)GetLastError();
    }
    CloseServiceHandle(scm);

    /* invariant 2: the LocalService value only, and only when it names our service */
    if (!RegOpenKeyExW(HKEY_LOCAL_MACHINE, APPID_KEY, 0, KEY_QUERY_VALUE | KEY_SET_VALUE, &key)) {
        memset(value, 0, sizeof(value));
        if (!RegQueryValueExW(key, L"LocalService", NULL, &type, (BYTE *)value, &bytes) &&
            type == REG_SZ && !_wcsicmp(value, BGREG_SERVICE_NAME)) {
            LONG e = RegDeleteValueW(key, L"LocalService");
            if (e && !err)
                err = e;
        }
        RegCloseKey(key);
    }
    return err;
}

int bgreg_service_registered(void)
{
    SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT), svc = NULL;
    wchar_t value[64];
    DWORD bytes = sizeof(value);
    int found = 0;

    if (scm) {
        svc = OpenServiceW(scm, BGREG_SERVICE_NAME, SERVICE_QUERY_STATUS);
        found = svc != NULL;
        if (svc)
            CloseServiceHandle(svc);
        CloseServiceHandle(scm);
    }
    if (!found && !RegGetValueW(HKEY_LOCAL_MACHINE, APPID_KEY, L"LocalService", RRF_RT_REG_SZ, NULL,
                                value, &bytes))
        found = !_wcsicmp(value, BGREG_SERVICE_NAME);
    return found;
}
