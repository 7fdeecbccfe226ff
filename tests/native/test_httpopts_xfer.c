/*
 * test_httpopts_xfer.c - HTTP options at transfer time against the loopback test server:
 * custom headers on every request (X8), the redirect policy (F17), Basic and Digest
 * credentials and their failures (R3), the custom HTTP method (L34), and that no secret
 * reaches the log (X16).
 */
#include "test_engine_fixture.h"

/* Percent-encodes s for a query value. */
static char *qenc(const char *s, char *out, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;

    for (; *s && o + 4 < n; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("-_.~/", c)) {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
    return out;
}

/* A suspended one-file job for a full URL. */
static struct bgc_job *job_for(struct fx *f, const char *url, const char *local)
{
    const char *pairs[2] = {url, local};
    return fx_new_job_v(f, "httpopts xfer", 1, pairs);
}

static void assert_remote(struct bgc_job *job, const char *want)
{
    char *remote = NULL;

    assert_int_equal(bgc_job_get_file_names(job, 0, &remote, NULL), BGC_OK);
    assert_string_equal(remote, want);
    bgc_free(remote);
}

/* X8 / 2.10: custom headers go out on every request, redirects included. */
static void X8_custom_headers_sent_on_every_request(void **state)
{
    struct fx *f = *state;
    struct bgc_httpd_request r;
    char url[512], path[PATH_MAX + 64];
    size_t i, n, seen = 0;
    struct bgc_job *job = job_for(f, fx_url("/redirect-chain/2?size=3000", url, sizeof(url)), "h.bin");

    assert_int_equal(bgc_job_set_custom_headers(job, "X-Bgc-One: 1\r\nX-Bgc-Two: two\r\n"), BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    fx_path(f, "h.bin", path, sizeof(path));
    n = bgc_httpd_log_count(fx_httpd);
    for (i = 0; i < n; i++) {
        assert_int_equal(bgc_httpd_log_get(fx_httpd, i, &r), 0);
        assert_non_null(strstr(r.headers, "X-Bgc-One: 1\r\n"));
        assert_non_null(strstr(r.headers, "X-Bgc-Two: two"));
        seen++;
    }
    assert_int_equal(seen, 3); /* two redirects and the file */
    assert_int_equal(bgc_job_complete(job, NULL), BGC_OK);
    fx_assert_content(path, 1, 3000);
}

/* F17: ALLOW_SILENT (default) follows and keeps the remote name. */
static void F17_allow_silent_follows_and_keeps_the_name(void **state)
{
    struct fx *f = *state;
    char url[1024], target[512], enc[600], path[256];
    struct bgc_job *job;

    fx_url("/gen/2000?seed=3", target, sizeof(target));
    snprintf(path, sizeof(path), "/redirect?to=%s", qenc(target, enc, sizeof(enc)));
    job = job_for(f, fx_url(path, url, sizeof(url)), "s.bin");
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_remote(job, url);
}

/* F17: ALLOW_REPORT follows and rewrites the remote name to the final URL. */
static void F17_allow_report_rewrites_the_remote_name(void **state)
{
    struct fx *f = *state;
    char url[1024], target[512], enc[600], path[256], local[PATH_MAX + 64];
    struct bgc_job *job;

    fx_url("/gen/2000?seed=4", target, sizeof(target));
    snprintf(path, sizeof(path), "/redirect?to=%s", qenc(target, enc, sizeof(enc)));
    job = job_for(f, fx_url(path, url, sizeof(url)), "r.bin");
    assert_int_equal(bgc_job_set_security_flags(job, BGC_REDIRECT_ALLOW_REPORT), BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_remote(job, target);
    assert_int_equal(bgc_job_complete(job, NULL), BGC_OK);
    fx_assert_content(fx_path(f, "r.bin", local, sizeof(local)), 4, 2000);
}

/* F17: DISALLOW -> ERROR with the redirect status, the remote name rewritten to the target,
 * and the target never requested. */
static void F17_disallow_is_fatal_with_status_and_target(void **state)
{
    struct fx *f = *state;
    char url[1024], target[512], enc[600], path[256];
    struct bgc_error e;
    struct bgc_job *job;

    fx_url("/gen/2000/never-fetched", target, sizeof(target));
    snprintf(path, sizeof(path), "/redirect?code=301&to=%s", qenc(target, enc, sizeof(enc)));
    job = job_for(f, fx_url(path, url, sizeof(url)), "d.bin");
    assert_int_equal(bgc_job_set_security_flags(job, BGC_REDIRECT_DISALLOW), BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_ERROR);
    assert_int_equal(bgc_job_get_error(job, &e), BGC_OK);
    assert_int_equal(e.code, BGC_E_REDIRECT_DISALLOWED);
    assert_int_equal(e.http_status, 301);
    assert_int_equal(e.context, BGC_CTX_REMOTE_FILE);
    assert_int_equal(e.file_index, 0);
    assert_remote(job, target);
    assert_int_equal(bgc_httpd_count(fx_httpd, NULL, "/gen/2000/never-fetched"), 0);
}

/* F17 / X10: a redirect to another scheme (file://) is refused, whatever the policy. */
static void F17_redirect_to_another_scheme_is_refused(void **state)
{
    struct fx *f = *state;
    char url[1024];
    struct bgc_error e;
    struct bgc_job *job = job_for(f, fx_url("/redirect?to=file%3A%2F%2F%2Fetc%2Fhostname", url, sizeof(url)), "x.bin");

    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_ERROR);
    assert_int_equal(bgc_job_get_error(job, &e), BGC_OK);
    assert_int_equal(e.code, BGC_E_REDIRECT_SCHEME);
}

/* R3 / 2.3: Basic credentials for the server authenticate the download. */
static void R3_basic_credentials_authenticate(void **state)
{
    struct fx *f = *state;
    char url[512], local[PATH_MAX + 64];
    struct bgc_job *job = job_for(f, fx_url("/auth/basic/alice/s3cr%21t/gen/5000", url, sizeof(url)), "b.bin");

    assert_int_equal(bgc_job_set_credentials(job, BGC_AUTH_TARGET_SERVER, BGC_AUTH_SCHEME_BASIC, "alice", "s3cr!t"),
                     BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(bgc_job_complete(job, NULL), BGC_OK);
    fx_assert_content(fx_path(f, "b.bin", local, sizeof(local)), 1, 5000);
}

/* R3 / 2.3: Digest credentials answer the server's challenge. */
static void R3_digest_credentials_authenticate(void **state)
{
    struct fx *f = *state;
    char url[512], local[PATH_MAX + 64];
    struct bgc_job *job = job_for(f, fx_url("/auth/digest/bob/pw/gen/7000", url, sizeof(url)), "g.bin");

    assert_int_equal(bgc_job_set_credentials(job, BGC_AUTH_TARGET_SERVER, BGC_AUTH_SCHEME_DIGEST, "bob", "pw"),
                     BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(bgc_job_complete(job, NULL), BGC_OK);
    fx_assert_content(fx_path(f, "g.bin", local, sizeof(local)), 1, 7000);
}

/* R3: credentials the server rejects -> ERROR with HTTP 401 (no retry). */
static void R3_rejected_credentials_are_fatal_401(void **state)
{
    struct fx *f = *state;
    char url[512];
    struct bgc_error e;
    struct bgc_job *job = job_for(f, fx_url("/auth/basic/alice/right/gen/5000", url, sizeof(url)), "w.bin");

    assert_int_equal(bgc_job_set_credentials(job, BGC_AUTH_TARGET_SERVER, BGC_AUTH_SCHEME_BASIC, "alice", "wrong"),
                     BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_ERROR);
    assert_int_equal(bgc_job_get_error(job, &e), BGC_OK);
    assert_int_equal(e.code, BGC_E_HTTP_STATUS);
    assert_int_equal(e.http_status, 401);
}

/* 2.3: after RemoveCredentials the server gets none (401 -> ERROR). */
static void R3_removed_credentials_are_not_sent(void **state)
{
    struct fx *f = *state;
    char url[512];
    struct bgc_error e;
    int removed = 0;
    struct bgc_job *job = job_for(f, fx_url("/auth/basic/alice/pw/gen/5000", url, sizeof(url)), "n.bin");

    assert_int_equal(bgc_job_set_credentials(job, BGC_AUTH_TARGET_SERVER, BGC_AUTH_SCHEME_BASIC, "alice", "pw"),
                     BGC_OK);
    assert_int_equal(bgc_job_remove_credentials(job, BGC_AUTH_TARGET_SERVER, BGC_AUTH_SCHEME_BASIC, &removed), BGC_OK);
    assert_int_equal(removed, 1);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_ERROR);
    assert_int_equal(bgc_job_get_error(job, &e), BGC_OK);
    assert_int_equal(e.http_status, 401);
}

/* L34: the custom method is what the server sees. */
static void L34_custom_method_is_sent(void **state)
{
    struct fx *f = *state;
    char url[512], local[PATH_MAX + 64];
    struct bgc_httpd_request r;
    struct bgc_job *job = job_for(f, fx_url("/gen/4000?anymethod=1", url, sizeof(url)), "m.bin");

    assert_int_equal(bgc_job_set_http_method(job, "FETCH"), BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(bgc_httpd_last_request(fx_httpd, "/gen/4000", &r), 0);
    assert_string_equal(r.method, "FETCH");
    assert_int_equal(bgc_job_complete(job, NULL), BGC_OK);
    fx_assert_content(fx_path(f, "m.bin", local, sizeof(local)), 1, 4000);
}

/* L34: an error that is normally transient (503) is fatal with a custom method. */
static void L34_custom_method_makes_transient_errors_fatal(void **state)
{
    struct fx *f = *state;
    char url[512];
    struct bgc_error e;
    struct bgc_job *job = job_for(f, fx_url("/gen/4000?status=503", url, sizeof(url)), "t.bin");

    assert_int_equal(bgc_job_set_http_method(job, "POST"), BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_ERROR);
    assert_int_equal(bgc_job_get_error(job, &e), BGC_OK);
    assert_int_equal(e.http_status, 503);
}

/* L34: after an interruption Resume restarts the file from byte 0 (no Range request). */
static void L34_custom_method_resume_restarts_from_zero(void **state)
{
    struct fx *f = *state;
    char url[512], local[PATH_MAX + 64];
    struct bgc_httpd_request r;
    struct bgc_job *job =
        job_for(f, fx_url("/gen/300000?anymethod=1&drop=150000&dropid=l34", url, sizeof(url)), "z.bin");

    assert_int_equal(bgc_job_set_http_method(job, "POST"), BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_ERROR); /* the drop is normally transient */
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(bgc_httpd_last_request(fx_httpd, "/gen/300000", &r), 0);
    assert_string_equal(r.method, "POST");
    assert_int_equal(r.has_range, 0);
    assert_int_equal(r.body_bytes, 300000);
    assert_int_equal(bgc_job_complete(job, NULL), BGC_OK);
    fx_assert_content(fx_path(f, "z.bin", local, sizeof(local)), 1, 300000);
}

/* ---- X16: secrets never reach the log --------------------------------------------------- */

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static char *log_text;   /* every line logged while capturing */
static size_t log_len;

static void capture(void *ctx, enum bgc_log_level level, const char *channel, const char *line)
{
    size_t n = strlen(line);
    (void)ctx;
    (void)level;
    (void)channel;
    pthread_mutex_lock(&log_mu);
    log_text = realloc(log_text, log_len + n + 2);
    if (log_text) {
        memcpy(log_text + log_len, line, n);
        log_len += n;
        log_text[log_len++] = '\n';
        log_text[log_len] = '\0';
    }
    pthread_mutex_unlock(&log_mu);
}

static void X16_secrets_never_reach_the_log(void **state)
{
    struct fx *f = *state;
    char url[512];
    struct bgc_job *job;

    bgc_log_set_sink(capture, NULL, BGC_LOG_TRACE);
    job = job_for(f, fx_url("/auth/digest/carol/%50%61%73%73%57%30%72%64/gen/3000", url, sizeof(url)), "s.bin");
    assert_int_equal(bgc_job_set_credentials(job, BGC_AUTH_TARGET_SERVER, BGC_AUTH_SCHEME_DIGEST, "carol",
                                             "PassW0rd"),
                     BGC_OK);
    assert_int_equal(bgc_job_set_credentials(job, BGC_AUTH_TARGET_PROXY, BGC_AUTH_SCHEME_BASIC, "p", "ProxyPw9"),
                     BGC_OK);
    assert_int_equal(bgc_job_set_custom_headers(job, "X-Api-Key: HeaderSecret7\r\n"), BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    bgc_log_set_sink(fx_log_to_stderr, NULL, BGC_LOG_WARN);
    pthread_mutex_lock(&log_mu);
    assert_non_null(log_text); /* the capture worked: TRACE lines were logged */
    assert_null(strstr(log_text, "PassW0rd"));
    assert_null(strstr(log_text, "ProxyPw9"));
    assert_null(strstr(log_text, "HeaderSecret7"));
    free(log_text);
    log_text = NULL;
    log_len = 0;
    pthread_mutex_unlock(&log_mu);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(X8_custom_headers_sent_on_every_request, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(F17_allow_silent_follows_and_keeps_the_name, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(F17_allow_report_rewrites_the_remote_name, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(F17_disallow_is_fatal_with_status_and_target, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(F17_redirect_to_another_scheme_is_refused, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(R3_basic_credentials_authenticate, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(R3_digest_credentials_authenticate, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(R3_rejected_credentials_are_fatal_401, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(R3_removed_credentials_are_not_sent, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(L34_custom_method_is_sent, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(L34_custom_method_makes_transient_errors_fatal, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(L34_custom_method_resume_restarts_from_zero, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(X16_secrets_never_reach_the_log, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests_name("httpopts_xfer", tests, fx_group_setup, fx_group_teardown);
}
