/*
 * cmd_http.c - the HTTP switches: /setcredentials /removecredentials (IBackgroundCopyJob2),
 * /setproxysettings (IBackgroundCopyJob; its getters are in cmd_get.c), /setsecurityflags
 * /getsecurityflags /setcustomheaders /getcustomheaders (IBackgroundCopyJobHttpOptions),
 * /sethttpmethod /gethttpmethod (IBackgroundCopyJobHttpOptions2).
 *
 * Invariants:
 *  1. Names (SERVER, BASIC, OVERRIDE...) and numbers are parsed before the job is opened; a bad
 *     one is a usage error (exit 2) and nothing is changed.
 *  2. bitsadmin's word NULL stands for a NULL pointer (no user name, no proxy list, no headers).
 *  3. Passwords are never printed.
 */
#include "bgcli.h"

#include <stdlib.h>
#include <wchar.h>

static int bad_word(const struct bgcli_args *args, const WCHAR *word, const WCHAR *want)
{
    bgcli_eprintf(L"ERROR: '%ls' is not valid here: %ls\n", word, want);
    bgcli_eprintf(L"Usage: bgcopyadmin %ls\n", args->sw->synopsis);
    return BGCLI_EXIT_USAGE;
}

static const WCHAR *null_word(const WCHAR *s)
{
    return bgcli_is_null_word(s) ? NULL : s;
}

/* Parses TARGET SCHEME at args->pos[1], [2]. */
static int parse_target_scheme(const struct bgcli_args *args, BG_AUTH_TARGET *target, BG_AUTH_SCHEME *scheme)
{
    if (!bgcli_parse_auth_target(args->pos[1], target))
        return bad_word(args, args->pos[1], L"SERVER or PROXY");
    if (!bgcli_parse_auth_scheme(args->pos[2], scheme))
        return bad_word(args, args->pos[2], L"BASIC, DIGEST, NTLM, NEGOTIATE or PASSPORT");
    return BGCLI_EXIT_OK;
}

/* /setcredentials JOB TARGET SCHEME USER PASSWORD */
int bgcli_cmd_setcredentials(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    IBackgroundCopyJob2 *job = NULL;
    BG_AUTH_CREDENTIALS cred;
    HRESULT hr;
    int rc;

    memset(&cred, 0, sizeof(cred));
    rc = parse_target_scheme(args, &cred.Target, &cred.Scheme);
    if (rc != BGCLI_EXIT_OK)
        return rc;
    cred.Credentials.Basic.UserName = (WCHAR *)null_word(args->pos[3]);
    cred.Credentials.Basic.Password = (WCHAR *)null_word(args->pos[4]);
    rc = bgcli_open_job_iface(mgr, args, &IID_IBackgroundCopyJob2, (void **)&job, NULL);
    if (rc != BGCLI_EXIT_OK)
        return rc;
    hr = IBackgroundCopyJob2_SetCredentials(job, &cred);
    IBackgroundCopyJob2_Release(job);
    if (FAILED(hr))
        return bgcli_fail_hr(mgr, L"Unable to set credentials", hr);
    bgcli_printf(L"Credentials set (%ls %ls).\n", args->pos[1], args->pos[2]);
    return BGCLI_EXIT_OK;
}

/* /removecredentials JOB TARGET SCHEME */
int bgcli_cmd_removecredentials(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    IBackgroundCopyJob2 *job = NULL;
    BG_AUTH_TARGET target;
    BG_AUTH_SCHEME scheme;
    HRESULT hr;
    int rc = parse_target_scheme(args, &target, &scheme);

    if (rc != BGCLI_EXIT_OK)
        return rc;
    rc = bgcli_open_job_iface(mgr, args, &IID_IBackgroundCopyJob2, (void **)&job, NULL);
    if (rc != BGCLI_EXIT_OK)
        return rc;
    hr = IBackgroundCopyJob2_RemoveCredentials(job, target, scheme);
    IBackgroundCopyJob2_Release(job);
    if (FAILED(hr))
        return bgcli_fail_hr(mgr, L"Unable to remove credentials", hr);
    if (hr == S_FALSE)
        bgcli_printf(L"No credentials to remove (%ls %ls).\n", args->pos[1], args->pos[2]);
    else
        bgcli_printf(L"Credentials removed (%ls %ls).\n", args->pos[1], args->pos[2]);
    return BGCLI_EXIT_OK;
}

