/*
 * test_httpopts_tls.c - HTTPS against the test server's TLS front end (self-signed
 * certificate for 127.0.0.1, trusted by nobody): certificate error flags (2.10) and the
 * HTTPS -> HTTP redirect rule (F17, X10).
 */
#include "test_engine_fixture.h"

/* Like fx_group_setup, with the HTTPS front end on. */
static int tls_group_setup(void **state)
{
    const char *lvl = getenv("BGC_TEST_LOG"), *tmp = getenv("TMPDIR");
    struct bgc_httpd_options opt;

    (void)state;
    bgc_log_set_sink(fx_log_to_stderr, NULL, lvl ? (enum bgc_log_level)atoi(lvl) : BGC_LOG_WARN);
    snprintf(fx_root, sizeof(fx_root), "%s/bgc-tls-root-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (!mkdtemp(fx_root))
        return -1;
    memset(&opt, 0, sizeof(opt));
    opt.root = fx_root;
    opt.tls = 1;
    if (bgc_httpd_start(&opt, &fx_httpd) != 0 || !bgc_httpd_tls_port(fx_httpd)) {
        rmdir(fx_root);
        return -1;
    }
    return 0;
}

static char *https_url(const char *path, char *buf, size_t n)
{
    snprintf(buf, n, "https://127.0.0.1:%u%s", (unsigned)bgc_httpd_tls_port(fx_httpd), path);
    return buf;
}

static struct bgc_job *job_for(struct fx *f, const char *url, const char *local)
{
    const char *pairs[2] = {url, local};
    return fx_new_job_v(f, "tls", 1, pairs);
}

static int error_code(struct bgc_job *job)
{
    struct bgc_error e;
    assert_int_equal(bgc_job_get_error(job, &e), BGC_OK);
    return e.code;
}

/* Default flags: a certificate no CA vouches for fails the transfer (fatal TLS error). */
static void untrusted_certificate_fails_by_default(void **state)
{
    struct fx *f = *state;
    char url[256];
    struct bgc_job *job = job_for(f, https_url("/gen/1000", url, sizeof(url)), "d.bin");

    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_ERROR);
    assert_int_equal(error_code(job), BGC_E_TLS);
}

/* IGNORE_CERT_CN_INVALID alone does not make an unknown CA acceptable. */
static void ignore_cn_alone_keeps_the_chain_check(void **state)
{
    struct fx *f = *state;
    char url[256];
    struct bgc_job *job = job_for(f, https_url("/gen/1000", url, sizeof(url)), "c.bin");

    assert_int_equal(bgc_job_set_security_flags(job, BGC_SSL_IGNORE_CERT_CN_INVALID), BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_ERROR);
    assert_int_equal(error_code(job), BGC_E_TLS);
}

