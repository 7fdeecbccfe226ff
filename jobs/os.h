/*
 * os.h - the operating-system shim of jobs/: locks, threads, clocks, randomness and the few
 * file operations the core performs on UTF-8 paths. os_posix.c implements it natively,
 * os_win.c on Windows (the only file of jobs/ that includes windows.h). Logic files call only
 * what is declared here, so they contain no platform conditionals.
 *
 * Invariants:
 *  1. Objects (mutex, condition variable, thread) are opaque and heap-allocated through
 *     bgc_malloc, so that creating them fails with BGC_E_NOMEM under allocation injection.
 *  2. Paths are UTF-8 everywhere; os_win.c converts to UTF-16 at the system call.
 *  3. File functions return 0 on success or a negative BGC_E_* code; the OS error number
 *     (errno / GetLastError()) is stored in *os_error when os_error is not NULL, 0 on success.
 *     A few return a positive value for an expected, non-error outcome (documented per call).
 *  4. No file function follows a symbolic link (or reparse point) in the last component of
 *     a path it creates or reopens: the destination directory is assumed hostile (X13).
 *  5. Clocks: bgc__clock_ms is monotonic (timers, L33); bgc__wallclock is the FILETIME scale.
 */
#ifndef BGC_OS_H
#define BGC_OS_H

#include "bgc.h"

#include <stddef.h>
#include <stdint.h>

/* ---- Locks and threads ---------------------------------------------------------------- */

struct bgc__mutex;
struct bgc__cond;
struct bgc__thread;

/* Create/destroy a non-recursive mutex. Returns BGC_OK, BGC_E_NOMEM or BGC_E_OS. */
int bgc__mutex_new(struct bgc__mutex **out);
void bgc__mutex_free(struct bgc__mutex *m); /* NULL is a no-op */
void bgc__mutex_lock(struct bgc__mutex *m);
void bgc__mutex_unlock(struct bgc__mutex *m);

/* Condition variable whose timed wait runs on the monotonic clock. */
int bgc__cond_new(struct bgc__cond **out);
void bgc__cond_free(struct bgc__cond *c); /* NULL is a no-op */
void bgc__cond_wait(struct bgc__cond *c, struct bgc__mutex *m);
/* Waits at most `ms` milliseconds; spurious wake-ups are possible, so callers re-check their
 * predicate against bgc__clock_ms(). */
void bgc__cond_timedwait(struct bgc__cond *c, struct bgc__mutex *m, uint64_t ms);
void bgc__cond_signal(struct bgc__cond *c);
void bgc__cond_broadcast(struct bgc__cond *c);

/* Starts fn(arg) on a new thread. Returns BGC_OK, BGC_E_NOMEM or BGC_E_OS. */
int bgc__thread_start(struct bgc__thread **out, void (*fn)(void *arg), void *arg);
/* Waits for the thread to return and frees the handle. NULL is a no-op. */
void bgc__thread_join(struct bgc__thread *t);
/* Non-zero when called on thread t. */
int bgc__thread_is_self(const struct bgc__thread *t);

/* ---- Clocks and randomness ------------------------------------------------------------ */

uint64_t bgc__clock_ms(void); /* monotonic milliseconds from an arbitrary origin */
bgc_time bgc__wallclock(void); /* 100-ns intervals since 1601-01-01 UTC */
/* Fills buf with n cryptographically random bytes. Returns BGC_OK or BGC_E_OS. */
int bgc__random_bytes(void *buf, size_t n);

/* ---- Paths ---------------------------------------------------------------------------- */

/* Non-zero when path is absolute in this platform's syntax: "/..." natively; "X:\..." or
 * "\\server\share\..." on Windows (both separators accepted there). */
int bgc__path_is_absolute(const char *path);
/* Checks a local destination name beyond absoluteness: the platform's forbidden forms
 * (Windows: "\\?\" and "\\.\" prefixes, NTFS stream syntax; everywhere: wildcards, a
 * trailing separator, control characters). Returns BGC_OK or BGC_E_INVALIDARG. */
int bgc__path_check_local(const char *path);
/* The directory part of an absolute path (without the trailing separator, except for a root
 * such as "/" or "C:\"), bgc_malloc'd; NULL when out of memory. */
