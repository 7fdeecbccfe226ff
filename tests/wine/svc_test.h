/*
 * svc_test.h - helpers of the lifecycle tests (test_service.c, test_autostart.c,
 * reboot_client.c): running bgcopysvc.exe with a command line, finding the server process,
 * and registry snapshots that compare exactly. Header only (static inline), like wine_test.h.
 *
 * Invariants:
 *  1. Every wait is bounded (milliseconds given by the caller).
 *  2. A snapshot is the sorted list of every key and value (type and data bytes, in hex) under
 *     a key, with whether the key exists: two snapshots are equal exactly when the registry
 *     below that key is the same, whatever the enumeration order.
 */
#ifndef BGC_SVC_TEST_H
#define BGC_SVC_TEST_H

#include "wine_test.h"
#include "winproc.h"

#include <winsvc.h>

#define ST_SNAP_MAX (256 * 1024)
#define ST_APPID_KEY L"Software\\Classes\\AppID\\{1426E6B5-24F4-4A45-9730-58E423D9A403}"
#define ST_SERVICE_KEY L"System\\CurrentControlSet\\Services\\bgcopy"
#define ST_RUN_KEY L"Software\\Microsoft\\Windows\\CurrentVersion\\Run"

/* The Windows path of a harness directory variable (BGC_DATA_DIR etc.), in a static slot. */
static inline const WCHAR *st_env(const WCHAR *name)
{
    static WCHAR values[4][WT_PATH];
    static int next;
    WCHAR *out = values[next++ % 4];
    DWORD n = GetEnvironmentVariableW(name, out, WT_PATH);

    if (n == 0 || n >= WT_PATH) {
        print_error("environment variable %ls is not set: run this test through wine-run.sh\n",
                    name);
        fail();
    }
    return out;
}

/* Runs "BGC_BIN_DIR\bgcopysvc.exe" args, waits up to ms; returns the exit code, or -1 when it
 * could not start or did not exit in time (then it is terminated). Its output goes to ours. */
static inline int st_run_bgcopysvc(const WCHAR *args, DWORD ms)
{
    WCHAR app[WT_PATH], cmd[WT_PATH];
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    DWORD code = (DWORD)-1;

    wt_format(app, L"%ls\\bgcopysvc.exe", wt_env(L"BGC_BIN_DIR"));
    wt_format(cmd, L"\"%ls\" %ls", app, args);
    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    if (!CreateProcessW(app, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi)) {
        print_error("CreateProcess(%ls) failed: %lu\n", cmd, (unsigned long)GetLastError());
        return -1;
    }
    if (WaitForSingleObject(pi.hProcess, ms) != WAIT_OBJECT_0) {
        print_error("%ls did not exit within %lu ms\n", cmd, (unsigned long)ms);
        TerminateProcess(pi.hProcess, 1);
        WaitForSingleObject(pi.hProcess, 5000);
    } else
        GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    return (int)code;
}

/* Starts "BGC_BIN_DIR\bgcopysvc.exe" args without waiting; returns the process handle. */
static inline HANDLE st_start_bgcopysvc(const WCHAR *args, DWORD *pid)
{
    WCHAR app[WT_PATH], cmd[WT_PATH];
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;

    wt_format(app, L"%ls\\bgcopysvc.exe", wt_env(L"BGC_BIN_DIR"));
    wt_format(cmd, L"\"%ls\" %ls", app, args);
    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    if (!CreateProcessW(app, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi)) {
        print_error("CreateProcess(%ls) failed: %lu\n", cmd, (unsigned long)GetLastError());
        fail();
    }
    CloseHandle(pi.hThread);
    if (pid)
        *pid = pi.dwProcessId;
    return pi.hProcess;
}

/* PID of the (first) bgcopysvc.exe process, 0 when there is none. */
static inline DWORD st_server_pid(void)
{
    return bgc_test_find_pid(L"bgcopysvc.exe");
}

/* Waits up to ms until no bgcopysvc.exe runs; returns TRUE when none is left. */
static inline BOOL st_wait_no_server(DWORD ms)
{
    ULONGLONG end = GetTickCount64() + ms;

    while (st_server_pid()) {
        if (GetTickCount64() >= end)
            return FALSE;
        Sleep(100);
    }
    return TRUE;
}

/* The service's state and PID (0 state when it does not exist). */
static inline DWORD st_service_state(DWORD *pid)
{
    SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT), svc = NULL;
    SERVICE_STATUS_PROCESS sp;
    DWORD state = 0, need = 0;

    if (pid)
        *pid = 0;
    if (scm)
        svc = OpenServiceW(scm, L"bgcopy", SERVICE_QUERY_STATUS);
    if (svc && QueryServiceStatusEx(svc, SC_STATUS_PROCESS_INFO, (BYTE *)&sp, sizeof(sp), &need)) {
        state = sp.dwCurrentState;
        if (pid)
            *pid = sp.dwProcessId;
    }
    if (svc)
        CloseServiceHandle(svc);
    if (scm)
        CloseServiceHandle(scm);
    return state;
}

