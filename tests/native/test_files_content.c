/*
 * test_files_content.c - the Job5 download-content properties of jobs/content.c (bits-behavior
 * 2.6, F16): DYNAMIC_CONTENT, HIGH_PERFORMANCE and MAX_DOWNLOAD_SIZE, against the loopback
 * server.
 */
#include "test_engine_fixture.h"

/* ---- DYNAMIC_CONTENT ------------------------------------------------------------------- */

static void J1_dynamic_content_only_before_the_first_resume_and_not_with_ranges(void **state)
{
    struct fx *f = *state;
    char url[1024], local[PATH_MAX];
    const char *pairs[] = {fx_url("/gen/100/dyn0", url, sizeof(url)), "dyn0.bin"};
    struct bgc_job *job = fx_new_job_v(f, "dyn", 1, pairs);
    struct bgc_range r = {0, 10};
    struct bgc_file_spec spec = {url, fx_path(f, "dyn1.bin", local, sizeof(local))};

    assert_int_equal(bgc_job_get_dynamic_content(job), 0);
    assert_int_equal(bgc_job_set_dynamic_content(job, 1), BGC_OK);
    assert_int_equal(bgc_job_get_dynamic_content(job), 1);
    assert_int_equal(bgc_job_add_file_with_ranges(job, &spec, 1, &r), BGC_E_UNSUPPORTED_JOB_CONFIGURATION);
    assert_int_equal(bgc_job_set_dynamic_content(job, 0), BGC_OK);
    assert_int_equal(bgc_job_add_file_with_ranges(job, &spec, 1, &r), BGC_OK);
    assert_int_equal(bgc_job_set_dynamic_content(job, 1), BGC_E_UNSUPPORTED_JOB_CONFIGURATION);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    assert_int_equal(bgc_job_set_dynamic_content(job, 0), BGC_E_READ_ONLY_AFTER_RESUME);
}

