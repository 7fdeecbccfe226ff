/*
 * test_httpopts_proxy.c - proxy settings at transfer time (bits-behavior 2.2, R3): the test
 * server doubles as a forward proxy (tests/httpd/httpd_proxy.c), so a URL on an unresolvable
 * host (*.invalid) succeeds only through it, and its log says whether a request came in
 * proxy form.
 */
#include "test_engine_fixture.h"

#define PROXY_HOST "bgc-proxy.invalid"

static struct bgc_job *job_for(struct fx *f, const char *url, const char *local)
{
    const char *pairs[2] = {url, local};
    return fx_new_job_v(f, "proxy xfer", 1, pairs);
}

/* "127.0.0.1:<port of the test server>" */
static const char *proxy_addr(char *buf, size_t n)
{
    snprintf(buf, n, "127.0.0.1:%u", (unsigned)bgc_httpd_port(fx_httpd));
    return buf;
}

static void assert_last(const char *path, int proxied, const char *host)
{
    struct bgc_httpd_request r;

    assert_int_equal(bgc_httpd_last_request(fx_httpd, path, &r), 0);
    assert_int_equal(r.proxied, proxied);
    if (host)
        assert_string_equal(r.proxy_host, host);
}

/* OVERRIDE: the request goes to the proxy in absolute form. */
static void override_routes_through_the_proxy(void **state)
{
    struct fx *f = *state;
    char proxy[64], local[PATH_MAX + 64];
    struct bgc_job *job = job_for(f, "http://" PROXY_HOST "/gen/6000?seed=5", "p.bin");

    assert_int_equal(bgc_job_set_proxy(job, BGC_PROXY_OVERRIDE, proxy_addr(proxy, sizeof(proxy)), NULL), BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_last("/gen/6000", 1, PROXY_HOST);
    assert_int_equal(bgc_job_complete(job, NULL), BGC_OK);
    fx_assert_content(fx_path(f, "p.bin", local, sizeof(local)), 5, 6000);
}

/* OVERRIDE syntax: `scheme=` entries serve their scheme and win; `http://` prefix allowed. */
static void override_scheme_specific_entry_wins(void **state)
{
    struct fx *f = *state;
    char list[200];
    struct bgc_job *job = job_for(f, "http://" PROXY_HOST ":8080/gen/1000", "s.bin");

    snprintf(list, sizeof(list), "127.0.0.1:1 https=127.0.0.1:2 http=http://127.0.0.1:%u",
             (unsigned)bgc_httpd_port(fx_httpd));
    assert_int_equal(bgc_job_set_proxy(job, BGC_PROXY_OVERRIDE, list, NULL), BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_last("/gen/1000", 1, PROXY_HOST ":8080");
}

/* Bypass list with wildcards: a matching host is reached directly (the proxy given is dead). */
static void bypass_wildcard_goes_direct(void **state)
{
    struct fx *f = *state;
    char url[512];
    struct bgc_job *job = job_for(f, fx_url("/gen/1500", url, sizeof(url)), "b.bin");

    assert_int_equal(bgc_job_set_proxy(job, BGC_PROXY_OVERRIDE, "127.0.0.1:1", "*.example; 127.0.0.*"), BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_last("/gen/1500", 0, "");
}

/* `<local>` bypasses host names without a dot. */
static void bypass_local_matches_dotless_hosts(void **state)
{
    struct fx *f = *state;
    char url[512];
    struct bgc_job *job;

    snprintf(url, sizeof(url), "http://localhost:%u/gen/1600", (unsigned)bgc_httpd_port(fx_httpd));
    job = job_for(f, url, "l.bin");
    assert_int_equal(bgc_job_set_proxy(job, BGC_PROXY_OVERRIDE, "127.0.0.1:1", "<local>"), BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_last("/gen/1600", 0, "");
}

/* A bypass list that does not match leaves the proxy in use. */
static void bypass_without_match_uses_the_proxy(void **state)
{
    struct fx *f = *state;
    char proxy[64];
    struct bgc_job *job = job_for(f, "http://" PROXY_HOST "/gen/1700", "m.bin");

    assert_int_equal(bgc_job_set_proxy(job, BGC_PROXY_OVERRIDE, proxy_addr(proxy, sizeof(proxy)), "<local> *.example"),
                     BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_last("/gen/1700", 1, PROXY_HOST);
}

/* R3 / 2.2: proxy lists that do not parse send the job to ERROR with INVALID_PROXY_INFO. */
static void invalid_proxy_info_is_fatal(void **state)
{
    static const char *const bad[][2] = {
        {"127.0.0.1:99999", NULL},
        {"ftp://127.0.0.1:21", NULL},
        {"host:", NULL},
        {"=127.0.0.1:8080", NULL},
        {"127.0.0.1:8080", "bad/entry"},
    };
    struct fx *f = *state;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char name[32];
        struct bgc_error e;
        struct bgc_job *job;

        snprintf(name, sizeof(name), "bad%zu.bin", i);
        job = job_for(f, "http://" PROXY_HOST "/gen/100", name);
        assert_int_equal(bgc_job_set_proxy(job, BGC_PROXY_OVERRIDE, bad[i][0], bad[i][1]), BGC_OK);
        assert_int_equal(bgc_job_resume(job), BGC_OK);
        fx_wait_state(job, BGC_STATE_ERROR);
        assert_int_equal(bgc_job_get_error(job, &e), BGC_OK);
        if (e.code != BGC_E_INVALID_PROXY_INFO)
            fail_msg("list '%s' bypass '%s': got %s", bad[i][0], bad[i][1] ? bad[i][1] : "(null)",
                     bgc_code_name(e.code));
        assert_int_equal(bgc_job_cancel(job), BGC_OK);
    }
}

/* NO_PROXY: libcurl's environment proxy is ignored. PRECONFIG (natively): it is used. */
static void no_proxy_ignores_the_environment_preconfig_uses_it(void **state)
{
    struct fx *f = *state;
    char env[64], url[512];
    struct bgc_job *direct, *pre;

    snprintf(env, sizeof(env), "http://127.0.0.1:%u", (unsigned)bgc_httpd_port(fx_httpd));
    setenv("http_proxy", env, 1);
    unsetenv("no_proxy");
    unsetenv("NO_PROXY");
    direct = job_for(f, fx_url("/gen/1800", url, sizeof(url)), "d.bin");
    assert_int_equal(bgc_job_set_proxy(direct, BGC_PROXY_NO_PROXY, NULL, NULL), BGC_OK);
    assert_int_equal(bgc_job_resume(direct), BGC_OK);
    fx_wait_state(direct, BGC_STATE_TRANSFERRED);
    pre = job_for(f, "http://" PROXY_HOST "/gen/1900", "e.bin");
    assert_int_equal(bgc_job_resume(pre), BGC_OK);
    fx_wait_state(pre, BGC_STATE_TRANSFERRED);
    unsetenv("http_proxy");
    assert_last("/gen/1800", 0, "");
    assert_last("/gen/1900", 1, PROXY_HOST);
}

/* R3 / 2.3: a proxy demanding authentication: 407 is fatal without credentials; proxy Basic
 * credentials pass it. */
static void proxy_credentials_answer_407(void **state)
{
    struct fx *f = *state;
    char proxy[64];
    struct bgc_error e;
    struct bgc_job *none = job_for(f, "http://" PROXY_HOST "/gen/2100?proxyuser=pu&proxypass=pp", "n.bin");
    struct bgc_job *with = job_for(f, "http://" PROXY_HOST "/gen/2200?proxyuser=pu&proxypass=pp", "w.bin");

    proxy_addr(proxy, sizeof(proxy));
    assert_int_equal(bgc_job_set_proxy(none, BGC_PROXY_OVERRIDE, proxy, NULL), BGC_OK);
    assert_int_equal(bgc_job_resume(none), BGC_OK);
    fx_wait_state(none, BGC_STATE_ERROR);
    assert_int_equal(bgc_job_get_error(none, &e), BGC_OK);
    assert_int_equal(e.http_status, 407);

    assert_int_equal(bgc_job_set_proxy(with, BGC_PROXY_OVERRIDE, proxy, NULL), BGC_OK);
    assert_int_equal(bgc_job_set_credentials(with, BGC_AUTH_TARGET_PROXY, BGC_AUTH_SCHEME_BASIC, "pu", "pp"), BGC_OK);
    assert_int_equal(bgc_job_resume(with), BGC_OK);
    fx_wait_state(with, BGC_STATE_TRANSFERRED);
    assert_last("/gen/2200", 1, PROXY_HOST);
}

/* AUTODETECT without anything to detect (natively: no WPAD) connects directly. */
static void autodetect_without_proxy_goes_direct(void **state)
{
    struct fx *f = *state;
    char url[512], env[64];
    struct bgc_job *job = job_for(f, fx_url("/gen/2300", url, sizeof(url)), "a.bin");

    snprintf(env, sizeof(env), "http://127.0.0.1:1");
    setenv("http_proxy", env, 1); /* a dead environment proxy must not be used */
    assert_int_equal(bgc_job_set_proxy(job, BGC_PROXY_AUTODETECT, NULL, NULL), BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    unsetenv("http_proxy");
    assert_last("/gen/2300", 0, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(override_routes_through_the_proxy, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(override_scheme_specific_entry_wins, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(bypass_wildcard_goes_direct, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(bypass_local_matches_dotless_hosts, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(bypass_without_match_uses_the_proxy, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(invalid_proxy_info_is_fatal, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(no_proxy_ignores_the_environment_preconfig_uses_it, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(proxy_credentials_answer_407, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(autodetect_without_proxy_goes_direct, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests_name("httpopts_proxy", tests, fx_group_setup, fx_group_teardown);
}
