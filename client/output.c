/*
 * output.c - console-safe text output of bgcopyadmin.
 *
 * Invariants:
 *  1. On a console (GetConsoleMode succeeds on the handle) text is written with WriteConsoleW,
 *     so any Unicode job or file name shows correctly whatever the code page.
 *  2. Redirected output (pipe, file) is UTF-8, and "\n" becomes "\r\n" as in a C runtime text
 *     stream; "\r" alone (progress redraw) is written only to consoles, by progress.c.
 *  3. Output is unbuffered: each call is written before it returns, so stdout and stderr
 *     interleave in call order when both go to the same pipe.
 *  4. A query's result leaves through bgcli_print_result, the one place that applies /json and
 *     /rawreturn (bare value, no newline: what `for /f` in a script wants).
 */
#include "bgcli.h"

#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

static BOOL stdout_console; /* set once by bgcli_output_init */
static BOOL stderr_console; /* set once by bgcli_output_init */

static BOOL handle_is_console(HANDLE h)
{
    DWORD mode;
    return h != NULL && h != INVALID_HANDLE_VALUE && GetConsoleMode(h, &mode);
}

void bgcli_output_init(void)
{
    stdout_console = handle_is_console(GetStdHandle(STD_OUTPUT_HANDLE));
    stderr_console = handle_is_console(GetStdHandle(STD_ERROR_HANDLE));
}

BOOL bgcli_stdout_is_console(void)
{
    return stdout_console;
}

/* Writes n bytes fully (WriteFile may write less to a pipe). */
static void write_all(HANDLE h, const char *p, DWORD n)
{
    DWORD done;
    while (n > 0) {
        if (!WriteFile(h, p, n, &done, NULL) || done == 0)
            return;
        p += done;
        n -= done;
    }
}

/* Redirected: text to UTF-8 with CRLF line ends. */
static void write_redirected(HANDLE h, const WCHAR *text)
{
    const WCHAR *line = text;
    while (*line) {
        const WCHAR *nl = wcschr(line, L'\n');
        int len = nl ? (int)(nl - line) : (int)wcslen(line);
        if (len > 0) {
            int need = WideCharToMultiByte(CP_UTF8, 0, line, len, NULL, 0, NULL, NULL);
            char *buf = need > 0 ? malloc((size_t)need) : NULL;
            if (buf) {
                WideCharToMultiByte(CP_UTF8, 0, line, len, buf, need, NULL, NULL);
                write_all(h, buf, (DWORD)need);
                free(buf);
            }
        }
        if (!nl)
            break;
        write_all(h, "\r\n", 2);
        line = nl + 1;
    }
}

static void write_text(HANDLE h, BOOL console, const WCHAR *text)
{
    if (h == NULL || h == INVALID_HANDLE_VALUE)
        return;
    if (console) {
        DWORD len = (DWORD)wcslen(text), done;
        while (len > 0) {
            if (!WriteConsoleW(h, text, len, &done, NULL) || done == 0)
                return;
            text += done;
            len -= done;
        }
    } else {
        write_redirected(h, text);
    }
}

/* Formats into a heap buffer grown until the text fits (vswprintf returns -1 when short). */
static void vprint(HANDLE h, BOOL console, const WCHAR *fmt, va_list ap)
{
    size_t cap = 512;
    for (;;) {
        WCHAR *buf = malloc(cap * sizeof(WCHAR));
        va_list copy;
        int n;
        if (!buf)
            return;
        va_copy(copy, ap);
        n = vswprintf(buf, cap, fmt, copy);
        va_end(copy);
        if (n >= 0 && (size_t)n < cap) {
            write_text(h, console, buf);
            free(buf);
            return;
        }
        free(buf);
        if (cap >= 1u << 20)
            return; /* a single message of a million characters is a bug, not output */
        cap *= 4;
    }
}

void bgcli_printf(const WCHAR *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint(GetStdHandle(STD_OUTPUT_HANDLE), stdout_console, fmt, ap);
    va_end(ap);
}

void bgcli_eprintf(const WCHAR *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint(GetStdHandle(STD_ERROR_HANDLE), stderr_console, fmt, ap);
    va_end(ap);
}

void bgcli_puts(const WCHAR *text)
{
    write_text(GetStdHandle(STD_OUTPUT_HANDLE), stdout_console, text);
}

void bgcli_print_result(const struct bgcli_args *args, const GUID *job, const WCHAR *key, const WCHAR *text,
                        const WCHAR *json_value)
{
    if (args->opts & BGCLI_OPT_JSON) {
        struct bgcli_json j;
        WCHAR guid[39];
        bgcli_json_init(&j);
        bgcli_json_open(&j, NULL, L'{');
        if (job)
            bgcli_json_str(&j, L"id", bgcli_guid_str(job, guid));
        bgcli_json_raw(&j, key, json_value);
        bgcli_json_close(&j, L'}');
        bgcli_json_print(&j);
    } else if (args->opts & BGCLI_OPT_RAWRETURN) {
        bgcli_puts(text);
    } else {
        bgcli_puts(text);
        bgcli_puts(L"\n");
    }
}
