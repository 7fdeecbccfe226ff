/*
 * names.c - printable names of the BITS enumerations and flags, spelled as bitsadmin does, and
 * the parsers of the names and numbers given on the command line.
 *
 * Invariants:
 *  1. Every name function returns a static string and never NULL; a value outside the
 *     enumeration prints as "UNKNOWN" rather than failing.
 *  2. Parsers accept names case-insensitively and numbers in decimal or 0x hex, reject signs,
 *     blanks, trailing characters and overflow, and write *out only on success.
 */
#include "bgcli.h"

#include <errno.h>
#include <wchar.h>

const WCHAR *bgcli_state_name(BG_JOB_STATE state)
{
    static const WCHAR *const names[] = {
        L"QUEUED",          /* BG_JOB_STATE_QUEUED 0 */
        L"CONNECTING",      /* 1 */
        L"TRANSFERRING",    /* 2 */
        L"SUSPENDED",       /* 3 */
        L"ERROR",           /* 4 */
        L"TRANSIENT_ERROR", /* 5 */
        L"TRANSFERRED",     /* 6 */
        L"ACKNOWLEDGED",    /* 7 */
        L"CANCELLED",       /* 8 */
    };
    if ((unsigned)state < sizeof(names) / sizeof(names[0]))
        return names[state];
    return L"UNKNOWN";
}

const WCHAR *bgcli_type_name(BG_JOB_TYPE type)
{
    switch (type) {
    case BG_JOB_TYPE_DOWNLOAD: return L"DOWNLOAD";
    case BG_JOB_TYPE_UPLOAD: return L"UPLOAD";
    case BG_JOB_TYPE_UPLOAD_REPLY: return L"UPLOAD-REPLY";
    }
    return L"UNKNOWN";
}

const WCHAR *bgcli_priority_name(BG_JOB_PRIORITY prio)
{
    switch (prio) {
    case BG_JOB_PRIORITY_FOREGROUND: return L"FOREGROUND";
    case BG_JOB_PRIORITY_HIGH: return L"HIGH";
    case BG_JOB_PRIORITY_NORMAL: return L"NORMAL";
    case BG_JOB_PRIORITY_LOW: return L"LOW";
    }
    return L"UNKNOWN";
}

const WCHAR *bgcli_context_name(BG_ERROR_CONTEXT ctx)
{
    static const WCHAR *const names[] = {
        L"NONE",                        /* 0 */
        L"UNKNOWN",                     /* 1 */
        L"GENERAL_QUEUE_MANAGER",       /* 2 */
        L"QUEUE_MANAGER_NOTIFICATION",  /* 3 */
        L"LOCAL_FILE",                  /* 4 */
        L"REMOTE_FILE",                 /* 5 */
        L"GENERAL_TRANSPORT",           /* 6 */
        L"REMOTE_APPLICATION",          /* 7 */
        L"SERVER_CERTIFICATE_CALLBACK", /* 8 */
    };
    if ((unsigned)ctx < sizeof(names) / sizeof(names[0]))
        return names[ctx];
    return L"UNKNOWN";
}

WCHAR *bgcli_notify_flags_str(ULONG flags, WCHAR *buf, size_t cch)
{
    static const struct {
        ULONG flag;        /* BG_NOTIFY_* value */
        const WCHAR *name; /* its printable name */
    } table[] = {
        { 0x01, L"JOB_TRANSFERRED" },
        { 0x02, L"JOB_ERROR" },
        { 0x04, L"DISABLE" },
        { 0x08, L"JOB_MODIFICATION" },
        { 0x10, L"FILE_TRANSFERRED" },
        { 0x20, L"FILE_RANGES_TRANSFERRED" },
    };
    size_t i, used = 0;
    ULONG rest = flags;
    int n;

    if (cch == 0)
        return buf;
    buf[0] = 0;
    for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (!(flags & table[i].flag))
            continue;
        rest &= ~table[i].flag;
        n = swprintf(buf + used, cch - used, L"%ls%ls", used ? L"|" : L"", table[i].name);
        if (n < 0)
            return buf; /* truncated: keep what fitted */
        used += (size_t)n;
    }
    if (rest || used == 0)
        swprintf(buf + used, cch - used, L"%ls0x%lX", used ? L"|" : L"", rest);
    return buf;
}

