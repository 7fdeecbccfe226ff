/*
 * asbits.c - `/RegServer /asbits`: bgcopy as the provider of Microsoft's BITS CLSIDs in a
 * Wine prefix (bgreg_asbits_*; issue 3 item 12, registry/README.md section "/asbits").
 *
 * Keys written, under HKLM\Software\Classes (COM under Wine reads only there):
 *   CLSID\{BITS CLSID}                    (default) name; AppID = APPID_BgCopy
 *   CLSID\{BITS CLSID}\LocalServer32      (default) "<full path>\bgcopysvc.exe"
 * for CLSID_BackgroundCopyManager and its versioned CLSIDs (1_5 .. 10_3, bits-reference §1).
 * What was there before is saved under HKLM\Software\bgcopy\SavedBits\{CLSID}:
 *   Existed (REG_DWORD)   1 when CLSID\{X} existed before the first /asbits registration
 *   Key\...               a copy of the whole CLSID\{X} subtree (RegCopyTreeW: every value
 *                         with its type and data, every subkey), present when Existed = 1
 * and SavedBits's ConfigKeyExisted (REG_DWORD): whether HKLM\Software\bgcopy existed before
 * SavedBits was created (it is removed again, when empty, with the last record).
 *
 * Invariants:
 *  1. A record is written only when none exists (the first registration), and before the
 *     CLSID key is changed; re-registration never overwrites it, so it always holds the state
 *     from before bgcopy. Registering twice leaves the state of one registration.
 *  2. A CLSID key with a record is replaced whole (deleted, then written), so it holds exactly
 *     bgcopy's three values: nothing of Wine's service-hosted registration (its AppID, whose
 *     LocalService = BITS would make COM start Wine's qmgr service) stays behind.
 *  3. Unregistration restores each CLSID that has a record: the key is deleted and, when it
 *     existed, recreated from the copy; then the record is deleted. A CLSID without a record
 *     is deleted only if its AppID is bgcopy's (a registration whose record was lost);
 *     otherwise it is not touched. SavedBits is removed when empty.
 *  4. Only Wine: main.c refuses /asbits on Windows before calling anything here, and these
 *     functions return ERROR_NOT_SUPPORTED there as a second guard (nothing written).
 */
#include <windows.h>

#include <stdio.h>
#include <wchar.h>

#include "bgreg.h"

#define APPID_BGCOPY L"{1426E6B5-24F4-4A45-9730-58E423D9A403}"
#define CONFIG_ROOT L"Software\\bgcopy"
#define SAVED_ROOT CONFIG_ROOT L"\\SavedBits"
#define CLASSES_ROOT L"Software\\Classes"

/* Microsoft's BITS coclasses, bits-reference.md section 1. */
static const struct {
    const wchar_t *clsid;
    const wchar_t *name;
} bits_classes[BGREG_ASBITS_CLSIDS] = {
    {L"{4991D34B-80A1-4291-83B6-3328366B9097}", L"BackgroundCopyManager"},
    {L"{F087771F-D74F-4C1A-BB8A-E16ACA9124EA}", L"BackgroundCopyManager1_5"},
    {L"{6D18AD12-BDE3-4393-B311-099C346E6DF9}", L"BackgroundCopyManager2_0"},
    {L"{03CA98D6-FF5D-49B8-ABC6-03DD84127020}", L"BackgroundCopyManager2_5"},
    {L"{659CDEA7-489E-11D9-A9CD-000D56965251}", L"BackgroundCopyManager3_0"},
    {L"{BB6DF56B-CACE-11DC-9992-0019B93A3A84}", L"BackgroundCopyManager4_0"},
    {L"{1ECCA34C-E88A-44E3-8D6A-8921BDE9E452}", L"BackgroundCopyManager5_0"},
    {L"{4BD3E4E1-7BD4-4A2B-9964-496400DE5193}", L"BackgroundCopyManager10_1"},
    {L"{4575438F-A6C8-4976-B0FE-2F26B80D959E}", L"BackgroundCopyManager10_2"},
    {L"{5FD42AD5-C04E-4D36-ADC7-E08FF15737AD}", L"BackgroundCopyManager10_3"},
};

const wchar_t *bgreg_asbits_clsid(unsigned i)
{
    return i < BGREG_ASBITS_CLSIDS ? bits_classes[i].clsid : NULL;
}

static void clsid_path(unsigned i, const wchar_t *sub, wchar_t *out, size_t size)
{
    _snwprintf(out, size, CLASSES_ROOT L"\\CLSID\\%s%s%s", bits_classes[i].clsid,
               sub[0] ? L"\\" : L"", sub);
    out[size - 1] = 0;
}

static void record_path(unsigned i, const wchar_t *sub, wchar_t *out, size_t size)
{
    _snwprintf(out, size, SAVED_ROOT L"\\%s%s%s", bits_classes[i].clsid, sub[0] ? L"\\" : L"", sub);
    out[size - 1] = 0;
}

