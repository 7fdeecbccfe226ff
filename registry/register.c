/*
 * register.c - COM registration of bgcopy (bgreg_register / bgreg_unregister).
 *
 * Keys written under ROOT = HKCU\Software\Classes (per user) or HKLM\Software\Classes
 * (machine-wide, and always under Wine; see bgreg_effective_machine):
 *   CLSID\{CLSID_BgCopyManager}            name, AppID; LocalServer32, ProgID,
 *                                          VersionIndependentProgID, TypeLib
 *   AppID\{APPID_BgCopy}, AppID\bgcopysvc.exe
 *   BgCopy.Manager (CLSID, CurVer), BgCopy.Manager.1 (CLSID)
 *   TypeLib\{LIBID_BgCopyLib}\1.0          name; 0\win64 = bgcopy.tlb; FLAGS; HELPDIR
 *   CLSID\{CLSID_BgCopyPSFactory}          name; InprocServer32 = bgcopyps.dll (Both)
 *   Interface\{IID}                        name; NumMethods; ProxyStubClsid32, per rule 2
 *   CLSID\{CLSID_BgCopyPSFactory}\SavedInterfaces\{IID}   what rule 2 changed
 *   Interface\{IID of IBgCopyAuto*}       name; ProxyStubClsid32 (and ProxyStubClsid) = the
 *                                          universal marshaler; TypeLib = LIBID, Version 1.0
 *
 * Invariants:
 *  1. bgcopy's own keys (everything above but Interface) are written value by value, so
 *     registering twice gives the state of one registration, and are deleted whole.
 *  2. On Windows an Interface key is changed only when its ProxyStubClsid32 is absent or
 *     already ours (per user: also absent from the merged HKCR view), so Microsoft's
 *     qmgrprxy.dll keeps every IID it serves. Under Wine bgcopy's proxy replaces any other
 *     (Wine's qmgrprxy.dll drops [out, ref] strings; registry/README.md, "Proxies under
 *     Wine"). Before the first change of an IID its previous state (the key and its
 *     NumMethods/ProxyStubClsid32 subkeys, which may exist partly) is saved under
 *     SavedInterfaces; later registrations never overwrite a saved record.
 *  3. Unregistration touches an Interface key only if its ProxyStubClsid32 is ours: it then
 *     restores the saved state exactly (values and whether each key existed). A record whose
 *     key no longer names our proxy is dropped without touching the key. Keys of other
 *     software are never modified, except Wine's Interface keys under rule 2, which this
 *     restores.
 *  4. The automation interfaces (auto_interfaces, issue 5 item 2) have bgcopy's own IIDs: their
 *     Interface keys are bgcopy's own keys (rule 1), written value by value and deleted whole.
 *     They name oleaut32's typelib marshaler, which builds their proxies from bgcopy.tlb.
 */
#include <windows.h>

#include <stdio.h>
#include <wchar.h>

#include "bgreg.h"

#define CLSID_MANAGER L"{5DF81799-3AC7-47C5-ADCF-4C02CC5EC282}"
#define CLSID_PSFACTORY L"{35BBCB42-458D-47C6-8D9B-EC9B1DFC8516}"
#define APPID_BGCOPY L"{1426E6B5-24F4-4A45-9730-58E423D9A403}"
#define LIBID_BGCOPY L"{4D6AB99E-0AB2-46CF-8235-BC751D8B550B}"
#define PROGID L"BgCopy.Manager"
#define PROGID_1 L"BgCopy.Manager.1"
#define SAVED_KEY L"CLSID\\" CLSID_PSFACTORY L"\\SavedInterfaces"

