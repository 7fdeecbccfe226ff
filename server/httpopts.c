/*
 * httpopts.c - IBackgroundCopyJobHttpOptions, HttpOptions2 and HttpOptions3 of the job object
 * (its vtable; job.c embeds the interface), and the proxy and credential methods of
 * IBackgroundCopyJob / IBackgroundCopyJob2 (job.c forwards them here).
 *
 * Invariants:
 *  1. Every method validates its arguments in UTF-16 terms (the limits of bits-behavior 2.2,
 *     2.3, 2.10), converts, calls one bgc_ function and maps with hresult_from_bgc().
 *  2. Secrets (passwords, custom headers) are never traced (X16): traces show pointers and
 *     lengths only, and converted passwords are wiped before they are freed.
 *  3. The client-certificate store and certificate are looked up here, at Set time (store
 *     missing -> HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND), certificate missing ->
 *     CRYPT_E_NOT_FOUND); jobs/ only stores the reference (location, store, SHA-1 hash).
 *  4. Out pointers are NULLed on entry; strings and the hash come from CoTaskMemAlloc.
 */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "server.h"

#include <wincrypt.h>

#define HR_NULL_REF HRESULT_FROM_WIN32(RPC_X_NULL_REF_POINTER)
#define HR_BAD_STUB HRESULT_FROM_WIN32(RPC_X_BAD_STUB_DATA)

#ifndef BG_E_USERNAME_TOO_LARGE
#define BG_E_USERNAME_TOO_LARGE ((HRESULT)0x80200025)
#endif
#ifndef BG_E_PASSWORD_TOO_LARGE
#define BG_E_PASSWORD_TOO_LARGE ((HRESULT)0x80200026)
#endif
#ifndef BG_E_PROXY_LIST_TOO_LARGE
#define BG_E_PROXY_LIST_TOO_LARGE ((HRESULT)0x80200018)
#endif
#ifndef BG_E_PROXY_BYPASS_LIST_TOO_LARGE
#define BG_E_PROXY_BYPASS_LIST_TOO_LARGE ((HRESULT)0x80200019)
#endif

/* Zeroes a UTF-8 secret and frees it (malloc'd by strconv). */
static void wipe_free(char *s)
{
    if (s) {
        SecureZeroMemory(s, strlen(s));
        free(s);
    }
}

/* Converts an optional string (NULL stays NULL) with a UTF-16 length limit. */
static HRESULT opt_utf8(const WCHAR *src, size_t max_units, HRESULT too_long, char **out)
{
    *out = NULL;
    if (!src)
        return S_OK;
    return strconv_utf8_from_wide(src, max_units, too_long, out);
}

/* ---- IBackgroundCopyJob proxy settings ------------------------------------------------- */

HRESULT httpopts_set_proxy(struct bgc_job *core, BG_JOB_PROXY_USAGE usage, const WCHAR *list, const WCHAR *bypass)
{
    char *l = NULL, *b = NULL;
    HRESULT hr;

    TRACE("%p, usage %d, list %p, bypass %p", (void *)core, (int)usage, (void *)list, (void *)bypass);
    if ((unsigned)usage > BG_JOB_PROXY_USAGE_AUTODETECT)
        return E_NOTIMPL; /* G4 */
    hr = opt_utf8(list, BGC_MAX_PROXY_LIST, BG_E_PROXY_LIST_TOO_LARGE, &l);
    if (SUCCEEDED(hr))
        hr = opt_utf8(bypass, BGC_MAX_PROXY_LIST, BG_E_PROXY_BYPASS_LIST_TOO_LARGE, &b);
    if (SUCCEEDED(hr))
        hr = hresult_from_bgc(bgc_job_set_proxy(core, (int)usage, l, b));
    free(l);
    free(b);
    return hr;
}

