/*
 * test_registration.c - bgcopysvc.exe /RegServer and /UnregServer (registry/register.c).
 *
 * Runs under tests/wine/wine-run.sh, which registered bgcopy with `/RegServer` before the test
 * starts. Each test compares registry snapshots: the keys bgcopy may write (its own class,
 * AppID, ProgID and type-library keys, the proxy class, and the Interface keys of every
 * interface of idl/bgcopy.idl) under both HKCU\Software\Classes and HKLM\Software\Classes,
 * so the same test holds for a per-user registration (Windows) and a machine-wide one (Wine).
 *
 * Invariants:
 *  1. A snapshot is a sorted list of "key|value|type|data" lines, so key and value order
 *     (which the registry does not promise) never makes two equal states differ.
 *  2. Every test leaves bgcopy registered as the harness did (it re-registers at the end), so
 *     tests do not depend on their order.
 *  3. Every child process wait is bounded (60 s).
 */
#include "wine_test.h"

#include <oleauto.h>

#define CLSID_MGR_STR L"{5DF81799-3AC7-47C5-ADCF-4C02CC5EC282}"

/* Every key registration may touch, relative to Software\Classes: first bgcopy's own keys
 * (OWN_KEYS of them), then the Interface keys it shares with other proxies. */
#define OWN_KEYS 7
static const WCHAR *watched_keys[] = {
    L"CLSID\\" CLSID_MGR_STR,
    L"CLSID\\{35BBCB42-458D-47C6-8D9B-EC9B1DFC8516}",
    L"AppID\\{1426E6B5-24F4-4A45-9730-58E423D9A403}",
    L"AppID\\bgcopysvc.exe",
    L"BgCopy.Manager",
    L"BgCopy.Manager.1",
    L"TypeLib\\{4D6AB99E-0AB2-46CF-8235-BC751D8B550B}",
    L"Interface\\{5CE34C0D-0DC9-4C1F-897C-DAA1B78CEE7C}",
    L"Interface\\{37668D37-507E-4160-9316-26306D150B12}",
    L"Interface\\{54B50739-686F-45EB-9DFF-D6A9A0FAA9AF}",
    L"Interface\\{443C8934-90FF-48ED-BCDE-26F5C7450042}",
    L"Interface\\{659CDEAE-489E-11D9-A9CD-000D56965251}",
    L"Interface\\{E847030C-BBBA-4657-AF6D-484AA42BF1FE}",
    L"Interface\\{F1BD1079-9F01-4BDC-8036-F09B70095066}",
    L"Interface\\{B591A192-A405-4FC3-8323-4C5C542578FC}",
    L"Interface\\{8A9263D3-FD4C-4EDA-9B28-30132A4D4E3C}",
    L"Interface\\{9A2584C3-F7D2-457A-9A5E-22B67BFFC7D2}",
    L"Interface\\{01B7BD23-FB88-4A77-8490-5891D3E4653A}",
    L"Interface\\{83E81B93-0873-474D-8A8C-F2018B1A939C}",
    L"Interface\\{659CDEAA-489E-11D9-A9CD-000D56965251}",
    L"Interface\\{EF7E0655-7888-4960-B0E5-730846E03492}",
    L"Interface\\{85C1657F-DAFC-40E8-8834-DF18EA25717E}",
    L"Interface\\{CF6784F7-D677-49FD-9368-CB47AEE9D1AD}",
    L"Interface\\{19C613A0-FCB8-4F28-81AE-897C3D078F81}",
    L"Interface\\{1AF4F612-3B71-466F-8F58-7B6F73AC57AD}",
    L"Interface\\{CA51E165-C365-424C-8D41-24AAA4FF3C40}",
    L"Interface\\{97EA99C7-0186-4AD4-8DF9-C5B4E0ED6B22}",
    L"Interface\\{659CDEAC-489E-11D9-A9CD-000D56965251}",
    L"Interface\\{98C97BD2-E32B-4AD8-A528-95FD8B16BD42}",
    L"Interface\\{4CEC0D02-DEF7-4158-813A-C32A46945FF7}",
    L"Interface\\{659CDEAD-489E-11D9-A9CD-000D56965251}",
    L"Interface\\{659CDEAF-489E-11D9-A9CD-000D56965251}",
    L"Interface\\{659CDEA4-489E-11D9-A9CD-000D56965251}",
    L"Interface\\{659CDEA2-489E-11D9-A9CD-000D56965251}",
    L"Interface\\{659CDEA5-489E-11D9-A9CD-000D56965251}",
};

