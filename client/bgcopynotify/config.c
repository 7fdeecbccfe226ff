/*
 * config.c - bgcopynotify's settings (HKCU, then HKLM \Software\bgcopy\Notify) and its log
 * file.
 *
 * Invariants:
 *  1. Each value is looked up in HKCU first, then in HKLM; the first one of the right type
 *     wins, a missing or mistyped value leaves the default.
 *  2. The log handle is opened once (FILE_APPEND_DATA, shared for reading, writing and
 *     deletion) and written with one WriteFile per line under log_lock, so lines of this and
 *     of concurrent processes never interleave.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "bgnotify.h"

static BOOL read_value(const WCHAR *name, DWORD type, void *data, DWORD size)
{
    static const HKEY roots[] = {HKEY_CURRENT_USER, HKEY_LOCAL_MACHINE};

    for (unsigned i = 0; i < 2; i++) {
        DWORD got_type = 0, got_size = size;
        HKEY key;
        LONG err;

        if (RegOpenKeyExW(roots[i], BGCLI_NOTIFY_KEY, 0, KEY_QUERY_VALUE, &key))
            continue;
        err = RegQueryValueExW(key, name, NULL, &got_type, data, &got_size);
        RegCloseKey(key);
        if (err == ERROR_SUCCESS && (got_type == type || (type == REG_SZ && got_type == REG_EXPAND_SZ))) {
            if (type == REG_SZ) {
                WCHAR *s = data;
                size_t n = got_size / sizeof(WCHAR);

                s[n < size / sizeof(WCHAR) ? n : size / sizeof(WCHAR) - 1] = 0;
            }
            return TRUE;
        }
    }
    return FALSE;
}

void bgcli_notify_load_config(struct bgcli_notify_config *cfg)
{
    WCHAR raw[BGCLI_NOTIFY_MAX];
    DWORD n;

    memset(cfg, 0, sizeof(*cfg));
    cfg->idle_timeout_ms = BGCLI_NOTIFY_DEF_IDLE_MS;
    read_value(L"CompleteOnTransferred", REG_DWORD, &cfg->complete_on_transferred, sizeof(DWORD));
    read_value(L"IdleTimeoutMs", REG_DWORD, &cfg->idle_timeout_ms, sizeof(DWORD));
    if (!read_value(L"Command", REG_SZ, cfg->command, sizeof(cfg->command)))
        cfg->command[0] = 0;
    if (!read_value(L"LogFile", REG_SZ, raw, sizeof(raw)) || !raw[0])
        wcscpy(raw, L"%LOCALAPPDATA%\\bgcopy\\bgcopynotify.log");
    n = ExpandEnvironmentStringsW(raw, cfg->log_file, BGCLI_NOTIFY_MAX);
    if (n == 0 || n > BGCLI_NOTIFY_MAX)
        wcscpy(cfg->log_file, raw);
}

/* ---- the log ------------------------------------------------------------------------------- */

static SRWLOCK log_lock = SRWLOCK_INIT;
static HANDLE log_handle = INVALID_HANDLE_VALUE; /* log_lock */

BOOL bgcli_notify_log_open(const WCHAR *path)
{
    WCHAR dir[BGCLI_NOTIFY_MAX];
    WCHAR *slash;
    HANDLE h;

    if (wcslen(path) < BGCLI_NOTIFY_MAX) {
        wcscpy(dir, path);
        if ((slash = wcsrchr(dir, L'\\'))) {
            *slash = 0;
            CreateDirectoryW(dir, NULL); /* %LOCALAPPDATA%\bgcopy may not exist yet */
        }
    }
    h = CreateFileW(path, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                    OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE)
        return FALSE;
    AcquireSRWLockExclusive(&log_lock);
    if (log_handle != INVALID_HANDLE_VALUE)
        CloseHandle(log_handle);
    log_handle = h;
    ReleaseSRWLockExclusive(&log_lock);
    return TRUE;
}

void bgcli_notify_log_close(void)
{
    AcquireSRWLockExclusive(&log_lock);
    if (log_handle != INVALID_HANDLE_VALUE)
        CloseHandle(log_handle);
    log_handle = INVALID_HANDLE_VALUE;
    ReleaseSRWLockExclusive(&log_lock);
}

/* GetSystemTimePreciseAsFileTime (Windows 8+, Wine) when present, else the coarse clock. */
static void precise_now(FILETIME *ft)
{
    typedef VOID(WINAPI * precise_fn)(LPFILETIME);
    static precise_fn fn;
    static LONG looked_up;

    if (!InterlockedCompareExchange(&looked_up, 1, 0))
        fn = (precise_fn)(void (*)(void))GetProcAddress(GetModuleHandleW(L"kernel32.dll"),
                                                        "GetSystemTimePreciseAsFileTime");
    if (fn)
        fn(ft);
    else
        GetSystemTimeAsFileTime(ft);
}

void bgcli_notify_log(const char *fmt, ...)
{
    char line[4096];
    FILETIME ft;
    SYSTEMTIME st;
    ULARGE_INTEGER ticks;
    va_list ap;
    int n, m;
    DWORD put;

    precise_now(&ft);
    ticks.LowPart = ft.dwLowDateTime;
    ticks.HighPart = ft.dwHighDateTime;
    FileTimeToSystemTime(&ft, &st);
    n = snprintf(line, sizeof(line), "%04u-%02u-%02uT%02u:%02u:%02u.%07luZ t=%llu pid=%lu ", st.wYear, st.wMonth,
                 st.wDay, st.wHour, st.wMinute, st.wSecond, (unsigned long)(ticks.QuadPart % 10000000u),
                 (unsigned long long)ticks.QuadPart, (unsigned long)GetCurrentProcessId());
    if (n < 0 || (size_t)n >= sizeof(line))
        return;
    va_start(ap, fmt);
    m = vsnprintf(line + n, sizeof(line) - (size_t)n - 2, fmt, ap);
    va_end(ap);
    if (m < 0)
        return;
    n += (size_t)m < sizeof(line) - (size_t)n - 2 ? m : (int)(sizeof(line) - (size_t)n - 3);
    line[n++] = '\r';
    line[n++] = '\n';
    AcquireSRWLockShared(&log_lock);
    if (log_handle != INVALID_HANDLE_VALUE)
        WriteFile(log_handle, line, (DWORD)n, &put, NULL);
    ReleaseSRWLockShared(&log_lock);
}