/* Every interface of idl/bgcopy.idl, with NumMethods from bits-reference section 2. */
static const struct {
    const wchar_t *iid;
    const wchar_t *name;
    unsigned num_methods;
} interfaces[] = {
    {L"{5CE34C0D-0DC9-4C1F-897C-DAA1B78CEE7C}", L"IBackgroundCopyManager", 7},
    {L"{37668D37-507E-4160-9316-26306D150B12}", L"IBackgroundCopyJob", 35},
    {L"{54B50739-686F-45EB-9DFF-D6A9A0FAA9AF}", L"IBackgroundCopyJob2", 43},
    {L"{443C8934-90FF-48ED-BCDE-26F5C7450042}", L"IBackgroundCopyJob3", 47},
    {L"{659CDEAE-489E-11D9-A9CD-000D56965251}", L"IBackgroundCopyJob4", 53},
    {L"{E847030C-BBBA-4657-AF6D-484AA42BF1FE}", L"IBackgroundCopyJob5", 55},
    {L"{F1BD1079-9F01-4BDC-8036-F09B70095066}", L"IBackgroundCopyJobHttpOptions", 11},
    {L"{B591A192-A405-4FC3-8323-4C5C542578FC}", L"IBackgroundCopyJobHttpOptions2", 13},
    {L"{8A9263D3-FD4C-4EDA-9B28-30132A4D4E3C}", L"IBackgroundCopyJobHttpOptions3", 15},
    {L"{9A2584C3-F7D2-457A-9A5E-22B67BFFC7D2}", L"IBitsTokenOptions", 8},
    {L"{01B7BD23-FB88-4A77-8490-5891D3E4653A}", L"IBackgroundCopyFile", 6},
    {L"{83E81B93-0873-474D-8A8C-F2018B1A939C}", L"IBackgroundCopyFile2", 8},
    {L"{659CDEAA-489E-11D9-A9CD-000D56965251}", L"IBackgroundCopyFile3", 12},
    {L"{EF7E0655-7888-4960-B0E5-730846E03492}", L"IBackgroundCopyFile4", 13},
    {L"{85C1657F-DAFC-40E8-8834-DF18EA25717E}", L"IBackgroundCopyFile5", 15},
    {L"{CF6784F7-D677-49FD-9368-CB47AEE9D1AD}", L"IBackgroundCopyFile6", 18},
    {L"{19C613A0-FCB8-4F28-81AE-897C3D078F81}", L"IBackgroundCopyError", 8},
    {L"{1AF4F612-3B71-466F-8F58-7B6F73AC57AD}", L"IEnumBackgroundCopyJobs", 8},
    {L"{CA51E165-C365-424C-8D41-24AAA4FF3C40}", L"IEnumBackgroundCopyFiles", 8},
    {L"{97EA99C7-0186-4AD4-8DF9-C5B4E0ED6B22}", L"IBackgroundCopyCallback", 6},
    {L"{659CDEAC-489E-11D9-A9CD-000D56965251}", L"IBackgroundCopyCallback2", 7},
    {L"{98C97BD2-E32B-4AD8-A528-95FD8B16BD42}", L"IBackgroundCopyCallback3", 8},
    {L"{4CEC0D02-DEF7-4158-813A-C32A46945FF7}", L"IBackgroundCopyServerCertificateValidationCallback", 4},
    {L"{659CDEAD-489E-11D9-A9CD-000D56965251}", L"IBitsPeerCacheAdministration", 17},
    {L"{659CDEAF-489E-11D9-A9CD-000D56965251}", L"IBitsPeerCacheRecord", 10},
    {L"{659CDEA4-489E-11D9-A9CD-000D56965251}", L"IEnumBitsPeerCacheRecords", 8},
    {L"{659CDEA2-489E-11D9-A9CD-000D56965251}", L"IBitsPeer", 6},
    {L"{659CDEA5-489E-11D9-A9CD-000D56965251}", L"IEnumBitsPeers", 8},
};

