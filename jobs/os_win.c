/*
 * os_win.c - the OS shim (os.h) on Windows: SRW locks, condition variables, _beginthreadex,
 * GetTickCount64, BCryptGenRandom and UTF-16 file APIs. The only file of jobs/ that includes
 * windows.h. Built for Windows only (jobs/CMakeLists.txt).
 *
 * Invariants:
 *  1. Every path crosses into the system as UTF-16 converted from UTF-8 here; invalid UTF-8
 *     is refused (ERROR_NO_UNICODE_TRANSLATION) rather than guessed.
 *  2. Temporary files are opened with FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
 *     so readers may watch them (F4) and Cancel can delete them; reopening uses
 *     FILE_FLAG_OPEN_REPARSE_POINT and refuses reparse points and directories (os.h inv. 4).
 *  3. Every failing call reports GetLastError() through *os_error (os.h invariant 3).
 */
#include "os.h"

#include <windows.h>
#include <bcrypt.h>
#include <wincrypt.h>
#include <process.h>
#include <stdio.h>
#include <string.h>
#include <winhttp.h> /* types only; the DLL is loaded on demand (proxy lookup) */

#define TEMP_SHARE (FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)

struct bgc__mutex {
    SRWLOCK lock; /* exclusive use only */
};

struct bgc__cond {
    CONDITION_VARIABLE cv; /* paired with a bgc__mutex's SRWLOCK */
};

struct bgc__thread {
    HANDLE h;              /* thread handle from _beginthreadex */
    unsigned id;           /* its thread id, for bgc__thread_is_self */
    void (*fn)(void *arg); /* entry point */
    void *arg;             /* its argument */
};

static void set_err(int *os_error, DWORD e)
{
    if (os_error)
        *os_error = (int)e;
}

/* UTF-8 -> UTF-16, bgc_malloc'd. NULL with SetLastError on failure. */
static WCHAR *wide(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
    WCHAR *w;

    if (n <= 0)
        return NULL;
    w = bgc_malloc((size_t)n * sizeof(WCHAR));
    if (!w) {
        SetLastError(ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n) != n) {
        bgc_free(w);
        return NULL;
    }
    return w;
}

/* The result for a failed wide(): BGC_E_NOMEM or `otherwise`, with the error recorded. */
static int wide_failed(int *os_error, int otherwise)
{
    DWORD e = GetLastError();

    set_err(os_error, e);
    return e == ERROR_NOT_ENOUGH_MEMORY ? BGC_E_NOMEM : otherwise;
}

int bgc__mutex_new(struct bgc__mutex **out)
{
    struct bgc__mutex *m = bgc_malloc(sizeof(*m));

    *out = NULL;
    if (!m)
        return BGC_E_NOMEM;
    InitializeSRWLock(&m->lock);
    *out = m;
    return BGC_OK;
}

void bgc__mutex_free(struct bgc__mutex *m)
{
    bgc_free(m);
}

void bgc__mutex_lock(struct bgc__mutex *m)
{
    AcquireSRWLockExclusive(&m->lock);
}

void bgc__mutex_unlock(struct bgc__mutex *m)
{
    ReleaseSRWLockExclusive(&m->lock);
}

int bgc__cond_new(struct bgc__cond **out)
{
    struct bgc__cond *c = bgc_malloc(sizeof(*c));

    *out = NULL;
    if (!c)
        return BGC_E_NOMEM;
    InitializeConditionVariable(&c->cv);
    *out = c;
    return BGC_OK;
}

void bgc__cond_free(struct bgc__cond *c)
{
    bgc_free(c);
}

void bgc__cond_wait(struct bgc__cond *c, struct bgc__mutex *m)
{
    SleepConditionVariableSRW(&c->cv, &m->lock, INFINITE, 0);
}

void bgc__cond_timedwait(struct bgc__cond *c, struct bgc__mutex *m, uint64_t ms)
{
    DWORD wait = ms >= INFINITE ? INFINITE - 1 : (DWORD)ms;

    SleepConditionVariableSRW(&c->cv, &m->lock, wait, 0);
}

