/*
 * test_rules_inactivity.c - L24 (bits-behavior.md §1.1) and the JobInactivityTimeout policy of
 * S6: a non-final job without activity for the timeout is cancelled by the service (temporaries
 * deleted, gone from the queue); a property change or transferred bytes are activity, the
 * engine's own retries are not. Every test runs with a 2 s timeout (cfg.job_inactivity_timeout_s)
 * against the loopback test server; every wait is bounded.
 */
#include "test_engine_fixture.h"

#define TIMEOUT_S 2u

static int setup_inactivity_2s(void **state)
{
    struct bgc_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.job_inactivity_timeout_s = TIMEOUT_S;
    cfg.retry_delay_floor_s = 1;
    return fx_setup_cfg(state, &cfg);
}

/* Asserts the job is no longer found by id in the queue (it left the listings). */
static void assert_not_listed(struct fx *f, struct bgc_job *job)
{
    struct bgc_id id;
    struct bgc_job *found = NULL;

    bgc_job_get_id(job, &id);
    assert_int_equal(bgc_queue_get_job(f->q, &id, &found), BGC_E_NOT_FOUND);
    assert_null(found);
}

/* L24: a SUSPENDED job with a partly transferred file is CANCELLED about 2 s after its last
 * activity (the Suspend), not before, and its temp file is deleted. */
static void L24_suspended_job_is_cancelled_and_its_temp_file_deleted(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job;
    char *temp = NULL;
    uint64_t t_suspend, t_cancel;

    job = fx_start_one(f, "/gen/200000/l24a?seed=3&stall=20000&stallat=50000", "l24a.bin");
    fx_wait_bytes(job, 0, 50000);
    assert_int_equal(bgc_job_suspend(job), BGC_OK);
    t_suspend = fx_now_ms();
    assert_int_equal(bgc_job_get_file_temp_name(job, 0, &temp), BGC_OK);
    assert_true(temp[0] != '\0');
    assert_true(fx_exists(temp));
    fx_assert_not_state_for(job, BGC_STATE_CANCELLED, 1200); /* not before the timeout */
    assert_int_equal(bgc_job_get_state(job), BGC_STATE_SUSPENDED);
    fx_wait_state_ms(job, BGC_STATE_CANCELLED, 8000, 0, __FILE__, __LINE__);
    t_cancel = fx_now_ms();
    assert_true(t_cancel - t_suspend >= TIMEOUT_S * 1000u - 100u);
    assert_true(t_cancel - t_suspend < TIMEOUT_S * 1000u + 3000u);
    fx_sleep_ms(200); /* the engine deletes temporaries right after the state change */
    assert_false(fx_exists(temp));
    assert_int_equal(fx_count_temps(f), 0);
    assert_not_listed(f, job);
    assert_int_equal(bgc_queue_job_count(f->q), 0);
    /* final: the client's held reference sees CANCELLED and cannot change it any more */
    assert_int_equal(bgc_job_resume(job), BGC_E_INVALID_STATE);
    bgc_free(temp);
}

/* L24: a property set every 500 ms (well inside the 2 s timeout) keeps the job alive for 5 s;
 * once the changes stop it is cancelled. */
static void L24_property_changes_reset_the_inactivity_timer(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job;
    char url[1024];
    const char *pairs[2];
    uint64_t end;
    int i = 0;

    pairs[0] = fx_url("/gen/1000/l24b", url, sizeof(url));
    pairs[1] = "l24b.bin";
    job = fx_new_job_v(f, "L24 busy", 1, pairs);
    end = fx_now_ms() + 5000;
    while (fx_now_ms() < end) {
        char text[32];

        snprintf(text, sizeof(text), "touch %d", i++);
        assert_int_equal(bgc_job_set_description(job, text), BGC_OK);
        fx_assert_not_state_for(job, BGC_STATE_CANCELLED, 500);
    }
    assert_int_equal(bgc_job_get_state(job), BGC_STATE_SUSPENDED);
    fx_wait_state_ms(job, BGC_STATE_CANCELLED, 8000, 0, __FILE__, __LINE__);
    assert_not_listed(f, job);
}

/* L24: a job retrying in TRANSIENT_ERROR (503 every time, retry delay 1 s) moves no byte; the
 * engine's retries (state changes) are not activity, so it is cancelled after the timeout. */
static void L24_transient_error_job_without_bytes_is_inactive(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job;

    job = fx_start_one(f, "/gen/1000/l24c?status=503", "l24c.bin");
    fx_wait_state_ms(job, BGC_STATE_TRANSIENT_ERROR, 8000, 0, __FILE__, __LINE__);
    fx_wait_state_ms(job, BGC_STATE_CANCELLED, 10000, 0, __FILE__, __LINE__);
    assert_true(bgc_job_get_error_count(job) >= 2); /* it did retry before being cancelled */
    assert_not_listed(f, job);
}

/* L24 (control for the test above): a job in and out of TRANSIENT_ERROR whose every attempt
 * moves bytes (DYNAMIC_CONTENT restarts from 0; the server paces 100,000 B/s and drops the
 * connection at 120,000 every time) is active and is never cancelled. */
static void L24_transient_error_job_moving_bytes_stays(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job;
    char url[1024];
    const char *pairs[2];

    pairs[0] = fx_url("/gen/400000/l24d?rate=100000&drop=120000", url, sizeof(url));
    pairs[1] = "l24d.bin";
    job = fx_new_job_v(f, "L24 flaky", 1, pairs);
    assert_int_equal(bgc_job_set_dynamic_content(job, 1), BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_assert_not_state_for(job, BGC_STATE_CANCELLED, 7000);
    assert_true(bgc_job_get_error_count(job) >= 2); /* it went through TRANSIENT_ERROR */
    assert_int_equal(bgc_job_cancel(job), BGC_OK);
}

/* L24: a slow transfer (100,000 bytes at 20,000 B/s, 5 s, longer than the timeout) makes
 * progress, so it is never cancelled and reaches TRANSFERRED. */
static void L24_slow_transfer_is_never_cancelled(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job;
    char dest[PATH_MAX];

    job = fx_start_one(f, "/gen/100000/l24e?seed=4&rate=20000", "l24e.bin");
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(bgc_job_complete(job, NULL), BGC_OK);
    fx_assert_content(fx_path(f, "l24e.bin", dest, sizeof(dest)), 4, 100000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(L24_suspended_job_is_cancelled_and_its_temp_file_deleted,
                                        setup_inactivity_2s, fx_teardown),
        cmocka_unit_test_setup_teardown(L24_property_changes_reset_the_inactivity_timer, setup_inactivity_2s,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(L24_transient_error_job_without_bytes_is_inactive, setup_inactivity_2s,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(L24_transient_error_job_moving_bytes_stays, setup_inactivity_2s,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(L24_slow_transfer_is_never_cancelled, setup_inactivity_2s, fx_teardown),
    };
    return cmocka_run_group_tests_name("rules_inactivity", tests, fx_group_setup, fx_group_teardown);
}
