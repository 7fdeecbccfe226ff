/*
 * test_files_ondemand.c - on-demand mode (jobs/ondemand.c; bits-behavior 2.6 ON_DEMAND_MODE,
 * 2.7 File6, L27, N2 FileRangesTransferred) against the loopback server.
 */
#include "test_engine_fixture.h"

/* Number of FILE_RANGES_TRANSFERRED deliveries so far. */
static unsigned ranges_events(struct fx *f)
{
    unsigned n = 0;

    pthread_mutex_lock(&f->sink.mu);
    for (unsigned i = 0; i < f->sink.nevents && i < MAX_EVENTS; i++)
        n += f->sink.events[i].ev == BGC_EVENT_FILE_RANGES_TRANSFERRED;
    pthread_mutex_unlock(&f->sink.mu);
    return n;
}

static void read_at(const char *path, uint64_t off, void *buf, size_t n)
{
    FILE *fp = fopen(path, "rb");

    assert_non_null(fp);
    assert_int_equal(fseeko(fp, (off_t)off, SEEK_SET), 0);
    assert_int_equal(fread(buf, 1, n, fp), n);
    fclose(fp);
}

static void J1_on_demand_mode_rules(void **state)
{
    struct fx *f = *state;
    char url[1024];
    const char *pairs[] = {fx_url("/gen/1000/odr", url, sizeof(url)), "odr.bin"};
    struct bgc_job *job = fx_new_job_v(f, "od", 1, pairs), *plain = fx_new_job_v(f, "plain", 1, pairs);
    struct bgc_range r = {0, 10}, *got = NULL;
    size_t n = 7;

    /* 2.7: File6 needs an on-demand job */
    assert_int_equal(bgc_job_request_file_ranges(plain, 0, 1, &r), BGC_E_RANDOM_ACCESS_NOT_SUPPORTED);
    assert_int_equal(bgc_job_update_download_position(plain, 0, 0), BGC_E_RANDOM_ACCESS_NOT_SUPPORTED);
    assert_int_equal(bgc_job_get_filled_file_ranges(plain, 0, &got, &n), BGC_E_RANDOM_ACCESS_NOT_SUPPORTED);
    assert_int_equal(bgc_job_get_on_demand(job), 0);
    assert_int_equal(bgc_job_set_dynamic_content(job, 1), BGC_OK);
    assert_int_equal(bgc_job_set_on_demand(job, 1), BGC_E_UNSUPPORTED_JOB_CONFIGURATION);
    assert_int_equal(bgc_job_set_dynamic_content(job, 0), BGC_OK);
    assert_int_equal(bgc_job_set_on_demand(job, 1), BGC_OK);
    assert_int_equal(bgc_job_set_dynamic_content(job, 1), BGC_E_UNSUPPORTED_JOB_CONFIGURATION);
    assert_int_equal(bgc_job_request_file_ranges(job, 0, 0, &r), BGC_E_INVALIDARG);
    r.length = 0;
    assert_int_equal(bgc_job_request_file_ranges(job, 0, 1, &r), BGC_E_INVALID_RANGE);
    assert_int_equal(bgc_job_get_filled_file_ranges(job, 0, &got, &n), BGC_OK);
    assert_int_equal(n, 0);
    assert_null(got);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    assert_int_equal(bgc_job_set_on_demand(job, 0), BGC_E_READ_ONLY_AFTER_RESUME);
    fx_wait_state(job, BGC_STATE_TRANSFERRED); /* no requests: the whole file, in order */
    assert_int_equal(bgc_job_get_filled_file_ranges(job, 0, &got, &n), BGC_OK);
    assert_int_equal(n, 1);
    assert_int_equal(got[0].offset, 0);
    assert_int_equal(got[0].length, 1000);
    bgc_free(got);
}