void bgc__cond_signal(struct bgc__cond *c)
{
    WakeConditionVariable(&c->cv);
}

void bgc__cond_broadcast(struct bgc__cond *c)
{
    WakeAllConditionVariable(&c->cv);
}

static unsigned __stdcall thread_main(void *p)
{
    struct bgc__thread *t = p;

    t->fn(t->arg);
    return 0;
}

int bgc__thread_start(struct bgc__thread **out, void (*fn)(void *arg), void *arg)
{
    struct bgc__thread *t = bgc_malloc(sizeof(*t));
    uintptr_t h;

    *out = NULL;
    if (!t)
        return BGC_E_NOMEM;
    t->fn = fn;
    t->arg = arg;
    h = _beginthreadex(NULL, 0, thread_main, t, CREATE_SUSPENDED, &t->id);
    if (!h) {
        bgc_free(t);
        return BGC_E_OS;
    }
    t->h = (HANDLE)h;
    ResumeThread(t->h); /* started suspended so that t->id is set before fn runs */
    *out = t;
    return BGC_OK;
}

void bgc__thread_join(struct bgc__thread *t)
{
    if (!t)
        return;
    WaitForSingleObject(t->h, INFINITE);
    CloseHandle(t->h);
    bgc_free(t);
}

int bgc__thread_is_self(const struct bgc__thread *t)
{
    return t && t->id == GetCurrentThreadId();
}

uint64_t bgc__clock_ms(void)
{
    return GetTickCount64();
}

bgc_time bgc__wallclock(void)
{
    FILETIME ft;

    GetSystemTimeAsFileTime(&ft);
    return ((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
}

int bgc__random_bytes(void *buf, size_t n)
{
    unsigned char *p = buf;

    while (n) {
        ULONG chunk = n > 0x10000000u ? 0x10000000u : (ULONG)n;

        if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, p, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG)))
            return BGC_E_OS;
        p += chunk;
        n -= chunk;
    }
    return BGC_OK;
}

static int is_sep(char c)
{
    return c == '\\' || c == '/';
}

static int is_letter(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

int bgc__path_is_absolute(const char *path)
{
    if (!path)
        return 0;
    if (is_letter(path[0]) && path[1] == ':' && is_sep(path[2]))
        return 1;
    /* UNC: \\server\share\... ; the device forms \\?\ and \\.\ are not paths we accept. */
    if (is_sep(path[0]) && is_sep(path[1]) && path[2] && !is_sep(path[2]) && path[2] != '?' &&
        !(path[2] == '.' && is_sep(path[3]))) {
        const char *p = path + 2;

        while (*p && !is_sep(*p))
            p++;
        return is_sep(*p) && p[1] && !is_sep(p[1]);
    }
    return 0;
}

int bgc__path_check_local(const char *path)
{
    size_t n;

    if (!bgc__path_is_absolute(path))
        return BGC_E_INVALIDARG;
    n = strlen(path);
    if (is_sep(path[n - 1]))
        return BGC_E_INVALIDARG;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)path[i];

        if (c < 0x20 || c == '*' || c == '?' || c == '<' || c == '>' || c == '|' || c == '"')
            return BGC_E_INVALIDARG;
        if (c == ':' && i != 1)
            return BGC_E_INVALIDARG; /* NTFS stream syntax ("file:stream") */
    }
    return BGC_OK;
}

char *bgc__path_dir(const char *path)
{
    size_t n = strlen(path), cut;
    char *dir;

    while (n && !is_sep(path[n - 1]))
        n--;
    /* n is now just past the last separator; keep it only for a drive root ("C:\"). */
    cut = (n == 3 && path[1] == ':') ? 3 : (n ? n - 1 : 0);
    dir = bgc_malloc(cut + 1);
    if (!dir)
        return NULL;
    memcpy(dir, path, cut);
    dir[cut] = '\0';
    return dir;
}

