/*
 * bench_util.c: clocks, CPU accounting and file checks for the benchmark programs.
 * See bench_util.h for the measuring rules every benchmark follows.
 */
#include "bench_util.h"

#include <tlhelp32.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

double bench_now(void)
{
    static LARGE_INTEGER freq; /* ticks per second; constant while the system runs */
    LARGE_INTEGER now;

    if (!freq.QuadPart)
        QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&now);
    return (double)now.QuadPart / (double)freq.QuadPart;
}

static double filetime_seconds(const FILETIME *ft)
{
    ULARGE_INTEGER v;

    v.LowPart = ft->dwLowDateTime;
    v.HighPart = ft->dwHighDateTime;
    return (double)v.QuadPart / 1e7; /* FILETIME counts 100 ns units */
}

double bench_process_cpu(HANDLE process)
{
    FILETIME created, exited, kernel, user;

    if (!GetProcessTimes(process, &created, &exited, &kernel, &user))
        return -1.0;
    return filetime_seconds(&kernel) + filetime_seconds(&user);
}

double bench_named_process_cpu(const WCHAR *exe, int *count)
{
    PROCESSENTRY32W entry;
    HANDLE snapshot;
    double total = 0.0;

    *count = 0;
    snapshot = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    if (snapshot == INVALID_HANDLE_VALUE)
        return 0.0;
    entry.dwSize = sizeof(entry);
    for (BOOL more = Process32FirstW(snapshot, &entry); more; more = Process32NextW(snapshot, &entry)) {
        const WCHAR *base = entry.szExeFile;
        const WCHAR *slash;
        HANDLE process;
        double cpu;

        /* Toolhelp gives a base name on Windows; be tolerant of a full path. */
        if ((slash = wcsrchr(base, L'\\')))
            base = slash + 1;
        if (_wcsicmp(base, exe))
            continue;
        process = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, entry.th32ProcessID);
        if (!process)
            continue;
        cpu = bench_process_cpu(process);
        CloseHandle(process);
        if (cpu < 0.0)
            continue;
        total += cpu;
        (*count)++;
    }
    CloseHandle(snapshot);
    return total;
}

int bench_under_wine(void)
{
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");

    return ntdll && GetProcAddress(ntdll, "wine_get_version");
}

/* Reads up to size - 1 bytes of a (procfs) file through Wine's Z: drive; returns the byte count
 * (data is NUL-terminated) or -1. procfs files report size 0, so read until end of file. */
static int read_unix_file(const WCHAR *path, char *data, int size)
{
    HANDLE file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                              OPEN_EXISTING, 0, NULL);
    int used = 0;
    DWORD got;

    if (file == INVALID_HANDLE_VALUE)
        return -1;
    while (used < size - 1 && ReadFile(file, data + used, (DWORD)(size - 1 - used), &got, NULL) && got)
        used += (int)got;
    CloseHandle(file);
    data[used] = 0;
    return used;
}

/* The value of NAME= in a NUL-separated environment block of n bytes, or NULL. */
static const char *environ_value(const char *env, int n, const char *name)
{
    size_t len = strlen(name);

    for (int i = 0; i < n; i += (int)strlen(env + i) + 1)
        if (!strncmp(env + i, name, len) && env[i + len] == '=')
            return env + i + len + 1;
    return NULL;
}

/* Case-insensitive substring test. */
static int contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);

    for (; *hay; hay++)
        if (!_strnicmp(hay, needle, n))
            return 1;
    return 0;
}