HRESULT httpopts_get_proxy(struct bgc_job *core, BG_JOB_PROXY_USAGE *usage, LPWSTR *list, LPWSTR *bypass)
{
    char *l = NULL, *b = NULL;
    int u = 0;
    HRESULT hr;

    TRACE("%p, %p, %p, %p", (void *)core, (void *)usage, (void *)list, (void *)bypass);
    if (list)
        *list = NULL;
    if (bypass)
        *bypass = NULL;
    if (!usage || !list || !bypass)
        return E_INVALIDARG;
    hr = hresult_from_bgc(bgc_job_get_proxy(core, &u, &l, &b));
    if (SUCCEEDED(hr) && l)
        hr = strconv_cotask_from_utf8(l, list);
    if (SUCCEEDED(hr) && b)
        hr = strconv_cotask_from_utf8(b, bypass);
    if (FAILED(hr)) {
        CoTaskMemFree(*list);
        *list = NULL;
    } else {
        *usage = (BG_JOB_PROXY_USAGE)u;
    }
    bgc_free(l);
    bgc_free(b);
    return hr;
}

/* ---- IBackgroundCopyJob2 credentials ------------------------------------------------------ */

HRESULT httpopts_set_credentials(struct bgc_job *core, BG_AUTH_CREDENTIALS *cred)
{
    const WCHAR *user, *password;
    char *u = NULL, *p = NULL;
    HRESULT hr;

    /* X16: target and scheme only, never the user name or the password. */
    TRACE("%p, %p", (void *)core, (void *)cred);
    if (!cred)
        return E_INVALIDARG;
    TRACE("  target %d, scheme %d", (int)cred->Target, (int)cred->Scheme);
    if (cred->Target != BG_AUTH_TARGET_SERVER && cred->Target != BG_AUTH_TARGET_PROXY)
        return hresult_from_bgc(BGC_E_INVALID_AUTH_TARGET);
    if (cred->Scheme < BG_AUTH_SCHEME_BASIC || cred->Scheme > BG_AUTH_SCHEME_PASSPORT)
        return hresult_from_bgc(BGC_E_INVALID_AUTH_SCHEME);
    user = cred->Credentials.Basic.UserName;
    password = cred->Credentials.Basic.Password;
    hr = opt_utf8(user, BGC_MAX_USERNAME, BG_E_USERNAME_TOO_LARGE, &u);
    if (SUCCEEDED(hr))
        hr = opt_utf8(password, BGC_MAX_PASSWORD, BG_E_PASSWORD_TOO_LARGE, &p);
    if (SUCCEEDED(hr))
        hr = hresult_from_bgc(bgc_job_set_credentials(core, (int)cred->Target, (int)cred->Scheme, u, p));
    wipe_free(u);
    wipe_free(p);
    return hr;
}

HRESULT httpopts_remove_credentials(struct bgc_job *core, BG_AUTH_TARGET target, BG_AUTH_SCHEME scheme)
{
    int removed = 0;
    HRESULT hr;

    TRACE("%p, %d, %d", (void *)core, (int)target, (int)scheme);
    hr = hresult_from_bgc(bgc_job_remove_credentials(core, (int)target, (int)scheme, &removed));
    return hr == S_OK && !removed ? S_FALSE : hr;
}

/* ---- Client certificates (invariant 3) ------------------------------------------------------ */

static const DWORD store_flags[8] = {
    CERT_SYSTEM_STORE_CURRENT_USER,
    CERT_SYSTEM_STORE_LOCAL_MACHINE,
    CERT_SYSTEM_STORE_CURRENT_SERVICE,
    CERT_SYSTEM_STORE_SERVICES,
    CERT_SYSTEM_STORE_USERS,
    CERT_SYSTEM_STORE_CURRENT_USER_GROUP_POLICY,
    CERT_SYSTEM_STORE_LOCAL_MACHINE_GROUP_POLICY,
    CERT_SYSTEM_STORE_LOCAL_MACHINE_ENTERPRISE,
};