char *bgc__path_join(const char *dir, const char *name)
{
    size_t nd = strlen(dir), nn = strlen(name);
    int sep = nd && !is_sep(dir[nd - 1]);
    char *p = bgc_malloc(nd + (size_t)sep + nn + 1);

    if (!p)
        return NULL;
    memcpy(p, dir, nd);
    if (sep)
        p[nd] = '\\';
    memcpy(p + nd + (size_t)sep, name, nn + 1);
    return p;
}

/* Windows: existence and type only. Whether the caller may create files there is decided by
 * the ACL at creation time; a refusal then fails the transfer with context LOCAL_FILE. */
int bgc__dir_check(const char *dir, int *os_error)
{
    WCHAR *w = wide(dir);
    DWORD attr, e;

    set_err(os_error, 0);
    if (!w)
        return wide_failed(os_error, BGC_E_PATH_NOT_FOUND);
    attr = GetFileAttributesW(w);
    e = GetLastError();
    bgc_free(w);
    if (attr == INVALID_FILE_ATTRIBUTES) {
        set_err(os_error, e);
        return e == ERROR_ACCESS_DENIED ? BGC_E_ACCESS_DENIED : BGC_E_PATH_NOT_FOUND;
    }
    if (!(attr & FILE_ATTRIBUTE_DIRECTORY)) {
        set_err(os_error, ERROR_DIRECTORY);
        return BGC_E_PATH_NOT_FOUND;
    }
    return BGC_OK;
}