char *bgc__path_dir(const char *path);
/* Joins dir and a plain file name with the platform separator; bgc_malloc'd or NULL. */
char *bgc__path_join(const char *dir, const char *name);
/* Checks that dir exists, is a directory and that this process may create files in it.
 * Returns BGC_OK, BGC_E_PATH_NOT_FOUND, BGC_E_ACCESS_DENIED or BGC_E_NOMEM. */
int bgc__dir_check(const char *dir, int *os_error);

/* ---- Files ---------------------------------------------------------------------------- */

/* An open file: a file descriptor natively, a HANDLE on Windows. */
typedef intptr_t bgc__fh;
#define BGC__FH_INVALID ((bgc__fh)-1)

/* Creates path exclusively for writing (fails if anything, even a dangling link, exists
 * there). Returns BGC_OK, 1 when the name is taken, BGC_E_LOCAL_FILE or BGC_E_NOMEM. */
int bgc__file_create_excl(const char *path, bgc__fh *out, int *os_error);
/* Reopens an existing regular file for writing without following a link, positioned at its
 * end; *size gets its size. Returns BGC_OK, 1 when it does not exist, BGC_E_LOCAL_FILE (also
 * when the name is a link or not a regular file) or BGC_E_NOMEM. */
int bgc__file_open_existing(const char *path, bgc__fh *out, uint64_t *size, int *os_error);
/* Writes all n bytes at the current position. Returns BGC_OK or BGC_E_LOCAL_FILE. */
int bgc__file_write(bgc__fh fh, const void *buf, size_t n, int *os_error);
/* Cuts the file to `size` bytes and moves the position there. BGC_OK or BGC_E_LOCAL_FILE. */
int bgc__file_truncate(bgc__fh fh, uint64_t size, int *os_error);
/* Moves the write position to `offset` (files area: on-demand images). BGC_OK or
 * BGC_E_LOCAL_FILE. */
int bgc__file_seek(bgc__fh fh, uint64_t offset, int *os_error);
/* Closes the file; BGC__FH_INVALID is a no-op. */
void bgc__file_close(bgc__fh fh);
/* rules area (issue 3, F8): sets the file's modification (and, where the platform has one,
 * creation) time to `unix_seconds`; last access time too on POSIX. BGC_OK or
 * BGC_E_LOCAL_FILE. Call after the last write. */
int bgc__file_set_time(bgc__fh fh, int64_t unix_seconds, int *os_error);
/* Renames from -> to, replacing an existing `to`. BGC_OK, BGC_E_LOCAL_FILE or BGC_E_NOMEM. */
int bgc__file_rename_replace(const char *from, const char *to, int *os_error);
/* Deletes a file (a link itself, never its target). Returns BGC_OK, 1 when it did not exist,
 * BGC_E_LOCAL_FILE or BGC_E_NOMEM. */
int bgc__file_delete(const char *path, int *os_error);
/* Size of a regular file. BGC_OK, 1 when it does not exist, BGC_E_LOCAL_FILE or
 * BGC_E_NOMEM. */
int bgc__file_size(const char *path, uint64_t *size, int *os_error);

/* httpopts area (issue 3): the platform's proxy for url in WinHTTP list syntax. autodetect 0:
 * the user's settings (PRECONFIG: WinHTTP's view of the IE settings); 1: WPAD auto-detection
 * (AUTODETECT). BGC_OK with *list / *bypass bgc_malloc'd (NULL = direct / none); or
 * BGC_E_UNSUPPORTED_VALUE when the platform has no such settings (POSIX: libcurl's
 * environment variables apply). */
int bgc__os_proxy_lookup(const char *url, int autodetect, char **list, char **bypass);

/* store area (issue 4): protects secrets (credentials, custom headers) at rest for the user
 * running the process (P3). Windows: CryptProtectData / CryptUnprotectData (DPAPI, no UI).
 * POSIX: an unprotected copy marked as such; the native build serves tests only. On success
 * *out is bgc_malloc'd (the caller wipes and frees it) and *out_n its length. Returns BGC_OK,
 * BGC_E_NOMEM or BGC_E_OS (unprotect: also when the blob was protected elsewhere). */
int bgc__os_protect(const void *in, size_t n, unsigned char **out, size_t *out_n);
int bgc__os_unprotect(const void *in, size_t n, unsigned char **out, size_t *out_n);

#endif /* BGC_OS_H */
