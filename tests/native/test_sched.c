/*
 * test_sched.c - the scheduler (jobs/sched.c) against the loopback server: FOREGROUND jobs
 * outside the background slot limit (S2), priority preemption keeping bytes (S1), round-robin
 * time slices within a priority (S3, L9), the maximum download time (L17) and its reset by
 * Resume (L4), elapsed-time accounting (L33) and Suspend/Resume mid-transfer (L19, L2).
 *
 * Slow transfers use the server's `rate=` option, so a job stays TRANSFERRING for a known
 * time. Each test uses its own server paths.
 */
#include "test_engine_fixture.h"

/* Per-test configurations: one background slot (as BITS), short slices. */
static int setup_one_slot(void **state)
{
    struct bgc_config cfg;

    memset(&cfg, 0, sizeof(cfg));
    cfg.max_transfers = 1;
    cfg.time_slice_ms = 60000; /* no rotation within these tests */
    return fx_setup_cfg(state, &cfg);
}

static int setup_short_slice(void **state)
{
    struct bgc_config cfg;

    memset(&cfg, 0, sizeof(cfg));
    cfg.max_transfers = 1;
    cfg.time_slice_ms = 300;
    return fx_setup_cfg(state, &cfg);
}

static uint64_t file_bytes(struct bgc_job *job)
{
    struct bgc_file_progress p;

    memset(&p, 0, sizeof(p));
    assert_int_equal(bgc_job_get_file_progress(job, 0, &p), BGC_OK);
    return p.bytes_transferred;
}

static int in_download(enum bgc_state s)
{
    return s == BGC_STATE_CONNECTING || s == BGC_STATE_TRANSFERRING;
}

static void complete_and_check(struct fx *f, struct bgc_job *job, const char *local, uint64_t seed, uint64_t size)
{
    char dest[PATH_MAX];
    int os_error = 0;

    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(bgc_job_complete(job, &os_error), BGC_OK);
    fx_assert_content(fx_path(f, local, dest, sizeof(dest)), seed, size);
}

/* S2: with one background slot held by a slow NORMAL job, FOREGROUND jobs still transfer at
 * once, two of them at the same time. */
static void S2_foreground_jobs_do_not_wait_for_the_background_slot(void **state)
{
    struct fx *f = *state;
    struct bgc_job *bg, *fg1, *fg2;

    bg = fx_start_one(f, "/gen/400000/s2-bg?rate=100000&seed=3", "s2-bg.bin");
    fx_wait_bytes(bg, 0, 1);
    fg1 = fx_start_one(f, "/gen/200000/s2-fg1?rate=100000&seed=4", "s2-fg1.bin");
    fg2 = fx_start_one(f, "/gen/200000/s2-fg2?rate=100000&seed=5", "s2-fg2.bin");
    assert_int_equal(bgc_job_set_priority(fg1, BGC_PRIO_FOREGROUND), BGC_OK);
    assert_int_equal(bgc_job_set_priority(fg2, BGC_PRIO_FOREGROUND), BGC_OK);
    fx_wait_bytes(fg1, 0, 1);
    fx_wait_bytes(fg2, 0, 1);
    /* all three move bytes at the same time; the background job was not preempted */
    assert_true(in_download(bgc_job_get_state(bg)));
    assert_true(in_download(bgc_job_get_state(fg1)) || bgc_job_get_state(fg1) == BGC_STATE_TRANSFERRED);
    assert_true(in_download(bgc_job_get_state(fg2)) || bgc_job_get_state(fg2) == BGC_STATE_TRANSFERRED);
    complete_and_check(f, fg1, "s2-fg1.bin", 4, 200000);
    complete_and_check(f, fg2, "s2-fg2.bin", 5, 200000);
    complete_and_check(f, bg, "s2-bg.bin", 3, 400000);
}