/* Two IIDs used to plant "foreign" state: IBackgroundCopyFile3 and IBackgroundCopyJob5, which
 * neither Windows 7 nor Wine 8 registers. Cleaned up by the tests that plant it. */
#define IID_FILE3_KEY L"Interface\\{659CDEAA-489E-11D9-A9CD-000D56965251}"
#define IID_JOB5_KEY L"Interface\\{E847030C-BBBA-4657-AF6D-484AA42BF1FE}"
#define FOREIGN_PS L"{0BADC0DE-1111-2222-3333-444455556666}"

struct snapshot {
    WCHAR **lines;
    size_t count, cap;
};

static void snap_add(struct snapshot *s, const WCHAR *line)
{
    size_t n = wcslen(line) + 1;

    if (s->count == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->lines = realloc(s->lines, s->cap * sizeof(*s->lines));
        assert_non_null(s->lines);
    }
    s->lines[s->count] = malloc(n * sizeof(WCHAR));
    assert_non_null(s->lines[s->count]);
    memcpy(s->lines[s->count++], line, n * sizeof(WCHAR));
}

static void snap_free(struct snapshot *s)
{
    size_t i;

    for (i = 0; i < s->count; i++)
        free(s->lines[i]);
    free(s->lines);
    memset(s, 0, sizeof(*s));
}

/* Appends one line per value and one per key of path (recursively). */
static void snap_key(struct snapshot *s, HKEY root, const WCHAR *root_name, const WCHAR *path)
{
    WCHAR line[4096], name[512], sub[WT_PATH];
    BYTE data[2048];
    HKEY key;
    DWORD i, name_len, data_len, type;

    if (RegOpenKeyExW(root, path, 0, KEY_READ, &key))
        return;
    swprintf(line, ARRAYSIZE(line), L"%ls\\%ls", root_name, path);
    snap_add(s, line);
    for (i = 0;; i++) {
        int n, j;

        name_len = ARRAYSIZE(name);
        data_len = sizeof(data);
        if (RegEnumValueW(key, i, name, &name_len, NULL, &type, data, &data_len))
            break;
        n = swprintf(line, ARRAYSIZE(line), L"%ls\\%ls|%ls|%lu|", root_name, path, name, (unsigned long)type);
        if ((type == REG_SZ || type == REG_EXPAND_SZ) && data_len >= sizeof(WCHAR)) {
            /* strings as text, so that tests can look for values such as our CLSID */
            ((WCHAR *)data)[data_len / sizeof(WCHAR) - 1] = 0;
            swprintf(line + n, ARRAYSIZE(line) - n, L"%ls", (const WCHAR *)data);
        } else {
            for (j = 0; j < (int)data_len && n + 3 < (int)ARRAYSIZE(line); j++)
                n += swprintf(line + n, ARRAYSIZE(line) - n, L"%02x", data[j]);
        }
        snap_add(s, line);
    }
    for (i = 0;; i++) {
        name_len = ARRAYSIZE(name);
        if (RegEnumKeyExW(key, i, name, &name_len, NULL, NULL, NULL, NULL))
            break;
        swprintf(sub, ARRAYSIZE(sub), L"%ls\\%ls", path, name);
        snap_key(s, root, root_name, sub);
    }
    RegCloseKey(key);
}

static int cmp_lines(const void *a, const void *b)
{
    return wcscmp(*(const WCHAR *const *)a, *(const WCHAR *const *)b);
}

static void snap_take(struct snapshot *s)
{
    WCHAR path[WT_PATH];
    size_t i;

    memset(s, 0, sizeof(*s));
    for (i = 0; i < ARRAYSIZE(watched_keys); i++) {
        swprintf(path, ARRAYSIZE(path), L"Software\\Classes\\%ls", watched_keys[i]);
        snap_key(s, HKEY_CURRENT_USER, L"HKCU", path);
        snap_key(s, HKEY_LOCAL_MACHINE, L"HKLM", path);
    }
    qsort(s->lines, s->count, sizeof(*s->lines), cmp_lines);
}

