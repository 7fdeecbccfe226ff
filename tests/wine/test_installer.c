/*
 * test_installer.c - bgcopy-setup.exe (cmake/bgcopy.nsi) round trip under Wine (issue 5 item
 * 3): a silent machine-wide install, a transfer through the installed server and its
 * bgcopyadmin, a silent
 * uninstall, and then no bgcopy registry key and no bgcopy file left.
 *
 * Runs under tests/wine/wine-run.sh. The harness registered the build's server; the test
 * first unregisters it and drops the harness configuration, so that what it finds at the end
 * is only what the installer left.
 *
 * Invariants:
 *  1. Every process is waited for with a bound; the uninstaller re-launches itself from %TEMP%
 *     (NSIS), so its end is observed by polling for the install directory to go.
 *  2. The install directory is C:\bgc-inst (/D=, the last argument as NSIS demands).
 */
#include "wine_test.h"

#define INST_DIR L"C:\\bgc-inst"
#define CLSID_KEY L"Software\\Classes\\CLSID\\{5DF81799-3AC7-47C5-ADCF-4C02CC5EC282}"
#define UNINST_KEY L"Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\bgcopy"

/* Runs cmdline and waits up to ms; returns its exit code (fails the test on a timeout). */
static DWORD run(const WCHAR *cmdline, DWORD ms)
{
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    WCHAR buf[WT_PATH];
    DWORD code = 255;

    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    wcscpy(buf, cmdline);
    if (!CreateProcessW(NULL, buf, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi)) {
        print_error("cannot run %ls: %lu\n", cmdline, (unsigned long)GetLastError());
        fail();
    }
    if (WaitForSingleObject(pi.hProcess, ms) != WAIT_OBJECT_0) {
        TerminateProcess(pi.hProcess, 255);
        print_error("%ls did not finish within %lu ms\n", cmdline, (unsigned long)ms);
        fail();
    }
    GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    return code;
}

static BOOL key_exists(HKEY root, const WCHAR *path)
{
    HKEY key;

    if (RegOpenKeyExW(root, path, 0, KEY_READ | KEY_WOW64_64KEY, &key) != ERROR_SUCCESS)
        return FALSE;
    RegCloseKey(key);
    return TRUE;
}

static void installer_round_trip_leaves_nothing_behind(void **state)
{
    WCHAR cmd[WT_PATH], path[WT_PATH], url[WT_PATH], local[WT_PATH], value[WT_PATH], appdata[WT_PATH];
    DWORD size = sizeof(value);
    ULONGLONG end;

    (void)state;
    /* Start from a machine without bgcopy: the harness's registration and configuration go. */
    assert_int_equal(run(wt_format(cmd, L"\"%ls\\bgcopysvc.exe\" /UnregServer", wt_env(L"BGC_BIN_DIR")), 60000), 0);
    RegDeleteTreeW(HKEY_CURRENT_USER, L"Software\\bgcopy");
    assert_false(key_exists(HKEY_LOCAL_MACHINE, CLSID_KEY));

    /* Silent machine-wide install. */
    assert_int_equal(run(wt_format(cmd, L"\"%ls\\bgcopy-setup.exe\" /S /AllUsers /D=" INST_DIR, wt_env(L"BGC_BIN_DIR")),
                         120000),
                     0);
    assert_true(wt_file_exists(INST_DIR L"\\bgcopysvc.exe"));
    assert_true(wt_file_exists(INST_DIR L"\\bgcopyps.dll"));
    assert_true(wt_file_exists(INST_DIR L"\\bgcopy.tlb"));
    assert_true(wt_file_exists(INST_DIR L"\\bgcopyadmin.exe"));
    assert_true(wt_file_exists(INST_DIR L"\\bgcopynotify.exe"));
    assert_true(wt_file_exists(INST_DIR L"\\uninstall.exe"));
    assert_true(wt_file_exists(INST_DIR L"\\examples\\download.js"));
    assert_true(key_exists(HKEY_LOCAL_MACHINE, UNINST_KEY));
    assert_int_equal(RegGetValueW(HKEY_LOCAL_MACHINE, CLSID_KEY L"\\LocalServer32", NULL,
                                  RRF_RT_REG_SZ | RRF_NOEXPAND, NULL, value, &size), /* 64-bit test: the 64-bit view */
                     ERROR_SUCCESS);
    assert_non_null(wcsstr(value, INST_DIR L"\\bgcopysvc.exe")); /* the installed server */

    /* A transfer through it, by the installed bgcopyadmin (a separate process: the proxy DLL
     * it loads is gone with it, so the uninstaller can delete every file). */
    wt_format(local, L"%ls\\installed.bin", wt_env(L"BGC_TEMP_DIR"));
    assert_int_equal(run(wt_format(cmd, INST_DIR L"\\bgcopyadmin.exe /transfer installed %ls %ls",
                                   wt_url(url, L"/gen/300000?seed=51"), local),
                         120000),
                     0);
    wt_assert_file_is_testdata(local, 51, 300000);

    /* Silent uninstall; it re-launches itself, so wait for the directory to go (invariant 1). */
    assert_int_equal(run(INST_DIR L"\\uninstall.exe /S /AllUsers", 120000), 0);
    end = GetTickCount64() + 120000;
    while ((GetFileAttributesW(INST_DIR) != INVALID_FILE_ATTRIBUTES || key_exists(HKEY_LOCAL_MACHINE, UNINST_KEY)) &&
           GetTickCount64() < end)
        Sleep(250);

    /* Nothing of bgcopy is left. */
    assert_int_equal(GetFileAttributesW(INST_DIR), INVALID_FILE_ATTRIBUTES);
    assert_false(key_exists(HKEY_LOCAL_MACHINE, UNINST_KEY));
    assert_false(key_exists(HKEY_LOCAL_MACHINE, CLSID_KEY));
    assert_false(key_exists(HKEY_LOCAL_MACHINE, L"Software\\Classes\\BgCopy.Manager"));
    assert_false(key_exists(HKEY_LOCAL_MACHINE, L"Software\\Classes\\BgCopy.Manager.1"));
    assert_false(key_exists(HKEY_LOCAL_MACHINE, L"Software\\Classes\\TypeLib\\{4D6AB99E-0AB2-46CF-8235-BC751D8B550B}"));
    assert_false(key_exists(HKEY_LOCAL_MACHINE,
                            L"Software\\Classes\\CLSID\\{35BBCB42-458D-47C6-8D9B-EC9B1DFC8516}")); /* proxy/stub */
    assert_false(key_exists(HKEY_LOCAL_MACHINE, L"Software\\Classes\\AppID\\{1426E6B5-24F4-4A45-9730-58E423D9A403}"));
    assert_false(key_exists(HKEY_LOCAL_MACHINE, L"Software\\Classes\\CLSID\\{416D1E96-BC43-45E1-A165-B43D3C7073AB}"));
    assert_false(key_exists(HKEY_LOCAL_MACHINE, L"Software\\bgcopy"));
    assert_false(key_exists(HKEY_CURRENT_USER, L"Software\\bgcopy"));
    assert_true(GetEnvironmentVariableW(L"LOCALAPPDATA", appdata, WT_PATH) > 0);
    assert_int_equal(GetFileAttributesW(wt_format(path, L"%ls\\bgcopy", appdata)), INVALID_FILE_ATTRIBUTES);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(installer_round_trip_leaves_nothing_behind),
    };
    int rc;

    if (wt_com_init())
        return 1;
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    CoUninitialize();
    return rc;
}