static HRESULT open_store(BG_CERT_STORE_LOCATION location, const WCHAR *name, HCERTSTORE *out)
{
    DWORD e;

    *out = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0,
                         store_flags[location] | CERT_STORE_OPEN_EXISTING_FLAG | CERT_STORE_READONLY_FLAG, name);
    if (*out)
        return S_OK;
    e = GetLastError();
    if (e == ERROR_ACCESS_DENIED)
        return E_ACCESSDENIED;
    if (e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND || e == 0 || (HRESULT)e == CRYPT_E_NOT_FOUND)
        return HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND);
    return HRESULT_FROM_WIN32(e);
}

/* Checks the shared arguments of ByID and ByName and the job's state (G3: a final job refuses
 * the setter before any certificate store is opened); converts the store name. */
static HRESULT check_cert_args(struct bgc_job *core, BG_CERT_STORE_LOCATION location, const WCHAR *store,
                               char **store8)
{
    enum bgc_state state = bgc_job_get_state(core);

    *store8 = NULL;
    if ((unsigned)location > BG_CERT_STORE_LOCATION_LOCAL_MACHINE_ENTERPRISE)
        return E_NOTIMPL; /* G4 */
    if (!store)
        return HR_NULL_REF;
    if (!store[0])
        return E_INVALIDARG;
    if (state == BGC_STATE_ACKNOWLEDGED || state == BGC_STATE_CANCELLED)
        return BG_E_INVALID_STATE; /* G3 */
    return strconv_utf8_from_wide(store, BGC_MAX_CERT_NAME, BG_E_STRING_TOO_LONG, store8);
}

static HRESULT WINAPI HttpOptions_SetClientCertificateByID(IBackgroundCopyJobHttpOptions3 *iface,
                                                           BG_CERT_STORE_LOCATION location, LPCWSTR store,
                                                           BYTE *hash)
{
    struct bgc_job *core = BgCopyJob_core_from_httpopts(iface);
    CRYPT_HASH_BLOB blob;
    const CERT_CONTEXT *cert;
    HCERTSTORE hs;
    char *store8;
    HRESULT hr;

    /* X16: certificate references are not logged (store name, hash). */
    TRACE("%p, %d, %p, %p", (void *)core, (int)location, (void *)store, (void *)hash);
    hr = check_cert_args(core, location, store, &store8);
    if (FAILED(hr))
        return hr;
    if (!hash) {
        free(store8);
        return HR_NULL_REF;
    }
    hr = open_store(location, store, &hs);
    if (SUCCEEDED(hr)) {
        blob.cbData = BGC_CERT_HASH_BYTES;
        blob.pbData = hash;
        cert = CertFindCertificateInStore(hs, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, 0, CERT_FIND_SHA1_HASH,
                                          &blob, NULL);
        if (cert)
            CertFreeCertificateContext(cert);
        else
            hr = CRYPT_E_NOT_FOUND;
        CertCloseStore(hs, 0);
    }
    if (SUCCEEDED(hr))
        hr = hresult_from_bgc(bgc_job_set_client_cert(core, (unsigned)location, store8, hash, NULL));
    free(store8);
    return hr;
}

/* TRUE when the certificate may authenticate a client (no EKU at all, or client auth). */
static BOOL usable_for_client_auth(const CERT_CONTEXT *cert)
{
    DWORD size = 0;
    CERT_ENHKEY_USAGE *usage;
    BOOL ok = FALSE;

    if (!CertGetEnhancedKeyUsage(cert, 0, NULL, &size))
        return GetLastError() == (DWORD)CRYPT_E_NOT_FOUND; /* no EKU: any use */
    if (!(usage = malloc(size)))
        return FALSE;
    if (CertGetEnhancedKeyUsage(cert, 0, usage, &size)) {
        if (usage->cUsageIdentifier == 0)
            ok = GetLastError() == (DWORD)CRYPT_E_NOT_FOUND;
        for (DWORD i = 0; i < usage->cUsageIdentifier && !ok; i++)
            ok = !strcmp(usage->rgpszUsageIdentifier[i], szOID_PKIX_KP_CLIENT_AUTH);
    }
    free(usage);
    return ok;
}

