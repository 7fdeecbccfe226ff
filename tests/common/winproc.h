/*
 * winproc.h - finding and ending processes of the prefix by executable name (Windows test
 * programs and benchmarks only; tests/common/CMakeLists.txt builds winproc.c for Windows).
 *
 * Invariants:
 *  1. Names compare case-insensitively with Toolhelp's base name (szExeFile).
 *  2. bgc_test_kill_pid waits at most 10 s for the process to end; it only ever ends the
 *     process it is given (callers pass PIDs of processes they started or the server under
 *     test, never "every process named X").
 */
#ifndef BGC_TEST_WINPROC_H
#define BGC_TEST_WINPROC_H

#include <windows.h>

/* PID of the first running process of that executable name, 0 when none (or no snapshot). */
DWORD bgc_test_find_pid(const WCHAR *exe);
/* Terminates pid and waits for it to end; FALSE when it could not be opened (not running). */
BOOL bgc_test_kill_pid(DWORD pid);

#endif
