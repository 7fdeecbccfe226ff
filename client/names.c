/*
 * names.c - printable names of the BITS enumerations and flags, spelled as bitsadmin does.
 *
 * Invariant: every function returns a static string and never NULL; a value outside the
 * enumeration prints as "UNKNOWN" rather than failing.
 */
#include "bgcli.h"

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