/* /setproxysettings JOB USAGE [LIST BYPASS] */
int bgcli_cmd_setproxysettings(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    IBackgroundCopyJob *job = NULL;
    BG_JOB_PROXY_USAGE usage;
    const WCHAR *list = NULL, *bypass = NULL;
    HRESULT hr;
    int rc;

    if (!bgcli_parse_proxy_usage(args->pos[1], &usage))
        return bad_word(args, args->pos[1], L"PRECONFIG, AUTODETECT, NO_PROXY or OVERRIDE");
    if (usage == BG_JOB_PROXY_USAGE_OVERRIDE) {
        if (args->npos != 4)
            return bad_word(args, args->pos[1], L"OVERRIDE needs PROXYLIST and BYPASSLIST (NULL for none)");
        list = null_word(args->pos[2]);
        bypass = null_word(args->pos[3]);
    } else if (args->npos != 2) {
        return bad_word(args, args->pos[2], L"only OVERRIDE takes a proxy list and a bypass list");
    }
    rc = bgcli_open_job(mgr, args->pos[0], &job);
    if (rc != BGCLI_EXIT_OK)
        return rc;
    hr = IBackgroundCopyJob_SetProxySettings(job, usage, list, bypass);
    IBackgroundCopyJob_Release(job);
    if (FAILED(hr))
        return bgcli_fail_hr(mgr, L"Unable to set the proxy settings", hr);
    bgcli_printf(L"Proxy usage set to %ls.\n", bgcli_proxy_usage_name(usage));
    return BGCLI_EXIT_OK;
}

/* Opens the job's IBackgroundCopyJobHttpOptions (or a derived iid). */
static int open_http(IBackgroundCopyManager *mgr, const struct bgcli_args *args, REFIID iid, void **out, GUID *id)
{
    return bgcli_open_job_iface(mgr, args, iid, out, id);
}

/* /setsecurityflags JOB VALUE */
int bgcli_cmd_setsecurityflags(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    IBackgroundCopyJobHttpOptions *http = NULL;
    ULONG flags;
    HRESULT hr;
    int rc;

    if (!bgcli_parse_ulong(args->pos[1], 0xFFFFFFFFul, &flags))
        return bad_word(args, args->pos[1], L"a number (decimal or 0x hex)");
    rc = open_http(mgr, args, &IID_IBackgroundCopyJobHttpOptions, (void **)&http, NULL);
    if (rc != BGCLI_EXIT_OK)
        return rc;
    hr = IBackgroundCopyJobHttpOptions_SetSecurityFlags(http, flags);
    IBackgroundCopyJobHttpOptions_Release(http);
    if (FAILED(hr))
        return bgcli_fail_hr(mgr, L"Unable to set the security flags", hr);
    bgcli_printf(L"Security flags set to %lu (0x%04lX).\n", (unsigned long)flags, (unsigned long)flags);
    return BGCLI_EXIT_OK;
}

/* /getsecurityflags JOB */
int bgcli_cmd_getsecurityflags(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    IBackgroundCopyJobHttpOptions *http = NULL;
    WCHAR buf[24];
    ULONG flags = 0;
    GUID id;
    HRESULT hr;
    int rc = open_http(mgr, args, &IID_IBackgroundCopyJobHttpOptions, (void **)&http, &id);

    if (rc != BGCLI_EXIT_OK)
        return rc;
    hr = IBackgroundCopyJobHttpOptions_GetSecurityFlags(http, &flags);
    IBackgroundCopyJobHttpOptions_Release(http);
    if (FAILED(hr))
        return bgcli_fail_hr(mgr, L"Unable to get the security flags", hr);
    swprintf(buf, 24, L"%lu", (unsigned long)flags);
    bgcli_print_result(args, &id, L"securityFlags", buf, buf);
    return BGCLI_EXIT_OK;
}

/* /setcustomheaders JOB HEADER [HEADER...] ; NULL alone removes them. */
int bgcli_cmd_setcustomheaders(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    IBackgroundCopyJobHttpOptions *http = NULL;
    WCHAR *headers = NULL;
    size_t total = 1;
    HRESULT hr;
    int i, rc;

    if (!(args->npos == 2 && bgcli_is_null_word(args->pos[1]))) {
        for (i = 1; i < args->npos; i++) {
            if (!wcschr(args->pos[i], L':'))
                return bad_word(args, args->pos[i], L"a header is \"Name: value\"");
            total += wcslen(args->pos[i]) + 2;
        }
        headers = calloc(total, sizeof(WCHAR));
        if (!headers)
            return bgcli_fail_hr(mgr, L"Unable to set the custom headers", E_OUTOFMEMORY);
        for (i = 1; i < args->npos; i++) {
            if (i > 1)
                wcscat(headers, L"\r\n");
            wcscat(headers, args->pos[i]);
        }
    }
    rc = open_http(mgr, args, &IID_IBackgroundCopyJobHttpOptions, (void **)&http, NULL);
    if (rc != BGCLI_EXIT_OK) {
        free(headers);
        return rc;
    }
    hr = IBackgroundCopyJobHttpOptions_SetCustomHeaders(http, headers);
    IBackgroundCopyJobHttpOptions_Release(http);
    free(headers);
    if (FAILED(hr))
        return bgcli_fail_hr(mgr, L"Unable to set the custom headers", hr);
    if (args->npos == 2 && bgcli_is_null_word(args->pos[1]))
        bgcli_printf(L"Custom headers removed.\n");
    else
        bgcli_printf(L"Custom headers set (%d).\n", args->npos - 1);
    return BGCLI_EXIT_OK;
}

