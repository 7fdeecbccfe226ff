/*
 * test_engine_errors.c - the engine's error model against the loopback server: transient
 * versus fatal errors, the error record, error counts, retries after the retry delay with
 * Range, NoProgressTimeout 0, Resume from ERROR, and the stall timeout.
 *
 * One behaviour per test, named after rules of bits-behavior.md (L*, R*, N*).
 */
#include "test_engine_fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* L13, L14, R9, R10: a connection dropped mid-body puts the job in TRANSIENT_ERROR with
 * error count 1; after the retry delay it retries with a Range from the bytes written and
 * completes; the count stays 1 and the error record is gone. */
static void L13_L14_R9_dropped_connection_is_transient_then_resumed_with_range(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job = fx_start_one(f, "/gen/2000000/drop?seed=3&drop=1000000&dropid=drop1", "drop.bin");
    struct bgc_httpd_request first, last;
    struct bgc_error e;
    char dest[PATH_MAX];
    uint64_t n = 0;

    fx_wait_state(job, BGC_STATE_TRANSIENT_ERROR);
    memset(&e, 0x5a, sizeof(e));
    assert_int_equal(bgc_job_get_error(job, &e), BGC_OK);
    assert_int_equal(e.code, BGC_E_CONNECTION_CLOSED);
    assert_int_equal(e.file_index, 0);
    assert_int_equal(bgc_job_get_error_count(job), 1);

    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(bgc_job_get_error_count(job), 1);
    assert_int_equal(bgc_job_get_error(job, &e), BGC_E_NO_ERROR_INFO);

    assert_int_equal(fx_first_get("/gen/2000000/drop", &first), 0);
    assert_int_equal(fx_last_get("/gen/2000000/drop", &last), 0);
    assert_true(first.dropped);
    assert_int_equal(first.body_bytes, 1000000);
    assert_true(last.index > first.index);
    assert_true(last.has_range);
    assert_int_equal(sscanf(last.range, "bytes=%" SCNu64 "-", &n), 1);
    assert_int_equal(n, 1000000);
    if (last.t_ms < first.t_ms + 900)
        fail_msg("retry came %" PRIu64 " ms after the first request; retry delay is 1 s", last.t_ms - first.t_ms);

    assert_int_equal(bgc_job_complete(job, NULL), BGC_OK);
    fx_assert_content(fx_path(f, "drop.bin", dest, sizeof(dest)), 3, 2000000);
}

/* F12: when the remote content changes (new ETag and Last-Modified) between a dropped
 * attempt and its retry, the file restarts from byte 0: the result is exactly the content of
 * the last response, never a mix of two versions. */
static void F12_remote_change_before_retry_restarts_file(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job =
        fx_start_one(f, "/gen/2000000/vauto?version=auto&drop=1000000&dropid=va", "vauto.bin");
    struct bgc_httpd_request last;
    char dest[PATH_MAX], why[PATH_MAX + 256];

    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(bgc_job_complete(job, NULL), BGC_OK);
    assert_int_equal(fx_last_get("/gen/2000000/vauto", &last), 0);
    if (!fx_content_ok(fx_path(f, "vauto.bin", dest, sizeof(dest)), last.seed, 2000000, why, sizeof(why))) {
        fx_dump_requests("/gen/2000000/vauto");
        fail_msg("%s", why);
    }
}

/* L16, N2, R11-R13: 404 is fatal: ERROR with http_status 404, context REMOTE_FILE, protocol
 * "http", the file's index; error count 1; JobError delivered to the sink exactly once. */
static void L16_N2_http_404_is_fatal_and_reported_once(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job = fx_start_one(f, "/gen/1000/missing?status=404", "missing.bin");
    struct bgc_error e;

    fx_wait_state(job, BGC_STATE_ERROR);
    memset(&e, 0x5a, sizeof(e));
    assert_int_equal(bgc_job_get_error(job, &e), BGC_OK);
    assert_int_equal(e.code, BGC_E_HTTP_STATUS);
    assert_int_equal(e.http_status, 404);
    assert_int_equal(e.context, BGC_CTX_REMOTE_FILE);
    assert_int_equal(e.file_index, 0);
    assert_string_equal(e.protocol, "http");
    assert_int_equal(bgc_job_get_error_count(job), 1);

    assert_int_equal(fx_sink_wait(&f->sink, BGC_EVENT_ERROR, 1, WAIT_MS), 0);
    fx_sleep_ms(2500); /* two retry delays: a delivered JobError is not repeated */
    assert_int_equal(fx_sink_count(&f->sink, BGC_EVENT_ERROR), 1);
    assert_int_equal(fx_sink_count(&f->sink, BGC_EVENT_TRANSFERRED), 0);
    assert_int_equal(bgc_job_get_state(job), BGC_STATE_ERROR);
}