const WCHAR *bgcli_proxy_usage_name(BG_JOB_PROXY_USAGE usage)
{
    switch (usage) {
    case BG_JOB_PROXY_USAGE_PRECONFIG: return L"PRECONFIG";
    case BG_JOB_PROXY_USAGE_NO_PROXY: return L"NO_PROXY";
    case BG_JOB_PROXY_USAGE_OVERRIDE: return L"OVERRIDE";
    case BG_JOB_PROXY_USAGE_AUTODETECT: return L"AUTODETECT";
    }
    return L"UNKNOWN";
}

/* Index of text in names (case-insensitive), or -1. */
static int name_index(const WCHAR *text, const WCHAR *const *names, int n)
{
    int i;
    for (i = 0; i < n; i++)
        if (_wcsicmp(text, names[i]) == 0)
            return i;
    return -1;
}

BOOL bgcli_parse_priority(const WCHAR *text, BG_JOB_PRIORITY *out)
{
    static const WCHAR *const names[] = { L"FOREGROUND", L"HIGH", L"NORMAL", L"LOW" };
    int i = name_index(text, names, 4);
    if (i < 0)
        return FALSE;
    *out = (BG_JOB_PRIORITY)i; /* BG_JOB_PRIORITY_FOREGROUND 0 ... LOW 3 */
    return TRUE;
}

BOOL bgcli_parse_proxy_usage(const WCHAR *text, BG_JOB_PROXY_USAGE *out)
{
    static const WCHAR *const names[] = { L"PRECONFIG", L"NO_PROXY", L"OVERRIDE", L"AUTODETECT" };
    int i = name_index(text, names, 4);
    if (i < 0)
        return FALSE;
    *out = (BG_JOB_PROXY_USAGE)i; /* PRECONFIG 0, NO_PROXY 1, OVERRIDE 2, AUTODETECT 3 */
    return TRUE;
}

BOOL bgcli_parse_auth_target(const WCHAR *text, BG_AUTH_TARGET *out)
{
    static const WCHAR *const names[] = { L"SERVER", L"PROXY" };
    int i = name_index(text, names, 2);
    if (i < 0)
        return FALSE;
    *out = (BG_AUTH_TARGET)(i + 1); /* SERVER 1, PROXY 2 */
    return TRUE;
}

BOOL bgcli_parse_auth_scheme(const WCHAR *text, BG_AUTH_SCHEME *out)
{
    static const WCHAR *const names[] = { L"BASIC", L"DIGEST", L"NTLM", L"NEGOTIATE", L"PASSPORT" };
    int i = name_index(text, names, 5);
    if (i < 0)
        return FALSE;
    *out = (BG_AUTH_SCHEME)(i + 1); /* BASIC 1 ... PASSPORT 5 */
    return TRUE;
}

BOOL bgcli_parse_bool(const WCHAR *text, BOOL *out)
{
    static const WCHAR *const names[] = { L"FALSE", L"TRUE", L"0", L"1", L"NO", L"YES" };
    int i = name_index(text, names, 6);
    if (i < 0)
        return FALSE;
    *out = (i % 2) == 1;
    return TRUE;
}

BOOL bgcli_parse_u64(const WCHAR *text, UINT64 *out)
{
    WCHAR *end = NULL;
    unsigned long long v;
    int base = 10;
    if (!text || !*text || *text == L'-' || *text == L'+' || *text == L' ')
        return FALSE;
    if (text[0] == L'0' && (text[1] == L'x' || text[1] == L'X')) {
        base = 16;
        text += 2;
        if (!*text)
            return FALSE;
    }
    errno = 0;
    v = wcstoull(text, &end, base);
    if (*end || errno == ERANGE)
        return FALSE;
    *out = (UINT64)v;
    return TRUE;
}

BOOL bgcli_parse_ulong(const WCHAR *text, ULONG max, ULONG *out)
{
    UINT64 v;
    if (!bgcli_parse_u64(text, &v) || v > max)
        return FALSE;
    *out = (ULONG)v;
    return TRUE;
}

BOOL bgcli_is_null_word(const WCHAR *text)
{
    return _wcsicmp(text, L"NULL") == 0;
}