int bgc__file_create_excl(const char *path, bgc__fh *out, int *os_error)
{
    WCHAR *w = wide(path);
    HANDLE h;
    DWORD e;

    *out = BGC__FH_INVALID;
    set_err(os_error, 0);
    if (!w)
        return wide_failed(os_error, BGC_E_LOCAL_FILE);
    h = CreateFileW(w, GENERIC_WRITE, TEMP_SHARE, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
    e = GetLastError();
    bgc_free(w);
    if (h == INVALID_HANDLE_VALUE) {
        set_err(os_error, e);
        return (e == ERROR_FILE_EXISTS || e == ERROR_ALREADY_EXISTS) ? 1 : BGC_E_LOCAL_FILE;
    }
    *out = (bgc__fh)h;
    return BGC_OK;
}

int bgc__file_open_existing(const char *path, bgc__fh *out, uint64_t *size, int *os_error)
{
    WCHAR *w = wide(path);
    BY_HANDLE_FILE_INFORMATION info;
    LARGE_INTEGER zero = {0};
    HANDLE h;
    DWORD e;

    *out = BGC__FH_INVALID;
    set_err(os_error, 0);
    if (!w)
        return wide_failed(os_error, BGC_E_LOCAL_FILE);
    h = CreateFileW(w, GENERIC_WRITE, TEMP_SHARE, NULL, OPEN_EXISTING,
                    FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT, NULL);
    e = GetLastError();
    bgc_free(w);
    if (h == INVALID_HANDLE_VALUE) {
        set_err(os_error, e);
        return e == ERROR_FILE_NOT_FOUND ? 1 : BGC_E_LOCAL_FILE;
    }
    if (!GetFileInformationByHandle(h, &info) ||
        (info.dwFileAttributes & (FILE_ATTRIBUTE_REPARSE_POINT | FILE_ATTRIBUTE_DIRECTORY))) {
        set_err(os_error, GetLastError() ? GetLastError() : ERROR_INVALID_PARAMETER);
        CloseHandle(h);
        return BGC_E_LOCAL_FILE;
    }
    if (!SetFilePointerEx(h, zero, NULL, FILE_END)) {
        set_err(os_error, GetLastError());
        CloseHandle(h);
        return BGC_E_LOCAL_FILE;
    }
    *size = ((uint64_t)info.nFileSizeHigh << 32) | info.nFileSizeLow;
    *out = (bgc__fh)h;
    return BGC_OK;
}

int bgc__file_write(bgc__fh fh, const void *buf, size_t n, int *os_error)
{
    const char *p = buf;

    set_err(os_error, 0);
    while (n) {
        DWORD chunk = n > 0x40000000u ? 0x40000000u : (DWORD)n, done = 0;

        if (!WriteFile((HANDLE)fh, p, chunk, &done, NULL) || !done) {
            set_err(os_error, GetLastError() ? GetLastError() : ERROR_WRITE_FAULT);
            return BGC_E_LOCAL_FILE;
        }
        p += done;
        n -= done;
    }
    return BGC_OK;
}

int bgc__file_truncate(bgc__fh fh, uint64_t size, int *os_error)
{
    LARGE_INTEGER pos;

    set_err(os_error, 0);
    pos.QuadPart = (LONGLONG)size;
    if (!SetFilePointerEx((HANDLE)fh, pos, NULL, FILE_BEGIN) || !SetEndOfFile((HANDLE)fh)) {
        set_err(os_error, GetLastError());
        return BGC_E_LOCAL_FILE;
    }
    return BGC_OK;
}

int bgc__file_set_time(bgc__fh fh, int64_t unix_seconds, int *os_error)
{
    /* F8: creation time = modification time = the server's time; access time untouched. */
    ULONGLONG t = (ULONGLONG)unix_seconds * 10000000ULL + 116444736000000000ULL;
    FILETIME ft;

    set_err(os_error, 0);
    ft.dwLowDateTime = (DWORD)t;
    ft.dwHighDateTime = (DWORD)(t >> 32);
    if (!SetFileTime((HANDLE)fh, &ft, NULL, &ft)) {
        set_err(os_error, GetLastError());
        return BGC_E_LOCAL_FILE;
    }
    return BGC_OK;
}

int bgc__file_seek(bgc__fh fh, uint64_t offset, int *os_error)
{
    LARGE_INTEGER pos;

    set_err(os_error, 0);
    pos.QuadPart = (LONGLONG)offset;
    if (!SetFilePointerEx((HANDLE)fh, pos, NULL, FILE_BEGIN)) {
        set_err(os_error, GetLastError());
        return BGC_E_LOCAL_FILE;
    }
    return BGC_OK;
}

void bgc__file_close(bgc__fh fh)
{
    if (fh != BGC__FH_INVALID)
        CloseHandle((HANDLE)fh);
}

int bgc__file_rename_replace(const char *from, const char *to, int *os_error)
{
    WCHAR *wf = wide(from), *wt = wf ? wide(to) : NULL;
    int rc = BGC_OK;

    set_err(os_error, 0);
    if (!wf || !wt) {
        rc = wide_failed(os_error, BGC_E_LOCAL_FILE);
    } else if (!MoveFileExW(wf, wt, MOVEFILE_REPLACE_EXISTING)) {
        set_err(os_error, GetLastError());
        rc = BGC_E_LOCAL_FILE;
    }
    bgc_free(wt);
    bgc_free(wf);
    return rc;
}

int bgc__file_delete(const char *path, int *os_error)
{
    WCHAR *w = wide(path);
    DWORD e;
    BOOL ok;

    set_err(os_error, 0);
    if (!w)
        return wide_failed(os_error, BGC_E_LOCAL_FILE);
    ok = DeleteFileW(w);
    e = GetLastError();
    bgc_free(w);
    if (!ok) {
        set_err(os_error, e);
        return e == ERROR_FILE_NOT_FOUND ? 1 : BGC_E_LOCAL_FILE;
    }
    return BGC_OK;
}

int bgc__file_size(const char *path, uint64_t *size, int *os_error)
{
    WCHAR *w = wide(path);
    WIN32_FILE_ATTRIBUTE_DATA data;
    DWORD e;
    BOOL ok;

    set_err(os_error, 0);
    if (!w)
        return wide_failed(os_error, BGC_E_LOCAL_FILE);
    ok = GetFileAttributesExW(w, GetFileExInfoStandard, &data);
    e = GetLastError();
    bgc_free(w);
    if (!ok) {
        set_err(os_error, e);
        return (e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND) ? 1 : BGC_E_LOCAL_FILE;
    }
    if (data.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) {
        set_err(os_error, ERROR_DIRECTORY);
        return BGC_E_LOCAL_FILE;
    }
    *size = ((uint64_t)data.nFileSizeHigh << 32) | data.nFileSizeLow;
    return BGC_OK;
}

/* ---- Proxy configuration (httpopts area, issue 3) ------------------------------------- */

/* WinHTTP is loaded on first use, so that bgcopysvc.exe does not depend on it at start and
 * jobs/ adds no link dependency. */
typedef BOOL(WINAPI *ie_config_fn)(WINHTTP_CURRENT_USER_IE_PROXY_CONFIG *);
typedef HINTERNET(WINAPI *open_fn)(LPCWSTR, DWORD, LPCWSTR, LPCWSTR, DWORD);
typedef BOOL(WINAPI *for_url_fn)(HINTERNET, LPCWSTR, WINHTTP_AUTOPROXY_OPTIONS *, WINHTTP_PROXY_INFO *);
typedef BOOL(WINAPI *timeouts_fn)(HINTERNET, int, int, int, int);
typedef BOOL(WINAPI *close_fn)(HINTERNET);

/* UTF-16 -> UTF-8, bgc_malloc'd; NULL for NULL or failure. */
static char *narrow(const WCHAR *w)
{
    int n;
    char *s;

    if (!w)
        return NULL;
    n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
    if (n <= 0 || !(s = bgc_malloc((size_t)n)))
        return NULL;
    if (WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL) != n) {
        bgc_free(s);
        return NULL;
    }
    return s;
}