/* R3: 401 without credentials is fatal (ERROR, http_status 401). */
static void R3_http_401_without_credentials_is_fatal(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job = fx_start_one(f, "/auth/basic/user/secret/gen/1000", "auth.bin");
    struct bgc_error e;

    fx_wait_state(job, BGC_STATE_ERROR);
    assert_int_equal(bgc_job_get_error(job, &e), BGC_OK);
    assert_int_equal(e.code, BGC_E_HTTP_STATUS);
    assert_int_equal(e.http_status, 401);
}

/* R4, R9: 503 is transient: TRANSIENT_ERROR with http_status 503, retried after the retry
 * delay, each failed retry counted, and no JobError (N2: never for TRANSIENT_ERROR). */
static void R4_http_503_is_transient_and_retried(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job = fx_start_one(f, "/gen/1000/busy?status=503", "busy.bin");
    struct bgc_error e;
    uint64_t end;

    fx_wait_state(job, BGC_STATE_TRANSIENT_ERROR);
    assert_int_equal(bgc_job_get_error(job, &e), BGC_OK);
    assert_int_equal(e.code, BGC_E_HTTP_STATUS);
    assert_int_equal(e.http_status, 503);
    assert_int_equal(e.context, BGC_CTX_REMOTE_FILE);
    assert_int_equal(bgc_job_get_error_count(job), 1);

    assert_int_equal(bgc_httpd_wait_count(fx_httpd, "/gen/1000/busy", 2, WAIT_MS), 0);
    end = fx_now_ms() + WAIT_MS;
    while (bgc_job_get_error_count(job) < 2 && fx_now_ms() < end)
        fx_sleep_ms(2);
    assert_int_equal(bgc_job_get_error_count(job), 2); /* R9: a failed retry counts */
    fx_wait_state(job, BGC_STATE_TRANSIENT_ERROR);
    assert_int_equal(fx_sink_count(&f->sink, BGC_EVENT_ERROR), 0);
    assert_int_equal(bgc_job_cancel(job), BGC_OK);
}

struct status_case {
    int status;
    enum bgc_state expect; /* TRANSIENT_ERROR or ERROR */
};

/* R4 (project choice): download statuses use the server-application table: 4xx fatal except
 * 408/409, 5xx transient except 501/505. */
static void R4_http_status_classification_for_downloads(void **state)
{
    static const struct status_case cases[] = {
        { 400, BGC_STATE_ERROR },           { 403, BGC_STATE_ERROR },
        { 408, BGC_STATE_TRANSIENT_ERROR }, { 409, BGC_STATE_TRANSIENT_ERROR },
        { 410, BGC_STATE_ERROR },           { 500, BGC_STATE_TRANSIENT_ERROR },
        { 501, BGC_STATE_ERROR },           { 502, BGC_STATE_TRANSIENT_ERROR },
        { 505, BGC_STATE_ERROR },
    };
    struct fx *f = *state;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char path[128], local[64];
        struct bgc_job *job;
        struct bgc_error e;
        enum bgc_state other =
            cases[i].expect == BGC_STATE_ERROR ? BGC_STATE_TRANSIENT_ERROR : BGC_STATE_ERROR;
        uint64_t end = fx_now_ms() + WAIT_MS;
        enum bgc_state s;

        snprintf(path, sizeof(path), "/gen/100/status%d?status=%d", cases[i].status, cases[i].status);
        snprintf(local, sizeof(local), "status%d.bin", cases[i].status);
        job = fx_start_one(f, path, local);
        do {
            s = bgc_job_get_state(job);
            if (s == cases[i].expect || s == other)
                break;
            fx_sleep_ms(2);
        } while (fx_now_ms() < end);
        if (s != cases[i].expect)
            fail_msg("status %d: job went to %s, expected %s", cases[i].status, bgc_state_name(s),
                     bgc_state_name(cases[i].expect));
        assert_int_equal(bgc_job_get_error(job, &e), BGC_OK);
        assert_int_equal(e.http_status, cases[i].status);
        assert_int_equal(bgc_job_cancel(job), BGC_OK);
    }
}

/* A loopback port with nothing listening on it. */
static unsigned short closed_port(void)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd); /* bound, never listened: connections are refused */
    return ntohs(sa.sin_port);
}

/* L8, L13: connection refused is transient (BGC_E_CONNECT_FAILURE). */
static void L8_connection_refused_is_transient(void **state)
{
    struct fx *f = *state;
    char url[128];
    const char *pairs[2];
    struct bgc_job *job;
    struct bgc_error e;

    snprintf(url, sizeof(url), "http://127.0.0.1:%u/gen/1000", (unsigned)closed_port());
    pairs[0] = url;
    pairs[1] = "refused.bin";
    job = fx_new_job_v(f, "refused", 1, pairs);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSIENT_ERROR);
    assert_int_equal(bgc_job_get_error(job, &e), BGC_OK);
    assert_int_equal(e.code, BGC_E_CONNECT_FAILURE);
    assert_int_equal(bgc_job_get_error_count(job), 1);
    assert_int_equal(bgc_job_cancel(job), BGC_OK);
}

