/*
 * test_httpopts_api.c - the setters and getters of the HTTP options, credentials and proxy
 * settings of a job (jobs/httpopts.c, creds.c, proxy.c) without transfers: defaults, limits,
 * documented errors, and what TakeOwnership and final states do to them (bits-behavior 2.2,
 * 2.3, 2.10, X5, X7, X8).
 */
#include "test_engine_fixture.h"

static char *repeat(char c, size_t n)
{
    char *s = malloc(n + 1);
    assert_non_null(s);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

static struct bgc_job *new_job(struct fx *f)
{
    return fx_new_job_v(f, "httpopts", 0, NULL);
}

/* 2.10 SetCustomHeaders / GetCustomHeaders: none -> NULL, set, replace, NULL removes. */
static void custom_headers_set_get_remove(void **state)
{
    struct bgc_job *job = new_job(*state);
    char *out = (char *)1;

    assert_int_equal(bgc_job_get_custom_headers(job, &out), BGC_OK);
    assert_null(out);
    assert_int_equal(bgc_job_set_custom_headers(job, "X-A: 1\r\nX-B: 2\r\n"), BGC_OK);
    assert_int_equal(bgc_job_get_custom_headers(job, &out), BGC_OK);
    assert_string_equal(out, "X-A: 1\r\nX-B: 2\r\n");
    bgc_free(out);
    assert_int_equal(bgc_job_set_custom_headers(job, NULL), BGC_OK);
    assert_int_equal(bgc_job_get_custom_headers(job, &out), BGC_OK);
    assert_null(out);
}

/* 2.10: at most 16,384 characters including the NUL. */
static void custom_headers_limit_is_16383_characters(void **state)
{
    struct bgc_job *job = new_job(*state);
    char *ok = repeat('a', BGC_MAX_CUSTOM_HEADERS), *big = repeat('a', BGC_MAX_CUSTOM_HEADERS + 1);

    assert_int_equal(bgc_job_set_custom_headers(job, ok), BGC_OK);
    assert_int_equal(bgc_job_set_custom_headers(job, big), BGC_E_STRING_TOO_LONG);
    free(ok);
    free(big);
}

/* 2.10 HttpOptions3 MakeCustomHeadersWriteOnly: irreversible; the getter refuses. */
static void custom_headers_write_only_is_irreversible(void **state)
{
    struct bgc_job *job = new_job(*state);
    char *out = NULL;

    assert_int_equal(bgc_job_set_custom_headers(job, "X-Secret: 1\r\n"), BGC_OK);
    assert_int_equal(bgc_job_make_custom_headers_write_only(job), BGC_OK);
    assert_int_equal(bgc_job_get_custom_headers(job, &out), BGC_E_WRITE_ONLY);
    assert_null(out);
    assert_int_equal(bgc_job_set_custom_headers(job, "X-Other: 2\r\n"), BGC_OK);
    assert_int_equal(bgc_job_get_custom_headers(job, &out), BGC_E_WRITE_ONLY);
    assert_int_equal(bgc_job_make_custom_headers_write_only(job), BGC_OK);
}

/* 2.10 SetSecurityFlags: default 0, unknown bits and policies -> unsupported (E_NOTIMPL). */
static void security_flags_default_and_validation(void **state)
{
    struct bgc_job *job = new_job(*state);
    unsigned all = 0x1F | BGC_REDIRECT_DISALLOW | BGC_REDIRECT_ALLOW_HTTPS_TO_HTTP;

    assert_int_equal(bgc_job_get_security_flags(job), 0);
    assert_int_equal(bgc_job_set_security_flags(job, 0x20), BGC_E_UNSUPPORTED_VALUE);
    assert_int_equal(bgc_job_set_security_flags(job, 0x1000), BGC_E_UNSUPPORTED_VALUE);
    assert_int_equal(bgc_job_set_security_flags(job, 0x300), BGC_E_UNSUPPORTED_VALUE);
    assert_int_equal(bgc_job_get_security_flags(job), 0);
    assert_int_equal(bgc_job_set_security_flags(job, all), BGC_OK);
    assert_int_equal(bgc_job_get_security_flags(job), all);
    assert_int_equal(bgc_job_set_security_flags(job, BGC_REDIRECT_ALLOW_REPORT), BGC_OK);
    assert_int_equal(bgc_job_get_security_flags(job), BGC_REDIRECT_ALLOW_REPORT);
}

/* 2.10 HttpOptions2: default GET; a custom method forces FOREGROUND and locks the priority;
 * GET is a no-op. */
static void http_method_forces_and_locks_foreground(void **state)
{
    struct bgc_job *job = new_job(*state);
    char *m = NULL;

    assert_int_equal(bgc_job_get_http_method(job, &m), BGC_OK);
    assert_string_equal(m, "GET");
    bgc_free(m);
    assert_int_equal(bgc_job_set_http_method(job, "GET"), BGC_OK);
    assert_int_equal(bgc_job_set_priority(job, BGC_PRIO_LOW), BGC_OK); /* GET locks nothing */
    assert_int_equal(bgc_job_set_http_method(job, "BAD METHOD"), BGC_E_INVALIDARG);
    assert_int_equal(bgc_job_set_http_method(job, ""), BGC_E_INVALIDARG);
    assert_int_equal(bgc_job_set_http_method(job, "POST"), BGC_OK);
    assert_int_equal(bgc_job_get_priority(job), BGC_PRIO_FOREGROUND);
    assert_int_equal(bgc_job_set_priority(job, BGC_PRIO_HIGH), BGC_E_NOT_SUPPORTED_WITH_CUSTOM_HTTP_METHOD);
    assert_int_equal(bgc_job_get_priority(job), BGC_PRIO_FOREGROUND);
    assert_int_equal(bgc_job_set_http_method(job, "GET"), BGC_OK); /* no-op: stays POST */
    assert_int_equal(bgc_job_get_http_method(job, &m), BGC_OK);
    assert_string_equal(m, "POST");
    bgc_free(m);
}

/* 2.10 HttpOptions2: only before the first Resume. */
static void http_method_only_before_first_resume(void **state)
{
    struct fx *f = *state;
    char url[512];
    const char *pairs[2] = {fx_url("/gen/1000", url, sizeof(url)), "m.bin"};
    struct bgc_job *job = fx_new_job_v(f, "method", 1, pairs);

    assert_int_equal(bgc_job_resume(job), BGC_OK);
    assert_int_equal(bgc_job_suspend(job), BGC_OK);
    assert_int_equal(bgc_job_set_http_method(job, "PUT"), BGC_E_INVALID_STATE);
    assert_int_equal(bgc_job_set_http_method(job, "GET"), BGC_OK);
}

/* 2.10 HttpOptions2: refused on DYNAMIC_CONTENT and ON_DEMAND_MODE jobs. */
static void http_method_refused_with_dynamic_or_on_demand(void **state)
{
    struct bgc_job *dyn = new_job(*state), *od = new_job(*state);

    assert_int_equal(bgc_job_set_dynamic_content(dyn, 1), BGC_OK);
    assert_int_equal(bgc_job_set_http_method(dyn, "POST"), BGC_E_NOT_SUPPORTED_WITH_CUSTOM_HTTP_METHOD);
    assert_int_equal(bgc_job_set_on_demand(od, 1), BGC_OK);
    assert_int_equal(bgc_job_set_http_method(od, "POST"), BGC_E_NOT_SUPPORTED_WITH_CUSTOM_HTTP_METHOD);
    assert_int_equal(bgc_job_set_http_method(od, "GET"), BGC_OK); /* the default: a no-op */
}

/* 2.10 client certificate: location enum, name limits, set/get/remove. */
static void client_certificate_set_get_remove(void **state)
{
    struct bgc_job *job = new_job(*state);
    unsigned char hash[20], got[20];
    char *store = NULL, *subject = NULL, *big = repeat('s', BGC_MAX_CERT_NAME + 1);
    unsigned loc = 99;
    int present = 7, removed = 7;

    for (int i = 0; i < 20; i++)
        hash[i] = (unsigned char)(i * 13);
    assert_int_equal(bgc_job_get_client_cert(job, &present, &loc, &store, got, &subject), BGC_OK);
    assert_int_equal(present, 0);
    assert_int_equal(bgc_job_remove_client_cert(job, &removed), BGC_OK);
    assert_int_equal(removed, 0);
    assert_int_equal(bgc_job_set_client_cert(job, 8, "MY", hash, NULL), BGC_E_UNSUPPORTED_VALUE);
    assert_int_equal(bgc_job_set_client_cert(job, 0, "", hash, NULL), BGC_E_INVALIDARG);
    assert_int_equal(bgc_job_set_client_cert(job, 0, big, hash, NULL), BGC_E_STRING_TOO_LONG);
    assert_int_equal(bgc_job_set_client_cert(job, 1, "MY", hash, "CN=client"), BGC_OK);
    assert_int_equal(bgc_job_get_client_cert(job, &present, &loc, &store, got, &subject), BGC_OK);
    assert_int_equal(present, 1);
    assert_int_equal(loc, 1);
    assert_string_equal(store, "MY");
    assert_string_equal(subject, "CN=client");
    assert_memory_equal(got, hash, 20);
    bgc_free(store);
    bgc_free(subject);
    assert_int_equal(bgc_job_remove_client_cert(job, &removed), BGC_OK);
    assert_int_equal(removed, 1);
    assert_int_equal(bgc_job_get_client_cert(job, &present, &loc, &store, got, &subject), BGC_OK);
    assert_int_equal(present, 0);
    free(big);
}

/* 2.3 SetCredentials: target/scheme errors, length limits, Basic/Digest need both. */
static void credentials_validation(void **state)
{
    struct bgc_job *job = new_job(*state);
    char *user = repeat('u', BGC_MAX_USERNAME + 1), *pass = repeat('p', BGC_MAX_PASSWORD + 1);

    assert_int_equal(bgc_job_set_credentials(job, 0, 1, "u", "p"), BGC_E_INVALID_AUTH_TARGET);
    assert_int_equal(bgc_job_set_credentials(job, 3, 1, "u", "p"), BGC_E_INVALID_AUTH_TARGET);
    assert_int_equal(bgc_job_set_credentials(job, 1, 0, "u", "p"), BGC_E_INVALID_AUTH_SCHEME);
    assert_int_equal(bgc_job_set_credentials(job, 1, 6, "u", "p"), BGC_E_INVALID_AUTH_SCHEME);
    assert_int_equal(bgc_job_set_credentials(job, 1, BGC_AUTH_SCHEME_PASSPORT, "u", "p"),
                     BGC_E_INVALID_AUTH_SCHEME);
    assert_int_equal(bgc_job_set_credentials(job, 1, 1, user, "p"), BGC_E_USERNAME_TOO_LARGE);
    user[BGC_MAX_USERNAME] = '\0';
    assert_int_equal(bgc_job_set_credentials(job, 1, 1, user, "p"), BGC_OK);
    assert_int_equal(bgc_job_set_credentials(job, 1, 1, "u", pass), BGC_E_PASSWORD_TOO_LARGE);
    pass[BGC_MAX_PASSWORD] = '\0';
    assert_int_equal(bgc_job_set_credentials(job, 1, 1, "u", pass), BGC_OK);
    assert_int_equal(bgc_job_set_credentials(job, 1, BGC_AUTH_SCHEME_BASIC, "u", NULL), BGC_E_INVALIDARG);
    assert_int_equal(bgc_job_set_credentials(job, 2, BGC_AUTH_SCHEME_DIGEST, NULL, "p"), BGC_E_INVALIDARG);
    /* NTLM/Negotiate with NULL/NULL: implicit credentials. */
    assert_int_equal(bgc_job_set_credentials(job, 2, BGC_AUTH_SCHEME_NTLM, NULL, NULL), BGC_OK);
    assert_int_equal(bgc_job_set_credentials(job, 1, BGC_AUTH_SCHEME_NEGOTIATE, NULL, NULL), BGC_OK);
    free(user);
    free(pass);
}

/* 2.3 RemoveCredentials: removed only when that (target, scheme) pair was set. */
static void remove_credentials_reports_absent_pairs(void **state)
{
    struct bgc_job *job = new_job(*state);
    int removed = 7;

    assert_int_equal(bgc_job_remove_credentials(job, 1, 1, &removed), BGC_OK);
    assert_int_equal(removed, 0);
    assert_int_equal(bgc_job_remove_credentials(job, 5, 1, &removed), BGC_E_INVALID_AUTH_TARGET);
    assert_int_equal(bgc_job_set_credentials(job, 1, 2, "u", "p"), BGC_OK);
    assert_int_equal(bgc_job_set_credentials(job, 1, 2, "u2", "p2"), BGC_OK); /* replaces */
    assert_int_equal(bgc_job_remove_credentials(job, 1, 1, &removed), BGC_OK);
    assert_int_equal(removed, 0); /* other scheme */
    assert_int_equal(bgc_job_remove_credentials(job, 2, 2, &removed), BGC_OK);
    assert_int_equal(removed, 0); /* other target */
    assert_int_equal(bgc_job_remove_credentials(job, 1, 2, &removed), BGC_OK);
    assert_int_equal(removed, 1);
    assert_int_equal(bgc_job_remove_credentials(job, 1, 2, &removed), BGC_OK);
    assert_int_equal(removed, 0);
}

/* 2.2 SetProxySettings / GetProxySettings. */
static void proxy_settings_validation_and_defaults(void **state)
{
    struct bgc_job *job = new_job(*state);
    char *list = (char *)1, *bypass = (char *)1, *big = repeat('h', BGC_MAX_PROXY_LIST + 1);
    int usage = 9;

    assert_int_equal(bgc_job_get_proxy(job, &usage, &list, &bypass), BGC_OK);
    assert_int_equal(usage, BGC_PROXY_PRECONFIG);
    assert_null(list);
    assert_null(bypass);
    assert_int_equal(bgc_job_set_proxy(job, 4, NULL, NULL), BGC_E_UNSUPPORTED_VALUE);
    assert_int_equal(bgc_job_set_proxy(job, -1, NULL, NULL), BGC_E_UNSUPPORTED_VALUE);
    assert_int_equal(bgc_job_set_proxy(job, BGC_PROXY_OVERRIDE, NULL, NULL), BGC_E_INVALIDARG);
    assert_int_equal(bgc_job_set_proxy(job, BGC_PROXY_NO_PROXY, "p:1", NULL), BGC_E_INVALIDARG);
    assert_int_equal(bgc_job_set_proxy(job, BGC_PROXY_PRECONFIG, NULL, "<local>"), BGC_E_INVALIDARG);
    assert_int_equal(bgc_job_set_proxy(job, BGC_PROXY_AUTODETECT, "p:1", NULL), BGC_E_INVALIDARG);
    assert_int_equal(bgc_job_set_proxy(job, BGC_PROXY_OVERRIDE, big, NULL), BGC_E_PROXY_LIST_TOO_LARGE);
    assert_int_equal(bgc_job_set_proxy(job, BGC_PROXY_OVERRIDE, "p:1", big), BGC_E_PROXY_BYPASS_LIST_TOO_LARGE);
    big[BGC_MAX_PROXY_LIST] = '\0';
    assert_int_equal(bgc_job_set_proxy(job, BGC_PROXY_OVERRIDE, big, big), BGC_OK);
    /* The syntax is checked at transfer time only. */
    assert_int_equal(bgc_job_set_proxy(job, BGC_PROXY_OVERRIDE, "not a ::: proxy", "<local> *.x"), BGC_OK);
    assert_int_equal(bgc_job_get_proxy(job, &usage, &list, &bypass), BGC_OK);
    assert_int_equal(usage, BGC_PROXY_OVERRIDE);
    assert_string_equal(list, "not a ::: proxy");
    assert_string_equal(bypass, "<local> *.x");
    bgc_free(list);
    bgc_free(bypass);
    assert_int_equal(bgc_job_set_proxy(job, BGC_PROXY_NO_PROXY, NULL, NULL), BGC_OK);
    assert_int_equal(bgc_job_get_proxy(job, &usage, &list, &bypass), BGC_OK);
    assert_int_equal(usage, BGC_PROXY_NO_PROXY);
    assert_null(list);
    assert_null(bypass);
    free(big);
}

/* Job5 USE_STORED_CREDENTIALS: only the proxy target. */
static void use_stored_credentials_only_for_proxy(void **state)
{
    struct bgc_job *job = new_job(*state);

    assert_int_equal(bgc_job_get_use_stored_credentials(job), 0);
    assert_int_equal(bgc_job_set_use_stored_credentials(job, BGC_AUTH_TARGET_SERVER),
                     BGC_E_USE_STORED_CREDENTIALS_NOT_SUPPORTED);
    assert_int_equal(bgc_job_set_use_stored_credentials(job, 3), BGC_E_USE_STORED_CREDENTIALS_NOT_SUPPORTED);
    assert_int_equal(bgc_job_set_use_stored_credentials(job, BGC_AUTH_TARGET_PROXY), BGC_OK);
    assert_int_equal(bgc_job_get_use_stored_credentials(job), BGC_AUTH_TARGET_PROXY);
}

/* X5: TakeOwnership removes credentials, the client certificate and the custom headers. */
static void X5_take_ownership_drops_secrets(void **state)
{
    struct bgc_job *job = new_job(*state);
    unsigned char hash[20] = {1}, got[20];
    char *out = NULL, *store = NULL, *subject = NULL;
    unsigned loc;
    int present = 1, removed = 1;

    assert_int_equal(bgc_job_set_custom_headers(job, "X-Token: 42\r\n"), BGC_OK);
    assert_int_equal(bgc_job_make_custom_headers_write_only(job), BGC_OK);
    assert_int_equal(bgc_job_set_credentials(job, 1, 1, "u", "p"), BGC_OK);
    assert_int_equal(bgc_job_set_client_cert(job, 0, "MY", hash, NULL), BGC_OK);
    assert_int_equal(bgc_job_take_ownership(job, "S-1-5-21-9-9-9-500", 0x3000, 1), BGC_OK);
    assert_int_equal(bgc_job_get_custom_headers(job, &out), BGC_OK);
    assert_null(out);
    assert_int_equal(bgc_job_get_client_cert(job, &present, &loc, &store, got, &subject), BGC_OK);
    assert_int_equal(present, 0);
    assert_int_equal(bgc_job_remove_credentials(job, 1, 1, &removed), BGC_OK);
    assert_int_equal(removed, 0);
}

/* G3: final jobs refuse every setter of this area; getters still answer. */
static void G3_final_job_refuses_http_option_setters(void **state)
{
    struct bgc_job *job = new_job(*state);
    unsigned char hash[20] = {0};
    int removed;

    assert_int_equal(bgc_job_cancel(job), BGC_OK);
    assert_int_equal(bgc_job_set_custom_headers(job, "A: b\r\n"), BGC_E_INVALID_STATE);
    assert_int_equal(bgc_job_set_security_flags(job, 0), BGC_E_INVALID_STATE);
    assert_int_equal(bgc_job_set_http_method(job, "POST"), BGC_E_INVALID_STATE);
    assert_int_equal(bgc_job_set_client_cert(job, 0, "MY", hash, NULL), BGC_E_INVALID_STATE);
    assert_int_equal(bgc_job_set_credentials(job, 1, 1, "u", "p"), BGC_E_INVALID_STATE);
    assert_int_equal(bgc_job_remove_credentials(job, 1, 1, &removed), BGC_E_INVALID_STATE);
    assert_int_equal(bgc_job_set_proxy(job, BGC_PROXY_NO_PROXY, NULL, NULL), BGC_E_INVALID_STATE);
    assert_int_equal(bgc_job_get_security_flags(job), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(custom_headers_set_get_remove, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(custom_headers_limit_is_16383_characters, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(custom_headers_write_only_is_irreversible, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(security_flags_default_and_validation, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(http_method_forces_and_locks_foreground, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(http_method_only_before_first_resume, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(http_method_refused_with_dynamic_or_on_demand, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(client_certificate_set_get_remove, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(credentials_validation, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(remove_credentials_reports_absent_pairs, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(proxy_settings_validation_and_defaults, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(use_stored_credentials_only_for_proxy, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(X5_take_ownership_drops_secrets, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(G3_final_job_refuses_http_option_setters, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests_name("httpopts_api", tests, fx_group_setup, fx_group_teardown);
}