/* WinHttpGetProxyForUrl with auto-detection and/or a PAC URL; BGC_OK with the result. */
static int auto_proxy(HMODULE m, const WCHAR *url, DWORD flags, const WCHAR *pac, char **list, char **bypass)
{
    open_fn open = (open_fn)(void *)GetProcAddress(m, "WinHttpOpen");
    for_url_fn for_url = (for_url_fn)(void *)GetProcAddress(m, "WinHttpGetProxyForUrl");
    timeouts_fn timeouts = (timeouts_fn)(void *)GetProcAddress(m, "WinHttpSetTimeouts");
    close_fn close = (close_fn)(void *)GetProcAddress(m, "WinHttpCloseHandle");
    WINHTTP_AUTOPROXY_OPTIONS opt;
    WINHTTP_PROXY_INFO info;
    HINTERNET session;
    int rc = BGC_OK;

    if (!open || !for_url || !close)
        return BGC_E_UNSUPPORTED_VALUE;
    session = open(L"bgcopy", WINHTTP_ACCESS_TYPE_NO_PROXY, WINHTTP_NO_PROXY_NAME, WINHTTP_NO_PROXY_BYPASS, 0);
    if (!session)
        return BGC_OK; /* nothing detected: direct */
    if (timeouts)
        timeouts(session, 5000, 5000, 5000, 5000); /* bound the engine's wait */
    memset(&opt, 0, sizeof(opt));
    memset(&info, 0, sizeof(info));
    opt.dwFlags = flags;
    opt.dwAutoDetectFlags = WINHTTP_AUTO_DETECT_TYPE_DHCP | WINHTTP_AUTO_DETECT_TYPE_DNS_A;
    opt.lpszAutoConfigUrl = pac;
    opt.fAutoLogonIfChallenged = TRUE;
    if (for_url(session, url, &opt, &info) && info.dwAccessType == WINHTTP_ACCESS_TYPE_NAMED_PROXY) {
        *list = narrow(info.lpszProxy);
        *bypass = narrow(info.lpszProxyBypass);
        if (info.lpszProxy && !*list)
            rc = BGC_E_NOMEM;
    }
    if (info.lpszProxy)
        GlobalFree(info.lpszProxy);
    if (info.lpszProxyBypass)
        GlobalFree(info.lpszProxyBypass);
    close(session);
    return rc;
}

