/*
 * bgreg.h - bgcopy's registry layer: COM registration of bgcopysvc.exe, bgcopyps.dll and
 * bgcopy.tlb, and the server configuration under Software\bgcopy.
 *
 * registry/ handles GUID strings and registry keys only, never interfaces. Results are Win32
 * error codes (ERROR_SUCCESS = 0). See registry/README.md for every key written and every
 * configuration value read.
 */
#ifndef BGREG_H
#define BGREG_H

#include <windows.h>
#include <wchar.h>

#include "bgc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Full paths of the three registered files (borrowed for the call). */
struct bgreg_paths {
    const wchar_t *server_exe; /* bgcopysvc.exe, written (quoted) as LocalServer32 */
    const wchar_t *proxy_dll;  /* bgcopyps.dll, InprocServer32 of CLSID_BgCopyPSFactory */
    const wchar_t *typelib;    /* bgcopy.tlb, TypeLib\{LIBID}\1.0\0\win64 */
};

/* Registers bgcopy per user (HKCU\Software\Classes) or, with machine != 0, machine-wide
 * (HKLM\Software\Classes). Under Wine the per-user registration is written machine-wide
 * (see bgreg_effective_machine). Idempotent: registering twice leaves the state of one
 * registration. Interface keys: on Windows bgcopy's proxy is registered for an interface only
 * where no other ProxyStubClsid32 exists; under Wine it replaces Wine's qmgrprxy.dll for every
 * BITS interface. What it changes is saved for bgreg_unregister. Returns ERROR_SUCCESS or the
 * first Win32 error (keys written before it stay). */
long bgreg_register(const struct bgreg_paths *paths, int machine);

/* Removes exactly what bgreg_register wrote in the same place: bgcopy's own keys, and the
 * Interface keys whose ProxyStubClsid32 is bgcopy's (restoring saved values). Keys of other
 * software are never touched. Removing a registration that does not exist succeeds. */
long bgreg_unregister(int machine);

/* Non-zero when registering with `machine` writes HKLM\Software\Classes: machine != 0, or
 * running under Wine, whose COM (Wine 8) reads classes only from HKLM\Software\Classes. */
int bgreg_effective_machine(int machine);

/* Non-zero when running under Wine (ntdll exports wine_get_version). */
int bgreg_running_on_wine(void);

#define BGREG_MAX_PATH 260

/* Settings of the server process itself (the core's settings go to struct bgc_config). */
struct bgreg_server_config {
    wchar_t data_dir[BGREG_MAX_PATH]; /* DataDir, environment variables expanded */
    unsigned log_level;               /* LogLevel, 0 (ERR) .. 4 (TRACE) */
    unsigned idle_timeout_ms;         /* IdleTimeoutMs */
};

/* Fills cfg and srv from HKCU\Software\bgcopy, then HKLM\Software\bgcopy, value by value,
 * with the documented defaults for values found in neither. Never fails: an unreadable or
 * mistyped value counts as absent. */
void bgreg_load_config(struct bgc_config *cfg, struct bgreg_server_config *srv);

/* The same for the Windows service (bgcopysvc.exe /Service): HKLM\Software\bgcopy only (a
 * service has no interactive user; under LocalSystem HKCU is the .DEFAULT hive), and DataDir
 * defaults to %ProgramData%\bgcopy. Never fails, like bgreg_load_config. */
void bgreg_load_service_config(struct bgc_config *cfg, struct bgreg_server_config *srv);

/* ---- /RegServer /service (issue 4 item 5, registry/service.c): bgcopysvc.exe as the
 * Windows service BGREG_SERVICE_NAME, machine-wide. Keys: registry/README.md, "/service". */

#define BGREG_SERVICE_NAME L"bgcopy"

