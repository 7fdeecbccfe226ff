/*
 * test_rules_conditions.c - conditions outside the job (jobs/cond.c): network loss and return
 * (L11, L12, R2), the bandwidth policy (L25, S4), cost flags and power state (S7), driven through
 * bgc_queue_set_conditions as server/'s watcher would.
 */
#include "test_engine_fixture.h"

#include <string.h>

static struct bgc_conditions normal(void)
{
    struct bgc_conditions c;

    memset(&c, 0, sizeof(c)); /* AC power, no standby, no Battery Saver */
    c.network_up = 1;
    c.cost_state = BGC_COST_STATE_UNRESTRICTED;
    c.background_bps = BGC_BANDWIDTH_UNLIMITED;
    return c;
}

static void assert_waits_for(struct bgc_job *job, int code, enum bgc_err_context ctx)
{
    struct bgc_error e;

    fx_wait_state_ms(job, BGC_STATE_TRANSIENT_ERROR, WAIT_MS, 1, __FILE__, __LINE__);
    assert_int_equal(bgc_job_get_error(job, &e), BGC_OK);
    assert_int_equal(e.code, code);
    assert_int_equal(e.context, ctx);
}

static void conditions_reject_a_cost_state_that_is_not_one_bit(void **state)
{
    struct fx *f = *state;
    struct bgc_conditions c = normal(), got;

    c.cost_state = 0;
    assert_int_equal(bgc_queue_set_conditions(f->q, &c), BGC_E_INVALIDARG);
    c.cost_state = BGC_COST_STATE_BELOW_CAP | BGC_COST_STATE_ROAMING;
    assert_int_equal(bgc_queue_set_conditions(f->q, &c), BGC_E_INVALIDARG);
    assert_int_equal(bgc_queue_set_conditions(f->q, NULL), BGC_E_INVALIDARG);
    bgc_queue_get_conditions(f->q, &got); /* defaults unchanged */
    assert_int_equal(got.network_up, 1);
    assert_int_equal(got.cost_state, BGC_COST_STATE_UNRESTRICTED);
    assert_true(got.background_bps == BGC_BANDWIDTH_UNLIMITED);
}

static void L11_network_loss_moves_active_jobs_to_transient_error(void **state)
{
    struct fx *f = *state;
    struct bgc_conditions c = normal();
    struct bgc_job *xfr, *que;
    char url[512];
    const char *pairs[2];

    xfr = fx_start_one(f, "/gen/4000000?seed=3&rate=500000", "a.bin");
    fx_wait_bytes(xfr, 0, 100000);
    pairs[0] = fx_url("/gen/1000?seed=4", url, sizeof(url));
    pairs[1] = "b.bin";
    c.network_up = 0;
    assert_int_equal(bgc_queue_set_conditions(f->q, &c), BGC_OK);
    que = fx_new_job_v(f, "queued while down", 1, pairs);
    assert_int_equal(bgc_job_resume(que), BGC_OK);
    assert_waits_for(xfr, BGC_E_NETWORK_DISCONNECTED, BGC_CTX_GENERAL_TRANSPORT);
    assert_waits_for(que, BGC_E_NETWORK_DISCONNECTED, BGC_CTX_GENERAL_TRANSPORT);
    assert_int_equal(bgc_job_get_error_count(que), 0); /* nothing was tried (cond.c, R2 choice) */
}

static void R2_a_job_waiting_for_the_network_is_not_retried_on_its_timer(void **state)
{
    struct fx *f = *state;
    struct bgc_conditions c = normal();
    struct bgc_job *job;
    unsigned long before;

    c.network_up = 0;
    assert_int_equal(bgc_queue_set_conditions(f->q, &c), BGC_OK);
    job = fx_start_one(f, "/gen/1000?seed=5", "r2.bin"); /* retry delay 1 s */
    assert_waits_for(job, BGC_E_NETWORK_DISCONNECTED, BGC_CTX_GENERAL_TRANSPORT);
    before = bgc_httpd_count(fx_httpd, NULL, "/gen/1000");
    fx_assert_not_state_for(job, BGC_STATE_QUEUED, 2500); /* two retry delays pass */
    assert_int_equal(bgc_job_get_state(job), BGC_STATE_TRANSIENT_ERROR);
    assert_int_equal(bgc_httpd_count(fx_httpd, NULL, "/gen/1000"), before);
}