/* /getcustomheaders JOB : one header per line; JSON: an array of strings, or null. */
int bgcli_cmd_getcustomheaders(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    IBackgroundCopyJobHttpOptions *http = NULL;
    WCHAR *headers = NULL, *text = NULL, *p;
    struct bgcli_json j;
    GUID id;
    HRESULT hr;
    int rc = open_http(mgr, args, &IID_IBackgroundCopyJobHttpOptions, (void **)&http, &id);

    if (rc != BGCLI_EXIT_OK)
        return rc;
    hr = IBackgroundCopyJobHttpOptions_GetCustomHeaders(http, &headers);
    IBackgroundCopyJobHttpOptions_Release(http);
    if (FAILED(hr)) {
        CoTaskMemFree(headers);
        return bgcli_fail_hr(mgr, L"Unable to get the custom headers", hr);
    }
    /* Text: CRLF between headers becomes one line each; trailing line ends are dropped. */
    text = bgcli_strdup(headers ? headers : L"");
    bgcli_json_init(&j);
    if (headers) {
        WCHAR *copy = bgcli_strdup(headers), *end;
        bgcli_json_open(&j, NULL, L'[');
        for (p = copy; p && *p; p = end) {
            end = p + wcscspn(p, L"\r\n");
            if (*end)
                *end++ = 0;
            if (*p)
                bgcli_json_str(&j, NULL, p);
        }
        bgcli_json_close(&j, L']');
        free(copy);
    } else {
        bgcli_json_null(&j, NULL);
    }
    if (text) {
        size_t n = wcslen(text), r, w;
        for (r = w = 0; r < n; r++)
            if (text[r] != L'\r')
                text[w++] = text[r];
        while (w > 0 && text[w - 1] == L'\n')
            w--;
        text[w] = 0;
    }
    if (!text || !bgcli_json_text(&j)) {
        rc = bgcli_fail_hr(mgr, L"Unable to get the custom headers", E_OUTOFMEMORY);
    } else if (!headers && !(args->opts & BGCLI_OPT_JSON)) {
        /* No headers: nothing at all on stdout (an empty line would read as one empty header). */
    } else {
        bgcli_print_result(args, &id, L"customHeaders", text, bgcli_json_text(&j));
    }
    bgcli_json_free(&j);
    free(text);
    CoTaskMemFree(headers);
    return rc;
}

/* /sethttpmethod JOB METHOD */
int bgcli_cmd_sethttpmethod(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    IBackgroundCopyJobHttpOptions2 *http = NULL;
    HRESULT hr;
    int rc = open_http(mgr, args, &IID_IBackgroundCopyJobHttpOptions2, (void **)&http, NULL);

    if (rc != BGCLI_EXIT_OK)
        return rc;
    hr = IBackgroundCopyJobHttpOptions2_SetHttpMethod(http, args->pos[1]);
    IBackgroundCopyJobHttpOptions2_Release(http);
    if (FAILED(hr))
        return bgcli_fail_hr(mgr, L"Unable to set the HTTP method", hr);
    bgcli_printf(L"HTTP method set to %ls.\n", args->pos[1]);
    return BGCLI_EXIT_OK;
}

/* /gethttpmethod JOB */
int bgcli_cmd_gethttpmethod(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    IBackgroundCopyJobHttpOptions2 *http = NULL;
    WCHAR *method = NULL, *json;
    GUID id;
    HRESULT hr;
    int rc = open_http(mgr, args, &IID_IBackgroundCopyJobHttpOptions2, (void **)&http, &id);

    if (rc != BGCLI_EXIT_OK)
        return rc;
    hr = IBackgroundCopyJobHttpOptions2_GetHttpMethod(http, &method);
    IBackgroundCopyJobHttpOptions2_Release(http);
    if (FAILED(hr)) {
        CoTaskMemFree(method);
        return bgcli_fail_hr(mgr, L"Unable to get the HTTP method", hr);
    }
    json = bgcli_json_quote(method);
    if (json)
        bgcli_print_result(args, &id, L"httpMethod", method ? method : L"", json);
    else
        rc = bgcli_fail_hr(mgr, L"Unable to get the HTTP method", E_OUTOFMEMORY);
    free(json);
    CoTaskMemFree(method);
    return rc;
}