/* Creates (or updates) the service "bgcopy": SERVICE_WIN32_OWN_PROCESS, LocalSystem,
 * ImagePath "<server_exe>" /Service, SERVICE_AUTO_START with delayed auto-start (P6), and
 * sets LocalService = bgcopy on HKLM\Software\Classes\AppID\{APPID_BgCopy}, which must exist
 * (bgreg_register with machine != 0 first). Idempotent. Returns ERROR_SUCCESS or a Win32 error
 * (ERROR_ACCESS_DENIED without administrator rights on Windows). */
long bgreg_service_register(const wchar_t *server_exe);

/* Stops the service if it runs (up to 30 s; it flushes its store), deletes it and removes the
 * LocalService value (and nothing else) from the AppID key. Succeeds when nothing is
 * registered. */
long bgreg_service_unregister(void);

/* Non-zero when the service exists or the AppID has bgcopy's LocalService value. */
int bgreg_service_registered(void);

/* ---- /RegServer /autostart (issue 4 item 5, registry/autostart.c): the per-user logon
 * start. Keys: registry/README.md, "/autostart". */

#define BGREG_AUTOSTART_VALUE L"bgcopy"
#define BGREG_RUN_KEY L"Software\\Microsoft\\Windows\\CurrentVersion\\Run"

/* Sets HKCU\...\Run value "bgcopy" = "<server_exe>" /autostart (REG_SZ), creating the Run key
 * if needed. Idempotent. */
long bgreg_autostart_register(const wchar_t *server_exe);

/* Deletes that value (the Run key stays). Succeeds when absent. */
long bgreg_autostart_unregister(void);

/* Non-zero when the Run value exists. */
int bgreg_autostart_registered(void);

/* ---- /asbits (issue 3 item 12, registry/asbits.c): bgcopy as the provider of Microsoft's
 * BITS CLSIDs in a Wine prefix. Under Wine only: on Windows the calls below (but
 * bgreg_asbits_clsid) return ERROR_NOT_SUPPORTED or 0 and write nothing. Keys:
 * registry/README.md, "/asbits". */

/* CLSID_BackgroundCopyManager and its nine versioned CLSIDs (1_5 .. 10_3). */
#define BGREG_ASBITS_CLSIDS 10

/* "{...}" of BITS CLSID i (0 = CLSID_BackgroundCopyManager); NULL when i is out of range. */
const wchar_t *bgreg_asbits_clsid(unsigned i);

/* Registers server_exe as LocalServer32 (AppID = APPID_BgCopy) of every BITS CLSID under
 * HKLM\Software\Classes, after saving each CLSID key's whole subtree (or its absence) under
 * HKLM\Software\bgcopy\SavedBits. Idempotent; a later call never overwrites a saved record.
 * Needs the normal registration (bgreg_register: the AppID key) to be useful. */
long bgreg_asbits_register(const wchar_t *server_exe);

/* Puts back every saved CLSID key exactly (values, types, subkeys; absent keys removed) and
 * removes the records. Succeeds when nothing is registered. */
long bgreg_asbits_unregister(void);

/* Non-zero under Wine when BITS CLSID i is currently registered to bgcopy (its AppID is
 * APPID_BgCopy): the server then registers its class object for it. */
int bgreg_asbits_serves(unsigned i);

/* Non-zero under Wine when any /asbits registration or saved record exists. */
int bgreg_asbits_registered(void);

#ifdef __cplusplus
}
#endif
/* policy.c (conditions area, S4/L25): the BITS bandwidth Group Policy under
 * HKLM\Software\Policies\Microsoft\Windows\BITS for the given local time, in bytes per second
 * (BGREG_BANDWIDTH_UNLIMITED when no policy applies; 0 blocks background transfers).
 * *next_change_s: seconds until the schedule may change (the next full hour). */
#define BGREG_BANDWIDTH_UNLIMITED UINT64_MAX
uint64_t bgreg_bandwidth_policy(const SYSTEMTIME *local_now, unsigned *next_change_s);

#endif /* BGREG_H */
