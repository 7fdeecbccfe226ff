/*
 * id.c - job identifiers: 16 bytes laid out exactly like a GUID (Data1..Data3 little-endian),
 * formatted and parsed in the registry form {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}.
 *
 * Invariants:
 *  1. bgc_id_format always writes 38 characters plus NUL, upper-case hex.
 *  2. bgc_id_parse accepts exactly that form, braces optional (both or neither), hex digits of
 *     either case, and nothing before or after; it writes *out only on success.
 *  3. parse(format(x)) == x for every x.
 *  4. Random ids are version-4, variant-1 GUIDs from the OS's cryptographic generator.
 */
#include "bgc.h"
#include "jobs_int.h"
#include "os.h"

#include <stdio.h>
#include <string.h>

/* Byte order of the 16 bytes as they appear in the text: Data1 (4 bytes, little-endian),
 * Data2 and Data3 (2 each, little-endian), then Data4 in memory order. */
static const unsigned char text_order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};

int bgc_id_equal(const struct bgc_id *a, const struct bgc_id *b)
{
    return memcmp(a->b, b->b, sizeof(a->b)) == 0;
}

void bgc_id_format(const struct bgc_id *id, char out[39])
{
    static const char hex[] = "0123456789ABCDEF";
    char *p = out;

    *p++ = '{';
    for (int i = 0; i < 16; i++) {
        unsigned char v = id->b[text_order[i]];

        if (i == 4 || i == 6 || i == 8 || i == 10)
            *p++ = '-';
        *p++ = hex[v >> 4];
        *p++ = hex[v & 15];
    }
    *p++ = '}';
    *p = '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int bgc_id_parse(const char *s, struct bgc_id *out)
{
    struct bgc_id id;
    size_t n;
    int braces;

    if (!s || !out)
        return BGC_E_INVALIDARG;
    n = strlen(s);
    braces = n == 38 && s[0] == '{' && s[37] == '}';
    if (!braces && n != 36)
        return BGC_E_INVALIDARG;
    if (braces)
        s++;
    for (int i = 0, pos = 0; i < 16; i++) {
        int hi, lo;

        if (i == 4 || i == 6 || i == 8 || i == 10) {
            if (s[pos++] != '-')
                return BGC_E_INVALIDARG;
        }
        hi = hexval(s[pos++]);
        lo = hexval(s[pos++]);
        if (hi < 0 || lo < 0)
            return BGC_E_INVALIDARG;
        id.b[text_order[i]] = (unsigned char)(hi << 4 | lo);
    }
    *out = id;
    return BGC_OK;
}

int bgc__id_random(struct bgc_id *out)
{
    struct bgc_id id;
    int rc = bgc__random_bytes(id.b, sizeof(id.b));

    if (rc != BGC_OK)
        return rc;
    id.b[7] = (unsigned char)((id.b[7] & 0x0F) | 0x40); /* Data3 high nibble: version 4 */
    id.b[8] = (unsigned char)((id.b[8] & 0x3F) | 0x80); /* variant 1 (RFC 4122) */
    *out = id;
    return BGC_OK;
}