static BOOL key_exists(const wchar_t *path)
{
    HKEY key;

    if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, path, 0, KEY_READ, &key))
        return FALSE;
    RegCloseKey(key);
    return TRUE;
}

static LONG delete_tree(const wchar_t *path)
{
    LONG err = RegDeleteTreeW(HKEY_LOCAL_MACHINE, path);

    if (!err)
        err = RegDeleteKeyW(HKEY_LOCAL_MACHINE, path);
    if (err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND)
        err = ERROR_SUCCESS;
    return err;
}

/* Copies the subtree HKLM\from (values and subkeys) into HKLM\to, creating `to`. */
static LONG copy_tree(const wchar_t *from, const wchar_t *to)
{
    HKEY src, dst;
    LONG err = RegOpenKeyExW(HKEY_LOCAL_MACHINE, from, 0, KEY_READ, &src);

    if (err)
        return err;
    err = RegCreateKeyExW(HKEY_LOCAL_MACHINE, to, 0, NULL, 0, KEY_ALL_ACCESS, NULL, &dst, NULL);
    if (!err) {
        err = RegCopyTreeW(src, NULL, dst);
        RegCloseKey(dst);
    }
    RegCloseKey(src);
    return err;
}

static LONG set_sz(const wchar_t *path, const wchar_t *name, const wchar_t *value)
{
    HKEY key;
    LONG err =
        RegCreateKeyExW(HKEY_LOCAL_MACHINE, path, 0, NULL, 0, KEY_SET_VALUE, NULL, &key, NULL);

    if (err)
        return err;
    err = RegSetValueExW(key, name, 0, REG_SZ, (const BYTE *)value,
                         (DWORD)((wcslen(value) + 1) * sizeof(wchar_t)));
    RegCloseKey(key);
    return err;
}

/* Non-zero when HKLM\Software\Classes\CLSID\{i} names bgcopy's AppID. */
static int names_bgcopy(unsigned i)
{
    wchar_t path[160], appid[64];
    DWORD bytes = sizeof(appid) - sizeof(wchar_t);

    clsid_path(i, L"", path, 160);
    appid[0] = 0;
    if (RegGetValueW(HKEY_LOCAL_MACHINE, path, L"AppID", RRF_RT_REG_SZ, NULL, appid, &bytes))
        return 0;
    appid[63] = 0;
    return !_wcsicmp(appid, APPID_BGCOPY);
}

int bgreg_asbits_serves(unsigned i)
{
    return i < BGREG_ASBITS_CLSIDS && bgreg_running_on_wine() && names_bgcopy(i);
}

/* Saves CLSID\{i} under SavedBits\{i} unless a record exists (invariant 1). */
static LONG save_class(unsigned i)
{
    wchar_t record[160], copy[160], clsid[160];
    DWORD existed;
    HKEY key;
    LONG err;

    record_path(i, L"", record, 160);
    if (key_exists(record))
        return ERROR_SUCCESS;
    clsid_path(i, L"", clsid, 160);
    record_path(i, L"Key", copy, 160);
    /* A key that already names bgcopy without a record is a registration whose record was
     * lost: saving it would later "restore" bgcopy. It counts as absent (invariant 3). */
    existed = key_exists(clsid) && !names_bgcopy(i);
    /* The copy first, the Existed value last: a record without Existed is incomplete and is
     * redone by the next registration (see incomplete_record). */
    if (existed && (err = copy_tree(clsid, copy)))
        return err;
    err = RegCreateKeyExW(HKEY_LOCAL_MACHINE, record, 0, NULL, 0, KEY_SET_VALUE, NULL, &key, NULL);
    if (err)
        return err;
    err = RegSetValueExW(key, L"Existed", 0, REG_DWORD, (const BYTE *)&existed, sizeof(existed));
    RegCloseKey(key);
    return err;
}

/* A record without its Existed value was cut short before the key was changed: drop it. */
static LONG drop_incomplete_record(unsigned i)
{
    wchar_t record[160];
    DWORD existed, size = sizeof(existed);

    record_path(i, L"", record, 160);
    if (!key_exists(record) ||
        RegGetValueW(HKEY_LOCAL_MACHINE, record, L"Existed", RRF_RT_REG_DWORD, NULL, &existed,
                     &size) == ERROR_SUCCESS)
        return ERROR_SUCCESS;
    return delete_tree(record);
}

/* Creates SavedBits on the first registration, noting whether Software\bgcopy (the
 * configuration key, which SavedBits lives under) existed before it. */