static BOOL snap_has_prefix(const struct snapshot *s, const WCHAR *needle)
{
    size_t i;

    for (i = 0; i < s->count; i++)
        if (wcsstr(s->lines[i], needle))
            return TRUE;
    return FALSE;
}

/* Asserts two snapshots are equal, printing the first difference. */
static void snap_assert_equal(const struct snapshot *a, const struct snapshot *b, const char *what)
{
    size_t i, n = a->count < b->count ? a->count : b->count;

    for (i = 0; i < n; i++) {
        if (wcscmp(a->lines[i], b->lines[i])) {
            print_error("%s: snapshots differ at line %lu:\n  %ls\n  %ls\n", what, (unsigned long)i, a->lines[i],
                        b->lines[i]);
            fail();
        }
    }
    if (a->count != b->count) {
        print_error("%s: %lu lines vs %lu; first extra: %ls\n", what, (unsigned long)a->count,
                    (unsigned long)b->count, a->count > b->count ? a->lines[n] : b->lines[n]);
        fail();
    }
}

/* Runs BGC_BIN_DIR\bgcopysvc.exe with args; returns its exit code. */
static DWORD run_server_cmd(const WCHAR *args)
{
    WCHAR cmd[WT_PATH];
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    DWORD code = 0xdead;

    wt_format(cmd, L"\"%ls\\bgcopysvc.exe\" %ls", wt_env(L"BGC_BIN_DIR"), args);
    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    if (!CreateProcessW(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi)) {
        print_error("CreateProcess(%ls) failed: %lu\n", cmd, (unsigned long)GetLastError());
        fail();
    }
    if (WaitForSingleObject(pi.hProcess, 60000) != WAIT_OBJECT_0) {
        print_error("%ls did not finish within 60 s\n", cmd);
        TerminateProcess(pi.hProcess, 1);
        fail();
    }
    GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    return code;
}

static void set_sz(HKEY root, const WCHAR *subkey, const WCHAR *value)
{
    WCHAR path[WT_PATH];

    swprintf(path, ARRAYSIZE(path), L"Software\\Classes\\%ls", subkey);
    assert_int_equal(RegSetKeyValueW(root, path, NULL, REG_SZ, value, (DWORD)((wcslen(value) + 1) * sizeof(WCHAR))),
                     ERROR_SUCCESS);
}

static void delete_key(HKEY root, const WCHAR *subkey)
{
    WCHAR path[WT_PATH];

    swprintf(path, ARRAYSIZE(path), L"Software\\Classes\\%ls", subkey);
    RegDeleteTreeW(root, path);
    RegDeleteKeyW(root, path);
}

static BOOL running_on_wine(void)
{
    return GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "wine_get_version") != NULL;
}

/* The hive a registration without /machine writes: HKLM under Wine, else HKCU. */
static HKEY registration_hive(void)
{
    return running_on_wine() ? HKEY_LOCAL_MACHINE : HKEY_CURRENT_USER;
}