static void L27_requested_ranges_done_suspends_then_resume_fills_the_rest(void **state)
{
    struct fx *f = *state;
    char url[1024], dest[PATH_MAX], *temp = NULL;
    const char *pairs[] = {fx_url("/gen/1000000/od1?seed=4", url, sizeof(url)), "od1.bin"};
    struct bgc_job *job = fx_new_job_v(f, "od", 1, pairs);
    struct bgc_range req[] = {{500000, 1000}, {100, 100}, {150, 100}}, *got = NULL;
    struct bgc_file_progress fp;
    unsigned char buf[1000];
    size_t n = 0;

    assert_int_equal(bgc_job_set_on_demand(job, 1), BGC_OK);
    assert_int_equal(bgc_job_set_notify_flags(job, BGC_NOTIFY_FILE_RANGES_TRANSFERRED | BGC_NOTIFY_JOB_TRANSFERRED),
                     BGC_OK);
    assert_int_equal(bgc_job_request_file_ranges(job, 0, 3, req), BGC_OK); /* overlap allowed */
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_SUSPENDED); /* L27: requests done, file incomplete */
    assert_int_equal(bgc_job_get_filled_file_ranges(job, 0, &got, &n), BGC_OK);
    assert_int_equal(n, 2); /* merged and sorted */
    assert_int_equal(got[0].offset, 100);
    assert_int_equal(got[0].length, 150);
    assert_int_equal(got[1].offset, 500000);
    assert_int_equal(got[1].length, 1000);
    bgc_free(got);
    assert_int_equal(bgc_job_get_file_progress(job, 0, &fp), BGC_OK);
    assert_int_equal(fp.bytes_transferred, 1150);
    assert_int_equal(fp.bytes_total, 1000000);
    assert_int_equal(bgc_job_get_file_temp_name(job, 0, &temp), BGC_OK);
    read_at(temp, 500000, buf, 1000); /* the image holds the data at its own offsets */
    assert_int_equal(bgc_testdata_check(4, 500000, buf, 1000), 1);
    read_at(temp, 100, buf, 150);
    assert_int_equal(bgc_testdata_check(4, 100, buf, 150), 1);
    bgc_free(temp);
    if (bgc_httpd_count(fx_httpd, "GET", "/gen/1000000/od1") != 2)
        fx_dump_requests("/gen/1000000/od1");
    assert_int_equal(bgc_httpd_count(fx_httpd, "GET", "/gen/1000000/od1"), 2); /* each byte once */
    for (uint64_t end = fx_now_ms() + WAIT_MS; ranges_events(f) == 0 && fx_now_ms() < end;)
        fx_sleep_ms(5);
    assert_true(ranges_events(f) >= 1); /* N2 */
    /* past the end, now that the size is known */
    req[0].offset = 999990;
    req[0].length = 20;
    assert_int_equal(bgc_job_request_file_ranges(job, 0, 1, req), BGC_E_INVALID_RANGE);

    assert_int_equal(bgc_job_resume(job), BGC_OK); /* no requests left: fill the rest */
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(bgc_job_complete(job, NULL), BGC_OK);
    fx_assert_content(fx_path(f, "od1.bin", dest, sizeof(dest)), 4, 1000000);
}

static void N2_transferred_ranges_are_taken_once(void **state)
{
    struct fx *f = *state;
    char url[1024];
    const char *pairs[] = {fx_url("/gen/100000/od2", url, sizeof(url)), "od2.bin"};
    struct bgc_job *job = fx_new_job_v(f, "od", 1, pairs);
    struct bgc_range req = {2000, 3000}, *got = NULL;
    size_t n = 0;

    assert_int_equal(bgc_job_set_on_demand(job, 1), BGC_OK);
    /* with the flag off the notifier drops them (N1), so it is on; the test sink never takes */
    assert_int_equal(bgc_job_set_notify_flags(job, BGC_NOTIFY_FILE_RANGES_TRANSFERRED), BGC_OK);
    assert_int_equal(bgc_job_request_file_ranges(job, 0, 1, &req), BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_SUSPENDED);
    assert_int_equal(bgc_job_take_transferred_ranges(job, 0, &got, &n), BGC_OK);
    assert_int_equal(n, 1);
    assert_int_equal(got[0].offset, 2000);
    assert_int_equal(got[0].length, 3000);
    bgc_free(got);
    assert_int_equal(bgc_job_take_transferred_ranges(job, 0, &got, &n), BGC_OK);
    assert_int_equal(n, 0);
    assert_null(got);
}

static void N2_file_ranges_transferred_is_rate_limited(void **state)
{
    struct fx *f = *state;
    char url[1024];
    const char *pairs[] = {fx_url("/gen/1000000/od3", url, sizeof(url)), "od3.bin"};
    struct bgc_job *job = fx_new_job_v(f, "od", 1, pairs);
    struct bgc_range req[40];
    uint64_t t0, t1, first = 0, last = 0;
    unsigned events = 0;

    for (int i = 0; i < 40; i++) {
        req[i].offset = (uint64_t)i * 20000;
        req[i].length = 1000;
    }
    assert_int_equal(bgc_job_set_on_demand(job, 1), BGC_OK);
    assert_int_equal(bgc_job_set_notify_flags(job, BGC_NOTIFY_FILE_RANGES_TRANSFERRED), BGC_OK);
    assert_int_equal(bgc_job_request_file_ranges(job, 0, 40, req), BGC_OK);
    t0 = fx_now_ms();
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_SUSPENDED);
    fx_sleep_ms(600); /* let a last, rate-limited event out */
    t1 = fx_now_ms();
    pthread_mutex_lock(&f->sink.mu);
    for (unsigned i = 0; i < f->sink.nevents && i < MAX_EVENTS; i++) {
        if (f->sink.events[i].ev != BGC_EVENT_FILE_RANGES_TRANSFERRED)
            continue;
        if (!events++)
            first = f->sink.events[i].t_ms;
        else
            assert_true(f->sink.events[i].t_ms - last >= 450); /* one per 500 ms interval */
        last = f->sink.events[i].t_ms;
    }
    pthread_mutex_unlock(&f->sink.mu);
    (void)first;
    assert_true(events >= 1);
    assert_true(events <= (t1 - t0) / 500 + 1);
    assert_int_equal(bgc_httpd_count(fx_httpd, "GET", "/gen/1000000/od3"), 40);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(J1_on_demand_mode_rules, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(L27_requested_ranges_done_suspends_then_resume_fills_the_rest, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(N2_transferred_ranges_are_taken_once, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(N2_file_ranges_transferred_is_rate_limited, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests_name("files_ondemand", tests, fx_group_setup, fx_group_teardown);
}