/* S2: background jobs wait for the slot: a second NORMAL job stays QUEUED while the first runs. */
static void S2_one_background_slot_keeps_the_second_job_queued(void **state)
{
    struct fx *f = *state;
    struct bgc_job *a, *b;

    a = fx_start_one(f, "/gen/300000/s2q-a?rate=150000&seed=6", "s2q-a.bin");
    fx_wait_bytes(a, 0, 1);
    b = fx_start_one(f, "/gen/1000/s2q-b?seed=7", "s2q-b.bin");
    fx_assert_not_state_for(b, BGC_STATE_TRANSFERRED, 500);
    assert_int_equal(bgc_job_get_state(b), BGC_STATE_QUEUED);
    complete_and_check(f, a, "s2q-a.bin", 6, 300000);
    complete_and_check(f, b, "s2q-b.bin", 7, 1000);
}

/* S1: a HIGH job preempts the running LOW job, which goes back to QUEUED keeping its bytes
 * and finishes (by Range resume) after the HIGH job. */
static void S1_higher_priority_preempts_lower_which_keeps_its_bytes(void **state)
{
    struct fx *f = *state;
    struct bgc_job *low, *high;
    uint64_t kept;

    low = fx_start_one(f, "/gen/300000/s1-low?rate=100000&seed=8", "s1-low.bin");
    assert_int_equal(bgc_job_set_priority(low, BGC_PRIO_LOW), BGC_OK);
    fx_wait_bytes(low, 0, 20000);
    high = fx_start_one(f, "/gen/100000/s1-high?rate=200000&seed=9", "s1-high.bin");
    assert_int_equal(bgc_job_set_priority(high, BGC_PRIO_HIGH), BGC_OK);
    fx_wait_state_ms(low, BGC_STATE_QUEUED, WAIT_MS, 1, __FILE__, __LINE__);
    kept = file_bytes(low);
    assert_true(kept >= 20000);
    fx_wait_bytes(high, 0, 1);
    /* the LOW job gets no time while the HIGH one runs */
    while (in_download(bgc_job_get_state(high))) {
        assert_int_equal(bgc_job_get_state(low), BGC_STATE_QUEUED);
        fx_sleep_ms(5);
    }
    complete_and_check(f, high, "s1-high.bin", 9, 100000);
    complete_and_check(f, low, "s1-low.bin", 8, 300000);
    {
        struct bgc_httpd_request r;

        assert_int_equal(fx_last_get("/gen/300000/s1-low", &r), 0);
        assert_true(r.range[0] != 0); /* resumed with a Range request, bytes kept */
    }
}

/* S3, L9: two NORMAL jobs with one slot and a 300 ms slice take turns: the second job moves
 * bytes before the first one is done, and the first goes back to QUEUED meanwhile. */
static void S3_L9_equal_priority_jobs_take_turns_by_time_slice(void **state)
{
    struct fx *f = *state;
    struct bgc_job *a, *b;
    uint64_t end;
    int a_requeued = 0;

    a = fx_start_one(f, "/gen/200000/s3-a?rate=50000&seed=10", "s3-a.bin");
    fx_wait_bytes(a, 0, 1);
    b = fx_start_one(f, "/gen/200000/s3-b?rate=50000&seed=11", "s3-b.bin");
    end = fx_now_ms() + WAIT_MS;
    while (file_bytes(b) == 0 && fx_now_ms() < end) {
        if (bgc_job_get_state(a) == BGC_STATE_QUEUED)
            a_requeued = 1;
        fx_sleep_ms(2);
    }
    assert_true(file_bytes(b) > 0);
    assert_true(file_bytes(a) < 200000); /* b ran before a was done */
    assert_true(a_requeued || bgc_job_get_state(a) == BGC_STATE_QUEUED);
    complete_and_check(f, a, "s3-a.bin", 10, 200000);
    complete_and_check(f, b, "s3-b.bin", 11, 200000);
}

/* S3: a job alone at its priority keeps its slot when its slice ends. */
static void S3_job_alone_at_its_priority_keeps_running(void **state)
{
    struct fx *f = *state;
    struct bgc_job *a = fx_start_one(f, "/gen/150000/s3alone?rate=100000&seed=12", "s3alone.bin");

    fx_wait_bytes(a, 0, 1);
    fx_assert_not_state_for(a, BGC_STATE_QUEUED, 1000); /* > 3 slices */
    complete_and_check(f, a, "s3alone.bin", 12, 150000);
}