static void L12_network_return_queues_every_transient_error_job_at_once(void **state)
{
    struct fx *f = *state;
    struct bgc_conditions c = normal();
    struct bgc_job *other, *cut;
    uint64_t t0;

    /* a job in TER for another reason, with a long retry delay */
    other = fx_start_one(f, "/gen/1001?seed=6&status=503", "other.bin");
    assert_int_equal(bgc_job_set_min_retry_delay(other, 600), BGC_OK);
    fx_wait_state_ms(other, BGC_STATE_TRANSIENT_ERROR, WAIT_MS, 1, __FILE__, __LINE__);
    cut = fx_start_one(f, "/gen/1000?seed=7", "cut.bin");
    fx_wait_state_ms(cut, BGC_STATE_TRANSFERRED, WAIT_MS, 1, __FILE__, __LINE__);
    cut = fx_start_one(f, "/gen/2000?seed=8", "cut2.bin");
    c.network_up = 0;
    assert_int_equal(bgc_queue_set_conditions(f->q, &c), BGC_OK);
    fx_wait_state_ms(cut, BGC_STATE_TRANSIENT_ERROR, WAIT_MS, 1, __FILE__, __LINE__);
    c.network_up = 1;
    t0 = fx_now_ms();
    assert_int_equal(bgc_queue_set_conditions(f->q, &c), BGC_OK);
    fx_wait_state_ms(cut, BGC_STATE_TRANSFERRED, WAIT_MS, 1, __FILE__, __LINE__);
    /* the 503 job was queued and tried again long before its 600 s retry delay */
    assert_int_equal(bgc_httpd_wait_count(fx_httpd, "/gen/1001", 2, 5000), 0);
    assert_true(fx_now_ms() - t0 < 600000);
}

static void L25_zero_bandwidth_policy_blocks_background_jobs_only(void **state)
{
    struct fx *f = *state;
    struct bgc_conditions c = normal();
    struct bgc_job *bg, *fg;
    char local[PATH_MAX];

    c.background_bps = 0;
    assert_int_equal(bgc_queue_set_conditions(f->q, &c), BGC_OK);
    bg = fx_start_one(f, "/gen/1000?seed=9", "bg.bin");
    fg = fx_start_one(f, "/gen/1000?seed=10", "fg.bin");
    assert_int_equal(bgc_job_set_priority(fg, BGC_PRIO_FOREGROUND), BGC_OK);
    assert_waits_for(bg, BGC_E_BLOCKED_BY_POLICY, BGC_CTX_GENERAL_QUEUE_MANAGER);
    fx_wait_state_ms(fg, BGC_STATE_TRANSFERRED, WAIT_MS, 1, __FILE__, __LINE__); /* S4: not for FOREGROUND */
    fx_assert_not_state_for(bg, BGC_STATE_QUEUED, 1500); /* R2: no timer retry */
    c.background_bps = BGC_BANDWIDTH_UNLIMITED; /* the interval ends */
    assert_int_equal(bgc_queue_set_conditions(f->q, &c), BGC_OK);
    fx_wait_state_ms(bg, BGC_STATE_TRANSFERRED, WAIT_MS, 1, __FILE__, __LINE__);
    assert_int_equal(bgc_job_complete(bg, NULL), BGC_OK);
    fx_assert_content(fx_path(f, "bg.bin", local, sizeof(local)), 9, 1000);
}

static void S4_bandwidth_policy_limits_background_transfers(void **state)
{
    struct fx *f = *state;
    struct bgc_conditions c = normal();
    struct bgc_job *job;
    uint64_t t0 = fx_now_ms();
    char local[PATH_MAX];

    /* 2 MB at 400 KB/s takes about 5 s (libcurl may deliver its first buffer early); without
     * the policy it takes milliseconds on loopback. A lower bound on a rate limit, not a
     * speed target. */
    c.background_bps = 400000;
    assert_int_equal(bgc_queue_set_conditions(f->q, &c), BGC_OK);
    job = fx_start_one(f, "/gen/2000000?seed=11", "s4.bin");
    fx_wait_state_ms(job, BGC_STATE_TRANSFERRED, WAIT_MS, 1, __FILE__, __LINE__);
    print_message("2 MB at a 400 KB/s policy took %llu ms\n", (unsigned long long)(fx_now_ms() - t0));
    assert_true(fx_now_ms() - t0 >= 2500);
    assert_int_equal(bgc_job_complete(job, NULL), BGC_OK);
    fx_assert_content(fx_path(f, "s4.bin", local, sizeof(local)), 11, 2000000);
}

static void S7_cost_flags_gate_transfers_on_the_current_network(void **state)
{
    struct fx *f = *state;
    struct bgc_conditions c = normal();
    struct bgc_job *always, *cheap;
    char local[PATH_MAX];

    c.cost_state = BGC_COST_STATE_ROAMING;
    assert_int_equal(bgc_queue_set_conditions(f->q, &c), BGC_OK);
    always = fx_start_one(f, "/gen/1000?seed=12", "always.bin"); /* default TRANSFER_ALWAYS */
    cheap = fx_new_job_v(f, "unrestricted only", 0, NULL);
    {
        char url[512];
        struct bgc_file_spec spec;

        spec.remote = fx_url("/gen/1000?seed=13", url, sizeof(url));
        spec.local = fx_path(f, "cheap.bin", local, sizeof(local));
        assert_int_equal(bgc_job_add_files(cheap, 1, &spec), BGC_OK);
    }
    assert_int_equal(bgc_job_set_cost_flags(cheap, BGC_COST_STATE_UNRESTRICTED), BGC_OK);
    assert_int_equal(bgc_job_resume(cheap), BGC_OK);
    fx_wait_state_ms(always, BGC_STATE_TRANSFERRED, WAIT_MS, 1, __FILE__, __LINE__);
    assert_waits_for(cheap, BGC_E_BLOCKED_BY_COST, BGC_CTX_GENERAL_QUEUE_MANAGER);
    c.cost_state = BGC_COST_STATE_UNRESTRICTED; /* back home */
    assert_int_equal(bgc_queue_set_conditions(f->q, &c), BGC_OK);
    fx_wait_state_ms(cheap, BGC_STATE_TRANSFERRED, WAIT_MS, 1, __FILE__, __LINE__);
    assert_int_equal(bgc_job_complete(cheap, NULL), BGC_OK);
    fx_assert_content(fx_path(f, "cheap.bin", local, sizeof(local)), 13, 1000);
}

