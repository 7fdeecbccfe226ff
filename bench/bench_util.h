/*
 * bench_util.h: helpers shared by the benchmark programs (bench_curl.exe, bench_bits.exe).
 *
 * Clocks, CPU accounting, file checks and the file system cache priming, nothing else. Every
 * figure a benchmark prints goes through these functions, so all programs measure the same way:
 *   1. wall-clock time is QueryPerformanceCounter, in seconds;
 *   2. CPU time is user + kernel time from GetProcessTimes, in seconds;
 *   3. a process found by executable name is matched case-insensitively on the base name;
 *   4. under Wine, other processes' CPU time comes from Linux's /proc (see
 *      bench_wine_unix_cpu), restricted to the processes of this Wine prefix.
 */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <windows.h>

/* Seconds since an arbitrary fixed point (QueryPerformanceCounter). */
double bench_now(void);

/* User + kernel CPU seconds consumed so far by the process behind `process`;
 * -1.0 when GetProcessTimes fails. */
double bench_process_cpu(HANDLE process);

/* Sum of bench_process_cpu() over every running process whose executable base name is `exe`
 * (for example L"bgcopysvc.exe"). *count receives the number of processes measured; 0 when
 * none was found or none could be opened, and the result is then 0.0. */
double bench_named_process_cpu(const WCHAR *exe, int *count);

/* Under Wine only: sum of user + kernel CPU seconds of the Unix processes of this Wine prefix
 * (same WINEPREFIX environment value as this process) whose command line contains `needle`
 * (case-insensitive; for example "bgcopysvc.exe", "svchost.exe -k netsvcs", "wineserver").
 * Read from Linux's /proc through drive Z:, because Wine's GetProcessTimes does not report
 * other processes' CPU time, and because wineserver, which does much of Wine's I/O work, is
 * not a Windows process at all. *count receives the number of processes measured. Returns
 * -1.0 (and *count 0) when not running under Wine or /proc cannot be read. */
double bench_wine_unix_cpu(const char *needle, int *count);

/* Nonzero when running under Wine. */
int bench_under_wine(void);

/* Size in bytes of the file at `path`; returns 0 on success, -1 (with GetLastError set) when
 * the file cannot be opened. */
int bench_file_size(const WCHAR *path, unsigned long long *size);

/* Deletes `path` if it exists; returns 0 when the file is gone afterwards. */
int bench_delete_file(const WCHAR *path);

/* Puts the file system cache in the same state before every timed download (bench/README.md,
 * "Conditions"): writes `bytes` zero bytes to a new scratch file "<path>.prime" and deletes it.
 * On the development VM a file written within about a second after a large file was deleted
 * costs several times less kernel time than one written later, so without this the figures
 * depend on how long ago the previous run deleted its file. Returns the seconds it took, or
 * -1.0 (with GetLastError set) when the scratch file cannot be written. */
double bench_prime_file_cache(const WCHAR *path, unsigned long long bytes);

/* New UTF-16 copy of the UTF-8 (or ASCII) string `s`, allocated with malloc; NULL on failure.
 * The caller frees it. */
WCHAR *bench_widen(const char *s);

/* Parses a decimal unsigned 64-bit number; returns 0 on success, -1 if `s` is not one. */
int bench_parse_u64(const char *s, unsigned long long *value);

#endif /* BENCH_UTIL_H */
