/*
 * json.c - the /json output of bgcopyadmin: a small writer of JSON texts (objects, arrays,
 * strings, numbers, booleans, null) into a growing buffer.
 *
 * Invariants:
 *  1. Strings are escaped per RFC 8259 (quote, backslash, control characters as \uXXXX);
 *     other characters are kept and leave as UTF-8 through output.c.
 *  2. Numbers are unsigned 64-bit integers printed in decimal (BG_SIZE_UNKNOWN is printed by
 *     callers as null, never as a number a script would mistake for a size).
 *  3. After an allocation failure nothing more is appended and bgcli_json_text returns NULL;
 *     bgcli_json_print then prints an error instead of a truncated text.
 */
#include "bgcli.h"

#include <stdlib.h>
#include <wchar.h>

void bgcli_json_init(struct bgcli_json *j)
{
    memset(j, 0, sizeof(*j));
}

static void append(struct bgcli_json *j, const WCHAR *s, size_t n)
{
    if (j->oom)
        return;
    if (j->len + n + 1 > j->cap) {
        size_t cap = j->cap ? j->cap : 256;
        WCHAR *p;
        while (cap < j->len + n + 1)
            cap *= 2;
        p = realloc(j->buf, cap * sizeof(WCHAR));
        if (!p) {
            j->oom = TRUE;
            return;
        }
        j->buf = p;
        j->cap = cap;
    }
    memcpy(j->buf + j->len, s, n * sizeof(WCHAR));
    j->len += n;
    j->buf[j->len] = 0;
}

static void append_str(struct bgcli_json *j, const WCHAR *s)
{
    append(j, s, wcslen(s));
}

static void append_quoted(struct bgcli_json *j, const WCHAR *s)
{
    append(j, L"\"", 1);
    for (; *s; s++) {
        WCHAR esc[8];
        switch (*s) {
        case L'"': append(j, L"\\\"", 2); break;
        case L'\\': append(j, L"\\\\", 2); break;
        case L'\n': append(j, L"\\n", 2); break;
        case L'\r': append(j, L"\\r", 2); break;
        case L'\t': append(j, L"\\t", 2); break;
        default:
            if (*s < 0x20) {
                swprintf(esc, 8, L"\\u%04x", (unsigned)*s);
                append_str(j, esc);
            } else {
                append(j, s, 1);
            }
        }
    }
    append(j, L"\"", 1);
}

/* The separator and "key": of a new member. */
static void member(struct bgcli_json *j, const WCHAR *key)
{
    if (j->depth > 0) {
        if (!j->first[j->depth])
            append(j, L",", 1);
        j->first[j->depth] = FALSE;
    }
    if (key) {
        append_quoted(j, key);
        append(j, L":", 1);
    }
}

void bgcli_json_open(struct bgcli_json *j, const WCHAR *key, WCHAR bracket)
{
    member(j, key);
    append(j, &bracket, 1);
    if (j->depth + 1 < (int)(sizeof(j->first) / sizeof(j->first[0]))) {
        j->depth++;
        j->first[j->depth] = TRUE;
    } else {
        j->oom = TRUE; /* deeper than any output of this program: a bug, reported as failure */
    }
}

void bgcli_json_close(struct bgcli_json *j, WCHAR bracket)
{
    append(j, &bracket, 1);
    if (j->depth > 0)
        j->depth--;
}

void bgcli_json_str(struct bgcli_json *j, const WCHAR *key, const WCHAR *value)
{
    member(j, key);
    if (value)
        append_quoted(j, value);
    else
        append_str(j, L"null");
}

void bgcli_json_num(struct bgcli_json *j, const WCHAR *key, UINT64 value)
{
    WCHAR buf[24];
    member(j, key);
    swprintf(buf, 24, L"%llu", (unsigned long long)value);
    append_str(j, buf);
}

void bgcli_json_bool(struct bgcli_json *j, const WCHAR *key, BOOL value)
{
    member(j, key);
    append_str(j, value ? L"true" : L"false");
}

void bgcli_json_null(struct bgcli_json *j, const WCHAR *key)
{
    member(j, key);
    append_str(j, L"null");
}

void bgcli_json_raw(struct bgcli_json *j, const WCHAR *key, const WCHAR *json)
{
    member(j, key);
    append_str(j, json ? json : L"null");
}

const WCHAR *bgcli_json_text(struct bgcli_json *j)
{
    return j->oom || !j->buf ? NULL : j->buf;
}

void bgcli_json_free(struct bgcli_json *j)
{
    free(j->buf);
    memset(j, 0, sizeof(*j));
}

void bgcli_json_print(struct bgcli_json *j)
{
    const WCHAR *text = bgcli_json_text(j);
    if (text) {
        bgcli_puts(text);
        bgcli_puts(L"\n");
    } else {
        bgcli_eprintf(L"ERROR: out of memory while writing JSON\n");
    }
    bgcli_json_free(j);
}

WCHAR *bgcli_json_quote(const WCHAR *s)
{
    struct bgcli_json j;
    WCHAR *out;
    bgcli_json_init(&j);
    if (s)
        append_quoted(&j, s);
    else
        append_str(&j, L"null");
    if (j.oom) {
        bgcli_json_free(&j);
        return NULL;
    }
    out = j.buf; /* ownership passes to the caller */
    return out;
}
