/*
 * wine_test.h - helpers shared by the Windows integration tests (tests/wine/test_*.c), which
 * run under tests/wine/wine-run.sh: a fresh prefix with bgcopy registered, and a loopback HTTP
 * test server (tests/httpd) whose coordinates come from the environment:
 *   BGC_HTTP_PORT, BGC_HTTP_ROOT, BGC_BIN_DIR, BGC_TEMP_DIR (see wine-run.sh).
 *
 * Header only (static inline), because CMake builds each test_*.c as its own program.
 *
 * Invariants:
 *  1. Every wait is bounded (milliseconds given by the caller); nothing here blocks forever.
 *  2. Paths and URLs are built into caller-provided or static buffers of WT_PATH WCHARs; a
 *     result that does not fit fails the test instead of being truncated.
 *  3. assert_hr compares HRESULTs as 32-bit values and names the call on mismatch.
 */
#ifndef BGC_WINE_TEST_H
#define BGC_WINE_TEST_H

#include <windows.h>
#include <bcrypt.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <cmocka.h>

#include "bgcopy.h"
#include "testdata.h"

#define WT_PATH 1024

#ifndef BG_E_NOT_FOUND
#define BG_E_NOT_FOUND ((HRESULT)0x80200001L)
#endif
#ifndef BG_E_INVALID_STATE
#define BG_E_INVALID_STATE ((HRESULT)0x80200002L)
#endif
#ifndef BG_E_EMPTY
#define BG_E_EMPTY ((HRESULT)0x80200003L)
#endif
#ifndef BG_E_ERROR_INFORMATION_UNAVAILABLE
#define BG_E_ERROR_INFORMATION_UNAVAILABLE ((HRESULT)0x8020000FL)
#endif
#ifndef BG_E_STRING_TOO_LONG
#define BG_E_STRING_TOO_LONG ((HRESULT)0x80200021L)
#endif
#ifndef BG_E_HTTP_ERROR_404
#define BG_E_HTTP_ERROR_404 ((HRESULT)0x80190194L)
#endif
#ifndef RPC_X_NULL_REF_POINTER
#define RPC_X_NULL_REF_POINTER 1780L
#endif
#define WT_HR_NULL_REF ((HRESULT)0x800706F4L) /* HRESULT_FROM_WIN32(RPC_X_NULL_REF_POINTER) */

