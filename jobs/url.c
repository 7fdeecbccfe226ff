/*
 * url.c - remote names: which ones a job accepts (F1, F2) and the URL libcurl gets for each.
 *
 * Invariants:
 *  1. Accepted: http://, https://, ftp:// and file:// URLs (scheme case-insensitive) that
 *     libcurl's URL parser accepts, with a host for http, https and ftp; and absolute local
 *     paths in this platform's syntax (bgc__path_is_absolute: "/..." natively, "C:\..." or
 *     "\\server\share\..." on Windows), which become file:// URLs. Everything else, and any
 *     name over BGC_MAX_REMOTE_NAME code points or not valid UTF-8, is BGC_E_INVALIDARG.
 *  2. The stored remote name is always the caller's string; only the libcurl URL is derived.
 *  3. The path-to-URL conversion is pure string work (no platform conditionals): drive
 *     letters and UNC names are recognised by their syntax wherever the code runs.
 */
#include "bgc.h"
#include "jobs_int.h"

#include <curl/curl.h>
#include <string.h>

static const char *const schemes[] = {"http", "https", "ftp", "file"};

long bgc__utf8_count(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    long n = 0;

    while (*p) {
        unsigned c = *p, need, cp;

        if (c < 0x80) {
            p++;
            n++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            need = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            need = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            need = 3;
            cp = c & 0x07;
        } else {
            return -1;
        }
        for (unsigned i = 1; i <= need; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return -1;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if ((need == 1 && cp < 0x80) || (need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return -1; /* overlong, out of range or a surrogate */
        p += need + 1;
        n++;
    }
    return n;
}

/* Length of "scheme" when s starts with "scheme://", else 0. */
static size_t scheme_len(const char *s)
{
    size_t i = 0;

    while ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
           (i > 0 && ((s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '-' || s[i] == '.')))
        i++;
    return (i > 0 && s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/') ? i : 0;
}

/* Index into schemes[] of a supported scheme at the start of s, or -1. */
static int scheme_index(const char *s)
{
    size_t n = scheme_len(s);

    for (int i = 0; n && i < (int)(sizeof(schemes) / sizeof(schemes[0])); i++) {
        if (strlen(schemes[i]) != n)
            continue;
        size_t j = 0;
        while (j < n && (s[j] | 0x20) == schemes[i][j])
            j++;
        if (j == n)
            return i;
    }
    return -1;
}

const char *bgc__url_protocol(const char *url)
{
    switch (scheme_index(url)) {
    case 0:
    case 1:
        return "http";
    case 2:
        return "ftp";
    case 3:
        return "file";
    default:
        return "";
    }
}

/* Asks libcurl's parser whether url is well-formed (and has a host when one is needed). */
static int check_with_curl(const char *url, int need_host)
{
    CURLU *h = curl_url();
    CURLUcode uc;
    char *host = NULL;
    int rc = BGC_OK;

    if (!h)
        return BGC_E_NOMEM;
    uc = curl_url_set(h, CURLUPART_URL, url, 0);
    if (uc == CURLUE_OUT_OF_MEMORY) {
        rc = BGC_E_NOMEM;
    } else if (uc != CURLUE_OK) {
        rc = BGC_E_INVALIDARG;
    } else if (need_host) {
        uc = curl_url_get(h, CURLUPART_HOST, &host, 0);
        if (uc == CURLUE_OUT_OF_MEMORY)
            rc = BGC_E_NOMEM;
        else if (uc != CURLUE_OK || !host || !host[0])
            rc = BGC_E_INVALIDARG;
        curl_free(host);
    }
    curl_url_cleanup(h);
    return rc;
}

static int keep_plain(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == '/' || c == ':';
}

/* file:// URL for an absolute path: "/a b" -> "file:///a%20b", "C:\d\f" -> "file:///C:/d/f",
 * "\\srv\share\f" -> "file://srv/share/f". bgc_malloc'd or NULL. */
static char *url_from_path(const char *path)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)path;
    const char *prefix = "file://";
    size_t len = strlen(path), out_len;
    char *url, *o;
    int unc = (p[0] == '\\' || p[0] == '/') && (p[1] == '\\' || p[1] == '/');
    int drive = !unc && p[0] && p[1] == ':';

    if (unc)
        p += 2; /* the server name becomes the URL's host */
    else if (drive)
        prefix = "file:///";
    out_len = strlen(prefix) + 3 * len + 1;
    url = bgc_malloc(out_len);
    if (!url)
        return NULL;
    o = url + strlen(prefix);
    memcpy(url, prefix, strlen(prefix));
    for (; *p; p++) {
        unsigned char c = *p == '\\' ? '/' : *p;

        if (keep_plain(c)) {
            *o++ = (char)c;
        } else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    *o = '\0';
    return url;
}

int bgc__url_from_remote(const char *remote, char **url)
{
    long n;
    int idx, rc;

    *url = NULL;
    if (!remote || !remote[0])
        return BGC_E_INVALIDARG;
    n = bgc__utf8_count(remote);
    if (n < 0 || n > BGC_MAX_REMOTE_NAME)
        return BGC_E_INVALIDARG;
    for (const unsigned char *p = (const unsigned char *)remote; *p; p++) {
        if (*p < 0x20 || *p == 0x7F)
            return BGC_E_INVALIDARG;
    }
    idx = scheme_index(remote);
    if (idx >= 0) {
        rc = check_with_curl(remote, idx != 3);
        if (rc != BGC_OK)
            return rc;
        *url = bgc_strdup(remote);
        return *url ? BGC_OK : BGC_E_NOMEM;
    }
    if (scheme_len(remote) || !bgc__path_is_absolute(remote))
        return BGC_E_INVALIDARG; /* an unsupported scheme, or a relative name */
    *url = url_from_path(remote);
    if (!*url)
        return BGC_E_NOMEM;
    rc = check_with_curl(*url, 0);
    if (rc != BGC_OK) {
        bgc_free(*url);
        *url = NULL;
    }
    return rc;
}
