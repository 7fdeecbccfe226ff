/*
 * bgnotify.h - bgcopynotify.exe, the notification server registered by CLSID
 * (CLSID_BgCopyNotify, LocalServer32): bgcopysvc activates it from a job's
 * BITS_JOB_PROPERTY_NOTIFICATION_CLSID (N6 step 2) and calls its IBackgroundCopyCallback3.
 * It logs every callback and, on JobTransferred, can run a command and/or Complete the job.
 * Documentation: client/docs/bgcopynotify.md.
 *
 * Files: main.c (command line, registration, class factory, process lifetime), callback.c
 * (the callback object and its actions), config.c (settings from the registry, the log).
 *
 * Invariants:
 *  1. bgcopynotify is a COM client of bgcopysvc like any other (no jobs/ code); it uses
 *     registry/ only for bgreg_effective_machine (where classes are registered).
 *  2. Every live callback object and every IClassFactory::LockServer(TRUE) holds one process
 *     lock (bgcli_notify_lock); the process exits after the count stayed at zero for the idle
 *     time (IdleTimeoutMs).
 *  3. The log is append-only, one WriteFile per line, so concurrent instances never tear
 *     each other's lines; each line starts with a precise UTC time and its FILETIME ticks.
 */
#ifndef BGNOTIFY_H
#define BGNOTIFY_H

#include <windows.h>
#include <ole2.h>

#include "bgcopy.h"

#define BGCLI_NOTIFY_KEY L"Software\\bgcopy\\Notify" /* settings, HKCU then HKLM */
#define BGCLI_NOTIFY_DEF_IDLE_MS 2000u               /* IdleTimeoutMs default */
#define BGCLI_NOTIFY_CMD_WAIT_MS 60000u              /* bound of the wait for Command */
#define BGCLI_NOTIFY_MAX 2048                        /* WCHARs of a path or command */

/* Settings read from HKCU\Software\bgcopy\Notify, then HKLM, value by value (config.c). */
struct bgcli_notify_config {
    DWORD complete_on_transferred; /* CompleteOnTransferred: Complete the job on JobTransferred */
    WCHAR command[BGCLI_NOTIFY_MAX]; /* Command: run on JobTransferred ("" = none) */
    WCHAR log_file[BGCLI_NOTIFY_MAX]; /* LogFile, environment expanded (default below) */
    DWORD idle_timeout_ms;         /* IdleTimeoutMs: idle time before exit */
};

/* Fills cfg with the documented defaults, then the values found. Never fails: a missing or
 * mistyped value counts as absent. Default LogFile: %LOCALAPPDATA%\bgcopy\bgcopynotify.log. */
void bgcli_notify_load_config(struct bgcli_notify_config *cfg);

/* Opens the log file (appending; creating its directory one level deep). Returns FALSE when
 * it cannot be opened (lines are then dropped). */
BOOL bgcli_notify_log_open(const WCHAR *path);
/* Appends "<ISO-8601 UTC with 100 ns> t=<FILETIME ticks> pid=<pid> <text>\r\n" (UTF-8).
 * The time comes from GetSystemTimePreciseAsFileTime where it exists. Thread-safe. */
void bgcli_notify_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void bgcli_notify_log_close(void);

/* Process lifetime (main.c): one count per live object or LockServer(TRUE). */
void bgcli_notify_lock(void);
void bgcli_notify_unlock(void);

/* A new callback object (IBackgroundCopyCallback3, 2, 1; one reference) (callback.c). */
HRESULT bgcli_notify_callback_create(REFIID riid, void **out);

#endif /* BGNOTIFY_H */