/* bgcopy's dual automation interfaces (idl/bgcopy.idl, library BgCopyLib). */
#define PS_TYPELIB_MARSHALER L"{00020424-0000-0000-C000-000000000046}"
static const struct {
    const wchar_t *iid;
    const wchar_t *name;
} auto_interfaces[] = {
    {L"{BAA1E8D1-6384-47EA-9C62-CADC1718D859}", L"IBgCopyAutoCollection"},
    {L"{44756DB6-26DF-4820-BBB3-AFE5AFD8297D}", L"IBgCopyAutoFile"},
    {L"{A36476F1-5458-42F6-B3E0-68C080D7A14D}", L"IBgCopyAutoJob"},
    {L"{251D3650-A1A7-489A-B1AC-2E3DA35813EB}", L"IBgCopyAutoManager"},
};
#define AUTO_COUNT (sizeof(auto_interfaces) / sizeof(auto_interfaces[0]))

/* The three places of an Interface key that registration writes (default values). */
static const wchar_t *iface_items[] = {L"", L"NumMethods", L"ProxyStubClsid32"};
#define ITEM_COUNT (sizeof(iface_items) / sizeof(iface_items[0]))

int bgreg_running_on_wine(void)
{
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    return ntdll && GetProcAddress(ntdll, "wine_get_version") != NULL;
}

int bgreg_effective_machine(int machine)
{
    return machine || bgreg_running_on_wine();
}

static HKEY open_root(int machine, REGSAM access, LONG *err)
{
    HKEY root = NULL;

    *err = RegCreateKeyExW(bgreg_effective_machine(machine) ? HKEY_LOCAL_MACHINE : HKEY_CURRENT_USER,
                           L"Software\\Classes", 0, NULL, 0, access, NULL, &root, NULL);
    return *err ? NULL : root;
}

/* Sets ROOT\subkey's value `name` (NULL = default) to a string, creating the key. */
static LONG set_sz(HKEY root, const wchar_t *subkey, const wchar_t *name, const wchar_t *value)
{
    HKEY key;
    LONG err = RegCreateKeyExW(root, subkey, 0, NULL, 0, KEY_SET_VALUE, NULL, &key, NULL);

    if (err)
        return err;
    err = RegSetValueExW(key, name, 0, REG_SZ, (const BYTE *)value, (DWORD)((wcslen(value) + 1) * sizeof(wchar_t)));
    RegCloseKey(key);
    return err;
}

static LONG set_dword(HKEY root, const wchar_t *subkey, const wchar_t *name, DWORD value)
{
    HKEY key;
    LONG err = RegCreateKeyExW(root, subkey, 0, NULL, 0, KEY_SET_VALUE, NULL, &key, NULL);

    if (err)
        return err;
    err = RegSetValueExW(key, name, 0, REG_DWORD, (const BYTE *)&value, sizeof(value));
    RegCloseKey(key);
    return err;
}

/* Reads a string value; returns ERROR_SUCCESS, ERROR_FILE_NOT_FOUND (key or value absent), or
 * another error. buf gets at most size-1 characters and is always terminated. */
static LONG get_sz(HKEY root, const wchar_t *subkey, const wchar_t *name, wchar_t *buf, DWORD size)
{
    DWORD bytes = (size - 1) * sizeof(wchar_t), type = 0;
    LONG err;

    buf[0] = 0;
    err = RegGetValueW(root, subkey, name, RRF_RT_REG_SZ | RRF_RT_REG_EXPAND_SZ | RRF_NOEXPAND, &type, buf, &bytes);
    if (err == ERROR_PATH_NOT_FOUND)
        err = ERROR_FILE_NOT_FOUND;
    buf[size - 1] = 0;
    return err;
}

static BOOL key_exists(HKEY root, const wchar_t *subkey)
{
    HKEY key;

    if (RegOpenKeyExW(root, subkey, 0, KEY_READ, &key))
        return FALSE;
    RegCloseKey(key);
    return TRUE;
}

static LONG delete_tree(HKEY root, const wchar_t *subkey)
{
    LONG err = RegDeleteTreeW(root, subkey);

    if (!err)
        err = RegDeleteKeyW(root, subkey);
    if (err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND)
        err = ERROR_SUCCESS;
    return err;
}