static HRESULT WINAPI HttpOptions_SetClientCertificateByName(IBackgroundCopyJobHttpOptions3 *iface,
                                                             BG_CERT_STORE_LOCATION location, LPCWSTR store,
                                                             LPCWSTR subject)
{
    struct bgc_job *core = BgCopyJob_core_from_httpopts(iface);
    const CERT_CONTEXT *cert = NULL;
    unsigned char hash[BGC_CERT_HASH_BYTES];
    DWORD hash_size = sizeof(hash);
    char *store8 = NULL, *subject8 = NULL;
    HCERTSTORE hs;
    HRESULT hr;

    TRACE("%p, %d, %p, %p", (void *)core, (int)location, (void *)store, (void *)subject); /* X16 */
    hr = check_cert_args(core, location, store, &store8);
    if (SUCCEEDED(hr) && !subject)
        hr = HR_NULL_REF;
    if (SUCCEEDED(hr) && !subject[0])
        hr = E_INVALIDARG;
    if (SUCCEEDED(hr))
        hr = strconv_utf8_from_wide(subject, BGC_MAX_CERT_NAME, BG_E_STRING_TOO_LONG, &subject8);
    if (SUCCEEDED(hr))
        hr = open_store(location, store, &hs);
    if (SUCCEEDED(hr)) {
        /* The first certificate whose subject contains the text and that may be used for
         * client authentication (bits-behavior 2.10). */
        while ((cert = CertFindCertificateInStore(hs, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, 0,
                                                  CERT_FIND_SUBJECT_STR_W, subject, cert)))
            if (usable_for_client_auth(cert))
                break;
        if (!cert)
            hr = CRYPT_E_NOT_FOUND;
        else if (!CertGetCertificateContextProperty(cert, CERT_SHA1_HASH_PROP_ID, hash, &hash_size) ||
                 hash_size != sizeof(hash))
            hr = HRESULT_FROM_WIN32(GetLastError());
        if (cert)
            CertFreeCertificateContext(cert);
        CertCloseStore(hs, 0);
    }
    if (SUCCEEDED(hr))
        hr = hresult_from_bgc(bgc_job_set_client_cert(core, (unsigned)location, store8, hash, subject8));
    free(store8);
    free(subject8);
    return hr;
}

static HRESULT WINAPI HttpOptions_RemoveClientCertificate(IBackgroundCopyJobHttpOptions3 *iface)
{
    struct bgc_job *core = BgCopyJob_core_from_httpopts(iface);
    int removed = 0;
    HRESULT hr;

    TRACE("%p", (void *)core);
    hr = hresult_from_bgc(bgc_job_remove_client_cert(core, &removed));
    return hr == S_OK && !removed ? S_FALSE : hr;
}

static HRESULT WINAPI HttpOptions_GetClientCertificate(IBackgroundCopyJobHttpOptions3 *iface,
                                                       BG_CERT_STORE_LOCATION *location, LPWSTR *store,
                                                       BYTE **hash, LPWSTR *subject)
{
    struct bgc_job *core = BgCopyJob_core_from_httpopts(iface);
    unsigned char h[BGC_CERT_HASH_BYTES];
    char *store8 = NULL, *subject8 = NULL;
    unsigned loc = 0;
    int present = 0;
    HRESULT hr;

    TRACE("%p, %p, %p, %p, %p", (void *)core, (void *)location, (void *)store, (void *)hash, (void *)subject);
    if (!location || !store || !hash || !subject)
        return HR_NULL_REF;
    *store = NULL;
    *hash = NULL;
    *subject = NULL;
    hr = hresult_from_bgc(bgc_job_get_client_cert(core, &present, &loc, &store8, h, &subject8));
    if (SUCCEEDED(hr) && !present)
        hr = HR_BAD_STUB; /* none set (bits-behavior 2.10) */
    if (SUCCEEDED(hr))
        hr = strconv_cotask_from_utf8(store8, store);
    if (SUCCEEDED(hr) && subject8[0])
        hr = strconv_cotask_from_utf8(subject8, subject);
    if (SUCCEEDED(hr) && !(*hash = CoTaskMemAlloc(sizeof(h))))
        hr = E_OUTOFMEMORY;
    if (SUCCEEDED(hr)) {
        memcpy(*hash, h, sizeof(h));
        *location = (BG_CERT_STORE_LOCATION)loc;
    } else {
        CoTaskMemFree(*store);
        CoTaskMemFree(*subject);
        *store = *subject = NULL;
    }
    bgc_free(store8);
    bgc_free(subject8);
    return hr;
}