/* S7 (power): standby on battery stops every job, FOREGROUND too; standby on AC power and
 * battery power without standby stop nothing. */
static void S7_standby_on_battery_blocks_every_job_until_ac_power(void **state)
{
    struct fx *f = *state;
    struct bgc_conditions c = normal();
    struct bgc_job *bg, *fg, *ok;
    char local[PATH_MAX];

    c.on_battery = 1; /* battery alone: transfers go on */
    assert_int_equal(bgc_queue_set_conditions(f->q, &c), BGC_OK);
    ok = fx_start_one(f, "/gen/1000?seed=20", "battery.bin");
    fx_wait_state_ms(ok, BGC_STATE_TRANSFERRED, WAIT_MS, 1, __FILE__, __LINE__);
    c.standby = 1;
    assert_int_equal(bgc_queue_set_conditions(f->q, &c), BGC_OK);
    bg = fx_start_one(f, "/gen/1000?seed=21", "sb-bg.bin");
    fg = fx_start_one(f, "/gen/1000?seed=22", "sb-fg.bin");
    assert_int_equal(bgc_job_set_priority(fg, BGC_PRIO_FOREGROUND), BGC_OK);
    assert_waits_for(bg, BGC_E_STANDBY_MODE, BGC_CTX_GENERAL_QUEUE_MANAGER);
    assert_waits_for(fg, BGC_E_STANDBY_MODE, BGC_CTX_GENERAL_QUEUE_MANAGER);
    fx_assert_not_state_for(bg, BGC_STATE_QUEUED, 1500); /* R2: no timer retry */
    c.on_battery = 0; /* plugged in, still in standby */
    assert_int_equal(bgc_queue_set_conditions(f->q, &c), BGC_OK);
    fx_wait_state_ms(bg, BGC_STATE_TRANSFERRED, WAIT_MS, 1, __FILE__, __LINE__);
    fx_wait_state_ms(fg, BGC_STATE_TRANSFERRED, WAIT_MS, 1, __FILE__, __LINE__);
    assert_int_equal(bgc_job_complete(bg, NULL), BGC_OK);
    fx_assert_content(fx_path(f, "sb-bg.bin", local, sizeof(local)), 21, 1000);
}

static void S7_battery_saver_blocks_background_jobs_only(void **state)
{
    struct fx *f = *state;
    struct bgc_conditions c = normal();
    struct bgc_job *bg, *fg;
    char local[PATH_MAX];

    c.on_battery = 1;
    c.battery_saver = 1;
    assert_int_equal(bgc_queue_set_conditions(f->q, &c), BGC_OK);
    bg = fx_start_one(f, "/gen/1000?seed=23", "saver-bg.bin");
    fg = fx_start_one(f, "/gen/1000?seed=24", "saver-fg.bin");
    assert_int_equal(bgc_job_set_priority(fg, BGC_PRIO_FOREGROUND), BGC_OK);
    assert_waits_for(bg, BGC_E_BLOCKED_BY_BATTERY_SAVER, BGC_CTX_GENERAL_QUEUE_MANAGER);
    fx_wait_state_ms(fg, BGC_STATE_TRANSFERRED, WAIT_MS, 1, __FILE__, __LINE__);
    c.battery_saver = 0;
    assert_int_equal(bgc_queue_set_conditions(f->q, &c), BGC_OK);
    fx_wait_state_ms(bg, BGC_STATE_TRANSFERRED, WAIT_MS, 1, __FILE__, __LINE__);
    assert_int_equal(bgc_job_complete(bg, NULL), BGC_OK);
    fx_assert_content(fx_path(f, "saver-bg.bin", local, sizeof(local)), 23, 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(conditions_reject_a_cost_state_that_is_not_one_bit, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(L11_network_loss_moves_active_jobs_to_transient_error, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(R2_a_job_waiting_for_the_network_is_not_retried_on_its_timer, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(L12_network_return_queues_every_transient_error_job_at_once, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(L25_zero_bandwidth_policy_blocks_background_jobs_only, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(S4_bandwidth_policy_limits_background_transfers, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(S7_cost_flags_gate_transfers_on_the_current_network, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(S7_standby_on_battery_blocks_every_job_until_ac_power, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(S7_battery_saver_blocks_background_jobs_only, fx_setup, fx_teardown),
    };

    return cmocka_run_group_tests(tests, fx_group_setup, fx_group_teardown);
}