static LONG open_saved_root(void)
{
    DWORD existed;
    HKEY key;
    LONG err;

    if (key_exists(SAVED_ROOT))
        return ERROR_SUCCESS;
    existed = key_exists(CONFIG_ROOT);
    err = RegCreateKeyExW(HKEY_LOCAL_MACHINE, SAVED_ROOT, 0, NULL, 0, KEY_SET_VALUE, NULL, &key,
                          NULL);
    if (err)
        return err;
    err = RegSetValueExW(key, L"ConfigKeyExisted", 0, REG_DWORD, (const BYTE *)&existed,
                         sizeof(existed));
    RegCloseKey(key);
    return err;
}

/* Removes SavedBits once no record is left, and Software\bgcopy when SavedBits created it and
 * it is empty again. */
static void close_saved_root(void)
{
    DWORD subkeys = 1, existed = 1, size = sizeof(existed);
    HKEY key;

    if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, SAVED_ROOT, 0, KEY_READ, &key))
        return;
    RegQueryInfoKeyW(key, NULL, NULL, NULL, &subkeys, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
    RegGetValueW(key, NULL, L"ConfigKeyExisted", RRF_RT_REG_DWORD, NULL, &existed, &size);
    RegCloseKey(key);
    if (subkeys || delete_tree(SAVED_ROOT) || existed)
        return;
    if (!RegOpenKeyExW(HKEY_LOCAL_MACHINE, CONFIG_ROOT, 0, KEY_READ, &key)) {
        DWORD values = 1;

        subkeys = 1;
        RegQueryInfoKeyW(key, NULL, NULL, NULL, &subkeys, NULL, NULL, &values, NULL, NULL, NULL,
                         NULL);
        RegCloseKey(key);
        if (!subkeys && !values)
            RegDeleteKeyW(HKEY_LOCAL_MACHINE, CONFIG_ROOT);
    }
}

long bgreg_asbits_register(const wchar_t *server_exe)
{
    wchar_t path[160], quoted[BGREG_MAX_PATH + 8], name[96];
    unsigned i;
    LONG err = ERROR_SUCCESS;

    if (!bgreg_running_on_wine())
        return ERROR_NOT_SUPPORTED;
    if (wcslen(server_exe) >= BGREG_MAX_PATH)
        return ERROR_FILENAME_EXCED_RANGE;
    _snwprintf(quoted, BGREG_MAX_PATH + 8, L"\"%s\"", server_exe);
    quoted[BGREG_MAX_PATH + 7] = 0;
    /* Every record before any change, so a failure leaves Wine's registration intact. */
    err = open_saved_root();
    for (i = 0; !err && i < BGREG_ASBITS_CLSIDS; i++)
        if (!(err = drop_incomplete_record(i)))
            err = save_class(i);
    for (i = 0; !err && i < BGREG_ASBITS_CLSIDS; i++) {
        clsid_path(i, L"", path, 160);
        _snwprintf(name, 96, L"bgcopy Background Copy Manager (as %s)", bits_classes[i].name);
        name[95] = 0;
        err = delete_tree(path); /* invariant 2 */
        if (!err)
            err = set_sz(path, NULL, name);
        if (!err)
            err = set_sz(path, L"AppID", APPID_BGCOPY);
        clsid_path(i, L"LocalServer32", path, 160);
        if (!err)
            err = set_sz(path, NULL, quoted);
    }
    return err;
}

static LONG restore_class(unsigned i)
{
    wchar_t record[160], copy[160], clsid[160];
    DWORD existed = 0, size = sizeof(existed);
    LONG err;

    record_path(i, L"", record, 160);
    clsid_path(i, L"", clsid, 160);
    if (!key_exists(record))
        return names_bgcopy(i) ? delete_tree(clsid) : ERROR_SUCCESS; /* invariant 3 */
    if (RegGetValueW(HKEY_LOCAL_MACHINE, record, L"Existed", RRF_RT_REG_DWORD, NULL, &existed,
                     &size))
        return delete_tree(record); /* incomplete: the key was never changed */
    if ((err = delete_tree(clsid)))
        return err;
    if (existed) {
        record_path(i, L"Key", copy, 160);
        if ((err = copy_tree(copy, clsid)))
            return err;
    }
    return delete_tree(record);
}

long bgreg_asbits_unregister(void)
{
    LONG err, first = ERROR_SUCCESS;
    unsigned i;

    if (!bgreg_running_on_wine())
        return ERROR_NOT_SUPPORTED;
    for (i = 0; i < BGREG_ASBITS_CLSIDS; i++)
        if ((err = restore_class(i)) && !first)
            first = err;
    if (!first)
        close_saved_root();
    return first;
}

int bgreg_asbits_registered(void)
{
    unsigned i;

    if (!bgreg_running_on_wine())
        return 0;
    for (i = 0; i < BGREG_ASBITS_CLSIDS; i++) {
        wchar_t record[160];

        record_path(i, L"", record, 160);
        if (names_bgcopy(i) || key_exists(record))
            return 1;
    }
    return 0;
}