/* ---- Custom headers, security flags -------------------------------------------------------- */

static HRESULT WINAPI HttpOptions_SetCustomHeaders(IBackgroundCopyJobHttpOptions3 *iface, LPCWSTR headers)
{
    struct bgc_job *core = BgCopyJob_core_from_httpopts(iface);
    char *h8 = NULL;
    HRESULT hr;

    /* Custom headers may hold secrets: never trace their content (X16). */
    TRACE("%p, %p (%lu chars)", (void *)core, (void *)headers, headers ? (unsigned long)wcslen(headers) : 0ul);
    hr = opt_utf8(headers, BGC_MAX_CUSTOM_HEADERS, BG_E_STRING_TOO_LONG, &h8);
    if (SUCCEEDED(hr))
        hr = hresult_from_bgc(bgc_job_set_custom_headers(core, h8));
    wipe_free(h8);
    return hr;
}

static HRESULT WINAPI HttpOptions_GetCustomHeaders(IBackgroundCopyJobHttpOptions3 *iface, LPWSTR *headers)
{
    struct bgc_job *core = BgCopyJob_core_from_httpopts(iface);
    char *h8 = NULL;
    HRESULT hr;

    TRACE("%p, %p", (void *)core, (void *)headers);
    if (!headers)
        return HR_NULL_REF;
    *headers = NULL;
    hr = hresult_from_bgc(bgc_job_get_custom_headers(core, &h8));
    if (SUCCEEDED(hr) && !h8)
        return S_FALSE; /* none set */
    if (SUCCEEDED(hr))
        hr = strconv_cotask_from_utf8(h8, headers);
    if (h8) {
        SecureZeroMemory(h8, strlen(h8));
        bgc_free(h8);
    }
    return hr;
}

static HRESULT WINAPI HttpOptions_SetSecurityFlags(IBackgroundCopyJobHttpOptions3 *iface, ULONG flags)
{
    struct bgc_job *core = BgCopyJob_core_from_httpopts(iface);

    TRACE("%p, %#lx", (void *)core, (unsigned long)flags);
    return hresult_from_bgc(bgc_job_set_security_flags(core, flags));
}

static HRESULT WINAPI HttpOptions_GetSecurityFlags(IBackgroundCopyJobHttpOptions3 *iface, ULONG *flags)
{
    struct bgc_job *core = BgCopyJob_core_from_httpopts(iface);

    TRACE("%p, %p", (void *)core, (void *)flags);
    if (!flags)
        return HR_NULL_REF;
    *flags = bgc_job_get_security_flags(core);
    return S_OK;
}

/* ---- HttpOptions2 ----------------------------------------------------------------------- */

static HRESULT WINAPI HttpOptions_SetHttpMethod(IBackgroundCopyJobHttpOptions3 *iface, LPCWSTR method)
{
    struct bgc_job *core = BgCopyJob_core_from_httpopts(iface);
    char *m8 = NULL;
    HRESULT hr;

    TRACE("%p, %s", (void *)core, debugstr_w(method));
    if (!method)
        return E_INVALIDARG;
    hr = strconv_utf8_from_wide(method, 0, E_INVALIDARG, &m8);
    if (SUCCEEDED(hr))
        hr = hresult_from_bgc(bgc_job_set_http_method(core, m8));
    free(m8);
    return hr;
}