static int lookup_uncached(const char *url, int autodetect, char **list, char **bypass)
{
    static HMODULE winhttp;
    WINHTTP_CURRENT_USER_IE_PROXY_CONFIG ie;
    ie_config_fn ie_config;
    WCHAR *wurl;
    int rc = BGC_OK;

    *list = *bypass = NULL;
    if (!winhttp)
        winhttp = LoadLibraryW(L"winhttp.dll"); /* racy but idempotent: one thread calls */
    if (!winhttp)
        return BGC_E_UNSUPPORTED_VALUE;
    if (!(wurl = wide(url)))
        return BGC_E_NOMEM;
    if (autodetect) {
        rc = auto_proxy(winhttp, wurl, WINHTTP_AUTOPROXY_AUTO_DETECT, NULL, list, bypass);
        bgc_free(wurl);
        return rc;
    }
    ie_config = (ie_config_fn)(void *)GetProcAddress(winhttp, "WinHttpGetIEProxyConfigForCurrentUser");
    memset(&ie, 0, sizeof(ie));
    if (!ie_config || !ie_config(&ie)) {
        bgc_free(wurl);
        return BGC_OK; /* no user settings: direct */
    }
    if (ie.lpszProxy && ie.lpszProxy[0]) {
        *list = narrow(ie.lpszProxy);
        *bypass = narrow(ie.lpszProxyBypass);
        if (!*list)
            rc = BGC_E_NOMEM;
    } else if (ie.fAutoDetect || ie.lpszAutoConfigUrl) {
        rc = auto_proxy(winhttp, wurl,
                        (ie.fAutoDetect ? WINHTTP_AUTOPROXY_AUTO_DETECT : 0) |
                            (ie.lpszAutoConfigUrl ? WINHTTP_AUTOPROXY_CONFIG_URL : 0),
                        ie.lpszAutoConfigUrl, list, bypass);
    }
    if (ie.lpszProxy)
        GlobalFree(ie.lpszProxy);
    if (ie.lpszProxyBypass)
        GlobalFree(ie.lpszProxyBypass);
    if (ie.lpszAutoConfigUrl)
        GlobalFree(ie.lpszAutoConfigUrl);
    bgc_free(wurl);
    return rc;
}

/* The answer for one scheme://authority, kept PROXY_CACHE_MS: WPAD discovery and PAC scripts
 * can take seconds, and the engine asks at every transfer start. */
#define PROXY_CACHE_MS 60000
#define PROXY_CACHE_SLOTS 8
static struct {
    char key[300];  /* "<autodetect>|scheme://authority"; "" = free */
    char *list;     /* bgc_malloc'd answer, NULL = direct */
    char *bypass;
    ULONGLONG at;   /* GetTickCount64() of the lookup */
} proxy_cache[PROXY_CACHE_SLOTS];
static SRWLOCK proxy_cache_lock = SRWLOCK_INIT;

static char *dup_or_null(const char *s, int *failed)
{
    char *d;

    if (!s)
        return NULL;
    if (!(d = bgc_malloc(strlen(s) + 1)))
        *failed = 1;
    else
        memcpy(d, s, strlen(s) + 1);
    return d;
}

