/* winproc.c - see winproc.h. */
#include "winproc.h"

#include <tlhelp32.h>
#include <wchar.h>

DWORD bgc_test_find_pid(const WCHAR *exe)
{
    PROCESSENTRY32W pe;
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    DWORD pid = 0;

    if (snap == INVALID_HANDLE_VALUE)
        return 0;
    pe.dwSize = sizeof(pe);
    if (Process32FirstW(snap, &pe)) {
        do {
            if (!_wcsicmp(pe.szExeFile, exe))
                pid = pe.th32ProcessID;
        } while (!pid && Process32NextW(snap, &pe));
    }
    CloseHandle(snap);
    return pid;
}

BOOL bgc_test_kill_pid(DWORD pid)
{
    HANDLE h = pid ? OpenProcess(PROCESS_TERMINATE | SYNCHRONIZE, FALSE, pid) : NULL;

    if (!h)
        return FALSE;
    TerminateProcess(h, 9);
    WaitForSingleObject(h, 10000);
    CloseHandle(h);
    return TRUE;
}