static HRESULT WINAPI HttpOptions_GetHttpMethod(IBackgroundCopyJobHttpOptions3 *iface, LPWSTR *method)
{
    struct bgc_job *core = BgCopyJob_core_from_httpopts(iface);
    char *m8 = NULL;
    HRESULT hr;

    TRACE("%p, %p", (void *)core, (void *)method);
    if (!method)
        return E_INVALIDARG;
    *method = NULL;
    hr = hresult_from_bgc(bgc_job_get_http_method(core, &m8));
    if (SUCCEEDED(hr))
        hr = strconv_cotask_from_utf8(m8, method);
    bgc_free(m8);
    return hr;
}

/* ---- HttpOptions3 ----------------------------------------------------------------------- */

/* The jobs/ validator behind SetServerCertificateValidationInterface: one callback reference
 * per set, released by jobs/ when it drops the validator. */
struct cert_callback {
    IBackgroundCopyServerCertificateValidationCallback *cb; /* one reference */
};

/* jobs/' worker thread calls this (bgc_cert_validator), never the engine thread (jobs/
 * httpopts.c invariant 7): only this job waits while the client answers. The thread enters
 * the MTA for the call and leaves it after (balanced, also when it already is in it). */
static int cert_validate(void *ctx, struct bgc_job *core, size_t index, const unsigned char *der, size_t len,
                         int *detail)
{
    struct cert_callback *c = ctx;
    IBackgroundCopyJob *job = NULL;
    IBackgroundCopyFile *file = NULL;
    CRYPT_DATA_BLOB blob = {0, NULL};
    HCERTSTORE store;
    HRESULT hr, init;

    init = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    /* certStoreData: a serialized store with the server's certificate (what we have of its
     * chain through libcurl). */
    store = CertOpenStore(CERT_STORE_PROV_MEMORY, 0, 0, 0, NULL);
    if (store && CertAddEncodedCertificateToStore(store, X509_ASN_ENCODING, der, (DWORD)len, CERT_STORE_ADD_ALWAYS,
                                                  NULL) &&
        CertSaveStore(store, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, CERT_STORE_SAVE_AS_STORE,
                      CERT_STORE_SAVE_TO_MEMORY, &blob, 0) &&
        (blob.pbData = malloc(blob.cbData)) &&
        !CertSaveStore(store, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, CERT_STORE_SAVE_AS_STORE,
                       CERT_STORE_SAVE_TO_MEMORY, &blob, 0)) {
        free(blob.pbData);
        blob.pbData = NULL;
        blob.cbData = 0;
    }
    if (!blob.pbData)
        blob.cbData = 0;
    if (store)
        CertCloseStore(store, 0);
    hr = BgCopyJob_create(core, &job);
    if (SUCCEEDED(hr))
        hr = BgCopyFile_create(core, index, &file);
    if (SUCCEEDED(hr)) {
        TRACE("job %p file %lu: ValidateServerCertificate (%lu bytes)", (void *)core, (unsigned long)index,
              (unsigned long)len);
        hr = IBackgroundCopyServerCertificateValidationCallback_ValidateServerCertificate(
            c->cb, job, file, (DWORD)len, der, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, blob.cbData,
            blob.pbData ? blob.pbData : (BYTE *)"");
        TRACE("  -> %08lx", (unsigned long)hr);
    }
    if (file)
        IBackgroundCopyFile_Release(file);
    if (job)
        IBackgroundCopyJob_Release(job);
    free(blob.pbData);
    if (SUCCEEDED(init))
        CoUninitialize();
    *detail = (int)hr;
    if (hr == S_OK)
        return BGC_OK;
    return notify_is_disconnected(hr) ? BGC_E_CERT_VALIDATOR_GONE : BGC_E_CERT_REJECTED;
}

/* Runs on an API thread or jobs/' worker thread (never the engine's): enters the MTA for
 * the Release if the thread has no apartment. */
static void cert_release(void *ctx)
{
    struct cert_callback *c = ctx;
    HRESULT init = CoInitializeEx(NULL, COINIT_MULTITHREADED);

    IBackgroundCopyServerCertificateValidationCallback_Release(c->cb);
    if (SUCCEEDED(init))
        CoUninitialize();
    free(c);
}