/* IGNORE_UNKNOWN_CA accepts the self-signed certificate. */
static void ignore_unknown_ca_accepts_self_signed(void **state)
{
    struct fx *f = *state;
    char url[256], local[PATH_MAX + 64];
    struct bgc_job *job = job_for(f, https_url("/gen/40000?seed=6", url, sizeof(url)), "u.bin");

    assert_int_equal(bgc_job_set_security_flags(job, BGC_SSL_IGNORE_UNKNOWN_CA), BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(bgc_job_complete(job, NULL), BGC_OK);
    fx_assert_content(fx_path(f, "u.bin", local, sizeof(local)), 6, 40000);
}

/* F17: HTTPS -> HTTP is refused unless ALLOW_HTTPS_TO_HTTP. */
static void https_to_http_redirect_needs_the_flag(void **state)
{
    struct fx *f = *state;
    char path[512], url[600];
    struct bgc_job *refused, *allowed;

    snprintf(path, sizeof(path), "/redirect?to=http%%3A%%2F%%2F127.0.0.1%%3A%u%%2Fgen%%2F1200",
             (unsigned)bgc_httpd_port(fx_httpd));
    refused = job_for(f, https_url(path, url, sizeof(url)), "r.bin");
    allowed = job_for(f, url, "a.bin");
    assert_int_equal(bgc_job_set_security_flags(refused, BGC_SSL_IGNORE_UNKNOWN_CA), BGC_OK);
    assert_int_equal(bgc_job_set_security_flags(allowed, BGC_SSL_IGNORE_UNKNOWN_CA | BGC_REDIRECT_ALLOW_HTTPS_TO_HTTP),
                     BGC_OK);
    assert_int_equal(bgc_job_resume(refused), BGC_OK);
    fx_wait_state(refused, BGC_STATE_ERROR);
    assert_int_equal(error_code(refused), BGC_E_REDIRECT_SCHEME);
    assert_int_equal(bgc_httpd_count(fx_httpd, NULL, "/gen/1200"), 0);
    assert_int_equal(bgc_job_resume(allowed), BGC_OK);
    fx_wait_state(allowed, BGC_STATE_TRANSFERRED);
    assert_int_equal(bgc_httpd_count(fx_httpd, NULL, "/gen/1200"), 1);
}

/* F17: HTTP -> HTTPS is followed under the default policy. */
static void http_to_https_redirect_is_followed(void **state)
{
    struct fx *f = *state;
    char path[512], url[600];
    struct bgc_job *job;

    snprintf(path, sizeof(path), "/redirect?to=https%%3A%%2F%%2F127.0.0.1%%3A%u%%2Fgen%%2F1300",
             (unsigned)bgc_httpd_tls_port(fx_httpd));
    job = job_for(f, fx_url(path, url, sizeof(url)), "h.bin");
    assert_int_equal(bgc_job_set_security_flags(job, BGC_SSL_IGNORE_UNKNOWN_CA), BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
}

/* ---- HttpOptions3 server certificate validation ------------------------------------ */

struct validator {
    int calls;          /* validate() calls */
    int releases;       /* release() calls */
    int result;         /* what validate returns */
    int detail;         /* and its detail */
    size_t last_len;    /* DER length seen */
    unsigned char first; /* its first byte (0x30: an ASN.1 SEQUENCE) */
};

static int v_validate(void *ctx, struct bgc_job *job, size_t index, const unsigned char *der, size_t len, int *detail)
{
    struct validator *v = ctx;
    (void)job;
    (void)index;
    __atomic_add_fetch(&v->calls, 1, __ATOMIC_SEQ_CST);
    v->last_len = len;
    v->first = len ? der[0] : 0;
    *detail = v->detail;
    return v->result;
}

static void v_release(void *ctx)
{
    struct validator *v = ctx;
    __atomic_add_fetch(&v->releases, 1, __ATOMIC_SEQ_CST);
}

static void set_validator(struct bgc_job *job, struct validator *v)
{
    struct bgc_cert_validator cv = {v_validate, v_release, v};
    assert_int_equal(bgc_job_set_cert_validator(job, &cv), BGC_OK);
}

/* 2.10: the validator sees the server's certificate; an accepted (host:port, certificate)
 * is not asked about again; removing it releases it once. */
static void validator_accepts_and_caches(void **state)
{
    struct fx *f = *state;
    char u1[256], u2[256];
    const char *pairs[4] = {https_url("/gen/1000/a", u1, sizeof(u1)), "a.bin", https_url("/gen/2000/b", u2, sizeof(u2)),
                            "b.bin"};
    struct bgc_job *job = fx_new_job_v(f, "validator", 2, pairs);
    struct validator v = {0, 0, BGC_OK, 0, 0, 0};

    assert_int_equal(bgc_job_set_security_flags(job, BGC_SSL_IGNORE_UNKNOWN_CA), BGC_OK);
    set_validator(job, &v);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(v.calls, 1);
    assert_int_equal(bgc_job_get_error_count(job), 0); /* the second file was not refused */
    assert_true(v.last_len > 100);
    assert_int_equal(v.first, 0x30);
    assert_int_equal(bgc_job_set_cert_validator(job, NULL), BGC_OK);
    assert_int_equal(v.releases, 1);
}

/* 2.10: a rejection is a transient error in context SERVER_CERTIFICATE_CALLBACK carrying the
 * callback's code; the validator is released when the job goes away. */
static void validator_rejection_is_transient(void **state)
{
    struct fx *f = *state;
    char url[256];
    struct bgc_error e;
    struct validator *v = calloc(1, sizeof(*v));
    struct bgc_job *job;

    assert_non_null(v);
    v->result = BGC_E_CERT_REJECTED;
    v->detail = (int)0x80040201;
    job = fx_new_job_v(f, "rejects", 1, (const char *[]){https_url("/gen/1000", url, sizeof(url)), "r.bin"});
    assert_int_equal(bgc_job_set_security_flags(job, BGC_SSL_IGNORE_UNKNOWN_CA), BGC_OK);
    set_validator(job, v);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSIENT_ERROR);
    assert_int_equal(bgc_job_get_error(job, &e), BGC_OK);
    assert_int_equal(e.code, BGC_E_CERT_REJECTED);
    assert_int_equal(e.context, BGC_CTX_SERVER_CERTIFICATE_CALLBACK);
    assert_int_equal(e.os_error, (int)0x80040201);
    assert_int_equal(bgc_job_cancel(job), BGC_OK);
    bgc_queue_free(f->q); /* drop every job reference: the validator goes with its job */
    f->q = NULL;
    for (size_t i = 0; i < f->njobs; i++)
        bgc_job_unref(f->jobs[i]);
    f->njobs = 0;
    assert_int_equal(v->releases, 1);
    free(v);
}

/* 2.10: an unreachable validator puts the job in ERROR. */
static void validator_gone_is_fatal(void **state)
{
    struct fx *f = *state;
    char url[256];
    struct bgc_error e;
    struct validator v = {0, 0, BGC_E_CERT_VALIDATOR_GONE, 0, 0, 0};
    struct bgc_job *job = fx_new_job_v(f, "gone", 1, (const char *[]){https_url("/gen/1000", url, sizeof(url)), "g.bin"});

    assert_int_equal(bgc_job_set_security_flags(job, BGC_SSL_IGNORE_UNKNOWN_CA), BGC_OK);
    set_validator(job, &v);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_ERROR);
    assert_int_equal(bgc_job_get_error(job, &e), BGC_OK);
    assert_int_equal(e.code, BGC_E_CERT_VALIDATOR_GONE);
    assert_int_equal(bgc_job_cancel(job), BGC_OK);
    assert_int_equal(bgc_job_set_cert_validator(job, NULL), BGC_E_INVALID_STATE);
    assert_int_equal(v.releases, 0); /* still the job's */
}