static void registration_is_idempotent_and_unregistration_restores(void **state)
{
    struct snapshot harness, before, once, twice, after;
    size_t i;

    (void)state;
    snap_take(&harness);
    assert_true(snap_has_prefix(&harness, L"\\CLSID\\" CLSID_MGR_STR L"\\LocalServer32"));

    assert_int_equal(run_server_cmd(L"/UnregServer"), 0);
    snap_take(&before);
    /* Nothing of bgcopy is left: none of its own keys, no Interface key naming its proxy. */
    for (i = 0; i < OWN_KEYS; i++) {
        WCHAR needle[WT_PATH];

        wt_format(needle, L"\\Classes\\%ls", watched_keys[i]);
        if (snap_has_prefix(&before, needle)) {
            print_error("/UnregServer left %ls\n", watched_keys[i]);
            fail();
        }
    }
    assert_false(snap_has_prefix(&before, L"{35BBCB42-458D-47C6-8D9B-EC9B1DFC8516}"));
    assert_false(snap_has_prefix(&before, L"bgcopysvc"));
    if (running_on_wine()) /* Wine's own proxy for IBackgroundCopyJob is back */
        assert_true(snap_has_prefix(&before, L"Interface\\{37668D37-507E-4160-9316-26306D150B12}\\ProxyStubClsid32||1|"
                                             L"{5CE34C0D-0DC9-4C1F-897C-DAA1B78CEE7C}"));

    assert_int_equal(run_server_cmd(L"/RegServer"), 0);
    snap_take(&once);
    assert_int_equal(run_server_cmd(L"/RegServer"), 0);
    snap_take(&twice);
    snap_assert_equal(&once, &twice, "second /RegServer");
    snap_assert_equal(&harness, &once, "harness registration vs /RegServer");
    assert_true(snap_has_prefix(&once, L"|{35BBCB42-458D-47C6-8D9B-EC9B1DFC8516}")); /* some Interface names our proxy */
    if (running_on_wine()) /* Wine's qmgrprxy loses IBackgroundCopyError's strings: ours serves it */
        assert_true(snap_has_prefix(&once, L"Interface\\{19C613A0-FCB8-4F28-81AE-897C3D078F81}\\ProxyStubClsid32||1|"
                                           L"{35BBCB42-458D-47C6-8D9B-EC9B1DFC8516}"));
    assert_true(snap_has_prefix(&once, L"\\AppID\\bgcopysvc.exe|AppID|1|{1426E6B5-24F4-4A45-9730-58E423D9A403}"));

    assert_int_equal(run_server_cmd(L"/UnregServer"), 0);
    snap_take(&after);
    snap_assert_equal(&before, &after, "/UnregServer after two registrations");

    assert_int_equal(run_server_cmd(L"/RegServer"), 0);
    snap_free(&harness);
    snap_free(&before);
    snap_free(&once);
    snap_free(&twice);
    snap_free(&after);
}

static void get_sz(HKEY hive, const WCHAR *subkey, WCHAR *value, DWORD chars)
{
    WCHAR path[WT_PATH];
    DWORD size = chars * sizeof(WCHAR);

    swprintf(path, ARRAYSIZE(path), L"Software\\Classes\\%ls", subkey);
    value[0] = 0;
    assert_int_equal(RegGetValueW(hive, path, NULL, RRF_RT_REG_SZ, NULL, value, &size), ERROR_SUCCESS);
}

/* Rules 2 and 3 of registry/register.c: another proxy's ProxyStubClsid32 is kept on Windows
 * and replaced under Wine, and /UnregServer restores every Interface key bgcopy changed
 * exactly, including a key that existed only in part. */
static void unregistration_restores_foreign_interface_keys(void **state)
{
    HKEY hive = registration_hive();
    struct snapshot before, after;
    WCHAR value[128];

    (void)state;
    assert_int_equal(run_server_cmd(L"/UnregServer"), 0);
    delete_key(hive, IID_FILE3_KEY);
    delete_key(hive, IID_JOB5_KEY);
    set_sz(hive, IID_FILE3_KEY L"\\ProxyStubClsid32", FOREIGN_PS);
    set_sz(hive, IID_JOB5_KEY, L"Foreign name");
    set_sz(hive, IID_JOB5_KEY L"\\NumMethods", L"99");
    snap_take(&before);

    assert_int_equal(run_server_cmd(L"/RegServer"), 0);
    get_sz(hive, IID_FILE3_KEY L"\\ProxyStubClsid32", value, ARRAYSIZE(value));
    if (running_on_wine())
        assert_true(!_wcsicmp(value, L"{35BBCB42-458D-47C6-8D9B-EC9B1DFC8516}"));
    else
        assert_true(!wcscmp(value, FOREIGN_PS));
    get_sz(hive, IID_JOB5_KEY L"\\ProxyStubClsid32", value, ARRAYSIZE(value));
    assert_true(!_wcsicmp(value, L"{35BBCB42-458D-47C6-8D9B-EC9B1DFC8516}"));
    get_sz(hive, IID_JOB5_KEY L"\\NumMethods", value, ARRAYSIZE(value));
    assert_true(!wcscmp(value, L"55"));

    /* A second registration must not overwrite what the first one saved. */
    assert_int_equal(run_server_cmd(L"/RegServer"), 0);
    assert_int_equal(run_server_cmd(L"/UnregServer"), 0);
    snap_take(&after);
    snap_assert_equal(&before, &after, "foreign Interface keys after /RegServer x2 + /UnregServer");

    delete_key(hive, IID_FILE3_KEY);
    delete_key(hive, IID_JOB5_KEY);
    assert_int_equal(run_server_cmd(L"/RegServer"), 0);
    snap_free(&before);
    snap_free(&after);
}