static HRESULT WINAPI HttpOptions_SetServerCertificateValidationInterface(IBackgroundCopyJobHttpOptions3 *iface,
                                                                         IUnknown *callback)
{
    struct bgc_job *core = BgCopyJob_core_from_httpopts(iface);
    struct bgc_cert_validator v;
    struct cert_callback *c;
    HRESULT hr;
    int rc;

    TRACE("%p, %p", (void *)core, (void *)callback);
    if (!callback)
        return hresult_from_bgc(bgc_job_set_cert_validator(core, NULL));
    if (!(c = calloc(1, sizeof(*c))))
        return E_OUTOFMEMORY;
    hr = IUnknown_QueryInterface(callback, &IID_IBackgroundCopyServerCertificateValidationCallback, (void **)&c->cb);
    if (FAILED(hr) || !c->cb) {
        free(c);
        return E_NOINTERFACE; /* 2.10 */
    }
    v.validate = cert_validate;
    v.release = cert_release;
    v.ctx = c;
    rc = bgc_job_set_cert_validator(core, &v);
    if (rc != BGC_OK)
        cert_release(c); /* jobs/ did not take it */
    return hresult_from_bgc(rc);
}

static HRESULT WINAPI HttpOptions_MakeCustomHeadersWriteOnly(IBackgroundCopyJobHttpOptions3 *iface)
{
    struct bgc_job *core = BgCopyJob_core_from_httpopts(iface);

    TRACE("%p", (void *)core);
    return hresult_from_bgc(bgc_job_make_custom_headers_write_only(core));
}

/* ---- IUnknown (forwarded to the job object) and the vtable --------------------------------- */

static HRESULT WINAPI HttpOptions_QueryInterface(IBackgroundCopyJobHttpOptions3 *iface, REFIID riid, void **ppv)
{
    IBackgroundCopyJob5 *job = BgCopyJob_from_httpopts(iface);
    return IBackgroundCopyJob5_QueryInterface(job, riid, ppv);
}

static ULONG WINAPI HttpOptions_AddRef(IBackgroundCopyJobHttpOptions3 *iface)
{
    return IBackgroundCopyJob5_AddRef(BgCopyJob_from_httpopts(iface));
}

static ULONG WINAPI HttpOptions_Release(IBackgroundCopyJobHttpOptions3 *iface)
{
    return IBackgroundCopyJob5_Release(BgCopyJob_from_httpopts(iface));
}

const IBackgroundCopyJobHttpOptions3Vtbl BgCopyJob_HttpOptions_vtbl = {
    HttpOptions_QueryInterface,
    HttpOptions_AddRef,
    HttpOptions_Release,
    HttpOptions_SetClientCertificateByID,
    HttpOptions_SetClientCertificateByName,
    HttpOptions_RemoveClientCertificate,
    HttpOptions_GetClientCertificate,
    HttpOptions_SetCustomHeaders,
    HttpOptions_GetCustomHeaders,
    HttpOptions_SetSecurityFlags,
    HttpOptions_GetSecurityFlags,
    HttpOptions_SetHttpMethod,
    HttpOptions_GetHttpMethod,
    HttpOptions_SetServerCertificateValidationInterface,
    HttpOptions_MakeCustomHeadersWriteOnly,
};

/* ---- IBackgroundCopyJob5 USE_STORED_CREDENTIALS (a row of job_props.c) -------------------- */

HRESULT httpopts_prop_set_stored_credentials(struct bgc_job *core, const BITS_JOB_PROPERTY_VALUE *value)
{
    TRACE("%p, target %d", (void *)core, (int)value->Target);
    return hresult_from_bgc(bgc_job_set_use_stored_credentials(core, (unsigned)value->Target));
}

HRESULT httpopts_prop_get_stored_credentials(struct bgc_job *core, BITS_JOB_PROPERTY_VALUE *value)
{
    value->Target = (BG_AUTH_TARGET)bgc_job_get_use_stored_credentials(core);
    return S_OK;
}