static void F16_dynamic_content_needs_no_length_and_keeps_total_unknown(void **state)
{
    struct fx *f = *state;
    char url[1024], dest[PATH_MAX];
    const char *pairs[] = {fx_url("/gen/300000/dynlen?nolength=1&seed=5", url, sizeof(url)), "dl.bin"};
    struct bgc_job *job = fx_new_job_v(f, "dyn", 1, pairs);
    struct bgc_file_progress fp;

    assert_int_equal(bgc_job_set_dynamic_content(job, 1), BGC_OK);
    assert_int_equal(bgc_job_set_priority(job, BGC_PRIO_FOREGROUND), BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(bgc_job_get_file_progress(job, 0, &fp), BGC_OK);
    assert_true(fp.bytes_total == BGC_SIZE_UNKNOWN); /* F16 */
    assert_int_equal(fp.bytes_transferred, 300000);
    assert_int_equal(bgc_job_complete(job, NULL), BGC_OK);
    fx_assert_content(fx_path(f, "dl.bin", dest, sizeof(dest)), 5, 300000);
}

static void F16_dynamic_content_restarts_from_zero_after_an_interruption(void **state)
{
    struct fx *f = *state;
    char url[1024], dest[PATH_MAX];
    const char *pairs[] = {fx_url("/gen/400000/dyndrop?drop=200000&dropid=dd&seed=6", url, sizeof(url)),
                           "dd.bin"};
    struct bgc_job *job = fx_new_job_v(f, "dyn", 1, pairs);
    struct bgc_httpd_request q;

    assert_int_equal(bgc_job_set_dynamic_content(job, 1), BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(bgc_httpd_count(fx_httpd, "GET", "/gen/400000/dyndrop"), 2);
    assert_int_equal(fx_last_get("/gen/400000/dyndrop", &q), 0);
    assert_int_equal(q.has_range, 0); /* no Range: the file started over */
    assert_int_equal(q.status, 200);
    assert_int_equal(bgc_job_complete(job, NULL), BGC_OK);
    fx_assert_content(fx_path(f, "dd.bin", dest, sizeof(dest)), 6, 400000);
}

/* ---- HIGH_PERFORMANCE ------------------------------------------------------------------ */

static void J1_high_performance_only_before_the_first_add_file(void **state)
{
    struct fx *f = *state;
    char url[1024];
    const char *pairs[] = {fx_url("/gen/100/hp0", url, sizeof(url)), "hp0.bin"};
    struct bgc_job *empty = fx_new_job_v(f, "hp", 0, NULL);
    struct bgc_job *job = fx_new_job_v(f, "hp", 1, pairs);

    assert_int_equal(bgc_job_set_high_performance(empty, 1), BGC_OK);
    assert_int_equal(bgc_job_get_high_performance(empty), 1);
    assert_int_equal(bgc_job_set_high_performance(job, 1), BGC_E_READ_ONLY_AFTER_ADDFILE);
    assert_int_equal(bgc_job_get_high_performance(job), 0);
}

static void F5_high_performance_writes_the_local_file_directly(void **state)
{
    struct fx *f = *state;
    char url[1024], dest[PATH_MAX], *temp = NULL;
    const char *pairs[] = {fx_url("/gen/200000/hp1?seed=3", url, sizeof(url)), "hp1.bin"};
    struct bgc_job *job = fx_new_job_v(f, "hp", 0, NULL);
    struct bgc_file_spec spec = {pairs[0], fx_path(f, "hp1.bin", dest, sizeof(dest))};

    assert_int_equal(bgc_job_set_high_performance(job, 1), BGC_OK);
    assert_int_equal(bgc_job_add_files(job, 1, &spec), BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(fx_count_temps(f), 0); /* no BIT*.tmp */
    fx_assert_content(dest, 3, 200000);     /* visible before Complete */
    assert_int_equal(bgc_job_get_file_temp_name(job, 0, &temp), BGC_OK);
    assert_string_equal(temp, dest);
    bgc_free(temp);
    assert_int_equal(bgc_job_complete(job, NULL), BGC_OK);
    fx_assert_content(dest, 3, 200000);
}

static void F7_high_performance_cancel_keeps_what_was_written(void **state)
{
    struct fx *f = *state;
    char url[1024], dest[PATH_MAX];
    struct bgc_job *job = fx_new_job_v(f, "hp", 0, NULL);
    struct bgc_file_spec spec = {fx_url("/gen/3000000/hp2?stall=10000&stallat=1000000&stallid=hp2", url, sizeof(url)),
                                 fx_path(f, "hp2.bin", dest, sizeof(dest))};

    assert_int_equal(bgc_job_set_high_performance(job, 1), BGC_OK);
    assert_int_equal(bgc_job_add_files(job, 1, &spec), BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_bytes(job, 0, 1000000);
    assert_int_equal(bgc_job_cancel(job), BGC_OK);
    assert_true(fx_exists(dest)); /* 2.6: no cleanup on Cancel */
}

/* ---- MAX_DOWNLOAD_SIZE ----------------------------------------------------------------- */

static void J1_max_download_size_checks(void **state)
{
    struct fx *f = *state;
    char url[1024];
    const char *pairs[] = {fx_url("/gen/100/mds0", url, sizeof(url)), "mds0.bin"};
    struct bgc_job *job = fx_new_job_v(f, "mds", 1, pairs);

    assert_int_equal(bgc_job_get_max_download_size(job), 0);
    assert_int_equal(bgc_job_set_max_download_size(job, 0), BGC_E_MAX_DOWNLOAD_SIZE_INVALID);
    assert_int_equal(bgc_job_set_max_download_size(job, 5000), BGC_OK);
    assert_int_equal(bgc_job_get_max_download_size(job), 5000);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    assert_int_equal(bgc_job_set_max_download_size(job, 6000), BGC_E_READ_ONLY_AFTER_RESUME);
    fx_wait_state(job, BGC_STATE_TRANSFERRED); /* 100 bytes fit */
}

static void max_download_size_hit_puts_the_job_in_error(void **state)
{
    struct fx *f = *state;
    char u1[1024], u2[1024];
    const char *pairs[] = {fx_url("/gen/3000/mds1", u1, sizeof(u1)), "mds1.bin", fx_url("/gen/3000/mds2", u2, sizeof(u2)),
                           "mds2.bin"};
    struct bgc_job *job = fx_new_job_v(f, "mds", 2, pairs);
    struct bgc_error e;

    assert_int_equal(bgc_job_set_max_download_size(job, 5000), BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state_ms(job, BGC_STATE_ERROR, WAIT_MS, 0, __FILE__, __LINE__);
    assert_int_equal(bgc_job_get_error(job, &e), BGC_OK);
    assert_int_equal(e.code, BGC_E_MAX_DOWNLOAD_SIZE_REACHED);
    assert_int_equal(e.file_index, 1); /* the first file fit */
}

static void max_download_size_stops_a_body_of_unknown_length(void **state)
{
    struct fx *f = *state;
    char url[1024];
    const char *pairs[] = {fx_url("/gen/5000000/mds3?nolength=1", url, sizeof(url)), "mds3.bin"};
    struct bgc_job *job = fx_new_job_v(f, "mds", 1, pairs);
    struct bgc_error e;
    struct bgc_file_progress fp;

    assert_int_equal(bgc_job_set_max_download_size(job, 100000), BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state_ms(job, BGC_STATE_ERROR, WAIT_MS, 0, __FILE__, __LINE__);
    assert_int_equal(bgc_job_get_error(job, &e), BGC_OK);
    assert_int_equal(e.code, BGC_E_MAX_DOWNLOAD_SIZE_REACHED);
    assert_int_equal(bgc_job_get_file_progress(job, 0, &fp), BGC_OK);
    assert_true(fp.bytes_transferred < 5000000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(J1_dynamic_content_only_before_the_first_resume_and_not_with_ranges, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(F16_dynamic_content_needs_no_length_and_keeps_total_unknown, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(F16_dynamic_content_restarts_from_zero_after_an_interruption, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(J1_high_performance_only_before_the_first_add_file, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(F5_high_performance_writes_the_local_file_directly, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(F7_high_performance_cancel_keeps_what_was_written, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(J1_max_download_size_checks, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(max_download_size_hit_puts_the_job_in_error, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(max_download_size_stops_a_body_of_unknown_length, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests_name("files_content", tests, fx_group_setup, fx_group_teardown);
}