/* S3: a job that could not resume (DYNAMIC_CONTENT restarts from zero) is not rotated out,
 * even with a same-priority job waiting: the waiting one runs after it. */
static void S3_job_that_cannot_resume_is_not_rotated(void **state)
{
    struct fx *f = *state;
    char url[256];
    const char *pairs[2];
    struct bgc_job *a, *b;

    pairs[0] = fx_url("/gen/100000/s3dyn-a?rate=100000&seed=19", url, sizeof(url));
    pairs[1] = "s3dyn-a.bin";
    a = fx_new_job_v(f, "dynamic", 1, pairs);
    assert_int_equal(bgc_job_set_dynamic_content(a, 1), BGC_OK);
    assert_int_equal(bgc_job_resume(a), BGC_OK);
    fx_wait_bytes(a, 0, 1);
    b = fx_start_one(f, "/gen/1000/s3dyn-b?seed=20", "s3dyn-b.bin");
    fx_assert_not_state_for(a, BGC_STATE_QUEUED, 600); /* two slices */
    assert_int_equal(bgc_job_get_state(b), BGC_STATE_QUEUED);
    complete_and_check(f, a, "s3dyn-a.bin", 19, 100000);
    complete_and_check(f, b, "s3dyn-b.bin", 20, 1000);
}

/* L17: time in CONNECTING+TRANSFERRING beyond the maximum download time -> ERROR with
 * BGC_E_MAXDOWNLOAD_TIMEOUT; L4: Resume resets the counter, so the job transfers again. */
static void L17_L4_max_download_time_errors_and_resume_resets_it(void **state)
{
    struct fx *f = *state;
    char url[256];
    const char *pairs[2];
    struct bgc_job *job;
    struct bgc_error err;
    uint64_t t0;

    pairs[0] = fx_url("/gen/400000/l17?rate=100000&seed=13", url, sizeof(url));
    pairs[1] = "l17.bin";
    job = fx_new_job_v(f, "l17", 1, pairs);
    assert_int_equal(bgc_job_get_max_download_time(job), 7776000);
    assert_int_equal(bgc_job_set_max_download_time(job, 1), BGC_OK);
    assert_int_equal(bgc_job_get_max_download_time(job), 1);
    t0 = fx_now_ms();
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state_ms(job, BGC_STATE_ERROR, WAIT_MS, 0, __FILE__, __LINE__);
    assert_true(fx_now_ms() - t0 >= 900);
    assert_true(fx_now_ms() - t0 < 3000);
    assert_int_equal(bgc_job_get_error(job, &err), BGC_OK);
    assert_int_equal(err.code, BGC_E_MAXDOWNLOAD_TIMEOUT);
    assert_int_equal(bgc_job_get_error_count(job), 1);
    assert_true(file_bytes(job) > 0 && file_bytes(job) < 400000);
    assert_true(bgc_job_get_download_time_ms(job) >= 1000);

    assert_int_equal(bgc_job_resume(job), BGC_OK); /* L4 */
    assert_true(bgc_job_get_download_time_ms(job) < 500);
    fx_wait_bytes(job, 0, file_bytes(job) + 1); /* it transfers again instead of failing */
    assert_int_equal(bgc_job_set_max_download_time(job, 0), BGC_OK); /* 0 = no limit */
    complete_and_check(f, job, "l17.bin", 13, 400000);
}

