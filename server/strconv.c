/*
 * strconv.c - UTF-16 <-> UTF-8 at the COM edge, and the CoTaskMem string helpers.
 *
 * Invariants:
 *  1. Length limits are checked in UTF-16 code units, as BITS counts them, before converting.
 *  2. Ill-formed UTF-16 (an unpaired surrogate) is refused with E_INVALIDARG rather than
 *     silently replaced, so that a name read back is the name that was set.
 *  3. Every string handed to a COM caller is allocated here with CoTaskMemAlloc.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "server.h"

HRESULT strconv_utf8_from_wide(const WCHAR *src, size_t max_units, HRESULT too_long_hr, char **out)
{
    size_t units;
    int n;
    char *buf;

    *out = NULL;
    if (!src)
        return E_INVALIDARG;
    units = wcslen(src);
    if (max_units && units > max_units)
        return too_long_hr;
    if (units > 0x3fffffff)
        return E_INVALIDARG;
    if (!units) {
        if (!(buf = malloc(1)))
            return E_OUTOFMEMORY;
        buf[0] = 0;
        *out = buf;
        return S_OK;
    }
    n = WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, src, (int)units, NULL, 0, NULL, NULL);
    if (n <= 0)
        return E_INVALIDARG;
    if (!(buf = malloc((size_t)n + 1)))
        return E_OUTOFMEMORY;
    if (WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, src, (int)units, buf, n, NULL, NULL) != n) {
        free(buf);
        return E_INVALIDARG;
    }
    buf[n] = 0;
    *out = buf;
    return S_OK;
}

HRESULT strconv_cotask_from_utf8(const char *src, WCHAR **out)
{
    size_t len = src ? strlen(src) : 0;
    int n = 0;
    WCHAR *buf;

    *out = NULL;
    if (len > 0x3fffffff)
        return E_INVALIDARG;
    if (len) {
        n = MultiByteToWideChar(CP_UTF8, 0, src, (int)len, NULL, 0);
        if (n <= 0)
            return HRESULT_FROM_WIN32(GetLastError());
    }
    if (!(buf = CoTaskMemAlloc(((size_t)n + 1) * sizeof(WCHAR))))
        return E_OUTOFMEMORY;
    if (n && MultiByteToWideChar(CP_UTF8, 0, src, (int)len, buf, n) != n) {
        CoTaskMemFree(buf);
        return E_FAIL;
    }
    buf[n] = 0;
    *out = buf;
    return S_OK;
}

HRESULT strconv_cotask_dup(const WCHAR *src, WCHAR **out)
{
    size_t bytes;
    WCHAR *buf;

    *out = NULL;
    if (!src)
        src = L"";
    bytes = (wcslen(src) + 1) * sizeof(WCHAR);
    if (!(buf = CoTaskMemAlloc(bytes)))
        return E_OUTOFMEMORY;
    memcpy(buf, src, bytes);
    *out = buf;
    return S_OK;
}

const char *debugstr_w(const WCHAR *s)
{
    static __thread char bufs[4][200];
    static __thread unsigned next;
    char *buf = bufs[next++ % 4];
    size_t i = 0;

    if (!s)
        return "(null)";
    buf[i++] = '"';
    for (; *s && i < sizeof(bufs[0]) - 12; s++) {
        WCHAR c = *s;
        if (c >= 0x20 && c < 0x7f) {
            buf[i++] = (char)c;
        } else {
            int w = snprintf(buf + i, sizeof(bufs[0]) - i, "\\x%04x", (unsigned)c);
            if (w > 0)
                i += (size_t)w;
        }
    }
    if (*s) {
        buf[i++] = '.';
        buf[i++] = '.';
    }
    buf[i++] = '"';
    buf[i] = 0;
    return buf;
}

const char *debugstr_guid_buf(const GUID *id, char buf[39])
{
    if (!id) {
        strcpy(buf, "(null)");
        return buf;
    }
    snprintf(buf, 39, "{%08lX-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}", (unsigned long)id->Data1,
             id->Data2, id->Data3, id->Data4[0], id->Data4[1], id->Data4[2], id->Data4[3], id->Data4[4],
             id->Data4[5], id->Data4[6], id->Data4[7]);
    return buf;
}