static void iface_path(const wchar_t *iid, const wchar_t *item, wchar_t *out, size_t size)
{
    if (item[0])
        _snwprintf(out, size, L"Interface\\%s\\%s", iid, item);
    else
        _snwprintf(out, size, L"Interface\\%s", iid);
    out[size - 1] = 0;
}

/* ---- Registration ------------------------------------------------------------------------ */

static LONG register_own_keys(HKEY root, const struct bgreg_paths *paths)
{
    wchar_t buf[BGREG_MAX_PATH + 8], dir[BGREG_MAX_PATH];
    const wchar_t *slash;
    LONG err = ERROR_SUCCESS;

    if (wcslen(paths->server_exe) >= BGREG_MAX_PATH || wcslen(paths->typelib) >= BGREG_MAX_PATH)
        return ERROR_FILENAME_EXCED_RANGE;
    _snwprintf(buf, sizeof(buf) / sizeof(buf[0]), L"\"%s\"", paths->server_exe);
    buf[sizeof(buf) / sizeof(buf[0]) - 1] = 0;
    wcscpy(dir, paths->typelib);
    slash = wcsrchr(dir, L'\\');
    if (slash)
        dir[slash - dir] = 0;

#define SET(sub, name, val) \
    if (!err)               \
    err = set_sz(root, sub, name, val)
    SET(L"CLSID\\" CLSID_MANAGER, NULL, L"bgcopy Background Copy Manager");
    SET(L"CLSID\\" CLSID_MANAGER, L"AppID", APPID_BGCOPY);
    SET(L"CLSID\\" CLSID_MANAGER L"\\LocalServer32", NULL, buf);
    SET(L"CLSID\\" CLSID_MANAGER L"\\ProgID", NULL, PROGID_1);
    SET(L"CLSID\\" CLSID_MANAGER L"\\VersionIndependentProgID", NULL, PROGID);
    SET(L"CLSID\\" CLSID_MANAGER L"\\TypeLib", NULL, LIBID_BGCOPY);
    SET(L"AppID\\" APPID_BGCOPY, NULL, L"bgcopy");
    SET(L"AppID\\bgcopysvc.exe", L"AppID", APPID_BGCOPY);
    SET(PROGID, NULL, L"bgcopy Background Copy Manager");
    SET(PROGID L"\\CLSID", NULL, CLSID_MANAGER);
    SET(PROGID L"\\CurVer", NULL, PROGID_1);
    SET(PROGID_1, NULL, L"bgcopy Background Copy Manager");
    SET(PROGID_1 L"\\CLSID", NULL, CLSID_MANAGER);
    SET(L"TypeLib\\" LIBID_BGCOPY L"\\1.0", NULL, L"bgcopy 1.0 Type Library");
    SET(L"TypeLib\\" LIBID_BGCOPY L"\\1.0\\0\\win64", NULL, paths->typelib);
    SET(L"TypeLib\\" LIBID_BGCOPY L"\\1.0\\FLAGS", NULL, L"0");
    SET(L"TypeLib\\" LIBID_BGCOPY L"\\1.0\\HELPDIR", NULL, dir);
    SET(L"CLSID\\" CLSID_PSFACTORY, NULL, L"bgcopy proxy/stub factory");
    SET(L"CLSID\\" CLSID_PSFACTORY L"\\InprocServer32", NULL, paths->proxy_dll);
    SET(L"CLSID\\" CLSID_PSFACTORY L"\\InprocServer32", L"ThreadingModel", L"Both");
    for (size_t i = 0; !err && i < AUTO_COUNT; i++) { /* rule 4 */
        wchar_t key[128];

        _snwprintf(key, 128, L"Interface\\%s", auto_interfaces[i].iid);
        key[127] = 0;
        SET(key, NULL, auto_interfaces[i].name);
        _snwprintf(key, 128, L"Interface\\%s\\ProxyStubClsid32", auto_interfaces[i].iid);
        key[127] = 0;
        SET(key, NULL, PS_TYPELIB_MARSHALER);
        _snwprintf(key, 128, L"Interface\\%s\\ProxyStubClsid", auto_interfaces[i].iid);
        key[127] = 0;
        SET(key, NULL, PS_TYPELIB_MARSHALER);
        _snwprintf(key, 128, L"Interface\\%s\\TypeLib", auto_interfaces[i].iid);
        key[127] = 0;
        SET(key, NULL, LIBID_BGCOPY);
        SET(key, L"Version", L"1.0");
    }
#undef SET
    return err;
}