/* L33, L17: only CONNECTING+TRANSFERRING time counts; a suspended job's clock stands still. */
static void L33_suspended_time_does_not_count_against_max_download_time(void **state)
{
    struct fx *f = *state;
    char url[256];
    const char *pairs[2];
    struct bgc_job *job;
    uint64_t used;

    pairs[0] = fx_url("/gen/300000/l33?rate=100000&seed=14", url, sizeof(url));
    pairs[1] = "l33.bin";
    job = fx_new_job_v(f, "l33", 1, pairs);
    assert_int_equal(bgc_job_set_max_download_time(job, 2), BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_bytes(job, 0, 1);
    assert_int_equal(bgc_job_suspend(job), BGC_OK); /* L19 mid-transfer */
    used = bgc_job_get_download_time_ms(job);
    fx_sleep_ms(2500); /* longer than the limit */
    assert_true(bgc_job_get_download_time_ms(job) == used);
    assert_int_equal(bgc_job_get_state(job), BGC_STATE_SUSPENDED);
    assert_int_equal(bgc_job_resume(job), BGC_OK); /* L2 */
    fx_wait_bytes(job, 0, file_bytes(job) + 1);
    assert_int_not_equal(bgc_job_get_state(job), BGC_STATE_ERROR);
    assert_int_equal(bgc_job_set_max_download_time(job, 0), BGC_OK);
    complete_and_check(f, job, "l33.bin", 14, 300000);
}

/* L19, L2 with several jobs: suspending the running background job frees the slot for the
 * next one; resuming it later finishes it byte-exact. */
static void L19_suspend_frees_the_slot_and_resume_finishes(void **state)
{
    struct fx *f = *state;
    struct bgc_job *a, *b;

    a = fx_start_one(f, "/gen/300000/l19-a?rate=100000&seed=15", "l19-a.bin");
    fx_wait_bytes(a, 0, 1);
    b = fx_start_one(f, "/gen/50000/l19-b?seed=16", "l19-b.bin");
    assert_int_equal(bgc_job_get_state(b), BGC_STATE_QUEUED);
    assert_int_equal(bgc_job_suspend(a), BGC_OK);
    assert_int_equal(bgc_job_get_state(a), BGC_STATE_SUSPENDED);
    complete_and_check(f, b, "l19-b.bin", 16, 50000);
    assert_int_equal(bgc_job_resume(a), BGC_OK);
    complete_and_check(f, a, "l19-a.bin", 15, 300000);
}

/* L6, L7: a queued job gets CONNECTING when the scheduler grants it the slot (not before),
 * and TRANSFERRING once the server answered. */
static void L6_L7_queued_to_connecting_on_slot_then_transferring_on_answer(void **state)
{
    struct fx *f = *state;
    struct bgc_job *a, *b;

    a = fx_start_one(f, "/gen/100000/l6-a?rate=200000&seed=17", "l6-a.bin");
    fx_wait_bytes(a, 0, 1);
    b = fx_start_one(f, "/gen/100000/l6-b?delay=800&rate=200000&seed=18", "l6-b.bin");
    assert_int_equal(bgc_job_get_state(b), BGC_STATE_QUEUED); /* no slot yet */
    fx_wait_state(a, BGC_STATE_TRANSFERRED);
    fx_wait_state(b, BGC_STATE_CONNECTING);                   /* L6: slot granted */
    assert_int_equal(file_bytes(b), 0);
    fx_wait_state(b, BGC_STATE_TRANSFERRING);                 /* L7: the server answered */
    complete_and_check(f, b, "l6-b.bin", 18, 100000);
    complete_and_check(f, a, "l6-a.bin", 17, 100000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(L6_L7_queued_to_connecting_on_slot_then_transferring_on_answer,
                                        setup_one_slot, fx_teardown),
        cmocka_unit_test_setup_teardown(S2_foreground_jobs_do_not_wait_for_the_background_slot, setup_one_slot,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(S2_one_background_slot_keeps_the_second_job_queued, setup_one_slot,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(S1_higher_priority_preempts_lower_which_keeps_its_bytes, setup_one_slot,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(S3_L9_equal_priority_jobs_take_turns_by_time_slice, setup_short_slice,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(S3_job_alone_at_its_priority_keeps_running, setup_short_slice,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(S3_job_that_cannot_resume_is_not_rotated, setup_short_slice, fx_teardown),
        cmocka_unit_test_setup_teardown(L17_L4_max_download_time_errors_and_resume_resets_it, setup_one_slot,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(L33_suspended_time_does_not_count_against_max_download_time,
                                        setup_one_slot, fx_teardown),
        cmocka_unit_test_setup_teardown(L19_suspend_frees_the_slot_and_resume_finishes, setup_one_slot,
                                        fx_teardown),
    };
    return cmocka_run_group_tests_name("sched", tests, fx_group_setup, fx_group_teardown);
}
