/*
 * log.c - the bgc_log sink of bgcopysvc.exe: lines from jobs/ and server/ go to
 * DataDir\bgcopysvc.log.
 *
 * Invariants:
 *  1. One line per WriteFile, written under log_cs, so lines of different threads never mix.
 *  2. Callers never pass secrets (credentials, custom headers): nothing here filters them.
 *  3. The sink is installed only after the file is open and removed before it is closed.
 */
#include <stdio.h>
#include <string.h>

#include "server.h"

static CRITICAL_SECTION log_cs; /* guards log_file */
static HANDLE log_file = INVALID_HANDLE_VALUE; /* open log file or INVALID_HANDLE_VALUE (log_cs) */

static const char *level_names[] = {"err", "warn", "fixme", "info", "trace"};

static void log_write(void *ctx, enum bgc_log_level level, const char *channel, const char *line)
{
    char buf[2048];
    SYSTEMTIME st;
    DWORD written;
    int n;

    (void)ctx;
    GetLocalTime(&st);
    n = snprintf(buf, sizeof(buf), "%04u-%02u-%02u %02u:%02u:%02u.%03u %04lx:%04lx %s:%s: %s\r\n", st.wYear,
                 st.wMonth, st.wDay, st.wHour, st.wMinute, st.wSecond, st.wMilliseconds,
                 (unsigned long)GetCurrentProcessId(), (unsigned long)GetCurrentThreadId(),
                 (unsigned)level < ARRAYSIZE(level_names) ? level_names[level] : "?", channel ? channel : "-",
                 line ? line : "");
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(buf)) { /* truncated: keep the line terminator */
        n = (int)sizeof(buf) - 1;
        buf[n - 2] = '\r';
        buf[n - 1] = '\n';
    }
    EnterCriticalSection(&log_cs);
    if (log_file != INVALID_HANDLE_VALUE)
        WriteFile(log_file, buf, (DWORD)n, &written, NULL);
    LeaveCriticalSection(&log_cs);
}

/* Creates every missing directory of path (absolute, drive or UNC). Components that cannot be
 * created (a drive root, a UNC server or share) are skipped; what counts is that the whole
 * path exists as a directory at the end. */
static BOOL create_dirs(const WCHAR *path)
{
    WCHAR buf[MAX_PATH + 1];
    size_t len = wcslen(path), i;
    DWORD attrs;

    if (!len || len >= ARRAYSIZE(buf))
        return FALSE;
    wcscpy(buf, path);
    for (i = 1; i <= len; i++) {
        if (buf[i] == L'\\' || buf[i] == L'/' || buf[i] == 0) {
            WCHAR saved = buf[i];

            buf[i] = 0;
            CreateDirectoryW(buf, NULL);
            buf[i] = saved;
        }
    }
    attrs = GetFileAttributesW(path);
    return attrs != INVALID_FILE_ATTRIBUTES && (attrs & FILE_ATTRIBUTE_DIRECTORY);
}

BOOL log_open(const WCHAR *data_dir, enum bgc_log_level max_level)
{
    WCHAR path[MAX_PATH + 32];
    HANDLE h;

    InitializeCriticalSection(&log_cs);
    if (!create_dirs(data_dir))
        return FALSE;
    if (_snwprintf(path, ARRAYSIZE(path), L"%s\\bgcopysvc.log", data_dir) < 0)
        return FALSE;
    path[ARRAYSIZE(path) - 1] = 0;
    h = CreateFileW(path, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                    OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE)
        return FALSE;
    EnterCriticalSection(&log_cs);
    log_file = h;
    LeaveCriticalSection(&log_cs);
    bgc_log_set_sink(log_write, NULL, max_level);
    return TRUE;
}

void log_close(void)
{
    HANDLE h;

    bgc_log_set_sink(NULL, NULL, BGC_LOG_ERR);
    EnterCriticalSection(&log_cs);
    h = log_file;
    log_file = INVALID_HANDLE_VALUE;
    LeaveCriticalSection(&log_cs);
    if (h != INVALID_HANDLE_VALUE)
        CloseHandle(h);
}