double bench_wine_unix_cpu(const char *needle, int *count)
{
    enum { ENV_MAX = 256 * 1024, CMD_MAX = 4096, STAT_MAX = 4096 };
    static char self_env[ENV_MAX];   /* this process's Unix environment */
    static char env[ENV_MAX];        /* a candidate's Unix environment */
    char cmd[CMD_MAX], stat[STAT_MAX];
    const char *prefix;
    WIN32_FIND_DATAW found;
    HANDLE find;
    int self_n;
    double total = 0.0;

    *count = 0;
    if (!bench_under_wine() || (self_n = read_unix_file(L"Z:\\proc\\self\\environ", self_env, ENV_MAX)) < 0)
        return -1.0;
    prefix = environ_value(self_env, self_n, "WINEPREFIX");
    find = FindFirstFileW(L"Z:\\proc\\*", &found);
    if (find == INVALID_HANDLE_VALUE)
        return -1.0;
    do {
        WCHAR path[64];
        const char *other, *p;
        unsigned long long utime = 0, stime = 0;
        int n, field;

        if (found.cFileName[0] < L'1' || found.cFileName[0] > L'9' || wcslen(found.cFileName) > 10)
            continue;
        swprintf(path, 64, L"Z:\\proc\\%ls\\cmdline", found.cFileName);
        if ((n = read_unix_file(path, cmd, CMD_MAX)) <= 0)
            continue;
        for (int i = 0; i < n; i++) /* argv is NUL-separated: match it as one line */
            if (!cmd[i])
                cmd[i] = ' ';
        if (!contains_nocase(cmd, needle))
            continue;
        swprintf(path, 64, L"Z:\\proc\\%ls\\environ", found.cFileName);
        if ((n = read_unix_file(path, env, ENV_MAX)) < 0)
            continue;
        other = environ_value(env, n, "WINEPREFIX");
        if ((prefix == NULL) != (other == NULL) || (prefix && strcmp(prefix, other)))
            continue; /* another Wine prefix's process */
        swprintf(path, 64, L"Z:\\proc\\%ls\\stat", found.cFileName);
        if (read_unix_file(path, stat, STAT_MAX) <= 0 || !(p = strrchr(stat, ')')))
            continue;
        /* After "pid (comm)": field 3 is the state; utime and stime are fields 14 and 15. */
        for (field = 3, p += 2; *p && field < 14; p++)
            if (*p == ' ')
                field++;
        if (sscanf(p, "%llu %llu", &utime, &stime) != 2)
            continue;
        total += (double)(utime + stime) / 100.0; /* USER_HZ is 100 on Linux */
        (*count)++;
    } while (FindNextFileW(find, &found));
    FindClose(find);
    return total;
}

int bench_file_size(const WCHAR *path, unsigned long long *size)
{
    WIN32_FILE_ATTRIBUTE_DATA data;

    if (!GetFileAttributesExW(path, GetFileExInfoStandard, &data))
        return -1;
    *size = ((unsigned long long)data.nFileSizeHigh << 32) | data.nFileSizeLow;
    return 0;
}

int bench_delete_file(const WCHAR *path)
{
    if (DeleteFileW(path))
        return 0;
    return GetFileAttributesW(path) == INVALID_FILE_ATTRIBUTES ? 0 : -1;
}

double bench_prime_file_cache(const WCHAR *path, unsigned long long bytes)
{
    enum { CHUNK = 1 << 20 };
    static const WCHAR suffix[] = L".prime";
    unsigned char *zeros = calloc(1, CHUNK);
    WCHAR *scratch = malloc((wcslen(path) + sizeof(suffix) / sizeof(WCHAR)) * sizeof(WCHAR));
    HANDLE file = INVALID_HANDLE_VALUE;
    double t0 = bench_now(), result = -1.0;
    DWORD error = ERROR_OUTOFMEMORY;

    if (!zeros || !scratch)
        goto done;
    wcscpy(scratch, path);
    wcscat(scratch, suffix);
    bench_delete_file(scratch);
    file = CreateFileW(scratch, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
    if (file == INVALID_HANDLE_VALUE) {
        error = GetLastError();
        goto done;
    }
    for (unsigned long long done = 0; done < bytes;) {
        DWORD chunk = bytes - done < CHUNK ? (DWORD)(bytes - done) : CHUNK, written = 0;

        if (!WriteFile(file, zeros, chunk, &written, NULL) || !written) {
            error = GetLastError();
            goto done;
        }
        done += written;
    }
    error = 0;
done:
    if (file != INVALID_HANDLE_VALUE) {
        CloseHandle(file);
        if (bench_delete_file(scratch) && !error)
            error = GetLastError();
    }
    if (!error)
        result = bench_now() - t0;
    free(zeros);
    free(scratch);
    SetLastError(error);
    return result;
}

WCHAR *bench_widen(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
    WCHAR *w;

    if (n <= 0)
        return NULL;
    w = malloc((size_t)n * sizeof(*w));
    if (w && MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n) != n) {
        free(w);
        w = NULL;
    }
    return w;
}

int bench_parse_u64(const char *s, unsigned long long *value)
{
    char *end;

    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    *value = strtoull(s, &end, 10);
    return (errno || *end) ? -1 : 0;
}