/* L32, R6: with NoProgressTimeout 0 a transient error goes straight to ERROR (never seen in
 * TRANSIENT_ERROR), and JobError is delivered. */
static void L32_no_progress_timeout_zero_makes_transient_errors_fatal(void **state)
{
    struct fx *f = *state;
    char url[256];
    const char *pairs[2];
    struct bgc_job *job;
    uint64_t end;
    enum bgc_state s;

    pairs[0] = fx_url("/gen/1000/npt0?status=503", url, sizeof(url));
    pairs[1] = "npt0.bin";
    job = fx_new_job_v(f, "npt0", 1, pairs);
    assert_int_equal(bgc_job_set_no_progress_timeout(job, 0), BGC_OK);
    assert_int_equal(bgc_job_get_no_progress_timeout(job), 0);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    end = fx_now_ms() + WAIT_MS;
    do {
        s = bgc_job_get_state(job);
        if (s == BGC_STATE_TRANSIENT_ERROR)
            fail_msg("job entered TRANSIENT_ERROR with NoProgressTimeout 0");
        if (s == BGC_STATE_ERROR)
            break;
        fx_sleep_ms(1);
    } while (fx_now_ms() < end);
    assert_int_equal(s, BGC_STATE_ERROR);
    assert_int_equal(fx_sink_wait(&f->sink, BGC_EVENT_ERROR, 1, WAIT_MS), 0);
}

/* L4: Resume from ERROR retries at once, ignoring the retry delay; a new failure counts. */
static void L4_resume_from_error_retries_at_once(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job = fx_start_one(f, "/gen/1000/gone?status=410", "gone.bin");
    unsigned long before;

    fx_wait_state(job, BGC_STATE_ERROR);
    assert_int_equal(bgc_job_set_min_retry_delay(job, 120), BGC_OK);
    before = bgc_httpd_count(fx_httpd, NULL, "/gen/1000/gone");
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    assert_int_equal(bgc_httpd_wait_count(fx_httpd, "/gen/1000/gone", before + 1, 10000), 0);
    fx_wait_state(job, BGC_STATE_ERROR);
    assert_int_equal(bgc_job_get_error_count(job), 2);
}

/* A body shorter than its Content-Length is a dropped connection: TRANSIENT_ERROR. */
static void short_body_is_transient_connection_closed(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job = fx_start_one(f, "/gen/100000/short?lielength=200000", "short.bin");
    struct bgc_error e;

    fx_wait_state(job, BGC_STATE_TRANSIENT_ERROR);
    assert_int_equal(bgc_job_get_error(job, &e), BGC_OK);
    assert_int_equal(e.code, BGC_E_CONNECTION_CLOSED);
    assert_int_equal(bgc_job_cancel(job), BGC_OK);
}

static int setup_stall_timeout_1s(void **state)
{
    struct bgc_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.stall_timeout_s = 1;
    cfg.retry_delay_floor_s = 1;
    return fx_setup_cfg(state, &cfg);
}

/* bgc_config.stall_timeout_s: a connection that moves no byte for that long fails as a
 * transient BGC_E_TIMEOUT. */
static void stall_timeout_makes_the_transfer_transient(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job = fx_start_one(f, "/gen/1000000/slow?stall=30000&stallat=100000", "slow.bin");
    struct bgc_error e;
    uint64_t t0 = fx_now_ms();

    fx_wait_bytes(job, 0, 100000);
    fx_wait_state(job, BGC_STATE_TRANSIENT_ERROR);
    assert_int_equal(bgc_job_get_error(job, &e), BGC_OK);
    assert_int_equal(e.code, BGC_E_TIMEOUT);
    assert_true(fx_now_ms() - t0 < 15000);
    assert_int_equal(bgc_job_cancel(job), BGC_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(L13_L14_R9_dropped_connection_is_transient_then_resumed_with_range, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(F12_remote_change_before_retry_restarts_file, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(L16_N2_http_404_is_fatal_and_reported_once, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(R3_http_401_without_credentials_is_fatal, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(R4_http_503_is_transient_and_retried, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(R4_http_status_classification_for_downloads, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(L8_connection_refused_is_transient, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(L32_no_progress_timeout_zero_makes_transient_errors_fatal, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(L4_resume_from_error_retries_at_once, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(short_body_is_transient_connection_closed, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(stall_timeout_makes_the_transfer_transient, setup_stall_timeout_1s,
                                        fx_teardown),
    };
    return cmocka_run_group_tests_name("engine_errors", tests, fx_group_setup, fx_group_teardown);
}