/* Saves the current state of Interface\{iid} under SavedInterfaces\{iid} (rule 2). */
static LONG save_interface(HKEY root, const wchar_t *iid)
{
    wchar_t saved[128], path[128], value[256], name[64];
    size_t i;
    LONG err;

    _snwprintf(saved, 128, SAVED_KEY L"\\%s", iid);
    saved[127] = 0;
    for (i = 0, err = ERROR_SUCCESS; i < ITEM_COUNT && !err; i++) {
        const wchar_t *item = iface_items[i][0] ? iface_items[i] : L"Interface";

        iface_path(iid, iface_items[i], path, 128);
        _snwprintf(name, 64, L"%s.Key", item);
        name[63] = 0;
        err = set_dword(root, saved, name, key_exists(root, path));
        if (!err && get_sz(root, path, NULL, value, 256) == ERROR_SUCCESS) {
            _snwprintf(name, 64, L"%s.Value", item);
            name[63] = 0;
            err = set_sz(root, saved, name, value);
        }
    }
    return err;
}

static LONG register_interface(HKEY root, unsigned idx, int replace_foreign)
{
    const wchar_t *iid = interfaces[idx].iid;
    wchar_t path[128], saved[128], ps[64], num[16];
    LONG err;

    iface_path(iid, L"ProxyStubClsid32", path, 128);
    if (get_sz(root, path, NULL, ps, 64) == ERROR_SUCCESS && ps[0]) {
        if (_wcsicmp(ps, CLSID_PSFACTORY) && !replace_foreign)
            return ERROR_SUCCESS; /* another proxy serves this IID: leave it (rule 2) */
    } else if (!bgreg_effective_machine(0) && get_sz(HKEY_CLASSES_ROOT, path, NULL, ps, 64) == ERROR_SUCCESS &&
               ps[0] && _wcsicmp(ps, CLSID_PSFACTORY)) {
        return ERROR_SUCCESS; /* per user on Windows: HKLM has a proxy; do not shadow it */
    }
    _snwprintf(saved, 128, SAVED_KEY L"\\%s", iid);
    saved[127] = 0;
    if (_wcsicmp(ps, CLSID_PSFACTORY) && !key_exists(root, saved) && (err = save_interface(root, iid)))
        return err;
    _snwprintf(num, 16, L"%u", interfaces[idx].num_methods);
    num[15] = 0;
    iface_path(iid, L"", path, 128);
    if ((err = set_sz(root, path, NULL, interfaces[idx].name)))
        return err;
    iface_path(iid, L"NumMethods", path, 128);
    if ((err = set_sz(root, path, NULL, num)))
        return err;
    iface_path(iid, L"ProxyStubClsid32", path, 128);
    return set_sz(root, path, NULL, CLSID_PSFACTORY);
}

long bgreg_register(const struct bgreg_paths *paths, int machine)
{
    /* Under Wine, qmgrprxy.dll's proxies lose [out, ref] LPWSTR * results (registry/README.md,
     * "Proxies under Wine"): bgcopy's proxies serve every BITS interface there. */
    int replace_foreign = bgreg_running_on_wine();
    LONG err;
    HKEY root = open_root(machine, KEY_READ | KEY_WRITE, &err);
    unsigned i;

    if (!root)
        return err;
    err = register_own_keys(root, paths);
    for (i = 0; !err && i < sizeof(interfaces) / sizeof(interfaces[0]); i++)
        err = register_interface(root, i, replace_foreign);
    RegCloseKey(root);
    return err;
}

