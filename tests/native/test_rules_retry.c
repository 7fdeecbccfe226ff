/*
 * test_rules_retry.c - retry-model rules of bits-behavior.md §5.3 that the other engine tests
 * did not assert (inventory: tests/RULES.md): R6, transferred bytes reset the no-progress timer.
 *
 * One behaviour per test, against the loopback test server (tests/httpd): every wait is bounded
 * by the fixture (WAIT_MS).
 */
#include "test_engine_fixture.h"

/* Stall timeout 2 s (a pause in the body fails the attempt as transient), retry floor 1 s. */
static int setup_stall_timeout_2s(void **state)
{
    struct bgc_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.stall_timeout_s = 2;
    cfg.retry_delay_floor_s = 1;
    return fx_setup_cfg(state, &cfg);
}

/* R6: NoProgressTimeout counts from the first transient error, and bytes transferred after it
 * reset the count. Job of two files, NoProgressTimeout 2 s, retry delay 1 s, stall timeout 2 s:
 *   t≈0 s   file 0 drops at 20,000                       → TER #1 (timer starts)
 *   t≈1 s   retry: file 0 finishes (bytes: timer reset), file 1 sends 50,000 bytes then stalls
 *   t≈3-8 s stall timeout (libcurl averages the speed over a few seconds, so it fires 2 s to
 *           about 7 s into the pause) → TER #2: > 2 s after TER #1, but the bytes in between
 *           reset the timer, so the job must retry (not ERROR) and complete (the stall fires
 *           once; the server ends the pause as soon as the client leaves).
 * Without the reset the job would go to ERROR at TER #2. */
static void R6_transferred_bytes_reset_the_no_progress_timer(void **state)
{
    struct fx *f = *state;
    char url0[1024], url1[1024], dest[PATH_MAX];
    const char *pairs[4];
    struct bgc_job *job;
    uint64_t t0;

    pairs[0] = fx_url("/gen/50000/r6a?seed=5&drop=20000&dropid=r6a", url0, sizeof(url0));
    pairs[1] = "r6a.bin";
    pairs[2] = fx_url("/gen/100000/r6b?seed=6&stall=20000&stallat=50000&stallid=r6b", url1, sizeof(url1));
    pairs[3] = "r6b.bin";
    job = fx_new_job_v(f, "R6", 2, pairs);
    assert_int_equal(bgc_job_set_no_progress_timeout(job, 2), BGC_OK);
    t0 = fx_now_ms();
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    if (bgc_job_get_error_count(job) != 2) {
        fx_dump_requests("/gen/50000/r6a");
        fx_dump_requests("/gen/100000/r6b");
    }
    assert_int_equal(bgc_job_get_error_count(job), 2); /* the drop and the stall */
    assert_true(fx_now_ms() - t0 > 2500);               /* the second error came > 2 s after the first */
    assert_int_equal(bgc_job_complete(job, NULL), BGC_OK);
    fx_assert_content(fx_path(f, "r6a.bin", dest, sizeof(dest)), 5, 50000);
    fx_assert_content(fx_path(f, "r6b.bin", dest, sizeof(dest)), 6, 100000);
}

/* R6 (control for the test above): the same two errors without bytes in between — the retry
 * after the first error fails again at once — end in ERROR once NoProgressTimeout has passed. */
static void R6_no_progress_after_the_first_error_ends_in_error(void **state)
{
    struct fx *f = *state;
    char url[1024];
    const char *pairs[2];
    struct bgc_job *job;
    struct bgc_error e;

    pairs[0] = fx_url("/gen/100000/r6b?status=503", url, sizeof(url));
    pairs[1] = "r6b.bin";
    job = fx_new_job_v(f, "R6 control", 1, pairs);
    assert_int_equal(bgc_job_set_no_progress_timeout(job, 2), BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state_ms(job, BGC_STATE_ERROR, WAIT_MS, 0, __FILE__, __LINE__);
    assert_int_equal(bgc_job_get_error(job, &e), BGC_OK);
    assert_true(bgc_job_get_error_count(job) >= 2); /* it retried before giving up */
    assert_int_equal(bgc_job_cancel(job), BGC_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(R6_transferred_bytes_reset_the_no_progress_timer, setup_stall_timeout_2s,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(R6_no_progress_after_the_first_error_ends_in_error, setup_stall_timeout_2s,
                                        fx_teardown),
    };
    return cmocka_run_group_tests_name("rules_retry", tests, fx_group_setup, fx_group_teardown);
}