int bgc__os_proxy_lookup(const char *url, int autodetect, char **list, char **bypass)
{
    const char *p = strstr(url, "://"), *end;
    char key[300];
    ULONGLONG now = GetTickCount64();
    int rc, failed = 0, slot = -1, oldest = 0;

    *list = *bypass = NULL;
    end = p ? strchr(p + 3, '/') : NULL;
    if (!p || snprintf(key, sizeof(key), "%d|%.*s", autodetect, (int)(end ? end - url : (ptrdiff_t)strlen(url)),
                       url) >= (int)sizeof(key))
        return lookup_uncached(url, autodetect, list, bypass);
    AcquireSRWLockExclusive(&proxy_cache_lock);
    for (int i = 0; i < PROXY_CACHE_SLOTS; i++) {
        if (proxy_cache[i].key[0] && !strcmp(proxy_cache[i].key, key) && now - proxy_cache[i].at < PROXY_CACHE_MS) {
            *list = dup_or_null(proxy_cache[i].list, &failed);
            *bypass = dup_or_null(proxy_cache[i].bypass, &failed);
            ReleaseSRWLockExclusive(&proxy_cache_lock);
            if (failed) {
                bgc_free(*list);
                bgc_free(*bypass);
                *list = *bypass = NULL;
                return BGC_E_NOMEM;
            }
            return BGC_OK;
        }
    }
    ReleaseSRWLockExclusive(&proxy_cache_lock);
    rc = lookup_uncached(url, autodetect, list, bypass);
    if (rc != BGC_OK)
        return rc;
    AcquireSRWLockExclusive(&proxy_cache_lock);
    for (int i = 0; i < PROXY_CACHE_SLOTS; i++) {
        if (!strcmp(proxy_cache[i].key, key) || !proxy_cache[i].key[0]) {
            slot = i;
            break;
        }
        if (proxy_cache[i].at < proxy_cache[oldest].at)
            oldest = i;
    }
    if (slot < 0)
        slot = oldest;
    bgc_free(proxy_cache[slot].list);
    bgc_free(proxy_cache[slot].bypass);
    proxy_cache[slot].list = dup_or_null(*list, &failed);
    proxy_cache[slot].bypass = dup_or_null(*bypass, &failed);
    proxy_cache[slot].at = now;
    memcpy(proxy_cache[slot].key, key, strlen(key) + 1);
    if (failed) /* keep no half entry */
        proxy_cache[slot].key[0] = '\0';
    ReleaseSRWLockExclusive(&proxy_cache_lock);
    return BGC_OK;
}

/* ---- Secrets at rest (store area, issue 4) -------------------------------------------- */

/* DPAPI in both directions; the entropy string ties blobs to bgcopy's store. */
static int dpapi(int protect, const void *in, size_t n, unsigned char **out, size_t *out_n)
{
    static const char entropy_text[] = "bgcopy job store secrets v1";
    DATA_BLOB src, dst = {0, NULL}, entropy;
    unsigned char *p;
    BOOL ok;

    if (n > 0x7fffffff)
        return BGC_E_OS;
    src.cbData = (DWORD)n;
    src.pbData = (BYTE *)in;
    entropy.cbData = sizeof(entropy_text) - 1;
    entropy.pbData = (BYTE *)entropy_text;
    if (protect)
        ok = CryptProtectData(&src, L"bgcopy", &entropy, NULL, NULL, CRYPTPROTECT_UI_FORBIDDEN, &dst);
    else
        ok = CryptUnprotectData(&src, NULL, &entropy, NULL, NULL, CRYPTPROTECT_UI_FORBIDDEN, &dst);
    if (!ok)
        return BGC_E_OS;
    p = bgc_malloc(dst.cbData + 1);
    if (p)
        memcpy(p, dst.pbData, dst.cbData);
    SecureZeroMemory(dst.pbData, dst.cbData);
    LocalFree(dst.pbData);
    if (!p)
        return BGC_E_NOMEM;
    *out = p;
    *out_n = dst.cbData;
    return BGC_OK;
}

int bgc__os_protect(const void *in, size_t n, unsigned char **out, size_t *out_n)
{
    return dpapi(1, in, n, out, out_n);
}

int bgc__os_unprotect(const void *in, size_t n, unsigned char **out, size_t *out_n)
{
    return dpapi(0, in, n, out, out_n);
}
