/*
 * httpd_auth.c - HTTP authentication checks for the test server's /auth/ endpoints:
 * Basic (RFC 7617) and Digest with MD5 (RFC 7616 / RFC 2617, qop "auth" or none), plus the
 * percent-decoding helper shared by the server.
 *
 * Invariants: every parser here is bounded by its output buffer sizes; malformed input is
 * "not authenticated", never an error path that could crash the server.
 */
#include "httpd_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

void httpd_url_decode(const char *src, size_t len, char *dst, size_t n, int plus)
{
    size_t i, o = 0;

    if (n == 0)
        return;
    for (i = 0; i < len && src[i] && o + 1 < n; i++) {
        int ch = (unsigned char)src[i];
        if (ch == '%' && i + 2 < len && hexval(src[i + 1]) >= 0 && hexval(src[i + 2]) >= 0) {
            ch = hexval(src[i + 1]) * 16 + hexval(src[i + 2]);
            i += 2;
        } else if (ch == '+' && plus) {
            ch = ' ';
        }
        dst[o++] = (char)ch;
    }
    dst[o] = '\0';
}

static int b64val(int ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    if (ch == '+')
        return 62;
    if (ch == '/')
        return 63;
    return -1;
}

/* Decodes base64 until '=' or the end; returns the length or -1 on bad input / overflow. */
static int b64_decode(const char *s, char *out, size_t n)
{
    unsigned acc = 0;
    int bits = 0;
    size_t o = 0;

    for (; *s && *s != '=' && !isspace((unsigned char)*s); s++) {
        int v = b64val((unsigned char)*s);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o + 1 >= n)
                return -1;
            out[o++] = (char)((acc >> bits) & 0xff);
        }
    }
    out[o] = '\0';
    return (int)o;
}

int httpd_auth_basic_ok(const struct httpd_auth_req *a, const char *user, const char *pass)
{
    char decoded[1024], expect[1024];
    const char *p = a->authorization;

    if (!p || strncasecmp(p, "Basic", 5) != 0 || !isspace((unsigned char)p[5]))
        return 0;
    p += 5;
    while (isspace((unsigned char)*p))
        p++;
    if (b64_decode(p, decoded, sizeof(decoded)) < 0)
        return 0;
    if ((size_t)snprintf(expect, sizeof(expect), "%s:%s", user, pass) >= sizeof(expect))
        return 0;
    return strcmp(decoded, expect) == 0;
}

struct digest_params {
    char username[256], realm[128], nonce[128], uri[1024], response[64], qop[32], nc[32],
        cnonce[256], algorithm[32];
};

/* Parses `name=value, name="value", ...` into the known fields; unknown names ignored. */
static void digest_parse(const char *p, struct digest_params *d)
{
    memset(d, 0, sizeof(*d));
    while (*p) {
        char name[32], value[1024];
        size_t nn = 0, nv = 0;

        while (*p == ',' || isspace((unsigned char)*p))
            p++;
        while (*p && *p != '=' && !isspace((unsigned char)*p) && *p != ',') {
            if (nn + 1 < sizeof(name))
                name[nn++] = *p;
            p++;
        }
        name[nn] = '\0';
        while (isspace((unsigned char)*p))
            p++;
        if (*p != '=') {
            while (*p && *p != ',')
                p++;
            continue;
        }
        p++;
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '"') {
            p++;
            while (*p && *p != '"') {
                if (*p == '\\' && p[1])
                    p++;
                if (nv + 1 < sizeof(value))
                    value[nv++] = *p;
                p++;
            }
            if (*p == '"')
                p++;
        } else {
            while (*p && *p != ',' && !isspace((unsigned char)*p)) {
                if (nv + 1 < sizeof(value))
                    value[nv++] = *p;
                p++;
            }
        }
        value[nv] = '\0';
#define TAKE(field)                                                                     \
    if (strcasecmp(name, #field) == 0) {                                                \
        httpd_copy(d->field, sizeof(d->field), value);                              \
        continue;                                                                       \
    }
        TAKE(username)
        TAKE(realm)
        TAKE(nonce)
        TAKE(uri)
        TAKE(response)
        TAKE(qop)
        TAKE(nc)
        TAKE(cnonce)
        TAKE(algorithm)
#undef TAKE
    }
}

int httpd_auth_digest_ok(const struct httpd_auth_req *a, const char *user, const char *pass,
                         const char *nonce)
{
    struct digest_params d;
    char buf[2600], ha1[33], ha2[33], expect[33];
    const char *p = a->authorization;

    if (!p || strncasecmp(p, "Digest", 6) != 0 || !isspace((unsigned char)p[6]))
        return 0;
    digest_parse(p + 6, &d);
    if (strcmp(d.username, user) != 0 || strcmp(d.realm, HTTPD_REALM) != 0 ||
        strcmp(d.nonce, nonce) != 0 || strcmp(d.uri, a->target) != 0)
        return 0;
    if (d.algorithm[0] && strcasecmp(d.algorithm, "MD5") != 0)
        return 0;
    snprintf(buf, sizeof(buf), "%s:%s:%s", user, HTTPD_REALM, pass);
    httpd_md5_hex(buf, ha1);
    snprintf(buf, sizeof(buf), "%s:%s", a->method, d.uri);
    httpd_md5_hex(buf, ha2);
    if (d.qop[0]) {
        if (strcmp(d.qop, "auth") != 0)
            return 0;
        snprintf(buf, sizeof(buf), "%s:%s:%s:%s:%s:%s", ha1, d.nonce, d.nc, d.cnonce, d.qop, ha2);
    } else {
        snprintf(buf, sizeof(buf), "%s:%s:%s", ha1, d.nonce, ha2);
    }
    httpd_md5_hex(buf, expect);
    return strcasecmp(expect, d.response) == 0;
}