/* Stops the service and waits up to ms for SERVICE_STOPPED; TRUE when stopped (or absent). */
static inline BOOL st_service_stop(DWORD ms)
{
    SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT), svc = NULL;
    SERVICE_STATUS st;
    ULONGLONG end = GetTickCount64() + ms;
    BOOL stopped = TRUE;

    if (scm)
        svc = OpenServiceW(scm, L"bgcopy", SERVICE_STOP | SERVICE_QUERY_STATUS);
    if (svc) {
        ControlService(svc, SERVICE_CONTROL_STOP, &st);
        while (QueryServiceStatus(svc, &st) && st.dwCurrentState != SERVICE_STOPPED &&
               GetTickCount64() < end)
            Sleep(100);
        stopped = QueryServiceStatus(svc, &st) && st.dwCurrentState == SERVICE_STOPPED;
        CloseServiceHandle(svc);
    }
    if (scm)
        CloseServiceHandle(scm);
    return stopped;
}

/* Waits up to ms until data_dir\bgcopysvc.log has a line of process pid containing text
 * (log lines carry "<pid hex>:<tid hex>"); TRUE when found. */
static inline BOOL st_wait_log(const WCHAR *data_dir, DWORD pid, const char *text, DWORD ms)
{
    static char buf[4 << 20];
    WCHAR path[WT_PATH];
    char tag[16];
    ULONGLONG end = GetTickCount64() + ms;

    wt_format(path, L"%ls\\bgcopysvc.log", data_dir);
    snprintf(tag, sizeof(tag), " %04lx:", (unsigned long)pid);
    for (;;) {
        HANDLE f =
            CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                        NULL, OPEN_EXISTING, 0, NULL);
        DWORD got = 0;

        if (f != INVALID_HANDLE_VALUE) {
            LARGE_INTEGER size;
            if (GetFileSizeEx(f, &size) && size.QuadPart > (LONGLONG)sizeof(buf) - 1) {
                LARGE_INTEGER off;
                off.QuadPart = size.QuadPart - (LONGLONG)sizeof(buf) + 1;
                SetFilePointerEx(f, off, NULL, FILE_BEGIN);
            }
            ReadFile(f, buf, sizeof(buf) - 1, &got, NULL);
            CloseHandle(f);
            buf[got] = 0;
            for (char *line = buf; line && *line;) {
                char *nl = strchr(line, '\n');
                if (nl)
                    *nl = 0;
                if (strstr(line, tag) && strstr(line, text))
                    return TRUE;
                line = nl ? nl + 1 : NULL;
            }
        }
        if (GetTickCount64() >= end)
            return FALSE;
        Sleep(100);
    }
}

/* ---- Registry snapshots (invariant 2) ------------------------------------------------------ */

struct st_snap {
    char *lines[4096];
    size_t count;
};

static inline void st_snap_add(struct st_snap *s, const WCHAR *path, const WCHAR *name, DWORD type,
                               const BYTE *data, DWORD size)
{
    size_t len = (wcslen(path) + (name ? wcslen(name) : 0)) * 3 + 64 + (size_t)size * 2, n;
    char *line = malloc(len);
    DWORD i;

    assert_non_null(line);
    assert_true(s->count < sizeof(s->lines) / sizeof(s->lines[0]));
    if (name)
        n = (size_t)snprintf(line, len, "%ls | %ls | %lu | ", path, name[0] ? name : L"(default)",
                             (unsigned long)type);
    else
        n = (size_t)snprintf(line, len, "%ls\\", path);
    for (i = 0; i < size && n + 3 < len; i++)
        n += (size_t)snprintf(line + n, len - n, "%02x", data[i]);
    s->lines[s->count++] = line;
}

static inline void st_snap_key(struct st_snap *s, HKEY root, const WCHAR *path)
{
    HKEY key;
    DWORD i;
    static BYTE data[64 * 1024];

    if (RegOpenKeyExW(root, path, 0, KEY_READ, &key) != ERROR_SUCCESS)
        return;
    st_snap_add(s, path, NULL, 0, NULL, 0);
    for (i = 0;; i++) {
        WCHAR name[512];
        DWORD nlen = 512, type = 0, size = sizeof(data);

        if (RegEnumValueW(key, i, name, &nlen, NULL, &type, data, &size) != ERROR_SUCCESS)
            break;
        st_snap_add(s, path, name, type, data, size);
    }
    for (i = 0;; i++) {
        WCHAR name[512], sub[WT_PATH];
        DWORD nlen = 512;

        if (RegEnumKeyExW(key, i, name, &nlen, NULL, NULL, NULL, NULL) != ERROR_SUCCESS)
            break;
        wt_format(sub, L"%ls\\%ls", path, name);
        st_snap_key(s, root, sub);
    }
    RegCloseKey(key);
}

static inline int st_snap_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Takes a snapshot of root\path (nothing when the key is absent), sorted. */
static inline void st_snap_take(struct st_snap *s, HKEY root, const WCHAR *path)
{
    memset(s, 0, sizeof(*s));
    st_snap_key(s, root, path);
    qsort(s->lines, s->count, sizeof(s->lines[0]), st_snap_cmp);
}

static inline void st_snap_free(struct st_snap *s)
{
    size_t i;

    for (i = 0; i < s->count; i++)
        free(s->lines[i]);
    s->count = 0;
}

/* Fails the test, printing the first difference, unless a and b are equal. */
static inline void st_snap_assert_equal(const struct st_snap *a, const struct st_snap *b,
                                        const char *what)
{
    size_t i;

    for (i = 0; i < a->count || i < b->count; i++) {
        const char *x = i < a->count ? a->lines[i] : "(none)",
                   *y = i < b->count ? b->lines[i] : "(none)";

        if (strcmp(x, y)) {
            print_error("%s: registry differs at line %lu:\n  before: %s\n  after:  %s\n", what,
                        (unsigned long)i, x, y);
            fail();
        }
    }
}

#endif /* BGC_SVC_TEST_H */