/* 2.10: only in SUSPENDED, ERROR or TRANSFERRED; plain HTTP never asks the validator. */
static void validator_only_while_inactive_and_only_for_https(void **state)
{
    struct fx *f = *state;
    char url[256];
    struct validator v = {0, 0, BGC_OK, 0, 0, 0};
    struct bgc_cert_validator cv = {v_validate, v_release, &v};
    struct bgc_job *job = fx_new_job_v(f, "active", 1, (const char *[]){fx_url("/gen/1000?delay=1500", url, sizeof(url)), "p.bin"});

    assert_int_equal(bgc_job_resume(job), BGC_OK);
    assert_int_equal(bgc_job_set_cert_validator(job, &cv), BGC_E_READ_ONLY_WHEN_JOB_ACTIVE);
    assert_int_equal(v.releases, 0); /* a refused validator is not taken */
    assert_int_equal(bgc_job_suspend(job), BGC_OK);
    assert_int_equal(bgc_job_set_cert_validator(job, &cv), BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(v.calls, 0);
    assert_int_equal(bgc_job_set_cert_validator(job, NULL), BGC_OK);
    assert_int_equal(v.releases, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(untrusted_certificate_fails_by_default, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(ignore_cn_alone_keeps_the_chain_check, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(ignore_unknown_ca_accepts_self_signed, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(https_to_http_redirect_needs_the_flag, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(http_to_https_redirect_is_followed, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(validator_accepts_and_caches, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(validator_rejection_is_transient, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(validator_gone_is_fatal, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(validator_only_while_inactive_and_only_for_https, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests_name("httpopts_tls", tests, tls_group_setup, fx_group_teardown);
}