/* Asserts that a call returned the expected HRESULT; prints the call text on mismatch. */
#define assert_hr(call, expected)                                                              \
    do {                                                                                       \
        HRESULT wt_got_ = (call);                                                              \
        HRESULT wt_want_ = (HRESULT)(expected);                                                \
        if (wt_got_ != wt_want_)                                                               \
            print_error("%s:%d: %s returned 0x%08lx, expected 0x%08lx\n", __FILE__, __LINE__,  \
                        #call, (unsigned long)wt_got_, (unsigned long)wt_want_);               \
        assert_int_equal((unsigned long)wt_got_, (unsigned long)wt_want_);                     \
    } while (0)

/* The value of a harness variable; fails the test when it is missing. Static buffer per name
 * slot (4 slots, one per variable of the contract). */
static inline const WCHAR *wt_env(const WCHAR *name)
{
    static WCHAR values[4][WT_PATH];
    static const WCHAR *names[4] = { L"BGC_HTTP_PORT", L"BGC_HTTP_ROOT", L"BGC_BIN_DIR", L"BGC_TEMP_DIR" };
    int i;
    DWORD n;
    for (i = 0; i < 4; i++)
        if (wcscmp(names[i], name) == 0)
            break;
    assert_true(i < 4);
    n = GetEnvironmentVariableW(name, values[i], WT_PATH);
    if (n == 0 || n >= WT_PATH) {
        print_error("environment variable %ls is not set: run this test through wine-run.sh\n", name);
        fail();
    }
    return values[i];
}

/* swprintf into out (WT_PATH WCHARs) that fails the test instead of truncating. */
static inline WCHAR *wt_format(WCHAR *out, const WCHAR *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vswprintf(out, WT_PATH, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && n < WT_PATH);
    return out;
}

/* http://127.0.0.1:PORT<path> (path starts with '/'). */
static inline WCHAR *wt_url(WCHAR *out, const WCHAR *path)
{
    return wt_format(out, L"http://127.0.0.1:%ls%ls", wt_env(L"BGC_HTTP_PORT"), path);
}

/* Creates (if needed) BGC_TEMP_DIR\dir, a directory for one test, and returns its path. */
static inline WCHAR *wt_test_dir(WCHAR *out, const WCHAR *dir)
{
    wt_format(out, L"%ls\\%ls", wt_env(L"BGC_TEMP_DIR"), dir);
    if (!CreateDirectoryW(out, NULL) && GetLastError() != ERROR_ALREADY_EXISTS) {
        print_error("CreateDirectoryW(%ls) failed: %lu\n", out, (unsigned long)GetLastError());
        fail();
    }
    return out;
}

static inline BOOL wt_file_exists(const WCHAR *path)
{
    return GetFileAttributesW(path) != INVALID_FILE_ATTRIBUTES;
}

/* Number of entries (files and directories, without . and ..) in dir. */
static inline int wt_dir_entries(const WCHAR *dir)
{
    WCHAR pattern[WT_PATH];
    WIN32_FIND_DATAW fd;
    HANDLE h;
    int n = 0;
    wt_format(pattern, L"%ls\\*", dir);
    h = FindFirstFileW(pattern, &fd);
    if (h == INVALID_HANDLE_VALUE)
        return 0;
    do {
        if (wcscmp(fd.cFileName, L".") != 0 && wcscmp(fd.cFileName, L"..") != 0)
            n++;
    } while (FindNextFileW(h, &fd));
    FindClose(h);
    return n;
}

/* Lowercase hex SHA-256 (BCrypt) of a file's content and its size. Returns FALSE when the file
 * cannot be read. */
static inline BOOL wt_file_sha256(const WCHAR *path, char hex[BGC_SHA256_HEX_SIZE], UINT64 *size)
{
    BCRYPT_ALG_HANDLE alg = NULL;
    BCRYPT_HASH_HANDLE hash = NULL;
    unsigned char digest[32];
    static unsigned char buf[1 << 20];
    DWORD got;
    BOOL ok = FALSE;
    HANDLE f = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    int i;

    *size = 0;
    if (f == INVALID_HANDLE_VALUE)
        return FALSE;
    if (BCryptOpenAlgorithmProvider(&alg, BCRYPT_SHA256_ALGORITHM, NULL, 0) != 0)
        goto done;
    if (BCryptCreateHash(alg, &hash, NULL, 0, NULL, 0, 0) != 0)
        goto done;
    for (;;) {
        if (!ReadFile(f, buf, sizeof(buf), &got, NULL))
            goto done;
        if (got == 0)
            break;
        *size += got;
        if (BCryptHashData(hash, buf, got, 0) != 0)
            goto done;
    }
    if (BCryptFinishHash(hash, digest, sizeof(digest), 0) != 0)
        goto done;
    for (i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    ok = TRUE;
done:
    if (hash)
        BCryptDestroyHash(hash);
    if (alg)
        BCryptCloseAlgorithmProvider(alg, 0);
    CloseHandle(f);
    return ok;
}

/* Asserts that path holds exactly the first `size` bytes of test stream `seed`. */
static inline void wt_assert_file_is_testdata(const WCHAR *path, uint64_t seed, uint64_t size)
{
    char want[BGC_SHA256_HEX_SIZE], got[BGC_SHA256_HEX_SIZE];
    UINT64 got_size = 0;
    if (!wt_file_sha256(path, got, &got_size)) {
        print_error("cannot read %ls (error %lu)\n", path, (unsigned long)GetLastError());
        fail();
    }
    assert_int_equal(got_size, size);
    bgc_testdata_sha256(seed, size, want);
    assert_string_equal(got, want);
}

/* Writes the first `size` bytes of test stream `seed` to path. */
static inline void wt_write_testdata(const WCHAR *path, uint64_t seed, uint64_t size)
{
    static unsigned char buf[1 << 16];
    HANDLE f = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    uint64_t off = 0;
    DWORD put;
    assert_true(f != INVALID_HANDLE_VALUE);
    while (off < size) {
        size_t n = size - off < sizeof(buf) ? (size_t)(size - off) : sizeof(buf);
        bgc_testdata_fill(seed, off, buf, n);
        assert_true(WriteFile(f, buf, (DWORD)n, &put, NULL) && put == n);
        off += n;
    }
    CloseHandle(f);
}

/* Connects to bgcopy like any client: CLSCTX_LOCAL_SERVER. */
static inline IBackgroundCopyManager *wt_connect(void)
{
    IBackgroundCopyManager *mgr = NULL;
    HRESULT hr = CoCreateInstance(&CLSID_BgCopyManager, NULL, CLSCTX_LOCAL_SERVER, &IID_IBackgroundCopyManager,
                                  (void **)&mgr);
    if (FAILED(hr)) {
        print_error("CoCreateInstance(CLSID_BgCopyManager, CLSCTX_LOCAL_SERVER) failed: 0x%08lx\n",
                    (unsigned long)hr);
        return NULL;
    }
    return mgr;
}

/* COM for a test program: MTA (callbacks arrive on RPC threads), IMPERSONATE level. */
static inline int wt_com_init(void)
{
    HRESULT hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (FAILED(hr))
        return -1;
    CoInitializeSecurity(NULL, -1, NULL, NULL, RPC_C_AUTHN_LEVEL_CONNECT, RPC_C_IMP_LEVEL_IMPERSONATE, NULL,
                         EOAC_NONE, NULL);
    return 0;
}

/* Polls GetState every 50 ms until the job is in `want` or ms elapse; returns the last state. */
static inline BG_JOB_STATE wt_wait_state(IBackgroundCopyJob *job, BG_JOB_STATE want, DWORD ms)
{
    ULONGLONG end = GetTickCount64() + ms;
    BG_JOB_STATE state = (BG_JOB_STATE)-1;
    for (;;) {
        assert_hr(IBackgroundCopyJob_GetState(job, &state), S_OK);
        if (state == want || GetTickCount64() >= end)
            return state;
        Sleep(50);
    }
}

/* Polls until at least `bytes` were transferred (or the job left the active states) or ms
 * elapse; returns the last progress. */
static inline BG_JOB_PROGRESS wt_wait_bytes(IBackgroundCopyJob *job, UINT64 bytes, DWORD ms)
{
    ULONGLONG end = GetTickCount64() + ms;
    BG_JOB_PROGRESS p;
    for (;;) {
        assert_hr(IBackgroundCopyJob_GetProgress(job, &p), S_OK);
        if ((p.BytesTransferred >= bytes && p.BytesTransferred != BG_SIZE_UNKNOWN) || GetTickCount64() >= end)
            return p;
        Sleep(20);
    }
}

/* A process-unique text (for stallid/dropid keys and job names). */
static inline const WCHAR *wt_unique(WCHAR buf[40])
{
    static LONG counter;
    swprintf(buf, 40, L"%lu-%lu-%lu", (unsigned long)GetCurrentProcessId(), (unsigned long)GetTickCount(),
             (unsigned long)InterlockedIncrement(&counter));
    return buf;
}

/* ---- marker files and the "--mark" command line ------------------------------------------ */

/* Lines in a text file (0 when it does not exist): a notify command line appends one per run. */
static inline int wt_count_lines(const WCHAR *path)
{
    FILE *fp = _wfopen(path, L"rb");
    int n = 0, ch;

    if (!fp)
        return 0;
    while ((ch = fgetc(fp)) != EOF)
        n += ch == '\n';
    fclose(fp);
    return n;
}

/* Waits (polling every 50 ms, at most ms) until path has n lines; returns the last count. */
static inline int wt_wait_lines(const WCHAR *path, int n, DWORD ms)
{
    ULONGLONG end = GetTickCount64() + ms;
    int got;

    while ((got = wt_count_lines(path)) < n && GetTickCount64() < end)
        Sleep(50);
    return got;
}

/* Registers `<this exe> --mark FILE --fail-until N` as the job's notify command line; the
 * test program's main hands that run to wt_mark_main. */
static inline void wt_set_mark_cmdline(IBackgroundCopyJob *job, const WCHAR *mark, int fail_until)
{
    IBackgroundCopyJob2 *j2 = NULL;
    WCHAR exe[MAX_PATH], params[WT_PATH];

    assert_true(GetModuleFileNameW(NULL, exe, MAX_PATH) > 0);
    wt_format(params, L"\"%ls\" --mark \"%ls\" --fail-until %d", exe, mark, fail_until);
    assert_hr(IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJob2, (void **)&j2), S_OK);
    assert_hr(IBackgroundCopyJob2_SetNotifyCmdLine(j2, exe, params), S_OK);
    IBackgroundCopyJob2_Release(j2);
}

/* The "--mark FILE [--fail-until N] [--job TEXT]" mode of a test program: appends "run[ TEXT]"
 * to FILE; exits 1 while FILE has fewer than N lines (a command line that fails N-1 times),
 * 2 without a FILE it can open, else 0. */
static inline int wt_mark_main(int argc, char **argv)
{
    const char *file = NULL, *job = NULL;
    int fail_until = 0, lines = 0, ch;
    FILE *fp;

    for (int i = 1; i + 1 < argc; i++) {
        if (!strcmp(argv[i], "--mark"))
            file = argv[i + 1];
        else if (!strcmp(argv[i], "--fail-until"))
            fail_until = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--job"))
            job = argv[i + 1];
    }
    if (!file || !(fp = fopen(file, "ab")))
        return 2;
    fprintf(fp, job ? "run %s\n" : "run\n", job);
    fclose(fp);
    fp = fopen(file, "rb");
    while (fp && (ch = fgetc(fp)) != EOF)
        lines += ch == '\n';
    if (fp)
        fclose(fp);
    return lines < fail_until ? 1 : 0;
}

#endif /* BGC_WINE_TEST_H */