static void progid_resolves_to_manager_clsid(void **state)
{
    CLSID clsid;
    WCHAR *progid = NULL;

    (void)state;
    memset(&clsid, 0xcc, sizeof(clsid));
    assert_hr(CLSIDFromProgID(L"BgCopy.Manager", &clsid), S_OK);
    assert_true(IsEqualCLSID(&clsid, &CLSID_BgCopyManager));
    memset(&clsid, 0xcc, sizeof(clsid));
    assert_hr(CLSIDFromProgID(L"BgCopy.Manager.1", &clsid), S_OK);
    assert_true(IsEqualCLSID(&clsid, &CLSID_BgCopyManager));
    assert_hr(ProgIDFromCLSID(&CLSID_BgCopyManager, &progid), S_OK);
    assert_non_null(progid);
    assert_true(!wcscmp(progid, L"BgCopy.Manager.1"));
    CoTaskMemFree(progid);
}

static void typelib_loads_from_registration(void **state)
{
    ITypeLib *tl = NULL;
    ITypeInfo *ti = NULL;
    TLIBATTR *attr = NULL;

    (void)state;
    assert_hr(LoadRegTypeLib(&LIBID_BgCopyLib, 1, 0, 0, &tl), S_OK);
    assert_non_null(tl);
    assert_hr(ITypeLib_GetLibAttr(tl, &attr), S_OK);
    assert_true(IsEqualGUID(&attr->guid, &LIBID_BgCopyLib));
    assert_int_equal(attr->wMajorVerNum, 1);
    ITypeLib_ReleaseTLibAttr(tl, attr);
    assert_hr(ITypeLib_GetTypeInfoOfGuid(tl, &CLSID_BgCopyManager, &ti), S_OK);
    ITypeInfo_Release(ti);
    ITypeLib_Release(tl);
}

static void local_server_is_quoted_full_path(void **state)
{
    WCHAR value[WT_PATH], want[WT_PATH];
    DWORD size = sizeof(value);

    (void)state;
    assert_int_equal(RegGetValueW(HKEY_CLASSES_ROOT, L"CLSID\\" CLSID_MGR_STR L"\\LocalServer32", NULL, RRF_RT_REG_SZ,
                                  NULL, value, &size), ERROR_SUCCESS);
    wt_format(want, L"\"%ls\\bgcopysvc.exe\"", wt_env(L"BGC_BIN_DIR"));
    if (_wcsicmp(value, want)) {
        print_error("LocalServer32 is %ls, expected %ls\n", value, want);
        fail();
    }
}

static void unregistered_class_is_not_activatable(void **state)
{
    IBackgroundCopyManager *mgr = NULL;

    (void)state;
    assert_int_equal(run_server_cmd(L"/UnregServer"), 0);
    assert_hr(CoCreateInstance(&CLSID_BgCopyManager, NULL, CLSCTX_LOCAL_SERVER, &IID_IBackgroundCopyManager,
                               (void **)&mgr),
              REGDB_E_CLASSNOTREG);
    assert_null(mgr);
    assert_int_equal(run_server_cmd(L"/RegServer"), 0);
    mgr = wt_connect();
    assert_non_null(mgr);
    IBackgroundCopyManager_Release(mgr);
}

static void command_line_without_arguments_prints_usage(void **state)
{
    (void)state;
    assert_int_equal(run_server_cmd(L""), 0);
    assert_int_not_equal(run_server_cmd(L"/NoSuchSwitch"), 0);
}

static int setup(void **state)
{
    (void)state;
    return wt_com_init();
}

static int teardown(void **state)
{
    (void)state;
    CoUninitialize();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(registration_is_idempotent_and_unregistration_restores),
        cmocka_unit_test(unregistration_restores_foreign_interface_keys),
        cmocka_unit_test(progid_resolves_to_manager_clsid),
        cmocka_unit_test(typelib_loads_from_registration),
        cmocka_unit_test(local_server_is_quoted_full_path),
        cmocka_unit_test(unregistered_class_is_not_activatable),
        cmocka_unit_test(command_line_without_arguments_prints_usage),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