/* ---- Unregistration ---------------------------------------------------------------------- */

/* Restores Interface\{iid} from its saved record (rule 3), items in reverse order. */
static LONG restore_interface(HKEY root, const wchar_t *iid, const wchar_t *saved)
{
    wchar_t path[128], name[64], value[256];
    LONG err = ERROR_SUCCESS;
    size_t i;

    for (i = ITEM_COUNT; i-- > 0 && !err;) {
        const wchar_t *item = iface_items[i][0] ? iface_items[i] : L"Interface";
        DWORD existed = 0, size = sizeof(existed);

        iface_path(iid, iface_items[i], path, 128);
        _snwprintf(name, 64, L"%s.Key", item);
        name[63] = 0;
        RegGetValueW(root, saved, name, RRF_RT_REG_DWORD, NULL, &existed, &size);
        if (!existed) {
            err = delete_tree(root, path);
            continue;
        }
        _snwprintf(name, 64, L"%s.Value", item);
        name[63] = 0;
        if (get_sz(root, saved, name, value, 256) == ERROR_SUCCESS) {
            err = set_sz(root, path, NULL, value);
        } else {
            HKEY key;

            if (!RegOpenKeyExW(root, path, 0, KEY_SET_VALUE, &key)) {
                err = RegDeleteValueW(key, NULL);
                if (err == ERROR_FILE_NOT_FOUND)
                    err = ERROR_SUCCESS;
                RegCloseKey(key);
            }
        }
    }
    return err;
}

static LONG unregister_interface(HKEY root, unsigned idx)
{
    const wchar_t *iid = interfaces[idx].iid;
    wchar_t path[128], saved[128], ps[64];
    BOOL ours, has_record;
    LONG err = ERROR_SUCCESS;

    iface_path(iid, L"ProxyStubClsid32", path, 128);
    ours = get_sz(root, path, NULL, ps, 64) == ERROR_SUCCESS && !_wcsicmp(ps, CLSID_PSFACTORY);
    _snwprintf(saved, 128, SAVED_KEY L"\\%s", iid);
    saved[127] = 0;
    has_record = key_exists(root, saved);
    if (ours && has_record)
        err = restore_interface(root, iid, saved);
    else if (ours) {
        iface_path(iid, L"", path, 128);
        err = delete_tree(root, path);
    }
    return err;
}

long bgreg_unregister(int machine)
{
    static const wchar_t *own_keys[] = {
        L"CLSID\\" CLSID_MANAGER, L"AppID\\" APPID_BGCOPY, L"AppID\\bgcopysvc.exe", PROGID, PROGID_1,
        L"TypeLib\\" LIBID_BGCOPY, L"CLSID\\" CLSID_PSFACTORY,
    };
    LONG err, first = ERROR_SUCCESS;
    HKEY root = open_root(machine, KEY_READ | KEY_WRITE, &err);
    unsigned i;

    if (!root)
        return err;
    /* Interfaces first: their saved records live under the proxy's CLSID key. */
    for (i = 0; i < sizeof(interfaces) / sizeof(interfaces[0]); i++)
        if ((err = unregister_interface(root, i)) && !first)
            first = err;
    for (i = 0; i < sizeof(own_keys) / sizeof(own_keys[0]); i++)
        if ((err = delete_tree(root, own_keys[i])) && !first)
            first = err;
    for (i = 0; i < AUTO_COUNT; i++) { /* rule 4 */
        wchar_t key[128];

        _snwprintf(key, 128, L"Interface\\%s", auto_interfaces[i].iid);
        key[127] = 0;
        if ((err = delete_tree(root, key)) && !first)
            first = err;
    }
    RegCloseKey(root);
    return first;
}
